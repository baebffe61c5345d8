"""benchmarks/z80_key_bounds.py (zxkeys30): the bound from a key's top bit planes that would prove its
attention weight 0. The bound must bracket every score exactly for any q and key (12-plane keys too), a key
it proves 0 must have weight 0 in the integer engine's attention, and reading fewer planes must never prove
more; the benchmark's counts are checked against the engine's own steps on a random soul."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from soulterm.paths import CHECKOUT_DIR, DEFAULT_TOKENIZER
from soulterm.soul import intmath, spec
from soulterm.soul.engine import Engine
from soulterm.soul.tokenizer import Tokenizer

from conftest import random_soul

sys.path.insert(0, str(CHECKOUT_DIR / "benchmarks"))
import z80_key_bounds as bounds  # noqa: E402  (a benchmark script, beside z80_profile.py)


def random_heads(seed: int, count: int = 200):
    """(q, keys) pairs of one head: q and keys over the 12-plane range, a few keys near q's direction so
    that one score stands far above the rest."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        q = rng.integers(-2048, 2048, size=spec.HEAD_DIM)
        keys = rng.integers(-2048, 2048, size=(int(rng.integers(1, spec.CONTEXT + 1)), spec.HEAD_DIM))
        keys[0] = np.clip(np.sign(q) * 2047, -2048, 2047)
        yield q, keys


@pytest.mark.parametrize("seed", range(3))
def test_the_top_planes_bracket_every_score(seed):
    for q, keys in random_heads(seed):
        f = (keys @ q) >> spec.SCORE_SHIFT
        for low_planes in bounds.LOW_PLANES:
            lo, hi = bounds.top_plane_bounds(q, keys, low_planes)
            assert (lo <= f).all() and (f <= hi).all()
        exact_lo, exact_hi = bounds.top_plane_bounds(q, keys, 0)
        assert (exact_lo == f).all() and (exact_hi == f).all()      # no low planes: the score itself


@pytest.mark.parametrize("seed", range(3))
def test_a_key_proved_zero_has_weight_zero_and_fewer_planes_prove_no_more(seed):
    proved_any = 0
    for q, keys in random_heads(10 + seed):
        _, weights = intmath.attention_head(q, keys, np.zeros_like(keys))
        before = None
        for low_planes in bounds.LOW_PLANES:
            proved = bounds.proved_zero(q, keys, low_planes)
            assert not weights[proved].any()
            if before is not None:
                assert not (proved & ~before).any()
            before = proved
            proved_any += int(proved.sum())
        f_max = int(((keys @ q) >> spec.SCORE_SHIFT).max())
        assert not weights[bounds.norm_proved_zero(q, keys, f_max)].any()
    assert proved_any                                               # the heads give the bound work to do


def test_the_zero_point_is_the_luts_own():
    lut = spec.exp_lut()
    assert lut[bounds.ZERO_GAP] == 0 and all(lut[:bounds.ZERO_GAP])
    q = np.array([1, 0, 0, 0, 0, 0, 0, 0])
    gap = bounds.ZERO_GAP << spec.SCORE_SHIFT
    keys = np.zeros((3, spec.HEAD_DIM), np.int64)
    keys[:, 0] = [gap, 0, 1 << spec.SCORE_SHIFT]                    # f: 127, 0 (weight 0), 1 (weight 1)
    assert bounds.proved_zero(q, keys, 0).tolist() == [False, True, False]


def test_the_counts_follow_the_engines_steps_on_a_random_soul():
    engine, tokenizer = Engine(random_soul(7)), Tokenizer.load(DEFAULT_TOKENIZER)
    steps, counts = bounds.reply_step_counts(engine, tokenizer, "do you like music")
    reply = engine.reply(tokenizer, "do you like music")
    assert steps == len(reply.ids)
    positions = range(len(reply.context), len(reply.context) + steps)
    assert counts["keys"] == spec.N_LAYERS * spec.N_HEADS * sum(t + 1 for t in positions)
    assert counts["zero"] >= max(counts[r] for r in bounds.LOW_PLANES)
    assert all(counts[r] >= counts[r + 1] for r in bounds.LOW_PLANES[:-1])


def test_the_net_figures_follow_their_constants():
    # 10 keys, none proved: the bound's pass is all cost; every key proved with all but the top plane unread
    assert bounds.net_saving(10, 0, 6) == -10 * (5 * bounds.PLANE + bounds.TEST)
    assert bounds.net_saving(10, 10, 10) == 10 * (bounds.KEY - bounds.SKIPPED_END) - 10 * (bounds.PLANE + bounds.TEST)
    top_pass = 5 * bounds.KEPT_BIT + bounds.TEST + bounds.TOP_STORE
    assert bounds.kept_net_saving(10, 10, 6) == 10 * (6 * bounds.PLANE + bounds.END_REST - bounds.SKIPPED_END - top_pass)
    assert bounds.ceiling(2) == 2 * (bounds.KEY - bounds.SKIPPED_END)
