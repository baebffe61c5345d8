"""planes.s's byte tables on the 48K (thirty-ninth round, zx48fill39): the fill's "steady rows" form, built on the
kernels' bench, checked and timed against the shipped fill on every group of the turns' inputs.

A row a of a group's table holds E[16 a + b] = A[a] + B[b] (A[a] over x_4..x_7 from -N_g, B[b] over x_0..x_3 from
0: wp_tables' A and B). B ranges over N_lo..P_lo (the sums of x_0..x_3's negative and positive words, S_lo = P_lo -
N_lo their sum |x|), so every entry of the row has A's own high byte, and no low add carries or borrows, exactly where

    |N_lo| <= A_lo <= 255 - P_lo,  i.e.  (A_lo - |N_lo|) mod 256 < 256 - S_lo,

a steady row (none where S_lo > 255). Its entries need no carry: `ld a,e / add a,B_lo / ld (bc),a / ld (hl),d / inc c
/ inc l` (33 T-states) against the shipped `ld a,e / add a,B_lo / ld (bc),a / ld a,d / adc a,B_hi / ld (hl),a / inc c /
inc l` (44; the pages swapped so that the high byte is stored from D), 165 a row fewer, and a row tests itself: `ld a,e
/ sub |N_lo| / cp 256 - S_lo / jr c` (25 or 30 T-states a row more than the shipped loop).

Timed here (one group's table from the same A and B, each form's table checked entry by entry against
weight_planes.plane_tables; CALL and RET included) on every group of every q, k, v and fc1 input of the turns:
  shipped   planes.s's wp_fill (zx48_fill_forms.py's copy): entry 0 A[a] itself, entries 1..15 44 each, 20 a row;
  steady    the row's test, then the steady entries or the shipped ones (with the pages swapped).
What the bench does not run and the player would add is counted from the instructions (STEADY_SETUP): the steady
entries' B_lo immediates (a second `ld (nn),a` for each of the 15 B, 13 T-states each) and the test's two constants a
group from the sums (|N_lo| and 256 - S_lo, S_lo > 255 or |N_lo| > 255 making the group unsteady: ~100).

    python benchmarks/zx48_fill_steady.py [TEXT | --everyday | --prompts FILE]
"""

from __future__ import annotations

import argparse
import collections

import numpy as np

import zx48_fill_forms as forms
from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.player.bench import add_prompt_arguments, chosen_prompts
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx.kernelbench import Z80Bench, player_kernel_options
from soulterm.zx.weight_planes import plane_tables

GENERAL_ENTRY_BYTES = 10        # the steady form's general entry 1..15 (B_lo at +2, B_hi at +6), after entry 0's 5
STEADY_ENTRY_BYTES = 7          # its steady entry 1..15 (B_lo at +2), after entry 0's 5
B_LO_SECOND_STORE = 13          # the player's Gray code: `ld (nn),a` into the steady entry's immediate, a B
STEADY_CONSTANTS = 100          # the test's |N_lo| and 256 - S_lo from the sums, a group (counted)
STEADY_SETUP = 15 * B_LO_SECOND_STORE + STEADY_CONSTANTS
STEADY_ROW_BYTES = 5 + 15 * STEADY_ENTRY_BYTES + 3 + 3     # entry 0, 1..15, `jp nz` and `jp` to the end
STEADY_TEST_BYTES = 7           # `ld a,e / sub n / cp n / jr nc`
STEADY_CONSTANT_BYTES = 25      # |N_lo| and 256 - S_lo from the sums (counted)
STEADY_BYTES = STEADY_ROW_BYTES + STEADY_TEST_BYTES + 15 * 3 + STEADY_CONSTANT_BYTES   # and the B_lo's `ld (nn),a`

STEADY_SOURCE = forms.FORMS_SOURCE + f"""
; steady: BC on the low page, HL on the high page (a steady entry stores A's high byte from D), SP on the A
ff_steady:
        ld (ff_saved_sp),sp
        ld bc,{forms.TABLE_PAGE << 8}
        ld hl,{(forms.TABLE_PAGE + 1) << 8}
        ld sp,{forms.A_LIST}
ff_steady_next:
        pop de
        ld a,e
ff_steady_low:
        sub 0                   ; |N_lo| (patched)
ff_steady_width:
        cp 0                    ; 256 - S_lo (patched; 0 where S_lo > 255 or |N_lo| > 255: no row steady)
        jr nc,ff_general_row    ; (the steady row's code first: within the jr)
        ld a,e                  ; entry 0: A[a]
        ld (bc),a
        ld (hl),d
        inc c
        inc l
ff_steady_entries:
        .repeat 15
        ld a,e
        add a,0
        ld (bc),a
        ld (hl),d
        inc c
        inc l
        .endrepeat
        jp nz,ff_steady_next
        jp ff_steady_done
ff_general_row:
        ld a,e                  ; entry 0: A[a]
        ld (bc),a
        ld (hl),d
        inc c
        inc l
ff_general_entries:
        .repeat 15
        ld a,e
        add a,0
        ld (bc),a
        ld a,d
        adc a,0
        ld (hl),a
        inc c
        inc l
        .endrepeat
        jp nz,ff_steady_next
ff_steady_done:
        ld sp,(ff_saved_sp)
        ret
"""


def group_x(x, group: int) -> list[int]:
    """Group GROUP's 8 words of x, as group_sums reads group 0's."""
    return [int(v) for v in x[8 * group:8 * group + 8]]


def steady_constants(low_x) -> tuple[int, int]:
    """The row test's |N_lo| and 256 - S_lo from x_0..x_3 (0 and 0 where no row can be steady: S_lo > 255, or S_lo = 0,
    whose 256 the byte cannot hold: every row then takes the shipped entries, exact either way)."""
    negative = -sum(v for v in low_x if v < 0)
    total = sum(abs(v) for v in low_x)
    if total > 255 or total == 0:
        return 0, 0
    return negative, 256 - total


def steady_rows(a_sums, b_sums) -> int:
    """The rows of one group's table whose 16 entries share A[a]'s high byte (no low add carries or borrows)."""
    return sum(all(0 <= (a & 255) + b <= 255 for b in b_sums) for a in a_sums)


def patch_steady(bench: Z80Bench, a_sums, b_sums, low_x) -> None:
    """The A list (zx48_fill_forms.patch_forms: the shipped form's too), the steady form's B immediates and constants."""
    forms.patch_forms(bench, a_sums, b_sums)
    for b, value in enumerate(b_sums[1:], start=1):
        general = bench.sym("ff_general_entries") + GENERAL_ENTRY_BYTES * (b - 1)
        bench.poke(general + 2, [value & 255])
        bench.poke(general + 6, [value >> 8 & 255])
        bench.poke(bench.sym("ff_steady_entries") + STEADY_ENTRY_BYTES * (b - 1) + 2, [value & 255])
    low, width = steady_constants(low_x)
    bench.poke(bench.sym("ff_steady_low") + 1, [low])
    bench.poke(bench.sym("ff_steady_width") + 1, [width])


def time_group(bench: Z80Bench, x, group: int) -> dict[str, int]:
    """Both forms' T-states on group GROUP of x, each table checked against plane_tables."""
    words = group_x(x, group)
    as_group_0 = np.asarray(words + [0] * 24, dtype=np.int64)
    a_sums, b_sums = forms.group_sums(as_group_0)
    want = plane_tables(as_group_0)[0][0]
    patch_steady(bench, a_sums, b_sums, words[:4])
    times = {}
    for name, routine in (("shipped", "ff_shipped"), ("steady", "ff_steady")):
        bench.poke(forms.TABLE_PAGE << 8, bytes(512))
        times[name] = bench.call(routine)
        assert forms.filled(bench) == want, name
    times["steady rows"] = steady_rows(a_sums, b_sums)
    return times


def steady_bench() -> Z80Bench:
    return Z80Bench(extra_source=STEADY_SOURCE, options=player_kernel_options("48k"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_prompt_arguments(parser)
    args = parser.parse_args()
    xs = forms.table_inputs(load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER), chosen_prompts(args))
    bench = steady_bench()
    sums = collections.Counter()
    for x in xs:
        for group in range(4):
            sums.update(time_group(bench, x, group))
    groups = 4 * len(xs)
    shipped, steady = sums["shipped"] / groups, sums["steady"] / groups
    print(f"{len(xs)} wp_tables calls (q, k, v and fc1 inputs of {len(chosen_prompts(args))} turn(s)), {groups} groups")
    print(f"steady rows: {sums['steady rows']:,} of {16 * groups:,} ({sums['steady rows'] / (16 * groups):.0%})")
    print("one group's table (each checked against plane_tables), T-states a group (CALL and RET included):")
    print(f"  shipped   {shipped:9,.0f}")
    print(f"  steady    {steady:9,.0f}  ({steady - shipped:+,.0f} a group on the bench)")
    net = steady - shipped + STEADY_SETUP
    print(f"  with the player's set-up (counted, {STEADY_SETUP} a group): {net:+,.0f} a group, {4 * net:+,.0f} a call, "
          f"{16 * net:+,.0f} a reply step (4 calls); ~{STEADY_BYTES} bytes")


if __name__ == "__main__":
    main()
