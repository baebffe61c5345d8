"""matvec.s's short row ends on the 48K (MV_HZ_ENDS, twenty-fourth round: mv_hz_left, mv_hz_store,
mv_hz_add and mv_row_hz in mv_slots' H:L:A form): a narrow row of a call with no wide column keeps no
h sum, so it shifts and stores in the slots' register set. Every matvec test on the 48K's options
with them, each store a call can ask for against intmath (the short ends serve a plain or adding
store at shifts up to 7; ReLU, wide x, two parts, sparse calls and shifts above 7 keep mv_row_end),
and the exact T-states of a narrow call with them."""

from __future__ import annotations

import numpy as np
import pytest

import test_kernels_z80 as matvec_tests
from soulterm.soul import intmath
from soulterm.zx.kernelbench import Z80Bench, player_kernel_options, run_matvec, set_matvec_store
from test_kernels_z80_rowends import assert_stored_noting_clips, call, low_x, sparse_x, stored


@pytest.fixture(scope="module")
def bench():
    """The 48K's kernels' options with the short ends (no MV_LEAST_SHIFT: every shift up to 7 short)."""
    return Z80Bench(options=player_kernel_options("48k", short_ends=True))


def least_shift_bench(short_ends: bool) -> Z80Bench:
    """As the shipped 48K has them: MV_LEAST_SHIFT = 4 (the left chains 3 steps)."""
    return Z80Bench(options=player_kernel_options("48k", short_ends=short_ends) + "\nMV_LEAST_SHIFT = 4")


def test_matvec_with_the_short_ends_passes_every_matvec_test(bench):
    for test in matvec_tests.EVERY_MATVEC_TEST:
        test(bench)


@pytest.mark.parametrize("store", ["plain", "add", "relu"])
def test_the_48ks_short_row_ends_store_as_intmath(bench, store):
    """Calls of every kind one after another (the short ends' jp at mv_row_end written and put back):
    one-piece x (short), a few wide columns or a wider x (mv_row_end's own), 64 columns in two
    parts, sparse ones, at shifts 0 to 20; sums at the 24 bits' ends, outputs at the adds' clip."""
    rng = np.random.default_rng({"plain": 4801, "add": 4802, "relu": 4803}[store])
    row_end = bench.sym("mv_row_end")
    short = 0
    for case in range(60):
        cols = int(rng.choice([32, 32, 64, 64, 31, 16, 40]))
        rows = int(rng.integers(1, 70))
        w = rng.integers(-128, 128, (rows, cols))
        if case % 5 == 0:
            w = rng.choice([-128, 127], (rows, cols))
        x = (rng.integers(-127, 129, cols), low_x(rng, cols), sparse_x(rng, bench.symbols["MV_SPARSE_MAX"])
             if cols == 64 else low_x(rng, cols))[case % 3]
        bias = rng.integers(-32768, 32768, rows) if case % 2 else None
        shift = int(rng.choice([0, 1, 3, 4, 4, 5, 6, 7, 7, 7, 8, 9, 14, 20]))
        out_before = rng.integers(-32768, 32768, rows)
        out_before[rng.random(rows) < 0.3] = int(rng.choice([32767, -32768, 32000, -32000]))
        set_matvec_store(bench, store)
        got = call(bench, w, x, bias, shift, out_before)
        set_matvec_store(bench, "plain")
        if bench.peek(row_end)[0] == 0xC3:
            short += 1
            assert cols <= 32 and shift <= 7 and store != "relu" and ((x >= -383) & (x <= 384)).all(), case
        want = stored(store, intmath.matvec(w, shift, x, bias, post=0), out_before)
        assert np.array_equal(got, want), f"case {case}: {rows}x{cols} shift {shift}"
    assert short == 0 if store == "relu" else short > 10, short


@pytest.mark.parametrize("store", ["plain", "add"])
def test_the_48ks_short_row_ends_clip_at_shifts_up_to_7(bench, store):
    """Rows whose V << (7 - shift) passes 16 bits (w, x and the bias of one sign, or of the other):
    each step of mv_hz_left's chain clips to 32767 or -32768 before the store or mv_hz_add."""
    rng = np.random.default_rng({"plain": 4811, "add": 4812}[store])
    clipped = set()
    for case in range(40):
        rows = int(rng.integers(8, 40))
        x = rng.choice([-127, 128], 32) if case % 4 else rng.integers(-127, 129, 32)
        sign = rng.choice([-1, 1], (rows, 1))
        w = np.sign(x)[None, :] * rng.integers(120, 128, (rows, 32)) * sign
        bias = sign[:, 0] * rng.integers(30000, 32768, rows) if case % 2 else None
        shift = (case // 4 + case) % 8
        out_before = rng.integers(-32768, 32768, rows)
        assert_stored_noting_clips(bench, store, w, x, bias, shift, out_before, clipped, f"case {case}")
    assert clipped >= {0, 1, 2, 3, 4}, clipped     # (one-piece x: above shift 4 no row passes 16 bits)


def short_ends_figures(w, x, bias, shifts, after_plain=None) -> dict:
    """{(short_ends, store, shift): (T-states, outputs)} of the call run twice (the second timed: the
    same call before it, as a layer's calls run), with and without the short ends, plain and adding;
    each plain call's outputs checked against intmath, then `after_plain(bench, shift)` if given."""
    figures = {}
    for short_ends in (True, False):
        bench = least_shift_bench(short_ends)
        for store in ("plain", "add"):
            for shift in shifts:
                set_matvec_store(bench, store)
                run_matvec(bench, w, x, bias, shift)
                out, t_states = run_matvec(bench, w, x, bias, shift)
                set_matvec_store(bench, "plain")
                if store == "plain":
                    assert np.array_equal(out, intmath.matvec(w, shift, x, bias, post=0)), shift
                    if after_plain:
                        after_plain(bench, shift)
                figures[short_ends, store, shift] = (t_states, tuple(out))
    return figures


def test_a_narrow_call_with_the_short_ends_takes_exactly_these_t_states():
    """32x32 with a bias on one-piece x after the same call, the 48K's options with MV_LEAST_SHIFT = 4:
    with the short ends 3,951 T-states less at shifts 4 to 6 (each row 17 at its start, no h sum, and
    118 at its end, less mv_hz_prepare's ~400 and mv_part's ld hl,(MV_OUT_PTR)), 3,446 at shift 7 (no
    chain either way), adding 4,467 and 3,962 (mv_store_add's own way is longer); the outputs the same.
    It fails without the short ends (the figures), and with a wrong row end (the outputs)."""
    rng = np.random.default_rng(48)
    w, x, bias = rng.integers(-128, 128, (32, 32)), rng.integers(-127, 129, 32), rng.integers(-3000, 3000, 32)
    figures = short_ends_figures(w, x, bias, (4, 5, 6, 7))
    assert {key: t for key, (t, _) in figures.items() if key[0]} == {
        (True, "plain", 4): 97_771, (True, "plain", 5): 96_843, (True, "plain", 6): 95_915,
        (True, "plain", 7): 94_865, (True, "add", 4): 98_919, (True, "add", 5): 97_991,
        (True, "add", 6): 97_063, (True, "add", 7): 96_013}
    # (each 201 more before zx48colpairs39b's column pass by add ix,de, 6 T-states a column)
    for (_, store, shift), (t_states, out) in list(figures.items())[:8]:
        before, out_before = figures[False, store, shift]
        assert out == out_before and before - t_states == (
            {"plain": 3_914, "add": 4_430}[store] - (505 if shift == 7 else 0)), (store, shift)


def test_a_call_with_wide_columns_ends_short_in_exactly_these_t_states():
    """32x32 with a bias, 6 of its columns wide with h = +-1 (|x| 129..384), the 48K's options with
    MV_LEAST_SHIFT = 4: mv_hz_wide writes each wide column's high piece as +-2(w + 128) into the slots'
    H:L (their -256 and +258 in -Cl), so the rows start at mv_row_hz with no walk and end short; at the
    call's end the pass's form goes back (the same x again through matvec_again, a full call and a
    call with a wider column after it: exact). The outputs as intmath's and the exact T-states, far
    fewer than with mv_row_end's way (the figures fail without mv_hz_wide)."""
    rng = np.random.default_rng(4848)
    w, bias = rng.integers(-128, 128, (32, 32)), rng.integers(-3000, 3000, 32)
    x = rng.integers(-127, 129, 32)
    x[[0, 5, 6, 17, 30, 31]] = [384, -383, 129, -128, 200, -256]

    def then_other_calls(bench, shift):
        w2 = rng.integers(-128, 128, (32, 32))
        again, _ = run_matvec(bench, w2, x, None, shift, routine="matvec_again")
        assert np.array_equal(again, intmath.matvec(w2, shift, x, None, post=0)), shift
        wider = x.copy()
        wider[9] = 1000
        full, _ = run_matvec(bench, w, wider, bias, shift)
        assert np.array_equal(full, intmath.matvec(w, shift, wider, bias, post=0)), shift
        run_matvec(bench, w, rng.integers(-32768, 32768, 32), None, shift)

    figures = short_ends_figures(w, x, bias, (4, 7), after_plain=then_other_calls)
    assert {key: t for key, (t, _) in figures.items()} == {
        (True, "plain", 4): 124_753, (True, "plain", 7): 121_847, (True, "add", 4): 126_499, (True, "add", 7): 123_593,
        (False, "plain", 4): 149_668, (False, "plain", 7): 146_257, (False, "add", 4): 151_652, (False, "add", 7): 148_290}
    # (each 201 more before zx48colpairs39b's column pass by add ix,de, 6 T-states a column)
    for shift in (4, 7):
        assert figures[True, "plain", shift][1] == figures[False, "plain", shift][1], shift
