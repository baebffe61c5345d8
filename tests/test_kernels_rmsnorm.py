"""rmsnorm.s and the arithmetic under it (arith.s) against intmath and Python."""

from __future__ import annotations

import math

import numpy as np
import pytest

from soulterm.player.harness import GAINS_AT, KernelBench, edge_vector
from soulterm.soul import intmath

@pytest.fixture(scope="module")
def bench():
    return KernelBench()


def run_rmsnorm(bench, x, g, shift):
    sym = bench.sym
    bench.write_vector(sym("VEC_H"), x)
    bench.poke(GAINS_AT, np.asarray(g) & 0xFF)
    bench.poke_word(sym("rn_in"), sym("VEC_H"))
    bench.poke_word(sym("rn_out"), sym("VEC_XN"))
    bench.poke_word(sym("rn_gain"), GAINS_AT)
    bench.memory[sym("rn_shift")] = shift
    cycles = bench.call("rmsnorm")
    return bench.read_vector(sym("VEC_XN"), 32), cycles


def test_rmsnorm_matches_intmath_on_200_random_vectors(bench):
    rng = np.random.default_rng(7)
    for case in range(200):
        x = edge_vector(rng, 32, case % 6)
        if case % 11 == 0:
            x = np.zeros(32, dtype=np.int64)
            x[int(rng.integers(32))] = int(rng.integers(-40, 40))   # m rounds to 0 -> 1
        g = rng.integers(-127, 128, 32) if case % 2 else rng.integers(40, 128, 32)
        if case % 13 == 0:
            g[:4] = (-128, 127, -1, 0)      # the int8 extremes of a gain
        shift = int(rng.integers(0, 16))
        got, _ = run_rmsnorm(bench, x, g, shift)
        assert np.array_equal(got, intmath.rmsnorm(x, g, shift)), f"case {case}"


def test_rmsnorm_in_place(bench):
    sym = bench.sym
    x = np.arange(-16, 16) * 300
    bench.write_vector(sym("VEC_H"), x)
    bench.poke(GAINS_AT, [100] * 32)
    bench.poke_word(sym("rn_in"), sym("VEC_H"))
    bench.poke_word(sym("rn_out"), sym("VEC_H"))
    bench.poke_word(sym("rn_gain"), GAINS_AT)
    bench.memory[sym("rn_shift")] = 6
    bench.call("rmsnorm")
    assert np.array_equal(bench.read_vector(sym("VEC_H"), 32), intmath.rmsnorm(x, np.full(32, 100), 6))


def test_mul16u_matches_python(bench):
    rng = np.random.default_rng(3)
    sym = bench.sym
    pairs = [(65535, 65535), (0, 65535), (1, 1), (255, 256), (32768, 32768)]
    pairs += [tuple(int(v) for v in rng.integers(0, 65536, 2)) for _ in range(200)]
    for a, b in pairs:
        bench.poke_word(sym("ar_a"), a)
        bench.poke_word(sym("ar_b"), b)
        bench.call("mul16u")
        assert int.from_bytes(bench.peek(sym("ar_p"), 4), "little") == a * b, (a, b)


def test_isqrt24_is_floor_sqrt(bench):
    rng = np.random.default_rng(5)
    sym = bench.sym
    values = [0, 1, 2, 3, 4, 15, 16, 17, 2**22, 2**24 - 1] + [int(v) for v in rng.integers(0, 2**24, 200)]
    for m in values:
        bench.poke(sym("sq_num"), m.to_bytes(3, "little"))
        bench.call("isqrt24")
        assert bench.read_signed(sym("sq_root"), 2) == math.isqrt(m), m
