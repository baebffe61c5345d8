; matvec.s - out = sat16((W x + b) >> shift): an int8 matrix times an int16
; vector, the SPEC matvec (post shift folded into mv_shift by the caller).
;
; Inputs (zero page):
;   mv_w      weights, column-major: column c is mv_rows bytes at
;             mv_w + c*mv_rows, each stored as W+128. mv_w is a multiple of
;             mv_rows and mv_rows divides 256, so no column crosses a page.
;   mv_rows   output rows, 1..128        mv_cols   input columns, 1..64
;   mv_in     input vector (low bytes at +i, high bytes at +128+i; memory.inc)
;   mv_out    output vector, same layout (may not be mv_in)
;   mv_rowk   the matrix's row constants: 2*b[r] - sum_c W[r][c]^2 as a
;             signed 24-bit number per row, low bytes at +r, middle bytes at
;             +rows+r, high bytes + 128 at +2*rows+r (layout.py computes
;             them; the bias is folded in, so a matrix without one simply has
;             b = 0; b in int16, as in soul.bin: a narrow call's bound)
;   mv_shift  arithmetic right shift of every sum, 0..15
;   mv_flags  MV_SAME_INPUT when mv_in, its values, mv_cols and mv_rows are
;             those of the previous call (q, k and v share xn): the slots
;             keep their table operands and only their weight operands
;             move; otherwise 0. Two uses beyond that (forward.s, the
;             logits' argmax): MV_COARSE leaves pass 1 out of every row, so
;             each output is sat16((2S - L) >> (shift + 1)), 2S the doubled
;             sum below and L its small products' low bytes (0..255 each):
;             a lower bound, within (255 * cols + 2^(shift+1) - 1) >>
;             (shift + 1) of the exact output; mv_exact_row (at the end)
;             then computes any row again, exactly. With fewer than
;             MV_COARSE_MIN_SMALL small columns the call is exact and
;             clears MV_COARSE (the caller sees which it was). MV_RELU
;             (forward.s, fc1: its outputs go through ReLU): in a narrow
;             call (below) with small columns a row whose output is
;             certainly <= 0 stores 0 without pass 1 and its finish, the
;             others their exact output (mv_relu_link, at the end); any
;             other call is exact. MV_SPARSE (forward.s, fc2: ReLU's
;             output): zero inputs take no slot and the row constants
;             are mv_sparse_rowk's (layout.row_constants(sparse=True));
;             with more than MV_SPARSE_SLOTS nonzero inputs the call
;             clears it and runs as a full one (mv_sparse_column, at the
;             end); never with MV_SAME_INPUT, nor before it
; Needs: the squares table (SQ_LO/MID/HI, memory.inc) built once by
; mv_build_squares. Output: mv_out[0..rows-1]. Clobbers A, X, Y, every
; mv_* byte and the wide-column sums (WIDE_SUM_*).
;
; How it is fast. With s(n) = n*n, 2*w*x = s(w+x) - s(w) - s(x), so
;   2 * (W x + b)[r] = sum_c s(w[r][c] + x[c])  +  (2b[r] - sum_c s(w[r][c]))
;                      - sum_c s(x[c])
; The middle term is a constant of the matrix (mv_rowk), the last one of the
; input (computed once per call, in mv_k), so a product costs one table
; read: s(w+x), added to a 32-bit sum. Each input column gets an unrolled
; "slot" of code whose table operands point at s(x + .), so the row loop
; only loads the weight into Y and indexes the table with it. The sum is
; twice the SPEC sum: the shift is one more.
;   * |x| <= 127: s(w+x) < 65536 in two bytes, taken in two passes over
;     the row's small columns: pass 1 sums the low bytes in A, counting its
;     carries, pass 2 the middle bytes from that count (a "small" slot in
;     each, 10 bytes; ~25 cycles per multiply-accumulate for the two, 29
;     for a single slot of both bytes, plus ~47 a row for the passes' ends).
;   * Other x in -1664..1663: a "short" slot, three bytes (29 bytes, ~37).
;     The table holds s(n) for -SQ_RANGE <= n < SQ_RANGE (memory.inc), built
;     at start-up.
;   * Zero inputs take a small slot too: their s(w) is in the row constant.
;   * Wider inputs (under 1% in the vectors soul, 46% of the normalised
;     inputs in models/soul.bin, benchmarks/wide_activations.py) are split,
;     x = 128*xh + xl with xl in -64..63, and take
;       s(w + xl) - s(xl) + 256 * (f(w + xh) - f(w - xh))   (= 2*w*x + s(w))
;     with f the quarter squares (memory.inc: f(w + xh) - f(w - xh) = w*xh,
;     no constant left over) in a "wide" slot (64 bytes, 77 cycles plus page
;     crossings); beyond the 32 wide slots, a column pass adds the same into
;     32-bit sums per row (WIDE_SUM_*, ~105 cycles per row) before the rows
;     run.
; (SQ_RANGE = 1792, memory.inc: SQ_OFFSET = SQ_RANGE - 128 = 1664.)
; Each block of slots is filled from its end backwards; a row starts at the
; first filled slot of pass 1 and runs through pass 2, the wide and the
; short blocks: a block's end jumps to the next filled one (an empty wide
; or short block is skipped; with no small column, mv_no_small stands for
; the passes), the short block runs into the row's end. Operand pages that
; never change (SQ_LO's, a small slot's SQ_MID page) are assembled in.
;
; Cycles (exact, `soulterm bench --kernels`, JSR/RTS included):
;   32x32, inputs in -256..255: 41,692       32x32, 16-bit inputs: 96,297
;   128x32 logits: 149,767 / 349,486         64x32 fc1 + bias: 77,823 / 180,590
;   32x64 fc2 + bias: 81,820 / 210,843
;   64x32 fc1 + bias, inputs in -128..127: 62,228, with MV_RELU 50,681
;   (the walk counting its columns with CPX #: 41,703, 96,322, 149,778 /
;   349,511, 77,834 / 180,615, 81,849 / 210,900, 62,253 and 50,706 before)
;   32x64 fc2, inputs in 0..127, 8 of them nonzero: ~22,000 with MV_SPARSE,
;   ~64,000 without (16: ~36,400; 30: ~61,600; tests/test_kernels_matvec_sparse.py)
; i.e. to patch an input column ~128 cycles (small: both passes' slots),
; ~174 (short), ~345 (wide slot; the column pass ~365 plus ~105 a row), ~31
; a small column's two slots when q's input is reused from a matrix whole
; pages away (~44 a short or wide slot; ~60 a slot otherwise); ~42 per row
; to start (~35 in a narrow call, below: no byte 3; a call narrow where
; the last was not, or the other way, ~70 more to patch), ~47 more for the
; passes' ends (mv_small_end, mv_mid_end; ~6 for mv_no_small); ~25 (two
; passes) / ~37 / ~79 per small / short / wide
; multiply-accumulate. A row's finish from mv_row_end on to the next row, in
; range: 43 + 14n for a shift of 8 + n bits, n = 0..4 (mv_finish_fast);
; 54 / 66 / 78 for 7 / 6 / 5 bits (mv_finish_left); 96 / 84 / 72 / 60
; for 4 / 3 / 2 / 1 bits (mv_finish_low, through the left finish's range
; check and stores); 195 for 13 bits (mv_finish_row, which takes 13 and
; more); the other rows are stored by the fast finish's tail, a saturated
; one from mv_finish_saturate. A narrow call (MV_NARROW_SQUARES below: every
; row's sum fits 24 bits, so it needs no range test of byte 3, nor any for
; 8..12 bits) with no short slot enters the finish from pass 2's end,
; narrow: 16 for 8 bits, 30 / 39 / 48 / 57 for 9 / 10 / 11 / 12, 41 / 53 /
; 65 for 7 / 6 / 5, 83 / 71 / 59 / 47 for 4 / 3 / 2 / 1 (8 bits: bytes 1
; and 2 stored as they are, 18, and the next row's start without its CLC;
; 9..12: mv_finish_narrow's shifts first; 5..1 bits: the left and low
; finishes without byte 3's test; after short slots, 3 more each for
; mv_row_end's JMP); free: 30 / 42 / 54 for 7 / 6 / 5 (a narrow call whose
; sum of s(x) is within MV_FREE_UNITS_n below, so that every output is in
; range: mv_finish_free, the left finish without its range test).
; Bytes: 7,897, of which 5,366 are the unrolled slots: 64 small ones in each
; pass, 32 sub slots in each (and their two JMPs), 48 short and 32 wide ones.

MV_MAX_COLS     = FFN_DIM         ; the widest input (fc2)
MV_MAX_ROWS     = VOCAB_SIZE      ; the most rows (the logits)

; mv_flags bits
MV_HAS_WIDE     = $80           ; some column was too wide for a slot
MV_SHIFT_LEFT   = $40           ; set by mv_prepare_shift
MV_SAME_INPUT   = $20           ; set by the caller
MV_COARSE       = $10           ; set by the caller: no pass 1 (a lower bound)
MV_RELU         = $08           ; set by the caller: rows ReLU makes 0 may store 0
MV_SPARSE       = $04           ; set by the caller: zero inputs take no slot (below)
; Pass 1 saves ~12 cycles a row and small column; fewer small columns than
; this save less than the logits' bound costs (forward.s), so such a call
; stays exact and clears MV_COARSE.
MV_COARSE_MIN_SMALL = 6

; A narrow call: no wide column and sum_c s(x[c]) <= MV_NARROW_SQUARES (the
; mv_k of the slots), so |2(Wx + b)| <= 2 sqrt(sum w^2 * sum x^2) + 2 * 32768
; < 2^23 (Cauchy-Schwarz; |w| <= 128, int16 biases): byte 3 of every row's
; sum is byte 2's sign, and the finishes need not test it (mv_link_rows).
MV_NARROW_SQUARES = $F80000
        .assert (MV_NARROW_SQUARES & $FFFF) == 0, "narrow by mv_k's top two bytes"
        .assert 4 * MV_MAX_COLS * 128 * 128 * MV_NARROW_SQUARES < ($800000 - 2 * 32768) * ($800000 - 2 * 32768), "a narrow sum fits 24 bits"
; A free left finish (5..7 bits, mv_finish_free: no range test): in a
; narrow call with sum_c s(x[c]) = Q <= 65536 * MV_FREE_UNITS_n, every row's
; |2(Wx + b)| <= 2 sqrt(Q * MV_MAX_COLS * 128^2) + 2 * 32768 stays, with
; 32768 to spare (a coarse call's 2S - L: L <= 255 * cols), under 2^(15 +
; n), so its output sat16(2S >> n) needs no saturation. Q is taken in units
; of 65536 from mv_k's byte 2 (mv_k = -Q): Q <= 65536 * MV_FREE_UNITS_n
; when 2^38 * units < (2^(15 + n) - 98304)^2, i.e. with M = 2^(n + 3) - 24
; (that less 98304, over 4096), 2^14 * units < M^2 (32-bit sums).
        .assert MV_MAX_COLS * 128 * 128 == 1 << 20, "the free bound's sum of w^2"
MV_FREE_UNITS_5 = (((1 << 8) - 24) * ((1 << 8) - 24) - 1) / 16384     ; 3
MV_FREE_UNITS_6 = (((1 << 9) - 24) * ((1 << 9) - 24) - 1) / 16384     ; 14
MV_FREE_UNITS_7 = (((1 << 10) - 24) * ((1 << 10) - 24) - 1) / 16384   ; 61
        .assert MV_FREE_UNITS_5 > 0 && MV_FREE_UNITS_7 * 65536 < MV_NARROW_SQUARES, "free calls are narrow"
OP_LDA_ZP       = $A5           ; opcodes mv_link_rows writes
OP_LDA_IMM      = $A9
OP_LDA_ABS_X    = $BD
OP_ADC_IMM      = $69
OP_STA_ZP       = $85
OP_TYA          = $98
OP_CLC          = $18
OP_JMP          = $4C
OP_DEX          = $CA
OP_BPL          = $10
OP_RTS          = $60

; The slot's inputs: x in -1664..1663 is table offset 1664 + x (0..$CFF),
; so that |w + x| <= 1792 (SQ_RANGE, memory.inc).
SQ_OFFSET       = SQ_RANGE - 128
SQ_LIMIT_PAGE   = >(SQ_OFFSET + SQ_RANGE - 128)   ; offsets from $D00 on are wide

; Layout of a slot: operand addresses relative to the slot start.
SLOT_WEIGHTS    = 1             ; ldy column,x
SLOT_S0         = 4             ; lda SQ_LO + x mod 128,y
SLOT_S1         = 11            ; lda SQ_MID + offset,y
SLOT_S2         = 18            ; lda SQ_HI + offset,y
SHORT_SLOT_SIZE = 29
XL_SLOT_SIZE    = 26            ; the same operands, without SLOT_S2
SMALL_SLOT_SIZE = 10            ; a pass's slot: SLOT_WEIGHTS, its table at SLOT_S0
MV_PASS_DISTANCE = 4 * 256      ; pass 2's slots after pass 1's (whole pages)
WIDE_SLOT_T2_LO = 27            ; an xl slot's operands, then f(w + xh)'s
WIDE_SLOT_T2_HI = 34
WIDE_SLOT_T3_LO = 48            ; and f(w - xh)'s
WIDE_SLOT_T3_HI = 55
WIDE_SLOT_SIZE  = 64
MV_WIDE_SLOTS   = 32            ; wide columns beyond these take the column pass
MV_SHORT_SLOTS  = 48            ; short columns beyond these are taken as wide ones
        .assert MV_SHORT_SLOTS >= EMBED_DIM && MV_SHORT_SLOTS < 128, "a normalised input's short columns all get a slot"
        .assert MV_WIDE_SLOTS >= EMBED_DIM, "a normalised input's wide columns all get a slot"

; A small or short block is empty when its entry is its end: entries are
; end - size * k for k = 0..MV_MAX_COLS, and only k = 0 makes that a
; multiple of 256 (the wide block is empty when mv_wide_left is whole).
        .assert MV_MAX_COLS < 128 && (SMALL_SLOT_SIZE & 3) != 0 && (SHORT_SLOT_SIZE & 3) != 0, "an empty block by its entry's low byte"

        .assert <SQ_LO == 0 && <SQ_MID == 0 && <SQ_HI == 0, "squares tables must be page-aligned"
        .assert <SQ_RANGE == 0 && <SQ_OFFSET == $80, "SQ_RANGE: whole pages"
        .assert SQ_MID - SQ_LO >= 512 && SQ_HI - SQ_MID >= 2 * SQ_RANGE, "squares tables overlap"

; Operand pages that never change, so patching writes only the low bytes:
; every slot's low byte of s(w + x) at SQ_LO + x mod 128, and a small
; slot's (and a wide slot's xl) middle byte, whose offsets SQ_OFFSET - 127 ..
; SQ_OFFSET + 127 lie in one page, SQ_SMALL_MID's.
; Byte 0 of n*n repeats every 128 ((n + 128)^2 = n^2 + 256 * (n + 64)), so
; SQ_LO + j holds byte 0 of s(j - 128) as well, and SQ_LO + x mod 128
; indexed by Y = w + 128 reads byte 0 of s(w + x) for any x. The lowest
; such operand is the cheapest: an indexed read costs a cycle more when it
; crosses a page, here only when x mod 128 + w >= 128 (never for x = 0, a
; sub slot's; rarely for a small x >= 0), where SQ_LO + offset mod 256
; crossed whenever x + w >= 0. (xl's operand stays 128 + xl: wide slots.)
        .assert 127 + 255 < SQ_MID - SQ_LO, "SQ_LO + x mod 128 + Y within SQ_LO"
SQ_SMALL_MID    = SQ_MID + (SQ_OFFSET & $FF00)
        .assert >(SQ_OFFSET - 127) == >SQ_OFFSET && >(SQ_OFFSET + 127) == >SQ_OFFSET, "small offsets in one page"
; Pass 2's middle bytes have no such period, and SQ_SMALL_MID + 128 + x
; crosses a page whenever x + w >= 0. For x >= 0 a pass-2 slot reads the
; page-aligned copy instead (memory.inc): SQ_MID_ALIGNED + x, indexed by
; w + 128, is byte 1 of s(w + x), crossing only when x + w >= 128; x < 0
; keeps SQ_SMALL_MID + 128 + x. Either operand's low byte is x mod 128, as
; pass 1's; the walk writes the page (mv_patch_columns@small_page).
        .assert SQ_MID_ALIGNED_END - SQ_MID_ALIGNED >= 127 + 255 + 1, "SQ_MID_ALIGNED + x + Y within the copy"

; One multiply-accumulate: sum += s(w + x). Carry clear on entry and exit.
        .macro short_slot
        ldy $FFFF,x             ; weight of this row in this column
        lda SQ_LO,y             ; s(w+x), low byte (SQ_LO + x mod 128)
        adc mv_acc0
        sta mv_acc0
        lda $FFFF,y             ; middle byte
        adc mv_acc1
        sta mv_acc1
        lda $FFFF,y             ; high byte
        adc mv_acc2
        sta mv_acc2
        bcc @no_carry
        inc mv_acc3
        clc
@no_carry:
        .endmacro

; A short slot without its third byte, for |x| <= 127 (s(w+x) < 65536):
; a wide slot's xl.
        .macro xl_slot
        ldy $FFFF,x             ; weight of this row in this column
        lda SQ_LO,y             ; s(w+x), low byte
        adc mv_acc0
        sta mv_acc0
        lda SQ_SMALL_MID,y      ; middle byte
        adc mv_acc1
        sta mv_acc1
        bcc @no_carry
        inc mv_acc2
        bne @carried
        inc mv_acc3
@carried:
        clc
@no_carry:
        .endmacro

; A wide input, x = 128*xh + xl (xl in -64..63): sum += s(w + xl) + 256 *
; (f(w + xh) - f(w - xh)), f the quarter squares (memory.inc), whose
; difference is exactly w*xh; its first 26 bytes are an xl slot.
        .macro wide_slot
        xl_slot
        lda $FFFF,y             ; f(w + xh), low byte (|w +- xh| <= 384)
        adc mv_acc1
        sta mv_acc1
        lda $FFFF,y             ; high byte
        adc mv_acc2
        sta mv_acc2
        bcc @no_carry_2
        inc mv_acc3
@no_carry_2:
        sec
        lda mv_acc1
        sbc $FFFF,y             ; - f(w - xh), low byte
        sta mv_acc1
        lda mv_acc2
        sbc $FFFF,y             ; high byte
        sta mv_acc2
        bcs @no_borrow
        dec mv_acc3
@no_borrow:
        clc
        .endmacro

; The small columns' two passes over a row. Pass 1 adds the low bytes of
; s(w + x) in A; a carry out is counted in mv_carries0 and left in C, so the
; next ADC takes it in as 1 (no CLC): the pass's sum (the row start's byte
; 0 and the low bytes) is A + C + 255 * the count, which mv_small_end turns
; into byte 0 and pass 2's start. Pass 2 adds the middle bytes the same way
; (mv_carries1) and mv_mid_end makes bytes 1 and 2. The ends' bytes come to
; 255 (pass 1) and 255 * 256 (pass 2) more than the sums: the row start is
; 65535 less (mv_link_rows).
; A pass-1 slot and its pass-2 twin lie MV_PASS_DISTANCE (whole pages) apart,
; so the walk fills both with one Y.
        .macro low_slot
@start:
        ldy $FFFF,x             ; weight of this row in this column
        .assert * - @start == SLOT_S0 - 1, "a pass slot's table operand at SLOT_S0"
        adc SQ_LO,y             ; + s(w+x)'s low byte (SQ_LO + x mod 128)
        bcc @no_carry
        inc mv_carries0
@no_carry:
        .assert * - @start == SMALL_SLOT_SIZE, "a pass slot's size"
        .endmacro
        .macro mid_slot
@start:
        ldy $FFFF,x             ; weight of this row in this column
        .assert * - @start == SLOT_S0 - 1, "a pass slot's table operand at SLOT_S0"
        adc SQ_SMALL_MID,y      ; + s(w+x)'s middle byte (the walk writes the
        bcc @no_carry           ; page: SQ_MID_ALIGNED for x >= 0, above)
        inc mv_carries1
@no_carry:
        .assert * - @start == SMALL_SLOT_SIZE, "a pass slot's size"
        .endmacro

; An MV_SPARSE call's "sub" slots: - s(w), with x = 0's operands (fixed),
; one for each nonzero column, run in each pass before its small slots.
; SBC takes the carry as "no borrow", so the pass's state (A, C, count)
; reads A - (1 - C) + 255 * count here, exactly 1 less than the small
; slots' A + C + 255 * count: the value moves by exactly -s(w) (or +s(w+x))
; across either kind of slot and across the jump between the blocks, and
; the pass's end reads it as ever. A borrow counts -1: the counts start at
; MV_SPARSE_SLOTS (never below 0), which the sparse row constants take off.
        .macro sub_low_slot
@start:
        ldy $FFFF,x             ; weight of this row in this column
        sbc SQ_LO,y             ; - s(w)'s low byte (x = 0: SQ_LO + 0)
        bcs @no_borrow
        dec mv_carries0
@no_borrow:
        .assert * - @start == SMALL_SLOT_SIZE, "a sub slot's size"
        .endmacro
        .macro sub_mid_slot
@start:
        ldy $FFFF,x             ; weight of this row in this column
        sbc SQ_MID_ALIGNED,y    ; - s(w)'s middle byte (x = 0: no page crossed)
        bcs @no_borrow
        dec mv_carries1
@no_borrow:
        .assert * - @start == SMALL_SLOT_SIZE, "a sub slot's size"
        .endmacro

mv_sub_slots:                   ; pass 1's sub slots (MV_SPARSE)
        .repeat MV_SPARSE_SLOTS
        sub_low_slot
        .endrepeat
mv_sub_end:
        jmp $FFFF               ; mv_sparse_link: pass 1's first filled small slot (or its end)

mv_small_slots:                 ; pass 1
        .repeat MV_MAX_COLS
        low_slot
        .endrepeat
mv_small_end:
        .assert mv_small_end - mv_small_slots == MV_MAX_COLS * SMALL_SLOT_SIZE, "small slot size"
; Pass 1 is done: A + C + 255 * mv_carries0 + 255 = (A + C - mv_carries0 -
; 1) + 256 * mv_carries0 + 256: byte 0 by SBC, and mv_carries0 + its carry
; (1 without a borrow) added to the row start's byte 1 start pass 2; that
; add's carry is pass 2's first (counted, and taken in by its first ADC).
        sbc mv_carries0
        sta mv_acc0
        lda mv_carries0
        adc mv_acc1
@count:
        ldy #0                  ; (the counts start at 0, MV_SPARSE_SLOTS when
        sty mv_carries0         ; sparse: pass 2's here, the next row's pass
        sty mv_carries1         ; 1's for it)
        bcc @pass2
        inc mv_carries1
@pass2:
        jmp $FFFF               ; mv_link_rows: pass 2's entry (its end when empty)

; (Code that may lie anywhere fills the gap up to pass 2's slots.)
; No small column: the row start's byte 0 (A) as it is (mv_link_rows left
; the passes' 65535 out).
mv_no_small:
        sta mv_acc0
@next:
        jmp $FFFF               ; mv_link_rows: as pass 2's end

; The pages of the walk's stores into a short slot: A = the page of the
; block's entry. Clobbers A. (The walk calls it once a call, so it patches the
; walk's count of columns too: a CPX # a column, not CPX zp.)
mv_short_pages:
        sta mv_patch_columns@short_s0+2
        sta mv_patch_columns@short_s1+2
        sta mv_patch_columns@short_s2+2
        sta mv_patch_columns@short_s1_page+2
        sta mv_patch_columns@short_s2_page+2
        sta mv_patch_columns@short_w0+2
        sta mv_patch_columns@short_w1+2
        lda mv_cols             ; (here, in the gap before pass 2's slots,
        sta mv_patch_columns@last_column+1      ; so that no hot loop moves)
        rts

        .res MV_PASS_DISTANCE - (* - mv_small_slots) - (mv_small_slots - mv_sub_slots)    ; (padding)

mv_sub2_slots:                  ; pass 2's sub slots (MV_SPARSE)
        .repeat MV_SPARSE_SLOTS
        sub_mid_slot
        .endrepeat
mv_sub2_end:
        jmp $FFFF               ; mv_sparse_link: pass 2's first filled small slot (or its end)
        .assert mv_sub2_slots - mv_sub_slots == MV_PASS_DISTANCE, "a sub slot's pass-2 twin"

mv_mid_slots:                   ; pass 2
        .repeat MV_MAX_COLS
        mid_slot
        .endrepeat
mv_mid_end:
        .assert mv_mid_slots - mv_small_slots == MV_PASS_DISTANCE && <MV_PASS_DISTANCE == 0, "pass 2's slots whole pages after pass 1's"
        .assert mv_mid_end - mv_mid_slots == MV_MAX_COLS * SMALL_SLOT_SIZE, "pass 2 slot size"
; Pass 2 is done: byte 1 and what is left into byte 2, as at pass 1's end.
        sbc mv_carries1
        sta mv_acc1
        lda mv_carries1
        adc mv_acc2
        sta mv_acc2
        bcc @next
        inc mv_acc3
        clc
@next:                          ; (A = byte 2)
        jmp $FFFF               ; mv_link_rows: the first filled wide or short slot, mv_row_end or its finish
mv_wide_slots:
        .repeat MV_WIDE_SLOTS
        wide_slot
        .endrepeat
mv_wide_end:
        .assert mv_wide_end - mv_wide_slots == MV_WIDE_SLOTS * WIDE_SLOT_SIZE, "wide slot size"
        jmp $FFFF               ; mv_link_rows: the first filled short slot, or mv_row_end

; With wide columns beyond the slots: the column pass's sum of the row too
; (byte 0 in A, as the row start leaves it).
mv_add_wide:
        adc WIDE_SUM_0,x
        tay
        lda WIDE_SUM_1,x
        adc mv_acc1
        sta mv_acc1
        lda WIDE_SUM_2,x
        adc mv_acc2
        sta mv_acc2
        lda WIDE_SUM_3,x
        adc mv_acc3
        sta mv_acc3
        tya
        clc
@first:
        jmp $FFFF

; The pages of the walk's stores into a small (short) slot: A = the page of
; the pass-1 block's entry (pass 2's is MV_PASS_DISTANCE on).
mv_small_pages:
        sta mv_patch_columns@small_s0+2
        sta mv_patch_columns@small_s0_nonneg+2
        sta mv_patch_columns@small_w0+2
        sta mv_patch_columns@small_w1+2
        clc
        adc #>MV_PASS_DISTANCE
        sta mv_patch_columns@mid_s0+2
        sta mv_patch_columns@mid_s0_nonneg+2
        sta mv_patch_columns@mid_page+2
        sta mv_patch_columns@mid_w0+2
        sta mv_patch_columns@mid_w1+2
        sec                     ; (the walk's small column keeps C = 1)
        rts
; Wide sums = 0 (mv_add_wide adds them to the row starts).
mv_wide_start:
        lda mv_flags
        ora #MV_HAS_WIDE
        sta mv_flags
        ldx mv_rows
        dex
        lda #0
@row:
        sta WIDE_SUM_0,x
        sta WIDE_SUM_1,x
        sta WIDE_SUM_2,x
        sta WIDE_SUM_3,x
        dex
        bpl @row
        rts

; The short slots come last: they run into the row's end.
mv_short_slots:
        .repeat MV_SHORT_SLOTS
        short_slot
        .endrepeat
mv_short_end:
        .assert mv_short_end - mv_short_slots == MV_SHORT_SLOTS * SHORT_SLOT_SIZE, "short slot size"
; The row's sum is complete. mv_prepare_shift patched the JMP: into
; mv_finish_fast's shift chain when the shift is one whole byte and 0..4
; bits (every soul's usual case), into mv_finish_left when it is 5..7 bits
; (the souls with fixed norm gains), into mv_finish_low when it is 1..4
; bits (a narrowed soul's logits), else to mv_finish_row; and the byte A
; carries in: byte 3 for the fast and general finishes, byte 2 for the
; left and low ones.
mv_row_end:
@byte:
        lda mv_acc3             ; (a narrow call: "jmp finish" here, as byte 2
@finish:                        ; is in A already: mv_link_rows)
        jmp mv_finish_row
        .assert @finish - @byte == 2, "the finish's JMP right after the byte's LDA"

; A row's sum starts as its row constant + mv_k - 128 * 65536 (- 65535
; with the passes: their ends', mv_small_end): the constant's high byte is
; stored + 128, so it adds unsigned, and mv_link_rows wrote the bytes of
; the rest into the immediates. Bytes 1..3 go to mv_acc1..3, byte 0 stays in
; A for pass 1 (or mv_add_wide first, or mv_no_small).
mv_row:
        clc
@carry_clear:
@rowk_lo:
        lda $FFFF,x
@k0:
        adc #0
        tay
@rowk_mid:
        lda $FFFF,x
@k1:
        adc #0
        sta mv_acc1
@rowk_hi:
        lda $FFFF,x
@k2:
        adc #0
        sta mv_acc2
@k3:                            ; (a narrow call's rows: "tya, clc, jmp
        lda #0                  ; first" here, mv_link_rows)
        adc #0
        sta mv_acc3
        .assert * - @k3 == 6, "byte 3's step: lda #, adc #, sta zp"
        tya
        clc
@first:
        jmp $FFFF

; The finishes that end most rows (free, the store, the left one) follow
; mv_row, so that their loop-back branches stay in its page where the code
; lies as now (a cycle a row otherwise); the fast one, for full calls, after.
MV_FAST_BITS    = 4             ; the fast finishes' steps (below)
MV_LEFT_BITS    = 3             ; the left finishes' steps (below)
MV_LEFT_STEP    = 5             ; bytes of one

; The left finish (5..7 bits) of a narrow call whose every output is in
; int16 range (mv_link_rows: sum s(x) at most 65536 * MV_FREE_UNITS_n):
; the same k steps, then A and byte 1 stored by mv_finish_store with no
; range check. Entered k steps from the end, MV_FREE_DISTANCE after the
; left finish's entry.
mv_finish_free:
        .repeat MV_LEFT_BITS
        asl mv_acc0
        rol mv_acc1
        rol
        .endrepeat
mv_finish_free_end:
        .assert mv_finish_free_end - mv_finish_free == MV_LEFT_BITS * MV_LEFT_STEP, "free step size"
        clc                     ; (the next row's start needs C = 0)
MV_FREE_DISTANCE = mv_finish_free - mv_finish_left

; The result's bytes stored (A high, mv_acc1 low), then the next row. Also a
; narrow sum's 8-bit finish: byte 2 in A, C = 0 from pass 2's end or a short
; slot.
mv_finish_store:
@out_hi:
        sta $FFFF,x
        lda mv_acc1
@out_lo:
        sta $FFFF,x
        dex
mv_next_row:
        bpl mv_row@carry_clear
        rts

; The sum >> (8 - k) for k = 1..3 (shifts of 5..7 bits): bytes 0, 1 and
; byte 2 in A (from mv_row_end) shift left k times, then byte 1 and A are
; the result. Entered k steps from the end. In int16 range when the sum's
; bits 23-k..31 agree, i.e. (byte 3, byte 2) + 2^(7-k) is below 2^(8-k)
; (bytes 2 and 3 themselves are not shifted; mv_prepare_shift patched
; 2^(7-k) and the mask of the bits above).
mv_finish_left:
        .repeat MV_LEFT_BITS
        asl mv_acc0
        rol mv_acc1
        rol
        .endrepeat
mv_finish_left_end:
        .assert mv_finish_left_end - mv_finish_left == MV_LEFT_BITS * MV_LEFT_STEP, "left step size"
@out_hi:                        ; (the low finish joins here)
        sta $FFFF,x             ; the result's high byte (a saturated row
        clc                     ; is stored again); in range?
        lda mv_acc2
@half:
        adc #0                  ; 2^(n - 1): patched (mv_prepare_shift)
@mask:
        and #0                  ; and the bits from n up: patched
        bne mv_finish_out_of_range
@low_byte:
        lda mv_acc1             ; the low byte: patched, byte 0 for the low finish
@out_lo:
        sta $FFFF,x
@byte3:                         ; (LDA and STA keep the carry)
        lda mv_acc3             ; byte 3 + the carry: 0 when it agrees (a
        adc #0                  ; narrow sum's agrees: mv_link_rows writes
        .assert * - @byte3 == MV_MODE_SIZE - 1, "the bytes a narrow call writes"
        bne mv_finish_out_of_range      ; "dex, bpl mv_row, rts" over LDA, ADC)
        dex
        bpl mv_row
        rts

; The sum >> (8 + n) for n = 0..4: bytes 1..3 shifted right n times with
; the top byte in A (arithmetic: the sign enters on the left), then the
; int16 range check on the top byte. MV_FAST_BITS steps; entered n from the end.
MV_FAST_STEP    = 7             ; bytes of one step
mv_finish_fast:
        .repeat MV_FAST_BITS
        cmp #$80
        ror
        ror mv_acc2
        ror mv_acc1
        .endrepeat
mv_finish_fast_end:
        .assert mv_finish_fast_end - mv_finish_fast == MV_FAST_BITS * MV_FAST_STEP, "fast step size"
        tay                     ; in range when the top byte extends bit 15:
        lda mv_acc2             ; top + (bit 15) is then 0 mod 256
        asl
        tya
        adc #0
        bne mv_finish_saturate
@store:                         ; every row ends here: bytes 1, 2 are the result
        clc                     ; (the next row's start needs C = 0)
        lda mv_acc2
        jmp mv_finish_store

; The sum >> n for n = 1..4 and no whole byte (an output matrix, post = 0,
; with a shift of 0..3: a narrowed soul's logits take 3): bytes 0, 1 and
; byte 2 in A (from mv_row_end) shift right n times, then bytes 0, 1 are
; the result, in int16 range when the sum's bits 15+n..31 agree, i.e.
; (byte 3, byte 2) + 2^(n-1) is below 2^n: the left finish's check and
; stores. Entered n steps from the end.
MV_LOW_BITS     = 4
MV_LOW_STEP     = 5             ; bytes of one step
mv_finish_low:
        .repeat MV_LOW_BITS
        lsr
        ror mv_acc1
        ror mv_acc0
        .endrepeat
mv_finish_low_end:
        .assert mv_finish_low_end - mv_finish_low == MV_LOW_BITS * MV_LOW_STEP, "low step size"
        lda mv_acc1
        jmp mv_finish_left_end@out_hi

; A narrow call's sum >> (8 + n), n = 1..4: byte 2 (in A) and byte 1 shifted
; right n times (arithmetic), then stored as they are (a narrow sum's result
; is in range). Entered n steps from the end; n = 0 stores at once.
MV_NARROW_STEP  = 5             ; bytes of one step
mv_finish_narrow:
        .repeat MV_FAST_BITS
        cmp #$80
        ror
        ror mv_acc1
        .endrepeat
mv_finish_narrow_end:
        .assert mv_finish_narrow_end - mv_finish_narrow == MV_FAST_BITS * MV_NARROW_STEP, "narrow step size"
        clc                     ; (the next row's start needs C = 0)
        jmp mv_finish_store
mv_finish_out_of_range:
        ldy mv_acc3             ; the sum's sign (byte 2's when narrow: patched)
mv_finish_saturate:             ; +32767 ($7FFF) or -32768 ($8000) by the
        tya                     ; sign (Y's bit 7), through the fast
        asl                     ; finish's store
        lda #$FF
        adc #0
        sta mv_acc1
        eor #$80
        sta mv_acc2
        jmp mv_finish_fast_end@store

; The row's sum is complete: shift it, saturate it, store it.
mv_finish_row:
        lda #0                  ; bytes 4 and 5 = sign extension
        bit mv_acc3
        bpl @sign_done
        lda #$FF
@sign_done:
        sta mv_acc4
        sta mv_acc5
        ldy mv_bits
        beq @shifted
        bit mv_flags            ; V = MV_SHIFT_LEFT
        bvs @shift_left
@shift_right:                   ; arithmetic: the sign bit enters on the left
        lda mv_acc3
        cmp #$80
        ror mv_acc3
        ror mv_acc2
        ror mv_acc1
        ror mv_acc0
        dey
        bne @shift_right
        beq @shifted
@shift_left:                    ; shifting left 8-n and dropping a byte
        asl mv_acc0             ; is cheaper than shifting right n >= 5
        rol mv_acc1
        rol mv_acc2
        rol mv_acc3
        rol mv_acc4
        dey
        bne @shift_left
@shifted:
        ldy mv_bytes            ; the result is bytes y..y+3 of the sum
        lda mv_acc1,y           ; in int16 range when bytes y+2, y+3 are
        asl                     ; the sign extension of byte y+1
        lda #0
        adc #$FF
        eor #$FF
        cmp mv_acc2,y
        bne @saturate
        cmp mv_acc3,y
        bne @saturate
        lda mv_acc0,y           ; bytes y, y+1 into bytes 1, 2 for the
        pha                     ; fast finish's store
        lda mv_acc1,y
        sta mv_acc2
        pla
        sta mv_acc1
        jmp mv_finish_fast_end@store
@saturate:
        ldy mv_acc5             ; the sign
        jmp mv_finish_saturate

; The call: prepare the shift, the rows and the columns, link the slots,
; then run the rows from the last one down.
matvec:
; Split mv_shift + 1 (the sums are doubled) into whole bytes and bits;
; shifts of 5..7 bits become a left shift by 8-n and one more whole byte.
; One whole byte and 0..MV_FAST_BITS bits take mv_finish_fast, 5..7 bits
; (the left shift by 1..3, one byte) mv_finish_left, 1..4 bits with no
; whole byte mv_finish_low, the rest mv_finish_row.
mv_prepare_shift:
        ldx mv_shift
        inx
        txa
        lsr
        lsr
        lsr
        sta mv_bytes
        lda mv_flags
        and #MV_SAME_INPUT | MV_COARSE | MV_RELU | MV_SPARSE
        sta mv_flags
        txa
        and #7
        tay                     ; n: the fast finishes' entry
        cmp #5
        bcc @right
        eor #$FF                ; 8 - n (C = 1 from the compare)
        adc #8
        inc mv_bytes
        pha
        lda mv_flags
        ora #MV_SHIFT_LEFT
        sta mv_flags
        pla
@right:
        sta mv_bits
        ldx mv_bytes            ; one byte (a left shift's included): a fast finish
        bne @bytes
        lda mv_low_entry_lo - 1,y
        ldx mv_low_entry_hi - 1,y
        bne @low                ; (always: the finishes are not in page 0)
        .assert >mv_finish_low > 0, "a low finish in page 0"
@bytes:
        dex
        bne @general
        lda mv_fast_entry_lo,y
        ldx mv_fast_entry_hi,y
        cpy #MV_FAST_BITS + 1
        bcc @fast               ; n = 0..4: the fast chain, 5..7 the left finish
@low:                           ; (and with no whole byte, n = 1..4: the low one)
        pha                     ; the left and low finishes: their range
        lda mv_range_half - 1,y ; check's constants for n, byte 2 in A
        sta mv_finish_left_end@half+1
        lda mv_range_mask - 1,y
        sta mv_finish_left_end@mask+1
        lda mv_range_low_byte - 1,y
        sta mv_finish_left_end@low_byte+1
        lda mv_free_limit - 1,y         ; ($FF for the low finish: none free)
        sta mv_link_rows@free_limit+1
        pla
        ldy #mv_acc2
        sta mv_link_rows@narrow_lo+1    ; (a narrow call's is the same)
        stx mv_link_rows@narrow_hi+1
        bne @patch_byte         ; (always: mv_acc2 is not 0)
        .assert mv_acc2 != 0, "mv_acc2 at zero page 0"
@general:
        lda #0                  ; (no narrow finish: a narrow call is full)
        sta mv_link_rows@narrow_hi+1
        lda #<mv_finish_row
        ldx #>mv_finish_row
        bne @patch              ; (always: not in page 0)
@fast:                          ; a narrow call's: mv_finish_narrow
        pha
        lda #$FF                ; (no free finish: the narrow one has no test)
        sta mv_link_rows@free_limit+1
        lda mv_narrow_entry_lo,y
        sta mv_link_rows@narrow_lo+1
        lda mv_narrow_entry_hi,y
        sta mv_link_rows@narrow_hi+1
        pla
@patch:
        ldy #mv_acc3            ; byte 3 in A
@patch_byte:
        sta mv_row_end@finish+1
        stx mv_row_end@finish+2
        sty mv_row_end@byte+1

; Point the self-modified operands at the row constants (a sparse call's
; own) and the output.
mv_prepare_rows:
        lda mv_flags
        and #MV_SPARSE
        beq @rowk
        jsr mv_swap_rowk
@rowk:
        lda mv_rowk
        sta mv_row@rowk_lo+1
        lda mv_rowk+1
        sta mv_row@rowk_lo+2
        clc
        lda mv_rowk
        adc mv_rows
        sta mv_row@rowk_mid+1
        lda mv_rowk+1
        adc #0                  ; (no carry out: rowk + rows is an address
        sta mv_row@rowk_mid+2   ; within the constants)
        lda mv_row@rowk_mid+1
        adc mv_rows
        sta mv_row@rowk_hi+1
        lda mv_row@rowk_mid+2
        adc #0
        sta mv_row@rowk_hi+2
        lda mv_out              ; every finish's stores
        sta mv_finish_store@out_lo+1
        sta mv_finish_left_end@out_lo+1
        clc
        adc #VEC_HIGH
        sta mv_finish_store@out_hi+1
        sta mv_finish_left_end@out_hi+1
        lda mv_out+1
        sta mv_finish_store@out_lo+2
        sta mv_finish_left_end@out_lo+2
        adc #0
        sta mv_finish_store@out_hi+2
        sta mv_finish_left_end@out_hi+2

; Walk the input columns, give each slot-sized one a slot and do each wide
; one at once; mv_k = -(sum of s(x) over the slots) - (sum of s(xl) over the
; wide columns). Leaves mv_colbase = mv_w for the next call's repatch.
; X is the column; the slot being filled is reached by STA abs,Y with Y its
; address's low byte and the stores' pages (mv_small_pages, mv_short_pages)
; set whenever the block's entry moves to another page.
mv_patch_columns:
        lda mv_flags
        and #MV_SAME_INPUT
        beq @fresh
        lda mv_wide_left        ; the column pass ran (negative): walk
        bmi @walk               ; again (mv_in_hi and the reads hold)
        jmp mv_repatch_weights
@fresh:
        lda mv_in               ; the input's reads
        sta @in_lo+1
        sta MV_SPARSE_X_LO
        ldx mv_in+1
        stx @in_lo+2
        stx MV_SPARSE_X_LO+1
        clc
        adc #VEC_HIGH
        sta mv_in_hi
        sta @in_hi+1
        sta MV_SPARSE_X_HI
        txa
        adc #0
        sta mv_in_hi+1
        sta @in_hi+2
        sta MV_SPARSE_X_HI+1
        lda mv_flags            ; every column from @in_lo on, or (MV_SPARSE)
        and #MV_SPARSE          ; each from mv_sparse_column
        beq @dense
        lda #<mv_sub_end        ; the sub slots: none filled yet
        sta mv_sub
        lda #>mv_sub_end
        sta mv_sub+1
        lda #MV_SPARSE_SLOTS
        sta mv_sub_left
        lda #<mv_sparse_column
        sta @in_lo+1
        lda #>mv_sparse_column
        sta @in_lo+2
        lda #OP_JMP
        bne @first_op           ; (always)
@dense:
        lda #OP_LDA_ABS_X
@first_op:
        sta @in_lo
@walk:
        lda #<mv_wide_end
        sta mv_wide
        lda #>mv_wide_end
        sta mv_wide+1
        lda #MV_WIDE_SLOTS
        sta mv_wide_left
        lda #<mv_small_end
        sta mv_small
        lda #>mv_small_end
        sta mv_small+1
        jsr mv_small_pages
        lda #<mv_short_end
        sta mv_short
        lda #>mv_short_end
        sta mv_short+1
        jsr mv_short_pages
        lda #MV_SHORT_SLOTS
        sta mv_short_left
        lda mv_w
        sta mv_colbase
        lda mv_w+1
        sta mv_colbase+1
        ldx mv_rows             ; the next column's weights: C = 1 there,
        dex                     ; so the add is rows - 1
        stx @rows_less_one+1
        lda #0
        sta mv_k
        sta mv_k+1
        sta mv_k+2
        sta mv_k+3
        tax                     ; (X = 0: the first column)
        clc                     ; (C = 0 at every column: CPX below)
        bcc @column             ; (always)
; A small column's path, from @column to the BNE back to it, lies in one
; page (tests/test_kernel_pages.py: the BNE); its branches out of it are
; taken rarely.
@column:
@in_lo:
        lda $FFFF,x             ; the table offset SQ_OFFSET + x:
        adc #<SQ_OFFSET
        sta mv_off              ; low byte in mv_off,
@in_hi:
        lda $FFFF,x
        adc #>SQ_OFFSET         ; page in A
        cmp #>SQ_OFFSET
        bne @not_small
        ldy mv_off
        beq @not_small          ; (x = -128)
        lda mv_k                ; |x| <= 127: mv_k -= s(x), the entries
        sbc SQ_LO,y             ; 128 past the offset's (C = 1 from the
        sta mv_k                ; compare; byte 0 repeats every 128)
        lda mv_k+1              ; (SQ_MID_ALIGNED + mv_off: no page crossed)
        sbc SQ_MID_ALIGNED,y
        sta mv_k+1
        bcc @small_borrow
@small_slot:
        lda mv_small            ; the next small slot (C = 1)
        sbc #SMALL_SLOT_SIZE
        sta mv_small
        tay
        bcc @small_page_down    ; (rare) the block's entry on the page below
@small_page:                    ; pass 1's slot and its pass-2 twin: both
        lda mv_off              ; read at x mod 128 (SQ_LO and pass 2's
        bmi @small_nonneg       ; tables, above), pass 2 from its own page
@mid_s0:                        ; x < 0: mv_off = 128 + x, pass 2 in
        sta $FF00 + SLOT_S0,y   ; SQ_SMALL_MID's page
@small_s0:
        sta $FF00 + SLOT_S0,y
        lda #>SQ_SMALL_MID
        bne @mid_page           ; (always)
@small_nonneg:                  ; x >= 0: pass 2 in SQ_MID_ALIGNED's page
        and #$7F
@mid_s0_nonneg:
        sta $FF00 + SLOT_S0,y
@small_s0_nonneg:
        sta $FF00 + SLOT_S0,y
        lda #>SQ_MID_ALIGNED
@mid_page:
        sta $FF00 + SLOT_S0 + 1,y
        lda mv_colbase+1
@small_w1:
        sta $FF00 + SLOT_WEIGHTS + 1,y
@mid_w1:
        sta $FF00 + SLOT_WEIGHTS + 1,y
        lda mv_colbase          ; (A = the column's low byte for the next's)
@small_w0:
        sta $FF00 + SLOT_WEIGHTS,y
@mid_w0:
        sta $FF00 + SLOT_WEIGHTS,y
@next:                          ; (C = 1: the stores keep it; A = mv_colbase)
@rows_less_one:
        adc #0                  ; mv_rows - 1: patched
        sta mv_colbase
        bcs @colbase_page       ; (rare) the next column on the next page
@same_page:
        inx
@last_column:
        cpx #0                  ; mv_cols: patched (mv_short_pages)
        bne @column
        lda mv_w
        sta mv_colbase
        lda mv_w+1
        sta mv_colbase+1
        jmp mv_link_rows
@colbase_page:
        inc mv_colbase+1
        bcs @same_page          ; (always)
@small_page_down:
        dec mv_small+1
        lda mv_small+1
        jsr mv_small_pages
        bcs @small_page         ; (always: mv_small_pages leaves C = 1)
@small_borrow:                  ; (rare) mv_k's low 16 bits wrapped
        lda mv_k+2
        bne @no_wrap
        dec mv_k+3
@no_wrap:
        dec mv_k+2
        sec
        bcs @small_slot         ; (always)
@not_small:                     ; A = the offset's page
        cmp #SQ_LIMIT_PAGE
        bcs @wide
        dec mv_short_left       ; (C = 0 stays)
        bmi @wide               ; no short slot left: as a wide column
        adc #>SQ_MID            ; (carry clear) (mv_off) + 128: s(x)'s
        sta mv_off+1            ; middle byte (no carry out: C = 0)
        .assert >SQ_MID + SQ_LIMIT_PAGE + >(SQ_HI - SQ_MID) < 256, "a short column's pages carry out"
        lda mv_short            ; the next short slot
        sbc #SHORT_SLOT_SIZE - 1        ; (C = 0: the size)
        sta mv_short
        tay
        bcc @short_page_down    ; (rare) the block's entry on the page below
@short_page:                    ; (C = 1)
        lda mv_off
@short_s1:
        sta $FF00 + SLOT_S1,y
@short_s2:
        sta $FF00 + SLOT_S2,y
        and #$7F                ; byte 0 at SQ_LO + x mod 128 (SQ_LO, above)
@short_s0:
        sta $FF00 + SLOT_S0,y
        lda mv_off+1
@short_s1_page:
        sta $FF00 + SLOT_S1 + 1,y
        adc #>(SQ_HI - SQ_MID) - 1      ; (C = 1)
@short_s2_page:
        sta $FF00 + SLOT_S2 + 1,y
        sta mv_sq_hi
        lda mv_colbase
@short_w0:
        sta $FF00 + SLOT_WEIGHTS,y
        lda mv_colbase+1
@short_w1:
        sta $FF00 + SLOT_WEIGHTS + 1,y
@subtract_short:
        ldy mv_off              ; mv_k -= s(x): the entries 128 past the
        sec                     ; offset's (byte 0 repeats every 128)
        lda mv_k
        sbc SQ_LO,y
        sta mv_k
        ldy #128
        lda mv_k+1
        sbc (mv_off),y
        sta mv_k+1
        lda mv_sq_hi            ; (LDA and STA keep the borrow)
        sta mv_off+1
        lda mv_k+2
        sbc (mv_off),y
        sta mv_k+2
        lda mv_colbase          ; (LDA keeps the borrow)
        bcs @short_done
        dec mv_k+3
        sec
@short_done:
        jmp @next
@short_page_down:
        dec mv_short+1
        lda mv_short+1
        jsr mv_short_pages
        sec
        bcs @short_page         ; (always)
@wide:                          ; a wide column's table operands (below)
        stx mv_col
        txa
        tay
        lda (mv_in),y           ; x + 64: low byte in mv_off, high byte
        clc                     ; (a 9-bit signed number) in mv_noff
        adc #64
        sta mv_off
        lda #0
        sta mv_noff+1           ; its sign extension
        lda (mv_in_hi),y
        bpl @positive
        dec mv_noff+1
@positive:
        adc #0
        sta mv_noff
        bcc @no_carry
        inc mv_noff+1
@no_carry:
        lda mv_off              ; xh = 2 * high + bit 7 of low
        asl
        rol mv_noff
        rol mv_noff+1           ; mv_noff = xh (16-bit)
        clc                     ; mv_t2 = qs_lo + 384 + xh
        lda mv_noff
        adc #<384
        sta mv_t2
        lda mv_noff+1
        adc #>384 + >qs_lo
        sta mv_t2p
        sec                     ; mv_t3 = qs_lo + 384 - xh
        lda #<384
        sbc mv_noff
        sta mv_t3
        lda #>384 + >qs_lo
        sbc mv_noff+1
        sta mv_t3p
        lda mv_off              ; s(w + xl): offset SQ_OFFSET + xl = $680 +
        and #$7F                ; ((x + 64) & 127) - 64 = $640 + (x + 64) & 127
        clc
        adc #<(SQ_OFFSET - 64)
        sta mv_off
        dec mv_wide_left        ; none left (negative from then on: the
        bmi @wide_pass          ; next call's repatch sees the pass ran)
        ; the next wide slot, its weight operand = the column
        sec
        lda mv_wide
        sbc #WIDE_SLOT_SIZE
        sta mv_wide
        bcs @wide_page
        dec mv_wide+1
@wide_page:
        ldy #SLOT_WEIGHTS
        lda mv_colbase
        sta (mv_wide),y
        iny
        lda mv_colbase+1
        sta (mv_wide),y
        ; and its table operands
        ldy #SLOT_S0
        lda mv_off
        sta (mv_wide),y
        ldy #SLOT_S1
        sta (mv_wide),y
        ldy #WIDE_SLOT_T2_LO
        lda mv_t2
        sta (mv_wide),y
        ldy #WIDE_SLOT_T2_HI
        sta (mv_wide),y
        ldy #WIDE_SLOT_T3_LO
        lda mv_t3
        sta (mv_wide),y
        ldy #WIDE_SLOT_T3_HI
        sta (mv_wide),y
        ldy #WIDE_SLOT_T2_LO + 1
        lda mv_t2p
        sta (mv_wide),y
        clc
        adc #>(qs_hi - qs_lo)
        ldy #WIDE_SLOT_T2_HI + 1
        sta (mv_wide),y
        ldy #WIDE_SLOT_T3_LO + 1
        lda mv_t3p
        sta (mv_wide),y
        clc
        adc #>(qs_hi - qs_lo)
        ldy #WIDE_SLOT_T3_HI + 1
        sta (mv_wide),y
        bcc @wide_done          ; (always: no page of the quarter squares carries out)
        .assert >(qs_lo + 384 + 256) + >(qs_hi - qs_lo) < 256, "a wide slot's pages carry out"
@wide_pass:                     ; no wide slot left: the column pass (below)
        bit mv_flags
        bmi @started
        jsr mv_wide_start
@started:
        lda mv_colbase
        sta mv_wide_rows@weights+1
        lda mv_colbase+1
        sta mv_wide_rows@weights+2
        lda mv_off
        sta mv_wide_rows@t1_lo+1
        sta mv_wide_rows@t1_mid+1
        lda mv_t2
        sta mv_wide_rows@t2_lo+1
        sta mv_wide_rows@t2_hi+1
        lda mv_t2p
        sta mv_wide_rows@t2_lo+2
        clc
        adc #>(qs_hi - qs_lo)
        sta mv_wide_rows@t2_hi+2
        lda mv_t3
        sta mv_wide_rows@t3_lo+1
        sta mv_wide_rows@t3_hi+1
        lda mv_t3p
        sta mv_wide_rows@t3_lo+2
        clc
        adc #>(qs_hi - qs_lo)
        sta mv_wide_rows@t3_hi+2
        jsr mv_wide_rows
@wide_done:
        ldx mv_col              ; (X: mv_wide_rows took it) mv_k -= s(xl)
        lda #>SQ_SMALL_MID      ; as a short column's s(x): xl's offset
        sta mv_off+1            ; lies in the small slots' page
        lda #>(SQ_SMALL_MID + SQ_HI - SQ_MID)
        sta mv_sq_hi
        jmp @subtract_short

; A wide column in the walk (mv_col, weights at mv_colbase): x = 128*xh +
; xl with xl in -64..63 and xh in -256..256, xh = (x + 64) >> 7 and xl =
; ((x + 64) & 127) - 64, and
;   2*w*x + s(w) = s(w + xl) - s(xl) + 256 * (f(w + xh) - f(w - xh))
; (f(a) - f(b) = (a*a - b*b) / 4 = w*xh exactly: a and b have one parity).
; Its table operands: f(w + xh) at qs_lo + 384 + xh (mv_t2 low byte, mv_t2p
; page; the high bytes 1024 further, memory.inc), f(w - xh) at qs_lo + 384
; - xh (mv_t3, mv_t3p), s(w + xl) like a small slot's (mv_off, the low byte
; of the offset). A wide slot or, beyond them, the column pass (every row's
; wide sum, from 0 at the call's first such column) takes all but the
; -s(xl), which the walk subtracts from mv_k.
        .assert <qs_lo == 0, "the quarter squares must be page-aligned"
        .assert >(SQ_OFFSET - 64) == >SQ_OFFSET && >(SQ_OFFSET + 63) == >SQ_OFFSET, "xl's offsets in the small slots' page"

; Link the blocks of slots (the two passes when a column is small or the
; column pass ran, the wide and short ones when filled), write mv_k - 128 *
; 65536 (- 65535 with the passes) into the row start, send the rows through
; mv_add_wide when the column pass ran, and run the rows from the last one
; down.
mv_link_rows:
        lda mv_wide_left        ; narrow: no wide column and sum s(x) <=
        cmp #MV_WIDE_SLOTS      ; MV_NARROW_SQUARES (mv_k >= -that)
        bne @full
        lda mv_k+3
        cmp #$FF
        bne @full
        lda mv_k+2
        cmp #<(-(MV_NARROW_SQUARES >> 16))
        bcc @full
@narrow_hi:
        lda #0                  ; the finish for a narrow sum (mv_prepare_shift;
        beq @full               ; page 0: none, the general one), byte 2 in A
        sta mv_row_end@finish+2
@narrow_lo:
        lda #0
        sta mv_row_end@finish+1
@free_limit:                    ; a left finish's every output in range:
        ldy #$FF                ; mv_k's byte 2 above this (mv_prepare_shift:
        cpy mv_k+2              ; 255 - MV_FREE_UNITS_n, $FF for none)
        bcs @checked
        adc #<MV_FREE_DISTANCE  ; (C = 0) the free finish, its range test left out
        sta mv_row_end@finish+1
        lda mv_row_end@finish+2
        adc #>MV_FREE_DISTANCE
        sta mv_row_end@finish+2
@checked:
        lda #mv_acc2
        sta mv_row_end@byte+1
        lda #OP_DEX             ; (the mode's first byte: a call in the last
        ldy #MV_MODE_NARROW + MV_MODE_SIZE - 1  ; call's mode writes nothing)
        bne @mode               ; (always)
@full:
        lda #OP_LDA_ZP
        ldy #MV_MODE_FULL + MV_MODE_SIZE - 1
@mode:                          ; the left and low finishes' byte 3 test,
        cmp mv_finish_left_end@byte3    ; and a saturated row's sign
        beq @mode_written
        ldx #MV_MODE_SIZE - 2
@mode_byte:
        lda mv_mode_bytes,y
        sta mv_finish_left_end@byte3,x
        dey
        dex
        bpl @mode_byte
        lda mv_mode_bytes,y
        sta mv_finish_out_of_range+1
@mode_written:
        lda mv_short            ; wide slots, then the short ones (or the
        ldy mv_short+1          ; row's end, where the short slots end)
        sta mv_wide_end+1
        sty mv_wide_end+2
        ldx mv_wide_left
        cpx #MV_WIDE_SLOTS
        beq @no_wide
        lda mv_wide
        ldy mv_wide+1
@no_wide:
        sta mv_no_small@next+1  ; the passes (or none), then the wide (or
        sty mv_no_small@next+2  ; short) slots
        cmp #<mv_row_end        ; none: pass 2's end leaves byte 2 in A,
        bne @pass2_next         ; so a finish that takes byte 2 (the left
        cpy #>mv_row_end        ; and low ones) is entered at once
        bne @pass2_next
        ldx mv_row_end@byte+1
        cpx #mv_acc2
        bne @pass2_next
        lda mv_row_end@finish+1
        ldy mv_row_end@finish+2
@pass2_next:
        sta mv_mid_end@next+1
        sty mv_mid_end@next+2
        lda mv_flags
        and #MV_SPARSE
        beq @dense
        jmp mv_sparse_link
@dense:                         ; (A = 0) pass 1's count starts at 0
        tax                     ; (X = 0: no 65535 unless the passes run)
        sta mv_carries0
        sta mv_small_end@count+1
        lda mv_small
        cmp #<mv_small_end
        bne @passes
        lda mv_flags            ; no small column: no passes, no 65535,
        and #$FF - MV_COARSE - MV_RELU  ; an exact call
        sta mv_flags
        lda #<mv_no_small
        ldy #>mv_no_small
        bne @wide_first         ; (always: not in page 0)
        .assert >mv_no_small > 0, "mv_no_small in page 0"
@passes:
        lda mv_small            ; pass 1, then pass 2 (as many slots)
        sta mv_small_end@pass2+1
        lda mv_small+1
        clc
        adc #>MV_PASS_DISTANCE
        sta mv_small_end@pass2+2
        ldx #$FF                ; the passes' ends' 65535 (mv_small_end)
        lda #MV_COARSE
        bit mv_flags
        beq @exact
                                ; pass 1 left out: the rows start at its
        lda mv_small            ; end, as if it had no slot (its 255 too),
        cmp #<(mv_small_end - MV_COARSE_MIN_SMALL * SMALL_SLOT_SIZE + 1)
        lda mv_small+1          ; when MV_COARSE_MIN_SMALL columns or more
        sbc #>(mv_small_end - MV_COARSE_MIN_SMALL * SMALL_SLOT_SIZE + 1)
        bcs @not_coarse         ; are small (no address-like constant: the
                                ; profile would name code after it)
        lda #<mv_small_end
        ldy #>mv_small_end
        bne @wide_first         ; (always: not in page 0)
        .assert >mv_small_end > 0, "mv_small_end in page 0"
@not_coarse:                    ; fewer: the call is exact, MV_COARSE cleared
        lda mv_flags
        and #$FF - MV_COARSE
        sta mv_flags
@exact:
        lda mv_small
        ldy mv_small+1
@wide_first:
        bit mv_flags            ; (N: MV_HAS_WIDE) by way of mv_add_wide
        bpl @first
        sta mv_add_wide@first+1
        sty mv_add_wide@first+2
        lda #<mv_add_wide
        ldy #>mv_add_wide
@first:
        sta mv_row@first+1
        sty mv_row@first+2
        stx mv_off              ; (scratch now) 0 or $FF in bytes 0 and 1
        sec
        lda mv_k
        sbc mv_off
        sta mv_row@k0+1
        lda mv_k+1
        sbc mv_off
        sta mv_row@k1+1
        lda mv_k+2
        sbc #$80
        sta mv_row@k2+1
        lda mv_k+3
        sbc #0
        ldy mv_finish_left_end@byte3
        cpy #OP_DEX             ; narrow: the row start leaves byte 3 out,
        bne @byte3              ; "tya, clc, jmp" the first slot written
        lda #OP_TYA             ; over its "lda #k3, adc #0"
        sta mv_row@k3
        lda #OP_CLC
        sta mv_row@k3+1
        lda #OP_JMP
        sta mv_row@k3+2
        sta mv_row_end@byte     ; and the rows' end jumps to the finish at
        lda mv_row@first+1      ; once (byte 2 is in A after a short slot)
        sta mv_row@k3+3
        lda mv_row@first+2
        sta mv_row@k3+4
        lda mv_row_end@finish+1
        sta mv_row_end@byte+1
        lda mv_row_end@finish+2
        sta mv_row_end@byte+2
        lda #MV_RELU            ; (MV_RELU, narrow: the rows relinked)
        bit mv_flags
        beq @rows
        jmp mv_relu_link
@byte3:
        sta mv_row@k3+1
        lda #OP_LDA_IMM
        sta mv_row@k3
        lda #OP_ADC_IMM
        sta mv_row@k3+2
        lda #0
        sta mv_row@k3+3
        lda #OP_STA_ZP
        sta mv_row@k3+4
        lda #OP_LDA_ZP          ; (the byte for the finish: mv_prepare_shift)
        sta mv_row_end@byte
        lda #OP_JMP
        sta mv_row_end@byte+2
@rows:
        ldx mv_rows
        dex
        clc
        jmp mv_next_row         ; (X >= 0: N clear, the branch is taken)

; Entry into the fast finishes for a shift of 8 + n bits, n = 0..MV_FAST_BITS
; (n steps before mv_finish_fast's end), or of n = 5..7 bits (8 - n steps
; before mv_finish_left's end).
        .assert MV_FAST_BITS == 4 && MV_LEFT_BITS == 3, "an entry for every n"
mv_fast_entry_lo:
        .repeat 8, n
        .if n <= MV_FAST_BITS
        .byte <(mv_finish_fast_end - n * MV_FAST_STEP)
        .else
        .byte <(mv_finish_left_end - (8 - n) * MV_LEFT_STEP)
        .endif
        .endrepeat
; A full call's and a narrow call's bytes at mv_finish_left_end@byte3 (byte
; 3's test; the row's end), after the saturated rows' sign byte.
MV_MODE_SIZE    = 5
mv_mode_bytes:
MV_MODE_FULL    = * - mv_mode_bytes
        .byte mv_acc3, OP_LDA_ZP, mv_acc3, OP_ADC_IMM, 0
MV_MODE_NARROW  = * - mv_mode_bytes
        .byte mv_acc2, OP_DEX, OP_BPL, <(mv_row - (mv_finish_left_end@byte3 + 3)), OP_RTS
        .assert mv_row - (mv_finish_left_end@byte3 + 3) >= -128 && mv_row - (mv_finish_left_end@byte3 + 3) <= 127, "a narrow row's end reaches mv_row"
mv_narrow_entry_lo:
        .byte <mv_finish_store
        .repeat MV_FAST_BITS, i
        .byte <(mv_finish_narrow_end - (i + 1) * MV_NARROW_STEP)
        .endrepeat
mv_narrow_entry_hi:
        .byte >mv_finish_store
        .repeat MV_FAST_BITS, i
        .byte >(mv_finish_narrow_end - (i + 1) * MV_NARROW_STEP)
        .endrepeat
mv_low_entry_lo:
        .repeat MV_LOW_BITS, i
        .byte <(mv_finish_low_end - (i + 1) * MV_LOW_STEP)
        .endrepeat
mv_low_entry_hi:
        .repeat MV_LOW_BITS, i
        .byte >(mv_finish_low_end - (i + 1) * MV_LOW_STEP)
        .endrepeat
; The left and low finishes' range check for n bits (1..7): 2^(n-1), and
; the mask of the bits from n up; and where the result's low byte is.
mv_range_half:
        .repeat 7, i
        .byte 1 << i
        .endrepeat
mv_range_mask:
        .repeat 7, i
        .byte (256 - (2 << i)) & $FF
        .endrepeat
mv_range_low_byte:               ; the result's low byte: byte 0 after a
        .repeat 7, i            ; right shift (n = 1..4), byte 1 after a left one
        .if i < MV_LOW_BITS
        .byte mv_acc0
        .else
        .byte mv_acc1
        .endif
        .endrepeat
mv_free_limit:                  ; n = 1..7: 255 - MV_FREE_UNITS_n for
        .res 4, $FF             ; the left finishes (5..7), $FF for the low ones
        .assert MV_LEFT_BITS == 3 && MV_LOW_BITS == 4, "a limit for every n"
        .byte 255 - MV_FREE_UNITS_5, 255 - MV_FREE_UNITS_6, 255 - MV_FREE_UNITS_7
mv_fast_entry_hi:
        .repeat 8, n
        .if n <= MV_FAST_BITS
        .byte >(mv_finish_fast_end - n * MV_FAST_STEP)
        .else
        .byte >(mv_finish_left_end - (8 - n) * MV_LEFT_STEP)
        .endif
        .endrepeat

; Same input, columns and rows as the previous call: its slots keep their
; table operands and mv_k its corrections. Column c's weights are at
; mv_w + c*mv_rows in both matrices, so every filled slot's weight operand
; moves by mv_w - the previous mv_w (mv_colbase).
mv_repatch_weights:
        sec
        lda mv_w
        sbc mv_colbase
        sta mv_off
        lda mv_w+1
        sbc mv_colbase+1
        sta mv_off+1
        lda mv_w
        sta mv_colbase
        lda mv_w+1
        sta mv_colbase+1
        lda mv_off              ; whole pages (q, k and v): both passes' slots
        bne @small_bytes        ; at once
        jsr mv_move_small
        jmp @short
@small_bytes:
        lda mv_small
        ldy mv_small+1
        ldx #0
        jsr mv_move_block
        clc                     ; pass 2's twins
        lda mv_small+1
        adc #>MV_PASS_DISTANCE
        tay
        lda mv_small
        ldx #3
        jsr mv_move_block
@short:
        lda mv_short
        ldy mv_short+1
        ldx #1
        jsr mv_move_block
        lda mv_wide
        ldy mv_wide+1
        ldx #2
        jsr mv_move_block
        jmp mv_link_rows

; A move of whole pages (mv_off = 0) for the small passes: each pass-1
; slot's weight operand page += mv_off+1, written to its pass-2 twin too; Y
; is the slot's low byte and the pages are patched in (the walk's way).
mv_move_small:
        lda mv_small+1
        sta @read+2
        sta @write1+2
        clc
        adc #>MV_PASS_DISTANCE
        sta @write2+2
        lda #$7F                ; the weights' page + a negative distance
        cmp mv_off+1            ; carries out at every slot: the step to
        lda #SMALL_SLOT_SIZE - 1        ; the next slot takes that carry off
        adc #0
        sta @step+1
        lda mv_small
        tay
        clc
        bcc @test               ; (always)
@slot:                          ; (C = 0)
@read:
        lda $FF00 + SLOT_WEIGHTS + 1,y
        adc mv_off+1
@write1:
        sta $FF00 + SLOT_WEIGHTS + 1,y
@write2:
        sta $FF00 + SLOT_WEIGHTS + 1,y
        tya
@step:
        adc #SMALL_SLOT_SIZE    ; (less the carry of the add above: patched)
        tay
        bcs @page
@test:
        eor #<mv_small_end      ; (the end by its low byte: see the block
        bne @slot               ; sizes' assert; EOR keeps C = 0)
        rts
@page:
        inc @read+2
        inc @write1+2
        inc @write2+2
        clc
        tya
        bcc @test               ; (always)

; The weight operands of block X's filled slots (0 small pass 1, 1 short,
; 2 wide, 3 small pass 2)
; += mv_off: from the block's entry (A low byte, Y page) to its end. A
; distance of whole pages (q, k and v lie 1,024 bytes apart) moves the
; operands' pages alone.
mv_move_block:
        sta mv_slot
        sty mv_slot+1
        ldy mv_off
        beq @page_test
@test:
        cmp mv_block_end_lo,x
        bne @slot
        lda mv_slot+1
        cmp mv_block_end_hi,x
        beq @done
@slot:
        ldy #SLOT_WEIGHTS
        clc
        lda (mv_slot),y
        adc mv_off
        sta (mv_slot),y
        iny
        lda (mv_slot),y
        adc mv_off+1
        sta (mv_slot),y
        clc
        lda mv_slot
        adc mv_block_size,x
        sta mv_slot
        bcc @test
        inc mv_slot+1
        bcs @test               ; (always)
@done:
        rts
@page_slot:
        ldy #SLOT_WEIGHTS + 1
        clc
        lda (mv_slot),y
        adc mv_off+1
        sta (mv_slot),y
        clc
        lda mv_slot
        adc mv_block_size,x
        sta mv_slot
        bcc @page_test
        inc mv_slot+1
@page_test:
        cmp mv_block_end_lo,x
        bne @page_slot
        lda mv_slot+1
        cmp mv_block_end_hi,x
        bne @page_slot
        rts
mv_block_end_lo:
        .byte <mv_small_end, <mv_short_end, <mv_wide_end, <mv_mid_end
mv_block_end_hi:
        .byte >mv_small_end, >mv_short_end, >mv_wide_end, >mv_mid_end
mv_block_size:
        .byte SMALL_SLOT_SIZE, SHORT_SLOT_SIZE, WIDE_SLOT_SIZE, SMALL_SLOT_SIZE



; The sparse calls' walk and links (below) may lie apart from the rest: the
; soulplayer places them after the other kernels (MV_SPARSE_APART), so that
; the hot loops after matvec keep their pages (tests/test_kernel_pages.py).
MV_SPARSE_X_LO  = mv_sparse_column + 1  ; the column's reads in mv_sparse_column
MV_SPARSE_X_HI  = mv_sparse_column + 6
        .macro mv_sparse_routines
; MV_SPARSE: the walk's column X (C = 0), from @in_lo's "jmp" (the input's
; reads are patched in here). A zero column takes no slot. Any other one
; takes the next sub slot of each pass (its weights), then the walk's own
; slot for x. One nonzero column more than the sub slots makes the call a
; full one: MV_SPARSE cleared, the matrix's own row constants, the call
; again from the start.
mv_sparse_column:
        lda $FFFF,x             ; x's low byte (MV_SPARSE_X_LO: patched)
        sta mv_t2               ; (kept for the walk: a wide column's mv_t2 comes later)
        ora $FFFF,x             ; | its high byte (MV_SPARSE_X_HI: patched)
        .assert * - mv_sparse_column == MV_SPARSE_X_HI + 2 - mv_sparse_column, "mv_sparse_column's reads"
        beq @zero
        dec mv_sub_left
        bmi @too_many
        lda mv_sub              ; the next sub slot (C = 0: the size)
        sbc #SMALL_SLOT_SIZE - 1
        sta mv_sub
        bcs @page
        dec mv_sub+1
@page:
        ldy #SLOT_WEIGHTS
        lda mv_colbase
        sta (mv_sub),y
        iny
        lda mv_colbase+1
        sta (mv_sub),y
        lda mv_sub+1            ; and its pass-2 twin
        pha
        clc
        adc #>MV_PASS_DISTANCE
        sta mv_sub+1
        lda mv_colbase+1
        sta (mv_sub),y
        dey
        lda mv_colbase
        sta (mv_sub),y
        pla
        sta mv_sub+1
        clc
        lda mv_t2               ; x's low byte, for the walk's own slot
        jmp mv_patch_columns@in_lo + 3
@zero:                          ; no slot: on to the next column's weights
        sec
        lda mv_colbase
        jmp mv_patch_columns@next
@too_many:
        lda mv_flags
        and #$FF - MV_SPARSE
        sta mv_flags
        jsr mv_swap_rowk        ; (the matrix's own constants back)
        jmp matvec

; mv_rowk <-> mv_sparse_rowk (a sparse call's row constants, and back).
mv_swap_rowk:
        ldx #1
@byte:
        lda mv_rowk,x
        ldy mv_sparse_rowk,x
        sta mv_sparse_rowk,x
        sty mv_rowk,x
        dex
        bpl @byte
        rts

; MV_SPARSE's links (from mv_link_rows): in each pass the sub slots from the
; walk's last, then the small slots (or the pass's end); the counts start
; at MV_SPARSE_SLOTS, which the sparse row constants take off again (65535
; each). Then the rest of mv_link_rows, as for a call with small columns.
mv_sparse_link:
        lda #MV_SPARSE_SLOTS
        sta mv_carries0
        sta mv_small_end@count+1
        lda mv_small
        sta mv_sub_end+1
        sta mv_sub2_end+1
        lda mv_small+1
        sta mv_sub_end+2
        clc
        adc #>MV_PASS_DISTANCE
        sta mv_sub2_end+2
        lda mv_sub
        sta mv_small_end@pass2+1
        lda mv_sub+1
        adc #>MV_PASS_DISTANCE  ; (C = 0)
        sta mv_small_end@pass2+2
        ldx #$FF                ; the passes' ends' 65535
        lda mv_sub
        ldy mv_sub+1
        jmp mv_link_rows@wide_first
        .endmacro
        .ifndef MV_SPARSE_APART
        mv_sparse_routines
        .endif

; One wide column down all rows: sum += s(w + xl) + 256 * (f(w + xh) - f(w - xh)).
mv_wide_rows:
        ldx mv_rows
        dex
@row:
@weights:
        ldy $FFFF,x
        clc
@t1_lo:
        lda SQ_LO,y             ; (low byte: SQ_LO + offset mod 256)
        adc WIDE_SUM_0,x
        sta WIDE_SUM_0,x
@t1_mid:
        lda SQ_SMALL_MID,y      ; (|w + xl| <= 192: two bytes)
        adc WIDE_SUM_1,x
        sta WIDE_SUM_1,x
        bcc @t2
        inc WIDE_SUM_2,x
        bne @carried
        inc WIDE_SUM_3,x
@carried:
        clc
@t2:
@t2_lo:
        lda $FFFF,y             ; f(w + xh) at bit 8
        adc WIDE_SUM_1,x
        sta WIDE_SUM_1,x
@t2_hi:
        lda $FFFF,y
        adc WIDE_SUM_2,x
        sta WIDE_SUM_2,x
        bcc @t3
        inc WIDE_SUM_3,x
@t3:
        sec
        lda WIDE_SUM_1,x
@t3_lo:
        sbc $FFFF,y             ; - f(w - xh)
        sta WIDE_SUM_1,x
        lda WIDE_SUM_2,x
@t3_hi:
        sbc $FFFF,y
        sta WIDE_SUM_2,x
        bcs @next
        dec WIDE_SUM_3,x
@next:
        dex
        bpl @row
        rts

; Build the squares table once (the program at start-up, not in the PRG):
; SQ_MID/HI + i = bytes 1, 2 of (i - SQ_RANGE)^2 for i = 0..2*SQ_RANGE-1,
; SQ_LO + j = byte 0 of j^2 for j = 0..511 (byte 0 of n^2 depends only on n
; mod 256, and SQ_RANGE is a multiple of 256, so an operand SQ_LO + (offset
; mod 256) reads the same bytes as SQ + offset would). Adds 2n + 1 at each
; step, and writes byte 0 of each into SQ_LO at n mod 256 (every page of n
; writes the same 256 bytes again: fewer bytes of code than a loop of
; their own): 269,255 cycles. Clobbers A, X, Y, mv_* scratch.
; A macro: the soulplayer assembles it in its start-up part (soulplayer.s,
; START_UP_APART), other programs here.
        .macro mv_build_squares_routine
mv_build_squares:
        ldy #0                  ; s = (-SQ_RANGE)^2 (its low bytes are 0)
        sty mv_acc0
        sty mv_acc1
        .assert (SQ_RANGE * SQ_RANGE & $FFFF) == 0, "(-SQ_RANGE)^2's low bytes"
        sty mv_noff
        sty mv_off
        dey                     ; d's sign extension, $FF while d < 0
        sty mv_k+2
        iny
        lda #SQ_RANGE * SQ_RANGE >> 16
        sta mv_acc2
        lda #<((1 - 2 * SQ_RANGE) & $FFFF)  ; d = 2n + 1
        sta mv_k
        lda #>((1 - 2 * SQ_RANGE) & $FFFF)
        sta mv_k+1
        lda #>SQ_MID
        sta mv_noff+1
        lda #>SQ_HI
        sta mv_off+1
        ldx #>(2 * SQ_RANGE)    ; pages
@entry:
        lda mv_acc1
        sta (mv_noff),y
        lda mv_acc2
        sta (mv_off),y
        clc                     ; s += d
        lda mv_acc0
        sta SQ_LO,y             ; (n mod 256 = Y: SQ_RANGE is whole pages)
        sta SQ_LO+256,y
        adc mv_k
        sta mv_acc0
        lda mv_acc1
        adc mv_k+1
        sta mv_acc1
        lda mv_acc2
        adc mv_k+2
        sta mv_acc2
        clc                     ; d += 2
        lda mv_k
        adc #2
        sta mv_k
        bcc @d_done
        inc mv_k+1
        bne @d_done
        inc mv_k+2              ; d went from -1 to 1: its sign extension 0
@d_done:
        iny
        bne @entry
        inc mv_noff+1
        inc mv_off+1
        dex
        bne @entry
        rts
        .endmacro
        .ifndef START_UP_APART
        mv_build_squares_routine
        .endif

; After mv_build_squares, with the KERNAL and I/O banked out (CPU_PORT =
; MEM_ALL_RAM: both tables lie under them): SQ_MID_ALIGNED + j = SQ_MID +
; SQ_OFFSET + j, byte 1 of (j - 128)^2 (memory.inc), for the pass-2 slots
; of inputs x >= 0. Two halves a step: 4,493 cycles. A macro: the
; soulplayer assembles it in its start-up part, the kernel bench after
; every kernel (harness.kernel_source), so that none of them moves.
MV_MID_COPY_HALF = (SQ_MID_ALIGNED_END - SQ_MID_ALIGNED) / 2
        .assert MV_MID_COPY_HALF <= 256 && SQ_MID + SQ_OFFSET + 2 * MV_MID_COPY_HALF <= SQ_HI, "the copy's source within SQ_MID"
        .macro mv_build_mid_copy_routine
mv_build_mid_copy:
        ldx #MV_MID_COPY_HALF
@byte:
        lda SQ_MID + SQ_OFFSET - 1,x
        sta SQ_MID_ALIGNED - 1,x
        lda SQ_MID + SQ_OFFSET + MV_MID_COPY_HALF - 1,x
        sta SQ_MID_ALIGNED + MV_MID_COPY_HALF - 1,x
        dex
        bne @byte
        rts
        .endmacro

; After an MV_COARSE call: row X (0..mv_rows-1) again with pass 1, i.e. its
; exact output, into the call's output; the other rows keep theirs. The
; rows run from X down as in the call, but the next row's start finds
; mv_exact_gate, which returns (after row 0 the loop ends by itself), or
; goes on to pass 1's first filled slot (through mv_add_wide when the
; column pass ran). With no small column the coarse call was exact already.
; Clobbers A, X, Y, mv_acc*, mv_col. ~60 cycles more than the row itself.
mv_exact_row:
        lda mv_small
        cmp #<mv_small_end      ; (an empty block by its entry's low byte)
        beq @exact
        stx mv_col
        ldy mv_small+1
        bit mv_flags            ; (N: MV_HAS_WIDE)
        bpl @gate
        sta mv_add_wide@first+1
        sty mv_add_wide@first+2
        lda #<mv_add_wide
        ldy #>mv_add_wide
@gate:
        sta mv_exact_gate@first+1
        sty mv_exact_gate@first+2
        lda #<mv_exact_gate
        sta mv_row@first+1
        ldy #>mv_exact_gate
        sty mv_row@first+2
        ldx mv_row@k3           ; a narrow call's rows jump to their first
        cpx #OP_TYA             ; slot from byte 3's step (mv_link_rows):
        bne @run                ; the gate there too
        sta mv_row@k3+3
        sty mv_row@k3+4
@run:
        ldx mv_col
        jmp mv_row
@exact:
        rts
mv_exact_gate:
        cpx mv_col
        bne @next_row
        clc                     ; (as the row start leaves it)
@first:
        jmp $FFFF               ; pass 1 (or mv_add_wide first): patched
@next_row:
        rts

; MV_RELU (fc1, whose outputs go through ReLU: forward.s), in a narrow call
; (every row's sum fits 24 bits): a row whose exact output is certainly
; <= 0 stores 0 without pass 1 and its finish. Each row runs pass 2 first
; (mv_relu_first), then the short slots; where it would enter its finish
; its sum is G = 2S - L - 255, with 2S the exact doubled sum, L pass 1's
; low bytes (0..255 a small column) and 255 pass 1's end's (the row start
; holds the 65535 of both ends). ReLU's output is 0 exactly when 2S >>
; (mv_shift + 1) <= 0, i.e. 2S < 2^(mv_shift + 1), which holds whenever G <
; 2^(mv_shift + 1) - 255 * (mv_cols + 1) (L <= 255 * mv_cols), so whenever
; G < -256 * (mv_cols + 1), a bound of G's bytes 1 and 2 alone (it lets ~1%
; of fc1's rows through that the exact one would store 0 for,
; benchmarks/relu_bound.py): mv_relu_gate stores 0 then (relu_z makes the
; rest of the rows' negative outputs 0, so the vector after ReLU is
; SPEC's). Any other row goes on to pass 1 with its byte 0, and pass 1's
; end (mv_relu_late_end) adds its bytes 1.. into the sum pass 2 left, then
; takes the call's finish: its exact output. A narrow G is 2S < 2^23 less
; at most 255 * 65: one below -2^23 wraps to a positive byte 2 and only
; goes on (bytes 0..2 of its exact sum stay right).
; Costs a row ~12 cycles a small column less when it stores 0, ~45 more
; when it goes on.

; From mv_link_rows, a narrow call with small columns, after an exact
; call's links: the rows' first jump (byte 3's step) to pass 2, pass 2's
; end to the short slots or the row's end, and that to the gate, pass 1's
; end to mv_relu_late_end; then the rows.
mv_relu_link:
        lda #<mv_relu_first
        sta mv_row@k3+3
        lda #>mv_relu_first
        sta mv_row@k3+4
        lda mv_small_end@pass2+1        ; pass 2 runs first, from the row start
        sta mv_relu_first@pass2+1
        lda mv_small_end@pass2+2
        sta mv_relu_first@pass2+2
        lda #<mv_relu_late_end          ; and pass 1 last
        sta mv_small_end@pass2+1
        lda #>mv_relu_late_end
        sta mv_small_end@pass2+2
        lda mv_short                    ; pass 2's end: the short slots or
        sta mv_mid_end@next+1           ; the row's end (not the finish at
        lda mv_short+1                  ; once), and the row's end ("jmp
        sta mv_mid_end@next+2           ; finish", narrow) the gate
        lda #<mv_relu_gate
        sta mv_row_end@byte+1
        lda #>mv_relu_gate
        sta mv_row_end@byte+2
        lda mv_cols                     ; -(mv_cols + 1)'s low byte
        eor #$FF
        sta mv_relu_gate@low+1
        lda #0                          ; pass 2 counts from 0 (the rows
        sta mv_carries1                 ; reset it at their ends)
        jmp mv_link_rows@rows

; A row's start: byte 0 (A) kept for pass 1, pass 2 from byte 1. C = 0.
mv_relu_first:
        sta mv_acc0
        lda mv_acc1
@pass2:
        jmp $FFFF                       ; pass 2's entry: patched

; G (bytes 0..2, narrow) against -256 * (mv_cols + 1): G >> 8 (bytes 1, 2)
; below -(mv_cols + 1), i.e. byte 2 negative and either not $FF or byte 1
; below -(mv_cols + 1)'s low byte.
mv_relu_gate:
        lda mv_acc2
        bpl @go_on
        cmp #$FF
        bne @zero
        lda mv_acc1
@low:
        cmp #0                          ; -(mv_cols + 1)'s low byte: patched
        bcc @zero
@go_on:
        lda mv_acc0
        clc
        jmp (mv_row@first+1)            ; pass 1's entry (a narrow call's
                                        ; rows skip that JMP: its operand stays)
        .assert <(mv_row@first + 1) != $FF, "JMP (ind) within a page"
@zero:                                  ; ReLU makes the row 0
        lda #0
        sta mv_carries1                 ; (the next row's pass 2 counts from 0)
        sta mv_acc1
        clc                             ; (the next row's start needs C = 0)
        jmp mv_finish_store

; Pass 1's end (mv_small_end) comes here with byte 1 in A and its carry in
; C (also counted in mv_carries1, which the next row's pass 2 needs at 0):
; byte 1 stored, the carry into byte 2, then the call's narrow finish with
; byte 2 in A and C = 0.
mv_relu_late_end:
        sta mv_acc1
        lda #0
        sta mv_carries1
        bcc @byte2
        inc mv_acc2
@byte2:
        lda mv_acc2
        clc
        jmp (mv_row_end@finish+1)       ; the call's finish (a narrow call's
                                        ; row end skips that JMP: its operand stays)
        .assert <(mv_row_end@finish + 1) != $FF, "JMP (ind) within a page"
