"""Unit tests for the TUI's pure parts: glyphs, palette, build map, debugger
helpers and the attention recorder. Expected values come from C64 facts
(screen-code tables, PETSCII), the map format in docs/CONTRACTS.md and
py65, not from this code's own output."""

from __future__ import annotations

import json

import numpy as np
import pytest
from py65.devices.mpu6502 import MPU

from soulterm.tui import debugging
from soulterm.tui.attention_recorder import AttentionRecorder
from soulterm.tui.buildmap import BuildMap, MapError
from soulterm.tui.charset import glyph, screen_code_to_petscii
from soulterm.tui.palette import C64_PALETTE_HEX, cell_style


# -- glyphs ----------------------------------------------------------------------

@pytest.mark.parametrize("code, upper, lower", [
    (0x00, "@", "@"), (0x01, "A", "a"), (0x1A, "Z", "z"), (0x20, " ", " "),
    (0x30, "0", "0"), (0x39, "9", "9"), (0x2E, ".", "."), (0x3F, "?", "?"),
    (0x1C, "£", "£"), (0x1E, "↑", "↑"), (0x41, "♠", "A"), (0x5A, "♦", "Z"),
    (0x5B, "┼", "┼"), (0x40, "─", "─"),
])
def test_screen_codes_map_to_the_right_glyph_in_each_set(code, upper, lower):
    assert glyph(code, lowercase=False) == (upper, False)
    assert glyph(code, lowercase=True) == (lower, False)


def test_reverse_video_is_the_high_bit_over_the_same_glyph():
    assert glyph(0x81, lowercase=False) == ("A", True)
    assert glyph(0xA0, lowercase=True) == (" ", True)


def test_screen_code_to_petscii_follows_the_kernal_tables():
    # CHROUT prints PETSCII $41 'A' as screen code $01, $C1 as $41, $A0 as $60.
    assert screen_code_to_petscii(0x01) == 0x41
    assert screen_code_to_petscii(0x20) == 0x20
    assert screen_code_to_petscii(0x41) == 0xC1
    assert screen_code_to_petscii(0x60) == 0xA0
    assert screen_code_to_petscii(0x7F) == 0xBF


def test_palette_has_the_sixteen_c64_colours_and_styles_use_the_low_nibble():
    assert len(C64_PALETTE_HEX) == 16
    assert C64_PALETTE_HEX[0] == "#000000" and C64_PALETTE_HEX[1] == "#ffffff"
    assert cell_style(0x11, 0x06) is cell_style(1, 6)  # VIC ignores the high nibble


# -- the build map ---------------------------------------------------------------

MAP = {
    "format": "soulterm-map-1",
    "load_address": 2049, "end_address": 4096,
    "symbols": {"main": 0x080D, "matvec": 0x0900, "matvec@loop": 0x0910, "weights_te": 0x2000,
                "EM_DIM": 0x0908, "mv_acc": 0x0002},
    "lines": [[0x080D, "kernels/main.s", 10], [0x0900, "kernels/matvec.s", 5], [0x0903, "kernels/matvec.s", 6]],
    "regions": [
        {"name": "code", "kind": "code", "start": 0x0801, "end": 0x1000},
        {"name": "te", "kind": "weights", "start": 0x2000, "end": 0x3000},
        {"name": "te.row0", "kind": "weights", "start": 0x2000, "end": 0x2020},
    ],
    "attention": {"weights": 0xC000, "context": 0xC0A0, "context_len": 0xC0B4, "position": 0xC0B5,
                  "layer": 0xC0B6, "head": 0xC0B7},
    "vocab": ["", "", "", "", " ", "a"] + [f"t{i}" for i in range(6, 128)],
}


def test_map_lookups():
    m = BuildMap.from_dict(MAP)
    assert m.region_at(0x0850).name == "code"
    assert m.region_at(0x2010).name == "te.row0"        # innermost wins
    assert m.region_at(0x0400).kind == "screen"          # fixed C64 region
    assert m.region_at(0xD020).kind == "io"
    assert m.region_covering(0x0800, 0x0840).name == "code"  # most of the cell, though not its first byte
    assert m.region_covering(0x1FF0, 0x2030).name == "te"       # covers $30 of it, te.row0 only $20
    assert m.routine_at(0x0905) == ("matvec", 5)
    assert m.routine_at(0x0912) == ("matvec@loop", 2)
    assert m.routine_at(0x0909) == ("matvec", 9)          # EM_DIM is a constant, not a routine
    assert m.describe(0x0900) == "matvec"
    assert m.source_line(0x0903) == ("kernels/matvec.s", 6)
    assert m.resolve("MATVEC") == 0x0900
    assert m.resolve("$C000") == 0xC000 and m.resolve("0x10") == 16 and m.resolve("42") == 42
    assert m.kernel_entries() == {0x080D: "main", 0x0900: "matvec"}   # no local or data labels
    assert m.token_label(5) == "a" and m.token_label(1) == "<SEP>"


@pytest.mark.parametrize("text", ["nosuch", "$10000", "", "-3"])
def test_map_resolve_rejects_bad_targets(text):
    with pytest.raises(ValueError):
        BuildMap.from_dict(MAP).resolve(text)


def test_map_load_errors_are_one_line(tmp_path):
    with pytest.raises(MapError, match="no such file"):
        BuildMap.load(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(MapError, match="not a readable JSON map"):
        BuildMap.load(bad)
    bad.write_text(json.dumps({"format": "other"}))
    with pytest.raises(MapError, match="soulterm-map-1"):
        BuildMap.load(bad)
    broken = dict(MAP, regions=[{"name": "x", "start": 5}])
    bad.write_text(json.dumps(broken))
    with pytest.raises(MapError, match="malformed"):
        BuildMap.load(bad)


# -- debugger helpers ----------------------------------------------------------------

def _mpu_with(code: bytes, at: int = 0x1000) -> MPU:
    mpu = MPU()
    mpu.memory[at:at + len(code)] = list(code)
    return mpu


def test_disassembly_names_operands_by_symbol():
    mpu = _mpu_with(bytes.fromhex("A901 200020 60"))
    rows = debugging.disassemble(mpu, lambda a: mpu.memory[a], 0x1000, 3, {"matvec": 0x2000})
    assert rows == [(0x1000, 2, "LDA #$01"), (0x1002, 3, "JSR matvec"), (0x1005, 1, "RTS")]


def test_disassemble_around_keeps_rows_before_pc():
    mpu = _mpu_with(bytes.fromhex("A901 A902 A903 A904 A905"))
    rows = debugging.disassemble_around(mpu, lambda a: mpu.memory[a], 0x1004, 2, 1, anchors=[0x1000])
    assert [r[0] for r in rows] == [0x1000, 0x1002, 0x1004, 0x1006]


def test_effective_address_for_each_addressing_mode():
    mpu = _mpu_with(bytes.fromhex("AD3412 BD3412 B610 B110 A110 A510"))
    mpu.x, mpu.y = 2, 3
    mpu.memory[0x10], mpu.memory[0x11] = 0x00, 0x40     # pointer $4000
    mpu.memory[0x12], mpu.memory[0x13] = 0x00, 0x50     # pointer $5000 at $10+X
    peek = lambda a: mpu.memory[a]  # noqa: E731
    assert debugging.effective_address(mpu, peek, 0x1000) == 0x1234
    assert debugging.effective_address(mpu, peek, 0x1003) == 0x1236
    assert debugging.effective_address(mpu, peek, 0x1006) == 0x0013
    assert debugging.effective_address(mpu, peek, 0x1008) == 0x4003
    assert debugging.effective_address(mpu, peek, 0x100A) == 0x5000
    assert debugging.effective_address(mpu, peek, 0x100C) == 0x0010


def test_flags_and_stack():
    assert debugging.flags_text(0b10000011) == "N.....ZC"
    memory = {0x1FE: 0xAA, 0x1FF: 0xBB}
    assert debugging.stack_bytes(lambda a: memory.get(a, 0), 0xFD, 8) == [(0x1FE, 0xAA), (0x1FF, 0xBB)]


def test_source_text_reads_the_line(tmp_path):
    (tmp_path / "kernels").mkdir()
    (tmp_path / "kernels" / "a.s").write_text("; header\nmatvec:  lda #0\n")
    assert debugging.source_text(tmp_path, "kernels/a.s", 2) == "matvec:  lda #0"
    assert debugging.source_text(tmp_path, "kernels/a.s", 9) == ""
    assert debugging.source_text(tmp_path, "kernels/none.s", 1) == ""


# -- the attention recorder ------------------------------------------------------------

def _ram_with_attention(position, layer, head, weights):
    a = MAP["attention"]
    ram = bytearray(0x10000)
    ram[a["position"]], ram[a["layer"]], ram[a["head"]] = position, layer, head
    ram[a["context_len"]] = 5
    ram[a["context"]:a["context"] + 5] = bytes([1, 10, 11, 12, 1])
    for k, row in weights.items():
        ram[a["weights"] + k * 20:a["weights"] + k * 20 + len(row)] = bytes(row)
    return ram


def test_recorder_keeps_only_rows_known_to_be_complete():
    recorder = AttentionRecorder(BuildMap.from_dict(MAP).attention)
    # Position 2: heads 0 and 1 are done, head 2 is being written.
    recorder.sample(_ram_with_attention(2, 0, 2, {0: [255, 0, 85], 1: [100, 100, 200], 2: [9, 0, 0]}))
    view = recorder.view()
    assert view.position == 2 and view.current_head == 2 and not view.idle
    np.testing.assert_allclose(view.rows[0][2], [0.75, 0.0, 0.25])
    np.testing.assert_allclose(view.rows[1][2], [0.25, 0.25, 0.5])
    assert 2 not in view.rows[2]                          # half-written: not shown as a result
    assert view.fresh == (True, True, False, False, False, False, False, False)
    # Head 3 starts: head 2, seen running, is finished.
    recorder.sample(_ram_with_attention(2, 0, 3, {2: [9, 9, 9], 3: [1, 0, 0]}))
    np.testing.assert_allclose(recorder.view().rows[2][2], [1 / 3] * 3)
    # Position 3 begins before head 3 was seen again: head 3's buffer still holds position 2.
    recorder.sample(_ram_with_attention(3, 0, 0, {3: [0, 5, 5]}))
    view = recorder.view()
    np.testing.assert_allclose(view.rows[3][2], [0.0, 0.5, 0.5])
    assert all(not view.rows[k] for k in range(4, 8))     # layer 1 was never seen running


def test_recorder_starts_a_new_matrix_for_a_new_turn():
    recorder = AttentionRecorder(BuildMap.from_dict(MAP).attention)
    recorder.sample(_ram_with_attention(4, 0, 1, {0: [1, 1, 1, 1, 1]}))
    assert sorted(recorder.view().rows[0]) == [4]
    recorder.sample(_ram_with_attention(0, 0, 1, {0: [7]}))
    view = recorder.view()
    assert sorted(view.rows[0]) == [0] and view.first_position == 0
    np.testing.assert_allclose(view.rows[0][0], [1.0])


def test_recorder_starts_a_new_matrix_when_the_context_changes_at_a_higher_position():
    """The C64 copies position 1 after a common opener: a turn's first computed position
    (2) may lie above the last one start-up ran (1), and start-up's row 1 (another token's)
    must not show in it."""
    recorder = AttentionRecorder(BuildMap.from_dict(MAP).attention)
    a = MAP["attention"]
    start_up = _ram_with_attention(1, 0, 1, {0: [200, 55]})
    start_up[a["context_len"]] = 0
    start_up[a["context"]:a["context"] + 5] = bytes(5)       # start-up writes no context
    recorder.sample(start_up)
    assert sorted(recorder.view().rows[0]) == [1]
    turn = _ram_with_attention(2, 0, 1, {0: [1, 1, 2]})       # context [1, 10, 11, 12, 1]
    recorder.sample(turn)
    view = recorder.view()
    assert sorted(view.rows[0]) == [2] and view.first_position == 2
    np.testing.assert_allclose(view.rows[0][2], [0.25, 0.25, 0.5])
    later = _ram_with_attention(3, 0, 1, {0: [1, 1, 1, 1]})   # the reply appended a token:
    later[a["context_len"]] = 6                                # the same turn goes on
    later[a["context"] + 5] = 13
    recorder.sample(later)
    assert sorted(recorder.view().rows[0]) == [2, 3]


def test_recorder_shows_the_last_computed_position_once_a_turn_is_done():
    """The Z80 players leave the position at the next free slot when a reply ends: the view
    must end at the context's last token (no empty PAD row), with that position's rows fresh."""
    recorder = AttentionRecorder(BuildMap.from_dict(MAP).attention)
    recorder.sample(_ram_with_attention(4, 1, 3, {k: [1, 1, 1, 1, 1] for k in range(8)}))
    done = _ram_with_attention(5, 0xFF, 0xFF, {})               # idle, position = context_len
    recorder.sample(done)
    view = recorder.view()
    assert view.idle and view.position == 4 and view.context == (1, 10, 11, 12, 1)
    assert view.fresh[:7] == (True,) * 7
    running = _ram_with_attention(5, 0, 0, {})                 # a head running past context_len
    recorder.sample(running)
    assert recorder.view().position == 5                        # only an idle machine is clamped


def test_status_speed_is_a_measurement_or_dashes_never_negative():
    from soulterm.tui.widgets.status_line import NO_SPEED, speed_text

    assert speed_text(985_248, running=True) == " 0.99"
    assert speed_text(12_345_678, running=True) == "12.35"
    assert speed_text(1_000, running=True) == "<0.01"        # not a misleading 0.00
    for speed, running in ((-50_000.0, True), (0.0, True), (985_248, False)):
        assert speed_text(speed, running) == NO_SPEED
    assert NO_SPEED.strip() == "-.--"


# -- memory map truth -----------------------------------------------------------------

def test_writes_count_only_where_the_cpu_sees_ram():
    from soulterm.tui.widgets.memory_map import CELL_BYTES, ram_cells

    normal = ram_cells(0x2F, 0x37)                  # BASIC, I/O and KERNAL banked in
    assert normal[0x0800 // CELL_BYTES] and normal[0x9FC0 // CELL_BYTES]
    assert not normal[0xA000 // CELL_BYTES] and not normal[0xD020 // CELL_BYTES] and not normal[0xFFC0 // CELL_BYTES]
    all_ram = ram_cells(0x2F, 0x34)                 # $01 = $34: RAM everywhere
    assert all_ram.all()
    io_only = ram_cells(0x2F, 0x35)                 # $35: RAM at $A000 and $E000, I/O at $D000
    assert io_only[0xA000 // CELL_BYTES] and io_only[0xE000 // CELL_BYTES] and not io_only[0xD000 // CELL_BYTES]


def test_pc_location_names_the_program_only_inside_it():
    from soulterm.tui.widgets.memory_map import pc_location

    build_map = BuildMap.from_dict({
        "format": "soulterm-map-1", "load_address": 0x0801, "end_address": 0x2000,
        "symbols": {"matvec": 0x1000}, "lines": [],
        "regions": [{"name": "kernels", "kind": "code", "start": 0x0801, "end": 0x2000},
                    {"name": "squares", "kind": "table", "start": 0xE000, "end": 0xF000}],
    })
    assert pc_location(build_map, 0x1004, 0x2F, 0x37) == "matvec+4 in kernels"
    assert pc_location(build_map, 0xE100, 0x2F, 0x37) == "KERNAL"     # ROM over the table
    assert pc_location(build_map, 0xA100, 0x2F, 0x37) == "BASIC"
    assert pc_location(build_map, 0xD020, 0x2F, 0x37) == "I/O"
    assert pc_location(build_map, 0x0400, 0x2F, 0x37) == "RAM"        # outside the program
    assert pc_location(build_map, 0xE100, 0x2F, 0x35) == "RAM"        # KERNAL banked out


def test_legend_colours_are_told_apart():
    from rich.color import Color

    from soulterm.tui.widgets.memory_map import KIND_COLOURS, MARK_COLOURS

    colours = [Color.parse(c).triplet for c in [*KIND_COLOURS.values(), MARK_COLOURS["write"]]]
    for i, a in enumerate(colours):
        for b in colours[i + 1:]:
            assert sum((x - y) ** 2 for x, y in zip(a, b)) ** 0.5 > 40, (a, b)
    reds = [c for c in colours if c.red > 180 and c.green < 110 and c.blue < 110]
    assert len(reds) <= 1


def test_heat_fades_with_emulated_time_and_skips_stale_looks():
    from soulterm.tui.heat import FADE, FADE_CYCLES, HeatTracker
    from soulterm.tui.host import HEAT_CELLS

    heat = HeatTracker()
    ram = bytearray(0x10000)
    counts = np.zeros(HEAT_CELLS, dtype=np.float32)
    heat.update(bytes(ram), counts, 1000)
    ram[0x0400] = 1                                  # a write in cell 16
    counts[32] = 5                                   # five samples in cell 32
    heat.update(bytes(ram), counts, 1000)
    assert heat.writes[16] == 1.0 and heat.reads[32] == 5.0
    heat.update(bytes(ram), counts, 1000 + FADE_CYCLES)   # one fade period, nothing new
    assert heat.writes[16] == pytest.approx(FADE) and heat.reads[32] == pytest.approx(5 * FADE)
    heat.update(bytes(bytearray(0x10000)), np.zeros(HEAT_CELLS), 1000)   # a stale look: ignored
    assert heat.reads[32] == pytest.approx(5 * FADE) and heat.writes[16] == pytest.approx(FADE)
