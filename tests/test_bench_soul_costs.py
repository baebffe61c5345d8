"""benchmarks/zx_soul_costs.py (thirty-eighth round, zxsoul38): a soul's properties priced in the 48K's T-states. The fit
must recover known prices and leave a constant count unpriced; on the shipped soul the counts must be the engine's,
and fc2's price a set bit of x must be what nzmatvec.s's x bits' chain costs (a unit a row, 32 rows, at least)."""

from __future__ import annotations

import sys

import numpy as np

from soulterm.paths import CHECKOUT_DIR
from soulterm.soul.benchmark import shipped_engine

sys.path.insert(0, str(CHECKOUT_DIR / "benchmarks"))
import z80_fc2_bits  # noqa: E402  (benchmark scripts, beside z80_profile.py)
import zx_soul_costs as costs  # noqa: E402


def test_the_fit_recovers_prices_and_leaves_a_constant_count_unpriced():
    rng = np.random.default_rng(38)
    counts = np.column_stack([rng.integers(0, 60, 40), np.full(40, 7), rng.integers(0, 9, 40)]).astype(float)
    cost = 5_000 + 1_300 * counts[:, 0] + 4_200 * counts[:, 2]
    constant, prices, r_squared = costs.fit_prices(cost, counts)
    assert round(constant) == 5_000 and prices[1] is None and round(prices[0]) == 1_300 and round(prices[2]) == 4_200
    assert r_squared > 0.999


def test_the_counts_are_the_engines_steps():
    _, engine, tokenizer = shipped_engine()
    context = tokenizer.encode_turn("hello")
    steps = costs.step_counts(engine, context)
    reply = engine.reply(tokenizer, "hello")
    assert reply.ended and len(steps) == 1 + len(reply.ids)     # (the last prompt position's and each reply id's)
    state, tokens = engine.new_state(), list(context) + reply.ids
    for position, token in enumerate(tokens):
        inputs: list = []
        engine.step(state, token, inputs)
        if position < len(context) - 1:
            continue
        step = steps[position - len(context) + 1]
        for layer in (0, 1):
            z = next(x for name, x, _ in inputs if name == f"l{layer}.fc2_w")
            assert step[f"l{layer} fc2 x bits"] == sum(bin(int(x)).count("1") for x in z)
            assert step[f"l{layer} fc1 rows at 0"] == int(np.count_nonzero(z == 0))
            # every position-dimension so far has one weight: 0, 1, or 2 and more (4 heads of 8)
            weights = sum(step[f"l{layer} weights {kind}"] for kind in ("0", "1", ">= 2"))
            assert weights == 4 * 8 * (position + 1)


def test_the_prices_on_the_shipped_soul(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["zx_soul_costs.py", "hello", "how are you"])
    costs.main()
    out = capsys.readouterr().out.splitlines()
    assert "the 48K player" in out[0] and "reply steps" in out[0]
    fc2 = next(line for line in out if line.strip().startswith("layer 0's fc2"))
    price = float(fc2.split(" x ")[-1].split(" = ")[0].replace(",", ""))
    rows = 32
    assert rows * z80_fc2_bits.UNIT <= price <= 2 * rows * z80_fc2_bits.WIDE_UNIT
    assert any(line.startswith("layer 1: rows in -64..63: q ") for line in out)
    assert out[-1].startswith("q, k and v's narrow rows leave ") and "bytes of plane 6" in out[-1]


def test_a_soul_the_48k_does_not_take_gets_its_counts_alone(monkeypatch, capsys):
    from soulterm.zx.soul_layout import LayoutError

    def refuse(*_args, **_kwargs):
        raise LayoutError("out's shift outside planes.s's range")

    monkeypatch.setattr(costs, "player_bench", refuse)
    monkeypatch.setattr(sys, "argv", ["zx_soul_costs.py", "hello"])
    costs.main()
    out = capsys.readouterr().out.splitlines()
    assert "does not build for this soul (out's shift outside planes.s's range): the counts alone" in out[0]
    assert out[1].endswith("reply steps") and "l0 fc2 x bits" in out[2] and " = " not in out[2]
    assert out[-1].startswith("q, k and v's narrow rows leave ")
