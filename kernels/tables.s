; tables.s - the attention exp table.
;
; (The quarter-square tables that attention, rmsnorm and arith multiply
; with are built at start-up by qs_build (arith.s) under the I/O area, and
; matvec's squares by mv_build_squares under the KERNAL: memory.inc.)
;
; The exp table is SPEC's: LUT[0] = 255, LUT[i] = clamp(round(255 *
; exp(-i/16)), 1, 255) for 1..126, LUT[127] = 0. Only attention reads it,
; while it computes, so the soulplayer keeps it under the I/O area
; (EXP_LUT, memory.inc): its start-up part holds the bytes (exp_lut_bytes)
; and copies them there. Other programs here have it in place.
;
; Size: 128 bytes. No code.

        .macro exp_lut_bytes
        .byte 255
        .repeat 126, i
        .byte clamp(round(255 * exp(-(i + 1) / 16.0)), 1, 255)
        .endrepeat
        .byte 0
        .endmacro

        .ifdef START_UP_APART
exp_lut = EXP_LUT
        .else
exp_lut:
        exp_lut_bytes
        .endif
