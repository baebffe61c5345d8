; logitplanes.s - the logits that may still be the largest, from the weights' top bit planes
; (Z80): for a 32-column int8 matrix (the logits' rows 3..127) and a vector of 32 signed
; words, the rows whose logit (sum w x) >> shift may equal the largest one; when one row is
; left it is the argmax (intmath.argmax_token's), with no product computed exactly. The
; 128K player's since the twenty-sixth round (docs/spectrum.md, "Twenty-sixth round: the logits
; by their top bit planes", branch zxcoarse): in bank 6 in planes.s's CODE block (build.planes_bank),
; the out matrix's masks after planes.s's six matrices, made by the first RUN as they are
; (records128.s's planes_first_run, planes.s's wp_make), its tables, sums and list on planes.s's
; table pages; forward.s's fw_logit_planes calls it before the logits' call (FW_LOGIT_PLANES); since the
; twenty-ninth round (zxqkv128c, LG_BANK_0) in bank 0 with out's masks' halves, its tables, sums and list on
; layer 0's fc1 table pages ($F000), bank 6's room planes.s's word masks'. The
; 48K has no room. The kernels' bench includes it after the others (SELECT_SOURCE).
;
; Entry point (interrupts off while it runs; it restores the state it found, IFF2 read with
; LD A,I; IY is kept; SP walks the masks and is put back):
;   lg_select   (lg_rows) rows of the masks at (lg_top) and (lg_low) against the 32 words at
;               (lg_x), the logits' shift in (lg_shift): (lg_count) rows left, their numbers
;               (0-based) from (lg_list), a byte each, in order; (lg_sums) takes a word a row
;               (each row's Q_4, then the rows left's Q in the list's order).
;               Carry set (nothing chosen) where it cannot take x: sum |x| above
;               LG_MOST_SUM (4,095: then no logit saturates at a shift of 4 or more) or
;               an x of -32768. lg_shift: 4..15.
; Clobbers AF, BC, DE, HL, IX and the alternate set.
;   lg_row_logit (twenty-eighth round, zxlogits128) a row's exact logit from its planes, for the rows
;               lg_select leaves with others (forward.s's fw_out_exact): below, by its code.
;
; How (soulterm/zx/logit_planes.py is its model, step for step): with u = w + 128 in bit
; planes (planes.s's form), sum w x = sum_b 2^b P'_b + C, P'_b = sum_g E_g[mask_gb] (g the
; 4 groups of 8 columns, E_g their subset sums less the group's negative x's sum N_g: 0..S_g)
; and C the same for every row. The tables here hold one byte an entry, e_g = E_g >> s, s the
; least scale for which the groups' S_g >> s add up to 255 at most, so that a plane's sum A_b
; of 4 entries stays in A and 2^s A_b <= P'_b <= 2^s A_b + 4 (2^s - 1). A row's first k planes
; give Q_k = sum of 2^(k-1-i) A_(7-i), and its sum lies in [Q_k M + C, Q_k M + C + W_k], M =
; 2^(s+8-k), W_k = (256 - 2^(8-k)) 4 (2^s - 1) + (2^(8-k) - 1) S. A row whose Q_k is D_k or
; more below the best Q_k lies 2^shift or more below that row's lower end, so its logit is
; strictly smaller: D_k (lg_threshold) bounds (W_k + 2^shift) / M from above. Every row takes
; planes 7..4 (k = 4); then the rows left take plane 3, 2, 1, 0 in turn until one is left.
;
; The tables: 4 pages from (lg_page), e_g[16 a + b] = the high byte of A'[a] + B'[b], the
; group's subset sums over x_4..x_7 (from -N_hi) and x_0..x_3 (from -N_lo) scaled by 2^(8-s)
; (exact modulo 2^16, as each entry's E_g 2^(8-s) < 2^16 is: so are the scaled words and -N from
; them): A'[a] + B'[15] in Gray order (a odd), then each page from its end down by pushes, a row
; of 16 from A'[a] + B'[15] (an even a's from the row above's end, x_0 + .. + x_3 - x_4 on) and each entry one step from the one above (B'[b - 1] - B'[b]: -x_0, or
; x_0 - x_1, x_0 + x_1 - x_2, x_0 + x_1 + x_2 - x_3 by b's lowest set bit, in the fill's immediates).
; The masks: soul_layout.plane_bytes' rows (32 bytes a row: planes 7, 6, 5, 4, planes 6 and 4 from
; group 3 down, then planes 0, 1, 2, 3), as planes.s's, so that planes.s's wp_make makes them, then
; split by lg_split (the first RUN's): every row's planes 7..4 (16 bytes) from lg_top, every row's
; planes 0..3 from lg_low (logit_planes.split_masks).
;
; LG_ROWS_PAIRED (the 128K player's with LG_BANK_0, thirty-third round, zxlogit33): the row pass and the
; first list two rows a round (its 94 bytes more would overflow bank 6's block in the forms that keep
; logitplanes.s there). With it in the 128K player since the thirty-fourth round (zxlogit34):
; LG_STARTS_IN_PAGE: the fill reads each odd row's start A'[a] + B'[15] from the page itself, where the Gray
; sums stored it (16 a + 14: the row's first push writes over it), by dec sp / dec sp / pop hl, 22 T-states for
; the 58 of IX's reads from lg_a_sums; the Gray sums' 8 stores take the group's page, patched a group (117). The
; same bytes: lg_a_sums' 16 and IX's reads' 14 for the patches' 27 and the reads' 3.
; LG_NEGATIVES_SUBTRACTED: S_g adds a negative x's |x| as HL - x (or a / sbc hl,de: no borrow where the sum
; passes 16 bits) for its negation and add, 11 T-states fewer a negative x, 5 a positive one (the jr's sense); the
; scaled words add a negative one to N (add hl,de / ex de,hl, 12 fewer than taking it from -N) and A'[0] + B'[15]
; subtracts a group's N once (N_lo and N_hi one sum: the group's 8 words one run, one lg_patch_words): 36 bytes
; fewer. LG_BEST_LOWER: the first list against T' from the best row's own planes 3..0 (lg_best_lower, below) for
; T = best - D_4 + 1: D_4 takes the best's sum as at least Q_4 M, as if its planes 3..0 added nothing, though they
; add about half of the 15 S that bounds a row's from above. On the engine's logits inputs (python
; benchmarks/z80_logits_kept.py [--everyday | --prompts F]) the rows left at k = 4 go from 11.94 to 1.28 a call
; on the ten (15.12 to 1.88 on the thirty held out), one row left there in 53 of 64 calls (144 of 201): no further
; plane, no lg_threshold. lg_row_best keeps SP past the best's planes 7..4 (lg_best_at); lg_best_lower lies
; past out's planes 0..3 in the player (LG_BEST_LOWER_APART: 147 bytes with lg_best_at; bank 0's room before
; fc1planes.s's copy has 2 left after the row pass's 8).
;
; T-states (the 128K kernels' bench with logit_planes.BANK_0_FORM's options, the shipped 128K's, CALL and RET
; included; tests/test_kernels_z80_logit_planes.py):
; on "hello"'s four reply steps' logits (rows 3..127 of the shipped out matrix) mean 108,474
; (107,181 to 109,819; one row left each time, at the first list); with one row 42,848 (the four tables: the fill
; ~27,000, 459 a row of 16 entries: 51 a push of two and a step, an odd row's start 22 from its page, an
; even row's 21 by a step from the row above; S, s and the words' patches 3,720, the scaled x and N with SP
; reading x, the steps and A'[a] in Gray order 8,340: a reply step's, z80_step_phases.py's lg_select and
; lg_words_lo and lg_words_hi);
; every row's planes 7..4 ~467 a row (the plane 110 with its Horner step, the store 34 with Q_4's high
; byte left in A, the best 20 by that byte where it lies below the best's, 50 where it is the same, the
; loop 9: two rows a round, lg_row and lg_row_odd; SP reads the rows' planes 7..4 one after another,
; lg_split's layout; ~480 without LG_ROWS_PAIRED: a row a round, Q_4 stored through HL, 24 the best);
; the first list ~38 a row (SP reading the Q, -T added; two rows a round; 45 a row without it); each row left ~285 a further plane (its masks' address, its Q in the list's order by SP, the
; best) and ~56 for the list again. (zxlogits2's steps from zxcoarse's 150,959: the rows left's Q
; in the list's order 144,424 (read by their numbers, ~860 a row a plane, before); x scaled as SP
; reads it 137,826; S, s and the row's step 135,378; lg_threshold's table 133,872; the Gray sums
; 132,620; the fill by pushes 125,232 (an entry 33 before: A'[a] + B'[b] by an add and an adc); every
; other row's start by a step 123,800 (zxstep128c: each by IX before); planes 7..4 of every row
; apart from their planes 0..3 (lg_split) 120,470 (a row's step past its planes 0..3, 27, gone); the best
; in DE by its high byte first 119,592 (zxlogits128: 40 a row by IY before); a further plane's Q read
; and written back by SP, 119,019 (by IY before, 45 more a row; the form without LG_ROWS_PAIRED); with
; LG_ROWS_PAIRED (the shipped 128K's, LG_BANK_0's: thirty-third round, zxlogit33) the row pass and the
; first list two rows a round, the row's Q_4 stored by DE' with its high byte left in A for the best's
; test, 116,726 (~2,300: ~9 a row the loop, 4 the store, ~6 the first list), and lg_floors' table
; computed in lg_threshold for its bytes in bank 0, 117,271 (~270 a threshold); thirty-fourth round (zxlogit34):
; LG_STARTS_IN_PAGE each odd row's start from its page, 116,531 (36 an odd row, 117 a group's patches);
; LG_NEGATIVES_SUBTRACTED's S_g, 116,297, and its words' N, 115,835 (40 bytes fewer); lg_floors' table
; again in those bytes, 115,290; LG_BEST_LOWER's first list, 108,474 (lg_count_left's further planes and
; lg_threshold gone where one row is left: ~6,800 a call on "hello").
; 160,104 with the rows kept
; in the row pass against a rising threshold: 5 to 88 rows kept, the best late (zxlogits128's form of it,
; each row's Q_4 against T = best - D_4 + 1 in IY, 120,692: ~48 rows kept, each dearer than a dropped one saves).
; 146,244 with a copy of planes 7..4, 16 bytes a row, on the tape (zxcoarse); 170,805 mean with D_k
; from T_s + 4 rather than S: 34.75 rows left after plane 4 against 11.25.)
; Its bytes: 1,967 on the kernels' bench with BANK_0_FORM's options (lg_best_lower's 147 with lg_best_at; the
; tables' 1,024 apart; the fill 131, the steps, the Gray-order A' and their page patches ~217, the 8 scaled words
; 160, lg_scaled 20, lg_floors 50, the row pass's second row ~95 and the first list's ~40, lg_split 63,
; lg_row_logit 177 with its order); 1,710 without them (one row a round; lg_a_sums and IX's reads; S_g by
; negation, -N_lo and -N_hi apart). In bank 6 (SOUL_OUT_APART, out's masks split on the tape) no
; lg_split, and 6 more where lg_row_logit sets planes.s's wp_x.

LG_GROUPS       = 4
LG_MOST_SUM     = 4095          ; sum |x| above it and a logit might saturate (|W x| <= 128 S): declined
LG_ROW_BYTES    = 32            ; bytes a row of the masks (plane_bytes'): planes 7..4 at lg_top, 0..3 at lg_low
LG_PAIR_BYTES   = 8             ; lg_fill's two entries and a step
LG_PAIR_STEP    = 5             ; the step's immediate in them

lg_x:           .word 0         ; the 32 words of x
lg_top:         .word 0         ; the first row's planes 7..4, LG_ROW_BYTES / 2 a row
lg_sums:        .word 0         ; a word a row: Q_k
lg_list:        .word 0         ; a byte a row: the rows left
lg_rows:        .byte 0         ; 1..255
lg_shift:       .byte 0         ; the logits' shift
lg_page:        .byte 0         ; the tables' first page (4 pages)
lg_low:         .word 0         ; the first row's planes 0..3, LG_ROW_BYTES / 2 a row
        .assert lg_low == lg_x + 11, "lg_x..lg_low in this order: forward.s's fw_logit_planes sets them by one ldir"
lg_count:       .byte 0         ; out: the rows left
lg_saved_sp:    .word 0
.ifdef LG_BEST_LOWER
.ifndef LG_ROWS_PAIRED
        .assert 0, "LG_BEST_LOWER: lg_row_best (LG_ROWS_PAIRED's row pass) keeps the best's row"
.endif
.endif
lg_saved_iy:    .word 0
lg_ints:        .byte 0
lg_scale:       .byte 0         ; s
lg_size:        .word 0         ; S
lg_level:       .byte 0         ; k
lg_left:        .byte 0         ; rows of the list still to take the next plane
lg_table_page:  .byte 0
lg_group_x:     .word 0
lg_sizes:       .res 2 * LG_GROUPS      ; S_g
lg_scaled:      .res 20         ; the group's 8 x, then -N_lo and -N_hi, scaled by 2^(8-s) (LG_NEGATIVES_SUBTRACTED:
                                ; N_lo + N_hi, then A'[0] + B'[15])
.ifndef LG_STARTS_IN_PAGE
lg_a_sums:      .res 16         ; A'[a] + B'[15], a odd (1, 3, .., 15)
.endif

; The subset sums A'[a] in Gray order (planes.s's way: each one x more or less than the one before,
; HL the sum) into lg_a_sums (LG_STARTS_IN_PAGE: into the group's page, lg_a_store).
; Only odd a's are kept (A'[a] at lg_a_sums + a - 1): the fill steps from row a to a - 1.
        .macro lg_a_add reg
        add hl,reg
        .endmacro
        .macro lg_a_sub reg
        or a
        sbc hl,reg
        .endmacro
; lg_a_add_kept, lg_a_sub_kept: the same, a odd: A'[a] + B'[15] kept (lg_a_store), its store's page byte
; at `site`.
        .macro lg_a_add_kept reg, index, site
        add hl,reg
site = * + 2
        lg_a_store index
        .endmacro
        .macro lg_a_sub_kept reg, index, site
        or a
        sbc hl,reg
site = * + 2
        lg_a_store index
        .endmacro
.ifdef LG_STARTS_IN_PAGE
; lg_a_store: A'[a] + B'[15] where row a's first push writes it (16 a + 14 in the group's page: the fill
; reads it by dec sp / dec sp / pop hl); its page byte patched a group (lg_table's, at LG_START_PAGE_a)
        .macro lg_a_store index
        ld (16 * (index) + 14),hl       ; patched: + the group's page, 256 times
        .endmacro
.else
        .macro lg_a_store index
        ld (lg_a_sums + (index) - 1),hl
        .endmacro
.endif
; lg_plane_up: A = a plane's four entries, the masks popped (groups 0 and 1, then 2 and 3), H
; from group 0's page up to group 3's; lg_plane_down from group 3's down (masks 3 and 2, 1 and 0).
        .macro lg_plane_up
        pop bc
        ld l,c
        ld a,(hl)
        inc h
        ld l,b
        add a,(hl)
        inc h
        pop bc
        ld l,c
        add a,(hl)
        inc h
        ld l,b
        add a,(hl)
        .endmacro
        .macro lg_plane_down
        pop bc
        ld l,c
        ld a,(hl)
        dec h
        ld l,b
        add a,(hl)
        dec h
        pop bc
        ld l,c
        add a,(hl)
        dec h
        ld l,b
        add a,(hl)
        .endmacro
; lg_keep_q: a row kept, HL its Q - T (DE = -T): its Q to (HL'), HL' past it (inline: a call's
; return address would lie on the word SP has just read, where HL' may write).
        .macro lg_keep_q
        or a
        sbc hl,de               ; Q
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
        .endmacro
; lg_scale_word: the next x (SP's) doubled 8 - s times (the jr's displacement patched to s, past s
; of the 8) to lg_scaled + at, taken from DE where it is negative (bit 7,h's Z: add hl,hl keeps it;
; -N scaled summed from the scaled words, exact modulo 2^16 as the entries are).
        .macro lg_scale_word at
        pop hl
        bit 7,h
        jr * + 2                ; patched: + s (LG_WORD_JR)
        .repeat 8
        add hl,hl
        .endrepeat
        ld (lg_scaled + at),hl
.ifdef LG_NEGATIVES_SUBTRACTED
        jr z,* + 4              ; (LG_NEGATIVES_SUBTRACTED: N, the negative words' sum, in DE, subtracted once
        add hl,de               ; a group)
        ex de,hl
.else
        jr z,* + 7
        ex de,hl
        or a
        sbc hl,de
        ex de,hl
.endif
        .endmacro
LG_WORD_JR      = 4             ; lg_scale_word's jr displacement from its start
.ifdef LG_NEGATIVES_SUBTRACTED
LG_WORD_BYTES   = 20
LG_WORDS_PATCHED = 8            ; a group's 8 words one after another: one lg_patch_words
.else
LG_WORD_BYTES   = 23
LG_WORDS_PATCHED = 4            ; lg_words_lo's, then lg_words_hi's
.endif
; lg_fill_row: a row of 16 entries from HL (A'[a] + B'[15]) down, SP pushing two entries a push; HL
; ends at A'[a] + B'[0].
        .macro lg_fill_row
        .repeat 7
        ld d,h                  ; e_g[m], m odd
        add hl,bc
        ld e,h                  ; e_g[m - 1]
        push de
        ld de,0                 ; patched: the step from m - 1 (LG_PAIR_STEP)
        add hl,de
        .endrepeat
        ld d,h
        add hl,bc
        ld e,h
        push de
        .endmacro
; lg_horner: HL' = 2 HL' + A (B' = 0).
        .macro lg_horner
        exx
        ld c,a
        add hl,hl
        add hl,bc
        exx
        .endmacro

; lg_q_4: a row's planes 7..4 (SP on them, H on lg_page) to Q_4 in HL (the other set's HL where the main set
; came in).
        .macro lg_q_4
        lg_plane_up
        exx
        ld l,a
        ld h,b
        exx
        lg_plane_down
        lg_horner
        lg_plane_up
        lg_horner
        lg_plane_down
        exx
        ld c,a
        add hl,hl
        add hl,bc               ; Q_4
        .endmacro
; lg_row_q: lg_q_4, stored at DE' (DE' past it); A = Q_4's high byte, the main set in.
        .macro lg_row_q
        lg_q_4
        ld a,l
        ld (de),a
        inc de
        ld a,h
        ld (de),a
        inc de
        exx
        .endmacro
; lg_row_low_below: Q_4's high byte is the best's: on to `below` where its low byte is lower too.
        .macro lg_row_low_below below
        exx
        ld a,l
        exx
        cp e
        jr c,below
        .endmacro
; lg_row_best: Q_4 (HL') the best (DE).
        .macro lg_row_best
        exx
        ld a,l
        exx
        ld e,a
        exx
        ld a,h
        exx
        ld d,a
.ifdef LG_BEST_LOWER
        ld (lg_best_at),sp      ; (past its planes 7..4: lg_best_lower's row)
.endif
        .endmacro

lg_select:
        ld a,i                  ; IFF2 to lg_ints, then DI (matvec.s's way)
        di
        ld a,0
        jp po,@off
        inc a
@off:   ld (lg_ints),a
        ld (lg_saved_sp),sp
        ld (lg_saved_iy),iy
        ; S_g of each group (SP reading x), then S: a group's sum past 16 bits is declined by its
        ; carry, and S above LG_MOST_SUM below (so is -32768, whose |x| is $8000)
        ld sp,(lg_x)
        ld ix,lg_sizes
        ld c,LG_GROUPS
@group: ld hl,0
        ld b,8
.ifdef LG_NEGATIVES_SUBTRACTED
@col:   pop de
        bit 7,d
        jr nz,@minus            ; (a negative x's |x| subtracted: below, past @length's loop)
        add hl,de
        jp c,lg_decline         ; (SP put back there)
        djnz @col
@sized:
.else
@col:   pop de
        bit 7,d
        jr z,@plus
        xor a                   ; |x| = -x
        sub e
        ld e,a
        sbc a,a
        sub d
        ld d,a
@plus:  add hl,de
        jp c,lg_decline         ; (SP put back there)
        djnz @col
.endif
        ld (ix+0),l
        ld (ix+1),h
        inc ix
        inc ix
        dec c
        jr nz,@group
        ld sp,(lg_saved_sp)
        ld hl,(lg_sizes)        ; S = sum_g S_g, at most LG_MOST_SUM (no logit saturates)
        ld de,(lg_sizes + 2)
        add hl,de
        ld de,(lg_sizes + 4)
        add hl,de
        jp c,lg_decline
        ld de,(lg_sizes + 6)
        add hl,de
        jp c,lg_decline
        ld a,h
        and $F0
        jp nz,lg_decline
        ld (lg_size),hl
        ; s, the least for which sum_g S_g >> s <= 255: s0 (S's high byte's bit length) or s0 - 1,
        ; as S >> s0 <= 255 and the floors lose less than 4 (sum_g S_g >> (s0 - 2) > 512 - 4)
        ld a,h
        ld c,0
@length:
        or a
        jr z,@long
        srl a
        inc c
        jr @length
.ifdef LG_NEGATIVES_SUBTRACTED
@minus: or a                    ; |x| = -x added as HL - x: no borrow where the sum passes 16 bits
        sbc hl,de
        jp nc,lg_decline
        djnz @col
        jr @sized
.endif
@long:  ld a,c
        or a
        jr z,@scaled            ; S below 256: s = 0
        dec c                   ; s0 - 1, if sum_g S_g >> (s0 - 1) <= 255
        ld ix,lg_sizes
        ld de,0
        ld b,LG_GROUPS
@each:  ld l,(ix+0)
        ld h,(ix+1)
        ld a,c
        or a
        jr z,@added
@halve: srl h
        rr l
        dec a
        jr nz,@halve
@added: add hl,de
        ex de,hl
        inc ix
        inc ix
        djnz @each
        ld a,d
        or a
        jr z,@scaled
        inc c                   ; (S <= 4095: s <= 4)
@scaled:
        ld a,c
        ld (lg_scale),a
        ld hl,lg_words_lo + LG_WORD_JR  ; each word's jr past s of its 8 doublings
        call lg_patch_words
.ifndef LG_NEGATIVES_SUBTRACTED
        ld hl,lg_words_hi + LG_WORD_JR
        call lg_patch_words
.endif
        ld hl,(lg_x)
        ld (lg_group_x),hl
        ld a,(lg_page)
        ld (lg_table_page),a
; the tables, a group at a time: its 8 x, -N_lo (x_0..x_3's negative ones' sum, negated) and
; -N_hi (x_4..x_7's) scaled by 2^(8-s) into lg_scaled; B'[b] from -N_lo into lg_fill's
; immediates, A'[a] from -N_hi into lg_a_sums; then the fill.
lg_table:
.ifdef LG_STARTS_IN_PAGE
        ld a,(lg_table_page)    ; the row starts' stores into this group's page
        ld (LG_START_PAGE_1),a
        ld (LG_START_PAGE_3),a
        ld (LG_START_PAGE_5),a
        ld (LG_START_PAGE_7),a
        ld (LG_START_PAGE_9),a
        ld (LG_START_PAGE_11),a
        ld (LG_START_PAGE_13),a
        ld (LG_START_PAGE_15),a
.endif
        ld sp,(lg_group_x)      ; SP reads the group's x (nothing pushed while it does)
        ld de,0
lg_words_lo:
        .repeat 4, i
        lg_scale_word 2 * i
        .endrepeat
.ifdef LG_NEGATIVES_SUBTRACTED
lg_words_hi:
        .assert lg_words_hi - lg_words_lo == 4 * LG_WORD_BYTES, "lg_scale_word: LG_WORD_BYTES"
        .repeat 4, i
        lg_scale_word 8 + 2 * i
        .endrepeat
        ld (lg_scaled + 16),de  ; N = N_lo + N_hi scaled (the group's negative words' sum)
.else
        ld (lg_scaled + 16),de  ; -N_lo scaled
        ld de,0
lg_words_hi:
        .assert lg_words_hi - lg_words_lo == 4 * LG_WORD_BYTES + 7, "lg_scale_word: LG_WORD_BYTES"
        .repeat 4, i
        lg_scale_word 8 + 2 * i
        .endrepeat
        ld (lg_scaled + 18),de  ; -N_hi scaled
.endif
        ld (lg_group_x),sp
        ; the fill's steps (b down by one: -x_0 in BC, one of x_0 - x_1, x_0 + x_1 - x_2 and x_0 + x_1 +
        ; x_2 - x_3 in its immediates, b's lowest set bit's) and B'[15] = -N_lo + x_0 + .. + x_3, added
        ; to -N_hi (A'[a] + B'[15] in lg_a_sums: a row's first entry)
        ld hl,(lg_scaled)
        ld de,(lg_scaled + 2)
        or a
        sbc hl,de
        .repeat 4, site
        ld (lg_fill_pairs + LG_PAIR_BYTES * 2 * site + LG_PAIR_STEP),hl
        ld (lg_fill_pairs_even + LG_PAIR_BYTES * 2 * site + LG_PAIR_STEP),hl
        .endrepeat
        add hl,de
        add hl,de               ; x_0 + x_1
        ld de,(lg_scaled + 4)
        or a
        sbc hl,de
        ld (lg_fill_pairs + LG_PAIR_BYTES * 1 + LG_PAIR_STEP),hl
        ld (lg_fill_pairs + LG_PAIR_BYTES * 5 + LG_PAIR_STEP),hl
        ld (lg_fill_pairs_even + LG_PAIR_BYTES * 1 + LG_PAIR_STEP),hl
        ld (lg_fill_pairs_even + LG_PAIR_BYTES * 5 + LG_PAIR_STEP),hl
        add hl,de
        add hl,de               ; x_0 + x_1 + x_2
        ld b,h
        ld c,l
        ld de,(lg_scaled + 6)
        or a
        sbc hl,de
        ld (lg_fill_pairs + LG_PAIR_BYTES * 3 + LG_PAIR_STEP),hl
        ld (lg_fill_pairs_even + LG_PAIR_BYTES * 3 + LG_PAIR_STEP),hl
        ld h,b
        ld l,c
        add hl,de               ; x_0 + .. + x_3 = B'[15] - B'[0]
        ld de,(lg_scaled + 8)   ; less x_4 (A'[a - 1] - A'[a], a odd): row a's end to row a - 1's start
        or a
        sbc hl,de
        ld (lg_fill_row_step),hl
        add hl,de
.ifdef LG_NEGATIVES_SUBTRACTED
        ld de,(lg_scaled + 16)
        or a
        sbc hl,de               ; A'[0] + B'[15] = x_0 + .. + x_3 - N_lo - N_hi
.else
        ld de,(lg_scaled + 16)
        add hl,de               ; B'[15]
        ld de,(lg_scaled + 18)
        add hl,de
.endif
        ld (lg_scaled + 18),hl
        ; A'[a] + B'[15] over x_4..x_7 in Gray order: BC, DE and SP the first three x (BC the
        ; fourth for one step), HL the sum
        ld bc,(lg_scaled + 8)
        ld de,(lg_scaled + 10)
        ld sp,(lg_scaled + 12)      ; (nothing pushed: interrupts off)
        ld hl,(lg_scaled + 18)  ; A'[0] + B'[15] (row 0's start is stepped to)
        lg_a_add_kept bc, 1, LG_START_PAGE_1
        lg_a_add_kept de, 3, LG_START_PAGE_3
        lg_a_sub bc                     ; 2
        lg_a_add sp                     ; 6
        lg_a_add_kept bc, 7, LG_START_PAGE_7
        lg_a_sub_kept de, 5, LG_START_PAGE_5
        lg_a_sub bc                     ; 4
        ld bc,(lg_scaled + 14)
        lg_a_add bc                     ; 12
        ld bc,(lg_scaled + 8)
        lg_a_add_kept bc, 13, LG_START_PAGE_13
        lg_a_add_kept de, 15, LG_START_PAGE_15
        lg_a_sub bc                     ; 14
        lg_a_sub sp                     ; 10
        lg_a_add_kept bc, 11, LG_START_PAGE_11
        lg_a_sub_kept de, 9, LG_START_PAGE_9
        lg_a_sub bc                     ; 8
        ; e_g[m] = the high byte of A'[a] + B'[b], m = 16 a + b from 255 down, SP pushing two entries
        ; a push: a row from lg_a_sums, then one step an entry
        ld bc,(lg_scaled)
        xor a
        sub c
        ld c,a
        sbc a,a
        sub b
        ld b,a                  ; -x_0
        ld a,(lg_table_page)
        inc a
        ld h,a
        ld l,0
        ld sp,hl                ; the page's end
.ifdef LG_STARTS_IN_PAGE
        ld a,8
lg_fill:
        dec sp                  ; row a's start, a odd: where its first push writes
        dec sp
        pop hl
.else
        ld ix,lg_a_sums + 14
        ld a,8
lg_fill:
        ld l,(ix+0)             ; row a's start, a odd
        ld h,(ix+1)
        dec ix
        dec ix
.endif
lg_fill_pairs:
        lg_fill_row
lg_fill_row_step = * + 1
        ld de,0                 ; patched: x_0 + .. + x_3 - x_4 (row a's end, A'[a] + B'[0], to row a - 1's start)
        add hl,de
lg_fill_pairs_even:
        lg_fill_row
        dec a
        jp nz,lg_fill
        ld sp,(lg_saved_sp)
        ld a,(lg_table_page)
        inc a
        ld (lg_table_page),a
        ld hl,lg_page
        sub (hl)
        cp LG_GROUPS
        jp nz,lg_table
.ifdef LG_ROWS_PAIRED
; every row's planes 7..4: Q_4 to lg_sums (H walks the pages up, down, up, down), two rows a round of
; the loop (lg_row, then lg_row_odd: an odd count enters at the second)
        exx
        ld de,(lg_sums)         ; DE' = the row's word
        ld b,0                  ; B' = 0 (a plane's sum added as BC')
        exx
        ld de,0                 ; the best Q_4 so far
        ld a,(lg_page)
        ld h,a
        ld sp,(lg_top)
        ld a,(lg_rows)
        srl a                   ; the rounds: rows / 2, one more where rows is odd (carry)
        .byte $DD,$6F           ; ld ixl,a
        jr nc,lg_row
        .byte $DD,$2C           ; inc ixl
        jr lg_row_odd
lg_row:
        lg_row_q
        cp d                    ; Q_4 against the best (DE): by its high byte alone where that is lower
        jr c,lg_row_odd         ; (most rows)
        jr nz,@best
        lg_row_low_below lg_row_odd
@best:  lg_row_best             ; (on to the round's second row)
lg_row_odd:
        lg_row_q
        cp d
        jr c,@below
        jr nz,@best
        lg_row_low_below @below
@best:  lg_row_best
@below: .byte $DD,$2D           ; dec ixl (SP on the next row's planes 7..4: H is back on lg_page)
        jp nz,lg_row
.else
; every row's planes 7..4: Q_4 to lg_sums (H walks the pages up, down, up, down)
        exx
        ld de,(lg_sums)         ; DE' = the row's word
        ld b,0                  ; B' = 0 (a plane's sum added as BC')
        exx
        ld a,(lg_rows)
        .byte $DD,$6F           ; ld ixl,a: the rows
        ld de,0                 ; the best Q_4 so far
        ld a,(lg_page)
        ld h,a
        ld sp,(lg_top)
lg_row:
        lg_q_4
        ex de,hl
        ld (hl),e
        inc hl
        ld (hl),d
        inc hl
        ex de,hl
        ld a,h                  ; Q_4 against the best (DE): by its high byte alone where that is lower
        exx
        cp d
        jr c,@below             ; (most rows)
        jr nz,@best
        exx
        ld a,l
        exx
        cp e
        jr c,@below
@best:  exx                     ; as large as the best or larger: the best
        ld a,l
        exx
        ld e,a
        exx
        ld a,h
        exx
        ld d,a
@below: .byte $DD,$2D           ; dec ixl (SP on the next row's planes 7..4: H is back on lg_page)
        jp nz,lg_row
.endif
        ld sp,(lg_saved_sp)
        ld a,4
        ld (lg_level),a
        ; the rows left at k = 4: every row against the best, their Q_4 moved down to the list's
        ; positions in lg_sums (a word a row left, in the list's order, from here on)
.ifdef LG_BEST_LOWER
        jp lg_best_lower        ; DE = the least Q_4 kept from the best's Q_8 (at least 0), back to lg_first_list
lg_first_list:
.else
        call lg_threshold       ; DE = the least Q_k kept (best - D_k + 1, at least 0)
.endif
        ld a,(lg_rows)
        ld b,a
        ld c,0                  ; the row's number
        ld ix,(lg_list)
        ld a,d
        or e
        jr z,@every             ; 0: every row left, its Q_4 in place
        call lg_negate          ; DE = -T: Q + DE carries where Q >= T
        exx
        ld hl,(lg_sums)         ; HL' = where the next Q_4 left goes
        exx
        ld sp,(lg_sums)
.ifdef LG_ROWS_PAIRED
        srl b                   ; two rows a round, an odd count entering at the second
        jr nc,@first
        inc b
        jr @second
@first: pop hl
        add hl,de
        jr c,@kept
        inc c
@second:
        pop hl
        add hl,de
        jr c,@kept_second
        inc c
        djnz @first
        jr @listed
@kept:  ld (ix+0),c
        inc ix
        lg_keep_q
        inc c
        jr @second
@kept_second:
        ld (ix+0),c
        inc ix
        lg_keep_q
        inc c
        djnz @first
        jr @listed
@every: ld (ix+0),c
        inc ix
        inc c
        djnz @every
        jr lg_count_left
@listed:
        ld sp,(lg_saved_sp)
.else
@first: pop hl
        add hl,de
        jr c,@kept
        inc c
        djnz @first
        jr @listed
@kept:  ld (ix+0),c
        inc ix
        lg_keep_q
        inc c
        djnz @first
@listed:
        ld sp,(lg_saved_sp)
        jr lg_count_left
@every: ld (ix+0),c
        inc ix
        inc c
        djnz @every
.endif
; the list's length (IX past its end); then, while more than one row is left and a plane is,
; that plane for the rows left (their Q in lg_sums in the list's order), their best, the list again
lg_count_left:
        .byte $DD,$7D           ; ld a,ixl
        ld hl,(lg_list)
        sub l
        ld (lg_count),a
        cp 2
        jp c,lg_done            ; one row (or none) left
        ld a,(lg_level)
        cp 8
        jp z,lg_done            ; every plane summed
        inc a
        ld (lg_level),a
        sub 8
        neg                     ; the plane, 8 - k: 3, 2, 1, 0 in turn
        add a,a
        add a,a                 ; its masks' offset in a row of lg_low's
        ld hl,(lg_low)
        add a,l
        ld l,a
        adc a,h
        sub l
        ld h,a
        ld (LG_PLANE_AT),hl
        ld a,(lg_page)
        ld (LG_PLANE_PAGE),a
        ld a,(lg_count)
        ld (lg_left),a
        ld ix,(lg_list)
        ld iy,(lg_sums)
        exx
        ld de,0                 ; DE' = the best Q so far
        ld b,d                  ; B' = 0
        exx
@next:  ld a,(ix+0)             ; the row's masks: 16 r = (r >> 4) 256 + (r << 4) & $F0
        inc ix
        rrca
        rrca
        rrca
        rrca
        ld h,a
        and $F0
        ld l,a
        xor h
        ld h,a
        ld de,0                 ; patched: that plane's masks in the first row
LG_PLANE_AT     = * - 2
        add hl,de
        ld sp,hl
        ld h,0                  ; patched: lg_page
LG_PLANE_PAGE   = * - 1
        lg_plane_up
        exx
        ld sp,iy                ; (the masks read) SP on the row's Q
        pop hl
        add hl,hl
        ld c,a
        add hl,bc               ; Q = 2 Q + A
        push hl
        inc iy
        inc iy
        sbc hl,de               ; (no carry above) a larger Q than DE': the best
        jr c,@held
        add hl,de
        ex de,hl
@held:  exx
        ld hl,lg_left
        dec (hl)
        jr nz,@next
        ld sp,(lg_saved_sp)
        exx
        push de
        exx
        pop de                  ; DE = the best
        call lg_threshold
        ld ix,(lg_list)         ; the list and its Q again, those DE or more kept in order
        ld a,(lg_count)
        ld b,a
        ld a,d
        or e
        jr z,@every             ; 0: every row kept
        call lg_negate
        ld iy,(lg_list)
        exx
        ld hl,(lg_sums)
        exx
        ld sp,(lg_sums)
@again: pop hl
        add hl,de
        jr nc,@out
        ld a,(ix+0)
        ld (iy+0),a
        inc iy
        lg_keep_q
@out:   inc ix
        djnz @again
        ld sp,(lg_saved_sp)
        push iy
        pop ix
        jp lg_count_left
@every: ld c,b
        ld b,0
        add ix,bc
        jp lg_count_left
lg_done:
        ld sp,(lg_saved_sp)
        ld iy,(lg_saved_iy)
        or a                    ; chosen: carry clear
        jr lg_back
lg_decline:
        ld sp,(lg_saved_sp)
        ld iy,(lg_saved_iy)
        xor a                   ; (lg_row_logit's mark: x declined)
        ld (lg_level),a
        scf                     ; not chosen
lg_back:                        ; the interrupts as they were (BIT keeps the carry)
        ld a,(lg_ints)
        bit 0,a
        ret z
        ei
        ret

; lg_patch_words: A (s) into the jr of LG_WORDS_PATCHED lg_scale_word from HL (that jr's displacement).
lg_patch_words:
        ld de,LG_WORD_BYTES
        ld b,LG_WORDS_PATCHED
@each:  ld (hl),a
        add hl,de
        djnz @each
        ret

; lg_negate: DE = -DE.
lg_negate:
        xor a
        sub e
        ld e,a
        sbc a,a
        sub d
        ld d,a
        ret


; lg_threshold: DE = max(0, DE - D_k + 1) (keeps B), D_k = ceil((2^(8-k) - 1) S / 2^(s+8-k)) +
; ceil(4 (2^s - 1)(2^k - 1) / 2^s) (the entries' floors': lg_floors'; computed with LG_ROWS_PAIRED in the
; thirty-third round, for bank 0's room, and from the table again since the thirty-fourth's) + t_k, t_k = 2^(shift + k - 8 - s) where that is at least 1,
; else 1: each term bounds its part of (W_k + 2^shift) / M from above.
lg_threshold:
        push bc
        push de                 ; the best
        ld a,(lg_level)
        ld c,a                  ; C = k
        sub 8
        neg
        ld b,a                  ; 8 - k
        ld hl,(lg_size)
        ld d,h
        ld e,l
        call lg_shl
        or a
        sbc hl,de               ; (2^(8-k) - 1) S
        ld a,(lg_scale)
        add a,b
        ld b,a                  ; s + 8 - k
        call lg_ceil
        ex de,hl
        ld a,(lg_scale)         ; lg_floors[s][k - 4]
        ld l,a
        add a,a
        add a,a
        add a,l
        add a,c
        sub 4
        add a,a
        ld hl,lg_floors
        add a,l
        ld l,a
        adc a,h
        sub l
        ld h,a
        ld a,(hl)
        inc hl
        ld h,(hl)
        ld l,a
        add hl,de
        ld a,(lg_scale)
        add a,8
        ld b,a
        ld a,(lg_shift)
        add a,c
        sub b                   ; shift + k - 8 - s
        ld de,1
        jr c,@one
        jr z,@one
@t:     sla e
        rl d
        dec a
        jr nz,@t
@one:   add hl,de               ; D_k
        pop de
        ex de,hl
        or a
        sbc hl,de               ; best - D_k
        inc hl
        jr nc,@kept
        bit 7,h                 ; below 0 (a borrow that inc did not bring back to 0)
        jr z,@kept
        ld hl,0
@kept:  ex de,hl
        pop bc
        ret

; lg_shl: HL = HL << B (keeps B).
lg_shl:
        ld a,b
        or a
        ret z
@each:  add hl,hl
        dec a
        jr nz,@each
        ret

; lg_ceil: HL = ceil(HL / 2^B) (keeps B and DE): HL >> B, plus 1 where a bit shifted out was 1.
lg_ceil:
        ld a,b
        or a
        ret z
        push bc
        ld c,0
@each:  srl h
        rr l
        jr nc,@zero
        ld c,1
@zero:  djnz @each
        ld b,0
        add hl,bc
        pop bc
        ret

; lg_floors: ceil(4 (2^s - 1)(2^k - 1) / 2^s), the entries' floors' part of D_k, for s 0..4, k 4..8.
lg_floors:
        .repeat 5, scale
        .repeat 5, level
        .word (4 * ((1 << scale) - 1) * ((1 << (level + 4)) - 1) + (1 << scale) - 1) >> scale
        .endrepeat
        .endrepeat

;   lg_best_lower (LG_BEST_LOWER, thirty-fourth round, zxlogit34; lg_select's jp after the row pass, DE the best
; Q_4, SP the caller's): the first list's least Q_4, T' = max(0, floor((Q_8 - c) / 16) + 1) in DE, Q_8 = 16 Q_4 +
; 8 A_3 + 4 A_2 + 2 A_1 + A_0 the best row's (its planes 3..0 from lg_low, Horner in HL'), c = 960 - (960 >> s) +
; ceil(15 S / 2^s) + 2^(shift - s) (logit_planes.best_lower_threshold: the best's sum is at least 2^s Q_8 + C, a
; row's at most 2^(s+4) Q_4 + 960 (2^s - 1) + 15 S + C; c < 2^16 as S <= 255 where s = 0). Back by jp
; lg_first_list. In bank 0 past out's planes 0..3 (build.py's LG_BEST_LOWER_APART: lg_best_lower_routine there).
        .macro lg_best_lower_routine
lg_best_lower:
        push de
        exx
        pop hl                  ; HL' = Q_4 (B' = 0 from the row pass)
        exx
        ld hl,(lg_best_at)      ; lg_top + 16 (r + 1)
        ld de,(lg_top)
        or a
        sbc hl,de
        ld de,(lg_low)
        add hl,de
        ld de,-4
        add hl,de
        ld sp,hl                ; row r's plane 3 at lg_low: 16 r + 12
        ld a,(lg_page)
        ld e,a
        .byte $DD,$2E,4         ; ld ixl,4: planes 3, 2, 1, 0
@plane: ld h,e
        lg_plane_up
        lg_horner               ; Q = 2 Q + A
        ld hl,-8
        add hl,sp
        ld sp,hl                ; the plane below's masks
        .byte $DD,$2D           ; dec ixl
        jr nz,@plane
        ld sp,(lg_saved_sp)
        ld a,(lg_scale)
        ld b,a
        ld hl,(lg_size)
        ld d,h
        ld e,l
        add hl,hl
        add hl,hl
        add hl,hl
        add hl,hl
        sbc hl,de               ; 15 S (16 S < 2^16: no carry from the adds)
        call lg_ceil            ; ceil(15 S / 2^s) (keeps B and DE)
        ex de,hl
        ld hl,960
        call lg_ceil            ; 960 >> s (2^s divides 960: s <= 4)
        ex de,hl
        or a
        sbc hl,de
        ld de,960
        add hl,de               ; 960 - (960 >> s) + ceil(15 S / 2^s)
        push hl
        ld a,(lg_shift)
        sub b
        ld b,a
        ld hl,1
        call lg_shl             ; 2^(shift - s) (shift >= 4 >= s)
        pop de
        add hl,de
        ex de,hl                ; c
        exx
        push hl
        exx
        pop hl                  ; Q_8
        or a
        sbc hl,de
        ld de,0
        jp c,lg_first_list      ; Q_8 < c: 0, every row
        .repeat 4
        srl h
        rr l
        .endrepeat
        inc hl
        ex de,hl
        jp lg_first_list
lg_best_at:     .word 0         ; SP past the best row's planes 7..4 (the last of the largest Q_4: lg_row_best's)
lg_best_lower_end:
        .endmacro
.ifdef LG_BEST_LOWER
.ifndef LG_BEST_LOWER_APART
        lg_best_lower_routine   ; (the kernels' bench: here)
.endif
.endif

.ifndef SOUL_OUT_APART                  ; (twenty-eighth round, zxlogits128: out's masks come split on the tape)
; lg_split - (the first RUN's: records128.s's planes_first_run, after wp_make has made out's rows in
; plane_bytes' layout at HL) B rows (1..128) split into lg_select's two halves: every row's planes 7..4
; (its first 16 bytes) packed down from HL (lg_top's), then every row's planes 0..3 (lg_low's) after
; them, through 16 B bytes of scratch at DE. A row's planes 7..4 go to 16 r, below its own 32 r (and
; past every row already read) once its planes 0..3 are in the scratch. Clobbers AF, BC, DE, HL.
lg_split:
        push bc
        push de
        ld (lg_group_x),hl      ; where the next row's planes 7..4 go
@row:   push bc
        push hl
        ld bc,LG_ROW_BYTES / 2
        add hl,bc
        ldir                    ; its planes 0..3 to the scratch
        pop hl
        push de
        ld de,(lg_group_x)
        ld c,LG_ROW_BYTES / 2
        ldir                    ; its planes 7..4 down
        ld (lg_group_x),de
        ld c,LG_ROW_BYTES / 2
        add hl,bc               ; the next row
        pop de
        pop bc
        djnz @row
        pop hl                  ; the scratch
        pop bc
        ld a,b                  ; BC = 16 B
        ld b,0
        ld c,a
        .repeat 4
        sla c
        rl b
        .endrepeat
        ld de,(lg_group_x)
        ldir                    ; every row's planes 0..3 after the planes 7..4
        ret
.endif

; lg_row_logit - (twenty-eighth round, zxlogits128: forward.s's fw_out_exact, a row lg_select left with
; others) NC with HL = the logit, (sum w x) >> lg_shift, of the row whose 32 masks (plane_bytes' order)
; lie at the page after lg_page's, exact from its planes on the x at lg_x, that lg_select took (sum |x|
; <= 4,095: every plane's sum fits 16 bits, sum w x 24 and the logit 16, unsaturated); C, nothing summed
; and DE kept, where lg_level is 0 (lg_decline's mark), wp_x set to lg_x for planes_wide.s's wp_rows_wide
; either way. Interrupts as found (IFF2 by LD A,I; SP walks x). Clobbers AF, BC, DE, HL, IX, the
; alternate set and lg_scaled's first 3 bytes.
; How: sum w x = sum_b 2^b P_b - 128 sum x, P_b = the x where u = w + 128 has bit b; plane 7 taken as
; minus the x where its bit is clear (P_7 - sum x), then Horner's 2 acc + P_b down to plane 0 in 24 bits.
; T-states: ~14,800 a row, CALL and RET included (the kernels' bench, random rows and x: two columns a
; step of its loop, 46 a column before), against wp_rows_wide's ~39,000.
LG_EXACT_ACC    = lg_scaled     ; the 24-bit sum (lg_select's scratch: it has returned)
lg_row_logit:
.ifdef wp_x                     ; (planes.s's, before it in bank 6; the kernels' bench has none)
.ifndef LG_BANK_0               ; (in bank 0: planes_wide.s's fw_out_exact sets it with bank 6 in)
        ld hl,(lg_x)
        ld (wp_x),hl
.endif
.endif
        ld a,(lg_level)
        cp 1
        ret c                   ; (declined)
        ld a,i                  ; IFF2 kept by the push, then DI (SP walks x)
        di
        push af
        ld (lg_saved_sp),sp
        xor a
        ld h,a
        ld l,a
        ld (LG_EXACT_ACC),hl
        ld (LG_EXACT_ACC + 2),a
        dec a
        ld (LG_EXACT_FLIP),a    ; plane 7's masks inverted
        ld ix,lg_exact_order
        exx
        ld c,LG_EXACT_PLANES
@plane: ld a,(lg_page)          ; HL' = the plane's group 0 mask, DE' = the step to group 1's
        inc a
        ld h,a
        ld l,(ix+0)
        ld a,(ix+1)
        ld e,a
        rla
        sbc a,a
        ld d,a
        inc ix
        inc ix
        ld b,LG_GROUPS
        exx
        ld sp,(lg_x)
        ld hl,0                 ; P, SP reading the x in order
        exx
@group: ld a,(hl)
        add hl,de
        exx
        xor 0                   ; patched: $FF for plane 7, then 0
LG_EXACT_FLIP   = * - 1
        ld c,a
        ld b,8 / 2
@col:   .repeat 2               ; two columns a step: x where the mask's next bit is set
        pop de
        srl c
        jr nc,* + 3
        add hl,de
        .endrepeat
        djnz @col
        exx
        djnz @group
        exx
        ld a,(LG_EXACT_FLIP)    ; plane 7's: minus the sum of its x (Z from OR A keeps NC for SBC)
        or a
        jr z,@plus
        ex de,hl
        ld hl,0
        sbc hl,de
        xor a
        ld (LG_EXACT_FLIP),a
@plus:  ex de,hl                ; acc = 2 acc + P (24 bits: B the sign of P)
        ld a,d
        rla
        sbc a,a
        ld b,a
        ld hl,(LG_EXACT_ACC)
        add hl,hl
        ld a,(LG_EXACT_ACC + 2)
        rla
        add hl,de
        adc a,b
        ld (LG_EXACT_ACC),hl
        ld (LG_EXACT_ACC + 2),a
        exx
        dec c
        jr nz,@plane
        exx
        ld sp,(lg_saved_sp)
        ld a,(lg_shift)
        ld b,a
        ld hl,(LG_EXACT_ACC)
        ld a,(LG_EXACT_ACC + 2)
@shift: sra a                   ; A:HL >> 1
        rr h
        rr l
        djnz @shift
        pop af
        jp po,@off
        ei
@off:   or a                    ; NC: summed
        ret
lg_exact_order:                 ; planes 7..0: the group 0 mask's place in the row, the step to group 1's
        .byte 0, 1, 7, $FF, 8, 1, 15, $FF, 28, 1, 24, 1, 20, 1, 16, 1
LG_EXACT_PLANES = (* - lg_exact_order) / 2
