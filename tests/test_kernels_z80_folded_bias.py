"""matvec.s's MV_FOLDED_BIAS (the 48K's, twenty-fifth round): a call whose mv_bias is MV_BIAS_FOLDED has
its bias in its row constants alone (MV_BIAS_IN_K: -K + 2b), no vector, and runs narrow whatever its
count of wide columns, since the full path's row end (mv_unbias) reads the vector. The player's fc1 calls
so (soul_layout.FOLDED_BIASES: fc1's biases off the tape, the layer descriptors' word MV_BIAS_FOLDED)."""

from __future__ import annotations

import numpy as np
import pytest

from soulterm.soul import intmath
from soulterm.zx.kernelbench import Z80Bench, player_kernel_options, set_matvec_store
from soulterm.zx.soul_layout import matvec_bytes

BUFFERS = 0xA000


@pytest.fixture(scope="module")
def bench():
    """The shipped 48K's matvec options (MV_PAIR_SLOTS, MV_BIAS_IN_K, MV_SHORT_K, MV_HZ_ENDS) with MV_FOLDED_BIAS."""
    return Z80Bench(options=player_kernel_options("48k", short_ends=True, folded_bias=True))


def folded_call(bench, w, x, bias, shift: int) -> tuple[np.ndarray, int]:
    """matvec on W with `bias` in its row constants and mv_bias = MV_BIAS_FOLDED (no vector anywhere);
    returns the outputs and mv_mode after the call."""
    rows, cols = w.shape
    matrix = matvec_bytes(w, bias)
    x_address = BUFFERS + len(matrix)
    out_address = x_address + 2 * cols
    out_address += out_address & 1
    bench.poke(BUFFERS, matrix)
    bench.write_words(x_address, x)
    bench.write_words(out_address, np.zeros(rows, np.int64))
    for name, value in (("mv_w", BUFFERS), ("mv_x", x_address), ("mv_out", out_address),
                        ("mv_bias", bench.sym("MV_BIAS_FOLDED")), ("mv_carry", out_address + 2 * rows)):
        bench.poke_word(bench.sym(name), value)
    bench.poke(bench.sym("mv_rows"), [rows])
    bench.poke(bench.sym("mv_cols"), [cols])
    bench.poke(bench.sym("mv_shift"), [shift])
    bench.call("matvec")
    return bench.read_words(out_address, rows), bench.peek(bench.sym("mv_mode"))[0]


def wide_x(rng, cols: int) -> np.ndarray:
    """x with more than a quarter of its columns wide (the full path's calls), some at h = -128
    (x <= -32640: mv_flagged's), some at the ends of int16."""
    x = rng.integers(-127, 129, cols)
    wide = rng.choice(cols, int(rng.integers(cols // 4 + 1, cols + 1)), replace=False)
    sign = rng.choice([-1, 1], len(wide))
    x[wide] = [sign * rng.integers(129, 32768, len(wide)), sign * rng.integers(129, 601, len(wide)),
               rng.choice([-32768, -32700, -32640, 32767, 129, -128 - 1], len(wide))][int(rng.integers(0, 3))]
    assert ((x < -127) | (x > 128)).sum() > cols // 4
    return x


@pytest.mark.parametrize("store", ["plain", "relu"])
def test_a_folded_bias_call_runs_narrow_and_matches_intmath(bench, store):
    """Calls of fc1's shape and others (up to 32 columns, every count of wide columns past a quarter,
    flagged columns, shifts 0 to 20, plain and ReLU stores as forward.s's fc1) against intmath, each
    run narrow; one-piece x and a few wide columns between them (the slots' forms as the calls leave
    them). With the full path's look at MV_BIAS_FOLDED taken out, the calls run full and mv_unbias
    reads its vector at address 1: every wide case fails."""
    rng = np.random.default_rng({"plain": 2501, "relu": 2502}[store])
    narrow_bit = 1 << bench.sym("MV_NARROW_BIT")
    for case in range(40):
        cols = int(rng.choice([32, 32, 32, 31, 16, 9]))
        rows = int(rng.integers(1, 70))
        w = rng.integers(-128, 128, (rows, cols))
        if case % 5 == 0:
            w = rng.choice([-128, 127], (rows, cols))
        x = wide_x(rng, cols) if case % 4 else rng.integers(-127, 129, cols)
        bias = rng.integers(-32768, 32768, rows)
        shift = int(rng.choice([0, 3, 4, 5, 6, 7, 7, 8, 9, 14, 20]))
        set_matvec_store(bench, store)
        got, mode = folded_call(bench, w, x, bias, shift)
        set_matvec_store(bench, "plain")
        product = intmath.matvec(w, shift, x, bias, post=0)
        want = np.maximum(product, 0) if store == "relu" else product
        assert mode & narrow_bit, f"case {case}: ran full"
        assert np.array_equal(got, want), f"case {case}: {rows}x{cols} shift {shift}"


def test_a_call_with_a_bias_vector_still_runs_full_past_a_quarter(bench):
    """The look is MV_BIAS_FOLDED's alone: a call with a vector (fc2's first part, with its bias) or none
    (q, k, v) and more than a quarter of its columns wide runs the full path, as before."""
    from soulterm.zx.kernelbench import run_matvec

    rng = np.random.default_rng(2503)
    narrow_bit = 1 << bench.sym("MV_NARROW_BIT")
    for case in range(8):
        w = rng.integers(-128, 128, (20, 32))
        x = wide_x(rng, 32)
        bias = rng.integers(-32768, 32768, 20) if case % 2 else None
        got, _ = run_matvec(bench, w, x, bias, 7)
        assert not bench.peek(bench.sym("mv_mode"))[0] & narrow_bit, case
        assert np.array_equal(got, intmath.matvec(w, 7, x, bias, post=0)), case
