"""benchmarks/zx48_fill_steady.py (thirty-ninth round, zx48fill39): the fill's steady rows form on the kernels' bench,
exact against plane_tables on every kind of group, its test's constants checked by breaking them."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from soulterm.paths import CHECKOUT_DIR

sys.path.insert(0, str(CHECKOUT_DIR / "benchmarks"))
import zx48_fill_steady as steady  # noqa: E402  (a benchmark script)
import zx48_fill_forms as forms  # noqa: E402

# group 0's 8 words: every row steady (S_g <= 255), some (S_lo small), none (S_lo > 255), none by S_lo = 0's
# unheld 256, x_0..x_3 all negative, a lone large word, and words at the table's limit (E up to 4,095)
GROUPS = [
    [3, -5, 7, -11, 13, -17, 19, -23],
    [20, -9, 4, 30, 700, -600, 900, -250],
    [200, -100, 3, 1, 500, 9, -40, 2],
    [0, 0, 0, 0, 300, -200, 255, 1],
    [-60, -70, -5, -1, 100, 800, -1000, 400],
    [1, 2, 3, 4, 2000, 5, 6, 7],
    [-1, 255, -1, 1, 1500, -1500, 500, -300],
]


@pytest.fixture(scope="module")
def bench():
    return steady.steady_bench()


@pytest.mark.parametrize("words", GROUPS)
def test_each_group_kind_fills_exactly(bench, words):
    """Both forms' tables equal plane_tables' (time_group asserts it), the steady form faster where half its rows
    are steady, slower where it runs none (x_0..x_3 all 0 included: S_lo = 0's 256 is not held)."""
    x = np.asarray(words + [0] * 24, dtype=np.int64)
    times = steady.time_group(bench, x, 0)
    if times["steady rows"] >= 8 and steady.steady_constants(words[:4])[1]:
        assert times["steady"] < times["shipped"]
    if times["steady rows"] == 0 or not steady.steady_constants(words[:4])[1]:
        assert times["steady"] > times["shipped"]


def test_random_groups_fill_exactly(bench):
    rng = np.random.default_rng(39)
    for scale in (20, 60, 150, 500):
        for _ in range(6):
            x = rng.integers(-scale, scale + 1, size=32)
            if np.abs(x).sum() > 4095:
                continue
            for group in range(4):
                steady.time_group(bench, x, group)


def test_a_wider_test_breaks_the_table(bench):
    """Every row called steady (width 255): a row whose entries carry gets A's high byte, and the table is wrong."""
    words = [20, -9, 4, 30, 700, -600, 900, -250]
    x = np.asarray(words + [0] * 24, dtype=np.int64)
    a_sums, b_sums = forms.group_sums(x)
    assert 0 < steady.steady_rows(a_sums, b_sums) < 16
    steady.patch_steady(bench, a_sums, b_sums, words[:4])
    bench.poke(bench.sym("ff_steady_low") + 1, [0])
    bench.poke(bench.sym("ff_steady_width") + 1, [255])
    bench.poke(forms.TABLE_PAGE << 8, bytes(512))
    bench.call("ff_steady")
    assert forms.filled(bench) != forms.plane_tables(x)[0][0]


def test_a_turn_of_hi_prints_the_forms(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["zx48_fill_steady.py", "hi"])
    steady.main()
    out = capsys.readouterr().out
    assert " wp_tables calls (q, k, v and fc1 inputs of 1 turn(s)), " in out and "steady rows: " in out
    assert "  shipped " in out and "  steady " in out and "a reply step (4 calls)" in out
