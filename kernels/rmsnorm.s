; rmsnorm.s - SPEC RMSNorm of one 32-value vector:
;   xs = x >> 4;  m = max(1, sum(xs^2) // 32);  r = max(1, isqrt(m))
;   inv = min(32767, 2^19 // r);  y = (x*inv) >> 15;  out = sat16((y*g) >> s_g)
;
; Inputs (zero page): rn_in, rn_out (vector pages, may be the same),
;   rn_gain (32 int8 gains), rn_shift (s_g, 0..15), rn_unit_gains (bit 7
;   set only when every gain is 2^(s_g - d), d in bits 0-2: the
;   descriptor's flag, layout.py; d = 0 for a fixed-gain soul, 2 for a
;   narrowed one).
; Output: rn_out[0..31]. Clobbers A, X, Y, rn_*, ar_*, dv_*, sq_*.
; Cycles (exact, `soulterm bench --kernels`, s_g = 6): 23,795 for 32 values
; in -3000..2999 and gains of 60..126; 8,622 for values in -700..699 and
; every gain 64 = 2^s_g with rn_unit_gains set (a fixed-gain soul's norm);
; 8,732 for them with s_g = 8 (a narrowed soul's norm: out = y >> 2); 3,571
; for values in -300..299 with s_g = 8, whose root (below 17) clamps inv,
; right after a call with the same rn_unit_gains (the shift chains kept).
; Before the fourteenth round (the chains patched every call): 8,611 /
; 8,721 / 3,671. In the player (RN_FIXED_VECTORS) the vectors' operands
; are assembled in, not patched (the shipped soul's ten turns of `soulterm
; bench --profile`: rn_patch_inv 167,816 -> 74,384 cycles, rn_mean_square
; 763,263 -> 743,111).
; Values of 1792 and more (-1793 and less) take a slower square, means of
; 2^16 and more a slower root and division.
; Bytes: 1,756 (1,855 before the fourteenth round).
;
; Speed: xs^2 for x in -1792..1791 is read from matvec's squares table at
; x & -16 (256 * xs^2, so no shift), by page for x in -256..255; a mean
; below 17^2 clamps inv at once, any other below 2^16 has its root found
; bit by bit in that table and divided into 2^19 a byte at a time. The 32
; products x*2inv share one factor, so its bytes are patched into the table
; operands once per call and each product is two or (|x| >= 256) four table
; differences indexed by the bytes of |x| (or ~x); y is then bytes 2 and 3,
; with no shift. Gains that are all 2^(s_g - d) (fixed norm gains, d = 0;
; narrowed ones, d = 1..7) take rn_scale_unit: out = y >> d, no gain
; step, the element in X and the vectors patched in, x in -256..255 with
; two products and the shift in A; a clamped inv (2*inv = 2^16 - 2) needs
; no product at all: y = x - 1 for x > 0, else x. Otherwise a gain of 2^s_g
; gives out = y with no product; any other is scaled on magnitudes: one or
; two byte products and a gain shift of at most four unrolled steps of a
; chain chosen per call.

RN_UNIT_MAX_SHIFT = 7           ; rn_unit_gains' bits 0-2: d, a narrowed norm's shift (layout.py)
        .assert (RN_UNIT_MAX_SHIFT & (RN_UNIT_MAX_SHIFT + 1)) == 0, "d is read through a mask"
RN_UNIT_STEP    = 3             ; bytes of one step of rn_scale_unit's wide shift (lsr, ror zp)
; The vectors of rn_mean_square and rn_scale_unit: the player's every norm
; reads h and writes xn (RN_FIXED_VECTORS, soulplayer.s; forward.s's
; norm_desc asserts it), so their operands are assembled in; elsewhere
; rn_mean_square and rn_patch_inv patch rn_in and rn_out in.
        .ifdef RN_FIXED_VECTORS
RN_IN           = VEC_H
RN_IN_HI        = VEC_H + VEC_HIGH
RN_OUT          = VEC_XN
RN_OUT_HI       = VEC_XN + VEC_HIGH
        .else
RN_IN           = $FFFF         ; (patched)
RN_IN_HI        = $FFFF
RN_OUT          = $FFFF
RN_OUT_HI       = $FFFF
        .endif

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
        bit rn_unit_gains
        bpl @gains
        jmp rn_scale_unit
@gains:
        jsr rn_prepare_scale    ; then rn_scale, below

; Element i (Y, rn_i): out = sat16(floor(floor(x*inv / 2^15) * g / 2^s_g)).
; The products take 2*inv, so y is bytes 2, 3 of the product with no shift:
; for x >= 0, y = (x * 2inv) >> 16; for x < 0, with ~x = |x| - 1 (no
; negation), y = ~F and |y| = F + 1 where F = (~x * 2inv + 2inv - 1) >> 16
; (-y = ceil(|x| * 2inv / 2^16)). A gain of 2^s_g gives out = y; any other
; is scaled on magnitudes: P = |y|*|g|, |out| = floor or (negative product)
; ceiling of P / 2^s_g.
rn_scale:
        ldy #EMBED_DIM - 1
@element:
        sty rn_i
        lda (rn_in_hi),y        ; x's sign into ar_sign, |x| or ~x into Y
        sta ar_sign             ; (low byte) and ar_a+1
        bmi @negative_x
        sta ar_a+1
        lda (rn_in),y
        tay
        jmp @times_inv
@negative_x:
        eor #$FF
        sta ar_a+1
        lda (rn_in),y
        eor #$FF
        tay
@times_inv:                     ; ar_p = that * 2inv (< 2^31) through the
        sec                     ; operands patched by rn_patch_inv
@l1:    lda qs_lo + 512,y       ; xl * 2inv_lo -> bytes 0, 1
@l2:    sbc qs_lo + 256,y
        sta ar_p
@l3:    lda qs_hi + 512,y
@l4:    sbc qs_hi + 256,y
        sta ar_p+1
        sec                     ; xl * 2inv_hi -> bytes 1, 2
@h1:    lda qs_lo + 512,y
@h2:    sbc qs_lo + 256,y
        tax
@h3:    lda qs_hi + 512,y
@h4:    sbc qs_hi + 256,y
        sta ar_p+2
        clc
        txa
        adc ar_p+1
        sta ar_p+1
        bcc @low_done
        inc ar_p+2              ; xl * 2inv_hi < 255 * 256: no carry beyond byte 2
@low_done:
        lda #0
        sta ar_p+3
        ldy ar_a+1
        beq @have_product       ; |x| < 256: two products
        sec                     ; xh * 2inv_lo -> bytes 1, 2
@m1:    lda qs_lo + 512,y
@m2:    sbc qs_lo + 256,y
        tax
@m3:    lda qs_hi + 512,y
@m4:    sbc qs_hi + 256,y
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
        sec                     ; xh * 2inv_hi -> bytes 2, 3
@n1:    lda qs_lo + 512,y
@n2:    sbc qs_lo + 256,y
        tax
@n3:    lda qs_hi + 512,y
@n4:    sbc qs_hi + 256,y
        sta ar_lo
        clc
        txa
        adc ar_p+2
        sta ar_p+2
        lda ar_lo
        adc ar_p+3
        sta ar_p+3
@have_product:
        bit ar_sign
        bpl @gain
        clc                     ; x < 0: + 2inv - 1, for F
        lda ar_p
        adc rn_ceil
        lda ar_p+1
        adc rn_ceil+1
        bcc @gain
        inc ar_p+2
        bne @gain
        inc ar_p+3
@gain:
        ldy rn_i
        lda (rn_gain),y
        bmi @negative_gain
        beq @zero_gain
        cmp rn_unit
        bne @positive_multiply
        bit ar_sign             ; g = 2^s_g: out = y (|y| < 2^15)
        bmi @unit_negative
        lda ar_p+2
        sta (rn_out),y
        lda ar_p+3
        sta (rn_out_hi),y
        dey
        bmi @done
        jmp @element
@unit_negative:                 ; y = ~F
        lda ar_p+2
        eor #$FF
        sta (rn_out),y
        lda ar_p+3
        eor #$FF
        sta (rn_out_hi),y
        dey
        bmi @done
        jmp @element
@zero_gain:                     ; A = 0
        sta (rn_out),y
        sta (rn_out_hi),y
@next:
        dey
        bmi @done
        jmp @element
@done:
        rts
@negative_gain:
        eor #$FF                ; |g|, with the gain's sign in X
        clc
        adc #1
        ldx #$80
        bne @multiply
@positive_multiply:
        ldx #0
@multiply:                      ; P = |y| * |g| (|g| = 1..128): table
        sta ar_t1               ; pointers at qs + 512 +- |g| (their pages
        sta ar_t3               ; are set per call, rn_prepare_scale)
        eor #$FF
        clc
        adc #1
        sta ar_t2
        sta ar_t4
        txa                     ; the product's sign into ar_sign, and
        eor ar_sign             ; |y| = F + 1 for x < 0
        bit ar_sign
        sta ar_sign
        bpl @have_magnitude
        inc ar_p+2
        bne @have_magnitude
        inc ar_p+3
@have_magnitude:
        ldy ar_p+2              ; |y|'s low byte * |g| -> bytes 0, 1
        sec
        lda (ar_t1),y
        sbc (ar_t2),y
        sta rn_p
        lda (ar_t3),y
        sbc (ar_t4),y
        sta rn_p+1
        lda #0
        sta rn_p+2
        sta rn_p+3
        ldy ar_p+3              ; |y|'s high byte * |g| -> bytes 1, 2
        beq @rounding
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
        bcc @rounding
        inc rn_p+2              ; < 2^15 * 128 in all: no carry beyond
@rounding:
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
        ldy rn_i                ; but byte X+2; rn_p+4 is 0): sat16 by the sign
        lda rn_p+2,x
        bne @saturate
        lda rn_p+1,x
        bmi @saturate
        bit ar_sign
        bmi @negative
        sta (rn_out_hi),y
        lda rn_p,x
        sta (rn_out),y
        jmp rn_scale@next
@negative:
        sec
        lda #0
        sbc rn_p,x
        sta (rn_out),y
        lda #0
        sbc rn_p+1,x
        sta (rn_out_hi),y
        jmp rn_scale@next
@saturate:                      ; +32767 ($7FFF) or -32768 ($8000) by the sign
        lda ar_sign
        asl
        lda #$FF
        adc #0
        sta (rn_out),y
        eor #$80
        sta (rn_out_hi),y
        jmp rn_scale@next

; Every gain 2^(s_g - d) (rn_unit_gains; d = 0 for a fixed-gain soul, 2 for
; a narrowed one): out = y >> d, y bytes 2 and 3 of the product (~F for
; x < 0, as in rn_scale), with no gain step. Element i in X; the input's
; reads, the narrow paths' stores, 2*inv's bytes and the ceiling's are
; patched in (rn_patch_inv), so Y indexes the tables alone. x in 0..255
; needs bytes 1 and 2 of two products, y < 256 and the shift in A; x in
; -256..-1 the same with the ceiling; the rest four products and a 16-bit
; shift (a third of the shipped soul's norm inputs each).
rn_scale_unit:
        ldx #EMBED_DIM - 1
        jmp @element
@positive:
        sec                     ; 0 <= x < 256: xl * 2inv_hi -> bytes 1, 2
@ph1:   lda qs_lo + 512,y
@ph2:   sbc qs_lo + 256,y
        sta ar_lo
@ph3:   lda qs_hi + 512,y
@ph4:   sbc qs_hi + 256,y
        sta ar_p+2              ; y but for the carry out of byte 1 (byte 3
@carry_bits:                    ; is 0: x * 2inv < 2^24, so y < 256)
        and #$FF                ; patched: 2^d - 1. A carry changes y >> d
@carry_bits_2:                  ; only when y's low d bits are all 1:
        eor #$FF                ; patched: 2^d - 1 (0 then)
        bne @carry_dropped      ; otherwise no low product at all
        sec                     ; xl * 2inv_lo -> bytes 0, 1
@pl1:   lda qs_lo + 512,y
@pl2:   sbc qs_lo + 256,y       ; (byte 0 only for its borrow)
@pl3:   lda qs_hi + 512,y
@pl4:   sbc qs_hi + 256,y
        clc
        adc ar_lo
        bcc @carry_dropped
        inc ar_p+2              ; (y < 256: no wrap)
@carry_dropped:
        lda ar_p+2
@positive_shift:
        jmp $FFFF               ; patched: d steps before @positive_shifted
        .repeat RN_UNIT_MAX_SHIFT
        lsr
        .endrepeat
@positive_shifted:
@out_lo:
        sta RN_OUT,x
        lda #0
@out_hi:
        sta RN_OUT_HI,x
        dex
        bpl @element
        rts
; inv clamped (rn_inverse_root: r < RN_CLAMP_ROOT): x * 2inv = x * 2^16 - 2x,
; so y = x - 1 for x > 0 and y = x for x <= 0, with no product (x = -32768,
; where y = x + 1, never has a clamped root: its square alone makes r 362);
; the element paths above jump here and the paths' tails store y >> d.
@clamped_positive:              ; 0 <= x < 256 (A = 0): y = x - 1, or 0
        tya
        beq @clamped_zero
        dey
        tya
@clamped_zero:
        jmp @positive_shift
@clamped_wide:                  ; |x| >= 256, A = high byte, Y = low byte
        sta ar_sign
        bmi @clamped_wide_negative
        cpy #1                  ; y = x - 1 (x >= 256: a borrow, C = 0,
        sbc #0                  ; when the low byte is 0)
        dey
        sty ar_p+2
        jmp @wide_shift_jump    ; (A: y's high byte)
@clamped_wide_negative:         ; F = ~y = ~x
        tya
        eor #$FF
        sta ar_p+2
        lda ar_sign
        eor #$FF
        jmp @wide_shift_jump
@element:                       ; (between the narrow paths: both branch back)
@in_lo:
        ldy RN_IN,x             ; x's low byte
@in_hi:
        lda RN_IN_HI,x          ; and high byte
@to_positive:
        beq @positive           ; (patched: @clamped_positive)
        cmp #$FF
@to_wide:
        bne @wide               ; (patched: @clamped_wide)
        tya                     ; -256 <= x < 0: ~x = |x| - 1 in 0..255
        eor #$FF                ; (clamped: F = ~y = ~x, the shift next)
@to_negative:
        bcs @negative_products  ; (C = 1 from the compare; patched: @negative_shift)
@negative_products:
        tay
        sec                     ; ~x * 2inv_lo -> bytes 0, 1
@nl1:   lda qs_lo + 512,y
@nl2:   sbc qs_lo + 256,y
        sta ar_p
@nl3:   lda qs_hi + 512,y
@nl4:   sbc qs_hi + 256,y
        sta ar_p+1
        sec                     ; ~x * 2inv_hi -> bytes 1, 2
@nh1:   lda qs_lo + 512,y
@nh2:   sbc qs_lo + 256,y
        sta ar_lo
@nh3:   lda qs_hi + 512,y
@nh4:   sbc qs_hi + 256,y
        tay
        lda ar_p                ; F = (P + 2inv - 1) >> 16 (< 2^24: one
@ceil_lo:                       ; byte): the carry out of byte 0 is byte
        cmp #0                  ; 0 >= 256 - (2inv - 1)'s low byte (odd,
        lda ar_p+1              ; so never 0: rn_patch_inv)
@ceil_hi:
        adc #0
        bcc @no_carry_1
        iny
@no_carry_1:
        clc
        adc ar_lo
        tya
        adc #0
@negative_shift:
        jmp $FFFF               ; patched: d steps before @negative_shifted
        .repeat RN_UNIT_MAX_SHIFT
        lsr
        .endrepeat
@negative_shifted:
        eor #$FF                ; out = ~(F >> d)
@out_lo_2:
        sta RN_OUT,x
        lda #$FF
@out_hi_2:
        sta RN_OUT_HI,x
        dex
        bpl @element
        rts
@wide:                          ; x >= 256 or x < -256: |x| or ~x low
        sta ar_sign             ; byte in Y, high byte in ar_a+1
        cmp #$80
        bcc @positive_x
        tya
        eor #$FF
        tay
        lda ar_sign
        eor #$FF
@positive_x:
        sta ar_a+1
        sec                     ; xl * 2inv_lo -> bytes 0, 1
@l1:    lda qs_lo + 512,y
@l2:    sbc qs_lo + 256,y
        sta ar_p
@l3:    lda qs_hi + 512,y
@l4:    sbc qs_hi + 256,y
        sta ar_p+1
        sec                     ; xl * 2inv_hi -> bytes 1, 2
@h1:    lda qs_lo + 512,y
@h2:    sbc qs_lo + 256,y
        sta ar_lo
@h3:    lda qs_hi + 512,y
@h4:    sbc qs_hi + 256,y
        sta ar_p+2
        clc
        lda ar_lo
        adc ar_p+1
        sta ar_p+1
        bcc @low_done
        inc ar_p+2              ; xl * 2inv_hi < 255 * 256: no carry beyond byte 2
@low_done:
        ldy ar_a+1
        sec                     ; xh * 2inv_lo -> bytes 1, 2
@m1:    lda qs_lo + 512,y
@m2:    sbc qs_lo + 256,y
        sta ar_lo
@m3:    lda qs_hi + 512,y
@m4:    sbc qs_hi + 256,y
        tay
        clc
        lda ar_lo
        adc ar_p+1
        sta ar_p+1
        tya
        adc ar_p+2
        sta ar_p+2
        lda #0
        rol
        sta ar_p+3
        ldy ar_a+1
        sec                     ; xh * 2inv_hi -> bytes 2, 3
@n1:    lda qs_lo + 512,y
@n2:    sbc qs_lo + 256,y
        sta ar_lo
@n3:    lda qs_hi + 512,y
@n4:    sbc qs_hi + 256,y
        tay
        clc
        lda ar_lo
        adc ar_p+2
        sta ar_p+2
        tya
        adc ar_p+3
        sta ar_p+3
        bit ar_sign             ; (A: byte 3)
        bpl @wide_shift_jump
        clc                     ; x < 0: + 2inv - 1 for F
        lda ar_p
        adc rn_ceil
        lda ar_p+1
        adc rn_ceil+1
        bcc @wide_shift
        inc ar_p+2
        bne @wide_shift
        inc ar_p+3
@wide_shift:
        lda ar_p+3              ; (the high byte shifts in A)
@wide_shift_jump:
        jmp $FFFF               ; patched: d steps before @wide_shifted
        .repeat RN_UNIT_MAX_SHIFT
        lsr
        ror ar_p+2
        .endrepeat
@wide_shifted:
        .assert @wide_shifted - @wide_shift_jump - 3 == RN_UNIT_MAX_SHIFT * RN_UNIT_STEP, "unit step size"
        .assert @positive_shifted - @positive_shift - 3 == RN_UNIT_MAX_SHIFT && @negative_shifted - @negative_shift - 3 == RN_UNIT_MAX_SHIFT, "one byte an 8-bit step"
        bit ar_sign             ; (A: the high byte)
        bmi @wide_invert
@out_hi_3:                      ; out = y >> d
        sta RN_OUT_HI,x
        lda ar_p+2
@out_lo_3:
        sta RN_OUT,x
        jmp @wide_next
@wide_invert:
        eor #$FF                ; out = ~(F >> d)
@out_hi_4:
        sta RN_OUT_HI,x
        lda ar_p+2
        eor #$FF
@out_lo_4:
        sta RN_OUT,x
@wide_next:
        dex
        bmi @done
        jmp @element
@done:
        rts

; The gain shift s_g of this call, split like matvec's: s_g = 8*B + r; a
; magnitude P >> s_g is P shifted right r bits (r <= 3) or left 8-r bits
; (r >= 4, one byte more dropped), then read from byte rn_bytes on. Patches
; rn_scale's jump into the matching chain; rn_round = 2^s_g - 1 turns the
; floor of a magnitude into the ceiling a negative value needs. rn_unit =
; 2^s_g as a byte (s_g <= 7; no positive gain is 128), else 0 (a zero gain
; never reaches the test).
; The gain products' table pages are the same for every |g| of 1..255.
; (It lies before rn_mean_square, not after the tables: in the PRG that puts
; the mean square's element loop in one page; tests/test_kernel_pages.py.)
RN_RIGHT_STEP   = 6             ; bytes of one right-shift step
RN_LEFT_STEP    = 8             ; bytes of one left-shift step
rn_prepare_scale:
        lda #0
        sta rn_round
        sta rn_round+1
        sta rn_p+4
        ldx rn_shift
        beq @round_done
@round:
        sec                     ; rn_round = 2 * rn_round + 1
        rol rn_round
        rol rn_round+1
        dex
        bne @round
@round_done:
        ldx rn_round
        inx
        stx rn_unit
        lda #>qs_lo + 2
        sta ar_t1+1
        lda #>qs_hi + 2
        sta ar_t3+1
        lda #>qs_lo + 1
        sta ar_t2+1
        lda #>qs_hi + 1
        sta ar_t4+1
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

; rn_sum = sum over i of (x[i] >> 4)^2. The table of squares (memory.inc)
; holds bytes 1 and 2 of n^2 at SQ_MID/SQ_HI + SQ_RANGE + n, and (x & -16)^2
; = 256 * xs^2, so xs^2 is those bytes at n = x & -16 (the low nibble masked
; off, no shift): x in -256..255 (two thirds of the norms' inputs) read them
; by the page of n's sign, x in 0..255 with xs^2 <= 225 in one byte; the rest
; of -1792..1791 through two pointers to n's page. Wider values take a
; 16x16 multiply of |xs|. Element i in X; x's reads are patched.
        .assert RMS_PRE_SHIFT == 4, "rn_mean_square masks off one nibble"
        .assert <SQ_RANGE == 0 && SQ_RANGE >= 256, "rn_mean_square reads SQ_MID and SQ_HI by page"
        .assert <SQ_MID == 0 && <SQ_HI == 0 && <(SQ_HI - SQ_MID) == 0, "rn_mean_square's pointers are to whole pages"
rn_mean_square:
        lda #0
        sta rn_sum
        sta rn_sum+1
        sta rn_sum+2
        sta rn_sum+3
        sta ar_t1               ; (the pointers' low bytes)
        sta ar_t2
        .ifndef RN_FIXED_VECTORS
        lda rn_in
        sta @lo_small+1
        sta @lo_minus+1
        sta @lo_paged+1
        lda rn_in+1
        sta @lo_small+2
        sta @lo_minus+2
        sta @lo_paged+2
        lda rn_in_hi
        sta @hi+1
        lda rn_in_hi+1
        sta @hi+2
        .endif
        ldx #EMBED_DIM - 1
@element:
@hi:    lda RN_IN_HI,x
        bne @not_small
@lo_small:                      ; 0 <= x < 256: xs^2 = byte 1 of (x & $F0)^2
        lda RN_IN,x
        and #$F0
        tay
        clc
        lda SQ_MID + SQ_RANGE,y
        adc rn_sum
        sta rn_sum
        bcs @carry_1
@next:
        dex
        bpl @element
        rts
@carry_1:                       ; the carries on into bytes 1..3
        inc rn_sum+1
        bne @next
@carry_2:
        inc rn_sum+2
        bne @next
        inc rn_sum+3
        bne @next               ; (always: the sum stays below 2^28)
@not_small:
        cmp #$FF
        bne @paged
@lo_minus:                      ; -256 <= x < 0: xs^2 (1..256) = bytes 1, 2
        lda RN_IN,x             ; of ((x & $F0) - 256)^2
        and #$F0
        beq @carry_1            ; -256 <= x < -240: xs^2 = 256, one in byte 1
        tay
        clc                     ; else xs^2 < 256: byte 1 alone
        lda SQ_MID + SQ_RANGE - 256,y
        adc rn_sum
        sta rn_sum
        bcs @carry_1
        bcc @next               ; (always)
@paged:                         ; -1792 <= x < 1792: n's page is x's high
        clc                     ; byte + 7 pages into the table
        adc #>SQ_RANGE
        cmp #2 * >SQ_RANGE
        bcs @wide
        adc #>SQ_MID            ; (C = 0)
        sta ar_t1+1
        adc #>(SQ_HI - SQ_MID)
        sta ar_t2+1
@lo_paged:
        lda RN_IN,x
        and #$F0
        tay
        clc                     ; xs^2 < 2^14: bytes 1, 2 of (x & -16)^2
        lda (ar_t1),y
        adc rn_sum
        sta rn_sum
        lda (ar_t2),y
@high_byte:
        adc rn_sum+1
        sta rn_sum+1
        bcc @next
        bcs @carry_2            ; (always)
@wide:                          ; |xs| >= 112: shifted and squared here
        txa
        tay
        lda (rn_in),y
        sta ar_a
        lda (rn_in_hi),y
        ldy #RMS_PRE_SHIFT
@pre_shift:
        cmp #$80                ; xs = x >> 4, arithmetic
        ror
        ror ar_a
        dey
        bne @pre_shift
        tay
        bpl @magnitude
        sec                     ; |xs|
        lda #0
        sbc ar_a
        sta ar_a
        tya
        eor #$FF
        adc #0
@magnitude:                     ; rn_sum += |xs| * |xs| (|xs| <= 2048), one
        sta ar_b+1              ; bit of the multiplier ar_b at a time, with
        sta ar_p+1              ; |xs| << bit in ar_p (three bytes)
        lda ar_a
        sta ar_b
        sta ar_p
        lda #0
        sta ar_p+2
@add_bit:
        lsr ar_b+1
        ror ar_b
        bcc @shift_up
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
        bcc @shift_up
        inc rn_sum+3
@shift_up:
        asl ar_p
        rol ar_p+1
        rol ar_p+2
        lda ar_b
        ora ar_b+1
        bne @add_bit
        jmp @next

; rn_inv = min(32767, 2^19 // max(1, isqrt(max(1, rn_sum // 32)))). A mean
; m below 2^16 has a root r below 256, found bit by bit with r^2 from the
; squares table, and 2^19 // r is a 16-step division with the remainder in
; A; a wider mean takes isqrt24 and udiv32.
        .assert RMS_INV_NUMERATOR_LOG2 == 19, "the clamp below is for 2^19 // r"
        .assert EMBED_DIM_LOG2 <= 8, "m = (sum << (8 - 5)) >> 8"
RN_CLAMP_ROOT   = 17            ; r below this: 2^19 // r >= 32768, clamped
RN_CLAMP_SQUARE = RN_CLAMP_ROOT * RN_CLAMP_ROOT
        .assert RN_CLAMP_SQUARE < 65536, "the clamp's test reads m's two low bytes"
        .assert (1 << 19) / RN_CLAMP_ROOT < 32768 && (1 << 19) / (RN_CLAMP_ROOT - 1) >= 32768, "the clamp's root"
rn_inverse_root:
        ldx #8 - EMBED_DIM_LOG2 ; m = sum // 32: bytes 1..3 of sum << 3
@mean:
        asl rn_sum
        rol rn_sum+1
        rol rn_sum+2
        rol rn_sum+3
        dex
        bne @mean
        lda rn_sum+3            ; m at most 2^22
        bne @wide
        lda rn_sum+2            ; m < 17^2 (0 included): r < 17, clamped
        cmp #>RN_CLAMP_SQUARE   ; without the root
        bcc @clamp
        bne @root
        lda rn_sum+1
        cmp #<RN_CLAMP_SQUARE
        bcc @clamp
@root:
        lda #0                  ; r = the largest r < 256 with r^2 <= m
        sta sq_root
        lda #$80
@try:
        sta sq_test             ; the bit being tried
        ora sq_root
        tax
        lda rn_sum+1
        cmp SQ_LO,x
        lda rn_sum+2
        sbc SQ_MID + SQ_RANGE,x
        bcc @too_big
        stx sq_root
@too_big:
        lda sq_test
        lsr
        bne @try
        lda #1                  ; the quotient, its 1 a sentinel that leaves
        sta rn_inv              ; after 16 bits
        lda #0
        sta rn_inv+1
        lda #1 << (19 - 16)     ; 2^19 >> 16 < r (r >= 17): the remainder so far
@step:
        asl                     ; bring down a 0 bit
        bcs @subtract_wide      ; 256 and more exceeds r
        cmp sq_root
        bcc @bit                ; quotient bit 0
        sbc sq_root             ; quotient bit 1 (carry stays set)
        bcs @bit
@subtract_wide:
        sbc sq_root             ; 2*rem - 256 - r, mod 256 = 2*rem - r
        sec                     ; quotient bit 1
@bit:
        rol rn_inv
        rol rn_inv+1
        bcc @step
        rts
@clamp:
        lda #$FF
        sta rn_inv
        lda #$7F
        sta rn_inv+1
        rts
@wide:
        lda rn_sum+1
        sta sq_num
        lda rn_sum+2
        sta sq_num+1
        lda rn_sum+3
        sta sq_num+2
        jsr isqrt24             ; r >= 256: no clamp
        lda #0
        sta dv_num
        sta dv_num+1
        sta dv_num+3
        lda #1 << (19 - 16)     ; 2^19
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

; Patch 2*inv's low and high bytes into rn_scale's table operands, each
; byte into the operands of both products it is a factor of: "plus"
; operands at qs + 512 + b (their pages are fixed), "minus" ones at
; qs + 512 - b.
        .macro rn_patch_factor factor, plus_lo, minus_lo, plus_hi, minus_hi, plus_lo2, minus_lo2, plus_hi2, minus_hi2
        lda factor
        sta plus_lo+1
        sta plus_hi+1
        sta plus_lo2+1
        sta plus_hi2+1
        eor #$FF
        clc
        adc #1
        sta minus_lo+1
        sta minus_hi+1
        sta minus_lo2+1
        sta minus_hi2+1
        lda #>qs_lo + 1         ; 512 - b is in the page after +256, or
        adc #0                  ; exactly +512 when b = 0 (carry set)
        sta minus_lo+2
        sta minus_lo2+2
        adc #>qs_hi - >qs_lo    ; (no carry from the page above)
        sta minus_hi+2
        sta minus_hi2+2
        .endmacro

        .assert <qs_lo == 0 && <qs_hi == 0, "a patched low byte is the whole offset from qs + 512"
rn_patch_inv:
        asl rn_inv              ; 2*inv (< 2^16), and 2*inv - 1 for the
        rol rn_inv+1            ; ceilings
        sec
        lda rn_inv
        sbc #1
        sta rn_ceil
        lda rn_inv+1
        sbc #0
        sta rn_ceil+1
        bit rn_unit_gains
        bmi @unit
        rn_patch_factor rn_inv, rn_scale@l1, rn_scale@l2, rn_scale@l3, rn_scale@l4, rn_scale@m1, rn_scale@m2, rn_scale@m3, rn_scale@m4
        rn_patch_factor rn_inv+1, rn_scale@h1, rn_scale@h2, rn_scale@h3, rn_scale@h4, rn_scale@n1, rn_scale@n2, rn_scale@n3, rn_scale@n4
        rts
@unit:                          ; rn_scale_unit's vectors, shifts and operands
        .ifndef RN_FIXED_VECTORS
        lda rn_in
        sta rn_scale_unit@in_lo+1
        lda rn_in+1
        sta rn_scale_unit@in_lo+2
        lda rn_in_hi
        sta rn_scale_unit@in_hi+1
        lda rn_in_hi+1
        sta rn_scale_unit@in_hi+2
        lda rn_out
        sta rn_scale_unit@out_lo+1
        sta rn_scale_unit@out_lo_2+1
        sta rn_scale_unit@out_lo_3+1
        sta rn_scale_unit@out_lo_4+1
        lda rn_out+1
        sta rn_scale_unit@out_lo+2
        sta rn_scale_unit@out_lo_2+2
        sta rn_scale_unit@out_lo_3+2
        sta rn_scale_unit@out_lo_4+2
        lda rn_out_hi
        sta rn_scale_unit@out_hi+1
        sta rn_scale_unit@out_hi_2+1
        sta rn_scale_unit@out_hi_3+1
        sta rn_scale_unit@out_hi_4+1
        lda rn_out_hi+1
        sta rn_scale_unit@out_hi+2
        sta rn_scale_unit@out_hi_2+2
        sta rn_scale_unit@out_hi_3+2
        sta rn_scale_unit@out_hi_4+2
        .endif
        lda rn_unit_gains       ; the shifts depend on d alone: patched
@patched_unit:                  ; when it differs from the last call's
        cmp #$FF                ; (kept here; $FF is no norm's: bits 3-6 are 0)
        beq @shifts_patched
        and #RN_UNIT_MAX_SHIFT  ; d = s_g - a, the narrowed norm's shift:
                                ; each chain entered d steps before its end
        sta rn_i                ; (rn_scale_unit keeps its element in X)
        lda #0                  ; 2^d - 1 into the positive path's carry test
        ldx rn_i
        beq @carry_bits
@carry_bit:
        sec
        rol
        dex
        bne @carry_bit
@carry_bits:
        sta rn_scale_unit@carry_bits+1
        sta rn_scale_unit@carry_bits_2+1
        sec
        lda #<rn_scale_unit@positive_shifted
        sbc rn_i
        sta rn_scale_unit@positive_shift+1
        lda #>rn_scale_unit@positive_shifted
        sbc #0
        sta rn_scale_unit@positive_shift+2
        sec
        lda #<rn_scale_unit@negative_shifted
        sbc rn_i
        sta rn_scale_unit@negative_shift+1
        lda #>rn_scale_unit@negative_shifted
        sbc #0
        sta rn_scale_unit@negative_shift+2
        lda rn_i
        asl                     ; d * RN_UNIT_STEP (C = 0: d <= 7)
        adc rn_i
        .assert RN_UNIT_STEP == 3, "rn_patch_inv multiplies by three"
        sta rn_i
        sec
        lda #<rn_scale_unit@wide_shifted
        sbc rn_i
        sta rn_scale_unit@wide_shift_jump+1
        lda #>rn_scale_unit@wide_shifted
        sbc #0
        sta rn_scale_unit@wide_shift_jump+2
        lda rn_unit_gains       ; kept once the chains are patched (a RESTORE
        sta @patched_unit+1     ; in between leaves the old byte: patched again)
@shifts_patched:
        ldx #0                  ; the element paths take the products, or
        lda rn_inv+1            ; skip them when inv is clamped (2*inv >=
        cmp #$FF                ; $FF00 only then)
        bne @paths
        ldx #RN_PATHS
@paths:
        lda rn_path_offsets,x
        sta rn_scale_unit@to_positive+1
        lda rn_path_offsets+1,x
        sta rn_scale_unit@to_wide+1
        lda rn_path_offsets+2,x
        sta rn_scale_unit@to_negative+1
        txa
        beq @products
        rts
@products:
        ; each byte of 2*inv into the four products it is a factor of
        lda rn_inv
        sta rn_scale_unit@pl1+1
        sta rn_scale_unit@nl1+1
        sta rn_scale_unit@l1+1
        sta rn_scale_unit@m1+1
        sta rn_scale_unit@pl3+1
        sta rn_scale_unit@nl3+1
        sta rn_scale_unit@l3+1
        sta rn_scale_unit@m3+1
        eor #$FF
        clc
        adc #1
        sta rn_scale_unit@pl2+1
        sta rn_scale_unit@nl2+1
        sta rn_scale_unit@l2+1
        sta rn_scale_unit@m2+1
        sta rn_scale_unit@pl4+1
        sta rn_scale_unit@nl4+1
        sta rn_scale_unit@l4+1
        sta rn_scale_unit@m4+1
        lda #>qs_lo + 1         ; (as rn_patch_factor)
        adc #0
        sta rn_scale_unit@pl2+2
        sta rn_scale_unit@nl2+2
        sta rn_scale_unit@l2+2
        sta rn_scale_unit@m2+2
        adc #>qs_hi - >qs_lo
        sta rn_scale_unit@pl4+2
        sta rn_scale_unit@nl4+2
        sta rn_scale_unit@l4+2
        sta rn_scale_unit@m4+2
        lda rn_inv+1
        sta rn_scale_unit@ph1+1
        sta rn_scale_unit@nh1+1
        sta rn_scale_unit@h1+1
        sta rn_scale_unit@n1+1
        sta rn_scale_unit@ph3+1
        sta rn_scale_unit@nh3+1
        sta rn_scale_unit@h3+1
        sta rn_scale_unit@n3+1
        eor #$FF
        clc
        adc #1
        sta rn_scale_unit@ph2+1
        sta rn_scale_unit@nh2+1
        sta rn_scale_unit@h2+1
        sta rn_scale_unit@n2+1
        sta rn_scale_unit@ph4+1
        sta rn_scale_unit@nh4+1
        sta rn_scale_unit@h4+1
        sta rn_scale_unit@n4+1
        lda #>qs_lo + 1         ; (as rn_patch_factor)
        adc #0
        sta rn_scale_unit@ph2+2
        sta rn_scale_unit@nh2+2
        sta rn_scale_unit@h2+2
        sta rn_scale_unit@n2+2
        adc #>qs_hi - >qs_lo
        sta rn_scale_unit@ph4+2
        sta rn_scale_unit@nh4+2
        sta rn_scale_unit@h4+2
        sta rn_scale_unit@n4+2
        lda #1                  ; the narrow negative path's carry test:
        sec                     ; 256 - (2inv - 1)'s low byte = 1 - 2inv's,
        sbc rn_inv              ; never 0 (2inv is even)
        sta rn_scale_unit@ceil_lo+1
        lda rn_ceil+1
        sta rn_scale_unit@ceil_hi+1
        rts
RN_PATHS        = 3             ; bytes of a row of rn_path_offsets
; The branch offsets of rn_scale_unit's element paths (x in 0..255, wider,
; -256..-1): to the products, or past them when inv is clamped.
rn_path_offsets:
        .byte RN_PRODUCTS_POSITIVE, RN_PRODUCTS_WIDE, RN_PRODUCTS_NEGATIVE
        .byte RN_CLAMPED_POSITIVE, RN_CLAMPED_WIDE, RN_CLAMPED_NEGATIVE
        .assert * - rn_path_offsets == 2 * RN_PATHS, "rn_path_offsets' rows"
RN_PRODUCTS_POSITIVE = rn_scale_unit@positive - (rn_scale_unit@to_positive + 2)
RN_PRODUCTS_WIDE = rn_scale_unit@wide - (rn_scale_unit@to_wide + 2)
RN_PRODUCTS_NEGATIVE = rn_scale_unit@negative_products - (rn_scale_unit@to_negative + 2)
RN_CLAMPED_POSITIVE = rn_scale_unit@clamped_positive - (rn_scale_unit@to_positive + 2)
RN_CLAMPED_WIDE = rn_scale_unit@clamped_wide - (rn_scale_unit@to_wide + 2)
RN_CLAMPED_NEGATIVE = rn_scale_unit@negative_shift - (rn_scale_unit@to_negative + 2)
        .assert RN_PRODUCTS_POSITIVE >= -128 && RN_PRODUCTS_POSITIVE < 128 && RN_CLAMPED_POSITIVE >= -128 && RN_CLAMPED_POSITIVE < 128, "rn_scale_unit's positive branch reaches both paths"
        .assert RN_PRODUCTS_WIDE >= -128 && RN_PRODUCTS_WIDE < 128 && RN_CLAMPED_WIDE >= -128 && RN_CLAMPED_WIDE < 128, "rn_scale_unit's wide branch reaches both paths"
        .assert RN_PRODUCTS_NEGATIVE >= -128 && RN_PRODUCTS_NEGATIVE < 128 && RN_CLAMPED_NEGATIVE >= -128 && RN_CLAMPED_NEGATIVE < 128, "rn_scale_unit's negative branch reaches both paths"
        .assert (1 << 19) / RN_CLAMP_ROOT * 2 < $FF00, "an unclamped 2*inv's high byte is below $FF"

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
