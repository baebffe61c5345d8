"""matvec.s's coarse calls and forward.s's argmax bound (MV_COARSE): a coarse call adds only the
high byte of each product's S(w + l), so every row is a lower bound within the slack; mv_exact_row
computes a row again exactly; the logits keep exact only the rows that may win, and the argmax is
the engine's (SPEC: ids 3..127, the lowest id on a tie)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.soul import intmath, spec
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import Soul, load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx.kernelbench import (BIAS_IN_K_OPTION, CODE_ORIGIN, COARSE_OPTION, COARSE_TOP_OPTION, has_coarse_top, FAST_MEANS_ORIGIN,
                                     GATE_QUADS_BENCH, LOW_SLOTS_OPTION,
                                     has_coarse_raw, raw_slack, first_logits_row, has_lone_bound, RAW_DOUBLINGS, RAW_MOST_SHIFT,
                                     runner_up_limit,
                                     NARROW_JUMP_OPTION, RUNNER_UP_OPTION, SPARSE_OPTION, STACK_ROOM, STACK_TOP, Z80Bench, bound_logits, coarse_doubled, coarse_logits,
                                     forward_turn, gated_rows, logits_slack, player_kernel_options, run_matvec,
                                     runs_coarse)
from soulterm.zx.soul_layout import matvec_bytes, soul_include

import test_kernels_z80 as dense_tests

VECTORS = Path(__file__).resolve().parents[2] / "shared" / "vectors"
EXACT_ROW_STUB = """
exact_row_of:                   ; mv_exact_row with A from memory (the bench sets no registers)
        ld a,(exact_row_arg)
        jp mv_exact_row
exact_row_arg: .byte 0
"""
BOTH = (COARSE_OPTION, "\n".join([LOW_SLOTS_OPTION, SPARSE_OPTION, COARSE_OPTION, NARROW_JUMP_OPTION, BIAS_IN_K_OPTION,
                                   COARSE_TOP_OPTION]))
PLAYER_128K = player_kernel_options("128k")     # its kernels' options (on the kernels' bench)
PLAYER_48K = player_kernel_options("48k", coarse_top=True, raw_top=True)  # (MV_PAIR_SLOTS: a gated call's pass writes
# no slot, MV_GATE_PASS; since the twenty-second round the logits' rows raw, MV_CT_RAW, as the shipped 48K's)
PLAYER_48K_TOP = player_kernel_options("48k", coarse_top=True)     # (a 48K whose soul's out shifts past RAW_MOST_SHIFT)
# the 128K player's first rung's matvec (MV_GATE_QUADS: fc1's gated pass through quads without their stores,
# their routines after the other kernels, as build.py lays them after forward.s)
PLAYER_128K_GATE_QUADS = player_kernel_options("128k", gate_quads=True)


@pytest.fixture(scope="module", params=BOTH + (PLAYER_48K_TOP, PLAYER_128K_GATE_QUADS),
                ids=["coarse", "128k_matvec", "48k_matvec", "128k_gate_quads"])
def coarse_bench(request):
    return Z80Bench(EXACT_ROW_STUB + GATE_QUADS_BENCH * (request.param == PLAYER_128K_GATE_QUADS), options=request.param)


def ask_coarse(bench) -> None:
    bench.poke(bench.sym("mv_coarse_on"), [1])


def ran_coarse(bench) -> bool:
    return bench.peek(bench.sym("mv_coarse_on"))[0] == 1


def exact_row(bench, row: int) -> int:
    """mv_exact_row's T-states for `row`, with mv_coarse_on cleared as forward.s's bound clears it
    after the coarse call (MV_GATE_PASS's first mv_exact_row runs the column pass then)."""
    bench.poke(bench.sym("mv_coarse_on"), [0])
    bench.poke(bench.sym("exact_row_arg"), [row])
    return bench.call("exact_row_of")


def inputs(rng, cols: int, wide: int) -> np.ndarray:
    """x with `wide` two-piece values (h != 0, some at the edges; mostly h = +-1, as a
    shipped soul's, whose calls run coarse, and some wider, whose calls run exact) among
    one-piece ones."""
    x = rng.integers(-127, 129, cols)
    for column in rng.choice(cols, min(wide, cols), replace=False):
        if rng.random() < 0.15:
            x[column] = int(rng.choice([385, -384, 32767, -32639, int(rng.integers(-32639, 32768))]))
        else:
            x[column] = int(rng.choice([129, -128, 255, -255, 256, 384, -383, int(rng.integers(129, 385)),
                                        int(rng.integers(-383, -127)), int(rng.integers(-383, 385))]))
        while -127 <= x[column] <= 128:
            x[column] = int(rng.integers(-32639, 32768))
    return x


def test_coarse_calls_are_their_bound_and_exact_rows_are_exact(coarse_bench):
    """Random calls asked to run coarse: narrow whole calls of an even count run coarse, each row
    exactly the bound (coarse_logits: bias, wide columns' high pieces, saturation and any shift
    included), within the slack of intmath's; the others (full path, odd counts, two parts, an x
    <= -32640) run exact and say so. Rows computed again by mv_exact_row are intmath's, the others
    stay; matvec_again after them runs exact."""
    bench = coarse_bench
    rng = np.random.default_rng(2050)
    seen = {True: 0, False: 0}
    for case in range(90):
        cols = int(rng.choice([32, 32, 32, 30, 16, 8, 2, 31, 9, 64, 40]))
        wide = int(rng.choice([0, 0, 1, 2, 3, 4, 5, 8, 9, cols]))
        x = inputs(rng, cols, wide)
        if case % 11 == 5:
            x[int(rng.integers(0, cols))] = int(rng.choice([-32768, -32640, -32700]))   # h = -128: flagged
        rows = int(rng.integers(1, 129)) if case % 9 else int(rng.integers(129, 256))
        w = rng.integers(-128, 128, (rows, cols))
        if case % 7 == 0:
            w = rng.choice([-128, 127], (rows, cols))
        bias = rng.integers(-32768, 32768, rows) if case % 3 == 0 else None
        shift = int(rng.integers(0, 16))
        exact = intmath.matvec(w, shift, x, bias, post=0)
        ask_coarse(bench)
        got, _ = run_matvec(bench, w, x, bias, shift)
        coarse = runs_coarse(x)
        assert ran_coarse(bench) == coarse, case
        seen[coarse] += 1
        if not coarse:
            assert np.array_equal(got, exact), case
            continue
        bounds = coarse_logits(w, x, shift, bias, top=has_coarse_top(bench))
        assert np.array_equal(got, bounds), case
        assert (bounds <= exact).all() and (exact - bounds <= logits_slack(cols, shift, has_coarse_top(bench))).all(), case
        out = bench.peek(bench.sym("mv_out"), 2)
        again = sorted(rng.choice(rows, min(rows, 4), replace=False))
        for row in again:
            exact_row(bench, int(row))
        want = bounds.copy()
        want[again] = exact[again]
        assert np.array_equal(bench.read_words(int.from_bytes(out, "little"), rows), want), case
        ask_coarse(bench)
        got, _ = run_matvec(bench, w, x, bias, shift, routine="matvec_again")
        assert np.array_equal(got, exact) and not ran_coarse(bench), case
    assert seen[True] >= 20 and seen[False] >= 20


def test_ungated_rows_end_in_mv_coarse_top_at_every_shift_and_give_the_slots_back(coarse_bench):
    """With MV_COARSE_TOP an ungated coarse call at a shift of 0..7 stores sat16((D >> 8) << (7 -
    shift)) from the slots' H:L (mv_coarse_top), above it (and without the option) sat16(D >>
    (shift + 1)) through the shift: rows at both ends of 16 bits and just inside them at every
    shift (the range check's edges), each a lower bound within logits_slack; a gated call after
    one (the slots' own end written back) is gated_rows, and an ungated call at shift 9 after
    that is its bound again."""
    bench = coarse_bench
    top = has_coarse_top(bench)
    rng = np.random.default_rng(2054)
    rows, cols = 64, 32
    gate = bench.symbols["MV_COARSE_GATE"]
    clipped = {32767: 0, -32768: 0}
    for shift in range(9):
        x = rng.choice([-127, 128], cols)
        x[:4] = rng.choice([-383, 384], 4)              # (h = +-1: still coarse)
        w = rng.integers(-128, 128, (rows, cols))
        sign = np.sign(x)
        for row in range(16, rows, 2):                  # the first m columns aligned with x (or against)
            m = (row - 16) * cols // (rows - 16) + 1
            w[row, :m] = np.where(sign[:m] > 0, 127, -128)
            w[row + 1, :m] = np.where(sign[:m] > 0, -128, 127)
            w[row:row + 2, m:] = 0
        for scale in (1, 0.75, 0.5, 0.25, 0.125, 0.0625):   # sums across the clip's edges at this shift
            xs = np.where(np.abs(x) > 128, x, np.round(x * scale)).astype(np.int64)
            ask_coarse(bench)
            got, _ = run_matvec(bench, w, xs, None, shift)
            assert ran_coarse(bench), (shift, scale)
            exact = intmath.matvec(w, shift, xs, None, post=0)
            bounds = coarse_logits(w, xs, shift, top=top)
            assert np.array_equal(got, bounds), (shift, scale)
            assert (bounds <= exact).all() and (exact - bounds <= logits_slack(cols, shift, top)).all(), (shift, scale)
            for end in clipped:
                clipped[end] += int((got == end).sum())
        bias = rng.integers(-4000, 4000, rows)
        bench.poke(bench.sym("mv_coarse_on"), [gate])
        got, _ = run_matvec(bench, w, x, bias, shift)
        assert bench.peek(bench.sym("mv_coarse_on"))[0] == gate, shift
        assert np.array_equal(got, gated_rows(w, x, shift, bias)), shift
        ask_coarse(bench)
        got, _ = run_matvec(bench, w, x, None, 9)
        assert np.array_equal(got, coarse_logits(w, x, 9, top=top)), shift
    assert min(clipped.values()) >= 20, clipped


def test_gated_calls_keep_relu_of_every_row(coarse_bench):
    """Calls asked for with MV_COARSE_GATE (fc1's, forward.s: ReLU follows), biased so that many
    rows lie near the gate's threshold: a call that can run coarse (and has a shift below 30)
    leaves every row as gated_rows says, the coarse output where D >> 8 < Tv and the exact one
    elsewhere, so ReLU of each row is intmath's; the others run exact and say so. The dense
    tests hold after them (the gate's row end must not leak into an ungated call)."""
    bench = coarse_bench
    gate = bench.symbols["MV_COARSE_GATE"]
    rng = np.random.default_rng(2053)
    seen = {"gated": 0, "again": 0, "exact": 0}
    for case in range(60):
        cols = int(rng.choice([32, 32, 32, 30, 16, 8, 2, 31, 64]))
        wide = int(rng.choice([0, 0, 1, 2, 3, 8, 9, cols]))
        x = inputs(rng, cols, wide)
        rows = int(rng.integers(1, 129))
        w = rng.integers(-128, 128, (rows, cols))
        shift = int(rng.choice([0, 3, 6, 6, 7, 8, 9, 12, 15, 29, 30]))
        exact_sums = w @ x
        bias = np.clip(-exact_sums + rng.integers(-(3 << shift), 3 << shift, rows), -32768, 32767)
        bench.poke(bench.sym("mv_coarse_on"), [gate])
        got, _ = run_matvec(bench, w, x, bias, shift)
        exact = intmath.matvec(w, shift, x, bias, post=0)
        coarse = runs_coarse(x) and shift < 30
        assert bench.peek(bench.sym("mv_coarse_on"))[0] == (gate if coarse else 0), case
        assert np.array_equal(np.maximum(got, 0), np.maximum(exact, 0)), case
        if not coarse:
            assert np.array_equal(got, exact), case
            seen["exact"] += 1
            continue
        assert np.array_equal(got, gated_rows(w, x, shift, bias)), case
        seen["gated"] += int((got != exact).sum())
        seen["again"] += int((got == exact).sum())
    assert min(seen.values()) >= 20, seen
    bench.poke(bench.sym("mv_coarse_on"), [0])
    dense_tests.test_matvec_matches_intmath_on_random_cases(bench)
    dense_tests.test_matvec_again_reuses_the_columns_of_the_call_before(bench)


def test_the_gate_decides_at_its_threshold():
    """Rows whose coarse doubled sum D sits at the gate's edge, D >> 8 = Tv - 1 (gated: the coarse
    output stands, and it and the exact one are <= 0) and Tv (computed exactly), at fc1's shapes."""
    bench = Z80Bench(options=PLAYER_128K)
    gate = bench.symbols["MV_COARSE_GATE"]
    rng = np.random.default_rng(2054)
    for shift in (6, 7, 9):
        w = rng.integers(-6, 7, (64, 32))         # (small sums: the biases that move them stay in 16 bits)
        x = inputs(rng, 32, 0)
        x[5] = 300                              # a wide column
        threshold = ((1 << (shift + 1)) - 255 * 32) >> 8
        doubled = coarse_doubled(w, x)
        target = 256 * (threshold - 1 + np.arange(64) % 2) + rng.integers(0, 256, 64)
        bias = (target - doubled) // 2           # D moves by 2b
        assert (np.abs(bias) < 32768).all()
        bench.poke(bench.sym("mv_coarse_on"), [gate])
        got, _ = run_matvec(bench, w, x, bias, shift)
        d = coarse_doubled(w, x, bias)
        assert set(d >> 8) <= {threshold - 1, threshold, threshold - 2}
        exact = intmath.matvec(w, shift, x, bias, post=0)
        gated = (d >> 8) < threshold
        assert gated.any() and (~gated).any()
        assert np.array_equal(got[~gated], exact[~gated]) and (exact[gated] <= 0).all() and (got[gated] <= 0).all()
        assert np.array_equal(got, gated_rows(w, x, shift, bias))


def test_every_matvec_test_holds_with_coarse_calls(coarse_bench):
    """The dense tests of test_kernels_z80 on benches with MV_COARSE and no call asking for it,
    after a coarse call has patched its own slots and rows (they must not leak into these)."""
    rng = np.random.default_rng(2051)
    w, x = rng.integers(-128, 128, (40, 32)), inputs(rng, 32, 3)
    x[(x > 384) | (x < -383)] = -300            # (h = -1: the call runs coarse, its wide slots patched)
    ask_coarse(coarse_bench)
    run_matvec(coarse_bench, w, x, None, 5)
    assert ran_coarse(coarse_bench)
    exact_row(coarse_bench, 7)
    coarse_bench.poke(coarse_bench.sym("mv_coarse_on"), [0])
    dense_tests.test_matvec_matches_intmath_on_random_cases(coarse_bench)
    dense_tests.test_matvec_saturates_both_ways(coarse_bench)
    dense_tests.test_matvec_floors_negative_sums(coarse_bench)
    dense_tests.test_matvec_takes_every_split_edge(coarse_bench)
    dense_tests.test_matvec_again_reuses_the_columns_of_the_call_before(coarse_bench)
    dense_tests.test_matvec_narrow_mode_matches_intmath_across_mode_changes(coarse_bench)
    dense_tests.test_matvec_counts_up_to_255_rows_in_every_mode(coarse_bench)


def test_a_coarse_product_costs_43_t_states():
    """A one-piece product in a coarse slot: pop every two, ld iyl, ld e,(iy+d), add hl,de (43
    T-states, against the low slots' 77); a 128x32 call (the logits' shape) with no wide column,
    after a call of another x, costs less than two thirds of the exact call."""
    bench = Z80Bench(options=PLAYER_128K)
    rng = np.random.default_rng(2052)

    def t_states(w, x, coarse=True):
        bench.poke(bench.sym("mv_coarse_on"), [int(coarse)])
        took = run_matvec(bench, w, x, None, 9)[1]
        assert ran_coarse(bench) == coarse
        return took

    def row(cols):
        return t_states(np.zeros((3, cols)), np.zeros(cols)) - t_states(np.zeros((2, cols)), np.zeros(cols))

    row(32)                                         # (the first narrow call patches the slots for it)
    assert row(32) - row(30) == 2 * 43
    w, x = rng.integers(-128, 128, (128, 32)), inputs(rng, 32, 0)
    assert t_states(w, x) < 2 / 3 * t_states(w, x, coarse=False)


@pytest.fixture(scope="module", params=["", RUNNER_UP_OPTION + "\n" + COARSE_TOP_OPTION, "48k", "48k_top", "128k",
                                       "128k_shift_8"],
                ids=["scan", "runner_up_top", "48k_raw", "48k_top", "128k_raw", "128k_logit_units"])
def logits_bench(request):
    """forward.s with the low slots and the bound (the key cache below $4000, in the bench's flat
    RAM: the test matrices go at $4000 and the code with its bytes would run past $FFFF; no
    MV_SPARSE, for the same reason), the stack below the kernels; with and without AM_RUNNER_UP
    (both players': the scan skipped on argmax's runner-up, vecops.s's am_rows) and with and without
    MV_COARSE_TOP (both players' too: the coarse rows ending in mv_coarse_top); and the 128K's
    kernels' bench (MV_LOW_HLA: its rows as D >> 8, mv_coarse_raw, since the eighteenth round; the
    test matrices at $4000 over its caches, which the logits do not read)."""
    soul = load_soul(DEFAULT_SOUL)
    if request.param == "128k_shift_8":         # (logitsraw.s's bound in the logits' units: a shift above 7)
        arrays = {t.name: (soul[t.name].values, soul[t.name].shift) for t in spec.TENSORS}
        arrays["out"] = (arrays["out"][0], 8)
        soul = Soul.from_arrays(arrays)
    if request.param.startswith("128k"):
        return Z80Bench('.include "forward.s"\n' + soul_include(soul), options=PLAYER_128K)
    if request.param.startswith("48k"):         # (its slot pairs: MV_GATE_PASS's exact rows run the pass)
        return Z80Bench('.include "forward.s"\n' + soul_include(soul), stack_top=STACK_TOP,
                        options=PLAYER_48K if request.param == "48k" else PLAYER_48K_TOP)
    return Z80Bench('.include "forward.s"\n' + soul_include(soul), stack_top=CODE_ORIGIN,
                    options="\n".join([LOW_SLOTS_OPTION, COARSE_OPTION, "kv_keys = $1000", request.param]))


@pytest.fixture(scope="module", params=["128k", "48k"])
def raw_logits_bench(request):
    """The 128K's kernels' bench with the shipped soul, whose out shift (RAW_MOST_SHIFT or less) takes
    logitsraw.s's bound on D >> 8 (mv_coarse_raw): the raw bound's own tests; and the 48K's (MV_CT_RAW:
    its rows through mv_coarse_top's last doublings, twenty-second round)."""
    source = '.include "forward.s"\n' + soul_include(load_soul(DEFAULT_SOUL))
    if request.param == "48k":
        bench = Z80Bench(source, stack_top=STACK_TOP, options=PLAYER_48K)
        assert bench.sym("mv_coarse_raw") == bench.sym("mv_coarse_top@store") - RAW_DOUBLINGS
    else:
        bench = Z80Bench(source, options=PLAYER_128K)
    assert has_coarse_raw(bench) and bench.sym("soul_out_shift") <= RAW_MOST_SHIFT
    return bench


@pytest.fixture(scope="module")
def player_128k_bench():
    return Z80Bench('.include "forward.s"\n' + soul_include(load_soul(DEFAULT_SOUL)), options=PLAYER_128K)


def test_the_128k_forward_bench_keeps_its_caches_and_logits_below_its_code(player_128k_bench):
    """The kernels' bench of the 128K's forward pass assembles from FAST_MEANS_ORIGIN, whole pages
    below CODE_ORIGIN (every page-aligned table keeps its padding, so its T-states are the
    player's), above the keys' planes, the key cache, the value cache and the logits, none of which
    overlap; and it ends clear of the stack's room."""
    bench = player_128k_bench
    sym, program = bench.symbols, bench.program
    assert program.origin == FAST_MEANS_ORIGIN and (CODE_ORIGIN - FAST_MEANS_ORIGIN) % 256 == 0
    areas = sorted([(sym["kv_keys"], 2 * sym["KV_LAYER_BYTES"]), (sym["kv_planes"], 2 * sym["PL_LAYER_BYTES"]),
                    (sym["kv_values"], 2 * sym["KV_LAYER_BYTES"]), (sym["fw_logits"], 2 * spec.VOCAB_SIZE)])
    for (start, size), (next_start, _) in zip(areas, areas[1:] + [(program.origin, 0)]):
        assert start + size <= next_start, hex(start)
    assert program.end <= STACK_TOP - STACK_ROOM


MATRIX_AT = 0x4000              # below the stack (CODE_ORIGIN) and the logits ($5B00)


NOT_WRITTEN = 0x5A5A            # fw_logits' words below FW_FIRST_ROW before a call, which must keep them


def next_token_of(bench, w, xn):
    """forward.s's fw_next_token on matrix `w` (128 x 32, the soul's shift) and xn: (fw_logits, fw_next).
    mv_w is the matrix's row FW_FIRST_ROW (first_logits_row: with MV_COARSE the call leaves out ids
    0..2, which are never chosen): their words must stay as they were, and are returned as
    bound_logits has them, so that the callers compare every row."""
    first = first_logits_row(bench)
    bench.poke(MATRIX_AT, matvec_bytes(w))
    bench.poke_word(bench.sym("mv_w"), MATRIX_AT + first * (3 + spec.EMBED_DIM))
    bench.write_words(bench.sym("fw_xn"), xn)
    bench.poke(bench.sym("fw_xn_patched"), [0])
    bench.write_words(bench.sym("fw_logits"), [NOT_WRITTEN] * spec.VOCAB_SIZE)
    bench.call("fw_next_token")
    logits = bench.read_words(bench.sym("fw_logits"), spec.VOCAB_SIZE)
    assert (logits[:first] == NOT_WRITTEN).all(), "the logits' call wrote a row below FW_FIRST_ROW"
    shift = bench.sym("soul_out_shift")
    logits[:first] = bound_logits(w, shift, xn, intmath.matvec(w, shift, xn, None, post=0), top=has_coarse_top(bench),
                                  raw=has_coarse_raw(bench), lone=has_lone_bound(bench))[:first]
    return logits, bench.peek(bench.sym("fw_next"))[0]


def test_the_logits_bound_keeps_the_argmax_on_adversarial_matrices(logits_bench):
    """fw_next_token on matrices made to trip the bound: ties at the top (the lowest id wins),
    every row equal (all of 3..127 computed again), every row close to the others, rows a step
    apart, rows saturating at 32767 or -32768, extreme
    weights, rows 0..2 the largest (never chosen), a zero input, a threshold below -32768, wide
    inputs (a few: coarse with their high pieces whole; many: exact). fw_logits is exactly what
    bound_logits says (exact rows where a row may win, bounds elsewhere) and fw_next the SPEC
    argmax of the exact logits."""
    bench = logits_bench
    rng = np.random.default_rng(2053)
    rows, cols = spec.VOCAB_SIZE, spec.EMBED_DIM
    shift = bench.sym("soul_out_shift")         # the bound's slack is the soul's
    exact_counts = []
    coarse_count = 0
    for case in range(30):
        kind = case % 10
        w = rng.integers(-128, 128, (rows, cols))
        xn = inputs(rng, cols, int(rng.choice([0, 1, 2, 4])))
        if kind == 0:                                   # ties at the top: copies of one row
            w[rng.choice(np.arange(3, rows), 5, replace=False)] = w[int(rng.integers(3, rows))]
            w[10] += 0 if case % 2 else 1
        elif kind == 1:                                 # every row equal
            w[:] = w[0]
        elif kind == 2:                                 # saturating both ways (through wide inputs)
            w = rng.choice([-128, 127], (rows, cols))
            xn = rng.choice([-127, 128], cols)
            xn[:6] = rng.choice([-383, 384], 6)         # (h = +-1, at most 6 wide: coarse)
        elif kind == 3:                                 # rows 0..2 the largest, others close together
            w = rng.integers(-3, 4, (rows, cols))
            w[:3] = 127
            xn = np.full(cols, 100)
        elif kind == 4:                                 # a zero input: every logit 0
            xn = np.zeros(cols, np.int64)
        elif kind == 5:                                 # everything low: T - slack below -32768
            w = np.full((rows, cols), -128)
            w[:, :4] = rng.integers(-128, -100, (rows, 4))
            xn = np.full(cols, 128)
            xn[:6] = 384
        elif kind == 6:                                 # too many wide inputs: exact
            xn = inputs(rng, cols, 9)
        elif kind == 8:                                 # every row close to the others (within the slack)
            w[:] = w[int(rng.integers(0, rows))]
            w += rng.integers(-1, 2, (rows, cols))
            w = np.clip(w, -128, 127)
        elif kind == 9:                                 # rows a step apart around the top, at its edges
            w[:] = w[0]
            w[3:, 0] = np.clip(w[0, 0] + (np.arange(3, rows) % 7) - 3, -128, 127)
            xn[0] = int(rng.choice([1, 64, 128]))
        exact = intmath.matvec(w, shift, xn, None, post=0)
        logits, chosen = next_token_of(bench, w, xn)
        assert np.array_equal(logits, bound_logits(w, shift, xn, exact, top=has_coarse_top(bench),
                                                  raw=has_coarse_raw(bench), lone=has_lone_bound(bench))), case
        assert chosen == intmath.argmax_token(exact), case
        if kind in (2, 3, 4, 5):                        # (their wide inputs, if any, have h = +-1)
            assert runs_coarse(xn), case
        elif kind == 6:
            assert not runs_coarse(xn), case
        coarse_count += runs_coarse(xn)
        exact_counts.append(int((logits[3:] == exact[3:]).sum()))
    assert min(exact_counts) <= 2 and max(exact_counts) == rows - 3 and coarse_count >= 15


def test_the_raw_bound_at_its_threshold_and_its_clips(raw_logits_bench):
    """The 128K's bound on D >> 8 (mv_coarse_raw) at its edges: rows one unit of D >> 8 apart
    (a weight step in a column of x = 128), swept so that rows lie at the threshold
    (min(T, 2^(8+shift) - 1) - raw_slack) and one below it, with T below, at and above the clip
    at the top (capped: many logits 32767, the lowest id wins) and around -2^(8+shift) at the
    bottom (every row again). fw_logits is what bound_logits says and fw_next the engine's."""
    bench = raw_logits_bench
    shift = bench.sym("soul_out_shift")
    clip = 32768 >> (7 - shift)
    rows, cols = spec.VOCAB_SIZE, spec.EMBED_DIM
    at_threshold = below_threshold = capped = kept_all = uncapped_near_bottom = 0
    for top, sweep in ((127, range(-40, 80, 3)), (-128, range(0, 90, 3))):
        for step in sweep:
            w = np.full((rows, cols), top)
            xn = np.full(cols, 128)
            if top > 0:
                xn[1] = 224                             # (wide, h = 1: T around the clip at the top)
                w[:, 0] = np.clip(top - step - (np.arange(rows) * 7) % 60, -128, 127)
            else:
                w[:, 0] = np.clip(top + step - (np.arange(rows) * 7) % 60, -128, 127)
            exact = intmath.matvec(w, shift, xn, None, post=0)
            logits, chosen = next_token_of(bench, w, xn)
            assert np.array_equal(logits, bound_logits(w, shift, xn, exact, raw=True)), (top, step)
            assert chosen == intmath.argmax_token(exact), (top, step)
            raw = coarse_doubled(w, xn)[3:] >> 8
            best = int(raw.max())
            if best <= -clip:
                kept_all += 1
                continue
            uncapped_near_bottom += best < -clip + 40
            capped += best >= clip
            threshold = min(best, clip - 1) - raw_slack(cols)
            at_threshold += int((raw == threshold).any())
            below_threshold += int((raw == threshold - 1).any())
    assert min(at_threshold, below_threshold, capped, kept_all, uncapped_near_bottom) > 0


def test_the_raw_bound_leaves_a_lone_top_row_as_it_is(raw_logits_bench):
    """logitsraw.s's look before its scan (eighteenth round's scan): when no row of 3..127 but
    T's reaches the threshold, T is the argmax and its row is not computed again (fw_logits
    keeps its D >> 8); one other row at the threshold, before or after T's (or tying T, the
    lower id first), and every row reaching it is computed. Rows one unit of D >> 8 apart (a
    weight step in a column of x = 128), the other row swept across the threshold; it fails if
    the look skips a row at the threshold, mistakes T's row for another's, or T's for a lone one."""
    bench = raw_logits_bench
    shift = bench.sym("soul_out_shift")
    rows, cols = spec.VOCAB_SIZE, spec.EMBED_DIM
    alone = computed = tied = 0
    for top, other in ((40, 90), (90, 40), (3, 127), (127, 3), (64, 65)):
        for gap in [0, *range(raw_slack(cols) - 2, raw_slack(cols) + 3)]:
            w = np.full((rows, cols), 20)
            w[:, 0] = -100
            w[:3, 0] = 127                              # (rows 0..2 the largest, never chosen)
            xn = np.full(cols, 128)
            w[top, 0] = 60
            w[other, 0] = 60 - gap
            exact = intmath.matvec(w, shift, xn, None, post=0)
            logits, chosen = next_token_of(bench, w, xn)
            raw = coarse_doubled(w, xn) >> 8
            assert np.array_equal(logits, bound_logits(w, shift, xn, exact, raw=True)), (top, other, gap)
            assert chosen == intmath.argmax_token(exact), (top, other, gap)
            assert gap or chosen == min(top, other), (top, other)
            reaching = int((raw[3:] >= int(raw[3:].max()) - raw_slack(cols)).sum())
            if reaching == 1:
                alone += 1
                assert logits[top] == raw[top] << RAW_DOUBLINGS != exact[top], (top, other, gap)
            else:
                computed += 1
                assert logits[top] == exact[top] and logits[other] == exact[other], (top, other, gap)
                tied += int(raw[other] == raw[top])
    assert alone >= 5 and computed >= 5 and tied >= 5


@pytest.fixture(scope="module", params=["loop", "rounds"])
def argmax_128k_bench(request, player_128k_bench):
    """The 128K's kernels' bench, and with AM_ROUNDS (argmax in rounds of two, the player's first rung's)."""
    if request.param == "loop":
        return player_128k_bench
    return Z80Bench('.include "forward.s"\n' + soul_include(load_soul(DEFAULT_SOUL)),
                    options=player_kernel_options("128k", argmax_rounds=True))


def test_the_128k_argmax_keeps_the_lowest_id_of_the_largest_and_the_runner_ups_limit(argmax_128k_bench):
    """vecops.s's argmax on the 128K's kernels (with the runner-up's limit C, AM_RUNNER_KEPT, since the
    twenty-first round; in rounds of two without it before, and with it, AM_ROUNDS, since the
    twenty-second round where bank 0 has the room): the engine's argmax_token on random
    logits, narrow ones (many ties in the high byte), ties at the top (in every place of a round and
    across rounds), the largest at each id of 3..127, the extremes, rows 0..2 the largest, the best
    early with the limit from a runner-up after it; C is kernelbench.runner_up_limit's (am_rows's). It
    fails if a tie keeps the higher id, the runner-up's limit is its high byte, not one more, or (the
    rounds) a place returns to the wrong row."""
    bench = argmax_128k_bench
    at = bench.sym("fw_logits")                 # (page-aligned, as argmax asks)
    rng = np.random.default_rng(18)
    cases = [rng.integers(-32768, 32768, 128), rng.integers(-600, 600, 128), rng.integers(-3, 3, 128),
             rng.choice([-32768, -1, 0, 255, 256, 32767], 128), np.full(128, -32768), np.full(128, 32767),
             np.r_[[30000] * 3, rng.integers(-9, 9, 125)], np.r_[[32767] * 3, np.arange(125)],
             np.r_[[32767] * 3, np.arange(0, 125 * 256, 256)], np.r_[[32767] * 3, np.arange(125, 0, -1)]]
    for top in range(3, 128):
        logits = rng.integers(-400, 400, 128)
        logits[top] = 401 + top % 3
        cases.append(logits)
    for first in range(3, 12):
        for second in range(first + 1, 16):
            logits = rng.integers(-400, 400, 128)
            logits[[first, second]] = 500
            cases.append(logits)
    for best in (3, 4, 60):                     # the best early, the limit from a runner-up after it
        logits = rng.integers(-30000, 0, 128)
        logits[best] = 30000
        cases.append(logits)
    for case, logits in enumerate(cases):
        bench.write_words(at, logits)
        bench.poke_word(bench.sym("am_logits"), at)
        bench.call("argmax")
        assert bench.cpu.a == intmath.argmax_token(logits), case
        assert bench.cpu.c == runner_up_limit(logits), case      # (am_rows's limit, as the 48K's argmax)


def test_real_turns_keep_the_engines_replies_with_the_bound(player_128k_bench):
    """Real turns of the shipped soul through the 128K's kernels (the bound among them):
    forward_turn checks every step's logits as the bound leaves them and the argmax against the
    engine; the logits run coarse at most steps (their inputs have at most a quarter wide)."""
    logits_bench = player_128k_bench
    soul = load_soul(DEFAULT_SOUL)
    engine, tokenizer = Engine(soul), Tokenizer.load(DEFAULT_TOKENIZER)
    steps = coarse = 0
    for text in ("hello", "what is your name"):
        inputs_at = {}

        def keep_xn(position):
            inputs_at[position] = logits_bench.read_words(logits_bench.sym("fw_xn"), spec.EMBED_DIM)

        rows, reply = forward_turn(logits_bench, engine, tokenizer.encode_turn(text), after_step=keep_xn)
        assert tokenizer.decode(reply) == engine.reply(tokenizer, text).text
        for position, _, routine, _ in rows:
            if routine == "forward_step":
                steps += 1
                coarse += runs_coarse(inputs_at[position])
    assert coarse >= steps * 3 // 4


@pytest.mark.skipif(not (VECTORS / "soul.bin").exists(), reason="the vectors soul is not here")
def test_the_vectors_soul_keeps_its_reply_with_the_bound():
    """The vectors soul (its normalised inputs mostly wide: its logits run exact) on a bench with
    the bound: every step checked as above."""
    soul = load_soul(VECTORS / "soul.bin")
    tokenizer = Tokenizer.load(VECTORS / "tokenizer.json")
    bench = Z80Bench('.include "forward.s"\n' + soul_include(soul), options=PLAYER_128K)
    engine = Engine(soul)
    rows, reply = forward_turn(bench, engine, tokenizer.encode_turn("hello"))
    assert tokenizer.decode(reply) == engine.reply(tokenizer, "hello").text


def test_coarse_t_states_are_what_the_header_says():
    """matvec.s's header figures for MV_COARSE on the 128K's kernels (its options), shift 9, zero
    weights, in this order: a 128x32 call coarse then exact, with 0, 1 and 4 wide columns (x =
    256), each after the call before, and two rows again by mv_exact_row."""
    bench = Z80Bench(EXACT_ROW_STUB, options=PLAYER_128K)

    def t_states(coarse, wide=0):
        x = np.zeros(32)
        x[:wide] = 256
        bench.poke(bench.sym("mv_coarse_on"), [int(coarse)])
        took = run_matvec(bench, np.zeros((128, 32)), x, None, 9)[1]
        assert ran_coarse(bench) == coarse
        return took

    t_states(True)                                  # (the first narrow call patches the slots for it)
    figures = [(t_states(True, wide), t_states(False, wide)) for wide in (0, 1, 4)]
    assert figures == [(224_533, 349_055), (231_615, 356_739), (252_581, 379_729)]
    t_states(True)
    assert (exact_row(bench, 5), exact_row(bench, 6)) == (13_905, 3_986)    # (the first runs the pass: MV_RAW_PASS)


def test_coarse_top_t_states_are_what_the_header_says():
    """matvec.s's header figures for MV_COARSE_TOP on the 48K's kernels (its options), zero weights:
    a 128x32 call coarse then exact at shift 9 with 0, 1 and 4 wide columns (x = 256), each after
    the call before, and one row again; then coarse at the logits' shift of 4, whose rows end in
    mv_coarse_top, with 0, 1 and 4 wide columns, and the same without MV_COARSE_TOP."""
    from soulterm.zx.kernelbench import player_kernel_options

    def figures(options):
        bench = Z80Bench(EXACT_ROW_STUB, options=options)

        def t_states(coarse, wide=0, shift=9):
            x = np.zeros(32)
            x[:wide] = 256
            bench.poke(bench.sym("mv_coarse_on"), [int(coarse)])
            took = run_matvec(bench, np.zeros((128, 32)), x, None, shift)[1]
            assert ran_coarse(bench) == coarse
            return took

        t_states(True)                              # (the first narrow call patches the slots for it)
        at_9 = [(t_states(True, wide), t_states(False, wide)) for wide in (0, 1, 4)]
        t_states(True)
        again = exact_row(bench, 5), exact_row(bench, 6)    # (the first runs the pass: MV_GATE_PASS)
        t_states(True, shift=4)
        return at_9, again, [t_states(True, wide, 4) for wide in (0, 1, 4)]

    # (without the twenty-first round's MV_PAIR_JPS_KEPT, whose column pass after a call's mode
    # change writes every pair's jps: the header's figures are the checked pairs'; without the
    # twenty-third round's MV_SHORT_K, whose look at the call's form (49 T-states) and the pass's add
    # to -Cl's top byte (7) a call come on top of these long matrices' figures)
    assert figures(player_kernel_options("48k", coarse_top=True, jps_kept=False, short_k=False)) == (
        [(224_360, 377_846), (231_527, 412_238), (252_484, 491_124)], (14_212, 3_728), [216_939, 224_106, 244_629])
    assert figures(player_kernel_options("48k", coarse_top=False, jps_kept=False, short_k=False))[2] == [231_843, 239_010, 259_533]
    assert figures(player_kernel_options("48k", coarse_top=True, jps_kept=False))[0][0] == (224_360 + 56, 377_846 + 56)


def test_gated_t_states_are_what_the_header_says():
    """matvec.s's header figures for a gated coarse call (fc1's shape, 64x32 at shift 6, zero
    weights and x): every row gated (bias -32768), every row summed again (bias 0), and the same
    call exact, each after the one before; with 0 and 1 wide columns (x = 256). With MV_GATE_QUADS
    (the player's first rung: the gated pass through quads without their stores) 1,625 and 1,530
    fewer gated, 27 and 54 more exact (mv_gate_quads's look at mv_coarse_on, a second after the
    wide column)."""
    def figures(options, extra=""):
        bench = Z80Bench(extra, options=options)
        gate = bench.symbols["MV_COARSE_GATE"]

        def t_states(ask, bias, wide):
            x = np.zeros(32)
            x[:wide] = 256
            bench.poke(bench.sym("mv_coarse_on"), [ask])
            took = run_matvec(bench, np.zeros((64, 32)), x, np.full(64, bias), 6)[1]
            assert bench.peek(bench.sym("mv_coarse_on"))[0] == ask
            return took

        t_states(gate, 0, 0)                        # (the first narrow call patches the slots for it)
        return [(t_states(gate, -32768, wide), t_states(gate, 0, wide), t_states(0, 0, wide)) for wide in (0, 1)]

    assert figures(PLAYER_128K) == [(120_485, 216_782, 170_225), (124_874, 221_380, 174_965)]
    assert figures(PLAYER_128K_GATE_QUADS, GATE_QUADS_BENCH) == [(118_860, 215_157, 170_252),
                                                                 (123_344, 219_850, 175_019)]


@pytest.fixture(scope="module")
def pairs_bench():
    """The 128K's kernels with MV_COARSE_PAIRS (the player's first rung: build.assemble_player) and
    MV_GATE_QUADS, matvec.s's pairs' routines and gated quads where the player has them, after the
    other kernels."""
    return Z80Bench(EXACT_ROW_STUB + "\n        mv_pairs_routines" + GATE_QUADS_BENCH,
                    options=PLAYER_128K_GATE_QUADS + "\nMV_COARSE_PAIRS = 1")


PAIRS_MATRIX_AT = 0xA000        # (run_matvec's buffers: the column ranges just before)


def pair_forms(bench) -> list[bool]:
    """Which of the coarse slots' pairs are in the pairs' form (two high bytes summed in A)."""
    base = bench.sym("mv_coarse_slots") + bench.sym("MV_PAIR_OP")
    return [bench.peek(base + 13 * pair)[0] == bench.sym("MV_PAIR_OP_A") for pair in range(MAX_PAIRS)]


MAX_PAIRS = spec.EMBED_DIM // 2


def run_pairs(bench, w, x, bias=None, shift: int = 4, gate: bool = False, relu: bool = False):
    from soulterm.zx.soul_layout import pair_bounds

    if w.shape[1] == spec.EMBED_DIM:
        bench.poke(PAIRS_MATRIX_AT - len(pair_bounds(w)), pair_bounds(w))
    bench.poke(bench.sym("mv_coarse_on"), [bench.sym("MV_COARSE_GATE") if gate else 1])
    store = bench.sym("MV_STORE_OP")
    if relu:                            # (as forward.s's fw_dense_via: mv_store's jp to mv_store_relu)
        relu_at = bench.sym("mv_store_relu")
        bench.poke(store, [0xC3, relu_at & 255, relu_at >> 8])
    got, _ = run_matvec(bench, w, x, bias, shift, buffers=PAIRS_MATRIX_AT)
    ops = bench.sym("MV_STORE_OPS")
    bench.poke(store, [ops & 255, ops >> 8, bench.sym("MV_STORE_OP_3")])
    return got


def pairs_that_fit(w, x, finer: bool):
    """The pairs mv_pairs_walk puts in the pairs' form for a call of 32 columns, from the build's
    column ranges (pair_bounds: each column's least a = l + 127, xor $80, and the range's
    width): both columns' a within their ranges, or (`finer`, the logits' walk) the columns'
    largest S(w + l) >> 8 by those ranges, m = max(181 + least - a, 182 + a - least - width),
    summed to 255 or less; a pair with a wide column keeps the slots' form (its block reads it)."""
    from soulterm.zx.soul_layout import pair_bounds

    least, width = np.frombuffer(pair_bounds(w), np.uint8).reshape(-1, 2)[::-1].T.astype(np.int64)
    least ^= 0x80
    most_past = least + width
    h = (x + 127) >> 8
    a = x - 256 * h + 127
    if finer:
        m = np.maximum(181 + least - a, 182 + a - most_past)
        fits = (m[0::2] ** 2 >> 8) + (m[1::2] ** 2 >> 8) <= 255
    else:
        in_range = (a >= least) & (a < most_past)
        fits = in_range[0::2] & in_range[1::2]
    return fits & (h[0::2] == 0) & (h[1::2] == 0)


def test_the_pairs_form_where_its_high_bytes_cannot_carry(pairs_bench):
    """Columns at the ranges' edges, on one row: |w + l| = 181 (S >> 8 = 127: a pair of them sums
    to 254 in A) takes the pairs' form, 182 (129: with 127 beside it 256, a carry out of A) keeps
    the slots' form, and with 180 beside it (126: 255) takes the pairs' form by the logits' finer
    test (the columns' largest S >> 8 from their ranges, twentieth round), where the 180's column's
    most is not clipped; every row is coarse_logits' bound either way, and the forms follow the
    ranges of the call's matrix."""
    bench = pairs_bench
    rows = 8
    cases = {   # (w of column 0's edge, l0), (w of column 1's, l1) -> the pairs' form, the edge row's sum
        ((54, 127), (54, 127)): (True, 254),            # 181 and 181: 127 + 127
        ((-54, -127), (-54, -127)): (True, 254),        # -181 twice
        ((55, 127), (54, 127)): (False, 256),           # 182 and 181: 129 + 127, a carry out of A
        ((55, 127), (53, 127)): (False, 255),           # 182 and 180, but the 180's column's largest w
                                                        # below 54: its most clipped, 127 by the bytes
        ((62, 120), (60, 120)): (True, 255),            # 182 and 180: 129 + 126, the finer test
        ((-62, -120), (60, 120)): (True, 255),          # -182 and 180
        ((60, 120), (-62, -120)): (True, 255),          # 180 and -182 (the odd column out)
        ((62, 120), (61, 120)): (False, 256),           # 182 and 181: 129 + 127
        ((63, 120), (59, 120)): (True, 255),            # 183 and 179: 130 + 125
        ((63, 120), (60, 120)): (False, 256),           # 183 and 180: 130 + 126
        ((-55, -127), (54, 127)): (False, 256),         # -182 and 181
        ((53, 128), (53, 128)): (False, 254),           # 181 twice, but l = 128 with a largest w
                                                        # below 54: refused (the most + 1 a byte)
        ((127, 128), (127, 128)): (False, 508),         # 255 twice: 254 + 254
    }
    for ((w0, l0), (w1, l1)), (fits, edge_sum) in cases.items():
        w = np.zeros((rows, spec.EMBED_DIM), np.int64)
        w[:, 0], w[:, 1] = np.arange(rows) - rows, np.arange(rows) - rows     # (the other rows' w below)
        if w0 < 0:
            w[:, 0] = -w[:, 0]
        if w1 < 0:
            w[:, 1] = -w[:, 1]
        w[3, 0], w[3, 1] = w0, w1
        w[:, 2:] = 1
        x = np.full(spec.EMBED_DIM, 3)
        x[0], x[1] = l0, l1
        got = run_pairs(bench, w, x)
        assert bench.peek(bench.sym("mv_coarse_on"))[0] == 1
        assert np.array_equal(got, coarse_logits(w, x, 4)), ((w0, l0), (w1, l1))
        assert pair_forms(bench) == [fits] + [True] * (MAX_PAIRS - 1), ((w0, l0), (w1, l1))
        assert ((w[3, :2] + x[:2]) ** 2 >> 8).sum() == edge_sum


def test_pairs_on_random_calls_gated_wide_and_short(pairs_bench):
    """Random calls through the pairs: ungated and gated (with ReLU's store), with wide columns
    (their pairs keep the slots' form, and the next call puts their bytes back before it sets
    the forms), and calls of fewer columns (the slots' form throughout): every row is the
    coarse bound or, gated, ReLU of the exact row; the dense tests hold after them."""
    bench = pairs_bench
    rng = np.random.default_rng(2090)
    seen = {"pairs": 0, "slots": 0, "wide": 0, "short": 0, "finer": 0}
    for case in range(80):
        cols = int(rng.choice([32, 32, 32, 32, 16, 30]))
        scale = int(rng.choice([30, 60, 90, 127]))
        w = rng.integers(-scale, scale + 1, (int(rng.integers(1, 65)), cols))
        x = rng.integers(-127, 129, cols)
        if rng.random() < 0.4:
            for column in rng.choice(cols, int(rng.integers(1, 5)), replace=False):
                x[column] = int(rng.choice([129, -128, 200, -255, 256, 384, -383]))
            seen["wide"] += 1
        gate = rng.random() < 0.5
        shift = int(rng.choice([4, 6, 7]))
        bias = rng.integers(-3000, 3000, len(w)) if gate else None
        got = run_pairs(bench, w, x, bias, shift, gate=gate, relu=gate)
        if not runs_coarse(x):
            continue
        if gate:
            assert np.array_equal(got, np.maximum(intmath.matvec(w, shift, x, bias, post=0), 0)), case
        else:
            assert np.array_equal(got, coarse_logits(w, x, shift)), case
        forms = pair_forms(bench)
        if cols < spec.EMBED_DIM:
            seen["short"] += 1
            assert not any(forms[MAX_PAIRS - cols // 2:]), case
        else:
            fits = pairs_that_fit(w, x, finer=not gate)
            assert forms == list(fits), case
            seen["finer"] += int((fits & ~pairs_that_fit(w, x, finer=False)).sum())
        seen["pairs"] += sum(forms)
        seen["slots"] += MAX_PAIRS - sum(forms)
    assert min(seen.values()) >= 5, seen
    bench.poke(bench.sym("mv_coarse_on"), [0])
    dense_tests.test_matvec_matches_intmath_on_random_cases(bench)
