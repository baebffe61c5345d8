; matvec.s - out = sat16((W x + b) >> shift): an int8 matrix times an int16
; vector on the Z80, the SPEC matvec (the caller folds `post` into mv_shift).
;
; Inputs (memory, words little-endian):
;   mv_w      the matrix in the matvec layout (soulterm.zx.soul_layout.matvec_bytes):
;             each row's constant -K[r], K[r] = sum_c w[r][c]^2 (3 bytes, 24-bit,
;             negated so that the row starts add it; -K[r] + 2b[r] with
;             MV_BIAS_IN_K where the matrix has a bias) in front of its
;             weights, each stored as w xor $80 (w + 128); with more than
;             MV_MAX_COLS columns each row's constant and first cols - 32
;             columns, row by row, then the last 32 columns of every row (no
;             constant); mv_w points at the first row's constant
;   mv_x      input vector: mv_cols signed words
;   mv_bias   bias vector (mv_rows signed words), or 0 for none
;   mv_out    output vector: mv_rows signed words (must not overlap mv_x)
;   mv_carry  4*rows bytes of scratch when mv_cols > MV_MAX_COLS (the first part's
;             row sums), overlapping none of the others
;             (with MV_LOW_HLA, the 128K's, both at even addresses: the short row
;             ends step a word's low byte with inc l; forward.s asserts its buffers)
;   mv_rows   1..255        mv_cols  1..2*MV_MAX_COLS (64)     mv_shift  0..30
;   (more than MV_MAX_COLS columns: matvec_again runs as matvec)
; Output: mv_out[0..rows-1]. Clobbers AF, BC, DE, HL, IX and the
; alternate set (IY is kept: the ROM's interrupt uses it). Runs with
; interrupts off (SP walks the weights) and restores the interrupt state it
; found (IFF2, read with LD A,I). Uses the undocumented LD IXL/IYL,r (every
; Z80 has them; the assembler takes them only as bytes).
;
; How: x = 256h + l with l in -127..128, and with S(n) = n*n,
;   2 w l = S(w + l) - S(w) - S(l)   (and the same for h),
; so each product costs one table read per piece and no subtraction:
;   2 sum w x = sum S(w+l) - K - Cl + 256 (sum S(w+h) - K - Ch)
; with the row's K from the build (stored as -K, added) and Cl = sum S(l), Ch = sum S(h) once a call.
; S(n) for n = -255..255 is a low-byte and a high-byte plane two pages apart;
; IXL = IYL = w + 128 and the per-column displacement (patched into that
; column's slot once a call) is the piece - 1, so `ld e,(ix+d)` /
; `ld d,(iy+d)` read S(w + piece) with no address arithmetic. The slots are
; unrolled, one per column; a row runs the last `cols` of them. An h of -128
; (x <= -32640, no displacement for it) runs as -127 and the row's end adds
; the missing -256 w for that column.
; Narrow mode, when at most a quarter of the columns have h != 0 ("wide";
; a narrowed soul's activations are nearly all in -127..128): each other
; column's slot starts its high piece with a jp to the next slot (written
; over the exx and the next two bytes, only where the slot does not have it
; already: no slot grows), and each row's h sum starts
; at -Ch - sum S(w) over the wide columns only (mv_row_narrow, from a list of
; them) instead of -Ch - K. A call with more columns than the MV_MAX_COLS
; slots (fc2's 64) runs in two parts: the first cols - 32 columns keep each
; row's 256 V + low byte in mv_carry, the last 32 start their sums there (the
; layout has the first part's weights, row-major, then the second part's);
; the second part takes the first part's mode. A row starts and ends in the
; register set of its h sum, whose B counts the rows (the other set's B takes
; weights); -Cl and -Ch are operands of the row starts, patched once a call.
; SP walks the matrix from row to row: a row's end leaves it on the next row's
; -K, which the next row's start pops (with no SP stored or loaded a row: 30
; T-states a row less than a K pointer of its own, fifteenth round); the few
; routines that move SP or read a row's pointer between two rows put it aside
; (mv_add_bias, mv_unbias, mv_flagged, a second part's row starts, MV_ROW_SP).
;
; T-states (tests/test_kernels_z80.py, CALL and RET included, shift 9), with
; every column wide (x = 256, today's full path) / one piece (zeros, narrow):
;   32x32: 172,753 / 114,816   64x32 + bias: 340,150 / 212,740
;   32x64: 346,023 / 216,292   128x32 (logits): 651,121 / 399,784
; (with MV_PAIR_SLOTS, the 48K player's since the seventeenth round, MV_HLA_SLOTS below:
; 182,471 / 117,107, 358,060 / 202,871, 365,459 / 206,968 and 685,415 / 379,762 (182,672 /
; 117,509, 358,261 / 203,072, 365,861 / 207,370 and 685,616 / 379,963 before the thirty-ninth
; round's column pass by add ix,de, zx48colpairs39b, 6 T-states a column fewer): a narrow
; pair of one-piece columns takes one jp, a full pair 16 T-states more for its even
; column's ld ixl,c and ld iyl,c, and a narrow call after a full one runs the pass
; again, 32x32's here; 174,954 / 117,017, 344,559 / 217,149, 350,425 / 220,694 and 659,946 / 408,609
; before the low pieces summed in H:L:A (MV_HLA_SLOTS, below: the players without
; MV_LOW_SLOTS, sixteenth round), 3 T-states a product less, 27 more a row here, where
; the row starts turn A:HL into that form;
; narrow 117,753, 218,013, 222,398 and 409,461 before the column pass read h and S(l)'s
; place from x + 127, ~23 T-states a one-piece column less, sixteenth round; the full
; path's the same, its sign test's 10 T-states a column now the test for h = +128;
; 174,962 / 117,761, 344,567 / 218,021, 350,441 / 222,414 and 659,954 / 409,469
; before mv_prepare kept its bias test in F', 8 T-states a call, fifteenth round;
; 176,997 / 119,763, 346,602 / 220,023, 353,028 / 224,935 and 667,749 / 417,231
; before each row's -K went in front of its weights, popped where SP is: ~60
; a row less, full or narrow, ~30 a biased one, 10 a second part's, and ~100
; a two-part call, which keeps mv_w (the matrix's label, for the probes' attribution);
; 35 more a part before the shift chains' entry went inline, mv_chain_at; narrow 120,054, 220,570, 225,261 and 418,290 before a narrow row's start
; added -Cl's top byte as an immediate, 8 a row less; 177,578 / 120,984, 347,183 / 221,692, 354,190 / 227,505 and 668,330 /
; 419,412 before the column pass summed Cl's low word in IY, ~17 a column less,
; ~29 a one-piece one, and tested a slot's jp with bit 4, 6 less a one-piece
; column in a narrow pass; 32x64 357,785 / 231,100 before each part's weights were
; laid out apart, soul_layout.matvec_bytes: no skip over the other part's
; columns, ~112 a row; 177,879 / 121,285, 347,740 / 222,249, 358,387 / 231,702 and 669,399 /
; 420,481 before an even count's rows went straight to their first slot, 8 a
; row less, and the preparation lost the preload's patch;
; 178,622 / 121,767, 349,155 / 223,147, 359,495 / 236,355 and 672,158 /
; 422,211 before the column pass stepped IX by its low byte, ~2 a column
; less, a narrow second part with no wide column took mv_row_resume's row
; start, ~115 a row less, 5 more a narrow call for the look, the row
; constants were stored as -K, added: 16 less a full row, 8 a narrow one, SP
; popped them: 5 less a row, and a second part's row start had the first
; part's column count as an immediate: 10 less a row.)
; (in this order, narrow after full: the first narrow call, 32x32, pays for
; the switch; the preparation patches the slots for the mode of the call
; before, and a call of the other mode patches them again: 7,320 to narrow
; mode, 8,043 back to the full path for 32 columns of 32 rows, against
; 114,534 and 178,709 after a call of the same mode. Before this round's
; jp and row operands: 179,265 / 122,570, 351,142 / 230,951, 360,589 /
; 246,985, 674,913 / 435,910; switches 4,213 and 7,445.)
; Full: 143 a multiply-accumulate on average (138 in its slot, 141 before
; MV_HLA_SLOTS; a 10 T-state pop every two, and with MV_PAIR_SLOTS 16 for the even column's
; ld ixl,c and ld iyl,c: 151; a carry into a sum's top byte costs 1 less), 382 a row at
; shift 9 (442 before the row constants went in front of the weights, 450 before mv_odd_start, 471 before -K and its pop; +24 a bit of right shift above 9, -24 a
; bit below: 342 at shift 7; below that the row's end shifts left instead, 29
; a bit: 388 at shift 6, 562 at shift 0; 8 or more bits of right shift move a
; whole byte first: 418 at shift 16; each 60 more before), 124 more for a bias (94 before: mv_add_bias
; puts SP aside) and ~389 a column in the call's
; preparation, which matvec_again skips; a row with an x <= -32640 takes a
; few hundred more. Narrow: 84 a one-piece product (79 in a pair of them with MV_PAIR_SLOTS,
; one 10 T-state jp over both high pieces; 87 before MV_HLA_SLOTS; 59 less; 89 with the jr
; before), ~431 a row (~491 before the row constants went in front of the weights, ~499 before the immediate, ~507 before mv_odd_start, ~520 before -K, ~550 before) and ~190 more for each wide column (its
; S(w)), ~297 a one-piece column in the preparation (~250 with MV_PAIR_JPS_KEPT, the pairs' jps
; kept: 45 an even column and 50 an odd one less, no check of its jp; ~320 before x + 127, ~355 before Cl's low word
; went to IY, add iy,de, and the wide columns were counted instead of the
; others; ~378 before the jp, written only where missing). Two parts: ~530 more a row than one (~540
; before the row constants went in front, ~650 before each part's weights lay apart). (A row:
; 33 rows less 32 of 32 columns, less the products; 493 / ~550 at shift 9
; before the row pointers moved into the row code's operands and a narrow
; row start took its own copy of mv_l_from_k.)
; Bytes: 2,663 (the shipped 48K player's since the thirty-ninth round's column pass by add ix,de, zx48colpairs39b, 4
; fewer; 2,667 since zx48proj39: MV_NARROW_NO_H, 8 fewer, and
; MV_NARROW_ENDS' mv_narrow_chain, 52, its entry's patches and the row's word in HL', 40; python
; benchmarks/zx48_code_bytes.py); 2,583 (since the thirty-eighth round's merges: zx48norms38's MV_HZ_ENDS out, its room
; the norms' products' tables' and the small spends', 2,596; zx48room38's mv_store_relu left out with FW_FC1_BYTES, 13 fewer); 2,950 (since the thirty-seventh round's merge: MV_HZ_ENDS taken again in the room zxfc2_37
; freed, 354 more, with zx48room37's mv_w and mv_x in MEMBOT, 4 fewer; MV_WIDE_PM1 assembles nothing beside it); 2,596 (the shipped 48K player's since the thirty-seventh round: zx48room37's mv_w and mv_x in the ROM
; calculator's MEMBOT, SCRATCH_VARIABLES, 4 fewer; zx48proj37's MV_WIDE_PM1, mv_row_narrow's walk, mv_row_any and
; mv_wide_sum out, mv_hz_wide and its forms, 126 and 32, its prepare, the pass's flag and matvec's look at a second
; part in, mv_wide_h and mv_wide_h_pm1, 43, assembled only where called: the same bytes, python
; benchmarks/zx48_code_bytes.py); 2,600 (since the thirty-sixth round's merge of zx48logit36: WP_TOPS_BYTES in
; MV_HZ_ENDS' place, its short row ends left out, 354 fewer); 2,954 (since zx48fc1g36, thirty-sixth round: no coarse call, MV_COARSE_UNCALLED,
; 986 fewer; 3,940 the shipped 48K player's since zx48ffn32, thirty-second round: MV_GATE_SHORT, fc1's gate as the coarse
; slots' end, its rows stored there and through mv_hz_left's chain: no mv_gate, mv_store_zero nor mv_coarse_check, 18 fewer;
; 3,958 since zx48room30, thirtieth round: SHORT_FORMS' mv_clip by inc hl, 2 fewer;
; 3,960 since zxroom48e, twenty-eighth round: MV_HZ_ENDS back, 368 bytes, in the room of
; mv_k_toggle's forms as a table, 61, the ungated coarse call's pairs (SOUL_OUT_PLANES: it runs exact), 30, and matvec_again's
; x kept (MV_NO_AGAIN), 24; 3,707 since zxsparse48, twenty-seventh round: no MV_SPARSE, 463 bytes with MV_PAIR_REWALK,
; fc2 through nzmatvec.s's matvec_nz, whose fallback runs dense; 4,170 since zxlogits48: no mv_exact_row, 71 bytes, whose
; logits' bound is gone (SOUL_OUT_PLANES); 4,241 since zxroom48d, twenty-sixth round: MV_PAIR_JPS_KEPT back in the room of forward.s's
; fw_att, on planes.s's first table page; 4,200 since the planes' rung, zxplanes48: no MV_HZ_ENDS, MV_COARSE_TOP
; nor MV_PAIR_JPS_KEPT, their room planes.s's; 4,658 with them and the twenty-fifth round's MV_FOLDED_BIAS, fc1's calls narrow
; whatever their wide columns, 9 bytes; 4,649 with zxends48b's mv_hz_wide, the short ends for rows whose wide columns
; all have h = +-1, 206 bytes: mv_hz_wide and mv_hz_wide_end 142, their forms 32, mv_hz_prepare 32 more;
; 4,443 with the twenty-fourth round's MV_HZ_ENDS alone, the narrow rows' short
; row ends, 162 bytes: mv_hz_prepare 93, mv_hz_left's 3 steps 18, mv_hz_store 16, mv_hz_clip 8, mv_hz_add 21,
; mv_part's call and ld hl,(MV_OUT_PTR) 6; 4,281 before,
; with the twenty-third round's MV_SHORT_K, 172 bytes: the
; call's check of its form, 11, mv_k_toggle and its stores, 155, the pass's add to -Cl's top byte,
; 2, mv_gate_prepare's test of mv_store_relu by its address, 4; the matrices' 2-byte constants give 384 back; 4,109 before,
; with the twenty-second round's raw logits' rows, MV_CT_RAW:
; mv_coarse_top two doublings and the store, its range check, five doublings and clip out, and
; mv_coarse_prepare's patches of them, 58 bytes fewer; 4,167 before,
; with the twenty-first round's jr over the low displacements' stores in
; a coarse call's pass, MV_GATE_PASS's, 16 bytes; 4,151 before, with MV_PAIR_JPS_KEPT: mv_pairs_back,
; mv_pair_jps, mv_run_list's entries and the jps a sparse call's undo and rewalk write, 120 bytes, less
; the pass's checks of the one-piece columns' jps, 80, and MV_GATE_PASS, a coarse call's pass writing no
; slot, 19 bytes, and mv_exact_row's pass after it, 11 (with both, 1 more: a coarse call's pass lists no
; pair for mv_pairs_back, which only an exact pass that expects narrow mode calls); 4,080 before, with the nineteenth round's MV_PAIR_REWALK, mv_sparse_rewalk
; for the pairs, 150 bytes, and MV_LEAST_SHIFT = 4: no right shift, the left chain 3 steps, 109 bytes
; fewer; 4,039 before both, with the seventeenth round's slot pairs, MV_PAIR_SLOTS, 64 bytes more in the slots and 63 in the code, and MV_COARSE_TOP's 107 since the eighteenth round's room; 3,932 without it; 3,805 before both; 3,811 before MV_HLA_SLOTS, sixteenth round; in the 48K player, the sixteenth round's sparse walk a pair at a time and mv_sparse_part's test from memory (19;
; 3,792 before), its stores (mv_store_add, mv_store_relu, mv_store_zero and the gate's choice of it: 69; 3,723 before) and MV_COARSE's and MV_BIAS_IN_K's 1,138 (sixteenth round, zx48b; 3,712 before the merge with
; zxprep3's column pass from x + 127 and its shared check of the wide columns' h;
; 2,574 before; 3,782 before the merge with zxwide's coarse blocks, 3,798 then with MV_COARSE alone) and MV_SPARSE's 251 included; the 16 slot pairs
; take 848 with MV_PAIR_SLOTS (784 without, 816 before MV_HLA_SLOTS, sixteenth round); 2,542 before MV_NARROW_JUMP went into the 48K player and took mv_row_narrow@h_zero's form, 1 more
; than without mv_prepare's bias test in F'; 2,571 before the row constants went in front of the weights, with no K pointers, no
; SP stored a row and mv_fixup counting from the row's end; 2,343 without MV_SPARSE before the immediate (2 bytes less); 2,573 before the immediate, 2,572 before Cl's low word went to IY,
; 2,596 before each part's weights lay apart, 2,599 before mv_odd_start, 2,343 before the jp round). An odd count's rows enter their first slot through
; mv_odd_start (dec sp, pop bc: B = the first weight), 26 T-states a row.
;
; Sparse calls (MV_SPARSE, an option both players have, 251 bytes (232 before the sixteenth round's walk a pair
; at a time and mv_sparse_part's test from memory; 230 before the row constants went in front
; of the weights, which the first part's row start steps over; 232 before the pass counted the wide columns);
; docs/spectrum.md, "Sparse fc2"): a two-part call (fc2's, on ReLU's output)
; whose parts each have every x in -127..128 and at most MV_SPARSE_MAX nonzero
; runs only the nonzero columns' products: with h = 0, 2 sum w x = sum S(w + l)
; - sum S(w) - Cl over the nonzero columns, no K. A zero column's slot starts
; with a jr to the next slot; a nonzero column's high piece subtracts S(w) from
; the l sum instead (mv_sparse_piece); the first part's rows start without K
; (mv_row_sparse, which steps over it). 32 rows x 64 columns: 84,353 T-states with every x 0 after
; the same call (MV_SPARSE alone; 94,221 before the sixteenth round's walk a pair at a time (mv_sparse_walk,
; ~88 T-states a zero column against ~167, each walked twice: the call's and the next call's undo) and
; mv_sparse_part's test from memory (51 a zero column, 59 before); 94,267 in this header before; 95,316 before the row constants went in front of the
; weights, 100,379 when first measured, 119,443 before the column pass's short way
; below and mv_row_resume for the second part), ~5,200 more a nonzero column (~4,950 before the walk a pair at a time: a nonzero column's piece is a call from it),
; against 231,702 (narrow); ~1,400 more
; for a call that is not sparse (the look at x). The next call puts the slots
; back; with MV_LOW_SLOTS (the 128K's options, MV_SPARSE_REWALK) a second part starts
; from its first part's slots instead (mv_sparse_rewalk): on the 128K's options
; (MV_LOW_SLOTS, MV_SPARSE, MV_BIAS_IN_K) 89,343 -> 86,191 with every x 0 after the same
; call, 128,309 -> 124,235 with 4 + 4 nonzero columns (2 shared) after zeros; since the nineteenth
; round the 48K's too, a pair at a time (MV_PAIR_REWALK; its options, 32 x 64 at shift 9 with a
; bias, default_rng(0)'s w: 98,425 -> 92,072 with every x 0 after the same call, 138,439 ->
; 133,179 with 4 + 4 nonzero columns (2 in the same slots) after zeros, 140,163 -> 134,903 the same
; again). The column pass of a sparse call takes each zero column after a part's
; first in ~112 T-states, not ~280 (@sparse_column: only its $FF low
; displacement, the pass counting the wide columns; matvec patches the pass's
; djnz, 27 T-states a call). With MV_SPARSE_PAIR_SKIP (the 128K player's, twenty-third
; round: mv_pair_skip_routines, 504 bytes after forward.s; matvec.s's own bytes as
; without it) a pair of zero columns takes one jr, 12 T-states a row less, and a run of
; 4 or more of them a jp to a stub that steps SP over their weights, 65 a row for the
; run against 22 a pair: 32 x 64 with 3 + 3 nonzero columns (26 zero pairs), 100,166 ->
; 81,362 T-states after the same dense call (the 128K's kernels' options,
; default_rng(2042)'s w, bias and x: tests/test_kernels_z80_sparse.py's first layout).
; With it too (twenty-third round, zxundo128) a sparse call with a part all zero runs the other
; part alone as a whole call (mv_zero_part_split, 137 bytes in mv_pair_skip_routines; its hooks
; here calls in place of a call and an ld): that layout's w and bias, x with 2 nonzero columns
; in one part and none in the other, 82,445 -> 40,878 T-states after the same dense call (81,671 ->
; 41,693 with the zero part first; ~55,400 with its pairs' stub alone), and the first layout's
; 81,362 -> 81,645 (each part's count kept, the split's test: 283 a two-part sparse call).
; With it too (twenty-fourth round, zxreply128b) a sparse call's undo is put off past the calls
; that run no main slot (mv_undo_put_off, mv_kept_pass, mv_kept_undo: 197 bytes in
; mv_pair_skip_routines; their hooks here a call in place of a call, and a call and a nop in place
; of the pass's exx and ld hl,0; 16 bytes fewer here, the rewalk leaving a zero column's piece):
; the first layout's dense call after the sparse one 186,614 -> 182,312 T-states (no undo), the
; sparse call 81,645 -> 81,442 from undone slots and 80,876 rewalked from the same call's slots.
; With it too (twenty-fourth round, zxpass128) a sparse call's column pass of MV_MAX_COLS columns
; (each of fc2's parts) goes a pair of slots at a time (mv_sparse_pairs, 104 bytes in
; mv_pair_skip_routines with mv_kept_pass's look; mv_prepare@entry and @next_slot patched for the
; pass): a zero column 63 T-states, not 112, a nonzero one through the pass above and back from
; @next_slot; the first layout's sparse call rewalked past the dense call 80,876 -> 78,438, from
; a fresh bench 88,000 -> 85,493.
;
; MV_COARSE_UNCALLED (thirty-second round, zxcoarse32: the 128K player's where both fc1s and the
; logits run by their planes, FW_FC1_PLANES_L0 with SOUL_OUT_APART, so that no code asks for a coarse
; call): the coarse slots, their wide blocks, row ends, prepare and gate, mv_low_deferred, mv_exact_row,
; mv_hz_prepare's gated path, matvec_ends.s's gated and raw ends and mv_coarse_on itself left out (a
; caller that writes it no longer assembles), and the pass's looks at it: matvec.s 6,477 -> 5,235 bytes
; in the 128K player, matvec_ends.s 195 -> 90; the exact calls' low row start, mv_coarse_k, stays.
;
; Coarse calls (MV_COARSE, the 128K player's, for its logits and fc1: 1,167 bytes
; here with the 128K's other options, MV_LOW_HLA's included, and with the 128K player's
; MV_COARSE_PAIRS (nineteenth round: a pair summed in A where it cannot carry, 79 T-states
; against 86; 128K "hello" 1,443,807 -> 1,433,807 a position) 8 fewer here and 399 in
; mv_pairs_routines, which the player lays after forward.s (326 here before the twentieth
; round, zxpairs2, whose logits' finer test and cheaper walks took "hello" 1,430,976 ->
; 1,428,801 a position, 1,797,353 -> 1,794,060 a reply step) (1,181 before the h check
; went into mv_wide_h_pm1, shared with the low slots, 1,273 before the sixteenth
; round's wide columns in their slots, 1,233 before the rows with no h
; sum, mv_row_h_zero, fifteenth round; 1,175 before the coarse row starts) and 108 in forward.s; docs/spectrum.md, "The logits' argmax bound on coarse
; slots" and "Thirteenth round"): a narrow whole call of an even count, asked for
; with mv_coarse_on, its wide columns at most 6, each with h +-1, adds only the
; high byte of each S(w + l) in slots of its own (43 T-states a product; a wide
; column's high piece, +-2w, in a block of its own from its slot, 46 or 62 more,
; mv_coarse_wide), so each row is a lower bound within (255 * cols
; + 2^(shift+1) - 1) >> (shift + 1) (255 * (cols + 1) with MV_COARSE_TOP, whose
; ungated calls at a shift of 7 or less end their rows in mv_coarse_top, leaving
; out the row's own low byte too), and mv_exact_row computes a row of it again
; exactly. 128x32 on zeros at shift 9 with the 128K's options
; (tests/test_kernels_z80_coarse.py, each after the one before): 224,533 coarse
; against 349,055 exact, with one wide column 231,615 against 356,739, with four
; 252,581 against 379,729 (227,021 / 349,057, 234,123 / 356,741 and 255,146 / 379,731
; before the twenty-first round's MV_RAW_PASS, the coarse call's pass writing no slot, ~78
; T-states a one-piece column less, 2 less for the other calls, whose look at it moved;
; 227,106 / 349,142, 234,208 / 356,826 and 255,231 / 379,816 before mv_hz_prepare wrote only the rows' next jumps its ends take, eighteenth round,
; zxends2; exact 349,465, 357,086 and 380,043 before the eighteenth
; round's low slots' pass took l - 1 in C, 3 T-states a quad's column, its first slot
; 0 without mv_low_slot_at, 121 a call, and mv_low_prepare its slot 0 without the
; pairs' walk and the blocks' pointers only with wide columns, 54 and 52; 227,069 / 349,428, 234,171 / 357,049 and 255,194 / 380,006
; before matvec_again's short look, seventeenth round: 37 a call for matvec's clear
; of mv_hz_again and mv_hz_prepare's test of it; exact 349,852, 357,364 and 379,774 before the seventeenth
; round's low slots' pass four columns a step, @low_quad: four wide columns in a row
; leave it and come back four times; shift 9: the seventeenth round's short row ends, for shifts
; up to 7, do not serve, and the slots' ends take 10 T-states a row for their jp, ~150
; a call for mv_hz_prepare's look; at shift 4, the logits', 217,507 / 340,290, 224,609 /
; 347,802 and 245,632 / 370,212, 231,797 / 354,585, 238,899 / 362,097 and 259,922 /
; 384,510 before them; 225,648 / 348,436, 232,750 / 355,948 and 253,773 / 378,361 at
; shift 9 before them; 378,358 before the sixteenth round's stores after mv_store
; moved the code after them, a layout effect; 226,340 / 352,140, 233,326 / 360,150 and 254,244 / 384,080
; before x + 127's pass and the low slots written by it a pair at a time, sixteenth
; round, whose choice the coarse call's pass pays for; 226,314 / 352,132, 255,116 / 376,316 and 324,935 / 440,089
; before the sixteenth round's wide columns in the coarse and low slots' blocks, 26
; and 8 T-states more a call with none for the looks at them; 230,226 / 356,003, 255,971 / 377,130 and 325,790 / 440,903
; before a row with no h sum started at mv_row_h_zero, 24 T-states a row less, a coarse or
; low row's start kept D = 0, 7 less, and mv_prepare its bias test in F'; 237,698 / 364,719, 265,848 / 385,846 and 335,667 / 449,619
; before the row constants went in front of the weights and the low rows took the coarse
; rows' start, no SP stored or loaded a row; 35 more each before mv_chain_at; 237,717 / 373,515, 265,867 / 394,642 and 335,686 /
; 458,415 before the low slots' H:L:A form, the exact call's, 16 more a call for
; mv_low_check's patch; 239,899 / 374,539, 268,049 / 395,666 and 337,868 /
; 459,439 before the coarse row start added -Cl with adc hl,de, 17 a row less, and
; the narrow one -Cl's top byte as an immediate, 8 less; 239,744 / 375,520, 267,914 / 396,615 and 337,733 /
; 460,292 before a narrow pass left the one-piece columns' slots alone; 240,866 / 376,642, 269,012 / 397,713 and 338,759 /
; 461,318 before Cl's low word went to IY and bit 4's test; 245,886 / 380,264, 274,403 / 401,370 and 344,150 /
; 464,975 before the coarse rows' own start, MV_BIAS_IN_K, mv_odd_start and
; mv_row_narrow_k;
; 247,589 / 383,318, 276,618 / 416,284 and 347,901 /
; 504,939 before docs/spectrum.md's "The column pass's zero columns"; 255,370 /
; 384,903, 292,952 / 416,917 and 390,520 / 505,714 before the gate, the wide
; columns' blocks, the coarse row end, the low slots left alone and
; MV_NARROW_JUMP); a row again 13,905 the first after a coarse call (MV_RAW_PASS: the main
; slots' pass with its jps checked, which the coarse call left out), then 3,986 (3,954 before
; MV_RAW_PASS, 32 less for the look at the pass; 3,944 before mv_rows_run's ld hl for the short row
; ends, seventeenth round; 3,937 before mv_rows_run set the slots' D = 0, 7
; a call; 4,058 before the row constants went in front of
; the weights, 4,068 before the main slots ran on into
; mv_row_end, 4,076 before the narrow row start's immediate; 4,153 before MV_BIAS_IN_K, which leaves
; it no bias pointer to set, mv_odd_start and mv_row_narrow's look at the wide
; count; 4,166 before -K; the main slots' narrow
; mode: 3,849 on the low slots before). A call asked
; for with MV_COARSE_GATE (fc1's: ReLU follows) has each row's end (mv_gate) keep
; the coarse output where ReLU zeroes the exact one anyway and add the row's low
; bytes through slots of their own elsewhere (exact): 64x32 at shift 6 on zeros,
; every row gated 120,485, every row summed again 216,782, exact 170,225 (one wide
; column 124,874, 221,380, 174,965; with MV_GATE_QUADS, the 128K player's since the twenty-second
; round, the gated pass through quads without their stores: 118,860, 215,157, 170,252 and 123,344,
; 219,850, 175,019; 120,487, 216,784, 170,227 and 124,876, 221,382,
; 174,967 before MV_RAW_PASS's look at mv_pass_main moved past the low slots' pass; 120,477, 216,774 and 124,866, 221,372 before
; mv_hz_prepare's jp to the logits' raw rows, matvec_ends.s's mv_hz_raw, in its gated
; path, eighteenth round; 120,515, 216,812, 170,280 and 124,904, 221,410,
; 175,020 before mv_hz_prepare's next jumps and mv_gate_relu's choice, zxends2 (these
; calls store plainly: mv_gate_relu takes fc1's, with ReLU); 120,515, 216,812, 170,388 and 124,904, 221,410, 175,128 before the
; eighteenth round's stores at even addresses, inc l, and fc1's gate test by V - Tv's sign
; (zxends); 120,708, 217,005, 170,687 and 125,086, 221,592, 175,364 before the eighteenth
; round's low slots' pass: l - 1 in C, -96 for 32
; columns, slot 0 without mv_low_slot_at, -121, mv_prepare's look for matvec_again
; at a shift below 7, +24, and mv_low_prepare's slot 0, -54, and the blocks' pointers
; only with wide columns, -52, exact; 120,671, 216,968, 170,598 and 125,049, 221,555, 175,275
; before matvec_again's short look, seventeenth round: 37 a call, 52 more where the
; exact call marks mv_hz_again; 121,095, 217,392, 171,022 and 125,364, 221,870, 175,590
; before the seventeenth round's low slots' pass four columns a step; with fc1's store, mv_store_relu, which the short row
; ends' gate takes, 111,296, 220,598, 181,445 and 115,652, 224,954, 185,936; 120,216,
; 216,513, 177,829 and 124,485, 220,991, 182,397, with mv_store_relu 117,040, 219,184,
; 180,466 and 121,396, 223,540, 184,957, before the seventeenth round's short row ends
; (the gate without mv_store_relu does not take them); 120,179, 216,476, 124,448 and 220,954 before the
; sixteenth round's look at mv_store_relu, 37 T-states a gated call; 122,074, 218,339, 181,533 and 126,148, 222,654, 186,343
; before x + 127's pass and the low slots written by it a pair at a time, sixteenth round;
; 122,048, 218,313, 181,525 and 136,738, 233,122, 194,125
; before the sixteenth round's wide columns in the slots' blocks; 123,976, 220,241, 183,412 and 137,145, 233,529, 194,491
; before mv_row_h_zero and the rows' D kept 0; 127,800, 224,065, 187,776 and 142,158, 238,542, 198,855
; before the row constants went in front of the weights; 128,913, 224,026, 188,297 and 143,271, 238,503,
; 199,376 before the coarse rows' low byte in A', mv_gate's zeroed rows straight to
; the shift's target (-10 a row), the gate's patch of it (+36 a call) and mv_chain_at; 128,897, 224,010, 192,642 and 143,255, 238,487,
; 203,721 before the low slots' H:L:A form; 129,991, 225,104, 193,154 and 144,349, 239,581,
; 204,233 before the coarse and narrow row starts' -Cl above; 130,924, 226,057, 194,135 and 145,270, 240,502,
; 205,182 before a narrow pass left the one-piece columns' slots alone; 132,046, 227,179, 195,257 and 146,368,
; 241,600, 206,280 before Cl's low word went to IY and bit 4's test; before the coarse rows' own start and
; MV_BIAS_IN_K, which spare these biased rows mv_add_bias: 140,515, 235,648,
; 203,096 and 155,016, 250,248, 214,154; 141,386, 236,519, 205,318 and 156,143,
; 251,375, 222,220 before "The column pass's zero columns"). A call that does
; not ask pays 27 T-states for the look at mv_coarse_on.
; MV_COARSE_TOP (the 48K player's where the soul leaves room beside MV_PAIR_SLOTS, which
; build.py takes first; the shipped 48K has the pairs and not this, seventeenth round: 107
; bytes; the 128K's coarse rows end in MV_LOW_HLA's row ends instead) ends an ungated
; coarse call's rows (the logits') at a shift of 7 or less in mv_coarse_top: 128x32
; on zeros at the logits' shift of 4 with the 48K's options and it (tests/test_kernels_z80_coarse.py,
; MV_PAIR_SLOTS included) 216,939, 224,106 and 244,629 with 0, 1 and 4 wide columns against
; 231,843, 239,010 and 259,533 without it (-116 T-states a row); at shift 9, where it does
; not serve, 224,360 / 377,846, 231,527 / 412,238 and 252,484 / 491,124 (98 more a call than
; without it, for the look at the shift; a gated call 66 more, for the slots' end
; written back); a row again 14,212, the first after a coarse call (its column pass, which
; the coarse call left out: MV_GATE_PASS), then 3,728. (The thirty-ninth round's column pass by
; add ix,de, zx48colpairs39b: 6 T-states a column fewer, 11 at a page step; 224,112 and 244,653,
; 239,016 and 259,557, 378,047, 231,533 / 412,439, 252,508 / 491,325 and 14,413 before it.) (The coarse calls 1,125 more, the exact
; ones 12, before the twenty-first round's jr over the low displacements' stores in a coarse
; call's pass, branch zxsmall48: 37 T-states a column less, 59 a call for the patch and its
; undo; 221,205, 228,504 and 249,221; 236,109,
; 243,408 and 264,125; 228,626 / 373,588, 235,925 / 412,396 and 257,076 / 491,140 and a row
; again 3,696 before the twenty-first round's MV_GATE_PASS, whose coarse calls' pass writes no
; slot, ~100 T-states a one-piece column less, and whose other calls pay 58 for the look at
; mv_coarse_on before the pass and at the pass after it, 46 since the jr over the stores; the exact call after the first coarse
; ones here writes the one-piece columns' jps that the coarse calls no longer write.) (Before the pairs: 220,546, 227,735 and 248,324 against
; 235,450, 242,639 and 263,228; 228,054 / 393,409, 235,156 / 428,779 and 256,179 / 504,209;
; 3,856.)
;
; MV_BIAS_IN_K (the 128K player's option; its soul's row constants are then
; -K + 2b where the matrix has a bias, soul_layout.matvec_bytes): a narrow or
; coarse row start adds the bias with -K, not through mv_add_bias (94 T-states
; a row less). A sparse call's first part, which skips K, still adds it; a full
; call's rows put -K + 2b into both sums and take 2b out of V at the row's
; end (mv_unbias, 151 T-states a row against mv_add_bias's 124, each with SP put
; aside; 121 and 94 before the fifteenth round). -12 bytes with
; the 128K's other options (the coarse rows need no bias start of their own).
;
; With MV_BIAS_IN_K, mv_row_narrow_k takes MV_NARROW_JUMP's place (a narrow
; row with no wide column to walk starts there, chosen once a call, and runs on
; into mv_jump): MV_NARROW_JUMP then assembles nothing.
;
; MV_LOW_HLA (the 128K's options: MV_COARSE, MV_LOW_SLOTS and MV_BIAS_IN_K): the
; low slots' rows start as the coarse ones do (mv_row_coarse_start, its -Ch, -Cl
; and first slot patched by the column pass and mv_low_prepare: MV_NARROW_START
; chooses it where the low slots are set for x), the sum made in their H:L:A form
; straight from the row constant: 8 T-states a row less than mv_narrow_k's A:HL
; and mv_low_entry's turn of it (~80 a call more in the preparation). The slots'
; D (the coarse and low ones add a byte with it at 0) stays 0 from row to row
; (mv_rows_run sets it once a call), so that their rows' start pops the
; constant's low byte into C and adds -Cl's top bytes with ld bc,n: 7 T-states a
; row less than ld d,0 (fifteenth round).
;
; The short row ends (MV_LOW_HLA, seventeenth round: mv_hz_*, after mv_gate_slots): a
; low or coarse row with no h sum (mv_row_h_zero's) ends with its whole doubled sum in
; the slots' H:L:A, so it shifts and stores there (the row's word in the other set's HL,
; MV_HZ_PTR), with no move of V to the other set and no test of its top byte: a low
; row of 32 columns at shift 4 takes 219 T-states besides its products, its start
; included, against 336 (its end 70 + 87 of shifts against 173 + 87). Its row start
; pops the constant's low byte with dec sp, pop af (4 less),
; a whole call's of 32 columns runs on into its slots (mv_row_low_whole,
; mv_row_coarse_whole: no jp, 10 less), a first part keeps its sums through mv_hz_keep
; and its second part starts at mv_row_hz_resume (~90 less than mv_row_resume's start),
; and fc1's gate zeroes its rows through mv_hz_gate. mv_hz_prepare chooses them once a
; part (~500 T-states; ~150 where they do not serve); shifts above 7 and any other
; call end as before, 10 T-states a row more for the slots' ends' jp.
; The sparse calls' (fc2's, zxpass2): a sparse row has no h sum either, its whole doubled
; sum in the main slots' A:HL: mv_row_end's first bytes become a jp to mv_hzs_keep (the
; first part: 3 bytes a row into mv_carry) or mv_hzs_end (the second: A:HL turned into
; mv_hz_left's H:L:A, on through the low slots' end's jp to the chain and mv_hz_store),
; the first part's rows start at mv_row_hzs (mv_row_sparse's tail, its h sum not set) and
; the second's at mv_row_hzs_resume (the first part's sum - Cl); mv_sparse_undo puts
; mv_row_end back. A 32x64 sparse call with a bias and the adding store (fc2's), after
; the same call, 4 + 4 nonzero columns: 131,962 -> 124,381 T-states at shift 4, 129,059
; -> 121,646 at 6, all zero 90,286 -> 83,097 at 4; at shift 9 (no short end) 129,817 ->
; 129,363 (mv_row_sparse reads -Cl in place). 134 bytes in that form; 201 now (seventeenth
; round, zxlast: the first form, whose -Cl, bias jp, carry pointer, chain entry and jump
; are patched into mv_row_hzs and mv_row_hzs_resume once a part and whose keep loops on
; its own, ~60 T-states a row less; "hello" 1,504,535 -> 1,502,028 a position).
; MV_HZ_ENDS (the 48K's where it has the room, twenty-fourth round: mv_hz_* in mv_slots' form, after
; mv_chain_at): a narrow row of a whole call with no wide column (mv_row_narrow_k's) starts at mv_row_hz
; (no h sum set, 17 T-states less) and ends through mv_row_end's first bytes, a jp to mv_hz_left's entry
; for the shift, in mv_hz_store or mv_hz_add (118 less, 101 at shift 7; mv_store_add's way 168 and 151);
; mv_hz_prepare ~400 a call where they serve, ~110 where not. 32x32 with a bias on one-piece x after
; the same call, the 48K's options with MV_LEAST_SHIFT = 4 (tests/test_kernels_z80_rowends48.py): shift 4
; 101,886 -> 97,972, shift 7 98,475 -> 95,066; adding 103,550 -> 99,120 and 100,139 -> 96,214 (97,935,
; 95,029, 99,083 and 96,177 before mv_hz_wide's look, 37 a call; each 201 fewer since the thirty-ninth round's
; column pass by add ix,de, zx48colpairs39b, and so below). With MV_PAIR_SLOTS (zxends48b) a narrow
; call whose wide columns all have h = +-1 (mv_row_narrow's rows) ends short too: mv_hz_wide writes each
; wide column's high piece as +-2(w + 128) into the slots' H:L (their -256 and +258 in -Cl), its rows
; start at mv_row_hz with no walk, and mv_hz_wide_end puts the pass's form back at the call's end; the
; same 32x32 with 6 such columns 149,869 -> 124,954 at shift 4, 146,458 -> 122,048 at shift 7.
;
; With MV_LOW_SLOTS, a column pass that expects narrow mode writes the low slots'
; displacements, not mv_slots' (sixteenth round: IX on the low slots and their step
; patched, mv_pass_low): most narrow calls run them, and mv_low_prepare no longer
; copies each column's from mv_slots (mv_low_copy, ~53 T-states a column and 416
; bytes); a wide column is only listed there, its block written after the pass from
; x and mv_wide_list; from an even first slot four columns a step (@low_quad, seventeenth
; round: ~149 T-states a one-piece column since the eighteenth round took l - 1 into C from
; x's own low byte, ~152 before, ~166 a pair at a time, ~211 one at a time, counted). A call that turns
; out to need the main slots runs the pass again for them (a 32x32 call on zero
; weights full after narrow 24,505 T-states more than after full, 9,180 before; narrow
; after full 16,509 more than after narrow, 8,536 before): a full one, a second part held narrow with
; more than MV_LOW_WIDE_MAX wide columns or a narrow call with a wide column of another h
; than +-1, which the low blocks have no form for (mv_pass_main; the low slots' pass
; leaves at the first such column, @record_low, 34 T-states a wide column), and a
; narrow call after a full one for the low slots (its main slots' pass, expecting full,
; wrote mv_slots). A sparse
; call's pass and the logits' (coarse, ungated: mv_exact_row follows, on the main
; slots) write mv_slots as before: the sparse call's leaves a one-piece column's slot
; as it is (mv_sparse_walk's), the logits' checks the jps (~1,000 T-states for 32
; columns against mv_one_piece_walk's ~4,200). Where the main slots need them after a
; pass that left them, mv_one_piece_walk writes them from mv_wide_list: the jps for a
; second part that runs the main slots narrow, and for a call that turns out full the
; high pieces back with S(w + 0)'s displacements (mv_restore_high after it only for
; fewer than MV_MAX_COLS columns, for the slots a wider call would find); a coarse call
; asked for with the gate whose pass went to the main slots for another h gets them
; from mv_low_deferred when it runs exact. matvec.s in the 128K player: 46 bytes more with the
; twenty-first round's MV_RAW_PASS (the logits' pass writing no slot: 12 in the pass's setup, 7
; after it, 7 for mv_exact_row's pass, 5 in mv_low_deferred, 15 in mv_exact_row; at_sq_table's padding
; took them; and 170 after forward.s with the twenty-second round's MV_GATE_QUADS, mv_gate_quads_routines:
; in mv_prepare only two operands change, no byte more before at_sq_table), 6,443 bytes by the build's line map before it (6,420 before the eighteenth round's look for matvec_again in
; mv_prepare, 22, the quads' l - 1 in C, -4, and slot 0 without mv_low_slot_at, 3, and
; in mv_low_prepare, 2;
; 6,381 before the seventeenth round's mv_hz_prepare@again, 39; 6,314 before the sparse short ends' first form, 67 more; the
; seventeenth round's low slots' pass four columns a step, 127, and the
; sparse calls' short row ends, 134, included: 6,053 before them; its short row ends' 503: 5,550
; before them; mv_sparse_rewalk's 188 included, sixteenth round; 5,362 before it,
; 5,299 in this header before; 5,280 before the sixteenth round's sparse walk a pair at a time; 5,428 before this pass, with the sixteenth round's wide blocks; 5,520 with the copy
; before those, fifteenth round).

; MV_NARROW_JUMP (both players' options since the fifteenth round; without MV_BIAS_IN_K
; and MV_LOW_SLOTS, the 48K's, MV_NARROW_H_ZERO, 33 bytes): a narrow row of a call
; with no wide column (Ch = 0) starts at mv_row_narrow@h_zero, chosen once a call: no h
; sum set (its C:HL would stay -Ch = 0) and mv_row_end, whose add of it is patched
; to ex de,hl (MV_ROW_H_ADD), takes V from the l sum alone: 47 T-states a row less
; than mv_row_narrow's start with the count's test and the add, 34 less than with
; MV_NARROW_JUMP's first form's jp to K; a row with wide columns loads
; their count as an operand, 3 less (MV_NARROW_JUMP's first form, 14 bytes: a jp to
; K or to the walk, 13 and 5 less). A full call after a narrow one puts the add back
; at mv_prepare@restore, a narrow second part at its row start's choice (a narrow
; call's choice 71 T-states with wide columns, 86 without; 26 and 30 those that put
; the add back). With MV_LOW_HLA (the 128K's), the
; low and coarse rows do the same through mv_row_h_zero (below, MV_LOW_H_ADD and
; MV_COARSE_H_ADD, chosen by mv_low_prepare and mv_coarse_prepare: 24 T-states a
; row less), and MV_NARROW_JUMP assembles nothing of its own.
;
; MV_HLA_SLOTS (every player without MV_LOW_SLOTS: the 48K's; sixteenth round):
; mv_slots' low pieces sum in the low slots' form, H:L:A with D = 0 (add a,(ix+d),
; ld e,(iy+d), adc hl,de: 3 T-states and a byte a slot less than ld e, ld d, add
; hl,de, adc a,0 into A:HL), full or narrow. mv_narrow_k (MV_BIAS_IN_K: the 48K's
; narrow rows) makes that form straight from the row constant (dec sp, pop af: A its
; low byte; pop hl: H:L its top two; 4 T-states a row more than its A:HL), mv_row_narrow's
; walk sets D = 0 after it (7), the other row starts go through mv_jump's turn of A:HL
; (23), and mv_row_end takes the sum in that form (4 more): 88 T-states a narrow row
; of 32 columns less (69 through mv_jump's turn).
; MV_PAIR_SLOTS (seventeenth round; the 48K player's where it fits with MV_COARSE, build.py:
; the shipped soul's, not the vectors soul's) changes its slot pairs (53 bytes, not 49): pop bc, the even column's low piece,
; the odd one's, the odd one's high piece, then the even one's, which sets IXL and IYL to
; its weight again first (ld ixl,c, ld iyl,c: 16 T-states a full pair more). A narrow pair
; of one-piece columns takes one jp, from the odd slot's high piece to the next pair, over
; both (5 T-states a product less): the odd slot's jp goes to the even one's high piece
; where that runs, and the even one's, where it does not, is a jp to the next pair. The
; pass checks each one-piece column's jp as before (an even column's at its high piece's
; ld ixl,c, an odd one's at its exx; a jp written for an even column sends an odd slot's
; jp, where it has one, on to the next pair too, a wide even column's high piece to
; itself); its step is C (12 from an even slot, 41 from an odd one; bit 0: an odd
; slot). A narrow call after a pass that expected full runs the pass again (no
; mv_skip_high), a full one after a pass that expected narrow puts every high piece back
; (mv_restore_high) and runs it again for the displacements. An odd count's first pair's
; even slot, no column of the call's, takes w = 0 (mv_odd_start's C = $80) and the
; displacement of S(0 + 0) = 0 where its high piece runs. A sparse call's zero even
; column: a jr to its odd slot and a jp over its high piece; a zero odd one: a jr to the
; even one's high piece, or to the next pair where the even column is zero too, as a
; nonzero odd one's sparse piece's jr then (mv_even_skip).
;
; MV_PAIR_JPS_KEPT (twenty-first round; the 48K player's where it fits with the pairs, build.py: the
; shipped soul's): every one-piece pair keeps its two jps from call to call, so a pass that expects
; narrow mode leaves a one-piece column's slot as it is (45 T-states an even column less, 50 an odd
; one: its jp no longer checked; ~7,500 T-states a position of "hello"). What sets a pair's high
; pieces running puts it back: the pass lists each wide column's pair (mv_run_list, its even slot's
; address; MV_RUN_ALL when more than MV_RUN_PAIRS), and mv_pairs_back gives the listed pairs both jps
; again before the next pass that expects narrow mode (~260 T-states a pair), every pair after
; mv_restore_high (a full call: ~3,900); a sparse call's undo writes the jps over the high pieces it
; copies back, and its second part's rewalk over an odd column's it copies back for a column zero now.
; With MV_GATE_PASS (the twenty-first round's merge of both) a coarse call's pass calls no mv_pairs_back
; and lists no pair (@gate_list: IX is not on the column's slot there): its end leaves mv_h_skipped as
; it is, so jps written back then could leave a full call's high pieces skipped. The list and the jps
; stay as the last exact pass left them for mv_coarse_prepare's pass again and mv_exact_row's.

.ifdef MV_COARSE
.ifdef MV_LOW_SLOTS
.ifdef MV_BIAS_IN_K
MV_LOW_HLA      = 1             ; (the 128K's options) the low rows start as the coarse ones, mv_row_coarse_start
.endif
.endif
.endif
.ifdef MV_COARSE
.ifndef MV_COARSE_UNCALLED              ; (with it, the coarse prepare's look at the wide columns is gone)
MV_WIDE_H       = 1             ; mv_wide_h: the coarse and the low slots' wide columns' h (sixteenth round)
.endif
.endif
.ifdef MV_LOW_SLOTS
MV_WIDE_H       = 1
.endif
.ifdef MV_HZ_ENDS
MV_WIDE_H       = 1             ; (mv_hz_prepare's look at them, mv_wide_h_pm1)
.endif
; MV_WIDE_PM1 (thirty-seventh round, zx48proj37: the 48K player's with fc1 by planes.s's tables, build.py's
; FC1_BYTES_OPTIONS): narrow mode only for a call with at most a quarter of its columns wide, each of h = +-1 (every
; |x| <= 384: proj's, on attention's output); their high pieces run mv_hz_wide's forms, 2wh = +-2(w + 128) added
; into the slots' H:L from the weight the slot popped, with no h sum: its rows start at mv_row_narrow_k (-Ch's
; operands 0) and end in mv_row_end (a first part's in mv_keep) as a call with no wide column does, and the pass's
; form goes back as mv_part returns (mv_wide_pm1_prepare, mv_wide_pm1_back). Any other call with a wide column, and
; a call of two parts (fc2's declined calls) whose second part has one (matvec looks: its narrow second part takes
; any count of wide columns of h +-1 by the forms, with -Cl in MV_NC_L's bytes for mv_row_resume), runs full, so
; that no row walks its wide columns' S(w): mv_row_narrow's walk, mv_row_any and mv_wide_sum are left out. Where a
; call could come with its bias folded (MV_FOLDED_BIAS without FW_FC1_BYTES: fc1's matvec calls, narrow whatever their wide columns),
; or a coarse one (MV_COARSE without MV_COARSE_UNCALLED: mv_exact_row's rows walk), with MV_HZ_ENDS, the sparse
; calls (MV_SPARSE), the low slots or without the pairs it assembles nothing. 32x32 at shift 6 after the same call
; (tests/test_kernels_z80_wide_pm1.py: the 48K's options, default_rng(3701)'s w, x = 5 but for its wide columns),
; with the walk -> with the forms: no wide column 99,724 -> 99,712; one of h = +1 110,201 -> 104,662 (-173 a row),
; of h = -1 109,592 -> 104,732; a pair's two 117,178 -> 108,148; eight (a quarter) 165,603 -> 135,772; one of h = 2
; 110,201 -> 179,250 (full; none of the eighty prompts' proj calls is). A call of two parts (fc2's declined calls)
; whose second part has a wide column of h past +-1 runs full (~+100,000 T-states for 32x64 with a bias), matvec's
; look at it ~1,900 a call of two parts.
.ifdef MV_WIDE_PM1
.ifdef MV_FOLDED_BIAS
.ifndef FW_FC1_BYTES
MV_WIDE_PM1_FOLDED = 1          ; (a folded call may come: not here)
.endif
.endif
.ifdef MV_COARSE
.ifndef MV_COARSE_UNCALLED
MV_WIDE_PM1_FOLDED = 1          ; (nor where a coarse call's exact rows walk, mv_exact_row)
.endif
.endif
.ifndef MV_WIDE_PM1_FOLDED
.ifdef MV_PAIR_SLOTS                    ; (mv_hz_wide's forms are the pairs' high pieces, added into
.ifdef MV_BIAS_IN_K                     ; mv_narrow_k's H:L:A start, MV_BIAS_IN_K's)
.ifndef MV_LOW_SLOTS
.ifndef MV_HZ_ENDS
.ifndef MV_SPARSE
MV_WIDE_PM1_OWN = 1             ; (MV_WIDE_PM1 assembled: no walk)
.endif
.endif
.endif
.endif
.endif
.endif
.endif
.ifdef MV_HZ_ENDS
.ifdef MV_PAIR_SLOTS
MV_HZ_WIDE      = 1             ; mv_hz_wide and its forms (MV_HZ_ENDS' or MV_WIDE_PM1's)
.endif
.endif
.ifdef MV_WIDE_PM1_OWN
MV_HZ_WIDE      = 1
MV_NARROW_NO_H  = 1             ; (thirty-ninth round) a narrow call's rows set and add no h sum
.ifdef MV_LEAST_SHIFT                   ; (its chain shifts left only)
MV_NARROW_ENDS  = 1             ; (thirty-ninth round) a narrow whole adding call's rows end in mv_narrow_chain
.endif
.endif
.ifndef MV_LOW_SLOTS
MV_HLA_SLOTS    = 1             ; (the 48K's) mv_slots' low pieces sum in H:L:A, D = 0 (sixteenth round)
.ifdef MV_BIAS_IN_K
MV_HLA_NARROW_K = 1             ; mv_narrow_k starts the l sum in that form straight from the row constant
.endif
.endif
; mv_hz_clip_high - an adding short row end whose high byte's adc overflowed (P/V: A's bit 7 is
; the opposite of the sum's sign): the sum clipped towards the addends' sign, its low byte ($FF or
; $00) stored again at HL - 1, its high byte ($7F or $80) left in A for the caller's store
; (mv_hz_add, the 48K's MV_HZ_ENDS and the 128K's MV_LOW_HLA alike).
        .macro mv_hz_clip_high
        rla
        sbc a,a                 ; $FF: positive
        dec hl
        ld (hl),a
        inc hl
        xor $80                 ; $7F or $80
        .endmacro
.ifdef MV_HZ_ENDS
.ifndef MV_HLA_NARROW_K
        .assert 0, "MV_HZ_ENDS: the 48K's short row ends for mv_narrow_k's rows (MV_HLA_SLOTS, MV_BIAS_IN_K)"
.endif
.endif
.ifdef MV_PAIR_JPS_KEPT
.ifndef MV_PAIR_SLOTS
        .assert 0, "MV_PAIR_JPS_KEPT keeps MV_PAIR_SLOTS's jps"
.endif
.endif
.ifdef MV_PAIR_SLOTS
.ifdef MV_LOW_SLOTS
        .assert 0, "MV_PAIR_SLOTS is mv_slots' form without MV_LOW_SLOTS (MV_HLA_SLOTS)"
.endif
; A pair's pieces (seventeenth round): pop bc, the even column's low piece, the odd one's,
; the odd one's high piece, the even one's (which sets IXL and IYL to its weight again), so
; that a narrow pair of one-piece columns takes one jp over both high pieces.
MV_SLOT_PAIR    = 53            ; bytes of an even and an odd slot
MV_D_L1         = 7             ; displacements in a slot (an odd slot's offsets count from
MV_D_L2         = 10            ; one byte before it, 12 bytes into its pair)
MV_D_H1         = 16            ; (an odd slot's high piece)
MV_D_H2         = 19
MV_H_EXX        = 13            ; the odd slot's high piece's first byte (exx)
MV_ODD_AT       = 13            ; an odd slot's first byte in its pair
MV_EVEN_H       = 28            ; an even slot's high piece: the odd one's offsets + 28
MV_EVEN_RUN     = MV_EVEN_H + MV_H_EXX - 4  ; its ld ixl,c (its jp over it when one-piece)
MV_PAIR_END     = MV_SLOT_PAIR  ; the next pair, from an even slot
.ifdef MV_PAIR_JPS_KEPT
; The pairs whose high pieces a narrow pass set running (mv_prepare@record), each its even slot's
; address, for mv_pairs_back before the next pass that expects narrow mode; MV_RUN_ALL in
; mv_run_end: every pair (after mv_restore_high, or more wide columns than the list holds; and
; at the start: both lie in the room squares.s's variables leave before rmsnorm.s's, zeros).
MV_RUN_ALL      = 0
MV_RUN_PAIRS    = 8
mv_run_list     = rn_vars - 2 * MV_RUN_PAIRS    ; (after attention.s's at_scores: asserted there)
mv_run_end      = mv_run_list - 1               ; its end's low byte
        .assert (mv_run_end >> 8) == (mv_run_list + 2 * MV_RUN_PAIRS) >> 8 && (mv_run_list & 255) > MV_RUN_ALL, "mv_run_list in one page with its end, which is never MV_RUN_ALL"
        .assert mv_run_end >= mv_wide_list + MV_MAX_COLS, "mv_run_list after matvec's variables"
.endif
.else
.ifdef MV_HLA_SLOTS
MV_SLOT_PAIR    = 49            ; bytes of an even and an odd slot
MV_D_L1         = 7             ; displacements in a slot (an odd slot is one byte shorter
MV_D_L2         = 10            ; at the front: the offsets count from one byte before it)
MV_D_H1         = 16
MV_D_H2         = 19
MV_H_EXX        = 13            ; the high piece's first byte (exx) in a slot
.else
MV_SLOT_PAIR    = 51
MV_D_L1         = 7
MV_D_L2         = 10
MV_D_H1         = 17
MV_D_H2         = 20
MV_H_EXX        = 14
.endif
.endif
.ifndef MV_PAIR_SLOTS
MV_ODD_AT       = MV_SLOT_PAIR / 2 + 1
.endif
MV_ODD_IX       = MV_ODD_AT - 1 ; an odd slot's offsets from its pair's even one
MV_SLOT_END     = MV_SLOT_PAIR / 2 + 1  ; the next slot, counted as the offsets
MV_H_JP         = $C3           ; jp: over exx and ld e,(ix+d)'s two opcode bytes to the next slot
MV_JR           = $18           ; (a sparse call's zero column's jr)
MV_H_RUN_2      = $5E           ; (ld e,(ix+d): $DD, $5E; the jp's operand takes both)
MV_NARROW_BIT   = 0             ; mv_mode: high pieces only in the wide columns' slots
MV_KEEP_BIT     = 1             ; a call's first part: each row's sums into mv_carry
MV_RESUME_BIT   = 2             ; its second part: each row's sums from mv_carry
MV_NARROW       = 1 << MV_NARROW_BIT
MV_KEEP         = 1 << MV_KEEP_BIT
MV_RESUME       = 1 << MV_RESUME_BIT
MV_CHAIN_BITS   = 7             ; the shift chains' steps (a right shift of 8 or more moves bytes first)
; MV_LEAST_SHIFT (build.py's, the 48K's where the soul allows it, nineteenth round): every call's
; mv_shift lies in MV_LEAST_SHIFT..7 (the soul's matrices' shifts + 1 and out's), so the row's end
; never shifts right (mv_right_bytes and the right chain left out) and shifts left by at most
; 7 - MV_LEAST_SHIFT (the left chain that long).
.ifdef MV_LEAST_SHIFT
        .assert MV_LEAST_SHIFT >= 0 && MV_LEAST_SHIFT <= MV_CHAIN_BITS, "MV_LEAST_SHIFT is a shift of 0..7"
MV_LEFT_STEPS   = MV_CHAIN_BITS - MV_LEAST_SHIFT
.ifdef MV_LOW_HLA
        .assert 0, "MV_LEAST_SHIFT is the 48K's (mv_hz_left's chain keeps its MV_CHAIN_BITS)"
.endif
.else
MV_LEFT_STEPS   = MV_CHAIN_BITS
.endif
MV_H_ADD_OPS    = $89 * 256 + $19       ; add hl,de and adc a,c: a row end adds the h sum C:HL
MV_H_ZERO_OPS   = $00 * 256 + $EB       ; ex de,hl and nop: V from the l sum alone (Ch = 0: mv_row_h_zero)
.ifdef MV_NARROW_JUMP
.ifndef MV_BIAS_IN_K
.ifndef MV_LOW_SLOTS                    ; (their rows end in mv_low_row_end)
MV_NARROW_H_ZERO = 1            ; (the 48K's) a narrow row with Ch = 0 starts at mv_row_narrow@h_zero
.endif
.endif
.endif
MV_SQ_PAGE      = (mv_sq_lo + 128) / 256    ; S(n) low bytes at this page + n + 127
.ifdef MV_FOLDED_BIAS
; MV_FOLDED_BIAS (the 48K's, twenty-fifth round): a call may give mv_bias = MV_BIAS_FOLDED in
; place of a vector when its bias is in its row constants (MV_BIAS_IN_K: -K + 2b) and it is
; never sparse (at most MV_MAX_COLS columns): such a call runs narrow whatever its count of
; wide columns, so that no row of it ends in mv_unbias, the one reader of a vector besides a
; sparse call's rows (the player's fc1: soul_layout leaves out fc1's biases, 256 bytes; a narrow
; row with more than a quarter of its columns wide costs ~190 T-states a wide column more than
; a full one, a path the shipped soul's sets never run: build.py takes it with MV_PAIR_SLOTS,
; for a soul whose calls are narrow). 9 bytes.
.ifndef MV_BIAS_IN_K
        .assert 0, "MV_FOLDED_BIAS: the bias in the row constants (MV_BIAS_IN_K)"
.endif
MV_BIAS_FOLDED  = 1             ; mv_bias: the bias is in the row constants alone, no vector
.endif
.ifdef MV_PAIR_SLOTS
.ifdef MV_COARSE
.ifndef MV_LOW_SLOTS
.ifndef MV_COARSE_UNCALLED      ; (the 48K's with FW_FC1_BYTES, thirty-sixth round: no coarse call, no coarse pass)
MV_GATE_PASS    = 1             ; (the 48K's, twenty-first round) a coarse call's column pass writes no slot
MV_EXACT_PASS   = 1             ; (mv_exact_row runs the pass the coarse call left out)
.endif
.endif
.endif
.endif
.ifdef MV_RAW_PASS               ; (the 128K's, twenty-first round) the logits' column pass writes no slot
.ifndef MV_LOW_SLOTS
        .assert 0, "MV_RAW_PASS is the 128K's logits' pass (MV_LOW_SLOTS, MV_COARSE)"
.endif
MV_EXACT_PASS   = 1
.endif
.ifdef MV_GATE_QUADS            ; (the 128K's, twenty-second round) fc1's gated pass through quads without their stores
.ifndef MV_RAW_PASS
        .assert 0, "MV_GATE_QUADS marks its pass as MV_RAW_PASS's (mv_low_deferred runs the pass again)"
.endif
.endif
.ifdef MV_SPARSE
MV_SPARSE_MAX   = 11            ; the most nonzero columns a part of a sparse call takes (of 32 rows: each costs ~66 T-states
                                ; a row more than in narrow mode and ~700 of patches, a zero one ~70 less a row)
MV_SPARSE_AT    = 1             ; a zero column's jr to the next slot, over its ld ixl (after an even slot's pop)
.ifdef MV_PAIR_SLOTS
MV_SPARSE_SKIP  = (MV_EVEN_RUN - MV_H_EXX - MV_SPARSE_AT - 1) * 256 + MV_JR  ; an odd slot's: to its
                                ; pair's even high piece (an even slot's: MV_SPARSE_EVEN_SKIP, to the odd slot)
MV_SPARSE_EVEN_SKIP = MV_ODD_AT - MV_SPARSE_AT - 2
MV_SPARSE_PIECE = 12            ; the bytes of a high piece, from its exx
.else
MV_SPARSE_SKIP  = (MV_SLOT_END - MV_SPARSE_AT - 2) * 256 + $18
MV_SPARSE_PIECE = MV_SLOT_END - MV_H_EXX                ; the bytes of a high piece, from its exx to the next slot
.endif
MV_SPARSE_LD_IXL = $68 * 256 + $DD      ; ld ixl,b (an odd slot's; an even slot's, ld ixl,c, is $69: or 1)
MV_SPARSE_PIECE_1 = $B7         ; mv_sparse_piece's first byte (or a), which no main slot's high piece starts with
.ifdef MV_LOW_SLOTS
MV_SPARSE_REWALK = 1            ; (the 128K's, which has the bytes) a sparse second part's slots from its first part's
.endif
.ifdef MV_PAIR_REWALK
.ifndef MV_PAIR_SLOTS
        .assert 0, "MV_PAIR_REWALK is the rewalk of MV_PAIR_SLOTS's pairs"
.endif
MV_SPARSE_REWALK = 1            ; (the 48K's where it has the room, nineteenth round: a pair at a time)
.endif
.endif

.ifdef SCRATCH_VARIABLES              ; (the 48K's: after attention.s's, in the ROM calculator's MEMBOT, build.py)
mv_w            = SCRATCH_VARIABLES + AT_SCRATCH_BYTES
mv_x            = SCRATCH_VARIABLES + AT_SCRATCH_BYTES + 2
        .assert AT_SCRATCH_BYTES + 4 <= SCRATCH_VARIABLES_BYTES, "the scratch variables do not fit SCRATCH_VARIABLES_BYTES"
.else
mv_w:           .word 0
mv_x:           .word 0
.endif
mv_bias:        .word 0
mv_out:         .word 0
mv_carry:       .word 0
mv_rows:        .byte 0
mv_cols:        .byte 0
mv_shift:       .byte 0

.ifdef MV_GATE_SHORT
; (MV_GATE_SHORT, the 48K's, thirty-second round: the coarse slots' end is fc1's gate itself, so
; every coarse call it runs is a gated one with ReLU's store: any other runs exact)
.ifdef MV_LOW_HLA
        .assert 0, "MV_GATE_SHORT is the 48K's coarse end (no MV_LOW_HLA: mv_hz_gate is the 128K's)"
.endif
.ifdef MV_COARSE_TOP
        .assert 0, "MV_GATE_SHORT: the coarse slots' end is the gate's (no ungated call ends in mv_coarse_top)"
.endif
.ifdef MV_COARSE_PAIRS
        .assert 0, "MV_GATE_SHORT: the coarse slots' end follows the slots (no pairs' form)"
.endif
.ifndef MV_BIAS_IN_K
        .assert 0, "MV_GATE_SHORT: the coarse rows' start sets no h sum (mv_row_coarse_biased's would)"
.endif
.ifndef MV_HZ_ENDS
        .assert 0, "MV_GATE_SHORT: its rows store through MV_HZ_ENDS' row word and mv_hz_left's chain"
.endif
MV_UNGATED_EXACT = 1
.else
.ifdef SOUL_OUT_PLANES
MV_UNGATED_EXACT = 1
.endif
.endif
.ifdef SOUL_OUT_PLANES
.ifndef SOUL_QKV_PLANES
        .assert 0, "SOUL_OUT_PLANES: the 48K's logits by planes come with its q, k and v by planes (SOUL_QKV_PLANES)"
.endif
.ifndef MV_LOW_HLA
; (the 48K's q, k, v and logits by planes: matvec's calls are proj's, fc1's and fc2's fallback, each on
; an x of its own, so no matvec_again and no column patches kept: twenty-eighth round, zxroom48e, 24 bytes)
MV_NO_AGAIN     = 1
.endif
.endif
.ifndef MV_NO_AGAIN
; matvec_again - matvec for the same x and mv_cols as the call before
; (q, k and v of one xn): its column patches are kept, only the rows differ.
matvec_again:
.ifdef MV_COARSE
.ifndef MV_COARSE_UNCALLED
        xor a                   ; (a coarse call needs the column pass: matvec_again runs exact)
        ld (mv_coarse_on),a
.endif
.endif
        ld a,1
        jr mv_start
.endif

matvec:
.ifndef MV_NO_AGAIN
        xor a
.ifdef MV_LOW_HLA
        ld (mv_hz_again),a      ; (a new x: mv_hz_prepare's look in full)
.endif
mv_start:
        ld (mv_same_x),a
.endif
.ifdef MV_SPARSE
        or a
        jr nz,@sparse_known     ; (matvec_again: the same x)
; Sparse: a call in two parts (fc2's, on ReLU's output), each part sparse or
; neither (the first part's row start subtracts K for both parts' columns or none).
MV_SPARSE_LOOK  = *             ; (forward.s's FW_WIDE_SPARSE writes a jp to MV_SPARSE_TOLD over the
        ld a,(mv_cols)          ; ld where it has looked at x itself: the or a above leaves NC, sparse)
        cp MV_MAX_COLS + 1
        jr c,@dense             ; (C: not sparse)
        sub MV_MAX_COLS
        ld b,a
        ld hl,(mv_x)
.ifdef MV_SPARSE_PAIR_SKIP
        call mv_zero_part_look  ; (mv_sparse_part's, each part's count kept: the same bytes)
.else
        call mv_sparse_part
.endif
        jr c,@dense
        ld b,MV_MAX_COLS
.ifdef MV_SPARSE_PAIR_SKIP
        call mv_zero_part_look
.else
        call mv_sparse_part
.endif
MV_SPARSE_TOLD  = *
@dense:
        ccf
        sbc a,a
        ld (mv_sparse_on),a
        and (mv_prepare@sparse_column - mv_prepare@column) & 255    ; the column pass's loop: the short
        add a,(mv_prepare@column - mv_prepare@column_loop - 2) & 255  ; way for zero columns when sparse
        ld (mv_prepare@column_loop+1),a
@sparse_known:
.endif
.ifdef MV_SHORT_K
        ld hl,mv_shift          ; bit 7 (MV_SHORT_FLAG): the call's matrix has 2-byte row constants
        ld a,(hl)
        res 7,(hl)              ; (the shift as the rest reads it)
        xor 0                   ; patched: the row starts' form (mv_k_toggle)
MV_K_FORM       = * - 1
        call m,mv_k_toggle      ; the row starts to the other form (49 T-states a call when not)
.endif
        push iy                 ; IY is the ROM's ($5C3A) whenever interrupts are on
        ld a,i                  ; P/V = IFF2: were interrupts on?
        push af
        di
        ld hl,(mv_w)            ; the first row's K (a second part's weights follow where the
        ld (MV_ROW_SP),hl       ; first part ended: the layout has each part's columns row by row)
        ld hl,mv_mode           ; (MV_NARROW stands for matvec_again)
        ld a,(hl)
        and MV_NARROW
        ld (hl),a
        ld a,(mv_cols)
        cp MV_MAX_COLS + 1
        jr c,@whole
; More columns than slots: the first cols - MV_MAX_COLS columns, each row's
; sums kept in mv_carry, then the last MV_MAX_COLS from those sums.
.ifdef MV_SPARSE_PAIR_SKIP
        call mv_zero_part_split ; (ld hl,mv_same_x there, or a part all zero: the other part alone)
        ld (hl),0               ; (each part patches its columns, matvec_again or not)
.else
.ifndef MV_NO_AGAIN
        ld hl,mv_same_x
        ld (hl),0               ; (each part patches its columns, matvec_again or not)
.endif
.endif
        ld hl,(mv_x)
        push hl
        push af
        sub MV_MAX_COLS
        ld (mv_cols),a
        ld l,a
        ld h,0
        add hl,hl
        ld de,(mv_x)
        add hl,de
        push hl                 ; the second part's x
.ifdef MV_WIDE_PM1_OWN
        ld b,MV_MAX_COLS        ; (MV_WIDE_PM1) a wide column of h other than +-1 in the second part: the first
@second_x:                      ; part runs full (a narrow second part takes its wide columns by the forms, and
        ld a,(hl)               ; they have none for another h), else as a whole call
        add a,127
        inc hl
        ld a,(hl)
        adc a,0                 ; h: x + 127's high byte
        inc hl
        inc a
        cp 3                    ; (h + 1 in 0..2: h -1, 0 or +1)
        jr nc,@second_wide
        djnz @second_x
@second_wide:
        ld a,b
        or a
        jr z,* + 4
        ld a,MV_KEEP
        ld (MV_PART2_WIDE),a
.endif
        ld hl,(mv_carry)
        ld (MV_CARRY_PTR),hl
        ld hl,mv_mode
        set MV_KEEP_BIT,(hl)
        call mv_part
        ld hl,(mv_carry)
        ld (MV_RESUME_CARRY),hl ; (the second part's row starts read the sums there)
        ld hl,mv_mode
        ld a,(hl)
        xor MV_KEEP | MV_RESUME
        ld (hl),a
        pop hl
        ld (mv_x),hl
        ld a,MV_MAX_COLS
        ld (mv_cols),a
        call mv_part            ; (its weights follow the first part's: MV_ROW_SP stands, mv_w too)
        pop af
        ld (mv_cols),a
        pop hl
        ld (mv_x),hl
        jr mv_finish
@whole:
        call mv_part
mv_finish:                      ; (mv_exact_row's end too)
        pop af
        pop iy
        ret po                  ; interrupts were off: leave them off
        ei
        ret

; mv_part - the rows over the columns of mv_cols and mv_x (mv_mode says which part).
mv_part:
.ifdef MV_SPARSE
.ifdef MV_SPARSE_PAIR_SKIP
        call mv_undo_put_off    ; (a sparse call before: its slots left sparse, or fewer back)
.else
        call mv_sparse_undo     ; (a sparse call before: its slots back)
.endif
.endif
        call mv_prepare
.ifdef MV_LOW_HLA
        call mv_hz_prepare
.endif
.ifdef MV_HZ_ENDS
        call mv_hz_prepare
.endif
.ifdef MV_WIDE_PM1_OWN
        call mv_wide_pm1_prepare
.endif
.ifdef MV_COARSE
        ld a,(mv_rows)
mv_rows_run:                    ; A rows from the prepared pointers (mv_exact_row's one)
.endif
        ld ix,mv_sq_lo + 128    ; IXH, IYH: the two planes' pages (IXL, IYL: the weight)
        ld iy,mv_sq_hi + 128
        ld (mv_saved_sp),sp
        ld sp,0                 ; patched: the first row's K (matvec, mv_exact_row): every row's
MV_ROW_SP       = * - 2         ; end leaves SP where the next row's start pops its K (the routines
                                ; that read a row's pointer, or move SP, store it here)
.ifndef MV_COARSE
        ld a,(mv_rows)          ; (the players without MV_COARSE keep their bytes where they were)
.ifdef MV_HLA_SLOTS
        ld d,0                  ; mv_slots' D (mv_narrow_k's rows keep it 0)
.endif
.else
        ld d,0                  ; the coarse and low slots' D in the slots' set: the rows keep it
                                ; 0, so that mv_coarse_k's rows need not set it
.endif
        exx                     ; every row starts in the h sum's set (the store's)
        ld b,a                  ; B counts the rows there (the other set's B takes weights)
.ifdef MV_NARROW_ENDS
        ld hl,(MV_OUT_PTR)      ; the first row's word (mv_narrow_end's rows keep it in this set's HL)
.endif
.ifdef MV_HZ_ENDS
        ld hl,(MV_OUT_PTR)      ; the first row's word for mv_hz_store's short row ends (their
                                ; rows keep no h sum in this set's HL: mv_hz_prepare)
.endif
.ifdef MV_LOW_HLA
        ld hl,0                 ; patched: the first row's word for mv_hz_store's short row ends
MV_HZ_PTR       = * - 2         ; (their rows keep no h sum in this set's HL: mv_hz_prepare)
.endif
mv_first_row:
        jp mv_row               ; patched: mv_row_narrow, mv_row_resume or mv_row_any (mv_mode)
mv_row:                         ; in the h sum's set: C:DE = -K, the row's sum of w^2 negated
        pop de                  ; SP is on the row's -K, in front of its weights (where the row
                                ; before ended): on the weights after it, as the slots want
MV_ROW_K        = *             ; (MV_SHORT_K: ld c,$FF and nop, the top byte implied, 9 T-states less)
        dec sp
        pop af                  ; A = -K's top byte (F takes its middle one)
        ld c,a
        ld hl,0                 ; patched: -Ch (the h sum starts at -Ch - K, in C:HL there)
        ld a,0
MV_FULL_NC_H    = * - 4         ; (-Ch and -Cl live in the row starts' operands, not in memory
MV_FULL_NC_H_TOP = * - 1        ; variables: a row reads them 12 to 16 T-states cheaper)
        add hl,de
        adc a,c
        .byte $DD,$6B           ; ld ixl,e: -K to this set through IXL, IYL and A
        .byte $FD,$6A           ; ld iyl,d  (SP is on the weights: no push)
        ld d,c
        ld c,a
        ld a,d
        exx
        .byte $DD,$5D           ; ld e,ixl
        .byte $FD,$55           ; ld d,iyl
        ld c,a                  ; C:DE = -K
mv_l_from_k:                    ; (C:DE = 0 from mv_row_sparse)
        ld hl,0                 ; patched: -Cl (the l sum at -Cl - K + 2b)
        ld a,0
MV_NC_L         = * - 4
MV_NC_L_TOP     = * - 1
        add hl,de
        adc a,c
mv_bias_jump:
        jp mv_jump              ; patched: mv_add_bias when there is a bias
; mv_add_bias - the l sum A:HL += 2b; SP, on the row's weights, set aside while it
; reads the bias, and back in mv_bias_added.
mv_add_bias:
        ld (MV_WEIGHTS_SP),sp
        ld c,a
        ld sp,0                 ; patched: the row's bias
MV_BIAS_PTR     = * - 2
        pop de                  ; DE = b
        ld (MV_BIAS_PTR),sp
        ld a,d
        rla
        sbc a,a
        ld b,a                  ; B = its sign extension
        add hl,de
        ld a,c
        adc a,b
        add hl,de
        adc a,b
mv_bias_added:
        ld sp,0                 ; patched: the row's weights (mv_add_bias)
MV_WEIGHTS_SP   = * - 2
.ifdef MV_BIAS_IN_K
        jp mv_jump
; mv_row_narrow_k - (MV_BIAS_IN_K) a narrow row's start with no wide column to
; walk (the low slots' blocks subtract their S(w)): the h sum at -Ch, the l sum
; at -Cl - K + 2b (the row constant has the bias), and on into mv_jump with
; no jp: 20 T-states a row less than mv_row_narrow's jp to K and K's jp here.
.ifndef MV_LOW_HLA                      ; (with it, the low rows start in mv_row_coarse_start)
mv_row_narrow_k:                ; (in the h sum's set)
.ifndef MV_NARROW_NO_H                  ; (with it, no h sum: mv_row_end's add patched out instead)
        ld hl,0                 ; patched: C:HL = -Ch
        ld c,0
MV_NARROW_NC_H  = * - 4
MV_NARROW_NC_H_TOP = * - 1
.endif
.ifdef MV_HZ_ENDS
mv_row_hz:                      ; (MV_HZ_ENDS: Ch = 0, and this set's HL the row's word)
.endif
        exx
.endif
mv_narrow_k:                    ; (mv_row_narrow's walk goes on here)
.ifdef MV_HLA_NARROW_K
MV_NARROW_K     = *             ; (MV_SHORT_K: pop bc, ld a,c, add a,n, ld e,b, ld hl,nn and adc hl,de,
        dec sp                  ; the top byte implied in -Cl's top two less 256, 8 T-states less)
        pop af                  ; SP on the row's -K + 2b (where the row before ended): A = its
        add a,0                 ; low byte (F the byte before it); patched: -Cl's low byte
MV_NARROW_NC_L0 = * - 1
        pop hl                  ; H:L its top two, SP on the weights (D stays 0 from the row before,
        ld bc,0                 ; mv_rows_run or the walk); patched: -Cl's top two bytes (H:L:A =
MV_NARROW_NC_L12 = * - 2        ; the l sum, mv_slots' form, with no turn of A:HL in mv_jump)
        adc hl,bc
mv_hla_jump:
        jp mv_slots             ; patched as mv_jump
MV_HLA_JUMP     = * - 2
.else
        pop de                  ; SP on the row's -K + 2b (where the row before ended)
        dec sp
        pop af                  ; A = its top byte, SP on the weights
        ld hl,0                 ; patched: A:HL = -Cl + the row constant (the top
MV_NARROW_NC_L  = * - 2         ; byte's add an immediate: 8 T-states less than
        add hl,de               ; mv_l_from_k's ld c,a, ld a,n and adc a,c)
        adc a,0
MV_NARROW_NC_L_TOP = * - 1
.endif
.endif
mv_jump:
.ifdef MV_HLA_SLOTS
        ld e,l                  ; the row start's A:HL turned into mv_slots' H:L:A, D = 0
        ld l,h                  ; (23 T-states; mv_narrow_k makes that form itself)
        ld h,a
        ld a,e
        ld d,0
.endif
        jp mv_slots             ; patched: the first used slot, or mv_odd_start for an odd count
.ifdef MV_HLA_SLOTS
MV_SLOT_JUMP    = * - 2         ; (the players with MV_LOW_SLOTS write mv_jump+1)
.endif

; An odd count's rows start in an odd slot, which takes its weight from B: the
; pop fills B from one byte before the row (an even count's rows go straight
; to their first slot, 8 T-states a row less than two NOPs in place of this).
mv_odd_start:
        dec sp
        pop bc
.ifdef MV_PAIR_SLOTS
        ld c,$80                ; (w = 0 for the pair's even slot, no column of the call's: its
                                ; high piece, where it runs, adds S(0 + 0), mv_prepare@odd_count)
.endif
mv_odd_jump:
        jp mv_slots             ; patched: the first used slot

; The slots: column pieces accumulate S(w + l) in A:HL and S(w + h) in C':HL'.
        .macro mv_slot_body_pieces      ; (ends in the h sum's set: mv_low_wide goes on there)
.ifdef MV_HLA_SLOTS
        add a,(ix+0)            ; the l sum in H:L:A (D = 0): 3 T-states a product less
        ld e,(iy+0)
        adc hl,de
.else
        ld e,(ix+0)
        ld d,(iy+0)
        add hl,de
        adc a,0
.endif
        exx
        ld e,(ix+0)
        ld d,(iy+0)
        add hl,de
        jr nc,* + 3
        inc c
        .endmacro
        .macro mv_slot_body
        mv_slot_body_pieces
        exx
        .endmacro
.ifdef MV_PAIR_SLOTS
        .macro mv_low_piece
        add a,(ix+0)            ; the l sum in H:L:A (D = 0)
        ld e,(iy+0)
        adc hl,de
        .endmacro
        .macro mv_high_piece
        exx
        ld e,(ix+0)
        ld d,(iy+0)
        add hl,de
        jr nc,* + 3
        inc c
        exx
        .endmacro
mv_slots:
        .repeat MV_MAX_COLS / 2
        pop bc
        .byte $DD,$69           ; ld ixl,c
        .byte $FD,$69           ; ld iyl,c
        mv_low_piece
        .byte $DD,$68           ; ld ixl,b
        .byte $FD,$68           ; ld iyl,b
        mv_low_piece
        mv_high_piece           ; (narrow: a jp over both where both columns are one-piece)
        .byte $DD,$69           ; ld ixl,c: the even column's high piece
        .byte $FD,$69           ; ld iyl,c
        mv_high_piece
        .endrepeat
        .assert * - mv_slots == MV_MAX_COLS / 2 * MV_SLOT_PAIR, "slot size does not match MV_SLOT_PAIR"
        .assert MV_ODD_AT == 1 + 4 + 8 && MV_ODD_AT - 1 + MV_H_EXX == MV_ODD_AT + 4 + 8, "an odd slot's offsets"
        .assert MV_EVEN_RUN == MV_ODD_IX + MV_H_EXX + 12 && MV_SLOT_PAIR == MV_EVEN_RUN + 4 + 12, "an even slot's high piece"
.else
mv_slots:
        .repeat MV_MAX_COLS / 2
        pop bc
        .byte $DD,$69           ; ld ixl,c
        .byte $FD,$69           ; ld iyl,c
        mv_slot_body
        .byte $DD,$68           ; ld ixl,b
        .byte $FD,$68           ; ld iyl,b
        mv_slot_body
        .endrepeat
        .assert * - mv_slots == MV_MAX_COLS / 2 * MV_SLOT_PAIR, "slot size does not match MV_SLOT_PAIR"
.endif

; mv_hla_to_other_set - a low, coarse or (MV_HLA_SLOTS) main row end's first steps on the sum H:L:A (bits
; 0-7 in A, already put aside): bits 8-15 into the other set's D:E, A the sign of (the
; sum >> 8), in the other set. Clobbers A, IXL.
        .macro mv_hla_to_other_set
        ld a,l
        .byte $DD,$6F           ; ld ixl,a: bits 8-15 to the other set
        ld a,h
        exx
        ld d,a
        .byte $DD,$5D           ; ld e,ixl
        rla
        sbc a,a                 ; A = the sign of (the sum >> 8)
        .endmacro

.ifdef MV_HLA_SLOTS
.ifdef MV_NARROW_ENDS
        jp mv_row_end           ; patched: mv_narrow_chain's entry for the shift (mv_prepare@row_set)
MV_SLOTS_END    = * - 2
.endif
mv_row_end:                     ; H:L:A = 2 sum w l + 2b, C':HL' = 2 sum w h (SP stays on the next row)
        ld b,a                  ; B = bits 0-7, for shifts below 8 (MV_HZ_ENDS: these three
        mv_hla_to_other_set     ; bytes a jp to mv_hz_left's entry for the shift, mv_hz_prepare)
.ifdef MV_HZ_ENDS
MV_ROW_END_OPS  = $7D47         ; mv_row_end's ld b,a and ld a,l, and then ld ixl,a's prefix
MV_ROW_END_OP_3 = $DD
        .assert MV_ROW_END_OP_3 == $DD, "mv_row_end's first three bytes"
.endif
.else
mv_row_end:                     ; A:HL = 2 sum w l + 2b, C':HL' = 2 sum w h (SP stays on the next row)
        ld b,l                  ; B = bits 0-7, for shifts below 8
        ld c,h                  ; A:H = (A:HL >> 8) to the other set through A and IXL
        .byte $DD,$69           ; ld ixl,c (with the prefix, an H or L operand would be IXH or IXL)
        exx
        ld d,a
        .byte $DD,$5D           ; ld e,ixl
        rla
        sbc a,a                 ; A = the sign of (A:HL >> 8)
.endif
.ifdef MV_NARROW_H_ZERO
MV_ROW_H_ADD    = *             ; (patched: ex de,hl and nop with mv_row_narrow@h_zero, mv_prepare)
.endif
.ifdef MV_NARROW_NO_H
MV_ROW_H_ADD    = *             ; (patched: ex de,hl and nop for a narrow call's rows, mv_prepare@row_set)
.endif
        add hl,de
        adc a,c
        ld e,a                  ; E:H:L = V = (2 sum w x + 2b) >> 8
mv_flag_check:
        jp mv_shift_jump        ; patched: mv_flagged when a column is flagged, else the shift's target
mv_flagged:
        ld (mv_row_ptr),sp      ; where the row ended: mv_fixup reads its weights before it
        ld a,(mv_flag_count)
        ld sp,(mv_saved_sp)     ; (SP is on the weights until the last row ends)
        push bc                 ; B = the rows left
        call mv_fixup
        pop bc
        ld sp,(mv_row_ptr)      ; (the next row's start pops its K there)
mv_shift_jump:
        jp mv_saturate          ; patched: mv_right_bytes, into the right chain or into the left chain
.ifndef MV_LEAST_SHIFT                  ; (a shift of 7 at most: none of this)
; shift + 1 >= 8: E:H:L >> (shift + 1 - 8), whole bytes first, then 0..7 bits.
mv_right_bytes:
        ld d,0                  ; patched: the whole bytes to move (1..2)
@move:
        ld l,h
        ld h,e
        ld a,e
        rla
        sbc a,a
        ld e,a
        dec d
        jr nz,@move
mv_chain_jump:
        jp mv_saturate          ; patched: into the chain below
        .repeat MV_CHAIN_BITS
        sra e
        rr h
        rr l
        .endrepeat
        .assert * - mv_chain_jump - 3 == MV_CHAIN_BITS * 6, "mv_chain_at takes 6 bytes a step"
.endif
mv_saturate:
        ld a,h                  ; fits in 16 bits when E is H's sign extension
        rla
        sbc a,a
        cp e
        jr z,mv_store
mv_clip:
        bit 7,e
        ld hl,$7FFF
        jr z,mv_store
.ifdef SHORT_FORMS
        inc hl                  ; $8000 (2 bytes fewer)
.else
        ld hl,$8000
.endif
        jr mv_store
.ifdef MV_LOW_SLOTS
; mv_low_shift's head for the low slots' rows: their row end leaves the low byte
; in A' (ex af,af', as cheap as ld b,a there), which takes 8 T-states less than
; exx, ld a,b, exx here (matvec runs with interrupts off: A' is free). The coarse
; rows' end leaves it there too (and mv_gate reads it there). The low rows' other
; row-end targets that read B go through mv_low_b (mv_prepare).
mv_low_shift_af:
        ld a,h
        rla
        sbc a,a
        cp e
        jr nz,mv_clip
        ex af,af'               ; A = the low byte
mv_left_jump_af:
        jp mv_store             ; patched as mv_left_jump
.endif
; shift + 1 < 8: (E:H:L:low byte) >> (shift + 1) is H:L:low byte << (7 - shift),
; which fits in 16 bits when V does and no shift step overflows.
mv_low_shift:
        ld a,h
        rla
        sbc a,a
        cp e
        jr nz,mv_clip
        exx
        ld a,b                  ; the low byte (in the other register set)
        exx
mv_left_jump:
        jp mv_store             ; patched: into the chain below
        .repeat MV_LEFT_STEPS
        add a,a
        adc hl,hl
        jp pe,mv_clip           ; the sign changed: out of range (E still has V's sign)
        .endrepeat
        .assert * - mv_left_jump - 3 == MV_LEFT_STEPS * 6, "mv_chain_at takes 6 bytes a step"
mv_store:
        ex de,hl
        ld hl,0                 ; patched: the row's output
MV_OUT_PTR      = * - 2
MV_STORE_OP     = *             ; (mv_store_adding writes a jp to mv_store_add here)
        ld (hl),e
        inc hl
        ld (hl),d
mv_stored:
        inc hl
        ld (MV_OUT_PTR),hl
mv_next_row:
        dec b                   ; (in the h sum's set: the rows left)
mv_row_jump:
        jp nz,mv_row            ; patched as mv_first_row
mv_part_end:
        ld (MV_ROW_SP),sp       ; where the part ended (a second part's weights follow there)
        ld sp,(mv_saved_sp)
        ret

; mv_store_add - mv_store for a call that adds its output to mv_out's words,
; out[r] = sat16(out[r] + the row's output) (forward.s's residual adds, proj's
; and fc2's: sixteenth round), entered from mv_store's jp (MV_STORE_OP) with
; HL at the row's word and DE its output.
MV_STORE_OPS    = $2373         ; mv_store's ld (hl),e and inc hl, and then ld (hl),d
MV_STORE_OP_3   = $72
.ifndef MV_SHORT_K                      ; (with it, by the whole address)
.ifndef FW_FC1_BYTES
        .assert (mv_store_relu & 255) != (MV_STORE_OPS >> 8) && (mv_store_relu & 255) != (mv_store_add & 255), "mv_gate_prepare tells mv_store_relu's jp by its low byte"
.endif
.endif
mv_store_add:
        ld a,(hl)
        add a,e
        ld (hl),a
        inc hl
        ld a,(hl)
        adc a,d                 ; P/V: a signed overflow
        jp pe,@clip
        ld (hl),a
        jp mv_stored
@clip:                          ; towards the addends' sign (D's)
        dec hl
        ld (hl),0
        ld a,$80
        bit 7,d
        jr nz,@high
        dec (hl)
        ld a,$7F
@high:
        inc hl
        ld (hl),a
        jp mv_stored

.ifdef MV_NARROW_ENDS
; mv_narrow_chain - (MV_NARROW_ENDS, thirty-ninth round) the row end of a narrow whole call that adds its
; output (proj's), entered from the slots' end (MV_SLOTS_END, patched by mv_prepare@row_set): its rows set no
; h sum (MV_NARROW_NO_H), so the slots' H:L:A is the whole 24-bit sum, and V = H:L fits 16 bits with no test.
; The sum shifts left in place by 7 - shift (MV_LEAST_SHIFT: never right), V goes to the h sum's set's D:E,
; whose HL stays on the row's word from row to row (mv_rows_run), and mv_store_add's add follows in line
; with the row count and the next row's start: 143 T-states a row at shift 6 from the slots' end to the
; next row's start against mv_row_end's way's 272 (its V test, the low byte through B, MV_OUT_PTR and five jps).
mv_narrow_chain:
        .repeat MV_LEFT_STEPS
        add a,a
        adc hl,hl
        jp pe,mv_narrow_clip    ; the sign changed: out of range (the carry: the sum's sign)
        .endrepeat
        .assert * - mv_narrow_chain == MV_LEFT_STEPS * 6, "mv_chain_at takes 6 bytes a step"
mv_narrow_end:
        ld a,l
        .byte $DD,$6F           ; ld ixl,a: V's low byte to the other set
        ld a,h
        exx
        ld d,a
        .byte $DD,$5D           ; ld e,ixl
        ld a,(hl)               ; out[r] += V, saturated (mv_store_add's, HL on the row's word)
        add a,e
        ld (hl),a
        inc hl
        ld a,(hl)
        adc a,d                 ; P/V: a signed overflow
        jp pe,mv_store_add@clip ; (which goes on through mv_stored: MV_OUT_PTR, mv_row_jump)
        ld (hl),a
        inc hl
        dec b
        jp nz,mv_row_narrow_k   ; (mv_row_jump's for these rows)
        jp mv_part_end
mv_narrow_clip:
        ld hl,$7FFF
        jr nc,mv_narrow_end
        inc hl                  ; $8000
        jr mv_narrow_end
.endif

.ifndef FW_FC1_BYTES                    ; (the 48K's fc1 by fc1wide.s's fw_fc1_planes: no call stores by it, 13 bytes)
; mv_store_relu - mv_store for a call whose output ReLU follows (fc1's: forward.s),
; max(0, the row's output) (sixteenth round: no pass of vecops.s's vec_relu after).
mv_store_relu:
        bit 7,d
        jr z,@store
        ld de,0
@store:
        ld (hl),e
        inc hl
        ld (hl),d
        jp mv_stored
.endif

.ifdef MV_COARSE
.ifndef MV_GATE_SHORT                   ; (its coarse end stores the zeroed rows' 0 itself)
; mv_store_zero - (a gated call with mv_store_relu, fc1's) a row the gate zeroes: ReLU
; gives 0 (its exact output is <= 0), stored with no shift (mv_gate_prepare).
mv_store_zero:
        ld hl,(MV_OUT_PTR)
        xor a
        ld (hl),a
        inc hl
        ld (hl),a
        jp mv_stored
.endif
.endif

; mv_next_slot - IX from a slot to the next: 25 bytes on, 26 to an odd one (24 and 25 with
; MV_HLA_SLOTS; C rotates the alternation, its carry the extra byte). Clobbers A, F.
        .macro mv_next_slot
        rrc c
        .byte $DD,$7D           ; ld a,ixl
        adc a,MV_SLOT_PAIR / 2
        .byte $DD,$6F           ; ld ixl,a
        jr nc,* + 4
        .byte $DD,$24           ; inc ixh
        .endmacro

; mv_jp_operand - the jp whose opcode lies at IX + at goes to IX + target: its operand
; (the two bytes after it) written. Clobbers A.
        .macro mv_jp_operand at, target
        .byte $DD,$7D           ; ld a,ixl
        add a,target
        ld (ix+at+1),a
        .byte $DD,$7C           ; ld a,ixh
        adc a,0
        ld (ix+at+2),a
        .endmacro

; mv_jp_over_high - the slot at IX (a main slot) skips its high piece: a jp over it to the
; next slot, IX + MV_SLOT_END, written over its exx and the next two bytes. Clobbers A.
        .macro mv_jp_over_high
        ld (ix+MV_H_EXX),MV_H_JP
        mv_jp_operand MV_H_EXX, MV_SLOT_END
        .endmacro

.ifdef MV_LOW_SLOTS
; The low slots (mv_low_prepare): each product's S(w + l) low byte added into A,
; its high byte with the carry into HL (D = 0), the sum in H:L:A as in the coarse
; slots: 74 T-states a product against 77 with ld d,(iy+d), add hl,de and adc
; a,0 into A:HL. A row enters through mv_low_entry (mv_jump), which turns the row
; start's A:HL into that form (23 T-states; 10 more through mv_low_entry_jp, for
; fewer than MV_MAX_COLS columns), and leaves through mv_low_row_end, the coarse
; row end's steps (4 more than mv_row_end's).
.ifdef MV_LOW_HLA
; mv_row_whole_start - mv_row_h_zero's start with its -Cl at `operands` (its low byte, then
; ld bc's opcode and the top two bytes, as MV_COARSE_NC_L0's), and no jp: the slots follow.
MV_WHOLE_NC_END = 8             ; (its top byte's place, from the start)
        .macro mv_row_whole_start operands
        exx
        dec sp
        pop af
        pop hl
        add a,0
operands = * - 1
        ld bc,0
        adc hl,bc
        .endmacro
.endif
mv_low_entry_jp:
        ld e,l
        ld l,h
        ld h,a
        ld a,e
        ld d,0
        jp 0                    ; patched: the first used low slot, or mv_odd_start
MV_LOW_FIRST    = * - 2
mv_low_entry:
        ld e,l                  ; H:L:A = the row start's A:HL, D = 0
        ld l,h
        ld h,a
        ld a,e
        ld d,0
.ifdef MV_LOW_HLA
        jp mv_low_slots         ; (10 T-states a row: mv_row_low_whole runs on into them instead)
; mv_row_hz_resume - (mv_hz_prepare) a second part's row start in the low slots after
; a first part that kept its sums through mv_hz_keep: the whole call's doubled sum
; fits the slots' 24 bits (every |x| <= 384), so the row starts with no h sum, at the
; first part's sum + -Cl - 256 Ch (MV_HZ_R), and ends in mv_hz_store's chains: ~90
; T-states a row less than mv_row_resume's start, mv_jump and mv_low_entry.
mv_row_hz_resume:               ; (the h sum's set, its HL the row's word)
        exx
        ld (MV_HZ_BACK),sp      ; the row's weights (the row before ended there), aside
        ld sp,0                 ; patched: the row's sums in mv_carry (MV_RESUME_CARRY's)
MV_HZ_CARRY     = * - 2
        pop hl                  ; H:L = the first part's V
        pop bc                  ; B = its low byte (C: V's top byte, unused)
        ld (MV_HZ_CARRY),sp
        ld sp,0                 ; patched: the row's weights
MV_HZ_BACK      = * - 2
        ld a,b
        add a,0                 ; patched: R's low byte
MV_HZ_R0        = * - 1
        ld bc,0                 ; patched: its top two (H:L:A = the l sum, D = 0)
MV_HZ_R12       = * - 2
        adc hl,bc
        jp mv_low_slots
; mv_row_low_whole - (mv_hz_prepare) mv_row_h_zero's start for a low call of MV_MAX_COLS
; columns, run on into the first low slot: no jp, 10 T-states a row less.
mv_row_low_whole:
        mv_row_whole_start MV_LOW_WHOLE_NC_L0
.endif
mv_low_slots:
        .repeat MV_MAX_COLS / 2
        pop bc
        .byte $DD,$69           ; ld ixl,c
        .byte $FD,$69           ; ld iyl,c
        add a,(ix+0)
        ld e,(iy+0)
        adc hl,de
        .byte $DD,$68           ; ld ixl,b
        .byte $FD,$68           ; ld iyl,b
        add a,(ix+0)
        ld e,(iy+0)
        adc hl,de
        .endrepeat
        .assert * - mv_low_slots == MV_MAX_COLS / 2 * MV_LOW_PAIR, "low slot size does not match MV_LOW_PAIR"
.ifdef MV_LOW_HLA
        jp mv_low_row_end       ; patched: a short row end, mv_hz_store's chains (mv_hz_prepare)
MV_LOW_END_JP   = * - 2
.endif
mv_low_row_end:                 ; H:L:A = 2 sum w l + 2b, C':HL' = 2 sum w h (SP stays on the next row)
        ex af,af'               ; A' = bits 0-7 (mv_low_shift_af; mv_low_b puts them in B)
        mv_hla_to_other_set
MV_LOW_H_ADD    = *             ; (patched: ex de,hl and nop with mv_row_h_zero, mv_low_prepare)
        add hl,de
        adc a,c
        ld e,a                  ; E:H:L = V
mv_low_check:
        jp mv_shift_jump        ; patched (mv_prepare, with the shift): mv_low_shift_af for a left
                                ; shift, a right shift's target, mv_keep_af, or mv_low_b (mv_flagged)
; mv_low_b - a flagged call's low row: its low byte from A' into B, where mv_flagged's
; way reads it (a full call, which mv_unbias may end, never runs the low slots).
mv_low_b:
        ex af,af'
        exx
        ld b,a
        exx
        jp mv_flagged
.endif

.ifdef MV_BIAS_IN_K
; mv_unbias - a full row's end with a bias (MV_BIAS_IN_K: its row constant is
; -K + 2b, which the full path's row start puts into both sums): V (E:H:L, in the
; h sum's set) has 2b too many, 256 * 2b of the doubled sum. 151 T-states a row
; with its jp on (SP put aside and back: 121 before), where a narrow or coarse row
; saves mv_add_bias's 124.
mv_unbias:
        .byte $DD,$68           ; ld ixl,b: the rows left, aside
        ld (MV_UNBIAS_BACK),sp  ; (SP is on the next row: back there below)
        ld sp,0                 ; patched: the row's bias
MV_UNBIAS_PTR   = * - 2
        pop bc
        ld (MV_UNBIAS_PTR),sp
        sla c
        rl b                    ; B:C = 2b's low word, the carry b's sign
        sbc a,a
        ld d,a                  ; D:B:C = 2b
        or a
        sbc hl,bc
        ld a,e
        sbc a,d
        ld e,a                  ; E:H:L = V - 2b
        .byte $DD,$45           ; ld b,ixl
        ld sp,0                 ; patched: where the row ended
MV_UNBIAS_BACK  = * - 2
mv_unbias_on:
        jp 0                    ; patched: mv_flag_check's target without it
.endif

.ifdef MV_LOW_SLOTS
; mv_keep_af - mv_keep for a low row, whose low byte is in A' (4 T-states more than
; mv_keep, 22 less than through mv_low_b).
mv_keep_af:
        ex de,hl                ; L:D:E = V
        ld c,l
        ex af,af'
        jr mv_keep_store
.endif

; mv_keep - a first part's row end: its sums 256 V + the low byte into mv_carry
; (the other set: E:H:L = V; B = the low byte); SP stays on the next row.
mv_keep:
        ex de,hl                ; L:D:E = V
        ld c,l
        exx
        ld a,b
        exx
mv_keep_store:
        ld hl,0                 ; patched: the row's place in mv_carry
MV_CARRY_PTR    = * - 2
        ld (hl),e
        inc hl
        ld (hl),d
        inc hl
        ld (hl),c
        inc hl
        ld (hl),a
        inc hl
        ld (MV_CARRY_PTR),hl
        jp mv_next_row          ; (the next row follows: its K and the first part's columns alone)

.ifndef MV_WIDE_PM1_OWN                 ; (MV_WIDE_PM1: no walk; a narrow second part starts at mv_row_resume)
; mv_row_any - a row's start in a second part in narrow mode (mv_mode) with
; a wide column (with none, mv_row_resume's start is the same, and shorter):
; the h sum at -Ch + the first part's V - S(w) of each wide column (narrow:
; the other columns skip their high piece, so K does not serve), the l sum
; at -Cl + the first part's low byte (a second part has no bias).
mv_row_any:
        ld (MV_ROW_SP),sp       ; the row's weights (the row before ended there)
        exx                     ; (from the h sum's set)
        ld sp,(mv_saved_sp)     ; (SP was on the weights; mv_wide_sum is called)
        ld hl,(MV_RESUME_CARRY)
        ld e,(hl)
        inc hl
        ld d,(hl)
        inc hl
        ld a,(hl)               ; A:DE = V
        inc hl
        ld c,(hl)               ; C = the first part's low byte (mv_wide_sum keeps C)
        inc hl
        ld (MV_RESUME_CARRY),hl
        .byte $DD,$6B           ; ld ixl,e: to the other set through IXL, IYL and A
        .byte $FD,$6A           ; ld iyl,d
        exx
        ld hl,(MV_FULL_NC_H)
        ld c,a
        .byte $DD,$5D           ; ld e,ixl
        .byte $FD,$55           ; ld d,iyl
        add hl,de
        ld a,(MV_FULL_NC_H_TOP) ; (the loads keep the add's carry)
        adc a,c
        ld c,a                  ; C:HL = -Ch + V
        exx
        call mv_wide_sum
        ld sp,(MV_ROW_SP)       ; the row's weights (a second part's rows have no K)
        ld a,c
        ld hl,(MV_NC_L)         ; A:HL = -Cl + the low byte
        add a,l
        ld l,a
        ld a,(MV_NC_L_TOP)
        jp nc,mv_jump
        inc h
        jp nz,mv_jump
        inc a
        jp mv_jump

; mv_row_narrow - a row's start in narrow mode (a whole call or a first part):
; mv_row_any's, with mv_wide_sum inline.
mv_row_narrow:                  ; (in the h sum's set)
.ifdef MV_BIAS_IN_K
        ld hl,(MV_NARROW_NC_H)  ; C:HL = -Ch (mv_row_narrow_k's operands)
        ld a,(MV_NARROW_NC_H_TOP)
        ld c,a
        exx
        ld a,0                  ; patched: mv_wide_list's length
MV_WIDE_COUNT   = * - 1
        or a                    ; (none: a call whose rows mv_low_deferred sent to the low slots
        jp z,mv_narrow_k        ; after the row start's choice, or mv_exact_row's after a call with none)
        ld b,a
.else
        ld hl,0                 ; patched: C:HL = -Ch
        ld c,0
MV_NARROW_NC_H  = * - 4
MV_NARROW_NC_H_TOP = * - 1
        exx
.ifdef MV_NARROW_H_ZERO
        ld b,0                  ; patched: mv_wide_list's length (1 or more: Ch != 0, else
MV_WIDE_COUNT   = * - 1         ; the rows start at @h_zero)
.else
        ld a,0                  ; patched: mv_wide_list's length
MV_WIDE_COUNT   = * - 1
        or a
        jr z,@k
        ld b,a
.endif
.endif
.ifdef MV_LOW_SLOTS
        ld hl,0                 ; the row's K, then its weights (SP is on it)
        add hl,sp
        ld de,mv_wide_list + 1  ; (in the page of mv_vars)
        ld a,(mv_wide_list)     ; (the low slots' player walks few rows: no patch a call)
        add a,3
.else
        ld hl,0                 ; patched: the first wide column's distance from the row's K, its
MV_FIRST_WIDE   = * - 2         ; index + 3 (mv_prepare; SP is on the K)
        add hl,sp               ; (no carry for the sbc below)
        ld de,mv_wide_list + 1  ; (in the page of mv_vars)
        jr @weight
.endif
@column:
        add a,l
        ld l,a
        jr c,@next_page         ; (no carry for the sbc below)
@weight:
        ld a,(hl)               ; w + 128
        .byte $DD,$6F           ; ld ixl,a
        .byte $FD,$6F           ; ld iyl,a
        exx
        ld e,(ix-1)             ; C:HL -= S(w)
        ld d,(iy-1)
        sbc hl,de
        jr nc,* + 3
        dec c
        exx
        ld a,(de)               ; the next one's distance from this one (the last
        inc e                   ; column's read goes past the list, unused)
        djnz @column
.ifdef MV_BIAS_IN_K
.ifdef MV_HLA_NARROW_K
        ld d,0                  ; (mv_slots' D: the walk took DE)
.endif
        jp mv_narrow_k
.else
.ifdef MV_NARROW_H_ZERO
        jr @k
; A narrow row's start when the call has no wide column (Ch = 0): the h sum
; stays 0, so it sets none, and mv_row_end (MV_ROW_H_ADD, patched with the row
; start's choice) takes V from the l sum alone: 34 T-states a row less than
; mv_row_narrow's start, MV_NARROW_JUMP's first form's jp to @k and the add (47
; less than the count's test, ld a,n, or a and jr z,@k, in its place).
@h_zero:                        ; (in the h sum's set)
        exx
.endif
@k:
        pop de                  ; SP on the row's -K (where the row before ended), C:DE = -K
        dec sp
        pop af                  ; A = -K's top byte, SP on the weights
        ld hl,0                 ; patched: A:HL = -Cl - K (the top byte's add an
MV_NARROW_NC_L  = * - 2         ; immediate, 8 T-states less than mv_l_from_k's
        add hl,de               ; ld c,a, ld a,n and adc a,c; no jp a narrow row)
        adc a,0
MV_NARROW_NC_L_TOP = * - 1
@bias_jump:
        jp mv_jump              ; patched as mv_bias_jump
.endif
@next_page:
        inc h
        or a
        jr @weight
.endif

.ifdef MV_SPARSE
; mv_row_sparse - a sparse call's row start (a whole call or a first part): no K,
; as the slots subtract each nonzero column's S(w) themselves and skip the others;
; the h sum at 0 (Ch = 0: every column is one piece).
mv_row_sparse:                  ; (in the h sum's set)
        ld hl,0
        ld c,l
        exx
MV_SPARSE_POP   = *             ; (MV_SPARSE_PAIR_SKIP's mv_last_alone: nop, nop)
        pop de                  ; SP past the row's K, on its weights
MV_SPARSE_K     = *             ; (MV_SHORT_K: nop)
        inc sp
        ld de,0
        ld c,e
        jp mv_l_from_k
.endif

; mv_row_resume - a second part's row start in full mode, or in narrow mode with
; no wide column (a sparse call's, most of fc2's): mv_row_any's, shorter.
mv_row_resume:                  ; (in the h sum's set)
        ld (MV_RESUME_BACK),sp  ; the row's weights (the row before ended there), aside
        ld sp,0                 ; patched: the row's sums from the first part, in mv_carry
MV_RESUME_CARRY = * - 2         ; (matvec; mv_row_any's too)
        pop hl                  ; V's low word
        ld de,(MV_FULL_NC_H)
        add hl,de
        pop de                  ; E = V's top byte, D = the low byte (this set's B counts the rows)
        ld (MV_RESUME_CARRY),sp
        ld sp,0                 ; patched: the row's weights (a second part's rows have no K)
MV_RESUME_BACK  = * - 2
        ld a,(MV_FULL_NC_H_TOP)
        adc a,e                 ; (the add's carry: pop and the loads keep the flags)
        ld c,a                  ; C:HL = -Ch + V
        ld a,d
        exx
        ld hl,(MV_NC_L)         ; A:HL = -Cl + the low byte
        add a,l
        ld l,a
        ld a,(MV_NC_L_TOP)
        jp nc,mv_jump
        inc h
        jp nz,mv_jump
        inc a
        jp mv_jump

.ifndef MV_WIDE_PM1_OWN
; mv_wide_sum - C':H':L' -= S(w) for each of the row's wide columns. Clobbers
; AF, B, DE, HL, IXL, IYL and D'E'.
mv_wide_sum:
        ld a,(MV_WIDE_COUNT)
        or a
        ret z
        ld b,a
        ld hl,(MV_ROW_SP)       ; the row's weights
        ld de,mv_wide_list      ; (in the page of mv_vars)
@column:
        ld a,(de)               ; the distance from the wide column before
        inc e
        add a,l
        ld l,a
        jr c,@next_page         ; (no carry for the sbc below)
@weight:
        ld a,(hl)               ; w + 128
        .byte $DD,$6F           ; ld ixl,a
        .byte $FD,$6F           ; ld iyl,a
        exx
        ld e,(ix-1)             ; S(w)
        ld d,(iy-1)
        sbc hl,de
        jr nc,* + 3
        dec c
        exx
        djnz @column
        ret
@next_page:
        inc h
        or a
        jr @weight
.endif

; mv_fixup - E:H:L = V -= 2w for each flagged column (its h ran as -127, not -128).
; A = the count, mv_row_ptr = the row's end (mv_flag_list holds each column's
; distance from it, negated). Clobbers AF, BC, D.
mv_fixup:
        ld (mv_v),hl
        ld b,a
        ld a,e
        ld (mv_v+2),a
        ld hl,mv_flag_list
@column:
        push hl
        ld e,(hl)               ; the column's weight: the row's end less the columns from it on
        ld d,$FF
        ld hl,(mv_row_ptr)
        add hl,de
        ld a,(hl)
        xor $80
        ld e,a
        rla
        sbc a,a
        ld d,a
        ld c,a                  ; C:DE = w, sign-extended
        ld hl,(mv_v)
        ld a,(mv_v+2)
        and a
        sbc hl,de
        sbc a,c
        and a
        sbc hl,de
        sbc a,c
        ld (mv_v),hl
        ld (mv_v+2),a
        pop hl
        inc hl
        djnz @column
        ld hl,(mv_v)
        ld e,a
        ret

; mv_chain_at - HL = chain_end - A * 6 (6 bytes a step of either chain, A <= MV_CHAIN_BITS):
; the entry A steps before the chain's end. Clobbers AF, DE. Inline: 52 T-states, 35 less
; than a call of a routine with its ld de,n (a call a matvec, both shifts).
        .macro mv_chain_at chain_end
        ld e,a
        add a,a
        add a,e
        add a,a                 ; A * 6 (no carry: at most 42)
        ld e,a
        ld d,0
        ld hl,chain_end
        sbc hl,de
        .endmacro

.ifdef MV_HZ_ENDS
; The short row ends for mv_slots' narrow rows (MV_HZ_ENDS, the 48K's where it has the room,
; twenty-fourth round: the 128K's mv_hz_* of the seventeenth round in mv_slots' H:L:A form). A
; narrow row of a call with no wide column (Ch = 0: mv_row_narrow_k's) keeps no h sum, so its
; whole doubled sum is the slots' H:L:A (every column one piece: it fits the 24 bits) and V =
; H:L always fits 16 bits: the row's end shifts H:L:A in the slots' set and stores H:L through
; the other set's HL, which holds the row's word (mv_part loads it), with no move of V to that
; set, no test of its top byte and no output pointer in memory; its start, mv_row_hz, sets no
; h sum. mv_hz_prepare (mv_part) writes mv_row_end's first bytes as a jp to the chain's entry
; for the shift, or puts them back; a call that adds to its output (mv_store_add) stores
; through mv_hz_add. Any other call (a sparse, full, coarse or resumed one, a first part, a
; row with wide columns, fc1's mv_store_relu when it runs exact, a shift above 7) ends its rows
; in mv_row_end as before.
mv_hz_left:                     ; H:L:A << (7 - shift), entered 6 bytes a step before its end
        .repeat MV_LEFT_STEPS   ; (the sum's top bits change sign when it does not fit: CF its sign)
        add a,a
        adc hl,hl
        jp pe,mv_hz_clip
        .endrepeat
; mv_hz_store - H:L (the slots' set) into the row's word at the other set's HL; the next row.
mv_hz_store:
        ld a,l                  ; patched: jp mv_hz_add for a call that adds to its output
        exx
        ld (hl),a
        inc hl
        exx
        ld a,h
        exx
mv_hz_high:
        ld (hl),a
        inc hl
        dec b                   ; (the h sum's set: the rows left)
        jp nz,mv_row_hz
mv_hz_done:
        jp mv_part_end          ; patched: mv_hz_wide_end after a call with wide columns
MV_HZ_OWN_OPS   = $D97D         ; mv_hz_store's ld a,l and exx, and then ld (hl),a
MV_HZ_OWN_OP_3  = $77
mv_hz_clip:
        ld hl,$7FFF
        jr nc,mv_hz_store
        inc hl                  ; $8000
        jr mv_hz_store
; mv_hz_add - mv_hz_store for a call that adds to its output (mv_store_add's sum, clipped
; towards the addends' sign).
mv_hz_add:
        ld a,l
        exx
        add a,(hl)
        ld (hl),a
        inc hl
        exx
        ld a,h
        exx
        adc a,(hl)              ; P/V: a signed overflow
        jp po,mv_hz_high
        mv_hz_clip_high
        jr mv_hz_high

; mv_hz_prepare - (mv_part, after mv_prepare) the short row ends for this call's rows where they
; serve (above), else mv_row_end's own first bytes. Clobbers AF, DE, HL.
mv_hz_prepare:
        ld a,(mv_mode)          ; (a first part keeps its sums: mv_keep)
        and MV_KEEP
        jr nz,@own
        ld hl,(mv_first_row+1)  ; mv_prepare's row start: mv_row_narrow_k's, no h sum
        ld de,mv_row_narrow_k
        sbc hl,de               ; (no carry)
.ifdef MV_PAIR_SLOTS
        jr z,@narrow
        ld de,mv_row_narrow - mv_row_narrow_k   ; mv_row_narrow's: wide columns (mv_hz_wide)
        sbc hl,de               ; (a carry only from a start below mv_row_narrow_k's: none is at mv_row_narrow + 1)
        jr nz,@own
        call mv_wide_h_pm1      ; Z: every wide column's h +-1
        jr nz,@own
@narrow:
.else
        jr nz,@own
.endif
        ld hl,MV_HZ_OWN_OPS     ; the store: mv_hz_store's own, or its first bytes a jp
        ld e,MV_HZ_OWN_OP_3
        ld a,(MV_STORE_OP)
        cp MV_STORE_OPS & 255
        jr z,@store_set
        ld hl,(MV_STORE_OP+1)
        ld de,mv_store_add      ; (mv_store_relu: fc1's when it runs exact)
        sbc hl,de               ; (no carry: cp's NZ left it as it was, the jp's $C3 > $73)
        jr nz,@own
        ld hl,(mv_hz_add & 255) * 256 + $C3     ; jp mv_hz_add
        ld e,mv_hz_add >> 8
@store_set:
        ld (mv_hz_store),hl
        ld a,e
        ld (mv_hz_store+2),a
        ld a,(mv_shift)         ; the chain's entry for the shift: shift 7 straight to the store
        ld hl,mv_hz_store
        sub MV_CHAIN_BITS
        jr z,@entry
        jr nc,@own              ; (a shift above 7: the right chains)
        ld hl,(mv_left_jump+1)  ; (mv_prepare's left chain's entry, 7 - shift steps)
        ld de,mv_hz_store - mv_store
        add hl,de
@entry:
.ifdef MV_PAIR_SLOTS
        ld a,(mv_first_row+1)   ; mv_row_narrow's: wide columns, their high pieces into the
        cp mv_row_narrow_k & 255        ; slots' H:L, and back at the call's end
        jr z,@no_wide
        .assert (mv_row_narrow_k & 255) != (mv_row_narrow & 255), "mv_hz_prepare tells the row starts by their low bytes"
        push hl
        ld hl,mv_hz_wide_end
        ld (mv_hz_done+1),hl
        ld a,mv_hz_wide@short - mv_hz_wide@mode - 2
        call mv_hz_wide
        pop hl
@no_wide:
.endif
        ld de,mv_row_hz         ; every row from the first (its HL: mv_part's)
        ld (mv_first_row+1),de
        ld a,$C3                ; jp HL
        jr @end_set
@own:
        ld hl,(MV_ROW_END_OPS >> 8) + (MV_ROW_END_OP_3 << 8)
        ld a,MV_ROW_END_OPS & 255
@end_set:
        ld (mv_row_end),a
        ld (mv_row_end+1),hl
        ret
.ifdef MV_PAIR_SLOTS
; mv_hz_wide - (mv_hz_prepare or MV_WIDE_PM1's mv_wide_pm1_prepare, A = @short - @mode - 2) for a narrow call's rows
; with wide columns too, where each has h = +-1 (as the 128K's coarse and low blocks: every |x| <=
; 384, so the doubled sum fits the slots' 24 bits): each wide column's high piece, 2wh = +-2w, goes
; into the slots' H:L from the weight its slot popped (C, or B in an odd slot): ld e,c and add hl,de
; twice for h = 1, 2(w + 128); scf and sbc hl,de twice for h = -1, -2(w + 128) - 2; then a jr to
; the piece's end. Their -256 and +258 go into -Cl's top two bytes (mv_narrow_k's start), and the
; rows start at mv_row_hz, with no walk and no h sum. With A = @back - @mode - 2 (mv_hz_wide_end,
; the call's end) it puts the pass's form back, and -Cl's bytes. Clobbers everything but IY.
; mv_hz_wide_end - (mv_hz_store's end after a call with wide columns) mv_part_end's, and the
; pass's form back in the wide columns' high pieces (on into mv_hz_wide).
mv_hz_wide_end:
        ld (MV_ROW_SP),sp
        ld sp,(mv_saved_sp)
        ld hl,mv_part_end
        ld (mv_hz_done+1),hl
        ld a,mv_hz_wide@back - mv_hz_wide@mode - 2
.endif
.endif
.ifdef MV_HZ_WIDE
mv_hz_wide:
        ld (@mode+1),a
        ld ix,(mv_first_slot)
        ld a,(mv_first_parity)
        ld c,a                  ; C: the slot's step (bit 0: an odd slot), as the pass's
        ld a,(MV_WIDE_COUNT)
        ld b,a
        ld hl,mv_wide_list      ; the first one's index, then each one's distance from the last
@column:
        ld e,(hl)
        inc hl
        inc e
        jr @count
@step:
        ld a,c
        .byte $DD,$85           ; add a,ixl
        .byte $DD,$6F           ; ld ixl,a
        jr nc,* + 4
        .byte $DD,$24           ; inc ixh
        ld a,c
        xor MV_ODD_IX ^ (MV_SLOT_PAIR - MV_ODD_IX)
        ld c,a
@count:
        dec e
        jr nz,@step
        push hl
        push bc
        push ix
        pop hl
        ld de,MV_EVEN_H + MV_H_EXX      ; the column's high piece
        bit 0,c
        jr z,* + 5
        ld de,MV_H_EXX
        add hl,de
        push hl
        inc hl
@mode:
        jr @short               ; patched: @back
@short:
        inc hl
        inc hl
        ld a,(hl)               ; the pass's displacement: h - 1
        ld de,-256
        ld hl,mv_hz_plus
        or a
        jr z,@op
        ld de,258
        ld hl,mv_hz_minus
@op:
        ld a,c
        and 1
        xor $59                 ; ld e,c, or ld e,b in an odd slot
        jr @form
@back:
        ld a,(hl)
        ld de,256
        ld hl,mv_hz_own_plus
        cp $19                  ; (add hl,de: h = 1's form)
        jr z,* + 8
        ld de,-258
        ld hl,mv_hz_own_minus
        ld a,$D9                ; exx
@form:
        push hl
        ld hl,(MV_NARROW_NC_L12)
        add hl,de
        ld (MV_NARROW_NC_L12),hl
        pop hl
        pop de                  ; the high piece
        push de
        ld bc,MV_HZ_FORM
        ldir
        pop hl
        ld (hl),a
        pop bc
        pop hl
        djnz @column
        ret
MV_HZ_FORM      = 9             ; the bytes written (h = 1's form 5, the rest jumped over)
mv_hz_plus:
        .byte 0                 ; (ld e,c or ld e,b)
        add hl,de
        add hl,de
        jr * + 9                ; (to the piece's end: 12 bytes from its start)
mv_hz_minus:
        .byte 0
        scf
        sbc hl,de
        scf
        sbc hl,de
        jr * + 5
mv_hz_own_plus:
        .byte $D9               ; the pass's form (exx, ld e,(ix+h), ld d,(iy+h), add hl,de, jr nc)
        .byte $DD,$5E,0,$FD,$56,0,$19,$30  ; (the displacements h - 1)
mv_hz_own_minus:
        .byte $D9
        .byte $DD,$5E,$FE,$FD,$56,$FE,$19,$30
.endif
.ifdef MV_WIDE_PM1_OWN
; mv_wide_pm1_prepare - (mv_part, after mv_prepare; MV_WIDE_PM1) a narrow call or part with wide columns (each
; of h +-1, mv_prepare, matvec): mv_hz_wide's forms in their high pieces, no h sum (-Ch's operands 0: the forms'
; 2wh and their -256 and +258 in -Cl are the whole of it; the rows from mv_row_narrow_k, a second part's from
; mv_row_resume, whose -Cl is MV_NC_L's), and mv_wide_pm1_back as
; mv_part's return, which puts the pass's form back after the last row (mv_part_end's ret; mv_part saves SP
; after this). Any other call: nothing (matvec_again's too: -Cl's bytes are back, its mode and list stand).
; Clobbers everything but IY.
mv_wide_pm1_prepare:
        ld a,0                  ; patched: mv_wide_list's length (the pass)
MV_WIDE_COUNT   = * - 1
        or a
        ret z
        ld a,(mv_mode)
        rra                     ; MV_NARROW (mv_prepare): a whole call or either part
        ret nc
        xor a
        ld h,a
        ld l,a
        ld (MV_FULL_NC_H),hl    ; (a second part's, mv_row_resume's: a narrow call's rows have no h sum)
        ld (MV_FULL_NC_H_TOP),a
        ld hl,(MV_NARROW_NC_L12)
        push hl
        ld a,mv_hz_wide@short - mv_hz_wide@mode - 2
        call mv_hz_wide
        pop de                  ; the forms' -256s and +258s in -Cl's top two bytes: a second part's
        ld hl,(MV_NARROW_NC_L12)        ; row start, mv_row_resume, reads them in MV_NC_L's
        or a
        sbc hl,de
        ld a,(MV_NC_L + 1)
        add a,l
        ld (MV_NC_L + 1),a
        ld a,(MV_NC_L_TOP)
        adc a,h
        ld (MV_NC_L_TOP),a
        pop hl                  ; mv_part's return
        ld de,mv_wide_pm1_back
        push de                 ; (under it: mv_part_end's ret comes here)
        jp (hl)
; mv_wide_pm1_back - the pass's form back in the wide columns' high pieces (mv_hz_wide, which returns
; to mv_part's caller). Clobbers everything but IY.
mv_wide_pm1_back:
        ld a,mv_hz_wide@back - mv_hz_wide@mode - 2
        jp mv_hz_wide
.endif

; mv_prepare - the row pointers and the shift; then (unless matvec_again)
; every used slot's displacements, the sums -Cl and -Ch and the flagged
; columns. Clobbers everything but IY (saved by matvec).
mv_prepare:
        ld hl,(mv_out)
        ld (MV_OUT_PTR),hl
        ld hl,(mv_bias)
        ld (MV_BIAS_PTR),hl
        ld a,h
        or l
        ex af,af'               ; Z': no bias (A' is free in matvec: 8 T-states less than reading it again)
        ld a,(mv_shift)         ; the row's end shifts V (already >> 8) by shift + 1 - 8
        sub MV_CHAIN_BITS
        jr nc,@shift_right
        neg                     ; left by 7 - shift
        mv_chain_at mv_store
        ld (mv_left_jump+1),hl
.ifdef MV_NARROW_ENDS
        ld de,mv_narrow_end - mv_store
        add hl,de
        ld (MV_NARROW_ENTRY),hl ; (mv_narrow_chain's steps as the left chain's)
.endif
.ifdef MV_LOW_SLOTS
        ld (mv_left_jump_af+1),hl
.ifdef MV_LOW_HLA
        ld de,mv_hz_store - mv_store    ; (the short row ends' chain, mv_hz_prepare)
        add hl,de
        ld (mv_hz_shift),hl
        ld a,(mv_hz_again)      ; matvec_again after the low copy's short ends: nothing more
        or a                    ; (@again)
        jr nz,@again
.endif
        ld hl,mv_low_shift_af   ; the low rows' head (their low byte in A')
        ld (mv_low_check+1),hl
.endif
        ld hl,mv_low_shift
        jr @shift_set
.ifdef MV_LOW_HLA
@hz_seven:                      ; (A = 0)
        ld (mv_hz_shift),hl
        ld a,(mv_hz_again)
        or a
        jr z,@hz_right_set      ; (A = 0 again)
; matvec_again on the x of a call whose rows took the low copy's short ends (mv_hz_again, which
; matvec clears), at a shift of 7 or less: its rows take them too (mv_hz_prepare@again: only the
; output and the shift's entry), so nothing else here serves them: not the row ends' chains,
; the bias, the flags or the rows' start (the copy's, from the call before: 10 T-states a call
; less than mv_row_h_zero), only mv_row_jump's mv_row_h_zero, which tells mv_hz_prepare
; the look it takes (eighteenth round: ~450 T-states a call less, k's and v's).
@again:
        ld hl,mv_row_h_zero
        ld (mv_row_jump+1),hl
        ret
.endif
@shift_right:
.ifdef MV_LOW_HLA
        ld hl,mv_hz_store       ; (the short row ends: shift 7 straight to the store, none
        or a                    ; above: mv_hz_prepare leaves those rows the chains above)
        jr z,@hz_seven
        ld h,0
        ld (mv_hz_shift),hl
.endif
@hz_right_set:
.ifdef MV_LEAST_SHIFT
.ifdef MV_NARROW_ENDS
        ld hl,mv_narrow_end     ; (a shift of 7: no step)
        ld (MV_NARROW_ENTRY),hl
.endif
        ld hl,mv_saturate       ; (a shift of 7: A = 0, no bits and no bytes to move)
.else
        ld c,a
        and MV_CHAIN_BITS
        mv_chain_at mv_saturate
        ld (mv_chain_jump+1),hl
        ld a,c
        rrca
        rrca
        rrca
        and 3                   ; the whole bytes
        jr z,@right_set         ; none: straight into the chain
        ld (mv_right_bytes+1),a
        ld hl,mv_right_bytes
.endif
@right_set:
.ifdef MV_LOW_SLOTS
        ld (mv_low_check+1),hl  ; (a right shift reads no low byte)
.endif
@shift_set:
        ld a,(mv_mode)
        and MV_KEEP
        jr z,@keep_set
.ifdef MV_LOW_SLOTS
        ld hl,mv_keep_af        ; (the low rows' low byte is in A')
        ld (mv_low_check+1),hl
.endif
        ld hl,mv_keep           ; a first part keeps its sums instead
@keep_set:
        ld (mv_shift_jump+1),hl
        ex af,af'               ; Z: no bias
.ifdef MV_BIAS_IN_K
.ifdef MV_SPARSE
        jr z,@bias_known
        ld a,(mv_sparse_on)     ; only a sparse call's rows, which skip K, add the bias
        or a
@bias_known:
.else
        xor a                   ; (no sparse call: every row's constant has the bias)
.endif
        ld hl,mv_jump           ; (the others have it in their row constants: mv_unbias for the full path)
        jr z,@bias_set
        ld hl,mv_add_bias
@bias_set:
        ld (mv_bias_jump+1),hl
.else
        ld hl,mv_jump
        jr z,@bias_set
        ld hl,mv_add_bias
@bias_set:
        ld (mv_bias_jump+1),hl
        ld (mv_row_narrow@bias_jump+1),hl
.endif
.ifndef MV_NO_AGAIN
        ld a,(mv_same_x)
        or a
        jp nz,@flag_jump
.endif
@columns_setup:                 ; (MV_LOW_SLOTS: again after a pass for the other slots)
        ld a,(mv_cols)          ; the first slot: MV_MAX_COLS - cols
        neg
        add a,MV_MAX_COLS
        ld c,a
        srl a
        ld b,a
        ld hl,mv_slots
        ld de,MV_SLOT_PAIR
        jr z,@at_pair
@pair:
        add hl,de
        djnz @pair
@at_pair:
        bit 0,c
        jr z,@even
        ld de,MV_ODD_AT
        add hl,de               ; the odd slot, entered through mv_odd_start
        ld (mv_odd_jump+1),hl
        ld de,mv_odd_start
.ifdef MV_HLA_SLOTS
        ld (MV_SLOT_JUMP),de
.ifdef MV_HLA_NARROW_K
        ld (MV_HLA_JUMP),de
.endif
.else
        ld (mv_jump+1),de
.endif
        dec hl                  ; (its offsets count from one byte before it)
        jr @slot_ready
@even:
.ifdef MV_HLA_SLOTS
        ld (MV_SLOT_JUMP),hl
.ifdef MV_HLA_NARROW_K
        ld (MV_HLA_JUMP),hl
.endif
.else
        ld (mv_jump+1),hl
.endif
@slot_ready:
        ld (mv_first_slot),hl
        push hl
        pop ix                  ; IX: the slot being patched
        bit 0,c
.ifdef MV_PAIR_SLOTS
        ld c,MV_ODD_IX          ; C: the step from this slot to the next (bit 0: an odd slot)
        jr z,* + 4
        ld c,MV_SLOT_PAIR - MV_ODD_IX
.else
        ld c,$AA                ; C: the slots' parities (1: odd), one a bit, rotated out a column at a time
        jr z,* + 4
        ld c,$55
.endif
        ld a,c
        ld (mv_first_parity),a
        xor a
        ld (mv_flag_count),a
.ifdef MV_WIDE_PM1_OWN
        ld (MV_WIDE_OTHER),a    ; (each pass: a wide column of h other than +-1)
.endif
        ld iy,0                 ; IY: Cl's low word (matvec sets IY after this)
        ld a,mv_wide_list & 255
        ld (mv_wide_end),a
.ifdef MV_GATE_PASS
        ld a,(mv_coarse_on)     ; a coarse call (fc1's, the logits') runs the coarse slots, not
        or a                    ; these: its pass only sums Cl and Ch and lists the wide columns
        jr z,@exact_pass                        ; (a one-piece column straight to the djnz, IX
        ld hl,MV_CL_SKIP_OPS                    ; left on its slot, no low displacement stored:
        ld (@cl_added),hl                       ; the pass's end puts the stores back);
        ld a,@column_loop - @piece_jr - 2       ; mv_coarse_prepare runs the pass again if the
        ld de,MV_GATE_LIST                      ; call turns out exact, and mv_exact_row before
        jr @piece_set                           ; its first row
@exact_pass:
.endif
        ld a,(mv_mode)          ; the slots' high pieces as the mode before (a second part: its
        and MV_NARROW           ; first part's) expects; mv_skip_high or mv_restore_high after if not
.ifdef MV_PAIR_SLOTS
.ifdef MV_PAIR_JPS_KEPT
        ld a,@full_dh - @piece_jr - 2           ; full: the displacements only (the pass again
        ld de,@h_full                           ; if the call turns out narrow: no mv_skip_high)
        jr z,@piece_set
        push ix                                 ; narrow: every one-piece column's jps kept, the
        call mv_pairs_back                      ; pairs the last narrow pass set running get
        pop ix                                  ; theirs back first (never in a coarse call's
        ld a,MV_NARROW_PIECE                    ; pass, whose end leaves mv_h_skipped as it is);
        ld de,@record                           ; its slot as it is, a wide one's high piece
.else                                           ; run and listed
        ld a,MV_NARROW_PIECE                    ; narrow: a one-piece column's jp checked, a
        ld de,@record                           ; wide one's high piece run and listed
        jr nz,@piece_set
        ld a,@full_dh - @piece_jr - 2           ; full: the displacements only (the pass again
        ld de,@h_full                           ; if the call turns out narrow: no mv_skip_high)
.endif
@piece_set:
        ld (@piece_jr+1),a
        ld (@h_store+1),de
.else
        ld a,(@dh)
.ifdef MV_LOW_SLOTS
        jp z,@expect_full       ; (past the low slots' choice)
.else
        jr z,@expect_full
.endif
        cp $DD
        jr z,@expected          ; (patched so already)
        ld hl,$CBDD             ; bit 4,(ix+MV_H_EXX): a jp over a one-piece column's high
        ld (@dh),hl             ; piece, and the wide columns listed
        ld a,MV_H_EXX
        ld (@dh+2),a
        ld a,$C3
        ld (@h_store),a
        ld hl,@record
        ld (@h_store+1),hl
@expected:
.ifdef MV_LOW_SLOTS
; Narrow mode expected: most such calls run the low slots, so the pass writes their
; displacements (IX on them, their step, a wide column only listed: its block after
; the pass, mv_low_prepare); the main slots' pass for a sparse call, the logits'
; (mv_exact_row's rows: the one-piece columns' jps checked as without MV_LOW_SLOTS),
; and again for a call that turns out to need the main slots (mv_pass_main).
        ld hl,mv_pass_main
        ld a,(hl)
        ld (hl),0
        ld de,@record           ; (the main slots': a wide column's high piece runs)
        ld b,@next_slot - @piece_jr - 2     ; a one-piece column's slot left as it is
        or a                                ; (mv_one_piece_walk's, mv_sparse_walk's;
.ifdef MV_RAW_PASS
        jr nz,@main_or_checked              ; more than 1: mv_exact_row's after the logits)
.else
        jr nz,@main_pass
.endif
.ifdef MV_SPARSE
        ld a,(mv_sparse_on)
        or a
        jr nz,@main_pass
.endif
.ifdef MV_COARSE
.ifndef MV_COARSE_UNCALLED
        ld a,(mv_coarse_on)
        rra                     ; (1 or MV_COARSE_RAW: an ungated call, which mv_exact_row may follow)
        .assert (MV_COARSE_GATE & 1) == 0, "mv_coarse_on's bit 0: a coarse call that mv_exact_row may follow"
.ifdef MV_LOW_HLA
        .assert (MV_COARSE_RAW & 1) == 1 && MV_COARSE_RAW > MV_COARSE_GATE, "mv_coarse_on's bit 0: a coarse call that mv_exact_row may follow (and mv_hz_prepare's jr nc)"
.endif
.ifdef MV_RAW_PASS
        jr nc,@not_raw
        ld b,@column_loop - @piece_jr - 2   ; the logits' pass writes no slot (a one-piece column
        ld de,@record_list                  ; straight to the djnz, a wide one only listed, IX
        jr @main_pass                       ; left on its slot): mv_exact_row's pass checks the
@main_or_checked:                           ; jps before its first row, mv_low_deferred's
        dec a                               ; the general one if the call turns out exact
        jr z,@main_pass
        ld b,@one_piece - @piece_jr - 2
        jr @main_pass
@not_raw:
.else
        ld b,@one_piece - @piece_jr - 2     ; (the logits': its jps checked in the pass)
        jr c,@main_pass
.endif
.endif
.endif
        ld a,(mv_cols)
        neg
        add a,MV_MAX_COLS
        ld hl,mv_low_slots      ; (slot 0: a whole call's, ~120 T-states less than mv_low_slot_at)
        call nz,mv_low_slot_at
        push hl
        pop ix                  ; IX: the first used low slot
        ld a,(mv_first_parity)  ; from an even slot four at a time (@low_quad, entered at
        rra                     ; @low_enter), from an odd one as the main slots' pass
.ifdef MV_GATE_QUADS
        ld hl,mv_gate_quads     ; (fc1's gated call: the quads without their stores)
.else
        ld hl,@low_enter
.endif
        ld a,@low_resume - @column_loop - 2
        jr nc,* + 7
        ld hl,@column
        ld a,@column - @column_loop - 2
        ld (@entry+1),hl
        ld (@column_loop+1),a
        ld de,@record_low
        ld b,@next_slot - @piece_jr - 2
        ld a,MV_LOW_PAIR / 2
        ld c,1
        jr @pass_set
@main_pass:
        call @main_loop
        ld a,MV_SLOT_PAIR / 2
        ld c,0
@pass_set:
        ld (@step+1),a
        ld a,c
        ld (mv_pass_low),a
        ld a,(mv_first_parity)
        ld c,a
        ld (@h_store+1),de
        ld a,b
        ld (@piece_jr+1),a
.endif
        jr @pass
@expect_full:
        cp $C3
        jr z,@pass
        ld a,$C3                ; jp @full_dh: the displacements only
        ld (@dh),a
        ld hl,@full_dh
        ld (@dh+1),hl
        ld hl,$77DD             ; ld (ix+d),a
        ld (@h_store),hl
        ld a,MV_D_H_STORE
        ld (@h_store+2),a
.ifdef MV_LOW_SLOTS
        ld a,@one_piece - @piece_jr - 2
        ld (@piece_jr+1),a
        ld a,MV_SLOT_PAIR / 2   ; (the main slots' pass)
        ld (@step+1),a
        xor a
        ld (mv_pass_low),a
        ld (mv_pass_main),a
        call @main_loop
.endif
.endif
@pass:
.ifdef MV_SPARSE_PAIR_SKIP
        call mv_kept_pass       ; (slots left sparse undone first where the pass is for the main slots)
        nop                     ; (exx and ld hl,0 there: the code after keeps its addresses)
.else
        exx
        ld hl,0                 ; B':IY = Cl, C':DE' = Ch, L': the wide columns, H': the last one
.endif
        ld d,h
        ld e,l
        ld b,h
        ld c,l
        exx
        ld (mv_saved_sp),sp
        ld sp,(mv_x)            ; SP walks x (interrupts are off)
        ld a,(mv_cols)
        ld b,a                  ; B = columns left
.ifdef MV_LOW_SLOTS
@entry:
        jp @column              ; patched: @low_enter (the low slots' pass from an even slot)
@low_resume:                    ; (the low slots' pass after a wide column: the quads again)
.ifdef MV_GATE_QUADS
        jp mv_gate_quads        ; (fc1's gated call's without their stores)
.else
        jp @low_enter
.endif
.endif

@column:
        pop hl                  ; x
@column_popped:
        ld a,l                  ; x + 127: its high byte is h and its low byte l + 127 (x = 256h + l,
        add a,127               ; l in -127..128), S(l)'s place in the squares' page (S(n) at n + 127):
        ld l,a                  ; 20 T-states a one-piece column less than testing the low byte's sign
        ld a,h
        adc a,0                 ; A = h; Z: h = 0; V: h = +128 (x > 32640: $80, as h = -128)
        ex af,af'               ; (A' is free in the pass)
@after_ex:
        ld h,MV_SQ_PAGE
        ld e,(hl)
        ld h,MV_SQ_PAGE + 2
        ld d,(hl)
        add iy,de               ; Cl += S(l): its low word in IY
        jr c,@cl_carry          ; (its top byte in B')
@cl_added:
        ld a,l                  ; the low displacement, l - 1 = (l + 127) xor $80
        xor $80                 ; (MV_GATE_PASS: a coarse call's pass patches both into a jr
        ld (ix+MV_D_L1),a       ; over the stores, @cl_stored)
        ld (ix+MV_D_L2),a
@cl_stored:
        ex af,af'
.ifdef MV_GATE_PASS
MV_CL_STORE_OPS = $EE7D         ; ld a,l / xor $80: @cl_added's first two bytes
MV_CL_SKIP_OPS  = $18 | ((@cl_stored - @cl_added - 2) << 8)    ; jr @cl_stored
.endif
@piece_jr:
        jr z,@one_piece         ; h = 0: S(0) adds nothing to Ch (MV_LOW_SLOTS, narrow mode
                                ; expected: patched to @next_slot, mv_one_piece_walk's then)
        jp pe,@h_set            ; (h = +128 runs as it is)
        cp $80
        jr z,@flagged
@h_set:
        dec a                   ; A = h - 1
.ifdef MV_WIDE_PM1_OWN
        ld e,a
        add a,2
        and $FD                 ; Z: h +-1 (A = 0 or -2)
        jr z,* + 5
        ld (MV_WIDE_OTHER),a    ; (nonzero: the call runs full, whichever mode the pass expects)
        ld a,e
.endif
        ld h,MV_SQ_PAGE
.ifdef MV_LOW_SLOTS
@h_store:
        ld (ix+MV_D_H1),a       ; patched: jp @record (@record_low for the low slots) when
        ld (ix+MV_D_H2),a       ; narrow mode is expected
MV_D_H_STORE    = MV_D_H1       ; (the low slots' pass writes neither)
.else
.ifdef MV_PAIR_SLOTS
@h_store:
        jp @h_full              ; patched: @record when narrow mode is expected
@one_piece:                     ; (@piece_jr's target when full mode is expected)
@full_dh:
        dec a                   ; A = h - 1 = $FF: S(w + 0), for the full path
@h_full:
        bit 0,c                 ; (C's bit 0: an odd slot)
        jr z,@h_even
        ld (ix+MV_D_H1),a
        ld (ix+MV_D_H2),a
        jr @h_stored
@h_even:
        ld (ix+MV_EVEN_H+MV_D_H1),a
        ld (ix+MV_EVEN_H+MV_D_H2),a
@h_stored:
        inc a                   ; (h - 1 = $FF: a one-piece column, no S(h) for Ch)
        jr z,@next_slot
        dec a
.else
        ld (ix+MV_D_H1),a
@h_store:
        ld (ix+MV_D_H2),a       ; patched: jp @record when narrow mode is expected
MV_D_H_STORE    = MV_D_H2
.endif
.endif
@ch:
        xor $80                 ; Ch += S(h)
        ld l,a
        ld a,(hl)
        exx
        inc l                   ; (one more wide column)
        add a,e
        ld e,a
        exx
        inc h
        inc h
        ld a,(hl)
        exx
        adc a,d
        ld d,a
        jr nc,* + 3
        inc c
        exx
@next_slot:                     ; (mv_next_slot's step, patched for the low slots)
.ifdef MV_PAIR_SLOTS
        ld e,c                  ; C: this slot's step, MV_ODD_IX from an even slot, MV_SLOT_PAIR
        ld d,0                  ; - MV_ODD_IX from an odd one (its bit 0: an odd slot); DE is free
        add ix,de               ; here (26 T-states and 5 bytes: add a,ixl's way 32 to 37 and 9)
        ld a,c
        xor MV_ODD_IX ^ (MV_SLOT_PAIR - MV_ODD_IX)
        ld c,a                  ; (the next slot's)
        .assert (MV_ODD_IX & 1) == 0 && ((MV_SLOT_PAIR - MV_ODD_IX) & 1) == 1, "the step's bit 0 tells an odd slot"
.else
        rrc c
        .byte $DD,$7D           ; ld a,ixl
@step:
        adc a,MV_SLOT_PAIR / 2  ; patched: MV_LOW_PAIR / 2 (the low slots: MV_LOW_ODD, then + 1)
        .byte $DD,$6F           ; ld ixl,a
        jr nc,* + 4
        .byte $DD,$24           ; inc ixh
.endif
@column_loop:
        djnz @column            ; patched by matvec: @sparse_column in a sparse call
.ifdef MV_HLA_SLOTS
.ifndef MV_PAIR_SLOTS
        jr @columns_done
.else
        jp @columns_done        ; (past mv_slots' one-piece columns' checks)
.endif
.else
        jp @columns_done        ; (past the low slots' pairs)
.endif
@cl_carry:
        exx
        inc b
        exx
        jr @cl_added
@flagged:                       ; h = -128 (x <= -32640): run as -127 and flag the column
        ld hl,mv_flag_count
        ld a,(hl)
        inc (hl)
        add a,mv_flag_list & 255
        ld l,a                  ; (the list is in the page of mv_vars)
        xor a
        sub b                   ; -(the columns from this one on): mv_fixup counts from the row's end
        ld (hl),a
        ld a,$81
        jr @h_set
.ifdef MV_SPARSE
; A sparse call's columns after its first: a zero one only gets the low
; displacement $FF that mv_sparse_walk looks for (S(0) = 0, and its slot is
; skipped whole; the pass counts the wide columns, not the one-piece ones).
@sparse_column:
        pop hl
        ld a,l
        or h
        jr nz,@column_popped
        ld (ix+MV_D_L1),$FF
        jr @next_slot
.endif
.ifdef MV_PAIR_SLOTS
.ifdef MV_PAIR_JPS_KEPT
MV_NARROW_PIECE = @next_slot - @piece_jr - 2    ; (@piece_jr's narrow target: the jps kept)
.else
MV_NARROW_PIECE = @narrow_piece - @piece_jr - 2
@narrow_piece:                  ; (its target when narrow mode is expected) a one-piece column's
        bit 0,c                 ; high piece skipped, where the slot does not skip it already
        .assert (MV_H_JP & $10) == 0 && ($D9 & $10) != 0 && ($DD & $10) != 0, "bit 4 tells a high piece's jp from its first byte"
        jr nz,@narrow_odd       ; (bit 4: exx $D9 and ld ixl $DD have it, jp $C3 not)
        bit 4,(ix+MV_EVEN_RUN)
        jp z,@next_slot
        ld (ix+MV_EVEN_RUN),MV_H_JP     ; the even slot's high piece: a jp to the pair's end,
        .byte $DD,$7D                   ; ld a,ixl (and the odd slot's jp, where it has one,
        add a,MV_PAIR_END               ; there too)
        ld (ix+MV_EVEN_RUN+1),a
        ld e,a
        .byte $DD,$7C                   ; ld a,ixh
        adc a,0
        ld (ix+MV_EVEN_RUN+2),a
        bit 4,(ix+MV_ODD_IX+MV_H_EXX)
        jr nz,@to_next_slot
        ld (ix+MV_ODD_IX+MV_H_EXX+1),e
        ld (ix+MV_ODD_IX+MV_H_EXX+2),a
@to_next_slot:
        jp @next_slot
@narrow_odd:
        bit 4,(ix+MV_H_EXX)
        jp z,@next_slot
        ld (ix+MV_H_EXX),MV_H_JP        ; the odd slot's high piece: a jp to the even one's if
        ld a,MV_EVEN_RUN - MV_ODD_IX    ; that runs, else to the pair's end
        bit 4,(ix+MV_EVEN_RUN-MV_ODD_IX)
        jr nz,* + 4
        ld a,MV_PAIR_END - MV_ODD_IX
        .byte $DD,$85                   ; add a,ixl
        ld (ix+MV_H_EXX+1),a
        .byte $DD,$7C                   ; ld a,ixh
        adc a,0
        ld (ix+MV_H_EXX+2),a
        jr @to_next_slot
.endif
.else
@one_piece:
@dh:                            ; (SP walks x here: no push, no call)
        jp @full_dh             ; patched: bit 4,(ix+MV_H_EXX)'s first three bytes when narrow
        .byte $66               ; mode is expected (exx $D9 has bit 4, jp $C3 not: 6 T-states
        jr z,@next_slot         ; less than ld a and cp); the slot skips its high piece already
        .assert (MV_H_JP & $10) == 0 && ($D9 & $10) != 0, "bit 4 tells a high piece's jp from its exx"
        mv_jp_over_high
        jr @next_slot
@full_dh:
        dec a                   ; A = h - 1 = $FF: S(w + 0), for the full path
        ld (ix+MV_D_H1),a
        ld (ix+MV_D_H2),a
        jr @next_slot
.endif
.ifdef MV_LOW_SLOTS
@record_low:                    ; (the low slots' pass: a wide column of h +-1 only listed; the low
        ld e,a                  ; blocks have no form for another h: the main slots' pass instead,
        add a,2                 ; mv_pass_main, as after a pass with more wide columns than they take)
        and $FD                 ; (Z: h - 1 = 0 or -2)
        ld a,e
        jr z,@record_list
        ld sp,(mv_saved_sp)
        ld a,1
        ld (mv_pass_main),a
        jp @columns_setup
.endif
@record:                        ; a wide column when narrow mode is expected: A = h - 1
.ifdef MV_PAIR_SLOTS
        bit 0,c
        jr z,@record_even
.ifdef MV_PAIR_JPS_KEPT
        ld d,MV_ODD_IX          ; (its pair's even slot, for mv_run_list)
.endif
        ld (ix+MV_D_H1),a
.endif
.ifdef MV_LOW_SLOTS
        ld (ix+MV_D_H1),a
.endif
        ld (ix+MV_D_H2),a
        ld (ix+MV_H_EXX),$D9    ; the high piece runs (a narrow call may have left a jp)
        ld (ix+MV_H_EXX+1),$DD
        ld (ix+MV_H_EXX+2),MV_H_RUN_2
.ifdef MV_PAIR_SLOTS
        jr @record_list
@record_even:
.ifdef MV_PAIR_JPS_KEPT
        ld d,0
.endif
        ld (ix+MV_EVEN_H+MV_D_H1),a
        ld (ix+MV_EVEN_H+MV_D_H2),a
        ld (ix+MV_EVEN_RUN),$DD         ; ld ixl,c, ld iyl,c: the even slot's high piece runs,
        ld (ix+MV_EVEN_RUN+1),$69       ; and the odd slot's jp, where it has one, goes to it
        ld (ix+MV_EVEN_RUN+2),$FD
        bit 4,(ix+MV_ODD_IX+MV_H_EXX)
        jr nz,@record_list
        ld e,a
        mv_jp_operand MV_ODD_IX+MV_H_EXX, MV_EVEN_RUN
        ld a,e
.endif
@record_list:                   ; (the low slots' pass: the column only listed)
        ld e,a
.ifdef MV_PAIR_JPS_KEPT
        ld hl,mv_run_end        ; its pair into mv_run_list (for mv_pairs_back), or every pair
        ld a,(hl)               ; when the list is full (or MV_RUN_ALL already)
        sub mv_run_list & 255
        cp 2 * MV_RUN_PAIRS
        jr nc,@run_all
        ld a,(hl)
        inc (hl)
        inc (hl)
        ld l,a
        .byte $DD,$7D           ; ld a,ixl
        sub d                   ; (D: the slot's offset in its pair)
        ld (hl),a
        inc l
        .byte $DD,$7C           ; ld a,ixh
        sbc a,0
        ld (hl),a
        jr @run_listed
@run_all:
        ld (hl),MV_RUN_ALL
.ifdef MV_GATE_PASS
        .byte $3E               ; (ld a,n over the ld e,a: A is loaded again below)
@gate_list:                     ; (a coarse call's pass: the wide column listed, its pair as it is)
        ld e,a
.endif
@run_listed:
.endif
.ifdef MV_GATE_PASS
.ifdef MV_PAIR_JPS_KEPT
MV_GATE_LIST    = @gate_list    ; (IX is not on the column's slot, D not its place in the pair)
.else
MV_GATE_LIST    = @record_list
.endif
.endif
        ld a,(mv_cols)
        sub b                   ; this column
        ld d,a
        exx
        sub h                   ; its distance from the wide one before (H')
        exx
        ld hl,mv_wide_end
        ld l,(hl)               ; (the list is in the page of mv_vars)
        ld (hl),a
        inc l
        ld a,l
        ld (mv_wide_end),a
        ld a,d
        exx
        ld h,a
        exx
        ld h,MV_SQ_PAGE
        ld a,e
        jp @ch
.ifdef MV_LOW_SLOTS
; mv_low_column - one column of the low slots' pass (x popped): to `wide` for h != 0 (A = x + 127's
; high byte, HL = x + 127), else S(l) into Cl (IY, to `carry` for its rare carry, which comes
; back to `added`) and the low displacement l - 1 into the slot at IX + `slot`. (C takes l - 1
; from x's own low byte: 3 T-states a column less than (l + 127) xor $80 in A, eighteenth round;
; the quads keep nothing in C, and a wide column's pass sets it.)
        .macro mv_low_column wide, carry, added, slot
        pop hl
        ld c,l
        dec c                   ; C: l - 1 (x's low byte less 1)
        mv_column_cl wide, carry, added
        ld (ix+slot+MV_D_L1),c
        ld (ix+slot+MV_D_L2),c
        .endmacro
; mv_column_cl - (mv_low_column's, and MV_GATE_QUADS's quads without their stores) x popped into
; HL: to `wide` for h != 0 (A and F: x + 127's high byte, HL = x + 127), else S(l) into Cl (IY,
; to `carry` for its rare carry, which comes back to `added`).
        .macro mv_column_cl wide, carry, added
        ld a,l
        add a,127
        ld l,a
        ld a,h
        adc a,0
        jr nz,wide
        ld h,MV_SQ_PAGE
        ld e,(hl)
        ld h,MV_SQ_PAGE + 2
        ld d,(hl)
        add iy,de
        jr c,carry
added:
        .endmacro
; mv_quads_enter - (@low_enter's, and MV_GATE_QUADS's quads without their stores) into quads whose
; places are `quad`, `quad_1`, `quad_2` and `quad_3` at the column B columns before the last slot,
; IX on its slot: B the steps left, IX on the step's first slot.
        .macro mv_quads_enter quad, quad_1, quad_2, quad_3
        ld a,MV_MAX_COLS
        sub b
        and 3                   ; its place in the step
        ld e,a
        add a,b
        rrca
        rrca
        ld b,a                  ; B: the steps left, this one's included
        ld a,e
        or a
        jp z,quad
        ld de,-MV_LOW_ODD       ; IX back to the step's first slot
        add ix,de
        dec a
        jp z,quad_1
        ld de,MV_LOW_ODD - MV_LOW_PAIR
        add ix,de
        dec a
        jp z,quad_2
        ld de,-MV_LOW_ODD
        add ix,de
        jp quad_3
        .assert MV_MAX_COLS % 4 == 0, "the low slots' quads end at the last slot"
        .endmacro
; The low slots' pass from an even slot, four columns a loop step (B: the steps left, IX:
; the step's first slot): a one-piece column takes no jr to its step, and four columns
; one add to IX and one djnz (~15 T-states a one-piece column less than a pair at a time,
; ~166 before); a wide column goes through the pass above, IX on its slot, C its parity and
; B the columns left, and comes back through @low_resume (the pass's djnz patched to it).
@quad_carry_0:
        exx
        inc b
        exx
        jr @quad_added_0
@quad_carry_1:
        exx
        inc b
        exx
        jr @quad_added_1
@quad_wide_1:
        ex af,af'
        ld de,MV_LOW_ODD
        ld a,1
        jp @quad_wide
@quad_wide_0:
        ex af,af'
        xor a
        jp @quad_placed         ; (IX is on its slot)
@low_quad:
        mv_low_column @quad_wide_0, @quad_carry_0, @quad_added_0, 0
@quad_1:
        mv_low_column @quad_wide_1, @quad_carry_1, @quad_added_1, MV_LOW_ODD
@quad_2:
        mv_low_column @quad_wide_2, @quad_carry_2, @quad_added_2, MV_LOW_PAIR
@quad_3:
        mv_low_column @quad_wide_3, @quad_carry_3, @quad_added_3, MV_LOW_PAIR + MV_LOW_ODD
        ld de,2 * MV_LOW_PAIR
        add ix,de
        djnz @low_quad
        jp @columns_done
@quad_carry_2:
        exx
        inc b
        exx
        jr @quad_added_2
@quad_carry_3:
        exx
        inc b
        exx
        jr @quad_added_3
@quad_wide_3:
        ex af,af'
        ld de,MV_LOW_PAIR + MV_LOW_ODD
        ld a,3
        jr @quad_wide
@quad_wide_2:
        ex af,af'
        ld de,MV_LOW_PAIR
        ld a,2
@quad_wide:                     ; the A-th column of a step (A' and F': its h), for the pass above
        add ix,de               ; (its slot)
@quad_placed:
        ld e,a
        ld a,b
        add a,a
        add a,a
        sub e
        ld b,a                  ; B: the columns left, this one's included
        ld c,$AA                ; (its parity, for the pass's step)
        bit 0,e
        jp z,@after_ex
        ld c,$55
        jp @after_ex
; @low_enter - into the quads at the column B columns before the last slot (the slots end
; at MV_MAX_COLS - 1, a step's last column: B + its place in the step is a multiple of 4),
; IX on its slot as the pass above steps it.
@low_enter:
        mv_quads_enter @low_quad, @quad_1, @quad_2, @quad_3
; @main_loop - the pass's entry and loop back to the main slots' (a sparse call's loop as matvec set it).
@main_loop:
        ld hl,@column
        ld (@entry+1),hl
        ld a,(@column_loop+1)
        cp @low_resume - @column_loop - 2
        ret nz
        ld a,@column - @column_loop - 2
        ld (@column_loop+1),a
        ret
.endif
@columns_done:
        ld sp,(mv_saved_sp)
        exx
        ld a,l
        ld (MV_WIDE_COUNT),a
        push iy
        pop hl                  ; B':H':L' = Cl
        xor a                   ; -Cl, -Ch
        sub l
        ld l,a
        ld a,0
        sbc a,h
        ld h,a
        ld a,0
        sbc a,b
        ld (MV_NC_L),hl
        ld (MV_NC_L_TOP),a
.ifdef MV_HLA_NARROW_K
.ifdef MV_SHORT_K
        add a,0                 ; patched: $FF for a short matrix (mv_k_toggle: its -K's top byte
MV_K_TOP_ADD    = * - 1         ; $FF, implied, goes into -Cl's there)
.endif
        ld (MV_NARROW_NC_L12+1),a       ; -Cl in mv_narrow_k's H:L:A start
        ld a,h
        ld (MV_NARROW_NC_L12),a
        ld a,l
        ld (MV_NARROW_NC_L0),a
.else
        ld (MV_NARROW_NC_L),hl
        ld (MV_NARROW_NC_L_TOP),a
.endif
.ifdef MV_LOW_HLA
        ld (MV_COARSE_NC_L12+1),a       ; -Cl in the H:L:A start's operands (coarse and low rows)
        ld a,h
        ld (MV_COARSE_NC_L12),a
        ld a,l
        ld (MV_COARSE_NC_L0),a
.endif
        xor a
        sub e
        ld e,a
        ld a,0
        sbc a,d
        ld d,a
        ld a,0
        sbc a,c
        ld (MV_FULL_NC_H),de
        ld (MV_FULL_NC_H_TOP),a
.ifdef MV_LOW_HLA
        ld (MV_LOW_NC_H),de     ; (MV_NARROW_NC_H too)
        ld (MV_LOW_NC_H_TOP),a
        ld hl,mv_row_narrow     ; (a narrow row's start until mv_low_prepare sends the rows to the low slots)
        ld (MV_NARROW_START),hl
.else
.ifndef MV_NARROW_NO_H
        ld (MV_NARROW_NC_H),de
        ld (MV_NARROW_NC_H_TOP),a
.endif
.endif
        exx
        ld a,(mv_cols)          ; narrow mode when at most a quarter of the columns are wide
        ld b,a
        ld a,(MV_WIDE_COUNT)
        srl b
        srl b
        inc b
        ld hl,mv_mode
.ifdef MV_WIDE_PM1_OWN
        bit MV_RESUME_BIT,(hl)  ; (MV_WIDE_PM1) a second part runs in its first part's mode (narrow: its wide
        jr nz,@mode_set         ; columns' h +-1, matvec); else narrow with at most a quarter of the columns wide,
        res MV_NARROW_BIT,(hl)  ; each of h +-1 (mv_hz_wide's forms: no walk), and for a first part a second
        cp b                    ; part with none of another h
        jr nc,@mode_set
        ld a,(hl)               ; MV_KEEP: a first part
        and 0                   ; patched (matvec): MV_KEEP where its second part has a wide column of h past +-1
MV_PART2_WIDE   = * - 1
        or 0                    ; patched (the pass, @h_set): nonzero for a wide column of another h
MV_WIDE_OTHER   = * - 1
        jr nz,@mode_set
.else
        bit MV_RESUME_BIT,(hl)  ; a second part runs in its first part's mode
        jr nz,@mode_set
        res MV_NARROW_BIT,(hl)
        cp b
.ifdef MV_FOLDED_BIAS
        jr c,@narrow
        ld de,(mv_bias)         ; a call whose bias is folded (MV_BIAS_FOLDED): narrow with any
        dec de                  ; count of wide columns (mv_unbias, the full path's, needs the
        ld a,d                  ; vector it has not)
        or e
        jr nz,@mode_set
@narrow:
.else
        jr nc,@mode_set
.endif
.endif
        set MV_NARROW_BIT,(hl)
@mode_set:
.ifdef MV_LOW_SLOTS
        ld a,(mv_pass_low)      ; the pass wrote the low slots: they run if the call is narrow
        or a                    ; with few wide columns, else the pass again for the main slots
        jr z,@main_slots_pass
        bit MV_NARROW_BIT,(hl)
        jr z,@pass_again        ; (full: the main slots' pass expects it now)
        ld a,(MV_WIDE_COUNT)
        cp MV_LOW_WIDE_MAX + 1
        jr c,@low_pass_done     ; (every wide column's h +-1: the pass left for another, @record_low)
        ld a,1                  ; (a second part's narrow mode, more wide columns than the low
        ld (mv_pass_main),a     ; slots take: the main slots' narrow pass)
@pass_again:
        jp @columns_setup
@low_pass_done:
.ifdef MV_COARSE
.ifndef MV_COARSE_UNCALLED
        ld a,(mv_coarse_on)     ; (a call that asks for coarse: mv_low_deferred's if it runs exact)
        or a
        jr nz,@to_flag_jump
.endif
.endif
        call mv_low_prepare
@to_flag_jump:
        jp @flag_jump
@main_slots_pass:
.ifdef MV_RAW_PASS
        ld a,(@piece_jr+1)      ; the logits' pass (no slot written): the slots, their jps and
        cp @column_loop - @piece_jr - 2     ; mv_h_skipped as the call before left them
        jr z,@to_flag_jump
.endif
.endif
.ifdef MV_PAIR_SLOTS
        ld a,(@piece_jr+1)      ; 0: the pass expected narrow mode
        sub MV_NARROW_PIECE
.ifdef MV_GATE_PASS
        cp (@column_loop - @piece_jr - 2 - MV_NARROW_PIECE) & 255       ; a coarse call's pass (no slot
        jr z,@gate_pass_end     ; written, no pair's jps back): the slots and their jps as they were
        .assert @column_loop != @piece_jr + 2 + MV_NARROW_PIECE && @column_loop != @full_dh, "@piece_jr's three targets tell the pass"
.endif                          ; (mv_h_skipped, mv_run_list stand), the call coarse
        bit MV_NARROW_BIT,(hl)
        jr z,@full
        or a                    ; narrow after a pass that expected full: the pass again, now
        jp nz,@columns_setup    ; expecting narrow (its checks write the jps; no mv_skip_high)
        inc a
        ld (mv_h_skipped),a
.ifndef MV_WIDE_PM1_OWN                 ; (with it no walk)
        ld a,(mv_wide_list)     ; mv_row_narrow's walk: its first distance from the row's K
        add a,3                 ; (MV_SHORT_K: 2 for a short matrix, mv_k_toggle)
MV_FIRST_WIDE_K = * - 1
        ld (MV_FIRST_WIDE),a
.endif
        jr @odd_count
@full:
        ld c,a                  ; C = 0: the pass expected narrow mode (the one-piece columns
        or a                    ; have jps and no displacements)
        jr z,@restore
        ld a,(mv_h_skipped)
        or a
        jr z,@odd_count
@restore:
.ifdef MV_NARROW_H_ZERO
        ld hl,MV_H_ADD_OPS      ; (a full call after a narrow one: mv_row_end adds the h sum)
        ld (MV_ROW_H_ADD),hl
.endif
        call mv_restore_high    ; (keeps C)
        ld a,c
        or a
        jp z,@columns_setup     ; the pass again, expecting full: every column's displacements
@odd_count:
        ld a,(mv_first_parity)  ; an odd count: its first pair's even slot (no column of the
        rra                     ; call's; w = 0 from mv_odd_start) adds S(0 + 0) = 0 where its
        jr nc,@flag_jump        ; high piece runs
        ld ix,(mv_first_slot)
        ld a,$FF
        ld (ix+MV_EVEN_H+MV_D_H1-MV_ODD_IX),a
        ld (ix+MV_EVEN_H+MV_D_H2-MV_ODD_IX),a
.ifdef MV_GATE_PASS
        jr @flag_jump
@gate_pass_end:                 ; a coarse call's pass: the low displacements' stores back
        ld hl,MV_CL_STORE_OPS   ; (for the exact passes after it: mv_coarse_prepare's again,
        ld (@cl_added),hl       ; mv_exact_row's, the next call's)
.endif
.else
        ld a,(@dh)              ; bit 4,(ix+d): the columns were patched for narrow mode
        sub $DD
        bit MV_NARROW_BIT,(hl)
        jr z,@full
        or a
        call nz,mv_skip_high
        ld a,1
        ld (mv_h_skipped),a
.ifdef MV_LOW_SLOTS
.ifdef MV_SPARSE
        ld a,(mv_sparse_on)     ; (a sparse call runs the main slots)
        or a
        jr nz,@low_set
.endif
.ifdef MV_COARSE
.ifndef MV_COARSE_UNCALLED
        ld a,(mv_coarse_on)     ; (a call that asks for coarse: mv_coarse_prepare copies
        or a                    ; to the low slots only if it runs exact, mv_low_deferred)
        jr nz,@low_set
.ifdef MV_RAW_PASS
        ld a,(@piece_jr+1)      ; (mv_exact_row's pass after the logits': the main slots run,
        cp @one_piece - @piece_jr - 2       ; their jps checked)
        jr z,@low_set
.endif
.endif
.endif
        ld a,(MV_WIDE_COUNT)
        cp MV_LOW_WIDE_MAX + 1
        jr nc,@main_narrow      ; (a second part's narrow mode may have more wide columns)
        call mv_wide_h_pm1      ; (or another h than +-1)
        jp z,@columns_setup     ; (the main slots' pass of a full call before: again for the low slots)
@main_narrow:                   ; the main slots run narrow: the jps the pass left out
        ld a,(@dh)
        cp $DD
        jr nz,@low_set          ; (mv_skip_high wrote them)
        xor a
        call mv_one_piece_walk
@low_set:
.else
        ld a,(mv_wide_list)     ; mv_row_narrow's walk: its first distance from the row's K
        add a,3                 ; (MV_SHORT_K: 2 for a short matrix, mv_k_toggle)
MV_FIRST_WIDE_K = * - 1
        ld (MV_FIRST_WIDE),a
.endif
        jr @flag_jump
@full:
        ld c,$FF
        or a
.ifdef MV_LOW_SLOTS
        jr nz,@full_expected    ; the one-piece columns got neither a jp nor their displacements:
        dec a                   ; their high pieces on S(w + 0)
        call mv_one_piece_walk
        ld c,0
        ld a,(mv_cols)
        cp MV_MAX_COLS
        jr nz,@restore          ; (the slots a call of more columns would find with a jp)
        xor a
        ld (mv_h_skipped),a
        jr @flag_jump
@full_expected:
.else
        jr z,@restore           ; the one-piece columns got a jr, not their displacements
.endif
        ld c,0
        ld a,(mv_h_skipped)
        or a
        jr z,@flag_jump
@restore:
.ifdef MV_NARROW_H_ZERO
        ld hl,MV_H_ADD_OPS      ; (a full call after a narrow one: mv_row_end adds the h sum)
        ld (MV_ROW_H_ADD),hl
.endif
        call mv_restore_high
.endif
@flag_jump:                     ; (matvec_again: the columns, their flags and the mode stand)
        ld hl,(mv_shift_jump+1)
        ld a,(mv_flag_count)
        or a
        jr z,@flag_set
.ifdef MV_LOW_SLOTS
        ld hl,mv_low_b          ; mv_flagged's way reads the low byte in B
        ld (mv_low_check+1),hl
.endif
        ld hl,mv_flagged
@flag_set:
.ifdef MV_BIAS_IN_K
        ld a,(mv_mode)          ; a full call (or its first part) with a bias: mv_unbias first
        and MV_NARROW | MV_RESUME
        jr nz,@bias_in_k
        ld de,(mv_bias)
        ld a,d
        or e
        jr z,@bias_in_k
        ld (MV_UNBIAS_PTR),de
        ld (mv_unbias_on+1),hl
        ld hl,mv_unbias
@bias_in_k:
.endif
        ld (mv_flag_check+1),hl
        ld a,(mv_mode)
.ifdef MV_WIDE_PM1_OWN
        ld de,MV_H_ADD_OPS      ; (mv_row_end adds the h sum but in a narrow call's rows)
.ifdef MV_NARROW_ENDS
        ld bc,mv_row_end        ; (the slots' end: mv_row_end but in a narrow whole call's rows)
.endif
        ld hl,mv_row_resume     ; a second part: full, or narrow with no wide column
        bit MV_RESUME_BIT,a
        jr nz,@h_add_set
        ld hl,mv_row
        rra                     ; MV_NARROW
        jr nc,@h_add_set
        ld hl,mv_row_narrow_k   ; narrow: its wide columns by mv_hz_wide's forms (mv_wide_pm1_prepare),
        ld de,MV_H_ZERO_OPS     ; so Ch = 0: no h sum set nor added (MV_NARROW_NO_H)
.ifdef MV_NARROW_ENDS
        and MV_KEEP >> 1        ; (a first part keeps its sums: mv_row_end's way to mv_keep)
        jr nz,@h_add_set
        ld a,(MV_STORE_OP+1)
        cp mv_store_add & 255   ; (a call that adds its output: mv_store_add's jp there)
        jr nz,@h_add_set
        .assert (mv_store_add & 255) != (MV_STORE_OPS >> 8), "mv_prepare@row_set tells mv_store_add's jp by its low byte"
.ifndef FW_FC1_BYTES                    ; (mv_store_relu assembled)
        .assert (mv_store_add & 255) != (mv_store_relu & 255), "mv_prepare@row_set tells mv_store_add's jp by its low byte"
.endif
        ld bc,0                 ; patched: mv_narrow_chain's entry for the shift (above)
MV_NARROW_ENTRY = * - 2
.endif
@h_add_set:
        ld (MV_ROW_H_ADD),de
.ifdef MV_NARROW_ENDS
        ld (MV_SLOTS_END),bc
.endif
.else
        ld hl,mv_row            ; (the full path's rows first: the cheapest test)
        or a
        jr z,@row_set
        ld hl,mv_row_any
        cp MV_NARROW | MV_RESUME
        jr nz,@not_any
.ifdef MV_NARROW_H_ZERO
        ld de,MV_H_ADD_OPS      ; (its rows start from the first part's sums, which may
        ld (MV_ROW_H_ADD),de    ; have started at mv_row_narrow@h_zero)
.endif
        ld a,(MV_WIDE_COUNT)    ; no wide column: mv_row_any's wide sum is empty, and
        or a                    ; mv_row_resume starts the row as it does, ~115 T-states sooner
        jr nz,@row_set
        ld a,MV_RESUME
@not_any:
        ld hl,mv_row_narrow
        rra                     ; MV_NARROW
        .assert MV_NARROW_BIT == 0, "the row start's choice rotates MV_NARROW out first"
.ifdef MV_BIAS_IN_K
        jr c,@narrow_row
.else
.ifdef MV_NARROW_H_ZERO
        jr c,@narrow_row
.else
        jr c,@row_set
.endif
.endif
        ld hl,mv_row_resume
        and MV_RESUME / 2
        jr nz,@row_set
        ld hl,mv_row
.ifdef MV_BIAS_IN_K
        jr @row_set
@narrow_row:
        ld a,(MV_WIDE_COUNT)    ; no wide column to walk: straight to K
        or a
        jr nz,@row_set
.ifdef MV_LOW_HLA
        ld hl,mv_row_narrow     ; patched: mv_row_coarse_start when the low slots are set for x
MV_NARROW_START = * - 2
.else
        ld hl,mv_row_narrow_k
.endif
.endif
.endif
@row_set:
        ld (mv_first_row+1),hl
        ld (mv_row_jump+1),hl
.ifdef MV_COARSE
.ifndef MV_COARSE_UNCALLED
        ld a,(mv_coarse_on)
        or a
        call nz,mv_coarse_prepare       ; (with mv_jump and the row start set for an exact call)
.endif
.endif
.ifdef MV_SPARSE
; Sparse (every column one piece, at most MV_SPARSE_MAX of them nonzero): a jr over
; each zero column's slot, and each nonzero column's high piece turned into A:HL -= S(w),
; so that 2 sum w x = sum S(w + l) - sum S(w) - Cl over the nonzero columns, no K.
        ld a,(mv_sparse_on)     ; (matvec looked at x)
        or a
        ret z
.ifdef MV_SPARSE_REWALK
        ld a,(mv_mode)
        and MV_RESUME
.ifdef MV_SPARSE_PAIR_SKIP
        jp nz,mv_pair_skip_rewalk       ; (the same, its runs' stubs off before and on after)
.else
        jp nz,mv_sparse_rewalk  ; (a second part: from the first part's slots, not undone)
.endif
.endif
        ld a,(mv_cols)
        ld (mv_sparse_cols),a
        ld b,a
        ld de,MV_SPARSE_SKIP
        ld hl,mv_sparse_piece
        call mv_sparse_walk
        ld a,(mv_mode)
        and MV_RESUME
        ret nz                  ; a second part's row start: no K there already
        ld hl,mv_row_sparse
        ld (mv_first_row+1),hl
        ld (mv_row_jump+1),hl
.endif
        ret
.ifdef MV_NARROW_H_ZERO
@narrow_row:                    ; (out of the way of the full calls' choice; mv_row_end adds the h
        ld a,(MV_WIDE_COUNT)    ; sum after any other row start: a full call after a narrow one
        or a                    ; puts it back at @restore, a narrow second part above)
        ld de,MV_H_ADD_OPS
        jr nz,@h_add_set
        ld hl,mv_row_narrow@h_zero      ; no wide column: Ch = 0, no h sum
        ld de,MV_H_ZERO_OPS
@h_add_set:
        ld (MV_ROW_H_ADD),de
        jr @row_set
.endif

.ifdef MV_SPARSE
; mv_sparse_part - NC when each of the B words at HL is in -127..128 (one piece)
; and at most MV_SPARSE_MAX are nonzero. HL ends past them. Clobbers AF, BC.
; (A zero word's test ORs its bytes from memory and a nonzero one reads them
; again: 51 T-states a zero column, 59 before, sixteenth round.)
mv_sparse_part:
        ld c,MV_SPARSE_MAX + 1
@column:
        ld a,(hl)
        inc hl
        or (hl)
        inc hl
        jr z,@next
        dec hl
        dec hl
        ld a,(hl)               ; x + 127 < 256
        add a,127
        inc hl
        ld a,(hl)
        adc a,0
        inc hl
        scf
        ret nz
        dec c
        ret z
@next:
        djnz @column
        or a
        ret

; mv_sparse_undo - a sparse call's slots back as a full call leaves them (a narrow
; call's next column pass writes its jps again; matvec_again after a sparse call
; patches them for sparse again at mv_prepare's end).
mv_sparse_undo:
        ld hl,mv_sparse_cols
        ld a,(hl)
        or a
        ret z
.ifdef MV_SPARSE_REWALK
        ld a,(mv_sparse_on)     ; a sparse call's second part: mv_sparse_rewalk goes from
        ld c,a                  ; the first part's slots as they are
        ld a,(mv_mode)
        and c
        and MV_RESUME
        ret nz
        ld a,(hl)
.endif
        ld (hl),0
        ld b,a
.ifdef MV_LOW_HLA
        ld hl,MV_ROW_END_OPS    ; mv_row_end's first bytes back (mv_hzs_keep's, mv_hzs_end's jp)
        ld (mv_row_end),hl
        ld a,MV_ROW_END_OP_3
        ld (mv_row_end+2),a
.endif
        ld de,MV_SPARSE_LD_IXL
        ld hl,mv_sparse_full
; mv_de_ix_plus_a - DE = IX + A (A unsigned: a slot's high piece at IX + A). Clobbers AF, HL.
        .macro mv_de_ix_plus_a
        push ix
        pop hl
        add a,l
        ld e,a
        adc a,h
        sub e
        ld d,a
        .endmacro

; mv_sparse_walk - the last B slots: DE into a zero column's ld ixl,b or ld ixl,c
; (D or 1 in an even slot; D for the jr with MV_HLA_SLOTS), the MV_SPARSE_PIECE bytes at HL over another's high
; piece. A pair at a time from the last one down (the last slot is an odd one), IX on
; the pair's even slot, both slots' offsets fixed (sixteenth round): ~88 T-states a
; zero column, ~167 before with each slot's parity tested and IX stepped a slot at
; a time. Clobbers AF, BC, HL, IX.
mv_sparse_walk:
.ifdef MV_SPARSE_PAIR_SKIP
        jp mv_pair_skip_walk    ; (the same bytes as the ld it replaces: the code after keeps its addresses)
.else
        ld (MV_SPARSE_FROM),hl
.endif
        ld ix,mv_slots + (MV_MAX_COLS / 2 - 1) * MV_SLOT_PAIR
        .assert MV_MAX_COLS % 2 == 0, "mv_sparse_walk starts at the last pair, whose odd slot is the last slot"
.ifdef MV_PAIR_SLOTS
        ld a,d
        bit 0,e                 ; (ld ixl,b's $DD has bit 0, the jr's $18 not: an even slot's
        jr nz,* + 4             ; jr goes to its odd slot, an odd slot's to the even high piece)
        ld a,MV_SPARSE_EVEN_SKIP ^ 1
        xor 1
.else
        .assert MV_SLOT_PAIR / 2 + MV_SLOT_END == MV_SLOT_PAIR, "an odd slot's offsets count from MV_SLOT_PAIR / 2 into its pair"
        ld a,d
.ifdef MV_HLA_SLOTS
        bit 0,e                 ; (a zero column's jr has the same offset in either slot: ld
        jr z,* + 4              ; ixl,b's $DD has bit 0, the jr's $18 not)
.endif
        or 1
.endif
        ld h,a                  ; H: an even slot's second byte
        ld l,b                  ; L: the slots left
        ld bc,-MV_SLOT_PAIR
@pair:
        ld a,(ix+MV_ODD_IX+MV_D_L1)
        inc a
        jr nz,@nonzero_odd      ; (x = 0: a low displacement of $FF, and h = 0)
        ld (ix+MV_ODD_IX+MV_SPARSE_AT),e
        ld (ix+MV_ODD_IX+MV_SPARSE_AT+1),d
@odd_done:
        dec l
        ret z
        ld a,(ix+MV_D_L1)
        inc a
        jr nz,@nonzero_even
        ld (ix+MV_SPARSE_AT),e
        ld (ix+MV_SPARSE_AT+1),h
.ifdef MV_PAIR_SLOTS
        bit 0,e                 ; (a sparse call: the pair's odd slot goes on to the even one's
        call z,mv_even_skip     ; high piece, which the pass left as it was for a zero column)
.endif
@even_done:
        add ix,bc
        dec l
        jr nz,@pair
        ret
@nonzero_even:
.ifdef MV_PAIR_SLOTS
        ld (ix+MV_EVEN_RUN),$DD ; ld ixl,c, ld iyl,c: the even high piece runs (the sparse
        ld (ix+MV_EVEN_RUN+1),$69       ; one, or the full one back)
        ld (ix+MV_EVEN_RUN+2),$FD
        ld a,MV_EVEN_H + MV_H_EXX
.else
        ld a,MV_H_EXX
.endif
        call @piece
.ifdef MV_PAIR_JPS_KEPT
        bit 0,e                 ; (mv_sparse_undo's walk: the full piece back, skipped by its jp:
        call nz,mv_even_jp      ; every one-piece column's jp kept)
.endif
        jr @even_done
@nonzero_odd:
        ld a,MV_ODD_IX + MV_H_EXX
        call @piece
.ifdef MV_PAIR_JPS_KEPT
        bit 0,e                 ; (the undo's walk: the pair's jps, the even one's also where a
        call nz,mv_pair_jps     ; nonzero even column gets its own after this)
.endif
        jr @odd_done
@piece:                         ; the piece over the high piece at IX + A
        push bc
        push de
        push hl
        mv_de_ix_plus_a
        ld hl,0                 ; patched: the piece
MV_SPARSE_FROM  = * - 2
        ld bc,MV_SPARSE_PIECE
        ldir
        pop hl
        pop de
        pop bc
        ret

.ifdef MV_SPARSE_REWALK
.ifdef MV_PAIR_SLOTS
; mv_sparse_rewalk - (the end of mv_prepare; MV_PAIR_REWALK, the 48K's) a sparse call's second
; part from the first part's slots, not undone (mv_sparse_undo leaves them): a pair whose two
; columns are zero in both parts (each low displacement $FF now, each jr still there) is left
; as the first part's walk left it (the second part's column pass gives a zero column only its
; low displacement); another pair gets ld ixl,c and ld ixl,b back where the undo would put
; them and is walked as mv_sparse_walk walks it (whatever the pass wrote over a nonzero
; column's high piece, the walk's piece and ld ixl,c ld iyl,c write again). Clobbers AF, BC,
; DE, HL, IX.
mv_sparse_rewalk:
        ld a,MV_MAX_COLS
        ld (mv_sparse_cols),a
        ld hl,mv_sparse_piece
        ld (MV_SPARSE_FROM),hl
        ld ix,mv_slots + (MV_MAX_COLS / 2 - 1) * MV_SLOT_PAIR
        ld a,MV_MAX_COLS / 2
@pair:
        push af                 ; the pairs left
        ld a,(ix+MV_D_L1)
        and (ix+MV_ODD_IX+MV_D_L1)
        inc a
        jr nz,@walk             ; a column of the pair nonzero now
        ld a,(ix+MV_SPARSE_AT)
        cp MV_JR
        jr nz,@walk
        ld a,(ix+MV_ODD_IX+MV_SPARSE_AT)
        cp MV_JR
        jr nz,@walk
        ld bc,-MV_SLOT_PAIR     ; zero in both parts: as it is
        add ix,bc
        jr @next
@walk:                          ; a column zero now whose sparse piece the first part wrote
        ld a,(ix+MV_ODD_IX+MV_D_L1)     ; gets the full one back (the undo after this part
        inc a                           ; restores only the columns nonzero in it)
        jr nz,@odd_set
        ld a,(ix+MV_ODD_IX+MV_H_EXX)
        cp $DD                  ; (mv_sparse_piece's sub (ix-1); the full piece's exx is $D9)
.ifdef MV_PAIR_JPS_KEPT
        call z,mv_rewalk_odd    ; (its jp too: the column's jr skips its slot in this part)
.else
        ld a,MV_ODD_IX+MV_H_EXX
        call z,mv_rewalk_full
.endif
@odd_set:
        ld a,(ix+MV_D_L1)
        inc a
        jr nz,@even_set
        ld a,(ix+MV_EVEN_H+MV_H_EXX)
        cp $DD
        ld a,MV_EVEN_H+MV_H_EXX
        call z,mv_rewalk_full
@even_set:
        ld (ix+MV_SPARSE_AT),MV_SPARSE_LD_IXL & 255
        ld (ix+MV_SPARSE_AT+1),(MV_SPARSE_LD_IXL >> 8) | 1
        ld (ix+MV_ODD_IX+MV_SPARSE_AT),MV_SPARSE_LD_IXL & 255
        ld (ix+MV_ODD_IX+MV_SPARSE_AT+1),MV_SPARSE_LD_IXL >> 8
        ld de,MV_SPARSE_SKIP
        ld hl,MV_SPARSE_EVEN_SKIP * 256 + 2     ; H: an even slot's jr, L: the pair's two slots
        ld bc,-MV_SLOT_PAIR
        call mv_sparse_walk@pair        ; (which steps IX to the pair before)
@next:
        pop af
        dec a
        jr nz,@pair
        ret
mv_rewalk_full:                 ; mv_sparse_full over the high piece at IX + A. Clobbers AF, BC, DE, HL.
        mv_de_ix_plus_a
        ld hl,mv_sparse_full
        ld bc,MV_SPARSE_PIECE
        ldir
        ret
.else
; mv_sparse_rewalk - (the end of mv_prepare) a sparse call's second part (its 32
; columns from mv_slots, the first an even slot) from the first part's slots as
; mv_sparse_walk left them, not undone (mv_sparse_undo leaves them): a column zero
; in both parts (a low displacement of $FF and the jr already at MV_SPARSE_AT, its
; high piece the full one) is left as it is, ~75 T-states against ~176 for its undo
; and walk (sixteenth round); another gets the jr or ld ixl it lacks and the piece
; (mv_sparse_piece, or mv_sparse_full back) it lacks. Clobbers AF, BC, DE, HL, IX.
        .macro mv_rewalk_slot at, ld_ixl_2, skip_2
        ld a,(ix+at+MV_D_L1)
        inc a
        jr z,@zero
        ld (ix+at+MV_SPARSE_AT),MV_SPARSE_LD_IXL & 255  ; nonzero: ld ixl and the sparse piece
        ld (ix+at+MV_SPARSE_AT+1),ld_ixl_2
        ld a,(ix+at+MV_H_EXX)
        cp MV_SPARSE_PIECE_1
        ret z                   ; (nonzero in the first part too)
        ld hl,mv_sparse_piece
        jr @copy
@zero:
        ld (ix+at+MV_SPARSE_AT),e       ; zero: the jr, the full piece where the sparse one is
.ifdef MV_SPARSE_PAIR_SKIP
.if at == 0
        call mv_pair_skip_fix   ; (its jr to the odd slot, or over the pair where that is zero too)
        nop                     ; (the bytes of the ld it replaces: the code after keeps its addresses)
.else
        ld (ix+at+MV_SPARSE_AT+1),skip_2
.endif
        ret                     ; (its piece as it is: the slots stay sparse until mv_kept_undo, which
                                ; puts the full piece back by its bytes)
.else
        ld (ix+at+MV_SPARSE_AT+1),skip_2
        ld a,(ix+at+MV_H_EXX)
        cp MV_SPARSE_PIECE_1
        ret nz
        ld hl,mv_sparse_full
.endif
@copy:
        ld a,at+MV_H_EXX
        jp mv_rewalk_copy
        .endmacro
.ifndef MV_SPARSE_PAIR_SKIP            ; (mv_prepare goes to mv_pair_skip_rewalk instead, the same walk with runs)
mv_sparse_rewalk:
        ld a,MV_MAX_COLS
        ld (mv_sparse_cols),a
        ld ix,mv_slots
        ld bc,MV_SLOT_PAIR
        ld d,MV_MAX_COLS / 2
        ld e,MV_SPARSE_SKIP & 255       ; (jr)
@pair:
        ld a,(ix+MV_D_L1)
        inc a
        jr nz,@even_other
        ld a,(ix+MV_SPARSE_AT)
        cp e
        call nz,mv_rewalk_even
@even_done:
        ld a,(ix+MV_SLOT_PAIR/2+MV_D_L1)
        inc a
        jr nz,@odd_other
        ld a,(ix+MV_SLOT_PAIR/2+MV_SPARSE_AT)
        cp e
        call nz,mv_rewalk_odd
@odd_done:
        add ix,bc
        dec d
        jr nz,@pair
        ret
@even_other:
        call mv_rewalk_even
        jr @even_done
@odd_other:
        call mv_rewalk_odd
        jr @odd_done
.endif
mv_rewalk_even:
        mv_rewalk_slot 0, (MV_SPARSE_LD_IXL >> 8) | 1, (MV_SPARSE_SKIP >> 8) | 1
mv_rewalk_odd:
        mv_rewalk_slot MV_SLOT_PAIR / 2, MV_SPARSE_LD_IXL >> 8, MV_SPARSE_SKIP >> 8
mv_rewalk_copy:                 ; MV_SPARSE_PIECE bytes from HL over IX + A
        push bc
        push de
        push ix
        pop de
        add a,e
        ld e,a
        adc a,d
        sub e
        ld d,a
        ld bc,MV_SPARSE_PIECE
        ldir
        pop de
        pop bc
        ret
.endif
.endif

; A nonzero column's high piece in a sparse call (A:HL -= S(w) in the l sum's set),
; and the high piece as mv_slot_body has it, on S(w + 0).
mv_sparse_piece:
.ifdef MV_HLA_SLOTS
        sub (ix-1)              ; H:L:A -= S(w) (D = 0)
        ld e,(iy-1)
        sbc hl,de
MV_PIECE_JR     = * + 1 - mv_sparse_piece       ; (mv_even_skip sends it to the pair's end)
        jr * + 4                ; (over the piece's last two bytes)
        .byte 0,0
.else
        or a
        .assert * - 1 == mv_sparse_piece && MV_SPARSE_PIECE_1 == $B7, "mv_sparse_rewalk knows the sparse piece by its or a"
        ld e,(ix-1)
        ld d,(iy-1)
        sbc hl,de
        sbc a,0
        nop
.endif
        .assert * - mv_sparse_piece == MV_SPARSE_PIECE, "the sparse piece does not fill a high piece"
mv_sparse_full:
        exx
        ld e,(ix-1)
        ld d,(iy-1)
        add hl,de
        jr nc,* + 3
        inc c
        exx
        .assert * - mv_sparse_full == MV_SPARSE_PIECE, "the high piece's copy does not match MV_SPARSE_PIECE"
.endif

.ifndef MV_PAIR_SLOTS                   ; (a narrow call after a pass that expected full runs the pass again)
; mv_skip_high - narrow mode: a jp over the high piece in the slot of each
; column with h = 0 (its displacement $FF), the high piece back in the
; others' (exx), and the list of the others for mv_wide_sum.
mv_skip_high:
        ld a,1
        ld (mv_h_skipped),a
        ld ix,(mv_first_slot)
        ld a,(mv_first_parity)
        ld c,a
        ld a,(mv_cols)
        ld b,a
        exx
        ld hl,mv_wide_list      ; H'L': the list, E': the last wide column
        ld e,0
        exx
@column:
        ld a,(ix+MV_D_H1)
        inc a
        jr nz,@wide
        ld (ix+MV_H_EXX),MV_H_JP    ; jp over the high piece, to the next slot
        push ix
        pop hl
        ld de,MV_SLOT_END
        add hl,de
        ld (ix+MV_H_EXX+1),l
        ld (ix+MV_H_EXX+2),h
        jr @next
@wide:
        ld (ix+MV_H_EXX),$D9    ; exx, ld e,(ix+d): the high piece runs
        ld (ix+MV_H_EXX+1),$DD
        ld (ix+MV_H_EXX+2),MV_H_RUN_2
        ld a,(mv_cols)
        sub b                   ; this column
        exx
        ld d,a
        sub e
        ld (hl),a
        inc l
        ld e,d
        exx
@next:
        ld de,MV_SLOT_PAIR / 2
        rrc c
        jr nc,* + 3
        inc de
        add ix,de
        djnz @column
        ret

.endif
.ifdef MV_LOW_SLOTS
; mv_one_piece_walk - (MV_LOW_SLOTS) after a column pass that expected narrow mode,
; which leaves a one-piece column's slot as it was (most narrow calls run the low
; slots: 32 T-states a one-piece column less than its check of the jp), each used
; slot but mv_wide_list's gets, with A = 0, a jp over its high piece (the main
; slots run narrow) or, with A = $FF, the displacements of S(w + 0) (the call
; runs full; the high piece back where a jp was). Clobbers AF, BC, DE, HL, IX.
mv_one_piece_walk:
        or a
        ld a,@jp - @what - 2
        jr z,* + 4
        ld a,@full - @what - 2
        ld (@what+1),a
        ld ix,(mv_first_slot)
        ld a,(mv_first_parity)
        ld c,a
        ld a,(mv_cols)
        ld b,a
        ld hl,mv_wide_list      ; (in the page of mv_vars)
        ld a,(MV_WIDE_COUNT)
        ld d,a                  ; D: the wide columns not reached yet
        ld e,(hl)               ; E: 1 + the slots before the next one (its distance), or 0
        inc e                   ; for none: the count reaches 0 again only 256 slots on
        or a
        jr nz,@slot
        ld e,a
@slot:
        dec e
        jr z,@wide
@what:
        jr @jp                  ; patched: @jp, or @full with A = $FF
@jp:
        bit 4,(ix+MV_H_EXX)     ; (a jp already: see the column pass's @dh)
        jr z,@next
        mv_jp_over_high
        jr @next
@full:
        bit 4,(ix+MV_H_EXX)
        jr nz,@full_dh          ; (exx: the high piece runs)
        ld (ix+MV_H_EXX),$D9    ; the high piece back over a jp
        ld (ix+MV_H_EXX+1),$DD
        ld (ix+MV_H_EXX+2),MV_H_RUN_2
@full_dh:
        ld a,$FF
        ld (ix+MV_D_H1),a
        ld (ix+MV_D_H2),a
        jr @next
@wide:                          ; its high piece runs (the pass wrote it)
        inc l
        ld e,(hl)               ; (the next distance counts from this column)
        dec d
        jr nz,@next
        ld e,d                  ; (the last one)
@next:
        mv_next_slot
        djnz @slot
        ret
.endif

.ifdef MV_PAIR_SLOTS
.ifdef MV_PAIR_JPS_KEPT
; mv_pairs_back - (mv_prepare, before a column pass that expects narrow mode) the pairs in
; mv_run_list, or every pair (MV_RUN_ALL), get the jps over their high pieces back: the pass
; leaves a one-piece column's slot as it is. The list left empty. Clobbers AF, B, DE, HL, IX.
mv_pairs_back:
        ld hl,mv_run_end
        ld b,(hl)
        ld (hl),mv_run_list & 255
        inc l                   ; (mv_run_list)
        ld a,b
        or a                    ; (MV_RUN_ALL)
        jr nz,@listed
        ld ix,mv_slots          ; (MV_RUN_ALL)
        ld b,MV_MAX_COLS / 2
        ld de,MV_SLOT_PAIR
@all:
        call mv_pair_jps
        add ix,de
        djnz @all
        ret
@next:
        ld a,(hl)
        .byte $DD,$6F           ; ld ixl,a
        inc l
        ld a,(hl)
        .byte $DD,$67           ; ld ixh,a
        inc l
        call mv_pair_jps
@listed:
        ld a,l
        cp b
        jr nz,@next
        ret

.ifdef MV_SPARSE_REWALK
mv_rewalk_odd:                  ; (mv_sparse_rewalk) mv_sparse_full over the odd high piece, and
        ld a,MV_ODD_IX+MV_H_EXX ; the pair's jps (the even slot is walked after this)
        call mv_rewalk_full
.endif
; mv_pair_jps - both high pieces of the pair at IX (its even slot) skipped: a jp from each
; to the next pair. Clobbers A.
mv_pair_jps:
        ld (ix+MV_ODD_IX+MV_H_EXX),MV_H_JP
        mv_jp_operand MV_ODD_IX+MV_H_EXX, MV_PAIR_END
        jr mv_even_jp
.endif
; mv_even_skip - a jp over the high piece of the even slot at IX, to the next pair (a sparse
; call's zero column), and the
; odd slot's jr, if it has one (a zero column in a sparse call, or a nonzero one's sparse
; piece), there too. Clobbers A.
mv_even_skip:
        ld a,(ix+MV_ODD_AT)
        cp MV_JR
        jr nz,* + 6
        ld (ix+MV_ODD_AT+1),MV_PAIR_END - MV_ODD_AT - 2
.ifdef MV_SPARSE
        ld a,(ix+MV_ODD_IX+MV_H_EXX)
        cp $DD                  ; (mv_sparse_piece's sub (ix-1): a nonzero column's, whose jr
        jr nz,* + 6             ; goes to the pair's end too)
        ld (ix+MV_ODD_IX+MV_H_EXX+MV_PIECE_JR),MV_PAIR_END - MV_ODD_IX - MV_H_EXX - MV_PIECE_JR - 1
.endif
mv_even_jp:                     ; (mv_pair_jps' end)
        ld (ix+MV_EVEN_RUN),MV_H_JP
        .byte $DD,$7D           ; ld a,ixl
        add a,MV_PAIR_END
        ld (ix+MV_EVEN_RUN+1),a
        .byte $DD,$7C           ; ld a,ixh
        adc a,0
        ld (ix+MV_EVEN_RUN+2),a
        ret

; mv_restore_high - every slot's high piece back (its first three bytes), after a narrow
; call (the pass writes the displacements). Clobbers AF, B, DE, IX; keeps C.
mv_restore_high:
        xor a
        ld (mv_h_skipped),a
.ifdef MV_PAIR_JPS_KEPT
        ld (mv_run_end),a       ; (MV_RUN_ALL: every pair's jps back before a narrow pass)
        .assert MV_RUN_ALL == 0, "mv_restore_high's A = 0"
.endif
        ld ix,mv_slots
        ld b,MV_MAX_COLS / 2
        ld de,MV_SLOT_PAIR
@pair:
        ld (ix+MV_ODD_IX+MV_H_EXX),$D9
        ld (ix+MV_ODD_IX+MV_H_EXX+1),$DD
        ld (ix+MV_ODD_IX+MV_H_EXX+2),MV_H_RUN_2
        ld (ix+MV_EVEN_RUN),$DD
        ld (ix+MV_EVEN_RUN+1),$69
        ld (ix+MV_EVEN_RUN+2),$FD
        add ix,de
        djnz @pair
        ret
.else
; mv_restore_high - every slot's high piece back, after a narrow call; and,
; with C = $FF, the displacements of S(w + 0) where a jp was.
mv_restore_high:
        xor a
        ld (mv_h_skipped),a
        ld ix,mv_slots
        ld b,MV_MAX_COLS
        ld de,MV_SLOT_PAIR / 2  ; to the odd slot (counted from one byte early), then 26 to the even
@slot:
        ld a,(ix+MV_H_EXX)
        cp MV_H_JP
        jr nz,@next
        ld (ix+MV_H_EXX),$D9
        ld (ix+MV_H_EXX+1),$DD
        ld (ix+MV_H_EXX+2),MV_H_RUN_2
        ld a,c
        or a
        jr z,@next
        ld (ix+MV_D_H1),a
        ld (ix+MV_D_H2),a
@next:
        add ix,de
        ld a,e
        xor (MV_SLOT_PAIR / 2) ^ (MV_SLOT_PAIR / 2 + 1)
        ld e,a
        djnz @slot
        ret
.endif

.ifdef MV_WIDE_H
; mv_wide_h - the next wide column of mv_wide_list: HL at its distance (the first:
; its index), IX at the x of the one before (mv_x for the first). Returns A = its
; h - 1, E = the distance, D = 0, HL past it, IX at its x.
mv_wide_h:
        ld e,(hl)
        inc hl
        ld d,0
        add ix,de
        add ix,de
        ld a,(ix+0)
        cp 129                  ; (l < 0: h is one more than the high byte)
        ld a,(ix+1)
        sbc a,0
        ret

; mv_wide_h_pm1 - Z when every wide column of mv_wide_list has h +-1 (the coarse
; and the low slots' blocks' form; Z with none). Clobbers AF, B, DE, HL, IX.
mv_wide_h_pm1:
        ld a,(MV_WIDE_COUNT)
        or a
        ret z
        ld b,a
        ld hl,mv_wide_list
        ld ix,(mv_x)
@next:
        call mv_wide_h
        jr z,@plus_minus_1
        cp -2
        ret nz
@plus_minus_1:
        djnz @next
        ret
.endif

.ifdef MV_LOW_SLOTS
; The low slots (MV_LOW_SLOTS: the 128K player, which has the room): narrow
; mode's slots without a high piece, 74 T-states a one-piece product against
; the 87 of mv_slots' jp over it (77 before the sum took the coarse slots' form,
; H:L:A: add a,(ix+d), ld e,(iy+d), adc hl,de with D = 0, 3 less a product;
; mv_low_entry turns the row start's A:HL into it, 23 a row). A narrow call with at most MV_LOW_WIDE_MAX
; wide columns (every narrow call since MV_LOW_WIDE_MAX is 8, a quarter of the
; slots), each with h +-1 (sixteenth round; a call with another h runs the main
; slots narrow, as one with more wide columns), runs its rows through them: the
; column pass writes each used column's low displacement there (sixteenth round)
; and mv_low_prepare turns a wide
; column's `add a,(ix+d)` into a jp to a block of its own that adds its high
; piece 2wh = +-2w into the l sum's H:L as +-2(w + 128) (the -+256, and S(h),
; in -Cl: the rows keep no h sum but a second part's, and do not walk the wide
; columns: mv_row_narrow goes straight to K, a second part starts as
; mv_row_resume), runs the slot's body and jumps back to the slot's end: 46
; T-states more a wide product for h = 1, 62 for h = -1 (50 and 66 before the
; blocks read the weight from C or B, not IXL, sixteenth round; the blocks ran both
; pieces as a mv_slots slot and subtracted S(w) from the h sum before, ~158), against the walk's
; 135 and the 20 of the block's detour before that.
; Before the sixteenth round mv_low_prepare copied the displacements from mv_slots,
; where the pass wrote them (mv_low_copy: ~53 T-states a column once a call, ~95
; before it was unrolled, 416 bytes; matvec_again keeps them either way). The
; low slots have a row end of their own (mv_low_row_end), so the main slots run
; on into mv_row_end (a jp to it, 10 T-states a main-slot row, before). A 32x32
; call after one of the same x (zero weights, the first `wide` x 256, the others
; 0; run_matvec of tests/test_kernels_z80.py on its two benches), against the
; same call without MV_LOW_SLOTS: no wide column 95,239 / 109,464, one
; 98,363 / 116,560, four 107,520 / 136,093, eight 119,754 / 162,162, nine (the
; main slots' full path) 173,055 / 173,086, all 32 175,010 / 174,954; with x = -256
; (h = -1) one 98,856, four 109,492, eight 123,698 (99,069 / 110,328, 102,188 / 117,377,
; 111,713 / 136,805, 124,413 / 162,734, 173,656 / 173,615, 174,975 / 174,954 and
; 102,671, 113,645, 128,277 before x + 127's pass and the low slots written by it
; a pair at a time, sixteenth round; 99,040, 105,053, 123,464 and
; 148,012 before the sixteenth round's blocks, main measured again, where the header
; said 99,048 / 110,336, 105,061 / 117,385, 123,472 / 136,813, 148,020 / 162,742,
; 173,664 / 173,623 and 174,983 / 174,962; 101,095 /
; 112,338, 107,108 / 119,323, 125,519 / 138,751, 150,067 / 164,655, 175,699 /
; 175,658 and 177,018 / 176,997 before the row constants went in front of the
; weights, no SP stored or loaded a row: these benches have no MV_COARSE, so the
; low rows start as before; 101,130 / 112,373, 107,143 / 119,358, 125,554 / 138,786,
; 150,102 / 164,690, 175,734 / 175,693 and 177,053 / 177,032 when measured first, each 35 less
; since mv_chain_at (103,523 /
; 112,629, 109,536 / 119,614, 127,947 / 139,042, 152,495 / 164,946, 176,038 /
; 175,693 and 177,357 / 177,032 before the fourteenth round's H:L:A form and
; row start immediates). Earlier, on other x: no wide column 105,931 / 114,052, one 111,908 / 121,013, four
; 130,151 / 140,369, eight 154,475 / 166,177; more wide columns run the main
; slots' full path, +320 (nine: 177,136 / 176,816; all 32: 178,199 / 177,879).
; Before the blocks took S(w), MV_LOW_WIDE_MAX went from 4 to 8 and the copy was
; unrolled: 107,764 / 114,534, 116,351 / 121,495, 140,636 / 140,851, eight
; 167,009 / 166,659 (the main slots then). matvec.s on the kernels' bench with
; MV_LOW_SLOTS alone: 1,472 bytes more than without (1,615 with mv_low_copy and the
; sixteenth round's wide blocks). Size when first
; measured: 1,413 bytes more (432 of slots
; and 3 for the jp to mv_row_end, 288 of blocks, 24 of variables, 666 of code
; with the call in mv_prepare and the unrolled copy; 842 before); the sixteenth
; round's blocks take 152 bytes, not 280 (144 since they read the weight from C or B), and with the h check, mv_low_fix_cl and
; mv_wide_h the low slots' bytes are what they were on a bench of MV_LOW_SLOTS
; alone (1,615 more than without), 16 fewer in the 128K player.
MV_LOW_PAIR     = 25            ; bytes of an even and an odd low slot
MV_LOW_ODD      = 12            ; the odd slot, counted from one byte before it (as in mv_slots)
MV_LOW_END      = 13            ; a slot's end, counted as the offsets
MV_LOW_LD_E     = 5             ; its add a,(ix+d): a jp to the block for a wide column
MV_LOW_ADD_2    = $86           ; add a,(ix+d)'s second byte ($DD, $86), put back after the jp
MV_LOW_WIDE_MAX = 8             ; every narrow call's wide columns (at most a quarter of 32) go to blocks
MV_LOW_BLOCK    = 18            ; bytes of a wide column's block
MV_LOW_B_FORM   = 4             ; its three bytes written for its h (h = 1's entry)
MV_LOW_B_L1     = 9             ; its displacements and its way back
MV_LOW_B_L2     = 12
MV_LOW_B_BACK   = 16

; A wide column's block (sixteenth round: every wide column of a low call has h =
; +-1, else the call runs the main slots narrow): its high piece 2wh = +-2w into
; the l sum's H:L as +-2(w + 128) from the weight the slot popped (C, or B in an
; odd slot; the -+256 and S(h) = 1 of each in the
; rows' -Cl, mv_low_fix_cl), then its slot's body, then back to the slot's end: 46
; T-states a product more than a one-piece one for h = 1, 62 for h = -1 (50 and 66
; with ld e,ixl, 19 bytes, before the pass gave the slot's parity; its h
; piece S(w + h) - S(w) into the h sum, 35 bytes, ~158 before).
mv_low_wide:
        .repeat MV_LOW_WIDE_MAX
        ld e,c                  ; patched: ld e,b for an odd slot (h = -1's entry)
        or a
        sbc hl,de
        or a                    ; patched: ld e,c or ld e,b and add hl,de twice (h = 1's entry)
        sbc hl,de
        add a,(ix+0)            ; (the low slots' form: H:L:A, D = 0)
        ld e,(iy+0)
        adc hl,de
        jp 0
        .endrepeat
        .assert * - mv_low_wide == MV_LOW_WIDE_MAX * MV_LOW_BLOCK, "block size does not match MV_LOW_BLOCK"

mv_low_patched: .res 2 * MV_LOW_WIDE_MAX    ; the slots the call before sent to a block
mv_low_patched_count: .byte 0
mv_low_patched_ptr: .word 0
mv_low_block:   .word 0         ; the next free block
mv_low_list:    .word 0         ; the next distance in mv_wide_list
mv_low_wide_left: .byte 0       ; the wide columns not reached yet
mv_pass_low:    .byte 0         ; 1: the last column pass wrote the low slots' displacements, not mv_slots'
mv_pass_main:   .byte 0         ; 1: the next narrow pass writes mv_slots' (its call needs more wide columns); more:
                                ; theirs with the one-piece columns' jps checked (mv_exact_row's, MV_RAW_PASS)

; mv_low_prepare - the low slots for this call (mv_prepare, narrow mode, at
; most MV_LOW_WIDE_MAX wide columns, each with h +-1, mv_wide_list and the used
; columns' low displacements written by the column pass): a block for each wide
; column (its l and h from x), and mv_jump to the first used low slot. Clobbers
; everything but SP.
mv_low_prepare:
        ld a,(mv_low_patched_count)     ; the call before's wide slots: add a,(ix+d) back
        or a
        jr z,@restored
        ld b,a
        ld hl,mv_low_patched
@restore:
        ld e,(hl)
        inc hl
        ld d,(hl)
        inc hl
        ld a,$DD
        ld (de),a
        inc de
        ld a,MV_LOW_ADD_2
        ld (de),a
        djnz @restore
@restored:
        xor a
        ld (mv_low_patched_count),a
        ld a,(mv_cols)          ; the first used slot: MV_MAX_COLS - cols
        neg
        add a,MV_MAX_COLS
        ld c,a
        ld hl,mv_low_slots
        jr z,@even_first        ; (slot 0, a whole call's: 54 T-states less than the walk below)
        srl a                   ; its pair
        ld b,a
        ld de,MV_LOW_PAIR
        inc b
        jr @pair_count
@pair_skip:
        add hl,de
@pair_count:
        djnz @pair_skip
        bit 0,c
        jr z,@even_first
        ld de,MV_LOW_ODD + 1
        add hl,de
        ld (mv_odd_jump+1),hl   ; (entered through mv_odd_start)
        ld hl,mv_odd_start
@even_first:
        ld (MV_LOW_FIRST),hl
.ifdef MV_LOW_HLA
        ld (MV_COARSE_FIRST),hl ; the rows start in the low slots' form, H:L:A (the coarse rows'
        ld hl,MV_H_ADD_OPS      ; start): no turn of A:HL in mv_low_entry
        ld de,mv_row_coarse_start
        ld a,(mv_mode)          ; (a second part's rows start from its first part's sums)
        and MV_RESUME
        jr nz,@h_sum
        ld hl,MV_H_ZERO_OPS     ; else no h sum: -Ch is in -Cl with the blocks' (mv_low_fix_cl;
                                ; mv_row_narrow's h sum too, after mv_low_deferred)
        ld de,mv_row_h_zero
@h_sum:
        ld (MV_LOW_H_ADD),hl
        ld (MV_NARROW_START),de
.endif
        ld de,mv_low_entry_jp   ; (every column: mv_low_entry runs on into the first slot)
        ld a,c
        or a
        jr nz,* + 5
        ld de,mv_low_entry
        ld (mv_jump+1),de
        ld a,(MV_WIDE_COUNT)
        or a
        ret z
        ld (mv_low_wide_left),a
        ld hl,mv_low_patched    ; (only a call with wide columns reads them: 52 T-states less
        ld (mv_low_patched_ptr),hl      ; one with none, eighteenth round)
        ld hl,mv_low_wide
        ld (mv_low_block),hl
        xor a                   ; the blocks subtract the wide columns' S(w): the row
        ld (MV_WIDE_COUNT),a    ; starts walk none (a second part's: mv_row_resume)
        ld hl,mv_wide_list + 1
        ld (mv_low_list),hl
        ld e,c                  ; E: the column's slot, IX: its x (the first distance is its index)
        ld ix,(mv_x)
        ld a,(mv_wide_list)
@block:                         ; a wide column's block (A: its distance from the one before)
        ld c,a
        add a,e
        ld e,a
        ld b,0
        add ix,bc
        add ix,bc
        call mv_low_slot_at     ; HL: its low slot
        ld a,(ix+0)
        ld c,a
        dec c                   ; C: l - 1
        cp 129                  ; (l >= 0: h - 1 is the high byte less 1, l < 0: the high byte)
        ld a,(ix+1)
        sbc a,0
        ld b,a                  ; B: h - 1 (0 or -2: mv_prepare checked every h)
        call mv_low_block_in    ; (keeps DE and IX; A: the next distance, 0 after the last)
        or a
        jr nz,@block
        ret

; mv_low_slot_at - HL = the low slot A (0..MV_MAX_COLS - 1), counted as the offsets (an odd
; one from one byte before it): mv_low_slots + 12 A + (A >> 1). Clobbers BC.
mv_low_slot_at:
        .assert MV_LOW_PAIR == 25 && MV_LOW_ODD == 12, "mv_low_slot_at multiplies by 12 and 1/2"
        ld l,a
        ld h,0
        add hl,hl
        add hl,hl
        ld b,h
        ld c,l
        add hl,hl
        add hl,bc
        srl a
        ld c,a
        ld b,0
        add hl,bc
        ld bc,mv_low_slots
        add hl,bc
        ret

; mv_low_block_in - the next block for a wide column: C = its low displacement, B =
; its high one (h - 1: 0 or -2), HL = its low slot (counted as the offsets), E = the
; slot's index (odd: its weight in B, else in C). Returns A = the
; countdown to the next wide column (0: none). Keeps DE, IX, IY; clobbers BC, HL.
mv_low_block_in:
        ld a,e                  ; ld e,c for an even slot's weight, ld e,b for an odd one's
        rra
        ld a,$59
        sbc a,0
        push de
        push ix
        ld ix,(mv_low_block)
        ld (ix+MV_LOW_B_L1),c
        ld (ix+MV_LOW_B_L2),c
        ld de,MV_LOW_LD_E
        add hl,de
        ld de,MV_LOW_END - MV_LOW_LD_E
        ex de,hl
        add hl,de               ; HL: the slot's end, DE: its add a,(ix+d)
        ld (ix+MV_LOW_B_BACK),l
        ld (ix+MV_LOW_B_BACK+1),h
        ld hl,(mv_low_patched_ptr)      ; (restored by the next call)
        ld (hl),e
        inc hl
        ld (hl),d
        inc hl
        ld (mv_low_patched_ptr),hl
        push de
        push ix
        pop hl                  ; HL: the block (h = -1's entry)
        inc b
        djnz @minus             ; (B = h)
        ld bc,-255              ; h = 1: 2(w + 128) = S(w + 1) - S(w) + 255
        ld (ix+MV_LOW_B_FORM),a ; (ld e,c or ld e,b)
        ld a,$19                ; add hl,de
        ld (ix+MV_LOW_B_FORM+1),a
        ld (ix+MV_LOW_B_FORM+2),a
        .assert MV_LOW_B_FORM == 4, "h = 1's entry is four bytes in"
        inc hl
        inc hl
        inc hl
        inc hl
        jr @form
@minus:
        ld (ix+0),a             ; (ld e,c or ld e,b)
        ld bc,257               ; h = -1: -2(w + 128) = S(w - 1) - S(w) - 257
        ld (ix+MV_LOW_B_FORM),$B7       ; or a, sbc hl,de
        ld (ix+MV_LOW_B_FORM+1),$ED
        ld (ix+MV_LOW_B_FORM+2),$52
@form:
        ex de,hl                ; DE: the block's entry
        call mv_low_fix_cl
        pop hl
        ld (hl),$C3             ; the slot's jp to the block
        inc hl
        ld (hl),e
        inc hl
        ld (hl),d
        ld hl,mv_low_patched_count
        inc (hl)
        ld de,MV_LOW_BLOCK
        add ix,de
        ld (mv_low_block),ix
        pop ix
        ld hl,mv_low_wide_left
        dec (hl)
        ld a,0
        pop de
        ret z
        ld hl,(mv_low_list)
        ld a,(hl)
        inc hl
        ld (mv_low_list),hl
        ret

; mv_low_fix_cl - BC (the difference of a wide column's block from its S(w + h) -
; S(w)) into the top two bytes of each -Cl a low row may start from: a second
; part's (MV_NC_L), a whole call's or a first part's (MV_COARSE_NC_L12 with
; MV_LOW_HLA, and MV_NARROW_NC_L, mv_narrow_k's, where mv_low_deferred runs after
; the row start's choice; with MV_LOW_HLA these rows keep no h sum, so S(h) = 1
; goes there too: BC - 1). The column pass writes them again each call. Clobbers
; AF, BC, HL.
mv_low_fix_cl:
        ld hl,MV_NC_L+1
        call @add
        ld a,(MV_NC_L_TOP)
        adc a,b
        ld (MV_NC_L_TOP),a
.ifdef MV_LOW_HLA
        dec bc                  ; (a whole call's or a first part's rows keep no h sum: its -Ch too)
        ld hl,(MV_COARSE_NC_L12)
        add hl,bc
        ld (MV_COARSE_NC_L12),hl
.endif
        ld hl,MV_NARROW_NC_L+1
        call @add
        ld a,(MV_NARROW_NC_L_TOP)
        adc a,b
        ld (MV_NARROW_NC_L_TOP),a
        ret
@add:
        ld a,(hl)
        add a,c
        ld (hl),a
        ret
.endif

.ifdef MV_COARSE
; Coarse calls (MV_COARSE: the 128K player's logits, forward.s's
; fw_logits_bound): a call asked for with mv_coarse_on = 1 that runs in narrow
; mode, whole (at most MV_MAX_COLS columns), of an even count and with no x <=
; -32640 runs its rows through slots of their own, which add only the high byte
; of S(w + l): each row's doubled sum 2 sum w x + 2b then lacks each product's
; low byte (0..255), so its output is a lower bound of the exact one within
; (255 * cols + 2^(shift+1) - 1) >> (shift + 1) (sat16 of a floor is monotone
; and moves by at most what its argument moves; 255 more with MV_COARSE_TOP's
; row end, mv_coarse_top, which leaves out the row's own low byte, below). 43 T-states a product (a pop
; every two, ld iyl, ld e,(iy+d), add hl,de) against 74 in the low slots and 87
; in mv_slots' narrow mode. A wide column's high piece goes into the same sum
; from a block of its own (mv_coarse_wide, below). matvec
; leaves mv_coarse_on 1 when the call ran coarse, 0 when it ran exact (the
; full path: more than a quarter of the columns wide; an odd count, two parts,
; more than 6 wide columns or one with h other than +-1 (an x <= -32640 among
; them), matvec_again); the caller clears it after. mv_exact_row then computes a row
; of the call again, exactly.
MV_COARSE_PAIR  = 13            ; bytes of an even and an odd coarse slot
; The coarse slots and the gate's: a pair of columns adding one byte of S(w + l)
; each into HL (D = 0), the index register's low byte taking each weight (C,
; then B) and its page the byte's plane. prefix: the register's opcode prefix
; ($DD ix, $FD iy) for the undocumented ld ixl/iyl,r.
        .macro mv_byte_pairs index, prefix
        .repeat MV_MAX_COLS / 2
        pop bc
        .byte prefix,$69        ; ld (index)l,c
        ld e,(index+0)
        add hl,de
        .byte prefix,$68        ; ld (index)l,b
        ld e,(index+0)
        add hl,de
        .endrepeat
        .endmacro
MV_COARSE_D1    = 5             ; their displacements, from the pair's start
MV_COARSE_D2    = 11

.ifndef MV_COARSE_UNCALLED              ; (no coarse call: no flag to ask for one, and no code that could)
mv_coarse_on:   .byte 0
.endif
MV_COARSE_GATE  = 2             ; mv_coarse_on: a coarse call whose rows ReLU follows (mv_gate)
.ifdef MV_LOW_HLA
MV_COARSE_RAW   = 3             ; mv_coarse_on: an ungated call whose rows store D >> 8 (matvec_ends.s's mv_coarse_raw)
.endif
.ifdef MV_CT_RAW
MV_COARSE_RAW   = 3             ; (the 48K's: mv_coarse_top's raw rows, mv_coarse_raw below; bit 0 as 1's, an
.endif                          ; ungated call that mv_exact_row may follow)

; The coarse rows' starts: the l sum -Cl - K (+ 2b) made straight in the
; slots' form, H:L = its top two bytes and A its low byte (the slots add into
; H:L, D = 0, E = S(w + l)'s high byte: no carry into a third byte), SP on the
; row's weights (popping K from where the row before ended: no SP loaded, none
; stored at the row's end, 30 T-states a row, fifteenth round) and a jp to the first used pair: 39 T-states a row less than
; mv_row_narrow's start with mv_no_bias, the preload's NOPs, mv_jump and a turn
; of A:HL into this form (128x32 coarse on zeros 245,886 -> 240,887, with
; mv_odd_start; ~28 with a bias, which MV_BIAS_IN_K leaves out: its row
; constants hold it). A call with no wide column has Ch = 0.
.ifndef MV_BIAS_IN_K
mv_row_coarse_biased:           ; (in the h sum's set; no wide column, a bias)
        ld hl,0                 ; C:HL = -Ch = 0
        ld c,l
        exx
mv_coarse_k_biased:             ; (mv_row_coarse_biased goes on here)
        ld (MV_COARSE_K_AT),sp  ; the row's -K (SP is on it), aside while SP reads the bias
        ld sp,0                 ; patched: the row's bias
MV_COARSE_BIAS_PTR = * - 2
        pop hl
        ld (MV_COARSE_BIAS_PTR),sp
        ld a,h
        rla
        sbc a,a                 ; A:HL = b
        add hl,hl
        adc a,a                 ; A:HL = 2b
        ld sp,0                 ; patched: the row's -K, in front of its weights
MV_COARSE_K_AT  = * - 2
        pop de
        dec sp
        pop bc                  ; B:DE = -K (this set's B takes weights)
        add hl,de
        adc a,b                 ; A:HL = 2b - K
        ld c,l
        ld l,h
        ld h,a                  ; H:L:C = 2b - K, mv_coarse_sum's form
        ld d,0                  ; (the slots' D)
        jp mv_coarse_sum
.endif
mv_row_coarse_start:            ; (in the h sum's set; no wide column, no bias)
.ifdef MV_LOW_HLA
        ld hl,0                 ; patched: C:HL = -Ch (0 in a coarse call without wide columns;
        ld c,0                  ; a low call's rows start here too, mv_low_prepare)
MV_LOW_NC_H     = * - 4
MV_LOW_NC_H_TOP = * - 1
MV_NARROW_NC_H  = MV_LOW_NC_H   ; (mv_row_narrow reads -Ch here)
MV_NARROW_NC_H_TOP = MV_LOW_NC_H_TOP
.else
.ifndef MV_GATE_SHORT                   ; (its rows keep no h sum: this set's HL holds the row's word)
        ld hl,0                 ; C:HL = -Ch = 0
        ld c,l
.endif
.endif
.ifdef MV_LOW_HLA
; mv_row_h_zero - a low or coarse row's start when the call has no wide column
; (Ch = 0) and is no second part: the h sum stays 0, so it sets none, and the
; row end (MV_LOW_H_ADD, MV_COARSE_H_ADD, patched by mv_low_prepare and
; mv_coarse_prepare with the row start's choice) takes E:H:L = V from the l
; sum alone with ex de,hl where it adds C:HL: 24 T-states a row less.
mv_row_h_zero:
.endif
        exx
mv_coarse_k:                    ; (mv_row_h_zero and mv_row_coarse_start go on here)
.ifdef MV_LOW_HLA
        dec sp                  ; SP on the row's -K (where the row before ended): A = its low
        pop af                  ; byte (F the byte before it: 4 T-states a row less than pop bc,
        pop hl                  ; dec sp, pop hl and add a,c), H:L its top two, D 0 from the row
        add a,0                 ; before or mv_rows_run's; patched: -Cl's low byte
MV_COARSE_NC_L0 = * - 1
.else
MV_COARSE_K     = *             ; (MV_SHORT_K: pop bc, ld e,b, nop, ... ld hl,nn and adc hl,de, 8 T-states less)
        pop bc                  ; SP on the row's -K (where the row before ended): C = its low byte
        dec sp                  ; (B and C take weights in the slots: D stays 0 from the row
        pop hl                  ; before, or mv_rows_run's, 7 T-states a row less than ld d,0)
mv_coarse_sum:                  ; (H:L:C = the row constant, D = 0)
        ld a,0                  ; patched: -Cl's low byte
MV_COARSE_NC_L0 = * - 1
        add a,c
.endif
        ld bc,0                 ; patched: -Cl's top two bytes (H:L:A = the l sum:
MV_COARSE_NC_L12 = * - 2        ; 17 T-states a row less than adding a byte at a time)
        adc hl,bc
.ifdef MV_COARSE_UNCALLED
        jp 0                    ; patched: the first used low slot (mv_low_prepare)
.else
        jp mv_coarse_slots      ; patched: the first used pair (an even count: no preload), or
.endif
MV_COARSE_FIRST = * - 2         ; the first used low slot (mv_low_prepare)
.ifndef MV_COARSE_UNCALLED      ; (the 128K's without a coarse call: no coarse slots, row ends or blocks)
.ifdef MV_LOW_HLA
; mv_row_coarse_whole - (mv_hz_prepare) mv_row_h_zero's start for a coarse call of
; MV_MAX_COLS columns, run on into the first pair: no jp, 10 T-states a row less.
mv_row_coarse_whole:
        mv_row_whole_start MV_COARSE_WHOLE_NC_L0
.endif
.ifdef MV_COARSE_PAIRS
mv_pairs_in:                    ; (a call of MV_MAX_COLS columns enters here: mv_pairs_prepare)
        ex af,af'               ; A' = the l sum's low byte while the pairs' form sums in A
.endif
mv_coarse_slots:
        mv_byte_pairs iy, $FD   ; S(w + l)'s high byte
        .assert * - mv_coarse_slots == MV_MAX_COLS / 2 * MV_COARSE_PAIR, "coarse slot size does not match MV_COARSE_PAIR"
.ifdef MV_COARSE_PAIRS
mv_pairs_out:
        ex af,af'               ; patched: nop in a call that enters past mv_pairs_in (fewer columns)
.endif
.ifdef MV_LOW_HLA
        jp mv_coarse_row_end    ; patched: a short row end, mv_hz_store's chains or mv_hz_gate (mv_hz_prepare)
MV_COARSE_END_JP = * - 2
mv_coarse_row_end:
.endif
; mv_row_end's first steps on the slots' form of the sum (H:L:A, not A:HL): 22
; T-states a row less than turning it back and running them there. With
; MV_COARSE_TOP its first three bytes become a jp to mv_coarse_top in the calls
; that take it (mv_coarse_prepare, which writes MV_COARSE_END_OP, $7D and $DD
; back for the others).
mv_coarse_end:
.ifdef MV_GATE_SHORT
; The gate's short end (MV_GATE_SHORT, the 48K's, thirty-second round, zx48ffn32): every coarse call is
; fc1's gated one with ReLU's store at a shift of 7 or less (mv_gate_prepare), and its rows keep no h
; sum (each wide column's high piece is in the l sum: mv_coarse_wide), so a row is decided, summed
; again and stored in the slots' register set: V = D >> 8 is the slots' H:L as it stands, a row ReLU
; zeroes stores its 0 through the other set's HL, the row's word (mv_rows_run loads it: MV_HZ_ENDS'),
; and starts the next row; a row it does not zero keeps V (MV_GATE_V), sums its low bytes again
; (mv_gate_back) and ends through mv_hz_left's chain and mv_short_relu. No move of V to the other set,
; no mv_gate, mv_store_zero, mv_low_shift or mv_store_relu, no output pointer in memory and no h sum
; set at a row's start: ~130 T-states a zeroed row less, ~120 a row summed again. V is within
; +-12,600 for any soul (|2 (W x + b)| <= 2 * 32 * 128 * 384 + 2^16 with every |x| <= 384, and the
; coarse sum at most 255 * 32 under it) and Tv = 2^(shift-7) - cols in -32..-1, so V - Tv never
; wraps 16 bits: its sign is V < Tv's.
        ld b,a                  ; B = D's low byte (mv_gate_slots' start)
        ld a,l
        sub 0                   ; patched: Tv's low byte (its high byte $FF: Tv in -32..-1)
MV_GATE_T0 = * - 1
        ld a,h
        sbc a,$FF
        jp p,@exact
@zero:                          ; V < Tv: ReLU zeroes the row (its exact output is <= 0 too)
        exx
        xor a
        ld (hl),a
        inc hl
@high:                          ; (mv_short_relu's high byte)
        ld (hl),a
        inc hl
        dec b                   ; (the rows left)
        jp nz,mv_row_coarse_start
        jp mv_part_end
@exact:                         ; V aside, the row's low bytes summed again
        ld (MV_GATE_V),hl
        jp mv_gate_back
; mv_short_relu - (MV_GATE_SHORT: mv_hz_store's first bytes a jp here, mv_gate_prepare) a row summed
; again, shifted by mv_hz_left's chain: ReLU of H:L into the row's word through the other set's HL.
mv_short_relu:
        bit 7,h
        jr nz,mv_coarse_end@zero
        ld a,l
        exx
        ld (hl),a
        inc hl
        exx
        ld a,h
        exx
        jr mv_coarse_end@high
.else
.ifdef MV_LOW_SLOTS
        ex af,af'               ; A' = bits 0-7, as the low slots' row end (mv_low_shift_af, mv_gate)
MV_COARSE_END_OP = $08          ; ex af,af' (then ld a,l and ld ixl,a's $DD)
.else
        ld b,a                  ; B = bits 0-7
MV_COARSE_END_OP = $47          ; ld b,a
.endif
        mv_hla_to_other_set
.ifdef MV_LOW_HLA
MV_COARSE_H_ADD = *             ; (patched: ex de,hl and nop with mv_row_h_zero, mv_coarse_prepare)
.endif
        add hl,de
        adc a,c
        ld e,a                  ; E:H:L = V
mv_coarse_check:
        jp mv_flag_check        ; patched: mv_flag_check's target (a coarse call has no flagged column)
.endif

.ifdef MV_COARSE_TOP
; mv_coarse_top - (MV_COARSE_TOP, the 48K player's option since the seventeenth round
; where the soul leaves room: soulterm/zx/build.py) the row end of an ungated
; coarse call (the logits' bound) at a shift of 7 or less: out = sat16((D >> 8) << (7 - shift)),
; from the slots' H:L = D >> 8 as it stands, with no turn into the other set, no
; shift chain through the low byte and no mv_store: 116 T-states a row less at
; the logits' shift of 4 on the 48K's options (156 counted here, 3 doublings, the
; loop's dec b and jp nz included). The low byte left out keeps the row
; a lower bound, now within 255 (cols + 1) >> (shift + 1) of the exact one
; (forward.s's FW_LOGITS_SLACK). It stores plainly, as mv_store's own ops (an
; ungated coarse call is the logits', fw_logits_bound). Entered in the l sum's set.
; With MV_CT_RAW (the 48K's, twenty-second round) every ungated call's rows are raw instead, at any
; shift: mv_coarse_raw below, the range check, the first five doublings and the clip left out.
.ifdef MV_CT_RAW
MV_RAW_DOUBLINGS = 2            ; (as matvec_ends.s's, which the 48K does not assemble)
.endif
mv_coarse_top:
.ifdef MV_CT_RAW
        .repeat MV_RAW_DOUBLINGS
        add hl,hl
        .endrepeat
.else
        ld a,h                  ; D >> 8 << k fits 16 bits when H is in -2^(7-k)..2^(7-k) - 1:
        add a,0                 ; patched: 2^(7-k) = 2^shift
MV_CT_ADD       = * - 1
        and 0                   ; patched: its top 1 + k bits, -2^(shift+1) (0 for k = 0)
MV_CT_AND       = * - 1
        jr nz,@clip
        jp 0                    ; patched: k (= 7 - shift) doublings before the store
MV_CT_CHAIN     = * - 2
MV_CT_DOUBLINGS = *            ; (the chain: mv_coarse_prepare enters it at + shift)
        .repeat 7
        add hl,hl
        .endrepeat
.endif
@store:
.ifndef MV_CT_RAW
        .assert @store - MV_CT_DOUBLINGS == 7, "seven doublings: mv_coarse_prepare enters them at + shift"
.endif
        ld (0),hl               ; patched: the row's word of mv_out
MV_CT_OUT       = * - 2
        ld hl,(MV_CT_OUT)
        inc hl
        inc hl
        ld (MV_CT_OUT),hl
        exx                     ; (the rows are counted in the other set)
        dec b
        jp nz,0                 ; patched: the rows' start (mv_row_jump's)
MV_CT_NEXT      = * - 2
        jp mv_row_jump + 3      ; (the call's end)
.ifdef MV_CT_RAW
; mv_coarse_raw - (MV_CT_RAW, the 48K's, twenty-second round) mv_coarse_top as the rows of every
; ungated coarse call (the 48K's only one is logitsraw.s's fw_logits_bound, mv_coarse_on =
; MV_COARSE_RAW): the slots' H:L = D >> 8 doubled MV_RAW_DOUBLINGS times and stored with no range
; check (4 (D >> 8) fits 16 bits for any coarse call: matvec_ends.s's mv_coarse_raw, the 128K's,
; says why). 100 T-states a row with the store and the next row's jp, against 146 for mv_coarse_top
; at the logits' shift of 4 (its range check, 35, and a third doubling, 11).
mv_coarse_raw = mv_coarse_top
.else
@clip:
        bit 7,h
        ld hl,$7FFF
        jr z,@store
        inc hl                  ; $8000
        jr @store
.endif
.endif

; The coarse rows' wide columns (sixteenth round): every wide column of a coarse
; call has h = +-1 (else the call runs exact), so its high piece 2wh = +-2w goes
; into the l sum's H:L in its own slot, whose ld e,(iy+d) mv_coarse_prepare turns
; into a jp to a block of its own: +-2(w + 128) from the weight still in C or B
; (the -+256 of each goes into -Cl's top bytes, with -Ch), the slot's read of
; S(w + l)'s high byte, and back to its add. The doubled sum then fits the l
; sum's 24 bits (|2 sum w x + 2b| < 2^21 with every |x| <= 384), and the rows
; start with no h sum (mv_row_h_zero): 46 T-states a product more for h = 1, 62
; for h = -1, against ~176 and ~75 a row around them in the row start's blocks
; before. MV_COARSE_WIDE_MAX blocks: a call with more wide columns runs exact (the
; shipped soul's coarse calls have at most 4).
MV_COARSE_WIDE_MAX = 6          ; blocks (a quarter of 32 columns would be 8)
MV_CW_BLOCK     = 13            ; bytes of a wide column's block
MV_CW_PLUS      = 4             ; the entry for h = 1 (ld e,c or b, add hl,de twice); for h = -1
                                ; the block's start (ld e,c or b, or a and sbc hl,de twice)
MV_CW_D         = 9             ; its ld e,(iy+d)'s displacement (the slot's)
MV_CW_BACK      = 10            ; its jp back to the slot's add hl,de
MV_CW_SLOT_D1   = MV_COARSE_D1 - 2      ; the slots' ld e,(iy+d), turned into the jp
MV_CW_SLOT_D2   = MV_COARSE_D2 - 2
mv_coarse_wide:
        .repeat MV_COARSE_WIDE_MAX
        ld e,c                  ; patched: ld e,b for an odd slot (h = -1)
        or a
        sbc hl,de
        or a                    ; patched: ld e,c or ld e,b, then add hl,de twice (h = 1)
        sbc hl,de
        ld e,(iy+0)             ; patched: the slot's displacement
        jp 0                    ; patched: the slot's add hl,de
        .endrepeat
        .assert * - mv_coarse_wide == MV_COARSE_WIDE_MAX * MV_CW_BLOCK, "wide block size does not match MV_CW_BLOCK"
mv_cw_count:    .byte 0         ; the blocks the call before used (the next coarse call puts their slots back)
.endif                          ; (MV_COARSE_UNCALLED)


.ifdef MV_COARSE_PAIRS
; The pairs' form (nineteenth round, zxpairs128: the 128K's, build.py's ladder): a pair
; whose two columns' S(w + l) >> 8 cannot sum past 255 on any row of the call adds them
; in A and the sum into HL once, in the same 13 bytes, 79 T-states a pair against 86:
; pop bc / ld iyl,c / ld a,(iy+d1) / ld iyl,b / add a,(iy+d2) / ld e,a / add hl,de. The
; row keeps the l sum's low byte in A' around the slots (mv_pairs_in, mv_pairs_out: 8
; T-states a row). A column's S(w + l) >> 8 <= 127 on every row where |w + l| <= 181 for
; its least and most w: the soul's layout puts each coarse matrix's range of l that
; keeps it so, 2 bytes a column, just before the matrix (soul_layout.pair_bounds).
; A wide column's pair keeps the slots' form (its block reads it: mv_coarse_prepare's
; @wide), and so does every pair of a call of fewer columns (entered past mv_pairs_in).
MV_PAIR_OP      = 4             ; the byte that tells the forms: ld e,(iy+d1)'s or ld a,(iy+d1)'s
MV_PAIR_OP_A    = $7E
MV_PAIR_OP_E    = $5E
MV_PAIR_D2      = 10            ; the pairs' form's d2
MV_PAIR_BOUNDS_BYTES = MV_MAX_COLS * 2

; mv_pairs_walk - the coarse pair loops (mv_coarse_prepare's, gate 0; mv_gate_prepare's,
; gate 1, which writes the gate's slots too: IY), from the last pair down (HL past x's
; last column, IX past the last pair, DE = -MV_COARSE_PAIR, B the pairs): each pair's
; displacements and form. The column ranges are popped (interrupts are off: matvec's di;
; no call while SP is on them), 2 bytes a column, the last column first: the least
; a = l + 127, xor $80, and the range's width (a column is within it where a - least, a
; byte, is below the width: l - 1 less the first byte, one sub and one cp, twentieth round). `odd_cp`, `even_cp`: the range
; tests' cp d, which mv_pairs_prepare turns into cp a for a call of fewer columns (every
; column out: the slots' form throughout; in the logits' walk the finer test's garbage is
; never used, the even column being out too; twentieth round, no jr a pair to a path of its
; own). Clobbers AF, BC, DE (and IY, gate 0).
; Gate 0, the logits' (twentieth round, zxpairs2): a pair with one column out of its range
; is tested again by the columns' largest S(w + l) >> 8, from the same two bytes. A
; column's largest |w + l| is m = max(181 + least - a, 182 + a - least - width) (at its
; least and most w; more where the build clipped its range, which only makes the test
; refuse more): 181 + least - a below the range, 182 + a - least - width above it (m >= 182:
; S >> 8 >= 129), 181 less the nearer edge's distance within it (S >> 8 <= 127). The pair
; fits where the two S(m) >> 8 (matvec's squares table, IY) sum to 255 or less: the logits'
; pairs that fit 0.84 -> 0.94 (benchmarks/z80_coarse_pairs.py), a pair gained 128 rows at
; 7 T-states, each test ~150 T-states; fc1's walk keeps the range test (its pairs gain ~0.1 a
; call, its pairs out of range ~1.2).
        .macro mv_pairs_walk gate, odd_cp, even_cp
        ld (mv_pairs_sp),sp
        ld sp,(mv_pairs_ranges)
.if !gate
        ld iy,mv_sq_hi + 128    ; (IYL = m, +127: S(m) >> 8)
        jr @pair
@even_out:                      ; (A = a - least, past the width: DE the even column's range)
        bit 7,(ix+MV_COARSE_D1) ; l - 1 below 0: below the range (a < least <= 74; above it a >= 182)
        jr nz,@even_below
        sub d
        add a,182               ; m = 182 + a - least - width
        jr @even_m
@even_below:
        neg
        add a,181               ; m = 181 + least - a
@even_m:
        .byte $FD,$6F           ; ld iyl,a
        ld a,(iy+127)           ; S(m) >> 8
        ld (MV_PAIRS_OUT_HIGH),a
        dec sp                  ; the odd column's range again
        dec sp
        dec sp
        dec sp
        pop de
        inc sp
        inc sp
        ld a,c
        sub e                   ; its a - least
@in_range:                      ; (A = a - least of the pair's column within its range, D its width)
        ld e,a
        cpl
        add a,d                 ; width - 1 - (a - least): the distance below the most
        cp e
        jr c,@nearer
        ld a,e
@nearer:
        neg
        add a,181               ; m = 181 less the nearer edge's distance
        .byte $FD,$6F           ; ld iyl,a
        ld a,(iy+127)
        add a,0                 ; patched: the other column's S(m) >> 8
MV_PAIRS_OUT_HIGH = * - 1
        jr nc,@pairs_form
        jr @slots
@odd_out:                       ; (A = a - least, past the width: DE the odd column's range)
        bit 7,c
        jr nz,@odd_below
        sub d
        add a,182
        jr @odd_m
@odd_below:
        neg
        add a,181
@odd_m:
        .byte $FD,$6F           ; ld iyl,a
        ld a,(iy+127)
        ld (MV_PAIRS_OUT_HIGH),a
        dec hl
        dec hl
        ld a,(hl)
        dec a
        ld (ix+MV_COARSE_D1),a  ; the even column's l - 1
        pop de                  ; the even column's
        sub e
        cp d                    ; patched: cp a, a call of fewer columns (mv_pairs_prepare)
even_cp = * - 1
        jr c,@in_range
        jr @slots               ; (both out: 129 + 129 at least)
.endif
@pair:
        add ix,de
.if gate
        add iy,de
.endif
        dec hl
        dec hl
        ld a,(hl)
        dec a
        ld c,a                  ; C: the odd column's l - 1
.if gate
        ld (iy+MV_COARSE_D2),a  ; (the gate's slots read the other plane at the same places)
.endif
        pop de                  ; E: the odd column's least a xor $80, D: its range's width
        sub e                   ; (l - 1) - (least - 128) = a - least, with a = l + 127
        cp d                    ; patched: cp a, a call of fewer columns (mv_pairs_prepare)
odd_cp = * - 1
        jr nc,@odd_out          ; (below the least, a - least wraps past the width)
        dec hl
        dec hl
        ld a,(hl)
        dec a
        ld (ix+MV_COARSE_D1),a  ; the even column's l - 1
.if gate
        ld (iy+MV_COARSE_D1),a
.endif
        pop de                  ; the even column's
        sub e
        cp d
.if gate
        jr nc,@slots
.else
        jr nc,@even_out
.endif
@pairs_form:
        ld (ix+MV_PAIR_D2),c    ; the pairs' form
        bit 5,(ix+MV_PAIR_OP)   ; (ld a,(iy+d1)'s $7E has it, ld e,(iy+d1)'s $5E not)
        jr nz,@next
        ld (ix+MV_PAIR_OP),MV_PAIR_OP_A         ; ld a,(iy+d1)
        ld (ix+6),$FD
        ld (ix+7),$68           ; ld iyl,b
        ld (ix+8),$FD
        ld (ix+9),$86           ; add a,(iy+d2)
        ld (ix+11),$5F          ; ld e,a (add hl,de stays)
        jr @next
.if gate
@odd_out:
        pop de                  ; (the even column's: SP in step)
        dec hl
        dec hl
        ld a,(hl)
        dec a
        ld (ix+MV_COARSE_D1),a  ; the even column's l - 1
        ld (iy+MV_COARSE_D1),a
.endif
@slots:
        bit 5,(ix+MV_PAIR_OP)
        jr z,@slots_set
        ld (ix+MV_PAIR_OP),MV_PAIR_OP_E         ; back to the slots' form: ld e,(iy+d1)
        ld (ix+6),$19           ; add hl,de
        ld (ix+7),$FD
        ld (ix+8),$68           ; ld iyl,b
        ld (ix+9),$FD
        ld (ix+10),$5E          ; ld e,(iy+d2)
@slots_set:
        ld (ix+MV_COARSE_D2),c
@next:
        ld de,-MV_COARSE_PAIR
        djnz @pair
        ld sp,(mv_pairs_sp)
        .endmacro
        .assert (MV_PAIR_OP_A ^ MV_PAIR_OP_E) == $20, "mv_pairs_walk tells the forms by bit 5"

; The routines below (399 bytes) lie where build.py expands their macro, mv_pairs_routines:
; after forward.s, below $C000 (bank 0 above it with FW_FC1_PLANES: no coarse call in bank 4). Here, before
; attention.s's page-aligned at_sq_table, their 326 bytes moved it two pages (nineteenth
; round); after the table they moved forward.s's fw_xn across a page (rmsnorm.s's
; RN_IN_PAGE); after forward.s they move nothing that the 128K's other rungs lay out
; (twentieth round, zxpairs2). The walks are called (27 T-states a call).
        .macro mv_pairs_routines
; mv_pairs_prepare - (mv_coarse_prepare, B = cols) the range walk's start and the slots'
; exit for the call: a call of MV_MAX_COLS columns tests its pairs, any other keeps
; the slots' form (the walks' range tests' cp d turned into cp a). Clobbers AF, DE.
mv_pairs_prepare:
        push hl
        ld hl,(mv_w)            ; (the ranges lie just before the matrix, the last column's first)
        ld de,-MV_PAIR_BOUNDS_BYTES     ; patched: the logits' call (logitsraw.s) starts its rows
MV_PAIRS_RANGES_BACK = * - 2            ; past row 0, after which its matrix's ranges lie
        add hl,de
        ld (mv_pairs_ranges),hl
        pop hl
        ld a,b
        cp MV_MAX_COLS
        ld a,MV_PAIRS_CP_RANGE  ; cp d: the columns' ranges
        ld e,$08                ; ex af,af'
        jr z,@whole
        ld a,MV_PAIRS_CP_OUT    ; cp a: every column out
        ld e,0                  ; nop
@whole:
        ld (MV_PAIRS_ODD_CP_LOGITS),a
        ld (MV_PAIRS_EVEN_CP_LOGITS),a
        ld (MV_PAIRS_ODD_CP_GATE),a
        ld a,e
        ld (mv_pairs_out),a
        ret
MV_PAIRS_CP_RANGE = $BA         ; cp d
MV_PAIRS_CP_OUT = $BF           ; cp a: Z and no carry, the jr nc's taken
mv_pairs_ranges: .word 0        ; where the walk's pops start
mv_pairs_sp:    .word 0         ; SP while the walk pops the ranges


; mv_pair_slots - a pair in the pairs' form back to the slots' (HL its MV_PAIR_OP
; byte), its displacements kept. Clobbers AF, HL.
mv_pair_slots:
        ld (hl),MV_PAIR_OP_E    ; ld e,(iy+d1)
        inc hl
        inc hl
        ld (hl),$19             ; add hl,de
        inc hl
        ld (hl),$FD
        inc hl
        ld (hl),$68             ; ld iyl,b
        inc hl
        ld (hl),$FD
        inc hl
        ld a,(hl)               ; d2
        ld (hl),MV_PAIR_OP_E    ; ld e,(iy+d2)
        inc hl
        ld (hl),a
        ret
        .assert MV_COARSE_D1 == MV_PAIR_OP + 1 && MV_COARSE_D2 == MV_PAIR_D2 + 1, "the two forms' displacements"

; mv_pairs_walk_logits, mv_pairs_walk_gate - (mv_coarse_prepare's, mv_gate_prepare's) the
; walks, called: their return address lies below the SP the walk sets aside and puts back.
mv_pairs_walk_logits:
        mv_pairs_walk 0, MV_PAIRS_ODD_CP_LOGITS, MV_PAIRS_EVEN_CP_LOGITS
        ret
mv_pairs_walk_gate:
        mv_pairs_walk 1, MV_PAIRS_ODD_CP_GATE, 0     ; (no even_cp: its odd column out, the even one is not tested)
        ret
        .endmacro
.endif

; mv_pair_walk - mv_pair_skip_walk's loop (its registers set), a pair of zero columns' even slot's second
; byte `both_zero`; with `runs` each run of MV_RUN_LEAST or more zero pairs gets its stub (mv_pair_run).
        .macro mv_pair_walk runs, both_zero
@pair:
        ld a,(ix+MV_ODD_IX+MV_D_L1)
        inc a
        jr nz,@nonzero_odd      ; (x = 0: a low displacement of $FF, and h = 0)
        ld (ix+MV_ODD_IX+MV_SPARSE_AT),e
        ld (ix+MV_ODD_IX+MV_SPARSE_AT+1),d
        dec l
        jr z,@end
        ld a,(ix+MV_D_L1)
        inc a
        jr nz,@nonzero_even
        ld (ix+MV_SPARSE_AT),e
        ld (ix+MV_SPARSE_AT+1),both_zero
.if runs
        .byte $FD,$2C           ; inc iyl (a zero pair)
.endif
@step:
        add ix,bc
        dec l
        jr nz,@pair
@end:
.if runs
        .byte $FD,$7D           ; ld a,iyl: the run above the part's first whole pair
        cp MV_RUN_LEAST
        jp nc,mv_pair_run_above
.endif
        ret
@nonzero_odd:
        ld a,MV_ODD_IX + MV_H_EXX
        call mv_sparse_walk@piece
        dec l
        jr z,@end
        ld a,(ix+MV_D_L1)
        inc a
        jr nz,@nonzero_even
        ld (ix+MV_SPARSE_AT),e
        ld (ix+MV_SPARSE_AT+1),h        ; (the jr to the odd slot)
        jr @nonzero_pair
@nonzero_even:
        ld a,MV_H_EXX
        call mv_sparse_walk@piece
@nonzero_pair:
.if runs
        .byte $FD,$7D           ; ld a,iyl: the run above this pair
        cp MV_RUN_LEAST
        call nc,mv_pair_run_above
        .byte $FD,$2E,0         ; ld iyl,0
.endif
        jr @step
        .endmacro

; mv_pair_skip_routines - (MV_SPARSE_PAIR_SKIP: the 128K's, with MV_COARSE_PAIRS's rung; build.py expands
; them after forward.s, below $C000, as mv_pairs_routines) a sparse call's pair of zero columns skipped
; by one jr (twenty-third round): the even slot's jr, after the pair's pop bc, goes past the odd slot
; to the next pair (MV_PAIR_SKIP_D), 12 T-states a row less for each such pair (a row of fc2's sparse
; calls walks ~14 of them a part).
        .macro mv_pair_skip_routines
.ifdef MV_SPARSE_PAIR_SKIP
.ifdef MV_PAIR_SLOTS
        .assert 0, "MV_SPARSE_PAIR_SKIP is the jr of mv_slots' form without MV_PAIR_SLOTS (MV_LOW_SLOTS)"
.endif
MV_PAIR_SKIP_D  = MV_SLOT_PAIR - MV_SPARSE_AT - 2       ; the even slot's jr to the next pair
        .assert MV_PAIR_SKIP_D < 128, "the jr over a pair reaches the next one"
; mv_pair_skip_walk - mv_sparse_walk's walk (its entry jumps here; the same registers, clobbers and
; slots) where a pair's two columns are zero: the even slot's second byte is MV_PAIR_SKIP_D, the jr
; over the pair, for the walk's jr (E = $18), H (ld ixl,c's $69) for the undo's ld ixl,c (E = $DD),
; patched here once a walk: no T-state more a column than mv_sparse_walk's own.
mv_pair_skip_walk:
        ld (MV_SPARSE_FROM),hl
        bit 0,e
        jr nz,@undo_walk
        ld a,(mv_kept_sparse)   ; a sparse part after slots left sparse (mv_undo_put_off): all of them
        or a                    ; from that state as a second part's are (mv_kept_rewalk), or their
        jr z,@walk              ; undo first where this part has fewer columns
        ld a,b
        cp MV_MAX_COLS
        jp z,mv_kept_rewalk
        push bc
        push de
        push hl
        call mv_kept_undo
        pop hl
        pop de
        pop bc
        jr @walk
@undo_walk:
        call mv_pair_flatten    ; (the undo: the runs' stubs off first)
@walk:
        ld a,d
        or 1
        ld h,a                  ; H: an even slot's second byte (as mv_sparse_walk's)
        ld l,b                  ; L: the slots left
        ld ix,mv_slots + (MV_MAX_COLS / 2 - 1) * MV_SLOT_PAIR
        ld bc,-MV_SLOT_PAIR
        bit 0,e
        jr z,mv_pair_jr_walk
        mv_pair_walk 0, (MV_SPARSE_LD_IXL >> 8) | 1     ; (the undo's ld ixl,c)
; mv_pair_jr_walk - mv_pair_skip_walk's walk for a sparse part (E the jr), its runs of zero pairs on as
; it goes (IYL: the zero pairs above, in a row).
mv_pair_jr_walk:
        .byte $FD,$2E,0         ; ld iyl,0
        mv_pair_walk 1, MV_PAIR_SKIP_D
; mv_pair_skip_rewalk - (mv_prepare's, a sparse second part) mv_sparse_rewalk's walk after the first part's
; runs' stubs are off (mv_pair_flatten), the second part's runs on as it goes (IYL: the zero pairs below,
; in a row). Clobbers AF, BC, DE, HL, IX, IY.
mv_pair_skip_rewalk:
        call mv_pair_flatten
        ld a,MV_MAX_COLS
        ld (mv_sparse_cols),a
        ld ix,mv_slots
        ld bc,MV_SLOT_PAIR
        ld d,MV_MAX_COLS / 2
        ld e,MV_SPARSE_SKIP & 255       ; (jr)
        .byte $FD,$2E,0         ; ld iyl,0
@pair:
        ld a,(ix+MV_D_L1)
        inc a
        jr nz,@even_other
        ld a,(ix+MV_SPARSE_AT)
        cp e
        call nz,mv_rewalk_even
        ld a,(ix+MV_SLOT_PAIR/2+MV_D_L1)
        inc a
        jr nz,@odd_other
        ld a,(ix+MV_SLOT_PAIR/2+MV_SPARSE_AT)
        cp e
        call nz,mv_rewalk_odd_skip
        .byte $FD,$2C           ; inc iyl (a zero pair)
@step:
        add ix,bc
        dec d
        jr nz,@pair
        .byte $FD,$7D           ; ld a,iyl: the run below the part's end
        cp MV_RUN_LEAST
        ret c
        jr @run
@even_other:
        call mv_rewalk_even
        ld a,(ix+MV_SLOT_PAIR/2+MV_D_L1)
        inc a
        jr nz,@odd_other
        ld a,(ix+MV_SLOT_PAIR/2+MV_SPARSE_AT)
        cp e
        call nz,mv_rewalk_odd_skip
        jr @nonzero_pair
@odd_other:
        call mv_rewalk_odd_skip
@nonzero_pair:
        .byte $FD,$7D           ; ld a,iyl: the run below this pair
        cp MV_RUN_LEAST
        call nc,@run
        .byte $FD,$2E,0         ; ld iyl,0
        jr @step
@run:                           ; A zero pairs below IX: mv_pair_run from IX less their bytes
        push de
        push af
        call mv_pair_span
        ex de,hl
        push ix
        pop hl
        or a
        sbc hl,de
        pop af
        pop de
        jp mv_pair_run

; The runs (twenty-third round): MV_RUN_LEAST or more zero pairs in a row take one jump from the first
; one's even slot (after its pop bc) to a stub that steps SP over the others' weights and jumps past
; the run: 65 T-states a row for the run against 22 a pair (fc2's sparse parts on the ten everyday
; prompts: a third of them all zero, ~13.5 zero pairs a part). The stubs are used from mv_run_stubs on,
; one a run, each with its run's first pair after its code; mv_pair_flatten puts each such pair back
; as the walks leave a zero pair (its jr over the pair, and ld iyl,c's first byte, which the jp took).
MV_RUN_LEAST    = 4             ; (3 zero pairs: 66 T-states a row with their jrs)
MV_RUN_STUBS    = 3             ; (runs of 4 with a nonzero pair between them: 3 in 16 pairs)
MV_STUB         = 12            ; a stub's bytes: its code and its run's first pair
MV_STUB_STEP    = 2             ; its ld hl's operand: the bytes of the run's other pairs' weights
MV_STUB_PAST    = 8             ; its jp's operand: the pair past the run
MV_STUB_FIRST   = 10            ; its run's first pair
mv_run_stubs:
        .repeat MV_RUN_STUBS
        ex de,hl                ; (DE: the l sum's set's scratch, between two pairs)
        ld hl,0                 ; patched: 2 (the run's pairs - 1)
        add hl,sp
        ld sp,hl
        ex de,hl
        jp 0                    ; patched: the pair past the run
        .word 0                 ; patched: the run's first pair
        .endrepeat
        .assert * - mv_run_stubs == MV_RUN_STUBS * MV_STUB, "a stub's size differs from MV_STUB"
; mv_pair_run_above - mv_pair_run for A pairs from IX + MV_SLOT_PAIR up (the jr walk's). Clobbers AF.
mv_pair_run_above:
        push hl
        push de
        push ix
        pop hl
        ld de,MV_SLOT_PAIR
        add hl,de
        call mv_pair_run
        pop de
        pop hl
        ret
; mv_pair_run - A (MV_RUN_LEAST or more) zero pairs from HL up: the first one's ld ixl,c a jp to the next
; stub, which steps SP over the others' weights and jumps past them. Clobbers AF, HL.
mv_pair_run:
        push bc
        push de
        ld c,a                  ; C: the run's pairs
        push hl
        call mv_pair_span
        pop de
        add hl,de
        ex de,hl                ; DE: the pair past the run, HL: its first pair
        push hl
        ld a,c
        dec a
        add a,a
        ld b,a                  ; B: the bytes of the other pairs' weights
        ld hl,mv_run_stubs      ; patched: the next stub
MV_RUN_STUB_NEXT = * - 2
        inc hl
        inc hl
        ld (hl),b               ; (MV_STUB_STEP; its high byte stays 0)
        .assert MV_STUB_STEP == 2, "mv_pair_run writes the stub's step at its third byte"
        ld bc,MV_STUB_PAST - MV_STUB_STEP
        add hl,bc
        ld (hl),e
        inc hl
        ld (hl),d
        inc hl
        pop bc                  ; BC: the run's first pair
        ld (hl),c               ; (MV_STUB_FIRST)
        inc hl
        ld (hl),b
        inc hl
        .assert MV_STUB_FIRST == MV_STUB_PAST + 2 && MV_STUB == MV_STUB_FIRST + 2, "a stub's operands' order"
        ld (MV_RUN_STUB_NEXT),hl
        ld de,-MV_STUB
        add hl,de
        ex de,hl                ; DE: the stub
        ld h,b
        ld l,c
        inc hl
        ld (hl),MV_H_JP         ; the run's first pair's ld ixl,c and ld iyl,c's first byte: jp the stub
        inc hl
        ld (hl),e
        inc hl
        ld (hl),d
        pop de
        pop bc
        ret
; mv_pair_span - HL = A pairs' bytes (A 0..16). Clobbers AF.
mv_pair_span:
        add a,a
        add a,mv_pair_spans & 255
        ld l,a
        adc a,mv_pair_spans >> 8
        sub l
        ld h,a
        ld a,(hl)
        inc hl
        ld h,(hl)
        ld l,a
        ret
mv_pair_spans:
        .word 0 * MV_SLOT_PAIR, 1 * MV_SLOT_PAIR, 2 * MV_SLOT_PAIR, 3 * MV_SLOT_PAIR, 4 * MV_SLOT_PAIR, 5 * MV_SLOT_PAIR, 6 * MV_SLOT_PAIR, 7 * MV_SLOT_PAIR, 8 * MV_SLOT_PAIR, 9 * MV_SLOT_PAIR, 10 * MV_SLOT_PAIR, 11 * MV_SLOT_PAIR, 12 * MV_SLOT_PAIR, 13 * MV_SLOT_PAIR, 14 * MV_SLOT_PAIR, 15 * MV_SLOT_PAIR, 16 * MV_SLOT_PAIR
; mv_pair_flatten - each stub's run's first pair back as the walk left it (its jr over the pair, ld
; iyl,c's first byte), the stubs free. Clobbers AF, HL.
mv_pair_flatten:
        push bc
        push de
        ld hl,(MV_RUN_STUB_NEXT)
@stub:
        ld a,l
        cp mv_run_stubs & 255
        jr nz,@used
        ld a,h
        cp mv_run_stubs >> 8
        jr z,@done
@used:
        dec hl
        ld d,(hl)
        dec hl
        ld e,(hl)               ; DE: the run's first pair
        ld bc,-MV_STUB_FIRST
        add hl,bc               ; HL: its stub
        inc de
        ld a,MV_JR
        ld (de),a
        inc de
        ld a,MV_PAIR_SKIP_D
        ld (de),a
        inc de
        ld a,$FD
        ld (de),a
        jr @stub
@done:
        ld (MV_RUN_STUB_NEXT),hl
        pop de
        pop bc
        ret

; mv_rewalk_odd_skip - (mv_sparse_rewalk) mv_rewalk_odd after the pair's zero even column's jr is set
; for the odd column's new zero (or not).
mv_rewalk_odd_skip:
        call mv_pair_skip_fix
        jp mv_rewalk_odd
; mv_pair_skip_fix - (mv_sparse_rewalk) the pair at IX: a zero even column's jr to its odd slot, or
; past the pair where the odd column is zero too. Clobbers AF.
mv_pair_skip_fix:
        ld a,(ix+MV_D_L1)
        inc a
        ret nz                  ; (the even column nonzero: its ld ixl,c stays)
        ld a,(ix+MV_ODD_IX+MV_D_L1)
        inc a
        ld a,(MV_SPARSE_SKIP >> 8) | 1
        jr nz,@store
        ld a,MV_PAIR_SKIP_D
@store:
        ld (ix+MV_SPARSE_AT+1),a
        ret
; mv_zero_part_look - (matvec's look at x, a call of its mv_sparse_part's: the same registers, flags and
; clobbers) each part's count of nonzero columns left, MV_SPARSE_MAX + 1 for none, into mv_last_zero,
; the part before's into mv_first_zero (forward.s's fw_wide_sparse keeps them as it looks instead).
mv_zero_part_look:
        call mv_sparse_part
        ld a,(mv_last_zero)
        ld (mv_first_zero),a
        ld a,c
        ld (mv_last_zero),a
        ret
; mv_zero_part_split - (matvec, a call of two parts, A = mv_cols, in place of its ld hl,mv_same_x) a
; sparse call with a part all zero runs the other part alone as a whole call of MV_MAX_COLS columns:
; the zero part's row starts, ends and pairs' skips left out (~850 T-states a row of it; ~480 with its
; pairs skipped by a stub alone); the last part's rows have no row constant (mv_row_sparse's pop of it
; nopped for the call, SP from the first part's weights' end). Else HL = mv_same_x, A kept, and back.
mv_zero_part_split:
        ld c,a
        ld hl,mv_sparse_on
        ld a,(mv_last_zero)
        and (hl)
        cp MV_SPARSE_MAX + 1
        jr z,@first_alone
        ld a,(mv_first_zero)
        and (hl)
        cp MV_SPARSE_MAX + 1
        jr z,@last_alone
        ld a,c
        ld hl,mv_same_x
        ret
@first_alone:
        pop hl                  ; (matvec's split: not back there)
        ld a,c
        jr mv_first_alone
@last_alone:
        pop hl
        ld a,c
        jr mv_last_alone
mv_first_alone:                 ; (A = mv_cols)
        push af
        sub MV_MAX_COLS
        ld (mv_cols),a
        call mv_part
        pop af
        ld (mv_cols),a
        jp mv_finish
mv_last_alone:                  ; (A = mv_cols) the first part all zero: the last part alone, its rows
        push af                 ; past the first part's weights and with no row constant
        ld hl,(mv_x)
        push hl
        sub MV_MAX_COLS         ; the first part's columns
        add a,a
        ld e,a
        ld d,0
        add hl,de
        ld (mv_x),hl            ; the last part's x
        ld a,(MV_SPARSE_K)      ; inc sp: 3-byte row constants, nop: 2 (MV_SHORT_K)
        cp $33                  ; (C: 2)
        ld a,(mv_cols)
        sbc a,MV_MAX_COLS - 3   ; a first part's row: its constant and its columns
        ld e,a
        ld a,(mv_rows)
        ld b,a
        ld hl,(mv_w)
@first_rows:
        add hl,de
        djnz @first_rows
        ld (MV_ROW_SP),hl       ; the last part's first row
        ld hl,(MV_SPARSE_POP)   ; mv_row_sparse's pop of the row constant (and MV_SPARSE_K's inc sp)
        push hl
        ld hl,0
        ld (MV_SPARSE_POP),hl   ; nop, nop: the last part's rows have no constant
        ld a,MV_MAX_COLS
        ld (mv_cols),a
        call mv_part
        pop hl
        ld (MV_SPARSE_POP),hl
        pop hl
        ld (mv_x),hl
        pop af
        ld (mv_cols),a
        jp mv_finish
mv_first_zero:  .byte 0         ; MV_SPARSE_MAX + 1: the sparse call's first part all zero (its look's count)
mv_last_zero:   .byte 0         ; the same for its last part

; The undo put off (twenty-fourth round): a sparse call that leaves all MV_MAX_COLS slots sparse (fc2's
; parts) leaves them so (mv_kept_sparse) past the calls that run no main slot (the low slots', the coarse
; ones, the logits' pass, which writes no slot), and the next sparse call's first part rewalks them as a
; second part does (mv_kept_rewalk); a pass that writes or runs the main slots for anything else undoes
; them first (mv_kept_pass), by their bytes (mv_kept_undo: the logits' pass leaves its last column's low
; displacements in the first slot).
; mv_undo_put_off - (mv_part, in place of its call of mv_sparse_undo) the slots of a sparse call before:
; all MV_MAX_COLS of them left sparse, mv_row_end's first bytes back; fewer undone (mv_sparse_undo).
; Clobbers AF, BC, DE, HL, IX.
mv_undo_put_off:
        ld a,(mv_sparse_cols)
        or a
        ret z
        cp MV_MAX_COLS
        jp nz,mv_sparse_undo
        ld hl,mv_sparse_on      ; (a sparse call's second part: mv_pair_skip_rewalk goes from the first's)
        ld a,(mv_mode)
        and (hl)
        and MV_RESUME
        ret nz
        ld (mv_sparse_cols),a
        ld a,MV_MAX_COLS
        ld (mv_kept_sparse),a
        ld hl,MV_ROW_END_OPS    ; mv_row_end's first bytes back (as mv_sparse_undo's)
        ld (mv_row_end),hl
        ld a,MV_ROW_END_OP_3
        ld (mv_row_end+2),a
        ret
; mv_kept_pass - (mv_prepare's pass, in place of its exx and ld hl,0) slots left sparse undone before a
; pass that writes mv_slots' high displacements or is for rows that run them: not the low slots' pass,
; the logits' (which writes no slot), nor a sparse call's with its one-piece columns' slots left as they
; are (its walk rewalks them). Keeps BC, DE, HL, IX, IY; ends in the other set with HL = 0.
mv_kept_pass:
        ld a,(mv_pass_low)      ; (most passes: q, k, v, proj, fc1's gate; never a sparse call's)
        or a
        jr nz,@pass_set
        ld a,(mv_kept_sparse)
        or a
        jr z,@pass
        ld a,(mv_prepare@piece_jr+1)
        cp mv_prepare@column_loop - mv_prepare@piece_jr - 2
        jr z,@pass
        cp mv_prepare@next_slot - mv_prepare@piece_jr - 2
        jr nz,@undo
        ld a,(mv_sparse_on)
        or a
        jr nz,@pass
@undo:
        push bc
        push de
        push hl
        push ix
        call mv_kept_undo
        pop ix
        pop hl
        pop de
        pop bc
@pass:
        ld a,(mv_prepare@column_loop+1)         ; a sparse call's main pass of MV_MAX_COLS columns
        cp (mv_prepare@sparse_column - mv_prepare@column_loop - 2) & 255    ; (from slot 0, even):
        jr nz,@pass_set                         ; its columns a pair at a time (mv_sparse_pairs)
        ld a,(mv_cols)
        cp MV_MAX_COLS
        jr nz,@pass_set
        ld a,MV_H_JP
        ld (mv_prepare@next_slot),a
        ld hl,mv_sparse_back
        ld (mv_prepare@next_slot+1),hl
        ld hl,mv_sparse_pairs
        ld (mv_prepare@entry+1),hl
@pass_set:
        exx
        ld hl,0
        ret
; mv_sparse_pairs - (mv_prepare@entry's, patched by mv_kept_pass) a sparse call's column pass of MV_MAX_COLS
; columns a pair of slots at a time: a zero column only gets its $FF low displacement (mv_sparse_walk's
; mark), 63 T-states a zero column against 112 with mv_prepare's slot step; a nonzero one runs mv_prepare's
; pass from @column_popped (IX on its slot, B its columns left) and comes back from @next_slot's jp
; (mv_sparse_back).
mv_sparse_pairs:                ; (B = MV_MAX_COLS, IX = mv_slots, SP on x)
        ld de,MV_SLOT_PAIR
mv_sparse_pair:                 ; (B even, IX: the pair's even slot, DE: a pair's bytes)
        pop hl
        ld a,l
        or h
        jp nz,mv_prepare@column_popped
        ld (ix+MV_D_L1),$FF
mv_sparse_odd:
        dec b
        pop hl
        ld a,l
        or h
        jr nz,mv_sparse_odd_nonzero
        ld (ix+MV_ODD_IX+MV_D_L1),$FF
        add ix,de
        djnz mv_sparse_pair
mv_sparse_done:
        ld a,$CB                ; (mv_prepare's rrc c and ld a,ixl's first byte back at @next_slot,
        ld (mv_prepare@next_slot),a                     ; its entry back at @column)
        ld hl,$DD09
        ld (mv_prepare@next_slot+1),hl
        ld hl,mv_prepare@column
        ld (mv_prepare@entry+1),hl
        jp mv_prepare@columns_done
mv_sparse_odd_nonzero:
        ld de,MV_ODD_IX
        add ix,de
        jp mv_prepare@column_popped
mv_sparse_back:                 ; (a nonzero column's end, IX on its slot: B even, an even slot's)
        ld de,MV_SLOT_PAIR
        bit 0,b
        jr z,mv_sparse_odd
        ld de,MV_SLOT_PAIR - MV_ODD_IX
        add ix,de
        ld e,MV_SLOT_PAIR       ; (D = 0)
        djnz mv_sparse_pair
        jr mv_sparse_done
        .assert MV_MAX_COLS % 2 == 0 && MV_SLOT_PAIR < 256 && MV_SLOT_PAIR > MV_ODD_IX, "mv_sparse_pairs: a pair of slots a step"
; mv_kept_rewalk - (mv_pair_skip_walk) a sparse part of MV_MAX_COLS columns from the slots left sparse.
mv_kept_rewalk:
        xor a
        ld (mv_kept_sparse),a
        jp mv_pair_skip_rewalk
; mv_kept_undo - the slots left sparse back as mv_sparse_undo leaves them, each slot by its bytes: a jr
; back to its ld ixl, the sparse piece (its or a) to the full one. Clobbers AF, BC, DE, HL, IX.
mv_kept_undo:
        xor a
        ld (mv_kept_sparse),a
        call mv_pair_flatten    ; (the runs' first pairs back to their jrs)
        ld ix,mv_slots
        ld b,MV_MAX_COLS / 2
@pair:
        ld a,(ix+MV_SPARSE_AT)
        cp MV_JR
        jr nz,@even_ld
        ld (ix+MV_SPARSE_AT),MV_SPARSE_LD_IXL & 255
        ld (ix+MV_SPARSE_AT+1),(MV_SPARSE_LD_IXL >> 8) | 1
@even_ld:
        ld a,(ix+MV_H_EXX)
        cp MV_SPARSE_PIECE_1
        ld a,MV_H_EXX
        call z,@full
        ld a,(ix+MV_ODD_IX+MV_SPARSE_AT)
        cp MV_JR
        jr nz,@odd_ld
        ld (ix+MV_ODD_IX+MV_SPARSE_AT),MV_SPARSE_LD_IXL & 255
        ld (ix+MV_ODD_IX+MV_SPARSE_AT+1),MV_SPARSE_LD_IXL >> 8
@odd_ld:
        ld a,(ix+MV_ODD_IX+MV_H_EXX)
        cp MV_SPARSE_PIECE_1
        ld a,MV_ODD_IX+MV_H_EXX
        call z,@full
        ld de,MV_SLOT_PAIR
        add ix,de
        djnz @pair
        ret
@full:                          ; mv_sparse_full over the high piece at IX + A
        ld hl,mv_sparse_full
        jp mv_rewalk_copy
mv_kept_sparse: .byte 0         ; MV_MAX_COLS: mv_slots left sparse by the sparse call before (0: not)
.endif
        .endmacro

; The routines below lie where build.py expands their macro, mv_gate_quads_routines (with MV_GATE_QUADS:
; the 128K's, with MV_COARSE_PAIRS's rung), after forward.s, below $C000, as mv_pairs_routines: before
; attention.s's page-aligned at_sq_table they would move it a page (twenty-second round).
        .macro mv_gate_quads_routines
; mv_gate_quads - the low slots' pass from an even slot (mv_prepare@entry's, @low_resume's): a gated
; coarse call's (fc1's: mv_coarse_on MV_COARSE_GATE) through quads that store no low displacement
; (its rows run the coarse and gate slots; mv_low_deferred runs the pass again where the call turns
; out exact, as after the logits' MV_RAW_PASS: @piece_jr says so), 46 T-states a one-piece column
; less and IX's step (~106 a column in the quads against ~152); any other call's to @low_enter (27
; T-states more a call, and a wide column's). A wide column goes through the pass one column at a
; time as from the quads with their stores (@quad_wide_0..3) and comes back here. IX stays on the
; first step's first slot (the quads store nothing), so a wide column's pass writes its low
; displacement into a slot of that step or one after, at or before its own (IX moves a step only
; where a wide column ends one): harmless bytes, as the stores of any pass that no row reads
; before the next pass writes them again.
mv_gate_quads:
        ld a,(mv_coarse_on)
        or a
        jp z,mv_prepare@low_enter
        ld a,mv_prepare@column_loop - mv_prepare@piece_jr - 2  ; (MV_RAW_PASS's mark: no slot
        ld (mv_prepare@piece_jr+1),a                            ; written, the pass again if exact)
        mv_quads_enter @quad, @quad_1, @quad_2, @quad_3
@wide_1:
        jp mv_prepare@quad_wide_1
@wide_0:
        jp mv_prepare@quad_wide_0
@carry_0:
        exx
        inc b
        exx
        jr @added_0
@carry_1:
        exx
        inc b
        exx
        jr @added_1
@quad:
        pop hl
        mv_column_cl @wide_0, @carry_0, @added_0
@quad_1:
        pop hl
        mv_column_cl @wide_1, @carry_1, @added_1
@quad_2:
        pop hl
        mv_column_cl @wide_2, @carry_2, @added_2
@quad_3:
        pop hl
        mv_column_cl @wide_3, @carry_3, @added_3
        djnz @quad              ; (IX not stepped: above)
        jp mv_prepare@columns_done
@carry_2:
        exx
        inc b
        exx
        jr @added_2
@carry_3:
        exx
        inc b
        exx
        jr @added_3
@wide_2:
        jp mv_prepare@quad_wide_2
@wide_3:
        jp mv_prepare@quad_wide_3
        .endmacro

.ifndef MV_COARSE_UNCALLED      ; (the 128K's without a coarse call: no coarse prepare, gate or deferred low slots)
; mv_coarse_prepare - (the end of mv_prepare) a call that asked for coarse runs
; coarse if it can (above; every wide column's h +-1): each used column's l - 1
; (its low byte - 1) into its coarse slot, the row pointers, -Cl and the first
; pair into the coarse row starts, the rows' start (mv_row_h_zero,
; mv_row_coarse_start or mv_row_coarse_biased) and each wide column's slot to a
; block of its own (mv_coarse_wide); mv_jump stays on the exact slots for
; mv_exact_row. Else mv_coarse_on = 0. Clobbers AF, BC, DE, HL, IX, IY.
mv_coarse_prepare:
        ld a,(mv_cw_count)      ; the slots the call before sent to a block: their ld e,(iy+d) back
        or a
        jr z,@restored
        ld b,a
        ld ix,mv_coarse_wide
        ld de,MV_CW_BLOCK
@restore:
        ld l,(ix+MV_CW_BACK+1)
        ld h,(ix+MV_CW_BACK+2)  ; the slot's add hl,de
        dec hl
        dec hl
        ld (hl),$5E
        dec hl
        ld (hl),$FD
        add ix,de
        djnz @restore
.ifdef MV_COARSE_PAIRS
        xor a
        ld (mv_cw_count),a      ; (put back once: the pairs' form may take those bytes after)
.endif
@restored:
        ld hl,mv_coarse_on
        ld a,(mv_mode)          ; MV_NARROW alone: a whole narrow call
        xor MV_NARROW
        ld c,a
        ld a,(mv_flag_count)
        or c
        ld c,a
        ld a,(mv_cols)
        ld b,a
        and 1
        or c
        jr nz,@exact
        ld a,(MV_WIDE_COUNT)    ; every wide column's h +-1 (x in -383..384): its 2wh in its slot
        or a
        jr z,@coarse
        cp MV_COARSE_WIDE_MAX + 1
        jr nc,@exact            ; (more than the blocks)
        push hl
        push bc
        call mv_wide_h_pm1
        pop bc
        pop hl
        jr z,@coarse
@exact:
        ld (hl),0
.ifdef MV_LOW_SLOTS
        jp mv_low_deferred
.else
.ifdef MV_GATE_PASS
@pass_again:
        jp mv_prepare@columns_setup     ; (a gated call's pass wrote no slot: the pass for exact rows)
.else
        ret
.endif
.endif
@coarse:
.ifdef MV_COARSE_PAIRS
        call mv_pairs_prepare
.endif
        ld a,(hl)
        cp MV_COARSE_GATE
.ifdef MV_UNGATED_EXACT               ; (the 48K's logits by out's planes: fc1's gate is its one coarse call,
        jr nz,@exact            ; an ungated one runs exact, twenty-eighth round, zxroom48e: 30 bytes)
.else
        jr nz,@ungated
.endif
        call mv_gate_prepare    ; (the gate's slots too)
.ifdef MV_COARSE_TOP
        jr z,@own_end
.else
.ifdef MV_COARSE_PAIRS
        jp z,@slots_set         ; (past the pairs' walk)
.else
        jr z,@slots_set
.endif
.endif
.ifdef MV_LOW_SLOTS
        jp mv_low_deferred      ; (a gate for a shift of 30: the call runs exact)
.else
.ifdef MV_GATE_PASS
        jr @pass_again          ; (a gate for a shift of 30: the call runs exact)
.else
        ret
.endif
.endif
.ifndef MV_UNGATED_EXACT
@ungated:
        call mv_x_end
        ld ix,mv_coarse_slots + MV_MAX_COLS / 2 * MV_COARSE_PAIR
        ld de,-MV_COARSE_PAIR
        srl b                   ; the pairs, from the last one down
.ifdef MV_COARSE_PAIRS
        call mv_pairs_walk_logits
.else
@pair:
        add ix,de
        dec hl
        dec hl
        ld a,(hl)
        dec a
        ld (ix+MV_COARSE_D2),a
        dec hl
        dec hl
        ld a,(hl)
        dec a
        ld (ix+MV_COARSE_D1),a
        djnz @pair
.endif
.endif
.ifdef MV_COARSE_TOP
.ifdef MV_CT_RAW
        ld hl,(mv_out)          ; (every ungated call's rows raw: mv_coarse_raw)
        ld (MV_CT_OUT),hl
        ld hl,mv_coarse_raw
.else
        ld a,(mv_shift)         ; a shift of 7 or less: the rows end in mv_coarse_top
        cp 8
        jr nc,@own_end
        ld c,a
        ld hl,(mv_out)
        ld (MV_CT_OUT),hl
        ld b,0
        ld hl,MV_CT_DOUBLINGS
        add hl,bc               ; the chain's entry: 7 - shift doublings
        ld (MV_CT_CHAIN),hl
        ld b,c
        inc b
        ld a,$80
@power:
        rlca
        djnz @power             ; A = 2^shift
        ld (MV_CT_ADD),a
        add a,a
        neg
        ld (MV_CT_AND),a
        ld hl,mv_coarse_top
.endif
        ld a,$C3                ; jp mv_coarse_top over the slots' own end
        jr @end_set
@own_end:                       ; (a gated call's rows, or a shift above 7: the slots' own end)
        ld a,MV_COARSE_END_OP
        ld hl,$DD7D             ; ld a,l and ld ixl,a's prefix
@end_set:
        ld (mv_coarse_end),a
        ld (mv_coarse_end+1),hl
.endif
@slots_set:
.ifdef MV_COARSE_PAIRS
        ld a,(mv_pairs_out)     ; a call of MV_MAX_COLS columns enters at mv_pairs_in
        or a
        jr z,@first_set
        dec ix
        .assert mv_pairs_in == mv_coarse_slots - 1, "mv_pairs_in just before the first pair"
@first_set:
.endif
        ld (MV_COARSE_FIRST),ix
.ifndef MV_GATE_SHORT                   ; (its coarse end decides every row itself)
.ifdef MV_LOW_SLOTS
        ld hl,(mv_low_check+1)  ; (the shift's target for a low byte in A', or mv_gate)
.else
        ld hl,(mv_flag_check+1) ; (the shift's target, or mv_gate)
.endif
        ld (mv_coarse_check+1),hl
.endif
.ifndef MV_LOW_HLA                      ; (with it, the column pass wrote it)
.ifdef MV_HLA_NARROW_K
        ld a,(MV_NARROW_NC_L0)  ; -Cl into the coarse row starts (mv_narrow_k's has their form)
        ld (MV_COARSE_NC_L0),a
        ld hl,(MV_NARROW_NC_L12)
.else
        ld hl,(MV_NARROW_NC_L)  ; -Cl into the coarse row starts
        ld a,l
        ld (MV_COARSE_NC_L0),a
        ld l,h
        ld a,(MV_NARROW_NC_L_TOP)
        ld h,a
.endif
        ld (MV_COARSE_NC_L12),hl
.endif
        ld de,mv_row_coarse_start
.ifndef MV_BIAS_IN_K                    ; (with it, -K + 2b: no bias to add)
        ld hl,(mv_bias)
        ld (MV_COARSE_BIAS_PTR),hl
        ld a,h
        or l
        jr z,@bias_set
        ld de,mv_row_coarse_biased
@bias_set:
.endif
.ifdef MV_LOW_HLA
        ld de,mv_row_h_zero     ; no h sum: the wide columns' high pieces go into the l sum
        ld hl,MV_H_ZERO_OPS
        ld (MV_COARSE_H_ADD),hl
.endif
        ld (mv_first_row+1),de
        ld (mv_row_jump+1),de
.ifdef MV_COARSE_TOP
        ld (MV_CT_NEXT),de      ; (mv_coarse_top's jump to the next row)
.endif
        ld a,(MV_WIDE_COUNT)
        or a
        ret z
        ld (mv_cw_count),a
        ld b,a
        ld a,(mv_cols)
        neg
        add a,MV_MAX_COLS
        ld c,a                  ; C: the slot before the first column (its distance is its index)
        ld hl,mv_wide_list
        ld ix,(mv_x)
        ld iy,mv_coarse_wide
@wide:
        call mv_wide_h          ; A = h - 1: 0 or -2
        ld d,a
        ld a,e
        add a,c
        ld c,a                  ; the column's slot
        push bc
        push hl
        ld hl,MV_COARSE_NC_L12+1        ; -Cl's top byte: the -256 (h = 1) or +256 (h = -1)
        inc (hl)                        ; of +-2(w + 128), -Ch's -1 too
        inc d                   ; D = h
        bit 7,d
        jr nz,@nc_set
        dec (hl)
        dec (hl)
@nc_set:
        srl a                   ; the slot's pair, CF: the odd slot of it
        ld e,a
        ld hl,mv_coarse_slots + MV_CW_SLOT_D1
        ld b,$59                ; ld e,c: an even slot's weight
        jr nc,@even
        ld hl,mv_coarse_slots + MV_CW_SLOT_D2
        dec b                   ; ld e,b: an odd one's
@even:
        add a,a                 ; 13 * the pair
        add a,e
        add a,a
        add a,a
        add a,e
        .assert MV_COARSE_PAIR == 13, "the wide columns' slots are found at 13 bytes a pair"
        ld e,a
        ld c,d                  ; C: h (1 or -1)
        ld d,0
        add hl,de               ; HL: the slot's ld e,(iy+d)
.ifdef MV_COARSE_PAIRS
        push hl                 ; a wide column's pair in the slots' form (its block reads and
        ld hl,mv_coarse_slots + MV_PAIR_OP      ; jumps back into that form)
        add hl,de
        ld a,(hl)
        cp MV_PAIR_OP_A
        call z,mv_pair_slots
        pop hl
.endif
        push iy
        pop de                  ; DE: the block (h = -1's entry)
        ld a,b
        dec c
        jr z,@plus
        ld (iy+0),a
        ld a,$B7                ; or a, sbc hl,de
        ld bc,$52ED
        jr @form
@plus:
        inc de
        inc de
        inc de
        inc de
        .assert MV_CW_PLUS == 4, "h = 1's entry is four bytes in"
        ld bc,$1919             ; add hl,de twice
@form:
        ld (iy+MV_CW_PLUS),a
        ld (iy+MV_CW_PLUS+1),c
        ld (iy+MV_CW_PLUS+2),b
        ld (hl),$C3             ; the slot's jp to the block
        inc hl
        ld (hl),e
        inc hl
        ld a,(hl)               ; (the slot's displacement, into the block)
        ld (hl),d
        ld (iy+MV_CW_D),a
        inc hl
        ld (iy+MV_CW_BACK+1),l  ; back to the slot's add hl,de
        ld (iy+MV_CW_BACK+2),h
        ld de,MV_CW_BLOCK
        add iy,de
        pop hl
        pop bc
        djnz @wide
        ret

.ifdef MV_LOW_SLOTS
; mv_low_deferred - a call that asked for coarse and runs exact: the low slots as
; mv_prepare would have prepared them (narrow, at most MV_LOW_WIDE_MAX wide columns,
; not sparse, the column pass's on the low slots; after a main slots' pass for a wide
; column of another h, their jps over the high pieces). A coarse call leaves them alone (~3,000 T-states a call): its rows
; run the coarse slots, and mv_exact_row's rows the main slots (10 T-states a
; product more than the low slots). With MV_RAW_PASS the logits' pass, which wrote no
; slot, runs again (mv_coarse_on 0: as any exact call's). Clobbers everything but SP.
mv_low_deferred:
.ifdef MV_SPARSE
        ld a,(mv_sparse_on)
        or a
        ret nz
.endif
        ld a,(mv_prepare@piece_jr+1)
.ifdef MV_RAW_PASS
        cp mv_prepare@column_loop - mv_prepare@piece_jr - 2
        jp z,mv_prepare@columns_setup   ; (the logits' pass wrote no slot: the pass for exact rows)
.endif
        cp mv_prepare@next_slot - mv_prepare@piece_jr - 2   ; (the low slots' pass's too) the main
        ret nz                  ; slots' pass: they run narrow, their jps over the high pieces
        ld a,(mv_mode)          ; checked by a pass (mv_exact_row's), not by one after another h
        and MV_NARROW           ; (mv_pass_main): the walk's
        ret z
        ld a,(MV_WIDE_COUNT)
        cp MV_LOW_WIDE_MAX + 1
        ret nc
        ld a,(mv_pass_low)
        or a
        jp nz,mv_low_prepare
        ld a,(mv_prepare@dh)
        cp $DD
        ret nz                  ; (mv_skip_high wrote them)
        xor a
        jp mv_one_piece_walk
.endif

; mv_gate_prepare - (mv_coarse_prepare, a call asked for with MV_COARSE_GATE) the
; gate's threshold Tv = floor((2^(shift+1) - 255 cols) / 256) = 2^(shift-7) - cols
; (0 - cols below shift 7: a coarse call's cols <= 32 leaves the floor there) into mv_gate's
; operands, its step back over a row's weights (-cols) and mv_flag_check to it.
; NZ (and mv_coarse_on 0) for a shift of 30 (its 2^23 does not fit V's 24 bits): the
; call runs exact. Then the coarse slots' and the gate's displacements, IX at the
; first used coarse pair. Clobbers AF, BC, DE, IX, IY; keeps HL.
mv_gate_prepare:
.ifdef MV_GATE_SHORT
; (MV_GATE_SHORT: the gate's short end, mv_coarse_end, stores its rows through mv_short_relu and
; mv_hz_left's chain: a call with another store, or a shift above 7, runs exact)
        push hl
        ld hl,(MV_STORE_OP+1)   ; (mv_store_relu's jp: fc1's)
        ld de,mv_store_relu
        or a
        sbc hl,de
        pop hl
        jr nz,@exact
        ld a,(mv_shift)
        sub MV_CHAIN_BITS
        jr z,@fits              ; (Z: shift 7)
        jr c,@fits
@exact:
        ld (hl),0
        or h                    ; NZ (H: mv_coarse_on's page)
        ret
@fits:
        push hl
        ld hl,mv_hz_store       ; shift 7: the rows summed again straight to the store, Tv = 1 - cols
        ld c,1
        jr z,@chain_set
        ld hl,(mv_left_jump+1)  ; below it: mv_hz_left's entry, 7 - shift steps as mv_prepare's
        ld de,mv_hz_store - mv_store    ; left chain's (mv_hz_prepare's way), Tv = -cols
        add hl,de
        dec c
@chain_set:
        ld (MV_GATE_CHAIN),hl
        ld hl,mv_short_relu     ; mv_hz_store's first bytes a jp to ReLU's store (the next call that
        ld (mv_hz_store+1),hl   ; ends its rows there writes its own: mv_hz_prepare)
        ld a,$C3
        ld (mv_hz_store),a
        ld a,b                  ; less cols
        neg
        ld e,a
        ld d,$FF
        ld (MV_GATE_BACK),de
        add a,c
        ld (MV_GATE_T0),a       ; Tv's low byte (mv_coarse_end's test)
.else
        ld a,(mv_shift)
        cp 30
        jr c,@fits
        ld (hl),0
        or a                    ; NZ
        ret
@fits:
        push hl
        ld hl,0
        ld c,l
        sub 7
        jr c,@ones
        inc l                   ; C:HL = 2^(shift-7)
        or a
        jr z,@ones
@double:
        add hl,hl
        rl c
        dec a
        jr nz,@double
@ones:
        ld a,b                  ; less cols
        neg
        ld e,a
        ld d,$FF
        ld (MV_GATE_BACK),de
        add hl,de
        ld a,c
        adc a,d
        ld (MV_GATE_T2),a       ; (three operands of mv_gate's compare, a byte each)
        ld a,h
        ld (MV_GATE_T1),a
        ld a,l
        ld (MV_GATE_T0),a
.ifdef MV_SHORT_K
        ld hl,(MV_STORE_OP+1)   ; a zeroed row: with mv_store_relu (fc1's), 0 straight into its word
        ld de,mv_store_relu     ; (the whole jp's target: MV_SHORT_K's row starts moved mv_store_relu
        or a                    ; to a low byte of $23, MV_STORE_OPS's, on the 48K without the pairs)
        sbc hl,de
.else
        ld a,(MV_STORE_OP+1)    ; a zeroed row: with mv_store_relu (fc1's), 0 straight into its word
        cp mv_store_relu & 255
.endif
        ld hl,mv_store_zero
        jr z,@zeroed_set
.ifdef MV_LOW_SLOTS
        ld hl,(mv_low_check+1)  ; else straight to the shift (its low byte in A')
.else
        ld hl,mv_shift_jump     ; else straight to the shift
.endif
@zeroed_set:
        ld (mv_gate_zeroed+1),hl
.ifdef MV_LOW_HLA
        ld hl,mv_shift_jump     ; (the rows summed again go on to the shift, but where
        ld (MV_GATE_END),hl     ; mv_hz_prepare's short gate takes mv_gate_relu)
.endif
        ld hl,mv_gate
.ifdef MV_LOW_SLOTS
        ld (mv_low_check+1),hl  ; (the coarse rows' end reads it: the call runs no low slot)
.endif
        ld (mv_flag_check+1),hl
.endif
        call mv_x_end
        ld ix,mv_coarse_slots + MV_MAX_COLS / 2 * MV_COARSE_PAIR
        ld iy,mv_gate_slots + MV_MAX_COLS / 2 * MV_COARSE_PAIR
        ld de,-MV_COARSE_PAIR
        srl b                   ; the pairs, from the last one down
.ifdef MV_COARSE_PAIRS
        call mv_pairs_walk_gate
.else
@pair:
        add ix,de
        add iy,de
        dec hl
        dec hl
        ld a,(hl)
        dec a
        ld (ix+MV_COARSE_D2),a
        ld (iy+MV_COARSE_D2),a  ; (the gate's slots read the other plane at the same places)
        dec hl
        dec hl
        ld a,(hl)
        dec a
        ld (ix+MV_COARSE_D1),a
        ld (iy+MV_COARSE_D1),a
        djnz @pair
.endif
        ld (MV_GATE_FIRST),iy
        pop hl
        xor a                   ; Z
        ret

; mv_x_end - HL = past x's last column (B of them). Clobbers DE.
mv_x_end:
        ld l,b
        ld h,0
        add hl,hl
        ld de,(mv_x)
        add hl,de
        ret

; mv_gate - a gated coarse row's end (fc1's, forward.s: ReLU follows): the row's
; doubled sum D = 256 V + the low byte lacks each product's low byte (0..255), so
; D <= exact D <= D + 255 cols. When D + 255 cols < 2^(shift+1) (V < Tv, which
; implies it) the exact output is <= 0 and so is the coarse one: ReLU zeroes the
; row either way, and the coarse output stands. Else the row's low bytes are
; summed by slots of their own over its weights again (43 T-states a product)
; and added: D is exact, and the row ends as an exact one.
.ifndef MV_GATE_SHORT                   ; (with it, mv_coarse_end's test: its rows come to mv_gate_exact)
mv_gate:                        ; (the h sum's set) E:H:L = V, the other set's B = D's low byte (A' with MV_LOW_SLOTS)
        ld a,l
        sub 0                   ; patched: Tv
MV_GATE_T0 = * - 1
        ld a,h
        sbc a,0
MV_GATE_T1 = * - 1
        ld a,e
        sbc a,0
MV_GATE_T2 = * - 1
mv_gate_zeroed:
        jp m,mv_shift_jump      ; V < Tv: ReLU zeroes the row (patched: mv_store_zero, or the shift:
                                ; mv_low_check's target, A' the low byte, with MV_LOW_SLOTS)
.endif
mv_gate_exact:                  ; (mv_hz_gate's rows it does not zero)
.ifndef MV_GATE_SHORT                   ; (with it, entered in the slots' set: mv_gate_back)
        exx
.endif
mv_gate_back:
        ld hl,0                 ; patched: -cols, SP back to the row's weights
MV_GATE_BACK = * - 2
        add hl,sp
        ld sp,hl
        ld hl,0
        ld d,h
.ifdef MV_LOW_SLOTS
        ex af,af'               ; A = D's low byte (the coarse row end's A')
.else
        ld a,b
.endif
        jp mv_gate_slots        ; patched: the first used pair
MV_GATE_FIRST = * - 2
mv_gate_slots:
        mv_byte_pairs ix, $DD   ; S(w + l)'s low byte
        .assert * - mv_gate_slots == MV_MAX_COLS / 2 * MV_COARSE_PAIR, "the gate's slots are laid out as the coarse slots"
.ifdef MV_GATE_SHORT
        add a,l                 ; D's low byte + the low bytes' sum (below 2^13): the exact low byte
        ld c,a
        ld a,h
        adc a,0                 ; A: its carry into V
        ld hl,0                 ; patched: V (mv_coarse_end@exact)
MV_GATE_V = * - 2
        add a,l
        ld l,a
        jr nc,@v
        inc h                   ; (the exact V fits 16 bits as the coarse one: mv_coarse_end)
@v:
        ld a,c                  ; H:L:A = the exact doubled sum
        jp mv_hz_store          ; patched: mv_hz_left's entry for the shift (mv_gate_prepare)
MV_GATE_CHAIN = * - 2
.else
        add a,l                 ; D += the low bytes' sum (below 2^16)
        ld b,a
        ld a,h
        adc a,0
        exx
        add a,l
        ld l,a
        jr nc,@added
        inc h
        jr nz,@added
        inc e
@added:
        jp mv_shift_jump        ; patched: mv_gate_relu with MV_LOW_HLA's short gate (mv_hz_prepare)
MV_GATE_END     = * - 2
.endif

.endif                          ; (MV_COARSE_UNCALLED)

.ifdef MV_LOW_HLA
; The short row ends (seventeenth round, the 128K's): a low or coarse row that keeps
; no h sum (mv_row_h_zero) ends with its whole doubled sum in the slots' H:L:A (24
; bits), so V = H:L, sign-extended, always fits 16 bits: the row's end shifts H:L:A in
; the slots' set, and stores H:L through the other set's HL, which holds the row's
; word (MV_HZ_PTR: no h sum there), with no move of V to that set, no test of its top
; byte and no output pointer in memory. The end of the low and the coarse slots jumps
; to the chain's entry for the call's shift (mv_hz_prepare): a left shift (shift < 7)
; through mv_hz_left, shift 7 straight to mv_hz_store; a call that adds to its output
; (mv_store_add) stores through mv_hz_add (mv_hz_store's first bytes a jp to it), a
; first part keeps its sums through mv_hz_keep (and its second part's rows start at
; mv_row_hz_resume), and a gated call with ReLU (fc1's) stores its zeroed rows through
; mv_hz_gate. Any other call (a sparse one, the full path, a shift above 7, fc1's
; mv_store_relu when it runs exact, the gate without it) ends its rows in
; mv_low_row_end and the coarse slots' row end as before (the shipped soul's shifts
; are 4 to 7: a chain of right shifts, 37 bytes, and a ReLU store, 33, were left out).
; The stores step a word's low byte with inc l (2 T-states a row; mv_out and mv_carry
; even, eighteenth round).

.ifndef MV_COARSE_UNCALLED      ; (its gated rows: a coarse call's)
; mv_hz_gate - a gated coarse row's end (mv_gate's test, in the slots' set): V < Tv
; stores 0 (ReLU zeroes the row), else the row goes on as mv_gate's, its low bytes
; summed again (E:H:L = V in the h sum's set, A' = D's low byte, its word in MV_OUT_PTR).
mv_hz_gate:                     ; (the slots' set) H:L:A = D, the coarse doubled sum
        ex af,af'               ; A' = D's low byte (mv_gate_slots' start)
        ld a,l                  ; V - Tv in 16 bits: its sign. V = D >> 8 with every x one piece
        sub 0                   ; (no h sum) is within +-4,400 (|2 w x| <= 2^15 a column, 32 of
MV_HZ_T0 = * - 1                ; them, and 2b), Tv = 2^(shift-7) - cols >= -32 (patched: its low byte,
        ld a,h                  ; mv_gate's, mv_hz_prepare; 16 bits, shift <= 21): V - Tv never
        sbc a,0                 ; passes 32,767, and below -32,768 it would wrap to >= 0, the row
MV_HZ_T1 = * - 1                ; summed again, exact either way (patched: Tv's high byte)
        jp p,@exact             ; (V >= Tv; 15 T-states a row less than an unsigned compare of V
                                ; and Tv + $8000, seventeenth round)
        exx                     ; (HL: the row's word)
        xor a
        ld (hl),a
        inc l
        ld (hl),a
        inc hl
        dec b
        jp nz,mv_row_h_zero     ; patched as mv_hz_store's
MV_HZ_NEXT_4    = * - 2
        jp mv_part_end
@exact:
        ld a,l
        .byte $DD,$6F           ; ld ixl,a
        ld a,h
        exx
        ld (MV_OUT_PTR),hl      ; (mv_store's: the row's word; mv_stored leaves the next in HL)
        ld h,a
        .byte $DD,$5D           ; ld e,ixl
        ld l,e
        rla
        sbc a,a
        ld e,a                  ; E:H:L = V
        jp mv_gate_exact

.endif                          ; (MV_COARSE_UNCALLED)

; mv_hz_left - H:L:A << (7 - shift), entered 6 bytes a step before its end (mv_prepare:
; the left chain's entry moved by mv_hz_store - mv_store): the sum's top bits change
; sign when it does not fit (CF: its sign).
mv_hz_left:
        .repeat MV_CHAIN_BITS
        add a,a
        adc hl,hl
        jp pe,mv_hz_clip
        .endrepeat
        .assert * - mv_hz_left == MV_CHAIN_BITS * 6, "mv_prepare enters mv_hz_left as the left chain, 6 bytes a step"
; mv_hz_store - H:L (the slots' set) into the row's word at the other set's HL, and
; the next row.
mv_hz_store:
        ld a,l                  ; patched: jp mv_hz_add for a call that adds to its output
        exx
        ld (hl),a
        inc l                   ; (mv_out even: a word's high byte on its low byte's page)
        exx
        ld a,h
        exx
        ld (hl),a
        inc hl
        dec b
        jp nz,mv_row_h_zero     ; patched: the call's row start (mv_hz_prepare)
MV_HZ_NEXT_1    = * - 2
        jp mv_part_end
MV_HZ_OWN_OPS   = $D97D         ; mv_hz_store's ld a,l and exx, and then ld (hl),a
MV_HZ_OWN_OP_3  = $77
        .assert (MV_HZ_OWN_OPS & $80) == 0, "mv_hz_prepare tells mv_hz_store's own bytes from its jp ($C3) by bit 7"
mv_hz_clip:
        ld hl,$7FFF
        jr nc,mv_hz_store
        inc hl                  ; $8000
        jr mv_hz_store

; mv_hz_add - mv_hz_store for a call that adds to its output (mv_store_add's sum). At
; shifts 7 - MV_HZ_ADD_STEPS to 7 (the shipped soul's proj 6, fc2 6 and 4) its rows
; enter its own last steps of the chain, mv_hz_add_steps (mv_hz_prepare), with no jp
; through mv_hz_store's first bytes: 10 T-states a row less (eighteenth round); its clips
; and the other shifts go through them (jp mv_hz_add). 3 steps take layer 1's fc2 (shift
; 4) too: -171 T-states a position on "hello" for 12 bytes (docs/spectrum.md, eighteenth
; round: the row ends, again).
MV_HZ_ADD_STEPS = 3
mv_hz_add_steps:
        .repeat MV_HZ_ADD_STEPS
        add a,a
        adc hl,hl
        jp pe,mv_hz_clip
        .endrepeat
        .assert mv_hz_add - mv_hz_add_steps == 6 * MV_HZ_ADD_STEPS, "mv_hz_prepare enters mv_hz_add_steps as mv_hz_left, 6 bytes a step"
mv_hz_add:
        ld a,l
        exx
        add a,(hl)
        ld (hl),a
        inc l
        exx
        ld a,h
        exx
        adc a,(hl)              ; P/V: a signed overflow
        jp pe,@clip
@store:
        ld (hl),a
        inc hl
        dec b
        jp nz,mv_row_h_zero     ; patched as mv_hz_store's
MV_HZ_NEXT_2    = * - 2
        jp mv_part_end
@clip:                          ; towards the addends' sign, the other of A's
        mv_hz_clip_high
        jr @store

; mv_hz_keep - a first part's row: its sum 256 V + the low byte into mv_carry at the
; other set's HL (mv_keep's four bytes: V's, low first, then the low byte).
mv_hz_keep:
        ex af,af'               ; A' = the low byte
        ld a,l
        exx
        ld (hl),a
        inc l                   ; (mv_carry even)
        exx
        ld a,h
        exx
        ld (hl),a
        inc hl
        rla
        sbc a,a
        ld (hl),a
        inc l
        ex af,af'
        ld (hl),a
        inc hl
        dec b
        jp nz,mv_row_h_zero     ; patched as mv_hz_store's
MV_HZ_NEXT_3    = * - 2
        jp mv_part_end

;
; The sparse calls' short row ends (fc2's: seventeenth round, zxpass2): a sparse row keeps
; no h sum (every column one piece), so its whole doubled sum is the main slots' A:HL, and
; the h sum's set's HL holds the row's word in mv_carry or mv_out (MV_HZ_PTR). mv_row_end's
; first bytes become a jp to mv_hzs_keep (the first part) or mv_hzs_end (the second), put
; back by mv_sparse_undo.
; mv_row_hzs - a sparse first part's row start: the l sum at -Cl (the bias follows).
mv_row_hzs:                     ; (the h sum's set, its HL the row's place in mv_carry)
        exx
        pop de                  ; SP past the row's K, on its weights
        inc sp
        ld hl,0                 ; patched: -Cl (MV_NC_L's)
MV_HZS_NC_L     = * - 2
        ld a,0
MV_HZS_NC_L_TOP = * - 1
        jp mv_jump              ; patched as mv_bias_jump
MV_HZS_BIAS_JUMP = * - 2
; mv_hzs_keep - its end: the sum A:HL into mv_carry, L, H, A (4 bytes a row, the last unused).
mv_hzs_keep:
        ex af,af'               ; A' = the top byte
        ld a,l
        exx
        ld (hl),a
        inc l                   ; (mv_carry even)
        exx
        ld a,h
        exx
        ld (hl),a
        inc hl
        ex af,af'
        ld (hl),a
        inc l
        inc hl
        dec b
        jp nz,mv_row_hzs        ; patched: mv_row_hzsb with a bias (mv_hzs_first_prepare)
MV_HZS_NEXT     = * - 2
        jp mv_part_end
; mv_row_hzsb - a sparse first part's row start with a bias (layer 0's fc2 where it is
; sparse): the l sum A:HL at -Cl + 2b, b read through the h sum's set's DE (set by
; mv_row_hzsb_first, stepped by each row) into the slots' set by A and A', with SP
; staying on the row and no jp through mv_jump: 131 T-states a row, against 181 for
; mv_row_hzs and mv_add_bias (which sets SP aside to pop b).
mv_row_hzsb_first:              ; (the h sum's set: its HL the row's place in mv_carry, B the rows)
        ld de,0                 ; patched: the call's first bias (MV_BIAS_PTR)
MV_HZSB_BIAS    = * - 2
mv_row_hzsb:
        ld a,(de)               ; b's low byte into A'
        inc de
        ex af,af'
        ld a,(de)
        inc de
        exx
        pop hl                  ; SP past the row's K (a sparse row has none to add), on its weights
        inc sp
        ld d,a
        rla
        sbc a,a
        ld c,a                  ; C = b's sign
        ex af,af'
        ld e,a                  ; DE = b
        ld hl,0                 ; patched: -Cl (MV_NC_L's)
MV_HZSB_NC_L    = * - 2
        add hl,de
        ld a,0                  ; patched: its top byte
MV_HZSB_NC_L_TOP = * - 1
        adc a,c
        add hl,de
        adc a,c
        jp mv_slots             ; patched: mv_jump's target, the first used slot
MV_HZSB_JUMP    = * - 2

; mv_row_hzs_resume - a sparse second part's row start: the first part's sum - Cl (Ch = 0).
mv_row_hzs_resume:              ; (the h sum's set, its HL the row's word)
        exx
        ld (MV_HZS_BACK),sp     ; the row's weights (the row before ended there), aside
        ld sp,0                 ; patched: the row's sum in mv_carry
MV_HZS_CARRY    = * - 2
        pop hl
        pop bc                  ; C = its top byte
        ld (MV_HZS_CARRY),sp
        ld sp,0                 ; patched: the row's weights
MV_HZS_BACK     = * - 2
        ld de,0                 ; patched: -Cl's low word
MV_HZS_R01      = * - 2
        add hl,de
        ld a,c
        adc a,0                 ; patched: its top byte
MV_HZS_R2       = * - 1
        jp mv_slots             ; patched as mv_jump
MV_HZS_JUMP     = * - 2
; mv_hzs_end - its end: A:HL into mv_hz_left's H:L:A and on through its chain and store.
mv_hzs_end:
        ld e,l
        ld l,h
        ld h,a
        ld a,e
        jp mv_hz_store          ; patched: the chain's entry for the shift and store (mv_hz_prepare)
MV_HZS_CHAIN    = * - 2
MV_ROW_END_OPS  = $4C45         ; mv_row_end's ld b,l, ld c,h, and then ld ixl,c's prefix
MV_ROW_END_OP_3 = $DD
.ifdef MV_HLA_SLOTS
        .assert 0, "mv_hzs_* take mv_row_end's A:HL form"
.endif
MV_HZS_KEPT     = $80           ; mv_hz_kept after mv_hzs_keep's first part (not MV_KEEP)
        .assert MV_HZS_KEPT == $80 && MV_KEEP < $80, "mv_hz_prepare tells a sparse first part's mv_hz_kept by its sign"

; mv_hz_prepare - (mv_part, after mv_prepare) the short row ends for this call's
; rows where they serve (above), else the slots' ends as before; a whole call of
; MV_MAX_COLS columns with no h sum starts its rows in mv_row_low_whole or
; mv_row_coarse_whole (their -Cl copied here) whatever their end. Clobbers AF, DE, HL.
mv_hz_prepare:
        ld hl,(mv_row_jump+1)   ; mv_prepare's row start (mv_first_row's too)
        ld a,l                  ; (told by its low byte)
        cp mv_row_h_zero & 255
        jr z,@h_zero
        cp mv_row_resume & 255
        jp nz,@hzs_first        ; (an h sum, or a sparse first part)
        ld a,(mv_hz_kept)       ; a second part after mv_hz_keep's first, in the low slots
        or a
        jp z,@general
        jp m,@hzs_resume        ; (MV_HZS_KEPT: after mv_hzs_keep's first part)
        ld hl,(mv_jump+1)
        ld de,mv_low_entry
        sbc hl,de               ; (no carry)
        jp nz,@general
        ld hl,(MV_NC_L+1)       ; R = -Cl - 256 Ch (L: -Cl's middle byte)
        ld a,(MV_NC_L_TOP)
        ld h,a
        ld de,(MV_FULL_NC_H)
        add hl,de
        ld (MV_HZ_R12),hl
        ld a,(MV_NC_L)
        ld (MV_HZ_R0),a
        ld hl,(MV_RESUME_CARRY)
        ld (MV_HZ_CARRY),hl
        ld hl,mv_row_hz_resume
        jr @start_set
@again:                         ; the copy's -Cl, MV_HZ_NEXT_*, mv_hz_store's bytes and mv_hz_kept stand
        ld de,(mv_hz_shift)
        ld a,d
        or a
        jr z,@h_zero_full       ; (a shift above 7: the slots' own ends)
        ld hl,(MV_OUT_PTR)
        ld (MV_HZ_PTR),hl
        ld (MV_LOW_END_JP),de   ; (it runs no coarse slot: MV_COARSE_END_JP waits for a new x)
        ret                     ; (every row at the copy: mv_prepare@again leaves mv_first_row as
                                ; the call before set it, and mv_row_jump on mv_row_h_zero)
@h_zero:
        ld a,(mv_hz_again)      ; (matvec_again after a call that took the low copy's short ends)
        or a
        jr nz,@again
@h_zero_full:
        ld a,(mv_cols)
        cp MV_MAX_COLS
        jr nz,@start_set        ; (mv_row_h_zero and its jp to the first slot)
        ld de,(MV_COARSE_NC_L12)        ; -Cl into the copy that runs on into its slots
.ifndef MV_COARSE_UNCALLED
        ld a,(mv_coarse_on)
        or a
.endif
        ld a,(MV_COARSE_NC_L0)
        ld hl,MV_LOW_WHOLE_NC_L0
.ifndef MV_COARSE_UNCALLED
        jr z,* + 5
        ld hl,MV_COARSE_WHOLE_NC_L0
.endif
        ld (hl),a
        inc hl
        inc hl
        ld (hl),e
        inc hl
        ld (hl),d
        ld de,-MV_WHOLE_NC_END  ; HL: the copy's start
        add hl,de
@start_set:                     ; HL: the rows' start, mv_first_row's and mv_row_jump's if
        push hl                 ; the short ends serve (@ends_set), and the MV_HZ_NEXT_* of the
.ifndef MV_COARSE_UNCALLED      ; ends the call's rows take (each path writes its own)
        ld a,(mv_coarse_on)
        cp MV_COARSE_GATE
        jr nc,@gated            ; (or MV_COARSE_RAW's, there)
.endif
.ifdef MV_COARSE_TOP
        dec a                   ; (an ungated coarse call's rows end in mv_coarse_top, a bound
        jp z,@general_pop       ; of its own: through the coarse slots' own end)
.endif
        ld a,(mv_mode)
        and MV_KEEP
        ld (mv_hz_kept),a       ; (its second part's rows may start at mv_row_hz_resume)
        jr z,@store_kind
        pop hl
        push hl
        ld (MV_HZ_NEXT_3),hl    ; (mv_hz_keep's)
        ld hl,(MV_CARRY_PTR)
        ld de,mv_hz_keep
        jr @ends_set
@store_kind:
        ld a,(MV_STORE_OP)      ; the store: mv_hz_store's own, or its first bytes a jp
        ld hl,MV_HZ_OWN_OPS
        ld e,MV_HZ_OWN_OP_3
        cp MV_STORE_OPS & 255
        jr z,@store_set
        ld a,(MV_STORE_OP+1)    ; (told from mv_store_relu by its low byte)
        cp mv_store_add & 255
        jr nz,@general_pop      ; (mv_store_relu: fc1's when it runs exact)
        ld hl,(mv_hz_add & 255) * 256 + $C3     ; jp mv_hz_add
        ld e,mv_hz_add >> 8
@store_set:
        ld (mv_hz_store),hl
        ld a,e
        ld (mv_hz_store+2),a
        ld de,(mv_hz_shift)     ; the chain's entry for the shift (mv_prepare)
        ld a,d
        or a
        jr z,@general_pop       ; (none: a shift above 7)
        bit 7,l                 ; an adding store (L: its jp's $C3, not ld a,l's $7D) at a shift of
        jr z,@entry_set         ; 7 - MV_HZ_ADD_STEPS or more: mv_hz_add's own steps
        ld hl,(-(mv_hz_store - 6 * MV_HZ_ADD_STEPS)) & $FFFF
        add hl,de
        jr nc,@entry_set        ; (more steps: mv_hz_left's, and mv_hz_store's jp)
        ld hl,mv_hz_add - mv_hz_store
        add hl,de
        ex de,hl
@entry_set:
        pop hl
        push hl
        ld (MV_HZ_NEXT_1),hl    ; (mv_hz_store's or mv_hz_add's, as the store is)
        ld (MV_HZ_NEXT_2),hl
        ld a,l                  ; the low copy's rows with a plain or adding store: matvec_again
        cp mv_row_low_whole & 255       ; on this x needs only the output and the shift (@again)
        jr nz,* + 5
        ld (mv_hz_again),a
        ld hl,(MV_OUT_PTR)
@ends_set:                      ; HL: the first row's word, DE: the slots' ends
        ld (MV_HZ_PTR),hl
        ld (MV_LOW_END_JP),de   ; (a gated call's: it runs no low slot)
.ifndef MV_COARSE_UNCALLED
        ld (MV_COARSE_END_JP),de
.endif
        pop hl
        ld (mv_first_row+1),hl
        ld (mv_row_jump+1),hl   ; (a gated row that mv_gate_exact ends, too)
        ret
.ifndef MV_COARSE_UNCALLED
@gated:
        jp nz,mv_hz_raw         ; (MV_COARSE_RAW: matvec_ends.s's)
        ld a,(MV_STORE_OP+1)    ; (mv_gate_prepare's test: its zeroed rows to mv_store_zero)
        cp mv_store_relu & 255
        jr nz,@general_pop      ; (the gate without mv_store_relu: its zeroed rows shift)
        ld a,(MV_GATE_T1)
        ld e,a
        rla
        sbc a,a
        ld hl,MV_GATE_T2
        cp (hl)
        jr nz,@general_pop      ; (Tv above 16 bits: a shift above 21)
        ld a,e
        ld (MV_HZ_T1),a
        ld a,(MV_GATE_T0)
        ld (MV_HZ_T0),a
        pop hl
        push hl
        ld (MV_HZ_NEXT_4),hl    ; (mv_hz_gate's zeroed rows)
        call mv_gate_relu_prepare       ; (the others: mv_gate_relu's, matvec_ends.s)
        ld hl,(MV_OUT_PTR)
        ld de,mv_hz_gate
        jr @ends_set
.endif
@general_pop:
        pop hl
@general:
        xor a
        ld (mv_hz_kept),a
        ld hl,mv_low_row_end
        ld (MV_LOW_END_JP),hl
.ifndef MV_COARSE_UNCALLED
        ld hl,mv_coarse_row_end
        ld (MV_COARSE_END_JP),hl
.endif
        ret
@hzs_first:
        cp mv_row_sparse & 255
        jp nz,@general          ; (an h sum)
; A sparse first part (every x one piece: Ch = 0): its rows keep A:HL through mv_hzs_keep
; where the second part's end can be short (a shift of 7 or less, a plain or adding store).
        ld a,(mv_hz_shift+1)
        or a
        jp z,@general
        ld a,(MV_STORE_OP)
        cp MV_STORE_OPS & 255
        jr z,@hzs_store_known
        ld a,(MV_STORE_OP+1)
        cp mv_store_add & 255
        jp nz,@general          ; (mv_store_relu)
@hzs_store_known:
        jp mv_hzs_first_prepare ; (matvec_ends.s: its row starts, with a bias mv_row_hzsb's)
@hzs_row_end_patch:
        ld a,$C3                ; jp DE over mv_row_end's first bytes
        ld (mv_row_end),a
        ld (mv_row_end+1),de
        ret
@hzs_resume:                    ; a sparse second part after mv_hzs_keep's first part
        ld hl,(MV_RESUME_CARRY)
        ld (MV_HZS_CARRY),hl
        ld hl,(MV_NC_L)
        ld (MV_HZS_R01),hl
        ld a,(MV_NC_L_TOP)
        ld (MV_HZS_R2),a
        ld hl,(mv_jump+1)
        ld (MV_HZS_JUMP),hl
        ld hl,mv_row_hzs_resume
        ld de,mv_hzs_end
        push de
        call @start_set         ; (the store and the next rows, as the low rows' short ends)
        ld (MV_HZS_CHAIN),de    ; (@ends_set's chain entry: mv_hz_add_steps' with an adding store)
        pop de
        jr @hzs_row_end_patch
        .assert (mv_row_h_zero & 255) != (mv_row & 255) && (mv_row_h_zero & 255) != (mv_row_narrow & 255), "mv_hz_prepare tells mv_row_h_zero by its low byte"
        .assert (mv_row_h_zero & 255) != (mv_row_resume & 255) && (mv_row_h_zero & 255) != (mv_row_any & 255), "mv_hz_prepare tells mv_row_h_zero by its low byte"
        .assert (mv_row_h_zero & 255) != (mv_row_sparse & 255) && (mv_row_h_zero & 255) != (mv_row_coarse_start & 255), "mv_hz_prepare tells mv_row_h_zero by its low byte"
        .assert (mv_row_resume & 255) != (mv_row & 255) && (mv_row_resume & 255) != (mv_row_narrow & 255), "mv_hz_prepare tells mv_row_resume by its low byte"
        .assert (mv_row_resume & 255) != (mv_row_any & 255) && (mv_row_resume & 255) != (mv_row_sparse & 255), "mv_hz_prepare tells mv_row_resume by its low byte"
        .assert (mv_row_resume & 255) != (mv_row_coarse_start & 255), "mv_hz_prepare tells mv_row_resume by its low byte"
        .assert MV_LOW_WHOLE_NC_L0 + 3 - mv_row_low_whole == MV_WHOLE_NC_END, "mv_hz_prepare finds the copy from its operands"
        .assert (mv_row_low_whole & 255) != 0 && (mv_row_low_whole & 255) != (mv_row_h_zero & 255), "mv_hz_prepare tells mv_row_low_whole by its low byte"
.ifndef MV_COARSE_UNCALLED
        .assert MV_COARSE_WHOLE_NC_L0 + 3 - mv_row_coarse_whole == MV_WHOLE_NC_END, "mv_hz_prepare finds the coarse copy from its operands"
        .assert (mv_row_low_whole & 255) != (mv_row_coarse_whole & 255), "mv_hz_prepare tells mv_row_low_whole by its low byte"
.endif
        .assert (mv_row_low_whole & 255) != (mv_row_hz_resume & 255) && (mv_row_low_whole & 255) != (mv_row_hzs_resume & 255), "mv_hz_prepare tells mv_row_low_whole by its low byte"
mv_hz_again:    .byte 0         ; not 0: the call before (this x) took mv_row_low_whole's short ends (matvec clears it)
mv_hz_kept:     .byte 0         ; not 0: the first part's rows kept their sums through mv_hz_keep
mv_hz_shift:    .word 0         ; mv_hz_left's entry for the call's shift (mv_prepare; a top byte 0: none)
.endif

.ifndef SOUL_OUT_PLANES                 ; (the 48K's logits by out's planes, twenty-seventh round: no bound to call it)
.ifndef MV_COARSE_UNCALLED              ; (nor the 128K's without a coarse call)
; mv_exact_row - row A of the coarse call before again, exactly, into its word
; of mv_out: the call's x, shift and slots stand (as for matvec_again), and one
; row runs from its own K, weights and output through the exact slots, which
; stay set (matvec_again after a coarse call needs one mv_exact_row first).
; The call before is an ungated one (mv_coarse_on = 1: with MV_LOW_SLOTS only its
; column pass writes the main slots' jps; a gated call's rows get their exact
; low bytes through mv_gate). With MV_GATE_PASS (the 48K's, twenty-first round) the coarse
; call's pass wrote no slot: the first mv_exact_row after it runs the pass (~8,500 T-states
; at 32 columns), and mv_coarse_on must be 0 by then (forward.s's bound clears it after the
; coarse call). With MV_RAW_PASS (the 128K's, twenty-first round) likewise the logits' pass:
; mv_exact_row's, the main slots' with the one-piece columns' jps checked (mv_pass_main more
; than 1), ~10,000 T-states at 32 columns. Clobbers as matvec.
mv_exact_row:
        ld c,a
.ifdef MV_EXACT_PASS
        push iy                 ; (as below: mv_prepare's pass walks x with SP)
        ld a,i
        push af
        di
        ld a,(mv_prepare@piece_jr+1)
        cp mv_prepare@column_loop - mv_prepare@piece_jr - 2
        jr nz,@prepared         ; (the row after the first)
        push bc
.ifdef MV_RAW_PASS
        ld (mv_pass_main),a     ; (more than 1: the main slots' pass with the jps checked, as the logits' before MV_RAW_PASS)
        .assert mv_prepare@column_loop - mv_prepare@piece_jr - 2 > 1, "mv_pass_main: 1 the main slots' pass, more with their jps checked"
.endif
        call mv_prepare         ; the pass the coarse call left out (its x, columns and shift stand,
        pop bc                  ; mv_coarse_on 0): the slots' displacements and jps for exact rows
@prepared:
.endif
        ld hl,mv_row_narrow     ; the exact row start (a coarse call is narrow; mv_jump stays on the exact slots)
        ld (mv_first_row+1),hl
        ld b,0
        ld hl,(mv_out)
        add hl,bc
        add hl,bc
        ld (MV_OUT_PTR),hl
.ifndef MV_BIAS_IN_K
        ld hl,(mv_bias)         ; (read only when there is one)
        add hl,bc
        add hl,bc
        ld (MV_BIAS_PTR),hl
.endif
        ld a,(mv_cols)          ; the row: mv_w + r * (3 + cols), its K then its weights (out's
                                ; alone: soul_layout.takes_short leaves it long for MV_SHORT_K)
        add a,3
        ld e,a
        ld d,b
        ld hl,0
        ld b,8
@times:
        add hl,hl
        rlc c
        jr nc,* + 3
        add hl,de
        djnz @times
        ld de,(mv_w)
        add hl,de
        ld (MV_ROW_SP),hl
.ifndef MV_EXACT_PASS
        push iy
        ld a,i                  ; P/V = IFF2, as matvec
        push af
        di
.endif
        ld a,1
        call mv_rows_run
        jp mv_finish
.endif
.endif
.endif

.ifdef MV_SHORT_K
; MV_SHORT_K (the 48K's, twenty-third round): a matrix whose every row constant lies in
; -65536..-1 (its top byte $FF: 0 < K - 2b <= 65536) may be laid out with 2-byte constants
; (soul_layout.matvec_bytes(short=True)), one byte a row less; its caller sets bit 7 of
; mv_shift (MV_SHORT_FLAG, the layer descriptors' shift byte: soul_layout). matvec's start
; compares it with the form the row starts have (MV_K_FORM) and, where they differ, turns
; every row start that pops a constant to the other form (mv_k_toggle): mv_row's, mv_narrow_k's,
; the coarse rows' and the sparse rows' step over it, each as fast or faster in the short form,
; and the operands that count the constant's bytes (mv_row_narrow's walk's distance, -Cl's top
; two in the H:L:A starts, which take the implied $FF as -256): ~390 T-states a switch.
.ifndef MV_BIAS_IN_K
        .assert 0, "MV_SHORT_K: the 48K's row starts with MV_BIAS_IN_K (mv_coarse_sum is left alone)"
.endif
.ifndef MV_HLA_NARROW_K
        .assert 0, "MV_SHORT_K: mv_narrow_k's H:L:A form (the 48K's, no MV_LOW_SLOTS)"
.endif
MV_SHORT_FLAG   = $80           ; mv_shift's bit 7: the call's matrix is short
        .assert MV_NARROW_NC_L0 == MV_NARROW_K + 3 && MV_NARROW_NC_L12 == MV_NARROW_K + 6, "mv_narrow_k's forms' operands"
.ifdef MV_COARSE
        .assert MV_COARSE_NC_L0 == MV_COARSE_K + 4 && MV_COARSE_NC_L12 == MV_COARSE_K + 7, "the coarse rows' forms' operands"
.endif
; mv_k_flips - the bytes that differ between the forms, each an address and the xor of its two
; values (long / short): mv_row's dec sp, pop af and ld c,a / ld c,$FF and nop; mv_narrow_k's dec sp,
; pop af, pop hl, ld bc,nn's opcode / pop bc, ld a,c, ld e,b, ld hl,nn's, and its adc hl,bc's second
; byte / adc hl,de's (the coarse start's too); the coarse start's dec sp, pop hl and ld bc,nn's opcode /
; ld e,b, nop and ld hl,nn's; the sparse start's step (inc sp / nop); the walk's first distance past
; the constant (3 / 2); -Cl's top byte's add in the pass (0 / $FF: -256 in -Cl's top two); and last
; the form's own (0 / MV_SHORT_FLAG), which the loop leaves in A (twenty-eighth round, zxroom48e: a
; table and a loop, 61 bytes less than each form's stores written out, ~600 T-states more a switch).
        .macro mv_k_flip address, long, short
        .word address
        .byte long ^ short
        .endmacro
mv_k_flips:
        mv_k_flip MV_ROW_K, $3B, $0E
        mv_k_flip MV_ROW_K + 1, $F1, $FF
        mv_k_flip MV_ROW_K + 2, $4F, $00
        mv_k_flip MV_NARROW_K, $3B, $C1
        mv_k_flip MV_NARROW_K + 1, $F1, $79
        mv_k_flip MV_NARROW_K + 4, $E1, $58
        mv_k_flip MV_NARROW_K + 5, $01, $21
        mv_k_flip MV_NARROW_K + 9, $4A, $5A
.ifdef MV_COARSE
        mv_k_flip MV_COARSE_K + 10, $4A, $5A
        mv_k_flip MV_COARSE_K + 1, $3B, $58
        mv_k_flip MV_COARSE_K + 2, $E1, $00
        mv_k_flip MV_COARSE_K + 6, $01, $21
.endif
.ifdef MV_SPARSE
        mv_k_flip MV_SPARSE_K, $33, $00
.endif
.ifndef MV_WIDE_PM1_OWN                 ; (no walk)
        mv_k_flip MV_FIRST_WIDE_K, 3, 2
.endif
        mv_k_flip MV_K_TOP_ADD, $00, $FF
        mv_k_flip MV_K_FORM, 0, MV_SHORT_FLAG
MV_K_FLIPS      = (* - mv_k_flips) / 3
; mv_k_toggle - the row starts and their operands to the other form (matvec's start, where the
; call's form is not theirs): ~1,000 T-states. Clobbers AF, BC, DE, HL.
mv_k_toggle:
        ld hl,mv_k_flips
        ld b,MV_K_FLIPS
@flip:
        ld e,(hl)
        inc hl
        ld d,(hl)
        inc hl
        ld a,(de)
        xor (hl)
        ld (de),a
        inc hl
        djnz @flip
        rla                     ; A = the new form: MV_SHORT_FLAG (short) or 0
        sbc a,a
        or 1
        ld c,a                  ; C = what the operands the pass wrote take: -1 short, +1 long
@operands:
.ifndef MV_WIDE_PM1_OWN                 ; (no walk)
        ld hl,MV_FIRST_WIDE     ; the operands the last call's pass wrote (matvec_again keeps them)
        ld a,(hl)
        add a,c
        ld (hl),a
.endif
        ld hl,MV_NARROW_NC_L12 + 1
        ld a,(hl)
        add a,c
        ld (hl),a
.ifdef MV_COARSE
        ld hl,MV_COARSE_NC_L12 + 1
        ld a,(hl)
        add a,c
        ld (hl),a
.endif
        ret
.endif
