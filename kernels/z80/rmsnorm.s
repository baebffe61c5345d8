; rmsnorm.s - SPEC RMSNorm of one 32-element vector (Z80).
;
;   xs = x >> 4;  m = max(1, sum(xs*xs) // 32);  inv = min(32767, 2^19 // isqrt(m))
;   out[i] = sat16(((x[i] * inv) >> 15) * g[i] >> g_shift)
;
; Inputs (memory): rn_x (32 signed words), rn_gain (32 signed bytes),
; rn_shift (the gain's shift, 0..31), rn_out (32 words; may be rn_x): set them
; each call (the general gains' path walks rn_x, rn_gain and rn_out past their ends).
; Clobbers AF, BC, DE, HL, IX (the table's squares, but with RN_FAST_SQUARES) and
; AF', BC', DE', HL' (the sum of squares, arith.s routines). Interrupts off from the squares to
; its end (SP walks x; both players' since the twenty-third round), then as they were found.
; T-states (python benchmarks/z80_kernels.py; since the twenty-third round's squares and clamped
; loop popping x without RN_FAST_SQUARES: 79,686, 56,330, 34,831, 36,495 and 16,865 for the rows
; below, 11,596 the 48K's clamped row, 30,471 its narrowed norms'; 79,409, 57,443, 35,932, 37,596,
; 17,966, 13,175 and 31,554 before: random words, mostly wide, pay the wide path's switch to
; rmsnorm's stack): 82,416 on average for 32 random
; words, 59,431 for words below 1024 (the residual's usual size: x >> 4 squares
; through matvec's squares table, and multiplies by values below 256 take 8
; rounds), 37,929 for those when every gain is 2^shift (a fixed-gain soul's
; norms: out = y, checked once a call, with no gain product, shift or
; saturation) and 39,593 when every gain is 2^(shift - 2) (a narrowed soul's,
; soulterm/soul/narrowing.py: out = y >> 2); 82,304, 60,902, 39,304 and 40,968
; before the seventeenth round's table squares summed in C:IX (the wide ones,
; mul16s's, in the other set as before, a little slower: random words take it most)
; and the general path walking its inputs in place; 82,849, 61,903,
; 40,639 and 42,303 before the sixteenth round (83,422, 62,227, 40,387 and 42,051 before
; the clamped inverse's own path, fourteenth round).
; A root of 16 or less clamps inv at 32767, and then y = (x * 32767) >> 15 is
; x - 1 for x > 0 and x otherwise: no product. Since the sixteenth round the
; clamp is told from the sum of squares (below 17^2 * 32) with no root, and a
; root of 17 or more is inverted by 15 rounds of long division of 2^19 (no
; div32u_q16). Words below 256 with gains 2^6 and shift 8 (a clamped inverse):
; 18,371 (19,746 before the seventeenth round's C:IX, 21,927 before the sixteenth
; round, 37,403 before the fourteenth);
; 13,564 with the option RN_CLAMPED_UNIT (both players': a loop of its own
; without mul16s's register juggling, its shifts unrolled and entered at shift
; - a of them; 14,938 before the seventeenth round, 17,088 before the sixteenth), 13,580
; with RN_SHORT_SHIFTS too (the 48K player's since the sixteenth round: 2 unrolled shifts,
; not 15, a longer unit shift taking the general path; 89 bytes fewer; 14,954 before the
; seventeenth round), 11,460 with
; RN_FAST_SQUARES instead (the 128K player's, with attention.s's AT_FAST_MEANS:
; (x >> 4)^2 read from that option's table, x popped with SP and interrupts
; off; 11,458 before the seventeenth round's jr to the clamped loop, 13,769 before the
; sixteenth round). Below the clamp the unit products run mul16u straight
; (inv > 0: no signs taken apart) and shift (x * inv) >> 16, one shift fewer
; than y's (sixteenth round); since the seventeenth round with no mul16u_smaller
; compare (x's high byte lies below inv's for the residual's sizes; a full-range
; x's small inv runs mul16u's long second pass, exact but slower). The narrowed
; norms' row above: 33,551 with the 48K's options (34,191 before the seventeenth
; round's straight call, 35,567 before its table squares), 31,440 with the 128K's
; (32,080 and 32,081 before them, 34,794 before the sixteenth round).
; With the 128K's options since the eighteenth round (RN_SHORT_SHIFTS too; RN_FAST_SQUARES's
; range check and page in 2x's high byte, each sign its own; the clamped loop popping x with SP
; and storing through HL; the gains' check four a round; interrupts left off from the
; squares to rmsnorm's end, @restore): the clamped row 10,239 (11,460 before), the narrowed
; norms' 28,970 (30,831 before the nineteenth round's mul16u, arith.s, and squares' check; 31,440).
; Nineteenth round, RN_FAST_SQUARES's loop: x's high byte checked first (one cp for a positive,
; below $10; a negative's page after a second, from $F1), x >> 4's byte made after it on each
; path (a wide one's too): 15 T-states fewer a positive element, 1 a negative (python
; benchmarks/z80_token.py --model 128k: -1,128 a position on "hello"; 5 bytes more).
; The 128K player's rmsnorm is 499 bytes, and rn_tables_routines' 82 after attention.s
; (rn_table_loop; 508 and 66 (rn_table_element) before the nineteenth round's tables pushed
; with SP, 4-byte entries, the unclamped unit loop of its own and the squares' check first;
; 376 before the eighteenth round's RN_SWAPPED_SQUARES, 2 more and
; rn_swap_squares's 24, and RN_UNIT_PRODUCTS, its tables' making 103 more; 509 before the eighteenth round's
; RN_UNIT_GAIN_BITS; 528 before the eighteenth round: RN_SHORT_SHIFTS
; 48 fewer, the squares' signs apart 15 more, the clamped loop by SP 17 more, the gains'
; check four a round 8 more, interrupts off to the end 11 fewer; 548 before the
; seventeenth round's general path in place; 583 before the sixteenth round left
; its table-squares loop out with RN_FAST_SQUARES; its map, python -m soulterm
; build --machine zx128).
; Eighteenth round, the table squares' x >> 4 (the 48K's loop) by the nibble swap,
; no 16-bit shifts (a wide one shifts x's high byte in A for mul16s): the rows above
; 79,409 / 57,443 / 35,932 / 37,596, the clamped 17,966 / 13,159 / 13,175, the 48K's
; narrowed norms 31,554 since the nineteenth round's mul16u (arith.s: its rounds on HL = 0
; without a shift, D = 1..3 from BC itself; 82,838 / 59,049 / 37,533 / 39,197 and 33,155
; before it; 82,416 / 59,431 / 37,929 / 39,593, 18,371 / 13,564 / 13,580
; and 33,551 before: random words, mostly wide, pay ~13 T-states a wide one more).
; RN_UNIT_GAIN_BITS = a (both players' where every gain of every norm of the soul is 2^a, with
; 0 <= shift - a <= RN_SHORT_SHIFTS: build.unit_gain_bits, the shipped soul's five norms all 64
; with shift 8) leaves out the gains' check (a's bit found, the gains compared) and the
; general path (eighteenth round, zx48): a call 33,355 -> 32,282 T-states with the 48K's
; options, 31,044 -> 30,075 with the 128K's (random words below 1,000, gains 64, shift 8).
; RN_SWAPPED_SQUARES = page (the 128K player's, eighteenth round, zxnorm3: $F800 in banks 0
; and 4 since bank 0's program took logitsraw.s, $F700 first; made by soulplayer.s's start): RN_FAST_SQUARES's loop reads a copy of attention's
; squares table in nibble-swapped order, no four rrca's: 16 T-states fewer a table element, 8
; more a wide one (E's nibbles put back for mul16s): 2,560 a forward_step (five norms) and
; 1,536 a forward_prefill (three) on "hello", whose words all take the table (its mean a
; position 2,121 fewer: python benchmarks/z80_token.py --model 128k; tests/test_kernels_z80.py's
; swapped squares test counts the 16 and the 8 exactly).
; RN_UNIT_PRODUCTS = page (the 128K player's, eighteenth round, zxnorm3: $FC00; $FB00 first): an unclamped
; norm's unit products from tables of inv's multiples it makes (5,514 T-states) instead of
; mul16u: a norm of words below 1,000 30,364 -> 25,590 T-states, below 3,000 34,326 -> 25,644
; (the 128K's options with RN_UNIT_GAIN_BITS, gains 64, shift 8; ~300 T-states an element for
; ~450-600 with mul16u, and no signs taken apart).
; Nineteenth round (zxnorm4): the tables pushed with SP, two entries a round, each entry 4 bytes
; (the 24-bit multiple and a flags byte): their making 5,510 -> 2,537 T-states (~37 an entry
; and 8 a round for ~115), the element 20 T-states dearer (4 i and 4 n indices, inc for set):
; a norm of words below 1,000 25,585 -> 23,252, below 3,000 25,638 -> 23,301 (means of 20
; draws, the options above: python benchmarks/z80_norm_products.py); then rn_table_loop, the
; unclamped unit loop of its own (x popped with SP, out in the other set's HL, no pushes and
; pops around an element, the tables' making jumping to it with no call; a wide x by mul16s in
; rmsnorm@table_wide): 21,554 and 21,603, the elements ~360 T-states for ~410; its count by djnz
; in the other set (no end byte compared): 21,008 and 21,056 with the squares' check first (below).
; RN_INVERSE_TABLE = 64 (the 128K player's, nineteenth round, zxroots): a sum of squares below
; 2^17 (m below 4,096: every unclamped norm of the benchmarks' prompts) takes its root from
; rn_roots by m >> 4 and its inverse 2^19 // r from rn_inverses (rn_root_from_table, in
; rn_tables_routines: no sra32, isqrt24 or division); a larger sum the path above. The tables
; (570 bytes) are build.rn_table_lines's, in the 128K's cold part below $8000. A norm of words
; below 1,000 (the 128K's options, gains 64, shift 6, mean of 20): 21,448 -> 19,245 T-states;
; rmsnorm 7 bytes more, rn_tables_routines 39 (docs/spectrum.md "Nineteenth round: RMSNorm's
; root and inverse").
; Thirty-third round (zxlogit33), the 128K player's: RN_UNIT_SHIFT (every norm's shift - a in the unit loops'
; code, no patched jump: 10 T-states an element; the clamped loop two elements a round: ~10 more) and
; RN_SQUARES_PAIRED (the squares two elements a round: 6.5 an element): a clamped norm of "hello" 8,220 ->
; 7,220 T-states, a prompt position's three norms 24,764 -> 21,769 (python benchmarks/z80_step_phases.py
; --model 128k); rmsnorm.s's bytes in the 128K player 627 -> 664 (its listing's, rn_tables_routines' and
; rn_swap_squares' with it).
; Thirty-third round (zx48norm33), the 48K player's RN_UNIT_SHIFT (no RN_FAST_SQUARES, no RN_UNIT_PRODUCTS: the
; clamped loop's shifts in place, two elements a round; mul16u's unit loop its n - 1 in place with its own store
; and end test; no patches but inv and the ends): a clamped norm 10,526 -> 9,648 T-states, an unclamped one 616
; fewer (27,911 -> 27,295 for words of root 17; python benchmarks/zx48_norm_shift.py); 21 bytes fewer.
; Thirty-fifth round (zx48fixed35), the 48K player's RN_UNIT_PUSHED: both unit loops read x from its end through HL
; and push each y into out from out's end after one set-up at the clamp's test, the unclamped one with inv in BC for
; every element (mul16u keeps it) and a negative x's product floored by its low word (no neg32): a clamped norm
; 9,648 -> 9,419 T-states, an unclamped one 27,295 -> 24,672 for words of root 17, 30,691 -> 28,039 for root 40
; (out right above x; python benchmarks/zx48_norm_pushed.py); 24 bytes fewer here, 20 in embedrows.s's
; fw_norm_kept below $8000 (the two words below out the unclamped loop's last pushes reach, put back).
; Thirty-seventh round (zx48embnorm37), the squares loop without RN_FAST_SQUARES (the 48K player's): x >> 4 in
; -128..127 (x's high byte plus 8 below $10) reads S(n) from one page of matvec's table, MV_SQ_PAGE's byte n + 127,
; with no 16-bit index or sign byte, its rare carry out of the loop: 35 T-states an element fewer (a clamped norm
; 9,419 -> 8,299 with the 48K's options, python benchmarks/zx48_norm_pushed.py); x >> 4 in 128..255 (|x| 2,048..4,095:
; 71 of 88,000 norm words on the ten and the thirty held out) now takes mul16s.
; Thirty-eighth round (zx48norms38), the 48K player's RN_UNIT_PRODUCTS (with RN_UNIT_PUSHED's set-up and clamped loop):
; each unclamped norm makes its two pages of inv's multiples in the screen's middle third (build.NORM_PRODUCTS_48K,
; planes.s's last two table pages, dead while a norm runs), t for x's high bytes -8..7 alone (RN_PRODUCTS_HIGH = 8:
; 24 entries), and reads them in rn_table_loop (expanded after rmsnorm): on the engine's inputs for "do you like music"
; an unclamped norm 22,971 -> 20,468 T-states (elements 15,871 -> 11,249, the making 2,120), a clamped one 13 fewer
; (python benchmarks/zx48_norm_tables.py); the squares' mul16s path's pre-shift a loop (5 bytes fewer, seldom run).
; Bytes: 464 (in the 48K player since the thirty-eighth round, zx48norms38: RN_UNIT_PRODUCTS, its making, rn_table_loop
; and @table_wide in place of mul16u's unit loop, 158 more; the squares' pre-shift loop 5 fewer); 311 (since the
; thirty-seventh round, zx48embnorm37: the squares from one page, the same
; bytes, forward.s's padding after it 0 fewer; python benchmarks/zx48_code_bytes.py; 311 since the thirty-fifth round, zx48fixed35: RN_UNIT_PUSHED, 24 fewer; code; its variables
; are in matvec's page, below; 335 before it; 356 before the thirty-third
; round's RN_UNIT_SHIFT; 327 before the
; twenty-third round's squares' loop popping x with interrupts off (23 more) and its clamped loop
; popping x, interrupts off to rmsnorm's end as in the 128K (6 more);
; 453 before the eighteenth round's RN_UNIT_GAIN_BITS; 448 before the eighteenth round's nibble swap (the squares' check 5 fewer, the wide
; one's shifts 10 more);
; 451 before the seventeenth round (the table squares in C:IX 17 more, the general
; path walking its inputs 18 fewer, two jr's for jp's 2, the count's ld b in RN_FAST_SQUARES's loop alone 2);
; 346 before the sixteenth round's RN_CLAMPED_UNIT, 342 before the clamped
; inverse's path, 360 with the variables before).

RN_DIM          = 32
RN_PRE_SHIFT    = 4             ; spec.RMS_PRE_SHIFT
RN_MEAN_SHIFT   = 5             ; // 32 = spec.EMBED_DIM
RN_INV_NUMERATOR_HIGH = 8      ; spec.RMS_INV_NUMERATOR = 2^19 = $0008:0000
RN_CLAMP_ROOT   = 16            ; the largest root whose 2^19 / root clamps at 32767
RN_INV_BITS     = 15            ; 2^19 // r < 2^15 for r >= 17
        .assert (RN_INV_NUMERATOR_HIGH << 16) >> RN_INV_BITS < RN_CLAMP_ROOT + 1, "the inverse has more than RN_INV_BITS bits"
.ifdef RN_INVERSE_TABLE
RN_ROOT_FIRST_BLOCK = ((RN_CLAMP_ROOT + 1) * (RN_CLAMP_ROOT + 1)) >> 4        ; rn_roots's first k (an unclamped m >= 17^2)
        .assert RN_INVERSE_TABLE * RN_INVERSE_TABLE >= (1 << 17) >> RN_MEAN_SHIFT, "rn_inverses must hold every root of a sum below 2^17"
.endif
RN_SQ_HALF      = 128 << RN_PRE_SHIFT   ; (the 48K's squares loop) x + 2048: x >> 4 in -128..127 when below 2^12
        .assert (RN_SQ_HALF & 255) == 0, "the squares loop adds RN_SQ_HALF to x's high byte alone"
RN_CLAMP_SUM    = (RN_CLAMP_ROOT + 1) * (RN_CLAMP_ROOT + 1) << RN_MEAN_SHIFT   ; the sums of squares that clamp lie below this
.ifdef RN_SHORT_SHIFTS
RN_CLAMPED_SHIFTS = RN_SHORT_SHIFTS ; (the 48K's: fewer bytes; a unit shift above them takes the general path)
.else
RN_CLAMPED_SHIFTS = 15          ; the clamped loop's unrolled shifts (y >> 15 is y's sign)
.endif
        .assert (RN_INV_NUMERATOR_HIGH << 16) / RN_CLAMP_ROOT >= 32768 && (RN_INV_NUMERATOR_HIGH << 16) / (RN_CLAMP_ROOT + 1) < 32768, "RN_CLAMP_ROOT is not the clamp's edge"

; The variables live in the last bytes of matvec's variable page (squares.s),
; after attention's scores: neither matvec nor attention runs while rmsnorm
; does, and every call sets them afresh (18 bytes fewer in the player; 12 bytes since
; the seventeenth round's general path walks rn_x, rn_gain and rn_out).
.ifdef RN_UNIT_SHIFT
; RN_UNIT_SHIFT = n (the 128K player's, thirty-third round, zxlogit33: build.unit_norm_shift, where every norm's
; shift is RN_UNIT_GAIN_BITS + n, the shipped soul's 8 = 6 + 2): the unit loops take n shifts in place, no
; patched jump into them (10 T-states an element, clamped or not), rn_unit_shift neither set nor read, and the
; clamped loop takes two elements a round (its end's test and jump every other element: ~20 an element).
; A call's rn_shift is not read: the build gives the option only where every norm's shift is the same.
; Without RN_UNIT_PRODUCTS (the 48K player's since the thirty-third round, zx48norm33) the unclamped unit loop
; (mul16u) takes n - 1 shifts in place too (or doubles for n = 0) and has its own store and end test: no
; patched jumps, only inv and the two loops' ends patched a call.
        .assert RN_UNIT_SHIFT >= 0 && RN_UNIT_SHIFT <= RN_CLAMPED_SHIFTS, "RN_UNIT_SHIFT: within the unit loops' shifts"
        .assert RN_DIM % 2 == 0, "RN_UNIT_SHIFT's clamped loop takes two elements a round"
.ifndef RN_UNIT_GAIN_BITS
        .assert 0, "RN_UNIT_SHIFT is shift - RN_UNIT_GAIN_BITS"
.endif
.ifndef RN_CLAMPED_UNIT
        .assert 0, "RN_UNIT_SHIFT's clamped loop is RN_CLAMPED_UNIT's"
.endif
.endif
.ifdef RN_UNIT_PUSHED
        .assert RN_UNIT_SHIFT >= 1, "RN_UNIT_PUSHED's loop takes (x * inv) >> 16's shifts in place"
.ifdef RN_FAST_SQUARES
        .assert 0, "RN_UNIT_PUSHED is the 48K's mul16u loop (no RN_FAST_SQUARES)"
.endif
.endif
.ifdef RN_SQUARES_PAIRED
; RN_SQUARES_PAIRED (the 128K player's, thirty-third round, zxlogit33): RN_FAST_SQUARES's loop two elements a
; round, the first's paths (its carry, a wide one's way back) ending at the second's start, its negative half
; followed by a copy of the second's positive path: one djnz every other element (6.5 T-states an element).
RN_SQUARES_PAIRS = 1
.ifndef RN_FAST_SQUARES
        .assert 0, "RN_SQUARES_PAIRED is RN_FAST_SQUARES's loop"
.endif
        .assert RN_DIM % 2 == 0, "RN_SQUARES_PAIRED takes two elements a round"
.else
RN_SQUARES_PAIRS = 0
.endif
.ifdef RN_FAST_SQUARES
RN_GAINS_A_ROUND = 4            ; the gains' check's unrolled compares (the 128K's: 8 bytes for ~100
.else                           ; T-states a fixed-gain norm, eighteenth round)
RN_GAINS_A_ROUND = 2
.endif
        .assert RN_DIM % RN_GAINS_A_ROUND == 0, "the gains' check takes RN_GAINS_A_ROUND a round"

.ifdef RN_FAST_SQUARES
.ifdef RN_SWAPPED_SQUARES
RN_SQ_PAGE      = (RN_SWAPPED_SQUARES >> 8) + 2 ; zero's page in rn_swap_squares's copy (as AT_SQ_PAGE)
        .assert RN_SWAPPED_SQUARES % 256 == 0, "the nibble-swapped squares must open a page"
.else
RN_SQ_PAGE      = AT_SQ_PAGE
.endif
.endif

.ifdef RN_UNIT_PRODUCTS
.ifndef RN_FAST_SQUARES
.ifndef RN_UNIT_PUSHED
        .assert 0, "RN_UNIT_PRODUCTS's element is RN_FAST_SQUARES's unit loop's or, on the 48K, RN_UNIT_PUSHED's set-up's"
.endif
.endif
; RN_UNIT_PRODUCTS = page (the 128K player's, eighteenth round, zxnorm3): the unit products of an
; unclamped norm through tables of inv's multiples made each such call in two pages there (in
; whichever bank is paged: the 128K's $FC00-$FDFF, past RN_SWAPPED_SQUARES, free in banks 0 and 4):
; page RN_UNIT_PRODUCTS: t(i) = (i - 16) inv for i = 0..31, 24 bits, its bytes at 4 i, 4 i + 1 and
; 4 i + 3 (4 i + 2 holds the flags push af leaves; t(16 + n) = n inv: the low nibble's products
; too); page RN_UNIT_PRODUCTS + 1: 16 n inv for n = 0..15 at 4 n, 4 n + 1, 4 n + 3 (since the
; nineteenth round: made by push, 3-byte entries at i, $20 + i, $60 + i and 16 n before).
; x in -4096..4095 = 256 (i - 16) + 16 n1 + n0:
; x inv = 256 t(i) + 16 n1 inv + n0 inv, with no product and no signs taken apart.
RN_PRODUCTS_PAGE = RN_UNIT_PRODUCTS >> 8
.ifndef RN_PRODUCTS_HIGH
RN_PRODUCTS_HIGH = 16           ; t's x high bytes: -RN_PRODUCTS_HIGH..RN_PRODUCTS_HIGH - 1 (the 128K's -16..15)
.endif
; RN_PRODUCTS_HIGH = 8 (the 48K's, thirty-eighth round, zx48norms38): t(i) made for i = 8..31 alone (x in -2048..2047
; through the tables, a wider x by @table_wide's mul16s: 71 of 88,000 norm words on the ten and the thirty), each
; at 4 (i - RN_PRODUCTS_FIRST): 8 entries fewer to make (~200 T-states a norm), the element's cost the same
RN_PRODUCTS_FIRST = 16 - RN_PRODUCTS_HIGH       ; the first i made
        .assert RN_PRODUCTS_HIGH == 8 || RN_PRODUCTS_HIGH == 16, "t(16 + n0) must be made for n0 = 0..15"
        .assert RN_UNIT_PRODUCTS % 256 == 0, "rmsnorm's products' tables must open a page"
.endif

RN_VAR_BYTES    = 12
rn_vars         = mv_sq_lo - RN_VAR_BYTES
rn_x            = rn_vars       ; words unless marked (the general path walks rn_x, rn_gain, rn_out)
rn_gain         = rn_vars + 2
rn_shift        = rn_vars + 4   ; byte
rn_out          = rn_vars + 5
rn_inv          = rn_vars + 7
rn_ysign        = rn_vars + 9   ; byte
rn_left         = rn_vars + 10  ; byte: elements left (the fixed-gain loop)
rn_unit_shift   = rn_vars + 11  ; byte: shift - a for gains of 2^a (the fixed-gain loop)
        .assert rn_unit_shift + 1 == mv_sq_lo, "rmsnorm's variables must end at the squares table"
        .assert rn_vars >= mv_wide_list + MV_MAX_COLS, "rmsnorm's variables overlap matvec's"

; rn_store_bc - the word BC at DE, DE stepped past it. Clobbers A.
        .macro rn_store_bc
        ld a,c
        ld (de),a
        inc de
        ld a,b
        ld (de),a
        inc de
        .endmacro

; rn_store_y - y (BC) at out, out stepped past it: through HL with RN_FAST_SQUARES (rn_step), else through
; DE (rn_store_bc). Clobbers A.
        .macro rn_store_y
.ifdef RN_FAST_SQUARES
        ld (hl),c               ; (HL = out)
        rn_step
        ld (hl),b
        rn_step
.else
        rn_store_bc
.endif
        .endmacro

; rn_clamped_y - a clamped norm's y from BC = x (RN_UNIT_SHIFT): (x - 1 for x > 0, else x) >> (shift - a),
; floored, in BC; the unit loops' (RN_UNIT_PUSHED's and the popped one's) shared step.
        .macro rn_clamped_y
        dec bc
        bit 7,b
        jr z,* + 3              ; x - 1 >= 0: x was positive
        inc bc
        .repeat RN_UNIT_SHIFT
        sra b                   ; y >> (shift - a), floored
        rr c
        .endrepeat
        .endmacro

; rn_step - HL to x's or out's next byte in the unit loops: inc l with RN_IN_PAGE (the 128K
; player's, nineteenth round: rn_x's and rn_out's 64 bytes each within a page, forward.s's .assert
; for fw_h and fw_xn; 4 T-states a step fewer), else inc hl.
        .macro rn_step
.ifdef RN_IN_PAGE
        inc l
.else
        inc hl
.endif
        .endmacro

; rn_add_square - D'E':H'L' (the sum of squares) += DEHL, through the stack; ends in the
; other set. Clobbers BC'.
        .macro rn_add_square
        push de
        push hl
        exx
        pop bc
        add hl,bc
        pop bc
        ex de,hl
        adc hl,bc
        ex de,hl
        .endmacro

; rn_x_shift4_low - E = (x >> 4) & 255 from x in DE with A = D: the high byte's low nibble,
; the low byte's high (eighteenth round: no 16-bit shifts). Keeps D.
        .macro rn_x_shift4_low
        xor e
        and $0F
        xor e
        rrca
        rrca
        rrca
        rrca
        ld e,a
        .endmacro

; rn_squares_index - E = the squares table's index of x >> 4 (x in DE, A = D): (x >> 4) & 255,
; or with RN_SWAPPED_SQUARES the same byte with its nibbles swapped (the table's order: no rrca).
        .macro rn_squares_index
.ifdef RN_SWAPPED_SQUARES
        xor e
        and $0F
        xor e
        ld e,a
.else
        rn_x_shift4_low
.endif
        .endmacro

; rn_sum_square - C:H:L += S(x >> 4) from the squares table: E its index (rn_squares_index), PAGE the page of
; its low bytes (RN_SQ_PAGE, or RN_SQ_PAGE - 2 for the negative half), the high bytes a page on. Ends with
; carry set where HL passed a multiple of 2^16 (the caller adds it into C). Clobbers A, D.
        .macro rn_sum_square page
        ld d,page
        ld a,(de)
        add a,l
        ld l,a
        inc d
        ld a,(de)
        adc a,h
        ld h,a
        .endmacro

; rn_swap_squares's code (below): in rmsnorm.s, before attention's at_sq_table, with
; RN_UNIT_PRODUCTS (a soul whose norms leave the general path out: room there), else after
; attention.s in rn_tables_routines (eighteenth round: the room below $C000 is short).
        .macro rn_swap_squares_routine
rn_swap_squares:
        ld hl,RN_SWAPPED_SQUARES
        ld d,at_sq_table >> 8
@entry:
        ld a,l
        rrca
        rrca
        rrca
        rrca
        ld e,a
        ld a,(de)
        ld (hl),a
        inc l
        jr nz,@entry
        inc d
        inc h
        ld a,h
        cp (RN_SWAPPED_SQUARES >> 8) + 4
        jr nz,@entry
        ret
        .endmacro

rmsnorm:
        exx
        ld hl,0                 ; D'E':H'L' = the sum of squares (mul16s keeps that set)
        ld d,h
        ld e,l
        exx
        ld hl,(rn_x)
.ifdef RN_FAST_SQUARES
.ifndef AT_FAST_MEANS
        .assert 0, "RN_FAST_SQUARES reads AT_FAST_MEANS's squares table"
.endif
        ld b,RN_DIM / (1 + RN_SQUARES_PAIRS)    ; (the rounds)
        ld a,i                  ; P/V = IFF2: were interrupts on? (SP walks x)
        push af
        di
        ld (@own_sp + 1),sp
        ld sp,hl
        ld hl,0                 ; C:H:L = the table's squares (24 bits: 32 * 65025 < 2^21)
        ld c,l
.ifdef RN_SQUARES_PAIRED
        jr @fast_square         ; (the round's first element's paths first, within its jr's reach)
@first_carry:
        inc c
        jr @fast_second
@first_not_positive:
        cp $F1
        jr c,@first_wide
        rn_squares_index
        rn_sum_square RN_SQ_PAGE - 2
        jr c,@first_carry
        pop de                  ; (the round's second element again, here: no jump to it)
        ld a,d
        cp $10
        jr nc,@fast_not_positive
        rn_squares_index
        rn_sum_square RN_SQ_PAGE
        jr c,@fast_carry
        djnz @fast_square
        jp @own_sp
@first_wide:
        ld a,@fast_second & 255 ; (the wide path's way back: the round's second element)
        jr @wide_from
@fast_square:                   ; (RN_SQUARES_PAIRED: a round's first element, its paths ending at
        pop de                  ; @fast_second, the second's the loop's as before)
        ld a,d
        cp $10
        jr nc,@first_not_positive
        rn_squares_index
        rn_sum_square RN_SQ_PAGE
        jr c,@first_carry
@fast_second:
.else
@fast_square:
.endif                          ; (x >> 4)^2 from attention.s's table (AT_FAST_MEANS): no shifts,
        pop de                  ; x popped (the 128K player's)
        ld a,d                  ; x >> 4 outside -255..255 (x's high byte not in $F1..$0F) is wide;
        cp $10                  ; each sign its own range check and page, the positive first and the
        jr nc,@fast_not_positive        ; byte made after it (nineteenth round)
        rn_squares_index
        rn_sum_square RN_SQ_PAGE
        jr c,@fast_carry        ; (seldom: the sum passing a multiple of 2^16)
@fast_added:
        djnz @fast_square
@own_sp:
        ld sp,0                 ; (patched: rmsnorm's stack)
        ld a,c                  ; the sum of squares (D'E':H'L', the wide ones) += C:H:L
        push hl
        exx
        pop bc
        add hl,bc
        adc a,e
        ld e,a
        jr nc,@fast_summed
        inc d
@fast_summed:
        exx                     ; (interrupts stay off to rmsnorm's end, @restore: the unit
        jr @squared             ; loops pop x too; their state below the return address)
@fast_carry:
        inc c
        jr @fast_added
@fast_not_positive:             ; (A = x's high byte)
        cp $F1
        jr c,@fast_wide
        rn_squares_index        ; (E as above)
        rn_sum_square RN_SQ_PAGE - 2
        jr c,@fast_carry
        djnz @fast_square
        jr @own_sp
@fast_wide:                     ; a wider x >> 4: mul16s on rmsnorm's stack, its square into D'E':H'L'
.ifdef RN_SQUARES_PAIRED
        ld a,@fast_added & 255  ; (back to the round's end)
@wide_from:
        ld (@wide_back + 1),a
.endif
        ld (@walk + 1),sp
        ld sp,(@own_sp + 1)
        push bc
        push hl
        ld a,d
        rn_x_shift4_low         ; E = (x >> 4) & 255
        ld a,d
        .repeat RN_PRE_SHIFT
        sra a
        .endrepeat
        ld b,a
        ld c,e
        ld d,a                  ; BC = DE = x >> 4
        call mul16s
        rn_add_square
        exx
        pop hl
        pop bc
@walk:
        ld sp,0                 ; (patched: back to x)
.ifdef RN_SQUARES_PAIRED
@wide_back:
        jp @fast_added          ; (patched low byte: @fast_added, or @fast_second from a round's first)
        .assert (@fast_added >> 8) == (@fast_second >> 8), "RN_SQUARES_PAIRED: the wide path's ways back in one page"
.else
        djnz @fast_square
        jr @own_sp
.endif
.else
        ld a,i                  ; P/V = IFF2: were interrupts on? (SP walks x: the 48K's since the
        push af                 ; twenty-third round, 37 T-states an element fewer)
        di
        ld (@own_sp + 1),sp
        ld sp,hl
        ld bc,RN_DIM * 256      ; B = the elements left, C:IX = the table's squares (24 bits:
        ld ix,0                 ; 32 * 65025 < 2^21), the wide ones in D'E':H'L' (mul16s keeps IX)
        jr @square
@multiply:                      ; x >> 4 outside -128..127 (seldom): mul16s, into D'E':H'L', on
        ld (@walk + 1),sp       ; rmsnorm's own stack (its pushes would land on x)
        ld sp,(@own_sp + 1)
        push bc
        ld a,e
        ld b,RN_PRE_SHIFT       ; (a loop, not unrolled: 5 bytes fewer on this seldom path; thirty-eighth round)
@multiply_shift:
        sra d
        rra
        djnz @multiply_shift
        ld b,d
        ld c,a
        ld e,a                  ; BC = DE = x >> 4
        call mul16s             ; DEHL = xs*xs
        rn_add_square
        exx
        pop bc
@walk:
        ld sp,0                 ; (patched: back on x)
        jr @added
@carry:
        inc c                   ; (seldom: C:IX passing a multiple of 2^16)
        jr @added
@square:                        ; (thirty-seventh round, zx48embnorm37: one page of matvec's table, 35 T-states
        pop de                  ; an element fewer than the 16-bit index into its three pages) DE = x
        ld a,d
        add a,RN_SQ_HALF >> 8   ; x + 2048's high byte: below $10 for x >> 4 in -128..127 (nearly always)
        cp $10
        jr nc,@multiply
        xor e                   ; ((x + 2048) >> 4) & 255 = (x >> 4) + 128: x + 2048's high byte's low
        and $0F                 ; nibble, its low byte's high
        xor e
        rrca
        rrca
        rrca
        rrca
        dec a                   ; (x >> 4) + 127: S(n)'s low byte at MV_SQ_PAGE's byte n + 127 (n = -128
        ld l,a                  ; wraps to 255, S(128): the same square)
        ld h,MV_SQ_PAGE
        ld e,(hl)
        inc h
        inc h
        ld d,(hl)               ; DE = xs*xs
        add ix,de
        jr c,@carry
@added:
        djnz @square
@own_sp:
        ld sp,0                 ; (patched: rmsnorm's stack, the interrupts' state on it: they stay
        push ix                 ; off to rmsnorm's end, @restore) the sum of squares (D'E':H'L') += C:IX
        ld a,c
        exx
        pop bc
        add hl,bc
        adc a,e
        ld e,a
        jr nc,@table_summed
        inc d
@table_summed:
        exx                     ; (@squared takes the other set again)
.endif

@squared:
        exx                     ; a root of 16 or less (m < 17^2, the sum below 17^2 * 32) clamps
        ld a,d                  ; inv at 32767: told from the sum, with no root (SPEC's max(1, m)
        or e                    ; and max(1, root) are left out: they clamp as well)
        jr nz,@root
        ld bc,RN_CLAMP_SUM
        sbc hl,bc               ; (carry clear from the or)
        jr c,@clamp
        add hl,bc
@root:
.ifdef RN_INVERSE_TABLE
        ld a,e                  ; a sum below 2^17 (m below 2^12, r below 64)? r and inv from
        and $FE                 ; tables (rn_tables_routines's rn_root_from_table, back at @inv_ok)
        or d
        jp z,rn_root_from_table
.endif
        ld a,RN_MEAN_SHIFT      ; m = sum >> 5
        call sra32
        ld (isq_m),hl
        ld (isq_m+2),de
        call isqrt24            ; m <= 2^22, so the root fits: r = 17..2048 here
        ex de,hl                ; inv = 2^19 // r by long division, 15 quotient bits (r >= 17);
        ld hl,(RN_INV_NUMERATOR_HIGH << 16) >> RN_INV_BITS ; the remainder above bit 14: 2^19 >> 15 = 16 < r
        ld b,RN_INV_BITS
@inverse:
        add hl,hl               ; (the remainder stays below 2r <= 4096: no carry)
        sbc hl,de
        jr nc,@inverse_bit      ; no carry: the quotient bit is 1
        add hl,de               ; r too big: put it back (and carry: the bit is 0)
@inverse_bit:
        rla                     ; C:A = the quotient's bits, each complemented
        rl c
        djnz @inverse
        cpl
        ld l,a
        ld a,c
        cpl
        and $7F                 ; (C's top bit came from A before the 15 bits)
        ld h,a
        jr @inv_ok
@clamp:
        ld hl,$7FFF
@inv_ok:
        ld (rn_inv),hl

.ifdef RN_UNIT_GAIN_BITS
.ifndef RN_UNIT_SHIFT           ; (the fixed shift's loops take RN_UNIT_SHIFT straight)
        ld a,(rn_shift)         ; every gain 2^a, a = RN_UNIT_GAIN_BITS, 0 <= shift - a <=
        sub RN_UNIT_GAIN_BITS   ; RN_CLAMPED_SHIFTS (the build's option: build.unit_gain_bits):
        ld (rn_unit_shift),a    ; no check of the gains, no general path
.endif
.else
        ld hl,(rn_gain)         ; every gain one 2^a with a <= shift (fixed gains, narrowed
        ld a,(hl)               ; or not)? then out = y >> (shift - a), no gain product
        ld c,a                  ; C = the first gain
        or a                    ; (and carry clear for the rotations)
        jp m,@general
        jr z,@general
        ld b,$FF                ; B = a, the place of its lowest set bit
@lowest_bit:
        inc b
        rra
        jr nc,@lowest_bit
        or a
        jr nz,@general          ; bits above it: not a power of two
        ld a,(rn_shift)
        sub b
        jr c,@general           ; a > shift: a gain above one
        ld (rn_unit_shift),a
.ifdef RN_SHORT_SHIFTS
        cp RN_SHORT_SHIFTS + 1
        jr nc,@general          ; more shifts than the short loop's
.endif
        ld b,RN_DIM / RN_GAINS_A_ROUND
        ld a,c
@check:
        .repeat RN_GAINS_A_ROUND
        cp (hl)
        jr nz,@general
        inc hl
        .endrepeat
        djnz @check
.endif
.ifdef RN_CLAMPED_UNIT
.ifdef RN_UNIT_PUSHED
; (both loops read x from its last word down through HL and push each y into out from its end: one set-up)
        ld b,h
        ld c,l                  ; BC = inv (HL since @inv_ok: no gains' check with RN_UNIT_GAIN_BITS)
        ld hl,(rn_out)
        ld de,2 * RN_DIM
        add hl,de
        ld sp,hl                ; SP = out's end: y pushed from the last word (interrupts off since the squares)
        ld hl,(rn_x)
        dec hl
        ld a,l
        ld (@clamped_end + 1),a ; the last element done when HL's low byte reaches x - 1's
.ifndef RN_UNIT_PRODUCTS
        ld (@unit_end + 1),a
.endif
        add hl,de               ; HL = x's last byte
        ld a,b
        cp $7F                  ; inv = 32767 (a root of 16 or less; 2^19 / 17 = 30840)?
        jr z,@clamped_element   ; then y needs no product
.ifdef RN_UNIT_PRODUCTS
        jp @unit_products       ; (the 48K's with RN_UNIT_PRODUCTS: the tables in the screen's middle third)
.else
        jr @unit_element        ; (mul16u keeps BC: inv for every element)
.endif
.else
        ld a,(rn_inv+1)         ; inv = 32767 (a root of 16 or less; 2^19 / 17 = 30840)?
        cp $7F
        jr z,@clamped           ; then y needs no product
        jr @unit_fast           ; (after the general loop: the jr's to @general keep their reach)
.endif
.else
        exx
        ld hl,(rn_x)            ; HL' = x, DE' = out (mul16s keeps the other set)
        ld de,(rn_out)
        exx
        ld a,RN_DIM
        ld (rn_left),a
@unit:
        exx
        ld c,(hl)
        inc hl
        ld b,(hl)
        inc hl
        push bc
        exx
        pop de
        ld bc,(rn_inv)
.ifndef RN_CLAMPED_UNIT
        ld a,b
        cp $7F
        jr z,@unit_clamped      ; inv = 32767: y = x - 1 for x > 0, x otherwise (@clamped below)
.endif
        call mul16s             ; DEHL = x * inv
        add hl,hl
        rl e
        rl d                    ; DE = y = (x * inv) >> 15, always within int16
@unit_y:
        ld a,(rn_unit_shift)    ; y * 2^a >> shift = y >> (shift - a), floored
        or a
        jr z,@unit_store
        ld b,a
@unit_shift:
        sra d
        rr e
        djnz @unit_shift
@unit_store:
        push de
        exx
        pop bc
        rn_store_bc
        exx
        ld hl,rn_left
        dec (hl)
        jr nz,@unit
        jr @restore
.ifndef RN_CLAMPED_UNIT
@unit_clamped:
        dec de
        bit 7,d
        jr z,@unit_y            ; x - 1 >= 0: x was positive
        inc de
        jr @unit_y
.endif
.endif

.ifndef RN_UNIT_GAIN_BITS
@general:                       ; (walks rn_x, rn_gain and rn_out: the caller sets them each call)
        ld b,RN_DIM
@element:
        push bc
        ld hl,(rn_x)
        ld e,(hl)
        inc hl
        ld d,(hl)
        inc hl
        ld (rn_x),hl
        ld bc,(rn_inv)
        call mul16s             ; DEHL = x * inv (|.| < 2^30)
        add hl,hl
        rl e
        rl d                    ; DE = (x * inv) >> 15
        ld a,d                  ; y's sign byte, for a negative gain below
        rla
        sbc a,a
        ld (rn_ysign),a
        ld hl,(rn_gain)
        ld a,(hl)
        inc hl
        ld (rn_gain),hl
        ld c,a
        push af                 ; g's sign
        push de
        call mul16s8u           ; DEHL = y * (g & 255)
        pop bc
        pop af
        or a
        jp p,@gain_positive
        ld a,h                  ; g < 0: y * g = y * (g & 255) - 256 y
        sub c
        ld h,a
        ld a,e
        sbc a,b
        ld e,a
        ld a,(rn_ysign)
        ld c,a
        ld a,d
        sbc a,c
        ld d,a
@gain_positive:
        ld a,(rn_shift)
        call sra32
        call sat32to16
        ex de,hl
        ld hl,(rn_out)
        ld (hl),e
        inc hl
        ld (hl),d
        inc hl
        ld (rn_out),hl
        pop bc
        djnz @element
.endif
@restore:                       ; (off since the squares, both players' since the twenty-third round:
        pop af                  ; as they were found)
        ret po
        ei
        ret
.ifdef RN_CLAMPED_UNIT
.ifndef RN_UNIT_PUSHED                  ; (its set-up with the clamped loop's, at the clamp's test)
@unit_fast:                     ; inv below 32767: y = (x * inv) >> 15 through mul16u (inv > 0: no signs
.endif
.ifdef RN_UNIT_PRODUCTS                 ; to take apart), then the clamped loop's shifts and store
        jp @unit_products       ; (x in -4096..4095 through this call's tables of inv's multiples,
                                ; then rn_tables_routines's loop of their own)
.else
.ifdef RN_UNIT_PUSHED
.else
.ifdef RN_UNIT_SHIFT
        ld hl,(rn_inv)          ; (the unit loop's own patch: the clamped loop reads no inv)
        ld (@unit_inv + 1),hl
.endif
        ld hl,@unit_element
        push hl                 ; (the first element: ret goes there)
        jr @loop_setup
.endif
.endif
.ifndef RN_UNIT_PUSHED                  ; (its set-up with the unit loop's, above)
@clamped:                       ; y = (x * 32767) >> 15 = x - 1 for x > 0, x for x <= 0 (and -32767
                                ; for x = -32768, which never has a clamped root: its own
        ld hl,@clamped_start    ; square's mean alone makes the root 362)
        push hl                 ; (the first element: SP to x first; the 48K's too since the
.ifdef RN_UNIT_SHIFT            ; twenty-third round; RN_UNIT_SHIFT: no patches, its shifts in place)
.ifndef RN_UNIT_PRODUCTS
@loop_setup:                    ; (the unit loop's too: each loop its own end test, no jump patched)
.endif
.else
        ld hl,@clamped_element
@loop_setup:
        ld (@clamped_loop + 1),hl
        ld a,(rn_unit_shift)
        cp RN_CLAMPED_SHIFTS
        jr c,@clamped_entry
        ld a,RN_CLAMPED_SHIFTS  ; (a 16-bit y shifted 15 places is its sign: more change nothing)
@clamped_entry:
        add a,a
        add a,a                 ; 4 bytes a shift: the entry is that many shifts before their end
        ld e,a
        ld d,0
        ld hl,@clamped_shifts_end
        sbc hl,de               ; (carry clear from the add: A <= 60)
        ld (@clamped_jump + 1),hl
.ifndef RN_UNIT_PRODUCTS
        or a                    ; the unit products shift (x * inv) >> 16 one place fewer (at 15
        ld e,4                  ; or more, 14 shifts leave |x * inv| < 2^30 its sign as 15 do),
        add hl,de               ; or for a shift of 0 double it (@unit_doubled)
        jr nz,@unit_entry
        ld hl,@unit_doubled
@unit_entry:
        ld (@unit_jump + 1),hl
        ld hl,(rn_inv)
        ld (@unit_inv + 1),hl
.endif
.endif
.ifdef RN_FAST_SQUARES
        ld de,(rn_x)            ; DE = x (SP for the clamped loop), HL = out (may be rn_x: each x
        ld hl,(rn_out)          ; is read before its y is stored)
        ld a,l
.else
        ld hl,(rn_x)
        ld de,(rn_out)          ; (may be rn_x: each x is read before its y is stored)
        ld a,e
.endif
        add a,2 * RN_DIM
        ld (@clamped_end + 1),a ; the last element done when out's low byte reaches this
.ifdef RN_UNIT_SHIFT
.ifndef RN_UNIT_PRODUCTS
.ifndef RN_UNIT_PUSHED
        ld (@unit_end + 1),a
.endif
.endif
.endif
        ret                     ; (to the first element)
@clamped_start:
.ifdef RN_FAST_SQUARES
        ex de,hl
        ld sp,hl                ; SP = x (interrupts off since the squares)
        ex de,hl
.else
        ld sp,hl                ; SP = x (HL; interrupts off since the squares): 16 T-states an
.endif                          ; element fewer than its reads through HL (twenty-third round)
.endif
@clamped_element:
.ifdef RN_UNIT_PUSHED
        .repeat 2               ; (two elements a round, x read down, y pushed: 7 T-states an element fewer
        ld b,(hl)               ; than x popped and y stored through DE; thirty-fifth round)
        dec hl
        ld c,(hl)
        dec hl
        rn_clamped_y
        push bc
        .endrepeat
        ld a,l
.else
.ifdef RN_UNIT_SHIFT
        .repeat 2               ; (two elements a round: RN_DIM is even)
        pop bc
        rn_clamped_y
        rn_store_y
        .endrepeat
.ifdef RN_FAST_SQUARES
        ld a,l
.else
        ld a,e
.endif
.else
        pop bc
        dec bc
        bit 7,b
        jr z,@clamped_jump      ; x - 1 >= 0: x was positive
        inc bc
@clamped_jump:
        jp @clamped_shifts_end  ; (patched: shift - a of the shifts below, unrolled)
        .repeat RN_CLAMPED_SHIFTS
        sra b                   ; y >> (shift - a), floored
        rr c
        .endrepeat
@clamped_shifts_end:
.ifdef RN_FAST_SQUARES
        ld (hl),c               ; (HL = out)
        rn_step
        ld (hl),b
        rn_step
        ld a,l
.else
        rn_store_bc
        ld a,e
.endif
.endif
.endif
@clamped_end:
        cp 0                    ; (patched: out's end, low byte; with RN_UNIT_PUSHED x - 1's)
@clamped_loop:
        jp nz,@clamped_element  ; (patched: @clamped_element or @unit_element)
@clamped_done:
        ld sp,(@own_sp + 1)     ; rmsnorm's stack, the interrupts' state on it
.ifdef RN_FAST_SQUARES
        jr @restore
.else
.ifdef RN_UNIT_GAIN_BITS
.ifdef RN_SHORT_SHIFTS
        jr @restore             ; (the 48K player's: no general path, 2 shifts between)
.else
        jp @restore             ; (the long shifts lie between: past jr's reach)
.endif
.else
        jp @restore             ; (the general path lies between: past jr's reach)
.endif
.endif
.ifdef RN_UNIT_PRODUCTS
@table_wide:                    ; (rn_table_loop's x outside -4096..4095: DE = x, SP on x past it)
        ld (@table_x_sp + 1),sp
        ld sp,(@own_sp + 1)     ; x inv by mul16s on rmsnorm's stack (interrupts off; seldom)
        ld bc,(rn_inv)
        call mul16s
        ld b,d                  ; BC = (x * inv) >> 16, A its bit 15
        ld c,e
        ld a,h
@table_x_sp:
        ld sp,0                 ; (patched: back on x)
        jp RN_TABLE_JUMP
.ifndef RN_UNIT_PUSHED                  ; (the 48K's: RN_UNIT_SHIFT >= 1, its end @clamped_done's)
@table_doubled:                 ; (rn_table_loop's, here for the room below $C000) shift = a:
        rla                     ; y = (x * inv) >> 15, always within int16
        rl c
        rl b
        jp RN_TABLE_SHIFTS_END
@table_done:                    ; (rn_table_loop's end)
        ld sp,(@own_sp + 1)     ; rmsnorm's stack, the interrupts' state on it
        jr @restore
.endif
.else
.ifdef RN_UNIT_PUSHED
; RN_UNIT_PUSHED (the 48K player's, thirty-fifth round, zx48fixed35): x read from its last word down through HL
; and each y pushed into out from its end, BC = inv for every element (mul16u keeps it): no out pointer kept,
; no inv patched, no stores through DE. The pushes of the x pointer, mul16u's call and its own land on out's
; words not yet pushed, but for the last two elements' (x[1]'s, x[0]'s), which reach the two words below out:
; the caller keeps those (embedrows.s's fw_norm_kept). So out must not overlap x (nor x lie in those 4 bytes
; unless as its last two words, read before they are reached). Set up with the clamped loop at the clamp's test;
; 62 T-states an element fewer than the loop below; its negative path floors by P's low word (no neg32).
@unit_element:                  ; HL = x[i]'s high byte, SP = &out[i + 1]
        ld d,(hl)
        dec hl
        ld e,(hl)
        dec hl
        push hl                 ; (on out[i], pushed below)
        bit 7,d
        jr nz,@unit_negative
        call mul16u             ; DEHL = x * inv
@unit_product:                  ; DE = (x * inv) >> 16, floored
        .repeat RN_UNIT_SHIFT - 1
        sra d                   ; y >> (shift - a), floored: one place fewer than the clamped loop's
        rr e
        .endrepeat
        pop hl
        push de                 ; out[i] = y
        ld a,l
@unit_end:
        cp 0                    ; (patched: x - 1's low byte)
        jp nz,@unit_element
        jr @clamped_done
@unit_negative:                 ; x < 0: P = |x| * inv (|x| unsigned: x = -32768 too)
        xor a
        sub e
        ld e,a
        sbc a,a
        sub d
        ld d,a
        call mul16u
        ld a,h                  ; floor(-P / 2^16) = -(P >> 16) - (P's low word nonzero)
        or l
        add a,255               ; (carry: the low word is nonzero)
        ld hl,0
        sbc hl,de
        ex de,hl
        jr @unit_product
.else
.ifdef RN_FAST_SQUARES
@unit_element:                  ; DE = x, HL = out (kept on the stack while mul16u runs)
        push hl
        ex de,hl
.else
@unit_element:                  ; HL = x, DE = out (kept on the stack while mul16u runs)
        push de
.endif
        ld e,(hl)
        rn_step
        ld d,(hl)
        rn_step
        push hl
@unit_inv:
        ld bc,0                 ; (patched: inv)
        bit 7,d
        jr nz,@unit_negative
        call mul16u             ; DEHL = x * inv (x's high byte below inv's for every shipped norm: no swap)
@unit_product:
        ld b,d                  ; BC = (x * inv) >> 16: y >> (shift - a) is (x * inv) >> (15 + shift - a),
        ld c,e                  ; BC shifted one place fewer
.ifdef RN_UNIT_SHIFT
.if RN_UNIT_SHIFT == 0
        ld a,h                  ; (bit 15: shift = a doubles)
.endif
.else
        ld a,h                  ; (bit 15, for a shift of 0)
.endif
.ifdef RN_FAST_SQUARES
        pop de                  ; DE = x, HL = out
        pop hl
.else
        pop hl
        pop de
.endif
.ifdef RN_UNIT_SHIFT
.if RN_UNIT_SHIFT == 0
        rla                     ; shift = a: y = (x * inv) >> 15, always within int16
        rl c
        rl b
.else
        .repeat RN_UNIT_SHIFT - 1
        sra b                   ; y >> (shift - a), floored: one place fewer than the clamped loop's
        rr c
        .endrepeat
.endif
        rn_store_y
.ifdef RN_FAST_SQUARES
        ld a,l
.else
        ld a,e
.endif
@unit_end:
        cp 0                    ; (patched: out's end, low byte)
        jp nz,@unit_element
        jr @clamped_done        ; (@restore past jr's reach; SP there already: the pushes and pops balance)
.else
@unit_jump:
        jp @clamped_shifts_end  ; (patched: shift - a - 1 of the clamped loop's shifts, or @unit_doubled)
@unit_doubled:                  ; shift = a: y = (x * inv) >> 15, always within int16
        rla
        rl c
        rl b
        jp @clamped_shifts_end
.endif
@unit_negative:                 ; x < 0: -(|x| * inv), |x| unsigned (x = -32768 too)
        xor a
        sub e
        ld e,a
        sbc a,a
        sub d
        ld d,a
        call mul16u
        call neg32
        jp @unit_product
.endif
.endif
.endif

; rn_push_entries - two table entries A:H:L pushed (4 bytes each, down from SP), each the one
; before plus B:DE: the tables of inv's multiples a round at a time (16 T-states fewer an entry
; pair than one entry a round).
        .macro rn_push_entries
        .repeat 2
        push af
        push hl
        add hl,de
        adc a,b
        .endrepeat
        .endmacro

.ifdef RN_UNIT_PRODUCTS
; @unit_products - this call's tables from rn_inv (below 32767: x inv < 2^27), pushed with SP from
; each table's top down (interrupts off since the squares): an entry a push af and a push hl of
; the 24-bit multiple in A:HL, then the step added (nineteenth round: ~37 T-states an entry, 8 a
; round of two); then rn_table_loop's setup, SP to x, and its first element.
@unit_products:
        ld hl,(rn_inv)
        xor a                   ; A:HL = 16 inv
        .repeat 4
        add hl,hl
        rla
        .endrepeat
        ld c,a
        xor a                   ; B:DE = -16 inv, the step of 16 n inv
        sub l
        ld e,a
        ld a,0
        sbc a,h
        ld d,a
        ld a,0
        sbc a,c
        ld b,a
        ld hl,(rn_inv)          ; A:HL = 240 inv = 256 inv - 16 inv: its low byte E, the next
        ld a,l                  ; inv's low byte + D, the top inv's high byte + B and the carry
        add a,d
        ld l,a
        ld a,h
        adc a,b
        ld h,l
        ld l,e
        ld sp,RN_UNIT_PRODUCTS + 256 + 4 * 16
        ld c,16 / 2
@sixteens:                      ; 16 n inv for n = 15..0 at 4 n, the page after t's
        rn_push_entries
        dec c
        jr nz,@sixteens
        ld hl,(rn_inv)          ; B:DE = -inv (inv > 0), the step of t
        xor a
        sub l
        ld e,a
        sbc a,a
        sub h
        ld d,a
        ld b,$FF
        xor a                   ; A:HL = 15 inv = 16 inv - inv, t(31)
        .repeat 4
        add hl,hl
        rla
        .endrepeat
        add hl,de
        adc a,b
        ld sp,RN_UNIT_PRODUCTS + 4 * (32 - RN_PRODUCTS_FIRST)
        ld c,(32 - RN_PRODUCTS_FIRST) / 2
@multiples:                     ; t(i) = (i - 16) inv for i = 31..RN_PRODUCTS_FIRST at 4 (i - RN_PRODUCTS_FIRST)
        rn_push_entries
        dec c
        jr nz,@multiples
.ifndef RN_UNIT_SHIFT           ; (RN_UNIT_SHIFT: rn_table_loop's shifts in place)
        ld a,(rn_unit_shift)    ; y >> (shift - a) is (x inv) >> 16 shifted shift - a - 1 places, or
        ld hl,@table_doubled    ; doubled for shift = a (shift - a <= RN_SHORT_SHIFTS here)
        or a
        jr z,@table_shift_set
        add a,a
        add a,a                 ; 4 bytes a shift
        ld e,a
        ld d,0
        ld hl,RN_TABLE_SHIFTS_END + 4
        sbc hl,de               ; (carry clear from the add)
@table_shift_set:
        ld (RN_TABLE_JUMP + 1),hl
.endif
        ld hl,(rn_x)
        ld sp,hl                ; SP = x (rmsnorm's stack at @own_sp)
        exx
        ld hl,(rn_out)          ; HL' = out (may be rn_x: each x is popped before its y is stored)
        ld b,RN_DIM             ; B' = the elements left
        jp rn_table_loop
.ifdef RN_SWAPPED_SQUARES
        rn_swap_squares_routine
.endif
.endif

; The routines below lie where build.py expands their macros: rn_tables_routines after
; attention.s (below $C000: they run with bank 4 in, and out of the room before attention's
; page-aligned at_sq_table, which rmsnorm's own code and a general-gains soul's path take);
; soulplayer.s's start runs rn_swap_squares in bank 0 and in bank 4.
; rn_swap_squares (RN_SWAPPED_SQUARES) - attention.s's squares table (AT_FAST_MEANS's four pages)
; again at RN_SWAPPED_SQUARES, in the bank paged at $C000, each page's entry s being the table's
; entry for s with its nibbles swapped: rmsnorm's squares index it with x >> 4's byte as it comes
; out of the xor/and/xor, with no four rrca's (16 T-states an element). The 128K player's
; (build.py places it in banks 0 and 4: the layer 1 norms run with bank 4 in), made once a
; LOAD, off the tape. Clobbers AF, DE, HL.
; rn_table_loop - rmsnorm's unclamped unit loop with RN_UNIT_PRODUCTS (nineteenth round), entered
; by rmsnorm@unit_products's jp with SP on x (interrupts off), HL' = out and its patches set: x
; popped, x inv from the tables (x outside -4096..4095 through rmsnorm@table_wide's mul16s),
; shifted by RN_TABLE_JUMP's patched jump (or doubled, rmsnorm@table_doubled), y stored through
; HL' (rn_step), B' counting; rmsnorm@table_done ends it.
        .macro rn_tables_routines
.ifdef RN_INVERSE_TABLE
rn_root_from_table:             ; (rmsnorm@root's, RN_INVERSE_TABLE: E:H:L = the sum, below 2^17)
        ld a,e                  ; by k = m >> 4 (no isqrt24): r0 + 1 there, or r0 if m & 15 is below
        rra                     ; its d there (build.rn_table_lines)
        ld a,h
        rra                     ; A = sum >> 9 = k, carry = the sum's bit 8
        ld b,a
        ld a,l
        rra
        and $F0                 ; A = the sum's bits 5..8 = (m & 15) << 4
        ld c,a
        ld l,b
        ld h,0
        add hl,hl
        ld de,rn_roots - 2 * RN_ROOT_FIRST_BLOCK
        add hl,de
        ld a,c
        cp (hl)                 ; carry: m & 15 below d, the root r0
        inc hl
        ld a,(hl)
        sbc a,0
        ld l,a                  ; HL = r (17..63): inv = 2^19 // r from rn_inverses
        ld h,0
        add hl,hl
        ld de,rn_inverses - 2 * (RN_CLAMP_ROOT + 1)
        add hl,de
        ld a,(hl)
        inc hl
        ld h,(hl)
        ld l,a
        jp rmsnorm@inv_ok
.endif
.ifdef RN_SWAPPED_SQUARES
.ifndef RN_UNIT_PRODUCTS
        rn_swap_squares_routine
.endif
.endif
.ifdef RN_UNIT_PRODUCTS
.ifndef RN_SHORT_SHIFTS
        .assert 0, "rn_table_loop's shifts are RN_SHORT_SHIFTS's"
.endif
rn_table_loop:                  ; (rmsnorm@unit_products's jp: SP on x, HL' = out, B' the count)
        exx                     ; (from the other set)
        pop de
        ld a,d
        add a,RN_PRODUCTS_HIGH
        cp 2 * RN_PRODUCTS_HIGH
        jp nc,rmsnorm@table_wide        ; (DE = x: mul16s on rmsnorm's stack, back to RN_TABLE_JUMP)
        add a,a
        add a,a
        ld b,a                  ; B = 4 (i - RN_PRODUCTS_FIRST), i = x's high byte + 16
        ld h,RN_PRODUCTS_PAGE + 1
        ld a,e
        and $F0
        rrca
        rrca
        ld l,a                  ; HL = &16 n1 inv (at 4 n1)
        ld a,e
        and $0F
.if RN_PRODUCTS_HIGH == 16
        or $10
.else
        add a,RN_PRODUCTS_HIGH
.endif
        add a,a
        add a,a
        ld e,a
        ld d,RN_PRODUCTS_PAGE   ; DE = &t(16 + n0) = &n0 inv
        ld a,(de)
        add a,(hl)              ; byte 0 of (x & 255) inv: its carry
        inc l
        inc e
        ld a,(de)
        adc a,(hl)
        ld c,a                  ; byte 1
        inc l
        inc l
        inc e
        inc e
        ld a,(de)
        adc a,(hl)              ; byte 2 ((x & 255) inv < 2^23: no carry on)
        ld l,b
        dec h                   ; HL = &t(i)
        ld b,a
        ld a,c
        add a,(hl)              ; x inv's byte 1
        ld e,a
        inc l
        ld a,b
        adc a,(hl)
        ld c,a                  ; byte 2
        inc l
        inc l
        ld a,(hl)
        adc a,0
        ld b,a                  ; byte 3: BC = (x inv) >> 16
        ld a,e                  ; (A = byte 1: rmsnorm@table_doubled's bit 15)
RN_TABLE_JUMP   = *             ; (rmsnorm@table_wide's way back)
.ifdef RN_UNIT_SHIFT
.if RN_UNIT_SHIFT == 0
        jp rmsnorm@table_doubled        ; (shift = a)
.else
        .repeat RN_UNIT_SHIFT - 1
        sra b                   ; y >> (shift - a), floored
        rr c
        .endrepeat
.endif
.else
        jp @shifts_end          ; (patched: shift - a - 1 of the shifts below, or rmsnorm@table_doubled)
        .repeat RN_CLAMPED_SHIFTS - 1
        sra b                   ; y >> (shift - a), floored
        rr c
        .endrepeat
.endif
@shifts_end:
RN_TABLE_SHIFTS_END = *
        ld a,c                  ; y at out, in the other set
        exx
        ld (hl),a
        rn_step
        exx
        ld a,b
        exx
        ld (hl),a
        rn_step
        djnz rn_table_loop      ; (B' counts)
.ifdef RN_UNIT_PUSHED
        jp rmsnorm@clamped_done
.else
        jp rmsnorm@table_done
.endif
.endif
        .assert * <= $C000, "rmsnorm.s's tables' routines run with bank 4 in"
        .endmacro

.ifdef RN_UNIT_PUSHED
.ifdef RN_UNIT_PRODUCTS
        rn_tables_routines      ; (the 48K's rn_table_loop: after rmsnorm, no banks)
.endif
.endif
