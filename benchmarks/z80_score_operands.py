"""The operands of the attention scores' products q[d] * k[j][d], as the Z80 sees them.

Runs the turn of "hello" (and its reply) on the integer engine and counts,
over every product of every score, how often an operand fits a byte (the
Z80's mul16u multiplies by the smaller magnitude: one pass of 8 rounds when
its high byte is 0), how often a square of the squares table (S(n), |n| <= 255)
would take one read, and the operands' largest magnitude and high bytes; and
how many of the means' values v lie in -128..127 (AT_TABLE_MEANS's narrow products).
These are the figures docs/spectrum.md weighs the scores' other schemes by.
It counts the engine's products, every position's both layers; the Z80's
prefill positions skip layer 1's attention (forward_prefill), so it runs fewer.

    python benchmarks/z80_score_operands.py [TEXT] [--soul PATH --tokenizer PATH]
"""

from __future__ import annotations

import argparse

import numpy as np

from soulterm.soul import engine as engine_module
from soulterm.soul.benchmark import add_soul_arguments, engine_and_tokenizer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("text", nargs="?", default="hello")
    add_soul_arguments(parser)
    args = parser.parse_args()
    engine, tokenizer = engine_and_tokenizer(args)
    qs, ks, vs = [], [], []
    attend = engine_module._attend

    def recorded_attend(q, keys, values):      # q: (heads, 8), keys: (t+1, heads, 8)
        q_each, k_each = np.broadcast_arrays(q[None], keys)
        qs.append(q_each.ravel())
        ks.append(k_each.ravel())
        vs.append(np.asarray(values).ravel())
        return attend(q, keys, values)

    engine_module._attend = recorded_attend
    try:
        reply = engine.reply(tokenizer, args.text)
    finally:
        engine_module._attend = attend
    signed_q = np.concatenate(qs)
    q, k = np.abs(signed_q), np.abs(np.concatenate(ks))
    difference = np.abs(np.concatenate(qs) - np.concatenate(ks))
    smaller, larger = np.minimum(q, k), np.maximum(q, k)
    print(f"turn of {args.text!r}, reply {reply.text!r}: {q.size:,} products q[d] * k[j][d]")
    for name, share in (("smaller |operand| < 256 (mul16u: one pass)", smaller < 256),
                        ("smaller |operand| < 1024", smaller < 1024),
                        ("both |operands| < 256", larger < 256),
                        ("|k| < 256 (S(|k|): one read)", k < 256),
                        ("|q - k| < 256 (S(|q - k|): one read)", difference < 256),
                        ("|q|, |k| < 2048 (high bytes -8..7)", larger < 2048),
                        ("q in -127..128 (one piece of matvec's x)", (signed_q >= -127) & (signed_q <= 128)),
                        ("q in -3967..3968 (AT_FAST_SCORES's range)", (signed_q >= -3967) & (signed_q <= 3968))):
        print(f"  {name:44} {share.mean():6.1%}")
    print(f"  largest |q| {q.max():,}, |k| {k.max():,}")
    v = np.concatenate(vs)
    print(f"  the means' v in -128..127 (AT_TABLE_MEANS: through the table) {((v >= -128) & (v <= 127)).mean():6.1%}"
          f" of {v.size:,}, largest |v| {np.abs(v).max():,}")


if __name__ == "__main__":
    main()
