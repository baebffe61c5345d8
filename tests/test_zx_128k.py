"""The 128K Spectrum: port $7FFD paging, its frame, tapes whose loader pages banks, and the
128K player (`soulterm build --machine zx128`) answering as the integer engine."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from conftest import play_zx_prompts
from soulterm.asm import assemble
from soulterm.cli import main
from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER, DISK_DIR, TAP_NAME_128K, ZX_MAP_SUFFIX
from soulterm.soul import spec
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx import Spectrum, paging, tap
from soulterm.zx import build as zx_build
from soulterm.zx.build import (BANK_FC1_CONTENTS, BuildError, DATA_BANK, EMBED_BANK, EMBED_WORDS_CONTENTS, EMBED_START, L0_BANK_TENSORS, l0_bank_symbols, ORIGINS, UNCONTENDED,
                               PLANES_BANK, PLANES_CONTENTS, PLANES_START, RECORD_BANKS, planes_take, tape_holes,
                               assemble_spectrum_player, embed_in_bank)
from soulterm.zx.kernelbench import KernelTimeout, TurnCost, forward_turn, player_bench
from soulterm.zx.soul_layout import MATVEC_SLOTS, QKV_MATRICES, bias_of, is_matvec_matrix, matvec_bytes, matvec_size, plane_classes, plane_group_word_bytes

TOP = slice(paging.PAGED_START, paging.PAGED_START + paging.BANK_SIZE)


def run_code(machine, source: str) -> None:
    """Assemble `source` at $8000 and call it with the stack below $C000 (a page change
    swaps RAMTOP's stack out with bank 0); it returns to BASIC."""
    program = assemble(".cpu z80\n.org $8000\n" + source + "\n ret\n", filename="<test>", cpu="z80")
    machine.cpu.sp = ORIGINS["128k"]
    machine.load_code(0x8000, program.data)
    assert machine.run(max_cycles=100_000) == "halted", machine.stop_message
    assert machine.stop_message.startswith("the program returned to BASIC"), machine.stop_message
    machine.stop_message = ""


def test_out_to_7ffd_swaps_the_bank_at_c000_and_keeps_every_banks_bytes():
    machine = Spectrum(model="128k")
    for bank in (0, 1, 3, 4, 6, 7):     # a mark in each pageable bank, through the Z80's own OUT
        run_code(machine, f" ld a,{paging.ROM_48 | bank}\n ld bc,$7FFD\n out (c),a\n ld a,{100 + bank}\n"
                          f" ld ($C000),a\n ld ($FFFF),a")
    assert machine.paged_bank == 7 and machine.paging == paging.ROM_48 | 7
    for bank in (0, 1, 3, 4, 6, 7):
        assert machine.bank(bank)[0] == machine.bank(bank)[-1] == 100 + bank
        run_code(machine, f" ld a,{bank}\n ld bc,$7FFD\n out (c),a\n ld a,($FFFF)\n ld ($8100),a")
        assert machine.memory[0x8100] == 100 + bank
    run_code(machine, " ld a,5\n ld bc,$7FFD\n out (c),a")   # bank 5, the screen, at $C000 too
    assert machine.memory[0xC000:0xC010] == machine.memory[0x4000:0x4010]
    run_code(machine, " ld a,$20\n ld bc,$7FFD\n out (c),a\n ld a,3\n out (c),a")   # bit 5 locks paging
    assert machine.paged_bank == 0 and machine.paging == 0x20
    machine.reset()
    assert machine.paging == 0 and machine.bank(7)[0] == 0


def test_a_48k_ignores_port_7ffd_and_a_128k_frame_is_70908_t_states():
    machine = Spectrum()
    run_code(machine, " ld a,3\n ld bc,$7FFD\n out (c),a\n ld a,9\n ld ($C000),a")
    assert machine.banks is None and machine.memory[0xC000] == 9
    frames = {}
    for model in ("48k", "128k"):
        machine = Spectrum(model=model)
        machine.load_code(0x8000, bytes([0xFB, 0x76, 0x18, 0xFD]))     # ei: halt: jr back to the halt
        assert machine.run(max_cycles=100 * paging.FRAME_T_STATES_128K + 10) == "max-cycles"
        frames[model] = machine.frames
    assert frames == {"48k": 101, "128k": 100}
    with pytest.raises(ValueError, match="no Spectrum model"):
        Spectrum(model="+3")


def test_a_loader_that_pages_banks_loads_on_a_128k_and_others_on_the_model_made():
    image = tap.write_tap("banked", bytes([0xC9]), 0x8000, banks=[(4, b"four"), (1, b"one")])
    lines = tap.parse_basic(tap.files(tap.decode_blocks(image))[0].data)
    statements = [(s.keyword, s.argument, s.value) for s in lines[0][1]]
    assert ("OUT", paging.PAGING_PORT, paging.ROM_48 | 4) in statements
    assert ("POKE", paging.BANKM, paging.ROM_48 | 4) in statements and tap.loader_pages_banks(lines)
    machine = Spectrum()
    assert machine.load_tap(image) == 0x8000 and machine.model == "128k"
    assert machine.bank(4)[:4] == b"four" and machine.bank(1)[:3] == b"one"
    assert machine.paged_bank == 0 and machine.memory[0x8000] == 0xC9 and machine.frame_t_states == 70_908
    # a bank's block at its own address within the bank's 16K (the 128K player's bank 6 at $E000)
    machine.load_tap(tap.write_tap("banked", bytes([0xC9]), 0x8000, banks=[(6, b"six", 0xE000), (4, b"four")]))
    assert machine.bank(6)[0x2000:0x2003] == b"six" and machine.bank(6)[:3] == bytes(3) and machine.paged_bank == 0
    for address in (0xBFFF, 0xFFFE):
        with pytest.raises(ValueError, match="within \\$C000-\\$FFFF"):
            tap.write_tap("banked", bytes([0xC9]), 0x8000, banks=[(6, b"six", address)])
    machine.load_tap(tap.write_tap("plain", bytes([0xC9]), 0x8000))
    assert machine.model == "48k" and machine.banks is None
    made_128k = Spectrum(model="128k")
    made_128k.load_tap(tap.write_tap("plain", bytes([0xC9]), 0x8000))
    assert made_128k.model == "128k"
    # OUT and POKE operands whose hidden 5-byte form holds a comma (44)
    body = bytes([tap.TOKENS["OUT"]]) + tap.basic_number(44) + b"," + tap.basic_number(44)
    assert tap.parse_basic(tap.basic_line(10, body))[0][1][0].value == 44
    with pytest.raises(tap.TapError, match="two numbers"):
        tap.parse_basic(tap.basic_line(10, bytes([tap.TOKENS["OUT"]]) + tap.basic_number(5)))


@pytest.fixture(scope="module")
def built():
    return assemble_spectrum_player(DEFAULT_SOUL, DEFAULT_TOKENIZER, "128k")


def test_the_128k_player_keeps_its_word_list_in_a_bank_and_answers_as_the_engine(built):
    tokenizer = Tokenizer.load(DEFAULT_TOKENIZER)
    assert [bank for bank, *_ in built.banks] == [DATA_BANK, EMBED_BANK, PLANES_BANK] and built.program.end <= 0x10000
    assert json.loads(built.map_text)["machine"] == "zx-spectrum-128k"
    prompts = ["hello", "helo hwo are yuo", "What's up?"]     # typos: the list is unpacked from its bank
    assert tokenizer.spelled(prompts[1]) != prompts[1]
    machine, _ = play_zx_prompts(built.tape, prompts, "soulplayer 128")
    assert machine.model == "128k"
    assert machine.paged_bank == 0


# T-states a position over the turn of "hello" on the 128K player's program (python
# benchmarks/z80_token.py --model 128k): 1,367,274 measured (docs/spectrum.md), 0.9% margin
# (1,390,100 for the 1,377,703 before the twenty-fourth round's undo of a sparse call put off, branch zxreply128b;
# 1,393,400 for the 1,380,942 before the twenty-third round's all-zero parts left out of a sparse call,
# branch zxundo128; 1,412,000 for the 1,399,318 before the twenty-third round's MV_SPARSE_PAIR_SKIP, branch zxreply128;
# 1,414,500 for the 1,401,849 of the twenty-second round's FW_WIDE_SPARSE alone, branch zxreply;
# 1,430,300 for the 1,417,512 of its MV_GATE_QUADS and AM_ROUNDS alone, branch zxquads128;
# 1,432,800 for the 1,420,021 before them; 1,434,800 for the 1,422,086 before the twenty-first round's MV_RAW_PASS, branch zxsmall128; 1,580,000 for the 1,566,354 of branch zxmv3 alone, 1,576,000 for the 1,561,929 of branch
# zxmeans alone; 1,583,000 for the 1,568,955 before those two;
# 1,592,000 for the 1,577,662 of branch zxk alone, 1,603,000 for the 1,588,964 of branch zxatt2
# alone; 1,612,000 for the 1,597,671 before the fourteenth round's narrow and coarse row starts'
# -Cl, the low slots in the H:L:A form, the fast means' walk down and the 128K's weights' loop;
# 1,631,000 for the 1,616,799 before the fourteenth round's one-piece columns left alone in
# narrow mode, at_fast_prepare, fast f, argmax, weights' sum, clamped RMSNorm shifts and the fast
# means' division; 1,665,000 for the 1,649,776 before the fourteenth round's matvec steps (the bias in the row
# constants, the coarse rows' own start, each part's weights apart, Cl in IY);
# 1,781,000 for the 1,764,476 before the fourteenth round's RMSNorm and attention means;
# 1,824,000 for the 1,807,589 before the column pass's zero columns and the low slots' S(w);
# 1,891,000 for the 1,873,737 before fc1's ReLU gate and the coarse rows' wide blocks).
PLAYER_128K_MEAN_BUDGET = 1_008_600
# (999,524 a computed position + 0.9%, the thirty-seventh round's merges: zxfc2_37's fc2 by x's bits, zx128heads37's
# heads (at_short_weights' index from BC, fw_head_weights' byte form, layer 0's heads paging their bank in once, a
# 12-plane key's plane 10 added plain) and zx48rows37's; 1,028,700 for 1,019,467 a computed position + 0.9%, zx48rows37: planes.s's word-table low planes halved by rra, 16 T-states a row;
# 1,031,600 for 1,022,320 a computed position + 0.9%, zx128fc1g36: fc1planes.s's group forms, FG_GROUP_FORMS, in both fc1s;
# 1,033,300 for 1,024,020 a computed position + 0.9%, the thirty-fourth round's last three 128K merges on top: zxdiv34's
# AT_KEPT_DIVISION, zxgroup34b's WP_GROUP_FORMS (1,037,000 for 1,027,678 on its branch) and zxfc1rows34; 1,039,200 for
# 1,029,916 a computed position + 0.9%, zxfc1rows34: fc1planes.s's K1 in BC and K2 in DE' through the rows, the next
# row's start inlined where a row ends, the ends' bl + c2 + 2^shift as one add; 1,041,200 for 1,031,879, the thirty-fourth round's six 128K merges together: zxqkv34, zxkeys34,
# zxwalk34's AT_KEPT_EVERY_HEAD, zxlogit34's LG_BEST_LOWER and its fill's row starts, zxchain34's
# NZ_SCAN_IN_ALT_SET and NZ_SCAN_IN_PAGE, zxgroup34; 1,048,500 for 1,039,069 on zxgroup34's branch, zxgroup34: fc1planes.s's fill by linked stubs and its odd A' alone, planes.s's
# WP_FILL_LINKED form, and its sums of |x| two words a pass, in both fc1 copies; 1,048,800 for 1,039,396 with the
# linked fill alone; 1,051,300 for 1,041,853 after zxkeys34 (1,041,883 measured at zxqkv34:
# planes.s's fill by linked stubs and its odd A' alone, WP_FILL_LINKED,
# and a row's next entry by ret, WP_NEXT_BY_RET); 1,055,300 for
# 1,045,906, the thirty-third round's eight 128K merges: nzmatvec.s's nz_short look-up by
# its table's low byte (zxnzscan33); planes.s's R start in group 3's
# table, WP_LOW_START_IN_TABLE, and each row's next entry in its data, WP_NEXT_ROW_WORDS (zxrows33, zxnext33);
# pl_keys' scores as words, AT_SHORT_SCORES, the kept walk two positions a pass, AT_KEPT_PAIRS, pl_scores at the end
# of its page and S(w) by the weight's index, AT_SQUARES_BY_INDEX (zxwalk33, zxwalk33b, zxsmall33); fc1planes.s's
# rows from c1 + 1 + bh, its fill two rows a pass and its rows' ends (zxfc1p33); rmsnorm.s's RN_UNIT_SHIFT and
# RN_SQUARES_PAIRED, logitplanes.s's LG_ROWS_PAIRED (zxlogit33). On the way: 1,055,500 for 1,046,064 before
# zxnzscan33; 1,055,700 for 1,046,327 before zxsmall33; 1,056,100 for 1,046,685 before zxwalk33b; 1,060,900 for 1,051,409 before zxnext33; 1,065,600 for
# 1,056,085 before zxlogit33; 1,074,300 for 1,064,691, zxrows33 and zxwalk33. Each alone on the round's start:
# zxrows33 1,077,000 for 1,067,380, zxwalk33 1,078,500 for 1,068,824 (1,079,200 for 1,069,563, AT_SHORT_SCORES'
# first form), zxfc1p33 1,072,500 for 1,062,907, zxlogit33 1,076,500 for 1,066,838 (1,077,300 for 1,067,628 before
# RN_SQUARES_PAIRED), zxnext33 on zxrows33 1,072,200 for 1,062,655, zxwalk33b on zxrows33 and zxwalk33 1,073,900
# for 1,064,332; 1,081,500 for 1,071,817, the thirty-first round's zxvpage31, zxfc2t31, zxrows31 and zxroom31 merged;
# 1,086,100 for 1,076,389, zxroom31 before zxrows31: fw_logit_planes in bank 0 and record_values_gather below $8000
# leave fc2's short pieces for x of 9..16 and position 1's store of two words a pass their room below $C000;
# 1,084,700 for 1,075,014, zxrows31 alone: planes.s's WP_NARROW_RUNS, WP_FILL_PAIRS, WP_CHAIN_A and WP_SUMS_UNROLLED;
# 1,088,000 for 1,078,240, zxvpage31: the value cache's high byte the kept walk's page,
# AT_PAGED_VALUES; 1,092,300 for 1,082,530, zxlong30: nzmatvec.s's short pieces for fc2's x of 1..8; 1,099,700 for
# 1,089,857, zxqkv128c: planes.s's word tables in the 128K player, layer 0's proj and
# fc2 in bank 7, logitplanes.s and out's masks in bank 0; 1,150,500 for 1,140,191, zxqkv128b merged after zxdiv128:
# the 128K without matvec.s's coarse pairs; 1,156,400 for 1,146,130, zxqkv128b alone; 1,150,500 for 1,140,280, zxdiv128's means' division: -M and M in two pairs, the kept
# walk's store through HL', the first round on its usual bit;
# 1,152,900 for 1,142,621, zxffn29 and zxatt128c merged;
# 1,158,100 for 1,147,720, with zxatt128c's kept sums of S(v) and exp_lut at its page's byte 128;
# 1,156,500 for 1,146,219, with fc1planes.s's tests in the next plane's doubling, its zero rows' own
# stores, its lookups by DE (c2 + bl in C) and its fill's steps by ld de, zxffn29; 1,161,700 for 1,151,319, with zxlogits128's exact rows by their planes; 1,162,500 for 1,152,148, zxnz28: matvec_nz's rows from each part's first nonzero column, its
# writing and bias walk cheaper; 1,166,400 for 1,155,989, zxfc1l0 merged after zxplanes28 and zxatt128: layer 0's fc1 by fc1planes.s's copy
# in bank 0 and out by its planes alone; 1,182,000 for 1,171,476, zxplanes28 and zxatt128 merged; 1,183,700 for 1,173,151, with planes.s's plane 0 on group 0's low page as plane 4 leaves it and its
# calls at shift 4 in a loop without the chain, zxplanes28; 1,185,300 for 1,174,705, with attention.s's complemented last planes, pl_keys' score place in B
# and the weights' one test of max - f >= 128, zxatt128; 1,171,400 for 1,160,892 with zxfc1l0 alone; 1,187,000 for 1,176,379, with matvec_nz's rows' bias by add hl,hl, their count in C and its
# piece of h by ldir, zxnzrow; 1,188,700 for 1,178,092, with layer 1's fc1 by fc1planes.s in bank 4 (FW_FC1_PLANES) beside fc2 by
# matvec_nz, the coarse pairs' routines in bank 0 above $C000 and fc1wide.s below it, zxfit128; 1,205,500 for
# 1,194,656 (zxgate128b merged after zxsparse: the build fell back to matvec's fc1) and 1,194,734 + 0.9%,
# with fc2 by its nonzero inputs, nzmatvec.s's matvec_nz (zxsparse); 1,246,500 for 1,235,289 + 0.9%, with
# zxgate128b before zxsparse; 1,263,300 for 1,251,964 + 0.9%, with logitplanes.s's even rows' starts by a step and every
# row's planes 7..4 apart from its planes 0..3 (lg_split at the first RUN), zxstep128c; 1,266,000 for
# 1,254,661 + 0.9%, with logitplanes.s's tables filled by pushes and the rows
# left's Q in the list's order (zxlogits2) and the kept means' borrow out of line, at_kept_borrow
# (zxproj128); 1,281,300 for 1,269,848 + 0.9%, with the twenty-sixth round's narrow rows (plane 6 skipped) and
# cheaper table builds in planes.s (zxplanes128b) and the logits' argmax by logitplanes.s in bank 6
# (FW_LOGIT_PLANES, zxcoarse); 1,329,300 for 1,317,394 + 0.9%, with the twenty-fifth
# round's q, k and v by planes.s in bank 6, FW_PLANES, zxplanes128; 1,376,700 for 1,364,417 a computed position + 0.9%, with the twenty-fourth round's sparse column pass a pair of
# slots at a time, zxpass128; 1,379,600 for 1,367,274 + 0.9%, the undo put off, zxreply128b;
# 1,422,086 a computed position + 0.9%, with the twenty-first round's logits from id 3 and argmax's
# runner-up on their rows in 4 (D >> 8), zxstep; 1,439,200 for
# 1,426,442 a computed position + 0.9%, with the twentieth round's kept means' cheaper upkeep, zxkept2;
# 1,440,900 for 1,428,062 a computed position, 0.9% over, with zxpairs2 and zxkeptmeans merged;
# (1,441,700 for 1,428,801 a computed position, TurnCost.per_position, 0.9% over, with the
# twentieth round's coarse pairs again (zxpairs2: the logits' finer test, cheaper walks);
# 1,443,200 for 1,430,236 a computed position, 0.9% over, with the twentieth round's means off
# each dimension's kept sum of S(vl) (AT_KEPT_MEANS, zxkeptmeans) alone;
# 1,443,900 for 1,430,976 a computed position, TurnCost.per_position, 0.9% over, with the
# nineteenth round's coarse pairs (MV_COARSE_PAIRS, zxpairs128) merged with zxroots;
# 1,446,800 for 1,433,807 with the coarse pairs alone;
# 1,454,000 for 1,440,975 a computed position, TurnCost.per_position, 0.9% over, with zxroots's
# RMSNorm roots and inverses by tables (RN_INVERSE_TABLE);
# 1,456,800 for 1,443,807 a computed position, TurnCost.per_position, 0.9% over, after merging
# zxnorm4 with zxroom128 and zxdiv;
# 1,464,200 for 1,451,137 a computed position, TurnCost.per_position, 0.9% over, with the
# nineteenth round's fast means' negative quotients started in the N chain, no n + 256 M added;
# 1,457,000 for 1,443,994 a computed position, TurnCost.per_position, 0.9% over, with zxnorm4's
# rn_table_loop counting its elements by djnz in the other set;
# 1,457,400 for 1,444,352 a computed position, TurnCost.per_position, 0.9% over, with zxnorm4's
# squares' range check before the byte (a positive x's high byte by one cp);
# 1,458,500 for 1,445,480 a computed position, TurnCost.per_position, 0.9% over, with zxnorm4's
# rn_table_loop (x popped, out in the other set: no pushes and pops around an element);
# 1,460,800 for 1,447,733 a computed position, TurnCost.per_position, 0.9% over, with zxnorm4's
# RN_IN_PAGE too (rmsnorm.s's unit loops step x and out by inc l);
# 1,461,500 for 1,448,428 a computed position, TurnCost.per_position, 0.9% over, with the
# nineteenth round's zxnorm4: RN_UNIT_PRODUCTS's tables of inv's multiples pushed with SP;
# 1,464,500 for 1,451,420 a computed position, TurnCost.per_position, 0.9% over, with zxscan's
# look for T's lone row before the logits' scan (logitsraw.s: T's row not computed again) and
# the 128K's argmax without its runner-up, in rounds of two (vecops.s's AM_RUNNER_KEPT,
# AM_UNROLL);
# 1,467,900 for 1,454,764 a computed position, TurnCost.per_position, 0.9% over, after merging
# the eighteenth round's ten branches (zxpass3, zxvdim, zxends, zxkeys, zxnorm2, zx48, zxrawqk,
# zxends2, zxnorm3, zxlogits3; rmsnorm.s's tables a page up, $F800);
# 1,470,200 for 1,457,027 a computed position, TurnCost.per_position, 0.9% over, after merging
# the eighteenth round's zxpass3, zxvdim, zxends, zxkeys, zxnorm2, zx48, zxrawqk, zxends2 and zxnorm3;
# 1,472,300 for 1,459,153 a computed position, TurnCost.per_position, 0.9% over, with zxlogits3's
# logits bound on the coarse rows' D >> 8 (logitsraw.s, matvec_ends.s's mv_coarse_raw);
# 1,474,600 for 1,461,417 a computed position, TurnCost.per_position, 0.9% over, after merging
# the eighteenth round's zxpass3, zxvdim, zxends, zxkeys, zxnorm2, zx48, zxrawqk and zxends2;
# 1,478,700 for 1,465,451 a computed position, TurnCost.per_position, 0.9% over, after merging
# the eighteenth round's zxpass3, zxvdim, zxends, zxkeys, zxnorm2, zx48 and zxrawqk;
# 1,481,000 for 1,467,758 a computed position, TurnCost.per_position, 0.9% over, with the eighteenth
# round's RN_UNIT_PRODUCTS (zxnorm3: the unit products through tables of inv's multiples);
# 1,483,300 for 1,470,027 a computed position, TurnCost.per_position, 0.9% over, with the eighteenth
# round's RN_SWAPPED_SQUARES (zxnorm3: rmsnorm's squares by swapped nibbles, banks 0 and 4);
# 1,485,400 for 1,472,148 a computed position, TurnCost.per_position, 0.9% over, with the eighteenth
# round's RN_UNIT_GAIN_BITS (zx48: the norms without the gains' check), merged with main fb3e49e;
# (1,489,500 for 1,476,162 a computed position, TurnCost.per_position, 0.9% over, after merging
# 1,482,700 for 1,469,465 a computed position, TurnCost.per_position, 0.9% over, with branch
# zxrawqk's pl_keys keeping only f (no q.k low bits, its key end by right shifts);
# 1,485,400 for 1,472,132 a computed position, TurnCost.per_position, 0.9% over, on zxends2:
# three adding steps, the sparse first part's bias row start, mv_hz_prepare's jumps, fc1's short
# exact rows;
# 1,489,500 for 1,476,162 a computed position, TurnCost.per_position, 0.9% over, after merging
# the eighteenth round's zxpass3, zxvdim, zxends, zxkeys and zxnorm2;
# 1,495,300 for 1,481,956 a computed position, TurnCost.per_position, 0.9% over, after merging
# the eighteenth round's zxpass3, zxvdim, zxends and zxkeys;
# 1,503,200 for 1,489,748 a computed position, TurnCost.per_position, 0.9% over, after merging
# the eighteenth round's zxpass3, zxvdim and zxends;
# 1,506,400 for 1,492,905 a computed position, TurnCost.per_position, 0.9% over, after merging the
# eighteenth round's zxpass3 and zxvdim;
# 1,510,600 for 1,497,120 a computed position, TurnCost.per_position, 0.9% over, with the eighteenth
# round's look for matvec_again in mv_prepare, the low slots' pass's l - 1 in C and slot 0, and
# mv_low_prepare's slot 0 (docs/spectrum.md, "Eighteenth round: the column pass and matvec_again's
# preparation");
# 1,509,500 for 1,495,969 a computed position, TurnCost.per_position, 0.9% over, with the eighteenth
# round's dimension-major value cache, the means popping a dimension's positions in order
# (docs/spectrum.md, "Eighteenth round: the value cache dimension-major");
# 1,510,600 for 1,497,027 a computed position, TurnCost.per_position, 0.9% over, with the eighteenth
# round's short row ends' stores at even addresses, mv_hz_gate's signed test and the adding calls'
# own chain steps (docs/spectrum.md, "Eighteenth round: the short row ends' stores and the gate");
# 1,505,900 for 1,492,395 a computed position, TurnCost.per_position, 0.9% over, with the
# eighteenth round's scores: pl_keys with R in C:A, the max in IX and no at_row, pl_prepare's
# tables and checks and its fall into pl_keys, attend_head's start on the old dot's way alone,
# pl_store's inc l (docs/spectrum.md, "Eighteenth round: the scores' planes loop");
# 1,507,900 for 1,494,391 a computed position, TurnCost.per_position, 0.9% over, with the eighteenth
# round's embedding pushed with SP and its chains assembled, RMSNorm's squares by sign, clamped loop
# by SP, gains' check four a round, interrupts off to its end and RN_SHORT_SHIFTS and argmax's logits stepped by inc l (docs/spectrum.md, "Eighteenth
# round: RMSNorm's loops and the embedding");
# 1,513,700 for 1,500,184 a computed position, TurnCost.per_position, 0.9% over, with matvec_again's
# short look (docs/spectrum.md, "Seventeenth round: matvec_again's preparation") and RMSNorm's unit
# products through mul16u with no mul16u_smaller compare ("Seventeenth round: RMSNorm's products");
# 1,515,600 for 1,502,028 a computed position, TurnCost.per_position, 0.9% over, with the sparse
# short row ends' first form (docs/spectrum.md, "Seventeenth round: the last row ends' bytes");
# 1,518,100 for 1,504,535 a computed position, TurnCost.per_position, 0.9% over, after the seventeenth
# round's sparse short row ends and the low slots' pass four columns a step merged;
# 1,519,800 for 1,506,321 a computed position, TurnCost.per_position, 0.9% over, with the seventeenth
# round's short row ends for fc2's sparse calls (docs/spectrum.md, "Seventeenth round: the sparse
# calls' short row ends");
# 1,526,600 for 1,512,983 a computed position, TurnCost.per_position, 0.9% over, with the seventeenth
# round's low slots' pass four columns a step (docs/spectrum.md, "Seventeenth round: x's producers
# counted, the low slots' pass four columns a step");
# 1,528,400 for 1,514,769 a computed position, TurnCost.per_position, 0.9% over, after the seventeenth
# round's scores and short row ends merged;
# 1,568,500 for 1,554,494 a computed position, TurnCost.per_position, 0.9% over, with the seventeenth
# round's scores: 11-plane keys, pl_prepare's popped q and a wide q's sums (docs/spectrum.md,
# "Seventeenth round: the scores' 11-plane keys and wide q");
# 1,535,600 for 1,521,874 a computed position, TurnCost.per_position, 0.9% over, with the seventeenth
# round's short row ends, matvec.s's mv_hz_* (docs/spectrum.md, "Seventeenth round: the short row ends");
# 1,575,700 for 1,561,628 a computed position, TurnCost.per_position, 0.9% over, with the sixteenth round's logits bound skipping its scan on argmax's runner-up too
# (docs/spectrum.md, "Sixteenth round: the logits' scan left to argmax's runner-up"; 1,578,800 for the
# 1,564,659 of that branch on main 6fc8328, 1,609,400 for its 1,595,038 on main 1d1a289);
# 1,579,200 for 1,565,078 a computed position, TurnCost.per_position, 0.9% over, with the sixteenth
# round's sparse second part from its first part's slots, mv_sparse_rewalk, too (docs/spectrum.md,
# "Sixteenth round: the sparse second part from the first part's slots");
# 1,582,300 for 1,568,109 a computed position, TurnCost.per_position, 0.9% over, with the sixteenth
# round's scores by bit planes, AT_PLANE_SCORES, too (docs/spectrum.md, "Sixteenth round: the scores by
# bit planes, in the 128K player"; 1,627,800 for the 1,613,216 of that branch before main's 1d1a289);
# (1,612,900 for 1,598,484 a computed position, TurnCost.per_position, 0.9% over, with the sixteenth
# round's sparse walk a pair at a time too (docs/spectrum.md, "Sixteenth round: the sparse walk"; 1,649,400 for
# the 1,634,614 of that branch alone);
# 1,621,900 for 1,607,466 a computed position, TurnCost.per_position, 0.9% over, with the sixteenth
# round's embedding by add hl,hl chains and the residual adds and ReLU in matvec's stores, a gated
# row zeroed straight from the gate (docs/spectrum.md, "Sixteenth round: the vector steps"; 1,632,100
# for the 1,617,560 of that branch without zxnorm's RMSNorm);
# 1,648,300 for 1,633,529 a computed position, TurnCost.per_position, 0.9% over, with the sixteenth
# round's RMSNorm too (docs/spectrum.md, "Sixteenth round: RMSNorm"; 1,667,200 for the 1,652,320 of that
# branch alone);
# 1,658,400 for 1,643,595 a computed position, TurnCost.per_position, 0.9% over, with the sixteenth
# round's column pass from x + 127 writing the low slots itself a pair at a time too (docs/spectrum.md,
# "Sixteenth round: the column pass from x + 127, on the wide columns' blocks"; 1,669,800 for the
# 1,654,898 of that branch on the wide columns alone);
# 1,677,400 for 1,662,386 a computed position, TurnCost.per_position, 0.9% over, with the sixteenth
# round's fast means too (docs/spectrum.md, "Sixteenth round: the fast means"; 1,724,900 for the
# 1,709,452 of the means' round alone);
# 1,682,600 for 1,667,522 a computed position, TurnCost.per_position, 0.9% over, with the sixteenth
# round's wide columns (below) and the scores' setup and key sums (at_fast_prepare without a range check
# a piece, H4 for full heads only, at_key_sums's narrow S(wh), the keys' sums stepped by inc l:
# docs/spectrum.md, "Sixteenth round: the scores' setup and key sums");
# 1,688,800 for 1,673,689 a computed position, TurnCost.per_position, 0.9% over, with the sixteenth
# round's wide columns of h +-1 in the coarse and low slots' own blocks (docs/spectrum.md, "Sixteenth
# round: the wide columns' high pieces in their slots"); 1,723,800 for the 1,708,421 of the scores' round
# alone; 1,730,100 for 1,714,588 a computed position, TurnCost.per_position, 0.9% over, with the fifteenth
# round's narrow dims and at_dst in at_fast_store (docs/spectrum.md, "the dims' narrow mode");
# 1,730,400 for the 1,714,889 of the narrow dims alone; 1,732,000 for the 1,716,437
# before them, with the fifteenth round's fast scores' carries by jp nc, keys' sums pointer in BC and the means' sum of S(w) in the
# weights' loop (docs/spectrum.md, "the weights' squares"); 1,735,000 for the 1,719,411 before
# them, with the fifteenth round's rows with no h sum (mv_row_h_zero) and the coarse and low rows' D kept 0; 1,742,000 for the
# 1,726,116 before them, with the fifteenth round's row constants in front of the weights (1,769,000 for their 1,752,566 alone) and its
# attention scores, means' walk and RMSNorm's popped x and unit products (1,770,000 for their
# 1,754,559 alone); 1,798,000 for the 1,782,089 before them; the figures above
# divided the turn's 7 computed positions by 8, position 0 counted without its cost, until the
# fifteenth round: 1,573,000 for that mean's 1,559,328, 7/8 of this one.)


def test_the_128k_players_forward_pass_is_the_engines_and_faster_than_the_48ks():
    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    context = tokenizer.encode_turn("hello")
    means = {}
    for model in ("48k", "128k"):      # forward_turn checks every step against the engine
        rows, reply = forward_turn(player_bench(soul, tokenizer, model), Engine(soul), context)
        means[model] = TurnCost(rows, reply).per_position
    assert means["128k"] < 0.97 * means["48k"], means
    assert means["128k"] <= PLAYER_128K_MEAN_BUDGET, means


def test_the_128k_players_bank_holds_layer_1_and_its_main_block_the_sparse_calls(built):
    soul = load_soul(DEFAULT_SOUL)
    sym = built.program.symbols
    assert "mv_sparse_part" in sym and "mv_low_slots" in sym       # MV_SPARSE and MV_LOW_SLOTS
    assert "pl_store" in sym and "pl_keys" in sym and "at_dims" not in sym   # AT_PLANE_SCORES, not AT_FAST_SCORES
    # MV_COARSE (since the twenty-eighth round no coarse call runs: below), its coarse code left out since the
    # thirty-second round (MV_COARSE_UNCALLED, zxcoarse32: tests/test_zx_coarse32.py)
    assert "MV_COARSE" in sym and "MV_COARSE_UNCALLED" in sym and "mv_coarse_slots" not in sym
    # twenty-eighth round (zxfc1l0): out by its planes alone (SOUL_OUT_APART: no matvec copy, no bound) and
    # layer 0's fc1 by fc1planes.s's copy in bank 0 (FW_FC1_PLANES_L0: no matvec rows either)
    assert sym["SOUL_OUT_APART"] == 1 and sym["FW_FC1_PLANES_L0"] == 1 and "fw_logits_bound" not in sym
    assert "RN_IN_PAGE" in sym and max(sym["fw_h"] & 255, sym["fw_xn"] & 255) <= 256 - 64   # (zxnorm4: inc l)
    (bank, data, data_at), _embedding, _planes = map(tap.bank_block, built.banks)
    for name, tensor in soul.tensors.items():
        if not is_matvec_matrix(name) or name in QKV_MATRICES:      # (SOUL_QKV_APART: their planes in bank 6)
            continue
        if name == "l1.fc1_w" and "FW_FC1_PLANES" in sym:       # (fc1planes.s's rows alone: the test below)
            continue
        if name in ("l0.fc1_w", "out") and "FW_FC1_PLANES_L0" in sym:     # (fc1planes.s's rows, out's planes)
            continue
        at = sym["soul_" + name.replace(".", "_")]          # matvec's layout: each row's -K + 2b, then its
        block, origin = (data, data_at) if name.startswith("l1.") else (built.program.data, ORIGINS["128k"])
        if name in L0_BANK_TENSORS:     # (twenty-ninth round, zxqkv128c: in bank 7, below te)
            _, block, origin = _embedding
        rows, cols = tensor.values.shape                    # weights as w xor $80 (fc2's 64 columns: each part's apart)
        stored = block[at - origin:at - origin + matvec_size(rows, cols)]
        bias = bias_of(name)
        assert stored == matvec_bytes(tensor.values, soul.tensors[bias].values if bias else None), name
        first = cols - MATVEC_SLOTS
        weights = stored[3:3 + cols] if first <= 0 else stored[3:3 + first] + stored[rows * (3 + first):][:MATVEC_SLOTS]
        assert np.array_equal(np.frombuffer(weights, np.uint8) ^ 0x80, tensor.values[0] & 0xFF), name   # row 0
    block_end = sym["fg_code_end"] if "FW_FC1_PLANES" in sym else sym["sp_words_end"]   # (fc1planes.s's after the list)
    assert bank == DATA_BANK and len(data) == block_end - data_at
    # everything layer 1 runs, reads and writes but its tensors lies below the bank it pages in
    assert max(sym["zx_page_end"], sym["kv_values"] + 2 * sym["KV_LAYER_BYTES"], sym["pl_tables"] + 64,
               sym["pl_store"]) <= paging.PAGED_START
    # the keys' planes in the bank, after its block (layer 1 runs with it in; layer 0's heads page it in)
    assert len(data) + data_at <= sym["kv_planes"]
    assert sym["kv_planes"] + 2 * sym["PL_LAYER_BYTES"] <= paging.PAGED_START + paging.BANK_SIZE
    names = {region.name for region in built.regions}
    assert "l0.n2" in names and "l1.proj" not in names and "word list (spelling rule)" not in names
    # twenty-ninth round (zxqkv128c): layer 0's proj and fc2 in bank 7 below te (SOUL_L0_BANK), not in bank 0's map
    assert sym["SOUL_L0_BANK"] == 1 and not names & {"l0.proj", "l0.fc2_w", "l0.fc2_b"}
    assert _embedding[2] == sym["sp_words"] < sym["sp_words_end"] == sym["L0_BANK_START"] == sym["soul_l0_proj"]
    assert sym["soul_l0_proj"] < sym["soul_l0_fc2_w"] < EMBED_START     # (the word list first: zx128fc1g36)
    # twenty-seventh round (zxgate128b): q, k and v by their planes alone (SOUL_QKV_APART), on the tape in bank 6
    assert sym["SOUL_QKV_APART"] == 1 and not names & {"l0.q", "l0.k", "l0.v"}
    assert all(sym[f"soul_l{layer}_{name}"] == sym[f"wp_l{layer}_{name}"] for layer in range(2) for name in "qkv")


def test_the_128k_players_te_pe_and_embedding_lie_in_bank_7_and_the_tape_loads_them(built, tmp_path, monkeypatch):
    """Nineteenth round: te, pe and embedrows.s's code in a bank (bank 6's top 8K past its 32 records
    until the twenty-fifth round; then at $E800 past planes.s's code and matrices; since the twenty-sixth
    round, zxcoarse, bank 7 at $D800, contended, below the 128 ROM editor's $EC00; its room in bank 6
    logitplanes.s's), forward.s's fw_embed
    below $C000 paging it in; the value cache below $8000 in their room. The loader pages bank 7 in for its
    CODE block at EMBED_START; a soul whose shifts embedrows.s's chains do not take keeps the layout from
    before (te and pe below $8000, vecops.s's embed in bank 0)."""
    from conftest import random_soul
    from soulterm.soul.soulfile import Soul, save_soul

    soul = load_soul(DEFAULT_SOUL)
    sym = built.program.symbols
    _data, (bank, data, address), (_, planes, planes_at) = built.banks
    assert bank == EMBED_BANK != PLANES_BANK and address == sym["sp_words"] < EMBED_START  # (the word list, layer 0's proj, fc2 first)
    assert sym["SP_WORDS_BANK"] == EMBED_BANK and sym["sp_words_end"] == sym["L0_BANK_START"]     # (zx128fc1g36)
    assert bank not in RECORD_BANKS and sym["RECORDS_A_BANK"] * sym["RECORD_BYTES"] == paging.BANK_SIZE
    for name in ("te", "pe"):
        at = sym[f"soul_{name}"] - address
        assert data[at:at + soul[name].values.size] == soul[name].values.astype(np.int8).tobytes(), name
    assert sym["EMBED_ENTRY"] > sym["soul_pe"] and address + len(data) <= 0x10000
    assert max(sym["fw_embed"], sym["zx_page_end"]) < paging.PAGED_START
    assert sym["kv_values"] + 2 * sym["KV_LAYER_BYTES"] <= UNCONTENDED
    assert not {"te", "pe"} & {region.name for region in built.regions}
    blocks = tap.files(tap.decode_blocks(built.tape))
    # (zxtape31: the squares table and bank 0's fc1planes.s made by the first start, build.tape_holes)
    main_block = len(built.program.data) - sum(length for _, length in tape_holes(built.program))
    assert [(f.header.param1, len(f.data)) for f in blocks[1:]] == [(_data[2], len(_data[1])),
                                                                     (address, len(data)), (planes_at, len(planes)),
                                                                     (ORIGINS["128k"], main_block)]
    machine, _ = play_zx_prompts(built.tape, ["hi"], "soulplayer 128")
    loaded = machine.bank(EMBED_BANK)[address - paging.PAGED_START:][:len(data)]
    code = sym["EMBED_ENTRY"] - address        # (te and pe, and fw_embed's first bytes: its rows patch their own SP)
    assert loaded[:code + 16] == data[:code + 16] and any(data[code:])


@pytest.mark.slow       # (two more 128K ladders: ~35 s alone, ~100 s beside the suite's other worker)
def test_a_soul_whose_shifts_the_embedding_chains_do_not_take_keeps_te_and_pe_below_8000(built, tmp_path, monkeypatch):
    """The other half of the bank-7 layout's test above: a soul whose te shift embedrows.s's chains do not
    take keeps the layout from before (te and pe below $8000, vecops.s's embed in bank 0), and its ladder
    falls back to rungs without FW_PLANES, the coarse pairs and AT_KEPT_MEANS."""
    from conftest import random_soul
    from soulterm.soul.soulfile import Soul, save_soul

    soul = load_soul(DEFAULT_SOUL)
    sym = built.program.symbols
    other = random_soul(3)
    arrays = {t.name: (other[t.name].values, other[t.name].shift) for t in spec.TENSORS}
    arrays["te"] = (arrays["te"][0], 0)
    path = tmp_path / "soul.bin"
    save_soul(Soul.from_arrays(arrays), path)
    # that layout leaves 2 bytes below $8000 with the origin at $5D80: the real ROM's loader room (the
    # origin $5E80 since the twenty-second round) does not fit, and the build says so; its rungs at $5D80
    with pytest.raises(BuildError, match="cold part runs past \\$8000"):
        assemble_spectrum_player(path, DEFAULT_TOKENIZER, "128k")
    monkeypatch.setitem(ORIGINS, "128k", 0x5D80)
    # (its wide activations would not pay for FW_PLANES, planes_pay: made to, so that the room is what decides)
    monkeypatch.setattr(zx_build, "planes_pay", lambda soul, tokenizer: True)
    general = assemble_spectrum_player(path, DEFAULT_TOKENIZER, "128k")
    assert not embed_in_bank(load_soul(path), "128k") and embed_in_bank(soul, "128k")
    assert [bank for bank, *_ in general.banks] == [DATA_BANK] and general.program.symbols["soul_te"] < UNCONTENDED
    # FW_PLANES (twenty-fifth round: 101 bytes below $C000) takes that soul's q, k and v, but no rung of the
    # general embed's layout has room for it with them: the ladder falls back to its rungs without it
    assert planes_take(load_soul(path)) and "FW_PLANES" in built.program.symbols
    assert "FW_PLANES" not in general.program.symbols
    # the coarse pairs' rung (MV_COARSE_PAIRS: ~420 bytes of code after forward.s, below $C000, and
    # 128 of column ranges in bank 0) was the shipped soul's; the general embed's layout has ~140 bytes
    # left below $C000 and ~20 in bank 0 (twentieth round): it takes the ladder's rungs without it. Since the
    # twenty-ninth round (zxqkv128b) the shipped soul's first rung builds without them too: with FW_FC1_PLANES_L0
    # no coarse call runs (the logits and both fc1s by their planes), and neither the pairs' routines nor the
    # fc1 pass through quads without their stores (MV_GATE_QUADS) nor argmax in rounds of two (AM_ROUNDS) is there
    general_sym = general.program.symbols
    assert "FW_FC1_PLANES_L0" in sym and "MV_COARSE_PAIRS" not in sym and "mv_pairs_walk_logits" not in sym
    assert "MV_COARSE_PAIRS" not in general_sym and "mv_pairs_walk_logits" not in general_sym
    assert "soul_l1_fc1_w_pair_ranges" not in sym and "soul_out_pair_ranges" not in general_sym
    assert "soul_out_pair_ranges" not in sym and "SOUL_OUT_APART" in sym     # (twenty-eighth round: no out copy)
    assert "mv_gate_quads" not in sym and "am_best_row" not in sym and "MV_RAW_PASS" not in sym
    assert "mv_gate_quads" not in general_sym and "am_best_row" not in general_sym
    # (the ladder's first rungs, AT_KEPT_MEANS and MV_COARSE_PAIRS, do not fit its bank 0: it takes a later one)
    assert "AT_KEPT_MEANS" in sym and "AT_KEPT_MEANS" not in general_sym


def test_the_128k_players_start_makes_rmsnorms_swapped_squares_in_banks_0_and_4(built):
    # rmsnorm.s's squares by swapped nibbles (RN_SWAPPED_SQUARES): off the tape, made by the start
    # (rn_swap_squares_banks) in bank 0 and in the bank layer 1's norms run with; entry s of each
    # page is attention's table's entry for s with its nibbles swapped
    sym = built.program.symbols
    table, squares = sym["RN_SWAPPED_SQUARES"], sym["at_sq_table"]
    assert table % 256 == 0 and table >= sym["record_known"] + spec.VOCAB_SIZE
    assert table >= sym["kv_planes"] + 2 * sym["PL_LAYER_BYTES"] and table + 1024 <= 0xFF58
    assert built.program.end <= table       # (off the tape)
    machine, _ = play_zx_prompts(built.tape, ["hi"], "soulplayer 128")
    wanted = bytearray(1024)
    for page in range(4):
        for s in range(256):
            wanted[256 * page + s] = machine.memory[squares + 256 * page + ((s >> 4) | (s << 4 & 0xF0))]
    assert any(wanted)
    for bank in (0, DATA_BANK):
        at = table - paging.PAGED_START
        assert machine.bank(bank)[at:at + 1024] == bytes(wanted), bank


def test_build_command_writes_the_128k_tape(tmp_path, capsys):
    assert main(["build", "--machine", "zx128", "--output", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    # (the word list below bank EMBED_BANK's block since the thirty-sixth round, SP_WORDS_BANK; bank DATA_BANK's block
    # raised so that fc1planes.s and the keys' planes end at its tables)
    words = zx_build.embed_words_bank(Tokenizer.load(DEFAULT_TOKENIZER), l0_bank_symbols(load_soul(DEFAULT_SOUL))['L0_BANK_START'])
    assert re.search(rf"bank {DATA_BANK} at \$C[0-9A-F]{{3}}: {re.escape(BANK_FC1_CONTENTS)}", out)
    assert f"bank {EMBED_BANK} at ${words.origin:04X}: {EMBED_WORDS_CONTENTS}" in out and words.origin > 0xC000
    planes_at = zx_build.planes_bank(load_soul(DEFAULT_SOUL), qkv_apart=True, out_apart=True, logits=False, words=True).origin
    assert planes_at < PLANES_START and f"bank {PLANES_BANK} at ${planes_at:04X}: {PLANES_CONTENTS}" in out
    image = (tmp_path / "soulplayer128.tap").read_bytes()
    assert (tmp_path / "soulplayer128-zx.map.json").is_file()
    assert tap.files(tap.decode_blocks(image))[-1].header.param1 == ORIGINS["128k"]
    built = assemble_spectrum_player(DEFAULT_SOUL, DEFAULT_TOKENIZER, "128k")
    assert np.array_equal(np.frombuffer(image, np.uint8), np.frombuffer(built.tape, np.uint8))
    # the 128K tape shipped beside the 48K one is the current build
    assert (DISK_DIR / TAP_NAME_128K).read_bytes() == built.tape, "run: soulterm build --machine zx128 --output disk"
    assert (DISK_DIR / (Path(TAP_NAME_128K).stem + ZX_MAP_SUFFIX)).read_text() == built.map_text


def test_is_128k_tape_tells_the_tapes_apart():
    banked = tap.write_tap("banked", bytes([0xC9]), 0x8000, banks=[(4, b"four")])
    plain = tap.write_tap("plain", bytes([0xC9]), 0x8000)
    assert tap.is_128k_tape(banked) and tap.is_128k_tape((DISK_DIR / TAP_NAME_128K).read_bytes())
    assert not tap.is_128k_tape(plain)
    assert not tap.is_128k_tape(b"no tape at all") and not tap.is_128k_tape(b"")


def test_a_128k_program_that_writes_over_the_128_roms_ram_at_5b00_crashes_coming_back_to_basic():
    """The 128 ROM keeps its bank switching in the printer buffer ($5B00-$5BFF: SWAP, TSTACK); 128
    BASIC comes back from RANDOMIZE USR through it, so a program that wrote there hangs a real 128K
    at its return (the 128K player's logits lay there until the twenty-second round: "q" hung on
    the real ROMs). soulterm's ROM stops it as a crash; the 48K's printer buffer is the program's."""
    writes = bytes([0x3E, 0x55, 0x32, 0x10, 0x5B, 0xC9])           # ld a,$55 / ld ($5B10),a / ret
    for banks, crashed in (([(4, b"four")], True), ((), False)):
        machine = Spectrum()
        machine.load_tap(tap.write_tap("buffer", writes, 0x8000, banks=banks))
        assert machine.run(max_cycles=1000) == "halted" and machine.crashed == crashed
        assert ("$5B00" in machine.stop_message) == crashed
    banked = Spectrum()
    banked.load_tap(tap.write_tap("bankm", bytes([0x3E, 0x14, 0x32, 0x5C, 0x5B, 0xC9]), 0x8000, banks=[(4, b"four")]))
    assert banked.run(max_cycles=1000) == "halted" and not banked.crashed      # BANKM ($5B5C) is a program's to set


def test_the_128k_players_chat_scrolls_past_a_screenful_without_the_roms_scroll_question(built):
    """The 128K's chat scrolls with the ROM's own scroll, which counts SCR-CT down from CLS's 1 and
    asks "scroll?" where it runs out (a real 128K waits for a key there, N or SPACE stopping the
    player: seen on the real ROMs, twenty-second round); the player sets it to 255 at each prompt,
    so it never asks, and its logits leave the 128 ROM's RAM at $5B00 as it was ("q" comes back)."""
    machine = Spectrum()
    machine.load_tap(built.tape)
    for prompt in ["hello", "hi", "how are you", "what is your name", "good morning", "i am sad",
                   "tell me a joke", "do you like music", "thank you", "bye now", "ok"]:
        machine.type_line(prompt)
        assert machine.run(max_cycles=600_000_000, until_idle=True) == "idle"
    assert machine.rom.scroll_asks == [] and machine.rom_128_ram is not None
    assert machine.memory[0x5C8C] > 200
    machine.type_line("q")
    assert machine.run(max_cycles=100_000_000) == "halted" and not machine.crashed, machine.stop_message


def test_the_128k_takes_the_coarse_pairs_only_for_a_soul_whose_logits_run_coarse(monkeypatch):
    """coarse_pairs_pay (twenty-second round): the 128K's rungs with MV_COARSE_PAIRS (and AT_KEPT_MEANS
    with them) only where at least half of the soul's logits' calls on the engine's activations run
    coarse: the shipped soul's first rung has them, a random soul's (wide activations: no coarse call)
    and the vectors soul's (~8,400 T-states a position faster without) do not."""
    import soulterm.zx.build as zx_build
    from conftest import ORIGINAL_VECTORS, _available, random_soul

    tokenizer = Tokenizer.load(DEFAULT_TOKENIZER)
    for soul, pays in [(load_soul(DEFAULT_SOUL), True)] + [(random_soul(seed), False) for seed in range(3)]:
        assert zx_build.coarse_pairs_pay(soul, tokenizer) == pays
        tried = []
        monkeypatch.setattr(zx_build, "player_source", lambda *args, **kwargs: tried.append(kwargs) or "")
        monkeypatch.setattr(zx_build, "_assemble", lambda source: source)
        zx_build.assemble_player(soul, tokenizer, model="128k")
        assert (tried[0]["coarse_pairs"], tried[0]["kept_means"]) == (pays, pays)
    monkeypatch.undo()
    vectors = _available(ORIGINAL_VECTORS)      # (skips without ../shared)
    soul, tokenizer = load_soul(vectors.soul_path), Tokenizer.load(vectors.tokenizer_path)
    assert not zx_build.coarse_pairs_pay(soul, tokenizer)
    assert "MV_COARSE_PAIRS" not in zx_build.assemble_player(soul, tokenizer, model="128k").symbols


def test_the_128k_takes_the_planes_only_for_a_soul_whose_q_k_v_inputs_they_take(monkeypatch):
    """FW_PLANES (twenty-fifth round) only where planes.s takes at least half of the soul's q, k, v calls on
    the engine's activations (sum |x| <= 4,095, planes_pay): the shipped soul's all, so its first rung has
    the planes; two random souls' wide activations (median sum |x| 27,422 and 16,421; and the vectors
    soul's, 0 of 110 calls: 3,801,443 T-states a position of "hello" with the planes against 3,767,900
    without) are declined, so no rung has them."""
    import soulterm.zx.build as zx_build
    from conftest import random_soul

    tokenizer = Tokenizer.load(DEFAULT_TOKENIZER)
    for soul, pays in [(load_soul(DEFAULT_SOUL), True)] + [(random_soul(seed), False) for seed in (1, 2)]:
        assert zx_build.planes_pay(soul, tokenizer) == pays
        tried = []
        with monkeypatch.context() as patched:
            patched.setattr(zx_build, "player_source", lambda *args, **kwargs: tried.append(kwargs) or "")
            patched.setattr(zx_build, "_assemble", lambda source: source)
            patched.setattr(zx_build, "planes_take", lambda soul: True)     # (the shifts in range: the pay decides)
            zx_build.assemble_player(soul, tokenizer, model="128k")
        assert tried[0]["weight_planes"] == pays        # (the first rung: the one that assembles here)


def test_the_128k_players_q_k_v_run_on_planes_in_bank_6_and_planes_wide_where_it_declines(built):
    """Twenty-fifth round (zxplanes128): forward.s's FW_PLANES runs both layers' q, k and v on planes.s in
    bank PLANES_BANK (its code from PLANES_START, its tables below at $C000 off the tape, the six matrices in
    plane_bytes' layout at wp_matrices' words, off the tape too: the first RUN's planes_first_run makes them
    from matvec's copies, as player_bench does), one wp_tables an xn; where wp_tables declines (here: made to,
    its entry poked to scf / ret) the xn's products are matvec's, slower and as exact (since the twenty-seventh
    round, zxgate128b, SOUL_QKV_APART: the planes on the tape, no matvec copy, planes_wide.s's). It fails on a broken
    wp_rows (its low planes' first halving's rra made a nop: the turn's check against the engine differs).
    Twenty-sixth round (zxplanes128b): each matrix's row classes (plane_classes: its narrow rows skip plane
    6) at wp_class_lists' words, on the tape in the block, each list within a page; wrong classes fail."""
    from soulterm.zx.kernelbench import make_word_masks
    from soulterm.zx.soul_layout import plane_bytes, plane_group_classes, plane_group_word_bytes, plane_words
    from soulterm.zx.weight_planes import low_start_in_table, plane_tables, start_in_table_tables, turn_inputs

    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    engine = Engine(soul)
    context = tokenizer.encode_turn("hello")
    bench = player_bench(soul, tokenizer, "128k")
    sym = bench.symbols
    assert sym["FW_PLANES_BANK"] == PLANES_BANK and sym["wp_tables"] >= PLANES_START and sym["fw_projection"] < 0xC000
    (block_at, block), = [(at, data) for number, data, at in map(tap.bank_block, built.banks)
                          if number == PLANES_BANK]
    # (on the tape since the twenty-seventh round, SOUL_QKV_APART: the first RUN makes out's planes alone)
    # (since the twenty-ninth round, zxqkv128c, WP_WORD_TABLES: each mask its entry's address, 64 bytes a row; since
    # the thirtieth, zxmask30, made by the first wp_tables from the split masks the tape carries, from wp_expand_first
    # at the tables' pages' end: the block ends with the split masks, the words' first half)
    # (since zxnarrow30, WP_NARROW_WORDS: a narrow row's plane 6 gets no words, 8 bytes fewer a narrow row)
    assert sym["WP_WORD_TABLES"] == 1 and sym["WP_NARROW_WORDS"] == 1 and block_at == sym["wp_expand_first"] < PLANES_START
    narrow_rows = [sum(plane_classes(soul[name].values)) for name in zx_build.PLANES_MATRICES]
    assert sum(narrow_rows) > 0
    # (since zxtape31, WP_NARROW_SPLIT: the tape leaves a narrow row's plane 6 masks out too, 4 bytes a narrow row)
    assert block_at + len(block) == sym["wp_l0_q"] + 6 * 1024 - 4 * sum(narrow_rows)
    # (since zxnext33, WP_NEXT_ROW_WORDS: each row's words after its entry, a matrix's after its end's: 66 bytes a matrix;
    # since zxgroup34b, WP_GROUP_FORMS: a group row's 2 - |W| words more, never above 0)
    group_bytes = [plane_group_word_bytes(soul[name].values) for name in zx_build.PLANES_MATRICES]
    assert sum(group_bytes) < 0
    assert sym["wp_l1_v"] == sym["wp_l0_q"] + 5 * 2048 - 8 * sum(narrow_rows[:5]) + 5 * 66 + sum(group_bytes[:5])
    bank = bench.banks[PLANES_BANK]
    at = sym["wp_l0_q"] - 0xC000
    for layer in range(2):
        for i, name in enumerate("qkv"):
            masks = plane_bytes(soul[f"l{layer}.{name}"].values, narrow=True)
            assert len(masks) == 1024 - 4 * narrow_rows[3 * layer + i]
            assert bank[at:at + len(masks)] == masks, (layer, name)
            at += len(masks)
    word = lambda address: bank[address - 0xC000] | bank[address - 0xC000 + 1] << 8     # noqa: E731
    assert word(sym["wp_tables"] + 1) == sym["wp_expand_first"]        # (the tape's call)
    rows, reply = forward_turn(bench, engine, context)          # checks every step against the engine
    planes = TurnCost(rows, reply)
    block_sym = zx_build.planes_bank(soul, qkv_apart=True, out_apart=True, logits=False, words=True).symbols
    assert block_sym["wp_rows"] == sym["wp_rows"]
    assert word(sym["wp_tables"] + 1) != sym["wp_expand_first"]        # (written back by the first build)
    for layer in range(2):
        for i, name in enumerate("qkv"):
            at = word(sym["wp_matrices"] + 2 * (9 * layer + 3 * i))
            at_4 = soul[f"l{layer}.{name}"].shift + 1 == 4     # (its products' shift: wp_row_4's loops)
            loop = "wp_row_4" if at_4 else "wp_row"
            entries = tuple(block_sym[label] for label in (loop, loop + "_narrow", "wp_rows_end"))
            stubs = tuple(block_sym[f"wp_group_{form}"] if form else 0
                          for form in ("wide_2", "wide_1", "", "narrow_2", "narrow_1", "narrow_0"))
            forms = (stubs, (block_sym[loop + "_planes_5"], block_sym[loop + "_plane_4"]), block_sym["wp_group_sums"])
            words = plane_words(soul[f"l{layer}.{name}"].values, zx_build.PLANES_TABLES >> 8, narrow=True,
                                entries=entries, group_forms=forms)
            assert len(words) == 2048 - 8 * narrow_rows[3 * layer + i] + 66 + group_bytes[3 * layer + i]
            assert bank[at - 0xC000:at - 0xC000 + len(words)] == words, (layer, name)
            classes = word(sym["wp_class_lists"] + 2 * (9 * layer + 3 * i))       # (on the tape, one page)
            assert bank[classes - 0xC000:classes - 0xC000 + 32] == plane_group_classes(soul[f"l{layer}.{name}"].values)
            assert block_at + len(block) >= classes + 32 and classes >> 8 == (classes + 31) >> 8
    # the last xn a table was built for: layer 1's at the last position (bank 6 paged out again); group g's
    # entry m the word at 2 m from page $C0 + 2 g (WP_WORD_TABLES; logitplanes.s's tables in bank 0 since zxqkv128c;
    # since zxrows33, WP_LOW_START_IN_TABLE, group 3's entries the rows' R start more)
    xn = next(x for _, name, x in reversed(turn_inputs(engine, context)) if name == "l1.qkv")
    tables = start_in_table_tables(xn)
    assert low_start_in_table(*plane_tables(xn)[1:])[0] != 0       # (group 3's delta: the unbiased table differs)
    assert bench.paged_bank == 0
    for group in range(4):
        page = bank[0x200 * group:0x200 * group + 0x200]
        assert [page[2 * m] | page[2 * m + 1] << 8 for m in range(256)] == [v & 0xFFFF for v in tables[group]], group
    # declined: planes_wide.s's wp_rows_wide on the planes (SOUL_QKV_APART: no matvec copy), exact and far
    # slower (~1.2M T-states a matrix); with its w (xor $80) broken (xor $00) the turn's check fails
    short = context[:3]
    rows, reply = forward_turn(player_bench(soul, tokenizer, "128k"), engine, short)
    fast = TurnCost(rows, reply)
    declined = player_bench(soul, tokenizer, "128k")
    make_word_masks(declined)       # (what the first wp_tables does first: its entry is poked over here)
    at = declined.sym("wp_tables") - 0xC000
    declined.banks[PLANES_BANK][at:at + 2] = bytes([0x37, 0xC9])     # scf / ret
    rows, again = forward_turn(declined, engine, short)
    assert again == reply and TurnCost(rows, again).per_position > fast.per_position + 4_000_000
    assert declined.sym("wp_rows_wide") < UNCONTENDED       # (the cold part: it pages nothing)
    flip = bytes(declined.memory).index(bytes([0xEE, 0x80]), declined.sym("wp_rows_wide"))     # xor $80: u to w
    broken = player_bench(soul, tokenizer, "128k")
    make_word_masks(broken)
    broken.banks[PLANES_BANK][at:at + 2] = bytes([0x37, 0xC9])
    broken.memory[flip + 1] = 0x00
    with pytest.raises(AssertionError):
        forward_turn(broken, engine, short)
    # (WP_NARROW_WORDS) so does a narrow row's bit 6 left 0 (wp_wide_narrow_fix's cpl as a nop: bit 6 = bit 7)
    assert declined.sym("wp_wide_row_order") > PLANES_START and declined.sym("wp_wide_narrow_fix") > PLANES_START
    broken = player_bench(soul, tokenizer, "128k")
    make_word_masks(broken)
    broken.banks[PLANES_BANK][at:at + 2] = bytes([0x37, 0xC9])
    fix = broken.sym("wp_wide_narrow_fix") - 0xC000
    fix += bytes(broken.banks[PLANES_BANK][fix:fix + 96]).index(bytes([0x2F, 0xE6, 0x80]))     # cpl / and $80
    broken.banks[PLANES_BANK][fix] = 0x00
    with pytest.raises(AssertionError):
        forward_turn(broken, engine, short)
    # a broken wp_rows fails the turn's check
    broken = player_bench(soul, tokenizer, "128k")
    bank = broken.banks[PLANES_BANK]
    halving = bytes([0x1F, 0x57, 0xCB, 0x1B])           # rra / ld d,a / rr e: the low planes' first halving
    at = bytes(bank).index(halving, broken.sym("wp_rows") - 0xC000)
    bank[at:at + 1] = bytes([0x00])                     # its rra as a nop
    with pytest.raises(AssertionError):
        forward_turn(broken, engine, context)
    # and so does a wrong class: layer 1's k (29 of its 32 rows need 8 planes) all marked narrow
    broken = player_bench(soul, tokenizer, "128k")
    bank = broken.banks[PLANES_BANK]
    classes = word(sym["wp_class_lists"] + 2 * (9 + 3)) - 0xC000
    assert sum(c & 1 for c in bank[classes:classes + 32]) == 3      # (bit 0; W above it since zxgroup34b)
    bank[classes:classes + 32] = bytes([1] * 32)
    with pytest.raises(AssertionError):
        forward_turn(broken, engine, context)


def test_the_128k_players_logits_argmax_runs_on_the_out_matrix_s_planes_and_the_coarse_call_where_they_leave_rows():
    """Twenty-sixth round (zxcoarse): forward.s's FW_LOGIT_PLANES runs logitplanes.s's lg_select in bank
    PLANES_BANK (its code in planes.s's CODE block, out's masks after the six matrices, made by the first
    RUN as they are, its tables, sums and list on planes.s's table pages) before the logits' call; one row left is the token (fw_lg_chose 1, fw_logits
    untouched), else the coarse call as before (since the twenty-eighth round, SOUL_OUT_APART: out's masks on
    the tape, and the rows left, or all where lg_select declines, exact by planes_wide.s's fw_out_exact: the
    test below). On "hello" every reply step takes the planes' row; with
    lg_select poked to decline (scf / ret) the turn is the engine's all the same through that path,
    more than 50,000 T-states slower a step; a broken lg_select (its first list storing the rows' countdown for
    their numbers) fails the turn's check against the engine. (Breaks in the sums mostly leave more than
    one row, and the coarse call then gives the engine's token: the kernel's own test holds it to its
    model, tests/test_kernels_z80_logit_planes.py.)"""
    from soulterm.zx.build import FC1_PLANES_L0_TABLES, planes_bank
    from soulterm.zx.logit_planes import BANK_0_OPTIONS, split_masks

    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    engine = Engine(soul)
    context = tokenizer.encode_turn("hello")
    bench = player_bench(soul, tokenizer, "128k")
    sym = bench.symbols
    # (fw_logit_planes in bank 0 since the thirty-first round, zxroom31: FW_LOGITS_APART, run with bank 0 in)
    assert "FW_LOGIT_PLANES" in sym and sym["fw_logit_planes"] > paging.PAGED_START and "FW_LOGITS_APART" in sym
    block = planes_bank(soul, qkv_apart=True, out_apart=True, logits=False)     # (the shipped form: zxqkv128c's)
    masks = split_masks(soul["out"].values)         # (on the tape since the twenty-eighth round: SOUL_OUT_APART)
    # since the twenty-ninth round (zxqkv128c, LG_BANK_0) logitplanes.s and the masks' halves lie in bank 0, its
    # tables, sums and list on layer 0's fc1's table pages; bank 6 keeps neither
    half = len(masks) // 2
    assert sym["LG_BANK_0"] == 1 and "lg_select" not in block.symbols and "lg_masks" not in block.symbols
    assert all(sym[name] == 1 for name in BANK_0_OPTIONS)    # (the form the kernel's tests run: BANK_0_FORM)
    assert bench.peek(sym["lg_masks_top"], half) == masks[:half] and bench.peek(sym["lg_masks_low"], half) == masks[half:]
    # (out's planes 7..4 before logitplanes.s since zx128fc1g36)
    assert paging.PAGED_START < sym["lg_masks_top"] < sym["lg_select"] < sym["fg_x"] and sym["LG_TABLES"] == FC1_PLANES_L0_TABLES
    chosen = []
    rows, reply = forward_turn(bench, engine, context,
                               after_step=lambda position: chosen.append(bench.peek(sym["fw_lg_chose"])[0]))
    assert reply == engine.reply(tokenizer, "hello").ids and chosen[len(context) - 1:] == [1] * (len(reply) + 1)
    assert bench.peek(sym["LG_LIST"])[0] == spec.END - spec.FIRST_CHOOSABLE     # (the last step's, in bank 0)
    planes = TurnCost(rows, reply)
    declined = player_bench(soul, tokenizer, "128k")
    declined.poke(sym["lg_select"], [0x37, 0xC9])     # scf / ret (fw_out_exact's rows by wp_rows_wide: fw_out_wide)
    rows, again = forward_turn(declined, engine, context)
    assert again == reply and TurnCost(rows, again).per_step > planes.per_step + 50_000
    wrong_bank = player_bench(soul, tokenizer, "128k")      # (fw_out_wide paging bank 0 for bank 6: its ld a,n's n)
    wrong_bank.poke(sym["lg_select"], [0x37, 0xC9])
    page = sym["fw_out_wide"] + wrong_bank.peek(sym["fw_out_wide"], 64).index(
        bytes([0x3E, sym["ZX_PAGE_ROM_48"] | PLANES_BANK]))
    wrong_bank.poke(page + 1, [sym["ZX_PAGE_ROM_48"]])
    with pytest.raises((AssertionError, KernelTimeout)):     # (since zxnarrow30 wp_rows_wide calls into bank 6 too)
        forward_turn(wrong_bank, engine, context)
    broken = player_bench(soul, tokenizer, "128k")
    at = sym["lg_row"] + broken.peek(sym["lg_row"], 512).index(bytes([0xDD, 0x71, 0x00]))
    broken.poke(at + 1, [0x70])         # the first list's ld (ix+0),c (a row's number) made ld (ix+0),b
    with pytest.raises(AssertionError):
        forward_turn(broken, engine, context)


def test_the_128k_players_layer_1_fc1_runs_on_fc1planes_in_bank_4_and_fc1wide_where_it_declines(built):
    """Twenty-seventh round (zxgate128b): forward.s's FW_FC1_PLANES runs layer 1's fc1 on fc1planes.s in bank
    DATA_BANK (paged for all of layer 1), whose block holds its code and that fc1's rows in gate_bytes'
    layout alone (each row's first word its class's start), in place of matvec's rows and bias; its tables
    at run time on pages $F400-$F7FF and $FC00-$FFFF there. The turn is the engine's (each step checked)
    and a reply step ~29,000 T-states faster than matvec's gated call; where fg_tables declines (poked to
    scf / ret, as sum |x| > 2,047 does) fc1wide.s's fg_rows_wide runs the rows, exact and far slower; a
    broken fg_rows_wide (w = u' xor $80) or fg_rows (class 0's plane 6 not doubled) fails the turn's check."""
    from soulterm.zx.fc1_planes import gate_bytes, rows_marks

    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    engine = Engine(soul)
    context = tokenizer.encode_turn("hello")
    sym = built.program.symbols
    # (since the thirty-sixth round, zx128fc1g36, the word list in bank EMBED_BANK, SP_WORDS_BANK, and the rows by group
    # form, FG_GROUP_FORMS)
    assert sym["FW_FC1_PLANES"] == 1 and sym["SP_WORDS_BANK"] == EMBED_BANK and "fg_l1_rows" not in sym
    assert sym["FG_GROUP_FORMS"] == 1
    # fc1wide.s below $C000, uncontended (run with bank DATA_BANK in); matvec.s's coarse pairs' routines, run by
    # the coarse calls alone (the logits' and layer 0's fc1, bank 0 in), in bank 0 past bank EMBED_BANK's code
    # (zxfit128: their room below $C000 is fc1wide.s's, beside nzmatvec.s's MV_NZ)
    assert sym["MV_NZ"] == 1 and UNCONTENDED <= sym["fw_fc1_planes"] < sym["fg_rows_wide"] < paging.PAGED_START
    # (since the twenty-eighth round, FW_FC1_PLANES_L0, no coarse call runs: the routines filled bank 0's room before
    # fc1planes.s's copy there until the twenty-ninth round, zxqkv128b, which leaves them out: that room free)
    # (since zxqkv128c, LG_BANK_0, logitplanes.s's code and out's planes 7..4 fill most of that room: 353 bytes left)
    # (since zx128fc1g36 out's planes 7..4 first, logitplanes.s after them)
    assert "mv_pairs_prepare" not in sym and sym["lg_masks_top"] == sym["soul_l0_fc1_w_end"] < sym["lg_masks_top_end"]
    assert sym["lg_masks_top_end"] == sym["lg_x"] < sym["lg_code_end"] <= sym["fg_x"]
    assert [(region.start, region.end) for region in built.regions if region.name.startswith("free (bank 0")] == [
        (sym["lg_code_end"], sym["fg_x"])]       # (the memory map shows it)
    (bank, data, origin), *_ = map(tap.bank_block, built.banks)
    assert bank == DATA_BANK and origin % 2 == 0
    rows = sym["soul_l1_fc1_w"] - origin           # (fc1_rows_lines' fg_l1_rows, in the bank)
    pages = (zx_build.FC1_PLANES_TABLES >> 8, (zx_build.FC1_PLANES_TABLES >> 8) + 2,
             zx_build.FC1_PLANES_TABLES_HIGH >> 8, (zx_build.FC1_PLANES_TABLES_HIGH >> 8) + 2)
    expected = gate_bytes(soul["l1.fc1_w"].values, soul["l1.fc1_b"].values, pages, starts=rows_marks(sym.__getitem__),
                          symbol=sym.__getitem__)
    assert data[rows:rows + len(expected)] == expected and sym["soul_l1_fc1_w"] + len(expected) == sym["fg_x"]
    # (the block raised so that fc1planes.s and the keys' planes after it end at its tables: zx128fc1g36)
    assert sym["kv_planes"] - sym["fg_code_end"] in (0, 1) and sym["kv_planes"] + 2 * sym["PL_LAYER_BYTES"] == zx_build.FC1_PLANES_TABLES
    assert origin + len(data) == sym["fg_code_end"]
    bench = player_bench(soul, tokenizer, "128k")
    rows_run, reply = forward_turn(bench, engine, context)      # checks every step against the engine
    planes = TurnCost(rows_run, reply)
    with pytest.MonkeyPatch.context() as patched:               # (the same player with matvec's gated call)
        patched.setattr(zx_build, "fc1_planes_take", lambda soul, matrix=None: False)
        rows_run, again = forward_turn(player_bench(soul, tokenizer, "128k"), engine, context)
    assert again == reply and TurnCost(rows_run, again).per_step > planes.per_step + 25_000
    # declined: fg_rows_wide, exact and far slower
    declined = player_bench(soul, tokenizer, "128k")
    at = declined.sym("fg_tables") - paging.PAGED_START
    declined.banks[DATA_BANK][at:at + 2] = bytes([0x37, 0xC9])     # scf / ret
    rows_run, again = forward_turn(declined, engine, context)
    assert again == reply and TurnCost(rows_run, again).per_step > planes.per_step + 2_000_000
    broken = player_bench(soul, tokenizer, "128k")
    broken.banks[DATA_BANK][at:at + 2] = bytes([0x37, 0xC9])
    flip = bytes(broken.memory).index(bytes([0xEE, 0x7F]), broken.sym("fg_rows_wide"))     # xor $7F: u' to w
    broken.memory[flip + 1] = 0x80                             # (w = -1 - w)
    with pytest.raises(AssertionError):
        forward_turn(broken, engine, context)
    for start in ("fg_start_1", "fg_form_k1"):     # (class 1's plane 5, or the group forms' lower plane, not doubled:
        broken = player_bench(soul, tokenizer, "128k")     # nop / nop; since zx128fc1g36 layer 1's class 0 rows all
        code = broken.banks[DATA_BANK]                      # take a form, FG_GROUP_FORMS)
        doubling = bytes(code).index(bytes([0xDD, 0x29]), broken.sym(start) - paging.PAGED_START)
        code[doubling:doubling + 2] = bytes(2)
        with pytest.raises(AssertionError):
            forward_turn(broken, engine, context)


def test_the_128k_player_takes_fc1planes_group_forms_in_the_room_the_word_list_left_in_bank_4(built):
    """Thirty-sixth round (zx128fc1g36): the word list lies in bank EMBED_BANK below its block (SP_WORDS_BANK) and bank
    DATA_BANK's block starts higher, so that fc1planes.s and the keys' planes after it end at its tables; there
    fc1planes.s's group forms (FG_GROUP_FORMS) fit, in both copies. Every position's every step is the engine's; each
    reply step of "hello" costs exactly form_saving's count of both layers' rows fewer, less two builds of T[W] (577
    each), and each prompt position layer 0's (its fc1 alone: layer 1's last fc1 runs at the last position only)."""
    from soulterm.zx.fc1_planes import form_saving, row_form

    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    engine = Engine(soul)
    context = tokenizer.encode_turn("hello")
    sym = built.program.symbols
    assert sym["FG_GROUP_FORMS"] == 1 and sym["SP_WORDS_BANK"] == EMBED_BANK
    (_, data, origin), *_ = map(tap.bank_block, built.banks)
    assert paging.PAGED_START < origin and sym["kv_planes"] - (origin + len(data)) in (0, 1)     # (kv_planes even)
    saving = {name: sum(form_saving(*row_form(row)) for row in soul[name].values) for name in ("l0.fc1_w", "l1.fc1_w")}
    assert saving["l0.fc1_w"] > 1_000 and saving["l1.fc1_w"] > 1_000
    forms, reply = forward_turn(player_bench(soul, tokenizer, "128k"), engine, context)
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(zx_build, "FC1_GROUP_FORMS", False)
        plain = player_bench(soul, tokenizer, "128k")
        assert "FG_GROUP_FORMS" not in plain.symbols and "SP_WORDS_BANK" in plain.symbols
        without, again = forward_turn(plain, engine, context)
    assert again == reply and [row[:3] for row in forms] == [row[:3] for row in without]
    fewer = {"forward_step": saving["l0.fc1_w"] + saving["l1.fc1_w"] - 2 * 577,
             "forward_prefill": saving["l0.fc1_w"] - 577}
    assert {routine for _, _, routine, _ in forms if routine in fewer} == set(fewer)
    for (position, _, routine, cost), (*_, cost_before) in zip(forms, without):
        if position and routine in fewer:
            assert cost_before - cost == fewer[routine], (position, routine)


def test_the_128k_players_bank_6_keeps_no_wp_make_when_every_matrix_comes_on_the_tape(built):
    """Twenty-ninth round (zxqkv128b): with SOUL_QKV_APART and SOUL_OUT_APART every matrix's planes come on the tape,
    records128.s has no planes_first_run and bank PLANES_BANK no wp_make nor its offsets (421 bytes, 448 with the
    alignment they moved: the room the word tables' layout needs first). A form that makes the planes at the first
    RUN keeps them. Fails where planes_bank puts WP_MAKE back in the shipped form (bank 6's block 448 bytes longer)."""
    soul = load_soul(DEFAULT_SOUL)
    sym = built.program.symbols
    assert sym["SOUL_QKV_APART"] == 1 and sym["SOUL_OUT_APART"] == 1 and "planes_first_run" not in sym
    assert "wp_make" not in sym and "wp_make_out" not in sym and sym["wp_rows"] < sym["wp_code_end"]
    (_, planes, address), = [block for block in built.banks if block[0] == PLANES_BANK]
    shipped = zx_build.planes_bank(soul, qkv_apart=True, out_apart=True, logits=False, words=True)   # (zxqkv128c)
    assert address == shipped.origin and planes == shipped.data and "wp_make" not in shipped.symbols
    # bank 6's free bytes at run time: 64 before zxqkv128b, 512 after it; 128 since zxqkv128c (the word masks, 6,144
    # bytes more, in the room logitplanes.s and out's masks left for bank 0), and since zxmask30 (wp_expand_first on
    # the tables' pages) too; the block ends with the split masks, the word masks' second half past it
    # since zxnarrow30 (WP_NARROW_WORDS: no plane 6 words for the shipped soul's 121 narrow rows, 968 bytes, less
    # wp_rows_wide's narrow rows' code, 71 bytes with the skips gone) 1,288 past planes_bank_end ($FAF8): 1,032 of it
    # below $FF00, where 128 were; since zxrows31 (WP_NARROW_RUNS, WP_FILL_PAIRS, WP_CHAIN_A, WP_SUMS_UNROLLED: planes.s
    # 342 bytes more, wordfill.s 91, and 15 of the class lists' alignment) 840 past it ($FCB8):
    # 584 below $FF00; since zxnext33 (WP_NEXT_ROW_WORDS: the rows' entries, 396 bytes, less planes.s's class dispatch,
    # 77, and 19 of the class lists' alignment) 540 past it ($FDE4): 284 below $FF00; since zxgroup34b (WP_GROUP_FORMS:
    # planes.s 235 bytes more, wp_rows_wide's orders and fix 145, the words 132 fewer, 4 of alignment) 288 ($FEE0): 32
    narrow_rows = sum(sum(plane_classes(soul[name].values)) for name in zx_build.PLANES_MATRICES)
    assert narrow_rows == 121 and shipped.symbols["WP_NARROW_ROWS"] == narrow_rows
    assert shipped.symbols["WP_NARROW_SPLIT"] == 1
    assert paging.PAGED_START + paging.BANK_SIZE - shipped.symbols["planes_bank_end"] >= 288
    assert shipped.symbols["WP_NEXT_ROW_WORDS"] == 1 and shipped.symbols["WP_SHIFT_4_MATRICES"] == sum(
        1 << j for j, name in enumerate(zx_build.PLANES_MATRICES) if soul[name].shift + 1 == 4)
    # (since zxtape31, WP_NARROW_SPLIT: the block's split masks 4 bytes fewer a narrow row, 484)
    # (since zxnext33 the rows' entries past them, 66 bytes a matrix, made by the first build)
    group_bytes = sum(plane_group_word_bytes(soul[name].values) for name in zx_build.PLANES_MATRICES)
    assert shipped.symbols["WP_GROUP_FORMS"] == 1 and shipped.symbols["WP_GROUP_WORD_BYTES"] == group_bytes == -132
    assert shipped.symbols["planes_bank_end"] == address + len(planes) + 6 * 1024 - 4 * narrow_rows + 6 * 66 + group_bytes
    made = zx_build.planes_bank(soul, qkv_apart=True)       # (out's planes made by the first RUN: wp_make stays)
    assert "wp_make" in made.symbols and "wp_make_at" in made.symbols


def test_the_128k_players_layer_0_fc1_runs_on_fc1planes_in_bank_0_and_out_on_its_planes_alone(built):
    """Twenty-eighth round (zxfc1l0): FW_FC1_PLANES_L0 runs layer 0's fc1 too on fc1planes.s, a copy assembled
    at bank DATA_BANK's addresses (every fg_ label names both) for tables at $F000-$F7FF in bank 0, with its
    rows there in gate_bytes' layout, in the room out's matvec copy left: out by its planes alone (SOUL_OUT_APART:
    lg_masks on the tape in bank PLANES_BANK; the rows lg_select leaves, or all where it declines, exact by
    planes_wide.s's fw_out_exact). The turn is the engine's (each step checked) and a position more than 10,000
    T-states faster than the same player with layer 0's fc1 by matvec's gated call (and out's copy); where bank
    0's fg_tables declines (poked to scf / ret) fc1wide.s's fg_rows_wide runs its rows, exact and far slower; a
    broken fg_rows_wide (its w = u' xor $7F made xor $80), bank 0's fg_rows (class 0's plane 6 not doubled) or
    fw_out_exact (the logit's sign not flipped for the comparison, with lg_select declining) fails the check."""
    from soulterm.zx.fc1_planes import gate_bytes, rows_marks
    from soulterm.zx.logit_planes import split_masks

    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    engine = Engine(soul)
    context = tokenizer.encode_turn("hello")
    sym = built.program.symbols
    assert sym["FW_FC1_PLANES_L0"] == 1 and sym["SOUL_OUT_APART"] == 1 and sym["soul_l0_fc1_w"] < sym["soul_l0_fc1_w_end"]
    assert sym["soul_out"] == sym["lg_masks"] and "planes_first_run" not in sym
    assert sym["soul_l0_fc1_w_end"] <= sym["fg_x"] < sym["fg_code_end"] <= sym["record_known"]
    assert sym["record_known"] + spec.VOCAB_SIZE <= zx_build.FC1_PLANES_L0_TABLES < 0xFC00 - 0x800
    origin = ORIGINS["128k"]
    pages = (zx_build.FC1_PLANES_L0_TABLES >> 8, (zx_build.FC1_PLANES_L0_TABLES >> 8) + 2,
             zx_build.FC1_PLANES_L0_TABLES_HIGH >> 8, (zx_build.FC1_PLANES_L0_TABLES_HIGH >> 8) + 2)
    expected = gate_bytes(soul["l0.fc1_w"].values, soul["l0.fc1_b"].values, pages, starts=rows_marks(sym.__getitem__),
                          symbol=sym.__getitem__)     # (FG_GROUP_FORMS' rows since zx128fc1g36)
    at = sym["soul_l0_fc1_w"] - origin
    assert built.program.data[at:at + len(expected)] == expected and sym["soul_l0_fc1_w_end"] - at - origin == len(expected)
    # the two copies of fc1planes.s differ only in their table pages' bytes
    data = zx_build.data_bank_block(built.banks)
    copies = [data[sym["fg_x"] - paging.PAGED_START:sym["fg_code_end"] - paging.PAGED_START],
              built.program.data[sym["fg_x"] - origin:sym["fg_code_end"] - origin]]
    assert len(copies[0]) == len(copies[1]) and 0 < sum(a != b for a, b in zip(*copies)) < 16
    masks = split_masks(soul["out"].values)         # (on the tape: no first RUN makes them; in bank 0 since zxqkv128c)
    half = len(masks) // 2
    for name, part in (("lg_masks_top", masks[:half]), ("lg_masks_low", masks[half:])):
        assert built.program.data[sym[name] - origin:sym[name] - origin + half] == part, name
    bench = player_bench(soul, tokenizer, "128k")
    rows_run, reply = forward_turn(bench, engine, context)      # checks every step against the engine
    both = TurnCost(rows_run, reply)
    with pytest.MonkeyPatch.context() as patched:               # (layer 0's fc1 by matvec's gated call, out's copy)
        patched.setattr(zx_build, "FC1_PLANES_L0", False)
        before = player_bench(soul, tokenizer, "128k")
        assert "FW_FC1_PLANES_L0" not in before.symbols and "FW_FC1_PLANES" in before.symbols
        rows_run, again = forward_turn(before, engine, context)
    assert again == reply and TurnCost(rows_run, again).per_position > both.per_position + 10_000
    # declined in bank 0: fg_rows_wide, exact and far slower
    declined = player_bench(soul, tokenizer, "128k")
    declined.memory[declined.sym("fg_tables"):declined.sym("fg_tables") + 2] = bytes([0x37, 0xC9])     # scf / ret
    rows_run, again = forward_turn(declined, engine, context)
    assert again == reply and TurnCost(rows_run, again).per_position > both.per_position + 2_000_000
    broken = player_bench(soul, tokenizer, "128k")
    broken.memory[broken.sym("fg_tables"):broken.sym("fg_tables") + 2] = bytes([0x37, 0xC9])
    flip = bytes(broken.memory).index(bytes([0xEE, 0x7F]), broken.sym("fg_rows_wide"))     # xor $7F: u' to w
    broken.memory[flip + 1] = 0x80
    with pytest.raises(AssertionError):
        forward_turn(broken, engine, context)
    for start in ("fg_start_1", "fg_form_k1"):     # (bank 0's class 1 plane 5, or its group forms' lower plane, not
        broken = player_bench(soul, tokenizer, "128k")     # doubled; since zx128fc1g36 layer 0's class 0 rows all take a
        doubling = bytes(broken.memory).index(bytes([0xDD, 0x29]), broken.sym(start))     # form, FG_GROUP_FORMS)
        broken.memory[doubling:doubling + 2] = bytes(2)
        with pytest.raises(AssertionError):
            forward_turn(broken, engine, context)
    broken = player_bench(soul, tokenizer, "128k")              # lg_select declining: fw_out_exact on every row
    # (lg_select in bank 0 since zxqkv128c, LG_BANK_0, paged in between calls: the poke into bank PLANES_BANK at its
    # offset broke a q mask there by chance until zxrows31 moved bank 6's layout, and then no longer failed)
    assert "LG_BANK_0" in broken.symbols and broken.paged_bank == 0
    broken.memory[broken.sym("lg_select"):broken.sym("lg_select") + 2] = bytes([0x37, 0xC9])
    declining = player_bench(soul, tokenizer, "128k")
    declining.memory[declining.sym("lg_select"):declining.sym("lg_select") + 2] = bytes([0x37, 0xC9])
    rows_run, again = forward_turn(declining, engine, context)
    assert again == reply
    flip = bytes(broken.memory).index(bytes([0x7C, 0xEE, 0x80]), broken.sym("fw_out_exact"))     # ld a,h / xor $80
    broken.memory[flip + 2] = 0x00
    with pytest.raises(AssertionError):
        forward_turn(broken, engine, context)


def test_the_128k_keeps_matvecs_fc1_where_fc1planes_does_not_fit_bank_4(monkeypatch):
    """assemble_player tries each planes rung with FW_FC1_PLANES first, then without it: where fc1planes.s's
    rows and code would run the keys' planes past its tables (here: the tables moved down to $E000), the
    player keeps layer 1's fc1 as matvec's and the rung's other options (q, k, v apart, the kept means); matvec's
    fc1 leaves no room below $C000 for nzmatvec.s's short pieces (NZ_SHORT_PIECES, 224 bytes since the thirty-first round),
    which the shipped player has: the rung is taken without them (with them it fell to one without the kept means),
    and without the kept means' AT_PAGED_VALUES (thirty-first round: with it that layout ran 65 bytes past $C000),
    which the shipped player has too; nor nzmatvec.s's scan in the other set and by x's page (thirty-fourth round,
    22 bytes below $C000: with them this rung fell to one without the kept means), which go with the short pieces.
    Since the thirty-seventh round (zxfc2_37) both rungs run fc2 by x's bits (NZ_X_BITS), without the pieces."""
    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    shipped = zx_build.assemble_player(soul, tokenizer, model="128k").symbols
    assert shipped["NZ_X_BITS"] == 1 and shipped["AT_PAGED_VALUES"] == 1      # (zxfc2_37: fc2 by x's bits, no pieces)
    assert not any(name in shipped for name in ("NZ_SHORT_PIECES", "NZ_SCAN_IN_ALT_SET", "NZ_SCAN_IN_PAGE"))
    monkeypatch.setattr(zx_build, "FC1_PLANES_TABLES", 0xE000)
    sym = zx_build.assemble_player(soul, tokenizer, model="128k").symbols
    assert "FW_FC1_PLANES" not in sym and sym["SOUL_QKV_APART"] == 1 and sym["AT_KEPT_MEANS"] == 1
    assert "AT_PAGED_VALUES" not in sym
    assert sym["NZ_X_BITS"] == 1 and sym["MV_NZ"] == 1


def test_the_128k_players_layer_0_proj_and_fc2_run_with_bank_7_paged_in_and_a_wrong_bank_fails():
    """Twenty-ninth round (zxqkv128c): layer 0's proj and fc2 lie in bank 7 below te (SOUL_L0_BANK), bank 0's
    3,328 bytes freed; forward.s's fw_l0_bank pages bank 7 in around them for layer 0 alone (layer 1's run with
    bank 4 in) and fw_l0_bank_back bank 0 after. The forward pass is the engine's ("hello", every step); with
    fw_l0_bank paging bank 0 instead (its `ld a,n`'s n), or layer 1's paging bank 7 too, it is not."""
    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    context = tokenizer.encode_turn("hello")
    bench = player_bench(soul, tokenizer, "128k")
    sym = bench.symbols
    page = sym["fw_l0_bank"] + 5        # (ld a,(fw_layer_index); or a; ret nz; then ld a,n)
    assert bench.peek(page, 1)[0] == 0x3E and bench.peek(page + 1, 1)[0] == sym["ZX_PAGE_ROM_48"] | EMBED_BANK
    forward_turn(bench, Engine(soul), context)
    for patch in ((page + 1, sym["ZX_PAGE_ROM_48"]),    # bank 0 in for layer 0's proj and fc2
                  (sym["fw_l0_bank"] + 4, 0)):          # (ret nz as nop: layer 1's read bank 7 too)
        broken = player_bench(soul, tokenizer, "128k")
        broken.poke(patch[0], [patch[1]])
        with pytest.raises(AssertionError):
            forward_turn(broken, Engine(soul), context)


def test_the_map_shows_the_room_past_the_program_as_free_and_no_region_overlaps(built):
    """Past the program's end the map holds the run-time tables and the free bytes between them, not a filler of
    "kernels" over them (the memory map lens reads these regions)."""
    regions = sorted(built.regions, key=lambda region: region.start)
    overlaps = [(a.name, b.name) for a, b in zip(regions, regions[1:]) if b.start < a.end]
    assert overlaps == []
    end = built.program.end
    past_end = [region for region in regions if region.end > end]
    assert all(region.kind != "code" for region in past_end)
    free_past_end = sum(region.end - region.start for region in past_end if region.name.startswith("free (past"))
    assert free_past_end == built.free_top > 0
    assert max(region.end for region in regions) == 0x10000
