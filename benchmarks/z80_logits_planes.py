"""Could a bound from the weights' top bit planes replace the logits' coarse pass? (issue 16)

A reply step's logits run every kept row (ids 3..127, 125 rows) through the 32 coarse slots
(matvec.s's mv_coarse_slots, ~39.5 T-states a product on the 128K: 158,031 of the call's
197,830, `python benchmarks/z80_step_phases.py --model 128k`), then logitsraw.s's bound picks
the rows computed again. The idea weighed here (twenty-sixth round, branch zxcoarse): with
u = w + 128 in bit planes (planes.s's form, sum w x = sum_b 2^b P'_b + 255 N - 128 X, P'_b =
sum_g E_g[mask_gb], E_g = the group's subset sums less its negative x's sum N_g, 0..S_g),
only the top k planes are summed, from tables of one byte an entry, E_g >> s (s the least
for which the groups' S_g >> s add up to 255 at most, so a plane's sum stays in A); each row
then lies in [Q + C, Q + C + err + rest]: Q = sum of the top planes' 2^b 2^s A_b, err =
(256 - 2^(8-k)) G (2^s - 1) the entries' floors, rest = (2^(8-k) - 1) S the planes left out
(S = sum |x|). A row whose upper end lies 2^shift or more below the best lower end cannot
win (its logit is strictly below: no tie either), so only the others (the survivors) need
exact logits. Optionally the survivors take the next plane, and the next (staged), before
the exact pass.

Counted on the integer engine's own logits inputs (each position a reply reads; every bound
checked against the exact sums), for groups of g = 4 columns (8 tables of 16 entries: one
page, a mask byte g 16 + m) or g = 8 (planes.s's 4 masks a plane, 4 pages of 256 entries),
entries of one byte (scaled) or two (exact, for comparison), k = 3..6 planes; then fc1's gate
the same way (a row that may be positive needs its exact sum). Then the form built,
kernels/z80/logitplanes.s's lg_select (g = 8, one-byte entries, every row's planes 7..4, then
plane 3, 2, 1, 0 for the rows left; its D_k from S, a little wider than the counts' W_k; LG_ROWS_PAIRED,
the shipped form since the thirty-third round, with the thirty-fourth's LG_STARTS_IN_PAGE and
LG_NEGATIVES_SUBTRACTED and LG_BEST_LOWER: logit_planes.BANK_0_FORM), runs
on every call on the 128K kernels' bench, each call's rows checked against its model
(soulterm/zx/logit_planes.py) and the argmax; its T-states against today's logits' call.

    python benchmarks/z80_logits_planes.py [--everyday] [--prompts FILE] [TEXT ...]
"""

from __future__ import annotations

import numpy as np

from soulterm.player.bench import prompts_from_command_line
from soulterm.soul import intmath, spec
from soulterm.soul.benchmark import shipped_engine
from soulterm.zx.kernelbench import Z80Bench, player_kernel_options, run_matvec
from soulterm.zx.logit_planes import BANK_0_FORM, SELECT_SOURCE, run_select, select_rows
from z80_cheap_bounds import engine_vectors
from z80_coarse_pairs import coarse_call, gate_rows_again

FIRST = spec.FIRST_CHOOSABLE
COLS = spec.EMBED_DIM
ROWS = spec.VOCAB_SIZE - FIRST
TODAY_CALL = 197_830        # the 128K's logits' call, "hello"'s reply steps (z80_step_phases.py, main 067f94b)
TODAY_ARGMAX = 6_016 + 532  # argmax and the bound's look after it (the same), which a survivors' pass replaces



def group_tables(x, g: int, one_byte: bool):
    """(E_g >> s for every group and mask, s, N = the negative x's sum, S = sum |x|)."""
    groups = np.asarray(x, np.int64).reshape(COLS // g, g)
    negative = np.minimum(groups, 0).sum(axis=1)
    sizes = np.abs(groups).sum(axis=1)
    scale = 0
    while one_byte and (sizes >> scale).sum() > 255:
        scale += 1
    masks = np.arange(1 << g)
    bits = (masks[:, None] >> np.arange(g)[None, :]) & 1               # mask, column
    tables = (bits @ groups.T).T - negative[:, None]                    # group, mask: 0..S_g
    return tables >> scale, scale, int(negative.sum()), int(sizes.sum())


def plane_masks(w, g: int):
    """Each row's mask a plane (7 down to 0) and group: rows, 8, groups."""
    u = (np.asarray(w, np.int64) + 128).reshape(len(w), COLS // g, g)
    return np.stack([(((u >> b) & 1) << np.arange(g)).sum(axis=2) for b in range(7, -1, -1)], axis=1)


def plane_sums(w, x, g: int, one_byte: bool):
    """Each row's A_b (planes 7..0, the scaled entries' sums) and the call's s, N, S, G."""
    tables, scale, negative, size = group_tables(x, g, one_byte)
    masks = plane_masks(w, g)
    groups = COLS // g
    sums = tables[np.arange(groups)[None, None, :], masks].sum(axis=2)   # rows, 8
    return sums, scale, negative, size, groups


def interval(sums, scale, negative, size, groups, x, planes: int):
    """Each row's [lower, upper] of sum w x from its top `planes` planes."""
    top = sum((sums[:, i] << scale) << (7 - i) for i in range(planes))
    floors = (256 - (1 << (8 - planes))) * groups * ((1 << scale) - 1)
    rest = ((1 << (8 - planes)) - 1) * size
    constant = 255 * negative - 128 * int(np.sum(x))
    return top + constant, top + constant + floors + rest


def survivors(lower, upper, shift: int, rows):
    """The rows (of `rows`) whose logit may still be the largest: upper + 2^shift > the best lower."""
    best = lower[rows].max()
    return rows[upper[rows] + (1 << shift) > best]


def staged(w, x, shift, g, one_byte, first_planes):
    """Survivors after the first `first_planes` planes for every row, then after each further plane
    for the survivors alone (the lower bounds of all rows stay in the best)."""
    sums, scale, negative, size, groups = plane_sums(w, x, g, one_byte)
    exact = w @ x
    rows, counts = np.arange(FIRST, len(w)), []
    lower_all = None
    for planes in range(first_planes, 9):
        lower, upper = interval(sums, scale, negative, size, groups, x, planes)
        assert (lower <= exact).all() and (exact <= upper).all()
        lower_all = lower if lower_all is None else np.maximum(lower_all, lower)
        best = lower_all[FIRST:].max()
        rows = rows[upper[rows] + (1 << shift) > best]
        winner = FIRST + int(np.argmax(exact[FIRST:] >> shift))
        assert winner in rows, "a bound left out the argmax"
        counts.append(len(rows))
    return counts


def gate_survivors(w, bias, x, shift, g, one_byte, planes):
    """fc1 rows that may be positive ((sum + b) >> shift > 0) by the top planes' upper bounds."""
    sums, scale, negative, size, groups = plane_sums(w, x, g, one_byte)
    lower, upper = interval(sums, scale, negative, size, groups, x, planes)
    exact = w @ x
    assert (lower <= exact).all() and (exact <= upper).all()
    return int((((upper + bias) >> shift) > 0).sum())


def time_exact_rows(w, x, shift: int) -> tuple[int, int]:
    """One row through matvec (an exact call of one row: its preparation) and one more through
    matvec_again (the same x, no preparation), on the 128K's kernels' bench."""
    bench = Z80Bench(options=player_kernel_options("128k"))
    first = run_matvec(bench, w[FIRST:FIRST + 1], x, None, shift)[1]
    again = run_matvec(bench, w[FIRST + 1:FIRST + 2], x, None, shift, routine="matvec_again")[1]
    return first, again


# What a player would add around lg_select (counted, not built): bank 6 paged in and back, lg_x and
# the rows' count set, the one row's id into fw_next.
GLUE_T = 200


def main() -> None:
    prompts = prompts_from_command_line(__doc__.splitlines()[0])
    soul, engine, tokenizer = shipped_engine()
    logits_x, fc1_x = engine_vectors(engine, tokenizer, prompts)
    out, shift = soul["out"].values.astype(np.int64), soul["out"].shift
    sizes = np.abs(logits_x).sum(axis=1)
    print(f"{len(prompts)} prompt(s), {len(logits_x)} logits calls (sum |x| median {np.median(sizes):.0f},"
          f" most {sizes.max()}); survivors a call (of {ROWS}) after k planes for every row, then each"
          " further plane for the survivors (mean; the most in brackets):")
    for g in (4, 8):
        for one_byte in (True, False):
            for first in (3, 4, 5, 6):
                counts = np.array([staged(out, x, shift, g, one_byte, first) for x in logits_x])
                steps = ", ".join(f"{first + i}: {counts[:, i].mean():.2f} ({counts[:, i].max()})"
                                  for i in range(min(3, counts.shape[1])))
                print(f"  g={g} {'1-byte' if one_byte else '2-byte'} entries, k={first}: {steps}")
    print("fc1's gate: rows that may be positive a call (of 64) by the top planes, against the rows today's"
          " coarse gate passes and the rows that are positive:")
    for index, layer in enumerate(engine.layers):
        w1, b1 = layer.fc1_t.T.astype(np.int64), layer.fc1_b.astype(np.int64)
        calls = [x for x in fc1_x[index] if coarse_call(x)]
        positive = np.mean([(((w1 @ x + b1) >> layer.s_fc1) > 0).sum() for x in calls])
        today = np.mean([gate_rows_again(w1, b1, x, layer.s_fc1, 8) for x in calls])
        line = []
        for g, one_byte in ((4, True), (8, True), (8, False)):
            for planes in (4, 5, 6):
                count = np.mean([gate_survivors(w1, b1, x, layer.s_fc1, g, one_byte, planes) for x in calls])
                line.append(f"g={g}{'' if one_byte else ' 2-byte'} k={planes} {count:.1f}")
        print(f"  layer {index} ({len(calls)} calls): positive {positive:.1f}, today's gate {today:.1f}; "
              + ", ".join(line))

    # (BANK_0_FORM: the shipped 128K's form, LG_ROWS_PAIRED since the thirty-third round, zxlogit33, and
    # LG_STARTS_IN_PAGE and LG_NEGATIVES_SUBTRACTED since the thirty-fourth, zxlogit34)
    bench = Z80Bench(extra_source=SELECT_SOURCE, options=player_kernel_options("128k") + BANK_0_FORM)
    rows = out[FIRST:]
    times, left, declined = [], [], 0
    for x in logits_x:
        got, t_states = run_select(bench, rows, x, shift)
        want = select_rows(rows, x, shift, best_lower=True)      # (BANK_0_FORM: LG_BEST_LOWER)
        if got is None:
            assert want is None
            declined += 1
            left.append(ROWS)
        else:
            assert got == want[0], "lg_select differs from its model"
            winner = int(np.argmax(intmath.matvec(rows, 0, x, post=shift)))
            assert winner in got and (len(got) > 1 or got == [winner])
            left.append(len(got))
        times.append(t_states)
    left = np.array(left)
    exact_first, exact_again = time_exact_rows(out, logits_x[0], shift)
    today = TODAY_CALL + TODAY_ARGMAX
    fallback = (left > 1).mean() * today
    cost = np.mean(times) + GLUE_T + fallback
    print(f"lg_select on the Z80 (logitplanes.s, the 128K kernels' bench; every call's rows equal the model's and"
          f" hold the argmax): mean {np.mean(times):,.0f} T-states a call ({min(times):,} to {max(times):,});"
          f" one row left in {(left == 1).sum()} of {len(left)} calls (the most left {left.max()}), {declined} declined")
    print(f"a reply step on the 128K, counted: today's logits' call, argmax and bound {today:,} (z80_step_phases.py,"
          f" \"hello\", main 067f94b) -> lg_select {np.mean(times):,.0f} + {GLUE_T} + today's call where more than one"
          f" row is left ({(left > 1).mean():.3f} of the calls: {fallback:,.0f} a call) = {cost:,.0f}: {today - cost:+,.0f}")
    print(f"(the rows left computed exactly instead, by matvec: the first {exact_first:,} T-states with its column"
          f" pass, each further one by matvec_again {exact_again:,})")


if __name__ == "__main__":
    main()
