"""How often attention's score groups cross a page on the squares table's byte 0, and how wide its quotients are.

The C64's score groups (kernels/attention.s, at_fast_slots) read byte 0 of
s(w + q) as `lda SQ_LO + L,y`, Y the cached key byte (its low byte, or its
high byte + 128), which costs a cycle more whenever L + Y >= 256. L was the
table offset's low byte, (1664 + q) mod 256; byte 0 of n*n has period 128 in
n, so L = (1664 + q) mod 128 reads the same entry's byte and crosses less.
This counts both over every head the soulplayer runs attention for (the
integer engine's turns: prompt positions run layer 0's attention only,
position 0 is kept from start-up), with q clamped to the table's part as the
first pass takes it. It also counts the bits of the division's quotients
|acc| // wsum (of the complement for a negative acc), which decide how many
restoring steps a shorter division could skip.

    python benchmarks/attention_operands.py [--soul PATH] [--tokenizer PATH] [--prompts FILE]
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

import numpy as np

from soulterm.player.bench import EVERYDAY_PROMPTS, prompts_in
from soulterm.soul import engine as engine_module
from soulterm.soul.benchmark import add_soul_arguments, engine_and_tokenizer

SQ_OFFSET = 1664                # matvec.s: a part of q is table offset 1664 + q


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_soul_arguments(parser)
    parser.add_argument("--prompts", type=Path, default=None, help="a prompts file (default: the ten)")
    args = parser.parse_args()
    engine, tokenizer = engine_and_tokenizer(args)
    prompts = prompts_in(args.prompts) if args.prompts else EVERYDAY_PROMPTS
    calls = []
    attend = engine_module._attend

    def recording(q, keys, values):
        out, lut = attend(q, keys, values)
        calls.append((q, keys, values, lut))
        return out, lut

    engine_module._attend = recording
    reads = crossings_256 = crossings_128 = 0
    quotient_bits = Counter()
    try:
        for text in prompts:
            reply = engine.reply(tokenizer, text)
            state = engine.new_state()
            for t, token in enumerate(reply.context + reply.ids):
                calls.clear()
                engine.step(state, token)
                if t == 0:
                    continue
                for layer, (q, keys, values, lut) in enumerate(calls):
                    if layer > 0 and t < len(reply.context) - 1:
                        continue                # forward_prefill: layer 1's keys and values only
                    offsets = SQ_OFFSET + np.clip(q, -SQ_OFFSET, SQ_OFFSET - 1)      # (4, 8)
                    key_bytes = keys.astype(np.int64) + 32768                      # (t+1, 4, 8)
                    for y in (key_bytes & 255, key_bytes >> 8):
                        reads += y.size
                        crossings_256 += int(((offsets % 256)[None] + y >= 256).sum())
                        crossings_128 += int(((offsets % 128)[None] + y >= 256).sum())
                    sums = np.einsum("hj,jhd->hd", lut, values)
                    magnitudes = np.where(sums < 0, -sums - 1, sums)
                    quotients = magnitudes // lut.sum(axis=1, keepdims=True)
                    quotient_bits.update(int(x).bit_length() for x in quotients.ravel())
    finally:
        engine_module._attend = attend
    print(f"{reads:,} SQ_LO reads by the score groups: {crossings_256 / reads:.1%} cross a page with the "
          f"offset mod 256, {crossings_128 / reads:.1%} with the offset mod 128")
    total = sum(quotient_bits.values())
    print(f"{total:,} quotients, by bits: " + ", ".join(
        f"{bits}: {count / total:.1%}" for bits, count in sorted(quotient_bits.items())))


if __name__ == "__main__":
    main()
