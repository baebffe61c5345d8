"""How many of a head's positions weigh 0 before its first nonzero weight: the 48K's AT_SKIP_LEADING_ZEROS bound.

The integer engine's LUT weights (SPEC: LUT[min(127, max f - f[j])], 0 from 127 below the max on), counted
on the turns the players compute: a reply step runs both layers' heads, a prompt position layer 0's alone
(forward_prefill: layer 1's keys and values only), position 0 is kept from start-up. For each layer, a
reply step's and a prompt position's key-heads (4 heads x the positions), those of weight 0, those of
them before the head's first nonzero weight (attention.s's table means skip these since the thirty-second
round, zx48att32: each saves the walk's 8 x 79 T-states for 45 in at_leading_zeros), and the weights of 1.

With --kept-skip B (thirty-fourth round, zxwalk34), the 128K's bound for its kept walk: a head whose first B
weights are all 0 (its leading zeros B or more) could walk positions B..count-1 alone from its kept sums less
a snapshot of positions 0..B-1's (taken once a turn), so each such head saves its B positions' walk, 8 x B x
KEPT_POSITION T-states (the kept walk's in-line position, counted from attention.s: 77 a pair's first, 87 its
second), before the cost of the head's start sums and of its weights' copy; printed a reply step, each prompt
and the mean, both layers apart.

    python benchmarks/attention_leading_zeros.py [TEXT | --everyday | --prompts FILE] [--kept-skip B] [--soul PATH] [--tokenizer PATH]
"""

from __future__ import annotations

import argparse

import numpy as np

from soulterm.player.bench import EVERYDAY_PROMPTS, prompts_in
from soulterm.soul import spec
from soulterm.soul.benchmark import add_soul_arguments, engine_and_tokenizer

COUNTS = ("key-heads", "zero", "leading zero", "one")
KEPT_POSITION = 82      # the kept walk's in-line position, the mean of a pair's two (77 and 87 T-states)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("text", nargs="?", default="hello")
    parser.add_argument("--everyday", action="store_true", help="the ten everyday prompts, each its own turn")
    parser.add_argument("--prompts", metavar="FILE", help="a prompts file (one a line, # comments)")
    parser.add_argument("--kept-skip", type=int, metavar="B", help="the 128K's kept walk's bound for a snapshot of "
                        "the first B positions' kept sums (its heads with B leading zeros or more)")
    add_soul_arguments(parser)
    args = parser.parse_args()
    engine, tokenizer = engine_and_tokenizer(args)
    prompts = list(EVERYDAY_PROMPTS) if args.everyday else [args.text]
    if args.prompts:
        prompts = prompts_in(args.prompts)
    kinds = ("a reply step", "a prompt position")
    counts = {kind: np.zeros((spec.N_LAYERS, len(COUNTS)), int) for kind in kinds}
    positions = dict.fromkeys(kinds, 0)
    skips = []                                          # (prompt, reply steps, [heads, positions] a layer)
    for text in prompts:
        reply = engine.reply(tokenizer, text)
        state = engine.new_state()
        skipped, steps = np.zeros((spec.N_LAYERS, 2), int), 0
        for t, token in enumerate(reply.context + reply.ids):
            engine.step(state, token)
            if t == 0:
                continue                                # (position 0: kept from start-up)
            kind = kinds[t < len(reply.context) - 1]    # (the prompt's last position computes the first reply token)
            positions[kind] += 1
            steps += kind == kinds[0]
            for layer, weights in enumerate(state.last.attention_lut):
                if layer > 0 and kind == kinds[1]:
                    continue                            # forward_prefill: layer 1's keys and values only
                for head in np.asarray(weights):
                    first = int(np.flatnonzero(head)[0])    # (the max's weight is 255)
                    counts[kind][layer] += (len(head), int((head == 0).sum()), first, int((head == 1).sum()))
                    if args.kept_skip and kind == kinds[0] and first >= args.kept_skip:
                        skipped[layer] += (1, args.kept_skip)
        skips.append((text, steps, skipped))
    print(f"{len(prompts)} prompt(s): {positions[kinds[0]]} reply steps, {positions[kinds[1]]} prompt positions")
    for kind in kinds:
        for layer in range(spec.N_LAYERS):
            if positions[kind] and counts[kind][layer, 0]:
                means = ", ".join(f"{name} {n / positions[kind]:.2f}" for name, n in zip(COUNTS, counts[kind][layer]))
                print(f"  {kind}, layer {layer}: {means}")
    if args.kept_skip:
        print(f"the kept walk's bound with the first {args.kept_skip} positions' kept sums kept apart (a reply step: "
              f"heads that could skip them, and the T-states of the positions they skip, 8 x {KEPT_POSITION} a position):")
        bounds = []
        for text, steps, skipped in skips:
            if steps:
                per_step = skipped / steps
                bounds.append(8 * KEPT_POSITION * per_step[:, 1])
                layers = ", ".join(f"layer {layer} {per_step[layer, 0]:.2f} heads {bounds[-1][layer]:,.0f}"
                                   for layer in range(spec.N_LAYERS))
                print(f"  {text:<24} {layers}")
        if bounds:
            mean = np.mean(bounds, axis=0)
            print("  mean of the prompts: " + ", ".join(f"layer {layer} {mean[layer]:,.0f}" for layer in range(spec.N_LAYERS)))


if __name__ == "__main__":
    main()
