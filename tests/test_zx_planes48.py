"""The 48K player's q, k and v by bit planes of the weights (twenty-sixth round, zxplanes48: forward.s's
FW_PLANES without a bank, soul_layout's SOUL_QKV_PLANES, planes.s in the program with its tables in the
screen's middle third, planes_wide.s where wp_tables declines an xn): the matrices in plane_bytes' layout
alone, a turn exact against the engine, the tables the last xn's, a declined xn exact and slower, a broken
planes_wide.s failing; planes_wide.s bit-exact on the kernels' bench; the ladder's planes' rung first
where planes.s takes the soul's shifts and its activations, the rungs below it otherwise."""

from __future__ import annotations

import re

import numpy as np
import pytest

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.soul import intmath, spec
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx import logit_bytes
from soulterm.zx.build import PLANES_TABLES_48K, SCREEN_THIRD, assemble_spectrum_player
from soulterm.zx.kernelbench import TurnCost, Z80Bench, Z80_KERNELS_DIR, forward_turn, player_bench, player_kernel_options
from soulterm.zx.soul_layout import QKV_MATRICES, narrow_bits_bytes, plane_bytes
from soulterm.zx.weight_planes import PLANES_SOURCE, load_planes, plane_tables, turn_inputs

WIDE_SOURCE = PLANES_SOURCE + '.include "planes_wide.s"\nwp_wide_end:\n'


@pytest.fixture(scope="module")
def soul_and_tokenizer():
    return load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)


@pytest.fixture(scope="module")
def wide_bench():
    return Z80Bench(extra_source=WIDE_SOURCE, options=player_kernel_options("128k"))


def run_wide(bench, w, x, shift: int, buffers: int = 0xA000):
    """W at `buffers` in plane_bytes' layout, x and out after it; wp_rows_wide. Returns (out, T-states)."""
    rows = len(w)
    x_address = load_planes(bench, w, buffers)
    out_address = x_address + 64
    bench.write_words(x_address, np.asarray(x, dtype=np.int64))
    bench.poke_word(bench.sym("wp_x"), x_address)
    bench.poke_word(bench.sym("wp_w"), buffers)
    bench.poke_word(bench.sym("wp_out"), out_address)
    bench.poke(bench.sym("wp_rows_count"), [rows])
    bench.poke(bench.sym("wp_shift"), [shift])
    t_states = bench.call("wp_rows_wide", max_t_states=50_000_000)
    assert int.from_bytes(bench.peek(bench.sym("wp_w"), 2), "little") == buffers + 32 * rows
    assert bench.peek(bench.sym("wp_rows_count")) == b"\x00"
    return bench.read_words(out_address, rows), t_states


def test_planes_wide_is_bit_exact_for_any_x_and_shift(wide_bench):
    """Random matrices and vectors of any size (sum |x| far past planes.s's 4,095), the extremes (w -128 and
    127, x -32,768 and 32,767 everywhere: sums of 2^27 that clip), every shift 0..19, against intmath.matvec."""
    rng = np.random.default_rng(2648)
    cases = []
    for trial in range(24):
        rows = int(rng.integers(1, 33))
        w = rng.integers(-128, 128, (rows, 32))
        x = rng.integers(-32768, 32768, 32) if trial % 2 else rng.integers(-3000, 3000, 32)
        cases.append((w, x, int(rng.integers(0, 20))))
    for value in (-128, 127):
        for fill in (-32768, 32767):
            for shift in (0, 7, 19):
                cases.append((np.full((3, 32), value), np.full(32, fill), shift))
    cases.append((np.zeros((2, 32), dtype=np.int64), rng.integers(-32768, 32768, 32), 5))
    for w, x, shift in cases:
        got, _ = run_wide(wide_bench, w, x, shift)
        want = intmath.matvec(np.asarray(w), 0, np.asarray(x), post=shift)
        assert np.array_equal(got, want), (shift, np.flatnonzero(got != want)[:8])


def test_planes_wide_header_states_its_bytes_and_t_states(wide_bench):
    header = " ".join(line for line in (Z80_KERNELS_DIR / "planes_wide.s").read_text().splitlines()
                      if line.startswith(";"))
    size = wide_bench.sym("wp_wide_end") - wide_bench.sym("wp_rows_wide")
    assert f"wp_rows_wide {size:,}" in header       # (the 48K player's file adds SOUL_OUT_PLANES's logits)
    rng = np.random.default_rng(38)
    _, t_states = run_wide(wide_bench, rng.integers(-128, 128, (32, 32)), rng.integers(-32768, 32768, 32), 7)
    stated = int(re.search(r"~([\d,]+) a\s+row", header).group(1).replace(",", ""))
    assert abs(t_states / 32 - stated) < 0.05 * stated, t_states / 32


def test_the_48k_runs_q_k_v_on_planes_with_its_tables_in_the_screens_middle_third(soul_and_tokenizer):
    """The shipped 48K (the ladder's planes' rung): both layers' q, k and v in plane_bytes' layout at their
    labels (since zx48narrow36 each after its class bits, its narrow rows without plane 6: narrow_bits_bytes; the map's
    regions too), their descriptors' shift bytes without MV_SHORT_K's
    flag, planes.s's tables at $4800 (the screen's middle third, hidden), the chat in lines 0..7; a turn of
    "hello" equal to the engine at every step, the tables after it layer 1's last xn's but for the first page's
    first 64 bytes: attention's output (fw_att there since zxroom48d), layer 1's of the last step; since the
    twenty-seventh round (zxlogits48, SOUL_OUT_PLANES) the logits' call builds them last, on the final xn, over
    attention's output too, and out lies in plane_bytes' layout, rows 3..127, from its label's row 3."""
    soul, tokenizer = soul_and_tokenizer
    built = assemble_spectrum_player(DEFAULT_SOUL, DEFAULT_TOKENIZER)
    sym = built.program.symbols
    assert built.weight_planes and "FW_PLANES_BANK" not in sym and sym["SOUL_QKV_PLANES"] == 1
    assert sym["wp_table_pages"] == PLANES_TABLES_48K and PLANES_TABLES_48K + 8 * 256 == SCREEN_THIRD
    assert sym["CHAT_LAST_LINE"] == 7 and sym["wp_rows_wide"] < 0x8000 <= sym["wp_rows"]
    data, origin = built.program.data, built.program.origin
    regions = {region.start: region for region in built.regions}
    for name in QKV_MATRICES:
        label = "soul_" + name.replace(".", "_")
        planes = narrow_bits_bytes(soul[name].values)      # (zx48narrow36: class bits, narrow rows without plane 6)
        assert sym["WP_NARROW_BITS"] == 1 and len(planes) < 1024
        assert data[sym[label] - origin:sym[label] - origin + len(planes)] == planes, name
        assert sym[label + "_end"] == sym[label] + len(planes)
        assert regions[sym[label]].end == sym[label] + len(planes) and regions[sym[label]].name == name
    for layer in range(2):
        for offset, name in ((sym["FD_Q"], "q"), (sym["FD_K"], "k"), (sym["FD_V"], "v")):
            at = sym[f"soul_layer{layer}"] + offset - origin
            assert data[at] | data[at + 1] << 8 == sym[f"soul_l{layer}_{name}"]
            assert data[at + 2] == soul[f"l{layer}.{name}"].shift + 1, (layer, name)
    bench = player_bench(soul, tokenizer)
    engine = Engine(soul)
    context = tokenizer.encode_turn("hello")
    rows, reply = forward_turn(bench, engine, context)          # checks every step against the engine
    assert reply
    last_step = [(name, x) for position, name, x in turn_inputs(engine, context) if position == len(context + reply) - 1]
    xn = next(x for name, x in last_step if name == "out")     # (the logits' call: the last tables built)
    memory = bench.memory
    assert sym["fw_att"] == PLANES_TABLES_48K       # (attention's output on the first page: the logits' tables over it)
    if "WP_TOPS_BYTES" in sym:      # (the thirty-sixth round's: the one-byte tables, a page a group, the logits' last)
        for group, table in enumerate(logit_bytes.tables(xn)):
            assert bytes(memory[PLANES_TABLES_48K + 0x100 * group:][:256]) == bytes(int(v) for v in table), group
    else:
        tables, _, _ = plane_tables(xn)
        for group, table in enumerate(tables):
            low = bytes(memory[PLANES_TABLES_48K + 0x200 * group:PLANES_TABLES_48K + 0x200 * group + 256])
            assert low == bytes(v & 255 for v in table), group
    out = plane_bytes(soul["out"].values, marked="WP_NARROW_MARK_OUT" in sym)[spec.FIRST_CHOOSABLE * 32:]
    assert sym["SOUL_OUT_PLANES"] == 1 and sym["soul_out_start"] == sym["soul_out"] + spec.FIRST_CHOOSABLE * 32
    assert data[sym["soul_out_start"] - origin:sym["soul_out_end"] - origin] == out
    assert regions[sym["soul_out_start"]].end == sym["soul_out_end"] and regions[sym["soul_out_start"]].name.startswith("out")


def test_a_declined_xn_runs_planes_wide_exact_and_slower_and_a_broken_one_fails(soul_and_tokenizer):
    """wp_tables made to decline every xn (its entry poked to scf / ret, as sum |x| > 4,095 does): the xn's
    q, k and v run planes_wide.s's rows, exact (every step checked against the engine) and far slower (~1.2M
    T-states a matrix); with its w (xor $80) broken (xor $00) the turn's check fails."""
    soul, tokenizer = soul_and_tokenizer
    engine = Engine(soul)
    context = tokenizer.encode_turn("hello")[:3]
    planes = player_bench(soul, tokenizer)
    rows, reply = forward_turn(planes, engine, context)
    fast = TurnCost(rows, reply)
    declined = player_bench(soul, tokenizer)
    at = declined.sym("wp_tables")
    declined.memory[at:at + 2] = bytes([0x37, 0xC9])           # scf / ret
    if "wb_tops" in declined.symbols:       # (WP_TOPS_BYTES' one-byte tables decline the same xns: sum |x| > 4,095)
        tops = declined.sym("wb_tops")
        declined.memory[tops:tops + 2] = bytes([0x37, 0xC9])
    rows, again = forward_turn(declined, engine, context)
    assert again == reply and TurnCost(rows, again).per_position > fast.per_position + 4_000_000
    broken = player_bench(soul, tokenizer)
    broken.memory[at:at + 2] = bytes([0x37, 0xC9])
    if "wb_tops" in broken.symbols:
        tops = broken.sym("wb_tops")
        broken.memory[tops:tops + 2] = bytes([0x37, 0xC9])
    memory = bytes(broken.memory)
    flip = memory.index(bytes([0xEE, 0x80]), broken.sym("wp_rows_wide"))     # xor $80: u to w
    broken.memory[flip + 1] = 0x00
    with pytest.raises(AssertionError):
        forward_turn(broken, engine, context)


def test_the_ladder_tries_the_planes_first_and_the_rungs_below_them_where_they_do_not_fit(
        soul_and_tokenizer, monkeypatch):
    """build.py's 48K ladder: FW_PLANES (planes_48k) above the fast scores on every rung where planes.s takes
    the soul's q, k, v shifts (planes_take) and its activations (planes_pay); where no planes' rung fits, the
    ladder below them as before (the fast scores' rungs first); a soul they do not pay for never tries them."""
    import soulterm.zx.build as zx_build

    soul, tokenizer = soul_and_tokenizer
    assert zx_build.planes_take(soul) and zx_build.planes_pay(soul, tokenizer)
    for planes_fit in (True, False):
        tried, chosen = [], []

        def fits(*args, planes_48k=False, fast_scores=False, pairs=True, coarse_top=False, unrolled=False,
                 fast_takebacks=(), **kwargs):
            if fast_takebacks or any(kwargs.values()):
                return False
            tried.append((planes_48k, fast_scores, (pairs, coarse_top, unrolled)))
            return planes_fit or not planes_48k

        monkeypatch.setattr(zx_build, "coarse_fits", fits)
        monkeypatch.setattr(zx_build, "_assemble_48k", lambda *args, **kwargs: chosen.append(kwargs))
        zx_build.assemble_player(soul, tokenizer, word_list=False)
        first, on_planes = zx_build.RUNGS_48K[0], zx_build.planes_rungs(zx_build.RUNGS_48K)
        assert on_planes == ((True, False, True), (True, False, False), (False, False, True), (False, False, False))
        if planes_fit:      # (the planes' rungs without MV_COARSE_TOP: SOUL_OUT_PLANES, twenty-seventh round)
            assert tried == [(True, True, on_planes[0])] and chosen[0]["planes_48k"] and chosen[0]["fast_scores"]
        else:
            assert tried[:2 * len(on_planes)] == [(True, fast, rung) for fast in (True, False) for rung in on_planes]
            assert tried[-1] == (False, True, first) and not chosen[0]["planes_48k"] and chosen[0]["fast_scores"]
    monkeypatch.setattr(zx_build, "planes_pay", lambda *args: False)
    tried.clear()
    chosen.clear()
    zx_build.assemble_player(soul, tokenizer, word_list=False)
    assert tried == [(False, True, zx_build.RUNGS_48K[0])] and not chosen[0]["planes_48k"]
