; tokenizer.s - SPEC tokenizer on the Z80: characters to ids, the spelling rule, then every merge in order.
;
; tokenize     tk_ids[0..tk_count) = the ids of the tk_len ASCII characters at tk_line
;              (TK_FIXED_LINE, the 48K player's: at soulplayer.s's line_buffer, no tk_line)
;              (lower-cased; characters outside the alphabet dropped), with the
;              spelling rule applied when the tokenizer has a word list (spell,
;              below: as Tokenizer.encode_prompt), then each merge of tk_merges
;              applied left to right without overlap, in order.
;              Clobbers AF, BC, DE, HL, IX (B'C' too before the twenty-third round).
; Needs the tokenizer's numbers before this file (soulterm.zx.soul_layout.vocab_constants)
; and its data (alphabet_include: tk_alphabet; vocab_include: tk_merges, merge i making
; id TK_FIRST_MERGE_ID + i, and the word list).
;
; The word list (sp_words) is packed (soul_layout.word_list_data): sp_char_ids
; holds the ids of its characters, the most frequent first; sp_word_bits, most
; significant bit first, per word its length - SP_MIN_WORD as that many 0s and
; a 1 (twenty-third round: a fixed SP_LENGTH_BITS before, 37 bytes more on the
; shipped list), with SP_FIRST_SHARED (the 48K player's) a bit, 1 where the word's
; first character is the word before's and left out (54 bytes fewer on the shipped
; list, 24 more here), then per character its rank in SP_SHORT_BITS bits when below
; SP_SHORT_CODES, else a prefix SP_SHORT_CODES.. and SP_LONG_BITS more; after
; the last word, SP_MAX_WORD - SP_MIN_WORD + 1 0s.
; The first word a line needs checked unpacks it into borrowed memory
; (SP_CHARS, sp_lengths); every word of 3..16 ids is then compared with the
; listed words of its length and the lengths either side, in list order.
;
; T-states (tests/test_zx_spelling.py), the whole tokenize with the shipped
; tokenizer and a word list of BUDGET 1,365 characters (335 words, 879 bytes:
; the shipped list, which the 48K player splits between the top of RAM and
; the cold part's end, sp_bits):
;   "hello"                 590,425   (without a word list: 45,740)
;   "i'm so nagry"          690,597   (98,777): it reads "i'm so angry"
;   a full line of 64 characters, "hi how are you doing today? i'm so nagry
;   and tierd of evrything!" 1,223,296 (438,584)
; Unpacking the list takes 529,241 of these (sp_decode); a word checked
; against all of it ~100,000 ("xyzzy": 690,805). (Thirty-ninth round, zx48room39: the merges' loop
; without its run-time test of none and a merged pair stored by @copy, 8 bytes fewer: 590,435 (45,729),
; 690,559 (98,730), 1,222,994 (438,285), 529,262 and 690,839 before.) (Twenty-third round: the
; lengths in unary, the list's end by a length past SP_MAX_WORD, sp_bits's byte loads
; through sp_load: 608,198, 708,322, 1,240,757, 547,025 and 708,602 before, the list
; 37 bytes longer.) (21 more each since the nineteenth round's
; old dot, zxdot48: the bench's layout; 21 less in sp_decode, each
; figure 21 less, from matvec.s's fourteenth round to the sixteenth round's vector steps: the bench's layout;
; 21 more each before the sixteenth round's MV_HLA_SLOTS moved it again.) (Before the alphabet's
; search replaced a 128-byte character map and sp_bits learnt the split:
; 600,645 (42,710), 698,422 (93,352), 1,216,996 (419,034), 542,491, 699,471.)

TK_MAX          = 64            ; characters of one line
.if SP_WORD_COUNT
; Spelling can lengthen each word of SP_MIN_CORRECTED or more characters by one;
; with a separator between words a line holds at most this many of them.
SP_GROWTH       = (TK_MAX + 1) / (SP_MIN_CORRECTED + 1)
.else
SP_GROWTH       = 0
.endif

.ifndef TK_FIXED_LINE                   ; (with it the line is always soulplayer.s's line_buffer: 8 bytes fewer)
tk_line:        .word 0
.endif
.ifdef RUN_VARIABLES                   ; (the 48K player's: below its program, off the tape, build.py)
tk_len          = RUN_VARIABLES
tk_count        = RUN_VARIABLES + 1
.else
tk_len:         .byte 0
tk_count:       .byte 0
.endif

; The ids and spell's working memory are needed only until the reply
; starts: a program may lend them memory it does not need meanwhile by
; defining TK_SCRATCH (TK_SCRATCH_BYTES) and, with a word list, SP_CHARS
; (SP_LIST_CHARS bytes) - the player lends positions of the KV cache.
TK_IDS_BYTES    = TK_MAX + SP_GROWTH    ; the characters' ids land at tk_ids + SP_GROWTH for spell
.if SP_WORD_COUNT
TK_SCRATCH_BYTES = TK_IDS_BYTES + 12 + SP_WORD_COUNT + 1
.else
TK_SCRATCH_BYTES = TK_IDS_BYTES
.endif
.ifndef TK_SCRATCH
tk_scratch:     .res TK_SCRATCH_BYTES
TK_SCRATCH      = tk_scratch
.endif
tk_ids          = TK_SCRATCH
.if SP_WORD_COUNT
.ifndef SP_CHARS
sp_chars_here:  .res SP_LIST_CHARS
SP_CHARS        = sp_chars_here
.endif
sp_chars        = SP_CHARS                      ; the listed words' ids, one after another
sp_read         = tk_ids + TK_IDS_BYTES         ; word: the next id to read
sp_write        = sp_read + 2                   ; word: where the next id goes
sp_typed        = sp_write + 2                  ; word: the typed word being corrected
sp_found        = sp_typed + 2                  ; word: the first listed word within one edit (in sp_chars)
sp_left         = sp_found + 2                  ; ids left to read
sp_n            = sp_left + 1                   ; the typed word's length
sp_found_len    = sp_n + 1                      ; 0, or the length of the word at sp_found
sp_decoded      = sp_found_len + 1              ; not 0 once sp_chars and sp_lengths hold the list
sp_lengths      = sp_decoded + 1                ; the listed words' lengths, then a 0
        .assert sp_lengths + SP_WORD_COUNT + 1 == TK_SCRATCH + TK_SCRATCH_BYTES, "spell's working memory miscounted"
.endif

tokenize:
.ifdef TK_FIXED_LINE
        ld hl,line_buffer
.else
        ld hl,(tk_line)
.endif
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
        cp $40
        jr c,@lower
        or $20                  ; upper case to lower (the alphabet has none of $40-$7F's others)
@lower:
        push hl
        push bc
        ld hl,tk_alphabet       ; character i of the alphabet has id TK_FIRST_ALPHABET_ID + i
        ld bc,TK_ALPHABET_SIZE
        cpir
        ld a,c                  ; (the loads keep cpir's Z: found)
        pop bc
        pop hl
        jr nz,@dropped
        cpl
        add a,TK_FIRST_ALPHABET_ID + TK_ALPHABET_SIZE   ; = the last id - the characters after it
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
.if tk_merge_count                     ; (the tokenizer's constant: no test at run time)
        ld ix,tk_merges
        ld b,tk_merge_count
@merge:
        ld a,TK_FIRST_MERGE_ID + tk_merge_count
        sub b
        ld (TK_MERGED_ID),a     ; merge i makes id TK_FIRST_MERGE_ID + i
        push bc
        call tk_apply_merge
        inc ix
        inc ix
        pop bc
        djnz @merge
.endif
        ret

; tk_apply_merge - replace each (IX+0, IX+1) pair of tk_ids by TK_MERGED_ID, scanning left to right.
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
        inc hl                  ; the pair: one merged id (the merge's, patched in), stored as
        dec c                   ; @copy stores an id, past its two
        ld a,0
TK_MERGED_ID    = * - 1
        jr @copy
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
; The first word to check unpacks the list (sp_decode). Called with A = tk_count.
; Clobbers AF, BC, DE, HL, IX.
spell:                          ; A = tk_count
        ld (sp_left),a
        ld hl,tk_ids + SP_GROWTH
        ld (sp_read),hl
        ld hl,tk_ids
        ld (sp_write),hl
        xor a
        ld (sp_decoded),a
@next:
        ld a,(sp_left)
        or a
        jr z,@done
        ld b,a
        ld hl,(sp_read)
        ld (sp_typed),hl
        ld c,0                  ; C = the ids of this run
        ld a,(hl)
        call sp_is_word_id
        jr c,@run
        inc hl                  ; not a word character: it is copied alone
        inc c
        dec b
        jr @read
@run:
        ld a,(hl)
        call sp_is_word_id
        jr nc,@read
        inc hl
        inc c
        djnz @run
@read:                          ; HL and B: after the run
        ld (sp_read),hl
        ld a,b
        ld (sp_left),a
        ld hl,(sp_typed)
        ld a,c
        ld (sp_n),a
        cp SP_MIN_CORRECTED
        jr c,@copy
        cp SP_MAX_WORD + 2      ; longer: no listed word is within one edit
        jr nc,@copy
        call sp_correct
        ld hl,(sp_found)
        or a
        jr nz,@copy
        ld hl,(sp_typed)        ; none: the typed word stays
        ld a,(sp_n)
@copy:                          ; A ids (1..) from HL to the output
        ld de,(sp_write)
        ld c,a
        ld b,0
        ldir
        ld (sp_write),de
        jr @next
@done:
        ld a,(sp_write)         ; (the ids are fewer than 256)
        sub tk_ids & $FF
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
; sp_n ids at (sp_typed), sp_found = where it is; A = 0 when there is none or
; the typed word is listed itself (it stays then).
sp_correct:
        ld a,(sp_decoded)
        or a
        call z,sp_decode
        xor a
        ld (sp_found_len),a
        ld hl,sp_lengths
        ld de,sp_chars
@next:                          ; HL = the next listed word's length, DE = its ids
        ld a,(hl)
        or a
        jr z,@end
        inc hl
        ld c,a                  ; C = its length (sp_one_edit keeps it)
        ld a,(sp_n)
        sub c
        jr z,@check             ; the same length: listed (stop) or one edit
        inc a                   ; 0..2: n - m is -1..1
        cp 3
        jr nc,@skip
        ld a,(sp_found_len)     ; once one is found, only the typed word itself matters
        or a
        jr nz,@skip
@check:
        push hl
        push de
        call sp_one_edit
        pop de
        pop hl
        cp 2
        jr z,@listed
        dec a
        jr nz,@skip
        ld a,(sp_found_len)
        or a
        jr nz,@skip
        ld a,c
        ld (sp_found_len),a
        ld (sp_found),de
@skip:
        ld a,c
        add a,e
        ld e,a
        adc a,d
        sub e
        ld d,a
        jr @next
@end:
        ld a,(sp_found_len)
        ret
@listed:
        xor a
        ret

; sp_decode - the packed list (sp_word_bits) to the ids of its words, one
; after another at sp_chars, and their lengths at sp_lengths, then a 0: the
; list ends with a length past SP_MAX_WORD (twenty-third round: B'C' counted
; the words before, 10 bytes of code more than the end's test). With
; ZX_DATA_BANK (the 128K player) the list lies in that bank above $C000, or with
; SP_WORDS_BANK in that one (bank 7's, below its block: thirty-sixth round, zx128fc1g36):
; paged in here and bank 0 back at the end (paging128.s; sp_chars and
; sp_lengths, this code and the stack lie below $C000: build.py asserts it).
sp_decode:
.ifdef SP_WORDS_BANK
        ld a,ZX_PAGE_ROM_48 | SP_WORDS_BANK
        call zx_page            ; (paging128.s's)
.else
.ifdef ZX_DATA_BANK
        call zx_page_data       ; (paging128.s, above $8000: 6 bytes here, the cold part's room)
.endif
.endif
        ld c,$80                ; no bits left: the first read loads a byte
        ld a,c
        ld (sp_decoded),a       ; (not 0)
        ld hl,sp_word_bits
        ld de,sp_chars
        ld ix,sp_lengths
@word:
        ld a,SP_MIN_WORD - 1
@length:
        inc a
        cp SP_MAX_WORD + 1
        jr z,@end               ; past the longest word: the list's end
        sla c                   ; the next bit into the carry
        call z,sp_load
        jr nc,@length           ; a 0: one character more
        ld (ix+0),a
        inc ix
.ifdef SP_FIRST_SHARED
        sla c                   ; the next bit: 1 where the word's first character is the word before's
        call z,sp_load
        jr nc,@character
        dec a                   ; (SP_MIN_WORD or more: characters of its own are left)
        push hl
        push af
        ld a,e
        sub (ix-2)              ; back the word before's length: its first character
        ld l,a
        ld a,d
        sbc a,0
        ld h,a
        ld a,(hl)
        ld (de),a
        inc de
        pop af
        pop hl
.endif
@character:
        push af                 ; A = characters left (C is the bit buffer)
        ld b,SP_SHORT_BITS
        call sp_bits
        cp SP_SHORT_CODES
        jr c,@ranked
        ld b,SP_LONG_BITS       ; a prefix: the rank's low bits follow
        call sp_more_bits
        sub (SP_SHORT_CODES << SP_LONG_BITS) - SP_SHORT_CODES
@ranked:                        ; A = the character's rank
        push hl
        ld hl,sp_char_ids
        add a,l
        ld l,a
        adc a,h
        sub l
        ld h,a
        ld a,(hl)
        pop hl
        ld (de),a
        inc de
        pop af
        dec a
        jr nz,@character
        jr @word
@end:
        xor a
        ld (ix+0),a             ; the lengths end
.ifdef ZX_DATA_BANK
        jp zx_page_top          ; bank 0 back: the player's top 16K
.else
        ret
.endif

; sp_bits - A = the next B bits of the list (HL its next byte, C its bit
; buffer: its bits, then a 1); sp_more_bits: A = A shifted left by B, the next B bits below.
sp_bits:
        xor a
sp_more_bits:
@bit:
        sla c                   ; the next bit into the carry
        call z,sp_load
        rla
        djnz @bit
        ret
; sp_load - after sla c found only C's own 1 (Z): the next byte into C, a 1 behind its bits,
; its top bit into the carry.
sp_load:
        ld c,(hl)
        inc l
        jr z,@page
@loaded:
        scf
        rl c
        ret
@page:
        inc h
        jr nz,@loaded
        ld hl,sp_word_bits_rest ; past $FFFF: the list goes on below (the 48K player's top part ends there)
        jr @loaded

; sp_one_edit - A = 2 when the listed word (C ids at DE) is the typed word
; (sp_typed, sp_n ids), 1 when it is the typed word with one id changed,
; added, left out, or two neighbours swapped, else 0. C is sp_n - 1..sp_n + 1
; and is kept.
sp_one_edit:
        ld hl,(sp_typed)
        ld b,c
        ld a,(sp_n)
        cp b
        jr nc,@prefix
        ld b,a                  ; B = the shorter length
@prefix:                        ; skip what both start with
        ld a,(de)
        cp (hl)
        jr nz,@differ
        inc hl
        inc de
        djnz @prefix
@differ:                        ; B = ids of the shorter word from the first difference on
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
