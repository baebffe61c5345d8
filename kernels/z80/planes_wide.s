; planes_wide.s - wp_rows_wide: planes.s's rows for any x (Z80), the calls its wp_tables declines
; (sum |x| > WP_MOST_SUM): the 48K player's since the twenty-sixth round (docs/spectrum.md, "the
; matvec by bit planes in the 48K player", zxplanes48), whose q, k and v lie in plane_bytes' layout
; alone (soul_layout's SOUL_QKV_PLANES), so that no matvec.s copy serves such an xn. build.py places
; it in the cold part, below $8000: it runs only for such an xn (none on the benchmarks' prompts). And
; the 128K player's since the twenty-seventh round (SOUL_QKV_APART, zxgate128b: q, k and v as planes on
; the tape in bank 6 alone, no matvec copy in banks 0 and 4), in its cold part too, run with bank 6 paged.
;
; Entry: the rows wp_rows takes (wp_x, wp_w, wp_out, wp_rows_count, wp_shift: any shift 0..31),
; out = sat16((W x) >> shift) as intmath.matvec. Unlike wp_rows it steps wp_w and wp_out past the
; rows and counts wp_rows_count down to 0 (forward.s sets them again for each call). Interrupts as
; found. Clobbers AF, BC, DE, HL, IX and AF' (arith.s's mul16s); without WP_GROUP_FORMS (the 48K's) BC', DE', HL' too.
;
; How: each row's 32 u = w + 128 unpacked from its 8 planes x 4 masks (soul_layout.PLANE_ORDER,
; PLANES_DOWN's groups from 3 down) into the tables' first page (free: wp_tables declined this x),
; then sum w x by arith.s's mul16s in 32 bits, sra32 and sat32to16: slow and exact.
; T-states: ~38,300 a row (tests/test_zx_planes48.py, random w and x; 32 rows of an
; xn ~1.23M, against wp_rows' ~1,750): correctness first, for a call no shipped prompt makes.
; Bytes: 788 (in the 48K player since zx48room38: two or a's before sbc hl,de whose carry is known clear);
; 790 (in the 48K player since zx48spend36: fw_out_bytes' first list by one whole-word test a row, 5 fewer);
; 795 (since the thirty-sixth round's merge of zx48logit36: fw_out_bytes, WP_TOPS_BYTES'
; exact rows and bounds, 331, and out's marks' fix and flip left out, 40 fewer); 504 (since zx48fc1g36 and zx48narrow36: 62 of them its macros expanded
; in fc1wide.s's fg_rows_wide, FW_FC1_BYTES; wp_rows_wide 223 with WP_NARROW_BITS' class
; bits, a narrow row's order and u from $40, and WP_NARROW_MARK_OUT's fix for out's rows alone; fw_out_logits 219, its
; exact rows' class bits and a marked row's byte 4 flipped for the call and back, no count);
; 364 (in the 48K player since zx48wide35, thirty-fifth round: without WP_GROUP_FORMS the sum in the other
; register set, not wide_column_sums' in memory, and the planes' loop ended by plane 3's bit, no end mark:
; wp_rows_wide 157 in the bench, 172 before; 16 fewer in the 48K, for KV_SCATTER_POPS);
; 380 (since zx48room35: wp_wide_sum among soulplayer.s's run-time variables
; below the program, RUN_VARIABLES, 4 fewer; 384: wp_rows_wide 172 and WP_NARROW_MARK's fix 22 (362 before zx48rows35), and the logits'
; fw_out_logits, 190, with SOUL_OUT_PLANES: below;
; 384 with fw_out_logits' 212 before the thirtieth round, its D by four 16-bit shifts and wp_rows_count set a row kept;
; 365 in the 128K player since the twenty-eighth round: wp_rows_wide's and fw_out_exact's 144, SOUL_OUT_APART;
; its rows by logitplanes.s's lg_row_logit since zxlogits128, where lg_select took xn). With WP_NARROW_WORDS (the 128K's
; since the thirtieth round, zxnarrow30: a narrow row's words have no plane 6) wp_rows_wide takes each row's order and
; a narrow row's bit 6 from planes.s's wp_wide_row_order and wp_wide_narrow_fix in bank 6, its order there too:
; wp_rows_wide and its sum 178 -> 163 bytes in the 128K player. With WP_NARROW_MARK (the 48K's since the thirty-fifth
; round, zx48rows35: a narrow row's plane 6 group 3 byte is plane 7's, planes.s's mark) a marked row's group 3 bit 6,
; unpacked as bit 7, flips back to its complement: 22 bytes more, in the 48K's cold part. With WP_NARROW_BITS (the 48K's
; since the thirty-sixth round, zx48narrow36) q's, k's and v's rows come with their class bits at (wp_classes), read as
; wp_rows reads them (the state between rows in wp_wide_bits); a narrow row has no plane 6 bytes: its order leaves plane
; 6 out and its u starts at $40, plane 7's bits xored in as $C0 (bit 6 the complement of bit 7); wp_classes 0 (out's
; rows, fw_out_wide) reads every row by its 8 planes and, with WP_NARROW_MARK_OUT, a marked one's group 3 as above.

; (the mark test after a row's planes: q's, k's and v's rows with WP_NARROW_MARK, out's with WP_NARROW_MARK_OUT)
.ifdef WP_NARROW_MARK
WP_WIDE_MARKS = 1
.else
.ifdef WP_NARROW_BITS
.ifdef WP_NARROW_MARK_OUT
WP_WIDE_MARKS = 1
.endif
.endif
.endif
.ifndef WP_WIDE_MARKS
WP_WIDE_MARKS = 0
.endif
.ifdef WP_NARROW_BITS
WP_NARROW_BITS_ON = 1
.else
WP_NARROW_BITS_ON = 0
.endif
; unpacked as bit 7, flips back to its complement: 22 bytes more, in the 48K's cold part. With WP_TOPS_BYTES (thirty-sixth
; round, zx48logit36: a spend of the 48K's ladder, not in the shipped player) fw_out_logits with fw_out_bytes 521 bytes
; (190 without): its first list, the rows kept's planes 3..0, the rows left and fw_wb_bounds' table 361 of them
; (python benchmarks/zx48_logit_tables.py).

; mask_bits_into_row - (wp_rows_wide's and fc1wide.s's fg_rows_wide's) OR C, a plane's bit, into the row's u
; at (HL) for each set bit of the mask A, lowest column first (L counts the columns); clobbers AF, B, L. (WP_NARROW_BITS:
; XOR, the same on bits set once from 0, and a narrow row's plane 7 as $C0 flips its u from $40 to $80.)
        .macro mask_bits_into_row
@bit:   srl a                   ; column 8 g + j's bit
        jr nc,@next
        ld b,a
        ld a,(hl)
.ifdef WP_NARROW_BITS
        xor c
.else
        or c
.endif
        ld (hl),a
        ld a,b
@next:  inc l
        or a
        jr nz,@bit              ; (to the mask's last set bit)
        .endmacro

; wide_column_sums - a row's exact sum the slow way (wp_rows_wide's and fc1wide.s's fg_rows_wide's): HL = x
; (32 words), A = 0, the row's 32 stored weights on the page `pages` (w = stored xor `flip`), the 4-byte
; `sum` holding the sum's start; sum += w x over the columns by arith.s's mul16s; DE:HL = the sum at the end.
        .macro wide_column_sums pages, flip, sum
@column:
        push af
        ld e,(hl)
        inc hl
        ld d,(hl)
        inc hl
        push hl
        ld h,(pages) >> 8
        ld l,a
        ld a,(hl)
        xor flip                ; w
        ld c,a
        rla
        sbc a,a
        ld b,a
        call mul16s             ; DEHL = w x
        ld bc,(sum)
        add hl,bc
        ld (sum),hl
        ld hl,(sum + 2)
        adc hl,de
        ld (sum + 2),hl
        pop hl
        pop af
        inc a
        cp 32
        jr nz,@column
        ld hl,(sum)
        ld de,(sum + 2)
        .endmacro

wp_rows_wide:
@row:
.ifdef WP_NARROW_BITS
        ld hl,(wp_classes)      ; (WP_NARROW_BITS: q's, k's and v's class bits, as wp_rows reads them; 0: none,
        ld a,h                  ; every row by its 8 planes, out's for fw_out_wide)
        or l
        jr z,@class             ; (Z and no carry: a row of out)
        ld a,(wp_wide_bits)
        add a,a                 ; (carry: narrow)
        jr nz,@bits_left
        ld a,(hl)               ; the next byte of bits
        inc hl
        ld (wp_classes),hl
        add a,a                 ; (never 0: a 1 follows a byte's bits)
@bits_left:
        ld (wp_wide_bits),a
@class: push af                 ; (Z: out's row, NZ: a row with class bits)
        ld ix,wp_wide_order
        sbc a,a
        jr z,@wide
        ld ix,wp_wide_order_narrow      ; a narrow row (no plane 6 bytes): its u from $40, plane 7 as $C0 (bit 6
        ld a,$40                ; the complement of bit 7)
@wide:  ld hl,wp_table_pages    ; the row's u
        ld b,32
@clear: ld (hl),a
.else
        ld hl,wp_table_pages    ; the row's u, 0 first
        ld b,32
@clear: ld (hl),0
.endif
        inc l
        djnz @clear
        ld de,(wp_w)            ; its masks in plane_bytes' order
.ifdef WP_NARROW_WORDS
        call wp_wide_row_order  ; (planes.s's, in bank 6: a narrow row's order has no plane 6)
.else
.ifdef WP_NARROW_BITS
                                ; (IX the row's order)
.else
        ld ix,wp_wide_order
.endif
.endif
.ifdef WP_GROUP_FORMS
@plane: ld c,(ix+0)             ; 1 << b (0: words passed over, T[W] and a group row's exit)
        ld a,(ix+1)             ; 32 - 8 x the plane's words
@group: push af
        inc de                  ; (the word: 2 m mod 256, then WP_PAGE + 2 g + (m >> 7))
        ld a,(de)
        sub wp_table_pages >> 8 ; (WP_PAGE)
        and 6
        add a,a
        add a,a                 ; 8 g, from the word's page
        ld l,a
        ld a,(de)
        rra
        dec de
        ld a,(de)
        rra
        inc de
        inc de
        mask_bits_into_row
        pop af
        add a,8
        cp 32
        jr nz,@group
        inc ix
        inc ix
        ld a,(ix+0)
        inc a
        jr nz,@plane            ; (the order's end: $FF)
        call wp_wide_narrow_fix ; (a group row's moved groups, a narrow row's bit 6; A = 0)
.else
@plane: ld c,(ix+0)             ; 1 << b
        xor a                   ; 8 i for the plane's i-th mask
@group: push af
        xor (ix+1)              ; its group's u: 8 g (PLANES_DOWN's g = 3 - i)
        ld l,a
.ifdef WP_WORD_TABLES           ; (the mask m as its entry's address: 2 m mod 256, then bit 0 m >> 7)
        inc de
        ld a,(de)
        rra
        dec de
        ld a,(de)
        rra
        inc de
.else
        ld a,(de)
.endif
        inc de
        mask_bits_into_row
        pop af
        add a,8
        cp 32
        jr nz,@group
        inc ix
        inc ix
        bit 3,c                 ; (PLANE_ORDER's last plane, 3: no end mark read, thirty-fifth round, zx48wide35)
        jr z,@plane
.ifdef WP_NARROW_WORDS
        call wp_wide_narrow_fix ; (a narrow row's bit 6: the complement of bit 7; A = 0)
.endif
.ifdef WP_NARROW_BITS
        pop af
.ifdef WP_NARROW_MARK_OUT
        jr nz,@unmarked         ; (a row with class bits: no mark; out's rows may be marked)
.endif
.endif
.if WP_WIDE_MARKS
        ld hl,-(PLANE_ROW_BYTES - 3)    ; (planes.s's mark: a narrow row's plane 6 group 3 byte is plane 7's, its
        add hl,de               ; bytes 3 and 4, not the complement) so its group 3's bit 6, unpacked as bit 7,
        ld a,(hl)               ; flips to bit 7's complement
        inc hl
        xor (hl)
        jr nz,@unmarked
        ld hl,wp_table_pages + 3 * 8
@flip:  ld a,(hl)
        xor 1 << 6
        ld (hl),a
        inc l
        bit 5,l                 ; (to column 32)
        jr z,@flip
@unmarked:
        xor a
.else
.ifdef WP_NARROW_BITS
@unmarked:
.endif
.ifndef WP_NARROW_WORDS
        xor a                   ; (the columns from 0: the planes' loop leaves 32)
.endif
.endif
.endif
        ld (wp_w),de            ; (the next row)
.ifdef WP_GROUP_FORMS
        ld h,a                  ; sum w x from 0 in 32 bits
        ld l,a
        ld (wp_wide_sum),hl
        ld (wp_wide_sum + 2),hl
        ld hl,(wp_x)
        wide_column_sums wp_table_pages, $80, wp_wide_sum
.else
        exx                     ; sum w x from 0 in 32 bits, D'E':H'L' (thirty-fifth round, zx48wide35: 13 bytes
        ld h,a                  ; fewer than wide_column_sums' sum in memory)
        ld l,a
        ld d,a
        ld e,a
        exx
        ld hl,(wp_x)
@column:
        push af                 ; (A: the column)
        ld e,(hl)
        inc hl
        ld d,(hl)
        inc hl
        push hl
        ld h,wp_table_pages >> 8
        ld l,a
        ld a,(hl)
        xor $80                 ; w
        ld c,a
        rla
        sbc a,a
        ld b,a
        call mul16s             ; DEHL = w x
        push de                 ; the sum += DEHL, in the other set
        push hl
        exx
        pop bc
        add hl,bc
        pop bc
        ex de,hl
        adc hl,bc
        ex de,hl
        exx
        pop hl
        pop af
        inc a
        cp 32
        jr nz,@column
        exx                     ; DEHL = the sum (the other set: its registers are clobbered)
.endif
        ld a,(wp_shift)
        call sra32
        call sat32to16
        ex de,hl
        ld hl,(wp_out)
        ld (hl),e
        inc hl
        ld (hl),d
        inc hl
        ld (wp_out),hl
        ld hl,wp_rows_count
        dec (hl)
        jp nz,@row
        ret
.ifndef WP_NARROW_WORDS                 ; (planes.s's, in bank 6, with WP_NARROW_WORDS)
wp_wide_order:                  ; soul_layout.PLANE_ORDER: 1 << b, then 24 where the groups run down (no end mark:
        .byte 1 << 7, 0, 1 << 6, 24, 1 << 5, 0, 1 << 4, 24, 1 << 0, 0, 1 << 1, 0, 1 << 2, 0, 1 << 3, 0   ; plane 3 ends it)
.ifdef WP_NARROW_BITS
wp_wide_order_narrow:           ; (a narrow row's: no plane 6, plane 7's bit as bits 7 and 6, its groups down)
        .byte 3 << 6, 24, 1 << 5, 0, 1 << 4, 24, 1 << 0, 0, 1 << 1, 0, 1 << 2, 0, 1 << 3, 0
wp_wide_bits:   .byte $80       ; (this byte's class bits left, as wp_rows' C'; a call reads its list's bits to their
                                ; end, which leaves $80, none, for the next)
.endif
.endif
.ifdef RUN_VARIABLES                   ; (the 48K player's: below its program, off the tape, after soulplayer.s's, build.py)
wp_wide_sum     = RUN_VARIABLES + RUN_VARIABLES_BYTES - 4
.else
wp_wide_sum:    .res 4
.endif

.ifdef SOUL_OUT_PLANES
; fw_out_logits - (the 48K's, twenty-seventh round, zxlogits48: forward_step's end jumps here) the final
; norm, then fw_next_token: fw_next = the argmax of out xn >> soul_out_shift over ids FIRST_CHOOSABLE..127 (intmath.argmax_token: the
; lowest id on a tie), out in plane_bytes' layout alone (SOUL_OUT_PLANES), returned in A too. Here, below
; UNCONTENDED, as it runs once a reply step (~5,000 T-states); planes.s's wp_tops, a row at a time, above.
; How: wp_tables on xn, then wp_tops: every row's top planes, Q (unsigned: 0..15 S), into its word of fw_logits,
; and the best T_b. A row's floor(W x / 16) lies in [Q + c, Q + c + floor((15 S + 15) / 16)], c = 8 K + r the
; same for every row (wp_tops),
; so a row whose top lies below T_b + 1 - D, D = floor((15 S + 15) / 16) + 2^(soul_out_shift - 4), ends
; 2^(shift - 4) or more below the best row's lower end: its logit lies strictly below the best's (no tie
; either) and it is passed over. The others (one or two a call: "hello" 1.25, the ten 2.50, the thirty 3.50,
; docs/spectrum.md) get their exact logits over their words by wp_rows, a row a call, in id order; the
; first strictly greater is kept (fw_out_best), so a tie keeps the lower id. fw_lg_chose 1 then: fw_logits
; holds tops and a few logits (kernelbench.forward_turn checks fw_next alone). An xn wp_tables declines
; (sum |x| > WP_MOST_SUM: none on the benchmarks' prompts): every row exact by wp_rows_wide, fw_lg_chose 0,
; the same scan with every row kept. Clobbers AF, BC, DE, HL, IX, B', DE' and HL' (AF' and C' in the wide path).
fw_out_logits:
        ld hl,soul_norm         ; logits = out . rmsnorm(h, norm), post shift 0 (forward_step's end)
        ld a,soul_norm_shift
        call fw_norm
fw_next_token:                  ; (the probes' entry for the output and the logits)
        ld hl,soul_out_choosable
        ld (mv_w),hl            ; (the cycles panel's matrix: the logits)
        .assert FW_FIRST_ROW == FIRST_CHOOSABLE, "SOUL_OUT_PLANES: out's planes from the first choosable row"
        .assert soul_out_shift >= WP_LEAST_SHIFT && soul_out_shift <= WP_LEAST_SHIFT + 15, "SOUL_OUT_PLANES: out's shift in planes.s's range"
        .assert (fw_logits & 255) == 0, "fw_out_logits: a row's word at fw_logits + 2 r, its low byte 2 r"
        ld (wp_w),hl
        ld hl,fw_logits + 2 * FIRST_CHOOSABLE
        ld (wp_out),hl
        ld a,FW_VOCAB - FIRST_CHOOSABLE
        ld (wp_rows_count),a
        ld a,soul_out_shift
        ld (wp_shift),a
        xor a
        ld (fw_next),a          ; (0: no row yet)
.ifdef WP_TOPS_BYTES
.ifdef WP_NARROW_BITS
        ld hl,fw_out_one_row    ; (the exact rows' class bits: one row, by its 8 planes)
        ld (wp_classes),hl
.endif
        call wb_tops            ; (logitbytes48.s: the one-byte tables, every row's Q_4, HL the best's)
        jr nc,fw_out_bytes
        call wp_tables          ; (S > WP_MOST_SUM: wp_tables declines it too)
        jp fw_out_wide
.else
        call wp_tables          ; (wp_x is fw_xn)
        jp c,fw_out_wide
.ifdef WP_NARROW_BITS
        ld hl,fw_out_one_row    ; (the exact rows' class bits: one row, by its 8 planes)
        ld (wp_classes),hl
.endif
        call wp_tops            ; HL the best top, each row's in its logit's word
        inc hl                  ; T_b + 1 (T_b <= 15 S)
        ex de,hl
        ld hl,(wp_sum)          ; D = (15 S + 15) >> 4 + 2^(shift - 4) = S - (S >> 4) + 2^(shift - 4)
        ld b,h
        ld c,l
        add hl,hl
        add hl,hl
        add hl,hl
        add hl,hl               ; H = S >> 4 (S <= 4,095: S << 4 fits a word)
        ld l,h
        ld h,0
        or a
        sbc hl,bc
        ld bc,-(1 << (soul_out_shift - WP_LEAST_SHIFT))
        add hl,bc               ; -D (D >= 1)
        add hl,de               ; the least kept: T_b + 1 - D, carry where that is 0 or more (else 0)
        ld a,1
        jr c,fw_out_scan
        ld hl,0
.endif
fw_out_scan:                    ; (HL the least kept, A fw_lg_chose: 1 by the planes, 0 every row exact)
        ld (fw_lg_chose),a
.ifndef WP_NARROW_BITS                  ; (WP_NARROW_BITS: wp_rows' one row by fw_out_one_row's bits)
        ld (wp_rows_count),a    ; (1: wp_rows' one row a call for each row kept; wp_rows_wide has run where 0)
.endif
        ld a,l
        ld (@least_low+1),a
        ld c,h
        ld b,FW_VOCAB - FIRST_CHOOSABLE
        ld hl,fw_logits + 2 * FIRST_CHOOSABLE + 1     ; (row 3's high byte)
@scan:  ld a,(hl)
        cp c
        jr nc,@maybe
@next:  inc l
        inc l
        djnz @scan
        ld a,(fw_next)
        ret
@maybe: jr nz,@kept
        dec l
        ld a,(hl)
        inc l
@least_low:
        cp 0                    ; (patched: the least kept's low byte)
        jr c,@next
@kept:  push hl
        push bc
        ld a,(fw_lg_chose)
        or a
        jr z,@judge             ; (every row exact already)
        dec l                   ; the row's exact logit over its word: wp_rows, one row
        ld (wp_out),hl
        ld h,0                  ; soul_out + 32 r = soul_out + 16 (2 r)
        .repeat 4
        add hl,hl
        .endrepeat
        ld de,soul_out
        add hl,de
        ld (wp_w),hl
.if WP_WIDE_MARKS * WP_NARROW_BITS_ON
        inc hl                  ; (WP_NARROW_BITS: wp_row reads no mark, so a marked row's plane 6 group 3 byte, its
        inc hl                  ; byte 4, flips to plane 7's complement for the call, and back)
        inc hl
        ld a,(hl)
        inc hl
        sub (hl)
        sub 1
        sbc a,a                 ; $FF: marked (bytes 3 and 4 equal), else 0
        push hl
        push af
        xor (hl)
        ld (hl),a
        call wp_rows
        pop af
        pop hl
        xor (hl)
        ld (hl),a
.else
        call wp_rows
.endif
@judge: pop bc
        pop hl
        ld a,(hl)               ; DE = the logit, sign flipped (unsigned order)
        xor $80
        ld d,a
        dec l
        ld e,(hl)
        inc l
        push hl
        ld a,(fw_next)
        or a
        jr z,@take              ; (the first row left)
        ld hl,(fw_out_best)
        sbc hl,de               ; (no carry: or a's)
        jr nc,@not              ; (a tie keeps the lower id)
@take:  ld (fw_out_best),de
        pop hl
        push hl
        ld a,l
        srl a                   ; r = (2 r + 1) >> 1
        ld (fw_next),a
@not:   pop hl
        jr @next
fw_out_wide:
.ifdef WP_NARROW_BITS
        ld hl,0                 ; (out's rows: no class bits)
        ld (wp_classes),hl
.endif
        call wp_rows_wide       ; (every row exact: wp_w, wp_out and wp_rows_count as set)
        xor a
        ld h,a
        ld l,a
.ifdef WP_NARROW_BITS
        jp fw_out_scan          ; (out of jr's reach past the exact rows' unmarking)
.else
        jr fw_out_scan
.endif
.ifdef WP_TOPS_BYTES
; fw_out_bytes - (WP_TOPS_BYTES, thirty-sixth round, zx48logit36) on wb_tops' tables and Q_4 words (HL the best's
; Q_4): with M = 2^s, a row's sum_b 2^b P'_b lies in [M Q_8, M Q_8 + 1,020 (M - 1)] and, from its planes 7..4 alone,
; at most 16 M Q_4 + 960 (M - 1) + 15 S; a row 2^shift or more below another's lower end has a strictly smaller
; logit (no tie either). The first list (the 128K's LG_BEST_LOWER): a row is kept where Q_4 >= floor((Q_8b - c) /
; 16) + 1, Q_8b the best Q_4 row's Q_8, c = ceil(15 S / M) + 960 - (960 >> s) + 2^(shift - s) (fw_wb_bounds); one
; row kept is the argmax. Else each kept row takes planes 3..0 (wb_low, Q_8 + 1 to FW_WB_QS) and the rows whose Q_8
; is the best's less D_8 - 1 or more (D_8 = 1,020 - (1,020 >> s) + 2^(shift - s)) are left: one is the argmax; more
; take their exact logits (their Q_8 + 1 in their words, the others' 0: wp_tables on xn, then fw_out_scan's wp_rows,
; the first strictly greater kept).
FW_WB_LIST      = WB_GLUE_VARS + 64         ; the rows kept: 2 r + 1 a byte (their words' high bytes' low bytes)
FW_WB_QS        = (FW_WB_LIST & $FF00) + 256    ; their Q_8 + 1, a word each, at 2 (the list's low byte)
FW_WB_BEST      = WB_GLUE_VARS          ; the largest Q_8 + 1 of the rows kept (run time, planes.s's pages)
FW_WB_END       = WB_GLUE_VARS + 2      ; the list's end's low byte
        .assert (FW_WB_LIST & 255) == 128 && FW_WB_LIST + FW_VOCAB - FIRST_CHOOSABLE <= FW_WB_QS, "fw_out_bytes: the list's Q_8 at 2 (its low byte)"
fw_out_bytes:
        ld ix,(wb_best_at)      ; the best's planes 3..0 (its plane 3 at byte 28)
        ld de,12
        add ix,de
        call wb_low
        push hl                 ; Q_8b
        ld hl,(wb_size)
        ld d,h
        ld e,l
        add hl,hl
        add hl,hl
        add hl,hl
        add hl,hl               ; (16 S < 65,536: no carry)
        sbc hl,de               ; 15 S (S <= 4,095)
        call fw_wb_ceil         ; ceil(15 S / M), DE = fw_wb_bounds' c
        add hl,de               ; c
        ex de,hl
        pop hl
        or a
        sbc hl,de               ; Q_8b - c: carry where below 0 (every row kept)
        jr nc,@from
        ld hl,0
        jr @least4
@from:  .repeat 4
        srl h
        rr l
        .endrepeat
        inc hl                  ; the least Q_4 kept: floor((Q_8b - c) / 16) + 1
@least4:
        ex de,hl                ; DE = the least Q_4 kept
        exx
        ld de,FW_WB_LIST        ; (the list's pointer in DE': rows are seldom kept)
        exx
        ld hl,fw_logits + 2 * FIRST_CHOOSABLE
        ld b,FW_VOCAB - FIRST_CHOOSABLE
@scan:  ld a,(hl)               ; Q_4 - the least, a whole word (most rows' high bytes are the least's)
        sub e
        inc l
        ld a,(hl)
        sbc a,d
        jr nc,@kept
@next:  inc l
        djnz @scan
        exx
        ld a,e
        exx
        ld (FW_WB_END),a
        sub FW_WB_LIST & 255
        dec a
        jr nz,@more
        ld a,(FW_WB_LIST)       ; (one row kept: the argmax)
        jp fw_out_id
@kept:  ld a,l                  ; (2 r + 1)
        exx
        ld (de),a
        inc e
        exx
        jr @next
@more:  ld hl,0
        ld (FW_WB_BEST),hl
        ld hl,FW_WB_LIST
@q8:    push hl                 ; each row kept's Q_8 + 1
        ld l,(hl)
        ld h,fw_logits >> 8
        ld d,(hl)
        dec l
        ld e,(hl)               ; Q_4
        ld a,l
        rrca                    ; r
        sub FIRST_CHOOSABLE
        ld l,a
        ld h,0
        .repeat 5
        add hl,hl
        .endrepeat
        ld bc,soul_out_choosable + 28
        add hl,bc
        push hl
        pop ix                  ; its plane 3
        ex de,hl
        call wb_low
        inc hl
        ex de,hl
        pop hl
        push hl
        ld a,l
        add a,a
        ld l,a
        inc h                   ; (FW_WB_QS)
        ld (hl),e
        inc l
        ld (hl),d
        ld hl,(FW_WB_BEST)
        or a
        sbc hl,de
        jr nc,@held
        ld (FW_WB_BEST),de
@held:  pop hl
        inc l
        ld a,(FW_WB_END)
        cp l
        jr nz,@q8
        call fw_wb_bound        ; DE = D_8
        ld hl,(FW_WB_BEST)
        or a
        sbc hl,de
        inc hl                  ; the least Q_8 + 1 left: best - D_8 + 1
        jr nc,@left
        ld hl,1                 ; (at least 1)
@left:  ex de,hl
        ld c,0
        ld hl,FW_WB_QS + ((FW_WB_LIST & 255) << 1 & 255)
@count: ld a,(hl)
        sub e
        inc l
        ld a,(hl)
        sbc a,d
        jr c,@below
        inc c
        ld a,l
        rrca                    ; (the list's low byte)
        ld b,FW_WB_LIST >> 8
        push bc
        ld c,a
        ld a,(bc)
        pop bc
        ld (fw_next),a          ; (2 r + 1: the last left)
@below: inc l
        ld a,(FW_WB_END)
        add a,a
        cp l
        jr nz,@count
        dec c
        ld a,(fw_next)
        jr z,fw_out_id
        push de                 ; more than one left: their exact logits
        ld hl,fw_logits + 2 * FIRST_CHOOSABLE
        ld de,fw_logits + 2 * FIRST_CHOOSABLE + 1
        ld bc,2 * (FW_VOCAB - FIRST_CHOOSABLE) - 1
        ld (hl),b               ; (B = 0)
        ldir                    ; every word 0, the rows kept's Q_8 + 1
        ld hl,FW_WB_LIST
@word:  ld e,(hl)
        ld d,fw_logits >> 8
        ld a,l
        add a,a
        ld c,a
        ld b,FW_WB_QS >> 8
        ld a,(bc)
        dec e
        ld (de),a
        inc c
        inc e
        ld a,(bc)
        ld (de),a
        inc l
        ld a,(FW_WB_END)
        cp l
        jr nz,@word
        call wp_tables          ; (on xn: S <= WP_MOST_SUM) the rows left exact
        pop hl
        xor a
        ld (fw_next),a
        inc a
        jp fw_out_scan
fw_out_id:                      ; A = 2 r + 1: the argmax r
        rrca
        and $7F
        ld (fw_next),a
fw_out_one:                     ; (one row left: fw_next)
        ld a,1
        ld (fw_lg_chose),a
        ld a,(fw_next)
        ret
; fw_wb_ceil: HL = ceil(HL / 2^s) (s = wb_scale), DE = fw_wb_bounds' c for that s; fw_wb_bound: DE = its D_8.
fw_wb_ceil:
        ld a,(wb_scale)
        or a
        jr z,fw_wb_bound_c
        ld b,a
@halve: srl h
        rr l
        jr nc,@even
        inc hl
@even:  djnz @halve
fw_wb_bound_c:
        ld a,(wb_scale)
        add a,a
        jr fw_wb_read
fw_wb_bound:
        ld a,(wb_scale)
        add a,a
        add a,10
fw_wb_read:
        push hl
        ld e,a
        ld d,0
        ld hl,fw_wb_bounds
        add hl,de
        ld e,(hl)
        inc hl
        ld d,(hl)
        pop hl
        ret
FW_WB_TIE       = 1 << soul_out_shift   ; 2^shift: 2^(shift - s) = FW_WB_TIE >> s (shift >= 4 >= s)
        .assert soul_out_shift <= 15, "WP_TOPS_BYTES: c and D_8 (at most 4,800 + 2^(shift - s)) in a word: the ladder takes it for out's shift 4..15"
fw_wb_bounds:   ; c's constant, then D_8, for s = 0..4
        .word 960 - (960 >> 0) + (FW_WB_TIE >> 0), 960 - (960 >> 1) + (FW_WB_TIE >> 1), 960 - (960 >> 2) + (FW_WB_TIE >> 2)
        .word 960 - (960 >> 3) + (FW_WB_TIE >> 3), 960 - (960 >> 4) + (FW_WB_TIE >> 4)
        .word 1020 - (1020 >> 0) + (FW_WB_TIE >> 0), 1020 - (1020 >> 1) + (FW_WB_TIE >> 1), 1020 - (1020 >> 2) + (FW_WB_TIE >> 2)
        .word 1020 - (1020 >> 3) + (FW_WB_TIE >> 3), 1020 - (1020 >> 4) + (FW_WB_TIE >> 4)
.endif
fw_out_best:    .word 0         ; the best logit so far, its sign flipped
fw_lg_chose:    .byte 0         ; 1: the last step's token by the planes (fw_logits: tops and the rows left's logits)
.ifdef WP_NARROW_BITS
fw_out_one_row: .byte $40, 0    ; (soul_layout.narrow_bits of one wide row: its 0, the 1 after it; the list's end)
.endif
fw_out_logits_end:
.endif

.ifdef SOUL_OUT_APART
; fw_out_exact - (twenty-eighth round, zxfc1l0: out by its planes alone, no matvec copy) A = the argmax of
; out xn >> soul_out_shift over the (lg_count) rows listed at LG_LIST (ids FIRST_CHOOSABLE on, in order), each
; exact on its plane_bytes row put together from lg_masks' two halves (on planes.s's dead table pages) by
; logitplanes.s's lg_row_logit (zxlogits128: ~14,800 T-states a row), or where lg_select declined (C: every
; choosable row) by wp_rows_wide (~39,000): the first strictly greater kept, so a tie keeps the lower id.
; Jumped to by forward.s's fw_logit_planes, bank FW_PLANES_BANK in; bank 0 back after, fw_lg_chose 1 (the
; player reads fw_next alone). Here in the cold part (no call of "hello" and the ten, 9 of the thirty's
; 201 calls: 2..8 rows), none where lg_select chose one row.
; Clobbers AF, BC, DE, HL, IX and the alternate set.
FW_OUT_ROW      = LG_TABLES + 256   ; (a plane_bytes row, then its logit: planes.s's tables are dead here; lg_row_logit's
                                    ; row, at the page after lg_page's)
fw_out_exact:
        jr nc,@left
        ld hl,LG_LIST           ; (declined: every row left, in order)
        xor a
@every: ld (hl),a
        inc l
        inc a
        cp FW_VOCAB - FIRST_CHOOSABLE
        jr nz,@every
        ld (lg_count),a
@left:  ld hl,0
        ld (fw_out_best),hl     ; (the best logit with its sign bit flipped: 0 is -32768)
        ld hl,LG_LIST
        ld a,(hl)
        ld (fw_out_id),a
@row:   push hl
        ld a,(hl)
        add a,FIRST_CHOOSABLE
        ld l,a
        ld h,0
        add hl,hl
        add hl,hl
        add hl,hl
        add hl,hl               ; 16 id
        ld de,lg_masks
        add hl,de
        ld de,FW_OUT_ROW
        ld bc,FW_DIM / 2
        ldir                    ; planes 7..4
        ld bc,lg_masks_low - lg_masks - FW_DIM / 2
        add hl,bc
        ld bc,FW_DIM / 2
        ldir                    ; planes 0..3
        call lg_row_logit       ; (NC: HL the row's logit from its planes; C: lg_select declined, wp_x set)
        jr nc,@logit
.ifdef LG_BANK_0
        call fw_out_wide        ; (forward.s's, below $C000: wp_rows_wide with bank FW_PLANES_BANK in)
.else
        ld (wp_out),de          ; (FW_OUT_ROW + FW_DIM)
        ld hl,FW_OUT_ROW
        ld (wp_w),hl
        ld a,1
        ld (wp_rows_count),a
        ld a,soul_out_shift
        ld (wp_shift),a
        call wp_rows_wide
        ld hl,(FW_OUT_ROW + FW_DIM)
.endif
@logit: ld a,h
        xor $80
        ld h,a
        ld de,(fw_out_best)
        scf
        sbc hl,de               ; NC: strictly greater
        pop bc
        jr c,@next
        add hl,de
        inc hl
        ld (fw_out_best),hl
        ld a,(bc)
        ld (fw_out_id),a
@next:  ld h,b
        ld l,c
        inc l
        ld a,(lg_count)
        dec a
        ld (lg_count),a
        jr nz,@row
        ld a,1
        ld (fw_lg_chose),a
        call zx_page_top
        ld a,(fw_out_id)
        add a,FIRST_CHOOSABLE
        ret
fw_out_best:    .word 0
fw_out_id:      .byte 0
.endif
