; nzmatvec.s - fc2 by its nonzero inputs only (Z80, MV_NZ; twenty-seventh round, issue 16): out[r] =
; sat16(out[r] + sat16((W x + b) >> shift)), matvec.s's call with its adding store (mv_store_add), whose
; work is only the nonzero columns' products.
;
; Inputs: matvec.s's (mv_w in its layout, mv_x, mv_bias, mv_out, mv_rows, mv_cols, mv_shift; MV_SHORT_K's
; flag in mv_shift's bit 7); call matvec_nz. Output: mv_out[r] += the row's output, saturated as
; mv_store_add does. The fast path takes a call of 33..64 columns (matvec's two parts) with a bias, a
; shift of 0..15 and every x in -127..384 (..503 with NZ_WIDE_X) whose pieces fit the chain's room (NZ_CHAIN_BYTES: the player's
; 1,000 bytes take ~40 columns); with NZ_X_BITS (both players' since the thirty-seventh round) every x in 0..503,
; at most 85 entries (an x past 255 three; 64 on the 48K, NZB_LIST_IN_PAGE) and a chain that fits the room beside them; any other call jumps to matvec (the caller has set mv_store_add as
; matvec's store: forward.s's fw_dense_add), exact either way. Clobbers AF, BC, DE, HL, IX and the
; alternate set (IY kept); runs with interrupts off (SP walks the weights) and gives back the state it
; found. With NZ_CHAIN_AT (the 48K player's) the chain lies there, NZ_CHAIN_BYTES of room the player
; leaves it while matvec_nz runs, and the rows' code jumps to it.
;
; How: with x = 256 h + l, l in -127..128, h 0 or 1, S(n) = n*n from matvec's squares table and u = w +
; 128 the stored weight, 2 w l = S(w + l) - S(w) - S(l) and 2 w h = 2 u - 256. The call scans x once and
; writes, for its nonzero columns only, an unrolled chain of pieces (an l piece by pushes from its end
; with its displacement l - 1: (ix+d) and (iy+d) read S(w + l) with IXL = IYL = u; the others copied by
; an ldi chain) into nz_chain, which every row runs: SP pops the row's weights, stepping over the zero
; columns (dec sp, inc sp and pops, or ld hl,n / add hl,sp for 7 or more bytes; none before a part's
; first nonzero column, where the rows' pointers start: nz_first), an l piece adds S(w + l) - S(w) into
; A:HL (its or a before the sbc only after a piece of h: A starts at $80 and cannot carry out before), a
; piece of h adds 2 u at A:H. Each row starts at -(sum S(l) + 256 * 256 the pieces of h) (summed in IX by
; the scan), its end adds 2 b (SP walks the bias), shifts the 24-bit 2 (W x + b) left 7 - shift bits (a
; signed overflow saturates) and takes A:H (right for shifts of 8 or more) and adds it into out (reached
; from the bias's walk: mv_out - mv_bias). x <= 384 (503) keeps |2 (W x + b)| below 2^23. With NZ_SHORT_PIECES
; (the 128K's, thirtieth round) a column of x in 1..8 takes a short piece (nz_short, at the file's end), since
; the thirty-first round x in 1..16 but 15. With NZ_SHORT_MADE (the 48K's spend, thirty-fifth round) a column of x in
; 1..14 takes a short piece nz_nonzero makes from l's bits (`pop de / ld d,b`, then `sla e / rl d` a bit and `add
; hl,de / adc a,b` a 1: 14 + 16 bitlen(l) + 15 popcount(l) T-states a row, 45 for x = 1, 123 at most, for the l
; piece's 136), with no templates: its writing 131 T-states a bit of l and 44 more a 1, its test 23 a column of
; any other l.
;
; NZ_X_BITS (thirty-seventh round, zxfc2_37; both players', in place of the pieces below and every other NZ_ option):
; each row sums 2 sum u x Horner's way, by x's bits from the top one any x has: a unit `ld e,(ix+j) / add hl,de`
; (30 T-states a row; `/ adc a,b` once the level's sums may pass 16 bits, 34) a set bit, a doubling `add hl,hl`
; (11; `/ adc a,a` 15) a level, one more at the end; the row's end adds -256 X (X = sum x) and 2 b. Written once a
; call (nz_bits_prepare): the scan pushes an entry a nonzero x, then each level's pass over the list writes the
; units of the entries with its bit (73 T-states a unit more than an entry without it). T-states (the 128K's
; options, the call below): x of 5 39,180, of 12 40,284, of 50 52,968, every x 0 13,846 (39,261, 40,368, 53,058 and
; 13,918 before zx48room38's count of the list by `or h` and two rrca's, the prefix by add a,$20, carries known
; clear); the 48K player's (NZ_CHAIN_AT: the chain entered a byte on, its first unit `ld l,(ix+j)`, NZB_CHAIN_ENTRY;
; the list in one page, NZB_LIST_IN_PAGE) 39,183, 40,207, 52,811, 13,864 (39,596, 40,703,
; 53,393 and 14,253 before zx48room38: 11 a row fewer, the tail copied 35 more a call); a set bit more in a
; 16-bit level 32 x 30 + 73, in a 24-bit one 32 x 34 + 75. The fc2 calls of a reply step, both layers (the kernels'
; bench, the engine's z; python benchmarks/z80_fc2_bits.py): the ten's 144,534 -> 119,017 a step.
;
; T-states (tests/test_kernels_z80_nz.py, CALL and RET included, the 128K's options): 32 x 64, a bias,
; shift 6, 10 nonzero x of 5 in every third column: 52,927 (short pieces; 53,844 before the thirty-fourth round's
; NZ_SCAN_IN_ALT_SET and NZ_SCAN_IN_PAGE, 54,074 before the thirty-third round's look-up, 67,104 before them; x of 12 58,887, 67,344 before the thirty-first round; x of 50:
; 66,427, 67,344 before the thirty-fourth round); every x 0: 14,197 (14,819 before) (matvec's sparse call ~78,000-86,000 with every x 0; the 128K player's layer
; 1's fc2 a reply step on "hello" 103,464 -> ~74,000, benchmarks/z80_step_phases.py --model 128k). ~136 a
; product (pop 10, ld ixl,e and ld iyl,e 16, the reads 76, the adds 34; a skip 6 to 35 more); ~307 a row
; (its start 42, the parts' step 43, the chain's jp 10, the bias 84: its walk a patched ld sp,nn, 2 b by
; add hl,hl, its sign in C, the shift 43 at shift 6, the store 83, the loop 14: C the rows left); ~730 a
; nonzero column to write its pieces (pop de pushed with its l piece, the column and SP's place in IY;
; ~70 more for a piece of h: ldir; 28 fewer with NZ_SCAN_IN_ALT_SET, the 128K's since the thirty-fourth round:
; the scan's HL, B and C in the other register set, kept by exx's, not pushes; 39 more a call, its rows' pointers
; worked out after the scan from each part's first nonzero column, the second part's row by the bits of mv_rows:
; 460 fewer a call of 32 rows); ~49 a zero column's scan (45 with
; NZ_SCAN_IN_PAGE, the 128K's too: the scan's steps inc l where x lies in one page, patched for 55 a call).
; Bytes: 556 in the 48K player (zx48room38, thirty-eighth round: the first unit's rewrite 14 more, the tail's ldir 4,
; the list's count 8, the second part's prefix by add a,$20 2, three carries known clear 3 and nz_fallback's jr 1
; fewer, all in the cold part, 464; the rows' part 92) and 1,626 in the 128K's (the count, the prefix, the carries,
; the jr: 14 fewer); 560 and 1,640 before (zxfc2_37, thirty-seventh round: NZ_X_BITS, the cold part 468, the rows' part 92;
; the 128K's with the chain's 1,000); 706 before it (zx48ffn35, thirty-fifth round: NZ_SHORT_MADE, the short pieces made from l's bits,
; 45 more in its cold part, the once-a-call part 546 -> 591; 661 since zx48spend34: NZ_ROWS_BY_BITS, the second part's
; row by mv_rows' bits, 6 more in its cold part; 655 since zx48room30: SHORT_FORMS' jr to the fallback, 2 bytes fewer; 657 since
; zxsparse48: the once-a-call part, 542 with MV_SHORT_K's row constants and MV_LEAST_SHIFT's shifts, 4..7 on the shipped soul: no right chain, the left chain 3 steps, 87 bytes
; fewer, in the cold part below $8000; the rows' part 115 above, a jp to the chain, NZ_CHAIN_AT: the
; screen's middle third, 2,048 bytes, planes.s's tables' room, dead while fc2 runs, contended); 1,968 in
; the 128K player's (the once-a-call part, nz_prepare_routines, 572 in the cold part below $8000; the
; rows' part, nz_row_routines, 1,396 with the chain's 1,000 and nz_short's 224 (164 before l = 9..16), above; 1,737 before
; them); 2,023 since the thirty-second round's NZ_WIDE_X (the 128K's: nz_wide_x and nz_wide_done, 55 bytes above, for
; x of 385..503 on the chain: a call of one such column 28,488 T-states, 224,686 through matvec before);
; 2,021 since the thirty-third round's (nz_short's table in one page, read by its low byte: 222 bytes); 2,024
; since the thirty-fourth round's NZ_SCAN_IN_ALT_SET (the 128K's: the once-a-call part 567, 5 fewer; the rows'
; part 8 more, nz_h1_piece's 13 bytes moved there for the cold part's room); 2,038 with its NZ_SCAN_IN_PAGE
; (nz_scan_x, 14 bytes in the rows' part); 2,044 with nz_row_pointers' second part by the bits of mv_rows (the
; once-a-call part 573).

NZ_PIECE_BYTES  = 44            ; the most a column writes: a skip of 7, pop, an l piece of 22, a piece of h of 14
.ifdef NZ_WIDE_X
NZ_X_MOST       = 503           ; the fast path's largest x: h = 2 (x 385..503) takes two pieces of h
.else
.ifdef NZ_X_BITS
NZ_X_MOST       = 503           ; (NZ_X_BITS: any x of 1..503, two entries of 128 past 255)
.else
NZ_X_MOST       = 384
.endif
.endif
        .assert 2 * (64 * 128 * NZ_X_MOST + 32768) < $800000, "|2 (W x + b)| must fit A:HL's 24 bits (x <= NZ_X_MOST)"
; NZB_CHAIN_ENTRY: where the rows enter the chain; a byte on with NZ_X_BITS at NZ_CHAIN_AT (the 48K's, thirty-eighth
; round, zx48room38): its top level's first unit `ld l,(ix+j)`, no add. The inline chain (the 128K's) is run from its start.
; NZB_LIST_IN_PAGE (the same, the 48K's: its room ends on a page): the list at most NZB_MOST_ENTRIES = 64 entries, in
; the page below the room's end, so that a level's test steps over an entry by inc l (8 T-states fewer); else 85.
.ifdef NZ_CHAIN_AT
.ifdef NZ_X_BITS
NZB_CHAIN_ENTRY = 1
NZB_LIST_IN_PAGE = 1
NZB_MOST_ENTRIES = 256 / 4
.endif
.endif
.ifndef NZB_CHAIN_ENTRY
NZB_CHAIN_ENTRY = 0
NZB_LIST_IN_PAGE = 0
NZB_MOST_ENTRIES = 85           ; (ldi's count in C)
.endif
.ifndef NZ_CHAIN_BYTES
NZ_CHAIN_BYTES  = 1116          ; the chain's room (a player's build sets its own): 24 columns of the most bytes
.endif
        .assert NZ_CHAIN_BYTES / 22 < 128, "A's $80 start must not carry out of A before a piece of h (<= 127 l pieces)"
NZ_SQUARES      = mv_sq_lo + 128        ; (page-aligned: squares.s)
.ifdef NZ_SCAN_IN_ALT_SET
NZ_ROWS_BY_BITS = 1             ; (the scan in the other set finds the second part's row by mv_rows' bits: 460 a call)
.endif
NZ_FIRST        = $80           ; nz_pos before a part's first nonzero column (j - it + 1 is never 0: j <= 31)
NZ_LONG_SKIP    = 7             ; a skip of this many bytes or more: ld hl,n / add hl,sp (35 T-states)

; nzb_write_pair - the chain's next instruction written at DE: the 16-bit add `add16`, then the 24-bit part's `adc24`;
; DE is left on the adc (the next write covers it) while a level's sums fit 16 bits, past it once `step`, a nop, is
; patched to inc hl.
        .macro nzb_write_pair add16, adc24, step
        ex de,hl
        ld (hl),add16
        inc hl
        ld (hl),adc24
step:
        nop                     ; (inc hl once the level's sums are 24-bit)
        ex de,hl
        .endmacro

; nz_out_delta - NZ_OUT_DELTA = mv_out - mv_bias - 2 (a row's store from the bias SP walks past), C = the rows
; left (mv_rows). Clobbers AF, DE, HL.
        .macro nz_out_delta
        ld hl,(mv_out)
        ld de,(mv_bias)
        or a
        sbc hl,de
        dec hl
        dec hl
        ld (NZ_OUT_DELTA),hl
        ld a,(mv_rows)
        ld c,a
        .endmacro

; nz_first_weight - HL = row 0's first weight: mv_w past its row constant (2 bytes with MV_SHORT_K's flag in
; mv_shift, else 3). Clobbers AF, DE.
        .macro nz_first_weight
        ld a,(mv_shift)
.ifdef MV_SHORT_K
        rlca
        and 1                   ; (MV_SHORT_FLAG: 2-byte row constants)
        cpl
        add a,4                 ; 3 or 2
.else
        ld a,3
.endif
        ld e,a
        ld d,0
        ld hl,(mv_w)
        add hl,de
        .endmacro

; nz_row_pointers - the rows' pointers: HL' the first part's row (past its constant), BC' its stride, DE' the
; second part's row; with NZ_SCAN_IN_ALT_SET worked out after the scan, each on its part's first nonzero
; column (NZ_FIRST_J1, NZ_FIRST_J2: nz_first's), else before it (the scan moves each on: nz_first). Leaves the
; other set in.
        .macro nz_row_pointers
        nz_first_weight
.ifdef NZ_SCAN_IN_ALT_SET
        ld bc,0                 ; the first part's first nonzero column j (patched: the scan's, nz_first's)
NZ_FIRST_J1 = * - 2
        add hl,bc
.endif
        push hl                 ; row 0's first weight (NZ_SCAN_IN_ALT_SET: its part's first nonzero one)
        ld a,(nz_cols1)
        add a,e
        ld e,a                  ; the first part's row: its constant and columns
        ld hl,(mv_w)
.ifdef NZ_SCAN_IN_ALT_SET
        ld bc,0                 ; the second part's (patched by nz_first): + j before the rows' strides
NZ_FIRST_J2 = * - 2
        add hl,bc
.endif
.ifdef NZ_ROWS_BY_BITS
        ld b,d
        ld c,e                  ; BC': the first part's row stride (DE doubles below)
        ld a,(mv_rows)
@rows_bits:                     ; HL += rows * stride by rows' bits, the lowest first (32 rows: 6 rounds,
        srl a                   ; 307 T-states, not a round a row's 24)
        jr nc,@no_add
        add hl,de
@no_add:
        ex de,hl
        add hl,hl               ; (add hl,hl keeps srl a's Z)
        ex de,hl
        jr nz,@rows_bits        ; (Z: no bits of rows left)
.else
        ld a,(mv_rows)
        ld b,a
@rows_bytes:
        add hl,de
        djnz @rows_bytes
        ld b,d
        ld c,e                  ; BC': the first part's row stride
.endif
        ex de,hl                ; DE': the second part's first row
        pop hl                  ; HL': the first part's
        exx
        .endmacro

; nz_h1_template - the piece of h a column of h = 1 copies into the chain (in the cold part; with
; NZ_SCAN_IN_ALT_SET in the rows' part, for the room its lines take below $8000)
        .macro nz_h1_template
nz_h1_piece:                    ; h = 1: A:H += 2 u (2 w + 256), u twice (C kept: the rows' count)
        .byte $DD,$5D           ; ld e,ixl
        ld d,a
        ld a,h
        add a,e
        ld h,a
        ld a,d
        adc a,b
        ld d,a
        ld a,h
        add a,e
        ld h,a
        ld a,d
        adc a,b
NZ_H1_BYTES = * - nz_h1_piece
        .endmacro

; NZ_X_BITS (thirty-seventh round, zxfc2_37): the rows by x's bits, Horner's way. Each nonzero x (ReLU's: 1..NZ_X_MOST)
; is an entry of the list the scan pushes down from the chain's room's end, [x's low byte, prefix, $5E, j]: the
; bytes of `ld e,(ix+j)` (the first part's row in IX) or `ld e,(iy+j)` (the second part's in IY); an x of 256 or
; more takes two more entries of 128 (256 u at level 7). The chain is written level by level from the top bit
; any entry has: a doubling of A:HL (`add hl,hl / adc a,a`), then for each entry whose x has this level's bit a
; unit `ld e,(ix+j) / add hl,de / adc a,b` (30 T-states a row, 34 with its adc: 19 the read), and after bit 0 a
; last doubling, so that a row sums 2 sum u x with u = w + 128 the stored weight (D and B 0); its end adds
; -256 X (X = sum x, patched) and 2 b. A level's sums fit HL while 255 floor(X / 2^b) does (X's high byte below
; the level's bit): its units and doubling without their adc (`adc a,b`, `adc a,a`: 4 T-states each), A 0. The
; chain's room holds the list too: a level whose units could reach it, or more than 85 entries (ldi's count; 64 with NZB_LIST_IN_PAGE),
; sends the call to matvec. x below 0 or past NZ_X_MOST: matvec's.

; nz_bits_prepare - (NZ_X_BITS) matvec_nz's scan into the list and the chain's writing, after nz_cols1
        .macro nz_bits_prepare
        ld iy,0                 ; IY: X, the x summed (the rows' constant: -256 X)
        xor a
        ex af,af'               ; A': the entries' x bytes or'ed (the top level)
        ld sp,nz_chain_end      ; SP: the list's end (interrupts are off; nz_fallback and nz_done set SP back)
        ld a,$DD
        ld (NZB_PREFIX),a
        ld hl,(mv_x)
        ld a,(nz_cols1)
        ld b,a
nzb_part:
        ld c,0                  ; C: j, the column in its part
nzb_scan:
        ld a,(hl)
        inc hl
        or (hl)
        inc hl
        jr nz,nzb_nonzero
nzb_next:
        inc c
        djnz nzb_scan
        ld a,(NZB_PREFIX)
        add a,$FD - $DD         ; the second part's rows by IY ($DD to $FD; a carry past the second part)
        jr c,nzb_scanned
        ld (NZB_PREFIX),a
        ld b,MV_MAX_COLS
        jr nzb_part
nzb_nonzero:                    ; (HL past x's word)
        dec hl
        ld d,(hl)
        dec hl
        ld e,(hl)
        inc hl
        inc hl
        add iy,de               ; X += x
        ld a,d
        or a
        jr nz,nzb_high
nzb_entry:                      ; E: the entry's x byte
        ex af,af'
        or e
        ex af,af'
        ld a,e
        ld d,c
        ld e,$5E
        push de                 ; $5E, j
        ld e,a
        ld d,$DD                ; (patched: $FD in the second part)
NZB_PREFIX = * - 1
        push de                 ; x's byte, the prefix
        jr nzb_next
nzb_high:                       ; x of 256..NZ_X_MOST: two entries of 128, then its low byte's
        dec a
        jp nz,nz_fallback       ; (x below 0, or 512 and past)
        ld a,e
        cp NZ_X_MOST - 256 + 1
        jp nc,nz_fallback
        .byte $DD,$6B           ; ld ixl,e
        ld a,(NZB_PREFIX)
        ld d,c
        ld e,$5E
        push de
        ld d,a
        ld e,128
        push de
        ld d,c
        ld e,$5E
        push de
        ld d,a
        ld e,128
        push de
        ex af,af'
        or e
        ex af,af'
        .byte $DD,$5D           ; ld e,ixl
        jr nzb_entry
nzb_scanned:
        ld hl,0
        add hl,sp               ; the list's lowest entry
        ld sp,(NZ_SAVED_SP)
        ld (NZB_LIST),hl
        ex de,hl
        ld hl,nz_chain_end      ; (no carry: add hl,sp's)
        sbc hl,de               ; 4 n (n <= 3 * 64: H <= 3, L's low 2 bits 0)
        .assert 4 * 3 * 2 * MV_MAX_COLS < 1024, "n from 4 n by `or h` and two rrca's needs 4 n < 1024"
        ld a,l
        or h
        rrca
        rrca                    ; n
        cp NZB_MOST_ENTRIES + 1
        jp nc,nz_fallback       ; (ldi's count in C: 85 units a level at most; 64 with the list in one page)
        ld (NZB_COUNT),a
        add a,2 + 2 + 3
        ld c,a
        ld b,0
        add hl,bc               ; a level's most bytes: its doubling, 5 n, and the chain's end
        ex de,hl
        sbc hl,de               ; (no carry from add hl,bc: 5 n + 7 < 65,536)
        ld (NZB_ROOM),hl        ; (the list less them: a level starts at most there)
        push iy
        pop hl                  ; X
        ld a,h
        ld (NZB_X_HI),a
        xor a
        sub l
        ld l,a
        sbc a,a
        sub h                   ; -X (16 bits: -256 X's top two bytes)
        ld (NZB_CONST_TOP),a
        ld a,l
        ld (NZB_CONST + 1),a
; the rows' pointers: IX the first part's row 0 less its stride, IY the second part's less 32 (nz_row adds them)
        nz_first_weight
        ld a,(nz_cols1)
        add a,e
        ld e,a                  ; DE: the first part's row stride (below 256)
        push de
        exx
        pop bc                  ; BC': the first part's row stride, DE': the second part's (nz_row adds them)
        ld de,MV_MAX_COLS
        exx
        sbc hl,de               ; (no carry: the stride's add a,e)
        push hl
        pop ix
        ld hl,(mv_w)
        ld a,(mv_rows)
nzb_rows_bits:                  ; HL += rows * stride by rows' bits, the lowest first
        srl a
        jr nc,nzb_no_add
        add hl,de
nzb_no_add:
        ex de,hl
        add hl,hl               ; (add hl,hl keeps srl a's Z)
        ex de,hl
        jr nz,nzb_rows_bits
        ld de,-MV_MAX_COLS
        add hl,de
        push hl
        pop iy
; the levels, from the top bit of any entry
        xor a
        ld (NZB_DOUBLE_STEP),a  ; (nop: 16-bit sums till X's high byte reaches the level's bit)
        ld (NZB_UNIT_STEP),a
        ld a,nzb_units - NZB_FIRST_JR - 1
        ld (NZB_FIRST_JR),a     ; (the top level without a doubling)
        ld de,nz_chain
        ex af,af'               ; A: the entries' bits
        ld c,$80
        or a
        jr z,nzb_levels_done    ; (every x 0: the chain is its end alone)
nzb_top:
        ld b,a
        and c
        ld a,b
        jr nz,nzb_level
        srl c
        jr nzb_top
nzb_level:                      ; C: the level's bit
        ld a,c
        ld (NZB_MASK),a
        ld a,0                  ; X's high byte (patched)
NZB_X_HI = * - 1
        cp c
        jr c,nzb_sixteen        ; (X below 256 times the bit: 255 floor(X / bit) fits HL)
NZB_SIXTEEN_JR = * - 1
        ld a,$23                ; inc hl: the doublings' adc a,a and the units' adc a,b kept from here on
NZB_WIDE_STEP = * - 1
        ld (NZB_DOUBLE_STEP),a
        ld (NZB_UNIT_STEP),a
nzb_sixteen:
        ld hl,0                 ; (patched: where a level starts at most)
NZB_ROOM = * - 2
        or a
        sbc hl,de
        jr c,nz_fallback
        jr nzb_units            ; (patched: jr +0 after the top level)
NZB_FIRST_JR = * - 1
        nzb_write_pair $29, $8F, NZB_DOUBLE_STEP     ; add hl,hl / adc a,a
nzb_units:
        ld hl,0                 ; (patched: the list)
NZB_LIST = * - 2
        ld b,0                  ; (patched: its entries)
NZB_COUNT = * - 1
        ld c,$FF                ; (ldi's count, so that B stays the entries left)
nzb_entry_test:
        ld a,(hl)
        and 0                   ; (patched: the level's bit)
NZB_MASK = * - 1
        jr nz,nzb_unit
.if NZB_LIST_IN_PAGE
        inc l
        inc l
        inc l
        inc l
.else
        inc hl
        inc hl
        inc hl
        inc hl
.endif
        djnz nzb_entry_test
        jr nzb_level_end
nzb_unit:
        inc hl
        ldi
        ldi
        ldi                     ; ld e,(ix+j) or ld e,(iy+j)
        nzb_write_pair $19, $88, NZB_UNIT_STEP       ; add hl,de / adc a,b
        djnz nzb_entry_test
nzb_level_end:
        xor a
        ld (NZB_FIRST_JR),a     ; (the levels after the top one: their doubling)
        ld a,(NZB_MASK)
        srl a
        ld c,a
        jr nz,nzb_level
.if NZB_CHAIN_ENTRY
        ld hl,(nz_chain + 1)    ; H: the top level's first unit's j (A:HL is 0 where a row enters the chain: its
        ld l,$6E                ; first unit `ld l,(ix+j)`, no add; a 24-bit level's adc a,b after it adds 0)
NZB_FIRST_OPCODE = * - 1
        ld (nz_chain + 2),hl
        ld a,(nz_chain)         ; its prefix, one byte on: the rows enter at nz_chain + NZB_CHAIN_ENTRY
        ld (nz_chain + 1),a
.endif
nzb_levels_done:                ; (every x 0: the chain its tail alone, right from any of its first 3 bytes)
.if NZB_CHAIN_ENTRY
        ld hl,nzb_chain_tail    ; (copied: 4 bytes fewer than written one by one, 35 T-states a call more)
        ld bc,NZB_TAIL_BYTES
        ldir                    ; (BC 0: B 0 through the rows)
.else
        ex de,hl
        ld (hl),$29             ; the last doubling: 2 sum u x
        inc hl
        ld (hl),$8F
        inc hl
        ld (hl),$C3             ; jp nz_end
        inc hl
        ld (hl),<nz_end
        inc hl
        ld (hl),>nz_end
.endif
        nz_out_delta
.if NZB_CHAIN_ENTRY == 0
        ld b,0                  ; (B: 0 through the rows)
.endif
        ld sp,(mv_bias)         ; SP: the bias's walk (the rows' weights by IX and IY)
        jp nz_row
.if NZB_CHAIN_ENTRY
nzb_chain_tail:                 ; (copied to the chain's end, not run here)
        add hl,hl               ; the last doubling: 2 sum u x
        adc a,a
        jp nz_end
NZB_TAIL_BYTES = * - nzb_chain_tail
.endif
        .endmacro

; nz_bits_row - (NZ_X_BITS) a row's start: IX and IY on to its parts' weights (strides in BC', DE'), A:HL 0
        .macro nz_bits_row
nz_row:
        exx
        add ix,bc               ; (BC': the first part's row stride)
        add iy,de               ; (DE': the second part's, 32)
        exx
        ld d,b                  ; (D 0 for the units' add hl,de: the last row's end left it anything)
        xor a
        ld h,a
        ld l,a
        .endmacro

; nz_bits_end - (NZ_X_BITS) a row's end before its shift: A:HL = 2 sum u x, less 256 X, plus 2 b
        .macro nz_bits_end
        ld de,0                 ; -256 X's low 16 bits (patched: its middle byte)
NZB_CONST = * - 2
        add hl,de
        pop de                  ; b (SP: the bias's walk)
        adc a,0                 ; -256 X's top byte (patched)
NZB_CONST_TOP = * - 1
        ex de,hl
        add hl,hl               ; 2 b (C: its sign)
        sbc a,b
        add hl,de
        adc a,b
        .endmacro

; nz_prepare_routines - matvec_nz's entry and the chain's writing (once a call: a player's cold part)
        .macro nz_prepare_routines
matvec_nz:
        push iy
        ld a,i                  ; P/V = IFF2: were interrupts on?
        push af
        di
        ld (NZ_SAVED_SP),sp
        ld hl,(mv_bias)         ; a bias (fc2's)
        ld a,h
        or l
        jp z,nz_fallback
.ifndef NZ_X_BITS
        ld (NZ_BIAS_SP),hl
.endif
        ld a,(mv_shift)
        and $7F
.ifdef MV_LEAST_SHIFT
        cp 8                    ; (MV_LEAST_SHIFT, the 48K's: every shift in MV_LEAST_SHIFT..7, as matvec's, no right chain)
        jp nc,nz_fallback
.else
        cp 16
        jp nc,nz_fallback
        inc a                   ; k = shift + 1: the row's sum is 2 (W x + b)
        cp 9
        jr nc,@right
        dec a
.endif
                                ; the left chain from step k - 1 (8 - k steps)
        ld e,a
        add a,a
        add a,a
        add a,e                 ; * NZ_LEFT_STEP
        ld e,a
        ld d,0
        ld hl,nz_left_chain
        add hl,de
.ifndef MV_LEAST_SHIFT
        jr @shift_set
@right:
        sub 8                   ; k - 8 steps of the right chain, from its end back
        add a,a
        add a,a
        ld e,a
        ld d,0
        ld hl,nz_right_end
        or a
        sbc hl,de
        ld (NZ_RIGHT_JP),hl
        ld hl,nz_right
@shift_set:
.endif
        ld (NZ_SHIFT_JP),hl
        ld a,(mv_cols)
        sub MV_MAX_COLS + 1
        cp MV_MAX_COLS
        jp nc,nz_fallback       ; (33..64 columns: two parts)
        inc a
        ld (nz_cols1),a
.ifdef NZ_X_BITS
        nz_bits_prepare
.else
.ifndef NZ_SCAN_IN_ALT_SET
        nz_row_pointers
.endif
; The scan: each part's columns, a nonzero one written into the chain (IY free till the rows: IYL the
; column j, IYH nz_pos, where SP stands in the row's part).
.ifdef NZ_SCAN_IN_ALT_SET
        ld hl,-2                ; nz_nonzero's SP: nz_scan's return (the scan's registers kept by exx)
.else
        ld hl,-6                ; nz_nonzero's SP: nz_scan's return and its push bc, push hl
.endif
        add hl,sp
        ld (NZ_PREP_SP),hl
        xor a
        ld (nz_const_top),a
        .byte $FD,$26,NZ_FIRST          ; ld iyh,NZ_FIRST: nz_pos before the first part's first nonzero column
        ld a,NZ_L_WITHOUT_OR - NZ_OR_JR - 1
        ld (NZ_OR_JR),a         ; (no piece of h yet: the l pieces without or a)
        ld ix,0                 ; IX: sum S(l)'s low 16 bits (nz_const_top: the rest, with 256 * 256 an h)
        ld de,nz_chain          ; DE: where the chain goes on
.ifdef NZ_SCAN_IN_ALT_SET
; (thirty-fourth round: the scan's HL, B and C in the other set, the writing's in this one, nz_nonzero
; crossing by exx's for pushes and pops; the rows' pointers worked out after: nz_row_pointers)
        exx
        ld hl,(mv_x)
        ld a,(nz_cols1)
        ld b,a
        ld c,a
.ifdef NZ_SCAN_IN_PAGE
        call nz_scan_x          ; (its steps by x's place)
.else
        call nz_scan
.endif
        exx
        ld hl,nz_step           ; the parts' step: SP to the row's second part
        call nz_copy_end - 2 * NZ_STEP_BYTES
        ld a,(NZ_FIRST_J2)      ; the first part's j where nz_row_pointers reads it (a part without a nonzero
        ld (NZ_FIRST_J1),a      ; column leaves its j as it was: its rows' pointer is never popped from)
        .byte $FD,$26,NZ_FIRST          ; ld iyh,NZ_FIRST: the second part's
        exx
        ld b,MV_MAX_COLS
        ld c,b
        call nz_scan
        exx
.else
        ld hl,(mv_x)
        ld a,(nz_cols1)
        ld b,a
        ld c,a
        call nz_scan
        push hl
        ld hl,nz_step           ; the parts' step: SP to the row's second part
        call nz_copy_end - 2 * NZ_STEP_BYTES
        pop hl
        .byte $FD,$26,NZ_FIRST          ; ld iyh,NZ_FIRST: the second part's
        exx
        ex de,hl                ; (HL': the second part's pointer, for nz_first)
        exx
        ld b,MV_MAX_COLS
        ld c,b
        call nz_scan
        exx
        ex de,hl
        exx
.endif
        ex de,hl
        ld (hl),$C3             ; jp nz_end
        inc hl
        ld (hl),<nz_end
        inc hl
        ld (hl),>nz_end
.ifdef NZ_SCAN_IN_ALT_SET
        nz_row_pointers
.endif
; The rows' start: -(sum S(l) + 256 * 256 * the pieces of h) in A:HL, A from $80 (its top byte at the end).
        .byte $DD,$7D           ; ld a,ixl
        cpl
        ld l,a
        .byte $DD,$7C           ; ld a,ixh
        cpl
        ld h,a
        ld a,(nz_const_top)
        cpl
        inc hl
        ld c,a
        ld a,h
        or l
        ld a,c
        jr nz,@negated
        inc a
@negated:
        ld (NZ_ROW_CONST),hl
        sub $80                 ; (the rows' A starts at $80)
        ld (NZ_ROW_CONST_TOP),a
        nz_out_delta            ; (C kept through the rows: the chain leaves it)
        ld ix,NZ_SQUARES        ; S's low bytes' page: (ix + l - 1) reads S(w + l) for IXL = w + 128
        ld iy,NZ_SQUARES + 512  ; its high bytes'
        ld b,0                  ; (B: 0 through the rows)
        jp nz_row
.endif

nz_fallback:                    ; not the fast path's call: matvec's own
        ld sp,(NZ_SAVED_SP)
        pop af
        pop iy
        jp po,matvec
        ei
        jp matvec

.ifndef NZ_X_BITS
; nz_nonzero - nz_scan's nonzero column (HL on its word's high byte; B, C nz_scan's): its pieces
; into the chain at DE (on past them); matvec's call instead where x < -127 or x > 384 (h, its high
; byte and l's carry, not 0 or 1) or the chain's room is spent. HL, B and C as they were.
nz_nonzero:
        ld a,c
        sub b
        .byte $FD,$6F           ; ld iyl,a: j, the column in its part
.ifdef NZ_SCAN_IN_ALT_SET
        dec hl                  ; (the scan's set: HL, B and C kept by the exx's, no pushes)
        ld a,(hl)               ; x = 256 hi + A: l = A, or A - 256 with h = hi + 1 where A > 128
        inc hl
        add a,127
        exx
        ld c,a                  ; C: 127 + l, S(l)'s place in its page (C: h one more)
        exx
        ld a,(hl)               ; hi
        exx                     ; (the writing's set till the column's end)
        adc a,0
.else
        push bc
        push hl
        ld a,(hl)
        dec hl
        ld b,a
        ld a,(hl)               ; x = 256 B + A: l = A, or A - 256 with h = B + 1 where A > 128
        add a,127
        ld c,a                  ; C: 127 + l, S(l)'s place in its page (C: h one more)
        ld a,b
        adc a,0
.endif
        cp 2
.ifdef SHORT_FORMS
        jr nc,nz_fallback       ; (x < -127, x > 384: -127..-1 are h = 0 and l = x; SHORT_FORMS: 1 byte
.else                           ; and 3 T-states a column fewer)
.ifdef NZ_WIDE_X
        jp nc,nz_wide_x         ; (the 128K's: x of 385..NZ_X_MOST on, the rest to matvec)
.else
        jp nc,nz_fallback
.endif
.endif
nz_h_known:                     ; (nz_wide_x goes on here)
        ld b,a                  ; B: h
        ld a,<NZ_ROOM_END       ; room for this column's pieces (and the end's)
        sub e
        ld a,>NZ_ROOM_END
        sbc a,d
.ifdef SHORT_FORMS
        jr c,nz_fallback
.else
        jp c,nz_fallback
.endif
; the skip from nz_pos to the column
        .byte $FD,$7D           ; ld a,iyl: j
        .byte $FD,$94           ; sub iyh: the gap from nz_pos
        jr z,@at
        jr nc,@ahead
        inc a
        jp nz,nz_first          ; (nz_pos NZ_FIRST: the part's first nonzero column)
        ld a,$3B                ; dec sp (the column after the one popped)
        ld (de),a
        inc de
        jr @at
@ahead:
        cp NZ_LONG_SKIP
        jr nc,@long
        srl a
        jr nc,@pops
        ex af,af'
        ld a,$33                ; inc sp
        ld (de),a
        inc de
        ex af,af'
@pops:
        jr z,@at
        ld h,a
        ld a,$D1                ; pop de
@pop:
        ld (de),a
        inc de
        dec h
        jr nz,@pop
        jr @at
@long:
        ex de,hl
        ld (hl),$EB             ; ex de,hl
        inc hl
        ld (hl),$21             ; ld hl,gap
        inc hl
        ld (hl),a
        inc hl
        ld (hl),0
        inc hl
        ld (hl),$39             ; add hl,sp
        inc hl
        ld (hl),$F9             ; ld sp,hl
        inc hl
        ld (hl),$EB             ; ex de,hl
        inc hl
        ex de,hl
@at:
NZ_AT = *
        .byte $FD,$7D           ; ld a,iyl: j
        add a,2
        .byte $FD,$67           ; ld iyh,a: nz_pos
        ld a,c
.ifdef NZ_SHORT_MADE
; (NZ_SHORT_MADE, the 48K's spend, thirty-fifth round: a column of l in 1..NZ_MADE_MOST and h = 0 takes a piece
; that adds 2 u l by doublings and adds of DE = u, made here from l's bits, lowest first, out of @made_bytes:
; `pop de / ld d,b`, then for each bit `sla e / rl d` and, for a 1, `add hl,de / adc a,b`; the rows' constant
; takes 256 l for it, not S(l). 14 + 16 bitlen(l) + 15 popcount(l) T-states a row against the l piece's 136:
; 45 for l = 1, 123 for 11, 13 and 14 (15's would take 138). No templates: 45 bytes, 1 of them the test of l =
; 0 by inc a, not cp 127.)
        sub 128                 ; l - 1
        cp NZ_MADE_MOST
        jr nc,@not_made
        inc b
        djnz @not_made          ; (h = 1: the l piece, whose IXL the piece of h reads)
        inc a                   ; l
        push af                 ; (A: l, for the rows' constant's 256 l)
        ld hl,@made_bytes
        ldi
        ldi                     ; pop de, ld d,b: DE = u (BC is set below)
@made_bit:                      ; DE doubled, and added where this bit of l is 1
        ld hl,@made_bytes + 2
        ld bc,4
        srl a
        jr nc,@made_copy
        ld c,6
@made_copy:
        ldir                    ; (keeps srl a's Z: no bits of l left)
        jr nz,@made_bit
        pop hl
        ld l,b                  ; HL: 256 l (B: 0 from ldir)
        jr @add_constant
@made_bytes:
        .byte $D1,$50           ; pop de, ld d,b
        .byte $CB,$23,$CB,$12   ; sla e, rl d
        .byte $19,$88           ; add hl,de, adc a,b
@not_made:                      ; (A: l - 1, or C - 128 past NZ_MADE_MOST; $FF for l = 0)
        inc a
        jr z,@no_low            ; (l = 0)
.else
        cp 127
        jr z,@no_low            ; (l = 0)
        nz_short_test           ; (the 128K's: l in 1..NZ_SHORT_MOST to nz_short; a macro at the file's end)
.endif
; pop de and the l piece, written by pushes from their end (without or a 22 bytes, 11 words; with it 23 and a byte past them, which the next piece writes over): or a once a piece of h is in the chain
        .assert NZ_L_BYTES == 21 && NZ_L_OR_BYTES == 22 && NZ_L_D1 == 6 && NZ_L_D2 == 9, "nz_nonzero's pushes write pop de and nz_l_piece's bytes"
        ld hl,1 + NZ_L_BYTES
        add hl,de
        ld sp,hl
        ld d,h
        ld e,l                  ; DE: past them without or a
        jr @without_or          ; (patched: on, with or a, once a piece of h is in the chain)
NZ_OR_JR = * - 1
        inc de
        inc sp
        inc sp
        ld hl,$0098             ; sbc a,b
        push hl
        ld hl,$52ED             ; sbc hl,de
        push hl
        ld hl,$B7FF             ; ld d,(iy-1)'s FF, or a
        push hl
        jr @tail_pushed
@without_or:
NZ_L_WITHOUT_OR = *
        ld hl,$9852             ; sbc hl,de's 52, sbc a,b
        push hl
        ld hl,$EDFF             ; ld d,(iy-1)'s FF, sbc hl,de's ED
        push hl
@tail_pushed:
        ld hl,$56FD             ; ld d,(iy-1): FD 56 FF
        push hl
        ld hl,$FF5E             ; ld e,(ix-1): DD 5E FF
        push hl
        ld hl,$DD88             ; adc a,b
NZ_L_ADC = * - 2
        push hl
        ld a,c
        xor $80                 ; the displacement: l - 1 = C - 128
        ld h,$19                ; add hl,de
        ld l,a                  ; ld d,(iy+d)'s d
        push hl
        ld hl,$56FD             ; ld d,(iy+d): FD 56 d
        push hl
        ld h,a
        ld l,$5E                ; ld e,(ix+d): DD 5E d
        push hl
        ld hl,$DD6B             ; ld iyl,e's 6B
        push hl
        ld hl,$FD6B             ; ld ixl,e: DD 6B, ld iyl,e's FD
        push hl
        ld hl,$DDD1             ; pop de: E = u
        push hl
        ld sp,0                 ; (patched: nz_nonzero's own SP, set once a call)
NZ_PREP_SP = * - 2
        ld h,>NZ_SQUARES        ; IX += S(l)
        ld l,c
        ld a,(hl)
        inc h
        inc h
        ld h,(hl)
        ld l,a
@add_constant:                  ; (NZ_SHORT_MADE's pieces join here with HL = 256 l)
        ex de,hl
        add ix,de
        ex de,hl
        jr nc,@high
        ld hl,nz_const_top
        inc (hl)
        jr @high
@no_low:
        ld hl,nz_pop_u_piece    ; pop de, ld ixl,e / ld iyl,e alone
        push bc
        call nz_copy_end - 2 * (1 + NZ_U_BYTES)
        pop bc
@high:
        ld a,b
        or a
        jr z,@done
        xor a
        ld (NZ_OR_JR),a         ; (the later l pieces with or a)
        ld hl,nz_const_top      ; (2 u = 2 w + 256: 256 * 256 more)
        inc (hl)
        ld hl,nz_h1_piece       ; (B and C spent: the short ldi chain is the step's and the u piece's)
        ld bc,NZ_H1_BYTES
        ldir
@done:
.ifdef NZ_SCAN_IN_ALT_SET
        exx                     ; (the scan's set)
.else
        pop hl
        pop bc
.endif
        jp nz_scan_next         ; (patched: nz_wide_done after a column of x 385..NZ_X_MOST, NZ_WIDE_X)
NZ_DONE_JP = * - 2

; The pieces the chain is made of (after its pop de, E = u):
nz_pop_u_piece:
        pop de                  ; E = u (nz_nonzero's pushes write it before an l piece)
nz_l_piece:                     ; A:HL += S(w + l) - S(w) (nz_nonzero writes it by pushes: its form)
        .byte $DD,$6B           ; ld ixl,e
        .byte $FD,$6B           ; ld iyl,e
NZ_U_BYTES = * - nz_l_piece
        ld e,(ix+0)             ; S(w + l): displacement l - 1 (patched)
NZ_L_D1 = * - 1 - nz_l_piece
        ld d,(iy+0)
NZ_L_D2 = * - 1 - nz_l_piece
        add hl,de
        adc a,b
        ld e,(ix-1)             ; S(w)
        ld d,(iy-1)
        sbc hl,de               ; (no carry in: A from $80 cannot carry out before a piece of h)
        sbc a,b
NZ_L_BYTES = * - nz_l_piece
NZ_L_OR_BYTES = NZ_L_BYTES + 1  ; (with an or a before its sbc hl,de: after a piece of h, which may move A anywhere)
.ifndef NZ_SCAN_IN_ALT_SET
        nz_h1_template
.endif
nz_step:                        ; the parts' step: SP to the second part's row, DE' on to the next (HL' kept)
        exx
        ex de,hl
        ld sp,hl
        ld hl,MV_MAX_COLS
        add hl,sp
        ex de,hl
        exx
NZ_STEP_BYTES = * - nz_step
nz_copy:                        ; (entered 2 n bytes before nz_copy_end: n bytes from HL to DE)
        .repeat NZ_STEP_BYTES
        ldi
        .endrepeat
nz_copy_end:
        ret

        .assert NZ_L_OR_BYTES + 1 + NZ_LONG_SKIP + NZ_H1_BYTES <= NZ_PIECE_BYTES, "a column's pieces overrun NZ_PIECE_BYTES"
        .assert 1 + NZ_U_BYTES <= NZ_STEP_BYTES, "nz_copy's ldi's"
NZ_ROOM_END = nz_chain_end - NZ_PIECE_BYTES - NZ_STEP_BYTES - 3     ; a column's pieces start at most here

nz_const_top:   .byte 0         ; sum S(l) + 256 * 256 the pieces of h: its top byte (IX the rest)
.endif
nz_cols1:       .byte 0
nz_prepare_end:
        .endmacro

; nz_row_routines - the rows: the chain and what each row runs (a player's uncontended part)
        .macro nz_row_routines
.ifdef NZ_X_BITS
        nz_bits_row
.else
nz_row:                         ; a row: SP on its first part's weights, the chain from there
        exx
        ld sp,hl
        add hl,bc               ; (HL' on to the next row)
        exx
        ld hl,0                 ; -(sum S(l) + 256 sum S(h)) (patched)
NZ_ROW_CONST = * - 2
        ld a,$80                ; (no carry out of A before a piece of h: the end adds the top byte)
.endif
.ifdef NZ_CHAIN_AT
        jp NZ_CHAIN_AT + NZB_CHAIN_ENTRY    ; (the chain where the player has room for it at run time: the 48K's screen)
nz_chain = NZ_CHAIN_AT
nz_chain_end = nz_chain + NZ_CHAIN_BYTES
.if NZB_LIST_IN_PAGE
        .assert (nz_chain_end & 255) == 0, "NZB_LIST_IN_PAGE: the list's page must end where the chain's room does"
.endif
.else
nz_chain:                       ; (the chain follows; its end a jp to nz_end)
        .res NZ_CHAIN_BYTES
nz_chain_end:
.endif

; nz_end - a row's end: A:HL = 2 W x (less the row start's constants' part) + 2 b, then
; shifted, saturated and added into out.
nz_end:
.ifdef NZ_X_BITS
        nz_bits_end
.else
        ld sp,0                 ; (patched: b[r], the bias's walk)
NZ_BIAS_SP = * - 2
        pop de                  ; b
        ld (NZ_BIAS_SP),sp
        ex de,hl
        add hl,hl               ; 2 b (C: its sign)
        sbc a,b                 ; (b < 0: A:HL takes 2 b - 65536)
        add hl,de
        adc a,0                 ; + the row start's constant's top byte, less $80 (patched)
NZ_ROW_CONST_TOP = * - 1
.endif
        jp nz_left_chain        ; (patched: the shift's entry)
NZ_SHIFT_JP = * - 2
NZ_LEFT_STEP = 5
.ifdef MV_LEAST_SHIFT
NZ_LEFT_FIRST = MV_LEAST_SHIFT  ; (k = shift + 1 > MV_LEAST_SHIFT: the steps before left out)
.else
NZ_LEFT_FIRST = 0
.endif
nz_left_chain = * - NZ_LEFT_STEP * NZ_LEFT_FIRST     ; 8 - k steps: A:H:L doubled, a signed overflow saturates
        .repeat 7 - NZ_LEFT_FIRST
        add hl,hl
        adc a,a
        jp pe,nz_saturate
        .endrepeat
        ld e,h                  ; the output: A:H
        ld d,a
nz_shifted:                     ; out[r] += DE, saturated (mv_store_add's)
        ld hl,0                 ; mv_out - mv_bias - 2 (patched): SP is past b[r]
NZ_OUT_DELTA = * - 2
        add hl,sp
        ld a,(hl)
        add a,e
        ld (hl),a
        inc hl
        ld a,(hl)
        adc a,d                 ; P/V: a signed overflow
        jp pe,nz_clip
        ld (hl),a
nz_stored:
        dec c
        jp nz,nz_row
nz_done:
        ld sp,0                 ; (patched: matvec_nz's SP after its pushes)
NZ_SAVED_SP = * - 2
        pop af
        pop iy
        ret po                  ; interrupts were off: leave them off
        ei
        ret

nz_saturate:                    ; (C: the sign before the overflow)
        ld de,$7FFF
        jr nc,nz_shifted
        inc de
        jr nz_shifted
nz_clip:                        ; towards the addends' sign (D's): $7FFF or $8000
        ld a,d
        rla
        ld a,$7F
        adc a,b                 ; (B: 0)
        ld (hl),a
        dec hl
        xor $80
        ld (hl),a
        jr nz_stored

.ifndef MV_LEAST_SHIFT
nz_right:                       ; k = 9..16: A:H shifted right k - 8 bits
        ld l,h
        ld h,a
        jp nz_right_end         ; (patched: k - 8 steps before nz_right_end)
NZ_RIGHT_JP = * - 2
        .repeat 8
        sra h
        rr l
        .endrepeat
nz_right_end:
        ex de,hl
        jr nz_shifted
.endif

.ifndef NZ_X_BITS
.ifdef NZ_WIDE_X
; nz_wide_x - (the 128K's, thirty-second round: room below $C000) nz_nonzero's column of h 2 or more
; (A = h, B x's high byte, C = 127 + l, DE where the chain goes on): x of 385..NZ_X_MOST (high byte 1, h 2)
; goes on as a column of h = 1, its pieces then one more piece of h (nz_wide_done: 2 w h = 4 u - 512 at
; A:H, the rows' constant 256 * 256 more), where the chain has room for it; any other x is matvec's.
; Their pieces run as any column's; the rare x past 384 (an fc2 input of layer 1 in 2 of the 80
; benchmark prompts' turns) no longer sends the whole call to matvec.
nz_wide_x:
.ifdef NZ_SCAN_IN_ALT_SET
        cp 2                    ; (A = hi + l's carry: 2 with C < 119 below is hi = 1 alone)
.else
        dec b
.endif
        jp nz,nz_fallback       ; (x >= 512, or below -127: high byte not 1)
        ld a,c
        cp 127 + NZ_X_MOST - 512 + 1
        jp nc,nz_fallback       ; (x past NZ_X_MOST)
        ld hl,NZ_ROOM_END - NZ_H1_BYTES
        or a
        sbc hl,de
        jp c,nz_fallback        ; (no room for the second piece of h)
        ld hl,nz_wide_done
        ld (NZ_DONE_JP),hl
        ld a,1
        jp nz_h_known           ; (B = h = 1 there: its l piece and one piece of h)

; nz_wide_done - nz_nonzero's end of that column (HL, B and C nz_scan's): the second piece of h.
nz_wide_done:
.ifdef NZ_SCAN_IN_ALT_SET
        exx                     ; (the writing's set: the scan's kept in the other)
.else
        push hl
        push bc
.endif
        ld hl,nz_h1_piece
        ld bc,NZ_H1_BYTES
        ldir
        ld hl,nz_const_top
        inc (hl)
        ld hl,nz_scan_next
        ld (NZ_DONE_JP),hl
.ifdef NZ_SCAN_IN_ALT_SET
        exx
.else
        pop bc
        pop hl
.endif
        jp nz_scan_next
.endif

.ifdef NZ_SCAN_IN_ALT_SET
        nz_h1_template
.endif

; nz_first - nz_nonzero's first nonzero column of a part: no skip before it, the rows' SP starts on it
; (HL', the part's rows' pointer, this far on). (Here with the rows: the 128K's room below $8000 is short.)
nz_first:
        .byte $FD,$7D           ; ld a,iyl: j
.ifdef NZ_SCAN_IN_ALT_SET
        ld (NZ_FIRST_J2),a      ; (nz_row_pointers adds it after the scan; the first part's moved on there)
.else
        exx
        add a,l
        ld l,a
        adc a,h
        sub l
        ld h,a
        exx
.endif
        jp NZ_AT

; nz_scan - B columns of x at HL (C of them in the part): each nonzero one's pieces into the
; chain at DE (IYH: where SP stands in the row's part). HL ends past them. (Here with the rows:
; its loop runs once a column.)
.ifdef NZ_SCAN_IN_PAGE
; nz_scan_x - (the 128K's, thirty-fourth round) the first part's nz_scan, its two steps first patched: inc l
; where x's words lie in one page (x at HL, its two parts' 4 * MV_MAX_COLS bytes from L <= 128: 4 T-states a
; column fewer), inc hl where they may not.
nz_scan_x:
        ld a,l
        cp 256 - 4 * MV_MAX_COLS + 1
        sbc a,a                 ; $FF where x lies in one page
        and $2C ^ $23
        xor $23                 ; inc l, or inc hl
        ld (NZ_SCAN_STEP_1),a
        ld (NZ_SCAN_STEP_2),a
.endif
nz_scan:
        ld a,(hl)
NZ_SCAN_STEP_1 = *
        inc hl                  ; (NZ_SCAN_IN_PAGE: inc l where x lies in one page)
        or (hl)
        jp nz,nz_nonzero
nz_scan_next:
NZ_SCAN_STEP_2 = *
        inc hl
        djnz nz_scan
        ret

.ifdef NZ_SHORT_PIECES
; nz_short - nz_nonzero's column of l in 1..NZ_SHORT_MOST (A = l - 1, DE where the chain goes on; thirtieth
; round, the 128K's): its piece adds 2 u l = 2 w l + 256 l by doublings and adds of DE = u (`pop de /
; ld d,b`, B the rows' 0): nz_short_pieces' template for l, copied; the rows' constant takes 256 l for it
; (IX), not S(l). A piece adds at most 2 * 255 * NZ_SHORT_MOST < 65536, so that A (from $80) still cannot
; carry out before a piece of h. With h = 1 (x 257..272) the l piece: its piece of h reads u from IXL; l = 15
; the l piece too (nz_short_places: no template).
; nz_nonzero's test of l (nz_short_test, below: 7 bytes, 24 T-states a nonzero column) and the pieces
; lie after the 48K's lines, which keep their places (its map unchanged).
nz_short_places:
        .byte nz_short_1 - nz_short_pieces, nz_short_16_end - nz_short_1
        .byte nz_short_2 - nz_short_pieces, nz_short_16_end - nz_short_2
        .byte nz_short_3 - nz_short_pieces, nz_short_12_end - nz_short_3
        .byte nz_short_4 - nz_short_pieces, nz_short_16_end - nz_short_4
        .byte nz_short_5 - nz_short_pieces, nz_short_10_end - nz_short_5
        .byte nz_short_6 - nz_short_pieces, nz_short_12_end - nz_short_6
        .byte nz_short_7 - nz_short_pieces, nz_short_14_end - nz_short_7
        .byte nz_short_8 - nz_short_pieces, nz_short_16_end - nz_short_8
.ifndef NZ_SHORT_EIGHT
        .byte nz_short_9 - nz_short_pieces, nz_short_9_end - nz_short_9
        .byte nz_short_10 - nz_short_pieces, nz_short_10_end - nz_short_10
        .byte nz_short_11 - nz_short_pieces, nz_short_11_end - nz_short_11
        .byte nz_short_12 - nz_short_pieces, nz_short_12_end - nz_short_12
        .byte nz_short_13 - nz_short_pieces, nz_short_13_end - nz_short_13
        .byte nz_short_14 - nz_short_pieces, nz_short_14_end - nz_short_14
        .byte 0, 0                                      ; 15: its l piece
        .byte nz_short_16 - nz_short_pieces, nz_short_16_end - nz_short_16
.endif
nz_short_places_end:
nz_short:
        inc b
        dec b
        jp nz,NZ_L_PIECE        ; (h = 1: nz_h1_piece takes u from the l piece's IXL)
        push bc                 ; (B: 0, C: 127 + l)
.if >nz_short_places == >(nz_short_places_end - 1)
        add a,a                 ; (thirty-third round: the table in one page, its entry's low byte alone;
        add a,<nz_short_places  ; 23 T-states and 2 bytes fewer than the general look-up)
        ld l,a
        ld h,>nz_short_places
        ld c,(hl)               ; the template's offset (B: 0, tested above)
        inc l
.else
        ld hl,nz_short_places
        ld c,a                  ; BC: l - 1 (B: 0, tested above)
        add hl,bc
        add hl,bc
        ld c,(hl)               ; the template's offset
        inc hl
.endif
        ld a,(hl)               ; its length
        or a
        jr z,@l_piece           ; (none: l's l piece, l = 15's)
        ld hl,nz_short_pieces
        add hl,bc               ; HL: the template (B: 0)
        ld c,a
        ex de,hl
        ld (hl),$D1             ; pop de
        inc hl
        ld (hl),$50             ; ld d,b: DE = u
        inc hl
        ex de,hl
        ldir                    ; the template into the chain, DE past it
        pop bc
        ld a,c
        sub 127                 ; l
        .byte $DD,$84           ; add a,ixh: the rows' constant's 256 l
        .byte $DD,$67           ; ld ixh,a
        jr nc,@done
        ld hl,nz_const_top
        inc (hl)
@done:                          ; (h = 0: no piece of h; nz_nonzero's pushes, or NZ_SCAN_IN_ALT_SET's set)
.ifdef NZ_SCAN_IN_ALT_SET
        exx
.else
        pop hl
        pop bc
.endif
        jp nz_scan_next
@l_piece:
        pop bc
        jp NZ_L_PIECE
; The templates, l = 1..16 (9..16 since the thirty-first round): after the `pop de / ld d,b` nz_short writes (DE
; = u, 14 T-states a row), DE doubled (`sla e / rl d`, 4 bytes, 16 T-states) and added (`add hl,de / adc a,b`,
; 2 bytes, 15) so that the adds sum 2 l u: 44, 60, 75, 76, 91, 91, 106, 92, 107, 107, 122, 107, 122, 122, -,
; 108 T-states a row for l = 1..16, for an l piece's 136. A template that ends another's is its tail (16's
; holds 8's, 4's, 2's and 1's): nz_short_places, an offset and a length an l. l = 15 has none (its length 0,
; its l piece): its cheapest (32u - 2u, `sbc hl,de / sbc a,b` after the first doubling, 128 a row) would take
; 25 bytes, past the 10 left below $C000, to save ~40 T-states a call (counted) over the look-up and its l piece.
; ($CB,$23,$CB,$12: sla e, rl d; $19,$88: add hl,de, adc a,b)
nz_short_pieces:
.ifndef NZ_SHORT_EIGHT
nz_short_16:    .byte $CB,$23,$CB,$12           ; 16u + 16u
.endif
nz_short_8:     .byte $CB,$23,$CB,$12           ; 8u + 8u
nz_short_4:     .byte $CB,$23,$CB,$12           ; 4u + 4u
nz_short_2:     .byte $CB,$23,$CB,$12           ; 2u + 2u
nz_short_1:     .byte $19,$88, $19,$88          ; u + u
nz_short_16_end:
.ifndef NZ_SHORT_EIGHT
nz_short_12:    .byte $CB,$23,$CB,$12           ; 3 x 8u
.endif
nz_short_6:     .byte $CB,$23,$CB,$12           ; 3 x 4u
nz_short_3:     .byte $CB,$23,$CB,$12, $19,$88, $19,$88, $19,$88        ; 3 x 2u
nz_short_12_end:
.ifndef NZ_SHORT_EIGHT
nz_short_14:    .byte $CB,$23,$CB,$12           ; 4u + 3 x 8u
.endif
nz_short_7:     .byte $CB,$23,$CB,$12, $19,$88, $CB,$23,$CB,$12, $19,$88, $19,$88, $19,$88        ; 2u + 3 x 4u
nz_short_14_end:
.ifndef NZ_SHORT_EIGHT
nz_short_10:    .byte $CB,$23,$CB,$12           ; 4u + 2 x 8u
.endif
nz_short_5:     .byte $CB,$23,$CB,$12, $19,$88, $CB,$23,$CB,$12, $19,$88, $19,$88       ; 2u + 2 x 4u
nz_short_10_end:
.ifndef NZ_SHORT_EIGHT
nz_short_9:     .byte $CB,$23,$CB,$12, $19,$88, $CB,$23,$CB,$12, $CB,$23,$CB,$12, $19,$88, $19,$88     ; 2u + 2 x 8u
nz_short_9_end:
nz_short_11:    .byte $CB,$23,$CB,$12, $19,$88, $CB,$23,$CB,$12, $19,$88, $CB,$23,$CB,$12, $19,$88, $19,$88   ; 2u + 4u + 2 x 8u
nz_short_11_end:
nz_short_13:    .byte $CB,$23,$CB,$12, $19,$88, $CB,$23,$CB,$12, $CB,$23,$CB,$12, $19,$88, $19,$88, $19,$88   ; 2u + 3 x 8u
nz_short_13_end:
.endif
.ifdef NZ_SHORT_EIGHT
NZ_SHORT_MOST   = 8               ; (the thirtieth round's 1..8: where 9..16's 60 bytes do not fit)
        .assert nz_short_14_end - nz_short_pieces < 256 && nz_short_16_end - nz_short_8 + 2 <= 1 + NZ_L_OR_BYTES && nz_short_14_end - nz_short_7 + 2 <= 1 + NZ_L_OR_BYTES, "nz_short's templates: byte offsets, none longer than the room nz_nonzero checks for an l piece (7 and 8 the longest)"
.else
NZ_SHORT_MOST   = 16
        .assert nz_short_13_end - nz_short_pieces < 256 && nz_short_16_end - nz_short_16 + 2 <= 1 + NZ_L_OR_BYTES && nz_short_14_end - nz_short_14 + 2 <= 1 + NZ_L_OR_BYTES && nz_short_11_end - nz_short_11 + 2 <= 1 + NZ_L_OR_BYTES && nz_short_13_end - nz_short_13 + 2 <= 1 + NZ_L_OR_BYTES, "nz_short's templates: byte offsets, none longer than the room nz_nonzero checks for an l piece (11, 13, 14 and 16 the longest)"
.endif
        .assert 2 * 255 * NZ_SHORT_MOST < 65536, "a short piece must not carry A out"
.endif
.endif
        .endmacro

; NZ_SHORT_MADE's limits (the 48K's, thirty-fifth round)
.ifdef NZ_SHORT_MADE
.ifdef NZ_SHORT_PIECES
        .assert 0, "NZ_SHORT_MADE is NZ_SHORT_PIECES' form without templates: one or the other"
.endif
NZ_MADE_MOST    = 14            ; l of 1..14: 15's piece (4 doublings, 4 adds) would cost more than its l piece
        .assert 2 * 255 * NZ_MADE_MOST < 65536, "a made piece must not carry A out"
        .assert 2 * MV_MAX_COLS < 128, "at most a piece a column: A from $80 cannot carry out before a piece of h"
        .assert NZ_LONG_SKIP + 2 + 6 * 4 <= NZ_PIECE_BYTES, "a made piece (at most 4 doublings and 4 adds) and its skip overrun NZ_PIECE_BYTES"
.endif

; nz_short_test - nz_nonzero's test of l (A = C = 127 + l): l in 1..NZ_SHORT_MOST goes to nz_short (A = l - 1)
        .macro nz_short_test
.ifdef NZ_SHORT_PIECES
        sub 128
        cp NZ_SHORT_MOST
        jp c,nz_short
NZ_L_PIECE = *                  ; (nz_short's way back for h = 1: the l piece)
.endif
        .endmacro
