"""How many of the shipped soul's matvec products have a one-piece x (-127..128).

The Z80 matvec splits each x into 256h + l; a column whose x lies in
-127..128 has h = 0 and skips its high piece in matvec's narrow mode. This
runs the turn of "hello" (and the reply) on the integer engine and counts, for each matvec
input, the share of such columns, weighted by the rows that multiply them.

    python benchmarks/z80_narrow.py [TEXT]
"""

from __future__ import annotations

import sys

import numpy as np

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.soul import engine as engine_module
from soulterm.soul import intmath, spec
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer


def one_piece_share(values) -> tuple[int, int]:
    values = np.asarray(values).ravel()
    return int(((values >= -127) & (values <= 128)).sum()), values.size


def main() -> None:
    text = sys.argv[1] if len(sys.argv) > 1 else "hello"
    engine = engine_module.Engine(load_soul(DEFAULT_SOUL))
    tokenizer = Tokenizer.load(DEFAULT_TOKENIZER)
    # Which matrices read each input: the gain that made it names it.
    readers = {id(engine.norm): ("xn -> out", spec.VOCAB_SIZE)}
    for layer in engine.layers:
        readers[id(layer.n1)] = ("xn -> q, k, v", 3 * spec.EMBED_DIM)
        readers[id(layer.n2)] = ("xn -> fc1", spec.FFN_DIM)
    counts: dict[str, list[int]] = {}

    def count(name, rows, values):
        narrow, total = one_piece_share(values)
        entry = counts.setdefault(name, [0, 0])
        entry[0] += narrow * rows
        entry[1] += total * rows

    rmsnorm, relu, attention_out = intmath.rmsnorm, intmath.relu, engine_module._Layer.attention_out

    def counted_rmsnorm(h, gain, shift):
        out = rmsnorm(h, gain, shift)
        count(*readers[id(gain)], out)
        return out

    def counted_relu(z):
        out = relu(z)
        count("relu -> fc2", spec.EMBED_DIM, out)
        return out

    def counted_attention_out(layer, h, att):
        count("attention -> proj", spec.EMBED_DIM, att)
        return attention_out(layer, h, att)

    intmath.rmsnorm, intmath.relu = counted_rmsnorm, counted_relu
    engine_module._Layer.attention_out = counted_attention_out
    try:
        reply = engine.reply(tokenizer, text)
    finally:
        intmath.rmsnorm, intmath.relu, engine_module._Layer.attention_out = rmsnorm, relu, attention_out
    print(f"turn of {text!r}, reply {reply.text!r}: products whose x is in -127..128")
    for name, (narrow, total) in counts.items():
        print(f"  {name:18} {narrow:>8,} of {total:>8,}  {narrow / total:6.1%}")
    narrow = sum(n for n, _ in counts.values())
    total = sum(t for _, t in counts.values())
    print(f"  {'all':18} {narrow:>8,} of {total:>8,}  {narrow / total:6.1%}")


if __name__ == "__main__":
    main()
