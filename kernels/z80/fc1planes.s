; fc1planes.s - z = relu(sat16((W x + b) >> shift)) by bit planes of the weights (Z80), fc1's
; ReLU gate: a 32-column int8 matrix with a bias times a vector of 32 signed words, each row
; proved 0 from its top planes where it can be, the others exact; the SPEC's fc1 (the engine's
; relu(matvec)) for a call whose x has sum |x| <= FG_MOST_SUM and a shift of
; FG_LEAST_SHIFT..FG_MOST_SHIFT (any other call is matvec.s's, or fc1wide.s's). On the kernels'
; bench (docs/spectrum.md, "Twenty-seventh round: fc1's gate by bit planes", branch zxgate128; the bench
; includes it after the others, FG_SOURCE) and, since zxgate128b ("... in the 128K player"), layer 1's
; fc1 in the 128K player: in bank 4's block after layer 1's rows, its end and the keys' planes after it at its
; tables (build.py's FW_FC1_PLANES; after the word list before the thirty-sixth round), its tables
; at run time there on two areas of 4 pages (fg_table_pages for groups 0, 1, fg_table_pages_high for 2, 3);
; since the twenty-eighth round (zxfc1l0, FW_FC1_PLANES_L0) layer 0's too, on a second copy in bank 0 at the
; same addresses, assembled for its tables there ($F000 and $F400: build.fc1_l0_rows_lines).
;
; Entry points (interrupts off while they run; each restores the state it found, IFF2 read with
; LD A,I; IY is kept (fg_tables uses it and puts it back); SP walks the sums and the rows and is put back):
;   fg_tables   builds the four tables from the 32 words at (fg_x) and the sums the rows need;
;               carry set (nothing built) where sum |x| > FG_MOST_SUM.
;   fg_rows     the rows of the matrix at (fg_w) to their end mark (soulterm/zx/fc1_planes.py's
;               gate_bytes) on the tables, relu(sat16((W x + b) >> shift)) to (fg_out) as
;               signed words, shift in (fg_shift).
; Clobbers AF, BC, DE, HL, IX and the alternate set.
;
; How (soulterm/zx/fc1_planes.py is its model, step for step): with u' = 127 - w (the complement
; of matvec's w + 128) in bit planes and E'_b = sum_g E_g[mask_gb] (g the 4 groups of 8 columns,
; E_g their subset sums less the group's negative x's sum: 0..S_g, a word an entry, entry m at 2 m
; from group g's first page, FG_PAGE + 2 g), W x = 127 X - 255 N - G with G = sum_b 2^b E'_b
; (X the sum of x, N of its negative words), so relu's 0 (W x + b < 2^shift) is G > T_r = 127 X
; - 255 N - 2^shift + b_r. The planes left out only add to G: a row whose planes 7..k already
; make G exceed T_r is 0. In IX, from U = -s' + E'_7 (s' >= s = ceil((T_r + 1) / 128): below), U = 2 U + E'_b
; down the planes: U <= (G_k - T_r - 1) / 2^k, so U >= 0 proves the row 0 (tested after planes
; 4, 3, 2, 1 and 0; the row's store is then 0 and SP steps past its planes). After plane 4 a row
; with U < -2048 is positive and would wrap IX: fg_sure sums planes 3..0 into L apart, out =
; (-U_4 + floor((2^shift - r' - L) / 16)) >> (shift - 4), r' = 128 s' - T_r (1..256). A row left after
; plane 0 ends from U_0 = G - 128 s' exactly: W x + b = 2^shift - r' - U_0, so out = (W + 128) >> shift
; - 2^(8 - shift), W + 128 = 256 - r' + 2^shift - U_0 = bl + c2 + 2^shift - U_0 (17..33,150: no sign to
; shift), or 0 below 0. s = c1 + bh + (c2 + bl >= 128) with 128 c1 + c2 = 128 S + R, R = 128 - 2^shift
; - P (P the sum of the positive x, c1 and c2 once a call) and b = 128 bh + bl (the row's bytes); the
; rows take s' = c1 + 1 + bh (since the thirty-third round: no carry tested a row; U at most 128 / 2^k
; lower after plane k). Every U stays in 16 bits for S <= 2047 and a shift of 7 or less, whatever the
; bias (U_4 >= -8 s' > -18,400).
; A row: its class's start (fg_start_0, 1 or 2), -bh 2^class (a word), then its planes from 7
; down to 0, 8 bytes each: the 4 groups' masks m as their entries' addresses (2 m mod 256, then the
; page FG_PAGE + 2 g + (m >> 7)), so that a lookup is `pop hl / ld e,(hl) / inc l / ld d,(hl) / add
; ix,de`; then bl and 0 (since the thirty-third round after the planes, not in the head: the ends alone
; read bl, no pop a row for it). A row whose weights all lie in -64..63 (class 1) has plane 6 of u' the complement of plane 7, so E'_6 = S - E'_7 (E_g[~m] =
; S_g - E_g[m]) and its plane 6 is left out (U_6 = -2 s + S + E'_7); in -32..31 (class 2) planes 6
; and 5 both (U_5 = -4 s + 3 S + E'_7).
;
; T-states (the 128K kernels' bench, CALL and RET included; tests/test_kernels_z80_fc1_planes.py): on
; the shipped soul's fc1 calls of "hello" (the engine's, every position of the turn; the means) layer 0's
; fg_tables 37,222 and fg_rows 65,849, layer 1's fg_tables 37,162 and fg_rows 62,562 (64 rows each; fg_rows 67,196
; and 63,550 before the thirty-fourth round's zxfc1rows34: K1 in BC and K2 in DE' through the rows, the next row's
; start inlined where a row ends, the ends' bl + c2 + 2^shift as one add hl,de of the tail's bl and 0).
; fg_tables (its steps and rows of 16 wordfill.s's macros since the twenty-ninth round, zxqkv128, which planes.s's
; WP_WORD_TABLES shares): a group ~9,300: its 256 entries pushed down its pages, rows of 16 two a pass since the
; thirty-third round (zxfc1p33: the even row from the odd one's last entry; planes.s's WP_FILL_PAIRS form), the 8
; passes linked by stubs since the thirty-fourth (zxgroup34: word_fill_rows_linked, planes.s's WP_FILL_LINKED form:
; each stub `ld hl,A'[a] / ld ix,<next stub> / jp`, a pass ending `jp (ix)`), 401 a row (16 pushes, 12 steps by BC
; or DE, 3 by an immediate, 31 each: E[b - 1] = E[b] + d_t, t the lowest set bit of b) and 42 a pass (32 the last;
; 103 in word_fill_rows_paired's loop); its |x| ~100 a word (fg_sum_word two a pass since zxgroup34: 52 a group fewer
; than one, 21 bytes more), d0..d3 and the odd A'[a] = A[a] + B[15] alone, stored
; into the stubs, in 8 Gray steps from A'[0] by x_4..x_7 ~930 (fg_tables 38,994 and 38,934 before zxgroup34, 443 a
; group more: 391 the passes' loop reading a list of the A' and a 15-step Gray code, 52 the sums one a pass; 40,154
; and 40,094 before the thirty-third round, rows one a pass and every A' stored). fg_rows: 940 a call; a
; row proved 0 after plane 4 884 (class 0), 677 (class 1), 508 (class 2; 894, 697, 520 before zxfc1rows34): its start
; 43 (class 1: pop hl / jp (hl) to its class's start, pop ix for -2 bh, add ix,bc for K1: U's start from s' = c1 + 1 +
; bh), 51 (class 2: K2 by exx / add ix,de / exx), 53 (class 0: K0 an immediate; before zxfc1rows34 53 each, -bh
; 2^class popped into DE and K an immediate of ld ix); 10 more for class 0 and 2's jp to plane 5 or 4), plane 7's sums
; 172 (4 lookups of 43), each plane after it 187 with its doubling, the test 25 (the next plane's
; add ix,ix and a jp nc: its carry is U's sign; after plane 4 a jr nc, 7 not taken, 12 taken, and the sure check's
; ld a,ixh / cp / jr c 22, since the thirty-third round: fg_zero_4 and a jp to fg_sure before fg_start_1, in jr's
; reach), a 0 stored and the planes left passed over 61 (71 before zxfc1rows34's inlined row start, 79 before the
; thirty-third round: C' = 0 stored by HL', and the rows' end mark, not a count in B'); each
; further plane with its test 197; a row ended from U_0 ~200 with its shift by 8 - shift steps of 15 (shift steps of
; 16 before the thirty-third round: with its xor a and ld l,h / ld h,a 54 fewer at shift 6, 85 at 7). (Before the thirty-third round's zxfc1p33, s = c1 + bh
; + (c2 + bl >= 128) exact, its carry tested a row, C' then C holding c2 + bl, bl popped a row from the head, class 2
; falling into plane 4 (classes 0 and 1 jumping): a start 94 to 114, fg_rows 71,814 and 66,954, 1,340 bytes; s' = c1 + 1 + bh proves a few rows a plane later, ~100 T-states a
; call. The first
; form, 5 groups of 7, 7, 7, 7 and 4 columns on a page each, masks doubled, the class in a byte:
; fg_tables 29,586, fg_rows 96,282 and 91,790; 253 a plane, 5 lookups of 41. 4 groups with the class
; in a byte: fg_rows 77,085 and 74,110. Before the twenty-ninth round's zxffn29, each test a separate
; ld a,ixh / rla / jp nc, 22, the 0 stores one shared tail and c2 + bl in C': fg_tables 40,922 and 40,862, fg_rows
; 73,953 and 69,774.)
; Size on the kernels' bench: 1,318 bytes of code and variables (fg_rows 722; 1,335 and 739 before zxfc1rows34; 1,288 before the linked passes and the sums two a pass), the 8 table pages
; (2,048 bytes, run time only) apart. A row of the layout: 70 bytes (class 0), 62 (1), 54 (2), and the rows' end
; mark 2: the shipped soul's fc1 3,994 bytes (layer 0) and 3,626 (layer 1).
; FG_GROUP_FORMS (thirty-fifth round, zxfc1g35, on the kernels' bench, `player_kernel_options(fc1_group_forms=True)`;
; the 128K player's since the thirty-sixth, zx128fc1g36, in the room the word list left in bank 4): a row of class c whose groups W (two or three) have weights one class
; narrower starts at a stub by class and k = 4 - |W| (fg_form_c_k), reads plane 7 for its k other groups in the shared
; block, doubles, then its lower plane's 4 words (W's plane-7 masks: 2 E_7 + E_lower = E_7 + S_g) and T[W]'s (the sum
; of S_g over W, fg_group_sums, built at fg_tables' end from E_g[0] + E_g[255]), and `ret`s to its exit word (fg_plane_5,
; fg_plane_4, fg_test_4): U there is fg_start_c's exactly. On "hello"'s fc1 calls fg_rows 65,849 -> 64,034 (layer 0)
; and 62,562 -> 61,176 (layer 1), fg_tables 577 dearer each (fc1_planes.form_saving's count to the T-state); 1,684
; bytes (+366: the stubs and block 96, fg_wide_form 142 for fc1wide.s's decoding, 143 before it kept H in the
; thirty-sixth round, T[W] 32, its build 96); the rows 28 (layer 0) and 32 (layer 1) bytes fewer
; (benchmarks/z80_fc1_group_forms.py).
; FG_BYTE_MASKS (thirty-sixth round, zx48fc1g36; the 48K player's both layers, with FW_FC1_BYTES: docs/spectrum.md,
; "Thirty-sixth round: the 48K's fc1 by planes.s's tables"): a plane's 4 masks as bytes (fc1_planes.gate_bytes(byte_masks):
; a row 38 / 34 / 30 bytes by class, the shipped soul's fc1s 2,190 and 2,006 against matvec's 2,176 each) on planes.s's
; tables, which fg_tables builds by wp_tables (E_g's low bytes on page WP_PAGE + 2 g, its high bytes on the next: the 48K's
; in the screen's middle third, dead while fc1 runs) and declines past FG_MOST_SUM; planes.s's lookups (wp_top_up_rest,
; wp_top_down_popped) walk the pages up for planes 5, 3, 1 and 7 (class 1's plane 7 down) and down for the others,
; a plane's masks in that order (fc1_planes.plane_groups): 195 T-states a plane with its doubling. K1 and K2 are the
; starts' immediates (BC is the lookups'). fg_sure runs planes 3..0 through the main path from IX = -4,096 (its
; tests never taken for S <= 2047), its last test patched to come back and put back. On the 48K kernels' bench
; (tests/test_kernels_z80_fc1_bytes.py, planes.s with WP_NO_CLASSES) on "hello"'s fc1 calls: layer 0's wp_tables 57,994
; and fg_rows 69,209, layer 1's 57,934 and 65,406 (wp_tables 2,786 fewer a call since zx48fill37's popped x and short
; entry 0, planes.s); 739 bytes of code and variables (fg_rows 600), fc1wide.s 340 more.

FG_MOST_SUM     = 2047          ; sum |x| above it and U could wrap 16 bits
FG_LEAST_SHIFT  = 4             ; fg_sure's end shifts floor(value / 16) right by shift - 4
FG_MOST_SHIFT   = 7             ; q + 2^shift fits a byte, and 2^(7 - shift) is whole
.ifdef FG_BYTE_MASKS
FG_PLANE_BYTES  = 4             ; 4 masks as bytes (planes.s's tables: entry m at m, low and high pages)
.ifdef FG_GROUP_FORMS
        .error "FG_BYTE_MASKS: the class rows alone (the group forms read word masks and T[W])"
.endif
.ifdef WP_WORD_TABLES
        .error "FG_BYTE_MASKS reads planes.s's byte tables (the 48K's)"
.endif
.else
FG_PLANE_BYTES  = 8             ; 4 masks as their entries' addresses
.endif
FG_TAIL_BYTES   = 2             ; bl and 0 after a row's planes (the ends' alone)
FG_GROUPS       = 4
FG_GROUP_PAGES  = 2             ; a group's 256 word entries
FG_GROUP_COLUMNS = 8

.ifndef FG_BYTE_MASKS
WORD_FILL_PAIRS = 1             ; (wordfill.s's rows two a pass, thirty-third round, zxfc1p33; linked by stubs since the thirty-fourth, zxgroup34)
        .include "wordfill.s"   ; (the fill's macros, shared with planes.s's WP_WORD_TABLES)
.endif

fg_x:           .word 0         ; the 32 words of x
fg_w:           .word 0         ; the rows (gate_bytes' layout)
fg_out:         .word 0         ; rows signed words
fg_rows_count:  .byte 0         ; 1..255 (fc1wide.s's fg_rows_wide; fg_rows ends at the rows' end mark)
fg_shift:       .byte 0         ; FG_LEAST_SHIFT..FG_MOST_SHIFT
.ifdef FG_BYTE_MASKS
fg_v:           .word 0         ; fg_sure's -U_4
; (FG_BYTE_MASKS: planes.s's build is fc1's: its S, -N, saved SP, interrupt state and way back)
fg_saved_sp     = wp_saved_sp
fg_ints         = wp_ints
fg_sum          = wp_sum
fg_negative     = wp_neg_sum
fg_interrupts_off = wp_interrupts_off
fg_back         = wp_back
fg_table_pages  = wp_table_pages

; fg_tables: (FG_BYTE_MASKS) planes.s's wp_tables on x (the 48K's table pages in the screen, dead while fc1 runs:
; its E_g on the low and high pages from WP_PAGE, S and -N), declined where sum |x| > FG_MOST_SUM (U's 16 bits;
; wp_tables' own limit is 4,095), carry set then. Its constants for wp_rows are patched as for any xn: harmless.
fg_tables:
        ld hl,(fg_x)
        ld (wp_x),hl
.ifdef WP_LOW_START_IN_TABLE
; (planes.s's WP_LOW_START_IN_TABLE: group 3's table unbiased for fc1's rows, whose constants are their own; no
; table page is 0)
        xor a
        ld (wp_low_group + 4),a
        call wp_tables
        ld a,WP_PAGE + 3 * WP_GROUP_PAGES
        ld (wp_low_group + 4),a ; (the carry kept)
.else
        call wp_tables
.endif
        ret c                   ; (sum |x| > WP_MOST_SUM)
        ld a,(wp_sum + 1)
        cp (FG_MOST_SUM + 1) >> 8       ; S <= 2047: carry set, then cleared
        ccf
        ret
.else
fg_saved_sp:    .word 0
fg_saved_iy:    .word 0
fg_ints:        .byte 0         ; 0: interrupts were off
fg_sum:         .word 0         ; S = sum |x|
fg_negative:    .word 0         ; -N = sum of the negative x's |x|
fg_group_x:     .word 0         ; the group's first x
fg_page:        .byte 0         ; the group's table page
fg_a:           .res 2          ; A[0] = -N_g, then A'[0] = A[0] + B[15] (the odd A'[a] go into word_fill_rows_linked's stubs)
fg_v:           .word 0         ; fg_sure's -U_4
fg_d0:          .word 0         ; the fill's -x_0
.ifdef FG_GROUP_FORMS
fg_group_sums:  .res 2 * (1 << FG_GROUPS)       ; T[W]: the sum of S_g over the groups in W (|W| = 2, 3 written)
        .assert (fg_group_sums & 255) <= 256 - 2 * (1 << FG_GROUPS), "T[W]: on one page (fg_wide_form finds W by its low byte)"
.endif

; fg_interrupts_off: IFF2 to fg_ints, then DI (matvec.s's way: LD A,I's P/V is IFF2).
fg_interrupts_off:
        ld a,i
        di
        ld a,0
        jp po,@off
        inc a
@off:   ld (fg_ints),a
        ret

; (word_fill_rows_linked's passes read the odd A'[a] alone, each from its stub's immediate, pass (15 - a) / 2's:
; the even ones are each the step after its odd one's row, B[15] - x_4)
        .macro fg_a_store index
        .assert ((index) & 1) == 1, "fg_a_store: the stubs take the odd A' alone"
        ld (fg_fill_stubs + WORD_STUB_BYTES * ((15 - (index)) / 2) + 1),hl
        .endmacro
        .macro fg_a_add reg, index
        add hl,reg
        fg_a_store index
        .endmacro
        .macro fg_a_sub reg, index
        or a
        sbc hl,reg
        fg_a_store index
        .endmacro

; fg_gray_x: from HL at a group's 4 x: BC the first, DE the second, SP the third, the fourth into the
; immediate at `fourth` (HL lost).
        .macro fg_gray_x fourth
        ld c,(hl)
        inc hl
        ld b,(hl)
        inc hl
        ld e,(hl)
        inc hl
        ld d,(hl)
        inc hl
        inc hl
        inc hl
        ld a,(hl)
        ld (fourth + 1),a
        inc hl
        ld a,(hl)
        ld (fourth + 2),a
        dec hl
        dec hl
        ld a,(hl)
        dec hl
        ld l,(hl)
        ld h,a
        ld sp,hl
        .endmacro

; fg_sum_word: the x at HL (HL past it) into the group's sum (IX) as |x|, and into -N_g (IY) where negative.
        .macro fg_sum_word
        ld e,(hl)
        inc hl
        ld d,(hl)
        inc hl
        bit 7,d
        jr z,@plus
        xor a                   ; |x| = -x
        sub e
        ld e,a
        sbc a,a
        sub d
        ld d,a
        add iy,de
@plus:  add ix,de
        jp c,fg_wide
        .endmacro

.ifdef FG_GROUP_FORMS
; fg_group_sums_build: T[W] for the group forms' rows (|W| = 2, 3), S_g = E_g[0] + E_g[255] read from the tables just
; built (|N_g| + P_g); BC S_0, DE S_1 (kept in IX while S_3 is added), SP S_2 (interrupts off), S_3 added once
; from its two entries, W in Gray order. No step carries (every sum <= 4 * 2047), so each sbc finds the carry clear.
        .macro fg_group_sums_build
        ld hl,(FG_GROUP_PAGE_2 * 256)
        ld de,(FG_GROUP_PAGE_2 * 256 + 510)
        add hl,de
        ld sp,hl                ; S_2
        ld bc,(FG_PAGE * 256)
        ld hl,(FG_PAGE * 256 + 510)
        add hl,bc
        ld b,h
        ld c,l                  ; S_0
        ld de,(FG_PAGE * 256 + 512)
        ld hl,(FG_PAGE * 256 + 1022)
        add hl,de
        ex de,hl                ; S_1
        ld h,d
        ld l,e
        add hl,bc
        ld (fg_group_sums + 2 * 3),hl
        add hl,sp
        ld (fg_group_sums + 2 * 7),hl
        sbc hl,bc
        ld (fg_group_sums + 2 * 6),hl
        sbc hl,de               ; {2}
        add hl,bc
        ld (fg_group_sums + 2 * 5),hl
        .byte $DD,$62           ; ld ixh,d (S_1 kept)
        .byte $DD,$6B           ; ld ixl,e
        ld de,((FG_GROUP_PAGE_2 + 2) * 256)
        add hl,de
        ld de,((FG_GROUP_PAGE_2 + 2) * 256 + 510)
        add hl,de               ; + S_3
        .byte $DD,$54           ; ld d,ixh
        .byte $DD,$5D           ; ld e,ixl
        ld (fg_group_sums + 2 * 13),hl
        sbc hl,bc
        ld (fg_group_sums + 2 * 12),hl
        add hl,de
        ld (fg_group_sums + 2 * 14),hl
        add hl,bc               ; {0, 1, 2, 3}: no form reads it
        sbc hl,sp
        ld (fg_group_sums + 2 * 11),hl
        sbc hl,bc
        ld (fg_group_sums + 2 * 10),hl
        sbc hl,de               ; {3}
        add hl,bc
        ld (fg_group_sums + 2 * 9),hl
        .endmacro
.endif

; fg_tables: see the header. Per group: |x|, S and -N_g over its 7 (or 4) x; A[a] over x_4..x_6
; from -N_g into fg_a (the last group: A[0] = -N_g alone), B[b] over x_0..x_3 from 0 into fg_fill's
; immediates (both in Gray order, SP holding an x); then E_g[16 a + b] = A[a] + B[b] pushed down the
; page from its end (the last group: its 16 entries from offset 32 down).
fg_tables:
        call fg_interrupts_off
        ld (fg_saved_sp),sp
        ld (fg_saved_iy),iy
        ld hl,0
        ld (fg_sum),hl
        ld (fg_negative),hl
        ld hl,(fg_x)
        ld a,FG_PAGE
fg_group:
        ld (fg_page),a
        ld (fg_group_x),hl
        ld b,FG_GROUP_COLUMNS / 2
        ld ix,0                 ; the group's sum |x|
        ld iy,0                 ; -N_g
@each:  fg_sum_word
        fg_sum_word             ; (two a pass, thirty-fourth round, zxgroup34: 52 T-states a group fewer, 21 bytes more)
        djnz @each
        ld de,(fg_sum)
        add ix,de
        jp c,fg_wide
        ld (fg_sum),ix
        ld (fg_a),iy            ; A[0] = -N_g
        ld de,(fg_negative)
        add iy,de
        ld (fg_negative),iy
        ld ix,(fg_group_x)      ; the fill's steps from x_0..x_3 (wordfill.s), A'[0] = -N_g + B[15]
        word_fill_steps fg_d0, fg_fill_d1, fg_step_d1a, fg_step_d1b, fg_step_d1c, fg_step_d2a, fg_step_d2b, fg_step_d3, fg_a
        ld hl,(fg_group_x)
        ld de,8
        add hl,de               ; x_4
        fg_gray_x fg_a_fourth   ; (SP: interrupts are off)
        ld hl,(fg_a)            ; A'[0]; the odd A'[a] = A[a] + B[15] alone, A'[1] = A'[0] + x_4 and on by x_5, x_6
        fg_a_add bc, 1          ; and x_7 in Gray order (8 steps, BC x_4 then x_7: the even A' are their pairs' second rows)
        fg_a_add de, 3
        fg_a_add sp, 7
        fg_a_sub de, 5
fg_a_fourth:
        ld bc,0                 ; x_7 (patched)
        fg_a_add bc, 13
        fg_a_add de, 15
        fg_a_sub sp, 11
        fg_a_sub de, 9
        ld a,(fg_page)
        add a,FG_GROUP_PAGES
        ld h,a
        ld l,0
        ld sp,hl                ; the group's pages' end: rows a = 15..0 pushed down
        ld bc,(fg_d0)
        ; E[16 a + b] for b = 15..0 from A'[a], each a step from the one above: E[b - 1] - E[b] = d_t, t the
        ; lowest set bit of b
        word_fill_rows_linked fg_fill_d1, fg_fill_stubs, fg_fill_done, fg_fill_row, fg_fill, fg_step_d2a, fg_step_d1a, fg_step_d3, fg_step_d1b, fg_step_d2b, fg_step_d1c
        ld hl,(fg_group_x)
        ld de,16
        add hl,de               ; the next group's first x
        ld a,(fg_page)
        add a,FG_GROUP_PAGES
.ifdef fg_table_pages_high
        cp FG_PAGE + FG_GROUPS / 2 * FG_GROUP_PAGES
        jr nz,fg_pages_next
        ld a,FG_PAGE_HIGH       ; groups 2 and 3 on their own four pages
fg_pages_next:
        cp (FG_PAGE_HIGH + FG_GROUPS / 2 * FG_GROUP_PAGES) & 255
.else
        cp FG_PAGE + FG_GROUPS * FG_GROUP_PAGES
.endif
        jp nz,fg_group
.ifdef FG_GROUP_FORMS
        fg_group_sums_build
.endif
        ld sp,(fg_saved_sp)
        ld iy,(fg_saved_iy)
        ld a,(fg_sum + 1)
        and $F8                 ; S > 2047?
        jr nz,fg_wide_back
        or a                    ; built: carry clear
        jr fg_back
fg_wide:
        ld sp,(fg_saved_sp)
        ld iy,(fg_saved_iy)
fg_wide_back:
        scf                     ; not built: matvec.s's call
fg_back:                        ; the interrupts as they were (BIT keeps the carry)
        ld a,(fg_ints)
        bit 0,a
        ret z
        ei
        ret
.endif                          ; (FG_BYTE_MASKS: fg_tables above, on planes.s's)

; fg_plane_sums: IX += E'_b from a plane's 4 masks, each its entry's address (offset 2 m, page), by DE
; (BC keeps K1 through the rows: since the thirty-fourth round no row's code writes it).
        .macro fg_lookup
        pop hl
        ld e,(hl)
        inc l
        ld d,(hl)
        add ix,de
        .endmacro
        .macro fg_plane_sums
        fg_lookup
        fg_lookup
        fg_lookup
        fg_lookup
        .endmacro
        .macro fg_plane
        add ix,ix
        fg_plane_sums
        .endmacro
.ifdef FG_BYTE_MASKS
; (FG_BYTE_MASKS) a plane's 4 masks as bytes on planes.s's tables, by its macros: fg_sums_up from group 0's low page
; up to group 3's high page (the row's masks groups 0 and 1, then 2 and 3), fg_sums_down from group 3's high page down
; to group 0's low page (masks 3 and 2, then 1 and 0): no ld h a plane. Planes 5, 3 and 1 go up, 6, 4, 2 and 0 down,
; plane 7 up (class 1's down: its plane 6 left out, plane 5 goes up from group 0). BC is the lookups' (K1 an immediate).
        .macro fg_sums_up
        pop de
        ld l,e
        ld c,(hl)
        inc h
        ld b,(hl)
        add ix,bc
        wp_top_up_rest
        .endmacro
        .macro fg_sums_down
        pop de
        wp_top_down_popped
        .endmacro
.endif
        .macro fg_test zero
        .byte $DD,$7C           ; ld a,ixh
        rla
        jp nc,zero              ; U >= 0: the row is 0
        .endmacro
; fg_tested_plane: the next plane's doubling tests U first (add ix,ix's carry is U's sign: 25 T-states,
; fg_test and add ix,ix 37); a row proved 0 leaves with IX doubled, which nothing reads.
        .macro fg_tested_plane zero
        add ix,ix
        jp nc,zero              ; U >= 0: the row is 0
        fg_plane_sums
        .endmacro

; fg_next_row: the next row's class's start (the rows' end mark after the last: no count), whose start pops -bh
; 2^class into IX; inlined where a row ends, 2 bytes, not `jp fg_row`'s 3 (thirty-fourth round: 10 T-states a row).
        .macro fg_next_row
        pop hl                  ; the row's class's start
        jp (hl)
        .endmacro
; fg_zero_store: a row proved 0: out[r] = 0, on to the next row.
        .macro fg_zero_store
        exx
        ld (hl),c               ; (C' = 0: 4 T-states fewer than xor a and DE', thirty-third round)
        inc hl
        ld (hl),c
        inc hl
        exx
        fg_next_row
        .endmacro
        .macro fg_zero_row planes
        ld hl,planes * FG_PLANE_BYTES + FG_TAIL_BYTES
        add hl,sp
        ld sp,hl                ; past the planes left and the tail
        fg_zero_store
        .endmacro

; fg_rows: see the header. The alternate set keeps the out pointer (HL') and 0 (C'); the rows end at their end
; mark, fg_rows_done's address where the next row's class's start would be (no count a row).
fg_rows:
        call fg_interrupts_off
        ld (fg_saved_sp),sp
        ld a,(fg_shift)
        ld b,a
        add a,a                 ; 2 bytes a step of the end's chain, 8 - shift steps
        ld e,a
        ld d,0
        ld hl,fg_end_chain_end - 2 * 8
        add hl,de
        ld (fg_end_chain_at + 1),hl
        add a,a                 ; 4 bytes a step of fg_sure's, shift - 4 steps
        ld e,a
        ld hl,fg_sure_chain_end + 4 * FG_LEAST_SHIFT
        or a
        sbc hl,de
        ld (fg_sure_chain_at + 1),hl
        ld a,1
@power: add a,a
        djnz @power
        ld c,a                  ; 2^shift
        ld b,a
        ld a,128
        ld e,0
@less:  inc e                   ; 2^(7 - shift) = 128 / 2^shift
        sub b
        jr nz,@less
        xor a
        sub e
        sub e
        ld (fg_end_less + 1),a  ; -2^(8 - shift): the end's W + 128 shifted
        ld a,$FF
        ld (fg_end_less + 2),a
        ld hl,(fg_sum)          ; P = S - (-N)
        ld de,(fg_negative)
        or a
        sbc hl,de
        ex de,hl
        ld a,128
        sub c
        ld l,a
        ld h,0
        or a
        sbc hl,de               ; R = 128 - 2^shift - P
        ld a,l
        and 127
        add a,c                 ; c2 + 2^shift (c2 = R mod 128): 16..255, for the ends
        ld (fg_end_c2 + 1),a
        ld (fg_sure_c2 + 1),a
        ld a,l
        rla
        ld a,h
        rla
        ld e,a                  ; R >> 7 (arithmetic: bits 7..14, then the sign)
        sbc a,a
        ld d,a
        ld hl,(fg_sum)
        add hl,de               ; c1 = S + (R >> 7)
        inc hl                  ; s' = c1 + 1 + bh: no rounding's carry a row
        ex de,hl
        ld hl,0
        or a
        sbc hl,de
        ld (fg_k0 + 1),hl       ; K0 = -(c1 + 1)
        add hl,hl
        ld de,(fg_sum)
        add hl,de
.ifdef FG_BYTE_MASKS
        ld (fg_k1 + 1),hl       ; K1 = -2 (c1 + 1) + S (BC is the byte lookups')
        add hl,hl
        add hl,de
        ld (fg_k2 + 1),hl       ; K2 = -4 (c1 + 1) + 3 S
        exx
        ld hl,(fg_out)          ; HL' the out pointer, C' 0 (the zero rows' stores)
        ld c,0
        exx
.else
        ld b,h
        ld c,l                  ; BC = K1 = -2 (c1 + 1) + S, every row (no row's code writes BC)
        add hl,hl
        add hl,de
        push hl                 ; K2 = -4 (c1 + 1) + 3 S
        ld hl,(fg_out)
        push hl
        exx
        pop hl                  ; HL' the out pointer, C' 0 (the zero rows' stores), DE' K2
        pop de
        ld c,0
        exx
.endif
        ld sp,(fg_w)
fg_row:
        fg_next_row
; Each class's start: U = -2^class s' + (2^class - 1) S with s' = c1 + 1 + bh (s rounded up whatever
; c2 + bl: no carry to test, a proof at most 128 / 2^k short after plane k), from the row's -bh 2^class (a pop
; into IX) and the class's K (class 1's in BC, class 2's in DE', class 0's an immediate: since the thirty-fourth
; round, 10 T-states fewer a class 1 row, 2 a class 2 row), then plane 7's sums.
; Class 1 (most of layer 0's rows, and of both layers' a reply step, on the shipped soul) falls into plane 5 and
; plane 4, the others jump there (since the thirty-third round; class 2 fell into plane 4 before, class 0 with its
; own copy of plane 5).
.ifdef FG_BYTE_MASKS
; (FG_BYTE_MASKS: the starts' K immediates, H set to plane 7's first page; every plane by fg_sums_up or _down)
fg_start_0:
        pop ix                  ; -bh (bl in the row's tail: the ends' alone)
fg_k0:  ld de,0                 ; K0 = -(c1 + 1) (patched)
        add ix,de
        ld h,FG_PAGE
        fg_sums_up              ; 7
        add ix,ix
        fg_sums_down            ; 6
        jp fg_plane_5
fg_start_2:                     ; weights in -32..31: planes 6 and 5 are ~plane 7 (E' = S - E'_7)
        pop ix                  ; -4 bh
fg_k2:  ld de,0                 ; K2 = -4 (c1 + 1) + 3 S (patched)
        add ix,de
        ld h,FG_PAGE
        fg_sums_up              ; 7: U_5 = -4 s' + 3 S + E'_7
        jp fg_plane_4
fg_zero_4:                      ; (here, in reach of plane 4's jr nc)
        fg_zero_row 4
fg_sure_near:
        jp fg_sure              ; (in reach of the sure check's jr c)
fg_start_1:                     ; weights in -64..63: plane 6 is ~plane 7 (E'_6 = S - E'_7)
        pop ix                  ; -2 bh
fg_k1:  ld de,0                 ; K1 = -2 (c1 + 1) + S (patched)
        add ix,de
        ld h,FG_PAGE + 2 * FG_GROUPS - 1
        fg_sums_down            ; 7 (down: plane 5 goes up from group 0): U_6 = -2 s' + S + E'_7
fg_plane_5:
        add ix,ix
        fg_sums_up              ; 5
fg_plane_4:
        add ix,ix
        fg_sums_down            ; 4
        add ix,ix               ; (plane 3's doubling; C: U_4's sign)
        jr nc,fg_zero_4         ; U_4 >= 0: the row is 0
        .byte $DD,$7C           ; ld a,ixh: IX = 2 U_4 + 65536
        cp $F0
        jr c,fg_sure_near       ; U_4 < -2048 (IX < $F000): positive (planes 3..0 apart)
fg_plane_3:                     ; (fg_sure's planes 3..0 too, from IX = -4096: no test taken)
        fg_sums_up              ; 3
        add ix,ix
        jp nc,fg_zero_3         ; U_3 >= 0: the row is 0
        fg_sums_down            ; 2
        add ix,ix
        jp nc,fg_zero_2
        fg_sums_up              ; 1
        add ix,ix
        jp nc,fg_zero_1
        fg_sums_down            ; 0
        .byte $DD,$7C           ; ld a,ixh
        rla
fg_last_test:                   ; (fg_sure patches it to jp c,fg_sure_end, and back)
        jp nc,fg_zero_0         ; U_0 >= 0: the row is 0
.else
fg_start_0:
        pop ix                  ; -bh (bl in the row's tail: the ends' alone)
fg_k0:  ld de,0                 ; K0 = -(c1 + 1) (patched)
        add ix,de
        fg_plane_sums           ; 7
        fg_plane                ; 6
        jp fg_plane_5
fg_start_2:                     ; weights in -32..31: planes 6 and 5 are ~plane 7 (E' = S - E'_7)
        pop ix                  ; -4 bh
fg_k2:  exx
        add ix,de               ; + K2 = -4 (c1 + 1) + 3 S (DE')
        exx
        fg_plane_sums           ; 7: U_5 = -4 s' + 3 S + E'_7
        jp fg_plane_4
fg_zero_4:                      ; (here, in reach of plane 4's jr nc: 3 T-states fewer a row it does not take)
        fg_zero_row 4
fg_sure_near:
        jp fg_sure              ; (in reach of the sure check's jr c, taken by ~0.05 rows a call)
fg_start_1:                     ; weights in -64..63: plane 6 is ~plane 7 (E'_6 = S - E'_7)
        pop ix                  ; -2 bh
fg_k1:  add ix,bc               ; + K1 = -2 (c1 + 1) + S (BC)
        fg_plane_sums           ; 7: U_6 = -2 s' + S + E'_7
fg_plane_5:
        fg_plane                ; 5
fg_plane_4:
        fg_plane                ; 4
.ifdef FG_GROUP_FORMS
fg_test_4:                      ; (a class 2 group form's exit)
.endif
        add ix,ix               ; (plane 3's doubling; C: U_4's sign)
        jr nc,fg_zero_4         ; U_4 >= 0: the row is 0
        .byte $DD,$7C           ; ld a,ixh: IX = 2 U_4 + 65536
        cp $F0
        jr c,fg_sure_near       ; U_4 < -2048 (IX < $F000): positive (planes 3..0 apart)
        fg_plane_sums           ; 3
        fg_tested_plane fg_zero_3       ; 2
        fg_tested_plane fg_zero_2       ; 1
        fg_tested_plane fg_zero_1       ; 0
        fg_test fg_zero_0
.endif
        pop de                  ; DE = bl (the row's tail, bl and 0; BC keeps K1)
fg_end_c2:                      ; W + 128 = bl + c2 + 2^shift - U_0': 17..33,150
        ld hl,0                 ; c2 + 2^shift (16..255: its low byte patched)
        add hl,de               ; (no carry out: no `or a` before the sbc)
        .byte $DD,$5D           ; ld e,ixl
        .byte $DD,$54           ; ld d,ixh
        sbc hl,de
        xor a                   ; (W + 128) >> shift as ((W + 128) << (8 - shift)) >> 8, its top bits into A:
fg_end_chain_at:                ; 15 T-states a step, not srl h / rr l's 16 for each of shift (thirty-third round)
        jp fg_end_chain_end     ; (patched: 8 - shift steps of the chain)
        .repeat 8 - FG_LEAST_SHIFT
        add hl,hl
        rla
        .endrepeat
fg_end_chain_end:
        ld l,h
        ld h,a                  ; (W + 128) >> shift
fg_end_less:
        ld de,0                 ; -2^(8 - shift) (patched)
        add hl,de
        jr c,fg_store           ; (no carry: below 0, relu's 0)
        ld hl,0
fg_store:
        ld a,l
        exx
        ld (hl),a
        inc hl
        exx
        ld a,h
        exx
        ld (hl),a
        inc hl
        exx
        fg_next_row
fg_zero_3:                      ; (4, 3 and 2, the most rows, each its own store: no jr to a shared one)
        fg_zero_row 3
fg_zero_2:
        fg_zero_row 2
fg_zero_1:
        ld hl,FG_PLANE_BYTES
        add hl,sp
        ld sp,hl                ; past the plane left
fg_zero_0:
        pop hl                  ; past the tail
        fg_zero_store
fg_rows_done:                   ; (the rows' end mark: a row start after the last row, since the thirty-third round)
        ld sp,(fg_saved_sp)
        jp fg_back
fg_sure:                        ; V = -U_4 = (65536 - IX) / 2 (IX = 2 U_4 + 65536), L = planes 3..0 from 0
        ld hl,0
        .byte $DD,$5D           ; ld e,ixl
        .byte $DD,$54           ; ld d,ixh
        or a
        sbc hl,de
        ccf                     ; (65536 - IX's bit 16: IX was 0, U_4 = -32768)
        rr h
        rr l
        ld (fg_v),hl
.ifdef FG_BYTE_MASKS
; (FG_BYTE_MASKS: planes 3..0 by the main path's own code, ~100 bytes fewer than a copy: from IX = -4096, IX_k stays
; in -32,768..-2,063 for S <= 2047 (8 (-4096) + 15 S), so no test finds U >= 0, and its last test, patched for the row,
; comes back here with IX = L - 32,768; ~0.05 rows a call take this path)
        ld a,$DA                ; jp c
        ld hl,fg_sure_end
        ld (fg_last_test),a
        ld (fg_last_test + 1),hl
        ld ix,-4096
        ld h,FG_PAGE
        jp fg_plane_3
fg_sure_end:
        ld a,$D2                ; jp nc,fg_zero_0 back
        ld hl,fg_zero_0
        ld (fg_last_test),a
        ld (fg_last_test + 1),hl
        ld de,32768
        add ix,de               ; L = planes 3..0's 8 P_3 + 4 P_2 + 2 P_1 + P_0
.else
        ld ix,0
        fg_plane_sums           ; 3
        fg_plane                ; 2
        fg_plane                ; 1
        fg_plane                ; 0
.endif
        pop de                  ; DE = bl (the row's tail, bl and 0; BC keeps K1)
fg_sure_c2:
        ld hl,-256              ; c2 + 2^shift - 256 (its low byte patched)
        add hl,de               ; bl + c2 + 2^shift - 256 = 2^shift - r'
        .byte $DD,$5D           ; ld e,ixl
        .byte $DD,$54           ; ld d,ixh
        or a
        sbc hl,de               ; w = 2^shift - r - L
        .repeat 4
        sra h
        rr l
        .endrepeat
        ld de,(fg_v)
        add hl,de               ; V + floor(w / 16) = floor(W x + b) / 16: above 0
fg_sure_chain_at:
        jp fg_sure_chain_end    ; (patched: shift - 4 steps)
        .repeat FG_MOST_SHIFT - FG_LEAST_SHIFT
        srl h
        rr l
        .endrepeat
fg_sure_chain_end:
        jp fg_store
.ifdef FG_GROUP_FORMS
; The group forms (thirty-fifth round, zxfc1g35): a row of class c whose groups W (two or three) have weights one
; class narrower (-64..63, -32..31, -16..15 for c = 0, 1, 2) has those groups' first plane below 7 (6, 5, 4) the
; complement of plane 7, E_g[~m] = S_g - E_g[m], so 2 E_7 + E_lower = E_7 + S_g: it reads plane 7 for its k = 4 - |W|
; other groups alone, then the lower plane's 4 words (a group in W gives its plane-7 mask there) and T[W]'s, one
; plane lower. Its start is a stub by class and k (the class's K as fg_start_c adds it, then into the shared block),
; the block's `ret` takes the row's exit word: its class's next plane (fg_plane_5, fg_plane_4, fg_test_4). U there is
; fg_start_c's U exactly, so every later step is the class's own. 43 (|W| - 1) T-states fewer a row, less the jp and
; the ret (the class 1, k = 2 stub falls into the block; class 0's reads K0 from fg_k0's immediate, 10 more).
fg_form_0_2:
        pop ix                  ; -bh
        ld de,(fg_k0 + 1)
        add ix,de               ; + K0
        jp fg_form_k2
fg_form_0_1:
        pop ix
        ld de,(fg_k0 + 1)
        add ix,de
        jp fg_form_k1
fg_form_2_2:
        pop ix                  ; -4 bh
        exx
        add ix,de               ; + K2 (DE')
        exx
        jp fg_form_k2
fg_form_2_1:
        pop ix
        exx
        add ix,de
        exx
        jp fg_form_k1
fg_form_1_1:
        pop ix                  ; -2 bh
        add ix,bc               ; + K1 (BC)
        jp fg_form_k1
fg_form_1_2:
        pop ix
        add ix,bc               ; (falls into the block: class 1's two-group rows, the commonest form)
fg_form_k2:
        fg_lookup               ; plane 7's words of the groups outside W
fg_form_k1:
        fg_lookup
        add ix,ix               ; the lower plane's 4 words (W's: their plane-7 masks), then T[W]'s
        .repeat 5               ; (not fg_plane: benchmarks/zx48_fc1_planes.py counts its expansions, the flag's off)
        fg_lookup
        .endrepeat
        ret                     ; to the row's exit word

; fg_wide_form: (fc1wide.s's fg_rows_wide, for an x fg_tables declines) a group form's planes 7 and its lower
; plane into the row's u' (the columns from fg_table_pages, 0 on entry), from DE at the row's planes, A its class,
; C = $80. A class's own row (no T[W] word as its word 1 or 2: a table page there) returns DE and C as it found
; them; a form's returns DE at its next plane, C that plane's bit. H (the caller's u' page: fc1wide.s's, which the copy
; in bank 0 shares with bank 4's, its own fg_table_pages differing) kept. Clobbers AF, B, L.
fg_wide_form:
        push hl                 ; (H: the u' page; before the thirty-sixth round each copy's own fg_table_pages page, which
                                ; bank 0's fg_rows_wide, its u' on bank 4's page, did not read: a declined layer 0 call
                                ; was wrong there)
        ld b,$40                ; the lower plane's bit: $40 >> class
        or a
        jr z,@low
@shift: srl b
        dec a
        jr nz,@shift
@low:   ld hl,fg_wide_low
        ld (hl),b
        ld hl,3
        add hl,de               ; word 1's page
        ld a,(hl)
        cp fg_group_sums >> 8
        jr z,@form              ; k = 1
        inc hl
        inc hl
        ld a,(hl)               ; word 2's page
        cp fg_group_sums >> 8
        jr z,@form              ; k = 2
        pop hl
        ret
@form:  dec hl
        ld a,(hl)
        sub fg_group_sums & 255
        rrca                    ; W
        ld b,a
        rlca
        rlca
        rlca
        rlca
        or b
        ld (fg_wide_w),a        ; W in both nibbles: each pass's 4 rrca test its bits 0..3
        pop hl
        ld l,0
@seven: ld a,(fg_wide_w)        ; plane 7 of the groups outside W: the first k words
        rrca
        ld (fg_wide_w),a
        call nc,fg_wide_word
        ld a,l
        add a,8
        ld l,a
        cp 32
        jr nz,@seven
        inc de
        inc de                  ; past T[W]
        ld a,(fg_wide_low)
        ld c,a
        ld l,0
@lower: ld a,(fg_wide_w)        ; the lower plane's 4 words, in group order
        rrca
        ld (fg_wide_w),a
        jr nc,@own
        push bc
        ld c,$80
        call fg_wide_word       ; a group in W: its plane-7 mask
        pop bc
        cpl                     ; and its lower plane the complement
        call fg_wide_bits
        jr @next
@own:   call fg_wide_word
@next:  ld a,l
        add a,8
        ld l,a
        cp 32
        jr nz,@lower
        inc de
        inc de                  ; past the exit word
        srl c                   ; the next plane's bit
        ret
; fg_wide_word: the mask m of the word at DE (DE past it; its page's bit 0 is m's bit 7) into the columns from L,
; bit C where m has a bit; fg_wide_bits: the same for m in A. A (m), C, HL kept; B clobbered.
fg_wide_word:
        ld a,(de)
        inc de
        ld b,a
        ld a,(de)
        inc de
        rra
        ld a,b
        rra                     ; m
fg_wide_bits:
        push af
        push hl
@bit:   srl a
        jr nc,@next
        ld b,a
        ld a,(hl)
        or c
        ld (hl),a
        ld a,b
@next:  inc l
        or a
        jr nz,@bit
        pop hl
        pop af
        ret
fg_wide_low:    .byte 0         ; the form's lower plane's bit
fg_wide_w:      .byte 0         ; W in both nibbles
.endif

fg_code_end:
; The four tables: group g's 256 word entries on pages FG_PAGE + 2 g and the next (FG_BYTE_MASKS: planes.s's).
.ifndef fg_table_pages
        .align 256
fg_table_pages: .res FG_GROUPS * FG_GROUP_PAGES * 256
.endif
        .assert (fg_table_pages & 255) == 0, "the tables: whole pages"
FG_PAGE         = fg_table_pages >> 8
.ifdef fg_table_pages_high      ; (the 128K player's: groups 0, 1 at fg_table_pages, 2, 3 at fg_table_pages_high)
        .assert (fg_table_pages_high & 1023) == 0 && (fg_table_pages & 1023) == 0, "the tables: 4 pages each half"
FG_PAGE_HIGH    = fg_table_pages_high >> 8
FG_GROUP_PAGE_2 = FG_PAGE_HIGH  ; (group 2's first page)
.else
FG_GROUP_PAGE_2 = FG_PAGE + 2 * FG_GROUP_PAGES
.endif
