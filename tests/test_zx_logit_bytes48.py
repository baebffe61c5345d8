"""The 48K's logits' tops on one-byte tables (thirty-sixth round, zx48logit36: WP_TOPS_BYTES, a spend of the 48K's
ladder): logitbytes48.s's wb_tops builds the one-byte tables and every row's Q_4, planes_wide.s's fw_out_bytes keeps
the rows that may still win (the first list against the best's lower end, then planes 3..0) and computes the last
few exactly. On a 48K player built with it (logit_bytes.tops_bytes_bench: the 48K has no room for it yet): the
tables, words and lists are the model's (soulterm/zx/logit_bytes.py), fw_next is intmath.argmax_token's (ties to
the lowest id), and breaks fail."""

from __future__ import annotations

import numpy as np
import pytest

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.soul import intmath, spec
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx import build as zx_build
from soulterm.zx import logit_bytes
from soulterm.zx.kernelbench import forward_turn
from soulterm.zx.weight_planes import turn_inputs

from test_zx_logits48 import check_ties_and_extremes, markable, want_token   # (the same layout of ids and marks)

FIRST = spec.FIRST_CHOOSABLE
ROWS = spec.VOCAB_SIZE - FIRST


@pytest.fixture(scope="module")
def shipped():
    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    return soul, tokenizer, logit_bytes.tops_bytes_bench(soul, tokenizer)


def put(bench, w, xn):
    bench.poke(bench.sym("soul_out_start"), logit_bytes.out_planes(np.asarray(w)[FIRST:]))
    bench.poke(bench.sym("fw_xn"), [byte for v in xn for byte in (int(v) & 255, int(v) >> 8 & 255)])


def timed_next_token(bench, w, xn) -> tuple[int, int, int]:
    """fw_next_token's (fw_next, fw_lg_chose, T-states) on out rows `w` (128 x 32) and xn."""
    put(bench, w, xn)
    t_states = bench.call("fw_next_token", max_t_states=10_000_000)
    return bench.peek(bench.sym("fw_next"))[0], bench.peek(bench.sym("fw_lg_chose"))[0], t_states


def next_token(bench, w, xn) -> tuple[int, int]:
    return timed_next_token(bench, w, xn)[:2]


def scaled_x(rng, most: int, size: int = 32):
    """Random x with sum |x| <= most (some at it)."""
    x = rng.integers(-250, 251, size)
    return np.sign(x) * (np.abs(x) * most // max(int(np.abs(x).sum()), most))


def random_calls(count=12, seed=36):
    """Random out matrices (every third with rows that differ by a weight: near ties) and xn of every scale."""
    rng = np.random.default_rng(seed)
    for trial in range(count):
        w = rng.integers(-128, 128, (spec.VOCAB_SIZE, spec.EMBED_DIM))
        if trial % 3 == 0:
            w[FIRST + 1::2] = w[FIRST::2][:len(w[FIRST + 1::2])]
            w[FIRST + 1::2, trial % 32] += rng.integers(-1, 2, len(w[FIRST + 1::2]))
            w = np.clip(w, -128, 127)
        yield markable(rng, w), scaled_x(rng, (4095, 255, 256, 511, 1024, 2047, 2048)[trial % 7])


def test_the_player_with_it_has_no_wp_tops_and_unmarked_out_rows(shipped):
    """With WP_TOPS_BYTES: wb_tops in the hot part, no wp_tops, no WP_NARROW_MARK_OUT (its marks were wp_tops'), and
    the ladder tries it second on the packed key planes' rungs (after AT_TABLE_BY_DIMENSION, before SPENDS_48K's: worth
    more a byte than MV_HZ_ENDS, which it displaces on the shipped soul)."""
    soul, tokenizer, bench = shipped
    sym = bench.symbols
    assert sym["WP_TOPS_BYTES"] == 1 and "wp_tops" not in sym and "WP_NARROW_MARK_OUT" not in sym
    assert sym["fw_out_logits"] < 0x8000 <= sym["wb_tops"]
    assert zx_build.FIRST_SPENDS_48K == (zx_build.TABLE_BY_DIMENSION_48K, zx_build.TOPS_BYTES_48K)
    assert zx_build.TOPS_BYTES_48K == "WP_TOPS_BYTES" not in zx_build.SPENDS_48K + zx_build.LAST_SPENDS_48K
    assert zx_build.TOPS_BYTES_48K in zx_build.spends_48k(False, True, True, packed_keys=True, narrow_mark=True)
    assert zx_build.TOPS_BYTES_48K not in zx_build.spends_48k(False, True, True, packed_keys=False, narrow_mark=True)


def test_tables_words_and_best_are_the_models(shipped):
    """wb_tops on random x of every scale (s = 0..4, S at 4,095) and on random rows: its four pages are e_g, each
    row's word Q_4, HL the largest and wb_best_at past the last of the largest's planes 7..4; wb_size S, wb_scale s."""
    soul, tokenizer, bench = shipped
    sym = bench.symbols
    rng = np.random.default_rng(7)
    for most in (255, 256, 600, 1024, 2047, 4095, 3):
        w = rng.integers(-128, 128, (spec.VOCAB_SIZE, spec.EMBED_DIM))
        xn = scaled_x(rng, most)
        if most == 3:
            xn = np.zeros(spec.EMBED_DIM, dtype=np.int64)      # (S = 0: every entry 0, every Q_4 0)
        put(bench, w, xn)
        bench.poke_word(sym["wp_x"], sym["fw_xn"])
        bench.poke_word(sym["wp_w"], sym["soul_out_choosable"])
        bench.poke_word(sym["wp_out"], sym["fw_logits"] + 2 * FIRST)
        bench.poke(sym["wp_rows_count"], [ROWS])
        bench.call("wb_tops")
        assert not bench.cpu.f & 1
        assert bench.read_words(sym["fw_xn"], spec.EMBED_DIM).tolist() == list(xn)     # (SP walked x: x as it was)
        model = logit_bytes.select_rows(w[FIRST:], xn, soul["out"].shift)
        for group in range(4):
            assert list(bench.peek((sym["WB_PAGE"] + group) << 8, 256)) == list(model["tables"][group]), (most, group)
        assert np.array_equal(bench.read_words(sym["fw_logits"] + 2 * FIRST, ROWS) & 0xFFFF, model["q4"])
        assert bench.cpu.hl == model["q4"].max()
        assert bench.read_words(sym["wb_best_at"], 1)[0] & 0xFFFF == sym["soul_out_choosable"] + 32 * model["best"] + 16
        assert bench.read_words(sym["wb_size"], 1)[0] == model["size"] and bench.peek(sym["wb_scale"])[0] == model["scale"]


def test_declined_x(shipped):
    """S > 4,095 (an x of -32768, sums past 65,535 by positive and by negative x among them): wb_tops declines
    (carry) with SP put back, and fw_next_token takes every row exact (fw_lg_chose 0, fw_logits 3..127 exact)."""
    soul, tokenizer, bench = shipped
    sym = bench.symbols
    shift = soul["out"].shift
    rng = np.random.default_rng(48)
    wraps = np.array([2114] * (spec.EMBED_DIM - 1) + [102])      # S = 65,636: 100 modulo 2^16, were the carry not seen
    for xn in (rng.integers(-3000, 3001, spec.EMBED_DIM), np.full(spec.EMBED_DIM, 128),
               np.array([-32768] + [0] * (spec.EMBED_DIM - 1)), wraps, -wraps, np.full(spec.EMBED_DIM, -2100)):
        w = markable(rng, rng.integers(-128, 128, (spec.VOCAB_SIZE, spec.EMBED_DIM)))
        put(bench, w, xn)
        bench.poke_word(sym["wp_x"], sym["fw_xn"])
        sp = bench.cpu.sp
        bench.call("wb_tops")
        assert bench.cpu.f & 1 and logit_bytes.select_rows(w[FIRST:], xn, shift) is None
        assert bench.cpu.sp == sp       # (SP walks x: put back on the way out)
        if xn[0] != -32768:
            assert next_token(bench, w, xn) == (want_token(w, shift, xn), 0)
            exact = intmath.matvec(w, 0, xn, post=shift)
            assert np.array_equal(bench.read_words(sym["fw_logits"], spec.VOCAB_SIZE)[FIRST:], exact[FIRST:])


def test_random_matrices_ties_and_extremes_give_intmaths_argmax(shipped):
    """Random out rows and xn of every scale at the shipped shift: fw_next is argmax_token's and the first list is
    the model's (FW_WB_LIST, where one row is left); equal rows leave the lowest id (the exact rows' judge); w at -128 and 127, x all 0."""
    soul, tokenizer, bench = shipped
    sym = bench.symbols
    shift = soul["out"].shift
    for w, xn in random_calls():
        assert next_token(bench, w, xn) == (want_token(w, shift, xn), 1)
        model = logit_bytes.select_rows(w[FIRST:], xn, shift)
        assert model["best"] + FIRST in [row + FIRST for row in model["kept"]]
        assert want_token(w, shift, xn) - FIRST in model["left"]
        if len(model["left"]) == 1:       # (the exact rows' wp_tables writes over the list: more than one left)
            assert bench.peek(sym["FW_WB_END"])[0] - (sym["FW_WB_LIST"] & 255) == len(model["kept"])
            assert list(bench.peek(sym["FW_WB_LIST"], len(model["kept"]))) == [2 * (row + FIRST) + 1
                                                                                 for row in model["kept"]]
    check_ties_and_extremes(bench, shift, next_token, trials=6)


def test_every_row_kept_where_the_best_lies_below_c(shipped):
    """Every row -128 but its column 24 (0) and every x >= 0, small: every Q_4 equal and Q_8b below c, so the least Q_4 kept is 0: every
    row kept, equal at planes 3..0, left to the exact rows, the lowest id chosen; one row a little larger (a weight
    of -127) chosen wherever it lies."""
    soul, tokenizer, bench = shipped
    shift = soul["out"].shift
    w = np.full((spec.VOCAB_SIZE, spec.EMBED_DIM), -128)
    w[:, 24] = 0                # (a row all -128 has WP_NARROW_MARK's mark by chance: out of its build)
    for xn in (np.full(spec.EMBED_DIM, 3), np.arange(spec.EMBED_DIM) % 5):
        assert logit_bytes.select_rows(w[FIRST:], xn, shift)["least"] == 0
        assert next_token(bench, w, xn) == (FIRST, 1) == (want_token(w, shift, xn), 1)
        for row in (FIRST + 1, spec.VOCAB_SIZE - 1):
            lifted = w.copy()
            lifted[row, 31] = -127
            assert next_token(bench, lifted, xn) == (want_token(lifted, shift, xn), 1)


def test_a_hello_turn_is_the_engines_and_its_steps_cost_less_than_todays(shipped):
    """A turn of "hello" on the player with it equals the engine at every step (forward_turn), each reply step's
    token by the planes; each reply step's call well under today's (~178,000 on the shipped player)."""
    soul, tokenizer, bench = shipped
    sym = bench.symbols
    bench.poke(sym["soul_out_start"], logit_bytes.out_planes(soul["out"].values[FIRST:]))
    rows, reply = forward_turn(bench, Engine(soul), tokenizer.encode_turn("hello"))
    assert reply and bench.peek(sym["fw_lg_chose"])[0] == 1
    w = soul["out"].values
    context = tokenizer.encode_turn("hello")
    for position, name, xn in turn_inputs(Engine(soul), context):
        if name == "out" and position >= len(context) - 1:
            token, chose, t_states = timed_next_token(bench, w, xn)
            # (120,000: 114,428..117,088 measured since zx48spend36's tighter wb_tops and first list; 140,000 before)
            assert (token, chose) == (want_token(w, soul["out"].shift, xn), 1) and t_states < 120_000, t_states


@pytest.mark.parametrize("what", ["step", "row step", "first list", "R step"])
def test_a_broken_kernel_fails(shipped, what):
    """Single-instruction breaks each give a wrong token on some of the random calls: the fill's t1 step stored into
    one pair fewer (its first ld (nn),hl three nops: wrong entries), wb_tops' step past a row's planes 0..3 (ld hl,16 as
    ld hl,0: every Q_4 from the wrong masks) and the first list's test of a row's Q_4 against the least's (jr nc,@kept as jr c: the
    rows below it kept, the others dropped); R[7]'s step from R[8] by D_2 for D_3 (rows a = 7..0 of every table wrong)."""
    soul, tokenizer, _ = shipped
    bench = logit_bytes.tops_bytes_bench(soul, tokenizer)
    sym = bench.symbols
    memory = bytes(bench.memory)
    if what == "step":
        at = memory.index(bytes([0x22]) + (sym["wb_t1_a"] + 1).to_bytes(2, "little"), sym["wb_tops"])
        bench.memory[at:at + 3] = bytes(3)
    elif what == "row step":
        at = memory.index(bytes([0x21, 16, 0, 0x39, 0xF9]), sym["wb_tops"])     # ld hl,16 / add hl,sp / ld sp,hl
        bench.memory[at + 1] = 0
    elif what == "R step":
        at = memory.index(bytes([0xED, 0x5B]) + sym["wb_d3"].to_bytes(2, "little"), sym["wb_tops"])    # ld de,(wb_d3)
        bench.memory[at + 2:at + 4] = sym["wb_d2"].to_bytes(2, "little")
    else:
        at = memory.index(bytes([0x9A, 0x30]), sym["fw_out_bytes"])             # sbc a,d / jr nc,@kept
        bench.memory[at + 1] = 0x38                                             # jr c
    shift = soul["out"].shift
    assert any(next_token(bench, w, xn)[0] != want_token(w, shift, xn) for w, xn in random_calls(24, seed=5))


def test_the_models_rows_left_hold_the_argmax_at_every_shift():
    """The model the kernel follows (logit_bytes.select_rows) at out's shifts 4..15 (the ladder takes WP_TOPS_BYTES for
    them: c and D_8 fit a word), x of every scale and near ties: the rows left always hold argmax_token's row, one row
    left is that row, and the first list keeps the best Q_4's row."""
    rng = np.random.default_rng(15)
    for shift in range(4, 16):
        for w, xn in random_calls(4, seed=shift):
            model = logit_bytes.select_rows(w[FIRST:], xn, shift)
            want = want_token(w, shift, xn) - FIRST
            assert want in model["left"] and model["best"] in model["kept"]
            assert len(model["left"]) > 1 or model["left"] == [want]
        w = rng.integers(-128, 128, (spec.VOCAB_SIZE, spec.EMBED_DIM))
        xn = scaled_x(rng, 4095)
        assert want_token(w, shift, xn) - FIRST in logit_bytes.select_rows(w[FIRST:], xn, shift)["left"]
