"""The integer engine against shared/vectors, and its three paths against each other."""

from __future__ import annotations

import math

import numpy as np
import pytest

from soulterm.soul import intmath, spec
from soulterm.soul.engine import Engine

from conftest import random_soul


def test_every_reply_in_vectors(vectors_soul, vectors_tokenizer, vectors_replies):
    engine = Engine(vectors_soul)
    for case in vectors_replies:
        reply = engine.reply(vectors_tokenizer, case["text"])
        assert reply.context == case["context"], case["text"]
        assert reply.ids == case["reply_ids"], case["text"]
        assert reply.text == case["reply"], case["text"]


def test_trace_every_number(vectors_soul, vectors_trace):
    engine = Engine(vectors_soul)
    state = engine.new_state()
    assert len(vectors_trace["tokens"]) == len(vectors_trace["positions"])
    for token, expected in zip(vectors_trace["tokens"], vectors_trace["positions"]):
        engine.step(state, token)
        last = state.last
        assert last.embed.tolist() == expected["embed"]
        assert last.hidden[0].tolist() == expected["layer0"]
        assert last.hidden[1].tolist() == expected["layer1"]
        assert last.logits.tolist() == expected["logits"]


@pytest.mark.parametrize("seed", range(6))
def test_cache_equals_full_recompute_and_batch(seed):
    soul = random_soul(seed)
    engine = Engine(soul)
    rng = np.random.default_rng(100 + seed)
    length = int(rng.integers(1, spec.CONTEXT + 1))
    tokens = rng.integers(0, spec.VOCAB_SIZE, size=length).tolist()
    state = engine.new_state()
    cached = []
    for tok in tokens:
        engine.step(state, tok)
        cached.append(state.last)
    full = engine.forward_full(tokens)
    batch = engine.batch_logits(np.array([tokens, tokens[::-1]]))
    for t, (c, f) in enumerate(zip(cached, full)):
        assert c.logits.tolist() == f.logits.tolist()
        for layer in range(spec.N_LAYERS):
            assert c.hidden[layer].tolist() == f.hidden[layer].tolist()
            assert c.attention_lut[layer].tolist() == f.attention_lut[layer].tolist()
        assert batch[0, t].tolist() == c.logits.tolist()
    reversed_full = engine.forward_full(tokens[::-1])
    assert batch[1, -1].tolist() == reversed_full[-1].logits.tolist()


def test_attention_weights_exposed_for_every_head(vectors_soul):
    engine = Engine(vectors_soul)
    state = engine.new_state()
    for tok in (1, 49, 16, 56, 1):
        engine.step(state, tok)
    lut = state.last.attention_lut
    assert len(lut) == spec.N_LAYERS
    assert lut[0].shape == (spec.N_HEADS, 5)
    assert (lut[0].max(axis=1) == 255).all()  # the best-scoring key always gets LUT[0]
    norm = state.last.attention_norm
    assert np.allclose(norm[1].sum(axis=1), 1.0)


def test_batch_handles_saturating_soul():
    soul = random_soul(99)
    for name in ("te", "pe"):  # force huge embeddings so sat16 and shifts get exercised
        soul.tensors[name] = soul.tensors[name].__class__(
            name, 0, np.full_like(soul[name].values, 127), 0)
    engine = Engine(soul)
    tokens = list(range(3, 23))
    full = engine.forward_full(tokens)
    assert full[0].embed.max() == 32767
    batch = engine.batch_logits(np.array([tokens]))
    assert [f.logits.tolist() for f in full] == batch[0].tolist()


def test_intmath_edges():
    assert intmath.sat16(np.array([40000, -40000, 5])).tolist() == [32767, -32768, 5]
    assert intmath.shift_right(np.array([-3]), 1).tolist() == [-2]  # floor, not truncation
    assert intmath.shift_right(np.array([3]), -2).tolist() == [12]
    assert intmath.up(np.array([1]), 5).tolist() == [8]
    assert intmath.up(np.array([-64]), 10).tolist() == [-16]
    logits = np.zeros(128, dtype=np.int64)
    logits[[0, 1, 2]] = 100           # specials other than END are never chosen
    assert intmath.argmax_token(logits) == 3
    logits[[50, 60]] = 7              # tie: lowest id
    assert intmath.argmax_token(logits) == 50
    assert intmath.EXP_LUT[0] == 255 and intmath.EXP_LUT[127] == 0
    assert intmath.EXP_LUT[16] == round(255 * np.exp(-1))
    assert min(intmath.EXP_LUT[1:127]) >= 1


def test_rmsnorm_of_zero_vector_is_zero():
    g = np.full(32, 64)
    assert intmath.rmsnorm(np.zeros(32, dtype=np.int64), g, 6).tolist() == [0] * 32


def test_rmsnorm_matches_spec_steps():
    rng = np.random.default_rng(5)
    for _ in range(200):
        x = rng.integers(-32768, 32768, size=32)
        g = rng.integers(-128, 128, size=32)
        s = int(rng.integers(0, 9))
        xs = [int(v) >> 4 for v in x]
        m = max(1, sum(v * v for v in xs) // 32)
        r = max(1, math.isqrt(m))
        inv = min(32767, 2**19 // r)
        want = [max(-32768, min(32767, ((int(xi) * inv >> 15) * int(gi)) >> s)) for xi, gi in zip(x, g)]
        assert intmath.rmsnorm(x, g, s).tolist() == want


def test_step_rejects_full_context_and_bad_ids(vectors_soul):
    engine = Engine(vectors_soul)
    state = engine.new_state()
    with pytest.raises(ValueError):
        engine.step(state, 128)
    for _ in range(spec.CONTEXT):
        engine.step(state, 4)
    with pytest.raises(ValueError, match="full"):
        engine.step(state, 4)
