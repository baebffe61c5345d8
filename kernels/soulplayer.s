; soulplayer.s - the soulplayer program: chat with a 2-layer transformer.
;
; Prints a banner, then loops: a "you> " prompt, one line read through the
; KERNAL (CHRIN), tokenised on the 6502 (tokenizer.s), and the reply
; generated token by token with the KV cache (forward.s), each token printed
; the moment it is chosen, with a SID voice-1 blip. The border flashes while
; the 6502 computes and gets its colour back afterwards. "q" alone quits to
; BASIC; a line of nothing but unknown characters, or an empty one, is
; answered like any other (its context is [SEP, SEP]).
;
; It talks to the machine only through the KERNAL jump table and the VIC and
; SID registers, so it runs on a real C64 and in VICE (PAL or NTSC) as well
; as in soulterm. While it runs, BASIC ROM is banked out ($01 = $36) so the
; weights and the cache can live under it, and zero page $02-$8F is saved;
; both are restored on the way out. While it computes a reply it banks the
; KERNAL and I/O out too ($01 = $34, interrupts off) for the squares table
; and the key sums under them (memory.inc), and banks them back in around
; every KERNAL call, SID write and border step. The NMI handler sees I/O
; whatever the banking and gives the banking back.
;
; RESTORE: while it runs, the program's own NMI handler sits in $0318 (and in
; the RAM vector at $FFFA, read while the KERNAL is out). RESTORE alone does
; nothing; RUN/STOP+RESTORE gives everything back as `q` does and hands the
; NMI to the KERNAL's handler, which warm-starts BASIC: READY. Keys typed
; while it computes (interrupts off) are not scanned until interrupts are on.
;
; Memory: this file, the tables, the kernels, the vocabulary and the
; spelling word list (vocab.inc) and the weights (soul.inc) make the PRG's
; resident part from $0801 up to PRG_LIMIT; the start-up part (the banner
; and the table builders of matvec.s and arith.s, run once) follows it in
; the file, past PRG_LIMIT where it must, in RAM the sums and cache of
; memory.inc take over once position 0 runs. The squares and quarter
; squares lie under the KERNAL ROM and the I/O area (not in the file).
; `soulterm build` prints the map.
;
; Cost: the "hello" turn of the vectors soul takes 14,168,031 PAL cycles, badlines
; included, from RETURN to the next prompt for 10 tokens: 1,416,803 a token, 1.44 s
; (`soulterm bench --program`; `--profile` for ten prompts, per routine;
; 14,224,933 before the fourteenth round).
; Start-up builds matvec's squares table (269,255 6502 cycles, 0.3 s) and the
; quarter squares (qs_build, 64,633), copies matvec's aligned middle bytes
; (mv_build_mid_copy, 4,493) and the exp table under the I/O area and runs
; position 0 (SEP) once (forward_first_save: 505,839 with the
; vectors soul, 319,081 with the shipped one), whose keys and values every
; turn then copies, then position 1 after each opener (forward.s,
; forward_openers_save: 2,002,252 for the shipped soul's six, 2.0 s;
; 3,064,750 for the vectors soul's), whose keys and values a turn that
; opens with one copies (12,623 cycles instead of the position). A second
; RUN (after `q` or RUN/STOP+RESTORE, the PRG not loaded again) finds the
; tables and the openers' records and runs position 0 alone, without the
; banner. (The kernel bench's cycles: no badlines.) Bytes: 779 (this file's
; code and text: 627 resident, 152 in the start-up part).

        .include "spec.inc"             ; generated from soulterm/soul/spec.py
        .include "c64.inc"
        .include "kernal.inc"
        .include "zeropage.inc"
        .include "memory.inc"
START_UP_APART  = 1             ; the table builders go in the start-up part (below)
MV_SPARSE_APART = 1             ; matvec's sparse walk after the kernels (below)
RN_FIXED_VECTORS = 1            ; every norm reads h and writes xn (rmsnorm.s)


        * = $0801
basic_stub:                     ; 10 SYS2061
        .word @line_end, 10
        .byte $9E
        .text "2061"
        .byte 0
@line_end:
        .word 0

main:
        .assert main == 2061, "the BASIC stub's SYS address must be main"
        jmp start

saved_border:
        .byte 0
saved_nmi:                      ; $0318 as the program found it
        .word 0
tables_built:                   ; 0 until the first RUN after LOAD has run start_up
        .byte 0
openers_saved:                  ; 0 until a RUN after LOAD has saved the openers'
        .byte 0                 ; position 1 (forward.s, forward_openers_save)
prompt_text:                    ; (lower case each time: a second RUN after
        .byte PET_LOWERCASE, PET_WHITE  ; RUN/STOP+RESTORE prints no banner)
        .petscii "you> ", 0
goodbye_text:
        .petscii "bye.", 13, 0
        .include "tables.s"
tables_end:

start:
        cld                     ; the kernels use binary arithmetic only
        ldx #0                  ; keep BASIC's zero page for the way back
@save_zero_page:
        lda ZP_SAVE_FIRST,x
        sta ZP_SAVE_AREA,x
        inx
        cpx #ZP_SAVE_LAST - ZP_SAVE_FIRST + 1
        bne @save_zero_page
        lda #MEM_BASIC_OUT      ; BASIC out: the start-up part and the
        sta CPU_PORT            ; weights lie under its ROM
        lda VIC_BORDER
        sta saved_border
        lda #IDLE
        sta NOW_LAYER
        sta NOW_HEAD
        lda #0
        sta CONTEXT_LEN
        sta NOW_POSITION
        jsr sound_init
        lda #<ignore_interrupt  ; the vector the CPU reads for a stray BRK
        sta IRQ_VECTOR          ; while the KERNAL is banked out: return
        lda #>ignore_interrupt
        sta IRQ_VECTOR+1
        lda KERNAL_NMINV
        sta saved_nmi
        lda KERNAL_NMINV+1
        sta saved_nmi+1
        lda #<nmi               ; RESTORE comes here with the KERNAL in
        sta NMI_VECTOR          ; ($FFFA, $0318) or out (the RAM vector)
        sta KERNAL_NMINV
        lda #>nmi
        sta NMI_VECTOR+1
        sta KERNAL_NMINV+1
        lda tables_built        ; a second RUN (after `q` or RUN/STOP+
        bne @tables_built       ; RESTORE, not loaded again) finds the tables
        jsr start_up            ; under the I/O area and the KERNAL, but not
        inc tables_built        ; start_up: position 0 writes over it
@tables_built:                  ; position 0 (SEP) is the same in every turn:
        jsr kernal_out          ; computed once a RUN (a RESTORE may have cut
        jsr forward_first_save  ; the last RUN's short), copied into each
        jsr forward_openers_save        ; turn's cache; position 1 of each
        jsr kernal_in           ; opener once a LOAD
        lda saved_border
        sta VIC_BORDER

prompt:
        ldx #<prompt_text
        ldy #>prompt_text
        jsr print
        jsr read_line
        lda tk_len              ; (an empty line gets a reply too: to
        cmp #1                  ; [SEP, SEP], like the integer engine's)
        bne @chat
        lda LINE_BUFFER         ; "q" or "Q" alone quits
        and #$7F
        cmp #'Q'
        beq quit
@chat:
        jsr tokenize
        jsr reply
        jmp prompt

quit:
        ldx #<goodbye_text
        ldy #>goodbye_text
        jsr print
        jmp leave               ; its RTS returns to BASIC

; RESTORE: alone, ignored. With RUN/STOP down, give BASIC its machine back
; and pass the NMI on to the handler the program found in $0318 (the
; KERNAL's: it sees RUN/STOP too, resets I/O and warm-starts BASIC).
nmi:
        pha
        lda CPU_PORT            ; the kernels compute with I/O banked out:
        pha                     ; see it for the keyboard, then give the
        ora #MEM_IO_IN          ; banking back
        sta CPU_PORT
        lda #KEY_COLUMN_7
        sta CIA1_COLUMNS
        lda CIA1_ROWS
        bpl @run_stop           ; row bit 7 low: RUN/STOP is down
        pla
        sta CPU_PORT
        pla
        rti
@run_stop:
        pla
        pla
        cld
        jsr leave
        jmp (KERNAL_NMINV)

; Give BASIC back what the program took: border, sound, memory banking,
; zero page, the NMI vector and BASIC's end-of-program pointers.
leave:
        lda saved_border
        sta VIC_BORDER
        lda #SID_TRIANGLE       ; gate off: a blip in flight fades
        sta SID_V1_CONTROL
        lda #MEM_DEFAULT
        sta CPU_PORT
        lda saved_nmi
        sta KERNAL_NMINV
        lda saved_nmi+1
        sta KERNAL_NMINV+1
        ldx #0
@restore_zero_page:
        lda ZP_SAVE_AREA,x
        sta ZP_SAVE_FIRST,x
        inx
        cpx #ZP_SAVE_LAST - ZP_SAVE_FIRST + 1
        bne @restore_zero_page
        lda #<main              ; BASIC's program is the stub alone: LOAD
        sta BASIC_VARTAB        ; set its end past the weights, above BASIC's
        sta BASIC_ARYTAB        ; memory top, which would make the next
        sta BASIC_STREND        ; variable an OUT OF MEMORY ERROR
        lda #>main
        sta BASIC_VARTAB+1
        sta BASIC_ARYTAB+1
        sta BASIC_STREND+1
        rts

; Read one line with CHRIN into LINE_BUFFER / tk_len. Characters past
; LINE_MAX are read (so the line is consumed) but not kept.
read_line:
        lda #0
        sta tk_len
@character:
        jsr CHRIN
        cmp #PET_RETURN
        beq @done
        ldy tk_len
        cpy #LINE_MAX
        bcs @character
        sta LINE_BUFFER,y
        inc tk_len
        bne @character
@done:                          ; CHRIN does not print the RETURN: the
        lda tk_len              ; reply starts on the next line
        sta LINE_LEN
        lda #PET_RETURN
        jmp CHROUT

; Generate the reply to TOKEN_BUFFER (tk_count ids): context = [SEP] + ids +
; [SEP]; its positions through forward_prefill, the last one through
; forward_step; then argmax, print, feed back, until END or a full context.
; Each turn starts again at position 0, so the cache holds only this turn.
; The KERNAL and I/O out (compute) and back in (print, read, sound),
; interrupts with them: the kernels read tables under both (memory.inc).
kernal_out:
        sei
        lda #MEM_ALL_RAM
        sta CPU_PORT
        rts
kernal_in:
        lda #MEM_BASIC_OUT
        sta CPU_PORT
        cli
        rts
ignore_interrupt:
        rti

reply:
        jsr kernal_out
        ldx #0
        lda #TOKEN_SEP
        sta CONTEXT_IDS
@copy:
        cpx tk_count
        beq @copied
        lda TOKEN_BUFFER,x
        sta CONTEXT_IDS+1,x
        inx
        bne @copy
@copied:
        lda #TOKEN_SEP
        sta CONTEXT_IDS+1,x
        inx
        inx
        stx CONTEXT_LEN
        jsr forward_first       ; position 0 is SEP: its cache entries are built in
        lda #1
        sta at_t
        lda tk_count            ; position 1 from its opener's record, if
        beq @prefill            ; it is a prompt id and an opener (at_t = 2)
        jsr forward_opener
@prefill:                       ; positions 0..len-2 of the prompt only fill
        ldx at_t                ; the cache; the last one needs its logits
        inx
        cpx CONTEXT_LEN
        beq @last_of_prompt
        lda CONTEXT_IDS-1,x
        jsr forward_prefill
        inc at_t
        jmp @prefill
@last_of_prompt:
        lda CONTEXT_IDS-1,x
        jsr forward_step
@next_token:
        lda CONTEXT_LEN
        cmp #CONTEXT
        beq @finished
        jsr argmax
        cmp #TOKEN_END
        beq @finished
        ldx CONTEXT_LEN
        sta CONTEXT_IDS,x
        inc CONTEXT_LEN
        pha
        jsr show_token
        pla
        ldx CONTEXT_LEN
        cpx #CONTEXT
        beq @finished           ; no room for another: skip its logits
        dex
        stx at_t
        jsr forward_step
        jmp @next_token
@finished:
        jsr kernal_in
        lda #SID_TRIANGLE       ; gate off: the last blip fades
        sta SID_V1_CONTROL
        lda saved_border
        sta VIC_BORDER
        lda #PET_RETURN
        jmp CHROUT

; Print token A's text and start its blip (pitch from the id).
show_token:
        pha
        jsr kernal_in           ; I/O for the SID, the KERNAL for CHROUT
        lda #SID_TRIANGLE       ; gate off, then on: retrigger the envelope
        sta SID_V1_CONTROL
        pla
        pha
        asl
        ora #$20
        sta SID_V1_FREQ_HI
        lda #0
        sta SID_V1_FREQ_LO
        lda #SID_TRIANGLE | SID_GATE
        sta SID_V1_CONTROL
        pla
        jsr print_token
        jmp kernal_out

; Print token A's text with CHROUT (the KERNAL in). An alphabet id is one
; character; a token a merge makes is the texts of the merge's two parts,
; left then right (so vocab.inc keeps no text for it: those bytes hold the
; spelling word list); any other token's text is in token_texts.
print_token:
        cmp #FIRST_ALPHABET_ID
        bcc @done               ; the specials have no text
        cmp #ALPHABET_END
        bcs @merged
        tax
        lda alphabet_petscii - FIRST_ALPHABET_ID,x
        jmp CHROUT
@merged:
        ldx #0
@find:
        cpx #MERGE_COUNT
        beq @listed
        cmp merge_result,x
        beq @found
        inx
        bne @find
@found:
        lda merge_right,x
        pha
        lda merge_left,x
        jsr print_token
        pla
        jmp print_token
@listed:                        ; records of id, text, 0; $FF ends them
        tax
        lda #<token_texts
        ldy #>token_texts
@record:
        sta pr_ptr
        sty pr_ptr+1
        ldy #0
        txa
        cmp (pr_ptr),y
        beq @print_record
        lda (pr_ptr),y
        cmp #$FF
        beq @done
@skip:
        iny
        lda (pr_ptr),y
        bne @skip
        tya                     ; the next record: pr_ptr + Y + 1
        sec
        adc pr_ptr
        ldy pr_ptr+1
        bcc @record
        iny
        bne @record
@print_record:
        ldx pr_ptr
        ldy pr_ptr+1
        inx
        bne @text
        iny
@text:
        jmp print
@done:
        rts

sound_init:
        lda #$0F
        sta SID_VOLUME
        lda #$09                ; attack 2 ms, decay 750 ms
        sta SID_V1_AD
        lda #$00                ; sustain 0, release 6 ms: a short blip
        sta SID_V1_SR
        lda #SID_TRIANGLE
        sta SID_V1_CONTROL
        rts

; Print the zero-terminated PETSCII string at X/Y with CHROUT.
print:
        stx pr_ptr
        sty pr_ptr+1
@character:
        ldy #0
        lda (pr_ptr),y
        beq @done
        jsr CHROUT
        inc pr_ptr
        bne @character
        inc pr_ptr+1
        bne @character
@done:
        rts

        .include "forward.s"
        .include "matvec.s"
        .include "attention.s"
        .include "rmsnorm.s"
        .include "arith.s"
        .include "embed.s"
        .include "vecops.s"
        mv_sparse_routines              ; (matvec.s)
        .include "tokenizer.s"
code_end:
        .include "vocab.inc"
vocab_end:
        .include "soul.inc"
resident_end:
        .assert resident_end <= PRG_LIMIT, "the PRG runs into the key sums, the matvec sums and the KV cache (memory.inc)"
        .assert prompt <= BASIC_ROM, "start must lie below the BASIC ROM: it runs with BASIC in until it banks BASIC out"

; The start-up part: what only the first RUN after LOAD needs. It follows
; the resident part in the file and may run past PRG_LIMIT, into RAM that
; nothing writes before position 0 (memory.inc, STARTUP_LIMIT); start
; banks BASIC out before it calls in here, under the BASIC ROM.
start_up_part:

; start_up: the banner, then the tables the kernels multiply with
; (memory.inc). Returns before position 0 runs, which writes the key sums
; and the cache over this code.
start_up:
        ldx #<banner_text
        ldy #>banner_text
        jsr print
        jsr mv_build_squares    ; writes go to the RAM under the KERNAL
        jsr kernal_out
        jsr mv_build_mid_copy   ; under the I/O area, from the squares
        ldx #127                ; the exp table under the I/O area (tables.s)
@exp_lut:
        lda exp_lut_image,x
        sta EXP_LUT,x
        dex
        bpl @exp_lut
        jsr qs_build            ; under the I/O area (memory.inc)
        jsr fw_build_sparse_rowk        ; under the KERNAL, from the squares
        jmp kernal_in

banner_text:
        .byte PET_LOWERCASE, PET_CLEAR, PET_LIGHT_GREEN
        .petscii "**** SOULPLAYER 64 ****", 13, 13
        .byte PET_LIGHT_BLUE
        .petscii "a 2-layer transformer in 6502 assembly.", 13
        .petscii "type a line and press return;", 13
        .petscii "q alone quits.", 13, 13, 0

exp_lut_image:                  ; (tables.s: start_up copies it to EXP_LUT)
        exp_lut_bytes
        mv_build_squares_routine        ; (matvec.s)
        mv_build_mid_copy_routine       ; (matvec.s)
        qs_build_routine                ; (arith.s)
        fw_build_sparse_rowk_routine    ; (forward.s)
prg_end:
        .assert prg_end <= STARTUP_LIMIT, "the start-up part runs into the activations (memory.inc, STARTUP_LIMIT): the KV cache"
