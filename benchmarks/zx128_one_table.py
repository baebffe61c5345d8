"""The 128K's pl_keys on one table of a head's 256 subset sums, built and measured beside the player's two tables.

Runs each turn on the 128K player's own program (kernelbench.player_bench, as z80_token.py; every step checked
against the engine) and single-steps each reply step (forward_step). At each head that pl_keys scores it takes what
pl_keys reads (at_count, pl_prepare's two tables of 16 sums, the head's keys' planes in bank 4) and, once the
head's scores are made (at_short_weights' entry), what it wrote (pl_scores, at_max) and the T-states from
pl_prepare's entry (the two tables' form: pl_prepare and pl_keys, with pl_wide_q's way where q is wide). Then it runs
the one-table form, ONE_TABLE_SOURCE below, on a Z80 of its own with the same tables and planes: ot_scores fills
T[n][m] = T_hi[n] + T_lo[m] (row n at the page that is the keys' T_hi index byte, 16 pushes from T_hi[n] by Gray
steps of q[0..3], 459 T-states a row) and scores the keys with one lookup a plane (`pop hl`: the key's two index
bytes are the entry's address; 56 T-states a plane against 98). Each head's scores and max must be the player's (the
form is exact: R gains the same P_b, T_lo + T_hi added once in the fill, and 16-bit sums do not depend on the order). A head on the one-table form runs pl_prepare as the player
does (its range checks and the two tables, which the fill reads) and then ot_scores in place of pl_keys; each head
pays CHOICE to choose its form by at_count.

The rows lie at the T_hi index bytes' pages, offset by T_lo's index bytes: on the player those are pl_tables' page
offsets ($80 + 2 n, $60 + 2 m), where no 16 pages of bank 4 have room; the run here puts them in a 64K of its own, its
rows' entries in reverse order (pl_store's T_lo index byte xor 30, as the complemented planes' is: the fill starts a
row from T_hi[n] alone) and the planes' bytes so. A player would need the rows' 16 pages with 32 bytes free at one
offset (LAYOUT_NOTE) and its own form's costs besides: SCORES_APART a key of the two tables' form where the scores
leave pl_tables' page (its top is where T_hi's offsets, bank 4's pages, would lie).

Prints a line a prompt (a reply step's means: the two tables' form measured, the one-table form on every head, the
cheaper form chosen a head by at_count >= the best threshold over the prompts, with and without SCORES_APART), the
medians, each threshold's total, the last steps of the longest turn, the two forms' lines fitted a head and a key,
the fill alone and the choice priced with a fill at its least (FILL_ENTRY an entry).

    python benchmarks/zx128_one_table.py [TEXT | --everyday | --prompts FILE]
"""

from __future__ import annotations

import statistics

from soulterm.asm import assemble
from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.player.bench import prompts_from_command_line
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx.kernelbench import _CORE_FRAME, CALL_T_STATES, Z80Bench, forward_turn, has_records, player_bench

CHOICE = 17                     # `cp n / jp nc,ot_scores` after pl_keys' `ld a,(at_count)`: every head, either form
SCORES_APART = 8                # the two tables' form with its scores a page on: `inc h` at the store, `dec h` after
LAYOUT_NOTE = ("16 pages at T_hi's index bytes (stride 2) with 32 bytes free at T_lo's offset: bank 4 has its fc1 "
               "tables' 8 scratch pages ($F4-$F7, $FC-$FF) and its 796 free bytes ($C000-$C31B) at run time")
FILL_ENTRY = 22                 # the least an entry of the fill could take: add hl,rr / push hl
SP_SAVED = 20                   # ot_scores' `ld (ot_sp),sp`, which the player's pl_prepare has done (at_fast_sp)
PLANES_AT = 0xC000              # the head's planes on the run's own Z80
ORIGIN = 0x6000

# The one-table form. OT_LO / OT_HI: pl_prepare's tables (T_lo[m] at OT_LO + 2 m, T_hi[n] at OT_HI + 2 n);
# OT_LO_OFFSET / OT_HI_OFFSET their page offsets, the keys' index bytes' bases; OT_SCORES: the scores' page (the
# last score at its end, as pl_scores). The rows: row n at page OT_HI_OFFSET + 2 n, T[n][m] at offset
# OT_LO_OFFSET + 30 - 2 m (T_lo's index byte xor 30): pushed from T[n][0] = T_hi[n] up m by m, each step
# m -> m + 1 adding q[t] less q[0..t-1] (t the lowest set bit of m + 1: BC for t = 0, DE for 1, immediates for 2, 3).
ONE_TABLE_SOURCE = """
        .cpu z80
        .org ${origin:04X}
OT_LO           = ${lo:04X}
OT_HI           = ${hi:04X}
OT_LO_OFFSET    = OT_LO & 255
OT_HI_OFFSET    = OT_HI & 255
OT_SCORES       = ${scores:04X}
PL_NO_MAX       = $F000
ot_scores:                      ; the fill, then the keys (as pl_prepare falls into pl_keys)
        ld (ot_sp),sp
        ld hl,(OT_LO + 2 * 8)   ; d3 = q3 - (q0 + q1 + q2) = T_lo[8] - T_lo[7]
        ld de,(OT_LO + 2 * 7)
        or a
        sbc hl,de
        ld (ot_d3 + 1),hl
        ld hl,(OT_LO + 2 * 4)   ; d2 = q2 - (q0 + q1) = T_lo[4] - T_lo[3]
        ld de,(OT_LO + 2 * 3)
        or a
        sbc hl,de
        ld (ot_d2a + 1),hl
        ld (ot_d2b + 1),hl
        ld bc,(OT_LO + 2 * 1)   ; BC = d0 = q0 through the rows
        ld hl,(OT_LO + 2 * 2)   ; d1 = q1 - q0
        or a
        sbc hl,bc
        ld (ot_d1a + 1),hl
        ld (ot_d1b + 1),hl
        ld (ot_d1c + 1),hl
        ex de,hl                ; DE = d1 through the rows
        .repeat 16, row
        ld sp,(OT_HI_OFFSET + 2 * row) * 256 + OT_LO_OFFSET + 32
        ld hl,(OT_HI + 2 * row)
        .if row < 15
        ld ix,* + 7             ; (the next row's stub: past this ld ix and the jp)
        .else
        ld ix,ot_keys
        .endif
        jp ot_row
        .endrepeat
ot_row:                         ; T[n][0..15] pushed down the row's 32 bytes
        push hl
        add hl,bc
        push hl
        add hl,de
        push hl
        add hl,bc
        push hl
ot_d2a:
        ld de,0
        add hl,de
ot_d1a:
        ld de,0
        push hl
        add hl,bc
        push hl
        add hl,de
        push hl
        add hl,bc
        push hl
ot_d3:
        ld de,0
        add hl,de
ot_d1b:
        ld de,0
        push hl
        add hl,bc
        push hl
        add hl,de
        push hl
        add hl,bc
        push hl
ot_d2b:
        ld de,0
        add hl,de
ot_d1c:
        ld de,0
        push hl
        add hl,bc
        push hl
        add hl,de
        push hl
        add hl,bc
        push hl
        jp (ix)
ot_keys:                        ; pl_keys' scores and max, a plane one lookup
        ld a,(ot_count)
        add a,a
        neg
        ld b,a                  ; B = key 0's score's low byte
        ld ix,PL_NO_MAX
        ld sp,(ot_planes)
ot_key:
        pop hl                  ; plane 0: L = T_lo's index, H = T_hi's: T[n][m]'s address
        ld a,(hl)
        inc l
        ld c,(hl)
        .repeat 9
        pop hl
        sra c
        rra
        add a,(hl)
        inc l
        ld e,a
        ld a,c
        adc a,(hl)
        ld c,a
        ld a,e
        .endrepeat
        pop hl                  ; plane 10: an 11-plane key's last, complemented; a 12-plane key's, marked
        sra c
        rra
        bit 0,l
        jr nz,ot_twelve
        sub (hl)
        inc l
        ld e,a
        ld a,c
        sbc a,(hl)
        ld c,a
        ld a,e
        pop hl                  ; (the twelfth slot)
        sra c
        rra
ot_three_shifts:
        .repeat 3
        sra c
        rra
        .endrepeat
        ld h,OT_SCORES >> 8
        ld l,b
        ld (hl),a
        .byte $DD,$95           ; sub ixl
        ld a,c
        .byte $DD,$9C           ; sbc a,ixh
        jp m,ot_smaller
        ld a,(hl)
        .byte $DD,$6F           ; ld ixl,a
        .byte $DD,$61           ; ld ixh,c
ot_smaller:
        inc l
        ld (hl),c
        inc l
        ld b,l
        jp nz,ot_key
        ld sp,(ot_sp)
        ld (ot_max),ix
        .byte $DD,$7C           ; ld a,ixh
        rla
        sbc a,a
        ld (ot_max+2),a
        ld (ot_max+3),a
        scf
        ret
ot_twelve:                      ; plane 10 plain (its mark off), plane 11 complemented
        dec l
        add a,(hl)
        inc l
        ld e,a
        ld a,c
        adc a,(hl)
        ld c,a
        ld a,e
        pop hl
        sra c
        rra
        sub (hl)
        inc l
        ld e,a
        ld a,c
        sbc a,(hl)
        ld c,a
        ld a,e
        jr ot_three_shifts
ot_sp:          .word 0
ot_planes:      .word 0
ot_count:       .byte 0
ot_max:         .word 0, 0
"""


def one_table_bench(player) -> Z80Bench:
    """ONE_TABLE_SOURCE assembled for the player's pl_tables and pl_scores' page, on a Z80 of its own."""
    lo = player.sym("pl_tables")
    source = ONE_TABLE_SOURCE.format(origin=ORIGIN, lo=lo, hi=lo + 32, scores=player.sym("pl_scores") & 0xFF00)
    return Z80Bench(program=assemble(source, filename="<zx128_one_table>", cpu="z80"))


def fill_t_states(ot: Z80Bench) -> int:
    """ot_scores' fill alone (no branch: the same T-states on every head), to ot_keys' entry, less SP_SAVED."""
    cpu = ot.cpu
    ot.poke_word(ot.stack_top - 2, ot.trap)
    cpu.sp, cpu.pc = ot.stack_top - 2, ot.sym("ot_scores")
    total = 0
    while cpu.pc != ot.sym("ot_keys"):
        before = cpu.frame_tick
        cpu.ticks_to_stop = 1
        cpu.run()
        total += (cpu.frame_tick - before) % _CORE_FRAME
    return total - SP_SAVED


def capture_heads(bench, prompts, tokenizer, engine) -> list[list[dict]]:
    """Each reply step's heads that pl_keys scored: count, tables, planes, the player's scores, max and T-states
    (pl_prepare's entry to pl_keys', and to at_short_weights')."""
    sym = bench.sym
    prepare, keys, weights = sym("pl_prepare"), sym("pl_keys"), sym("at_short_weights")
    tables, scores_end = sym("pl_tables"), sym("pl_scores") + 2 * sym("AT_MAX_POSITIONS")
    key_bytes = sym("PL_KEY_BYTES")
    steps = []
    plain_call = bench.call

    def call(routine, max_t_states=50_000_000, interrupts=False):
        if routine != "forward_step":
            return plain_call(routine, max_t_states, interrupts)
        cpu = bench.cpu
        bench.poke_word(bench.stack_top - 2, bench.trap)
        cpu.sp, cpu.pc = bench.stack_top - 2, sym("forward_step")
        cpu.iff1 = cpu.iff2 = 0
        total, head, heads = 0, None, []
        while cpu.pc != bench.trap:
            pc = cpu.pc
            if pc == prepare:
                head = {"start": total}
            elif pc == keys and head is not None:
                count = bench.memory[sym("at_count")]
                planes = int.from_bytes(bench.peek(sym("pl_planes"), 2), "little")
                head.update(prepare=total - head["start"], count=count, tables=bench.peek(tables, 64),
                            planes=bench.peek(planes, count * key_bytes))
            elif pc == weights and head is not None and "count" in head:
                head.update(form=total - head["start"],
                            scores=bench.peek(scores_end - 2 * head["count"], 2 * head["count"]),
                            max=bench.peek(sym("at_max"), 4))
                heads.append(head)
                head = None
            before = cpu.frame_tick
            cpu.ticks_to_stop = 1
            cpu.run()
            total += (cpu.frame_tick - before) % _CORE_FRAME
        bench.t_states += total + CALL_T_STATES
        steps.append(heads)
        return total + 2 * CALL_T_STATES

    bench.call = call
    for prompt in prompts:
        forward_turn(bench, engine, tokenizer.encode_turn(prompt), records=has_records(bench))
    bench.call = plain_call
    return steps


def one_table_head(ot: Z80Bench, head: dict) -> int:
    """ot_scores on a captured head: its T-states as pl_keys' (no CALL: pl_prepare falls in), checked exact."""
    ot.poke(ot.sym("OT_LO"), head["tables"])
    planes = bytearray(head["planes"])
    planes[0::2] = bytes(byte ^ 30 for byte in planes[0::2])       # (T_lo's index bytes for the reversed rows)
    ot.poke(PLANES_AT, planes)
    ot.poke_word(ot.sym("ot_planes"), PLANES_AT)
    ot.poke(ot.sym("ot_count"), [head["count"]])
    t_states = ot.call("ot_scores") - CALL_T_STATES - SP_SAVED
    end = (ot.sym("OT_SCORES") & 0xFF00) + 0x100
    assert ot.peek(end - 2 * head["count"], 2 * head["count"]) == head["scores"], "the one table's scores"
    assert ot.peek(ot.sym("ot_max"), 4) == head["max"], "the one table's max"
    return t_states


def priced(steps, ot: Z80Bench) -> list[list[tuple[int, int, int, int]]]:
    """(count, the two tables' T-states, the one table's, pl_prepare's) a head, by step."""
    priced_steps = []
    for heads in steps:
        priced_steps.append([])
        for head in heads:
            one = head["prepare"] + one_table_head(ot, head)
            priced_steps[-1].append((head["count"], head["form"], one, head["prepare"]))
    return priced_steps


def per_key(heads) -> tuple[float, float]:
    """(a head's, a key's) T-states: the least-squares line through (count, T-states) pairs."""
    counts = [count for count, _ in heads]
    mean_count, mean_t = statistics.mean(counts), statistics.mean(t for _, t in heads)
    slope = (sum((count - mean_count) * (t - mean_t) for count, t in heads)
             / sum((count - mean_count) ** 2 for count in counts))
    return mean_t - slope * mean_count, slope


def step_cost(heads, threshold: int, apart: bool, fill_less: int = 0) -> int:
    """A step's heads on the cheaper form by at_count (the one table from `threshold` keys, its fill `fill_less`
    T-states cheaper than ONE_TABLE_SOURCE's), CHOICE each; with `apart`, SCORES_APART a key on the two tables'
    form."""
    return sum(CHOICE + (one - fill_less if count >= threshold else two + apart * SCORES_APART * count)
               for count, two, one, _ in heads)


def main() -> None:
    prompts = prompts_from_command_line(__doc__.splitlines()[0])
    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    bench = player_bench(soul, tokenizer, "128k")
    ot = one_table_bench(bench)
    engine = Engine(soul)
    turns = [priced(capture_heads(bench, [prompt], tokenizer, engine), ot) for prompt in prompts]
    most = max(count for steps in turns for heads in steps for count, _, _, _ in heads)
    player = sum(two for steps in turns for heads in steps for _, two, _, _ in heads)
    totals = {threshold: sum(step_cost(heads, threshold, False) for steps in turns for heads in steps) - player
              for threshold in range(1, most + 2)}
    best = min(totals, key=totals.get)
    print(f"{'prompt':22} {'steps':>5} {'keys':>5} {'two tables':>10} {'one table':>10} {'chosen':>9} "
          f"{'apart':>9}  (a reply step's heads; the choice: the one table from {best} keys)")
    rows = []
    for prompt, steps in zip(prompts, turns):
        n = len(steps)
        two = sum(form for heads in steps for _, form, _, _ in heads) / n
        one = sum(form for heads in steps for _, _, form, _ in heads) / n
        chosen = sum(step_cost(heads, best, False) for heads in steps) / n - two
        apart = sum(step_cost(heads, best, True) for heads in steps) / n - two
        keys = statistics.mean(count for heads in steps for count, _, _, _ in heads)
        rows.append((two, one - two, chosen, apart))
        print(f"{prompt[:22]:22} {n:>5} {keys:>5.1f} {two:>10,.0f} {one - two:>+10,.0f} {chosen:>+9,.0f} "
              f"{apart:>+9,.0f}")
    median = [statistics.median(row[i] for row in rows) for i in range(4)]
    print(f"{len(prompts)} prompts, medians: the two tables {median[0]:,.0f} a reply step; the one table on every "
          f"head {median[1]:+,.0f}, chosen {median[2]:+,.0f}, chosen with the scores apart {median[3]:+,.0f}")
    print("each threshold (the one table from that many keys; above the most, the two tables and the choice), all "
          "steps: " + ", ".join(f"{threshold} {total:+,}" for threshold, total in totals.items()))
    longest = max(turns, key=lambda steps: max(count for heads in steps for count, _, _, _ in heads))
    print("the longest turn's last steps (keys a head, the chosen form's change): "
          + ", ".join(f"{heads[0][0]} {step_cost(heads, best, False) - sum(two for _, two, _, _ in heads):+,}"
                      for heads in longest[-4:] if heads))
    every = [head for steps in turns for heads in steps for head in heads]
    two_line = per_key([(count, two - prepare) for count, two, _, prepare in every])
    one_line = per_key([(count, one - prepare) for count, _, one, prepare in every])
    print(f"a head's T-states past pl_prepare ({statistics.mean(p for *_, p in every):,.0f} a head), fitted: pl_keys "
          f"{two_line[0]:,.0f} + {two_line[1]:,.1f} a key; the one table {one_line[0]:,.0f} + {one_line[1]:,.1f} a key")
    fill = fill_t_states(ot)
    least = FILL_ENTRY * 256
    at_least = {threshold: sum(step_cost(heads, threshold, False, fill - least) for steps in turns for heads in steps)
                - player for threshold in range(1, most + 2)}
    best_least = min(at_least, key=at_least.get)
    chosen_least = [sum(step_cost(heads, best_least, False, fill - least) for heads in steps) / len(steps)
                    - sum(two for heads in steps for _, two, _, _ in heads) / len(steps) for steps in turns]
    print(f"the fill {fill:,} a head ({fill / 256:.1f} an entry); at the least, {FILL_ENTRY} an entry ({least:,}), "
          f"the one table from {best_least} keys: {statistics.median(chosen_least):+,.0f} a reply step (the median "
          f"prompt), {at_least[best_least]:+,} all steps")
    print(f"a player's layout: {LAYOUT_NOTE}")


if __name__ == "__main__":
    main()
