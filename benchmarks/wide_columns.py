"""How many wide columns (h != 0, x = 256h + l with l in -127..128) each Spectrum matvec call has, and their h.

matvec.s's coarse calls (the logits and fc1) and its low slots (q, k, v and proj) give each
wide column a block of its own, which since the sixteenth round takes only h = +-1 (a
call with another h runs exact, or the main slots narrow). This replies with the integer
engine to "hello", the ten everyday prompts and the thirty held out
(benchmarks/everyday_heldout.txt), one turn each, and counts per call kind: calls, wide
columns a call, how many calls have 0, 1, 2... of them, and their h.

    python benchmarks/wide_columns.py [--soul PATH] [--tokenizer PATH]
"""

from __future__ import annotations

import argparse
import collections
from pathlib import Path

import numpy as np

from soulterm.player.bench import EVERYDAY_PROMPTS, prompts_in
from soulterm.soul import engine as engine_module
from soulterm.soul import intmath
from soulterm.soul.benchmark import add_soul_arguments, engine_and_tokenizer

HELD_OUT = Path(__file__).resolve().parent / "everyday_heldout.txt"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_soul_arguments(parser)
    engine, tokenizer = engine_and_tokenizer(parser.parse_args())
    kinds = {id(engine.norm): "logits"}
    for layer, weights in enumerate(engine.layers):
        kinds[id(weights.n1)] = f"q, k, v (layer {layer})"
        kinds[id(weights.n2)] = f"fc1 (layer {layer})"
    calls, counts, heights = collections.Counter(), {}, {}

    def count(kind, x):
        h = (np.asarray(x, dtype=np.int64).reshape(-1) + 127) // 256
        calls[kind] += 1
        counts.setdefault(kind, collections.Counter())[int((h != 0).sum())] += 1
        heights.setdefault(kind, collections.Counter()).update(int(v) for v in h[h != 0])

    plain_norm, plain_attend = intmath.rmsnorm, engine_module._attend

    def norm(x, g, s_g):
        y = plain_norm(x, g, s_g)
        count(kinds[id(g)], y)
        return y

    def attend(*args):
        result = plain_attend(*args)
        count("proj", result[0])
        return result

    sets = (("hello", ("hello",)), ("the ten everyday prompts", EVERYDAY_PROMPTS),
            ("the thirty held out", prompts_in(HELD_OUT)))
    engine_module.intmath.rmsnorm, engine_module._attend = norm, attend
    try:
        for title, prompts in sets:
            calls.clear(), counts.clear(), heights.clear()
            for prompt in prompts:
                engine.reply(tokenizer, prompt)
            print(f"{title}:")
            for kind in sorted(calls):
                wide = sum(heights[kind].values())
                print(f"  {kind:18} {calls[kind]:4} calls, {wide / calls[kind]:.2f} wide columns a call, "
                      f"calls by wide columns {dict(sorted(counts[kind].items()))}, h {dict(sorted(heights[kind].items()))}")
    finally:
        engine_module.intmath.rmsnorm, engine_module._attend = plain_norm, plain_attend


if __name__ == "__main__":
    main()
