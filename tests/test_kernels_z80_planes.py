"""attention.s's scores by bit planes (AT_PLANE_SCORES, kernels/z80/attention.s, the 128K
player's): each key kept as 12 planes of k + 2048, or 11 of k + 1024 and a mark when its words
lie in -1024..1023 (pl_store), a head's q as two tables of its subset sums (pl_prepare),
R = (R >> 1) + P_b a plane (pl_keys); a head with a q whose positive or negative words sum past
+-16,384, or a cache with a key beyond -2048..2047, takes the old dot. Bit-exact against intmath, the squares path's scores
byte for byte (q.k's low bits are not kept: the TUI's probe computes q.k from q and the keys in
RAM and checks it against f), and cheaper than the squares path."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import step_z80_forward
from test_kernels_z80_scores import call_with_probes, check_score_probes, probe_scores
from soulterm.paths import DEFAULT_SOUL
from soulterm.soul import intmath
from soulterm.zx.kernelbench import (FAST_MEANS_OPTION, FAST_SCORES_OPTION, HEAD_KEYS, HEAD_OUT, HEAD_PLANES,
                                     PLANE_SCORES_OPTION, Z80Bench, load_head, run_head)

MEANS_PLACES = FAST_MEANS_OPTION.replace("kv_values = $4C80", "kv_values = $4A00")   # (no key sums here)


@pytest.fixture(scope="module")
def bench():
    return Z80Bench(options=PLANE_SCORES_OPTION + "\n" + MEANS_PLACES)


@pytest.fixture(scope="module")
def squares_bench():
    return Z80Bench(options=FAST_SCORES_OPTION + "\n" + FAST_MEANS_OPTION)


def expected_planes(keys, low: int) -> list[int]:
    """The planes of one position's keys (4 heads x 8 words): for each head and plane b of
    k' = k + 2048, 2 n + low and 2 n + 32 + low, n the mask of dimensions 0-3 (4-7) with bit b;
    a head whose words all lie in -1024..1023 has 11 planes of k' = k + 1024, its twelfth slot
    plane 10's second byte twice (pl_keys pops past it). An 11-plane key's plane 10 and a 12-plane key's plane 11
    are complemented (n -> 15 - n: pl_keys subtracts them, twenty-eighth round); a 12-plane key's
    plane 10 is plain with its first byte + 1, the mark pl_keys tests (thirty-seventh round)."""
    out = []
    for head in np.asarray(keys).reshape(4, 8):
        eleven = all(-1024 <= int(k) < 1024 for k in head)
        shifted = [int(k) + (1024 if eleven else 2048) for k in head]
        top = 10 if eleven else 11
        for plane in range(top + 1):
            for group in (0, 1):
                mask = sum((shifted[4 * group + d] >> plane & 1) << d for d in range(4))
                if plane == top:
                    mask ^= 15
                out.append(2 * mask + 32 * group + low + (plane == 10 and not eleven and group == 0))
        if eleven:
            out += [out[-1], out[-1]]
    return out


def run_both(bench, squares_bench, q, keys, values, count: int, head: int = 0) -> tuple[int, int]:
    """attend_head through the planes and through the squares, both against intmath, their
    scores byte for byte; (the planes' T-states, the squares')."""
    want, _ = intmath.attention_head(q, keys[:count, head], values[:count, head])
    costs = []
    scores = []
    for each in (bench, squares_bench):
        each.write_words(HEAD_OUT, [0] * 8)
        costs.append(run_head(each, q, keys, values, count, head))
        assert np.array_equal(each.read_words(HEAD_OUT, 8), want), (count, head)
        at = each.sym("at_scores")
        scores.append(each.peek(at, 4 * count))
    assert scores[0] == scores[1]
    return costs[0], costs[1]


def test_the_store_writes_each_keys_planes(bench):
    rng = np.random.default_rng(34)
    keys = rng.integers(-2048, 2048, (20, 4, 8))
    keys[0, 3] = (-2048, 2047, -1, 0, 1, -2048, 2047, 1024)
    keys[1] = rng.integers(-1024, 1024, (4, 8))            # 11 planes and the mark
    keys[1, 2] = (-1024, 1023, -1, 0, 1, -1024, 1023, 255)
    keys[2, :2] = rng.integers(-1024, 1024, (2, 8))
    keys[2, 0, 3] = 1024                                    # one word past: 12 planes
    keys[2, 1, 6] = -1025
    load_head(bench, np.zeros(8, dtype=np.int64), keys, np.zeros((20, 4, 8), dtype=np.int64), 3, 0)
    low = bench.sym("pl_tables") & 255
    head_bytes, key_bytes = bench.sym("PL_HEAD_BYTES"), bench.sym("PL_KEY_BYTES")
    for position in range(3):
        want = expected_planes(keys[position], low)
        for head in range(4):
            at = HEAD_PLANES + head * head_bytes + position * key_bytes
            assert list(bench.peek(at, key_bytes)) == want[head * key_bytes:(head + 1) * key_bytes], (position, head)
    assert bench.peek(bench.sym("at_wide_planes"))[0] == 0


def test_a_wide_key_sets_the_flag_and_the_heads_take_the_old_dot(bench):
    rng = np.random.default_rng(35)
    q, keys = rng.integers(-2048, 2048, 8), rng.integers(-2048, 2048, (20, 4, 8))
    values = rng.integers(-256, 256, (20, 4, 8))
    keys[2, 1, 5] = 2048                                    # beyond the planes: NC, the flag set
    load_head(bench, q, keys, values, 5, 0)
    assert bench.peek(bench.sym("at_wide_planes"))[0] != 0
    bench.write_words(HEAD_OUT, [0] * 8)
    bench.call("attend_head")
    want, _ = intmath.attention_head(q, keys[:5, 0], values[:5, 0])
    assert np.array_equal(bench.read_words(HEAD_OUT, 8), want)


def test_heads_match_intmath_and_the_squares_scores(bench, squares_bench):
    rng = np.random.default_rng(31)
    for count in (1, 3, 20):
        q, keys = rng.integers(-2048, 2048, 8), rng.integers(-2048, 2048, (20, 4, 8))
        keys[count - 1, 0] = (-2048, 2047, -2048, 2047, 0, -1, 1, 2047)      # the planes' edges
        for head in (0, 3):
            run_both(bench, squares_bench, q, keys, rng.integers(-256, 256, (20, 4, 8)), count, head)
    for count in (2, 20):                                                      # 11-plane keys among 12-plane ones
        q, keys = rng.integers(-2048, 2048, 8), rng.integers(-1024, 1024, (20, 4, 8))
        keys[count - 1, 0] = (-1024, 1023, -1024, 1023, 0, -1, 1, 1023)
        keys[::3, 0, 2] = -2048
        run_both(bench, squares_bench, q, keys, rng.integers(-256, 256, (20, 4, 8)), count)
    for edge in (-1024, 1023):
        q = np.array([-2048] * 4 + [2047] * 4)
        keys = np.full((20, 4, 8), edge)
        keys[::2, 0, :4] = -1 - edge
        run_both(bench, squares_bench, q, keys, np.zeros((20, 4, 8), dtype=np.int64), 20)
    q = np.array([-2048] * 4 + [2047] * 4)                                     # every P_b at its widest
    keys = np.full((20, 4, 8), 2047)
    keys[::2, 0, :4] = -2048
    run_both(bench, squares_bench, q, keys, np.zeros((20, 4, 8), dtype=np.int64), 20)


class Stops:
    """A recorder for test_kernels_z80_scores.call_with_probes: one address, and what
    `at_stop()` reads each time the call reaches it, in `seen`."""

    def __init__(self, address: int, at_stop):
        self.addresses, self.at_stop, self.seen = {address}, at_stop, []

    def hit(self, pc, memory, cycles) -> None:
        self.seen.append(self.at_stop())


def took_the_planes(bench) -> bool:
    """attend_head on the inputs load_head left: did the head's scores run pl_keys (the planes)
    rather than the old dot? (Its output is left at HEAD_OUT.)"""
    stops = Stops(bench.sym("pl_keys"), lambda: True)
    call_with_probes(bench, "attend_head", stops)
    return bool(stops.seen)


def scores_of(bench, count: int, width: int = 4) -> np.ndarray:
    """The head's first `count` scores f, as attend_head leaves them at at_scores, `width` bytes each (2: the 48K's
    pl_keys keeps words since the thirty-fifth round, its old dot 4 bytes)."""
    return np.frombuffer(bench.peek(bench.sym("at_scores"), width * count), f"<i{width}").astype(np.int64)


def check_wide_q_heads(bench, rng, cases, key_sets, score_bytes: int = 4) -> None:
    """Each (q, planes) case's head 1 over 9 positions of each cache key_sets() makes (every third position's key
    at R's other edge), values random: the planes taken or not as `planes` says, the means and scores intmath's
    (`score_bytes` each where the planes took the head, 4 the old dot's: scores_of)."""
    for q, planes in cases:
        q = np.array(q)
        for keys in key_sets():
            keys[1::3, 1] = np.where(q > 0, -2048, 2047)                    # R's other edge
            values = rng.integers(-256, 256, (20, 4, 8))
            load_head(bench, q, keys, values, 9, 1)
            bench.write_words(HEAD_OUT, [0] * 8)
            assert took_the_planes(bench) == planes, tuple(q)
            want, _ = intmath.attention_head(q, keys[:9, 1], values[:9, 1])
            assert np.array_equal(bench.read_words(HEAD_OUT, 8), want), tuple(q)
            assert np.array_equal(scores_of(bench, 9, score_bytes if planes else 4), (keys[:9, 1].astype(np.int64) @ q) >> 14), tuple(q)


def test_a_wide_q_takes_the_planes_while_its_sums_fit_else_the_old_dot(bench):
    """A q beyond -2048..2047 whose positive words sum to at most 16,383 and negative ones to at
    least -16,384 runs the planes (pl_prepare@wide_q), anything else the old dot; both exact,
    with the keys at the edges that drive R furthest."""
    rng = np.random.default_rng(36)
    cases = [((2048, 100, -5, 0, 7, -2049, 300, 1), True),        # one head of most everyday turns
             ((2600, -1256, 900, 0, 0, 41, -3, 300), True),
             ((16383, 0, 0, 0, -16384, 0, 0, 0), True),            # both sums at their limits
             ((8191, 8192, -8192, -8192, 0, 0, 0, 0), True),
             ((4096,) * 3 + (4095,) + (-4096,) * 4, True),
             ((16384, 0, 0, 0, 0, 0, 0, 0), False),                 # one past
             ((8191, 8193, 0, 0, -100, 0, 0, 0), False),
             ((0, -16385, 0, 0, 0, 0, 0, 0), False),
             ((-8192, -8192, -1, 0, 0, 0, 0, 0), False),
             ((32767, -32768, 0, 0, 0, 0, 0, 0), False),
             ((-32768,) * 8, False),                                # the negative sum wraps
             ((32767,) * 8, False),
             ((2047,) * 7 + (32767,), False)]
    check_wide_q_heads(bench, rng, cases, lambda: (np.full((20, 4, 8), 2047), np.full((20, 4, 8), -2048),
                                                    np.full((20, 4, 8), 1023), rng.integers(-2048, 2048, (20, 4, 8))))


def test_the_scores_at_the_ranges_edges(bench):
    """f = q.k >> 14 for every key, at the range's edges too (pl_keys keeps only f, no low bits)."""
    rng = np.random.default_rng(32)
    for case in range(32):
        if case < 8:    # the extremes: every q and k at an edge
            q = np.full(8, (-2048, 2047)[case & 1])
            keys = np.full((20, 4, 8), (-2048, 2047)[case >> 1 & 1])
            keys[1] = (2047, -2048)[case >> 1 & 1]
        elif case < 16:  # the 11 planes' edges (k + 1024), with a 12-plane key among them
            q = np.full(8, (-2048, 2047)[case & 1])
            keys = np.full((20, 4, 8), (-1024, 1023)[case >> 1 & 1])
            keys[1] = (1023, -1024)[case >> 1 & 1]
            keys[case - 6, 0, case & 7] = (1024, -1025)[case >> 2 & 1]
        else:
            q, keys = rng.integers(-2048, 2048, 8), rng.integers(-2048, 2048, (20, 4, 8))
            if case & 1:
                keys = keys // 2
        load_head(bench, q, keys, np.zeros((20, 4, 8), dtype=np.int64), 20, 0)
        assert took_the_planes(bench), case
        scores = np.frombuffer(bench.peek(bench.sym("at_scores"), 4 * 20), "<i4")
        want = (keys[:20, 0].astype(np.int64) @ q.astype(np.int64)) >> 14
        assert np.array_equal(scores, want), (case, scores[:3], want[:3])


def test_the_tuis_score_probes_read_the_plane_scores():
    """The "zx" probe layout on forward.s with AT_PLANE_SCORES: the plane heads' raw q.k computed
    from at_q and the cached keys at attend_head@means, each checked against the kernel's f."""
    scores = check_score_probes(PLANE_SCORES_OPTION, "attend_head@means")
    assert sum(s.raw_by_dot for s in scores.values()) >= len(scores) // 2     # (the rest took the old dot)


def test_a_wrong_read_of_the_keys_shows_as_no_match():
    """The probe's q.k are checked against the kernel's own f: read from the wrong place (the
    values for the keys), they do not pass as q.k but show as None, and the panel says so."""
    from dataclasses import replace

    from soulterm.tui.probes import PROBE_LAYOUTS

    wrong = replace(PROBE_LAYOUTS["zx"], raw_by_dot=("at_q", "at_values", "AT_STRIDE"))
    scores, expected = probe_scores(PLANE_SCORES_OPTION, "attend_head@means", wrong)
    read = [(raw, f) for s in scores.values() if s.raw_by_dot for raw, f in zip(s.raw, s.shifted)]
    assert len(read) > 100 and sum(raw is None for raw, _ in read) > len(read) // 2
    assert all(raw >> 14 == f for raw, f in read if raw is not None)


def test_the_planes_leave_interrupts_as_they_found_them(bench):
    """attend_head runs with interrupts off (SP walks the planes, IY is free) and turns them back
    on only if they were on; pl_store keeps IY (the players run with the ROM's interrupt)."""
    rng = np.random.default_rng(8)
    q, keys, values = (rng.integers(-1500, 1501, shape) for shape in (8, (20, 4, 8), (20, 4, 8)))
    run_head(bench, q, keys, values, 20, 2)
    cpu = bench.cpu
    for enabled in (True, False):
        cpu.iy = 0x5C3A
        bench.call("attend_head", interrupts=enabled)
        assert cpu.iff1 == cpu.iff2 == enabled, enabled
        assert cpu.iy == 0x5C3A
        cpu.hl, cpu.de, cpu.iy = HEAD_KEYS, HEAD_PLANES, 0x5C3A
        bench.call("pl_store", interrupts=enabled)
        assert cpu.iy == 0x5C3A and cpu.iff1 == enabled
    want, _ = intmath.attention_head(q, keys[:20, 2], values[:20, 2])
    assert np.array_equal(bench.read_words(HEAD_OUT, 8), want)


def test_the_planes_are_cheaper_than_the_squares(bench, squares_bench):
    rng = np.random.default_rng(33)
    q, keys = rng.integers(-1900, 1900, 8), rng.integers(-1900, 1900, (20, 4, 8))
    values = rng.integers(-256, 256, (20, 4, 8))
    (planes_1, squares_1), (planes_9, squares_9) = (run_both(bench, squares_bench, q, keys, values, n)
                                                    for n in (1, 9))
    assert planes_1 < squares_1
    assert (planes_9 - planes_1) / 8 < (squares_9 - squares_1) / 8 - 600     # ~770 fewer a key here


def test_forward_step_with_plane_scores_gives_the_engines_logits():
    """The shipped soul through forward.s with AT_PLANE_SCORES (each key's planes stored as the
    key enters the cache), all 20 positions, against Engine.step."""
    from soulterm.soul.engine import Engine
    from soulterm.soul.soulfile import load_soul
    from soulterm.zx.soul_layout import soul_include

    soul = load_soul(DEFAULT_SOUL)
    forward = Z80Bench('.include "forward.s"\n' + soul_include(soul), options=PLANE_SCORES_OPTION)
    engine = Engine(soul)
    for position, want, state in step_z80_forward(forward, engine, 20):
        weights = np.frombuffer(forward.peek(forward.sym("att_weights"), 160), np.uint8).reshape(2, 4, 20)
        for layer in range(2):
            assert np.array_equal(weights[layer, :, :position + 1], state.last.attention_lut[layer])


def test_the_weights_edges_and_a_keys_last_planes(bench):
    """The 128K's weights' loop tests max f - f >= 128 once (max f + 128 patched in, the weight read
    off the low byte, twenty-eighth round): keys whose f lies 0, 1, 126, 127 (LUT 0, read from the
    table), 128 (the first beyond it), 129, 255, 256 and 300 below max f, each f's floor taken from a
    remainder of 0..15 in q.k's low bits; 12-plane keys (plane 10 subtracted, then sum q added back
    once: q's sum odd) and 11-plane ones (plane 10 subtracted, no add), with q of either sign. The
    output, each weight (at_lut) and each f (at_scores, 32 bits) against intmath."""
    rng = np.random.default_rng(2828)
    offsets = (0, 1, 126, 127, 128, 129, 255, 256, 300, 2, 50)
    for sign in (1, -1):
        q = sign * np.array((1024, 1024, 1, 0, 0, 0, 0, 0))               # sum q = +-2049: odd
        for top in (200, 120):                                           # max f on a 12-plane key, an 11-plane one
            keys = np.zeros((20, 4, 8), np.int64)
            for j, offset in enumerate(offsets):
                f = top - offset
                half = 16 * f // 2
                keys[j, 2, :3] = sign * np.array((half, 16 * f - half, rng.integers(0, 16)))
            count = len(offsets)
            assert (np.abs(keys[:count, 2]) > 1023).any() and (np.abs(keys[:count, 2]).max(axis=1) <= 1023).any()
            values = rng.integers(-256, 256, (20, 4, 8))
            load_head(bench, q, keys, values, count, 2)
            bench.write_words(HEAD_OUT, [0] * 8)
            assert took_the_planes(bench), (sign, top)
            want, weights = intmath.attention_head(q, keys[:count, 2], values[:count, 2])
            assert np.array_equal(bench.read_words(HEAD_OUT, 8), want), (sign, top)
            assert list(bench.peek(bench.sym("at_lut"), count)) == list(weights), (sign, top)
            scores = np.frombuffer(bench.peek(bench.sym("at_scores"), 4 * count), "<i4")
            assert np.array_equal(scores, (keys[:count, 2] @ q) >> 14), (sign, top)


@pytest.mark.parametrize("break_at", ["page", "index"])
def test_the_weights_loop_reads_exp_lut_at_128_plus_max_f_less_f(break_at):
    """With AT_PLANE_SCORES and AT_FAST_MEANS exp_lut opens its page's second half (AT_EXP_AT_INDEX,
    twenty-ninth round, zxatt128c: pl_tables and at_zero_weight in the room before it), so that the
    weights' loop reads the weight at L = 128 + max f - f as the test of max f - f >= 128 leaves it,
    no add of exp_lut's place. The weights' edges test above fails with the loop's `ld h,exp_lut >> 8`
    a page low, or with max f + 127 patched in (the weights one place on in the table)."""
    broken = Z80Bench(options=PLANE_SCORES_OPTION + "\n" + MEANS_PLACES)
    assert "AT_EXP_AT_INDEX" in broken.symbols and broken.sym("exp_lut") % 256 == 128
    loop = broken.sym("attend_head@weight")
    if break_at == "page":
        ld_h = bytes([0x26, broken.sym("exp_lut") >> 8])
        at = next(a for a in range(loop, loop + 24) if broken.peek(a, 2) == ld_h)
        broken.poke(at + 1, [(broken.sym("exp_lut") >> 8) - 1])
    else:
        index = broken.sym("attend_head@weights") + 4     # (ld hl,(at_max); ld de,AT_WEIGHT_INDEX)
        assert broken.peek(index - 1, 3) == bytes([0x11, 128, 0])
        broken.poke(index, [127])
    with pytest.raises(AssertionError):
        test_the_weights_edges_and_a_keys_last_planes(broken)
