; squares.s - matvec's squares table S(n) = n*n and its working variables (Z80).
; Included first, so that the page alignment the table needs costs nothing
; at a page-aligned origin. See matvec.s.
; Bytes: 1,234 (the variables' 128, the table's 1,023 and, in the 48K player since the thirty-ninth round,
; attention.s's exp table's 83 after it, AT_EXP_AFTER_SQUARES; 1,151 without it).

MV_MAX_COLS     = 32            ; the most columns matvec's slots take at once (64 run as two parts)

; The squares table and, in the 128 bytes before its page boundary, the working variables
; (attention.s's scores overlay mv_flag_list on; rmsnorm.s's variables take the last 18 bytes).
        .align 256
mv_vars:
mv_saved_sp:    .word 0
mv_row_ptr:     .word 0
mv_v:           .res 3          ; V while the fixup adjusts it
mv_same_x:      .byte 0         ; 1: matvec_again (the column patches stand)
mv_flag_count:  .byte 0
mv_wide_end:    .byte 0         ; the list's end (its low byte) while mv_prepare writes it
mv_mode:        .byte 0         ; MV_NARROW, MV_KEEP, MV_RESUME (matvec.s)
mv_h_skipped:   .byte 0         ; 1: a slot may still hold a jp over its high piece
mv_first_slot:  .word 0         ; the first used slot (an odd one counted from one byte early)
mv_first_parity: .byte 0        ; its parity pattern ($AA even, $55 odd)
.ifdef MV_SPARSE
mv_sparse_cols: .byte 0         ; the slots a sparse call patched (0: none)
mv_sparse_on:   .byte 0         ; $FF: the call (each of its parts) runs sparse
.endif
mv_flag_list:   .res MV_MAX_COLS    ; with the room after it, also attention.s's at_scores
mv_wide_list:   .res MV_MAX_COLS    ; the wide columns, each as its distance from the one before
        .assert * - mv_vars <= 128, "matvec variables overflow the space before the squares table"
        .res 128 - (* - mv_vars)
; S(n) = n*n for n = -255..255: low bytes at mv_sq_lo + 255 + n, high bytes 512 bytes on.
mv_sq_lo:
        .repeat 511, i
        .byte ((i - 255) * (i - 255)) & 255
        .endrepeat
        .byte 0
mv_sq_hi:
        .repeat 511, i
        .byte ((i - 255) * (i - 255)) >> 8
        .endrepeat
        .assert mv_sq_hi - mv_sq_lo == 512 && (mv_sq_lo + 128) % 256 == 0, "squares table misplaced"

; attention.s's exp table, here so that the 48K player can place it right after the squares, which end at
; a fixed address ($847F, the page's byte 127): 83 bytes there lie in one page whatever the length of the code
; before attention.s (AT_EXP_AFTER_SQUARES, thirty-ninth round; before it exp_lut moved with that code and crossed
; a page after some merges, attend_head@near's crossing form 2 bytes and ~435 T-states a long reply step more).
; AT_SHORT_EXP (the 48K's, for room; not with the fast weights' loop, AT_FAST_SCORES or
; AT_PLANE_SCORES without AT_TABLE_MEANS, which reads all 128)
; stores LUT[0..AT_EXP_ONES - 1] only: the rest is 1, and 0 at 127 (attend_head@far).
AT_EXP_ONES     = 83            ; the first i with LUT[i] = 1
        .macro at_exp_table             ; the attention exp table (spec.exp_lut): LUT[i] ~ 255 * exp(-i/16), LUT[127] = 0
exp_lut:
        .byte 255
.ifdef AT_SHORT_EXP
.ifndef AT_TABLE_MEANS
.ifdef AT_KEYS_BY_SP
        .assert 0, "AT_SHORT_EXP is the weights of AT_TABLE_MEANS or the old ones, not the fast weights' loop"
.endif
.endif
        .repeat AT_EXP_ONES - 1, i
        .byte clamp(round(255.0 * exp(-(i + 1) / 16.0)), 1, 255)
        .endrepeat
        .assert clamp(round(255.0 * exp(-(AT_EXP_ONES - 1) / 16.0)), 1, 255) > 1 && round(255.0 * exp(-AT_EXP_ONES / 16.0)) <= 1, "AT_EXP_ONES is not where the run of 1s starts"
.else
        .repeat 126, i
        .byte clamp(round(255.0 * exp(-(i + 1) / 16.0)), 1, 255)
        .endrepeat
        .byte 0
.endif
exp_lut_end:
        .endmacro
.ifdef AT_EXP_AFTER_SQUARES
        at_exp_table
        .assert (exp_lut & 255) + AT_EXP_ONES <= 256, "AT_EXP_AFTER_SQUARES: exp_lut in one page (attend_head@near's short form)"
.endif
