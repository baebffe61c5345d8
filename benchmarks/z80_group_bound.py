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
T (the row of the largest H:L) computed exactly, on the true matrix, and every row
whose upper bound reaches the best exact logit too.

This models the kernel's bound on the integer engine's own logits inputs (every
position whose logits a reply reads) for the prompts given: the coarse call's H:L
as D >> 8 (D the doubled sum less each low piece's S(w + l) mod 256, whose true
doubled sum lies in 256 H:L .. 256 H:L + 255 (cols + 1)), and counts a call:
- eligible: x' within MV_COARSE's call (every h = (x + 127) >> 8 in -1..1, at most
  6 wide columns; otherwise the group call would run exact: the estimate then
  charges x' and today's call);
- rows: T first (T's row and the rows whose bound reaches T's logit), by id (T's,
  then in increasing id each row whose bound reaches the best exact logit so far:
  the kernel's scan with a rising threshold), best first (in decreasing bound until
  the next lies below the best exact logit: the fewest any scan on this bound
  computes, each pick after T's an argmax more); none without T's row: the calls
  that leave no row when T's lower bound is the call's own less twice its parts'
  bound (no exact row at all);
- the estimate a reply step against today's call, from pieces measured first on
  the 128K's kernels' bench (the first prompt's reply steps, checked against the
  engine): today's logits call by routine (the slots' 43 a product, the column
  pass a column, the wide columns' blocks a row and wide column), and T's exact
  logit alone (a one-row coarse call on T's row of the true matrix for the pass,
  then mv_exact_row, as the group's kernel would need it), and a row again (its
  share of that); x' and the group bank's two page switches counted at 1,600.

    python benchmarks/z80_group_bound.py [--everyday] [--prompts FILE] [--norms] [TEXT ...]
"""

from __future__ import annotations

import argparse
import collections

import numpy as np

from soulterm.player.bench import add_prompt_arguments, chosen_prompts
from soulterm.soul import intmath, spec
from soulterm.soul.benchmark import shipped_engine
from z80_cheap_bounds import doubled_lower, engine_vectors, training_prompts

FIRST = spec.FIRST_CHOOSABLE
COLS = spec.EMBED_DIM
VARIANTS = ((24, 4), (24, 2), (26, 3), (26, 2), (28, 2), (28, 1))
GROUP_INPUT = 1_600        # x' (counted: 24 words copied, the parts' max |x| and scales) and two OUTs
T_ROW_SOURCE = """
t_row_alone:                    ; T's exact logit alone: a one-row coarse call on T's row
        ld a,1                  ; (the true x's column pass), then mv_exact_row
        ld (mv_coarse_on),a
        ld a,soul_out_shift
        ld (mv_shift),a
        ld a,1
        ld hl,t_row_out
        call fw_product_of_xn
        ld hl,soul_out
        ld (mv_w),hl
        ld hl,fw_logits
        ld (mv_out),hl
        ld a,(t_row)
        jp mv_exact_row
t_row:  .byte 0
        .align 2
t_row_out: .word 0
"""


def measured_costs(soul, engine, tokenizer, text):
    """Per logits call on the 128K's kernels, the reply steps of `text` (means): today's call by
    routine, and T's exact logit alone by routine (each T's logit checked against the engine)."""
    from z80_profile import profile_call
    from soulterm.zx.build import unit_gain_bits
    from soulterm.zx.kernelbench import SHORT_SHIFTS, Z80Bench, forward_turn, player_kernel_options
    from soulterm.zx.soul_layout import soul_include
    options = player_kernel_options("128k")
    gain_bits = unit_gain_bits(soul, SHORT_SHIFTS)
    if gain_bits is not None:
        options += f"\nRN_UNIT_GAIN_BITS = {gain_bits}"
    bench = Z80Bench('.include "forward.s"\n' + soul_include(soul) + T_ROW_SOURCE, options=options)
    rows, _ = forward_turn(bench, engine, tokenizer.encode_turn(text))
    w, shift = soul["out"].values.astype(np.int64), soul["out"].shift
    today, alone, wide, steps = collections.Counter(), collections.Counter(), 0, 0
    for position, token in [(p, t) for p, t, routine, _ in rows if routine == "forward_step" and p]:
        bench.poke(bench.sym("fw_token"), [token])
        bench.poke(bench.sym("fw_pos"), [position])
        profile_call(bench, "forward_step")          # (xn for the logits; the step ends in them)
        bench.poke(bench.sym("fw_xn_patched"), [0])  # (as the norm leaves it: the call's column pass)
        today += profile_call(bench, "fw_next_token")[0]
        chosen = bench.peek(bench.sym("fw_next"))[0]
        x = bench.read_words(bench.sym("fw_xn"), COLS).astype(np.int64)
        wide += int((((x + 127) >> 8) != 0).sum())
        bench.poke(bench.sym("fw_xn_patched"), [0])
        bench.poke(bench.sym("t_row"), [chosen])
        bench.poke_word(bench.sym("mv_w"), bench.sym("soul_out") + (3 + COLS) * chosen)
        alone += profile_call(bench, "t_row_alone")[0]
        logit = int(bench.read_words(bench.sym("fw_logits") + 2 * chosen, 1).astype(np.int16)[0])
        assert logit == intmath.sat16(intmath.shift_right(w @ x, shift))[chosen], "T's exact logit"
        steps += 1
    return ({name: t / steps for name, t in today.items()}, {name: t / steps for name, t in alone.items()},
            wide / steps)


def group_call(w, x, group, parts):
    """The group matrix and its input x' (the pseudo-columns last), as the Z80 would run them."""
    weights = [w[:, group]] + [-((np.abs(w[:, part]).sum(axis=1) + len(part) - 1) // len(part))[:, None]
                               for part in parts]
    inputs = [x[group]] + [np.array([-len(part) * np.abs(x[part]).max()]) for part in parts]
    return np.concatenate(weights, axis=1), np.concatenate(inputs)


def wide_of(xs):
    """Each x's wide columns (h = (x + 127) >> 8 not 0)."""
    return (((xs + 127) >> 8) != 0).sum(axis=1)


def counts(w, shift, x, group, parts):
    """(eligible, rows T first, by id, best first, none without T's row) for one logits call."""
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
    best, by_id = exact[t], 1
    for row in range(FIRST, len(upper)):
        if row != t and upper[row] >= best:
            best, by_id = max(best, exact[row]), by_id + 1
    parts_bound = (wg[t, len(group):] * xg[len(group):]).sum()     # >= 0: T's parts' bound (the call adds it)
    t_lower = intmath.sat16((256 * int(raw[t]) - 4 * int(parts_bound)) >> (shift + 1))
    assert t_lower <= exact[t]
    none_left = int((upper[FIRST:] >= t_lower).sum()) == 1
    remaining, best, best_first = upper[FIRST:].astype(np.int64), None, 0
    while True:
        row = int(np.argmax(remaining))
        if best is not None and remaining[row] < best:
            break
        best = exact[FIRST + row] if best is None else max(best, exact[FIRST + row])
        remaining[row], best_first = np.iinfo(np.int64).min, best_first + 1
        if best_first == len(remaining):
            break
    return eligible, t_first, by_id, best_first, none_left, int((h != 0).sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_prompt_arguments(parser)
    parser.add_argument("--norms", action="store_true",
                        help="the group by the columns' sum |w| alone (the build could fix it without the corpus)")
    args = parser.parse_args()
    prompts = chosen_prompts(args)
    soul, engine, tokenizer = shipped_engine()
    logits_x, _ = engine_vectors(engine, tokenizer, prompts)
    corpus = training_prompts()
    train_x, _ = engine_vectors(engine, tokenizer, corpus)
    w, shift = soul["out"].values.astype(np.int64), soul["out"].shift
    importance = (np.abs(w).sum(axis=0) if args.norms
                  else (np.abs(train_x) * np.abs(w).sum(axis=0)).mean(axis=0))
    order = np.argsort(-importance, kind="stable")
    today, alone, wide_x = measured_costs(soul, engine, tokenizer, prompts[0])
    slot_product = today["mv_coarse_slots"] / (128 * COLS)
    pass_column = today["mv_prepare"] / COLS
    wide_row = today["mv_coarse_wide"] / (128 * wide_x)
    true_row = sum(alone.values())
    row_again = sum(t for name, t in alone.items() if name in ("mv_exact_row", "mv_slots", "mv_row_narrow",
                                                                 "mv_rows_run", "mv_finish", "mv_row_end"))
    print(f"measured on {prompts[0]!r}'s reply steps (the 128K's kernels' bench, a logits call): the coarse"
          f" slots {today['mv_coarse_slots']:,.0f} ({slot_product:.1f} a product), the column pass"
          f" {today['mv_prepare']:,.0f} ({pass_column:.0f} a column), the wide blocks"
          f" {today['mv_coarse_wide']:,.0f} ({wide_x:.2f} wide columns, {wide_row:.0f} a row and wide column);"
          f" T's exact logit alone {true_row:,.0f}, of which a row again {row_again:,.0f}; argmax"
          f" {today['argmax']:,.0f}")
    print(f"{len(prompts)} prompts: {len(logits_x)} logits calls (shift {shift})")
    for g, part_count in VARIANTS:
        group = np.sort(order[:g])
        parts = np.array_split(order[g:], part_count)
        rows = np.array([counts(w, shift, x, group, parts) for x in logits_x])
        eligible, t_first, by_id, best_first, none_left, wide_group = rows.mean(axis=0)
        ran = rows[:, 0] == 1       # (the others: x' outside the coarse call, today's call after x')
        columns = COLS - g - part_count
        saved = columns * (128 * slot_product + pass_column) * eligible
        more_wide = 128 * wide_row * (rows[ran, 5] - wide_of(logits_x[ran])).sum() / len(rows)
        by_id_rows = true_row + row_again * (rows[ran, 2] - 1)
        best_rows = true_row + (row_again + today["argmax"]) * (rows[ran, 3] - 1)
        by_id_cost = GROUP_INPUT + more_wide + by_id_rows.sum() / len(rows)
        best_cost = GROUP_INPUT + more_wide + best_rows.sum() / len(rows)
        print(f"  g = {g}, {part_count} parts ({g + part_count} columns, {128 * (g + part_count + 3):,} bytes):"
              f" x' {wide_group:.2f} wide columns (x {wide_of(logits_x).mean():.2f}), eligible {eligible:.3f}, rows T first {t_first:.2f}, by id {by_id:.2f}, best first {best_first:.2f},"
              f" none without T's row {none_left:.3f}; by id where eligible {rows[ran, 2].mean():.2f};"
              f" a reply step by id {by_id_cost - saved:+,.0f},"
              f" best first {best_cost - saved:+,.0f} (slots and pass -{saved:,.0f}, wide blocks +{more_wide:,.0f})")


if __name__ == "__main__":
    main()
