; logitsraw.s - forward.s's logits' argmax bound on the 128K player's kernels (Z80;
; MV_LOW_HLA, eighteenth round): the coarse call's rows as D >> 8 (their row end,
; matvec_ends.s's mv_coarse_raw), the threshold in their units, and the scan keeping the best exact
; logit. forward.s includes it; the 128K player (FW_EMBED_APART) places it after its
; matrices, in bank 0 above $C000 with vecops.s and embedrows.s (soulterm/zx/build.py:
; the logits run with bank 0 paged in), out of the room below $C000. Since the twenty-second
; round the 48K's too (MV_CT_RAW, where out's shift is FW_RAW_MOST_SHIFT or less: matvec.s's
; mv_coarse_top stores the raw rows; this file in its cold part, below $8000, with no bound in
; the logits' units and no pairs' ranges), in place of forward.s's fw_logits_bound; empty
; with neither.
; Bytes: none in either shipped player since the twenty-eighth round (the 128K's SOUL_OUT_APART, zxfc1l0: out by its
; planes alone, no bound); 238 the 128K player's before (none in the shipped 48K since the twenty-sixth round's planes' rung, zxplanes48,
; which leaves no room for MV_CT_RAW: 195 in a 48K with it; 223 before the twenty-first round: the pairs' ranges' patch around the call, 12,
; the exact rows' sub, 2, the cap in 4 H:L, 1; in the 128K player, whose forward.s leaves out its own fw_logits_bound's 102;
; 186 before the eighteenth round's look for T's lone row; without argmax's runner-up, and
; its am_rows, since then: vecops.s's AM_RUNNER_KEPT).
; T-states: the logits' call, argmax and the bound 210,716 a reply step of "hello" in the player (python
; benchmarks/z80_step_phases.py --model 128k, twenty-first round: rows from id 3, argmax's runner-up
; on rows in 4 (D >> 8), the look on T's row alone; 218,339 before); 228,061 a reply step of "hello" (mean of its four,
; the kernels' bench: 233,913 less the reply step's 5,852 measured by python
; benchmarks/z80_token.py --model 128k, the look and argmax the only changes) against 233,913 with the
; scan computing T's row too and 237,895 with the rows' short ends and forward.s's bound
; (python benchmarks/z80_profile.py --model 128k's routines from fw_next_token on;
; docs/spectrum.md, "Eighteenth round: the logits' bound, again" and "... the logits' scan").

.ifndef SOUL_OUT_APART                  ; (the 128K's out by its planes alone, twenty-eighth round: no bound)
.ifdef MV_LOW_HLA
FW_RAW_LOGITS   = 1
.endif
.ifdef MV_CT_RAW                        ; (the 48K's, twenty-second round: matvec.s's mv_coarse_top stores
FW_RAW_LOGITS   = 1                     ; the raw rows, this file lies in its cold part, below $8000)
.endif
.ifdef FW_RAW_LOGITS
; fw_logits_bound with MV_LOW_HLA (the 128K player's): at a soul_out_shift of FW_RAW_MOST_SHIFT
; (5) or less the coarse call's rows end in matvec_ends.s's mv_coarse_raw, which stores each
; row's H:L = D >> 8 (D the doubled sum less each product's low byte) doubled twice
; (MV_RAW_DOUBLINGS, twenty-first round: 4 H:L, within int16 for any coarse call, whose |x| <=
; 384) with no clip: the exact doubled sum lies in 256 H:L .. 256 H:L + 255 (FW_DIM + 1), and the
; logit is sat16(floor(D / 2^(shift+1))). With T the row of the largest H:L and m =
; min(H:L of T, FW_RAW_TOP - 1), a row with H:L < m - FW_RAW_SLACK has 256 H:L +
; 255 (FW_DIM + 1) < 256 m, so its logit's upper bound lies strictly below T's lower
; bound sat16(m << (7 - shift)) (m below the clip); when T's H:L is -FW_RAW_TOP or
; less its lower bound is -32768 and no row is left out. fw_logits then mixes units
; (exact logits and H:L), so the scan keeps the best exact logit itself: the rows
; are computed in increasing id, a later one taking the lead only when strictly
; above (SPEC's lowest id on a tie); a row left out lies strictly below T's logit,
; so T's logit, and the winner's, is above -32768 whenever a row was left out, and
; when none was, row FIRST_CHOOSABLE is computed: the start (FIRST_CHOOSABLE at
; -32768) is the answer only when it is. Before the scan, a look (eighteenth round's
; scan) asks whether a row but T's reaches the threshold: when none does (most steps), T
; is the argmax and no row is computed (fw_logits keeps T's 4 H:L too). Since the twenty-first
; round the threshold, T's clip and the slack are in the stored rows' units (4 H:L: m's cap
; FW_RAW_TOP - 4, so that a row below the threshold is one below it in H:L) and argmax keeps its
; runner-up's limit (vecops.s's AM_RUNNER_KEPT, am_rows): four times finer than D >> 8, it
; lies below the threshold's high byte on most steps (the look then T's row alone), where on
; D >> 8 it seldom did. A shift above FW_RAW_MOST_SHIFT runs the call as MV_COARSE alone and
; the logit bound below (FW_LOGITS_SLACK), with the same look and scan. The call runs rows
; FW_FIRST_ROW..127 (forward.s; ids 0..2 are never chosen), its pairs' ranges found before
; row 0 (MV_PAIRS_RANGES_BACK).
; fw_logits_bound - as below; returns C with A = the argmax when the call ran coarse, else NC.
FW_RAW_DOUBLINGS = MV_RAW_DOUBLINGS
FW_RAW_MOST_SHIFT = 7 - FW_RAW_DOUBLINGS
FW_RAW_SLACK    = ((255 * (FW_DIM + 1)) >> 8) << FW_RAW_DOUBLINGS
        .assert 2 * FW_VOCAB == 256, "mv_coarse_raw's rows end where their words fill fw_logits' page"
FW_RAW_TOP      = 32768 >> ((FW_RAW_MOST_SHIFT - soul_out_shift) & 7)   ; (a shift above FW_RAW_MOST_SHIFT does not use it)
fw_logits_bound:
.ifdef MV_CT_RAW
        .assert soul_out_shift <= FW_RAW_MOST_SHIFT, "MV_CT_RAW: the raw rows at out's shift of FW_RAW_MOST_SHIFT or less alone (build.py)"
        ld a,MV_COARSE_RAW      ; (no rows in logit units: none of their threshold below)
.else
        ld a,soul_out_shift     ; MV_COARSE_RAW at a shift of FW_RAW_MOST_SHIFT or less, else 1
        cp FW_RAW_MOST_SHIFT + 1
        sbc a,a
        and MV_COARSE_RAW - 1
        inc a
.endif
        ld (mv_coarse_on),a
.ifdef MV_COARSE_PAIRS
        ld hl,-MV_PAIR_BOUNDS_BYTES - FW_FIRST_ROW * FW_OUT_ROW_BYTES
        ld (MV_PAIRS_RANGES_BACK),hl    ; (the pairs' ranges lie before row 0, not before mv_w's row)
.endif
        ld a,FW_VOCAB - FW_FIRST_ROW
        ld hl,fw_logits + 2 * FW_FIRST_ROW
        call fw_product_of_xn   ; (the norm's first product: matvec, not matvec_again)
.ifdef MV_COARSE_PAIRS
        ld hl,-MV_PAIR_BOUNDS_BYTES
        ld (MV_PAIRS_RANGES_BACK),hl
.endif
        ld hl,mv_coarse_on
        ld a,(hl)
        ld (hl),0
        or a
        ret z                   ; exact
.ifndef MV_CT_RAW
        push af                 ; (which rows: MV_COARSE_RAW's or logits' bounds)
.endif
        ld hl,fw_logits
        ld (am_logits),hl
        call argmax             ; T, the largest bound (C: its limit, for am_rows, where kept)
        ld (fw_next),a
        add a,a
        ld l,a
        ld h,fw_logits >> 8
        ld e,(hl)
        inc l
        ld d,(hl)
        ex de,hl                ; HL: T's bound
.ifndef MV_CT_RAW
        pop af
        cp MV_COARSE_RAW
        jr nz,@logit_units
.endif
        ld a,h
        xor $80
        ld h,a                  ; HL: T's H:L + 32768 (unsigned order)
        ld de,32768 - FW_RAW_TOP + 1
        or a
        sbc hl,de
        ld de,0                 ; (every row: T's logit may be -32768)
        jr c,@threshold_set
        ld de,2 * FW_RAW_TOP - 1
        sbc hl,de               ; HL = T's H:L - FW_RAW_TOP (no carry: T's H:L at the clip or above)
        jr c,@below_clip
        ld hl,-(1 << FW_RAW_DOUBLINGS)  ; (m = FW_RAW_TOP - 4)
@below_clip:
        ld de,FW_RAW_TOP + 32768 - FW_RAW_SLACK
        add hl,de
        ex de,hl                ; DE: m - FW_RAW_SLACK, its sign bit flipped
.ifndef MV_CT_RAW
        jr @threshold_set
@logit_units:
        ld de,FW_LOGITS_SLACK
        or a
        sbc hl,de               ; the threshold T - slack, or -32768 below that
        jp po,@in_range
        ld hl,$8000
@in_range:
        ld a,h
        xor $80
        ld d,a
        ld e,l                  ; DE: the threshold, its sign bit flipped (unsigned order)
.endif
@threshold_set:
.ifdef AM_RUNNER_UP                    ; (vecops.s, after this file, makes it AM_RUNNER_KEPT)
        ld a,(fw_next)          ; HL and B as below, but T's row alone when argmax's limit C lies
        call am_rows            ; below the threshold's high byte: every other row lies below it
.else
        ld hl,fw_logits + 2 * FIRST_CHOOSABLE + 1
        ld b,FW_VOCAB - FIRST_CHOOSABLE ; B: the rows left
.endif
        push hl                 ; (the exact scan's rows, when one but T's reaches the threshold)
        push bc
        ld c,$80
@look:
        ld a,(hl)               ; the look: does a row but T's reach the threshold? (as the scan
        xor c                   ; below, 43 T-states a row below it)
        cp d
        jr nc,@look_reaches
@look_next:
        inc l
        inc l
        djnz @look
        pop bc                  ; T's alone: every other row lies strictly below T's logit, so T
        pop hl                  ; is the argmax without its row computed (fw_logits keeps its H:L)
        ld a,(fw_next)
        scf
        ret
@look_reaches:
        jr nz,@look_row
        dec l
        ld a,(hl)
        inc l
        cp e
        jr c,@look_next
@look_row:
        ld a,(fw_next)
        add a,a
        inc a
        cp l
        jr z,@look_next         ; (T's own row)
        pop bc                  ; another: the exact scan of them all
        pop hl
        ld a,FIRST_CHOOSABLE
        ld (fw_next),a          ; (the best exact row so far, and its logit flipped: the start)
        xor a
        ld (fw_best),a
        ld (fw_best+1),a
        ld c,$80                ; (the sign bit, flipped in each row's high byte)
@row:
        ld a,(hl)               ; the row's high byte, flipped (mostly below the threshold's:
        xor c                   ; those fall through, 40 T-states a row)
        cp d
        jr nc,@reaches
@next:
        inc l
        inc l
        djnz @row
        ld a,(fw_next)
        scf
        ret
@reaches:
        jr nz,@exact
        dec l
        ld a,(hl)
        inc l
        cp e
        jr c,@next
@exact:
        push bc
        push de
        push hl
        ld a,l
        srl a                   ; the row (HL = fw_logits + 2r + 1)
        sub FW_FIRST_ROW        ; (the call's: from mv_w)
        call mv_exact_row
        pop hl
        ld a,(hl)
        xor $80
        ld d,a
        dec l
        ld e,(hl)               ; DE: its exact logit, flipped
        ld a,l
        push hl
        ld hl,(fw_best)
        or a
        sbc hl,de
        jr nc,@not_above        ; (a tie keeps the lower id)
        ld (fw_best),de
        rrca
        ld (fw_next),a
@not_above:
        pop hl
        inc l
        pop de
        pop bc
        jr @next
fw_best:        .word 0         ; the best exact logit of the scan so far, its sign bit flipped
.endif
.endif
