"""matvec.s's short gate on the 48K (MV_GATE_SHORT, thirty-second round, zx48ffn32): the coarse slots'
end is fc1's gate itself. A gated call with ReLU's store (fc1's) tests each row's V = D >> 8 against
Tv in the slots' register set, stores a zeroed row's 0 through the other set's HL and starts the next
row; the rows it does not zero sum their low bytes again (mv_gate_back) and end in the same set
through mv_hz_left's chain and mv_short_relu. Any other
coarse call (ungated, gated without ReLU's store, or at a shift above 7) runs exact. Every row
is ReLU of intmath's, for random matrices and x at the gate's edges, and the exact T-states of fc1's
shape against the gate without it."""

from __future__ import annotations

import numpy as np
import pytest

from soulterm.soul import intmath
from soulterm.zx.kernelbench import (Z80Bench, coarse_doubled, player_kernel_options, run_matvec, runs_coarse,
                                     set_matvec_store)
import test_kernels_z80 as matvec_tests
from test_kernels_z80_rowends import call, stored


def gate_bench(least_shift: bool, gate_short: bool = True) -> Z80Bench:
    """The 48K's kernels' options with the short row ends and the short gate (as the shipped 48K's
    player has them, less its planes); `least_shift`: MV_LEAST_SHIFT = 4 as the shipped soul's."""
    options = player_kernel_options("48k", short_ends=True, gate_short=gate_short)
    return Z80Bench(options=options + "\nMV_LEAST_SHIFT = 4" * least_shift)


@pytest.fixture(scope="module", params=[False, True], ids=["any_shift", "least_shift"])
def bench(request):
    return gate_bench(request.param)


def gate_x(rng, cols: int) -> np.ndarray:
    """x as fc1's calls have it: one piece, now and then up to 6 columns with h = +-1 (their high
    pieces in the coarse slots' blocks), now and then a call that cannot run coarse."""
    x = rng.integers(-127, 129, cols)
    for column in rng.choice(cols, min(cols, int(rng.choice([0, 0, 1, 3, 6, 7]))), replace=False):
        x[column] = int(rng.choice([129, 200, 384, -128, -200, -383]))
    if rng.random() < 0.1:
        x[int(rng.integers(0, cols))] = int(rng.integers(-32768, 32768))
    return x


def shifts(bench) -> list[int]:
    least = bench.symbols.get("MV_LEAST_SHIFT")
    return [4, 5, 6, 7] if least is not None else [0, 1, 3, 5, 6, 6, 7, 7, 8, 12, 21, 29, 30]


def test_gated_relu_rows_are_relu_of_intmath(bench):
    """fc1's call (MV_COARSE_GATE with mv_store_relu) on random matrices, biased so that many rows lie
    near the gate's threshold, and on rows at V's ends (every |w x| and |b| at its most): each row is
    ReLU of intmath's; the call runs coarse exactly where runs_coarse and a shift up to 7 say (the
    rows summed again end through mv_hz_left's chain), and then the rows the coarse sum puts below Tv
    are the zeroed ones."""
    gate = bench.symbols["MV_COARSE_GATE"]
    most = bench.symbols["MV_CHAIN_BITS"]             # (7: mv_hz_left's chain, a left shift or none)
    rng = np.random.default_rng(3201)
    seen = {"zeroed": 0, "again": 0, "exact": 0}
    for case in range(70):
        cols = int(rng.choice([32, 32, 32, 30, 16, 2, 31]))
        rows = int(rng.integers(1, 80))
        w = rng.integers(-128, 128, (rows, cols))
        x = gate_x(rng, cols)
        shift = int(rng.choice(shifts(bench)))
        bias = np.clip(-(w @ x) + rng.integers(-(3 << shift), 3 << shift, rows), -32768, 32767)
        if case % 7 == 6:                   # (V at its ends: the short gate's V - Tv in 16 bits)
            x = rng.choice([-383, 384], cols) if case % 2 else rng.choice([-127, 128], cols)
            x[6:] = np.where(x[6:] > 128, 128, np.where(x[6:] < -127, -127, x[6:]))
            along = rng.random((rows, 1)) < 0.5                 # (each row with x's signs, or against them)
            w = np.where(along == (x > 0)[None, :], 127, -128)
            bias = rng.choice([-32768, 32767, 0], rows)
        bench.poke(bench.sym("mv_coarse_on"), [gate])
        set_matvec_store(bench, "relu")
        got = call(bench, w, x, bias, shift, np.full(rows, 12345))
        set_matvec_store(bench, "plain")
        ran_coarse = bench.peek(bench.sym("mv_coarse_on"))[0] == gate
        bench.poke(bench.sym("mv_coarse_on"), [0])
        exact = intmath.matvec(w, shift, x, bias, post=0)
        assert np.array_equal(got, np.maximum(exact, 0)), case
        assert ran_coarse == (runs_coarse(x) and shift <= most), case
        if not ran_coarse:
            seen["exact"] += 1
            continue
        zeroed = coarse_doubled(w, x, bias) >> 8 < ((1 << (shift + 1)) - 255 * cols) >> 8
        seen["zeroed"] += int(zeroed.sum())
        seen["again"] += int((~zeroed).sum())
    assert min(seen.values()) >= 10, seen


@pytest.mark.parametrize("store", ["plain", "add"])
def test_other_coarse_calls_run_exact(bench, store):
    """A coarse call the short gate does not serve runs exact and says so (mv_coarse_on 0): gated
    with another store (its zeroed rows would need the coarse output, not 0), and ungated (the
    logits' bound, which the 48K's planes replace); the dense calls after them exact too."""
    gate = bench.symbols["MV_COARSE_GATE"]
    rng = np.random.default_rng({"plain": 3202, "add": 3203}[store])
    for case in range(16):
        rows = int(rng.integers(1, 70))
        w = rng.integers(-128, 128, (rows, 32))
        x = rng.integers(-127, 129, 32)
        shift = int(rng.choice(shifts(bench)))
        bias = np.clip(-(w @ x) + rng.integers(-(3 << shift), 3 << shift, rows), -32768, 32767)
        out_before = rng.integers(-32768, 32768, rows)
        bench.poke(bench.sym("mv_coarse_on"), [gate if case % 2 else 1])
        set_matvec_store(bench, store)
        got = call(bench, w, x, bias, shift, out_before)
        set_matvec_store(bench, "plain")
        assert bench.peek(bench.sym("mv_coarse_on"))[0] == 0, case
        assert np.array_equal(got, stored(store, intmath.matvec(w, shift, x, bias, post=0), out_before)), case
        dense, _ = run_matvec(bench, w, x, None, shift)
        assert np.array_equal(dense, intmath.matvec(w, shift, x, None, post=0)), case


def test_every_matvec_test_holds_after_a_gated_call():
    """After fc1's call (which leaves mv_hz_store's first bytes a jp to mv_short_relu and its own row
    start and end in the coarse slots) the dense tests of test_kernels_z80 hold, the short row ends'
    calls (proj's: mv_hz_prepare writes mv_hz_store's own bytes back) among them, each test after
    another gated call (on the bench without MV_LEAST_SHIFT: the tests' shifts pass 7)."""
    bench = gate_bench(False)
    rng = np.random.default_rng(3206)
    for test in (matvec_tests.test_matvec_matches_intmath_on_random_cases, matvec_tests.test_matvec_saturates_both_ways,
                 matvec_tests.test_matvec_floors_negative_sums, matvec_tests.test_matvec_takes_every_split_edge,
                 matvec_tests.test_matvec_narrow_mode_matches_intmath_across_mode_changes,
                 matvec_tests.test_matvec_counts_up_to_255_rows_in_every_mode):
        w, x = rng.integers(-48, 49, (64, 32)), rng.integers(-40, 41, 32)
        bias = np.clip(-(w @ x) + rng.integers(-2000, 2000, 64), -32768, 32767)
        shift = int(rng.choice(shifts(bench)))
        got, _ = fc1_call(bench, w, x, bias, shift)
        assert np.array_equal(got, np.maximum(intmath.matvec(w, shift, x, bias, post=0), 0)), test.__name__
        test(bench)


def fc1_call(bench, w, x, bias, shift: int) -> tuple[np.ndarray, int]:
    """fc1's call as forward.s makes it (the gate, ReLU's store): the output and the T-states."""
    bench.poke(bench.sym("mv_coarse_on"), [bench.symbols["MV_COARSE_GATE"]])
    set_matvec_store(bench, "relu")
    out, t_states = run_matvec(bench, w, x, bias, shift)
    set_matvec_store(bench, "plain")
    bench.poke(bench.sym("mv_coarse_on"), [0])
    return out, t_states


def test_fc1s_call_takes_exactly_these_t_states():
    """64x32 with a bias at shift 6 (fc1's shape; the 48K's options with MV_LEAST_SHIFT = 4), one-piece
    x (40 rows zeroed, 24 summed again) and then x with 3 columns of h = +-1 (37 and 27), after the same
    call: the short gate takes exactly these T-states, 8,527 and 8,545 fewer than the gate without it
    (132 a zeroed row, ~135 a row summed again: no h sum at the row's start, the test and the store in
    the slots' set), and its outputs are the same. It fails without the short gate (the figures)."""
    rng = np.random.default_rng(3204)
    w = rng.integers(-48, 49, (64, 32))                 # (fc1's own range: the biases reach every row's sum)
    x = rng.integers(-40, 41, 32)
    wide = x.copy()
    wide[[3, 11, 20]] = [300, -200, 384]
    positive = np.arange(64) % 8 < 3
    offsets = np.where(positive, rng.integers(200, 4000, 64), -rng.integers(5000, 12000, 64))
    biases = {name: np.clip(-(w @ xs) + offsets, -32768, 32767) for name, xs in (("narrow", x), ("wide", wide))}
    figures = {}
    for gate_short in (True, False):
        bench = gate_bench(True, gate_short)
        for name, xs in (("narrow", x), ("wide", wide)):
            bias = biases[name]
            fc1_call(bench, w, xs, bias, 6)
            out, t_states = fc1_call(bench, w, xs, bias, 6)
            assert np.array_equal(out, np.maximum(intmath.matvec(w, 6, xs, bias, post=0), 0)), (gate_short, name)
            zeroed = int((coarse_doubled(w, xs, bias) >> 8 < ((1 << 7) - 255 * 32) >> 8).sum())
            figures[gate_short, name] = (t_states, zeroed, tuple(out))
    assert {key: figure[:2] for key, figure in figures.items()} == {
        (True, "narrow"): (146_693, 40), (True, "wide"): (165_052, 37),
        (False, "narrow"): (155_220, 40), (False, "wide"): (173_597, 37)}
    # (the wide calls 18 more before zx48colpairs39b's column pass by add ix,de: their exact rows' pass, 6 a column)
    for name in ("narrow", "wide"):
        assert figures[True, name][2] == figures[False, name][2], name


def test_the_short_gate_can_fail():
    """Breaks of the short gate, each made on a fresh bench, make fc1's calls differ: a row's store that
    leaves the next row's word one byte short, ReLU of a row summed again by its low byte's top bit
    (bit 7,l for bit 7,h), and the test's sign the other way (jp m for jp p)."""
    rng = np.random.default_rng(3205)
    w = rng.integers(-48, 49, (48, 32))
    x = rng.integers(-40, 41, 32)
    bias = np.clip(-(w @ x) + np.where(np.arange(48) % 3, -1, 1) * rng.integers(200, 9000, 48), -32768, 32767)
    want = np.maximum(intmath.matvec(w, 6, x, bias, post=0), 0)
    bench = gate_bench(True)
    assert np.array_equal(fc1_call(bench, w, x, bias, 6)[0], want)
    end, relu = bench.sym("mv_coarse_end"), bench.sym("mv_short_relu")
    code = bytes(bench.peek(end, 16))
    assert code[7] == 0xF2 and code[15] == 0x23 and bytes(bench.peek(relu, 2)) == bytes([0xCB, 0x7C]), code.hex()
    for address, byte in ((end + 15, 0x00), (relu + 1, 0x7D), (end + 7, 0xFA)):
        broken = gate_bench(True)
        broken.poke(address, [byte])
        got = fc1_call(broken, w, x, bias, 6)[0]
        assert not np.array_equal(got, want), hex(address)
