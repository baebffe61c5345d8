"""T-states per token of the whole forward pass on the Z80 (kernels/z80/forward.s), shipped soul.

Feeds the context of a turn ("hello" by default) and then the soul's own
choices, one forward_step per position on the bare-Z80 bench, checks each
step's logits against the integer engine bit for bit, and prints the
T-states of each position and the mean.

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


def main() -> None:
    text = sys.argv[1] if len(sys.argv) > 1 else "hello"
    soul = load_soul(DEFAULT_SOUL)
    tokenizer = Tokenizer.load(DEFAULT_TOKENIZER)
    bench = Z80Bench('.include "forward.s"\n' + soul_include(soul))
    engine = Engine(soul)
    state = engine.new_state()
    context = tokenizer.encode_turn(text)
    tokens = list(context)
    costs = []
    position = 0
    while position < len(tokens):
        want = engine.step(state, tokens[position])
        bench.poke(bench.sym("fw_token"), [tokens[position]])
        bench.poke(bench.sym("fw_pos"), [position])
        t_states = bench.call("forward_step", max_t_states=40_000_000)
        assert np.array_equal(bench.read_words(bench.sym("fw_logits"), 128), want), position
        costs.append(t_states)
        print(f"position {position:2}  token {tokens[position]:3}  {t_states:>10,} T-states")
        chosen = engine.next_token(want)
        if position + 1 == len(tokens) and chosen != spec.END and len(tokens) < spec.CONTEXT:
            tokens.append(chosen)
        position += 1
    mean = sum(costs) / len(costs)
    print(f"mean {mean:,.0f} T-states a token = {mean / CLOCK_HZ:.2f} s on a 3.5 MHz Z80 "
          f"({len(costs)} positions, reply {tokenizer.decode(tokens[len(context):])!r})")


if __name__ == "__main__":
    main()
