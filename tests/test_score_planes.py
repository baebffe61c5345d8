"""benchmarks/z80_score_planes.py's prototype of attention's scores by bit planes (a key's
12 planes of k + 2048, q's subset sums a head, R = (R >> 1) + P_b): a whole head through
pl_attend_head bit-exact against intmath, its scores the fast path's byte for byte,
at_sum40 q.k exactly at the probe's point, keys and q at the range's edges, and
cheaper than attend_head a key. Not in a player (docs/spectrum.md, "Sixteenth round:
the scores by bit planes")."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from soulterm import paths

_spec = importlib.util.spec_from_file_location("z80_score_planes",
                                               paths.CHECKOUT_DIR / "benchmarks" / "z80_score_planes.py")
score_planes = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(score_planes)
check_sum40, planes_bench, run_both = score_planes.check_sum40, score_planes.planes_bench, score_planes.run_both


@pytest.fixture(scope="module")
def bench():
    return planes_bench()


def test_heads_match_intmath_and_the_fast_scores(bench):
    rng = np.random.default_rng(31)
    for count in (1, 3, 20):
        q, keys = rng.integers(-2048, 2048, 8), rng.integers(-2048, 2048, (20, 4, 8))
        keys[count - 1, 0] = (-2048, 2047, -2048, 2047, 0, -1, 1, 2047)      # the planes' edges
        run_both(bench, q, keys, rng.integers(-256, 256, (20, 4, 8)), count)
    q = np.array([-2048] * 4 + [2047] * 4)                                     # every P_b at its widest
    keys = np.full((20, 4, 8), 2047)
    keys[::2, 0, :4] = -2048
    run_both(bench, q, keys, np.zeros((20, 4, 8), dtype=np.int64), 20)


def test_sum40_is_q_dot_k_key_by_key(bench):
    check_sum40(bench, np.random.default_rng(32))


def test_planes_are_cheaper_a_key(bench):
    rng = np.random.default_rng(33)
    q, keys = rng.integers(-1900, 1900, 8), rng.integers(-1900, 1900, (20, 4, 8))
    values = rng.integers(-256, 256, (20, 4, 8))
    (fast_1, planes_1, _), (fast_9, planes_9, _) = (run_both(bench, q, keys, values, n) for n in (1, 9))
    assert (planes_9 - planes_1) / 8 < (fast_9 - fast_1) / 8 - 600     # 770 fewer a key here (~915 on the soul's heads)


def test_looped_store_writes_the_same_planes(bench):
    keys = np.random.default_rng(34).integers(-2048, 2048, (20, 4, 8))
    keys[0, 3] = (-2048, 2047, -1, 0, 1, -2048, 2047, 1024)
    bench.write_words(score_planes.HEAD_KEYS, keys.reshape(-1))
    written = []
    for routine in ("pl_store", "pl_store_looped"):
        bench.poke(score_planes.PL_CACHE, bytes(4 * score_planes.PL_HEAD_BYTES))
        bench.cpu.hl, bench.cpu.de = score_planes.HEAD_KEYS, score_planes.PL_CACHE
        bench.call(routine)
        assert bench.cpu.f & 1
        written.append(bytes(bench.memory[score_planes.PL_CACHE:score_planes.PL_CACHE + 4 * score_planes.PL_HEAD_BYTES]))
    assert written[0] == written[1] and any(written[0])
    keys[0, 2, 5] = 2048                                   # beyond the planes: NC
    bench.write_words(score_planes.HEAD_KEYS, keys.reshape(-1))
    bench.cpu.hl, bench.cpu.de = score_planes.HEAD_KEYS, score_planes.PL_CACHE
    bench.call("pl_store_looped")
    assert not bench.cpu.f & 1
