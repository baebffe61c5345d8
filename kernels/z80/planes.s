; planes.s - out = sat16((W x) >> shift) by bit planes of the weights (Z80): a
; 32-column int8 matrix without a bias times a vector of 32 signed words, the SPEC
; matvec (intmath.matvec) for a call whose x has sum |x| <= WP_MOST_SUM and a
; shift of WP_LEAST_SHIFT..WP_LEAST_SHIFT + 15; any other call is matvec.s's.
; The 128K player's since the twenty-fifth round (docs/spectrum.md, "the matvec by
; bit planes in the 128K player", zxplanes128): in bank 6 with its tables and both
; layers' q, k and v (build.planes_bank), forward.s's FW_PLANES; the 48K player's since the
; twenty-sixth round (zxplanes48): in the program, its tables in the screen's middle third,
; q, k and v in plane_bytes' layout alone (SOUL_QKV_PLANES; planes_wide.s where wp_tables declines).
; The kernels' bench includes it after the others.
;
; Entry points (interrupts off while they run; each restores the state it found, IFF2
; read with LD A,I; IY is kept (wp_tables sums in it and puts it back); SP walks the A sums and the
; rows and is put back):
;   wp_tables   builds the four tables from the 32 words at (wp_x) and the call's
;               constants (into wp_rows' immediates); carry set (nothing built) where
;               sum |x| > WP_MOST_SUM. Several matrices on the same x (q, k and v) share one build.
;   wp_rows     (wp_rows_count) rows of the matrix at (wp_w) on the tables, the
;               outputs to (wp_out) as signed words, shifted right by (wp_shift); the
;               rows' classes at (wp_classes), a byte a row within one page
;               (soul_layout.plane_classes: 1 where the row's weights all lie in -64..63),
;               or wp_classes 0: every row by its 8 planes.
;   wp_tops     (SOUL_OUT_PLANES: the 48K's logits since the twenty-seventh round, zxlogits48) each row's
;               top planes alone, biased, to (wp_out), HL the largest: planes_wide.s's fw_out_logits.
; Clobbers AF, BC, DE, HL, IX, B', DE' and HL'.
;
; How: with u = w + 128 (matvec's w xor $80) in bit planes, sum w x = sum_b 2^b P_b
; - 128 X, P_b = sum_g T_g[mask_gb], T_g the 256 subset sums of group g's 8 x
; (columns 8g..8g+7) and mask_gb bit b of its 8 u (soul_layout.plane_bytes: a row is
; 8 planes x 4 masks, 32 bytes, planes 7 6 5 4 then 0 1 2 3, planes 6 and 4 with their
; groups from 3 down: their lookups walk the pages down, no plane reloads H). Each table holds
; E_g = T_g - N_g (N_g the sum of the group's negative x), so 0 <= E_g <= S_g and a
; plane's P'_b = sum_g E_g <= S = sum |x|: its low bytes on page WP_PAGE + 2g, its
; high bytes on the next. A row's top planes give Q = 8 P'_7 + 4 P'_6 + 2 P'_5 + P'_4
; (left Horner in IX, <= 15 S, 16 bits unsigned) and its low planes R = floor((c_lo
; + P'_0 + 2 P'_1 + 4 P'_2 + 8 P'_3) / 16) (right Horner in DE: R = (R + P'_b) >> 1);
; then out = (Q + R + c_hi) >> (shift - 4), with 16 c_hi + c_lo = -128 S - N (c_lo 0..15)
; once a build (c_hi = 8 K + r, r 0..7, folded into the Horners' starts: Q from K, R from c_lo +
; 16 r): exact (tests/test_kernels_z80_matvec_planes.py), and never a clip (|W x| <= 128 S < 2^19:
; Q + R + c_hi = floor(W x / 16) fits a word). A narrow row (its class 1, weights in -64..63: u in
; 64..191, bit 6 the complement of bit 7) has mask_g6 = ~mask_g7, and E_g[~m] = S_g - E_g[m], so
; P'_6 = S - P'_7: its Q starts at S + 2 K + P'_7 (= 2 (K + P'_7) + P'_6) and plane 6's four
; lookups are skipped (twenty-sixth round, zxplanes128b: 158 T-states a narrow row; the shipped
; soul's q, k, v have 121 of their 192 rows narrow).
;
; T-states (the 128K kernels' bench, CALL and RET included; tests/test_kernels_z80_matvec_planes.py,
; x with sum |x| 1,664 and 16 negative words): wp_tables 55,029 (55,228 before the thirty-ninth round's sums in HL,
; zx48colpairs39b: |x| by add hl,de, or by sbc hl,de where x < 0, 56 and 84 an x against 65 and 99, N_g negated once a
; group; 58,014 before the thirty-seventh round's popped x
; and short entry 0, zx48fill37: SP walks x, the sums ~81 a word against ~100, the Gray codes' x 82 a group each
; against 185, a row's entry 0 26 against 44; 58,200 before the thirty-fifth round's constants from M = -N,
; zx48rows35; the fill 44 an entry, 45,056 for the 1,024 and 1,280 for its rows of 16, -N_g in IY, the A and B sums in Gray
; order ~1,710 a group; 58,155 before the twenty-eighth round, without the shift-4 loop's three patches;
; 60,126 before the twenty-sixth round: the sums one level at a time, ~1,930 a group, -N_g in BC, |x|
; ~128 a word, 1,792 for the rows of 16);
; wp_rows at shift 4 (wp_row_4's loop), rows of 8 planes: 32 rows 54,719, 96 rows 163,391, 128 rows
; 217,727 (1,698 a row: the top planes 786, the low planes 811, the end and the next row's class 101;
; 383 a call); at any other shift wp_row's loop, 1,724 a row and 16 more a bit of shift above 4 (the
; end 127 with the chain's jp): 32 rows at shift 7 57,160 (456 a call); a narrow row 158 less in either.
; (Before the thirty-seventh round, zx48rows37, the low planes 831, 20 more: each plane's halving srl d after its
; last ld d,a, not rra before it, 16, and R's start by ld de and its add, 4: 32 rows 55,359, 96 rows 165,311, 128
; rows 220,287, at shift 7 57,800.) With WP_NO_CLASSES (the 48K's: no class lists) wp_row's loop alone, no
; class read a row: 22 less, 1,702 at shift 4. (Before the twenty-eighth round one loop: 1,751 a row
; at shift 4 with plane 0's ld h,WP_PAGE, H there already; 1,733 a row before the twenty-sixth round:
; the top planes 773, the end 122 with c_hi's add; 94,943 and 1,792 a row when first built: the fill
; 48 an entry through one pointer and its B from a buffer, the rows' ld h a plane, the out pointer in
; IY, a clip.)
; Bytes: 1,567 (the 128K player's bank 6's since zxqkv128b, as planes_bank(qkv_apart, out_apart) builds it: the byte
; tables; 1,552 before the thirty-ninth round's sums in HL, zx48colpairs39b, 15 more; 1,562 before zx48rows37's halvings by rra and R's start (10 fewer), 1,619 before zx48fill37's popped x and
; short entry 0 (57 fewer), 1,661 before zx48rows35's constants from M; 1,941 with WP_MAKE's wp_make, 389, for planes
; made at a first RUN; 1,567 in the bench without it: wp_rows 874, the shift-4 loop 368 of them (389 with its set-up
; and patches); 1,372 in the shipped 48K player (WP_NARROW_BITS, WP_CHAIN_A, WP_TOPS_BYTES, WP_LOW_START_IN_TABLE: 1,358
; before zx48colpairs39b's sums in HL, 1,348 without the last, before the thirty-eighth round's zx48lowstart38; 1,457 before the
; thirty-seventh round, zx48fill37's popped x and short entry 0 57 fewer, zx48rows37's chain in A 14, the halvings and
; R's start 5, the narrow row's plane 7 down and the row's end in the alternate set 4, a wide row's plane 6 by the
; narrow row's plane 7 code 29); 1,417 in the 48K player with WP_NARROW_BITS and WP_NARROW_MARK_OUT before it
; (since zx48narrow36; 1,378 with WP_NARROW_MARK and WP_NARROW_MARK_OUT, 1,342 without them, 1,360 with the first
; alone; 1,380 before zx48rows35),
; with SOUL_OUT_PLANES's wp_tops, 192 (204 before the thirtieth round: K + $1000 patched in, plane 7 added to it), and
; WP_NO_CLASSES, 473 fewer: 1,392 before the thirtieth round, 1,474 before the twenty-eighth
; round; 1,659 in bank 6 and 1,270 in the bench with one loop; the 2,048 table bytes apart, at $C000 in
; bank 6, off the tape).
; WP_WORD_TABLES (twenty-ninth round, zxqkv128; the 128K player's since zxqkv128c, its word masks on the tape): the tables
; as word entries, group g's entry m at 2 m from page WP_PAGE + 2 g (fc1planes.s's form), pushed down their
; pages by wordfill.s's macros (fg_tables' steps and rows of 16, 475 T-states a row of 16), and each mask in the rows its
; entry's address (soul_layout.plane_words: 64 bytes a row), a lookup `pop hl` / two reads, whatever the plane.
; On the same x and rows as above: wp_tables 40,422; wp_rows at shift 4: 32 rows 51,903, 96 rows 154,943, 128 rows
; 206,463 (1,610 a row: the top planes 747, the low planes 762, the end and the next row's class 101), 32 rows
; at shift 7 54,344; 1,304 bytes in the bench (wp_tables 474, wp_rows 768; wp_fill's 160 gone; 40,608 T-states and
; 1,354 bytes before zx48rows35's constants from M; each low plane halved by rra since zx48rows37, 16 a row and 8
; bytes fewer: 52,415, 156,479, 208,511 and 54,856, 1,312 bytes before).
; WP_WORDS_FROM_SPLIT (thirtieth round, zxmask30; the 128K player's, with WP_WORD_TABLES): the tape carries the masks
; in plane_bytes' layout (WP_SPLIT_BYTES at wp_planes: the word masks' first half, 6,144 bytes fewer on the 128K's
; tape) and the first call of wp_tables runs wp_expand_first (63 bytes, before wp_x: the player's bank places it at
; the end of the tables' pages, dead after), which makes the word masks in place and writes wp_interrupts_off back
; into that call: wp_expand_first 580,764 T-states for the 128K's 6,144 masks (94.5 a mask), once a LOAD
; (tests/test_kernels_z80_word_masks.py); a later build costs what it costs without it.
; WP_NARROW_RUNS, WP_FILL_PAIRS and WP_CHAIN_A (thirty-first round, zxrows31; the 128K player's, with WP_WORD_TABLES
; and WP_SUMS_UNROLLED, in bank 6's room; tests/test_kernels_z80_plane_runs.py): wp_row_4's narrow rows in a copy of
; its loop whose next narrow row is its own `jp c` (10 T-states fewer a narrow row after a narrow one, 10 more a wide
; one after it); wordfill.s's rows two a pass (word_fill_rows_paired: the even row from the odd one's last entry, 159
; fewer a group) and the Gray code's even A' unstored (112 fewer a group); wp_row's chain shifting the low byte in A
; (sra h / rra, 4 fewer a step); WP_SUMS_UNROLLED: the sums of |x| 8 wp_sum_word a group, no djnz (106 fewer a group).
; On the same x and rows as above: wp_tables 38,927; 32 narrow rows at shift 4 46,793 (47,103 without); 32 rows at
; shift 7 53,964 (54,344 without); 1,733 bytes in the bench (wp_tables 690, wp_rows 981; 39,113 T-states and 1,787
; bytes before zx48rows35's constants from M; 47,305, 54,476 and 1,745 before zx48rows37's halvings by rra); in the
; 128K player's bank 6
; planes.s 1,712 bytes and wordfill.s 240 (1,370 and 149 without: bank 6's room at run time 1,032 -> 584 bytes,
; $FCB8-$FEFF).
; WP_LOW_START_IN_TABLE (thirty-third round, zxrows33; the 128K player's, with the forms above;
; tests/test_kernels_z80_low_start.py): R's start c_lo + 16 r in group 3's table instead (wp_low_constants, called at
; group 3's sums: its entries delta = -(c_lo + 16 r) mod 128 more, Q's start K' = K + (c_lo + 16 r + delta) / 128 - 2
; delta, a narrow row's S + 2 K' + 2 delta), so a row's first low lookup loads DE: 26 T-states a row fewer, the build
; 433 more (247 before zx48rows35's constants from M made the end it replaces 186 cheaper, 251 before zxqkv34). On
; the same x and rows as above: wp_tables 39,360; 32 narrow rows at shift 4
; 45,961; 32 rows at shift 7 53,132; 1,781 bytes in the bench (39,364 and 1,794 before zxqkv34 dropped
; wp_low_constants' `or a`: sla c leaves no carry; 46,473, 53,644 and 1,793 before zx48rows37's halvings by rra).
; Since the thirty-eighth round (zx48lowstart38; the 48K player's, a spend of its ladder with WP_TOPS_BYTES, whose tops
; read tables of their own; tests/test_kernels_z80_low_start48.py) the byte tables' form too: at group 3's sums, in line
; (SP walks x: no call), delta = -M mod 128 onto A[0] = -N_3, K' = (M + delta) / 128 - S - 2 delta and the narrow start
; S + 2 K' + 2 delta (wp_low_group), and a row's first low lookup `ld e,(hl) / inc h / ld d,(hl)`: 22 T-states a row
; fewer, the build 181 more (the test 32 a group, 27 at group 3, whose block 193 against the end's constants' 135); fc1planes.s's
; fg_tables patches the test's page to 0 around its build (fc1's rows read the tables unbiased). planes.s 10 bytes more.
; WP_FILL_LINKED (thirty-fourth round, zxqkv34; the 128K player's, with WP_FILL_PAIRS; tests/test_kernels_z80_fill_linked.py):
; wordfill.s's word_fill_rows_linked, the fill's 8 passes a group by stubs: the Gray code stores each odd A'[a] into
; its pass's stub (`ld hl,A'[a] / ld ix,<next stub> / jp`, wp_fill_stubs) instead of wp_high_sums (2 bytes now, A[0]
; alone), and a pass ends `jp (ix)`: 271 T-states a group fewer (a pass's overhead 42, the last 32, against 72). And the
; Gray code makes the odd A' alone, A'[1] = A'[0] + x_4, then x_5, x_6 and x_7 in Gray order (8 steps, 3 of them
; subtractions, against 15 and 7), without wp_gray_x's second x_4: 139 a group fewer. 410 a group, 1,640 a build. On
; the same x and rows as above: wp_tables 37,720; 32 narrow rows at shift 4 45,961; 32 rows at shift 7 53,132; 1,786
; bytes in the bench (wp_high_sums 32 bytes fewer, the stubs 59 more than the loop's reads, the Gray code 22 fewer;
; 46,473, 53,644 and 1,798 before zx48rows37's halvings by rra).
; WP_NEXT_BY_RET (the same round; with WP_NEXT_ROW_WORDS): a row's next entry, the word SP points at, by `ret` (10
; T-states) instead of `pop hl / jp (hl)` (14), at each row's end and wp_rows' first: 4 a row and 4 a call fewer,
; 1 byte fewer each of the 4 places. In the 128K player's bank 6 with both: planes.s as long as before (1,707 ->
; 1,707, with wp_low_constants' `or a` gone: a byte more would cost 32, the class lists' and the masks' 32-byte
; alignment), bank 6's room at run time 284 -> 284 ($FDE4-$FEFF).
; WP_GROUP_FORMS (the same round, zxgroup34b; the 128K player's): a row with two or more groups in -64..63 (a wide row)
; or in -32..31 (a narrow one) reads those groups' plane-7 masks one plane lower beside T[W] (wp_group_sums, built at
; wp_tables' end: 760 T-states), entering by a stub and leaving by an exit word (below, after wp_rows_end;
; benchmarks/z80_group_stream.py): 43 (|W| - 1) - 20 T-states a row fewer, the shipped soul's 6,028 a reply step.
; planes.s's code in the 128K player (1,707 -> 1,930, wp_x..wp_code_end; 1,942 before zx48rows37's halvings by rra),
; wp_rows_wide's orders and fix 145 bytes more, the words 132 fewer: bank 6's room at run time 284 -> 32 ($FEE0-$FEFF).
; WP_NARROW_MARK (thirty-fifth round, zx48rows35; the 48K player's, a spend of its ladder where
; soul_layout.narrow_mark_take takes the soul; tests/test_kernels_z80_narrow_mark.py): the 48K has no class lists
; (WP_NO_CLASSES), so a narrow row says so in its own bytes: its plane 6 group 3 mask, which plane 7's complement makes
; redundant, is plane 7's group 3 mask itself (soul_layout.plane_bytes(marked=True)), and wp_row tests the two after plane
; 7 (ld a,d / pop de / xor e / jr z): a marked row adds S + K (wp_row_narrow) and goes on at plane 5, P'_6 = S - P'_7
; unread. No unmarked row that wp_row reads (q's, k's and v's wide rows, out's choosable rows for the logits' exact rows)
; may have the two bytes equal (~1 in 256 of random 8-plane rows; none of the shipped soul's): narrow_mark_take declines
; such a soul, which keeps every row by its 8 planes. A narrow row 113 T-states fewer, a wide one 15 more, the tables
; 16 more (S + K stored); the shipped soul's q, k and v have 121 narrow rows of 192. planes_wide.s's wp_rows_wide flips a
; marked row's group 3 bit 6 back. Bytes: planes.s 18 more (1,342 -> 1,360 in the 48K player), planes_wide.s 22 (in the
; cold part). WP_NARROW_MARK_OUT (with it, the next spend): out's narrow choosable rows marked too (35 of the shipped
; soul's 125), wp_tops the same test after plane 7 and 2 P'_7 + P'_6 = P'_7 + S (wp_tops_narrow): a narrow row 111
; T-states fewer, a wide one 15 more, the tables 20 more (S stored); planes.s 18 bytes more (1,378); the logit lens
; reads a marked row's plane 6 back (soul_layout.plane_weights(marked=True)).
; WP_NARROW_BITS (thirty-sixth round, zx48narrow36; the 48K player's on every planes' rung, in place of WP_NARROW_MARK;
; tests/test_kernels_z80_narrow_bits.py): a narrow row of q, k and v has no plane 6 bytes (28 bytes), and each matrix's
; rows' classes lie before it as bits at (wp_classes) (soul_layout.narrow_bits: 7 rows a byte from bit 7 down, a 1 after
; a byte's bits, a 0 byte at the end; forward.s's fw_projection points wp_w past them). wp_row's loop shifts the next
; row's bit out of C' (`sla c`: carry narrow, zero where a byte's bits are used: the next byte from HL', the 0 byte the
; call's end, no count): a wide row to wp_row, a narrow one into wp_row_narrow, plane 7 from S + 2 K, then plane 5. Exact
; for any soul (no mark to find by chance). Against the plain 48K form (no marks) a narrow row 167 T-states fewer, a
; wide one 11 more, 38 more a byte of bits and 33 a call, the tables 38 (S + 2 K); against WP_NARROW_MARK a narrow row
; 54 fewer, a wide one 4 fewer, less ~5 a row for the bits. The shipped soul's q, k and v: 448 bytes fewer (484 of plane 6
; less 36 of bits); planes.s 1,417 bytes in the 48K player (39 more than WP_NARROW_MARK's 1,378: wp_row_narrow's plane 7
; and the bits' test and reads); out's rows keep their marks (WP_NARROW_MARK_OUT, for wp_tops), which wp_row no longer
; reads: planes_wide.s's fw_out_logits flips a marked exact row's byte 4 back for its call.
; Since the thirty-seventh round (zx48rows37; with WP_CHAIN_A, the 48K's too since then) a narrow row's plane 7 runs
; down (soul_layout.narrow_rows_bytes: its masks groups 3 to 0) from group 3's high page, where the row before left H
; (wp_rows sets it for a call's first row), and falls into plane 5: the class test jumps to it (`jp c`), a wide row's
; planes 7 and 6 follow the test and end `jp wp_row_planes_5`; and the row's end, chain and store run in the alternate
; set, the output's high byte in B' (one exx, not three, and H kept): a narrow row 24 + 8 T-states fewer (no ld h
; twice, no jp planes_5), a wide one 10 - 8 more, a call 7 more (tests/test_kernels_z80_narrow_bits.py's figures
; against the plain form: a narrow row 199 fewer, a wide one 13 more, 40 a call). A wide row's plane 6 is the narrow
; row's plane 7 code (wp_row_down, entered after the wide row's add ix,ix): one down plane's code, 29 bytes fewer.
; WP_TOPS_BYTES (thirty-sixth round, zx48logit36: a spend of the 48K's ladder, with SOUL_OUT_PLANES, not with
; WP_NARROW_MARK_OUT): logitbytes48.s in wp_tops' place, its one-byte tables on the first four table pages.
; Popped x and a short entry 0 (thirty-seventh round, zx48fill37; the byte tables', every form without WP_WORD_TABLES:
; the 48K player's and the bench's): wp_tables' SP walks x (interrupts are off), the sums popping each x (wp_sum_popped:
; 16 T-states an x fewer than ld e,(hl) / inc hl / ld d,(hl) / inc hl, and 3 more by a jr c to wp_wide_near's jp), each
; Gray code its four x (wp_popped_x: BC, DE, the once-used x patched in and the twice-used into SP, 82 T-states against
; wp_gray_x's 185: the Gray codes flip bits 0 1 0 3 0 1 0 2 0 1 0 3 0 1 0), the fill's pages from one patched ld hl and
; the next page from the fill's B, SP put back once after the last group; and since B[0] = 0, a row's entry 0 is A[a]
; itself (ld (hl),e / ld a,d / ld (bc),a: 26 T-states, not 44, and B[0] never stored): 2,786 T-states a call fewer
; (57,911 -> 55,125 on "hello"'s 32 q, k, v and fc1 inputs, benchmarks/zx48_fill_forms.py), 57 bytes fewer in the 48K
; player. x is read, never written (a declined call's rows read it after). The other entries stay 44 T-states each:
; the forms weighed against them are in docs/spectrum.md's "Thirty-seventh round: the 48K's tables' build".

WP_MOST_SUM     = 4095          ; sum |x| above it: Q and R's sums would overflow 16 bits
WP_LEAST_SHIFT  = 4             ; the row's end shifts Q + R + c_hi right by shift - 4 (0..15)
WP_GROUP_PAGES  = 2             ; a group's table: a page of low bytes, then one of high bytes
.ifdef WP_NARROW_MARK_OUT
.ifndef WP_NARROW_MARK
.ifndef WP_NARROW_BITS
        .error "WP_NARROW_MARK_OUT: out's marked rows read by wp_row too (the logits' exact rows), WP_NARROW_MARK's or WP_NARROW_BITS's"
.endif
.endif
.ifndef SOUL_OUT_PLANES
        .error "WP_NARROW_MARK_OUT marks out's rows for wp_tops (SOUL_OUT_PLANES)"
.endif
.endif
.ifdef WP_NARROW_BITS
.ifndef WP_NO_CLASSES
        .error "WP_NARROW_BITS: wp_row's loop without class lists (the 48K's)"
.endif
.ifndef WP_CHAIN_A
        .error "WP_NARROW_BITS: the row's end in A and D (WP_CHAIN_A), H kept for a narrow row's plane 7"
.endif
.ifdef WP_NARROW_MARK
        .error "WP_NARROW_BITS reads a row's class from its bits, WP_NARROW_MARK from its plane 6 bytes: one or the other"
.endif
.ifdef WP_WORD_TABLES
        .error "WP_NARROW_BITS: the split tables' byte masks (the 48K's)"
.endif
.endif
PLANE_ROW_BYTES = 32            ; (soul_layout.PLANE_ROW_BYTES: WP_NARROW_MARK's bytes 3 and 4 of a row)
.ifdef WP_NARROW_MARK
.ifndef WP_NO_CLASSES
        .error "WP_NARROW_MARK: wp_row's loop without classes (the 48K's)"
.endif
.ifdef WP_WORD_TABLES
        .error "WP_NARROW_MARK marks the split tables' byte masks (the 48K's)"
.endif
.endif

.ifdef WP_WORDS_FROM_SPLIT
; wp_expand_first - (thirtieth round, zxmask30: the 128K player's) the word masks made in place from the
; split ones the tape carries: WP_SPLIT_BYTES masks in plane_bytes' layout at wp_planes (32-byte aligned rows,
; the word masks' first half), each mask i's word (soul_layout.plane_words: 2 m mod 256, then WP_PAGE + 2 g +
; (m >> 7)) pushed to 2 i from the last mask down, so that no word lands on a mask not yet read. The first
; call of wp_tables comes here (its `call` on the tape) and this does wp_interrupts_off's work (the stack
; walks the words with interrupts off), then writes wp_interrupts_off into that call. A plane's 4 masks
; run from its last: g from 0 up where the plane is one of PLANES_DOWN (6 and 4: a row's bytes 4..7 and
; 12..15, p & $14 == 4 for p = E & 31), else from 3 down. The 128K player's bank places it at the end of
; the tables' pages (on the tape, dead after: the first build's fill writes over it).
; WP_NARROW_WORDS (thirtieth round, zxnarrow30; the 128K player's): a narrow row's plane 6 (its bytes 4..7) gets no
; words, so the words end 8 WP_NARROW_ROWS bytes sooner (the shipped soul's 121 narrow rows: 968 bytes of bank 6);
; IX walks the rows' classes (WP_SPLIT_CLASSES, a byte a row in the masks' order) down, a row at its last plane
; (p = 31). wp_expand_first 618,625 T-states on the kernels' bench's 192 rows, 127 of them narrow, and 92 bytes
; (tests/test_kernels_z80_word_masks.py); the 128K's first RUN 7,895,837 -> 7,910,646. wp_rows' narrow path then
; has no skip (27 T-states a narrow row less), and planes_wide.s's wp_rows_wide reads such rows through
; wp_wide_row_order and wp_wide_narrow_fix (after wp_code_end: in bank 6 with their orders, out of the room below
; $8000; the cycles panel names them apart from wp_rows):
; planes.s's code in bank 6 71 bytes more (81 for them, 10 fewer for the skips), its block from 29 bytes lower.
.ifdef WP_NARROW_SPLIT
; WP_NARROW_SPLIT (thirty-first round, zxtape31; the 128K player's, with WP_NARROW_WORDS): the tape leaves a narrow
; row's plane 6 masks out too (soul_layout.plane_bytes(narrow=True): 28 bytes a narrow row, the shipped soul's 121
; rows 484 bytes fewer), so a mask's place in its row is counted, not read from E: B' holds the plane's place (7
; down to 0, from the row's last), a row starts a class lower (IX), and the masks' words land where they did
; (mask i's at 2 i: the packed masks are the words' own order). The planes still open at multiples of 4 (E & 3
; counts a plane's masks). wp_expand_first 601,186 T-states on the kernels' bench's 192 rows, 127 of them narrow,
; and 92 bytes, as WP_NARROW_WORDS's alone (tests/test_kernels_z80_word_masks.py).
WP_PACKED_BYTES = WP_SPLIT_BYTES - 4 * WP_NARROW_ROWS
.endif
.ifdef WP_NEXT_ROW_WORDS
; WP_NEXT_ROW_WORDS (thirty-third round, zxnext33; the 128K player's, with WP_NARROW_SPLIT and WP_NARROW_RUNS): each
; row's words follow the address of its own code (its entry: wp_row_4 or wp_row_4_narrow where the matrix runs at
; shift 4, else wp_row or wp_row_narrow, by the row's class), and a matrix's last row is followed by wp_rows_end's:
; a row ends `exx / pop hl / jp (hl)` (18 T-states) for the count's and the class's test (40, 50 where the class
; changes in wp_row_4's loops), and wp_rows needs no class list (wp_classes is planes_wide.s's alone). A matrix's
; words: 2 + 64 bytes a row (56 a narrow one), and 2 (soul_layout.plane_words' `entries`). wp_expand_first pushes
; them as it walks the rows down: WP_SHIFT_4_MATRICES (bit j: matrix j's calls at shift 4, the soul's shift + 1 =
; WP_LEAST_SHIFT) chooses each matrix's pair of entries, a row's class its entry. On the kernels' bench (192 random
; rows, 127 of them narrow; tests/test_kernels_z80_next_rows.py): a row after the first 22 T-states fewer (32 where
; wp_row_4's loops change, and where a shift-4 call's first row is narrow), a call 142 fewer at shift 4 and 156 at
; another besides (wp_rows' class set-up gone): 32 rows 838 to 984 fewer; wp_expand_first 611,218 T-states (601,168
; without) and 140 bytes (92 without: dead after the first build); planes.s's code 77 bytes fewer (wp_x..wp_code_end
; 1,784 -> 1,707: no class dispatch, the loops' ends 3 bytes each). In the 128K player's bank 6: the entries 396 bytes
; (192 rows and 6 matrices), planes.s 77 fewer: its room at run time 584 -> 284 bytes ($FDE4-$FEFF).
WP_ROWS_A_MATRIX = 32           ; (the 128K's q, k and v: 32 rows each)
WP_MATRICES     = WP_SPLIT_BYTES / (32 * WP_ROWS_A_MATRIX)
WP_ENTRY_BYTES  = 2 * (WP_SPLIT_BYTES / 32 + WP_MATRICES)    ; (a word a row and a matrix)
        .assert WP_MATRICES <= 8 && WP_SPLIT_BYTES == 32 * WP_ROWS_A_MATRIX * WP_MATRICES, "wp_expand_first's matrices: a bit each of a byte"
.ifndef WP_NARROW_SPLIT
        .error "WP_NEXT_ROW_WORDS: wp_expand_first's form with WP_NARROW_SPLIT"
.endif
.ifndef WP_NARROW_RUNS
        .error "WP_NEXT_ROW_WORDS: a narrow row's entry at shift 4 is wp_row_4_narrow (WP_NARROW_RUNS)"
.endif
.else
WP_ENTRY_BYTES  = 0
.ifdef WP_NEXT_BY_RET
        .error "WP_NEXT_BY_RET: the rows' entry words are WP_NEXT_ROW_WORDS'"
.endif
.endif
wp_expand_first:
        call wp_interrupts_off
        ld (wp_saved_sp),sp
.ifdef WP_NARROW_SPLIT
.ifdef WP_GROUP_FORMS
        ld (wp_saved_iy),iy     ; (IY: the matrix's loop's exits)
        ld sp,wp_planes + 2 * WP_PACKED_BYTES + WP_ENTRY_BYTES + WP_GROUP_WORD_BYTES
.else
        ld sp,wp_planes + 2 * WP_PACKED_BYTES + WP_ENTRY_BYTES
.endif
        ld ix,WP_SPLIT_CLASSES + WP_SPLIT_BYTES / 32    ; (past the last row's class)
        ld de,wp_planes + WP_PACKED_BYTES - 1
.ifdef WP_NEXT_ROW_WORDS
        ld a,(WP_SHIFT_4_MATRICES << (8 - WP_MATRICES)) & 255   ; (the last matrix's bit on top)
        ld (wp_expand_loops),a
@matrix:
        ld hl,wp_rows_end       ; (after a matrix's last row: wp_rows' way out)
        push hl
        ld hl,wp_expand_loops
        sla (hl)                ; carry: the matrix runs at shift 4
        exx
        ld c,WP_ROWS_A_MATRIX   ; C': its rows left
        ld hl,wp_row            ; HL', DE': its wide and narrow rows' entries
        ld de,wp_row_narrow
.ifdef WP_GROUP_FORMS
        ld iy,wp_expand_exits   ; (and a group row's exits: ld keeps the carry)
.endif
        jr nc,@loop_set
        ld hl,wp_row_4
        ld de,wp_row_4_narrow
.ifdef WP_GROUP_FORMS
        ld iy,wp_expand_exits_4
.endif
@loop_set:
        exx
.endif
@row:   dec ix                  ; (the row's class)
        exx
        ld b,8
        exx
@plane: exx
        dec b                   ; B': the plane's place in its row
        ld a,b
        exx
        cp 1
        jr nz,@kept             ; (not plane 6)
        bit 0,(ix+0)
        jr nz,@plane            ; (a narrow row's plane 6: not on the tape; plane 7 follows)
@kept:
.ifdef WP_GROUP_FORMS
; (WP_GROUP_FORMS) a group row's class has W in its high bits (group g at bit 4 + g): at plane 7 (place 0, walked from
; group 3 down) a moved group's mask gives no word; at the lower plane (place 1, plane 6, walked from group 0 up, in a
; wide row; place 2, plane 5, from group 3 down, in a narrow one) a moved group's mask is complemented (its plane 7's),
; and the row's exit and T[W]'s words are pushed first (they follow the plane's 4).
; Only those two planes of such a row run the mask loop that reads wp_expand_skip and wp_expand_cpl (@group_mask).
        ld h,a                  ; (the place)
        ld a,(ix+0)
        and $F0                 ; W (0: the row as now)
        jr z,@streams_set
        ld l,a
        ld a,h
        or a
        jr nz,@lower
        ld (wp_expand_cpl),a    ; (plane 7: A = 0)
        ld a,l
        ld (wp_expand_skip),a
        jr @group_plane
@lower: ld a,(ix+0)
        and 1
        inc a                   ; (the lower plane's place)
        cp h
        jr nz,@streams_set
        dec a                   ; (Z: a wide row)
        ld c,(iy+0)
        ld b,(iy+1)
        jr z,@exit_set
        ld c,(iy+2)
        ld b,(iy+3)
@exit_set:
        push bc                 ; the row's exit
        ld a,l
        rrca
        rrca
        rrca                    ; 2 W
        ld bc,wp_group_sums - 2
        add a,c
        ld c,a
        jr nc,@sums_set
        inc b
@sums_set:
        push bc                 ; T[W]'s entry
        ld a,h
        dec a
        ld a,l
        jr nz,@cpl_set          ; (plane 5: from group 3 down, as W's bits)
        ld b,4
@reverse:
        rla                     ; (plane 6: from group 0 up)
        rr c
        djnz @reverse
        ld a,c
@cpl_set:
        ld (wp_expand_cpl),a
        xor a
        ld (wp_expand_skip),a
@group_plane:
        ld a,h
        and 5
        cp 1
        ld bc,WP_PAGE / 2 | 1 << 8
        jr z,@group_mask
        ld bc,WP_PAGE / 2 + 3 | $FF << 8
@group_mask:
        ld hl,wp_expand_skip
        sla (hl)
        jr c,@group_next        ; (plane 7's mask of a moved group: no word)
        inc hl
        sla (hl)                ; (the lower plane's mask of a moved group: its complement)
        sbc a,a
        ex de,hl
        xor (hl)
        ex de,hl
        add a,a
        ld l,a
        ld a,c
        rla
        ld h,a
        push hl
@group_next:
        ld a,c
        add a,b
        ld c,a
        ld a,e
        dec de
        and 3
        jr nz,@group_mask
        jp @masks_done
@streams_set:
        ld a,h
.endif
        and 5
        cp 1                    ; (places 1 and 3: planes 6 and 4, PLANES_DOWN)
.else
.ifdef WP_NARROW_WORDS
        ld sp,wp_planes + 2 * (WP_SPLIT_BYTES - 4 * WP_NARROW_ROWS)
        ld ix,WP_SPLIT_CLASSES + WP_SPLIT_BYTES / 32    ; (past the last row's class)
.else
        ld sp,wp_planes + 2 * WP_SPLIT_BYTES
.endif
        ld de,wp_planes + WP_SPLIT_BYTES - 1
@plane:
.ifdef WP_NARROW_WORDS
        ld a,e
        and 31
        cp 31
        jr nz,@in_row
        dec ix                  ; (a row's last plane: the row's class)
@in_row:
        cp 7
        jr nz,@kept             ; (not plane 6)
        bit 0,(ix+0)
        jr z,@kept
        dec de                  ; (a narrow row's plane 6: no words)
        dec de
        dec de
        dec de
        jr @plane               ; (plane 7 follows: never the masks' start)
@kept:
.endif
        ld a,e                  ; (its last mask: p & 3 = 3)
        and $14
        cp 4
.endif
        ld bc,WP_PAGE / 2 | 1 << 8      ; (group 0 up: C = WP_PAGE / 2 + g, B its step)
        jr z,@mask
        ld bc,WP_PAGE / 2 + 3 | $FF << 8        ; (group 3 down)
@mask:  ld a,(de)
        add a,a                 ; 2 m mod 256, carry: m >> 7
        ld l,a
        ld a,c
        rla                     ; WP_PAGE + 2 g + (m >> 7)
        ld h,a
        push hl
        ld a,c
        add a,b
        ld c,a
        ld a,e
        dec de
        and 3
        jr nz,@mask             ; (the plane's 4 masks)
.ifdef WP_GROUP_FORMS
@masks_done:
.endif
.ifdef WP_NARROW_SPLIT
        exx
        ld a,b
        exx
        or a
.ifdef WP_GROUP_FORMS
        jp nz,@plane            ; (the row's planes)
.else
        jr nz,@plane            ; (the row's planes)
.endif
.ifdef WP_NEXT_ROW_WORDS
.ifdef WP_GROUP_FORMS
        ld a,(ix+0)             ; (a group row's entry: its stub by form and |W|, wp_expand_stubs' word 3 narrow + |W| - 2)
        rra
        sbc a,a
        and 6
        ld h,a
        ld a,(ix+0)
        and $F0
        jr z,@as_now
        ld b,4
@count: add a,a
        jr nc,@counted
        inc h
        inc h
@counted:
        djnz @count
        ld c,h
        ld b,0
        ld hl,wp_expand_stubs - 4
        add hl,bc
        ld a,(hl)
        inc hl
        ld h,(hl)
        ld l,a
        push hl
        exx
        jr @entry_pushed
@as_now:
.endif
        exx
        bit 0,(ix+0)
        jr z,@wide_entry
        push de                 ; (a narrow row's entry)
        jr @entry_pushed
@wide_entry:
        push hl
@entry_pushed:
        dec c
        exx
.ifdef WP_GROUP_FORMS
        jp nz,@row              ; (the matrix's rows)
        ld a,e
        cp (wp_planes - 1) & 255
        jp nz,@matrix
        ld a,d
        cp (wp_planes - 1) >> 8
        jp nz,@matrix
.else
        jr nz,@row              ; (the matrix's rows)
        ld a,e
        cp (wp_planes - 1) & 255
        jr nz,@matrix
        ld a,d
        cp (wp_planes - 1) >> 8
        jr nz,@matrix
.endif
.else
        ld a,e
        cp (wp_planes - 1) & 255
        jr nz,@row
        ld a,d
        cp (wp_planes - 1) >> 8
        jr nz,@row
.endif
.else
        ld a,e
        cp (wp_planes - 1) & 255
        jr nz,@plane
        ld a,d
        cp (wp_planes - 1) >> 8
        jr nz,@plane
.endif
        ld sp,(wp_saved_sp)
.ifdef WP_GROUP_FORMS
        ld iy,(wp_saved_iy)
.endif
        ld hl,wp_interrupts_off
        ld (wp_tables + 1),hl   ; (the next builds: straight to it)
        ret
.ifdef WP_NEXT_ROW_WORDS
wp_expand_loops: .byte 0        ; (the matrices' shift-4 bits, the next one on top)
.endif
.ifdef WP_GROUP_FORMS
wp_expand_skip: .byte 0         ; (a plane's masks that give no word, the next on top)
wp_expand_cpl:  .byte 0         ; (a plane's masks complemented, the next on top; wp_expand_skip's next byte)
wp_expand_exits:                ; (wp_row's loop: a wide group row's exit, a narrow one's)
        .word wp_row_planes_5, wp_row_plane_4
wp_expand_exits_4:              ; (wp_row_4's)
        .word wp_row_4_planes_5, wp_row_4_plane_4
wp_expand_stubs:                ; (by 3 narrow + |W| - 2: a wide row's |W| 2, 3, then a narrow row's 2, 3, 4)
        .word wp_group_wide_2, wp_group_wide_1, 0, wp_group_narrow_2, wp_group_narrow_1, wp_group_narrow_0
.endif
wp_expand_end:
        .assert (wp_planes & 31) == 0, "wp_expand_first reads a mask's place in its row from E (a plane's from E & 3)"
        .assert WP_GROUP_PAGES == 2 && (WP_PAGE & 1) == 0, "wp_expand_first's pages: WP_PAGE / 2 + g, doubled"
.endif

wp_x:           .word 0         ; the 32 words of x
wp_w:           .word 0         ; the matrix in soul_layout.plane_bytes' layout
wp_out:         .word 0         ; rows signed words
wp_rows_count:  .byte 0         ; 1..255
.ifndef WP_NO_CLASSES
wp_classes:     .word 0         ; the rows' classes, a byte each (bit 0: the row skips plane 6), or 0: none
.endif
.ifdef WP_NARROW_BITS
wp_classes:     .word 0         ; the rows' class bits (soul_layout.narrow_bits; planes_wide.s's wp_rows_wide: 0, none)
.endif
wp_shift:       .byte 0         ; WP_LEAST_SHIFT..WP_LEAST_SHIFT + 15
wp_saved_sp:    .word 0
wp_ints:        .byte 0         ; 0: interrupts were off
wp_neg_sum:     .word 0         ; -N so far
.ifdef WP_FILL_LINKED
wp_high_sums:   .res 2          ; A[0] (WP_FILL_LINKED: the odd A' go into word_fill_rows_linked's stubs)
.ifndef WP_FILL_PAIRS
        .error "WP_FILL_LINKED: word_fill_rows_paired's passes, linked"
.endif
.ifndef WP_WORD_TABLES
        .error "WP_FILL_LINKED: the word tables' fill (wordfill.s)"
.endif
.else
wp_high_sums:   .res 34         ; A[0..15] (and the word wp_fill's last pop reads; WP_WORD_TABLES: A'[0..15]; WP_FILL_PAIRS: the odd A' from 0)
.endif
.ifdef WP_WORD_TABLES
.ifdef WP_FILL_PAIRS
WORD_FILL_PAIRS = 1             ; (wordfill.s's rows two a pass: word_fill_rows_paired)
.endif
        .include "wordfill.s"   ; (fc1planes.s's fill, shared)
.endif

; wp_interrupts_off: IFF2 to wp_ints, then DI (matvec.s's way: LD A,I's P/V is IFF2).
wp_interrupts_off:
        ld a,i
        di
        ld a,0
        jp po,@off
        inc a
@off:   ld (wp_ints),a
        ret

WP_FILL_STEP    = 10            ; bytes an entry of wp_fill_entries (b = 1..15): its B's low byte at +2, high byte at +6
; The subset sums in Gray order (each one x more or less than the one before, HL the sum): A[a] into
; wp_high_sums, B[b] into wp_fill's immediates.
; (WP_FILL_PAIRS: word_fill_rows_paired reads the odd A'[a] alone, packed at wp_high_sums + a - 1: the even ones
; go unstored, 7 stores fewer a group)
        .macro wp_a_store index
.ifdef WP_FILL_LINKED
.if ((index) & 1) == 1
        ld (wp_fill_stubs + WORD_STUB_BYTES * ((15 - (index)) / 2) + 1),hl     ; (pass (15 - a) / 2's stub)
.endif
.else
.ifdef WP_FILL_PAIRS
.if ((index) & 1) == 1
        ld (wp_high_sums + (index) - 1),hl
.endif
.else
        ld (wp_high_sums + 2 * (index)),hl
.endif
.endif
        .endmacro
        .macro wp_a_add reg, index
        add hl,reg
        wp_a_store index
        .endmacro
        .macro wp_a_sub reg, index
        or a
        sbc hl,reg
        wp_a_store index
        .endmacro
        .macro wp_b_store index
        ld a,l
        ld (wp_fill_entries + WP_FILL_STEP * ((index) - 1) + 2),a
        ld a,h
        ld (wp_fill_entries + WP_FILL_STEP * ((index) - 1) + 6),a
        .endmacro
        .macro wp_b_add reg, index
        add hl,reg
        wp_b_store index
        .endmacro
        .macro wp_b_sub reg, index
        or a
        sbc hl,reg
        wp_b_store index
        .endmacro
; wp_gray_x: from HL at a group's 4 x: BC the first (and the immediate at `again`), DE the second,
; SP the third, the fourth into the immediate at `fourth` (HL lost).
        .macro wp_gray_x fourth, again
        ld c,(hl)
        inc hl
        ld b,(hl)
        inc hl
.ifndef WP_FILL_LINKED          ; (its odd A' add x_4 once: no second load)
        ld (again + 1),bc
.endif
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

; wp_c_lo_16r: from -N (wp_neg_sum) and S (IX): C = c_lo = -N & 15, HL = c_hi = 8 K + r (r 0..7),
; A = c_lo + 16 r (0..127), (wp_sum) = S. Clobbers DE.
        .macro wp_c_lo_16r
        ld hl,(wp_neg_sum)
        ld a,l
        and 15
        ld c,a                  ; c_lo
        srl h
        rr l
        srl h
        rr l
        srl h
        rr l
        srl h
        rr l
        .byte $DD,$5D           ; ld e,ixl
        .byte $DD,$54           ; ld d,ixh
        ld (wp_sum),de          ; S
        ex de,hl
        add hl,hl
        add hl,hl
        add hl,hl
        ex de,hl
        or a
        sbc hl,de               ; c_hi = 8 K + r
        ld a,l
        and 7
        add a,a
        add a,a
        add a,a
        add a,a
        add a,c                 ; c_lo + 16 r, 0..127
        .endmacro
; wp_sum_de: the x in DE into S (IX) as |x|, and into -N_g (IY) where negative; the carry: S past 16 bits.
        .macro wp_sum_de
        bit 7,d
        jr z,@plus
        xor a                   ; |x| = -x
        sub e
        ld e,a
        sbc a,a
        sub d
        ld d,a
        add iy,de               ; -N_g += |x|
@plus:  add ix,de
        .endmacro
; wp_sum_word: the x at HL (HL past it) by wp_sum_de.
        .macro wp_sum_word
        ld e,(hl)
        inc hl
        ld d,(hl)
        inc hl
        wp_sum_de
        jp c,wp_wide            ; S past 16 bits (a wide |x|: S > 4095, found at the group's end, else)
        .endmacro
; wp_popped_x: (the byte tables) a group's 4 x popped from SP: BC the first (and the immediate at `again`), DE the
; second, the third into the immediate at `once`, SP the fourth (SP's walk given up; HL lost).
        .macro wp_popped_x once, again
        pop bc
        ld (again + 1),bc
        pop de
        pop hl
        ld (once + 1),hl
        pop hl
        ld sp,hl
        .endmacro

; wp_tables: see the header. Per group: |x|, S and -N_g over its 8 x; A[a], the sums over x_4..x_7
; by a's bits from -N_g, into wp_high_sums; B[b], over x_0..x_3 from 0, into wp_fill's immediates
; (each in Gray order: one add or subtract and a store an entry, SP holding an x); then E_g[16 a + b]
; = A[a] + B[b], 16 entries of wp_fill a row with SP walking the A (interrupts off).
.ifdef WP_WORD_TABLES
wp_tables:
.ifdef WP_WORDS_FROM_SPLIT
        call wp_expand_first    ; (the tape's; the first call writes wp_interrupts_off here, having done its work)
.else
        call wp_interrupts_off
.endif
        ld (wp_saved_sp),sp
        ld (wp_saved_iy),iy     ; (IY sums -N_g)
        ld hl,(wp_x)
        ld ix,0                 ; S
        ld de,0
        ld (wp_neg_sum),de
        ld a,WP_PAGE
wp_group:
        ld (wp_page),a
        ld iy,0                 ; -N_g
.ifdef WP_SUMS_UNROLLED
        .repeat 8               ; (WP_SUMS_UNROLLED, thirty-first round, zxrows31: no djnz, 106 T-states a group fewer)
        wp_sum_word
        .endrepeat
.else
        ld b,8
@each:  wp_sum_word
        djnz @each
.endif
        .byte $DD,$7C           ; ld a,ixh: S > 4095?
        and $F0
        jp nz,wp_wide
        ld (wp_group_x),hl      ; the next group's x
        ld (wp_high_sums),iy
        ld bc,(wp_high_sums)
        ld hl,(wp_neg_sum)
        add hl,bc
        ld (wp_neg_sum),hl
.ifdef WP_LOW_START_IN_TABLE
        ld a,(wp_page)
        cp WP_PAGE + 3 * WP_GROUP_PAGES
        call z,wp_low_constants ; (group 3: S and N whole) the rows' starts, and delta onto A[0] = -N_3
.endif
        ld (wp_sum),ix          ; (S so far: the steps and the fill take IX)
        ld ix,(wp_group_x)
        ld de,-16
        add ix,de               ; x_0
        word_fill_steps wp_d0, wp_fill_d1, wp_step_d1a, wp_step_d1b, wp_step_d1c, wp_step_d2a, wp_step_d2b, wp_step_d3, wp_high_sums
        ld hl,(wp_group_x)
        ld de,-8
        add hl,de               ; x_4
        wp_gray_x wp_a_fourth, wp_a_again   ; (SP: interrupts are off)
.ifdef WP_FILL_LINKED
; (WP_FILL_LINKED: the stubs take the odd A' alone, A'[1] = A'[0] + x_4 and on by x_5, x_6 and x_7 in Gray order, 8
; steps: 1 3 7 5 13 15 11 9, BC x_4 then x_7)
        ld hl,(wp_high_sums)    ; A'[0]
        wp_a_add bc, 1
        wp_a_add de, 3
        wp_a_add sp, 7
        wp_a_sub de, 5
wp_a_fourth:
        ld bc,0                 ; x_7 (patched)
        wp_a_add bc, 13
        wp_a_add de, 15
        wp_a_sub sp, 11
        wp_a_sub de, 9
.else
        ld hl,(wp_high_sums)    ; A[0] = -N_g, then the Gray code's 15 steps
        wp_a_add bc, 1
        wp_a_add de, 3
        wp_a_sub bc, 2
        wp_a_add sp, 6
        wp_a_add bc, 7
        wp_a_sub de, 5
        wp_a_sub bc, 4
wp_a_fourth:
        ld bc,0                 ; x_7 (patched)
        wp_a_add bc, 12
wp_a_again:
        ld bc,0                 ; x_4 again (patched)
        wp_a_add bc, 13
        wp_a_add de, 15
        wp_a_sub bc, 14
        wp_a_sub sp, 10
        wp_a_add bc, 11
        wp_a_sub de, 9
        wp_a_sub bc, 8
.endif
        ld a,(wp_page)          ; the table: E[16 a + b] pushed down the group's pages from their end
        add a,WP_GROUP_PAGES
        ld h,a
        ld l,0
        ld sp,hl
        ld bc,(wp_d0)
.ifdef WP_FILL_LINKED
        word_fill_rows_linked wp_fill_d1, wp_fill_stubs, wp_fill_done, wp_fill_row, wp_fill, wp_step_d2a, wp_step_d1a, wp_step_d3, wp_step_d1b, wp_step_d2b, wp_step_d1c
.else
.ifdef WP_FILL_PAIRS
        word_fill_rows_paired wp_fill_d1, wp_high_sums, wp_fill_row, wp_fill, wp_step_d2a, wp_step_d1a, wp_step_d3, wp_step_d1b, wp_step_d2b, wp_step_d1c
.else
        word_fill_rows wp_fill_d1, wp_high_sums, wp_fill_row, wp_fill, wp_step_d2a, wp_step_d1a, wp_step_d3, wp_step_d1b, wp_step_d2b, wp_step_d1c
.endif
.endif
        ld ix,(wp_sum)          ; S so far
        ld sp,(wp_saved_sp)
        ld hl,(wp_group_x)
        ld a,(wp_page)
        add a,WP_GROUP_PAGES
        cp WP_PAGE + 4 * WP_GROUP_PAGES
        jp nz,wp_group
.else
; (the byte tables: the 48K's; thirty-seventh round, zx48fill37) SP walks x (interrupts are off): the sums pop the
; group's 8 x (wp_sum_popped: 16 T-states an x fewer than through HL), then each Gray code's 4 x (wp_popped_x, 82
; against wp_gray_x's 185): BC the first, DE the second, the third patched in (used once) and SP the fourth (used
; twice), so that the Gray codes flip bits 0 1 0 3 0 1 0 2 0 1 0 3 0 1 0; x is read, never written.
.ifdef WP_SUMS_UNROLLED
        .error "WP_SUMS_UNROLLED: the word tables' sums (the 128K's bank 6); the byte tables pop x"
.endif
wp_wide_near:
        jp wp_wide              ; (within the sums' jr: 3 T-states an x fewer than their jp c)
wp_tables:
        call wp_interrupts_off
        ld (wp_saved_sp),sp
        ld (wp_saved_iy),iy     ; (IY sums -N_g)
        ld hl,(wp_x)
        ld (wp_group_x),hl
        ld hl,0
        ld (wp_sum),hl          ; S
        push hl
        pop ix                  ; -N (M)
        ld a,WP_PAGE
wp_group:
        ld (wp_fill_page + 2),a ; (the fill's pages)
        ld sp,(wp_group_x)      ; (SP walks the group's x)
        ld iy,0                 ; N_g
        ld hl,(wp_sum)          ; S so far: |x| added by add hl,de, or by sbc hl,de where x < 0 (no negation: 9 and
        ld b,8                  ; 15 T-states an x fewer than through IX), N_g by add iy,de and negated once a group
@each:  pop de
        bit 7,d
        jr nz,@minus
        add hl,de
        jr c,wp_wide_near       ; S past 16 bits (a wide |x|: S > 4095, found at the group's end, else)
        djnz @each
        jr @summed
@minus: add iy,de               ; N_g += x
        or a
        sbc hl,de               ; S += |x|: its borrow, 1 unless S passes 16 bits
        jr nc,wp_wide_near
        djnz @each
@summed:
        ld a,h                  ; S > 4095?
        and $F0                 ; (carry clear)
        jr nz,wp_wide_near
        ld (wp_sum),hl
        ld (wp_group_x),sp      ; the next group's x
        .byte $FD,$5D           ; ld e,iyl
        .byte $FD,$54           ; ld d,iyh
        ld h,a
        ld l,a
        sbc hl,de               ; -N_g
        ld (wp_high_sums),hl    ; A[0] = -N_g
        ex de,hl
        add ix,de               ; M += -N_g (DE: -N_g)
.ifdef WP_LOW_START_IN_TABLE
; (WP_LOW_START_IN_TABLE on the byte tables, thirty-eighth round, zx48lowstart38) at group 3, M = -N whole in IX,
; -N_3 in DE and S in wp_sum: delta = -M mod 128 onto A[0] = -N_3, and the rows' starts; in line, SP on x (no call:
; x is never written)
wp_low_group:
        ld a,(wp_fill_page + 2)
        cp WP_PAGE + 3 * WP_GROUP_PAGES ; (fg_tables patches it to 0: fc1's rows read the tables unbiased)
        jr nz,@unbiased
        .byte $DD,$7D           ; ld a,ixl
        neg
        and 127
        ld c,a
        ld b,0                  ; delta = -M mod 128 = -C mod 128 (C = c_lo + 16 r = M & 127)
        ex de,hl
        add hl,bc
        ld (wp_high_sums),hl    ; A[0] = -N_3 + delta: group 3's entries delta more
        .byte $DD,$7D           ; ld a,ixl
        ld l,a
        .byte $DD,$7C           ; ld a,ixh
        ld h,a
        add hl,bc               ; M + delta = 128 ceil(M / 128)
        add hl,hl
        ld l,h
        ld h,0                  ; (M + delta) / 128 = S + K + (C + delta) / 128
        ld de,(wp_sum)
        sbc hl,de               ; (add hl,hl: no carry, M + delta < 2^15)
        sla c                   ; 2 delta (no carry: delta <= 127)
        sbc hl,bc               ; K' = K + (C + delta) / 128 - 2 delta
        ld (wp_row_k+2),hl
        add hl,hl
        add hl,bc
        add hl,de
        ld (wp_row_sum+2),hl    ; S + 2 K' + 2 delta: a narrow row's start (P'_6 = S + 2 delta - P'_7)
@unbiased:
.endif
        ld hl,-8
        add hl,sp
        ld sp,hl                ; x_4
        wp_popped_x wp_a_once, wp_a_again
        ld hl,(wp_high_sums)    ; A[0], then the Gray code's 15 steps (BC x_4, DE x_5, SP x_7)
        wp_a_add bc, 1
        wp_a_add de, 3
        wp_a_sub bc, 2
        wp_a_add sp, 10
        wp_a_add bc, 11
        wp_a_sub de, 9
        wp_a_sub bc, 8
wp_a_once:
        ld bc,0                 ; x_6 (patched)
        wp_a_add bc, 12
wp_a_again:
        ld bc,0                 ; x_4 again (patched)
        wp_a_add bc, 13
        wp_a_add de, 15
        wp_a_sub bc, 14
        wp_a_sub sp, 6
        wp_a_add bc, 7
        wp_a_sub de, 5
        wp_a_sub bc, 4
        ld hl,(wp_group_x)
        ld de,-16
        add hl,de
        ld sp,hl                ; x_0
        wp_popped_x wp_b_once, wp_b_again
        ld hl,0                 ; B[0] = 0 (wp_fill's entry 0 adds nothing), then the Gray code's 15 steps (BC x_0,
                                ; DE x_1, SP x_3)
        wp_b_add bc, 1
        wp_b_add de, 3
        wp_b_sub bc, 2
        wp_b_add sp, 10
        wp_b_add bc, 11
        wp_b_sub de, 9
        wp_b_sub bc, 8
wp_b_once:
        ld bc,0                 ; x_2 (patched)
        wp_b_add bc, 12
wp_b_again:
        ld bc,0                 ; x_0 again (patched)
        wp_b_add bc, 13
        wp_b_add de, 15
        wp_b_sub bc, 14
        wp_b_sub sp, 6
        wp_b_add bc, 7
        wp_b_sub de, 5
        wp_b_sub bc, 4
wp_fill_page:
        ld hl,0                 ; the table: HL on the low page (patched), BC on the high page, SP on the A
        ld b,h
        inc b
        ld c,l
        ld sp,wp_high_sums
        pop de
wp_fill:
        ld (hl),e               ; entry 0: A[a] + B[0], B[0] = 0 (26 T-states, not 44)
        ld a,d
        ld (bc),a
        inc l
        inc c
wp_fill_entries:
        .repeat 15
        ld a,e
        add a,0
        ld (hl),a
        ld a,d
        adc a,0
        ld (bc),a
        inc l
        inc c
        .endrepeat
        pop de
        jp nz,wp_fill           ; (inc c's zero: the page's last entry)
        ld a,b                  ; the next group's low page
        inc a
        cp WP_PAGE + 4 * WP_GROUP_PAGES
        jp nz,wp_group
        ld sp,(wp_saved_sp)
        ld (wp_neg_sum),ix      ; M (fc1's fg_tables reads it; S is in wp_sum, which fg_tables and the logits read)
.ifndef WP_LOW_START_IN_TABLE
        ld ix,(wp_sum)          ; (S in IX, as the word tables leave it, for the rows' constants below)
.endif
.endif
.ifdef WP_LOW_START_IN_TABLE
.ifdef WP_GROUP_FORMS
; (WP_GROUP_FORMS) T[W] = the sum of S'_g over W, S'_g = E_g[0] + E_g[255] (the group's sum |x|, group 3's 2 delta more:
; its table's bias), in Gray order: BC S'_0, DE S'_1, SP S'_2 (interrupts are off), S'_3 added once from its entries.
; No step carries (T[W] <= S + 254 < 2^16): each sbc finds the carry clear.
        .macro wp_group_sum_at group
        ld hl,((WP_PAGE + WP_GROUP_PAGES * group) << 8)            ; E_g[0]
        .endmacro
        .macro wp_group_sum_store index
        ld (wp_group_sums + 2 * (index - 1)),hl
        .endmacro
        wp_group_sum_at 0
        ld bc,((WP_PAGE + WP_GROUP_PAGES * 0 + 1) << 8 | 254)    ; E_0[255]
        add hl,bc
        ld b,h
        ld c,l                  ; S'_0
        wp_group_sum_at 1
        ld de,((WP_PAGE + WP_GROUP_PAGES * 1 + 1) << 8 | 254)
        add hl,de
        ex de,hl                ; S'_1
        wp_group_sum_at 2
        ld sp,((WP_PAGE + WP_GROUP_PAGES * 2 + 1) << 8 | 254)
        add hl,sp
        ld sp,hl                ; S'_2
        ld h,b
        ld l,c
        wp_group_sum_store 1
        add hl,de
        wp_group_sum_store 3
        sbc hl,bc
        wp_group_sum_store 2
        add hl,sp
        wp_group_sum_store 6
        add hl,bc
        wp_group_sum_store 7
        sbc hl,de
        wp_group_sum_store 5
        sbc hl,bc
        wp_group_sum_store 4    ; (S'_2)
        ld sp,((WP_PAGE + WP_GROUP_PAGES * 3) << 8)               ; + S'_3 = E_3[0] + E_3[255]
        add hl,sp
        ld sp,((WP_PAGE + WP_GROUP_PAGES * 3 + 1) << 8 | 254)
        add hl,sp
        wp_group_sum_store 12
        ld sp,(wp_group_sums + 2 * (4 - 1))                     ; S'_2 again
        add hl,bc
        wp_group_sum_store 13
        add hl,de
        wp_group_sum_store 15
        sbc hl,bc
        wp_group_sum_store 14
        sbc hl,sp
        wp_group_sum_store 10
        add hl,bc
        wp_group_sum_store 11
        sbc hl,de
        wp_group_sum_store 9
        sbc hl,bc
        wp_group_sum_store 8
        ld sp,(wp_saved_sp)
.endif
        ld iy,(wp_saved_iy)     ; (the starts were patched at group 3: wp_low_constants)
        or a                    ; built: carry clear
        jr wp_back
.else
        ; c_lo, c_hi from -128 S - N into the rows' immediates once a build: with M = -N (0..S: no carry in 16 bits),
        ; 16 c_hi + c_lo = 128 ((M >> 7) - S) + (M & 127), so c_lo + 16 r = M & 127 and K = (M >> 7) - S (c_hi = 8 K +
        ; r, r 0..7; thirty-fifth round, zx48rows35: 43 bytes and ~180 T-states fewer than from c_lo and c_hi by shifts):
        ; Q starts at K (S + 2 K a narrow row's), R at c_lo + 16 r
        ld hl,(wp_neg_sum)      ; M
        ld a,l
        and 127
        ld (wp_row_c_lo+1),a    ; c_lo + 16 r
.ifndef WP_NO_CLASSES
        ld (wp_row_4_c_lo+1),a  ; (and the shift-4 loop's)
.ifdef WP_NARROW_RUNS
        ld (wp_row_4_narrow_c_lo+1),a   ; (and its narrow rows' copy)
.endif
.endif
        add hl,hl
        ld l,h
        ld h,0                  ; M >> 7 = S + K
.ifdef WP_NARROW_MARK
        ld (wp_row_narrow_sum+1),hl     ; S + K: a marked narrow row's plane 6
.endif
        .byte $DD,$5D           ; ld e,ixl
        .byte $DD,$54           ; ld d,ixh
        ld (wp_sum),de          ; S
.ifdef WP_NARROW_MARK_OUT
        ld (wp_tops_narrow_sum+1),de    ; (and a marked narrow row of out's plane 6)
.endif
        or a
        sbc hl,de
        ld (wp_row_k+2),hl      ; K
.ifndef WP_NO_CLASSES
        ld (wp_row_4_k+2),hl
        add hl,hl
        add hl,de
        ld (wp_row_sum+2),hl    ; S + 2 K: a narrow row's 2 (K + P'_7) + P'_6 with P'_6 = S - P'_7
        ld (wp_row_4_sum+2),hl
.endif
.ifdef WP_NARROW_BITS
        add hl,hl
        add hl,de
        ld (wp_row_sum+2),hl    ; S + 2 K: a narrow row's start (wp_row_narrow)
.endif
        ld iy,(wp_saved_iy)
        or a                    ; built: carry clear
        jr wp_back
.endif
wp_wide:
        ld sp,(wp_saved_sp)
        ld iy,(wp_saved_iy)
        scf                     ; not built: matvec.s's call
wp_back:                        ; the interrupts as they were (BIT keeps the carry)
        ld a,(wp_ints)
        bit 0,a
        ret z
        ei
        ret
.ifdef WP_LOW_START_IN_TABLE
.ifndef WP_WORD_TABLES
.ifndef WP_NARROW_BITS
        .error "WP_LOW_START_IN_TABLE on the byte tables: the 48K's wp_row_k and wp_row_sum (WP_NARROW_BITS)"
.endif
.ifdef SOUL_OUT_PLANES
.ifndef WP_TOPS_BYTES
        .error "WP_LOW_START_IN_TABLE biases group 3's table, which wp_tops would read: with WP_TOPS_BYTES"
.endif
.endif
.else
.ifdef WP_NO_CLASSES
        .error "WP_LOW_START_IN_TABLE patches the narrow rows' start too"
.endif
; wp_low_constants - (WP_LOW_START_IN_TABLE, thirty-third round, zxrows33: at group 3's sums, S in IX and -N whole
; in wp_neg_sum) c_lo and c_hi = 8 K + r from -128 S - N as before, but R's start C = c_lo + 16 r goes into group 3's
; table: its entries delta = -C mod 128 more (A[0] = -N_3 + delta), each of a row's 8 planes reads group 3 once, so
; Q gets 15 delta and L = P'_0 + 2 P'_1 + 4 P'_2 + 8 P'_3 15 delta: 255 delta in all, and Q's start K' = K + (C +
; delta) / 128 - 2 delta makes 128 K' + 255 delta = 16 c_hi + c_lo (weight_planes.low_start_in_table). R starts at
; 0: a row's first low lookup loads DE (26 T-states a row fewer). A narrow row's P'_6 = S + 2 delta - P'_7: its
; start S + 2 K' + 2 delta. Entries stay 0..S_3 + 127: L <= 15 (S + 127) < 2^16 for S <= WP_MOST_SUM.
; Clobbers AF, BC, DE, HL (IX kept).
wp_low_constants:
        wp_c_lo_16r
        ld b,a
        neg
        and 127
        ld c,a                  ; delta = -C mod 128
        sra h
        rr l
        sra h
        rr l
        sra h
        rr l                    ; K
        ld a,b
        or a
        jr z,@whole             ; (C + delta: 128, or 0 where C is 0)
        inc hl
@whole: ld b,0
        push bc                 ; delta
        sla c                   ; (2 delta <= 254: no carry out, sbc's carry clear)
        sbc hl,bc               ; K' = K + (C + delta) / 128 - 2 delta
        ld (wp_row_k+2),hl
        ld (wp_row_4_k+2),hl
.ifdef WP_GROUP_FORMS
        ld (wp_group_wide_2+2),hl
        ld (wp_group_wide_1+2),hl
.endif
        add hl,hl
        add hl,bc
        ld de,(wp_sum)
        add hl,de
        ld (wp_row_sum+2),hl    ; S + 2 K' + 2 delta: a narrow row's start
        ld (wp_row_4_sum+2),hl
.ifdef WP_GROUP_FORMS
        ld (wp_group_narrow_2+2),hl
        ld (wp_group_narrow_1+2),hl
        ld (wp_group_narrow_0+2),hl
.endif
        pop bc
        ld hl,(wp_high_sums)
        add hl,bc
        ld (wp_high_sums),hl    ; A[0] = -N_3 + delta: group 3's entries delta more
        ret
.endif
.endif

.ifdef WP_WORD_TABLES
wp_page:        .byte 0         ; (the byte tables' page: wp_fill_page's immediate)
.endif
wp_sum:         .word 0         ; S = sum |x|
wp_saved_iy:    .word 0
wp_group_x:     .word 0         ; (the byte tables: the group's x, then the next group's)
.ifdef WP_WORD_TABLES
wp_d0:          .word 0         ; the fill's -x_0
.endif

.ifdef WP_WORD_TABLES
; (WP_WORD_TABLES) a plane's 4 masks are its entries' addresses (a word each: 2 m mod 256, then the page
; WP_PAGE + 2 g + (m >> 7)): a lookup is a pop and two reads, whatever the plane, up or down alike.
        .macro wp_word_lookup
        pop hl
        ld c,(hl)
        inc l
        ld b,(hl)
        add ix,bc
        .endmacro
        .macro wp_word_plane
        wp_word_lookup
        wp_word_lookup
        wp_word_lookup
        wp_word_lookup
        .endmacro
        .macro wp_top_up
        add ix,ix
        wp_word_plane
        .endmacro
        .macro wp_top_down
        add ix,ix
        wp_word_plane
        .endmacro
        .macro wp_word_low_lookup
        pop hl
        ld a,(hl)
        add a,e
        ld e,a
        inc l
        ld a,(hl)
        adc a,d
        ld d,a
        .endmacro
; wp_word_low_lookup_halved: a plane's last lookup, R + P'_b halved as its high byte is made (`rra`, not `srl d`:
; 4 T-states a plane fewer, thirty-seventh round); R + P'_b < 2^16, so the adc leaves no carry to shift in.
        .macro wp_word_low_lookup_halved
        pop hl
        ld a,(hl)
        add a,e
        ld e,a
        inc l
        ld a,(hl)
        adc a,d
        rra
        ld d,a
        rr e
        .endmacro
        .macro wp_low_plane_here
        wp_word_low_lookup
        wp_word_low_lookup
        wp_word_low_lookup
        wp_word_low_lookup_halved
        .endmacro
        .macro wp_low_plane
        wp_low_plane_here
        .endmacro
.else
; wp_top_up: Q = 2 Q + P'_b from 4 masks (pop de: groups 0 and 1, then 2 and 3), H from
; group 0's low page up to group 3's high page; wp_top_down the same from group 3's high page
; down to group 0's low page (its masks groups 3 and 2, then 1 and 0): no ld h a plane.
        .macro wp_top_up_lookup mask
        inc h
        ld l,mask
        ld c,(hl)
        inc h
        ld b,(hl)
        add ix,bc
        .endmacro
; wp_top_up_rest: a plane's groups 1, 2 and 3 (up), after group 0's lookup by the popped E (D group 1's mask)
        .macro wp_top_up_rest
        wp_top_up_lookup d
        pop de
        wp_top_up_lookup e
        wp_top_up_lookup d
        .endmacro
        .macro wp_top_up
        add ix,ix
        pop de
        ld l,e
        ld c,(hl)
        inc h
        ld b,(hl)
        add ix,bc
        wp_top_up_rest
        .endmacro
        .macro wp_top_down_lookup mask
        dec h
        ld l,mask
        ld b,(hl)
        dec h
        ld c,(hl)
        add ix,bc
        .endmacro
        .macro wp_top_down
        add ix,ix
        pop de
        wp_top_down_popped
        .endmacro
; wp_top_down_popped: wp_top_down after its add and its first pop (E group 3's mask, D group 2's)
        .macro wp_top_down_popped
        ld l,e
        ld b,(hl)
        dec h
        ld c,(hl)
        add ix,bc
        wp_top_down_lookup d
        pop de
        wp_top_down_lookup e
        wp_top_down_lookup d
        .endmacro
; wp_low_plane: R = (R + P'_b) >> 1 from 4 masks (pop bc), H up from group 0's low page (wp_low_plane_here:
; H there already, as plane 4's lookups leave it).
        .macro wp_low_lookup mask
        ld l,mask
        ld a,(hl)
        add a,e
        ld e,a
        inc h
        ld a,(hl)
        adc a,d
        ld d,a
        .endmacro
; wp_low_lookup_halved: a plane's last lookup, R + P'_b halved as its high byte is made (`rra`, not `srl d`: 4
; T-states a plane fewer, thirty-seventh round); R + P'_b <= 2 S + 127 < 2^16, so the adc leaves no carry to shift in.
        .macro wp_low_lookup_halved mask
        ld l,mask
        ld a,(hl)
        add a,e
        ld e,a
        inc h
        ld a,(hl)
        adc a,d
        rra
        ld d,a
        rr e
        .endmacro
; wp_low_plane_rest: a plane's groups 1, 2 and 3 after group 0's lookup by the popped C.
        .macro wp_low_plane_rest
        inc h
        wp_low_lookup b
        pop bc
        inc h
        wp_low_lookup c
        inc h
        wp_low_lookup_halved b
        .endmacro
        .macro wp_low_plane_here
        pop bc
        wp_low_lookup c
        wp_low_plane_rest
        .endmacro
        .macro wp_low_plane
        ld h,WP_PAGE
        wp_low_plane_here
        .endmacro

.endif

;  wp_rows: see the header. The alternate set keeps the out pointer (DE'), the rows left (B')
; and the next row's class (HL'). A row whose weights all lie in -64..63 (wp_classes' bit 0 set:
; soul_layout.plane_classes) has plane 6 of u = w + 128 the complement of plane 7, so P'_6 = S - P'_7
; (E_g[255 - m] = S_g - E_g[m]): its narrow path starts Q at S + 2 K + P'_7 (= 2 (K + P'_7) + P'_6), skips
; plane 6's masks; a wide row runs all 8 planes. Both go on at their loop's plane 5. Two loops (twenty-eighth
; round): a call at shift 4 runs wp_row_4's, whose end adds R to Q in IX and stores IX (no chain: 36
; T-states a row less), any other shift wp_row's, whose end shifts Q + R in HL by the chain; with
; WP_NO_CLASSES (the 48K's, in the fewest bytes) wp_row's alone, without classes.

.ifdef WP_WORD_TABLES
; wp_row_top: a row's plane 7 from Q's start at `start` (wp_tables patches its immediate); wp_skip_plane: SP past
; a plane's masks (a narrow row's plane 6).
        .macro wp_row_top start
start:
        ld ix,0
        wp_word_plane
        .endmacro
        .macro wp_skip_plane
.ifndef WP_NARROW_WORDS                 ; (WP_NARROW_WORDS: a narrow row has no plane 6 words)
        ld hl,4 * 2
        add hl,sp
        ld sp,hl
.endif
        .endmacro
.else
; wp_row_top: a row's plane 7 (up) from Q's start at `start` (wp_tables patches its immediate).
        .macro wp_row_top start
        pop de
        ld h,WP_PAGE
        ld l,e
        ld c,(hl)
        inc h
        ld b,(hl)
start:
        ld ix,0
        add ix,bc
        wp_top_up_rest
        .endmacro
        .macro wp_skip_plane
        pop de
        pop de
        ld h,WP_PAGE
        .endmacro

.endif
; wp_row_low: the row's planes 5 and 4 from `planes_5`, then its low planes from R's start at `c_lo`.
        .macro wp_row_low planes_5, plane_4, c_lo
planes_5:
        wp_top_up               ; 5
.ifdef WP_GROUP_FORMS
plane_4:                        ; (a narrow group row's exit from wp_group_block)
.endif
        wp_top_down             ; 4
c_lo:
.ifdef WP_LOW_START_IN_TABLE
.ifdef WP_WORD_TABLES
        pop hl                  ; 0: R starts at 0, its first entry loaded (R's start is in group 3's table)
        ld e,(hl)
        inc l
        ld d,(hl)
        wp_word_low_lookup
        wp_word_low_lookup
        wp_word_low_lookup_halved
.else
        pop bc                  ; 0: R starts at 0, its first entry loaded (R's start is in group 3's table: wp_low_group;
        ld l,c                  ; 22 T-states a row fewer than the immediate's add, thirty-eighth round)
        ld e,(hl)               ; (H on group 0's low page: plane 4 walked down to it)
        inc h
        ld d,(hl)
        wp_low_plane_rest
.endif
.else
.ifdef WP_WORD_TABLES
        ld de,0                 ; R starts at c_lo + 16 r (wp_tables patches it)
        wp_low_plane_here       ; 0
.else
        ld a,0                  ; R starts at c_lo + 16 r, under 128 (wp_tables patches it): plane 0's first lookup
        pop bc                  ; adds it as an immediate and its high byte's carry alone (thirty-seventh round: 4
        ld l,c                  ; T-states and a byte fewer than ld de and the add of E and D)
        add a,(hl)              ; 0 (H on group 0's low page: plane 4 walked down to it)
        ld e,a
        inc h
        ld a,(hl)
        adc a,0
        ld d,a
        wp_low_plane_rest
.endif
.endif
        wp_low_plane            ; 1
        wp_low_plane            ; 2
        wp_low_plane            ; 3
        .endmacro
.ifdef WP_NEXT_ROW_WORDS
; wp_next_row: (alternate set, the row stored; WP_NEXT_ROW_WORDS) the next row's entry, the word after this row's
; masks: its code (wide or narrow, in the call's loop) or, after a matrix's last row, wp_rows_end.
        .macro wp_next_row
        exx
.ifdef WP_NEXT_BY_RET
        ret                     ; (WP_NEXT_BY_RET: the entry word popped straight into PC)
.else
        pop hl
        jp (hl)
.endif
        .endmacro
.endif
.ifndef WP_NO_CLASSES
; wp_row_next: (alternate set, the row stored) the next row by its class: `row` (wide) or the narrow path
; (plane 7 from S + 2 K at `sum`, plane 6's masks passed over) to `planes_5`; `class` the dispatch's
; entry, `class_step` its inc l (nop where no classes); `done` the loop's way out.
        .macro wp_row_next row, class, class_step, sum, planes_5, done
        dec b
        jr z,done
class:
        ld a,(hl)
class_step:
        inc l                   ; (patched: nop where no classes; a list does not cross a page)
        rra
        exx
        jp nc,row
        wp_row_top sum          ; plane 7 (up) from S + 2 K, plane 6's masks unread
        wp_skip_plane
        jp planes_5
done:   exx
        ld sp,(wp_saved_sp)
        jp wp_back
        .endmacro
.endif

.ifdef WP_NARROW_MARK
; wp_row_narrow: (WP_NARROW_MARK) a marked narrow row after its plane 7, IX = K + P'_7: Q = 2 (K + P'_7) + P'_6 with
; P'_6 = S - P'_7 is IX + S + K; plane 6's other masks passed over, on at plane 5 from group 0's low page.
; (here, before wp_rows, within the reach of wp_row's jr)
wp_row_narrow:
        pop de                  ; (plane 6's groups 1 and 0, unread)
wp_row_narrow_sum:
        ld bc,0                 ; S + K (wp_tables patches it)
        add ix,bc
        ld h,WP_PAGE
        jp wp_row_planes_5
.endif
wp_rows:
        call wp_interrupts_off
        ld (wp_saved_sp),sp
        ld a,(wp_shift)         ; the chain's entry: shift - 4 steps before its end
        sub WP_LEAST_SHIFT
.ifdef WP_NEXT_ROW_WORDS
        jr z,@chain_set         ; (shift 4: the rows' entries are wp_row_4's loops', no chain)
.else
.ifndef WP_NO_CLASSES
        ld ix,wp_row_4_class    ; (shift 4: wp_row_4's loop, no chain)
        jr z,@chain_set
.endif
.endif
.ifdef WP_CHAIN_A
        ld c,a
        add a,a
        add a,c                 ; 3 bytes a step
.else
        add a,a
        add a,a                 ; 4 bytes a step
.endif
        ld c,a
        ld b,0
        ld hl,wp_chain_end
        or a
        sbc hl,bc
        ld (wp_chain_at+1),hl
.ifdef WP_NEXT_ROW_WORDS
@chain_set:
        exx
        ld de,(wp_out)          ; (DE': the outputs)
        exx
        ld sp,(wp_w)
.ifdef WP_NEXT_BY_RET
        ret                     ; (the first row's entry: the matrix's first word)
.else
        pop hl
        jp (hl)                 ; (the first row's entry: the matrix's first word)
.endif
.else
.ifndef WP_NO_CLASSES
        ld ix,wp_row_class
@chain_set:
        ld hl,(wp_classes)      ; no classes: every row's class the one zero byte, HL' kept
        ld a,h
        or l
        ld a,$2C                ; inc l
        jr nz,@step
        ld hl,wp_no_class
        xor a                   ; nop
@step:  ld (wp_class_step),a
        ld (wp_row_4_class_step),a
        push hl
        exx
        pop hl
.else
.ifdef WP_NARROW_BITS
        ld h,WP_LAST_PAGE       ; (a narrow first row's plane 7 runs down from group 3's high page)
.endif
        exx
.endif
        ld de,(wp_out)
.ifdef WP_NARROW_BITS
        ld hl,(wp_classes)      ; (HL': the class bits, C' their byte: the first row's from their first byte)
        ld sp,(wp_w)
        jp wp_row_bits
.else
        ld a,(wp_rows_count)
        ld b,a
        ld sp,(wp_w)
.ifndef WP_NO_CLASSES
        jp (ix)                 ; (the first row's class, in the call's loop)
.else
        exx
.endif
.endif
.endif
.ifdef WP_NARROW_BITS
; wp_row_narrow: (WP_NARROW_BITS) a narrow row: plane 7 (down: soul_layout.narrow_bits_bytes' order, its masks groups 3
; to 0, from group 3's high page, where the row before left H) from S + 2 K, Q = 2 (K + P'_7) + P'_6 with P'_6 =
; S - P'_7; it ends on group 0's low page and falls into plane 5 (the row has no plane 6 bytes). The wide rows' top
; planes are after the class test (wp_row), which jumps here (thirty-seventh round, zx48rows37: a narrow row 24
; T-states fewer, no ld h twice and no jp planes_5; a wide one 10 more, its jp). wp_row_down: a down plane, a narrow
; row's 7 and a wide row's 6 (its jp here, after its add ix,ix: one copy of the plane's code, 29 bytes fewer).
wp_row_narrow:
wp_row_sum:
        ld ix,0                 ; S + 2 K (wp_tables patches it)
wp_row_down:
        pop de                  ; its groups 3 and 2
        wp_top_down_popped      ; (down: H to group 0's low page)
.else
wp_row:
        ; the top planes: plane 7 (up) starts Q, then 6 (down), 5 (up), 4 (down)
        wp_row_top wp_row_k     ; 7: Q starts at K (wp_tables patches it)
.ifdef WP_NARROW_MARK
        ld a,d                  ; (plane 7's group 3 mask)
        pop de                  ; plane 6's groups 3 and 2
        xor e                   ; 0: a narrow row's mark (its plane 6 group 3 byte plane 7's, not the complement)
        jr z,wp_row_narrow
        add ix,ix
        wp_top_down_popped      ; 6 (H back on group 0's low page)
.else
        wp_top_down             ; 6 (H back on group 0's low page)
.endif
.endif
        wp_row_low wp_row_planes_5, wp_row_plane_4, wp_row_c_lo
.ifdef WP_NARROW_BITS
; (WP_NARROW_BITS, with WP_CHAIN_A: thirty-seventh round, zx48rows37) the output made, shifted and stored in the
; alternate set, its high byte in B' (free there: no count): H stays on group 3's high page for the next row, a narrow
; one's plane 7, and the store needs one exx, not three (8 T-states a row fewer than ex de,hl / ld c,ixl / ld b,ixh /
; add hl,bc / ld a,l and the store's exx / ld a,h / exx)
        add ix,de               ; R + r + Q + 8 K = R + Q + c_hi: floor(W x / 16), in 16 bits
        exx
        .byte $DD,$7C           ; ld a,ixh      (|W x| <= 128 S < 2^19: no clip at any shift)
        ld b,a
        .byte $DD,$7D           ; ld a,ixl
.else
        ex de,hl                ; R + r + Q + 8 K = R + Q + c_hi: floor(W x / 16), in 16 bits
        .byte $DD,$4D           ; ld c,ixl      (|W x| <= 128 S < 2^19: no clip at any shift)
        .byte $DD,$44           ; ld b,ixh
        add hl,bc
.ifdef WP_CHAIN_A
; (WP_CHAIN_A, thirty-first round, zxrows31: the 128K's) the low byte shifted in A: 12 T-states a step, not 16,
; and no ld a,l after it (4 fewer a row at any shift, 3 bytes a step)
        ld a,l
.endif
.endif
wp_chain_at:
        jp wp_chain_end         ; (patched: shift - 4 steps of the chain)
        .repeat 15
.ifdef WP_NARROW_BITS
        sra b                   ; (B')
.else
        sra h
.endif
.ifdef WP_CHAIN_A
        rra
.else
        rr l
.endif
        .endrepeat
wp_chain_end:
.ifndef WP_CHAIN_A
        ld a,l
.endif
.ifdef WP_NARROW_BITS
        ld (de),a
        inc de
        ld a,b
.else
        exx
        ld (de),a
        inc de
        exx
        ld a,h
        exx
.endif
        ld (de),a
        inc de
.ifdef WP_NO_CLASSES
.ifdef WP_NARROW_BITS
; (WP_NARROW_BITS) the next row's class by its bit: a narrow row (no plane 6 bytes) to wp_row_narrow, a wide one on
; here; the list's 0 byte ends the call.
wp_row_class:
        sla c                   ; (carry: narrow; Z: this byte's bits used, its 1 shifted out)
        jr z,wp_row_bits
wp_row_bit:
        exx
        jp c,wp_row_narrow
wp_row:                         ; a wide row: plane 7 (up) starts Q at K, then 6 (down: wp_row_down), on at plane 5
        wp_row_top wp_row_k
        add ix,ix
        jp wp_row_down
wp_row_bits:
        ld c,(hl)               ; the next 7 rows' bits (fewer in the last byte), a 1 after them
        inc hl
        sla c
        jr nz,wp_row_bit        ; (0: the list's end)
.else
        dec b
        exx                     ; (every row by its 8 planes: no class to read)
        jp nz,wp_row
.endif
        ld sp,(wp_saved_sp)
        jp wp_back
.else
.ifdef WP_NEXT_ROW_WORDS
        wp_next_row
; wp_row_narrow: (WP_NEXT_ROW_WORDS) a narrow row's entry in wp_row's loop: plane 7 (up) from S + 2 K, plane 6's
; masks unread; wp_rows_end: the word after a matrix's last row.
wp_row_narrow:
        wp_row_top wp_row_sum
        wp_skip_plane
        jp wp_row_planes_5
wp_rows_end:
        ld sp,(wp_saved_sp)
        jp wp_back
.ifdef WP_GROUP_FORMS
; WP_GROUP_FORMS (thirty-fourth round, zxgroup34b; the kernels' bench alone): a row whose groups in W (two or more, a
; bit each) lie in -64..63 (a wide row) or in -32..31 (a narrow one) reads plane 7 for its other k = 4 - |W| groups
; alone, then, one plane lower (6, or a narrow row's 5), its 4 groups' words (a group in W: its plane-7 mask, E_7 =
; S'_g - E_6 there) and T[W] (wp_group_sums: the sum of S'_g over W): 2 E_7 + E_6 = E_7 + S'_g, and a narrow row's 2 E_7 +
; E_5 = E_7 + S'_g at plane 6's level. Its entry word is a stub's by form and k (Q's start, then k lookups into the
; block), and its words after the block's 5 its exit: its loop's plane 5 (wide) or plane 4 (narrow)
; (benchmarks/z80_group_stream.py). 43 (|W| - 1) - 20 T-states a row fewer (the stub's jp and the exit's ret; 10
; fewer still for the narrow k = 2 stub, which falls into the block).
wp_group_wide_2:
        ld ix,0                 ; K' (wp_low_constants patches it)
        jp wp_group_2
wp_group_wide_1:
        ld ix,0                 ; K'
        jp wp_group_1
wp_group_narrow_1:
        ld ix,0                 ; S + 2 K' + 2 delta
        jp wp_group_1
wp_group_narrow_0:
        ld ix,0                 ; S + 2 K' + 2 delta
        jp wp_group_0
wp_group_narrow_2:
        ld ix,0                 ; S + 2 K' + 2 delta (into the block)
wp_group_2:
        wp_word_lookup          ; plane 7's kept groups
wp_group_1:
        wp_word_lookup
wp_group_0:
        add ix,ix
        wp_word_lookup          ; the lower plane's 4 words and T[W]'s
        wp_word_lookup
        wp_word_lookup
        wp_word_lookup
        wp_word_lookup
        ret                     ; (the row's exit word)
        .res * & 1              ; (T[W]'s words at even addresses: none across a page for inc l)
wp_group_sums:  .res 30         ; T[1..15] (W never empty)
        .assert (wp_group_sums & 1) == 0, "T[W]'s words: none across a page"
.endif
.else
        wp_row_next wp_row, wp_row_class, wp_class_step, wp_row_sum, wp_row_planes_5, wp_rows_done
.endif

; wp_row_4_end: (wp_row_4's loop) the output Q + R in IX stored, the alternate set in.
        .macro wp_row_4_end
        add ix,de               ; R + r + Q + 8 K = R + Q + c_hi: floor(W x / 16), the output at shift 4
        .byte $DD,$7D           ; ld a,ixl
        exx
        ld (de),a
        inc de
        .byte $DD,$7C           ; ld a,ixh
        ld (de),a
        inc de
        .endmacro
wp_row_4:                       ; (a call at shift 4) the same rows, the output Q + R in IX
        wp_row_top wp_row_4_k
        wp_top_down
        wp_row_low wp_row_4_planes_5, wp_row_4_plane_4, wp_row_4_c_lo
        wp_row_4_end
.ifdef WP_NEXT_ROW_WORDS
        wp_next_row
.endif
.ifdef WP_NARROW_RUNS
.ifndef WP_NEXT_ROW_WORDS
        dec b                   ; (wp_row_next's, a narrow row to wp_row_4_narrow's copy)
        jr z,wp_row_4_done
wp_row_4_class:
        ld a,(hl)
wp_row_4_class_step:
        inc l                   ; (patched: nop where no classes)
        rra
        exx
        jp nc,wp_row_4
        jp wp_row_4_narrow
wp_row_4_done:
        exx
        ld sp,(wp_saved_sp)
        jp wp_back
.endif
; wp_row_4_narrow: (WP_NARROW_RUNS, thirty-first round, zxrows31: the 128K's) wp_row_4's narrow rows in a copy of
; its loop, whose next row, narrow again, is a `jp c` back here: a narrow row after a narrow one 10 T-states
; fewer (no `jp planes_5`), a wide one after it 10 more (its `jp wp_row_4`), one after a wide row as before.
wp_row_4_narrow:
        wp_row_top wp_row_4_sum ; plane 7 (up) from S + 2 K, plane 6's masks unread
        wp_skip_plane
        wp_row_low wp_row_4_narrow_planes_5, wp_row_4_narrow_plane_4, wp_row_4_narrow_c_lo
        wp_row_4_end
.ifdef WP_NEXT_ROW_WORDS
        wp_next_row
.else
        dec b
        jr z,wp_row_4_narrow_done
        ld a,(hl)
        inc l                   ; (only a call with classes comes here)
        rra
        exx
        jp c,wp_row_4_narrow
        jp wp_row_4
wp_row_4_narrow_done:
        exx
        ld sp,(wp_saved_sp)
        jp wp_back
.endif
.else
        wp_row_next wp_row_4, wp_row_4_class, wp_row_4_class_step, wp_row_4_sum, wp_row_4_planes_5, wp_row_4_done
.endif

.ifndef WP_NEXT_ROW_WORDS
wp_no_class:    .byte 0
.endif
.endif

.ifdef SOUL_OUT_PLANES
.ifdef WP_WORD_TABLES
        .error "wp_tops reads planes.s's split tables: SOUL_OUT_PLANES is the 48K's, WP_WORD_TABLES the 128K's"
.endif
.ifdef WP_TOPS_BYTES
        .include "logitbytes48.s"   ; (wp_tops' place: the tops on one-byte tables, WP_TOPS_BYTES)
.else
; wp_tops - (the 48K's logits, twenty-seventh round, zxlogits48: planes_wide.s's fw_out_logits) each of
; (wp_rows_count) rows at (wp_w)'s top planes alone on the tables wp_tables built: its Q (left Horner from 0)
; as a word to (wp_out) (its words within one page: fw_logits'), SP stepping past its planes 0..3; HL the largest.
; floor(W x / 16) = Q + 8 K + R, R = r + floor((c_lo + L) / 16) with L = P'_0 + 2 P'_1 + 4 P'_2 + 8 P'_3
; in 0..15 S (planes.s's header), so a row lies in [Q + 8 K + r, Q + 8 K + r + floor((15 S + 15) / 16)]
; before the shift, 8 K + r the same for every row; 0 <= Q <= 15 S with S <= WP_MOST_SUM: the words compare
; unsigned (thirtieth round, zx48logits30: Q + 8 K + $8000 before, K + $1000 patched in by 10 bytes). Clobbers
; AF, BC, DE, HL, IX, B', DE' and HL'.
; T-states: ~879 a row (the 48K's reply steps of "hello", python benchmarks/z80_step_phases.py: 109,835 for
; 125 rows, 112,006 before the thirtieth round; the top planes as wp_row's, plane 7's first entry into IX by
; ld ixl,c / ld ixh,b rather than added to its start, 13 fewer; 27 past the low planes, ~76 the store, by
; inc e, and the best).
.ifdef WP_NARROW_MARK_OUT
; wp_tops_narrow: (WP_NARROW_MARK_OUT) a marked narrow row of out after its plane 7, IX = P'_7: 2 P'_7 + P'_6 = IX + S
; (P'_6 = S - P'_7), plane 6's other masks passed over, on at plane 5 from group 0's low page.
wp_tops_narrow:
        pop de                  ; (plane 6's groups 1 and 0, unread)
wp_tops_narrow_sum:
        ld bc,0                 ; S (wp_tables patches it)
        add ix,bc
        ld h,WP_PAGE
        jr wp_tops_plane_5
.endif
wp_tops:
        call wp_interrupts_off
        ld (wp_saved_sp),sp
        ld hl,0                 ; (alternate set) the best, the out pointer, the rows left
        ld de,(wp_out)
        ld a,(wp_rows_count)
        ld b,a
        exx
        ld sp,(wp_w)
wp_tops_row:
        pop de                  ; 7 (up): Q starts at its group 0 entry
        ld h,WP_PAGE
        ld l,e
        ld c,(hl)
        inc h
        ld b,(hl)
        .byte $DD,$69           ; ld ixl,c
        .byte $DD,$60           ; ld ixh,b
        wp_top_up_rest
.ifdef WP_NARROW_MARK_OUT
        ld a,d                  ; (a marked narrow row: wp_row's test)
        pop de
        xor e
        jr z,wp_tops_narrow
        add ix,ix
        wp_top_down_popped      ; 6
.else
        wp_top_down             ; 6
.endif
wp_tops_plane_5:
        wp_top_up               ; 5
        wp_top_down             ; 4
        ld hl,16                ; past planes 0..3
        add hl,sp
        ld sp,hl
        exx
        .byte $DD,$7D           ; ld a,ixl
        ld (de),a
        inc e                   ; ((wp_out)'s words lie within a page)
        .byte $DD,$7C           ; ld a,ixh
        ld (de),a
        inc e
        cp h                    ; above the best?
        jr c,@less
        jr nz,@more
        .byte $DD,$7D           ; ld a,ixl
        cp l
        jr c,@less
@more:  .byte $DD,$7C           ; ld a,ixh
        ld h,a
        .byte $DD,$7D           ; ld a,ixl
        ld l,a
@less:  dec b
        exx
        jp nz,wp_tops_row
        exx                     ; (HL the best)
        ld sp,(wp_saved_sp)
        jp wp_back
.endif
.endif

wp_code_end:

.ifdef WP_NARROW_WORDS
; (WP_NARROW_WORDS, thirtieth round, zxnarrow30) planes_wide.s's wp_rows_wide on rows whose narrow ones have no
; plane 6 words, here in bank 6 where it runs, out of the room below $8000:

; wide_narrow_bit_6 - the end of both forms' wp_wide_narrow_fix (a narrow row's): bit 6 of its 32 u at
; wp_table_pages set as the complement of bit 7; returns with A = 0.
        .macro wide_narrow_bit_6
        ld hl,wp_table_pages
        ld b,32
@bit_6: ld a,(hl)
        cpl
        and $80
        rrca
        or (hl)
        ld (hl),a
        inc l
        djnz @bit_6
        xor a
        ret
        .endmacro

.ifdef WP_GROUP_FORMS
; wp_wide_row_order - (WP_GROUP_FORMS) at a row's start: IX its words' order, pairs (1 << b, or 0 for words passed over;
; 32 - 8 x the plane's words) ending $FF, planes_wide.s's wp_rows_wide taking each word's group from its page: the row's
; class (at (wp_classes), which steps on) into wp_wide_class (0 for a row below wp_planes: fw_out_wide's out row, all 8
; planes, no entry); a group row (W in the class's high bits) its form's order, plane 7's count 4 - |W| patched in (none:
; the order from plane 6's, a narrow row's 5's). DE steps past a row's entry. Clobbers AF, BC and L (H: WP_PAGE).
wp_wide_row_order:
        ld ix,wp_wide_order
        xor a
        ld (wp_wide_class),a
        ld a,(wp_w + 1)
        cp wp_planes >> 8
        ret c                   ; (no class: out's row)
        inc de                  ; (past the row's entry: its words follow)
        inc de
        ld hl,(wp_classes)
        ld a,(hl)
        inc hl
        ld (wp_classes),hl
        ld h,WP_PAGE            ; (wp_rows_wide's u: wp_table_pages)
        ld (wp_wide_class),a
        ld bc,4 << 8            ; (C: |W|)
        and $F0
        jr nz,@count
        ld a,(wp_wide_class)
        rra
        ret nc
        ld ix,wp_wide_order_narrow
        ret
@count: add a,a
        jr nc,@counted
        inc c
@counted:
        djnz @count
        ld a,(wp_wide_class)
        rra
        ld ix,wp_wide_order_group
        jr nc,@form
        ld ix,wp_wide_order_group_narrow
@form:  ld a,c
        add a,a
        add a,a
        add a,a                 ; 8 |W| = 32 - 8 k
        cp 32
        jr z,@no_top
        ld (ix+1),a
        ret
@no_top:
        inc ix                  ; (k = 0: no plane-7 words)
        inc ix
        ret
; wp_wide_narrow_fix - (WP_GROUP_FORMS) after a row's words: a group row's moved groups (their lower plane's bit
; holds their plane-7 mask, bit 7 nothing) get bit 7 from it and it complemented (u = u xor lower xor 128 t), then a
; narrow row's bit 6 the complement of bit 7 (u in 64..191). A = 0 after. Clobbers F, BC, HL.
wp_wide_narrow_fix:
        push de
        ld a,(wp_wide_class)
        ld e,a
        and $F0
        jr z,@narrow
        rrca
        rrca
        rrca
        rrca
        ld c,a                  ; W: group g at bit g
        ld d,1 << 6             ; (a wide row's lower plane: 6)
        bit 0,e
        jr z,@lower_set
        ld d,1 << 5             ; (a narrow row's: 5)
@lower_set:
        ld hl,wp_table_pages
@group: srl c
        jr c,@moved
        ld a,l
        add a,8
        ld l,a
        jr @group_next
@moved: ld b,8
@column:
        ld a,(hl)
        and d                   ; t
        jr z,@t_set
        ld a,1 << 7
@t_set: xor d
        xor (hl)
        ld (hl),a
        inc l
        djnz @column
@group_next:
        ld a,c
        or a
        jr nz,@group
@narrow:
        pop de
        ld a,(wp_wide_class)
        rra
        ld a,0
        ret nc                  ; (a wide row's or out's)
        wide_narrow_bit_6
wp_wide_class:  .byte 0
wp_wide_order:                  ; soul_layout.PLANE_ORDER: 1 << b, then 0 (4 words a plane)
        .byte 1 << 7, 0, 1 << 6, 0, 1 << 5, 0, 1 << 4, 0, 1 << 0, 0, 1 << 1, 0, 1 << 2, 0, 1 << 3, 0, $FF
wp_wide_order_narrow:           ; (the same without plane 6)
        .byte 1 << 7, 0, 1 << 5, 0, 1 << 4, 0, 1 << 0, 0, 1 << 1, 0, 1 << 2, 0, 1 << 3, 0, $FF
wp_wide_order_group:            ; (a wide group row: plane 7's kept groups, patched; plane 6's 4, T[W] and the exit)
        .byte 1 << 7, 0, 1 << 6, 0, 0, 16, 1 << 5, 0, 1 << 4, 0, 1 << 0, 0, 1 << 1, 0, 1 << 2, 0, 1 << 3, 0, $FF
wp_wide_order_group_narrow:     ; (a narrow group row: plane 5 the lower one)
        .byte 1 << 7, 0, 1 << 5, 0, 0, 16, 1 << 4, 0, 1 << 0, 0, 1 << 1, 0, 1 << 2, 0, 1 << 3, 0, $FF
.else
; wp_wide_row_order - at a row's start: IX its masks' order, wp_wide_order_narrow (no plane 6) where the row's class
; (at (wp_classes), which steps on) is narrow, else wp_wide_order; a row below wp_planes (fw_out_wide's out row,
; in fw_att) has no class: all 8 planes; a row with a class has its entry first (WP_NEXT_ROW_WORDS): DE steps past it.
; Clobbers AF and L (H back on the row's u: WP_PAGE).
wp_wide_row_order:
        ld ix,wp_wide_order
        ld a,(wp_w + 1)
        cp wp_planes >> 8
        ret c                   ; (no class: out's row)
.ifdef WP_NEXT_ROW_WORDS
        inc de                  ; (past the row's entry: its masks follow)
        inc de
.endif
        ld hl,(wp_classes)
        ld a,(hl)
        inc hl
        ld (wp_classes),hl
        ld h,WP_PAGE            ; (wp_rows_wide's u: wp_table_pages)
        rra
        ret nc
        ld ix,wp_wide_order_narrow
        ret
; wp_wide_narrow_fix - after a row's planes, IX at its order's end: a narrow row's u (its 32 at wp_table_pages)
; get bit 6 as the complement of bit 7 (u in 64..191); A = 0 after. Clobbers F, B, HL.
wp_wide_narrow_fix:
        .byte $DD,$7D           ; ld a,ixl
        cp wp_wide_narrow_end & 255
        ld a,0
        ret nz                  ; (a wide row's or out's)
        wide_narrow_bit_6
wp_wide_order:                  ; soul_layout.PLANE_ORDER: 1 << b, then 24 where the groups run down
        .byte 1 << 7, 0, 1 << 6, 24, 1 << 5, 0, 1 << 4, 24, 1 << 0, 0, 1 << 1, 0, 1 << 2, 0, 1 << 3, 0, 0
wp_wide_order_narrow:           ; (the same without plane 6)
        .byte 1 << 7, 0, 1 << 5, 0, 1 << 4, 24, 1 << 0, 0, 1 << 1, 0, 1 << 2, 0, 1 << 3, 0
wp_wide_narrow_end:
        .byte 0
        .assert (wp_wide_narrow_end & 255) != ((wp_wide_order_narrow - 1) & 255), "wp_wide_narrow_fix tells the orders' ends apart"
.endif
wp_narrow_code_end:
.endif

.ifdef WP_MAKE
; wp_make - (the 128K player's: its first RUN, records128.s's planes_first_run) one matrix's 32 rows from
; matvec's layout at HL (a row: its 3-byte constant, then its 32 weights as u = w xor $80) into
; plane_bytes' layout at (wp_make_out), 32-byte aligned: a group's 8 columns from its last down, each
; u's bits rotated into B, C, D and E (planes 0-3, then 4-7 after rrca x 4), so that bit j of plane b's
; byte is column 8 g + j's; each stored at its offset in the row, wp_make_at's byte 8 g + b (build.planes_bank
; writes it from soul_layout's PLANE_ORDER and PLANES_DOWN). Clobbers AF, BC, DE, HL, IX. ~226 T-states
; a byte: the six matrices ~1,389,000 of the first RUN (python benchmarks/z80_token.py --model 128k).
        .macro wp_make_bits
        rra
        rl b
        rra
        rl c
        rra
        rl d
        rra
        rl e
        .endmacro
        .macro wp_make_store_one first, reg
        ld a,l
        and $E0
        or (ix+first)
        ld l,a
        ld (hl),reg
        .endmacro
        .macro wp_make_store first
        ld hl,(wp_make_out)
        wp_make_store_one first, b
        wp_make_store_one first + 1, c
        wp_make_store_one first + 2, d
        wp_make_store_one first + 3, e
        .endmacro
wp_make:
        ld a,32
@row:   ld (wp_make_rows),a
        ld de,3 + 7
        add hl,de               ; group 0's last column
        ld ix,wp_make_at
        ld a,4
@group: ld (wp_make_groups),a
        push hl
        .repeat 8               ; planes 0-3
        ld a,(hl)
        wp_make_bits
        dec hl
        .endrepeat
        wp_make_store 0
        pop hl
        push hl
        .repeat 8               ; planes 4-7
        ld a,(hl)
        rrca
        rrca
        rrca
        rrca
        wp_make_bits
        dec hl
        .endrepeat
        wp_make_store 4
        pop hl
        ld de,8
        add hl,de               ; the next group's last column
        add ix,de
        ld a,(wp_make_groups)
        dec a
        jp nz,@group
        ld de,-7
        add hl,de               ; the next row (35 bytes on)
        ex de,hl
        ld hl,(wp_make_out)
        ld bc,32
        add hl,bc
        ld (wp_make_out),hl
        ex de,hl
        ld a,(wp_make_rows)
        dec a
        jp nz,@row
        ret
wp_make_out:    .word 0         ; 32-byte aligned
wp_make_rows:   .byte 0
wp_make_groups: .byte 0
.endif

; The four tables: group g's low bytes on page WP_PAGE + 2 g, its high bytes on the next (the
; 128K player's bank places them first, below its code: off the tape, build.planes_bank).
.ifndef wp_table_pages
        .align 256
wp_table_pages: .res 4 * WP_GROUP_PAGES * 256
.endif
        .assert (wp_table_pages & 255) == 0, "the tables: whole pages"
WP_PAGE         = wp_table_pages >> 8
WP_LAST_PAGE    = WP_PAGE + 4 * WP_GROUP_PAGES - 1      ; group 3's high page (where a row's plane 3 leaves H)
