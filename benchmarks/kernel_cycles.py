"""Print the exact cycle table of the 6502 kernels (README-ready markdown).

    python benchmarks/kernel_cycles.py          # same as `soulterm bench --kernels`
"""

from soulterm.player.bench import kernel_cycle_table


def main() -> str:
    return kernel_cycle_table()


if __name__ == "__main__":
    print(main())
