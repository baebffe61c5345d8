"""Is there a bound cheaper than MV_COARSE's for the 128K's logits and fc1's gate? (issue 16)

The 128K player runs the logits (128 x 32) and fc1 (64 x 32, ReLU's gate) as
coarse calls (matvec.s, MV_COARSE: 43 T-states a product, each product's
S(w + l) read for its high byte only) and computes exactly only the rows the
bound cannot rule out. On the integer engine's own vectors (the logits' input
at every position whose logits a reply reads, fc1's input at every position of
both layers) for the prompts given, this counts the rows each candidate bound
leaves to compute (exactly or coarse) against the coarse bound's:

- coarser products: S(w + l) with its low b bits left out (b = 8 is MV_COARSE;
  b = 9 would let two columns' S >> 9 share a byte, b = 10 four), every wide
  column's high piece (h = +-1) exact as in the coarse slots;
- the logits, g columns summed exactly and the other 32 - g bounded:
  a fixed group (the first g columns, the order the slots run, or the g of
  the largest sum |w| * mean |x| over the corpus's every 15th prompt, which the
  build could fix) with the rest as each row's sum |w| over it (a per-row
  table) times max |x| over it, in 1 to 6 groups (each group one more column of
  the call); or the g columns of the largest |x| (changing with every x) with
  the rest as the row's whole sum |w| times max |x|, the row's whole |w|_2 times
  the rest's |x|_2, or the row's |w| sorted (a per-row table) against the
  rest's |x| sorted;
- fc1's gate, the same fixed and changing groups with the rest's bound.
A logits row is left when its upper bound reaches the largest lower bound T
(the best case of every scheme: T's own row exact); an fc1 row when its upper
bound is not below 2^(shift+1) (doubled sums, as mv_gate). The counts are
means a call (the logits: of 125 rows, ids 3..127; fc1: of 64).

    python benchmarks/z80_cheap_bounds.py [--everyday] [--prompts FILE] [TEXT ...]
"""

from __future__ import annotations

import numpy as np

from soulterm.player.bench import prompts_from_command_line
from soulterm.soul import intmath, spec
from soulterm.soul.corpus import read_corpus
from soulterm.soul.engine import Engine
from soulterm.soul.benchmark import shipped_engine
from soulterm.soul.tokenizer import Tokenizer
from z80_logit_bounds import final_vectors

FIRST = spec.FIRST_CHOOSABLE
COLS = spec.EMBED_DIM


def training_prompts() -> list[str]:
    """Every 15th prompt of the shipped corpus: the soul's own training text, for what a measure
    is fitted on (never the prompts it is measured on)."""
    return [exchange.prompt for exchange in read_corpus("models/corpus.txt").exchanges][::15]


def engine_vectors(engine: Engine, tokenizer: Tokenizer, prompts):
    """The logits' inputs (each position a reply reads) and fc1's (every position, each layer)."""
    fc1_inputs = [[] for _ in engine.layers]
    originals = [layer.feed_forward for layer in engine.layers]

    def recording(index, layer, original):
        def feed_forward(h):
            fc1_inputs[index].append(intmath.rmsnorm(h, layer.n2, layer.s_n2))
            return original(h)
        return feed_forward

    for index, layer in enumerate(engine.layers):
        layer.feed_forward = recording(index, layer, originals[index])
    try:
        logits_inputs = final_vectors(engine, tokenizer, prompts)
    finally:
        for layer, original in zip(engine.layers, originals):
            layer.feed_forward = original
    return logits_inputs.astype(np.int64), [np.array(v, np.int64) for v in fc1_inputs]


def doubled_lower(w, x, bias, bits):
    """2 (W x + b) less every low piece's S(w + l) mod 2^bits (x = 256 h + l, l in -127..128)."""
    h = (x + 127) >> 8
    low = x - 256 * h
    dropped = ((w + low[None, :]) ** 2 % (1 << bits)).sum(axis=1)
    return 2 * (w @ x + bias) - dropped


def rest_bounds(w, x, group, kind, subgroups=None):
    """An upper bound of |sum over the columns outside `group` of w x|, each row."""
    rest = np.setdiff1d(np.arange(COLS), group)
    if kind == "fixed":
        return sum(np.abs(w[:, part]).sum(axis=1) * np.abs(x[part]).max(initial=0)
                   for part in subgroups if len(part))
    if kind == "sum|w| max|x|":
        return np.abs(w).sum(axis=1) * np.abs(x[rest]).max(initial=0)
    if kind == "|w| |x_rest|":
        return np.ceil(np.sqrt((w.astype(float) ** 2).sum(axis=1)) * np.sqrt(float((x[rest] ** 2).sum())))
    sorted_w = -np.sort(-np.abs(w), axis=1)
    sorted_x = -np.sort(-np.abs(x[rest]))
    return sorted_w[:, :len(sorted_x)] @ sorted_x


def logits_left(w, shift, vectors, upper_of) -> float:
    """Rows of 3..127 whose upper bound reaches the largest exact logit, a call."""
    left = []
    for x in vectors:
        exact = intmath.sat16(intmath.shift_right(w @ x, shift))
        upper = upper_of(x)
        left.append(int((upper[FIRST:] >= exact[FIRST:].max()).sum()))
    return float(np.mean(left))


def fixed_groups(importance, g, parts):
    """The first g columns and the g most important; the rest in `parts` groups by importance."""
    by_importance = np.argsort(-importance, kind="stable")
    first = np.arange(g)
    rest_first = [c for c in by_importance if c >= g]
    return {"first": (first, np.array_split(np.array(rest_first), parts)),
            "important": (by_importance[:g], np.array_split(by_importance[g:], parts))}


def main() -> None:
    prompts = prompts_from_command_line(__doc__.splitlines()[0])
    soul, engine, tokenizer = shipped_engine()
    logits_x, fc1_x = engine_vectors(engine, tokenizer, prompts)
    corpus = training_prompts()
    train_logits_x, train_fc1_x = engine_vectors(engine, tokenizer, corpus)
    out, out_shift = soul["out"].values.astype(np.int64), soul["out"].shift
    print(f"{len(prompts)} prompts: {len(logits_x)} logits calls, {len(fc1_x[0])} fc1 calls a layer")

    def logit_of_doubled(d):
        return intmath.sat16(d >> (out_shift + 1))

    print("\nlogits, coarser products (rows left a call, of 125; b = 8 is MV_COARSE):")
    for bits in (8, 9, 10, 11):
        slack = ((1 << bits) - 1) * COLS
        left = logits_left(out, out_shift, logits_x,
                           lambda x: logit_of_doubled(doubled_lower(out, x, 0, bits) + slack))
        print(f"  b = {bits:2}: {left:6.2f}")

    importance = (np.abs(train_logits_x) * np.abs(out).sum(axis=0)).mean(axis=0)
    print("\nlogits, a fixed group of g columns exact, the rest's sum |w| times max |x| in parts:")
    for g in (12, 16, 20, 24):
        line = [f"  g = {g:2}:"]
        for parts in (1, 2, 4, 6):
            groups = fixed_groups(importance, g, parts)
            for name, (group, subgroups) in groups.items():
                left = logits_left(out, out_shift, logits_x, lambda x: intmath.sat16(intmath.shift_right(
                    out[:, group] @ x[group] + rest_bounds(out, x, group, "fixed", subgroups), out_shift)))
                line.append(f"{name} /{parts} {left:5.1f}")
        print("  ".join(line))

    print("\nlogits, the g most important columns first and an early exit after them: the rest bounded"
          " by each row's sum |w| over it (per row) or the largest (uniform) times max |x| over it, against"
          " T = the exact logit of the row that won the step before (the best row at a turn's first step:"
          " prev) or the largest (best):")
    for g in (16, 20, 24, 28):
        group, rest = fixed_groups(importance, g, 1)["important"]
        rest = rest[0]
        per_row = np.abs(out[:, rest]).sum(axis=1)
        counts = {(kind, t): [] for kind in ("per row", "uniform") for t in ("prev", "best")}
        before = None
        for x in logits_x:
            exact = intmath.sat16(intmath.shift_right(out @ x, out_shift))
            best = int(intmath.argmax_token(exact))
            for kind, weights in (("per row", per_row), ("uniform", per_row.max())):
                upper = intmath.sat16(intmath.shift_right(
                    out[:, group] @ x[group] + weights * np.abs(x[rest]).max(), out_shift))
                for t, row in (("prev", best if before is None else before), ("best", best)):
                    counts[kind, t].append(int((upper[FIRST:] >= exact[row]).sum()))
            before = best
        print(f"  g = {g:2}: " + ", ".join(f"{kind} {t} {np.mean(v):6.2f}" for (kind, t), v in counts.items()))

    print("\nlogits, the g columns of the largest |x| exact, the rest bounded by:")
    for g in (8, 12, 16, 20):
        line = [f"  g = {g:2}:"]
        for kind in ("sum|w| max|x|", "|w| |x_rest|", "sorted |w| . |x|"):
            def upper(x, kind=kind):
                group = np.argsort(-np.abs(x), kind="stable")[:g]
                total = out[:, group] @ x[group] + rest_bounds(out, x, group, kind)
                return intmath.sat16(intmath.shift_right(total.astype(np.int64), out_shift))
            line.append(f"{kind} {logits_left(out, out_shift, logits_x, upper):5.1f}")
        print("  ".join(line))

    print("\nfc1's gate (rows left a call, of 64; the rest proved 0):")
    for layer_index, (inputs, train) in enumerate(zip(fc1_x, train_fc1_x)):
        w = soul[f"l{layer_index}.fc1_w"].values.astype(np.int64)
        bias = soul[f"l{layer_index}.fc1_b"].values.astype(np.int64)
        shift = soul[f"l{layer_index}.fc1_w"].shift + 1
        limit = 1 << (shift + 1)        # doubled: the exact row is <= 0 below it
        positive = np.mean([(intmath.shift_right(w @ x + bias, shift) > 0).sum() for x in inputs])
        line = [f"  layer {layer_index} (shift {shift}): nonzero {positive:4.1f}; coarser products"]
        for bits in (8, 9, 10):
            slack = ((1 << bits) - 1) * COLS
            left = np.mean([(doubled_lower(w, x, bias, bits) + slack >= limit).sum() for x in inputs])
            line.append(f"b = {bits} {left:4.1f}")
        print(", ".join(line))
        importance = (np.abs(train) * np.abs(w).sum(axis=0)).mean(axis=0)
        for g in (16, 24):
            cells = []
            for parts in (2, 4):
                group, subgroups = fixed_groups(importance, g, parts)["important"]
                left = np.mean([(2 * (w[:, group] @ x[group] + bias + rest_bounds(w, x, group, "fixed", subgroups))
                                 >= limit).sum() for x in inputs])
                cells.append(f"important /{parts} {left:4.1f}")
            for kind in ("sum|w| max|x|", "|w| |x_rest|", "sorted |w| . |x|"):
                def rows_left(x, kind=kind):
                    group = np.argsort(-np.abs(x), kind="stable")[:g]
                    total = w[:, group] @ x[group] + bias + rest_bounds(w, x, group, kind)
                    return (2 * total >= limit).sum()
                cells.append(f"largest |x| {kind} {np.mean([rows_left(x) for x in inputs]):4.1f}")
            print(f"    g = {g}: " + ", ".join(cells))


if __name__ == "__main__":
    main()
