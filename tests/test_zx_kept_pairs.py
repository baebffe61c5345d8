"""The 128K's kept walk two positions a pass (attention.s's AT_KEPT_PAIRS, thirty-third round, zxwalk33): a pair's
first position (E even) runs no test of E after it, the second the loop's; a head of an odd count enters at the
second (at_kept_dimension@pair_entry, a jr or a `cp n` that at_weight_squares patches); the first position's ways
out of line (at_kept_borrow_even, at_kept_no_borrow_even, at_kept_far_even) are copies that go on to the second.
On the bench with the shipped 128K's kept walk (KEPT_128K_OPTIONS, AT_KEPT_MARKED), with and without the option:
kept_means_case's heads and the marked heads of test_zx_paged_values, every mean intmath's, both halves and every
copy run, a kept head cheaper; each broken piece fails."""

from __future__ import annotations

import numpy as np
import pytest

from test_kernels_z80_scores import kept_means_case, walk_taken
from test_zx_paged_values import marked_heads, marked_options, visits
from soulterm.soul import intmath
from soulterm.zx.build import KEPT_PAIRS_OPTION
from soulterm.zx.kernelbench import HEAD_OUT, KernelTimeout, Z80Bench, run_head, wide_heads

PAIRS_PATHS = ["at_kept_dimension@position", "at_kept_dimension@position_odd", "at_kept_borrow_even",
               "at_kept_no_borrow_even", "at_kept_far_even", "at_kept_borrow", "at_kept_no_borrow", "at_kept_far"]


def pairs_bench() -> Z80Bench:
    return Z80Bench(options=marked_options() + "\n" + KEPT_PAIRS_OPTION)


def every_head():
    """kept_means_case's 48 heads (seed 41: counts 1 and 20 and random, v at -256..255's edges, wide v's, the
    quotient's ends) and marked_heads' (v beyond -256..255 in chosen dimensions): (count, zeros, head, q, keys,
    values)."""
    rng = np.random.default_rng(41)
    heads = [kept_means_case(rng, case) for case in range(48)]
    return heads + [head[:6] for head in marked_heads()]


def test_the_pairs_walk_is_intmaths_and_cheaper():
    """Every head's means are intmath's on both benches, the walk the one its weights of 0 and marks choose;
    both halves of the pair and every copy of the first's ways out run; the kept heads of 4 positions or more
    cost fewer T-states with the pairs, together (10 a pair's first position that stays in line, less the
    entry's 7 or 12 a dimension and ~45 a head whose count differs from the head before's: these random v
    take the ways out of line at ~half the positions, the shipped soul's at ~1 in 6)."""
    counted, pairs, plain = pairs_bench(), pairs_bench(), Z80Bench(options=marked_options())
    assert "AT_KEPT_PAIRS" in pairs.symbols and "AT_KEPT_PAIRS" not in plain.symbols
    counts, _ = visits(counted, PAIRS_PATHS)
    saved, odd_and_even = [], set()
    for count, zeros, head, q, keys, values in every_head():
        want = intmath.attention_head(q, keys[:count, head], values[:count, head])[0]
        before = dict(counts)
        run_head(counted, q, keys, values, count, head)
        ran = {label: counts[label] - before[label] for label in PAIRS_PATHS}
        t_pairs, t_plain = (run_head(each, q, keys, values, count, head) for each in (pairs, plain))
        for each in (counted, pairs, plain):
            assert np.array_equal(each.read_words(HEAD_OUT, 8), want), (count, zeros, head)
        walk = walk_taken(pairs)
        assert walk_taken(plain) == walk_taken(counted) == walk, (count, zeros)
        if walk == "kept" and not wide_heads(values[:, head], count)[0]:
            odd_and_even.add(count % 2)
            assert ran["at_kept_dimension@position"] == 8 * (count // 2), (count, ran)
            if count >= 4:
                saved.append(t_plain - t_pairs)
    assert odd_and_even == {0, 1} and len(saved) > 10 and sum(saved) > 0, (odd_and_even, saved)
    assert all(counts[label] > 0 for label in PAIRS_PATHS), counts


@pytest.mark.parametrize("broken", ["entry", "borrow", "no borrow", "far"])
def test_a_broken_pairs_walk_fails(broken):
    """at_weight_squares' entry for an odd count the even one's (AT_PAIR_ODD as AT_PAIR_EVEN: a position too
    many), at_kept_borrow_even's `dec ixh` two nops, at_kept_no_borrow_even's second `inc h` a nop or
    at_kept_far_even's 65536 (its first `dec ixh`) two nops each gives means other than intmath's."""
    bench = pairs_bench()
    if broken == "entry":
        squares = bench.sym("at_weight_squares")
        odd = bytes((0x3E, bench.sym("AT_PAIR_ODD")))
        at = squares + bench.peek(squares, 80).find(odd)
        assert at >= squares
        bench.poke(at + 1, [bench.sym("AT_PAIR_EVEN")])
    elif broken == "borrow":
        at = bench.sym("at_kept_borrow_even")
        assert bench.peek(at, 2) == bytes((0xDD, 0x25))
        bench.poke(at, [0, 0])
    elif broken == "no borrow":
        start = bench.sym("at_kept_no_borrow_even")
        at = start + bench.peek(start, 16).find(bytes((0x24, 0x24)))
        assert at >= start
        bench.poke(at + 1, [0])
    else:
        start = bench.sym("at_kept_far_even")
        at = start + bench.peek(start, 16).find(bytes((0xDD, 0x25)))
        assert at >= start
        bench.poke(at, [0, 0])
    wrong = 0
    for count, zeros, head, q, keys, values in every_head():
        try:
            run_head(bench, q, keys, values, count, head)
        except KernelTimeout:           # (a position too many: E past 0, the walk runs on)
            wrong += 1
            break
        wrong += not np.array_equal(bench.read_words(HEAD_OUT, 8),
                                    intmath.attention_head(q, keys[:count, head], values[:count, head])[0])
    assert wrong > 0, broken
