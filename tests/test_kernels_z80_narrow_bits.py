"""planes.s's WP_NARROW_BITS (thirty-sixth round, zx48narrow36: the 48K's q, k and v, in place of WP_NARROW_MARK): a
narrow row (weights in -64..63, plane 6 plane 7's complement) has no plane 6 bytes (28 bytes), and each matrix's rows'
classes lie before it as bits (soul_layout.narrow_bits: 7 rows a byte, a 1 after a byte's bits, a 0 byte at the end),
which wp_row's loop shifts out of C' a row (HL' the list). Bit-exact against intmath.matvec at every shift on rows of 6,
7 and 8 planes of any soul (no mark to find by chance); against the plain 48K form a narrow row 167 T-states fewer, a
wide one 11 more, 38 more a byte of bits, 33 more a call, the tables 38; planes_wide.s's wp_rows_wide reads such rows exactly
(by the same bits) and out's rows (no bits: wp_classes 0) as before, marked ones with WP_NARROW_MARK_OUT; a broken
class test or narrow start fails; wp_tops is unchanged with WP_NARROW_MARK_OUT; the ladder's spends keep out's mark
alone (soul_layout.narrow_mark_out_take)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from soulterm.paths import DEFAULT_SOUL
from soulterm.soul import intmath
from soulterm.soul.soulfile import Soul, load_soul
from soulterm.zx import build
from soulterm.zx.kernelbench import Z80Bench, player_kernel_options
from soulterm.zx.soul_layout import (CHOOSABLE_ROWS_MATRIX, NARROW_BITS_A_BYTE, PLANE_ROW_BYTES, narrow_bits,
                                     narrow_bits_bytes, narrow_mark_out_take, narrow_marked, plane_bytes,
                                     plane_classes)
from soulterm.zx.weight_planes import (LEAST_SHIFT, MOST_SHIFT, MOST_SUM, PLANES_SOURCE, mixed_plane_rows, run_planes,
                                       vector_with_sum)

# (planes.s's 48K form on the bench: its chain in A, which WP_NARROW_BITS' row end needs)
OPTIONS_48K = player_kernel_options("128k") + "\nWP_NO_CLASSES = 1\nWP_CHAIN_A = 1"
WIDE_SOURCE = PLANES_SOURCE + '.include "planes_wide.s"\n'
X_AT, OUT_AT, W_AT = 0x9C00, 0x9C40, 0xA000
END_GAIN = 8            # the row's end and store in the alternate set, the high byte in B' (thirty-seventh round,
                        # zx48rows37: one exx, not three, H kept), against ex de,hl / ld c,ixl / ld b,ixh / add hl,bc
NARROW_GAIN = 191 + END_GAIN    # T-states a narrow row fewer than the plain form (plane 6's four lookups and Q's add,
                        # 195, and plane 7's ld h, 7: it runs down from where the row before left H; less the class
                        # test's 11)
WIDE_COST = 21 - END_GAIN       # a wide row's class test (sla c / jr z / exx / jp c: 29) against dec b / exx / jp nz
                        # (18), and its jp to plane 5 (10: the narrow rows fall into it; zx48rows37)
BYTE_COST = 38          # a byte of bits read (jr z taken / ld c,(hl) / inc hl / sla c / jr nz)
CALL_COST = 40          # a call's set-up (HL' and a jp against the count, H on group 3's high page) and its end by the
                        # 0 byte
TABLES_COST = 38        # wp_tables' S + 2 K (add hl,hl / add hl,de / its store)


def decode_bits(data: bytes, rows: int) -> list[int]:
    """narrow_bits read back as wp_row reads them: bits from bit 7 down until the byte is 0, then the next byte."""
    classes, at = [], 0
    while True:
        byte, at = data[at], at + 1
        if byte == 0:
            return classes
        while byte & 0x7F:
            classes.append(byte >> 7)
            byte = byte << 1 & 0xFF
        assert byte == 0x80, "a byte's bits end in its 1"


@pytest.fixture(scope="module")
def plain():
    return Z80Bench(extra_source=WIDE_SOURCE, options=OPTIONS_48K)


@pytest.fixture(scope="module")
def bits():
    return Z80Bench(extra_source=WIDE_SOURCE, options=OPTIONS_48K + "\nWP_NARROW_BITS = 1")


def test_narrow_bits_list_the_classes_and_the_rows_leave_plane_6_out():
    rng = np.random.default_rng(3601)
    for rows in (1, 6, 7, 8, 14, 32, 47):
        w = mixed_plane_rows(rng, rows)
        classes = list(plane_classes(w))
        data = narrow_bits(w)
        assert len(data) == (rows + NARROW_BITS_A_BYTE - 1) // NARROW_BITS_A_BYTE + 1 and data[-1] == 0
        assert decode_bits(data, rows) == classes
        laid = narrow_bits_bytes(w)
        assert laid[:len(data)] == data
        assert len(laid) == len(data) + PLANE_ROW_BYTES * rows - 4 * sum(classes)
    assert len(narrow_bits(np.zeros((32, 32), int))) == 6     # (forward.s's FW_CLASS_BYTES for 32 rows)


def test_rows_by_their_bits_are_bit_exact_and_narrow_rows_cheaper(plain, bits):
    rng = np.random.default_rng(3602)
    for trial in range(24):
        rows = int(rng.integers(1, 48))
        w = mixed_plane_rows(rng, rows)
        x = vector_with_sum(rng, int(rng.integers(1, MOST_SUM + 1)), -300, 300)
        shift = int(rng.integers(LEAST_SHIFT, MOST_SHIFT + 1))
        want = intmath.matvec(w, 0, x, post=shift)
        got, plain_tables, plain_rows = run_planes(plain, w, x, shift)
        assert np.array_equal(got, want)
        got, bits_tables, bits_rows = run_planes(bits, w, x, shift)
        assert np.array_equal(got, want), (trial, np.flatnonzero(got != want)[:8])
        narrow = sum(plane_classes(w))
        list_bytes = (rows + NARROW_BITS_A_BYTE - 1) // NARROW_BITS_A_BYTE
        assert plain_rows - bits_rows == (NARROW_GAIN * narrow - WIDE_COST * (rows - narrow) - BYTE_COST * list_bytes
                                          - CALL_COST), (rows, narrow)
        assert bits_tables - plain_tables == TABLES_COST


def test_the_extremes_and_rows_any_mark_would_misread_are_bit_exact(bits):
    """Rows all -128 or all 127 (plane 6's group 3 byte equal to plane 7's: WP_NARROW_MARK's mark by chance, which
    the bits never read) among narrow ones."""
    rng = np.random.default_rng(3603)
    rows = np.array([[-64] * 32, [63] * 32, [-128] * 32, [127] * 32, [-64, 63] * 16, [0] * 32, [-65] + [0] * 31,
                     [-128] * 31 + [0], [127] * 31 + [-1]])
    assert list(plane_classes(rows)) == [1, 1, 0, 0, 1, 1, 0, 0, 0]
    assert narrow_marked(plane_bytes(rows), 2) and narrow_marked(plane_bytes(rows), 3)
    for x in (np.full(32, 127), np.full(32, -127), np.zeros(32, int), vector_with_sum(rng, MOST_SUM - 64, -300, 300)):
        for shift in (LEAST_SHIFT, 9, MOST_SHIFT):
            got, _, _ = run_planes(bits, rows, x, shift)
            assert np.array_equal(got, intmath.matvec(rows, 0, x, post=shift)), (shift, x[:4])


def run_wide(bench, w, x, shift: int, with_bits: bool = True) -> np.ndarray:
    """planes_wide.s's wp_rows_wide on w's rows: by their class bits (wp_classes the list), or every row by its 8
    planes (wp_classes 0: out's, marked where the bench has WP_NARROW_MARK_OUT)."""
    data = narrow_bits_bytes(w) if with_bits else plane_bytes(w, marked="WP_NARROW_MARK_OUT" in bench.symbols)
    listed = len(narrow_bits(w)) if with_bits else 0
    bench.poke(W_AT, data)
    bench.write_words(X_AT, np.asarray(x, dtype=np.int64))
    for name, value in (("wp_x", X_AT), ("wp_w", W_AT + listed), ("wp_out", OUT_AT),
                        ("wp_classes", W_AT if with_bits else 0)):
        bench.poke_word(bench.sym(name), value)
    bench.poke(bench.sym("wp_rows_count"), [len(w)])
    bench.poke(bench.sym("wp_shift"), [shift])
    bench.call("wp_rows_wide", max_t_states=50_000_000)
    assert int.from_bytes(bench.peek(bench.sym("wp_w"), 2), "little") == W_AT + len(data)
    return bench.read_words(OUT_AT, len(w))


def test_wp_rows_wide_reads_rows_by_their_bits_and_out_s_rows_exactly(bits):
    """(out's marked rows with WP_NARROW_MARK_OUT: the player's, tests/test_zx_logits48.py's declined xn)"""
    bench = bits
    rng = np.random.default_rng(3604)
    w = mixed_plane_rows(rng, 24)
    w[5] = -128         # (the mark by chance: read by its bits, not as a mark)
    assert 0 < sum(plane_classes(w)) < len(w)
    for x, shift in ((rng.integers(-2000, 2000, 32), 9), (vector_with_sum(rng, 1500, -300, 300), LEAST_SHIFT)):
        want = intmath.matvec(w, 0, x, post=shift)
        assert np.array_equal(run_wide(bench, w, x, shift), want)
        out = np.delete(w, 5, axis=0)       # (out's rows: no wide row with the mark by chance, narrow_mark_out_take)
        assert np.array_equal(run_wide(bench, out, x, shift, with_bits=False), np.delete(want, 5))


@pytest.mark.parametrize("broken", ["test", "start"])
def test_a_broken_class_test_or_narrow_start_fails(bits, broken):
    """The class test's `jp c,wp_row_narrow` as `jp nc` (narrow rows read as wide, wide ones as narrow), or S + 2 K's
    store left out (a narrow row's start 0): a call with narrow rows differs."""
    rng = np.random.default_rng(3605)
    w = mixed_plane_rows(rng, 12)
    assert sum(plane_classes(w))
    x = vector_with_sum(rng, 2000, -300, 300)
    want = intmath.matvec(w, 0, x, post=7)
    if broken == "test":
        at = bits.sym("wp_row_bit") + 1     # (exx, then jp c)
        assert bits.peek(at, 1) == bytes([0xDA])
        good, bad = bytes([0xDA]), bytes([0xD2])
    else:
        at = bits.sym("wp_tables")
        at += bits.peek(at, 1200).index(bytes([0x22]) + (bits.sym("wp_row_sum") + 2).to_bytes(2, "little"))
        good, bad = bits.peek(at, 3), bytes(3)         # its store of S + 2 K as nops
    try:
        bits.poke(at, bad)
        bits.poke_word(bits.sym("wp_row_sum") + 2, 0)   # (no S + 2 K from a call before)
        assert not np.array_equal(run_planes(bits, w, x, 7)[0], want)
    finally:
        bits.poke(at, good)
    assert np.array_equal(run_planes(bits, w, x, 7)[0], want)


def test_a_narrow_row_s_plane_7_runs_down_from_group_3_s_high_page(bits):
    """A narrow row's plane 7 (its masks groups 3 to 0: soul_layout.narrow_rows_bytes) starts where the row before left
    H, or where wp_rows sets it for a call's first row: that set-up made group 0's low page makes a call whose first
    row is narrow differ, and one whose first row is wide exact (the wide rows set H)."""
    rng = np.random.default_rng(3607)
    w = mixed_plane_rows(rng, 9)
    order = np.argsort([-c for c in plane_classes(w)], kind="stable")
    narrow_first, wide_first = w[order], w[order[::-1]]
    assert plane_classes(narrow_first)[0] == 1 and plane_classes(wide_first)[0] == 0
    rows = narrow_bits_bytes(narrow_first)[len(narrow_bits(narrow_first)):]
    row = [v for v in narrow_first[0]]
    assert rows[:4] == bytes(sum(((v + 128) >> 7 & 1) << j for j, v in enumerate(row[8 * g:8 * g + 8]))
                             for g in (3, 2, 1, 0))
    x = vector_with_sum(rng, 1800, -300, 300)
    page = bits.sym("WP_PAGE")
    at = bits.sym("wp_rows")
    at += bits.peek(at, 80).index(bytes([0x26, page + 7]))      # ld h,WP_LAST_PAGE
    try:
        bits.poke(at + 1, [page])
        assert not np.array_equal(run_planes(bits, narrow_first, x, 5)[0], intmath.matvec(narrow_first, 0, x, post=5))
        assert np.array_equal(run_planes(bits, wide_first, x, 5)[0], intmath.matvec(wide_first, 0, x, post=5))
    finally:
        bits.poke(at + 1, [page + 7])
    assert np.array_equal(run_planes(bits, narrow_first, x, 5)[0], intmath.matvec(narrow_first, 0, x, post=5))


def test_wp_tops_with_the_bits_reads_out_s_marks_as_before():
    options = OPTIONS_48K + "\nSOUL_QKV_PLANES = 1\nSOUL_OUT_PLANES = 1\nWP_NARROW_MARK_OUT = 1"
    marked = Z80Bench(extra_source=PLANES_SOURCE, options=options + "\nWP_NARROW_MARK = 1")
    with_bits = Z80Bench(extra_source=PLANES_SOURCE, options=options + "\nWP_NARROW_BITS = 1")
    rng = np.random.default_rng(3606)
    w = mixed_plane_rows(rng, 60)
    chance = [row for row in range(60) if not plane_classes(w)[row] and narrow_marked(plane_bytes(w), row)]
    w = np.delete(w, chance, axis=0)
    x = vector_with_sum(rng, 2500, -300, 300)
    tops = []
    for bench in (marked, with_bits):
        bench.poke(W_AT, plane_bytes(w, marked=True))
        bench.write_words(X_AT, x)
        bench.poke_word(bench.sym("wp_x"), X_AT)
        bench.call("wp_tables")
        for name, value in (("wp_w", W_AT), ("wp_out", 0x9D00)):
            bench.poke_word(bench.sym(name), value)
        bench.poke(bench.sym("wp_rows_count"), [len(w)])
        t_states = bench.call("wp_tops")
        tops.append((list(bench.read_words(0x9D00, len(w))), bench.cpu.hl, t_states))
    assert tops[0] == tops[1]


def test_the_ladder_keeps_out_s_mark_alone_and_narrow_mark_out_take():
    soul = load_soul(DEFAULT_SOUL)
    assert narrow_mark_out_take(soul)
    assert build.NARROW_MARKS_48K == (build.NARROW_MARK_OUT_48K,)
    assert build.spends_48k(False, True, True, True, narrow_mark=True)[:2] == (
        build.TABLE_BY_DIMENSION_48K, build.NARROW_MARK_OUT_48K)
    for spends in (build.spends_48k(False, True, True, True, narrow_mark=False),
                   build.spends_48k(True, False, narrow_mark=True)):     # (not on a rung without the planes)
        assert build.NARROW_MARK_OUT_48K not in spends and build.NARROW_MARK_48K not in spends
    # a wide choosable row of out whose plane 6 group 3 byte equals plane 7's: wp_tops would read it as narrow
    values = np.array(soul.tensors[CHOOSABLE_ROWS_MATRIX].values, copy=True)
    wide = int(np.flatnonzero(np.frombuffer(plane_classes(values), np.uint8)[3:] == 0)[0]) + 3
    values[wide, 24:] = [100, -100, 64, -65, 127, -128, 90, -70]
    changed = Soul({**soul.tensors, CHOOSABLE_ROWS_MATRIX: replace(soul.tensors[CHOOSABLE_ROWS_MATRIX], values=values)})
    assert narrow_marked(plane_bytes(values), wide) and not narrow_mark_out_take(changed)
    # q's, k's and v's rows carry no mark: a chance mark there no longer declines the soul
    values = np.array(soul.tensors["l1.k"].values, copy=True)
    wide = int(np.flatnonzero(np.frombuffer(plane_classes(values), np.uint8) == 0)[0])
    values[wide, 24:] = [100, -100, 64, -65, 127, -128, 90, -70]
    assert narrow_mark_out_take(Soul({**soul.tensors, "l1.k": replace(soul.tensors["l1.k"], values=values)}))
