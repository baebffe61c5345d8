; embed.s - SPEC embedding of one token at one position:
;   h[d] = sat16(up(te[token][d], s_te) + up(pe[pos][d], s_pe)),
;   up(v, s) = v << (8 - s) for s <= 8, v >> (s - 8) otherwise.
; Both cases are (v << 8) >> s, an arithmetic shift of v placed in the
; high byte of a 16-bit number, which is how it is computed: each term fits
; int16, so their sum saturates exactly when the 16-bit add overflows (V).
;
; Inputs (zero page): em_te (2) -> the token's 32 int8 te values,
;   em_pe (2) -> the position's 32 int8 pe values, em_te_shift and
;   em_pe_shift (0..15). Output: VEC_H[0..31].
; Shifts 1 <= s_te <= s_pe <= 8 (the shipped soul's 3 and 4, the vectors
; soul's 5 and 5) are left shifts only, te << a and pe << b with a = 8 - s_te
; >= b = 8 - s_pe, each term within +-2^14 so the sum never saturates:
; h = ((te << (a - b)) + pe) << b, b + (a - b) steps instead of s_te + s_pe,
; each shift an unrolled chain of asl/rol steps entered through a JMP the
; call patches (a - b and b steps before its end); other shifts take the
; right shifts of each term (em_general).
;
; Clobbers A, X, Y, em_*. Cycles: 2,863 at shifts 5 and 5 (exact,
; `soulterm bench --kernels`; 3,448 with the shifts' loops, before the
; fourteenth round; 6,509 before the left shifts). Bytes: 228.

; (the other shifts' path first: the left shifts' loop then lies in one
; page, tests/test_kernel_pages.py)
em_general:                     ; any other shifts: each term shifted right
        ldy #EMBED_DIM - 1
@dimension:
        lda #0                  ; te term: v in the high byte (A), 0 in the
        sta em_term             ; low byte, shifted right s_te times
        lda (em_te),y
        ldx em_te_shift
        beq @te_done
@te_shift:
        cmp #$80                ; (arithmetic: the sign enters on the left)
        ror
        ror em_term
        dex
        bne @te_shift
@te_done:
        sta em_term+1
        lda #0                  ; pe term, the same way
        sta em_sum
        lda (em_pe),y
        ldx em_pe_shift
        beq @pe_done
@pe_shift:
        cmp #$80
        ror
        ror em_sum
        dex
        bne @pe_shift
@pe_done:
        tax                     ; (its high byte)
        clc
        lda em_sum
        adc em_term
        sta VEC_H,y
        txa
        adc em_term+1
        bvs @saturate
        sta VEC_H+VEC_HIGH,y
@next:
        dey
        bpl @dimension
        rts
@saturate:                      ; A's bit 7 is the true sum's sign flipped:
        eor #$80                ; +32767 ($7FFF) or -32768 ($8000) by the sign
        asl
        lda #$FF
        adc #0
        sta VEC_H,y
        eor #$80
        sta VEC_H+VEC_HIGH,y
        bne @next               ; (always: $7F or $80)

embed:
        lda em_te_shift
        beq em_general
        lda em_pe_shift         ; 1 <= s_te <= s_pe <= 8 (both souls' shifts):
        sec                     ; only left shifts, te << a and pe << b with
        sbc em_te_shift         ; a = 8 - s_te >= b = 8 - s_pe, and no sum
        bcc em_general          ; leaves int16 (each term is within
        sta em_sum              ; +-2^14): h = ((te << (a - b)) + pe) << b;
        asl                     ; te's shift a - b enters its chain a - b
        adc em_sum              ; steps before its end, 3 bytes a step
        sta em_sum              ; (C = 0: a - b <= 8)
        lda #<@te_lefted
        sec
        sbc em_sum
        sta @te_shift+1
        lda #>@te_lefted
        sbc #0                  ; (C = 1 after: no borrow)
        sta @te_shift+2
        lda #8
        sbc em_pe_shift         ; (C = 1)
        bcc em_general          ; s_pe > 8
        sta em_sum+1            ; b: the sum's shift enters its chain b
        asl                     ; steps before its end, 3 bytes a step
        adc em_sum+1            ; (C = 0: b <= 8)
        sta em_sum+1
        lda #<@sum_shifted
        sec
        sbc em_sum+1
        sta @sum_shift+1
        lda #>@sum_shifted
        sbc #0
        sta @sum_shift+2
        ldy #EMBED_DIM - 1
@left:
        ldx #0                  ; te: low byte in em_term, high byte (its
        lda (em_te),y           ; sign) in A
        sta em_term
        bpl @te_positive
        dex
@te_positive:
        txa
@te_shift:
        jmp @te_lefted          ; (patched: a - b steps before the end;
        .repeat 7               ; a - b <= 7 once s_te >= 1)
        asl em_term
        rol
        .endrepeat
@te_lefted:
        sta em_term+1
        lda (em_pe),y           ; + pe (a negative one: its byte - 256)
        bpl @pe_positive
        dec em_term+1
@pe_positive:
        clc
        adc em_term
        sta em_term
        lda em_term+1
        adc #0
@sum_shift:
        jmp @sum_shifted        ; (patched: b steps before the end; b <= 7
        .repeat 7               ; once s_te >= 1)
        asl em_term
        rol
        .endrepeat
@sum_shifted:
        sta VEC_H+VEC_HIGH,y
        lda em_term
        sta VEC_H,y
        dey
        bpl @left
@left_end:
        rts
