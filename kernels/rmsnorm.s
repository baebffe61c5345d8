; rmsnorm.s - SPEC RMSNorm of one 32-value vector:
;   xs = x >> 4;  m = max(1, sum(xs^2) // 32);  r = max(1, isqrt(m))
;   inv = min(32767, 2^19 // r);  y = (x*inv) >> 15;  out = sat16((y*g) >> s_g)
;
; Inputs (zero page): rn_in, rn_out (vector pages, may be the same),
;   rn_gain (32 int8 gains), rn_shift (s_g, 0..15).
; Output: rn_out[0..31]. Clobbers A, X, Y, rn_*, ar_*, dv_*, sq_*.
; Cycles: 32,229 for 32 values in -3000..2999 (exact, `soulterm bench
; --kernels`); values of 4096 and more take a slower square. Bytes: 753.
;
; Speed: a square of |xs| < 256 is one table read, f(2*xs) = xs^2; the 32
; products x*inv share one factor, so inv's bytes are patched into the table
; operands of rn_times_inv once per call and each product is four table
; differences indexed by the bytes of |x|.

rmsnorm:
        clc                     ; high bytes of the vectors are 128 further
        lda rn_in
        adc #VEC_HIGH
        sta rn_in_hi
        lda rn_in+1
        adc #0
        sta rn_in_hi+1
        clc
        lda rn_out
        adc #VEC_HIGH
        sta rn_out_hi
        lda rn_out+1
        adc #0
        sta rn_out_hi+1
        jsr rn_mean_square
        jsr rn_inverse_root
        jsr rn_patch_inv
        ldy #EMBED_DIM - 1
@element:
        sty rn_i
        jsr rn_scale
        ldy rn_i
        dey
        bpl @element
        rts

; rn_sum = sum over i of (x[i] >> 4)^2.
rn_mean_square:
        lda #0
        sta rn_sum
        sta rn_sum+1
        sta rn_sum+2
        sta rn_sum+3
        ldy #EMBED_DIM - 1
@element:
        lda (rn_in_hi),y        ; xs = x >> 4, as |xs| (sign no longer matters)
        sta ar_a+1
        lda (rn_in),y
        sta ar_a
        ldx #RMS_PRE_SHIFT
@pre_shift:
        lda ar_a+1
        cmp #$80
        ror ar_a+1
        ror ar_a
        dex
        bne @pre_shift
        lda ar_a+1
        bpl @magnitude
        sec
        lda #0
        sbc ar_a
        sta ar_a
        lda #0
        sbc ar_a+1
        sta ar_a+1
@magnitude:
        bne @wide               ; |xs| >= 256: a full 16x16 product
        lda ar_a                ; xs^2 = f(2*xs) = qs[512 + 2*xs]
        asl
        tax
        bcs @upper_page
        clc
        lda qs_lo+512,x
        adc rn_sum
        sta rn_sum
        lda qs_hi+512,x
        jmp @add_high
@upper_page:
        clc
        lda qs_lo+768,x
        adc rn_sum
        sta rn_sum
        lda qs_hi+768,x
@add_high:
        adc rn_sum+1
        sta rn_sum+1
        bcc @next
        inc rn_sum+2
        bne @next
        inc rn_sum+3
        jmp @next
@wide:
        sty rn_i
        lda ar_a
        sta ar_b
        lda ar_a+1
        sta ar_b+1
        jsr mul16u
        ldy rn_i
        clc
        lda ar_p
        adc rn_sum
        sta rn_sum
        lda ar_p+1
        adc rn_sum+1
        sta rn_sum+1
        lda ar_p+2
        adc rn_sum+2
        sta rn_sum+2
        lda ar_p+3
        adc rn_sum+3
        sta rn_sum+3
@next:
        dey
        bmi @done
        jmp @element
@done:
        rts

; rn_inv = min(32767, 2^19 // max(1, isqrt(max(1, rn_sum // 32)))).
        .assert RMS_INV_NUMERATOR_LOG2 == 19, "the clamp below is for 2^19 // r"
rn_inverse_root:
        ldx #EMBED_DIM_LOG2     ; m = sum // 32 (the sum is never negative)
@mean:
        lsr rn_sum+3
        ror rn_sum+2
        ror rn_sum+1
        ror rn_sum
        dex
        bne @mean
        lda rn_sum              ; at most 2^22: three bytes
        sta sq_num
        lda rn_sum+1
        sta sq_num+1
        lda rn_sum+2
        sta sq_num+2
        ora rn_sum+1
        ora rn_sum
        bne @have_mean
        inc sq_num              ; m = max(1, m)
@have_mean:
        jsr isqrt24             ; r >= 1 because m >= 1
        lda sq_root+1           ; r <= 16 gives 2^19 // r >= 32768: clamp
        bne @divide
        lda sq_root
        cmp #17
        bcs @divide
        lda #$FF
        sta rn_inv
        lda #$7F
        sta rn_inv+1
        rts
@divide:
        lda #0
        sta dv_num
        sta dv_num+1
        sta dv_num+3
        lda #$08                ; 2^19
        sta dv_num+2
        lda sq_root
        sta dv_den
        lda sq_root+1
        sta dv_den+1
        jsr udiv32
        lda dv_num
        sta rn_inv
        lda dv_num+1
        sta rn_inv+1
        rts

; Patch inv's low and high bytes into rn_times_inv's table operands:
; "plus" operands at qs + 512 + b, "minus" ones at qs + 512 - b.
        .macro rn_patch_factor factor, plus_lo, minus_lo, plus_hi, minus_hi
        lda #>qs_lo + 2
        sta plus_lo+2
        lda #>qs_hi + 2
        sta plus_hi+2
        lda factor
        sta plus_lo+1
        sta plus_hi+1
        eor #$FF
        clc
        adc #1
        sta minus_lo+1
        sta minus_hi+1
        lda #>qs_lo + 1
        adc #0
        sta minus_lo+2
        clc
        adc #>qs_hi - >qs_lo
        sta minus_hi+2
        .endmacro

rn_patch_inv:
        rn_patch_factor rn_inv, rn_times_inv@l1, rn_times_inv@l2, rn_times_inv@l3, rn_times_inv@l4
        rn_patch_factor rn_inv+1, rn_times_inv@h1, rn_times_inv@h2, rn_times_inv@h3, rn_times_inv@h4
        rn_patch_factor rn_inv, rn_times_inv@m1, rn_times_inv@m2, rn_times_inv@m3, rn_times_inv@m4
        rn_patch_factor rn_inv+1, rn_times_inv@n1, rn_times_inv@n2, rn_times_inv@n3, rn_times_inv@n4
        rts

; Element rn_i (in Y): out = sat16((((x*inv) >> 15) * g) >> s_g).
rn_scale:
        lda (rn_in_hi),y        ; |x| into ar_a, its sign into ar_sign
        sta ar_sign
        sta ar_a+1
        lda (rn_in),y
        sta ar_a
        bit ar_sign
        bpl @positive
        sec
        lda #0
        sbc ar_a
        sta ar_a
        lda #0
        sbc ar_a+1
        sta ar_a+1
@positive:
        jsr rn_times_inv        ; ar_p = |x| * inv
        bit ar_sign
        bpl @shift
        jsr ar_negate_p
@shift:
        asl ar_p+1              ; >> 15 = << 1, then bytes 2..3 (floor)
        rol ar_p+2
        rol ar_p+3
        ldy rn_i                ; y * g: magnitudes, then the sign
        lda (rn_gain),y
        eor ar_p+3
        sta ar_sign
        lda ar_p+3
        bpl @y_positive
        sec
        lda #0
        sbc ar_p+2
        sta ar_p+2
        lda #0
        sbc ar_p+3
        sta ar_p+3
@y_positive:
        lda (rn_gain),y
        bpl @g_positive
        eor #$FF
        clc
        adc #1
@g_positive:
        jsr umul8_setup         ; |g| * |y|: two byte products
        ldy ar_p+2
        jsr umul8_again
        sta ar_p+1
        lda ar_lo
        sta ar_p
        ldy ar_p+3
        jsr umul8_again
        tax
        clc
        lda ar_lo
        adc ar_p+1
        sta ar_p+1
        txa
        adc #0
        sta ar_p+2
        lda #0
        sta ar_p+3
        bit ar_sign
        bpl @gain_shift_start
        jsr ar_negate_p
@gain_shift_start:
        ldx rn_shift
        beq @store
@gain_shift:
        lda ar_p+3
        cmp #$80
        ror ar_p+3
        ror ar_p+2
        ror ar_p+1
        ror ar_p
        dex
        bne @gain_shift
@store:
        ldy rn_i                ; sat16: in range when bytes 2, 3 extend byte 1's sign
        lda ar_p+1
        asl
        lda #0
        adc #$FF
        eor #$FF
        cmp ar_p+2
        bne @saturate
        cmp ar_p+3
        bne @saturate
        lda ar_p
        sta (rn_out),y
        lda ar_p+1
        sta (rn_out_hi),y
        rts
@saturate:
        bit ar_p+3
        bmi @low
        lda #$FF
        sta (rn_out),y
        lda #$7F
        sta (rn_out_hi),y
        rts
@low:
        lda #$00
        sta (rn_out),y
        lda #$80
        sta (rn_out_hi),y
        rts

; ar_p = |x| * inv (ar_a = |x|, both unsigned 16-bit): four byte products
; through the operands patched by rn_patch_inv.
rn_times_inv:
        ldy ar_a
        sec                     ; xl * inv_lo -> bytes 0, 1
@l1:    lda $FFFF,y
@l2:    sbc $FFFF,y
        sta ar_p
@l3:    lda $FFFF,y
@l4:    sbc $FFFF,y
        sta ar_p+1
        sec                     ; xl * inv_hi -> bytes 1, 2
@h1:    lda $FFFF,y
@h2:    sbc $FFFF,y
        tax
@h3:    lda $FFFF,y
@h4:    sbc $FFFF,y
        sta ar_p+2
        clc
        txa
        adc ar_p+1
        sta ar_p+1
        lda #0
        adc ar_p+2
        sta ar_p+2
        lda #0
        rol
        sta ar_p+3
        ldy ar_a+1
        sec                     ; xh * inv_lo -> bytes 1, 2
@m1:    lda $FFFF,y
@m2:    sbc $FFFF,y
        tax
@m3:    lda $FFFF,y
@m4:    sbc $FFFF,y
        sta ar_lo
        clc
        txa
        adc ar_p+1
        sta ar_p+1
        lda ar_lo
        adc ar_p+2
        sta ar_p+2
        bcc @no_carry
        inc ar_p+3
@no_carry:
        sec                     ; xh * inv_hi -> bytes 2, 3
@n1:    lda $FFFF,y
@n2:    sbc $FFFF,y
        tax
@n3:    lda $FFFF,y
@n4:    sbc $FFFF,y
        sta ar_lo
        clc
        txa
        adc ar_p+2
        sta ar_p+2
        lda ar_lo
        adc ar_p+3
        sta ar_p+3
        rts
