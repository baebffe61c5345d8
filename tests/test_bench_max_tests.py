"""benchmarks/z80_max_tests.py (zxkeys34): pl_keys' max test by f's high byte first, weighed. The count of keys
whose high byte lies below the running max's (key 0 setting it, signed high bytes), the T-states a key it would
save, and the counts over a random soul's turn against the engine's own reply."""

from __future__ import annotations

import sys

import pytest

from soulterm.paths import CHECKOUT_DIR, DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer

from conftest import random_soul

sys.path.insert(0, str(CHECKOUT_DIR / "benchmarks"))
import z80_max_tests as tests_form  # noqa: E402  (a benchmark script, beside z80_profile.py)


@pytest.mark.parametrize("f, want", [
    ([5, 300, 10, 600, 256], (2, 4)),       # 10 under 300's byte, 256 under 600's; 300 and 600 new maxes
    ([-1, -300], (1, 1)),                   # high bytes signed: -300 >> 8 = -2 below -1 >> 8 = -1
    ([-300, -1], (0, 1)),
    ([7], (0, 0)),
    ([512, 511, 767, 768], (1, 3)),         # 511 below 512's byte; 767 beside it; 768 a new one
])
def test_the_high_bytes_below_the_running_max(f, want):
    assert tests_form.high_bytes_below(f) == want


def test_the_saving_a_key_and_its_break_even():
    assert tests_form.saved_a_key(10, 10) == tests_form.SIXTEEN_BIT - tests_form.HIGH_BELOW == 8
    assert tests_form.saved_a_key(0, 10) == tests_form.SIXTEEN_BIT - tests_form.HIGH_NOT_BELOW == -26
    assert tests_form.saved_a_key(764, 1000) < 0 < tests_form.saved_a_key(765, 1000)     # (76.5% below)


@pytest.mark.parametrize("soul", ["random", "shipped"])
def test_the_counts_follow_a_turn(soul):
    """Every reply step's heads counted (t keys after key 0 at position t, both layers' 4 heads), each head's f
    checked against the engine's weights inside; the shipped soul's scores spread past one high byte."""
    engine = Engine(random_soul(5) if soul == "random" else load_soul(DEFAULT_SOUL))
    tokenizer = Tokenizer.load(DEFAULT_TOKENIZER)
    reply = engine.reply(tokenizer, "do you like music")
    below, tested = tests_form.reply_step_counts(engine, tokenizer, "do you like music")
    steps = range(len(reply.context), len(reply.context) + len(reply.ids))
    assert tested == sum(2 * 4 * t for t in steps)
    assert 0 <= below <= tested
    if soul == "shipped":
        assert 0 < below < tested
