; fc1wide.s - fg_rows_wide: fc1planes.s's rows for any x (Z80), the calls its fg_tables declines
; (sum |x| > FG_MOST_SUM): the 128K player's since the twenty-seventh round (forward.s's FW_FC1_PLANES,
; docs/spectrum.md, "fc1's gate by bit planes in the 128K player", zxgate128b), whose layer 1 fc1 lies
; in fc1_planes.gate_bytes' layout alone (in bank ZX_DATA_BANK, before fc1planes.s), so that no matvec.s
; copy serves such an x. build.py places it below $C000, after forward.s (since zxfit128: in the room of
; matvec.s's coarse pairs' routines, which with FW_FC1_PLANES only bank 0's coarse calls run, now in bank 0
; above $C000; in the cold part below $8000 before): fw_fc1_planes runs for both layers, fg_rows_wide
; only for such an x (none on the benchmarks' prompts), with that bank paged.
;
; Entry: what fg_rows takes (fg_x, fg_w, fg_out, fg_rows_count, fg_shift: any shift 0..31), out =
; relu(sat16((W x + b) >> shift)) as the engine's fc1. Unlike fg_rows it steps fg_w and fg_out past the
; rows and counts fg_rows_count down to 0 (forward.s sets them again for each call). Interrupts as
; found. Clobbers AF, BC, DE, HL and AF' (arith.s's mul16s).
;
; How: each row's class from its start's word (fg_start_0, 1 or 2), b = bl - 128 (high >> class) from
; its head (high = -bh 2^class) and its tail (bl, since the thirty-third round), its 32 u' = 127 - w from its planes (each mask m from its entry's
; address: 2 m mod 256, then a page whose bit 0 is m's bit 7) into fc1planes.s's first table page (free:
; fg_tables declined this x), planes 6 (and 5) of class 1 (2) as ~plane 7; then b + sum w x by mul16s
; in 32 bits (w = u' xor $7F), sra32, sat32to16 and the ReLU: slow and exact. (128 bh by seven doublings since
; the thirty-fifth round, zxfc1g35: the shift through A before took the sbc's borrow for bh's sign, wrong for any
; bias of 128 or more, which no shipped fc1 has.) With FG_GROUP_FORMS (the 128K player's since the thirty-sixth round) the class from the
; start's code (a form's stub's too) and a group form's planes 7 and its lower one by fc1planes.s's fg_wide_form.
; T-states: fw_fc1_planes's call 117,000 to 120,000 on random x of sum |x| ~800..1,000 (the rows
; fc1planes.s's), ~2,441,000 where fg_tables declines (random x, sum |x| 6,715: its build ~41,000,
; then ~37,500 a row here): correctness first, for a call no shipped prompt makes.
; Bytes: 281 of its own lines in the 48K player (FW_FC1_BYTES, FG_BYTE_MASKS, thirty-sixth round, zx48fc1g36; with
; mv_w set for the cycles panel, 3 more);
; the 128K's 271 of its own lines (fw_fc1_planes 56 of them since the twenty-eighth round's layer 0, FW_FC1_PLANES_L0;
; 50 before), and 62 more from planes_wide.s's macros expanded in fg_rows_wide (wide_column_sums 49,
; mask_bits_into_row 13): 333 in all (269 and 331 before the thirty-sixth round put FG_GROUP_FORMS in the 128K player:
; the class from the start's code, 4 fewer; fg_wide_form's call, 6 more).
; With FG_BYTE_MASKS and FW_FC1_BYTES (the 48K player's since the thirty-sixth round, zx48fc1g36: both layers'
; rows in the program, each mask a byte in fc1_planes.plane_groups' order, the groups walked up or down by the
; plane's bit; fw_fc1_planes ends in a jp nc to fg_rows, else into fg_rows_wide): 340.

; fw_fc1_planes - (forward.s's fc1 call) Z for layer 0 (its fc1 is matvec's); else NZ with z = relu(fc1
; xn + b1) into fw_ffn by fc1planes.s (bank ZX_DATA_BANK paged, as for all of layer 1): fg_tables, then
; fg_rows, or fg_rows_wide where fg_tables declines the xn. With FW_FC1_PLANES_L0 (twenty-eighth round,
; zxfc1l0) layer 0's too, with bank 0 in: its rows soul_l0_fc1_w and bank 0's copy of fc1planes.s, at bank
; ZX_DATA_BANK's addresses (build.fc1_l0_rows_lines; its tables at $F000-$F7FF there), NZ always. Clobbers AF, BC, DE, HL, IX, AF' and the
; alternate set.
fw_fc1_planes:
        ld a,(fw_layer_index)
        or a
.ifdef FW_FC1_BYTES                     ; (the 48K's, thirty-sixth round, zx48fc1g36: both layers' rows in the program)
        ld hl,soul_l0_fc1_w
        ld a,soul_l0_fc1_w_shift + 1
        jr z,@layer
.else
.ifdef FW_FC1_PLANES_L0                 ; (twenty-eighth round, zxfc1l0: layer 0's too, on bank 0's copy)
        ld hl,soul_l0_fc1_w     ; (its rows and a copy of fc1planes.s at bank 4's addresses in bank 0)
        ld a,soul_l0_fc1_w_shift + 1
        jr z,@layer
.else
        ret z
.endif
.endif
        ld hl,soul_l1_fc1_w     ; (fc1planes.s's rows: build.py's fc1_rows_lines)
        ld a,soul_l1_fc1_w_shift + 1     ; (a product's shift: the soul's + 1, as the descriptors store it)
@layer: ld (fg_w),hl
.ifdef FW_FC1_BYTES
        ld (mv_w),hl            ; (the cycles panel's matrix: fc1, whose tables planes.s's wp_tables builds)
.endif
        ld (fg_shift),a
        ld hl,fw_xn
        ld (fg_x),hl
        ld hl,fw_ffn
        ld (fg_out),hl
        ld a,FW_FFN
        ld (fg_rows_count),a
        call fg_tables
.ifdef FW_FC1_BYTES
        jp nc,fg_rows           ; (the 48K's call wants no flag back: else into fg_rows_wide)
.else
        jr c,@wide
        call fg_rows
        or 1                    ; NZ: run
        ret
@wide:  call fg_rows_wide
        or 1
        ret
.endif

fg_rows_wide:
@row:   ld hl,(fg_w)
        ld e,(hl)               ; the class's start
        inc hl
        ld d,(hl)
        inc hl
        ld c,(hl)               ; -bh 2^class
        inc hl
        ld b,(hl)
        inc hl
        push hl                 ; the planes
.ifdef FG_GROUP_FORMS
        inc de
        inc de
        ld a,(de)               ; the start's code after its pop ix: add ix,bc (class 1), exx (2), else class 0
        cp $DD                  ; (fg_start_c's, and the group forms' stubs' by class)
        ld a,1
        jr z,@kind
        ld a,(de)
        cp $D9
        ld a,2
        jr z,@kind
.else
        ld hl,fg_start_1
        or a
        sbc hl,de
        ld a,1
        jr z,@kind
        ld hl,fg_start_2
        or a
        sbc hl,de
        ld a,2
        jr z,@kind
.endif
        xor a
@kind:  ld (fg_wide_kind),a
        or a
        jr z,@bh
@class: sra b                   ; -bh = high >> class
        rr c
        dec a
        jr nz,@class
@bh:    xor a                   ; b = bl + 128 bh, bh = -(BC) (|b| <= 32,768: 16 bits)
        ld h,a
        ld l,a
        sbc hl,bc               ; bh (-256..255)
        .repeat 7               ; 128 bh (bl from the row's tail, after its planes): seven doublings, as many
        add hl,hl               ; bytes as the shift through A they replace, which took the sbc's borrow for
        .endrepeat              ; bh's sign, set for any bh > 0 too (thirty-fifth round)
        ld (fg_wide_sum),hl
        ld a,h
        rla
        sbc a,a
        ld (fg_wide_sum + 2),a
        ld (fg_wide_sum + 3),a
        ld hl,fg_table_pages    ; the row's u', 0 first
        ld b,32
@clear: ld (hl),0
        inc l
        djnz @clear
        pop de                  ; its planes, from 7 down
        ld c,$80
.ifdef FG_GROUP_FORMS
        ld a,(fg_wide_kind)
        call fg_wide_form       ; (fc1planes.s's: a group form's planes 7 and the lower one; DE, C then its next plane)
.endif
.ifdef FG_BYTE_MASKS
; (FG_BYTE_MASKS: each mask a byte, a plane's groups 0..3 up or 3..0 down as fc1_planes.plane_groups orders them)
@plane: ld a,c
        and $55                 ; planes 6, 4, 2 and 0: down
        jr nz,@down
        bit 7,c
        jr z,@up                ; planes 5, 3 and 1: up
        ld a,(fg_wide_kind)
        dec a
        jr nz,@up               ; plane 7: up but in class 1's rows
@down:  ld a,-8
        ld l,24                 ; group 3's columns first
        jr @order
@up:    ld a,8
        ld l,0
@order: ld (@step + 1),a
@group: ld a,(de)               ; m
        inc de
        push hl
        mask_bits_into_row      ; (planes_wide.s's: C's bit into each column the mask A names)
        pop hl
        ld a,l
@step:  add a,8                 ; (patched: 8 up, -8 down)
        ld l,a
        and $E0                 ; (past group 3's columns, or below group 0's)
        jr z,@group
.else
@plane: ld l,0                  ; group 0's columns
@group: ld a,(de)               ; 2 m mod 256
        inc de
        ld b,a
        ld a,(de)               ; the page: its bit 0 is m's bit 7
        inc de
        rra
        ld a,b
        rra                     ; m
        push hl
        mask_bits_into_row      ; (planes_wide.s's: C's bit into each column the mask A names)
        pop hl
        ld a,l
        add a,8
        ld l,a
        cp 32
        jr nz,@group
.endif
        ld a,c
        rla                     ; (plane 7: the next is 6, 5 or 4 by the class)
        jr nc,@lower
        ld a,(fg_wide_kind)
        ld c,$40
        or a
        jr z,@plane
@skip:  srl c
        dec a
        jr nz,@skip
        jr @plane
@lower: srl c
        jr nz,@plane
        ld a,(de)               ; bl (the row's tail: bl, 0)
        inc de
        inc de
        ld (fg_w),de            ; (the next row)
        ld b,a
        ld a,(fg_wide_sum)
        or b
        ld (fg_wide_sum),a      ; 128 bh + bl
        ld a,(fg_wide_kind)     ; class 1 (2): plane 6 (6 and 5) of u' = ~plane 7
        or a
        jr z,@sum
        ld c,$40
        dec a
        jr z,@fill
        ld c,$60
@fill:  ld l,0
@column_fill:
        ld a,(hl)
        or a
        jp m,@filled
        or c
        ld (hl),a
@filled:
        inc l
        ld a,l
        cp 32
        jr nz,@column_fill
@sum:   xor a                   ; b + sum w x in 32 bits
        ld hl,(fg_x)
        wide_column_sums fg_table_pages, $7F, fg_wide_sum     ; (planes_wide.s's: w = 127 - u')
        ld a,(fg_shift)
        call sra32
        call sat32to16
        bit 7,h
        jr z,@store
        ld hl,0                 ; ReLU
@store: ex de,hl
        ld hl,(fg_out)
        ld (hl),e
        inc hl
        ld (hl),d
        inc hl
        ld (fg_out),hl
        ld hl,fg_rows_count
        dec (hl)
        jp nz,@row
        ret
fg_wide_kind:   .byte 0         ; the row's class
fg_wide_sum:    .res 4          ; b + sum w x
