"""The 128K logits' rows left after planes 7..4: a rising threshold's and the best's own lower planes' (issue 16).

logitplanes.s's row pass (the 128K's logits, kernels/z80/logitplanes.s) stores every row's Q_4 and the first
list then compares each with T = best - D_4 + 1, ~90 T-states a row for the store, the best's test and the list.
A pass that kept only the rows at or above a threshold rising with the best so far (in the rows' order: id 3
up) would store and list those alone; the rows left are the same (the final T is the highest). Counted here on
the integer engine's logits inputs (each reply step's, soulterm/zx/logit_planes.py's model): the rows such a
pass keeps, the rows left at k = 4 (what the first list leaves) and how often the best so far rises, the mean a
call and the most. zxlogits128 (twenty-eighth round) built that form: 120,692 T-states against 119,592, each
kept row dearer than a dropped one saves.

Then a tighter first list (thirty-fourth round, zxlogit34: LG_BEST_LOWER, built): D_4 bounds the best's sum from below
by Q_4 M alone, as if its planes 3..0 added nothing, though a row's planes 3..0 add about half of the 15 S that
bounds them from above. With the best row's (the last of the largest Q_4, as lg_row keeps it) own planes 3..0
summed too, Q_8 = 16 Q_4 + 8 A_3 + 4 A_2 + 2 A_1 + A_0, its sum is at least 2^s Q_8 + C (each entry's floor
from below), and a row whose upper end 2^(s+4) Q_4 + 960 (2^s - 1) + 15 S + C lies 2^shift or more below that
has a strictly smaller logit: it is left out where Q_4 < T' = max(0, floor((Q_8 - c) / 16) + 1), c = 960 -
(960 >> s) + ceil(15 S / 2^s) + 2^(shift - s) (logit_planes.best_lower_threshold). The first list against T'
instead of T: the rows left there and the calls that end with one row at the first list.

    python benchmarks/z80_logits_kept.py [--everyday] [--prompts FILE] [TEXT ...]
"""

from __future__ import annotations

import numpy as np

from soulterm.player.bench import prompts_from_command_line
from soulterm.soul import spec
from soulterm.soul.benchmark import shipped_engine
from soulterm.zx import logit_planes
from z80_cheap_bounds import engine_vectors


def kept_counts(weights, x, shift: int) -> tuple[int, int, int]:
    """(rows kept against the rising threshold, rows left at k = 4, the best's rises) for one call."""
    tables, scale, size = logit_planes.select_tables(x)
    planes = logit_planes.plane_sums(weights, tables)
    q = 8 * planes[:, 0] + 4 * planes[:, 1] + 2 * planes[:, 2] + planes[:, 3]
    best, kept, rises = -1, 0, 0
    for value in q:
        if value > best:
            best, rises = int(value), rises + 1
        kept += int(value) >= logit_planes.threshold(best, logit_planes.TOP_PLANES, scale, size, shift)
    left = int((q >= logit_planes.threshold(int(q.max()), logit_planes.TOP_PLANES, scale, size, shift)).sum())
    return kept, left, rises


def tighter_left(weights, x, shift: int) -> tuple[int, int]:
    """(rows left at k = 4 against T', logit_planes.best_lower_threshold; the same against T) for one call."""
    tables, scale, size = logit_planes.select_tables(x)
    planes = logit_planes.plane_sums(weights, tables)
    q4 = 8 * planes[:, 0] + 4 * planes[:, 1] + 2 * planes[:, 2] + planes[:, 3]
    tighter = logit_planes.best_lower_threshold(q4, planes, scale, size, shift)
    least = logit_planes.threshold(int(q4.max()), logit_planes.TOP_PLANES, scale, size, shift)
    return int((q4 >= tighter).sum()), int((q4 >= least).sum())


def main() -> None:
    prompts = prompts_from_command_line(__doc__.splitlines()[0])
    soul, engine, tokenizer = shipped_engine()
    logits_x, _ = engine_vectors(engine, tokenizer, prompts)
    out, shift = soul["out"].values.astype(np.int64)[spec.FIRST_CHOOSABLE:], soul["out"].shift
    counts = np.array([kept_counts(out, x, shift) for x in logits_x if logit_planes.takes(x)])
    print(f"{len(prompts)} prompt(s), {len(counts)} logits calls of {len(out)} rows (mean, the most in brackets):")
    for column, what in enumerate(("kept against a rising threshold", "left at k = 4 (the first list's)",
                                   "rises of the best so far")):
        print(f"  {what}: {counts[:, column].mean():.2f} ({counts[:, column].max()})")
    left = np.array([tighter_left(out, x, shift) for x in logits_x if logit_planes.takes(x)])
    print(f"  left at k = 4 against T' (the best's planes 3..0 summed): {left[:, 0].mean():.2f} "
          f"({left[:, 0].max()}), one row in {(left[:, 0] == 1).sum()} of {len(left)} calls (against T: "
          f"{left[:, 1].mean():.2f}, one row in {(left[:, 1] == 1).sum()})")


if __name__ == "__main__":
    main()
