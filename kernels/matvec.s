; matvec.s - out = sat16((W x + b) >> shift): an int8 matrix times an int16
; vector, the SPEC matvec (post shift folded into mv_shift by the caller).
;
; Inputs (zero page):
;   mv_w      weights, column-major: column c is mv_rows bytes at
;             mv_w + c*mv_rows, each stored as W+128. mv_w is a multiple of
;             mv_rows and mv_rows divides 256, so no column crosses a page.
;   mv_rows   output rows, 1..128        mv_cols   input columns, 1..64
;   mv_in     input vector (low bytes at +i, high bytes at +128+i; memory.inc)
;   mv_out    output vector, same layout (may not be mv_in)
;   mv_bias   int16 bias: low bytes, then high bytes at +mv_rows; $0000 = none
;   mv_shift  arithmetic right shift of every sum, 0..15
;   mv_flags  MV_SAME_INPUT when mv_in, its values and mv_cols are those of
;             the previous call (q, k and v share xn): only the weight
;             operands are patched again; otherwise 0
; Output: mv_out[0..rows-1]. Clobbers A, X, Y and every mv_* byte.
;
; How it is fast. Every product w*x is one quarter-square difference, read
; from tables that are pointed at x: the operands of an unrolled "slot" of
; code are patched once per input element, so the row loop only loads the
; weight into Y and indexes the tables with it.
;   * Inputs in -256..255 (the common case) get a "short" slot: one 16-bit
;     product, x as a 9-bit signed factor (39 bytes, ~54 cycles).
;   * Other inputs get a "full" slot: x = 256*xh + xl, two products, w*xl
;     (xl unsigned) and w*xh (xh signed) (73 bytes, ~103 cycles).
;   * Zero inputs get no slot at all (ReLU outputs are often zero).
; Each product is read as product+32768 (see tables.s), an unsigned number,
; so sums need no sign extension; the 32768s of all slots are subtracted once,
; in mv_k, the value every row's sum starts from.
; Slots are filled from the end of each slot block backwards, and a row
; enters each block at its first filled slot.
;
; Cycles (exact, `soulterm bench --kernels`, JSR/RTS included):
;   32x32, inputs in -256..255: 70,262     32x32, 16-bit inputs: 127,710
;   128x32 logits: 251,995 / 465,961       64x32 fc1 + bias: 132,507 / 241,969
; i.e. ~250 (short) / ~420 (full) cycles per input column to patch, ~145 per
; row to start and finish, ~54 per short and ~103 per full multiply-add.
; Bytes: 7,944, of which 7,168 are the 2 x 64 unrolled slots.

MV_MAX_COLS     = 64
MV_MAX_ROWS     = 128

; mv_flags bits
MV_HAS_BIAS     = $80           ; set by mv_prepare_rows
MV_SHIFT_LEFT   = $40           ; set by mv_prepare_shift
MV_SAME_INPUT   = $20           ; set by the caller

; Layout of a slot: operand addresses relative to the slot start.
; A product pair has four table operands at +0 (plus, low), +3 (minus, low),
; +8 (plus, high) and +11 (minus, high) from its first one.
SLOT_WEIGHTS    = 1             ; ldy column,x
SLOT_P          = 5             ; the pair of the (low or only) factor
FULL_SLOT_Q     = 22            ; the pair of the high-byte factor
SHORT_SLOT_SIZE = 39
FULL_SLOT_SIZE  = 73

; One product: Y = w+128, A/mv_plo = product+32768 (low, high in A).
; Adds (x as one signed factor) * w + 32768 to the 32-bit sum.
        .macro short_slot
        ldy $FFFF,x             ; weight of this row in this column
        sec
        lda $FFFF,y             ; f(a+w)+32768, low byte
        sbc $FFFF,y             ; - f(w-a)
        sta mv_plo
        lda $FFFF,y             ; high bytes
        sbc $FFFF,y
        tay
        clc
        lda mv_plo
        adc mv_acc0
        sta mv_acc0
        tya
        adc mv_acc1
        sta mv_acc1
        bcc * + 8
        inc mv_acc2
        bne * + 4
        inc mv_acc3
        .endmacro

; Two products: w*xl + 32768 (bytes 0,1) and w*xh + 32768 (bytes 1,2).
        .macro full_slot
        ldy $FFFF,x             ; weight of this row in this column
        sec
        lda $FFFF,y             ; w*xl + 32768, low byte
        sbc $FFFF,y
        sta mv_plo
        lda $FFFF,y             ; high byte
        sbc $FFFF,y
        sta mv_phi
        sec
        lda $FFFF,y             ; w*xh + 32768, low byte
        sbc $FFFF,y
        sta mv_qlo
        lda $FFFF,y             ; high byte
        sbc $FFFF,y
        tay
        clc
        lda mv_plo              ; sum += (w*xl + 32768)
        adc mv_acc0
        sta mv_acc0
        lda mv_phi
        adc mv_acc1
        sta mv_acc1
        tya                     ; ... + (w*xh + 32768) high byte << 16
        adc mv_acc2
        sta mv_acc2
        bcc * + 4
        inc mv_acc3
        clc                     ; ... + its low byte << 8
        lda mv_qlo
        adc mv_acc1
        sta mv_acc1
        bcc * + 8
        inc mv_acc2
        bne * + 4
        inc mv_acc3
        .endmacro

matvec:
        jsr mv_prepare_shift
        jsr mv_prepare_rows
        jsr mv_patch_columns

        ldx mv_rows
        dex
mv_row:
        bit mv_flags
        bpl @no_bias
        clc                     ; sum = mv_k + sign-extended bias[row]
        lda mv_k
@bias_lo_1:
        adc $FFFF,x
        sta mv_acc0
        lda mv_k+1
@bias_hi_1:
        adc $FFFF,x
        sta mv_acc1
        ldy #0
@bias_hi_2:
        lda $FFFF,x
        bpl @bias_positive
        dey
@bias_positive:
        tya
        adc mv_k+2
        sta mv_acc2
        tya
        adc mv_k+3
        sta mv_acc3
        jmp (mv_short)
@no_bias:
        lda mv_k
        sta mv_acc0
        lda mv_k+1
        sta mv_acc1
        lda mv_k+2
        sta mv_acc2
        lda mv_k+3
        sta mv_acc3
        jmp (mv_short)

mv_short_slots:
        .repeat MV_MAX_COLS
        short_slot
        .endrepeat
mv_short_end:
        jmp (mv_full)
mv_full_slots:
        .repeat MV_MAX_COLS
        full_slot
        .endrepeat
mv_full_end:
        .assert mv_short_end - mv_short_slots == MV_MAX_COLS * SHORT_SLOT_SIZE, "short slot size"
        .assert mv_full_end - mv_full_slots == MV_MAX_COLS * FULL_SLOT_SIZE, "full slot size"

; The row's sum is complete: shift it, saturate it, store it.
mv_finish_row:
        lda #0                  ; bytes 4 and 5 = sign extension
        bit mv_acc3
        bpl @sign_done
        lda #$FF
@sign_done:
        sta mv_acc4
        sta mv_acc5
        ldy mv_bits
        beq @shifted
        bit mv_flags            ; V = MV_SHIFT_LEFT
        bvs @shift_left
@shift_right:                   ; arithmetic: the sign bit enters on the left
        lda mv_acc3
        cmp #$80
        ror mv_acc3
        ror mv_acc2
        ror mv_acc1
        ror mv_acc0
        dey
        bne @shift_right
        beq @shifted
@shift_left:                    ; shifting left 8-n and dropping a byte
        asl mv_acc0             ; is cheaper than shifting right n >= 5
        rol mv_acc1
        rol mv_acc2
        rol mv_acc3
        rol mv_acc4
        dey
        bne @shift_left
@shifted:
        ldy mv_bytes            ; the result is bytes y..y+3 of the sum
        lda mv_acc1,y           ; in int16 range when bytes y+2, y+3 are
        asl                     ; the sign extension of byte y+1
        lda #0
        adc #$FF
        eor #$FF
        cmp mv_acc2,y
        bne @saturate
        cmp mv_acc3,y
        bne @saturate
        lda mv_acc0,y
@out_lo_1:
        sta $FFFF,x
        lda mv_acc1,y
@out_hi_1:
        sta $FFFF,x
        dex
        bmi @done
        jmp mv_row
@saturate:
        lda mv_acc5
        bmi @saturate_low
        lda #$FF                ; +32767
@out_lo_2:
        sta $FFFF,x
        lda #$7F
@out_hi_2:
        sta $FFFF,x
        dex
        bmi @done
        jmp mv_row
@saturate_low:
        lda #$00                ; -32768
@out_lo_3:
        sta $FFFF,x
        lda #$80
@out_hi_3:
        sta $FFFF,x
        dex
        bmi @done
        jmp mv_row
@done:
        rts

; Split mv_shift into whole bytes and bits; shifts of 5..7 bits become a
; left shift by 8-n and one more whole byte.
mv_prepare_shift:
        lda mv_shift
        lsr
        lsr
        lsr
        sta mv_bytes
        lda mv_flags
        and #MV_HAS_BIAS | MV_SAME_INPUT
        sta mv_flags
        lda mv_shift
        and #7
        cmp #5
        bcc @right
        eor #$FF                ; 8 - n
        sec
        adc #8
        inc mv_bytes
        pha
        lda mv_flags
        ora #MV_SHIFT_LEFT
        sta mv_flags
        pla
@right:
        sta mv_bits
        rts

; Point the row loop's self-modified operands at the bias and output.
mv_prepare_rows:
        lda mv_flags
        and #~MV_HAS_BIAS & $FF
        sta mv_flags
        lda mv_bias
        ora mv_bias+1
        beq @no_bias
        lda mv_flags
        ora #MV_HAS_BIAS
        sta mv_flags
        lda mv_bias
        sta mv_row@bias_lo_1+1
        lda mv_bias+1
        sta mv_row@bias_lo_1+2
        clc
        lda mv_bias
        adc mv_rows
        sta mv_row@bias_hi_1+1
        sta mv_row@bias_hi_2+1
        lda mv_bias+1
        adc #0
        sta mv_row@bias_hi_1+2
        sta mv_row@bias_hi_2+2
@no_bias:
        lda mv_out
        sta mv_finish_row@out_lo_1+1
        sta mv_finish_row@out_lo_2+1
        sta mv_finish_row@out_lo_3+1
        clc
        adc #128
        sta mv_finish_row@out_hi_1+1
        sta mv_finish_row@out_hi_2+1
        sta mv_finish_row@out_hi_3+1
        lda mv_out+1
        sta mv_finish_row@out_lo_1+2
        sta mv_finish_row@out_lo_2+2
        sta mv_finish_row@out_lo_3+2
        adc #0
        sta mv_finish_row@out_hi_1+2
        sta mv_finish_row@out_hi_2+2
        sta mv_finish_row@out_hi_3+2
        rts

; Walk the input columns, give each nonzero one a slot, and set mv_k to
; minus the 32768s the slots will add (32768 per short, $808000 per full).
mv_patch_columns:
        lda mv_flags
        and #MV_SAME_INPUT
        beq @fresh
        jmp mv_repatch_weights
@fresh:
        lda #0
        sta mv_k
        sta mv_k+1
        sta mv_k+2
        sta mv_k+3
        sta mv_col
        lda #<mv_short_end
        sta mv_short
        lda #>mv_short_end
        sta mv_short+1
        lda #<mv_full_end
        sta mv_full
        lda #>mv_full_end
        sta mv_full+1
        lda mv_w
        sta mv_colbase
        lda mv_w+1
        sta mv_colbase+1
        clc
        lda mv_in
        adc #128
        sta mv_in_hi
        lda mv_in+1
        adc #0
        sta mv_in_hi+1
@column:
        ldy mv_col
        lda (mv_in_hi),y
        tax                     ; X = high byte
        lda (mv_in),y           ; A = low byte
        cpx #0
        beq @small_positive
        cpx #$FF
        beq @small_negative
        jsr mv_add_full_slot
        jmp @next
@small_positive:                ; 0..255: a = x, offset 384 + a
        cmp #0
        beq @next
        clc
        adc #$80
        sta mv_off
        lda #1
        adc #0
        sta mv_off+1
        jsr mv_add_short_slot
        jmp @next
@small_negative:                ; -256..-1: offset 384 + x = 128 + low byte
        clc
        adc #$80
        sta mv_off
        lda #0
        adc #0
        sta mv_off+1
        jsr mv_add_short_slot
@next:
        clc
        lda mv_colbase
        adc mv_rows
        sta mv_colbase
        bcc @same_page
        inc mv_colbase+1
@same_page:
        inc mv_col
        lda mv_col
        cmp mv_cols
        bne @column
        rts

; Same input as the previous call: the slots already hold its table
; operands and mv_k its corrections; walk the columns the same way and give
; each slot its new weight column.
mv_repatch_weights:
        lda #<mv_short_end
        sta mv_short
        lda #>mv_short_end
        sta mv_short+1
        lda #<mv_full_end
        sta mv_full
        lda #>mv_full_end
        sta mv_full+1
        lda mv_w
        sta mv_colbase
        lda mv_w+1
        sta mv_colbase+1
        lda #0
        sta mv_col
@column:
        ldy mv_col
        lda (mv_in_hi),y
        beq @small_positive
        cmp #$FF
        beq @short
        sec                     ; a full slot
        lda mv_full
        sbc #FULL_SLOT_SIZE
        sta mv_full
        sta mv_slot
        lda mv_full+1
        sbc #0
        sta mv_full+1
        sta mv_slot+1
        jsr mv_patch_weights
        jmp @next
@small_positive:
        lda (mv_in),y
        beq @next               ; zero: no slot
@short:
        sec
        lda mv_short
        sbc #SHORT_SLOT_SIZE
        sta mv_short
        sta mv_slot
        lda mv_short+1
        sbc #0
        sta mv_short+1
        sta mv_slot+1
        jsr mv_patch_weights
@next:
        clc
        lda mv_colbase
        adc mv_rows
        sta mv_colbase
        bcc @same_page
        inc mv_colbase+1
@same_page:
        inc mv_col
        lda mv_col
        cmp mv_cols
        bne @column
        rts

; A short slot for the factor whose table offset is in mv_off.
mv_add_short_slot:
        sec
        lda mv_short
        sbc #SHORT_SLOT_SIZE
        sta mv_short
        sta mv_slot
        lda mv_short+1
        sbc #0
        sta mv_short+1
        sta mv_slot+1
        jsr mv_patch_weights
        ldy #SLOT_P
        jsr mv_patch_pair
        sec                     ; mv_k -= 32768
        lda mv_k+1
        sbc #$80
        sta mv_k+1
        bcs @done
        lda mv_k+2
        sbc #0
        sta mv_k+2
        lda mv_k+3
        sbc #0
        sta mv_k+3
@done:
        rts

; A full slot: A = low byte (unsigned factor), X = high byte (signed factor).
mv_add_full_slot:
        pha
        sec
        lda mv_full
        sbc #FULL_SLOT_SIZE
        sta mv_full
        sta mv_slot
        lda mv_full+1
        sbc #0
        sta mv_full+1
        sta mv_slot+1
        jsr mv_patch_weights
        txa                     ; high factor: offset 384 + xh = $100 + (xh ^ $80)
        eor #$80
        sta mv_off
        lda #1
        sta mv_off+1
        ldy #FULL_SLOT_Q
        jsr mv_patch_pair
        pla                     ; low factor: offset 384 + xl
        clc
        adc #$80
        sta mv_off
        lda #1
        adc #0
        sta mv_off+1
        ldy #SLOT_P
        jsr mv_patch_pair
        sec                     ; mv_k -= $808000
        lda mv_k+1
        sbc #$80
        sta mv_k+1
        lda mv_k+2
        sbc #$80
        sta mv_k+2
        lda mv_k+3
        sbc #0
        sta mv_k+3
        rts

; The slot's weight operand = the column being patched.
mv_patch_weights:
        ldy #SLOT_WEIGHTS
        lda mv_colbase
        sta (mv_slot),y
        iny
        lda mv_colbase+1
        sta (mv_slot),y
        rts

; Y = offset of a pair's first operand in the slot at mv_slot, mv_off =
; 384 + a. Plus operands get qsb_* + mv_off, minus operands qs_* + 768 - mv_off;
; the high-byte tables are 1024 bytes (4 pages) after the low-byte ones.
; Clobbers A, Y, mv_off+1, mv_noff.
mv_patch_pair:
        sec
        lda #<768
        sbc mv_off
        sta mv_noff             ; low byte of every minus operand
        lda #>768
        sbc mv_off+1
        clc
        adc #>qs_lo
        sta mv_noff+1           ; page of the minus, low-byte operand
        lda mv_off+1
        adc #>qsb_lo            ; (carry clear: no page sum overflows)
        sta mv_off+1            ; page of the plus, low-byte operand
        lda mv_off              ; +0, +1: plus, low bytes
        sta (mv_slot),y
        iny
        lda mv_off+1
        sta (mv_slot),y
        iny
        iny
        lda mv_noff             ; +3, +4: minus, low bytes
        sta (mv_slot),y
        iny
        lda mv_noff+1
        sta (mv_slot),y
        tya
        adc #4
        tay
        lda mv_off              ; +8, +9: plus, high bytes
        sta (mv_slot),y
        iny
        lda mv_off+1
        adc #>qsb_hi - >qsb_lo
        sta (mv_slot),y
        iny
        iny
        lda mv_noff             ; +11, +12: minus, high bytes
        sta (mv_slot),y
        iny
        lda mv_noff+1
        adc #>qs_hi - >qs_lo
        sta (mv_slot),y
        rts
