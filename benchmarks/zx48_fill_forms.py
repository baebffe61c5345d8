"""planes.s's byte tables on the 48K (thirty-seventh round, zx48fill37): where wp_tables' T-states go, and the fill's
forms weighed on the kernels' bench.

First, wp_tables on the 48K player's own program (kernelbench.player_bench) for every q, k, v and fc1 input of the
turns (the engine's xn and yn, "hello" by default, `--everyday` the ten's): T-states a call by routine (the code label
at or below each instruction), the fill (wp_fill) apart from the sums and Gray codes around it.

Then one group's table (its 256 entries E = A[a] + B[b], m = 16 a + b: low bytes on one page, high bytes on the next)
filled three ways from the same A[0..15] and B[0..15] (group 0 of each call's x), each checked entry by entry against
weight_planes.plane_tables and timed on the bench (CALL and RET included):
  shipped   planes.s's wp_fill: a row's entries 1..15 `ld a,e / add a,B_lo / ld (hl),a / ld a,d / adc a,B_hi /
            ld (bc),a / inc l / inc c` (44), its entry 0 A[a] itself (B[0] = 0: `ld (hl),e / ld a,d / ld (bc),a /
            inc l / inc c`, 26), the A popped (`pop de / jp nz`, 20 a row);
  pushed    the low page by pushed pairs (`ld a,e / add a,B_lo / ld b,a`, the high byte `ld a,d / adc a,B_hi /
            ld (hl),a / dec l`, two entries and a `push bc`: 85 a pair against 88; entry 0 `ld c,e / ld (hl),d /
            dec l`), SP on the low page, so that the A come through the alternate set and the row's own place
            (logitbytes48.s's R: 51 a row against 10), and the loop tests L (`ld a,l / inc a / jp nz`);
  two-pass  both pages by pushed pairs, a pass each (the low bytes need no carry: 41 a pair; the high bytes recompute
            it: 63; entry 0 `ld c,e` and `ld c,d`), the A as in `pushed` for each pass.
And the entries the rows can read: each group's distinct masks over the shipped soul's q, k and v rows of a layer (a
narrow row without plane 6) and its fc1 rows (all 8 planes: the gate reads fewer); and how many groups have S_g <= 255 (no high byte set: only there could a pair's two low bytes be one 16-bit add,
(e:e) + (B_lo[b+1]:B_lo[b]), without a carry between them), S_g <= 511 and both halves' sum |x| <= 255.

    python benchmarks/zx48_fill_forms.py [TEXT | --everyday | --prompts FILE]
"""

from __future__ import annotations

import argparse
import bisect
import collections

import numpy as np

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.player.bench import add_prompt_arguments, chosen_prompts
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx.kernelbench import _CORE_FRAME, Z80Bench, player_bench, player_kernel_options
from soulterm.zx.weight_planes import MOST_SUM, plane_tables, turn_inputs

TABLE_PAGE = 0xC0               # the forms' table: low bytes on $C000, high bytes on $C100
A_LIST = 0xC300                 # A[0..15] as words (a page of its own: the alternate set walks it by dec l)
ENTRY_BYTES = 10                # the shipped fill's bytes an entry 1..15 (B_lo at +2, B_hi at +6), after entry 0's 5
PAIR_BYTES = 19                 # `pushed`'s bytes a pair (B_lo at +2 and +11, B_hi at +6 and +15; odd entry first)
ROW_START_BYTES = 8             # a pushed row's A through the alternate set and its own place
LOW_PAIR_BYTES = 9              # `two-pass`'s low pass a pair (B_lo at +2 and +6)
HIGH_PAIR_BYTES = 15            # its high pass a pair (B_lo at +2 and +9, B_hi at +5 and +12)

FORMS_SOURCE = f"""
ff_saved_sp:    .word 0
; shipped: planes.s's wp_fill
ff_shipped:
        ld (ff_saved_sp),sp
        ld hl,{TABLE_PAGE << 8}
        ld b,h
        inc b
        ld c,l
        ld sp,{A_LIST}
        pop de
ff_shipped_row:
        ld (hl),e
        ld a,d
        ld (bc),a
        inc l
        inc c
        .repeat 15
        ld a,e
        add a,0
        ld (hl),a
        ld a,d
        adc a,0
        ld (bc),a
        inc l
        inc c
        .endrepeat
        pop de
        jp nz,ff_shipped_row
        ld sp,(ff_saved_sp)
        ret
; pushed: the low page's pairs pushed down it, the high bytes stored down theirs, rows 15..0
ff_pushed:
        ld (ff_saved_sp),sp
        exx
        ld hl,{A_LIST + 31}     ; (A[15]'s high byte first, down)
        exx
        ld hl,{(TABLE_PAGE + 1) << 8 | 255}
        ld sp,{(TABLE_PAGE + 1) << 8}
ff_pushed_row:
        exx
        ld d,(hl)
        dec l
        ld e,(hl)
        dec l
        push de                 ; A[a] through the row's own place (its pushes overwrite it)
        exx
        pop de
        .repeat 7               ; entries 15, 14 .. 3, 2 of the row
        ld a,e
        add a,0
        ld b,a
        ld a,d
        adc a,0
        ld (hl),a
        dec l
        ld a,e
        add a,0
        ld c,a
        ld a,d
        adc a,0
        ld (hl),a
        dec l
        push bc
        .endrepeat
        ld a,e                  ; 1
        add a,0
        ld b,a
        ld a,d
        adc a,0
        ld (hl),a
        dec l
        ld c,e                  ; 0: A[a]
        ld (hl),d
        dec l
        push bc
        ld a,l
        inc a
        jp nz,ff_pushed_row     ; (L past entry 0: $FF)
        ld sp,(ff_saved_sp)
        ret
; two-pass: the low page's pairs, then the high page's, each pushed down its page, rows 15..0
ff_low_pass:
        ld (ff_saved_sp),sp
        exx
        ld hl,{A_LIST + 31}
        ld b,16
        exx
        ld sp,{(TABLE_PAGE + 1) << 8}
ff_low_row:
        exx
        ld d,(hl)
        dec l
        ld e,(hl)
        dec l
        push de
        exx
        pop de
        .repeat 7
        ld a,e
        add a,0
        ld b,a
        ld a,e
        add a,0
        ld c,a
        push bc
        .endrepeat
        ld a,e
        add a,0
        ld b,a
        ld c,e
        push bc
        exx
        dec b
        exx
        jp nz,ff_low_row
ff_high_pass:
        exx
        ld hl,{A_LIST + 31}
        ld b,16
        exx
        ld sp,{(TABLE_PAGE + 2) << 8}
ff_high_row:
        exx
        ld d,(hl)
        dec l
        ld e,(hl)
        dec l
        push de
        exx
        pop de
        .repeat 7
        ld a,e
        add a,0
        ld a,d
        adc a,0
        ld b,a
        ld a,e
        add a,0
        ld a,d
        adc a,0
        ld c,a
        push bc
        .endrepeat
        ld a,e
        add a,0
        ld a,d
        adc a,0
        ld b,a
        ld c,d
        push bc
        exx
        dec b
        exx
        jp nz,ff_high_row
        ld sp,(ff_saved_sp)
        ret
"""


def group_sums(x) -> tuple[list[int], list[int]]:
    """Group 0's A[a] (from -N_0 over x_4..x_7) and B[b] (from 0 over x_0..x_3), as wp_tables makes them."""
    xs = [int(v) for v in x[:8]]
    negative = sum(v for v in xs if v < 0)
    a_sums = [-negative + sum(xs[4 + j] for j in range(4) if a >> j & 1) for a in range(16)]
    b_sums = [sum(xs[j] for j in range(4) if b >> j & 1) for b in range(16)]
    return a_sums, b_sums


def patch_forms(bench: Z80Bench, a_sums, b_sums) -> None:
    """The A list, and each form's B immediates."""
    bench.write_words(A_LIST, np.asarray(a_sums, dtype=np.int64))
    assert b_sums[0] == 0, "every form's entry 0 is A[a] itself"
    for b, value in enumerate(b_sums[1:], start=1):
        low, high = value & 255, value >> 8 & 255
        at = bench.sym("ff_shipped_row") + 5 + ENTRY_BYTES * (b - 1)
        bench.poke(at + 2, [low])
        bench.poke(at + 6, [high])
        pair = (15 - b) // 2                    # (pairs from b = 15, 14 down; the odd entry first in a pair)
        at = bench.sym("ff_pushed_row") + ROW_START_BYTES + PAIR_BYTES * pair + (0 if b & 1 else 9)
        bench.poke(at + 2, [low])
        bench.poke(at + 6, [high])
        at = bench.sym("ff_low_row") + ROW_START_BYTES + LOW_PAIR_BYTES * pair + (0 if b & 1 else 4)
        bench.poke(at + 2, [low])
        at = bench.sym("ff_high_row") + ROW_START_BYTES + HIGH_PAIR_BYTES * pair + (0 if b & 1 else 7)
        bench.poke(at + 2, [low])
        bench.poke(at + 5, [high])


def filled(bench: Z80Bench) -> list[int]:
    low, high = bench.peek(TABLE_PAGE << 8, 256), bench.peek((TABLE_PAGE + 1) << 8, 256)
    return [low[m] | high[m] << 8 for m in range(256)]


def time_forms(bench: Z80Bench, x) -> dict[str, int]:
    """Each form's T-states on group 0 of x, its table checked against plane_tables."""
    want = plane_tables(x)[0][0]
    patch_forms(bench, *group_sums(x))
    times = {}
    for name, routine in (("shipped", "ff_shipped"), ("pushed", "ff_pushed"), ("two-pass", "ff_low_pass")):
        bench.poke(TABLE_PAGE << 8, bytes(512))
        times[name] = bench.call(routine)
        assert filled(bench) == want, name
    return times


def wp_tables_by_routine(bench: Z80Bench, xs) -> collections.Counter:
    """wp_tables' T-states on each x by routine (the code label at or below each instruction), summed."""
    names = sorted((value, name) for name, value in bench.symbols.items() if isinstance(value, int)
                   and name.startswith("wp_") and bench.program.origin <= value < bench.program.end)
    addresses = [address for address, _ in names]
    counts, cpu = collections.Counter(), bench.cpu
    for x in xs:
        bench.write_words(bench.sym("fw_xn"), np.asarray(x, dtype=np.int64))
        bench.poke_word(bench.sym("wp_x"), bench.sym("fw_xn"))
        bench.poke_word(bench.stack_top - 2, bench.trap)
        cpu.sp, cpu.pc = bench.stack_top - 2, bench.sym("wp_tables")
        cpu.iff1 = cpu.iff2 = 0
        while cpu.pc != bench.trap:
            pc, before = cpu.pc, cpu.frame_tick
            cpu.ticks_to_stop = 1
            cpu.run()
            counts[names[max(0, bisect.bisect_right(addresses, pc) - 1)][1]] += (cpu.frame_tick - before) % _CORE_FRAME
        assert not cpu.f & 1, "a declined x"
    return counts


def distinct_masks(rows, planes_of_row) -> list[int]:
    """Each group's distinct plane masks over `rows` (u = w + 128; fc1's u' = 127 - w has the complements: as many)."""
    seen = [set() for _ in range(4)]
    for row in rows:
        u = (np.asarray(row, dtype=np.int64) + 128) & 255
        for plane in planes_of_row(row):
            for group in range(4):
                seen[group].add(sum((int(u[8 * group + j]) >> plane & 1) << j for j in range(8)))
    return [len(found) for found in seen]


def table_inputs(soul, tokenizer, prompts) -> list:
    """The x of every wp_tables call of the prompts' turns (q, k, v and fc1 inputs, sum |x| <= MOST_SUM)."""
    engine = Engine(soul)
    xs = []
    for prompt in prompts:
        reply = engine.reply(tokenizer, prompt)
        calls = turn_inputs(engine, reply.context + reply.ids)
        xs += [x for _, name, x in calls if name.endswith((".qkv", ".fc1_w")) and np.abs(x).sum() <= MOST_SUM]
    return xs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_prompt_arguments(parser)
    args = parser.parse_args()
    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    xs = table_inputs(soul, tokenizer, chosen_prompts(args))
    print(f"{len(xs)} wp_tables calls (q, k, v and fc1 inputs of {len(chosen_prompts(args))} turn(s), sum |x| <= {MOST_SUM:,})")
    counts = wp_tables_by_routine(player_bench(soul, tokenizer), xs)
    total = sum(counts.values())
    print(f"wp_tables on the 48K player: {total / len(xs):,.0f} T-states a call (RET included, not the CALL)")
    for name, t_states in counts.most_common():
        print(f"  {name:24s} {t_states / len(xs):9,.0f}")
    bench = Z80Bench(extra_source=FORMS_SOURCE, options=player_kernel_options("48k"))
    sums = collections.Counter()
    for x in xs:
        sums.update(time_forms(bench, x))
    for layer in range(2):
        qkv = np.concatenate([soul[f"l{layer}.{name}"].values for name in "qkv"])
        read = distinct_masks(qkv, lambda row: [p for p in range(8) if p != 6 or not -64 <= row.min() <= row.max() <= 63])
        fc1 = distinct_masks(soul[f"l{layer}.fc1_w"].values, lambda row: range(8))
        print(f"layer {layer}: entries of 256 a group the rows can read: q, k, v {read}, fc1 at most {fc1}")
    group_sums_abs = [int(np.abs(x[8 * g:8 * g + 8]).sum()) for x in xs for g in range(4)]
    halves = [max(int(np.abs(x[8 * g:8 * g + 4]).sum()), int(np.abs(x[8 * g + 4:8 * g + 8]).sum()))
              for x in xs for g in range(4)]
    print(f"groups: {len(group_sums_abs)}; S_g <= 255 (every high byte 0, no carry between a pair's low bytes): "
          f"{sum(s <= 255 for s in group_sums_abs)}; S_g <= 511: {sum(s <= 511 for s in group_sums_abs)}; "
          f"both halves' sum |x| <= 255 (the A and B high bytes 0): {sum(h <= 255 for h in halves)}")
    shipped = sums["shipped"] / len(xs)
    print("one group's table, three fills (each checked against plane_tables), T-states a group (four a call):")
    for name in ("shipped", "pushed", "two-pass"):
        mean = sums[name] / len(xs)
        print(f"  {name:9s} {mean:9,.0f}  ({mean - shipped:+,.0f} a group, {4 * (mean - shipped):+,.0f} a call)")


if __name__ == "__main__":
    main()
