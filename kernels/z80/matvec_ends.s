; matvec_ends.s - the part of matvec.s's short row ends (MV_LOW_HLA, the 128K's) that the
; players lay after attention.s's page-aligned at_sq_table: before the table lie ~20 bytes
; of its alignment, after it the code layer 1 runs may go on to $C000 (eighteenth round,
; zxends2). It uses matvec.s's symbols and is empty without MV_LOW_HLA (the 48K's tape
; is as without it).
.ifdef MV_LOW_HLA

; mv_hzs_first_prepare - (mv_hz_prepare, a sparse first part whose second part's end can be
; short) its rows keep A:HL through mv_hzs_keep, starting at mv_row_hzs, or at
; mv_row_hzsb with a bias.
mv_hzs_first_prepare:
        ld a,MV_HZS_KEPT
        ld (mv_hz_kept),a
        ld hl,(MV_CARRY_PTR)
        ld (MV_HZ_PTR),hl
        ld hl,(MV_NC_L)
        ld a,(MV_NC_L_TOP)
        ex de,hl                ; A:DE = -Cl
        ld hl,(mv_bias_jump+1)
        ld bc,mv_add_bias
        or a
        sbc hl,bc
        jr z,@bias
        ld (MV_HZS_NC_L),de
        ld (MV_HZS_NC_L_TOP),a
        ld hl,(mv_bias_jump+1)  ; (mv_jump: no bias)
        ld (MV_HZS_BIAS_JUMP),hl
        ld hl,mv_row_hzs
        ld (mv_first_row+1),hl
        jr @start_set
@bias:
        ld (MV_HZSB_NC_L),de
        ld (MV_HZSB_NC_L_TOP),a
        ld hl,(mv_jump+1)
        ld (MV_HZSB_JUMP),hl
        ld hl,(MV_BIAS_PTR)
        ld (MV_HZSB_BIAS),hl
        ld hl,mv_row_hzsb_first
        ld (mv_first_row+1),hl
        ld hl,mv_row_hzsb
@start_set:                     ; HL: the next rows' start
        ld (mv_row_jump+1),hl
        ld (MV_HZS_NEXT),hl
        ld de,mv_hzs_keep       ; the rows' end
        jp mv_hz_prepare@hzs_row_end_patch
.endif
