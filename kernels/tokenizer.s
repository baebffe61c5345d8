; tokenizer.s - SPEC encoding of a typed line, on the 6502:
;   1. map each PETSCII character to its alphabet id (char_to_id below);
;      every other character (digits, symbols, graphics) is dropped;
;   2. apply the BPE merges in order: for each (left, right) -> result, scan
;      the ids left to right and replace each adjacent pair, without overlap;
;   3. keep at most the first PROMPT_IDS ids: the tokenizer's prompt
;      budget, MAX_INPUT_IDS (spec.inc) unless its tokenizer.json declares
;      "prompt_ids".
;
; Inputs: LINE_BUFFER, tk_len (0..LINE_MAX). The merge table comes from the
;   build (merge_left/merge_right/merge_result, MERGE_COUNT entries, only
;   merges whose parts and result are all in the vocabulary) and so does
;   PROMPT_IDS (vocab.inc).
; Output: TOKEN_BUFFER[0..tk_count-1], which is LINE_BUFFER itself: the
;   ids overwrite the characters in place (never more ids than characters).
; Clobbers A, X, Y, tk_*.
; Cycles (exact, with the vectors' 89 merges): 14,746 for "hello",
; 205,697 for an 80-character line. Bytes: 386 (256 of them the map).

tokenize:
        ldy #0
        sty tk_count
@character:
        cpy tk_len
        beq @mapped
        ldx LINE_BUFFER,y
        lda char_to_id,x
        beq @drop
        ldx tk_count
        sta TOKEN_BUFFER,x
        inc tk_count
@drop:
        iny
        bne @character
@mapped:
        lda #0
        sta tk_merge
@merge:
        lda tk_merge
        cmp #MERGE_COUNT
        beq @merged
        lda tk_count
        cmp #2
        bcc @merged
        ldx tk_merge
        lda merge_left,x
        sta tk_left
        lda merge_right,x
        sta tk_right
        lda merge_result,x
        sta tk_result
        jsr tk_apply_merge
        inc tk_merge
        jmp @merge
@merged:
        lda tk_count
        .assert PROMPT_IDS >= 1 && PROMPT_IDS <= MAX_INPUT_IDS, "the prompt budget is 1..MAX_INPUT_IDS ids"
        cmp #PROMPT_IDS + 1
        bcc @done
        lda #PROMPT_IDS
        sta tk_count
@done:
        rts

; One merge over TOKEN_BUFFER, in place: Y reads, X writes (X <= Y).
tk_apply_merge:
        ldy #0
        ldx #0
@scan:
        cpy tk_count
        beq @scanned
        lda TOKEN_BUFFER,y
        cmp tk_left
        bne @copy
        iny                     ; a left id: is the next one the right id?
        cpy tk_count
        beq @not_pair
        lda TOKEN_BUFFER,y
        cmp tk_right
        bne @not_pair
        lda tk_result
        sta TOKEN_BUFFER,x
        inx
        iny
        jmp @scan
@not_pair:
        dey
        lda TOKEN_BUFFER,y
@copy:
        sta TOKEN_BUFFER,x
        inx
        iny
        jmp @scan
@scanned:
        stx tk_count
        rts

; PETSCII -> alphabet id (SPEC: " abcdefghijklmnopqrstuvwxyz.'!?,;:-" are
; ids 4..38), 0 = not in the alphabet. With the lower-case character set an
; unshifted letter is $41-$5A and a shifted one $C1-$DA; both map to the
; lower-case letter, since SPEC lower-cases the text.
char_to_id:
        .repeat 256, c
        .byte (c == ' ') * 4 + (c >= $41 && c <= $5A) * (c - $41 + 5) + (c >= $C1 && c <= $DA) * (c - $C1 + 5) + (c == '.') * 31 + (c == $27) * 32 + (c == '!') * 33 + (c == '?') * 34 + (c == ',') * 35 + (c == ';') * 36 + (c == ':') * 37 + (c == '-') * 38
        .endrepeat
