; vecops.s - the small vector steps of the forward pass (Z80).
;
; vec_add_sat  a[i] = sat16(a[i] + b[i]), i < va_n      (the residual adds)
;              va_a, va_b: word vectors; va_n: 1..255. Clobbers AF, BC, DE, HL.
; vec_relu     a[i] = max(0, a[i]) for va_n words at va_a. Clobbers AF, B, HL.
;              (These two the kernel bench's alone: the players (VEC_FUSED_STORES) add
;              and take ReLU in matvec's stores, forward.s's fw_dense_add and fw_dense_via.)
; embed        em_out[i] = sat16(up(te[token][i], s_te) + up(pe[pos][i], s_pe)), 32 words,
;              up(v, s) = v << (8 - s) for s <= 8, v >> (s - 8) above (s in 0..15).
;              em_te/em_pe: row-major int8 tables; em_token, em_pos; em_te_shift,
;              em_pe_shift. Clobbers AF, BC, DE, HL.
; argmax       A = the id in 3..127 of the largest of 128 logits at am_logits (words),
;              the lowest id on a tie (spec.FIRST_CHOOSABLE). With AM_RUNNER_UP (both
;              players' with MV_COARSE: the 128K's since the sixteenth round, the 48K's
;              since the seventeenth; AM_RUNNER_KEPT) C = a limit on the others
;              too: every id of 3..127 but A's lies below any logit whose high byte, sign
;              bit flipped, exceeds C (the 48K's forward.s's bound skips its scan so, by its
;              own test since the twenty-first round; the 128K's logitsraw.s its look,
;              through am_rows below argmax, since the
;              twenty-first round's rows in 4 (D >> 8): from the eighteenth round's scan to
;              then the 128K's argmax kept no limit, which seldom cleared the threshold in
;              D >> 8's units, and ran in rounds of two candidates, 5,131 T-states on 50
;              random rows of logits and 5,515 on 50 in -600..599, 85 bytes with am_best_row;
;              rounds of two with the limit were 4 bytes too many for a soul with the general
;              embed in the 128K's bank 0, tests/test_zx_128k.py).
;              Clobbers AF, BC, DE, HL.
; T-states (kernel bench, random values): vec_add_sat 32 words 3,820 (inline,
; byte by byte with the overflow flag); vec_relu 32 words 2,136; argmax 8,217
; (a logit's high byte decides unless it ties the best's); embed 22,537.
; argmax with the runner-up and a loop of one (both players' since the twenty-first round): 6,388
; on 50 random rows of logits, 6,748 on 50 rows in -600..599 (the 128K's options on the
; kernels' bench, numpy default_rng(0), fw_logits); 91 bytes with am_rows (docs/spectrum.md,
; "Eighteenth round: the logits' scan", "Twenty-first round: a reply step's logits").
; AM_ROUNDS (with AM_RUNNER_KEPT; the 128K player's with MV_COARSE_PAIRS's rung, whose bank 0 has the
; room, since the twenty-second round): rounds of AM_UNROLL = 2 candidates, each place with its own
; return, the best's row kept as its high byte's address (am_best_row), the runner-up's slow path one
; subroutine: 5,816 and 6,298 on the same rows, 21 bytes more (zxstep's form, twenty-first round).
; argmax in python benchmarks/z80_kernels.py (50 random rows of logits): 6,065;
; 6,392 with AM_RUNNER_UP (the runner-up's high byte kept for fw_logits_bound,
; sixteenth round; the same rows with that option); 6,582 and 6,908 before the eighteenth
; round stepped the logits by inc l (am_logits page-aligned, as forward.s's fw_logits
; asserts) (8,297 before its loop counted with djnz alone, the id read from that count,
; fourteenth round).
; at_wide_dimension (AT_TABLE_MEANS, the 48K's) attention.s's means for a dimension with a v
;              beyond -256..255, by the product loop: below, 68 bytes (nineteenth round).
; at_leading_zeros (AT_SKIP_LEADING_ZEROS, the 48K's) the table means' start past a head's leading
;              0 weights: below, 26 bytes (thirty-second round).
; Bytes: 252 (in the shipped 48K since the thirty-eighth round's merges: zx48norms38's EM_ROW_MARKS taken in MV_HZ_ENDS' room, 253, and zx48walk38's at_leading_zeros patching at_wide_dimension's count alone, 1 fewer); 208
; (since the thirty-seventh round's merge: EM_NIBBLES taken, EM_ROW_MARKS left out since
; zxfc2_37's room took MV_HZ_ENDS, the file's bytes moving with the spends); 253 in the shipped 48K since the thirty-seventh round (zx48embnorm37: em_unpack's rows as nibbles and a stream
; of their low bits, EM_NIBBLES, in EM_BIT_CHAIN's place, 6 more, ~71 T-states a 5-bit value fewer); 247 since the
; thirty-sixth round (zx48fc1g36's and zx48narrow36's room takes em_unpack's
; bits by a chain, EM_BIT_CHAIN, zx48room35, thirty-fifth round: 42 more, ~35 T-states a 5-bit value fewer); 205 (without it, a spend the
; shipped soul's room left out after NZ_SHORT_MADE before the thirty-sixth round; since zx48fixed35, thirty-fifth round: em_unpack's adc a,a for its rla and or a, 1 fewer,
; 4 T-states a value); 206 (since zx48att32, thirty-second round: te's and pe's marks again, EM_ROW_MARKS, 19, and
; at_leading_zeros, 26, in AT_FAST_PIECE_PAIRS' room); 161 (since zxroom48e, twenty-eighth round: no room left for te's and pe's marks beside
; MV_HZ_ENDS; 180 since zxatt48b and zxplanes28 merged, twenty-eighth round: te's and pe's marks every 8 rows
; again, EM_ROW_MARKS, in the room planes.s's classes leave; 161 since zxlogits48, twenty-seventh round: no argmax, 91 bytes
; (SOUL_OUT_PLANES: planes_wide.s's fw_out_logits keeps the best itself); 252 since the twenty-sixth round's planes' rung, zxplanes48: no MV_CT_RAW, whose argmax
; rows are 21 bytes; 273 with them, the shipped 48K's em_unpack from te's and pe's marks every 8 rows again since the twenty-fifth round,
; EM_ROW_MARKS, the ladder's last rung where its spends leave the room; 254 with no marks since the twenty-fourth round, EM_MARK_ROWS 128: 19 bytes
; fewer, its walk 5 bytes longer for 11 T-states a row fewer; 273 with marks every 8 rows; its em_unpack a width a row with escaped values since the twenty-third round, 5 bytes
; more than two groups of 16 values, and at_wide_dimension's sum doubled for the table means' negated divisor, 5,
; its divisor's load, 4, gone into attend_head@divisor's; 267 with am_rows back with its raw logits' rows, logitsraw.s's bound, twenty-second
; round, MV_CT_RAW; 246 before, and 267 before the twenty-first round took am_rows, 21 bytes, into forward.s's bound
; in the 48K: zxprep3; the 128K's logitsraw.s keeps it; 199 before the nineteenth round's at_wide_dimension, here below $8000 in the 48K
; player for the room above it; 200 before the nineteenth round's em_unpack marks every 8 rows, one rrca fewer;
; 201 before the eighteenth round's em_unpack widths, a row's bytes in its top
; five bits; with AM_RUNNER_UP since the seventeenth round: argmax's runner-up 18, am_rows 21,
; which took fw_logits_bound's 12 out of forward.s; 162 before; 304 before the players left out embed, up_q88 and add_sat16 where the soul's shifts
; take embedrows.s's chains, EMBED_CHAINS_ONLY; 373 before they left out vec_add_sat and vec_relu, VEC_FUSED_STORES:
; forward.s adds and takes ReLU in matvec's stores since the sixteenth round; in the 48K player, code and variables, SOUL_PACKED's em_unpack, 108,
; included; 265 before it, 266 before argmax's djnz).
; em_unpack    (SOUL_PACKED, the 48K player's) a row of a packed table (te, pe) into 32
;              bytes: below. With EM_NIBBLES (the shipped 48K's since zx48embnorm37, thirty-seventh round)
;              9,392 T-states a reply step of "do you like music"; 13,740 with EM_BIT_CHAIN (the shipped 48K's
;              from zx48room35 to it), 15,945 with neither (python benchmarks/z80_step_phases.py
;              --routines 6 --layer-0 "do you like music"). ~17,500 T-states for te's and pe's rows a position on the
;              shipped soul (python benchmarks/z80_profile.py: 17,441 at "hello"'s position 3 and
;              17,597 at its position 7 with no marks, twenty-fourth round; 15,857 at position 3,
;              16,053 before the twenty-third round's width a row with escapes; 14,923 at position 7,
;              15,442 before the nineteenth round's marks every 8 rows, not 16); its walk
;              from the mark 49 T-states a row since the twenty-third round (a row's byte its
;              bytes: 64 since the eighteenth round's widths, 98 before).

VEC_DIM         = 32
VOCAB           = 128
FIRST_CHOOSABLE = 3

vecops_start:
.ifndef VEC_FUSED_STORES                ; (the players': forward.s adds and takes ReLU in matvec's stores)
va_a:           .word 0
va_b:           .word 0
va_n:           .byte 0

vec_add_sat:
        ld hl,(va_a)
        ld de,(va_b)
        ld a,(va_n)
        ld b,a
@element:
        ld a,(de)               ; the low bytes
        add a,(hl)
        ld c,a
        inc de
        inc hl
        ld a,(de)               ; the high bytes: P/V on a signed overflow
        adc a,(hl)
        jp pe,@saturate
@store:
        ld (hl),a
        dec hl
        ld (hl),c
        inc hl
        inc hl
        inc de
        djnz @element
        ret
@saturate:                      ; towards the addends' sign (b's)
        ld a,(de)
        rla
        ld a,$7F
        ld c,$FF
        jr nc,@store
        inc a                   ; $8000
        inc c
        jr @store

.endif

.ifdef EMBED_CHAINS_ONLY
.ifndef VEC_FUSED_STORES
        .error "EMBED_CHAINS_ONLY leaves out add_sat16, which vec_add_sat needs (the players set VEC_FUSED_STORES too)"
.endif
.else
; add_sat16 - HL = sat16(HL + BC). Clobbers AF.
add_sat16:
        or a
        adc hl,bc               ; P/V: signed overflow
        ret po
        ld hl,$7FFF             ; overflowed: towards the sign of the addends
        bit 7,b
        ret z
        ld hl,$8000
        ret
.endif

.ifndef VEC_FUSED_STORES
vec_relu:
        ld hl,(va_a)
        ld a,(va_n)
        ld b,a
@element:
        inc hl
        bit 7,(hl)
        jr z,@keep
        ld (hl),0
        dec hl
        ld (hl),0
        inc hl
@keep:
        inc hl
        djnz @element
        ret
.endif

.ifndef EMBED_CHAINS_ONLY             ; (a player whose soul's shifts embedrows.s's chains take leaves embed out)
em_te:          .word 0
em_pe:          .word 0
em_token:       .byte 0
em_pos:         .byte 0
em_te_shift:    .byte 0
em_pe_shift:    .byte 0
em_out:         .word 0
em_te_row:      .word 0
em_pe_row:      .word 0

embed:
        ld a,(em_token)         ; row addresses: table + 32 * index
        ld l,a
        ld h,0
        .repeat 5
        add hl,hl
        .endrepeat
        ld de,(em_te)
        add hl,de
        ld (em_te_row),hl
        ld a,(em_pos)
        ld l,a
        ld h,0
        .repeat 5
        add hl,hl
        .endrepeat
        ld de,(em_pe)
        add hl,de
        ld (em_pe_row),hl
        ld hl,(em_out)
        ld b,VEC_DIM
@element:
        push bc
        push hl
        ld hl,(em_pe_row)
        ld a,(hl)
        inc hl
        ld (em_pe_row),hl
        ld hl,em_pe_shift
        call up_q88
        push hl
        ld hl,(em_te_row)
        ld a,(hl)
        inc hl
        ld (em_te_row),hl
        ld hl,em_te_shift
        call up_q88
        pop bc
        call add_sat16
        ex de,hl
        pop hl
        ld (hl),e
        inc hl
        ld (hl),d
        inc hl
        pop bc
        djnz @element
        ret

; up_q88 - HL = the int8 A brought to Q8.8 with the shift byte at (HL). Clobbers AF, B.
up_q88:
        ld b,(hl)
        ld l,a
        add a,a
        sbc a,a
        ld h,a                  ; HL = v
        ld a,8
        sub b
        ret z
        jr c,@right
        ld b,a
@left:
        add hl,hl
        djnz @left
        ret
@right:
        neg
        ld b,a
@shift:
        sra h
        rr l
        djnz @shift
        ret
.endif

.ifndef SOUL_OUT_PLANES                 ; (the 48K's logits by out's planes since the twenty-seventh round,
                                        ; zxlogits48: planes_wide.s's fw_out_logits keeps the best itself)
am_logits:      .word 0

.ifdef AM_RUNNER_UP
AM_RUNNER_KEPT = 1
.endif
.ifdef AM_ROUNDS
AM_UNROLL       = 2             ; (AM_ROUNDS's argmax: 124 candidates after the first, 62 rounds of 2)
.ifndef AM_RUNNER_KEPT
        .assert 0, "AM_ROUNDS is argmax's loop with the runner-up's limit (AM_RUNNER_UP) in rounds"
.endif
.endif

argmax:
        ld hl,(am_logits)
        ld de,2 * FIRST_CHOOSABLE + 1
        add hl,de               ; HL at the first candidate's high byte
        ld a,(hl)
        xor $80
        ld d,a
        dec l
        ld e,(hl)
        inc hl                  ; DE = best value, sign bit flipped (unsigned order)
.ifdef AM_RUNNER_KEPT
.ifdef AM_ROUNDS
        ; (rounds of AM_UNROLL candidates, each place with its own return; the best's row kept
        ; as its high byte's address in am_best_row; C the limit, as below)
        .assert (VOCAB - FIRST_CHOOSABLE - 1) % AM_UNROLL == 0, "argmax's rounds cover the candidates"
        ld a,l
        ld (am_best_row),a
        ld bc,256 * ((VOCAB - FIRST_CHOOSABLE - 1) / AM_UNROLL)
@round:
        inc l
        inc l
        ld a,(hl)
        xor $80
        cp c
        jr nc,@not_lower_1
@lower_1:
        inc l
        inc l
        ld a,(hl)
        xor $80
        cp c
        jr nc,@not_lower_2
@lower_2:
        djnz @round
        ld a,(am_best_row)      ; (2 id + 1: am_logits page-aligned)
        srl a
        ret
@not_lower_1:
        call @not_lower
        jr @lower_1
@not_lower_2:
        call @not_lower
        jr @lower_2
@not_lower:                     ; A: a candidate's flipped high byte, at or above the limit C
        cp d
        jr c,@runner_up
        jr nz,@better
        ld c,d                  ; the best's high byte: the runner-up's too
        dec l
        ld a,(hl)               ; the low bytes decide (a tie keeps the lower id)
        inc l
        cp e
        ret c
        ret z
        ld e,a
        jr @best_here
@runner_up:
        inc a                   ; (below the best's high byte: no wrap)
        ld c,a
        ret
@better:
        ld c,d                  ; the old best the runner-up
        inc c
        ld d,a
        dec l
        ld e,(hl)
        inc l
@best_here:
        ld a,l
        ld (am_best_row),a
        ret
am_best_row:    .byte 0
.else
        ld a,VOCAB - FIRST_CHOOSABLE
        ld (@best_left+1),a
        ld bc,256 * (VOCAB - FIRST_CHOOSABLE - 1)
        ; B = the candidates left (a candidate's id is VOCAB - B: djnz is the loop's
        ; whole count; the best's B is kept in @best_left's operand), C = the
        ; runner-up's high byte + 1, or the best's when they share it: a candidate
        ; whose flipped high byte lies below C changes neither
@next:
        inc l                   ; (the logits in one page: am_logits page-aligned)
        inc l                   ; the next candidate's high byte
        ld a,(hl)               ; flipped, against the limit (mostly lower)
        xor $80
        cp c
        jr nc,@not_lower
@lower:
        djnz @next
        ld a,VOCAB
@best_left:
        sub 0
        ret
@not_lower:
        cp d
        jr c,@runner_up
        jr nz,@better
        ld c,d                  ; the best's high byte: the runner-up's too
        dec l
        ld a,(hl)               ; the low bytes decide (a tie keeps the lower id)
        inc l
        cp e
        jr c,@lower
        jr z,@lower
        ld e,a
        jr @best_here
@runner_up:
        inc a                   ; (below the best's high byte: no wrap)
        ld c,a
        jr @lower
@better:
        ld c,d                  ; the old best the runner-up
        inc c
        ld d,a
        dec l
        ld e,(hl)
        inc l
@best_here:
        ld a,b
        ld (@best_left+1),a
        jr @lower
.endif

; am_rows - (AM_RUNNER_UP with MV_LOW_HLA: the 128K's logitsraw.s) the rows a scan of
; am_logits for those at or above a threshold must look at, after argmax: A = argmax's id,
; C = its limit, D = the threshold's high byte, sign bit flipped. HL on the first candidate's
; high byte and B = every candidate, or, when C lies below D (every other candidate lies below
; the threshold), HL on A's high byte and B = 1 (logitsraw.s's look at T's row alone). C = 0.
; Keeps DE; clobbers AF. (The 48K's forward.s tests C against D itself since the twenty-first
; round, zxprep3, and computes no row then: 21 bytes fewer there; with MV_CT_RAW, the raw rows,
; it takes logitsraw.s's bound, and this, since the twenty-second round.)
.ifdef MV_LOW_HLA
AM_ROWS         = 1
.endif
.ifdef MV_CT_RAW
AM_ROWS         = 1
.endif
.ifdef AM_ROWS
am_rows:
        ld hl,(am_logits)       ; (page-aligned: forward.s's fw_logits)
        ld b,a
        ld a,c
        cp d
        ld c,0
        ld a,b
        ld b,1
        jr c,@one_row
        ld a,FIRST_CHOOSABLE
        ld b,VOCAB - FIRST_CHOOSABLE
@one_row:
        add a,a
        inc a
        ld l,a                  ; the row's high byte
        ret
.endif
.else
        ld bc,256 * (VOCAB - FIRST_CHOOSABLE - 1) + VOCAB - FIRST_CHOOSABLE
        ; B = the candidates left, C = VOCAB - the best's id: a candidate's id is
        ; VOCAB - B, so the loop keeps no id of its own (djnz is its whole count)
@next:
        inc l                   ; (the logits in one page: am_logits page-aligned)
        inc l                   ; the next candidate's high byte
        ld a,(hl)               ; flipped, against the best's (mostly lower)
        xor $80
        cp d
        jr nc,@not_lower
@lower:
        djnz @next
        ld a,VOCAB
        sub c
        ret
@not_lower:
        jr nz,@better
        dec l
        ld a,(hl)               ; the same high byte: the low bytes decide (a tie keeps the lower id)
        inc l
        cp e
        jr c,@lower
        jr z,@lower
        ld e,a
        ld c,b
        jr @lower
@better:
        ld d,a
        dec l
        ld e,(hl)
        inc l
        ld c,b
        jr @lower
.endif
.endif

.ifdef SOUL_PACKED
; em_unpack - (SOUL_PACKED, the 48K player's) row A of a packed table
; (soulterm.zx.soul_layout.packed_rows: te, pe) as its 32 signed bytes at DE.
; HL = the table's marks (every EM_MARK_ROWS-th row's data address; with
; EM_MARK_ROWS 128, none: the table's data, row 0's), BC = its widths (a
; byte a row: its bytes, 4 w + e for its width w in 1..8 and its e escaped
; values, e <= 3 below 8 bits, so that w is the byte >> 2, or 8 from 32 on:
; each -128 escaped at 8 bits, any number of them). A row is 32 codes of w bits,
; v + 2^(w-1), most significant bit first; the code 0 escapes: v's 8 bits follow
; (twenty-third round: a width a row with escapes, 145 bytes fewer on the shipped
; soul than two groups of 16 values of one width each, whose widths held every value).
; Clobbers AF, BC, DE, HL.
EM_GROUP        = 32            ; values of one width: a row (soul_layout.PACK_GROUP: the packed tables assert it)
.ifdef EM_ROW_MARKS                     ; (the 48K's ladder's last rung, where its spends leave the room: twenty-fifth round)
EM_MARK_ROWS    = 8             ; rows a mark (soul_layout.PACK_KEPT_MARK_ROWS)
.else
EM_MARK_ROWS    = 128           ; rows a mark (soul_layout.PACK_MARK_ROWS), a power of 2: 128, no marks (twenty-fourth
                                ; round: 57 bytes fewer on the shipped 48K, marks and code, for ~1,450 T-states a position
                                ; of "hello"; 8 from the nineteenth round, 16 before: docs/spectrum.md, zxroom48b)
.endif
EM_CHAIN_STEP   = 6             ; (EM_NIBBLES' bytes a step: sla c, call z,@read, adc a,a)
.ifdef EM_NIBBLES
EM_NIBBLE_BYTES = EM_GROUP / 2  ; a row's codes' top 4 bits first, two a byte (soul_layout.PACK_NIBBLE_BYTES)
EM_NIBBLE_BITS  = 4
.else
EM_NIBBLE_BYTES = 0             ; (soul_layout's packing asserts it: no nibbles)
.endif
EM_MAX_ESCAPES  = 3             ; (soul_layout.PACK_MAX_ESCAPES: a row's byte >> 2 is its width below 8 bits)
        .assert EM_GROUP == VEC_DIM, "em_unpack reads a row as one group"
EM_MARK_SHIFT   = (EM_MARK_ROWS >= 2) + (EM_MARK_ROWS >= 4) + (EM_MARK_ROWS >= 8) + (EM_MARK_ROWS >= 16) + (EM_MARK_ROWS >= 32) + (EM_MARK_ROWS >= 64) + (EM_MARK_ROWS >= 128)
        .assert EM_MARK_ROWS == 1 << EM_MARK_SHIFT && EM_MARK_SHIFT >= 2, "em_unpack: a mark every 2^k rows, 4 to 128"
.if EM_MARK_SHIFT == 7
em_unpack:                      ; (no marks: HL = the table's data, row 0's; the walk from there, rows < 128)
        push de
        or a
        jr z,@row
        ld d,b
        ld e,c
        ex de,hl                ; HL = the widths, DE = the data
        ld b,a                  ; the rows before this one
        ld a,e
@walk:
        add a,(hl)              ; a row's bytes (38 T-states a row, 49 in the walk from a mark below)
        jr nc,@walked
        inc d
@walked:
        inc hl
        djnz @walk
        ld e,a
        ex de,hl                ; HL = the row's data
        ld b,d
        ld c,e                  ; BC = its byte
.else
em_unpack:
        push de
        ld e,a
        .repeat EM_MARK_SHIFT - 1
        rrca
        .endrepeat
        and (254 >> (EM_MARK_SHIFT - 1)) & $FE  ; (row / EM_MARK_ROWS) * 2: the row's mark (a row < 128: the rotated-in bits off)
        add a,l
        ld l,a
        jr nc,@mark
        inc h
@mark:
        ld a,(hl)
        inc hl
        ld h,(hl)
        ld l,a                  ; HL = the data of the mark's row
        ld a,e
        and -EM_MARK_ROWS & 255
        add a,c
        ld c,a
        jr nc,@widths
        inc b                   ; BC = the mark's row's widths
@widths:
        ld a,e
        and EM_MARK_ROWS - 1
        jr z,@row
        ld d,a                  ; the rows between the mark's and this one
@skip:
        ld a,(bc)               ; a row's bytes
        add a,l
        ld l,a
        jr nc,@skipped
        inc h
@skipped:
        inc bc
        dec d
        jr nz,@skip
.endif
@row:
        ld a,(bc)
.ifndef EM_NIBBLES                      ; (with it DE steps IX back below, out popped after)
        pop de
.endif
        rrca
        rrca
        and $3F                 ; w (the escapes, 0..3, in the low two bits)
        cp 8
        jr c,@width
        ld a,8                  ; 8 bits: the byte 32 + its escaped -128s
@width:
        ld b,a
.ifdef EM_NIBBLES
; (EM_NIBBLES, thirty-seventh round, zx48embnorm37: a spend of build.py's ladder, in EM_BIT_CHAIN's place) the row in
; two parts (soul_layout.packed_rows with nibbles: w 4..8): EM_NIBBLE_BYTES of its codes' top 4 bits, two a byte, and
; after them a stream of their w - 4 low bits (an escape's 8 after its own). A value: its nibble, then @code's last
; w - 4 chain steps (22 T-states a bit), its bias or escape, a call a value: ~115 T-states a 5-bit value for ~186.
        ld ix,@chain_end + EM_CHAIN_STEP * (8 - EM_NIBBLE_BITS)  ; (IX: @code's entry, w - 4 steps before its end)
        ld de,-EM_CHAIN_STEP
        ld a,$80
@bias:
        rlca                    ; A: 2^(w-1), the bias ($80 rotated left w times)
        add ix,de               ; IX: a step back a bit (w steps from the end of 8)
        djnz @bias
        pop de                  ; (out)
        ld (@biased + 1),a
        ld (@high_code + 1),ix
        ld (@low_code + 1),ix
        ld bc,EM_NIBBLE_BYTES
        push hl
        add hl,bc
        ex (sp),hl              ; HL = the nibbles, IX = the stream after them
        pop ix
        ld bc,EM_NIBBLE_BYTES * 256 + $80       ; B: the pairs, C = $80: no bits (the first sla c reads a byte)
@pair:
        ld a,(hl)               ; the even value's nibble, the high one
        rrca
        rrca
        rrca
        rrca
        and $0F
@high_code:
        call 0                  ; (patched: @code's entry; it stores v)
        ld a,(hl)               ; the odd value's, the low one
        inc hl
        and $0F                 ; (Z where the code is 0 at w = 4: no steps)
@low_code:
        call 0                  ; (patched)
        djnz @pair
        ret
@code:                          ; A = the code's top 4 bits: its w - 4 low bits from the stream, then v at DE
        .repeat 8 - EM_NIBBLE_BITS
        sla c                   ; the next bit, or Z when C held its own marker alone
        call z,@read
        adc a,a                 ; (Z after the last where the code is 0)
        .endrepeat
@chain_end:
        jr z,@escape            ; the code 0: v's 8 bits follow
@biased:
        sub 0                   ; (patched: 2^(w-1))
@store:
        ld (de),a
        inc de
        ret
@escape:
        inc a                   ; A = 1: the 8th adc a,a carries it out
@raw:
        sla c
        call z,@read
        adc a,a
        jr nc,@raw
        jr @store
@read:
        ld c,(ix+0)             ; (the carry is the marker's 1: it goes to bit 0,
        inc ix                  ; the byte's top bit into the carry)
        rl c
        ret                     ; (back into the chain's step)
        .assert @chain_end - @code == (8 - EM_NIBBLE_BITS) * EM_CHAIN_STEP, "em_unpack's chain: EM_CHAIN_STEP bytes a step"
.else
        ld a,$80
        ld c,1
@bias:
        rlca                    ; A: 2^(w-1), the bias ($80 rotated left w times)
        rrc c                   ; C: 2^(8-w), the marker (1 rotated right w times)
        djnz @bias
        ld (@biased + 1),a
        ld a,c
        ld (@marker + 1),a
        ld c,$80                ; no bits: the first sla c empties C and reads a byte
        ld b,EM_GROUP
@value:
@marker:
        ld a,0                  ; (2^(8-w): the w-th rla carries it out)
@bit:
        sla c                   ; the next bit, or Z when C held its own marker alone
        jr z,@read
@got:
        adc a,a                 ; (rla's shift, and Z where the marker leaves a code 0: thirty-fifth round, no or a)
        jr nc,@bit
        jr z,@escape            ; the code 0: v's 8 bits follow
@biased:
        sub 0                   ; (2^(w-1))
@store:
        ld (de),a
        inc de
        djnz @value
        ret
@read:
        ld c,(hl)               ; (the carry is the marker's 1: it goes to bit 0,
        inc hl                  ; the byte's top bit into the carry)
        rl c
        jr @got
@escape:
        inc a                   ; A = 1: the 8th rla carries it out
@raw:
        sla c
        jr nz,@raw_bit
        ld c,(hl)               ; (as @read)
        inc hl
        rl c
@raw_bit:
        rla
        jr nc,@raw
        jr @store
.endif
.endif

.ifdef AT_TABLE_MEANS
.ifdef AT_SKIP_LEADING_ZEROS
; at_leading_zeros - attention.s's table means (the 48K's) from the head's first nonzero weight on
; (thirty-second round, zx48att32: layer 0's leading 0s, ~12 of its ~50 key-heads a held-out reply
; step, the early positions): once a head, IX (&v[0][d]), the walk's weights (attend_head@lut_means'
; DE, patched; at_wide_dimension's too) and its count (@positions') start at the first nonzero
; weight (the max's is 255, so there is one), then attend_head@dimension. BC = the row's end (the
; weights' loop's B'C', swapped in). 45 T-states a leading 0 here for 8 x 79 in the walk (@zero's),
; 81 a head (96 here, less attend_head's jp for jr and the weights' loop's count store). Here,
; below $8000, as at_wide_dimension: above it its bytes moved att_weights past a page's end (13
; bytes of forward.s's padding more).
at_leading_zeros:
.ifdef AT_LUT_IN_WEIGHTS
        ld hl,(attend_head@lut_means + 1) ; the head's row of weights (forward.s patches it in each head)
.else
        ld hl,at_lut
.endif
        ld de,AT_VALUE_STRIDE
        xor a
@zero:
        cp (hl)
        jr nz,@first
        inc l                   ; (the row lies in one page)
        add ix,de               ; IX = &v[j + 1][d]
        jr @zero
@first:
        ld (attend_head@lut_means + 1),hl ; the walk's weights from the first nonzero one
        ld a,c
        sub l                   ; the positions from it on
.ifdef AT_ZEROS_UNCOUNTED               ; (the walk's count is the nonzero weights', the weights' loop's)
        ld (at_wide_dimension@positions + 1),a
.else
        ld (attend_head@positions + 1),a
.endif
.ifdef AT_GENERATED_WALK
        jp attend_head@make_walk ; (the head's walk written from the first nonzero weight)
.else
        jp attend_head@dimension
.endif
.endif
; at_wide_dimension - attention.s's table means (the 48K's) for a dimension with a v beyond
; -256..255 (attend_head@wide: none in "hello", 0.1% of the held-out prompts' values): out[d]
; by the product loop from v[0][d] (IX), a 32-bit sum in the other set, on into
; attend_head@divisor. Here, below $8000 in the 48K player (with vecops.s: build.py), for the
; room above it (docs/spectrum.md, "Nineteenth round: the 48K's means"). mul16s8u, or mul16s
; where arith.s leaves mul16s8u out (RMSNorm's unit gains: no other caller).
at_wide_dimension:
        ld sp,(attend_head@stack + 1) ; (attend_head's SP, patched in by its weights' loop)
        exx
        ld hl,0                 ; D'E':H'L' = sum_j w v (32 bits)
        ld d,h
        ld e,l
        exx
        push ix
        pop hl                  ; &v[0][d]
.ifdef AT_SKIP_LEADING_ZEROS          ; (IX, the walk's weights and count from the head's first nonzero weight)
        ld iy,(attend_head@lut_means + 1) ; (IY is free: interrupts are off) the weights the walk reads
.ifdef AT_ZEROS_UNCOUNTED
@positions:
        ld a,0                  ; (patched: at_leading_zeros' positions from the first nonzero weight)
.else
        ld a,(attend_head@positions + 1)
.endif
.else
.ifdef AT_LUT_IN_WEIGHTS
        ld iy,(at_means_walk + 1) ; (IY is free: interrupts are off) the head's weights, patched there
.else
        ld iy,at_lut            ; (IY is free: interrupts are off)
.endif
        ld a,(at_count)
.endif
        ld b,a
@position:
        ld e,(hl)
        inc hl
        ld d,(hl)               ; DE = v[j][d]
        push hl
        ld a,(iy+0)
        inc iy
        or a
        jr z,@next              ; w = 0: nothing to add
        ld c,a                  ; C = w
.ifdef RN_UNIT_GAIN_BITS                ; (arith.s's ARITH_NO_MUL16S8U, after this file in the 48K)
        push bc                 ; (B: the positions left)
        ld b,0
        call mul16s             ; DEHL = w v
.else
        call mul16s8u           ; DEHL = w v (keeps BC)
.endif
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
.ifdef RN_UNIT_GAIN_BITS
        pop bc
.endif
@next:
        pop hl
.ifdef AT_KEPT_MEANS                  ; (the 48K's kept means, dimension-major: v[j + 1][d] a word before v[j][d])
        ld de,-3
.else
        ld de,AT_VALUE_STRIDE - 1
.endif
        add hl,de
        djnz @position
        exx                     ; (the division in the sum's set)
        add hl,hl               ; 2 sum_j w v over 2 lut_sum, at_means_divide's divisor (negated,
        rl e                    ; twenty-third round), as the table means' dimensions
        rl d
        jp attend_head@divisor
.endif
vecops_end:                     ; (the 48K player keeps this file below $8000: tests/test_zx_contention.py)
