; attention.s - one attention head at one query position over the KV cache (Z80), SPEC:
;
;   f[j]   = (q . k[j]) >> 14                 for the positions j = 0..count-1
;   lut[j] = EXP_LUT[min(127, max(f) - f[j])]
;   out[d] = sat16(floor(sum_j lut[j] * v[j][d] / sum_j lut[j]))     d = 0..7
;
; Inputs (memory): at_q (8 signed words), at_keys / at_values (the head's
; 8 words at position 0; position j is AT_STRIDE bytes further; with AT_FAST_MEANS
; the values dimension-major, AT_VALUES_BY_DIMENSION below), at_count
; (1..20), at_out (8 words). Output: at_out, and the LUT weights in
; at_lut[0..count-1] (bytes, for the attention panel).
; The dot products are summed in 40 bits, so no input can overflow them: a
; 32-bit sum in the other register set, its wraps (P/V) counted in a fifth byte.
; Each product comes as a magnitude and a sign (mul16s_magnitude) and is added
; or subtracted (in the 48K, nineteenth round: a product below 2^24, mul16u's Z, as its
; low word and its byte 2 through A, the carry or borrow into the top byte tested
; apart; a wider one as four bytes; the 128K's old dot, a fallback, keeps the four
; bytes' add, its bytes); the dot's end (q's last word) is patched into its code once a call.
; Clobbers AF, BC, DE, HL, IX, AF', BC', DE', HL' (keeps IY).
; T-states (python benchmarks/z80_kernels.py, random 16-bit inputs): 27,764
; for one position, about 10,000 more for each further one (215,638 for 20;
; 27,780 and 216,420 before the nineteenth round's narrow adds and mul16u's rounds;
; 27,788 and 216,884 before the weights' sum was kept in the other register
; set, fourteenth round; 28,472 and 229,171 before the scores' products came as magnitudes, added or
; subtracted by their sign; 28,330 and 227,302 before mul16u's short second
; passes, which random inputs seldom take: the shipped soul's q and k are mostly
; below 1024). The shipped soul's reply position 7 of "hello" takes 3,506,384 in
; python benchmarks/z80_profile.py (3,547,599 before the magnitudes, 3,594,368
; before the short second passes):
; the scores' 16x16 multiplies (mul16s_magnitude: |q[d] * k[j][d]| and its sign,
; nothing negated), f = (sum >> 16) << 2 with two bits
; of byte 1 and max f kept as they come, the means' 16x8 ones (mul16s8u; none
; for the LUT weights 255, 1 and 0) in 32 bits, and 8 divisions of 16 rounds
; (8 for a mean below 256) (without AT_TABLE_MEANS, the 48K's: below).
; The scores live in matvec's column flags (squares.s), free while a head runs.
; Bytes: 831 (in the shipped 48K player since the thirty-ninth round's merges: zx48layout39b's exp_lut, 83, in
; squares.s right after the squares, AT_EXP_AFTER_SQUARES, in one page, @near's short form 2 fewer; zx48walkruns39b's
; generated walk by runs, 11 fewer); 842 (zx48layout39b alone); 916 (zx48walkruns39b alone); 927 (in the shipped 48K player since the thirty-ninth round's merges: zx48genwalk39's AT_GENERATED_WALK, the
; walk's writer and its ways, 60 more than the dispatch loop they replace; zx48proj39's 84 bytes in matvec.s move
; exp_lut across a page, @near's crossing form 2 more); 925 (zx48genwalk39 alone); 865 (in the shipped 48K player since the thirty-eighth round's merges: zx48walk38's AT_ZEROS_UNCOUNTED, @zero's
; count gone, 5, for @far's 4 (864 alone); zx48norms38's tables of inv's multiples, MV_HZ_ENDS out of the ladder's room,
; AT_SKIP_LEADING_ZEROS in); 865 (in the shipped 48K player since the thirty-seventh round's merge: zx48room37's chains and variables, with the
; ladder's MV_HZ_ENDS taken and AT_SKIP_LEADING_ZEROS left out since zxfc2_37's room, the file's bytes moving with the
; spends); 863 (in the 48K player since zx48room37, thirty-seventh round: the narrow means' division in line by
; non-restoring chains, AT_MEANS_CHAINS, 91 more, at_means_divide's rounds one a pass with it; 26 bytes of variables
; in the ROM calculator's MEMBOT, SCRATCH_VARIABLES); 798 (since zx48paged35, thirty-fifth round: the weights' loop's score read patched for
; pl_keys' word scores, 10); 788 (since zx48kept35, thirty-fifth round: AT_TABLE_BY_DIMENSION, the walk's three
; strides gone, the store's dimension step 1 more); 801 (since zx48wire34, thirty-fourth round: the scores by packed key planes, PL_PACKED,
; planekeys48.s's 1,448 bytes apart, in place of the squares' AT_FAST_SCORES and its take-backs); 1,810 (since zx48norm33, thirty-third round: AT_FAST_MAX_PATCHED, 21, back in the room
; of rmsnorm.s's RN_UNIT_SHIFT); 1,789 (since zx48att32, thirty-second round: AT_FAST_PIECE_PAIRS, 67, given up for
; AT_SKIP_LEADING_ZEROS, whose jump to vecops.s's at_leading_zeros is 2 bytes fewer here than the count's store it
; takes over, and EM_ROW_MARKS, both below $8000; at_means_divide's ~n in line, 3 fewer); 1,882 (with zx48ffn32's short
; gate alone: AT_FAST_MAX_PATCHED, 21, back); 1,861 (since zx48pack30, thirtieth round: AT_FAST_PIECE_PAIRS, 67, in AT_FAST_MAX_PATCHED's
; place, in the room of the word list's first characters shared, SP_FIRST_SHARED); 1,815 (since zx48logits30 and zx48room30: AT_FAST_RANGE_APART, 25, and
; AT_FAST_MAX_PATCHED, 21, taken back in the room of the logits' 34 bytes fewer and zx48room30's SHORT_FORMS;
; AT_ONE_OWN_END, the weight-1 means' own stride and loop end, 9; exp_lut before attend_head, AT_EXP_FIRST, read in
; its page, 2 fewer); 1,762 (since zx48pos29, twenty-ninth round: at_lut a row of forward.s's att_weights,
; AT_LUT_IN_WEIGHTS, 20 bytes fewer and the weights' loop's `ld bc,(at_means_walk + 1)` 1 more, and AT_FAST_DIMS_JP
; and AT_FAST_H4_APART taken back in the room, 37 more); 1,744 (since zxroom48e merged after zxscores48b, twenty-eighth round: MV_HZ_ENDS first,
; only AT_FAST_SUMS_JP of the cuts taken back (1,746 with zxroom48e alone); 1,894 since zxscores48b: the fast scores' keys' loop starts the bit-0 sum
; with the key's X's bytes 0 and 1, two exx fewer, 2 bytes and 8 T-states a key fewer; 1,896 since zxatt48b and zxplanes28 merged, twenty-eighth round: the table means' weights
; of 1 added whole, @one, and their weights of 0 strided past unread, 21 bytes, with AT_FAST_MAX_PATCHED taken back in
; the room planes.s's classes leave, WP_NO_CLASSES, and AT_FAST_SUMS_PAIRS not (1,948 with zxplanes28 alone, every cut
; taken; 1,875 with zxatt48b alone, AT_FAST_MAX_PATCHED given up); 1,875 since zxnzrow, twenty-seventh round: AT_FAST_MAX_PATCHED taken back in the room
; matvec_nz's shorter rows and chain copy leave; 1,854 since zxsparse48: AT_FAST_MAX_PATCHED cut again, its room
; nzmatvec.s's, and AT_FAST_PIECE_PAIRS taken back; 1,808 since zxlogits48: AT_FAST_RANGE_APART and AT_FAST_MAX_PATCHED
; taken back too, in the room of the 48K's logits by out's planes; 1,734 since zxroom48d, twenty-sixth round: AT_FAST_SUMS_JP, AT_FAST_DIMS_JP and AT_FAST_H4_APART
; taken back in the room of forward.s's fw_att, on planes.s's first table page; 1,697 since the planes' rung, zxplanes48: only
; AT_FAST_SUMS_JP of the cuts taken back, the room for the rest spent on planes.s; 1,948 in the 48K player since zxroom48c, twenty-fifth round: every cut taken back in fc1's biases' room, matvec.s's
; MV_FOLDED_BIAS; 1,787 since zxwide48: AT_FAST_PIECE_PAIRS, 67, AT_FAST_MAX_PATCHED, 21, and AT_FAST_SUMS_PAIRS,
; 73, given up for forward.s's FW_WIDE_SPARSE, SPENDS_48K; 1,875 since zxends48b: AT_FAST_PIECE_PAIRS back; 1,808 with both given up for MV_HZ_ENDS, twenty-fourth round;
; 1,948 with them, since the twenty-third round: the table means' negative and zero positions with their own loop ends, 37 bytes, each dimension's count patched, 1, and the division's
; divisor negated, 5, with AT_FAST_SUMS_PAIRS, 73, which the merged round's room keeps (build.py's
; ladder; 1,875 without it); 1,905 with it and without them,
; the twenty-second round's at_key_sums two dimensions a pass; 1,832 before: code, the exp LUT, variables and its page's padding, since the twentieth round
; with AT_FAST_SCORES, AT_FAST_PREPARE_LOOP and AT_FAST_SMALL (its key sums in the screen's
; third: build.py's KEY_SUMS_48K) and the cuts taken back, FAST_TAKEBACKS_48K; 1,911 before the
; twenty-first round's keys' loop without at_sum40, the dims without their xor and the weights'
; max patched in (zxscores48), and before its matvec.s took 16 of the padding (zxprep3), 1,758 then
; without the take-backs; 775 with the old dot alone), with AT_TABLE_MEANS,
; AT_SHORT_EXP and, since the eighteenth round, AT_DIVIDE_UNROLLED (at_means_udivide's
; 8 rounds unrolled, the 48K's where it fits: build.py; 28 bytes for 28 T-states a
; division: python benchmarks/z80_kernels.py --unrolled, 15,582 for one position and 161,577
; for 20 with v in -128..127, 24,044 and 181,198 with v of any width; 16,162, 173,208, 24,623 and
; 192,829 before the nineteenth round's old dot merged (its narrow adds 33 bytes more, each
; score's end in registers, its row from the dot's pointer, the max in 24 bits and @wrap's count
; without branches 16 fewer); 17,218, 181,554, 20,615
; and 185,876 before the nineteenth round's means and division); 742 before the old dot; 734 before the nineteenth round's division merged (on n + 256 m
; below zero, returning C:A: docs/spectrum.md, "Nineteenth round: the means' division"; 755 with it and
; the old means); 749 before the nineteenth round's table means by v's
; low byte (arith.s 80 fewer: mul16s8u left out; vecops.s 68 more, its product loop for a
; wide v's dimension, at_wide_dimension); 721 before the unrolled division; 601 before
; them, fifteenth round; 604 before the magnitudes, 637 before max f was kept with the scores).
;
; AT_TABLE_MEANS (the 48K player's, fifteenth round: docs/spectrum.md, "Fifteenth round:
; the 48K's means"; since the nineteenth round, "Nineteenth round: the 48K's means"): each
; dimension's weighted sum through matvec's squares table by v's low byte, as the 128K's
; at_fast_dimension (attend_head@position: 2 w vl = S(w) + S(vl) - S(w - vl), two reads of
; each plane a position, sum_j S(w) made by the weights' loop, the vh = -1 weights summed in
; IY), interrupts off from the weights on (SP walks the scores, then v); a dimension with
; a v beyond -256..255 runs a product loop (@wide: vecops.s's at_wide_dimension, mul16s8u, or
; mul16s where arith.s leaves mul16s8u out), and each dimension's division by at_means_divide (8 restoring rounds when the
; mean fits a byte, else 16, four a pass; no clamp: a weighted mean of words lies in int16),
; which leaves arith.s's signed divisions out of the 48K. AT_SHORT_EXP (the 48K's): the exp
; table without its run of 1s (LUT[83..126]; 45 bytes). T-states (python
; benchmarks/z80_kernels.py, q and k in -2048..2047, so that most weights are 0): 15,692 for
; one position and 158,537 for 20 with v in -128..127, 24,394 and 180,214 with v of any width (the
; twenty-eighth round's weights of 1 added as 2 v, no table read, and S(1) left out of sum_j S(w), a weight of 0's
; v unread, its position strided past: 10 T-states more a position-dimension of another weight, ~95 fewer one of
; weight 1, 7 fewer one of weight 0, 81 fewer a weight of 1 in the weights' loop; 15,612 and 159,605, 24,314 and
; 180,551 before; the twenty-third round's negative and zero positions' own loop ends and -m; 15,846 and 161,607, 24,529
; and 181,449 before) (20,282 and 175,029 without; 15,806 and 161,801
; before the twenty-first round's weights' loop took max f patched in; 16,386 and 173,432
; before the nineteenth round's old dot merged; 17,208 and
; 174,264 before the nineteenth round's division merged, 17,442 and 181,778 before the round),
; 24,529 and 181,449 with v of any width (24,489 and 181,643 before the twenty-first round;
; 25,709 and 180,457 without; 25,068 and 193,274 before the
; old dot merged, 24,836 and 192,873 before
; the division merged, 21,060 and 186,321 before the round: a wide v's dimension runs the
; table's positions up to it, then all of them again). 120 bytes more than without them here
; (fifteenth round); arith.s 113 fewer.
;
; AT_FAST_SCORES (an assembler option, the 128K player's before its bit planes; since the
; twentieth round the first rung of the 48K's ladder, build.py, where it fits: docs/spectrum.md,
; "Attention's scores through the squares table", "Twentieth round: the fast scores in the 48K's
; options") takes a
; head's scores through matvec's squares table when every q is in -3967..3968 (section at
; at_fast_prepare below): four table reads a dimension, each key's sums kept
; by forward.s as the key enters the cache (at_key_sums, input at_sums).
; T-states (python benchmarks/z80_kernels.py --fast-scores; q, k, v random in
; -2048..2047): 24,783 for one position, 96,177 for 20 since the twenty-eighth round's zxscores48b (the keys' loop
; starts the bit-0 sum with X's bytes 0 and 1: 8 T-states a key fewer; 24,793 and 96,346 measured before it, 24,782 and
; 96,427 said here) (25,318 and 177,220
; without the option; 25,133 and 101,889 before the twenty-first round's keys' loop without
; at_sum40, ~KS read through BC, the cache's flipped keys and the dims' S(wh + qh) in A; 25,513 and 102,272 before the sixteenth round's at_fast_prepare without a
; range check a piece, docs/spectrum.md, "Sixteenth round: the scores' setup and key sums"; the dims narrow while every key's and q's high byte allows (their fourth
; square's high plane dropped), since the fifteenth round: its random heads switch modes, at_dims_toggle;
; 24,804 and 103,036 before it, docs/spectrum.md, "the dims' narrow mode"; 24,857 and 103,879 before the fifteenth round's jp nc in the dims
; and the keys' sums pointer in BC, docs/spectrum.md, "the weights' squares";
; 25,021 and 113,384 before the fifteenth round's keys' loop
; in one piece, the dims in the other set and the weights' exp_lut by its low byte,
; docs/spectrum.md, "Fifteenth round"; 25,000 and 114,921 before the fourteenth round's weights'
; loop walked the scores with SP (@weight, the option's own); 25,756 and 117,178 before
; at_fast_prepare's pieces were unrolled, 25,063 and 116,485 before f came
; straight from the registers (@fast_shift) and the weights' sum in them); at_key_sums 7,953 for a position's 4 heads
; (7,329 before the twenty-first round's flip of each key word, ~KS and E' counting; 7,393 before the twentieth round's KS store in the other set; 8,481 before the sixteenth round's
; narrow S(wh) from one plane, 7,809 before it kept at_wide_keys). It
; takes 1,427 bytes more here (the dims 440, their run and total 39,
; at_fast_prepare 677 (159 before its pieces were unrolled), at_key_sums 139,
; the head's fast loop 98 and its entry 22, variables 12; since the fifteenth
; round the dims 408 (424 with jp nc) and the keys' loop around them 224, at_fast_prepare 680,
; the run gone; with the narrow dims at_fast_prepare 733 (its way out, at_fast_too_wide, 5
; after the means' table), at_key_sums 150, at_dims_toggle 37; since the sixteenth round
; at_fast_prepare 620 and its ways out at_fast_too_wide and at_fast_wide_q 36 and at_dims_h4 21,
; all before the table, at_key_sums 170, at_ncq's 4 gone), 61 in forward.s and
; the key sums' 640. (The unrolled pieces took the 128K player's free bytes
; from 3,901 to 3,558: python -m soulterm build --machine zx128; the means
; table's page alignment took part of them back.)
; With the 48K's options (twentieth round): AT_TABLE_MEANS's weights' loop (the fast one's max
; patched in, the exp table in a page, left out: the short exp table stays), the old dot's
; four bytes' add as the fallback, and for room AT_FAST_PREPARE_LOOP (at_fast_prepare's pieces in
; a loop through IX, H4 patched and q's range checked with them: 498 bytes fewer) and AT_FAST_SMALL
; (jr nc for jp nc in the dims and at_key_sums, max f in at_max in the keys' loop: 40 fewer): 983
; bytes more than the 48K's attention.s (1,525 unrolled), forward.s 40 (fw_sums_at) and the key sums'
; 640 where the build places them (KEY_SUMS_48K); attend_head 15,724 for one position and 79,889 for 20 since
; zxscores48b against 15,501 and 160,601 with the 48K's old dot (15,731 and 80,053 measured before it); earlier
; 15,884 for one position and 83,454 for
; 20 against 15,654 and 164,002 with the 48K's old dot (python benchmarks/z80_kernels.py
; --fast-scores: q, k in -2048..2047, v in -256..255; 16,200 and 89,265, 15,614 and 164,197 before
; the twenty-first round: docs/spectrum.md, "Twenty-first round: the 48K's scores", at_key_sums
; 8,136 for a position's 4 heads in the 48K's form).
;
; Since the twentieth round's zxbytes48 the 48K takes back those cuts where it has the bytes
; (build.py's FAST_TAKEBACKS_48K, in order of the T-states a byte each buys on "hello" in the
; player's program; docs/spectrum.md, "Twentieth round: the 48K's bytes, spent"): AT_FAST_SUMS_JP
; (3 bytes, 328 T-states a position), AT_FAST_DIMS_JP (16, 883), AT_FAST_RANGE_APART (at_fast_wide_q
; again: 25, 1,238), AT_FAST_H4_APART (at_dims_h4 again: 21, 904), AT_FAST_PIECE_PAIRS (the pieces'
; loop two a pass: 67, 1,074) and AT_FAST_MAX_PATCHED (21, 46): 153 bytes, 4,473 T-states a position.
;
; AT_PLANE_SCORES (an assembler option instead of AT_FAST_SCORES, the 128K player's since
; the sixteenth round: docs/spectrum.md, "Sixteenth round: the scores by bit planes, in the
; 128K player") takes a head's scores from each key's 12 bit planes of k + 2048 (pl_store,
; as the key enters the cache: forward.s keeps them in kv_planes) and two tables of q's
; subset sums (pl_prepare): two table reads a plane, R = (R >> 1) + P_b (section at
; pl_prepare below); a key whose words all lie in -1024..1023 is 11 planes of k + 1024 and a
; mark, one plane fewer (the seventeenth round); a head with a q the planes cannot hold (its
; positive words summing to 16,384 or more, or its negative ones below -16,384), or while a
; key beyond -2048..2047 is in the cache (at_wide_planes), takes the old dot. T-states (python
; benchmarks/z80_kernels.py --plane-scores; q, k in -2048..2047, v in -256..255, with
; AT_FAST_MEANS): 9,931 for one position, 46,999 for 20 since the thirty-fourth round's f stored from A (11
; planes 9,840 and 49,344); 9,928 and 47,051 since the twenty-ninth round's zxdiv128 (the
; means' division below; 11 planes 9,837 and 49,394); 10,152 and 47,258 since its exp_lut at its
; page's byte 128 (zxatt128c, AT_EXP_AT_INDEX: the weights' loop reads a weight at L, 15 T-states
; fewer a weight above 0; 10,167 and 47,286 before it; 10,211 and 47,540 measured on main before the
; twenty-eighth round's zxatt128: a key's last planes kept complemented and subtracted, no -sum q added a
; key, the score's place in B and the weights' one test of max - f >= 128; the figures here then said
; 10,236 and 47,565; 13,581 and 76,221 with
; AT_FAST_SCORES; 10,275, 47,602, 13,621 and 76,258 before the nineteenth round's negative
; means started in the N chain; 10,507 and 52,242 before the eighteenth round's pl_keys left q.k's low bits
; out (the TUI's probe computes q.k: docs/spectrum.md, "Eighteenth round: the raw q.k off the
; scores' loop"); 10,759 and 55,150 before the eighteenth round's dimension-major value cache
; (zxvdim), 11,253 and 58,662 before the eighteenth round's pl_keys with R in C:A, the
; max in IX and no at_row, and pl_prepare falling into it, 11,469 and 58,829 before the
; seventeenth round); pl_store 10,202 for a position's 4 heads (10,302 before the eighteenth
; round's inc l, 9,896 before the seventeenth; 10,992 with a plane of both groups a pass in a
; loop, 384 bytes fewer; 10,314 since zxatt128's complemented planes 10 and 11, 10,202 before); with k in -1024..1023
; (11 planes) 10,045 and 49,605 (10,060 and 49,696 before zxatt128c; 10,134 and 50,678 before zxatt128, pl_store 8,978 and 8,922; 10,159 and 50,703 said
; here before it; 10,204 and 50,751 before the nineteenth
; round's division, 10,389 and
; 54,451 before the low bits left out, 10,641 and 57,679 before the dimension-major value cache), pl_store 8,922
; (11,131, 61,116 and 9,010 before the eighteenth round; 11,493, 64,208 and 9,896 before the
; seventeenth). Bytes (the 128K player's map; zxatt128: pl_prepare 8 fewer, pl_keys 336 (352 before), pl_store
; 8 more): pl_prepare 363 with its wide q's way
; pl_wide_q (397 before the eighteenth round, 323 before the seventeenth round's wide q),
; pl_keys 352 (402 before the low bits left out, 466, 456), pl_store with the tables' alignment
; 641 (its code 613; 623 on the build before the low bits left out, 646, 601; 621 since zxatt128,
; the alignment gone since zxatt128c), the tables 64 (with AT_FAST_MEANS since zxatt128c in the
; room before exp_lut, with at_zero_weight), the head's entry 20 (20), variables 5 (9, 10).
;
; AT_FAST_MEANS (with AT_FAST_SCORES or AT_PLANE_SCORES, in the 128K player: docs/spectrum.md,
; "Fourteenth round") takes each dimension's weighted sum through a squares
; table of its own when the dimension's v are all in -256..255 (at_fast_dimension
; below: two reads a byte plane a position, no multiply; a weight of 0 skips
; its position) and divides in 8 unrolled non-restoring rounds (the mean lies in -256..255;
; 22 bytes fewer since the fourteenth round's carry-chain rounds);
; a dimension with a wider v runs the product loop, and so do the head's
; dimensions after it. T-states (python benchmarks/z80_kernels.py --fast-scores;
; q, k in -2048..2047, v in -256..255): 14,311 for one position, 76,943 for 20
; (14,353 and 76,975 before the nineteenth round's negative means started in the N chain,
; no n + 256 M added: docs/spectrum.md, "Nineteenth round: the means' division"; 14,605 and 79,947 before the eighteenth round's dimension-major value cache, each
; dimension's positions popped in order: docs/spectrum.md, "Eighteenth round: the value
; cache dimension-major"; 14,652 and 80,442 before the sixteenth round's scores' setup, 15,084 and 81,840 with it alone; 14,664 and 80,451 before its dec c for a negative mean's high byte;
; 14,769 and 80,548 before the sixteenth round's at_fast_store before the table, on from
; the N chain; 14,797 and 80,576 before its sum started in at_fast_store's set;
; 14,797 and 81,888 before its weight of 0 read before v, at_fast_zero;
; 15,132 and 82,334 before its interleaved table planes, add iy,bc for the
; vh = -1 weights, the doubled sum divided by 2 lut_sum and a negative one by way of n + 256 M:
; docs/spectrum.md, "Sixteenth round: the fast means";
; 15,180 and 82,382 before at_dst was at_fast_store's patched operand; 14,195 and 83,741 before
; the fifteenth round's narrow dims; 14,304 and 86,397 before the fifteenth round's sum of S(w) in the weights' loop and
; the scores' jp nc and keys' sums in BC; 14,894 and 86,987 before the fifteenth round's dimensions started from SP's walk and
; counted in IXL; 15,058 and 96,489 before its scores; 15,154 and 96,585 before at_fast_negative and at_fast_wide moved before
; at_fast_dimension, whose setup then runs into its loop; 15,365 and 96,796 before at_fast_store, the fast dimensions' own store, put SP
; back once a head; 15,493 and 96,924 before the halved sum was taken from D:H:L in place, its
; low byte kept in E; 15,693 and 97,124 before the division ran in the sum's set, no push, exx and
; pop; 16,090 and 97,539 before the division's rounds ran non-restoring in two
; chains, 58 bytes more, and at_weight_squares moved after the table to keep
; them in its page alignment; 16,109 and 97,650 before the vh = -1 positions ran their own copy of the
; position's sum, with their rare carry into IYH the branch taken: 32 bytes more,
; into the table's page alignment; 16,057 and 109,153 before the walk went down the positions with E counting,
; a weight of 0 skipped before v's check, the vh = -1 weights summed in IY and
; the head's sum of S(w), count and SP patched in;
; 17,387 and 111,996 before the fourteenth round's at_fast_prepare, @fast_shift
; and weights' sum, 16,631 and 109,739 before its division's rounds kept the
; quotient's complement in A's carry chain; 19,731 and 99,688 with AT_FAST_SCORES alone (19,786 and
; 100,519 before the scores' jp nc and keys' sums in BC, 19,950 and 110,021 before the fifteenth round): these random scores give mostly
; weights of 0, which the product loop skips too; the shipped soul's seldom are).
; 1,483 bytes more in the 128K player (the table 1,024 and its page alignment
; 158 there, the code and variables 289, the head's patch 12), before the
; fourteenth round's walk down (at_count and at_lut after the table, so
; that at_lut opens at a page's byte 1; at_sw patched in instead) and the
; option's weights' loop: attend_head to the table's alignment 2,152 -> 2,182
; bytes (less at_count, at_lut and at_sw's 24), into that alignment (64 bytes
; of it left 55), the 128K's free bytes 3,302 -> 3,281. The sixteenth round's steps took 22
; bytes off the code before the table (at_fast_dimension@n_rounds_end $A7FC -> $A7E6 in the
; 128K's map), at_fast_zero 12 back ($A7F2), into its page alignment, and at_fast_store moved
; into it ($A7E9 to $A7FF: one byte of the alignment left): the 128K's free bytes 2,661 -> 2,683,
; 94 of them after the code behind the table, below $C000 (72 before). The eighteenth
; round's walk in order took 17 bytes off the code before the table (at_fast_store $A4CF ->
; $A4BE in the 128K's map: 44 bytes of its page alignment left) and 3 off at_weight_squares;
; forward.s's store of v through kv_values_scatter takes 78 (the 128K's free bytes 2,532 -> 2,477).
; The nineteenth round's N chain round 0 (the negative means') took 7 bytes of the table's page
; alignment (at_fast_store $A4DE -> $A4E5: 5 bytes of it left; the 128K's free bytes as before).
;
; AT_KEPT_MEANS (with AT_FAST_MEANS, the 128K player's first rung since the twentieth round:
; docs/spectrum.md, "Twentieth round: the means' kept S(vl)") walks a head's dimensions off each
; one's sum of S(vl) over the cache, kept by forward.s as v enters it (kv_values_kept, in
; kv_kept_sums), reading S(w - vl) alone a position (at_kept_dimension, below), where the head's
; weights of 0 are under half its positions (a third before the twenty-ninth round; a weight of 0
; is read there like any other);
; other heads take at_fast_dimension's walk. T-states (python benchmarks/z80_kernels.py
; --kept-means, AT_PLANE_SCORES; q, k in -300..300, most weights above 0): 10,373 for one
; position, 58,013 for 20 with zxatt128's planes and weights (10,447 and 59,075 before; 10,407 and 59,663 before the twenty-sixth round's zxproj128 put the
; borrow into the top byte out of line, at_kept_borrow: 5 T-states fewer a position without one,
; 5 more with one and 10 more a dimension whose last position borrows; 10,134 and 67,817 without
; it; 10,446 and 60,659 before the twentieth
; round's zxkept2 walked a dimension in one register set, S(w - vl)'s page by a branch on the
; borrow, at_kept in the walk's operand); q, k in -2048..2047 (most weights 0: the head keeps
; at_fast_dimension's walk and pays the count of its zeros) 10,498 and 70,448 since zxatt128 (10,542 and
; 70,657 measured before it, 10,502 said here; 10,229 and 70,453;
; 10,541 and 71,084 before zxkept2's at_zero_weight stored and counted a weight of 0 itself, 25
; T-states fewer each; 10,542 and 70,657 with at_kept_borrow). Bytes (the 128K's map): after the
; table at_kept_dimension 80 (82 before at_kept_borrow), its negative, below-zero, wide and borrow
; ways 39 (32), at_kept_head 29 (36 before zxkept2), at_zero_weight and
; its variable 18 (11 with at_kept before zxkept2), at_weight_squares
; 29 more (the choice, and the count kept from the head before): pl_prepare 193 bytes on; @far 1
; fewer before the table (at $A700 as before); forward.s 355 more (kv_values_kept 327, fw_attend's
; at_kept 25), records128.s 48 (record_kept; since zxkept2 forward.s's kv_values_kept_record, 14). at_weight_squares patches the walks' count and first
; row only when the count differs from the head before's (both rungs: ~140 T-states a position).
; Since the twenty-ninth round (zxatt128c) the kept sums are of S(v), read at AT_SQ_PAGE + 2 vh
; (kv_values_kept: 5,129 T-states a layer at a later position, 9,745 at position 0, 5,752 at
; position 1, 18 a word more; 355 bytes, 30 more), so that a v < 0 costs the walk no sum of its
; weight (IY) and a dimension no 512 IY off its sum: ~110 T-states a position with v < 0 (137
; before), ~45 fewer a dimension; w + |v| >= 256 (a v < 0 beside a weight near 255) takes
; at_kept_far (S(w - v) = S(w - vl) + 512 (w - vl) + 65536, ~80 more); w - v below 0 with v >= 0
; is the walk's own path, above it at_kept_above's (~3 in 4 below on the shipped soul); a head
; takes the walk where its weights of 0 are under half its positions (a third before). T-states
; (--kept-means): 10,248 and 59,124 with most weights above 0 (these v, uniform in -256..255
; beside weights near 255, take at_kept_far ~1 position in 3; the shipped soul's ~1 in 19),
; 10,373 and 70,400 with most weights 0. Bytes: the walk's ways after the table 162 (119),
; at_kept_head 25, at_weight_squares 67 (69).
; The means' division (twenty-ninth round, zxdiv128: docs/spectrum.md, "the 128K's means'
; divisions"): -M in DE for the P chain's add hl,de, M in BC for the N chain's add hl,bc, each
; round's carry its quotient bit (no ccf, no cpl: 4 T-states a round fewer), jr between the
; chains (7 untaken, 12 taken), n's sign in the carry (rla of its top byte: jr c, and the first
; rla's carry in, out of the last as the store's sbc a,a high byte: no C), the first round falling
; through on its usual bit (at_fast_negative_rounds after the store), and the kept walk's store
; through HL' (at_kept_head loads out's pointer, at_fast_store's first bytes patched: 18 fewer a
; dimension). T-states: --kept-means 9,893 and 58,744 with most weights above 0 (10,248 and
; 59,124 before), 10,018 and 70,291 with most weights 0 (10,373 and 70,400); --plane-scores
; 9,928 and 47,051 (10,152 and 47,258), 11 planes 9,837 and 49,394 (10,045 and 49,605);
; --fast-scores with AT_FAST_MEANS 13,743 and 71,017 (13,940 and 71,220 measured before). Bytes:
; the division 105 (138), its stores 37 (20), attend_head's patch of -M 9 more, at_kept_wide's
; and at_kept_head's HL' 10 more after the table (the 128K's map: fw_h $B228 -> $B232).
; AT_PAGED_VALUES (with AT_KEPT_MEANS, the 128K player's since the thirty-first round, zxvpage31:
; docs/spectrum.md, "Thirty-first round: the paged value cache"): the value cache keeps each v's high
; byte as P = AT_SQ_PAGE - rlca(vh + 1) (forward.s's kv_kept_store_words), AT_SQ_PAGE - 2 for vh = 0
; and AT_SQ_PAGE for vh = -1: the page of S(w - v) where w - vl borrows, so that the kept walk runs
; no sign dispatch and loads no page there (`pop hl / sub l / jr nc / ld l,a`); w - vl of 0 or more
; goes out of line (at_kept_no_borrow: P's bit 1 tells vh, two pages up for v >= 0, at_kept_far for
; v < 0). A head with a v beyond -256..255 has bit 7 of its first kept sum's top byte set (forward.s's
; kv_wide_check, from the store's X's or-ed): at_weight_squares sends it to the fast walk with its
; dispatch on P whole (at_fast_checked, the product loop for the wide v's dimension, vh decoded as
; rrca(AT_SQ_PAGE - P) - 1, and since the thirty-second round, zxlong32, the fast walk again for the
; head's next dimension: attend_head@dimensions_left, 2 bytes fewer), others dispatch on P's bit 1 (at_paged_negative_jr: jr nz or jr z by the
; table's page). T-states (--kept-means): 9,961 and 56,965 with most weights above 0 (9,893 and 58,744
; unpaged, --unpaged), 10,086 and 70,448 with most weights 0 (10,018 and 70,291): the head's mark read
; and the dispatch set ~70 a head, the kept walk 29 fewer a position with v >= 0 below zero, 23 fewer
; with v < 0, 6 fewer above zero, the fast walk's 4 fewer a v >= 0 and 11 more a v < 0. Bytes (the
; 128K's map): the kept walk's ways after the table 72 (97), at_kept_dimension 62 (70), at_weight_squares
; 86 (67), at_fast_checked 22 and at_fast_negative's ld b,0 2 before the table, the product loop's
; decode 5; forward.s's kv_values_kept 345 (355), kv_wide_check 50, record_values_gather 22.
; AT_KEPT_MARKED (thirty-second round, zxwalk32: the 128K's, in MV_COARSE_UNCALLED's room): kv_wide_check
; marks each wide dimension too (bit 6 of its own kept top byte), and a marked head whose weights of 0 are
; under half its positions walks its other dimensions on the kept walk (at_kept_marked_dimension: the
; marks masked: 169 T-states a dimension's start against at_kept_dimension's 96), its marked ones on the
; fast walk with P tested whole, then back (at_kept_marked_back: 373 a wide dimension's way there and back,
; counted). "how do you feel" -5,972 a reply step, "are you a robot" -5,671. Bytes: at_kept_marked..at_kept_marked_back 154,
; at_weight_squares 3 more, kv_wide_check 6 more.
; AT_SHORT_SCORES (thirty-third round, zxwalk33: the 128K's): pl_keys keeps each f as a word in pl_scores, in
; pl_tables' page (H stays at it for a key's table reads and its score's store), and its heads take
; at_short_weights (one pop a key, max f + 128 - f tested in 16 bits); the old dot's heads keep at_scores' four
; bytes and attend_head's loop. 65 T-states a key fewer (pl_keys 48, the weights' loop 17; 2 more a weight above
; 0 by its jp nc): "hello" 1,314,332 -> 1,310,715 a reply step, "do you like music" 1,558,778 -> 1,550,575.
; Bytes (the 128K's map): at_short_weights 97, pl_tables and pl_scores 104 after it (18 of alignment), pl_keys
; 10 fewer, at_kept_head (30) in pl_tables' old room before exp_lut: 176 fewer free below $C000. Since
; zxwalk33b (thirty-third round) the last key's score ends at the page's end (pl_scores_end), key 0's 2 count
; before it, so that pl_keys' keys end on the last store's `inc l` (L wraps to 0): no `ld a,l / cp n`, 11
; T-states a key; pl_wide_q's held way (pl_wide_held_code, cold) fills the room between the tables and the
; scores. "do you like music" 1,544,238 -> 1,542,994 a reply step; 2 bytes more free below $C000.
; AT_KEPT_PAIRS (thirty-third round, zxwalk33: the 128K's, with AT_PAGED_VALUES): the kept walk two positions a
; pass, the first (E even) with no test of E after it and its own copies of the ways out of line
; (at_kept_borrow_even, at_kept_no_borrow_even, at_kept_far_even, on to the second), the second with the
; loop's; a head of an odd count enters at the second (@pair_entry: a jr, or `cp n` for an even count, that
; at_weight_squares patches where the count changes): 10 T-states a pair's first position that stays in line,
; 7 or 12 a dimension's entry. "do you like music" -1,847 a reply step, "hello" -536. Bytes: the walk 18 more,
; the copies 66, at_weight_squares 11 (96 fewer free below $C000).
; AT_SQUARES_BY_INDEX (thirty-third round, zxsmall33: the 128K's, with AT_SHORT_SCORES): at_short_weights reads
; S(w) at the weight's index L = 128 + d from at_sq_index's two upper halves (the player's at $BE80 and $BF80)
; with no `ld l,a` and no `ld a,l`: 8 T-states a weight above 0, "hello" 1,282,698 -> 1,282,310 a reply step,
; "good afternoon" 1,500,938 -> 1,500,290. Bytes: at_short_weights 2 fewer (95), the table 256 below $C000 (its gap,
; a page's lower half between the halves, left free).
; AT_KEPT_EVERY_HEAD (thirty-fourth round, zxwalk34: the 128K's, with AT_KEPT_MARKED) - every head on the kept
; walk, whatever its weights of 0: at_weight_squares sends a marked head (a v beyond -256..255) to at_kept_marked
; and every other to at_kept_head, and no weight of 0 is counted (at_short_weights' and at_zero_weight's `inc (hl)`
; on at_zeros left out, 21 T-states each; at_zeros not assembled). The kept walk costs ~82 T-states a position
; whatever its weight, the fast walk ~174 a weight above 0 and ~47 a weight of 0 (counted from the code): the kept
; one pays until ~3 in 4 weights are 0, and the count of them costs more than the heads past that gain (counted on
; the eighty prompts: docs/spectrum.md, "Thirty-fourth round"). The fast walk runs only for a marked head's wide
; dimensions now. "hello" 1,282,108 -> 1,281,308 a reply step, "do you like music" 1,519,861 -> 1,516,136, every
; prompt of the eighty cheaper (by 398..9,922). Bytes: at_weight_squares 36 fewer, at_zero_weight 4 and
; at_short_weights' zero 4 fewer, at_zeros 1: in pl_tables' page, whose alignment before pl_scores takes them (the
; 128K's free count unchanged). at_short_weights' index max f + 128 - f is made a byte at a time since this round
; (ld a,n / sub e / ld l,a / ld a,n / sbc a,d, no `or a`): 7 T-states a key fewer, 4 bytes more.
; AT_KEPT_DIVISION (thirty-fourth round, zxdiv34: the 128K's, with AT_KEPT_EVERY_HEAD) - each kept dimension's
; set-up, division and store without a jump between them: a copy of AT_FAST_DIVISION's rounds on from
; at_kept_dimension's last position (10 T-states a dimension), each chain's end its own store (the P chain's jp to
; at_fast_store gone), out's pointer in HL' stepped by inc l (forward.s asserts fw_att within a page), the kept
; sums' pointer in DE' (the store reads the next dimension's first byte in its exx, inc e: no ld hl,nn / ld (nn),hl
; a dimension), the dimensions counted in B' (dec b in that exx, not dec ixl), M patched into the copy by the
; weights' end (at_kept_marked copies it into at_fast_dimension's), no AT_STORE_KEPT patch a head. "hello"
; 1,262,742 -> 1,260,590 a reply step. Bytes: ~150 in the kept walk's region (pl_tables 32 bytes on in its page);
; keptmarked.s (at_kept_marked_dimension and the fast walk's ways back, 117 bytes) moves with it into the player's
; room below $C000 (AT_KEPT_MARKED_APART); the 128K's free count unchanged.
; at_short_weights' index (thirty-seventh round, zx128heads37: the 128K's): max f + 128 in main BC, free in the
; weights' loop, not two operands patched a head: `ld a,c` and `ld a,b` for `ld a,n` twice, 6 T-states a key and
; 26 a head fewer, 8 bytes (the alignment before pl_scores takes them: the 128K's free count unchanged).
; AT_KEPT_MEANS with AT_TABLE_MEANS (AT_KEPT_TABLE, the 48K's form, twenty-first round: not in the
; 48K player: its code 481 bytes more than the shipped 48K has, 24 free, and its kept sums 192 bytes,
; 128 free in the screen's third; python benchmarks/zx48_kept_means.py, docs/spectrum.md "Twenty-first round: the
; 48K's means by the kept walk"): the table means' weights' loop, every head on the kept walk
; through matvec's squares (at_kept_dimension after at_means_divide: three tails, one a page of
; w - vl + $7F), at_fast_dimension's division and at_fast_store, the value cache dimension-major,
; a wide v to vecops.s's at_wide_dimension; "hello" on the kernels' bench 1,729,644 -> 1,717,103
; T-states a position (python benchmarks/zx48_kept_means.py --turns).

AT_HEAD_DIM     = 8
AT_STRIDE       = 64            ; bytes from one position's head to the next (4 heads x 8 words)
AT_MAX_POSITIONS = 20
.ifdef AT_FAST_MEANS
; With AT_FAST_MEANS (the 128K's, eighteenth round) the value cache is dimension-major, so
; that the means' walk pops a dimension's positions in order instead of stepping SP back a
; stride: a layer's 32 dimensions (head * 8 + d) AT_DIMENSION_BYTES apart, each holding its
; 20 positions' words the last first, v[j][d] at at_values + d * AT_DIMENSION_BYTES + 2 (19 - j)
; (at_values: the head's dimension 0). forward.s stores a position through kv_values_scatter.
AT_VALUES_BY_DIMENSION = 1
AT_DIMENSION_BYTES = 2 * AT_MAX_POSITIONS
AT_FAST_DIVISION = 1            ; (at_fast_dimension's division and at_fast_store)
.endif
.ifdef AT_TABLE_MEANS
.ifdef AT_KEPT_MEANS
; AT_KEPT_MEANS with AT_TABLE_MEANS (the 48K's form, twenty-first round, not in the 48K player:
; no room): the table means' weights' loop, then each dimension walked off its kept sum of S(vl)
; through matvec's squares (at_kept_dimension, after at_means_divide), divided and stored by
; at_fast_dimension's division and at_fast_store, the value cache dimension-major as the 128K's
AT_KEPT_TABLE   = 1
AT_FAST_DIVISION = 1
AT_VALUES_BY_DIMENSION = 1
AT_DIMENSION_BYTES = 2 * AT_MAX_POSITIONS
.endif
.ifdef AT_TABLE_BY_DIMENSION
; AT_TABLE_BY_DIMENSION (thirty-fifth round, zx48kept35: the 48K's, a spend of build.py's ladder) - the table
; means over a dimension-major value cache, its positions in order: v[j][d] at at_values + d *
; AT_DIMENSION_BYTES + 2 j, so that the walk pops a dimension's positions with no stride (SP stepped
; AT_STRIDE - 2 on after each pop: 27 T-states a position-dimension of a nonzero weight, 17 of a 0). forward.s
; stores a position through kv_values_scatter (from z's room, fw_ffn: the 48K's fw_att lies on planes.s's
; tables), soulplayer.s keeps layer 0's SEP values while the word list is unpacked over the cache. AT_STRIDE
; stays the keys' (and the TUI's); the values' is AT_VALUE_STRIDE.
.ifdef AT_KEPT_MEANS
        .assert 0, "AT_TABLE_BY_DIMENSION is the table walk's, not AT_KEPT_MEANS's (its values the last first)"
.endif
AT_VALUES_BY_DIMENSION = 1
AT_VALUES_ASCENDING = 1         ; (v[j][d] at d * AT_DIMENSION_BYTES + 2 j: kernelbench reads them so)
AT_DIMENSION_BYTES = 2 * AT_MAX_POSITIONS
.endif
.endif
.ifdef AT_MEANS_CHAINS
.ifndef AT_TABLE_MEANS
        .assert 0, "AT_MEANS_CHAINS is the table means' division (AT_TABLE_MEANS)"
.endif
.ifdef AT_KEPT_MEANS
        .assert 0, "AT_MEANS_CHAINS is the table walk's division, not AT_KEPT_MEANS's"
.endif
.endif
.ifdef AT_ZEROS_UNCOUNTED
; AT_ZEROS_UNCOUNTED (thirty-eighth round, zx48walk38: the 48K's) - the table walk's count is the head's nonzero
; weights: the weights' loop's @far counts each weight of 0 off the count it stores (`ld hl / dec (hl)`, 21 T-states a
; key and head of weight 0), so that the walk's @zero pops v past with no count of its own (`jp @position`: 12
; T-states a position-dimension fewer) and ends on the last nonzero weight, its trailing 0s not walked (62 each);
; 1 byte fewer. vecops.s's at_leading_zeros patches the product loop's count (at_wide_dimension@positions) instead.
.ifndef AT_TABLE_MEANS
        .assert 0, "AT_ZEROS_UNCOUNTED is the table walk's (AT_TABLE_MEANS)"
.endif
.ifdef AT_KEPT_MEANS
        .assert 0, "AT_ZEROS_UNCOUNTED is the table walk's: the kept walk visits every position"
.endif
.ifndef AT_ONE_OWN_END
        .assert 0, "AT_ZEROS_UNCOUNTED needs AT_ONE_OWN_END (@one would fall into @zero's uncounted end)"
.endif
.endif
.ifdef AT_GENERATED_WALK
; AT_GENERATED_WALK (thirty-ninth round, zx48genwalk39: the 48K's) - the table walk generated once a head as straight
; code in the page at_walk_code (the 48K's: a page of the screen's middle third, dead while the heads run) and
; run in each of its 8 dimensions with no dispatch: `pop hl` for a weight of 0 (10 T-states a position-dimension for
; @zero's 50), a weight of 1's 2 v in line (no dispatch and no count: 51 fewer), a run of weights of 2 or more one stub
; `ld a,w / ld de,next / jp @run_first` and the run's other weights a byte each, then a 0 (zx48walkruns39b: the way
; @run_read reads them, 29 a position-dimension with the dispatch's exx for the stub's 43, and ends on the 0 with `ex
; de,hl / jp (hl)`: SP walks v, no call could come back); the code ends on the last nonzero weight (AT_ZEROS_UNCOUNTED's
; count) with `jp @positions_done`; with AT_SKIP_LEADING_ZEROS it starts at the first (vecops.s's at_leading_zeros
; comes on to @make_walk). Writing it costs ~56 T-states a weight of 0, ~200 a weight of 1, ~161 a run's first weight
; of 2 or more, ~59 each of its others and ~45 its end, once a head.
.ifndef AT_ZEROS_UNCOUNTED
        .assert 0, "AT_GENERATED_WALK writes the nonzero weights AT_ZEROS_UNCOUNTED counts"
.endif
.ifndef AT_TABLE_BY_DIMENSION
        .assert 0, "AT_GENERATED_WALK's pops walk a dimension-major cache (AT_TABLE_BY_DIMENSION)"
.endif
AT_ONE_BYTES = 11                       ; (a weight of 1's code: exx / pop bc / sla c / rl b / sbc a,a / add hl,bc /
                                        ; adc a,d / ld d,a / exx, as @one's)
        .assert (at_walk_code & 255) == 0 && AT_MAX_POSITIONS * AT_ONE_BYTES + 5 <= 256, "the generated walk: one page"
.endif
.ifdef AT_TABLE_BY_DIMENSION            ; bytes from v[j][d] to v[j + 1][d]: the table means' and vecops.s's
AT_VALUE_STRIDE = 2                     ; (at_leading_zeros, at_wide_dimension)
.else
AT_VALUE_STRIDE = AT_STRIDE
.endif
AT_SCORE_SHIFT  = 14            ; spec.SCORE_SHIFT
AT_NO_MAX       = $FFE0         ; the high word of the max's starting value, -2^21 (f - max fits 24 bits)

.ifdef AT_FAST_SCORES
AT_KEYS_BY_SP   = 1             ; a head runs with interrupts off (SP walks the keys or planes, IY is free)
; The 48K's cuts for room (AT_FAST_PREPARE_LOOP, AT_FAST_SMALL), each of which an option takes
; back where the 48K has the bytes (build.py's FAST_TAKEBACKS_48K, twentieth round): AT_FAST_LOOP_H4
; (H4 in the pieces' loop), AT_FAST_LOOP_RANGE (q's range a piece), AT_FAST_DIMS_JR, AT_FAST_SUMS_JR
; and AT_FAST_MAX_KEPT (max f in at_max) as each option says.
.ifdef AT_FAST_PREPARE_LOOP
.ifndef AT_FAST_H4_APART                ; (at_dims_h4 patches a full head's H4: ~21 bytes, a head's 8 stores fewer)
AT_FAST_LOOP_H4 = 1
.endif
.ifndef AT_FAST_RANGE_APART             ; (at_fast_wide_q checks a head whose pieces are not narrow)
AT_FAST_LOOP_RANGE = 1
.endif
.endif
.ifdef AT_FAST_SMALL
.ifndef AT_FAST_DIMS_JP                 ; (the dims' two carry tests a jp nc: 16 bytes, 2 T-states each fewer)
AT_FAST_DIMS_JR = 1
.endif
.ifndef AT_FAST_SUMS_JP                 ; (at_key_sums's three jumps jp: 3 bytes)
AT_FAST_SUMS_JR = 1
.endif
.ifndef AT_FAST_MAX_PATCHED             ; (max f patched into the keys' loop's compare)
AT_FAST_MAX_KEPT = 1
.endif
.endif
.endif
.ifdef AT_PLANE_SCORES
.ifdef AT_FAST_SCORES
        .assert 0, "AT_PLANE_SCORES is the scores without AT_FAST_SCORES"
.endif
AT_KEYS_BY_SP   = 1
.endif
.ifdef AT_PLANE_SCORES                  ; (twenty-ninth round, zxatt128c: exp_lut at its page's byte
.ifdef AT_FAST_MEANS                    ; AT_WEIGHT_INDEX, after the means' table, pl_tables and
AT_EXP_AT_INDEX = 1                     ; at_zero_weight before it: the weights' loop reads it at L)
.endif
.endif

        .macro pl_tables_space          ; the head's tables of q's subset sums (pl_prepare's, pl_keys'):
pl_tables:      .res 64         ; T_lo's words at 0..31, T_hi's at 32..63, in one page, 32-aligned
        .endmacro                       ; (each table's T[0] stays 0: pl_group_tables never writes it)
; SCRATCH_VARIABLES (the 48K player's, thirty-seventh round, zx48room37: build.py's SCRATCH_VARIABLES_48K, the ROM
; calculator's MEMBOT, free while the player runs): attention's pointers, at_count, the head's variables, at_fast_sp and
; pl_planes lie there, off the tape (each written before it is read in every call: no state from turn to turn), its
; first AT_SCRATCH_BYTES; matvec.s's mv_w and mv_x after them.
.ifdef SCRATCH_VARIABLES
AT_SCRATCH_BYTES = 26
.endif
        .macro at_plane_variables       ; here, or after the means' table (the code before it keeps its page)
.ifdef SCRATCH_VARIABLES
at_fast_sp      = SCRATCH_VARIABLES + 22 ; attend_head's SP while SP walks the planes, the scores or v
pl_planes       = SCRATCH_VARIABLES + 24 ; the head's planes at position 0 (the program sets it, as at_keys)
.else
at_fast_sp:     .word 0         ; attend_head's SP while SP walks the planes, the scores or v
pl_planes:      .word 0         ; the head's planes at position 0 (the program sets it, as at_keys)
.endif
at_wide_planes: .byte 0         ; not 0 once a key beyond -2048..2047 entered (the program clears it)
        .endmacro
.ifndef AT_FAST_MEANS
.ifdef AT_PLANE_SCORES
        at_plane_variables
.endif
.endif

        .macro at_variables             ; attention's pointers: before the code, or after the means' table
.ifdef SCRATCH_VARIABLES
at_q            = SCRATCH_VARIABLES
at_keys         = SCRATCH_VARIABLES + 2
at_values       = SCRATCH_VARIABLES + 4
at_out          = SCRATCH_VARIABLES + 6
.else
at_q:           .word 0
at_keys:        .word 0
at_values:      .word 0
at_out:         .word 0
.endif
.ifndef AT_FAST_MEANS                   ; (with it: at_fast_store's patched operand)
.ifndef AT_TABLE_MEANS                  ; (with it: attend_head@out's)
at_dst:         .word 0
AT_DST          = at_dst
.endif
.endif
        .endmacro

; AT_EXP_ONES and at_exp_table, the exp table's macro: squares.s (the 48K player places the table after the
; squares: AT_EXP_AFTER_SQUARES).

.ifndef AT_FAST_MEANS                   ; (with it: after the means' squares table,
        at_variables                    ; so that the code before it keeps its page)
.ifdef SCRATCH_VARIABLES
at_count        = SCRATCH_VARIABLES + 8
.else
at_count:       .byte 0
.endif
.ifdef SHORT_FORMS
.ifdef AT_TABLE_MEANS
AT_EXP_FIRST    = 1                     ; (exp_lut before the code: the weights' loop reads it in one page
.ifndef AT_EXP_AFTER_SQUARES            ; where it lies in one, 2 bytes and 8 T-states a near weight fewer;
        at_exp_table                    ; the 48K player's after the squares, squares.s, in one page whatever
.endif                                  ; the code's length)
.endif
.endif
.ifndef AT_LUT_IN_WEIGHTS               ; (the 48K player's: at_lut a row of forward.s's att_weights)
.ifdef AT_FAST_SCORES
        .if (* & 255) + AT_MAX_POSITIONS > 256
        .res 256 - (* & 255)    ; in one page: the fast weights' loop steps it by its low byte
        .endif
.endif
.ifdef AT_TABLE_MEANS
.ifdef AT_KEPT_TABLE
        .if (* & 255) != 1
        .res (257 - (* & 255)) & 255 ; at a page's byte 1: the kept walk counts the positions by E
        .endif
.else
        .if (* & 255) + AT_MAX_POSITIONS > 256
        .res 256 - (* & 255)    ; in one page: the weights' loop and the table means step it by its low byte
        .endif
.endif
.endif
at_lut:         .res AT_MAX_POSITIONS
.endif
.endif
; The scores share matvec's column flags (squares.s): attention runs between
; matrix products, and no matvec_again follows it (proj starts afresh).
at_scores       = mv_flag_list
        .assert rn_vars - mv_flag_list >= 4 * AT_MAX_POSITIONS, "the scores do not fit between matvec's column flags and rmsnorm's variables"
.ifdef MV_PAIR_JPS_KEPT
        .assert mv_run_end - mv_flag_list >= 4 * AT_MAX_POSITIONS, "the scores do not fit between matvec's column flags and its run list"
.endif
.ifdef AT_TABLE_MEANS
AT_SQ_W         = mv_sq_lo + 255 - 128 + 1 ; &S(w - 128 + v) = AT_SQ_W + (w - 1) + v (matvec's S(0): mv_sq_lo + 255)
        .assert (AT_SQ_W & 255) == 0, "attend_head@narrow adds w - 1 and v to AT_SQ_W's high byte only"
        .assert mv_sq_hi - mv_sq_lo == 512, "attend_head@narrow's high planes are 512 bytes on"
.endif
        .macro at_head_variables        ; here, or after the means' table (the code before it keeps its page)
.ifdef SCRATCH_VARIABLES
at_sum40        = SCRATCH_VARIABLES + 9
at_max          = SCRATCH_VARIABLES + 14
at_lut_sum      = SCRATCH_VARIABLES + 18
at_row          = SCRATCH_VARIABLES + 20
        .assert at_row + 2 + 4 == SCRATCH_VARIABLES + AT_SCRATCH_BYTES, "attention's scratch variables (at_fast_sp and pl_planes after at_row, where the planes' scores have them) are not AT_SCRATCH_BYTES"
.else
at_sum40:       .res 5
at_max:         .res 4
at_lut_sum:     .word 0
at_row:         .word 0
.endif
        .endmacro
.ifndef AT_FAST_MEANS
        at_head_variables
.endif

; at_weights_start - the weights' loop's start (both ways to it): SP walks the scores, the
; weights' sum H'L' = 0 (D' = 0) and B'C' = the LUT weight's place, in the other set.
        .macro at_weights_start
        ld sp,at_scores
        exx
        ld hl,0                 ; H'L' = the weights' sum (D' = 0)
        ld d,h
.ifdef AT_LUT_IN_WEIGHTS
        ld bc,(at_means_walk + 1) ; B'C' = the weight's place: the head's row of att_weights (forward.s
                                ; patches it into the means' walk; 1 byte here for 3 there)
.else
        ld bc,at_lut            ; B'C' = the weight's place
.endif
        exx
        .endmacro

.ifdef AT_LUT_IN_WEIGHTS
at_means_walk   = attend_head@lut_means ; (the means' walk, named for the profiles; forward.s patches the head's
                                        ; at_lut into its first operand: the weights' loop, the probes and
                                        ; at_wide_dimension read it at at_means_walk + 1)
.endif

; at_zero_weight_code - at_zero_weight (AT_KEPT_MEANS): attend_head's weights' loop's w = 0 (its
; @far), stored and counted in at_zeros, not added to the weights' sum. With AT_PLANE_SCORES in the
; room below pl_tables' 32-byte alignment before exp_lut (17 bytes), else after at_kept_head.
        .macro at_zero_weight_code
at_zero_weight:
        exx
        xor a                   ; (the carry clear for the next weight's sbc, as add hl,de leaves it)
        ld (bc),a
        inc c                   ; (at_lut lies in one page)
        exx
.ifndef AT_KEPT_EVERY_HEAD              ; (with it no walk is chosen by the count)
        ld hl,at_zeros
        inc (hl)
.endif
        .byte $DD,$2D           ; dec ixl
        jp nz,attend_head@weight
        jp attend_head@weights_end
        .endmacro

; at_kept_head_code - at_kept_head (AT_KEPT_MEANS), at_weight_squares' end for a head that takes at_kept_dimension: its constants
; patched in, the dimensions from it, not from attend_head's @dimension (this call's return dropped).
; With AT_SHORT_SCORES in the room before exp_lut that pl_tables left, else after at_kept_dimension's ways.
        .macro at_kept_head_code
at_kept_head:
        .byte $FD,$7D           ; ld a,iyl: sum_j S(w), the weights' loop's IXH:IY
        ld (at_kept_dimension@squares_low + 1),a
        .byte $FD,$7C           ; ld a,iyh
        ld (at_kept_dimension@squares_mid + 1),a
        .byte $DD,$7C           ; ld a,ixh
        ld (at_kept_dimension@squares_high + 1),a
.ifndef AT_KEPT_DIVISION                ; (with it the kept walk stores through its own copy)
        ld hl,AT_STORE_KEPT     ; (at_fast_store: the store through HL', out's pointer)
        ld (at_fast_store),hl
.endif
        exx
        ld hl,(AT_DST)
.ifdef AT_KEPT_DIVISION
@first_sums:
        ld de,0                 ; (patched: at_kept, by fw_attend) DE' = the kept sums' pointer (AT_KEPT_DIVISION)
AT_KEPT_FIRST_SUMS = @first_sums + 1
        ld a,(de)               ; (the first dimension's first byte, as the store before reads each other's)
        inc e
        ld b,AT_HEAD_DIM        ; B' = the dimensions left, its stores' count
.endif
        exx
        pop hl                  ; (at_weight_squares' return: attend_head's @dimension, which a wide
        jp at_kept_dimension    ; v's at_fast_wide_out patches on for the product loop)
        .endmacro

; at_table_position - the table means' (AT_TABLE_MEANS) position in a dimension: A = w, BC = vl
; (B = 0), the carry clear: S(vl) - S(w - vl) onto D':H':L' (in the other set at its end);
; `negative` (vh = -1, twenty-third round: a copy of its own, no jr back) adds w to N (IY) too.
        .macro at_table_position negative
        ld hl,AT_SQ_0
        sbc hl,bc               ; &S(-vl) = &S(vl)
        .if negative
        ld c,a
        add iy,bc               ; N += w (B = 0; no carry: N <= 20 * 255)
        .endif
        at_table_difference
        .endmacro

; at_table_difference - at_table_position's rest, from HL = &S(vl) (the generated walk's ways share it)
        .macro at_table_difference
        ld b,h
        ld c,l                  ; BC = &S(vl)
        add a,l
        ld l,a
        adc a,h
        sub l
        ld h,a                  ; HL = &S(w - vl)
        ld a,(bc)
        sub (hl)
        exx
        ld c,a                  ; the difference's low byte (exx and ld keep the borrow)
        exx
        inc b                   ; the high planes, 512 bytes on (inc keeps the borrow)
        inc b
        inc h
        inc h
        ld a,(bc)
        sbc a,(hl)              ; its high byte; the borrow is its sign (17 bits: |.| <= 65025)
        exx
        ld b,a
        sbc a,a                 ; the sign byte
        add hl,bc
        adc a,d
        ld d,a
        .endmacro

attend_head:
        push iy                 ; kept for the ROM's interrupt (IY = $5C3A)
.ifdef AT_KEYS_BY_SP
        ld a,i                  ; P/V = IFF2: were interrupts on? (the fast scores walk the keys with SP)
        push af
        di
.endif
        ; ----- scores f[j] and their max -----
.ifdef AT_PLANE_SCORES
        ld a,(at_wide_planes)   ; a key beyond -2048..2047 in the cache: the old dot
        or a
        jr nz,@old_dot
        ld hl,(at_q)
        call pl_prepare         ; C: the planes hold q, the head's scores made (pl_keys: at_max its own)
.ifdef AT_SHORT_SCORES
        jp c,at_short_weights   ; (pl_keys' scores are words: their own weights' loop)
.else
.ifdef PL_PACKED
        jp c,@short_weights     ; (the 48K's pl_keys' scores are words: the weights' loop patched for them)
.else
        jp c,@weights
.endif
.endif
@old_dot:
.endif
.ifdef AT_FAST_SCORES
        ld hl,(at_q)
        call at_fast_prepare    ; C: every q fits the squares table's scores
        jp c,@fast              ; (its keys' loop keeps its own max and no at_row: twenty-first round)
.endif
        ld hl,AT_NO_MAX
        ld (at_max+2),hl        ; max f starts below every f (|f| <= 2^19): the first f replaces it
.ifdef PL_PACKED
        call pl_old_keys        ; (the 48K's planes alone hold the keys: rebuilt into rows 16 bytes apart)
.else
        ld hl,(at_keys)
.endif
        ld (at_row),hl          ; (and HL: each score takes its key's row from HL)
        ld a,(at_q)
        add a,2 * AT_HEAD_DIM
        ld (@dot_end + 1),a     ; the dot ends when q's pointer reaches this low byte
        ld ix,at_scores
        ld a,(at_count)
        ld b,a
.ifndef AT_KEYS_BY_SP                   ; (the 48K's: the 128K's old dot, a fallback, keeps its bytes)
        jr @score
@carry:                         ; (the other set) a narrow product carried into the sum's top byte,
        inc d                   ; which may wrap past 2^31 - 1
@top_wrapped:
        jp pe,@wrap
        jr @narrow_done
@subtract_narrow:               ; (the other set) the sum -= E:HL (A = E, B'C' = HL)
        sbc hl,bc               ; (no carry: F' is from mul16s_magnitude's xor)
        ld b,a
        ld a,e
        sbc a,b
        ld e,a
        jr nc,@narrow_done
        dec d                   ; the borrow from the sum's top byte, which may wrap below -2^31
        jr @top_wrapped
@wide_product:                  ; a product of 2^24 or more: its four bytes added or subtracted
        push de
        push hl
        exx
        pop bc
        ex af,af'
        jp m,@subtract
        add hl,bc
        pop bc
        ex de,hl
        adc hl,bc
@summed_up:
        ex de,hl
        jr @top_wrapped         ; (P/V: the 32-bit sum overflowed, counted in the fifth byte)
.endif
@score:
        push bc
        exx
        ld hl,0                 ; D'E':H'L' = the low 32 bits of the dot product,
        ld d,h                  ; at_sum40+4 counts its wraps past 32 bits
        ld e,l
        exx
        xor a
        ld (at_sum40+4),a
        ex de,hl                ; DE = k[j]
        ld hl,(at_q)
@dot:
        ld c,(hl)
        inc hl
        ld b,(hl)
        inc hl
        push hl
        ex de,hl
        ld e,(hl)
        inc hl
.ifdef AT_FAST_SCORES
        ld a,(hl)               ; (the cache keeps k ^ AT_KEYS_FLIPPED)
        xor AT_KEYS_FLIPPED >> 8
        ld d,a
.else
        ld d,(hl)
.endif
        inc hl
        push hl
        call mul16s_magnitude   ; DEHL = |q[d] * k[j][d]|, its sign in F'; Z: D = 0 (mul16u's)
.ifdef AT_KEYS_BY_SP
        push de                 ; the sum += or -= DEHL, in the other register set
        push hl
        exx
        pop bc
        ex af,af'
        jp m,@subtract
        add hl,bc
        pop bc
        ex de,hl
        adc hl,bc
@summed_up:
        ex de,hl
        jp pe,@wrap             ; the 32-bit sum overflowed: count it in the fifth byte
.else
        jr nz,@wide_product
        ex af,af'               ; (the usual: below 2^24) the sum += or -= E:HL in the other set,
        push hl                 ; E through A
        ld a,e
        exx
        pop bc
        jp m,@subtract_narrow
        add hl,bc
        adc a,e
        ld e,a
        jr c,@carry
.endif
@narrow_done:
        exx
@added:
        pop de
        pop hl
        ld a,l
@dot_end:
        cp 0                    ; (patched: q's end)
        jp nz,@dot
        exx                     ; D:E:H:L = the sum's low 32 bits, the pointers in the other set
        ld (at_sum40),hl
        ld a,h                  ; (byte 1: f takes its top two bits)
        ld hl,at_sum40+4
        ld (at_sum40+2),de
        ld b,a
        ld a,d                  ; the fifth byte: the 32 bits' sign extension + the wraps
        rla
        sbc a,a
        add a,(hl)
        ld (hl),a
@shift:
        .assert AT_SCORE_SHIFT == 14, "f is (sum >> 16) << 2 here"
        ld l,e                  ; E:H:L:B = sum >> 8
        ld h,d
        ld e,a
        ld a,b
        .repeat 2
        add a,a                 ; f = sum >> 14: (sum >> 16) << 2 and byte 1's top two bits
        adc hl,hl
        rl e
        .endrepeat
        sbc a,a                 ; f's top byte: the sum's bit 38, its sign (|sum| <= 2^33)
        ld d,a
@summed:                        ; at_sum40 = q . k[j], j = (at_row - at_keys) / AT_STRIDE (a TUI probe;
                                ; the fast keys' loop passes no probe: the TUI takes their q.k from RAM)
        ld (ix+0),l             ; D:E:H:L = f
        ld (ix+1),h
        ld (ix+2),e
        ld (ix+3),d
@max:                           ; f - max f so far < 0? then max stays
        ld bc,(at_max)
        ld a,l
        sub c
        ld a,h
        sbc a,b
        ld a,(at_max+2)
        ld b,a
        ld a,e
        sbc a,b                 ; sign of (f - max) in 24 bits, exact: |f| <= 2^19, max >= -2^21
        jp m,@not_larger
        ld (at_max),hl          ; f is the new max
        ld (at_max+2),de
@not_larger:
        ld de,4
        add ix,de
        exx                     ; DE = k[j]'s end (the dot's pointers, in this set since the sum's exx)
.ifdef PL_PACKED
        ex de,hl                ; (pl_old_keys' rows follow one another)
.else
        ld hl,AT_STRIDE - 2 * AT_HEAD_DIM
        add hl,de
.endif
        ld (at_row),hl          ; (and HL: the next score's row)
        pop bc
        dec b
        jp nz,@score

        ; ----- LUT weights and their sum -----
.ifndef AT_TABLE_MEANS
.ifdef AT_KEYS_BY_SP
@weights:
        ; interrupts are off: SP walks the scores, max f + 128's low three bytes are
        ; patched in once a head, the weights' pointer and sum live in the other set
        ld hl,(at_max)
        ld de,AT_WEIGHT_INDEX
        add hl,de
        ld (@max_low + 1),hl
        ld a,(at_max+2)
        adc a,d
        ld (@max_high + 1),a
        ld (at_fast_sp),sp
        at_weights_start
.ifdef AT_FAST_MEANS
        ld iy,0                 ; IXH:IY = sum_j S(w), the means' (at_weight_squares)
        .byte $DD,$26,0         ; ld ixh,0
        .assert AT_MAX_POSITIONS * 255 * 255 < $1000000, "sum_j S(w) does not fit IXH:IY"
.endif
        ld a,(at_count)
        .byte $DD,$6F           ; ld ixl,a: the positions left
        or a                    ; (the carry stays clear: the sum's add never carries, <= 20 * 255)
@weight:
        pop de                  ; f's low word
        pop bc                  ; C = its byte 2
@max_low:
        ld hl,0                 ; (patched: max f + 128's low word) difference = max - f, + 128
        sbc hl,de
@max_high:
        ld a,0                  ; (patched: max f + 128's byte 2)
        sbc a,c
        or h                    ; any bit above the low byte, max - f >= 128? then the weight is 0
        jr nz,@far
.ifdef AT_EXP_AT_INDEX                  ; (twenty-ninth round: exp_lut at its page's byte 128, L the place)
.else
        ld a,l                  ; L = 128 + (max - f), max - f in 0..127 (exp_lut[127] = 0 read as any)
@near:
        add a,(exp_lut - AT_WEIGHT_INDEX) & 255 ; (exp_lut lies in one page: the carry out is its page's)
        ld l,a
.endif
        ld h,exp_lut >> 8
        ld a,(hl)
.ifdef AT_FAST_MEANS
        ld l,a                  ; S(w) at AT_SQ_PAGE * 256 + w, its high byte a page on (S(0) = 0: @far adds none)
        ld h,AT_SQ_PAGE
        ld e,(hl)
        inc h
        ld d,(hl)
        add iy,de               ; (the weights' sum's add below clears the carry again)
        jr nc,@squared
        .byte $DD,$24           ; inc ixh
@squared:
        ld a,l
.endif
@weighed:
        exx
        ld (bc),a
        inc c                   ; (at_lut lies in one page)
        ld e,a
        add hl,de
        exx
        .byte $DD,$2D           ; dec ixl
        jp nz,@weight
@weights_end:                   ; (AT_KEPT_MEANS's at_zero_weight ends here too)
        ld sp,(at_fast_sp)
        jr @weights_done
@far:
.ifdef AT_KEPT_MEANS
        jp at_zero_weight       ; (past the table: counts the head's weights of 0, at_weight_squares)
.else
        xor a
        jp @weighed
.endif
        .assert (exp_lut & 255) + 127 <= 255, "the fast weights' loop reads exp_lut in one page"
AT_WEIGHT_INDEX = 128           ; (twenty-eighth round, zxatt128) max f + 128 patched in: one test for max - f >= 128
        .assert (at_lut & 255) + AT_MAX_POSITIONS <= 256, "the fast weights' loop steps at_lut by its low byte"
@weights_done:
.endif
.endif
.ifdef AT_TABLE_MEANS
        ; interrupts off from here to the head's end: SP walks the scores, then the means' v, IY
        ; sums S(w), the weights' place and sum in the other set (the 128K's loop, with the short
        ; exp table, max f read where it is and S(w) for the means; @past and @far by the means;
        ; with AT_FAST_SCORES, the twentieth round's 48K option, the head turned them off already)
.ifdef AT_KEYS_BY_SP
@weights:
.else
        ld a,i                  ; P/V = IFF2: were interrupts on?
        push af
        di
.endif
.ifdef PL_PACKED
; The 48K's pl_keys keeps f as words (|f| <= 4096, max f - f in 0..8192: its 16 bits are the whole difference),
; the old dot as 4 bytes: the loop's `pop bc / sbc a,c` (f's byte 2) becomes `ld a,0` for pl_keys' heads
; (thirty-fifth round, zx48paged35: 30 T-states a key and head fewer with pl_keys' store, 10 bytes)
.ifndef AT_KEYS_BY_SP
        .assert 0, "the packed key planes' weights' loop is the one SP walks (AT_KEYS_BY_SP)"
.endif
AT_LONG_SCORE_READ = $99C1      ; pop bc / sbc a,c: f's byte 2 from the old dot's 4-byte scores
AT_SHORT_SCORE_READ = $003E     ; ld a,0: pl_keys' words, whose difference has no byte 2
        ld hl,AT_LONG_SCORE_READ
        .byte $DD               ; (with the next: ld ix,AT_SHORT_SCORE_READ, IX set again below)
@short_weights:
        ld hl,AT_SHORT_SCORE_READ
        ld (@score_high),hl
.endif
        ld (@stack + 1),sp      ; attend_head's SP, for the means to come back to
        ld hl,(at_max)          ; max f's low three bytes into the loop (twenty-first round:
        ld (@max_low + 1),hl    ; 12 T-states a key fewer than its reads from at_max)
        ld a,(at_max+2)
        ld (@max_high + 1),a
        at_weights_start
        ld iy,0                 ; IXH:IY = sum_j S(w), the means' (<= 20 * 65025)
        .byte $DD,$26,0         ; ld ixh,0
        ld a,(at_count)
.ifndef AT_KEPT_TABLE
.ifdef AT_ZEROS_UNCOUNTED
        ld (@positions + 1),a   ; (each dimension's count, which @far counts down to the nonzero weights')
.else
.ifndef AT_SKIP_LEADING_ZEROS           ; (with it the means' start stores the count past the leading 0s)
        ld (@positions + 1),a   ; (each dimension's count, twenty-third round: 10 T-states a dimension)
.endif
.endif
.endif
        .byte $DD,$6F           ; ld ixl,a: the positions left
        or a                    ; (the carry stays clear: the weights' sum's add never carries)
@weight:
        pop de                  ; f's low word
.ifndef PL_PACKED
        pop bc                  ; C = its byte 2
.endif
@max_low:
        ld hl,0                 ; (patched: max f's low word) difference = max - f: 0..2^20
        sbc hl,de
@max_high:
        ld a,0                  ; (patched: max f's byte 2)
.ifdef PL_PACKED
@score_high:
        pop bc                  ; (patched: AT_LONG_SCORE_READ, or AT_SHORT_SCORE_READ's ld a,0 for pl_keys' words)
        sbc a,c                 ; C = f's byte 2
.else
        sbc a,c
.endif
        or h                    ; any bit above the low byte? then the weight is 0
        jr nz,@far
        ld a,l
        cp AT_EXP_ONES          ; past the table: 1 (its run of 1s, not stored) or 0 (127 on)
        jr nc,@past
@near:                          ; (the TUI's score steps: the weight from the table)
        add a,exp_lut & 255     ; HL = exp_lut + A
        ld l,a
.ifdef AT_EXP_FIRST
.if (exp_lut & 255) + AT_EXP_ONES <= 256
        ld h,exp_lut >> 8       ; (the table lies in one page)
.else
        adc a,exp_lut >> 8      ; (the table crosses a page)
        sub l
        ld h,a
.endif
.else
        adc a,exp_lut >> 8      ; (the table may cross a page)
        sub l
        ld h,a
.endif
        ld a,(hl)
@weighed:                       ; A = w: S(w) at AT_SQ_0 + w (its high byte 512 on)
        ld l,a
        ld h,0
        ld de,AT_SQ_0
        add hl,de
        ld e,(hl)
        inc h
        inc h
        ld d,(hl)
        add iy,de
        jr nc,@far_weighed
        .byte $DD,$24           ; inc ixh
@far_weighed:
        exx
        ld (bc),a
        inc c                   ; (at_lut lies in one page)
        ld e,a
        add hl,de               ; (clears the carry)
        exx
        .byte $DD,$2D           ; dec ixl
        jp nz,@weight           ; (SP stays in at_scores until the means' first dimension)
.ifndef AT_LUT_IN_WEIGHTS                ; (forward.s asserts att_weights' page)
        .assert (at_lut & 255) + AT_MAX_POSITIONS <= 256, "the weights' loop steps at_lut by its low byte"
.endif
@weights_done:
.else
.ifndef AT_KEYS_BY_SP
        exx
        ld hl,0                 ; H'L' = the weights' sum (D' = 0), kept in the other set
        ld d,h
        exx
        ld ix,at_scores
        ld iy,at_lut
        ld a,(at_count)
        ld b,a
@weight:
        ld hl,(at_max)          ; difference = max - f: 0..2^20 (|f| <= 2^19), so three bytes
        ld e,(ix+0)
        ld d,(ix+1)
        or a
        sbc hl,de
        ld a,(at_max+2)
        sbc a,(ix+2)
        or h                    ; any bit above the low byte?
.ifdef AT_SHORT_EXP
        jr nz,@far
        ld a,l
        cp 127
        jr nc,@far
        cp AT_EXP_ONES          ; the table's run of 1s, not stored
        jr c,@near
        ld a,1
        jr @weighed
@far:
        xor a                   ; LUT[127] = 0
        jr @weighed
.else
        ld a,l
        jr nz,@far
        cp 127
        jr c,@near
@far:
        ld a,127
.endif
@near:
        ld e,a
        ld d,0
        ld hl,exp_lut
        add hl,de
        ld a,(hl)
.ifdef AT_SHORT_EXP
@weighed:
.endif
        ld (iy+0),a
        inc iy
        exx
        ld e,a
        add hl,de
        exx
.ifdef AT_SHORT_EXP
        ld de,4                 ; (D is f's byte where the table was not read)
.else
        ld e,4                  ; (D = 0)
.endif
        add ix,de
        djnz @weight
.endif
.endif
        exx                     ; (the sets stay swapped: the means set what they read)
        ld (at_lut_sum),hl
.ifdef AT_FAST_MEANS
        add hl,hl               ; the fast means' divisor, M = 2 lut_sum (<= 2 * 20 * 255),
        ld (AT_M_PLUS),hl       ; and -M (the P chain's, the N chain's M)
        xor a
        sub l
        ld l,a
        sbc a,a
        sub h
        ld h,a
        ld (AT_M_MINUS),hl
.ifdef AT_KEPT_DIVISION                 ; (the kept walk's own division's: at_kept_marked copies them to
AT_M_PLUS       = at_kept_dimension@divisor + 4 ; at_fast_dimension's for a marked head's wide dimensions)
AT_M_MINUS      = at_kept_dimension@divisor + 1
.else
AT_M_PLUS       = AT_FAST_PLUS_M
AT_M_MINUS      = AT_FAST_MINUS_M
.endif
.endif
.ifdef AT_TABLE_MEANS
        add hl,hl               ; the table means' divisor, 2 lut_sum (<= 2 * 20 * 255)
.ifdef AT_KEPT_TABLE
        ld (AT_FAST_PLUS_M),hl
.endif
.ifdef AT_MEANS_CHAINS
        ld (AT_CHAINS_PLUS_M),hl ; (the N chain's m)
.endif
        xor a                   ; at_means_divide's, negated: its rounds add it (-m)
        sub l
        ld l,a
        sbc a,a
        sub h
        ld h,a
        ld (AT_MEANS_DIVISOR),hl
.ifdef AT_KEPT_TABLE
        ld (AT_FAST_MINUS_M),hl
.endif
.ifdef AT_MEANS_CHAINS
        ld (AT_CHAINS_MINUS_M),hl ; (the P chain's -m)
.endif
.endif

        ; ----- out[d] = floor(sum_j lut[j] * v[j][d] / lut_sum) -----
@means:                         ; at_scores, at_max, at_lut and at_lut_sum are complete (a TUI probe)
.ifdef AT_TABLE_MEANS
.ifdef AT_FAST_MEANS
        .assert 0, "AT_TABLE_MEANS is the means without AT_FAST_MEANS"
.endif
; The 48K's means (AT_TABLE_MEANS, nineteenth round) through matvec's squares table, as the
; 128K's at_fast_dimension: with v = vl + 256 vh (vl = its low byte, 0..255; vh 0 or -1 for a v in
; -256..255) and w = lut[j] (1..255; a weight of 0 adds nothing, its v unread), S(n) = n * n and
;   2 w vl = S(w) + S(vl) - S(w - vl)         (w - vl in -255..255: in matvec's table)
; a dimension's 2 sum_j w v = A - 512 N, A = sum_j S(w) + sum_j [S(vl) - S(w - vl)] (two reads
; of each plane a position, the difference in 17 bits added to D':H':L', which starts at sum_j
; S(w), the head's, from the weights' loop), N = sum_j w over the vh = -1 (IY); divided by 2
; lut_sum by at_means_divide (twenty-eighth round, without AT_KEPT_TABLE: a weight of 1 adds 2 v
; whole, @one, and its S(1) stays out of sum_j S(w); a weight of 0's v is not read). Interrupts are
; off (from the weights on): SP walks v[j][d], j up, AT_STRIDE - 2 on after each pop; IY is free. A
; v beyond -256..255 with a weight above 1 sends its dimension to the product loop (@wide: vecops.s's
; at_wide_dimension, below $8000 in the 48K).
AT_SQ_0         = mv_sq_lo + 255          ; S(0)'s low byte: S(n) at AT_SQ_0 + n, its high byte 512 on
        .assert mv_sq_hi - mv_sq_lo == 512, "the table means' high planes are 512 bytes on"
.ifndef AT_LUT_IN_WEIGHTS                ; (forward.s asserts att_weights' page)
        .assert (at_lut & 255) + AT_MAX_POSITIONS <= 256, "the table means step at_lut by its low byte"
.endif
.ifdef AT_KEPT_TABLE
        .byte $FD,$7D           ; ld a,iyl: sum_j S(w), the weights' loop's IXH:IY, into the kept walk
        ld (at_kept_dimension@squares_low + 1),a
        .byte $FD,$7C           ; ld a,iyh
        ld (at_kept_dimension@squares_mid + 1),a
        .byte $DD,$7C           ; ld a,ixh
        ld (at_kept_dimension@squares_high + 1),a
        ld a,(at_count)
        ld (at_kept_dimension@count + 1),a
        add a,a                 ; a walk starts at the last position's v, 2 (20 - count) bytes
        neg                     ; past the dimension's start
        add a,AT_DIMENSION_BYTES
        ld (at_kept_dimension@next_row + 1),a
        .byte $DD,$2E,AT_HEAD_DIM ; ld ixl,AT_HEAD_DIM: the dimensions left (at_fast_store)
        exx
        ld b,0                  ; B' = 0 (at_kept_negative's IY += w)
        exx
.else
        ld (@weight_squares + 1),iy
        .byte $DD,$7C           ; ld a,ixh
        ld (@weight_squares_high + 1),a
.endif
        ld hl,(at_out)
        ld (@out + 1),hl
.ifdef AT_KEPT_TABLE
        ld (AT_DST),hl          ; (at_fast_store's; @out's for a wide v's product loop)
.endif
        ld a,l                  ; the last dimension done when out[d]'s place reaches out's end
        add a,2 * AT_HEAD_DIM
        ld (@last + 1),a
.ifdef AT_KEPT_TABLE
        ld sp,(at_values)       ; SP walks the head's values, dimension by dimension
        jp at_kept_dimension
.else
        ld ix,(at_values)       ; IX = &v[0][d], d advancing
.ifdef AT_SKIP_LEADING_ZEROS
        jp at_leading_zeros     ; (vecops.s's: IX, the walk's weights and count from the first nonzero weight)
.else
.ifdef AT_GENERATED_WALK
        jr @make_walk           ; (the head's walk written, then its dimensions)
.else
        jr @dimension
.endif
.endif
.endif
@past:                          ; the weights' loop: LUT[83..126] = 1, LUT[127] = 0
        cp 127
        ld a,1
.ifdef AT_KEPT_TABLE
        jr c,@weighed
.else
        jr c,@far_weighed       ; (no S(1) in sum_j S(w): the means add a weight of 1's 2 v whole, @one)
.endif
@far:
.ifdef AT_ZEROS_UNCOUNTED
        ld hl,@positions + 1    ; the walk counts the nonzero weights alone (HL is free: max - f is tested)
        dec (hl)
.endif
        xor a                   ; w = 0: S(0) = 0
        jr @far_weighed
.ifdef AT_KEPT_TABLE
@dimension:
        jp at_wide_dimension    ; (the dimensions after a wide v's: the product loop)
.else
.ifdef AT_GENERATED_WALK
@wide:                          ; a v beyond -256..255: the dimension again, by the product
        jp at_wide_dimension    ; loop (vecops.s's: below $8000 in the 48K, for room)
@run_negative:                  ; v = vl - 256: 2 w v = 2 w vl - 512 w (at_table_position 1's start)
        ld hl,AT_SQ_0
        sbc hl,bc               ; &S(-vl) = &S(vl)
        ld c,a
        add iy,bc               ; N += w (B = 0; no carry: N <= 20 * 255)
        jr @run_difference      ; (the rest shared: 24 bytes fewer than its own copy, the same jr)
@run_first:                     ; a generated stub's run: its first w >= 2 (A), DE = the run's other weights
        or a                    ; (the carry clear for at_table_position: the code before left it any way)
@run_next:
        pop bc                  ; C = vl, B = vh
        inc b
        jr z,@run_negative      ; vh = -1
        djnz @wide              ; vh beyond 0 and -1
        ld hl,AT_SQ_0           ; (at_table_position 0's start)
        sbc hl,bc               ; &S(vl)
@run_difference:
        at_table_difference
@run_read:
        exx
        ld a,(de)               ; the run's next w, or its end's 0 (then DE = the walk's next)
        inc e
        or a                    ; (the carry clear for at_table_position)
        jp nz,@run_next
        ex de,hl
        jp (hl)                 ; the walk's next
@make_walk:                     ; the head's walk into at_walk_code's page, once
@lut_means:
.ifdef AT_LUT_IN_WEIGHTS
        ld de,0                 ; (patched: the head's row of att_weights, forward.s) DE walks w
.else
        ld de,at_lut            ; DE walks w (E: at_lut lies in one page)
.endif
        ld hl,at_walk_code      ; HL writes the walk (in one page)
@positions:
        ld bc,$D9 << 8          ; (C patched: at_count, less a weight of 0's count, @far's) the nonzero weights left;
                                ; B = exx's code for a weight of 1's (a byte fewer than twice ld (hl),$D9)
@make_zero:                     ; (first a dead one at at_walk_code: the walk starts past it, no jr back here)
        ld (hl),$E1             ; pop hl: v[j][d] past, unread
        inc l
@make:
        ld a,(de)               ; A = w
        inc e
@make_tell:
        cp 1
        jr c,@make_zero
        jr z,@make_one
        ld (hl),$3E             ; w >= 2, a run's first: ld a,w
        inc l
        ld (hl),a
        inc l
        ld (hl),$11             ; ld de,next
        inc l
        ld a,l
        add a,5                 ; (next: the stub's end, 5 bytes past next's low byte)
        ld (hl),a
        inc l
        ld (hl),h
        inc l
        ld (hl),$C3             ; jp @run_first
        inc l
        ld (hl),@run_first & 255
        inc l
        ld (hl),@run_first >> 8
        inc l                   ; (the carry clear since add a,5: the page's end is past next)
@make_run:                      ; the run's w >= 2 that follow, one byte each
        dec c
        jr z,@run_end           ; (the carry clear: the walk's end)
        ld a,(de)
        inc e
        cp 2
        jr c,@run_end           ; (the carry set: A = 0 or 1, its code next)
        ld (hl),a
        inc l
        jr @make_run
@make_one:                      ; w = 1: 2 v added whole in the sum's set (AT_ONE_BYTES)
        ld (hl),b               ; exx
        inc l
        ld (hl),$C1             ; pop bc
        inc l
        ld (hl),$CB             ; sla c
        inc l
        ld (hl),$21
        inc l
        ld (hl),$CB             ; rl b
        inc l
        ld (hl),$10
        inc l
        ld (hl),$9F             ; sbc a,a
        inc l
        ld (hl),$09             ; add hl,bc
        inc l
        ld (hl),$8A             ; adc a,d
        inc l
        ld (hl),$57             ; ld d,a
        inc l
        ld (hl),b               ; exx
        inc l
        dec c
        jr nz,@make             ; (the carry clear since cp 1: the last weight a 1 falls into @run_end, its 0 a nop)
@run_end:
        ld (hl),0               ; a run's end for @run_read
        inc l
        jr c,@make_tell
@made:
        ld (hl),$C3             ; jp @positions_done
        inc l
        ld (hl),@positions_done & 255
        inc l
        ld (hl),@positions_done >> 8
@dimension:
        ld sp,ix                ; SP walks v[j][d], j = 0..count-1
        ld iy,0                 ; IY = N
        exx
@weight_squares:
        ld hl,0                 ; (patched: sum_j S(w)) D':H':L' = A
@weight_squares_high:
        ld d,0
        exx
        jp at_walk_code + 1     ; (the head's walk, made once, past @make_zero's first: it ends at @positions_done)
.else
@negative:                      ; v = vl - 256: 2 w v = 2 w vl - 512 w (twenty-third round: its
        at_table_position 1     ; own copy, N's add on B = 0 before BC takes &S(vl): 20 T-states fewer)
        dec e
        exx
        jp nz,@position
        jr @positions_done
@wide:                          ; a v beyond -256..255: the dimension again, by the product
        jp at_wide_dimension    ; loop (vecops.s's: below $8000 in the 48K, for room)
@one:                           ; w = 1 (LUT[83..126]): 2 w v = 2 v added whole, whatever v's width
        exx                     ; (no table, no N), in the sum's set
        pop bc                  ; v[j][d]
        sla c
        rl b                    ; 2 v's low 16 bits, its sign in the carry
        sbc a,a
        add hl,bc
        adc a,d
        ld d,a
.ifdef AT_ONE_OWN_END
; its own stride and loop end (thirtieth round): E' counted down here, its Z kept through the
; stride's add, no `dec sp` twice back for @zero's and no exx there and back: 20 T-states a
; weight-1 position-dimension fewer, 9 bytes more
        dec e
        exx
.ifndef AT_TABLE_BY_DIMENSION           ; (with it SP is on v[j + 1][d] already)
        ld hl,AT_STRIDE - 2
        add hl,sp
        ld sp,hl                ; on v[j + 1][d]
.endif
        jp nz,@position
        jr @positions_done
.else
        exx
        dec sp                  ; (back on v[j][d] for @zero's stride)
        dec sp
.endif
@zero:                          ; (its own loop's end: no jr back, twenty-third round; v unread)
.ifdef AT_TABLE_BY_DIMENSION
        pop hl                  ; on v[j + 1][d] (v unread)
.else
        ld hl,AT_STRIDE
        add hl,sp
        ld sp,hl                ; on v[j + 1][d]
.endif
.ifdef AT_ZEROS_UNCOUNTED
        jp @position            ; (not counted: the walk ends on the last nonzero weight)
.else
        exx
        dec e
        exx
        jp nz,@position
        jr @positions_done
.endif
@dimension:
        ld sp,ix                ; SP walks v[j][d], j = 0..count-1
@lut_means:
.ifdef AT_LUT_IN_WEIGHTS
        ld de,0                 ; (patched: at_lut, the head's row of att_weights, forward.s)
.else
        ld de,at_lut            ; DE walks w (E: at_lut lies in one page)
.endif
        ld iy,0                 ; IY = N
        exx
@weight_squares:
        ld hl,0                 ; (patched: sum_j S(w)) D':H':L' = A
@weight_squares_high:
        ld d,0
@positions:
        ld e,0                  ; (patched: at_count) E' = the positions left
        exx
@position:
        ld a,(de)               ; A = w
        inc e
        cp 1
        jr c,@zero              ; w = 0: nothing to add, whatever v is
        jr z,@one               ; w = 1: 2 v, whatever v is
        pop bc                  ; C = vl, B = vh
.ifndef AT_TABLE_BY_DIMENSION           ; (with it SP is on v[j + 1][d] already, and cp 1's carry is clear: w >= 2)
        ld hl,AT_STRIDE - 2
        add hl,sp               ; (the carry clear for sbc hl,bc: the cache lies below $FFC2)
        ld sp,hl                ; on v[j + 1][d]
.endif
        inc b
        jr z,@negative          ; vh = -1
        djnz @wide              ; vh beyond 0 and -1
@low_byte:                      ; A = w, BC = vl (B = 0), the carry clear
        at_table_position 0
@counted:
        dec e
        exx
        jp nz,@position
.endif
@positions_done:
        exx                     ; (the division runs in A's set: each dimension's start and
        add iy,iy               ; @store set what they read, in either set) 2 N
        ld a,h                  ; n = 2 sum w v = A - 512 N into D:E:H:L (|n| <= 2 * 20 * 255 * 256)
        .byte $FD,$95           ; sub iyl
.ifdef AT_MEANS_CHAINS
        ; The narrow means' division in line (AT_MEANS_CHAINS, thirty-seventh round, zx48room37: the 128K's
        ; non-restoring P and N chains, AT_FAST_DIVISION's, no call, SP left in v): R = n >> 8 (n's top 16
        ; bits: |n| < 2^23), A n's low byte, whose bits shift out as the quotient's shift in. The range test
        ; is the chains' first step: n >= 0 runs R - m, below 0 (the mean's bit 8 clear: the mean in 0..255)
        ; the N chain's state; n < 0 runs R + m, 0 or more (n >= -256 m: the mean in -256..-1, the quotient
        ; of n + 256 m its low byte) the P chain's. Either test's carry, n's sign, is the first rla's carry
        ; in, and comes out of the last rla: the high byte, sbc a,a. A mean beyond -256..255 takes
        ; at_means_divide (@above, @under). m = 2 lut_sum <= 10,200: |2R| fits 16 signed bits.
        ld e,a                  ; n's middle byte
        ld a,d
        .byte $FD,$9C           ; sbc a,iyh: n's top byte, its sign n's
        ld h,a
        ld a,l
        ld l,e                  ; HL = R, A = n's low byte
@minus_m:
        ld de,0                 ; (patched once a head: -m, the P chain's)
@plus_m:
        ld bc,0                 ; (patched: m, the N chain's)
AT_CHAINS_MINUS_M = @minus_m + 1
AT_CHAINS_PLUS_M = @plus_m + 1
        jp m,@below
        add hl,de               ; R - m: carries when R >= m (a mean of 256 or more)
        jr c,@above
@n_rounds:                      ; R < 0 (in -m..-1): 2R + bit + m, its carry (0 or more) the bit
        .repeat 7, round
        rla                     ; the last round's bit in, the dividend's next bit out
        adc hl,hl               ; (R < 0: its carry out is the sign's, and add hl,bc's follows)
        add hl,bc
        jr c,@p_rounds + (round + 1) * AT_CHAIN_ROUND ; 0 or more: the P chain's next round
        .endrepeat
        rla
        adc hl,hl
        add hl,bc
        jr @chain_end
@above:                         ; HL = R - m (the carry set)
        or a
        sbc hl,de
        jr @wide_mean
@below:                         ; n < 0
        add hl,bc               ; R + m: 0 or more when n >= -256 m
        jr nc,@under
@p_rounds:                      ; R >= 0 (in 0..m - 1): 2R + bit - m, its carry the bit
        .repeat 7, round
        rla
        adc hl,hl               ; (R >= 0: 2R + 1 < 2m, no carry out)
        add hl,de
        jr nc,@n_rounds + (round + 1) * AT_CHAIN_ROUND ; below 0: the N chain's next round
        .endrepeat
        rla
        adc hl,hl
        add hl,de
@chain_end:
AT_CHAIN_ROUND  = 6             ; rla, adc hl,hl, add hl,rr, jr
        .assert @above - @n_rounds == 8 * AT_CHAIN_ROUND && @chain_end - @p_rounds == 8 * AT_CHAIN_ROUND - 2, "a chain's round is not AT_CHAIN_ROUND bytes"
        rla                     ; A = the mean's low byte, the carry n's sign
@store:
@out:
        ld hl,0                 ; (patched: at_out, then &out[d])
        ld (hl),a
        inc hl
        sbc a,a                 ; the high byte: 0, or $FF below zero
@high:                          ; (at_means_divide's, C, from @wide_stored)
        ld (hl),a
        inc hl
        ld (@out + 1),hl
.ifdef AT_VALUES_BY_DIMENSION
        ld de,AT_DIMENSION_BYTES ; (at_wide_dimension's &v[0][d])
        add ix,de
.else
        inc ix
        inc ix
.endif
        ld a,l
@last:
        cp 0                    ; (patched: out's end)
        jp nz,@dimension        ; (SP walks v: @dimension sets it)
        ld sp,(@stack + 1)      ; attend_head's SP, once a head
@head_end:
        pop af
        pop iy
        ret po                  ; interrupts were off: leave them off
        ei
        ret
@under:                         ; n < -256 m: HL = R + m (the carry clear)
        sbc hl,bc
@wide_mean:                     ; D:E:H:L = n again for at_means_divide (HL = R, A n's low byte)
        ld e,h
        ld h,l
        ld l,a
        ld a,e
        rla
        sbc a,a
        ld d,a
.else
        ld h,a
        ld a,d
        .byte $FD,$9C           ; sbc a,iyh
        ld e,a
        rla
        sbc a,a
        ld d,a
.endif
.endif
@divisor:                       ; (a wide v's dimension's way in too: vecops.s's at_wide_dimension)
        ld bc,0                 ; (patched: -2 lut_sum, at_means_divide's divisor)
AT_MEANS_DIVISOR = @divisor + 1
@divide:
@stack:
        ld sp,0                 ; (patched: attend_head's SP)
        call at_means_divide    ; C:A = the mean (it lies in int16: no clamp)
.ifdef AT_MEANS_CHAINS
@wide_stored:                   ; C:A = out[d]
        ld hl,(@out + 1)
        ld (hl),a
        inc hl
        ld a,c
        jr @high
.else
@store:                         ; C:A = out[d]
@out:
        ld hl,0                 ; (patched: at_out, then &out[d])
        ld (hl),a
        inc hl
        ld (hl),c
        inc hl
        ld (@out + 1),hl
.ifdef AT_VALUES_BY_DIMENSION
        ld de,AT_DIMENSION_BYTES ; (at_wide_dimension's &v[0][d])
        add ix,de
.else
        inc ix
        inc ix
.endif
        ld a,l
@last:
        cp 0                    ; (patched: out's end)
.ifdef AT_GENERATED_WALK
        jp nz,@dimension        ; (the walk's writer lies between)
.else
        jr nz,@dimension
.endif
@head_end:
        pop af
        pop iy
        ret po                  ; interrupts were off: leave them off
        ei
        ret
.endif
.else
        ld hl,(at_values)
        ld (at_row),hl          ; &v[0][d], d advancing
        ld hl,(at_out)
        ld (AT_DST),hl
.ifdef AT_FAST_MEANS
        call at_weight_squares  ; sum_j S(lut[j]), the head's, into at_fast_dimension
.ifdef AT_PAGED_VALUES
@dimension:                     ; (thirty-second round: a wide v's dimension alone takes the product
        jp at_fast_dimension    ; loop, @dimension_slow; the head's others go back to the fast walk)
.else
        ld hl,at_fast_dimension
        ld (@dimension + 1),hl
@dimension:
        jp at_fast_dimension    ; (patched: @dimension_slow for the head's dimensions after one
.endif
@dimension_slow:                ; with a v beyond -256..255; the fast ones end at @store)
.else
@dimension:
.endif
        exx
        ld hl,0                 ; D'E':H'L' = sum_j lut[j] * v[j][d]: |sum| < 2^29, so 32 bits
        ld d,h
        ld e,l
        exx
        ld ix,at_lut
        ld hl,(at_row)
        ld a,(at_count)
        ld b,a                  ; B = positions left (mul16s8u keeps BC)
@position:
        ld e,(hl)
        inc hl
.ifdef AT_PAGED_VALUES
        ld a,AT_SQ_PAGE         ; the cache's high byte P = AT_SQ_PAGE - rlca(vh + 1):
        sub (hl)                ; vh = rrca(AT_SQ_PAGE - P) - 1
        rrca
        dec a
        ld d,a                  ; DE = v[j][d]
.else
        ld d,(hl)               ; DE = v[j][d]
.endif
        push hl
        ld a,(ix+0)             ; A = lut[j]: 255, 1 and 0 (the most frequent) need no multiply
        inc ix
        inc a
        jr z,@weight_255
        dec a
        jr z,@next              ; 0: nothing to add
        ld c,a
        dec a
        jr z,@weight_1
        call mul16s8u
@add:
        push de                 ; the sum += DEHL, in the other register set
        push hl
        exx
        pop bc
        add hl,bc
        pop bc
        ex de,hl
        adc hl,bc
        ex de,hl
        exx
@next:
        pop hl
.ifdef AT_VALUES_BY_DIMENSION
        ld de,-3                ; v[j + 1][d], the word before (the positions the last first)
.else
        ld de,AT_STRIDE - 1
.endif
        add hl,de
        djnz @position
        exx
        push de
        push hl
        exx
        pop hl
        pop de
        ld bc,(at_lut_sum)
        call div32s_floor_q16   ; a weighted mean of words: the quotient fits 16 bits
        call sat32to16
        ex de,hl
@store:                         ; DE = out[d]
        ld hl,(AT_DST)
        ld (hl),e
        inc hl
        ld (hl),d
        inc hl
        ld (AT_DST),hl
        ld hl,(at_row)
.ifdef AT_PAGED_VALUES
        inc hl                  ; the next dimension's block, past v[0][d] (at_fast_wide_out sets at_row
        inc hl                  ; at v[0][d]): at_fast_dimension's at_row, where its walk starts
        ld (at_row),hl
        ld a,(at_values)        ; the last dimension done when it reaches the head's end
        add a,(AT_HEAD_DIM * AT_DIMENSION_BYTES) & 255
        .assert AT_HEAD_DIM * AT_DIMENSION_BYTES < 512 && ((AT_HEAD_DIM * AT_DIMENSION_BYTES) & 255) != 0, "the head's end is told by at_row's low byte alone"
        cp l
        jr z,@head_end
@dimensions_left:
        .byte $DD,$2E,0         ; ld ixl,n (patched: at_fast_wide_out, the fast walk's dimensions left)
@dimensions_left_jp:
        jp at_fast_dimension    ; the next dimension by the fast walk (its dispatch still the checked one;
                                ; AT_KEPT_MARKED's at_kept_marked_back_row for a marked kept head's)
.else
.ifdef AT_VALUES_BY_DIMENSION
        ld de,AT_DIMENSION_BYTES ; v[0][d + 1] (at_fast_wide sets at_row at v[0][d])
        add hl,de
        ld (at_row),hl
        ld a,(at_values)        ; the last dimension done when at_row reaches the head's end
        add a,(AT_HEAD_DIM * AT_DIMENSION_BYTES + AT_DIMENSION_BYTES - 2) & 255
.else
        inc hl
        inc hl
        ld (at_row),hl
        ld a,(at_values)        ; the last dimension done when at_row reaches v[0]'s end
        add a,2 * AT_HEAD_DIM
.endif
        cp l
        jr nz,@dimension
.endif
@head_end:
.ifdef AT_KEYS_BY_SP
        pop af
        pop iy
        ret po                  ; interrupts were off: leave them off
        ei
        ret
.else
        pop iy
        ret
.endif
.endif


@subtract:                      ; a negative product: its magnitude comes off
        sbc hl,bc               ; (no carry: F' is from mul16s_magnitude's xor)
        pop bc
        ex de,hl
        sbc hl,bc
        jp @summed_up
@wrap:                          ; past 2^31 - 1 (the sum now reads negative): +1; below -2^31: -1
        ld a,d                  ; (the other register set: D = the sum's top byte)
        exx
        rla
        sbc a,a
        add a,a
        cpl                     ; A = 1 for a negative top byte, else -1
        ld hl,at_sum40+4
        add a,(hl)
        ld (hl),a
        jp @added
.ifndef AT_TABLE_MEANS
@weight_255:                    ; DEHL = 256 v - v
        ld a,d
        rla
        sbc a,a
        ld c,a                  ; C = v's sign byte
        xor a
        sub e
        ld l,a
        ld a,e
        sbc a,d
        ld h,a
        ld a,d
        sbc a,c
        ld e,a
        ld a,c
        sbc a,c
        ld d,a
        jr @add
@weight_1:                      ; DEHL = v
        ld l,e
        ld h,d
        ld a,d
        rla
        sbc a,a
        ld e,a
        ld d,a
        jr @add
.endif

.ifdef AT_FAST_SCORES
@fast:                          ; every q in -3967..3968: the dims are patched with q's pieces
        ld (at_fast_sp),sp      ; SP walks the keys, IX and IY read the squares table
        ld bc,(at_sums)         ; BC = key j's sums (the main set's BC is free in the keys' loop)
        ld a,(at_count)
        add a,a
        add a,a
        add a,at_scores & 255
        ld (@fast_end + 1),a    ; the score's low byte past the last key
.ifdef AT_FAST_MAX_KEPT
        ld hl,$FF00             ; max f starts at -65536 ($FF0000), at or below every f here,
        ld (at_max+1),hl        ; in at_max
        xor a
        ld (at_max),a
.else
        xor a                   ; max f starts at -65536 ($FF0000), at or below every f here
        ld (@fast_max_0 + 1),a
        ld (@fast_max_1 + 1),a
        dec a
        ld (@fast_max_2 + 1),a
.endif
        exx
        ld b,at_scores & 255    ; B' = the score's low byte (the scores lie in one page)
        exx
        ld ix,MV_SQ_PAGE * 256
        ld iy,(MV_SQ_PAGE + 2) * 256
        ld sp,(at_keys)
@fast_key:                      ; SP = key j's row, BC its sums: q.k through the squares table,
        ld a,(bc)               ; X = -Cq - KS[j] = (1 - Cq) + ~KS[j] its start (at_key_sums keeps ~KS)
@ncq_0:
        add a,0                 ; (patched: 1 - Cq's four bytes, at_fast_prepare)
        ld l,a
        inc c                   ; (a key's 4 sums lie in one page; inc keeps the carry)
        ld a,(bc)
@ncq_1:
        adc a,0
        ld h,a                  ; H:L = X & $FFFF (the sum at bit 0, 16 bits: its carries go to H3's adc;
        inc c                   ; twenty-eighth round: X's byte 1 here, not in L', two exx fewer)
        ld a,(bc)
@ncq_2:
        adc a,0
        exx
        ld h,a
        ld l,0
        exx
        inc c
        ld a,(bc)
@ncq_3:
        adc a,0
        exx                     ; (the dims run in the other set)
        ld c,a                  ; C':H':L' = (X >> 16) << 8 (the sum at bit 8)
@dims:
        .repeat AT_HEAD_DIM
        pop de                  ; E' = wl + 128, D' = wh + 128 (the key's bytes, as the cache keeps them)
        .byte $DD,$6B           ; ld ixl,e
        .byte $FD,$6B           ; ld iyl,e
        ld a,d                  ; wh + 128
        ld e,(ix+0)             ; (H1: qh - 1)
        ld d,(iy+0)             ; (H2) S(wl + qh) at bit 8
        add hl,de
.ifdef AT_FAST_DIMS_JR
        jr nc,* + 3
.else
        jp nc,* + 4             ; (jp: 10 T-states without the carry, the usual case; jr's 12)
.endif
        inc c
        exx
        ld e,(ix+0)             ; (L1: ql - 1)
        ld d,(iy+0)             ; (L2) S(wl + ql) at bit 0: past 16 bits, its carry goes in at H3
        add hl,de
        .byte $DD,$6F           ; ld ixl,a (the loads and exx keep the carry)
        .byte $FD,$6F           ; ld iyl,a
        exx
        ld e,(ix+0)             ; (L3)
        ld a,(iy+0)             ; (L4) S(wh + ql) at bit 8, its high byte in A
        adc a,(ix+0)            ; (H3) + S(wh + qh) at bit 16 (its low byte) and the carry at bit 16
        ld d,a
        ld a,c                  ; (narrow: jr nc,* + 5 / cp (H4) / inc c, at_dims_toggle)
        adc a,(iy+0)            ; (H4) S(wh + qh)'s high byte at bit 24, and that byte's carry
        ld c,a
        add hl,de
.ifdef AT_FAST_DIMS_JR
        jr nc,* + 3
.else
        jp nc,* + 4
.endif
        inc c
        .endrepeat
        .assert * - @dims == AT_HEAD_DIM * AT_DIM_SIZE, "AT_DIM_SIZE does not match the dims"
@fast_total:                    ; 2 q.k = H:L + 256 C':H':L' (mod 2^32): A = its bits 8..15
        exx
        ld a,h
        exx
        add a,l
        jr nc,@fast_shift
        inc h
        jr nz,@fast_shift
        inc c
@fast_shift:
        add a,a                 ; f = sum >> 14 = 2 q.k >> 15: its bits 15..30 into C':H', the carry
        rl h                    ; its sign (|2 q.k| < 2^31; no at_sum40: the TUI's probe takes q.k
        rl c                    ; from q and key j in RAM at attend_head@means, checked against f)
        sbc a,a
@fast_summed:                   ; f into at_scores[j] (the other set: B' its low byte)
        ld e,a                  ; E' = f's sign byte, D' its low byte, C' its high byte
        ld d,h
        ld l,b
        ld h,at_scores >> 8
        ld (hl),d
        inc l
        ld (hl),c
        inc l
        ld (hl),e
        inc l
        ld (hl),e
        inc l
        ld b,l
.ifdef AT_FAST_MAX_KEPT
        ld hl,at_max            ; f - max f so far < 0? then max stays (24 bits: |f| <= 2^16)
        ld a,d
        sub (hl)
        inc hl
        ld a,c
        sbc a,(hl)
        inc hl
        ld a,e
        sbc a,(hl)
        jp m,@fast_smaller
        ld (hl),e               ; f is the new max
        dec hl
        ld (hl),c
        dec hl
        ld (hl),d
.else
        ld a,d                  ; f - max f so far < 0? then max stays (24 bits: |f| <= 2^16)
@fast_max_0:
        sub 0                   ; (patched: max f's three bytes)
        ld a,c
@fast_max_1:
        sbc a,0
        ld a,e
@fast_max_2:
        sbc a,0
        jp m,@fast_smaller
        ld a,d                  ; f is the new max
        ld (@fast_max_0 + 1),a
        ld a,c
        ld (@fast_max_1 + 1),a
        ld a,e
        ld (@fast_max_2 + 1),a
.endif
@fast_smaller:
        ld a,b
@fast_end:
        cp 0                    ; (patched: the score's low byte past the last key)
        exx
        ld hl,AT_STRIDE - 2 * AT_HEAD_DIM
        add hl,sp               ; (Z stays: the next key's row)
        ld sp,hl
        ld hl,AT_SUMS_STRIDE - 3
        add hl,bc               ; (and its sums: BC is at the last byte of this key's)
        ld b,h
        ld c,l
        jp nz,@fast_key
        ld sp,(at_fast_sp)
.ifdef AT_FAST_MAX_KEPT
        ld a,(at_max+2)         ; at_max sign-extended
.else
        ld a,(@fast_max_0 + 1)  ; at_max = max f, sign-extended
        ld (at_max),a
        ld a,(@fast_max_1 + 1)
        ld (at_max+1),a
        ld a,(@fast_max_2 + 1)
        ld (at_max+2),a
.endif
        ld (at_max+3),a
        jp @weights
        .assert (at_scores & 255) + 4 * AT_MAX_POSITIONS <= 256, "the fast scores keep at_scores' low byte in B': it must lie in one page"
at_dims         = attend_head@dims      ; (at_fast_prepare patches q's pieces in; named for the profiles)
at_fast_total   = attend_head@fast_total

; ----- the scores through matvec's squares table (the option AT_FAST_SCORES) -----
; With q = 256 qh + ql (ql in -127..128, as matvec's x) and the key's bytes as
; matvec weights, wl = its low byte - 128 and wh = its high byte (k = 256 wh +
; wl + 128; the cache keeps wh + 128, AT_KEYS_FLIPPED), and 2 a b = S(a + b) - S(a) - S(b):
;   2 q.k = sum_d [S(wl + ql) + 256 (S(wl + qh) + S(wh + ql)) + 65536 S(wh + qh)]
;           - KS[j] - Cq,
;   KS[j] = 257 sum_d [S(wl) + 256 S(wh)]            (the key's, when it enters the cache)
;   Cq    = 257 sum_d [S(ql) + 256 S(qh)] - 256 sum_d q   (the head's, at_fast_prepare)
; A dimension is four reads of the squares table (IXL = IYL = the key's byte,
; q's pieces - 1 patched in as the displacements). For |q| <= 4095, |2 q.k| <
; 2^31: the sums are taken mod 2^32, the one at bit 0 in 24 bits, the one at
; bit 8 in 24 (the bit-16 reads' low 16 bits are added into it at its bit 8).
; A head with a q outside -3967..3968 (qh = (q + 127) >> 8 outside -15..15: at_fast_wide_q
; checks it when a piece is not narrow) takes the old dot.
AT_SUMS_STRIDE  = 16            ; bytes from one position's key sums to the next (4 heads x 4 bytes)
AT_KEYS_FLIPPED = $8000         ; the cache keeps each key word k as k ^ $8000: wh + 128 its high byte
                                ; (at_key_sums flips each word in place, the old dot flips it back)
AT_FAST_QH_TOP  = 15            ; qh = (q + 127) >> 8 in -15..15: q in -3967..3968
.ifdef AT_FAST_DIMS_JR                    ; (the 48K's, twentieth round: 16 bytes fewer, ~2 T-states more
AT_DIM_CARRY    = 2                     ; a carry test, `jr nc` for `jp nc`)
.else
AT_DIM_CARRY    = 3             ; the bytes of a dimension's two carry tests' jumps
.endif
AT_DIM_SIZE     = 44 + 2 * AT_DIM_CARRY ; bytes of a dimension's reads (at_dims): 50 (48)
AT_DIM_L1       = 17 + AT_DIM_CARRY     ; its displacements: ql - 1 at L1..L4, qh - 1 at H1..H4
AT_DIM_L2       = 20 + AT_DIM_CARRY
AT_DIM_L3       = 29 + AT_DIM_CARRY
AT_DIM_L4       = 32 + AT_DIM_CARRY
AT_DIM_H1       = 8
AT_DIM_H2       = 11
AT_DIM_H3       = 35 + AT_DIM_CARRY
AT_DIM_H4       = 40 + AT_DIM_CARRY

        .macro at_fast_variables        ; here, or after the means' table (the code before it keeps its page)
at_sums:        .word 0         ; the head's key sum at position 0 (4 bytes; key j's AT_SUMS_STRIDE * j on)
at_sums_row:    .word 0
at_fast_sp:     .word 0
at_fast_keep:   .word 0         ; the scores' pointer while the dims hold IX (at_key_sums: the heads left)
at_wide_keys:   .byte 0         ; not 0 once a key with a high byte outside -8..7 entered the cache
        .endmacro
.ifndef AT_FAST_MEANS
        at_fast_variables
.endif

        .macro at_dim_patch field, dim  ; A into a dimension's displacement: dim's (absolute),
        .if dim < 0                     ; or (dim < 0) the loop's, IX at the dimension's code (-1), or
        ld (ix+field+(-1-dim)*AT_DIM_SIZE),a    ; at the one before it (-2: AT_FAST_PIECE_PAIRS's second)
        .else
        ld (at_dims + dim * AT_DIM_SIZE + field),a
        .endif
        .endmacro
        .macro at_fast_piece dim        ; q[d]'s pieces into dimension dim's reads, onto sum q, U and B
        pop de                  ; q = 256 qh + ql, ql in -127..128
        add hl,de
        ld a,e
        dec a                   ; ql - 1 (q's low byte - 1)
        at_dim_patch AT_DIM_L1, dim
        at_dim_patch AT_DIM_L2, dim
        at_dim_patch AT_DIM_L3, dim
        at_dim_patch AT_DIM_L4, dim
        xor $80                 ; S(ql)'s index
        exx
        ld e,a
        ld c,a
        ld a,(de)
        add a,l
        ld l,a
        ld a,(bc)
        adc a,h
        ld h,a
        jp nc,* + 5             ; (jp: 10 T-states either way; the carry is seldom)
        .byte $FD,$2C           ; inc iyl
        exx
        ld a,e
        add a,127
        ld a,d
        adc a,8 - 1             ; qh - 1 + 8, qh = (q + 127) >> 8
        ld c,a
        or b
        ld b,a
        .if dim < 0                     ; (the loop's: q's range a piece, no at_fast_wide_q)
        .ifdef AT_FAST_LOOP_RANGE
        ld a,c
        add a,AT_FAST_QH_TOP - 7        ; qh + 15
        cp 2 * AT_FAST_QH_TOP + 1
        .ifdef AT_FAST_PIECE_PAIRS      ; (two pieces a pass: the first's too far for jr)
        jp nc,at_fast_too_wide
        .else
        jr nc,at_fast_too_wide  ; (NC) a q beyond -3967..3968: the old dot
        .endif
        .endif
        .endif
        ld a,c
        sub 8                   ; qh - 1
        at_dim_patch AT_DIM_H1, dim
        at_dim_patch AT_DIM_H2, dim
        at_dim_patch AT_DIM_H3, dim
        .if dim < 0                     ; (the loop's H4 too, whether the dims run full or narrow,
        .ifdef AT_FAST_LOOP_H4          ; where it is `cp`'s operand: no at_dims_h4)
        at_dim_patch AT_DIM_H4, dim
        .endif
        .endif
        xor $80                 ; S(qh)'s index: S(qh) < 256 for qh in -15..15, its low plane
        exx                     ; alone (a head with another qh takes the old dot)
        ld e,a
        ld a,(de)
        add a,h
        ld h,a
        jp nc,* + 5
        .byte $FD,$2C           ; inc iyl
        exx
        .endmacro

; at_fast_prepare - HL = a head's q (8 words). C: every q fits (qh = (q + 127) >> 8
; in -15..15, q in -3967..3968): the dims are patched with its pieces and 1 - Cq into
; the keys' loop; NC: not (the dims patched with what the pieces made of it). Runs with
; interrupts off (SP walks q). Its pieces do not check q's range: the OR of every
; qh - 1 + 8 below 16 (the dims' narrow mode) holds only for q's high bytes in -8..8,
; and a head past it (seldom) takes at_fast_wide_q's check after the loop.
; Clobbers AF, BC, DE, HL, IX, IYL (IY with AT_FAST_PREPARE_LOOP) and the other set.
at_fast_prepare:
        ld (at_fast_sp),sp
        ld sp,hl
        exx
        ld hl,0                 ; IYL:H':L' = U = sum_d [S(ql) + 256 S(qh)] < 2^20
        ld d,MV_SQ_PAGE         ; D'E' and B'C' read S(n)'s low and high planes
        ld b,MV_SQ_PAGE + 2     ; (S(n) at MV_SQ_PAGE * 256 + n + 127)
        exx
        .byte $FD,$2E,0         ; ld iyl,0 (IY is free until the keys' loop)
        ld hl,0                 ; H:L = sum q (|sum| <= 8 * 4095)
        ld b,h                  ; B = the OR of every qh - 1 + 8 (the dims' narrow mode: below 16)
.ifdef AT_FAST_PREPARE_LOOP
        ; (the 48K's, twentieth round: for room) one piece a pass, its 7 patches through IX
        ; (19 T-states, not 13), H4 with them (no at_dims_h4) and q's range (no at_fast_wide_q),
        ; IYH counting: ~110 T-states a dimension more, 498 bytes fewer
        ld ix,at_dims
.ifdef AT_FAST_PIECE_PAIRS              ; (two pieces a pass: ~85 bytes, 4 passes' 43 T-states fewer a head)
        .byte $FD,$26,AT_HEAD_DIM / 2 ; ld iyh,AT_HEAD_DIM / 2
@piece:
        at_fast_piece -1
        at_fast_piece -2
        ld de,2 * AT_DIM_SIZE
.else
        .byte $FD,$26,AT_HEAD_DIM ; ld iyh,AT_HEAD_DIM
@piece:
        at_fast_piece -1
        ld de,AT_DIM_SIZE
.endif
        add ix,de
        .byte $FD,$25           ; dec iyh
        jp nz,@piece
.else
        ; one piece a dimension, unrolled: its 8 patches are absolute stores
        ; (13 T-states, not 19 through IX), and no loop count or pointer step
        .repeat AT_HEAD_DIM, dim
        at_fast_piece dim
        .endrepeat
.endif
.ifdef AT_FAST_LOOP_RANGE
        ld sp,(at_fast_sp)      ; (q's range checked a piece)
        ld a,b                  ; every qh - 1 in -8..7? else the dims full (NC)
        cp 16
        jr nc,@wide_pieces
.else
        ld a,b                  ; every qh - 1 in -8..7? (then q's high bytes are in -8..8: in range)
        cp 16
        jp nc,at_fast_wide_q    ; (seldom) q's range, and the dims full
        ld sp,(at_fast_sp)
.endif
        ld a,(at_wide_keys)     ; the dims narrow (S(wh + qh) < 256) when every qh - 1 and
        cp 16                   ; every key's high byte wh so far lie in -8..7: |wh + qh| <= 15
@wide_pieces:
        sbc a,a                 ; $FF: narrow (C), 0: full (NC; at_wide_keys is 0 or 16 and more)
@full_h4:                       ; (at_fast_wide_q: A = 0, NC)
.ifndef AT_FAST_LOOP_H4
        call nc,at_dims_h4      ; full: the fourth square's high plane reads at H4 = H3
.endif
@dims_mode:
        cp 0                    ; (patched: the dims' mode, at_dims_toggle)
        call nz,at_dims_toggle  ; (seldom: the shipped soul's heads are almost all narrow)
        ; 1 - Cq = 256 sum q - 257 U + 1 = 256 (sum q - U) - U + 1, into the keys' loop
        ld a,h
        rla
        sbc a,a
        ld c,a                  ; sum q's sign byte
        exx
        push hl
        exx
        pop de                  ; D:E = U's low 16 bits (IYL its high byte)
        or a
        sbc hl,de
        ld a,c
        .byte $FD,$9D           ; sbc a,iyl
        ld c,a                  ; C:H:L = V = sum q - U
        ld a,1                  ; (1 - Cq: the keys' loop adds ~KS, -KS - 1)
        sub e
        ld (attend_head@ncq_0 + 1),a
        ld a,l
        sbc a,d
        ld (attend_head@ncq_1 + 1),a
        ld a,h
        .byte $FD,$9D           ; sbc a,iyl
        ld (attend_head@ncq_2 + 1),a
        ld a,c
        sbc a,0
        ld (attend_head@ncq_3 + 1),a
        scf
        ret
AT_DIMS_NARROW  = at_fast_prepare@dims_mode + 1 ; $FF while the dims run narrow (at_dims_toggle), 0 as assembled
                                ; (in capitals, as AT_DST: an operand, not a routine, for the profiles)

at_fast_too_wide:               ; (NC) at_fast_prepare's way out
        ld sp,(at_fast_sp)
        ret

.ifndef AT_FAST_LOOP_RANGE            ; (the loop's check of q's range a piece)
; at_fast_wide_q - at_fast_prepare's check for a head whose pieces are not all narrow
; (SP = q's end): every qh = (q + 127) >> 8 in -15..15 (q in -3967..3968), else
; at_fast_too_wide; on to at_fast_prepare@dims_mode with the dims full. Keeps HL (sum q).
at_fast_wide_q:
        ld ix,-2 * AT_HEAD_DIM
        add ix,sp
        ld sp,ix
        ld b,AT_HEAD_DIM
@q:
        pop de
        ld a,e
        add a,127
        ld a,d
        adc a,AT_FAST_QH_TOP    ; qh + 15
        cp 2 * AT_FAST_QH_TOP + 1
        jr nc,at_fast_too_wide  ; (NC)
        djnz @q
        ld sp,(at_fast_sp)
        xor a                   ; the dims full (NC)
        jp at_fast_prepare@full_h4
.endif

.ifndef AT_FAST_LOOP_H4               ; (the loop's H4 patched with H1..H3)
; at_dims_h4 - the full dims' H4 (the fourth square's high plane) = H3 for each dimension:
; at_fast_prepare patches H1..H3 only (a narrow head's H4 is `cp`'s operand, never read).
; Keeps A and HL; clobbers BC, DE.
at_dims_h4:
        push hl
        ld hl,at_dims + AT_DIM_H3
        ld de,AT_DIM_SIZE - (AT_DIM_H4 - AT_DIM_H3)
        ld b,AT_HEAD_DIM
@dim:
        ld c,(hl)
        .repeat AT_DIM_H4 - AT_DIM_H3
        inc hl
        .endrepeat
        ld (hl),c
        add hl,de
        djnz @dim
        pop hl
        ret
.endif

.endif

.ifdef AT_FAST_MEANS
; ----- the means through a squares table (the option AT_FAST_MEANS, with AT_FAST_SCORES) -----
; With v = 256 vh + vl (vl = its low byte, 0..255) and w = lut[j] (0..255),
; 2 w vl = S(w) + S(vl) - S(w - vl), and w - vl lies in -255..255, so for a v in
; -256..255 (vh 0 or -1):
;   2 sum_j w v = sum_j S(w) + sum_j [S(vl) - S(w - vl)] - 512 sum_{vh = -1} w.
; sum_j S(w) is the head's (at_weight_squares); a position's S(vl) - S(w - vl)
; is two table reads a byte plane, each plane's difference summed in 16 bits
; (|sum| <= 20 * 255). A dimension with a v outside -256..255 runs the product
; loop (attend_head@dimension_slow) from its start. Interrupts are off (SP walks
; v: attend_head's AT_FAST_SCORES state); IY is free (attend_head keeps it).
.ifndef AT_KEYS_BY_SP
        .assert 0, "AT_FAST_MEANS needs AT_FAST_SCORES or AT_PLANE_SCORES: SP walks v with interrupts off, IY is free"
.endif
        .assert 2 * AT_MAX_POSITIONS * 255 * 256 < $800000, "2 sum w v does not fit the means' 24-bit sum"
        .assert 4 * AT_MAX_POSITIONS * 255 < $8000, "the division's doubled remainder (|2R| <= 4 lut_sum) does not fit 16 signed bits"

        .macro at_fast_position_sum     ; S(vl) - S(w - vl) onto D':H':L' (A = w - vl, its borrow; C = vl)
        ld l,a                  ; (w - vl in -255..255, the borrow: negative)
        sbc a,a
        add a,a
        add a,AT_SQ_PAGE
        ld h,a                  ; HL = &S(w - vl), low byte (page AT_SQ_PAGE - 2 below zero)
        ld b,AT_SQ_PAGE         ; BC = &S(vl), low byte
        ld a,(bc)
        sub (hl)
        exx
        ld c,a                  ; the difference's low byte (exx and ld keep the borrow)
        exx
        inc h                   ; the high plane, a page on
        inc b
        ld a,(bc)
        sbc a,(hl)              ; its high byte; the borrow is its sign (17 bits)
        exx
        ld b,a
        sbc a,a                 ; the sign byte
        add hl,bc
        adc a,d
        ld d,a
        exx
        .endmacro

.ifdef AT_PAGED_VALUES
; at_paged_negative_jr: after `bit 1` of a cache's high byte P (AT_SQ_PAGE for vh = -1, AT_SQ_PAGE
; - 2 for vh = 0: 2 apart, so bit 1 differs), to `target` where P is AT_SQ_PAGE: jr nz where
; AT_SQ_PAGE's bit 1 is set, else jr z (the table's page is the layout's)
        .macro at_paged_negative_jr target
        .byte $20 | (~AT_SQ_PAGE & 2) << 2
        .assert target - * - 1 >= -128 && target - * - 1 <= 127, "at_paged_negative_jr's target lies past jr's reach"
        .byte (target - * - 1) & 255
        .endmacro
.endif

; at_fast_dimension's positions with vh = -1, and its way out for a wide v, before it:
; its setup then runs straight into its loop.
at_fast_negative:               ; v = vl - 256: 2 w v = 2 w vl - 512 w (A = w, B = 0, C = vl)
.ifdef AT_PAGED_VALUES
        ld b,0                  ; (B held P, AT_SQ_PAGE)
.endif
        ld l,c
        ld c,a                  ; BC = w
        add iy,bc               ; IY = sum w over the vh = -1 (no carry out: <= 20 * 255)
        sub l                   ; w - vl
        ld c,l                  ; C = vl (the loads keep the borrow)
        at_fast_position_sum    ; (its own copy: no jump back to @low_byte)
        dec e
        jp nz,at_fast_dimension@position
        jp at_fast_dimension@positions_done
at_fast_wide:                   ; (djnz's reach: the way out itself lies past the table, to keep
        jp at_fast_wide_out     ; the code before it short enough for every soul's layout)
.ifdef AT_PAGED_VALUES
; at_fast_checked - at_fast_dimension@dispatch's way for a head whose cache holds a v beyond
; -256..255 (at_weight_squares patches its jr in): P tested whole (A = w, B = P, C = vl).
at_fast_checked:
        ld h,a
        ld a,b
        cp AT_SQ_PAGE - 2       ; vh = 0
        ld a,h
        jr z,at_fast_dimension@low_byte
        ld a,b
        cp AT_SQ_PAGE           ; vh = -1
        ld a,h
        jr z,at_fast_negative
        jr at_fast_wide
.endif
at_fast_zero:                   ; w = 0: nothing to add, whatever v is (v unread: SP steps past it)
        pop hl                  ; v[j - 1][d] next
        dec e
        jp nz,at_fast_dimension@position
        jr at_fast_dimension@positions_done

; at_fast_dimension - out[d] = floor(sum_j lut[j] v[j][d] / lut_sum) for the
; head's first dimension (at at_row; @next_dimension: the next, from where SP's walk
; left off), stored through at_fast_store; to
; attend_head@dimension_slow (SP restored) for a v outside -256..255 with a
; weight (w = 0 adds nothing, whatever its v), which comes back here for the next dimension
; (AT_PAGED_VALUES). A position's S(vl) - S(w - vl)
; is taken in 17 bits (the two planes' bytes with one borrow chain) and added to
; D':H':L', which starts at the head's sum_j S(w); a vh of -1 adds its w to IY,
; and 512 IY comes off the sum once, before the division.
at_fast_dimension:              ; (at_fast_sp = SP here: at_weight_squares) the head's first:
        ld sp,(at_row)          ; SP as a walk of the dimension before would leave it (at_values)
        exx                     ; (the sum's set, as at_fast_store leaves it for the others)
@next_dimension:                ; the head's others (at_fast_store, in the set of the sum and
                                ; division before): SP is where the last walk left it
@weight_squares:                ; D':H':L' = 2 sum_j w v + 512 IY so far (24 bits)
        ld hl,0                 ; (patched: sum_j S(w), the head's)
@weight_squares_high:
        ld d,0                  ; (patched)
        exx
@next_row:                      ; the dimension's words past v[0][d - 1]: its positions from 19 down
        ld hl,0                 ; (patched once a head: 2 (20 - count), those past the cache's)
        add hl,sp
        ld sp,hl                ; SP pops v[j][d] in order, j = count-1..0
        ld iy,0                 ; IY = sum_j w over the vh = -1 (<= 20 * 255)
@count:
        ld de,at_lut & $FF00    ; (its low byte patched: at_count) DE walks w down: E = j + 1
                                ; (at_lut opens at a page's byte 1), so E is the positions left too
@position:
        ld a,(de)               ; w
        or a
        jr z,at_fast_zero       ; w = 0: v is not read
.ifdef AT_PAGED_VALUES
        pop bc                  ; C = vl, B = P (SP on v[j - 1][d])
@dispatch:
        bit 1,b                 ; (patched: at_weight_squares' jr at_fast_checked) P's bit 1
        at_paged_negative_jr at_fast_negative ; tells AT_SQ_PAGE (vh = -1) from AT_SQ_PAGE - 2
.else
        pop bc                  ; C = vl, B = vh (SP on v[j - 1][d])
        inc b
        jr z,at_fast_negative   ; vh = -1
        djnz at_fast_wide       ; vh beyond 0 and -1
.endif
@low_byte:
        sub c
        at_fast_position_sum
@next:
        dec e
        jp nz,@position
@positions_done:                ; (SP stays in v: at_fast_store puts it back at the head's end)
        ; out[d] = floor(sum w v / lut_sum) = floor(n / M), n = 2 sum w v, M = 2 lut_sum: the
        ; doubled sum divided by the doubled divisor, no halving; a v in -256..255 makes it
        ; -256..255, so 8 rounds; below zero n >= -256 M, and floor(n / M) = floor((n + 256 M) / M)
        ; - 256: the quotient of n + 256 M (0..255) is the low byte, $FF the high (its rounds
        ; start in the N chain on n >> 8 itself: at_fast_negative_rounds)
        exx                     ; (the division runs in the sum's set: @store and each
                                ; dimension's start set what they read, in either set)
        add iy,iy               ; D:H:L = 2 sum w v + 512 IY (24 bits)
        ld e,l                  ; E = the dividend's low byte
        ld a,h                  ; H:L = D:H - 2 IY (the vh = -1 weights' 512 w)
        .byte $FD,$95           ; sub iyl
        ld l,a
        ld a,d
        .byte $FD,$9C           ; sbc a,iyh
        ld h,a
        rla                     ; the carry: n's sign (@divisor's test, and the quotient's high byte)
        ld a,e
.endif
.ifdef AT_KEPT_TABLE
at_fast_dimension:              ; (the 48K's kept means: at_kept_dimension's division)
.endif
.ifdef AT_FAST_DIVISION
@divisor:
        ld de,0                 ; (patched once a head by attend_head's weights: -M, M = 2 lut_sum)
AT_FAST_MINUS_M = @divisor + 1
        ld bc,0                 ; (patched: M)
AT_FAST_PLUS_M  = @divisor + 4
        jr c,at_fast_negative_rounds ; HL = n >> 8 in -M..M - 1 (the remainder so far), A n's low
                                ; byte, whose bits shift out as the quotient's shift in; the carry
                                ; n's sign (rla of its top byte: 0 here)
        ; Non-restoring rounds: the remainder R stays in -M..M - 1, M = 2 lut_sum (|2R| <=
        ; 4 * 20 * 255 fits 16 signed bits); R >= 0 runs the P chain (2R + bit + -M in DE),
        ; R < 0 the N chain (2R + bit + M in BC), each add's carry the quotient bit (a result of
        ; 0 or more: twenty-ninth round, zxdiv128; the P chain subtracted M with its borrow the
        ; bit's complement, the N chain took a ccf and the end a cpl), which also says the next
        ; round's chain: no remainder put back. The first rla's carry in, n's sign (0 here, 1 in
        ; at_fast_negative_rounds), comes out of the last rla: at_fast_store's high byte, sbc a,a.
        ; The first round's usual bit (|mean| < 128: ~97% on the ten) says the chain after it:
        ; a sum n >= 0 runs the P chain's first round here and on into the N chain (its q7 = 0),
        ; n < 0 the N chain's first round, at_fast_p_rounds, on into the P chain (q7 = 1), so
        ; that the first round's jr falls through (7 T-states, not 12).
@p_first:
        rla                     ; the last round's bit in, the dividend's next bit out
        adc hl,hl               ; (R >= 0: 2R + 1 < 2M, no carry out)
        add hl,de               ; 2R + bit - M: the carry, 0 or more (the bit)
        jr c,at_fast_p_rounds   ; (q7 = 1: a mean of 128 or more)
@n_rounds:                      ; rounds 6..1 (R < 0), round 0 on into at_fast_store
        .repeat 6, round
        rla
        adc hl,hl               ; (R < 0: its carry out is the sign's, and add hl,bc's follows)
        add hl,bc               ; the carry: 2R + bit + M >= 0
        jr c,at_fast_p_rounds + (round + 1) * AT_P_ROUND ; 0 or more: the P chain's next round
        .endrepeat
        rla
        adc hl,hl
        add hl,bc
        rla                     ; (on into at_fast_store)
@n_rounds_end:
AT_P_ROUND      = 6             ; rla, adc hl,hl, add hl,de, jr nc
AT_N_ROUND      = 6             ; rla, adc hl,hl, add hl,bc, jr c
        .assert @n_rounds - @p_first == AT_P_ROUND, "the P chain's first round is not AT_P_ROUND bytes"
        .assert @n_rounds_end - @n_rounds == 6 * AT_N_ROUND + 5, "the N chain's rounds are not AT_N_ROUND bytes"

; at_dst_store: out[d] (A its low byte, the carry its sign) to AT_DST, its first instruction's operand
; (`ld hl,nn`, patched: the caller sets AT_DST to the label before it + 1), AT_DST stepped, then on to
; `next` while dimensions are left in IXL. (One body for each of at_fast_store's three forms.)
        .macro at_dst_store next
        ld hl,0                 ; (patched: AT_DST)
        ld (hl),a
        inc hl
        sbc a,a                 ; the high byte: 0, or $FF below zero (the rounds' last carry out)
        ld (hl),a
        inc hl
        ld (AT_DST),hl
        .byte $DD,$2D           ; dec ixl: the dimensions left
        jp nz,next
        .endmacro

; at_fast_store - attend_head@store for a fast dimension (A = out[d]'s low byte, the carry its
; sign), its own copy, the N chain's end runs on into it: the
; next dimension is at_fast_dimension@next_dimension (SP, left in v, says where: no at_row;
; a wide v leaves through at_fast_wide, which finds at_row from SP and E and puts SP back),
; and SP comes back once a head, at its end. AT_DST (the 48K's at_dst) is its first
; instruction's operand (`ld hl,nn`, 10 T-states, not a `ld hl,(nn)`'s 16), which
; attend_head sets as before.
.ifdef AT_FAST_MEANS
.ifdef AT_KEPT_MEANS
; With AT_KEPT_MEANS (twenty-ninth round, zxdiv128) a head on the kept walk keeps out's pointer in
; HL' (the walk runs in one set: at_kept_head loads it, at_kept_wide gives it back to AT_DST), so
; its store is an exx's: 18 T-states fewer a dimension. Its first two bytes are patched once a head
; (at_kept_head: AT_STORE_KEPT, `exx` / `ld (hl),a`; at_weight_squares: AT_STORE_FAST, `jr @fast`).
at_fast_store:
        exx                     ; (patched: AT_STORE_KEPT, or AT_STORE_FAST's jr @fast)
        ld (hl),a
        inc hl
        sbc a,a                 ; the high byte: 0, or $FF below zero (the rounds' last carry out)
        ld (hl),a
        inc hl
        exx
        .byte $DD,$2D           ; dec ixl: the dimensions left (at_weight_squares set 8)
@kept_next:                     ; (AT_KEPT_MARKED: its operand at_kept_marked_dimension for a marked head)
        jp nz,at_kept_dimension@next_dimension
        jr @head_end
@fast:
AT_DST          = @fast + 1
        at_dst_store at_fast_dimension@next_dimension
@head_end:
        ld sp,(at_fast_sp)
        jp attend_head@head_end
AT_STORE_KEPT   = $77D9         ; exx, ld (hl),a
AT_FAST_NEXT    = @head_end - 2 ; at_dst_store's `jp nz,next` operand (AT_KEPT_MARKED patches it)
        .assert @head_end - @fast == 16, "at_dst_store is not 16 bytes, its jp nz last"
AT_STORE_FAST   = $18 | (@fast - at_fast_store - 2) << 8 ; jr @fast
.else
at_fast_store:
AT_DST          = at_fast_store + 1
        at_dst_store at_fast_dimension@next_dimension ; (at_weight_squares set IXL to 8)
        ld sp,(at_fast_sp)
        jp attend_head@head_end
.endif
.else
at_fast_store:                  ; (the 48K's kept means, AT_KEPT_TABLE)
AT_DST          = at_fast_store + 1
        at_dst_store at_kept_dimension ; (the 48K's kept means: every head's walk)
        ld sp,(attend_head@stack + 1)
        jp attend_head@head_end
.endif
        .assert at_fast_store == at_fast_dimension@n_rounds_end, "the N chain's end runs on into at_fast_store"

; at_fast_negative_rounds - the division for a sum n < 0 (n >= -256 M): R = n >> 8 is, for
; n + 256 M, what the first round of a ninth (256's bit 0) leaves, so its rounds start in the N
; chain, no n + 256 M added (the carry in: the quotient's high byte, $FF, out of the last rla);
; its first round's usual bit (q7 = 1) on into the P chain's rounds 6..0 (R >= 0), which end in
; at_fast_store. After the store: its jr's reach across the N chain and the store both ways.
at_fast_negative_rounds:
        rla
        adc hl,hl
        add hl,bc
        jr nc,at_fast_dimension@n_rounds ; (q7 = 0: a mean below -128)
at_fast_p_rounds:
        .repeat 6, round
        rla
        adc hl,hl               ; (R >= 0: 2R + 1 < 2M, no carry out)
        add hl,de               ; 2R + bit - M: the carry, 0 or more (the bit)
        jr nc,at_fast_dimension@n_rounds + (round + 1) * AT_N_ROUND ; below 0: the N chain's next round
        .endrepeat
        rla
        adc hl,hl
        add hl,de
        rla                     ; A = the quotient, the carry the first round's carry in (0)
        jp at_fast_store
        .assert at_fast_p_rounds - at_fast_negative_rounds == AT_N_ROUND, "the N chain's first round is not AT_N_ROUND bytes"
        .assert * - at_fast_p_rounds == 6 * AT_P_ROUND + 8, "the P chain's rounds are not AT_P_ROUND bytes"
.endif
; pl_wide_held_code - pl_wide_q's way for a q the planes hold (52 bytes: PL_WIDE_HELD_BYTES): in
; AT_SHORT_SCORES' room between pl_tables and pl_scores where it fits, else in pl_wide_q
PL_WIDE_HELD_BYTES = 52
        .macro pl_wide_held_code
pl_wide_held:                   ; the planes hold this q: its tables again, looped (a head a turn or so)
        ld sp,ix
        ld hl,-2 * 4
        add hl,sp
        ld sp,hl                ; SP = q[0]
        ld de,pl_tables
@table:                         ; DE = a group's T[0] = 0; then each of its q doubles the entries,
        xor a                   ; T[n + m] = T[m] + q for m < n
        ld (de),a
        inc e
        ld (de),a
        inc e
@word:
        pop bc                  ; the group's next q
        ld a,e
        ld (@copied + 1),a      ; the copy ends where it started writing, at T[n]
        and $E0
        ld l,a
        ld h,d                  ; HL = the group's T[0] (the tables are 32-aligned)
@copy:
        ld a,(hl)
        add a,c
        ld (de),a
        inc l
        inc e
        ld a,(hl)
        adc a,b
        ld (de),a
        inc l
        inc e
        ld a,l
@copied:
        cp 0                    ; (patched: T[n]'s low byte)
        jr nz,@copy
        ld a,e
        and 31
        jr nz,@word             ; (a group's 16 entries end at its 32nd byte)
        ld a,e
        cp (pl_tables + 64) & 255
        jr nz,@table
        jp pl_keys
        .assert * - pl_wide_held == PL_WIDE_HELD_BYTES, "pl_wide_held_code's size (the room's test)"
        .endmacro

.ifdef AT_FAST_MEANS

; S(n) = n * n for n = -256..255 (n = -256 is never read): low bytes at
; AT_SQ_PAGE * 256 + n for n >= 0, (AT_SQ_PAGE - 2) * 256 + n + 256 below zero, each
; page's high bytes on the next page (one inc h from a low byte to its high byte): an
; index of w - vl needs only its borrow, doubled, for the page (matvec's table is offset
; by 127 for its displacements).
        .align 256
at_sq_table:
        .repeat 2, half                 ; n < 0, then n >= 0
        .repeat 256, i
        .byte ((i - 256 + 256 * half) * (i - 256 + 256 * half)) & 255
        .endrepeat
        .repeat 256, i
        .byte (((i - 256 + 256 * half) * (i - 256 + 256 * half)) >> 8) & 255
        .endrepeat
        .endrepeat
AT_SQ_PAGE      = (at_sq_table >> 8) + 2
        .assert at_sq_table % 256 == 0, "the means' squares table must open a page"
at_count:       .byte 0
at_lut:         .res AT_MAX_POSITIONS
        at_variables
.ifdef AT_FAST_SCORES
        at_fast_variables
.endif
.ifdef AT_PLANE_SCORES
        at_plane_variables
.endif
        at_head_variables
.ifdef AT_EXP_AT_INDEX                  ; (twenty-ninth round, zxatt128c: at_zero_weight and pl_tables in
.ifdef AT_KEPT_MEANS                    ; the room before exp_lut, which opens the page's second half, so
        at_zero_weight_code             ; that the weights' loop reads it at 128 + max f - f as it is)
.endif
.ifndef AT_SHORT_SCORES                 ; (with it: in a page with the word scores, after at_short_weights)
        .align 32
        pl_tables_space
.else
        at_kept_head_code               ; (in the tables' room before exp_lut: 30 bytes fewer below $C000)
.endif
        .assert (* & 255) <= AT_WEIGHT_INDEX && (at_lut & $FF00) == (* & $FF00), "the weights' loop reads exp_lut at its page's byte 128 + (max f - f)"
        .res AT_WEIGHT_INDEX - (* & 255)
.endif
        at_exp_table                    ; (in at_lut's page: the fast weights' loop reads it by its low byte)
        .assert at_lut % 256 == 1, "at_fast_dimension counts the positions by at_lut's low byte"
.ifdef AT_EXP_AT_INDEX
        .assert exp_lut % 256 == AT_WEIGHT_INDEX, "the weights' loop reads exp_lut at its page's byte 128 + (max f - f)"
.endif

; at_fast_wide_out - at_fast_dimension's way out for a v beyond -256..255 (from at_fast_wide):
; this dimension by the product loop, and with AT_PAGED_VALUES the head's next one by the fast
; walk again (the dimensions left kept for it: a wide v's dimension seldom has wide neighbours;
; thirty-second round, zxlong32: "are you a robot" -18,000 a reply step); without it the head's
; others by the product loop too.
at_fast_wide_out:
        ld hl,-4
        add hl,sp               ; at_row = &v[0][d] = SP - 2 + 2 j, SP just past v[j][d] and E = j + 1
        ld d,0
        add hl,de
        add hl,de
        ld (at_row),hl
        ld sp,(at_fast_sp)
.ifdef AT_PAGED_VALUES
        .byte $DD,$7D           ; ld a,ixl: the dimensions left, this one's too (the product loop
        dec a                   ; takes IX), for the fast walk after this dimension
        ld (attend_head@dimensions_left + 2),a
.else
        ld hl,attend_head@dimension_slow
        ld (attend_head@dimension + 1),hl
.endif
        jp attend_head@dimension_slow

; at_weight_squares - sum_j S(lut[j]) over the head's at_count positions (<= 20 * 65025,
; summed in IXH:IY by the weights' loop), the count and the last row's offset patched into
; at_fast_dimension, attend_head's SP in at_fast_sp.
at_weight_squares:
        ld a,(at_count)
        ld hl,at_fast_dimension@count + 1
        cp (hl)
        jr z,@count_set         ; (as the head before's: the heads of a position share it)
        ld (hl),a
.ifdef AT_KEPT_MEANS
        ld (at_kept_dimension@count + 1),a
.ifdef AT_KEPT_PAIRS
        rra                     ; (the count's bit 0 into the carry)
        ld a,AT_PAIR_EVEN       ; an even count enters the kept walk's pair at its first position,
        jr nc,@pair_entry       ; an odd one at its second
        ld a,AT_PAIR_ODD
@pair_entry:
        ld (at_kept_dimension@pair_entry),a
        ld a,(hl)               ; (the count again)
.endif
.endif
        add a,a                 ; a walk starts at the last position's v, 2 (20 - count) bytes
        neg                     ; past the dimension's start, where the walk before it ended
        add a,AT_DIMENSION_BYTES
        ld l,a
        ld h,0
        ld (at_fast_dimension@next_row + 1),hl
.ifdef AT_KEPT_MEANS
        ld (at_kept_dimension@next_row + 1),hl
.endif
@count_set:
        .byte $DD,$2E,AT_HEAD_DIM ; ld ixl,AT_HEAD_DIM: the fast dimensions left (IX is free in them)
        ld hl,2                 ; attend_head's SP, the same for each dimension (past this
        add hl,sp               ; call's return): at_fast_dimension's to restore
        ld (at_fast_sp),hl
.ifdef AT_KEPT_EVERY_HEAD
        ld hl,(at_kept)         ; every head on the kept walk (counted on the eighty prompts: it pays over
        inc l                   ; the fast walk's until ~3 of 4 weights are 0, and no weight of 0 is counted):
        inc l                   ; a head with a v beyond -256..255 (kv_wide_check's mark, bit 7 of its first
        bit 7,(hl)              ; kept sum's top byte) through at_kept_marked, its wide dimensions by the fast
        ld hl,AT_DISPATCH_CHECKED ; walk with P tested whole
        jp nz,at_kept_marked
        jp at_kept_head         ; (neither returns: at_weight_squares' return dropped)
.else
.ifdef AT_KEPT_MEANS
        ld hl,at_zeros          ; the head's walk: at_kept_dimension where its weights of 0 are
        ld a,(hl)               ; under half its positions (a weight of 0 costs it ~70 T-states
        ld (hl),0               ; more, any other ~70 fewer since zxatt128c), else at_fast_dimension
        add a,a
        ld hl,at_count
        cp (hl)                 ; (C: the kept walk)
.ifdef AT_PAGED_VALUES
        ld hl,(at_kept)         ; a head with a v beyond -256..255 (forward.s's kv_wide_check: bit 7 of
        inc l                   ; its first kept sum's top byte) takes the fast walk, its dispatch
        inc l                   ; at_fast_checked's (the kept walk cannot tell a wide P); inc l and
        bit 7,(hl)              ; bit keep the carry
        ld hl,AT_DISPATCH_NARROW
        jr z,@dispatch_set
        ld hl,AT_DISPATCH_CHECKED
.ifdef AT_KEPT_MARKED
        jp c,at_kept_marked     ; (weights of 0 under half: the kept walk, its wide dimensions by the fast one)
.endif
        or a                    ; (NC)
@dispatch_set:
        ld (at_fast_dimension@dispatch),hl
.endif
        jp c,at_kept_head
        ld hl,AT_STORE_FAST     ; (at_fast_store: its own store, AT_DST's)
        ld (at_fast_store),hl
.endif
        ld (at_fast_dimension@weight_squares + 1),iy
        .byte $DD,$7C           ; ld a,ixh
        ld (at_fast_dimension@weight_squares_high + 1),a
        ret
.endif

.ifdef AT_KEPT_MEANS
; ----- the means with each dimension's sum_j S(v) kept (the option AT_KEPT_MEANS, the 128K's) -----
; forward.s's kv_kept_sums hold, for each layer's dimension, sum_j S(v) over the positions in the
; cache (24 bits, 3 bytes a dimension, kept as each v enters it: kv_values_kept; S(v) read at
; AT_SQ_PAGE + 2 vh, so v = -256's as 0, its 65536 taken back by at_kept_far), so that
;   2 sum_j w v = sum_j S(w) + sum_j S(v) - sum_j S(w - v)      (w - v in -255..511)
; reads S(w - v) alone a position: one table read a byte plane, no S(v), and no sum of the
; vh = -1 positions' weights (twenty-ninth round, zxatt128c: the kept sums were of S(vl) and IY
; summed the w of each v < 0 for a 512 IY off the sum). A v < 0 is w - vl + 256: w - vl below 0
; is w - v (1..255) on the table's page; else w - v = 256 + (w - vl), out of line (at_kept_far,
; w + |v| >= 256: mostly the head's weight of 255). A weight of 0 is walked as any other (S(0) +
; S(v) - S(-v) = 0: the kept sum holds its S(v)), so a head takes this walk where its weights of
; 0 are under half its positions (at_weight_squares, from at_zero_weight's count), else
; at_fast_dimension's, which skips them.

        .macro at_kept_position_sum even ; S(w - v) off IXH:B:C (HL = &S(w - v), low byte), then
        ld a,c                  ; the next position (at_kept_dimension@position) or the division;
        sub (hl)                ; `even` (AT_KEPT_PAIRS: a pair's first position, E even) E - 1 on, no test
        ld c,a
        inc h                   ; the high plane, a page on
        ld a,b
        sbc a,(hl)
        ld b,a
        .if even
        jr c,at_kept_borrow_even
        dec e                   ; (1 or more: the pair's second position next)
        .else
        jr c,at_kept_borrow     ; (out of line: 5 T-states fewer a position without one)
        dec e
        jp nz,at_kept_dimension@position
        .endif
        .endmacro

        .macro at_kept_far_code even    ; w - v = 256 + A (A = w - vl, 0..255): S(w - v) = S(A) + 512 A + 65536
        ld h,a
        ld a,l
        or a
        jr z,@v_minus_256       ; v = -256 (vl = 0): its S(v), 65536, is 0 in the kept sum (the table's)
        .byte $DD,$25           ; dec ixh: the 65536
@v_minus_256:
        ld a,h
        ld l,a                  ; L = A
        add a,a                 ; 512 A: 2 A's low byte off B, its carry (A >= 128) off IXH
        jr nc,@low_half
        .byte $DD,$25           ; dec ixh
@low_half:
        ld h,a
        ld a,b
        sub h
        ld b,a
        jr nc,@no_borrow
        .byte $DD,$25           ; dec ixh
@no_borrow:
        ld h,AT_SQ_PAGE         ; HL = &S(A), low byte
        at_kept_position_sum even
        .if even
        jp at_kept_dimension@position_odd
        .else
        jp at_kept_dimension@positions_done
        .endif
        .endmacro

; at_kept_pair_ways_code - AT_KEPT_PAIRS' ways out of line for a pair's first position (after
; at_kept_dimension@positions_done); with AT_KEPT_DIVISION, whose division follows the walk there, its
; near part (at_kept_pair_near_code) between at_kept_far and at_kept_borrow and at_kept_far_even before
; at_kept_far, each in its jr's reach
        .macro at_kept_pair_near_code
AT_PAIR_EVEN    = $FE           ; at_kept_dimension@pair_entry's opcodes: cp n (falls through), jr
AT_PAIR_ODD     = $18
; AT_KEPT_PAIRS (thirty-third round, zxwalk33: the 128K's) - the kept walk two positions a pass: the first
; (E even) with no test of E after it, the second with the loop's; a head's odd count enters at the second.
; A pair's first position's ways out of line are these copies, on to the second: 10 T-states a pair fewer.
at_kept_borrow_even:            ; at_kept_position_sum's borrow into the top byte, E - 1 >= 1 on
        .byte $DD,$25           ; dec ixh
        dec e
        jp at_kept_dimension@position_odd
at_kept_no_borrow_even:         ; at_kept_no_borrow's copy (w - vl 0 or more)
        bit 1,h
        at_paged_negative_jr at_kept_far_even
        ld l,a
        inc h
        inc h                   ; HL = &S(w - v), low byte
        at_kept_position_sum 1
        jp at_kept_dimension@position_odd
        .endmacro
        .macro at_kept_pair_ways_code
        at_kept_pair_near_code
at_kept_far_even:
        at_kept_far_code 1
        .endmacro
.ifdef AT_KEPT_DIVISION
.ifdef AT_KEPT_PAIRS
at_kept_far_even:
        at_kept_far_code 1
.endif
.endif
at_kept_far:
        at_kept_far_code 0
.ifdef AT_KEPT_DIVISION
.ifdef AT_KEPT_PAIRS
        at_kept_pair_near_code
.endif
.endif
.ifdef AT_PAGED_VALUES
at_kept_borrow:                 ; at_kept_position_sum's borrow into the top byte (~1 position in 9)
        .byte $DD,$25           ; dec ixh
        dec e
        jp nz,at_kept_dimension@position
        jp at_kept_dimension@positions_done
at_kept_no_borrow:              ; w - vl 0 or more (A; L = vl, H = P): w - v = w - vl for vh = 0 (v >= 0),
        bit 1,h                 ; on AT_SQ_PAGE, 2 pages above P (~1 position in 4 with v >= 0);
        at_paged_negative_jr at_kept_far ; w - vl + 256 for vh = -1 (at_kept_far)
        ld l,a
        inc h
        inc h                   ; HL = &S(w - v), low byte
        at_kept_position_sum 0
        jp at_kept_dimension@positions_done
.else
at_kept_above:                  ; w - v 0 or more (v >= 0; a branch on its borrow: no page reckoned
        ld h,AT_SQ_PAGE         ; from it): HL = &S(w - v), low byte (~1 position in 4 with v >= 0)
        at_kept_position_sum 0
        jp at_kept_dimension@positions_done
at_kept_borrow:                 ; at_kept_position_sum's borrow into the top byte (~1 position in 9)
        .byte $DD,$25           ; dec ixh
        dec e
        jp nz,at_kept_dimension@position
        jp at_kept_dimension@positions_done

at_kept_wide:
        exx                     ; (out's pointer back where attend_head@store reads it)
        ld (AT_DST),hl
        exx
        jp at_fast_wide_out     ; (E and SP as at_fast_dimension leaves them)
at_kept_negative:               ; v = vl - 256 (A = w, L = vl): w - v = w - vl + 256
        sub l                   ; w - vl below 0 (vl = v + 256: mostly above w): w - v is A, 1..255
        jr nc,at_kept_far
        ld l,a
        ld h,AT_SQ_PAGE         ; HL = &S(w - v), low byte (its own copy: no jump back to the walk)
        at_kept_position_sum 0
        jp at_kept_dimension@positions_done
.endif

.ifdef AT_KEPT_PAIRS
.ifndef AT_PAGED_VALUES
        .assert 0, "AT_KEPT_PAIRS is the paged walk's (AT_PAGED_VALUES)"
.endif
.endif

.ifdef AT_KEPT_DIVISION
; at_kept_division_store: AT_KEPT_DIVISION's kept store (A = out[d]'s low byte, the carry its sign) through
; HL', out's pointer (in one page: inc l), A the next dimension's first kept byte through DE', then on to it
; while B' counts some left; `next` labels its `jp nz`
        .macro at_kept_division_store next
        exx
        ld (hl),a
        inc l                   ; (fw_att lies in one page: forward.s)
        sbc a,a                 ; the high byte: 0, or $FF below zero (the rounds' last carry out)
        ld (hl),a
        inc l
        ld a,(de)               ; the next dimension's first kept byte (DE' its kept sums' pointer; read
        inc e                   ; after the head's last too, unused)
        dec b                   ; the dimensions left (B': at_kept_head set 8, at_kept_marked_dimension IXL)
        exx
next:
        jp nz,at_kept_dimension@next_dimension ; (AT_KEPT_MARKED: at_kept_marked_dimension for a marked head)
        .endmacro
.endif

; at_kept_dimension - at_fast_dimension's work for a head whose walk this is: IXH:B:C starts
; at sum_j S(w) + the dimension's kept sum_j S(v), each position takes its S(w - v) off,
; and the division and store are at_fast_dimension's (at_fast_store's kept form: out's pointer in HL'),
; all in one register set: SP pops v into HL, which then points at S(w - v) (no exx a position).
at_kept_dimension:
        ld sp,(at_row)
.ifdef AT_KEPT_DIVISION                 ; (the kept sums' pointer in DE', stepped by inc e: kv_kept_sums lie in
@next_dimension:                ; one page; A its first byte, read by at_kept_head or the store before)
@squares_low:
        add a,0                 ; (patched: sum_j S(w), the head's, byte by byte)
        ld c,a
        exx                     ; (exx and inc keep the carry)
        ld a,(de)
        inc e
        exx
@squares_mid:
        adc a,0
        ld b,a
        exx
        ld a,(de)
        inc e
        exx
@squares_high:
        adc a,0
        .byte $DD,$67           ; ld ixh,a: IXH:B:C = sum_j S(w) + sum_j S(v)
.else
@next_dimension:
        ld hl,0                 ; (patched: the head's first kept sum, at_kept, then each dimension's next)
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
@squares_high:
        adc a,0
        .byte $DD,$67           ; ld ixh,a: IXH:B:C = sum_j S(w) + sum_j S(v)
        inc l
        ld (@next_dimension + 1),hl
.endif
@next_row:
        ld hl,0                 ; (patched once a head: 2 (20 - count))
        add hl,sp
        ld sp,hl                ; SP pops v[j][d] in order, j = count-1..0
@count:
        ld de,at_lut & $FF00    ; (its low byte patched: at_count) E = j + 1
.ifdef AT_KEPT_PAIRS
@pair_entry:                    ; (patched by at_weight_squares: this jr for an odd count, `cp n` for an
        jr @position_odd        ; even one, which falls into the pair's first position)
.endif
@position:
        ld a,(de)               ; w
.ifdef AT_PAGED_VALUES
        pop hl                  ; L = vl, H = P (no v beyond -256..255 in a head on this walk)
        sub l                   ; w - vl
.ifdef AT_KEPT_PAIRS                    ; (a pair's first position, E even: its own ways out, no test after it)
        jr nc,at_kept_no_borrow_even
        ld l,a
        at_kept_position_sum 1
@position_odd:                  ; (the pair's second: E odd, the loop's test after it)
        ld a,(de)
        pop hl
        sub l
.endif
        jr nc,at_kept_no_borrow ; (below 0 the walk's own, the more usual)
        ld l,a                  ; HL = &S(w - v), low byte: w - v = w - vl below 0 on P = AT_SQ_PAGE - 2
        at_kept_position_sum 0    ; for vh = 0, w - vl + 256 (1..255) on P = AT_SQ_PAGE for vh = -1
.else
        pop hl                  ; L = vl, H = vh
        inc h
        jr z,at_kept_negative   ; vh = -1
        dec h
        jr nz,at_kept_wide      ; vh beyond 0 and -1
        sub l                   ; w - v
        ld l,a
        jr nc,at_kept_above     ; (twenty-ninth round: below 0 the walk's own, the more usual)
        ld h,AT_SQ_PAGE - 2     ; HL = &S(w - v), low byte, page AT_SQ_PAGE - 2
        at_kept_position_sum 0
.endif
@positions_done:                ; n = IXH:B:C (2 sum w v) into at_fast_dimension's division (H:L = n >> 8,
        .byte $DD,$7C           ; ld a,ixh: A its low byte, the carry n's sign), which runs in this set
        ld h,a
        rla
        ld l,b
        ld a,c                  ; (the loads keep rla's carry)
.ifndef AT_KEPT_DIVISION
        jp at_fast_dimension@divisor
.else
; AT_KEPT_DIVISION (thirty-fourth round, zxdiv34: the 128K's) - the kept walk's own copy of
; at_fast_dimension's division (its rounds and their two chains, read there) on from its last
; position, no jp to it (10 T-states a dimension); each chain's end its own copy of the kept store
; (the P chain's no jp to it: 10 more where the last round runs in it), out's pointer in HL' stepped by
; inc l (forward.s asserts fw_att within a page: 4 fewer); M patched here by the weights' end (a marked
; head's at_kept_marked copies it into at_fast_dimension's), and at_fast_store no longer patched back to
; its kept form a head (at_kept_head: only a marked head's wide dimensions use it, in its fast form).
@divisor:
        ld de,0                 ; (patched once a head by attend_head's weights: -M, M = 2 lut_sum)
        ld bc,0                 ; (patched: M)
        jr c,@negative_rounds   ; (n < 0: its rounds start in the N chain)
        rla                     ; the P chain's first round (R >= 0), q7 = 0 on into the N chain
        adc hl,hl
        add hl,de
        jr c,@p_rounds
@n_rounds:                      ; rounds 6..1 (R < 0), round 0 on into its store
        .repeat 6, round
        rla
        adc hl,hl
        add hl,bc
        jr c,@p_rounds + (round + 1) * AT_P_ROUND
        .endrepeat
        rla
        adc hl,hl
        add hl,bc
        rla                     ; A = the quotient, the carry its sign (the first rla's carry in)
        at_kept_division_store @n_next
        ld sp,(at_fast_sp)      ; (the head's end: its SP, as at_fast_store puts it back)
        jp attend_head@head_end
@negative_rounds:               ; at_fast_negative_rounds' copy: q7 = 1 on into the P chain
        rla
        adc hl,hl
        add hl,bc
        jr nc,@n_rounds
@p_rounds:
        .repeat 6, round
        rla
        adc hl,hl
        add hl,de
        jr nc,@n_rounds + (round + 1) * AT_N_ROUND
        .endrepeat
        rla
        adc hl,hl
        add hl,de
        rla
        at_kept_division_store @p_next
        jr @n_next + 3          ; (the head's end)
AT_KEPT_N_NEXT  = @n_next + 1   ; the stores' `jp nz,next` operands (AT_KEPT_MARKED patches them)
AT_KEPT_P_NEXT  = @p_next + 1
.endif
.ifndef AT_KEPT_DIVISION                ; (with it before at_kept_dimension, in its jr's reach)
.ifdef AT_KEPT_PAIRS
        at_kept_pair_ways_code
.endif
.endif

.ifndef AT_SHORT_SCORES                 ; (with it: in the room before exp_lut)
        at_kept_head_code
.endif

.ifdef AT_KEPT_MARKED
.ifndef AT_PAGED_VALUES
        .assert 0, "AT_KEPT_MARKED reads AT_PAGED_VALUES' marks"
.endif
.endif
.ifdef AT_KEPT_DIVISION
.ifndef AT_FAST_DIVISION
        .assert 0, "AT_KEPT_DIVISION is a copy of AT_FAST_DIVISION's rounds after at_kept_dimension's walk"
.endif
.endif
.ifdef AT_KEPT_EVERY_HEAD
.ifndef AT_KEPT_MARKED
        .assert 0, "AT_KEPT_EVERY_HEAD sends a marked head (a v beyond -256..255) to AT_KEPT_MARKED's at_kept_marked"
.endif
.endif
.ifdef AT_KEPT_MARKED
; AT_KEPT_MARKED (thirty-second round, zxwalk32: the 128K's with MV_COARSE_UNCALLED's room) - a head
; whose cache holds a v beyond -256..255 (kv_wide_check's mark) and whose weights of 0 are under half
; its positions takes the kept walk for each dimension without such a v, and the fast walk with P tested
; whole (and its product loop for a wide v of a nonzero weight) for each dimension kv_wide_check marked
; (bit 6 of the dimension's own kept top byte), then the kept walk again: before it, the whole head took
; the fast walk. at_kept_marked - at_weight_squares' way for such a head (HL = AT_DISPATCH_CHECKED,
; IXH:IY = sum_j S(w)): both walks' constants set, the kept store's way on to at_kept_marked_dimension
; (each dimension's start tells the walk), at_weight_squares' return dropped.
at_kept_marked:
        ld (at_fast_dimension@dispatch),hl
        ld (at_fast_dimension@weight_squares + 1),iy
        .byte $DD,$7C           ; ld a,ixh
        ld (at_fast_dimension@weight_squares_high + 1),a
        ld (at_kept_marked_dimension@squares_high + 1),a
        .byte $FD,$7D           ; ld a,iyl
        ld (at_kept_marked_dimension@squares_low + 1),a
        .byte $FD,$7C           ; ld a,iyh
        ld (at_kept_marked_dimension@squares_mid + 1),a
.ifdef AT_KEPT_DIVISION                 ; (the kept dimensions' own division and stores; its M into the fast walk's)
        ld hl,(AT_M_PLUS)
        ld (AT_FAST_PLUS_M),hl
        ld hl,(AT_M_MINUS)
        ld (AT_FAST_MINUS_M),hl
        ld hl,at_kept_marked_dimension
        ld (AT_KEPT_N_NEXT),hl
        ld (AT_KEPT_P_NEXT),hl
.else
        ld hl,AT_STORE_KEPT
        ld (at_fast_store),hl
        ld hl,at_kept_marked_dimension
        ld (at_fast_store@kept_next + 1),hl
.endif
        exx
        ld hl,(AT_DST)          ; (out's pointer in HL', the kept walk's)
        exx
        pop hl                  ; (at_weight_squares' return)
        ld sp,(at_row)          ; (the head's first dimension: as a walk before it would leave SP)
.ifdef AT_KEPT_MARKED_APART
        jp at_kept_marked_dimension ; (in the player's room below $C000: keptmarked.s)
.else
        .include "keptmarked.s" ; (at_kept_marked_dimension, on from here, and the fast walk's ways back)
.endif
.endif


.ifdef AT_SHORT_SCORES
.ifndef AT_KEPT_MEANS
        .assert 0, "AT_SHORT_SCORES is the weights' loop of AT_PLANE_SCORES, AT_FAST_MEANS and AT_KEPT_MEANS"
.endif
.ifndef AT_EXP_AT_INDEX
        .assert 0, "AT_SHORT_SCORES reads exp_lut at its page's byte 128 + (max f - f), AT_EXP_AT_INDEX"
.endif
.ifdef AT_LUT_IN_WEIGHTS
        .assert 0, "AT_SHORT_SCORES stores the weights at at_lut"
.endif
; AT_SHORT_SCORES (thirty-third round, zxwalk33: the 128K's) - pl_keys keeps each f as a word (|f| <= 2048:
; PL_SCORE_BYTES), not four bytes, 34 T-states a key fewer, and its heads take this weights' loop, which
; pops one word a key and tests max f + 128 - f in 16 bits (128..8,320: exact), 17 T-states a key fewer
; than attend_head@weight's (24 since zxwalk34's index a byte at a time); the old dot's heads keep that loop and their four bytes. The same weights,
; sum_j S(w) and weights of 0 (counted in at_zeros) as attend_head's loop, on to its @weights_end. With
; pl_tables and pl_scores in one page (below) pl_keys keeps H at it: 14 T-states a key fewer again.
at_short_weights:
        ld hl,(at_max)
        ld de,AT_WEIGHT_INDEX
        add hl,de
        ld b,h                  ; BC = max f + 128 through the loop (thirty-seventh round, zx128heads37: main BC
        ld c,l                  ; is free here; 6 T-states a key and 26 a head fewer than two patched operands)
        ld a,(at_count)
        .byte $DD,$6F           ; ld ixl,a: the positions left
        add a,a
        neg
        ld l,a
        ld h,pl_scores >> 8     ; HL = key 0's score (the last ends at the page's end: pl_keys' loop)
        ld (at_fast_sp),sp
        ld sp,hl                ; (at_weights_start's other set, from key 0's score)
        exx
        ld hl,0                 ; H'L' = the weights' sum (D' = 0)
        ld d,h
        ld bc,at_lut            ; B'C' = the weight's place
        exx
        ld iy,0                 ; IXH:IY = sum_j S(w), the means' (at_weight_squares)
        .byte $DD,$26,0         ; ld ixh,0
@weight:
        pop de                  ; f (pl_scores')
        ld a,c                  ; 128 + (max f - f), 128..8,320, a byte at a time (thirty-fourth round,
        sub e                   ; zxwalk34: 7 T-states a key fewer than ld hl,nn / sbc hl,de / ld a,h / or a)
        ld l,a
        ld a,b
        sbc a,d                 ; max f - f >= 128? then the weight is 0
        jr nz,@zero
        ld h,exp_lut >> 8       ; (exp_lut at its page's byte 128: L is the place)
        ld a,(hl)
.ifdef AT_SQUARES_BY_INDEX
        ld h,at_sq_index >> 8   ; S(w) at the same L: at_sq_index's low bytes, its high bytes a page on
.else
        ld l,a                  ; S(w) at AT_SQ_PAGE * 256 + w, its high byte a page on
        ld h,AT_SQ_PAGE
.endif
        ld e,(hl)
        inc h
        ld d,(hl)
        add iy,de
        jp nc,@squared          ; (jp: 2 T-states fewer than a jr taken, the usual)
        .byte $DD,$24           ; inc ixh
@squared:
.ifndef AT_SQUARES_BY_INDEX
        ld a,l
.endif
        exx
        ld (bc),a
        inc c                   ; (at_lut lies in one page)
        ld e,a
        add hl,de
        exx
        .byte $DD,$2D           ; dec ixl
        jp nz,@weight
        jp attend_head@weights_end
@zero:                          ; as at_zero_weight: stored, counted, not summed
        exx
        xor a
        ld (bc),a               ; (at_lut's 0)
        inc c                   ; (at_lut lies in one page)
        exx
.ifndef AT_KEPT_EVERY_HEAD              ; (with it no walk is chosen by the count)
        ld hl,at_zeros
        inc (hl)
.endif
        .byte $DD,$2D           ; dec ixl
        jp nz,@weight
        jp attend_head@weights_end
; pl_tables and pl_scores in one page (H the same for pl_keys' table reads and its score stores: 14 T-states
; a key fewer than the tables before exp_lut and the scores in matvec's column flags)
        .align 32
        .if (* & 255) + 64 + 2 * AT_MAX_POSITIONS > 256
        .res 256 - (* & 255)
        .endif
        pl_tables_space
        .if 256 - 2 * AT_MAX_POSITIONS - (* & 255) >= PL_WIDE_HELD_BYTES
PL_WIDE_HELD_IN_ROOM = 1                ; (cold code from after the page: the room is not lost)
        pl_wide_held_code
        .endif
        .res 256 - 2 * AT_MAX_POSITIONS - (* & 255)
pl_scores:      .res 2 * AT_MAX_POSITIONS       ; pl_keys' f, words (at_short_weights pops them), the last
pl_scores_end:                                  ; key's at the page's end: 2 count before it is key 0's
        .assert (pl_scores & $FF00) == (pl_tables & $FF00) && (pl_scores_end & 255) == 0, "pl_keys keeps H at the tables' page for its score stores, and ends on inc l's wrap"
.endif

.ifdef AT_SQUARES_BY_INDEX
.ifndef AT_SHORT_SCORES
        .assert 0, "AT_SQUARES_BY_INDEX is at_short_weights' (AT_SHORT_SCORES)"
.endif
; AT_SQUARES_BY_INDEX (thirty-third round, zxsmall33: the 128K's) - at_short_weights reads S(w) for w =
; exp_lut[d] straight from the weight's index L = 128 + d (d = max f - f, 0..127): the low bytes of
; S(exp_lut[d]) at at_sq_index + d, at a page's byte 128, their high bytes a page on, so that no `ld l,a`
; and no `ld a,l` (A keeps w): 8 T-states a weight above 0. The table is exp_lut's (at_exp_table's
; LUT[d], 0 at 127) squared; its two halves leave the lower half of the second page (128 bytes) free.
; at_sq_index_table opens them at the next page's byte 128 (the player's: at $BE80, its gap room).
        .macro at_sq_index_table
        .res (384 - (* & 255)) & 255
at_sq_index:
        .repeat 128, d
        .byte ((d < 127) * clamp(round(255.0 * exp(-d / 16.0)), 1, 255)) * ((d < 127) * clamp(round(255.0 * exp(-d / 16.0)), 1, 255)) & 255
        .endrepeat
at_sq_index_gap:                        ; (free: the next page's lower half)
        .res 128
at_sq_index_high:
        .repeat 128, d
        .byte ((d < 127) * clamp(round(255.0 * exp(-d / 16.0)), 1, 255)) * ((d < 127) * clamp(round(255.0 * exp(-d / 16.0)), 1, 255)) >> 8
        .endrepeat
        .assert (at_sq_index & 255) == 128 && at_sq_index_high == at_sq_index + 256, "at_short_weights reads S(w) at L (128 + d), its high byte a page on"
        .endmacro
.ifndef AT_SQ_INDEX_APART
        at_sq_index_table               ; (a bench's: the player places it below $C000)
.endif
.endif

.ifdef AT_PAGED_VALUES
AT_DISPATCH_NARROW = $48CB      ; bit 1,b (at_fast_dimension@dispatch's, as assembled)
AT_DISPATCH_CHECKED = $18 | ((at_fast_checked - at_fast_dimension@dispatch - 2) & 255) << 8 ; jr at_fast_checked
        .assert at_fast_checked - at_fast_dimension@dispatch - 2 >= -128, "at_fast_checked lies past the dispatch's jr"
.endif

.ifndef AT_EXP_AT_INDEX                 ; (with it: in the room before pl_tables)
        at_zero_weight_code
.endif

.ifdef AT_KEPT_DIVISION
at_kept = AT_KEPT_FIRST_SUMS    ; the head's kept sums (forward.s's kv_kept_sums + 24 (4 layer + head)), set by
                                ; fw_attend where at_kept_head reads them into DE'
.else
at_kept = at_kept_dimension@next_dimension + 1 ; the head's kept sums (forward.s's kv_kept_sums + 24 (4 layer
                                ; + head)), set by fw_attend where the walk reads and steps them
.endif
.ifndef AT_KEPT_EVERY_HEAD
at_zeros:       .byte 0         ; the head's weights of 0 (at_zero_weight)
.endif
.endif
.endif

.ifdef AT_TABLE_MEANS
; at_means_divide - C:A = floor(D:E:H:L / m) for BC = -m, m in 1..32767, when the quotient fits 16
; signed bits (a weighted mean). A mean in -256..255 (all the shipped soul's) takes 8 restoring
; rounds, below zero on n + 256 m (0..256 m - 1: its quotient's low byte is the mean's, $FF
; the high), and returns from them; a wider one 16, below zero on ~n = -n - 1 (floor(n / m) =
; ~(~n / m)). The dividend's bytes shift out of A as the quotient's bits shift in (the carry
; of R + (65536 - m): R >= m; twenty-third round: -m added, not m subtracted, 4 T-states fewer
; a quotient bit of 1 and no cpl). Clobbers BC, DE, HL (and AF' for a wide mean).
; The caller's -m: attend_head's AT_MEANS_DIVISOR (-2 lut_sum), vecops.s's at_wide_dimension's too.
at_means_divide:
        ld a,d
        or a
        jr nz,@negative         ; n < 0, or n >= 2^24
        ld a,h
        add a,c
        ld a,e
        adc a,b
        jr c,@wide              ; n >> 8 >= m: the mean is 256 or more
@narrow:                        ; E:H:L = the dividend, (E:H) < m; D = the quotient's high byte
        ld a,l
        ld l,h
        ld h,e                  ; HL = the remainder so far, A = the dividend's last byte
        ld e,c
        ld c,d
        ld d,b                  ; DE = -m, C = the high byte (on into the rounds: A the low byte)
@eight:                         ; HL = R < m, A = 8 dividend bits, DE = -m: A = 8 quotient bits
.ifdef AT_MEANS_CHAINS                  ; (attend_head's chains take the narrow means: these rounds run for
AT_DIVIDE_PASSES = 8                    ; at_wide_dimension's and the wide means alone, a round a pass)
.else
.ifdef AT_DIVIDE_UNROLLED               ; (the 48K's where it fits, build.py: 28 bytes for 28 T-states a call)
AT_DIVIDE_PASSES = 1
.else
AT_DIVIDE_PASSES = 2                    ; four rounds a pass
.endif
.endif
AT_DIVIDE_ROUNDS = 8 / AT_DIVIDE_PASSES
.if AT_DIVIDE_PASSES > 1
        ld b,AT_DIVIDE_PASSES
@round:
.endif
        .repeat AT_DIVIDE_ROUNDS
        rla                     ; the last round's bit in, the dividend's next bit out
        adc hl,hl               ; R = 2R + bit (< 2m: no carry out)
        add hl,de               ; R - m: carries when R >= m (the quotient bit)
        jr c,* + 4
        sbc hl,de               ; R < m: back (the carry clear: it stays so)
        .endrepeat
.if AT_DIVIDE_PASSES > 1
        djnz @round
.endif
        rla                     ; the last bit in
        ret
@negative:
        inc a
        jr nz,@wide             ; n >= 2^24 or n < -2^24
        ld a,h                  ; E:H += m: D:E:H:L = n + 256 m, exactly when E:H - (65536 - m)
        sub c                   ; does not borrow
        ld h,a
        ld a,e
        sbc a,b
        ld e,a
        jr nc,@narrow           ; n + 256 m >= 0: the mean in -256..-1, D = $FF its high byte
        call @wide              ; floor((n + 256 m) / m), still below zero
        dec c                   ; - 256
        ret
@wide:                          ; the mean beyond -256..255: 16 rounds
        bit 7,d
        jr z,@sixteen
        ld a,d                  ; ~n = -n - 1 >= 0 (thirty-second round: in line, 3 bytes fewer than
        cpl                     ; a DE = ~DE called twice around ex de,hl)
        ld d,a
        ld a,e
        cpl
        ld e,a
        ld a,h
        cpl
        ld h,a
        ld a,l
        cpl
        ld l,a
        call @sixteen           ; ~n / m, then ~ of it
        cpl
        ld b,a
        ld a,c
        cpl
        ld c,a
        ld a,b
        ret
@sixteen:                       ; D:E:H:L = n >= 0, n >> 16 < m: C:A = n / m
        ld a,l
        ex af,af'               ; A' = the last byte (AF' is free in the means)
        ld a,h
        ex de,hl                ; HL = the remainder so far (n >> 16 < m)
        ld d,b
        ld e,c                  ; DE = m
        call @eight
        ld c,a                  ; the quotient's high byte (B counts the rounds)
        ex af,af'
        jr @eight
.endif

.ifdef AT_KEPT_TABLE
; ----- the 48K's kept means (AT_KEPT_MEANS with AT_TABLE_MEANS, twenty-first round) -----
; As the 128K's at_kept_dimension (above: IXH:B:C starts at sum_j S(w) + the dimension's kept
; sum_j S(vl) and each position takes its S(w - vl) off), through matvec's squares (squares.s:
; S(n) at MV_SQ_PAGE * 256 + $7F + n, n = -255..255, its high byte 512 bytes on), so that the
; page of n = w - vl is MV_SQ_PAGE less its borrow plus the carry of (n mod 256) + $7F: three
; tails, one a page. Every head takes it (a weight of 0 walked as any other: no at_fast_dimension
; walk); each dimension's n = 2 sum_j w v goes to at_fast_dimension's division and at_fast_store
; (SP stays in v), which runs on to the next dimension; a wide v sends the head's dimensions from
; its own on to the product loop (attend_head@dimension: vecops.s's at_wide_dimension).
        .assert mv_sq_lo + 255 == MV_SQ_PAGE * 256 + $7F && mv_sq_hi - mv_sq_lo == 512, "the kept walk reads matvec's squares at MV_SQ_PAGE * 256 + $7F + n"

        .macro at_kept_table_sum        ; S(w - vl) off IXH:B:C (HL = &S(w - vl), low byte), then
        ld a,c                  ; the next position (at_kept_dimension@position) or the division
        sub (hl)
        ld c,a
        inc h                   ; the high plane, 512 bytes on
        inc h
        ld a,b
        sbc a,(hl)
        ld b,a
        jr nc,* + 4
        .byte $DD,$25           ; dec ixh (the borrow into the top byte)
        dec e
        jp nz,at_kept_dimension@position
        .endmacro

at_kept_negative:               ; v = vl - 256 (A = w, L = vl): IY += w through the other set's
        exx                     ; B'C' (B' = 0: attend_head@means)
        ld c,a
        add iy,bc               ; IY = sum w over the vh = -1
        exx
        sub l                   ; n = w - vl (vl = v + 256: mostly above w)
        jr nc,at_kept_dimension@above
at_kept_below:                  ; n below 0 (A = n + 256): page MV_SQ_PAGE - 1, or MV_SQ_PAGE on the carry
        add a,$7F
        ld l,a
        jr c,at_kept_dimension@middle
        ld h,MV_SQ_PAGE - 1
        at_kept_table_sum
        jp at_kept_dimension@positions_done
at_kept_high:                   ; n in 129..255: page MV_SQ_PAGE + 1
        ld h,MV_SQ_PAGE + 1
        at_kept_table_sum
        jp at_kept_dimension@positions_done
at_kept_wide:                   ; a v beyond -256..255: this dimension and the head's others by the
        ld hl,-4                ; product loop (attend_head@dimension's), from &v[0][d] = SP - 2 + 2 j
        add hl,sp               ; (SP just past v[j][d], E = j + 1)
        ld d,0
        add hl,de
        add hl,de
        ld (at_row),hl
        ld ix,(at_row)
        ld hl,(AT_DST)
        ld (attend_head@out + 1),hl
        jp at_wide_dimension    ; (SP back in attend_head's stack there)

at_kept_dimension:              ; (SP where the walk before ended: the dimension's start)
@next_dimension:
        ld hl,0                 ; (patched: the head's first kept sum, at_kept, then each dimension's next)
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
@squares_high:
        adc a,0
        .byte $DD,$67           ; ld ixh,a: IXH:B:C = sum_j S(w) + sum_j S(vl)
        inc l
        ld (@next_dimension + 1),hl
@next_row:
        ld hl,0                 ; (its low byte patched once a head: 2 (20 - count))
        add hl,sp
        ld sp,hl                ; SP pops v[j][d] in order, j = count-1..0
        ld iy,0                 ; IY = sum_j w over the vh = -1
@count:
        ld de,at_lut & $FF00    ; (its low byte patched: at_count) E = j + 1
@position:
        ld a,(de)               ; w
        pop hl                  ; L = vl, H = vh
        inc h
        jr z,at_kept_negative   ; vh = -1
        dec h
        jr nz,at_kept_wide      ; vh beyond 0 and -1
        sub l                   ; n = w - vl
        jr c,at_kept_below
@above:                         ; n = A in 0..255 (at_kept_negative's too)
        add a,$7F
        ld l,a
        jr c,at_kept_high
@middle:                        ; n in -127..128: page MV_SQ_PAGE
        ld h,MV_SQ_PAGE
        at_kept_table_sum
@positions_done:                ; n = IXH:B:C - 512 IY into at_fast_dimension's division (H:L = n >> 8,
        add iy,iy               ; A its low byte), at_fast_store, on to the next dimension
        ld a,b
        .byte $FD,$95           ; sub iyl
        ld l,a
        .byte $DD,$7C           ; ld a,ixh
        .byte $FD,$9C           ; sbc a,iyh
        ld h,a
        rla                     ; (the carry: n's sign)
        ld a,c
        jp at_fast_dimension@divisor
        .assert at_lut % 256 == 1, "at_kept_dimension counts the positions by at_lut's low byte"

at_kept = at_kept_dimension@next_dimension + 1 ; the head's kept sums (forward.s's kv_kept_sums + 24 (4 layer
                                ; + head)), set by fw_attend where the walk reads and steps them
.endif

.ifdef AT_FAST_SCORES                   ; (after the means' table in the 128K: the code before it keeps its page)
; at_sums_dimension - a dimension of at_key_sums: S(wl) onto C':H:L, S(wh) onto B':H':L', on to
; `wide` (A = wh + 8) for a key with a high byte outside -8..7, whose at_sums_wide_key comes back to
; `high_added`, in the other register set (twenty-second round: a macro, for AT_FAST_SUMS_PAIRS).
        .macro at_sums_dimension wide, low_added, high_added
        pop bc                  ; C = wl + 128, B = wh
        .byte $DD,$69           ; ld ixl,c
        .byte $FD,$69           ; ld iyl,c
        ld e,(ix-1)
        ld d,(iy-1)
        add hl,de
.ifdef AT_FAST_SUMS_JR
        jr nc,low_added
.else
        jp nc,low_added         ; (jp: 10 T-states either way; the carry is seldom)
.endif
        exx
        inc c
        exx
low_added:
        ld a,b
        xor AT_KEYS_FLIPPED >> 8 ; wh + 128: the cache keeps it, the dims read it as it is
        ld b,a
        push bc                 ; (back where it was popped: interrupts are off)
        pop bc
        .byte $DD,$6F           ; ld ixl,a
        sub 128 - 8             ; wh + 8: 0..15 for a high byte in -8..7 (the dims' narrow mode)
        cp 16
        jr nc,wide
        exx
        ld a,l                  ; S(wh) <= 64 here: its low plane alone
        add a,(ix-1)
        ld l,a
.ifdef AT_FAST_SUMS_JR
        jr nc,high_added
.else
        jp nc,high_added
.endif
        inc h
        jr nz,high_added
        inc b
high_added:
        .endmacro
        .macro at_sums_wide_key high_added      ; S(wh) from both planes (D' alone: E' counts)
        ld (at_wide_keys),a     ; (A >= 16) the dims stay full from now on
        add a,128 - 8
        .byte $FD,$6F           ; ld iyl,a
        exx
        ld a,l
        add a,(ix-1)
        ld l,a
        ld a,h
        adc a,(iy-1)
        ld h,a
        jp nc,high_added
        inc b
        jp high_added
        .endmacro

; at_key_sums - KS of the 4 heads of a position's keys at HL (4 x 8 words) into
; DE (4 x 4 bytes), as ~KS (-KS - 1: the keys' loop adds it to 1 - Cq, twenty-first round):
; KS = 257 KN mod 2^32, KN = sum_d [S(wl) + 256 S(wh)] (two
; reads a dimension, as matvec's with a piece of 0). Clobbers AF, BC, DE, HL,
; IX, the alternate set, at_sums_row and at_fast_keep.
at_key_sums:
        push iy
        ld a,i                  ; P/V = IFF2 (SP walks the keys)
        push af
        di
        ld (at_sums_row),de
        ld (at_fast_sp),sp
        ld sp,hl
        ld ix,MV_SQ_PAGE * 256
        ld iy,(MV_SQ_PAGE + 2) * 256
        ld a,4
        ld (at_fast_keep),a     ; the heads left
.ifdef AT_FAST_SUMS_PAIRS
        jr @head
@wide_key_even:                 ; (the pair's first dimension's: within its jr's reach)
        at_sums_wide_key @even_added
.endif
@head:
        ld hl,0                 ; C':H:L = sum S(wl)
        exx
        ld hl,0                 ; B':H':L' = sum S(wh)
        ld b,h
        ld c,h
.ifdef AT_FAST_SUMS_PAIRS
        ld e,AT_HEAD_DIM / 2    ; E' = the pairs of dimensions left (two a pass: the loop's dec e and
.else                           ; jp nz, 14 T-states, every second dimension)
        ld e,AT_HEAD_DIM        ; E' = the dimensions left (twenty-first round: A' before, 8 T-states
.endif                          ; a dimension more, its ex af,af' pair)
        exx
@dim:
.ifdef AT_FAST_SUMS_PAIRS
        at_sums_dimension @wide_key_even, @even_low_added, @even_added
        exx
.endif
        at_sums_dimension @wide_key, @low_added, @high_added
        dec e
        exx
.ifdef AT_FAST_SUMS_JR
        jr nz,@dim
.else
        jp nz,@dim
.endif
        ld a,h                  ; KN = C':H:L + 256 B':H':L': k0 = L, k1..k3 into L', H', B'
        exx
        add a,l
        ld l,a
        ld a,c
        adc a,h
        ld h,a
        ld a,b
        adc a,0
        ld b,a
        ld de,(at_sums_row)     ; KS = KN + 256 KN through D'E' (free here)
        exx
        ld a,l
        exx
        cpl                     ; ~KS, the keys' loop's (1 - Cq) + ~KS = -Cq - KS (cpl keeps the carry)
        ld (de),a               ; k0
        cpl
        inc de
        add a,l                 ; k0 + k1
        cpl
        ld (de),a
        inc de
        ld a,l
        adc a,h                 ; k1 + k2
        cpl
        ld (de),a
        inc de
        ld a,h
        adc a,b                 ; k2 + k3
        cpl
        ld (de),a
        inc de
        ld (at_sums_row),de
        exx
        ld hl,at_fast_keep
        dec (hl)
        jp nz,@head
        ld sp,(at_fast_sp)
        pop af
        pop iy
        ret po
        ei
        ret
@wide_key:
        at_sums_wide_key @high_added

; at_dims_toggle - the dims' fourth square S(wh + qh) between its two planes' read (full,
; as assembled) and its low plane's alone (narrow: its high byte is 0 when |wh + qh| <= 15):
; ld a,c / adc a,(iy+H4) / ld c,a (27 T-states) <-> jr nc,* + 5 / cp H4 / inc c (12 without
; the carry, 18 with), H4's byte kept (at_dims_h4 sets it for a full head, a narrow one's is
; `cp`'s operand, whatever it holds). A = the new
; mode (AT_DIMS_NARROW). Keeps HL (at_fast_prepare's sum q); clobbers AF, B, DE.
AT_NARROW_TOGGLE = $79 ^ $30 | ($FD ^ $03) << 8 | ($8E ^ $FE) << 16 | ($4F ^ $0C) << 24
at_dims_toggle:
        ld (AT_DIMS_NARROW),a
        push hl
        ld hl,at_dims + AT_DIM_H4 - 3
        ld b,AT_HEAD_DIM
@dim:
        .repeat 3, i
        ld a,(hl)
        xor (AT_NARROW_TOGGLE >> (8 * i)) & 255
        ld (hl),a
        inc hl
        .endrepeat
        inc hl                  ; (H4's byte)
        ld a,(hl)
        xor AT_NARROW_TOGGLE >> 24
        ld (hl),a
        ld de,AT_DIM_SIZE - 4
        add hl,de
        djnz @dim
        pop hl
        ret
.endif

.ifdef AT_PLANE_SCORES
.ifdef PL_PACKED                        ; (the 48K's form, a byte a plane a head: thirty-fourth round)
        .include "planekeys48.s"
.else
; ----- the scores by bit planes (the option AT_PLANE_SCORES) -----
; q.k = sum_b 2^b P_b, P_b = the sum of the q[d] whose key word has bit b set. A key
; enters as k' = k + 2048 (0..4095 for k in -2048..2047: 12 planes, all added;
; q.k = q.k' - 2048 sum q), or as k' = k + 1024 in 11 planes and a mark when all its words
; lie in -1024..1023 (q.k = q.k' - 1024 sum q), kept as two index bytes a plane (pl_store,
; when the key enters the cache: PL_KEY_BYTES a key's head, [head][position], so that SP
; walks a head's keys). A head's q makes two tables of its subset sums (dimensions 0-3 and
; 4-7, 16 words each: pl_prepare), so P_b is two reads, and pl_keys runs R = P_0,
; R = (R >> 1) + P_b for b = 1..11 (1..10) (|R| < 2^15 while q's positive words sum below
; 16,384 and its negative ones at or above -16,384: 16 bits), whose shifted-out bits
; (q.k's bits 0..10 (0..9)) f does not need. Since the twenty-eighth round (zxatt128) plane 10
; (and a 12-plane key's plane 11) is kept complemented and subtracted: T[15 - n] = the group's sum
; - T[n], so R - T[~n] = R + P_b - sum q takes the key's offset off with it (a 12-plane key adds
; sum q back once, before its plane 11). A head with a q beyond those
; sums, or any head while a key beyond -2048..2047 is in the cache (at_wide_planes), takes
; the old dot.
PL_PLANES       = 12
PL_KEY_BYTES    = 2 * PL_PLANES
PL_HEAD_BYTES   = AT_MAX_POSITIONS * PL_KEY_BYTES       ; a head's planes, position 0 first
PL_LAYER_BYTES  = 4 * PL_HEAD_BYTES

; pl_group_tables - pl_prepare's tables of one group of four dimensions: q[q_at / 2 ..
; q_at / 2 + 3] (SP at the first, IX + q_at at it) into pl_tables + table_at, 16 words, after
; a range check of each q (to pl_wide_q: q[0], q[1] and q[3]'s high bytes + 8 ORed in
; C, which q[2] takes next). q[0] in DE, q[1] in SP, q[2] in BC, all three popped; q[3] (one
; add) is added from memory. T[0] is never written: it is 0 (pl_tables' .res, and @held's).
        .macro pl_group_tables q_at, table_at
        pop de                  ; q[0]
        pop hl                  ; q[1]
        ld a,d
        add a,8
        ld c,a
        ld a,h
        add a,8
        or c
        ld c,a
        ld a,(ix+q_at+7)
        add a,8
        or c
        and $F0                 ; (each high byte + 8 in 0..15: every q in -2048..2047)
        jp nz,pl_wide_q
        pop bc                  ; q[2]
        ld a,b
        add a,8
        cp 16
        jp nc,pl_wide_q
        ld sp,hl
        ld h,d
        ld l,e
        ld (pl_tables + table_at + 2),hl
        add hl,sp
        ld (pl_tables + table_at + 6),hl
        or a
        sbc hl,de
        ld (pl_tables + table_at + 4),hl
        add hl,bc
        ld (pl_tables + table_at + 12),hl
        add hl,de
        ld (pl_tables + table_at + 14),hl
        or a
        sbc hl,sp
        ld (pl_tables + table_at + 10),hl
        or a
        sbc hl,de
        ld (pl_tables + table_at + 8),hl
        ld l,(ix+q_at+6)        ; T[12] = q[3] + T[4] (T[4] = q[2])
        ld h,(ix+q_at+7)
        add hl,bc
        ld (pl_tables + table_at + 24),hl
        or a                    ; (T[8..15] from T[12] to T[13]: 3 sbc, not 4)
        sbc hl,bc
        ld (pl_tables + table_at + 16),hl
        add hl,de
        ld (pl_tables + table_at + 18),hl
        add hl,sp
        ld (pl_tables + table_at + 22),hl
        or a
        sbc hl,de
        ld (pl_tables + table_at + 20),hl
        add hl,bc
        ld (pl_tables + table_at + 28),hl
        add hl,de
        ld (pl_tables + table_at + 30),hl
        or a
        sbc hl,sp
        ld (pl_tables + table_at + 26),hl
        .endmacro

; pl_wide_q - pl_prepare's way for a q beyond -2048..2047 (from pl_group_tables, IX = q[4],
; attend_head's SP in at_fast_sp): the positive q's sum and the negative ones'; the planes hold
; them (@held: the tables again, looped, then on to pl_keys) or not
; (NC back to attend_head, the old dot).
pl_wide_q:                      ; a q beyond -2048..2047: the positive q's sum and the negative ones'
        ld sp,ix
        ld hl,-2 * 4
        add hl,sp
        ld sp,hl                ; SP = q[0] again
        ld hl,0                 ; H:L = the positive q's sum (0..49,150 as it may go: no wrap)
        ld d,h
        ld e,l                  ; D:E = the negative ones' (a wrap shows as H below $C0)
        ld a,2 * 4
@sum_word:
        pop bc
        bit 7,b
        jr nz,@negative
        add hl,bc
        .assert PL_SUM_LIMIT == $4000, "the positive sum's check is H < $40"
        bit 7,h
        jr nz,@too_wide
        bit 6,h
        jr nz,@too_wide
        jr @summed_word
@negative:
        ex de,hl
        add hl,bc
        bit 7,h                 ; -16,384..-1: H in $C0..$FF
        jr z,@too_wide
        bit 6,h
        jr z,@too_wide
        ex de,hl
@summed_word:
        dec a
        jr nz,@sum_word
.ifdef PL_WIDE_HELD_IN_ROOM
        jp pl_wide_held         ; (in the room before pl_scores)
.else
        jr pl_wide_held
.endif
@too_wide:
        ld sp,(at_fast_sp)
        or a                    ; (NC: the old dot)
        ret
.ifndef PL_WIDE_HELD_IN_ROOM
        pl_wide_held_code
.endif

; pl_prepare - HL = a head's q (8 words). C: the planes hold q, its tables built in Gray-code
; order (one add or sbc and one store an entry: pl_group_tables; since the thirty-seventh round no
; sum q patched into pl_keys, 81 T-states a head) and the head's scores made by pl_keys, which pl_prepare falls into (attend_head's SP kept
; in at_fast_sp for both); NC: not. The planes hold q when its positive words sum to at most 16,383 and its
; negative ones to at least -16,384 (every P_b, a subset's sum, then lies in -16,384..16,383
; and |R| < 2^15): every q in -2048..2047 does (checked as the tables are built); a head with
; one beyond (one head a turn in most of the everyday prompts, |q| ~2,100..2,600) is summed
; (pl_wide_q) and its tables built again in a loop (pl_wide_q@held). Runs with interrupts off.
; Clobbers AF, BC, DE, HL, IX.
PL_SUM_LIMIT    = 16384         ; the positive q's sum below it, the negative ones' at or above -it
pl_prepare:
        ld (at_fast_sp),sp      ; (SP walks q, then holds q[1] and q[5] while the tables are built)
        ld sp,hl
        ld ix,2 * 4
        add ix,sp               ; IX = q[4]
        pl_group_tables -8, 0
        ld sp,ix
        pl_group_tables 0, 32
        .assert * == pl_keys, "pl_prepare falls into pl_keys"

; pl_keys - the head's scores f[j] = q.k[j] >> 14 into at_scores (with AT_SHORT_SCORES as words into
; pl_scores, in the tables' page) and their max into at_max,
; as the old dot leaves them, from the planes at pl_planes and pl_prepare's tables (at_row
; is left as it was; at_sum40 is not written: the TUI's probe takes q.k from q and key j in
; RAM at attend_head@means and checks it against f there). A key
; whose words all lie in -1024..1023 is 11 planes of k + 1024 (pl_store): its last
; plane's R is q.k >> 10, one plane and one shift fewer than a 12-plane key's (@twelve, told by the
; mark in its plane 10's first byte: since the thirty-seventh round, zx128heads37, that plane added plain
; there, no sum q patched a head by pl_prepare nor added back a 12-plane key, 26 T-states fewer; an
; 11-plane key 4 more, its twelfth slot popped and the mark's test before plane 10).
; R lies in C:A (its low byte in A, so that a table's byte adds to it straight from (HL), H
; the tables' page) and the bits it shifts out are dropped: 98 T-states a plane (106 before
; the eighteenth round kept them in B by `rr b` for the probe's at_sum40; 114 with R in HL).
; |f| <= 2048 (|q|, |k| <= 2048): the max is kept in 16 bits. f's low byte goes to its score
; straight from A before the max's test (thirty-fourth round: 4 T-states a key; a new max, the rare
; way, reads it back, 7). Runs with interrupts off (SP
; walks the planes, IX the max); returns C, the end of pl_prepare's way. Clobbers AF, BC,
; DE, HL, IX.
; pl_add_high - C:A += T_hi[D] (the table's word at L = D, H its page; D keeps A's low byte
; meanwhile): a plane's second group, in the loop and in a 12-plane key's plane 10.
        .macro pl_add_high
        ld l,d
        add a,(hl)
        inc l
        ld d,a
        ld a,c
        adc a,(hl)
        ld c,a
        ld a,d
        .endmacro
; pl_sub_plane - a key's last plane (plane 10 of an 11-plane key, 11 of a 12-plane one), kept
; complemented by pl_store (the masks of the dimensions whose bit is clear): C:A -=
; T_lo[E] + T_hi[D], which is P_b - sum q (T[15 - n] = the group's sum - T[n]), so that the key's
; offset (1024 sum q, 2048) comes off with it, no add of -sum q a key (twenty-eighth round; since the
; thirty-seventh a 12-plane key's plane 10 is added plain, so that no sum q is added back either).
        .macro pl_sub_plane
        ld l,e
        sub (hl)
        inc l
        ld e,a
        ld a,c
        sbc a,(hl)
        ld c,a
        ld a,e
        ld l,d
        sub (hl)
        inc l
        ld d,a
        ld a,c
        sbc a,(hl)
        ld c,a
        ld a,d
        .endmacro
.ifdef AT_SHORT_SCORES
PL_SCORE_BYTES  = 2             ; a score: f as a word (|f| <= 2048) in pl_scores, in the tables' page, else 4
PL_SCORES       = pl_scores     ; bytes in at_scores as the old dot's
.else
PL_SCORE_BYTES  = 4
PL_SCORES       = at_scores
.endif
PL_NO_MAX       = $F000         ; max f's start, -4096: below every f, and f - max stays in 16 bits
pl_keys:                        ; (pl_prepare falls in: attend_head's SP in at_fast_sp)
        ld a,(at_count)
        add a,a
.ifdef AT_SHORT_SCORES                  ; (a score is a word, the last at the page's end: inc l's wrap ends the keys)
        neg
        ld b,a                  ; B = key 0's score's low byte (the planes leave B alone)
.else
        add a,a
        add a,PL_SCORES & 255
        ld (@end + 1),a         ; the score's low byte past the last key
        ld b,PL_SCORES & 255    ; B = key 0's score's low byte (the planes leave B alone)
.endif
        ld ix,PL_NO_MAX         ; IX = max f so far
        ld sp,(pl_planes)       ; SP walks the head's planes, key by key
.ifdef AT_SHORT_SCORES
        ld h,pl_tables >> 8     ; H = the tables' page, the scores' too
.endif
@key:                           ; R = P_0, then R = (R >> 1) + P_b for b = 1..10 (11): R = q.k' >> 10 (11)
.ifndef AT_SHORT_SCORES
        ld h,pl_tables >> 8     ; H = the tables' page (the key's end takes HL)
.endif
        pop de                  ; E = T_lo's index byte, D = T_hi's (plane 0)
        ld l,e
        ld a,(hl)
        inc l
        ld c,(hl)               ; C:A = T_lo[n]
        ld l,d
        add a,(hl)
        inc l
        ld e,a
        ld a,c
        adc a,(hl)
        ld c,a
        ld a,e                  ; C:A = R = P_0
        .repeat PL_PLANES - 3, plane
        pop de
        sra c                   ; R = (R >> 1) + P_b (|R| < 2 * 8 * 2048: 16 bits; the bit shifted out is dropped)
        rra
        ld l,e
        add a,(hl)
        inc l
        ld e,a
        ld a,c
        adc a,(hl)
        ld c,a
        ld a,e
        pl_add_high
        .endrepeat
        pop de                  ; plane 10: an 11-plane key's last, complemented; a 12-plane key's plain,
        sra c                   ; with its mark, bit 0 of E (index bytes are even)
        rra
@mark:
        bit 0,e
        jr nz,@twelve
        pl_sub_plane            ; R = (R >> 1) + P_10 - sum q
        pop de                  ; (the twelfth slot, an 11-plane key's unread)
@sum_q:                         ; C:A = q.k >> 10 (k + 1024: q.k = q.k' - 1024 sum q, off with plane 10)
        sra c                   ; C:A = q.k >> 11
        rra
@three_shifts:
        .repeat 3
        sra c
        rra
        .endrepeat
@summed:                        ; f = C:A, sum >> 14 (|f| <= 4096: its top bytes C's sign; the TUI's probe
                                ; reads q and key j from RAM at attend_head@means)
@score:                         ; key j's score at B (twenty-eighth round: B, not an operand patched)
.ifndef AT_SHORT_SCORES
        ld h,at_scores >> 8
.endif
        ld l,b
        ld (hl),a               ; f's low byte stored first (thirty-fourth round: no `ld e,a` a key to keep it)
        .byte $DD,$95           ; sub ixl: f - max f so far < 0? then max (IX) stays (16 bits)
        ld a,c
        .byte $DD,$9C           ; sbc a,ixh
        jp m,@smaller
        ld a,(hl)               ; (a new max: its low byte back from the score, the rare way)
        .byte $DD,$6F           ; ld ixl,a
        .byte $DD,$61           ; ld ixh,c
@smaller:
        inc l
        ld (hl),c
        inc l
.ifndef AT_SHORT_SCORES                 ; (with it f stays a word: at_short_weights reads it so)
        ld a,c
        rla
        sbc a,a                 ; f's top two bytes, its sign
        ld (hl),a
        inc l
        ld (hl),a
        inc l
.endif
        ld b,l
.ifndef AT_SHORT_SCORES                 ; (with it the last score's inc l wraps L to 0: Z)
        ld a,l
@end:
        cp 0                    ; (patched: the score's low byte past the last key)
.endif
        jp nz,@key
        ld sp,(at_fast_sp)
        ld (at_max),ix
        .byte $DD,$7C           ; ld a,ixh
        rla
        sbc a,a
        ld (at_max+2),a
        ld (at_max+3),a
        scf                     ; (C: pl_prepare's, the planes took the head)
        ret
@twelve:                        ; a 12-plane key (k + 2048): R = (R >> 1) + P_10 (plane 10 plain, E its
        ld l,e                  ; T_lo index + 1), then R = (R >> 1) + P_11 - sum q (plane 11 complemented);
        dec l                   ; no sum q added back (thirty-seventh round, zx128heads37)
        add a,(hl)
        inc l
        ld e,a
        ld a,c
        adc a,(hl)
        ld c,a
        ld a,e
        pl_add_high
        pop de                  ; plane 11, complemented
        sra c
        rra
        pl_sub_plane            ; C:A = q.k >> 11 (q.k = q.k' - 2048 sum q)
        jr @three_shifts        ; (jr: a byte fewer for the kernels' benches' room, 2 T-states a 12-plane key)


; pl_store - the planes of a position's 4 heads' keys: HL = the keys (4 x 8 words, as the
; cache holds them), DE = head 0's planes at that position (head h's PL_HEAD_BYTES * h on), even.
; Plane b of a head is two index bytes: 2 n + T_lo's offset and 2 n + 32 + it, n the mask
; of dimensions 0-3 (4-7) whose k' has bit b set: k' = k + 1024 in 11 planes (the twelfth slot plane
; 10's second byte twice: pl_keys pops past it) when every word of the head's key lies in -1024..1023 (pl_keys
; then takes one plane fewer), else k + 2048 in 12. An 11-plane key's plane 10 and a 12-plane key's
; plane 11 are kept complemented, n -> 15 - n (twenty-eighth round: pl_keys subtracts them,
; pl_sub_plane); a 12-plane key's plane 10 is plain, its first byte + 1 (PL_MARK_TWELVE: bit 0, odd
; where every index byte is even, pl_keys' test before plane 10; thirty-seventh round, zx128heads37,
; in place of a mark, 1, in an 11-plane key's twelfth slot). C: every k in -2048..2047;
; NC: not (at_wide_planes set, the planes unfinished). Unrolled: a plane of both groups
; (pl_store_plane) from B, C, D, E and B', C', D', E', their bit 0 on (H' holds T_hi's offset,
; L' counts the heads). Clobbers AF, BC, DE, HL, IX and the other set.
; `form`: PL_PLAIN or PL_COMPLEMENTED (the xor that complements an index byte's mask, n -> 15 - n).
; PL_MARK_TWELVE: what a 12-plane key's plane 10's first byte has added.
PL_PLAIN        = 0
PL_COMPLEMENTED = 2 * 15
PL_MARK_TWELVE  = 1
        .macro pl_store_plane form
        ld a,(pl_tables & 255) >> 5     ; 4 bits in, then doubled: 2 n + T_lo's low byte
        srl e                   ; dimension 3 (7) first: bit 3 of the nibble
        rla
        srl d
        rla
        srl c
        rla
        srl b
        rla
        add a,a
        .if form == PL_COMPLEMENTED
        xor PL_COMPLEMENTED     ; 2 (15 - n) + T_lo's low byte (the tables 32-aligned)
        .endif
        ld (hl),a
        inc l                   ; (a plane's first byte is at an even address: forward.s's assert)
        exx
        ld a,h                  ; (H' = T_hi's: 32 bytes on)
        srl e
        rla
        srl d
        rla
        srl c
        rla
        srl b
        rla
        add a,a
        .if form == PL_COMPLEMENTED
        xor PL_COMPLEMENTED
        .endif
        exx
        ld (hl),a
        inc hl
        .endmacro
pl_store:
        push hl
        pop ix
        ex de,hl                ; HL = where the planes go
        exx
        ld h,((pl_tables & 255) >> 5) + 1   ; H' = T_hi's low byte >> 5, for pl_store_plane
        ld l,4                  ; L' counts the heads
        exx
@head:
        ld b,(ix+0)             ; the low bytes: planes 0..7 (group 0 in B, C, D, E)
        ld c,(ix+2)
        ld d,(ix+4)
        ld e,(ix+6)
        exx
        ld b,(ix+8)             ; (group 1 in the other set)
        ld c,(ix+10)
        ld d,(ix+12)
        ld e,(ix+14)
        exx
        .repeat 8
        pl_store_plane PL_PLAIN
        .endrepeat
        .repeat 2, group        ; the high bytes + 4 (k + 1024)
        .if group == 1
        exx
        .endif
        .repeat 4, dim
        ld a,(ix+2 * (4 * group + dim) + 1)
        add a,4
        .if dim == 0
        ld b,a
        .elseif dim == 1
        ld c,a
        .elseif dim == 2
        ld d,a
        .else
        ld e,a
        .endif
        .endrepeat
        or b
        or c
        or d
        .if group == 0
        ld (hl),a               ; (kept in plane 8's first byte until the plane is written)
        .else
        exx
        or (hl)
        .endif
        .endrepeat
        and $F8
        jp nz,@twelve           ; a word beyond -1024..1023
        ld a,@eleven - @marked
@high_planes:                   ; A = where plane 10 goes on, as @high_end's jr offset: @eleven (k + 1024) or @marked (k + 2048)
        ld (@high_end + 1),a
        .repeat PL_PLANES - 10  ; planes 8..9
        pl_store_plane PL_PLAIN
        .endrepeat
        pl_store_plane PL_COMPLEMENTED  ; plane 10, complemented (an 11-plane key's last: pl_keys' pl_sub_plane)
@high_end:
        jr @marked              ; (patched: its offset)
@marked:                        ; a 12-plane key's plane 10 back to plain, its first byte + 1 (PL_MARK_TWELVE:
        dec hl                  ; pl_keys@twelve adds it; ~1 head in 7, 55 T-states, 25 bytes fewer than a
        xor PL_COMPLEMENTED     ; second plane 10's store; A is still its second byte, as pl_store_plane stored it)
        ld (hl),a
        dec l                   ; (a plane's first byte is at an even address)
        ld a,(hl)
        xor PL_COMPLEMENTED + PL_MARK_TWELVE    ; (plain, + 1: the index byte even, its bit 0 set)
        ld (hl),a
        inc l
        inc hl
        pl_store_plane PL_COMPLEMENTED  ; its plane 11, complemented (pl_keys' pl_sub_plane)
        jr @next_head           ; (jr: a byte fewer, as pl_keys@twelve's)
@eleven:                        ; an 11-plane key's twelfth slot, which pl_keys pops past unread: plane 10's
        ld (hl),a               ; second byte twice (every byte of the planes a function of the key, as the
        inc l                   ; records' copies and the tests compare them)
        ld (hl),a
        inc hl
@next_head:
        ld de,PL_HEAD_BYTES - PL_KEY_BYTES
        add hl,de
        ld de,2 * AT_HEAD_DIM
        add ix,de
        exx
        dec l
        exx
        jp nz,@head
        scf
        ret
@twelve:                        ; k + 2048: 4 more, every high byte + 8 in 0..15
        .repeat 2, group
        .if group == 1
        exx
        .endif
        ld a,b
        add a,4
        ld b,a
        ld a,c
        add a,4
        ld c,a
        ld a,d
        add a,4
        ld d,a
        ld a,e
        add a,4
        ld e,a
        or b
        or c
        or d
        and $F0
        jp nz,@wide
        .if group == 1
        exx
        .endif
        .endrepeat
        xor a                   ; (@marked - @marked: the jr falls through)
        jp @high_planes
        .assert @high_end + 2 == @marked && @eleven - @marked < 128, "pl_store patches @high_end's jr offset"
@wide:
        ld a,1
        ld (at_wide_planes),a   ; the heads take the old dot (until forward.s clears it)
        or a                    ; (NC)
        ret

        .assert (PL_SCORES & 255) + PL_SCORE_BYTES * AT_MAX_POSITIONS <= 256, "pl_keys steps the scores by their low byte"

.ifndef AT_EXP_AT_INDEX                 ; (with it: in the room before exp_lut, after the means' table)
        .if (* & 255) > 192
        .res 256 - (* & 255)
        .endif
        .align 32
        pl_tables_space
.endif
        .assert (pl_tables & 255) + 64 <= 256 && (pl_tables & 31) == 0, "pl_keys reads the tables by their low byte, pl_store writes it from bit 5"
.endif
.endif

; The attention exp table (at_exp_table, above).
.ifndef AT_FAST_MEANS                   ; (with it: beside at_lut, after the means' table)
.ifndef AT_EXP_FIRST                    ; (with it: before attend_head)
.ifdef AT_KEYS_BY_SP
.ifndef AT_TABLE_MEANS                  ; (its weights' loop adds the index in 16 bits)
        .if (* & 255) > 128
        .res 256 - (* & 255)    ; in one page: the fast weights' loop indexes it by its low byte
        .endif
.endif
.endif
        at_exp_table
.endif
.endif
