; vecops.s - the small vector kernels: residual add, ReLU, argmax.
;
; residual_add: VEC_H[i] = sat16(VEC_H[i] + VEC_TMP[i]) for i = 0..31.
;   Clobbers A, X. 1,152 cycles (random values; 1,152 before a saturated
;   sum went back into the loop: 3 cycles more, 4 bytes fewer).
; relu_z: VEC_Z[i] = max(VEC_Z[i], 0) for i = 0..63, and relu_nonzero = how
;   many are not 0 (fc2's MV_SPARSE, forward.s). Clobbers A, X, Y.
;   1,498 cycles (random values; 1,144 before it counted).
; argmax: A = the id with the largest VEC_LOGITS value (signed) among the
;   rows logits_exact marks (forward.s: ids 3..127 that can still win), the
;   lowest id on a tie (SPEC's next-token rule). Clobbers A, X, Y, am_*.
;   4,764 cycles with every row 3..127 marked (an exact logits call; 3,430
;   before it read the marks), 329 with one marked (a coarse call's usual
;   count: the shipped soul's ten turns 219,510 -> 21,680 cycles).
; Cycles exact, `soulterm bench --kernels`. Bytes: 140.

; argmax reads only the rows logits_exact (forward.s) marks: forward_logits
; leaves every other row a lower bound below the largest exact logit, so
; those cannot win. A group of 8 rows with no mark costs one byte's test;
; the marks are read from the last row down and a row equal to the best
; so far replaces it, so the lowest id wins a tie.
argmax:
        lda #0                  ; best so far: -32768 (any marked row is
        sta am_best             ; at least that), its high byte's sign bit
        sta am_best+1           ; flipped (an unsigned compare)
        ldy #LOGITS_EXACT_BYTES - 1
@group:
        lda logits_exact,y
        beq @next_group
        sta am_bits
        tya                     ; X = the group's last row
        asl
        asl
        asl
        ora #7
        tax
@row:
        asl am_bits             ; row X's mark
        bcc @unmarked
        lda VEC_LOGITS,x        ; logit >= best: no borrow, the high bytes'
        cmp am_best             ; sign bits flipped
        lda VEC_LOGITS+VEC_HIGH,x
        eor #$80
        sbc am_best+1
        bcc @unmarked
        lda VEC_LOGITS,x
        sta am_best
        lda VEC_LOGITS+VEC_HIGH,x
        eor #$80
        sta am_best+1
        stx am_row
@unmarked:
        dex
        lda am_bits             ; until the group has no mark left
        bne @row
@next_group:
        dey
        bpl @group
        lda am_row
        rts
        .assert VOCAB_SIZE % 8 == 0 && VOCAB_SIZE <= 256, "argmax: whole groups of 8 rows, ids in X"

        .ifndef logits_exact    ; the kernel bench, which has no forward.s
LOGITS_EXACT_BYTES = VOCAB_SIZE / 8
logits_exact:
        .res LOGITS_EXACT_BYTES
        .endif

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
@next:
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
        bne @next               ; (always: $7F or $80)


; (argmax, then residual_add, then relu_z: in the PRG that keeps each
; one's loop within a page; tests/test_kernel_pages.py.)
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
