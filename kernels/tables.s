; tables.s - the attention exp table, in the PRG.
;
; (The quarter-square tables that attention, rmsnorm and arith multiply
; with are built at start-up by qs_build (arith.s) under the I/O area, and
; matvec's squares by mv_build_squares under the KERNAL: memory.inc.)
;
; The exp table is SPEC's: LUT[0] = 255, LUT[i] = clamp(round(255 *
; exp(-i/16)), 1, 255) for 1..126, LUT[127] = 0.
;
; Size: 128 bytes. No code.

exp_lut:
        .byte 255
        .repeat 126, i
        .byte clamp(round(255 * exp(-(i + 1) / 16.0)), 1, 255)
        .endrepeat
        .byte 0
