"""benchmarks/z80_group_stream.py (zxgroup34b): the group forms as the row's own words steer them (five stubs by form and
plane-7 count, one shared block, the exit a word of the row, T[W] a word like any other). Its model of that code must
give intmath.matvec's out for any rows and x planes.s takes, at shift 4 and at any other; without T[W] it must fail; a
row must never get more words than now, and a row that takes a form must save T-states; the command line must print
the weighing."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from soulterm.paths import CHECKOUT_DIR
from soulterm.soul import intmath

sys.path.insert(0, str(CHECKOUT_DIR / "benchmarks"))
import z80_group_stream as group_stream  # noqa: E402  (a benchmark script, beside z80_group_narrow.py)

FORM_ROWS = [np.concatenate([np.full(8, v) for v in widths]) for widths in
             ([-32, 31, -64, 63], [-128, 31, -64, 127], [-32, -32, -32, 31], [-128, -64, 63, 127], [127] * 4,
              [-128, -32, 31, 5], [-20, 63, -64, 31], [-32, 31, 5, 63], [-64, 63, -64, 31])]


def test_the_words_through_the_code_are_bit_exact():
    assert group_stream.check_model(trials=120) >= 400


def test_without_the_sums_table_it_fails():
    try:
        group_stream.check_model(trials=20, use_t=False)
    except AssertionError:
        return
    raise AssertionError("the T[W] lookup carries the moved groups' S'_g: reading 0 there must break a row")


def test_the_extremes_through_each_form():
    one_word = np.zeros(32, dtype=np.int64)
    one_word[[0, 31]] = -4000, 95       # (sum |x| at planes.s's most, 4,095)
    forms = set()
    for x in (np.tile([-128, 127], 16), np.full(32, 127), one_word, -one_word, np.zeros(32, dtype=np.int64)):
        tables, t_table, wide_start, narrow_start = group_stream.call_tables(x)
        for row in FORM_ROWS:
            words = group_stream.row_words(row)
            forms.add(words[0])
            value, _ = group_stream.run_row(words, tables, t_table, wide_start, narrow_start)
            assert group_stream.signed(value) == int(intmath.matvec(row[None, :], 0, x, post=4)[0])
    assert {("entry", "wide", 4), ("entry", "narrow", 4), ("entry", "wide", 2), ("entry", "wide", 1),
            ("entry", "narrow", 2), ("entry", "narrow", 1), ("entry", "narrow", 0)} <= forms


def test_a_form_saves_and_never_adds_words():
    x = np.arange(-16, 16) * 7
    tables, t_table, wide_start, narrow_start = group_stream.call_tables(x)
    rng = np.random.default_rng(3421)
    for _ in range(200):
        row = np.concatenate([rng.integers(-lim, lim, 8) for lim in rng.choice([32, 64, 128], 4)])
        now, new = group_stream.row_words(row, use_forms=False), group_stream.row_words(row)
        assert len(new) <= len(now)
        t_now = group_stream.run_row(now, tables, t_table, wide_start, narrow_start)[1]
        t_new = group_stream.run_row(new, tables, t_table, wide_start, narrow_start)[1]
        moved = bin(group_stream.row_form(row)[1]).count("1")
        kind = group_stream.row_form(row)[0]
        assert t_now - t_new == (43 * (moved - 1) - 20 + 10 * (kind == "narrow" and moved == 2) if moved else 0)


def test_the_command_line_prints_the_weighing():
    done = subprocess.run([sys.executable, str(CHECKOUT_DIR / "benchmarks" / "z80_group_stream.py")],
                          capture_output=True, text=True, check=True, timeout=600)
    assert "bit-exact" in done.stdout and "rows by form:" in done.stdout and "net;" in done.stdout
    assert "bank 6:" in done.stdout and "the tape:" in done.stdout
