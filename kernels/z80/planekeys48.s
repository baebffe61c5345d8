; planekeys48.s - attention's scores by packed bit planes of the keys (PL_PACKED with AT_PLANE_SCORES: the
; 48K's form, thirty-fourth round, zx48keys34; included by attention.s in place of its own planes' block).
;
; The 128K's planes (attention.s) keep a key's plane as two index bytes a head; the 48K has room for the planes
; only where they replace the key words, so a plane here is one byte a head: bit d is bit b of dimension d's
; k' = k + 2048 (its low nibble dimensions 0-3, n_lo; its high nibble 4-7, n_hi). All 16 planes are kept, so that
; every key is exact: planes 0..11 at pl_planes' layout, PL_KEY_BYTES a key's head, [head][position] (SP walks a
; head's keys), planes 12..15 apart (PL_HIGH_KEY_BYTES a key's head, the same layout), read only to rebuild a key
; (pl_rebuild_key) for the old dot. Plane 11 is kept complemented (the mask of the dimensions whose bit is clear).
; q.k = sum_b 2^b P_b - 2048 sum q for a key in -2048..2047 (planes 12..15 all 0), P_b the sum of the q[d] whose
; bit b is set: pl_keys runs R = P_0, R = (R >> 1) + P_b for b = 1..10 and R = (R >> 1) - T[~n] for plane 11,
; T[~n] = sum q - P_11 (so that the offset 2048 sum q comes off with it): R = q.k >> 11, |R| < 2^15 while q's
; positive words sum below 16,384 and its negative ones at or above -16,384; f = R >> 3. A narrow key (thirty-fifth
; round, zx48keys35), every word in -1024..1023 (k' in 1024..3071: bit 11 = not bit 10, so its complemented plane 11
; is its plane 10, the one byte), has q.k = sum_{b<10} 2^b P_b - 1024 P_10: pl_keys takes plane 10 as its last,
; subtracted plane, R = q.k >> 10 (|R| < 2^15 for such a key under the same sums), one plane fewer and one shift
; more (87-89% of the keys and heads the reply steps score on the ten and the thirty held out).
;
; pl_prepare's tables (q's subset sums of dimensions 0-3, T_lo, and 4-7, T_hi, 16 words each) lie in two pages,
; pl_tables and the page after it, so that a plane's byte indexes both without a shift: T_lo[n]'s low byte at
; pl_tables + n and its high byte at pl_tables + 256 + n; T_hi[m]'s low byte at pl_tables + 256 + 16 m and its
; high byte at pl_tables + 16 m (T[0] = 0 shared by both at offset 0). A plane is then `and $0F` of its byte (n_lo)
; and n_lo xor the byte (its top nibble, zx48keys35: 3 T-states fewer than `and $F0`) and four reads with one `inc h`
; and one `dec h` between them: 111 T-states a plane (114 before; pl_keys' 98 in the 128K's form, whose index bytes
; take two bytes a plane a head).
; T-states (the 48K's kernels' bench, python benchmarks/zx48_key_planes.py): pl_keys 1,517 a key and head and 155 a
; head, its scores and max f words (zx48keys39: 1,533 and 145 with max f in IX; zx48paged35: 1,563 and 187 with the
; old dot's 4 bytes; 1,576 and 211 before zx48keys35, its random keys nearly all wide); by width (python
; benchmarks/zx48_key_widths.py) 1,408 a narrow key and head and 1,519 a wide one (1,424 and 1,535 before zx48keys39,
; 1,454 and 1,565 before zx48paged35, 1,577 both before zx48keys35; the 128K's bench 1,250 and 1,377); pl_prepare 1,901
; a head (2,421 with a wide q: its tables by doubling); pl_store 9,294 a position's 4 heads (9,318 before zx48keys39's
; jp for the jr of three of its loops' ends, 11,738 before zx48spend34:
; a head's planes 12..15 stored as zeros without their shifts where its k' are all below 4096, and its low planes two
; a round); pl_rebuild_key 7,846 a key's head. Its bytes (the same command): pl_wide_q 136 (with its doubling way),
; pl_prepare 392, pl_keys 399 (402 before zx48keys39, 418 before zx48paged35, 402 before zx48keys35), pl_store 350 (347
; before zx48keys39, 298 before zx48spend34), pl_rebuild_key 174,
; pl_old_keys 42 (the old dot's keys, zx48wire34: planekeys48old.s since zx48keys35), its two words 4 (2 in the 48K
; player, whose pl_old_keys works out pl_high_planes' place: PL_HIGH_BY_HEAD; 1,453 there above $8000 (zx48keys39's
; 3 bytes fewer in pl_keys and 3 more in pl_store; 1,469 before zx48paged35) and pl_old_keys' 42 in its cold part below since zx48keys35, PL_OLD_KEYS_APART; 1,495 all above $8000 since
; zx48spend34, 1,448 since zx48wire34); the tables two pages, outside the program in a player
; (the 48K's screen's middle third, free while the heads run). Calling conventions: each routine's own lines below.

PL_PLANES       = 12            ; the planes pl_keys reads (k' = k + 2048 in 0..4095)
PL_KEY_BYTES    = PL_PLANES     ; a key's head: planes 0..11, a byte each
PL_HIGH_KEY_BYTES = 4           ; planes 12..15 (all 0 for a key in -2048..2047)
PL_HEAD_BYTES   = AT_MAX_POSITIONS * PL_KEY_BYTES
PL_LAYER_BYTES  = 4 * PL_HEAD_BYTES
PL_HIGH_HEAD_BYTES = AT_MAX_POSITIONS * PL_HIGH_KEY_BYTES
PL_HIGH_LAYER_BYTES = 4 * PL_HIGH_HEAD_BYTES
PL_SUM_LIMIT    = 16384         ; the positive q's sum below it, the negative ones' at or above -it
PL_NO_MAX       = $F000         ; max f's start, -4096: below every f, and f - max stays in 16 bits
PL_SCORES       = at_scores     ; f a word (thirty-fifth round, zx48paged35: the old dot's 4 bytes before), the
PL_SCORE_BYTES  = 2             ; weights' loop patched for them (attention.s's AT_SHORT_SCORE_READ)

; pl_entry - T[n] of `group` (0: T_lo, 1: T_hi) = HL, a byte to each page (A clobbered, the flags kept).
        .macro pl_entry group, n
        ld a,l
        .if group == 0
        ld (pl_tables + n),a
        ld a,h
        ld (pl_tables + 256 + n),a
        .else
        ld (pl_tables + 256 + 16 * n),a
        ld a,h
        ld (pl_tables + 16 * n),a
        .endif
        .endmacro

; pl_group_tables - pl_prepare's tables of one group of four dimensions (as attention.s's 128K form, each entry
; to its two pages): q[q_at / 2 .. q_at / 2 + 3] (SP at the first, IX + q_at at it), after a range check of
; each q (to pl_wide_q). q[0] in DE, q[1] in SP, q[2] in BC, all three popped; q[3] added from memory.
        .macro pl_group_tables q_at, group
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
        pl_entry group, 1
        add hl,sp
        pl_entry group, 3
        or a
        sbc hl,de
        pl_entry group, 2
        add hl,bc
        pl_entry group, 6
        add hl,de
        pl_entry group, 7
        or a
        sbc hl,sp
        pl_entry group, 5
        or a
        sbc hl,de
        pl_entry group, 4
        ld l,(ix+q_at+6)        ; T[12] = q[3] + T[4] (T[4] = q[2])
        ld h,(ix+q_at+7)
        add hl,bc
        pl_entry group, 12
        or a
        sbc hl,bc
        pl_entry group, 8
        add hl,de
        pl_entry group, 9
        add hl,sp
        pl_entry group, 11
        or a
        sbc hl,de
        pl_entry group, 10
        add hl,bc
        pl_entry group, 14
        add hl,de
        pl_entry group, 15
        or a
        sbc hl,sp
        pl_entry group, 13
        .endmacro

; pl_wide_q - pl_prepare's way for a q beyond -2048..2047 (from pl_group_tables, IX = q[4], attend_head's SP in
; at_fast_sp): the positive q's sum and the negative ones'; the planes hold them (@held: the tables by doubling,
; T[2^j + m] = T[m] + q_j, then pl_keys) or not (NC back to attend_head, the old dot).
pl_wide_q:
        ld sp,ix
        ld hl,-2 * 4
        add hl,sp
        ld sp,hl                ; SP = q[0] again
        ld hl,0                 ; H:L = the positive q's sum
        ld d,h
        ld e,l                  ; D:E = the negative ones'
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
        ld hl,-2 * 8
        add hl,sp
        ld sp,hl                ; SP = q[0]
        xor a
        ld (pl_tables),a        ; T[0] = 0, both groups' (pl_group_tables never writes it)
        ld (pl_tables + 256),a
        ld de,pl_tables + 1     ; T_lo[2^j + m] at pl_tables + 2^j + m (its high byte a page on)
@low_q:
        pop bc                  ; q_j
        ld a,e
        ld (@low_end + 1),a     ; the copy ends where it started writing, at T[2^j]
        ld hl,pl_tables
@low_entry:
        ld a,(hl)
        add a,c
        ld (de),a
        inc h
        inc d
        ld a,(hl)
        adc a,b
        ld (de),a
        dec h
        dec d
        inc l
        inc e
        ld a,l
@low_end:
        cp 0                    ; (patched: T[2^j]'s offset)
        jr nz,@low_entry
        ld a,e
        cp 16
        jr nz,@low_q
        ld de,pl_tables + 256 + 16     ; T_hi[2^j + m] at pl_tables + 256 + 16 (2^j + m) (its high byte a page back)
@high_q:
        pop bc
        ld a,e
        ld (@high_end + 1),a
        ld hl,pl_tables + 256
@high_entry:
        ld a,(hl)
        add a,c
        ld (de),a
        dec h
        dec d
        ld a,(hl)
        adc a,b
        ld (de),a
        inc h
        inc d
        ld a,l
        add a,16
        ld l,a
        ld a,e
        add a,16
        ld e,a
        ld a,l
@high_end:
        cp 0
        jr nz,@high_entry
        ld a,e
        or a                    ; (T_hi[15]'s next offset wraps to 0)
        jr nz,@high_q
        jp pl_keys
@too_wide:
        ld sp,(at_fast_sp)
        or a                    ; (NC: the old dot)
        ret

; pl_prepare - HL = a head's q (8 words). C: the planes hold q, its tables built in Gray-code order (one add or
; sbc and one entry's two stores an entry: pl_group_tables) and the head's scores made by pl_keys, which
; pl_prepare falls into (attend_head's SP kept in at_fast_sp for both); NC: not. Runs with interrupts off.
; Clobbers AF, BC, DE, HL, IX and the other set's B, DE and HL.
pl_prepare:
        ld (at_fast_sp),sp      ; (SP walks q, then holds q[1] and q[5] while the tables are built)
        xor a
        ld (pl_tables),a        ; T[0] = 0, both groups' (the pages are another kernel's room between heads)
        ld (pl_tables + 256),a
        ld sp,hl
        ld ix,2 * 4
        add ix,sp               ; IX = q[4]
        pl_group_tables -8, 0
        ld sp,ix
        pl_group_tables 0, 1
        .assert * == pl_keys, "pl_prepare falls into pl_keys"

; pl_keys - the head's scores f[j] = q.k[j] >> 14 into at_scores (a word each, thirty-fifth round: the old dot's
; 4 bytes before) and their max into at_max (a word), from the planes at pl_planes and pl_prepare's tables. R in D:E, H the tables' page, a
; key's two planes' bytes popped into C and B; the scores' address in the other set's HL and max f in its DE, so
; that each byte of f is compared as it is stored (thirty-ninth round, zx48keys39: 16 T-states a key and head fewer
; than max f in IX, compared apart). Runs with
; interrupts off (SP walks the planes); returns C, the end of pl_prepare's way. A narrow key (its planes 10 and 11
; one byte) ends on plane 10, subtracted, and one shift more; a wide one takes both (@wide). The keys left in the
; other set's B. Clobbers AF, BC, DE, HL and the other set's B, DE and HL.
; pl_plane - R = (R >> 1) + T_lo[n_lo] + T_hi[n_hi] for the plane's byte in `byte` (`last`: R = (R >> 1) -
; T_lo[n_lo] - T_hi[n_hi], plane 11 complemented).
        .macro pl_plane byte, last
        sra d                   ; R = (R >> 1) + P_b: P_b = T_lo[n_lo] + T_hi[n_hi]
        rr e
        ld a,byte
        and $0F
        ld l,a
        ld a,e
        .if last
        sub (hl)
        .else
        add a,(hl)              ; T_lo's low byte
        .endif
        ld e,a
        inc h
        ld a,d
        .if last
        sbc a,(hl)
        .else
        adc a,(hl)              ; its high byte, a page on
        .endif
        ld d,a
        ld a,l
        xor byte                ; (the byte's top nibble: n_lo xor byte, 3 T-states fewer than its `and $F0`)
        ld l,a
        ld a,e
        .if last
        sub (hl)
        .else
        add a,(hl)              ; T_hi's low byte, in that page
        .endif
        ld e,a
        dec h
        ld a,d
        .if last
        sbc a,(hl)
        .else
        adc a,(hl)              ; its high byte, a page back
        .endif
        ld d,a
        .endmacro
pl_keys:
        ld a,(at_count)
        exx
        ld b,a                  ; B' = the keys left
        ld hl,PL_SCORES         ; HL' = key 0's score
        ld de,PL_NO_MAX         ; DE' = max f so far
        exx
        ld sp,(pl_planes)       ; SP walks the head's planes, key by key
        ld h,pl_tables >> 8     ; H = the tables' first page (between the planes' reads)
@key:
        pop bc                  ; C = plane 0, B = plane 1
        ld a,c                  ; R = T_lo[n_lo] + T_hi[n_hi] (plane 0)
        and $0F
        ld l,a
        ld e,(hl)
        inc h
        ld d,(hl)
        ld a,l
        xor c                   ; (n_hi: n_lo xor the byte)
        ld l,a
        ld a,e
        add a,(hl)
        ld e,a
        dec h
        ld a,d
        adc a,(hl)
        ld d,a
        pl_plane b, 0
        .repeat (PL_PLANES - 4) / 2     ; planes 2..9
        pop bc
        pl_plane c, 0
        pl_plane b, 0
        .endrepeat
        pop bc                  ; plane 10, and plane 11 complemented
        ld a,c
        cp b
        jr nz,@wide             ; (a word of the key beyond -1024..1023)
        pl_plane b, 1           ; a narrow key: R = (R >> 1) - P_10 = q.k >> 10 (its complemented plane 11 is plane 10)
        sra d                   ; R = q.k >> 11
        rr e
@shift:
        .repeat 3
        sra d                   ; f = R >> 3 = q.k >> 14 (|f| <= 4096)
        rr e
        .endrepeat
@summed:                        ; (the score panel's max step: soulterm/tui/widgets/score_steps.py)
        ld a,e                  ; f stored, each byte compared with max f's in the store's set
        exx
        ld (hl),a
        inc l
        sub e                   ; f - max f so far < 0? then max (DE') stays
        exx
        ld a,d
        exx
        ld (hl),a
        sbc a,d
        jp m,@smaller
        ld d,(hl)               ; max f = f, back from its stored bytes
        dec l
        ld e,(hl)
        inc l
@smaller:
        inc l
        dec b
        exx
        jp nz,@key
        ld sp,(at_fast_sp)
        exx
        ld (at_max),de          ; (a word too: the weights' loop's AT_SHORT_SCORE_READ needs no byte 2)
        exx
        scf                     ; (C: the planes took the head)
        ret
@wide:                          ; a wide key: planes 10 and 11, R = q.k >> 11
        pl_plane c, 0
        pl_plane b, 1
        jp @shift

; pl_store - the 16 planes of a position's 4 heads' keys: HL = the keys (4 x 8 words), DE = head 0's planes 0..11
; at that position (head h's PL_HEAD_BYTES * h on), pl_store_high = head 0's planes 12..15 there (head h's
; PL_HIGH_HEAD_BYTES * h on). A plane's byte: bit d = bit b of k'[d], k' = k + 2048 (16 bits); plane 11
; complemented. C: every k in -2048..2047; NC: not (at_wide_planes set; every plane stored all the same).
; A plane's byte from B, C, D, E (dimensions 0-3) and B', C', D', E' (4-7), shifted out bit 0 first (planes 0..7
; from the low bytes, 8..15 from the high bytes + 8), in loops for room (each ends at its stores' low byte; the low
; planes' two a round: the unrolled form took 307 bytes more for 1,640 T-states a position's 4 heads fewer); a head
; whose high bytes + 8 have no bit in their top nibble (every k in -2048..2047) stores planes 12..15 as zeros. Clobbers AF, BC, DE, HL, IX and the
; other set.
; pl_store_plane - the next plane's byte into A (dimension 7 first: bit 7), from both sets (main set after).
        .macro pl_store_plane
        .repeat 2               ; (the other set's dimensions 7..4, then this set's 3..0)
        exx
        srl e
        rla
        srl d
        rla
        srl c
        rla
        srl b
        rla
        .endrepeat
        .endmacro
; pl_high_bytes - the high bytes + 8 of dimensions first..first + 3 into B, C, D, E; A = their OR.
        .macro pl_high_bytes first
        .repeat 4, dim
        ld a,(ix+2 * (first + dim) + 1)
        add a,8
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
        .endmacro
pl_store:
        push hl
        pop ix
        ex de,hl                ; HL = where planes 0..11 go
        exx
        ld hl,(pl_store_high)   ; HL' = where planes 12..15 go
        exx
        ld a,4
        ld (@heads + 1),a
        xor a
        ld (@wide + 1),a        ; the OR of every high byte + 8's top nibble (0: every k in -2048..2047)
@head:
        ld a,l
        add a,8
        ld (@low_end + 1),a     ; (the planes' loops end at their last store's low byte + 1)
        ld b,(ix+0)             ; the low bytes: planes 0..7
        ld c,(ix+2)
        ld d,(ix+4)
        ld e,(ix+6)
        exx
        ld b,(ix+8)
        ld c,(ix+10)
        ld d,(ix+12)
        ld e,(ix+14)
        exx
@low_plane:                     ; (two planes a round: 4 rounds)
        .repeat 2
        pl_store_plane
        ld (hl),a
        inc hl
        .endrepeat
        ld a,l
@low_end:
        cp 0                    ; (patched)
        jp nz,@low_plane        ; (jp: taken 3 rounds of 4)
        exx                     ; the high bytes + 8 (k + 2048): dimensions 4-7 in the other set
        pl_high_bytes 4
        exx
        ld (@first + 1),a
        pl_high_bytes 0
@first:
        or 0                    ; (patched: dimensions 4-7's OR)
        ld (@head_wide + 1),a   ; (the head's own: 0 in its top nibble, its planes 12..15 all 0)
@wide:
        or 0                    ; (patched: the heads' before)
        ld (@wide + 1),a
        ld a,l
        add a,3
        ld (@middle_end + 1),a
@middle_plane:                  ; planes 8..10
        pl_store_plane
        ld (hl),a
        inc hl
        ld a,l
@middle_end:
        cp 0                    ; (patched)
        jp nz,@middle_plane     ; (jp: taken 2 rounds of 3)
        pl_store_plane
        cpl                     ; plane 11, complemented (pl_keys' last plane)
        ld (hl),a
        inc hl
@head_wide:
        ld a,0                  ; (patched: the head's OR of its high bytes + 8)
        and $F0
        jr nz,@high_planes      ; (a k outside -2048..2047: its planes 12..15 from the bits)
        exx                     ; every k' below 4096: planes 12..15 are 0, stored without the shifts
        .repeat PL_HIGH_KEY_BYTES
        ld (hl),a
        inc hl
        .endrepeat
        exx
        jp @high_done           ; (jp: every head of keys in -2048..2047)
@high_planes:
        exx
        ld a,l
        add a,PL_HIGH_KEY_BYTES
        ld (@high_end + 1),a
        exx
@high_plane:                    ; planes 12..15
        pl_store_plane
        exx
        ld (hl),a
        inc hl
        ld a,l
        exx
@high_end:
        cp 0                    ; (patched)
        jr nz,@high_plane
@high_done:
        ld de,PL_HEAD_BYTES - PL_KEY_BYTES
        add hl,de
        exx
        ld de,PL_HIGH_HEAD_BYTES - PL_HIGH_KEY_BYTES
        add hl,de
        exx
        ld de,2 * AT_HEAD_DIM
        add ix,de
@heads:
        ld a,0                  ; (patched: the heads left)
        dec a
        ld (@heads + 1),a
        jp nz,@head
        ld a,(@wide + 1)
        and $F0
        scf
        ret z                   ; (C: every k in -2048..2047)
        ld a,1
        ld (at_wide_planes),a   ; the heads take the old dot (until the program clears it)
        or a                    ; (NC)
        ret

; pl_rebuild_key - a key's head from its 16 planes: HL = its planes 0..11, DE = its planes 12..15, IX = where
; its 8 words go (k = k' - 2048). The old dot's way for a head the planes do not take. Clobbers AF, BC, DE, HL.
pl_rebuild_key:
        push de
        ld b,PL_PLANES          ; planes 0..11 (B counting down: 1 at plane 11), then 12..15
        ld a,1
        ld (@complemented + 1),a
@plane:
        ld a,(hl)
        inc hl
        ld c,a
        ld a,b
@complemented:
        cp 0                    ; (patched: B at plane 11, kept complemented; 0 for planes 12..15)
        ld a,c
        jr nz,@bits
        cpl
@bits:
        .repeat AT_HEAD_DIM, dim        ; bit d of the plane's byte into dimension d's word, from the top
        rrca
        rr (ix+2 * dim + 1)
        rr (ix+2 * dim)
        .endrepeat
        djnz @plane
        ld a,(@complemented + 1)
        or a
        jr z,@offset            ; (both parts done)
        xor a
        ld (@complemented + 1),a        ; (no complemented plane among 12..15: B never 0 at the test)
        pop hl
        push hl
        ld b,PL_HIGH_KEY_BYTES
        jr @plane
@offset:
        pop de
        .repeat AT_HEAD_DIM, dim        ; k = k' - 2048
        ld a,(ix+2 * dim + 1)
        sub 8
        ld (ix+2 * dim + 1),a
        .endrepeat
        ret

.ifndef PL_OLD_KEYS_APART               ; (the 48K player's is in its cold part: planekeys48old.s)
        .include "planekeys48old.s"
.endif

pl_store_high:  .word 0         ; pl_store's planes 12..15 for head 0 (the program sets it, as DE)
.ifndef PL_HIGH_BY_HEAD
pl_high_planes: .word 0         ; the head's planes 12..15 at position 0 (the program sets it, as pl_planes)
.endif

.ifndef pl_tables               ; (the program may place them: the 48K's in the screen's middle third)
        .res (256 - (* & 255)) & 255
pl_tables:      .res 512        ; pl_prepare's two pages
.endif
        .assert (pl_tables & 255) == 0, "pl_keys reads the tables by a plane's nibbles, on two pages"
        .assert (PL_SCORES & 255) + PL_SCORE_BYTES * AT_MAX_POSITIONS <= 256, "pl_keys steps the scores by their low byte"
