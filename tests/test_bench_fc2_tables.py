"""benchmarks/z80_fc2_tables.py (zxfc2t31): fc2's l pieces by product tables, at fills measured on the Z80. The
pieces and the fills run on the core and must give the integers' sums and tables, for any weights and l (a random
soul's columns too); the pieces' T-states must be z80_bank_costs.py's; the gains must count the l pieces' columns
only and the chosen ones only where a table pays, below the break-even range and not above it."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from soulterm.paths import CHECKOUT_DIR

from conftest import random_soul

sys.path.insert(0, str(CHECKOUT_DIR / "benchmarks"))
import z80_bank_costs as bank_costs  # noqa: E402  (a benchmark script, beside z80_profile.py)
import z80_fc2_tables as tables  # noqa: E402


@pytest.fixture(scope="module")
def table_bench():
    return tables.TableBench()


def test_the_pieces_sums_are_exact_and_take_z80_bank_costs_t_states(table_bench):
    rng = np.random.default_rng(31)
    for u, l in [(0, -127), (255, 127), (0, 127), (255, -127), (128, 9), (1, -1)] + [
            (int(rng.integers(0, 256)), int(rng.choice([-1, 1]) * rng.integers(9, 128))) for _ in range(40)]:
        table_bench.split_fill(u, u, l)            # (the product piece reads the entry this writes)
        assert table_bench.l_piece(u, l) == bank_costs.L_PIECE
        assert table_bench.product_piece(u, l) == bank_costs.PRODUCT_PIECE


def test_the_split_fill_writes_every_entry_exactly(table_bench):
    rng = np.random.default_rng(2031)
    for least, most, l in [(0, 255, 127), (0, 255, -127), (17, 17, 1), (3, 200, -1), (100, 101, 64), (0, 0, -64)] + [
            tuple(sorted(rng.integers(0, 256, 2).tolist())) + (int(rng.choice([-1, 1]) * rng.integers(1, 128)),)
            for _ in range(30)]:
        entries = most - least + 1
        # an entry takes 54 (a carry into D, or a borrow) or 55, the last djnz 5 fewer, the ret 10
        assert 54 * entries <= table_bench.split_fill(least, most, l) - 10 + 5 <= 55 * entries


def test_the_push_fill_writes_its_words(table_bench):
    for entries, l in [(1, 9), (157, -127), (256, 127)]:
        assert table_bench.push_fill(entries, l) == 35 * entries - 5 + 10    # djnz's last 8, the ret


def test_a_random_souls_columns_fill_and_read_exactly():
    costs = tables.measured_costs(random_soul(31), seed=5)
    assert costs["l piece"] == bank_costs.L_PIECE and costs["product piece"] == bank_costs.PRODUCT_PIECE
    assert 54 <= costs["split fill"] <= 56


def test_the_gains_count_the_l_pieces_columns_and_choose_only_paying_tables():
    saving, rows, fill = 57, 32, 54.5
    limit = tables.break_even_range(rows, saving, fill)
    assert rows * saving - fill * limit == pytest.approx(0)
    x = np.array([0, 256, 1, tables.NZ_SHORT_MOST, tables.NZ_SHORT_MOST + 1, -1, 300, 128])
    ranges = np.array([10, 10, 10, 10, 10, 200, int(limit) + 1, int(limit)])
    gains = tables.column_gains(x, ranges, rows, saving, fill)
    assert list(gains[:4]) == [0, 0, 0, 0]                     # no l piece: x of 0, 256, 1..8
    assert gains[4] > 0 and gains[5] < 0 and gains[6] < 0 and gains[7] > 0
    assert tables.chosen_gain(x, ranges, rows, saving, fill) == pytest.approx(gains[4] + gains[7])
    # the switch's 22 a row makes the narrower limit
    assert tables.break_even_range(rows, saving, fill, tables.SWITCH) < limit
    assert tables.chosen_gain(x, ranges, rows, saving, fill, tables.SWITCH) < gains[4] + gains[7]


def test_the_benchmarks_short_pieces_are_the_kernels():
    """z80_bank_costs.short_pieces (both benchmarks' l-piece columns) must be nzmatvec.s's: x in 1..NZ_SHORT_MOST
    with a template (nz_short_places' length not 0)."""
    from soulterm.zx.kernelbench import NZ_BENCH, Z80Bench, player_kernel_options

    bench = Z80Bench(NZ_BENCH, options=player_kernel_options("128k", nz_x_bits=False))
    most = bench.sym("NZ_SHORT_MOST")
    assert most == bank_costs.NZ_SHORT_MOST
    lengths = bench.peek(bench.sym("nz_short_places"), 2 * most)[1::2]
    x = np.arange(-3, most + 10)
    assert list(x[bank_costs.short_pieces(x)]) == [l for l in range(1, most + 1) if lengths[l - 1]]
