"""Narrowness by group, weighed (128K, planes.s): what q, k and v would save if a row skipped planes per 8-column group.

planes.s skips a row's plane 6 only where all 32 weights lie in -64..63 (a narrow row: P'_6 = S' - P'_7). The same
holds group by group: where a group's 8 weights lie in -64..63 its plane-6 mask is its plane-7 mask's complement, so
8 E_7 + 4 E_6 = 4 E_7 + 4 S'_g (E the group's biased table, S'_g its sum |x| and group 3's 2 delta); where they lie in
-32..31 plane 5's is too: 8 E_7 + 4 E_6 + 2 E_5 = 2 E_7 + 6 S'_g. Two forms would use that:
  - A wide row (a group outside -64..63) with n6 groups in -64..63: plane 7's lookups for its 4 - n6 wide groups
    alone, the n6 narrow groups' E_7 in plane 6's place beside the wide ones' E_6, and one more lookup there of a
    16-word table T[W] = sum over W of S'_g (its narrow groups' set W, made once a build): 16 + 1 - n6 lookups for 16;
  - a narrow row with n5 groups in -32..31: plane 7's lookups (at plane 6's weight, as now) for the other 4 - n5, the
    n5 groups' E_7 in plane 5's place, and T[W5] there: 12 + 1 - n5 lookups for 12.
Each such row enters its first plane part-way (a jump, 10 T-states) and leaves the plane with 5 lookups for the
shared code (another, 10); a lookup costs 43. A row takes the form only where it saves. The 16 sums cost a build
about TABLE_BUILD T-states (15 adds and stores, S_g apart), twice a reply step.

This script (1) checks the regrouped Q bit-exact against the Horner planes.s runs (weight_planes' tables, biased
group 3, K' and the narrow start) on random rows of every group mix and random x, and the out against
intmath.matvec; (2) counts on the shipped soul's six matrices (each once a reply step; all but layer 1's q a prompt
position) the rows of each form and the T-states they would save, less the table builds, and the masks that are
constant (all 0 or all 1: their lookup a constant of the build). It builds nothing: the
forms need a row's words in another order by its groups (wp_expand_first and the tape's split masks too).

    python benchmarks/z80_group_narrow.py
"""

from __future__ import annotations

import numpy as np

from soulterm.paths import DEFAULT_SOUL
from soulterm.soul import intmath
from soulterm.soul.soulfile import load_soul
from soulterm.zx import build as zx_build
from soulterm.zx.weight_planes import (LEAST_SHIFT, low_start_in_table, plane_tables, planes_fit,
                                       start_in_table_tables, vector_with_sum)

LOOKUP = 43             # pop hl / ld c,(hl) / inc l / ld b,(hl) / add ix,bc
JUMP = 10               # a jp (or ret) into a plane part-way, and one out of it
TABLE_BUILD = 15 * (11 + 16) + 4 * 20       # T[W] in Gray order, 15 add and store, and S'_g of the 4 groups
GROUPS, COLS = 4, 8


def group_widths(row) -> list[int]:
    """Each group's planes of u = w + 128 that carry information: 5 (-32..31, and 4 counted as 5), 6 or 7."""
    widths = []
    for g in range(GROUPS):
        part = [int(v) for v in row[COLS * g:COLS * (g + 1)]]
        widths.append(5 if all(-32 <= v < 32 for v in part) else 6 if all(-64 <= v < 64 for v in part) else 7)
    return widths


def masks(row) -> dict[tuple[int, int], int]:
    """(plane, group) -> the group's 8-bit mask of u = w + 128's bit `plane`."""
    u = [(int(v) + 128) & 255 for v in row]
    return {(b, g): sum(((u[COLS * g + j] >> b) & 1) << j for j in range(COLS)) for b in range(8) for g in range(GROUPS)}


def horner_top(row, tables, top_start: int, total: int, delta: int) -> int:
    """planes.s's Q as it runs today (narrow rows from S + 2 K' + 2 delta, plane 6 unread)."""
    m = masks(row)
    plane = {b: sum(tables[g][m[b, g]] for g in range(GROUPS)) for b in (7, 6, 5, 4)}
    if all(w < 7 for w in group_widths(row)):
        top = 2 * top_start + total + 2 * delta + plane[7]
    else:
        top = 2 * (top_start + plane[7]) + plane[6]
    return 4 * top + 2 * plane[5] + plane[4]


def form_of(widths: list[int]) -> tuple[str, int]:
    """The row's form and the lookups it saves: ("wide", n6 - 1), ("narrow", n5 - 1) or ("as now", 0)."""
    if any(w == 7 for w in widths):
        return ("wide", sum(w < 7 for w in widths) - 1)
    return ("narrow", sum(w == 5 for w in widths) - 1)


def grouped_top(row, x, tables, top_start: int, total: int, delta: int, constant: bool = True) -> tuple[int, int]:
    """Q by the group forms (where the row's form saves a lookup; else as now) on x's tables, and the lookups it ran;
    without `constant` the T[W] lookup is left out (a broken form, for the tests)."""
    widths, m = group_widths(row), masks(row)
    s_g = [(sum(abs(int(v)) for v in x[COLS * g:COLS * (g + 1)]) + 2 * delta * (g == 3)) * constant
           for g in range(GROUPS)]
    kind, saves = form_of(widths)
    if saves <= 0:
        lookups = 12 if kind == "narrow" else 16
        return horner_top(row, tables, top_start, total, delta), lookups
    if kind == "wide":
        narrow = [g for g in range(GROUPS) if widths[g] < 7]
        slot7 = sum(tables[g][m[7, g]] for g in range(GROUPS) if g not in narrow)
        slot6 = sum(tables[g][m[6, g]] for g in range(GROUPS) if g not in narrow)
        slot6 += sum(tables[g][m[7, g]] for g in narrow) + sum(s_g[g] for g in narrow)     # (+ T[W6])
        top = 2 * (top_start + slot7) + slot6
        lookups = (GROUPS - len(narrow)) + (GROUPS + 1) + 2 * GROUPS
        top = 2 * top + sum(tables[g][m[5, g]] for g in range(GROUPS))
    else:
        fives = [g for g in range(GROUPS) if widths[g] == 5]
        slot6 = sum(tables[g][m[7, g]] for g in range(GROUPS) if g not in fives)
        top = 2 * top_start + total + 2 * delta + slot6
        slot5 = sum(tables[g][m[5, g]] for g in range(GROUPS) if g not in fives)
        slot5 += sum(tables[g][m[7, g]] for g in fives) + sum(s_g[g] for g in fives)       # (+ T[W5])
        top = 2 * top + slot5
        lookups = (GROUPS - len(fives)) + (GROUPS + 1) + GROUPS
    return 2 * top + sum(tables[g][m[4, g]] for g in range(GROUPS)), lookups


def check_model(trials: int = 300) -> int:
    """The grouped Q equals the Horner's on random rows (each group's width drawn apart) and x; the out with the low
    part as planes.s's equals intmath.matvec's."""
    rng = np.random.default_rng(3410)
    rows_checked = 0
    for trial in range(trials):
        x = vector_with_sum(rng, int(rng.integers(1, 4096)), -400, 400)
        if not planes_fit(x, LEAST_SHIFT):
            continue
        _, c_lo, c_hi = plane_tables(x)
        delta, top_start = low_start_in_table(c_lo, c_hi)
        biased = start_in_table_tables(x)
        total = int(np.abs(x).sum())
        for _ in range(4):
            row = np.concatenate([rng.integers(-lim, lim, COLS) for lim in rng.choice([32, 64, 128], GROUPS)])
            got, _ = grouped_top(row, x, biased, top_start, total, delta)
            assert got == horner_top(row, biased, top_start, total, delta), (trial, row)
            m = masks(row)
            low = 0
            for b in (0, 1, 2, 3):
                low = (low + sum(biased[g][m[b, g]] for g in range(GROUPS))) >> 1
            value = (got + low + 32768) % 65536 - 32768
            assert value == int(intmath.matvec(row[None, :], 0, x, post=LEAST_SHIFT)[0]), (trial, row)
            rows_checked += 1
    return rows_checked


def main() -> None:
    print(f"model: {check_model():,} random rows bit-exact (the grouped Q against planes.s's Horner, the out against "
          "intmath.matvec at shift 4)")
    soul = load_soul(DEFAULT_SOUL)
    all_masks = [mask for name in zx_build.PLANES_MATRICES for row in np.asarray(soul[name].values, dtype=np.int64)
                 for mask in masks(row).values()]
    constant = sum(mask in (0, 255) for mask in all_masks)
    print(f"the shipped soul's q, k, v: {constant} of {len(all_masks):,} masks all 0 or all 1 (a lookup a build could "
          "fold into a row's start: too few to pay)")
    step_saving, position_saving = 0, 0
    forms: dict[str, int] = {}
    for name in zx_build.PLANES_MATRICES:
        saved = 0
        for row in np.asarray(soul[name].values, dtype=np.int64):
            kind, saves = form_of(group_widths(row))
            if saves > 0:
                forms[f"{kind} saving {saves}"] = forms.get(f"{kind} saving {saves}", 0) + 1
                saved += saves * LOOKUP - 2 * JUMP
        print(f"  {name}: {saved:,} T-states fewer a call")
        step_saving += saved
        position_saving += saved * (name != "l1.q")
    print("  rows by form: " + ", ".join(f"{kind} {count}" for kind, count in sorted(forms.items())))
    builds = 2 * TABLE_BUILD
    print(f"a reply step: {step_saving:,} fewer in the rows, {builds:,} more in the two builds' T[W]: "
          f"{step_saving - builds:,} net; a prompt position {position_saving - builds:,} net (counted, not built)")


if __name__ == "__main__":
    main()
