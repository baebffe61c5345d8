"""planes.s's WP_LOW_START_IN_TABLE (thirty-third round, zxrows33; the 128K player's, with the word tables and the
thirty-first round's forms, in bank 6): R's start c_lo + 16 r folded into group 3's table (its entries delta = -(c_lo +
16 r) mod 128 more) and Q's start K' = K + (c_lo + 16 r + delta) / 128 - 2 delta, so that a row's first low lookup
loads DE and no row loads R's start: 26 T-states a row fewer. Bit-exact against intmath.matvec (the model,
weight_planes.planes_matvec's start_in_table, and the kernel on random rows of every class at every shift, the
extremes); the tables hold start_in_table_tables' words; the T-states move by the counts the header states; the 48K's
assembly has none of it; a kernel with delta, K' or the narrow start left stale fails."""

from __future__ import annotations

import numpy as np
import pytest

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER, KERNELS_DIR
from soulterm.soul import intmath
from soulterm.soul.soulfile import load_soul
from soulterm.zx import build as zx_build
from soulterm.zx.kernelbench import Z80Bench, player_kernel_options
from soulterm.zx.soul_layout import plane_classes
from soulterm.zx.weight_planes import (LEAST_SHIFT, MOST_SHIFT, MOST_SUM, WORD_TABLES_SOURCE, low_start_in_table,
                                       mixed_plane_rows, planes_fit, planes_matvec, plane_tables, run_planes,
                                       planes_header_figures, start_in_table_tables, vector_with_sum,
                                       word_tables_built)

X_AT = 0x9F00
RUNS = "".join(f"{flag} = 1\n" for flag in ("WP_NARROW_RUNS", "WP_FILL_PAIRS", "WP_CHAIN_A", "WP_SUMS_UNROLLED"))
FLAG = "WP_LOW_START_IN_TABLE"


@pytest.fixture(scope="module")
def folded():
    return Z80Bench(extra_source=f"{FLAG} = 1\n" + RUNS + WORD_TABLES_SOURCE, options=player_kernel_options("128k"))


@pytest.fixture(scope="module")
def runs():
    return Z80Bench(extra_source=RUNS + WORD_TABLES_SOURCE, options=player_kernel_options("128k"))


def same(bench, w, x, shift: int, classes: bool = True) -> bool:
    got, _, _ = run_planes(bench, w, x, shift, classes=classes)
    return got is not None and np.array_equal(got, intmath.matvec(np.asarray(w), 0, np.asarray(x), post=shift))


def extreme_vectors() -> list[np.ndarray]:
    lone = np.zeros(32, int)
    lone[31] = -MOST_SUM
    return [np.full(32, -127), np.full(32, 127), np.tile([-128, 127], 16), np.zeros(32, int), lone, -lone]


def test_the_model_is_bit_exact_and_delta_stays_a_byte():
    """weight_planes' model of the fold, against intmath on random calls and the extremes: 128 K' + 255 delta is the
    starts' sum (low_start_in_table asserts it), delta 0..127, R's right Horner below 2^16 (planes_matvec asserts it)."""
    rng = np.random.default_rng(3301)
    deltas = set()
    for trial in range(400):
        w = mixed_plane_rows(rng, 6)
        for x in [vector_with_sum(rng, int(rng.integers(0, MOST_SUM + 1)))] + extreme_vectors() * (trial < 2):
            _, c_lo, c_hi = plane_tables(x)
            delta, _ = low_start_in_table(c_lo, c_hi)
            assert 0 <= delta <= 127
            deltas.add(delta)
            for shift in (LEAST_SHIFT, int(rng.integers(LEAST_SHIFT, MOST_SHIFT + 1))):
                if planes_fit(x, shift):
                    for classes in (True, False):
                        want = intmath.matvec(w, 0, x, post=shift)
                        assert np.array_equal(planes_matvec(w, x, shift, classes, start_in_table=True), want)
    assert len(deltas) > 100        # (the draws reach most of delta's 128 values)


def test_the_tables_hold_group_3_biased(folded):
    rng = np.random.default_rng(3302)
    for total in (0, 1, 700, 2500, MOST_SUM):
        x = vector_with_sum(rng, total, -600, 600)
        carry, built = word_tables_built(folded, x, X_AT)
        assert not carry
        assert built == start_in_table_tables(x), total


def test_random_rows_of_every_class_at_every_shift_are_bit_exact(folded):
    rng = np.random.default_rng(3303)
    for trial in range(40):
        w = mixed_plane_rows(rng, int(rng.integers(1, 40)))
        x = vector_with_sum(rng, int(rng.integers(1, MOST_SUM + 1)))
        for shift in (LEAST_SHIFT, int(rng.integers(LEAST_SHIFT + 1, MOST_SHIFT + 1))):
            assert same(folded, w, x, shift), (trial, shift)
            assert same(folded, w, x, shift, classes=False), (trial, shift)


@pytest.mark.parametrize("shift", [LEAST_SHIFT, 5, 7, 12, MOST_SHIFT])
def test_the_extremes_are_bit_exact(folded, shift):
    w = np.array([np.full(32, -64), np.full(32, 63), np.full(32, -128), np.full(32, 127), np.full(32, -64),
                  np.tile([-64, 63], 16), np.zeros(32, int), np.tile([-128, 127], 16)])
    assert list(plane_classes(w)) == [1, 1, 0, 0, 1, 1, 1, 0]
    for x in extreme_vectors():
        assert same(folded, w, x, shift)
        assert same(folded, w, x, shift, classes=False)


def test_the_t_states_move_by_the_folds_counts(folded, runs):
    """On the same x and rows: every row 26 fewer (no `ld de,c_lo`, 10, and the first low lookup a load, 28 against
    44), narrow or wide, in either loop; the build 433 more (each group's test for group 3, 30 a group where it is not,
    37 where it calls, and wp_low_constants' delta, K' and the add to A[0] against the loop's end as it was; 247 until
    zx48rows35's constants from M made that end 186 cheaper, 251 until zxqkv34 dropped its `or a` after sla c, 4)."""
    rng = np.random.default_rng(3304)
    x = vector_with_sum(rng, 1660)
    w = mixed_plane_rows(rng, 48)
    for shift in (LEAST_SHIFT, 5, 7, MOST_SHIFT):
        (_, base_tables, base_rows), (_, new_tables, new_rows) = (run_planes(b, w, x, shift) for b in (runs, folded))
        assert new_tables - base_tables == 433
        assert base_rows - new_rows == 26 * len(w), shift


def test_the_players_form():
    """planes_bank's word-table block (the 128K player's bank 6) assembles it; the 48K player's planes.s has the byte
    tables' form since the thirty-eighth round (zx48lowstart38: wp_low_group, a spend of its ladder;
    tests/test_kernels_z80_low_start48.py), not wp_low_constants."""
    block = zx_build.planes_bank(load_soul(DEFAULT_SOUL), qkv_apart=True, out_apart=True, logits=False, words=True)
    assert block.symbols[FLAG] == 1 and "wp_low_constants" in block.symbols
    player_48k = zx_build.assemble_spectrum_player(DEFAULT_SOUL, DEFAULT_TOKENIZER, "48k").program.symbols
    assert "wp_rows" in player_48k and player_48k[FLAG] == 1 and "wp_low_group" in player_48k
    assert "wp_low_constants" not in player_48k


def test_a_broken_kernel_fails(folded):
    """delta's add to A[0] (its store a nop: group 3's table unbiased), K' left stale (wp_row_4_k's store a nop) and
    the narrow rows' start left stale (wp_row_sum's store) each make a call differ from intmath."""
    rng = np.random.default_rng(3305)
    w = mixed_plane_rows(rng, 12)
    x = vector_with_sum(rng, 2000)
    start = folded.sym("wp_low_constants")
    code = folded.peek(start, folded.sym("wp_page") - start)

    def store_of(label: str, offset: int) -> int:
        target = (folded.sym(label) + offset).to_bytes(2, "little")
        assert code.count(bytes([0x22]) + target) == 1, label
        return code.index(bytes([0x22]) + target)
    breaks = [(store_of("wp_high_sums", 0), LEAST_SHIFT, None), (store_of("wp_row_4_k", 2), LEAST_SHIFT, "wp_row_4_k"),
              (store_of("wp_row_sum", 2), 7, "wp_row_sum")]
    try:
        for at, shift, immediate in breaks:
            assert same(folded, w, x, shift)
            folded.poke(start + at, bytes(3))
            if immediate:       # (stale: as a build on another x would have left it)
                folded.poke(folded.sym(immediate) + 2, bytes([0x35, 0x01]))
            assert not same(folded, w, x, shift), at
            folded.poke(start, code)
    finally:
        folded.poke(start, code)


def test_the_header_states_the_folds_figures(folded):
    """planes.s's paragraph on it: wp_tables, 32 rows at shift 4 all narrow, 32 at shift 7 and the bench's bytes."""
    text = " ".join(line.lstrip("; ") for line in (KERNELS_DIR / "z80" / "planes.s").read_text().splitlines()
                    if line.startswith(";")).split("WP_LOW_START_IN_TABLE (thirty-third", 1)[1]
    for figure in planes_header_figures(folded):
        assert figure in text, figure
