; arith.s - 16x16 multiplies, 32/16 division and the integer square root (Z80).
;
; mul16u: DEHL = BC * DE (unsigned). Keeps BC, clobbers AF. BC * E in 8 rounds (the first, on
; HL = 0, without its shift), then BC * D: none when D = 0, BC added in place when D = 1, BC and
; one round when D = 2..3, else 8 (the first without its shift). Z: the product's top byte is 0
; (attention.s's old dot adds such a product through A; nineteenth round).
; mul16u_smaller: mul16u with the operands swapped when B < D (the smaller high byte multiplies). Clobbers AF, BC.
; mul16s8u: DEHL = DE * C, DE signed, C unsigned 8-bit. Keeps BC, clobbers AF. 8 unrolled rounds (4 for C < 16).
;   (Left out with RN_UNIT_GAIN_BITS and AT_TABLE_MEANS, the shipped 48K's: no caller, nineteenth round.)
; mul16s: DEHL = BC * DE (signed). Clobbers AF, BC, AF'.
; mul16s_magnitude: DEHL = |BC * DE| (signed BC, DE), the product's sign in F' (S). Clobbers AF, BC, and swaps AF'.
; div32u: DEHL = DEHL / BC (unsigned; BC >= 1), remainder in HL'.
; div32s_floor: DEHL = floor(DEHL / BC) for a signed DEHL and BC >= 1.
; div32u_q16, div32s_floor_q16: the same when the quotient fits 16 bits (16 rounds, 8 below 256; not with AT_TABLE_MEANS).
; isqrt24: HL = floor(sqrt(m)) for m < 2^24 at isq_m (12 rounds in registers).
; sat32to16: HL = DEHL clamped to int16.   sra32: DEHL >>= A.
; T-states (python benchmarks/z80_kernels.py, means on random inputs): mul16s
; 829 (856 before the nineteenth round's mul16u: its rounds on HL = 0 without a shift
; and D = 1..3 from BC itself, which save the shipped soul's scores ~30 T-states a product;
; 865 before it ran as mul16s_magnitude returning to a negation; 835 before
; the short second passes, which cost random inputs 33 and save attention's
; scores ~60-100 each), div32s_floor 3,871, isqrt24 1,510 (1,506 before it skipped
; a zero top byte, sixteenth round: 4 rounds fewer for m < 2^16, RMSNorm's usual);
; each is checked in tests/test_kernels_z80.py.
; Bytes: 303 (in the 48K player, code and variables, since zx48room30: SHORT_FORMS' inc hl for $8000; 305 before; 300 before the nineteenth round's
; mul16u merged (385 with it alone); 380 before the nineteenth round left mul16s8u out of it,
; docs/spectrum.md "Nineteenth round: the 48K's means"; 415 before the sixteenth round
; gave RMSNorm its own inverse, 528 before its means divided on their own,
; attention.s's AT_TABLE_MEANS, which leaves out div32u, div32s_floor, the signed
; q16 division, cpl32 and div32u_q16; the 128K player and the kernels' bench keep them).

; mul_bc_rounds - `count` rounds of A:HL = 2 A:HL, plus BC where A's top bit shifted out:
; A's bits leave at the top as the product's top byte comes in below them (mul16u's passes).
        .macro mul_bc_rounds count
        .repeat count
        add hl,hl
        rla
        jr nc,* + 5
        add hl,bc
        adc a,0
        .endrepeat
        .endmacro

.ifdef RN_UNIT_GAIN_BITS
.ifdef AT_TABLE_MEANS
ARITH_NO_MUL16S8U = 1                   ; (the 48K's: neither RMSNorm's unit gains nor the table means call it)
.endif
.endif
.ifndef ARITH_NO_MUL16S8U
; mul16s8u - DEHL = DE * C, DE signed, C unsigned (0..255). Keeps BC, clobbers AF.
mul16s8u:
        ld a,c
        ld hl,0
        cp 16
        jr nc,@eight
        rlca                    ; C < 16 (most attention weights): its top 4 rounds would only shift
        rlca
        rlca
        rlca
        jr @four
@eight:
        .repeat 4               ; A:HL = DE * C with DE taken unsigned
        add hl,hl
        rla
        jr nc,* + 5
        add hl,de
        adc a,0
        .endrepeat
@four:
        .repeat 4
        add hl,hl
        rla
        jr nc,* + 5
        add hl,de
        adc a,0
        .endrepeat
        bit 7,d
        jr z,@positive
        sub c                   ; DE stood for DE + 65536: take C * 65536 back off
@positive:
        ld e,a                  ; |DE * C| < 2^23: A:HL holds it, sign-extend
        rla
        sbc a,a
        ld d,a
        ret
.endif

mul16s:
        ld hl,mul16s_sign       ; mul16s_magnitude (through mul16u) returns there
        push hl
        ; fall through
; mul16s_magnitude - DEHL = |BC * DE| for signed BC and DE, and the product's
; sign as S in F' (AF and AF' swapped over: the scores add or subtract it).
; Clobbers AF, BC. The smaller operand multiplies (a zero high byte halves the rounds).
mul16s_magnitude:
        ld a,b                  ; the product's sign: bit 7 of B xor D
        xor d
        ex af,af'
        bit 7,b
        jr z,@b_positive
        xor a
        sub c
        ld c,a
        sbc a,a
        sub b
        ld b,a                  ; BC = -BC
@b_positive:
        bit 7,d
        jr z,mul16u_smaller
        xor a
        sub e
        ld e,a
        sbc a,a
        sub d
        ld d,a                  ; DE = -DE
; mul16u_smaller - DEHL = BC * DE (unsigned) as mul16u, the operand with the smaller
; high byte multiplying (its second pass is short below 4). Clobbers AF, BC.
mul16u_smaller:
        ld a,b
        cp d
        jr nc,mul16u
        ld a,c
        ld c,e
        ld e,a
        ld a,b
        ld b,d
        ld d,a
        ; fall through
mul16u:
        ld a,e                  ; A:HL = BC * E, then (unless D = 0) BC * D added 8 bits up
        ld hl,0
        add a,a                 ; the first round: HL is 0, so it is BC or 0 (no shift, no carry)
        jr nc,@first_zero
        ld h,b
        ld l,c
@first_zero:
        mul_bc_rounds 7
        ld e,a
        ld a,d
        or a
        ret z                   ; a multiplier below 256: E:HL is the product
        cp 1
        jr z,@high1             ; D = 1 (a quarter of attention's scores): BC * D is BC
        ld d,e
        ld e,h                  ; DE = (BC * E) >> 8
        push hl                 ; L = its byte 0
        cp 4
        jr nc,@high8
        rrca                    ; D = 2..3 (most of the others): its bit 1's round is BC itself
        and $80                 ; (HL was 0), so start there and run the last round on bit 0
        ld h,b
        ld l,c
        jr @high_last
@high8:
        ld hl,0
        add a,a                 ; (its first round without the shift, as BC * E's)
        jr nc,@high8_zero
        ld h,b
        ld l,c
@high8_zero:
        mul_bc_rounds 6
@high_last:
        mul_bc_rounds 1
@high_done:
        add hl,de               ; A:HL = BC * D + (BC * E) >> 8 (< 2^24)
        adc a,0
        ld d,a
        ld e,h
        ld a,l
        pop hl
        ld h,a
        ret
@high1:                         ; E:HL + BC * 256, in place
        ld a,h
        add a,c
        ld h,a
        ld a,e
        adc a,b
        ld e,a
        sbc a,a                 ; D = the carry (Z: D = 0, as the other returns)
        neg
        ld d,a
        ret

mul16s_sign:                  ; mul16s: DEHL = the magnitude, negated for a negative product
        ex af,af'
        ret p
        ; fall through: negate DEHL
neg32:
        xor a
        sub l
        ld l,a
        ld a,0
        sbc a,h
        ld h,a
        ld a,0
        sbc a,e
        ld e,a
        ld a,0
        sbc a,d
        ld d,a
        ret

.ifndef AT_TABLE_MEANS                  ; (no player calls div32u; the 48K has no room for it)
; div32u - DEHL = DEHL / BC (unsigned, BC >= 1); the remainder is left in HL'.
; Keeps BC; clobbers AF, BC', HL'. 32 rounds of restoring division.
div32u:
        push bc
        exx
        pop bc                  ; BC' = divisor
        ld hl,0                 ; HL' = running remainder
        exx
        ld a,32
div32u_rounds:
        add hl,hl               ; dividend <<= 1; its top bit into the remainder
        rl e
        rl d
        exx
        adc hl,hl
        jr c,@over              ; the remainder passed 16 bits: it is >= BC' for sure
        sbc hl,bc               ; (no carry here)
        jr nc,@one
        add hl,bc               ; too small: put it back, quotient bit 0
        exx
        jr @next
@over:
        or a
        sbc hl,bc
@one:
        exx
        inc l                   ; quotient bit 1 (the shift left a 0 there)
@next:
        dec a
        jr nz,div32u_rounds
        ret

.endif

.ifndef AT_TABLE_MEANS                  ; (only attention's slow means divide by it: RMSNorm has its own inverse)
; div32u_q16 - DEHL = DEHL / BC (unsigned) when the quotient fits 16 bits
; (DE < BC): 16 rounds instead of 32 (8 when it fits 8 bits), and the low
; half shifts out of HL as the quotient bits shift into it. Keeps BC;
; clobbers AF, BC', HL'.
div32u_q16:
        ld a,d                  ; a quotient below 256 (DEHL >> 8 < BC): its first 8 rounds
        or a                    ; would only shift, so move bytes and run 8
        jr nz,@sixteen
        ld a,h
        sub c
        ld a,e
        sbc a,b
        jr nc,@sixteen
        ld d,e
        ld e,h                  ; DE = DEHL >> 8, the remainder after 8 rounds
        ld h,l
        ld l,0                  ; the low byte still to shift in
        ld a,8
        jr @start
@sixteen:
        ld a,16
@start:
        push bc
        push de
        exx
        pop hl                  ; HL' = the high half: the running remainder
        pop bc                  ; BC' = divisor
        exx
@round:
        add hl,hl
        exx
        adc hl,hl
        jr c,@over              ; the remainder passed 16 bits: it is >= BC' for sure
        sbc hl,bc               ; (no carry here)
        jr nc,@one
        add hl,bc               ; too small: put it back, quotient bit 0
        exx
        dec a
        jr nz,@round
        jr @done
@over:
        or a
        sbc hl,bc
@one:
        exx
        inc l                   ; quotient bit 1
        dec a
        jr nz,@round
@done:
        ld d,a                  ; (A = 0) the quotient's high half
        ld e,a
        ret

; (the signed divisions: the 48K's means divide on their own)
; div32s_floor - DEHL = floor(DEHL / BC), DEHL signed, BC >= 1 (as SPEC: floor, also below zero).
; Keeps BC; clobbers AF, BC', HL'.
div32s_floor:
        bit 7,d
        jp z,div32u
        call div_negative_dividend
        call div32u
        jp cpl32

; div32s_floor_q16 - the same when |quotient| < 2^16 (a weighted mean of words): 16 rounds.
div32s_floor_q16:
        bit 7,d
        jp z,div32u_q16
        call div_negative_dividend
        call div32u_q16
        ; fall through

; cpl32 - DEHL = ~DEHL. Clobbers AF.
cpl32:
        ld a,l
        cpl
        ld l,a
        ld a,h
        cpl
        ld h,a
        ld a,e
        cpl
        ld e,a
        ld a,d
        cpl
        ld d,a
        ret

; div_negative_dividend - DEHL = -DEHL - 1 (n < 0: floor(n / d) = ~((-n - 1) / d)). Clobbers AF.
div_negative_dividend:
        call neg32
        ld a,l
        sub 1
        ld l,a
        ld a,h
        sbc a,0
        ld h,a
        ld a,e
        sbc a,0
        ld e,a
        ld a,d
        sbc a,0
        ld d,a
        ret

.endif

; isqrt24 - HL = floor(sqrt(m)) for the 32-bit m at isq_m, m < 2^24 (a 12-bit root),
; digit by digit (no multiplies): 12 rounds, each bringing down two bits of m
; into the remainder and trying the next root bit, all in registers.
; Clobbers AF, B, DE.
isq_m:          .res 4

isqrt24:
        ld hl,0                 ; HL = the remainder, DE = 2 * the root so far
        ld d,h
        ld e,l
        ld a,(isq_m+2)          ; a zero top byte's rounds leave HL and DE at 0: skipped
        or a                    ; (m < 2^16: a root below 256, RMSNorm's usual)
        call nz,@byte
        ld a,(isq_m+1)
        call @byte
        ld a,(isq_m)
        call @byte
        srl d
        rr e
        ex de,hl
        ret
@byte:                          ; four rounds on the bits of A
        ld b,4
@round:
        add a,a                 ; remainder = 4 * remainder + the next two bits
        adc hl,hl
        add a,a
        adc hl,hl
        sla e                   ; the root doubles: DE = 2 * root
        rl d
        scf                     ; the remainder >= 2 * root + 1? then the root's new bit is 1
        sbc hl,de
        jr c,@restore
        inc de
        inc de
        djnz @round
        ret
@restore:
        add hl,de
        inc hl
        djnz @round
        ret

; sat32to16 - HL = DEHL clamped to -32768..32767. Clobbers AF.
sat32to16:
        ld a,h
        rla
        sbc a,a                 ; H's sign extension: D and E must both equal it
        cp e
        jr nz,@clip
        cp d
        ret z
@clip:
        bit 7,d
        ld hl,$7FFF
        ret z
.ifdef SHORT_FORMS
        inc hl                  ; $8000 (2 bytes fewer)
.else
        ld hl,$8000
.endif
        ret

; sra32 - DEHL >>= A (arithmetic), A = 0..31. Clobbers AF, B.
sra32:
        or a
        ret z
        ld b,a
@bit:
        sra d
        rr e
        rr h
        rr l
        djnz @bit
        ret
