; tokenizer.s - SPEC tokenizer on the Z80: characters to ids, then every merge in order.
;
; tokenize     tk_ids[0..tk_count) = the ids of the tk_len ASCII characters at tk_line
;              (lower-cased; characters outside the alphabet dropped), with each
;              merge of tk_merges applied left to right without overlap, in order.
;              Clobbers AF, BC, DE, HL, IX.
; Needs the tokenizer data (soulterm.zx.soul_layout.vocab_include).
; T-states: measured in tests/test_kernels_z80.py.

TK_MAX          = 64            ; characters of one line
.if SP_WORD_COUNT
; Spelling can lengthen each word of SP_MIN_CORRECTED or more characters by one;
; with a separator between words a line holds at most this many of them.
SP_GROWTH       = (TK_MAX + 1) / (SP_MIN_CORRECTED + 1)
.else
SP_GROWTH       = 0
.endif

tk_line:        .word 0
tk_len:         .byte 0
tk_count:       .byte 0

; The ids and spell's working memory are needed only until the next line is
; tokenised: a program may lend them memory it does not need meanwhile by
; defining TK_SCRATCH (the player: a position of the value cache).
TK_IDS_BYTES    = TK_MAX + SP_GROWTH    ; the characters' ids land at tk_ids + SP_GROWTH for spell
.if SP_WORD_COUNT
TK_SCRATCH_BYTES = TK_IDS_BYTES + 2 * SP_MAX_WORD + 13
.else
TK_SCRATCH_BYTES = TK_IDS_BYTES
.endif
.ifndef TK_SCRATCH
tk_scratch:     .res TK_SCRATCH_BYTES
TK_SCRATCH      = tk_scratch
.endif
tk_ids          = TK_SCRATCH
.if SP_WORD_COUNT
sp_listed       = tk_ids + TK_IDS_BYTES         ; the listed word being compared
sp_found        = sp_listed + SP_MAX_WORD       ; the first listed word within one edit
sp_read         = sp_found + SP_MAX_WORD        ; word: the next id to read
sp_write        = sp_read + 2                   ; word: where the next id goes
sp_typed        = sp_write + 2                  ; word: the typed word being corrected
sp_bit_ptr      = sp_typed + 2                  ; word: the word list's next byte
sp_left         = sp_bit_ptr + 2                ; ids left to read
sp_n            = sp_left + 1                   ; the typed word's length
sp_m            = sp_n + 1                      ; the length of the listed word in sp_listed
sp_found_len    = sp_m + 1                      ; 0, or the length of sp_found
sp_bit_buf      = sp_found_len + 1              ; the list's bits not yet read, then a 1
        .assert sp_bit_buf + 1 == TK_SCRATCH + TK_SCRATCH_BYTES, "spell's working memory miscounted"
.endif

tokenize:
        ld hl,(tk_line)
        ld de,tk_ids + SP_GROWTH
        ld a,(tk_len)
        ld b,a
        ld c,0                  ; C = ids so far
        or a
        jr z,@mapped
@character:
        ld a,(hl)
        inc hl
        and $7F
        push hl
        ld hl,tk_char_to_id
        add a,l
        ld l,a
        adc a,h
        sub l
        ld h,a
        ld a,(hl)
        pop hl
        or a
        jr z,@dropped
        ld (de),a
        inc de
        inc c
@dropped:
        djnz @character
@mapped:
        ld a,c
        ld (tk_count),a
.if SP_WORD_COUNT
        call spell
.endif
        ld ix,tk_merges
        ld b,tk_merge_count
        ld a,b
        or a
        ret z
@merge:
        push bc
        call tk_apply_merge
        ld de,3
        add ix,de
        pop bc
        djnz @merge
        ret

; tk_apply_merge - replace each (IX+0, IX+1) pair of tk_ids by IX+2, scanning left to right.
tk_apply_merge:
        ld hl,tk_ids            ; HL reads, DE writes (never ahead of HL)
        ld d,h
        ld e,l
        ld a,(tk_count)
        ld c,a                  ; C = ids left to read
        ld b,0                  ; B = ids written
@scan:
        ld a,c
        or a
        jr z,@done
        ld a,(hl)
        cp (ix+0)
        jr nz,@copy
        ld a,c
        cp 2
        jr c,@copy_again
        inc hl
        ld a,(hl)
        dec hl
        cp (ix+1)
        jr nz,@copy_again
        ld a,(ix+2)             ; the pair: one merged id
        ld (de),a
        inc de
        inc b
        inc hl
        inc hl
        dec c
        dec c
        jr @scan
@copy_again:
        ld a,(hl)
@copy:
        ld (de),a
        inc de
        inc b
        inc hl
        dec c
        jr @scan
@done:
        ld a,b
        ld (tk_count),a
        ret

.if SP_WORD_COUNT
; spell - the spelling rule (soulterm.soul.spelling) on the tk_count ids at
; tk_ids + SP_GROWTH, written to tk_ids (tk_count updated): every word (a run of
; letter and apostrophe ids) of SP_MIN_CORRECTED..SP_MAX_WORD + 1 ids that is
; not in sp_words becomes the first listed word within one edit of it.
; The writes never overtake the reads: a word is read whole before its
; replacement is written, and the replacements grow by SP_GROWTH at most.
; Clobbers AF, BC, DE, HL.
spell:
        ld hl,tk_ids + SP_GROWTH
        ld (sp_read),hl
        ld hl,tk_ids
        ld (sp_write),hl
        ld a,(tk_count)
        ld (sp_left),a
@next:
        ld a,(sp_left)
        or a
        jr z,@done
        ld b,a
        ld hl,(sp_read)
        ld a,(hl)
        call sp_is_word_id
        ld c,1                  ; not a word character: it is copied alone
        jr nc,@keep
        ld c,0                  ; C = the word's length
@run:
        ld a,(hl)
        call sp_is_word_id
        jr nc,@ended
        inc hl
        inc c
        djnz @run
@ended:
        ld hl,(sp_read)
        ld (sp_typed),hl
        ld a,c
        ld (sp_n),a
        cp SP_MIN_CORRECTED
        jr c,@keep
        cp SP_MAX_WORD + 2      ; longer: no listed word is within one edit
        jr nc,@keep
        call sp_correct
        or a
        jr z,@keep_typed
        ld b,0
        ld c,a
        ld hl,sp_found
        ld de,(sp_write)
        ldir
        ld (sp_write),de
        ld a,(sp_n)
        ld c,a
        jr @advance
@keep_typed:
        ld a,(sp_n)
        ld c,a
@keep:                          ; C ids at sp_read stay as they are
        ld b,0
        ld hl,(sp_read)
        ld de,(sp_write)
        push bc
        ldir
        pop bc
        ld (sp_write),de
@advance:                       ; C ids read
        ld hl,(sp_read)
        add hl,bc
        ld (sp_read),hl
        ld a,(sp_left)
        sub c
        ld (sp_left),a
        jr @next
@done:
        ld hl,(sp_write)
        ld de,tk_ids
        or a
        sbc hl,de
        ld a,l
        ld (tk_count),a
        ret

; sp_is_word_id - carry when A is the id of a-z or the apostrophe; keeps A.
sp_is_word_id:
        cp SP_APOSTROPHE_ID
        scf
        ret z
        cp SP_FIRST_LETTER_ID
        ccf
        ret nc
        cp SP_LAST_LETTER_ID + 1
        ret

; sp_correct - A = the length of the first listed word within one edit of the
; sp_n ids at (sp_typed), copied to sp_found; 0 when there is none or the
; typed word is listed itself (it stays then).
sp_correct:
        ld hl,sp_words
        ld (sp_bit_ptr),hl
        ld a,$80                ; no bits left: the first read loads a byte
        ld (sp_bit_buf),a
        xor a
        ld (sp_found_len),a
@next:
        call sp_next_word
        jr z,@done
        ld a,(sp_n)
        ld hl,sp_m
        sub (hl)
        jr z,@check             ; the same length: listed (stop) or one edit
        ld a,(sp_found_len)     ; once one is found, only the typed word itself matters
        or a
        jr nz,@next
        ld a,(sp_n)
        sub (hl)
        inc a                   ; 0..2: n - m is -1..1
        cp 3
        jr nc,@next
@check:
        call sp_one_edit
        cp 2
        jr z,@listed
        or a
        jr z,@next
        ld a,(sp_found_len)
        or a
        jr nz,@next
        ld a,(sp_m)
        ld (sp_found_len),a
        ld c,a
        ld b,0
        ld hl,sp_listed
        ld de,sp_found
        ldir
        jr @next
@listed:
        xor a
        ret
@done:
        ld a,(sp_found_len)
        ret

; sp_next_word - the next listed word's ids into sp_listed, its length into
; sp_m and A; Z (A = 0) at the end of the list.
sp_next_word:
        ld hl,(sp_bit_ptr)
        ld a,(sp_bit_buf)
        ld c,a
        ld b,SP_LENGTH_BITS
        call sp_bits
        ld (sp_m),a
        or a
        jr z,@end
        ld de,sp_listed
@character:
        push af                 ; A = characters left (C is the bit buffer)
        ld b,SP_CHAR_BITS
        call sp_bits
        add a,SP_FIRST_LETTER_ID
        ld (de),a
        inc de
        pop af
        dec a
        jr nz,@character
@end:
        ld (sp_bit_ptr),hl
        ld a,c
        ld (sp_bit_buf),a
        ld a,(sp_m)
        or a
        ret

; sp_bits - A = the next B bits of the list (HL its next byte, C its bit buffer).
sp_bits:
        xor a
@bit:
        sla c
        jr nz,@have
        ld c,(hl)               ; only the 1 was left: the next byte, a 1 behind its bits
        inc hl
        scf
        rl c
@have:
        rla
        djnz @bit
        ret

; sp_one_edit - A = 2 when the listed word (sp_listed, sp_m ids) is the typed
; word (sp_typed, sp_n ids), 1 when it is the typed word with one id changed,
; added, left out, or two neighbours swapped, else 0. sp_m is sp_n - 1..sp_n + 1.
sp_one_edit:
        ld hl,(sp_typed)
        ld de,sp_listed
        ld a,(sp_m)
        ld b,a
        ld a,(sp_n)
        cp b
        jr nc,@shorter
        ld b,a                  ; B = the shorter length
@shorter:
@prefix:                        ; skip what both start with
        ld a,(de)
        cp (hl)
        jr nz,@differ
        inc hl
        inc de
        djnz @prefix
@differ:                        ; B = ids of the shorter word from the first difference on
        ld a,(sp_m)
        ld c,a
        ld a,(sp_n)
        cp c
        jr z,@same_length
        jr c,@listed_longer
        inc hl                  ; the typed word has an id more: leave it out
        jr @tail
@listed_longer:
        inc de                  ; the listed word has an id more: skip it
        jr @tail
@same_length:
        ld a,b
        or a
        jr z,@equal
        dec b                   ; B = ids after the first difference
        jr z,@one               ; the last id changed
        inc hl
        inc de
        ld a,(de)
        cp (hl)
        jr z,@tail              ; the next ones agree: one changed
        dec hl                  ; two neighbours swapped?
        cp (hl)                 ; listed[i + 1] = typed[i]
        jr nz,@none
        inc hl
        dec de
        ld a,(de)
        cp (hl)                 ; listed[i] = typed[i + 1]
        jr nz,@none
        inc hl
        inc de
        inc de
        dec b
@tail:                          ; the B ids at HL and DE must agree
        ld a,b
        or a
        jr z,@one
@agree:
        ld a,(de)
        cp (hl)
        jr nz,@none
        inc hl
        inc de
        djnz @agree
@one:
        ld a,1
        ret
@none:
        xor a
        ret
@equal:
        ld a,2
        ret
.endif
