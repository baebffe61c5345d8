"""benchmarks/zx128_one_table.py (zx128keys38): the 128K's pl_keys on one table of 256 sums a head. It captures every
head pl_keys scores on the player (a head a layer a step, its keys the positions so far), runs the one-table form on
each, exact against the player's scores and max (one_table_head asserts both), and its costs are the form's: the fill
a fixed 16 rows, a key ~460 T-states cheaper than pl_keys'."""

from __future__ import annotations

import sys

import pytest

from soulterm.paths import CHECKOUT_DIR, DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.soul import spec
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx.kernelbench import player_bench

sys.path.insert(0, str(CHECKOUT_DIR / "benchmarks"))
import zx128_one_table as one_table  # noqa: E402  (a benchmark script)


@pytest.fixture(scope="module")
def measured():
    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    bench = player_bench(soul, tokenizer, "128k")
    engine = Engine(soul)
    steps = one_table.capture_heads(bench, ["hi"], tokenizer, engine)
    ot = one_table.one_table_bench(bench)
    return tokenizer, engine, steps, ot, one_table.priced(steps, ot)


def test_every_head_of_every_step_is_captured(measured):
    tokenizer, engine, steps, *_ = measured
    reply = engine.reply(tokenizer, "hi")
    prompt = len(tokenizer.encode_turn("hi"))
    assert len(steps) == len(reply.ids) + reply.ended > 1
    for step, heads in enumerate(steps):
        assert [head["count"] for head in heads] == [prompt + step] * (spec.N_LAYERS * spec.N_HEADS)


def test_the_one_table_is_exact_and_its_costs_are_the_forms(measured):
    *_, ot, priced = measured
    heads = [head for step in priced for head in step]
    assert heads                                            # (one_table_head asserted each head's scores and max)
    fill = one_table.fill_t_states(ot)
    assert 16 * 440 < fill < 16 * 480                       # 16 rows of 16 pushes, 459 a row with its stub
    for count, two, one, prepare in heads:
        assert 0 < prepare < two < one                      # (short turns: the fill outweighs the planes)
        assert 380 * count < (two - prepare) - (one - prepare - fill) < 520 * count


def test_a_step_costs_its_chosen_forms_and_the_choice(measured):
    *_, priced = measured
    for heads in priced:
        choices = one_table.CHOICE * len(heads)
        beyond = max(count for count, *_ in heads) + 1
        assert one_table.step_cost(heads, beyond, False) == sum(two for _, two, _, _ in heads) + choices
        assert one_table.step_cost(heads, 1, False) == sum(one for _, _, one, _ in heads) + choices
        apart = one_table.SCORES_APART * sum(count for count, *_ in heads)
        assert one_table.step_cost(heads, beyond, True) == sum(two for _, two, _, _ in heads) + choices + apart
