"""The Z80 forward pass's speed: exact T-states on a fixed soul, and the shipped soul's budget.

Emulated T-states are exact, so a kernel change that costs time fails here.
When a change is meant to be faster or slower, measure again
(python benchmarks/z80_token.py) and update these figures and docs/spectrum.md.
"""

from __future__ import annotations

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx.build import (FAST_TAKEBACKS_48K, NORM_PRODUCTS_48K_OPTIONS, UNIT_PUSHED_48K, least_shift, raw_rows_take,
                               unit_gain_bits, unit_norm_shift, unit_pushed_take)
from soulterm.zx.kernelbench import SHORT_SHIFTS, TurnCost, Z80Bench, forward_turn, player_kernel_options
from soulterm.zx.soul_layout import soul_include

SHIPPED_MEAN_BUDGET = 1_642_300     # T-states a computed position over the turn of "hello" (TurnCost.per_position):
                                    # 1,626,943 measured here with zx48norms38's unclamped norms by the products' tables
                                    # in the screen's middle third (RN_UNIT_PRODUCTS, RN_PRODUCTS_HIGH = 8); 1,646,300 for
                                    # 1,630,965 measured here with zx48embnorm37's squares from one page of matvec's
                                    # table and fw_embed_rows given the rows' last bytes (the bench has no EM_NIBBLES);
                                    # 1,651,000 for
                                    # 1,635,659 measured here with zx48fixed35's RN_UNIT_PUSHED and em_unpack's adc a,a
                                    # (the bench has no EMBED_TE_SHIFT: no EMBED_CHAINS_ONLY); 1,655,000 for
                                    # 1,639,359 measured here with zx48norm33's RN_UNIT_SHIFT (the bench's 1,642,674 without it,
                                    # the player's 1,339,952 with AT_FAST_MAX_PATCHED in the room it frees); 1,656,100 for
                                    # 1,640,536 measured here with zxatt48b's table means adding a weight of 1's 2 v whole;
                                    # 1,658,400 for 1,642,869 measured here with zxroom48b's te and pe without marks (zxwide48: the bench
                                    # has no FW_WIDE_SPARSE nor z in the third, the player's 1,623,343); 1,657,000 for 1,641,427 measured here with zxends48b's mv_hz_wide (MV_HZ_ENDS' short ends for rows
                                    # whose wide columns have h = +-1 too; the player's: 1,641,740); 1,691,000 for 1,675,636 measured here with the twenty-fourth round's MV_HZ_ENDS (the narrow
                                    # rows' short row ends; the player's: 1,656,054); 1,703,000 for 1,687,503 measured here after the twenty-third round's merges (zxatt48, zxk16's
                                    # MV_SHORT_K, zxpack48's em_unpack escapes, zxtl48; the bench has no FW_WIDE_SPARSE,
                                    # the player's: 1,666,418); 1,704,200 for 1,688,668 measured here, 1,688,544 in the player's layout, with the twenty-third
                                    # round's 48K table means' own loop ends, negated divisor and RMSNorm's squares and
                                    # clamped loop popping x, AT_FAST_SUMS_PAIRS out of the ladder (zxatt48); 1,713,500 for
                                    # 1,697,913 measured here with the twenty-second round's raw logits' rows in the 48K
                                    # (MV_CT_RAW) and at_key_sums two dimensions a pass (AT_FAST_SUMS_PAIRS, zxroom48;
                                    # 1,698,466 with the raw rows alone); 1,717,000 for
                                    # 1,701,452 measured here with the twenty-first round's jr over the low displacements'
                                    # stores in a coarse call's pass (zxsmall48); 1,719,500 for
                                    # 1,703,950 measured here after merging the twenty-first round's zxlow48 too (MV_PAIR_JPS_KEPT,
                                    # the slot pairs' jps kept from call to call; alone 1,722,183 measured here, 1,722,084 in the
                                    # player's layout, against 1,729,644 and 1,729,530); 1,724,500 for
                                    # 1,708,956 measured here after merging the twenty-first round's zxscores48 too; 1,733,300 for
                                    # 1,717,820 measured here after merging the twenty-first round's zxprep3 and
                                    # zxstep (the 48K's lone T by zxprep3's own test; the logits from id 3); 1,736,200 for
                                    # 1,720,659 measured here, 1,720,570 in the player's layout, with the twenty-first
                                    # round's logits bound computing no row when argmax's limit says T is alone and
                                    # the coarse calls' pass writing no slot (zxprep3, alone); 1,739,900 for
                                    # 1,724,485 measured here, 1,724,357 in the player's layout, with the twenty-first
                                    # round's logits from id 3 and T's lone row left as its bound (zxstep, alone); 1,736,200 for
                                    # 1,720,770 measured here, 1,720,663 in the player's layout, with the twenty-first round's
                                    # 48K scores (zxscores48, alone: docs/spectrum.md, "Twenty-first round: the 48K's scores"); 1,745,100 for
                                    # 1,729,644 measured here, 1,729,530 in the player's layout, with the twentieth
                                    # round's fast scores' cuts taken back (FAST_TAKEBACKS_48K); 1,749,800 for
                                    # 1,734,139 measured here, 1,734,003 in the player's layout, after merging the
                                    # twentieth round's screen third and the 48K's fast scores; 1,812,100 for
                                    # 1,795,912 measured here, 1,795,773 in the player's layout, after merging the
                                    # nineteenth round's 48K's old dot; 1,831,300 for
                                    # 1,814,970 measured here, 1,814,864 in the player's layout, after merging the
                                    # nineteenth round's 48K's means; 1,861,500 for
                                    # 1,844,851 measured here, 1,844,715 in the player's layout, after merging the
                                    # nineteenth round's means' division and room in the 48K (docs/spectrum.md); 1,866,300 for
                                    # 1,849,610 measured here, 1,849,485 in the player's layout, with the nineteenth
                                    # round's means' division (at_means_divide on n + 256 m below zero, in the sum's
                                    # set, its rounds returning C:A to attend_head: docs/spectrum.md, "Nineteenth
                                    # round: the means' division"); the room's branch on its own 1,869,500 for
                                    # 1,852,785 measured here, 1,852,688 in the player's layout, with the nineteenth
                                    # round's EM_ROWS_BY_SP, te's and pe's marks every 8 rows, MV_LEAST_SHIFT and
                                    # MV_PAIR_REWALK in the room the start's overlay makes (docs/spectrum.md,
                                    # "Nineteenth round: room in the 48K"); the means' branch on its own 1,841,700 for
                                    # 1,825,197 measured here, with the nineteenth round's table means by v's low
                                    # byte (docs/spectrum.md, "Nineteenth round: the 48K's means"); the old dot's branch on its own 1,855,100 for
                                    # 1,838,456 measured here, 1,838,374 in the player's layout, with the nineteenth
                                    # round's old dot (zxdot48: a product below 2^24 added through A, mul16u's
                                    # rounds on HL = 0 and its D = 1..3 in place; docs/spectrum.md, "Nineteenth
                                    # round: the 48K's old dot"); 1,874,300 for
                                    # 1,857,555 measured here (zx48 merged with main fb3e49e), with the eighteenth
                                    # round's RN_UNIT_GAIN_BITS (rmsnorm.s without its gains' check and general path),
                                    # in the room it makes MV_COARSE_TOP beside MV_PAIR_SLOTS and AT_DIVIDE_UNROLLED (the
                                    # means' division rounds unrolled), and em_unpack's widths (docs/spectrum.md,
                                    # "Eighteenth round: room in the 48K"); 1,888,900 for
                                    # 1,872,044 measured here, 1,871,947 in the player's layout (its embedding's
                                    # chains assembled, EMBED_CHAINS_ONLY, which the bench leaves out), with
                                    # RMSNorm's table squares by the nibble swap (docs/spectrum.md, "Eighteenth
                                    # round: RMSNorm's loops and the embedding"); 1,890,500 for
                                    # 1,873,618 measured here, 1,873,611 in the player's layout, with argmax's
                                    # logits stepped by inc l (docs/spectrum.md, "Eighteenth round: RMSNorm's
                                    # loops and the embedding"); 1,890,800 for
                                    # 1,873,916 measured here, 1,873,909 in the player's layout, with RMSNorm's unit
                                    # products through mul16u with no mul16u_smaller compare (docs/spectrum.md,
                                    # "Seventeenth round: RMSNorm's products"); 1,891,600 for
                                    # 1,874,739 measured here, 1,874,732 in the player's layout (docs/spectrum.md,
                                    # the seventeenth round's slot pairs, MV_PAIR_SLOTS, with MV_COARSE_TOP left
                                    # out: the shipped 48K has room for one of them, and the pairs gain more;
                                    # 1,900,800 for 1,883,867 with the pairs alone on main 6f424b6;
                                    # 1,904,500 for 1,887,525 with MV_COARSE_TOP alone;
                                    # 1,913,100 for 1,895,937 here, 1,895,919 in the player's layout, before both;
                                    # 1,918,800 for 1,901,618 before the seventeenth round's RMSNorm squares in
                                    # C:IX, with its AM_RUNNER_UP in the 48K, the logits' scan skipped on argmax's
                                    # runner-up; 1,922,300 for 1,905,068 before both; 1,943,500 for 1,926,116 before the sixteenth round's MV_HLA_SLOTS, mv_slots'
                                    # low pieces in H:L:A, that with the sixteenth round's sparse walk a pair at
                                    # a time; 1,952,500 for
                                    # 1,935,123 before it,
                                    # the sixteenth round's embedding by add hl,hl chains, residual adds and
                                    # ReLU in matvec's stores, the gate's zeroed rows stored as 0, with zxnorm's
                                    # RMSNorm; 1,979,900 for 1,962,211 with RMSNorm's alone, 2,008,600 for
                                    # 1,990,689 before both;
                                    # 2,014,000 for 1,995,084 before the merge with zxprep3's column pass from
                                    # x + 127; 2,033,000 for 2,014,524 before the merge with zxwide's coarse wide blocks),
                                    # 0.9% margin (2,217,000 for 2,197,171 before the sixteenth round's MV_COARSE,
                                    # MV_BIAS_IN_K and SOUL_PACKED; 2,226,000 for 2,205,727 before the fifteenth
                                    # round's rows with no h sum, mv_row_narrow@h_zero; 2,266,000 for 2,245,210 before the fifteenth round's
                                    # AT_TABLE_MEANS; 2,288,000 for 2,267,845 before the fifteenth round's row
                                    # constants in front of the weights, popped with no SP stored). Until the fifteenth round the mean divided the turn's 7 computed
                                    # positions by 8 (position 0, kept, counted without its cost): the figures
                                    # below are that mean, 7/8 of this one (2,002,000 for 1,984,365; 2,003,000 for the 1,984,933
                                    # before the fourteenth round's shift chains' entry inline; 2,005,000 for the 1,987,670
                                    # before the fourteenth round's narrow row starts' -Cl; 2,007,000 for the 1,989,396
                                    # before the fourteenth round's argmax and attention weights' sum; 2,023,000 for the 2,005,089
                                    # before the fourteenth round's matvec steps; 2,064,000 for the 2,045,483
                                    # before RMSNorm's clamped inverse without a product; 2,088,000 for the 2,068,976
                                    # before the sparse column pass and -K popped; 2,189,000 before MV_SPARSE)
# (The prefills are ~21,000 more than before matvec's narrow mode: fc2 runs in two parts now, and
# this soul's fc2 inputs are mostly wide; its forward_steps gained more in narrow calls.)
# (MV_SPARSE's look at fc2's x costs this dense random soul ~1,100 a prefill and ~4,100 a step.)
# (AT_TABLE_MEANS, fifteenth round: 2,036,285, 2,072,051, 2,108,213, 4,104,019 and 4,100,717 before.)
# (The fifteenth round's rows with no h sum, MV_NARROW_JUMP's mv_row_narrow@h_zero: 2,021,276, 2,056,353,
# 2,090,671, 4,065,926 and 4,063,096 before.)
EXACT_FIXED_SOUL = [("forward_prefill", 2_115_028), ("forward_prefill", 2_130_181), ("forward_prefill", 2_151_956),
                    ("forward_step", 4_129_066), ("forward_step", 4_042_109)]
# (zx48colpairs39b: proj's column pass by add ix,de, 6 T-states a column, and the byte tables' |x| sums in HL, 9 an x
# fewer where x >= 0 and 15 where x < 0, ~45 a group more: 2,116,423, 2,131,576, 2,153,351, 4,131,660 and 4,044,521
# before it.)
# (zx48room39's tokenizer.s 8 bytes shorter: on this bench te, pe and the kernels after it lie 8 bytes lower, so
# their rows' page steps fall elsewhere; no forward code changed: 2,116,423, 2,131,577, 2,153,352, 4,131,686 and
# 4,044,522 before it.)
# (zx48norms38's squares' mul16s path with its pre-shift in a loop (5 bytes fewer, ~54 T-states a word of x >> 4 outside
# -128..127 more: this random soul's residual has many; its norms take no RN_UNIT_PUSHED, so no products' tables):
# 2,114,803, 2,130,281, 2,152,002, 4,127,233 and 4,039,878 before it.)
# (zx128heads37's fw_head_weights by its byte form on every build (this bench has no AT_LUT_IN_WEIGHTS, 53 T-states a
# head fewer): 2,115,015, 2,130,493, 2,152,214, 4,127,632 and 4,040,302 before it, with zx48embnorm37's below.)
# (The thirty-seventh round's squares from one page of matvec's table (zx48embnorm37: 35 T-states a word of x >> 4 in
# -128..127 fewer; this random soul's residual has many words past +-2,047, whose squares now take mul16s, ~550 more
# each) and fw_embed_rows given the rows' last bytes (54 a position fewer): 2,114,214, 2,132,372, 2,153,042, 4,123,829
# and 4,040,991 before.)
# (The thirty-fifth round's em_unpack with adc a,a for its rla and or a (zx48fixed35: 4 T-states a value, 64 a
# position): 2,114,470, 2,132,628, 2,153,298, 4,124,085 and 4,041,247 before; this soul's norms take no RN_UNIT_PUSHED.)
# (The thirty-second round's at_means_divide with ~n in line (zx48att32: this random soul's wide means below zero,
# 62 T-states fewer each): 2,132,752, 2,153,360, 4,125,102 and 4,042,115 before.)
# (The twenty-eighth round's fast scores' keys' loop with X's bytes 0 and 1 in the bit-0 sum (zxscores48b):
# 2,114,491, 2,132,805, 2,153,466, 4,125,100 and 4,042,242 before.)
# (The twenty-eighth round's mv_k_toggle by a table of the forms' bytes (zxroom48e: no toggle in these calls, the
# code after it 61 bytes sooner): 2,153,359 and 4,125,002 before.)
# (The twenty-eighth round's table means adding a weight of 1's 2 v whole and striding past a weight of 0
# unread (zxatt48b): 2,114,171, 2,132,437, 2,155,277, 4,131,707 and 4,054,928 before.)
# (The twenty-fourth round's te and pe without marks, em_unpack's walk from row 0 (zxroom48b): 2,114,352,
# 2,132,024, 2,153,999, 4,131,939 and 4,053,600 before.)
# (The twenty-third round's merges: zxk16's MV_SHORT_K, whose look at the form costs this random soul's
# 3-byte matrices 49 T-states a call, and zxpack48's em_unpack escapes, on zxatt48's: 2,114,274, 2,132,004,
# 2,154,040, 4,131,561 and 4,053,255 before.)
# (The twenty-third round's 48K table means' own loop ends, negated divisor and count patched, RMSNorm's
# squares and clamped loop popping x, AT_FAST_SUMS_PAIRS out of the ladder (zxatt48): 2,117,011, 2,135,121,
# 2,157,497, 4,136,314 and 4,058,186 before.)
# (The twenty-second round's at_key_sums two dimensions a pass, AT_FAST_SUMS_PAIRS: 2,117,435, 2,135,546,
# 2,157,921, 4,136,713 and 4,058,609 before; this random soul's out shifts past RAW_MOST_SHIFT: its logits
# keep mv_coarse_top's bound, no MV_CT_RAW.)
# (zxsmall48's jr over the low displacements' stores in a coarse call's pass: 2,118,632, 2,136,744, 2,159,118,
# 4,140,271 and 4,062,104 before.)
# (Merging zxlow48 too, MV_PAIR_JPS_KEPT: 2,118,704, 2,136,816, 2,159,191, 4,141,574 and 4,065,330 before; zxlow48's
# alone 2,102,919, 2,122,269, 2,145,668, 4,152,962 and 4,086,201 against 2,102,739, 2,122,089, 2,145,488, 4,151,509
# and 4,086,690: this random soul's calls are mostly full, whose restore of the high pieces makes the next narrow
# pass write every pair's jps, ~3,900 T-states, more than the checks it no longer runs; merged with MV_GATE_PASS a
# coarse call's pass calls no mv_pairs_back, and a pass that expects full mode no longer looks at mv_mode twice.)
# (Merging zxscores48 too: 2,118,264, 2,137,642, 2,161,042, 4,143,732 and 4,068,206 before; zxscores48's alone 2,103,179,
# 2,121,262, 2,143,637, 4,149,425 and 4,083,814: at_key_sums flips each key word in the cache (25 T-states a dimension)
# for the dims' 11 fewer a read of it, so the first prefill, with one key a head, is slower.)
# (Merging the twenty-first round's zxprep3 and zxstep: zxprep3's 2,118,264, 2,137,643, 2,161,042, 4,159,277
# and 4,083,775 alone, zxstep's 2,102,739, 2,122,089, 2,145,488, 4,135,838 and 4,071,121 alone.)
# (The twenty-first round's logits from id 3, FW_FIRST_ROW: 4,151,509 and 4,086,690 before, its logits'
# call exact, 3 rows of 128 fewer.)
# (The twenty-first round, zxprep3: 2,102,739, 2,122,089, 2,145,488, 4,151,509 and 4,086,690 before. Its
# bound's test of argmax's limit alone (then vecops.s's am_rows): 2,122,090 and 4,151,434 (this soul's
# first step scans every candidate, 75 T-states less for the shorter way there; the prefill's 1 a layout effect);
# then MV_GATE_PASS: this random soul's fc1 inputs are mostly wide, so its gated calls run exact and
# their column pass runs twice, the first writing no slot: ~7,800 T-states a call more, where the
# shipped soul's run coarse and gain ~2,300 (2,118,285, 2,137,664, 2,161,063, 4,178,596 and 4,103,323
# with it for the gated calls alone; the logits' call, coarse on this soul, gains there too).)
# (The twentieth round's cuts taken back, FAST_TAKEBACKS_48K: 2,102,457, 2,121,981, 2,145,538, 4,142,598 and
# 4,078,791 before; this soul's heads with a q beyond the fast range now run the pieces' whole loop before
# at_fast_wide_q sends them to the old dot (AT_FAST_RANGE_APART), and its full heads at_dims_h4: the shipped
# soul's heads are almost all narrow and in range.)
# (The twentieth round's fast scores in the 48K: 2,080,567, 2,111,182, 2,144,451, 4,148,202 and 4,093,068
# with the old dot; this random soul's wide q and k take the old dot's fallback in many heads.)
# (After merging the nineteenth round's 48K's old dot; each branch alone below.)
# (After merging the nineteenth round's 48K's means, each branch alone below.)
# (After merging the nineteenth round's means' division with its room in the 48K; each branch alone below.)
# (The nineteenth round's means' division: 2,092,440, 2,127,799, 2,162,489, 4,159,967 and 4,107,700
# before; this random soul's v are words of any width, and its wide means (beyond -256..255) take
# the 16 rounds, which gained only the call site's registers and divisor.)
# (The nineteenth round's MV_PAIR_REWALK: 2,091,304, 2,126,664, 2,160,843, 4,158,832 and 4,106,059 before; this
# random soul's fc2 inputs are mostly nonzero, so its calls seldom run sparse.)
# (The nineteenth round's EM_ROWS_BY_SP and te's and pe's marks every 8 rows in the 48K: 2,092,440, 2,127,799,
# 2,162,489, 4,159,967 and 4,107,700 before; this random soul's products shift past 7: no MV_LEAST_SHIFT.)
# (The nineteenth round's table means by v's low byte: 2,092,440, 2,127,799, 2,162,489, 4,159,967 and
# 4,107,700 before; this random soul's v are often beyond -256..255, whose dimensions run the table's
# positions up to the first such v, then the product loop, vecops.s's at_wide_dimension (mul16s8u: its
# gains are not unit ones).)
# (The nineteenth round's old dot, zxdot48: 2,092,440, 2,127,799, 2,162,489, 4,159,967 and 4,107,700
# before.)
# (The eighteenth round's zx48: its bench with MV_COARSE_TOP and AT_DIVIDE_UNROLLED, the shipped 48K's now,
# and em_unpack's widths: 2,093,331, 2,128,883, 2,163,980, 4,162,535 and 4,110,523 before; this random
# soul's gains are not powers of two, so RN_UNIT_GAIN_BITS is not its, and its logits run exact.)
# (The eighteenth round's RMSNorm table squares by the nibble swap: 2,093,998, 2,129,602, 2,164,462,
# 4,161,158 and 4,109,154 before; this random soul's later residuals run wide (x >> 4 beyond
# -255..255, mul16s, whose x >> 4 now shifts x's high byte there: ~13 T-states a wide one more).)
# (The eighteenth round's argmax stepping its logits by inc l: 4,161,676 and 4,109,668 before; this
# random soul's logits run argmax in full, 125 candidates of 4 T-states fewer, and in fw_logits_bound.)
# (The seventeenth round's slot pairs with its other changes merged, MV_COARSE_TOP off by default:
# 2,004,041, 2,039,645, 2,074,691, 4,007,375 and 3,953,311 before; this dense random soul's calls are
# mostly full, whose pairs take 16 T-states more, the even column's ld ixl,c and ld iyl,c before its
# high piece, and its narrow calls after full ones run the pass again.)
# (The seventeenth round's MV_COARSE_TOP: 2,039,643, 2,074,690, 4,007,324 and 3,953,244 before; this
# random soul's logits run exact, and its fc1's gated calls write the coarse slots' own end back.)
# (The seventeenth round's RMSNorm, its table squares summed in C:IX and the general path walking its
# inputs in place: 2,007,189, 2,042,836, 2,077,954, 4,011,071 and 3,956,242 before.)
# (The seventeenth round's AM_RUNNER_UP in the 48K: 2,007,189, 2,042,837, 2,077,954, 4,010,774 and
# 3,956,050 before; this random soul's logits run argmax in full, whose runner-up moves often.)
# (The sixteenth round's MV_HLA_SLOTS, mv_slots' low pieces in H:L:A: 2,029,065, 2,064,713, 2,099,830,
# 4,055,886 and 3,996,040 before.)
# (The sixteenth round's sparse walk a pair at a time and mv_sparse_part's test from memory: 2,029,043,
# 2,064,691, 2,099,816, 4,055,810 and 3,995,882 before; this dense soul's fc2 inputs are mostly nonzero,
# each of which mv_sparse_part now reads twice, and its sparse calls' nonzero columns cost a call more.)
# (The sixteenth round's embedding by add hl,hl chains (embedrows.s) and residual adds and ReLU in
# matvec's stores: 2,044,270, 2,079,765, 2,115,022, 4,075,701 and 4,019,148 before, with its RMSNorm.)
# (The sixteenth round's RMSNorm, RN_CLAMPED_UNIT with RN_SHORT_SHIFTS in the 48K, the clamp told from the
# sum of squares, its own inverse: 2,046,697, 2,082,252, 2,117,488, 4,079,085 and 4,022,557 before; this
# random soul's gains are not powers of two, so only the clamp and the inverse gain.)
# (The sixteenth round's column pass from x + 127: 2,047,204, 2,082,675, 2,118,161, 4,081,439 and 4,024,761
# before; the sixteenth round's MV_COARSE, MV_BIAS_IN_K and SOUL_PACKED in the 48K: 2,021,204, 2,056,281,
# 2,090,599, 4,064,298 and 4,061,468 before; this random soul's te and pe are 8 bits wide, em_unpack's
# slowest, its prefills run no logits and its full rows pay mv_unbias; 2,047,170, 2,082,641, 2,118,126,
# 4,032,340 and 4,040,543 before the merge with zxwide's coarse wide blocks.)


def bench_for(soul) -> Z80Bench:
    """The 48K player's kernels (MV_SPARSE, MV_COARSE, MV_BIAS_IN_K, MV_PAIR_SLOTS (with MV_PAIR_JPS_KEPT since
    the twenty-first round, player_kernel_options' default with the pairs), since the
    eighteenth round MV_COARSE_TOP and AT_DIVIDE_UNROLLED, since the nineteenth EM_ROWS_BY_SP and MV_PAIR_REWALK,
    since the twentieth AT_FAST_SCORES (its key sums in the screen's third in the player) with the cuts for
    room the shipped 48K takes back (FAST_TAKEBACKS_48K) among them (every one here, room ignored), since the
    twenty-fourth round MV_HZ_ENDS (the narrow rows' short row ends) where the soul takes MV_LEAST_SHIFT (with
    the right chains and 7 left steps the bench's program would run into its stack);
    MV_LEAST_SHIFT where the soul's products all shift by 7 or less, since the nineteenth round; RN_UNIT_GAIN_BITS where the soul's norms take it,
    and since the thirty-third round RN_UNIT_SHIFT where their shifts are all one, since the thirty-fifth RN_UNIT_PUSHED
    with it, since the thirty-eighth its products' tables, as build.py chooses) on the kernels' bench."""
    options = player_kernel_options("48k", coarse_top=True, fast_scores=True, fast_takebacks=FAST_TAKEBACKS_48K,
                                    raw_top=raw_rows_take(soul), short_ends=least_shift(soul) is not None
                                    ) + "\nAT_DIVIDE_UNROLLED = 1"
    gain_bits = unit_gain_bits(soul, SHORT_SHIFTS)
    if gain_bits is not None:
        options += f"\nRN_UNIT_GAIN_BITS = {gain_bits}"
        if unit_norm_shift(soul, gain_bits) is not None:        # (the 48K's since the thirty-third round, zx48norm33)
            options += f"\nRN_UNIT_SHIFT = {unit_norm_shift(soul, gain_bits)}"
        if unit_pushed_take(soul, gain_bits):                   # (the 48K's since the thirty-fifth round, zx48fixed35;
            options += "\n" + "\n".join([UNIT_PUSHED_48K] + NORM_PRODUCTS_48K_OPTIONS)   # its products' tables since
                                                                # the thirty-eighth, zx48norms38)
    if least_shift(soul) is not None:
        options += f"\nMV_LEAST_SHIFT = {least_shift(soul)}"
    return Z80Bench('.include "forward.s"\n' + soul_include(soul), options=options)


def test_a_turn_on_a_fixed_soul_takes_exactly_these_t_states():
    from conftest import random_soul

    soul = random_soul(16)
    rows, reply = forward_turn(bench_for(soul), Engine(soul), [1, 20, 47, 1])
    assert [(routine, t_states) for _, _, routine, t_states in rows[:5]] == EXACT_FIXED_SOUL


def test_the_shipped_souls_turn_of_hello_fits_the_budget():
    soul = load_soul(DEFAULT_SOUL)
    tokenizer = Tokenizer.load(DEFAULT_TOKENIZER)
    rows, reply = forward_turn(bench_for(soul), Engine(soul), tokenizer.encode_turn("hello"))
    assert TurnCost(rows, reply).per_position <= SHIPPED_MEAN_BUDGET


def test_turns_on_random_souls_match_the_engine():
    """forward_prefill and forward_step against Engine.step on other souls and prompts."""
    from conftest import random_soul

    for seed, context in ((1, [1, 1]), (2, [1, 5, 9, 33, 70, 1]), (3, [1] + list(range(40, 56)) + [1])):
        soul = random_soul(seed)
        rows, _ = forward_turn(bench_for(soul), Engine(soul), context)
        assert rows[-1][2] == "forward_step"


def test_a_turns_mean_divides_by_the_positions_it_computes():
    """Position 0 (SEP) is kept from the first turn: neither its T-states nor its place count."""
    rows = [(0, 1, "forward_prefill", 900), (1, 48, "forward_prefill", 100), (2, 1, "forward_step", 300),
            (3, 72, "forward_step", 500)]
    cost = TurnCost(rows, reply=[72])
    assert (cost.turn, cost.positions) == (900, 3)
    assert cost.per_position == 300 and cost.per_step == 400 and cost.per_reply_token == 900


def test_the_benchmark_reports_a_prompt_files_turns_and_their_medians(tmp_path):
    import subprocess
    import sys

    from soulterm import paths

    prompts = tmp_path / "prompts.txt"
    prompts.write_text("# two turns\nhello\n\nbye\n")
    result = subprocess.run([sys.executable, str(paths.CHECKOUT_DIR / "benchmarks" / "z80_token.py"),
                             "--prompts", str(prompts)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines[1:3]] == ["hello", "bye"]
    assert lines[-1].startswith("median of 2 prompts: ")
