; planekeys48old.s - pl_old_keys, the old dot's keys from the 48K's packed planes (PL_PACKED, planekeys48.s): cold
; code, run only for a head the planes do not take (a q whose sums pass +-16,384, or a key beyond -2048..2047 in the
; cache). Included by planekeys48.s after pl_rebuild_key, or, with PL_OLD_KEYS_APART (thirty-fifth round,
; zx48keys35: the 48K player's), by the player in its cold part below $8000, so that its 42 bytes leave the code
; above $8000 the room of pl_keys' narrow keys.

; pl_old_keys - the old dot's keys (attention.s, a head the planes do not take): each of the head's at_count keys
; rebuilt from its 16 planes (pl_planes, pl_high_planes; with PL_HIGH_BY_HEAD, the 48K player's, forward.s's
; fw_high_planes works out planes 12..15's from the layer and head here, not each head) by pl_rebuild_key into
; pl_tables' pages, 16 bytes apart (free: the planes did not take the head; 20 keys take 320 of their 512 bytes).
; HL = key 0's row. Clobbers AF, BC, DE, HL.
pl_old_keys:
        push ix
.ifdef PL_HIGH_BY_HEAD
        call fw_high_planes
        ex de,hl
.else
        ld de,(pl_high_planes)
.endif
        ld hl,(pl_planes)
        ld ix,pl_tables
        ld a,(at_count)
        ld b,a
@key:
        push bc
        push hl
        call pl_rebuild_key     ; (HL = DE + PL_HIGH_KEY_BYTES after it: the next key's planes 12..15)
        ex de,hl
        pop hl
        ld bc,PL_KEY_BYTES
        add hl,bc
        ld bc,2 * AT_HEAD_DIM
        add ix,bc
        pop bc
        djnz @key
        pop ix
        ld hl,pl_tables
        ret
pl_old_keys_end:
        .assert 2 * AT_HEAD_DIM * AT_MAX_POSITIONS <= 512, "pl_old_keys' rows must fit pl_tables' two pages"
