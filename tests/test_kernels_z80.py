"""The Z80 kernels (kernels/z80/) against the integer engine's intmath, bit for bit, and their T-states."""

from __future__ import annotations

import re

import numpy as np
import pytest

from conftest import step_z80_forward
from soulterm.asm import AsmError
from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.soul import intmath
from soulterm.zx.build import (NORM_PRODUCTS_48K, NORM_PRODUCTS_HIGH_48K, assemble_spectrum_player, planes_bank,
                               rn_table_lines)
from soulterm.zx.kernelbench import (BIAS_IN_K_OPTION, CLAMPED_UNIT_OPTION, FAST_MEANS_OPTION, FAST_SCORES_OPTION,
                                     FAST_SQUARES_OPTION, LOW_SLOTS_OPTION, PAIR_JPS_KEPT_OPTION, PAIR_SLOTS_OPTION,
                                     SHORT_EXP_OPTION,
                                     SHORT_SHIFTS_OPTION,
                                     RUNNER_UP_OPTION, SOUL_PACKED_OPTION, EMBED_BY_SP_OPTION, TABLE_MEANS_OPTION,
                                     Z80_KERNELS_DIR, Z80Bench, load_head, player_kernel_options, run_matvec,
                                     values_ascending, values_by_dimension)

SHAPES = ((32, 32), (64, 32), (32, 64), (128, 32))


@pytest.fixture(scope="module")
def bench():
    return Z80Bench()


def test_matvec_matches_intmath_on_random_cases(bench):
    rng = np.random.default_rng(2026)
    for case in range(60):
        rows, cols = SHAPES[case % 4] if case % 5 else (int(rng.integers(1, 129)), int(rng.integers(1, 65)))
        w = rng.integers(-128, 128, (rows, cols))
        if case % 7 == 0:
            w = rng.choice([-128, 127], (rows, cols))     # the extreme weights
        scale = (127, 2047, 32767)[case % 3]
        x = rng.integers(-scale - 1, scale + 1, cols)
        bias = rng.integers(-32768, 32768, rows) if case % 2 else None
        shift = int(rng.integers(0, 16))
        got, _ = run_matvec(bench, w, x, bias, shift)
        want = intmath.matvec(w, shift, x, bias, post=0)
        assert np.array_equal(got, want), f"case {case}: {rows}x{cols} shift {shift}"


def test_matvec_saturates_both_ways(bench):
    w = np.full((32, 32), 127)
    w[16:] = -128
    got, _ = run_matvec(bench, w, np.full(32, 32767), None, 0)
    assert list(got[:16]) == [32767] * 16 and list(got[16:]) == [-32768] * 16


@pytest.mark.parametrize("short_forms", [False, True])
def test_the_clips_to_int16_with_and_without_short_forms(short_forms):
    """matvec's mv_clip and arith.s's sat32to16 clip to $7FFF and $8000 (SHORT_FORMS, the 48K player's since the
    thirtieth round: $8000 as $7FFF's inc hl), and leave a value that fits as it is, at int16's edges."""
    bench = Z80Bench(options="SHORT_FORMS = 1" if short_forms else "")
    w = np.full((32, 32), 127)
    w[16:] = -128
    got, _ = run_matvec(bench, w, np.full(32, 32767), None, 0)
    assert list(got[:16]) == [32767] * 16 and list(got[16:]) == [-32768] * 16
    cpu = bench.cpu
    for value in (2**31 - 1, 2**16, 2**15, 2**15 - 1, 1, 0, -1, -2**15, -2**15 - 1, -2**16, -2**31, 0x00FF8000):
        bits = value & 0xFFFFFFFF
        cpu.de, cpu.hl = bits >> 16, bits & 0xFFFF
        bench.call("sat32to16")
        assert cpu.hl == min(max(value, -32768), 32767) & 0xFFFF, value


def test_matvec_floors_negative_sums(bench):
    w = np.zeros((8, 4), dtype=np.int64)
    w[:, 0] = -1
    x = np.array([3, 0, 0, 0])                 # every row sums to -3; -3 >> 1 = -2
    got, _ = run_matvec(bench, w, x, None, 1)
    assert list(got) == [-2] * 8


def test_matvec_takes_every_split_edge(bench):
    """x at the edges of the l/h split: l = 128 and -127, h = 128, and h = -128 (the fixed-up columns)."""
    rng = np.random.default_rng(2027)
    edges = [-32768, -32767, -32641, -32640, -32639, -32513, -129, -128, -127, -1, 0, 1, 127, 128, 129,
             255, 256, 32639, 32640, 32641, 32767]
    for case in range(24):
        rows, cols = int(rng.integers(1, 40)), int(rng.integers(1, 65))
        w = rng.integers(-128, 128, (rows, cols))
        x = rng.choice(edges, cols)
        bias = rng.integers(-32768, 32768, rows) if case % 2 else None
        shift = int(rng.integers(0, 31))        # the header's whole range, 0..30
        got, _ = run_matvec(bench, w, x, bias, shift)
        assert np.array_equal(got, intmath.matvec(w, shift, x, bias, post=0)), case


@pytest.mark.parametrize("least", [0, 4, 7])
def test_matvec_with_a_least_shift_matches_intmath_from_it_to_seven(least):
    """MV_LEAST_SHIFT (the 48K's where the soul's products all shift by 7 or less, nineteenth round):
    no right chain, the left one 7 - least steps long; with the 48K's options (the pairs, the coarse
    and sparse calls), every shift from least to 7 on random and clipping rows, the extreme weights
    and x at the l/h split's edges, with and without a bias. It fails if the left chain is a step
    short (its entry then lies before mv_left_jump's jp) or a shift of 7 takes another path than
    straight to the saturation."""
    bench = Z80Bench(options=player_kernel_options("48k", coarse_top=True) + f"\nMV_LEAST_SHIFT = {least}")
    assert "mv_right_bytes" not in bench.symbols
    rng = np.random.default_rng(least)
    edges = [-32768, -32640, -129, -128, -127, -1, 0, 1, 127, 128, 129, 32640, 32767]
    for shift in range(least, 8):
        for case in range(6):
            rows, cols = SHAPES[case % 4] if case % 3 else (int(rng.integers(1, 65)), int(rng.integers(1, 65)))
            w = rng.choice([-128, 127], (rows, cols)) if case == 5 else rng.integers(-128, 128, (rows, cols))
            x = rng.choice(edges, cols) if case % 2 else rng.integers(-2048, 2048, cols)
            bias = rng.integers(-32768, 32768, rows) if case % 2 else None
            got, _ = run_matvec(bench, w, x, bias, shift)
            assert np.array_equal(got, intmath.matvec(w, shift, x, bias, post=0)), (shift, case)


def test_matvec_again_reuses_the_columns_of_the_call_before(bench):
    """q, k and v of one xn: matvec patches x's columns, matvec_again keeps them for another matrix."""
    rng = np.random.default_rng(2028)
    for case in range(6):
        cols = (32, 31, 17)[case % 3]            # (more than MV_MAX_COLS run in two parts: no matvec_again)
        x = rng.choice([-32768, -32700, 5, 32767], cols) if case == 5 else rng.integers(-32768, 32768, cols)
        first, second = rng.integers(-128, 128, (2, 40, cols))
        bias = rng.integers(-32768, 32768, 40)
        _, full = run_matvec(bench, second, x, bias, 3)
        got, _ = run_matvec(bench, first, x, None, 9)
        assert np.array_equal(got, intmath.matvec(first, 9, x, None, post=0))
        got, again = run_matvec(bench, second, x, bias, 3, routine="matvec_again")
        assert np.array_equal(got, intmath.matvec(second, 3, x, bias, post=0)), case
        assert again < full


def one_piece_inputs(rng, cols, wide):
    """x in -127..128 (h = 0) but for `wide` columns, some of them at the split's edges."""
    x = rng.integers(-127, 129, cols)
    x[rng.choice(cols, wide, replace=False)] = rng.choice([-32768, -32640, -129, 129, 256, 32767, 1000, 384, -383], wide)
    return x


def assert_call_then_again(bench, rng, w, x, bias, shift, case, again):
    """matvec of (w, x) against intmath; with `again`, then matvec_again of new weights on the same x."""
    got, _ = run_matvec(bench, w, x, bias, shift)
    assert np.array_equal(got, intmath.matvec(w, shift, x, bias, post=0)), case
    if again:
        w2 = rng.integers(-128, 128, w.shape)
        got, _ = run_matvec(bench, w2, x, None, shift, routine="matvec_again")
        assert np.array_equal(got, intmath.matvec(w2, shift, x, None, post=0)), case


def test_matvec_narrow_mode_matches_intmath_across_mode_changes(bench):
    """At most a quarter of the columns wide: the others skip their high piece. Calls alternate
    narrow and full, and widths, so slots a narrow call patched run in later calls."""
    rng = np.random.default_rng(2029)
    for case in range(40):
        cols = int(rng.choice([32, 64, 9, 1, 20, 33]))
        rows = int(rng.integers(1, 70))
        wide = (0, cols // 4, cols // 4 + 1, cols, int(rng.integers(0, cols + 1)))[case % 5]
        x = one_piece_inputs(rng, cols, wide)
        w = rng.integers(-128, 128, (rows, cols))
        bias = rng.integers(-32768, 32768, rows) if case % 2 else None
        shift = int(rng.integers(0, 16))
        # (matvec_again with more columns than slots runs as matvec)
        assert_call_then_again(bench, rng, w, x, bias, shift, case, again=True)


def test_matvec_counts_up_to_255_rows_in_every_mode(bench):
    """The rows are counted in a register of the h sum's register set, which every row start,
    row end, two-part carry and fixed-up column must leave alone: long calls of each mode in a
    random order, with matvec_again after some, and wide columns whose S(w) walk crosses pages."""
    rng = np.random.default_rng(2031)
    for case in range(16):
        rows, cols = int(rng.integers(129, 256)), int(rng.choice([64, 63, 33, 32, 31, 8]))
        wide = int(rng.integers(0, cols + 1)) if case % 2 else cols // 4
        x = one_piece_inputs(rng, cols, wide)
        w = rng.integers(-128, 128, (rows, cols))
        bias = rng.integers(-32768, 32768, rows) if case % 3 else None
        shift = int(rng.integers(0, 31))
        assert_call_then_again(bench, rng, w, x, bias, shift, case, again=case % 4 == 1)


# The matvec tests another bench's options rerun whole (test_kernels_z80_wide_pm1.py, test_kernels_z80_rowends48.py)
EVERY_MATVEC_TEST = (test_matvec_matches_intmath_on_random_cases, test_matvec_saturates_both_ways,
                     test_matvec_floors_negative_sums, test_matvec_takes_every_split_edge,
                     test_matvec_again_reuses_the_columns_of_the_call_before,
                     test_matvec_narrow_mode_matches_intmath_across_mode_changes,
                     test_matvec_counts_up_to_255_rows_in_every_mode)


def test_matvec_narrow_mode_is_cheaper(bench):
    rng = np.random.default_rng(2030)
    w = rng.integers(-128, 128, (32, 32))
    narrow = run_matvec(bench, w, one_piece_inputs(rng, 32, 2), None, 9)[1]
    full = run_matvec(bench, w, one_piece_inputs(rng, 32, 9), None, 9)[1]
    assert narrow < 0.8 * full


def test_matvec_t_states_are_what_the_header_says(bench):
    """The header's figures, on x = 256 (every column two pieces: today's full path) and on
    zeros (every column one piece: narrow mode); a column's carry into the top byte can cost
    one more. Full calls first, after a full call: none pays for restoring a narrow call's slots."""
    def t_states(rows, cols, shift=9, bias=None, x=0):
        return run_matvec(bench, np.zeros((rows, cols)), np.full(cols, x), bias, shift)[1]

    def figures(x):
        return {(32, 32): t_states(32, 32, x=x), (64, 32): t_states(64, 32, bias=np.zeros(64), x=x),
                (32, 64): t_states(32, 64, x=x), (128, 32): t_states(128, 32, x=x)}

    t_states(1, 1, x=256)
    full = figures(256)
    assert full == {(32, 32): 172_753, (64, 32): 340_150, (32, 64): 346_023, (128, 32): 651_121}
    # One more product: 138 in its slot (141 before its low piece summed in H:L:A, sixteenth
    # round) and a whole 10 T-state pop (half of that on average), less the 26 of an odd
    # count's way into its first slot (mv_odd_start: dec sp, pop bc, jp), which an even
    # count's rows do not take.
    assert t_states(2, 2, x=256) - t_states(2, 1, x=256) - t_states(1, 2, x=256) + t_states(1, 1, x=256) == 122
    assert t_states(32, 32, shift=10, x=256) - full[(32, 32)] == 32 * 24      # a bit of shift a row
    narrow = figures(0)
    assert narrow == {(32, 32): 114_816, (64, 32): 212_740, (32, 64): 216_292, (128, 32): 399_784}
    # A one-piece product: its high piece is a 10 T-state jp, not 69.
    assert t_states(2, 2) - t_states(2, 1) - t_states(1, 2) + t_states(1, 1) == 122 - 59


@pytest.fixture(scope="module")
def low_bench():
    return Z80Bench(options=LOW_SLOTS_OPTION)


def test_matvec_with_low_slots_matches_intmath_in_every_mode(low_bench):
    """The 128K player's matvec (MV_LOW_SLOTS): every matvec test above on its bench, so narrow
    calls with 0..MV_LOW_WIDE_MAX wide columns run the low slots (and a wide column's block)
    between full calls, matvec_again, two-part calls and the split's edges."""
    test_matvec_matches_intmath_on_random_cases(low_bench)
    test_matvec_saturates_both_ways(low_bench)
    test_matvec_floors_negative_sums(low_bench)
    test_matvec_takes_every_split_edge(low_bench)
    test_matvec_again_reuses_the_columns_of_the_call_before(low_bench)
    test_matvec_narrow_mode_matches_intmath_across_mode_changes(low_bench)
    test_matvec_counts_up_to_255_rows_in_every_mode(low_bench)
    rng = np.random.default_rng(2032)
    for case in range(40):                          # few wide columns, in every place, each call new
        cols = int(rng.choice([64, 63, 33, 32, 31, 9, 2, 1]))
        wide = int(rng.integers(0, min(cols, low_bench.sym("MV_LOW_WIDE_MAX") + 2) + 1))
        x = one_piece_inputs(rng, cols, wide)
        w = rng.integers(-128, 128, (int(rng.integers(1, 50)), cols))
        bias = rng.integers(-32768, 32768, w.shape[0]) if case % 2 else None
        assert_call_then_again(low_bench, rng, w, x, bias, int(rng.integers(0, 16)), case, again=case % 3 == 0)


def test_the_low_slots_pass_and_the_main_slots_pass_again(low_bench):
    """A narrow call (narrow mode expected) writes the low slots in its column pass; a call that
    turns out to need the main slots (full, or a second part held narrow with more wide columns
    than the low slots take) runs the pass again for them, and a narrow call after a full one
    again for the low slots. The low slots' pass goes a pair at a time, a wide column (in an
    even and in an odd slot) through the pass one at a time and back. The wide columns' blocks
    take h (+-1) and l from x; a call with a wide column of another h runs the main slots narrow
    (their pass again), -32640 and below as h = -127, x above 32640 as h = 128."""
    rng = np.random.default_rng(2034)
    bench = low_bench

    def call(x, rows=20):
        w = rng.integers(-128, 128, (rows, len(x)))
        bias = rng.integers(-32768, 32768, rows)
        got, _ = run_matvec(bench, w, np.array(x), bias, 9)
        assert np.array_equal(got, intmath.matvec(w, 9, np.array(x), bias, post=0))
        return bench.peek(bench.sym("mv_pass_low"))[0]

    narrow = list(rng.integers(-127, 129, 32))
    assert call(narrow) == 1 and call(narrow) == 1
    assert call([256] * 32) == 0                    # the low slots' pass, then the main slots'
    assert call(narrow) == 1                        # the main slots' pass, then the low slots'
    extremes = narrow[:]
    extremes[0], extremes[7], extremes[30], extremes[31] = -32768, -32640, 32767, 32641
    assert call(extremes) == 0                      # the low slots' pass, then the main slots'
    assert call(narrow) == 1
    plus_minus_1 = narrow[:]
    plus_minus_1[0], plus_minus_1[7], plus_minus_1[30], plus_minus_1[31] = 384, -383, -129, 129
    assert call(plus_minus_1) == 1 and call(plus_minus_1) == 1     # the blocks from x, h = 1 and -1, even and odd
    assert call(narrow[:31] + [512]) == 0 and call(plus_minus_1) == 1
    second_wide = narrow + [1000] * 12 + narrow[:20]    # the second part held narrow: 12 wide
    assert call(second_wide) == 0
    assert bench.peek(bench.sym("mv_pass_main"))[0] == 0
    assert call(narrow) == 1


def test_the_low_slots_pass_takes_a_wide_column_in_every_place_of_its_steps(low_bench):
    """The low slots' pass goes four columns a step (@low_quad, entered at @low_enter from an
    even first slot: a step's first or third column): a wide column (h = +-1, the low slots'
    blocks) in every place of a step, two in a row, over each step's end, and the last
    column, leaves the step through the pass one column at a time and comes back in the next
    column's place, its slot and the columns left as they were; the largest low bytes carry
    Cl past 16 bits in every place. Each call runs the low slots (mv_pass_low) where it runs
    narrow (at most cols / 4 wide columns; else the main slots' pass after the low slots')."""
    rng = np.random.default_rng(2035)
    bench = low_bench

    def call(x):
        w = rng.integers(-128, 128, (3, len(x)))
        bias = rng.integers(-32768, 32768, 3)
        got, _ = run_matvec(bench, w, np.array(x), bias, 9)
        assert np.array_equal(got, intmath.matvec(w, 9, np.array(x), bias, post=0)), x
        wide = sum(not -127 <= value <= 128 for value in x)
        assert bench.peek(bench.sym("mv_pass_low"))[0] == (wide <= len(x) // 4), x

    for cols in (32, 30, 6, 4, 2):
        narrow = list(rng.integers(-127, 129, cols))
        call(narrow)
        call([128] * cols)
        call([-127] * cols)
        for place in range(cols):
            one = narrow[:]
            one[place] = 384 if place % 2 else -129
            call(one)
            if place + 1 < cols:
                two = one[:]
                two[place + 1] = -383
                call(two)


def test_matvec_with_the_bias_in_the_row_constants_and_no_sparse_calls():
    """MV_BIAS_IN_K without MV_SPARSE (no player's options, but each stands alone): every
    row's constant has the bias, so no call adds it again (a biased call added it twice
    until the fifteenth round), and full calls take it out of V (mv_unbias)."""
    bench = Z80Bench(options=BIAS_IN_K_OPTION)
    test_matvec_matches_intmath_on_random_cases(bench)
    test_matvec_floors_negative_sums(bench)
    test_matvec_takes_every_split_edge(bench)
    test_matvec_narrow_mode_matches_intmath_across_mode_changes(bench)


@pytest.fixture(scope="module")
def pair_bench():
    return Z80Bench(options=PAIR_SLOTS_OPTION)


def test_matvec_with_slot_pairs_matches_intmath_and_takes_one_jp_a_narrow_pair(pair_bench):
    """MV_PAIR_SLOTS (the 48K player's since the seventeenth round): every matvec test above on its
    bench (odd counts, mode changes, two parts, matvec_again), and the header's figures for it: a
    pair's two low pieces first, so that a narrow pair of one-piece columns takes one jp over
    both high pieces, and a full pair 16 T-states more (the even column's ld ixl,c, ld iyl,c)."""
    for test in (test_matvec_matches_intmath_on_random_cases, test_matvec_saturates_both_ways,
                 test_matvec_floors_negative_sums, test_matvec_takes_every_split_edge,
                 test_matvec_again_reuses_the_columns_of_the_call_before,
                 test_matvec_narrow_mode_matches_intmath_across_mode_changes,
                 test_matvec_counts_up_to_255_rows_in_every_mode, test_matvec_narrow_mode_is_cheaper):
        test(pair_bench)

    def t_states(rows, cols, shift=9, bias=None, x=0):
        return run_matvec(pair_bench, np.zeros((rows, cols)), np.full(cols, x), bias, shift)[1]

    def figures(x):
        return {(32, 32): t_states(32, 32, x=x), (64, 32): t_states(64, 32, bias=np.zeros(64), x=x),
                (32, 64): t_states(32, 64, x=x), (128, 32): t_states(128, 32, x=x)}

    def pair(x):
        # two more products, a slot pair (an even count's rows: no mv_odd_start)
        return t_states(2, 4, x=x) - t_states(2, 2, x=x) - t_states(1, 4, x=x) + t_states(1, 2, x=x)

    t_states(1, 1, x=256)
    full = figures(256)
    assert full == {(32, 32): 182_471, (64, 32): 358_060, (32, 64): 365_459, (128, 32): 685_415}
    assert pair(256) == 2 * 138 + 16 + 10       # each in its slot, the even one's IXL and IYL, a pop
    assert t_states(32, 32, shift=10, x=256) - full[(32, 32)] == 32 * 24
    # (the first narrow call, 32x32, runs the pass again: it expected full)
    assert figures(0) == {(32, 32): 117_107, (64, 32): 202_871, (32, 64): 206_968, (128, 32): 379_762}
    assert pair(0) == 2 * (69 + 5) + 10         # two low pieces and half a pop each, one jp


def test_matvec_with_the_pairs_jps_kept_matches_intmath_and_skips_the_checks(pair_bench):
    """MV_PAIR_JPS_KEPT (the 48K player's since the twenty-first round, where it fits): every matvec
    test above on its bench (full calls between narrow ones: every pair's jps written back after
    mv_restore_high), and a narrow call of one-piece columns after another: the column pass leaves
    each pair as it is, without MV_PAIR_SLOTS' checks of its even and odd jp (45 and 50 T-states),
    less mv_pairs_back's look at an empty list and its call (134: since the merge with MV_GATE_PASS only an
    exact pass that expects narrow mode calls it, push ix and pop ix around it; 113 on zxlow48)."""
    kept = Z80Bench(options=PAIR_SLOTS_OPTION + "\n" + PAIR_JPS_KEPT_OPTION)
    for test in (test_matvec_matches_intmath_on_random_cases, test_matvec_saturates_both_ways,
                 test_matvec_floors_negative_sums, test_matvec_takes_every_split_edge,
                 test_matvec_again_reuses_the_columns_of_the_call_before,
                 test_matvec_narrow_mode_matches_intmath_across_mode_changes,
                 test_matvec_counts_up_to_255_rows_in_every_mode, test_matvec_narrow_mode_is_cheaper):
        test(kept)

    def narrow_again(bench):
        w, x = np.ones((32, 32)), np.ones(32)
        run_matvec(bench, w, x, None, 9)
        return run_matvec(bench, w, x, None, 9)[1]

    assert narrow_again(pair_bench) - narrow_again(kept) == 16 * (45 + 50) - 134


def test_low_slots_make_a_one_piece_product_cheaper(bench, low_bench):
    """A one-piece product in a low slot: no jp over a high piece (10 T-states less; its S(w + l)
    added a byte into A and a byte with the carry into HL, as mv_slots' without MV_LOW_SLOTS
    since the sixteenth round, 3 less before); and a
    narrow call of few wide columns, each with h = +-1 (the low slots' blocks; a call with
    another h runs the main slots narrow), is cheaper than without the low slots."""
    def t_states(on, rows, cols):
        return run_matvec(on, np.zeros((rows, cols)), np.zeros(cols), None, 9)[1]

    def product(on):
        # after a narrow call over every slot, whatever ran before (as the header's test):
        # a narrow call writes a slot's jp only where the slot lacks one
        t_states(on, 32, 64)
        return t_states(on, 2, 2) - t_states(on, 2, 1) - t_states(on, 1, 2) + t_states(on, 1, 1)

    assert product(bench) - product(low_bench) == 10   # (13 before mv_slots' H:L:A form, sixteenth round)
    rng = np.random.default_rng(2033)
    w = rng.integers(-128, 128, (64, 32))
    for wide in range(low_bench.sym("MV_LOW_WIDE_MAX") + 1):
        x = rng.integers(-127, 129, 32)
        x[rng.choice(32, wide, replace=False)] = rng.choice([-383, -129, -128, 129, 256, 384], wide)
        assert run_matvec(low_bench, w, x, None, 9)[1] < run_matvec(bench, w, x, None, 9)[1], wide


def words(bench, name, address, values):
    bench.write_words(address, values)
    bench.poke_word(bench.sym(name), address)


def test_arith_routines_match_python(bench):
    rng = np.random.default_rng(7)
    cpu = bench.cpu

    def signed32():
        value = cpu.de << 16 | cpu.hl
        return value - (1 << 32) if value >> 31 else value

    for a, b in [(-32768, -32768), (32767, -32768), (0, 5)] + [tuple(rng.integers(-32768, 32768, 2)) for _ in range(60)]:
        cpu.bc, cpu.de = int(a) & 0xFFFF, int(b) & 0xFFFF
        bench.call("mul16s")
        assert signed32() == int(a) * int(b)
    # multipliers of 256..1023 take mul16u's short second passes (a high byte of 1, or 2..3)
    for a, b in [(65535, 65535), (65535, 255), (255, 65535), (0, 65535), (1, 256), (65535, 511), (65535, 512),
                 (65535, 1023), (65535, 1024)] + [tuple(rng.integers(0, 65536, 2)) for _ in range(60)] + \
            [(int(rng.integers(0, 65536)), int(rng.integers(256, 1024))) for _ in range(60)]:
        cpu.bc, cpu.de = int(a), int(b)
        bench.call("mul16u")
        assert cpu.de << 16 | cpu.hl == int(a) * int(b) and cpu.bc == a, (a, b)
        assert bool(cpu.f & 0x40) == (cpu.d == 0), (a, b)     # Z: the product's top byte is 0 (the old dot's narrow adds)
    for a, c in [(-32768, 255), (32767, 255), (-1, 1), (5, 0)] + [(int(rng.integers(-32768, 32768)), int(rng.integers(0, 256)))
                                                                for _ in range(60)]:
        cpu.de, cpu.bc = a & 0xFFFF, c
        bench.call("mul16s8u")
        assert signed32() == a * c and cpu.bc == c, (a, c)
    for n, d in [(-7, 2), (-2**29, 1), (2**29 - 1, 5100), (-1, 1)] + \
            [(int(rng.integers(-2**29, 2**29)), int(rng.integers(1, 5101))) for _ in range(60)]:
        if abs(n // d) >= 2**16:
            continue
        cpu.de, cpu.hl, cpu.bc = (n >> 16) & 0xFFFF, n & 0xFFFF, d
        bench.call("div32s_floor_q16")
        assert signed32() == n // d, (n, d)
    # quotients either side of 256 (below it, 8 rounds), as the attention means mostly have
    for d in [1, 2, 255, 256, 257, 5100] + [int(v) for v in rng.integers(1, 32768, 12)]:
        for n in sorted({255 * d, 256 * d - 1, 256 * d, 256 * d + 1, int(rng.integers(0, 256 * d)),
                         int(rng.integers(256 * d, min(65536 * d, 2**31)))}):
            for value in (n, -n, -n - 1):
                cpu.de, cpu.hl, cpu.bc = (value >> 16) & 0xFFFF, value & 0xFFFF, d
                bench.call("div32s_floor_q16")
                assert signed32() == value // d, (value, d)
    for n, d in [(-1, 1), (-7, 2), (2**31 - 1, 1), (-2**31, 65535)] + \
            [(int(rng.integers(-2**31, 2**31)), int(rng.integers(1, 65536))) for _ in range(60)]:
        cpu.de, cpu.hl, cpu.bc = (n >> 16) & 0xFFFF, n & 0xFFFF, d
        bench.call("div32s_floor")
        assert signed32() == n // d, (n, d)
    for m in [0, 1, 3, 4, 2**22, 2**24 - 1] + [int(v) for v in rng.integers(0, 2**24, 60)]:
        bench.poke(bench.sym("isq_m"), m.to_bytes(4, "little"))
        bench.call("isqrt24")
        assert cpu.hl == intmath.isqrt(m), m


def test_rmsnorm_matches_intmath(bench):
    rng = np.random.default_rng(8)
    for case in range(30):
        scale = (15, 3000, 32767)[case % 3]
        x = rng.integers(-scale - 1, scale + 1, 32) if case else np.zeros(32, dtype=np.int64)
        if case == 1:   # around the squares table's edge: x >> 4 = -256, -255, 255, 256
            x = rng.choice([-4096, -4081, -4080, -4065, 4080, 4095, 4096, -1, 15, 16, -32768, 32767], 32)
        gain = rng.integers(-128, 128, 32)
        shift = int(rng.integers(0, 9))
        words(bench, "rn_x", 0xA000, x)
        bench.poke(0xA100, (gain & 0xFF).astype(np.uint8).tobytes())
        bench.poke_word(bench.sym("rn_gain"), 0xA100)
        bench.poke(bench.sym("rn_shift"), [shift])
        bench.poke_word(bench.sym("rn_out"), 0xA200)
        bench.call("rmsnorm")
        assert np.array_equal(bench.read_words(0xA200, 32), intmath.rmsnorm(x, gain, shift)), case



def test_rmsnorm_fixed_gains_take_the_short_path_and_match_intmath(bench):
    """Gains all 2^shift (a fixed-gain soul's norms) skip the gain product; any other gain does not."""
    rng = np.random.default_rng(10)

    def run(x, gain, shift, out=0xA200):
        words(bench, "rn_x", 0xA000, x)
        bench.poke(0xA100, (gain & 0xFF).astype(np.uint8).tobytes())
        bench.poke_word(bench.sym("rn_gain"), 0xA100)
        bench.poke(bench.sym("rn_shift"), [shift])
        bench.poke_word(bench.sym("rn_out"), out)
        return bench.call("rmsnorm")

    for case in range(24):
        shift = case % 9
        x = rng.integers(-32768, 32768, 32) if case % 2 else rng.integers(-1000, 1000, 32)
        gain = np.full(32, (1 << shift) if shift < 7 else -128)
        unit = run(x, gain, shift)
        assert np.array_equal(bench.read_words(0xA200, 32), intmath.rmsnorm(x, gain, shift)), case
        gain[int(rng.integers(0, 32))] ^= 1                 # one gain off 2^shift: the general path
        general = run(x, gain, shift)
        assert np.array_equal(bench.read_words(0xA200, 32), intmath.rmsnorm(x, gain, shift)), case
        if shift < 7:
            assert unit < general - 32 * 300, case
    x = rng.integers(-32768, 32768, 32)
    run(x, np.full(32, 64), 6, out=0xA000)                  # in place
    assert np.array_equal(bench.read_words(0xA000, 32), intmath.rmsnorm(x, np.full(32, 64), 6))



def test_rmsnorm_power_of_two_gains_below_one_shift_without_a_product(bench):
    """Gains all 2^a with a < shift (a narrowed soul's norms: 64 with shift 8) are a right
    shift of y by shift - a, floored like intmath; one gain off takes the general path."""
    rng = np.random.default_rng(12)
    for a in range(7):
        for shift in range(a, 16):
            x = rng.integers(-32768, 32768, 32) if shift % 2 else rng.integers(-1000, 1000, 32)
            gain = np.full(32, 1 << a)
            words(bench, "rn_x", 0xA000, x)
            bench.poke(0xA100, (gain & 0xFF).astype(np.uint8).tobytes())
            bench.poke_word(bench.sym("rn_gain"), 0xA100)
            bench.poke(bench.sym("rn_shift"), [shift])
            bench.poke_word(bench.sym("rn_out"), 0xA200)
            shifted = bench.call("rmsnorm")
            assert np.array_equal(bench.read_words(0xA200, 32), intmath.rmsnorm(x, gain, shift)), (a, shift)
            gain[5] += 1
            bench.poke(0xA100, (gain & 0xFF).astype(np.uint8).tobytes())
            general = bench.call("rmsnorm")
            assert np.array_equal(bench.read_words(0xA200, 32), intmath.rmsnorm(x, gain, shift)), (a, shift)
            assert shifted < general - 32 * 300, (a, shift)


def test_rmsnorm_roots_either_side_of_the_clamp(bench):
    """x = +-16r gives a root r: up to 8, 2^19 / r needs 17 bits (inv clamps to 32767); above, 16 rounds."""
    rng = np.random.default_rng(12)
    for root in range(1, 40):
        x = 16 * root * rng.choice([-1, 1], 32)
        gain = rng.integers(-128, 128, 32)
        words(bench, "rn_x", 0xA000, x)
        bench.poke(0xA100, (gain & 0xFF).astype(np.uint8).tobytes())
        bench.poke_word(bench.sym("rn_gain"), 0xA100)
        bench.poke(bench.sym("rn_shift"), [7])
        bench.poke_word(bench.sym("rn_out"), 0xA200)
        bench.call("rmsnorm")
        assert np.array_equal(bench.read_words(0xA200, 32), intmath.rmsnorm(x, gain, 7)), root

def rmsnorm_with_gains_of(bench, x, a, shift, out=0xA200) -> int:
    """rmsnorm on the bench: x at $A000, every gain 2^a at $A100, the output at `out`; its T-states."""
    words(bench, "rn_x", 0xA000, x)
    bench.poke(0xA100, bytes([1 << a] * 32))
    bench.poke_word(bench.sym("rn_gain"), 0xA100)
    bench.poke(bench.sym("rn_shift"), [shift])
    bench.poke_word(bench.sym("rn_out"), out)
    return bench.call("rmsnorm")


@pytest.mark.parametrize("option", ["", CLAMPED_UNIT_OPTION])
def test_rmsnorm_clamped_inverse_takes_no_product(option):
    """Fixed gains with a root of 16 or less (inv = 32767: y = x - 1 for x > 0, x otherwise) run
    without mul16s, in the loop (the 48K's) or in a loop of their own (RN_CLAMPED_UNIT, the 128K's):
    bit for bit intmath, in place too, and cheaper than a root of 17 by more than a product an element."""
    bench = Z80Bench(options=option)
    rng = np.random.default_rng(14)

    def run(x, a, shift, out=0xA200):
        return rmsnorm_with_gains_of(bench, x, a, shift, out)

    costs = {}
    unit_shifts = ((6, 8), (3, 3), (0, 7), (0, 15), (1, 22))      # y >> 2, 0, 7, 15 and 21 (past the unrolled 15)
    for root in list(range(0, 20)) + [40]:
        for a, shift in unit_shifts:
            x = 16 * root * rng.choice([-1, 1], 32) + rng.integers(0, 16, 32)   # the root stays `root`
            x[:3] = (0, 1, -1) if root < 2 else x[:3]
            costs[root, a, shift] = run(x, a, shift)
            assert np.array_equal(bench.read_words(0xA200, 32), intmath.rmsnorm(x, np.full(32, 1 << a), shift)), (root, a)
            assert int(intmath.isqrt(max(1, int(np.sum((x >> 4) ** 2)) // 32))) == max(root, 1) or root == 0, root
    for a, shift in unit_shifts:
        assert costs[16, a, shift] < costs[17, a, shift] - 32 * 250, (a, shift)
    x = rng.integers(-200, 200, 32)
    run(x, 6, 8, out=0xA000)                                 # in place
    assert np.array_equal(bench.read_words(0xA000, 32), intmath.rmsnorm(x, np.full(32, 64), 8))
    run(x, 6, 8, out=0xA1F0)                                 # out across a page (the loop ends on its low byte)
    assert np.array_equal(bench.read_words(0xA1F0, 32), intmath.rmsnorm(x, np.full(32, 64), 8))


def test_rmsnorm_unit_gains_take_mul16u_straight_with_clamped_unit():
    """RN_CLAMPED_UNIT's fixed gains below the clamp (a root of 17 or more): y = (x * inv) >> 15
    through mul16u with no signs taken apart (inv > 0), x = -32768 and 32767 among them, then the
    clamped loop's shifts: bit for bit intmath, and cheaper than the 48K's mul16s loop by 100
    T-states an element for |x| below 4096 (the residual's sizes, x's high byte mostly below
    inv's: mul16u straight, with no mul16u_smaller compare, takes x as its multiplier). A
    full-range x's large root leaves inv's high byte the smaller, where mul16s's swap is the
    faster (~110 T-states an element): those cases check bit for bit only."""
    fast, plain = Z80Bench(options=CLAMPED_UNIT_OPTION), Z80Bench()
    rng = np.random.default_rng(18)
    for case in range(12):
        x = rng.integers(-(1200, 4000, 32768)[case % 3], (1200, 4000, 32768)[case % 3], 32)
        x[:2] = (-32768, 32767) if case % 3 == 2 else x[:2]
        a, shift = ((6, 8), (0, 7), (3, 3), (1, 22))[case % 4]
        costs = []
        for bench in (fast, plain):
            words(bench, "rn_x", 0xA000, x)
            bench.poke(0xA100, bytes([1 << a] * 32))
            bench.poke_word(bench.sym("rn_gain"), 0xA100)
            bench.poke(bench.sym("rn_shift"), [shift])
            bench.poke_word(bench.sym("rn_out"), 0xA200)
            costs.append(bench.call("rmsnorm"))
            assert np.array_equal(bench.read_words(0xA200, 32), intmath.rmsnorm(x, np.full(32, 1 << a), shift)), case
        root = int(intmath.isqrt(max(1, int(np.sum((x >> 4) ** 2)) // 32)))
        assert root > 16, case                                                      # not clamped
        if case % 3 != 2:                                                           # |x| < 4096: the residual's sizes
            assert costs[0] < costs[1] - 32 * 100, (case, costs)


@pytest.mark.parametrize("fast_squares", [False, True])
def test_rmsnorm_short_shifts_leave_longer_unit_shifts_to_the_general_path(fast_squares):
    """RN_SHORT_SHIFTS (both players' RN_CLAMPED_UNIT: the 48K's since the sixteenth round, the
    128K's since the eighteenth): the clamped and unit loops unroll 2 shifts, so gains of 2^a take
    them for shift - a <= 2 (a narrowed soul's 2 among them), and the general path (gain products)
    above: bit for bit intmath either side of the clamp, in place and out across a page too, and
    the short loops cheaper than the general path by 150 T-states an element. With RN_FAST_SQUARES
    (the 128K's: the clamped loop pops x with SP, both loops with interrupts off) the interrupts
    and SP are left as they were found."""
    options = [CLAMPED_UNIT_OPTION, SHORT_SHIFTS_OPTION]
    options += [FAST_SCORES_OPTION, FAST_MEANS_OPTION, FAST_SQUARES_OPTION] if fast_squares else []
    bench = Z80Bench(options="\n".join(options))
    rng = np.random.default_rng(19)

    def run(x, a, shift, out=0xA200, interrupts=False):
        words(bench, "rn_x", 0xA000, x)
        bench.poke(0xA100, bytes([1 << a] * 32))
        bench.poke_word(bench.sym("rn_gain"), 0xA100)
        bench.poke(bench.sym("rn_shift"), [shift])
        bench.poke_word(bench.sym("rn_out"), out)
        cost = bench.call("rmsnorm", interrupts=interrupts)
        assert bench.cpu.iff1 == bench.cpu.iff2 == interrupts and bench.cpu.sp == bench.stack_top
        return cost

    for root in (3, 16, 17, 40, 300):
        costs = {}
        for unit_shift in range(6):
            a = 6 if unit_shift < 3 else 1
            x = 16 * root * rng.choice([-1, 1], 32) + rng.integers(0, 16, 32)   # the root stays `root`
            x[:2] = (-16 * root - 5, 16 * root + 7)
            costs[unit_shift] = run(x, a, a + unit_shift, interrupts=bool(unit_shift % 2))
            assert np.array_equal(bench.read_words(0xA200, 32),
                                  intmath.rmsnorm(x, np.full(32, 1 << a), a + unit_shift)), (root, unit_shift)
        assert max(costs[0], costs[1], costs[2]) < min(costs[3], costs[4], costs[5]) - 32 * 150, (root, costs)
        for out in (0xA000, 0xA1F0):                         # in place, and out across a page
            x = 16 * root * rng.choice([-1, 1], 32) + rng.integers(0, 16, 32)
            run(x, 6, 8, out=out, interrupts=out == 0xA000)
            assert np.array_equal(bench.read_words(out, 32), intmath.rmsnorm(x, np.full(32, 64), 8)), (root, out)


@pytest.mark.parametrize("short", [True, False])
def test_rmsnorm_unit_gain_bits_leave_out_the_check_and_general_path(short):
    """RN_UNIT_GAIN_BITS = a (a player whose soul's every norm gain is 2^a, 0 <= shift - a, within
    RN_SHORT_SHIFTS where it has them: build.unit_gain_bits): shift - a taken straight, no check of
    the gains and no general path. Bit for bit intmath for every unit shift the option is given for,
    either side of the clamp, in place too; ~1,000 T-states a call cheaper than the check it leaves
    out (a's bit found, 16 rounds of two compares) and over 100 bytes smaller. It fails if the unit
    shift is off by one or a is not the option's."""
    options = [CLAMPED_UNIT_OPTION] + [SHORT_SHIFTS_OPTION] * short
    checked = Z80Bench(options="\n".join(options))
    rng = np.random.default_rng(20)
    for a in (0, 6):
        unit = Z80Bench(options="\n".join(options + [f"RN_UNIT_GAIN_BITS = {a}"]))
        assert "rmsnorm@general" in checked.symbols and "rmsnorm@general" not in unit.symbols
        assert checked.program.end - unit.program.end > 100
        for root in (3, 16, 17, 300):
            for unit_shift in ((0, 1, 2) if short else (0, 1, 2, 7, 14, 15, 16, 22)):
                x = 16 * root * rng.choice([-1, 1], 32) + rng.integers(0, 16, 32)   # the root stays `root`
                x[:2] = (-16 * root - 5, 16 * root + 7)
                costs = [rmsnorm_with_gains_of(bench, x, a, a + unit_shift) for bench in (unit, checked)]
                for bench in (unit, checked):
                    assert np.array_equal(bench.read_words(0xA200, 32),
                                          intmath.rmsnorm(x, np.full(32, 1 << a), a + unit_shift)), (a, root, unit_shift)
                assert costs[0] < costs[1] - 900, (a, root, unit_shift, costs)
        x = rng.integers(-3000, 3000, 32)
        rmsnorm_with_gains_of(unit, x, a, a + 2, out=0xA000)         # in place
        assert np.array_equal(unit.read_words(0xA000, 32), intmath.rmsnorm(x, np.full(32, 1 << a), a + 2))


FAST_SQUARES_EDGES = [-32768, -4097, -4096, -4081, -4080, -4065, -17, -16, -1, 0, 15, 16, 4080, 4095, 4096, 32767]


def fast_squares_case(rng, case: int):
    """RN_FAST_SQUARES's tests' case: x of three sizes (every fourth from the table's edges,
    x >> 4 = -256, -255, 255, 256 and beyond), gains of 64 at shift 8 or random ones and shift."""
    x = rng.integers(-(2000, 4200, 32768)[case % 3], (2000, 4200, 32768)[case % 3], 32)
    if case % 4 == 1:
        x = rng.choice(FAST_SQUARES_EDGES, 32)
    gain = rng.integers(-128, 128, 32) if case % 2 else np.full(32, 64)
    shift = int(rng.integers(0, 9)) if case % 2 else 8
    return x, gain, shift


def checked_rmsnorm(bench, x, gain, shift: int, case) -> int:
    """rmsnorm of x (at $A000, gains at $A100, out at $A200) on the bench, bit for bit intmath's;
    its T-states."""
    words(bench, "rn_x", 0xA000, x)
    bench.poke(0xA100, (gain & 0xFF).astype(np.uint8).tobytes())
    bench.poke_word(bench.sym("rn_gain"), 0xA100)
    bench.poke(bench.sym("rn_shift"), [shift])
    bench.poke_word(bench.sym("rn_out"), 0xA200)
    took = bench.call("rmsnorm")
    assert np.array_equal(bench.read_words(0xA200, 32), intmath.rmsnorm(x, gain, shift)), case
    return took


def test_rmsnorm_fast_squares_match_intmath():
    """RN_FAST_SQUARES (the 128K's): (x >> 4)^2 from AT_FAST_MEANS's table for x >> 4 in -255..255,
    mul16s past it; x at the table's edges (x >> 4 = -256, -255, 255, 256) and beyond, gains of every
    kind, against intmath, and cheaper than the shifts and the matvec table's reads."""
    fast = Z80Bench(options="\n".join([FAST_SCORES_OPTION, FAST_MEANS_OPTION, FAST_SQUARES_OPTION]))
    plain = Z80Bench()
    rng = np.random.default_rng(16)
    costs = {}
    for case in range(30):
        x, gain, shift = fast_squares_case(rng, case)
        for name, bench in (("fast", fast), ("plain", plain)):
            costs[name, case] = checked_rmsnorm(bench, x, gain, shift, (name, case))
        if case % 3 == 0 and case % 4 != 1:                 # every x >> 4 within -125..124
            assert costs["fast", case] < costs["plain", case] - 32 * 4, case      # (4.7-8.3 measured since the
                                                                                  # plain loop's one page, thirty-seventh round;
                                                                                  # 35 before it, 60 before the plain loop
                                                                                  # popped x, twenty-third round)


def test_rmsnorm_swapped_squares_match_intmath_and_save_four_rotations_an_element():
    """RN_SWAPPED_SQUARES (the 128K player's, eighteenth round): rn_swap_squares copies AT_FAST_MEANS's
    table to that page with each page's entries in nibble-swapped order, and RN_FAST_SQUARES's loop
    reads it with x >> 4's byte as the xor/and/xor leaves it, with no four rrca's: bit for bit
    intmath at the table's edges, beyond them (the wide path makes x >> 4's byte for mul16s) and
    for every kind of gain, 16 T-states a table element cheaper (a wide one the same: since the
    nineteenth round each path makes its own byte). It fails with the copy's pages or its swap
    off, or a wide x's nibbles left swapped."""
    fast_options = [FAST_SCORES_OPTION, FAST_MEANS_OPTION, FAST_SQUARES_OPTION]
    fast = Z80Bench(options="\n".join(fast_options))
    swapped = Z80Bench("        rn_tables_routines", options="\n".join(fast_options + ["RN_SWAPPED_SQUARES = $E400"]))
    assert swapped.program.end <= 0xE400 and swapped.sym("RN_SQ_PAGE") == 0xE6
    swapped.call("rn_swap_squares")
    squares = swapped.sym("at_sq_table")
    table, original = swapped.peek(0xE400, 1024), swapped.peek(squares, 1024)
    assert any(original) and all(table[256 * page + s] == original[256 * page + ((s >> 4) | (s << 4 & 0xF0))]
                                 for page in range(4) for s in range(256))
    rng = np.random.default_rng(18)
    for case in range(30):
        x, gain, shift = fast_squares_case(rng, case)
        costs = {name: checked_rmsnorm(bench, x, gain, shift, (name, case))
                 for name, bench in (("fast", fast), ("swapped", swapped))}
        narrow = int(np.sum((x >= -3840) & (x < 4096)))    # (x's high byte $F1..$0F: the table's)
        assert costs["fast"] - costs["swapped"] == 16 * narrow, (case, costs)   # (a wide one makes its byte as either does)


def test_rmsnorm_squares_paired_match_intmath_and_take_one_djnz_a_round():
    """RN_SQUARES_PAIRED (the 128K player's, thirty-third round, zxlogit33): RN_FAST_SQUARES's loop two
    elements a round, the first's carry and wide paths ending at the second's start, its negative half
    followed by a copy of the second's positive path: bit for bit intmath at the table's edges, beyond
    them and for every kind of gain, and with no wide x exactly 16 djnz's (13 T-states each) less the
    jr past the first element's paths (12) cheaper a call (10 less where the last round's first is
    negative and its second not: that copy's jp past the loop). It fails with a round's count off, or
    the first element's paths going to the round's end (one element left out)."""
    options = [FAST_SCORES_OPTION, FAST_MEANS_OPTION, FAST_SQUARES_OPTION, "RN_SWAPPED_SQUARES = $E400"]
    benches = {name: Z80Bench("        rn_tables_routines", options="\n".join(options + extra))
               for name, extra in (("swapped", []), ("paired", ["RN_SQUARES_PAIRED = 1"]))}
    for bench in benches.values():
        bench.call("rn_swap_squares")
    rng = np.random.default_rng(34)
    narrow_calls = 0
    for case in range(40):
        x, gain, shift = fast_squares_case(rng, case)
        costs = {name: checked_rmsnorm(bench, x, gain, shift, (name, case)) for name, bench in benches.items()}
        if np.all((x >= -3840) & (x < 4096)):            # (x's high byte $F1..$0F: no wide one)
            narrow_calls += 1
            last_round_jp = 10 * (x[30] < 0 <= x[31])      # (the negative first's copy ends in a jp past the loop)
            assert costs["swapped"] - costs["paired"] == 16 * 13 - 12 - last_round_jp, (case, costs)
    assert narrow_calls >= 10


@pytest.mark.parametrize("unit_gain_bits", [False, True])
def test_rmsnorm_unit_products_through_the_tables_match_intmath(unit_gain_bits):
    """RN_UNIT_PRODUCTS (the 128K player's, eighteenth round): an unclamped norm's unit products
    through tables of inv's multiples made each call (rn_unit_products), x in -4096..4095, mul16u
    past it: bit for bit intmath at the tables' edges (x = -4097, -4096, 4095, 4096) and beyond,
    every x of the tables' range, for roots 17 (inv 30840) up, unit shifts 0..2, in place too, and cheaper than
    mul16u a norm of residual-sized words, the tables' making counted. It fails with a table's
    byte placed one entry off or the high byte's carry left out."""
    options = [FAST_SCORES_OPTION, FAST_MEANS_OPTION, FAST_SQUARES_OPTION, CLAMPED_UNIT_OPTION, SHORT_SHIFTS_OPTION]
    options += ["RN_UNIT_GAIN_BITS = 6"] * unit_gain_bits
    plain = Z80Bench(options="\n".join(options))
    tables = Z80Bench("        rn_tables_routines", options="\n".join(options + ["RN_UNIT_PRODUCTS = $E800"]))
    assert tables.program.end <= 0xE800
    rng = np.random.default_rng(21)
    edges = [-32768, -30000, -4097, -4096, -4095, -257, -256, -255, -17, -16, -1, 0, 1, 15, 16, 255, 256, 4095, 4096, 32767]
    for case in range(24):
        top = (300, 1000, 4000, 4096, 32768)[case % 5]
        x = rng.integers(-top, top, 32)
        if case % 6 == 5:
            x = rng.choice(edges, 32)
        x[:2] = (16 * 17 + 3, -16 * 17 - 3)          # (a root of 17 or more: no clamp)
        unit_shift = case % 3
        costs = [rmsnorm_with_gains_of(bench, x, 6, 6 + unit_shift) for bench in (plain, tables)]
        want = intmath.rmsnorm(x, np.full(32, 64), 6 + unit_shift)
        for bench in (plain, tables):
            assert np.array_equal(bench.read_words(0xA200, 32), want), (case, unit_shift)
        if top in (1000, 4000) and case % 6 != 5:     # (1,500: 3,000 before mul16u's rounds on HL = 0 and its
            assert costs[1] < costs[0] - 1500, (case, costs)   # D = 1..3 in place, nineteenth round: 1,864 at least)
    # every x in -4100..4099 (the tables' whole range and past its ends), 30 a call beside two
    # anchors that set the root from 17 up (inv from 30840 down: the bytes' carries differ)
    for call, start in enumerate(range(-4100, 4100, 30)):
        anchor = (280, 1000, 5000, 20000, 32767)[call % 5]
        x = np.r_[np.arange(start, start + 30), anchor, -anchor]
        unit_shift = call % 3
        rmsnorm_with_gains_of(tables, x, 6, 6 + unit_shift)
        assert np.array_equal(tables.read_words(0xA200, 32), intmath.rmsnorm(x, np.full(32, 64), 6 + unit_shift)), start
    x = rng.integers(-3000, 3000, 32)
    rmsnorm_with_gains_of(tables, x, 6, 8, out=0xA000)           # in place
    assert np.array_equal(tables.read_words(0xA000, 32), intmath.rmsnorm(x, np.full(32, 64), 8))


def test_rmsnorm_in_page_steps_x_and_out_by_their_low_bytes():
    """RN_IN_PAGE (the 128K player's, nineteenth round): with rn_x's and rn_out's 64 bytes each
    within a page (forward.s asserts it of fw_h and fw_xn) the unit loops step out by inc l (x is
    popped): bit for bit intmath, clamped and not, x inside and outside the products' tables'
    range, in place too and at a page's last 64 bytes (out's end byte wrapping to 0), and exactly
    2 T-states a step fewer (two steps an element, clamped or not). It fails with a step left as
    inc hl or an inc l where a page may be crossed."""
    options = [FAST_SCORES_OPTION, FAST_MEANS_OPTION, FAST_SQUARES_OPTION, CLAMPED_UNIT_OPTION, SHORT_SHIFTS_OPTION,
               "RN_UNIT_GAIN_BITS = 6", "RN_UNIT_PRODUCTS = $E800"]
    plain = Z80Bench("        rn_tables_routines", options="\n".join(options))
    in_page = Z80Bench("        rn_tables_routines", options="\n".join(options + ["RN_IN_PAGE = 1"]))
    rng = np.random.default_rng(29)

    def run(bench, x, x_at, out):
        words(bench, "rn_x", x_at, x)
        bench.poke(0xA100, bytes([64] * 32))
        bench.poke_word(bench.sym("rn_gain"), 0xA100)
        bench.poke(bench.sym("rn_shift"), [8])
        bench.poke_word(bench.sym("rn_out"), out)
        cost = bench.call("rmsnorm")
        assert np.array_equal(bench.read_words(out, 32), intmath.rmsnorm(x, np.full(32, 64), 8)), (x_at, out)
        return cost

    for case in range(12):
        root = (5, 16, 17, 40, 150)[case % 5]
        x = 16 * root * rng.choice([-1, 1], 32) + rng.integers(0, 16, 32)   # the root stays `root`
        if case % 4 == 3:
            x[5:9] = (-20000, 9000, 4096, -4097)                            # past the tables: mul16u
        x_at, out = ((0xA000, 0xA200), (0xA0C0, 0xA2C0), (0xA040, 0xA040))[case % 3]
        costs = [run(bench, x, x_at, out) for bench in (plain, in_page)]
        assert costs[0] - costs[1] == 32 * 4, (case, root, costs)


def unit_shift_forms_exact(plain, fixed_for, seed: int, least) -> None:
    """RN_UNIT_SHIFT = n for n = 0, 1, 2 (`fixed_for(n)`: its bench) against the patched form (`plain`): bit for bit
    intmath on x whose root is 5..150, clamped and not, every fourth with words past the tables (mul16s), in place
    too; the patched form dearer by more than least(n, clamped); and wrong where a call's shift is not 6 + n."""
    rng = np.random.default_rng(seed)
    for unit_shift in (0, 1, 2):
        fixed = fixed_for(unit_shift)
        for case in range(10):
            root = (5, 16, 17, 40, 150)[case % 5]
            x = 16 * root * rng.choice([-1, 1], 32) + rng.integers(0, 16, 32)   # the root stays `root`
            if case % 4 == 3:
                x[5:9] = (-20000, 9000, 4096, -4097)                            # past the tables: mul16s
                x[0] = -16 * root                                               # (x >> 4 squared as before)
            out = (0xA200, 0xA000)[case % 2]                                    # in place too
            want = intmath.rmsnorm(x, np.full(32, 64), 6 + unit_shift)
            costs = []
            for bench in (plain, fixed):
                costs.append(rmsnorm_with_gains_of(bench, x, 6, 6 + unit_shift, out=out))
                assert np.array_equal(bench.read_words(out, 32), want), (unit_shift, case, root)
            clamped = root <= 16 and case % 4 != 3
            assert costs[0] - costs[1] > least(unit_shift, clamped), (unit_shift, case, costs)
        x = 16 * 40 * rng.choice([-1, 1], 32) + rng.integers(0, 16, 32)
        for wrong in (unit_shift + 1, unit_shift - 1):                          # a call's shift it does not take
            if 0 <= wrong <= 2:
                rmsnorm_with_gains_of(fixed, x, 6, 6 + wrong)
                assert not np.array_equal(fixed.read_words(0xA200, 32), intmath.rmsnorm(x, np.full(32, 64), 6 + wrong))


def test_rmsnorm_unit_shift_takes_its_shifts_in_place():
    """RN_UNIT_SHIFT = n (the 128K player's, thirty-third round, zxlogit33: every norm's shift
    RN_UNIT_GAIN_BITS + n, build.unit_norm_shift): the unit loops take n shifts in place (no patched
    jump into them, no rn_unit_shift) and the clamped loop two elements a round. Bit for bit intmath
    for n = 0, 1, 2 (the shipped soul's 2), clamped and not, x inside and outside the products'
    tables' range, in place too; a clamped norm more than 25 T-states an element cheaper, an
    unclamped one more than 10 (for n = 0 only its patch's work: the doubling's jump stays). It
    fails where a call's shift is not 6 + n (the option reads none)."""
    options = [FAST_SCORES_OPTION, FAST_MEANS_OPTION, FAST_SQUARES_OPTION, CLAMPED_UNIT_OPTION, SHORT_SHIFTS_OPTION,
               "RN_UNIT_GAIN_BITS = 6", "RN_UNIT_PRODUCTS = $E800", "RN_IN_PAGE = 1"]

    def fixed_for(unit_shift):
        fixed = Z80Bench("        rn_tables_routines", options="\n".join(options + [f"RN_UNIT_SHIFT = {unit_shift}"]))
        assert "RN_TABLE_JUMP" in fixed.symbols and fixed.program.end <= 0xE800
        return fixed

    def least(unit_shift, clamped):     # (n = 0 unclamped: its jump stays, to table_doubled: the patch goes)
        return 32 * 25 if clamped else 32 * 10 if unit_shift else 50
    unit_shift_forms_exact(Z80Bench("        rn_tables_routines", options="\n".join(options)), fixed_for, 33, least)


def test_rmsnorm_unit_shift_48k_takes_its_shifts_in_place():
    """RN_UNIT_SHIFT = n in the 48K player's form (thirty-third round, zx48norm33: no RN_FAST_SQUARES, no
    RN_UNIT_PRODUCTS): the clamped loop takes its n shifts in place, two elements a round, and the
    unclamped loop (mul16u) its n - 1 (or its doubling for n = 0) with its own store and end test, with
    no patched jumps. Bit for bit intmath for n = 0, 1, 2 (the shipped soul's 2), clamped and not, wide x
    (mul16s's squares; mul16u's long pass), in place too; a clamped norm more than 20 T-states an element
    cheaper than the patched form, an unclamped one more than 10, the form shorter; it fails where a
    call's shift is not 6 + n (the option reads none)."""
    options = [CLAMPED_UNIT_OPTION, SHORT_SHIFTS_OPTION, "RN_UNIT_GAIN_BITS = 6"]
    plain = Z80Bench(options="\n".join(options))

    def fixed_for(unit_shift):
        fixed = Z80Bench(options="\n".join(options + [f"RN_UNIT_SHIFT = {unit_shift}"]))
        assert "rmsnorm@unit_end" in fixed.symbols and "rmsnorm@clamped_jump" not in fixed.symbols
        assert fixed.program.end < plain.program.end, unit_shift
        return fixed
    unit_shift_forms_exact(plain, fixed_for, 48, lambda unit_shift, clamped: 32 * (20 if clamped else 10))


def test_rmsnorm_unit_pushed_48k_pushes_y_from_outs_end():
    """RN_UNIT_PUSHED (the 48K player's, thirty-fifth round, zx48fixed35: with RN_UNIT_SHIFT = n >= 1): both unit
    loops read x from its end and push each y into out from out's end after one set-up, the unclamped one with inv
    in BC for every element, its negative x floored by P's low word (no neg32). Bit for bit intmath for n = 1 and 2 (the
    shipped soul's), roots 5..150 (clamped and not), wide words (-32768, 32767: mul16u's long pass, the
    squares' mul16s), out apart from x and right above it (fw_norm's layout); x untouched but for its last two
    words where out lies right above it, nothing else written but out and the 4 bytes below it; an unclamped
    norm more than 50 T-states an element cheaper than RN_UNIT_SHIFT's loop alone, a clamped one more than 5;
    without RN_UNIT_SHIFT >= 1 it does not assemble."""
    options = [CLAMPED_UNIT_OPTION, SHORT_SHIFTS_OPTION, "RN_UNIT_GAIN_BITS = 6"]
    rng = np.random.default_rng(35)
    for unit_shift in (1, 2):
        shifted = Z80Bench(options="\n".join(options + [f"RN_UNIT_SHIFT = {unit_shift}"]))
        pushed = Z80Bench(options="\n".join(options + [f"RN_UNIT_SHIFT = {unit_shift}", "RN_UNIT_PUSHED = 1"]))
        assert "rmsnorm@unit_negative" in pushed.symbols and "rmsnorm@unit_inv" not in pushed.symbols
        for case in range(20):
            root = (5, 16, 17, 40, 150)[case % 5]
            x = 16 * root * rng.choice([-1, 1], 32) + rng.integers(0, 16, 32)   # the root stays `root`
            if case % 4 == 3:
                x[[0, 1, 7, 30, 31]] = (-32768, 32767, -20000, 9000, -4097)    # wide: the first two elements' too
            want = intmath.rmsnorm(x, np.full(32, 64), 6 + unit_shift)
            out = (0xA200, 0xA040)[case % 2]            # apart, and right above x (fw_h and fw_xn)
            costs = []
            for bench in (shifted, pushed):
                bench.memory[0x9F00:0xA400] = bytes(rng.integers(0, 256, 0x500, dtype=np.uint8))
                bench.write_words(0xA000, x)
                bench.poke(0xA100, bytes([64] * 32))        # (rmsnorm_with_gains_of's x and gains, as it writes them)
                before = bytes(bench.memory[0x9F00:0xA400])
                costs.append(rmsnorm_with_gains_of(bench, x, 6, 6 + unit_shift, out=out))
                assert np.array_equal(bench.read_words(out, 32), want), (unit_shift, case, root)
            after = bytes(pushed.memory[0x9F00:0xA400])
            kept_x = 60 if out == 0xA040 else 64         # (x's last two words: fw_norm_kept puts them back)
            assert after[0x100:0x100 + kept_x] == before[0x100:0x100 + kept_x], (unit_shift, case)
            written = set(range(out - 4 - 0x9F00, out + 64 - 0x9F00)) | set(range(0x100, 0x140))
            assert all(after[i] == before[i] for i in range(len(after)) if i not in written), (unit_shift, case)
            unclamped = root > 16 or case % 4 == 3
            assert costs[0] - costs[1] > 32 * (50 if unclamped else 5), (unit_shift, case, costs)
    with pytest.raises(AsmError):
        Z80Bench(options="\n".join(options + ["RN_UNIT_SHIFT = 0", "RN_UNIT_PUSHED = 1"]))



def test_rmsnorm_48k_unit_products_from_the_screens_middle_third():
    """The 48K's RN_UNIT_PRODUCTS (thirty-eighth round, zx48norms38: with RN_UNIT_PUSHED's set-up and clamped loop,
    RN_PRODUCTS_HIGH = 8, the tables at build.NORM_PRODUCTS_48K): an unclamped norm makes its two pages of inv's
    multiples there and reads them (rn_table_loop after rmsnorm), x outside -2048..2047 by mul16s. Bit for bit
    intmath for roots 5..150 (clamped and not), x at the tables' edges (-2049, -2048, 2047, 2048) and wide (-32768,
    32767), out apart from x and right above it; nothing written but out and the tables' first bytes (t's 24 entries,
    the sixteens' 16; the stack's words below the bench's stack top aside), x untouched; an unclamped norm of words
    below 1,024 more than 1,500 T-states cheaper than mul16u's loop, a clamped one the same loop (13 fewer: no
    unit loop's end patched)."""
    options = [CLAMPED_UNIT_OPTION, SHORT_SHIFTS_OPTION, "RN_UNIT_GAIN_BITS = 6", "RN_UNIT_SHIFT = 2", "RN_UNIT_PUSHED = 1"]
    pushed = Z80Bench(options="\n".join(options))
    products = Z80Bench(options="\n".join(options + [f"RN_UNIT_PRODUCTS = ${NORM_PRODUCTS_48K:04X}",
                                                     f"RN_PRODUCTS_HIGH = {NORM_PRODUCTS_HIGH_48K}"]))
    assert "rn_table_loop" in products.symbols and "rmsnorm@unit_end" not in products.symbols
    assert "rmsnorm@table_done" not in products.symbols and products.sym("RN_PRODUCTS_FIRST") == 8
    tables = range(NORM_PRODUCTS_48K, NORM_PRODUCTS_48K + 0x200)
    made = set(range(NORM_PRODUCTS_48K, NORM_PRODUCTS_48K + 4 * 24)) | set(range(NORM_PRODUCTS_48K + 0x100,
                                                                                NORM_PRODUCTS_48K + 0x100 + 4 * 16))
    rng = np.random.default_rng(38)
    for case in range(24):
        root = (5, 16, 17, 40, 63, 150)[case % 6]
        x = 16 * root * rng.choice([-1, 1], 32) + rng.integers(0, 16, 32)   # the root stays `root`
        if case % 4 == 1:
            x = rng.integers(-1024, 1024, 32)
            x[:2] = (16 * 40, -16 * 40)
        if case % 4 == 3:
            x[[0, 1, 6, 7, 8, 9, 30, 31]] = (-32768, 32767, -2049, -2048, 2047, 2048, -4097, 4096)
        want = intmath.rmsnorm(x, np.full(32, 64), 8)
        out = (0xA200, 0xA040)[case % 2]
        costs = []
        for bench in (pushed, products):
            bench.memory[0x9F00:0xA400] = bytes(rng.integers(0, 256, 0x500, dtype=np.uint8))
            bench.memory[tables.start:tables.stop] = bytes(rng.integers(0, 256, len(tables), dtype=np.uint8))
            bench.write_words(0xA000, x)
            bench.poke(0xA100, bytes([64] * 32))
            before = bytes(bench.memory[0x9F00:0xA400]), bytes(bench.memory[tables.start:tables.stop])
            costs.append(rmsnorm_with_gains_of(bench, x, 6, 8, out=out))
            assert np.array_equal(bench.read_words(out, 32), want), (case, root)
        after = bytes(products.memory[0x9F00:0xA400]), bytes(products.memory[tables.start:tables.stop])
        written = set(range(out - 0x9F00, out + 64 - 0x9F00))
        assert all(after[0][i] == before[0][i] for i in range(len(after[0])) if i not in written), case
        assert all(after[1][i] == before[1][i] for i in range(len(tables)) if tables.start + i not in made), case
        xs = x >> 4
        unclamped = intmath.isqrt(max(1, int(xs @ xs) // 32)) > 16
        if unclamped and np.all(np.abs(x) < 1024):
            assert costs[0] - costs[1] > 1500, (case, costs)
        if not unclamped:
            assert costs[0] - costs[1] == 13, (case, costs)     # (no unit loop's end patched: ld (nn),a)

def test_rmsnorm_48k_squares_from_one_page_of_matvecs_table():
    """The 48K's squares loop (no RN_FAST_SQUARES; thirty-seventh round, zx48embnorm37): x >> 4 in -128..127 (x's
    high byte plus 8 below $10) reads S(n) from MV_SQ_PAGE's byte n + 127 (n = -128 wrapping to 255: S(128)), a
    wider x by mul16s. Bit for bit intmath at every edge (x >> 4 = -129, -128, -127, 127, 128 and the words
    either side), with the 48K player's options and the plain ones, gains of every kind; a clamped norm of
    the 48K's options under 8,320 T-states (8,299 measured: 9,419 with the 16-bit index into the three pages)."""
    edges = [-4097, -4096, -2065, -2064, -2049, -2048, -2047, -2033, -2032, -2031, -17, -16, -1, 0, 15, 16,
             2031, 2032, 2047, 2048, 2049, 2063, 2064, 4095, 4096, -32768, 32767]
    player = Z80Bench(options="\n".join([CLAMPED_UNIT_OPTION, SHORT_SHIFTS_OPTION, "RN_UNIT_GAIN_BITS = 6",
                                         "RN_UNIT_SHIFT = 2", "RN_UNIT_PUSHED = 1"]))
    plain = Z80Bench()
    rng = np.random.default_rng(37)
    for case in range(24):
        x = rng.choice(edges, 32)
        if case % 3 == 1:           # small words and a few at the edges
            x = rng.integers(-40, 40, 32)
            x[rng.integers(0, 32, 3)] = rng.choice(edges, 3)
        if case % 3 == 2:
            x = rng.integers(-2100, 2100, 32)
        checked_rmsnorm(plain, x, rng.integers(-128, 128, 32), int(rng.integers(0, 9)), ("plain", case))
        want = intmath.rmsnorm(x, np.full(32, 64), 8)
        rmsnorm_with_gains_of(player, x, 6, 8)
        assert np.array_equal(player.read_words(0xA200, 32), want), case
    x = 16 * 5 * rng.choice([-1, 1], 32) + rng.integers(0, 16, 32)      # a root of 5: clamped
    assert rmsnorm_with_gains_of(player, x, 6, 8) < 8_320
    assert np.array_equal(player.read_words(0xA200, 32), intmath.rmsnorm(x, np.full(32, 64), 8))


def test_vector_steps_match_intmath(bench):
    rng = np.random.default_rng(9)
    for case in range(20):
        a, b = rng.integers(-32768, 32768, (2, 32))
        words(bench, "va_a", 0xA000, a)
        words(bench, "va_b", 0xA040, b)
        bench.poke(bench.sym("va_n"), [32])
        bench.call("vec_add_sat")
        assert np.array_equal(bench.read_words(0xA000, 32), intmath.sat16(a + b))
        bench.write_words(0xA000, a)
        bench.call("vec_relu")
        assert np.array_equal(bench.read_words(0xA000, 32), intmath.relu(a))
        logits = rng.integers(-3, 3, 128) if case % 2 else rng.integers(-32768, 32768, 128)
        words(bench, "am_logits", 0xA100, logits)
        bench.call("argmax")
        assert bench.cpu.a == intmath.argmax_token(logits)
    for case in range(20):     # high bytes shared by many logits: the low bytes decide
        logits = rng.integers(-300, 300, 128) if case % 2 else rng.choice([-32768, -32767, -1, 0, 255, 256, 32767], 128)
        words(bench, "am_logits", 0xA100, logits)
        bench.call("argmax")
        assert bench.cpu.a == intmath.argmax_token(logits), case
    # the ends: the first candidate (3) and the last (127) win, all tie, and rows 0..2 never count
    for winner, logits in ((3, np.full(128, 7)), (127, np.r_[np.zeros(127, int), 1]), (3, np.r_[[9] * 3, [0] * 125]),
                           (4, np.r_[[0] * 4, 256, [255] * 122, 256]), (126, np.r_[np.full(126, -32768), -32767, -32768])):
        words(bench, "am_logits", 0xA100, logits)
        bench.call("argmax")
        assert bench.cpu.a == winner == intmath.argmax_token(logits), winner



def test_argmax_limit_lies_above_every_other_candidate():
    """With AM_RUNNER_UP (both players') argmax's C: every candidate but the winner has a flipped high
    byte <= C (fw_logits_bound skips its scan on it), sharp when the runner-up's high byte is below
    the winner's."""
    bench = Z80Bench(options=RUNNER_UP_OPTION)
    rng = np.random.default_rng(31)
    cases = [rng.integers(-32768, 32768, 128), rng.integers(-600, 600, 128), rng.integers(-3, 3, 128),
             rng.choice([-32768, -1, 0, 255, 256, 32767], 128), np.r_[[30000] * 3, rng.integers(-9, 9, 125)],
             np.r_[np.zeros(127, int), 5000], np.r_[[0] * 3, 5000, np.zeros(124, int)], np.full(128, -32768),
             np.r_[[0] * 3, 5000, [0] * 60, 4999, [0] * 63], np.r_[[0] * 3, 4999, [0] * 60, 5000, [0] * 63]]
    cases += [rng.permutation(np.r_[rng.integers(-2000, 2000, 126), [9000, 9000 - int(d)]]) for d in range(0, 600, 40)]
    for case, logits in enumerate(cases):
        words(bench, "am_logits", 0xA100, logits)
        bench.call("argmax")
        winner, limit = bench.cpu.a, bench.cpu.c
        assert winner == intmath.argmax_token(logits), case
        flipped_high = ((np.asarray(logits) + 32768) >> 8)[3:]
        others = np.delete(flipped_high, winner - 3)
        assert others.max() <= limit, case
        runner_up = others.max()
        assert limit == (runner_up + 1 if runner_up < flipped_high[winner - 3] else runner_up), case

def test_embed_matches_intmath(bench):
    rng = np.random.default_rng(10)
    te, pe = rng.integers(-128, 128, (128, 32)), rng.integers(-128, 128, (20, 32))
    bench.poke(0xB000, (te.reshape(-1) & 0xFF).astype(np.uint8).tobytes())
    bench.poke(0xC000, (pe.reshape(-1) & 0xFF).astype(np.uint8).tobytes())
    bench.poke_word(bench.sym("em_te"), 0xB000)
    bench.poke_word(bench.sym("em_pe"), 0xC000)
    bench.poke_word(bench.sym("em_out"), 0xA000)
    for case in range(20):
        token, position = int(rng.integers(0, 128)), int(rng.integers(0, 20))
        te_shift, pe_shift = int(rng.integers(0, 16)), int(rng.integers(0, 16))
        for name, value in (("em_token", token), ("em_pos", position), ("em_te_shift", te_shift),
                            ("em_pe_shift", pe_shift)):
            bench.poke(bench.sym(name), [value])
        bench.call("embed")
        want = intmath.embed(te[token], te_shift, pe[position], pe_shift)
        assert np.array_equal(bench.read_words(0xA000, 32), want), case



def _unpacked_rows(widths: bytes, marks: list[int], data: bytes, mark_rows: int | None = None,
                   nibbles: bool = False) -> list[list[int]]:
    """packed_rows's layout read back in Python, row by row from each row's mark, as em_unpack reads it
    (with `nibbles`, EM_NIBBLES' two parts: the codes' top 4 bits, then their low bits and escapes)."""
    from soulterm.zx.soul_layout import PACK_GROUP, PACK_MARK_ROWS, PACK_NIBBLE_BYTES

    PACK_MARK_ROWS = mark_rows or PACK_MARK_ROWS     # noqa: N806 (the layout's, or the ladder's kept marks)
    rows = []
    for r in range(len(widths)):
        if widths[r] == 0:                          # (a row never fed: no bytes)
            rows.append(None)
            continue
        start = marks[r // PACK_MARK_ROWS] + sum(widths[r - r % PACK_MARK_ROWS:r])
        w, at, row = min(widths[r] >> 2, 8), 0, []
        tops = "".join(format(byte, "08b") for byte in data[start:start + PACK_NIBBLE_BYTES]) if nibbles else ""
        bits = "".join(format(byte, "08b") for byte in data[start + len(tops) // 8:start + widths[r]])
        assert not nibbles or w >= 4, r
        for i in range(PACK_GROUP):
            low = w - 4 if nibbles else w
            code = int(tops[4 * i:4 * i + 4] + bits[at:at + low], 2)
            at += low
            if code:
                row.append(code - (1 << (w - 1)))
            else:                                   # escaped: v's 8 bits follow
                row.append(int(bits[at:at + 8], 2) - (int(bits[at]) << 8))
                at += 8
        assert at == len(bits) == 8 * widths[r] - len(tops), r
        rows.append(row)
    return rows


def _packing_edges(seed: int) -> np.ndarray:
    """128 rows of 32 values that take every width 1..8 with 0..3 escaped values each (the
    width's edges, -2^(w-1) + 1 and 2^(w-1) - 1, and -128 and 127 among them), and two rows
    of 8 bits with 16 and 32 values of -128."""
    rng = np.random.default_rng(seed)
    rows = []
    for r in range(128):
        w, escapes = 1 + r % 8, (r // 8) % 4
        low, high = -(1 << (w - 1)) + 1, (1 << (w - 1)) - 1
        row = rng.integers(low, high + 1, 32)
        row[r % 32], row[(r + 5) % 32] = low, high
        for i in range(escapes):                    # beyond the width (-2^(w-1) is escaped too)
            row[(r + 9 + 7 * i) % 32] = (-128, 127, -(1 << (w - 1)))[i] if w < 8 else -128
        if r in (31, 127):                          # 8 bits: any number of -128s (all of them in row 127)
            row[::1 + r // 100] = -128
        rows.append(row)
    return np.array(rows)


@pytest.mark.parametrize("nibbles", [False, True])
def test_packed_rows_round_trip(nibbles):
    """soul_layout.packed_rows: random tables of every spread, the shipped soul's te and pe and the
    edges of every width and escape count come back as they were (the rows never fed take no bytes),
    each row at the width that makes it fewest bytes; it fails if a width, an escape or a mark is off.
    With `nibbles` (EM_NIBBLES' two parts, thirty-seventh round) the widths are 4..8 and each row the same
    bytes as the bits' layout at that width: the shipped soul's te and pe the same bytes in all."""
    from soulterm.soul.soulfile import load_soul
    from soulterm.zx.soul_layout import (NEVER_FED, PACK_KEPT_MARK_ROWS, PACK_MAX_ESCAPES, PACK_MARK_ROWS,
                                         PACK_NIBBLE_WIDTHS, packed_rows)

    rng = np.random.default_rng(23)
    soul = load_soul(DEFAULT_SOUL)
    tables = [rng.integers(-spread, spread + 1, (rows, 32)) for spread, rows in ((0, 8), (3, 20), (40, 128), (127, 9))]
    tables += [_packing_edges(4), soul["te"].values, soul["pe"].values]
    for table, mark_rows in ((table, mark_rows) for table in tables for mark_rows in (PACK_MARK_ROWS, PACK_KEPT_MARK_ROWS)):
        table = np.asarray(table)
        for never_fed in ((), NEVER_FED["te"]):
            widths, marks, data = packed_rows(table, never_fed, mark_rows, nibbles)
            assert len(marks) == -(-len(table) // mark_rows) and len(data) == sum(widths)
            got = _unpacked_rows(widths, marks, data, mark_rows, nibbles)
            assert [r for r, row in enumerate(got) if row is None] == [r for r in never_fed if r < len(table)]
            for r, (row, size) in enumerate(zip(table, widths)):
                if r in never_fed:
                    continue
                assert list(got[r]) == list(row), r
                assert size == min(4 * w + e for w in (PACK_NIBBLE_WIDTHS if nibbles else range(1, 9))
                                   if (e := sum(not -(1 << (w - 1)) < v < 1 << (w - 1) for v in row)) <= PACK_MAX_ESCAPES
                                   or w == 8)
    for name in ("te", "pe"):           # (the shipped soul's rows take widths of 4 and more: no byte more)
        assert packed_rows(soul[name].values, NEVER_FED.get(name, ()), nibbles=nibbles)[0] == \
            packed_rows(soul[name].values, NEVER_FED.get(name, ()))[0]
    if nibbles:
        assert {min(size >> 2, 8) for size in packed_rows(_packing_edges(4), nibbles=True)[0]} == set(PACK_NIBBLE_WIDTHS)
        return
    assert {min(size >> 2, 8) for size in packed_rows(_packing_edges(4))[0]} == set(range(1, 9))
    assert {size & 3 for size in packed_rows(_packing_edges(4))[0]} == {0, 1, 2, 3}
    assert max(packed_rows(_packing_edges(4))[0]) == 4 * 8 + 32            # (a row of -128s: each escaped)
    from soulterm.zx.soul_layout import PACK_ONE_MARK, _packed_lines
    lines = _packed_lines("te", soul["te"].values)      # (no marks: em_unpack takes soul_te_marks as the data)
    assert (sum(".word" in line for line in lines) == 0 and "soul_te_marks = soul_te_data" in lines
            if PACK_MARK_ROWS >= PACK_ONE_MARK else sum(".word" in line for line in lines) == 128 // PACK_MARK_ROWS)
    lines = _packed_lines("te", soul["te"].values, PACK_KEPT_MARK_ROWS)     # (the 48K ladder's EM_ROW_MARKS)
    assert sum(".word" in line for line in lines) == 128 // PACK_KEPT_MARK_ROWS and "soul_te_marks:" in lines


@pytest.mark.parametrize("nibbles", [False, True])
@pytest.mark.parametrize("row_marks", [False, True])
def test_em_unpack_gives_every_row_of_a_packed_table(row_marks, nibbles):
    """SOUL_PACKED (the 48K's): em_unpack reads packed_rows's layout back for every row, with
    every width 1..8 and 0..3 escaped values (each width's edges, -128 and 127 included), and
    rows past each mark (with no marks, PACK_ONE_MARK: every row walked from row 0, the data across
    pages; with EM_ROW_MARKS, the 48K ladder's last rung, a mark every 8 rows); it fails if a width, the
    bias, an escape or a mark's walk is off by one (checked: the walk one row short, `ld d,a` for the rows
    before it less one; with the marks, the walk from a mark one row short). With EM_NIBBLES (the 48K ladder's
    spend, thirty-seventh round: widths 4..8, the codes' top 4 bits as nibbles, then a stream of their low bits
    read by @code's last w - 4 chain steps) it fails with the entry a step off (checked: IX from
    @chain_end + 6 * 3), the nibbles swapped (checked: the odd value's from the high nibble) or the stream read
    from the row's start (checked: ld bc,EM_NIBBLE_BYTES - 1)."""
    from soulterm.zx.kernelbench import NIBBLES_OPTION, ROW_MARKS_OPTION
    from soulterm.zx.soul_layout import PACK_KEPT_MARK_ROWS, PACK_MARK_ROWS, PACK_ONE_MARK, packed_rows

    PACK_MARK_ROWS = PACK_KEPT_MARK_ROWS if row_marks else PACK_MARK_ROWS     # noqa: N806
    packed_bench = Z80Bench(options=SOUL_PACKED_OPTION + ("\n" + ROW_MARKS_OPTION) * row_marks
                            + ("\n" + NIBBLES_OPTION) * nibbles)
    assert packed_bench.sym("EM_MARK_ROWS") == PACK_MARK_ROWS
    assert ("em_unpack@code" in packed_bench.program.symbols) == nibbles
    table = _packing_edges(16)
    widths, marks, data = packed_rows(table, (), PACK_MARK_ROWS, nibbles)
    assert max(widths) == 4 * 8 + 32 and min(widths) == 4 * (4 if nibbles else 1)    # (w = 8, 32 escapes; the least)
    assert len(marks) == 128 // PACK_MARK_ROWS       # (a mark every 8 rows from the nineteenth round to the twenty-third)
    packed_bench.poke(0xB000, widths)
    packed_bench.poke(0xB100, data)
    for i, mark in enumerate(marks):
        packed_bench.poke_word(0xB080 + 2 * i, 0xB100 + mark)
    start = 0xB100 if PACK_MARK_ROWS >= PACK_ONE_MARK else 0xB080      # (no marks: HL = the data, row 0's)
    for row in range(128):
        packed_bench.cpu.a, packed_bench.cpu.hl = row, start
        packed_bench.cpu.bc, packed_bench.cpu.de = 0xB000, 0xA000
        packed_bench.call("em_unpack")
        got = np.frombuffer(bytes(packed_bench.memory[0xA000:0xA020]), np.int8)
        assert np.array_equal(got, table[row]), row


def test_attention_head_matches_intmath(bench):
    rng = np.random.default_rng(11)
    assert list(bench.peek(bench.sym("exp_lut"), 128)) == list(intmath.EXP_LUT)
    seen = set()
    for case in range(30):
        count = int(rng.integers(1, 21)) if case > 1 else (1, 20)[case]
        scale = (300, 5000, 32767)[case % 3]
        q = rng.integers(-scale - 1, scale + 1, 8)
        keys = rng.integers(-scale - 1, scale + 1, (20, 4, 8))
        if case in (2, 3):     # q.k far past 32 bits either way: the sum wraps several times
            q, keys[:] = np.full(8, 32767), (-1) ** case * rng.integers(32000, 32768, (20, 4, 8))
        if case == 4:          # f = k[j][0]: max - f of 0, 100, 200 and 5 give weights 255, 1, 0 and another
            q, keys[:] = np.array([16384, 0, 0, 0, 0, 0, 0, 0]), 0
            keys[:, :, 0] = np.resize([1000, 900, 800, 995], (4, 20)).T
            count = max(count, 4)
        values = rng.integers(-32768, 32768, (20, 4, 8))
        head = int(rng.integers(0, 4))
        load_head(bench, q, keys, values, count, head, sums=False)
        bench.call("attend_head")
        want, weights = intmath.attention_head(q, keys[:count, head], values[:count, head])
        assert np.array_equal(bench.read_words(0xA100, 8), want), case
        assert list(bench.peek(bench.sym("at_lut"), count)) == list(weights), case
        seen.update(int(weight) for weight in weights)
    assert {0, 1, 255} < seen          # the weights the means take without a multiply, and others



def test_the_old_dots_products_and_sums_at_their_edges(bench):
    """mul16s_magnitude gives |q k| in DEHL, Z when its top byte is 0 and the product's sign in F',
    for -32768 and the magnitudes' byte edges; and attend_head's old dot (the 48K's: a product
    below 2^24 added through A, a wider one as four bytes) sums q . k in 40 bits exactly where a
    narrow product's carry or borrow takes the sum past 2^31 - 1 or below -2^31, and where the wide
    ones wrap it several times, read as at_sum40 after a head of one key. It fails if the narrow
    adds drop the carry into the top byte or its wrap, or take a wide product as narrow."""
    rng = np.random.default_rng(19)
    cpu = bench.cpu
    edges = [-32768, -32767, -65536 // 2 + 255, -4096, -4095, -512, -511, -256, -255, -1, 0, 1, 255, 256, 511,
             512, 1023, 1024, 4095, 4096, 32767]
    pairs = [(a, b) for a in edges for b in edges] + [tuple(rng.integers(-32768, 32768, 2)) for _ in range(100)]
    for a, b in pairs:
        cpu.bc, cpu.de = int(a) & 0xFFFF, int(b) & 0xFFFF
        bench.call("mul16s_magnitude")
        assert cpu.de << 16 | cpu.hl == abs(int(a) * int(b)), (a, b)
        assert bool(cpu.f & 0x40) == (cpu.d == 0), (a, b)
        assert bool(cpu.alt_f & 0x80) == ((a < 0) != (b < 0)), (a, b)
    values = np.zeros((20, 4, 8), np.int64)
    rows = [([32767, 32767] + [4095] * 6, [32767, 32767] + [4095] * 6),          # narrow carries past 2^31 - 1
            ([32767, 32767] + [4095] * 6, [-32768, -32768] + [-4095] * 6),       # narrow borrows below -2^31
            ([4095] * 6 + [32767, 32767], [-4095] * 6 + [-32768, -32768]),       # narrow first, then wide
            ([-32768] * 8, [-32768] * 8), ([-32768] * 8, [32767] * 8),           # wraps both ways
            ([32767, -32768] * 4, [32767, 32767] * 4), ([4095] * 8, [-4096] * 8),
            ([0] * 8, [-32768] * 8), ([-1] * 8, [255, 256] * 4)]
    for case in range(60):
        q, k = rows[case] if case < len(rows) else (
            rng.choice([-32768, -32767, -4096, -4095, -1, 0, 1, 4095, 4096, 32767], 8) * (case % 2)
            + rng.integers(-4096, 4096, 8) * (1 - case % 2), rng.integers(-32768, 32768, 8))
        keys = np.zeros((20, 4, 8), np.int64)
        keys[0, 2] = k
        load_head(bench, np.asarray(q), keys, values, 1, 2, sums=False)
        bench.call("attend_head")
        got = int.from_bytes(bench.peek(bench.sym("at_sum40"), 5), "little", signed=True)
        assert got == int(np.dot(np.asarray(q, np.int64), np.asarray(k, np.int64))), case
    # f at both ends (-2^19 + 16 and 2^19) and near them, in either order: the max in 24 bits
    q = np.full(8, -32768)
    keys = np.zeros((20, 4, 8), np.int64)
    ends = [32767, -32768, 32766, -32767, 0, 1]
    for order in (ends, ends[::-1], ends[1:] + ends[:1], [32767] * 6):       # (the last: every f the lowest)
        keys[:6, 1] = np.asarray(order)[:, None]
        values = rng.integers(-32768, 32768, (20, 4, 8))
        load_head(bench, q, keys, values, 6, 1, sums=False)
        bench.call("attend_head")
        want, weights = intmath.attention_head(q, keys[:6, 1], values[:6, 1])
        assert np.array_equal(bench.read_words(0xA100, 8), want), order
        assert list(bench.peek(bench.sym("at_lut"), 6)) == list(weights), order
# attention.s's AT_GENERATED_WALK (thirty-ninth round, zx48genwalk39: the 48K's means' walk written once a head as
# straight code) with the options it needs, its page in the bench's free $4000-$5FFF as the 48K's in its middle third
GENERATED_WALK_OPTIONS = ("AT_ONE_OWN_END = 1\nAT_ZEROS_UNCOUNTED = 1\nAT_TABLE_BY_DIMENSION = 1\nAT_MEANS_CHAINS = 1\n"
                          "AT_GENERATED_WALK = 1\nat_walk_code = $4D00")


def checked_head(bench, q, keys, values, count, head, enabled, case):
    """attend_head on a loaded head (load_head) with interrupts on or off, checked against intmath:
    the outputs, the LUT weights, the interrupt state and IY (the ROM's) kept; returns the weights."""
    cpu = bench.cpu
    cpu.iy = 0x5C3A                              # as the ROM's interrupt needs it
    bench.call("attend_head", interrupts=enabled)
    want, weights = intmath.attention_head(q, keys[:count, head], values[:count, head])
    assert np.array_equal(bench.read_words(0xA100, 8), want), case
    assert list(bench.peek(bench.sym("at_lut"), count)) == list(weights), case
    assert cpu.iff1 == cpu.iff2 == enabled and cpu.iy == 0x5C3A, case
    return [int(weight) for weight in weights]



@pytest.mark.parametrize("own_end", ["", "AT_ONE_OWN_END = 1", "AT_ONE_OWN_END = 1\nSHORT_FORMS = 1",
                                     "AT_ONE_OWN_END = 1\nSHORT_FORMS = 1\nAT_EXP_AFTER_SQUARES = 1",
                                     "AT_ONE_OWN_END = 1\nAT_SKIP_LEADING_ZEROS = 1",
                                     "AT_TABLE_BY_DIMENSION = 1", "AT_MEANS_CHAINS = 1",
                                     "AT_ONE_OWN_END = 1\nAT_SKIP_LEADING_ZEROS = 1\nAT_TABLE_BY_DIMENSION = 1",
                                     "AT_ONE_OWN_END = 1\nAT_SKIP_LEADING_ZEROS = 1\nAT_TABLE_BY_DIMENSION = 1\n"
                                     "AT_MEANS_CHAINS = 1\nAT_DIVIDE_UNROLLED = 1",
                                     "AT_ONE_OWN_END = 1\nAT_ZEROS_UNCOUNTED = 1", "AT_ONE_OWN_END = 1\nAT_ZEROS_UNCOUNTED = 1\nAT_TABLE_BY_DIMENSION = 1\nAT_MEANS_CHAINS = 1",
                                     "AT_ONE_OWN_END = 1\nAT_ZEROS_UNCOUNTED = 1\nAT_SKIP_LEADING_ZEROS = 1\nAT_TABLE_BY_DIMENSION = 1\n"
                                     "AT_MEANS_CHAINS = 1\nAT_DIVIDE_UNROLLED = 1", GENERATED_WALK_OPTIONS,
                                     GENERATED_WALK_OPTIONS.replace("\nAT_MEANS_CHAINS = 1", ""),
                                     GENERATED_WALK_OPTIONS + "\nAT_SKIP_LEADING_ZEROS = 1"])
def test_table_means_match_intmath(own_end):
    """The 48K's AT_TABLE_MEANS (its means' weighted sums through matvec's squares table, and
    at_means_divide) with AT_SHORT_EXP (the exp table without its run of 1s): v in -256..255 by
    the table (since the nineteenth round; -128..127 before), wider v's dimensions by mul16s8u,
    weights of 0, 1 (LUT[83..126]), 255 and others; interrupts and IY kept (its edges:
    test_table_means_at_their_edges). (With AT_FAST_SCORES too: z80_token.py --kernel-bench
    --fast-scores checks every step against the engine.) With and without AT_ONE_OWN_END (the weight-1
    positions' own stride and loop end: the 48K player's since the thirtieth round), and with SHORT_FORMS,
    whose exp_lut comes before attend_head (AT_EXP_FIRST): across a page on this bench, so its weights' loop's
    16-bit index, and with AT_EXP_AFTER_SQUARES too (the 48K player's since the thirty-ninth round) right after
    the squares, in one page, its 8-bit index (the player's turns check it too). With
    AT_TABLE_BY_DIMENSION (the 48K player's since the thirty-fifth round) over a dimension-major value cache,
    its positions in order (load_head stores them so: values_ascending), the walk with no stride."""
    bench = Z80Bench(options="\n".join(filter(None, [TABLE_MEANS_OPTION, SHORT_EXP_OPTION, own_end])))
    assert values_ascending(bench) == ("AT_TABLE_BY_DIMENSION" in own_end) == values_by_dimension(bench)
    exp_lut = bench.symbols["exp_lut"]
    assert ("AT_EXP_FIRST" in bench.symbols) == ("SHORT_FORMS" in own_end) and (
        exp_lut < bench.symbols["attend_head"]) == ("SHORT_FORMS" in own_end)
    if "AT_EXP_AFTER_SQUARES" in own_end:
        assert exp_lut == bench.symbols["mv_sq_hi"] + 511 and (exp_lut & 255) + bench.symbols["AT_EXP_ONES"] <= 256
    elif "SHORT_FORMS" in own_end:
        assert (exp_lut & 255) + bench.symbols["AT_EXP_ONES"] > 256
    rng = np.random.default_rng(12)
    seen = set()
    for case in range(36):
        count = int(rng.integers(1, 21)) if case > 1 else (1, 20)[case]
        q = rng.integers(-3000, 3001, 8)
        keys = rng.integers(-3000, 3001, (20, 4, 8))
        if case % 6 == 4:       # f = k[j][0]: weights 255, 1, 0 and another
            q, keys[:] = np.array([16384, 0, 0, 0, 0, 0, 0, 0]), 0
            keys[:, :, 0] = np.resize([1000, 900, 800, 995], (4, 20)).T
            count = max(count, 4)
        limit = (128, 129, 300, 32768)[case % 4]     # the table's v, one past its edge, wide ones
        values = rng.integers(-limit, limit, (20, 4, 8))
        if case % 4 == 0:
            values[:count:2, :, ::3] = (-128, 127)[case % 8 // 4]
        head = int(rng.integers(0, 4))
        load_head(bench, q, keys, values, count, head, sums=False)
        seen.update(checked_head(bench, q, keys, values, count, head, bool(case % 2), case))
    assert {0, 1, 255} < seen


@pytest.mark.parametrize("unrolled", [False, True])
def test_means_division_is_floor_at_every_edge(unrolled):
    """at_means_divide (AT_TABLE_MEANS, the 48K's; AT_DIVIDE_UNROLLED its shipped rounds): C:A =
    floor(n / m), BC = -m (twenty-third round: its rounds add -m), for the divisors 1, 2, 255 (one
    weight of 255), 5,100 (twenty: the largest lut_sum) and 32,767, at each quotient's ends (n = q m, q m - 1, q m + m - 1): the means in -256..255
    by 8 rounds, below zero on n + 256 m (-256 and -1 at their ends, a remainder of m - 1), the
    wider ones by 16 (-257, 256, +-32767, -32768), so a mean one off the 8 rounds' range, a
    remainder put back wrong or n + 256 m not carried into the high byte fails."""
    bench = Z80Bench(options=TABLE_MEANS_OPTION + "\n" + SHORT_EXP_OPTION
                     + ("\nAT_DIVIDE_UNROLLED = 1" if unrolled else ""))
    rng = np.random.default_rng(41)
    cpu = bench.cpu
    checked = 0
    for m in (1, 2, 255, 256, 5100, 32767, *map(int, rng.integers(3, 5101, 4))):
        quotients = [-32768, -32767, -257, -256, -255, -129, -128, -2, -1, 0, 1, 127, 128, 254, 255, 256, 257,
                     32766, 32767, *map(int, rng.integers(-300, 300, 6))]
        for q in quotients:
            for n in (q * m, q * m - 1, q * m + m - 1, q * m + int(rng.integers(0, m))):
                if not -32768 <= n // m <= 32767:
                    continue
                bits = n & 0xFFFFFFFF
                cpu.de, cpu.hl, cpu.bc = bits >> 16, bits & 0xFFFF, -int(m) & 0xFFFF
                bench.call("at_means_divide")
                assert cpu.c << 8 | cpu.a == (n // m) & 0xFFFF, (n, m)
                checked += 1
    assert checked > 900


@pytest.mark.parametrize("options", ["AT_MEANS_CHAINS = 1",
                                     "AT_ONE_OWN_END = 1\nAT_SKIP_LEADING_ZEROS = 1\nAT_TABLE_BY_DIMENSION = 1\n"
                                     "AT_MEANS_CHAINS = 1\nAT_DIVIDE_UNROLLED = 1\nRN_UNIT_GAIN_BITS = 7",
                                     "AT_ONE_OWN_END = 1\nAT_ZEROS_UNCOUNTED = 1\nAT_TABLE_BY_DIMENSION = 1\nAT_MEANS_CHAINS = 1\nAT_DIVIDE_UNROLLED = 1",
                                     GENERATED_WALK_OPTIONS + "\nAT_DIVIDE_UNROLLED = 1"])
def test_means_chains_floor_at_every_quotients_edge(options):
    """attend_head's narrow division by non-restoring chains (AT_MEANS_CHAINS, thirty-seventh round, zx48room37: the
    48K's ladder spend) at each mean's edges: a head of weights 255 and 1 (lut_sum 256) over v = (q, q - 1), (q, q)
    and (q, q + 255) makes sum w v = 256 q - 1, 256 q and 256 q + 255, so the means q - 1, q and q with the largest
    remainder, for q at the chains' ends (-256: n = -256 m, the P chain's first state 0; -1, 0, 255) and past them
    (-257, 256: at_means_divide's wide way out, @under and @above), at 127/128 and -128/-129 (the first round's bit
    turning) and at random; a dimension whose v is wide (the product loop) on into the same store. A round's jump to
    the wrong chain, a chain's state one off, the sign's carry lost or a wide mean kept in the chains fails."""
    bench = Z80Bench(options="\n".join([TABLE_MEANS_OPTION, SHORT_EXP_OPTION, options]))
    assert "AT_CHAINS_MINUS_M" in bench.symbols and bench.sym("AT_DIVIDE_ROUNDS") == 1
    q = np.array([16384, 0, 0, 0, 0, 0, 0, 0])     # f = k[j][0]
    keys = np.zeros((20, 4, 8), dtype=np.int64)
    keys[0, :, 0] = 1000                            # the max: weight 255
    keys[1, :, 0] = 1000 - 83                       # a weight of 1
    rng = np.random.default_rng(37)
    edges = [-257, -256, -255, -129, -128, -127, -2, -1, 0, 1, 2, 126, 127, 128, 129, 254, 255, 256,
             *map(int, rng.integers(-256, 256, 10))]
    means = []
    for case, first in enumerate(edges):
        values = np.zeros((20, 4, 8), dtype=np.int64)
        values[0, :, :] = first
        values[1, :, :] = np.resize([first - 1, first, first + 255, first, first - 1, first + 255, first + 1,
                                     first + 254], 8)
        head = case % 4
        load_head(bench, q, keys, values, 2, head, sums=False)
        assert checked_head(bench, q, keys, values, 2, head, bool(case % 2), case) == [255, 1]
        means.extend(int(mean) for mean in bench.read_words(0xA100, 8))
    assert {-258, -257, -256, -1, 0, 255, 256} <= set(means)


@pytest.mark.parametrize("gains", ["", "RN_UNIT_GAIN_BITS = 7", "RN_UNIT_GAIN_BITS = 7\nAT_SKIP_LEADING_ZEROS = 1",
                                   "RN_UNIT_GAIN_BITS = 7\nAT_SKIP_LEADING_ZEROS = 1\nAT_TABLE_BY_DIMENSION = 1",
                                   "RN_UNIT_GAIN_BITS = 7\nAT_SKIP_LEADING_ZEROS = 1\nAT_TABLE_BY_DIMENSION = 1\n"
                                   "AT_MEANS_CHAINS = 1",
                                   "RN_UNIT_GAIN_BITS = 7\nAT_ONE_OWN_END = 1\nAT_ZEROS_UNCOUNTED = 1\nAT_SKIP_LEADING_ZEROS = 1\n"
                                   "AT_TABLE_BY_DIMENSION = 1\nAT_MEANS_CHAINS = 1",
                                   "RN_UNIT_GAIN_BITS = 7\n" + GENERATED_WALK_OPTIONS,
                                   "RN_UNIT_GAIN_BITS = 7\nAT_SKIP_LEADING_ZEROS = 1\n" + GENERATED_WALK_OPTIONS])
def test_table_means_at_their_edges(gains):
    """The 48K's table means (nineteenth round: 2 w vl = S(w) + S(vl) - S(w - vl) through matvec's
    squares table, SP walking v with interrupts off) at their edges: v = -256 and 255 (the table's
    widest, vh = -1 and 0) and the narrow ones, -257 and 256 (the first wide ones: their dimension
    again by mul16s, after the table's positions), -32768 and 32767 from the first position,
    weights of 0 (max - f past the table or at 127), 1 (its run of 1s, 83..126) and 255, one
    position and twenty; interrupts and IY kept; a wide v's dimension by mul16s8u, and by mul16s
    with RMSNorm's unit gains (the shipped 48K's: arith.s leaves mul16s8u out). It fails if the sum
    of S(w), N (the vh = -1 weights), a wide v's way out or the weights' 0 and 1 are off by anything. With
    AT_TABLE_BY_DIMENSION the wide v's product loop and the leading 0s step v[j][d] by AT_VALUE_STRIDE, 2."""
    bench = Z80Bench(options="\n".join(filter(None, [TABLE_MEANS_OPTION, SHORT_EXP_OPTION, gains])))
    assert values_ascending(bench) == ("AT_TABLE_BY_DIMENSION" in gains)
    assert bench.sym("AT_VALUE_STRIDE") == (2 if "AT_TABLE_BY_DIMENSION" in gains else bench.sym("AT_STRIDE"))
    assert ("mul16s8u" in bench.symbols) == ("RN_UNIT_GAIN_BITS" not in gains)
    rng = np.random.default_rng(19)
    narrow = [-256, -255, -129, -128, -127, -1, 0, 1, 127, 128, 129, 255]
    seen = set()
    for case in range(16):
        count = (1, 20, 1, 20)[case] if case < 4 else int(rng.integers(1, 21))
        q = np.array([16384, 0, 0, 0, 0, 0, 0, 0])   # f = k[j][0]
        keys = np.zeros((20, 4, 8), dtype=np.int64)
        keys[:, :, 0] = rng.choice([1000, 995, 960, 1000 - 82, 1000 - 83, 1000 - 126, 1000 - 127, 800], (20, 4))
        keys[case % count, :, 0] = 1000             # a weight of 255 (max - f = 0)
        values = rng.choice(narrow, (20, 4, 8))
        values[:, :, 0] = rng.choice([-256, 255], (20, 4))
        values[:, :, 1] = rng.choice([-32768, 32767], (20, 4))
        values[:, :, 2] = values[:, :, 0]
        values[count - 1, :, 2] = (-257, 256)[case % 2]
        values[:, :, 3] = (-256, 255)[case % 2]
        head = int(rng.integers(0, 4))
        load_head(bench, q, keys, values, count, head, sums=False)
        seen.update(checked_head(bench, q, keys, values, count, head, bool(case % 3), case))
    assert {0, 1, 255} < seen


@pytest.mark.parametrize("own_end", ["", "AT_ONE_OWN_END = 1", "AT_ONE_OWN_END = 1\nAT_SKIP_LEADING_ZEROS = 1",
                                     "AT_TABLE_BY_DIMENSION = 1",
                                     "AT_ONE_OWN_END = 1\nAT_SKIP_LEADING_ZEROS = 1\nAT_TABLE_BY_DIMENSION = 1",
                                     "AT_ONE_OWN_END = 1\nAT_SKIP_LEADING_ZEROS = 1\nAT_TABLE_BY_DIMENSION = 1\n"
                                     "AT_MEANS_CHAINS = 1",
                                     "AT_ONE_OWN_END = 1\nAT_ZEROS_UNCOUNTED = 1", "AT_ONE_OWN_END = 1\nAT_ZEROS_UNCOUNTED = 1\nAT_TABLE_BY_DIMENSION = 1\nAT_MEANS_CHAINS = 1",
                                     "AT_ONE_OWN_END = 1\nAT_ZEROS_UNCOUNTED = 1\nAT_SKIP_LEADING_ZEROS = 1\nAT_TABLE_BY_DIMENSION = 1\nAT_MEANS_CHAINS = 1",
                                     GENERATED_WALK_OPTIONS])
def test_table_means_add_a_weight_of_1s_v_whole(own_end):
    """The 48K's table means add a weight of 1's 2 v whole (attend_head@one, twenty-eighth round, zxatt48b: no table
    read, no N, whatever v's width) and its weights' loop leaves S(1) out of sum_j S(w): heads of weights 255, 1
    and 1 (lut_sum 257) whose sums lie one below a multiple of 257, where an S(1) counted twice would floor one
    higher; v at int16's ends and either sign; twenty positions with weights of 1 among 0s and others. With
    AT_ONE_OWN_END (the 48K player's, thirtieth round) @one has its own stride and loop end: a weight of 1 last,
    first or alone among the positions, or in a run, ends its dimension or walks on to the next position. With
    AT_TABLE_BY_DIMENSION (the thirty-fifth round's) no stride: with AT_ONE_OWN_END, @one's loop end alone; without
    it, @one steps SP back for @zero's pop."""
    bench = Z80Bench(options="\n".join(filter(None, [TABLE_MEANS_OPTION, SHORT_EXP_OPTION, own_end])))
    assert ("AT_ONE_OWN_END" in bench.symbols) == ("AT_ONE_OWN_END" in own_end)
    assert values_ascending(bench) == ("AT_TABLE_BY_DIMENSION" in own_end)
    q = np.array([16384, 0, 0, 0, 0, 0, 0, 0])     # f = k[j][0]
    keys = np.zeros((20, 4, 8), dtype=np.int64)
    keys[:, :, 0] = 1000 - 83                       # max - f = 83: a weight of 1
    keys[0, :, 0] = 1000                            # the max: 255
    keys[1, :, 0] = 1000 - 126                      # the run of 1s' last
    values = np.zeros((20, 4, 8), dtype=np.int64)
    values[:3, :, :] = np.array([[0, 128, 128], [-1, 127, 127], [0, 32767, -32511], [-1, -32768, 32767 - 257 * 128],
                                 [-256, 255, 255 - 257], [255, -256, -256 + 257], [1, -1, 0], [-32768, 32767, 0]]).T[
                                 :, None, :]
    seen = set()
    for head in range(4):
        load_head(bench, q, keys, values, 3, head, sums=False)
        seen.update(checked_head(bench, q, keys, values, 3, head, head % 2 == 1, head))
    assert seen == {255, 1}
    rng = np.random.default_rng(28)
    for case in range(8):
        keys[:, :, 0] = rng.choice([1000, 1000 - 83, 1000 - 100, 1000 - 126, 1000 - 127, 1000 - 5, 800], (20, 4))
        keys[case, :, 0] = 1000
        values = rng.choice([-32768, -257, -256, -1, 0, 1, 255, 256, 32767], (20, 4, 8))
        values[:, :, :4] = rng.integers(-256, 256, (20, 4, 4))
        load_head(bench, q, keys, values, 20, case % 4, sums=False)
        seen.update(checked_head(bench, q, keys, values, 20, case % 4, bool(case % 2), case))
    assert {0, 1, 255} < seen


def test_forward_step_gives_the_engines_logits_at_every_position():
    """The whole soul on the Z80, token by token with the KV cache, against Engine.step (shipped soul)."""
    from soulterm.soul.engine import Engine
    from soulterm.soul.soulfile import load_soul
    from soulterm.zx.soul_layout import soul_include

    soul = load_soul(DEFAULT_SOUL)
    forward = Z80Bench('.include "forward.s"\n' + soul_include(soul))
    engine = Engine(soul)
    for position, want, state in step_z80_forward(forward, engine, 20):  # all 20 positions
        assert np.array_equal(forward.read_words(forward.sym("fw_h"), 32), state.last.hidden[1])
        assert forward.peek(forward.sym("fw_next"))[0] == engine.next_token(want)
        weights = np.frombuffer(forward.peek(forward.sym("att_weights"), 160), np.uint8).reshape(2, 4, 20)
        for layer in range(2):
            assert np.array_equal(weights[layer, :, :position + 1], state.last.attention_lut[layer])


def test_tokenizer_matches_the_python_tokenizer():
    from soulterm.paths import DEFAULT_TOKENIZER
    from soulterm.soul.tokenizer import Tokenizer

    tokenizer = Tokenizer.load(DEFAULT_TOKENIZER)
    bench = Z80Bench(tokenizer=tokenizer)
    for text in ["hello", "Hello, World! How are you?", "", "zzz 123 ~~ what's up;", "a" * 64,
                 "the the the thethe", "I'm FINE-ish... really?!",
                 "".join(map(chr, range(64))), "".join(map(chr, range(64, 128)))]:   # every 7-bit code
        data = text.encode("ascii")
        bench.poke(0xA000, data)
        bench.poke_word(bench.sym("tk_line"), 0xA000)
        bench.poke(bench.sym("tk_len"), [len(data)])
        bench.call("tokenize")
        count = bench.peek(bench.sym("tk_count"))[0]
        assert list(bench.peek(bench.sym("tk_ids"), count)) == tokenizer.encode(text), text


def test_every_header_that_states_bytes_states_what_its_file_puts_in_the_player():
    """In the 48K player; a file only the 128K player has (records128.s) in the 128K's, planes.s in its bank 6
    (the 48K's, without wp_make, since the twenty-sixth round: the bench's bytes, which its header states too)."""
    sizes: dict[str, int] = {}
    for model in ("128k", "48k"):
        in_model: dict[str, int] = {}
        for row in assemble_spectrum_player(DEFAULT_SOUL, DEFAULT_TOKENIZER, model).program.listing_lines:
            if "kernels/z80/" in row.file:
                name = row.file.rsplit("/", 1)[-1]
                in_model[name] = in_model.get(name, 0) + len(row.data)
        sizes.update(in_model)
    from soulterm.soul.soulfile import load_soul

    # planes.s: its header's bytes are the 128K player's bank PLANES_BANK's (build.planes_bank as the player has it:
    # every matrix's planes on the tape, no wp_make since the twenty-ninth round, zxqkv128b);
    # the 48K's program (FW_PLANES since the twenty-sixth round) holds the bench's 1,268 and wp_tops (SOUL_OUT_PLANES,
    # twenty-seventh round: 204; 192 since the thirtieth, zx48logits30) less the classes' 80 (WP_NO_CLASSES, twenty-eighth
    # round), which it states too; since zx48rows35 wp_tables' constants from M, 42 fewer, and WP_NARROW_MARK's and
    # WP_NARROW_MARK_OUT's tests and narrow paths, 40 more; since zx48fc1g36 (FW_FC1_BYTES) 250 more of its macros
    # (wp_top_up_rest, wp_top_down_popped) expanded in fc1planes.s's byte-mask rows; since zx48narrow36 WP_NARROW_BITS'
    # class test, narrow entry and S + 2 K in WP_NARROW_MARK's place, 39 more; since zx48fill37 wp_tables' x popped and
    # each row's entry 0 by A[a] alone, 57 fewer; since zx48rows37 the chain in A (WP_CHAIN_A) 14 fewer, the low planes'
    # halvings by rra and R's start as an immediate 5, a narrow row's plane 7 down and the row's end in the alternate
    # set 4, a wide row's plane 6 by the narrow row's plane 7 code 29; since zx48lowstart38 R's start in group 3's table
    # (WP_LOW_START_IN_TABLE, the ladder's spend): the group 3 block 33 and the test 7 more, the row's immediate 6 and the
    # end's constants 24 fewer, 10 more; since zx48colpairs39b the sums in HL (sbc hl,de where x < 0, M in IX, S in
    # wp_sum): the group's loop, load and store 10, the group 3 block 7 and the call's start 1 more, its end 4 fewer, 14 more
    assert sizes["planes.s"] == 1372
    banked: dict[str, int] = {}
    for row in planes_bank(load_soul(DEFAULT_SOUL), qkv_apart=True, out_apart=True).listing_lines:
        if "kernels/z80/" in row.file:
            name = row.file.rsplit("/", 1)[-1]
            banked[name] = banked.get(name, 0) + len(row.data)
    sizes.update(banked)
    checked = 0
    for file in sorted(Z80_KERNELS_DIR.glob("*.s")):
        header = []
        for line in file.read_text().splitlines():
            if not line.startswith(";"):
                break
            header.append(line)
        match = re.search(r"Bytes: ([\d,]+)", " ".join(header))
        if match:
            assert int(match.group(1).replace(",", "")) == sizes[file.name], file.name
            checked += 1
    assert checked >= 7


CHAINS_ONLY = "EMBED_CHAINS_ONLY = 1\nVEC_FUSED_STORES = 1"    # build.py's, for a soul whose shifts both lie in 1..8 (the players')
KNOWN_SHIFTS = "; EMBED_TE_SHIFT and EMBED_PE_SHIFT"    # (the test adds build.embed_shift_options' lines: the 48K's)


@pytest.mark.parametrize("options", ["", SOUL_PACKED_OPTION, EMBED_BY_SP_OPTION,
                                     CHAINS_ONLY + "\n" + SOUL_PACKED_OPTION, CHAINS_ONLY + "\n" + EMBED_BY_SP_OPTION,
                                     CHAINS_ONLY + "\n" + SOUL_PACKED_OPTION + "\n" + EMBED_BY_SP_OPTION, CHAINS_ONLY,
                                     CHAINS_ONLY + "\n" + SOUL_PACKED_OPTION + "\n" + EMBED_BY_SP_OPTION + "\n" + KNOWN_SHIFTS,
                                     CHAINS_ONLY + "\n" + SOUL_PACKED_OPTION + "\n" + EMBED_BY_SP_OPTION + "\n" + KNOWN_SHIFTS
                                     + "\nEM_NIBBLES = 1",
                                     CHAINS_ONLY + "\n" + KNOWN_SHIFTS])
def test_fw_embed_matches_intmath_at_every_kind_of_shift(options):
    """forward.s's fw_embed (embedrows.s): its add hl,hl chains for te and pe shifts both in 1..8,
    either one the larger (or equal), at the chains' ends (1 and 8) with rows of -128 and 127, the
    extremes that just fit in 16 bits; vecops.s's embed for a shift of 0 or above 8 (which may
    saturate); with SOUL_PACKED's unpacked rows (the 48K's) and with EM_ROWS_BY_SP's words pushed
    from h's end (both players', interrupts on and off: left as they were) too, and both together
    (the 48K's since the nineteenth round). It fails if a chain's
    jr is off by one, the larger shift's row goes first the wrong way, or a shift outside 1..8 takes
    the chains. With EMBED_CHAINS_ONLY (the players') the chains' reach and the rows' order are
    assembled from the soul's shifts (those in 1..8 only); with EMBED_TE_SHIFT and EMBED_PE_SHIFT too (the
    48K's since the thirty-fifth round: build.embed_shift_options) each chain is its shift's length, no jr; with
    EM_NIBBLES too (the 48K's since the thirty-seventh round: te's and pe's rows as nibbles and a stream of their low
    bits, the rows' last bytes given to fw_embed_rows). Packed, te's first row read is SEP's (soul_layout.NEVER_FED:
    PAD's, before it, has no bytes)."""
    from conftest import random_soul
    from soulterm.soul import spec
    from soulterm.soul.soulfile import Soul
    from soulterm.zx.build import embed_shift_options
    from soulterm.zx.soul_layout import soul_include

    base = random_soul(31)
    rng = np.random.default_rng(31)
    for s_te, s_pe in ((1, 1), (1, 8), (8, 1), (3, 4), (6, 5), (8, 8), (0, 4), (3, 0), (9, 2), (15, 15), (0, 0)):
        if CHAINS_ONLY in options and not (1 <= s_te <= 8 and 1 <= s_pe <= 8):
            continue
        arrays = {name: (tensor.values.reshape(-1), tensor.shift) for name, tensor in base.tensors.items()}
        te = rng.integers(-128, 128, (spec.VOCAB_SIZE, spec.EMBED_DIM))
        pe = rng.integers(-128, 128, (spec.CONTEXT, spec.EMBED_DIM))
        te[5], pe[7] = -128, -128
        te[6], pe[8] = 127, 127
        te[9, ::2], pe[9, ::2] = -128, 127
        arrays["te"], arrays["pe"] = (te.reshape(-1), s_te), (pe.reshape(-1), s_pe)
        soul = Soul.from_arrays(arrays)
        known = "\n".join(embed_shift_options(soul)) if KNOWN_SHIFTS in options else ""
        bench = Z80Bench('.include "forward.s"\n' + soul_include(soul), options=options + "\n" + known)
        if known:       # (the chains their shifts' lengths: no jr into them)
            assert "FW_FIRST_CHAIN" in bench.program.symbols
        first = spec.SEP if SOUL_PACKED_OPTION in options else 0    # (packed: te's rows never fed have no bytes)
        for token, position in ((5, 7), (6, 8), (5, 8), (9, 9), (first, 19), (127, 0), (40, 3)):
            bench.poke(bench.sym("fw_token"), [token])
            bench.poke(bench.sym("fw_pos"), [position])
            interrupts = bool(token % 2)
            bench.call("fw_embed", interrupts=interrupts)
            assert bench.cpu.iff1 == bench.cpu.iff2 == interrupts and bench.cpu.sp == bench.stack_top, token
            want = intmath.embed(te[token], s_te, pe[position], s_pe)
            assert np.array_equal(bench.read_words(bench.sym("fw_h"), spec.EMBED_DIM), want), (s_te, s_pe, token)


def squares_summing_to(total: int, rng) -> np.ndarray:
    """32 words whose (x >> 4)^2 sum to `total` (greedy squares, then zeros; random low nibbles and signs)."""
    parts = []
    while total:
        parts.append(intmath.isqrt(total))
        total -= parts[-1] ** 2
    assert len(parts) <= 32
    v = np.array(parts + [0] * (32 - len(parts)), dtype=np.int64)
    return rng.choice([-1, 1], 32) * 16 * v + rng.integers(0, 16, 32)     # (x >> 4 = +-v either way)


@pytest.mark.parametrize("player", [False, True])
def test_rmsnorm_inverse_table_matches_intmath_at_every_root_and_edge(player):
    """RN_INVERSE_TABLE (the 128K player's, nineteenth round): a sum of squares below 2^17 takes
    its root from rn_roots (by m >> 4 and m & 15) and its 2^19 // r from rn_inverses
    (build.rn_table_lines; the root below 64); a larger sum sra32, isqrt24 and the division as
    before: bit for bit intmath for every mean 270..4200 (sums of random low bits), every root
    1..300 (+-16 r), sums one square step either side, full-range words (m up to 2^22) and random
    ones; the general gains' path and the 128K's options. A root in 17..63 saves sra32, isqrt24
    and the division: more than 1,800 T-states a norm."""
    options = []
    if player:
        options = [FAST_SCORES_OPTION, FAST_MEANS_OPTION, FAST_SQUARES_OPTION, CLAMPED_UNIT_OPTION,
                   SHORT_SHIFTS_OPTION, "RN_UNIT_GAIN_BITS = 6", "RN_UNIT_PRODUCTS = $E800"]
    routines = "\n        rn_tables_routines"       # (rn_root_from_table's place)
    table = Z80Bench("\n".join(rn_table_lines()) + routines, options="\n".join(options + ["RN_INVERSE_TABLE = 64"]))
    plain = Z80Bench(routines, options="\n".join(options))
    rng = np.random.default_rng(19)
    cases = [squares_summing_to(32 * m + int(rng.integers(0, 32)), rng) for m in range(270, 4201)]
    for root in range(1, 301):
        x = 16 * root * rng.choice([-1, 1], 32)
        cases.append(x)
        for step in (-1, 1):
            nudged = x.copy()
            nudged[int(rng.integers(0, 32))] += 16 * step
            cases.append(np.clip(nudged, -32768, 32767))
    cases += [np.full(32, -32768), np.full(32, 32767), rng.integers(-32768, 32768, 32),
              rng.integers(-3000, 3000, 32), rng.integers(-1000, 1000, 32)]
    saved = []
    for case, x in enumerate(cases):
        shift = 6 if player else int(rng.integers(0, 9))
        gain = np.full(32, 64) if player else rng.integers(-128, 128, 32)
        expected = intmath.rmsnorm(x, gain, shift)
        m = max(1, int(((x >> 4) ** 2).sum()) // 32)
        outs, costs = [], []
        for bench in (table, plain) if 17 <= intmath.isqrt(m) < 64 or case % 7 == 0 else (table,):
            words(bench, "rn_x", 0xA000, x)
            bench.poke(0xA100, (gain & 0xFF).astype(np.uint8).tobytes())
            bench.poke_word(bench.sym("rn_gain"), 0xA100)
            bench.poke(bench.sym("rn_shift"), [shift])
            bench.poke_word(bench.sym("rn_out"), 0xA200)
            costs.append(bench.call("rmsnorm"))
            outs.append(bench.read_words(0xA200, 32))
            assert np.array_equal(outs[-1], expected), (case, bench is table, x[:4])
        if 17 <= intmath.isqrt(m) < 64:
            saved.append(costs[1] - costs[0])
    assert len(saved) > 3000 and min(saved) > 1800, (len(saved), min(saved))


@pytest.mark.parametrize("pops", [False, True])
def test_the_48ks_value_scatter_stores_a_position_dimension_major(pops):
    """forward.s's kv_values_scatter with AT_TABLE_BY_DIMENSION (the 48K's): BC bytes (a position's 32 words) from DE
    into the value cache at HL, HL + AT_DIMENSION_BYTES, ...: ldi's form, and with KV_SCATTER_POPS (thirty-fifth round,
    zx48room35, a spend of the ladder) SP's pops, two words a pass. Every word lands at its dimension's slot of the
    position, no other byte of the cache changes, SP, IY and the interrupt state come back as they were, for the first
    and last positions and one between, interrupts on and off; it fails with @words' count a pass short (`rrca` once
    more: checked) or a word's step one byte off (DE = AT_DIMENSION_BYTES: checked)."""
    from soulterm.paths import DEFAULT_SOUL
    from soulterm.soul.soulfile import load_soul
    from soulterm.zx.build import FAST_TAKEBACKS_48K
    from soulterm.zx.kernelbench import SCATTER_POPS, TABLE_BY_DIMENSION, player_kernel_options
    from soulterm.zx.soul_layout import soul_include

    options = player_kernel_options("48k", coarse_top=True, fast_scores=True,
                                    fast_takebacks=FAST_TAKEBACKS_48K + (TABLE_BY_DIMENSION,) + (SCATTER_POPS,) * pops)
    bench = Z80Bench('.include "forward.s"\n' + soul_include(load_soul(DEFAULT_SOUL)), options=options)
    assert ("KV_SCATTER_POPS" in bench.symbols) == pops
    cache, stride, source = bench.sym("kv_values"), bench.sym("AT_DIMENSION_BYTES"), bench.sym("fw_ffn")
    dimensions, positions = 32, stride // 2
    rng = np.random.default_rng(35)
    for position, enabled in ((0, False), (7, True), (positions - 1, True), (positions - 1, False)):
        before = rng.integers(0, 256, dimensions * stride).astype(np.uint8)
        bench.poke(cache, before.tolist())
        words = rng.integers(-32768, 32768, dimensions)
        bench.write_words(source, words)
        bench.cpu.hl, bench.cpu.de, bench.cpu.bc, bench.cpu.iy = cache + 2 * position, source, 2 * dimensions, 0x5C3A
        bench.call("kv_values_scatter", interrupts=enabled)
        after = np.frombuffer(bytes(bench.peek(cache, dimensions * stride)), np.uint8)
        want = before.copy().view("<i2").reshape(dimensions, positions)
        want[:, position] = words
        assert np.array_equal(after.view("<i2").reshape(dimensions, positions), want), (position, enabled)
        assert bench.cpu.sp == bench.stack_top and bench.cpu.iy == 0x5C3A and bench.cpu.iff1 == bench.cpu.iff2 == enabled
