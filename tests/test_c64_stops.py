"""How runs end: budgets, breakpoints, returning to BASIC, crashes, and interrupts."""

from __future__ import annotations

from soulterm.c64 import StopReason

from test_c64_helpers import started

SPIN = """
loop:
    INC $FB
    JMP {loop}
"""


def test_max_cycles_stops_at_the_first_instruction_boundary_after_the_budget():
    m = started(SPIN)                       # INC zp = 5 cycles, JMP abs = 3: 8 per round
    start = m.cycles
    assert m.run(max_cycles=800) == StopReason.MAX_CYCLES
    assert m.cycles - start == 800
    assert m.ram[0xFB] == 100
    m.run(max_cycles=1)                     # one instruction: the INC
    assert m.cycles - start == 805


def test_breakpoint_stops_before_the_instruction():
    m = started(SPIN)
    assert m.run(max_cycles=10_000, breakpoints=[0xC002]) == "breakpoint"
    assert m.cpu.pc == 0xC002 and m.ram[0xFB] == 1
    assert m.run(max_cycles=10_000, breakpoints=[0xC002]) == "breakpoint"
    assert m.ram[0xFB] == 2


def test_rts_from_the_program_returns_to_basic_and_halts_with_ready():
    m = started("""
        LDA #$41
        JSR $FFD2
        RTS
    """)
    assert m.run(max_cycles=10_000) == "halted"
    lines = [line.rstrip() for line in m.screen_lines()]
    row = lines.index("A")
    assert lines[row + 1] == "READY."
    assert "BASIC" in m.stop_message and not m.crashed
    assert m.run(max_cycles=10_000) == "halted"     # stays halted, READY. not printed twice
    assert [line.rstrip() for line in m.screen_lines()].count("READY.") == 2   # banner + this one


def test_jmp_to_basic_warm_start_halts():
    m = started("JMP ($A002)")
    assert m.run(max_cycles=10_000) == "halted"


def test_brk_is_a_crash_with_its_address():
    m = started("""
        NOP
        BRK
    """)
    assert m.run(max_cycles=10_000) == "halted"
    assert m.crashed and "BRK at $C001" in m.stop_message


def test_jump_into_empty_memory_crashes_on_brk():
    m = started("JMP $5000")
    assert m.run(max_cycles=10_000) == "halted"
    assert "BRK at $5000" in m.stop_message


def test_jam_and_undocumented_opcodes_crash():
    m = started(".byte $EA, $12")
    assert m.run(max_cycles=10_000) == "halted"
    assert m.crashed and m.stop_message == "JAM opcode $12 at $C001"
    m = started(".byte $A7, $10")             # LAX zp: undocumented
    assert m.run(max_cycles=10_000) == "halted"
    assert "undocumented opcode $A7 at $C000" in m.stop_message


def test_jump_into_the_rom_where_there_is_no_routine():
    m = started("JMP $E123")
    assert m.run(max_cycles=10_000) == "halted"
    assert "$E123" in m.stop_message and "KERNAL" in m.stop_message
    m = started("JSR $B000")
    assert m.run(max_cycles=10_000) == "halted"
    assert "BASIC" in m.stop_message


def test_endless_jmp_loop_halts():
    m = started("""
        LDA #$01
    end:
        JMP {end}
    """)
    assert m.run(max_cycles=1_000_000) == "halted"
    assert "endless loop" in m.stop_message
    assert m.cycles < 20_000


def test_kernal_timer_interrupt_calls_a_hooked_irq_vector():
    m = started("""
        JMP {main}
    handler:                ; at $C003
        INC $FB
        JMP $EA31
    main:
        SEI
        LDA #$03
        STA $0314
        LDA #$C0
        STA $0315
        CLI
    wait:
        JMP {wait}
    """)
    assert m.ram[0xC003] == 0xE6                 # INC zp: the handler is where the vector points
    m.run(max_cycles=16422 * 10)
    # timer A underflows every 16422 cycles ($4025 + 1); one IRQ each
    assert m.ram[0xFB] in (9, 10)


def test_raster_register_moves_and_a_wait_for_a_line_finishes():
    m = started("""
        LDA #$00
        STA $FB
    wait:
        LDA $D012
        CMP #$80
        BNE {wait}
        INC $FB
    end:
        JMP {end}
    """)
    assert m.run(max_cycles=100_000) == "halted"
    assert m.ram[0xFB] == 1


def test_jiffy_clock_counts_sixtieths_from_cycles():
    m = started(SPIN)
    m.run(max_cycles=16421 * 30 + 10)
    jiffies = (m.ram[0xA0] << 16) | (m.ram[0xA1] << 8) | m.ram[0xA2]
    assert jiffies == m.cycles // 16421


def test_raster_interrupt_fires_once_per_frame_when_acknowledged():
    m = started("""
        JMP {main}
    handler:                ; at $C003
        INC $FB
        LDA #$01
        STA $D019           ; acknowledge
        JMP $EA81
    main:
        SEI
        LDA #$7F
        STA $DC0D           ; CIA1 timer interrupt off
        LDA #$03
        STA $0314
        LDA #$C0
        STA $0315
        LDA #$40
        STA $D012           ; line 64
        LDA #$01
        STA $D01A           ; raster interrupt on
        CLI
    wait:
        JMP {wait}
    """)
    m.run(max_cycles=19656 * 5)            # PAL frame: 312 lines x 63 cycles
    assert m.ram[0xFB] == 5


def test_step_runs_one_instruction():
    m = started(SPIN)
    start = m.cycles
    m.step()
    assert m.cpu.pc == 0xC002 and m.cycles == start + 5
    m.step()
    assert m.cpu.pc == 0xC000 and m.cycles == start + 8
