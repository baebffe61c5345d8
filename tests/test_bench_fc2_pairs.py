"""benchmarks/z80_fc2_pairs.py (zxnzpair33): fc2's chain by adjacent nonzero pairs, weighed. The pairs must be counted
within a part and never overlap; every fragment's sum must be exact for random weights and a broken pair form must
fail the check; the forms must cost their instructions; the bound must take the plan's costs off its ceiling; the
shipped matvec_nz must pay a `dec sp` a row for an adjacent pair; the command line on one prompt."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from soulterm.paths import CHECKOUT_DIR

from conftest import random_soul

sys.path.insert(0, str(CHECKOUT_DIR / "benchmarks"))
import z80_fc2_pairs as pairs  # noqa: E402  (a benchmark script, beside z80_profile.py)


@pytest.fixture(scope="module")
def fragments():
    return pairs.Fragments()


def test_pairs_are_adjacent_within_a_part_and_never_overlap():
    x = np.zeros(64, np.int64)
    x[[3, 4, 5]] = 7                    # a run of three: one pair, its third alone
    x[[31, 32]] = 9                     # the parts' boundary: not adjacent in memory
    x[[40, 41, 42, 43]] = 300           # a run of four: two pairs
    x[62] = 1
    assert pairs.pairs_of(x) == [(3, 7), (40, 300), (42, 300)]
    x[63] = -4
    assert pairs.pairs_of(x)[-1] == (62, -4)


def test_the_fragments_cost_their_instructions(fragments):
    """A pair saves `dec sp / pop de` (16) for `ld c,d` and `ld e,c` (8), or `ld c,d` alone with `ld ixl,c / ld iyl,c`
    (12); A' for C costs 12 each way; the rows' end by L 7 a row more (less `ld c,32` once); the peek its
    instructions (65 with no pair, 80 with one) and a pair's patches 92; the l piece 136, nz_short's x of 5 91."""
    rows = fragments.rows
    assert rows["now_l"] - rows["pair_l"] == 8
    assert rows["now_l"] - rows["pair_l_best"] == 12
    assert rows["now_short"] - rows["pair_short"] == 8
    assert rows["pair_l_alternate"] - rows["now_l"] == 8
    assert fragments.end_extra == (pairs.ROWS * 7 - 7) / pairs.ROWS
    assert (fragments.peek_single, fragments.peek_pair, fragments.patches) == (65, 80, 92)
    assert (fragments.one_l, fragments.one_short) == (136, 91)


def test_a_broken_pair_form_fails_the_check(monkeypatch):
    """The second's u from B (0) in place of C: its sum is wrong for some weights, and the bench must say so."""
    source = pairs.source
    monkeypatch.setattr(pairs, "source", lambda l1, l2: source(l1, l2).replace("ld e,c", "ld e,b"))
    with pytest.raises(AssertionError):
        pairs.Fragments()


def test_the_bound_takes_the_plans_costs_off(fragments):
    rows = fragments.rows
    x = np.zeros(64, np.int64)
    ceiling, bound = pairs.call_bound(fragments, x, best=True)
    assert ceiling == 0 and bound == -pairs.ROWS * fragments.end_extra
    x[[10, 11]] = [40, 90]              # one pair, an l second
    x[20] = 3                           # a column alone: its peek
    ceiling, bound = pairs.call_bound(fragments, x, best=True)
    assert ceiling == pairs.ROWS * (rows["now_l"] - rows["pair_l_best"])
    assert bound == ceiling - pairs.ROWS * fragments.end_extra - fragments.peek_single \
        - fragments.peek_pair - fragments.patches
    x[11] = 5                           # a short second
    ceiling, _ = pairs.call_bound(fragments, x, best=False)
    assert ceiling == pairs.ROWS * (rows["now_short"] - rows["pair_short"])


def test_the_shipped_chain_pays_a_dec_sp_a_row_for_a_pair():
    """A random soul's layer 1 on the 128K's matvec_nz by its pieces (each call exact): the adjacent pair at least 32
    `dec sp` dearer than the same columns two apart; a column costs its 32 pieces and its writing."""
    from soulterm.soul.engine import Engine

    spent = pairs.shipped_pair_cost(Engine(random_soul(33)))
    assert spent["adjacent"] - spent["apart"] >= pairs.ROWS * 6
    assert spent["alone"] - spent["zero"] > pairs.ROWS * 136
    assert spent["short alone"] - spent["zero"] > pairs.ROWS * 91


def test_the_benchmark_runs_a_prompt(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["z80_fc2_pairs.py", "hi", "hello"])
    pairs.main()
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("measured: a pair's row now 436") and "the peek 65 (none) / 80 (a pair)" in out[0]
    assert out[1].startswith("the 128K's pieces' matvec_nz") and "(+" in out[1]
    line = next(text for text in out if text.startswith("hello "))
    ceiling, bound, best = (int(v.replace(",", "")) for v in line.split()[5:8])
    assert ceiling > 0 > best > bound
    assert out[-2].startswith("medians") and out[-1].startswith("(of the nonzero inputs, short pieces'")
