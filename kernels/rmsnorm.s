; rmsnorm.s - SPEC RMSNorm of one 32-value vector:
;   xs = x >> 4;  m = max(1, sum(xs^2) // 32);  r = max(1, isqrt(m))
;   inv = min(32767, 2^19 // r);  y = (x*inv) >> 15;  out = sat16((y*g) >> s_g)
;
; Inputs (zero page): rn_in, rn_out (vector pages, may be the same),
;   rn_gain (32 int8 gains), rn_shift (s_g, 0..15).
; Output: rn_out[0..31]. Clobbers A, X, Y, rn_*, ar_*, dv_*, sq_*.
; Cycles: 24,050 for 32 values in -3000..2999 and s_g = 6 (exact,
; `soulterm bench --kernels`); values of 4096 and more take a slower square.
; Bytes: 906.
;
; Speed: a square of |xs| < 256 is one table read, f(2*xs) = xs^2; the 32
; products x*inv share one factor, so inv's bytes are patched into the table
; operands of rn_times_inv once per call and each product is four table
; differences indexed by the bytes of |x|. Everything after is done on
; magnitudes (a negative value's floor is the ceiling of its magnitude), and
; the gain shift is at most four unrolled steps of a chain chosen per call.

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
        jsr rn_prepare_shift
        ldy #EMBED_DIM - 1
@element:
        sty rn_i
        jsr rn_scale
        ldy rn_i
        dey
        bpl @element
        rts

; rn_sum = sum over i of (x[i] >> 4)^2.
        .assert RMS_PRE_SHIFT == 4, "rn_mean_square shifts by one nibble"
rn_mean_square:
        lda #0
        sta rn_sum
        sta rn_sum+1
        sta rn_sum+2
        sta rn_sum+3
        ldy #EMBED_DIM - 1
@element:
        lda (rn_in),y           ; xs = x >> 4: low byte from both bytes' nibbles
        lsr
        lsr
        lsr
        lsr
        sta ar_a
        lda (rn_in_hi),y
        asl
        asl
        asl
        asl
        ora ar_a
        sta ar_a
        lda (rn_in_hi),y        ; high byte: the high byte's top nibble, signed
        bmi @negative
        lsr
        lsr
        lsr
        lsr
        jmp @magnitude
@negative:
        lsr
        lsr
        lsr
        lsr
        ora #$F0
        sta ar_a+1              ; |xs| (the sign no longer matters)
        sec
        lda #0
        sbc ar_a
        sta ar_a
        lda #0
        sbc ar_a+1
@magnitude:
        sta ar_a+1
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

; The gain shift s_g of this call, split like matvec's: s_g = 8*B + r; a
; magnitude P >> s_g is P shifted right r bits (r <= 3) or left 8-r bits
; (r >= 4, one byte more dropped), then read from byte rn_bytes on. Patches
; rn_scale's jump into the matching chain; rn_round = 2^s_g - 1 turns the
; floor of a magnitude into the ceiling a negative value needs.
RN_RIGHT_STEP   = 6             ; bytes of one right-shift step
RN_LEFT_STEP    = 8             ; bytes of one left-shift step
rn_prepare_shift:
        lda #0
        sta rn_round
        sta rn_round+1
        ldx rn_shift
        beq @round_done
@round:
        sec                     ; rn_round = 2 * rn_round + 1
        rol rn_round
        rol rn_round+1
        dex
        bne @round
@round_done:
        lda rn_shift
        lsr
        lsr
        lsr
        sta rn_bytes
        lda rn_shift
        and #7
        cmp #4
        bcc @patch              ; r <= 3: r right steps before the chain's end
        inc rn_bytes            ; r >= 4: 8 - r left steps, one byte more dropped
@patch:
        tax
        lda rn_shift_entry_lo,x
        sta rn_scale@shift+1
        lda rn_shift_entry_hi,x
        sta rn_scale@shift+2
        rts

; Entries into the chains: r = 0..3 right steps, r = 4..7 left steps (8 - r).
rn_shift_entry_lo:
        .repeat 4, r
        .byte <(rn_right_end - r * RN_RIGHT_STEP)
        .endrepeat
        .repeat 4, r
        .byte <(rn_shifted - (4 - r) * RN_LEFT_STEP)
        .endrepeat
rn_shift_entry_hi:
        .repeat 4, r
        .byte >(rn_right_end - r * RN_RIGHT_STEP)
        .endrepeat
        .repeat 4, r
        .byte >(rn_shifted - (4 - r) * RN_LEFT_STEP)
        .endrepeat

; Element rn_i (in Y): out = sat16(floor(floor(x*inv / 2^15) * g / 2^s_g)),
; on magnitudes: |y| = floor or (x < 0) ceiling of |x|*inv / 2^15, P = |y|*|g|,
; |out| = floor or (negative product) ceiling of P / 2^s_g.
rn_scale:
        lda (rn_in_hi),y        ; |x| into ar_a, its sign into ar_sign
        sta ar_sign
        bpl @positive
        sec
        lda #0
        sbc (rn_in),y
        sta ar_a
        lda #0
        sbc (rn_in_hi),y
        sta ar_a+1
        jmp @have_magnitude
@positive:
        sta ar_a+1
        lda (rn_in),y
        sta ar_a
@have_magnitude:
        jsr rn_times_inv        ; ar_p = |x| * inv (< 2^30)
        bit ar_sign
        bpl @floor_y
        clc                     ; x < 0: ceiling, + 2^15 - 1
        lda ar_p
        adc #$FF
        lda ar_p+1
        adc #$7F
        sta ar_p+1
        bcc @floor_y
        inc ar_p+2
        bne @floor_y
        inc ar_p+3
@floor_y:
        lda ar_p+1              ; |y| = ar_p >> 15: bytes 2, 3 of ar_p << 1
        asl
        rol ar_p+2
        rol ar_p+3
        ldy rn_i
        lda (rn_gain),y         ; sign of the product, then |g|
        eor ar_sign
        sta ar_sign
        lda (rn_gain),y
        bpl @g_positive
        eor #$FF
        clc
        adc #1
@g_positive:
        jsr umul8_setup         ; P = |y| * |g|: two byte products
        ldy ar_p+2
        sec
        lda (ar_t1),y
        sbc (ar_t2),y
        sta rn_p
        lda (ar_t3),y
        sbc (ar_t4),y
        sta rn_p+1
        ldy ar_p+3
        sec
        lda (ar_t1),y
        sbc (ar_t2),y
        tax
        lda (ar_t3),y
        sbc (ar_t4),y
        sta rn_p+2
        clc
        txa
        adc rn_p+1
        sta rn_p+1
        bcc @no_carry
        inc rn_p+2
@no_carry:
        lda #0
        sta rn_p+3
        sta rn_p+4
        bit ar_sign
        bpl @shift
        clc                     ; a negative product: ceiling, + 2^s_g - 1
        lda rn_p
        adc rn_round
        sta rn_p
        lda rn_p+1
        adc rn_round+1
        sta rn_p+1
        bcc @shift
        inc rn_p+2
@shift:
        jmp $FFFF               ; into rn_right_chain or rn_left_chain

rn_right_chain:
        .repeat 3
        lsr rn_p+2
        ror rn_p+1
        ror rn_p
        .endrepeat
rn_right_end:
        .assert rn_right_end - rn_right_chain == 3 * RN_RIGHT_STEP, "right step size"
        jmp rn_shifted
rn_left_chain:
        .repeat 4
        asl rn_p
        rol rn_p+1
        rol rn_p+2
        rol rn_p+3
        .endrepeat
rn_shifted:
        .assert rn_shifted - rn_left_chain == 4 * RN_LEFT_STEP, "left step size"
        ldx rn_bytes            ; |out| = bytes X, X+1 (the ones above are 0
        ldy rn_i                ; but byte X+2): sat16 by the sign
        lda rn_p+2,x
        bne @saturate
        lda rn_p+1,x
        bmi @saturate
        bit ar_sign
        bmi @negative
        sta (rn_out_hi),y
        lda rn_p,x
        sta (rn_out),y
        rts
@negative:
        sec
        lda #0
        sbc rn_p,x
        sta (rn_out),y
        lda #0
        sbc rn_p+1,x
        sta (rn_out_hi),y
        rts
@saturate:
        bit ar_sign
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
