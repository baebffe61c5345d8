"""The 48K's logits by out's top bit planes (twenty-seventh round, zxlogits48: SOUL_OUT_PLANES): planes.s's
wp_tops bounds every row by its planes 7..4 on the final xn's tables, planes_wide.s's fw_out_logits computes
the rows that may still win exactly (wp_rows) and keeps the first largest, or every row by wp_rows_wide where
wp_tables declines the xn. On the 48K player's own program (kernelbench.player_bench) as the ladder builds it where
WP_TOPS_BYTES (the one-byte tables' form, the shipped soul's since the thirty-sixth round: tests/test_zx_logit_bytes48.py)
is not tried, its out rows poked with other matrices: fw_next is intmath.argmax_token's (ties to the lowest id), and
breaks fail."""

from __future__ import annotations

import numpy as np
import pytest

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.zx import build as zx_build
from soulterm.soul import intmath, spec
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx.kernelbench import forward_turn, player_bench
from soulterm.zx.soul_layout import PLANE_ROW_BYTES, narrow_marked, plane_bytes, plane_classes
from soulterm.zx.weight_planes import turn_inputs

FIRST = spec.FIRST_CHOOSABLE


def wp_tops_bench(soul, tokenizer):
    """The 48K player whose ladder does not try WP_TOPS_BYTES: its logits by wp_tops (any soul the one-byte form
    does not fit, and the shipped soul's before the thirty-sixth round)."""
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(zx_build, "FIRST_SPENDS_48K", zx_build.FIRST_SPENDS_48K[:1])
        bench = player_bench(soul, tokenizer)
    assert "wp_tops" in bench.symbols and "WP_TOPS_BYTES" not in bench.symbols
    return bench


@pytest.fixture(scope="module")
def shipped():
    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    return soul, tokenizer, wp_tops_bench(soul, tokenizer)


def out_planes(bench, w) -> bytes:
    """Out's rows FIRST.. as the player lays them out (WP_NARROW_MARK_OUT: its narrow rows marked, zx48rows35)."""
    return plane_bytes(np.asarray(w)[FIRST:], marked="WP_NARROW_MARK_OUT" in bench.symbols)


def markable(rng, w):
    """w with each wide row that has WP_NARROW_MARK's mark by chance (~1 in 256 of random rows: planes.s would read
    it as a marked narrow row, and the build declines such a soul, soul_layout.narrow_mark_take) drawn again."""
    w = np.array(w, copy=True)
    while True:
        data, classes = plane_bytes(w), plane_classes(w)
        chance = [row for row in range(len(w)) if not classes[row] and narrow_marked(data, row)]
        if not chance:
            return w
        w[chance] = rng.integers(-128, 128, (len(chance), w.shape[1]))


def timed_next_token(bench, w, xn) -> tuple[int, int, int]:
    """fw_next_token's (fw_next, fw_lg_chose, T-states) on out rows `w` (128 x 32: rows FIRST.. poked in
    planes) and xn."""
    bench.poke(bench.sym("soul_out_start"), out_planes(bench, w))
    bench.poke(bench.sym("fw_xn"), [byte for v in xn for byte in (int(v) & 255, int(v) >> 8 & 255)])
    t_states = bench.call("fw_next_token", max_t_states=10_000_000)
    return bench.peek(bench.sym("fw_next"))[0], bench.peek(bench.sym("fw_lg_chose"))[0], t_states


def next_token(bench, w, xn) -> tuple[int, int]:
    """fw_next_token's (fw_next, fw_lg_chose)."""
    return timed_next_token(bench, w, xn)[:2]


def want_token(w, shift, xn) -> int:
    return intmath.argmax_token(intmath.matvec(np.asarray(w), 0, np.asarray(xn), post=shift))


def check_ties_and_extremes(bench, shift, next_token, trials: int):
    """Random matrices with a row equal to the best one below and above it (a tie: the lowest id wins), then rows of
    -128 and 127 with x at 127 and at 0 (every row equal: the first choosable), each chosen by the planes
    (fw_lg_chose 1); `next_token` the caller's (its own layout of out's rows)."""
    rng = np.random.default_rng(16)
    for trial in range(trials):
        w = markable(rng, rng.integers(-128, 128, (spec.VOCAB_SIZE, spec.EMBED_DIM)))
        xn = rng.integers(-120, 121, spec.EMBED_DIM)
        best = want_token(w, shift, xn)
        low, high = int(rng.integers(FIRST, best + 1)), int(rng.integers(best, spec.VOCAB_SIZE))
        w[low] = w[high] = w[best]          # (ties: the lowest of the equal rows wins)
        assert next_token(bench, w, xn) == (low, 1) and want_token(w, shift, xn) == low
    extremes = np.full((spec.VOCAB_SIZE, spec.EMBED_DIM), -128)
    extremes[FIRST + 5] = 127
    extremes[FIRST + 9] = 127
    extremes[:, 24] = 0         # (a row all -128 or all 127 has WP_NARROW_MARK's mark by chance: out of its build)
    assert next_token(bench, extremes, np.full(spec.EMBED_DIM, 127)) == (FIRST + 5, 1)
    assert next_token(bench, extremes, np.zeros(spec.EMBED_DIM, dtype=np.int64)) == (FIRST, 1)   # (all 0: a tie)


def random_calls(shift, count=12, seed=27):
    """Random out matrices and xn with sum |x| <= 4,095 (wp_tables builds its tables)."""
    rng = np.random.default_rng(seed)
    for trial in range(count):
        w = rng.integers(-128, 128, (spec.VOCAB_SIZE, spec.EMBED_DIM))
        if trial % 3 == 0:          # (near ties: rows that differ by one weight)
            w[FIRST + 1::2] = w[FIRST::2][:len(w[FIRST + 1::2])]
            w[FIRST + 1::2, trial % 32] += rng.integers(-1, 2, len(w[FIRST + 1::2]))
            w = np.clip(w, -128, 127)
        w = markable(rng, w)
        xn = rng.integers(-250, 251, spec.EMBED_DIM)
        xn = np.sign(xn) * (np.abs(xn) * 4095 // max(int(np.abs(xn).sum()), 4095))
        yield w, xn


def test_the_48k_player_has_out_in_planes_and_chooses_every_token_of_hello_by_them(shipped):
    """The 48K on wp_tops: out's rows 3..127 at soul_out_start in plane_bytes' layout (soul_out where row 0 would
    lie), no argmax nor bound; a turn of "hello" equal to the engine at every step (forward_turn), each reply
    step's token by the planes (fw_lg_chose 1)."""
    soul, tokenizer, bench = shipped
    sym = bench.symbols
    assert sym["SOUL_OUT_PLANES"] == 1 and "argmax" not in sym and "fw_logits_bound" not in sym
    assert sym["soul_out_start"] == sym["soul_out"] + FIRST * PLANE_ROW_BYTES
    assert sym["soul_out_end"] - sym["soul_out_start"] == (spec.VOCAB_SIZE - FIRST) * PLANE_ROW_BYTES
    assert sym["fw_out_logits"] < 0x8000 <= sym["wp_tops"]
    bench.poke(sym["soul_out_start"], out_planes(bench, soul["out"].values))      # (as built: tests/test_zx_planes48.py checks it; the others here poke it)
    rows, reply = forward_turn(bench, Engine(soul), tokenizer.encode_turn("hello"))
    assert reply and bench.peek(sym["fw_lg_chose"])[0] == 1


def test_random_matrices_and_ties_give_intmaths_argmax(shipped):
    """Random out rows and xn at the shipped shift and others (4..19, planes.s's): fw_next is argmax_token's;
    equal rows (a copy of the winner at a lower id, and at a higher one) leave the lowest id; w at -128 and 127."""
    soul, tokenizer, bench = shipped
    shift = soul["out"].shift
    for w, xn in random_calls(shift):
        assert next_token(bench, w, xn) == (want_token(w, shift, xn), 1)
    check_ties_and_extremes(bench, shift, next_token, trials=8)


def test_a_least_kept_below_zero_keeps_every_row(shipped):
    """Every row -128 but its column 24 (0: a row all -128 has WP_NARROW_MARK's mark by chance, out of its build) and
    every x >= 0: each top Q is 8 x_24, so T_b + 1 - D lies below 0 (D = S - (S >> 4) + 2^(shift - 4), added as -D
    since the thirtieth round, zx48logits30) and the least kept is 0: every row kept, exact and equal, the lowest id
    chosen; one row a little larger (a weight of -127) is chosen wherever it lies."""
    soul, tokenizer, bench = shipped
    shift = soul["out"].shift
    w = np.full((spec.VOCAB_SIZE, spec.EMBED_DIM), -128)
    w[:, 24] = 0
    for xn in (np.full(spec.EMBED_DIM, 100), np.arange(spec.EMBED_DIM) * 7):
        assert next_token(bench, w, xn) == (FIRST, 1) == (want_token(w, shift, xn), 1)
        for row in (FIRST + 1, spec.VOCAB_SIZE - 1):
            lifted = w.copy()
            lifted[row, 31] = -127
            assert next_token(bench, lifted, xn) == (want_token(lifted, shift, xn), 1) == (row, 1)


def test_a_declined_xn_takes_every_row_exact(shipped):
    """sum |x| > 4,095 (wp_tables declines): every row by wp_rows_wide, fw_lg_chose 0, fw_logits 3..127 exact."""
    soul, tokenizer, bench = shipped
    shift = soul["out"].shift
    rng = np.random.default_rng(48)
    for xn in (rng.integers(-3000, 3001, spec.EMBED_DIM), np.full(spec.EMBED_DIM, 128)):
        w = markable(rng, rng.integers(-128, 128, (spec.VOCAB_SIZE, spec.EMBED_DIM)))
        assert next_token(bench, w, xn) == (want_token(w, shift, xn), 0)
        exact = intmath.matvec(w, 0, xn, post=shift)
        assert np.array_equal(bench.read_words(bench.sym("fw_logits"), spec.VOCAB_SIZE)[FIRST:], exact[FIRST:])


def test_the_hello_steps_leave_few_rows_and_cost_less_than_the_coarse_call(shipped):
    """On "hello"'s reply steps' own xn (the engine's): the engine's token, and the call (fw_next_token, its
    tables, tops and the rows left) well under the coarse call and argmax it replaced (~242,000)."""
    soul, tokenizer, bench = shipped
    engine = Engine(soul)
    w = soul["out"].values
    context = tokenizer.encode_turn("hello")
    for position, name, xn in turn_inputs(engine, context):
        if name == "out" and position >= len(context) - 1:
            token, chose, t_states = timed_next_token(bench, w, xn)
            assert (token, chose) == (want_token(w, soul["out"].shift, xn), 1) and t_states < 200_000, t_states


@pytest.mark.parametrize("where, what", [("wp_tops", "row step"), ("fw_out_logits", "judge")])
def test_a_broken_kernel_fails(shipped, where, what):
    """Two single-instruction breaks: wp_tops' step past a row's low planes (ld hl,16 as ld hl,0: every row's
    top read from the wrong masks) and fw_out_logits' choice (jr nc,@not as jr c: a later row replaces a better
    one) each give a wrong token on some of the random calls."""
    soul, tokenizer, _ = shipped
    bench = wp_tops_bench(soul, tokenizer)
    memory = bytes(bench.memory)
    if what == "row step":
        at = memory.index(bytes([0x21, 16, 0, 0x39, 0xF9]), bench.sym("wp_tops"))    # ld hl,16 / add hl,sp / ld sp,hl
        bench.memory[at + 1] = 0
    else:
        at = memory.index(bytes([0xED, 0x52, 0x30]), bench.sym("fw_out_logits"))     # sbc hl,de / jr nc
        bench.memory[at + 2] = 0x38                                                     # jr c
    shift = soul["out"].shift
    assert any(next_token(bench, w, xn)[0] != want_token(w, shift, xn) for w, xn in random_calls(shift))
