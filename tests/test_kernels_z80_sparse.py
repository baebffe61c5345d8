"""matvec.s's sparse calls (MV_SPARSE, kernels/z80/matvec.s): fc2's two parts on ReLU's output,
where a zero column skips its slot and a nonzero one subtracts its S(w) in the slot; bit-exact
against intmath, and cheaper than the same call without them."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import step_z80_forward
from soulterm.paths import DEFAULT_SOUL
from soulterm.soul import intmath
from soulterm.zx.kernelbench import (BIAS_IN_K_OPTION, LOW_SLOTS_OPTION, NARROW_JUMP_OPTION, PAIR_SKIP_BENCH,
                                     SPARSE_OPTION, Z80Bench, player_kernel_options, run_matvec)

import test_kernels_z80 as dense_tests


@pytest.fixture(scope="module")
def sparse_bench():
    return Z80Bench(options=SPARSE_OPTION)


@pytest.fixture(scope="module")
def sparse_low_bench():
    return Z80Bench(options=LOW_SLOTS_OPTION + "\n" + SPARSE_OPTION)


@pytest.fixture(scope="module")
def sparse_bias_in_k_bench():
    """The 128K's matvec options that concern sparse calls: the row constants hold the bias
    (MV_BIAS_IN_K), which a sparse call's first part, skipping K, adds itself."""
    return Z80Bench(options="\n".join([LOW_SLOTS_OPTION, SPARSE_OPTION, BIAS_IN_K_OPTION]))


@pytest.fixture(scope="module")
def sparse_pair_skip_bench():
    """The 128K's kernels' options with MV_SPARSE_PAIR_SKIP (the 128K player's, twenty-third round): a
    pair of zero columns skipped by one jr from its even slot, which the walks, the second part's rewalk
    and the undo keep right as the odd column's zero comes and goes."""
    return Z80Bench(PAIR_SKIP_BENCH, options=player_kernel_options("128k", pair_skip=True))


@pytest.fixture(scope="module")
def sparse_128k_bench():
    """The 128K's kernels' options as they are (no MV_SPARSE_PAIR_SKIP): the pair skip's measure."""
    return Z80Bench(options=player_kernel_options("128k"))


@pytest.fixture(scope="module")
def sparse_bias_in_k_main_bench():
    """MV_BIAS_IN_K without the low slots: every narrow row runs the main slots, its wide
    columns walked by mv_row_narrow before its K (mv_narrow_k)."""
    return Z80Bench(options="\n".join([SPARSE_OPTION, BIAS_IN_K_OPTION]))


@pytest.fixture(scope="module")
def player_48k_bench():
    """The 48K player's matvec options (MV_SPARSE, MV_NARROW_JUMP): a narrow row of a call with
    no wide column starts at mv_row_narrow@h_zero, with no h sum, and mv_row_end's add of it
    is patched out for that call only. Since the twenty-first round with MV_PAIR_JPS_KEPT: the
    undo of a sparse call writes the jps over its nonzero columns' high pieces back."""
    return Z80Bench(options=player_kernel_options("48k"))


@pytest.fixture(scope="module")
def player_48k_checked_bench():
    """The 48K player's options without MV_PAIR_JPS_KEPT (a soul that leaves no room for it): the
    narrow pass checks each one-piece column's jp."""
    return Z80Bench(options=player_kernel_options("48k", jps_kept=False))


@pytest.fixture(scope="module")
def sparse_low_narrow_jump_bench():
    """MV_NARROW_JUMP with the low slots and no MV_BIAS_IN_K (no player's options): the low rows
    end in mv_low_row_end, which adds the h sum, so every narrow row starts in mv_row_narrow."""
    return Z80Bench(options="\n".join([LOW_SLOTS_OPTION, SPARSE_OPTION, NARROW_JUMP_OPTION]))


def relu_like(rng, cols, nonzero):
    """x as ReLU leaves it: `nonzero` values in 1..128 (one piece) at random places, zeros elsewhere."""
    x = np.zeros(cols, dtype=np.int64)
    x[rng.choice(cols, nonzero, replace=False)] = rng.integers(1, 129, nonzero)
    return x


def sparse_on(bench) -> bool:
    return bench.peek(bench.sym("mv_sparse_on"))[0] == 0xFF


def assert_exact(bench, w, x, bias, shift, note):
    got, t_states = run_matvec(bench, w, x, bias, shift)
    assert np.array_equal(got, intmath.matvec(w, shift, x, bias, post=0)), note
    return t_states


@pytest.mark.parametrize("bench_name", ["sparse_bench", "sparse_low_bench", "sparse_bias_in_k_bench",
                                        "sparse_pair_skip_bench", "sparse_bias_in_k_main_bench", "player_48k_bench",
                                        "player_48k_checked_bench", "sparse_low_narrow_jump_bench"])
def test_sparse_calls_match_intmath_between_dense_ones(bench_name, request):
    """Sparse two-part calls (few nonzero inputs in each part, any rows, a bias or none, any
    shift) in a random order with calls that must not run sparse: a part with one nonzero too
    many, an x above 128 or below 0 (two pieces: h != 0), whole calls, narrow and full calls,
    and matvec_again; every one exact, and sparse exactly when the inputs allow it."""
    bench = request.getfixturevalue(bench_name)
    most = bench.sym("MV_SPARSE_MAX")
    rng = np.random.default_rng(2040)
    for case in range(48):
        kind = case % 6
        cols = int(rng.choice([64, 63, 40, 33])) if kind != 4 else int(rng.choice([32, 17, 1]))
        first = cols - 32 if cols > 32 else cols
        parts = (min(first, int(rng.integers(0, most + 1))), int(rng.integers(0, most + 1)))
        if kind == 1:                                   # one part one nonzero too many
            parts = (min(first, most + 1), parts[1]) if case % 4 else (parts[0], most + 1)
        x = np.concatenate([relu_like(rng, first, parts[0]), relu_like(rng, cols - first, parts[1])]) \
            if cols > 32 else relu_like(rng, cols, min(cols, parts[1]))
        if kind == 2:                                   # a two-piece x: 129 or more, or below -127
            x[int(rng.integers(0, cols))] = int(rng.choice([129, 256, 1000, -128, -32768]))
        if kind == 3:                                   # negative one-piece inputs are one piece too
            x[x > 0] = -rng.integers(1, 128, int((x > 0).sum()))
        if kind == 5:                                   # a dense call: narrow or full
            x = dense_tests.one_piece_inputs(rng, cols, int(rng.choice([0, cols // 4, cols])))
        rows = int(rng.integers(1, 70)) if case % 5 else int(rng.integers(129, 256))
        w = rng.integers(-128, 128, (rows, cols))
        if case % 7 == 0:
            w = rng.choice([-128, 127], (rows, cols))
        bias = rng.integers(-32768, 32768, rows) if case % 2 else None
        shift = int(rng.integers(0, 31))
        assert_exact(bench, w, x, bias, shift, case)
        x_first, x_last = (x[:first], x[first:]) if cols > 32 else (x, x[:0])
        allowed = cols > 32 and all(np.all((-127 <= part) & (part <= 128)) and np.count_nonzero(part) <= most
                                    for part in (x_first, x_last))
        assert sparse_on(bench) == allowed, case
        if case % 3 == 0:                               # matvec_again on the same x (a two-part call: as matvec)
            w2 = rng.integers(-128, 128, w.shape)
            got, _ = run_matvec(bench, w2, x, None, shift, routine="matvec_again")
            assert np.array_equal(got, intmath.matvec(w2, shift, x, None, post=0)), case


def test_every_matvec_test_holds_with_sparse_calls(sparse_bench, sparse_low_bench, sparse_bias_in_k_bench,
                                                   sparse_pair_skip_bench, sparse_bias_in_k_main_bench,
                                                   player_48k_bench, player_48k_checked_bench,
                                                   sparse_low_narrow_jump_bench):
    """The dense tests of test_kernels_z80 on benches with MV_SPARSE (their slots are patched
    and put back around each sparse call, so a dense call after one must not see it), with
    the bias in the row constants (MV_BIAS_IN_K: full calls take it out of V again, mv_unbias),
    and with the 48K player's MV_NARROW_JUMP (mv_row_narrow@h_zero's rows between others)."""
    for bench in (sparse_bench, sparse_low_bench, sparse_bias_in_k_bench, sparse_pair_skip_bench,
                  sparse_bias_in_k_main_bench, player_48k_bench, player_48k_checked_bench,
                  sparse_low_narrow_jump_bench):
        dense_tests.test_matvec_matches_intmath_on_random_cases(bench)
        dense_tests.test_matvec_saturates_both_ways(bench)
        dense_tests.test_matvec_floors_negative_sums(bench)
        dense_tests.test_matvec_takes_every_split_edge(bench)
        dense_tests.test_matvec_again_reuses_the_columns_of_the_call_before(bench)
        dense_tests.test_matvec_narrow_mode_matches_intmath_across_mode_changes(bench)
        dense_tests.test_matvec_counts_up_to_255_rows_in_every_mode(bench)


def zero_pairs_saved(nonzero) -> int:
    """MV_SPARSE_PAIR_SKIP's T-states a row of a sparse part with these nonzero columns: each pair of zero
    columns 12 (one jr, not two), and a run of MV_RUN_LEAST (4) or more of them 34 a pair less 65 (a jp to
    its stub, which steps SP and jumps past the run)."""
    runs, run = [], 0
    for pair in range(16):
        if 2 * pair in nonzero or 2 * pair + 1 in nonzero:
            runs, run = runs + [run], 0
        else:
            run += 1
    return sum(34 * run - 65 if run >= 4 else 12 * run for run in runs + [run])


def test_a_pair_of_zero_columns_takes_one_jr(sparse_128k_bench, sparse_pair_skip_bench):
    """MV_SPARSE_PAIR_SKIP: fc2's shape, each part's nonzero columns placed so that a pair's even column
    is zero in both parts while its odd one is zero in one part only (the second part's rewalk must
    send the even slot's jr to the odd slot, or past the pair, as the odd column says), runs of zero
    pairs (three of 4 or more in a part, the longest 16) that start and end in one part and not the
    other, in sequences of sparse calls: every call exact, and (after the same dense call) each row
    zero_pairs_saved's T-states cheaper than without the option, less what the walks add (1,781 to
    3,263 a call here: the runs counted as the walks go, the stubs' making, mv_pair_run, ~250 a run,
    the first part's stubs off before the rewalk, mv_pair_flatten, and its odd columns' changes), plus at
    most 49 a zero column that mv_sparse_pairs' column pass saves (twenty-fourth round)."""
    rng = np.random.default_rng(2042)
    w = rng.integers(-128, 128, (32, 64))
    bias = rng.integers(-32768, 32768, 32)
    dense_x = dense_tests.one_piece_inputs(rng, 64, 0)
    layouts = [((1, 3, 9), (3, 5, 9)), ((3, 5, 9), (1, 3, 9)), ((), (1, 31)), ((1, 31), ()), ((0, 1), (30, 31)),
               ((), ()), ((7, 13, 21, 27, 29), (7,)), ((6,), (6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16)),
               ((8, 17, 26), (0, 9, 18, 27)), ((0, 9, 18, 27), (8, 17, 26)), ((30,), (1,)), ((1,), (30,))]
    for first, second in layouts * 2:
        x = np.zeros(64, dtype=np.int64)
        x[list(first)] = rng.integers(1, 129, len(first))
        x[[32 + column for column in second]] = rng.integers(1, 129, len(second))
        assert_exact(sparse_pair_skip_bench, w, x, bias, 7, (first, second))     # (after the call before)
        for bench in (sparse_128k_bench, sparse_pair_skip_bench):               # (timed after the same call)
            assert_exact(bench, w, dense_x, bias, 7, "dense before")
        plain = assert_exact(sparse_128k_bench, w, x, bias, 7, (first, second))
        skipped = assert_exact(sparse_pair_skip_bench, w, x, bias, 7, (first, second))
        assert sparse_on(sparse_pair_skip_bench)
        if first and second:                                                    # (an all-zero part: the next test)
            zero_columns = 64 - len(first) - len(second)        # (mv_sparse_pairs' pass: at most 49 less each)
            assert -4_000 <= plain - skipped - 32 * sum(map(zero_pairs_saved, (first, second))) <= 49 * zero_columns, \
                (first, second)


def test_a_part_of_zero_columns_is_left_out(sparse_128k_bench, sparse_pair_skip_bench):
    """MV_SPARSE_PAIR_SKIP's mv_first_alone and mv_last_alone: a sparse call (fc2's shape) whose first or last
    part is all zero runs the other part alone as a whole call (the last part's rows with no row constant,
    SP past the first part's weights), in sequences with two-part sparse calls and dense ones: every call
    exact, and (after the same dense call) cheaper than without the option by the other part's zero pairs'
    savings and at least 700 T-states a row more (the zero part's row starts, ends and skips: ~850 a row,
    against 479 by its pairs' stub alone)."""
    rng = np.random.default_rng(2043)
    w = rng.integers(-128, 128, (32, 64))
    bias = rng.integers(-32768, 32768, 32)
    dense_x = dense_tests.one_piece_inputs(rng, 64, 0)
    layouts = [((), (1, 31)), ((1, 31), ()), ((), ()), ((0, 5, 6, 17, 30), ()), ((), (2, 3, 9, 20, 21, 28)),
               ((4, 9), (7,)), ((), (0,)), ((31,), ())]
    for first, second in layouts * 2:
        x = np.zeros(64, dtype=np.int64)
        x[list(first)] = rng.integers(1, 129, len(first))
        x[[32 + column for column in second]] = rng.integers(1, 129, len(second))
        assert_exact(sparse_pair_skip_bench, w, x, bias, 7, (first, second))     # (after the call before)
        assert_exact(sparse_pair_skip_bench, w, x, None, 4, (first, second))     # (no bias, a short end)
        for bench in (sparse_128k_bench, sparse_pair_skip_bench):               # (timed after the same call)
            assert_exact(bench, w, dense_x, bias, 7, "dense before")
        plain = assert_exact(sparse_128k_bench, w, x, bias, 7, (first, second))
        alone = assert_exact(sparse_pair_skip_bench, w, x, bias, 7, (first, second))
        assert sparse_on(sparse_pair_skip_bench)
        if not (first and second):
            nonzero_part = first or second
            assert plain - alone - 32 * zero_pairs_saved(nonzero_part) >= 32 * 700, (first, second, plain - alone)


def test_a_sparse_call_costs_less_than_the_same_call_without_it(sparse_bench):
    """fc2's shape, 32 rows x 64 columns, after a dense call as in forward.s: with few nonzero
    inputs the sparse call is cheaper than the narrow call the bench without MV_SPARSE runs,
    and each nonzero input costs more than a zero one."""
    plain = dense_tests.Z80Bench()
    rng = np.random.default_rng(2041)
    w = rng.integers(-128, 128, (32, 64))
    dense_x = dense_tests.one_piece_inputs(rng, 64, 0)

    def t_states(bench, x):
        assert_exact(bench, w, dense_x, None, 9, "dense before")
        return assert_exact(bench, w, x, None, 9, "the call")

    costs = []
    for nonzero in (0, 4, 8):
        x = np.concatenate([relu_like(rng, 32, nonzero // 2), relu_like(rng, 32, nonzero - nonzero // 2)])
        costs.append(t_states(sparse_bench, x))
        assert sparse_on(sparse_bench)
        assert costs[-1] < 0.8 * t_states(plain, x), nonzero
    assert costs[0] < costs[1] < costs[2]


def test_forward_step_with_sparse_calls_gives_the_engines_logits():
    """The shipped soul through forward.s on a bench with MV_SPARSE: fc2's calls go sparse where
    ReLU leaves few nonzero values, and every position's logits equal Engine.step's."""
    from soulterm.soul.engine import Engine
    from soulterm.soul.soulfile import load_soul
    from soulterm.zx.soul_layout import soul_include

    soul = load_soul(DEFAULT_SOUL)
    forward = Z80Bench('.include "forward.s"\n' + soul_include(soul), options=SPARSE_OPTION)
    steps = list(step_z80_forward(forward, Engine(soul), 8))   # each checked against Engine.step
    assert len(steps) == 8


def test_a_sparse_calls_slots_stay_sparse_past_the_calls_that_do_not_run_them(sparse_pair_skip_bench):
    """MV_SPARSE_PAIR_SKIP's undo put off (twenty-fourth round): a sparse call (fc2's shape) leaves its slots
    sparse past calls that run the low slots (a narrow call of one-piece x, as q, k, v, proj), which then
    cost what they cost after a dense call (the undo, ~3,000 to 6,000 T-states, not paid there: at most 200
    more, mv_undo_put_off's look), and the next sparse call's first part rewalks them; a call that runs the
    main slots (a full call of wide x, a sparse call of 40 columns, whose first part has 8) undoes them
    first, by their bytes, and matvec_again after a sparse call rewalks them too. Every call exact."""
    bench = sparse_pair_skip_bench
    rng = np.random.default_rng(2044)
    w = rng.integers(-128, 128, (32, 64))
    bias = rng.integers(-32768, 32768, 32)
    w_low = rng.integers(-128, 128, (48, 32))
    x_low = dense_tests.one_piece_inputs(rng, 32, 0)
    layouts = [((1, 3, 9), (3, 5, 9)), ((0, 9, 18, 27), (8, 17, 26)), ((), (1, 31)), ((6,), (6, 7, 8, 9, 10, 11)),
               ((1, 31), ()), ((7, 13, 21, 27, 29), (7,)), ((30,), (1,)), ((), ())]
    assert_exact(bench, w_low, x_low, None, 7, "low")                      # (the low call's slots set)
    for case, (first, second) in enumerate(layouts * 2):
        x = np.zeros(64, dtype=np.int64)
        x[list(first)] = rng.integers(1, 129, len(first))
        x[[32 + column for column in second]] = rng.integers(1, 129, len(second))
        after_dense = assert_exact(bench, w_low, x_low, None, 7, "low after low")
        assert_exact(bench, w, x, bias, 7, (first, second))
        assert sparse_on(bench)
        after_sparse = assert_exact(bench, w_low, x_low, None, 7, "low after sparse")
        assert after_sparse - after_dense <= 200, (first, second, after_sparse - after_dense)
        assert bench.peek(bench.sym("mv_kept_sparse"))[0] == 32, (first, second)
        assert_exact(bench, w, x[::-1].copy(), bias, 6, (first, second, "rewalked"))
        if case % 4 == 1:                               # matvec_again on a sparse call's x
            w2 = rng.integers(-128, 128, w.shape)
            got, _ = run_matvec(bench, w2, x, None, 7, routine="matvec_again")
            assert np.array_equal(got, intmath.matvec(w2, 7, x, None, post=0)), (first, second, "again")
        if case % 4 == 2:                               # a full call on the main slots
            x_wide = dense_tests.one_piece_inputs(rng, 32, 24)
            assert_exact(bench, w_low, x_wide, None, 9, (first, second, "full"))
            assert bench.peek(bench.sym("mv_kept_sparse"))[0] == 0, (first, second)
        if case % 4 == 3:                               # a sparse call of 40 columns
            w40 = rng.integers(-128, 128, (20, 40))
            x40 = np.concatenate([relu_like(rng, 8, 2), relu_like(rng, 32, 3)])
            assert_exact(bench, w40, x40, None, 7, (first, second, "40"))
            assert sparse_on(bench)


# A sparse call's T-states (fc2's shape, default_rng(2045)'s w and bias at shift 7, and no bias at shift 4, each
# after the same dense call) with its column pass a pair of slots at a time (mv_sparse_pairs, twenty-fourth
# round); main's pass before it: 86,755 / 85,457, 82,254 / 81,203, 67,019 / 67,034, 85,751 / 84,705, 59,653 / 58,553.
PAIRS_PASS_T_STATES = {((0, 1, 2, 3), (28, 29, 30, 31)): (84_438, 83_140), ((1, 3, 9), (3, 5, 9)): (79_816, 78_765),
                       ((0, 31), (1, 30)): (64_410, 64_425), ((6,), (6, 7, 8, 9, 10, 11)): (83_204, 82_158),
                       ((5,), (26,)): (56_767, 55_667)}


def test_a_sparse_calls_column_pass_takes_a_pair_of_slots_at_a_time():
    """MV_SPARSE_PAIR_SKIP's mv_sparse_pairs: a sparse call's column pass of MV_MAX_COLS columns (each of fc2's
    parts) marks a zero column's slot ($FF) without mv_prepare's slot step, two slots a step, and sends a
    nonzero one (negative ones too, each place in a pair, the first and last columns) through mv_prepare's pass,
    back from its @next_slot: every call exact at exactly PAIRS_PASS_T_STATES (~2,300 to 2,900 fewer than
    main's pass; a zero column 63 T-states, not 112), and mv_prepare's @next_slot and @entry as before after it
    (the dense call before each is exact too). A bench of its own: the slots a test before left sparse past the
    dense call (mv_kept_sparse) would change what the first calls cost."""
    bench = Z80Bench(PAIR_SKIP_BENCH, options=player_kernel_options("128k", pair_skip=True))
    rng = np.random.default_rng(2045)
    w = rng.integers(-128, 128, (32, 64))
    bias = rng.integers(-32768, 32768, 32)
    dense_x = dense_tests.one_piece_inputs(rng, 64, 0)
    values = [128, -127, 77, -5, 1, 100, -64, 12]
    next_slot = bench.peek(bench.sym("mv_prepare@next_slot"), 3)
    for (first, second), expected in PAIRS_PASS_T_STATES.items():
        x = np.zeros(64, dtype=np.int64)
        columns = list(first) + [32 + column for column in second]
        x[columns] = [values[i % len(values)] for i in range(len(columns))]
        got = []
        for shift, call_bias in ((7, bias), (4, None)):
            assert_exact(bench, w, dense_x, bias, 7, "dense before")
            got.append(assert_exact(bench, w, x, call_bias, shift, (first, second, shift)))
            assert sparse_on(bench)
            assert bench.peek(bench.sym("mv_prepare@next_slot"), 3) == next_slot
        assert tuple(got) == expected, (first, second, got)
