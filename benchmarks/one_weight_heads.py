"""How often an attention head has one nonzero weight (the max's), over the ten everyday prompts.

SPEC's attention weighs position j by LUT[min(127, M - f[j])]; the max's weight
is LUT[0] = 255 and LUT[127] = 0. When every other weight is 0, the head's
output is exactly the max's value row (255 v // 255), so its weighted sum and
its division could be skipped. This counts such heads in every position the
soulplayer computes attention for (the integer engine's turns: prompt
positions run layer 0's attention only, position 0 is kept from start-up).

    python benchmarks/one_weight_heads.py [--soul PATH] [--tokenizer PATH]
"""

from __future__ import annotations

import argparse

import numpy as np

from soulterm.player.bench import EVERYDAY_PROMPTS
from soulterm.soul import spec
from soulterm.soul.benchmark import add_soul_arguments, engine_and_tokenizer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_soul_arguments(parser)
    args = parser.parse_args()
    engine, tokenizer = engine_and_tokenizer(args)
    heads = np.zeros(spec.N_LAYERS, int)
    single = np.zeros(spec.N_LAYERS, int)
    for text in EVERYDAY_PROMPTS:
        reply = engine.reply(tokenizer, text)
        state = engine.new_state()
        for t, token in enumerate(reply.context + reply.ids):
            engine.step(state, token)
            prompt_position = t < len(reply.context) - 1
            if t == 0:
                continue
            for layer, weights in enumerate(state.last.attention_lut):
                if layer > 0 and prompt_position:
                    continue                    # forward_prefill: layer 1's keys and values only
                weights = np.asarray(weights)
                heads[layer] += len(weights)
                single[layer] += int(((weights > 0).sum(axis=1) == 1).sum())
    for layer in range(spec.N_LAYERS):
        print(f"layer {layer}: {single[layer]} of {heads[layer]} heads have one nonzero weight "
              f"({single[layer] / heads[layer]:.1%})")


if __name__ == "__main__":
    main()
