"""The 128K's kept walk for every head (attention.s's AT_KEPT_EVERY_HEAD, thirty-fourth round, zxwalk34): a head
whose weights of 0 are half its positions or more takes the kept walk too (before it, at_fast_dimension's walk,
which skips them), so that no weight of 0 is counted (at_short_weights' and at_zero_weight's `inc (hl)` on
at_zeros left out) and at_weight_squares chooses only between at_kept_head and, for a head whose cache holds a v
beyond -256..255, at_kept_marked (its wide dimensions by the fast walk, P tested whole). On the bench with the
shipped 128K's attention options (AT_PLANE_SCORES, AT_FAST_MEANS, AT_KEPT_MEANS, AT_PAGED_VALUES, AT_KEPT_MARKED,
AT_SHORT_SCORES, AT_KEPT_PAIRS), with and without the option: every head's means and weights are intmath's, every
head walks kept, the fast walk runs only for a marked head's wide dimensions; each broken piece fails."""

from __future__ import annotations

import numpy as np
import pytest

from test_kernels_z80_scores import walk_taken, weighted_head
from test_zx_paged_values import marked_heads, visits
from test_zx_short_scores import PLANES_128K_OPTIONS, heads as word_score_heads
from soulterm.soul import intmath
from soulterm.zx.build import KEPT_EVERY_HEAD_OPTION, KEPT_PAIRS_OPTION, SHORT_SCORES_OPTION
from soulterm.zx.kernelbench import HEAD_OUT, Z80Bench, run_head, wide_heads

SHIPPED_WALK_OPTIONS = "\n".join((PLANES_128K_OPTIONS, SHORT_SCORES_OPTION, KEPT_PAIRS_OPTION))
FAST_POSITION = "at_fast_dimension@position"


@pytest.fixture(scope="module")
def benches():
    """(the bench with AT_KEPT_EVERY_HEAD, the one without)."""
    return (Z80Bench(options=SHIPPED_WALK_OPTIONS + "\n" + KEPT_EVERY_HEAD_OPTION),
            Z80Bench(options=SHIPPED_WALK_OPTIONS))


def many_zeros_heads(seed: int = 34):
    """(count, zeros, head, q, keys, values): weighted_head's heads with weights of 0 from half the positions to
    all but one (the fast walk's heads without the option), counts 2..20, v random or at -256..255's edges."""
    edges = np.array([-256, -255, -129, -128, -1, 0, 1, 127, 128, 254, 255])
    rng, out = np.random.default_rng(seed), []
    for count in (2, 3, 7, 12, 19, 20):
        for zeros in sorted({count // 2, (3 * count) // 4, count - 1}):
            head = int(rng.integers(0, 4))
            q, keys = weighted_head(rng, count, zeros, head)
            values = rng.choice(edges, (20, 4, 8)) if zeros == count - 1 else rng.integers(-256, 256, (20, 4, 8))
            out.append((count, zeros, head, q, keys, values))
    return out


def every_case():
    """The word scores' heads (planes and old dot, weights of 0 under and at half), the heads of many weights of
    0 and the marked heads (a v beyond -256..255 in chosen dimensions): (count, zeros or None, head, q, keys,
    values)."""
    return word_score_heads() + many_zeros_heads() + [head[:6] for head in marked_heads()]


def test_every_head_walks_kept_and_matches_intmath(benches):
    """Every head's means and weights are intmath's on both benches; with the option every head's dimensions
    end in the kept walk's store and the fast walk runs only in a marked head (a wide dimension's); without it
    a head whose weights of 0 are half its positions or more takes the fast walk. No weight of 0 is counted:
    at_zeros is not assembled."""
    every, plain = benches
    assert "AT_KEPT_EVERY_HEAD" in every.symbols and "AT_KEPT_EVERY_HEAD" not in plain.symbols
    assert "at_zeros" not in every.symbols and "at_zeros" in plain.symbols
    counts, _ = visits(every, [FAST_POSITION])
    fast_before, kinds = 0, set()
    for count, zeros, head, q, keys, values in every_case():
        want, weights = intmath.attention_head(q, keys[:count, head], values[:count, head])
        for bench in benches:
            run_head(bench, q, keys, values, count, head)
            assert np.array_equal(bench.read_words(HEAD_OUT, 8), want), (count, zeros, head)
            assert list(bench.peek(bench.sym("at_lut"), count)) == list(weights), (count, head)
        marked = wide_heads(values[:, head], count)[0]
        fast_ran = counts[FAST_POSITION] > fast_before
        fast_before = counts[FAST_POSITION]
        if not marked:
            assert walk_taken(every) == "kept" and not fast_ran, (count, zeros)
            if zeros is not None:
                assert walk_taken(plain) == ("kept" if 2 * zeros < count else "fast"), (count, zeros)
                kinds.add("kept before" if 2 * zeros < count else "fast before")
        else:
            kinds.add("marked")
    assert kinds == {"kept before", "fast before", "marked"}, kinds
    assert counts[FAST_POSITION] > 0, "a marked head's wide dimension walks fast"


def test_the_heads_the_count_chose_kept_are_cheaper(benches):
    """A head that walked kept without the option walks kept with it, cheaper: no weight of 0 counted in the
    weights' loop (21 T-states each) and no choice made (at_weight_squares' count test)."""
    every, plain = benches
    checked = 0
    for count, zeros, head, q, keys, values in word_score_heads() + many_zeros_heads():
        if zeros is None or 2 * zeros >= count or wide_heads(values[:, head], count)[0]:
            continue
        t_every, t_plain = (run_head(bench, q, keys, values, count, head) for bench in benches)
        assert t_every < t_plain - 21 * zeros, (count, zeros, t_every, t_plain)
        checked += 1
    assert checked >= 5, checked


@pytest.mark.parametrize("broken", ["marked", "mark's bit"])
def test_a_broken_choice_fails(broken):
    """at_weight_squares' way to at_kept_marked three nops (a marked head on the kept walk, which cannot tell a
    wide P), or its test of the head's mark on bit 6, not 7, gives means other than intmath's."""
    bench = Z80Bench(options=SHIPPED_WALK_OPTIONS + "\n" + KEPT_EVERY_HEAD_OPTION)
    start, marked = bench.sym("at_weight_squares"), bench.sym("at_kept_marked")
    old, new = {"marked": ((0xC2, marked & 255, marked >> 8), (0, 0, 0)),
                "mark's bit": ((0xCB, 0x7E), (0xCB, 0x76))}[broken]
    at = bench.peek(start, 80).find(bytes(old))
    assert at >= 0, broken
    bench.poke(start + at, list(new))
    wrong = 0
    for count, zeros, head, q, keys, values in [head[:6] for head in marked_heads()]:
        run_head(bench, q, keys, values, count, head)
        wrong += not np.array_equal(bench.read_words(HEAD_OUT, 8),
                                    intmath.attention_head(q, keys[:count, head], values[:count, head])[0])
    assert wrong > 0, broken
