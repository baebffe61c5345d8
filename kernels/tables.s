; tables.s - page-aligned multiply tables and the attention exp table.
;
; (matvec.s has its own table of squares, built at start-up under the KERNAL
; ROM, see memory.inc; these serve attention, rmsnorm and arith.)
;
; Quarter-square multiplication: for integers a, w of equal parity of a+w
; and w-a (always true), a*w = f(a+w) - f(w-a) with f(n) = floor(n*n/4).
; Both tables hold f(i - 512) for i = 0..1023, as separate low- and
; high-byte pages so one index register reaches a 16-bit entry:
;   qsb_*  f(i-512) + 32768   (the "plus" table, biased by $8000)
;   qs_*   f(i-512)           (the "minus" table)
; qsb[i1] - qs[i2] is then the product + 32768, an unsigned 16-bit number
; whenever the product fits in a signed 16-bit one: kernels add it to their
; sums without sign extension and take the 32768s back out once per sum.
; qs[i1] - qs[i2] is the plain product (used for unsigned x unsigned).
;
; A kernel points an instruction's operand at table + offset and indexes it
; with the second factor in Y:
;   factor a, Y = w + 128 (a signed byte, flipped):  offsets 384+a and 384-a
;   factor a, Y = u       (an unsigned byte):         offsets 512+a and 512-a
; Every offset stays within the 1024 entries for |a| <= 256.
;
; The exp table is SPEC's: LUT[0] = 255, LUT[i] = clamp(round(255 *
; exp(-i/16)), 1, 255) for 1..126, LUT[127] = 0.
;
; Size: 128 + 4096 bytes (plus the padding to the first page). No code.
; The exp table comes first so that it can fill part of that padding.

exp_lut:
        .byte 255
        .repeat 126, i
        .byte clamp(round(255 * exp(-(i + 1) / 16.0)), 1, 255)
        .endrepeat
        .byte 0

        .align 256
qsb_lo:
        .repeat 1024, i
        .byte <((i - 512) * (i - 512) / 4 + 32768)
        .endrepeat
qsb_hi:
        .repeat 1024, i
        .byte >(((i - 512) * (i - 512) / 4 + 32768) & $FFFF)
        .endrepeat
qs_lo:
        .repeat 1024, i
        .byte <((i - 512) * (i - 512) / 4)
        .endrepeat
qs_hi:
        .repeat 1024, i
        .byte >((i - 512) * (i - 512) / 4)
        .endrepeat
