; squares.s - matvec's squares table S(n) = n*n and its working variables (Z80).
; Included first, so that the page alignment the table needs costs nothing
; at a page-aligned origin. See matvec.s.
; Bytes: 1,151 (the variables' 128 and the table's 1,023).

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
