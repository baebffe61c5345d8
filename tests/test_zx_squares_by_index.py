"""S(w) straight from the weight's index (attention.s's AT_SQUARES_BY_INDEX, thirty-third round, zxsmall33):
at_short_weights reads S(exp_lut[d]) at the weight's place L = 128 + d in at_sq_index's two upper halves, so
no `ld l,a` and no `ld a,l`, 8 T-states a weight above 0; the 128K player keeps the table at the end of the
room below $C000 (seen with any bank in)."""

from __future__ import annotations

import numpy as np
import pytest

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.soul import intmath
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx import build, paging
from soulterm.zx.build import SHORT_SCORES_OPTION, SQUARES_BY_INDEX_OPTION
from soulterm.zx.kernelbench import Z80Bench
from tests.test_zx_short_scores import PLANES_128K_OPTIONS, check_head, heads, planes_take

INDEX_SAVES = 8     # `ld l,a` and `ld a,l`, a weight above 0


@pytest.fixture(scope="module")
def benches():
    """(the bench with AT_SQUARES_BY_INDEX, its table inline; the one without)."""
    short = PLANES_128K_OPTIONS + "\n" + SHORT_SCORES_OPTION
    return Z80Bench(options=short + "\n" + SQUARES_BY_INDEX_OPTION), Z80Bench(options=short)


def weights_above_zero(q, keys, values, count: int, head: int) -> int:
    return int((np.asarray(intmath.attention_head(q, keys[:count, head], values[:count, head])[1]) > 0).sum())


def test_the_indexed_squares_heads_are_intmaths_and_8_a_weight_cheaper(benches):
    """Every head on the indexed bench is intmath's (means, weights, f, the walk); a head the planes take
    (at_short_weights) costs exactly 8 T-states fewer a weight above 0, an old dot's head the same."""
    indexed, plain = benches
    assert "AT_SQUARES_BY_INDEX" in indexed.symbols and "AT_SQUARES_BY_INDEX" not in plain.symbols
    took = set()
    for count, zeros, head, q, keys, values in heads():
        t_indexed = check_head(indexed, count, zeros, head, q, keys, values)
        t_plain = check_head(plain, count, zeros, head, q, keys, values)
        if planes_take(q, keys, count):
            took.add("planes")
            saved = INDEX_SAVES * weights_above_zero(q, keys, values, count, head)
            assert t_plain - t_indexed == saved, (count, t_plain, t_indexed, saved)
        else:
            took.add("dot")
            assert t_indexed == t_plain, (count, t_plain, t_indexed)
    assert took == {"planes", "dot"}


def test_the_table_is_exp_luts_squares(benches):
    """at_sq_index's low bytes at a page's byte 128, its high bytes a page on: exp_lut[d]^2 for d = 0..127,
    exp_lut read from the bench's own table."""
    indexed, _ = benches
    start = indexed.sym("at_sq_index")
    assert start & 255 == 128 and indexed.sym("at_sq_index_high") == start + 256
    lut = list(indexed.peek(indexed.sym("exp_lut"), 128))
    low, high = indexed.peek(start, 128), indexed.peek(start + 256, 128)
    assert [lo + 256 * hi for lo, hi in zip(low, high)] == [w * w for w in lut]


@pytest.mark.parametrize("broken", ["low byte", "high byte", "page"])
def test_a_broken_indexed_table_fails(benches, broken):
    """The table's entry for d = 0 (max f's own key: w = 255) wrong in its low byte (all its bits) or one off
    in its high byte, or
    at_short_weights reading the table's page as AT_SQ_PAGE's (the squares by w, not d), each fails a head."""
    indexed, _ = benches
    start = indexed.sym("at_sq_index")
    if broken == "page":
        where, old = indexed.sym("at_short_weights"), (0x26, start >> 8)
        at = indexed.peek(where, 120).find(bytes(old))
        assert at >= 0
        where, new = where + at, (0x26, indexed.sym("AT_SQ_PAGE"))
    else:
        where = start + 256 * (broken == "high byte")
        old = tuple(indexed.peek(where, 1))
        new = ((old[0] ^ 255) if broken == "low byte" else (old[0] + 1) & 255,)
    indexed.poke(where, list(new))
    try:
        failed = False
        for case in heads():
            try:
                check_head(indexed, *case)
            except AssertionError:
                failed = True
                break
        assert failed, broken
    finally:
        indexed.poke(where, list(old))


def test_the_128k_player_keeps_the_table_below_c000():
    """The shipped 128K: at_sq_index at $BE80 and $BF80, the room below $C000 before it and its gap
    ($BF00-$BF7F) free; exp_lut's squares as the player assembles them; without the option none of it."""
    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    player = build.assemble_player(soul, tokenizer, model="128k")
    sym = player.symbols
    assert "AT_SQUARES_BY_INDEX" in sym and "AT_SQ_INDEX_APART" in sym
    assert sym["room_below_paged_end"] == sym["at_sq_index"] == paging.PAGED_START - 384
    assert sym["at_sq_index_gap"] == paging.PAGED_START - 256 and sym["at_sq_index_high"] == paging.PAGED_START - 128

    def peek(address: int, length: int) -> bytes:
        return bytes(player.data[address - player.origin:address - player.origin + length])

    lut = peek(sym["exp_lut"], 128)
    low, high = peek(sym["at_sq_index"], 128), peek(sym["at_sq_index_high"], 128)
    assert [lo + 256 * hi for lo, hi in zip(low, high)] == [w * w for w in lut]
    source = build.player_source(soul, tokenizer, model="128k", squares_by_index=False)
    assert "AT_SQUARES_BY_INDEX" not in source and "at_sq_index_table" not in source
