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


def run_rmsnorm(bench, x, g, shift, unit=False, out="VEC_XN"):
    """unit: tell the kernel every gain is 2^shift (rn_unit_gains, as layout.py does for such a
    norm), or, an int d, that every gain is 2^(shift - d) (a narrowed norm)."""
    sym = bench.sym
    bench.write_vector(sym("VEC_H"), x)
    bench.poke(GAINS_AT, np.asarray(g) & 0xFF)
    bench.poke_word(sym("rn_in"), sym("VEC_H"))
    bench.poke_word(sym("rn_out"), sym(out))
    bench.poke_word(sym("rn_gain"), GAINS_AT)
    bench.memory[sym("rn_shift")] = shift
    bench.memory[sym("rn_unit_gains")] = 0 if unit is False else 0x80 if unit is True else 0x80 + unit
    cycles = bench.call("rmsnorm")
    return bench.read_vector(sym(out), 32), cycles


def test_rmsnorm_with_unit_gains_takes_the_short_loop_and_matches_intmath(bench):
    """Every gain 2^s_g (a fixed-gain soul's norms) with rn_unit_gains set: the same
    outputs as intmath for values of every kind, in place too, and fewer cycles
    than the general loop on the same inputs (in all: at s_g = 0 the unit loop takes
    its low product always, so on an edge vector a page crossing of the bench image's
    layout may tip one case)."""
    rng = np.random.default_rng(17)
    for shift in range(7):
        g = np.full(32, 1 << shift)
        unit_cycles = general_cycles = 0
        for case in range(24):
            x = edge_vector(rng, 32, case % 6) if case % 4 else rng.integers(-700, 700, 32)
            want = intmath.rmsnorm(x, g, shift)
            got, cycles = run_rmsnorm(bench, x, g, shift, unit=True, out="VEC_H" if case % 3 == 0 else "VEC_XN")
            assert np.array_equal(got, want), (shift, case)
            general, general_case = run_rmsnorm(bench, x, g, shift)
            assert np.array_equal(general, want), (shift, case)
            unit_cycles += cycles
            general_cycles += general_case
        assert unit_cycles < general_cycles, shift


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


def test_rmsnorm_gains_of_plus_minus_two_to_the_shift_and_zero(bench):
    """A gain of +-2^s_g scales by +-1 without a product, a zero gain gives 0; every shift, beside other gains."""
    rng = np.random.default_rng(11)
    for shift in range(16):
        unit = 1 << shift
        choices = [0, -128, 127, 1, -1, int(rng.integers(-127, 128))]
        if unit <= 127:
            choices += [unit, -unit, unit - 1, unit + 1]
        for kind in range(6):
            x = edge_vector(rng, 32, kind)
            g = rng.choice(choices, 32)
            got, _ = run_rmsnorm(bench, x, g, shift)
            assert np.array_equal(got, intmath.rmsnorm(x, g, shift)), (shift, kind)


def test_rmsnorm_squares_at_the_edges_of_the_table_read(bench):
    """xs^2 is a read of the squares table for x in -1792..1791 (by page for -256..255); the values
    around the ends of those, and wide ones that take the multiply."""
    rng = np.random.default_rng(12)
    edges = [4095, 4096, 4080, 4111, -3840, -3841, -3585, -4080, -4081, -4096, -4097, -1, 0, 15, 16, -16, -17,
             255, 256, -255, -256, -257, 1775, 1776, 1791, 1792, -1792, -1793, -1776, -1777,
             28671, 28672, -28672, -28673, 32767, -32768]
    for case in range(60):
        x = rng.choice(edges, 32)
        g = rng.integers(-128, 128, 32)
        got, _ = run_rmsnorm(bench, x, g, case % 16)
        assert np.array_equal(got, intmath.rmsnorm(x, g, case % 16)), case


def _vector_with_mean_square(rng, m: int) -> np.ndarray:
    """32 int16 values whose (x >> 4)^2 sum to 32*m: 28 equal ones and four squares for the rest (Lagrange)."""
    if m == 2**22:
        return np.full(32, -32768)          # the only way: every x >> 4 = -2048
    target, top = 32 * m, 2047
    base = min(top, math.isqrt(m))
    while True:
        rest = target - 28 * base * base
        for a in range(min(top, math.isqrt(rest)), -1, -1):
            for b in range(min(a, math.isqrt(rest - a * a)), -1, -1):
                left = rest - a * a - b * b
                for c in range(min(b, math.isqrt(left)), -1, -1):
                    d = math.isqrt(left - c * c)
                    if d <= c and d * d == left - c * c:
                        xs = np.array([base] * 28 + [a, b, c, d]) * rng.choice([-1, 1], 32)
                        return xs * 16 + rng.integers(0, 16, 32)
        base -= 1


@pytest.mark.parametrize("m", [1, 2, 3, 255, 256, 288, 289, 290, 16383, 16384, 65024, 65025, 65535, 65536,
                               66048, 1_000_000, 2**22])
def test_rmsnorm_roots_around_the_fast_range(bench, m):
    """Means whose roots are the clamp's 16/17, 127/128 and 255/256 (the end of the one-byte root)."""
    rng = np.random.default_rng(m)
    x = _vector_with_mean_square(rng, m)
    assert max(1, int((x >> 4) @ (x >> 4)) // 32) == m
    g = rng.integers(-128, 128, 32)
    got, _ = run_rmsnorm(bench, x, g, 7)
    assert np.array_equal(got, intmath.rmsnorm(x, g, 7))


def test_rmsnorm_every_one_byte_root(bench):
    """Every root 1..255 (and one below each square) through the search and the one-byte division."""
    rng = np.random.default_rng(13)
    g = rng.integers(-128, 128, 32)
    for r in range(1, 256):
        for m in (r * r, r * r - 1):
            if m == 0:
                continue
            x = _vector_with_mean_square(rng, m)
            got, _ = run_rmsnorm(bench, x, g, 6)
            assert np.array_equal(got, intmath.rmsnorm(x, g, 6)), m


def test_isqrt24_is_floor_sqrt(bench):
    rng = np.random.default_rng(5)
    sym = bench.sym
    values = [0, 1, 2, 3, 4, 15, 16, 17, 2**22, 2**24 - 1] + [int(v) for v in rng.integers(0, 2**24, 200)]
    for m in values:
        bench.poke(sym("sq_num"), m.to_bytes(3, "little"))
        bench.call("isqrt24")
        assert bench.read_signed(sym("sq_root"), 2) == math.isqrt(m), m


def test_rmsnorm_power_of_two_gains_below_one_shift_without_a_product(bench):
    """Every gain 2^a with a <= s_g and d = s_g - a <= 7 flagged (a narrowed soul's norms: 64
    with s_g = 8, d = 2): out = y >> d with no gain step, floored like intmath, in place too."""
    from soulterm.player.layout import unit_gains

    rng = np.random.default_rng(13)
    for a in range(7):
        for d in range(8):
            shift = a + d
            g = np.full(32, 1 << a)
            assert unit_gains(g, shift) == 0x80 + d
            for kind in range(6):
                x = edge_vector(rng, 32, kind)
                got, _ = run_rmsnorm(bench, x, g, shift, unit=d, out="VEC_H" if kind == 0 else "VEC_XN")
                assert np.array_equal(got, intmath.rmsnorm(x, g, shift)), (a, d, kind)


def test_a_narrowed_norm_costs_about_what_a_unit_gain_does(bench):
    x = np.arange(-16, 16) * 40
    _, unit = run_rmsnorm(bench, x, [64] * 32, 6, unit=True)
    _, narrowed = run_rmsnorm(bench, x, [64] * 32, 8, unit=2)
    _, multiplied = run_rmsnorm(bench, x, [64] * 32, 8)
    assert narrowed <= unit + 32 * 40 < multiplied


def test_rmsnorm_with_a_clamped_inverse_skips_the_products(bench):
    """Unit and narrowed gains (d = 0..7) when inv is clamped to 32767 (a root below 17, about
    half of the shipped soul's norms): y = x - 1 for x > 0, x otherwise, with no product,
    through every element path (0..255, -256..-1, wider), in place too; cheaper than the same
    values times 16, whose root is not clamped."""
    rng = np.random.default_rng(19)
    for d in range(8):
        g = np.full(32, 64)
        shift = 6 + d
        for case in range(12):
            x = rng.integers(-(40, 255, 300, 40)[case % 4], (40, 255, 300, 40)[case % 4] + 1, 32)
            if case % 4 == 3:   # two wide values: x in +-(256..1000)
                x[-2:] = rng.integers(256, 1001, 2) * rng.choice([-1, 1], 2)
            if case % 3 == 0:
                x[:8] = (0, 1, -1, 255, 256, -256, -257, 257)
            xs = x >> 4
            assert max(1, int(xs @ xs) // 32) < 17 * 17, "the root must be clamped"
            got, cycles = run_rmsnorm(bench, x, g, shift, unit=d, out="VEC_H" if case % 2 else "VEC_XN")
            assert np.array_equal(got, intmath.rmsnorm(x, g, shift)), (d, case)
            assert max(1, int(x @ x) // 32) >= 17 * 17, "x * 16 must have an unclamped root"
            _, unclamped_cycles = run_rmsnorm(bench, x * 16, g, shift, unit=d)
            assert cycles < unclamped_cycles, (d, case)
