"""The keyboard: what typed text puts in the buffer, CHRIN's line editor with echo, GETIN, idling."""

from __future__ import annotations

import pytest

from soulterm.c64 import C64

from test_c64_helpers import started

# Prompt "> ", read a line with CHRIN into $C200, print "=" and the line back, repeat.
ECHO_LINES = """
again:
    LDA #$3E
    JSR $FFD2
    LDA #$20
    JSR $FFD2
    LDX #$00
read:
    JSR $FFCF
    STA $C200,X
    INX
    CMP #$0D
    BNE {read}
    STX $FB
    LDA #$3D
    JSR $FFD2
    LDX #$00
show:
    LDA $C200,X
    JSR $FFD2
    INX
    CPX $FB
    BNE {show}
    JMP {again}
"""

# Wait for a key with GETIN, store it at $C300+n, count in $FB.
COLLECT_KEYS = """
    LDA #$00
    STA $FB
wait:
    JSR $FFE4
    BEQ {wait}
    LDX $FB
    STA $C300,X
    INC $FB
    JMP {wait}
"""


def test_typed_letters_arrive_as_a_c64_keyboard_makes_them():
    m = started(COLLECT_KEYS)
    m.type_text("aZ1 @\r")
    assert m.run(until_idle=True, max_cycles=1_000_000) == "idle"
    # a unshifted -> $41, Z shifted -> $DA, digits and symbols as ASCII, RETURN $0D
    assert bytes(m.ram[0xC300:0xC300 + m.ram[0xFB]]) == bytes([0x41, 0xDA, 0x31, 0x20, 0x40, 0x0D])


def test_more_than_ten_keys_are_fed_as_the_buffer_empties():
    m = started(COLLECT_KEYS)
    m.type_text("abcdefghijklmnopqrstuvwxy")
    assert m.ram[0xC6] == 10                          # the KERNAL buffer holds ten
    assert bytes(m.ram[0x0277:0x0277 + 10]) == bytes(range(0x41, 0x4B))
    m.run(until_idle=True, max_cycles=2_000_000)
    assert m.ram[0xFB] == 25
    assert bytes(m.ram[0xC300:0xC300 + 25]) == bytes(range(0x41, 0x5A))


def test_untypeable_characters_are_refused():
    m = C64()
    with pytest.raises(ValueError, match="cannot be typed"):
        m.type_text("tab\there")


def test_chrin_echoes_and_returns_the_line_then_return():
    m = started(ECHO_LINES)
    assert m.run(until_idle=True, max_cycles=1_000_000) == "idle"
    assert m.waiting_for_input
    m.type_line("hello 42")
    assert m.run(until_idle=True, max_cycles=1_000_000) == "idle"
    lines = m.screen_lines()
    row = next(r for r, line in enumerate(lines) if line.startswith(">"))
    # echoed while typed; CHRIN does not print the RETURN, so "=" follows on the same row
    assert lines[row].startswith("> HELLO 42=HELLO 42 ")
    assert bytes(m.ram[0xC200:0xC200 + m.ram[0xFB]]) == b"HELLO 42\r"


def test_line_editor_honours_delete_and_cursor_keys():
    m = started(ECHO_LINES)
    m.run(until_idle=True, max_cycles=1_000_000)
    m.type_text("abx")
    m.type_petscii([0x14])                                    # DEL removes the x
    m.type_text("c\r")
    m.run(until_idle=True, max_cycles=1_000_000)
    assert bytes(m.ram[0xC200:0xC200 + m.ram[0xFB]]) == b"ABC\r"


def test_pi_is_read_back_as_ff_like_the_key_types_it():
    m = started(ECHO_LINES)
    m.run(until_idle=True, max_cycles=1_000_000)
    m.type_line("2π")
    m.run(until_idle=True, max_cycles=1_000_000)
    assert bytes(m.ram[0xC200:0xC200 + m.ram[0xFB]]) == b"2\xff\r"


def test_a_line_longer_than_the_screen_row_is_read_whole():
    m = started(ECHO_LINES)
    m.run(until_idle=True, max_cycles=1_000_000)
    m.type_line("x" * 50)
    m.run(until_idle=True, max_cycles=2_000_000)
    assert bytes(m.ram[0xC200:0xC200 + m.ram[0xFB]]) == b"X" * 50 + b"\r"


def test_two_typed_lines_are_read_in_order():
    m = started(ECHO_LINES)
    m.type_line("one")
    m.type_line("two")
    m.run(until_idle=True, max_cycles=2_000_000)
    lines = [line.rstrip() for line in m.screen_lines()]
    row = lines.index("> ONE=ONE")
    assert lines[row:row + 3] == ["> ONE=ONE", "> TWO=TWO", ">"]


def test_waiting_without_until_idle_uses_the_budget():
    m = started(ECHO_LINES)
    start = m.cycles
    assert m.run(max_cycles=50_000) == "max-cycles"
    assert m.cycles == start + 50_000 or m.cycles > start + 50_000 - 7
    assert m.waiting_for_input


def test_getin_returns_zero_when_nothing_is_typed():
    code = """
        JSR $FFE4
        STA $FB
        PHP
        PLA
        STA $FC
        JMP $C00A
    """
    m = started(code)
    m.ram[0xFB] = 0x55
    m.run(max_cycles=10_000)
    assert m.ram[0xFB] == 0
    assert m.ram[0xFC] & 0x02                                 # Z set: no key


def test_a_busy_program_that_checks_for_keys_now_and_then_is_not_idle():
    m = started("""
    work:
        LDX #$00
        LDY #$20
    delay:                  ; about 40,000 cycles of work between checks
        DEX
        BNE {delay}
        DEY
        BNE {delay}
        INC $FB
        JSR $FFE4
        JMP {work}
    """)
    assert m.run(until_idle=True, max_cycles=500_000) == "max-cycles"
    assert m.ram[0xFB] >= 10 and not m.waiting_for_input


def test_a_getin_wait_loop_is_idle():
    m = started(COLLECT_KEYS)
    assert m.run(until_idle=True, max_cycles=500_000) == "idle"
    assert m.waiting_for_input and m.cycles < 1_000


# The fidelity issue's program, whose screen was read off a real C64 with the
# Commodore KERNAL: clear; a line; then print "> ", read a line with CHRIN
# (keeping its RETURN), print RETURN, "GOT:" and the line.
GOT_LINES = """
    LDA #$93
    JSR $FFD2
    LDX #$00
title:
    LDA {text},X
    BEQ {prompt}
    JSR $FFD2
    INX
    BNE {title}
prompt:
    LDA #$3E
    JSR $FFD2
    LDA #$20
    JSR $FFD2
    LDX #$00
read:
    JSR $FFCF
    STA $C200,X
    INX
    CMP #$0D
    BNE {read}
    STX $FB
    LDA #$0D
    JSR $FFD2
    LDA #$47
    JSR $FFD2
    LDA #$4F
    JSR $FFD2
    LDA #$54
    JSR $FFD2
    LDA #$3A
    JSR $FFD2
    LDX #$00
show:
    LDA $C200,X
    JSR $FFD2
    INX
    CPX $FB
    BNE {show}
    JMP {prompt}
text:
    .text "HELLO WORLD "
    .byte $12
    .text "REVERSED"
    .byte $92, $0D, $0D, $00
"""


def test_chrin_leaves_the_return_to_the_program_as_the_real_kernal_does():
    m = started(GOT_LINES)
    m.type_line("abc")
    m.type_line("hello there")
    assert m.run(until_idle=True, max_cycles=2_000_000) == "idle"
    assert [line.rstrip() for line in m.screen_lines()[:8]] == [
        "HELLO WORLD REVERSED", "", "> ABC", "GOT:ABC", "> HELLO THERE", "GOT:HELLO THERE", ">", ""]
    assert m.cursor == (6, 2)
    assert m.vic.screen_codes()[12] == 0x12 | 0x80              # "R" of REVERSED in reverse video


def test_an_empty_line_leaves_the_cursor_after_the_prompt():
    m = started(GOT_LINES)
    m.type_line("")
    assert m.run(until_idle=True, max_cycles=2_000_000) == "idle"
    assert [line.rstrip() for line in m.screen_lines()[2:5]] == [">", "GOT:", ">"]


def test_printing_return_on_a_two_row_line_moves_past_both_rows():
    m = started(GOT_LINES)
    m.type_line("x" * 45)
    assert m.run(until_idle=True, max_cycles=2_000_000) == "idle"
    lines = [line.rstrip() for line in m.screen_lines()]
    assert lines[2:7] == ["> " + "X" * 38, "X" * 7, "GOT:" + "X" * 36, "X" * 9, ">"]
