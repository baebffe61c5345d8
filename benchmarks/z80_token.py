"""T-states per token of the forward pass on the Z80 (kernels/z80/forward.s), shipped soul.

Runs a turn ("hello" by default) position by position as the Spectrum
player does (kernels/z80/soulplayer.s): position 0 (always SEP) is computed
by the first turn only and its keys and values stay in the cache; the other
prompt positions but the last run forward_prefill (what later positions
need); the last prompt position and every reply position run forward_step.
Each step is checked against the integer engine bit for bit (the cache after
a prefill, the logits after a full step). Prints each position's T-states,
the turn (with and without position 0) and the mean a position, the figure
docs/spectrum.md quotes as "a token".

    python benchmarks/z80_token.py [TEXT]
"""

from __future__ import annotations

import sys

import numpy as np

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.soul import spec
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx.kernelbench import Z80Bench
from soulterm.zx.soul_layout import soul_include

CLOCK_HZ = 3_500_000


def cache_of(bench, position: int) -> np.ndarray:
    """Both layers' keys and values at `position`, as (2 layers, 2 [keys, values], 32)."""
    layer_bytes = 2 * spec.CONTEXT * spec.EMBED_DIM
    out = np.zeros((2, 2, spec.EMBED_DIM), np.int64)
    for layer in range(2):
        for kind, name in enumerate(("kv_keys", "kv_values")):
            address = bench.sym(name) + layer * layer_bytes + position * 2 * spec.EMBED_DIM
            out[layer, kind] = bench.read_words(address, spec.EMBED_DIM)
    return out


def run_turn(text: str, bench=None, soul=None, tokenizer=None):
    """[(position, token, routine, T-states)] of one turn (position 0 computed, as in a first turn)."""
    soul = soul or load_soul(DEFAULT_SOUL)
    tokenizer = tokenizer or Tokenizer.load(DEFAULT_TOKENIZER)
    bench = bench or Z80Bench('.include "forward.s"\n' + soul_include(soul))
    engine = Engine(soul)
    state = engine.new_state()
    tokens = list(tokenizer.encode_turn(text))
    prompt_length = len(tokens)
    rows = []
    position = 0
    while position < len(tokens):
        want = engine.step(state, tokens[position])
        routine = "forward_prefill" if position < prompt_length - 1 else "forward_step"
        bench.poke(bench.sym("fw_token"), [tokens[position]])
        bench.poke(bench.sym("fw_pos"), [position])
        t_states = bench.call(routine, max_t_states=40_000_000)
        if routine == "forward_step":
            assert np.array_equal(bench.read_words(bench.sym("fw_logits"), 128), want), position
        got = cache_of(bench, position)
        assert np.array_equal(got[:, 0], state.keys[:, position].reshape(2, -1)), position
        assert np.array_equal(got[:, 1], state.values[:, position].reshape(2, -1)), position
        rows.append((position, tokens[position], routine, t_states))
        chosen = engine.next_token(want)
        if position + 1 == len(tokens) and chosen != spec.END and len(tokens) < spec.CONTEXT:
            tokens.append(chosen)
        position += 1
    return rows, tokenizer.decode(tokens[prompt_length:])


def main() -> None:
    text = sys.argv[1] if len(sys.argv) > 1 else "hello"
    rows, reply = run_turn(text)
    for position, token, routine, t_states in rows:
        note = "  (first turn only: kept in the cache after)" if position == 0 else ""
        print(f"position {position:2}  token {token:3}  {routine:15} {t_states:>10,} T-states{note}")
    turn = sum(t for position, _, _, t in rows if position)
    mean = turn / len(rows)
    print(f"turn {turn:,} T-states ({turn + rows[0][3]:,} in a first turn), {len(rows)} positions, "
          f"reply {reply!r}")
    print(f"mean {mean:,.0f} T-states a token (a position) = {mean / CLOCK_HZ:.2f} s on a 3.5 MHz Z80")


if __name__ == "__main__":
    main()
