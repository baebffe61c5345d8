"""embed.s and vecops.s (residual add, ReLU, argmax) against intmath."""

from __future__ import annotations

import numpy as np
import pytest

from soulterm.player.harness import WEIGHTS_AT, KernelBench, edge_vector
from soulterm.soul import intmath

@pytest.fixture(scope="module")
def bench():
    return KernelBench()


def run_embed(bench, te, s_te, pe, s_pe) -> np.ndarray:
    """embed of te and pe (32 int8 each) at their shifts; returns VEC_H."""
    sym = bench.sym
    bench.poke(WEIGHTS_AT, te & 0xFF)
    bench.poke(WEIGHTS_AT + 32, pe & 0xFF)
    bench.poke_word(sym("em_te"), WEIGHTS_AT)
    bench.poke_word(sym("em_pe"), WEIGHTS_AT + 32)
    bench.memory[sym("em_te_shift")] = s_te
    bench.memory[sym("em_pe_shift")] = s_pe
    bench.call("embed")
    return bench.read_vector(sym("VEC_H"), 32)


def test_embed_matches_intmath(bench):
    rng = np.random.default_rng(21)
    for case in range(200):
        te = rng.integers(-127, 128, 32) if case % 5 else rng.choice([-128, 127], 32)
        pe = rng.integers(-127, 128, 32)
        s_te, s_pe = int(rng.integers(0, 16)), int(rng.integers(0, 16))
        got = run_embed(bench, te, s_te, pe, s_pe)
        assert np.array_equal(got, intmath.embed(te, s_te, pe, s_pe)), f"case {case}"


def test_embed_saturates_both_ways(bench):
    """Terms at shift 0 and 1 whose sum leaves int16 either way (and some that just fit)."""
    rng = np.random.default_rng(23)
    saturated = set()
    for s_te, s_pe in ((0, 0), (0, 1), (1, 0), (1, 1)):
        te = rng.choice([-128, -127, -64, 63, 126, 127], 32)
        pe = rng.choice([-128, -127, -65, 64, 126, 127], 32)
        want = intmath.embed(te, s_te, pe, s_pe)
        saturated |= set(want[np.abs(want) >= 32767].tolist())
        assert np.array_equal(run_embed(bench, te, s_te, pe, s_pe), want), (s_te, s_pe)
    assert saturated == {32767, -32768}

def test_residual_add_saturates(bench):
    rng = np.random.default_rng(22)
    sym = bench.sym
    for case in range(200):
        a, b = edge_vector(rng, 32, case % 6), edge_vector(rng, 32, (case + 1) % 6)
        bench.write_vector(sym("VEC_H"), a)
        bench.write_vector(sym("VEC_TMP"), b)
        bench.call("residual_add")
        assert np.array_equal(bench.read_vector(sym("VEC_H"), 32), intmath.sat16(a + b)), f"case {case}"


def test_relu(bench):
    rng = np.random.default_rng(23)
    sym = bench.sym
    for case in range(200):
        z = edge_vector(rng, 64, case % 6)
        bench.write_vector(sym("VEC_Z"), z)
        bench.call("relu_z")
        assert np.array_equal(bench.read_vector(sym("VEC_Z"), 64), intmath.relu(z))


def test_argmax_rule(bench):
    rng = np.random.default_rng(24)
    sym = bench.sym
    cases = [np.full(128, -32768), np.full(128, 7)]
    special = np.zeros(128, dtype=np.int64)
    special[:3] = 32767                       # PAD, SEP, UNK are never chosen
    cases.append(special)
    tie = rng.integers(-100, 100, 128)
    tie[[40, 90]] = 5000                      # a tie: the lower id wins
    cases.append(tie)
    cases += [edge_vector(rng, 128, i % 6) for i in range(200)]
    bench.poke(sym("logits_exact"), [0xF8] + [0xFF] * 15)    # rows 3..127, as forward_logits marks them
    for logits in cases:
        bench.write_vector(sym("VEC_LOGITS"), logits)
        bench.call("argmax")
        assert bench.mpu.a == intmath.argmax_token(np.asarray(logits))


def test_argmax_reads_only_the_marked_rows(bench):
    """forward_logits marks the rows it computed exactly (logits_exact); the rest hold lower
    bounds that cannot win, so argmax passes over them, whatever they hold."""
    rng = np.random.default_rng(25)
    sym = bench.sym
    for case in range(200):
        logits = edge_vector(rng, 128, case % 6)
        marked = rng.random(128) < rng.choice([0.01, 0.05, 0.3, 1.0])
        marked[:3] = False
        marked[rng.integers(3, 128)] = True
        if case % 4 == 0:                     # a tie among the marked rows: the lower id wins
            rows = np.flatnonzero(marked)
            logits[rows] = logits[rows].min()
        bench.write_vector(sym("VEC_LOGITS"), logits)
        bench.poke(sym("logits_exact"), np.packbits(marked, bitorder="little"))
        bench.call("argmax")
        expected = np.flatnonzero(marked)[np.argmax(np.asarray(logits)[marked])]
        assert bench.mpu.a == expected, case


def test_embed_left_shifts_only_for_shifts_of_1_to_8_in_order(bench):
    """1 <= s_te <= s_pe <= 8 (the shipped soul's 4 and 5, the vectors soul's 5 and 5) takes
    ((te << (a - b)) + pe) << b: every such pair and its neighbours, at the int8 extremes; the
    pairs it takes cost less than the right-shift loops of a pair it does not take."""
    rng = np.random.default_rng(29)
    sym = bench.sym
    for s_te in range(10):
        for s_pe in range(10):
            te = rng.choice([-128, -127, -1, 0, 1, 126, 127], 32)
            pe = rng.choice([-128, -127, -1, 0, 1, 126, 127], 32)
            got = run_embed(bench, te, s_te, pe, s_pe)
            assert np.array_equal(got, intmath.embed(te, s_te, pe, s_pe)), (s_te, s_pe)
    te, pe = rng.integers(-127, 128, 32), rng.integers(-127, 128, 32)
    run_embed(bench, te, 4, pe, 5)
    left = bench.call("embed")
    bench.memory[sym("em_te_shift")], bench.memory[sym("em_pe_shift")] = 5, 4
    assert left < bench.call("embed")
