; squaresfirst.s - the 128K player's first start makes what its tape leaves out of the main block (Z80;
; thirty-first round, zxtape31, docs/spectrum.md "Thirty-first round: the 128K's tape, shorter").
; The tape's main block leaves out matvec's squares table (mv_sq_lo's 1,023 bytes: S(n) = n*n for n =
; -255..255 and the pad byte) and bank 0's copy of fc1planes.s (fg_x..fg_code_end: bank 4's bytes at the
; same addresses but its table pages' few, FC1_PLANES_L0); the block's last bytes stand in those holes
; instead, and the block ends that much sooner (build.tape_main_block). This routine lies on the tape in
; run-time buffers the forward pass writes before it reads (build.SQUARES_FIRST_HOME: forward.s's fw_att and
; fw_ffn after it, attention's output and z; z alone before the thirty-sixth round), assembled there by itself
; (build.squares_first, which defines first_start_steps: its sq_move, sq_bank_copy, and sq_value lines each
; followed by the sq_patch lines of the bytes that take its value); the tape's start calls it where its first `call rn_swap_squares`
; stands (start_squares_call), before anything reads either.
; squares_first moves the block's last bytes to their places, copies bank 4's fc1planes.s into bank 0 a
; byte at a time and patches its differing bytes, writes the table (n from 0 up, S(n)'s low byte at mv_sq_lo
; + 255 +- n, its high byte 512 on; S(n + 1) = S(n) + 2 n + 1) and the pad byte, writes rn_swap_squares
; back into the start's call (a later start goes straight there) and jumps to it. Entry: bank 0 paged at
; $C000 (the start's), left so. Clobbers AF, BC, DE, HL (as rn_swap_squares).
; 157 bytes; 234,737 T-states more than the start's call of rn_swap_squares alone (tests/test_zx_squares_first.py,
; on the player's bench; 123 bytes and 201,406 before the thirty-sixth round's zx128fc1g36 put fc1planes.s's group forms,
; FG_GROUP_FORMS, in the player: its copy 366 bytes longer, 12 bytes to patch, not 4; 203,140 before the thirty-fourth round's zxfc1rows34 made fc1planes.s 17 bytes shorter; 197,401 before the thirty-fourth round's zxlogit34 put logitplanes.s's lg_best_lower, 147
; bytes, at the program's end and zxgroup34 made fc1planes.s 47 bytes longer; 201,613 before the thirty-third round's
; zxfc1p33 made it 52 bytes shorter, 200,353 before the thirty-first round's zxroom31 moved 60 more bytes past the
; tape's end), 0.07 s once a LOAD, for 2,713 bytes off the tape (the squares' 1,023 and bank 0's fc1planes.s copy,
; 1,690 since zx128fc1g36, 1,324 since zxfc1rows34: 1,341 since zxgroup34, 1,294 before, 1,346 before zxfc1p33; 2,369 in all then, 13.3 s
; of LOAD).

; sq_move - count bytes from `from` (in a hole, on the tape) to `to` (past the tape's block)
        .macro sq_move from, to, count
        ld hl,from
        ld de,to
        ld bc,count
        ldir
        .endmacro

; sq_bank_copy - bank ZX_DATA_BANK's bytes start..end - 1 into bank 0's, a byte at a time (bank 0 left paged)
        .macro sq_bank_copy start, end
        ld hl,start
        ld bc,ZX_PAGING_PORT
@copy:  ld a,ZX_PAGE_ROM_48 | ZX_DATA_BANK
        out (c),a
        ld e,(hl)
        ld a,ZX_PAGE_ROM_48
        out (c),a
        ld (hl),e
        inc hl
        ld a,l
        cp (end) & 255
        jr nz,@copy
        ld a,h
        cp (end) >> 8
        jr nz,@copy
        .endmacro

; sq_value, sq_patch - where bank 0's copy differs from bank 4's: a value, then each byte that takes it
        .macro sq_value value
        ld a,value
        .endmacro
        .macro sq_patch address
        ld (address),a
        .endmacro

squares_first:
        first_start_steps
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
