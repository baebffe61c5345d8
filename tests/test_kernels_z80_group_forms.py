"""planes.s's WP_GROUP_FORMS (thirty-fourth round, zxgroup34b; the 128K player's): a row
whose groups in W (two or more) lie in -64..63 (a wide row) or -32..31 (a narrow one) enters by a stub (Q's start, then
k = 4 - |W| plane-7 lookups in the shared block), reads one plane lower its 4 groups' words (a group in W: its plane-7
mask) and T[W], and leaves by its exit word (its loop's plane 5, or plane 4). On the bench with the 128K's forms
(test_kernels_z80_next_rows.py's layout, the words written as benchmarks/z80_group_stream.py lays them out): wp_tables
builds T[W] = the sum of S'_g over W exactly, on random x and the extremes; wp_rows is bit-exact against
intmath.matvec on random rows of every group mix at shift 4 (wp_row_4's loop) and at other shifts (wp_row's), and on
the shipped soul's six matrices; without the forms the words are soul_layout.plane_words' and run as before; each
call costs exactly what the script's model says fewer; T[W] zeroed breaks a row; the build's extra T-states are those
the script counts. The first build (wp_expand_first) makes exactly those words from the tape's masks as they were and
the classes with W (plane_group_classes), on random rows and the shipped soul's, and planes_wide.s's wp_rows_wide (a
declined xn's exact path) runs them bit-exact too; a wp_rows_wide whose moved groups are left unfixed fails;
soul_layout.plane_words(group_forms=...) is the script's layout; the 128K player takes the flag."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from soulterm.paths import CHECKOUT_DIR, DEFAULT_SOUL
from soulterm.soul import intmath
from soulterm.soul.soulfile import load_soul
from soulterm.zx import build as zx_build
from soulterm.zx.soul_layout import plane_bytes, plane_words
from soulterm.zx.weight_planes import LEAST_SHIFT, MOST_SHIFT, MOST_SUM, run_tables_and_rows

sys.path.insert(0, str(CHECKOUT_DIR / "benchmarks"))
import z80_group_stream as group_stream  # noqa: E402  (a benchmark script, beside z80_group_narrow.py)

@pytest.fixture(scope="module")
def grouped():
    return group_stream.make_bench(True)


@pytest.fixture(scope="module")
def plain():
    return group_stream.make_bench(False)


build = group_stream.bench_build
rows_call = group_stream.bench_rows
SHIPPED_LOOPS = 0b001011


def mixed_group_rows(rng, count: int) -> np.ndarray:
    return np.stack([np.concatenate([rng.integers(-lim, lim, 8) for lim in rng.choice([32, 64, 128], 4)])
                     for _ in range(count)])


def extreme_vectors() -> list[np.ndarray]:
    lone = np.zeros(32, dtype=np.int64)
    lone[31] = -MOST_SUM
    return [np.full(32, -127), np.full(32, 127), np.tile([-128, 127], 16), np.zeros(32, dtype=np.int64), lone, -lone]


def test_wp_tables_builds_the_sums_of_each_set(grouped):
    rng = np.random.default_rng(3430)
    for x in extreme_vectors() + [rng.integers(-120, 120, 32) for _ in range(6)]:
        build(grouped, x)
        _, t_table, _, _ = group_stream.call_tables(x)
        assert grouped.read_words(grouped.sym("wp_group_sums"), 15).tolist() == t_table[1:], x


def test_random_rows_of_every_group_mix_are_bit_exact(grouped):
    rng = np.random.default_rng(3431)
    for trial in range(6):
        x = rng.integers(-120, 120, 32) if trial else np.tile([-128, 127], 16)
        rows = mixed_group_rows(rng, 32)
        assert sum(group_stream.row_words(row)[0][2] < 4 for row in rows) >= 8
        for shift in (LEAST_SHIFT, int(rng.integers(LEAST_SHIFT + 1, MOST_SHIFT + 1)), MOST_SHIFT):
            got, _ = rows_call(grouped, rows, x, shift)
            assert np.array_equal(got, intmath.matvec(rows, 0, x, post=shift)), (trial, shift)


def test_without_the_forms_the_words_are_plane_words_and_run_as_before(grouped):
    rng = np.random.default_rng(3432)
    rows = mixed_group_rows(rng, 32)
    sym = grouped.sym
    for at_4, loop in ((True, "wp_row_4"), (False, "wp_row")):
        entries = (sym(loop), sym(loop + "_narrow"), sym("wp_rows_end"))
        assert group_stream.matrix_bytes(rows, sym("WP_PAGE"), sym, at_4, use_forms=False) == \
            plane_words(rows, sym("WP_PAGE"), narrow=True, entries=entries)
    x = rng.integers(-100, 100, 32)
    got, _ = rows_call(grouped, rows, x, 7, use_forms=False)
    assert np.array_equal(got, intmath.matvec(rows, 0, x, post=7))


def test_the_shipped_matrices_cost_what_the_model_says(grouped):
    """Each of the shipped soul's six matrices at its own loop: bit-exact, and the forms save exactly the script's
    count."""
    soul = load_soul(DEFAULT_SOUL)
    loops = zx_build.planes_shift_4_matrices(soul)
    x = np.random.default_rng(3433).integers(-90, 90, 32)
    build(grouped, x)
    for index, name in enumerate(zx_build.PLANES_MATRICES):
        rows = np.asarray(soul[name].values, dtype=np.int64)
        shift = LEAST_SHIFT if loops >> index & 1 else soul[name].shift + 1
        new, t_new = rows_call(grouped, rows, x, shift, tables=False)
        old, t_old = rows_call(grouped, rows, x, shift, use_forms=False, tables=False)
        assert np.array_equal(new, intmath.matvec(rows, 0, x, post=shift)) and np.array_equal(new, old), name
        assert t_old - t_new == group_stream.matrix_weighing(rows, bool(loops >> index & 1), x)["saved"] > 0, name


def test_a_zeroed_sums_table_breaks_a_row(grouped):
    rng = np.random.default_rng(3434)
    x = rng.integers(20, 120, 32)
    rows = np.stack([np.concatenate([np.full(8, v) for v in (-128, 31, -64, 127)])] * 2)
    build(grouped, x)
    grouped.poke(grouped.sym("wp_group_sums"), bytes(30))
    got, _ = rows_call(grouped, rows, x, LEAST_SHIFT, tables=False)
    assert not np.array_equal(got, intmath.matvec(rows, 0, x, post=LEAST_SHIFT))


def test_the_build_and_the_bytes_are_what_the_script_counts(grouped, plain):
    for x in extreme_vectors()[:3] + [np.random.default_rng(3435).integers(-100, 100, 32)]:
        assert build(grouped, x) - build(plain, x) == group_stream.TABLE_BUILD
    size = lambda bench: bench.sym("wp_code_end") - bench.sym("wp_x")     # noqa: E731
    pad = grouped.sym("wp_group_sums") - grouped.sym("wp_group_0") - (2 + 5 * 6 + 1)    # (T[W] at an even address)
    assert pad in (0, 1) and size(grouped) - size(plain) == group_stream.CODE_BYTES + pad


def test_the_128k_player_takes_the_forms():
    """(since zxgroup34b; the 48K's planes.s has no word tables: no forms)"""
    soul = load_soul(DEFAULT_SOUL)
    block = zx_build.planes_bank(soul, qkv_apart=True, out_apart=True, logits=False, words=True)
    assert block.symbols["WP_GROUP_FORMS"] == 1
    assert block.symbols["WP_GROUP_WORD_BYTES"] == sum(group_stream.group_word_bytes(soul[name].values)
                                                       for name in zx_build.PLANES_MATRICES) < 0


def expansion_rows(seed: int) -> np.ndarray:
    """Six matrices of 32: random rows of every group mix, or (seed 0) the shipped soul's q, k and v."""
    if seed == 0:
        soul = load_soul(DEFAULT_SOUL)
        return np.concatenate([np.asarray(soul[name].values, dtype=np.int64) for name in zx_build.PLANES_MATRICES])
    return mixed_group_rows(np.random.default_rng(seed), 192)


@pytest.mark.parametrize("seed, loops", [(0, SHIPPED_LOOPS), (3436, SHIPPED_LOOPS), (3437, 0b110100)])
def test_the_first_build_makes_the_forms_words_from_the_tape(seed, loops):
    """wp_expand_first on the tape's masks as now (plane_bytes(narrow=True)) and the classes with W: exactly
    matrix_bytes' words for each matrix at its loop, nothing past them touched; then every matrix bit-exact."""
    rows = expansion_rows(seed)
    bench = group_stream.make_bench(True, loops, rows)
    guard = bytes(range(1, 33))
    packed = plane_bytes(rows, narrow=True)
    sym = bench.sym
    words = b"".join(group_stream.matrix_bytes(rows[32 * m:32 * (m + 1)], sym("WP_PAGE"), sym, bool(loops >> m & 1))
                     for m in range(6))
    assert len(words) == 2 * len(packed) + 2 * (192 + 6) + group_stream.group_word_bytes(rows)
    bench.poke(group_stream.BENCH_CLASSES_AT, bytes(group_stream.row_class(row) for row in rows))
    bench.poke(group_stream.BENCH_WORDS_AT - len(guard), guard)
    bench.poke(group_stream.BENCH_WORDS_AT, packed + bytes([0x5A]) * (len(words) - len(packed)) + guard)
    x = np.random.default_rng(seed + 1).integers(-100, 100, 32)
    big = np.random.default_rng(seed + 2).integers(-2000, 2000, 32)
    build(bench, x)
    assert bench.peek(group_stream.BENCH_WORDS_AT, len(words)) == words
    assert bench.peek(group_stream.BENCH_WORDS_AT - len(guard), len(guard)) == guard
    assert bench.peek(group_stream.BENCH_WORDS_AT + len(words), len(guard)) == guard
    assert int.from_bytes(bench.peek(sym("wp_tables") + 1, 2), "little") == sym("wp_interrupts_off")
    at = group_stream.BENCH_WORDS_AT
    for m in range(6):
        matrix = rows[32 * m:32 * (m + 1)]
        shift = LEAST_SHIFT if loops >> m & 1 else 9
        build(bench, x)             # (wp_rows_wide takes the tables' first page)
        out, _, _ = run_tables_and_rows(bench, "wp", at, group_stream.BENCH_X_AT, 32, x, shift, tables=False)
        assert np.array_equal(out, intmath.matvec(matrix, 0, x, post=shift)), m
        for vector in (x, big):     # planes_wide.s's wp_rows_wide on the same words (a declined xn's path)
            assert np.array_equal(run_wide(bench, at, matrix, vector, shift),
                                  intmath.matvec(matrix, 0, vector, post=shift)), (m, "wide")
        at += len(group_stream.matrix_bytes(matrix, sym("WP_PAGE"), sym, bool(loops >> m & 1)))


WIDE_CLASSES_AT = 0x9E00


def run_wide(bench, at: int, rows, x, shift: int) -> np.ndarray:
    """wp_rows_wide on the 32 rows whose words start at `at`, their classes (with W) at WIDE_CLASSES_AT."""
    bench.write_words(group_stream.BENCH_X_AT, np.asarray(x, dtype=np.int64))
    bench.poke(WIDE_CLASSES_AT, bytes(group_stream.row_class(row) for row in rows))
    for name, value in (("wp_x", group_stream.BENCH_X_AT), ("wp_w", at), ("wp_out", group_stream.BENCH_X_AT + 64),
                        ("wp_classes", WIDE_CLASSES_AT)):
        bench.poke_word(bench.sym(name), value)
    bench.poke(bench.sym("wp_rows_count"), [len(rows)])
    bench.poke(bench.sym("wp_shift"), [shift])
    bench.call("wp_rows_wide", max_t_states=50_000_000)
    return bench.read_words(group_stream.BENCH_X_AT + 64, len(rows))


def test_soul_layouts_words_are_the_scripts(grouped):
    """soul_layout.plane_words(groups=...) (the players' layout) lays out the rows as the script's model does."""
    sym = grouped.sym
    stubs = tuple(sym(name) if name else 0 for name in ("wp_group_wide_2", "wp_group_wide_1", "", "wp_group_narrow_2",
                                                        "wp_group_narrow_1", "wp_group_narrow_0"))
    for rows in (expansion_rows(0), expansion_rows(3438)):
        for at_4, loop in ((True, "wp_row_4"), (False, "wp_row")):
            entries = (sym(loop), sym(loop + "_narrow"), sym("wp_rows_end"))
            exits = (sym(loop + "_planes_5"), sym(loop + "_plane_4"))
            assert plane_words(rows, sym("WP_PAGE"), narrow=True, entries=entries,
                               group_forms=(stubs, exits, sym("wp_group_sums"))) == \
                group_stream.matrix_bytes(rows, sym("WP_PAGE"), sym, at_4)


def test_wp_rows_wide_fails_with_the_moved_groups_unfixed():
    rows = expansion_rows(3439)
    bench = group_stream.make_bench(True, SHIPPED_LOOPS, rows)
    sym = bench.sym
    bench.poke(group_stream.BENCH_CLASSES_AT, bytes(group_stream.row_class(row) for row in rows))
    bench.poke(group_stream.BENCH_WORDS_AT, plane_bytes(rows, narrow=True))
    x = np.random.default_rng(3440).integers(-100, 100, 32)
    build(bench, x)
    fix = sym("wp_wide_narrow_fix")
    at = fix + bytes(bench.peek(fix, 64)).index(bytes([0xAA, 0xAE]))     # xor d / xor (hl): the moved group's bits
    bench.poke(at, bytes([0x00]))
    matrix = rows[:32]
    assert not np.array_equal(run_wide(bench, group_stream.BENCH_WORDS_AT, matrix, x, LEAST_SHIFT),
                              intmath.matvec(matrix, 0, x, post=LEAST_SHIFT))
