"""Could the Z80 skip most logit rows? Bounds on the rest of each row, on the shipped soul's real vectors.

The player only needs the argmax of the logits (sat16(out . xn >> shift),
ids 3..127, the lowest id on a tie). An exact shortcut: sum a group G of
columns for every row, bound the rest of each row, and compute in full
only the rows whose upper bound can still reach the best exact logit
(best first: the fewest rows any scheme with that bound can get away
with). This prints that number of full rows, averaged over the final
normalised vectors of the replies to corpus prompts, for:

- G = the first g columns (what the row-major layout and matvec's slots
  allow cheaply) or the g columns with the largest |x| (changes with x);
- the rest bounded by sum |w| times max |x| over it (a per-row table of
  sum |w| for a fixed G), or by Cauchy-Schwarz, sqrt(sum w^2 sum x^2).

    python benchmarks/z80_logit_bounds.py [--every N]
"""

from __future__ import annotations

import argparse

import numpy as np

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.soul import intmath, spec
from soulterm.soul.corpus import read_corpus
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer

CORPUS = "models/corpus.txt"
GROUPS = (8, 12, 16, 24)


def final_vectors(engine, tokenizer, prompts) -> np.ndarray:
    """rmsnorm(h, norm) of every position whose logits a reply reads."""
    vectors = []
    for prompt in prompts:
        state = engine.new_state()
        for token in tokenizer.encode_turn(prompt):
            engine.step(state, token)
        while True:
            vectors.append(intmath.rmsnorm(state.last.hidden[-1], engine.norm, engine.s_norm))
            chosen = engine.next_token(state.last.logits)
            if chosen == spec.END or state.length == spec.CONTEXT:
                break
            engine.step(state, chosen)
    return np.array(vectors)


def full_rows(bounds, exact) -> int:
    """Rows computed in full, best upper bound first, until an exact row wins."""
    entries, done, count = bounds.copy(), np.zeros(len(bounds), bool), 0
    while True:
        row = int(np.argmax(entries[spec.FIRST_CHOOSABLE:])) + spec.FIRST_CHOOSABLE
        if done[row]:
            return count
        entries[row], done[row], count = exact[row], True, count + 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=int, default=15, help="every Nth corpus prompt (default 15)")
    args = parser.parse_args()
    soul = load_soul(DEFAULT_SOUL)
    engine = Engine(soul)
    prompts = [exchange.prompt for exchange in read_corpus(CORPUS).exchanges][::args.every]
    vectors = final_vectors(engine, Tokenizer.load(DEFAULT_TOKENIZER), prompts)
    w = soul["out"].values.astype(np.int64)
    shift = soul["out"].shift

    def logit(sums):
        return np.clip(np.floor(sums / 2 ** shift).astype(np.int64), -32768, 32767)

    print(f"{len(vectors)} vectors from {len(prompts)} prompts; rows computed in full of "
          f"{spec.VOCAB_SIZE - spec.FIRST_CHOOSABLE} (mean / most)")
    for g in GROUPS:
        line = [f"g = {g:2}:"]
        for split in ("first", "largest |x|"):
            by_bound = {"sum|w| max|x|": [], "Cauchy-Schwarz": []}
            for x in vectors:
                group = np.argsort(-np.abs(x), kind="stable")[:g] if split != "first" else np.arange(g)
                rest = np.setdiff1d(np.arange(spec.EMBED_DIM), group)
                exact = logit(w @ x)
                partial = w[:, group] @ x[group]
                l1 = np.abs(w[:, rest]).sum(axis=1) * np.abs(x[rest]).max(initial=0)
                l2 = np.sqrt((w[:, rest] ** 2).sum(axis=1) * float((x[rest] ** 2).sum()))
                by_bound["sum|w| max|x|"].append(full_rows(logit(partial + l1), exact))
                by_bound["Cauchy-Schwarz"].append(full_rows(logit(np.ceil(partial + l2)), exact))
            line.append(f"{split}: " + ", ".join(f"{name} {np.mean(v):5.1f} / {max(v):3}"
                                                  for name, v in by_bound.items()))
        print("  ".join(line))


if __name__ == "__main__":
    main()
