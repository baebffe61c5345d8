"""The 128K without matvec.s's coarse calls (thirty-second round, zxcoarse32): where both fc1s and the logits run by
their planes (FW_FC1_PLANES_L0 with SOUL_OUT_APART) no code asks matvec for a coarse call, and MV_COARSE_UNCALLED
leaves out the coarse slots, their prepare, gate and row ends, mv_exact_row and the flag mv_coarse_on itself, so a
program that could still make a coarse call does not assemble. The room below $C000 takes nzmatvec.s's fast path
for x of 385..503 (NZ_WIDE_X: a second piece of h, not the whole call through matvec) and position 1's store four
words a pass."""

from __future__ import annotations

import numpy as np
import pytest

from soulterm.asm import AsmError
from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.soul import intmath
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx import build, paging
from soulterm.zx.kernelbench import NZ_BENCH, Z80Bench, player_kernel_options, run_matvec_nz

LEFT_OUT = ("mv_coarse_on", "mv_coarse_prepare", "mv_gate_prepare", "mv_coarse_slots", "mv_coarse_wide", "mv_gate",
            "mv_gate_slots", "mv_hz_gate", "mv_low_deferred", "mv_exact_row", "mv_gate_relu", "mv_coarse_raw",
            "mv_hz_raw", "mv_row_coarse_whole")
# (the 48K keeps its coarse calls: fc1's gate; its logits by out's planes have no mv_exact_row, and matvec_ends.s
# is the 128K's alone)
KEPT_48K = ("mv_coarse_on", "mv_coarse_prepare", "mv_gate_prepare", "mv_coarse_slots", "mv_coarse_wide")
FIRST_RUNG = dict(fc1_planes_l0=True, nz_short=True, in_page=True, unit_products=True, inverse_table=True,
                  coarse_pairs=True, kept_means=True, weight_planes=True, nz=True, paged_values=True)


@pytest.fixture(scope="module")
def shipped():
    return load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)


def test_the_shipped_128k_has_no_coarse_code_and_the_48k_none_either(shipped):
    soul, tokenizer = shipped
    sym = build.assemble_player(soul, tokenizer, model="128k").symbols
    assert "MV_COARSE_UNCALLED" in sym and "SOUL_OUT_APART" in sym and "FW_FC1_PLANES_L0" in sym
    assert [name for name in LEFT_OUT if name in sym] == []
    assert "NZ_WIDE_X" in sym and sym["KV_FIRST_PASS_WORDS"] == 4
    # (since zxfc2_37 fc2 by x's bits, NZ_X_BITS: x of 385..503 three entries, no nz_wide_x; the rows' code below $C000)
    assert sym["NZ_X_BITS"] == 1 and sym["NZ_X_MOST"] == 503 and "nz_wide_x" not in sym
    assert sym["nz_row"] < sym["nz_end"] < paging.PAGED_START   # (run with bank 4 or 7 in)
    # the room left below $C000 kept free there (986 bytes measured, thirty-second round; 828 after zxwalk32's
    # AT_KEPT_MARKED took 158; 556 after zxwalk33's AT_SHORT_SCORES took 176, at_short_weights, and pl_tables
    # with pl_scores in a page of their own, at_kept_head in pl_tables' old room, and AT_KEPT_PAIRS 96; 562 on main
    # before zxsmall33's AT_SQUARES_BY_INDEX, whose table's two upper halves end it: 178 before the table and its
    # gap's 128, 306 measured; 286 after the thirty-fourth round's NZ_SCAN_IN_ALT_SET, 8 bytes, and NZ_SCAN_IN_PAGE,
    # 14: 158 before the table; 41 after zxdiv34's AT_KEPT_DIVISION placed keptmarked.s there, 117 bytes: 169 with the
    # gap measured), bank 0's from $C000 on (layer 0's fc1 rows first since zx128fc1g36 put its gains after fc1planes.s's copy)
    assert sym["room_below_paged_end"] == sym["at_sq_index"] and sym["at_sq_index_high"] + 128 == sym["soul_l0_fc1_w"] == paging.PAGED_START
    # (151 measured with zxgroup34b too: forward.s's fw_out_wide makes out's row's words with their pages,
    # WP_GROUP_FORMS, 17 bytes and 1 of alignment)
    # (149 measured with zx128fc1g36: fc1wide.s's FG_GROUP_FORMS class and fg_wide_form's call, 2 bytes)
    assert sym["room_below_paged_end"] - sym["room_below_paged"] + sym["at_sq_index_high"] - sym["at_sq_index_gap"] >= 149
    # (the 48K kept the coarse gate for its fc1s until the thirty-sixth round's FW_FC1_BYTES, zx48fc1g36: both by
    # fc1planes.s's byte masks, so MV_COARSE_UNCALLED there too; a soul fc1_bytes_take declines keeps KEPT_48K)
    forty_eight = build.assemble_player(soul, tokenizer, model="48k").symbols
    assert [name for name in LEFT_OUT if name in forty_eight] == []
    assert "MV_COARSE_UNCALLED" in forty_eight and "FW_FC1_BYTES" in forty_eight and "NZ_WIDE_X" not in forty_eight
    source = build.player_source(soul, tokenizer, planes_48k=True, nz=True, fc1_bytes=False)
    assert "MV_COARSE_UNCALLED" not in source
    assert [name for name in KEPT_48K if name not in build._assemble(source).symbols] == []


@pytest.mark.parametrize("caller, writer", [("SOUL_OUT_APART = 1", "logitsraw.s"),
                                            ("FW_FC1_PLANES_L0 = 1", "forward.s")])
def test_a_128k_with_a_coarse_caller_does_not_assemble(shipped, caller, writer):
    """The shipped 128K's source assembles; without SOUL_OUT_APART (the logits' coarse bound, logitsraw.s) or
    FW_FC1_PLANES_L0 (layer 0's fc1 by matvec's coarse gate, forward.s) but with MV_COARSE_UNCALLED, the caller's
    look at mv_coarse_on has no symbol: no build can run a coarse call into the code left out."""
    soul, tokenizer = shipped
    source = build.player_source(soul, tokenizer, True, "128k", **FIRST_RUNG)
    assert "MV_COARSE_UNCALLED" in build._assemble(source).symbols
    lines = [line for line in source.split("\n") if not line.startswith(caller)]
    assert len(lines) == len(source.split("\n")) - 1
    with pytest.raises(AsmError, match=f"{writer}:[0-9]+: undefined symbol 'mv_coarse_on'"):
        build._assemble("\n".join(lines))


def expected(w, x, bias, shift, out):
    return intmath.sat16(np.asarray(out) + intmath.matvec(w, shift, np.asarray(x), bias, post=0))


@pytest.fixture(scope="module")
def benches():
    """matvec_nz with the 128K's options by the pieces (its form until zxfc2_37's NZ_X_BITS), without and with
    NZ_WIDE_X."""
    options = player_kernel_options("128k", nz_x_bits=False)
    return Z80Bench(NZ_BENCH, options=options), Z80Bench(NZ_BENCH, options=options + "\nNZ_WIDE_X = 1")


def test_wide_x_is_exact_and_runs_the_chain_to_503(benches):
    """x of 385 and 503 (high byte 1, h 2) on the chain: exact at the int16 edges and every kind of shift, and
    under a third of the fallback's T-states; 504, 511 and 512 through matvec as before, exact."""
    plain, wide = benches
    rng = np.random.default_rng(32)
    for values in ([385], [503], [504], [511], [512], [384, 400, 1, 16], [385, 503, 257, 256, 129, 128, 15, 17],
                   [503] * 30, [503] * 64, [450] * 40):
        x = np.zeros(64, np.int64)
        x[rng.choice(64, len(values), replace=False)] = values
        for w_value in (127, -128, None):
            w = rng.integers(-128, 128, (32, 64)) if w_value is None else np.full((32, 64), w_value)
            for bias_value, out_value in ((32767, 32767), (-32768, -32768), (0, 0), (-32768, 32767)):
                bias, out = np.full(32, bias_value), np.full(32, out_value)
                for shift in (6, 4, 0, 15):
                    got, wide_t = run_matvec_nz(wide, w, x, bias, shift, out)
                    np.testing.assert_array_equal(got, expected(w, x, bias, shift, out))
        _, plain_t = run_matvec_nz(plain, w, x, bias, 4, out)
        if len(values) <= 8 and max(values) <= 503:
            assert wide_t < plain_t / 3, (values, wide_t, plain_t)
        elif max(values) >= 504:
            assert wide_t > 150_000, (values, wide_t)       # (matvec's)


def test_random_calls_with_wide_x_are_exact(benches):
    _, wide = benches
    rng = np.random.default_rng(3202)
    for trial in range(40):
        w = rng.integers(-128, 128, (32, 64))
        bias, out = rng.integers(-32768, 32768, 32), rng.integers(-32768, 32768, 32)
        x = np.zeros(64, np.int64)
        count = int(rng.integers(0, 30))
        x[rng.choice(64, count, replace=False)] = rng.integers(1, 520, count)
        got, _ = run_matvec_nz(wide, w, x, bias, trial % 16, out)
        np.testing.assert_array_equal(got, expected(w, x, bias, trial % 16, out))


def test_a_wide_column_without_its_second_piece_of_h_fails(benches):
    """nz_wide_done's `ldir` of the second piece of h a nop pair: x of 400 comes out wrong."""
    _, wide = benches
    # (push hl, push bc, or NZ_SCAN_IN_ALT_SET's exx (the 128K's since the thirty-fourth round); ld hl,nn, ld bc,nn:
    # then ldir)
    at = wide.sym("nz_wide_done") + (1 if "NZ_SCAN_IN_ALT_SET" in wide.symbols else 2) + 6
    assert bytes(wide.memory[at:at + 2]) == bytes([0xED, 0xB0])
    rng = np.random.default_rng(7)
    w = rng.integers(-128, 128, (32, 64))
    x = np.zeros(64, np.int64)
    x[[3, 40]] = [400, 12]
    bias, out = np.zeros(32, np.int64), np.zeros(32, np.int64)
    wide.poke(at, [0, 0])
    try:
        got, _ = run_matvec_nz(wide, w, x, bias, 6, out)
    finally:
        wide.poke(at, [0xED, 0xB0])
    assert not np.array_equal(got, expected(w, x, bias, 6, out))
    got, _ = run_matvec_nz(wide, w, x, bias, 6, out)
    np.testing.assert_array_equal(got, expected(w, x, bias, 6, out))


def test_a_soul_with_random_proj_and_fc2_takes_the_room_and_runs_exact(shipped):
    """The shipped soul with both layers' proj and fc2 (weights in -128..127, fc2's biases in int16's -4096..4096)
    drawn at random: its fc1s and out still take their planes, so its 128K player has MV_COARSE_UNCALLED and
    NZ_WIDE_X, and three turns run exact against the engine (forward_turn checks every step) through the low
    slots' calls and matvec_nz's chain that the left-out code sat among."""
    from soulterm.soul.engine import Engine
    from soulterm.soul.soulfile import Soul
    from soulterm.zx.kernelbench import forward_turn, player_bench

    base, tokenizer = shipped
    rng = np.random.default_rng(3232)
    arrays = {name: (tensor.values, tensor.shift) for name, tensor in base.tensors.items()}
    for name in ("l0.proj", "l1.proj", "l0.fc2_w", "l1.fc2_w"):
        arrays[name] = (rng.integers(-128, 128, arrays[name][0].shape), arrays[name][1])
    for name in ("l0.fc2_b", "l1.fc2_b"):
        arrays[name] = (rng.integers(-4096, 4097, arrays[name][0].shape), arrays[name][1])
    soul = Soul.from_arrays(arrays)
    bench = player_bench(soul, tokenizer, "128k")
    assert "MV_COARSE_UNCALLED" in bench.symbols and "NZ_WIDE_X" in bench.symbols
    for text in ("hello", "how are you", "tell me a joke"):
        forward_turn(bench, Engine(soul), tokenizer.encode_turn(text))
