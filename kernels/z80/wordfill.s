; wordfill.s - the subset-sum tables' fill as word entries pushed down their pages (Z80 macros): fc1planes.s's
; fg_tables (since the twenty-seventh round, zxgate128) and, with WP_WORD_TABLES (twenty-ninth round, zxqkv128),
; planes.s's wp_tables expand them, each with its own labels and variables. No code of its own: an assembly
; includes it once (fc1planes.s and planes.s's WP_WORD_TABLES never share one).
;
; A group's table: E[16 a + b] = A'[a] - B[15] + B[b] (B[b] the sum of x_0..x_3 over b's bits, A'[a] = A[a] + B[15]),
; so that, going down b = 15..0, E[b - 1] - E[b] = d_t, t the lowest set bit of b: d0 = -x_0, d1 = x_0 - x_1,
; d2 = x_0 + x_1 - x_2, d3 = x_0 + x_1 + x_2 - x_3. T-states: word_fill_steps 478 (x from IX), word_fill_row 401 (16
; pushes, 12 steps by BC or DE, 3 by an immediate in DE: zxffn29's; 475 a row with word_fill_rows' loop). Size:
; word_fill_steps 78 bytes, word_fill_row 49, word_fill_rows 22 with its row's (each expansion's, in its caller's count).

WORD_STUB_BYTES = 10            ; (word_fill_rows_linked: a pass's stub, ld hl,nn 3 + ld ix,nn 4 + jp nn 3)

; word_fill_steps: from the group's 8 x at IX, d0 to `d0` (a word), d1 into the immediates at `d1` and
; `d1a`..`d1c` + 1, d2 into `d2a` and `d2b` + 1, d3 into `d3` + 1; A'[0] = the word at `a0` + B[15] back to `a0`.
; Clobbers AF, DE, HL.
        .macro word_fill_steps d0, d1, d1a, d1b, d1c, d2a, d2b, d3, a0
        ld l,(ix+0)
        ld h,(ix+1)             ; s = x_0
        xor a
        sub l
        ld e,a
        sbc a,a
        sub h
        ld d,a
        ld (d0),de
        ld e,(ix+2)
        ld d,(ix+3)
        or a
        sbc hl,de
        ld (d1 + 1),hl
        ld (d1a + 1),hl
        ld (d1b + 1),hl
        ld (d1c + 1),hl
.ifdef WORD_FILL_PAIRS
        ld (word_pair_d1 + 1),hl        ; (word_fill_rows_paired's second row)
        ld (word_pair_d1a + 1),hl
        ld (word_pair_d1b + 1),hl
        ld (word_pair_d1c + 1),hl
.endif
        add hl,de
        add hl,de               ; s = x_0 + x_1
        ld e,(ix+4)
        ld d,(ix+5)
        or a
        sbc hl,de
        ld (d2a + 1),hl
        ld (d2b + 1),hl
.ifdef WORD_FILL_PAIRS
        ld (word_pair_d2a + 1),hl
        ld (word_pair_d2b + 1),hl
.endif
        add hl,de
        add hl,de
        ld e,(ix+6)
        ld d,(ix+7)
        or a
        sbc hl,de
        ld (d3 + 1),hl
.ifdef WORD_FILL_PAIRS
        ld (word_pair_d3 + 1),hl
.endif
        add hl,de
        add hl,de               ; B[15] = x_0 + x_1 + x_2 + x_3
.ifdef WORD_FILL_PAIRS
        ld e,(ix+8)
        ld d,(ix+9)             ; x_4 (A's first x)
        or a
        sbc hl,de
        ld (word_pair_k0 + 1),hl        ; B[15] - x_4: an odd row's last entry to the next row's first
        add hl,de
.endif
        ld de,(a0)
        add hl,de
        ld (a0),hl              ; A'[0] = A[0] + B[15]
        .endmacro

; word_fill_row: E[16 a + b] for b = 15..0 pushed down from SP, HL = A'[a], BC = d0, DE = d1 (kept); the
; steps' immediates at `d2a`, `d1a`, `d3`, `d1b`, `d2b` and `d1c` (word_fill_steps patches them), `after15`
; the label after the first push. Clobbers DE (d1 again after each immediate step) and HL.
        .macro word_fill_row after15, d2a, d1a, d3, d1b, d2b, d1c
        push hl                 ; 15
after15:
        add hl,bc
        push hl                 ; 14
        add hl,de
        push hl                 ; 13
        add hl,bc
        push hl                 ; 12
d2a:
        ld de,0                 ; d2 (patched; ld de, not ex de,hl / ld hl: 4 T-states fewer, zxffn29)
        add hl,de
d1a:
        ld de,0                 ; d1 again (patched)
        push hl                 ; 11
        add hl,bc
        push hl                 ; 10
        add hl,de
        push hl                 ; 9
        add hl,bc
        push hl                 ; 8
d3:
        ld de,0                 ; d3 (patched)
        add hl,de
d1b:
        ld de,0
        push hl                 ; 7
        add hl,bc
        push hl                 ; 6
        add hl,de
        push hl                 ; 5
        add hl,bc
        push hl                 ; 4
d2b:
        ld de,0
        add hl,de
d1c:
        ld de,0
        push hl                 ; 3
        add hl,bc
        push hl                 ; 2
        add hl,de
        push hl                 ; 1
        add hl,bc
        push hl                 ; 0
        .endmacro

; word_fill_rows: a group's 16 rows, a = 15..0, each word_fill_row's from A'[a] at `sums` + 2 a, SP at the
; group's pages' end, BC = d0; `d1` the row loop's ld de (word_fill_steps patches it), `row` its loop,
; the rest word_fill_row's labels. Clobbers AF, DE, HL, IX.
        .macro word_fill_rows d1, sums, row, after15, d2a, d1a, d3, d1b, d2b, d1c
d1:
        ld de,0                 ; d1 (patched)
        ld ix,sums + 30
        ld a,16
row:
        ld l,(ix+0)
        ld h,(ix+1)
        word_fill_row after15, d2a, d1a, d3, d1b, d2b, d1c
        dec ix
        dec ix
        dec a
        jr nz,row
        .endmacro

; word_fill_rows_paired (WORD_FILL_PAIRS: planes.s's WP_FILL_PAIRS, thirty-first round, zxrows31): word_fill_rows' 16
; rows two a pass, a odd then a - 1. The odd row starts at A'[a] read by IX, the odd ones alone packed at `sums` + a - 1
; (planes.s's Gray code stores no even one: A'[0] is its start); the even row from the odd
; row's last entry, E[16 a] = A'[a] - B[15]: A'[a - 1] = A'[a] - x_4 (a odd: a - 1 is a without x_4), so
; E[16 a] + (B[15] - x_4) from the immediate at word_pair_k0, d1 back in DE from word_pair_d1's. The second row's
; immediates are word_pair_*'s (fixed names: one assembly includes this once), which word_fill_steps patches with
; WORD_FILL_PAIRS (7 stores and K0's sum more, 196 T-states a group). Per pass 103 T-states besides the two
; rows' 802, against word_fill_rows' loop's 74 a row (its last jr 5 less): 355 fewer a group, 159 net.
; Clobbers AF, DE, HL, IX.
        .macro word_fill_rows_paired d1, sums, row, after15, d2a, d1a, d3, d1b, d2b, d1c
d1:
        ld de,0                 ; d1 (patched)
        ld ix,sums + 14         ; (A'[15])
        ld a,8
row:
        ld l,(ix+0)
        ld h,(ix+1)             ; A'[a], a odd
        word_fill_row after15, d2a, d1a, d3, d1b, d2b, d1c
        dec ix
        dec ix                  ; (the next pass's A'[a - 2])
word_pair_k0:
        ld de,0                 ; B[15] - x_4 (patched)
        add hl,de               ; A'[a - 1]
word_pair_d1:
        ld de,0                 ; d1 (patched)
        word_fill_row word_pair_after15, word_pair_d2a, word_pair_d1a, word_pair_d3, word_pair_d1b, word_pair_d2b, word_pair_d1c
        dec a
        jp nz,row
        .endmacro

; word_fill_rows_linked (WORD_FILL_LINKED: planes.s's WP_FILL_LINKED, thirty-fourth round, zxqkv34, and fc1planes.s's fill
; since zxgroup34; with WORD_FILL_PAIRS, whose word_pair_* immediates it keeps): word_fill_rows_paired's 8 passes without their loop. Pass k (a = 15 - 2 k, odd)
; starts at its own stub, `ld hl,A'[a] / ld ix,<the next stub> / jp row`, whose immediate the caller's Gray code writes
; (at `stubs` + WORD_STUB_BYTES k + 1: no list of the odd A' to read back), and ends `jp (ix)`; the last stub falls
; into the pass and links to `done`, past it. A pass's own work is word_fill_rows_paired's; its overhead 42 T-states (32 the last)
; against 72 (ld l,(ix+0) / ld h,(ix+1) 38, dec ix twice 20, dec a / jp nz 14), and no ld ix / ld a before the first:
; 271 T-states fewer a group, for 59 bytes more code (planes.s's list of the A' 32 fewer). Clobbers AF, DE, HL, IX.
        .macro word_fill_rows_linked d1, stubs, done, row, after15, d2a, d1a, d3, d1b, d2b, d1c
d1:
        ld de,0                 ; d1 (patched)
stubs:
        .repeat 7, pass
        ld hl,0                 ; A'[15 - 2 pass] (patched by the Gray code)
        ld ix,stubs + WORD_STUB_BYTES * (pass + 1)
        jp row
        .endrepeat
        ld hl,0                 ; A'[1] (patched)
        ld ix,done
        .assert * - stubs == 8 * WORD_STUB_BYTES - 3, "word_fill_rows_linked: the stubs' immediates at WORD_STUB_BYTES k + 1"
row:
        word_fill_row after15, d2a, d1a, d3, d1b, d2b, d1c
word_pair_k0:
        ld de,0                 ; B[15] - x_4 (patched)
        add hl,de               ; A'[a - 1]
word_pair_d1:
        ld de,0                 ; d1 (patched)
        word_fill_row word_pair_after15, word_pair_d2a, word_pair_d1a, word_pair_d3, word_pair_d1b, word_pair_d2b, word_pair_d1c
        jp (ix)                 ; (the next pass's stub, or `done`, past the last)
done:
        .endmacro
