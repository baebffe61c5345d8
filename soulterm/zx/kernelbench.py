"""A bare-Z80 test bench for the Z80 kernels (kernels/z80/): the `z80` package's core, flat 64K RAM.

`Z80Bench` assembles the kernel sources at CODE_ORIGIN, and calls one
routine at a time: it pushes the address of a trap (a breakpoint) as the
return address, runs until the routine's RET lands there, and reports the
exact number of T-states the call took, CALL included (17 T-states, as if
a program had called it). Inputs and outputs are plain memory.
"""

from __future__ import annotations

import collections

import numpy as np
import z80

from soulterm.asm import assemble
from soulterm.paths import KERNELS_DIR

from . import paging
from .tap import bank_block

Z80_KERNELS_DIR = KERNELS_DIR / "z80"
# (matvec_ends.s: the part of matvec.s's row ends that lies after attention.s's page-aligned table)
KERNEL_FILES = ("squares.s", "arith.s", "matvec.s", "rmsnorm.s", "vecops.s", "attention.s", "matvec_ends.s",
                "tokenizer.s")
CODE_ORIGIN = 0x6000
TRAP_ADDRESS = 0xFFF0
STACK_TOP = 0xFFE0
CALL_T_STATES = 17
STACK_ROOM = 64                  # the most the kernels push below the stack's top (forward_step: ~40 bytes)
LOW_SLOTS_OPTION = "MV_LOW_SLOTS = 1"   # matvec.s's low slots (the 128K player's room)
SPARSE_OPTION = "MV_SPARSE = 1"         # matvec.s's sparse calls (a zero column skips its slot)
FAST_SCORES = "AT_FAST_SCORES = 1"     # attention.s's scores through the squares table (the 128K player's)
# on the bench, the key cache and each key's sums (640 bytes) below its code, which the option's
# code would otherwise push past $FFFF (with the low slots)
FAST_SCORES_OPTION = FAST_SCORES + "\nkv_keys = $4000\nkv_key_sums = $4A00"
WEIGHT_PLANES_OPTION = "FW_PLANES = 1"   # forward.s's q, k, v by planes.s (the 128K player's, twenty-fifth round)
# the 48K's FW_PLANES (twenty-sixth round, zxplanes48): q, k and v in plane_bytes' layout alone (soul_layout's
# SOUL_QKV_PLANES; planes.s's slow exact rows, wp_rows_wide, take the xn that wp_tables declines); its rows
# without narrow classes (no room for their lists: WP_NO_CLASSES, twenty-eighth round, zxplanes28: no dispatch a row);
# its chain shifting the output's low byte in A (WP_CHAIN_A, the 128K's since zxrows31, the 48K's since the thirty-seventh
# round, zx48rows37: 4 T-states a bit of shift above 4 a row fewer and 14 bytes fewer)
WEIGHT_PLANES_48K_OPTION = "SOUL_QKV_PLANES = 1\nSOUL_OUT_PLANES = 1\nWP_NO_CLASSES = 1\nWP_CHAIN_A = 1"
# planes.s's narrow q, k and v rows by a mark in their plane 6 bytes (thirty-fifth round, zx48rows35), with the above
NARROW_MARK_OPTION = "WP_NARROW_MARK = 1"
NARROW_MARK_OUT_OPTION = "WP_NARROW_MARK_OUT = 1"     # (and out's rows for wp_tops, with it)
# planes.s's narrow q, k and v rows by their class bits before each matrix, without plane 6 bytes (thirty-sixth round,
# zx48narrow36: the 48K player's on its planes' rungs, in place of WP_NARROW_MARK)
NARROW_BITS_OPTION = "WP_NARROW_BITS = 1"
PLANE_SCORES = "AT_PLANE_SCORES = 1"   # attention.s's scores by bit planes (instead of AT_FAST_SCORES)
# on the bench, the key cache below its code and the planes (3,840 bytes) below it (a head alone: HEAD_PLANES)
PLANE_SCORES_OPTION = PLANE_SCORES + "\nkv_keys = $4000\nkv_planes = $3000"
COARSE_OPTION = "MV_COARSE = 1"         # matvec.s's coarse calls and forward.s's logits bound
RUNNER_UP_OPTION = "AM_RUNNER_UP = 1"   # argmax's runner-up: fw_logits_bound skips its scan (with MV_COARSE: both players')
COARSE_TOP_OPTION = "MV_COARSE_TOP = 1"  # the logits' coarse rows end in mv_coarse_top (the 48K's, seventeenth round)
# on the bench, the 48K's caches below its code and the code from $5C00 (the logits take
# $5B00-$5BFF): with MV_COARSE its kernels and soul would otherwise run past $FFFF
COARSE_48K_BENCH_PLACES = "kv_keys = $4000\nkv_values = $4A00\n.org $5C00"
PAIR_SLOTS_OPTION = "MV_PAIR_SLOTS = 1"   # mv_slots' pairs, one jp over a narrow pair's high pieces (the 48K's)
# (with MV_SPARSE) a sparse second part's pairs from its first part's, not undone (the 48K's since the nineteenth round)
PAIR_REWALK_OPTION = "MV_PAIR_REWALK = 1"
# mv_slots' jps over a one-piece pair's high pieces kept from call to call: a narrow column pass
# leaves a one-piece column's slot as it is (the 48K's since the twenty-first round, where it fits)
PAIR_JPS_KEPT_OPTION = "MV_PAIR_JPS_KEPT = 1"
# (with MV_LOW_SLOTS and MV_COARSE) the logits' column pass writes no slot: mv_exact_row's pass checks the
# main slots' jps (the 128K's since the twenty-first round, with MV_COARSE_PAIRS's rung: build.py)
RAW_PASS_OPTION = "MV_RAW_PASS = 1"
# (with MV_RAW_PASS) fc1's gated column pass through quads without their stores, matvec.s's
# mv_gate_quads_routines where the source expands them (the 128K's since the twenty-second round, with
# MV_COARSE_PAIRS's rung: build.py; GATE_QUADS_BENCH on the kernels' bench)
GATE_QUADS_OPTION = "MV_GATE_QUADS = 1"
GATE_QUADS_BENCH = "\n        mv_gate_quads_routines"
# (with AM_RUNNER_UP) argmax in rounds of two with the runner-up's limit (the 128K's since the twenty-second
# round, with MV_COARSE_PAIRS's rung, whose bank 0 has its 21 bytes: build.py)
ARGMAX_ROUNDS_OPTION = "AM_ROUNDS = 1"
WIDE_SPARSE_OPTION = "FW_WIDE_SPARSE = 1"    # forward.s: layer 1's fc2 sparse past a few wide columns (twenty-second round)
# (with MV_SPARSE and MV_LOW_SLOTS) a sparse call's pair of zero columns skipped by one jr, matvec.s's
# mv_pair_skip_routines where the source expands them (the 128K player's since the twenty-third round, with
# MV_COARSE_PAIRS's rung: build.py; PAIR_SKIP_BENCH on the kernels' bench)
PAIR_SKIP_OPTION = "MV_SPARSE_PAIR_SKIP = 1"
PAIR_SKIP_BENCH = "\n        mv_pair_skip_routines"
# nzmatvec.s's matvec_nz: fc2 by its nonzero inputs only (twenty-seventh round, zxsparse); on the kernels'
# bench the source includes the file (NZ_BENCH); a player takes it with NZ_OPTION
NZ_OPTION = "MV_NZ = 1"
# nzmatvec.s's short pieces for a column of x 1 or 2 (the 128K's, thirtieth round: 44 and 60 T-states a row, not 136)
NZ_SHORT_PIECES_OPTION = "NZ_SHORT_PIECES = 1"
# nzmatvec.s's scan in the other register set, the rows' pointers worked out after it (the 128K's, thirty-fourth
# round: no pushes and pops a nonzero column; the 48K's shared code and tape unchanged)
NZ_SCAN_IN_ALT_SET_OPTION = "NZ_SCAN_IN_ALT_SET = 1"
# and its steps inc l where x lies in one page (the 128K's, thirty-fourth round: 4 T-states a column of x fewer)
NZ_SCAN_IN_PAGE_OPTION = "NZ_SCAN_IN_PAGE = 1"
# and, without the scan in the other set, the second part's first row by the bits of mv_rows alone (the 48K's,
# thirty-fourth round, zx48spend34: 6 bytes in its cold part for 460 T-states a call of 32 rows; implied by
# NZ_SCAN_IN_ALT_SET)
NZ_ROWS_BY_BITS_OPTION = "NZ_ROWS_BY_BITS = 1"
# fc1planes.s's rows by group form (the 128K's, thirty-fifth round, zxfc1g35): a row's groups one class narrower read
# plane 7 one plane lower beside T[W] (fc1_planes.row_form; fc1wide.s's fg_rows_wide through fg_wide_form)
FC1_GROUP_FORMS_OPTION = "FG_GROUP_FORMS = 1"
# nzmatvec.s's short pieces made from l's bits, no templates (the 48K's spend, thirty-fifth round, zx48ffn35: x of
# 1..14, 46 bytes in its cold part)
NZ_SHORT_MADE_OPTION = "NZ_SHORT_MADE = 1"
NZ_SHORT_EIGHT_OPTION = "NZ_SHORT_EIGHT = 1       ; (nzmatvec.s's short pieces for x of 1..8 only: 60 bytes fewer)"
# nzmatvec.s's rows by x's bits, Horner's way (both players', thirty-seventh round, zxfc2_37: a unit `ld e,(ix+j) /
# add hl,de [/ adc a,b]` a set bit of x, a doubling a level; in place of the pieces and every NZ_ option above)
NZ_X_BITS_OPTION = "NZ_X_BITS = 1"
NZ_X_BITS_PLAYERS = True    # (player_kernel_options' default: both players' form)
NZ_BENCH = '\n.include "nzmatvec.s"\n        nz_prepare_routines\n        nz_row_routines'
# matvec.s's 2-byte row constants for the matrices whose constants' top byte is $FF (the 48K's with
# MV_BIAS_IN_K, twenty-third round: soul_layout.short_constants; the descriptors' shift byte says which)
SHORT_K_OPTION = "MV_SHORT_K = 1"
# matvec.s's short row ends for mv_slots' narrow rows with no wide column (the 48K's with MV_BIAS_IN_K where
# it has the room, twenty-fourth round: the 128K's mv_hz_* in mv_slots' H:L:A form; build.py's SPENDS_48K)
HZ_ENDS_OPTION = "MV_HZ_ENDS = 1"
GATE_SHORT_OPTION = "MV_GATE_SHORT = 1"   # (the 48K's fc1 gate as the coarse slots' end, thirty-second round)
# matvec.s's calls with their bias in their row constants alone, run narrow (the 48K's with MV_BIAS_IN_K and
# MV_PAIR_SLOTS, twenty-fifth round: fc1's biases left out of the layout, soul_layout.FOLDED_BIASES)
FOLDED_BIAS_OPTION = "MV_FOLDED_BIAS = 1"
# vecops.s's em_unpack from a mark every 8 rows of te and pe (the 48K's ladder's last rung, where its spends leave
# the room: twenty-fifth round; soul_layout.PACK_KEPT_MARK_ROWS)
ROW_MARKS_OPTION = "EM_ROW_MARKS = 1"
# em_unpack's rows in two parts, their codes' top 4 bits as nibbles and a stream of their w - 4 low bits read by a chain
# of steps entered at 8 - w (vecops.s's EM_NIBBLES, thirty-seventh round, zx48embnorm37, in the place of the thirty-fifth
# round's EM_BIT_CHAIN, a chain of all w bits: ~115 T-states a 5-bit value for its ~151 and ~186 without; a spend of the
# 48K's ladder, build.py's NIBBLES_48K; soul_layout.packed_rows with nibbles)
NIBBLES = "EM_NIBBLES"
NIBBLES_OPTION = f"{NIBBLES} = 1"
# matvec.s's narrow mode only for a call whose wide columns have h +-1, their high pieces mv_hz_wide's forms, no
# walk (MV_WIDE_PM1, thirty-seventh round, zx48proj37: the 48K's with fc1 by planes.s's tables, build.FC1_BYTES_OPTIONS,
# where no folded or coarse call is left; with MV_COARSE_UNCALLED and without MV_SPARSE on the kernels' bench)
WIDE_PM1_OPTION = "MV_WIDE_PM1 = 1"
CT_RAW_OPTION = "MV_CT_RAW = 1"     # the 48K's logits' rows raw through mv_coarse_top (logitsraw.s's bound)
NARROW_JUMP_OPTION = "MV_NARROW_JUMP = 1"   # matvec.s's narrow row start jumps past the wide walk (14 bytes)
BIAS_IN_K_OPTION = "MV_BIAS_IN_K = 1"     # matvec.s's row constants hold the bias (soul_layout.matvec_bytes)
CLAMPED_UNIT_OPTION = "RN_CLAMPED_UNIT = 1"   # rmsnorm.s's clamped inverse without a product (both players')
SHORT_SHIFTS = 2
SHORT_SHIFTS_OPTION = f"RN_SHORT_SHIFTS = {SHORT_SHIFTS}"   # ... with 2 unrolled shifts, not 15 (the 48K player's: a narrowed soul's 2)
FAST_SQUARES_OPTION = "RN_FAST_SQUARES = 1"   # rmsnorm.s's squares from AT_FAST_MEANS's table (the 128K player's)
EMBED_BY_SP_OPTION = "EM_ROWS_BY_SP = 1"   # embedrows.s's words pushed with SP (both players' since the nineteenth round)
FAST_MEANS = "AT_FAST_MEANS = 1"   # attention.s's means through a squares table of its own (needs AT_FAST_SCORES)
# on the bench, the value cache below its code too, after the key sums: the means' table (1 KB, page
# aligned) would otherwise push the 128K's kernels and soul past $FFFF; and the code from
# FAST_MEANS_ORIGIN (the value cache ends at $5680, the logits take $5900-$59FF: the player's
# $5B00 two pages lower, so that the code may start after them), a whole number of pages below
# CODE_ORIGIN so that every page-aligned table keeps its padding: the 128K's forward pass ran
# to within 49 bytes of the stack's room from CODE_ORIGIN, and its code before attention.s's
# squares to within 15 bytes of their page from $5C00 (seventeenth round, zxtrimA); from $5B00
# past the stack's room by 18 bytes with matvec_ends.s (eighteenth round, zxends2)
FAST_MEANS_ORIGIN = 0x5A00
FAST_MEANS_OPTION = FAST_MEANS + f"\nkv_values = $4C80\nfw_logits = $5900\n.org ${FAST_MEANS_ORIGIN:04X}"
# attention.s's means with each dimension's sum of S(v) kept as v enters the cache (the 128K's
# since the twentieth round, of S(vl) before the twenty-ninth; build.py's first rungs; the 48K's
# form, AT_KEPT_TABLE, keeps S(vl)): on the bench the kept sums after the value
# cache, position 0's after AT_PLANE_SCORES's planes
KEPT_MEANS = "AT_KEPT_MEANS = 1"
KEPT_MEANS_OPTION = KEPT_MEANS + "\nkv_kept_first = $3F00\nkv_kept_sums = $5700"
# the 128K's kernels on the bench with it: the code a page lower (its ~350 bytes more ran the forward
# pass past the stack's room), the logits a page lower too, and the stack below them, in the STACK_ROOM
# bytes after the kept sums (BENCH_STACK_TOP, which Z80Bench takes: twenty-ninth round, zxatt128c's
# kept walk ran the forward pass from $5900 to $FFB9, into the room below STACK_TOP)
FAST_MEANS_KEPT_STACK_TOP = 0x5800
# The return trap there too (BENCH_TRAP, which Z80Bench takes), in the 128 bytes between the value cache's end ($5680)
# and the kept sums: the forward pass ran from $5900 past TRAP_ADDRESS to $FFFE with position 1's store of two words a
# pass (thirty-first round, zxroom31)
FAST_MEANS_KEPT_TRAP = 0x56F0
FAST_MEANS_KEPT_OPTION = (FAST_MEANS + f"\nkv_values = $4C80\nfw_logits = ${FAST_MEANS_KEPT_STACK_TOP:04X}\n"
                          + f"BENCH_STACK_TOP = ${FAST_MEANS_KEPT_STACK_TOP:04X}\nBENCH_TRAP = ${FAST_MEANS_KEPT_TRAP:04X}\n"
                          + f".org ${FAST_MEANS_ORIGIN - 0x100:04X}\n"
                          + KEPT_MEANS_OPTION)
# attention.s's means with their narrow products through matvec's squares table and their own
# division (the 48K player's: docs/spectrum.md, "Fifteenth round: the 48K's means")
TABLE_MEANS_OPTION = "AT_TABLE_MEANS = 1"
SHORT_EXP_OPTION = "AT_SHORT_EXP = 1"   # attention.s's exp table without its run of 1s (the 48K's, for room)
# attention.s's at_fast_prepare in a loop, not unrolled (the 48K's fast scores, for room: twentieth round)
FAST_PREPARE_LOOP_OPTION = "AT_FAST_PREPARE_LOOP = 1"
# ... and its smaller forms: jr nc for jp nc (the dims, at_key_sums), max f kept in at_max (the keys loop)
FAST_SMALL_OPTION = "AT_FAST_SMALL = 1"
# ... each of which one option takes back (attention.s): H4 patched by at_dims_h4 for a full head
# (not in the pieces' loop), q's range by at_fast_wide_q for a head whose pieces are not narrow,
# the dims' and at_key_sums's carry tests a jp, max f patched into the keys' loop's compare, the
# pieces' loop two pieces a pass, and at_key_sums's loop two dimensions a pass (twenty-second round)
FAST_TAKEBACK_OPTIONS = ("AT_FAST_H4_APART", "AT_FAST_RANGE_APART", "AT_FAST_DIMS_JP", "AT_FAST_SUMS_JP",
                         "AT_FAST_MAX_PATCHED", "AT_FAST_PIECE_PAIRS", "AT_FAST_SUMS_PAIRS")
# attention.s's table means from each head's first nonzero weight on (AT_SKIP_LEADING_ZEROS, thirty-second round,
# zx48att32: the walk's leading 0s left out once a head): a spend of the 48K's ladder with those take-backs
SKIP_LEADING_ZEROS = "AT_SKIP_LEADING_ZEROS"
# attention.s's table means over a dimension-major value cache, its positions in order (AT_TABLE_BY_DIMENSION,
# thirty-fifth round, zx48kept35: no stride a position-dimension): a spend of the 48K's ladder on the packed key
# planes' rungs (PL_PACKED: no key cache's stride), as AT_SKIP_LEADING_ZEROS
TABLE_BY_DIMENSION = "AT_TABLE_BY_DIMENSION"
# and its store of a position by SP's pops (forward.s's kv_values_scatter, KV_SCATTER_POPS, thirty-fifth round,
# zx48room35: the 128K's form, in place of ldi's): with AT_TABLE_BY_DIMENSION alone
SCATTER_POPS = "KV_SCATTER_POPS"
# the logits' tops on one-byte tables (logitbytes48.s in wp_tops' place and planes_wide.s's fw_out_bytes, WP_TOPS_BYTES,
# thirty-sixth round, zx48logit36): a spend of the 48K's ladder on the planes' rungs; out's rows unmarked with it
TOPS_BYTES = "WP_TOPS_BYTES"
# the table means' narrow division in line by non-restoring P and N chains (attention.s's AT_MEANS_CHAINS, thirty-seventh
# round, zx48room37: the 128K's AT_FAST_DIVISION form): a spend of the 48K's ladder on the planes' rungs
MEANS_CHAINS = "AT_MEANS_CHAINS"
# R's start in group 3's table on the byte tables (planes.s's WP_LOW_START_IN_TABLE, the 128K's since zxrows33; the 48K's
# thirty-eighth round, zx48lowstart38): a spend of the 48K's ladder on the planes' rungs, with WP_TOPS_BYTES (wp_tops would
# read the biased table)
LOW_START = "WP_LOW_START_IN_TABLE"
# the table means' walk written once a head as straight code in a page (attention.s's AT_GENERATED_WALK, thirty-ninth
# round, zx48genwalk39; its page at_walk_code, build.WALK_CODE_48K): a spend of the 48K's ladder on the packed key
# planes' rungs, with AT_TABLE_BY_DIMENSION
GENERATED_WALK = "AT_GENERATED_WALK"
# the spends the planes' scores take among fast_takebacks (without AT_FAST_SCORES' cuts)
PLANES_TAKEBACKS = (SKIP_LEADING_ZEROS, TABLE_BY_DIMENSION, SCATTER_POPS, NIBBLES, TOPS_BYTES, MEANS_CHAINS, LOW_START,
                    GENERATED_WALK)
# te and pe in packed rows (vecops.s's em_unpack) and equal gains stored once (soul_layout.soul_include):
# the 48K's, for room (docs/spectrum.md, "Sixteenth round")
SOUL_PACKED_OPTION = "SOUL_PACKED = 1"


def player_kernel_options(model: str = "48k", sparse: bool = True, fast_scores: bool | None = None,
                          coarse: bool | None = None, bench: bool = True, narrow_jump: bool | None = None,
                          clamped_unit: bool | None = None, fast_means: bool | None = None,
                          table_means: bool | None = None, packed: bool | None = None,
                          plane_scores: bool | None = None, coarse_top: bool | None = None,
                          pair_slots: bool | None = None, kept_means: bool | None = None,
                          prepare_loop: bool | None = None, fast_takebacks: tuple = (),
                          jps_kept: bool | None = None, raw_pass: bool | None = None,
                          gate_quads: bool = False, argmax_rounds: bool = False,
                          wide_sparse: bool | None = None,
                          raw_top: bool = False, pair_skip: bool = False,
                          short_k: bool | None = None, short_ends: bool = False,
                          folded_bias: bool = False, row_marks: bool = False, narrow_mark: bool = False,
                          narrow_mark_out: bool = False, narrow_bits: bool = False,
                          weight_planes: bool | None = None, nz: bool = False,
                          nz_short: bool | int | None = None, gate_short: bool | None = None,
                          nz_scan_alt: bool | None = None, nz_scan_page: bool | None = None,
                          nz_rows_bits: bool | None = None, fc1_group_forms: bool = False,
                          nz_short_made: bool = False, nz_x_bits: bool | None = None) -> str:
    """The options of a player's kernels, the one place that says which player has which
    (build.py's players and the kernels' bench): both have MV_SPARSE, MV_NARROW_JUMP (the
    48K since the fifteenth round), MV_COARSE and MV_BIAS_IN_K (the 48K since the sixteenth,
    with MV_COARSE, where the soul leaves room: build.coarse_fits), the 48K SOUL_PACKED, the
    128K the low slots, AT_PLANE_SCORES (since the sixteenth round; AT_FAST_SCORES before it) and
    AT_FAST_MEANS (which needs one of them) too; both AM_RUNNER_UP with MV_COARSE (the 128K's since the sixteenth round, the 48K's since the seventeenth) and RN_CLAMPED_UNIT (the 48K since the sixteenth
    round) with RN_SHORT_SHIFTS (the 128K's too since the eighteenth); both EM_ROWS_BY_SP (the 128K since the eighteenth round, the 48K since the nineteenth). `sparse`,
    `fast_scores`, `fast_means`, `coarse`, `narrow_jump` and `clamped_unit` (None: the player's
    own choice) turn one on or off, `table_means` AT_TABLE_MEANS (the 48K's), `packed` SOUL_PACKED
    (the 48K's; build.py leaves it out with MV_COARSE where that does not fit), `pair_slots`
    MV_PAIR_SLOTS (the 48K's since the seventeenth round, where the soul leaves room: build.py
    leaves it out, before MV_COARSE, where it does not fit), and with it and MV_SPARSE
    MV_PAIR_REWALK (a sparse second part's pairs from its first part's, nineteenth round); `jps_kept`:
    MV_PAIR_JPS_KEPT with MV_PAIR_SLOTS (the pairs' jps kept from call to call, twenty-first round; None:
    with the pairs, as the 48K takes it where it fits, build.py); `bench` places
    AT_FAST_SCORES's caches for the kernels' bench (a player places them itself). `plane_scores`:
    AT_PLANE_SCORES (the scores by bit planes; None: the 128K's unless `fast_scores` is given).
    `kept_means`: AT_KEPT_MEANS with AT_FAST_MEANS (the 128K player's first rungs since the
    twentieth round, build.py; None: off, the kernels' bench with every tensor has no room for its
    ~450 bytes, and with it the bench's code a page lower); with AT_TABLE_MEANS (the 48K's) its 48K form,
    the kept walk through matvec's squares (twenty-first round: the 48K player has no room for it), the
    kept sums where KEPT_MEANS_OPTION puts them. `coarse_top`: MV_COARSE_TOP with MV_COARSE (seventeenth round; None: off, as in the shipped
    48K, where it and MV_PAIR_SLOTS do not fit together and build.py takes the pairs, which gain
    more; a 48K with room for both has both). `prepare_loop`: AT_FAST_PREPARE_LOOP and AT_FAST_SMALL with
    AT_FAST_SCORES (None: the 48K's, for room, twentieth round). `fast_takebacks`: options of
    FAST_TAKEBACK_OPTIONS that take back one of those cuts each (build.py's 48K takes those it
    has the bytes for, twentieth round). `raw_pass`: MV_RAW_PASS (None: the 128K's, with MV_COARSE;
    build.py's 128K takes it with MV_COARSE_PAIRS's rung, whose room it needs: twenty-first round).
    `gate_quads`: MV_GATE_QUADS with MV_RAW_PASS (fc1's gated pass through quads without their stores,
    twenty-second round: build.py's 128K with MV_COARSE_PAIRS's rung; on the kernels' bench the source
    expands mv_gate_quads_routines, GATE_QUADS_BENCH). `argmax_rounds`: AM_ROUNDS with AM_RUNNER_UP (argmax in
    rounds of two with the runner-up's limit, twenty-second round: build.py's 128K with MV_COARSE_PAIRS's rung).
    `wide_sparse`: FW_WIDE_SPARSE with MV_SPARSE (None: the 128K player's; forward.s moves layer 1's few
    wide columns of z into fc2's bias so that a reply step's fc2 runs sparse; build.py's 128K takes it
    with MV_COARSE_PAIRS's rung, as MV_RAW_PASS; the kernels' bench with every tensor has no room for
    its ~245 bytes: twenty-second round).
    `raw_top`: MV_CT_RAW with MV_COARSE_TOP on the 48K (the logits' rows as 4 (D >> 8) and logitsraw.s's
    bound, the 128K's; build.py's 48K takes it where out's shift is RAW_MOST_SHIFT or less and it
    fits: twenty-second round). `pair_skip`: MV_SPARSE_PAIR_SKIP with MV_SPARSE on the 128K (a sparse call's
    pair of zero columns skipped by one jr, twenty-third round: build.py's 128K with MV_COARSE_PAIRS's rung;
    on the kernels' bench the source expands mv_pair_skip_routines, PAIR_SKIP_BENCH).
    `short_k`: MV_SHORT_K (None: the 48K's with MV_COARSE, whose MV_BIAS_IN_K it needs; the matrices
    whose every row constant's top byte is $FF take 2-byte constants, soul_layout.short_constants:
    twenty-third round). `short_ends`: MV_HZ_ENDS (the 48K's with MV_COARSE, whose MV_BIAS_IN_K it needs: its
    narrow rows with no wide column end in the short row ends, mv_hz_*; build.py's 48K takes it where it fits,
    SPENDS_48K: twenty-fourth round). `folded_bias`: MV_FOLDED_BIAS (the 48K's with MV_COARSE, whose
    MV_BIAS_IN_K it needs: fc1's calls, their biases in their row constants alone, run narrow, and the layout
    leaves fc1's biases out, soul_layout.FOLDED_BIASES; build.py's 48K with MV_PAIR_SLOTS: twenty-fifth round).
    `row_marks`: EM_ROW_MARKS with SOUL_PACKED (te's and pe's marks every 8 rows, em_unpack's walk from them:
    build.py's 48K where its spends leave the room, twenty-fifth round).
    `narrow_mark`: WP_NARROW_MARK with the 48K's planes (planes.s's narrow q, k and v rows by their mark, plane 6
    passed over: soul_layout.plane_bytes(marked=True); build.py's 48K where soul_layout.narrow_mark_take says the soul
    allows it and its spends leave the room, thirty-fifth round); `narrow_mark_out` with it WP_NARROW_MARK_OUT (out's
    narrow rows marked too, wp_tops' plane 6 passed over). `narrow_bits`: WP_NARROW_BITS with the 48K's planes, in
    place of WP_NARROW_MARK (q's, k's and v's narrow rows without plane 6 bytes, known by each matrix's class bits:
    soul_layout.narrow_bits_bytes; build.py's 48K on its planes' rungs, thirty-sixth round); `narrow_mark_out` with
    it too.
    `weight_planes`: FW_PLANES (None: the 128K player's; forward.s's q, k
    and v through planes.s's wp_tables and wp_rows in bank build.PLANES_BANK where wp_tables takes the xn,
    matvec where it declines: twenty-fifth round, zxplanes128; the kernels' bench has no such bank). On the
    48K (build.py's where it fits, twenty-sixth round, zxplanes48) with SOUL_QKV_PLANES: planes.s
    in the program, its tables in the screen's middle third, q, k and v in the planes' layout alone and
    wp_rows_wide where wp_tables declines the xn. `nz`: MV_NZ (the 128K player's since the twenty-seventh round,
    the 48K's on the planes' rung since zxsparse48, without `sparse` there; build.py's `nz`: forward.s's fc2 through
    nzmatvec.s's matvec_nz; the kernels' bench includes the file itself, NZ_BENCH). `nz_short`: nzmatvec.s's
    NZ_SHORT_PIECES (None: the 128K's, thirtieth round; True: x of 1..16 but 15, 224 bytes; 8: x of 1..8 alone,
    NZ_SHORT_EIGHT, 164 bytes; build.py's ladder takes the first that fits). `gate_short`: matvec.s's
    MV_GATE_SHORT (None: the 48K's with its planes, SOUL_OUT_PLANES, MV_COARSE and MV_HZ_ENDS, without
    MV_COARSE_TOP; thirty-second round, zx48ffn32): the coarse slots' end is fc1's gate, its rows stored there
    (a zeroed row's 0) or through mv_hz_left's chain and ReLU (a row summed again); every other coarse call,
    and a gated one without ReLU's store or at a shift above 7, runs exact. `nz_scan_alt`: nzmatvec.s's
    NZ_SCAN_IN_ALT_SET (None: the 128K's, thirty-fourth round): the scan's registers in the other set, kept by
    exx's instead of pushes a nonzero column, the rows' pointers worked out after the scan. `nz_scan_page`:
    NZ_SCAN_IN_PAGE (None: the 128K's, thirty-fourth round; needs NZ_SCAN_IN_ALT_SET): the scan's steps inc l where
    x lies in one page, patched once a call. `nz_rows_bits`: NZ_ROWS_BY_BITS (None: the 48K's, thirty-fourth round;
    NZ_SCAN_IN_ALT_SET implies it): the second part's first row from the bits of mv_rows, not a round a row.
    `fc1_group_forms`: FG_GROUP_FORMS (thirty-fifth round, zxfc1g35, on the kernels' bench; the 128K player's since the
    thirty-sixth, zx128fc1g36, build.py's first try, in the room the word list left in bank 4): fc1planes.s's rows by
    group form.
    `nz_short_made`: NZ_SHORT_MADE (the 48K's spend where it fits, thirty-fifth round, zx48ffn35): a column of x in
    1..14 takes a short piece made from l's bits by nz_nonzero, not copied from templates (46 bytes, not 164).
    `nz_x_bits`: NZ_X_BITS (None: both players', thirty-seventh round, zxfc2_37): matvec_nz's rows by x's bits, a unit
    a set bit and a doubling a level, in place of the pieces; the NZ_ options above are then left out."""
    is_128k = model == "128k"
    x_bits = NZ_X_BITS_PLAYERS if nz_x_bits is None else nz_x_bits
    if nz and bench:
        raise ValueError("MV_NZ is the players' option: the kernels' bench includes nzmatvec.s itself (NZ_BENCH)")
    packed = not is_128k if packed is None else packed
    plane_scores = is_128k and fast_scores is None if plane_scores is None else plane_scores
    fast_scores = False if fast_scores is None else fast_scores
    if fast_scores and plane_scores:
        raise ValueError("AT_PLANE_SCORES is the scores without AT_FAST_SCORES")
    coarse = True if coarse is None else coarse     # (the 48K's since the sixteenth round, where it fits)
    coarse_top = bool(coarse_top) and coarse
    narrow_jump = True if narrow_jump is None else narrow_jump
    pair_slots = not is_128k if pair_slots is None else pair_slots
    jps_kept = pair_slots if jps_kept is None else jps_kept
    raw_pass = is_128k and coarse if raw_pass is None else raw_pass
    wide_sparse = is_128k and sparse and not bench if wide_sparse is None else wide_sparse
    if wide_sparse and not sparse:
        raise ValueError("FW_WIDE_SPARSE makes fc2's calls sparse (MV_SPARSE)")
    if raw_pass and not (is_128k and coarse):
        raise ValueError("MV_RAW_PASS is the 128K's logits' pass (MV_LOW_SLOTS with MV_COARSE)")
    if gate_quads and not raw_pass:
        raise ValueError("MV_GATE_QUADS marks its pass as MV_RAW_PASS's (the 128K's, with MV_COARSE)")
    if argmax_rounds and not (is_128k or coarse):
        raise ValueError("AM_ROUNDS is argmax's loop with the runner-up's limit (AM_RUNNER_UP)")
    if pair_skip and not (is_128k and sparse):
        raise ValueError("MV_SPARSE_PAIR_SKIP is the 128K's sparse slots' jr over a pair (MV_LOW_SLOTS, MV_SPARSE)")
    if raw_top and (is_128k or not coarse_top):
        raise ValueError("MV_CT_RAW is the 48K's raw logits' rows through MV_COARSE_TOP's end")
    short_k = not is_128k and coarse if short_k is None else short_k
    weight_planes = is_128k and not bench if weight_planes is None else weight_planes
    if weight_planes and bench:
        raise ValueError("FW_PLANES is the players': planes.s and its matrices in the 128K's bank, or the 48K's "
                         "program with its tables in the screen")
    if short_k and (is_128k or not coarse):
        raise ValueError("MV_SHORT_K is the 48K's row starts with MV_BIAS_IN_K (MV_COARSE)")
    gate_short = (not is_128k and weight_planes and coarse and not coarse_top and short_ends if gate_short is None
                  else gate_short)
    if gate_short and (is_128k or not coarse or coarse_top or not short_ends):
        raise ValueError("MV_GATE_SHORT is the 48K's coarse end as fc1's gate (MV_COARSE with MV_HZ_ENDS, no MV_COARSE_TOP)")
    if short_ends and (is_128k or not coarse):
        raise ValueError("MV_HZ_ENDS is the 48K's short row ends for mv_narrow_k's rows (MV_BIAS_IN_K with MV_COARSE)")
    if folded_bias and (is_128k or not coarse):
        raise ValueError("MV_FOLDED_BIAS is the 48K's biases in the row constants alone (MV_BIAS_IN_K with MV_COARSE)")
    if narrow_mark and (is_128k or not weight_planes):
        raise ValueError("WP_NARROW_MARK is the 48K's planes.s's (its split tables, no classes)")
    if narrow_bits and (is_128k or not weight_planes or narrow_mark):
        raise ValueError("WP_NARROW_BITS is the 48K's planes.s's, in place of WP_NARROW_MARK")
    if narrow_mark_out and not (narrow_mark or narrow_bits):
        raise ValueError("WP_NARROW_MARK_OUT: out's marked rows are read by wp_rows too, WP_NARROW_MARK's or WP_NARROW_BITS'")
    if narrow_mark_out and TOPS_BYTES in fast_takebacks:
        raise ValueError("WP_NARROW_MARK_OUT marks out's rows for wp_tops, which WP_TOPS_BYTES replaces")
    if row_marks and not packed:
        raise ValueError("EM_ROW_MARKS is em_unpack's marks in SOUL_PACKED's tables")
    if jps_kept and not pair_slots:
        raise ValueError("MV_PAIR_JPS_KEPT keeps MV_PAIR_SLOTS's jps")
    clamped_unit = True if clamped_unit is None else clamped_unit     # (the 48K's since the sixteenth round)
    fast_means = (fast_scores or plane_scores) and is_128k if fast_means is None else fast_means
    table_means = not is_128k and not fast_means if table_means is None else table_means
    if fast_means and not (fast_scores or plane_scores):
        raise ValueError("AT_FAST_MEANS needs AT_FAST_SCORES or AT_PLANE_SCORES (interrupts off while a head runs)")
    if fast_means and table_means:
        raise ValueError("AT_TABLE_MEANS is the means without AT_FAST_MEANS")
    kept_means = False if kept_means is None else kept_means
    if kept_means and not (fast_means or table_means):
        raise ValueError("AT_KEPT_MEANS is a walk of AT_FAST_MEANS or (the 48K's form) AT_TABLE_MEANS")
    if any(name not in FAST_TAKEBACK_OPTIONS + PLANES_TAKEBACKS for name in fast_takebacks) or (
            not fast_scores and any(name not in PLANES_TAKEBACKS for name in fast_takebacks)) or (
            fast_takebacks and not (fast_scores or plane_scores)) or (
            TABLE_BY_DIMENSION in fast_takebacks and (not table_means or kept_means)) or (
            SCATTER_POPS in fast_takebacks and TABLE_BY_DIMENSION not in fast_takebacks) or (
            GENERATED_WALK in fast_takebacks and TABLE_BY_DIMENSION not in fast_takebacks) or (
            MEANS_CHAINS in fast_takebacks and (not table_means or kept_means)) or (
            LOW_START in fast_takebacks and (TOPS_BYTES not in fast_takebacks or not narrow_bits)):
        raise ValueError(f"fast_takebacks: options of {FAST_TAKEBACK_OPTIONS + PLANES_TAKEBACKS}, with the fast "
                         f"scores ({SKIP_LEADING_ZEROS} and {TABLE_BY_DIMENSION}, the table means', with the planes' "
                         f"too; {SCATTER_POPS} with {TABLE_BY_DIMENSION})")
    options = ([LOW_SLOTS_OPTION] * is_128k + [BIAS_IN_K_OPTION] * (is_128k or coarse) + [SPARSE_OPTION] * sparse
               + [FAST_SCORES_OPTION if bench else FAST_SCORES] * fast_scores
               + [PLANE_SCORES_OPTION if bench else PLANE_SCORES] * plane_scores + [COARSE_OPTION] * coarse
               + [COARSE_TOP_OPTION] * coarse_top
               + [RUNNER_UP_OPTION] * (is_128k or coarse)
               + [NARROW_JUMP_OPTION] * narrow_jump + [CLAMPED_UNIT_OPTION] * clamped_unit
               + [SHORT_SHIFTS_OPTION] * clamped_unit
               + [(FAST_MEANS_KEPT_OPTION if kept_means else FAST_MEANS_OPTION) if bench else FAST_MEANS,
                  FAST_SQUARES_OPTION] * fast_means
               + [KEPT_MEANS] * (kept_means and not bench) + [paged_values_option()] * (kept_means and fast_means)
               + [KEPT_MEANS_OPTION] * (kept_means and bench and table_means)
               + [TABLE_MEANS_OPTION] * table_means + [EMBED_BY_SP_OPTION]
               + [SHORT_EXP_OPTION] * (not is_128k and (table_means or not (fast_scores or plane_scores)))
               + [FAST_PREPARE_LOOP_OPTION, FAST_SMALL_OPTION] * (fast_scores and (not is_128k if prepare_loop is None
                                                                                  else prepare_loop))
               + [f"{name} = 1" for name in fast_takebacks]
               + [SOUL_PACKED_OPTION] * packed + [PAIR_SLOTS_OPTION] * pair_slots
               + [PAIR_REWALK_OPTION] * (pair_slots and sparse) + [PAIR_JPS_KEPT_OPTION] * jps_kept
               + [RAW_PASS_OPTION] * raw_pass + [GATE_QUADS_OPTION] * gate_quads
               + [ARGMAX_ROUNDS_OPTION] * argmax_rounds
               + [WIDE_SPARSE_OPTION] * wide_sparse + [PAIR_SKIP_OPTION] * pair_skip
               + [CT_RAW_OPTION] * raw_top + [SHORT_K_OPTION] * short_k + [HZ_ENDS_OPTION] * short_ends
               + [FOLDED_BIAS_OPTION] * folded_bias + [ROW_MARKS_OPTION] * row_marks
               + [NARROW_MARK_OPTION] * narrow_mark + [NARROW_MARK_OUT_OPTION] * narrow_mark_out
               + [NARROW_BITS_OPTION] * narrow_bits
               + [NZ_OPTION] * nz + [NZ_X_BITS_OPTION] * x_bits
               + [NZ_SHORT_PIECES_OPTION] * (not x_bits and bool(is_128k if nz_short is None else nz_short))
               + [NZ_SHORT_EIGHT_OPTION] * (not x_bits and nz_short == 8) + [GATE_SHORT_OPTION] * gate_short
               + [NZ_SCAN_IN_ALT_SET_OPTION] * (not x_bits and (is_128k if nz_scan_alt is None else nz_scan_alt))
               + [NZ_SCAN_IN_PAGE_OPTION] * (not x_bits and (is_128k if nz_scan_page is None else nz_scan_page))
               + [NZ_ROWS_BY_BITS_OPTION] * (not x_bits and (not is_128k if nz_rows_bits is None else nz_rows_bits))
               + [FC1_GROUP_FORMS_OPTION] * bool(fc1_group_forms)
               + [NZ_SHORT_MADE_OPTION] * (not x_bits and nz_short_made)
               + [WEIGHT_PLANES_OPTION] * weight_planes + [WEIGHT_PLANES_48K_OPTION] * (weight_planes and not is_128k)
               + [COARSE_48K_BENCH_PLACES] * (bench and coarse and not is_128k and not fast_scores and not fast_means))
    return "\n".join(options)
_CORE_FRAME = 100_000   # the core's frame tick wraps here


class KernelTimeout(RuntimeError):
    """A routine did not return within its T-state allowance."""


def kernel_source(extra: str = "", constants: str = "") -> str:
    lines = [".cpu z80", f".org ${CODE_ORIGIN:04X}", constants]
    lines += [f'.include "{name}"' for name in KERNEL_FILES]
    return "\n".join(lines + [extra]) + "\n"


class Z80Bench:
    """One Z80 with the kernels loaded; call routines and count their T-states."""

    def __init__(self, extra_source: str = "", tokenizer=None, program=None,
                 stack_top: int | None = None, trap: int | None = None, options: str = "", banks=()):
        """Assemble the kernels with `tokenizer`'s data (default: the alphabet and no merges)
        and `options` (e.g. LOW_SLOTS_OPTION) before them, or load an assembled `program`
        (`player_bench`), with the stack below `stack_top` (None: the program's BENCH_STACK_TOP where
        its options set one, FAST_MEANS_KEPT_OPTION's, else STACK_TOP) and the return trap at `trap` (None: the
        program's BENCH_TRAP where its options set one, FAST_MEANS_KEPT_OPTION's, else TRAP_ADDRESS).
        `banks`: (bank, data) a 128K's port $7FFD pages in at $C000 (the 128K player's; or
        (bank, data, address), tap.write_tap's);
        the 64K's own $C000-$FFFF are bank 0."""
        from soulterm.soul.tokenizer import Tokenizer, base_vocab

        from .soul_layout import FIRST_SHARED_OPTION, alphabet_include, vocab_constants, vocab_include

        if program is None:
            tokenizer = tokenizer or Tokenizer(base_vocab(), [])
            extra_source = (alphabet_include(tokenizer)          # (the word list packed as `options` read it)
                            + vocab_include(tokenizer, first_shared=FIRST_SHARED_OPTION in options) + extra_source)
            program = assemble(kernel_source(extra_source, options + "\n" + vocab_constants(tokenizer)),
                               filename="<z80 kernel bench>", include_paths=[str(Z80_KERNELS_DIR)], cpu="z80")
        if stack_top is None:
            stack_top = program.symbols.get("BENCH_STACK_TOP", STACK_TOP)
        if trap is None:
            trap = program.symbols.get("BENCH_TRAP", TRAP_ADDRESS)
        if program.origin <= trap < program.end:
            raise ValueError(f"the program (${program.origin:04X}-${program.end:04X}) covers the return trap ${trap:04X}")
        if program.origin < stack_top and program.end > stack_top - STACK_ROOM:
            raise ValueError(f"the program ends at ${program.end:04X}, within {STACK_ROOM} bytes below the stack's "
                             f"top ${stack_top:04X}: put the stack below the program (stack_top=CODE_ORIGIN)")
        self.program = program
        self.symbols = program.symbols
        self.stack_top, self.trap = stack_top, trap
        self.cpu = z80.Z80Machine()
        self.memory = self.cpu.memory
        self.memory[program.origin:program.end] = program.data
        self.cpu.set_breakpoint(trap)
        self.banks = {0: bytearray(paging.BANK_SIZE)}       # a bank's bytes while it is paged out
        for bank, data, address in map(bank_block, banks):
            self.banks.setdefault(bank, bytearray(paging.BANK_SIZE))
            at = address - paging.PAGED_START
            self.banks[bank][at:at + len(data)] = data
        self.paged_bank = 0
        if banks:
            self.cpu.set_output_callback(self._port_out)
        self.t_states = 0               # every call's T-states so far: the bench's clock
        self._slice_tick = 0            # the core's frame tick where the running slice began

    def _port_out(self, port: int, value: int) -> None:
        """Port $7FFD: the bank its low bits name to $C000 (as Spectrum.page; its other bits
        are not modelled here)."""
        bank = value & paging.BANK_BITS
        if not paging.is_paging_port(port) or bank == self.paged_bank:
            return
        top = slice(paging.PAGED_START, paging.PAGED_START + paging.BANK_SIZE)
        self.banks[self.paged_bank][:] = self.memory[top]
        self.memory[top] = bytes(self.banks.setdefault(bank, bytearray(paging.BANK_SIZE)))
        self.paged_bank = bank

    def sym(self, name: str) -> int:
        return self.symbols[name]

    def poke(self, address: int, data) -> None:
        data = bytes(data)
        self.memory[address:address + len(data)] = data

    def poke_word(self, address: int, value: int) -> None:
        self.poke(address, (value & 0xFFFF).to_bytes(2, "little"))

    def peek(self, address: int, count: int = 1) -> bytes:
        return bytes(self.memory[address:address + count])

    def write_words(self, address: int, values) -> None:
        self.poke(address, b"".join(int(v & 0xFFFF).to_bytes(2, "little") for v in values))

    def read_words(self, address: int, count: int) -> np.ndarray:
        raw = np.frombuffer(self.peek(address, 2 * count), dtype="<i2")
        return raw.astype(np.int64)

    def call(self, routine, max_t_states: int = 50_000_000, interrupts: bool = False) -> int:
        """Call `routine` (label or address) with interrupts off (or on: a routine that turns them
        off must give back the state it found; the bench raises none); returns its T-states,
        CALL included. The other registers stay as the caller set them."""
        address = self.sym(routine) if isinstance(routine, str) else routine
        cpu = self.cpu
        self.poke_word(self.stack_top - 2, self.trap)
        cpu.sp = self.stack_top - 2
        cpu.pc = address
        cpu.iff1 = cpu.iff2 = int(interrupts)
        self.t_states += CALL_T_STATES
        start = self.t_states
        while cpu.pc != self.trap:
            elapsed = self.t_states - start
            if elapsed >= max_t_states:
                raise KernelTimeout(f"{routine} ran past {max_t_states:,} T-states")
            self._slice_tick = cpu.frame_tick
            cpu.ticks_to_stop = min(50_000, max_t_states - elapsed)
            cpu.run()
            self.t_states += (cpu.frame_tick - self._slice_tick) % _CORE_FRAME
        return self.t_states - start + CALL_T_STATES

    def clock(self) -> int:
        """The T-state the bench has reached, also in the middle of a call (for contention.py)."""
        return self.t_states + (self.cpu.frame_tick - self._slice_tick) % _CORE_FRAME


PLAYER_TRAP = 0x5C00             # KSTATE, a system variable: never executed


def player_bench(soul, tokenizer, model: str = "48k") -> Z80Bench:
    """A bench on the Spectrum player's own program (`soulterm build --machine zx`, or zx128
    for model "128k": its main block, and its bank, which the forward pass pages in for
    layer 1): the kernels at the player's addresses, the stack where the loader leaves it
    (below its origin, build.ORIGINS)."""
    from .build import ORIGINS, assemble_player, player_banks

    program = assemble_player(soul, tokenizer, model=model)
    bench = Z80Bench(program=program, stack_top=ORIGINS[model], trap=PLAYER_TRAP,
                     banks=player_banks(soul, tokenizer, program, model))
    if "rn_swap_squares" in bench.symbols:      # (as the 128K's start: rmsnorm.s's swapped squares in both banks)
        for routine in ("rn_swap_squares", "zx_page_data", "rn_swap_squares", "zx_page_top"):
            bench.call(routine)
    if "planes_first_run" in bench.symbols:     # (as the 128K's first RUN: the q, k, v planes in their bank)
        bench.call("planes_first_run")
    if "SOUL_QKV_PLANES" in bench.symbols:      # (as the 48K's start: planes.s's x, fw_xn for every product)
        bench.poke_word(bench.sym("wp_x"), bench.sym("fw_xn"))
    return bench


def make_word_masks(bench: Z80Bench) -> int:
    """On a 128K player's bench (WP_WORDS_FROM_SPLIT, thirtieth round): planes.s's wp_expand_first, what the
    player's first wp_tables runs first (the word masks in bank PLANES_BANK from the split masks the tape
    carries, wp_tables' call then straight to wp_interrupts_off), for a test that skips wp_tables; bank 0 back
    after. Returns its T-states."""
    from .build import PLANES_BANK

    bench._port_out(paging.PAGING_PORT, PLANES_BANK)
    t_states = bench.call("wp_expand_first")
    bench._port_out(paging.PAGING_PORT, 0)
    return t_states


# attend_head's inputs on the kernels' bench (the tests, benchmarks/z80_kernels.py): q, the
# (20 positions, 4 heads, 8) keys and values, the head's output and AT_FAST_SCORES's key sums.
HEAD_Q, HEAD_KEYS, HEAD_VALUES, HEAD_OUT, HEAD_SUMS = 0xA000, 0xB000, 0xC000, 0xA100, 0xA200
HEAD_PLANES = 0xD000            # AT_PLANE_SCORES's planes of the keys (one layer's, [head][position])
HEAD_PLANES_HIGH = 0xD800       # PL_PACKED's planes 12..15 (one layer's, [head][position]: pl_store_high)
HEAD_KEPT = 0xA400              # AT_KEPT_MEANS's kept sums of the head's 8 dimensions (3 bytes each)


def kept_sums(values, count: int, signed: bool = False, marked: bool = False, dimension_marks: bool = False) -> bytes:
    """AT_KEPT_MEANS's kept sums (forward.s's kv_kept_sums) of `values` (positions, ..., dimensions),
    each dimension's sum of S(v & 255) over the first `count` positions (the 48K's form, AT_KEPT_TABLE),
    or with `signed` (the 128K's since the twenty-ninth round) of S(v) mod 65536 (kv_values_kept reads
    S(v) at AT_SQ_PAGE + 2 vh: v = -256's as 0), 3 bytes each, the low first. A dimension with a v
    beyond -256..255 has its signed sum from whatever its page holds, never read: 0 here
    (`kept_sums_agree` leaves it out). With `marked` (AT_PAGED_VALUES, thirty-first round) each head of
    8 dimensions that holds such a v has bit 7 of its first dimension's top byte set (kv_wide_check), and with
    `dimension_marks` too (AT_KEPT_MARKED, thirty-second round) each such dimension bit 6 of its own top byte."""
    words = np.asarray(values, dtype=np.int64)[:count]
    if signed:
        words = np.where((words >= -256) & (words <= 255), words, 0)
        squares = words * words & 0xFFFF
    else:
        squares = (words & 255) ** 2
    sums = squares.sum(axis=0).reshape(-1)
    out = bytearray(int(total) >> shift & 255 for total in sums for shift in (0, 8, 16))
    if marked:
        for head in np.flatnonzero(wide_heads(values, count)):
            out[3 * 8 * head + 2] |= 0x80
    if dimension_marks:
        for dimension in np.flatnonzero(wide_dimensions(values, count)):
            out[3 * dimension + 2] |= 0x40
    return bytes(out)


def wide_dimensions(values, count: int) -> np.ndarray:
    """Which of the last axes' dimensions (in order) hold a v beyond -256..255 among the first `count`
    positions of `values` (positions, ..., dimensions)."""
    words = np.asarray(values, dtype=np.int64)
    return ((words[:count] < -256) | (words[:count] > 255)).reshape(count, words[0].size).any(axis=0)


def kept_marked(bench: Z80Bench) -> bool:
    """Whether the bench marks each dimension with a v beyond -256..255 too (AT_KEPT_MARKED, thirty-second
    round: a marked head's other dimensions on the kept walk)."""
    return "AT_KEPT_MARKED" in bench.symbols


def wide_heads(values, count: int) -> np.ndarray:
    """Which heads (groups of 8 of the last axes' dimensions, in order) hold a v beyond -256..255 among
    the first `count` positions of `values` (positions, ..., dimensions)."""
    words = np.asarray(values, dtype=np.int64)
    wide = ((words[:count] < -256) | (words[:count] > 255)).reshape(count, words[0].size).any(axis=0)
    return wide.reshape(-1, 8).any(axis=1)


def kept_signed(bench: Z80Bench) -> bool:
    """Whether the bench's kept sums are of S(v) (the 128K's AT_KEPT_MEANS, twenty-ninth round), not S(vl)."""
    return "AT_KEPT_MEANS" in bench.symbols and "AT_TABLE_MEANS" not in bench.symbols


def kept_sums_agree(bench: Z80Bench, got: bytes, values, count: int) -> bool:
    """Whether `got` (kv_kept_sums' bytes of `values`' dimensions) holds `kept_sums` of the first `count`
    positions in the bench's form, each dimension with a v beyond -256..255 left out in the signed one
    (each head's mark, AT_PAGED_VALUES's, compared even so)."""
    signed = kept_signed(bench)
    words = np.asarray(values, dtype=np.int64)[:count].reshape(count, -1)
    want = kept_sums(words, count, signed, paged_values(bench), kept_marked(bench))
    narrow = ((words >= -256) & (words <= 255)).all(axis=0) if signed else np.ones(words.shape[1], bool)
    marks_agree = all(got[3 * d + 2] & 0x80 == want[3 * d + 2] & 0x80 for d in range(0, words.shape[1], 8))
    marks_agree &= all(got[3 * d + 2] & 0x40 == want[3 * d + 2] & 0x40 for d in range(words.shape[1]))
    return len(got) == len(want) and marks_agree and all(got[3 * d:3 * d + 3] == want[3 * d:3 * d + 3]
                                                         for d in range(words.shape[1]) if narrow[d])


def values_by_dimension(bench: Z80Bench) -> bool:
    """Whether the bench's value cache is dimension-major (attention.s's AT_VALUES_BY_DIMENSION, with
    AT_FAST_MEANS: the 128K's since the eighteenth round): a layer's dimension k (head * 8 + d) holds
    its 20 positions AT_DIMENSION_BYTES apart, the last first (values_ascending: the first first); else a
    position's 32 words lie together."""
    return "AT_VALUES_BY_DIMENSION" in bench.symbols


def values_ascending(bench: Z80Bench) -> bool:
    """Whether a dimension-major value cache holds its positions in order, v[j][d] at d * AT_DIMENSION_BYTES
    + 2 j (attention.s's AT_VALUES_ASCENDING: the 48K's AT_TABLE_BY_DIMENSION, thirty-fifth round)."""
    return "AT_VALUES_ASCENDING" in bench.symbols


def paged_values_option() -> str:
    """build.py's AT_PAGED_VALUES line (the 128K's with AT_KEPT_MEANS, thirty-first round): the value cache's
    high byte the kept walk's page of S(w - v)."""
    from .build import PAGED_VALUES_OPTION

    return PAGED_VALUES_OPTION


def paged_values(bench: Z80Bench) -> bool:
    """Whether the bench's value cache holds each v's high byte as attention.s's page P = AT_SQ_PAGE -
    rlca(vh + 1) (AT_PAGED_VALUES), not vh."""
    return "AT_PAGED_VALUES" in bench.symbols


def _rlca(byte):
    return ((byte << 1) | (byte >> 7)) & 255


def encoded_values(bench: Z80Bench, values) -> np.ndarray:
    """Values (any shape, int16) as words of the bench's value cache: with AT_PAGED_VALUES the high
    byte P = AT_SQ_PAGE - rlca(vh + 1), else the words themselves."""
    words = np.asarray(values, dtype=np.int64) & 0xFFFF
    if not paged_values(bench):
        return words
    page = (bench.sym("AT_SQ_PAGE") - _rlca((words >> 8) + 1 & 255)) & 255
    return (words & 255) | page << 8


def cached_values(bench: Z80Bench, words) -> np.ndarray:
    """Words read from the bench's value cache (any shape) -> the values (int64): with AT_PAGED_VALUES
    vh = rrca(AT_SQ_PAGE - P) - 1, encoded_values' other way."""
    words = np.asarray(words, dtype=np.int64) & 0xFFFF
    if paged_values(bench):
        x = (bench.sym("AT_SQ_PAGE") - (words >> 8)) & 255
        words = (words & 255) | (((x >> 1) | (x << 7)) - 1 & 255) << 8
    return words - ((words & 0x8000) << 1)


def value_cache_words(bench: Z80Bench, values) -> np.ndarray:
    """One layer's values, (20 positions, 32) or (20, 4 heads, 8), in the order the bench's cache holds them."""
    from soulterm.soul import spec

    values = np.asarray(values).reshape(spec.CONTEXT, spec.EMBED_DIM)
    if values_by_dimension(bench):
        values = values.T if values_ascending(bench) else values.T[:, ::-1]
    return encoded_values(bench, values.reshape(-1))


def value_addresses(bench: Z80Bench, layer: int, position: int) -> np.ndarray:
    """The addresses of the 32 values of `position` in layer `layer`'s part of forward.s's value cache."""
    from soulterm.soul import spec

    layer_start = bench.sym("kv_values_layer_1") if layer else bench.sym("kv_values")   # (the 48K's layer 1 apart)
    dimensions = np.arange(spec.EMBED_DIM)
    if values_by_dimension(bench):
        slot = position if values_ascending(bench) else spec.CONTEXT - 1 - position
        return layer_start + dimensions * bench.sym("AT_DIMENSION_BYTES") + 2 * slot
    return layer_start + 2 * (position * spec.EMBED_DIM + dimensions)


def store_keys(bench: Z80Bench, keys, count: int) -> int:
    """The keys (20 x 4 x 8 words) and, through at_key_sums, the first `count` positions' key sums
    as forward.s keeps them (with AT_PLANE_SCORES their planes, through pl_store, at_wide_planes
    cleared first; with PL_PACKED planes 12..15 at HEAD_PLANES_HIGH); returns the last at_key_sums (pl_store) call's
    T-states (0 for none)."""
    bench.write_words(HEAD_KEYS, np.asarray(keys).reshape(-1))
    t_states = 0
    if "pl_store" in bench.symbols:
        bench.poke(bench.sym("at_wide_planes"), [0])
        plane_bytes = bench.sym("PL_KEY_BYTES")
        for position in range(count):
            bench.cpu.hl, bench.cpu.de = HEAD_KEYS + 64 * position, HEAD_PLANES + plane_bytes * position
            if "pl_store_high" in bench.symbols:    # (PL_PACKED: planes 12..15 apart)
                bench.poke_word(bench.sym("pl_store_high"), HEAD_PLANES_HIGH + bench.sym("PL_HIGH_KEY_BYTES") * position)
            t_states = bench.call("pl_store")
        return t_states
    for position in range(count):
        bench.cpu.hl, bench.cpu.de = HEAD_KEYS + 64 * position, HEAD_SUMS + 16 * position
        t_states = bench.call("at_key_sums")
    return t_states


def load_head(bench: Z80Bench, q, keys, values, count: int, head: int, sums: bool = True) -> int:
    """attend_head's inputs for head `head` over `count` keys (with `sums`, the key sums too,
    store_keys); returns store_keys's T-states (0 without sums)."""
    bench.write_words(HEAD_Q, q)
    if sums:
        t_states = store_keys(bench, keys, count)
    else:
        bench.write_words(HEAD_KEYS, np.asarray(keys).reshape(-1))
        t_states = 0
    bench.write_words(HEAD_VALUES, value_cache_words(bench, values))
    head_values = HEAD_VALUES + (8 * bench.sym("AT_DIMENSION_BYTES") if values_by_dimension(bench) else 16) * head
    for name, address in (("at_q", HEAD_Q), ("at_keys", HEAD_KEYS + 16 * head),
                          ("at_values", head_values), ("at_out", HEAD_OUT),
                          ("at_sums", HEAD_SUMS + 4 * head)):
        if name in bench.symbols:
            bench.poke_word(bench.sym(name), address)
    if "pl_planes" in bench.symbols:
        bench.poke_word(bench.sym("pl_planes"), HEAD_PLANES + bench.sym("PL_HEAD_BYTES") * head)
    if "pl_high_planes" in bench.symbols:      # (PL_PACKED: the old dot rebuilds the keys from all 16 planes)
        bench.poke_word(bench.sym("pl_high_planes"), HEAD_PLANES_HIGH + bench.sym("PL_HIGH_HEAD_BYTES") * head)
    if "at_kept" in bench.symbols:              # (as forward.s's kv_kept_store leaves them)
        bench.poke(HEAD_KEPT, kept_sums(np.asarray(values).reshape(-1, 4, 8)[:, head], count, kept_signed(bench),
                                        paged_values(bench), kept_marked(bench)))
        bench.poke_word(bench.sym("at_kept"), HEAD_KEPT)
    bench.poke(bench.sym("at_count"), [count])
    return t_states


def run_head(bench: Z80Bench, q, keys, values, count: int, head: int, sums: bool = True) -> int:
    """attend_head on load_head's inputs; its T-states (the output at HEAD_OUT)."""
    load_head(bench, q, keys, values, count, head, sums)
    return bench.call("attend_head")


def set_matvec_store(bench: Z80Bench, store: str) -> None:
    """mv_store's op as forward.s's fw_dense_via sets it: "add" and "relu" a jp to
    mv_store_add or mv_store_relu, "plain" its own bytes back."""
    op = bench.sym("MV_STORE_OP")
    if store == "plain":
        ops = bench.symbols["MV_STORE_OPS"]
        bench.poke(op, [ops & 255, ops >> 8, bench.symbols["MV_STORE_OP_3"]])
    else:
        target = bench.sym("mv_store_add" if store == "add" else "mv_store_relu")
        bench.poke(op, [0xC3, target & 255, target >> 8])


def run_matvec(bench: Z80Bench, w, x, bias, shift: int, buffers: int = 0xA000,
               routine: str = "matvec") -> tuple[np.ndarray, int]:
    """Lay W (in matvec's layout), x, bias out at `buffers`, call `routine`; returns (out, T-states)."""
    from .soul_layout import matvec_bytes

    w = np.asarray(w, dtype=np.int64)
    rows, cols = w.shape
    folded = bias is not None and "MV_BIAS_IN_K" in bench.symbols     # (the bias in the row constants too)
    matrix = matvec_bytes(w, bias if folded else None)
    x_address = buffers + len(matrix)
    bias_address = x_address + 2 * cols
    out_address = bias_address + 2 * rows
    out_address += out_address & 1             # (matvec.s's short row ends store at even addresses)
    bench.poke(buffers, matrix)
    bench.write_words(x_address, np.asarray(x, dtype=np.int64))
    if bias is not None:
        bench.write_words(bias_address, np.asarray(bias, dtype=np.int64))
    carry_address = out_address + 2 * rows      # 4 * rows bytes, for more columns than matvec's slots
    for name, value in (("mv_w", buffers), ("mv_x", x_address), ("mv_out", out_address),
                        ("mv_bias", bias_address if bias is not None else 0), ("mv_carry", carry_address)):
        bench.poke_word(bench.sym(name), value)
    bench.poke(bench.sym("mv_rows"), [rows])
    bench.poke(bench.sym("mv_cols"), [cols])
    bench.poke(bench.sym("mv_shift"), [shift])
    t_states = bench.call(routine)
    return bench.read_words(out_address, rows), t_states


def run_matvec_nz(bench: Z80Bench, w, x, bias, shift: int, out, buffers: int = 0xA000, short: bool = False,
                  routine: str = "matvec_nz") -> tuple[np.ndarray, int]:
    """fc2's call as forward.s makes it: out += W x + b, shifted, through matvec's adding store (mv_store_add,
    which matvec_nz's fallback to matvec takes too), from `out`'s words; W in matvec's layout (`short`: MV_SHORT_K's
    2-byte row constants, flagged in mv_shift). Returns (out, T-states)."""
    from .soul_layout import matvec_bytes

    w = np.asarray(w, dtype=np.int64)
    rows, cols = w.shape
    folded = "MV_BIAS_IN_K" in bench.symbols
    matrix = matvec_bytes(w, bias if folded else None, short=short)
    x_address = buffers + len(matrix)
    bias_address = x_address + 2 * cols
    out_address = bias_address + 2 * rows
    out_address += out_address & 1
    bench.poke(buffers, matrix)
    bench.write_words(x_address, np.asarray(x, dtype=np.int64))
    bench.write_words(bias_address, np.asarray(bias, dtype=np.int64))
    bench.write_words(out_address, np.asarray(out, dtype=np.int64))
    for name, value in (("mv_w", buffers), ("mv_x", x_address), ("mv_out", out_address),
                        ("mv_bias", bias_address), ("mv_carry", out_address + 2 * rows)):
        bench.poke_word(bench.sym(name), value)
    bench.poke(bench.sym("mv_rows"), [rows])
    bench.poke(bench.sym("mv_cols"), [cols])
    bench.poke(bench.sym("mv_shift"), [shift | (0x80 if short else 0)])
    store_op = bench.sym("MV_STORE_OP")
    kept = bytes(bench.memory[store_op:store_op + 3])
    add = bench.sym("mv_store_add")
    bench.poke(store_op, [0xC3, add & 0xFF, add >> 8])       # jp mv_store_add (forward.s's fw_dense_add)
    try:
        t_states = bench.call(routine)
    finally:
        bench.poke(store_op, kept)
    return bench.read_words(out_address, rows), t_states


def unflipped_keys(bench: Z80Bench, words):
    """Key words as the cache keeps them -> the keys (AT_FAST_SCORES keeps k ^ AT_KEYS_FLIPPED)."""
    flip = bench.symbols.get("AT_KEYS_FLIPPED", 0)
    words = (np.asarray(words, np.int64) & 0xFFFF) ^ flip
    return words - ((words & 0x8000) << 1)


def packed_planes_keys(bench: Z80Bench, layer: int, position: int) -> np.ndarray:
    """The 48K's packed key planes (PL_PACKED, planekeys48.s) -> layer `layer`'s 32 key words at `position`: each
    head's planes 0..11 at kv_planes (plane 11 complemented) and 12..15 at kv_high_planes, [layer][head][position],
    bit d of plane b bit b of k[d] + 2048."""
    from soulterm.soul import spec

    low_key, high_key = bench.sym("PL_KEY_BYTES"), bench.sym("PL_HIGH_KEY_BYTES")
    words = np.zeros(spec.EMBED_DIM, np.int64)
    for head in range(spec.N_HEADS):
        low = bench.peek(bench.sym("kv_planes") + layer * bench.sym("PL_LAYER_BYTES")
                         + head * bench.sym("PL_HEAD_BYTES") + position * low_key, low_key)
        high = bench.peek(bench.sym("kv_high_planes") + layer * bench.sym("PL_HIGH_LAYER_BYTES")
                          + head * bench.sym("PL_HIGH_HEAD_BYTES") + position * high_key, high_key)
        planes = list(low[:11]) + [low[11] ^ 0xFF] + list(high)
        for dim in range(spec.HEAD_DIM):
            offset = sum(((plane >> dim) & 1) << bit for bit, plane in enumerate(planes))
            words[head * spec.HEAD_DIM + dim] = (offset - 2048 + 0x8000) % 0x10000 - 0x8000
    return words


def cache_at(bench: Z80Bench, position: int) -> np.ndarray:
    """Both layers' keys and values at `position` in forward.s's cache: (layers, 2 [keys, values], 32) (the 48K's
    keys from its packed planes where it has them, PL_PACKED)."""
    from soulterm.soul import spec

    layer_bytes = 2 * spec.CONTEXT * spec.EMBED_DIM
    out = np.zeros((spec.N_LAYERS, 2, spec.EMBED_DIM), np.int64)
    for layer in range(spec.N_LAYERS):
        if "PL_PACKED" in bench.symbols:
            out[layer, 0] = packed_planes_keys(bench, layer, position)
        else:
            address = bench.sym("kv_keys") + layer * layer_bytes + position * 2 * spec.EMBED_DIM
            out[layer, 0] = unflipped_keys(bench, bench.read_words(address, spec.EMBED_DIM))
        for dimension, address in enumerate(value_addresses(bench, layer, position)):
            out[layer, 1, dimension] = cached_values(bench, bench.read_words(int(address), 1))[0]
    return out


def has_coarse_top(bench: Z80Bench) -> bool:
    """Whether the bench's matvec has MV_COARSE_TOP (mv_coarse_top's row end for ungated coarse calls)."""
    return "mv_coarse_top" in bench.symbols


def coarse_logits(w, x, shift: int, bias=None, top: bool = False) -> np.ndarray:
    """A coarse matvec's rows (MV_COARSE, matvec.s): with x = 256h + l (l in -127..128) and D =
    2 (W x + b) less the low byte of each product's S(w + l), sat16(D >> (shift + 1)); with `top`
    (MV_COARSE_TOP) at a shift of 7 or less sat16((D >> 8) << (7 - shift)), D's own low byte left
    out too (mv_coarse_top)."""
    doubled = coarse_doubled(w, x, bias)
    if top and shift <= 7:
        return np.clip((doubled >> 8) << (7 - shift), -32768, 32767)
    return np.clip(doubled >> (shift + 1), -32768, 32767)


def gated_rows(w, x, shift: int, bias=None) -> np.ndarray:
    """A coarse call asked for with MV_COARSE_GATE (fc1's, ReLU follows: matvec.s's mv_gate):
    a row whose coarse doubled sum D has D >> 8 below Tv = floor((2^(shift+1) - 255 cols) / 256)
    (so D + 255 cols < 2^(shift+1): the exact output is <= 0) keeps its coarse output, every
    other row is exact. Only for a call that runs coarse (runs_coarse) with a shift below 30."""
    from soulterm.soul import intmath

    doubled = coarse_doubled(w, x, bias)
    cols = np.asarray(w).shape[1]
    threshold = ((1 << (shift + 1)) - 255 * cols) >> 8
    exact = intmath.matvec(np.asarray(w, dtype=np.int64), shift, np.asarray(x, dtype=np.int64), bias, post=0)
    return np.where(doubled >> 8 < threshold, np.clip(doubled >> (shift + 1), -32768, 32767), exact)


def coarse_doubled(w, x, bias=None) -> np.ndarray:
    """A coarse call's rows before the shift: 2 (W x + b) less each product's low byte of S(w + l)."""
    w = np.asarray(w, dtype=np.int64)
    x = np.asarray(x, dtype=np.int64)
    low = ((x + 127) & 0xFF) - 127
    high = (x - low) >> 8
    pieces = w + low[None, :]
    doubled = ((pieces * pieces & ~0xFF).sum(axis=1) - (w * w).sum(axis=1) - (low * low).sum()
               + 512 * (w * high[None, :]).sum(axis=1))
    if bias is not None:
        doubled = doubled + 2 * np.asarray(bias, dtype=np.int64)
    return doubled


def wide_columns(x) -> int:
    """How many of matvec's columns for `x` are wide: x outside -127..128, a high piece h != 0."""
    x = np.asarray(x, dtype=np.int64)
    return int(((x < -127) | (x > 128)).sum())


def runs_narrow(x) -> bool:
    """Whether matvec runs a call on `x` in narrow mode: at most a quarter of its columns wide."""
    return wide_columns(x) <= len(x) // 4


def runs_coarse(x) -> bool:
    """Whether matvec runs a call on `x` coarse when asked (MV_COARSE): narrow mode (at
    most a quarter of the columns wide), at most MV_MAX_COLS columns, an even count, at
    most MV_COARSE_WIDE_MAX (6) wide columns, each with h +-1 (x in -383..384: its high
    piece goes into its slot)."""
    x = np.asarray(x, dtype=np.int64)
    return (len(x) <= 32 and len(x) % 2 == 0 and runs_narrow(x) and wide_columns(x) <= 6
            and bool(((x >= -383) & (x <= 384)).all()))


def logits_slack(cols: int, shift: int, top: bool = False) -> int:
    """How far a coarse row may lie below the exact one (forward.s's FW_LOGITS_SLACK): each
    product's low byte of S(w + l) and, with `top` (MV_COARSE_TOP), the row's own low byte."""
    return (255 * (cols + top) + (2 << shift) - 1) >> (shift + 1)


def has_coarse_raw(bench: Z80Bench) -> bool:
    """Whether the bench's matvec has mv_coarse_raw (MV_LOW_HLA's, or the 48K's MV_CT_RAW since the
    twenty-second round: the logits' coarse rows as 4 (D >> 8), logitsraw.s's bound)."""
    return "mv_coarse_raw" in bench.symbols


def runner_up_limit(logits) -> int:
    """vecops.s's argmax's C with AM_RUNNER_KEPT over ids 3..127 of `logits` (words): the runner-up's
    high byte + 1, or the best's when they share it, each sign bit flipped (every other id lies below
    any logit whose flipped high byte exceeds it)."""
    from soulterm.soul import spec

    flipped = (np.asarray(logits, dtype=np.int64)[spec.FIRST_CHOOSABLE:] + 32768) & 0xFFFF
    best, limit = int(flipped[0]), 0
    for value in flipped[1:]:
        high = int(value) >> 8
        if high < limit:
            continue
        if high < best >> 8:
            limit = high + 1
        elif high > best >> 8:
            limit, best = (best >> 8) + 1, int(value)
        else:
            limit, best = high, max(best, int(value))
    return limit


def has_lone_bound(bench: Z80Bench) -> bool:
    """Whether the logits' bound leaves T's row as its bound when argmax's runner-up limit says no
    other row reaches the threshold (vecops.s's AM_RUNNER_KEPT: the 48K's forward.s tests it itself
    and computes no row, zxprep3; the 128K's logitsraw.s through am_rows, zxstep; twenty-first round)."""
    return "AM_RUNNER_KEPT" in bench.symbols


# matvec_ends.s's MV_RAW_DOUBLINGS: mv_coarse_raw stores each row's D >> 8 doubled twice (twenty-first
# round: argmax's runner-up then tells the rows apart); logitsraw.s takes that form at a soul_out_shift
# of RAW_MOST_SHIFT or less (its clip, 2^(8 + shift) doubled twice, within int16)
RAW_DOUBLINGS = 2
RAW_MOST_SHIFT = 7 - RAW_DOUBLINGS


def raw_slack(cols: int) -> int:
    """How far a raw coarse row's D >> 8 may lie below the exact doubled sum's, in its units of
    256 (forward.s's FW_RAW_SLACK): each product's low byte and the row's own."""
    return (255 * (cols + 1)) >> 8


def bound_logits(w, shift: int, xn, exact, top: bool = False, raw: bool = False, lone: bool = False) -> np.ndarray:
    """fw_logits as forward.s's argmax bound (MV_COARSE) leaves them: when the call runs
    coarse, the exact logit of every row of ids 3..127 whose coarse bound reaches the
    largest such bound less the slack, the coarse bound elsewhere; else all exact. With
    `raw` (has_coarse_raw) at a shift of 7 or less the bounds are the rows' D >> 8
    (mv_coarse_raw), the threshold min(T, 2^(8+shift) - 1) - raw_slack, or every row when
    T <= -2^(8+shift) (T's logit may clip at -32768); with `raw` (logitsraw.s, since the
    eighteenth round's scan) a row alone at the threshold, T's, keeps its bound too, and so with
    `lone` (has_lone_bound: forward.s's bound with argmax's runner-up, am_rows, since the
    twenty-first round)."""
    from soulterm.soul import spec

    exact = np.asarray(exact, dtype=np.int64)
    if not runs_coarse(xn):
        return exact
    if raw and shift <= RAW_MOST_SHIFT:
        rows = coarse_doubled(w, xn) >> 8
        clip = 32768 >> (7 - shift)
        best = int(rows[spec.FIRST_CHOOSABLE:].max())
        threshold = -32768 if best <= -clip else min(best, clip - 1) - raw_slack(len(xn))
        assert (np.clip((rows << 8) >> (shift + 1), -32768, 32767) <= exact).all()
        assert (np.clip(((rows << 8) + 255 * (len(xn) + 1)) >> (shift + 1), -32768, 32767) >= exact).all()
        again = rows >= threshold
        again[:spec.FIRST_CHOOSABLE] = False
        return np.where(again & (again.sum() > 1), exact, rows << RAW_DOUBLINGS)   # (T alone: its row kept, it wins)
    bounds = coarse_logits(w, xn, shift, top=top)
    slack = logits_slack(len(xn), shift, top)
    assert (bounds <= exact).all() and (exact - bounds <= slack).all()
    threshold = max(int(bounds[spec.FIRST_CHOOSABLE:].max()) - slack, -32768)
    again = bounds >= threshold
    again[:spec.FIRST_CHOOSABLE] = False
    if raw and again.sum() == 1:        # (logitsraw.s's: T alone reaches the threshold, its bound kept)
        return bounds
    if lone and runner_up_limit(bounds) < (threshold + 32768) >> 8:
        return bounds                   # (am_rows: argmax's limit below the threshold's high byte, T alone)
    return np.where(again, exact, bounds)


def first_logits_row(bench: Z80Bench) -> int:
    """The first row of the logits that forward.s computes (FW_FIRST_ROW: with MV_COARSE,
    spec.FIRST_CHOOSABLE, since the twenty-first round; fw_logits' words below it are left as
    they were), 0 where every row is."""
    return bench.symbols.get("FW_FIRST_ROW", 0)


RECORD_COPIED = "record"         # forward_turn's routine for a position 1 copied from its id's record
RECORDED = "forward_prefill+record"     # ... for one computed and recorded (records128.s's position_one)


def has_records(bench: Z80Bench) -> bool:
    """Whether the bench runs the 128K player, which keeps position 1's records (records128.s)."""
    return "position_one" in bench.symbols


def records_first_run(bench: Z80Bench) -> int:
    """The 128K player's first RUN after LOAD (records128.s's records_first_run: position 0
    and the commonest openers' position 1 recorded); returns its T-states."""
    return bench.call("records_first_run", max_t_states=200_000_000)


def record_known(bench: Z80Bench, token: int) -> bool:
    """Whether the 128K player's bench holds a record of position 1 for `token`."""
    return bool(bench.peek(bench.sym("record_known") + token)[0])


def key_sums_at(bench: Z80Bench, position: int) -> bytes:
    """Both layers' key sums at `position` (AT_FAST_SCORES's kv_key_sums), as bytes."""
    from soulterm.soul import spec

    stride = bench.sym("AT_SUMS_STRIDE")
    return b"".join(bench.peek(bench.sym("kv_key_sums") + layer * spec.CONTEXT * stride + position * stride, stride)
                    for layer in range(spec.N_LAYERS))


def planes_at(bench: Z80Bench, position: int, bank: int | None = None) -> bytes:
    """Both layers' 4 heads' planes of the keys at `position` (AT_PLANE_SCORES's kv_planes), as
    bytes; `bank`: the 128K bank they lie in (paged out, as after a call: bank 0 is back)."""
    from soulterm.soul import spec

    key_bytes, head_bytes = bench.sym("PL_KEY_BYTES"), bench.sym("PL_HEAD_BYTES")
    at = bench.sym("kv_planes") + position * key_bytes
    if bank is not None and bank != bench.paged_bank:
        memory, at = bench.banks[bank], at - paging.PAGED_START
    else:
        memory = bench.memory
    return b"".join(bytes(memory[at + head * head_bytes:at + head * head_bytes + key_bytes])
                    for head in range(spec.N_LAYERS * spec.N_HEADS))


def single_stepped(bench: Z80Bench, routine: str, charge) -> int:
    """`routine` called from a fresh stack, interrupts off, and run one instruction at a time to its return,
    `charge(pc, t_states)` after each instruction (pc its address): the profilers' way of seeing where the
    T-states go. Returns the routine's T-states, its CALL left out."""
    cpu = bench.cpu
    bench.poke_word(bench.stack_top - 2, bench.trap)
    cpu.sp, cpu.pc = bench.stack_top - 2, bench.sym(routine)
    cpu.iff1 = cpu.iff2 = 0
    total = 0
    while cpu.pc != bench.trap:
        pc, before = cpu.pc, cpu.frame_tick
        cpu.ticks_to_stop = 1
        cpu.run()
        spent = (cpu.frame_tick - before) % _CORE_FRAME
        total += spent
        charge(pc, spent)
    return total


def single_stepped_turns(bench: Z80Bench, prompts, tokenizer, engine, charge) -> list[int]:
    """Each prompt a turn (forward_turn: every step checked against `engine`), every reply step (forward_step)
    single-stepped through `charge` as single_stepped does. Returns each reply step's T-states, its CALL and
    RET in (z80_token.py's count)."""
    plain_call, steps = bench.call, []

    def call(routine, max_t_states=50_000_000, interrupts=False):
        if routine != "forward_step":
            return plain_call(routine, max_t_states, interrupts)
        total = single_stepped(bench, routine, charge)
        bench.t_states += total + CALL_T_STATES
        steps.append(total + 2 * CALL_T_STATES)
        return steps[-1]

    bench.call = call
    try:
        for prompt in prompts:
            forward_turn(bench, engine, tokenizer.encode_turn(prompt))
    finally:
        bench.call = plain_call
    return steps


def costliest_lines(program, t_states, count: int) -> list[tuple[int, int, str, int, str]]:
    """The `count` source lines of `program` whose instructions cost most by `t_states` (T-states by address, as
    single_stepped charges them): (address, T-states, file, line, the line's code without its comment). A prefixed
    instruction steps twice, its prefix, then the rest a byte on, which the line map does not name: charged to its
    start."""
    line_map, sources = program.line_map, {}
    by_line = collections.Counter()
    for pc, spent in t_states.items():
        by_line[pc - 1 if pc not in line_map and pc - 1 in line_map else pc] += spent
    rows = []
    for pc, spent in sorted(by_line.items(), key=lambda item: -item[1])[:count]:
        file, line = line_map.get(pc, ("(a line the map leaves out)", 0))
        if file not in sources:
            try:
                with open(file, encoding="utf-8") as handle:
                    sources[file] = handle.read().split("\n")
            except OSError:
                sources[file] = []
        text = sources[file][line - 1].strip() if 0 < line <= len(sources[file]) else ""
        rows.append((pc, spent, file, line, text.split(";")[0].strip()))
    return rows


def reply_step_states(prompts, tokenizer, engine):
    """Each prompt a turn on the engine alone: (position, state) after every step that picks a token (the
    players' forward_step: the prompt's last position and each reply position), the engine's activations that the
    censuses count."""
    from soulterm.soul import spec

    for prompt in prompts:
        context = tokenizer.encode_turn(prompt)
        tokens = context + engine.reply(tokenizer, prompt).ids
        state = engine.new_state()
        for position, token in enumerate(tokens[:spec.CONTEXT]):
            engine.step(state, token)
            if position >= len(context) - 1:
                yield position, state


def forward_turn(bench: Z80Bench, engine, context: list[int], after_step=None,
                 records: bool = False) -> tuple[list[tuple], list[int]]:
    """One turn through forward.s as the Spectrum player runs it, checked against `engine` step by step.

    The prompt positions but the last run forward_prefill (the cache must
    equal the engine's), the last prompt position and every reply position
    forward_step (the logits must equal the engine's), until END or a full
    context. `bench` must include forward.s and the engine's soul. Returns
    ([(position, token, routine, T-states)], the reply's ids); position 0
    is computed here, as in the player's first turn. `after_step(position)`, if
    given, runs after each position's call (a counter's bookkeeping).
    `records` (the 128K player's bench, has_records): position 1, when it is a
    prefill position, runs as the player runs it (records128.s's position_one):
    copied from its id's record (routine RECORD_COPIED) when the bench holds
    one, else computed and recorded (RECORDED); the cache is checked all the same.
    """
    from soulterm.soul import spec

    state = engine.new_state()
    tokens = list(context)
    rows = []
    for position in range(spec.CONTEXT):
        if position == len(tokens):
            break
        want = engine.step(state, tokens[position])
        routine = "forward_prefill" if position < len(context) - 1 else "forward_step"
        bench.poke(bench.sym("fw_token"), [tokens[position]])
        bench.poke(bench.sym("fw_pos"), [position])
        if records and position == 1 and routine == "forward_prefill":
            routine = RECORD_COPIED if record_known(bench, tokens[1]) else RECORDED
            t_states = bench.call("position_one", max_t_states=40_000_000)
        else:
            t_states = bench.call(routine, max_t_states=40_000_000)
        if after_step is not None:
            after_step(position)
        chose = "fw_lg_chose" in bench.symbols and bench.peek(bench.sym("fw_lg_chose"))[0] == 1
        if routine == "forward_step" and chose:     # (logitplanes.s's one row left: fw_next alone, no logits)
            assert bench.peek(bench.sym("fw_next"))[0] == engine.next_token(want), position
            if "SOUL_OUT_APART" in bench.symbols:   # (the 128K's since the twenty-eighth round: no step leaves its
                h = bench.read_words(bench.sym("fw_h"), spec.EMBED_DIM)     # logits; its last h as the engine's)
                assert np.array_equal(h, state.last.hidden[-1]), f"the last layer's h differs at position {position}"
        elif routine == "forward_step":
            got = bench.read_words(bench.sym("fw_logits"), spec.VOCAB_SIZE)
            if "fw_logits_bound" in bench.symbols:
                xn = bench.read_words(bench.sym("fw_xn"), spec.EMBED_DIM)
                want_here = bound_logits(engine.out_t.T, engine.s_out, xn, want, top=has_coarse_top(bench),
                                         raw=has_coarse_raw(bench), lone=has_lone_bound(bench))
            else:
                want_here = want
            first = first_logits_row(bench)     # (ids below it are never chosen: not computed)
            assert np.array_equal(got[first:], want_here[first:]), f"logits differ at position {position}"
            assert bench.peek(bench.sym("fw_next"))[0] == engine.next_token(want), position
        cache = cache_at(bench, position)
        assert np.array_equal(cache[:, 0], state.keys[:, position].reshape(spec.N_LAYERS, -1)), position
        assert np.array_equal(cache[:, 1], state.values[:, position].reshape(spec.N_LAYERS, -1)), position
        if "kv_kept_sums" in bench.symbols:     # (AT_KEPT_MEANS: each dimension's S(v) or S(vl) over 0..position)
            got = bench.peek(bench.sym("kv_kept_sums"), 2 * 3 * spec.EMBED_DIM)
            assert all(kept_sums_agree(bench, got[3 * spec.EMBED_DIM * layer:3 * spec.EMBED_DIM * (layer + 1)],
                                       state.values[layer, :position + 1].reshape(position + 1, -1), position + 1)
                       for layer in range(spec.N_LAYERS)), f"kept sums differ at position {position}"
        rows.append((position, tokens[position], routine, t_states))
        chosen = engine.next_token(want)
        if position + 1 == len(tokens) and chosen != spec.END:
            tokens.append(chosen)
    return rows, tokens[len(context):]


class TurnCost:
    """What one turn of forward_turn's rows costs, three ways.

    Position 0 (SEP) is computed by the first turn only and kept in the cache,
    so a turn computes the other positions: `per_position` divides their
    T-states by their count (not by the turn's length, which counted
    position 0 without its cost); a position 1 the 128K player copied from
    its record (forward_turn's RECORD_COPIED) counts there as a position with
    its copy's T-states, and `per_computed` leaves it out of both. `per_step` is the mean forward_step, the
    pass that picks a token; `per_reply_token` is the whole turn's passes
    over the tokens the reply printed (the C64's "per generated token",
    forward passes only).
    """

    def __init__(self, rows: list[tuple], reply: list[int]):
        this_turn = [t_states for position, _, _, t_states in rows if position]     # position 0 is kept
        self.turn = sum(this_turn)
        self.positions = len(this_turn)
        copies = [t_states for position, _, routine, t_states in rows if position and routine == RECORD_COPIED]
        self.copied = len(copies)
        self.copied_t_states = sum(copies)
        self.steps = [t_states for _, _, routine, t_states in rows if routine == "forward_step"]
        self.reply_tokens = len(reply)

    @property
    def per_position(self) -> float:
        return self.turn / max(1, self.positions)

    @property
    def per_computed(self) -> float:
        """The mean of the positions the turn computed, a position copied from its record left out."""
        return (self.turn - self.copied_t_states) / max(1, self.positions - self.copied)

    @property
    def per_step(self) -> float:
        return sum(self.steps) / max(1, len(self.steps))

    @property
    def per_reply_token(self) -> float:
        return self.turn / max(1, self.reply_tokens)
