; attention.s - one attention head at one query position, over the KV cache:
;   score[j] = q . k[j]  (exact, 40-bit)        for j = 0..t
;   f[j] = score[j] >> 14;  M = max f;  w[j] = LUT[min(127, M - f[j])]
;   out[d] = sat16((sum_j w[j] * v[j][d]) // sum_j w[j])   (floor division)
;
; Inputs (zero page): at_layer (0/1), at_head (0..3), at_t (query position,
;   0..19). Reads VEC_Q (dims 8*head..8*head+7) and the cache (memory.inc),
;   whose entries for positions 0..t must be filled.
; Outputs: VEC_ATT dims 8*head..+7, and ATT_WEIGHTS[(layer*4+head)*20 + j]
;   = w[j] for the TUI. Clobbers A, X, Y, at_*.
; Needs: matvec's squares table (memory.inc) and each cached key's sums
;   (KS_*, at_key_sums, which fw_store_kv and forward_first run).
; Cycles (exact, `soulterm bench --kernels`, random k, v in -3000..2999):
; with every |q| < 1600 (one pass of the squares table, 1. below): 12,276
; at t = 4, 16,483 at t = 9, 23,893 at t = 18; with q in -3000..2999 (two
; passes for a head with some q too wide for the table): 19,311 at t = 4,
; 28,967 at t = 9, 42,181 at t = 18; a narrowed soul's values (|q|, |k| <
; 1600, |v| < 300, whose products take one byte product, 3. below):
; 11,043 at t = 4, 15,157 at t = 9, 22,033 at t = 18 (the fourteenth
; round's rmsnorm.s, 11 bytes longer on the kernel bench, where it lies
; before attention.s, moved its page crossings there: 12,281 / 16,493 /
; 23,912, 19,319 / 28,989 / 42,203 and 11,049 / 15,167 / 22,052 before;
; the PRG's attention.s did not move). More when many LUT
; weights are nonzero (the weighted sum skips positions whose weight is 0,
; and weights of 1, 2 and 255 take no products). The division (4.) is the
; head's own: about 360 cycles a dimension when the quotient is under 256,
; 570 otherwise (random sums).
; Bytes: 2,398 (496 of them the 16 squares-table groups; up to 136 of
; padding that keeps the hot loops' branches within a page, and 20 spare
; at the end: AT_SPARE).
;
; The scores use matvec's squares table (two reads of three bytes a
; product, 1. below); a q outside its range is taken in parts that are. The
; weighted sum uses the quarter-square tables (memory.inc) through
; self-modified operands, like matvec: the weight w[j] is patched into the
; operands, the cached value bytes index the tables in Y.

; head*8 and layer*32 are computed with shifts, layer*20 by one add.
        .assert HEAD_DIM == 8 && EMBED_DIM == 32 && N_LAYERS == 2, "shifts assume 8 dims, 32 columns, 2 layers"
        .assert N_HEADS == 4, "(layer*4 + head) is built with two shifts"
attention_head:
        jsr at_fast_scores
        jsr at_weights
        jsr at_weighted_sum
        jmp at_divide

; --- 1. scores through matvec's squares table ----------------------------------
; With the key's bytes as matvec weights, wl = low byte - 128 and wh = the
; signed high byte (k = 256*wh + wl + 128: the cache's bytes are wl + 128
; and wh + 128, matvec's weight form), and 2*q*w = s(w + q) - s(w) - s(q):
;   2*score = sum_d [s(wl + q) + 256*s(wh + q)]  - KS[j]
;             - 257 * sum_d s(q) + 256 * sum_d q
; KS[j] = sum_d [s(wl) + 256*s(wh)] is a constant of the key, summed when it
; enters the cache (at_key_sums); the q terms are the head's constant (at_cq).
; A product is two table reads of three bytes, like a matvec short slot,
; for q[d] in -1664..1663 (SQ_OFFSET, matvec.s). A wider q is taken in
; parts: each pass of the position loop takes every q's part in that range
; (the q itself, or the range's end nearer it), at_rest keeps what is left,
; and the passes' scores add up (q.k = the sum of the parts' products; none
; of the shipped souls' heads needs a second pass, the vectors soul's few).
; The scores are stored as the sums have them, doubled: 2*q.k in 40 bits
; (the TUI's probes halve them).
; A dimension's two reads are two groups, one per key byte, and the 8
; low-byte groups run before the 8 high-byte ones (a sum's order is free):
; so the patching reaches every group's operands at base + X with X = d *
; its size, under 256.
OPCODE_BIT_ABS  = $2C           ; at_fast_slots_end's first byte: the first pass
OPCODE_JMP_ABS  = $4C           ; reads its operand, a later pass jumps there
FAST_LOW_SIZE   = 33            ; a group for s(wl + q), at bit 0
FAST_HIGH_SIZE  = 29            ; and for s(wh + q), at bit 8
FS_KEY          = 1             ; ldy key bytes,x (both kinds of group)
FS_LO           = 4             ; low byte of the "lda SQ_LO + offset,y" operand
FS_MID          = 11            ; lda SQ_MID + offset,y
FS_HI           = 18            ; lda SQ_HI + offset,y
        .assert (HEAD_DIM - 1) * FAST_LOW_SIZE < 256, "low groups patched through X"
        .assert (HEAD_DIM - 1) * FAST_HIGH_SIZE < 256, "high groups patched through Y"

        .macro fast_low_group
        ldy $FFFF,x             ; wl + 128
        lda SQ_LO,y             ; s(wl + q): three bytes at bit 0
        adc at_facc
        sta at_facc
        lda $FFFF,y
        adc at_facc+1
        sta at_facc+1
        lda $FFFF,y
        adc at_facc+2
        sta at_facc+2
        bcc @carried
        inc at_facc+3
        bne @no_carry
        inc at_facc+4
@no_carry:
        clc
@carried:
        .endmacro

        .macro fast_high_group
        ldy $FFFF,x             ; wh + 128
        lda SQ_LO,y             ; s(wh + q): three bytes at bit 8
        adc at_facc+1
        sta at_facc+1
        lda $FFFF,y
        adc at_facc+2
        sta at_facc+2
        lda $FFFF,y
        adc at_facc+3
        sta at_facc+3
        bcc @done
        inc at_facc+4
        clc
@done:
        .endmacro

; A group's branch to another page would cost a cycle each time it is
; taken (16 groups at every position of every head): at_fast_scores, entered
; by JSR only, starts after up to 7 bytes of padding that put every group's
; branch (a low group's BCC from offset 26 to 33 and BNE from 30 to 32, a
; high group's BCC from 26 to 29) within one page.
AT_FAST_LEAD    = 86            ; at_fast_slots - at_fast_scores
        .repeat 7
        .if ((* + AT_FAST_LEAD + 0 + 26) & $FF) >= 249 || ((* + AT_FAST_LEAD + 0 + 30) & $FF) >= 254 || ((* + AT_FAST_LEAD + 33 + 26) & $FF) >= 249 || ((* + AT_FAST_LEAD + 33 + 30) & $FF) >= 254 || ((* + AT_FAST_LEAD + 66 + 26) & $FF) >= 249 || ((* + AT_FAST_LEAD + 66 + 30) & $FF) >= 254 || ((* + AT_FAST_LEAD + 99 + 26) & $FF) >= 249 || ((* + AT_FAST_LEAD + 99 + 30) & $FF) >= 254 || ((* + AT_FAST_LEAD + 132 + 26) & $FF) >= 249 || ((* + AT_FAST_LEAD + 132 + 30) & $FF) >= 254 || ((* + AT_FAST_LEAD + 165 + 26) & $FF) >= 249 || ((* + AT_FAST_LEAD + 165 + 30) & $FF) >= 254 || ((* + AT_FAST_LEAD + 198 + 26) & $FF) >= 249 || ((* + AT_FAST_LEAD + 198 + 30) & $FF) >= 254 || ((* + AT_FAST_LEAD + 231 + 26) & $FF) >= 249 || ((* + AT_FAST_LEAD + 231 + 30) & $FF) >= 254 || ((* + AT_FAST_LEAD + 264 + 26) & $FF) >= 253 || ((* + AT_FAST_LEAD + 293 + 26) & $FF) >= 253 || ((* + AT_FAST_LEAD + 322 + 26) & $FF) >= 253 || ((* + AT_FAST_LEAD + 351 + 26) & $FF) >= 253 || ((* + AT_FAST_LEAD + 380 + 26) & $FF) >= 253 || ((* + AT_FAST_LEAD + 409 + 26) & $FF) >= 253 || ((* + AT_FAST_LEAD + 438 + 26) & $FF) >= 253 || ((* + AT_FAST_LEAD + 467 + 26) & $FF) >= 253
        .byte 0
        .endif
        .endrepeat
        .assert <VEC_Q + VEC_HIGH + EMBED_DIM <= 256, "the head's q in one page"
at_fast_scores:
        lda at_head             ; the first pass reads the head's q
        asl
        asl
        asl
        adc #<VEC_Q             ; (C = 0)
        sta at_patch_fast@q_lo+1
        adc #VEC_HIGH
        sta at_patch_fast@q_hi+1
        lda #>VEC_Q
        sta at_patch_fast@q_lo+2
        sta at_patch_fast@q_hi+2
        lda #OPCODE_BIT_ABS     ; (the first pass stores the scores: see
        sta at_fast_slots_end   ; at_fast_slots_end)
@pass:
        jsr at_patch_fast
        lda at_layer            ; (layer*4 + head)*20: this head's key sums
        asl                     ; (and weights)
        asl
        ora at_head
        tay
        lda head_weights_offset,y
        sta at_fast_position@ks+1
        ldx at_t
at_fast_position:
        txa                     ; acc = at_cq - KS[j] (C = 0: after at_layer's
@ks:    adc #0                  ; shifts, or the store's CLC; patched: this head's key sums)
        tay
        sec                     ; (at_cq's bytes are patched in: @cq_0..4)
@cq_0:  lda #0
        sbc KS_0,y
        sta at_facc
@cq_1:  lda #0
        sbc KS_1,y
        sta at_facc+1
@cq_2:  lda #0
        sbc KS_2,y
        sta at_facc+2
@cq_3:  lda #0
        sbc KS_3,y
        sta at_facc+3
@cq_4:  lda #0
        sbc #0
        sta at_facc+4
        clc
at_fast_slots:
        .repeat HEAD_DIM
        fast_low_group
        .endrepeat
@high:
        .repeat HEAD_DIM
        fast_high_group
        .endrepeat
at_fast_slots_end:
        .assert at_fast_slots@high - at_fast_slots == HEAD_DIM * FAST_LOW_SIZE, "fast low group size"
        .assert at_fast_slots_end - at_fast_slots@high == HEAD_DIM * FAST_HIGH_SIZE, "fast high group size"
        .assert at_fast_slots - at_fast_scores == AT_FAST_LEAD, "AT_FAST_LEAD"
        .assert FAST_LOW_SIZE == 33 && FAST_HIGH_SIZE == 29, "the padding's branch offsets"
        jmp @add                ; a later pass: to @add; the first pass
@store:                         ; makes this a BIT (4 cycles, no effect)
        lda at_facc+1           ; f = score >> 14 = acc >> 15 (24 bits)
        asl
        lda at_facc+2
        rol
        sta SHIFTED_0,x
        tay
        lda at_facc+3
        rol
        sta SHIFTED_1,x
        lda at_facc+4
        rol
        sta SHIFTED_2,x
        tya                     ; f - M (the pass's largest f so far), signed
        sec                     ; 24-bit: |f| <= 2^19 (|q.k| <= 2^33) and
        sbc at_max              ; M >= -2^22, so f - M never overflows: its
        lda SHIFTED_1,x         ; sign alone says
        sbc at_max+1
        lda SHIFTED_2,x
        sbc at_max+2
        bmi @keep               ; f >= M: take it (equal changes nothing)
        sty at_max
        lda SHIFTED_1,x
        sta at_max+1
        lda SHIFTED_2,x
        sta at_max+2
@keep:
        lda at_facc+4           ; score = acc / 2, kept as acc (2*q.k: no
        sta SCORE_4,x           ; halving here)
        lda at_facc+3
        sta SCORE_3,x
        lda at_facc+2
        sta SCORE_2,x
        lda at_facc+1
        sta SCORE_1,x
        lda at_facc
        sta SCORE_0,x
        clc                     ; (at_fast_position's add)
        dex
        bmi @done
        jmp at_fast_position
@add:                           ; a later pass: acc += the doubled score so
        clc                     ; far, stored as a first pass's
        lda at_facc
        adc SCORE_0,x
        sta at_facc
        lda at_facc+1
        adc SCORE_1,x
        sta at_facc+1
        lda at_facc+2
        adc SCORE_2,x
        sta at_facc+2
        lda at_facc+3
        adc SCORE_3,x
        sta at_facc+3
        lda at_facc+4
        adc SCORE_4,x
        sta at_facc+4
        jmp @store
@done:
        bit at_more             ; parts left: another pass, adding, which
        bpl @scored             ; reads the rests
        ldx #2 * HEAD_DIM - 1
@rests:
        lda at_rest,x
        sta at_rest_read,x
        dex
        bpl @rests
        lda #<at_rest_read
        sta at_patch_fast@q_lo+1
        lda #<(at_rest_read + HEAD_DIM)
        sta at_patch_fast@q_hi+1
        lda #>at_rest_read
        sta at_patch_fast@q_lo+2
        sta at_patch_fast@q_hi+2
        lda #OPCODE_JMP_ABS
        sta at_fast_slots_end
        jmp at_fast_scores@pass
@scored:
        rts

; Patch the 16 fast groups for the parts of this head's q and its key
; columns, and sum the pass's constant at_cq = 256 * (sum q - sum s(q)) -
; sum s(q) over the parts. A pass reads each q (the first pass) or its rest
; (at_fast_scores points @q_lo and @q_hi there); its part is all of it when
; in -1664..1663, else the end of that range nearer it: then at_rest keeps
; the difference (every other rest is 0) and at_more's bit 7 is set.
; at_p0: dimension d, at_key: its key column's address (the head's
; first, layer*32 + head*8, then CONTEXT bytes on a dimension), X / at_p3:
; the dimension's low / high group, d * their size (at_max: the pass's
; largest f, at_fast_slots_end, starts below every f). s(q) is read
; through at_sq_mid / at_sq_hi, whose low bytes stay 128 (the entry 128 on
; from the groups' operands) and whose pages are the groups'.
AT_PART_TOP     = SQ_OFFSET + SQ_OFFSET - 1     ; the offset of a part of 1663
        .assert SQ_MID - SQ_LO >= $7F + 255 + 1, "a group's SQ_LO read, offset mod 128 + Y, stays in SQ_LO's entries"
        .assert >AT_PART_TOP < SQ_LIMIT_PAGE && >AT_PART_TOP != 0, "a part of 1663 takes the squares table"
at_patch_fast:
        lda #0
        sta at_sq
        sta at_sq+1
        sta at_sq+2
        sta at_sq+3
        sta at_qs
        sta at_qs+1
        sta at_more
        sta at_p0
        sta at_p3
        sta at_max              ; (and the pass's M = -2^22, below every f)
        sta at_max+1
        lda #$C0
        sta at_max+2
        lda #128
        sta at_sq_mid
        sta at_sq_hi
        lda at_head
        asl
        asl
        asl
        sta at_key
        lda at_layer
        lsr
        ror
        ror
        ror
        ora at_key
        tax
        lda key_column_lo,x
        sta at_key
        lda key_column_hi,x
        sta at_key+1
        ldx #0                  ; X: the dimension's low group, d * its size
        ldy #0                  ; Y: d
        beq @dimension          ; (always)
@out_of_range:                  ; A = the offset's page, C = 1, V: it
        sta at_a                ; overflowed (the q > 32767 - SQ_OFFSET)
        stx at_p2               ; (X back at @have_part)
        lda at_more
        bmi @resting
        ldx #2 * HEAD_DIM - 1   ; the pass's first part left: every rest
        lda #0                  ; starts at 0
@zero:
        sta at_rest,x
        dex
        bpl @zero
        lda #$80
        sta at_more
@resting:
        lda at_a
        bvs @above
        bmi @below
@above:                         ; the part 1663, the rest - 1663 left
        tax
        lda at_off
        sbc #<AT_PART_TOP
        sta at_rest,y
        txa
        sbc #>AT_PART_TOP
        sta at_rest+HEAD_DIM,y
        lda #<AT_PART_TOP
        sta at_off
        ldx at_p2
        lda #>AT_PART_TOP
        jmp @have_part
@below:                         ; the part -1664 (offset 0), the rest + 1664 left
        sta at_rest+HEAD_DIM,y
        lda at_off
        sta at_rest,y
        ldx at_p2
        lda #0
        sta at_off
        jmp @have_part
@dimension:                     ; (Y = d)
        clc                     ; at_off = SQ_OFFSET + q (or its rest)
@q_lo:
        lda $FFFF,y
        adc #<SQ_OFFSET
        sta at_off
@q_hi:
        lda $FFFF,y
        adc #>SQ_OFFSET
        cmp #SQ_LIMIT_PAGE
        bcs @out_of_range
@have_part:                     ; A = the offset's page
        sta at_off+1
        ldy at_p3               ; the dimension's high group
        clc                     ; the table operands' pages
        adc #>SQ_MID
        sta at_fast_slots + FS_MID + 1,x
        sta at_fast_slots@high + FS_MID + 1,y
        sta at_sq_mid+1
        adc #>(SQ_HI - SQ_MID)
        sta at_fast_slots + FS_HI + 1,x
        sta at_fast_slots@high + FS_HI + 1,y
        sta at_sq_hi+1
        lda at_off              ; and low bytes
        sta at_fast_slots + FS_MID,x
        sta at_fast_slots + FS_HI,x
        sta at_fast_slots@high + FS_MID,y
        sta at_fast_slots@high + FS_HI,y
        and #$7F                ; byte 0 of n*n has period 128 in n: SQ_LO +
        sta at_fast_slots + FS_LO,x     ; the offset mod 128 reads the same
        sta at_fast_slots@high + FS_LO,y        ; and crosses a page a quarter as often
        lda at_key              ; the key column's operands
        sta at_fast_slots + FS_KEY,x
        sta at_fast_slots@high + FS_KEY,y
        lda at_key+1
        sta at_fast_slots + FS_KEY + 1,x
        adc #>(KEY_HI - KEY_LO) ; (C = 0: no page crossed above)
        sta at_fast_slots@high + FS_KEY + 1,y
        txa                     ; the next dimension's groups
        adc #FAST_LOW_SIZE
        tax
        tya
        adc #FAST_HIGH_SIZE
        sta at_p3
        lda at_key              ; and key column
        adc #CONTEXT
        sta at_key
        bcc @key_same_page
        inc at_key+1
        clc
@key_same_page:
        ldy at_off              ; at_sq += s(q): byte 0 at entry at_off (s's
        lda SQ_LO,y             ; byte 0 has period 128), the others 128 on
        adc at_sq
        sta at_sq
        lda (at_sq_mid),y
        adc at_sq+1
        sta at_sq+1
        lda (at_sq_hi),y
        adc at_sq+2
        sta at_sq+2
        bcc @sq_summed
        inc at_sq+3
        clc
@sq_summed:                     ; at_qs += the offset (SQ_OFFSET + the part)
        lda at_off
        adc at_qs
        sta at_qs
        lda at_off+1
        adc at_qs+1
        sta at_qs+1
        ldy at_p0               ; the next dimension
        iny
        sty at_p0
        cpy #HEAD_DIM
        beq @constant
        jmp @dimension
@constant:                      ; at_cq = 256*(at_qs - at_sq) - at_sq
        sec                     ; (at_qs summed the offsets)
        lda at_qs
        sbc #<(HEAD_DIM * SQ_OFFSET)
        sta at_qs
        lda at_qs+1
        sbc #>(HEAD_DIM * SQ_OFFSET)
        sta at_qs+1
        lda at_qs+1             ; T = at_qs (sign-extended) - at_sq, 32 bits
        and #$80
        beq @qs_positive
        lda #$FF
@qs_positive:
        sta at_p0               ; sign extension of at_qs
        sec
        lda at_qs
        sbc at_sq
        sta at_cq+1
        lda at_qs+1
        sbc at_sq+1
        sta at_cq+2
        lda at_p0
        sbc at_sq+2
        sta at_cq+3
        lda at_p0
        sbc at_sq+3
        sta at_cq+4
        sec                     ; - at_sq at bit 0, into the position
        lda #0                  ; loop's immediates
        sbc at_sq
        sta at_fast_position@cq_0+1
        lda at_cq+1
        sbc at_sq+1
        sta at_fast_position@cq_1+1
        lda at_cq+2
        sbc at_sq+2
        sta at_fast_position@cq_2+1
        lda at_cq+3
        sbc at_sq+3
        sta at_fast_position@cq_3+1
        lda at_cq+4
        sbc #0
        sta at_fast_position@cq_4+1
        rts

; --- 2. LUT weights -----------------------------------------------------------
; f[j] = score >> 14 (SHIFTED_*) and M = max f come from at_fast_scores;
; w[j] = LUT[min(127, M - f[j])], written to ATT_WEIGHTS; at_wsum = sum w.
at_weights:
        lda at_fast_position@ks+1       ; (layer*4 + head) * 20: this head's weights
        sta at_weights@store+1
        lda #0
        sta at_wsum
        sta at_wsum+1
        sta at_wfix
        sta at_wfix+1
        ldx at_t
@weight:
        sec                     ; M - f[j] >= 0: under 127 only when its
        lda at_max              ; bytes 1 and 2 are 0
        sbc SHIFTED_0,x
        tay
        lda at_max+1
        sbc SHIFTED_1,x
        bne @far
        lda at_max+2
        sbc SHIFTED_2,x
        bne @far
        cpy #127
        bcc @near
@far:
        ldy #127
@near:
        lda exp_lut,y
@store:
        sta ATT_WEIGHTS,x       ; low byte patched: this head's 20 bytes
        sta SCORE_0,x           ; (the raw score is read: keep w here)
        beq @zero
        cmp #3                  ; w = 1, 2 or 255 (the weighted sum's
        bcc @fixed              ; paths without products): into at_wfix too
        cmp #255
        bne @sum
        stx at_jmax             ; a position of the max: the weighted sum starts from its row
@fixed:
        tay
        clc
        adc at_wfix
        sta at_wfix
        bcc @fixed_done
        inc at_wfix+1
@fixed_done:
        tya
@sum:
        clc
        adc at_wsum
        sta at_wsum
        bcc @zero
        inc at_wsum+1
@zero:
        dex
        bpl @weight
        rts

; --- 3. weighted sum of values ---------------------------------------------------
; acc[d] = sum_j w[j] * v[j][d]. The cache keeps v as vl and vb = vh + 128
; (v = vl + 256*vh). The commonest nonzero weights take no products (the
; shipped soul's weights: 1 a fifth of them, 0 a sixth, 255 - the max's,
; LUT[0] - a seventh, 2 a twentieth): w = 1 or 2 adds x = vl + 256*vb w
; times, w = 255 adds 256*x and takes x away; x = v + 32768, so those
; 32768s come out once: acc starts at -32768 * at_wfix, the sum of those
; weights (at_weights). A product row (at_value_row) takes w*vl, one
; unsigned byte product (the plain tables at 512 +- w: for w in 1..255
; their pages are fixed, only the operands' low bytes w and -w change), and
; 256*w*vh: nothing for vh = 0, w taken off byte 1 for vh = -1 (a narrowed
; soul's v: all but a few in a thousand), and for any other vh, w added to
; byte 1 vh times (or taken off -vh times: the vectors soul's vh are in
; -4..3, a wider v costs ~21 cycles a unit of vh).
        .assert <(qs_lo + 512) == 0 && <(qs_hi + 512) == 0, "value products patch only the operands' low bytes"
        .assert VALUE_LO % EMBED_DIM == 0, "a head's 8 values never cross a page"
at_weighted_sum:
        sec                     ; -(wfix << 15) = (-wfix) << 15: bytes 1..3
        lda #0                  ; (byte 0 is 0); -wfix < 0 (wfix >= 255,
        sbc at_wfix             ; the max's), so its shift fills with 1s
        tax
        lda #0
        sbc at_wfix+1
        sec
        ror
        sta @start_p2+1         ; (into the start's immediates)
        txa
        ror
        sta @start_p1+1
        lda #0
        ror
        sta @start_p0+1
        lda at_head             ; a row's values: value_row_*[layer*20 + j] + head*8
        asl
        asl
        asl
        sta at_a+1
        lda at_layer
        beq @layer_0
        lda #CONTEXT
@layer_0:
        sta at_a
        ldx at_jmax             ; the max's row (w = 255) is the start: its
        lda #0                  ; w leaves SCORE_0, which the probes read at
        sta SCORE_0,x           ; the entry, so the rows below skip it
        txa
        clc
        adc at_a
        tax
        lda value_row_lo,x
        ora at_a+1
        sta @start_vl_1+1
        sta @start_vl_2+1
        sta @start_vb_1+1
        sta @start_vb_2+1
        lda value_row_hi,x
        sta @start_vl_1+2
        sta @start_vl_2+2
        clc
        adc #>(VALUE_HI - VALUE_LO)
        sta @start_vb_1+2
        sta @start_vb_2+2
        ldx #HEAD_DIM - 1
@start:                         ; acc = 256*x - x - (wfix << 15), x = vl + 256*vb
        sec
        lda #0
@start_vl_1:
        sbc $FFFF,x             ; byte 0 of 255*x: -vl
        sta at_acc,x
@start_vl_2:
        lda $FFFF,x             ; byte 1: vl - vb
@start_vb_1:
        sbc $FFFF,x
        tay
@start_vb_2:
        lda $FFFF,x             ; byte 2: vb (255*x < 2^24: no borrow out)
        sbc #0
        sta at_p3
        clc
        tya
@start_p0:
        adc #0
        sta at_acc+HEAD_DIM,x
        lda at_p3
@start_p1:
        adc #0
        sta at_acc+2*HEAD_DIM,x
@start_p2:
        lda #0
        adc #0
        sta at_acc+3*HEAD_DIM,x
        dex
        bpl @start

        lda at_t
        sta at_j
@position:                      ; (the loop's test sits in its middle: a
        ldx at_j                ; zero weight, the commonest, takes no
        lda SCORE_0,x           ; branch out of the loop's page)
        bne @weighted           ; w[j]
@next:
        dec at_j
        bpl @position
        rts
@weighted:
        tay
        txa
        clc
        adc at_a
        tax
        lda value_row_lo,x
        ora at_a+1
        sta at_off
        lda value_row_hi,x
        cpy #3
        bcc @weight_small
        cpy #255
        beq @weight_max
        sta at_value_row@vl+2
        clc
        adc #>(VALUE_HI - VALUE_LO)
        sta at_value_row@vh+2
        lda at_off
        sta at_value_row@vl+1
        sta at_value_row@vh+1
        tya                     ; w: the plus operands' low bytes
        sta at_value_row@e1+1
        sta at_value_row@e3+1
        sta at_p2               ; (for a vh other than 0 and -1)
        sta at_value_row@w+1    ; (for vh = -1)
        eor #$FF                ; -w: the minus operands' (512 - w, page 1)
        clc
        adc #1
        sta at_value_row@e2+1
        sta at_value_row@e4+1
        ldx #HEAD_DIM - 1
        jsr at_value_row
        jmp @next
@weight_small:                  ; w = 1 or 2: x added w times
        sta @one_vl+2
        clc
        adc #>(VALUE_HI - VALUE_LO)
        sta @one_vh+2
        lda at_off
        sta @one_vl+1
        sta @one_vh+1
@one_pass:
        ldx #HEAD_DIM - 1
@one_dimension:                 ; acc[d] += vl + 256*vb
        clc
@one_vl:
        lda $FFFF,x
        adc at_acc,x
        sta at_acc,x
@one_vh:
        lda $FFFF,x
        adc at_acc+HEAD_DIM,x
        sta at_acc+HEAD_DIM,x
        bcc @one_carried
        inc at_acc+2*HEAD_DIM,x
        bne @one_carried
        inc at_acc+3*HEAD_DIM,x
@one_carried:
        dex
        bpl @one_dimension
        dey
        bne @one_pass
        jmp @next
@weight_max:
        sta @max_vl_1+2
        sta @max_vl_2+2
        clc
        adc #>(VALUE_HI - VALUE_LO)
        sta @max_vb_1+2
        sta @max_vb_2+2
        lda at_off
        sta @max_vl_1+1
        sta @max_vl_2+1
        sta @max_vb_1+1
        sta @max_vb_2+1
        ldx #HEAD_DIM - 1
@max_dimension:                 ; acc[d] += 256*x - x, x = vl + 256*vb
        clc
@max_vl_1:
        lda $FFFF,x
        adc at_acc+HEAD_DIM,x
        sta at_acc+HEAD_DIM,x
@max_vb_1:
        lda $FFFF,x
        adc at_acc+2*HEAD_DIM,x
        sta at_acc+2*HEAD_DIM,x
        bcc @max_added
        inc at_acc+3*HEAD_DIM,x
@max_added:
        sec
        lda at_acc,x
@max_vl_2:
        sbc $FFFF,x
        sta at_acc,x
        lda at_acc+HEAD_DIM,x
@max_vb_2:
        sbc $FFFF,x
        sta at_acc+HEAD_DIM,x
        bcs @max_done
        lda at_acc+2*HEAD_DIM,x ; the borrow out of bytes 2..3
        bne @max_no_wrap
        dec at_acc+3*HEAD_DIM,x
@max_no_wrap:
        dec at_acc+2*HEAD_DIM,x
@max_done:
        dex
        bpl @max_dimension
        jmp @next

; Cache addresses, generated: the key column of (layer*32 + dim), the value
; row of (layer*20 + position), and where each head's LUT weights go.
key_column_lo:
        .repeat N_LAYERS * EMBED_DIM, i
        .byte <(KEY_LO + i * CONTEXT)
        .endrepeat
key_column_hi:
        .repeat N_LAYERS * EMBED_DIM, i
        .byte >(KEY_LO + i * CONTEXT)
        .endrepeat
value_row_lo:
        .repeat N_LAYERS * CONTEXT, i
        .byte <(VALUE_LO + i * EMBED_DIM)
        .endrepeat
value_row_hi:
        .repeat N_LAYERS * CONTEXT, i
        .byte >(VALUE_LO + i * EMBED_DIM)
        .endrepeat
head_weights_offset:
        .repeat N_LAYERS * N_HEADS, i
        .byte <(ATT_WEIGHTS + i * CONTEXT)
        .endrepeat

; acc[d] += w*vl + 256*w*vh for d = X down to 0 (operands patched above):
; the product w*vl (<= 65025) into bytes 0..1, then vh decides what byte 1
; gets besides. Cycles a dimension: ~66 for vh = 0, ~75 for vh = -1. Up to
; AT_VALUE_FAST - 1 bytes of padding keep the vh = 0 path's branches (every
; dimension of every product row) within one page.
AT_VALUE_FAST   = 50            ; at_value_row@vh_not_0 - at_value_row
        .if (* & $FF) > 256 - AT_VALUE_FAST
        .res 256 - (* & $FF), 0
        .endif
at_value_row:
@vl:    ldy $FFFF,x             ; vl
        sec
@e1:    lda qs_lo + 512,y       ; w*vl
@e2:    sbc qs_lo + 256,y
        sta at_p0
@e3:    lda qs_hi + 512,y
@e4:    sbc qs_hi + 256,y
        tay                     ; its high byte, <= 254
        clc
        lda at_p0
        adc at_acc,x
        sta at_acc,x
@vh:    lda $FFFF,x             ; vb = vh + 128
        eor #$80                ; vh (the carry out of byte 0 kept)
        bne @vh_not_0
        tya
        adc at_acc+HEAD_DIM,x
        sta at_acc+HEAD_DIM,x
        bcc @next
@carry:
        inc at_acc+2*HEAD_DIM,x
        bne @next
        inc at_acc+3*HEAD_DIM,x
@next:
        dex
        bpl at_value_row
        rts
        .assert * - at_value_row == AT_VALUE_FAST, "AT_VALUE_FAST"
        .assert >at_value_row == >(* - 1), "the vh = 0 path within one page"
@vh_not_0:                      ; A = vh, C = byte 0's carry, Y = the high byte
        eor #$FF                ; 0 for vh = -1 (C kept)
        bne @vh_other
        tya                     ; vh = -1: byte 1 gets r = hi + C - w, and
@w:     sbc #$FF                ; w*vl < 256*w makes hi <= w - 1, so r <= 0:
        sec                     ; A = r - 1 (C = 0), and adding it with C set
        adc at_acc+HEAD_DIM,x   ; adds r + 256; the carry out is that 256,
        sta at_acc+HEAD_DIM,x   ; else a borrow from bytes 2..3
        bcs @next
@borrow:
        lda at_acc+2*HEAD_DIM,x
        bne @borrow_2
        dec at_acc+3*HEAD_DIM,x
@borrow_2:
        dec at_acc+2*HEAD_DIM,x
        jmp @next
@vh_other:                      ; any other vh (A = ~vh): byte 1 gets h =
        eor #$FF                ; the high byte + the carry, then w added vh
        sta at_p1               ; times or taken off -vh times
        tya
        adc #0                  ; (h <= 255: C = 0)
        ldy at_p1
        adc at_acc+HEAD_DIM,x
        sta at_acc+HEAD_DIM,x
        bcc @h_added
        inc at_acc+2*HEAD_DIM,x
        bne @h_added
        inc at_acc+3*HEAD_DIM,x
@h_added:
        tya                     ; vh
        bmi @take_w
@add_w:
        clc
        lda at_acc+HEAD_DIM,x
        adc at_p2               ; w
        sta at_acc+HEAD_DIM,x
        bcc @w_added
        inc at_acc+2*HEAD_DIM,x
        bne @w_added
        inc at_acc+3*HEAD_DIM,x
@w_added:
        dey
        bne @add_w
        jmp @next
@take_w:
        sec
        lda at_acc+HEAD_DIM,x
        sbc at_p2
        sta at_acc+HEAD_DIM,x
        bcs @w_taken
        lda at_acc+2*HEAD_DIM,x
        bne @w_borrow
        dec at_acc+3*HEAD_DIM,x
@w_borrow:
        dec at_acc+2*HEAD_DIM,x
@w_taken:
        iny
        bne @take_w
        jmp @next

; --- 4. out[d] = sat16(acc[d] // wsum) ----------------------------------------
; Floor division by D = wsum, 255..5100 (the max's weight is LUT[0] = 255,
; CONTEXT weights at most), patched into the steps' immediates once per
; head. acc[d] is a weighted sum of int16 values, so the quotient (their
; weighted mean, floored) is already in -32768..32767: sat16 has nothing to
; clamp. A negative acc is divided as its complement, floor(n/D) =
; ~floor(~n/D) with ~n = -n - 1 >= 0. m (n or ~n) < 2^15 * D: the quotient
; has 15 bits, the remainder starts as m >> 15 (< D), and each restoring
; step shifts in the next bit of m from `bits`, which takes the quotient
; bits in as they come. rem hi is in A (< 2D < 2^14: it shifts a 0 into C),
; rem lo in at_rem; most steps decide on rem hi alone. When m >> 8 < D the
; quotient's high byte is 0 (half the time in a narrow soul): only the low 8
; steps run, from rem = m >> 8.
DIVIDE_STEP_SIZE = 39          ; one step; the loop runs two a turn
DIVIDE_STEPS_BYTES = 2 * DIVIDE_STEP_SIZE + 3   ; and its dey, bne
DS_HI_1         = 6             ; the immediates that hold D hi
DS_HI_2         = 18
DS_HI_3         = 38
DS_LO_1         = 14            ; and D lo
DS_LO_2         = 22
DS_LO_3         = 33

        .macro divide_step bits
        rol bits                ; the next bit of m out, the last quotient bit in
        rol at_rem
        rol
        cmp #$FF                ; D hi
        bcc @next               ; rem < D: quotient bit 0 (C)
        bne @subtract
        lda at_rem              ; rem hi = D hi: the low bytes decide
        cmp #$FF                ; D lo
        bcs @equal
        lda #$FF                ; D hi: A back; C = 0
        bcc @next
@equal: sbc #$FF                ; D lo
        sta at_rem
        lda #0                  ; rem hi - D hi; C = 1
        beq @next
@subtract:
        tax
        lda at_rem
        sbc #$FF                ; D lo
        sta at_rem
        txa
        sbc #$FF                ; D hi; C = 1: quotient bit 1
@next:
        .endmacro

        .assert 255 * CONTEXT < 32768, "the divisor (LUT weights of at most 255) keeps 2*rem under 2^16 and rem hi's top bit 0"
        .assert >(VEC_ATT + VEC_HIGH) == >(VEC_ATT + VEC_HIGH + EMBED_DIM - 1), "VEC_ATT's stores patch only the low byte"
        .assert >VEC_ATT == >(VEC_ATT + EMBED_DIM - 1) && <VEC_ATT + VEC_HIGH < 256, "VEC_ATT's stores patch only the low byte"
; The steps' branches (taken at every step of every dimension) cost a cycle
; more when they cross a page: up to DIVIDE_STEPS_BYTES - 1 bytes of padding
; keep the steps within one.
AT_DIVIDE_LEAD  = 151           ; at_divide@steps - at_divide
        .if ((* + AT_DIVIDE_LEAD) & $FF) > 256 - DIVIDE_STEPS_BYTES
        .res 256 - ((* + AT_DIVIDE_LEAD) & $FF), 0
        .endif
at_divide:
        lda at_wsum             ; the divisor D into both steps and the
        sta @d_lo+1             ; short pass's test
        .repeat 2, step
        sta @steps + step * DIVIDE_STEP_SIZE + DS_LO_1
        sta @steps + step * DIVIDE_STEP_SIZE + DS_LO_2
        sta @steps + step * DIVIDE_STEP_SIZE + DS_LO_3
        .endrepeat
        lda at_wsum+1
        sta @d_hi+1
        .repeat 2, step
        sta @steps + step * DIVIDE_STEP_SIZE + DS_HI_1
        sta @steps + step * DIVIDE_STEP_SIZE + DS_HI_2
        sta @steps + step * DIVIDE_STEP_SIZE + DS_HI_3
        .endrepeat
        lda at_head             ; this head's outputs: VEC_ATT + head*8
        asl
        asl
        asl
        adc #<VEC_ATT
        sta @store_lo+1
        adc #VEC_HIGH
        sta @sign_hi+1
        sta @store_hi+1
        ldx #HEAD_DIM - 1
        bpl @dimension          ; (always: the long pass sits here so that the
                                ; short one falls into the steps)
@wide:                          ; m >= 2^24 (A = acc's byte 3): at_sign and
        and #$80                ; bits 7..0 here, then the long pass
        beq @wide_positive
        lda #$FF
@wide_positive:
        sta at_sign
        lda at_acc,x
        eor at_sign
        sta at_bits
@long:
        lda at_bits             ; bits 7..0 wait in at_low
        sta at_low
        lda at_acc+HEAD_DIM,x   ; rem = m >> 15; bits 14..8 to shift in
        eor at_sign
        asl
        sta at_bits
        lda at_acc+2*HEAD_DIM,x
        eor at_sign
        rol
        sta at_rem
        lda at_acc+3*HEAD_DIM,x
        eor at_sign
        rol                     ; (C = 0: the high pass)
        ldy #(7 + 1) / 2        ; 7 steps: the first turn's second only
        bcc @steps_second
@dimension:                     ; m = acc or ~acc (at_sign = $FF when acc < 0,
        stx at_d                ; else 0) is under 2^24 when acc's byte 3 is
        lda at_acc+3*HEAD_DIM,x ; 0 or $FF, the sign itself
        beq @narrow
        cmp #$FF
        bne @wide               ; m >= 2^24: the quotient is over 255
@narrow:
        sta at_sign
@sign_hi:                       ; the quotient's high byte as the short pass
        sta VEC_ATT+VEC_HIGH,x  ; leaves it (the long pass stores its own;
        lda at_acc,x            ; low byte patched: this head's 8); m's bits 7..0
        eor at_sign
        sta at_bits
        lda at_acc+HEAD_DIM,x   ; m >> 8 < D: the quotient's high byte is 0
        eor at_sign
        sta at_rem
@d_lo:  cmp #$FF                ; D lo
        lda at_acc+2*HEAD_DIM,x
        eor at_sign
        tay
@d_hi:  sbc #$FF                ; D hi
        bcs @long
        tya                     ; rem = m >> 8: m2 in A, m1 in at_rem
        ldy #8 / 2              ; (two steps a turn)
        sec                     ; (the low pass: see below), into the steps
@steps:
        divide_step at_bits
@steps_second:
        divide_step at_bits
        dey
        bne @steps
@steps_end:
        rol at_bits             ; a quotient byte, and out comes the bit that
        bcs @quotient           ; was in C when its pass began: 1 for the low
        tay                     ; pass, 0 for the high one (asl's 0, bit 15)
        lda at_bits             ; the high byte done: stored (rem hi kept in
        eor at_sign             ; Y), bits 7..0 next
        ldx at_d
@store_hi:
        sta VEC_ATT+VEC_HIGH,x  ; low byte patched: this head's 8
        lda at_low
        sta at_bits
        tya
        ldy #8 / 2
        sec
        bcs @steps
@quotient:                      ; the low byte in at_bits
        ldx at_d
        lda at_bits
        eor at_sign
@store_lo:
        sta VEC_ATT,x           ; low byte patched: this head's 8
        dex
        bmi @done
        jmp @dimension
@done:
        rts
        .assert @steps_second - @steps == DIVIDE_STEP_SIZE, "divide step size"
        .assert @steps_end - @steps == DIVIDE_STEPS_BYTES, "DIVIDE_STEPS_BYTES"
        .assert @steps - at_divide == AT_DIVIDE_LEAD, "AT_DIVIDE_LEAD"
        .assert >@steps == >(@steps_end - 1), "the divide steps within one page"

; (at_key_sums and the cache address tables sit where at_value_row and the
; division need no padding: see AT_SPARE at the end.)
; at_key_sums: KS[j] of the 4 heads of layer at_layer at position at_t
; (memory.inc), from the keys in the cache: sum over the head's 8 dims of
; s(wl) + 256*s(wh), read from the squares table at offset SQ_OFFSET + 0
; (each s(w) <= 16384: two bytes). Run whenever a key enters the cache.
; A head's 8 key columns are CONTEXT bytes apart: its two reads are patched
; to the first column at position t once, and Y steps through the columns.
; Clobbers A, X, Y, at_facc, at_d, at_ks.
        .assert <ATT_WEIGHTS == 0, "head_weights_offset doubles as (layer*4 + head)*20"
        .assert HEAD_DIM * CONTEXT < 256, "a head's key columns are reached through Y"
at_key_sums:
        lda at_layer            ; first key column: layer*32
        lsr
        ror
        ror
        ror
        sta at_d
        lda at_layer            ; KS index of (layer, head 0, t)
        asl
        asl
        tay
        lda head_weights_offset,y
        clc
        adc at_t
        sta at_ks
@head:
        ldx at_d                ; the head's first column at position t
        clc
        lda key_column_lo,x
        adc at_t
        sta @low+1
        sta @high+1
        lda key_column_hi,x
        adc #0
        sta @low+2
        adc #>(KEY_HI - KEY_LO) ; (C = 0)
        sta @high+2
        lda #0
        sta at_facc
        sta at_facc+1
        sta at_facc+2
        sta at_facc+3
        tay                     ; (C = 0 from the page's add, and at every
@dimension:                     ; add below: a carry clears it)
@low:   ldx $FFFF,y             ; wl + 128
        lda SQ_LO,x             ; (byte 0 has period 128: no page crossed)
        adc at_facc
        sta at_facc
        lda SQ_MID + SQ_OFFSET,x
        adc at_facc+1
        sta at_facc+1
        bcc @high
        inc at_facc+2
        bne @low_carried
        inc at_facc+3
@low_carried:
        clc
@high:  ldx $FFFF,y             ; wh + 128
        lda SQ_LO,x
        adc at_facc+1
        sta at_facc+1
        lda SQ_MID + SQ_OFFSET,x
        adc at_facc+2
        sta at_facc+2
        bcc @high_done
        inc at_facc+3
        clc
@high_done:
        tya                     ; the next column
        adc #CONTEXT
        tay
        cpy #HEAD_DIM * CONTEXT ; (C = 0 while below)
        bne @dimension
        ldy at_ks
        lda at_facc
        sta KS_0,y
        lda at_facc+1
        sta KS_1,y
        lda at_facc+2
        sta KS_2,y
        lda at_facc+3
        sta KS_3,y
        tya
        clc
        adc #CONTEXT
        sta at_ks
        lda at_d                ; the next head's columns
        clc
        adc #HEAD_DIM
        sta at_d
        and #EMBED_DIM - 1
        beq @done
        jmp @head
@done:
        rts
        .assert EMBED_DIM == N_HEADS * HEAD_DIM, "a layer's key columns end when its heads do"

; Spare bytes. The kernel bench assembles attention.s at another page
; offset than the PRG: with the tables above placed before at_value_row,
; the bench needs its padding (30 bytes) and the PRG none, and these 20
; more end attention.s on main's page offset in the bench (2,412 bytes
; there, as on main), so vecops, embed and the tokenizer keep their page
; crossings; the PRG's attention.s is 2,382 bytes (2,388 on main).
AT_SPARE        = 20
        .res AT_SPARE, 0
