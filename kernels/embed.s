; embed.s - SPEC embedding of one token at one position:
;   h[d] = sat16(up(te[token][d], s_te) + up(pe[pos][d], s_pe)),
;   up(v, s) = v << (8 - s) for s <= 8, v >> (s - 8) otherwise.
; Both cases are (v << 8) >> s, an arithmetic shift of v placed in the
; middle byte of a 24-bit number, which is how it is computed.
;
; Inputs (zero page): em_te (2) -> the token's 32 int8 te values,
;   em_pe (2) -> the position's 32 int8 pe values, em_te_shift and
;   em_pe_shift (0..15). Output: VEC_H[0..31].
; Clobbers A, X, Y, em_*. Cycles: 13,228 at shifts 5 and 5 (exact,
; `soulterm bench --kernels`). Bytes: 131.

embed:
        ldy #EMBED_DIM - 1
@dimension:
        lda (em_te),y           ; te term as 24 bits: v << 8
        ldx em_te_shift
        jsr em_up
        lda em_sum
        sta em_term
        lda em_sum+1
        sta em_term+1
        lda em_sum+2
        sta em_term+2
        lda (em_pe),y           ; pe term
        ldx em_pe_shift
        jsr em_up
        clc                     ; sum, then saturate to int16
        lda em_sum
        adc em_term
        sta VEC_H,y
        lda em_sum+1
        adc em_term+1
        sta em_sum+1
        lda em_sum+2
        adc em_term+2
        sta em_sum+2
        lda em_sum+1            ; in range when byte 2 extends byte 1's sign
        asl
        lda #0
        adc #$FF
        eor #$FF
        cmp em_sum+2
        bne @saturate
        lda em_sum+1
        sta VEC_H+VEC_HIGH,y
        jmp @next
@saturate:
        bit em_sum+2
        bmi @low
        lda #$FF
        sta VEC_H,y
        lda #$7F
        sta VEC_H+VEC_HIGH,y
        bne @next
@low:
        lda #$00
        sta VEC_H,y
        lda #$80
        sta VEC_H+VEC_HIGH,y
@next:
        dey
        bpl @dimension
        rts

; em_sum (24-bit) = (A as int8 << 8) >> X, arithmetic.
em_up:
        sta em_sum+1
        lda #0
        sta em_sum
        bit em_sum+1
        bpl @positive
        lda #$FF
@positive:
        sta em_sum+2
        cpx #0
        beq @done
@shift:
        lda em_sum+2
        cmp #$80
        ror em_sum+2
        ror em_sum+1
        ror em_sum
        dex
        bne @shift
@done:
        rts
