"""matvec.s's MV_NARROW_NO_H and MV_NARROW_ENDS (thirty-ninth round, zx48proj39: the 48K player's, with MV_WIDE_PM1 and
MV_LEAST_SHIFT): a narrow call's rows set and add no h sum (mv_row_end's add patched to ex de,hl and nop), and a
narrow whole call that adds its output (proj's) ends each row in mv_narrow_chain (the shift in place on the slots'
H:L:A, mv_store_add's add in line, the row's word in HL'). Calls of every kind one after another against intmath at
every shift the option allows, with both stores, the sums and the adds at their saturation, the row end each call
took, and the exact T-states of a proj-sized call."""

from __future__ import annotations

import numpy as np
import pytest

from soulterm.soul import intmath
from soulterm.zx.kernelbench import WIDE_PM1_OPTION, Z80Bench, player_kernel_options, run_matvec, set_matvec_store
from test_kernels_z80_rowends import call, stored
from test_kernels_z80_wide_pm1 import OPTIONS_48K, call_x, high_pieces_as_the_pass_writes_them, narrow, wide_x

LEAST_SHIFT = 4     # (the shipped soul's: build.py's MV_LEAST_SHIFT)


def narrow_ends_bench() -> Z80Bench:
    made = Z80Bench(options=OPTIONS_48K + "\n" + WIDE_PM1_OPTION + f"\nMV_LEAST_SHIFT = {LEAST_SHIFT}")
    assert {"MV_NARROW_NO_H", "MV_NARROW_ENDS", "mv_narrow_chain"} <= set(made.symbols)
    return made


@pytest.fixture(scope="module")
def bench():
    return narrow_ends_bench()


def ended_narrow(bench) -> bool:
    """Whether the last call's rows ended in mv_narrow_chain (MV_SLOTS_END's target), else in mv_row_end."""
    target = int.from_bytes(bytes(bench.peek(bench.sym("MV_SLOTS_END"), 2)), "little")
    assert target == bench.sym("mv_row_end") or bench.sym("mv_narrow_chain") <= target <= bench.sym("mv_narrow_end")
    return target != bench.sym("mv_row_end")


@pytest.mark.parametrize("store", ["plain", "add", "relu"])
def test_calls_of_every_kind_one_after_another_match_intmath(bench, store):
    """Whole calls with 0..8 wide columns of h +-1 (narrow), more than a quarter or one of another h (full), 64 and
    40 columns (two parts: a first part narrow keeps its sums through mv_row_end), odd counts and one column, at
    shifts LEAST_SHIFT..7, with and without a bias, some with an output next to its bounds (the add's saturation);
    each against intmath, with the row end it took (mv_row_end's for the plain store and ReLU's, mv_store_relu: the
    bench assembles it, the 48K player with FW_FC1_BYTES does not)."""
    rng = np.random.default_rng({"plain": 3901, "add": 3902, "relu": 3905}[store])
    ends = {"narrow ends": 0, "row end": 0}
    for case in range(96):
        cols = int(rng.choice([32, 32, 32, 31, 17, 8, 1, 64, 40]))
        rows = int(rng.integers(1, 40))
        kind = case % 6
        x = call_x(rng, cols, kind, [385, -384, 1000, -32768, -32640, 32767, 512],
                   lambda rng, cols: np.where(rng.random(cols) < 0.5, rng.integers(-127, 129, cols),
                                              wide_x(rng, cols, cols // 4)))
        w = rng.integers(-128, 128, (rows, cols)) if case % 3 else rng.choice([-128, 127], (rows, cols))
        bias = rng.integers(-32768, 32768, rows) if case % 2 else None
        shift = int(rng.integers(LEAST_SHIFT, 8))
        out_before = (rng.choice([32767, -32768, 32000, -32000], rows) if case % 4 == 1
                      else rng.integers(-32768, 32768, rows))
        set_matvec_store(bench, store)
        got = call(bench, w, x, bias, shift, out_before)
        set_matvec_store(bench, "plain")
        want = stored(store, intmath.matvec(w, shift, x, bias, post=0), out_before)
        assert np.array_equal(got, want), f"case {case}: {rows}x{cols} shift {shift}"
        assert high_pieces_as_the_pass_writes_them(bench), case
        whole_narrow = cols <= 32 and narrow(bench)
        assert ended_narrow(bench) == (whole_narrow and store == "add"), case
        ends["narrow ends" if ended_narrow(bench) else "row end"] += 1
    assert ends["narrow ends"] > (30 if store == "add" else -1) and ends["row end"] > 25, ends


def test_the_narrow_chain_saturates(bench):
    """Adding calls whose products are all of one sign (w = 127 or -128 against x's signs, 8 wide columns of
    x = 384 or -383), rows of every size up to the largest, both signs: at LEAST_SHIFT the sum leaves 16 bits at
    the chain's last step (a narrow call's |2(Wx + b)| < 2^21 passes no other), each row clipped to 32767 or -32768
    before the add, as intmath's; at the shifts above none is."""
    rng = np.random.default_rng(3904)
    clipped = 0
    for case in range(24):
        x = np.where(rng.random(32) < 0.5, 128, -127)
        x[rng.choice(32, 8, replace=False)] = rng.choice([384, -383], 8)
        sign = 1 if case % 2 else -1
        w = np.where((x > 0) == (sign > 0), 127, -128)[None, :].repeat(32, 0)
        w = w * (rng.random((32, 32)) < rng.uniform(0.05, 1.0, (32, 1)))     # (rows of every size up to the largest)
        bias = rng.integers(-32768, 32768, 32) if case % 3 else None
        shift = LEAST_SHIFT + case % 2 if case % 6 else 7
        out_before = rng.integers(-40, 40, 32)
        set_matvec_store(bench, "add")
        got = call(bench, w, x, bias, shift, out_before)
        set_matvec_store(bench, "plain")
        product = intmath.matvec(w, shift, x, bias, post=0)
        assert np.array_equal(got, stored("add", product, out_before)), case
        assert ended_narrow(bench), case
        clipped += int((np.abs(product) >= 32767).sum())
    assert clipped > 50, clipped


def test_projs_calls_on_a_random_soul_match_intmath_and_end_narrow(bench):
    """32 x 32 adding calls at the shipped proj's shift on attention-like x, after one another as the player makes
    them, each exact, narrow and ended in mv_narrow_chain; a full call and a plain one between them end in mv_row_end
    (its add of the h sum back) and the next adding call in mv_narrow_chain again."""
    rng = np.random.default_rng(3903)
    for case in range(30):
        w = rng.integers(-100, 100, (32, 32))
        x = wide_x(rng, 32, int(rng.integers(0, 5)))
        store = "plain" if case % 5 == 4 else "add"
        if case % 7 == 6:
            x[int(rng.integers(0, 32))] = 20000        # (full)
        out_before = rng.integers(-20000, 20000, 32)
        set_matvec_store(bench, store)
        got = call(bench, w, x, None, 6, out_before)
        set_matvec_store(bench, "plain")
        assert np.array_equal(got, stored(store, intmath.matvec(w, 6, x, None, post=0), out_before)), case
        assert ended_narrow(bench) == (store == "add" and case % 7 != 6), case


def test_the_narrow_ends_t_states():
    """A 32 x 32 adding call at shift 6 after the same call (w from default_rng(3701), x = 5 but for its wide
    columns): none wide, one of h = +1, eight (a quarter), a column of h = 2 (full: mv_row_end's way), on a bench of
    its own: the slots keep their forms from call to call, so a bench that other tests ran first (the module's, in
    whatever order pytest-xdist gives) may cost a wide call a little more. Before (main 4651836f, the same options):
    101,376, 106,326, 137,436 and 180,914."""
    bench = narrow_ends_bench()
    w = np.random.default_rng(3701).integers(-128, 128, (32, 32))
    set_matvec_store(bench, "add")

    def t_states(wide):
        x = np.full(32, 5)
        for column, value in wide:
            x[column] = value
        run_matvec(bench, w, x, None, 6)
        got, t = run_matvec(bench, w, x, None, 6)
        return t

    measured = {name: t_states(wide) for name, wide in {
        "none": [], "one +1": [(6, 300)], "eight": [(column, 300 if column % 8 else -300) for column in range(0, 32, 4)],
        "h = 2": [(6, 600)]}.items()}
    set_matvec_store(bench, "plain")
    # (201 more each before zx48colpairs39b's column pass stepped IX by add ix,de)
    assert measured == {"none": 96_755, "one +1": 101_676, "eight": 132_786, "h = 2": 181_108}, measured
