"""T-states and bytes of the 48K player's RMSNorm with and without RN_UNIT_SHIFT (kernels/z80/rmsnorm.s,
thirty-third round, zx48norm33: every norm's shift in the loops' code, the clamped loop two elements a round).

The 48K player's norm options (RN_CLAMPED_UNIT, RN_SHORT_SHIFTS, RN_UNIT_GAIN_BITS = 6: no RN_FAST_SQUARES, no
RN_UNIT_PRODUCTS) on the kernels' bench, gains 64 and shift 8 (the shipped soul's, RN_UNIT_SHIFT = 2): a norm of
32 words whose root is 5 and 16 (clamped: inv = 32767, no product) and 17 and 40 (mul16u's unit loop), the mean
of 20 draws each, every output checked against intmath; then the kernel's bytes in each form.

    python benchmarks/zx48_norm_shift.py
"""

from __future__ import annotations

import numpy as np

from soulterm.soul import intmath
from soulterm.zx.kernelbench import CLAMPED_UNIT_OPTION, SHORT_SHIFTS_OPTION, Z80Bench

OPTIONS = [CLAMPED_UNIT_OPTION, SHORT_SHIFTS_OPTION, "RN_UNIT_GAIN_BITS = 6"]
GAIN_BITS, SHIFT = 6, 8
DRAWS = 20


def norm_cost(bench: Z80Bench, x: np.ndarray) -> int:
    """One rmsnorm call on x (at $A000, gains at $A100, out at $A200), checked against intmath; its T-states."""
    bench.poke(0xA000, b"".join(int(v & 0xFFFF).to_bytes(2, "little") for v in x))
    bench.poke_word(bench.sym("rn_x"), 0xA000)
    bench.poke(0xA100, bytes([1 << GAIN_BITS] * 32))
    bench.poke_word(bench.sym("rn_gain"), 0xA100)
    bench.poke(bench.sym("rn_shift"), [SHIFT])
    bench.poke_word(bench.sym("rn_out"), 0xA200)
    t_states = bench.call("rmsnorm")
    assert np.array_equal(bench.read_words(0xA200, 32), intmath.rmsnorm(x, np.full(32, 1 << GAIN_BITS), SHIFT))
    return t_states


def main() -> None:
    forms = {"patched (main)": Z80Bench(options="\n".join(OPTIONS)),
             f"RN_UNIT_SHIFT = {SHIFT - GAIN_BITS}": Z80Bench(options="\n".join(OPTIONS + [f"RN_UNIT_SHIFT = {SHIFT - GAIN_BITS}"]))}
    print(f"{'root':>6}" + "".join(f"{name:>22}" for name in forms) + f"{'saved':>10}")
    for root in (5, 16, 17, 40):
        rng = np.random.default_rng(root)
        draws = [16 * root * rng.choice([-1, 1], 32) + rng.integers(0, 16, 32) for _ in range(DRAWS)]
        means = [sum(norm_cost(bench, x) for x in draws) / DRAWS for bench in forms.values()]
        print(f"{root:>6}" + "".join(f"{mean:>22,.1f}" for mean in means) + f"{means[0] - means[1]:>10,.1f}")
    ends = [bench.program.end for bench in forms.values()]
    print(f"the bench's program (rmsnorm.s's code) {ends[0] - ends[1]} bytes shorter with RN_UNIT_SHIFT")


if __name__ == "__main__":
    main()
