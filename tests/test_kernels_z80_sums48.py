"""planes.s's byte tables' sums of |x| in HL (thirty-ninth round, zx48colpairs39b): a group's x added by add hl,de, or
by sbc hl,de where x < 0 (its borrow 1 unless S passes 16 bits), N_g summed by add iy,de and negated once a group, M
in IX and S in wp_sum. Bit-exact against intmath.matvec with and without WP_LOW_START_IN_TABLE on x whose S is 4,095
(built) or 4,096 (declined) and on x whose S wraps 16 bits to a small sum by positive or by negative x (declined: each
sign's test; |N_g| <= S, so N_g wraps only where S does); S and M stored as before; with either sign's test taken out, a wrapped x is built (checked)."""

from __future__ import annotations

import numpy as np
import pytest

from soulterm.soul import intmath
from soulterm.zx.kernelbench import LOW_START, Z80Bench
from soulterm.zx.weight_planes import MOST_SUM, PLANES_SOURCE, mixed_plane_rows, run_planes, vector_with_sum
from test_kernels_z80_low_start48 import OPTIONS_48K

JR_C, JR_NC = 0x38, 0x30


@pytest.fixture(scope="module", params=["plain", "low start"])
def bench(request):
    extra = f"\n{LOW_START} = 1" if request.param == "low start" else ""
    return Z80Bench(extra_source=PLANES_SOURCE, options=OPTIONS_48K + extra)


def built_exactly(bench, w, x, shift: int = 7) -> bool:
    """Whether wp_tables built this x (else None) and its rows equal intmath's, S and M stored."""
    got, _, _ = run_planes(bench, w, x, shift)
    if got is None:
        return False
    assert np.array_equal(got, intmath.matvec(np.asarray(w), 0, np.asarray(x), post=shift))
    assert bench.read_words(bench.sym("wp_sum"), 1)[0] == np.abs(x).sum()
    assert bench.read_words(bench.sym("wp_neg_sum"), 1)[0] == -x[x < 0].sum()
    return True


def wrapped_vectors() -> dict[str, np.ndarray]:
    """x whose S, kept in 16 bits, would look small: S = 65,536 + 100 by positive x, by negative x, and by a group of 8
    x of -8,192 (N_g = -65,536, -N_g 0 in 16 bits) beside x of 1."""
    positive = np.full(32, 0)
    positive[[0, 1, 2]] = [32767, 32767, 102]
    negative = np.full(32, 0)
    negative[[8, 9, 10]] = [-32768, -32767, -101]
    group = np.full(32, 1)
    group[8:16] = -8192
    return {"positive": positive, "negative": negative, "group": group}


def test_the_sums_build_exactly_up_to_4095_and_decline_past_it(bench):
    rng = np.random.default_rng(3901)
    w = mixed_plane_rows(rng, 12)
    for total in (1, 1660, 4095):
        for trial in range(3):
            x = vector_with_sum(rng, total)     # (about total: 4,101 once, declined)
            assert built_exactly(bench, w, x) == (np.abs(x).sum() <= MOST_SUM), (total, trial)
    x = np.zeros(32, int)
    x[[3, 20]] = [-4000, -95]
    assert built_exactly(bench, w, x)
    x[20] = -96
    assert not built_exactly(bench, w, x)
    x = np.full(32, -128)
    x[:31] = 127                # (S 4,065: 31 x of 127 and one of -128)
    assert built_exactly(bench, w, x)


def test_sums_that_wrap_16_bits_decline(bench):
    w = mixed_plane_rows(np.random.default_rng(3902), 8)
    for name, x in wrapped_vectors().items():
        assert not built_exactly(bench, w, x), name


@pytest.mark.parametrize("sign, opcode", [("positive", JR_C), ("negative", JR_NC)])
def test_either_signs_test_taken_out_builds_a_wrapped_x(bench, sign, opcode):
    """The group's loop's jr c (x >= 0) or jr nc (x < 0) to wp_wide_near as two nops: its wrapped x is then built."""
    w = mixed_plane_rows(np.random.default_rng(3903), 8)
    x = wrapped_vectors()[sign]
    start = bench.sym("wp_group")
    code = bench.peek(start, 48)
    at = next(i for i in range(len(code) - 1)
              if code[i] == opcode and start + i + 2 + (code[i + 1] ^ 0x80) - 0x80 == bench.sym("wp_wide_near"))
    try:
        bench.poke(start + at, bytes(2))
        got, _, _ = run_planes(bench, w, x, 7)
        assert got is not None
    finally:
        bench.poke(start, code)
    assert not built_exactly(bench, w, x)
