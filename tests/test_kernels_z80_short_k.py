"""MV_SHORT_K (the 48K's, twenty-third round): matvec.s's 2-byte row constants, their top byte $FF
implied, for the matrices whose every constant (-K, or -K + 2b with the bias folded in) lies in
-65536..-1 (soul_layout.short_constants); the call says so by bit 7 of mv_shift (the layer
descriptors' shift byte), and matvec turns its row starts to that form where they are not in it."""

from __future__ import annotations

import numpy as np
import pytest

from test_zx_speed import bench_for
from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.soul import intmath
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import Soul, load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx.kernelbench import Z80Bench, forward_turn, player_kernel_options
from soulterm.zx.soul_layout import (LayoutError, k_bytes, matvec_bytes, matvec_size, short_constants, soul_include,
                                     takes_short)

SHORT_FLAG = 0x80       # matvec.s's MV_SHORT_FLAG
MATRIX_AT = 0xA000      # (run_short's buffers, as kernelbench.run_matvec's)


def small_weights(rng, rows: int, cols: int) -> np.ndarray:
    """Weights whose rows' K lie in 1..65536 (|w| <= 45 over 32 columns, <= 31 over 64)."""
    most = 45 if cols <= 32 else 31
    w = rng.integers(-most, most + 1, (rows, cols))
    w[:, 0] = np.where(w[:, 0] == 0, 1, w[:, 0])
    return w


def test_the_short_layout_is_the_long_one_without_each_constants_top_byte():
    rng = np.random.default_rng(2301)
    for rows, cols in ((32, 32), (64, 32), (32, 64), (5, 17)):
        w = small_weights(rng, rows, cols)
        bias = rng.integers(-2000, 2000, rows)
        for b in (None, bias):
            assert short_constants(w, b)
            long, short = matvec_bytes(w, b), matvec_bytes(w, b, short=True)
            assert len(long) == matvec_size(rows, cols) and len(short) == matvec_size(rows, cols, short=True)
            first = min(cols, cols - 32) if cols > 32 else cols       # (a second part's rows have no constant)
            long_rows = np.frombuffer(long[:rows * (3 + first)], np.uint8).reshape(rows, 3 + first)
            short_rows = np.frombuffer(short[:rows * (2 + first)], np.uint8).reshape(rows, 2 + first)
            assert (long_rows[:, 2] == 0xFF).all()
            assert np.array_equal(np.delete(long_rows, 2, axis=1), short_rows)
            assert long[rows * (3 + first):] == short[rows * (2 + first):]
            k = (w * w).sum(axis=1) - (0 if b is None else 2 * b)
            assert np.array_equal(short_rows[:, 0] + 256 * short_rows[:, 1].astype(np.int64) - 65536, -k)
    assert k_bytes() == 3 and k_bytes(short=True) == 2


def test_a_constant_outside_the_short_range_keeps_the_matrix_long():
    """K - 2b of 65536 is the last that fits (-65536: $FF0000), 65537 or 0 do not (top bytes $FE, $00)."""
    w = np.zeros((2, 32), np.int64)
    w[:, :4] = -128                             # K = 65536 each
    assert short_constants(w)
    w[1, 4] = 1                                 # K = 65537
    assert not short_constants(w)
    assert short_constants(w, bias=[0, 1])      # (-K + 2b = -65535)
    with pytest.raises(LayoutError):
        matvec_bytes(w, short=True)
    assert not short_constants(np.zeros((1, 32)))       # K = 0: a constant of 0
    assert not short_constants(np.ones((1, 32)), bias=[16])      # -K + 2b = 0


@pytest.fixture(scope="module")
def bench():
    bench = Z80Bench(options=player_kernel_options("48k"))
    assert "MV_SHORT_K" in bench.symbols
    return bench


def run_short(bench, w, x, bias, shift: int, short: bool, routine: str = "matvec"):
    """kernelbench.run_matvec's call with the matrix laid out short (mv_shift's bit 7) or long."""
    w = np.asarray(w, np.int64)
    rows, cols = w.shape
    matrix = matvec_bytes(w, bias, short=short)      # (MV_BIAS_IN_K: the bias folded in)
    x_at = MATRIX_AT + len(matrix)
    bias_at = x_at + 2 * cols
    out_at = bias_at + 2 * rows
    out_at += out_at & 1
    bench.poke(MATRIX_AT, matrix)
    bench.write_words(x_at, np.asarray(x, np.int64))
    if bias is not None:
        bench.write_words(bias_at, np.asarray(bias, np.int64))
    for name, value in (("mv_w", MATRIX_AT), ("mv_x", x_at), ("mv_out", out_at),
                        ("mv_bias", bias_at if bias is not None else 0), ("mv_carry", out_at + 2 * rows)):
        bench.poke_word(bench.sym(name), value)
    bench.poke(bench.sym("mv_rows"), [rows])
    bench.poke(bench.sym("mv_cols"), [cols])
    bench.poke(bench.sym("mv_shift"), [shift | (SHORT_FLAG if short else 0)])
    t_states = bench.call(routine)
    assert bench.peek(bench.sym("mv_shift"))[0] == shift      # (the flag taken off for the rest of the call)
    return bench.read_words(out_at, rows), t_states


def inputs(rng, cols: int, kind: int) -> np.ndarray:
    """x for each of matvec's row starts: full (every column wide), narrow without a wide column,
    narrow with a few (mv_row_narrow's walk), and sparse (a two-part call's few nonzero columns)."""
    if kind == 0:
        return rng.integers(-32768, 32768, cols)
    x = rng.integers(-127, 129, cols)
    if kind == 2:
        x[rng.choice(cols, max(1, cols // 8), replace=False)] = rng.choice([-32768, -129, 129, 384, 32767], max(1, cols // 8))
    if kind == 3:
        x = np.zeros(cols, np.int64)
        x[rng.choice(cols, 6, replace=False)] = rng.integers(1, 129, 6)
    return x


def test_short_and_long_calls_match_intmath_in_every_mode_and_order():
    """Short and long matrices in a random order, each mode's row start (the full path, narrow,
    narrow with wide columns, sparse two-part calls), with a bias and without, and matvec_again of
    the other form on the same x (its operands from the call before, turned with the row starts)."""
    bench = Z80Bench(options=player_kernel_options("48k"))
    rng = np.random.default_rng(2302)
    for case in range(48):
        rows, cols = ((32, 32), (64, 32), (32, 64), (17, 31))[case % 4]
        kind = int(rng.integers(0, 4)) if cols > 32 else int(rng.integers(0, 3))
        x = inputs(rng, cols, kind)
        w = small_weights(rng, rows, cols)
        bias = rng.integers(-2000, 2000, rows) if case % 3 else None
        shift = int(rng.integers(4, 10))
        short = bool(rng.integers(0, 2))
        got, _ = run_short(bench, w, x, bias, shift, short)
        assert np.array_equal(got, intmath.matvec(w, shift, x, bias, post=0)), (case, short, kind)
        if cols <= 32:          # (matvec_again of the other form: q short, k long, v short, as layer 1's)
            w2 = small_weights(rng, rows, cols)
            got, _ = run_short(bench, w2, x, None, shift, not short, routine="matvec_again")
            assert np.array_equal(got, intmath.matvec(w2, shift, x, None, post=0)), (case, not short, kind)


def test_a_short_row_costs_no_more_than_a_long_one():
    """Per row, each short start is as fast or faster than the long one (the call's switch aside)."""
    bench = Z80Bench(options=player_kernel_options("48k"))
    rng = np.random.default_rng(2303)
    for kind in (0, 1, 2):
        w = small_weights(rng, 64, 32)
        x = inputs(rng, 32, kind)
        costs = {}
        for short in (False, True):
            run_short(bench, w[:32], x, None, 9, short)     # (the form, and the mode, as the call's)
            one = run_short(bench, w[:32], x, None, 9, short)[1]
            two = run_short(bench, w, x, None, 9, short)[1]
            costs[short] = two - one                        # 32 rows more
        assert costs[True] <= costs[False], kind


def soul_with_long(name: str) -> Soul:
    """The shipped soul with one row of matrix `name` past the short range (K >= 65536)."""
    soul = load_soul(DEFAULT_SOUL)
    arrays = {key: (np.asarray(t.values).reshape(-1), t.shift) for key, t in soul.tensors.items()}
    values, shift = arrays[name]
    values = values.copy()
    values[:8] = 127                    # row 0: K > 8 * 127^2 = 129,032
    arrays[name] = (values, shift)
    return Soul.from_arrays(arrays)


def test_a_soul_with_one_long_row_keeps_that_matrix_long_and_a_turn_exact():
    """l0.k with one row of K >= 65536 is laid out long (its descriptor's shift byte without the
    flag) between short q and v: matvec_again turns the row starts each way; a turn on the 48K's
    kernels (test_zx_speed's bench) still equals the engine's at every step (forward_turn checks)."""
    soul = soul_with_long("l0.k")
    assert not takes_short("l0.k", soul) and takes_short("l0.q", soul) and takes_short("l0.v", soul)
    source = soul_include(soul)
    assert "soul_l0_k_kform = 0" in source and "soul_l0_q_kform = MV_SHORT_FLAG" in source
    forward = bench_for(soul)
    assert "MV_SHORT_K" in forward.symbols
    descriptor = forward.sym("soul_layer0")
    shifts = forward.peek(descriptor + forward.sym("FD_Q") + 2, 10)[::3]     # q, k, v and proj's shift bytes
    assert [bool(s & SHORT_FLAG) for s in shifts] == [True, False, True, True]
    assert forward.sym("soul_l0_k") - forward.sym("soul_l0_q") == matvec_size(32, 32, short=True)
    assert forward.sym("soul_l0_v") - forward.sym("soul_l0_k") == matvec_size(32, 32)
    rows, _ = forward_turn(forward, Engine(soul), Tokenizer.load(DEFAULT_TOKENIZER).encode_turn("hello"))
    assert rows[-1][2] == "forward_step"
