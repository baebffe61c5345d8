"""Badline DMA: the VIC-II takes 43 cycles of each of a frame's 25 badlines from the CPU (vic.py)."""

from __future__ import annotations

import random

from py65.devices.mpu6502 import MPU

from soulterm.c64 import C64
from soulterm.c64.vic import CYCLES_PER_FRAME

from test_c64_helpers import assemble, prg
from test_c64_memory import COMPUTE

PAL_FRAME = 63 * 312
CPU_CYCLES_PER_FRAME_SCREEN_ON = PAL_FRAME - 25 * 43      # 18,581


def cpu_may_run(cycle: int, yscroll: int) -> bool:
    """Independent per-cycle model: cycles 12-54 of each badline belong to the VIC."""
    line, position = divmod(cycle % PAL_FRAME, 63)
    badline = 0x30 <= line <= 0xF7 and line & 7 == yscroll
    return not (badline and 12 <= position + 1 <= 54)


def real_end(start: int, cpu_cycles: int, yscroll: int) -> int:
    """Walk the clock one cycle at a time until the CPU has had `cpu_cycles` cycles."""
    clock = start
    while cpu_cycles:
        if cpu_may_run(clock, yscroll):
            cpu_cycles -= 1
        clock += 1
    return clock


def counter_after(cycles: int, screen_on: bool) -> int:
    """The 16-bit counter a counting loop reaches in `cycles` from power-on."""
    m = C64()
    m.load_prg(prg(COUNTER))
    if not screen_on:
        m.vic.write(0x11, 0x0B)
    m.run(max_cycles=cycles)
    return m.ram[0xFB] | m.ram[0xFC] << 8


COUNTER = """
    SEI                 ; no jiffy interrupt: bare py65 has no CIA
loop:
    INC $FB
    BNE {loop}
    INC $FC
    JMP {loop}
"""


def bare_counter_after(cpu_cycles: int) -> int:
    ref = MPU(memory=bytearray(0x10000), pc=0xC000)
    ref.memory[0xC000:0xC000 + 16] = assemble(COUNTER, 0xC000)
    while ref.processorCycles < cpu_cycles:
        ref.step()
    return ref.memory[0xFB] | ref.memory[0xFC] << 8


def test_a_frame_leaves_the_cpu_18581_cycles_with_the_screen_on_and_19656_blanked():
    assert CYCLES_PER_FRAME == PAL_FRAME
    frames = 10 * PAL_FRAME
    assert counter_after(frames, screen_on=True) == bare_counter_after(10 * CPU_CYCLES_PER_FRAME_SCREEN_ON)
    assert counter_after(frames, screen_on=False) == bare_counter_after(frames)
    assert counter_after(frames, screen_on=True) < counter_after(frames, screen_on=False)


def test_every_instruction_ends_where_a_cycle_by_cycle_clock_says():
    code = assemble(COMPUTE, 0xC000)
    rng = random.Random(12)
    m = C64()
    m.memory.write_ram(0x2000, bytes(rng.randrange(256) for _ in range(0x300)))
    m.load_prg(bytes([0x00, 0xC0]) + code)
    m.vic.write(0x11, 0x1D)                             # display on, YSCROLL 5
    ref = MPU(memory=bytearray(m.ram), pc=0xC000)
    ref.sp, ref.p = m.cpu.sp, m.cpu.p
    clock = 0
    for _ in range(6_000):                              # about two frames
        before = ref.processorCycles
        ref.step()
        clock = real_end(clock, ref.processorCycles - before, yscroll=5)
    m.run(max_cycles=clock)
    assert m.cycles == clock
    assert (m.cpu.pc, m.cpu.a, m.cpu.x, m.cpu.y, m.cpu.p) == (ref.pc, ref.a, ref.x, ref.y, ref.p)


RASTER_WAIT = """
    SEI
wait:
    LDA $D012
    CMP #${line:02X}
    BNE {{wait}}
done:
    JMP {{done}}
"""


def test_the_raster_register_follows_the_real_clock():
    for line in (0x34, 0x80, 0xF4):                     # the line after a badline, the middle, past the last
        m = C64()
        m.load_prg(prg(RASTER_WAIT.format(line=line)))
        done = m.cpu.pc + 8                          # SEI, LDA abs, CMP #, BNE
        assert m.run(max_cycles=PAL_FRAME * 2, breakpoints=[done]) == "breakpoint"
        beam = m.cycles % PAL_FRAME // 63
        assert beam in (line, line + 1)                 # the poll saw the line; a few cycles have passed
