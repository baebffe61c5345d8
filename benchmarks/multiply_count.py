"""Multiply-accumulates per generated token over the ten everyday prompts.

The soulplayer runs each turn's prompt positions through forward_prefill
(layer 0 and layer 1's keys and values: 10,240 multiply-accumulates), the
prompt's last position and every generated token fed back through
forward_step (both layers and the logits: 20,480), and copies position 0
(SEP) from start-up (kernels/soulplayer.s). This counts those positions with
the integer engine's replies and prints the products per generated token and
what they cost at the small product's cycles in its two passes' slots
(~25: 24.88 measured, docs/speed.md "Small products in two passes"; real
PAL x1.0579).

    python benchmarks/multiply_count.py [--soul PATH] [--tokenizer PATH]
"""

from __future__ import annotations

import argparse

from soulterm.player.bench import EVERYDAY_PROMPTS
from soulterm.soul import spec
from soulterm.soul.benchmark import add_soul_arguments, engine_and_tokenizer

E, F, V, L = spec.EMBED_DIM, spec.FFN_DIM, spec.VOCAB_SIZE, spec.N_LAYERS
LAYER_PRODUCTS = 4 * E * E + 2 * E * F                      # q, k, v, proj, fc1, fc2
FULL_POSITION = L * LAYER_PRODUCTS + V * E                  # both layers and the logits
PROMPT_POSITION = LAYER_PRODUCTS + 2 * E * E                # layer 0, layer 1's k and v
SMALL_SLOT_CYCLES = 25                                      # two passes, 24.88 measured
PAL_DMA_FACTOR = 1.0579                                     # docs/timing.md


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_soul_arguments(parser)
    args = parser.parse_args()
    soul_path = args.soul
    engine, tokenizer = engine_and_tokenizer(args)
    full = prompt = generated = 0
    for text in EVERYDAY_PROMPTS:
        context = tokenizer.encode_turn(text)
        tokens = len([i for i in engine.reply(tokenizer, text).ids if i != spec.END])
        prompt += len(context) - 2                          # positions 1..len-2
        fed_back = tokens - (1 if len(context) + tokens == spec.CONTEXT else 0)
        full += 1 + fed_back                                # the prompt's last position, then each fed token
        generated += tokens
    products = full * FULL_POSITION + prompt * PROMPT_POSITION
    per_token = products / max(1, generated)
    print(f"{soul_path}: {generated} tokens, {full} full and {prompt} prompt positions, "
          f"{products:,} multiply-accumulates, {per_token:,.0f} a generated token; at "
          f"{SMALL_SLOT_CYCLES} cycles {SMALL_SLOT_CYCLES * per_token:,.0f} "
          f"({SMALL_SLOT_CYCLES * per_token * PAL_DMA_FACTOR:,.0f} real PAL)")


if __name__ == "__main__":
    main()
