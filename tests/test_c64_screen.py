"""The screen editor through CHROUT: colours, reverse, cursor moves, clearing, scrolling, case."""

from __future__ import annotations

from soulterm.c64 import C64

from test_c64_helpers import prg

PRINT_STRING = """
    LDX #$00
next:
    LDA {text},X
    BEQ {done}
    JSR $FFD2
    INX
    BNE {next}
done:
    JMP {done}          ; ends in a JMP * loop: halted without BASIC's READY.
text:
"""


def run_print(data: bytes, machine: C64 | None = None) -> C64:
    """Print the PETSCII bytes `data` with CHROUT from a machine-code program."""
    machine = machine or C64()
    code = PRINT_STRING + ".byte " + ", ".join(str(b) for b in data + b"\x00")
    machine.load_prg(prg(code))
    assert machine.run(max_cycles=2_000_000) == "halted"
    return machine


def cell(machine: C64, row: int, column: int) -> tuple[int, int]:
    """(screen code, colour) at a cell, read from the machine's RAM / colour RAM."""
    offset = row * 40 + column
    return machine.ram[0x0400 + offset], machine.memory.io_byte(0xD800 + offset) & 0x0F


def test_clear_home_and_print_with_colours_and_reverse():
    # CLR, red "A", RVS ON "B", RVS OFF, white "C"
    m = run_print(b"\x93\x1cA\x12B\x92\x05C")
    assert cell(m, 0, 0) == (0x01, 2)          # 'A' screen code 1, red
    assert cell(m, 0, 1) == (0x82, 2)          # reversed 'B'
    assert cell(m, 0, 2) == (0x03, 1)          # 'C' in white
    assert m.screen_lines()[0].startswith("ABC ")
    assert m.ram[0x0286] == 1                   # current colour is white


def test_cursor_moves_and_home():
    # CLR, "X", down, right, "Y", home, "Z", up at row 0 stays
    m = run_print(b"\x93X\x11\x1dY\x13\x91Z")
    lines = m.screen_lines()
    assert lines[0][0] == "Z"
    assert lines[1][:3] == "  Y"
    assert m.cursor == (0, 1)


def test_return_moves_to_next_line_and_clears_reverse():
    m = run_print(b"\x93\x12AB\rC")
    assert cell(m, 0, 0)[0] == 0x81
    assert cell(m, 1, 0)[0] == 0x03             # reverse ended at RETURN
    assert (m.ram[0xD6], m.ram[0xD3]) == (1, 1)  # cursor row/column in zero page


def test_scrolling_at_the_bottom_line():
    text = b"\x93" + b"\r".join(b"L%02d" % n for n in range(30))
    m = run_print(text)
    lines = m.screen_lines()
    # 30 lines printed on a 25-line screen: L00-L05 scrolled away
    assert lines[0].startswith("L05")
    assert lines[23].startswith("L28")
    assert lines[24].startswith("L29")


def test_long_text_wraps_to_the_next_row():
    m = run_print(b"\x93" + b"A" * 45)
    lines = m.screen_lines()
    assert lines[0] == "A" * 40
    assert lines[1].startswith("AAAAA ")


def test_delete_and_insert():
    # "ABC", left, left, DEL (removes A? no: removes the char left of cursor = A), then INST
    m = run_print(b"\x93ABC\x9d\x9d\x14")
    assert m.screen_lines()[0].startswith("BC ")
    m = run_print(b"\x93ABC\x9d\x9d\x94")
    assert m.screen_lines()[0].startswith("A BC")


def test_case_switch_codes_select_the_character_set():
    m = run_print(b"\x93\x0e\x48\xc5\xcc\xcc\xcf")      # lowercase, then h, shift-E L L O
    assert m.vic.lowercase
    assert m.ram[0x0400] == 0x08                        # unshifted H: screen code 8
    assert m.screen_lines()[0].startswith("hELLO")      # read in the lowercase set
    m = run_print(b"\x8e")
    assert not m.vic.lowercase


def test_shifted_letters_are_capitals_in_the_lowercase_set():
    m = run_print(b"\x93\x0e\xc8ELLO")                  # shift-H then unshifted ello
    assert m.screen_lines()[0].startswith("Hello")


def test_quote_mode_prints_control_codes_as_reversed_symbols():
    m = run_print(b'\x93"\x93"')
    assert cell(m, 0, 1)[0] == 0xD3                     # reversed heart, not a clear
    assert m.screen_lines()[0][0] == '"'


def test_border_and_background_registers():
    code = """
        LDA #$02
        STA $D020
        LDA #$00
        STA $D021
        LDA #$02
        STA $D020
        LDA #$05
        STA $D020
        RTS
    """
    m = C64()
    m.load_prg(prg(code))
    m.run(max_cycles=10_000)
    assert m.vic.border == 5 and m.vic.background == 0
    assert m.border_changes == 2                        # 14->2 and 2->5; rewriting 2 is not a change
    assert m.read(0xD020) == 0xF5                       # unused high nibble reads as 1s


def test_screen_follows_d018():
    code = """
        LDA #$35            ; screen at $0C00, uppercase set
        STA $D018
        LDA #$08            ; 'H'
        STA $0C00
        RTS
    """
    m = C64()
    m.load_prg(prg(code))
    m.run(max_cycles=10_000)
    assert m.vic.screen_address == 0x0C00
    assert m.screen_lines()[0][0] == "H"


def test_plot_sets_and_reads_the_cursor():
    code = """
        LDX #$05
        LDY #$0A
        CLC
        JSR $FFF0
        LDA #$2A            ; '*'
        JSR $FFD2
        SEC
        JSR $FFF0
        STX $FB
        STY $FC
        RTS
    """
    m = C64()
    m.load_prg(prg(code))
    m.run(max_cycles=10_000)
    assert m.screen_lines()[5][10] == "*"
    assert (m.ram[0xFB], m.ram[0xFC]) == (5, 11)
