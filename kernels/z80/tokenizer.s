; tokenizer.s - SPEC tokenizer on the Z80: characters to ids, then every merge in order.
;
; tokenize     tk_ids[0..tk_count) = the ids of the tk_len ASCII characters at tk_line
;              (lower-cased; characters outside the alphabet dropped), with each
;              merge of tk_merges applied left to right without overlap, in order.
;              Clobbers AF, BC, DE, HL, IX.
; Needs the tokenizer data (soulterm.zx.soul_layout.vocab_include).
; T-states: measured in tests/test_kernels_z80.py.

TK_MAX          = 64            ; characters (and ids) of one line

tk_line:        .word 0
tk_len:         .byte 0
tk_count:       .byte 0
tk_ids:         .res TK_MAX

tokenize:
        ld hl,(tk_line)
        ld de,tk_ids
        ld a,(tk_len)
        ld b,a
        ld c,0                  ; C = ids so far
        or a
        jr z,@mapped
@character:
        ld a,(hl)
        inc hl
        and $7F
        push hl
        ld hl,tk_char_to_id
        add a,l
        ld l,a
        adc a,h
        sub l
        ld h,a
        ld a,(hl)
        pop hl
        or a
        jr z,@dropped
        ld (de),a
        inc de
        inc c
@dropped:
        djnz @character
@mapped:
        ld a,c
        ld (tk_count),a
        ld ix,tk_merges
        ld b,tk_merge_count
        ld a,b
        or a
        ret z
@merge:
        push bc
        call tk_apply_merge
        ld de,3
        add ix,de
        pop bc
        djnz @merge
        ret

; tk_apply_merge - replace each (IX+0, IX+1) pair of tk_ids by IX+2, scanning left to right.
tk_apply_merge:
        ld hl,tk_ids            ; HL reads, DE writes (never ahead of HL)
        ld d,h
        ld e,l
        ld a,(tk_count)
        ld c,a                  ; C = ids left to read
        ld b,0                  ; B = ids written
@scan:
        ld a,c
        or a
        jr z,@done
        ld a,(hl)
        cp (ix+0)
        jr nz,@copy
        ld a,c
        cp 2
        jr c,@copy_again
        inc hl
        ld a,(hl)
        dec hl
        cp (ix+1)
        jr nz,@copy_again
        ld a,(ix+2)             ; the pair: one merged id
        ld (de),a
        inc de
        inc b
        inc hl
        inc hl
        dec c
        dec c
        jr @scan
@copy_again:
        ld a,(hl)
@copy:
        ld (de),a
        inc de
        inc b
        inc hl
        dec c
        jr @scan
@done:
        ld a,b
        ld (tk_count),a
        ret
