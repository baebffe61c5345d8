; forward.s - one new position through both layers, with the KV cache:
; the SPEC forward pass for position t, leaving in VEC_LOGITS the logits the
; argmax needs (forward_logits: exact where logits_exact says, bounds elsewhere).
;
;   h = embed(token, t)
;   per layer: xn = rmsnorm(h, n1); q, k, v = matvec(q|k|v, xn)
;              k, v -> cache[t]; att = attention of each head over cache[0..t]
;              h = sat16(h + matvec(proj, att))
;              yn = rmsnorm(h, n2); z = relu(matvec(fc1, yn) + fc1_b)
;              h = sat16(h + matvec(fc2, z) + fc2_b)
;   logits = matvec(out, rmsnorm(h, norm))     (post shift 0)
;
; forward_step: A = token id, at_t = position (0..19); the cache must hold
;   positions 0..t-1 of this context. Output: VEC_LOGITS (128 int16) and
;   logits_exact (forward_logits).
; forward_position: the same without the logits; forward_logits: only them;
; forward_prefill: only what later positions need (see there);
; forward_first: position 0 (always SEP) copied from what forward_first_save
; computed at start-up.
; Keeps NOW_POSITION / NOW_LAYER / NOW_HEAD current for the TUI ($FF =
; idle) and steps the border colour once a layer and once for the logits,
; so a computing C64 flashes its border. Clobbers A, X, Y and every kernel's zero page.
; Cycles of forward_step (exact, `bench.forward_cycles` on each soul's
;   trace turn): vectors soul 1,013,130 at context length 5, 1,060,682 at
;   10, 1,186,227 at 19; models/soul.bin (tests/reference/trace.json's
;   turn) 593,243, 714,896, 805,527 (1,016,452 / 1,064,511 / 1,189,424 and
;   602,025 / 722,981 / 813,203 before the fourteenth round: pass 2's
;   aligned middle bytes, embed's chains, RMSNorm's vectors assembled in,
;   the walk's column count; 1,028,113 / 1,076,667 / 1,202,609 and
;   612,316 / 735,161 / 826,366 before the thirteenth round: page crossings,
;   attention's division, the border's step a layer, the norms; before the sparse soul and fc2's sparse calls
;   1,052,131 / 1,082,145 / 1,212,731 and 752,991, 799,417, 884,214; 763,868,
;   822,125, 894,181 before the clamped norms, the mean square by pages and
;   the embedding's left shifts; before the argmax bound, matvec's narrow
;   calls and fc1's MV_RELU 841,721, 900,213, 971,474 on its own turn; the
;   argmax's bound, forward_logits, takes ~50,000 off the shipped soul's
;   logits, ~0..15,000 off the vectors soul's, whose inputs are mostly
;   short; fc1's MV_RELU, which stores 0 for the rows ReLU certainly zeroes
;   without their pass 1, ~20,000 off the shipped soul's two fc1 calls,
;   ~4,500 off the vectors soul's).
; Bytes: 1,400.
;
; The weights and shifts come from soul.inc, which the build generates from
; soul.bin: matrices column-major with bytes W+128 (matvec.s), gains and
; embeddings as int8, and each matrix's row constants (the bias folded in).

; A matvec: weights, rows, cols, row constants (matvec.s: the bias is folded
; in), shift (s_w + post), in, out.
        .macro matvec_desc weights, rows, cols, rowk, shift, input, output
        .word weights
        .byte rows, cols
        .word rowk
        .byte shift
        .word input, output
        .endmacro

; An RMSNorm: gains, gain shift, in, out.
        .macro norm_desc gains, shift, unit, input, output
        .word gains
        .byte shift
        .word input, output
        .byte unit              ; rn_unit_gains: every gain 2^(shift - d), d in bits 0-2 (layout.py)
        .assert (unit & $7F) <= RN_UNIT_MAX_SHIFT, "a norm's shift beyond rn_scale_unit's chain"
        .assert (unit & $78) == 0, "rn_patch_inv keeps the last unit byte, $FF before any"
        .ifdef RN_FIXED_VECTORS
        .assert input == VEC_H && output == VEC_XN, "rn_scale_unit's vectors are assembled in (RN_FIXED_VECTORS)"
        .endif
        .endmacro

; Offsets of the descriptors in a layer's table.
LD_N1   = 0
LD_Q    = 2
LD_K    = 4
LD_V    = 6
LD_PROJ = 8
LD_N2   = 10
LD_FC1  = 12
LD_FC2  = 14
IDLE    = $FF
; fc2 takes MV_SPARSE (two slots a nonzero input, none a zero one, matvec.s)
; with at most this many nonzero inputs, where it costs less than a full call
; (one slot an input): measured, docs/speed.md.
FW_SPARSE_MAX = 30
        .assert FW_SPARSE_MAX <= MV_SPARSE_SLOTS, "more nonzero inputs than sub slots"

forward_step:
        jsr forward_position
; forward_logits: the logits of the position just computed, as far as the
; argmax needs them (SPEC: ids 3..127, the lowest id on a tie). A coarse
; matvec (MV_COARSE, matvec.s: no pass 1) gives every row r a lower bound
; lo_r <= logit_r <= lo_r + LOGITS_SLACK; with T the largest lo_r of ids
; 3..127, a row with lo_r + LOGITS_SLACK < T lies strictly below the
; winner, so it can neither win nor tie. The other rows of 3..127 (one to
; three in most positions) are computed again, exactly (mv_exact_row), and set
; their bit in logits_exact (bit r & 7 of byte r >> 3). VEC_LOGITS then
; holds the exact logit of every row marked there and the lower bound lo_r
; of every other row (rows 0..2 included), each below the largest exact
; one: argmax over all 128 picks SPEC's token.
forward_logits:
        jsr fw_border
        ldx #<final_norm
        ldy #>final_norm
        jsr run_rmsnorm
forward_logits_of_xn:           ; (the same from VEC_XN: the tests' entry)
        lda #MV_COARSE
        sta mv_flags
        ldx #<logits_matvec
        ldy #>logits_matvec
        jsr run_matvec
        lda mv_flags            ; too few small columns for pass 1 to
        and #MV_COARSE          ; pay: matvec made the call exact
        beq @all_exact
; am_best = T, the largest lower bound of ids 3..127, as an unsigned number
; T + 32768 (the high byte's sign bit flipped): high bytes first.
        ldx #FIRST_CHOOSABLE
        lda VEC_LOGITS+VEC_HIGH,x
        eor #$80
        sta am_best+1
        lda VEC_LOGITS,x
        sta am_best
@largest:
        inx
        bmi @threshold
        lda VEC_LOGITS+VEC_HIGH,x
        eor #$80
        cmp am_best+1
        bcc @largest
        bne @larger
        ldy VEC_LOGITS,x        ; the same high byte: the low bytes
        cpy am_best
        bcc @largest
        sty am_best
        jmp @largest
@larger:
        sta am_best+1
        lda VEC_LOGITS,x
        sta am_best
        jmp @largest
@threshold:                     ; am_best = T - LOGITS_SLACK (+ 32768), 0
        sec                     ; (-32768) below that
        lda am_best
        sbc #<LOGITS_SLACK
        sta am_best
        lda am_best+1
        sbc #>LOGITS_SLACK
        bcs @in_range
        lda #0
        sta am_best
@in_range:
        sta am_best+1
        ldx #LOGITS_EXACT_BYTES - 1
        lda #0
@clear:
        sta logits_exact,x
        dex
        bpl @clear
        ldx #FIRST_CHOOSABLE
@row:                           ; lo_r >= am_best (both + 32768): exactly
        lda VEC_LOGITS+VEC_HIGH,x
        eor #$80
        cmp am_best+1
        bcc @next_row
        bne @exact
        lda VEC_LOGITS,x
        cmp am_best
        bcc @next_row
@exact:
        stx fw_tmp
        jsr fw_exact_logit
        ldx fw_tmp
@next_row:
        inx
        bpl @row
        rts
@all_exact:                     ; ids 3..127
        ldx #LOGITS_EXACT_BYTES - 1
        lda #$FF
@mark:
        sta logits_exact,x
        dex
        bne @mark
        lda #$100 - (1 << FIRST_CHOOSABLE)
        sta logits_exact
        rts
        .assert FIRST_CHOOSABLE < 8, "the ids never chosen in logits_exact's first byte"
        .assert VOCAB_SIZE == 128, "forward_logits ends its loops when X reaches 128 (bmi, bpl)"

; The coarse bound: the low bytes of at most EMBED_DIM small products (0..255
; each) in the doubled sum, and the shift's rounding.
LOGITS_SLACK    = ((2 << OUT_SHIFT) - 1 + 255 * EMBED_DIM) / (2 << OUT_SHIFT)
        .assert LOGITS_SLACK < 32768, "the argmax's threshold in 16 bits"
LOGITS_EXACT_BYTES = VOCAB_SIZE / 8

; Logit X (= fw_tmp) exactly into VEC_LOGITS (mv_exact_row, matvec.s: the
; row again with pass 1), marked in logits_exact.
fw_exact_logit:
        txa
        lsr
        lsr
        lsr
        tay
        txa
        and #7
        tax
        lda fw_bits,x
        ora logits_exact,y
        sta logits_exact,y
        ldx fw_tmp
        jmp mv_exact_row
fw_bits:
        .byte 1, 2, 4, 8, 16, 32, 64, 128
logits_exact:                   ; bit r & 7 of byte r >> 3: logit r is exact
        .res LOGITS_EXACT_BYTES ; (argmax, vecops.s, reads only these rows)

; forward_position: both layers for token A at position at_t, filling the
; cache, without the logits (a prompt needs logits only at its last position).
forward_position:
        sta fw_token
        lda at_t
        sta NOW_POSITION
        jsr fw_embed
        lda #0
        sta at_layer
        ldx #<layer_0
        ldy #>layer_0
        jsr fw_layer
        inc at_layer
        ldx #<layer_1
        ldy #>layer_1
        jsr fw_layer
        lda #IDLE
        sta NOW_LAYER
        sta NOW_HEAD
        rts

; forward_prefill: what a prompt position needs when its logits are not
; wanted: layer 0 in full (its output feeds layer 1's keys and values), then
; only layer 1's key and value for the cache. Same inputs as forward_position;
; VEC_H is left as layer 0's output.
forward_prefill:
        sta fw_token
        lda at_t
        sta NOW_POSITION
        jsr fw_embed
        lda #0
        sta at_layer
        ldx #<layer_0
        ldy #>layer_0
        jsr fw_layer
        jsr fw_keep_kv
        inc at_layer
        ldx #<layer_1
        ldy #>layer_1
        jsr fw_layer_kv
        jsr fw_keep_kv
        lda #IDLE
        sta NOW_LAYER
        sta NOW_HEAD
        rts

; forward_first: position 0, which always holds SEP (soulplayer.s), so its
; keys and values are the same in every turn: forward_first_save computes
; them once a RUN into the record FIRST_KV (memory.inc, under the KERNAL ROM)
; and forward_first copies them into the cache instead of running the
; position. Position 1 of a prompt that opens with one of opener_ids (vocab.inc:
; the first ids of the commonest English first words) depends only on that
; id, so forward_openers_save computes it once a LOAD into that opener's
; record (OPENER_KV, memory.inc, under the I/O area), and forward_opener
; copies it into the cache instead of running the position.
; A record is one page, each layer's half (layer*128) in VEC_K's form: the
; key's and the value's low bytes (VEC_V follows VEC_K), then their high
; bytes 64 further. fw_keep_kv writes it from VEC_K and VEC_V as a position
; runs; fw_record_load gives them back to fw_store_kv.
        .assert VEC_V == VEC_K + EMBED_DIM, "a record's halves copy VEC_K and VEC_V as one"
        .assert 4 * N_LAYERS * EMBED_DIM == 256 && N_LAYERS == 2, "a record is one page: two halves"
forward_first_save:
        lda #>FIRST_KV
        sta fw_keep
        lda #0
        sta at_t
        lda #TOKEN_SEP
        jsr forward_prefill
        lda #0                  ; (a turn's positions keep nothing)
        sta fw_keep
        rts

; forward_openers_save: each opener's position 1 (after position 0, which
; forward_first_save leaves in the cache) into its record, once a LOAD:
; openers_saved (soulplayer.s) stays 0 if a RESTORE cuts it short, and the
; next RUN starts it again. Clobbers what forward_prefill clobbers.
forward_openers_save:
        lda openers_saved
        bne @done
        ldx #OPENERS - 1
@opener:
        stx fw_opener
        txa
        clc
        adc #>OPENER_KV
        sta fw_keep
        lda #1
        sta at_t
        lda opener_ids,x
        jsr forward_prefill
        ldx fw_opener
        dex
        bpl @opener
        inc openers_saved
        lda #0
        sta fw_keep
@done:
        rts

; forward_opener: when position 1 holds an opener whose record is saved, the
; cache's position 1 from it, and at_t = 2 (else nothing changes: at_t = 1).
forward_opener:
        lda openers_saved
        beq @none
        lda CONTEXT_IDS+1
        ldx #OPENERS - 1
@find:
        cmp opener_ids,x
        beq @found
        dex
        bpl @find
@none:
        rts
@found:
        txa
        clc
        adc #>OPENER_KV
        jsr fw_record_load      ; (at_t = 1)
        inc at_t
        rts

forward_first:
        lda #0
        sta at_t
        lda #>FIRST_KV
        ; (falls through)
; fw_record_load: the cache's position at_t from the record in page A, with
; the keys' sums (fw_store_kv). Clobbers A, X, Y, at_layer and what
; fw_store_kv clobbers.
fw_record_load:
        sta @low+2
        sta @high+2
        lda #0
        sta at_layer
@layer:
        lda at_layer            ; this layer's half
        lsr
        ror
        sta @low+1
        ora #2 * EMBED_DIM
        sta @high+1
        ldx #2 * EMBED_DIM - 1
@copy:
@low:
        lda $FF00,x
        sta VEC_K,x
@high:
        lda $FF00,x
        sta VEC_K+VEC_HIGH,x
        dex
        bpl @copy
        jsr fw_store_kv
        inc at_layer
        lda at_layer
        cmp #N_LAYERS
        bne @layer
        rts

; fw_keep_kv: after a layer's key and value went into the cache, the same
; into layer at_layer's half of the record in page fw_keep (0: none).
; Clobbers A, X.
fw_keep_kv:
        lda fw_keep
        beq @none
        sta @low+2
        sta @high+2
        lda at_layer
        lsr
        ror
        sta @low+1
        ora #2 * EMBED_DIM
        sta @high+1
        ldx #2 * EMBED_DIM - 1
@copy:
        lda VEC_K,x
@low:
        sta $FF00,x
        lda VEC_K+VEC_HIGH,x
@high:
        sta $FF00,x
        dex
        bpl @copy
@none:
        rts
fw_keep:                        ; the page of the record positions are kept in (0: none)
        .byte 0
fw_opener:                      ; forward_openers_save's opener
        .byte 0

; h = embed(fw_token, at_t): te row = te + token*32, pe row = pe + t*32.
fw_embed:
        lda #0
        sta em_te+1
        lda fw_token
        ldx #5
@times_32:
        asl
        rol em_te+1
        dex
        bne @times_32
        clc
        adc #<te
        sta em_te
        lda em_te+1
        adc #>te
        sta em_te+1
        lda #0
        sta em_pe+1
        lda at_t
        ldx #5
@position_times_32:
        asl
        rol em_pe+1
        dex
        bne @position_times_32
        clc
        adc #<pe
        sta em_pe
        lda em_pe+1
        adc #>pe
        sta em_pe+1
        lda #TE_SHIFT
        sta em_te_shift
        lda #PE_SHIFT
        sta em_pe_shift
        jmp embed

; One layer; X/Y = its descriptor table, at_layer = its index.
fw_layer:
        stx fw_layer_desc
        sty fw_layer_desc+1
        jsr fw_border
        lda at_layer
        sta NOW_LAYER
        ldy #LD_N1
        jsr fw_norm
        ldy #LD_Q
        jsr fw_matvec
        ldy #LD_K               ; k and v read the same xn as q
        jsr fw_matvec_same_input
        ldy #LD_V
        jsr fw_matvec_same_input
        jsr fw_store_kv
        lda #0
        sta at_head
@head:
        lda at_head
        sta NOW_HEAD
        jsr attention_head
        inc at_head
        lda at_head
        cmp #N_HEADS
        bne @head
        lda #IDLE
        sta NOW_HEAD
        ldy #LD_PROJ
        jsr fw_matvec
        jsr residual_add
        ldy #LD_N2
        jsr fw_norm
        ldy #LD_FC1             ; rows ReLU certainly makes 0 store 0
        jsr fw_matvec_relu      ; without pass 1 (matvec.s: MV_RELU)
        jsr relu_z
        ldy #LD_FC2             ; only the nonzero inputs' columns, when
        jsr fw_matvec_sparse    ; few (matvec.s: MV_SPARSE)
        jmp residual_add

; Only a layer's key and value, into the cache; X/Y = its descriptor table.
fw_layer_kv:
        stx fw_layer_desc
        sty fw_layer_desc+1
        jsr fw_border
        lda at_layer
        sta NOW_LAYER
        ldy #LD_N1
        jsr fw_norm
        ldy #LD_K
        jsr fw_matvec
        ldy #LD_V
        jsr fw_matvec_same_input
        jmp fw_store_kv

; Step the border colour, once a layer and once for the logits (three steps
; a generated token: still a visible flash, 84 cycles a token with the JSRs
; where a step a kernel took 728): I/O is banked out while the kernels
; compute (soulplayer.s), so it comes in for the one write.
fw_border:
        lda #MEM_ALL_RAM | MEM_IO_IN
        sta CPU_PORT
        inc VIC_BORDER
        lda #MEM_ALL_RAM
        sta CPU_PORT
        rts

; Run the norm / matvec whose descriptor address is at offset Y of the layer table.
fw_norm:
        lda (fw_layer_desc),y
        tax
        iny
        lda (fw_layer_desc),y
        tay
        jmp run_rmsnorm
fw_matvec:
        lda #0
        sta mv_flags
        beq fw_run_matvec
fw_matvec_relu:                 ; outputs that go through ReLU
        lda #MV_RELU
        sta mv_flags
        bne fw_run_matvec
fw_matvec_sparse:               ; ReLU's output: sparse when relu_z counted at
        lda #0                  ; most FW_SPARSE_MAX nonzero values, with the
        ldx relu_nonzero        ; layer's sparse row constants
        cpx #FW_SPARSE_MAX + 1
        bcs @full
        lda #<SPARSE_ROWK
        ldx at_layer
        beq @layer_0
        lda #<(SPARSE_ROWK + 3 * EMBED_DIM)
        .assert N_LAYERS == 2, "fw_matvec_sparse picks one of two layers' constants"
@layer_0:
        sta mv_sparse_rowk
        lda #>SPARSE_ROWK
        sta mv_sparse_rowk+1
        lda #MV_SPARSE
@full:
        sta mv_flags
        jmp fw_run_matvec
fw_matvec_same_input:           ; the input of the previous matvec again
        lda #MV_SAME_INPUT
        sta mv_flags
fw_run_matvec:
        lda (fw_layer_desc),y
        tax
        iny
        lda (fw_layer_desc),y
        tay
        jmp run_matvec

; rmsnorm with the norm descriptor at X/Y.
run_rmsnorm:
        stx fw_desc
        sty fw_desc+1
        ldy #0
        lda (fw_desc),y
        sta rn_gain
        iny
        lda (fw_desc),y
        sta rn_gain+1
        iny
        lda (fw_desc),y
        sta rn_shift
        iny
        lda (fw_desc),y
        sta rn_in
        iny
        lda (fw_desc),y
        sta rn_in+1
        iny
        lda (fw_desc),y
        sta rn_out
        iny
        lda (fw_desc),y
        sta rn_out+1
        iny
        lda (fw_desc),y
        sta rn_unit_gains
        jmp rmsnorm

; matvec with the matvec descriptor at X/Y (mv_flags set by the caller).
run_matvec:
        stx fw_desc
        sty fw_desc+1
        ldy #0
        lda (fw_desc),y
        sta mv_w
        iny
        lda (fw_desc),y
        sta mv_w+1
        iny
        lda (fw_desc),y
        sta mv_rows
        iny
        lda (fw_desc),y
        sta mv_cols
        iny
        lda (fw_desc),y
        sta mv_rowk
        iny
        lda (fw_desc),y
        sta mv_rowk+1
        iny
        lda (fw_desc),y
        sta mv_shift
        iny
        lda (fw_desc),y
        sta mv_in
        iny
        lda (fw_desc),y
        sta mv_in+1
        iny
        lda (fw_desc),y
        sta mv_out
        iny
        lda (fw_desc),y
        sta mv_out+1
        jmp matvec

; The new key and value go into the cache at position at_t, high bytes
; flipped (memory.inc): key dim d at its column + t, values in row t. A
; head's 8 key columns are CONTEXT bytes apart: the stores are patched to
; its first column at position t and Y steps down through the columns, the
; heads and dimensions from the last.
        .assert HEAD_DIM * CONTEXT < 256, "a head's key columns are reached through Y"
fw_store_kv:
        lda at_layer            ; the layer's last head's first key column:
        lsr                     ; layer*32 + 24
        ror
        ror
        ror
        ora #EMBED_DIM - HEAD_DIM
        sta fw_tmp              ; (the head's first key column)
        ldx #EMBED_DIM - 1      ; X = dimension
@head:
        ldy fw_tmp
        clc
        lda key_column_lo,y
        adc at_t
        sta @key_lo+1
        sta @key_hi+1
        lda key_column_hi,y
        adc #0
        sta @key_lo+2
        adc #>(KEY_HI - KEY_LO) ; (C = 0)
        sta @key_hi+2
        ldy #(HEAD_DIM - 1) * CONTEXT
        sec
@key:
        lda VEC_K,x
@key_lo:
        sta $FFFF,y
        lda VEC_K+VEC_HIGH,x
        eor #$80
@key_hi:
        sta $FFFF,y
        dex
        tya                     ; the column before (C = 1 until Y
        sbc #CONTEXT            ; passes 0)
        tay
        bcs @key
        lda fw_tmp              ; (C = 0: 8 columns back)
        sbc #HEAD_DIM - 1
        sta fw_tmp
        cpx #$FF                ; until X passes 0
        bne @head
        .assert EMBED_DIM % HEAD_DIM == 0, "fw_store_kv's heads end when X passes 0"
        lda at_layer            ; value row of (layer*20 + t)
        beq @layer_0
        lda #CONTEXT
@layer_0:
        clc
        adc at_t
        tax
        lda value_row_lo,x
        sta @value_lo+1
        sta @value_hi+1
        lda value_row_hi,x
        sta @value_lo+2
        clc
        adc #>(VALUE_HI - VALUE_LO)
        sta @value_hi+2
        ldy #EMBED_DIM - 1
@value:
        lda VEC_V,y
@value_lo:
        sta $FFFF,y
        lda VEC_V+VEC_HIGH,y
        eor #$80
@value_hi:
        sta $FFFF,y
        dey
        bpl @value
        jmp at_key_sums         ; the new key's sums for the fast scores

; SPARSE_ROWK (memory.inc): each layer's fc2 row constants for MV_SPARSE
; calls, 2 * bias - 65535 * MV_SPARSE_SLOTS (matvec.s), from the matrix's own
; 2 * bias - sum of w^2: each row's w^2 added back (the squares table's s(w),
; x = 0's entries, under the KERNAL: the caller banks it out), the passes'
; start counts taken off. Start-up only (238,676 cycles, the kernel bench): a macro the
; soulplayer places in its start-up part. Clobbers A, X, Y, mv_acc0..2,
; mv_off, mv_colbase, mv_col.
FW_SPARSE_OFFSET = 65535 * MV_SPARSE_SLOTS
        .macro fw_build_sparse_rowk_routine
fw_build_sparse_rowk:
        ldx #0
        jsr @layer
        ldx #1
@layer:                         ; layer X: its constants, weights and output
        txa                     ; the constants' three planes: 6X..6X+5
        asl
        sta mv_col
        asl
        adc mv_col
        tay
        lda fw_sparse_k,y
        sta @k0+1
        lda fw_sparse_k+1,y
        sta @k0+2
        lda fw_sparse_k+2,y
        sta @k1+1
        lda fw_sparse_k+3,y
        sta @k1+2
        lda fw_sparse_k+4,y
        sta @k2+1
        lda fw_sparse_k+5,y
        sta @k2+2
        lda fw_sparse_w_lo,x
        sta mv_colbase
        lda fw_sparse_w_hi,x
        sta mv_colbase+1
        lda fw_sparse_out,x
        sta @out0+1
        clc
        adc #EMBED_DIM
        sta @out1+1
        adc #EMBED_DIM
        sta @out2+1
        ldx #0                  ; row X
@row:
        lda #FFN_DIM
        sta mv_col              ; columns left
        lda mv_colbase          ; the row's first weight
        sta mv_off
        lda mv_colbase+1
        sta mv_off+1
        lda #0
        sta mv_acc0
        sta mv_acc1
        sta mv_acc2
@column:
        ldy #0
        lda (mv_off),y          ; w + 128
        tay
        clc
        lda SQ_LO + <SQ_OFFSET,y        ; + s(w)
        adc mv_acc0
        sta mv_acc0
        lda SQ_SMALL_MID + <SQ_OFFSET,y
        adc mv_acc1
        sta mv_acc1
        bcc @next
        inc mv_acc2
@next:
        clc                     ; the next column's weight
        lda mv_off
        adc #EMBED_DIM
        sta mv_off
        bcc @same_page
        inc mv_off+1
@same_page:
        dec mv_col
        bne @column
        clc                     ; + the row constant (high byte + 128 stays so)
@k0:
        lda $FFFF,x
        adc mv_acc0
        sta mv_acc0
@k1:
        lda $FFFF,x
        adc mv_acc1
        sta mv_acc1
@k2:
        lda $FFFF,x
        adc mv_acc2
        sta mv_acc2
        sec                     ; - the passes' start counts
        lda mv_acc0
        sbc #<FW_SPARSE_OFFSET
@out0:
        sta SPARSE_ROWK,x
        lda mv_acc1
        sbc #>FW_SPARSE_OFFSET
@out1:
        sta SPARSE_ROWK,x
        lda mv_acc2
        sbc #(FW_SPARSE_OFFSET >> 16) & $FF
@out2:
        sta SPARSE_ROWK,x
        inc mv_colbase          ; the next row's first weight
        bne @same_column
        inc mv_colbase+1
@same_column:
        inx
        cpx #EMBED_DIM
        bne @row
        rts
fw_sparse_k:                    ; each layer's fc2 row constants: low, middle, high planes
        .word l0_fc2_w_rk, l0_fc2_w_rk + EMBED_DIM, l0_fc2_w_rk + 2 * EMBED_DIM
        .word l1_fc2_w_rk, l1_fc2_w_rk + EMBED_DIM, l1_fc2_w_rk + 2 * EMBED_DIM
fw_sparse_w_lo:
        .byte <l0_fc2_w, <l1_fc2_w
fw_sparse_w_hi:
        .byte >l0_fc2_w, >l1_fc2_w
fw_sparse_out:
        .byte <SPARSE_ROWK, <(SPARSE_ROWK + 3 * EMBED_DIM)
        .endmacro

; --- what each layer runs, from soul.inc's tensors --------------------------
layer_0:
        .word l0_n1_desc, l0_q_desc, l0_k_desc, l0_v_desc
        .word l0_proj_desc, l0_n2_desc, l0_fc1_desc, l0_fc2_desc
layer_1:
        .word l1_n1_desc, l1_q_desc, l1_k_desc, l1_v_desc
        .word l1_proj_desc, l1_n2_desc, l1_fc1_desc, l1_fc2_desc

l0_n1_desc:     norm_desc l0_n1, L0_N1_SHIFT, L0_N1_UNIT, VEC_H, VEC_XN
l0_q_desc:      matvec_desc l0_q, EMBED_DIM, EMBED_DIM, l0_q_rk, L0_Q_SHIFT + 1, VEC_XN, VEC_Q
l0_k_desc:      matvec_desc l0_k, EMBED_DIM, EMBED_DIM, l0_k_rk, L0_K_SHIFT + 1, VEC_XN, VEC_K
l0_v_desc:      matvec_desc l0_v, EMBED_DIM, EMBED_DIM, l0_v_rk, L0_V_SHIFT + 1, VEC_XN, VEC_V
l0_proj_desc:   matvec_desc l0_proj, EMBED_DIM, EMBED_DIM, l0_proj_rk, L0_PROJ_SHIFT + 1, VEC_ATT, VEC_TMP
l0_n2_desc:     norm_desc l0_n2, L0_N2_SHIFT, L0_N2_UNIT, VEC_H, VEC_XN
l0_fc1_desc:    matvec_desc l0_fc1_w, FFN_DIM, EMBED_DIM, l0_fc1_w_rk, L0_FC1_W_SHIFT + 1, VEC_XN, VEC_Z
l0_fc2_desc:    matvec_desc l0_fc2_w, EMBED_DIM, FFN_DIM, l0_fc2_w_rk, L0_FC2_W_SHIFT + 1, VEC_Z, VEC_TMP
l1_n1_desc:     norm_desc l1_n1, L1_N1_SHIFT, L1_N1_UNIT, VEC_H, VEC_XN
l1_q_desc:      matvec_desc l1_q, EMBED_DIM, EMBED_DIM, l1_q_rk, L1_Q_SHIFT + 1, VEC_XN, VEC_Q
l1_k_desc:      matvec_desc l1_k, EMBED_DIM, EMBED_DIM, l1_k_rk, L1_K_SHIFT + 1, VEC_XN, VEC_K
l1_v_desc:      matvec_desc l1_v, EMBED_DIM, EMBED_DIM, l1_v_rk, L1_V_SHIFT + 1, VEC_XN, VEC_V
l1_proj_desc:   matvec_desc l1_proj, EMBED_DIM, EMBED_DIM, l1_proj_rk, L1_PROJ_SHIFT + 1, VEC_ATT, VEC_TMP
l1_n2_desc:     norm_desc l1_n2, L1_N2_SHIFT, L1_N2_UNIT, VEC_H, VEC_XN
l1_fc1_desc:    matvec_desc l1_fc1_w, FFN_DIM, EMBED_DIM, l1_fc1_w_rk, L1_FC1_W_SHIFT + 1, VEC_XN, VEC_Z
l1_fc2_desc:    matvec_desc l1_fc2_w, EMBED_DIM, FFN_DIM, l1_fc2_w_rk, L1_FC2_W_SHIFT + 1, VEC_Z, VEC_TMP
final_norm:     norm_desc norm, NORM_SHIFT, NORM_UNIT, VEC_H, VEC_XN
logits_matvec:  matvec_desc out, VOCAB_SIZE, EMBED_DIM, out_rk, OUT_SHIFT, VEC_XN, VEC_LOGITS
