"""Contended memory (soulterm/zx/contention.py): the 48K ULA's timing, the counter, and the
player's layout, which keeps what the forward pass runs and reads per product above $8000."""

from __future__ import annotations

import pytest
import z80

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx.build import ORIGIN, PLANES_TABLES_48K, SCREEN_THIRD, SCREEN_THIRD_END, UNCONTENDED
from soulterm.zx.contention import (FIRST_CONTENDED_T_STATE, FRAME_T_STATES, LINE_T_STATES,
                                    ContendedAccessCounter, ula_delay)
from soulterm.zx.kernelbench import player_bench

LD_A_FROM_6000 = bytes([0x3A, 0x00, 0x60])   # ld a,($6000): its data read begins 10 T-states in
NOP = 0x00


@pytest.mark.parametrize("t_state, delay", [
    (FIRST_CONTENDED_T_STATE - 1, 0), (FIRST_CONTENDED_T_STATE, 6), (FIRST_CONTENDED_T_STATE + 1, 5),
    (FIRST_CONTENDED_T_STATE + 5, 1), (FIRST_CONTENDED_T_STATE + 6, 0), (FIRST_CONTENDED_T_STATE + 8, 6),
    (FIRST_CONTENDED_T_STATE + 127, 0), (FIRST_CONTENDED_T_STATE + 128, 0),     # the right border
    (FIRST_CONTENDED_T_STATE + LINE_T_STATES + 3, 3),                            # the next line
    (FIRST_CONTENDED_T_STATE + 191 * LINE_T_STATES, 6),                          # the last screen line
    (FIRST_CONTENDED_T_STATE + 192 * LINE_T_STATES, 0),                          # the lower border
    (FRAME_T_STATES + FIRST_CONTENDED_T_STATE + 2, 4),                           # the next frame
])
def test_the_ula_delays_a_cycle_by_the_48k_pattern(t_state, delay):
    assert ula_delay(t_state) == delay


def _run(code: bytes, address: int, frame_phase: int, t_states: int) -> ContendedAccessCounter:
    cpu = z80.Z80Machine()
    cpu.memory[address:address + len(code)] = code
    counter = ContendedAccessCounter(cpu, lambda: cpu.frame_tick, frame_phase)
    cpu.pc, cpu.ticks_to_stop = address, t_states
    cpu.run()
    return counter


def test_a_contended_data_read_waits_by_the_t_state_it_begins_at():
    # from uncontended code, only the data read is counted
    on_the_first_contended_t_state = _run(LD_A_FROM_6000, 0x8000, FIRST_CONTENDED_T_STATE - 10, 13)
    assert (on_the_first_contended_t_state.accesses, on_the_first_contended_t_state.wait_states) == (1, 6)
    six_later = _run(LD_A_FROM_6000, 0x8000, FIRST_CONTENDED_T_STATE - 10 + 6, 13)
    assert (six_later.accesses, six_later.wait_states) == (1, 0)
    in_the_border = _run(LD_A_FROM_6000, 0x8000, 0, 13)
    assert (in_the_border.accesses, in_the_border.wait_states) == (1, 0)


def test_nops_in_contended_memory_take_eight_t_states_each_on_the_screen():
    # the first waits 6 (it begins on the first contended T-state); each later one begins 2
    # into a group of 8 after the wait before it, waits 4, and so on: 4 + 4 a NOP
    counter = _run(bytes([NOP] * 4), 0x6000, FIRST_CONTENDED_T_STATE, 16)
    assert counter.accesses == 4 and counter.wait_states == 6 + 4 + 4 + 4
    assert set(counter.by_address) == {0x6000, 0x6001, 0x6002, 0x6003}


def test_the_players_forward_pass_touches_contended_memory_only_for_its_cold_data():
    """Below $8000 a position reads only the embeddings, the biases, the layer descriptors,
    the key cache, the screen's bottom third (layer 1's value cache since the twentieth round:
    soulplayer.s's SCREEN_THIRD), the logits (the printer buffer), the loader's stack and the code there:
    vecops.s's (the embedding's unpacking, argmax: a few calls a position, below $8000 since the
    sixteenth round so that the 48K's kernels fit with MV_COARSE) and embedrows.s's (the embedding,
    once a position, since the nineteenth round: room for the rewalk above), and since the twenty-sixth
    round (zxplanes48: FW_PLANES) planes.s's tables in the screen's middle third, read by every row of q, k
    and v: the most contended of them (~30,500 T-states of the ULA's wait a position of "hello", z80_token.py),
    and since the twenty-seventh round (zxlogits48: SOUL_OUT_PLANES) by the logits' top planes too, whose scan
    (planes_wide.s's fw_out_logits, once a reply step) lies there as well; and since zxsparse48 nzmatvec.s's:
    its once-a-call part (the scan's writing of the chain: matvec_nz to nz_prepare_end) in the cold part, and the
    chain it writes and every row runs over the planes' tables (the middle third, its whole: dead while fc2 runs),
    ~15,000 T-states more of the ULA's wait a position of "hello". Since the thirty-fourth round (zx48wire34) no key
    cache: the packed key planes 0..11 in its room (kv_planes), 12..15 in the bottom third and pl_prepare's tables in the
    middle third (40,571 -> 41,838 contended cycles a position of "hi" here). Since the thirty-seventh round (zxfc2_37,
    NZ_X_BITS) fc2's scan of z (nzb_scan) runs in the once-a-call part too, and its list of entries lies at the
    chain's room's end (the middle third)."""
    from soulterm.soul.engine import Engine
    from soulterm.zx.kernelbench import forward_turn

    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    bench = player_bench(soul, tokenizer)
    sym = bench.symbols
    assert sym["mv_vars"] == UNCONTENDED and sym["kv_values_layer_1"] == SCREEN_THIRD
    for hot in ("mv_sq_lo", "matvec", "mv_slots", "mv_prepare", "rmsnorm", "attend_head", "mul16u",
                "forward_step", "exp_lut", "fw_h", "kv_values", "soul_l0_q", "soul_out", "soul_l1_fc2_w",
                "fg_rows", "fg_rows_wide"):     # (fc1planes.s's: both fc1s' since zx48fc1g36, their tables planes.s's)
        assert sym[hot] >= UNCONTENDED, hot
    cold = [(sym["soul_te"], sym["soul_layer1"] + sym["FD_SIZE"]),      # te, pe, the biases, the descriptors
            (sym["vecops_start"], sym["vecops_end"]),                           # vecops.s
            (sym["embedrows_start"], sym["embedrows_end"]),                     # embedrows.s
            (sym["kv_planes"], sym["kv_planes"] + 2 * sym["PL_LAYER_BYTES"]),        # (the packed key planes 0..11)
            (SCREEN_THIRD, SCREEN_THIRD_END),       # layer 1's values (and a fast-scores 48K's key sums) there
            (sym["fw_logits"], sym["fw_logits"] + 256),
            (ORIGIN - 64, ORIGIN)]                                       # the stack
    assert sym["wp_table_pages"] == PLANES_TABLES_48K       # (planes.s's tables: the screen's middle third)
    assert PLANES_TABLES_48K < sym["pl_tables"] and sym["pl_tables"] + 512 <= SCREEN_THIRD   # (pl_prepare's: there too)
    assert sym["kv_high_planes"] + 2 * sym["PL_HIGH_LAYER_BYTES"] <= SCREEN_THIRD_END     # (planes 12..15: the third)
    cold.append((PLANES_TABLES_48K, SCREEN_THIRD))
    cold.append((sym["fw_out_logits"], sym["fw_out_logits_end"]))      # (planes_wide.s's logits' scan, once a step)
    assert sym["nz_chain"] == PLANES_TABLES_48K and sym["nz_chain_end"] == SCREEN_THIRD    # (fc2's chain: the third)
    assert sym["nz_row"] >= UNCONTENDED     # (its rows' code above; since zxfc2_37 the scan's loop, nzb_scan, in the
    assert sym["matvec_nz"] <= sym["nzb_scan"] < sym["nz_prepare_end"] < UNCONTENDED     # once-a-call part below)
    cold.append((sym["matvec_nz"], sym["nz_prepare_end"]))     # (matvec_nz's once-a-call part)
    # (since zx48room37 attention.s's pointers and head variables and matvec.s's mv_w and mv_x in the ROM calculator's
    # MEMBOT, SCRATCH_VARIABLES: a few reads and writes a head or a call)
    cold.append((sym["SCRATCH_VARIABLES"], sym["SCRATCH_VARIABLES"] + sym["SCRATCH_VARIABLES_BYTES"]))
    counter = ContendedAccessCounter(bench.cpu, bench.clock)
    rows, _ = forward_turn(bench, Engine(soul), tokenizer.encode_turn("hi"))
    assert counter.accesses
    outside = sorted(a for a in counter.by_address if not any(lo <= a < hi for lo, hi in cold))
    assert not outside, [f"${a:04X}" for a in outside[:8]]
    assert counter.accesses < 48_000 * len(rows)      # ~473,000 a position with the kernels below $8000 (~41,200 on "hi"
                                                      # since zxsparse48's chain in the screen, 40,000 the ceiling before;
                                                      # 39,771 -> 46,622 since zx48fc1g36's fc1s on planes.s's tables,
                                                      # the 45,000 ceiling before)
