; keptmarked.s - attention.s's AT_KEPT_MARKED ways for a marked head's dimensions (at_kept_marked_dimension,
; at_kept_marked_back_row, at_kept_marked_back): included by attention.s after at_kept_marked, or, with
; AT_KEPT_MARKED_APART (thirty-fourth round, zxdiv34: the 128K player's with AT_KEPT_DIVISION), by the player in
; the room below $C000 (MV_COARSE_UNCALLED's), so that AT_KEPT_DIVISION's copy of the division fits before
; pl_tables' page. Cold code (a head whose cache holds a v beyond -256..255), reached by jp only.

; at_kept_marked_dimension - a marked head's dimension (SP at its block, as the walk before left it; IXL
; the dimensions left, this one's too; HL' out's pointer): IXH:B:C = sum_j S(w) + its kept sum, the top
; byte's marks masked (bit 7, the head's, on its first dimension), into at_kept_dimension's walk; a
; dimension with bit 6 (a wide v) to the fast walk. The head's last dimension gives the kept store its
; way on back (at_kept_dimension@next_dimension: every other head's).
at_kept_marked_dimension:
        .byte $DD,$7D           ; ld a,ixl
        dec a
        jr nz,@sums
        ld hl,at_kept_dimension@next_dimension
.ifdef AT_KEPT_DIVISION
        ld (AT_KEPT_N_NEXT),hl
        ld (AT_KEPT_P_NEXT),hl
.else
        ld (at_fast_store@kept_next + 1),hl
.endif
@sums:
        ld hl,(at_kept)         ; the dimension's kept sum
        ld a,(hl)
@squares_low:
        add a,0                 ; (patched: sum_j S(w), the head's, byte by byte)
        ld c,a
        inc l                   ; (kv_kept_sums lie in one page)
        ld a,(hl)
@squares_mid:
        adc a,0
        ld b,a
        inc l
        ld a,(hl)
        bit 6,a                 ; (bit and res keep the carry)
        jr nz,@wide
        res 7,a                 ; (the head's mark)
@squares_high:
        adc a,0
        .byte $DD,$67           ; ld ixh,a
        inc l
        ld (at_kept),hl
.ifdef AT_KEPT_DIVISION                 ; (its stores count the dimensions left in B': this one's count, IXL's
        .byte $DD,$7D           ; ld a,ixl: for the fast walk's stores and this routine's test, one less)
        exx
        ld b,a
        exx
        .byte $DD,$2D           ; dec ixl
.endif
        jp at_kept_dimension@next_row
@wide:                          ; the fast walk for this dimension, its store AT_DST's, then back here
        inc l
        ld (at_kept),hl
        exx
        ld (AT_DST),hl
        exx
        ld hl,AT_STORE_FAST
        ld (at_fast_store),hl
        .byte $DD,$7D           ; ld a,ixl
        dec a
        jp z,at_fast_dimension@next_dimension ; (the head's last: the fast store ends it as the fast head's)
        ld hl,at_kept_marked_back
        ld (AT_FAST_NEXT),hl
        ld hl,at_kept_marked_back_row
        ld (attend_head@dimensions_left_jp + 1),hl
        jp at_fast_dimension@next_dimension
; at_kept_marked_back_row - the product loop's end for a marked head's wide dimension (not its last: SP
; attend_head's, at_row the next dimension's block); at_kept_marked_back - the fast walk's store's (SP
; at the next dimension's block): the fast walk's ways on and the kept store put back, out's pointer
; into HL', on to the next dimension.
at_kept_marked_back_row:
        ld sp,(at_row)
at_kept_marked_back:
        ld hl,at_fast_dimension@next_dimension
        ld (AT_FAST_NEXT),hl
        ld hl,at_fast_dimension
        ld (attend_head@dimensions_left_jp + 1),hl
        ld hl,AT_STORE_KEPT
        ld (at_fast_store),hl
        ld hl,(AT_DST)
        exx
        jp at_kept_marked_dimension
