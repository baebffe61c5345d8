; forward.s - one position through the whole soul with the KV cache (Z80), as Engine.step:
;
;   h = embed(token, pos)
;   per layer: xn = rmsnorm(h, n1); q, k, v = W xn (k, v into the cache at pos)
;              att = the 4 heads over positions 0..pos; h = sat16(h + proj att)
;              yn = rmsnorm(h, n2); h = sat16(h + fc2 relu(fc1 yn + b1) + b2)
;   logits = out rmsnorm(h, norm); fw_next = argmax(logits)
;
; Inputs: fw_token (0..127), fw_pos (0..19; positions below it already in the
; cache). Outputs: fw_logits (128 words), fw_next (the chosen id), fw_h (the
; hidden state), the cache, and every head's LUT weights in att_weights.
; Needs the soul's data (soulterm.zx.soul_layout: soul_* labels and one
; descriptor per layer, in the FD_* order below) and the other kernels.
; Clobbers everything. With ZX_DATA_BANK (the 128K player) layer 1's tensors
; lie in that bank at $C000, paged in for layer 1 (paging128.s): whatever
; else a layer reads or writes must lie below $C000 (build.py asserts it).
; forward_prefill (below) is the same for a prompt position whose logits are
; not needed: layer 0 and layer 1's keys and values only. With FW_PLANES (the
; 128K player's since the twenty-fifth round, zxplanes128) fw_projection's q, k
; and v run on planes.s (wp_tables once an xn, wp_rows a matrix) in bank
; FW_PLANES_BANK, paged in around them, and matvec's where wp_tables declines the xn;
; on the 48K (since the twenty-sixth round, zxplanes48: no FW_PLANES_BANK) planes.s
; lies in the program, q, k and v in plane_bytes' layout alone (SOUL_QKV_PLANES),
; and planes_wide.s's wp_rows_wide runs them where wp_tables declines the xn.
; With FW_LOGIT_PLANES (the 128K's since the twenty-sixth round, zxcoarse) fw_next_token
; asks logitplanes.s's lg_select in that bank first (fw_logit_planes, 74 bytes): one row
; left is the token; else the coarse call, argmax and the bound as before.
; T-states: forward_step 2,634,934 and forward_prefill 1,328,553 at position 0
; (python benchmarks/z80_kernels.py, the kernels' bench, nineteenth round's old dot and
; mul16u; 2,645,338 and 1,334,452 in the eighteenth round; 2,812,189 and
; 1,425,935 with MV_SPARSE when it came in, 2,801,873 and 1,413,986 before it, 2,875,766 and 1,453,007 before matvec's
; jp over a high piece and its row pointers in the row code), each further
; position adds attention (~65,000 a step, ~42,000 a prefill); the turn of
; "hello" as the 48K player runs it averages 1,838,374 a position (python
; benchmarks/z80_token.py, nineteenth round; 1,857,444 in the eighteenth; 2,068,976 with MV_SPARSE when it came in,
; 2,140,927 before it).
; Bytes: 2,303 (zx48walkruns39b: its alignment a byte longer behind attention.s's 11 bytes fewer); 2,302 (the shipped 48K's since the thirty-ninth round: att_weights' page alignment 2 bytes shorter behind
; attention.s's generated walk (zx48genwalk39) and behind matvec.s's 84 more (zx48proj39), apart or together); 2,304 (the shipped 48K's since the thirty-eighth round's merges: zx48walk38's att_weights alignment, zx48norms38's
; MV_HZ_ENDS out of the ladder's room for the norms' products' tables, KV_SCATTER_POPS in, zx48room38's room and the
; value cache's `.align 2` by the parity of the code before it); 2,279 (the shipped 48K's since the thirty-seventh round's merge: zx48room37's att_weights in one page, zxfc2_37's fc2 by
; x's bits, the ladder's MV_HZ_ENDS taken and KV_SCATTER_POPS left out, the file's bytes moving with the spends); 2,302 (the 48K's since zx48room37, thirty-seventh round: att_weights, moved by attention.s's chains and
; variables, now within one page, so no page carry in fw_attend's row address and no .align byte before the values,
; 3 fewer); 2,305 (since the thirty-sixth round's merges, WP_TOPS_BYTES' 2 among them; 2,303 after zx48fc1g36 and zx48narrow36: fc1 by fw_fc1_planes, FW_FC1_BYTES, 26
; fewer; fw_projection points wp_classes at a matrix's class bits and wp_w past them, WP_NARROW_BITS, 7 more);
; 2,322 (with KV_SCATTER_POPS since zx48wide35, thirty-fifth round: kv_values_scatter by SP's pops,
; 23 more, in the room planes_wide.s's wp_rows_wide freed; 2,299 without it, zx48room35; since zx48kept35: AT_TABLE_BY_DIMENSION, v through z's room and
; kv_values_scatter and kv_values_gather, 16 and 13, in place of fw_cache_slot, 24, and the slot's push and pop);
; 2,285 (since zx48spend34: PL_HIGH_BY_HEAD, fw_high_planes called by the old dot, no pl_high_planes
; stored a head; 2,287 since zx48wire34, thirty-fourth round: PL_PACKED's fw_key_planes, fw_planes_of_layer and
; pl_high_planes' and k's glue in place of AT_FAST_SCORES's fw_key_sums and fw_sums_at, no at_keys a head); 2,180 (since zx48pack30, thirtieth round: attention.s 46 bytes longer, AT_FAST_PIECE_PAIRS, moves
; the padding before att_weights: 14 bytes fewer of it); 2,194 (the 48K's with zx48room30 and zx48logits30 merged: the padding that steps att_weights
; to its row and the .align 2s follow where forward.s lands, 12 bytes of it here); 2,180 (zx48room30 alone: SHORT_FORMS,
; layer 0 one call from both entries, 14 bytes, fw_layer_step on into fw_attend, 3); 2,197 (since zx48pos29, twenty-ninth round: attention.s's at_lut a row of att_weights, patched
; into attend_head, AT_LUT_IN_WEIGHTS: no copy after each head, fw_head_weights by att_weights' low byte, 12 bytes
; fewer); 2,209 (since zxroom48e, twenty-eighth round: no fw_product_of_xn, FW_NO_XN_PRODUCT, 41 bytes;
; 2,250 since zxsparse48, twenty-seventh round: fc2 through nzmatvec.s's matvec_nz, FW_WIDE_SPARSE
; gone, 275 bytes, MV_NZ's patches of fw_dense's jp, 16; 2,509 since zxlogits48: FW_WIDE_SPARSE back, no fw_logits_bound nor
; argmax's call, the final norm and fw_next_token in planes_wide.s's fw_out_logits; 2,376 since zxroom48d, twenty-sixth round: fw_att, 64, on planes.s's first table page,
; build.py's fw_att; 2,440 since the planes' rung, zxplanes48: fw_projection's q, k, v through
; planes.s, 34 bytes, no room for FW_WIDE_SPARSE, and its own fw_logits_bound, no MV_CT_RAW; 2,573 the 48K's since zxwide48: FW_WIDE_SPARSE back, 275 bytes, z (fw_ffn, 128) in the screen's hidden
; third, build.py's THIRD_FFN; 2,426 since zxends48b: FW_WIDE_SPARSE given up for matvec.s's MV_HZ_ENDS with mv_hz_wide,
; build.py's SPENDS_48K; 2,701 with it, since the twenty-third round, 275 bytes: the
; room of matvec.s's MV_SHORT_K; 2,426 before, whose logits' bound is logitsraw.s's since the twenty-second round, MV_CT_RAW:
; its own fw_logits_bound, 108 bytes, out; 2,534 before, 2,528 before the twenty-first round: its own test of argmax's limit, vecops.s's
; am_rows before, 21 bytes, and the logits' call from row FW_FIRST_ROW with its exact rows' sub;
; in the 48K player: code, the activations, att_weights and layer 0's
; 1,280-byte value cache, and since the twentieth round fw_key_sums and fw_sums_at for the
; fast scores' key sums (2,488 without them); since the twentieth round the player places layer 1's values in the
; screen's bottom third, kv_values_layer_1, and the key cache below $8000 itself; 3,768 with
; both layers' values before; with AM_RUNNER_UP too since the seventeenth round, whose look at argmax's runner-up is vecops.s's am_rows: 3,780 with it before; 3,911 before the sixteenth round's embedding went to embedrows.s, 159, and fw_tmp's
; 64 bytes went with the residual adds into matvec's stores; 6,471 with the key cache; 3,778 before the sixteenth round gave the 48K MV_COARSE's
; bound, 108, and SOUL_PACKED's unpacking in fw_embed, 25).
; With SOUL_PACKED (the 48K player's, sixteenth round): fw_embed unpacks te's
; and pe's rows into fw_ffn (vecops.s's em_unpack, ~16,000 T-states a position
; on the shipped soul) and embeds from there.
; With AT_FAST_SCORES (attention.s's option, the 128K player's before its planes, the 48K's
; ladder's first rung since the twentieth round): each position's key sums
; (fw_key_sums, 640 bytes for the cache in kv_key_sums, which the program may
; place: the 48K's build at KEY_SUMS_48K) and attention's at_sums, both by fw_sums_at (a key's
; sums at a quarter of its offset in the key cache); forward_step 2,650,574 and forward_prefill
; 1,343,362 at position 0 (python benchmarks/z80_kernels.py --fast-scores, twentieth round;
; 2,656,479 and 1,346,953 in the eighteenth; 2,834,255 and 1,444,747 when it came in, against
; 2,812,189 and 1,425,935 without the option on that tree), 40 bytes more of code (61 before
; the twentieth round's fw_sums_at and the slot in HL).
; With AT_PLANE_SCORES (attention.s's option instead, the 128K player's since the
; sixteenth round): each position's keys' planes (fw_key_planes, pl_store; 3,840 bytes
; for both layers in kv_planes, which the 128K player places in its data bank after
; the bank's block, paged in around layer 0's heads and planes' store) and
; attention's pl_planes; forward_step 2,637,655 and forward_prefill 1,339,828 at
; position 0 (python benchmarks/z80_kernels.py --plane-scores, eighteenth round; 2,700,995
; and 1,373,014 when it came in, against 2,709,990 and 1,374,363 with AT_FAST_SCORES on
; that tree, --fast-scores); fw_key_planes and
; fw_planes_of_layer 90 bytes, fw_attend 321 (298 with AT_FAST_SCORES), fw_layer_kv
; 58 (56), fw_wide_at_0 1.
; With AT_FAST_MEANS (attention.s's, the 128K player's; since the eighteenth round its value
; cache is dimension-major, AT_VALUES_BY_DIMENSION): fw_layer_kv projects v into fw_att and
; kv_values_scatter stores it a word a dimension, 2,942 T-states a position for both layers
; (python benchmarks/z80_profile.py --model 128k, "the values' store"), and fw_attend finds a
; head's values 320 bytes apart; kv_values_gather takes a position's words back out
; (records128.s's records, soulplayer.s's position 0 while a line is read). fw_layer_kv 67 bytes (58 before), kv_values_scatter 48, kv_values_gather 13,
; fw_attend 7 more, kv_values' word alignment 1 (the 128K's map).
; With AT_KEPT_MEANS too (attention.s's, the 128K player's first rung since the twentieth round):
; fw_layer_kv stores v through kv_values_kept, which adds each word's S(v) to its dimension's
; kept sum (kv_kept_sums, 192 bytes in one page; position 0's in kv_kept_first, from which a
; turn's position 1 writes them in its own loop): 5,129 T-states a layer at a later position,
; 9,745 at position 0, 5,752 at position 1 (kv_values_scatter 1,488; python
; benchmarks/z80_kernels.py --kept-means; S(v) at AT_SQ_PAGE + 2 vh since the twenty-ninth
; round's zxatt128c, 18 T-states a word more than S(vl)'s 4,553, 9,151 and 5,279; 4,690 and 9,272
; before the twentieth round's zxkept2 read S(vl)'s high byte through D'E'); fw_attend sets
; attention.s's at_kept for each head.
; With AT_PAGED_VALUES (thirty-first round, zxvpage31) kv_kept_store_words stores each word's high
; byte as attention.s's page P = AT_SQ_PAGE - rlca(vh + 1) and or-s X = rlca(vh + 1) into IXL (39
; T-states a word more), and kv_wide_check marks each head whose words hold a v beyond -256..255 (X
; other than 0 and 2: seldom) in its first kept sum's top byte; position 1's loop (and a record's)
; stores a word a pass for room below $C000: 11,090 T-states a layer at position 0, 7,638 at
; position 1, 6,474 later (python benchmarks/z80_kernels.py --kept-means).
; kv_values_kept_record (zxkept2) stores a position 1 copied from its record (records128.s) by
; the same loop, both layers at once, no pass of its own after the copy.
; kv_values_kept 355 bytes (its two loops, kv_kept_store_words, 4 words a pass; 325 before zxatt128c, 327),
; kv_values_kept_record 14, fw_attend 25 more, fw_layer_kv 3 (the 128K's map).
; AT_KEPT_MEANS's 48K form (with AT_TABLE_MEANS, twenty-first round, not in the player: no room)
; has its own kv_values_kept (kv_kept_add a word a pass, S(vl) through matvec's squares, ~185
; T-states a word; position 1 adds position 0's words again: no kv_kept_first) and a short
; kv_values_scatter (soulplayer.s's SEP values put back).
; With MV_COARSE (matvec.s's coarse calls, the 128K player's): the logits' argmax
; bound, fw_logits_bound (112 bytes more here, with AM_RUNNER_UP too since the seventeenth round, 108 before the
; twenty-first round's scan left out when argmax's limit finds T alone, tested here: 120 before; 1,183 in matvec.s;
; with MV_LOW_HLA, the 128K's since the eighteenth round, logitsraw.s's instead, on the rows' D >> 8): a coarse call
; bounds every logit and only the rows that may win are computed again, one in
; each of the shipped soul's 65 logits of ten prompts; and fc1 asks for a gated
; coarse call (MV_COARSE_GATE: the rows ReLU zeroes anyway stay coarse, the others
; exact). The turn of "hello" on the 128K player (python benchmarks/z80_token.py
; --model 128k) 1,807,589 T-states a position (1,873,737 before fc1's gate and the
; coarse rows' wide blocks) against 1,931,002 without MV_COARSE.
; With FW_WIDE_SPARSE (the 128K player's, twenty-second round): layer 1's fc2, which only a reply
; step runs, goes sparse where a few of z's columns of h = 1 (129..384) were all that kept it dense:
; fw_wide_sparse moves their 256 w into a copy of the bias (in fw_att) and their z to z - 256,
; and tells matvec the call is sparse (its look at x skipped: MV_SPARSE_LOOK's jp), fw_wide_back puts
; z, the bias pointer and the look back. 275 bytes (fw_wide_sparse 208, fw_wide_back and
; fw_wide_step 44, their 12 bytes of data, 11 at fc2's call); ~3,300 T-states for the look at z
; (matvec's own, ~3,500, skipped where the call runs sparse), ~1,400 for the bias's copy and ~3,100
; a wide column's 32 rows; the turn of "hello" 1,775,246 -> 1,743,393 T-states a reply step
; (layer 1's fc2 163,888 -> 122,560 a step: python benchmarks/z80_step_phases.py --model 128k).

FW_DIM          = 32
FW_HEADS        = 4
FW_HEAD_BYTES   = 16            ; 8 words
FW_FFN          = 64
FW_VOCAB        = 128
KV_POSITION_BYTES = 2 * FW_DIM
KV_LAYER_BYTES  = 20 * KV_POSITION_BYTES

; A layer descriptor (soul_layer0, soul_layer1).
FD_N1           = 0             ; word: gains       +2 byte: shift
FD_Q            = 3             ; word: matrix      +2 byte: shift + 1
FD_K            = 6
FD_V            = 9
FD_PROJ         = 12
FD_N2           = 15
FD_FC1          = 18            ; word: matrix, word: bias, byte: shift + 1
FD_FC2          = 23
FD_KEYS         = 28            ; word: this layer's key cache
FD_VALUES       = 30            ; word: this layer's value cache
FD_SIZE         = 32
FW_BIASED       = $80           ; fw_dense: the entry has a bias word

; The logits live in the Spectrum's printer buffer ($5B00-$5BFF, free while
; nothing is printed on a printer), to leave their bytes to the word list.
.ifndef fw_logits
fw_logits       = $5B00         ; (the kernels' bench may place them lower: kernelbench.py)
.endif
        .assert 2 * FW_VOCAB <= $100, "the logits must fit the printer buffer"
        .assert (fw_logits & 255) == 0, "argmax (vecops.s) steps the logits by inc l: one page"

; What the TUI reads through the build map (docs/CONTRACTS.md, "attention").
FW_WEIGHTS_BYTES = 2 * FW_HEADS * 20
FW_WEIGHTS_ROW  = 20
.ifdef AT_LUT_IN_WEIGHTS                ; (each head's row is its at_lut, which the weights' loop and the means
FW_WEIGHTS_HERE = (* & 255) + FW_WEIGHTS_BYTES <= 256 || (256 - (* & 255)) % FW_WEIGHTS_ROW == 0   ; step by its
.else                                   ; low byte: no row across a page; here, else between fw_h and fw_xn,
FW_WEIGHTS_HERE = 1                     ; else after fw_q, padded there by fewer than a row only where none fits)
.endif
.if FW_WEIGHTS_HERE
att_weights:    .res FW_WEIGHTS_BYTES   ; LUT weight of position j at [(layer*4 + head)*20 + j]
.endif
fw_layer_index: .byte $FF       ; the layer being computed, $FF when idle
fw_head:        .byte $FF       ; the head being computed, $FF when idle
fw_xn_patched:  .byte 0         ; 1 once a product of this xn ran (matvec_again serves the rest)
.ifdef FW_PLANES
fw_xn_planes:   .byte 0         ; planes.s's tables: 0 not built for this xn, 1 built, $FF declined
.endif
fw_token:       .byte 0
fw_pos:         .byte 0
fw_next:        .byte 0
fw_layer:       .word 0
.ifdef MV_LOW_HLA
        .align 2                ; (matvec.s's short row ends step a word's low byte with inc l)
.endif
.ifdef kv_values_layer_1        ; (the 48K player keeps layer 1's values apart, in the screen's bottom
.ifdef AT_VALUES_BY_DIMENSION
        .align 2                ; (kv_values_scatter steps within a word by its low byte)
.endif
kv_values:      .res KV_LAYER_BYTES ; third, build.py: layer 0's here, before the activations, so that
.endif                          ; the unpacked word list runs on from them into h, xn and q, soulplayer.s)
.ifdef MV_COARSE_UNCALLED               ; (the 128K's: its code before fw_h moves with the room matvec.s's coarse
.ifdef RN_IN_PAGE                       ; code left; fw_h and fw_xn, 4 FW_DIM bytes in a row there, each kept
FW_H_AT         = * & 255               ; within a page by padding of 63 bytes or fewer)
        .res (FW_H_AT > 256 - 4 * FW_DIM && FW_H_AT < 256 - 2 * FW_DIM) * (256 - 2 * FW_DIM - FW_H_AT) + (FW_H_AT > 256 - 2 * FW_DIM) * (256 - FW_H_AT)
.endif
.endif
fw_h:           .res 2 * FW_DIM
FW_WEIGHTS_AFTER_H = !FW_WEIGHTS_HERE && ((* & 255) + FW_WEIGHTS_BYTES <= 256 || (256 - (* & 255)) % FW_WEIGHTS_ROW == 0)
.if FW_WEIGHTS_AFTER_H                  ; (the unpacked word list runs over them too: soulplayer.s)
att_weights:    .res FW_WEIGHTS_BYTES
.endif
fw_xn:          .res 2 * FW_DIM
.ifdef RN_IN_PAGE
        .assert (fw_h & 255) <= 256 - 2 * FW_DIM && (fw_xn & 255) <= 256 - 2 * FW_DIM, "rmsnorm.s's RN_IN_PAGE steps x (fw_h) and out (fw_xn) by inc l: each within a page"
.endif
fw_q:           .res 2 * FW_DIM
.if !FW_WEIGHTS_HERE && !FW_WEIGHTS_AFTER_H
        .if (* & 255) + FW_WEIGHTS_BYTES > 256
        .res (256 - (* & 255)) % FW_WEIGHTS_ROW
        .endif
att_weights:    .res FW_WEIGHTS_BYTES
.endif
.ifdef AT_LUT_IN_WEIGHTS
        .assert (att_weights & 255) + FW_WEIGHTS_BYTES <= 256 || (256 - (att_weights & 255)) % FW_WEIGHTS_ROW == 0, "AT_LUT_IN_WEIGHTS: no head's row of att_weights across a page (at_lut, stepped by its low byte)"
.endif
.ifndef fw_att                  ; (the program may place attention's output: the 48K player's on planes.s's
fw_att:         .res 2 * FW_DIM ; first table page, written by the heads and read by proj, dead while the
.endif                          ; tables live; its v goes straight into the value cache, never here)
.ifndef fw_ffn                  ; (the program may place z: the 48K player's in the screen's hidden third)
fw_ffn:         .res 2 * FW_FFN
.endif
; The key cache may be placed by the program (the Spectrum player keeps it
; below $8000, where the screen contends for memory: it is read ~0.2 times
; a byte a position, soulterm/zx/build.py); the value cache stays here in the
; players (the kernels' bench places it below its code with AT_FAST_MEANS).
.ifndef kv_keys
kv_keys:        .res 2 * KV_LAYER_BYTES
.endif
.ifndef kv_values
.ifdef AT_VALUES_BY_DIMENSION
        .align 2                ; (kv_values_scatter steps within a word by its low byte)
.endif
kv_values:      .res 2 * KV_LAYER_BYTES
.endif
.ifdef AT_KEPT_MEANS
KV_KEPT_LAYER_BYTES = 3 * FW_DIM
.ifndef kv_kept_sums            ; (the program may place them: the 128K player's below $8000)
        .res ((* & 255) > 256 - 2 * KV_KEPT_LAYER_BYTES) * (256 - (* & 255))
kv_kept_sums:   .res 2 * KV_KEPT_LAYER_BYTES    ; attention.s's kept sums of S(v) (the 48K's form S(vl)), [layer][dimension], 3 bytes each
.ifndef AT_TABLE_MEANS                  ; (the 48K's form adds position 0's words again at position 1)
        .res ((* & 255) > 256 - 2 * KV_KEPT_LAYER_BYTES) * (256 - (* & 255))
kv_kept_first:  .res 2 * KV_KEPT_LAYER_BYTES    ; position 0's (kv_values_kept), in one page too
.endif
.endif
        .assert (kv_kept_sums & 255) + 2 * KV_KEPT_LAYER_BYTES <= 256, "kv_values_kept and at_kept_dimension step the kept sums by inc l"
.endif
.ifndef kv_values_layer_1
kv_values_layer_1 = kv_values + KV_LAYER_BYTES
.endif
.ifdef AT_PLANE_SCORES
fw_wide_at_0:   .byte 0         ; at_wide_planes after position 0's keys (fw_key_planes; after the
.endif                          ; buffers, which fw_h's .align 2 would otherwise move a byte)
.ifdef AT_KEPT_DIVISION
        .assert fw_att >> 8 == (fw_att + 2 * FW_DIM - 1) >> 8, "attention.s's kept stores (AT_KEPT_DIVISION) step fw_att by inc l"
.endif
.ifdef MV_LOW_HLA
        .assert ((fw_h | fw_xn | fw_q | fw_att | fw_ffn | fw_logits) & 1) == 0, "matvec.s's short row ends store at even addresses (mv_out, mv_carry)"
        .assert ((kv_keys | kv_values | KV_LAYER_BYTES | KV_POSITION_BYTES) & 1) == 0, "matvec.s's short row ends store k and v at even addresses"
.endif
.ifdef AT_FAST_SCORES
KV_SUMS_LAYER_BYTES = 20 * AT_SUMS_STRIDE
.ifndef kv_key_sums             ; (the program may place them, as the key cache)
        .align 4                ; (the keys' loop steps a key's 4 sums by their low byte)
kv_key_sums:    .res 2 * KV_SUMS_LAYER_BYTES    ; each key's KS (attention.s), [layer][position][head]
.endif
        .assert kv_key_sums % 4 == 0, "attend_head's keys' loop steps a key's 4 sums by their low byte"
.endif
.ifdef AT_PLANE_SCORES
.ifndef kv_planes               ; (the 128K player places them in its data bank, the bench below its code)
        .res * & 1
kv_planes:      .res 2 * PL_LAYER_BYTES ; each key's planes (attention.s), [layer][head][position]
.endif
.ifdef PL_PACKED
.ifndef kv_high_planes          ; (the 48K player places them: the screen's bottom third)
kv_high_planes: .res 2 * PL_HIGH_LAYER_BYTES    ; planes 12..15 (planekeys48.s), [layer][head][position]
.endif
.endif
.ifndef PL_PACKED                       ; (planekeys48.s's pl_store steps by inc hl)
        .assert (kv_planes & 1) == 0 && PL_KEY_BYTES % 2 == 0 && PL_HEAD_BYTES % 2 == 0, "pl_store steps from a plane's first byte to its second by inc l"
.endif
.endif

; forward_prefill - a prompt position whose logits nobody reads: only what
; later positions need, layer 0 whole and layer 1's keys and values (as
; Engine.step leaves them in its cache). Inputs as forward_step; outputs: the
; cache at fw_pos (fw_logits, fw_next and layer 1's att_weights untouched).
; fw_layer_zero - (both entries' first steps) the embedding and layer 0, then layer 1's index
; set and its tensors paged in: HL = its descriptor. SHORT_FORMS (the 48K's) calls it from both,
; 14 bytes fewer for a call and a return (27 T-states) a position; else each has it in line.
        .macro fw_layer_zero_body
        call fw_embed
        xor a
        ld (fw_layer_index),a
        ld hl,soul_layer0
        call fw_layer_step
        ld a,1
        ld (fw_layer_index),a
.ifdef ZX_DATA_BANK
        call zx_page_data       ; layer 1's tensors lie in that bank (the 128K player)
.endif
        ld hl,soul_layer1
        .endmacro
        .macro fw_run_layer_zero
.ifdef SHORT_FORMS
        call fw_layer_zero
.else
        fw_layer_zero_body
.endif
        .endmacro
.ifdef SHORT_FORMS
fw_layer_zero:
        fw_layer_zero_body
        ret
.endif

forward_prefill:
        fw_run_layer_zero
        call fw_layer_kv
.ifdef ZX_DATA_BANK
        call zx_page_top
.endif
        ld a,$FF
        ld (fw_layer_index),a
        ret

forward_step:
        fw_run_layer_zero
        call fw_layer_step
.ifdef ZX_DATA_BANK
        call zx_page_top        ; norm and out lie in bank 0 (the logit lens reads them there)
.endif
        ld a,$FF
        ld (fw_layer_index),a
        ld (fw_head),a
.ifdef SOUL_OUT_PLANES
        jp fw_out_logits        ; (the 48K's since the twenty-seventh round, zxlogits48: the final norm and
                                ; fw_next_token in planes_wide.s, below UNCONTENDED)
.else
        ld hl,soul_norm         ; logits = out . rmsnorm(h, norm), post shift 0
        ld a,soul_norm_shift
        call fw_norm
        ld hl,soul_out_choosable
        ld (mv_w),hl
.endif
; fw_next_token - fw_logits = mv_w xn >> soul_out_shift (the out matrix's, or one of its
; shape: the bound's slack is the soul's) and fw_next = their argmax. mv_w is the matrix's row
; FW_FIRST_ROW (its constant): with MV_COARSE the logits' call runs rows FIRST_CHOOSABLE..127
; only, ids 0..2 being never chosen (twenty-first round: their words in fw_logits untouched).
.ifdef MV_COARSE
FW_FIRST_ROW    = FIRST_CHOOSABLE
.else
FW_FIRST_ROW    = 0
.endif
.ifdef SOUL_OUT_PLANES
FW_OUT_ROW_BYTES = FW_DIM               ; a row of plane_bytes' layout: 8 planes of 4 masks
.else
FW_OUT_ROW_BYTES = 3 + FW_DIM           ; a row of the matvec layout: its constant, then its weights
.endif
soul_out_choosable = soul_out + FW_FIRST_ROW * FW_OUT_ROW_BYTES     ; (the probes' attribution: logits)
.ifndef SOUL_OUT_PLANES
fw_next_token:
.ifdef SOUL_OUT_APART                   ; (the 128K's, twenty-eighth round, zxfc1l0: out by its planes alone)
        call fw_logit_planes    ; (one row left, or fw_out_exact's rows left: its token in A)
        ld (fw_next),a
        ret
.else
.ifdef FW_LOGIT_PLANES
        call fw_logit_planes    ; (C: one row left, its token in A)
        jr c,@chosen
.endif
        ld a,soul_out_shift
        ld (mv_shift),a
.ifdef MV_COARSE
        call fw_logits_bound
        jr c,@chosen            ; (one exact row: T's, the token)
.else
        ld a,FW_VOCAB
        ld hl,fw_logits
        call fw_product_of_xn
.endif
        ld hl,fw_logits
        ld (am_logits),hl
        call argmax
@chosen:
        ld (fw_next),a
        ret
.endif
.endif


.ifdef MV_COARSE
.ifndef SOUL_OUT_APART          ; (nor the 128K's with out by its planes alone, twenty-eighth round)
.ifndef SOUL_OUT_PLANES         ; (the 48K's logits by out's planes since the twenty-seventh round: no bound)
; The logits' argmax bound (the C64's, docs/speed.md "The logits' argmax
; bound"): the logits only decide the argmax (SPEC: ids 3..127, the lowest id
; on a tie). A coarse matvec (MV_COARSE, matvec.s) gives every row r a lower
; bound lo_r <= logit_r <= lo_r + FW_LOGITS_SLACK; with T the largest lo_r of
; ids 3..127, a row with lo_r + FW_LOGITS_SLACK < T lies strictly below the
; winner (T <= the logit of T's row), so it can neither win nor tie. The other
; rows of 3..127 (T's among them) are computed again, exactly (mv_exact_row).
; fw_logits then holds the exact logit of each of those and the lower bound
; lo_r of every other row (rows 0..2 included), each below the largest exact
; one: argmax over all 128 picks SPEC's token. A call matvec runs exact (a wide
; column) leaves every logit exact. The TUI's logits come from the logit lens
; (soulterm/tui/lens.py), not from fw_logits.
.ifdef MV_COARSE_TOP                    ; (matvec.s's mv_coarse_top leaves out the row's own low byte too)
FW_LOGITS_SLACK = (255 * (FW_DIM + 1) + (2 << soul_out_shift) - 1) >> (soul_out_shift + 1)
.else
FW_LOGITS_SLACK = (255 * FW_DIM + (2 << soul_out_shift) - 1) >> (soul_out_shift + 1)
.endif
        .assert FW_LOGITS_SLACK < 32768, "the bound's threshold in 16 bits"
        .assert (fw_logits & 255) == 0, "the bound's scan walks the logits in one page"

.ifndef MV_LOW_HLA                     ; (with it: logitsraw.s's, on the coarse rows' D >> 8)
.ifndef MV_CT_RAW                      ; (the 48K's raw rows, twenty-second round: logitsraw.s's too)
; fw_logits_bound - fw_logits as above, from xn and the out matrix (mv_w, mv_shift
; = soul_out_shift set). Returns C with A = the argmax when T's row was the only one computed
; again (it is then the largest logit: every other lies below T), or none was (AM_RUNNER_UP:
; argmax's limit below the threshold's high byte; T's row keeps its bound), else NC.
fw_logits_bound:
        ld a,1                  ; coarse if matvec can
        ld (mv_coarse_on),a
        ld a,FW_VOCAB - FW_FIRST_ROW
        ld hl,fw_logits + 2 * FW_FIRST_ROW
        call fw_product_of_xn   ; (the norm's first product: matvec, not matvec_again)
        ld hl,mv_coarse_on
        ld a,(hl)
        ld (hl),0
        or a
        ret z                   ; exact
        ld hl,fw_logits
        ld (am_logits),hl
        call argmax             ; T, the largest bound
        ld (fw_next),a
        add a,a
        ld l,a
        ld h,fw_logits >> 8
        ld e,(hl)
        inc l
        ld d,(hl)
        ex de,hl
        ld de,FW_LOGITS_SLACK
        or a
        sbc hl,de               ; the threshold T - slack, or -32768 below that
        jp po,@in_range
        ld hl,$8000
@in_range:
        ld a,h
        xor $80
        ld d,a
        ld e,l                  ; DE: the threshold, its sign bit flipped (unsigned order)
.ifdef AM_RUNNER_UP
        ld a,c                  ; argmax's limit C below the threshold's high byte: every other
        cp d                    ; candidate lies below the threshold, and T wins on its bound
.endif                          ; (twenty-first round: no row computed again, not even T's)
        ld bc,256 * (FW_VOCAB - FIRST_CHOOSABLE)    ; B: the rows left, C: the exact ones
.ifdef AM_RUNNER_UP
        jr c,@scanned
.endif
        ld hl,fw_logits + 2 * FIRST_CHOOSABLE + 1
@row:
        ld a,(hl)               ; the row's high byte, flipped (mostly below the threshold's)
        xor $80
        cp d
        jr c,@next
        jr nz,@exact
        dec l
        ld a,(hl)
        inc l
        cp e
        jr c,@next
@exact:
        inc c
        push bc
        push de
        push hl
        ld a,l
        srl a                   ; the row (HL = fw_logits + 2r + 1)
        sub FW_FIRST_ROW        ; (the call's: from mv_w)
        call mv_exact_row
        pop hl
        pop de
        pop bc
@next:
        inc l
        inc l
        djnz @row
@scanned:
        ld a,c
        cp 2
        ld a,(fw_next)
        ret
.endif
.endif
.endif
.endif
.endif

.ifndef FW_EMBED_APART                  ; (the 128K player places them above $C000: they run outside layer 1;
                                        ; the 48K below $8000, in its cold part)
        .include "embedrows.s"
        .include "logitsraw.s"
.endif

; fw_layer_step - one layer; HL = its descriptor. With SHORT_FORMS just before fw_attend, into
; which it runs (3 bytes fewer).
        .macro fw_layer_step_code
fw_layer_step:
        call fw_layer_kv
        ld a,FD_Q               ; q = Wq xn
        ld hl,fw_q
        call fw_projection
        .endmacro
.ifndef SHORT_FORMS
        fw_layer_step_code
        jp fw_attend
.endif

; kv_layer_kept_sums - HL = the kept sums of layer fw_layer_index (kv_kept_sums + KV_KEPT_LAYER_BYTES
; layer: both layers' in one page); clobbers AF. (Both kv_values_kept forms, the 128K's and the 48K's.)
        .macro kv_layer_kept_sums
        ld hl,kv_kept_sums
        ld a,(fw_layer_index)
        or a
        jr z,@layer_found
        ld l,(kv_kept_sums + KV_KEPT_LAYER_BYTES) & 255
@layer_found:
        .endmacro

; kv_value_word - the word SP pops into the value cache at HL, HL on to the next position's
; word of the same dimension (DE = AT_DIMENSION_BYTES - 1); BC = the word.
        .macro kv_value_word
        pop bc
        ld (hl),c
        inc l                   ; (a word never crosses a page: the cache and its dimensions are word aligned)
        ld (hl),b
        add hl,de
        .endmacro

; kv_scatter_popped - kv_values_scatter's form by SP's pops (both players'): the words from DE on popped into the
; value cache at HL, HL + AT_DIMENSION_BYTES, ..., `pass_words` a pass (1, 2 or 4), interrupts off meanwhile and
; put back as they were; the count in C as bytes (`bytes_in_c`: the 48K's callers') or in B as words (a multiple of
; the pass). Clobbers AF, BC, DE, HL.
        .macro kv_scatter_popped bytes_in_c, pass_words
        ld a,i                  ; P/V = IFF2: were interrupts on?
        push af
        di
        ld (@restore + 1),sp
        ex de,hl
        ld sp,hl
        ex de,hl
        .if bytes_in_c
        ld a,c                  ; the bytes (fewer than 256: B = 0)
        rrca                    ; the words
        .else
        ld a,b                  ; the words
        .endif
        .if pass_words >= 2
        rrca
        .endif
        .if pass_words == 4
        rrca
        .endif
        ld de,AT_DIMENSION_BYTES - 1
@words:
        .repeat pass_words
        kv_value_word
        .endrepeat
        dec a
        jp nz,@words
@restore:
        ld sp,0                 ; (patched)
        pop af
        ret po                  ; interrupts were off: leave them off
        ei
        ret
        .endmacro

; fw_layer_kv - xn = rmsnorm(h, n1), and the keys and values of this position
; into the layer's cache; HL = the layer's descriptor.
fw_layer_kv:
        ld (fw_layer),hl
        push hl
        pop ix
        ld l,(ix+FD_N1)
        ld h,(ix+FD_N1+1)
        ld a,(ix+FD_N1+2)
        call fw_norm            ; xn = rmsnorm(h, n1)
.ifdef PL_PACKED                        ; (the packed planes keep the keys; with AT_TABLE_BY_DIMENSION v is scattered
.ifdef AT_TABLE_BY_DIMENSION            ; from z's room: no slot in any cache)
FW_NO_SLOT      = 1
.endif
.endif
.ifndef FW_NO_SLOT
        call fw_cache_slot      ; HL = this position's slot in the key cache
        push hl
.endif
.ifdef PL_PACKED
        ld hl,fw_ffn            ; (the 48K's planes alone keep the keys: k in z's room, free until fc1)
.endif
        ld a,FD_K
        call fw_projection
.ifdef AT_FAST_SCORES
        pop hl
        push hl
        call fw_key_sums
.endif
.ifdef AT_PLANE_SCORES
.ifdef PL_PACKED
        ld hl,fw_ffn
.else
        pop hl
        push hl
.endif
        call fw_key_planes
.endif
.ifndef FW_NO_SLOT
        pop hl
.endif
.ifdef AT_VALUES_BY_DIMENSION
.ifdef AT_TABLE_BY_DIMENSION            ; (the 48K's: fw_att lies on planes.s's tables, which v's rows read)
FW_V_BUFFER     = fw_ffn                ; (z's room, free until fc1: k's before it, PL_PACKED)
.else
FW_V_BUFFER     = fw_att
.endif
        ld a,FD_V               ; v = Wv xn into FW_V_BUFFER (free until the heads), then
        ld hl,FW_V_BUFFER       ; into the cache dimension-major (attention.s)
        call fw_projection
        ld ix,(fw_layer)
        ld l,(ix+FD_VALUES)
        ld h,(ix+FD_VALUES+1)
        ld a,(fw_pos)           ; the position's word of dimension 0: 2 (19 - pos) on
.ifdef AT_VALUES_ASCENDING              ; (attention.s's AT_TABLE_BY_DIMENSION: 2 pos on)
.else
        cpl
        add a,AT_MAX_POSITIONS
.endif
        add a,a
        ld e,a
        ld d,0
        add hl,de
        ld de,FW_V_BUFFER
.ifdef AT_TABLE_MEANS
        ld bc,2 * FW_DIM        ; (the 48K's kv_values_scatter counts bytes in BC, ldi's)
.else
        ld b,FW_DIM
.endif
.ifdef AT_KEPT_MEANS
        jp kv_values_kept       ; (and attention.s's kept sums of S(v))
.endif
        ; (on into kv_values_scatter)

.ifdef AT_TABLE_MEANS
; kv_values_scatter - BC / 2 words (BC: their bytes) from DE on into the value cache at HL, HL +
; AT_DIMENSION_BYTES, ...: AT_TABLE_BY_DIMENSION's store of a position (fw_layer_kv), and the 48K's kept
; means' (attention.s's AT_KEPT_TABLE; kv_values_kept stores a position's); soulplayer.s's SEP values put
; back once a turn. ldi counts BC down (thirty-fifth round, zx48kept35: ~66 T-states a word, 77 with A
; counting the words and DE stepped through HL; 1 byte fewer). Clobbers AF, BC, DE, HL.
kv_values_scatter:
.ifdef KV_SCATTER_POPS
; (KV_SCATTER_POPS, thirty-fifth round, zx48room35: a spend of build.py's ladder) the same BC bytes (C: B = 0), SP
; popping their words as the 128K's kv_values_scatter does, interrupts off meanwhile, KV_SCATTER_PASS_WORDS words a
; pass: 39 T-states a word and the pass's count, where ldi's form takes ~66 (its callers as ldi's: the spend adds
; bytes above $8000 alone, as the ladder's halves want). Clobbers AF, BC, DE, HL.
KV_SCATTER_PASS_WORDS = 2       ; (a word more a pass: 5 bytes for 14 T-states a pass)
        .assert KV_SCATTER_PASS_WORDS == 1 || KV_SCATTER_PASS_WORDS == 2 || KV_SCATTER_PASS_WORDS == 4, "kv_values_scatter by SP: 1, 2 or 4 words a pass"
        .assert FW_DIM % KV_SCATTER_PASS_WORDS == 0 && 2 * FW_DIM < 256, "kv_values_scatter's passes must take a position's words whole, its bytes in C"
        kv_scatter_popped 1, KV_SCATTER_PASS_WORDS
.else
        ex de,hl
@word:
        ldi
        ldi
        ret po                  ; (ldi's P/V: BC not 0)
        ld a,e
        add a,AT_DIMENSION_BYTES - 2
        ld e,a
        jr nc,@word
        inc d
        jr @word
.endif

.ifdef AT_KEPT_MEANS                    ; (AT_TABLE_BY_DIMENSION's store: kv_values_scatter alone)
; kv_values_kept - the 48K's (AT_KEPT_MEANS with AT_TABLE_MEANS, twenty-first round): fw_layer_kv's
; position (HL, DE = fw_att, 32 words) into the value cache, dimension-major, each word's S(vl)
; added to its dimension's kept sum (kv_kept_sums + 96 layer, 3 bytes a dimension) through
; matvec's squares. Positions 0 and 1 start the sums from 0; position 1, a turn's first computed
; one, adds position 0's words first (each dimension's last, gathered into fw_ffn and stored
; again where they are): nothing from the turn before is read. Clobbers AF, BC, DE, HL, AF',
; BC', HL'.
kv_values_kept:
        ld a,i                  ; P/V = IFF2: were interrupts on? (off from here: SP pops the words)
        push af
        di
        push de                 ; fw_att
        push hl                 ; the position's word of dimension 0
        kv_layer_kept_sums      ; HL = the layer's sums
        ld a,(fw_pos)
        cp 2
        jr nc,@store
        ld c,l
        ld b,KV_KEPT_LAYER_BYTES
@clear:
        ld (hl),0
        inc l
        djnz @clear
        ld l,c
        or a
        jr z,@store
        pop de                  ; position 1: position 0's words, a word on
        push de
        push hl
        ex de,hl
        inc hl
        inc hl
        push hl
        ld de,fw_ffn
        ld b,FW_DIM
        call kv_values_gather
        pop de
        pop hl
        push hl
        ld bc,fw_ffn
        call kv_kept_add
        pop hl
@store:
        pop de
        pop bc                  ; fw_att
        call kv_kept_add
        pop af
        ret po                  ; interrupts were off: leave them off
        ei
        ret

; kv_kept_add - FW_DIM words from BC into the value cache at DE, DE + AT_DIMENSION_BYTES, ...,
; each one's S(vl) added to the kept sum at HL, HL + 3, ... (interrupts off: SP pops the words).
; S(vl) as S(-vl), at MV_SQ_PAGE * 256 + $7F - vl: its low byte vl xor $7F, its page
; MV_SQ_PAGE less vl's bit 7, its high byte 512 bytes on. Clobbers AF, BC, DE, HL, AF', BC', HL'.
kv_kept_add:
        ld (@restore + 1),sp
        push hl
        exx
        pop hl                  ; HL' walks the sums
        exx
        ld h,b
        ld l,c
        ld sp,hl                ; SP pops the words
        ex de,hl                ; HL = the cache
        ld de,AT_DIMENSION_BYTES - 1
        ld a,FW_DIM
@word:
        ex af,af'
        kv_value_word
        ld a,c
        exx
        xor $7F
        ld c,a
        rla
        sbc a,a
        add a,MV_SQ_PAGE
        ld b,a                  ; BC' = &S(vl)
        ld a,(bc)
        add a,(hl)
        ld (hl),a
        inc l                   ; (the kept sums lie in one page)
        inc b
        inc b
        ld a,(bc)
        adc a,(hl)
        ld (hl),a
        inc l
        jr nc,* + 3
        inc (hl)                ; (the top byte: a sum of 20 squares fits 24 bits)
        inc l
        exx
        ex af,af'
        dec a
        jp nz,@word
@restore:
        ld sp,0                 ; (patched)
        ret
        .assert mv_sq_lo + 255 == MV_SQ_PAGE * 256 + $7F && mv_sq_hi - mv_sq_lo == 512, "kv_kept_add reads matvec's squares at MV_SQ_PAGE * 256 + $7F - vl"
        .assert kv_values % 2 == 0 && AT_DIMENSION_BYTES % 2 == 0, "kv_kept_add steps within a word by its low byte"
.endif
.else
; kv_values_scatter - B words (a multiple of 4) from DE on into the value cache at HL,
; HL + AT_DIMENSION_BYTES, ...: a position's words, dimension-major (attention.s). SP pops
; them, interrupts off meanwhile. Clobbers AF, BC, DE, HL.
kv_values_scatter:
        kv_scatter_popped 0, 4  ; (4 words a pass)
        .assert kv_values % 2 == 0 && AT_DIMENSION_BYTES % 2 == 0, "kv_values_scatter steps within a word by its low byte"
.endif

; kv_values_gather - B words of the value cache at HL, HL + AT_DIMENSION_BYTES, ... into DE
; on (kv_values_scatter's other way: the player's position 0 kept while a line is read, a
; record's position 1). Clobbers AF, BC, DE, HL.
kv_values_gather:
        ld a,b
@word:
        ldi
        ldi
        ld bc,AT_DIMENSION_BYTES - 2
        add hl,bc
        dec a
        jr nz,@word
        ret



.ifdef AT_KEPT_MEANS
.ifndef AT_TABLE_MEANS                  ; (the 128K's; the 48K's kv_values_kept is above)
KV_PASS_WORDS   = 4             ; kv_kept_store_words' words a pass; position 1's (and a record's), once a turn:
.ifdef KV_FIRST_PASS_WORDS
.else
.ifdef AT_PAGED_VALUES
KV_FIRST_PASS_WORDS = 2         ; 2 with AT_PAGED_VALUES's longer store (1 in zxvpage31, ~100 bytes fewer below $C000
                                ; than 4; 2 since zxroom31: 43 bytes more, ~700 T-states fewer at position 1 and a record's copy)
.else
KV_FIRST_PASS_WORDS = 4
.endif
.endif
        .macro kv_kept_store_words from_first   ; kv_values_kept's store (interrupts off): HL = fw_att,
                                ; DE = the cache, HL' the sums it adds to (with from_first: HL' position
                                ; 0's, DE' the sums it writes, A the passes of 4 words)
        ld (@restore + 1),sp
        ld sp,hl                ; SP pops the words
        ex de,hl                ; HL = the cache
        ld de,AT_DIMENSION_BYTES - 1
.if !from_first
        ld a,FW_DIM / KV_PASS_WORDS
.endif
.ifdef AT_PAGED_VALUES
        .byte $DD,$2E,0         ; ld ixl,0: the words' X, or-ed (kv_wide_check)
.endif
@words:
        ex af,af'               ; (the count: A' while A carries S(v) over)
        .repeat KV_PASS_WORDS - (KV_PASS_WORDS - KV_FIRST_PASS_WORDS) * from_first
.ifdef AT_PAGED_VALUES
        pop bc                  ; C = vl, B = vh
        ld (hl),c
        inc l                   ; (a word never crosses a page: the cache and its dimensions are word aligned)
        ld a,b
        inc a
        rlca                    ; X = rlca(vh + 1): 2 for vh = 0, 0 for vh = -1, other bits a wider v's
        ld b,a
        .byte $DD,$B5           ; or ixl
        .byte $DD,$6F           ; ld ixl,a
        ld a,AT_SQ_PAGE
        sub b
        ld (hl),a               ; the cache's high byte P = AT_SQ_PAGE - X: the kept walk's page of
        add hl,de               ; S(w - v) where w - vl borrows (attention.s)
        ld a,b
        add a,AT_SQ_PAGE - 2    ; BC = &S(v), low byte: page AT_SQ_PAGE + 2 vh (v = -256 reads 0,
        ld b,a                  ; at_kept_far's to mend; a wide v's page is any, its sum never read:
                                ; kv_wide_check marks its head for the fast walk, P tested whole)
.else
        kv_value_word
        ld a,b                  ; BC = &S(v), low byte: page AT_SQ_PAGE + 2 vh (vh 0 or -1; v = -256
        add a,a                 ; reads 0, at_kept_far's to mend; a wide v's page is any, its sum
        add a,AT_SQ_PAGE        ; never read: at_kept_dimension leaves for at_kept_wide first)
        ld b,a
.endif
        ld a,(bc)
        exx
        add a,(hl)
.if from_first
        ld (de),a
        inc l                   ; (the kept sums and position 0's each lie in one page)
        inc e
        exx
        inc b                   ; the high byte, a page on
        ld a,(bc)
        exx
        adc a,(hl)
        ld (de),a
        inc l
        inc e
        ld a,(hl)
        adc a,0
        ld (de),a
        inc e
.else
        ld (hl),a
        inc l                   ; (the kept sums lie in one page)
        exx
        inc b                   ; the high byte, a page on
        ld a,(bc)
        exx
        adc a,(hl)
        ld (hl),a
        inc l
        jr nc,* + 3
        inc (hl)                ; (the top byte: a sum of 20 squares fits 24 bits)
.endif
        inc l
        exx
        .endrepeat
        ex af,af'
        dec a
        jp nz,@words
@restore:
        ld sp,0                 ; (patched)
        .endmacro

; kv_values_kept - kv_values_scatter for fw_layer_kv's position (HL, DE = fw_att, 32 words) that
; also keeps attention.s's kept sums (AT_KEPT_MEANS): each of the layer's dimensions' sum of
; S(vl) over positions 0..fw_pos (3 bytes, the low first, the layer fw_layer_index's 32
; dimensions in order at kv_kept_sums + 96 layer), S(vl) added as each word is stored. Position
; 0 starts the sums from 0 and leaves them in kv_kept_first; position 1, a turn's first computed
; one, writes them from there (its own loop: position 0's sums read, the layer's written), as
; kv_values_kept_record does for a position 1 copied from its record (records128.s).
; Clobbers AF, BC, DE, HL, AF', BC', DE', HL'.
kv_values_kept:
        ld a,i                  ; P/V = IFF2: were interrupts on? (off from here: SP pops the words,
        push af                 ; the other register set holds the sums' pointers)
        di
        push de
        ex de,hl                ; DE = the position's word of dimension 0
        kv_layer_kept_sums      ; HL = the layer's sums
        ld a,(fw_pos)
        cp 1
        jp z,@from_first
        jr nc,@started
        ld (@copied + 1),hl     ; position 0: from 0
        ld b,KV_KEPT_LAYER_BYTES
@clear:
        ld (hl),0
        inc l
        djnz @clear
        ld hl,(@copied + 1)
@started:
.ifdef AT_PAGED_VALUES
        ld (kv_wide_check@cache + 1),de
        ld (kv_wide_check@sums + 1),hl
.endif
        push hl
        exx
        pop hl                  ; HL' walks the layer's sums
        exx
        pop hl                  ; HL = fw_att
        kv_kept_store_words 0
.ifdef AT_PAGED_VALUES
        ld b,FW_DIM
        call kv_wide_check      ; (a head with a v beyond -256..255 marked in its kept sums)
.endif
        ld a,(fw_pos)
        or a
        jr nz,@done
@copied:
        ld hl,0                 ; (patched: the layer's sums) position 0's, for each turn's position 1
        ld de,kv_kept_first - kv_kept_sums
        ex de,hl
        add hl,de
        ex de,hl
        ld bc,KV_KEPT_LAYER_BYTES
        ldir
@done:
        pop af
        ret po                  ; interrupts were off: leave them off
        ei
        ret
@from_first:                    ; position 1: position 0's sums and its own into the sums
        ld a,FW_DIM / KV_FIRST_PASS_WORDS ; (kv_kept_store_words 1's passes)
@from_first_passes:
.ifdef AT_PAGED_VALUES
        ld (@first_dimensions + 1),a
        ld (kv_wide_check@cache + 1),de
        ld (kv_wide_check@sums + 1),hl
        .assert KV_FIRST_PASS_WORDS == 1 || KV_FIRST_PASS_WORDS == 2 || KV_FIRST_PASS_WORDS == 4, "kv_wide_check's dimensions are kv_kept_store_words 1's passes' words (@first_dimensions)"
.endif
        push hl
        ld bc,kv_kept_first - kv_kept_sums
        add hl,bc
        push hl
        exx
        pop hl                  ; HL' walks position 0's sums
        pop de                  ; DE' the layer's
        exx
        pop hl                  ; HL = fw_att
        kv_kept_store_words 1
.ifdef AT_PAGED_VALUES
@first_dimensions:
        ld b,0                  ; (patched: the passes, KV_FIRST_PASS_WORDS words each)
        .repeat (KV_FIRST_PASS_WORDS > 1) + (KV_FIRST_PASS_WORDS > 2)
        sla b                   ; (the dimensions stored)
        .endrepeat
        call kv_wide_check
.endif
        jp @done

; kv_values_kept_record - kv_values_scatter for a position 1 copied from its record (records128.s's
; record_move: DE = its words, both layers' 64, HL = the cache's word of layer 0's dimension 0,
; layer 1's dimensions AT_DIMENSION_BYTES on after them) that writes both layers' kept sums from
; position 0's and S(vl) of each word as it is stored (the sums of both layers lie in order).
kv_values_kept_record:
        ld a,i                  ; P/V = IFF2: were interrupts on?
        push af
        di
        push de
        ex de,hl                ; DE = the cache
        ld hl,kv_kept_sums
        ld a,2 * FW_DIM / KV_FIRST_PASS_WORDS ; both layers' words
        jp kv_values_kept@from_first_passes
        .assert KV_LAYER_BYTES == FW_DIM * AT_DIMENSION_BYTES, "layer 1's dimensions go on AT_DIMENSION_BYTES after layer 0's"
        .assert (kv_kept_first & 255) + 2 * KV_KEPT_LAYER_BYTES <= 256, "kv_values_kept steps position 0's sums by inc l"
.ifdef AT_PAGED_VALUES
; kv_wide_check - after kv_kept_store_words (IXL: its words' X = rlca(vh + 1) or-ed, bits other than bit 1
; a v beyond -256..255's): where one is, each head among the B dimensions stored (a multiple of 8,
; from the cache's word at @cache, their kept sums from @sums, both patched) that holds one gets bit 7
; of its first dimension's kept top byte set (a sum of 20 squares stays below 2^21: attention.s's
; at_weight_squares reads the mark and sends the head to the fast walk with P tested whole). The mark
; stays with the sums: position 0's into kv_kept_first, and on through adc into each later position's.
; Clobbers AF, BC, DE, HL.
kv_wide_check:
        .byte $DD,$7D           ; ld a,ixl
        and $FD
        ret z                   ; (every v in -256..255: the usual)
@cache:
        ld de,0                 ; (patched: the word of the first dimension)
@sums:
        ld hl,0                 ; (patched: its kept sum)
        inc de                  ; (the words' high bytes, P)
@head:
        push hl                 ; the head's first kept sum
        ld c,AT_HEAD_DIM
@dimension:
        ld a,(de)
        sub AT_SQ_PAGE - 2      ; 0 or 2 for vh 0 or -1
        and $FD
        jr z,@narrow
.ifdef AT_KEPT_MARKED
        inc l                   ; (AT_KEPT_MARKED, thirty-second round: the dimension's own mark too, bit 6
        inc l                   ; of its top byte: attention.s's at_kept_marked_dimension sends it to the
        set 6,(hl)              ; fast walk, the head's others to the kept walk)
        dec l
        dec l
.endif
        ex (sp),hl
        inc l
        inc l
        set 7,(hl)              ; the head's mark
        dec l
        dec l
        ex (sp),hl
@narrow:
        ld a,e
        add a,AT_DIMENSION_BYTES
        ld e,a
        jr nc,* + 3
        inc d
        inc l                   ; (the kept sums lie in one page)
        inc l
        inc l
        dec b
        dec c
        jr nz,@dimension
        pop af                  ; (the head's first sum)
        inc b
        dec b
        jr nz,@head
        ret
.endif
        .assert kv_values % 2 == 0 && AT_DIMENSION_BYTES % 2 == 0, "kv_values_kept steps within a word by its low byte"
.endif
.endif
.else
        ld ix,(fw_layer)
        ld e,(ix+FD_KEYS)
        ld d,(ix+FD_KEYS+1)
        or a
        sbc hl,de               ; the slot's offset, the same in the value cache
        ld e,(ix+FD_VALUES)
        ld d,(ix+FD_VALUES+1)
        add hl,de
        ld a,FD_V
        jp fw_projection
.endif

; fw_head_weights - HL = the head's row of att_weights: att_weights + (layer*4 + head)*20, worked out in A
; (AT_LUT_IN_WEIGHTS's since the twenty-ninth round; both players' since the thirty-seventh, zx128heads37: 45
; T-states a head and 3 bytes fewer than the 16-bit form on the 128K, 1 with att_weights across a page).
        .macro fw_head_weights
        ld a,(fw_layer_index)
        add a,a
        add a,a
        ld hl,fw_head
        add a,(hl)
        ld l,a                  ; layer*4 + head
        add a,a
        add a,a
        add a,l
        add a,a
        add a,a                 ; * 20 (<= 140)
        add a,att_weights & 255
        ld l,a
.if (att_weights & 255) + FW_WEIGHTS_BYTES <= 256
        ld h,att_weights >> 8
.else
        adc a,att_weights >> 8  ; (the rows after a page's end: 2 bytes more)
        sub l
        ld h,a
.endif
        .endmacro

.ifdef SHORT_FORMS
        fw_layer_step_code      ; (on into fw_attend)
.endif
; fw_attend - the four heads, proj and the feed-forward of the layer at fw_layer.
fw_attend:
.ifdef AT_PLANE_SCORES
.ifdef ZX_DATA_BANK
        ld a,(fw_layer_index)   ; layer 0's heads: the planes' bank in (layer 1 runs with it), once for
        or a                    ; the four heads (thirty-seventh round, zx128heads37: not in and out a head,
        call z,zx_page_data     ; nothing between them reads above $C000: ~650 T-states a layer 0)
.endif
.endif
        xor a                   ; the four heads
        ld (fw_head),a
@head:
        ld a,(fw_head)
        add a,a
        add a,a
        add a,a
        add a,a                 ; A = head * 16 bytes
        ld e,a
        ld d,0
        ld hl,fw_q
        add hl,de
        ld (at_q),hl
        ld hl,fw_att
        add hl,de
        ld (at_out),hl
        ld ix,(fw_layer)
.ifndef PL_PACKED                       ; (the 48K's packed planes: no key cache, pl_planes is the head's keys)
        ld l,(ix+FD_KEYS)
        ld h,(ix+FD_KEYS+1)
        add hl,de
        ld (at_keys),hl
.endif
        ld l,(ix+FD_VALUES)
        ld h,(ix+FD_VALUES+1)
.ifdef AT_VALUES_BY_DIMENSION
        ld a,(fw_head)          ; the head's dimensions: head * 8 * AT_DIMENSION_BYTES = head * 320
        ld d,a                  ; = 256 head + 64 head
        rrca
        rrca
        ld e,a                  ; (64 head for head <= 3)
        .assert FW_HEADS <= 4 && AT_HEAD_DIM * AT_DIMENSION_BYTES == 320, "a head's values are 256 head + 64 head on"
.endif
        add hl,de
        ld (at_values),hl
        ld a,(fw_pos)
        inc a
        ld (at_count),a
.ifdef AT_FAST_SCORES
        ld hl,(at_keys)         ; at_sums = kv_key_sums + layer * 320 + head * 4
        call fw_sums_at
        ld (at_sums),hl
.endif
.ifdef AT_PLANE_SCORES
        call fw_planes_of_layer ; pl_planes = kv_planes + the layer's + head * PL_HEAD_BYTES
        ld a,(fw_head)
        or a
        jr z,@planes_found
        ld de,PL_HEAD_BYTES
@planes_step:
        add hl,de
        dec a
        jr nz,@planes_step
@planes_found:
        ld (pl_planes),hl
.ifdef PL_PACKED
.ifndef PL_HIGH_BY_HEAD                 ; (the player's: worked out by the old dot alone, fw_high_planes)
        call fw_high_planes
        ld (pl_high_planes),hl
.endif
.endif
.endif
.ifdef AT_KEPT_MEANS
        ld a,(fw_layer_index)   ; at_kept = kv_kept_sums + 24 (4 layer + head)
        add a,a
        add a,a
        ld hl,fw_head
        add a,(hl)
        ld l,a
        add a,a
        add a,l
        add a,a
        add a,a
        add a,a
        add a,kv_kept_sums & 255
        ld (at_kept),a
        ld a,kv_kept_sums >> 8
        ld (at_kept + 1),a
.endif
.ifdef AT_LUT_IN_WEIGHTS
        fw_head_weights         ; the head's weights written where the TUI reads them (twenty-ninth
        ld (at_means_walk + 1),hl ; round, zx48pos29: no at_lut, no copy): attention.s's weights' loop
                                ; and means walk there
.endif
        call attend_head
.ifndef AT_LUT_IN_WEIGHTS
        fw_head_weights         ; keep this head's weights
        ex de,hl
        ld hl,at_lut
        ld a,(at_count)
        ld c,a
        ld b,0
        ldir
.endif
        ld a,(fw_head)
        inc a
        ld (fw_head),a
        cp FW_HEADS
.ifdef AT_PLANE_SCORES
        jp nz,@head             ; (the planes' steps put it past jr's reach)
.else
.ifdef AT_KEPT_MEANS
        jp nz,@head             ; (at_kept's setup puts it past jr's reach)
.else
        jr nz,@head
.endif
.endif
.ifdef AT_PLANE_SCORES
.ifdef ZX_DATA_BANK
.ifndef SOUL_L0_BANK                    ; (with it fw_l0_bank pages layer 0's proj's bank in next)
        ld a,(fw_layer_index)   ; layer 0's heads done: bank 0 back
        or a
        call z,zx_page_top
.endif
.endif
.endif

.ifdef SOUL_L0_BANK
        call fw_l0_bank         ; (layer 0's proj and fc2 lie in bank EMBED_BANK: the 128K's)
.endif
        ld a,FD_PROJ            ; h = sat16(h + proj att)
        ld hl,fw_att
        ld bc,FW_DIM * 256 + FW_DIM
        call fw_dense_add
.ifdef SOUL_L0_BANK
        call fw_l0_bank_back
.endif

        ld ix,(fw_layer)        ; yn = rmsnorm(h, n2)
        ld l,(ix+FD_N2)
        ld h,(ix+FD_N2+1)
        ld a,(ix+FD_N2+2)
        call fw_norm
.ifdef FW_FC1_BYTES
; (the 48K player's, thirty-sixth round, zx48fc1g36: both layers' fc1 by fc1planes.s's byte masks on planes.s's
; tables, fc1wide.s's fw_fc1_planes; fg_rows_wide where fg_tables declines: no coarse call)
        call fw_fc1_planes
.else
.ifdef FW_FC1_PLANES
; (the 128K player's, twenty-seventh round, zxgate128b: layer 1's fc1 by fc1planes.s in its bank, which
; has its rows alone: fc1wide.s's fw_fc1_planes, below $C000, NZ where it ran the call; layer 0's as before)
        call fw_fc1_planes
.ifndef FW_FC1_PLANES_L0                ; (with it both layers' run there: twenty-eighth round)
        jr nz,@fc1_done
.endif
.endif
.ifndef FW_FC1_PLANES_L0
.ifdef MV_COARSE
        ld a,MV_COARSE_GATE     ; fc1 coarse where ReLU zeroes a row anyway (matvec.s's mv_gate)
        ld (mv_coarse_on),a
.endif
        ld hl,mv_store_relu     ; z = relu(fc1 yn + b1): ReLU as matvec stores
        ld (MV_STORE_OP + 1),hl
        ld a,FD_FC1 + FW_BIASED
        ld hl,fw_xn
        ld de,fw_ffn
        ld bc,FW_DIM * 256 + FW_FFN
        call fw_dense_via
.ifdef MV_COARSE
        xor a
        ld (mv_coarse_on),a
.endif
.ifdef FW_FC1_PLANES
@fc1_done:
.endif
.endif
.endif
.ifdef FW_WIDE_SPARSE
fw_fc2:                         ; (layer fw_layer_index's fc2 on z in fw_ffn: the tests' entry)
.endif
        ld hl,fw_xn             ; fc2's 64 columns run in two parts: the first part's
        ld (mv_carry),hl        ; row sums wait in xn and q (free once fc1 has run)
        .assert fw_q == fw_xn + 2 * FW_DIM, "fc2's row sums take xn and q"
.ifdef FW_WIDE_SPARSE
        call fw_wide_sparse     ; layer 1's wide columns into fc2's bias (NZ: fw_wide_back after the call)
.endif
.ifdef MV_NZ
        ld hl,matvec_nz         ; fc2 by z's nonzero columns alone (nzmatvec.s; matvec where it declines)
        ld (FW_DENSE_JP + 1),hl
.endif
.ifdef SOUL_L0_BANK
        call fw_l0_bank
.endif
        ld a,FD_FC2 + FW_BIASED ; h = sat16(h + fc2 z + b2)
        ld hl,fw_ffn
        ld bc,FW_FFN * 256 + FW_DIM
.ifdef MV_NZ
        call fw_dense_add
        ld hl,matvec
        ld (FW_DENSE_JP + 1),hl
.ifdef SOUL_L0_BANK
; fw_l0_bank_back - bank 0 back at $C000 after layer 0's proj or fc2 (SOUL_L0_BANK); layer 1's keep its
; bank in. Clobbers A, BC.
fw_l0_bank_back:
        ld a,(fw_layer_index)
        or a
        ret nz
        jp zx_page_top
; fw_l0_bank - bank EMBED_BANK at $C000 for layer 0's proj or fc2 (SOUL_L0_BANK: build.l0_bank_symbols, the
; 128K's since the twenty-ninth round, zxqkv128c); layer 1's run with bank ZX_DATA_BANK in. Clobbers A, BC.
fw_l0_bank:
        ld a,(fw_layer_index)
        or a
        ret nz
        ld a,ZX_PAGE_ROM_48 | EMBED_BANK
        jp zx_page
.else
        ret
.endif
.else
.ifdef SOUL_L0_BANK
        .error "SOUL_L0_BANK pages layer 0's fc2 through MV_NZ's path"
.endif
.endif
.ifdef FW_WIDE_SPARSE
        jr z,fw_dense_add       ; (the loads keep fw_wide_sparse's Z)
        call fw_dense_add
        jp fw_wide_back
.endif
; fw_dense_add - h = sat16(h + fw_dense's output): matvec's rows add as they store
; (mv_store_add; sixteenth round, no second pass over h: vecops.s's vec_add_sat
; before). A, HL and BC as fw_dense's.
fw_dense_add:
        ld de,mv_store_add
        ld (MV_STORE_OP + 1),de
        ld de,fw_h
; fw_dense_via - fw_dense with mv_store's jp to the routine at MV_STORE_OP + 1
; (mv_store_add, mv_store_relu), put back after.
fw_dense_via:
        push hl
        ld hl,MV_STORE_OP
        ld (hl),$C3             ; jp
        pop hl
        call fw_dense
        ld hl,MV_STORE_OPS
        ld (MV_STORE_OP),hl
        ld a,MV_STORE_OP_3
        ld (MV_STORE_OP + 2),a
        ret

; fw_dense - matvec of the layer's matrix at descriptor offset A (+ FW_BIASED:
; a bias word follows the matrix, as fc1 and fc2 have; then the shift + 1) on
; the vector at HL into DE, C rows x B columns.
fw_dense:
        ld (mv_x),hl
        ld (mv_out),de
        ld (mv_rows),bc
        .assert mv_cols == mv_rows + 1, "fw_dense stores the rows and columns as one word"
        ld ix,(fw_layer)
        ld c,a
        and FW_BIASED - 1
        ld e,a
        ld d,0
        add ix,de
        ld l,(ix+0)
        ld h,(ix+1)
        ld (mv_w),hl
        ld hl,0
        bit 7,c
        jr z,@bias_set
        ld l,(ix+2)
        ld h,(ix+3)
        inc ix
        inc ix
@bias_set:
        ld (mv_bias),hl
        ld a,(ix+2)
        ld (mv_shift),a
FW_DENSE_JP = *
        jp matvec               ; (MV_NZ: matvec_nz for fc2)

.ifdef FW_WIDE_SPARSE
; fw_wide_sparse - (FW_WIDE_SPARSE, the 128K's; before layer 1's fc2, which only a reply step runs)
; where z's only bar to matvec's sparse call (MV_SPARSE: each part's columns one piece, x in
; -127..128, at most MV_SPARSE_MAX of them nonzero) is a few wide columns of h = 1 (z in 129..384:
; ReLU's z is never negative), each such column's 256 w goes into a copy of fc2's bias, b' = b +
; 256 w a row (in fw_att, free once proj has run; fc2's descriptor points at it for the call), and
; its z to z - 256 (its high byte less 1): the call's sums W z + b are the same, and it runs sparse
; (a reply step's fc2 ~190,000 T-states dense, ~86,000 + ~4,750 a nonzero column sparse on the
; 128K's options). Where the call runs sparse, wide columns or none, matvec is told so (a jp over
; its own look at x, MV_SPARSE_LOOK). NZ: the call runs sparse (fw_wide_back undoes all this after
; it); Z: nothing changed (layer 0, a part with more than MV_SPARSE_MAX nonzero, a z above 384, more
; than FW_WIDE_MOST wide columns, or a b' outside int16). Clobbers AF, AF', BC, DE, HL, IX.
FW_WIDE_MOST    = 4             ; the wide columns listed at most (a reply step's calls that would have
                                ; one: 1.04 of them on the ten, 1.12 on the thirty held out)
FW_WIDE_LAYER   = 1             ; the layer whose fc2 only reply steps run (layer 0's runs every position)
.ifdef MV_SHORT_K                       ; (the 48K's: layer 1's fc2 may have 2-byte row constants)
FW_WIDE_K_BYTES = 3 - soul_l1_fc2_w_kform / MV_SHORT_FLAG
.else
FW_WIDE_K_BYTES = 3
.endif
FW_PART_STRIDE  = FW_WIDE_K_BYTES + FW_FFN - MV_MAX_COLS        ; a first part's row: its constant and columns
        .assert FW_FFN == 2 * MV_MAX_COLS, "fw_wide_sparse walks fc2 as two parts of MV_MAX_COLS columns"
        .assert 2 * FW_FFN <= 256 && (fw_ffn >> 8) != 0, "fw_wide_sparse finds a column from its word's low byte (mod 256: z may cross a page, the 48K's does) and ends its list with a high byte of 0"
fw_wide_sparse:
        ld a,(fw_layer_index)
        cp FW_WIDE_LAYER
        jr z,@layer
@none:
        xor a                   ; Z: nothing changed
        ret
@layer:
        ld hl,fw_ffn
        ld de,fw_wide_cols
        ld c,2                  ; the call's two parts
@part:
        ld b,MV_MAX_COLS
        ld a,MV_SPARSE_MAX + 1
        ex af,af'               ; A' = the nonzero columns the part may still take, + 1
@column:
        ld a,(hl)
        inc hl
        or (hl)
        jr z,@zero              ; (51 T-states a zero column, as mv_sparse_part)
        dec hl
        ld a,(hl)
        add a,127               ; z + 127 < 256: one piece (z >= 0)
        inc hl
        ld a,(hl)
        adc a,0
        jr z,@nonzero
        ld a,(hl)               ; 129 or more: the high byte
        or a
        jr z,@wide              ; 129..255: h = 1, l = z - 256
        dec a
        jr nz,@none             ; 512 or more
        dec hl
        ld a,(hl)
        inc hl
        cp 129
        jr nc,@none             ; 385..511: l would be above 128
@wide:                          ; (and 256..384: l = z - 256 in 0..128; HL on the high byte)
        ld a,e
        cp (fw_wide_cols + 2 * FW_WIDE_MOST) & 255
        jr z,@none              ; the list is full
        ex de,hl
        ld (hl),e               ; the column's high byte, listed
        inc hl
        ld (hl),d
        inc hl
        ex de,hl
@nonzero:
        ex af,af'
        dec a
        jr z,@none              ; more than MV_SPARSE_MAX nonzero: the call runs dense either way
        ex af,af'
@zero:
        inc hl                  ; the next word
        djnz @column
.ifdef MV_SPARSE_PAIR_SKIP
        ld a,(mv_last_zero)     ; each part's count, MV_SPARSE_MAX + 1 for all zero (matvec's
        ld (mv_first_zero),a    ; mv_first_alone, mv_last_alone): the first part's moves on
        ex af,af'
        ld (mv_last_zero),a
        ex af,af'
.endif
        dec c
        jr nz,@part
        xor a
        ld (de),a               ; the list's end (a high byte of 0: no column lies there)
        inc de
        ld (de),a
        ld ix,(fw_layer)
        ld l,(ix+FD_FC2+2)
        ld h,(ix+FD_FC2+3)
        ld (fw_wide_bias),hl
        ld a,e
        cp (fw_wide_cols + 1) & 255
        jr z,@told              ; no wide column: sparse as it is, matvec told so
        ld de,fw_att            ; b' = b
        ld bc,2 * FW_DIM
        ldir
        ld hl,fw_wide_cols
@listed:                        ; each wide column's rows: b' += 256 w
        ld e,(hl)
        inc hl
        ld d,(hl)
        inc hl
        ld a,d
        or a
        jr z,@apply
        push hl
        ld a,e
        sub (fw_ffn + 1) & 255
        rrca                    ; the column (bit 0 was clear)
        ld l,(ix+FD_FC2)
        ld h,(ix+FD_FC2+1)      ; the matrix: the first part's rows, then the second's
        cp MV_MAX_COLS
        jr nc,@second_part
        add a,FW_WIDE_K_BYTES   ; past row 0's constant
        ld b,FW_PART_STRIDE
        jr @column_found
@second_part:
        ld de,FW_DIM * FW_PART_STRIDE - MV_MAX_COLS
        add hl,de
        ld b,MV_MAX_COLS        ; (a second part's rows have no constant)
@column_found:
        ld e,a
        ld d,0
        add hl,de               ; the column's weight in row 0 (w xor $80)
        ld a,b
        ld (FW_WIDE_STRIDE),a
        ld de,fw_att + 1        ; b''s high bytes
        ld b,FW_DIM
@row:
        ld a,(hl)
        xor $80                 ; w
        ex de,hl
        add a,(hl)              ; b' + 256 w
        jp pe,@overflow
        ld (hl),a
        inc hl
        inc hl
        ex de,hl
        ld a,l
        add a,0                 ; patched: the rows' stride
FW_WIDE_STRIDE  = * - 1
        ld l,a
        jr nc,@same_page
        inc h
@same_page:
        djnz @row
        pop hl
        jr @listed
@overflow:
        pop hl
        xor a                   ; Z: nothing changed (b' is scratch, z not yet stepped)
        ret
@apply:
        ld hl,fw_att
        ld (ix+FD_FC2+2),l
        ld (ix+FD_FC2+3),h
        ld a,$35                ; dec (hl): each listed z less 256
        call fw_wide_step
@told:                          ; matvec skips its own look at x (mv_sparse_part's, ~3,500 T-states)
        ld a,$C3
        ld (MV_SPARSE_LOOK),a
        ld hl,MV_SPARSE_TOLD
        ld (MV_SPARSE_LOOK+1),hl
        or a                    ; NZ
        ret

; fw_wide_back - after fw_wide_sparse's fc2 call: z, fc2's bias pointer and matvec's look as they were.
fw_wide_back:
        ld a,$3A                ; ld a,(mv_cols)
        ld (MV_SPARSE_LOOK),a
        ld hl,mv_cols
        ld (MV_SPARSE_LOOK+1),hl
        ld ix,(fw_layer)
        ld hl,(fw_wide_bias)
        ld (ix+FD_FC2+2),l
        ld (ix+FD_FC2+3),h
        ld a,$34                ; inc (hl)
; fw_wide_step - each listed column's high byte stepped by the op A (dec (hl) or inc (hl)); A = 0, Z.
fw_wide_step:
        ld (FW_WIDE_OP),a
        ld hl,fw_wide_cols
@listed:
        ld e,(hl)
        inc hl
        ld d,(hl)
        inc hl
        ld a,d
        or a
        ret z
        ex de,hl
FW_WIDE_OP      = *
        dec (hl)                ; patched
        ex de,hl
        jr @listed

fw_wide_bias:   .word 0         ; fc2's own bias pointer while the descriptor points at b'
fw_wide_cols:   .res 2 * FW_WIDE_MOST + 2   ; the wide columns' high bytes, then a word of 0
        .assert 2 * FW_WIDE_MOST + 2 < 256, "fw_wide_sparse tells the list full by its low byte (mod 256: the list may cross a page)"
.endif

; fw_norm - xn = rmsnorm(h) with the gains at HL and their shift in A.
fw_norm:
        ld (rn_gain),hl
        ld (rn_shift),a
        xor a
        ld (fw_xn_patched),a
.ifdef FW_PLANES
        ld (fw_xn_planes),a
.endif
        ld hl,fw_h
        ld (rn_x),hl
        ld hl,fw_xn
        ld (rn_out),hl
.ifdef RN_UNIT_PUSHED
.ifndef RN_UNIT_PRODUCTS                ; (the unit products' tables pushed apart from xn: nothing below it written)
        jp fw_norm_kept         ; (embedrows.s's: the two words below xn put back after rmsnorm)
.else
        jp rmsnorm
.endif
.else
        jp rmsnorm
.endif

.ifdef AT_FAST_SCORES
; fw_key_sums - the key sums (KS, attention.s) of the 4 heads of the keys just
; stored at this position: HL = the slot.
fw_key_sums:
        push hl
        call fw_sums_at
        ex de,hl
        pop hl
        jp at_key_sums

; fw_sums_at - HL = a key's sums for HL = the key (its layer, position and head's words in the
; key cache): kv_key_sums + (HL - kv_keys) / 4, the sums' [layer][position][head] of 4 bytes
; where the cache's are of 16 (the layer descriptors' caches: kv_keys + layer * KV_LAYER_BYTES).
fw_sums_at:
        ld de,-kv_keys
        add hl,de
        .repeat 2
        srl h
        rr l
        .endrepeat
        ld de,kv_key_sums
        add hl,de
        ret
        .assert KV_LAYER_BYTES == 4 * KV_SUMS_LAYER_BYTES && KV_POSITION_BYTES == 4 * AT_SUMS_STRIDE && FW_HEAD_BYTES == 4 * 4, "the key sums are the key cache's layout by a quarter"
.endif

.ifdef AT_PLANE_SCORES
; fw_key_planes - the planes (attention.s's pl_store) of the 4 heads' keys at HL, stored at
; this position (fw_pos) of layer fw_layer_index's planes. A key beyond -2048..2047 sets
; at_wide_planes (every head takes the old dot); position 0 starts it afresh, position 1
; from position 0's. With ZX_DATA_BANK layer 0's planes are stored with the data bank
; paged in and bank 0 back after (layer 1 runs with the bank in and keeps it).
fw_key_planes:
        push hl
        ld a,(fw_layer_index)
        or a
        jr nz,@stored_afresh
        ld a,(fw_pos)
        cp 2
        jr nc,@stored_afresh
        ld b,a
        ld a,(fw_wide_at_0)     ; position 1: the flag as position 0 left it
        djnz @afresh
        jr @flag
@afresh:
        xor a                   ; position 0
@flag:
        ld (at_wide_planes),a
@stored_afresh:
.ifdef PL_PACKED                        ; (the 48K's: planes 12..15 apart, at pl_store_high)
        ld a,(fw_pos)
        add a,a
        add a,a                 ; pos * PL_HIGH_KEY_BYTES
        ld l,a
        ld h,0
        push hl
        ld de,kv_high_planes
        add hl,de
        ld a,(fw_layer_index)
        or a
        jr z,@high_found
        ld de,PL_HIGH_LAYER_BYTES
        add hl,de
@high_found:
        ld (pl_store_high),hl
        pop hl
        ld d,h
        ld e,l
        add hl,hl
        add hl,de               ; DE = pos * PL_KEY_BYTES
        ex de,hl
        .assert PL_HIGH_KEY_BYTES == 4 && PL_KEY_BYTES == 12, "pos * 4, then * 3"
.else
        ld a,(fw_pos)           ; DE = the layer's planes + pos * PL_KEY_BYTES
        ld l,a
        ld h,0
        .assert PL_KEY_BYTES == 24, "pos * 24 = pos * 8 * 3"
        add hl,hl
        add hl,hl
        add hl,hl
        ld d,h
        ld e,l
        add hl,hl
        add hl,de
        ex de,hl
.endif
        call fw_planes_of_layer
        add hl,de
        ex de,hl
        pop hl
.ifdef ZX_DATA_BANK
        ld a,(fw_layer_index)
        or a
        call z,zx_page_data
.endif
        call pl_store
        ld a,(fw_layer_index)
        or a
.ifdef ZX_DATA_BANK
        jp z,zx_page_top
.else
        ret z
.endif
        ld a,(fw_pos)
        or a
        ret nz
        ld a,(at_wide_planes)   ; position 0's layer 1: keep the flag for position 1
        ld (fw_wide_at_0),a
        ret

; fw_planes_of_layer - HL = kv_planes + the layer's PL_LAYER_BYTES (fw_layer_index). Keeps DE.
fw_planes_of_layer:
        ld hl,kv_planes
        ld a,(fw_layer_index)
        or a
        ret z
        push de
        ld de,PL_LAYER_BYTES
        add hl,de
        pop de
        ret

.ifdef PL_PACKED
; fw_high_planes - HL = the running head's planes 12..15 at position 0: kv_high_planes + (4 layer + head) *
; PL_HIGH_HEAD_BYTES (fw_layer_index, fw_head). With PL_HIGH_BY_HEAD (the 48K player's, zx48spend34) planekeys48.s's
; pl_old_keys calls it, the one reader of them, not each head (~140 T-states a head). Clobbers AF, DE.
fw_high_planes:
        ld a,(fw_layer_index)
        add a,a
        add a,a
        ld hl,fw_head
        add a,(hl)
        add a,a
        add a,a
        add a,a
        add a,a
        ld l,a
        ld h,0                  ; (4 layer + head) * 16, below 256
        ld d,h
        ld e,l
        add hl,hl
        add hl,hl
        add hl,de               ; * 5
        ld de,kv_high_planes
        add hl,de
        .assert PL_HIGH_HEAD_BYTES == 80 && PL_HIGH_LAYER_BYTES == 4 * PL_HIGH_HEAD_BYTES && FW_HEADS == 4, "fw_high_planes: (4 layer + head) * 16 * 5"
        ret
.endif
.endif

.ifndef FW_NO_SLOT                      ; (fw_layer_kv's only call)
; fw_cache_slot - HL = this layer's key cache + pos * 64.
fw_cache_slot:
        ld a,(fw_pos)
        ld l,a
        ld h,0
        .repeat 6
        add hl,hl
        .endrepeat
        ld ix,(fw_layer)
        ld e,(ix+FD_KEYS)
        ld d,(ix+FD_KEYS+1)
        add hl,de
        ret
.endif

.ifdef FW_PLANES_BANK
; fw_planes_back - the layer's bank at $C000 again (bank 0 for layer 0, the data bank for layer 1).
fw_planes_back:
        ld a,(fw_layer_index)
        or a
        jp z,zx_page_top
        jp zx_page_data
.endif

.ifdef FW_LOGIT_PLANES
; fw_logit_planes - (the 128K player's, twenty-sixth round, zxcoarse) the logits' argmax by logitplanes.s's
; lg_select in bank FW_PLANES_BANK, on xn and the out matrix's planes there (rows FIRST_CHOOSABLE..127;
; its tables, sums and list on planes.s's table pages: planes.s's next build is the next position's):
; C with A = the token and fw_lg_chose 1 where one row is left (it is the argmax: every other logit lies
; strictly below it), else NC and fw_lg_chose 0 (declined, or rows within the planes' slack: the
; logits' call as before). Bank 0 at $C000 again either way. fw_logits is left as it was when it chose
; (the player reads fw_next alone; kernelbench.forward_turn checks fw_next then).
; (With FW_LOGITS_APART, LG_BANK_0's: fw_logit_planes, its setup and fw_lg_chose lie where build.py expands their
; macro, in bank 0 above $C000 after the bank 0 kernels (vecops.s), out of the room below $C000: thirty-first round,
; zxroom31. They run with bank 0 in, as lg_select and fw_out_exact; 60 bytes.)
        .macro fw_logit_planes_routines
fw_logit_planes:
.ifndef LG_BANK_0               ; (bank 0 in already where it lies there: twenty-ninth round, zxqkv128c)
        ld a,ZX_PAGE_ROM_48 | FW_PLANES_BANK
        call zx_page
.endif
        ld hl,fw_lg_setup       ; lg_x, lg_top, lg_sums, lg_list, lg_rows, lg_shift, lg_page, lg_low
        ld de,lg_x
        ld bc,FW_LG_SETUP_BYTES
        ldir
        call lg_select
        jr c,@none              ; declined
        ld a,(lg_count)
        dec a
        jr nz,@none             ; more than one row left (none: never, the best one is always left)
        ld a,(LG_LIST)
        add a,FIRST_CHOOSABLE
        ld (fw_next),a
        call zx_page_top
        ld a,1
        ld (fw_lg_chose),a
        ld a,(fw_next)
        scf
        ret
@none:
.ifdef SOUL_OUT_APART
        jp fw_out_exact         ; (C where declined; bank FW_PLANES_BANK still in)
.else
        xor a                   ; NC (ld bc and out keep it)
        ld (fw_lg_chose),a
        jp zx_page_top
.endif
.ifdef LG_BANK_0                ; (lg_split's halves apart in bank 0: build.py's lg_masks_top, lg_masks_low)
lg_masks = lg_masks_top
        .assert lg_masks_low - lg_masks_top >= FW_VOCAB * FW_DIM / 2, "lg_masks_low: past lg_masks_top's half"
.else
lg_masks_low = lg_masks + FW_VOCAB * FW_DIM / 2
.endif
fw_lg_setup:
        .word fw_xn, lg_masks + FIRST_CHOOSABLE * FW_DIM / 2, LG_SUMS, LG_LIST     ; (lg_masks: lg_split's halves)
        .byte FW_VOCAB - FIRST_CHOOSABLE, soul_out_shift, LG_TABLES >> 8
        .word lg_masks_low + FIRST_CHOOSABLE * FW_DIM / 2     ; (planes 7..4 then 0..3, 16 bytes a row each)
FW_LG_SETUP_BYTES = * - fw_lg_setup
fw_lg_chose:    .byte 0         ; 1: the last step's token came from lg_select
        .endmacro
.ifndef FW_LOGITS_APART
        fw_logit_planes_routines
.endif
.ifdef LG_BANK_0
; fw_out_wide - (LG_BANK_0, twenty-ninth round, zxqkv128c: planes_wide.s's fw_out_exact where lg_select declined)
; HL = the logit of the plane_bytes row at FW_OUT_ROW (bank 0) by planes_wide.s's wp_rows_wide: the row to fw_att
; (dead here) below $C000, bank FW_PLANES_BANK in for planes.s's variables, bank 0 back after. Clobbers
; AF, BC, DE, HL, IX and the alternate set.
fw_out_wide:
        ld hl,FW_OUT_ROW
        ld de,fw_att
.ifdef WP_GROUP_FORMS
; (WP_GROUP_FORMS, thirty-fourth round, zxgroup34b: wp_rows_wide takes a word's group from its page, so each word is
; the row's entry's address as planes.s's: 2 m mod 256, then WP_PAGE + 2 g + (m >> 7), g by the mask's place j in
; plane_bytes' row: from group 3 down in planes 6 and 4, j & $14 == 4)
        .assert FW_DIM == 32, "fw_out_wide counts a row's 32 masks by bit 5"
        ld b,0
@word:  ld a,b
        and $14
        cp 4
        ld a,b
        jr nz,@up
        cpl
@up:    and 3
        add a,wp_table_pages >> 9       ; WP_PAGE / 2 + g
        ld c,a
        ld a,(hl)
        inc l
        add a,a                 ; 2 m mod 256, carry: m >> 7
        ld (de),a
        inc de
        ld a,c
        rla
        ld (de),a
        inc de
        inc b
        bit 5,b
        jr z,@word
.else
.ifdef WP_WORD_TABLES           ; (wp_rows_wide reads word masks: 2 m mod 256, then m >> 7 in bit 0)
        ld b,FW_DIM
@word:  ld a,(hl)
        inc l
        add a,a
        ld (de),a
        inc de
        sbc a,a
        ld (de),a
        inc de
        djnz @word
.else
        ld bc,FW_DIM
        ldir
.endif
.endif
        ld a,ZX_PAGE_ROM_48 | FW_PLANES_BANK
        call zx_page
        ld hl,fw_xn
        ld (wp_x),hl
        ld hl,FW_OUT_WIDE_LOGIT
        ld (wp_out),hl
        ld hl,fw_att
        ld (wp_w),hl
        ld a,1
        ld (wp_rows_count),a
        ld a,soul_out_shift
        ld (wp_shift),a
        call wp_rows_wide
        call zx_page_top
        ld hl,(FW_OUT_WIDE_LOGIT)
        ret
.ifdef WP_WORD_TABLES
FW_OUT_WIDE_LOGIT = fw_ffn      ; (z: dead here, after fw_att's 64 bytes of word masks)
        .assert fw_ffn >= fw_att + 2 * FW_DIM, "fw_out_wide's word masks in fw_att"
.else
FW_OUT_WIDE_LOGIT = fw_att + FW_DIM
.endif
        .assert * <= $C000 && FW_OUT_WIDE_LOGIT + 2 <= $C000, "fw_out_wide pages bank FW_PLANES_BANK in"
.endif
.endif

; fw_projection - W xn into HL, for the 32x32 matrix at descriptor offset A.
.ifdef WP_NARROW_BITS
FW_CLASS_BYTES  = (FW_DIM + 6) / 7 + 1  ; (soul_layout.narrow_bits: a matrix's class bits, 7 rows a byte and its end, before its rows)
.endif
fw_projection:
.ifdef SOUL_QKV_PLANES
        ld (wp_out),hl
.else
        ld (mv_out),hl
.endif
        ld ix,(fw_layer)
        ld e,a
        ld d,0
        add ix,de
        ld l,(ix+0)
        ld h,(ix+1)
        ld (mv_w),hl            ; (also the cycles panel's matrix of planes.s's samples)
.ifdef SOUL_QKV_PLANES
; (the 48K player's, twenty-sixth round, zxplanes48: q, k and v by planes.s in the program, its tables
; in the screen's middle third, the matrices in plane_bytes' layout alone, SOUL_QKV_PLANES: the xn's
; first product builds the tables, or finds them declined, and a declined xn's products run
; wp_rows_wide, slow and exact; wp_x is fw_xn from the start on, soulplayer.s's player_start.)
.ifdef WP_NARROW_BITS
        ld (wp_classes),hl      ; (WP_NARROW_BITS: the rows' class bits, the rows after them)
        ld de,FW_CLASS_BYTES
        add hl,de
.endif
        ld (wp_w),hl
        ld a,(ix+2)
        ld (wp_shift),a
.ifndef WP_NARROW_BITS
        ld a,FW_DIM
        ld (wp_rows_count),a
.endif
        ld a,(fw_xn_planes)
        or a
        jr nz,@built            ; (1: the tables are this xn's, $FF: declined)
        call wp_tables
        sbc a,a                 ; carry (declined): $FF, else 0
        or 1
        ld (fw_xn_planes),a
@built: inc a
        jp nz,wp_rows
.ifdef WP_NARROW_BITS
        ld a,FW_DIM             ; (wp_rows_wide counts the rows; wp_rows reads their bits to the end)
        ld (wp_rows_count),a
.endif
        jp wp_rows_wide
.else
        ld a,(ix+2)
        ld (mv_shift),a
.ifdef FW_PLANES
; (the 128K player's, twenty-fifth round: q, k and v by planes.s in bank FW_PLANES_BANK, which holds its
; code, its tables and the six matrices in plane_bytes' layout; the xn's first product builds the
; tables, or finds them declined, sum |x| > WP_MOST_SUM, and the xn's products are matvec's; with
; SOUL_QKV_APART, twenty-seventh round, no matvec copy: planes_wide.s's wp_rows_wide in that bank.)
.ifndef SOUL_QKV_APART
        ld a,(fw_xn_planes)
        inc a
        jr z,@matvec            ; ($FF: declined)
.endif
        ld a,ZX_PAGE_ROM_48 | FW_PLANES_BANK
        ld bc,ZX_PAGING_PORT
        out (c),a
        ld a,(fw_layer_index)   ; wp_matrices' word 9 layer + offset - FD_Q: the layer's q, k or v
        ld d,a
        add a,a
        add a,a
        add a,a
        add a,d
        add a,e
        add a,a
        ld e,a
        ld d,0
        ld hl,wp_class_lists - 2 * FD_Q     ; (the same word: its rows' classes)
        add hl,de
        ld a,(hl)
        inc hl
        ld h,(hl)
        ld l,a
        ld (wp_classes),hl
        ld hl,wp_matrices - 2 * FD_Q
        add hl,de
        ld a,(hl)
        inc hl
        ld h,(hl)
        ld l,a
        ld (wp_w),hl
        ld hl,(mv_out)
        ld (wp_out),hl
        ld a,(mv_shift)
        ld (wp_shift),a
        ld a,(fw_xn_planes)
        or a
.ifdef SOUL_QKV_APART
        jp m,@declined          ; ($FF: declined)
.endif
        jr nz,@rows             ; (1: the tables are this xn's)
        ld hl,fw_xn
        ld (wp_x),hl
        ld a,FW_DIM
        ld (wp_rows_count),a
        call wp_tables
        sbc a,a                 ; carry (declined): $FF, else 0
        or 1                    ; (1 built, $FF declined)
        ld (fw_xn_planes),a
        inc a
        jr z,@declined
@rows:  call wp_rows
        jp fw_planes_back
@declined:
.ifdef SOUL_QKV_APART
        ld hl,fw_xn             ; (wp_rows_wide steps wp_w, wp_out and the count: each call's own)
        ld (wp_x),hl
        ld a,FW_DIM
        ld (wp_rows_count),a
        call wp_rows_wide       ; (below $8000, on the planes in this bank: slow and exact)
        jp fw_planes_back
.else
        call fw_planes_back
.endif
@matvec:
.endif
.endif
.ifdef SOUL_QKV_PLANES
.ifdef SOUL_OUT_PLANES
FW_NO_XN_PRODUCT = 1                    ; (the 48K's q, k, v and logits by planes: no matvec of xn is left, twenty-
.endif                                  ; eighth round, zxroom48e: fw_product_of_xn's 44 bytes)
.endif
.ifndef FW_NO_XN_PRODUCT
        ld a,FW_DIM
        ld hl,(mv_out)
        ; fall through

; fw_product_of_xn - matvec of mv_w (A rows x 32, no bias, mv_shift set) on xn into HL.
fw_product_of_xn:
        ld (mv_out),hl
        ld (mv_rows),a
        ld a,FW_DIM
        ld (mv_cols),a
        ld hl,fw_xn
        ld (mv_x),hl
        ld hl,0
        ld (mv_bias),hl
        ld hl,fw_xn_patched     ; the first product of an xn patches matvec's columns
        ld a,(hl)
        ld (hl),1
        or a
        jp z,matvec
        jp matvec_again
.endif
