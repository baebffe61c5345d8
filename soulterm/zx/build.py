"""`soulterm build --machine zx`: the soulplayer for the ZX Spectrum 48K, a .tap and its map
(`--machine zx128`: the 128K player, below).

The program (kernels/z80/soulplayer.s), the Z80 kernels, the tokenizer and
the soul assemble into one CODE block at $5D8D ($5E80 on the 128K: ORIGINS), what the forward pass runs
and reads per product from $8000 up (player_source says what lies where);
the tape holds a BASIC
loader (CLEAR 23948: LOAD ""CODE: RANDOMIZE USR start) and that block, so
`LOAD ""` runs it. The 48K's logits live in the printer buffer ($5B00), the 128K's in bank 0
(LOGITS_128K: the 128 ROM keeps its own routines there). A word
list that does not fit is a one-line LayoutError naming its bytes and the
room. The map has the C64 map's format (docs/CONTRACTS.md).

The 128K player (model "128k", soulplayer128.tap) is the same program with
layer 1's tensors and the word list in bank DATA_BANK (a CODE block the
loader pages in before the main block; forward.s pages it in for
layer 1, tokenizer.s's sp_decode while it unpacks the list; since the thirty-sixth
round the list in bank EMBED_BANK where te and pe lie there, SP_WORDS_BANK) and, in the room
they leave, matvec.s's low slots (MV_LOW_SLOTS), attention.s's scores
by bit planes (AT_PLANE_SCORES, each key's planes in bank DATA_BANK after its
block: kv_planes) and the logits' argmax bound on matvec.s's coarse slots (MV_COARSE).
Both have matvec.s's sparse calls (MV_SPARSE). The 48K has MV_COARSE and
MV_BIAS_IN_K too where the soul leaves room (coarse_fits: the shipped one does),
made by SOUL_PACKED (te and pe packed, equal gains stored once) and by vecops.s
and the matrices' biases below $8000. Since the twentieth round the 48K's ladder
tries attention.s's scores through the squares table (AT_FAST_SCORES, its key sums
at KEY_SUMS_48K, in the screen's hidden bottom third) first with each of its option
sets (assemble_player); the shipped soul takes them with every option (a soul or
list that leaves no room falls back, and the build says so in a note).
The 128K player also keeps position 1 of each id it computes in banks
RECORD_BANKS (records128.s: the first RUN records RECORD_OPENERS openers;
record_known, a byte an id, lies just past the main block, off the tape and
below the UDG area). Since the nineteenth round te, pe and embedrows.s's code
lie in bank EMBED_BANK (a CODE block the loader pages in at EMBED_START:
embed_bank; records128.s's fw_embed pages it in around the embedding), and the
value cache below $8000 in their room (embed_in_bank). Since the twenty-fifth
round forward.s's q, k and v run on planes.s in bank PLANES_BANK (FW_PLANES: its
code and both layers' q, k, v by bit planes, a CODE block at PLANES_START: planes_bank).
Its loader's OUT 32765 makes `soulterm run` and the TUI load it on a 128K
(spectrum.py).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from pathlib import Path
from types import SimpleNamespace

from soulterm.asm import AsmError, assemble
from soulterm.asm.program import Program
from soulterm.player.build import _line_map, _naming
from soulterm.player.layout import opener_ids
from soulterm.paths import TAP_NAME, TAP_NAME_128K, ZX_MAP_NAME as MAP_NAME  # noqa: F401 (the 48K map's name)
from soulterm.player.mapformat import MAP_FORMAT, Region
from soulterm.soul.atomic import write_set_atomic
from soulterm.soul import intmath, spec
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import SoulFormatError, load_soul
from soulterm.soul.tokenizer import Tokenizer, TokenizerError

from soulterm.paths import ZX_MAP_SUFFIX

from . import fc1_planes, logit_planes, paging, tap
from .contention import CONTENDED_END
from .soul_layout import (FIRST_SHARED_OPTION, PLANE_GROUPS, PLANE_ORDER, QKV_MATRICES, WORD_LIST_SYMBOLS, plane_bytes,
                          plane_classes, plane_group_classes, plane_group_word_bytes, plane_groups, plane_words)
from .weight_planes import LEAST_SHIFT as PLANES_LEAST_SHIFT, MOST_SHIFT as PLANES_MOST_SHIFT, MOST_SUM as PLANES_MOST_SUM
from .kernelbench import (GENERATED_WALK, KERNEL_FILES, MEANS_CHAINS, NIBBLES, NZ_X_BITS_PLAYERS, RAW_MOST_SHIFT, SCATTER_POPS, SHORT_SHIFTS, SKIP_LEADING_ZEROS, TABLE_BY_DIMENSION,
                          TOPS_BYTES, LOW_START,
                          Z80_KERNELS_DIR,
                          player_kernel_options, runs_coarse, runs_narrow)
from .soul_layout import (CHOOSABLE_ROWS_MATRIX, bias_of, COLD_48K, EMBEDDINGS, LayoutError, alphabet_include, is_gain,
                          is_matvec_matrix, lens_rows_apart, narrow_mark_out_take, APART_128K, matvec_size, merges_include, soul_include, tensor_labels,
                          tensors_include, vocab_constants, word_list_bytes, word_list_include, word_list_parts)

TAPE_NAME = "soulplayer"
TAPE_NAMES = {"48k": TAPE_NAME, "128k": "soulpl128"}   # the tape headers' names (10 characters at most)
TAP_NAMES = {"48k": TAP_NAME, "128k": TAP_NAME_128K}
MODELS = {"zx": "48k", "zx128": "128k"}     # `soulterm build --machine` -> the player's model
DATA_BANK = 4                    # the 128K player's bank: one the ULA does not contend
BANK_TENSORS = "l1."             # in it, the tensors whose names start so: layer 1's (forward.s pages it in)
BANK_CONTENTS = "layer 1's tensors and the word list"
BANK_FC1_CONTENTS = "layer 1's tensors and fc1planes.s"     # (the word list in bank EMBED_BANK: SP_WORDS_BANK)
# attention.s's 2 * PL_LAYER_BYTES: the 128K's keys' bit planes (12 words a key), after bank DATA_BANK's block
KEY_PLANES_BYTES_128K = spec.N_LAYERS * spec.N_HEADS * spec.CONTEXT * 2 * 12
# Where each player's CODE block loads, its loader's CLEAR one below. Below it, from PROG ($5CCB),
# the real ROM needs room for the loader (48K 36 bytes, 128K 178), the machine stack, and its LOAD:
# TEST-ROOM wants STKEND + 80 below SP when LOAD "" CODE's two zeros are stacked after its 34 bytes
# of headers. Measured on the real ROMs (docs/spectrum.md, "Twenty-second round: the tapes on the
# real ROMs"): the 48K's loads from CLEAR 23945 up (48 BASIC and the 128's Tape Loader alike), the
# 128K's from CLEAR 24087 up; below, "4 Out of memory, 10:2" (10:4). $5D80 was 10 bytes short. (The
# loader's numbers as VAL strings, 3 bytes shorter each, need more: RANDOMIZE USR VAL's workspace
# said "4 Out of memory, 10:3" up to CLEAR 23951.)
ORIGINS = {"48k": 0x5D8D,        # CLEAR 23948: 3 bytes to spare (13 of the 48K's cold part's free bytes)
           "128k": 0x5E80}       # CLEAR 24191: 104 to spare, every page offset as at $5D80 (+256)
ORIGIN = ORIGINS["48k"]          # (the 48K's, which the benches and most tests use)
# The 48K's run-time variables (soulplayer.s's sep_cached, ctx_len and ctx_ids, tokenizer.s's tk_len and tk_count,
# planes_wide.s's wp_wide_sum: RUN_VARIABLES, thirty-fifth round, zx48room35) below its program, in BASIC's room
# between the loader's workspace and the machine stack, which only the load needs: off the tape, 28 bytes of the
# cold part freed. Measured on the
# real ROMs (docs/spectrum.md, "Thirty-fifth round: the 48K's room"; python benchmarks/zx48_run_variables.py): the
# workspace ends at $5CF5 after the loader's RUN, $5CFF after RANDOMIZE USR 23949 typed (48 and 128 BASIC alike),
# the machine stack at the key wait is $5D6F-$5D71 and goes down to $5D41 in a turn at most (128 BASIC's typed USR;
# $5D49-$5D4F otherwise). So the variables lie from RUN_VARIABLES_48K, 19 bytes past the longest of those
# workspaces (a typed line of up to 34 bytes) and RUN_VARIABLES_STACK_ROOM below the stack's deepest.
RUN_VARIABLES_48K = 0x5D12
RUN_VARIABLES_BYTES = 28                    # (soulplayer.s asserts the variables within)
RUN_VARIABLES_STACK_LOW = 0x5D41            # the machine stack's deepest measured
RUN_VARIABLES_STACK_ROOM = 19               # bytes left below it: an interrupt's and a deeper BASIC's
assert RUN_VARIABLES_48K + RUN_VARIABLES_BYTES + RUN_VARIABLES_STACK_ROOM <= RUN_VARIABLES_STACK_LOW
# The 48K's scratch variables (attention.s's pointers, at_count, its head's variables, at_fast_sp and pl_planes, and
# matvec.s's mv_w and mv_x: SCRATCH_VARIABLES, thirty-seventh round, zx48room37) in the ROM calculator's memory, MEMBOT
# ($5C92-$5CAF), off the tape: 30 bytes of the program freed. Only BASIC's calculator and PRINT's block graphics use
# MEMBOT, never the ROM's interrupt (KEYBOARD), RST $10's text, CLS, CHAN-OPEN or BEEPER, the player's calls into
# either ROM while a forward step runs; each of these variables is written before it is read in every call, so what
# BASIC leaves there between a quit and the next start is harmless.
SCRATCH_VARIABLES_48K = 0x5C92
SCRATCH_VARIABLES_BYTES = 30
UNCONTENDED = CONTENDED_END     # where the kernels, their tables and the matrices begin
COLD_KERNEL_FILES = ("tokenizer.s",)    # once a line: below UNCONTENDED, with soulplayer.s
# the 48K's too: the embedding (with em_unpack), the residual adds, ReLU and argmax, a few calls
# a position, below UNCONTENDED so that the kernels above fit with MV_COARSE (docs/spectrum.md,
# "Sixteenth round")
COLD_KERNEL_FILES_48K = COLD_KERNEL_FILES + ("vecops.s",)
# the 128K's kernels that run only outside layer 1 (the embedding, argmax: vecops.s, whose
# residual adds and ReLU are matvec's stores since the sixteenth round, VEC_FUSED_STORES; forward.s's
# fw_embed, FW_EMBED_APART): in bank 0 above $C000, after the matrices
BANK_0_KERNEL_FILES = ("vecops.s", "embedrows.s", "logitsraw.s")     # (logitsraw.s: the logits' bound, eighteenth round)
KEY_CACHE_BYTES = 2 * spec.N_LAYERS * spec.CONTEXT * spec.EMBED_DIM     # forward.s's kv_keys
KEPT_SUMS_BYTES = 3 * spec.N_LAYERS * spec.EMBED_DIM     # forward.s's kv_kept_sums (AT_KEPT_MEANS)
PAGED_VALUES_OPTION = "AT_PAGED_VALUES = 1      ; (attention.s's value cache by the squares' page: P = AT_SQ_PAGE - rlca(vh + 1))"
KEPT_MARKED_OPTION = ("AT_KEPT_MARKED = 1       ; (attention.s's kept walk for a marked head's dimensions without a "
                      "wide v: kv_wide_check marks each dimension)")
KEPT_PAIRS_OPTION = ("AT_KEPT_PAIRS = 1        ; (attention.s's kept walk two positions a pass: no test after a "
                     "pair's first)")
KEPT_EVERY_HEAD_OPTION = ("AT_KEPT_EVERY_HEAD = 1   ; (attention.s's kept walk for every head, whatever its weights of 0: "
                          "none counted)")
KEPT_DIVISION_OPTION = ("AT_KEPT_DIVISION = 1     ; (attention.s's kept walk's own division and stores on from its last "
                        "position: no jp to at_fast_dimension's, out's pointer by inc l)")
KEPT_MARKED_APART_OPTION = ("AT_KEPT_MARKED_APART = 1 ; (attention.s's keptmarked.s placed by the player: in the room "
                            "below $C000)")
SHORT_SCORES_OPTION = ("AT_SHORT_SCORES = 1      ; (attention.s's pl_keys keeps each score as a word in pl_tables' "
                       "page, read by at_short_weights: 65 T-states a key fewer)")
SQUARES_BY_INDEX_OPTION = ("AT_SQUARES_BY_INDEX = 1  ; (attention.s's at_short_weights reads S(w) at the weight's index: "
                           "8 T-states a weight above 0)")
SQ_INDEX_APART_OPTION = "AT_SQ_INDEX_APART = 1    ; (at_sq_index_table placed by the player: the end of the room below $C000)"
# the 48K's start and banner (run once) in the key cache's last bytes: layer 1's keys of the last
# START_OVERLAY_POSITIONS positions (_start_in_key_cache; three since the twenty-third round: the start's
# test for 128 BASIC, zxtl48)
START_OVERLAY_POSITIONS = 3
START_OVERLAY_BYTES = START_OVERLAY_POSITIONS * 2 * spec.EMBED_DIM
# the 48K's screen's bottom third (twentieth round): its bitmap holds run-time data, its attributes
# ink = paper; soulplayer.s's SCREEN_THIRD keeps the chat in lines 0..15 and scrolls them itself.
# There: layer 1's value cache (forward.s's kv_values_layer_1, out of the room above UNCONTENDED),
# then THIRD_KEY_SUMS_BYTES for attention.s's key sums (AT_FAST_SCORES, when the 48K has them:
# 640 bytes), then what is left (THIRD_FREE on)
SCREEN_THIRD = 0x5000
SCREEN_THIRD_END = 0x5800
THIRD_ATTRIBUTES = 0x5A00
# the 48K's FW_PLANES (twenty-sixth round, zxplanes48): planes.s's 8 table pages in the screen's middle
# third, run time only (rebuilt for each xn), its attributes ink = paper; the chat in the top third
PLANES_TABLES_48K = 0x4800
MIDDLE_ATTRIBUTES = 0x5900
THIRD_VALUES = SCREEN_THIRD
THIRD_KEY_SUMS = THIRD_VALUES + KEY_CACHE_BYTES // 2
THIRD_KEY_SUMS_BYTES = 2 * spec.CONTEXT * 4 * 4       # (attention.s's KV_SUMS_LAYER_BYTES: 4 heads' 4 bytes)
THIRD_FREE = THIRD_KEY_SUMS + THIRD_KEY_SUMS_BYTES
# the 48K's packed key planes (PL_PACKED, thirty-fourth round, zx48wire34: attention.s's AT_PLANE_SCORES in
# planekeys48.s's form) in place of the key cache and the key sums: planes 0..11 (PACKED_PLANES_BYTES) in the key
# cache's room, planes 12..15 in the key sums' (THIRD_KEY_SUMS: the same 640 bytes), pl_prepare's two table pages in
# the screen's middle third after the attention output (planes.s's tables' room: dead while the heads run), and
# soulplayer.s's line and the tokenizer's memory (needed between a turn's prompt and its reply, while no table is
# live) there too, past them
PACKED_PLANES_BYTES = spec.N_LAYERS * spec.N_HEADS * spec.CONTEXT * 12     # (planekeys48.s's 2 * PL_LAYER_BYTES)
PACKED_HIGH_BYTES = spec.N_LAYERS * spec.N_HEADS * spec.CONTEXT * 4        # (2 * PL_HIGH_LAYER_BYTES)
assert PACKED_HIGH_BYTES == THIRD_KEY_SUMS_BYTES
PACKED_TABLES_48K = 0x4900
PACKED_KEYS_48K = True          # (the ladder's packed planes' rungs on; the tests turn them off to reach the squares')
PACKED_LINE_48K = PACKED_TABLES_48K + 512
# attention.s's generated walk (AT_GENERATED_WALK, thirty-ninth round, zx48genwalk39): a page past the line and the
# tokenizer's memory (planes.s's tables, dead while the heads run; below rmsnorm.s's tables of inv's multiples, which
# no head meets either), written by each head and run in its 8 dimensions
WALK_CODE_48K = PACKED_LINE_48K + 0x200
assert THIRD_FREE <= SCREEN_THIRD_END
# forward.s's z (fw_ffn, 128 bytes, run time only) in the third's last 128 bytes (twenty-fourth round,
# zxwide48): 128 bytes above UNCONTENDED for the ladder's FW_WIDE_SPARSE, for ~1,100 T-states of a real
# 48K's ULA wait a position (zxscreen48's estimate; z80_token.py's count in docs/spectrum.md)
THIRD_FFN = SCREEN_THIRD_END - 2 * spec.FFN_DIM
assert THIRD_FREE <= THIRD_FFN and (THIRD_FFN & 255) <= 256 - 2 * spec.FFN_DIM, "z: in the third, in one page"
# the 128K player's records of position 1 (records128.s): 32 ids a bank in banks 1, 3, 6 and 7 until the
# twenty-fifth round; since (zxplanes128) 64 ids a bank, each bank's whole 16K, in banks 1 and 3, out of
# bank PLANES_BANK (uncontended: planes.s's) and bank EMBED_BANK (read and written once a turn at most)
RECORD_BANKS = (1, 3)
# te, pe and embedrows.s's code (the embedding: read and run once a position) in a 128K bank (nineteenth
# round: a record bank's top 8K, past its records; where embedrows.s's chains take the soul's shifts:
# embed_in_bank): forward.s's fw_embed pages it in around the call; the value cache moves below
# UNCONTENDED into their room, out of the room below $C000. Bank 6 at $E000 until the twenty-fifth
# round; since (zxplanes128) bank 6 at $E800, past planes.s's code and matrices (asserted): the records
# left it for banks 1 and 3. Since the twenty-sixth round (zxcoarse) bank 7, free since the records left it,
# at $D800: its room in bank 6 holds logitplanes.s and the out matrix's planes (below); there fw_embed's
# address ($EA00) lies where no other bank has code (the profiles name a PC by the labels below it), and the
# block ends below $EC00, where the 128 ROM's editor keeps its own (its menu after "q"). Bank 7 is
# contended: a real 128K's ULA holds its ~1,060 memory cycles a position ~700 to ~950 T-states
# (zxplanes128's count of that form).
EMBED_BANK = 7
# and below te there since the twenty-ninth round (zxqkv128c, SOUL_L0_BANK) layer 0's proj and fc2 (run once a
# position each: forward.s pages the bank in around them; ~+1,800 T-states a position of a real 128K's wait)
L0_BANK_TENSORS = ("l0.proj", "l0.fc2_w", "l0.fc2_b")
EMBED_START = 0xD800
EMBED_EDITOR_ROOM = 0xEC00      # (bank 7 from here: the 128 ROM's editor's)
EMBED_CODE_FILES = ("embedrows.s",)
EMBED_IMPORTS = ("fw_token", "fw_pos", "fw_h", "FW_DIM")    # what embedrows.s reads of the main block
EMBED_CONTENTS = "layer 0's proj and fc2 (the 128K's), te, pe and the embedding (embedrows.s)"
# and below them since the thirty-sixth round (zx128fc1g36, SP_WORDS_BANK) the word list (tokenizer.s's sp_decode
# pages the bank in to unpack it, once a turn at most), out of bank DATA_BANK: its 879 bytes there give fc1planes.s
# its group forms' room (FG_GROUP_FORMS)
EMBED_WORDS_CONTENTS = "the word list (tokenizer.s's sp_decode), " + EMBED_CONTENTS
assert EMBED_BANK not in RECORD_BANKS
# planes.s (forward.s's FW_PLANES: q, k and v by bit planes of the weights, twenty-fifth round, zxplanes128)
# in a bank of its own, one the ULA does not contend: its tables (run time only) at $C000, then its code
# (the block on the tape, from PLANES_START), then both layers' q, k and v in plane_bytes' layout, which the
# first RUN makes from matvec's copies (records128.s's planes_first_run: off the tape). Since the thirtieth
# round (zxmask30) the shipped block starts at planes.s's wp_expand_first, the tables' pages' last bytes, and
# ends with q, k and v's split masks, which the first wp_tables makes word masks of (planes_bank)
PLANES_BANK = 6
PLANES_TABLES = paging.PAGED_START
PLANES_START = PLANES_TABLES + 8 * 256      # (planes.s's 4 groups x 2 pages)
PLANES_MATRICES = ("l0.q", "l0.k", "l0.v", "l1.q", "l1.k", "l1.v")
PLANES_MATRIX_BYTES = spec.EMBED_DIM * spec.EMBED_DIM     # (plane_bytes': 32 bytes a row)
PLANES_ENTRY_BYTES = 2 * (spec.EMBED_DIM + 1)   # (WP_NEXT_ROW_WORDS: a matrix's rows' entries and its end's, 2 bytes each)
PLANES_IMPORTS = ("wp_tables", "wp_rows", "wp_x", "wp_w", "wp_out", "wp_rows_count", "wp_shift", "wp_matrices",
                  "wp_classes", "wp_class_lists", "wp_code_end",
                  "wp_make", "wp_make_out", "wp_expand_first", "wp_wide_row_order", "wp_wide_narrow_fix",
                  "wp_narrow_code_end") + tuple(f"wp_{name.replace('.', '_')}" for name in PLANES_MATRICES)
PLANES_CONTENTS = ("planes.s, its tables, both layers' q, k, v by bit planes (the 128K's as word masks; logitplanes.s "
                   "and out's in bank 0, LG_BANK_0)")
assert PLANES_BANK not in paging.CONTENDED_BANKS and PLANES_BANK not in RECORD_BANKS
assert PLANES_BANK != DATA_BANK and PLANES_BANK != EMBED_BANK
# logitplanes.s (forward.s's FW_LOGIT_PLANES: the logits' argmax from the out matrix's top bit planes,
# twenty-sixth round, zxcoarse) in planes.s's block (planes_bank: its code after planes.s's, out's 128
# rows after the six matrices, off the tape: the first RUN's planes_first_run makes them with the
# matrices, in plane_bytes' layout, then splits them by lg_split: every row's planes 7..4, then its 0..3); its four tables, its sums and its list on planes.s's table pages at run time
# (free from layer 1's last q, k, v to the next position's norm)
LOGIT_PLANES_TABLES = PLANES_TABLES
LOGIT_PLANES_SUMS = LOGIT_PLANES_TABLES + 4 * 256
LOGIT_PLANES_LIST = LOGIT_PLANES_SUMS + 256
LOGIT_PLANES_IMPORTS = ("lg_select", "lg_x", "lg_count", "lg_masks", "lg_split",
                        "lg_table", "lg_fill", "lg_row", "lg_count_left", "lg_threshold", "lg_row_logit")   # (the last ones: the profiles' names)
RECORD_OPENERS = 9               # the ids whose record the 128K's first RUN makes (layout.opener_ids' first)
# the 48K's key sums (attention.s's AT_FAST_SCORES, 640 bytes written as forward.s stores each key, never
# on the tape): an address the layout gives them outside the program (the screen's hidden third,
# twentieth round), or None to keep them in the program after the value cache, above UNCONTENDED
KEY_SUMS_48K: int | None = THIRD_KEY_SUMS
# the 48K's option sets, (pairs, coarse_top, unrolled) in order, each tried first with the fast scores
# (the unrolled division without the pairs, twenty-second round: a soul they do not pay for, pairs_pay)
RUNGS_48K = ((True, True, True), (True, True, False), (True, False, False), (False, True, True), (False, True, False),
             (False, False, False))
# The slot pairs (MV_PAIR_SLOTS, the rungs' `pairs`) gain a narrow call's products and lose a full
# call's: the 48K takes them only where its soul's calls, on the engine's own activations for a few fixed
# lines, gain more than they lose (pairs_pay, twenty-second round). Their price a product, from the
# kernels' bench's 128x32 call at shift 9 (docs/spectrum.md, "The pairs"): narrow 399,784 -> 379,963,
# full 651,121 -> 685,616.
PAIRS_NARROW_GAIN = (399_784 - 379_963) / (128 * 32)     # ~4.8 T-states a product of a narrow call
PAIRS_FULL_LOSS = (685_616 - 651_121) / (128 * 32)       # ~8.4 a product of a full call
PAIRS_PROBE_LINES = 3           # the ten everyday prompts' first three, each a turn: probe_calls' lines
# the fast scores' cuts for room that the 48K takes back where it has the bytes, in order of the
# T-states a byte each buys ("hello", the player's program: docs/spectrum.md, "Twentieth round: the
# 48K's bytes, spent"), each taken where it still fits (kernelbench.FAST_TAKEBACK_OPTIONS)
# (the raw logits' rows, MV_CT_RAW, buy more a byte and come before all of them; AT_FAST_SUMS_PAIRS,
# the twenty-second round's, ~400 T-states a position for its 73 bytes, last: since the twenty-third
# round RMSNorm's squares popping x and the table means' loop ends, ~10,000 T-states a position for
# the same bytes, are no rung: docs/spectrum.md, "Twenty-third round: the 48K's attention means
# and RMSNorm")
FAST_TAKEBACKS_48K = ("AT_FAST_SUMS_JP", "AT_FAST_DIMS_JP", "AT_FAST_RANGE_APART", "AT_FAST_H4_APART",
                      "AT_FAST_PIECE_PAIRS", "AT_FAST_MAX_PATCHED", "AT_FAST_SUMS_PAIRS")
# forward.s's FW_WIDE_SPARSE on the 48K too (a reply step's fc2 sparse past layer 1's few wide columns,
# the 128K's since the twenty-second round; twenty-third round: ~21,000 T-states a position of "hello"
# for its ~275 bytes, ~77 a byte): the ladder's spends after the cuts' first, in the same order
WIDE_SPARSE_48K = "FW_WIDE_SPARSE"
# matvec.s's short row ends for mv_slots' narrow rows (MV_HZ_ENDS, twenty-fourth round: those with no
# wide column, ~11,900 T-states a position of "hello" on the kernels' bench for 162 bytes; with zxends48b's
# mv_hz_wide those whose wide columns all have h = +-1 too, ~46,000 for 368 bytes, ~125 a byte): first,
# before AT_FAST_SUMS_JP's ~109 a byte, FW_WIDE_SPARSE's ~77 and the other cuts, which it may displace
HZ_ENDS_48K = "MV_HZ_ENDS"
# attention.s's table means from each head's first nonzero weight (AT_SKIP_LEADING_ZEROS, thirty-second round,
# zx48att32: 24 bytes below $8000 for 8 x 79 T-states a leading 0 of a head less 45, 81 a head; layer 0's ~11
# leading 0s a held-out reply step) and te's and pe's marks (EM_ROW_MARKS: until then the room the spends left,
# after them) before AT_FAST_PIECE_PAIRS, which buys less than either (python benchmarks/zx48_forced_spends.py,
# docs/spectrum.md, "Thirty-second round")
LEADING_ZEROS_48K = SKIP_LEADING_ZEROS
ROW_MARKS_48K = "EM_ROW_MARKS"
# planes.s's narrow rows by their mark (WP_NARROW_MARK, thirty-fifth round, zx48rows35: plane 6 passed over on q's, k's
# and v's narrow rows, ~12,000 T-states a reply step of "hello" for ~45 bytes, ~270 a byte): no spend since the
# thirty-sixth round (zx48narrow36), whose WP_NARROW_BITS, on every planes' rung, leaves those rows' plane 6 bytes out
NARROW_MARK_48K = "WP_NARROW_MARK"
# out's narrow rows marked for wp_tops (WP_NARROW_MARK_OUT, thirty-fifth round; on the planes' rungs where
# soul_layout.narrow_mark_out_take says the soul's rows allow it): first. (With WP_NARROW_BITS it also takes the marks'
# fix in wp_rows_wide and fw_out_logits' flip of a marked exact row: 58 bytes for ~2,300 T-states a reply step of
# "hello", ~40 a byte, docs/spectrum.md, "Thirty-sixth round"; 18 for ~2,500 before)
NARROW_MARK_OUT_48K = "WP_NARROW_MARK_OUT"
NARROW_MARKS_48K = (NARROW_MARK_OUT_48K,)
# attention.s's table means over a dimension-major value cache, its positions in order (AT_TABLE_BY_DIMENSION,
# thirty-fifth round, zx48kept35: no stride a position-dimension, v stored by kv_values_scatter, layer 0's SEP
# values kept while the word list is unpacked; on the packed key planes' rungs alone, spends_48k): first, before
# MV_HZ_ENDS (python benchmarks/z80_token.py; docs/spectrum.md, "Thirty-fifth round")
TABLE_BY_DIMENSION_48K = TABLE_BY_DIMENSION
# nzmatvec.s's short pieces made from l's bits (NZ_SHORT_MADE, thirty-fifth round, zx48ffn35: fc2's columns of x in
# 1..14, 45 bytes below $8000 for 9,831 T-states a reply step of "hello", python benchmarks/zx48_forced_spends.py
# MV_HZ_ENDS AT_SKIP_LEADING_ZEROS EM_ROW_MARKS [NZ_SHORT_MADE] -- hello): last, where the room is left, so that it
# displaces none of the spends before it (with matvec_nz alone: spends_48k)
SHORT_MADE_48K = "NZ_SHORT_MADE"
# em_unpack's rows as nibbles and a stream of their low bits (vecops.s's EM_NIBBLES, thirty-seventh round, zx48embnorm37,
# in the place of the thirty-fifth round's EM_BIT_CHAIN: 2,050 T-states a position of "hello" for 42 bytes), then with AT_TABLE_BY_DIMENSION v's store by SP's pops
# (forward.s's KV_SCATTER_POPS: 989 for 23 bytes, ~43 a byte): last, after SPENDS_48K's (NZ_SHORT_MADE's ~218 T-states a
# byte before them), on the packed key planes' rungs (spends_48k; python benchmarks/z80_token.py; docs/spectrum.md, "Thirty-fifth round: the 48K's room")
SCATTER_POPS_48K = SCATTER_POPS
NIBBLES_48K = NIBBLES
# the logits' tops on one-byte tables (logitbytes48.s, WP_TOPS_BYTES, thirty-sixth round, zx48logit36: its worth and
# bytes in docs/spectrum.md, "Thirty-sixth round: the 48K's logits by one-byte tables"): on the packed key planes'
# rungs second, after AT_TABLE_BY_DIMENSION and before SPENDS_48K's (~74 T-states a reply step a byte, more than
# MV_HZ_ENDS' ~43: with both the shipped soul lacked 248 bytes, and the ladder gives MV_HZ_ENDS up for it, "hello"
# 1,538,325 -> 1,509,494 a reply step, python benchmarks/zx48_forced_spends.py); with it out's rows go unmarked
# (WP_NARROW_MARK_OUT's bytes back: player_source leaves that spend out)
TOPS_BYTES_48K = TOPS_BYTES
# the table means' narrow division in line by non-restoring chains (attention.s's AT_MEANS_CHAINS, thirty-seventh round,
# zx48room37: 90 bytes for 8,740 T-states a reply step of "hello", ~97 a byte, and 6,896 a position, python
# benchmarks/zx48_forced_spends.py; docs/spectrum.md, "Thirty-seventh round"): first of the last spends, before
# EM_BIT_CHAIN's ~49 a byte and KV_SCATTER_POPS' ~43
MEANS_CHAINS_48K = MEANS_CHAINS
# the table means' walk written once a head as straight code (attention.s's AT_GENERATED_WALK, thirty-ninth round,
# zx48genwalk39; its w >= 2 by runs since zx48walkruns39b) in the page WALK_CODE_48K: last of the last spends (50 bytes;
# against the walk left out a reply step -5,104 on "do you like music", -571 on the ten's median, +1,076 on "hello":
# 113 T-states a byte by the long measure, which would now place it before KV_SCATTER_POPS and MV_HZ_ENDS)
GENERATED_WALK_48K = GENERATED_WALK
FIRST_SPENDS_48K = (TABLE_BY_DIMENSION_48K, TOPS_BYTES_48K)        # (on the packed key planes' rungs, before SPENDS_48K's)
# R's start in group 3's table (planes.s's WP_LOW_START_IN_TABLE on the byte tables, thirty-eighth round,
# zx48lowstart38; with WP_TOPS_BYTES): first of the last spends (docs/spectrum.md, "Thirty-eighth round: R's start in
# group 3's table on the 48K")
LOW_START_48K = LOW_START
# The last spends (on the packed key planes' rungs) in the order of what a byte buys on the long turns, the ten's median
# reply step and "do you like music"'s together (thirty-ninth round, python benchmarks/zx48_ladder_long.py: 400, 267,
# 194, 86 and 46 T-states a byte; docs/spectrum.md, "Thirty-ninth round"), the first LAST_BEFORE_HZ_ENDS before
# MV_HZ_ENDS (~43 a byte on "hello" for 368 bytes: it took the small spends out once the room reached it), the rest
# after it, SPENDS_48K's others after them all (spends_48k)
LAST_SPENDS_48K = (LOW_START_48K, NIBBLES_48K, MEANS_CHAINS_48K, SCATTER_POPS_48K, GENERATED_WALK_48K)
LAST_BEFORE_HZ_ENDS = 3
PLANES_SPENDS_48K = (LEADING_ZEROS_48K,) + FIRST_SPENDS_48K + LAST_SPENDS_48K   # (the spends the packed key planes keep)
SPENDS_48K = (NARROW_MARKS_48K + (HZ_ENDS_48K,) + FAST_TAKEBACKS_48K[:1] + (WIDE_SPARSE_48K,) + FAST_TAKEBACKS_48K[1:4]
              + (LEADING_ZEROS_48K, ROW_MARKS_48K) + FAST_TAKEBACKS_48K[4:] + (SHORT_MADE_48K,))
# On the planes' rung (twenty-seventh round, zxlogits48: the logits by out's planes, whose room takes FW_WIDE_SPARSE
# and five cuts, or MV_HZ_ENDS alone with nothing left) FW_WIDE_SPARSE before MV_HZ_ENDS, measured (python
# benchmarks/z80_token.py, a position / a reply step): "hello" 1,518,369 / 1,898,445 against 1,529,848 / 1,922,855,
# the ten's medians 1,632,522 / 2,003,026 against 1,644,680 / 2,024,565 (docs/spectrum.md)
SPENDS_48K_PLANES = (NARROW_MARKS_48K + FAST_TAKEBACKS_48K[:1] + (WIDE_SPARSE_48K, HZ_ENDS_48K) + FAST_TAKEBACKS_48K[1:4]
                     + (LEADING_ZEROS_48K, ROW_MARKS_48K) + FAST_TAKEBACKS_48K[4:] + (SHORT_MADE_48K,))
# With matvec_nz's fc2 too (no FW_WIDE_SPARSE) SPENDS_48K's order, MV_HZ_ENDS first: on the shipped soul it
# displaces every cut taken back and te's and pe's marks (twenty-eighth round, zxroom48e, python
# benchmarks/z80_token.py: "hello" 1,369,561 / 1,705,282 a position / a reply step against their 1,377,589 /
# 1,716,258; docs/spectrum.md)


def spends_48k(fast_scores: bool, planes_48k: bool, nz: bool = False, packed_keys: bool = False,
               narrow_mark: bool = False) -> tuple:
    """The 48K's spends for a rung, in the order the ladder tries them (SPENDS_48K, on the planes
    SPENDS_48K_PLANES but with matvec_nz; without the fast scores their cuts left out, AT_SKIP_LEADING_ZEROS kept
    with the packed key planes, `packed_keys`; with matvec_nz, `nz`, no FW_WIDE_SPARSE: fc2 has no sparse call left
    to widen; WP_NARROW_MARK and WP_NARROW_MARK_OUT on the planes' rungs where the soul allows it, `narrow_mark`;
    NZ_SHORT_MADE with matvec_nz alone, without NZ_X_BITS (its pieces' form); with the packed key planes
    FIRST_SPENDS_48K first, AT_TABLE_BY_DIMENSION and WP_TOPS_BYTES (out's marks between them), then LAST_SPENDS_48K's
    first two, MV_HZ_ENDS, its last and the others)."""
    spends = SPENDS_48K_PLANES if planes_48k and not nz else SPENDS_48K
    listed = tuple(
        spend for spend in spends if (fast_scores or spend not in FAST_TAKEBACKS_48K + (LEADING_ZEROS_48K,)
                                      or packed_keys and spend == LEADING_ZEROS_48K)
        and not (nz and spend == WIDE_SPARSE_48K) and (nz and not NZ_X_BITS_PLAYERS or spend != SHORT_MADE_48K)
        and (spend not in NARROW_MARKS_48K or planes_48k and narrow_mark))
    if not packed_keys:
        return listed
    # WP_TOPS_BYTES after out's marks, which it leaves out (player_source): so that every spend still adds bytes
    # to the set before it (the halves' search needs it), its own less the marks'
    # The thirty-seventh round's order (python benchmarks/zx48_forced_spends.py): EM_NIBBLES (48 bytes, ~130 T-states a
    # reply step a byte) and AT_MEANS_CHAINS (90, ~97) first, then MV_HZ_ENDS (368, ~43 a byte, but worth more than the
    # small spends it leaves out where its room is there: "hello" 1,427,918 a reply step against 1,433,608), then
    # KV_SCATTER_POPS and the rest; MV_HZ_ENDS in its old place, before the small ones, took them all out once the room
    # reached it
    marks = tuple(spend for spend in listed if spend in NARROW_MARKS_48K)
    middle = tuple(spend for spend in listed if spend not in NARROW_MARKS_48K + (HZ_ENDS_48K,))
    ends = (HZ_ENDS_48K,) if HZ_ENDS_48K in listed else ()
    return (FIRST_SPENDS_48K[:1] + marks + FIRST_SPENDS_48K[1:] + LAST_SPENDS_48K[:LAST_BEFORE_HZ_ENDS] + ends
            + LAST_SPENDS_48K[LAST_BEFORE_HZ_ENDS:] + middle)
UDG_AREA = 0xFF58                # the user-defined graphics: a BASIC program may write them
TOP = 0x10000                    # the top of RAM: the player prints no user-defined graphic,
                                 # so the UDG area ($FF58-$FFFF) holds the end of the word list
# rmsnorm.s's squares by swapped nibbles (RN_SWAPPED_SQUARES, eighteenth round): 4 pages the 128K
# player makes at its start in bank 0 past its program (record_known's end, $F780 on the shipped
# soul) and in bank DATA_BANK past the keys' planes ($F634): where both have room (asserted)
RN_SWAPPED_SQUARES = 0xF800
RN_SWAPPED_BYTES = 0x400
# rmsnorm.s's tables of inv's multiples (RN_UNIT_PRODUCTS, eighteenth round): 2 pages made by each
# unclamped norm in whichever bank is paged, past the squares' copy (free in banks 0 and DATA_BANK)
RN_UNIT_PRODUCTS = RN_SWAPPED_SQUARES + RN_SWAPPED_BYTES
RN_PRODUCTS_BYTES = 0x200
# rmsnorm.s's RN_INVERSE_TABLE (nineteenth round): the roots whose 2^19 // r the 128K reads from rn_inverses
RN_INVERSE_ROOTS = range(17, 64)
# and the root of a mean below 2^12 it reads from rn_roots by m >> 4 = k: 18 (m >= 289 = 17^2, unclamped) to 255
RN_ROOT_BLOCKS = range(18, 256)


def rn_table_lines() -> list[str]:
    """rmsnorm.s's RN_INVERSE_TABLE's tables (nineteenth round, zxroots), from intmath: rn_inverses,
    2^19 // r a word for r in RN_INVERSE_ROOTS; rn_roots, for each k in RN_ROOT_BLOCKS, d << 4 (255
    for d > 15) and r0 + 1, where r0 = isqrt(16 k) and d = (r0 + 1)^2 - 16 k: a mean m of 16 k..16 k
    + 15 has the root r0 + 1 if m & 15 >= d, else r0 (the step 2 r0 + 1 >= 33 passes 15)."""
    roots = []
    for k in RN_ROOT_BLOCKS:
        r0 = intmath.isqrt(16 * k)
        d = (r0 + 1) ** 2 - 16 * k
        assert 1 <= d and all(intmath.isqrt(m) == r0 + (m - 16 * k >= d) for m in range(16 * k, 16 * k + 16))
        roots += [d << 4 if d < 16 else 255, r0 + 1]
    return ["rn_inverses:     ; rmsnorm.s's RN_INVERSE_TABLE: 2^19 // r, r = 17..63 (build.rn_table_lines)",
            f"        .word {', '.join(str(spec.RMS_INV_NUMERATOR // r) for r in RN_INVERSE_ROOTS)}",
            "rn_inverses_end:",
            f"rn_roots:        ; (m & 15) << 4's least for r0 + 1, and r0 + 1, for m >> 4 = {RN_ROOT_BLOCKS.start}..255",
            *(f"        .byte {', '.join(map(str, roots[i:i + 16]))}" for i in range(0, len(roots), 16)),
            "rn_roots_end:"]
assert RN_UNIT_PRODUCTS + RN_PRODUCTS_BYTES <= UDG_AREA, "rmsnorm.s's tables must lie below the UDG area"
# The 128K's logits: in bank 0 past rmsnorm.s's tables, not in the printer buffer as the 48K's. The
# 128 ROM keeps its bank-switching routines and variables at $5B00-$5BFF (SWAP, BANKM, TSTACK...):
# 128 BASIC comes back from the player's RANDOMIZE USR through them (twenty-second round: on the
# real ROMs, "q" hung there). The logits are made and read with bank 0 paged (logitsraw.s and
# vecops.s lie there too).
LOGITS_128K = RN_UNIT_PRODUCTS + RN_PRODUCTS_BYTES
assert LOGITS_128K & 0xFF == 0 and LOGITS_128K + 2 * spec.VOCAB_SIZE <= UDG_AREA, "the 128K's logits: a page below the UDG area"


class BuildError(Exception):
    """The Spectrum player cannot be built; one line for the user."""


@dataclass
class SpectrumBuild:
    program: object
    tape: bytes
    map_text: str
    regions: list
    model: str = "48k"
    banks: tuple = ()            # (bank, data) the 128K loader pages in at $C000

    @property
    def free_top(self) -> int:
        """The bytes left at the top of RAM."""
        return (TOP - self.program.end - spec.VOCAB_SIZE * (self.model == "128k")    # (record_known, records128.s)
                - RN_SWAPPED_BYTES * ("RN_SWAPPED_SQUARES" in self.program.symbols)    # (rmsnorm.s's, made at the start,
                - RN_PRODUCTS_BYTES * (self.program.symbols.get("RN_UNIT_PRODUCTS") == RN_UNIT_PRODUCTS)  # and by its
                                                    # unclamped norms; the 48K's in the screen, NORM_PRODUCTS_48K)
                - 2 * spec.VOCAB_SIZE * (self.program.symbols.get("fw_logits") == LOGITS_128K)     # (the 128K's logits)
                - FC1_PLANES_L0_TABLE_BYTES * ("FW_FC1_PLANES_L0" in self.program.symbols))    # (its fc1 tables)

    @property
    def free_cold(self) -> int:
        """The bytes the cold part leaves below UNCONTENDED."""
        return UNCONTENDED - _cold_end(self.program.symbols)

    @property
    def free_bytes(self) -> int:
        return self.free_top + self.free_cold

    @property
    def fast_scores(self) -> bool:
        """Whether the player has attention's scores through the squares table (AT_FAST_SCORES: the
        48K's first rung where it fits, twentieth round; the 128K has its bit planes)."""
        return "at_key_sums" in self.program.symbols

    @property
    def weight_planes(self) -> bool:
        """Whether the player's q, k and v run by bit planes of the weights (forward.s's FW_PLANES: the 128K's
        since the twenty-fifth round, the 48K's first rung where it fits since the twenty-sixth)."""
        return "FW_PLANES" in self.program.symbols

    @property
    def coarse(self) -> bool:
        """Whether the player has matvec.s's coarse options (MV_COARSE: the 128K always, whose coarse code is left
        out where no call is left to run it, MV_COARSE_UNCALLED; the 48K where coarse_fits)."""
        return "MV_COARSE" in self.program.symbols


def _cold_end(sym: dict) -> int:
    """Where the cold part ends: the 48K's word list's low part, else the key cache (and the
    value cache after it where te and pe lie in bank EMBED_BANK, embed_in_bank)."""
    end = sym["kv_keys"] + (PACKED_PLANES_BYTES if "PL_PACKED" in sym else KEY_CACHE_BYTES)
    if sym["kv_values"] == end:
        end += KEY_CACHE_BYTES
    end = sym.get("sp_words_low_end", sym.get("rn_roots_end", end))    # (rmsnorm.s's tables after the caches)
    if sym.get("kv_kept_first", UNCONTENDED) < UNCONTENDED:   # (the 128K's AT_KEPT_MEANS sums: the cold part's last)
        end = max(end, sym["kv_kept_first"] + KEPT_SUMS_BYTES)
    if "PL_OLD_KEYS_APART" in sym:      # (the 48K's pl_old_keys, planekeys48old.s: the cold part's last)
        end = max(end, sym["pl_old_keys_end"])
    return max(end, sym.get("nz_prepare_end", 0))     # (the 128K's matvec_nz's once-a-call part: its last)


def data_bank(soul, tokenizer, word_list: bool = True, coarse_pairs: bool = False, qkv_apart: bool = False,
              fc1_planes: bool = False, out_apart: bool = False, logits: bool = True, words: bool = False,
              fc1_forms: bool = False):
    """The 128K player's bank block, assembled at $C000: layer 1's tensors, then the
    packed word list (none without `word_list`: the list in bank EMBED_BANK, SP_WORDS_BANK); with `coarse_pairs`
    (matvec.s's MV_COARSE_PAIRS) layer 1's fc1 has its column ranges in front; with `qkv_apart`
    (SOUL_QKV_APART) no copy of its q, k and v (their planes in bank PLANES_BANK alone); with
    `fc1_planes` (FW_FC1_PLANES) no matvec copy of layer 1's fc1 either: fc1planes.s's code and that
    fc1's rows in its layout (fc1_rows_lines) after the word list, its tables at run time at
    FC1_PLANES_TABLES and FC1_PLANES_TABLES_HIGH, and the block assembled higher where the bank has room, so
    that fc1planes.s's code and the keys' planes after it (kv_planes) end at those tables: bank 0's copy of the
    code, at the same addresses, then has the most room below it (thirty-sixth round, zx128fc1g36; the block's
    `origin`, an even address). `fc1_forms`: fc1planes.s's group forms (FG_GROUP_FORMS, fc1_rows_lines').
    (`out_apart`: planes_bank's, where the six matrices lie.)"""
    pairs = "MV_COARSE_PAIRS = 1\n" if coarse_pairs else ""
    if qkv_apart:
        planes = planes_bank(soul, qkv_apart=True, out_apart=out_apart, logits=logits, words=words).symbols
        labels = [f"wp_{name.replace('.', '_')}" for name in PLANES_MATRICES]
        pairs += "SOUL_QKV_APART = 1\n" + "".join(f"{label} = ${planes[label]:04X}\n" for label in labels)
    fc1 = FC1_PLANES_MATRIX if fc1_planes else None
    head = f".cpu z80\n{player_kernel_options('128k', bench=False, fc1_group_forms=fc1_forms)}\n{pairs}"
    body = (tensors_include(soul, BANK_TENSORS, leave_out=(fc1, bias_of(fc1)) if fc1 else ())
            + word_list_include(tokenizer, word_list))
    if fc1:
        body += "\n".join(fc1_rows_lines(soul, fc1_forms)) + "\n"

    def at(origin: int):
        return assemble(f"{head}.org ${origin:04X}\n{body}", filename="<soulplayer zx128 bank>",
                        include_paths=[str(Z80_KERNELS_DIR)], cpu="z80")
    program = at(paging.PAGED_START)
    rise = (FC1_PLANES_TABLES - KEY_PLANES_BYTES_128K - program.end) & ~1 if fc1 else 0
    if rise > 0:        # (an even rise: every tensor's address keeps its parity)
        program = at(paging.PAGED_START + rise)
    if program.end > paging.PAGED_START + paging.BANK_SIZE:
        words = program.symbols["sp_words_end"] - program.symbols["sp_words"]
        raise LayoutError(f"layer 1's tensors and the word list need {program.end - paging.PAGED_START:,} bytes "
                          f"({words:,} the list) and a 128K bank holds {paging.BANK_SIZE:,}: "
                          f"train with a smaller --spelling-chars")
    return program


def _words_in_bank(tokenizer, word_list: bool, model: str) -> bool:
    return model == "128k" and bool(tokenizer.words) and word_list


def embed_chains_take(soul) -> bool:
    """Whether embedrows.s's add hl,hl chains embed every row of this soul (te's and pe's shifts
    in 1..8), so that a player can leave out vecops.s's general embed."""
    return all(1 <= soul[name].shift <= 8 for name in ("te", "pe"))


def embed_shift_options(soul) -> list[str]:
    """embedrows.s's EMBED_TE_SHIFT and EMBED_PE_SHIFT (with EMBED_CHAINS_ONLY): te's and pe's shifts in the first
    pass, where the soul's own symbols come after the code (the 48K's), so that each add hl,hl chain is assembled
    to its length with no jr into it (it asserts them equal to the soul's)."""
    return [f"EMBED_{name.upper()}_SHIFT = {soul[name].shift}   ; ({name}'s shift: embedrows.s's chains to their lengths)"
            for name in ("te", "pe")]


def unit_gain_bits(soul, most_shifts: int | None = None) -> int | None:
    """a, when every gain of every RMSNorm of this soul is 2^a, with 0 <= shift - a (<= `most_shifts`,
    rmsnorm.s's RN_SHORT_SHIFTS, where the player has it): rmsnorm.s's unit loop then takes every
    norm, so that a player can leave out its check of the gains and its general path and take
    shift - a straight (RN_UNIT_GAIN_BITS = a: the shipped soul's gains are all 64 = 2^6, shift 8);
    else None."""
    bits = set()
    for tensor in spec.TENSORS:
        if not is_gain(tensor.name):
            continue
        gains = {int(g) for g in soul[tensor.name].values}
        gain = gains.pop()
        if gains or gain <= 0 or gain & (gain - 1):
            return None
        bits.add(gain.bit_length() - 1)
        unit_shift = soul[tensor.name].shift - (gain.bit_length() - 1)
        if unit_shift < 0 or (most_shifts is not None and unit_shift > most_shifts):
            return None
    return bits.pop() if len(bits) == 1 else None


def unit_norm_shift(soul, gain_bits: int) -> int | None:
    """n, when every RMSNorm of this soul (all of whose gains are 2^gain_bits: unit_gain_bits) has the
    shift gain_bits + n: rmsnorm.s's RN_UNIT_SHIFT (the 128K's, thirty-third round, zxlogit33), its unit
    loops' shifts in place; else None (the shipped soul's five norms: 8 = 6 + 2)."""
    shifts = {soul[tensor.name].shift - gain_bits for tensor in spec.TENSORS if is_gain(tensor.name)}
    return shifts.pop() if len(shifts) == 1 else None


# rmsnorm.s's RN_UNIT_PUSHED (the 48K's, thirty-fifth round, zx48fixed35): the unclamped unit loop reads x from its
# end and pushes each y into xn from its end (forward.s's fw_norm through embedrows.s's fw_norm_kept, which puts back
# the two words of h its first elements' pushes land on): ~62 T-states an element fewer
UNIT_PUSHED_48K = "RN_UNIT_PUSHED = 1     ; (rmsnorm.s's unit loop: x read down, y pushed into xn from its end)"
# rmsnorm.s's RN_UNIT_PRODUCTS on the 48K (thirty-eighth round, zx48norms38): each unclamped norm makes its two pages of
# inv's multiples in the screen's middle third, planes.s's last two table pages (dead from a matrix's last row to the
# next wp_tables: every norm runs between them, and the logits' scratch, the typed line and pl_prepare's pages lie
# below), and its unit products read them (the 128K's rn_table_loop) in place of mul16u's loop
NORM_PRODUCTS_48K = PLANES_TABLES_48K + 0x600
NORM_PRODUCTS_HIGH_48K = 8      # (rmsnorm.s's RN_PRODUCTS_HIGH: x in -2048..2047 through the tables)
NORM_PRODUCTS_48K_OPTIONS = [f"RN_UNIT_PRODUCTS = ${NORM_PRODUCTS_48K:04X}   ; (rmsnorm.s's unit products through tables "
                             "each unclamped norm makes in the screen's middle third: thirty-eighth round)",
                             f"RN_PRODUCTS_HIGH = {NORM_PRODUCTS_HIGH_48K}     ; (t's x high bytes -8..7: 8 entries fewer "
                             "to make)"]
assert NORM_PRODUCTS_48K + RN_PRODUCTS_BYTES == SCREEN_THIRD, "the 48K's norm products: the middle third's last pages"


def unit_pushed_take(soul, gain_bits: int) -> bool:
    """Whether rmsnorm.s's RN_UNIT_PUSHED takes this soul's norms: every norm's shift gain_bits + n with n >= 1
    (RN_UNIT_SHIFT: the loop shifts (x * inv) >> 16 n - 1 places in place)."""
    norm_shift = unit_norm_shift(soul, gain_bits)
    return norm_shift is not None and norm_shift >= 1


def unit_shift_option(soul, gain_bits: int) -> list[str]:
    """rmsnorm.s's RN_UNIT_SHIFT line where every norm of this soul has one shift (unit_norm_shift), else none."""
    norm_shift = unit_norm_shift(soul, gain_bits)
    if norm_shift is None:
        return []
    return [f"RN_UNIT_SHIFT = {norm_shift}        ; (every norm's shift RN_UNIT_GAIN_BITS + {norm_shift}: rmsnorm.s's "
            "unit loops take it in place, the clamped one two elements a round)"]


# the matrices whose products take their shift + 1 (the layer descriptors: soul_layout.soul_include);
# out's take its shift (forward.s's fw_next_token)
SHIFTED_PLUS_ONE = ("q", "k", "v", "proj", "fc1_w", "fc2_w")


def matvec_shifts(soul) -> dict[str, int]:
    """The mv_shift of each of the soul's products, by the label of its shift constant."""
    shifts = {f"soul_l{layer}_{name}_shift + 1": soul[f"l{layer}.{name}"].shift + 1
              for layer in range(spec.N_LAYERS) for name in SHIFTED_PLUS_ONE}
    shifts["soul_out_shift"] = soul["out"].shift
    return shifts


def planes_rungs(rungs) -> tuple:
    """The 48K's rungs on the planes (planes_48k): each without MV_COARSE_TOP, the rest in order, once. The
    planes' rung has SOUL_OUT_PLANES (twenty-seventh round, zxlogits48: the logits' argmax by out's top planes),
    which leaves no ungated coarse call for MV_COARSE_TOP's row ends (nor MV_CT_RAW's raw rows)."""
    return tuple(dict.fromkeys((pairs, False, unrolled) for pairs, _coarse_top, unrolled in rungs))


def raw_rows_take(soul) -> bool:
    """Whether the 48K's logits' rows may be raw (MV_CT_RAW, twenty-second round: 4 (D >> 8) and
    logitsraw.s's bound): out's shift RAW_MOST_SHIFT or less (the shipped soul's 4); the ladder takes
    it where it fits (the shipped 48K does), the kernels' benches where this says."""
    return soul.tensors[CHOOSABLE_ROWS_MATRIX].shift <= RAW_MOST_SHIFT


def pairs_pay(soul, tokenizer) -> bool:
    """Whether the 48K's slot pairs (MV_PAIR_SLOTS) pay for this soul: the integer engine runs the first
    PAIRS_PROBE_LINES everyday prompts, each a turn, and each matvec call on its activations gains
    PAIRS_NARROW_GAIN a product where it runs narrow (at most a quarter of its columns wide) and loses
    PAIRS_FULL_LOSS where it runs full; the logits' calls that run coarse (MV_COARSE: their own slots,
    no pairs) count neither way. The shipped soul's calls all run narrow (the pairs gain ~1.4% a
    position); the vectors soul's ~6% of its products do ("hello" ~5% a position slower with them)."""
    balance = 0.0
    for matrix, x, rows in probe_calls(soul, tokenizer):
        if matrix == CHOOSABLE_ROWS_MATRIX and runs_coarse(x):
            continue
        balance += rows * len(x) * (PAIRS_NARROW_GAIN if runs_narrow(x) else -PAIRS_FULL_LOSS)
    return balance > 0


def coarse_pairs_pay(soul, tokenizer) -> bool:
    """Whether the 128K's MV_COARSE_PAIRS rungs (with MV_RAW_PASS, MV_GATE_QUADS and AM_ROUNDS: the
    logits' coarse call's machinery) pay for this soul: at least half of its logits' calls on
    probe_calls' lines run coarse (the shipped soul's all; the vectors soul's none, whose 128K measured
    ~8,400 T-states a position faster on the rung without them, twenty-second round)."""
    logits = [runs_coarse(x) for matrix, x, _ in probe_calls(soul, tokenizer) if matrix == CHOOSABLE_ROWS_MATRIX]
    return 2 * sum(logits) >= len(logits)


def probe_calls(soul, tokenizer) -> list[tuple[str, object, int]]:
    """The integer engine's matvec calls (Engine.matvec_inputs: the matrix, x, its rows) for the first
    PAIRS_PROBE_LINES everyday prompts, each a turn: the activations the ladders' choices read."""
    from soulterm.player.bench import EVERYDAY_PROMPTS
    engine = Engine(soul)
    calls = []
    for line in EVERYDAY_PROMPTS[:PAIRS_PROBE_LINES]:
        turn = engine.reply(tokenizer, line)
        calls += engine.matvec_inputs((turn.context + turn.ids)[:spec.CONTEXT])
    return calls


def least_shift(soul) -> int | None:
    """matvec.s's MV_LEAST_SHIFT for this soul: its products' least mv_shift, when none is above 7
    (no row's end shifts right: the right chain left out, the left one as long as the least needs);
    else None (the vectors soul's, with shifts of 7 and 8)."""
    shifts = matvec_shifts(soul).values()
    return min(shifts) if max(shifts) <= 7 else None


def embed_in_bank(soul, model: str) -> bool:
    """Whether the player keeps te, pe and the embedding's code in bank EMBED_BANK: the 128K's,
    where embedrows.s's chains take the soul's shifts (its general embed, vecops.s's, lies in bank 0)."""
    return model == "128k" and embed_chains_take(soul)


def embed_addresses(soul) -> tuple[int, int, int]:
    """te's, pe's and fw_embed's addresses in bank EMBED_BANK (embed_bank lays them out so)."""
    te = EMBED_START
    pe = te + soul["te"].values.size
    return te, pe, pe + soul["pe"].values.size


def _l0_bank_tensors(soul, at: int):
    """Layer 0's proj and fc2 (L0_BANK_TENSORS) in matvec's layout, assembled at `at` (embed_bank's first part)."""
    others = tuple(t.name for t in spec.TENSORS if t.name.startswith("l0.") and t.name not in L0_BANK_TENSORS)
    return f".org ${at:04X}\nL0_BANK_START:\n" + tensors_include(soul, "l0.", leave_out=others)


def l0_bank_symbols(soul) -> dict:
    """Where layer 0's proj and fc2 lie in bank EMBED_BANK (SOUL_L0_BANK): ending where te starts."""
    options = f".cpu z80\n{player_kernel_options('128k', bench=False)}\n"
    size = _assemble(options + _l0_bank_tensors(soul, paging.PAGED_START)).end - paging.PAGED_START
    bank = _assemble(options + _l0_bank_tensors(soul, EMBED_START - size))
    assert bank.end == EMBED_START
    return {name: bank.symbols[name] for name in ("L0_BANK_START", *tensor_labels("l0.proj"), *tensor_labels("l0.fc2_"))}


def embed_words_bank(tokenizer, block_start: int):
    """The word list (word_list_include) assembled to end at `block_start`, bank EMBED_BANK's block's start without it
    (SP_WORDS_BANK, thirty-sixth round, zx128fc1g36: the block then starts at its sp_words)."""
    size = _assemble(f".cpu z80\n.org ${paging.PAGED_START:04X}\n" + word_list_include(tokenizer)).end - paging.PAGED_START
    if block_start - size < paging.PAGED_START:
        raise LayoutError(f"the word list ({size:,} bytes) does not fit bank {EMBED_BANK} below ${block_start:04X}: "
                          f"train with a smaller --spelling-chars")
    words = _assemble(f".cpu z80\n.org ${block_start - size:04X}\n" + word_list_include(tokenizer))
    assert words.end == block_start
    return words


def embed_bank(soul, program, tokenizer=None):
    """The block of bank EMBED_BANK, assembled at EMBED_START: te, pe, then embedrows.s's fw_embed,
    which reads EMBED_IMPORTS of the main block `program`; with SOUL_L0_BANK (the 128K's since the
    twenty-ninth round, zxqkv128c) layer 0's proj and fc2 first, ending at EMBED_START (the block
    starts at its L0_BANK_START); with SP_WORDS_BANK `tokenizer`'s word list before them (embed_words_bank: the
    block starts at its sp_words)."""
    imports = "\n".join(f"{name} = ${program.symbols[name]:04X}" for name in EMBED_IMPORTS)
    l0 = ""
    if "SOUL_L0_BANK" in program.symbols:
        l0 = _l0_bank_tensors(soul, program.symbols["L0_BANK_START"])
    if "SP_WORDS_BANK" in program.symbols:
        words = embed_words_bank(tokenizer, program.symbols.get("L0_BANK_START", EMBED_START))
        assert words.symbols["sp_words"] == program.symbols["sp_words"]
        l0 = f".org ${words.origin:04X}\n{word_list_include(tokenizer)}" + l0
    source = (f".cpu z80\n{player_kernel_options('128k', bench=False)}\nEMBED_CHAINS_ONLY = 1\n{imports}\n" + l0
              + f'.assert * <= ${EMBED_START:04X}, "layer 0\'s proj and fc2 run into te"\n'
              f".org ${EMBED_START:04X}\n" + tensors_include(soul, "te") + tensors_include(soul, "pe")
              + "".join(f'.include "{name}"\n' for name in EMBED_CODE_FILES))
    bank = _assemble(source)
    te, pe, entry = embed_addresses(soul)
    if (bank.symbols["soul_te"], bank.symbols["soul_pe"], bank.symbols["fw_embed"]) != (te, pe, entry):
        raise AssertionError("bank EMBED_BANK's layout differs from embed_addresses")
    if bank.end > (EMBED_EDITOR_ROOM if EMBED_BANK == 7 else paging.PAGED_START + paging.BANK_SIZE):
        raise LayoutError(f"te, pe and the embedding run past bank {EMBED_BANK}'s room (${bank.end - 1:04X})")
    return bank


def embed_bank_end(soul) -> int:
    """Where bank EMBED_BANK's block (te, pe and embedrows.s's code) ends: its size is the same whatever
    the main block's addresses it imports."""
    stand_in = SimpleNamespace(symbols={name: 0 for name in EMBED_IMPORTS} | {"FW_DIM": spec.EMBED_DIM})
    return embed_bank(soul, stand_in).end


def planes_take(soul) -> bool:
    """Whether planes.s takes the soul's q, k and v (their shifts in its range): the 128K's FW_PLANES."""
    return all(PLANES_LEAST_SHIFT <= soul[name].shift + 1 <= PLANES_MOST_SHIFT for name in PLANES_MATRICES)


def planes_pay(soul, tokenizer) -> bool:
    """Whether FW_PLANES pays for this soul: planes.s takes at least half of its q, k, v calls on
    probe_calls' lines (sum |x| <= weight_planes.MOST_SUM; a declined call runs matvec after the
    tables' sum, for nothing). The shipped soul's all (52 of 52); the vectors soul's none (0 of 110,
    median sum |x| ~10,300: with the planes its 128K took 3,801,443 T-states a position of "hello"
    against 3,767,900 without, twenty-fifth round)."""
    sums = [sum(abs(int(value)) for value in x) for matrix, x, _ in probe_calls(soul, tokenizer)
            if matrix.endswith(".qkv")]
    return 2 * sum(total <= PLANES_MOST_SUM for total in sums) >= len(sums) > 0


def planes_shift_4_matrices(soul) -> int:
    """planes.s's WP_SHIFT_4_MATRICES: bit j where PLANES_MATRICES[j]'s products run at WP_LEAST_SHIFT (their soul
    shift + 1: forward.s's descriptors), whose rows' entries are then wp_row_4's loops'."""
    return sum(1 << index for index, name in enumerate(PLANES_MATRICES) if soul[name].shift + 1 == PLANES_LEAST_SHIFT)


def planes_bank(soul, qkv_apart: bool = False, out_apart: bool = False, logits: bool = True, words: bool = False):
    """The block of bank PLANES_BANK, assembled at PLANES_START: planes.s (its tables at PLANES_TABLES,
    off the tape) with wp_make and its offsets (not with `out_apart`: nothing for a first RUN to make), wp_matrices
    (forward.s's FW_PLANES: the word 9 layer + descriptor offset - FD_Q); the six matrices of PLANES_MATRICES
    in soul_layout.plane_bytes' layout after it, off the tape too: records128.s's planes_first_run makes them
    from matvec's at the first RUN. Where logitplanes.s takes the soul's logits (logit_planes_take:
    FW_LOGIT_PLANES), its code follows planes.s's in the block and out's rows follow the six matrices
    (lg_masks, off the tape: planes_first_run makes them too, in plane_bytes' layout, then lg_split's halves:
    logit_planes.split_masks). With
    `qkv_apart` (SOUL_QKV_APART, twenty-seventh round) the six matrices are on the tape instead, and the
    layers' banks keep no matvec copy of them. With `out_apart` (SOUL_OUT_APART, twenty-eighth round, with
    `qkv_apart`) out's lg_masks are on the tape too, and bank 0 keeps no matvec copy of out. Without `logits`
    (LG_BANK_0, twenty-ninth round, zxqkv128c: logitplanes.s and out's masks in bank 0) neither is here; with
    `words` (WP_WORD_TABLES, the same round, with `qkv_apart`) planes.s's tables are word entries and the six
    matrices' masks their entries' addresses (soul_layout.plane_words: 64 bytes a row); since the thirtieth round
    (zxmask30, WP_WORDS_FROM_SPLIT) the tape carries them in plane_bytes' layout, the word masks' first half, and
    the block starts with planes.s's wp_expand_first at the end of the tables' pages (PLANES_START less its
    `expand_bytes`: planes_bank assembles twice), which the first wp_tables runs to make the words in place."""
    if not words:
        return _planes_block(soul, qkv_apart, out_apart, logits, words, PLANES_START)
    # (its bytes measured from the tables' start: the same anywhere, and at PLANES_START the block would not fit
    # since WP_GROUP_FORMS, its 315 bytes above the room at run time)
    block = _planes_block(soul, qkv_apart, out_apart, logits, words, PLANES_TABLES)
    expand_bytes = block.symbols["wp_expand_end"] - block.symbols["wp_expand_first"]
    block = _planes_block(soul, qkv_apart, out_apart, logits, words, PLANES_START - expand_bytes)
    assert block.symbols["wp_expand_end"] == PLANES_START, "wp_expand_first ends the tables' pages"
    return block


def _planes_block(soul, qkv_apart: bool, out_apart: bool, logits: bool, words: bool, start: int):
    """planes_bank's block from `start` (PLANES_START, or wp_expand_first's bytes below it)."""
    slots = {9 * int(name[1]) + 3 * "qkv".index(name[-1]): name for name in PLANES_MATRICES}
    rows = [(plane, group) for plane in PLANE_ORDER
            for group in plane_groups(plane)]
    offsets = [rows.index((plane, group)) for group in range(PLANE_GROUPS) for plane in range(8)]
    label = lambda name, suffix="": f"wp_{name.replace('.', '_')}{suffix}"     # noqa: E731
    # (wp_make and its offsets only where the first RUN makes planes: with `out_apart` every matrix's come on the
    # tape, records128.s has no planes_first_run, and bank 6 keeps their 421 bytes; twenty-ninth round, zxqkv128b)
    make = ["WP_MAKE = 1"] * (not out_apart)
    assert not words or (qkv_apart and not make), "the word masks come on the tape"
    # (words: a narrow row's plane 6 gets no words, WP_NARROW_WORDS, thirtieth round, zxnarrow30)
    narrow_rows = [sum(plane_classes(soul[name].values)) for name in PLANES_MATRICES]
    group_bytes = [plane_group_word_bytes(soul[name].values) for name in PLANES_MATRICES]
    # (and the tape leaves a narrow row's plane 6 masks out too: WP_NARROW_SPLIT, thirty-first round, zxtape31)
    make += ["WP_WORD_TABLES = 1", "WP_WORDS_FROM_SPLIT = 1", "WP_NARROW_WORDS = 1", "WP_NARROW_SPLIT = 1",
             f"WP_SPLIT_BYTES = {len(PLANES_MATRICES) * PLANES_MATRIX_BYTES}", f"WP_NARROW_ROWS = {sum(narrow_rows)}",
             f"WP_SPLIT_CLASSES = {label(PLANES_MATRICES[0], '_classes')}",
             # (thirty-first round, zxrows31: wp_row_4's narrow rows in a loop of their own, WP_NARROW_RUNS, the
             # fill's rows two a pass, WP_FILL_PAIRS, in bank 6's room, wp_row's chain in A, WP_CHAIN_A, and the sums
             # of |x| without a djnz, WP_SUMS_UNROLLED)
             "WP_NARROW_RUNS = 1", "WP_FILL_PAIRS = 1", "WP_CHAIN_A = 1", "WP_SUMS_UNROLLED = 1",
             # (thirty-third round, zxrows33: R's start in group 3's table, no row loads one: WP_LOW_START_IN_TABLE)
             "WP_LOW_START_IN_TABLE = 1",
             # (thirty-third round, zxnext33: each row's words after its code's address, a matrix's last row's
             # followed by wp_rows_end's; the pair of entries by the matrix's shift, its products' soul shift + 1)
             "WP_NEXT_ROW_WORDS = 1", f"WP_SHIFT_4_MATRICES = {planes_shift_4_matrices(soul)}",
             # (thirty-fourth round, zxqkv34: the fill's passes by stubs that hold their A' and link to the next,
             # WP_FILL_LINKED, and a row's next entry by `ret`, WP_NEXT_BY_RET)
             "WP_FILL_LINKED = 1", "WP_NEXT_BY_RET = 1",
             # (thirty-fourth round, zxgroup34b: a row whose groups lie in -64..63, or a narrow row's in -32..31, reads
             # their plane-7 masks one plane lower beside T[W]: WP_GROUP_FORMS, its words' bytes fewer)
             "WP_GROUP_FORMS = 1", f"WP_GROUP_WORD_BYTES = {sum(group_bytes)}"] * words
    lines = [".cpu z80", *make, f"wp_table_pages = ${PLANES_TABLES:04X}", f".org ${start:04X}",
             '.include "planes.s"']
    if make:
        lines += ["wp_make_at:     ; wp_make's offset in a row of plane b's byte of group g, at 8 g + b "
                  "(plane_bytes' order)",
                  f"        .byte {', '.join(map(str, offsets))}"]
    lines += ["wp_matrices:     ; forward.s's fw_projection: word 9 layer + offset - FD_Q, the layer's q, k or v",
              f"        .word {', '.join(label(slots[i]) if i in slots else '0' for i in range(max(slots) + 1))}",
              "wp_class_lists:  ; (the same words) its wp_classes",
              f"        .word {', '.join(label(slots[i], '_classes') if i in slots else '0' for i in range(max(slots) + 1))}",
              f"        .align {spec.EMBED_DIM}      ; (wp_rows steps through a list with inc l: each within a page)"]
    for name in PLANES_MATRICES:     # (WP_GROUP_FORMS: plane_group_classes, W at bits 4..7)
        classes = plane_group_classes(soul[name].values) if words else plane_classes(soul[name].values)
        lines += [f"{label(name, '_classes')}:     ; soul_layout.plane_classes: 1 where the row skips plane 6",
                  f"        .byte {', '.join(map(str, classes))}"]
    if words:       # (wp_expand_first reads them as one list in the masks' row order)
        lines.append(f'.assert * == WP_SPLIT_CLASSES + {len(PLANES_MATRICES) * spec.EMBED_DIM}, '
                     '"the six class lists in a row"')
    if out_apart:       # (out's masks come split on the tape: logitplanes.s leaves lg_split out)
        lines.append("SOUL_OUT_APART = 1")
    logits = logits and logit_planes_take(soul)
    assert not (words and logits), "out's masks cannot follow the split masks: the words' second half is off the tape"
    lines += ['.include "logitplanes.s"'] * logits
    if qkv_apart:       # (on the tape: no matvec copy for the first RUN to make them from)
        lines += ["        .res (32 - (* & 31)) & 31", "wp_planes:     ; the six matrices in plane_bytes' layout "
                  "(32-byte aligned rows), on the tape (SOUL_QKV_APART)"]
        for index, name in enumerate(PLANES_MATRICES):
            if words:       # (WP_WORDS_FROM_SPLIT: the split masks in a row, each matrix's label its words', 8 bytes
                # fewer a narrow row before it: WP_NARROW_WORDS)
                words_before = (2 * index * PLANES_MATRIX_BYTES - 8 * sum(narrow_rows[:index])
                                + index * PLANES_ENTRY_BYTES    # (WP_NEXT_ROW_WORDS: a word a row and one)
                                + sum(group_bytes[:index]))     # (WP_GROUP_FORMS)
                lines.append(f"wp_{name.replace('.', '_')} = wp_planes + {words_before}")
            else:
                lines.append(f"wp_{name.replace('.', '_')}:")
            data = plane_bytes(soul[name].values, narrow=words)     # (WP_NARROW_SPLIT: 28 bytes a narrow row)
            lines += [f"        .byte {', '.join(map(str, data[i:i + 32]))}" for i in range(0, len(data), 32)]
    else:
        lines += ["wp_planes = (* + 31) & $FFE0     ; the six matrices in plane_bytes' layout, made by the first RUN "
                  "(wp_make, 32-byte aligned rows): off the tape"]
        lines += [f"wp_{name.replace('.', '_')} = wp_planes + {i * PLANES_MATRIX_BYTES}"
                  for i, name in enumerate(PLANES_MATRICES)]
    matrices_end = f"wp_planes + {len(PLANES_MATRICES) * PLANES_MATRIX_BYTES * (2 if words else 1)}"
    if words:
        matrices_end += (f" - {8 * sum(narrow_rows)} + {len(PLANES_MATRICES) * PLANES_ENTRY_BYTES}"
                         f" + {sum(group_bytes)}")
    if logits:      # (out's rows: 32-byte aligned after the matrices, as they are)
        rows = soul[CHOOSABLE_ROWS_MATRIX].values.shape[0]
        if out_apart:
            assert qkv_apart, "out's planes on the tape follow q, k and v's there"
            data = logit_planes.split_masks(soul[CHOOSABLE_ROWS_MATRIX].values)
            lines += [f'.assert * == {matrices_end}, "lg_masks follow the six matrices"',
                      "lg_masks:     ; out's rows in lg_split's halves, on the tape (SOUL_OUT_APART)"]
            lines += [f"        .byte {', '.join(map(str, data[i:i + 32]))}" for i in range(0, len(data), 32)]
        else:
            lines.append(f"lg_masks = {matrices_end}     ; out's rows in lg_split's halves, made by the first RUN: "
                         "off the tape")
        matrices_end = f"lg_masks + {rows * PLANES_MATRIX_BYTES // spec.EMBED_DIM}"
    lines += [f"planes_bank_end = {matrices_end}     ; (at run time: the word masks' second half lies past the block)",
              f'.assert planes_bank_end <= ${EMBED_START if EMBED_BANK == PLANES_BANK else 0x10000:04X}, '
              f'"the matrices\' planes must fit bank {PLANES_BANK}"']
    bank = _assemble("\n".join(lines) + "\n")
    if bank.end > paging.PAGED_START + paging.BANK_SIZE:
        raise LayoutError(f"planes.s and its matrices run past bank {PLANES_BANK}'s end (${bank.end - 1:04X})")
    return bank


# fc1's ReLU gate by bit planes (kernels/z80/fc1planes.s, forward.s's FW_FC1_PLANES, twenty-seventh round,
# zxgate128b): layer 1's fc1 in bank DATA_BANK, which it runs with: fc1planes.s's code and the rows in its
# layout (fc1_planes.gate_bytes) after the word list, in place of that fc1's matvec rows and bias (a call
# fg_tables declines runs fg_rows_wide, below $C000: fc1wide.s); its 8 table pages at run time, groups 0 and 1 below
# the squares' copy, 2 and 3 over rmsnorm.s's products (each norm makes its own) and the 2 pages past them
FC1_PLANES_MATRIX = "l1.fc1_w"
FC1_PLANES_TABLES = RN_SWAPPED_SQUARES - 0x400
FC1_PLANES_TABLES_HIGH = RN_UNIT_PRODUCTS
FC1_PLANES_IMPORTS = ("fg_tables", "fg_rows", "fg_x", "fg_w", "fg_out", "fg_rows_count", "fg_shift", "fg_table_pages",
                      "fg_start_0", "fg_start_1", "fg_start_2", "fg_code_end")
assert FC1_PLANES_TABLES_HIGH + 0x400 == TOP


def fc1_planes_take(soul, matrix: str = FC1_PLANES_MATRIX) -> bool:
    """Whether fc1planes.s takes layer 1's fc1 (or `matrix`: its product's shift, the soul's + 1, in
    FG_LEAST_SHIFT..FG_MOST_SHIFT)."""
    return fc1_planes.LEAST_SHIFT <= soul[matrix].shift + 1 <= fc1_planes.MOST_SHIFT


# layer 0's fc1 by fc1planes.s (twenty-eighth round, zxfc1l0, FW_FC1_PLANES_L0): its rows in bank 0 (in place of
# its matvec rows and of out's matvec copy), then a copy of fc1planes.s assembled at bank DATA_BANK's addresses (so
# that every fg_ label names both) with its 8 table pages at FC1_PLANES_L0_TABLES (bank 0's top below the squares'
# copy, run time only: groups 0, 1 there, 2, 3 at FC1_PLANES_L0_TABLES_HIGH), past record_known
FC1_PLANES_L0 = True     # (assemble_player tries it first: tests flip it to measure the form before it)
# fc1planes.s's rows by group form in both layers' fc1 (FG_GROUP_FORMS: thirty-fifth round on the kernels' bench,
# zxfc1g35; in the player since the thirty-sixth, zx128fc1g36, in the word list's room in bank DATA_BANK)
FC1_GROUP_FORMS = True   # (assemble_player tries them first: tests flip it to measure the form before them)
FC1_PLANES_L0_MATRIX = "l0.fc1_w"
FC1_PLANES_L0_TABLES = RN_SWAPPED_SQUARES - 0x800
FC1_PLANES_L0_TABLES_HIGH = RN_SWAPPED_SQUARES - 0x400
FC1_PLANES_L0_TABLE_BYTES = RN_SWAPPED_SQUARES - FC1_PLANES_L0_TABLES


def _byte_lines(data) -> list[str]:
    return [f"        .byte {', '.join(map(str, data[i:i + 32]))}" for i in range(0, len(data), 32)]


def gate_rows_lines(matrix: str, soul, tables: int, tables_high: int, forms: bool = False) -> list[str]:
    """`matrix`'s fc1 rows (and its bias) in fc1_planes.gate_items' layout for fc1planes.s's tables at `tables` (groups
    0, 1) and `tables_high` (2, 3): each row's words that name fc1planes.s's code (its start, or with `forms` its
    group form's stub, T[W]'s entry and exit: FG_GROUP_FORMS) as `.word`s of their labels, then the end mark."""
    weights, bias = soul[matrix].values, soul[bias_of(matrix)].values
    pages = (tables >> 8, (tables >> 8) + 2, tables_high >> 8, (tables_high >> 8) + 2)
    lines = []
    for row in fc1_planes.gate_items(weights, bias, pages, group_forms=forms):
        data = b""
        for item in row + [None]:
            if isinstance(item, bytes):
                data += item
                continue
            lines += [f"        .byte {', '.join(map(str, data))}"] * bool(data)
            data = b""
            lines += [f"        .word {item}"] * (item is not None)
    lines[-1] += "      ; (the rows' end mark)"
    return lines


def fc1_l0_rows_lines(soul, bank, between=(), forms: bool = False) -> list[str]:
    """Bank 0's part for FW_FC1_PLANES_L0 (player_source's, after the matrices): layer 0's fc1 in
    fc1_planes.gate_bytes' layout (soul_l0_fc1_w, tables at FC1_PLANES_L0_TABLES; `forms`: FG_GROUP_FORMS'), the
    lines `between`, then fc1planes.s's code as assembled for bank 0's tables, at the address where `bank`
    (data_bank's block) has it."""
    lines = ["soul_l0_fc1_w:     ; layer 0's fc1 in fc1_planes.gate_bytes' layout (FW_FC1_PLANES_L0; a tensor's label,\n"
             "                   ; which names no PC: bank PLANES_BANK's code lies at these addresses)"]
    lines += gate_rows_lines(FC1_PLANES_L0_MATRIX, soul, FC1_PLANES_L0_TABLES, FC1_PLANES_L0_TABLES_HIGH, forms)
    start, end = bank.symbols["fg_l1_rows_end"], bank.symbols["fg_code_end"]
    copy = assemble(f".cpu z80\n{player_kernel_options('128k', bench=False, fc1_group_forms=forms)}\n"
                    f"fg_table_pages = ${FC1_PLANES_L0_TABLES:04X}\nfg_table_pages_high = ${FC1_PLANES_L0_TABLES_HIGH:04X}\n"
                    f'.org ${start:04X}\n.include "fc1planes.s"\n', filename="<fc1planes.s for bank 0>",
                    include_paths=[str(Z80_KERNELS_DIR)], cpu="z80")
    moved = [name for name, value in copy.symbols.items() if name.startswith("fg_") and not name.startswith("fg_table_pages")
             and bank.symbols.get(name) != value]
    assert not moved and copy.end == end, f"bank 0's fc1planes.s must lie at bank {DATA_BANK}'s addresses: {moved[:4]}"
    code = copy.data[-(end - start):] if len(copy.data) >= end - start else copy.data
    assert len(code) == end - start
    lines += ["soul_l0_fc1_w_end:", *between,
              f'.assert * <= ${start:04X}, "layer 0\'s fc1 rows run into fc1planes.s\'s bank 0 copy"',
              f".res ${start:04X} - *     ; (then fc1planes.s for bank 0's tables: its labels bank {DATA_BANK}'s)"]
    lines += [f"        .byte {', '.join(map(str, code[i:i + 32]))}" for i in range(0, len(code), 32)]
    return lines


def fc1_rows_lines(soul, forms: bool = False) -> list[str]:
    """fc1planes.s (its tables at FC1_PLANES_TABLES and _HIGH) and layer 1's fc1 in its layout
    (fg_l1_rows: each row's first word its class's start, fg_start_0, 1 or 2, or with `forms` its group form's
    stub: FG_GROUP_FORMS), for data_bank; the matrix's and its bias's labels name the rows (forward.s's
    FW_FC1_PLANES reads them alone)."""
    label = "soul_" + FC1_PLANES_MATRIX.replace(".", "_")
    lines = [f"fg_table_pages = ${FC1_PLANES_TABLES:04X}     ; (run time only: groups 0, 1)",
             f"fg_table_pages_high = ${FC1_PLANES_TABLES_HIGH:04X}     ; (run time only: groups 2, 3)",
             f"{label} = fg_l1_rows", f"{label}_shift = {soul[FC1_PLANES_MATRIX].shift}",
             f"soul_{bias_of(FC1_PLANES_MATRIX).replace('.', '_')} = 0     ; (in the rows)",
             f"soul_{bias_of(FC1_PLANES_MATRIX).replace('.', '_')}_shift = {soul[bias_of(FC1_PLANES_MATRIX)].shift}",
             "fg_l1_rows:     ; layer 1's fc1 in fc1_planes.gate_bytes' layout"]
    lines += gate_rows_lines(FC1_PLANES_MATRIX, soul, FC1_PLANES_TABLES, FC1_PLANES_TABLES_HIGH, forms)
    # the code after the rows: from ~$DF00, where the other banks hold data alone (bank 0's out matrix, bank
    # 6's planes, bank 7's te and pe), so that a PC there names fc1planes.s's own routine (tests/test_zx_probes.py)
    return lines + ["fg_l1_rows_end:", '.include "fc1planes.s"']


# The 48K's fc1 by fc1planes.s's byte masks (FG_BYTE_MASKS, thirty-sixth round, zx48fc1g36): both layers' rows in
# fc1_planes.gate_bytes' byte layout in the matrices' place (soul_layout), fc1planes.s and fc1wide.s after planes.s, its
# tables planes.s's in the screen's middle third (dead while fc1 runs: proj has read fw_att, matvec_nz's chain comes
# after); no coarse call is left (the logits by out's planes, fc2 by matvec_nz): matvec.s's coarse code out
FC1_BYTES_OPTIONS = ["FG_BYTE_MASKS = 1        ; (fc1planes.s's rows as byte masks on planes.s's tables)",
                     "FW_FC1_BYTES = 1         ; (both layers' fc1 by fc1wide.s's fw_fc1_planes: no coarse call)",
                     "MV_COARSE_UNCALLED = 1   ; (no coarse call left: matvec.s's coarse slots, prepare and gate out)",
                     # (no folded or coarse call left either: proj's narrow calls take their wide columns of h +-1
                     # by mv_hz_wide's forms with no walk; any other call with a wide column, and fc2's declined calls
                     # of two parts whose second part has one of another h, run full: thirty-seventh round, zx48proj37)
                     "MV_WIDE_PM1 = 1          ; (matvec.s: wide columns of h +-1 by mv_hz_wide's forms, no walk)"]
FC1_BYTES_MATRICES = ("l0.fc1_w", "l1.fc1_w")


def fc1_bytes_take(soul) -> bool:
    """Whether fc1planes.s's byte form takes both layers' fc1 (each product's shift in its FG_LEAST_SHIFT..FG_MOST_SHIFT:
    any other soul keeps matvec's coarse gate)."""
    return all(fc1_planes_take(soul, matrix) for matrix in FC1_BYTES_MATRICES)


def logit_planes_take(soul) -> bool:
    """Whether logitplanes.s takes the soul's logits (their shift in 4..15: no logit saturates where it
    takes x, and its threshold fits 16 bits): the 128K's FW_LOGIT_PLANES, with FW_PLANES."""
    return 4 <= soul["out"].shift <= 15


def bank_contents(bank: int, symbols) -> str:
    """What a 128K player's bank block holds, for `soulterm build`'s lines (`symbols`: the main block's)."""
    words = "SP_WORDS_BANK" in symbols
    if bank == EMBED_BANK:
        return EMBED_WORDS_CONTENTS if words else EMBED_CONTENTS
    if bank == PLANES_BANK:
        return PLANES_CONTENTS
    return BANK_FC1_CONTENTS if words and "FW_FC1_PLANES" in symbols else BANK_CONTENTS if not words else "layer 1's tensors"


def player_banks(soul, tokenizer, program, model: str) -> tuple:
    """The 128K player's banks as the loader pages them in: (bank, data) at $C000, (bank, data,
    address) elsewhere; none for the 48K."""
    if model != "128k":
        return ()
    apart = "SOUL_QKV_APART" in program.symbols
    bank = data_bank(soul, tokenizer, word_list="SP_WORDS_BANK" not in program.symbols,
                     coarse_pairs="mv_pairs_in" in program.symbols, qkv_apart=apart,
                     fc1_planes="FW_FC1_PLANES" in program.symbols, out_apart="SOUL_OUT_APART" in program.symbols,
                     logits="LG_BANK_0" not in program.symbols, words="WP_WORD_TABLES" in program.symbols,
                     fc1_forms="FG_GROUP_FORMS" in program.symbols)
    banks = ((DATA_BANK, bank.data, bank.origin),)
    if "EMBED_BANK" in program.symbols:
        embed = embed_bank(soul, program, tokenizer)
        banks += ((EMBED_BANK, embed.data, embed.origin),)
    if "FW_PLANES" in program.symbols:
        planes = planes_bank(soul, apart, "SOUL_OUT_APART" in program.symbols, logits="LG_BANK_0" not in program.symbols,
                             words="WP_WORD_TABLES" in program.symbols)
        banks += ((PLANES_BANK, planes.data, planes.origin),)     # (PLANES_START, or wp_expand_first's bytes below)
    return banks


# nzmatvec.s's chain's room in the 128K player (twenty-seventh round, zxsparse): the bytes FW_WIDE_SPARSE and
# MV_SPARSE_PAIR_SKIP's routines left below $C000, less its rows' code; a call whose chain would not fit runs as matvec
NZ_CHAIN_BYTES_128K = 1000
NZ_128K = True      # (player_source's default: the 128K's fc2 through matvec_nz; tests measure the form before it)
# and in the 48K player (twenty-seventh round, zxsparse48): the chain in the screen's middle third, planes.s's
# tables' and attention's output's room (both dead from proj's end to the next xn's tables, fc2 between), all of
# it: a call whose pieces would overrun it (~60 columns) runs as matvec
NZ_CHAIN_48K = PLANES_TABLES_48K
NZ_CHAIN_BYTES_48K = SCREEN_THIRD - PLANES_TABLES_48K


def player_source(soul, tokenizer, word_list: bool = True, model: str = "48k", top_bytes: int = TOP,
                  coarse: bool = True, coarse_top: bool = True, pairs: bool = True, unrolled: bool = True,
                  in_page: bool = True, unit_products: bool = True, inverse_table: bool = True,
                  coarse_pairs: bool = True, kept_means: bool = True, fast_scores: bool = False,
                  key_sums: int | None = None, fast_takebacks: tuple = (),
                  jps_kept: bool = False, raw_top: bool = False, wide_sparse: bool = False,
                  short_ends: bool = False, row_marks: bool = False, weight_planes: bool = True,
                  planes_48k: bool = False, nz: bool | None = None, qkv_apart: bool = True,
                  fc1_planes: bool = True, fc1_planes_l0: bool = False, l0_bank: bool = True,
                  lg_bank_0: bool = True, word_tables: bool = True, nz_short: bool | int = True,
                  paged_values: bool = True, squares_by_index: bool = True, packed_keys: bool = False,
                  narrow_mark: bool = False, narrow_mark_out: bool = False, nz_short_made: bool = False,
                  fc1_bytes: bool = True, fc1_forms: bool = False) -> str:
    """The player's source; without `word_list` the list's bytes are left out
    (the spelling code stays), to measure the room the list has. Model "128k":
    the symbols of layer 1's tensors and of the word list point into the bank
    (data_bank), matvec has its low slots and attention its scores by bit
    planes (AT_PLANE_SCORES; the planes in the bank after its block). Both models' matvec has its
    sparse calls (MV_SPARSE). Model "48k":
    the word list's first `top_bytes` bytes of bits end the program, the rest
    of it (its characters' ids and the rest of the bits) ends the cold part;
    when the list is split so, its top part ends at $FFFF (assemble_player
    chooses `top_bytes` so: tokenizer.s's sp_bits goes on below when its
    pointer wraps).

    Below UNCONTENDED ($8000), where a real 48K's screen slows every memory
    cycle (soulterm/zx/contention.py), lies only what runs or is read once a
    position or less: the tokenizer and the player's own code, the merges, the
    embeddings and the layer descriptors, and the key cache (read ~0.2 times
    a byte a position). From UNCONTENDED on: matvec's squares table and
    variables at the page boundary itself, the other kernels, the activations,
    the value cache, the matrices and, last, the word list (cold, but of any
    size: the room left at the top of RAM, and what the cold part leaves, is
    its room).

    The 48K with `coarse` (assemble_player's choice where it fits): MV_COARSE and
    MV_BIAS_IN_K (16 bytes less than MV_COARSE alone: no coarse biased row start), and for its
    room SOUL_PACKED (te and pe packed, equal gains once) with vecops.s and the matrices'
    biases below UNCONTENDED too (a few calls and a word a row a position); without, the
    options and layout from before the sixteenth round. `coarse_top`: MV_COARSE_TOP with
    MV_COARSE (the logits' coarse rows' own end, seventeenth round: the 48K's where it fits;
    the 128K's rows end in MV_LOW_HLA's own row ends). `pairs`: MV_PAIR_SLOTS (mv_slots in
    pairs, seventeenth round: the 48K's where it fits), and with them `jps_kept`: MV_PAIR_JPS_KEPT
    (the pairs' jps kept from call to call, twenty-first round: assemble_player's where it fits). `unrolled`: AT_DIVIDE_UNROLLED (the means'
    division rounds unrolled, eighteenth round: the 48K's where it fits with both). The defaults
    are the shipped 48K's choice: all three (since the eighteenth round's RN_UNIT_GAIN_BITS).

    Every 48K (nineteenth round): soulplayer.s's start and banner, which run once, in the key
    cache's last START_OVERLAY_BYTES (START_IN_KEY_CACHE, _start_in_key_cache: an overlay the tape loads
    with the rest of the CODE block), and matvec.s's MV_LEAST_SHIFT where no product of the
    soul shifts past 7 (least_shift: no right chain); with `coarse`, embedrows.s in the cold
    part too (FW_EMBED_APART: room above UNCONTENDED for matvec.s's MV_PAIR_REWALK).

    `in_page`: the 128K's RN_IN_PAGE (rmsnorm.s's unit loops step x and out by inc l, nineteenth
    round), which forward.s asserts of fw_h and fw_xn: assemble_player leaves it out where the
    layout puts one across a page (the layout is the same either way). `unit_products`: the
    128K's RN_UNIT_PRODUCTS where the soul's gains allow it (~130 bytes below $C000, which
    assemble_player gives up for a soul whose code would not fit there otherwise: one with the
    general embed, whose te and pe stay below $C000). `inverse_table`: the 128K's RN_INVERSE_TABLE
    (rmsnorm.s's root and 2^19 // r from tables for a sum of squares below 2^17, nineteenth round:
    46 bytes of code below $C000 and 570 of tables in the cold part, given up where they do not fit).
    `coarse_pairs`: the 128K's MV_COARSE_PAIRS
    (matvec.s's coarse pairs summed in A where the columns' ranges say they cannot carry,
    nineteenth round: since the twentieth round matvec.s's mv_pairs_routines, 399 bytes of code
    after forward.s, below $C000, where they move neither at_sq_table nor fw_h and fw_xn, and the
    coarse matrices' column ranges, 64 bytes each in front of them: the out matrix's and layer
    0's fc1's in bank 0, layer 1's in bank 4), the ladder's first rung; with it matvec.s's MV_RAW_PASS
    (the logits' column pass writing no slot, twenty-first round: 46 bytes of code below $C000, which
    move the code after it that far into bank 0, where a soul with the general embed has ~9 bytes left),
    and MV_GATE_QUADS (fc1's gated pass through quads without their stores, twenty-second round: their
    routines after mv_pairs_routines', below $C000), vecops.s's AM_ROUNDS (argmax in rounds of two
    with the runner-up's limit: 21 bytes in bank 0, more than a soul with the general embed has there),
    and MV_SPARSE_PAIR_SKIP (a sparse call's pairs of zero columns by one jr, runs of them by a stub,
    twenty-third round: mv_pair_skip_routines, 504 bytes after the others, below $C000).
    `kept_means`: the 128K's
    AT_KEPT_MEANS (attention.s's means walk off each dimension's kept sum of S(vl), twentieth
    round, of S(v) since the twenty-ninth: ~250 bytes of code below $C000 and forward.s's kv_kept_sums, 192 bytes in one page of
    the cold part), with MV_COARSE_PAIRS's rung; with `paged_values` AT_PAGED_VALUES too (thirty-first round,
    zxvpage31: the value cache's high byte the kept walk's page, ~50 bytes more below $C000).

    `fast_scores`: the 48K's (with `coarse`) attention.s's AT_FAST_SCORES (twentieth round: the scores
    through matvec's squares table, with AT_TABLE_MEANS's weights' loop, AT_FAST_PREPARE_LOOP and
    AT_FAST_SMALL: 1,023 bytes above UNCONTENDED), its key sums (640 bytes, run-time only) at
    `key_sums`, an address the layout gives outside the program and the logits (an .assert checks
    it), or with None in the program after the value cache (forward.s's). `fast_takebacks`: the
    options (kernelbench.FAST_TAKEBACK_OPTIONS) that take back some of those cuts for room.
    `wide_sparse`: the 48K's (with `coarse`) forward.s's FW_WIDE_SPARSE (the 128K's with MV_COARSE_PAIRS's
    rung; twenty-third round: a take-back of assemble_player's, SPENDS_48K). `short_ends`: the 48K's (with
    `coarse`) matvec.s's MV_HZ_ENDS (its narrow rows' short row ends: twenty-fourth round, a spend of
    SPENDS_48K too). With `pairs` the 48K has matvec.s's MV_FOLDED_BIAS (folded_bias, twenty-fifth round:
    fc1's biases out of the layout, its calls narrow) and soulplayer.s's chat window in the cold part, in
    their room (256 bytes against its ~115: ~140 more free below UNCONTENDED, ~115 more above it).
    `row_marks`: the 48K's (with `coarse`) te's and pe's marks every 8 rows (vecops.s's EM_ROW_MARKS: the
    ladder's last rung, where its spends leave the room, twenty-fifth round).
    `narrow_mark`: no longer read (planes.s's WP_NARROW_MARK, thirty-fifth round: since zx48narrow36 the 48K's planes'
    rungs take WP_NARROW_BITS, q's, k's and v's narrow rows without plane 6 bytes, in its place); `narrow_mark_out`
    (with `planes_48k`) out's narrow rows marked for wp_tops (WP_NARROW_MARK_OUT, a spend).
    `nz`: the 128K's (None: NZ_128K) fc2 through nzmatvec.s's matvec_nz (MV_NZ, twenty-seventh round): its
    once-a-call part at the cold part's end, its rows and chain after forward.s, and no FW_WIDE_SPARSE nor
    MV_SPARSE_PAIR_SKIP's routines. On the 48K (zxsparse48; None: off, the ladder's choice) with `planes_48k` only:
    its chain at NZ_CHAIN_48K (planes.s's tables' room in the screen, dead while fc2 runs), its rows after
    planes.s, and neither MV_SPARSE (matvec's fallback runs dense) nor FW_WIDE_SPARSE. `nz_short_made`: the 48K's (with
    `nz`) nzmatvec.s's NZ_SHORT_MADE (thirty-fifth round, zx48ffn35: a column of x in 1..14 takes a short piece made
    from l's bits, 45 bytes in the cold part; SPENDS_48K's last).
    `fc1_bytes`: the 48K's (with `planes_48k` and `nz`, where fc1_bytes_take) both layers' fc1 by fc1planes.s's byte masks
    on planes.s's tables (FG_BYTE_MASKS, FW_FC1_BYTES, thirty-sixth round, zx48fc1g36: the rows in the matrices' place,
    soul_layout's; fc1wide.s's fg_rows_wide where fg_tables declines an x) and no coarse call left (MV_COARSE_UNCALLED:
    matvec.s's coarse slots, gate and prepare out): room freed, not a spend.
    `fc1_planes_l0`: the 128K's (with FW_FC1_PLANES and logitplanes.s) layer 0's fc1 by fc1planes.s's copy in bank 0
    (FW_FC1_PLANES_L0, twenty-eighth round: fc1_l0_rows_lines) and out by its planes alone (SOUL_OUT_APART: its
    lg_masks on the tape in bank PLANES_BANK, no matvec copy in bank 0; planes_wide.s's fw_out_exact for the rows
    lg_select leaves): assemble_player's first try where FC1_PLANES_L0. `fc1_forms`: the 128K's (with FW_FC1_PLANES)
    fc1planes.s's rows by group form (FG_GROUP_FORMS, thirty-fifth round on the bench; in the player since the
    thirty-sixth, zx128fc1g36, where the word list's room in bank DATA_BANK holds it: assemble_player's first try).
    The 128K's word list lies in bank EMBED_BANK below its block where that bank has te and pe (SP_WORDS_BANK,
    thirty-sixth round: embed_words_bank), else in bank DATA_BANK.
    """
    banked = model == "128k"
    coarse = coarse or banked
    planes_48k = planes_48k and coarse and not banked and planes_take(soul)
    nz = (NZ_128K and banked if nz is None else nz) and (banked or planes_48k)    # (nzmatvec.s: fc2 by its nonzero
                    # inputs, the 128K's since the twenty-seventh round, in FW_WIDE_SPARSE's room; the 48K's with the planes,
                    # its chain on their tables)
    cold = COLD_KERNEL_FILES_48K if coarse and not banked else COLD_KERNEL_FILES
    cold_tensors = COLD_48K if coarse and not banked else EMBEDDINGS
    cold_files = [name for name in KERNEL_FILES if name in cold]
    hot_files = [name for name in KERNEL_FILES if name not in cold and not (banked and name in BANK_0_KERNEL_FILES)]
    embed_apart = embed_in_bank(soul, model)
    bank_0_files = [name for name in BANK_0_KERNEL_FILES if not (embed_apart and name in EMBED_CODE_FILES)]
    if embed_apart:     # (logitsraw.s first: vecops.s's end label would share fw_logits_bound's address)
        bank_0_files.sort(key="logitsraw.s".__ne__)
    in_bank = _words_in_bank(tokenizer, word_list, model)
    words_apart = in_bank and embed_apart     # (SP_WORDS_BANK: the list in bank EMBED_BANK, out of bank DATA_BANK)
    fast_scores = fast_scores and coarse and not banked
    # the 48K's scores by packed key planes (PL_PACKED, thirty-fourth round): instead of the squares', with the planes
    packed_keys = packed_keys and coarse and planes_48k and not banked and not fast_scores
    # the 128K's q, k and v by their planes alone (SOUL_QKV_APART, twenty-seventh round, zxgate128b): on the
    # tape in bank PLANES_BANK, no matvec copy in banks 0 and DATA_BANK, a declined xn's by planes_wide.s
    apart = banked and weight_planes and planes_take(soul) and qkv_apart
    # and layer 1's fc1 by fc1planes.s in bank DATA_BANK, in the room q, k and v leave there (FW_FC1_PLANES)
    fc1 = apart and fc1_planes and fc1_planes_take(soul)
    # and layer 0's fc1 by a copy of fc1planes.s in bank 0, in the room out's matvec copy leaves there (its logits by
    # its planes alone, on the tape: FW_FC1_PLANES_L0 with SOUL_OUT_APART, twenty-eighth round, zxfc1l0)
    fc1_l0 = fc1 and fc1_planes_l0 and fc1_planes_take(soul, FC1_PLANES_L0_MATRIX) and logit_planes_take(soul)
    # with it and matvec_nz's fc2 no coarse call runs (the logits and both fc1s by their planes) and no rung's sparse
    # call takes FW_WIDE_SPARSE or MV_SPARSE_PAIR_SKIP: no MV_COARSE_PAIRS, nor its MV_RAW_PASS, MV_GATE_QUADS and
    # AM_ROUNDS (twenty-ninth round, zxqkv128b: 170 bytes below $C000, 655 in bank 0)
    coarse_pairs = coarse_pairs and not (fc1_l0 and nz)
    # layer 0's proj and fc2 in bank EMBED_BANK below te (SOUL_L0_BANK, twenty-ninth round, zxqkv128c: 3,328 bytes
    # of bank 0 for logitplanes.s; forward.s pages the bank in around them, fc2 through matvec_nz)
    l0_bank = l0_bank and embed_apart and nz
    # and logitplanes.s and out's masks in bank 0 (LG_BANK_0): its code and lg_top's half in the room they leave,
    # lg_low's past the records' ids; its tables, sums and list on layer 0's fc1's table pages (out of bank 6, for
    # planes.s's word tables)
    lg_bank_0 = l0_bank and fc1_l0 and lg_bank_0 and logit_planes_take(soul)
    # the 48K's fc1 by fc1planes.s's byte masks on planes.s's tables (FW_FC1_BYTES, thirty-sixth round): with matvec_nz's
    # fc2 and out's planes no coarse call is left
    fc1_bytes = fc1_bytes and planes_48k and nz and not banked and fc1_bytes_take(soul)
    # and then planes.s's word tables (WP_WORD_TABLES, zxqkv128: its masks their entries' addresses, on the tape)
    word_tables = word_tables and lg_bank_0 and apart
    options = [player_kernel_options(model, bench=False, coarse=coarse, nz=nz, packed=coarse and not banked,
                                     sparse=banked or not nz,    # (the 48K's fc2 runs matvec_nz: no sparse call left)
                                     coarse_top=coarse_top and not banked, pair_slots=pairs and not banked,
                                     jps_kept=jps_kept and pairs and not banked,
                                     raw_top=raw_top and coarse_top and coarse and not banked,
                                     fast_scores=True if fast_scores else None, plane_scores=packed_keys or None,
                                     fast_takebacks=tuple(fast_takebacks) if fast_scores else tuple(
                                         name for name in fast_takebacks if packed_keys and name in PLANES_SPENDS_48K
                                         # (R's start in group 3's table: on the byte tables' narrow bits, with
                                         # WP_TOPS_BYTES, whose tops read tables of their own)
                                         and (name != LOW_START_48K or TOPS_BYTES in fast_takebacks
                                              and planes_48k and coarse and planes_take(soul))),
                                     kept_means=False,
                                     raw_pass=coarse and coarse_pairs if banked else False,
                                     gate_quads=coarse and coarse_pairs and banked,
                                     argmax_rounds=coarse and coarse_pairs and banked,
                                     wide_sparse=coarse and coarse_pairs and not nz if banked
                                     else wide_sparse and coarse and not nz,
                                     pair_skip=coarse and coarse_pairs and banked and not nz,
                                     short_ends=short_ends and coarse and not banked,
                                     folded_bias=folded_bias(coarse, pairs, banked),
                                     row_marks=row_marks and coarse and not banked,
                                     # (q's, k's and v's narrow rows by class bits, without plane 6 bytes: on
                                     # every planes' rung, thirty-sixth round, zx48narrow36; WP_NARROW_MARK's no more)
                                     narrow_bits=planes_48k and coarse and not banked and planes_take(soul),
                                     narrow_mark_out=narrow_mark_out and planes_48k and coarse and not banked
                                     and planes_take(soul) and TOPS_BYTES not in fast_takebacks,
                                     weight_planes=(banked and weight_planes or planes_48k and coarse and not banked)
                                     and planes_take(soul), nz_short=banked and nz and nz_short,
                                     # (nzmatvec.s's scan in the other set and by x's page, thirty-fourth round: 22
                                     # bytes below $C000, on the rungs with its short pieces; a rung without them,
                                     # short of room there, keeps main's scan)
                                     nz_scan_alt=banked and nz and bool(nz_short),
                                     nz_scan_page=banked and nz and bool(nz_short),
                                     # (the 48K's second part's row by mv_rows' bits, zx48spend34: 6 bytes
                                     # in its cold part, 460 T-states a call of 32 rows)
                                     nz_rows_bits=not banked and nz,
                                     nz_short_made=nz_short_made and nz and not banked,
                                     fc1_group_forms=fc1_forms and fc1),
               "VEC_FUSED_STORES = 1     ; (forward.s adds and takes ReLU in matvec's stores: no vec_add_sat, vec_relu)"]
    least = least_shift(soul)
    if least is not None and not banked:
        options.append(f"MV_LEAST_SHIFT = {least}   ; (every product's shift in {least}..7: matvec.s's row ends "
                       "without the right chain, the left one as long as the soul needs)")
        options += [f'.assert {label} >= MV_LEAST_SHIFT && {label} <= 7, "a product\'s shift outside MV_LEAST_SHIFT..7"'
                    for label in matvec_shifts(soul)]
    if not banked:
        options.append("START_IN_KEY_CACHE = 1   ; (soulplayer.s's start and banner run once: in the key cache, "
                       "an overlay)")
        options.append(f"RUN_VARIABLES = ${RUN_VARIABLES_48K:04X}   ; (soulplayer.s's and tokenizer.s's run-time "
                       f"variables, {RUN_VARIABLES_BYTES} bytes below the program: off the tape)")
        options.append(f"RUN_VARIABLES_BYTES = {RUN_VARIABLES_BYTES}")
        options.append(f"SCRATCH_VARIABLES = ${SCRATCH_VARIABLES_48K:04X}   ; (attention.s's and matvec.s's scratch "
                       f"variables in the ROM calculator's MEMBOT: off the tape)")
        options.append(f"SCRATCH_VARIABLES_BYTES = {SCRATCH_VARIABLES_BYTES}")
        options.append("AT_LUT_IN_WEIGHTS = 1    ; (attention.s's at_lut the head's row of forward.s's att_weights, "
                       "patched in: no copy, 20 bytes fewer)")
        options.append("AT_EXP_AFTER_SQUARES = 1 ; (attention.s's exp_lut right after matvec's squares, squares.s: in one "
                       "page whatever the code's length, thirty-ninth round)")
        options.append("AT_ONE_OWN_END = 1       ; (attention.s's weight-1 means with their own stride and loop "
                       "end: 20 T-states a weight-1 position-dimension for 9 bytes of SHORT_FORMS' room)")
        options.append("AT_ZEROS_UNCOUNTED = 1   ; (attention.s's table walk counts the nonzero weights alone: a 0 "
                       "popped past with no count, the trailing 0s not walked; 1 byte fewer, thirty-eighth round)")
        options.append("TK_FIXED_LINE = 1        ; (tokenizer.s reads soulplayer.s's line_buffer: no tk_line, 8 bytes)")
        options.append(FIRST_SHARED_OPTION)
        options.append("SHORT_FORMS = 1          ; (shorter forms of code that runs rarely: a few T-states a "
                       "position for the 48K's bytes, docs/spectrum.md, \"Thirtieth round\")")
        options.append("LOGITS_IN_PRINTER_BUFFER = 1   ; (forward.s's $5B00: soulplayer.s keeps 128 BASIC's page "
                       "in a bank meanwhile, where it runs)")
        options += [f"SCREEN_THIRD = ${SCREEN_THIRD:04X}     ; (the chat's window, the bottom third's "
                    "bitmap the player's)",
                    f"kv_values_layer_1 = ${THIRD_VALUES:04X}     ; (layer 1's value cache in the screen's third: "
                    "forward.s keeps layer 0's)",
                    f"fw_ffn = ${THIRD_FFN:04X}     ; (forward.s's z in the screen's third, run time only: 128 bytes "
                    "above UNCONTENDED for the ladder)",
                    f'.assert fw_ffn + 2 * FW_FFN == ${SCREEN_THIRD_END:04X}, "fw_ffn: the third\'s last bytes (build.THIRD_FFN)"']
    if planes_48k:
        options += [f"wp_table_pages = ${PLANES_TABLES_48K:04X}     ; (planes.s's tables in the screen's middle third, "
                    "hidden: run time only)",
                    "CHAT_TOP_THIRD = 1       ; (soulplayer.s's chat in lines 0..7, the top third)",
                    f"fw_att = ${PLANES_TABLES_48K:04X}     ; (attention's output on planes.s's first table page: written "
                    "by the heads, read by proj, dead by the next xn's tables; 64 bytes above UNCONTENDED for the ladder)"]
    if fc1_bytes:
        options += FC1_BYTES_OPTIONS
    if coarse and not banked:
        options.append("FW_EMBED_APART = 1       ; (embedrows.s below UNCONTENDED, in the cold part)")
        options.append("SOUL_OUT_CHOOSABLE = 1   ; (out from row FW_FIRST_ROW: rows 0..2 are the lens's, in the map)")
    if unrolled and coarse and not banked:
        options.append("AT_DIVIDE_UNROLLED = 1   ; (the means' division rounds unrolled: 28 bytes above $8000)")
    if packed_keys:
        options += ["PL_PACKED = 1            ; (attention.s's scores by packed key planes: planekeys48.s, the 48K's form)",
                    "PL_HIGH_BY_HEAD = 1      ; (planes 12..15's place worked out by the old dot alone: fw_high_planes)",
                    "PL_OLD_KEYS_APART = 1    ; (planekeys48old.s's pl_old_keys, the old dot's only, in the cold part)",
                    f"kv_high_planes = ${THIRD_KEY_SUMS:04X}     ; (planes 12..15, run time only: the key sums' room in "
                    "the screen's bottom third)",
                    f"pl_tables = ${PACKED_TABLES_48K:04X}     ; (pl_prepare's two pages in the screen's middle third, "
                    "after the attention output: planes.s's tables are dead while the heads run)",
                    f"line_buffer = ${PACKED_LINE_48K:04X}     ; (soulplayer.s's line and the tokenizer's memory after "
                    "them: needed only between a turn's prompt and its reply)",
                    "kv_keys = kv_planes     ; (the layer descriptors' key slots: forward.s's value slot is its offset)",
                    f'.assert line_buffer + TK_MAX + TK_SCRATCH_BYTES <= ${SCREEN_THIRD:04X} && fw_att + 2 * FW_DIM <= '
                    'pl_tables, "the packed planes\' tables and the line must fit the screen\'s middle third"',
                    f"at_walk_code = ${WALK_CODE_48K:04X}     ; (attention.s's generated walk, AT_GENERATED_WALK: a page of "
                    "planes.s's tables, dead while the heads run)",
                    f'.assert line_buffer + TK_MAX + TK_SCRATCH_BYTES <= at_walk_code && at_walk_code + 256 <= '
                    f'${NORM_PRODUCTS_48K:04X}, "the generated walk\'s page: past the line, below the norms\' tables"']
    if fast_scores and key_sums is not None:
        options.append(f"kv_key_sums = ${key_sums:04X}     ; (attention.s's key sums, run-time only: where the layout "
                       "has room for them, outside the program)")
    gain_bits = unit_gain_bits(soul, SHORT_SHIFTS)     # (both players have RN_SHORT_SHIFTS)
    if gain_bits is not None:
        options.append(f"RN_UNIT_GAIN_BITS = {gain_bits}   ; (every norm's gains 2^{gain_bits}: rmsnorm.s "
                       "takes shift - a straight, no general path)")
    if gain_bits is not None and not banked:        # (thirty-third round, zx48norm33: the 48K's form, mul16u's unit loop)
        options += unit_shift_option(soul, gain_bits)
        if unit_pushed_take(soul, gain_bits):     # (thirty-fifth round, zx48fixed35: its ys pushed, x read down)
            options.append(UNIT_PUSHED_48K)
            options += NORM_PRODUCTS_48K_OPTIONS
    if embed_chains_take(soul):
        options.append("EMBED_CHAINS_ONLY = 1    ; (te's and pe's shifts in 1..8: embedrows.s's chains, no vecops.s embed)")
        if not banked:      # (thirty-fifth round, zx48fixed35: the 48K's soul comes after embedrows.s, its shifts known here)
            options += embed_shift_options(soul)
    if banked:
        bank = data_bank(soul, tokenizer, in_bank and not words_apart, coarse_pairs, apart, fc1, fc1_l0,
                         logits=not lg_bank_0, words=word_tables, fc1_forms=fc1 and fc1_forms)
        if fc1:
            options += ["FW_FC1_PLANES = 1        ; (layer 1's fc1 by fc1planes.s in its bank, on fg_l1_rows)"]
            # (and every label of fc1planes.s's code: the TUI's samples name a PC in bank DATA_BANK by them;
            # its rows by soul_l1_fc1_w alone, a tensor's label, which names no PC)
            names = FC1_PLANES_IMPORTS + tuple(sorted(
                name for name in bank.symbols if name.startswith("fg_") and "@" not in name
                and not name.startswith("fg_l1_rows") and name not in FC1_PLANES_IMPORTS))
            options += [f"{name} = ${bank.symbols[name]:04X}     ; in bank {DATA_BANK}" for name in names]
            if fc1_l0:
                options += ["FW_FC1_PLANES_L0 = 1     ; (layer 0's fc1 by fc1planes.s's copy in bank 0, on soul_l0_fc1_w)",
                            "SOUL_OUT_APART = 1       ; (out by its planes alone: on the tape in its bank, no matvec copy)",
                            "MV_COARSE_UNCALLED = 1   ; (no coarse call left: matvec.s's coarse slots, prepare, gate and "
                            "exact row left out)",
                            "KV_FIRST_PASS_WORDS = 4   ; (position 1's store four words a pass: the room MV_COARSE_UNCALLED "
                            "leaves)"] + ["NZ_WIDE_X = 1            ; (nzmatvec.s's fast path for x of 385..503 too, in that room)"] * nz
        # the keys' planes (attention.s's AT_PLANE_SCORES) in the bank's room after its block: layer 1
        # runs with the bank in, forward.s pages it in around layer 0's heads and planes' store; at an
        # even address (pl_store steps from a plane's first byte to its second by its low byte)
        options += [f"kv_planes = ${bank.end + (bank.end & 1):04X}     ; in bank {DATA_BANK}, after layer 1's tensors and the word list"]
        options.append(f"RN_SWAPPED_SQUARES = ${RN_SWAPPED_SQUARES:04X}   ; (rmsnorm.s's squares by swapped nibbles: "
                       f"banks 0 and {DATA_BANK}, made at the start)")
        if gain_bits is not None and unit_products:     # (its ~130 bytes lie before at_sq_table: a soul with general gains has
            options.append(f"RN_UNIT_PRODUCTS = ${RN_UNIT_PRODUCTS:04X}   ; (rmsnorm.s's unit products "   # no room)
                           "through tables that each unclamped norm makes there)")
            options += unit_shift_option(soul, gain_bits)       # (thirty-third round, zxlogit33)
            if fc1_l0:      # (its ~80 bytes before at_sq_table: where layer 0's fc1 runs by its planes, in the room
                # MV_COARSE_UNCALLED leaves below $C000; a layout without it, or with general gains, is short there)
                options.append("RN_SQUARES_PAIRED = 1    ; (rmsnorm.s's squares two elements a round: thirty-third round)")
        if inverse_table:
            options.append(f"RN_INVERSE_TABLE = {RN_INVERSE_ROOTS.stop}    ; (rmsnorm.s's root and inverse of a sum of squares "
                           "below 2^17 from rn_roots and rn_inverses)")
        if in_page:
            options.append("RN_IN_PAGE = 1           ; (rmsnorm.s's unit loops step x and out by inc l: forward.s "
                           "asserts fw_h and fw_xn each within a page)")
        if kept_means:
            options.append("AT_KEPT_MEANS = 1        ; (attention.s's means off each dimension's kept sum of S(v): "
                           "forward.s's kv_kept_sums in the cold part)")
            if paged_values:
                options.append(PAGED_VALUES_OPTION)
                options += [KEPT_MARKED_OPTION, SHORT_SCORES_OPTION, KEPT_PAIRS_OPTION, KEPT_EVERY_HEAD_OPTION,
                            KEPT_DIVISION_OPTION, KEPT_MARKED_APART_OPTION] * fc1_l0    # (in MV_COARSE_UNCALLED's
                                # room below $C000; AT_SQUARES_BY_INDEX's table at its end)
                options += [SQUARES_BY_INDEX_OPTION, SQ_INDEX_APART_OPTION] * (fc1_l0 and squares_by_index)
        if coarse_pairs:
            options.append("MV_COARSE_PAIRS = 1      ; (matvec.s's coarse pairs in A where they cannot carry: the "
                           "coarse matrices' column ranges in front of them)")
        options += ["PLAYER_128K = 1", f"ZX_DATA_BANK = {DATA_BANK}", "FW_EMBED_APART = 1",
                    f"fw_logits = ${LOGITS_128K:04X}     ; (in bank 0: the 128 ROM owns the printer buffer)",
                    f"ZX_PAGING_PORT = ${paging.PAGING_PORT:04X}", f"ZX_PAGE_ROM_48 = ${paging.ROM_48:02X}"]
    if banked and weight_planes and planes_take(soul):
        planes = planes_bank(soul, apart, fc1_l0, logits=not lg_bank_0, words=word_tables)
        if word_tables:
            options += ["WP_WORD_TABLES = 1     ; (planes.s's word tables in that bank: planes_wide.s reads the word masks)",
                        "WP_NARROW_WORDS = 1    ; (a narrow row has no plane 6 words: planes_wide.s asks planes.s's "
                        "wp_wide_row_order)"]
            if "WP_GROUP_FORMS" in planes.symbols:
                options.append("WP_GROUP_FORMS = 1     ; (planes.s's group rows: planes_wide.s takes a word's group "
                               "from its page, forward.s's fw_out_wide makes out's row so)")
        options += [f"FW_PLANES_BANK = {PLANES_BANK}     ; (planes.s, its tables and both layers' q, k, v by bit planes)"]
        if apart:
            options += ["SOUL_QKV_APART = 1       ; (q, k and v by their planes alone: no matvec copy, planes_wide.s "
                        "for a declined xn)", f"wp_table_pages = ${PLANES_TABLES:04X}     ; in bank {PLANES_BANK}"]
        options += [f"{name} = ${planes.symbols[name]:04X}     ; in bank {PLANES_BANK}" for name in PLANES_IMPORTS
                    if name in planes.symbols]      # (no wp_make where every matrix's planes come on the tape)
        if lg_bank_0:
            options += ["FW_LOGIT_PLANES = 1      ; (the logits' argmax by logitplanes.s first)",
                        "LG_BANK_0 = 1      ; (logitplanes.s and out's masks in bank 0, its tables on layer 0's fc1's)",
                        "LG_ROWS_PAIRED = 1      ; (logitplanes.s's row pass and first list two rows a round: "
                        "thirty-third round)",
                        "LG_STARTS_IN_PAGE = 1      ; (logitplanes.s's fill reads each odd row's start where its "
                        "first push writes it: thirty-fourth round)",
                        "LG_NEGATIVES_SUBTRACTED = 1      ; (logitplanes.s's sizes subtract a negative x, its "
                        "words sum the negative ones: thirty-fourth round)",
                        "LG_BEST_LOWER = 1      ; (logitplanes.s's first list against the best row's own lower end: "
                        "thirty-fourth round)",
                        "LG_BEST_LOWER_APART = 1      ; (its lg_best_lower_routine past out's planes 0..3, in bank 0)",
                        "FW_LOGITS_APART = 1      ; (forward.s's fw_logit_planes in bank 0 after vecops.s: "
                        "run with bank 0 in, out of the room below $C000)",
                        f"LG_TABLES = ${FC1_PLANES_L0_TABLES:04X}     ; in bank 0, run time only (dead from layer 0's "
                        "fc2 to the next position's fc1)",
                        f"LG_SUMS = ${FC1_PLANES_L0_TABLES + 0x400:04X}", f"LG_LIST = ${FC1_PLANES_L0_TABLES + 0x500:04X}"]
        elif logit_planes_take(soul):
            options += ["FW_LOGIT_PLANES = 1      ; (the logits' argmax by logitplanes.s in that bank first)",
                        f"LG_TABLES = ${LOGIT_PLANES_TABLES:04X}     ; in bank {PLANES_BANK}, run time only",
                        f"LG_SUMS = ${LOGIT_PLANES_SUMS:04X}", f"LG_LIST = ${LOGIT_PLANES_LIST:04X}"]
            options += [f"{name} = ${planes.symbols[name]:04X}     ; in bank {PLANES_BANK}"
                        for name in LOGIT_PLANES_IMPORTS if name in planes.symbols]     # (no lg_split out apart)
    if embed_apart:
        te, pe, entry = embed_addresses(soul)
        options += [f"EMBED_BANK = {EMBED_BANK}     ; (te, pe and embedrows.s's code in that bank: forward.s's fw_embed)",
                    f"EMBED_ENTRY = ${entry:04X}",
                    f"fw_embed_banked = EMBED_ENTRY     ; (a routine's name for the map: the TUI's samples of the "
                    f"embedding in bank {EMBED_BANK})",
                    f"soul_te = ${te:04X}     ; in bank {EMBED_BANK}",
                    f"soul_te_shift = {soul['te'].shift}", f"soul_pe = ${pe:04X}     ; in bank {EMBED_BANK}",
                    f"soul_pe_shift = {soul['pe'].shift}"]
        if l0_bank:     # (layer 0's proj and fc2 below te in that bank: forward.s pages it in around them)
            options += ["SOUL_L0_BANK = 1     ; (layer 0's proj and fc2 in bank EMBED_BANK: build.l0_bank_symbols)"]
            options += [f"{name} = ${at:04X}     ; in bank {EMBED_BANK}" for name, at in l0_bank_symbols(soul).items()
                        if not name.endswith("_shift")]
        if words_apart:     # (and the word list below them: embed_words_bank)
            words = embed_words_bank(tokenizer, l0_bank_symbols(soul)["L0_BANK_START"] if l0_bank else EMBED_START)
            options += [f"SP_WORDS_BANK = {EMBED_BANK}     ; (the word list in that bank: tokenizer.s's sp_decode)"]
            options += [f"{name} = ${words.symbols[name]:04X}     ; in bank {EMBED_BANK}" for name in WORD_LIST_SYMBOLS]
        cold_tensors = ()           # (below UNCONTENDED: the layer descriptors alone)
    origin = ORIGINS[model]
    lines = [".cpu z80", *options, f".org ${origin:04X}", vocab_constants(tokenizer),
             "TK_SCRATCH = line_buffer + TK_MAX     ; free between turns (soulplayer.s)" if packed_keys else
             "TK_SCRATCH = kv_keys + 2 * KV_POSITION_BYTES     ; free between turns (soulplayer.s)",
             "SP_CHARS = kv_values + KV_POSITION_BYTES",
             alphabet_include(tokenizer)]
    lines += [f'.include "{name}"' for name in cold_files]
    if coarse and not banked:       # (the embedding, once a position: below UNCONTENDED with vecops.s's unpacking)
        lines += ["embedrows_start:", '.include "embedrows.s"', '.include "logitsraw.s"', "embedrows_end:"]
    words_low, words_top = word_list_parts(tokenizer, top_bytes, word_list and not in_bank, first_shared=not banked)
    lines.append('.include "soulplayer.s"')
    # soulplayer.s's window (run a character at a time) in the cold part where fc1's biases leave it
    # (MV_FOLDED_BIAS: their 256 bytes against its ~115, twenty-fifth round), else above UNCONTENDED
    chat_cold = folded_bias(coarse, pairs, banked)
    if chat_cold:
        lines.append("        chat_window_routines     ; (in fc1's biases' room: MV_FOLDED_BIAS)")
    if planes_48k or apart:     # (planes.s's rows for an xn wp_tables declines: none on the benchmarks' prompts)
        lines.append('.include "planes_wide.s"     ; (planes.s\'s slow exact rows, run where wp_tables declines an xn)')
    if banked:
        lines.append('.include "records128.s"')
    lines += [merges_include(tokenizer), soul_include(soul, "embeddings", cold=cold_tensors),
              "        .align 2     ; (the 128K's matvec stores k at even addresses: forward.s asserts it)" * banked,
              f"kv_keys: .res {KEY_CACHE_BYTES}     ; forward.s leaves the key cache to the program" * banked,
              _start_in_key_cache(packed_keys) * (not banked)]
    if embed_apart:     # (a real 128K's ULA waits on its reads here: ~+810 T-states a position, docs/spectrum.md)
        lines.append(f"kv_values: .res {KEY_CACHE_BYTES}     ; and the value cache, in te's and pe's room")
    if not in_bank:
        lines.append(words_low)
    if banked and inverse_table:
        lines += rn_table_lines()     # (rmsnorm.s's, read once a norm: seen with any bank in)
    if banked and kept_means:       # (attention.s's kept sums, in one page: read with any bank in)
        lines += [f"        .res ((* & 255) > {256 - KEPT_SUMS_BYTES}) * (256 - (* & 255))",
                  f"kv_kept_sums: .res 256     ; forward.s's kept sums of S(v) (AT_KEPT_MEANS; {KEPT_SUMS_BYTES} bytes)",
                  f"kv_kept_first: .res {KEPT_SUMS_BYTES}     ; and position 0's, a page on (records128.s's record_kept)"]
    if nz and not banked:
        lines += [f"NZ_CHAIN_AT = ${NZ_CHAIN_48K:04X}     ; (nzmatvec.s's chain on planes.s's tables, the screen's middle "
                  "third: dead while fc2 runs, written by each call)"]
    if nz:      # (matvec_nz's scan and the chain's writing, once a call: in the cold part)
        lines += [f"NZ_CHAIN_BYTES = {NZ_CHAIN_BYTES_48K if not banked else NZ_CHAIN_BYTES_128K}     "
                  "; (nzmatvec.s's chain: ~24 bytes a nonzero column)",
                  '.include "nzmatvec.s"', "        nz_prepare_routines"]
    if packed_keys:     # (the old dot's keys, run where a key or q is wide: their room above for pl_keys' narrow keys)
        lines.append('.include "planekeys48old.s"')
    lines += [f'.assert * <= ${UNCONTENDED:04X}, "the player\'s cold part runs past ${UNCONTENDED:04X}: '
              f'move something of it above (soulterm/zx/build.py)"',
              # the bytes the cold part leaves (none past UNCONTENDED: the .assert says why)
              f".res (* < ${UNCONTENDED:04X}) * (${UNCONTENDED:04X} - *)"]
    lines += [f'.include "{name}"' for name in hot_files]
    lines.append(f'.assert mv_vars == ${UNCONTENDED:04X}, "squares.s must open the uncontended RAM"')
    if banked and inverse_table:
        lines.append(f'.assert RN_CLAMP_ROOT + 1 == {RN_INVERSE_ROOTS.start} && RN_INVERSE_TABLE == {RN_INVERSE_ROOTS.stop} && '
                     'rn_inverses_end - rn_inverses == 2 * (RN_INVERSE_TABLE - RN_CLAMP_ROOT - 1) && '
                     f'rn_roots_end - rn_roots == {2 * len(RN_ROOT_BLOCKS)} && RN_ROOT_FIRST_BLOCK == {RN_ROOT_BLOCKS.start}, '
                     '"rn_inverses must hold 2^19 // r for the roots rmsnorm.s looks up"')
    if banked:
        lines += ['.include "paging128.s"',
                  "        rn_tables_routines     ; (rmsnorm.s's, out of the room before at_sq_table)"]
    lines += ['.include "forward.s"',
              f'.assert {KEY_CACHE_BYTES} == 2 * KV_LAYER_BYTES, "the key cache\'s size differs from forward.s"']
    if not banked:      # soulplayer.s's window, run a character at a time: out of the cold part, which the general
        lines += [soul_include(soul, "matrices", cold=cold_tensors),      # embed fills, and after the matrices,
                  "        chat_window_routines" * (not chat_cold)]       # whose rows keep their pages' offsets
        if planes_48k:      # (FW_PLANES: after the matrices too, whose planes are 416 bytes fewer than matvec's rows)
            lines.append('.include "planes.s"')
        if fc1_bytes:       # (after planes.s, whose macros and tables it takes; fc1wide.s's call and declined rows)
            lines += ['.include "fc1planes.s"', '.include "fc1wide.s"']
        if nz:
            lines.append("        nz_row_routines     ; (nzmatvec.s's rows, run a row: above UNCONTENDED; its chain in the screen)")
    else:
        if coarse_pairs:        # (after forward.s: here they move neither at_sq_table nor fw_h and fw_xn)
            lines += ["        mv_pairs_routines     ; (matvec.s's coarse pairs' prepare and walks)"] * (not fc1)
            lines += ["        mv_gate_quads_routines     ; (matvec.s's fc1 pass without the low slots' stores)"]
            lines += ["        mv_pair_skip_routines     ; (matvec.s's jr over a sparse call's pair of zero columns)"] * (not nz)
        if nz:
            lines.append("        nz_row_routines     ; (nzmatvec.s's rows and chain: run by layer 1 too, below $C000)")
        if fc1:     # (run by layer 1's fc1, with bank DATA_BANK in; fg_rows_wide for an x fg_tables declines: none on
                    # the benchmarks' prompts)
            lines.append('.include "fc1wide.s"     ; (layer 1\'s fc1 call, and its rows slow and exact where fg_tables '
                         'declines its x)')
        if fc1_l0:      # (MV_COARSE_UNCALLED's room, thirty-second round: kept free below $C000 for code that runs
            # with bank DATA_BANK or EMBED_BANK in, bank 0's tensors and code from $C000 on as before it, never lower)
            # (AT_SQUARES_BY_INDEX: at_sq_index's two upper halves end the room, at PAGED_START - 384 and - 128; the
            # lower half between them, at_sq_index_gap, is room too)
            squares_at = paging.PAGED_START - 384 * (SQUARES_BY_INDEX_OPTION in options)
            if KEPT_MARKED_APART_OPTION in options:     # (AT_KEPT_DIVISION's room before pl_tables' page, thirty-fourth
                lines.append('.include "keptmarked.s"   ; (attention.s\'s marked heads\' dimensions: cold, by jp)')  # round)
            lines += ["room_below_paged:", f"        .res (* < ${squares_at:04X}) * (${squares_at:04X} - *)",
                      "room_below_paged_end:"]
            lines += ["        at_sq_index_table     ; (attention.s's AT_SQUARES_BY_INDEX: seen with any bank in)"] * (
                squares_at < paging.PAGED_START)
        lines += [f'.assert * <= ${paging.PAGED_START:04X}, "layer 1 runs with bank {DATA_BANK} at '
                  f'${paging.PAGED_START:04X}: what it runs, reads and writes but its tensors must lie below"']
        matrices = soul_include(soul, "matrices", leave_out=BANK_TENSORS)
        lines += [matrices] * (not fc1_l0)
        if fc1_l0:      # (layer 0's fc1 rows, then fc1planes.s's bank 0 copy at bank DATA_BANK's addresses; between
            # them matvec.s's coarse pairs' routines, which no call runs with both layers' fc1 and the logits by planes)
            masks = logit_planes.split_masks(soul[CHOOSABLE_ROWS_MATRIX].values) if lg_bank_0 else b""
            half = len(masks) // 2
            lines += fc1_l0_rows_lines(soul, bank, ["        mv_pairs_routines     ; (matvec.s's coarse pairs' prepare "
                                                    "and walks: no coarse call with FW_FC1_PLANES_L0)"] * coarse_pairs
                                       # (out's planes 7..4 before logitplanes.s since the thirty-sixth round: its code
                                       # and variables past bank PLANES_BANK's code at these addresses, where the
                                       # masks' data labels lie, Z80_RULES' data_labels)
                                       + ["lg_masks_top:     ; out's rows' planes 7..4 (lg_split's first half), on the tape"]
                                       * lg_bank_0 + _byte_lines(masks[:half]) + ["lg_masks_top_end:"] * lg_bank_0
                                       + ['.include "logitplanes.s"     ; (LG_BANK_0: run with bank 0 in)',
                                          "lg_code_end:"] * lg_bank_0,
                                       forms=fc1 and fc1_forms)
            # bank 0's tensors (the norms' gains) after the copy (thirty-sixth round, zx128fc1g36): the copy lies at
            # bank DATA_BANK's addresses, where its keys' planes after it leave it the room, and bank 0's room below
            # it is the shorter
            lines.append(matrices)
        # what runs only outside layer 1 (the embedding, argmax): in bank 0 above $C000, out of the room below it
        lines += [f'.include "{name}"' for name in bank_0_files]
        bank_symbols = bank.symbols
        names = tensor_labels(BANK_TENSORS) + list(WORD_LIST_SYMBOLS) * (in_bank and not words_apart)
        lines += [f"{name} = ${bank_symbols[name]:04X}     ; in bank {DATA_BANK}" for name in names]
        lines.append(f'.assert kv_planes + 2 * PL_LAYER_BYTES <= ${paging.PAGED_START + paging.BANK_SIZE:04X}, '
                     f'"the keys\' planes must fit bank {DATA_BANK} after its block"')
        if fc1:
            lines.append(f'.assert kv_planes + 2 * PL_LAYER_BYTES <= ${FC1_PLANES_TABLES:04X}, '
                         f'"fc1planes.s\'s tables (run time) must lie past the keys\' planes in bank {DATA_BANK}"')
        openers = opener_ids(tokenizer, RECORD_OPENERS)
        if lg_bank_0:   # (forward.s's fw_logit_planes, run with bank 0 in: FW_LOGITS_APART, thirty-first round, zxroom31:
            # its 60 bytes below $C000 for fc2's short pieces of x 9..16 and position 1's store of two words a pass)
            lines += ["        fw_logit_planes_routines     ; (FW_LOGITS_APART: run with bank 0 in)"]
        lines += ["records_top", f"record_banks: .byte {', '.join(map(str, RECORD_BANKS))}",
                  "record_openers:     ; the ids whose record the first RUN makes (opener_ids)",
                  f"        .byte {', '.join(str(i) for i in openers + [0])}"]
        if coarse_pairs and fc1 and not fc1_l0:
            # matvec.s's coarse pairs' routines run only in coarse calls: with FW_FC1_PLANES the logits' and layer
            # 0's fc1, both with bank 0 in, so in bank 0 above $C000, out of the room below it (twenty-seventh
            # round, zxfit128: fc1wide.s's room there); past bank EMBED_BANK's code (the profiles name a PC by
            # the label below it, whatever the bank: here the other banks hold data alone)
            lines += [f"        .res (* < ${embed_bank_end(soul):04X}) * (${embed_bank_end(soul):04X} - *)     "
                      f"; (past bank {EMBED_BANK}'s code)" * embed_apart,
                      "        mv_pairs_routines     ; (matvec.s's coarse pairs' prepare and walks: the coarse calls', "
                      "with bank 0 in)"]
        if lg_bank_0:
            lines += ["lg_masks_low:     ; out's rows' planes 0..3 (lg_split's second half), on the tape"]
            lines += _byte_lines(logit_planes.split_masks(soul[CHOOSABLE_ROWS_MATRIX].values)[
                len(logit_planes.split_masks(soul[CHOOSABLE_ROWS_MATRIX].values)) // 2:]) + ["lg_masks_low_end:"]
            lines += ["        lg_best_lower_routine     ; (LG_BEST_LOWER_APART: logitplanes.s's, run with bank 0 in, "
                      "out of bank 0's room before fc1planes.s's copy)"]
        lines += [
                  "record_known = * + ((* & 255) > 256 - FW_VOCAB) * (256 - (* & 255))     "
                  "; which ids have a record (records128.s): in one page, off the tape",
                  f'.assert record_known + FW_VOCAB <= ${FC1_PLANES_L0_TABLES if fc1_l0 else UDG_AREA:04X}, '
                  f'"record_known must lie below the UDG area, and below fc1planes.s\'s tables in bank 0 (FW_FC1_PLANES_L0), '
                  f'which a BASIC program may define"',
                  f'.assert record_known + FW_VOCAB <= ${RN_SWAPPED_SQUARES:04X} && kv_planes + 2 * PL_LAYER_BYTES <= '
                  f'${RN_SWAPPED_SQUARES:04X}, "rmsnorm.s\'s nibble-swapped squares and products\' tables (to '
                  f'${RN_UNIT_PRODUCTS + RN_PRODUCTS_BYTES - 1:04X}) must lie past bank 0\'s program and bank {DATA_BANK}\'s planes"',
                  f'.assert position_one < ${paging.PAGED_START:04X} && record_pieces_end <= ${paging.PAGED_START:04X}, '
                  f'"record_move pages a record\'s bank in: it must lie below it"']
        if embed_apart:
            lines += [f'.assert fw_embed < ${paging.PAGED_START:04X} && zx_page_end <= ${paging.PAGED_START:04X}, '
                      f'"fw_embed pages bank {EMBED_BANK} in: it must lie below it"']
    if in_bank:
        lines.append(f'.assert SP_CHARS + SP_LIST_CHARS <= ${paging.PAGED_START:04X}, '
                     f'"sp_decode writes the list below the bank it pages in"')
    else:
        lines += [words_top, f'.assert sp_words_end == ${TOP:04X} || sp_word_bits_rest == sp_words_low_end, '
                             f'"the word list\'s top part must end at ${TOP - 1:04X}: sp_bits goes on below there"']
    if fast_scores and key_sums is not None:     # (the key sums' room is the layout's to give: checked here)
        lines.append(f'.assert kv_key_sums >= $4000 && (kv_key_sums + 2 * KV_SUMS_LAYER_BYTES <= ${origin:04X} || '
                     f'kv_key_sums >= *) && (kv_key_sums + 2 * KV_SUMS_LAYER_BYTES <= fw_logits || kv_key_sums >= '
                     f'fw_logits + 2 * FW_VOCAB), "the key sums (kv_key_sums) must lie in RAM outside the program and '
                     f'the logits"')
    return "\n".join(lines) + "\n"


def folded_bias(coarse: bool, pairs: bool, banked: bool) -> bool:
    """Whether the player has matvec.s's MV_FOLDED_BIAS (fc1's calls narrow, their biases in their row
    constants alone, out of the layout: soul_layout.FOLDED_BIASES), and soulplayer.s's chat window in the
    cold part in their room: the 48K's with MV_PAIR_SLOTS (twenty-fifth round), which build.py takes only
    for a soul whose calls are narrow (pairs_pay), so that fc1's never runs the full path it gives up."""
    return coarse and pairs and not banked


def _start_in_key_cache(packed_keys: bool = False) -> str:
    """The 48K's key cache with soulplayer.s's start and banner (START_IN_KEY_CACHE) in its last
    START_OVERLAY_BYTES: layer 1's keys of the last START_OVERLAY_POSITIONS positions, which only a turn that reaches
    them writes (the line and the tokenizer's memory lie in layer 0's), so that the tape loads the
    code that runs once where the cache is empty until then. With `packed_keys` (PL_PACKED) the key cache's room
    holds the packed planes 0..11 (kv_planes, PACKED_PLANES_BYTES), the start and banner in their last bytes
    (layer 1's head 3's planes of the last positions, written only by a turn that reaches them), and the room after
    them the program's cold part goes on in."""
    if packed_keys:
        return "\n".join([
            f"kv_planes: .res {PACKED_PLANES_BYTES - START_OVERLAY_BYTES}     ; the packed key planes 0..11 (planekeys48.s)",
            "start_overlay:      ; (run once from here: then the planes')",
            "        player_start",
            "        run_variables_cleared",
            "        jp prompt",
            "        player_banner",
            f'.assert * <= kv_planes + {PACKED_PLANES_BYTES}, "soulplayer.s\'s start and banner must fit the planes\' '
            f'last {START_OVERLAY_BYTES} bytes"',
            f".res kv_planes + {PACKED_PLANES_BYTES} - *",
            f'.assert {PACKED_PLANES_BYTES} == 2 * PL_LAYER_BYTES && start_overlay >= kv_planes + 2 * PL_LAYER_BYTES - '
            'PL_HEAD_BYTES + 2 * PL_KEY_BYTES, "the start\'s overlay must lie past layer 1\'s head 3\'s positions 0 '
            'and 1 (kept from turn to turn)"'])
    return "\n".join([
        f"kv_keys: .res {KEY_CACHE_BYTES - START_OVERLAY_BYTES}     ; forward.s leaves the key cache to the program",
        "start_overlay:      ; (run once from here: then the key cache's)",
        "        player_start",
        "        run_variables_cleared",
        "        jp prompt",
        "        player_banner",
        f'.assert * <= kv_keys + {KEY_CACHE_BYTES}, "soulplayer.s\'s start and banner must fit the key cache\'s '
        f'last {START_OVERLAY_BYTES} bytes"',
        f".res kv_keys + {KEY_CACHE_BYTES} - *",
        f'.assert start_overlay == kv_keys + 2 * KV_LAYER_BYTES - {START_OVERLAY_POSITIONS} * KV_POSITION_BYTES, '
        f'"the start\'s overlay must be layer 1\'s keys of the last {START_OVERLAY_POSITIONS} positions (forward.s\'s layout)"',
        f'.assert TK_SCRATCH + TK_SCRATCH_BYTES <= start_overlay && line_buffer < start_overlay, '
        '"the line and the tokenizer\'s memory must stay below the start\'s overlay: they are layer 0\'s keys, '
        'the overlay layer 1\'s"'])


# The 128K's tape leaves two holes in its main block (thirty-first round, zxtape31): matvec's squares table and bank
# 0's copy of fc1planes.s (FW_FC1_PLANES_L0: bank 4's bytes at the same addresses but its table pages' few). The
# block's last bytes stand in them, the block ends that much sooner, and squaresfirst.s's squares_first, on the tape
# in SQUARES_FIRST_HOME (z: fw_ffn, which fc1 writes before fc2 reads it), moves them back, copies and patches the
# code and makes the table; the tape's start calls it where its first `call rn_swap_squares` stands. The run-time
# layout is the program's, byte for byte (tests/test_zx_squares_first.py).
SQUARES_BYTES = 1023            # squares.s's mv_sq_lo .. mv_sq_hi + 511
# (attention's output and z, forward.s's fw_att and fw_ffn after it: z alone until the thirty-sixth round, whose
# group forms, FG_GROUP_FORMS, give bank 0's copy of fc1planes.s 8 more table pages to patch: 157 bytes, 123 before)
SQUARES_FIRST_HOME = "fw_att"
SQUARES_FIRST_ROOM = 2 * (spec.EMBED_DIM + spec.FFN_DIM)


def tape_holes(program) -> list:
    """(address, bytes) of what the 128K's main block leaves out, in address order."""
    sym = program.symbols
    holes = [(sym["mv_sq_lo"], SQUARES_BYTES)]
    if "FW_FC1_PLANES_L0" in sym:
        holes.append((sym["fg_x"], sym["fg_code_end"] - sym["fg_x"]))
    return sorted(holes)


def tape_moves(program) -> list:
    """(from, to, bytes): the runs past the tape's block end and the hole bytes below it that carry them."""
    holes = tape_holes(program)
    end = program.end - sum(length for _, length in holes)     # (the tape's block's end)
    in_hole = lambda address: any(at <= address < at + length for at, length in holes)  # noqa: E731
    carried = [address for address in range(end, program.end) if not in_hole(address)]
    slots = [address for at, length in holes for address in range(at, min(at + length, end))]
    assert len(slots) == len(carried), "the holes below the block's end hold what lies past it"
    moves = []
    for slot, address in zip(slots, carried):
        if moves and moves[-1][0] + moves[-1][2] == slot and moves[-1][1] + moves[-1][2] == address:
            moves[-1][2] += 1
        else:
            moves.append([slot, address, 1])
    return [tuple(move) for move in moves]


def squares_first(program, data_bank: bytes):
    """squaresfirst.s's squares_first assembled at the program's SQUARES_FIRST_HOME, for its tape (`data_bank`: bank
    DATA_BANK's block, whose fc1planes.s bank 0's copy is made from)."""
    sym = program.symbols
    steps = [f"        sq_move ${source:04X}, ${target:04X}, {length}"
             for source, target, length in tape_moves(program)]
    if "FW_FC1_PLANES_L0" in sym:
        start, end = sym["fg_x"], sym["fg_code_end"]
        bank = data_bank[start - paging.PAGED_START:end - paging.PAGED_START]
        copy = program.data[start - program.origin:end - program.origin]
        steps.append(f"        sq_bank_copy ${start:04X}, ${end:04X}")
        patches = [at for at in range(len(copy)) if copy[at] != bank[at]]
        for value in sorted({copy[at] for at in patches}):     # (each value loaded once: its bytes stored from A)
            steps += [f"        sq_value ${value:02X}"]
            steps += [f"        sq_patch ${start + at:04X}" for at in patches if copy[at] == value]
    names = ("mv_sq_lo", "rn_swap_squares", "start_squares_call", "ZX_PAGING_PORT", "ZX_PAGE_ROM_48", "ZX_DATA_BANK")
    lines = [".cpu z80", *(f"{name} = ${sym[name]:04X}" for name in names),
             "        .macro first_start_steps", *steps, "        .endmacro",
             f".org ${sym[SQUARES_FIRST_HOME]:04X}", '.include "squaresfirst.s"']
    block = _assemble("\n".join(lines) + "\n")
    if isinstance(block, AsmError):
        raise block
    home, tape_end = sym[SQUARES_FIRST_HOME], program.end - sum(length for _, length in tape_holes(program))
    assert sym["fw_ffn"] == sym["fw_att"] + 2 * spec.EMBED_DIM, "attention's output and z: one run"
    assert block.end <= home + SQUARES_FIRST_ROOM, "squares_first must fit attention's output and z"
    assert block.end <= tape_end and not any(at < block.end and home < at + length
                                             for at, length in tape_holes(program)), "squares_first lies in no hole"
    return block


def data_bank_block(banks) -> bytes:
    """Bank DATA_BANK's bytes from $C000 among a build's `banks` (its block's, after the room below it)."""
    (data,) = [bytes(address - paging.PAGED_START) + data for bank, data, address in map(tap.bank_block, banks)
               if bank == DATA_BANK]
    return data


def tape_main_block(program, data_bank: bytes) -> bytes:
    """The 128K's main block as its tape carries it (squares_first above): the program's bytes with the runs past
    the block's end in the holes, squares_first in z, the start's first call its."""
    origin, sym = program.origin, program.symbols
    image = bytearray(program.data)
    for source, target, length in tape_moves(program):
        image[source - origin:source - origin + length] = program.data[target - origin:target - origin + length]
    builder = squares_first(program, data_bank)
    image[builder.origin - origin:builder.end - origin] = builder.data
    call = sym["start_squares_call"] - origin
    assert image[call] == 0xCD and image[call + 1:call + 3] == sym["rn_swap_squares"].to_bytes(2, "little")
    image[call + 1:call + 3] = builder.symbols["squares_first"].to_bytes(2, "little")
    return bytes(image[:len(image) - sum(length for _, length in tape_holes(program))])


def assemble_spectrum_player(soul_path, tokenizer_path, model: str = "48k") -> SpectrumBuild:
    try:
        soul = load_soul(soul_path)
    except (SoulFormatError, OSError) as exc:
        raise BuildError(_naming(f"soul {soul_path}", exc, soul_path)) from None
    try:
        tokenizer = Tokenizer.load(tokenizer_path)
    except (TokenizerError, OSError) as exc:
        raise BuildError(_naming(f"tokenizer {tokenizer_path}", exc, tokenizer_path)) from None
    program = failure = None
    banks = ()
    try:
        program = assemble_player(soul, tokenizer, model=model)
        banks = player_banks(soul, tokenizer, program, model)
    except (AsmError, LayoutError) as exc:
        failure = exc                       # perhaps the word list ran the code past $FFFF
    try:
        if model == "48k" and tokenizer.words and (program is None or program.end > TOP):
            _check_word_list_fits(soul, tokenizer)
    except (AsmError, LayoutError) as exc:
        failure = exc
    if failure is not None:
        raise BuildError(f"assembling the Spectrum player: {failure}") from None
    if program.origin != ORIGINS[model] or program.end > TOP:
        raise BuildError(f"the Spectrum player runs to ${program.end - 1:04X}, past ${TOP - 1:04X} "
                         f"({program.end - TOP} bytes too many)")
    sym = program.symbols
    code = tape_main_block(program, data_bank_block(banks)) if model == "128k" else program.data
    tape = tap.write_tap(TAPE_NAMES[model], code, ORIGINS[model], entry=sym["start"], banks=banks)
    regions = _regions(sym, program.end, banked=bool(banks))
    return SpectrumBuild(program, tape, map_json(program, regions, tokenizer, model, soul), regions, model, banks)


def assemble_player(soul, tokenizer, word_list: bool = True, model: str = "48k"):
    """The player's program; the 48K's word list fills the top of RAM and goes on
    at the cold part's end (player_source), its split found from the program
    without it. The 48K has MV_COARSE and MV_BIAS_IN_K, with the room SOUL_PACKED and
    its layout make for them, where the soul and the list leave that room (the shipped
    ones do), and is built as before the sixteenth round otherwise, without any of them
    (`coarse_fits`); where that fits with room to spare, the seventeenth round's MV_PAIR_SLOTS
    (mv_slots in pairs) and MV_COARSE_TOP (the logits' rows' own end), the pairs first (they
    gain more), and with both the means' division unrolled (AT_DIVIDE_UNROLLED, eighteenth
    round): the shipped soul has room for all three since the eighteenth round's
    RN_UNIT_GAIN_BITS. The pairs only for a soul they pay for (pairs_pay, twenty-second round: the
    engine's activations on a few fixed lines, its calls mostly narrow, as the shipped soul's all are);
    the vectors soul's mostly full calls take the rungs without them (MV_COARSE_TOP and the unrolled
    division, which it has room for since then). Never any of them without MV_COARSE. Since the twentieth round each of those option sets
    is tried first with attention's scores through the squares table (AT_FAST_SCORES, with
    AT_FAST_PREPARE_LOOP and AT_FAST_SMALL for room; its key sums at KEY_SUMS_48K): 3.5% of
    "hello" a position with the slot pairs, more than the pairs' 1.3% (kernels' bench). On the
    fast scores' rung the cuts for room are taken back one by one (FAST_TAKEBACKS_48K, twentieth
    round's zxbytes48), each where it still fits: the shipped 48K takes all of them. Before them, a
    rung with the slot pairs takes MV_PAIR_JPS_KEPT (their jps kept from call to call, twenty-first
    round: ~310 T-states a byte, more than any of the cuts) where it fits: the shipped 48K has it; then, with
    MV_COARSE_TOP, the raw logits' rows (MV_CT_RAW, twenty-second round: raw_rows_take) where they fit: the
    shipped 48K has them too. Forward.s's FW_WIDE_SPARSE (twenty-third round) is one of the take-backs
    (SPENDS_48K, in their order of T-states a byte). Last, te's and pe's marks every 8 rows (vecops.s's
    EM_ROW_MARKS, twenty-fifth round: ~1,450 T-states a position of "hello" for 57 bytes) where the room
    is left: the shipped 48K has them since zxroom48c (fc1's biases folded, MV_FOLDED_BIAS)."""
    if model == "48k":
        rungs = RUNGS_48K if pairs_pay(soul, tokenizer) else tuple(rung for rung in RUNGS_48K if not rung[0])
        # FW_PLANES (twenty-sixth round, zxplanes48: q, k and v by bit planes, ~110,000 T-states a position of
        # "hello" for ~1,200 bytes above UNCONTENDED) the top rung, above the fast scores (~57,000), where planes.s
        # takes the soul's q, k, v and its activations (planes_take, planes_pay)
        with_planes = planes_take(soul) and planes_pay(soul, tokenizer)
        # nzmatvec.s's fc2 (twenty-seventh round, zxsparse48: ~127,000 T-states a position of "hello" for ~220
        # bytes, its chain on the planes' tables) first on the planes' rungs, before the fast scores and every spend
        # The scores by packed key planes (PL_PACKED, thirty-fourth round, zx48wire34: ~41,000 T-states a reply step
        # of "hello" against the squares', in their room and the key cache's) first on the planes' rungs (their
        # tables and the line on planes.s's room in the screen), then the squares', then neither
        ladder = [(planes, nz, packed_keys, fast_scores) for planes in (True,) * with_planes + (False,)
                  for nz in (True, False)[not planes:]
                  for packed_keys, fast_scores in ((True, False), (False, True), (False, False))[
                      not (planes and PACKED_KEYS_48K):]]
        for planes_48k, nz, packed_keys, fast_scores in ladder:
            for pairs, coarse_top, unrolled in planes_rungs(rungs) if planes_48k else rungs:
                rung = dict(coarse_top=coarse_top, pairs=pairs, unrolled=unrolled, fast_scores=fast_scores,
                            planes_48k=planes_48k, nz=nz, packed_keys=packed_keys)
                if coarse_fits(soul, tokenizer, word_list, **rung):
                    if pairs and coarse_fits(soul, tokenizer, word_list, **rung, jps_kept=True):
                        rung["jps_kept"] = True     # (before the cuts taken back: more T-states a byte)
                    # (the raw logits' rows, ~5,700 T-states a reply step, on their own: they move 216 bytes
                    # of code below UNCONTENDED and end the code 166 bytes sooner, where SPENDS_48K only add)
                    if coarse_top and raw_rows_take(soul) and coarse_fits(soul, tokenizer, word_list, **rung,
                                                                          raw_top=True):
                        rung["raw_top"] = True      # (the raw logits' rows: ~5,700 T-states a reply step)
                    if fast_scores or planes_48k:   # (the cuts taken back, FW_WIDE_SPARSE and MV_HZ_ENDS: each
                        rung.update(_spent_48k(spends_that_fit(     # where it still fits, in order; the cuts
                            lambda spends: coarse_fits(soul, tokenizer, word_list, **rung, **_spent_48k(spends)),
                            spends_48k(fast_scores, planes_48k, nz, packed_keys,   # with the fast scores alone)
                                       narrow_mark_out_take(soul)))))
                    if not rung.get("row_marks") and coarse_fits(soul, tokenizer, word_list,
                                                                 **{**rung, "row_marks": True}):
                        rung["row_marks"] = True    # (te's and pe's marks: the room a rung without spends leaves)
                    return _assemble_48k(soul, tokenizer, word_list, **rung)
        return _assemble_48k(soul, tokenizer, word_list, coarse=False, coarse_top=False, pairs=False,
                             unrolled=False)
    # The 128K: its options in order of what they gain per byte below $C000, the first set that
    # assembles (fw_h or fw_xn across a page fails RN_IN_PAGE's assert: the same layout without it,
    # whose inc l's are inc hl's; code past what layer 1 may run fails the bank's asserts).
    # RN_INVERSE_TABLE (nineteenth round, ~2,800 T-states a position) before RN_IN_PAGE (~700), which
    # its 39 bytes before fw_h may put across a page; after RN_UNIT_PRODUCTS. MV_COARSE_PAIRS first
    # with all of them (nineteenth and twentieth rounds: ~0.8% of a position for ~420 bytes below
    # $C000 and 128 in bank 0 above it, which a soul with the general embed fills), then the
    # ladder without it.
    rungs = ((True, True, True), (True, False, True), (True, True, False), (True, False, False),
             (False, True, False), (False, False, False))
    rungs = tuple((True,) + rung for rung in rungs[:1]) + tuple((False,) + rung for rung in rungs)
    # AT_KEPT_MEANS (twentieth round) with the first of them, then the ladder without it.
    rungs = tuple((True,) + rung for rung in rungs[:1]) + tuple((False,) + rung for rung in rungs)
    # Both only where the soul's logits' calls run coarse (coarse_pairs_pay, twenty-second round).
    if not coarse_pairs_pay(soul, tokenizer):
        rungs = tuple(rung for rung in rungs if not rung[1])
    # FW_PLANES (twenty-fifth round, zxplanes128: ~55,000 T-states a reply step for 101 bytes below $C000,
    # its code and matrices in bank PLANES_BANK) with every rung first, where planes.s takes the soul's q, k, v
    # and its activations (planes_pay).
    with_planes = planes_take(soul) and planes_pay(soul, tokenizer)
    rungs = tuple((True,) + rung for rung in rungs) * with_planes + tuple((False,) + rung for rung in rungs)
    # nzmatvec.s's fc2 (twenty-seventh round, zxsparse: ~60,000 T-states a reply step, its once-a-call part's
    # ~560 bytes below $8000, its rows and chain in FW_WIDE_SPARSE's and MV_SPARSE_PAIR_SKIP's room) with every
    # rung first, then every rung without it (a soul whose te and pe lie below $8000 has no room for it there).
    rungs = tuple((True,) + rung for rung in rungs) * NZ_128K + tuple((False,) + rung for rung in rungs)
    # Each rung with the kept means has AT_PAGED_VALUES first (thirty-first round, zxvpage31: ~7,000 T-states a
    # reply step for ~50 bytes below $C000), then the rung without it (a layout whose layer 1 fc1 is matvec's ran
    # 65 bytes past $C000 with it).
    for nz, weight_planes, kept_means, coarse_pairs, unit_products, in_page, inverse_table in rungs:
        for paged_values in (True, False)[not kept_means:]:
            try:
                choice = dict(in_page=in_page, unit_products=unit_products, inverse_table=inverse_table,
                              coarse_pairs=coarse_pairs, kept_means=kept_means, weight_planes=weight_planes, nz=nz,
                              paged_values=paged_values)
                if weight_planes and fc1_planes_take(soul):     # (FW_FC1_PLANES first, then the rung without it;
                    for l0 in (True, False)[not FC1_PLANES_L0:]:  # FW_FC1_PLANES_L0 first where it is on)
                        for nz_short in (True, 8, False)[2 * (not nz or NZ_X_BITS_PLAYERS):]:  # (nzmatvec.s's short
                                        # pieces first: 224 bytes for 1..16, then 164 for 1..8; none by x's bits)
                            for forms in (True, False)[not FC1_GROUP_FORMS:]:     # (FG_GROUP_FORMS first: thirty-sixth
                                try:                                              # round, zx128fc1g36)
                                    return _assemble(player_source(soul, tokenizer, word_list, model, fc1_planes_l0=l0,
                                                                   nz_short=nz_short, fc1_forms=forms, **choice))
                                except (AsmError, LayoutError):
                                    pass
                if nz:
                    try:
                        return _assemble(player_source(soul, tokenizer, word_list, model, fc1_planes=False, **choice))
                    except AsmError:
                        pass
                return _assemble(player_source(soul, tokenizer, word_list, model, fc1_planes=False, nz_short=False,
                                               **choice))
            except AsmError:
                if not paged_values and (nz, weight_planes, kept_means, coarse_pairs, unit_products, in_page,
                                         inverse_table) == rungs[-1]:
                    raise


def spends_that_fit(fits, spends: tuple = SPENDS_48K) -> tuple:
    """Those of `spends` that the 48K's ladder takes: each in order where it still fits with those
    taken before it (`fits`, of a tuple of spends), as trying them one by one does, in fewer
    assemblies (twenty-fifth round: 6 for the shipped soul, not 10): all at once where they fit, else
    the longest first run that fits (found by halves: the run before the first that does not fit),
    then the same past that one; the last two one by one. The same spends as one by one where a set
    that fits fits without any of its spends: each of SPENDS_48K only adds code, above UNCONTENDED or, for
    NZ_SHORT_MADE, in the cold part below it (3 to 368 bytes: docs/spectrum.md, "Twenty-fifth round: the build's time"; tests/test_zx_ladder.py
    checks the choice against the one-by-one search)."""
    taken = ()
    while spends:
        if len(spends) <= 2:        # (one by one: no more assemblies than halves take)
            for spend in spends:
                if fits(taken + (spend,)):
                    taken += (spend,)
            return taken
        if fits(taken + spends):
            return taken + spends
        fitting, failing = 0, len(spends)   # taken + spends[:fitting] fits, taken + spends[:failing] does not
        while failing - fitting > 1:
            middle = (fitting + failing) // 2
            fitting, failing = (middle, failing) if fits(taken + spends[:middle]) else (fitting, middle)
        taken, spends = taken + spends[:fitting], spends[failing:]
    return taken


def _spent_48k(spends: tuple) -> dict:
    """coarse_fits's and _assemble_48k's arguments for SPENDS_48K's `spends`: the fast scores' cuts
    taken back and AT_SKIP_LEADING_ZEROS (fast_takebacks), FW_WIDE_SPARSE (wide_sparse), MV_HZ_ENDS (short_ends),
    EM_ROW_MARKS (row_marks), WP_NARROW_MARK (narrow_mark), WP_NARROW_MARK_OUT (narrow_mark_out) and NZ_SHORT_MADE
    (nz_short_made)."""
    return dict(fast_takebacks=tuple(name for name in spends
                                     if name not in (WIDE_SPARSE_48K, HZ_ENDS_48K, ROW_MARKS_48K, SHORT_MADE_48K)
                                     + NARROW_MARKS_48K),
                wide_sparse=WIDE_SPARSE_48K in spends, short_ends=HZ_ENDS_48K in spends,
                row_marks=ROW_MARKS_48K in spends, narrow_mark=NARROW_MARK_48K in spends,
                narrow_mark_out=NARROW_MARK_OUT_48K in spends, nz_short_made=SHORT_MADE_48K in spends)


def _assemble_48k(soul, tokenizer, word_list: bool, coarse: bool = True, coarse_top: bool = True,
                  pairs: bool = True, unrolled: bool = True, fast_scores: bool = False, fast_takebacks: tuple = (),
                  jps_kept: bool = False, raw_top: bool = False, wide_sparse: bool = False, short_ends: bool = False,
                  row_marks: bool = False, planes_48k: bool = False, nz: bool = False, packed_keys: bool = False,
                  narrow_mark: bool = False, narrow_mark_out: bool = False, nz_short_made: bool = False):
    choice = dict(coarse=coarse, coarse_top=coarse_top, pairs=pairs, unrolled=unrolled, fast_scores=fast_scores,
                  key_sums=KEY_SUMS_48K, fast_takebacks=fast_takebacks, jps_kept=jps_kept, raw_top=raw_top,
                  wide_sparse=wide_sparse, short_ends=short_ends, row_marks=row_marks, planes_48k=planes_48k, nz=nz,
                  packed_keys=packed_keys, narrow_mark=narrow_mark, narrow_mark_out=narrow_mark_out,
                  nz_short_made=nz_short_made)
    top_bytes = TOP
    if tokenizer.words and word_list:
        top_bytes = max(0, TOP - _assemble(player_source(soul, tokenizer, False, **choice)).end)
    return _assemble(player_source(soul, tokenizer, word_list, "48k", top_bytes, **choice))


def coarse_fits(soul, tokenizer, word_list: bool = True, coarse_top: bool = False, pairs: bool = True,
                unrolled: bool = False, fast_scores: bool = False, fast_takebacks: tuple = (),
                jps_kept: bool = False, raw_top: bool = False, wide_sparse: bool = False,
                short_ends: bool = False, row_marks: bool = False, planes_48k: bool = False, nz: bool = False,
                packed_keys: bool = False, narrow_mark: bool = False, narrow_mark_out: bool = False,
                nz_short_made: bool = False) -> bool:
    """Whether the 48K player with MV_COARSE (and MV_COARSE_TOP with `coarse_top`, MV_PAIR_SLOTS
    with `pairs`, MV_PAIR_JPS_KEPT with them and `jps_kept`, AT_DIVIDE_UNROLLED with `unrolled`, AT_FAST_SCORES with `fast_scores`, its key
    sums at KEY_SUMS_48K, and `fast_takebacks` with them; forward.s's FW_WIDE_SPARSE with `wide_sparse`; its layout: vecops.s and the biases below UNCONTENDED too) fits: the
    kernels and matrices below $FFFF and the word list in what they and the cold part leave."""
    try:
        bare = _assemble(player_source(soul, tokenizer, False, coarse_top=coarse_top, pairs=pairs,
                                       unrolled=unrolled, fast_scores=fast_scores, key_sums=KEY_SUMS_48K,
                                       fast_takebacks=fast_takebacks, jps_kept=jps_kept, raw_top=raw_top,
                                       wide_sparse=wide_sparse, short_ends=short_ends, row_marks=row_marks,
                                       planes_48k=planes_48k, nz=nz, packed_keys=packed_keys, narrow_mark=narrow_mark,
                                       narrow_mark_out=narrow_mark_out, nz_short_made=nz_short_made))
    except AsmError as exc:
        if "runs past" in str(exc):     # the code past $FFFF, or the cold part past UNCONTENDED
            return False
        raise
    needed = word_list_bytes(tokenizer, first_shared=True) if tokenizer.words and word_list else 0     # (the 48K's form)
    return bare.end <= TOP and TOP - bare.end + UNCONTENDED - _cold_end(bare.symbols) >= needed


# The last ASSEMBLED_KEPT assemblies (_assemble's), by their source, the kernels' files (names, times and
# sizes) and the folder that includes look in first: the ladder's fit of the set it takes is the bare
# assembly of its build, and a process that builds a player again (the tests) assembles nothing again.
ASSEMBLED_KEPT = 24
_assembled: dict[tuple, Program | AsmError] = {}


def _assemble(source: str):
    kernels = tuple(sorted((entry.name, entry.stat().st_mtime_ns, entry.stat().st_size)
                           for entry in os.scandir(Z80_KERNELS_DIR)))
    key = (source, kernels, os.getcwd())
    made = _assembled.pop(key, None)
    if made is None:
        try:
            made = assemble(source, filename="<soulplayer zx>", include_paths=[str(Z80_KERNELS_DIR)], cpu="z80")
        except AsmError as exc:
            made = exc
        while len(_assembled) >= ASSEMBLED_KEPT:
            del _assembled[next(iter(_assembled))]      # (the least recently used)
    _assembled[key] = made
    if isinstance(made, AsmError):
        raise AsmError(made.diagnostics)
    # (a copy whose tables a caller may change without changing the kept one)
    return replace(made, symbols=dict(made.symbols), line_map=dict(made.line_map), chunks=list(made.chunks),
                   listing_lines=list(made.listing_lines))


def _check_word_list_fits(soul, tokenizer) -> None:
    """A LayoutError naming the word list's bytes and the room it has, when it is
    the list that does not fit below the top of RAM."""
    bare = assemble_player(soul, tokenizer.with_words(tokenizer.words[:1]), word_list=False)   # the code, no list
    needed = word_list_bytes(tokenizer, first_shared=True)     # (the 48K's form)
    free = TOP - bare.end + UNCONTENDED - _cold_end(bare.symbols)     # the top and the cold part's end
    if needed > free:
        raise LayoutError(f"the word list needs {needed:,} bytes and {max(0, free):,} are free "
                          f"in the Spectrum's RAM: train with a smaller --spelling-chars for a shorter list")


def build_spectrum_player(soul_path, tokenizer_path, output_dir,
                          model: str = "48k") -> tuple[Path, Path, SpectrumBuild]:
    built = assemble_spectrum_player(soul_path, tokenizer_path, model)
    out = Path(output_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        tap_path = out / TAP_NAMES[model]
        map_path = tap_path.with_name(tap_path.stem + ZX_MAP_SUFFIX)
        # Both or neither, as the C64 build: a new tape never sits beside an old map.
        write_set_atomic({tap_path: built.tape, map_path: built.map_text.encode()},
                         mode=0o644)        # shipped files: readable by everyone
    except ValueError as exc:               # a NUL byte in the folder's name
        raise BuildError(f"cannot write to {str(out)!r}: {exc}") from None
    except OSError as exc:
        raise BuildError(f"cannot write to {out}: {exc.strerror or exc}") from None
    return tap_path, map_path, built


def map_json(program, regions, tokenizer, model: str = "48k", soul=None) -> str:
    """The map; with SOUL_OUT_CHOOSABLE (the 48K's) it carries the out rows off the tape
    (`lens_rows_apart`: the logit lens's, soul_layout.lens_rows_apart)."""
    sym = program.symbols
    doc = {
        "format": MAP_FORMAT,
        "machine": f"zx-spectrum-{model}",
        "load_address": program.origin,
        "end_address": program.end,
        "symbols": {name: int(value) for name, value in sorted(sym.items())
                    if not name.startswith("tk_text_") and isinstance(value, int)
                    and 0 <= value <= 0xFFFF},      # (as the C64's map: addresses and byte/word constants)
        "lines": _line_map(program.line_map),
        "regions": [r.to_json() for r in regions],
        "attention": {
            "weights": sym["att_weights"],
            "context": sym["ctx_ids"],
            "context_len": sym["ctx_len"],
            "position": sym["fw_pos"],
            "layer": sym["fw_layer_index"],
            "head": sym["fw_head"],
        },
        "vocab": [tokenizer.token_text(i) for i in range(128)],
    }
    if "SOUL_OUT_CHOOSABLE" in sym or "SOUL_OUT_APART" in sym:     # (SOUL_OUT_APART: every row, its planes in bank
        doc["lens_rows_apart"] = lens_rows_apart(soul, spec.VOCAB_SIZE * ("SOUL_OUT_APART" in sym))  # PLANES_BANK)
    return json.dumps(doc, separators=(",", ":")) + "\n"


def _regions(sym: dict, end: int, banked: bool = False) -> list[Region]:
    """The map's regions: the 64K as bank 0 has it (`banked`: the 128K player,
    whose bank holds layer 1's tensors and the word list at $C000, left out)."""
    att_on_tables = sym["fw_att"] == PLANES_TABLES_48K   # (the 48K's FW_PLANES since zxroom48d: attention's output)
    packed = "PL_PACKED" in sym     # (the 48K's packed key planes, zx48wire34: no key cache, no key sums)
    if "SCREEN_THIRD" in sym and "CHAT_TOP_THIRD" in sym:   # (the 48K's FW_PLANES: the chat in lines 0..7)
        window = [Region("screen: bitmap (the chat: lines 0..7)", "screen", 0x4000, PLANES_TABLES_48K),
                  Region("planes.s's tables (in the screen's middle third, hidden: ink = paper; run time only)"
                         + "; their first 64 bytes attention's output between v and the next xn" * att_on_tables
                         + "; all of the third nzmatvec.s's chain while fc2 runs" * (sym.get("nz_chain") == PLANES_TABLES_48K)
                         + (f"; from ${sym.get('pl_tables', 0):04X} pl_prepare's two pages while the heads run, from "
                            f"${sym.get('line_buffer', 0):04X} the typed line and the tokenizer's memory between a turn's "
                            "prompt and its reply") * packed
                         + (f"; from ${WALK_CODE_48K:04X} attention.s's walk, written by each head while the heads "
                            "run") * ("AT_GENERATED_WALK" in sym)
                         + (f"; from ${NORM_PRODUCTS_48K:04X} rmsnorm.s's tables of inv's multiples while an unclamped "
                            "norm runs") * (sym.get("RN_UNIT_PRODUCTS") == NORM_PRODUCTS_48K),
                         "table", PLANES_TABLES_48K + 64 * att_on_tables, SCREEN_THIRD),
                  Region("screen: attributes (the chat)", "screen", 0x5800, MIDDLE_ATTRIBUTES),
                  Region("screen: attributes of the middle and bottom thirds (ink = paper)", "screen",
                         MIDDLE_ATTRIBUTES, 0x5B00)]
    elif "SCREEN_THIRD" in sym:         # (the 48K's since the twentieth round: the chat in lines 0..15)
        window = [Region("screen: bitmap (the chat: lines 0..15)", "screen", 0x4000, SCREEN_THIRD),
                  Region("screen: attributes (the chat)", "screen", 0x5800, THIRD_ATTRIBUTES),
                  Region("screen: attributes of the bottom third (ink = paper)", "screen", THIRD_ATTRIBUTES, 0x5B00)]
    if "SCREEN_THIRD" in sym:
        screen = [*window,
                  Region("KV cache: values of layer 1 (in the screen's bottom third, hidden: ink = paper; "
                         "run time only)", "kv-cache", sym["kv_values_layer_1"], THIRD_KEY_SUMS),
                  *([Region("attention's packed key planes 12..15 (in the screen's bottom third, hidden: run time "
                            "only)", "kv-cache", THIRD_KEY_SUMS, THIRD_FREE)] if sym.get("kv_high_planes") == THIRD_KEY_SUMS
                    else [Region("attention's key sums (in the screen's bottom third, hidden: run time only)", "kv-cache",
                            THIRD_KEY_SUMS, THIRD_FREE),
                     Region("free (the screen's bottom third, hidden: run time only)", "buffer", THIRD_FREE,
                            THIRD_FFN)] if sym.get("kv_key_sums") == THIRD_KEY_SUMS else
                    [Region("free (the screen's bottom third, hidden: run time only; room for attention's key sums)",
                            "buffer", THIRD_KEY_SUMS, THIRD_FFN)]),
                  Region("KV cache: values of layer 0", "kv-cache", sym["kv_values"], sym["kv_values"] + KEY_CACHE_BYTES // 2)]
        screen = [region for region in screen if region.end > region.start]   # (the third's free bytes: none with z there)
    else:
        screen = [Region("screen: bitmap", "screen", 0x4000, 0x5800),
                  Region("screen: attributes", "screen", 0x5800, 0x5B00),
                  Region("KV cache: values", "kv-cache", sym["kv_values"], sym["kv_values"] + KEY_CACHE_BYTES)]
    regions = [
        Region("ROM (soulterm's high-level ROM, font at $3D00)", "code", 0x0000, 0x4000),
        *screen,
        *([Region("system variables", "buffer", 0x5C00, sym["SCRATCH_VARIABLES"]),
           Region("the player's scratch variables (the ROM calculator's MEMBOT: run time only)", "buffer",
                  sym["SCRATCH_VARIABLES"], sym["SCRATCH_VARIABLES"] + sym["SCRATCH_VARIABLES_BYTES"]),
           Region("system variables", "buffer", sym["SCRATCH_VARIABLES"] + sym["SCRATCH_VARIABLES_BYTES"], 0x5CB6)]
          if "SCRATCH_VARIABLES" in sym else [Region("system variables", "buffer", 0x5C00, 0x5CB6)]),
        *([Region("the player's run-time variables (below the program, in BASIC's room: run time only)", "buffer",
                  sym["RUN_VARIABLES"], sym["RUN_VARIABLES"] + sym["RUN_VARIABLES_BYTES"])] if "RUN_VARIABLES" in sym else []),
        Region("tokenizer: alphabet", "tokenizer", sym["tk_alphabet"], sym["tk_alphabet"] + len(spec.ALPHABET)),
        Region("tokenizer: merges", "tokenizer", sym["tk_merges"], sym["tk_merges"] + 2 * sym["tk_merge_count"]),
        Region("matvec variables", "buffer", sym["mv_vars"], sym["mv_sq_lo"]),
        Region("squares (matvec)", "table", sym["mv_sq_lo"], sym["mv_sq_hi"] + 511),
        Region("exp LUT", "table", sym["exp_lut"], sym["exp_lut_end"]),
        Region("attention's packed key planes 0..11 (the keys: no key cache)" if packed else "KV cache: keys", "kv-cache",
               sym["kv_keys"], sym.get("start_overlay", sym["kv_keys"] + KEY_CACHE_BYTES)),
        Region("attention weights", "attention", sym["att_weights"], sym["att_weights"] + 160),
        Region("h (hidden state)", "activations", sym["fw_h"], sym["fw_h"] + 64),
        Region("xn (normalised input)", "activations", sym["fw_xn"], sym["fw_xn"] + 64),
        Region("q", "activations", sym["fw_q"], sym["fw_q"] + 64),
        Region("attention output" + " (on planes.s's first table page, hidden: run time only, between v and the "
               "next xn)" * att_on_tables, "activations", sym["fw_att"], sym["fw_att"] + 64),
        Region("z (feed-forward)" + " (in the screen's bottom third, hidden: run time only)" * (sym["fw_ffn"] == THIRD_FFN),
               "activations", sym["fw_ffn"], sym["fw_ffn"] + 128),
        Region("logits (in the printer buffer)" if sym["fw_logits"] == 0x5B00 else "logits (in bank 0)", "activations",
               sym["fw_logits"], sym["fw_logits"] + 256),
        Region("layer descriptors", "table", sym["soul_layer0"], sym["soul_layer0"] + spec.N_LAYERS * sym["FD_SIZE"]),
    ]
    if "start_overlay" in sym and packed:   # (the 48K's START_IN_KEY_CACHE with the packed planes)
        regions.append(Region("attention's packed key planes, layer 1's head 3's last positions (the start and banner "
                              "until a turn reaches them: run once)", "kv-cache", sym["start_overlay"],
                              sym["kv_planes"] + PACKED_PLANES_BYTES))
    elif "start_overlay" in sym:        # (the 48K's: START_IN_KEY_CACHE)
        regions.append(Region(f"KV cache: keys, its last {START_OVERLAY_POSITIONS} positions of layer 1 (the start and banner "
                              "until a turn reaches them: run once)", "kv-cache", sym["start_overlay"],
                              sym["kv_keys"] + KEY_CACHE_BYTES))
    tensors: dict[int, list] = {}       # a start -> [its names, kind, end]: equal gains share one (SOUL_PACKED)
    for tensor in spec.TENSORS:
        if banked and tensor.name.startswith(BANK_TENSORS):
            continue
        if "EMBED_BANK" in sym and tensor.name in EMBEDDINGS:     # (in bank EMBED_BANK: the build lists it)
            continue
        if "SOUL_QKV_APART" in sym and tensor.name in QKV_MATRICES:     # (their planes in bank PLANES_BANK alone)
            continue
        if tensor.name in APART_128K and APART_128K[tensor.name][0] in sym:     # (out's planes in bank PLANES_BANK
            continue                                                             # alone; layer 0's fc1 rows: below)
        label = "soul_" + tensor.name.replace(".", "_")
        if label not in sym:            # (fc1's biases, with MV_FOLDED_BIAS: in fc1's row constants alone)
            continue
        kind = "bias" if tensor.kind == spec.KIND_BIAS else "weights"
        size = tensor.payload_bytes     # a matrix for matvec: each row's constant too (soul_layout.matvec_bytes)
        if is_matvec_matrix(tensor.name):
            size = matvec_size(tensor.rows, tensor.cols)
        stop = sym.get(label + "_end", sym[label] + size)       # (a packed table ends at its label)
        start = sym.get(label + "_start", sym[label])           # (SOUL_OUT_CHOOSABLE's out: from row 3)
        tensors.setdefault(start, [[], kind, stop])[0].append(tensor.name)
    for start, (names, kind, stop) in tensors.items():
        name = names[0] + (f" (also {', '.join(names[1:])}: equal gains)" if names[1:] else "")
        if names == [CHOOSABLE_ROWS_MATRIX] and "soul_out_start" in sym:
            name += f" (rows {spec.FIRST_CHOOSABLE}..127: rows 0..{spec.FIRST_CHOOSABLE - 1}, never chosen, in the map for the lens)"
        regions.append(Region(name, kind, start, stop))
    if "FW_FC1_PLANES_L0" in sym:   # (twenty-eighth round: layer 0's fc1 by fc1planes.s's copy in bank 0)
        regions.append(Region("l0.fc1_w and l0.fc1_b (fc1planes.s's rows: fc1_planes.gate_bytes)", "weights",
                              sym["soul_l0_fc1_w"], sym["soul_l0_fc1_w_end"]))
        rows_end = sym["soul_l0_fc1_w_end"]
        if "LG_BANK_0" in sym:      # (zxqkv128c: out's planes 7..4, then logitplanes.s's code since zx128fc1g36; 0..3
            rows_end = sym["lg_code_end"]       # past the records)
            regions += [Region("logitplanes.s (LG_BANK_0: the logits' argmax by out's planes, in bank 0)", "code",
                               sym["lg_x"], sym["lg_code_end"]),
                        Region("out's planes 7..4 (lg_split's first half: logitplanes.s's lg_top)", "weights",
                               sym["lg_masks_top"], sym["lg_masks_top_end"]),
                        Region("out's planes 0..3 (lg_split's second half: logitplanes.s's lg_low)", "weights",
                               sym["lg_masks_low"], sym["lg_masks_low_end"])]
            if "LG_BEST_LOWER_APART" in sym:    # (thirty-fourth round, zxlogit34: past out's planes 0..3)
                regions.append(Region("logitplanes.s's lg_best_lower (LG_BEST_LOWER_APART: the first list's bound, "
                                      "in bank 0)", "code", sym["lg_masks_low_end"], sym["lg_best_lower_end"]))
        if "mv_pairs_prepare" not in sym and rows_end < sym["fg_x"]:   # (zxqkv128b: no coarse pairs)
            regions.append(Region("free (bank 0: past layer 0's fc1 rows" + ", out's planes 7..4 and logitplanes.s"
                                  * ("LG_BANK_0" in sym) + f", before fc1planes.s's copy at bank {DATA_BANK}'s addresses)",
                                  "buffer", rows_end, sym["fg_x"]))
    if sym.get("room_below_paged_end", 0) > sym.get("room_below_paged", 0):    # (MV_COARSE_UNCALLED's room)
        regions.append(Region(f"free (below ${paging.PAGED_START:04X}: room for code that runs with bank {DATA_BANK} "
                              f"or {EMBED_BANK} in; bank 0's tensors from ${paging.PAGED_START:04X})", "buffer",
                              sym["room_below_paged"], sym["room_below_paged_end"]))
    if "at_sq_index" in sym and "AT_SQ_INDEX_APART" in sym:    # (attention.s's AT_SQUARES_BY_INDEX: its upper halves)
        regions += [Region("S(exp_lut[d]), low bytes (attention's at_short_weights, by the weight's index)", "table",
                           sym["at_sq_index"], sym["at_sq_index_gap"]),
                    Region(f"free (below ${paging.PAGED_START:04X}: at_sq_index's gap, a page's lower half)", "buffer",
                           sym["at_sq_index_gap"], sym["at_sq_index_high"]),
                    Region("S(exp_lut[d]), high bytes (attention's at_short_weights, by the weight's index)", "table",
                           sym["at_sq_index_high"], sym["at_sq_index_high"] + 128)]
    if "rn_roots" in sym:       # (rmsnorm.s's RN_INVERSE_TABLE: seen with any bank in)
        regions.append(Region("inverses and roots (rmsnorm's, by the mean: build.rn_table_lines)", "table",
                              sym["rn_inverses"], sym["rn_roots_end"]))
    if "kv_kept_sums" in sym:   # (attention.s's AT_KEPT_MEANS)
        regions.append(Region("kept sums of S(v) (attention's means, a layer's dimensions: forward.s's kv_kept_sums)",
                              "kv-cache", sym["kv_kept_sums"], sym["kv_kept_sums"] + KEPT_SUMS_BYTES))
        regions.append(Region("position 0's kept sums (a turn's position 1 starts from them: forward.s's kv_values_kept)",
                              "kv-cache", sym["kv_kept_first"], sym["kv_kept_first"] + KEPT_SUMS_BYTES))
    cold_end = _cold_end(sym)
    if cold_end < sym["mv_vars"]:
        regions.append(Region(f"free (the cold part's end, below ${UNCONTENDED:04X})", "buffer", cold_end, sym["mv_vars"]))
    if not banked and sym["sp_words_end"] > sym["sp_words"]:
        regions.append(Region("word list (spelling rule)", "tokenizer", sym["sp_words"], sym["sp_words_end"]))
    if not banked and sym["sp_words_low_end"] > sym["sp_words_low"]:
        regions.append(Region("word list: its characters' ids and last bits", "tokenizer",
                              sym["sp_words_low"], sym["sp_words_low_end"]))
    # What lies between the tables and buffers is code: the program and tokenizer below
    # UNCONTENDED (with the bytes the cold part leaves before it), the kernels above.
    origin = ORIGINS["128k" if banked else "48k"]
    position = origin
    for region in sorted((r for r in regions if r.start < end), key=lambda r: r.start) + [Region("", "", end, end)]:
        if region.start > position and position >= origin:
            name = "program and tokenizer" if position < UNCONTENDED else "kernels"
            regions.append(Region(name, "code", position, region.start))
        position = max(position, region.end)
    if banked:      # past the program's end: off the tape, cleared by the first RUN
        regions.append(Region("position 1's records: which ids have one (records128.s; the records "
                              f"in banks {', '.join(map(str, RECORD_BANKS))})", "kv-cache", sym["record_known"],
                              sym["record_known"] + spec.VOCAB_SIZE))
        if "FW_FC1_PLANES_L0" in sym:       # run time only, made by each of layer 0's fc1 calls
            regions.append(Region("fc1planes.s's tables in bank 0 (layer 0's fc1: FW_FC1_PLANES_L0, run time only)"
                                  + "; logitplanes.s's tables, sums and list from layer 0's fc2 to the next fc1 (LG_BANK_0)"
                                  * ("LG_BANK_0" in sym),
                                  "table", FC1_PLANES_L0_TABLES, FC1_PLANES_L0_TABLES + FC1_PLANES_L0_TABLE_BYTES))
        if "RN_SWAPPED_SQUARES" in sym:     # off the tape too, made by the start in bank 0 and the data bank
            regions.append(Region(f"squares by swapped nibbles (rmsnorm; banks 0 and {DATA_BANK}, made at the start)",
                                  "table", sym["RN_SWAPPED_SQUARES"], sym["RN_SWAPPED_SQUARES"] + RN_SWAPPED_BYTES))
        if "RN_UNIT_PRODUCTS" in sym:       # made by each unclamped norm in the bank it runs with
            regions.append(Region("inv's multiples (rmsnorm's unit products; each unclamped norm's, in bank 0 or "
                                  f"{DATA_BANK})", "table", sym["RN_UNIT_PRODUCTS"], sym["RN_UNIT_PRODUCTS"] + RN_PRODUCTS_BYTES))
        position = end      # what no run-time table takes past the program's end is free (the map's room at the top)
        for region in sorted((r for r in regions if r.end > end), key=lambda r: r.start) + [Region("", "", 0x10000, 0x10000)]:
            if region.start > position:
                regions.append(Region("free (past the program's end)", "buffer", position, region.start))
            position = max(position, region.end)
    return sorted(regions, key=lambda r: r.start)
