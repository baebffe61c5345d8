; arith.s - the general-purpose arithmetic of the kernels: the quarter-square
; tables' start-up build, unsigned division and an integer square root.
; RMSNorm takes udiv32 and isqrt24 for means of 2^16 and more (its usual
; root and division are its own). The hot loops (matvec, attention, rmsnorm)
; inline their own multiplies, and attention its own division (at_divide).
;
; Cycles (exact, measured on the kernel bench, JSR/RTS included):
;   udiv32 1,436 (2^19 // 300), isqrt24 1,515 (4,000,000); qs_build
;   64,633 (once, at start-up; 79,025 while it also built a biased copy
;   that no kernel read).
; Bytes: 218.

; qs_build: the quarter-square tables (memory.inc), once at start-up with
; I/O banked out. f(n+1) = f(n) + floor((n+1)/2), from f(-512) = 65536 = 0
; mod 65536. Clobbers A, X, Y, ar_a, ar_b, ar_p, ar_t3, ar_t4. A macro: the
; soulplayer assembles it in its start-up part (soulplayer.s,
; START_UP_APART), other programs here.
        .macro qs_build_routine
qs_build:
        lda #0
        sta ar_p                ; f
        sta ar_p+1
        sta ar_t3
        sta ar_t4
        lda #<-511              ; n + 1
        sta ar_a
        lda #>-511
        sta ar_a+1
        lda #>qs_lo
        sta ar_t3+1
        lda #>qs_hi
        sta ar_t4+1
        ldx #>1024              ; pages
        ldy #0
@entry:
        lda ar_p
        sta (ar_t3),y
        lda ar_p+1
        sta (ar_t4),y
        lda ar_a+1              ; f += (n + 1) >> 1, arithmetic
        cmp #$80
        ror
        sta ar_b+1
        lda ar_a
        ror
        clc
        adc ar_p
        sta ar_p
        lda ar_b+1
        adc ar_p+1
        sta ar_p+1
        inc ar_a
        bne @next
        inc ar_a+1
@next:
        iny
        bne @entry
        inc ar_t3+1
        inc ar_t4+1
        dex
        bne @entry
        rts
        .endmacro
        .ifndef START_UP_APART
        qs_build_routine
        .endif

; udiv32: unsigned dv_num (32-bit) / dv_den (1..32767) -> quotient in
; dv_num, remainder in dv_rem. Restoring division, one quotient bit per
; step; whole leading zero bytes of the dividend are skipped first.
; Clobbers A, X, Y.
udiv32:
        lda #0
        sta dv_rem
        sta dv_rem+1
        ldx #32
@skip_zero_byte:                ; a zero top byte gives eight zero quotient
        lda dv_num+3            ; bits: move the dividend up a byte instead
        bne @loop
        cpx #8
        beq @loop
        lda dv_num+2
        sta dv_num+3
        lda dv_num+1
        sta dv_num+2
        lda dv_num
        sta dv_num+1
        lda #0
        sta dv_num
        txa
        sec
        sbc #8
        tax
        bne @skip_zero_byte
@loop:
        asl dv_num
        rol dv_num+1
        rol dv_num+2
        rol dv_num+3
        rol dv_rem
        rol dv_rem+1
        lda dv_rem
        sec
        sbc dv_den
        tay
        lda dv_rem+1
        sbc dv_den+1
        bcc @no_subtract
        sta dv_rem+1
        sty dv_rem
        inc dv_num              ; this quotient bit is 1
@no_subtract:
        dex
        bne @loop
        rts

; isqrt24: sq_root = floor(sqrt(sq_num)) for a 24-bit sq_num, the classic
; bit-by-bit method: bring down two bits of the radicand at a time and
; try root*2+1 against the remainder. Consumes sq_num. Clobbers A, X, Y, sq_rem.
isqrt24:
        lda #0
        sta sq_root
        sta sq_root+1
        sta sq_rem
        sta sq_rem+1
        ldx #12
@pair:
        ldy #2                  ; remainder = remainder*4 + next two bits
@bit:
        asl sq_num
        rol sq_num+1
        rol sq_num+2
        rol sq_rem
        rol sq_rem+1
        dey
        bne @bit
        asl sq_root             ; root*2; try (root*2)*2 + 1
        rol sq_root+1
        lda sq_root
        asl
        sta sq_test
        lda sq_root+1
        rol
        sta sq_test+1
        lda sq_test
        ora #1
        sta sq_test
        lda sq_rem
        sec
        sbc sq_test
        tay
        lda sq_rem+1
        sbc sq_test+1
        bcc @next
        sta sq_rem+1
        sty sq_rem
        inc sq_root
@next:
        dex
        bne @pair
        rts
