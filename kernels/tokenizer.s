; tokenizer.s - SPEC encoding of a typed line, on the 6502:
;   1. map each PETSCII character to its alphabet id (char_to_id below);
;      every other character (digits, symbols, graphics) is dropped;
;   2. with a word list (tokenizer format 3, vocab.inc), spell the prompt
;      (spell below): each word - a run of letters and apostrophes - of at
;      least MIN_CORRECTED characters that is not listed becomes the first
;      listed word (in list order) within one edit of it: one character
;      changed, left out or added, or two neighbours swapped; no such word:
;      it stays. The spelt ids go to SPELL_IDS (a word may gain a character);
;   3. apply the BPE merges in order: for each (left, right) -> result, scan
;      the ids left to right and replace each adjacent pair, without overlap
;      (below: the line's ids are marked in TK_PRESENT first, a merge whose
;      left id is not marked is skipped, the others look for a pair from the
;      end down, and only a merge that finds one copies the ids);
;   4. keep at most the first PROMPT_IDS ids: the tokenizer's prompt
;      budget, MAX_INPUT_IDS (spec.inc) unless its tokenizer.json declares
;      "prompt_ids".
;
; Inputs: LINE_BUFFER, tk_len (0..LINE_MAX). The merge table comes from the
;   build (merge_left/merge_right/merge_result, MERGE_COUNT entries, only
;   merges whose parts and result are all in the vocabulary) and so do
;   PROMPT_IDS and the word list with the rule's numbers (MIN_CORRECTED,
;   MIN_WORD, MAX_WORD from soulterm/soul/spelling.py), all in vocab.inc.
; The list: a code table (word_letters, the list's 15 commonest characters
;   first) and a nibble stream in list order (word_nibbles): per word a
;   nibble of its length less MIN_WORD, then a nibble per character, two
;   (NIBBLE_ESCAPE, then code - 15) for the rarer ones; WORD_LIST_END ends it.
;   A look-up decodes every listed word and compares those one length apart
;   or of equal length by their common prefix and suffix.
; Output: TOKEN_BUFFER[0..tk_count-1], which is LINE_BUFFER itself: without
;   a word list the ids overwrite the characters in place (never more ids
;   than characters); with one they are merged in SPELL_IDS and the kept
;   ones copied back.
; Clobbers A, X, Y, tk_*, sp_*, the spelling scratch (memory.inc).
; Cycles (exact, `soulterm bench --kernels`, the shipped tokenizer's 89
; merges): without a word list 3,504 for "hello", 10,045 for "i'm so
; nagry", 89,992 for the 80-character "hi soul, i am feeling so sda and
; lonley today, can you tell me a funy joke pleas". With the shipped list
; (335 words, 1,363 characters, 976 bytes): 23,443 for "hello", 130,774
; for "i'm so nagry", 802,420 for that line. With a long list (the corpus
; prompts' words for a 1,515-character budget: 367 words, 1,513
; characters, the most the C64 holds beside the shipped soul): 24,012 for
; "hello", 143,156 for "i'm so nagry" (0.14 s), 872,910 for that
; 80-character line (0.88 s: twelve words to look up, four of them not
; listed, so compared with every listed word). Before the fourteenth round
; (every merge scanned and copied the line): 15,306 / 31,257 / 159,164
; without a list, 35,252 / 149,717 / 871,421 with the shipped one, 35,821
; / 162,100 / 941,924 with the long one (with the vectors' merges 14,834
; for "hello"); before the thirteenth (sp_nibble's read through a patched
; operand, the loops' branches): 14,610 / 29,536 / 149,119, 35,227 /
; 152,923 / 888,803 and 35,818 / 165,819 / 962,212. Bytes: 696 (91 of them
; the map, 391 the spelling rule).

; The ids the merges work on: the line itself, or the spelt ids.
TK_IDS          = TOKEN_BUFFER + WORDS_LISTED * (SPELL_IDS - TOKEN_BUFFER)

tokenize:
        ldy #0
        sty tk_count
@character:
        cpy tk_len
        beq @mapped
        lda LINE_BUFFER,y
        bpl @unshifted
        cmp #PET_SHIFTED_A      ; a shifted letter reads as the letter;
        bcc @drop               ; every other code from $80 is dropped
        cmp #PET_SHIFTED_Z + 1
        bcs @drop
        and #$7F
@unshifted:
        cmp #CHAR_MAP_SIZE
        bcs @drop
        tax
        lda char_to_id,x
        beq @drop
        ldx tk_count
        sta TOKEN_BUFFER,x
        inc tk_count
@drop:
        iny
        bne @character
@mapped:
        lda #WORDS_LISTED
        beq @spelt
        jsr spell
@spelt:
        inc tk_mark             ; the line's ids marked in TK_PRESENT (a
        lda tk_mark             ; new mark each line: a stale byte that
        ldx tk_count            ; matches costs only a look)
        beq @marked
@mark:
        ldy TK_IDS-1,x
        sta TK_PRESENT,y
        dex
        bne @mark
@marked:                        ; each merge in order (X): a merge whose left
        dex                     ; id is not marked is skipped; else that id is
        bne @next_merge         ; looked for from the last place a pair can
@merge:                         ; start down (most merges find none and copy
        ldy merge_left,x        ; nothing); only a merge with a pair is
        lda TK_PRESENT,y        ; applied, left to right. (X = $FF, from the
        cmp tk_mark             ; loop's test: a tokenizer may have no merges.)
        bne @next_merge
        ldy tk_count
        dey
@rescan:
        lda merge_left,x
@look:
        dey
        bmi @next_merge         ; (tk_count < 2 looks at nothing)
        cmp TK_IDS,y
        bne @look
        lda TK_IDS+1,y
        cmp merge_right,x
        bne @rescan
        lda merge_left,x
        sta tk_left
        lda merge_right,x
        sta tk_right
        lda merge_result,x
        sta tk_result
        stx tk_merge
; The merge over TK_IDS, in place: Y reads, X writes (X <= Y).
        ldy #0
        ldx #0
@scan:
        cpy tk_count
        beq @scanned
        lda TK_IDS,y
        cmp tk_left
        bne @copy
        iny                     ; a left id: is the next one the right id?
        cpy tk_count
        beq @not_pair
        lda TK_IDS,y
        cmp tk_right
        bne @not_pair
        lda tk_result
        sta TK_IDS,x
        inx
        iny
        bne @scan               ; (always: Y <= SPELL_MAX)
@not_pair:
        dey
        lda TK_IDS,y
@copy:
        sta TK_IDS,x
        inx
        iny
        bne @scan               ; (always)
@scanned:
        stx tk_count
        ldy tk_result           ; the merged id is on the line now
        lda tk_mark
        sta TK_PRESENT,y
        ldx tk_merge
@next_merge:
        inx
        cpx #MERGE_COUNT
        bne @merge
        .assert MERGE_COUNT < 256, "tokenize's merge loop runs MERGE_COUNT times, by X"
        .assert SPELL_MAX <= 129, "the look for a left id counts Y down from tk_count - 2 with bmi"
@merged:
        lda tk_count
        .assert PROMPT_IDS >= 1 && PROMPT_IDS <= MAX_INPUT_IDS, "the prompt budget is 1..MAX_INPUT_IDS ids"
        cmp #PROMPT_IDS + 1
        bcc @kept
        lda #PROMPT_IDS
        sta tk_count
@kept:                          ; A = tk_count
        ldx #WORDS_LISTED
        beq @done
        tax                     ; spelt ids were merged in SPELL_IDS: the
        beq @done               ; kept ones go to TOKEN_BUFFER
@copy_back:
        lda TK_IDS-1,x
        sta TOKEN_BUFFER-1,x
        dex
        bne @copy_back
@done:
        rts

tk_mark:                        ; the last line's mark in TK_PRESENT
        .byte 0

; --- the spelling rule ---------------------------------------------------------
        .assert MIN_CORRECTED >= 1 && MIN_WORD >= 1, "the rule's lengths"
        .assert SPELL_MAX <= 255 && SPELL_WORD_MAX <= 128, "the spelling indexes ids and words by one byte"

; LINE_BUFFER[0..tk_count-1] (alphabet ids) -> SPELL_IDS[0..tk_count-1]:
; each word (a run of letters and apostrophes) of MIN_CORRECTED..MAX_WORD+1
; characters that is not listed becomes the first listed word within one
; edit of it, if there is one; everything else is copied as it is.
spell:
        lda #0
        sta sp_in
        sta sp_out
@next:
        ldx sp_in
        cpx tk_count
        beq @finished
        lda LINE_BUFFER,x
        jsr sp_word_character
        bcs @word
        ldy sp_out
        sta SPELL_IDS,y
        inc sp_out
        inc sp_in
        bne @next               ; always (sp_in <= LINE_MAX)
@finished:
        lda sp_out
        sta tk_count
        rts
@word:
        stx sp_start
@run:
        inx
        cpx tk_count
        beq @run_end
        lda LINE_BUFFER,x
        jsr sp_word_character
        bcs @run
@run_end:
        stx sp_in               ; the first id after the word
        txa
        sec
        sbc sp_start
        sta sp_n
        cmp #MIN_CORRECTED
        bcc @as_typed
        cmp #MAX_WORD + 2
        bcs @as_typed           ; no listed word is within one edit
        ldx sp_start
        ldy #0
@copy_typed:
        lda LINE_BUFFER,x
        sta SPELL_TYPED,y
        inx
        iny
        cpy sp_n
        bne @copy_typed
        jsr sp_look_up
        bcc @as_typed
        ldx #0
        ldy sp_out
@copy_best:
        lda SPELL_BEST,x
        sta SPELL_IDS,y
        inx
        iny
        cpx sp_best
        bne @copy_best
        sty sp_out
        beq @next               ; (always: Z from the compare)
@as_typed:
        ldx sp_start
        ldy sp_out
@copy_run:
        lda LINE_BUFFER,x
        sta SPELL_IDS,y
        inx
        iny
        cpx sp_in
        bne @copy_run
        sty sp_out
        beq @next               ; (always: Z from the compare)

; C = 1 when id A is a letter or the apostrophe. Keeps A, X, Y.
sp_word_character:
        cmp #WORD_ID_APOSTROPHE
        beq @yes                ; (C = 1)
        cmp #WORD_ID_Z + 1
        bcs @no
        cmp #WORD_ID_A          ; C = 1 from 'a' up
        rts
@no:
        clc
@yes:
        rts

; SPELL_TYPED[0..sp_n-1] against the word list, in list order. C = 0: keep
; it (it is listed, or no listed word is within one edit); C = 1: it becomes
; SPELL_BEST[0..sp_best-1], the first listed word within one edit. Once one
; is held, only an equal word (later in the list) can change the answer.
sp_look_up:
        lda #0
        sta sp_best
        sta sp_half
        lda #<word_nibbles
        sta sp_nibble@byte+1
        lda #>word_nibbles
        sta sp_nibble@byte+2
@word:
        jsr sp_nibble           ; its length less MIN_WORD
        cmp #WORD_LIST_END
        bne @listed_word
        lda sp_best
        cmp #1                  ; C = 1 when a word is held
        rts
@listed_word:
        clc
        adc #MIN_WORD
        sta sp_m
        ldx #0
@character:                     ; decode it into SPELL_CANDIDATE
        jsr sp_nibble
        cmp #NIBBLE_ESCAPE
        bcc @direct
        jsr sp_nibble
        clc
        adc #NIBBLE_ESCAPE
@direct:
        tay
        lda word_letters,y
        sta SPELL_CANDIDATE,x
        inx
        cpx sp_m
        bne @character
        lda sp_m
        sec
        sbc sp_n
        beq @same_length
        ldy sp_best
        bne @word
        cmp #1
        beq @longer
        cmp #$FF
        bne @word
        lda sp_m                ; one shorter: listed = typed less one
        bne @one_apart          ; character (always: sp_m >= MIN_WORD)
@longer:
        lda sp_n                ; one longer: listed = typed plus one
@one_apart:
        sta sp_k
        jsr sp_prefix           ; within one edit when prefix + suffix >= k
        lda sp_k
        sec
        sbc sp_p
        jsr sp_suffix_equal
        bcc @word
@hold:
        ldx sp_m
        stx sp_best
@copy:
        lda SPELL_CANDIDATE-1,x
        sta SPELL_BEST-1,x
        dex
        bne @copy
@next_word:
        jmp @word
@same_length:
        lda sp_n
        sta sp_k
        jsr sp_prefix
        cpx sp_n
        beq @listed
        lda sp_best
        bne @next_word
        lda sp_n                ; one character changed: the n-1-p after
        clc                     ; the first difference are equal
        sbc sp_p
        jsr sp_suffix_equal
        bcs @hold
        ldx sp_p                ; two neighbours swapped: crosswise equal,
        inx                     ; and the n-2-p after them
        cpx sp_n
        beq @next_word
        lda SPELL_TYPED-1,x
        cmp SPELL_CANDIDATE,x
        bne @next_word
        lda SPELL_TYPED,x
        cmp SPELL_CANDIDATE-1,x
        bne @next_word
        stx sp_k
        lda sp_n
        clc
        sbc sp_k
        jsr sp_suffix_equal
        bcs @hold
        bcc @next_word          ; (always)
@listed:
        clc
        rts

; X = sp_p = how many first characters the typed word and the candidate
; share, at most sp_k.
sp_prefix:
        ldx #0
@next:
        cpx sp_k
        beq @done
        lda SPELL_TYPED,x
        cmp SPELL_CANDIDATE,x
        bne @done
        inx
        bne @next
@done:
        stx sp_p
        rts

; C = 1 when the last A characters of the typed word and the candidate are equal.
sp_suffix_equal:
        sta sp_c
        ldx sp_n
        ldy sp_m
@next:
        sec
        dec sp_c
        bmi @done               ; all compared (A <= MAX_WORD + 1): C = 1
        dex
        dey
        lda SPELL_TYPED,x
        cmp SPELL_CANDIDATE,y
        beq @next
        clc
@done:
        rts

; A = the next nibble of the word list (high nibble first), its byte's
; address in the read's operand (sp_look_up sets it). Keeps X and Y.
sp_nibble:
@byte:
        lda $FFFF
        bit sp_half
        bmi @low
        lsr
        lsr
        lsr
        lsr
        dec sp_half             ; the low nibble is next
        rts
@low:
        and #$0F
        inc sp_half
        inc @byte+1
        bne @done
        inc @byte+2
@done:
        rts

; PETSCII -> alphabet id (SPEC: " abcdefghijklmnopqrstuvwxyz.'!?,;:-" are
; ids 4..38), 0 = not in the alphabet, for the codes below CHAR_MAP_SIZE.
; With the lower-case character set an unshifted letter is $41-$5A and a
; shifted one $C1-$DA; both map to the lower-case letter, since SPEC
; lower-cases the text (the code above folds $C1-$DA onto $41-$5A).
PET_SHIFTED_A   = $C1
PET_SHIFTED_Z   = $DA
CHAR_MAP_SIZE   = $5B           ; every character of the alphabet is below 'Z' + 1
char_to_id:
        .repeat CHAR_MAP_SIZE, c
        .byte (c == ' ') * 4 + (c >= $41 && c <= $5A) * (c - $41 + 5) + (c == '.') * 31 + (c == $27) * 32 + (c == '!') * 33 + (c == '?') * 34 + (c == ',') * 35 + (c == ';') * 36 + (c == ':') * 37 + (c == '-') * 38
        .endrepeat
