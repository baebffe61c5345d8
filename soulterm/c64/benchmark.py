"""Emulated MHz: bare py65 (bytearray memory) against soulterm's C64.run on the same loop.

    soulterm bench --machine [--cycles N] [--repeat R]
    python benchmarks/machine_speed.py [--cycles N] [--repeat R]      # the same, from a checkout

Three figures: bare py65, `C64.run` alone, and the whole headless
`soulterm run PRG --mute --max-cycles N` command run in-process (machine
start, load, run, screen print).

The loop is compute-heavy 6502 code of the kind the transformer kernels
run: an 8x8-bit shift-and-add multiply over two tables, accumulated with
absolute-mode loads and stores, plus zero-page read-modify-writes, indexed
loads, shifts and branches. Both
machines run exactly the same bytes at the same address for the same number
of cycles; the best of R runs is reported (wall-clock speed is a benchmark,
never a test). The C64 must keep >= 85% of bare py65. `C64.run` runs with
the display blanked, so its cycles are all the CPU's, as bare py65's are;
the whole command keeps the screen on, and 1,075 of each frame's 19,656
cycles are then badline DMA, which the emulator gets for free.
"""

from __future__ import annotations

import time

from py65.devices.mpu6502 import MPU

ORIGIN = 0x1000
# outer: LDY #0
# loop:  LDA $2000,Y ; STA $FB   (multiplicand)
#        LDA $2100,Y ; STA $FC   (multiplier)
#        LDA #0 ; LDX #8
# mul:   LSR $FC ; BCC skip ; CLC ; ADC $FB
# skip:  ROR A ; ROR $FD ; DEX ; BNE mul
#        CLC ; ADC $2300 ; STA $2300 (accumulate the high byte; absolute mode)
#        LDX $2301                  (absolute load, as kernels read variables)
#        INY ; BNE loop ; JMP outer
LOOP = bytes([
    0xA0, 0x00,
    0xB9, 0x00, 0x20, 0x85, 0xFB,
    0xB9, 0x00, 0x21, 0x85, 0xFC,
    0xA9, 0x00, 0xA2, 0x08,
    0x46, 0xFC, 0x90, 0x03, 0x18, 0x65, 0xFB,
    0x6A, 0x66, 0xFD, 0xCA, 0xD0, 0xF3,
    0x18, 0x6D, 0x00, 0x23, 0x8D, 0x00, 0x23, 0xAE, 0x01, 0x23,
    0xC8, 0xD0, 0xD8, 0x4C, 0x00, 0x10,
])


def bare_py65(cycles: int) -> float:
    memory = bytearray(0x10000)
    memory[ORIGIN:ORIGIN + len(LOOP)] = LOOP
    memory[0x2000:0x2200] = bytes(range(256)) * 2
    cpu = MPU(memory=memory, pc=ORIGIN)
    step = cpu.step
    start = time.perf_counter()
    while cpu.processorCycles < cycles:
        for _ in range(1000):
            step()
    elapsed = time.perf_counter() - start
    return cpu.processorCycles / elapsed / 1e6


def soulterm_c64(cycles: int) -> float:
    from soulterm.c64 import C64

    machine = C64(sound=False)
    machine.memory.write_ram(0x2000, bytes(range(256)) * 2)
    machine.load_prg(bytes([ORIGIN & 0xFF, ORIGIN >> 8]) + LOOP)
    machine.vic.write(0x11, 0x0B)           # display off: no badline DMA, the same work as bare py65
    begin = machine.cycles
    start = time.perf_counter()
    machine.run(max_cycles=cycles)
    elapsed = time.perf_counter() - start
    return (machine.cycles - begin) / elapsed / 1e6


def soulterm_run_command(cycles: int) -> float:
    """The whole headless `soulterm run PRG --mute --max-cycles N` in-process (load, run, print)."""
    import contextlib
    import io
    import os
    import tempfile

    from soulterm.cli import main as soulterm_main

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "loop.prg")
        with open(path, "wb") as handle:
            handle.write(bytes([ORIGIN & 0xFF, ORIGIN >> 8]) + LOOP)
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            soulterm_main(["run", path, "--mute", "--max-cycles", str(cycles)])
        elapsed = time.perf_counter() - start
    return cycles / elapsed / 1e6


DEFAULT_CYCLES = 10_000_000
DEFAULT_REPEAT = 5


def machine_speed_report(cycles: int = DEFAULT_CYCLES, repeat: int = DEFAULT_REPEAT) -> str:
    """Best of `repeat` runs of each machine, as three lines."""
    if cycles < 1 or repeat < 1:
        raise ValueError("cycles and repeat must be at least 1")
    bare = c64 = command = 0.0
    for _ in range(repeat):            # interleaved, so load on a shared machine hits all three
        bare = max(bare, bare_py65(cycles))
        c64 = max(c64, soulterm_c64(cycles))
        command = max(command, soulterm_run_command(cycles))
    return "\n".join([
        f"bare py65 (bytearray):  {bare:6.2f} emulated MHz",
        f"soulterm C64.run:       {c64:6.2f} emulated MHz  ({100 * c64 / bare:.0f}% of bare py65)",
        f"soulterm run (command): {command:6.2f} emulated MHz  ({100 * command / bare:.0f}% of bare py65)",
    ])
