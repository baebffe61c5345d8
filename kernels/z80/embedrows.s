; embedrows.s - forward.s's embedding step (Z80): h = embed(fw_token, fw_pos), as
; Engine.step's (SPEC: sat16(up(te[token], s_te) + up(pe[pos], s_pe))).
; forward.s includes it; the 128K player (FW_EMBED_APART) in bank 6 after te and pe, past its
; records (past planes.s's code and matrices since the twenty-fifth round; build.py's embed_bank, nineteenth round: records128.s's fw_embed pages it in; bank 0
; above $C000 before, or where the chains do not take the soul), out of the room below $C000; the 48K (FW_EMBED_APART too,
; since the nineteenth round) in its cold part below $8000, once a position, out
; of the room the kernels and matrices have above it.
; Bytes: 82 (in the 48K player since the thirty-eighth round, zx48norms38: no fw_norm_kept, 20, with rmsnorm.s's
; RN_UNIT_PRODUCTS: nothing below xn written); 102 (since the thirty-seventh round, zx48embnorm37: fw_embed gives fw_embed_rows the rows'
; last bytes, FW_ROW_AT, no adds there: 11 fewer, 54 T-states a position); 113 (since the thirty-fifth round, zx48fixed35: its chains their shifts' lengths with no jr,
; EMBED_TE_SHIFT, 93, and fw_norm_kept, 20 (RN_UNIT_PUSHED); 106 with EM_ROWS_BY_SP since the nineteenth round; 90 before it;
; 112 in the 128K's, in bank 6 (bank 0 above $C000 before the nineteenth round); 117
; and 114 before the eighteenth round assembled the chains' reach with EMBED_CHAINS_ONLY,
; 130 in the 128K's with its EM_ROWS_BY_SP before that; 159 and
; 156 before the players left out the fallback to vecops.s's embed where the soul's shifts
; take the chains, EMBED_CHAINS_ONLY).
; T-states: fw_embed_rows 7,290 a position on the shipped soul (shifts 3 and 4;
; python benchmarks/z80_profile.py), against vecops.s's embed's ~19,300 (embed
; 8,824 and up_q88 10,432) before the sixteenth round; 6,161 with EM_ROWS_BY_SP
; (both players' since the nineteenth round, the 128K's before: python
; benchmarks/z80_profile.py [--model 128k]; h's words pushed from its end with
; interrupts off); 5,393 with EMBED_TE_SHIFT (the 48K's since the thirty-fifth round: 24 fewer an element); 5,339
; with the 48K's rows' last bytes given by fw_embed (thirty-seventh round; python benchmarks/z80_step_phases.py).

; fw_embed - h = embed(fw_token, fw_pos): te's row at BC, pe's at DE, then
; fw_embed_rows, or vecops.s's embed for a soul whose shifts it does not take.
fw_embed:
.ifdef SOUL_PACKED                      ; (the 48K's) te's and pe's rows unpacked into fw_ffn, free here
        .assert FW_FFN >= FW_DIM, "fw_embed unpacks te's and pe's rows (2 x FW_DIM bytes) into fw_ffn"
        ld a,(fw_token)
        ld hl,soul_te_marks    ; (its data where it has no marks: EM_MARK_ROWS 128)
        ld bc,soul_te_widths
        ld de,fw_ffn
        call em_unpack
        ld a,(fw_pos)
        ld hl,soul_pe_marks    ; (its data where it has no marks: EM_MARK_ROWS 128)
        ld bc,soul_pe_widths
        ld de,fw_ffn + FW_DIM
        call em_unpack
.ifdef EM_ROWS_BY_SP
FW_ROW_AT       = FW_DIM - 1    ; (fw_embed_rows walks the rows from their last bytes: given here, where they are
.else                           ; known, with no adds there: thirty-seventh round, 11 bytes and 54 T-states fewer)
FW_ROW_AT       = 0
.endif
.ifdef EMBED_CHAINS_ONLY
        ld bc,fw_ffn + FW_DIM * FW_PE_FIRST + FW_ROW_AT ; the first row: the larger left shift's
        ld de,fw_ffn + FW_DIM * (1 - FW_PE_FIRST) + FW_ROW_AT
.else
        ld bc,fw_ffn + FW_ROW_AT
        ld de,fw_ffn + FW_DIM + FW_ROW_AT
.endif
.else
        ld a,(fw_token)         ; BC = te + 32 token, DE = pe + 32 pos
        ld l,a
        ld h,0
        .repeat 5
        add hl,hl
        .endrepeat
        ld bc,soul_te
        add hl,bc
        ld b,h
        ld c,l
        ld a,(fw_pos)
        ld l,a
        ld h,0
        .repeat 5
        add hl,hl
        .endrepeat
        ld de,soul_pe
        add hl,de
        ex de,hl
.endif
; With te's and pe's shifts both in 1..8, up(v, s) = v << (8 - s) for both and
; |up(te) + up(pe)| < 2^15 (no saturation): with L the larger left shift and l
; the smaller, up(a) + up(b) = ((a << (L - l)) + b) << l. fw_embed_rows's two
; chains of add hl,hl are entered by a jr (sixteenth round: ~8,000 T-states a
; position on the shipped soul against embed's ~19,300): with EMBED_CHAINS_ONLY
; (both players') its reach is the soul's shifts' (assembled: eighteenth round, 27
; bytes and ~100 T-states a position fewer), else patched here.
.ifdef EMBED_CHAINS_ONLY                ; (the build saw both shifts in 1..8: no embed to fall back on)
        .assert soul_te_shift >= 1 && soul_te_shift <= 8 && soul_pe_shift >= 1 && soul_pe_shift <= 8, "EMBED_CHAINS_ONLY takes te's and pe's shifts in 1..8"
FW_PE_FIRST     = soul_pe_shift < soul_te_shift         ; pe's left shift the larger: its row first
FW_FIRST_SKIP   = FW_CHAIN - abs(soul_te_shift - soul_pe_shift) ; the first chain's jr: over FW_CHAIN - (L - l)
FW_LESS_SKIP    = max(soul_te_shift, soul_pe_shift) - 1 ; the second's: over FW_CHAIN - l (l = 8 - that shift)
.ifdef EMBED_TE_SHIFT                   ; (thirty-fifth round, zx48fixed35: build.py's copies of te's and pe's shifts,
                                        ; known in the first pass, which the soul's come after in the 48K: each chain
                                        ; its own length, no jr, 24 T-states an element and 13 bytes fewer)
        .assert EMBED_TE_SHIFT == soul_te_shift && EMBED_PE_SHIFT == soul_pe_shift, "EMBED_TE_SHIFT and EMBED_PE_SHIFT are te's and pe's shifts"
FW_FIRST_CHAIN  = abs(EMBED_TE_SHIFT - EMBED_PE_SHIFT)  ; L - l
FW_LESS_CHAIN   = 8 - max(EMBED_TE_SHIFT, EMBED_PE_SHIFT) ; l
.endif
.ifndef SOUL_PACKED
        ld a,FW_PE_FIRST
        or a
        jr z,fw_embed_rows
        push bc                 ; pe's row first
        push de
        pop bc
        pop de
.endif
.else
FW_FIRST_SKIP   = 0             ; (patched below)
FW_LESS_SKIP    = 0
        ld a,soul_te_shift - 1
        cp 8
        jr nc,fw_embed_any
        ld l,a
        ld a,soul_pe_shift - 1
        cp 8
        jr nc,fw_embed_any
        ld h,a                  ; H = pe's shift - 1 = 7 - pe's left shift, L te's
        sub l                   ; te's left shift less pe's
        jr nc,@te_first
        neg                     ; pe's the larger: pe's row first
        ld h,l
        push bc
        push de
        pop bc
        pop de
@te_first:                      ; A = L - l, H = 7 - l
        neg
        add a,FW_CHAIN
        ld (fw_embed_rows@first_jr + 1),a
        ld a,h
        ld (fw_embed_rows@less_jr + 1),a
.endif
; fw_embed_rows - h = (first row at BC << (L - l)) + second row at DE) << l, 32
; words: the pointers in the main set, the sum in the other (HL' and DE'), A and
; A' between them. Clobbers AF, AF', BC, DE, HL and the other set's.
FW_CHAIN        = 7             ; add hl,hl's in each chain: the left shifts 0..7
; fw_word - one word of h in HL' from the first row's byte in A and the second's in A'
; (entered in the main set; `first_jr` and `less_jr` the chains' jrs, which fw_embed patches
; without EMBED_CHAINS_ONLY).
        .macro fw_word first_jr, less_jr
        exx
        ld l,a                  ; HL = the first << (L - l)
        add a,a
        sbc a,a
        ld h,a
first_jr:
.ifdef EMBED_TE_SHIFT                   ; (the soul's shifts known in the first pass: its L - l of them alone, no jr)
        .repeat FW_FIRST_CHAIN
        add hl,hl
        .endrepeat
.else
        jr * + 2 + FW_FIRST_SKIP ; over FW_CHAIN - (L - l) of them (patched without EMBED_CHAINS_ONLY)
        .repeat FW_CHAIN
        add hl,hl
        .endrepeat
.endif
        ex af,af'
        ld e,a                  ; + the second
        add a,a
        sbc a,a
        ld d,a
        add hl,de
less_jr:
.ifdef EMBED_TE_SHIFT                   ; (its l of them alone)
        .repeat FW_LESS_CHAIN
        add hl,hl
        .endrepeat
.else
        jr * + 2 + FW_LESS_SKIP ; over FW_CHAIN - l of them (patched without EMBED_CHAINS_ONLY)
        .repeat FW_CHAIN
        add hl,hl
        .endrepeat
.endif
        .endmacro
.ifdef EM_ROWS_BY_SP
; (both players' since the nineteenth round, the 128K's before: the rows walked from their ends and each word
; pushed below fw_h's end with interrupts off, ~39 T-states an element fewer than
; the stores through HL' with A' between them, eighteenth round)
fw_embed_rows:
.ifndef SOUL_PACKED                     ; (the 48K's fw_embed gives the rows' last bytes, FW_ROW_AT)
        ld hl,FW_DIM - 1
        add hl,bc
        ld b,h
        ld c,l                  ; BC = the first row's last byte
        ld hl,FW_DIM - 1
        add hl,de
        ex de,hl                ; DE = the second's
.endif
        ld a,i                  ; P/V = IFF2: were interrupts on? (SP walks h)
        push af
        di
        ld (@own_sp + 1),sp
        ld sp,fw_h + 2 * FW_DIM
        exx
        ld b,FW_DIM
@element:                       ; (the other set: B counts)
        exx
        ld a,(de)               ; the second's
        dec de
        ex af,af'
        ld a,(bc)               ; the first's
        dec bc
        fw_word @first_jr, @less_jr
        push hl                 ; h's word, from the last down
        djnz @element
@own_sp:
        ld sp,0                 ; (patched: the caller's stack)
        pop af
        ret po                  ; interrupts were off: leave them off
        ei
        ret
.else
fw_embed_rows:
        ld hl,fw_h
        exx
        ld b,FW_DIM
@element:                       ; (the other set: B counts)
        exx
        ld a,(de)               ; the second's
        inc de
        ex af,af'
        ld a,(bc)               ; the first's
        inc bc
        fw_word @first_jr, @less_jr
        ld a,h
        ex af,af'
        ld a,l
        exx
        ld (hl),a
        inc hl
        ex af,af'
        ld (hl),a
        inc hl
        exx
        djnz @element
        ret
.endif

.ifdef RN_UNIT_PUSHED
.ifndef RN_UNIT_PRODUCTS                ; (thirty-eighth round: the 48K's unclamped norms by the products' tables, and
                                ; the clamped loop pushes out alone, from its end down to its start)
; fw_norm_kept - forward.s's fw_norm's rmsnorm (the 48K's, thirty-fifth round, zx48fixed35): rmsnorm.s's
; RN_UNIT_PUSHED loop pushes out (xn) from its end, and the pushes of its last two elements reach the two
; words below it (h's last two, or att_weights' where they lie between): kept on the stack and put back.
; Here with the embedding's code (where forward.s is, fw_xn with it), below $8000 in the 48K: a call a norm,
; its 20 bytes out of the room above.
fw_norm_kept:
        .assert fw_xn >= fw_h + 2 * FW_DIM, "RN_UNIT_PUSHED: rmsnorm's out (fw_xn) above its x (fw_h), not over it"
        ld hl,(fw_xn - 4)
        push hl
        ld hl,(fw_xn - 2)
        push hl
        call rmsnorm
        pop hl
        ld (fw_xn - 2),hl
        pop hl
        ld (fw_xn - 4),hl
        ret
.endif
.endif
.ifndef EMBED_CHAINS_ONLY
; fw_embed_any - vecops.s's embed of the rows at BC (te's) and DE (pe's).
fw_embed_any:
        ld (em_te),bc
        ld (em_pe),de
        xor a
        ld (em_token),a
        ld (em_pos),a
        ld a,soul_te_shift
        ld (em_te_shift),a
        ld a,soul_pe_shift
        ld (em_pe_shift),a
        ld hl,fw_h
        ld (em_out),hl
        jp embed
.endif

