; logitbytes48.s - the 48K's logits' tops on one-byte tables (Z80; WP_TOPS_BYTES, thirty-sixth round, zx48logit36:
; a spend of the 48K's ladder). planes.s includes it in wp_tops' place; planes_wide.s's fw_out_logits calls it and
; narrows the rows it bounds (there, with WP_TOPS_BYTES). The 128K's logitplanes.s's idea in a lean form.
;
; Entry points (interrupts off while they run; each restores the state it found, IFF2 read with LD A,I;
; SP walks the tables and the rows and is put back):
;   wb_tops     the one-byte tables of the 32 words at (wp_x) on pages WB_PAGE..WB_PAGE + 3, then each of
;               (wp_rows_count) rows at (wp_w)'s (plane_bytes' layout) Q_4 = 8 A_7 + 4 A_6 + 2 A_5 + A_4 to
;               (wp_out) as a word (its words within one page), A_b the sum of a plane's four entries; wb_size S,
;               wb_scale s, wb_best_at past the best row's planes 7..4 (the last of the largest Q_4), HL its Q_4.
;               Carry set (nothing built) where S = sum |x| > WP_MOST_SUM (an x of -32768 included).
;               SP walks x too (popped: S, then each group's y). Clobbers AF, BC, DE, HL, IX and the alternate set.
;   wb_low      Q_8 = 16 Q_4 + 8 A_3 + 4 A_2 + 2 A_1 + A_0 of a row on those tables: HL its Q_4, IX its plane 3
;               masks (its byte 28); HL Q_8. Clobbers AF, BC, DE, IX.
;
; How: the tables hold e_g[m] = E_g[m] >> s, E_g planes.s's subset sums (0..S_g) and s the least with S >> s <=
; 255, so that a plane's four entries add up in A (sum_g e_g <= S >> s) and 2^s A_b <= P'_b <= 2^s A_b + 4 (2^s - 1)
; (soulterm/zx/logit_bytes.py is the model). An entry is the high byte of E_g[m] 2^(8-s) (< 2^16, exact modulo 2^16:
; each x taken as y = x << (8 - s) modulo 2^16), summed as logitplanes.s's: a row of 16 entries (m = 16 a + b) from
; R[a] = A[a] + B[15] (A the sums over y_4..y_7, B over y_0..y_3 from -N', N' the group's negative y) down by
; steps, two entries a push: -y_0 within a pair, y_0 - y_1, y_0 + y_1 - y_2 or y_0 + y_1 + y_2 - y_3 between them
; (b's lowest set bit), patched into the pairs a group; R alike (zx48spend36): R[15] = R[0] + y_4 + .. + y_7, then
; R[a - 1] = R[a] + D_k pushed down the R table, k a's lowest set bit (D_0 = -y_4 in BC, D_1 = y_4 - y_5 in DE, D_2
; and D_3 from memory), each row's R read through the alternate set. The rows walk the tables' four pages up and
; down (planes 6 and 4 have their groups from 3 down): no ld h a plane.
;
; T-states (python benchmarks/zx48_logit_tables.py --everyday: the ten's 64 reply steps' xn, the shipped out; the
; player's call fw_next_token): wb_tops 107,420 a call since zx48spend36 (116,513 before: S by popped x, 16-bit sums
; and the carry; a group's y popped, stored through HL and counted by B; R by its steps, pushed, ~1,000 fewer a group
; than the doubling's ~1,750; a row's R through the alternate set; then a row (counted from the code) 517: the four
; planes 304, the Horner steps 118, the store 30 with the compare's high byte, the best 17 (jp c), the step past
; planes 0..3 34, the loop 14 (dec d)); wb_low 837. fw_next_token 116,067 (126,152 before zx48spend36; 176,612 before
; WP_TOPS_BYTES: wp_tables 57,947 and wp_tops ~879 a row); rows kept by the first list 1.28 a call (one in 53 of 64),
; none left to the exact rows.
; Its bytes: 585 in the 48K player (wb_tops 547, wb_low 38; 524 before zx48spend36), in wp_tops' 196; the spend as the
; ladder saw it (zx48logit36) 645 bytes (331 below $8000, 314 above), worth 47,452 T-states a reply step of "hello"
; (docs/spectrum.md, "Thirty-sixth round: the 48K's logits by one-byte tables", and "Thirty-sixth round: the 48K's
; logits' tables and first list tightened").

.ifdef WP_NARROW_MARK_OUT
        .error "WP_TOPS_BYTES reads out's plane 6 bytes as they are: no WP_NARROW_MARK_OUT (wp_tops' marks)"
.endif
WB_PAGE         = WP_PAGE       ; the four tables, a page each: planes.s's first pages (dead when the logits run)
WB_SCRATCH      = (WP_PAGE + 4) << 8     ; y_0..y_7 (16 bytes), R[0..15] (32), then the glue's variables
WB_Y            = WB_SCRATCH
WB_R            = WB_SCRATCH + 16
wb_size         = WB_SCRATCH + 48        ; S
wb_scale        = WB_SCRATCH + 50        ; s
wb_best_at      = WB_SCRATCH + 52        ; SP past the best row's planes 7..4
wb_group_x      = WB_SCRATCH + 54        ; the next group's x
wb_page         = WB_SCRATCH + 56        ; the group's table page
wb_d1           = WB_SCRATCH + 58        ; the R steps D_1..D_3 (wb_r_step)
wb_d2           = WB_SCRATCH + 60
wb_d3           = WB_SCRATCH + 62
WB_GLUE_VARS    = WB_SCRATCH + 64        ; (planes_wide.s's fw_out_logits')
        .assert WB_SCRATCH + 64 <= (WP_PAGE + 8) << 8, "logitbytes48.s: its scratch within planes.s's pages"

; wb_pair step: two entries of a row pushed (HL the first's word, BC -y_0), then HL to the next pair's by the step
; (patched a group; the row's last pair has none)
        .macro wb_pair step_label
        ld d,h
        add hl,bc
        ld e,h
        push de
step_label:
        ld de,0                 ; (patched)
        add hl,de
        .endmacro

; wb_page_step / wb_plane_sum - A = the sum of a row's plane's four one-byte entries, its two mask words popped:
; groups 0..3 up the table pages, or 3..0 down where `down`, so that H ends on the next plane's first group
; (the planes alternate: no reload of H); clobbers BC, L.
        .macro wb_page_step down
        .if down
        dec h
        .else
        inc h
        .endif
        .endmacro
        .macro wb_plane_sum down
        pop bc
        ld l,c
        ld a,(hl)
        wb_page_step down
        ld l,b
        add a,(hl)
        wb_page_step down
        pop bc
        ld l,c
        add a,(hl)
        wb_page_step down
        ld l,b
        add a,(hl)
        .endmacro

; wb_r_step step_at: R's step by D_k at step_at (k = 2, 3), R pushed, then D_1 back in DE
        .macro wb_r_step step_at
        ld de,(step_at)
        add hl,de
        push hl
        ld de,(wb_d1)
        .endmacro

wb_tops:
        call wp_interrupts_off
        ld (wp_saved_sp),sp
        ld sp,(wp_x)            ; S = sum |x| (SP walks x)
        ld hl,0
        ld b,32
@size:  pop de
        bit 7,d
        jr nz,@minus
        add hl,de
        jr c,@over              ; S > 65,535: declined (|x| <= 32,768, so S so far never wraps unseen)
        djnz @size
        jr @summed
@clear: scf                     ; (declined: carry set)
@over:  jp wb_exit
@minus: or a
        sbc hl,de               ; S - x = S + |x| (x = -32768: + 32768, declined below)
        jr nc,@clear            ; no borrow: S + |x| > 65,535
        djnz @size
@summed:
        ld a,h
        cp $10
        jr nc,@clear            ; S > 4,095: declined
        ld (wb_size),hl
        ld a,h                  ; s: S's high byte's bit length (S >> s <= 255)
        ld c,b                  ; (B = 0)
@length:
        or a
        jr z,@scaled
        srl a
        inc c
        jr @length
@scaled:
        ld a,c
        ld (wb_scale),a
        ld (wb_shift_jump + 1),a        ; past s of the 8 doublings
        ld sp,(wp_x)            ; (SP walks x: nothing is pushed until a group's x are read)
        ld a,WB_PAGE
wb_group:                       ; SP the group's x, A its page
        ld (wb_page),a
        ld hl,WB_Y
        ld ix,0                 ; N': the negative x's y
        ld b,8
wb_y:   pop de                  ; x
        ex de,hl                ; (DE the y pointer)
        ld a,h                  ; (x's sign)
wb_shift_jump:
        jr wb_shifts            ; (patched: + s)
wb_shifts:
        .repeat 8
        add hl,hl
        .endrepeat
        ex de,hl                ; DE = y
        rla
        jr nc,wb_y_stored
        add ix,de
wb_y_stored:
        ld (hl),e
        inc l
        ld (hl),d
        inc l
        djnz wb_y
        ld (wb_group_x),sp
        ld sp,WB_R + 32         ; (R[15] .. R[0] are pushed down from there: the pushes before them land below)
        ld hl,(WB_Y)            ; the steps: t1 = y_0 - y_1, t2 = y_0 + y_1 - y_2, t3 = y_0 + y_1 + y_2 - y_3
        ld de,(WB_Y + 2)
        or a
        sbc hl,de
        ld (wb_t1_a + 1),hl
        ld (wb_t1_b + 1),hl
        ld (wb_t1_c + 1),hl
        ld (wb_t1_d + 1),hl
        add hl,de
        add hl,de               ; y_0 + y_1
        ld de,(WB_Y + 4)
        or a
        sbc hl,de
        ld (wb_t2_a + 1),hl
        ld (wb_t2_b + 1),hl
        add hl,de
        add hl,de               ; y_0 + y_1 + y_2
        ld de,(WB_Y + 6)
        or a
        sbc hl,de
        ld (wb_t3 + 1),hl
        add hl,de
        add hl,de               ; y_0 + ... + y_3
        .byte $DD,$E5           ; push ix
        pop de
        or a
        sbc hl,de               ; R[0] = B[15] = y_0 + .. + y_3 - N'
        ld (WB_R),hl
        ld hl,(WB_Y + 8)        ; the rows' steps down a: R[a - 1] = R[a] + D_k, k a's lowest set bit: D_0 = -y_4 (BC),
        xor a                   ; D_1 = y_4 - y_5 (DE), D_2 = y_4 + y_5 - y_6, D_3 = y_4 + y_5 + y_6 - y_7
        sub l
        ld c,a
        sbc a,a
        sub h
        ld b,a
        ld de,(WB_Y + 10)
        or a
        sbc hl,de
        ld (wb_d1),hl
        add hl,de
        add hl,de               ; y_4 + y_5
        ld de,(WB_Y + 12)
        or a
        sbc hl,de
        ld (wb_d2),hl
        add hl,de
        add hl,de               ; y_4 + y_5 + y_6
        ld de,(WB_Y + 14)
        or a
        sbc hl,de
        ld (wb_d3),hl
        add hl,de
        add hl,de               ; y_4 + .. + y_7
        ld de,(WB_R)
        add hl,de               ; R[15]
        push hl
        ld de,(wb_d1)
        add hl,bc               ; R[14]
        push hl
        add hl,de               ; R[13]
        push hl
        add hl,bc
        push hl
        wb_r_step wb_d2         ; R[11]
        add hl,bc
        push hl
        add hl,de               ; R[9]
        push hl
        add hl,bc
        push hl
        wb_r_step wb_d3         ; R[7]
        add hl,bc
        push hl
        add hl,de               ; R[5]
        push hl
        add hl,bc
        push hl
        wb_r_step wb_d2         ; R[3]
        add hl,bc
        push hl
        add hl,de               ; R[1]
        push hl
        add hl,bc
        push hl                 ; R[0]
        ld hl,0                 ; BC = -y_0
        ld de,(WB_Y)
        or a
        sbc hl,de
        ld b,h
        ld c,l
        exx
        ld hl,WB_R + 31         ; (HL': R[15]'s high byte first, down)
        exx
        ld a,(wb_page)
        inc a
        ld h,a
        ld l,0
        ld sp,hl                ; the page's end: rows a = 15..0 pushed down it
        ld a,16
wb_fill_row:
        exx
        ld d,(hl)
        dec l
        ld e,(hl)
        dec l
        push de                 ; R[a], through the row's own place (its pushes overwrite it)
        exx
        pop hl
        wb_pair wb_t1_a         ; b = 15, 14
        wb_pair wb_t2_a         ; 13, 12
        wb_pair wb_t1_b
        wb_pair wb_t3
        wb_pair wb_t1_c
        wb_pair wb_t2_b
        wb_pair wb_t1_d
        ld d,h                  ; 1, 0
        add hl,bc
        ld e,h
        push de
        dec a
        jp nz,wb_fill_row
        ld sp,(wb_group_x)
        ld a,(wb_page)
        inc a
        cp WB_PAGE + 4
        jp nz,wb_group
        ld a,(wp_rows_count)    ; the rows: Q_4 in HL' (B' 0), the out pointer DE', the best patched in, D the count
        ld d,a
        xor a
        ld (wb_best_high + 1),a
        ld (wb_best_low + 1),a
        exx
        ld de,(wp_out)
        ld b,a
        exx
        ld sp,(wp_w)
        ld h,WB_PAGE
wb_row:                         ; H = WB_PAGE
        wb_plane_sum 0     ; plane 7, groups 0..3 up
        exx
        ld l,a
        ld h,b
        exx
        wb_plane_sum 1     ; plane 6, groups 3..0 down
        exx
        add hl,hl
        ld c,a
        add hl,bc
        exx
        wb_plane_sum 0     ; plane 5 up
        exx
        add hl,hl
        ld c,a
        add hl,bc
        exx
        wb_plane_sum 1     ; plane 4 down
        exx
        add hl,hl
        ld c,a
        add hl,bc               ; Q_4
        ld a,l
        ld (de),a
        inc e                   ; ((wp_out)'s words lie within a page)
        ld a,h                  ; (the high byte stored, then compared)
        ld (de),a
        inc e
wb_best_high:
        cp 0                    ; (patched: the best's high byte)
        jp c,wb_below           ; (jp: most rows lie below)
        jr nz,wb_best
        ld a,l
wb_best_low:
        cp 0                    ; (patched: its low byte)
        jr c,wb_below
wb_best:
        ld a,l                  ; (the last of the largest)
        ld (wb_best_low + 1),a
        ld a,h
        ld (wb_best_high + 1),a
        ld (wb_best_at),sp
wb_below:
        exx
        ld hl,16                ; past planes 0..3
        add hl,sp
        ld sp,hl
        ld h,WB_PAGE
        dec d
        jp nz,wb_row
        ld a,(wb_best_low + 1)
        ld l,a
        ld a,(wb_best_high + 1)
        ld h,a
        or a                    ; built: carry clear
wb_exit:
        ld sp,(wp_saved_sp)
        jp wp_back

wb_low:
        ld b,4                  ; planes 3, 2, 1, 0: Q = 2 Q + A_b
@plane: add hl,hl
        ex de,hl
        ld h,WB_PAGE
        ld l,(ix+0)
        ld a,(hl)
        inc h
        ld l,(ix+1)
        add a,(hl)
        inc h
        ld l,(ix+2)
        add a,(hl)
        inc h
        ld l,(ix+3)
        add a,(hl)
        ex de,hl
        ld e,a
        ld d,0
        add hl,de
        ld de,-4
        add ix,de
        djnz @plane
        ret
