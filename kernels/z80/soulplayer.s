; soulplayer.s - the soulplayer on the ZX Spectrum 48K (and 128K, PLAYER_128K): chat with the soul (Z80).
;
; Prints a banner, then loops: a "you> " prompt, one line read from the
; keyboard (LAST-K and FLAGS as the ROM's interrupt leaves them, echoed with
; RST $10, DELETE rubs out), tokenised (tokenizer.s), and the reply generated
; token by token with the KV cache (forward.s: the prompt's positions but the
; last through forward_prefill, position 0 - always SEP - only in the first
; turn, its keys and values kept in the cache), each token printed the moment
; it is chosen with a beeper blip. The border changes colour with every
; position while the Z80 thinks and gets its colour back afterwards. "q"
; alone quits to BASIC; an empty line gets a reply too (its context is
; [SEP, SEP]), as in the integer engine. The 128K player (PLAYER_128K) also
; keeps position 1 of every id it computes, and of the commonest openers, in
; RAM banks and copies it back for a line that opens with the same id
; (records128.s); its first RUN computes position 0 and those openers before
; the first prompt.
;
; It uses only the ROM's documented entry points (RST $10, CHAN-OPEN, CLS,
; BEEPER) and port $FE, keeps IY and H'L' for BASIC (the ROM needs both), and
; lives from $5D8D up ($5E80 on the 128K), above a `CLEAR` (the stack stays below it), with
; its logits in the printer buffer (the 48K's: under 128 BASIC it keeps that page in a bank,
; through port $7FFD, keep_printer_buffer) and, between turns, the typed line and the
; tokenizer's working memory in the KV cache (see line_buffer below). Token
; texts are printed from the merges (print_id): the build keeps no texts.
;
; With SCREEN_THIRD (the 48K player's, twentieth round: build.py) the chat keeps to the
; screen's top two thirds, lines 0..CHAT_LAST_LINE, and the bottom third's bitmap
; (SCREEN_THIRD, 2,048 bytes) holds run-time data: layer 1's value cache (kv_values_layer_1,
; build.py), out of the room above $8000. Its attributes are ink = paper (hide_third),
; so nothing there shows, and the ROM never scrolls: chat_put scrolls the window itself
; (chat_scroll) before the print position would pass CHAT_LAST_LINE and puts it back
; with AT, so that S-POSN and DF-CC stay the ROM's own. Nothing there survives a return
; to BASIC (its "0 OK" and editor write lines 22-23): restart computes position 0 again.

ROM_CHAN_OPEN   = $1601
.ifdef SCREEN_THIRD
SCREEN_THIRD_VALUES = 1         ; (layer 1's value cache lies in the screen's third: build.py)
.else
SCREEN_THIRD_VALUES = 0
.endif
ROM_CLS         = $0D6B
ROM_BEEPER      = $03B5
LAST_K          = $5C08
BORDCR          = $5C48
S_POSN          = $5C88         ; the upper screen's print position: 33 - column, 24 - line
ATTR_P          = $5C8D
FLAGS_FROM_IY   = 1             ; FLAGS = IY + 1 (IY = ERR-NR, $5C3A)
SCR_CT_FROM_IY  = $52           ; SCR-CT ($5C8C): scrolls left before the ROM asks "scroll?"
KEY_READY_BIT   = 5
UPPER_SCREEN    = 2             ; stream 2: the upper screen
KEY_ENTER       = 13
KEY_DELETE      = 12
CURSOR_LEFT     = 8
AT_CODE         = 22            ; RST $10's AT line, column
SEP_ID          = 1
END_ID          = 3
CONTEXT_SIZE    = 20
MAX_INPUT_IDS   = 16
BLIP_CYCLES     = 3             ; BEEPER: 3 cycles of ~1 kHz, about 3 ms
BLIP_TIMING     = 407
.ifdef LOGITS_IN_PRINTER_BUFFER
; The 48K's logits lie in the printer buffer, where 128 BASIC (a 128K's menu's "Tape Loader")
; keeps its paging routines and variables (SWAP, BANKM, TSTACK...): under it keep_printer_buffer
; keeps that page in bank SAVED_BANK while the player runs (docs/spectrum.md, "Twenty-third round:
; the 48K tape through a 128K's Tape Loader").
PRINTER_BUFFER  = $5B00
PAGING_PORT     = $7FFD
PAGING_48_ROM   = $10           ; port $7FFD under 128 BASIC at a USR: the 48 BASIC ROM, bank 0 at $C000
SAVED_BANK      = 6             ; (free under the 48K player; the 128's RAM disk fills it last)
SAVED_PAGE      = (PAGING_PORT & $FF) << 8  ; where in it the page waits ($FD00: in bank 0, constant data, the port test's byte)
FLAGS_128_BASIC = $10           ; FLAGS bit 4: 128 BASIC's, whose interrupt then scans the keypad
                                ; through $5B88..$5B8E (among the logits) every other frame
RET_OPCODE      = $C9
        .assert FLAGS_128_BASIC == PAGING_48_ROM, "keep_printer_buffer flips FLAGS bit 4 by the port's value"
.endif

; player_start - the entry (RANDOMIZE USR start): the screen, the banner, the 128K's
; tables and records, and on the 48K (LOGITS_IN_PRINTER_BUFFER) its test for 128 BASIC. It runs
; once, so the 48K player (START_IN_KEY_CACHE, build.py) keeps it and the banner in the key cache's
; last three positions of layer 1 (an overlay: the tape loads them there, the first turn that
; reaches position 17 writes over them).
; player_screen - H'L' kept for BASIC, the screen cleared and the upper screen's channel
; open: each start's first steps (player_start's and, on the 48K, restart's).
        .macro player_screen
        exx
        push hl                 ; H'L' must be intact when we return to BASIC
        exx
        call ROM_CLS
.ifdef SCREEN_THIRD
        call hide_third
.endif
        ld a,UPPER_SCREEN
        call ROM_CHAN_OPEN
        .endmacro

; put_a - A on the upper screen: RST $10, or with SCREEN_THIRD chat_put (the chat's window).
        .macro put_a
.ifdef SCREEN_THIRD
        call chat_put
.else
        rst $10
.endif
        .endmacro
        .macro player_start
.ifdef START_IN_KEY_CACHE
        ld a,LD_BC_OPCODE       ; start's jp here a ld bc,nn from now on: a later RANDOMIZE USR
        ld (start),a            ; start runs on into restart
.else
start:
.endif
        player_screen
.ifdef SOUL_QKV_PLANES
        ld hl,fw_xn             ; planes.s's x, every product's of the 48K's q, k and v (forward.s's
        ld (wp_x),hl            ; fw_projection sets the rest): once, from the start's overlay
.endif
.ifdef LOGITS_IN_PRINTER_BUFFER
        bit 4,(iy+FLAGS_FROM_IY)        ; 128 BASIC? its mode bit (FLAGS_128_BASIC) and a port
        jr z,@no_128_basic              ; $7FFD that pages (a 48K: no port, that bit whatever a
        ld hl,SAVED_PAGE                ; program left; a 128K in 48 BASIC: the port locked)
        ld e,(hl)                       ; bank 0's byte
        ld bc,PAGING_PORT
        ld a,PAGING_48_ROM | SAVED_BANK
        out (c),a
        inc (hl)                        ; bank SAVED_BANK's, or bank 0's where the port does not page
        ld a,PAGING_48_ROM
        out (c),a
        ld a,(hl)
        ld (hl),e                       ; (bank 0's as it was)
        cp e
        jr z,@in_128_basic              ; bank 0's byte untouched: the port paged
@no_128_basic:
        ld a,RET_OPCODE                 ; nothing to keep: keep_printer_buffer returns at once
        ld (keep_printer_buffer),a      ; (here and at each restart and quit of this load)
@in_128_basic:
        call keep_printer_buffer
.endif
        ld hl,banner_text
        call print
.ifdef RN_SWAPPED_SQUARES
start_squares_call:             ; (the 128K's tape: squaresfirst.s's squares_first, which writes this back)
        call rn_swap_squares    ; rmsnorm.s's squares by swapped nibbles, off the tape: in bank 0
        call zx_page_data       ; and in the bank the layer 1 norms run with
        call rn_swap_squares
        call zx_page_top
.endif
.ifdef PLAYER_128K
        call records_first_run  ; position 0 and the commonest openers' position 1 (records128.s)
.endif
        .endmacro

; player_banner - the text player_start prints.
        .macro player_banner
banner_text:                    ; (no colour codes: their parameter 0 would end the text)
.ifdef PLAYER_128K
        .text "soulplayer 128", KEY_ENTER
.else
        .text "soulplayer 48", KEY_ENTER
.endif
        .text "a 2-layer transformer in Z80", KEY_ENTER
        .text "assembly. type a line and press", KEY_ENTER
        .text "enter; q alone quits.", KEY_ENTER, KEY_ENTER, 0
        .endmacro

.ifdef START_IN_KEY_CACHE
; restart - the 48K's start again, each RANDOMIZE USR start after the first (after quit): the
; screen and the channel as player_start sets them (no banner: it lay in the overlay), 128 BASIC's
; page kept again, then the prompt.
; The cache's position 0 and the tables are still as the first start left them, but position
; 0's values of layer 1, which lie in the screen's bottom third (SCREEN_THIRD): BASIC may have
; written over them (its "0 OK" and editor in lines 22-23, a scroll or CLS), so the next turn
; computes position 0 again.
LD_BC_OPCODE    = $01           ; (ld bc,nn: its operand start's jp's, BC free at a start)
start:                          ; (RANDOMIZE USR start) the overlay's start the first time, which makes
        jp start_overlay        ; this jp a ld bc,nn: then restart (8 bytes fewer than quit's jp restart
restart:                        ; over the overlay's first bytes)
        player_screen
.ifdef LOGITS_IN_PRINTER_BUFFER
        call keep_printer_buffer
.endif
        xor a
        ld (sep_cached),a       ; (on into the prompt)
.else
        player_start
.endif
prompt:
.ifndef SCREEN_THIRD
        ld (iy+SCR_CT_FROM_IY),$FF  ; the ROM's own scroll (the 128K's chat) must never stop at "scroll?":
.endif                              ; CLS leaves SCR-CT 1 (docs/spectrum.md, "Twenty-second round")
        ld hl,prompt_text
        call print
        call read_line
        ld a,(tk_len)
        cp 1
        jr nz,@chat
        ld a,(line_buffer)      ; "q" or "Q" alone quits
        or $20
        cp 'q'
        jr z,quit
@chat:
.ifndef TK_FIXED_LINE                   ; (with it tokenize reads line_buffer itself)
        ld hl,line_buffer
        ld (tk_line),hl
.endif
.if SP_WORD_COUNT
.ifdef AT_KEPT_MEANS
.ifdef AT_TABLE_MEANS                  ; (the 48K's kept means: layer 0's values dimension-major, layer 1's in the third)
        ld hl,kv_values + AT_DIMENSION_BYTES - 2 ; layer 0's SEP values wait in the FFN buffer
        ld de,fw_ffn                            ; while the unpacked list runs over them
        ld b,FW_DIM
        call kv_values_gather
.endif
.endif
.ifdef AT_TABLE_BY_DIMENSION           ; (the 48K's table means over a dimension-major cache, positions in order:
        ld hl,kv_values                 ; layer 0's SEP values, each dimension's first word, wait in the FFN
        ld de,fw_ffn                    ; buffer while the unpacked list runs over them)
        ld b,FW_DIM
        call kv_values_gather
.endif
.ifdef AT_FAST_MEANS                   ; (its value cache is dimension-major: attention.s, AT_VALUES_BY_DIMENSION)
        ld hl,kv_values + AT_DIMENSION_BYTES - 2 ; both layers' SEP values (position 0, each
        ld de,fw_ffn                            ; dimension's last word: forward.s) wait in
        ld b,2 * FW_DIM                         ; the FFN buffer while the unpacked list
        call kv_values_gather                   ; runs over them (below)
.elseif SCREEN_THIRD_VALUES == 0               ; (with SCREEN_THIRD layer 1's values lie there, out of its way)
        ld hl,kv_values + KV_LAYER_BYTES        ; layer 1's SEP values: the unpacked
        ld de,fw_ffn                            ; list runs over them (below), so they
        ld bc,KV_POSITION_BYTES                 ; wait in the FFN buffer meanwhile
        ldir
.endif
.endif
        call tokenize
.if SP_WORD_COUNT
.ifdef AT_KEPT_MEANS
.ifdef AT_TABLE_MEANS
        ld hl,kv_values + AT_DIMENSION_BYTES - 2
        ld de,fw_ffn
        ld bc,2 * FW_DIM                ; (the 48K's kv_values_scatter counts bytes)
        call kv_values_scatter
.endif
.endif
.ifdef AT_TABLE_BY_DIMENSION
        ld hl,kv_values
        ld de,fw_ffn
        ld bc,2 * FW_DIM
        call kv_values_scatter
.endif
.ifdef AT_FAST_MEANS                   ; (its value cache is dimension-major: attention.s, AT_VALUES_BY_DIMENSION)
        ld hl,kv_values + AT_DIMENSION_BYTES - 2
        ld de,fw_ffn
        ld b,2 * FW_DIM
        call kv_values_scatter
.elseif SCREEN_THIRD_VALUES == 0
        ld hl,fw_ffn
        ld de,kv_values + KV_LAYER_BYTES
        ld bc,KV_POSITION_BYTES
        ldir
.endif
.endif
        call reply
        jr prompt

quit:
        ld hl,goodbye_text
        call print
        exx
        pop hl
        exx
.ifdef LOGITS_IN_PRINTER_BUFFER
; keep_printer_buffer - (quit's end) the printer buffer and bank SAVED_BANK's SAVED_PAGE
; exchanged, and FLAGS bit 4 flipped: at each start 128 BASIC's page goes to the bank and its
; mode bit off (its interrupt's keypad scan would write among the logits), at quit both come
; back. Patched to a RET by player_start where 128 BASIC does not run. Clobbers AF, BC, DE, HL.
keep_printer_buffer:
        ld bc,PAGING_PORT
        ld a,PAGING_48_ROM | SAVED_BANK
        out (c),a
        ld hl,PRINTER_BUFFER
        ld d,c                  ; DE = SAVED_PAGE: the port's low byte, a page
        ld e,l
@byte:
        ld a,(de)
        ldi
        dec hl
        ld (hl),a
        inc l
        jr nz,@byte
        ld a,PAGING_48_ROM
        out (c),a               ; (BC = $7EFD after the LDIs: the port all the same, decoded from A15 and A1 low, the +2A's A14 high)
        xor (iy+FLAGS_FROM_IY)
        ld (iy+FLAGS_FROM_IY),a
keep_printer_buffer_end:
        .assert keep_printer_buffer_end <= $C000, "keep_printer_buffer must lie below the paged bank"
        .assert fw_logits == PRINTER_BUFFER, "LOGITS_IN_PRINTER_BUFFER: forward.s's logits in the printer buffer"
.endif
        ret

; print - the zero-terminated text at HL through RST $10.
print:
        ld a,(hl)
        or a
        ret z
        push hl
        put_a
        pop hl
        inc hl
        jr print

; read_line - a line into line_buffer / tk_len, echoed; ENTER ends it.
read_line:
        xor a
        ld (tk_len),a
@key:
        bit KEY_READY_BIT,(iy+FLAGS_FROM_IY)
        jr z,@key
        res KEY_READY_BIT,(iy+FLAGS_FROM_IY)
        ld a,(LAST_K)
        cp KEY_ENTER
        jr z,@done
        cp KEY_DELETE
        jr z,@delete
        cp ' '
        jr c,@key
        cp 128
        jr nc,@key
        ld hl,tk_len
        ld e,(hl)
        .assert TK_MAX == 64, "read_line tests the line's length by its bit 6: full at TK_MAX = 64"
        bit 6,e
        jr nz,@key              ; the line is full: further keys are not kept
        inc (hl)
        ld d,0
        ld hl,line_buffer
        add hl,de
        ld (hl),a
        put_a
        jr @key
@delete:
        ld hl,tk_len
        ld a,(hl)
        or a
        jr z,@key
        dec (hl)
        ld a,CURSOR_LEFT
        rst $10
        ld a,' '
        rst $10
        ld a,CURSOR_LEFT
        rst $10
        jr @key
@done:
put_enter:                      ; (reply's end too, with SHORT_FORMS)
        ld a,KEY_ENTER
.ifdef SHORT_FORMS
.ifdef SCREEN_THIRD
        jp chat_put             ; (1 byte fewer)
.else
        put_a
        ret
.endif
.else
        put_a
        ret
.endif

; reply - context = [SEP] + the first PROMPT_IDS ids (the tokenizer's prompt
; budget, at most MAX_INPUT_IDS) + [SEP] through forward_step, then
; argmax, print, feed back, until END or a full context.
reply:
        ld a,(tk_count)
        .assert PROMPT_IDS >= 1 && PROMPT_IDS <= MAX_INPUT_IDS, "the prompt budget is 1..MAX_INPUT_IDS ids"
        cp PROMPT_IDS + 1
        jr c,@fits
        ld a,PROMPT_IDS
@fits:
        ld c,a
        .assert ctx_ids == ctx_len + 1, "reply writes ctx_len and ctx_ids through HL, one after the other"
        ld hl,ctx_len
        add a,2
        ld (hl),a
        inc hl
        ld (hl),SEP_ID
        inc hl
        ld b,0
        ld a,c
        or a
        jr z,@no_ids
        ex de,hl
        ld hl,tk_ids
        ldir                    ; (BC counts down to 0)
        ex de,hl
@no_ids:
        ld (hl),SEP_ID
        xor a
        ld (fw_pos),a
@context:
        ld a,(fw_pos)
        ld e,a
        ld d,0
        ld hl,ctx_ids
        add hl,de
        ld a,(hl)
        ld (fw_token),a
        call think_prompt
        ld hl,fw_pos
        inc (hl)
        ld a,(hl)
        ld hl,ctx_len
        cp (hl)
        jr nz,@context
@generate:
        ld a,(fw_pos)
        cp CONTEXT_SIZE
        jr z,@end
        ld e,a                  ; E = fw_pos
        ld a,(fw_next)
        cp END_ID
        jr z,@end
        ld (fw_token),a
        inc e                   ; the context the attention panel shows grows with the reply:
        ld hl,ctx_len           ; ctx_len = fw_pos + 1, and the token at ctx_ids + fw_pos =
        ld (hl),e               ; ctx_len's address + fw_pos + 1
        ld d,0
        add hl,de
        ld (hl),a
        call print_token        ; (A = fw_token)
        call think
        ld hl,fw_pos
        inc (hl)
        jr @generate
@end:
        call border_back
.ifdef SHORT_FORMS
        jr put_enter            ; (4 bytes fewer)
.else
        ld a,KEY_ENTER
        put_a
        ret
.endif

; think_prompt - a prompt position: only the last one needs logits (forward_step);
; the others need just the cache (forward_prefill). Position 0 is always SEP,
; so its keys and values, left in the cache by the first turn, serve every turn.
think_prompt:
        ld a,(fw_pos)
        or a
        jr nz,@computed
        ld hl,sep_cached
        or (hl)
        ret nz
        inc (hl)                ; (A = 0 = fw_pos on)
@computed:
        inc a
        ld hl,ctx_len
        cp (hl)
        jr z,think
.ifdef PLAYER_128K
        cp 2
        jp z,position_one       ; position 1: its id's record, or computed and recorded
.endif
        call show_position
        jp forward_prefill

; think - forward_step for fw_token at fw_pos, the border showing the position.
think:
        call show_position
        jp forward_step

show_position:
        ld a,(fw_pos)
border_set:
        and 7
        out ($fe),a
        ret

; border_back - the border's colour back from BORDCR (bits 3-5), where the ROM keeps it.
border_back:
        ld a,(BORDCR)
        rrca
        rrca
        rrca
.ifdef SHORT_FORMS
        jr border_set           ; (3 bytes fewer)
.else
        and 7
        out ($fe),a
        ret
.endif

; print_token - the text of token A, and a blip.
print_token:
        call print_id
        ld hl,BLIP_TIMING
        ld de,BLIP_CYCLES
        jp ROM_BEEPER

; print_id - the text of token A: nothing for a special, an alphabet id's
; character, or the texts of the two ids merge A - TK_FIRST_MERGE_ID joins
; (the build keeps no texts: this saves their bytes for the word list).
print_id:
        cp TK_FIRST_ALPHABET_ID
        ret c
        cp TK_FIRST_MERGE_ID
        jr nc,@merged
.if ((tk_alphabet - TK_FIRST_ALPHABET_ID) & 255) + TK_FIRST_MERGE_ID <= 256     ; (the players': the alphabet at
        add a,(tk_alphabet - TK_FIRST_ALPHABET_ID) & 255        ; their start, its ids' characters in one page)
        ld l,a
        ld h,(tk_alphabet - TK_FIRST_ALPHABET_ID) >> 8
.else
        ld hl,tk_alphabet - TK_FIRST_ALPHABET_ID
        ld e,a
        ld d,0
        add hl,de
.endif
        ld a,(hl)
.ifdef SCREEN_THIRD
        jp chat_put             ; (chat_put lies where the layout puts it: no jr)
.else
        rst $10
        ret
.endif
@merged:
        sub TK_FIRST_MERGE_ID
        cp tk_merge_count
        ret nc                          ; no merge makes it: an unused id, no text
        add a,a
        ld e,a
        ld d,0
        ld hl,tk_merges + 1
        add hl,de
        ld a,(hl)
        dec hl
        push af                         ; the right part after the left
        ld a,(hl)
        call print_id
        pop af
        jr print_id

.ifdef SCREEN_THIRD
; chat_window_routines - chat_put, chat_scroll and hide_third: build.py places them above
; $8000, out of the cold part (a soul with the general embed fills it, the vectors soul's), or
; in the cold part where fc1's biases leave it room (matvec.s's MV_FOLDED_BIAS, twenty-fifth round).
        .macro chat_window_routines
SCREEN_BITMAP   = $4000
SCREEN_ATTRIBUTES = $5800
.ifdef CHAT_TOP_THIRD
CHAT_LAST_LINE  = 7             ; the chat's window: lines 0..7, the top third (the middle third's
                                ; bitmap holds planes.s's tables: FW_PLANES, the 48K's, build.py)
.else
CHAT_LAST_LINE  = 15            ; the chat's window: lines 0..15, the top two thirds
.endif
HIDDEN_ATTRIBUTES = SCREEN_ATTRIBUTES + 32 * (CHAT_LAST_LINE + 1)       ; the lines past the window, to $5AFF
        .assert SCREEN_THIRD == SCREEN_BITMAP + $1000 && (CHAT_LAST_LINE == 7 || CHAT_LAST_LINE == 15), "the chat's window must be the top third or the top two"

; chat_put - A through RST $10 with the chat kept to lines 0..CHAT_LAST_LINE: where ENTER
; on the last line, or a character past its column 31 (the ROM wraps before it prints),
; would take the print position below it, the window scrolls up a line (chat_scroll) and
; AT puts the position at the last line's start, so that the ROM itself never scrolls
; (its scroll moves the whole screen, the bottom third's bytes into view).
chat_put:
        ld c,a
        ld hl,(S_POSN)          ; L = 33 - column, H = 24 - line
        ld a,h
        cp 24 - CHAT_LAST_LINE
        jr nz,@put              ; above the last line: the ROM's ENTER and wrap stay within
        ld a,c
        cp KEY_ENTER
        jr z,@scroll
        dec l
        jr nz,@put              ; not past column 31
@scroll:
        push bc
        call chat_scroll
        ld a,AT_CODE
        rst $10
        ld a,CHAT_LAST_LINE
        rst $10
        xor a
        rst $10
        pop bc
        ld a,c
        cp KEY_ENTER
        ret z                   ; (the AT was its new line)
@put:
        ld a,c
        rst $10
        ret

; chat_scroll - lines 1..CHAT_LAST_LINE up one line, bitmap and attributes, and the last
; line cleared with ATTR-P as the ROM clears a line; the lines past it untouched.
chat_scroll:
        ld de,SCREEN_BITMAP     ; line 0's pixel row r, r = 0..7 (a page each)
@row:
.ifdef CHAT_TOP_THIRD
        ld h,d                  ; (E 0: a pixel row's start)
        ld l,32
        ld bc,CHAT_LAST_LINE * 32
        ldir                    ; lines 1..7 -> 0..6; DE: line 7's row r, HL: line 0's row r + 1
        push hl
        ex de,hl
        ld b,32
        xor a
        call fill
.else
        ld hl,32
        add hl,de
        ld bc,7 * 32
        ldir                    ; lines 1..7 -> 0..6; DE: line 7's row r, HL: line 0's row r + 1
        dec h
        set 3,h                 ; line 8's row r
        ld c,32
        ldir                    ; -> line 7's; DE: line 0's row r + 1
        push de
        ld d,h
        ld e,b                  ; (B = 0) DE: line 8's row r
        ld c,7 * 32
        ldir                    ; lines 9..15 -> 8..14; DE: line 15's row r
        ex de,hl
        ld b,32
        xor a
        call fill
.endif
        pop de
        ld a,d
        cp (SCREEN_BITMAP >> 8) + 8  ; (past row 7: third 1)
        jr nz,@row
        ld hl,SCREEN_ATTRIBUTES + 32
        ld de,SCREEN_ATTRIBUTES
        ld bc,CHAT_LAST_LINE * 32
        ldir
        ex de,hl
        ld b,32
        ld a,(ATTR_P)
fill:                           ; B bytes of A from HL on, within a page
        ld (hl),a
        inc l
        djnz fill
        ret

; hide_third - the attributes past the window ink = paper (ATTR-P's paper): the bottom third's
; (and with CHAT_TOP_THIRD the middle third's) bitmap is the player's data, shown as a blank band.
hide_third:
        ld a,(ATTR_P)
        and $38
        ld c,a
        rrca
        rrca
        rrca
        or c
        ld hl,HIDDEN_ATTRIBUTES
.ifdef CHAT_TOP_THIRD
        ld b,0                  ; the middle third's 256 cells
        call fill
        inc h                   ; (B 0 after fill: the bottom third's 256 cells too)
.else
        ld b,0                  ; the bottom third's 256 cells
.endif
        jr fill
        .endmacro
.endif

.ifndef START_IN_KEY_CACHE
        player_banner
.endif
prompt_text:
        .text "you> ", 0
goodbye_text:
        .text "bye.", KEY_ENTER, 0

.ifdef RUN_VARIABLES
; (the 48K player's, thirty-fifth round, zx48room35: after tokenizer.s's tk_len and tk_count, before planes_wide.s's wp_wide_sum, below the
; program in BASIC's room between its workspace and the machine stack, which only the load needs: off the
; tape, cleared by the start's overlay, run_variables_cleared; build.py's RUN_VARIABLES_48K)
sep_cached      = RUN_VARIABLES + 2
ctx_len         = RUN_VARIABLES + 3
ctx_ids         = RUN_VARIABLES + 4
        .assert tk_len == RUN_VARIABLES && tk_count == RUN_VARIABLES + 1, "tokenizer.s's run-time variables first"
        .assert ctx_ids + CONTEXT_SIZE == RUN_VARIABLES + RUN_VARIABLES_BYTES - 4, "the run-time variables fill RUN_VARIABLES_BYTES (planes_wide.s's wp_wide_sum the last 4)"
        .assert RUN_VARIABLES + RUN_VARIABLES_BYTES <= 256 * ((RUN_VARIABLES >> 8) + 1), "run_variables_cleared's fill: one page"
.else
sep_cached:     .byte 0         ; 1 once position 0's keys and values are in the cache
ctx_len:        .byte 0
ctx_ids:        .res CONTEXT_SIZE
.endif

; run_variables_cleared - (the 48K's start overlay, build.py) RUN_VARIABLES' bytes 0: sep_cached's first 0, and
; a context of none for the lens until the first reply.
        .macro run_variables_cleared
.ifdef RUN_VARIABLES
        ld hl,RUN_VARIABLES
        ld b,RUN_VARIABLES_BYTES
        xor a
        call fill
.endif
        .endmacro
; The typed line, the tokenizer's ids and the spelling rule's working memory
; are needed only until the reply starts, so they live in layer 0's KV cache
; at positions 1.. (the cache keeps position 0, SEP, for every turn; the
; reply writes position 1 after it has copied the ids): the line at
; position 1 of the keys, TK_SCRATCH (the build sets it) from position 2 on,
; the unpacked word list SP_CHARS from position 1 of layer 0's values on,
; through layer 1's (whose position 0 waits in fw_ffn while the line is read; with
; AT_VALUES_BY_DIMENSION, the 128K's, both layers' position 0 waits there, each
; dimension's last word: the list runs over them all; with SCREEN_THIRD, the 48K's since
; the twentieth round, layer 1's values lie in the screen's third and the list runs on
; from layer 0's into the activations h, xn and q, which forward.s lays out after them).
.ifndef line_buffer                    ; (the 48K's packed key planes keep no key cache: the build places both)
line_buffer     = kv_keys + KV_POSITION_BYTES
        .assert TK_MAX <= KV_POSITION_BYTES, "the line must fit in one position of the key cache"
        .assert TK_SCRATCH == kv_keys + 2 * KV_POSITION_BYTES, "TK_SCRATCH is position 2 of the key cache"
        .assert TK_SCRATCH_BYTES <= KV_LAYER_BYTES - 2 * KV_POSITION_BYTES, "the tokenizer's memory must fit in the key cache"
.endif
.if SP_WORD_COUNT
        .assert SP_CHARS == kv_values + KV_POSITION_BYTES, "SP_CHARS is position 1 of the value cache"
        .assert SP_LIST_CHARS <= 2 * KV_LAYER_BYTES - KV_POSITION_BYTES, "the unpacked word list must fit in the value cache"
.ifdef AT_FAST_MEANS                   ; (its value cache is dimension-major: attention.s, AT_VALUES_BY_DIMENSION)
        .assert 2 * FW_FFN >= 2 * KV_POSITION_BYTES, "both layers' SEP values must fit in the FFN buffer"
.elseif SCREEN_THIRD_VALUES
        .assert fw_h == kv_values + KV_LAYER_BYTES && fw_q == fw_xn + 2 * FW_DIM && (fw_xn == fw_h + 2 * FW_DIM || (att_weights == fw_h + 2 * FW_DIM && fw_xn == att_weights + FW_WEIGHTS_BYTES)), "h, xn and q after layer 0's values, att_weights between h and xn or not (forward.s's layout, AT_LUT_IN_WEIGHTS)"
        .assert SP_CHARS + SP_LIST_CHARS <= fw_q + 2 * FW_DIM || (fw_att == fw_q + 2 * FW_DIM && SP_CHARS + SP_LIST_CHARS <= fw_att + 2 * FW_DIM), "the unpacked word list must end within h, xn, q (and att where it follows q) after layer 0's values: layer 1's lie in the screen's third"
.else
        .assert 2 * FW_FFN >= KV_POSITION_BYTES, "layer 1's SEP values must fit in the FFN buffer"
.endif
.endif
