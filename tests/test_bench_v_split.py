"""benchmarks/z80_v_split.py (zxvsplit33): v's rows split at their shift, weighed. Its model of the split form (planes
0..6 in the right Horner from R = 0 on WP_LOW_START_IN_TABLE's biased tables, plane 7 in IX from K', a narrow row's
plane 7 the Horner's last step after S's parity) must be bit-exact against intmath.matvec at shift 7 for any rows and
any x planes.s takes, a narrow row without S's parity must fail for some x, and the command line must print the
measured rows and the reply step's saving."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from soulterm.paths import CHECKOUT_DIR
from soulterm.soul import intmath
from soulterm.zx.soul_layout import plane_classes
from soulterm.zx.weight_planes import mixed_plane_rows, planes_fit

sys.path.insert(0, str(CHECKOUT_DIR / "benchmarks"))
import z80_v_split as v_split  # noqa: E402  (a benchmark script, beside z80_profile.py)


def test_the_split_form_is_bit_exact_at_shift_7():
    rng = np.random.default_rng(3370)
    one_word = np.zeros(32, dtype=np.int64)
    one_word[[0, 31]] = -4000, 95       # (x's words are int16: sum |x| at planes.s's most, 4,095)
    vectors = [np.tile([-128, 127], 16), np.tile([127, -128], 16), np.zeros(32, dtype=np.int64),
               np.full(32, -127), np.full(32, 127), one_word, -one_word] + [rng.integers(-high, high, 32)
                                                                         for high in (1, 3, 40, 128)]
    for trial, x in enumerate(vectors * 3):
        rows = mixed_plane_rows(rng, 32)
        assert planes_fit(x, v_split.SPLIT_SHIFT)
        assert v_split.split_matvec(rows, x) == [int(v) for v in intmath.matvec(rows, 0, x, post=7)], trial


def test_a_narrow_row_needs_s_parity():
    rng = np.random.default_rng(3371)
    rows = mixed_plane_rows(rng, 32)
    assert 0 < sum(plane_classes(rows)) < 32
    failed = 0
    for _ in range(20):
        x = rng.integers(-100, 100, 32)
        want = [int(v) for v in intmath.matvec(rows, 0, x, post=7)]
        assert v_split.split_matvec(rows, x) == want
        failed += v_split.split_matvec(rows, x, parity=False) != want
    assert failed


def test_the_command_line_prints_the_weighing():
    done = subprocess.run([sys.executable, str(CHECKOUT_DIR / "benchmarks" / "z80_v_split.py")], capture_output=True,
                          text=True, check=True, timeout=600)
    assert "bit-exact" in done.stdout and "a wide row 62 T-states more" in done.stdout
    assert "a reply step: " in done.stdout and "shift 5:" in done.stdout
