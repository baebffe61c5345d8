"""Could the logits' coarse call skip the last columns of the rows that cannot win? (issue 16)

A reply step's logits run every kept row (ids 3..127, 125 rows) through all 32
coarse slots (matvec.s, ~40 T-states a product: the high byte of S(w + l)),
then the raw bound (logitsraw.s) picks the rows that need exact logits. Branch
and bound inside the call: after the first p columns (the slots' order, or an
order fixed by the build) a row's upper bound is its partial coarse sum, the
partial's slack and a bound on the other 32 - p columns; a row whose upper bound
lies below the best lower bound found so far skips its remaining slots. Exact
for any x as long as the skip compares in the logits' units, strictly (a row
that could tie is never skipped).

On the integer engine's own vectors (the logits' input at every position whose
logits a reply reads) this counts the rows skipped a call for:

- p: 16, 20, 24 or 28 columns before the check;
- the columns' order: the slots' (natural) or fixed by importance (sum |w| times
  mean |x| over every 15th corpus prompt, as z80_cheap_bounds.py: the build
  would store out's columns in that order and the column pass read x through
  it);
- the rest's bound: `uniform` (one figure a call, folded into the threshold,
  so the check is a 16-bit compare: the least of the largest row's sum |w| over
  the rest times the rest's max |x| and the sum over the rest of each column's
  largest |w| times its |x|), `pow2` (each row's own sum |w| over the rest, a
  byte a row, times max |x| rounded up to a power of two: a shift), `sum` (each
  row's sum |w| times max |x|: a multiply a row), `groups` (the rows in
  GROUPS groups by their |w| over the rest, k-means fixed by the build, each
  group's bound its columns' largest |w| times |x|: GROUPS sums a call, a byte a
  row naming its group); and, as a limit no Z80 form reaches (it costs the
  products it would skip), `tightest`: the largest row's own sum of |w| |x| over
  the rest, charged as `uniform`;
- the threshold: `id` the running best lower bound of the rows computed so far
  in id order (id 3, END, the most frequent winner, first), `row3` row 3's lower
  bound alone (no running update), `oracle` the winner's exact doubled sum
  known before the call (no order of the rows can do better); and, for the best
  buildable scheme, the previous reply step's best 1 or 3 rows computed first;

then charges what the check would cost on the Z80 (CHECK_T and the figures
after it, counted from the code each would need, not built) against the slots it skips, with the
slots' cost a product from `python benchmarks/z80_step_phases.py [--model
128k]` ("hello": the coarse slots 171,156 / 158,031 T-states for 125 x 32
products). Net T-states a logits call = a reply step.

Then (zxskip128b) the same on what the slots' H:L really holds after column p: matvec.s's row
start adds the whole row's -K - Cl, so the columns not yet run leave each row's -K_rest (its sum
of w*w over them) and the call's -Cl_rest in it, which the counts above leave out. Taken as
they are the check is not exact (it skips a largest logit on crafted x); exact, each row's
K_rest comes back at the check (a byte a row, K_REST_T), at the computed rows' ends, or as
the rows' largest folded into the threshold.

    python benchmarks/z80_logits_skip.py [--everyday] [--prompts FILE] [TEXT ...]
"""

from __future__ import annotations

import numpy as np

from soulterm.player.bench import prompts_from_command_line
from soulterm.soul import spec
from soulterm.soul.benchmark import shipped_engine
from z80_cheap_bounds import training_prompts
from z80_logit_bounds import final_vectors

FIRST = spec.FIRST_CHOOSABLE
COLS = spec.EMBED_DIM
ROWS = spec.VOCAB_SIZE - FIRST

# T-states a coarse product: z80_step_phases.py's coarse slots on "hello" (main 0504a52) over
# 125 x 32 products.
SLOT_T = {"48K": 171_156 / (ROWS * COLS), "128K": 158_031 / (ROWS * COLS)}
# The check, counted: a jp over the first bytes of the pair after column p into a block and one
# back (20), the 16-bit compare of H:L with a patched threshold (ld a,l / sub n / ld a,h /
# sbc a,n / jp m: 32); a per-row bound adds its byte (ld e,(ix+0) / inc ix: 29), add hl,de and
# the restore (or a / sbc hl,de: 30) and for `pow2` a patched shift (~8), for `sum` a multiply
# by the squares table (~70).
CHECK_T = {"uniform": 52, "tightest": 52, "pow2": 52 + 29 + 30 + 8, "sum": 52 + 29 + 30 + 70}
GROUPS = 8
CHECK_T["groups"] = CHECK_T["pow2"] + 12     # (the row's group's bound read through a table)
# A computed row's end with a running threshold: compare its H:L with the best (32) and, now and
# then, a new best's threshold patched (~3 a row on average).
UPDATE_T = 35
# The column pass reading x through the build's order (~15 a column).
ORDER_T = 15 * COLS


def skip_t(p: int) -> int:
    """A skipped row: its remaining pops (one a pair) and the jp to the row end."""
    return 10 * (COLS - p) // 2 + 10


def setup_t(p: int, kind: str) -> int:
    """A call: the rest's max |x| (20 a column), the uniform bound's multiply (~200) and the
    patches; a bound summed over the rest's columns a product more each (~60, the squares table)
    for each figure it makes."""
    products = {"uniform": 1, "tightest": 1, "groups": GROUPS}.get(kind, 0)
    return 20 * (COLS - p) + 300 + 60 * (COLS - p) * products


def low_dropped(w, x):
    """Each product's S(w + l) mod 256 (x = 256 h + l, l in -127..128): what the slots leave out."""
    low = x - 256 * ((x + 127) >> 8)
    return (w + low[None, :]) ** 2 % 256


def row_groups(w, p):
    """The rows' groups by their |w| over columns p.. (k-means, fixed seed) and each group's
    largest |w| a column."""
    rest = np.abs(w[:, p:]).astype(float)
    centres = rest[np.random.default_rng(0).choice(len(rest), GROUPS, replace=False)]
    for _ in range(30):
        labels = np.argmin(((rest[:, None, :] - centres[None]) ** 2).sum(axis=2), axis=1)
        centres = np.array([rest[labels == g].mean(axis=0) if (labels == g).any() else centres[g]
                            for g in range(GROUPS)])
    tops = np.array([np.abs(w[labels == g, p:]).max(axis=0) if (labels == g).any()
                     else np.zeros(COLS - p, np.int64) for g in range(GROUPS)])
    return labels, tops


def rest_bound(w, x, p, kind, groups=None):
    """An upper bound of |2 sum over columns p.. of w x|, each row."""
    top = int(np.abs(x[p:]).max(initial=0))
    if kind == "groups":
        labels, tops = groups
        return 2 * (tops @ np.abs(x[p:]))[labels]
    sums = np.abs(w[:, p:]).sum(axis=1)
    if kind == "tightest":
        return np.full(len(w), 2 * int((np.abs(w[FIRST:, p:]) * np.abs(x[p:])[None, :]).sum(axis=1).max()))
    if kind == "uniform":
        by_columns = int((np.abs(w[FIRST:, p:]).max(axis=0) * np.abs(x[p:])).sum())
        return np.full(len(w), 2 * min(int(sums[FIRST:].max()) * top, by_columns))
    if kind == "pow2":
        return 2 * sums * (1 << max(0, (top - 1).bit_length()))
    return 2 * sums * top


def skipped(w, x, shift, p, kind, threshold, groups=None, units=None):
    """(rows skipped, rows computed) of one call; `units` the compare's (the logits' shift + 1 unless
    given: the 128K's check would compare the slots' H:L, the sum >> 8, its low byte in A')."""
    products = 2 * w * x[None, :]
    dropped = low_dropped(w, x)
    partial = products[:, :p].sum(axis=1) - dropped[:, :p].sum(axis=1)
    upper = partial + 255 * (p + 1) + rest_bound(w, x, p, kind, groups)
    lower = products.sum(axis=1) - dropped.sum(axis=1)
    if units is None:
        units = shift + 1           # doubled sums to logits: strictly below in the logits' units

    def below(row, best):
        return (upper[row] >> units) < (best >> units)
    if threshold == "oracle":
        exact = products.sum(axis=1)
        winner = FIRST + int(np.argmax(exact[FIRST:]))
        count = sum(below(row, exact[winner]) for row in range(FIRST, spec.VOCAB_SIZE) if row != winner)
        return count, ROWS - count
    best, count = lower[FIRST], 0
    for row in range(FIRST + 1, spec.VOCAB_SIZE):
        if below(row, best):
            count += 1
        elif threshold == "id":
            best = max(best, lower[row])
    return count, ROWS - count


def rest_constants(w, x, p):
    """What the slots' H:L after column p holds below the partial products `skipped` counts: matvec.s's
    row start adds the whole row's -K - Cl (K = sum w*w and Cl = sum S(l) over all 32 columns), so
    the columns not yet run leave -K_rest (each row's sum of w*w over them) and -Cl_rest (the call's
    sum of l*l over them) in it (each row, each call)."""
    low = x - 256 * ((x + 127) >> 8)
    return (w[:, p:] ** 2).sum(axis=1), int((low[p:] ** 2).sum())


def skipped_constants(w, x, p, variant):
    """(rows skipped, rows computed, whether a skipped row's logit is the largest) of one call on the
    slots' real H:L (compared in its units, the uniform rest bound, the running threshold), by how
    the check takes the rest's constants: `none` (the partial as `skipped` takes it, the constants
    ignored: not exact), `row` (each row's K_rest added back at the check, Cl_rest folded into the
    threshold: exact) or `largest` (the largest K_rest of the rows folded into the threshold with
    Cl_rest: exact, one compare a row)."""
    products = 2 * w * x[None, :]
    dropped = low_dropped(w, x)
    k_rest, cl_rest = rest_constants(w, x, p)
    held = products[:, :p].sum(axis=1) - dropped[:, :p].sum(axis=1) - k_rest - cl_rest
    added = {"none": 0, "row": k_rest + cl_rest, "largest": int(k_rest[FIRST:].max()) + cl_rest}[variant]
    upper = held + added + 255 * (p + 1) + rest_bound(w, x, p, "uniform")
    lower = products.sum(axis=1) - dropped.sum(axis=1)
    best, count, skipped_rows = lower[FIRST], 0, []
    for row in range(FIRST + 1, spec.VOCAB_SIZE):
        if (upper[row] >> 8) < (best >> 8):
            count += 1
            skipped_rows.append(row)
        else:
            best = max(best, lower[row])
    exact = products.sum(axis=1)
    wrong = bool(skipped_rows) and exact[skipped_rows].max() >= exact[FIRST:].max()
    return count, ROWS - count, wrong


def crafted_calls(w, p, trials=2000):
    """Calls on crafted x (a random row's rest columns given |x| up to 128 with its weights' signs, the
    first p columns small) in which each variant skips a row whose logit is the largest."""
    rng, wrong = np.random.default_rng(7), {"none": 0, "row": 0, "largest": 0}
    for _ in range(trials):
        x = np.zeros(COLS, np.int64)
        row = int(rng.integers(FIRST, spec.VOCAB_SIZE))
        x[p:] = np.sign(w[row, p:]) * rng.integers(0, 129, COLS - p)
        x[:p] = rng.integers(-20, 21, p)
        for variant in wrong:
            wrong[variant] += skipped_constants(w, x, p, variant)[2]
    return trials, wrong


# zxskip128b's costs of taking K_rest back, counted: a byte a row (K_rest >> 8, the build putting its
# low byte into the row's constant) read through the output page's L' and added to H:L, ~45 a row
# where it is read; each call's Cl_rest, 8 squares' reads (~300).
K_REST_T = 45
CL_REST_T = 300


def previous_first(w, shift, per_prompt, p, kind, firsts, groups=None):
    """Rows skipped a call with the running threshold started by the previous step's `firsts` best
    rows (by their coarse lower bounds; id order at a reply's first step)."""
    units, counts = shift + 1, []
    for vectors in per_prompt:
        before = None
        for x in vectors:
            products = 2 * w * x[None, :]
            dropped = low_dropped(w, x)
            upper = (products[:, :p].sum(axis=1) - dropped[:, :p].sum(axis=1) + 255 * (p + 1)
                     + rest_bound(w, x, p, kind, groups))
            lower = products.sum(axis=1) - dropped.sum(axis=1)
            first = [] if before is None else list(before[:firsts])
            best, count = None, 0
            for row in first + [row for row in range(FIRST, spec.VOCAB_SIZE) if row not in first]:
                if best is not None and (upper[row] >> units) < (best >> units):
                    count += 1
                else:
                    best = lower[row] if best is None else max(best, lower[row])
            counts.append(count)
            before = FIRST + np.argsort(-lower[FIRST:], kind="stable")
    return float(np.mean(counts))


def net_t(machine, p, kind, threshold, ordered, rows_skipped, rows_computed):
    """T-states a call saved (positive) by the scheme, against today's call."""
    saved = rows_skipped * ((COLS - p) * SLOT_T[machine] - skip_t(p))
    cost = ROWS * CHECK_T[kind] + setup_t(p, kind) + (ORDER_T if ordered else 0)
    cost += rows_computed * UPDATE_T if threshold == "id" else 0
    return saved - cost


def main() -> None:
    prompts = prompts_from_command_line(__doc__.splitlines()[0])
    soul, engine, tokenizer = shipped_engine()
    vectors = final_vectors(engine, tokenizer, prompts).astype(np.int64)
    train = final_vectors(engine, tokenizer, training_prompts()).astype(np.int64)
    out, shift = soul["out"].values.astype(np.int64), soul["out"].shift
    importance = (np.abs(train) * np.abs(out).sum(axis=0)).mean(axis=0)
    orders = {"natural": np.arange(COLS), "important": np.argsort(-importance, kind="stable")}
    print(f"{len(prompts)} prompts, {len(vectors)} logits calls; rows skipped a call (of {ROWS}) and the"
          f" net T-states a call, 48K / 128K (positive: saved)")
    best = None
    for order_name, order in orders.items():
        w = out[:, order]
        for p in (16, 20, 24, 28):
            groups = row_groups(w, p)
            for kind in ("uniform", "pow2", "sum", "groups", "tightest"):
                for threshold in ("id", "row3", "oracle"):
                    counts = np.array([skipped(w, x[order], shift, p, kind, threshold, groups) for x in vectors])
                    rows_skipped, rows_computed = counts.mean(axis=0)
                    nets = [net_t(m, p, kind, threshold, order_name != "natural", rows_skipped, rows_computed)
                            for m in SLOT_T]
                    print(f"  {order_name:9} p={p} {kind:7} {threshold:6}: {rows_skipped:6.1f} rows skipped,"
                          f" {rows_skipped * (COLS - p):6.0f} products; net {nets[0]:+8,.0f} / {nets[1]:+8,.0f}")
                    if threshold != "oracle" and kind != "tightest" and (best is None or nets[0] > best[0]):
                        best = (nets[0], nets[1], order_name, p, kind, threshold)
    print(f"best buildable (no oracle): {best[2]} p={best[3]} {best[4]} {best[5]}:"
          f" {best[0]:+,.0f} / {best[1]:+,.0f} T-states a reply step (48K / 128K)")
    order = orders[best[2]]
    counts = np.array([skipped(out[:, order], x[order], shift, best[3], best[4], best[5], units=8)
                       for x in vectors])
    rows_skipped, rows_computed = counts.mean(axis=0)
    print(f"  the same compared on the slots' H:L (the sum >> 8, as the 128K's pairs' form holds it):"
          f" {rows_skipped:.1f} rows skipped, net 128K"
          f" {net_t('128K', best[3], best[4], best[5], True, rows_skipped, rows_computed):+,.0f}")
    print("  the slots' H:L after column p also holds the rest's -K_rest - Cl_rest (zxskip128b):")
    for p in (24, 26, 28):
        for variant in ("none", "row", "largest"):
            counts = np.array([skipped_constants(out[:, order], x[order], p, variant) for x in vectors])
            rows_skipped, rows_computed = counts[:, 0].mean(), counts[:, 1].mean()
            wrong = int(counts[:, 2].sum())
            base = net_t("128K", p, "uniform", "id", True, rows_skipped, rows_computed) - CL_REST_T
            line = f"    p={p} {variant:7}: {rows_skipped:5.1f} rows skipped, {wrong} calls skip a largest logit"
            if variant == "row":
                line += (f"; net 128K {base - ROWS * K_REST_T:+,.0f} (K_rest read at the check),"
                         f" {base - rows_computed * K_REST_T:+,.0f} (at the computed rows' ends and the exact rows)")
            elif variant == "largest":
                line += f"; net 128K {base:+,.0f}"
            print(line)
    trials, wrong = crafted_calls(out[:, order], 24)
    print(f"    p=24 on {trials} crafted x: calls that skip a largest logit, "
          + ", ".join(f"{variant} {count}" for variant, count in wrong.items()))
    per_prompt = [final_vectors(engine, tokenizer, [prompt]).astype(np.int64)[:, order] for prompt in prompts]
    for firsts in (1, 3):
        rows = previous_first(out[:, order], shift, per_prompt, best[3], best[4], firsts,
                              row_groups(out[:, order], best[3]))
        print(f"  the same, the previous step's best {firsts} row(s) first: {rows:.1f} rows skipped")


if __name__ == "__main__":
    main()
