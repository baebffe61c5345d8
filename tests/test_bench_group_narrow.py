"""benchmarks/z80_group_narrow.py (zxqkv34): narrowness by group, weighed. Its model of the two group forms (a wide
row's narrow groups' plane 7 at plane 6's weight with T[W6], a narrow row's groups in -32..31 at plane 5's with T[W5])
must give planes.s's Q for any rows and x planes.s takes, and the out intmath.matvec's; without the T[W] lookup it must
fail; the command line must print the forms' counts and the reply step's net figure."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from soulterm.paths import CHECKOUT_DIR
from soulterm.zx.weight_planes import low_start_in_table, plane_tables, start_in_table_tables

sys.path.insert(0, str(CHECKOUT_DIR / "benchmarks"))
import z80_group_narrow as group_narrow  # noqa: E402  (a benchmark script, beside z80_profile.py)


def test_the_group_forms_are_bit_exact():
    assert group_narrow.check_model(trials=120) >= 400


def test_the_extremes_take_each_form():
    one_word = np.zeros(32, dtype=np.int64)
    one_word[[0, 31]] = -4000, 95       # (sum |x| at planes.s's most, 4,095)
    rows = [np.concatenate([np.full(8, v) for v in widths]) for widths in
            ([-32, 31, -64, 63], [-128, 31, -64, 127], [-32, -32, -32, 31], [-128, -64, 63, 127], [127] * 4)]
    for x in (np.tile([-128, 127], 16), np.full(32, 127), one_word, -one_word, np.zeros(32, dtype=np.int64)):
        _, c_lo, c_hi = plane_tables(x)
        delta, top_start = low_start_in_table(c_lo, c_hi)
        tables, total = start_in_table_tables(x), int(np.abs(x).sum())
        for row in rows:
            got, _ = group_narrow.grouped_top(row, x, tables, top_start, total, delta)
            assert got == group_narrow.horner_top(row, tables, top_start, total, delta)


def test_without_the_constant_lookup_it_fails():
    rng = np.random.default_rng(3411)
    failed = 0
    for _ in range(20):
        x = rng.integers(-100, 100, 32)
        _, c_lo, c_hi = plane_tables(x)
        delta, top_start = low_start_in_table(c_lo, c_hi)
        tables, total = start_in_table_tables(x), int(np.abs(x).sum())
        row = np.concatenate([rng.integers(-lim, lim, 8) for lim in (128, 64, 64, 32)])
        want = group_narrow.horner_top(row, tables, top_start, total, delta)
        assert group_narrow.grouped_top(row, x, tables, top_start, total, delta)[0] == want
        failed += group_narrow.grouped_top(row, x, tables, top_start, total, delta, constant=False)[0] != want
    assert failed


def test_the_command_line_prints_the_weighing():
    done = subprocess.run([sys.executable, str(CHECKOUT_DIR / "benchmarks" / "z80_group_narrow.py")],
                          capture_output=True, text=True, check=True, timeout=600)
    assert "bit-exact" in done.stdout and "rows by form:" in done.stdout and "a reply step: " in done.stdout
