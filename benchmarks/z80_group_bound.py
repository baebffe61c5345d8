"""Would a fixed group of the logits' columns pay on the 128K? (issue 16, nineteenth round)

The 128K player's logits (128 x 32, shift 4) run as one coarse call (43 T-states a
product) whose rows end as D >> 8 (logitsraw.s, matvec_ends.s's mv_coarse_raw); on
almost every reply step no row is computed again. The fixed group (docs/spectrum.md,
"Eighteenth round: the logits' bound, again") would run the coarse call on a second
matrix instead: g columns of the out matrix (the most important by the corpus, as
z80_cheap_bounds.py's "important") and one pseudo-column a part of the other 32 - g,
its weight -ceil(sum |w| / k) a row (k the part's columns: an int8) against the
input -k max |x| over the part, so that each row's call is an upper bound of its
true sum. Unlike the one coarse call, that bound needs a lower bound of some row:
T (the row of the largest H:L) computed exactly, on the true matrix (its column
pass, then mv_exact_row), and every row whose upper bound reaches T's logit too.

This models the kernel's bound on the integer engine's own logits inputs (every
position whose logits a reply reads) for the prompts given: the coarse call's H:L
as D >> 8 (D the doubled sum less each low piece's S(w + l) mod 256, whose true
doubled sum lies in 256 H:L .. 256 H:L + 255 (cols + 1)), and counts a call:
- eligible: x' within MV_COARSE's call (every h = (x + 127) >> 8 in -1..1, at most
  6 wide columns; otherwise the group call would run exact, a loss);
- T first: T's row and the rows whose upper bound reaches T's logit;
- best first: rows computed in decreasing upper bound until the next one's bound
  lies below the best exact logit (the fewest any scan on this bound computes);
- the estimate a reply step against today's call, from measured pieces: the slots'
  43 T-states a product (128 rows), the true matrix's column pass 8,500 (measured
  in the eighteenth round), a row again 3,954 (matvec.s's header), argmax 6,361 a
  further best-first pick, and x' counted at 1,600 (24 words copied, the parts'
  max |x| and scales) with the pages' two OUTs.

    python benchmarks/z80_group_bound.py [--everyday] [--prompts FILE] [TEXT ...]
"""

from __future__ import annotations

import argparse

import numpy as np

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.player.bench import EVERYDAY_PROMPTS
from soulterm.soul import intmath, spec
from soulterm.soul.corpus import read_corpus
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from z80_cheap_bounds import doubled_lower, engine_vectors

FIRST = spec.FIRST_CHOOSABLE
COLS = spec.EMBED_DIM
VARIANTS = ((24, 4), (24, 2), (26, 3), (26, 2), (28, 2), (28, 1))
SLOT_PRODUCT = 43          # MV_COARSE's slot, a product
TRUE_PASS = 8_500          # the true matrix's column pass for T's row (eighteenth round)
ROW_AGAIN = 3_954          # mv_exact_row (matvec.s's header)
ARGMAX = 6_361             # a further pick of the best remaining bound
GROUP_INPUT = 1_600        # x' (counted) and the group bank's two page switches


def group_call(w, x, group, parts):
    """The group matrix and its input x' (the pseudo-columns last), as the Z80 would run them."""
    weights = [w[:, group]] + [-((np.abs(w[:, part]).sum(axis=1) + len(part) - 1) // len(part))[:, None]
                               for part in parts]
    inputs = [x[group]] + [np.array([-len(part) * np.abs(x[part]).max()]) for part in parts]
    return np.concatenate(weights, axis=1), np.concatenate(inputs)


def counts(w, shift, x, group, parts):
    """(eligible, rows T first, rows best first) for one logits call."""
    wg, xg = group_call(w, x, group, parts)
    assert wg.min() >= -128 and wg.max() <= 127, "the group's weights must be int8"
    h = (xg + 127) >> 8
    eligible = bool((np.abs(h) <= 1).all() and (h != 0).sum() <= 6)
    raw = doubled_lower(wg, xg, 0, 8) >> 8
    upper = np.minimum((256 * raw + 255 * (len(xg) + 1)) >> (shift + 1), 32767)
    exact = intmath.sat16(intmath.shift_right(w @ x, shift))
    assert (upper >= exact).all(), "the group's bound must hold for every row"
    t = int(np.argmax(raw[FIRST:])) + FIRST
    t_first = int((upper[FIRST:] >= exact[t]).sum())      # (T's own among them)
    remaining, best, best_first = upper[FIRST:].astype(np.int64), None, 0
    while True:
        row = int(np.argmax(remaining))
        if best is not None and remaining[row] < best:
            break
        best = exact[FIRST + row] if best is None else max(best, exact[FIRST + row])
        remaining[row], best_first = np.iinfo(np.int64).min, best_first + 1
        if best_first == len(remaining):
            break
    return eligible, t_first, best_first


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("text", nargs="*", help="prompts (default: hello)")
    parser.add_argument("--everyday", action="store_true", help="the ten everyday prompts")
    parser.add_argument("--prompts", help="a file of prompts, one a line (# comments)")
    args = parser.parse_args()
    prompts = list(args.text)
    if args.everyday:
        prompts += list(EVERYDAY_PROMPTS)
    if args.prompts:
        with open(args.prompts) as lines:
            prompts += [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    prompts = prompts or ["hello"]
    soul = load_soul(DEFAULT_SOUL)
    engine, tokenizer = Engine(soul), Tokenizer.load(DEFAULT_TOKENIZER)
    logits_x, _ = engine_vectors(engine, tokenizer, prompts)
    corpus = [exchange.prompt for exchange in read_corpus("models/corpus.txt").exchanges][::15]
    train_x, _ = engine_vectors(engine, tokenizer, corpus)
    w, shift = soul["out"].values.astype(np.int64), soul["out"].shift
    importance = (np.abs(train_x) * np.abs(w).sum(axis=0)).mean(axis=0)
    order = np.argsort(-importance, kind="stable")
    print(f"{len(prompts)} prompts: {len(logits_x)} logits calls (shift {shift})")
    for g, part_count in VARIANTS:
        group = np.sort(order[:g])
        parts = np.array_split(order[g:], part_count)
        rows = np.array([counts(w, shift, x, group, parts) for x in logits_x])
        eligible, t_first, best_first = rows.mean(axis=0)
        saved = (COLS - g - part_count) * 128 * SLOT_PRODUCT
        cost = GROUP_INPUT + TRUE_PASS + ROW_AGAIN * best_first + ARGMAX * (best_first - 1)
        print(f"  g = {g}, {part_count} parts ({g + part_count} columns, {128 * (g + part_count + 3):,} bytes):"
              f" eligible {eligible:.3f}, rows T first {t_first:.2f}, best first {best_first:.2f};"
              f" a reply step {cost - saved:+,.0f} (slots -{saved:,}, the rest +{cost:,.0f})")


if __name__ == "__main__":
    main()
