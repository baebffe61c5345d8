"""attention.s (one head over the KV cache) against intmath.attention_head."""

from __future__ import annotations

import numpy as np
import pytest

from soulterm.player.bench import fill_attention
from soulterm.player.harness import KernelBench
from soulterm.soul import intmath


@pytest.fixture(scope="module")
def bench():
    return KernelBench()


def run_head(bench, rng, t, layer, head, q=None, keys=None, values=None):
    q, keys, values = fill_attention(bench, rng, t, layer, head, q, keys, values)
    cycles = bench.call("attention_head")
    sym = bench.sym
    out = bench.read_vector(sym("VEC_ATT") + head * 8, 8)
    first = sym("ATT_WEIGHTS") + (layer * 4 + head) * 20
    weights = np.frombuffer(bench.peek(first, t + 1), dtype=np.uint8).astype(np.int64)
    want_out, want_weights = intmath.attention_head(q, keys, values)
    return out, weights, want_out, want_weights, cycles


def test_attention_matches_intmath_on_200_random_heads(bench):
    rng = np.random.default_rng(11)
    for case in range(200):
        t = int(rng.integers(0, 20))
        layer, head = case % 2, (case // 2) % 4
        kind = case % 5
        if kind == 0:        # full 16-bit range: scores beyond 32 bits, saturation
            q, k, v = (rng.integers(-32768, 32768, s) for s in (8, (t + 1, 8), (t + 1, 8)))
        elif kind == 1:      # extreme values only
            pick = [-32768, 32767, 0, -1, 1]
            q, k, v = (rng.choice(pick, s) for s in (8, (t + 1, 8), (t + 1, 8)))
        elif kind == 2:      # all-zero query: uniform weights
            q, k, v = np.zeros(8, dtype=np.int64), rng.integers(-500, 500, (t + 1, 8)), rng.integers(-500, 500, (t + 1, 8))
        else:                # realistic activations
            q, k, v = (rng.integers(-2000, 2000, s) for s in (8, (t + 1, 8), (t + 1, 8)))
        out, weights, want_out, want_weights = run_head(bench, rng, t, layer, head, q, k, v)[:4]
        assert np.array_equal(weights, want_weights), f"case {case}: LUT weights"
        assert np.array_equal(out, want_out), f"case {case}: output"



def test_attention_matches_intmath_for_every_lut_weight(bench):
    """Keys whose scores are exact multiples of 2^14 pick each position's
    LUT weight: 255 (the max), 1 and 0 (the commonest, which the weighted
    sum takes without products) and everything between, with q wide (taken
    by the squares table in parts) and narrow (in one pass)."""
    rng = np.random.default_rng(15)
    gap_choices = [0, 0, 1, 2, 60, 80, 90, 99, 100, 101, 126, 127] + list(range(3, 60))
    for case in range(40):
        t = int(rng.integers(0, 20))
        layer, head = case % 2, (case // 2) % 4
        gaps = rng.choice(gap_choices, t + 1)
        gaps[rng.integers(0, t + 1)] = 0
        scale = 16384 if case % 2 else 1024       # q[0] * k[0] >> 14 = k[0] or k[0] >> 4
        q = np.zeros(8, dtype=np.int64)
        q[0] = scale
        k = rng.integers(-3000, 3000, (t + 1, 8))
        k[:, 0] = (200 - gaps) * (16384 // scale)
        k[:, 1:] = 0
        v = rng.integers(-32768, 32768, (t + 1, 8))
        out, weights, want_out, want_weights = run_head(bench, rng, t, layer, head, q, k, v)[:4]
        assert np.array_equal(weights, want_weights), f"case {case}: LUT weights"
        assert np.array_equal(out, want_out), f"case {case}: output"

def test_attention_with_q_beyond_the_squares_table_takes_it_in_parts(bench):
    """A q outside -1664..1663 (the range's edges, twice it, the int16 edges):
    the passes' parts add up to the exact 40-bit scores (stored doubled)."""
    rng = np.random.default_rng(16)
    edges = [-3328, -3327, -1665, -1664, 1663, 1664, 3326, 3327, 0, -1, 1]
    for case in range(60):
        t = int(rng.integers(0, 20))
        layer, head = case % 2, (case // 2) % 4
        q = rng.choice(edges, 8) if case % 3 == 0 else rng.integers(-3328, 3328, 8)
        q[int(rng.integers(8))] = rng.choice([-1665, 1664, -3328, 3327])   # at least one beyond the table
        if case % 4 == 3:
            q[int(rng.integers(8))] = rng.choice([-3329, 3328, -32768, 32767])   # parts
        k, v = rng.integers(-32768, 32768, (t + 1, 8)), rng.integers(-3000, 3000, (t + 1, 8))
        fill_attention(bench, rng, t, layer, head, q, k, v)
        bench.call("at_fast_scores")                   # the exact 40-bit scores, before at_weights
        planes = [np.frombuffer(bench.peek(bench.sym(f"SCORE_{n}"), t + 1), np.uint8).astype(np.int64)
                  for n in range(5)]
        got = sum(plane << (8 * n) for n, plane in enumerate(planes))
        assert np.array_equal(got, (2 * (k @ q)) % (1 << 40)), f"case {case}: scores (doubled)"
        out, weights, want_out, want_weights = run_head(bench, rng, t, layer, head, q, k, v)[:4]
        assert np.array_equal(weights, want_weights), f"case {case}: LUT weights"
        assert np.array_equal(out, want_out), f"case {case}: output"


def test_attention_matches_intmath_for_narrow_values_and_their_high_bytes(bench):
    """A narrowed soul's v (|v| < 300: high byte 0 or -1, the product rows'
    fast paths) and the edges around them (high bytes -2, 1 and beyond, taken
    by adding or taking off w per unit), with keys that spread the weights
    over the whole LUT."""
    rng = np.random.default_rng(17)
    edges = [-32768, -513, -512, -257, -256, -255, -129, -128, -1, 0, 1, 127, 128, 255, 256, 257, 511, 512, 32767]
    for case in range(60):
        t = int(rng.integers(0, 20))
        layer, head = case % 2, (case // 2) % 4
        q = rng.integers(-1600, 1600, 8)
        k = rng.integers(-300, 300, (t + 1, 8))
        v = rng.integers(-300, 300, (t + 1, 8)) if case % 3 else rng.choice(edges, (t + 1, 8))
        out, weights, want_out, want_weights = run_head(bench, rng, t, layer, head, q, k, v)[:4]
        assert np.array_equal(weights, want_weights), f"case {case}: LUT weights"
        assert np.array_equal(out, want_out), f"case {case}: output"


def test_attention_leaves_other_heads_alone(bench):
    rng = np.random.default_rng(12)
    sym = bench.sym
    bench.write_vector(sym("VEC_ATT"), np.full(32, 1234))
    run_head(bench, rng, 5, 1, 2)
    att = bench.read_vector(sym("VEC_ATT"), 32)
    assert list(att[:16]) == [1234] * 16 and list(att[24:]) == [1234] * 8


def test_attention_cost_grows_with_position(bench):
    rng = np.random.default_rng(13)
    cycles = [run_head(bench, rng, t, 0, 0)[4] for t in (0, 9, 19)]
    assert cycles[0] < cycles[1] < cycles[2]
    assert cycles[2] <= 90_000      # exact budget for one head at the last position


def test_division_floors_every_weighted_mean(bench):
    """at_divide alone: floor(acc / wsum) for every divisor a head can have
    (255..5100) and dividends at the edges of what int16 values allow
    (-32768*D .. 32767*D + D-1), across the quotient's high byte (256*D)."""
    rng = np.random.default_rng(14)
    sym = bench.sym
    divisors = [255, 256, 257, 511, 512, 767, 4096, 5100] + [int(d) for d in rng.integers(255, 5101, 40)]
    for case, den in enumerate(divisors):
        edges = [-32768 * den, -32768 * den + 1, -256 * den - 1, -256 * den, -256 * den + 1, -den - 1, -den,
                 -1, 0, 1, den - 1, den, 256 * den - 1, 256 * den, 2**24 - 1, 32767 * den, 32767 * den + den - 1]
        edges = [n for n in edges if -32768 * den <= n <= 32767 * den + den - 1]
        nums = edges + [int(n) for n in rng.integers(-32768 * den, 32768 * den, 24)]
        head = case % 4
        for first in range(0, len(nums), 8):
            batch = (nums[first:first + 8] + [0] * 8)[:8]
            acc = bytearray(32)
            for d, n in enumerate(batch):
                for byte, value in enumerate((n & 0xFFFFFFFF).to_bytes(4, "little")):
                    acc[8 * byte + d] = value
            bench.poke(sym("at_acc"), bytes(acc))
            bench.poke_word(sym("at_wsum"), den)
            bench.memory[sym("at_head")] = head
            bench.call("at_divide")
            got = bench.read_vector(sym("VEC_ATT") + head * 8, 8)
            assert list(got) == [n // den for n in batch], (den, batch)
