"""mvcompact.s's matvec_compact (thirty-sixth round, zx48proj36; the kernels' bench alone): matvec.s's call with
its adding store (out += the saturated, shifted W x + b, saturated) by arith.s's mul16s, in few bytes, bit-exact
against intmath for any x, bias, out and shift, 2- and 3-byte row constants, one part or two."""

from __future__ import annotations

import numpy as np
import pytest

from soulterm.paths import DEFAULT_SOUL
from soulterm.soul import intmath
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.zx.build import Z80_KERNELS_DIR
from soulterm.zx.kernelbench import NZ_BENCH, Z80Bench, player_kernel_options, run_matvec_nz
from soulterm.zx.soul_layout import matvec_bytes, short_constants

COMPACT_SOURCE = '\n.include "mvcompact.s"'


@pytest.fixture(scope="module")
def bench():
    """The 48K's kernels' options (MV_SHORT_K, MV_BIAS_IN_K: the constants matvec_compact passes over)."""
    return Z80Bench(COMPACT_SOURCE, options=player_kernel_options("48k"))


def expected(w, x, bias, shift, out):
    return intmath.sat16(np.asarray(out) + intmath.matvec(w, shift, np.asarray(x), bias, post=0))


def check(bench, w, x, bias, shift, out, short=False):
    got, t_states = run_matvec_nz(bench, w, x, bias, shift, out, short=short, routine="matvec_compact")
    np.testing.assert_array_equal(got, expected(w, x, bias, shift, out))
    return t_states


def test_fc2_shaped_calls_are_exact(bench):
    """32 x 64 (two parts) with x anywhere in int16, the bias and out anywhere, shifts 0..15; each twice where its
    constants fit 2 bytes (MV_SHORT_K's flag in mv_shift)."""
    rng = np.random.default_rng(3636)
    for trial, shift in enumerate((6, 0, 15, 9)):
        w = rng.integers(-128, 128, (32, 64))
        x = rng.integers(-32768, 32768, 64) if trial % 2 else rng.integers(-400, 400, 64)
        bias = rng.integers(-32768, 32768, 32)
        out = rng.integers(-32768, 32768, 32)
        check(bench, w, x, bias, shift, out)
        small = rng.integers(-8, 8, (32, 64))      # (row constants in -65536..-1: the short form)
        small_bias = rng.integers(-2000, 1, 32)
        assert short_constants(small, small_bias)
        check(bench, small, x, small_bias, shift, out, short=True)


def test_extreme_calls_are_exact(bench):
    """w all -128 or 127 on x all -32768 or 32767 (the 32-bit sum's extremes), the bias and out at the int16 edges
    (the row's clamp and the add's saturation both ways), shifts 0 and 30."""
    for w_value in (-128, 127):
        for x_value in (-32768, 32767):
            w = np.full((32, 64), w_value)
            x = np.full(64, x_value)
            for bias_value, out_value in ((32767, 32767), (-32768, -32768), (0, 1)):
                for shift in (0, 30):
                    check(bench, w, x, np.full(32, bias_value), shift, np.full(32, out_value))


def test_one_part_without_a_bias(bench):
    """proj's shape, 32 x 32 and one part, and 5 columns, with mv_bias 0 (no bias) and 3-byte constants."""
    rng = np.random.default_rng(36)
    for cols in (32, 5):
        w = rng.integers(-128, 128, (32, cols))
        x = rng.integers(-3000, 3000, cols)
        out = rng.integers(-32768, 32768, 32)
        matrix = matvec_bytes(w)
        at = 0xA000
        x_at = at + len(matrix)
        out_at = x_at + 2 * cols
        bench.poke(at, matrix)
        bench.write_words(x_at, x)
        bench.write_words(out_at, out)
        for name, value in (("mv_w", at), ("mv_x", x_at), ("mv_out", out_at), ("mv_bias", 0)):
            bench.poke_word(bench.sym(name), value)
        bench.poke(bench.sym("mv_rows"), [32])
        bench.poke(bench.sym("mv_cols"), [cols])
        bench.poke(bench.sym("mv_shift"), [6])
        bench.call("matvec_compact")
        np.testing.assert_array_equal(bench.read_words(out_at, 32), expected(w, x, None, 6, out))


def test_a_broken_sum_fails(bench):
    """The check fails on a kernel whose sums lose the top word's carry (mc_part's adc hl,bc an add hl,bc)."""
    broken = Z80Bench(COMPACT_SOURCE, options=player_kernel_options("48k"))
    at = broken.sym("mc_part")
    code = bytes(broken.memory[at:broken.sym("mc_end")])
    place = code.index(bytes([0xED, 0x4A]))          # adc hl,bc
    broken.poke(at + place, [0x00, 0x09])            # nop / add hl,bc
    rng = np.random.default_rng(7)
    w = rng.integers(-128, 128, (32, 64))
    x = rng.integers(-32768, 32768, 64)
    with pytest.raises(AssertionError):
        check(broken, w, x, np.zeros(32, np.int64), 12, np.zeros(32, np.int64))


def test_the_header_states_its_bytes_and_t_states():
    """mvcompact.s's header: its bytes on the bench and its T-states, and matvec.s's (the 48K's dense fallback, no
    MV_SPARSE), on the shipped soul's fc2 of both layers for one z nzmatvec.s declines (a column of 397), exact."""
    bench = Z80Bench(NZ_BENCH + COMPACT_SOURCE, options=player_kernel_options("48k", sparse=False))
    text = " ".join(line.lstrip("; ") for line in (Z80_KERNELS_DIR / "mvcompact.s").read_text().splitlines()
                    if line.startswith(";"))
    assert f"Its size: {bench.sym('mc_end') - bench.sym('mc_weights'):,} bytes on the kernels' bench" in text
    assert f"the code {bench.sym('mc_end') - bench.sym('matvec_compact'):,}" in text
    engine = Engine(load_soul(DEFAULT_SOUL))
    rng = np.random.default_rng(1)
    for layer in engine.layers:
        w, bias, shift = layer.fc2_t.T, layer.fc2_b, layer.s_fc2
        x = np.zeros(64, np.int64)
        x[rng.choice(64, 10, replace=False)] = rng.integers(1, 200, 10)
        x[5] = 397
        out = np.zeros(32, np.int64)
        short = short_constants(w, bias)
        run_matvec_nz(bench, w, x, bias, shift, out, short=short, routine="matvec")     # (its slots set)
        _, dense = run_matvec_nz(bench, w, x, bias, shift, out, short=short, routine="matvec")
        compact = check(bench, w, x, bias, shift, out, short=short)
        assert f"{compact:,}" in text and f"{dense:,}" in text, (compact, dense)
