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
.ifdef MV_SPARSE_PAIR_SKIP
        ld a,(mv_mode)          ; (matvec.s's mv_zero_part_split: a whole sparse call ends as the others)
        and MV_KEEP
        jp z,mv_hz_prepare@general
.endif
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

.ifndef MV_COARSE_UNCALLED      ; (the gated and raw coarse rows' ends: a coarse call's)
; mv_gate_relu - (MV_GATE_END, a gated call with mv_store_relu at shift 7 - MV_GATE_RELU_STEPS
; or more: fc1's) the end of a row mv_hz_gate did not zero, summed again by mv_gate_exact (the
; h sum's set, E:H:L = V exact, within 16 bits as every x is one piece: E is H's sign; the
; other set's B the low byte; the row's word at MV_OUT_PTR): ReLU's 0 for V < 0 (a clip
; towards $8000 would give it too), else H:L:low byte << (7 - shift), $7FFF where a step sets
; bit 15; stored, and on to the next row as mv_hz_gate's zeroed rows: ~85 T-states a row less
; than mv_shift_jump's chain, mv_store_relu and mv_stored at shift 6 (counted; eighteenth
; round, zxends2: 128K "hello" -1,485 T-states a position, docs/spectrum.md).
MV_GATE_RELU_STEPS = 2          ; (the shipped soul's fc1: shifts 7 and 6)
mv_gate_relu:
        bit 7,h
        jr nz,@zero
        exx
        ld a,b                  ; the low byte
        exx
        jp @store               ; patched: the chain's entry for the shift (mv_gate_relu_prepare)
MV_GATE_RELU_ENTRY = * - 2
@chain:
        .repeat MV_GATE_RELU_STEPS
        add a,a
        adc hl,hl
        jp m,@max               ; (V >= 0: bit 15 set is out of range)
        .endrepeat
        .assert @store - @chain == 6 * MV_GATE_RELU_STEPS, "mv_gate_relu_prepare enters the chain as mv_hz_left, 6 bytes a step"
@store:
        ex de,hl
@store_de:
        ld hl,(MV_OUT_PTR)
        ld (hl),e
        inc l                   ; (mv_out even)
        ld (hl),d
        inc hl
        dec b
        jp nz,mv_row_h_zero     ; patched as mv_hz_store's (mv_gate_relu_prepare)
MV_GATE_RELU_NEXT = * - 2
        jp mv_part_end
@zero:
        ld de,0
        jr @store_de
@max:
        ld de,$7FFF
        jr @store_de

; mv_gate_relu_prepare - (mv_hz_prepare's short gate, HL the rows' start) mv_gate_exact's
; rows to mv_gate_relu where its chain has the call's shift (mv_gate_prepare put them back
; on mv_shift_jump). Clobbers AF, DE, HL.
mv_gate_relu_prepare:
        ld (MV_GATE_RELU_NEXT),hl
        ld de,(mv_hz_shift)     ; mv_hz_left's entry for the shift (a top byte 0: none)
        ld a,d
        or a
        ret z
        ld hl,(-(mv_hz_store - 6 * MV_GATE_RELU_STEPS)) & $FFFF
        add hl,de
        ret nc                  ; (more steps than mv_gate_relu's chain)
        ld de,mv_gate_relu@chain
        add hl,de
        ld (MV_GATE_RELU_ENTRY),hl
        ld hl,mv_gate_relu
        ld (MV_GATE_END),hl
        ret

; mv_coarse_raw - (matvec.s's coarse slots' end for a call asked for with mv_coarse_on =
; MV_COARSE_RAW: logitsraw.s's fw_logits_bound) the row end that stores the slots' H:L = D >> 8 as
; it stands, in no shift and no clip: the doubled sum's top 16 bits with each product's
; low byte and the row's own left out, so the exact doubled sum lies in 256 H:L ..
; 256 H:L + 255 (cols + 1). The word goes through the h sum's set's HL (MV_HZ_PTR), and
; the rows end where their words reach their page's end (the last inc l's Z): the
; call's output must fill a page from its start (forward.s's fw_logits, 128 rows:
; logitsraw.s asserts it).
; Since the twenty-first round the row is doubled twice first (MV_RAW_DOUBLINGS: logitsraw.s's
; rows in 4 H:L, which argmax's runner-up tells apart), its word 4 H:L: D >> 8 lies within
; -5,632..5,631 for any coarse call (32 columns, at most 6 with |x| <= 384, the rest <= 128).
; 74 T-states a row with the next row's jp (52 before the doublings), against 145 for matvec.s's mv_hz_left and
; mv_hz_store. Entered in the l sum's set; the rows go on in the h sum's. (Here, after
; the table: matvec.s's room before it is the scarcest; eighteenth round, zxlogits3.)
MV_RAW_DOUBLINGS = 2            ; the rows stored as 4 (D >> 8): within int16 for any coarse call
mv_coarse_raw:
        .repeat MV_RAW_DOUBLINGS
        add hl,hl
        .endrepeat
        ld a,l
        exx
        ld (hl),a
        inc l
        exx
        ld a,h
        exx
        ld (hl),a
        inc l
        jp nz,0                 ; patched: the rows' start (mv_hz_raw)
MV_CR_NEXT      = * - 2
        jp mv_part_end

; mv_hz_raw - (matvec.s's mv_hz_prepare, for mv_coarse_on = MV_COARSE_RAW; its stack
; holds the rows' start, HL too) the raw rows' ends and their first word.
mv_hz_raw:
        ld (MV_CR_NEXT),hl
        ld hl,(MV_OUT_PTR)
        ld de,mv_coarse_raw
        jp mv_hz_prepare@ends_set
.endif                          ; (MV_COARSE_UNCALLED)
.endif
