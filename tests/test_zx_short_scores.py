"""The 128K's scores as words (attention.s's AT_SHORT_SCORES, thirty-third round, zxwalk33): pl_keys keeps
each f = q.k >> 14 as a word in pl_scores (|f| <= 2048; in pl_tables' page, so that pl_keys keeps H there; since
zxwalk33b the last key's at the page's end, pl_scores_end, so that the keys' loop ends on L's wrap), not
four bytes in at_scores, and its heads take at_short_weights,
which pops one word a key and tests max f + 128 - f in 16 bits; the old dot's heads (a key beyond
-2048..2047 in the cache, or a q whose words the planes cannot hold) keep their four bytes and attend_head's
loop. On the bench with the shipped 128K's attention options (AT_PLANE_SCORES, AT_FAST_MEANS, AT_KEPT_MEANS,
AT_PAGED_VALUES, AT_KEPT_MARKED), with and without the option: every head's means and weights are intmath's,
its scores and max the same numbers in either width, its walk the one its weights of 0 choose, and each broken
piece of the new loop fails."""

from __future__ import annotations

import numpy as np
import pytest

from test_kernels_z80_scores import walk_taken, weighted_head
from soulterm.soul import intmath
from soulterm.zx.build import KEPT_MARKED_OPTION, PAGED_VALUES_OPTION, SHORT_SCORES_OPTION
from soulterm.zx.kernelbench import (_CORE_FRAME, FAST_MEANS_OPTION, HEAD_OUT, KEPT_MEANS_OPTION,
                                     PLANE_SCORES_OPTION, Z80Bench, load_head, run_head)

PLANES_128K_OPTIONS = "\n".join((PLANE_SCORES_OPTION, FAST_MEANS_OPTION.replace("kv_values = $4C80", "kv_values = $4A00"),
                                 KEPT_MEANS_OPTION, PAGED_VALUES_OPTION, KEPT_MARKED_OPTION))
PLANES_LIMIT = 16384        # attention.s's PL_SUM_LIMIT: q's positive words below it, its negative ones at or above -it


@pytest.fixture(scope="module")
def benches():
    """(the bench with AT_SHORT_SCORES, the one without)."""
    return (Z80Bench(options=PLANES_128K_OPTIONS + "\n" + SHORT_SCORES_OPTION), Z80Bench(options=PLANES_128K_OPTIONS))


def planes_take(q, keys, count: int) -> bool:
    """Whether pl_keys makes the head's scores: every cached key (all 4 heads', as pl_store sees them) in
    -2048..2047 and q's positive and negative words' sums within the planes' limit."""
    q = np.asarray(q)
    return (bool((np.abs(keys[:count] + 0.5) < 2048).all()) and int(q[q > 0].sum()) < PLANES_LIMIT
            and int(q[q < 0].sum()) >= -PLANES_LIMIT)


def heads(seed: int = 333):
    """(count, zeros or None, head, q, keys, values): weighted_head's heads (the kept and fast walks by their
    weights of 0), random heads of 11- and 12-plane keys, the scores' ends (f = +-2047 beside each other,
    max f - f up to 4,094), q beyond -2048..2047 that the planes hold, and the old dot's heads (a wide key,
    a q past the planes' limit)."""
    rng = np.random.default_rng(seed)
    out = []
    for count, zeros in ((1, 0), (2, 0), (20, 0), (20, 9), (20, 10), (13, 3), (7, 4)):
        head = int(rng.integers(0, 4))
        q, keys = weighted_head(rng, count, zeros, head)       # (keys past -2048..2047: the old dot's)
        out.append((count, zeros, head, q, keys, rng.integers(-256, 256, (20, 4, 8))))
        planes_keys = np.zeros_like(keys)                       # the same f less 900, from keys the planes hold
        planes_keys[:, head, 0] = 16 * (keys[:, head, 0] // 8 - 900)
        out.append((count, zeros, head, np.array([1024, 0, 0, 0, 0, 0, 0, 0]), planes_keys,
                    rng.integers(-256, 256, (20, 4, 8))))
    for count in (1, 3, 11, 17, 20):
        q = rng.integers(-2048, 2048, 8)
        keys = rng.integers(-2048, 2048, (20, 4, 8))
        keys[::2] //= 2                                             # 11-plane keys among 12-plane ones
        out.append((count, None, int(rng.integers(0, 4)), q, keys, rng.integers(-256, 256, (20, 4, 8))))
    q = np.array([2047] * 8)
    keys = np.full((20, 4, 8), -2048)
    keys[::3] = 2047
    out.append((20, None, 2, q, keys, rng.integers(-256, 256, (20, 4, 8))))
    q = np.array([3000, -3000, 2500, 0, -2600, 100, 7, -1])        # (pl_wide_q's tables: the planes hold it)
    out.append((15, None, 1, q, rng.integers(-2048, 2048, (20, 4, 8)), rng.integers(-256, 256, (20, 4, 8))))
    keys = rng.integers(-2048, 2048, (20, 4, 8))
    keys[4, 3, 6] = 2048                                            # a wide key: the old dot, four bytes
    out.append((9, None, 0, rng.integers(-2048, 2048, 8), keys, rng.integers(-256, 256, (20, 4, 8))))
    q = np.array([4000, 4000, 4000, 4000, 500, 0, -5, 9])          # past the limit: the old dot
    out.append((12, None, 3, q, rng.integers(-2048, 2048, (20, 4, 8)), rng.integers(-256, 256, (20, 4, 8))))
    return out


def scores(bench, count: int, words: bool) -> list[int]:
    """The head's f: pl_scores' words (the last key's at pl_scores_end) or at_scores' four bytes."""
    width = 2 if words else 4
    first = bench.sym("pl_scores_end") - width * count if words else bench.sym("at_scores")
    raw = bench.peek(first, width * count)
    return [int.from_bytes(raw[width * j:width * (j + 1)], "little", signed=True) for j in range(count)]


def check_head(bench, count, zeros, head, q, keys, values) -> int:
    """One head on `bench` against intmath (means, weights, f and max f, and the walk its weights of 0
    choose); its T-states."""
    t_states = run_head(bench, q, keys, values, count, head)
    want, weights = intmath.attention_head(q, keys[:count, head], values[:count, head])
    assert np.array_equal(bench.read_words(HEAD_OUT, 8), want), (count, head)
    assert list(bench.peek(bench.sym("at_lut"), count)) == list(weights), (count, head)
    words = "AT_SHORT_SCORES" in bench.symbols and planes_take(q, keys, count)
    f = [int(np.dot(np.asarray(q, dtype=np.int64), keys[j, head])) >> 14 for j in range(count)]
    assert scores(bench, count, words) == f, (count, head, words)
    assert int.from_bytes(bench.peek(bench.sym("at_max"), 4), "little", signed=True) == max(f)
    if zeros is not None:
        assert int((np.asarray(weights) == 0).sum()) == zeros
        assert walk_taken(bench) == ("kept" if 2 * zeros < count else "fast"), (count, zeros)
    assert bench.peek(bench.sym("at_zeros"))[0] == 0, "at_weight_squares sets the count back"
    return t_states


def test_the_word_scores_heads_are_intmaths_and_cheaper(benches):
    """Every head on both benches is intmath's; a head the planes take costs the word scores' bench fewer
    T-states (59 a key in pl_keys, 11 of them its end on inc l's wrap since zxwalk33b, and 17 in the weights'
    loop, less the way in: at least 66 a key), an old dot's head the same."""
    short, plain = benches
    assert "AT_SHORT_SCORES" in short.symbols and "AT_SHORT_SCORES" not in plain.symbols
    took = set()
    for count, zeros, head, q, keys, values in heads():
        t_short = check_head(short, count, zeros, head, q, keys, values)
        t_plain = check_head(plain, count, zeros, head, q, keys, values)
        if planes_take(q, keys, count):
            took.add("planes" if zeros is None else "planes, weighted")
            assert t_plain - t_short >= 66 * count, (count, t_plain, t_short)    # (76.4 a key the fewest, measured)
        else:
            took.add("dot")
            assert t_short == t_plain, (count, t_plain, t_short)
    assert took == {"planes", "planes, weighted", "dot"}


@pytest.mark.parametrize("broken", ["loop", "far test", "zeros", "high byte", "new max", "page", "first score",
                                    "keys' start", "max's low byte", "max's high byte", "mark's test",
                                    "mark"])
def test_a_broken_word_scores_loop_fails(benches, broken):
    """attend_head's way in to the old loop (the four-byte scores' loop reading words), the far test on the
    index's high byte (since zxwalk34 a byte at a time: `sbc a,d` as `sbc a,e`), @zero's count left out (`inc (hl)`
    a nop: the walk no longer the one its weights of 0 choose), pl_keys' score stored with the max's test's byte
    as its high one (`ld (hl),c` as `ld (hl),a`), a new max's low byte not read back from the score (`ld a,(hl)` as
    `ld a,c`, since the thirty-fourth round), the weights' index from max f + 128 in BC (since the thirty-seventh
    round: `ld a,c` before `sub e` as `ld a,b`, or `ld a,b` before `sbc a,d` as `ld a,c`), a 12-plane key's mark
    tested on the wrong bit (`bit 0,e` as `bit 1,e`) or not made by pl_store (its `xor 31` as `xor 30`) or
    its tables' page, set once a head, a page low, at_short_weights' first score or pl_keys' first store at
    2 count from the page's start, not its end (`neg` as two `nop`s), each fails a head."""
    short, _ = benches
    target, zeros = short.sym("at_short_weights"), short.sym("at_zeros")
    routine, old, new = {
        "loop": ("attend_head", (0xDA, target & 255, target >> 8),
                 (0xDA, short.sym("attend_head@weights") & 255, short.sym("attend_head@weights") >> 8)),
        "far test": ("at_short_weights", (0x9A, 0x20), (0x9B, 0x20)),
        "zeros": ("at_short_weights", (0x21, zeros & 255, zeros >> 8, 0x34), (0x21, zeros & 255, zeros >> 8, 0x00)),
        "high byte": ("pl_keys@score", (0x2C, 0x71, 0x2C), (0x2C, 0x77, 0x2C)),
        "new max": ("pl_keys@score", (0x7E, 0xDD, 0x6F), (0x79, 0xDD, 0x6F)),
        "page": ("pl_keys", (0x26, short.sym("pl_tables") >> 8), (0x26, (short.sym("pl_tables") >> 8) - 1)),
        "first score": ("at_short_weights", (0x87, 0xED, 0x44), (0x87, 0x00, 0x00)),
        "keys' start": ("pl_keys", (0x87, 0xED, 0x44, 0x47), (0x87, 0x00, 0x00, 0x47)),
        "max's low byte": ("at_short_weights", (0xD1, 0x79, 0x93), (0xD1, 0x78, 0x93)),
        "max's high byte": ("at_short_weights", (0x78, 0x9A, 0x20), (0x79, 0x9A, 0x20)),
        "mark's test": ("pl_keys@mark", (0xCB, 0x43, 0x20), (0xCB, 0x4B, 0x20)),
        "mark": ("pl_store@marked", (0xEE, 0x1F, 0x77), (0xEE, 0x1E, 0x77)),
    }[broken]
    start = short.sym(routine)
    at = short.peek(start, 120).find(bytes(old))
    assert at >= 0, broken
    short.poke(start + at, list(new))
    try:
        failed = False
        for case in heads():
            try:
                check_head(short, *case)
            except AssertionError:
                failed = True
                break
        assert failed, broken
    finally:
        short.poke(start + at, list(old))


# pl_keys' cost a key, counted from its instructions (attention.s): plane 0 70, planes 1..9 98 each, plane 10's pop
# and shift 22, its mark's test (bit 0,e and the jr, 15), plane 10 (complemented, subtracted) 76, the twelfth slot's
# pop 10, the four shifts 48 and the key's end 70 (f's low byte stored from A, the max's 16-bit test, the high byte,
# the loop): 1,193 (1,189 from the thirty-fourth round to the thirty-seventh, the mark's pop and test 21 after plane
# 10; 1,193 before the thirty-fourth, with `ld e,a`). A new max reads its low byte back and loads IX: 23 more. A
# 12-plane key (since the thirty-seventh round, zx128heads37): the mark's jr taken (5), plane 10 added plain (80:
# its index byte less the mark, `dec l`), its plane 11's pop, shift and subtraction (98) and the jr back (12), less
# the 11-plane key's plane 10 (76), twelfth slot's pop (10) and one of its shifts (12): 97 more (125 before, with
# sum q added back after plane 10 subtracted).
# Without AT_SHORT_SCORES a key costs 59 more: the tables' page loaded again (7) and the score's (7), its top
# two bytes (34) and the loop's end test (11).
KEY_ELEVEN_PLANES = 1_193
NEW_MAX = 23
TWELVE_PLANES_MORE = 97
FOUR_BYTE_SCORES_MORE = 59


def pl_keys_costs(bench, q, keys, count: int, head: int) -> list[int]:
    """attend_head on the planes; the T-states between pl_keys' visits to @key: each key's but the last."""
    load_head(bench, q, keys, np.zeros((20, 4, 8), dtype=np.int64), count, head)
    cpu, key = bench.cpu, bench.sym("pl_keys@key")
    bench.poke_word(bench.stack_top - 2, bench.trap)
    cpu.sp, cpu.pc = bench.stack_top - 2, bench.sym("attend_head")
    cpu.iff1 = cpu.iff2 = 0
    ticks = []
    cpu.set_breakpoint(key)
    try:
        while cpu.pc != bench.trap:
            if cpu.pc == key:
                ticks.append(cpu.frame_tick)
                cpu.step_over_breakpoint()
            else:
                cpu.ticks_to_stop = 50_000
                cpu.run()
    finally:
        cpu.clear_breakpoint(key)
    assert np.array_equal(bench.read_words(HEAD_OUT, 8),
                          intmath.attention_head(q, keys[:count, head], values=np.zeros((count, 8), np.int64))[0])
    return [(after - before) % _CORE_FRAME for before, after in zip(ticks, ticks[1:])]


def test_a_keys_cost_in_pl_keys(benches):
    """pl_keys' T-states a key are its instructions' (KEY_ELEVEN_PLANES' comment), on both benches (the four-byte
    scores' FOUR_BYTE_SCORES_MORE more): keys of 11
    planes whose f falls key by key (no new max after key 0's), one of them of 12 planes, and a new max."""
    q = np.array([1024, -700, 0, 5, 0, 0, 300, -2])
    keys = np.zeros((20, 4, 8), dtype=np.int64)
    keys[:, 1, 0] = np.arange(1000, 1000 - 100 * 20, -100)     # f falls key by key: 1000 .. -900 (11 planes)
    keys[5, 1, 1] = 1500                                       # a 12-plane key, its f below key 4's
    keys[9, 1, 0] = 1023                                       # a new max at key 9
    keys[9, 1, 1] = -1024
    for bench, more in zip(benches, (0, FOUR_BYTE_SCORES_MORE)):
        costs = pl_keys_costs(bench, q, keys, 12, 1)
        want = [KEY_ELEVEN_PLANES + more + NEW_MAX] + [KEY_ELEVEN_PLANES + more] * 10
        want[5] += TWELVE_PLANES_MORE
        want[9] += NEW_MAX
        assert costs == want, (costs, want)
