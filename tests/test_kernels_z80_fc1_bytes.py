"""fc1planes.s's FG_BYTE_MASKS (thirty-sixth round, zx48fc1g36: the 48K player's fc1): the rows' masks as bytes on
planes.s's tables (wp_tables builds them, fg_tables declines sum |x| > 2047 on top of wp_tables' own 4,095), each plane's
groups in fc1_planes.plane_groups' order so that planes.s's lookups walk the pages without a reload. Bit-exact against
the engine's relu(matvec) and fc1_planes' model (byte_masks) for random matrices, biases and vectors (every class,
every shift, every fate: fg_sure's rows through the main path's planes 3..0 and its patched last test, put back after
each), the extremes, the shipped soul's real fc1 inputs of "hello" (both layers); the declined calls; fc1wide.s's
byte-mask fg_rows_wide exact for a declined x and any bias; the interrupt state and IY given back; a kernel with its
class 1 start's page or its sure path's start broken fails; the 48K player takes the form (no coarse slots or gate
left) where both fc1 shifts are in 4..7 and keeps the coarse gate for a soul whose shift is not."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.soul import intmath
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import Soul, load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx import build
from soulterm.zx.fc1_planes import (BYTE_PLANE_BYTES, END_BYTES, LEAST_SHIFT, MOST_SHIFT, MOST_SUM, byte_masks_in,
                                    gate_bytes, gate_rows, plane_groups, row_bytes, row_class, row_planes, rows_marks,
                                    run_gate)
from soulterm.zx.kernelbench import Z80_KERNELS_DIR, Z80Bench, player_kernel_options
from soulterm.zx.weight_planes import turn_inputs, vector_with_sum

BYTE_SOURCE = 'FG_BYTE_MASKS = 1\nFW_FC1_BYTES = 1\n.include "planes.s"\n.include "fc1planes.s"\n'
BYTE_OPTIONS = player_kernel_options("128k") + "\nWP_NO_CLASSES = 1"     # (planes.s's 48K form on the bench)
WIDE_MACROS = ("mask_bits_into_row", "wide_column_sums")     # (planes_wide.s's, which fc1wide.s expands)
ROWS_AT = 0xA000


def byte_bench(source: str = BYTE_SOURCE) -> Z80Bench:
    """fc1planes.s's byte form after planes.s, fc1wide.s after it with forward.s's names stood in for."""
    text = (Z80_KERNELS_DIR / "planes_wide.s").read_text()
    macros = [re.search(rf"^ *\.macro {name}\b.*?\.endmacro", text, re.S | re.M).group(0) for name in WIDE_MACROS]
    stand_ins = "".join(f"\n{name} = 0" for name in ("fw_layer_index", "soul_l0_fc1_w", "soul_l0_fc1_w_shift",
                                                     "soul_l1_fc1_w", "soul_l1_fc1_w_shift", "fw_xn", "fw_ffn"))
    return Z80Bench(extra_source=source + "\n".join(macros) + stand_ins + "\nFW_FFN = 64\n.include \"fc1wide.s\"\n",
                    options=BYTE_OPTIONS)


@pytest.fixture(scope="module")
def bench():
    return byte_bench()


def relu_fc1(w, b, x, shift: int) -> np.ndarray:
    """The engine's fc1: relu(sat16((W x + b) >> shift))."""
    acc = np.asarray(w, dtype=np.int64) @ np.asarray(x, dtype=np.int64) + np.asarray(b, dtype=np.int64)
    return intmath.relu(intmath.sat16(intmath.shift_right(acc, shift)))


def mixed_rows(rng, rows: int) -> np.ndarray:
    """Rows of class 2 (-32..31), 1 (-64..63, the ends among them) and 0 (-128..127)."""
    ends = rng.choice([32, 64, 128], rows)
    w = np.array([rng.integers(-end, end, 32) for end in ends])
    w[ends == 64, 0] = -64
    w[ends == 64, 1] = 63
    return w


def check(bench, w, b, x, shift: int) -> list:
    """One call through the kernel, against the engine and the byte-mask model; returns the rows' fates."""
    want = relu_fc1(w, b, x, shift)
    model, fates = gate_rows(w, b, x, shift, byte_masks=True)
    assert np.array_equal(model, want)
    got, _, _ = run_gate(bench, w, b, x, shift)
    assert got is not None, "fg_tables declined a call it takes"
    assert np.array_equal(got, want), (shift, np.flatnonzero(got != want)[:8])
    return fates


def last_test(bench) -> bytes:
    return bytes(bench.peek(bench.sym("fg_last_test"), 3))


def test_the_byte_layout_is_gate_bytes_masks_in_plane_groups_order():
    """Each row: its class's start, -bh 2^class, its planes' masks (a byte each, u' = 127 - w) in plane_groups'
    order, bl and 0; the rows' end mark last."""
    rng = np.random.default_rng(36)
    w = mixed_rows(rng, 12)
    b = rng.integers(-30000, 30000, len(w))
    data = gate_bytes(w, b, 0x80, byte_masks=True)
    at = 0
    for row, bias in zip(w, b):
        kind = row_class(row)
        assert data[at:at + 2] == bytes([kind, 0])
        assert int.from_bytes(data[at + 2:at + 4], "little") == (-(int(bias) >> 7) << kind) & 0xFFFF
        for index, plane in enumerate(row_planes(kind)):
            masks = data[at + 4 + BYTE_PLANE_BYTES * index:at + 4 + BYTE_PLANE_BYTES * (index + 1)]
            for group, mask in zip(plane_groups(kind, plane), masks):
                bits = ((127 - row[8 * group:8 * group + 8]) >> plane) & 1
                assert mask == int((bits << np.arange(8)).sum())
        assert data[at + row_bytes(kind, True) - 2:at + row_bytes(kind, True)] == bytes([int(bias) & 127, 0])
        at += row_bytes(kind, True)
    assert at + END_BYTES == len(data)
    assert [row_bytes(kind, True) for kind in range(3)] == [38, 34, 30]
    assert plane_groups(1, 7) == (3, 2, 1, 0) and plane_groups(0, 7) == plane_groups(2, 7) == (0, 1, 2, 3)


def test_random_calls_are_bit_exact(bench):
    assert byte_masks_in(bench)
    rng = np.random.default_rng(3601)
    fates = set()
    for trial in range(40):
        rows = int(rng.integers(1, 65))
        w = mixed_rows(rng, rows)
        b = rng.integers(-12000, 6000, rows)
        x = vector_with_sum(rng, int(rng.integers(1, MOST_SUM + 1)))
        fates |= {fate[:1] for fate in check(bench, w, b, x, int(rng.integers(LEAST_SHIFT, MOST_SHIFT + 1)))}
    assert fates == {("zero",), ("sure",), ("exact",)}


def test_the_sure_rows_put_the_last_test_back(bench):
    """fg_sure patches the main path's last test to come back to it and puts it back: a call of sure rows between
    ordinary ones leaves `jp nc,fg_zero_0` as it was, and the calls after it are exact."""
    before = last_test(bench)
    assert before == bytes([0xD2]) + bench.sym("fg_zero_0").to_bytes(2, "little")
    rng = np.random.default_rng(3602)
    w = mixed_rows(rng, 32)
    b = np.full(32, 32767)          # every row positive and large: U_4 < -2048, fg_sure's
    x = vector_with_sum(rng, MOST_SUM)
    fates = check(bench, w, b, x, 4)
    assert sum(fate == ("sure",) for fate in fates) >= 8
    assert last_test(bench) == before
    check(bench, w, rng.integers(-12000, 6000, 32), x, 5)


def test_the_extremes(bench):
    """w at -128 and 127, biases at int16's ends, sum |x| exactly 2047 with one sign and with both, zeros."""
    rng = np.random.default_rng(5)
    one_sign = np.full(32, 2047 // 32)
    one_sign[0] += 2047 - one_sign.sum()
    both = one_sign * np.where(np.arange(32) % 2, 1, -1)
    rows = np.array([np.full(32, -128), np.full(32, 127), np.where(np.arange(32) % 2, 127, -128),
                     np.full(32, -64), np.full(32, 63), np.full(32, -32), np.full(32, 31), np.zeros(32, dtype=int)])
    rows = np.concatenate([rows, mixed_rows(rng, 8)])
    for x in (one_sign, -one_sign, both, np.zeros(32, dtype=int)):
        for b in (np.full(len(rows), -32768), np.full(len(rows), 32767), np.zeros(len(rows), dtype=int),
                  rng.integers(-32768, 32768, len(rows))):
            for shift in (LEAST_SHIFT, MOST_SHIFT):
                check(bench, rows, b, x, shift)


def test_declined_calls_and_fc1wides_byte_rows(bench):
    """sum |x| of 2,048 (wp_tables builds, fg_tables declines) and past 4,095 (wp_tables declines), an x of -32,768:
    carry set; fg_rows_wide on the byte rows is exact for them, for any bias (128 or more among them)."""
    rng = np.random.default_rng(7)
    for total in (MOST_SUM + 1, 4000, 9000):
        x = vector_with_sum(rng, total)
        w = mixed_rows(rng, 24)
        b = rng.integers(-32768, 32768, len(w))
        b[:4] = (128, 255, 32767, 300)
        got, _, _ = run_gate(bench, w, b, x, 5)
        assert got is None
        shift = int(rng.integers(4, 8))
        data = gate_bytes(w, b, bench.sym("FG_PAGE"), rows_marks(bench.sym), byte_masks=True)
        x_at = ROWS_AT + len(data)
        bench.poke(ROWS_AT, data)
        bench.write_words(x_at, x)
        for name, value in (("fg_w", ROWS_AT), ("fg_x", x_at), ("fg_out", x_at + 64)):
            bench.poke_word(bench.sym(name), value)
        bench.poke(bench.sym("fg_rows_count"), [len(w)])
        bench.poke(bench.sym("fg_shift"), [shift])
        bench.call("fg_rows_wide", 200_000_000)
        assert np.array_equal(bench.read_words(x_at + 64, len(w)), relu_fc1(w, b, x, shift)), total
    x = np.zeros(32, dtype=int)
    x[3] = -32768
    assert run_gate(bench, mixed_rows(rng, 4), np.zeros(4, dtype=int), x, 5)[0] is None


@pytest.mark.parametrize("interrupts", [False, True])
def test_interrupts_and_iy_come_back(bench, interrupts):
    """fg_tables (built, declined by its own limit or by wp_tables') and fg_rows leave the interrupts as they found
    them, and IY (wp_tables sums -N_g in it)."""
    rng = np.random.default_rng(11)
    for x in (vector_with_sum(rng, 1500), vector_with_sum(rng, 3000), vector_with_sum(rng, 6000)):
        bench.write_words(0x9F00, x)
        bench.poke_word(bench.sym("fg_x"), 0x9F00)
        bench.cpu.iy = 0x5C3A
        bench.call("fg_tables", interrupts=interrupts)
        assert bench.cpu.iff1 == int(interrupts) and bench.cpu.iy == 0x5C3A
    run_gate(bench, mixed_rows(rng, 4), np.zeros(4, int), vector_with_sum(rng, 1000), 6)
    bench.call("fg_rows", interrupts=interrupts)
    assert bench.cpu.iff1 == int(interrupts)


def test_the_shipped_souls_hello_inputs():
    """Both layers' fc1 at every position of "hello"'s turn on the shipped soul: exact, and both layers' rows fewer
    bytes than matvec's (34 a row)."""
    bench = byte_bench()
    engine = Engine(load_soul(DEFAULT_SOUL))
    context = Tokenizer.load(DEFAULT_TOKENIZER).encode_turn("hello")
    calls = 0
    for position, name, x in turn_inputs(engine, context):
        if not name.endswith(".fc1_w"):
            continue
        parts = engine.layers[int(name[1])]
        check(bench, parts.fc1_t.T, parts.fc1_b, x, int(parts.s_fc1))
        calls += 1
    assert calls == 2 * 8
    sizes = [sum(row_bytes(row_class(row), True) for row in layer.fc1_t.T) + END_BYTES for layer in engine.layers]
    assert sizes == [2190, 2006] and sum(sizes) < 2 * 34 * 64     # (layer 0's 4 / 59 / 1 rows of class 0 / 1 / 2)


@pytest.mark.parametrize("broken", [
    ("        ld h,FG_PAGE + 2 * FG_GROUPS - 1\n", "        ld h,FG_PAGE\n"),      # class 1's plane 7 from group 3
    ("        ld ix,-4096\n", "        ld ix,-2048\n"),                           # fg_sure's start: a test taken
])
def test_a_broken_kernel_fails(broken):
    old, new = broken
    text = (Z80_KERNELS_DIR / "fc1planes.s").read_text()
    assert text.count(old) == 1
    source = BYTE_SOURCE.replace('.include "fc1planes.s"\n', text.replace(old, new))
    bench = byte_bench(source)
    rng = np.random.default_rng(13)
    failed = False
    for trial in range(8):
        w = mixed_rows(rng, 32)
        b = rng.integers(-12000, 32767, 32)
        x = vector_with_sum(rng, int(rng.integers(1000, MOST_SUM + 1)))
        got, _, _ = run_gate(bench, w, b, x, 4)
        failed |= not np.array_equal(got, relu_fc1(w, b, x, 4))
    assert failed


def test_the_48k_player_takes_the_form_where_both_shifts_fit():
    soul = load_soul(DEFAULT_SOUL)
    tokenizer = Tokenizer.load(DEFAULT_TOKENIZER)
    assert build.fc1_bytes_take(soul)
    sym = build.assemble_player(soul, tokenizer).symbols
    assert {"FW_FC1_BYTES", "FG_BYTE_MASKS", "MV_COARSE_UNCALLED", "fg_rows", "fg_rows_wide"} <= set(sym)
    assert not {"mv_coarse_slots", "mv_gate_slots", "mv_coarse_on"} & set(sym)
    tensor = soul.tensors["l1.fc1_w"]
    shifted = Soul({**soul.tensors, "l1.fc1_w": replace(tensor, shift=MOST_SHIFT)})     # (a product's shift 8)
    assert not build.fc1_bytes_take(shifted)
    source = build.player_source(shifted, tokenizer, planes_48k=True, nz=True)
    assert "FW_FC1_BYTES" not in source
