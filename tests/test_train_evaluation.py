"""The evaluator's batched greedy decoding and token accuracy against independent references:
the reference vectors (project and original) and the engine's own KV-cached step path."""

from __future__ import annotations

import numpy as np
import pytest

from soulterm.soul import spec
from soulterm.soul.corpus import fit_exchanges, parse_corpus
from soulterm.soul.engine import Engine
from soulterm.soul.evaluation import evaluate, greedy_replies, token_accuracy


@pytest.fixture(scope="module")
def reference(vector_set):
    return Engine(vector_set.soul), vector_set.tokenizer, vector_set.replies


def test_batched_greedy_replies_match_the_vectors(reference):
    engine, _, cases = reference
    replies = greedy_replies(engine, [case["context"] for case in cases])
    assert replies == [case["reply_ids"] for case in cases]


def step_by_step_accuracy(engine, exchanges):
    """Reference: feed each sequence through the KV-cached step path one token at a time."""
    correct = total = 0
    for ex in exchanges:
        seq = ex.sequence
        state = engine.new_state()
        start = len(ex.prompt_ids) + 1
        for position, token in enumerate(seq[:-1]):
            logits = engine.step(state, token)
            if position >= start:
                correct += engine.next_token(logits) == seq[position + 1]
                total += 1
    return correct, total


def test_token_accuracy_matches_the_step_engine(reference):
    engine, tokenizer, cases = reference
    lines = [f"<SEP>{c['text']}<SEP>{c['reply']}<SEP>" for c in cases[:12]]
    hello = next(c for c in cases if c["text"] == "hello")
    lines += [f"<SEP>hello<SEP>{hello['reply']}<SEP>", "<SEP>hi<SEP>a<SEP>"]
    fitted, _ = fit_exchanges(parse_corpus("\n".join(lines)), tokenizer)
    assert len(fitted) >= 6
    assert token_accuracy(engine, fitted) == step_by_step_accuracy(engine, fitted)


def test_valid_reply_rate_counts_distinct_prompts_with_any_listed_response(reference):
    engine, tokenizer, cases = reference
    hello = next(c for c in cases if c["text"] == "hello")
    text = "\n".join([
        "<SEP>hello<SEP>not this one<SEP>",
        f"<SEP>HELLO<SEP>{hello['reply']}<SEP>",        # same prompt ids: one prompt, 2 responses
        "<SEP>hi<SEP>wrong reply<SEP>",
    ])
    fitted, _ = fit_exchanges(parse_corpus(text), tokenizer)
    report = evaluate(engine, tokenizer, fitted)
    assert (report.valid_replies, report.prompts) == (1, 2)
    assert [r.valid for r in report.results] == [True, False]
    assert report.results[0].reply == hello["reply"]


def test_float_model_greedy_matches_one_prompt_at_a_time():
    torch = pytest.importorskip("torch")
    from soulterm.soul.model import SoulModel, greedy_replies as float_greedy

    torch.manual_seed(5)
    model = SoulModel()
    rng = np.random.default_rng(5)
    contexts = [[spec.SEP, *rng.integers(4, 128, size=n).tolist(), spec.SEP] for n in (1, 3, 7, 16)]
    together = float_greedy(model, contexts)
    alone = [float_greedy(model, [c])[0] for c in contexts]
    assert together == alone
    assert all(len(c) + len(r) <= spec.CONTEXT for c, r in zip(contexts, together))
