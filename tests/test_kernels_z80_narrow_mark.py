"""planes.s's WP_NARROW_MARK (thirty-fifth round, zx48rows35: the 48K's): a narrow row (weights in -64..63, plane 6
plane 7's complement) carries a mark in its own plane 6 bytes, its plane 6 group 3 byte equal to plane 7's group 3
byte (soul_layout.plane_bytes(marked=True)), and wp_row, which has no class lists on the 48K (WP_NO_CLASSES), reads
it after plane 7 and passes plane 6 over (P'_6 = S - P'_7). Bit-exact against intmath.matvec at every shift on rows of
6, 7 and 8 planes; a narrow row 113 T-states cheaper than without the flag, a wide one 15 dearer, the tables 16;
planes_wide.s's wp_rows_wide (a declined xn's exact rows) reads the marked rows exactly too, and fails with the mark's
fix left out; a broken mark test or narrow start fails; soul_layout.narrow_mark_take takes the shipped soul and
declines a soul whose unmarked row has the mark by chance, and the ladder offers the flag only then. With
WP_NARROW_MARK_OUT out's narrow rows are marked too and wp_tops gives the same tops, a narrow row 111 T-states
cheaper."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from soulterm.paths import DEFAULT_SOUL
from soulterm.soul import intmath
from soulterm.soul.soulfile import Soul, load_soul
from soulterm.zx import build
from soulterm.zx.kernelbench import Z80Bench, player_kernel_options
from soulterm.zx.soul_layout import (NARROW_MARK_AT, PLANE_ROW_BYTES, QKV_MATRICES, narrow_mark_take, narrow_marked,
                                     plane_bytes, plane_classes)
from soulterm.zx.weight_planes import (LEAST_SHIFT, MOST_SHIFT, MOST_SUM, PLANES_SOURCE, mixed_plane_rows, run_planes,
                                       vector_with_sum)

OPTIONS_48K = player_kernel_options("128k") + "\nWP_NO_CLASSES = 1"     # (planes.s's 48K form on the bench)
WIDE_SOURCE = PLANES_SOURCE + '.include "planes_wide.s"\n'
X_AT, OUT_AT, W_AT = 0x9C00, 0x9C40, 0xA000
NARROW_GAIN = 113       # T-states a narrow row fewer (plane 6's 195 against the mark's test and S + K's add, 82)
WIDE_COST = 15          # a wide row's mark test: ld a,d / xor e / jr z not taken
TABLES_COST = 16        # wp_tables' store of S + K


def markable_rows(rng, rows: int) -> np.ndarray:
    """mixed_plane_rows with every wide row that has the mark by chance (plane 6's group 3 byte equal to plane 7's:
    ~1 in 256 of random 8-plane rows; narrow_mark_take declines such a soul) drawn again."""
    w = mixed_plane_rows(rng, rows)
    while True:
        data, classes = plane_bytes(w), plane_classes(w)
        chance = [row for row in range(rows) if not classes[row] and narrow_marked(data, row)]
        if not chance:
            return w
        w[chance] = mixed_plane_rows(rng, len(chance))


@pytest.fixture(scope="module")
def plain():
    return Z80Bench(extra_source=WIDE_SOURCE, options=OPTIONS_48K)


@pytest.fixture(scope="module")
def marked():
    return Z80Bench(extra_source=WIDE_SOURCE, options=OPTIONS_48K + "\nWP_NARROW_MARK = 1")


def test_plane_bytes_marks_the_narrow_rows_alone():
    rng = np.random.default_rng(3501)
    w = mixed_plane_rows(rng, 40)
    plain, marked = plane_bytes(w), plane_bytes(w, marked=True)
    for row, narrow in enumerate(plane_classes(w)):
        at = row * PLANE_ROW_BYTES
        changed = [i for i in range(PLANE_ROW_BYTES) if plain[at + i] != marked[at + i]]
        assert changed == ([NARROW_MARK_AT] if narrow else []), row
        assert narrow_marked(marked, row) == (True if narrow else narrow_marked(plain, row))
        if narrow:      # (plane 6 is plane 7's complement: the unmarked byte never equals its neighbour)
            assert plain[at + NARROW_MARK_AT] == plain[at + NARROW_MARK_AT - 1] ^ 0xFF


def test_marked_rows_are_bit_exact_and_narrow_rows_cheaper(plain, marked):
    rng = np.random.default_rng(3502)
    for trial in range(24):
        rows = int(rng.integers(1, 48))
        w = markable_rows(rng, rows)
        x = vector_with_sum(rng, int(rng.integers(1, MOST_SUM + 1)), -300, 300)
        shift = int(rng.integers(LEAST_SHIFT, MOST_SHIFT + 1))
        want = intmath.matvec(w, 0, x, post=shift)
        got, plain_tables, plain_rows = run_planes(plain, w, x, shift)
        assert np.array_equal(got, want)
        got, marked_tables, marked_rows = run_planes(marked, w, x, shift)
        assert np.array_equal(got, want), (trial, np.flatnonzero(got != want)[:8])
        narrow = sum(plane_classes(w))
        assert plain_rows - marked_rows == NARROW_GAIN * narrow - WIDE_COST * (rows - narrow), (rows, narrow)
        assert marked_tables - plain_tables == TABLES_COST


def test_the_extremes_are_bit_exact(marked):
    rng = np.random.default_rng(3503)
    rows = np.array([[-64] * 32, [63] * 32, [-128] * 31 + [0], [127] * 31 + [-1], [-64, 63] * 16, [0] * 32,
                     [-65] + [0] * 31])       # (a row all -128 or all 127 has the mark by chance: none such here)
    assert list(plane_classes(rows)) == [1, 1, 0, 0, 1, 1, 0]
    assert not any(narrow_marked(plane_bytes(rows), row) for row in (2, 3, 6))
    for x in (np.full(32, 127), np.full(32, -127), np.zeros(32, int), vector_with_sum(rng, MOST_SUM - 64, -300, 300)):
        for shift in (LEAST_SHIFT, 9, MOST_SHIFT):
            got, _, _ = run_planes(marked, rows, x, shift)
            assert np.array_equal(got, intmath.matvec(rows, 0, x, post=shift)), (shift, x[:4])


def run_wide(bench, w, x, shift: int) -> np.ndarray:
    """planes_wide.s's wp_rows_wide on w's rows as the bench lays them out (marked with WP_NARROW_MARK)."""
    bench.poke(W_AT, plane_bytes(w, marked="WP_NARROW_MARK" in bench.symbols))
    bench.write_words(X_AT, np.asarray(x, dtype=np.int64))
    for name, value in (("wp_x", X_AT), ("wp_w", W_AT), ("wp_out", OUT_AT)):
        bench.poke_word(bench.sym(name), value)
    bench.poke(bench.sym("wp_rows_count"), [len(w)])
    bench.poke(bench.sym("wp_shift"), [shift])
    bench.call("wp_rows_wide", max_t_states=50_000_000)
    return bench.read_words(OUT_AT, len(w))


def test_wp_rows_wide_reads_the_marked_rows_exactly(marked):
    rng = np.random.default_rng(3504)
    w = markable_rows(rng, 24)
    assert 0 < sum(plane_classes(w)) < len(w)
    for x, shift in ((rng.integers(-2000, 2000, 32), 9), (vector_with_sum(rng, 1500, -300, 300), LEAST_SHIFT)):
        assert np.array_equal(run_wide(marked, w, x, shift), intmath.matvec(w, 0, x, post=shift))


def test_wp_rows_wide_fails_with_the_marks_fix_left_out(marked):
    """The fix's `jr nz,@unmarked` made a `jr` (every row unfixed): the marked narrow rows come out wrong."""
    rng = np.random.default_rng(3505)
    w = markable_rows(rng, 16)
    x = rng.integers(-2000, 2000, 32)
    want = intmath.matvec(w, 0, x, post=9)
    code_at = marked.sym("wp_rows_wide")
    code = marked.peek(code_at, marked.sym("wp_wide_sum") - code_at)
    fix = code.index(bytes([0xAE, 0x20]))      # xor (hl) / jr nz
    try:
        marked.poke(code_at + fix + 1, bytes([0x18]))
        got = run_wide(marked, w, x, 9)
        narrow = np.flatnonzero(plane_classes(w))
        assert not np.array_equal(got[narrow], want[narrow])
    finally:
        marked.poke(code_at + fix + 1, bytes([0x20]))
    assert np.array_equal(run_wide(marked, w, x, 9), want)


@pytest.mark.parametrize("broken", ["test", "start"])
def test_a_broken_mark_fails(marked, broken):
    """The mark's `jr z` as `jr nz` (narrow rows read as wide, wide ones as narrow), or S + K's patched start left
    at 0: a call with narrow rows differs."""
    rng = np.random.default_rng(3506)
    w = markable_rows(rng, 12)
    assert sum(plane_classes(w))
    x = vector_with_sum(rng, 2000, -300, 300)
    want = intmath.matvec(w, 0, x, post=7)
    if broken == "test":
        at = marked.sym("wp_row")
        at += marked.peek(at, 80).index(bytes([0x7A, 0xD1, 0xAB, 0x28])) + 3     # ld a,d / pop de / xor e / jr z
        good, bad = bytes([0x28]), bytes([0x20])
    else:
        at = marked.sym("wp_tables")
        at += marked.peek(at, 1200).index(bytes([0x22]) + (marked.sym("wp_row_narrow_sum") + 1).to_bytes(2, "little"))
        good, bad = marked.peek(at, 3), bytes(3)       # its store of S + K as nops
    try:
        marked.poke(at, bad)
        marked.poke_word(marked.sym("wp_row_narrow_sum") + 1, 0)     # (no S + K from a call before)
        assert not np.array_equal(run_planes(marked, w, x, 7)[0], want)
    finally:
        marked.poke(at, good)
    assert np.array_equal(run_planes(marked, w, x, 7)[0], want)


def test_narrow_mark_take_and_the_ladder():
    """(Since zx48narrow36 the player's q, k and v take WP_NARROW_BITS instead and the ladder offers out's mark alone:
    tests/test_kernels_z80_narrow_bits.py; WP_NARROW_MARK is the kernels' bench's.)"""
    soul = load_soul(DEFAULT_SOUL)
    assert narrow_mark_take(soul)
    assert build.NARROW_MARK_48K not in build.spends_48k(False, True, True, True, narrow_mark=True)
    # a wide row of l1.k whose plane 6 group 3 byte equals plane 7's (group 3's weights all |w| >= 64 with bits 6
    # and 7 alike): the mark would read it as narrow, so the soul is declined
    name = QKV_MATRICES[4]
    values = np.array(soul.tensors[name].values, copy=True)
    wide = int(np.flatnonzero(np.frombuffer(plane_classes(values), np.uint8) == 0)[0])
    values[wide, 24:] = [100, -100, 64, -65, 127, -128, 90, -70]
    soul = Soul({**soul.tensors, name: replace(soul.tensors[name], values=values)})
    assert narrow_marked(plane_bytes(values), wide)
    assert not narrow_mark_take(soul)


# WP_NARROW_MARK_OUT (the same round): out's narrow rows marked too, and wp_tops (the 48K's logits' top planes) passes
# their plane 6 over the same way: Q = 8 P'_7 + 4 P'_6 + 2 P'_5 + P'_4 with 2 P'_7 + P'_6 = P'_7 + S.
TOPS_OPTIONS = OPTIONS_48K + "\nSOUL_QKV_PLANES = 1\nSOUL_OUT_PLANES = 1"
TOPS_NARROW_GAIN = 111  # (its narrow path's way back a jr, 2 more than wp_row's jp)


def run_tops(bench, w, x) -> tuple[np.ndarray, int, int]:
    """wp_tables on x, then wp_tops on w's rows as the bench lays them out: (the tops, HL the best, T-states)."""
    bench.poke(W_AT, plane_bytes(w, marked="WP_NARROW_MARK_OUT" in bench.symbols))
    bench.write_words(X_AT, np.asarray(x, dtype=np.int64))
    bench.poke_word(bench.sym("wp_x"), X_AT)
    bench.call("wp_tables")
    assert not bench.cpu.f & 1
    for name, value in (("wp_w", W_AT), ("wp_out", 0x9D00)):
        bench.poke_word(bench.sym(name), value)
    bench.poke(bench.sym("wp_rows_count"), [len(w)])
    t_states = bench.call("wp_tops")
    return bench.read_words(0x9D00, len(w)), bench.cpu.hl, t_states


def test_wp_tops_on_marked_rows_gives_the_same_tops_and_narrow_rows_cost_less():
    plain = Z80Bench(extra_source=PLANES_SOURCE, options=TOPS_OPTIONS)
    marked = Z80Bench(extra_source=PLANES_SOURCE, options=TOPS_OPTIONS + "\nWP_NARROW_MARK = 1\nWP_NARROW_MARK_OUT = 1")
    rng = np.random.default_rng(3507)
    for trial in range(10):
        rows = int(rng.integers(1, 126))
        w = markable_rows(rng, rows)
        x = vector_with_sum(rng, int(rng.integers(1, MOST_SUM + 1)), -300, 300)
        tops, best, plain_t = run_tops(plain, w, x)
        assert best == max(tops) and min(tops) >= 0
        marked_tops, marked_best, marked_t = run_tops(marked, w, x)
        assert np.array_equal(marked_tops, tops) and marked_best == best, trial
        narrow = sum(plane_classes(w))
        assert plain_t - marked_t == TOPS_NARROW_GAIN * narrow - WIDE_COST * (rows - narrow), (rows, narrow)
    at = marked.sym("wp_tops_row")
    at += marked.peek(at, 80).index(bytes([0x7A, 0xD1, 0xAB, 0x28])) + 3     # its test's jr z as jr nz
    w = markable_rows(rng, 40)
    x = vector_with_sum(rng, 2500, -300, 300)
    want = run_tops(plain, w, x)[0]
    try:
        marked.poke(at, bytes([0x20]))
        assert not np.array_equal(run_tops(marked, w, x)[0], want)
    finally:
        marked.poke(at, bytes([0x28]))
    assert np.array_equal(run_tops(marked, w, x)[0], want)
