"""The 128K's room below $C000 (thirty-first round, zxroom31): forward.s's fw_logit_planes, run with bank 0 in, lies
in bank 0 above $C000 (FW_LOGITS_APART), and record_values_gather, run by record_move with a record's bank in, below
$8000 with records128.s; the room they leave takes nzmatvec.s's short pieces for x of 9..16 (NZ_SHORT_PIECES without
NZ_SHORT_EIGHT) and position 1's store of two words a pass (KV_FIRST_PASS_WORDS, with kv_wide_check over all the
dimensions it stored). Each move exact, a call with the wrong bank in failing, and the two words' check failing
without its doubling."""

from __future__ import annotations

import numpy as np
import pytest

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.soul import spec
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import Soul, load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx import paging
from soulterm.zx.build import DATA_BANK, UNCONTENDED, assemble_player, unit_gain_bits
from soulterm.zx.kernelbench import (SHORT_SHIFTS, KernelTimeout, Z80Bench, forward_turn, player_bench,
                                     player_kernel_options)
from soulterm.zx.soul_layout import soul_include

SLA_B = bytes([0xCB, 0x20])


@pytest.fixture(scope="module")
def shipped():
    return load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)


def test_the_128k_player_has_the_short_pieces_to_16_and_two_words_a_pass_in_its_room(shipped):
    """The shipped 128K: the moved routines where their banks are (fw_logit_planes, its setup and fw_lg_chose in bank
    0 above $C000; record_values_gather below $8000 with record_move), and the ladder's first rung of fc2's short
    pieces (x of 1..16, not NZ_SHORT_EIGHT's 1..8) with position 1's store two words a pass (four since the
    thirty-second round's room, tests/test_zx_coarse32.py; the kernels' bench keeps two: the test below). Since the
    thirty-seventh round (zxfc2_37) fc2 runs by x's bits (NZ_X_BITS), no short pieces: the rung takes none."""
    soul, tokenizer = shipped
    sym = assemble_player(soul, tokenizer, model="128k").symbols
    assert "FW_LOGITS_APART" in sym and "LG_BANK_0" in sym
    assert all(paging.PAGED_START <= sym[name] < sym["record_known"]
               for name in ("fw_logit_planes", "fw_lg_setup", "fw_lg_chose"))
    assert sym["position_one"] < sym["record_values_gather"] < sym["record_pieces_end"] <= UNCONTENDED
    assert sym["NZ_X_BITS"] == 1 and "NZ_SHORT_PIECES" not in sym and "nz_short_16_end" not in sym
    assert sym["KV_FIRST_PASS_WORDS"] == 4      # (four since zxcoarse32's room: build.py's option, MV_COARSE_UNCALLED)
    forty_eight = assemble_player(soul, tokenizer, model="48k").symbols
    assert "FW_LOGITS_APART" not in forty_eight and "record_values_gather" not in forty_eight


def test_the_logits_call_in_bank_0_is_exact_there_and_runs_away_with_another_bank_in(shipped):
    """fw_next_token after a turn of "hello" on the shipped 128K player: with bank 0 in (as forward_step calls it)
    it gives the step's token again, bank 0 in after; with bank DATA_BANK in (layer 1's, the bank before the final
    norm's, had forward_step not paged bank 0 back) fw_logit_planes' address holds that bank's bytes and the call
    never returns. (With banks PLANES_BANK and 7 its bytes there happen to run into code that gives the token
    again, with bank 1's zeros too: no test can tell those calls.)"""
    soul, tokenizer = shipped
    bench = player_bench(soul, tokenizer, "128k")
    forward_turn(bench, Engine(soul), tokenizer.encode_turn("hello"))
    token = bench.peek(bench.sym("fw_next"))[0]
    bench.poke(bench.sym("fw_next"), [0])
    bench.call("fw_next_token")
    assert bench.peek(bench.sym("fw_next"))[0] == token and bench.paged_bank == 0
    bench = player_bench(soul, tokenizer, "128k")
    forward_turn(bench, Engine(soul), tokenizer.encode_turn("hello"))
    bench._port_out(paging.PAGING_PORT, DATA_BANK)     # (as the player's zx_page: the bank's bits)
    assert bench.paged_bank == DATA_BANK
    with pytest.raises(KernelTimeout):
        bench.call("fw_next_token", max_t_states=3_000_000)


def head_2_wide_soul() -> Soul:
    """The shipped soul with each layer's head 2 value rows (16..23) doubled (clipped to int8): SEP's v stay within
    -256..255 in every head of both layers, and "hello"'s position 1 has a v beyond it in layer 1's head 2, past
    the first 16 dimensions."""
    arrays = {name: (tensor.values, tensor.shift) for name, tensor in load_soul(DEFAULT_SOUL).tensors.items()}
    for layer in range(spec.N_LAYERS):
        values, shift = arrays[f"l{layer}.v"]
        values = values.copy()
        values[16:24] = np.clip(values[16:24] * 2, -128, 127)
        arrays[f"l{layer}.v"] = (values, shift)
    return Soul.from_arrays(arrays)


@pytest.mark.parametrize("broken", [False, True])
def test_position_ones_wide_check_covers_every_dimension_it_stored(broken):
    """The 128K's forward pass (forward.s with AT_PAGED_VALUES, two words a pass at position 1) on head_2_wide_soul:
    "hello"'s position 1 marks layer 1's head 2 (SEP left it unmarked), every step against the engine; with
    @first_dimensions' `sla b` two nops kv_wide_check reads the passes as dimensions, checks 16 of the 32 and
    leaves head 2 unmarked: the kept sums differ at position 1."""
    soul, tokenizer = head_2_wide_soul(), Tokenizer.load(DEFAULT_TOKENIZER)
    engine = Engine(soul)
    state = engine.new_state()
    context = tokenizer.encode_turn("hello")
    for token in context[:2]:
        engine.step(state, token)
    values = state.values[:, :2].reshape(spec.N_LAYERS, 2, -1)
    wide = (values < -256) | (values > 255)
    assert not wide[:, 0].any() and wide[1, 1, 16:24].any() and not wide[:, 1, :16].any()
    options = player_kernel_options("128k", kept_means=True) + f"\nRN_UNIT_GAIN_BITS = {unit_gain_bits(soul, SHORT_SHIFTS)}"
    bench = Z80Bench('.include "forward.s"\n' + soul_include(soul), options=options)
    assert "AT_PAGED_VALUES" in bench.symbols and bench.symbols["KV_FIRST_PASS_WORDS"] == 2
    at = bench.sym("kv_values_kept@first_dimensions") + 2       # (after its `ld b,n`)
    assert bench.peek(at, 2) == SLA_B
    if broken:
        bench.poke(at, [0, 0])
        with pytest.raises(AssertionError, match="kept sums"):
            forward_turn(bench, engine, context)
    else:
        forward_turn(bench, engine, context)
