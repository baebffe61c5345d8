"""matvec.s's MV_WIDE_PM1 (thirty-seventh round, zx48proj37: the 48K player's with fc1 by planes.s's tables): narrow mode
only for a whole call with at most a quarter of its columns wide, each of h = +-1, whose high pieces run mv_hz_wide's
forms (2wh = +-2(w + 128) into the slots' H:L, no h sum, no walk of S(w)); any other call with a wide column, and a
call of two parts whose second part has a wide column of another h, runs full. Every matvec test on the 48K's options with it, proj's calls and calls of every kind one
after another against intmath (the pass's form back in the slots after each), the mode each kind of call runs in, and
the exact T-states of a proj-sized call with its wide columns."""

from __future__ import annotations

import numpy as np
import pytest

import test_kernels_z80 as matvec_tests
from soulterm.soul import intmath
from soulterm.zx.kernelbench import WIDE_PM1_OPTION, Z80Bench, player_kernel_options, run_matvec, set_matvec_store
from test_kernels_z80_rowends import call, stored

# (the 48K player's matvec options: no sparse call, fc2 by matvec_nz; no coarse call, fc1 by planes.s's tables)
OPTIONS_48K = player_kernel_options("48k", sparse=False) + "\nMV_COARSE_UNCALLED = 1"


@pytest.fixture(scope="module")
def bench():
    made = Z80Bench(options=OPTIONS_48K + "\n" + WIDE_PM1_OPTION)
    assert "MV_WIDE_PM1_OWN" in made.symbols and "mv_row_narrow" not in made.symbols and "mv_wide_sum" not in made.symbols
    return made


@pytest.fixture(scope="module")
def walk_bench():
    """The same options without it: narrow calls walk their wide columns' S(w)."""
    return Z80Bench(options=OPTIONS_48K)


def test_matvec_with_the_wide_forms_passes_every_matvec_test(bench):
    """(All but test_matvec_narrow_mode_is_cheaper, whose narrow call has wide columns of h past +-1: full here.)"""
    for test in matvec_tests.EVERY_MATVEC_TEST:
        test(bench)


def wide_x(rng, cols: int, count: int, values=(129, 200, 384, 300, -128, -200, -383, -300)) -> np.ndarray:
    """One-piece x but for `count` columns of h +-1 (x in 129..384 or -383..-128, the split's edges among them)."""
    x = rng.integers(-127, 129, cols)
    x[rng.choice(cols, count, replace=False)] = rng.choice(values, count)
    return x


def call_x(rng, cols: int, kind: int, other_h: list, last) -> np.ndarray:
    """x of the calls' tests' kind (case % 6): 0..2 up to 8 wide columns of h +-1 (the forms), 3 more than a quarter
    (full), 4 three and one column of another h (from `other_h`), 5 `last(rng, cols)`."""
    if kind <= 2:
        return wide_x(rng, cols, min(cols // 4, int(rng.integers(0, 9))))
    if kind == 3:
        return wide_x(rng, cols, cols // 4 + 1)
    if kind == 4:
        x = wide_x(rng, cols, min(cols // 4, 3))
        x[int(rng.integers(0, cols))] = int(rng.choice(other_h))
        return x
    return last(rng, cols)


def high_pieces_as_the_pass_writes_them(bench) -> bool:
    """Every high piece of mv_slots starts with exx (it runs) or a jp (a narrow pair's), never a form's ld e,c or ld e,b."""
    slots, pair = bench.sym("mv_slots"), bench.symbols["MV_SLOT_PAIR"]
    starts = (bench.symbols["MV_ODD_IX"] + bench.symbols["MV_H_EXX"], bench.symbols["MV_EVEN_H"] + bench.symbols["MV_H_EXX"])
    firsts = {bench.peek(slots + pair * index + start)[0] for index in range(16) for start in starts}
    return firsts <= {0xD9, 0xC3}


def narrow(bench) -> bool:
    return bool(bench.peek(bench.sym("mv_mode"))[0] & 1)


@pytest.mark.parametrize("store", ["plain", "add"])
def test_calls_of_every_kind_one_after_another_match_intmath(bench, store):
    """Whole calls with 0..8 wide columns of h +-1 (the forms), more than a quarter (full), one of another h (full),
    64 columns (two parts: full), odd counts and one column, at shifts 0..20, with and without a bias; each against
    intmath, the pass's form back in the slots after it, and the mode it ran in."""
    rng = np.random.default_rng({"plain": 3711, "add": 3712}[store])
    kinds = {"forms": 0, "full": 0, "none": 0}
    for case in range(90):
        cols = int(rng.choice([32, 32, 32, 31, 17, 8, 1, 64, 40]))
        rows = int(rng.integers(1, 48))
        kind = case % 6
        x = call_x(rng, cols, kind, [385, -384, 1000, -32768, -32640, 32767, 32641, 512, -511],
                   lambda rng, cols: rng.integers(-32768, 32768, cols))
        w = rng.integers(-128, 128, (rows, cols)) if case % 4 else rng.choice([-128, 127], (rows, cols))
        bias = rng.integers(-32768, 32768, rows) if case % 2 else None
        shift = int(rng.choice([0, 3, 5, 6, 6, 7, 9, 14, 20]))
        out_before = rng.integers(-32768, 32768, rows)
        set_matvec_store(bench, store)
        got = call(bench, w, x, bias, shift, out_before)
        set_matvec_store(bench, "plain")
        want = stored(store, intmath.matvec(w, shift, x, bias, post=0), out_before)
        assert np.array_equal(got, want), f"case {case}: {rows}x{cols} shift {shift}"
        assert high_pieces_as_the_pass_writes_them(bench), case
        first = x[:cols - 32] if cols > 32 else x            # (a first part's columns: its second part's 32 follow)
        wide = (first < -127) | (first > 128)
        second_other = cols > 32 and ((x[cols - 32:] < -383) | (x[cols - 32:] > 384)).any()
        runs_narrow = not second_other and wide.sum() <= len(first) // 4 and ((first >= -383) & (first <= 384)).all()
        assert narrow(bench) == runs_narrow, case
        kinds["forms" if runs_narrow and wide.any() else "none" if runs_narrow else "full"] += 1
    assert kinds["forms"] > 15 and kinds["full"] > 15, kinds


def test_projs_calls_on_a_random_soul_match_intmath_and_run_narrow():
    """32 x 32 with the shipped proj's shift on attention-like x (a few columns of h +-1), after one another, as
    the player makes them: each exact, narrow, and the forms' -256 and +258 back out of -Cl after it."""
    bench = Z80Bench(options=OPTIONS_48K + "\n" + WIDE_PM1_OPTION)
    rng = np.random.default_rng(3713)
    set_matvec_store(bench, "add")
    for case in range(40):
        w = rng.integers(-100, 100, (32, 32))
        x = wide_x(rng, 32, int(rng.integers(0, 5)))
        out_before = rng.integers(-20000, 20000, 32)
        got = call(bench, w, x, None, 6, out_before)
        assert np.array_equal(got, stored("add", intmath.matvec(w, 6, x, None, post=0), out_before)), case
        assert narrow(bench) and high_pieces_as_the_pass_writes_them(bench), case


def test_a_wide_column_past_h_one_runs_full(bench, walk_bench):
    """Without the walk such calls run the full path (exact, slower) where the walk ran narrow, a call of two parts
    too where its second part has one; else both its parts narrow, their wide columns of h +-1 by the forms (the
    second part's any count of them)."""
    rng = np.random.default_rng(3714)
    w = rng.integers(-128, 128, (32, 32))
    for value in (385, -384, 32767, -32768, -32640):
        x = wide_x(rng, 32, 2)
        x[5] = value
        for made in (bench, walk_bench):
            got, _ = run_matvec(made, w, x, None, 6)
            assert np.array_equal(got, intmath.matvec(w, 6, x, None, post=0)), value
        assert not narrow(bench) and narrow(walk_bench), value
    w, bias = rng.integers(-128, 128, (32, 64)), rng.integers(-32768, 32768, 32)
    for second_part in ("another h", "h +-1", "another h", "none wide", "h +-1"):
        x = np.concatenate([wide_x(rng, 32, 3), wide_x(rng, 32, 0 if second_part == "none wide" else 12)])
        if second_part == "another h":
            x[32 + int(rng.integers(0, 32))] = int(rng.choice([385, -384, 20000, -32768]))
        for made in (bench, walk_bench):
            got, _ = run_matvec(made, w, x, bias, 6)
            assert np.array_equal(got, intmath.matvec(w, 6, x, bias, post=0)), second_part
        assert narrow(bench) == (second_part != "another h") and narrow(walk_bench), second_part


def test_the_wide_forms_t_states(bench, walk_bench):
    """A 32 x 32 call at shift 6 after the same call (w from default_rng(3701), x = 5 but for its wide columns),
    with the walk and with the forms: one column of h = +1, of h = -1, an even and an odd one of a pair, eight
    (a quarter); none (the same path but for the mode's choice); a column of h = 2 (full with the forms)."""
    w = np.random.default_rng(3701).integers(-128, 128, (32, 32))

    def t_states(made, wide):
        x = np.full(32, 5)
        for column, value in wide:
            x[column] = value
        run_matvec(made, w, x, None, 6)
        got, t = run_matvec(made, w, x, None, 6)
        assert np.array_equal(got, intmath.matvec(w, 6, x, None, post=0))
        return t

    cases = {"none": [], "one +1": [(6, 300)], "one -1": [(7, -300)], "a pair": [(6, 300), (7, -200)],
             "eight": [(column, 300 if column % 8 else -300) for column in range(0, 32, 4)], "h = 2": [(6, 600)]}
    measured = {name: (t_states(walk_bench, wide), t_states(bench, wide)) for name, wide in cases.items()}
    # (with the forms 99,712, 104,662, 104,732, 108,148, 135,772 and 179,250 before the thirty-ninth round's
    # MV_NARROW_NO_H: a narrow row sets and adds no h sum, 24 T-states less; every figure 201 more before
    # zx48colpairs39b's column pass stepped IX by add ix,de, 6 a column and the page steps)
    assert measured == {"none": (99_523, 98_755), "one +1": (110_000, 103_676), "one -1": (109_391, 103_746),
                        "a pair": (116_977, 107_162), "eight": (165_402, 134_786), "h = 2": (110_000, 179_041)}
