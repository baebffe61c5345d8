"""benchmarks/zx_token_gaps.py: a reply token as the Spectrum user waits for it, blip to blip, on the player itself."""

from __future__ import annotations

import sys

from soulterm.paths import CHECKOUT_DIR, DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx import Spectrum
from soulterm.zx.build import assemble_spectrum_player

sys.path.insert(0, str(CHECKOUT_DIR / "benchmarks"))
import zx_token_gaps as gaps  # noqa: E402  (a benchmark script)


def test_turn_figures_pair_the_entries():
    events = [("step", 100), ("print", 1_100), ("step", 1_150), ("print", 2_300), ("step", 2_340)]
    figures = gaps.turn_figures(events)
    assert figures["steps"] == [1_000, 1_150]
    assert figures["around"] == [50, 40]
    assert figures["gaps"] == [1_200]


def test_a_turn_on_the_48k_player_prints_each_reply_token_between_two_steps():
    built = assemble_spectrum_player(DEFAULT_SOUL, DEFAULT_TOKENIZER, "48k")
    machine = Spectrum(model="48k")
    machine.load_tap(built.tape)
    symbols = built.program.symbols
    events = gaps.turn_events(machine, "hello", symbols["forward_step"], symbols["print_token"])
    figures = gaps.turn_figures(events)
    tokenizer = Tokenizer.load(DEFAULT_TOKENIZER)
    reply = Engine(load_soul(DEFAULT_SOUL)).reply(tokenizer, "hello")
    assert len(figures["around"]) == len(reply.ids)          # one print_token a reply token
    assert len(figures["steps"]) == len(reply.ids)
    assert [kind for kind, _ in events].count("step") == len(reply.ids) + 1   # the last step picks END
    # blip to blip is the step between the two prints and the first print's own work
    assert figures["gaps"] == [a + s for a, s in zip(figures["around"], figures["steps"][1:])]
    assert all(0 < a < 100_000 for a in figures["around"])   # a token's text and its ~3 ms blip
