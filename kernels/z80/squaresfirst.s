; squaresfirst.s - squares.s's table made by the 128K player's first start, off the tape (Z80; thirty-first
; round, zxtape31, docs/spectrum.md).
; The 128K's tape leaves matvec's squares table (mv_sq_lo's 1,023 bytes, S(n) = n*n for n = -255..255 and
; the pad byte) out of the main block: its place on the tape carries the block's last SQ_TAIL_BYTES bytes
; instead, and the block ends that much sooner (build.tape_main_block). This routine lies on the tape in a
; run-time buffer the forward pass writes before it reads (build.SQUARES_FIRST_HOME: forward.s's fw_ffn, z),
; assembled there by itself (build.squares_first); the tape's start calls it where its first
; `call rn_swap_squares` stands (start_squares_call), before anything reads the table.
; squares_first moves the tail to its place (SQ_TAIL, the block's end less SQ_TAIL_BYTES), writes the table
; (n from 0 up, S(n)'s low byte at mv_sq_lo + 255 +- n, its high byte 512 on; S(n + 1) = S(n) + 2 n + 1)
; and the pad byte, writes rn_swap_squares back into the start's call (a later start goes straight there)
; and jumps to it. Entry: bank 0 paged at $C000 (the start's). Clobbers AF, BC, DE, HL (as rn_swap_squares).
; 65 bytes; 66,130 T-states more than the start's call of rn_swap_squares alone (tests/test_zx_squares_first.py,
; on the player's bench), 0.02 s once a LOAD, for 1,023 bytes (~5.4 s of LOAD) off the tape.

squares_first:
        ld hl,mv_sq_lo          ; (the tape's tail, in the table's place)
        ld de,SQ_TAIL
        ld bc,SQ_TAIL_BYTES
        ldir
        ld hl,0                 ; S(n)
        ld de,mv_sq_lo + 255    ; n's low byte (n up)
        ld bc,mv_sq_lo + 255    ; -n's (n down)
@square:
        ld a,l
        ld (de),a
        ld (bc),a
        inc d                   ; (the high bytes: 512 on)
        inc d
        inc b
        inc b
        ld a,h
        ld (de),a
        ld (bc),a
        dec d
        dec d
        dec b
        dec b
        ld a,e
        sub (mv_sq_lo + 255) & 255      ; n
        push bc
        ld c,a
        ld b,0
        add hl,bc               ; S(n + 1) = S(n) + 2 n + 1
        add hl,bc
        inc hl
        pop bc
        inc de
        dec bc
        ld a,e
        cp (mv_sq_lo + 255) & 255       ; (256 n: 0..255)
        jr nz,@square
        xor a
        ld (mv_sq_lo + 511),a   ; (the pad byte)
        ld hl,rn_swap_squares
        ld (start_squares_call + 1),hl
        jp rn_swap_squares
squares_first_end:
        .assert SQ_TAIL_BYTES == mv_sq_hi + 511 - mv_sq_lo, "squares_first moves as many bytes as the table holds"
