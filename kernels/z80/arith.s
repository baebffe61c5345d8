; arith.s - 16x16 multiplies, 32/16 division and the integer square root (Z80).
;
; mul16u: DEHL = BC * DE (unsigned). Keeps BC, clobbers AF. 16 rounds of shift-and-add.
; mul16s: DEHL = BC * DE (signed). Clobbers AF, BC.
; div32u: DEHL = DEHL / BC (unsigned; BC >= 1), remainder in HL'.
; div32s_floor: DEHL = floor(DEHL / BC) for a signed DEHL and BC >= 1.
; isqrt24: HL = floor(sqrt(m)) for m < 2^24 at isq_m.
; sat32to16: HL = DEHL clamped to int16.   sra32: DEHL >>= A.
; T-states of each are measured in tests/test_kernels_z80.py.

mul16u:
        ld hl,0
        ld a,16
@round:
        add hl,hl               ; DEHL <<= 1; the multiplier's top bit falls into carry
        rl e
        rl d
        jr nc,@next
        add hl,bc
        jr nc,@next
        inc de
@next:
        dec a
        jr nz,@round
        ret

mul16s:
        ld a,b                  ; the product's sign: bit 7 of B xor D
        xor d
        push af
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
        jr z,@d_positive
        xor a
        sub e
        ld e,a
        sbc a,a
        sub d
        ld d,a                  ; DE = -DE
@d_positive:
        call mul16u
        pop af
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

; div32u - DEHL = DEHL / BC (unsigned, BC >= 1); the remainder is left in HL'.
; Keeps BC; clobbers AF, BC', HL'. 32 rounds of restoring division.
div32u:
        push bc
        exx
        pop bc                  ; BC' = divisor
        ld hl,0                 ; HL' = running remainder
        exx
        ld a,32
@round:
        add hl,hl               ; dividend <<= 1; its top bit into the remainder
        rl e
        rl d
        exx
        adc hl,hl
        jr c,@over              ; the remainder passed 16 bits: it is >= BC' for sure
        or a                    ; (A is the round counter: OR A keeps it)
        sbc hl,bc
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
        jr nz,@round
        ret

; div32s_floor - DEHL = floor(DEHL / BC), DEHL signed, BC >= 1 (as SPEC: floor, also below zero).
; Keeps BC; clobbers AF, BC', HL'.
div32s_floor:
        bit 7,d
        jp z,div32u
        call neg32              ; n < 0: floor(n / d) = -((-n - 1) / d) - 1 = ~((-n - 1) / d)
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
        call div32u
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

; isqrt24 - HL = floor(sqrt(m)) for the 32-bit m at isq_m, m < 2^24 (a 12-bit root):
; the root's bits from 2048 down, each kept when its square still fits.
; Clobbers AF, BC, DE.
isq_m:          .res 4
isq_root:       .word 0
isq_bit:        .word 0

isqrt24:
        ld hl,0
        ld (isq_root),hl
        ld hl,$0800
        ld (isq_bit),hl
@bit:
        ld hl,(isq_root)
        ld bc,(isq_bit)
        ld a,l
        or c
        ld c,a
        ld a,h
        or b
        ld b,a                  ; BC = candidate root
        push bc
        ld d,b
        ld e,c
        call mul16u             ; DEHL = candidate^2
        ld a,(isq_m)            ; m - candidate^2: no borrow when it fits
        sub l
        ld a,(isq_m+1)
        sbc a,h
        ld a,(isq_m+2)
        sbc a,e
        ld a,(isq_m+3)
        sbc a,d
        pop bc
        jr c,@too_big
        ld (isq_root),bc
@too_big:
        ld hl,(isq_bit)
        srl h
        rr l
        ld (isq_bit),hl
        ld a,h
        or l
        jr nz,@bit
        ld hl,(isq_root)
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
        ld hl,$8000
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
