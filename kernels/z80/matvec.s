; matvec.s - out = sat16((W x + b) >> shift): an int8 matrix times an int16
; vector on the Z80, the SPEC matvec (the caller folds `post` into mv_shift).
;
; Inputs (memory, words little-endian):
;   mv_w      weights, row-major: row r is mv_cols signed bytes at mv_w + r*mv_cols
;   mv_x      input vector: mv_cols signed words
;   mv_bias   bias vector (mv_rows signed words), or 0 for none
;   mv_out    output vector: mv_rows signed words (must not overlap mv_x)
;   mv_rows   1..255        mv_cols  1..MV_MAX_COLS     mv_shift  0..31
; Output: mv_out[0..rows-1]. Clobbers AF, BC, DE, HL, IX and the
; alternate set (IY is kept: the ROM's interrupt uses it). Runs with interrupts off (SP walks a table) and restores
; the interrupt state it found (IFF2, read with LD A,I).
;
; How: x = 256*xh + xl with xl = x & 255 (unsigned) and xh = x >> 8 (signed),
; and each 8x8 product by quarter squares: w*v = Q(v + w) - Q(v - w) with
; Q(n) = floor(n*n/4) read from qsq_table (|n| <= 384). Per call, each column
; gets four table pointers (Q at +xl, -xl, +xh, -xh); per row, SP pops them
; while the weight walks the row, w*xl accumulates in B':IX and w*xh in C':IY
; (24 bits each), and at the row's end sum = accL + 256*accH + bias, shifted
; and saturated.
;
; T-states (exact, tests/test_kernels_z80.py, CALL and RET included, shift 0):
;   32x32: 364,326   64x32 + bias (fc1): 720,102   32x64 (fc2): 712,870
;   128x32 (logits): 1,409,190
; exactly 325*rows*cols + 492*cols + 484*rows + 294 without bias or shift
; (325 a multiply-accumulate), plus 45*shift - 6 a row for a shift and ~110
; a row for a bias; a clipped row takes a few more. Nothing else depends on
; the values.

MV_MAX_COLS     = 64
QSQ_RANGE       = 384           ; the table holds Q(n) for -384 <= n <= 384

mv_w:           .word 0
mv_x:           .word 0
mv_bias:        .word 0
mv_out:         .word 0
mv_rows:        .byte 0
mv_cols:        .byte 0
mv_shift:       .byte 0

mv_saved_sp:    .word 0
mv_out_ptr:     .word 0
mv_bias_ptr:    .word 0
mv_row_count:   .byte 0
mv_accl:        .res 3          ; w*xl sums of the row (24-bit)
mv_acch:        .res 3          ; w*xh sums of the row (24-bit)
mv_stream:      .res 8 * MV_MAX_COLS   ; per column: Q pointers at +2xl, -2xl, +2xh, -2xh

matvec:
        push iy                 ; IY is the ROM's ($5C3A) whenever interrupts are on
        ld a,i                  ; P/V = IFF2: were interrupts on?
        push af
        di
        call mv_prepare
        ld hl,(mv_out)
        ld (mv_out_ptr),hl
        ld hl,(mv_bias)
        ld (mv_bias_ptr),hl
        ld a,(mv_rows)
        ld (mv_row_count),a
        ld (mv_saved_sp),sp
        exx
        ld hl,(mv_w)            ; HL' walks the weights, row after row
        exx
mv_row:
        ld sp,mv_stream
        ld ix,0
        ld iy,0
        ld a,(mv_cols)
        exx
        ld bc,0                 ; B' = accL bits 16-23, C' = accH bits 16-23
        ld e,a                  ; E' = columns left
        exx
mv_column:
        exx
        ld a,(hl)               ; w
        inc hl
        exx
        add a,a
        ld c,a
        sbc a,a
        ld b,a                  ; BC = 2w, sign-extended
        pop hl                  ; &Q(xl)
        add hl,bc
        ld e,(hl)
        inc hl
        ld d,(hl)               ; DE = Q(xl + w)
        pop hl                  ; &Q(-xl)
        add hl,bc
        ld a,e
        sub (hl)
        ld e,a
        inc hl
        ld a,d
        sbc a,(hl)
        ld d,a                  ; DE = Q(xl + w) - Q(w - xl) = w*xl
        rla
        sbc a,a                 ; A = its sign extension
        add ix,de
        exx
        adc a,b
        ld b,a
        exx
        pop hl                  ; &Q(xh)
        add hl,bc
        ld e,(hl)
        inc hl
        ld d,(hl)
        pop hl                  ; &Q(-xh)
        add hl,bc
        ld a,e
        sub (hl)
        ld e,a
        inc hl
        ld a,d
        sbc a,(hl)
        ld d,a                  ; DE = w*xh
        rla
        sbc a,a
        add iy,de
        exx
        adc a,c
        ld c,a
        dec e
        exx
        jp nz,mv_column

        ld sp,(mv_saved_sp)
        ld (mv_accl),ix
        ld (mv_acch),iy
        exx
        ld a,b
        ld (mv_accl+2),a
        ld a,c
        ld (mv_acch+2),a
        exx
        ld hl,(mv_accl)         ; DEHL = accL, sign-extended to 32 bits
        ld a,(mv_accl+2)
        ld e,a
        rla
        sbc a,a
        ld d,a
        ld a,(mv_acch)          ; + accH << 8
        add a,h
        ld h,a
        ld a,(mv_acch+1)
        adc a,e
        ld e,a
        ld a,(mv_acch+2)
        adc a,d
        ld d,a
        ld bc,(mv_bias_ptr)     ; + bias
        ld a,b
        or c
        jr z,@shift
        push de
        ld a,(bc)
        ld e,a
        inc bc
        ld a,(bc)
        ld d,a
        inc bc
        ld (mv_bias_ptr),bc
        rla
        sbc a,a
        ld c,a                  ; C = the bias's sign extension
        add hl,de
        pop de
        ld a,e
        adc a,c
        ld e,a
        ld a,d
        adc a,c
        ld d,a
@shift:
        ld a,(mv_shift)
        or a
        jr z,@saturate
        ld b,a
@shift_bit:
        sra d
        rr e
        rr h
        rr l
        djnz @shift_bit
@saturate:
        ld a,h                  ; fits in 16 bits when D and E are H's sign extension
        rla
        sbc a,a
        cp e
        jr nz,@clip
        cp d
        jr z,@store
@clip:
        bit 7,d
        ld hl,$7FFF
        jr z,@store
        ld hl,$8000
@store:
        ex de,hl
        ld hl,(mv_out_ptr)
        ld (hl),e
        inc hl
        ld (hl),d
        inc hl
        ld (mv_out_ptr),hl
        ld hl,mv_row_count
        dec (hl)
        jp nz,mv_row
        pop af
        pop iy
        ret po                  ; interrupts were off: leave them off
        ei
        ret

; mv_prepare - the four Q-table pointers of every column into mv_stream.
; Clobbers AF, B, DE, HL, IX.
mv_prepare:
        ld hl,(mv_x)
        ld ix,mv_stream
        ld a,(mv_cols)
        ld b,a
@column:
        ld e,(hl)               ; xl, unsigned
        inc hl
        ld d,0
        sla e
        rl d                    ; DE = 2*xl
        call mv_pointer_pair
        ld a,(hl)               ; xh, signed
        inc hl
        ld e,a
        add a,a
        sbc a,a
        ld d,a
        sla e
        rl d                    ; DE = 2*xh
        call mv_pointer_pair
        djnz @column
        ret

; mv_pointer_pair - store qsq_zero + DE and qsq_zero - DE at IX, IX += 4. Keeps B and HL.
mv_pointer_pair:
        push hl
        ld hl,qsq_zero
        add hl,de
        ld (ix+0),l
        ld (ix+1),h
        ld hl,qsq_zero
        or a
        sbc hl,de
        ld (ix+2),l
        ld (ix+3),h
        ld de,4
        add ix,de
        pop hl
        ret

; Q(n) = floor(n*n/4) for n = -384..384, one word each; qsq_zero is Q(0).
qsq_table:
        .repeat 2 * QSQ_RANGE + 1, i
        .word ((i - QSQ_RANGE) * (i - QSQ_RANGE)) >> 2
        .endrepeat
qsq_zero = qsq_table + 2 * QSQ_RANGE
