"""Addresses wrap at 64K as on the hardware: a program may do anything to its memory, the machine never raises."""

from __future__ import annotations

from soulterm.c64 import C64, StopReason

from test_c64_helpers import prg


def run_code(source: str, load: int = 0xC000, cycles: int = 200_000) -> C64:
    machine = C64()
    machine.load_prg(prg(source, load))
    machine.run(max_cycles=cycles)
    return machine


def test_prg_ending_at_ffff_loads_and_sets_vartab_to_0000():
    machine = C64()
    body = bytes([0x60]) + bytes(0xFF)                      # RTS, then padding up to $FFFF
    machine.load_prg(bytes([0x00, 0xFF]) + body)
    assert machine.ram[0x2D] | machine.ram[0x2E] << 8 == 0x0000
    assert machine.memory.ram_at(0xFF00) == 0x60


def test_kernal_vector_with_carry_set_near_ffff_wraps_into_zero_page():
    machine = run_code("""
        LDX #$F0
        LDY #$FF
        SEC
        JSR $FF8D       ; VECTOR: copy the 32 vector bytes out to $FFF0, running on into $0000
    spin:
        JMP {spin}
    """)
    assert not machine.crashed
    assert machine.memory.ram_at(0xFFF0) == machine.ram[0x0314]
    assert machine.memory.ram_at(0x0002) == machine.ram[0x0314 + 0x12]


def test_screen_moved_to_fe00_prints_and_scrolls_without_raising():
    machine = run_code("""
        LDA #$FE
        STA $0288
        LDX #0
    loop:
        LDA #$41
        JSR $FFD2
        LDA #$0D
        JSR $FFD2
        INX
        CPX #30         ; more lines than the screen has: it scrolls
        BNE {loop}
    spin:
        JMP {spin}
    """)
    assert not machine.crashed
    row = machine.editor.row
    assert machine.memory.ram_at((0xFE00 + row * 40 - 40) & 0xFFFF) == 0x01   # 'A' as a screen code


def test_load_with_a_name_running_past_ffff_fails_cleanly():
    machine = run_code("""
        LDA #$10        ; name length 16 at $FFF8: runs on into $0000
        LDX #$F8
        LDY #$FF
        JSR $FFBD       ; SETNAM
        LDA #1
        LDX #8
        LDY #1
        JSR $FFBA       ; SETLFS
        LDA #0
        JSR $FFD5       ; LOAD: no disk mounted
        STA $C100
        PHP
        PLA
        STA $C101
    spin:
        JMP {spin}
    """)
    assert not machine.crashed
    assert machine.ram[0xC100] == 5                         # DEVICE NOT PRESENT
    assert machine.ram[0xC101] & 1                          # carry set: the error path


def test_run_loop_survives_random_stores_everywhere():
    machine = run_code("""
        LDY #0
    loop:
        LDA $D012
        STA $FF00,Y
        STA ($FE),Y
        INY
        BNE {loop}
        INC $FF
        JMP {loop}
    """, cycles=300_000)
    assert machine.last_stop in (StopReason.MAX_CYCLES, StopReason.HALTED)


def test_an_internal_error_in_a_kernal_routine_stops_the_program_not_the_emulator(monkeypatch):
    from soulterm.c64.c64 import INTERNAL_ERROR

    machine = C64()
    machine.load_prg(prg("""
        LDA #$41
        JSR $FFD2
    spin:
        JMP {spin}
    """))

    def broken(*args):
        raise IndexError("bytearray index out of range")

    kernal = machine.kernal
    for address in [a for a, handler in kernal.traps.items() if handler == kernal.chrout]:
        monkeypatch.setitem(kernal.traps, address, broken)
    assert machine.run(max_cycles=10_000) == StopReason.HALTED
    assert machine.crashed
    assert machine.stop_message.startswith(INTERNAL_ERROR) and "IndexError" in machine.stop_message
