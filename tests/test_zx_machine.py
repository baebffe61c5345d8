"""The ZX Spectrum 48K: exact T-states, the high-level ROM, the ULA's screen, border, keyboard and beeper."""

import json

import pytest

from soulterm.asm import assemble
from soulterm.cli import main
from soulterm.zx import Spectrum, TapError, tap
from soulterm.zx.rom import SYSVARS
from soulterm.zx.ula import PALETTE, BRIGHT_PALETTE, half_block_rows, pixel_address

ECHO = """
        .org $8000
        ld a,2
        call $1601          ; CHAN-OPEN stream 2: the upper screen
        ld hl,message
print:  ld a,(hl)
        or a
        jr z,wait
        rst $10
        inc hl
        jr print
wait:   bit 5,(iy+1)        ; FLAGS: a new key in LAST-K?
        jr z,wait
        res 5,(iy+1)
        ld a,($5C08)        ; LAST-K
        cp 13
        ret z               ; ENTER: back to BASIC
        rst $10
        ld a,2
        out ($fe),a         ; red border for every key
        jr wait
message: .text "Hi there, Z80!", 13, 0
"""


def machine_with(source: str, entry: int | None = None) -> Spectrum:
    program = assemble(source, cpu="z80")
    machine = Spectrum()
    machine.load_code(program.origin, program.data, entry)
    return machine


def test_t_states_are_exact():
    # di 4 + ld b,10 7 + djnz 9x13 + 8 + ret 10: the run ends when RET reaches BASIC.
    machine = machine_with(" .org $8000\n di\n ld b,10\n@l: djnz @l\n ret\n")
    assert machine.run(max_cycles=10_000) == "halted"
    assert machine.cycles == 4 + 7 + 9 * 13 + 8 + 10
    assert not machine.crashed
    assert machine.screen_lines()[23].startswith("0 OK")
    assert set(machine.memory[0x5AC0:0x5B00]) == {machine.memory[SYSVARS["BORDCR"]]}    # (CLS-LOWER's, as the real report)


def test_cycle_budget_stops_at_the_first_instruction_boundary_after_it():
    machine = machine_with(" .org $8000\n di\nloop: jr loop\n")   # 4, then 12 per jr
    assert machine.run(max_cycles=100) == "max-cycles"
    assert machine.cycles == 4 + 12 * 8


def test_a_step_or_a_stop_never_ends_between_an_index_prefix_and_its_instruction():
    """The core takes a DD/FD prefix as a step of its own; the debugger must never see
    the PC inside `bit 5,(iy+1)` (it would disassemble `rlc c`)."""
    machine = machine_with(" .org $8000\n di\n bit 5,(iy+1)\n ld ix,0\n nop\nloop: jr loop\n")
    machine.step()
    assert machine.cpu.pc == 0x8001
    machine.step()
    assert (machine.cpu.pc, machine.cycles) == (0x8005, 4 + 20)
    machine.step()
    assert (machine.cpu.pc, machine.cycles) == (0x8009, 4 + 20 + 14)
    for budget in range(1, 40):                 # a budget that ends inside the prefix
        machine = machine_with(" .org $8000\n di\nloop: bit 5,(iy+1)\n jr loop\n")
        machine.run(max_cycles=budget)
        assert machine.cpu.pc in (0x8001, 0x8005), (budget, hex(machine.cpu.pc))


def test_print_and_typed_keys_through_last_k():
    machine = machine_with(ECHO)
    machine.type_line("hello World")
    assert machine.run(max_cycles=5_000_000) == "halted"
    lines = machine.screen_lines()
    assert lines[0].rstrip() == "Hi there, Z80!"
    assert lines[1].rstrip() == "hello World"
    assert machine.ula.border == 2 and machine.border_changes == 1


def test_waiting_for_a_key_with_nothing_typed_is_idle():
    machine = machine_with(ECHO)
    assert machine.run(max_cycles=5_000_000, until_idle=True) == "idle"
    assert machine.waiting_for_input
    machine.type_line("ok")
    assert machine.run(max_cycles=5_000_000) == "halted"
    assert machine.screen_lines()[1].rstrip() == "ok"


def test_interrupts_count_frames():
    machine = machine_with(" .org $8000\n ei\nloop: halt\n jr loop\n")
    machine.run(max_cycles=10 * 69_888 + 100)  # the 10th interrupt starts at 10 frames exactly
    frames = SYSVARS["FRAMES"]
    assert int.from_bytes(machine.memory[frames:frames + 3], "little") == 10


def test_print_at_colours_and_scrolling():
    source = """
        .org $8000
        ld a,2
        call $1601
        ld hl,text
@next:  ld a,(hl)
        cp $ff
        ret z
        rst $10
        inc hl
        jr @next
text:   .byte 22, 5, 3, 17, 1, 19, 1, 16, 6, 'A', $ff
"""
    machine = machine_with(source)
    machine.run(max_cycles=100_000)
    assert machine.screen_lines()[5][3] == "A"
    attribute = machine.memory[0x5800 + 5 * 32 + 3]
    assert attribute == 0x40 | 1 << 3 | 6      # bright, blue paper, yellow ink
    rows = half_block_rows(machine.memory)
    assert len(rows) == 96 and len(rows[0]) == 256
    top, bottom = rows[20][3 * 8]              # pixel rows 40/41, first column of the cell
    assert top == BRIGHT_PALETTE[1]            # blank top row of the glyph: paper
    assert PALETTE[7] == (0xD7, 0xD7, 0xD7)


def test_scrolling_keeps_the_last_lines():
    lines = "".join(f' .text "line {n}", 13\n' for n in range(30))
    machine = machine_with(" .org $8000\n ld a,2\n call $1601\n ld hl,t\n@n: ld a,(hl)\n or a\n ret z\n"
                           " rst $10\n inc hl\n jr @n\nt:\n" + lines + " .byte 0\n")
    machine.run(max_cycles=2_000_000)
    screen = [line.rstrip() for line in machine.screen_lines()]
    assert screen[20] == "line 29" and screen[0] == "line 9"
    # SCR-CT as the real ROM counts it: CLS leaves 1, so the first scroll (line 22's print) is where a
    # real Spectrum asks "scroll?" (counted here: the run goes on), and SCR-CT is 22 after it
    assert len(machine.rom.scroll_asks) == 1 and machine.memory[SYSVARS["SCR_CT"]] == 22 - 8    # (9 scrolls)


def test_the_rom_asks_scroll_again_after_22_more_scrolls_and_not_where_a_program_keeps_scr_ct_up():
    lines = "".join(f' .text "line {n}", 13\n' for n in range(60))
    loop = (" ld hl,t\n@n: ld a,(hl)\n or a\n ret z\n{keep} rst $10\n inc hl\n jr @n\nt:\n" + lines + " .byte 0\n")
    asks = []
    for keep in ("", " ld (iy+$52),$ff\n"):      # SCR-CT = IY + $52
        machine = machine_with(" .org $8000\n ld a,2\n call $1601\n" + loop.format(keep=keep))
        machine.run(max_cycles=4_000_000)
        asks.append(len(machine.rom.scroll_asks))
    assert asks == [2, 0]       # 39 scrolls: the first, and the 23rd after it


@pytest.mark.parametrize("codes, screen_line, text, s_posn", [
    ([22, 3, 0] + [ord("a")] * 33 + [8, 8, 8, ord("X")], 3, "a" * 30 + "Xa", (2, 21)),    # back over the wrap
    ([22, 2, 0, 8, ord("Z")], 1, " " * 31 + "Z", (1, 23)),     # column 0: the line above's column 31
    ([22, 1, 0, ord("q"), 22, 1, 0, 8, ord("Y")], 1, "Y", (32, 23)),    # but line 1 keeps column 0
    ([22, 4, 5, 8, ord("W")], 4, "    W", (28, 20)),
])
def test_cursor_left_moves_as_the_real_roms_po_back(codes, screen_line, text, s_posn):
    """CHR$ 8 as the real PO-BACK-1 ($0A23) moves it: at column 0 to the line above's column 31 (the
    player's DELETE after its echo wrapped), except from line 1 (the real ROM's test of 24 - line);
    S-POSN as measured on the real 48 BASIC ROM (twenty-second round)."""
    machine = machine_with(" .org $8000\n ld a,2\n call $1601\n ld hl,t\n@n: ld a,(hl)\n cp $ff\n ret z\n"
                           " rst $10\n inc hl\n jr @n\nt: .byte " + ",".join(map(str, codes)) + ",$ff\n")
    machine.run(max_cycles=1_000_000)
    assert machine.screen_lines()[screen_line].rstrip() == text
    assert (machine.memory[SYSVARS["S_POSN"]], machine.memory[SYSVARS["S_POSN"] + 1]) == s_posn


def test_the_rom_is_read_only_and_a_jump_into_it_is_a_crash():
    machine = machine_with(" .org $8000\n ld a,$55\n ld ($3D00),a\n jp $1234\n")
    assert machine.run(max_cycles=1000) == "halted"
    assert machine.crashed
    assert "$1234" in machine.stop_message
    assert machine.memory[0x3D00] == 0  # the space glyph's first row, unchanged


def test_rst_8_is_an_error_report():
    machine = machine_with(" .org $8000\n rst 8\n .byte 10\n")
    machine.run(max_cycles=1000)
    assert machine.crashed and "error report B" in machine.stop_message


def test_keyboard_half_rows_on_port_fe():
    machine = machine_with(" .org $8000\n ld bc,$FDFE\n in a,(c)\n ld ($9000),a\n ret\n")
    machine.ula.pressed = {"a", "g"}
    machine.run(max_cycles=1000)
    assert machine.memory[0x9000] & 0x1F == 0b01110  # A (bit 0) and G (bit 4) down


def test_beeper_calls_are_recorded_and_take_their_time():
    # 440 Hz for 0.1 s: DE = 44 cycles, HL = 437500/440 - 30.125.
    machine = machine_with(" .org $8000\n di\n ld de,44\n ld hl,964\n call $03B5\n ret\n")
    machine.run(max_cycles=1_000_000)
    (start, hertz, seconds), = machine.rom.beeps
    assert round(hertz) == 440 and round(seconds, 2) == 0.1
    assert machine.cycles > 0.099 * 3_500_000


def test_screen_memory_layout():
    assert pixel_address(0, 0) == 0x4000
    assert pixel_address(0, 1) == 0x4100
    assert pixel_address(0, 8) == 0x4020
    assert pixel_address(0, 64) == 0x4800
    assert pixel_address(31, 191) == 0x57FF


def test_unknown_keys_and_code_outside_ram_are_refused():
    machine = Spectrum()
    with pytest.raises(ValueError, match="no key for '~'"):
        machine.type_text("~")
    with pytest.raises(TapError, match="outside the RAM"):
        machine.load_code(0x3000, b"\xc9")


def test_run_command_loads_a_tap_and_reports_json(tmp_path, capsys):
    program = assemble(ECHO, cpu="z80")
    path = tmp_path / "echo.tap"
    path.write_bytes(tap.write_tap("echo", program.data, program.origin))
    assert main(["run", str(path), "--type", "hi", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["screen"][1].rstrip() == "Bytes: echo" and report["screen"][3].rstrip() == "hi"
    assert report["stopped"] == "halted"
    assert set(report) == {"screen", "cycles", "sid_gate_on", "border_changes", "stopped"}
    assert report["cycles"] > 0


def test_run_command_reports_a_damaged_tape_in_one_line(tmp_path, capsys):
    path = tmp_path / "bad.tap"
    path.write_bytes(tap.write_tap("echo", b"\xc9", 0x8000)[:-1])
    assert main(["run", str(path)]) == 1
    assert "bad.tap: block 4 is cut off: 2 of 3 bytes" in capsys.readouterr().err
