"""How wide the 128K's attention operands are: q's pieces, the keys' bytes, the values and the weights.

The 128K player's fast scores (kernels/z80/attention.s, AT_FAST_SCORES) split
q = 256 qh + ql (ql in -127..128) and read four squares a dimension (q's two
pieces x the key's two bytes, wh its high byte); its fast means (AT_FAST_MEANS)
take a value v = 256 vh + vl as vl with vh 0 or -1. This counts, over every
head the integer engine runs attention for in the given turns (every head call
with its keys 0..t; the Z80's prefill positions skip layer 1's attention, so it
runs fewer), what a narrower loop could rely on:

- heads whose q is one piece (all ql, qh = 0): a dimension of two squares, not four;
- keys whose dimensions' q pieces are narrow, keys with one high byte (wh 0 or -1);
- heads where every |wh + qh| <= 15 (S(wh + qh) < 256: the fourth square's high byte is 0),
  and the largest |qh| of a head, the largest |wh| and sum of wh^2 of a key;
- values in -128..127 and -256..255, weights of 0 and of 255.

    python benchmarks/z80_attention_widths.py [TEXT | --everyday | --prompts FILE] [--soul PATH --tokenizer PATH]
"""

from __future__ import annotations

import argparse

import numpy as np

from soulterm.player.bench import add_prompt_arguments, chosen_prompts
from soulterm.soul import engine as engine_module
from soulterm.soul.benchmark import add_soul_arguments, engine_and_tokenizer


def recorded_heads(engine, tokenizer, prompts) -> list:
    """(q (4, 8), keys (t+1, 4, 8), values (t+1, 4, 8), weights (4, t+1)) of every attention call."""
    calls, attend = [], engine_module._attend

    def recorded_attend(q, keys, values):
        out, weights = attend(q, keys, values)
        calls.append((q.copy(), keys.copy(), values.copy(), np.asarray(weights).copy()))
        return out, weights

    engine_module._attend = recorded_attend
    try:
        for prompt in prompts:
            engine.reply(tokenizer, prompt)
    finally:
        engine_module._attend = attend
    return calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_prompt_arguments(parser)
    add_soul_arguments(parser)
    args = parser.parse_args()
    engine, tokenizer = engine_and_tokenizer(args)
    prompts = chosen_prompts(args)
    calls = recorded_heads(engine, tokenizer, prompts)
    heads = keys = one_piece_heads = one_piece_keys = small_sum_keys = 0
    narrow_dims = np.zeros(9)
    head_qh, key_wh, key_wh_squares = [], [], []
    for q, k, v, w in calls:
        for head in range(q.shape[0]):
            qh = (q[head] + 127) >> 8               # q = 256 qh + ql, ql in -127..128
            wh = k[:, head] >> 8                    # the key's high byte
            count = k.shape[0]
            heads, keys = heads + 1, keys + count
            narrow_dims[(qh == 0).sum()] += count
            if (qh == 0).all():
                one_piece_heads, one_piece_keys = one_piece_heads + 1, one_piece_keys + count
            if (np.abs(wh + qh[None]) <= 15).all():
                small_sum_keys += count
            head_qh.append(int(np.abs(qh).max()))
            key_wh.append(int(np.abs(wh).max()))
            key_wh_squares.append(int((wh * wh).sum(axis=1).max()))
    all_k = np.concatenate([k.ravel() for _, k, _, _ in calls])
    all_v = np.concatenate([v.ravel() for _, _, v, _ in calls])
    all_w = np.concatenate([w.ravel() for _, _, _, w in calls])
    head_qh = np.array(head_qh)
    print(f"{len(prompts)} turn(s): {heads:,} head calls over {keys:,} keys")
    print(f"  heads with q in one piece (every qh 0)     {one_piece_heads / heads:6.1%}, their keys {one_piece_keys / keys:6.1%}")
    print("  keys by their head's dimensions with qh 0:  " + "  ".join(
        f"{n}: {share:.1%}" for n, share in enumerate(narrow_dims / keys) if share))
    print(f"  keys' words with one high byte (wh 0, -1)  {((all_k >= -256) & (all_k <= 255)).mean():6.1%}")
    print(f"  keys in heads with every |wh + qh| <= 15   {small_sum_keys / keys:6.1%}")
    print("  heads by largest |qh|:                     " + "  ".join(
        f"<= {n}: {(head_qh <= n).mean():.1%}" for n in range(4, 10)))
    print(f"  largest |k| {np.abs(all_k).max():,}, |wh| {max(key_wh)}, a key's sum of wh^2 {max(key_wh_squares)}")
    print(f"  values in -128..127 {((all_v >= -128) & (all_v <= 127)).mean():6.1%}, "
          f"in -256..255 {((all_v >= -256) & (all_v <= 255)).mean():6.1%}, below 0 {(all_v < 0).mean():6.1%}")
    print(f"  weights of 0 {(all_w == 0).mean():6.1%}, of 255 {(all_w == 255).mean():6.1%}")


if __name__ == "__main__":
    main()
