"""matvec.s's MV_SPARSE calls (fc2's ReLU inputs): zero inputs take no slot, each nonzero one a
"sub" slot (- s(w)) besides its own, with the sparse row constants; bit-exact against intmath,
and the full calls after them too."""

from __future__ import annotations

import numpy as np
import pytest

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.player import layout
from soulterm.player.build import assemble_player
from soulterm.player.harness import KernelBench, run_matvec
from soulterm.soul import intmath
from soulterm.soul.soulfile import load_soul


@pytest.fixture(scope="module")
def bench():
    return KernelBench()


def sparse_input(rng, cols: int, nonzero: int, kind: int) -> np.ndarray:
    """`nonzero` of `cols` inputs not 0: ReLU-like small, short, wide or edge values."""
    x = np.zeros(cols, dtype=np.int64)
    where = rng.choice(cols, nonzero, replace=False)
    if kind == 0:
        x[where] = rng.integers(1, 128, nonzero)
    elif kind == 1:
        x[where] = rng.integers(1, 400, nonzero)
    elif kind == 2:
        x[where] = rng.integers(-4000, 4000, nonzero)
    else:
        x[where] = rng.choice([-32768, 32767, 1, -1, 127, -128, 128, 1663, -1664, 1664], nonzero)
    x[where[x[where] == 0]] = 1         # nonzero means nonzero
    return x


def test_sparse_calls_match_intmath_and_leave_full_calls_exact(bench):
    sym = bench.sym
    slots = sym("MV_SPARSE_SLOTS")
    assert slots == layout.SPARSE_SLOTS
    rng = np.random.default_rng(7)
    for case in range(120):
        rows, cols = ((32, 64), (32, 32), (64, 32), (32, 17))[case % 4]
        nonzero = int(rng.integers(0, min(cols, slots) + 1))
        x = sparse_input(rng, cols, nonzero, case % 4)
        w = rng.integers(-128, 128, (rows, cols))
        bias = rng.integers(-32768, 32768, rows) if case % 3 else None
        shift = int(rng.integers(0, 16))
        want = intmath.matvec(w, shift, x, bias, post=0)
        got, _ = run_matvec(bench, w, x, bias, shift, sparse=True)
        assert np.array_equal(got, want), f"case {case}: sparse, {nonzero} nonzero, shift {shift}"
        assert bench.memory[sym("mv_flags")] & sym("MV_SPARSE"), f"case {case}: not sparse"
        got, _ = run_matvec(bench, w, x, bias, shift)       # a full call after it
        assert np.array_equal(got, want), f"case {case}: the full call after"


def test_more_nonzero_inputs_than_sub_slots_run_as_a_full_call(bench):
    sym = bench.sym
    slots = sym("MV_SPARSE_SLOTS")
    rng = np.random.default_rng(8)
    for nonzero in (slots + 1, 64):
        x = sparse_input(rng, 64, nonzero, 1)
        w = rng.integers(-128, 128, (32, 64))
        bias = rng.integers(-32768, 32768, 32)
        got, _ = run_matvec(bench, w, x, bias, 9, sparse=True)
        assert np.array_equal(got, intmath.matvec(w, 9, x, bias, post=0))
        assert not bench.memory[sym("mv_flags")] & sym("MV_SPARSE"), f"{nonzero}: stayed sparse"


def test_a_sparse_call_costs_less_the_fewer_its_nonzero_inputs(bench):
    """Two slots a nonzero input, none a zero one: below FW_SPARSE_MAX (forward.s) nonzero
    inputs of 64 it costs less than the full call (one slot each)."""
    rng = np.random.default_rng(9)
    w = rng.integers(-128, 128, (32, 64))
    bias = rng.integers(-3000, 3000, 32)
    built = assemble_player(DEFAULT_SOUL, DEFAULT_TOKENIZER)
    limit = built.symbols["FW_SPARSE_MAX"]
    costs = []
    for nonzero in (0, 8, 16, limit):
        x = sparse_input(rng, 64, nonzero, 0)
        sparse = run_matvec(bench, w, x, bias, 9, sparse=True)[1]
        full = run_matvec(bench, w, x, bias, 9)[1]
        costs.append(sparse)
        assert sparse < full, f"{nonzero} nonzero: {sparse} sparse, {full} full"
    assert costs == sorted(costs) and costs[1] < costs[-1] / 2


def test_short_columns_beyond_their_slots_are_taken_as_wide(bench):
    """More short inputs (128..1663) than MV_SHORT_SLOTS: the rest take wide slots, exactly."""
    sym = bench.sym
    rng = np.random.default_rng(10)
    for case in range(6):
        x = rng.choice([-1, 1], 64) * rng.integers(128, 1664, 64)
        x[: case * 3] = rng.integers(-127, 128, case * 3)     # some small ones too
        w = rng.integers(-128, 128, (32, 64))
        bias = rng.integers(-32768, 32768, 32)
        got, _ = run_matvec(bench, w, x, bias, 10)
        assert np.array_equal(got, intmath.matvec(w, 10, x, bias, post=0)), f"case {case}"
        short = 64 - case * 3
        assert short > sym("MV_SHORT_SLOTS")
        taken_wide = sym("MV_WIDE_SLOTS") - bench.memory[sym("mv_wide_left")]
        assert taken_wide == short - sym("MV_SHORT_SLOTS"), f"case {case}"


def test_start_up_writes_the_sparse_row_constants_the_layout_defines():
    """fw_build_sparse_rowk (forward.s, start-up) makes SPARSE_ROWK from fc2's own row
    constants; they equal layout.row_constants(sparse=True) for both layers."""
    built = assemble_player(DEFAULT_SOUL, DEFAULT_TOKENIZER)
    bench = KernelBench(image=built.prg[2:], origin=0x0801, symbols=built.symbols)  # runs it
    soul = load_soul(DEFAULT_SOUL)
    at = built.symbols["SPARSE_ROWK"]
    for name in layout.SPARSE_MATRICES:
        bias = soul[layout.BIAS_OF_MATRIX[name]].values
        want = layout.row_constants(soul[name].values, bias, sparse=True)
        assert bench.peek(at, len(want)) == want, name
        assert want != layout.row_constants(soul[name].values, bias)
        at += len(want)
    assert at == built.symbols["SPARSE_ROWK_END"]
