; vecops.s - the small vector kernels: residual add, ReLU, argmax.
;
; residual_add: VEC_H[i] = sat16(VEC_H[i] + VEC_TMP[i]) for i = 0..31.
;   Clobbers A, X. 1,149 cycles (random values).
; relu_z: VEC_Z[i] = max(VEC_Z[i], 0) for i = 0..63, and relu_nonzero = how
;   many are not 0 (fc2's MV_SPARSE, forward.s). Clobbers A, X, Y.
;   1,498 cycles (random values; 1,144 before it counted).
; argmax: A = the id in 3..127 with the largest VEC_LOGITS value (signed),
;   the lowest id on a tie (SPEC's next-token rule). Clobbers A, X, Y,
;   am_best. 3,430 cycles (random logits).
; Cycles exact, `soulterm bench --kernels`. Bytes: 125.

residual_add:
        ldx #31
@element:
        clc
        lda VEC_H,x
        adc VEC_TMP,x
        sta VEC_H,x
        lda VEC_H+VEC_HIGH,x
        adc VEC_TMP+VEC_HIGH,x
        bvs @overflow
        sta VEC_H+VEC_HIGH,x
        dex
        bpl @element
        rts
@overflow:                      ; A's bit 7 is the true sum's sign flipped:
        eor #$80                ; +32767 ($7FFF) or -32768 ($8000) by the sign
        asl
        lda #$FF
        adc #0
        sta VEC_H,x
        eor #$80
        sta VEC_H+VEC_HIGH,x
        dex
        bpl @element
        rts

        .assert VOCAB_SIZE == 128, "argmax ends its loop when X reaches 128 (bpl)"
argmax:
        ldy #FIRST_CHOOSABLE    ; best so far: the first id that may be chosen
        lda VEC_LOGITS+FIRST_CHOOSABLE
        sta am_best
        lda VEC_LOGITS+VEC_HIGH+FIRST_CHOOSABLE
        sta am_best+1
        ldx #FIRST_CHOOSABLE + 1
@candidate:
        sec                     ; best - logit < 0 (signed): strictly greater
        lda am_best
        sbc VEC_LOGITS,x
        lda am_best+1
        sbc VEC_LOGITS+VEC_HIGH,x
        bvc @no_overflow
        eor #$80
@no_overflow:
        bpl @next
        txa
        tay
        lda VEC_LOGITS,x
        sta am_best
        lda VEC_LOGITS+VEC_HIGH,x
        sta am_best+1
@next:
        inx
        bpl @candidate
        tya
        rts

; (relu_z after argmax: in the PRG that keeps both loops within a page;
; tests/test_kernel_pages.py.)
relu_z:
        ldx #FFN_DIM - 1
        ldy #0
@element:
        lda VEC_Z+VEC_HIGH,x
        bmi @negative
        ora VEC_Z,x
        beq @next
        iny                     ; a nonzero value
@next:
        dex
        bpl @element
        sty relu_nonzero
        rts
@negative:
        lda #0
        sta VEC_Z,x
        sta VEC_Z+VEC_HIGH,x
        beq @next               ; (always)
