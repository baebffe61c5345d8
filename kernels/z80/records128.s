; records128.s - position 1's records in the 128K player's free banks (PLAYER_128K, Z80).
;
; Position 0 of every turn is SEP, so position 1's keys, values and key sums
; (both layers: 2 x (64 + 64 + 16) = 288 bytes, RECORD_BYTES; with AT_PLANE_SCORES,
; the 128K's since the sixteenth round, the keys and values, 256 bytes, the keys'
; planes made again from the copied keys by pl_store, record_copied) depend on
; nothing but the id there. The player keeps each position 1 it computes as
; that id's record, 64 ids a bank in banks 1 and 3 (record_banks, which nothing
; else of the player uses; 32 a bank in banks 1, 3, 6 and 7 before the twenty-fifth
; round, zxplanes128, and with AT_FAST_SCORES's longer records), and a later line that opens with the same
; id copies the record into the cache instead of running the position
; (position_one). record_known (one byte an id, just past the main block: off
; the tape, below the UDG area) says which ids have one in this LOAD: the first RUN clears it and
; records the commonest openers (records_first_run, records_top below).
; A record is a prefill position's: the last prompt position (position 1 of
; an empty line) needs its logits and runs forward_step as before.
;
; This part lies below $8000 with soulplayer.s: it pages a record's bank in
; at $C000 (paging128.s's zx_page), so it, record_pieces and what it copies
; to or from must lie below $C000 (build.py asserts it). records_top (the
; first RUN, the record banks and the openers' ids) runs with bank 0 paged
; and lies after the matrices.
;
; T-states (python benchmarks/z80_token.py --model 128k [--no-records | --everyday]): a
; record copied into the cache 38,544 on the ten since the thirty-first round's AT_PAGED_VALUES
; (kv_values_kept_record a word a pass, the words' high bytes paged; the record holds v, gathered
; by forward.s's record_values_gather), 33,762 since the twentieth round's zxkept2 (its words stored
; through forward.s's kv_values_kept_record, which writes both layers' kept sums of S(vl) from
; position 0's as it stores them: AT_KEPT_MEANS), 37,453 with AT_KEPT_MEANS's record_kept
; (a pass of its own over the copied words, ~11,000), 26,406 before
; (the ten's copies: position_one, the border included: the
; copy and both layers' planes, pl_store; the values through forward.s's kv_values_scatter
; since the eighteenth round's dimension-major value cache, pl_store's planes stepped by inc l;
; 26,617 with ldir before; cheaper
; for keys of 11 planes since the seventeenth round; 27,016 before it; 7,136 with the key sums before the
; sixteenth round's AT_PLANE_SCORES); a position computed and recorded 7,832 more
; than its forward_prefill alone (959,642 against 951,810 for "hello"'s position 1,
; the values gathered through kv_values_gather; 6,260 with ldir before the eighteenth
; round, 964,008 against 957,748 on its main; 7,190 before); the first RUN (records_first_run:
; position 0 and nine openers) 7,895,837, 2.26 s since the thirtieth round's word masks made by the first
; wp_tables from the tape's split masks (planes.s's wp_expand_first, 580,764 of them; zxmask30), 7,315,073 before;
; 9,484,822, 2.71 s at 3.5 MHz since the twenty-seventh round's q, k and v
; planes on the tape (SOUL_QKV_APART, zxgate128b: planes_first_run makes out's alone, 2,464,060 -> 1,074,892);
; 7,913,955, 2.26 s since the twenty-eighth round's out planes on the tape too (SOUL_OUT_APART, zxfc1l0: no
; planes_first_run), 9,175,744 before;
; 10,874,690, 3.11 s since zxstep128c's lg_split (out's masks
; split in two halves, ~148,600); 10,725,972, 3.06 s since the twenty-sixth round's out planes
; (FW_LOGIT_PLANES: planes_first_run's four more matrices, zxcoarse) and narrow rows and cheaper builds in
; planes.s (zxplanes128b); 9,952,667, 2.84 s since the twenty-fifth round's q, k, v
; by planes.s (FW_PLANES: planes_first_run's ~1,389,000 among them); 9,411,720, 2.69 s with fw_embed paging bank 6 in
; (nineteenth round; 9,410,770 on its main, 0d53b1a); 9,579,559, 2.74 s in the eighteenth round (9,623,758 before the
; eighteenth round; 9,984,000 in an older count; 10,009,250 before the seventeenth round,
; 10,036,902 before the sixteenth's last merges, 10,084,627 before AT_PLANE_SCORES; 7,808,987
; with six openers, 8,075,833 before the fifteenth round's matvec and attention
; branches merged).
; Bytes: 247 (in the 128K player: 188 below $8000, forward.s's record_values_gather, 22, here since the thirty-first
; round, zxroom31; 225, 166 below $8000, no planes_first_run since the twenty-eighth round's out planes on
; the tape, SOUL_OUT_APART, zxfc1l0, 92 fewer; 317, 254 below $8000, planes_sources without q, k and v's 6 entries, 30, since the
; twenty-seventh round, SOUL_QKV_APART; 347, 284 below $8000, planes_first_run's call of lg_split, 13, since zxstep128c;
; 334, 271 below $8000, planes_sources' 4 entries of out's planes, 20, since the twenty-sixth round (FW_LOGIT_PLANES); 314 before, 251 below $8000, planes_first_run's 85 since the twenty-fifth round
; (FW_PLANES) and fw_embed's 15 since the nineteenth round's te and pe in a bank among them, and
; records_top's 63 after the matrices, its call of planes_first_run among them; 225 before it, 226 with 4 record banks,
; before the twenty-fifth round's 2 banks of 64 (record_move's bank one rlca shorter); 274 with the twentieth
; round's record_kept (48), gone in zxkept2; 226 before record_kept; 211 before that; 202 before the eighteenth round's values through kv_values_gather and
; kv_values_scatter, their two pieces gone; 181 before AT_PLANE_SCORES's record_copied and shorter records;
; 189 before records_done ended in soulplayer.s's border_back;
; 8 more in soulplayer.s, 11 of tables that build.py writes,
; and record_known's 128 past the main block, off the tape).

.ifdef AT_FAST_SCORES
RECORD_BYTES    = 4 * KV_POSITION_BYTES + 2 * AT_SUMS_STRIDE
.else                           ; (AT_PLANE_SCORES: the planes are made again from the keys, pl_store)
RECORD_BYTES    = 4 * KV_POSITION_BYTES
.endif
.ifdef AT_FAST_SCORES
RECORDS_A_BANK  = 32            ; 32 x 288 = 9,216 bytes of each bank
RECORD_BANK_COUNT = 4
.else                           ; (since the twenty-fifth round: a bank's whole 16K, banks 6 and 7 planes.s's and the embedding's)
RECORDS_A_BANK  = 64            ; 64 x 256 = 16,384 bytes of each bank
RECORD_BANK_COUNT = 2
.endif
        .assert RECORDS_A_BANK * RECORD_BANK_COUNT == FW_VOCAB && (RECORD_BANK_COUNT == 2 || RECORD_BANK_COUNT == 4), "a record for every id"
        .assert RECORDS_A_BANK * RECORD_BYTES <= $4000, "a bank's records must fit its 16K"
.ifdef AT_FAST_SCORES
        .assert RECORD_BYTES == 256 + 32, "record_move finds record i at 256 i + 32 i"
.else
        .assert RECORD_BYTES == 256, "record_move finds record i at 256 i"
.endif
        .assert (record_known & 255) + FW_VOCAB <= 256, "record_known must lie in one page"

; position_one - position 1 of a prompt, a prefill position: copied from its
; id's record when this LOAD has one, else computed (forward_prefill) and
; recorded. Inputs as forward_prefill (fw_pos = 1).
position_one:
        call show_position
        ld a,(fw_token)
        add a,record_known & 255
        ld l,a
        ld h,record_known >> 8
        ld a,(hl)
        or a
        ld a,RECORD_INTO_CACHE
.ifdef AT_PLANE_SCORES
        jr nz,record_copied
.else
        jr nz,record_move
.endif
        push hl
        call forward_prefill
        xor a                   ; (RECORD_FROM_CACHE)
        call record_move
        pop hl
        ld (hl),h               ; (H: nonzero) this id has its record now
        ret

.ifdef AT_PLANE_SCORES
; record_copied - the record into the cache, then both layers' planes of its keys (fw_key_planes,
; fw_pos = 1), bank 0 back after them.
record_copied:
        call record_move        ; (with AT_KEPT_MEANS both layers' kept sums too: kv_values_kept_record)
        xor a
        ld (fw_layer_index),a
        ld hl,kv_keys + KV_POSITION_BYTES
        call fw_key_planes      ; (layer 0: the data bank paged in and out)
        ld a,1
        ld (fw_layer_index),a
        call zx_page_data
        ld hl,kv_keys + KV_LAYER_BYTES + KV_POSITION_BYTES
        call fw_key_planes
        ld a,$FF
        ld (fw_layer_index),a
        jp zx_page_top
.endif

RECORD_INTO_CACHE = $EB         ; ex de,hl: ldir from the record into the cache
RECORD_FROM_CACHE = $00         ; nop: ldir from the cache into the record

; record_move - position 1's cache <-> fw_token's record, A = RECORD_INTO_CACHE
; or RECORD_FROM_CACHE. Record i of a bank lies at $C000 + 288 i (256 i with
; AT_PLANE_SCORES), its pieces
; in record_pieces' order. Pages the bank in and bank 0 back; clobbers all
; but IY.
record_move:
        ld (@to_record),a
        ld (@back),a
        ld a,(fw_token)
        and RECORDS_A_BANK - 1  ; i
.ifdef AT_FAST_SCORES
        ld h,a
        rrca
        rrca
        rrca
        ld l,a                  ; (i & 7) << 5 | i >> 3
        and $E0
        ld e,a                  ; 32 i's low byte
        xor l                   ; its high byte
        add a,h
        add a,$C0
        ld d,a                  ; DE = $C000 + 256 i + 32 i
.else
        add a,$C0
        ld d,a
        ld e,0                  ; DE = $C000 + 256 i (AT_PLANE_SCORES's records: no key sums)
.endif
        ld a,(fw_token)
        rlca                    ; its bank: fw_token >> 5 (>> 6 with 2 banks)
        rlca
.if RECORD_BANK_COUNT == 4
        rlca
.endif
        and RECORD_BANK_COUNT - 1
        ld hl,record_banks
        add a,l
        ld l,a
        .assert record_banks >> 8 == (record_banks + RECORD_BANK_COUNT - 1) >> 8, "record_banks in one page"
        ld a,(hl)
        or ZX_PAGE_ROM_48
        call zx_page
        ld ix,record_pieces
        ld a,RECORD_PIECES
@piece:
        ld l,(ix+0)
        ld h,(ix+1)             ; HL: the piece in the cache, DE: in the record
        ld c,(ix+2)
        ld b,0
@to_record:
        nop                     ; (patched: ex de,hl to copy into the cache)
        ldir
@back:
        nop                     ; (DE: the record again)
        inc ix
        inc ix
        inc ix
        dec a
        jr nz,@piece
.ifdef AT_FAST_MEANS                   ; (its value cache is dimension-major: attention.s, AT_VALUES_BY_DIMENSION)
        ld hl,kv_values + AT_DIMENSION_BYTES - 4 ; the values: position 1's word of each dimension,
        ld b,2 * FW_DIM                         ; both layers' (AT_DIMENSION_BYTES apart throughout),
        ld a,(@back)                            ; in the record after the keys, in their order
        or a                    ; (RECORD_FROM_CACHE: 0)
.ifdef AT_PAGED_VALUES
        call z,record_values_gather ; (it ends on Z: the call nz after it stays out)
.else
        call z,kv_values_gather ; (it ends on Z: the call nz after it stays out)
.endif
.ifdef AT_KEPT_MEANS
        call nz,kv_values_kept_record ; (and both layers' kept sums of S(vl): attention.s's AT_KEPT_MEANS)
.else
        call nz,kv_values_scatter
.endif
        .assert KV_LAYER_BYTES == FW_DIM * AT_DIMENSION_BYTES, "layer 1's dimensions go on AT_DIMENSION_BYTES after layer 0's"
.endif
        jp zx_page_top

.ifdef AT_PAGED_VALUES
; record_values_gather - kv_values_gather for records128.s's record: B words of the value cache at HL, HL +
; AT_DIMENSION_BYTES, ... into DE on, each high byte P (attention.s's AT_PAGED_VALUES: AT_SQ_PAGE
; - rlca(vh + 1)) back to vh, so that a record holds v (kv_values_kept_record stores it again).
; Ends on Z. Clobbers AF, B, DE, HL. (Here, below $8000 with record_move, which runs it with a record's bank in:
; forward.s had it below $C000 until the thirty-first round's zxroom31, 22 bytes.)
record_values_gather:
        ld a,(hl)
        ld (de),a               ; vl
        inc hl
        inc de
        ld a,AT_SQ_PAGE
        sub (hl)
        rrca
        dec a
        ld (de),a               ; vh = rrca(AT_SQ_PAGE - P) - 1
        inc de
        ld a,l
        add a,AT_DIMENSION_BYTES - 1
        ld l,a
        jr nc,* + 3
        inc h
        djnz record_values_gather
        xor a                   ; (Z)
        ret
.endif

; Where position 1's pieces lie in the cache, in a record's order, and their bytes.
record_pieces:
        .word kv_keys + KV_POSITION_BYTES
        .byte KV_POSITION_BYTES
        .word kv_keys + KV_LAYER_BYTES + KV_POSITION_BYTES
        .byte KV_POSITION_BYTES
.ifndef AT_FAST_MEANS                  ; (else, its cache dimension-major: after the pieces: kv_values_gather, kv_values_scatter)
        .word kv_values + KV_POSITION_BYTES
        .byte KV_POSITION_BYTES
        .word kv_values + KV_LAYER_BYTES + KV_POSITION_BYTES
        .byte KV_POSITION_BYTES
.endif
.ifdef AT_FAST_SCORES
        .word kv_key_sums + AT_SUMS_STRIDE
        .byte AT_SUMS_STRIDE
        .word kv_key_sums + KV_SUMS_LAYER_BYTES + AT_SUMS_STRIDE
        .byte AT_SUMS_STRIDE
        .assert 4 * KV_POSITION_BYTES + 2 * AT_SUMS_STRIDE == RECORD_BYTES, "the pieces make a record"
.else
        .assert 4 * KV_POSITION_BYTES == RECORD_BYTES, "the pieces make a record"
.endif
record_pieces_end:
RECORD_PIECES   = (record_pieces_end - record_pieces) / 3

.ifdef FW_PLANES
.ifndef SOUL_OUT_APART                  ; (twenty-eighth round, zxfc1l0: out's planes on the tape too, nothing to make)
; planes_first_run - (twenty-fifth round, forward.s's FW_PLANES) the six matrices' planes in bank
; FW_PLANES_BANK (with SOUL_QKV_APART, twenty-seventh round: out's alone, q, k and v on the tape), made from matvec's copies by the first RUN (records_first_run, before position 0: the
; key cache is free; here below $8000, once a LOAD, out of the room below $C000): each
; copied into the key cache with its bank paged, then planes.s's wp_make with bank FW_PLANES_BANK
; paged (FW_LOGIT_PLANES: out's rows then split by logitplanes.s's lg_split, the key cache its scratch);
; bank 0 back after. Clobbers AF, BC, DE, HL, IX.
FW_MATRIX_BYTES = FW_DIM * (3 + FW_DIM)         ; a 32x32 matrix in matvec's layout
        .assert KV_LAYER_BYTES >= FW_MATRIX_BYTES, "planes_first_run copies a matrix into the key cache"
planes_first_run:
        ld hl,planes_sources
@matrix:
        ld a,(hl)               ; its bank's port value, 0 after the last
        or a
.ifdef FW_LOGIT_PLANES
        jr z,@split
.else
        jp z,zx_page_top
.endif
        inc hl
        ld e,(hl)
        inc hl
        ld d,(hl)               ; matvec's copy
        inc hl
        push hl
        ld bc,ZX_PAGING_PORT
        out (c),a
        ex de,hl
        ld de,kv_keys
        ld bc,FW_MATRIX_BYTES
        ldir
        ld a,ZX_PAGE_ROM_48 | FW_PLANES_BANK
        ld bc,ZX_PAGING_PORT
        out (c),a
        pop hl
        ld e,(hl)
        inc hl
        ld d,(hl)               ; its planes
        inc hl
        push hl
        ld (wp_make_out),de
        ld hl,kv_keys
        call wp_make
        pop hl
        jr @matrix
.ifdef FW_LOGIT_PLANES
@split: ld hl,lg_masks          ; (bank FW_PLANES_BANK still paged) out's rows in logitplanes.s's halves
        ld de,kv_keys           ; (the scratch: FW_VOCAB 16 bytes)
        ld b,FW_VOCAB
        call lg_split
        jp zx_page_top
        .assert 2 * KV_LAYER_BYTES >= FW_VOCAB * FW_DIM / 2, "lg_split's scratch in the key cache (both layers')"
.endif
planes_sources:                 ; (port value, matvec's matrix, its planes) a matrix
.ifndef SOUL_QKV_APART                  ; (with it q, k and v come on the tape as planes alone)
        .byte ZX_PAGE_ROM_48
        .word soul_l0_q, wp_l0_q
        .byte ZX_PAGE_ROM_48
        .word soul_l0_k, wp_l0_k
        .byte ZX_PAGE_ROM_48
        .word soul_l0_v, wp_l0_v
        .byte ZX_PAGE_ROM_48 | ZX_DATA_BANK
        .word soul_l1_q, wp_l1_q
        .byte ZX_PAGE_ROM_48 | ZX_DATA_BANK
        .word soul_l1_k, wp_l1_k
        .byte ZX_PAGE_ROM_48 | ZX_DATA_BANK
        .word soul_l1_v, wp_l1_v
.endif
.ifdef FW_LOGIT_PLANES                  ; (out's 128 rows, 32 at a time: logitplanes.s's masks)
        .repeat 4, i                    ; (FW_VOCAB / FW_DIM: asserted below)
        .byte ZX_PAGE_ROM_48
        .word soul_out + i * FW_MATRIX_BYTES, lg_masks + i * FW_DIM * FW_DIM
        .endrepeat
        .assert 4 * FW_DIM == FW_VOCAB, "out's rows in four matrices of FW_DIM rows"
.endif
        .byte 0
.endif
.endif

.ifdef EMBED_BANK
; fw_embed - (nineteenth round) h = embed(fw_token, fw_pos) by embedrows.s's fw_embed at
; EMBED_ENTRY in bank EMBED_BANK (past its records until the twenty-fifth round, past planes.s's since), with te and pe
; (build.py's embed_bank): that bank paged in around it, bank 0 back after (paging128.s's
; zx_page). Here below $8000 with the records' paging: once a position, out of the room
; below $C000, which te's and pe's 4,736 bytes out of the contended RAM make for the value
; cache's move into it. Clobbers AF, AF', BC, DE, HL and the other set's.
fw_embed:
        ld a,ZX_PAGE_ROM_48 | EMBED_BANK
        ld bc,ZX_PAGING_PORT    ; (inline: 27 T-states a position fewer than a call of zx_page, 3 bytes more)
        out (c),a
        call EMBED_ENTRY
        ld a,ZX_PAGE_ROM_48
        jp zx_page
.endif

; records_top - the first RUN's part, run with bank 0 paged (build.py places
; it after the matrices, with record_banks: ids 0-31, 32-63, 64-95, 96-127,
; and record_openers, zero-terminated).
        .macro records_top
; records_first_run - once a LOAD (sep_cached still 0): no record known,
; position 0 (SEP) into the cache, and each of record_openers' position 1
; recorded. sep_cached is set last, so a first RUN cut short starts again.
records_first_run:
        ld a,(sep_cached)
        or a
        ret nz
.ifdef FW_PLANES
.ifndef SOUL_OUT_APART
        call planes_first_run   ; (the q, k, v planes in bank FW_PLANES_BANK, forward.s's FW_PLANES)
        xor a
.endif
.endif
        ld hl,record_known
        ld b,FW_VOCAB
records_clear:
        ld (hl),a
        inc hl
        djnz records_clear
        ld (fw_pos),a
        ld a,SEP_ID
        ld (fw_token),a
        call show_position
        call forward_prefill
        ld hl,record_openers
records_opener:
        ld a,(hl)
        or a
        jr z,records_done
        ld (fw_token),a
        push hl
        ld a,1
        ld (fw_pos),a
        call position_one
        pop hl
        inc hl
        jr records_opener
records_done:
        ld a,1
        ld (sep_cached),a
        jp border_back
        .endmacro
