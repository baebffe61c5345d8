; mvcompact.s - matvec_compact: fc2's call as matvec.s makes it with its adding store, in few bytes and slowly
; (Z80; thirty-sixth round, zx48proj36: the kernels' bench alone, weighed as the 48K's exact fallback for
; nzmatvec.s's declined calls once neither proj nor fc1 calls matvec.s's slots; docs/spectrum.md, "Thirty-sixth
; round: the 48K's proj by planes.s's rows, weighed").
;
; Inputs: matvec.s's (mv_w in its layout: each row's constant, 2 bytes where mv_shift's bit 7, MV_SHORT_FLAG,
; says so, else 3, then its first min(cols, 32) - or cols - 32 - weights as w xor $80; with more than 32
; columns the last 32 of every row after all the rows' first parts; mv_x, mv_cols signed words; mv_bias,
; mv_rows signed words or 0 for none; mv_out; mv_rows 1..255; mv_cols 1..64; mv_shift's low 7 bits 0..30).
; Output: mv_out[r] = sat16(mv_out[r] + sat16((sum_c w[r][c] x[c] + b[r]) >> shift)), mv_store_add's sum. The
; row constants are passed over: the bias is mv_bias's, as matvec.s reads it (with MV_BIAS_IN_K the constants
; hold it too). Clobbers AF, BC, DE, HL and AF' (arith.s's mul16s); IX, IY, SP and the interrupts as they were.
;
; How: each product by arith.s's mul16s (|w| <= 128: its smaller operand w, one pass of 8 rounds), summed in
; 32 bits from the row's bias; the sum shifted by sra32, clamped by sat32to16, added into out with saturation.
;
; T-states (tests/test_kernels_z80_compact.py's header case: the shipped soul's fc2, z with 10 columns in 1..199
; and one of 397, as nzmatvec.s declines, CALL and RET included, the 48K's options): layer 0's (3-byte constants)
; 1,475,216, layer 1's (2-byte) 1,449,221, ~720 a product, against matvec.s's dense call's 250,867 and 230,846
; (251,269 and 231,248 before the thirty-ninth round's column pass by add ix,de).
; Its size: 277 bytes on the kernels' bench (the code 259, its variables 18; no player holds it, so no "Bytes:" line
; for tests/test_kernels_z80.py's players to check).

mc_weights:     .word 0         ; the row's next weight (its first part's, then its second part's)
mc_second:      .word 0         ; the row's second part (cols > 32)
mc_x:           .word 0         ; the next x
mc_out:         .word 0         ; the row's out
mc_bias:        .word 0         ; the row's bias (0: none)
mc_k_bytes:     .byte 0         ; a row constant's bytes: 2 or 3
mc_first:       .byte 0         ; the first part's columns: cols - 32 where cols > 32, else cols
mc_columns:     .byte 0         ; the part's columns left
mc_rows_left:   .byte 0
mc_sum:         .res 4          ; the row's sum, 32 bits

matvec_compact:
        ld a,(mv_cols)
        sub MV_MAX_COLS
        jr z,@whole
        jr nc,@first_set
@whole: ld a,(mv_cols)
@first_set:
        ld (mc_first),a
        ld e,a
        ld a,(mv_shift)
        rlca                    ; MV_SHORT_FLAG to bit 0
        and 1
        cpl
        add a,4                 ; 2 or 3
        ld (mc_k_bytes),a
        add a,e
        ld c,a
        ld b,0                  ; BC = a first part's row
        ld hl,(mv_out)
        ld (mc_out),hl
        ld hl,(mv_bias)
        ld (mc_bias),hl
        ld a,(mv_rows)
        ld (mc_rows_left),a
        ld hl,(mv_w)            ; the second part after every row's first part
@rows_end:
        add hl,bc
        dec a
        jr nz,@rows_end
        ld (mc_second),hl
        ld hl,(mv_w)
@row:                           ; HL = the row's constant
        ld a,(mc_k_bytes)
        ld e,a
        ld d,0
        add hl,de
        ld (mc_weights),hl
        ld hl,(mv_x)
        ld (mc_x),hl
        ld hl,(mc_bias)         ; the sum starts at the bias (sign-extended) or 0
        ld a,h
        or l
        jr z,@bias_read         ; (HL = 0, A = 0)
        ld e,(hl)
        inc hl
        ld d,(hl)
        inc hl
        ld (mc_bias),hl
        ex de,hl
        ld a,h
        rla
        sbc a,a
@bias_read:
        ld (mc_sum),hl
        ld (mc_sum + 2),a
        ld (mc_sum + 3),a
        ld a,(mc_first)
        call mc_part
        ld a,(mv_cols)
        cp MV_MAX_COLS + 1
        jr c,@summed            ; one part
        ld hl,(mc_weights)
        push hl                 ; the next row's constant
        ld hl,(mc_second)
        ld (mc_weights),hl
        ld a,MV_MAX_COLS
        call mc_part
        ld hl,(mc_weights)
        ld (mc_second),hl
        pop hl
        ld (mc_weights),hl
@summed:
        ld hl,(mc_sum + 2)
        ex de,hl
        ld hl,(mc_sum)
        ld a,(mv_shift)
        and $7F
        call sra32
        call sat32to16          ; HL = the row's output
        ex de,hl
        ld hl,(mc_out)          ; out += it, saturated as mv_store_add does
        ld a,(hl)
        add a,e
        ld (hl),a
        inc hl
        ld a,(hl)
        adc a,d
        jp po,@stored
        dec hl                  ; a signed overflow: towards the addends' sign (D's)
        ld (hl),$FF
        ld a,$7F
        bit 7,d
        jr z,@clipped
        ld (hl),0
        inc a                   ; $80
@clipped:
        inc hl
@stored:
        ld (hl),a
        inc hl
        ld (mc_out),hl
        ld hl,mc_rows_left
        dec (hl)
        ld hl,(mc_weights)      ; (past the first part: the next row's constant)
        jp nz,@row
        ret

; mc_part - mc_sum += A columns' w x, the weights from mc_weights and x from mc_x (both moved on).
; Clobbers AF, BC, DE, HL, AF'.
mc_part:
        ld (mc_columns),a
@column:
        ld hl,(mc_weights)
        ld a,(hl)
        inc hl
        ld (mc_weights),hl
        xor $80                 ; w
        ld e,a
        rla
        sbc a,a
        ld d,a                  ; DE = w
        ld hl,(mc_x)
        ld c,(hl)
        inc hl
        ld b,(hl)
        inc hl
        ld (mc_x),hl            ; BC = x
        call mul16s             ; DEHL = w x
        ld bc,(mc_sum)
        add hl,bc
        ld (mc_sum),hl
        ex de,hl
        ld bc,(mc_sum + 2)
        adc hl,bc
        ld (mc_sum + 2),hl
        ld hl,mc_columns
        dec (hl)
        jr nz,@column
        ret
mc_end:
