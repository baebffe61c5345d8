; attention.s - one attention head at one query position, over the KV cache:
;   score[j] = q . k[j]  (exact, 40-bit)        for j = 0..t
;   f[j] = score[j] >> 14;  M = max f;  w[j] = LUT[min(127, M - f[j])]
;   out[d] = sat16((sum_j w[j] * v[j][d]) // sum_j w[j])   (floor division)
;
; Inputs (zero page): at_layer (0/1), at_head (0..3), at_t (query position,
;   0..19). Reads VEC_Q (dims 8*head..8*head+7) and the cache (memory.inc),
;   whose entries for positions 0..t must be filled.
; Outputs: VEC_ATT dims 8*head..+7, and ATT_WEIGHTS[(layer*4+head)*20 + j]
;   = w[j] for the TUI. Clobbers A, X, Y, at_*, dv_*.
; Cycles (exact, `soulterm bench --kernels`, random q, k, v in -3000..2999):
; 25,268 at t = 4, 36,623 at t = 9, 53,172 at t = 18; more when many LUT
; weights are nonzero (the weighted sum skips positions whose weight is 0).
; Bytes: 2,301 (1,120 of them the 8 score slots).
;
; The products use the quarter-square tables (tables.s) through
; self-modified operands, like matvec: the factor that stays fixed through a
; loop (a dimension of q; a weight w[j]) is patched into the operands, the
; cached key/value bytes index the tables in Y. A 16-bit q times a 16-bit
; key is four byte products:
;   ql*kl (both unsigned, plain)   qh*kl, ql*kh, qh*kh (signed, +32768)
; and the 32768s of the signed ones are taken out by the value each score
; starts from, SCORE_START = -(8 dims x (2*32768*2^8 + 32768*2^16)).

SCORE_START_3   = $F8           ; -(2^27 + 2^34) as 40 bits: $FB_F800_0000
SCORE_START_4   = $FB

; Point a product's four table operands at factor at_a: "plus" entries at
; plus_* + at_off, "minus" entries at qs_* + at_noff (see tables.s).
        .macro patch_pair op_plus_lo, op_minus_lo, op_plus_hi, op_minus_hi, plus_lo, plus_hi
        lda at_off
        sta op_plus_lo+1
        sta op_plus_hi+1
        lda at_off+1
        clc
        adc #>plus_lo
        sta op_plus_lo+2
        lda at_off+1
        clc
        adc #>plus_hi
        sta op_plus_hi+2
        lda at_noff
        sta op_minus_lo+1
        sta op_minus_hi+1
        lda at_noff+1
        clc
        adc #>qs_lo
        sta op_minus_lo+2
        lda at_noff+1
        clc
        adc #>qs_hi
        sta op_minus_hi+2
        .endmacro

; at_off = center + at_a, at_noff = center - at_a (16-bit). center is 384
; when Y will hold a signed byte + 128, 512 when Y holds an unsigned byte.
        .macro offsets center
        clc
        lda #<(center)
        adc at_a
        sta at_off
        lda #>(center)
        adc at_a+1
        sta at_off+1
        sec
        lda #<(center)
        sbc at_a
        sta at_noff
        lda #>(center)
        sbc at_a+1
        sta at_noff+1
        .endmacro

; head*8 and layer*32 are computed with shifts, layer*20 by one add.
        .assert HEAD_DIM == 8 && EMBED_DIM == 32 && N_LAYERS == 2, "shifts assume 8 dims, 32 columns, 2 layers"
        .assert N_HEADS == 4, "(layer*4 + head) is built with two shifts"
attention_head:
        jsr at_scores
        jsr at_weights
        jsr at_weighted_sum
        jmp at_divide

; --- 1. scores ------------------------------------------------------------
; One unrolled slot per dimension d, its operands patched for q[d] once per
; head; the position loop runs the 8 slots for each j = t..0. A slot sums the
; four byte products of q[d]*k[j][d] into three 24-bit sums by weight:
;   at_sum0 += ql*kl   at_sum1 += qh*kl + ql*kh   at_sum2 += qh*kh
; and score[j] = at_sum0 + at_sum1 << 8 + at_sum2 << 16 + SCORE_START.
SCORE_SLOT_SIZE = 140
SLOT_KL         = 1             ; ldy key low bytes,x
SLOT_KH         = 38            ; ldy key high bytes,x
SLOT_QL_KL      = 5             ; first operand of each product's pair
SLOT_QH_KL      = 22
SLOT_QL_KH      = 42
SLOT_QH_KH      = 59

        .macro score_slot
        ldy $FFFF,x             ; key low byte, unsigned
        sec
        lda $FFFF,y             ; ql*kl
        sbc $FFFF,y
        sta at_p0
        lda $FFFF,y
        sbc $FFFF,y
        sta at_p1
        sec
        lda $FFFF,y             ; qh*kl + 32768
        sbc $FFFF,y
        sta at_p2
        lda $FFFF,y
        sbc $FFFF,y
        sta at_p3
        ldy $FFFF,x             ; key high byte + 128
        sec
        lda $FFFF,y             ; ql*kh + 32768
        sbc $FFFF,y
        sta at_p4
        lda $FFFF,y
        sbc $FFFF,y
        sta at_p5
        sec
        lda $FFFF,y             ; qh*kh + 32768
        sbc $FFFF,y
        sta at_p6
        lda $FFFF,y
        sbc $FFFF,y
        tay
        clc                     ; at_sum0 += ql*kl
        lda at_p0
        adc at_sum0
        sta at_sum0
        lda at_p1
        adc at_sum0+1
        sta at_sum0+1
        bcc @sum0_done
        inc at_sum0+2
@sum0_done:
        clc                     ; at_sum1 += qh*kl + 32768
        lda at_p2
        adc at_sum1
        sta at_sum1
        lda at_p3
        adc at_sum1+1
        sta at_sum1+1
        bcc @sum1_done
        inc at_sum1+2
@sum1_done:
        clc                     ; at_sum1 += ql*kh + 32768
        lda at_p4
        adc at_sum1
        sta at_sum1
        lda at_p5
        adc at_sum1+1
        sta at_sum1+1
        bcc @sum1_done_2
        inc at_sum1+2
@sum1_done_2:
        clc                     ; at_sum2 += qh*kh + 32768
        lda at_p6
        adc at_sum2
        sta at_sum2
        tya
        adc at_sum2+1
        sta at_sum2+1
        bcc @sum2_done
        inc at_sum2+2
@sum2_done:
        .endmacro

at_scores:
        jsr at_patch_scores
        ldx at_t
at_score_position:
        lda #0
        sta at_sum0
        sta at_sum0+1
        sta at_sum0+2
        sta at_sum1
        sta at_sum1+1
        sta at_sum1+2
        sta at_sum2
        sta at_sum2+1
        sta at_sum2+2
at_score_slots:
        .repeat HEAD_DIM
        score_slot
        .endrepeat
at_score_slots_end:
        .assert at_score_slots_end - at_score_slots == HEAD_DIM * SCORE_SLOT_SIZE, "score slot size"
        lda at_sum0             ; score = sum0 + sum1 << 8 + sum2 << 16 + start
        sta SCORE_0,x
        clc
        lda at_sum0+1
        adc at_sum1
        sta SCORE_1,x
        lda at_sum0+2
        adc at_sum1+1
        sta at_p0
        lda at_sum1+2
        adc #SCORE_START_3
        sta at_p1
        lda #SCORE_START_4
        adc #0
        sta at_p2
        clc
        lda at_p0
        adc at_sum2
        sta SCORE_2,x
        lda at_p1
        adc at_sum2+1
        sta SCORE_3,x
        lda at_p2
        adc at_sum2+2
        sta SCORE_4,x
        dex
        bmi @done
        jmp at_score_position
@done:
        rts

; Patch the 8 score slots for this head's q and key columns.
at_patch_scores:
        lda #<at_score_slots
        sta at_slot
        lda #>at_score_slots
        sta at_slot+1
        lda #0
        sta at_d
@dimension:
        lda at_head             ; Y = head*8 + d: the q element
        asl
        asl
        asl
        ora at_d
        sta at_p0
        lda at_layer            ; X = layer*32 + head*8 + d: the key column
        lsr
        ror
        ror
        ror
        ora at_p0
        tax
        ldy #SLOT_KL
        lda key_column_lo,x
        sta (at_slot),y
        ldy #SLOT_KH
        sta (at_slot),y
        ldy #SLOT_KL + 1
        lda key_column_hi,x
        sta (at_slot),y
        clc
        adc #>(KEY_HI - KEY_LO)
        ldy #SLOT_KH + 1
        sta (at_slot),y

        ldx at_p0
        lda VEC_Q,x             ; low byte of q[d]: an unsigned factor
        sta at_a
        lda #0
        sta at_a+1
        offsets 512
        lda #>qs_lo             ; unsigned x unsigned: the plain table
        sta at_plus
        ldy #SLOT_QL_KL
        jsr at_patch_pair
        offsets 384
        lda #>qsb_lo
        sta at_plus
        ldy #SLOT_QL_KH
        jsr at_patch_pair
        ldx at_p0
        lda VEC_Q+VEC_HIGH,x         ; high byte of q[d]: a signed factor
        sta at_a
        lda #0
        bit at_a
        bpl @positive
        lda #$FF
@positive:
        sta at_a+1
        offsets 512
        ldy #SLOT_QH_KL
        jsr at_patch_pair
        offsets 384
        ldy #SLOT_QH_KH
        jsr at_patch_pair

        clc
        lda at_slot
        adc #SCORE_SLOT_SIZE
        sta at_slot
        bcc @same_page
        inc at_slot+1
@same_page:
        inc at_d
        lda at_d
        cmp #HEAD_DIM
        beq @done
        jmp @dimension
@done:
        rts

; Y = offset of a pair's first operand in the slot at at_slot; at_off and
; at_noff the table offsets of the plus and minus entries (offsets macro);
; at_plus the page of the plus table's low bytes (qs_lo or qsb_lo). High
; bytes are 1024 bytes (4 pages) after low bytes in every table.
at_patch_pair:
        lda at_off              ; +0, +1: plus, low bytes
        sta (at_slot),y
        iny
        lda at_off+1
        clc
        adc at_plus
        sta (at_slot),y
        iny
        iny
        lda at_noff             ; +3, +4: minus, low bytes
        sta (at_slot),y
        iny
        lda at_noff+1
        clc
        adc #>qs_lo
        sta (at_slot),y
        tya
        clc
        adc #4
        tay
        lda at_off              ; +8, +9: plus, high bytes
        sta (at_slot),y
        iny
        lda at_off+1
        clc
        adc at_plus
        adc #4
        sta (at_slot),y
        iny
        iny
        lda at_noff             ; +11, +12: minus, high bytes
        sta (at_slot),y
        iny
        lda at_noff+1
        clc
        adc #>qs_hi
        sta (at_slot),y
        rts

; --- 2. LUT weights -----------------------------------------------------------
; f[j] = score >> 14 = bytes 2..4 of score << 2; M = max f;
; w[j] = LUT[min(127, M - f[j])], written to ATT_WEIGHTS; at_wsum = sum w,
; at_n = how many w are nonzero.
at_weights:
        ldx at_t
@shift:
        asl SCORE_0,x
        rol SCORE_1,x
        rol SCORE_2,x
        rol SCORE_3,x
        rol SCORE_4,x
        asl SCORE_0,x
        rol SCORE_1,x
        rol SCORE_2,x
        rol SCORE_3,x
        rol SCORE_4,x
        dex
        bpl @shift

        ldx at_t                ; M = f[t], then the larger of the others
        lda SCORE_2,x
        sta at_max
        lda SCORE_3,x
        sta at_max+1
        lda SCORE_4,x
        sta at_max+2
@find_max:
        dex
        bmi @have_max
        sec                     ; f[j] - M, signed 24-bit: greater when N^V = 0
        lda SCORE_2,x
        sbc at_max
        lda SCORE_3,x
        sbc at_max+1
        lda SCORE_4,x
        sbc at_max+2
        bvc @no_overflow
        eor #$80
@no_overflow:
        bmi @find_max           ; f[j] >= M: take it (equal changes nothing)
        lda SCORE_2,x
        sta at_max
        lda SCORE_3,x
        sta at_max+1
        lda SCORE_4,x
        sta at_max+2
        jmp @find_max
@have_max:
        lda at_layer            ; Y = (layer*4 + head) * 20: this head's weights
        asl
        asl
        ora at_head
        tay
        lda head_weights_offset,y
        sta at_weights@store+1
        lda #0
        sta at_wsum
        sta at_wsum+1
        sta at_n
        ldx at_t
@weight:
        sec                     ; M - f[j] >= 0
        lda at_max
        sbc SCORE_2,x
        tay
        lda at_max+1
        sbc SCORE_3,x
        sta at_p0
        lda at_max+2
        sbc SCORE_4,x
        ora at_p0
        bne @far
        cpy #127
        bcc @near
@far:
        ldy #127
@near:
        lda exp_lut,y
@store:
        sta ATT_WEIGHTS,x       ; low byte patched: this head's 20 bytes
        sta SCORE_0,x           ; (f is no longer needed: keep w here)
        beq @zero
        inc at_n
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
; acc[d] = sum_j w[j] * v[j][d], each product read as w*vl + (w*vh + 32768) << 8;
; acc starts at -at_n * 2^23 to cancel the 32768s.
at_weighted_sum:
        lda at_n                ; at_n * 2^23: bits 7.. of the high word
        lsr
        sta at_p1
        lda #0
        ror
        sta at_p0
        sec                     ; negate the 16-bit high word
        lda #0
        sbc at_p0
        sta at_p0
        lda #0
        sbc at_p1
        sta at_p1
        ldx #HEAD_DIM - 1
@start:
        lda #0
        sta at_acc,x
        sta at_acc+HEAD_DIM,x
        lda at_p0
        sta at_acc+2*HEAD_DIM,x
        lda at_p1
        sta at_acc+3*HEAD_DIM,x
        dex
        bpl @start

        lda at_t
        sta at_j
@position:
        ldx at_j
        lda SCORE_0,x           ; w[j]
        bne @patch
        jmp @next
@patch:
        sta at_a
        lda #0
        sta at_a+1
        offsets 512
        patch_pair at_value_row@e1, at_value_row@e2, at_value_row@e3, at_value_row@e4, qs_lo, qs_hi
        offsets 384
        patch_pair at_value_row@f1, at_value_row@f2, at_value_row@f3, at_value_row@f4, qsb_lo, qsb_hi
        lda at_layer            ; row of position j: VALUE_LO + (layer*20 + j)*32 + head*8
        beq @layer_0
        lda #CONTEXT
@layer_0:
        clc
        adc at_j
        tax
        lda at_head
        asl
        asl
        asl
        clc
        adc value_row_lo,x
        sta at_value_row@vl+1
        sta at_value_row@vh+1
        lda value_row_hi,x
        adc #0
        sta at_value_row@vl+2
        clc
        adc #>(VALUE_HI - VALUE_LO)
        sta at_value_row@vh+2
        ldx #HEAD_DIM - 1
        jsr at_value_row
@next:
        dec at_j
        bmi @done
        jmp @position
@done:
        rts

; acc[d] += w * v[j][d] for d = X down to 0 (operands patched above).
at_value_row:
@vl:    ldy $FFFF,x             ; value low byte, unsigned
        sec
@e1:    lda $FFFF,y             ; w*vl
@e2:    sbc $FFFF,y
        sta at_p0
@e3:    lda $FFFF,y
@e4:    sbc $FFFF,y
        sta at_p1
@vh:    ldy $FFFF,x             ; value high byte + 128
        sec
@f1:    lda $FFFF,y             ; w*vh + 32768
@f2:    sbc $FFFF,y
        sta at_p2
@f3:    lda $FFFF,y
@f4:    sbc $FFFF,y
        tay
        clc                     ; middle byte: (w*vl) high + (w*vh) low
        lda at_p1
        adc at_p2
        sta at_p1
        bcc @no_carry_1
        iny                     ; at most 254 + 1: no overflow
@no_carry_1:
        clc
        lda at_p0
        adc at_acc,x
        sta at_acc,x
        lda at_p1
        adc at_acc+HEAD_DIM,x
        sta at_acc+HEAD_DIM,x
        tya
        adc at_acc+2*HEAD_DIM,x
        sta at_acc+2*HEAD_DIM,x
        bcc @no_carry_2
        inc at_acc+3*HEAD_DIM,x
@no_carry_2:
        dex
        bpl at_value_row
        rts

; --- 4. out[d] = sat16(acc[d] // wsum) ----------------------------------------
at_divide:
        lda #0
        sta at_d
@dimension:
        ldx at_d
        lda at_acc,x
        sta dv_num
        lda at_acc+HEAD_DIM,x
        sta dv_num+1
        lda at_acc+2*HEAD_DIM,x
        sta dv_num+2
        lda at_acc+3*HEAD_DIM,x
        sta dv_num+3
        lda at_wsum
        sta dv_den
        lda at_wsum+1
        sta dv_den+1
        jsr sdiv_sat16
        lda at_head             ; Y = head*8 + d
        asl
        asl
        asl
        ora at_d
        tay
        lda dv_num
        sta VEC_ATT,y
        lda dv_num+1
        sta VEC_ATT+VEC_HIGH,y
        inc at_d
        lda at_d
        cmp #HEAD_DIM
        bne @dimension
        rts

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
