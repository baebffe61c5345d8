"""How wide the normalised activations feeding a matvec are (kernels/matvec.s slots).

matvec.s multiplies an input |x| <= 127 in a "small" slot (29 cycles per
multiply-accumulate), one within -1664..1663 in a "short" slot (~37) and a
wider one in a "wide" slot (~89). This replies to every corpus prompt with
the integer engine and sorts the RMSNorm outputs (both norms of both layers
and the final one) into those three bands.

    python benchmarks/wide_activations.py [--soul PATH] [--tokenizer PATH] [--corpus PATH]
"""

from __future__ import annotations

import argparse

import numpy as np

from soulterm.soul import intmath
from soulterm.soul.corpus import read_corpus
from soulterm.soul.benchmark import add_soul_arguments, engine_and_tokenizer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_soul_arguments(parser)
    parser.add_argument("--corpus", default=None)
    args = parser.parse_args()
    soul_path = args.soul
    engine, tokenizer = engine_and_tokenizer(args)
    prompts = sorted({ex.prompt for ex in read_corpus(args.corpus).exchanges})
    counts = {"small": 0, "short": 0, "wide": 0, "all": 0}
    plain = intmath.rmsnorm

    def counting(x, g, s_g):
        y = plain(x, g, s_g)
        size = np.abs(y)
        counts["small"] += int((size <= 127).sum())
        counts["short"] += int(((size > 127) & (size <= 1663)).sum()) + int((y == -1664).sum())
        counts["wide"] += int((size > 1663).sum()) - int((y == -1664).sum())
        counts["all"] += int(np.size(y))
        return y

    intmath.rmsnorm = counting
    try:
        for prompt in prompts:
            engine.reply(tokenizer, prompt)
    finally:
        intmath.rmsnorm = plain
    total = counts["all"]
    print(f"{soul_path}: {total} normalised activations over {len(prompts)} corpus prompts: "
          + ", ".join(f"{band} {100 * counts[band] / total:.1f}%" for band in ("small", "short", "wide")))


if __name__ == "__main__":
    main()
