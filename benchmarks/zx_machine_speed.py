"""Emulated speed of soulterm's ZX Spectrum: 35M T-states (10 s of Spectrum time) of a loop, best of 3.

    python benchmarks/zx_machine_speed.py
"""

from __future__ import annotations

import time

from soulterm.asm import assemble
from soulterm.zx import Spectrum

LOOP = """
        .org $8000
        ei                      ; the frame interrupt runs, as in a real program
outer:  ld hl,0
        ld b,0
inner:  add hl,hl
        djnz inner
        jr outer
"""


def main() -> None:
    program = assemble(LOOP, cpu="z80")
    rates = []
    for _ in range(3):
        machine = Spectrum()
        machine.load_code(program.origin, program.data)
        start = time.perf_counter()
        machine.run(max_cycles=35_000_000)
        rates.append(machine.cycles / (time.perf_counter() - start) / 1e6)
    best = max(rates)
    print(f"{best:.0f} MHz emulated (runs: {', '.join(f'{r:.0f}' for r in rates)}), "
          f"{best / 3.5:.0f}x a real 3.5 MHz Spectrum")


if __name__ == "__main__":
    main()
