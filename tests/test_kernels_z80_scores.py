"""attention.s's scores through matvec's squares table (AT_FAST_SCORES, kernels/z80/attention.s):
the key's bytes as weights, q's pieces patched into the dims, each key's sums (KS) kept when the
key enters the cache; a head with a q outside -3967..3968 takes the old dot. Bit-exact against
intmath and Engine.step, and cheaper than the old dot; alone, and (twentieth round) with the 48K's
attention options (AT_TABLE_MEANS, AT_SHORT_EXP, AT_DIVIDE_UNROLLED, RMSNorm's unit gains), with
and without the 128K's AT_FAST_MEANS instead of AT_TABLE_MEANS; and (twenty-first round) AT_KEPT_MEANS's
48K form, with AT_TABLE_MEANS, which the 48K player has no room for."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import step_z80_forward
from soulterm.paths import DEFAULT_SOUL
from soulterm.soul import intmath
from soulterm.zx.build import PAGED_VALUES_OPTION
from soulterm.zx.kernelbench import (FAST_MEANS_OPTION, FAST_PREPARE_LOOP_OPTION, FAST_SCORES_OPTION,
                                     FAST_SMALL_OPTION, FAST_TAKEBACK_OPTIONS, HEAD_KEYS, HEAD_OUT, HEAD_Q, HEAD_SUMS, HEAD_KEPT,
                                     HEAD_VALUES, KEPT_MEANS_OPTION, SHORT_EXP_OPTION, TABLE_MEANS_OPTION,
                                     Z80Bench, kept_sums_agree, load_head, player_kernel_options, run_head,
                                     store_keys, wide_heads)

Q, KEYS, VALUES, OUT, SUMS = HEAD_Q, HEAD_KEYS, HEAD_VALUES, HEAD_OUT, HEAD_SUMS
# attend_head's options in the 48K player (build.py: the shipped soul's unit gains leave mul16s8u out)
# (and with AT_FAST_SCORES its at_fast_prepare in a loop and its smaller forms, AT_FAST_SMALL)
ATTENTION_48K = "\n".join([TABLE_MEANS_OPTION, SHORT_EXP_OPTION, "AT_DIVIDE_UNROLLED = 1", "RN_UNIT_GAIN_BITS = 6"])
FAST_OPTION_SETS = {"alone": FAST_SCORES_OPTION,
                    "48k": "\n".join([FAST_SCORES_OPTION, FAST_PREPARE_LOOP_OPTION, FAST_SMALL_OPTION, ATTENTION_48K]),
                    "48k fast means": "\n".join([FAST_SCORES_OPTION, FAST_PREPARE_LOOP_OPTION, FAST_SMALL_OPTION,
                                                  FAST_MEANS_OPTION, "RN_UNIT_GAIN_BITS = 6"]),
                    # (twentieth round: the cuts taken back, as the shipped 48K; the pieces two a pass with
                    # H4 and q's range still in the loop, whose first range check is a jp)
                    "48k taken back": "\n".join([FAST_SCORES_OPTION, FAST_PREPARE_LOOP_OPTION, FAST_SMALL_OPTION,
                                                  ATTENTION_48K, *(f"{name} = 1" for name in FAST_TAKEBACK_OPTIONS)]),
                    "48k piece pairs": "\n".join([FAST_SCORES_OPTION, FAST_PREPARE_LOOP_OPTION, FAST_SMALL_OPTION,
                                                   ATTENTION_48K, "AT_FAST_PIECE_PAIRS = 1"])}


@pytest.fixture(scope="module")
def fast_bench():
    return Z80Bench(options=FAST_SCORES_OPTION)


@pytest.fixture(scope="module", params=list(FAST_OPTION_SETS))
def any_fast_bench(request):
    """AT_FAST_SCORES alone, with the 48K's attention options, and with the 48K's and AT_FAST_MEANS;
    the 48K's with its cuts taken back (the shipped 48K's), and with its pieces two a pass alone."""
    bench = Z80Bench(options=FAST_OPTION_SETS[request.param])
    table_means = request.param != "alone" and "fast means" not in request.param
    assert ("attend_head@past" in bench.symbols) == table_means     # (the table means' weights)
    assert ("at_fast_prepare@piece" in bench.symbols) == (request.param != "alone")   # (the pieces' loop)
    jp_dims = request.param in ("alone", "48k taken back")
    assert bench.symbols["AT_DIM_SIZE"] == (50 if jp_dims else 48)    # (jp nc or jr nc; 53 or 51 before the twenty-first round)
    assert ("at_dims_h4" in bench.symbols) == ("at_fast_wide_q" in bench.symbols) == jp_dims
    return bench


@pytest.fixture(scope="module")
def plain_bench():
    return Z80Bench()


def squares_key_sum(key) -> int:
    """KS of one head's key: 257 sum_d [S(wl) + 256 S(wh)] mod 2^32, wl = its low byte - 128, wh its high byte."""
    words = np.asarray(key, dtype=np.int64)
    low, high = (words & 0xFF) - 128, words >> 8
    return int(257 * (low * low + 256 * high * high).sum()) % 2**32


def test_key_sums_are_each_heads_squares(any_fast_bench):
    """at_key_sums keeps each head's ~KS (its complement: the keys' loop adds it to 1 - Cq) and
    flips each key word in the cache (k ^ $8000: the dims read wh + 128 as it is)."""
    fast_bench = any_fast_bench
    rng = np.random.default_rng(5)
    keys = rng.integers(-32768, 32768, (20, 4, 8))
    keys[0] = -32768                       # the largest S(wh) and S(wl): 257 * 8 * 16384 * 257 wraps 2^32
    keys[1] = 32767
    keys[2] = 0
    # a narrow dimension's S(wh) (its low plane alone) carrying through the wide ones' 65,519
    keys[3, 1] = np.array([9, 9, 29, 127, 127, 127, 127, -8]) * 256 + 5
    store_keys(fast_bench, keys, 20)
    for position in range(20):
        sums = fast_bench.peek(SUMS + 16 * position, 16)
        for head in range(4):
            got = int.from_bytes(sums[4 * head:4 * head + 4], "little")
            assert got == squares_key_sum(keys[position, head]) ^ 0xFFFFFFFF, (position, head)   # ~KS
    # (twenty-first round) the cache keeps each word as k ^ $8000, wh + 128 its high byte, for the dims
    assert fast_bench.sym("AT_KEYS_FLIPPED") == 0x8000
    kept = fast_bench.read_words(KEYS, 20 * 32).reshape(keys.shape) & 0xFFFF
    assert np.array_equal(kept, (keys & 0xFFFF) ^ 0x8000)


def check_scores(bench, q, keys, case):
    """Every key's f = q.k >> 14 in at_scores (32 bits); a head that took the old dot (a q beyond
    -3967..3968) leaves the last key's q.k in at_sum40 (the TUI's probe there; the fast keys' loop
    keeps only f since the twenty-first round, and the probe computes their q.k from RAM)."""
    dots = [int(np.dot(np.asarray(q, np.int64), np.asarray(key, np.int64))) for key in keys]
    scores = bench.peek(bench.sym("at_scores"), 4 * len(keys))
    assert [int.from_bytes(scores[4 * j:4 * j + 4], "little", signed=True) for j in range(len(keys))] == \
        [dot >> 14 for dot in dots], case
    if not all(-15 <= (int(word) + 127) >> 8 <= 15 for word in q):
        assert int.from_bytes(bench.peek(bench.sym("at_sum40"), 5), "little", signed=True) == dots[-1], case


def test_fast_scores_match_intmath(any_fast_bench):
    fast_bench = any_fast_bench
    """Random heads of every width (q past -3967..3968 takes the old dot), and the fast path's edges:
    q at -3967 and 3968 (its high piece qh = (q + 127) >> 8 at -15 and 15) with the keys at -32768 and
    32767, where 2 q.k nears 2^31."""
    rng = np.random.default_rng(17)
    seen = set()
    for case in range(36):
        count = int(rng.integers(1, 21)) if case > 1 else (1, 20)[case]
        scale = (300, 2000, 4095, 5000, 32767)[case % 5]
        q = rng.integers(-scale, scale + 1, 8)
        keys = rng.integers(-scale - 1, scale + 1, (20, 4, 8))
        if case in (2, 3, 4, 5):            # |2 q.k| up to 2 * 8 * 3968 * 32768 < 2^31, either sign
            q = np.full(8, (3968, -3967, 3968, -3967)[case - 2])
            keys[:] = (-32768, 32767, 32767, -32768)[case - 2]
            keys[:, :, 3] = rng.integers(-32768, 32768, (20, 4))   # scores that differ: LUT weights other than 255
        if case == 6:                       # every piece's edge: ql of 128 and -127, qh of 15, -15 and 0
            q = np.array([128, 129, -127, -128, 3968, -3967, -3840, 0])
        if case == 7:                       # one q a step too wide (qh -16, then 16): the old dot
            q[5] = -3968
        if case == 9:
            q[2] = 3969
        if case == 8:                       # f = k[j][0]: max - f of 0, 100, 200 and 5 give weights 255, 1, 0, another
            q, keys[:] = np.array([16384 // 8, 0, 0, 0, 0, 0, 0, 0]), 0
            keys[:, :, 0] = np.resize([1000, 900, 800, 995], (4, 20)).T * 8
            count = max(count, 4)
        values = rng.integers(-32768, 32768, (20, 4, 8))
        head = int(rng.integers(0, 4))
        run_head(fast_bench, q, keys, values, count, head)
        want, weights = intmath.attention_head(q, keys[:count, head], values[:count, head])
        assert np.array_equal(fast_bench.read_words(OUT, 8), want), case
        assert list(fast_bench.peek(fast_bench.sym("at_lut"), count)) == list(weights), case
        check_scores(fast_bench, q, keys[:count, head], case)
        seen.update(int(weight) for weight in weights)
    assert {0, 1, 255} < seen



@pytest.mark.parametrize("options", list(FAST_OPTION_SETS))
def test_narrow_dims_while_every_key_and_q_piece_allows(options):
    """The dims drop the fourth square's high plane (narrow) while every key's high byte so far and
    the head's qh - 1 lie in -8..7 (S(wh + qh) < 256), and read it again (full) for a head with a
    wider qh, and for every head once a wider key has entered the cache (at_wide_keys stays)."""
    bench = Z80Bench(options=FAST_OPTION_SETS[options])
    narrow = bench.sym("AT_DIMS_NARROW")
    rng = np.random.default_rng(23)
    keys = rng.integers(-2048, 2048, (20, 4, 8))           # high bytes -8..7
    keys[3, 2, 5], keys[4, 2, 6] = -2048, 2047
    cases = [(rng.integers(-1919, 2177, 8), 0xFF),          # qh = (q + 127) >> 8 in -7..8: narrow
             (np.array([2177, 0, 5, -5, 100, -100, 300, -300]), 0),   # qh 9: full for this head
             (np.array([-1920, 0, 5, -5, 100, -100, 300, -300]), 0),  # qh -8: full
             (np.array([2176, -1919, 1000, -1000, 7, 0, 1, -1]), 0xFF),   # qh 8 and -7: narrow again
             (np.full(8, 2176), 0xFF), (np.full(8, -1919), 0xFF)]   # wh + qh up to 15 and down to -15
    for case, (q, mode) in enumerate(cases):
        values = rng.integers(-3000, 3001, (20, 4, 8))
        run_head(bench, q, keys, values, 20, 2)
        want, _ = intmath.attention_head(q, keys[:20, 2], values[:20, 2])
        assert np.array_equal(bench.read_words(OUT, 8), want), case
        assert bench.peek(narrow, 1)[0] == mode, case
    assert bench.peek(bench.sym("at_wide_keys"), 1)[0] == 0
    keys[7, 2, 0] = 2100                                    # a key a step wider (wh 8): full from now on
    q = np.full(8, 2176)                                    # S(wh + qh) = S(16) = 256 there
    for case in range(2):
        values = rng.integers(-3000, 3001, (20, 4, 8))
        run_head(bench, q, keys, values, 20, 2)
        want, _ = intmath.attention_head(q, keys[:20, 2], values[:20, 2])
        assert np.array_equal(bench.read_words(OUT, 8), want), case
        assert bench.peek(narrow, 1)[0] == 0 and bench.peek(bench.sym("at_wide_keys"), 1)[0] != 0
        keys[7, 2, 0] = 100                                 # the wide key gone: the flag stays

def test_the_fast_range_ends_at_qh_15(any_fast_bench):
    fast_bench = any_fast_bench
    """q in -3967..3968 (qh = (q + 127) >> 8 in -15..15) runs the fast scores, a step past either end
    the old dot (at_fast_prepare checks the range only when a piece is not narrow: at_fast_wide_q)."""
    rng = np.random.default_rng(41)
    keys = rng.integers(-1500, 1501, (20, 4, 8))
    values = rng.integers(-3000, 3001, (20, 4, 8))
    for where in (6, 7):                                    # (AT_FAST_PIECE_PAIRS: a pass's first piece and second)
        costs = {}
        for edge in (3968, -3967, 3969, -3968, 2177):      # 2177: qh 9, full dims but fast
            q = rng.integers(-1500, 1501, 8)
            q[where] = edge
            costs[edge] = run_head(fast_bench, q, keys, values, 20, 3)
            want, _ = intmath.attention_head(q, keys[:20, 3], values[:20, 3])
            assert np.array_equal(fast_bench.read_words(OUT, 8), want), (where, edge)
        fast = max(costs[3968], costs[-3967], costs[2177])
        assert fast < 0.7 * min(costs[3969], costs[-3968]), costs


def test_fast_scores_are_cheaper_than_the_old_dot(fast_bench, plain_bench):
    rng = np.random.default_rng(3)
    q = rng.integers(-1500, 1501, 8)
    keys = rng.integers(-1500, 1501, (20, 4, 8))
    values = rng.integers(-3000, 3001, (20, 4, 8))
    fast = run_head(fast_bench, q, keys, values, 20, 1)
    plain = run_head(plain_bench, q, keys, values, 20, 1, sums=False)
    assert np.array_equal(fast_bench.read_words(OUT, 8), plain_bench.read_words(OUT, 8))
    assert fast < 0.7 * plain, (fast, plain)        # (the means, the same in both, take ~1,800 a key)
    q[2] = 4096                             # too wide: the old dot, at the old cost and a little more
    wide = run_head(fast_bench, q, keys, values, 20, 1)
    plain_wide = run_head(plain_bench, q, keys, values, 20, 1, sums=False)
    # (the pieces' loop up to the wide q; the option's weights' loop is ~80 T-states a key cheaper;
    # the option's old dot adds all four bytes of each product, ~30 T-states dearer than the plain
    # one's adds through A of a product below 2^24, nineteenth round: 160 products)
    assert plain_wide - 20 * 100 < wide < plain_wide + 4000 + 160 * 30, (wide, plain_wide)


def test_forward_step_with_fast_scores_gives_the_engines_logits():
    """The shipped soul through forward.s with AT_FAST_SCORES (each key's sums stored as the key
    enters the cache), all 20 positions, against Engine.step."""
    from soulterm.soul.engine import Engine
    from soulterm.soul.soulfile import load_soul
    from soulterm.zx.soul_layout import soul_include

    soul = load_soul(DEFAULT_SOUL)
    forward = Z80Bench('.include "forward.s"\n' + soul_include(soul), options=FAST_SCORES_OPTION)
    engine = Engine(soul)
    for position, want, state in step_z80_forward(forward, engine, 20):
        weights = np.frombuffer(forward.peek(forward.sym("att_weights"), 160), np.uint8).reshape(2, 4, 20)
        for layer in range(2):
            assert np.array_equal(weights[layer, :, :position + 1], state.last.attention_lut[layer])


def call_with_probes(bench, routine: str, recorder) -> None:
    """Call `routine` on the bench, stopping at the TUI's probe points as the app's host does."""
    cpu = bench.cpu
    bench.poke_word(bench.stack_top - 2, bench.trap)
    cpu.sp, cpu.pc = bench.stack_top - 2, bench.sym(routine)
    cpu.iff1 = cpu.iff2 = 0
    for address in recorder.addresses:
        cpu.set_breakpoint(address)
    try:
        while cpu.pc != bench.trap:
            if cpu.pc in recorder.addresses:
                recorder.hit(cpu.pc, cpu.memory, 0)
                cpu.step_over_breakpoint()
            else:
                cpu.ticks_to_stop = 50_000
                cpu.run()
    finally:
        for address in recorder.addresses:
            cpu.clear_breakpoint(address)


def probe_scores(options: str, summed_label: str, layout=None):
    """soulterm/tui/probes.py's "zx" layout (or `layout`) on forward.s with `options`, six positions
    of the shipped soul: (the probes' scores, the engine's (raw, shifted, lut) by the same key)."""
    from soulterm.soul.engine import Engine
    from soulterm.soul.soulfile import load_soul
    from soulterm.tui.probes import ProbeRecorder
    from soulterm.zx.soul_layout import soul_include

    from test_tui_probes import engine_expectations

    soul = load_soul(DEFAULT_SOUL)
    forward = Z80Bench('.include "forward.s"\n' + soul_include(soul), options=options)
    engine = Engine(soul)
    state, tokens, token = engine.new_state(), [], 1
    for position in range(6):
        tokens.append(token)
        want = engine.step(state, token)
        token = engine.next_token(want) if position else 20
    recorder = ProbeRecorder(forward.symbols, "zx")
    if layout is not None:
        recorder.layout = layout
    assert recorder.view().available and forward.sym(summed_label) in recorder.addresses
    for position, token in enumerate(tokens):
        forward.poke(forward.sym("fw_token"), [token])
        forward.poke(forward.sym("fw_pos"), [position])
        call_with_probes(forward, "forward_step", recorder)
    return recorder.view().scores, engine_expectations(engine, tokens)["scores"]


def check_score_probes(options: str, summed_label: str):
    """probe_scores: each key's raw q.k (at_sum40 at `summed_label`, or computed from q and the
    keys in RAM where the scores keep only f), the shifted scores and the LUT weights equal the
    engine's. Returns the probes' scores."""
    scores, expected = probe_scores(options, summed_label)
    for (position, layer, head), (raw, shifted, lut) in expected.items():
        seen = scores[(position, layer, head)]
        assert seen.raw == tuple(int(x) for x in raw), (position, layer, head)
        assert seen.shifted == tuple(int(x) for x in shifted), (position, layer, head)
        assert seen.weights == tuple(int(x) for x in lut), (position, layer, head)
    return scores


@pytest.mark.parametrize("options", ["alone", "48k", "48k taken back"])
def test_the_tuis_score_probes_read_the_fast_scores(options):
    """The fast keys' loop keeps only f (twenty-first round): the probe's q.k of its heads come
    from q and the keys in RAM, each checked against f."""
    scores = check_score_probes(FAST_OPTION_SETS[options], "attend_head@summed")
    assert all(s.raw_by_dot for s in scores.values())


def test_the_fast_scores_leave_interrupts_as_they_found_them(any_fast_bench):
    """attend_head and at_key_sums run with interrupts off (SP walks q and the keys, IY reads the
    table) and turn them back on only if they were on: the players run with the ROM's interrupt."""
    fast_bench = any_fast_bench
    rng = np.random.default_rng(8)
    q, keys, values = (rng.integers(-1500, 1501, shape) for shape in (8, (20, 4, 8), (20, 4, 8)))
    run_head(fast_bench, q, keys, values, 20, 2)
    cpu = fast_bench.cpu
    for routine in ("at_key_sums", "attend_head"):
        for enabled in (True, False):
            if routine == "at_key_sums":                    # (it flips the words it reads: AT_KEYS_FLIPPED)
                fast_bench.write_words(KEYS, keys.reshape(-1)[:32])
            cpu.hl, cpu.de, cpu.iy = KEYS, SUMS, 0x5C3A      # IY as the ROM's interrupt needs it
            fast_bench.call(routine, interrupts=enabled)
            assert cpu.iff1 == cpu.iff2 == enabled, (routine, enabled)
            assert cpu.iy == 0x5C3A, routine
    want, _ = intmath.attention_head(q, keys[:20, 2], values[:20, 2])
    assert np.array_equal(fast_bench.read_words(OUT, 8), want)


@pytest.fixture(scope="module")
def means_bench():
    return Z80Bench(options=FAST_SCORES_OPTION + "\n" + FAST_MEANS_OPTION)


def test_fast_means_match_intmath(means_bench):
    """AT_FAST_MEANS (the 128K's): a dimension whose v are all in -256..255 is summed through the
    squares table, any other by the product loop from its start. Random heads of every width with
    v at the edges (-256, -255, -1, 0, 255) and just past them (-257, 256), LUT weights 0, 1 and 255
    among the others, against intmath."""
    rng = np.random.default_rng(23)
    edges = np.array([-256, -255, -129, -128, -1, 0, 1, 127, 128, 254, 255])
    seen = set()
    for case in range(40):
        count = int(rng.integers(1, 21)) if case > 1 else (1, 20)[case]
        q = rng.integers(-1500, 1501, 8)
        keys = rng.integers(-1500, 1501, (20, 4, 8))
        if case % 4 == 3:                   # f = k[j][0]: weights 255, 1, 0 and another
            q, keys[:] = np.array([16384 // 8, 0, 0, 0, 0, 0, 0, 0]), 0
            keys[:, :, 0] = np.resize([1000, 900, 800, 995], (4, 20)).T * 8
            count = max(count, 4)
        values = rng.choice(edges, (20, 4, 8)) if case % 3 == 0 else rng.integers(-256, 256, (20, 4, 8))
        if case % 5 == 1:                   # one v a step outside: its dimension takes the product loop
            values[int(rng.integers(0, count)), :, int(rng.integers(0, 8))] = (-257, 256)[case % 2]
        if case % 7 == 2:
            values = rng.integers(-32768, 32768, (20, 4, 8))
        if case in (5, 10):                 # the quotient's ends: -256 and 255 (8 rounds, 255 in both signs)
            values[:] = (-256, 255)[case == 10]
            values[0, :, 1::2] = (-255, 254)[case == 10]
        head = int(rng.integers(0, 4))
        run_head(means_bench, q, keys, values, count, head)
        want, weights = intmath.attention_head(q, keys[:count, head], values[:count, head])
        assert np.array_equal(means_bench.read_words(OUT, 8), want), case
        assert list(means_bench.peek(means_bench.sym("at_lut"), count)) == list(weights), case
        seen.update(int(weight) for weight in weights)
    assert {0, 1, 255} < seen                   # (a weight of 0 skips its position's reads)


def test_fast_means_at_the_largest_divisor(means_bench):
    """Twenty keys alike give twenty weights of 255: lut_sum 5,100, the largest, so the fast
    division's doubled divisor M = 10,200 and its remainder (|2R| <= 2M = 20,400) reach their
    widest, and a mean below zero its n + 256 M. v at -256..255's edges and mixed signs, against
    intmath (a 16-bit remainder that overflowed, or an n + 256 M off by a page, fails here)."""
    rng = np.random.default_rng(37)
    q, keys = rng.integers(-1500, 1501, 8), np.zeros((20, 4, 8), dtype=np.int64)
    keys[:] = rng.integers(-1500, 1501, 8)
    for case, fill in enumerate((-256, 255, -255, 254, None, None)):
        values = rng.integers(-256, 256, (20, 4, 8)) if fill is None else np.full((20, 4, 8), fill)
        if case == 5:                       # a quotient of -1 and of 0 by one position's v
            values[:] = 0
            values[3, :, ::2], values[3, :, 1::2] = -1, 1
        run_head(means_bench, q, keys, values, 20, 3)
        want, weights = intmath.attention_head(q, keys[:20, 3], values[:20, 3])
        assert list(weights) == [255] * 20
        assert np.array_equal(means_bench.read_words(OUT, 8), want), (case, want)


def test_fast_means_are_cheaper_than_the_product_loop(fast_bench, means_bench):
    rng = np.random.default_rng(29)
    q = rng.integers(-600, 601, 8)
    keys = rng.integers(-600, 601, (20, 4, 8))
    values = rng.integers(-256, 256, (20, 4, 8))
    products = run_head(fast_bench, q, keys, values, 20, 2)
    squares = run_head(means_bench, q, keys, values, 20, 2)
    assert np.array_equal(fast_bench.read_words(OUT, 8), means_bench.read_words(OUT, 8))
    assert squares < products - 20 * 8 * 150, (squares, products)
    for position in (0, 7):                 # every dimension wide there: the product loop after a try
        values[position, 2, :] = 300        # of the positions after it (the walk goes down from the last;
                                            # ~300 T-states each), after the head's sum of S(w)
                                            # (at_weight_squares, ~80 a position)
        wide = run_head(means_bench, q, keys, values, 20, 2)
        plain = run_head(fast_bench, q, keys, values, 20, 2)
        assert np.array_equal(fast_bench.read_words(OUT, 8), means_bench.read_words(OUT, 8))
        assert plain < wide < plain + 20 * 80 + 8 * (300 * (19 - position) + 300), (position, wide, plain)


def test_fast_means_pass_over_a_wide_v_of_weight_0(fast_bench, means_bench):
    # f = k[j][0]: positions 2 and 6 get weight 0 (f 800 against a max of 1000), and their v,
    # beyond -256..255, add nothing: the head stays on the squares (cheaper than the product loop)
    q, keys = np.array([16384 // 8, 0, 0, 0, 0, 0, 0, 0]), np.zeros((20, 4, 8), dtype=np.int64)
    keys[:, :, 0] = np.resize([1000, 900, 800, 995], (4, 20)).T * 8
    values = np.random.default_rng(31).integers(-256, 256, (20, 4, 8))
    values[2, 1, :] = 20000
    values[6, 1, :] = -32768
    products = run_head(fast_bench, q, keys, values, 8, 1)
    squares = run_head(means_bench, q, keys, values, 8, 1)
    want, weights = intmath.attention_head(q, keys[:8, 1], values[:8, 1])
    assert weights[2] == weights[6] == 0 and min(weights[:2]) > 0, weights
    assert np.array_equal(means_bench.read_words(OUT, 8), want)
    assert squares < products - 8 * 8 * 100, (squares, products)


# ----- AT_KEPT_MEANS (the 128K's since the twentieth round): the walk off each dimension's kept S(vl) -----

# the 128K's kept means: since the thirty-first round with AT_PAGED_VALUES (the value cache's high byte the
# kept walk's page of S(w - v), P = AT_SQ_PAGE - rlca(vh + 1); a head with a v beyond -256..255 marked in its
# first kept sum's top byte takes the fast walk with P tested whole, at_fast_checked)
KEPT_128K_OPTIONS = (FAST_SCORES_OPTION + "\n" + FAST_MEANS_OPTION + "\n" + KEPT_MEANS_OPTION + "\n"
                     + PAGED_VALUES_OPTION)


@pytest.fixture(scope="module")
def kept_bench():
    return Z80Bench(options=KEPT_128K_OPTIONS)


def walk_taken(bench) -> str:
    """The walk the last head's dimensions went on to (at_fast_store's patched first bytes: the kept
    walk's store through HL', or a jr to the fast walk's)."""
    store = int.from_bytes(bench.peek(bench.sym("at_fast_store"), 2), "little")
    return {bench.sym("AT_STORE_KEPT"): "kept", bench.sym("AT_STORE_FAST"): "fast"}[store]


def weighted_head(rng, count: int, zeros: int, head: int):
    """q and keys whose f = k[j][0] / 8 gives `zeros` weights of 0 (f 200 below the max) at random
    positions of `count` and weights of 255 and below at the others."""
    q, keys = np.array([16384 // 8, 0, 0, 0, 0, 0, 0, 0]), np.zeros((20, 4, 8), dtype=np.int64)
    f = rng.choice([1000, 1000, 995, 990, 970, 940], 20)
    f[int(rng.integers(0, count))] = 1000
    zero_at = rng.choice([j for j in range(count) if f[j] != 1000 or (f[:count] == 1000).sum() > 1],
                         zeros, replace=False) if zeros else []
    f[list(zero_at)] = 800
    keys[:, head, 0] = f * 8
    return q, keys


def kept_means_case(rng, case: int):
    """A head for the kept means' tests: (count, zeros, head, q, keys, values). Counts 1 and 20
    first, then random, with `zeros` weights of 0 (weighted_head); v at -256..255's edges every
    third case; a wide v every eighth from 5 (its dimension by products, and the head's later ones
    too without AT_PAGED_VALUES); the quotient's ends in cases 6 and 7."""
    edges = np.array([-256, -255, -129, -128, -1, 0, 1, 127, 128, 254, 255])
    count = (1, 20, 20, 20)[case] if case < 4 else int(rng.integers(1, 21))
    zeros = (0, 0, 9, 10)[case] if case < 4 else int(rng.integers(0, count // 2 + 1)) if count > 1 else 0
    head = int(rng.integers(0, 4))
    q, keys = weighted_head(rng, count, zeros, head)
    values = rng.choice(edges, (20, 4, 8)) if case % 3 == 0 else rng.integers(-256, 256, (20, 4, 8))
    if case % 8 == 5:
        values[int(rng.integers(0, count)), head, int(rng.integers(0, 8))] = (-257, 256, 20000)[case % 3]
    if case in (6, 7):
        values[:] = (-256, 255)[case == 7]
    return count, zeros, head, q, keys, values


def test_kept_means_match_intmath_by_the_heads_weights_of_0(kept_bench):
    """AT_KEPT_MEANS: heads one after another on one bench, with and without weights of 0 (a head
    walks off its kept sums where its weights of 0 are under half its positions (a third before the
    twenty-ninth round), a weight
    of 0 read as any other, else at_fast_dimension's walk, which skips them), counts 1 and 20, v at
    -256..255's edges, a wide v of weight 255 or 0 (since the thirty-first round's AT_PAGED_VALUES its head
    marked in its kept sums: the fast walk, P tested whole by at_fast_checked, and the product loop from
    that dimension on), against intmath; the kept sums are each dimension's S(v) over the head's positions
    (kernelbench.kept_sums, as forward.s keeps them)."""
    rng = np.random.default_rng(41)
    walks = []
    for case in range(48):
        count, zeros, head, q, keys, values = kept_means_case(rng, case)
        run_head(kept_bench, q, keys, values, count, head)
        want, weights = intmath.attention_head(q, keys[:count, head], values[:count, head])
        assert np.array_equal(kept_bench.read_words(OUT, 8), want), case
        assert int((np.asarray(weights) == 0).sum()) == zeros, case
        walks.append(walk_taken(kept_bench))
        wide = wide_heads(values[:, head], count)[0]     # (the paged cache's mark: the fast walk, P tested whole)
        assert walks[-1] == ("kept" if 2 * zeros < count and not wide else "fast"), (case, count, zeros, wide)
        assert kept_bench.peek(kept_bench.sym("at_zeros"))[0] == 0, "at_weight_squares sets the count back"
    assert walks[:4] == ["kept", "kept", "kept", "fast"]
    assert {"kept", "fast"} <= set(walks[4:])


def test_kept_means_read_the_kept_sums(kept_bench):
    """The walk takes each dimension's sum of S(v) from the kept sums (at_kept, 3 bytes a
    dimension, the low first): a sum 32,768 or 65,536 off there (its middle or top byte) is a
    wrong mean, in the head's first dimension, its fifth or its last."""
    rng = np.random.default_rng(43)
    q, keys = weighted_head(rng, 12, 0, 1)
    values = rng.integers(-256, 256, (20, 4, 8))
    run_head(kept_bench, q, keys, values, 12, 1)
    want = kept_bench.read_words(OUT, 8)
    assert np.array_equal(want, intmath.attention_head(q, keys[:12, 1], values[:12, 1])[0])
    for byte, flip in ((1, 0x80), (4 * 3 + 2, 1), (7 * 3 + 1, 0x80)):
        load_head(kept_bench, q, keys, values, 12, 1)
        kept_bench.poke(HEAD_KEPT + byte, [kept_bench.peek(HEAD_KEPT + byte)[0] ^ flip])
        kept_bench.call("attend_head")
        assert not np.array_equal(kept_bench.read_words(OUT, 8), want), byte


@pytest.mark.parametrize("break_at", ["dec ixh", "jr c"])
def test_a_broken_kept_borrow_fails(break_at):
    """at_kept_position_sum's borrow into the top byte, out of line at at_kept_borrow (twenty-sixth
    round, zxproj128): its `dec ixh` as two nops, or the first position sum's `jr c` as `jr nc`,
    gives means other than intmath's on the kept walk's cases."""
    bench = Z80Bench(options=KEPT_128K_OPTIONS)
    borrow = bench.sym("at_kept_borrow")
    if break_at == "dec ixh":
        assert bench.peek(borrow, 2) == bytes([0xDD, 0x25])
        bench.poke(borrow, [0, 0])
    else:
        above = bench.sym("at_kept_no_borrow")     # (at_kept_above's before AT_PAGED_VALUES, at_kept_below's
                                                    # before the twenty-ninth round)
        jr_at = next(a for a in range(above, above + 24) if bench.peek(a, 1)[0] == 0x38
                     and a + 2 + int.from_bytes(bench.peek(a + 1, 1), "little", signed=True) == borrow)
        bench.poke(jr_at, [0x30])
    assert kept_means_cases_wrong(bench) > 0


def kept_means_cases_wrong(bench) -> int:
    """How many of kept_means_case's 48 heads (seed 41) give means other than intmath's on `bench`."""
    rng, wrong = np.random.default_rng(41), 0
    for case in range(48):
        count, _, head, q, keys, values = kept_means_case(rng, case)
        run_head(bench, q, keys, values, count, head)
        want = intmath.attention_head(q, keys[:count, head], values[:count, head])[0]
        wrong += not np.array_equal(bench.read_words(OUT, 8), want)
    return wrong


def dec_ixh_at(bench, start: int, end: int) -> list[int]:
    """The addresses of `dec ixh` ($DD $25) in start..end."""
    return [a for a in range(start, end) if bench.peek(a, 2) == bytes([0xDD, 0x25])]


@pytest.mark.parametrize("break_at", ["65536", "A >= 128", "B's borrow", "v = -256"])
def test_a_broken_kept_far_fails(break_at):
    """at_kept_far (twenty-ninth round, zxatt128c): a v < 0 whose w - v = 256 + (w - vl) lies past the
    squares table takes S(w - v) = S(w - vl) + 512 (w - vl) + 65536 off, the 65536 left on for v = -256
    (its S(v) kept as the table's 0). Each of its three `dec ixh` as two nops (the 65536; 512 A's carry,
    A >= 128; B's borrow from 2 A), or its test of v = -256 as two nops, gives means other than
    intmath's on the kept walk's cases (case 6's v all -256)."""
    bench = Z80Bench(options=KEPT_128K_OPTIONS)
    far = bench.sym("at_kept_far")
    decs = dec_ixh_at(bench, far, bench.sym("at_kept_borrow"))     # (at_kept_above's before AT_PAGED_VALUES)
    assert len(decs) == 3
    if break_at == "v = -256":
        jr_z = next(a for a in range(far, far + 8) if bench.peek(a, 1)[0] == 0x28)
        bench.poke(jr_z, [0, 0])
    else:
        bench.poke(decs[("65536", "A >= 128", "B's borrow").index(break_at)], [0, 0])
    assert kept_means_cases_wrong(bench) > 0


def fast_divide(bench, entry: str, n: int, m: int, vh_weights: int = 0) -> int:
    """at_fast_dimension's division and at_fast_store alone: out = floor(n / M) for M = 2 lut_sum
    (its -M and M patched as attend_head's weights patch them), from the kept walk's end
    (entry "kept": n in IXH:B:C) or the fast walk's (entry "fast": n + 512 IY in the sum's set's
    D:H:L, IY the vh = -1 weights' sum, 0..lut_sum), each with its walk's store (the kept walk's
    through HL'); the store's next dimension none (IXL = 1),
    so that it leaves through attend_head@head_end's pops and ret to the bench's trap."""
    cpu, top = bench.cpu, bench.stack_top
    bench.poke_word(bench.sym("AT_FAST_MINUS_M"), -m)
    bench.poke_word(bench.sym("AT_FAST_PLUS_M"), m)
    bench.poke_word(bench.sym("AT_DST"), OUT)
    bench.poke(top - 6, bytes(4))                    # head_end's AF (P/V clear: ret po) and IY
    bench.poke_word(bench.sym("at_fast_sp"), top - 6)
    cpu.f = 0xFF                                     # (the entries set the carry: n's sign)
    if entry == "kept":                              # (at_kept_head's store: out's pointer in HL')
        bench.poke_word(bench.sym("at_fast_store"), bench.sym("AT_STORE_KEPT"))
        cpu.ix, cpu.bc, cpu.alt_hl = (n >> 16 & 0xFF) << 8 | 1, n & 0xFFFF, OUT
        bench.call("at_kept_dimension@positions_done")
    else:
        bench.poke_word(bench.sym("at_fast_store"), bench.sym("AT_STORE_FAST"))
        total = (n + 512 * vh_weights) & 0xFFFFFF
        cpu.ix, cpu.iy, cpu.alt_de, cpu.alt_hl = 1, vh_weights, total >> 8 & 0xFF00 | 0x5A, total & 0xFFFF
        bench.call("at_fast_dimension@positions_done")
    return int(bench.read_words(OUT, 1)[0])


def fast_division_cases(rng):
    """(n, M) at the division's edges: M = 2 lut_sum from one weight of 255 (510) to twenty (10,200),
    n = 2 sum w v in -256 M..256 M - 1 at each quotient's ends (q M, q M - 1, q M + M - 1)."""
    quotients = [-256, -255, -129, -128, -127, -2, -1, 0, 1, 126, 127, 128, 254, 255, *map(int, rng.integers(-256, 256, 4))]
    for m in (2, 510, 512, 1020, 4096, 10198, 10200, *(2 * int(x) for x in rng.integers(255, 5101, 3))):
        for q in quotients:
            for n in (q * m, q * m - 1, q * m + m - 1, q * m + int(rng.integers(0, m))):
                if -256 * m <= n < 256 * m:
                    yield n, m


def test_the_fast_division_is_floor_at_its_edges(kept_bench):
    """The 128K's means' division (twenty-ninth round, zxdiv128: -M and M in two pairs, each round's
    carry its quotient bit, the high byte the last rla's carry out) is floor(n / M) from both walks'
    ends for every M and the quotient's ends in -256..255: the largest |n| (256 M), negative sums,
    exact multiples, a remainder of M - 1, and the fast walk's n + 512 IY with IY up to lut_sum."""
    rng = np.random.default_rng(53)
    checked = 0
    for n, m in fast_division_cases(rng):
        assert fast_divide(kept_bench, "kept", n, m) == n // m, (n, m)
        weights = int(rng.choice([0, m // 2, int(rng.integers(0, m // 2 + 1))]))
        assert fast_divide(kept_bench, "fast", n, m, weights) == n // m, (n, m, weights)
        checked += 1
    assert checked > 700


@pytest.mark.parametrize("break_at", ["sign's rla", "store's sbc", "p chain's add", "n chain's jr"])
def test_a_broken_fast_division_fails(break_at):
    """Each of the division's new steps broken: the kept walk's rla of n's top byte (the carry its
    sign: the chain a division starts in and the quotient's high byte) as or a, the store's sbc a,a
    and the P chain's last add hl,de as nops, the N chain's first jr c as jr nc: the edges above
    then fail."""
    bench = Z80Bench(options=KEPT_128K_OPTIONS)
    division = bench.sym("at_fast_dimension@divisor")
    code = bench.peek(division, bench.sym("at_fast_store") + 16 - division)
    if break_at == "sign's rla":
        at = bench.sym("at_kept_dimension@positions_done") + 3     # (ld a,ixh, ld h,a, rla)
        assert bench.peek(at, 1) == b"\x17"
        bench.poke(at, [0xB7])
    elif break_at == "store's sbc":
        at = bench.sym("at_fast_store") + code[bench.sym("at_fast_store") - division:].index(0x9F)
        bench.poke(at, [0])
    elif break_at == "p chain's add":
        at = bench.sym("at_fast_p_rounds") + 6 * 6 + 3              # (round 0: rla, adc hl,hl, add hl,de)
        assert bench.peek(at, 1) == b"\x19"
        bench.poke(at, [0])
    else:
        at = bench.sym("at_fast_dimension@n_rounds") + 4
        assert bench.peek(at, 1) == b"\x38"                      # jr c
        bench.poke(at, [0x30])
    rng = np.random.default_rng(53)
    wrong = [(n, m) for n, m in fast_division_cases(rng) if fast_divide(bench, "kept", n, m) != n // m]
    assert wrong


def test_kept_means_are_cheaper_without_weights_of_0(kept_bench, means_bench):
    """Twenty positions without a weight of 0: the kept walk (one table read a byte plane a
    position, S(w - v)) against at_fast_dimension's (two: S(vl) and S(w - vl)), ~40 T-states fewer a
    position and dimension less the kept sum's read a dimension (53 before the twenty-ninth round's
    S(v): these v, uniform in -256..255 beside weights of 6..255, a third of them 255, take
    at_kept_far in ~1 position in 3, the shipped soul's in ~1 in 19); with 10 weights of 0 the head
    keeps at_fast_dimension's walk (its zeros skipped) and pays the choice (since the thirty-first round's
    AT_PAGED_VALUES also the head's mark read and the dispatch set, ~70, and the paged dispatch, 4 fewer a v
    >= 0 and 11 more a v < 0 of the 80 weighed: -649 on these)."""
    rng = np.random.default_rng(47)
    for zeros, (least, most) in ((0, (20 * 8 * 30, 20 * 8 * 60)), (10, (-800, 0))):
        q, keys = weighted_head(rng, 20, zeros, 2)
        values = rng.integers(-256, 256, (20, 4, 8))
        fast = run_head(means_bench, q, keys, values, 20, 2)
        kept = run_head(kept_bench, q, keys, values, 20, 2)
        assert np.array_equal(means_bench.read_words(OUT, 8), kept_bench.read_words(OUT, 8))
        assert least <= fast - kept <= most, (zeros, fast, kept)


def kept_sums_in_cache(bench, layer: int) -> bytes:
    """A layer's kept sums as forward.s leaves them (kv_kept_sums)."""
    return bench.peek(bench.sym("kv_kept_sums") + 96 * layer, 96)


@pytest.mark.parametrize("model", ["128k", "48k"])
def test_forward_steps_keep_the_sums_through_a_new_turn(model):
    """The 128K's kernels (AT_KEPT_MEANS) and the 48K's with its form (twenty-first round) through a
    turn of the shipped soul, every step against Engine.step (kernelbench.forward_turn, which checks
    each layer's kept sums after each position: its dimensions' S(v) over the positions so far, the
    48K's S(vl); kernelbench.kept_sums_agree), then
    a second turn from position 1 (position 0 kept, as the player runs it) over stale sums: position
    1 starts them again from position 0's (the 128K's kv_kept_first; the 48K's from position 0's
    words, added again), the positions after it add theirs."""
    from soulterm.soul import spec
    from soulterm.soul.engine import Engine
    from soulterm.soul.soulfile import load_soul
    from soulterm.soul.tokenizer import Tokenizer
    from soulterm.paths import DEFAULT_TOKENIZER
    from soulterm.zx.build import unit_gain_bits
    from soulterm.zx.kernelbench import SHORT_SHIFTS, forward_turn
    from soulterm.zx.soul_layout import soul_include

    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    options = player_kernel_options(model, kept_means=True, **(KEPT_48K_OPTIONS if model == "48k" else {})) \
        + f"\nRN_UNIT_GAIN_BITS = {unit_gain_bits(soul, SHORT_SHIFTS)}"
    forward = Z80Bench('.include "forward.s"\n' + soul_include(soul), options=options)     # (as z80_profile.py's)
    assert "AT_KEPT_MEANS" in forward.symbols and ("AT_KEPT_TABLE" in forward.symbols) == (model == "48k")
    if model == "128k":                 # (its stack in the room after the kept sums, below the logits)
        from soulterm.zx.kernelbench import STACK_ROOM
        assert forward.sym("kv_kept_sums") + 192 <= forward.stack_top - STACK_ROOM
        assert forward.stack_top <= forward.sym("fw_logits") and forward.stack_top < forward.program.origin
    engine = Engine(soul)
    forward_turn(forward, engine, tokenizer.encode_turn("hello"))
    context = tokenizer.encode_turn("what is your name")
    state = engine.new_state()
    forward.poke(forward.sym("kv_kept_sums"), [0x5A] * 192)     # stale sums: position 1 must not read them
    for position, token in enumerate(context):
        engine.step(state, token)
        if position == 0:
            continue                        # (SEP: kept from the first turn)
        forward.poke(forward.sym("fw_token"), [token])
        forward.poke(forward.sym("fw_pos"), [position])
        forward.call("forward_prefill", max_t_states=30_000_000)
        for layer in range(spec.N_LAYERS):
            values = state.values[layer, :position + 1].reshape(position + 1, -1)
            assert kept_sums_agree(forward, kept_sums_in_cache(forward, layer), values, position + 1), (position, layer)


def test_the_128ks_kept_sums_fail_with_the_square_of_vl():
    """The 128K's kept sums are of S(v), read at AT_SQ_PAGE + 2 vh (twenty-ninth round): with the page's
    2 vh left out (since the thirty-first round's AT_PAGED_VALUES, AT_SQ_PAGE - 2 + X with X = rlca(vh + 1):
    each `ld a,b` before kv_kept_store_words' `add a,AT_SQ_PAGE - 2` an `xor a`, a v >= 0's square read two
    pages low) a turn of the shipped soul fails kernelbench.forward_turn's checks (layer 1's keys at
    position 0 already: layer 0's means off the wrong sums)."""
    from soulterm.soul.engine import Engine
    from soulterm.soul.soulfile import load_soul
    from soulterm.soul.tokenizer import Tokenizer
    from soulterm.paths import DEFAULT_TOKENIZER
    from soulterm.zx.build import unit_gain_bits
    from soulterm.zx.kernelbench import SHORT_SHIFTS, forward_turn
    from soulterm.zx.soul_layout import soul_include

    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    options = player_kernel_options("128k", kept_means=True) + f"\nRN_UNIT_GAIN_BITS = {unit_gain_bits(soul, SHORT_SHIFTS)}"
    forward = Z80Bench('.include "forward.s"\n' + soul_include(soul), options=options)
    page_add = bytes([0x78, 0xC6, forward.sym("AT_SQ_PAGE") - 2])   # ld a,b; add a,AT_SQ_PAGE - 2
    start, end = forward.sym("kv_values_kept"), forward.sym("kv_values_kept_record")
    code = forward.peek(start, end - start)
    at = [start + i for i in range(len(code) - 2) if code[i:i + 3] == page_add]
    assert len(at) == forward.sym("KV_PASS_WORDS") + forward.sym("KV_FIRST_PASS_WORDS")     # (both forms' words)
    for address in at:
        forward.poke(address, [0xAF])   # xor a
    with pytest.raises(AssertionError):
        forward_turn(forward, Engine(soul), tokenizer.encode_turn("hello"))


# ----- AT_KEPT_MEANS's 48K form (twenty-first round; not in the 48K player: no room) -----
# with AT_TABLE_MEANS: its weights' loop, the kept walk through matvec's squares, every head on it

KEPT_48K_OPTIONS = dict(fast_scores=True, fast_takebacks=FAST_TAKEBACK_OPTIONS, coarse_top=True)


@pytest.fixture(scope="module")
def kept_48k_bench():
    return Z80Bench(options=FAST_OPTION_SETS["48k taken back"] + "\n" + KEPT_MEANS_OPTION)


def test_the_48ks_kept_means_match_intmath(kept_48k_bench):
    """AT_KEPT_MEANS with AT_TABLE_MEANS: heads one after another on one bench, each walked off its
    kept sums (weights of 0 read as any other), n = w - vl on each of matvec's three pages (below
    -127, -127..128, above 128), counts 1 and 20, v at -256..255's edges, a wide v of weight 255 or
    0 (that dimension and the head's later ones by the product loop, at_wide_dimension, from
    at_kept_wide), the quotient's ends, against intmath."""
    bench = kept_48k_bench
    assert "AT_KEPT_TABLE" in bench.symbols and "at_sq_table" not in bench.symbols
    rng = np.random.default_rng(53)
    pages = set()
    for case in range(48):
        count, zeros, head, q, keys, values = kept_means_case(rng, case)
        run_head(bench, q, keys, values, count, head)
        want, weights = intmath.attention_head(q, keys[:count, head], values[:count, head])
        assert np.array_equal(bench.read_words(OUT, 8), want), case
        n = np.asarray(weights)[:, None] - (values[:count, head] & 255)
        pages |= {int(page) for page in np.unique(np.sign((n > 128).astype(int) - (n < -127)))}
    assert pages == {-1, 0, 1}


def test_the_48ks_kept_means_read_the_kept_sums(kept_48k_bench):
    """The 48K's walk takes each dimension's sum of S(vl) from the kept sums (at_kept): a sum 32,768
    or 65,536 off there is a wrong mean, in the head's first dimension, its fifth or its last."""
    rng = np.random.default_rng(59)
    q, keys = weighted_head(rng, 12, 3, 1)
    values = rng.integers(-256, 256, (20, 4, 8))
    run_head(kept_48k_bench, q, keys, values, 12, 1)
    want = kept_48k_bench.read_words(OUT, 8)
    assert np.array_equal(want, intmath.attention_head(q, keys[:12, 1], values[:12, 1])[0])
    for byte, flip in ((1, 0x80), (4 * 3 + 2, 1), (7 * 3 + 1, 0x80)):
        load_head(kept_48k_bench, q, keys, values, 12, 1)
        kept_48k_bench.poke(HEAD_KEPT + byte, [kept_48k_bench.peek(HEAD_KEPT + byte)[0] ^ flip])
        kept_48k_bench.call("attend_head")
        assert not np.array_equal(kept_48k_bench.read_words(OUT, 8), want), byte


def test_fast_scores_and_their_old_dot_at_int16s_edges(any_fast_bench):
    """q and k anywhere in int16 with each option set: a head with every q in -3967..3968 runs the
    squares (keys at -32768 and 32767: 2 q.k near +-2^31, the sums' mod 2^32), a q beyond takes the
    old dot, whose 40-bit sum wraps 32 bits both ways (q and k at -32768: 2^33); every key's f is
    q.k >> 14, the old dot's at_sum40 (the TUI's probe) the last key's q.k, and the head's outputs
    and weights are intmath's."""
    bench = any_fast_bench
    rng = np.random.default_rng(53)
    edges = [-32768, -32767, -4096, -3968, -3967, -129, -128, -127, -1, 0, 1, 127, 128, 3968, 3969, 4095, 32767]
    rows = [([-32768] * 8, [-32768] * 8), ([-32768] * 8, [32767] * 8), ([32767, -32768] * 4, [32767, 32767] * 4),
            ([32767, 32767] + [4095] * 6, [32767, 32767] + [4095] * 6),
            ([32767, 32767] + [4095] * 6, [-32768, -32768] + [-4095] * 6),
            ([3968] * 8, [-32768] * 8), ([-3967] * 8, [-32768] * 8), ([3968] * 8, [32767] * 8),
            ([-3967, 3968] * 4, [32767, -32768] * 4), ([0] * 8, [-32768] * 8), ([-1] * 8, [255, 256] * 4)]
    for case in range(40):
        count = 1 if case % 3 == 0 else int(rng.integers(2, 21))
        q, k = rows[case] if case < len(rows) else (rng.choice(edges, 8), rng.choice(edges, 8))
        keys = rng.choice(edges, (20, 4, 8)) if case % 2 else rng.integers(-32768, 32768, (20, 4, 8))
        keys[count - 1, 1] = k
        values = rng.integers(-32768, 32768, (20, 4, 8)) if case % 4 == 1 else rng.integers(-256, 256, (20, 4, 8))
        q = np.asarray(q)
        load_head(bench, q, keys, values, count, 1)
        bench.cpu.iy = 0x5C3A
        bench.call("attend_head", interrupts=bool(case % 2))
        want, weights = intmath.attention_head(q, keys[:count, 1], values[:count, 1])
        assert np.array_equal(bench.read_words(OUT, 8), want), case
        assert list(bench.peek(bench.sym("at_lut"), count)) == list(weights), case
        check_scores(bench, q, keys[:count, 1], case)
        assert bench.cpu.iff1 == bench.cpu.iff2 == bool(case % 2) and bench.cpu.iy == 0x5C3A, case


@pytest.mark.parametrize("fast_means, taken_back", [(False, False), (True, False), (False, True)])
def test_the_48ks_kernels_with_fast_scores_give_the_engines_turns(fast_means, taken_back):
    """forward.s with the 48K's kernel options and AT_FAST_SCORES (twentieth round; with AT_TABLE_MEANS,
    or the 128K's AT_FAST_MEANS instead), two turns typed into one bench, every step against
    Engine.step (kernelbench.forward_turn: prefill's cache, forward_step's bound logits and argmax)
    and every head's LUT weights against the engine's; with the cuts for room taken back (`taken_back`,
    the shipped 48K's)."""
    from soulterm.paths import DEFAULT_TOKENIZER
    from soulterm.soul.engine import Engine
    from soulterm.soul.soulfile import load_soul
    from soulterm.soul.tokenizer import Tokenizer
    from soulterm.zx.kernelbench import forward_turn, player_kernel_options
    from soulterm.zx.soul_layout import soul_include

    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    options = player_kernel_options("48k", fast_scores=True, fast_means=fast_means,
                                    fast_takebacks=FAST_TAKEBACK_OPTIONS if taken_back else ())
    assert ("AT_TABLE_MEANS" in options) == ("AT_SHORT_EXP" in options) != fast_means
    forward = Z80Bench('.include "forward.s"\n' + soul_include(soul), options=options)
    assert "at_key_sums" in forward.symbols and ("at_means_divide" in forward.symbols) != fast_means
    engine = Engine(soul)
    for prompt in ("hello", "what is your name?"):
        weights_seen = []
        rows, reply = forward_turn(forward, engine, tokenizer.encode_turn(prompt),
                                   after_step=lambda position: weights_seen.append(
                                       forward.peek(forward.sym("att_weights"), 160)))
        assert reply and len(rows) >= 3, prompt
        state = engine.new_state()
        for (position, token, routine, _), weights in zip(rows, weights_seen):
            engine.step(state, token)
            got = np.frombuffer(weights, np.uint8).reshape(2, 4, 20)
            for layer in range(1 + (routine == "forward_step")):     # (a prefill leaves layer 1's weights)
                assert np.array_equal(got[layer, :, :position + 1], state.last.attention_lut[layer]), (prompt, position)
