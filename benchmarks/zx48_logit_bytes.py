"""Could the 48K's logits run on one-byte tables that planes.s's own fill makes? (issue 16, thirtieth round)

The 48K's logits' call (planes_wide.s's fw_out_logits, `python benchmarks/z80_step_phases.py`: 178,654
T-states a reply step of "hello") builds planes.s's exact two-byte subset-sum tables on xn (wp_tables, ~59,000)
and walks every row's planes 7..4 on them (wp_tops, ~895 T-states a row: 16 lookups of two bytes added in IX);
the 128K's logitplanes.s walks one-byte tables (e_g = E_g >> s, a plane's four entries added in A) at ~480 a row,
then plane 3, 2, 1, 0 for the rows left, but its 1,710 bytes do not fit the 48K (0 bytes free). The form
weighed here takes the one-byte tables from planes.s's fill itself: wp_tables run on x' = x 2^(8-s) (s the least
with S >> s <= 255, S = sum |x| <= 4,095) builds E'_g = 2^(8-s) E_g exactly (S' < 2^16; each x' a signed word
where |x| < 2^(s+7)), so the high-byte pages (WP_PAGE + 1, + 3, + 5, + 7) hold e_g = E_g >> s, logitplanes.s's
entries; only wp_tables' S <= 4,095 check (its `and $F0`) is passed over for that call. Then:

- every row's planes 7..4 on the high pages (lb_tops: Q_4 to a word a row, the best in DE),
- the rows with Q_4 >= best - D_4 + 1 (logit_planes.threshold, k = 4) take planes 0..3 at once (lb_low: Q_8 + 1
  to their words, 0 to the others', the best Q_8), with no thresholds at k = 5, 6, 7 (the rows left at k = 8
  are the same as logitplanes.s's plane by plane on all three sets),
- the rows with Q_8 >= best - D_8 + 1 counted (lb_count): one left is the argmax (ties to the lowest id: a
  row that might tie is never dropped); more (9 of the thirty's 201 calls) need their exact logits, by a
  second wp_tables on x and wp_rows (as fw_out_logits does today), counted here from measured pieces.

Each piece is assembled here (bench-only routines, below) on the 48K's kernels' bench with planes.s and run on
the engine's own final xn of every logits call of the prompts (the shipped out matrix), every table, word and
count checked against numpy; today's call is timed on the shipped 48K player's own program (fw_next_token, as
tests/test_zx_logits48.py does). The thresholds' arithmetic and the glue are counted, not built. Prints the
T-states a call of each piece, the form's total against today's (and, counted, the planes a row today's wp_tops
would walk with a rising threshold after plane 5), and the bytes of each piece against the
bytes the form frees (the player's wp_tops and fw_out_logits: 204 + 212 on main 4f5237a, 192 + 190 since this
round's cuts).

    python benchmarks/zx48_logit_bytes.py [--everyday | --prompts FILE | TEXT ...]
"""

from __future__ import annotations

import numpy as np

from soulterm.player.bench import prompts_from_command_line
from soulterm.soul import intmath, spec
from soulterm.soul.benchmark import shipped_engine
from soulterm.zx import logit_planes
from soulterm.zx.kernelbench import Z80Bench, player_bench
from soulterm.zx.soul_layout import plane_bytes
from z80_logit_bounds import final_vectors

FIRST = spec.FIRST_CHOOSABLE
ROWS = spec.VOCAB_SIZE - FIRST
COLS = spec.EMBED_DIM
MOST_SUM = 4095
# where the bench's routines keep their data (free on the kernels' bench: its program ends below $A000)
MASKS_AT, WORDS_AT, SCALED_AT, X_AT, QS_AT, LIST_AT = 0xA000, 0xB000, 0xB200, 0xB300, 0xB400, 0xB500
# The pieces not built, counted from the instructions they would need: D_4 and D_8 (15 S >> (s + 4) by a shift
# loop, two table words by s, the compare's negation) ~400; the glue (the tables' check patched and back, wp_x
# set and back, the calls) ~150; the rows left's exact logits where more than one is left: the second wp_tables
# (measured below, on x) and wp_rows at ~1,750 a row (planes.s's header) with fw_out_logits' judge, ~200 a row.
THRESHOLDS_T, GLUE_T, EXACT_ROW_T = 400, 150, 1_950
# Their bytes, counted the same way: the thresholds ~45 (a shift loop, 10 table bytes each for D_4's floors and
# D_8), the glue ~45 (fw_out_logits' head as today, the patches, the calls), the fallback's second build and
# the judge of today's scan ~70.
THRESHOLDS_BYTES, GLUE_BYTES, FALLBACK_BYTES = 65, 45, 70

BENCH_SOURCE = r"""
        .include "planes.s"
lb_saved_sp:    .word 0
lb_best8:       .word 0
lb_least:       .word 0         ; lb_low's: the least Q_4 kept; lb_count's: the least Q_8 + 1 kept
lb_last:        .byte 0         ; lb_count's: the last row kept

; lb_scale: S = sum |x| over the 32 words at X_AT, s the least with S >> s <= 255, x' = x << (8 - s) to
; SCALED_AT; carry where S > 4,095 or an x' is no signed word (|x| >= 2^(s+7)). IX S, A s at the end.
lb_scale:
        ld hl,X_AT
        ld ix,0
        ld b,32
@size:  ld e,(hl)
        inc hl
        ld d,(hl)
        inc hl
        bit 7,d
        jr z,@plus
        xor a                   ; |x| = -x
        sub e
        ld e,a
        sbc a,a
        sub d
        ld d,a
@plus:  add ix,de               ; (S so far <= 4,095 and |x| <= 32,768: no carry)
        .byte $DD,$7C           ; ld a,ixh
        and $F0
        scf
        ret nz                  ; S above 4,095
        djnz @size
        .byte $DD,$7C           ; ld a,ixh: s = its bit length
        ld c,0
@length:
        or a
        jr z,@long
        srl a
        inc c
        jr @length
@long:  ld a,c
        ld (LB_SKIP + 1),a      ; past s of the 8 doublings
        ld hl,X_AT
        ld de,SCALED_AT
        ld b,32
@word:  ld a,(hl)
        inc hl
        push hl
        ld h,(hl)
        ld l,a
        ld a,h                  ; x's sign
LB_SKIP = *
        jr * + 2                ; (patched: + s)
        .repeat 8
        add hl,hl
        .endrepeat
        xor h
        ex de,hl
        ld (hl),e
        inc hl
        ld (hl),d
        inc hl
        ex de,hl
        pop hl
        inc hl
        scf
        ret m                   ; x' lost its sign: no signed word
        djnz @word
        ld a,c
        or a
        ret

        .macro lb_plane_up
        pop bc
        ld l,c
        ld a,(hl)
        inc h
        inc h
        ld l,b
        add a,(hl)
        inc h
        inc h
        pop bc
        ld l,c
        add a,(hl)
        inc h
        inc h
        ld l,b
        add a,(hl)
        .endmacro
        .macro lb_plane_down
        pop bc
        ld l,c
        ld a,(hl)
        dec h
        dec h
        ld l,b
        add a,(hl)
        dec h
        dec h
        pop bc
        ld l,c
        add a,(hl)
        dec h
        dec h
        ld l,b
        add a,(hl)
        .endmacro
        .macro lb_horner
        exx
        ld c,a
        add hl,hl
        add hl,bc
        exx
        .endmacro

; lb_tops: (ROWS) rows of masks from MASKS_AT (plane_bytes') on the high pages: Q_4 to WORDS_AT, a word a row;
; HL the best.
lb_tops:
        ld (lb_saved_sp),sp
        exx
        ld de,WORDS_AT
        ld b,0
        exx
        ld a,ROWS
        .byte $DD,$6F           ; ld ixl,a
        ld de,0
        ld h,WP_PAGE + 1
        ld sp,MASKS_AT
lb_row:
        lb_plane_up             ; 7
        exx
        ld l,a
        ld h,b
        exx
        lb_plane_down           ; 6
        lb_horner
        lb_plane_up             ; 5
        lb_horner
        lb_plane_down           ; 4
        exx
        ld c,a
        add hl,hl
        add hl,bc
        ex de,hl
        ld (hl),e
        inc hl
        ld (hl),d
        inc hl
        ex de,hl
        ld a,h
        exx
        cp d
        jr c,lb_below
        jr nz,lb_best
        exx
        ld a,l
        exx
        cp e
        jr c,lb_below
lb_best:
        exx
        ld a,l
        exx
        ld e,a
        exx
        ld a,h
        exx
        ld d,a
lb_below:
        exx
        ld hl,16                ; past planes 0..3
        add hl,sp
        ld sp,hl
        exx
        .byte $DD,$2D           ; dec ixl
        jp nz,lb_row
        ld sp,(lb_saved_sp)
        ex de,hl
        ret
lb_tops_end:

; lb_low: every row whose Q_4 (its word at WORDS_AT, a page) is (lb_least) or more takes its planes 3, 2, 1, 0:
; its number to LIST_AT and its Q_8 to QS_AT, in order; lb_best8 the best Q_8, A the rows kept.
lb_low:
        ld (lb_saved_sp),sp
        ld hl,0
        ld (lb_best8),hl
        ld ix,QS_AT
        ld iy,LIST_AT
        ld de,(lb_least)
        ld hl,WORDS_AT + 1
        ld b,ROWS
@word:  ld a,(hl)               ; Q_4's high byte against the least's
        cp d
        jr c,@next
        jr nz,@kept
        dec l
        ld a,(hl)
        inc l
        cp e
        jr nc,@kept
@next:  inc l
        inc l
        djnz @word
        ld sp,(lb_saved_sp)
        .byte $FD,$7D           ; ld a,iyl: the rows kept
        ret
@kept:  push de
        push hl
        push bc
        ld a,(hl)
        dec l
        ld e,(hl)
        ld d,a
        push de
        exx
        pop hl                  ; HL' = Q_4
        ld b,0
        exx
        pop bc
        push bc
        ld a,ROWS
        sub b                   ; the row's number r
        ld (iy+0),a
        inc iy
        ld l,a
        ld h,0
        .repeat 5
        add hl,hl
        .endrepeat              ; 32 r
        ld de,MASKS_AT + 36     ; plane 3's masks (at 28) + 8: Horner's from plane 3 down, each 8 back
        add hl,de
        ld (lb_stack),sp
        ld sp,hl
        ld d,4
@plane: ld hl,-8                ; back to the plane below the one read
        add hl,sp
        ld sp,hl
        ld h,WP_PAGE + 1
        lb_plane_up
        lb_horner
        dec d
        jr nz,@plane
        ld sp,(lb_stack)
        exx
        ld (ix+0),l
        ld (ix+1),h
        inc ix
        inc ix
        ld de,(lb_best8)
        or a
        sbc hl,de
        jr c,@held
        add hl,de
        ld (lb_best8),hl
@held:  exx
        pop bc
        pop hl
        pop de
        jr @next
lb_low_end:
lb_stack:       .word 0

; lb_count: of the (lb_kept) rows listed, those whose Q_8 is (lb_least) or more: A their count, lb_last the last.
lb_count:
        ld a,(lb_kept)
        ld b,a
        ld c,0
        ld hl,QS_AT
        ld ix,LIST_AT
        ld de,(lb_least)
@row:   push hl
        ld a,(hl)
        inc hl
        ld h,(hl)
        ld l,a
        or a
        sbc hl,de
        pop hl
        jr c,@next
        inc c
        ld a,(ix+0)
        ld (lb_last),a
@next:  inc hl
        inc hl
        inc ix
        djnz @row
        ld a,c
        ret
lb_kept:        .byte 0
lb_count_end:
"""


def constants() -> str:
    names = dict(ROWS=ROWS, MASKS_AT=MASKS_AT, WORDS_AT=WORDS_AT, SCALED_AT=SCALED_AT, X_AT=X_AT, QS_AT=QS_AT,
                 LIST_AT=LIST_AT)
    return "".join(f"{name} = {value}\n" for name, value in names.items())


def scale_of(x) -> tuple[int, int]:
    """(S, s): s the least with S >> s <= 255."""
    size = int(np.abs(x).sum())
    scale = 0
    while size >> scale > 255:
        scale += 1
    return size, scale


def subset_sums(x) -> np.ndarray:
    """E_g[m] for the four groups (0..S_g), exact."""
    groups = np.asarray(x, np.int64).reshape(4, 8)
    bits = (np.arange(256)[:, None] >> np.arange(8)[None, :]) & 1
    return (bits @ groups.T).T - np.minimum(groups, 0).sum(axis=1)[:, None]


def one_call(bench, x, out_rows, shift: int) -> dict:
    """Each piece's T-states on one xn, every result checked; None where the form declines x."""
    sym = bench.sym
    bench.write_words(X_AT, np.asarray(x, np.int64))
    t_scale = bench.call("lb_scale")
    size, scale = scale_of(x)
    if bench.cpu.f & 1:
        assert size > MOST_SUM or (np.abs(x) >= 1 << (scale + 7)).any()
        return None
    assert bench.cpu.a == scale and bench.cpu.ix == size
    scaled = np.asarray(x, np.int64) << (8 - scale)
    assert np.array_equal(bench.read_words(SCALED_AT, COLS), scaled)
    # wp_tables on x', its S <= 4,095 check (`and $F0` after ld a,ixh) passed over
    check = bytes(bench.memory).index(bytes([0xDD, 0x7C, 0xE6, 0xF0]), sym("wp_tables")) + 3
    bench.memory[check] = 0
    bench.poke_word(sym("wp_x"), SCALED_AT)
    t_tables = bench.call("wp_tables")
    bench.memory[check] = 0xF0
    assert not bench.cpu.f & 1
    page = sym("WP_PAGE")
    tables = subset_sums(x) >> scale
    for group in range(4):
        high = bench.peek((page + 2 * group + 1) << 8, 256)
        assert np.array_equal(np.array(list(high)), tables[group]), "the high pages are not E_g >> s"
    t_tops = bench.call("lb_tops")
    planes = logit_planes.plane_sums(out_rows, tables)
    q4 = 8 * planes[:, 0] + 4 * planes[:, 1] + 2 * planes[:, 2] + planes[:, 3]
    assert np.array_equal(bench.read_words(WORDS_AT, ROWS), q4) and bench.cpu.hl == q4.max()
    least4 = logit_planes.threshold(int(q4.max()), 4, scale, size, shift)
    bench.poke_word(sym("lb_least"), least4)
    t_low = bench.call("lb_low")
    kept = [r for r in range(ROWS) if q4[r] >= least4]
    q8 = {r: 16 * int(q4[r]) + 8 * int(planes[r, 4]) + 4 * int(planes[r, 5]) + 2 * int(planes[r, 6])
          + int(planes[r, 7]) for r in kept}
    assert bench.cpu.a == len(kept) and list(bench.peek(LIST_AT, len(kept))) == kept
    assert np.array_equal(bench.read_words(QS_AT, len(kept)) & 0xFFFF, [q8[r] for r in kept])     # (unsigned)
    best8 = max(q8.values())
    assert bench.read_words(sym("lb_best8"), 1)[0] & 0xFFFF == best8
    least8 = logit_planes.threshold(best8, 8, scale, size, shift)
    bench.poke_word(sym("lb_least"), least8)
    bench.poke(sym("lb_kept"), [len(kept)])
    t_count = bench.call("lb_count")
    left = [r for r in kept if q8[r] >= least8]
    assert bench.cpu.a == len(left) and (len(left) != 1 or bench.peek(sym("lb_last"))[0] == left[0])
    winner = int(np.argmax(intmath.matvec(out_rows, 0, x, post=shift)))
    assert winner in left, "the bound left out the argmax"
    exact = 0
    if len(left) > 1:       # the rows left exact: wp_tables on x again (timed) and wp_rows a row (counted)
        bench.poke_word(sym("wp_x"), X_AT)
        exact = bench.call("wp_tables") + EXACT_ROW_T * len(left)
    return dict(scale=t_scale, tables=t_tables, tops=t_tops, low=t_low, count=t_count, exact=exact,
                kept=len(kept), left=len(left))


def rising_planes(out_rows, x, shift: int) -> float:
    """Planes a row wp_tops would walk (of 4) with a rising threshold: a row is dropped after plane 5 where its
    upper end (planes 7..5 exact, the rest at most 31 S) lies 2^shift or more below the best lower end (planes 7..4)
    of the rows before it, in id order; the others take plane 4."""
    size = int(np.abs(x).sum())
    u = np.asarray(out_rows, np.int64) + 128
    negative = int(np.minimum(x, 0).sum())
    planes = np.stack([((u >> b) & 1) @ np.asarray(x, np.int64) - negative for b in (7, 6, 5, 4)], axis=1)
    walked, best = 0, None
    for row in planes:
        top3 = 128 * row[0] + 64 * row[1] + 32 * row[2]
        if best is not None and top3 + 31 * size + (1 << shift) <= best:
            walked += 3
            continue
        walked += 4
        lower = top3 + 16 * row[3]
        best = lower if best is None else max(best, lower)
    return walked / len(planes)


def today_call(player, out_rows, x) -> int:
    """fw_next_token's T-states on the shipped 48K player (its out poked as built), its token checked."""
    player.poke(player.sym("fw_xn"), [byte for v in x for byte in (int(v) & 255, int(v) >> 8 & 255)])
    t_states = player.call("fw_next_token", max_t_states=10_000_000)
    want = FIRST + int(np.argmax(intmath.matvec(out_rows, 0, x, post=player.sym("soul_out_shift"))))
    assert player.peek(player.sym("fw_next"))[0] == want
    return t_states


def main() -> None:
    prompts = prompts_from_command_line(__doc__.splitlines()[0])
    soul, engine, tokenizer = shipped_engine()
    out = soul["out"].values.astype(np.int64)
    shift = soul["out"].shift
    out_rows = out[FIRST:]
    inputs = final_vectors(engine, tokenizer, prompts).astype(np.int64)
    bench = Z80Bench(extra_source=BENCH_SOURCE, options=constants())
    bench.poke(MASKS_AT, plane_bytes(out_rows))
    player = player_bench(soul, tokenizer)
    player.poke(player.sym("soul_out_start"), plane_bytes(out_rows))
    calls, today, declined = [], [], 0
    for x in inputs:
        today.append(today_call(player, out_rows, x))
        got = one_call(bench, x, out_rows, shift)
        if got is None:
            declined += 1
        else:
            calls.append(got)
    pieces = ("scale", "tables", "tops", "low", "count", "exact")
    mean = {piece: float(np.mean([call[piece] for call in calls])) for piece in pieces}
    total = sum(mean.values()) + THRESHOLDS_T + GLUE_T
    sym = bench.symbols
    sizes = {"lb_scale (S, s, x')": sym["lb_tops"] - sym["lb_scale"],
             "lb_tops (planes 7..4, one byte)": sym["lb_tops_end"] - sym["lb_tops"],
             "lb_low (planes 0..3 of the rows kept)": sym["lb_low_end"] - sym["lb_low"],
             "lb_count": sym["lb_kept"] - sym["lb_count"]}
    print(f"{len(prompts)} prompt(s), {len(inputs)} logits calls ({declined} declined by the form); T-states a"
          " call (mean), every piece checked:")
    print(f"  today (fw_next_token on the shipped 48K player, as built here): {np.mean(today):,.0f}")
    for piece in pieces:
        print(f"  {piece:>7}: {mean[piece]:,.0f}")
    print(f"  the thresholds and glue (counted): {THRESHOLDS_T + GLUE_T:,}")
    kept = np.mean([call["kept"] for call in calls])
    left = [call["left"] for call in calls]
    rising = np.mean([rising_planes(out_rows, x, shift) for x in inputs])
    print(f"  (wp_tops with a rising threshold after plane 5, counted: {rising:.2f} planes a row of 4)")
    print(f"  the form: {total:,.0f} ({total - np.mean(today):+,.0f} a call); rows kept at k = 4 {kept:.2f},"
          f" one row left at k = 8 in {left.count(1)} of {len(left)} calls (the most left {max(left)})")
    built = sum(sizes.values())
    today_bytes = (player.sym("wp_code_end") - player.sym("wp_tops")
                   + player.sym("fw_out_logits_end") - player.sym("fw_out_logits"))
    print("bytes: " + ", ".join(f"{name} {size}" for name, size in sizes.items())
          + f"; built {built} + counted (thresholds {THRESHOLDS_BYTES}, glue {GLUE_BYTES}, the fallback"
          f" {FALLBACK_BYTES}) = {built + THRESHOLDS_BYTES + GLUE_BYTES + FALLBACK_BYTES} against the {today_bytes}"
          " it frees (the player's wp_tops and fw_out_logits)")


if __name__ == "__main__":
    main()
