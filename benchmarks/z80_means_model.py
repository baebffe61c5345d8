"""What the 128K's fast means would save with each value's S(vl) summed as it enters the cache.

The 128K player's means (kernels/z80/attention.s, AT_FAST_MEANS) take each
dimension's 2 sum_j w v as sum_j S(w) (the head's, once) + sum_j [S(vl) - S(w - vl)]
- 512 sum_{vh = -1} w, two table reads a byte plane a position, and skip a
position whose weight is 0. With sum_j S(vl) kept a dimension as the values
enter the cache, a position reads S(w - vl) alone, but the kept sum holds every
position's S(vl), so a weight of 0 needs its S(0 - vl) read as well: no skip.

This counts, over the attention calls the Z80 runs for the given turns (the
engine's, position 0 and a prefill position's layer 1 left out as the player
leaves them; a position 1 copied from its record is counted as computed), the
position-dimensions by kind (weight 0, v >= 0, v < 0 with a weight, a v beyond
-256..255) and the dimensions, and prices them with the T-states the loops'
instructions take (POSITION_T below; the current ones check against `python
benchmarks/z80_profile.py --model 128k`'s at_fast_dimension + at_fast_negative),
the kept sums' upkeep (PER_DIMENSION_T, PER_STORED_POSITION_T) included.

    python benchmarks/z80_means_model.py [TEXT | --everyday | --prompts FILE]
"""

from __future__ import annotations

import argparse

import numpy as np

from soulterm.player.bench import add_prompt_arguments, chosen_prompts
from soulterm.soul import engine as engine_module
from soulterm.soul import spec
from soulterm.soul.benchmark import add_soul_arguments, engine_and_tokenizer

# T-states a position-dimension, counted from the instructions (attention.s at main 7017638):
# the walk's weight, pop and tests, the two planes' reads and the 17-bit sum, the loop's step.
POSITION_T = {
    "now": {"zero": 47, "positive": 178, "negative": 202},
    # S(vl) kept: `ld a,(de)` / `pop bc` / vh's tests / `sub c`, then in the sum's set the page
    # from the borrow, S(w - vl)'s two bytes off a 24-bit sum (its top byte on a borrow), no w = 0
    # test (a weight of 0 reads S(-vl)); a negative v adds w to IY as now (20 more)
    "kept": {"zero": None, "positive": 131, "negative": 151},
}
# the kept sums' upkeep: a dimension's S(vl) sum read into its start (24 bits, ~50), and each
# value's S(vl) added to its dimension's sum as it enters the cache (a table read and a 24-bit
# add in memory, ~70 a word: 64 words a position stored, both layers, prefill or step)
PER_DIMENSION_T = 50
PER_STORED_POSITION_T = 64 * 70


def price(loop: str, counted: dict) -> float:
    """The positions' loop's T-states for `counted` position-dimensions (kinds())."""
    t = dict(POSITION_T[loop])
    if t["zero"] is None:                        # read like any other: as likely either sign
        t["zero"] = (t["positive"] + t["negative"]) / 2
    return sum(t[k] * counted[k] for k in ("zero", "positive", "negative"))


def attention_calls(engine, tokenizer, prompts):
    """(routine, layer, position, weights (4, t+1), values (t+1, 4, 8)) of every attention call."""
    calls, attend = [], engine_module._attend
    state = {}

    def recorded_attend(q, keys, values):
        out, weights = attend(q, keys, values)
        calls.append((state["routine"], state["layer"], keys.shape[0] - 1, np.asarray(weights).copy(),
                      values.copy()))
        state["layer"] += 1
        return out, weights

    engine_module._attend = recorded_attend
    try:
        for prompt in prompts:
            context = tokenizer.encode_turn(prompt)
            es = engine.new_state()
            logits = None
            tokens = list(context)
            position = 0
            while position < len(tokens):
                state["routine"] = "prefill" if position < len(context) - 1 else "step"
                state["layer"] = 0
                logits = engine.step(es, tokens[position])
                position += 1
                if position == len(tokens):
                    chosen = engine.next_token(logits)
                    if chosen != spec.END and es.length < spec.CONTEXT:
                        tokens.append(chosen)
    finally:
        engine_module._attend = attend
    return calls


def kinds(weights, values) -> dict:
    """Position-dimensions by kind for one layer's four heads."""
    w = weights.T[:, :, None]                        # (t+1, 4, 1)
    v = values                                       # (t+1, 4, 8)
    narrow = (v >= -256) & (v <= 255)
    shape = np.broadcast(w, v).shape
    zero = np.broadcast_to(w == 0, shape)
    return {"zero": int(zero.sum()), "positive": int(((v >= 0) & ~zero & narrow).sum()),
            "negative": int(((v < 0) & ~zero & narrow).sum()), "wide": int((~narrow & ~zero).sum()),
            "full": int((np.broadcast_to(w == 255, shape) & narrow).sum()),
            "dimensions": 4 * v.shape[2]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_prompt_arguments(parser)
    add_soul_arguments(parser)
    args = parser.parse_args()
    engine, tokenizer = engine_and_tokenizer(args)
    prompts = chosen_prompts(args)
    calls = attention_calls(engine, tokenizer, prompts)
    total = {"zero": 0, "positive": 0, "negative": 0, "wide": 0, "full": 0, "dimensions": 0}
    positions = stored = 0
    best_of_both = 0
    last_step = None
    for routine, layer, position, weights, values in calls:
        if position == 0 or (routine == "prefill" and layer == 1):
            continue                                  # position 0 kept; a prefill attends in layer 0 only
        if layer == 0:
            positions += 1
            stored += 1
        counted = kinds(weights, values)
        for key in total:
            total[key] += counted[key]
        for head in range(weights.shape[0]):      # the cheaper loop for each head (both in the code)
            one = kinds(weights[head:head + 1], values[:, head:head + 1])
            best_of_both += min(price("now", one), price("kept", one))
        if routine == "step" and len(prompts) == 1 and position == 7:
            last_step = (last_step or {k: 0 for k in total})
            for key in total:
                last_step[key] += counted[key]
    weighted = total["zero"] + total["positive"] + total["negative"] + total["wide"]
    print(f"{len(prompts)} turn(s), {positions} positions computed: {weighted:,} position-dimensions "
          f"in {total['dimensions']:,} dimensions")
    print(f"  weight 0 {total['zero'] / weighted:6.1%}, v >= 0 {total['positive'] / weighted:6.1%}, "
          f"v < 0 {total['negative'] / weighted:6.1%}, v beyond -256..255 {total['wide'] / weighted:6.2%}")
    now, kept = price("now", total), price("kept", total)
    upkeep = PER_DIMENSION_T * total["dimensions"] + PER_STORED_POSITION_T * stored
    print(f"  the positions' loop now {now / positions:,.0f} T-states a position; with S(vl) kept "
          f"{kept / positions:,.0f} and its upkeep {upkeep / positions:,.0f}: "
          f"{(kept + upkeep - now) / positions:+,.0f} a position; each head by the cheaper of the two "
          f"loops {(best_of_both + upkeep - now) / positions:+,.0f}")
    # a weight of 255 by its own way: 2 w v = 510 v, sum_{w = 255} v in IX (`pop bc` / `add ix,bc` /
    # vh's range test, 84 with the walk), 510 IX onto n a dimension (~74 with IX's start and the
    # dimensions' count moved off IXL); the others pay the second weight test (`inc a` / `jr z` /
    # `dec a` for `or a`, 11)
    others = weighted - total["full"]
    full_now = sum(POSITION_T["now"][k] * total[k] for k in ("positive", "negative")) / max(
        1, total["positive"] + total["negative"]) * total["full"]
    full_way = 84 * total["full"] + 11 * others + 74 * total["dimensions"]
    print(f"  weights of 255 {total['full'] / weighted:6.1%}: their own way {(full_way - full_now) / positions:+,.0f} "
          "T-states a position")
    if last_step:
        n = price("now", last_step)
        print(f"  position 7's step: {last_step['zero'] + last_step['positive'] + last_step['negative']:,} "
              f"position-dimensions ({last_step['zero']} of weight 0, {last_step['negative']} with v < 0), "
              f"the loop {n:,} T-states counted")


if __name__ == "__main__":
    main()
