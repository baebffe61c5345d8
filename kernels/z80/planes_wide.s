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
; found. Clobbers AF, BC, DE, HL, IX and AF' (arith.s's mul16s).
;
; How: each row's 32 u = w + 128 unpacked from its 8 planes x 4 masks (soul_layout.PLANE_ORDER,
; PLANES_DOWN's groups from 3 down) into the tables' first page (free: wp_tables declined this x),
; then sum w x by arith.s's mul16s in 32 bits, sra32 and sat32to16: slow and exact.
; T-states: ~38,900 a row (tests/test_kernels_z80_matvec_planes.py, random w and x; 32 rows of an
; xn ~1.24M, against wp_rows' ~1,750): correctness first, for a call no shipped prompt makes.
; Bytes: 172.

wp_rows_wide:
@row:   ld hl,wp_table_pages    ; the row's u, 0 first
        ld b,32
@clear: ld (hl),0
        inc l
        djnz @clear
        ld de,(wp_w)            ; its masks in plane_bytes' order
        ld ix,wp_wide_order
@plane: ld c,(ix+0)             ; 1 << b
        xor a                   ; 8 i for the plane's i-th mask
@group: push af
        xor (ix+1)              ; its group's u: 8 g (PLANES_DOWN's g = 3 - i)
        ld l,a
        ld a,(de)
        inc de
@bit:   srl a                   ; column 8 g + j's bit b
        jr nc,@next
        ld b,a
        ld a,(hl)
        or c
        ld (hl),a
        ld a,b
@next:  inc l
        or a
        jr nz,@bit              ; (to the mask's last set bit)
        pop af
        add a,8
        cp 32
        jr nz,@group
        inc ix
        inc ix
        ld a,(ix+0)
        or a
        jr nz,@plane
        ld (wp_w),de            ; (the next row)
        ld h,a                  ; sum w x from 0 in 32 bits
        ld l,a
        ld (wp_wide_sum),hl
        ld (wp_wide_sum + 2),hl
        ld hl,(wp_x)
@column:
        push af
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
        ld bc,(wp_wide_sum)
        add hl,bc
        ld (wp_wide_sum),hl
        ld hl,(wp_wide_sum + 2)
        adc hl,de
        ld (wp_wide_sum + 2),hl
        pop hl
        pop af
        inc a
        cp 32
        jr nz,@column
        ld hl,(wp_wide_sum)
        ld de,(wp_wide_sum + 2)
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
wp_wide_order:                  ; soul_layout.PLANE_ORDER: 1 << b, then 24 where the groups run down
        .byte 1 << 7, 0, 1 << 6, 24, 1 << 5, 0, 1 << 4, 24, 1 << 0, 0, 1 << 1, 0, 1 << 2, 0, 1 << 3, 0, 0
wp_wide_sum:    .res 4
