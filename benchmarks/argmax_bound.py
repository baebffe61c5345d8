"""How many logits rows a rigorous bound leaves to compute exactly (kernels/forward.s).

The argmax needs only the rows that may win or tie. For every position of the
ten everyday prompts (the integer engine's final normalised vectors: it takes
logits at each position, the soulplayer at a prompt's last one and at every
generated token), this counts the rows of ids 3..127 that survive two kinds of bound:
- the first k columns exactly, the other 32 - k bounded by max|x| * sum|w| (L1)
  or by |w| * |x| over them (Cauchy-Schwarz), columns in their order or by
  importance (sum |w| * mean |x|, fixed at build time);
- matvec without pass 1 (MV_COARSE, the one built): every small product's low
  byte left out, so a row lies at most LOGITS_SLACK (~510 for a shift of 3)
  above its bound (the kernel keeps a call with fewer than 6 small columns
  exact instead, not counted here).
- a rank-r part of the matrix (its largest singular values, r columns of
  products a call and r a row, in floating point: at its most favourable)
  and each row's distance from it times |x|; and Cauchy-Schwarz alone
  (|w| * |x|, no products at all).
A row survives when its upper bound reaches the largest lower bound. Prints
mean / median / max survivors per position; every count is checked to keep the
SPEC argmax.

    python benchmarks/argmax_bound.py [--soul PATH] [--tokenizer PATH]
"""

from __future__ import annotations

import argparse

import numpy as np

from soulterm.player.bench import EVERYDAY_PROMPTS
from soulterm.soul import intmath, spec
from soulterm.soul.engine import Engine
from soulterm.soul.tokenizer import Tokenizer
from soulterm.soul.benchmark import add_soul_arguments, engine_and_tokenizer

FIRST = spec.FIRST_CHOOSABLE


def final_vectors(engine: Engine, tokenizer: Tokenizer) -> np.ndarray:
    """The normalised input of every logits call the ten turns make."""
    vectors = []
    logits_of = engine.logits_of

    def recording(h):
        vectors.append(intmath.rmsnorm(h, engine.norm, engine.s_norm))
        return logits_of(h)
    engine.logits_of = recording
    for text in EVERYDAY_PROMPTS:
        engine.reply(tokenizer, text)
    engine.logits_of = logits_of
    return np.array(vectors)


def survivors(lower, upper, want) -> int:
    """Rows of ids 3..127 whose upper bound reaches the largest lower bound (checked)."""
    alive = upper[FIRST:] >= lower[FIRST:].max()
    ids = np.nonzero(alive)[0] + FIRST
    assert ids[np.argmax(want[ids])] == intmath.argmax_token(want), "the bound lost the argmax"
    return int(alive.sum())


def column_bound_counts(w, vectors, order, k: int, norm: str) -> list[int]:
    first, rest = order[:k], order[k:]
    l1 = np.abs(w[:, rest]).sum(axis=1)
    l2 = np.sqrt((w[:, rest] ** 2).sum(axis=1))
    counts = []
    for x in vectors:
        partial = w[:, first] @ x[first]
        bound = l1 * np.abs(x[rest]).max() if norm == "L1" else l2 * np.linalg.norm(x[rest])
        counts.append(survivors(partial - bound, partial + bound, w @ x))
    return counts


def coarse_counts(w, vectors, shift: int) -> list[int]:
    slack = ((2 << shift) - 1 + 255 * spec.EMBED_DIM) // (2 << shift)    # forward.s LOGITS_SLACK
    counts = []
    for x in vectors:
        small = np.abs(x) <= 127
        low_bytes = (((w + x) ** 2) * small & 255).sum(axis=1)       # pass 1's part of 2S
        lower = intmath.sat16((2 * (w @ x) - low_bytes) >> (shift + 1))
        counts.append(survivors(lower, lower + slack, intmath.sat16((w @ x) >> shift)))
    return counts


def low_rank_counts(w, vectors, rank: int) -> list[int]:
    u, sv, vt = np.linalg.svd(w.astype(float), full_matrices=False)
    part = (u[:, :rank] * sv[:rank]) @ vt[:rank]
    distance = np.linalg.norm(w - part, axis=1)
    counts = []
    for x in vectors:
        approx, bound = part @ x, distance * np.linalg.norm(x)
        counts.append(survivors(approx - bound, approx + bound, w @ x))
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_soul_arguments(parser)
    args = parser.parse_args()
    soul_path = args.soul
    engine, tokenizer = engine_and_tokenizer(args)
    vectors = final_vectors(engine, tokenizer)
    w = engine.soul["out"].values.astype(np.int64)
    small = (np.abs(vectors) <= 127).sum(axis=1)
    print(f"{soul_path}: {len(vectors)} logits calls, {small.mean():.1f} small columns of 32 on average")
    importance = np.argsort(-(np.abs(w) * np.abs(vectors).mean(axis=0)).sum(axis=0), kind="stable")
    rows = []
    for name, order in (("in order", np.arange(spec.EMBED_DIM)), ("by importance", importance)):
        for k in (8, 16, 24):
            for norm in ("L1", "Cauchy-Schwarz"):
                rows.append((f"first {k} columns {name}, {norm}", column_bound_counts(w, vectors, order, k, norm)))
    for rank in (8, 16, 24):
        rows.append((f"rank {rank} part, its distance times |x|", low_rank_counts(w, vectors, rank)))
    rows.append(("Cauchy-Schwarz alone", low_rank_counts(w, vectors, 0)))
    rows.append(("matvec without pass 1 (MV_COARSE)", coarse_counts(w, vectors, engine.s_out)))
    for name, counts in rows:
        print(f"  {name:48s} survivors mean {np.mean(counts):6.2f}, median {np.median(counts):5.1f}, "
              f"max {max(counts)}")


if __name__ == "__main__":
    main()
