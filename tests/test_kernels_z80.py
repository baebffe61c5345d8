"""The Z80 kernels (kernels/z80/) against the integer engine's intmath, bit for bit, and their T-states."""

from __future__ import annotations

import numpy as np
import pytest

from soulterm.soul import intmath
from soulterm.zx.kernelbench import Z80Bench, run_matvec

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


def test_matvec_floors_negative_sums(bench):
    w = np.zeros((8, 4), dtype=np.int64)
    w[:, 0] = -1
    x = np.array([3, 0, 0, 0])                 # every row sums to -3; -3 >> 1 = -2
    got, _ = run_matvec(bench, w, x, None, 1)
    assert list(got) == [-2] * 8


def test_matvec_t_states_are_what_the_header_says(bench):
    """The header's figures: the same for any values, so measured once on zeros."""
    figures = {}
    for rows, cols, bias in ((32, 32, None), (64, 32, np.zeros(64)), (32, 64, None), (128, 32, None)):
        _, figures[(rows, cols)] = run_matvec(bench, np.zeros((rows, cols)), np.zeros(cols), bias, 0)
    assert figures == {(32, 32): 364_297, (64, 32): 720_073, (32, 64): 712_841, (128, 32): 1_409_161}
    # The header's formula: 325 a product, 492 a column, 484 a row, 265 a call; 45 a bit of shift a row.
    for (rows, cols), t_states in figures.items():
        if (rows, cols) != (64, 32):
            assert t_states == 325 * rows * cols + 492 * cols + 484 * rows + 265
    _, shifted = run_matvec(bench, np.zeros((32, 32)), np.zeros(32), None, 7)
    assert shifted - figures[(32, 32)] == 32 * (4 + 7 * 45 - 5 - 5)
