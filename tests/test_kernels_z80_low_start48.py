"""planes.s's WP_LOW_START_IN_TABLE on the 48K's byte tables (thirty-eighth round, zx48lowstart38; a spend of the 48K's
ladder, with WP_TOPS_BYTES): R's start c_lo + 16 r folded into group 3's table at its sums (wp_low_group: delta = -M mod
128 onto A[0] = -N_3, Q's start K' and the narrow start S + 2 K' + 2 delta), so a row's first low lookup loads DE.
Bit-exact against intmath.matvec on rows of 6, 7 and 8 planes (narrow by their bits) at every shift and on the extremes,
S stored as before; every row 22 T-states fewer, the build 177 more; fc1planes.s's fg_tables builds the tables unbiased
(its rows exact) and puts the test back; the 48K player takes it; a stale delta, K' or
narrow start fails."""

from __future__ import annotations

import numpy as np
import pytest

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.soul import intmath
from soulterm.zx import build as zx_build
from soulterm.zx.kernelbench import LOW_START, TOPS_BYTES, Z80Bench, player_kernel_options
from soulterm.zx.weight_planes import (LEAST_SHIFT, MOST_SHIFT, MOST_SUM, PLANES_SOURCE, mixed_plane_rows, run_planes,
                                       vector_with_sum)
from test_kernels_z80_fc1_bytes import BYTE_SOURCE, byte_bench, check, mixed_rows

OPTIONS_48K = player_kernel_options("128k") + "\nWP_NO_CLASSES = 1\nWP_CHAIN_A = 1\nWP_NARROW_BITS = 1"
ROW_GAIN = 22           # ld a,0 / add a,(hl) / ld e,a / ld a,(hl) / adc a,0 / ld d,a (36) against ld e,(hl) / ld d,(hl)
TABLES_COST = 177       # the test, 32 a group and 27 at group 3, whose block's 245 against the end's constants' 155
                        # (181 before zx48colpairs39b's sums in HL: M in IX, S in wp_sum, its block 193 against 135)


@pytest.fixture(scope="module")
def folded():
    return Z80Bench(extra_source=PLANES_SOURCE, options=OPTIONS_48K + f"\n{LOW_START} = 1")


@pytest.fixture(scope="module")
def plain():
    return Z80Bench(extra_source=PLANES_SOURCE, options=OPTIONS_48K)


def same(bench, w, x, shift: int) -> bool:
    got, _, _ = run_planes(bench, w, x, shift)
    return got is not None and np.array_equal(got, intmath.matvec(np.asarray(w), 0, np.asarray(x), post=shift))


def extreme_vectors() -> list[np.ndarray]:
    lone = np.zeros(32, int)
    lone[31] = -MOST_SUM
    return [np.full(32, -127), np.full(32, 127), np.tile([-128, 127], 16), np.zeros(32, int), lone, -lone,
            np.full(32, -1)]


def test_random_calls_and_the_extremes_are_bit_exact(folded):
    rng = np.random.default_rng(3801)
    for trial in range(24):
        w = mixed_plane_rows(rng, int(rng.integers(1, 20)))
        x = vector_with_sum(rng, int(rng.integers(0, MOST_SUM + 1)))
        shift = int(rng.integers(LEAST_SHIFT, MOST_SHIFT + 1))
        assert same(folded, w, x, shift), (trial, shift)
        assert folded.read_words(folded.sym("wp_sum"), 1)[0] == np.abs(x).sum()
    w = mixed_plane_rows(rng, 12)
    w[0], w[1] = -128, 127
    for x in extreme_vectors():
        for shift in (LEAST_SHIFT, 7, MOST_SHIFT):
            assert same(folded, w, x, shift), (x[:2], shift)


def test_the_t_states_move_by_the_counts(folded, plain):
    rng = np.random.default_rng(3802)
    x = vector_with_sum(rng, 1660)
    w = mixed_plane_rows(rng, 48)
    for shift in (LEAST_SHIFT, 5, 7, MOST_SHIFT):
        (_, base_tables, base_rows), (_, new_tables, new_rows) = (run_planes(b, w, x, shift) for b in (plain, folded))
        assert new_tables - base_tables == TABLES_COST
        assert base_rows - new_rows == ROW_GAIN * len(w), shift


def test_a_stale_delta_k_or_narrow_start_fails(folded):
    """delta's add to A[0] (ex de,hl / add hl,bc's add as a nop: group 3's table unbiased), K''s store and the narrow start's store each
    as nops, their immediates left stale, make a call differ from intmath."""
    rng = np.random.default_rng(3803)
    w = mixed_plane_rows(rng, 14)
    x = vector_with_sum(rng, 2000)
    start = folded.sym("wp_low_group")
    code = folded.peek(start, 64)

    def store_of(label: str) -> int:
        return code.index(bytes([0x22]) + (folded.sym(label) + 2).to_bytes(2, "little"))
    breaks = [(code.index(bytes([0xEB, 0x09])) + 1, 1, None), (store_of("wp_row_k"), 3, "wp_row_k"),
              (store_of("wp_row_sum"), 3, "wp_row_sum")]
    try:
        for at, length, immediate in breaks:
            assert same(folded, w, x, 7)
            folded.poke(start + at, bytes(length))
            if immediate:       # (stale: as a build on another x would have left it)
                folded.poke(folded.sym(immediate) + 2, bytes([0x35, 0x01]))
            assert not same(folded, w, x, 7), at
            folded.poke(start, code)
    finally:
        folded.poke(start, code)


def test_fc1s_rows_read_the_tables_unbiased():
    """fg_tables sets the group 3 test's page to 0 around its wp_tables (no table page is 0) and puts it back: fc1's
    byte-mask rows stay exact on the folded planes.s."""
    bench = byte_bench(f"{LOW_START} = 1\nWP_CHAIN_A = 1\nWP_NARROW_BITS = 1\n" + BYTE_SOURCE)
    test_at = bench.sym("wp_low_group") + 4
    page = bench.peek(test_at, 1)
    assert page[0] == bench.sym("WP_PAGE") + 6
    rng = np.random.default_rng(3804)
    for _ in range(8):
        rows = int(rng.integers(1, 40))
        w = mixed_rows(rng, rows)
        x = vector_with_sum(rng, int(rng.integers(1, 2048)))
        check(bench, w, rng.integers(-12000, 6000, rows), x, int(rng.integers(4, 8)))
        assert bench.peek(test_at, 1) == page


def test_the_48k_player_takes_it_with_the_tops_bytes():
    """The shipped 48K's ladder takes it (the first of its last spends since zx48genwalk39), with WP_TOPS_BYTES."""
    symbols = zx_build.assemble_spectrum_player(DEFAULT_SOUL, DEFAULT_TOKENIZER, "48k").program.symbols
    assert symbols.get(LOW_START) == 1 and symbols.get(TOPS_BYTES) == 1 and "wp_low_group" in symbols
    assert zx_build.LAST_SPENDS_48K[0] == zx_build.LOW_START_48K == LOW_START
