"""The RESTORE key (NMI), RUN/STOP, and when typed keys reach the keyboard buffer."""

from __future__ import annotations

import pytest

from soulterm.c64 import C64

from test_c64_helpers import started

COUNT = """
    LDA #$11
    LDX #$22
    LDY #$33
loop:
    INC $FB
    JMP {loop}
"""


def test_run_stop_restore_warm_starts_to_ready_on_a_cleared_screen():
    m = started("""
        LDA #$36            ; BASIC out, as the soulplayer has it at its prompt
        STA $01
        LDA #$00
        STA $0314           ; and a hooked IRQ vector
    loop:
        INC $FB
        JMP {loop}
    """)
    m.run(max_cycles=5_000)
    m.press_restore(run_stop=True)
    assert m.run(max_cycles=100_000) == "halted" and not m.crashed
    assert m.screen_lines()[0].rstrip() == "READY." and all(not line.strip() for line in m.screen_lines()[1:])
    assert m.ram[0x01] == 0x37                              # IOINIT: BASIC, I/O and KERNAL back
    assert (m.ram[0x0314], m.ram[0x0315]) == (0x31, 0xEA)   # RESTOR
    assert m.vic.border == 14 and m.vic.background == 6


def test_restore_alone_returns_to_the_program_with_its_registers():
    m = started(COUNT)
    m.run(max_cycles=5_000)
    count = m.ram[0xFB]
    m.press_restore()
    assert m.cpu.pc == 0xFE43                               # the NMI went through $FFFA
    m.run(max_cycles=5_000)
    assert m.ram[0xFB] != count and m.cpu.pc in range(0xC000, 0xC010)
    assert (m.cpu.a, m.cpu.x, m.cpu.y) == (0x11, 0x22, 0x33)


HANDLER = bytes([0xE6, 0xFC, 0x40])                         # $C100: INC $FC, RTI


def test_a_program_can_take_the_nmi_through_0318():
    m = started("""
        SEI
        LDA #$00
        STA $0318
        LDA #$C1
        STA $0319
        CLI
    loop:
        INC $FB
        JMP {loop}
    """)
    m.memory.write_ram(0xC100, HANDLER)
    m.run(max_cycles=2_000)
    for presses in (1, 2):
        m.press_restore()
        m.run(max_cycles=2_000)
        assert m.ram[0xFC] == presses and not m.halted


def test_with_the_kernal_banked_out_the_nmi_uses_the_ram_under_it():
    m = started("""
        SEI
        LDA #$35
        STA $01
        LDA #$00
        STA $FFFA
        LDA #$C1
        STA $FFFB
    loop:
        INC $FB
        JMP {loop}
    """)
    m.memory.write_ram(0xC100, HANDLER)
    m.run(max_cycles=2_000)
    m.press_restore(run_stop=True)                          # the program's handler decides, not the KERNAL
    m.run(max_cycles=2_000)
    assert m.ram[0xFC] == 1 and not m.halted


def test_stop_reports_run_stop_while_it_is_held():
    m = started("""
    loop:
        JSR $FFE1
        BNE {loop}
        INC $FB
    spin:
        JMP {spin}
    """)
    m.run(max_cycles=20_000)
    assert m.ram[0xFB] == 0
    m.cia1.keys_down.add((7, 7))                            # RUN/STOP in the keyboard matrix
    m.run(max_cycles=20_000)
    assert m.ram[0xFB] == 1


def test_typed_restore_waits_for_the_keys_before_it():
    m = started("""
        LDA #$00
        STA $FB
    wait:
        JSR $FFE4
        BEQ {wait}
        INC $FB
        JMP {wait}
    """)
    m.type_text("abc{run/stop+restore}def")
    assert m.run(max_cycles=2_000_000) == "halted"
    assert m.ram[0xFB] == 3                                 # a, b, c read; then RESTORE; d e f never
    assert m.screen_lines()[0].startswith("READY.")


def test_unknown_keys_in_braces_are_refused():
    with pytest.raises(ValueError, match=r"unknown key \{restroe\}.*\{restore\}"):
        C64().type_text("{restroe}")


def test_run_stop_restore_at_ready_clears_the_screen():
    m = C64()
    assert m.halted and "SOULTERM 64" in "".join(m.screen_lines())
    m.press_restore(run_stop=True)
    assert m.screen_lines()[0].rstrip() == "READY." and "SOULTERM" not in "".join(m.screen_lines())


def test_keys_typed_while_interrupts_are_off_wait_for_the_next_scan():
    m = started("""
        SEI
        LDX #$00
        LDY #$40
    busy:                   ; about 80,000 cycles with interrupts off
        DEX
        BNE {busy}
        DEY
        BNE {busy}
        STY $FB             ; 0: busy part done
        CLI
    wait:
        JSR $FFE4
        BEQ {wait}
        STA $FC
    done:
        JMP {done}
    """)
    m.ram[0xFB] = 0xFF
    m.run(max_cycles=1_000)
    m.type_text("k")
    assert m.ram[0xC6] == 0                                 # not scanned yet
    m.run(max_cycles=30_000)
    assert m.ram[0xFB] == 0xFF and m.ram[0xC6] == 0         # still busy, still not scanned
    m.run(max_cycles=200_000)
    assert m.ram[0xFC] == 0x4B                              # it arrives once interrupts are back on
