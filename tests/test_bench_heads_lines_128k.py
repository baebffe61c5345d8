"""benchmarks/zx128_heads_lines.py (zx128heads37): the 128K's heads line by line on the player. Its counts follow the
engine's turn (every head scores each cached key once a step, and the kept walk takes every key of every head for each
of its 8 dimensions), its T-states are the heads' share of the steps, and the room it weighs is the build's."""

from __future__ import annotations

import sys

import pytest

from soulterm.paths import CHECKOUT_DIR, DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.soul import spec
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx import build
from soulterm.zx.kernelbench import player_bench

sys.path.insert(0, str(CHECKOUT_DIR / "benchmarks"))
import zx128_heads_lines as lines  # noqa: E402  (a benchmark script, beside z80_profile.py)
from z80_profile import routine_of  # noqa: E402


@pytest.fixture(scope="module")
def profiled():
    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    bench = player_bench(soul, tokenizer, "128k")
    engine = Engine(soul)
    steps, t_states, visits = lines.heads_profile(bench, ["hi"], tokenizer, engine)
    reply = engine.reply(tokenizer, "hi")
    return soul, tokenizer, bench, steps, t_states, visits, reply


def test_the_counts_follow_the_turn(profiled):
    _, tokenizer, bench, steps, _, visits, reply = profiled
    prompt = len(tokenizer.encode_turn("hi"))
    assert steps == len(reply.ids) + reply.ended > 1          # a step a token chosen: each reply id and the end
    positions = sum(prompt + step for step in range(steps))   # the keys a step's heads score: the positions so far
    heads = spec.N_LAYERS * spec.N_HEADS
    sym = bench.sym
    assert visits[sym("attend_head")] == heads * steps
    assert visits[sym("pl_keys@key")] == heads * positions
    kept = visits[sym("at_kept_dimension@position")] + visits[sym("at_kept_dimension@position_odd")]
    assert kept == 8 * heads * positions                     # (no v beyond -256..255: every head on the kept walk)
    assert visits[sym("at_kept_dimension@positions_done")] == 8 * heads * steps


def test_its_t_states_are_the_heads_share(profiled):
    _, _, bench, steps, t_states, _, _ = profiled
    routine_at = routine_of(bench)
    charged = {routine_at(pc) for pc in t_states}
    assert charged <= set(lines.HEADS_ROUTINES)
    assert {"pl_keys", "pl_prepare", "at_short_weights", "at_kept_dimension", "pl_store"} <= charged
    assert 20_000 * steps < sum(t_states.values()) < 400_000 * steps


def test_the_room_and_the_pairs_bytes_are_the_builds(profiled):
    soul, tokenizer, bench, *_ = profiled
    origin = dict((bank[0], bank[2]) for bank in build.player_banks(soul, tokenizer, bench.program, "128k"))
    assert lines.bank_4_free(soul, tokenizer, bench.program) == origin[build.DATA_BANK] - 0xC000 > 0
    inline, ways = lines.kept_pair_bytes({name: value for name, value in bench.symbols.items()
                                          if isinstance(value, int)})
    assert 10 < inline < 30 and 30 < ways < 120
