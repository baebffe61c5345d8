"""Memory banking through the 6510 port, and the CPU against bare py65 (an independent reference)."""

from __future__ import annotations

import random

from py65.devices.mpu6502 import MPU

from soulterm.c64 import C64
from soulterm.c64.memory import banking

from test_c64_helpers import assemble, prg


def test_pla_table_for_the_port_values():
    assert banking(0x37) == ("rom", "io", "rom")
    assert banking(0x36) == ("ram", "io", "rom")
    assert banking(0x35) == ("ram", "io", "ram")
    assert banking(0x34) == ("ram", "ram", "ram")
    assert banking(0x33) == ("rom", "rom", "rom")       # character ROM at $D000
    assert banking(0x30) == ("ram", "ram", "ram")
    # bits configured as inputs in $00 read as 1: nothing can be banked out
    assert banking(0x30, ddr=0x00) == ("rom", "io", "rom")


def test_writes_under_rom_go_to_ram_and_are_seen_when_banked_out():
    code = """
        LDA #$AB
        STA $A000           ; BASIC ROM is in: the write lands in RAM underneath
        STA $E000           ; same under the KERNAL
        LDA $A000
        STA $FB             ; ... and a read still sees the ROM
        LDA #$34            ; everything RAM
        STA $01
        LDA $A000
        STA $FC
        LDA $E000
        STA $FD
        LDA #$37
        STA $01
        JMP $C01F
    """
    m = C64()
    m.load_prg(prg(code))
    m.run(max_cycles=10_000)
    assert m.ram[0xFB] == m.memory.basic_rom[0]
    assert (m.ram[0xFC], m.ram[0xFD]) == (0xAB, 0xAB)
    assert m.memory.ram_at(0xA000) == 0xAB and m.memory.ram_at(0xE000) == 0xAB


def test_code_runs_under_the_basic_area_with_the_rom_banked_out():
    # copy a routine to $A000, bank BASIC out ($36), call it, bank back in and print its result
    routine = assemble("""
        LDA #$0E            ; CHROUT still works: the KERNAL is in
        JSR $FFD2
        LDA #$C8            ; shift-H
        JSR $FFD2
        LDA #$49            ; i
        JSR $FFD2
        INC $FB
        RTS
    """, 0xA000)
    main = """
        LDX #$00
copy:
        LDA {routine},X
        STA $A000,X
        INX
        CPX #%d
        BNE {copy}
        LDA #$36
        STA $01
        JSR $A000
        LDA #$37
        STA $01
        JMP {end}
end:
        JMP {end}
routine:
    """ % len(routine)
    main += ".byte " + ", ".join(str(b) for b in routine)
    m = C64()
    m.load_prg(prg(main))
    assert m.run(max_cycles=100_000) == "halted"
    assert m.ram[0xFB] == 1
    lines = m.screen_lines()
    assert any(line.startswith("Hi ") for line in lines)
    assert m.read(0xA000) == m.memory.basic_rom[0]      # banked back in


def test_kernal_banked_out_gives_ram_at_the_vectors():
    code = """
        SEI
        LDA #$35
        STA $01
        LDA #$12
        STA $FFFE
        LDA $FFFE
        STA $FB
        LDA #$37
        STA $01
        LDA $FFFE
        STA $FC
        JMP $C017
    """
    m = C64()
    m.load_prg(prg(code))
    m.run(max_cycles=10_000)
    assert m.ram[0xFB] == 0x12
    assert m.ram[0xFC] == m.memory.kernal_rom[0x1FFE]


def test_io_banked_out_keeps_the_chip_state():
    code = """
        LDA #$07
        STA $D020
        LDA #$34
        STA $01
        LDA #$99
        STA $D020           ; RAM now, not the border
        LDA #$37
        STA $01
        JMP $C012
    """
    m = C64()
    m.load_prg(prg(code))
    m.run(max_cycles=10_000)
    assert m.vic.border == 7
    assert m.memory.ram_at(0xD020) == 0x99


def test_loading_into_the_areas_under_rom_stores_ram():
    m = C64()
    m.memory.write_ram(0x9FFE, bytes(range(8)))
    assert bytes(m.memory.ram_slice(0x9FFE, 0xA006)) == bytes(range(8))
    assert m.read(0xA000) == m.memory.basic_rom[0]


# A compute loop with every addressing mode family, run on both machines.
COMPUTE = """
    SEI                 ; no interrupts: bare py65 has no CIA
    LDA #$00
    STA $F0
    LDA #$30
    STA $F1
start:
    LDY #$00
loop:
    LDA $2000,Y
    STA $FB
    LDA $2100,Y
    STA $FC
    LDA #$00
    LDX #$08
mul:
    LSR $FC
    BCC {skip}
    CLC
    ADC $FB
skip:
    ROR A
    ROR $FD
    DEX
    BNE {mul}
    CLC
    ADC $FE
    STA $FE
    ASL $2200,X
    ROL $2201
    INC $2202
    DEC $2203,X
    EOR ($FB),Y
    STA ($F0),Y
    SBC #$13
    INY
    BNE {loop}
    JMP {start}
"""


def test_cpu_matches_bare_py65_cycle_for_cycle_with_the_screen_blanked():
    code = assemble(COMPUTE, 0xC000)
    rng = random.Random(64)
    tables = bytes(rng.randrange(256) for _ in range(0x300))
    m = C64()
    m.memory.write_ram(0x2000, tables)
    m.load_prg(bytes([0x00, 0xC0]) + code)
    m.vic.write(0x11, 0x0B)                           # display off: no badline DMA (test_c64_badlines.py)
    ref = MPU(memory=bytearray(m.ram), pc=0xC000)     # same RAM, same start
    ref.sp, ref.p = m.cpu.sp, m.cpu.p
    for _ in range(20_000):
        ref.step()
    assert m.cycles == 0
    m.run(max_cycles=ref.processorCycles)
    assert (m.cpu.pc, m.cpu.a, m.cpu.x, m.cpu.y, m.cpu.p, m.cpu.sp) == \
        (ref.pc, ref.a, ref.x, ref.y, ref.p, ref.sp)
    assert m.cycles == ref.processorCycles
    # all RAM the program can touch; $A0-$A2 is the jiffy clock, which the C64 advances
    assert bytes(m.ram[0x0002:0x00A0]) == bytes(ref.memory[0x0002:0x00A0])
    assert bytes(m.ram[0x00A3:0x9000]) == bytes(ref.memory[0x00A3:0x9000])
