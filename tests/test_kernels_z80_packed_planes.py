"""attention.s's scores by packed bit planes (PL_PACKED with AT_PLANE_SCORES: kernels/z80/planekeys48.s, the
48K's form, thirty-fourth round; built and measured on the kernels' bench, not in the player yet): each key kept
as 16 planes of k + 2048, a byte a plane a head (both groups' masks; plane 11 complemented), planes 12..15
apart; a key whose words all lie in -1024..1023 (its planes 10 and complemented 11 one byte) scored with one
plane fewer (zx48keys35); a head's q as two tables of its subset sums on two pages (pl_prepare), read by a plane's nibbles
(pl_keys); a q whose sums pass +-16,384, or a cache with a key beyond -2048..2047, takes the old dot, and
pl_rebuild_key gives each key back exactly from its planes. Bit-exact against intmath, on the 48K's kernels
(their table means); cheaper than the 48K's squares path."""

from __future__ import annotations

import numpy as np
import pytest

from test_kernels_z80_planes import Stops, check_wide_q_heads, scores_of, took_the_planes
from test_kernels_z80_scores import call_with_probes
from soulterm.soul import intmath
from soulterm.zx.kernelbench import (HEAD_OUT, HEAD_PLANES, HEAD_PLANES_HIGH, Z80Bench, load_head,
                                     player_kernel_options, run_head)

PACKED = "PL_PACKED = 1"
SCRATCH = 0xA600        # pl_rebuild_key's words on the bench
PACKED_SCORE_BYTES = 2  # pl_keys keeps f a word in at_scores (thirty-fifth round, zx48paged35; the old dot 4 bytes)


@pytest.fixture(scope="module")
def bench():
    return Z80Bench(options=player_kernel_options("48k", plane_scores=True, fast_scores=False, bench=True) + "\n"
                    + PACKED)


@pytest.fixture(scope="module")
def squares_bench():
    """The shipped 48K's scores (AT_FAST_SCORES with its take-backs), for the cost."""
    from soulterm.zx.build import FAST_TAKEBACKS_48K
    return Z80Bench(options=player_kernel_options("48k", fast_scores=True, bench=True,
                                                  fast_takebacks=FAST_TAKEBACKS_48K))


def expected_planes(head_keys) -> tuple[bytes, bytes]:
    """One key's head (8 words) as pl_store keeps it: (planes 0..11, planes 12..15), plane b's bit d = bit b of
    k[d] + 2048 (16 bits), plane 11 complemented."""
    shifted = [(int(k) + 2048) & 0xFFFF for k in head_keys]
    planes = [sum((shifted[d] >> plane & 1) << d for d in range(8)) for plane in range(16)]
    planes[11] ^= 0xFF
    return bytes(planes[:12]), bytes(planes[12:])


def test_the_store_writes_each_keys_sixteen_planes(bench):
    rng = np.random.default_rng(34)
    keys = rng.integers(-2048, 2048, (20, 4, 8))
    keys[0, 3] = (-2048, 2047, -1, 0, 1, -2048, 2047, 1024)
    keys[1] = rng.integers(-1024, 1024, (4, 8))
    load_head(bench, np.zeros(8, dtype=np.int64), keys, np.zeros((20, 4, 8), dtype=np.int64), 3, 0)
    head_bytes, high_bytes = bench.sym("PL_HEAD_BYTES"), bench.sym("PL_HIGH_HEAD_BYTES")
    for position in range(3):
        for head in range(4):
            low, high = expected_planes(keys[position, head])
            assert bench.peek(HEAD_PLANES + head * head_bytes + 12 * position, 12) == low, (position, head)
            assert bench.peek(HEAD_PLANES_HIGH + head * high_bytes + 4 * position, 4) == high, (position, head)
    assert bench.peek(bench.sym("at_wide_planes"))[0] == 0


def test_a_wide_key_is_stored_whole_sets_the_flag_and_the_heads_take_the_old_dot(bench):
    rng = np.random.default_rng(35)
    q, keys = rng.integers(-2048, 2048, 8), rng.integers(-2048, 2048, (20, 4, 8))
    values = rng.integers(-256, 256, (20, 4, 8))
    keys[2, 1, 5] = 2048                                    # beyond the planes pl_keys reads: the flag set
    keys[3, 2, 0] = -32768
    keys[4, 0, 7] = 32767
    load_head(bench, q, keys, values, 5, 0)
    assert bench.peek(bench.sym("at_wide_planes"))[0] != 0
    head_bytes, high_bytes = bench.sym("PL_HEAD_BYTES"), bench.sym("PL_HIGH_HEAD_BYTES")
    for position, head in ((2, 1), (3, 2), (4, 0)):
        low, high = expected_planes(keys[position, head])
        assert bench.peek(HEAD_PLANES + head * head_bytes + 12 * position, 12) == low
        assert bench.peek(HEAD_PLANES_HIGH + head * high_bytes + 4 * position, 4) == high
    bench.write_words(HEAD_OUT, [0] * 8)
    assert not took_the_planes(bench)
    want, _ = intmath.attention_head(q, keys[:5, 0], values[:5, 0])
    assert np.array_equal(bench.read_words(HEAD_OUT, 8), want)


def test_each_key_is_rebuilt_exactly_from_its_planes(bench):
    """pl_rebuild_key, the old dot's way to a key the player keeps only as planes: every word back, wide ones too."""
    rng = np.random.default_rng(37)
    keys = rng.integers(-2048, 2048, (20, 4, 8))
    keys[0] = rng.integers(-32768, 32768, (4, 8))
    keys[1, 0] = (-32768, 32767, -2049, 2048, -2048, 2047, 0, -1)
    keys[2, 3] = (30719, 30720, -30720, -30721, 1, -2, 4095, -4096)
    load_head(bench, np.zeros(8, dtype=np.int64), keys, np.zeros((20, 4, 8), dtype=np.int64), 20, 0)
    head_bytes, high_bytes = bench.sym("PL_HEAD_BYTES"), bench.sym("PL_HIGH_HEAD_BYTES")
    for position in range(20):
        for head in range(4):
            bench.write_words(SCRATCH, [0x5A5A] * 8)
            bench.cpu.hl = HEAD_PLANES + head * head_bytes + 12 * position
            bench.cpu.de = HEAD_PLANES_HIGH + head * high_bytes + 4 * position
            bench.cpu.ix = SCRATCH
            bench.call("pl_rebuild_key")
            assert np.array_equal(bench.read_words(SCRATCH, 8), keys[position, head]), (position, head)


def test_heads_match_intmath(bench):
    rng = np.random.default_rng(31)
    for count in (1, 3, 20):
        q, keys = rng.integers(-2048, 2048, 8), rng.integers(-2048, 2048, (20, 4, 8))
        keys[count - 1, 0] = (-2048, 2047, -2048, 2047, 0, -1, 1, 2047)      # the planes' edges
        for head in (0, 3):
            values = rng.integers(-256, 256, (20, 4, 8))
            want, _ = intmath.attention_head(q, keys[:count, head], values[:count, head])
            load_head(bench, q, keys, values, count, head)
            bench.write_words(HEAD_OUT, [0] * 8)
            assert took_the_planes(bench), (count, head)
            assert np.array_equal(bench.read_words(HEAD_OUT, 8), want), (count, head)
            assert np.array_equal(scores_of(bench, count, PACKED_SCORE_BYTES), (keys[:count, head].astype(np.int64) @ q) >> 14)
    q = np.array([-2048] * 4 + [2047] * 4)                                     # every P_b at its widest
    keys = np.full((20, 4, 8), 2047)
    keys[::2, 0, :4] = -2048
    load_head(bench, q, keys, np.zeros((20, 4, 8), dtype=np.int64), 20, 0)
    assert took_the_planes(bench)
    assert np.array_equal(scores_of(bench, 20, PACKED_SCORE_BYTES), (keys[:20, 0].astype(np.int64) @ q) >> 14)


def test_a_wide_q_takes_the_planes_while_its_sums_fit_else_the_old_dot(bench):
    """A q beyond -2048..2047 whose positive words sum to at most 16,383 and negative ones to at least -16,384
    runs the planes (the tables by doubling, pl_wide_q), anything else the old dot; both exact, with the keys at
    the edges that drive R furthest."""
    rng = np.random.default_rng(36)
    cases = [((2048, 100, -5, 0, 7, -2049, 300, 1), True),
             ((2600, -1256, 900, 0, 0, 41, -3, 300), True),
             ((16383, 0, 0, 0, -16384, 0, 0, 0), True),            # both sums at their limits
             ((8191, 8192, -8192, -8192, 0, 0, 0, 0), True),
             ((0, 0, 0, 0, 4096, 4096, -4096, 4095), True),
             ((4096,) * 3 + (4095,) + (-4096,) * 4, True),
             ((16384, 0, 0, 0, 0, 0, 0, 0), False),                 # one past
             ((8191, 8193, 0, 0, -100, 0, 0, 0), False),
             ((0, -16385, 0, 0, 0, 0, 0, 0), False),
             ((32767, -32768, 0, 0, 0, 0, 0, 0), False),
             ((-32768,) * 8, False),
             ((2047,) * 7 + (32767,), False)]
    check_wide_q_heads(bench, rng, cases, lambda: (np.full((20, 4, 8), 2047), np.full((20, 4, 8), -2048),
                                                    rng.integers(-2048, 2048, (20, 4, 8))), PACKED_SCORE_BYTES)


def test_the_planes_cost_less_than_the_squares(bench, squares_bench):
    """The same heads through both (every output exact): the packed planes' scores below the shipped 48K's
    squares at every length (their store and key sums left out: each position's own)."""
    rng = np.random.default_rng(38)
    for count in (2, 8, 20):
        q, keys = rng.integers(-1500, 1500, 8), rng.integers(-1500, 1500, (20, 4, 8))
        values = rng.integers(-256, 256, (20, 4, 8))
        want, _ = intmath.attention_head(q, keys[:count, 2], values[:count, 2])
        costs = []
        for each in (bench, squares_bench):
            each.write_words(HEAD_OUT, [0] * 8)
            costs.append(run_head(each, q, keys, values, count, 2))
            assert np.array_equal(each.read_words(HEAD_OUT, 8), want), count
        assert costs[0] < costs[1], (count, costs)


def test_planes_12_to_15_are_zeros_over_stale_bytes_without_the_shifts_and_a_wide_heads_come_from_its_bits(bench):
    """pl_store (zx48spend34): a head whose k' = k + 2048 are all below 4096 (its high bytes' OR with 0 in its top
    nibble) has planes 12..15 of 0, stored without their shifts; a head beside it with a k outside -2048..2047
    (k' 4096, 6144, and -1's 65535) gets them from its bits, in the same call. Over stale bytes, so a skipped store
    fails; and the in-range call's T-states at least one head's shifts below the wide one's."""
    from soulterm.zx.kernelbench import store_keys
    rng = np.random.default_rng(3412)
    keys = rng.integers(-2048, 2048, (20, 4, 8))
    keys[0, 0] = (-2048, 2047, -2048, 2047, 2047, -2048, 0, -1)             # k' 0 and 4095: the nibble's edges
    high_bytes = bench.sym("PL_HIGH_HEAD_BYTES")
    bench.poke(HEAD_PLANES_HIGH, [0xA5] * (4 * high_bytes))
    in_range = store_keys(bench, keys, 1)
    keys[1, 2, 3], keys[1, 2, 6], keys[1, 3, 0] = 2048, 4096, -2049
    wide = store_keys(bench, keys, 2)
    assert bench.peek(bench.sym("at_wide_planes"))[0] != 0
    head_bytes = bench.sym("PL_HEAD_BYTES")
    for position in range(2):
        for head in range(4):
            low, high = expected_planes(keys[position, head])
            assert bench.peek(HEAD_PLANES + head * head_bytes + 12 * position, 12) == low, (position, head)
            assert bench.peek(HEAD_PLANES_HIGH + head * high_bytes + 4 * position, 4) == high, (position, head)
    assert expected_planes(keys[1, 2])[1] != bytes(4) and expected_planes(keys[1, 3])[1] != bytes(4)
    # 9,318 and 10,450 T-states measured (a call): each wide head's four planes' shifts ~566 more than the zeros' store
    assert wide - in_range >= 2 * 400, (in_range, wide)


def wide_keys_scored(bench) -> int:
    """attend_head on the inputs load_head left: how many keys pl_keys scored by both planes 10 and 11 (@wide)."""
    stops = Stops(bench.sym("pl_keys@wide"), lambda: True)
    call_with_probes(bench, "attend_head", stops)
    return len(stops.seen)


def test_a_narrow_key_takes_one_plane_fewer_and_every_score_stays_exact(bench):
    """pl_keys (zx48keys35): a key whose words all lie in -1024..1023 (k' = k + 2048 in 1024..3071: plane 11, kept
    complemented, is plane 10) takes plane 10 as its last, subtracted plane and one shift more; one with a word
    beyond (-1025, 1024: the range's edges) both planes. Mixed in one head, at every length, with q at the sums'
    limits (R's edges, a wide q's tables too): each score and the head exact, and @wide run by the wide keys alone."""
    rng = np.random.default_rng(3501)
    qs = [rng.integers(-2048, 2048, 8), np.array([-2048] * 4 + [2047] * 4),
          np.array((16383, 0, 0, 0, -16384, 0, 0, 0)), np.array((0, 0, 0, 0, 4096, 4096, -4096, 4095))]
    for q in qs:
        for count in (1, 7, 20):
            keys = rng.integers(-1024, 1024, (20, 4, 8))
            keys[::3, 1] = np.where(q > 0, 1023, -1024)                        # R's edges, narrow
            keys[1::3, 1] = np.where(q > 0, -1024, 1023)
            wide = rng.random(20) < 0.4
            keys[wide, 1, rng.integers(0, 8)] = rng.choice([-2048, -1025, 1024, 2047])
            keys[count - 1, 1, 3] = 1024 if count % 2 else -1025                 # the last key just past the range
            wide[count - 1] = True
            values = rng.integers(-256, 256, (20, 4, 8))
            load_head(bench, q, keys, values, count, 1)
            assert wide_keys_scored(bench) == int(wide[:count].sum()), (tuple(q), count)
            assert np.array_equal(scores_of(bench, count, PACKED_SCORE_BYTES), (keys[:count, 1].astype(np.int64) @ q) >> 14)
            want, _ = intmath.attention_head(q, keys[:count, 1], values[:count, 1])
            assert np.array_equal(bench.read_words(HEAD_OUT, 8), want), (tuple(q), count)
