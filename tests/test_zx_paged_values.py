"""The 128K's paged value cache (attention.s's AT_PAGED_VALUES, thirty-first round): each cached v's high
byte is P = AT_SQ_PAGE - rlca(vh + 1), the page the kept walk reads S(w - v) on where w - vl borrows; a
head with a v beyond -256..255 is marked in its first kept sum's top byte (forward.s's kv_wide_check) and
takes the fast walk with P tested whole (at_fast_checked) and the product loop from that dimension on
(P decoded); records hold v itself (record_values_gather). Souls with narrow and wide heads and v of both
signs (the shipped soul with its heads 3 widened), every step against the engine, and each broken piece
failing."""

from __future__ import annotations

import numpy as np
import pytest

from soulterm.paths import DEFAULT_TOKENIZER
from soulterm.soul import intmath, spec
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import Soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx.kernelbench import (HEAD_OUT, Z80Bench, cached_values, encoded_values, forward_turn, has_records,
                                     player_bench, run_head, wide_heads)
from test_kernels_z80_scores import KEPT_128K_OPTIONS, kept_means_case, kept_means_cases_wrong

WIDE_HEAD_SCALE = 4    # wide_head_soul's head 3 value rows, times this


def wide_head_soul() -> Soul:
    """The shipped soul with each layer's head 3 value rows (24..31) WIDE_HEAD_SCALE times as large (clipped
    to int8), so that head 3's v go beyond -256..255 on everyday lines while heads 0..2's stay in it, v of
    both signs."""
    from soulterm.paths import DEFAULT_SOUL
    from soulterm.soul.soulfile import load_soul

    arrays = {name: (tensor.values, tensor.shift) for name, tensor in load_soul(DEFAULT_SOUL).tensors.items()}
    for layer in range(spec.N_LAYERS):
        values, shift = arrays[f"l{layer}.v"]
        values = values.copy()
        values[3 * 8:] = np.clip(values[3 * 8:] * WIDE_HEAD_SCALE, -128, 127)
        arrays[f"l{layer}.v"] = (values, shift)
    return Soul.from_arrays(arrays)


def test_the_cache_form_is_a_bijection_with_the_walks_pages():
    """encoded_values and cached_values (the bench's and the TUI's one way in and out) over every int16,
    and P = AT_SQ_PAGE - 2 for vh = 0 (w - v below 0 on the negative half's page), AT_SQ_PAGE for vh = -1."""
    bench = Z80Bench(options=KEPT_128K_OPTIONS)
    page = bench.sym("AT_SQ_PAGE")
    every = np.arange(-32768, 32768)
    words = encoded_values(bench, every)
    assert len(np.unique(words)) == 65536 and np.array_equal(cached_values(bench, words), every)
    assert set((words[(every >= 0) & (every <= 255)] >> 8).tolist()) == {page - 2}
    assert set((words[(every >= -256) & (every < 0)] >> 8).tolist()) == {page}


@pytest.mark.parametrize("broken", ["dispatch", "checked", "no borrow", "decode", "negative"])
def test_a_broken_paged_walk_fails(broken):
    """On kept_means_case's heads (counts 1 and 20, v at -256..255's edges, wide v's): the fast walk's
    dispatch on P's bit 1 the other way, at_fast_checked's test of vh = 0 against the wrong page,
    at_kept_no_borrow's page one page low (an `inc h` a nop), the product loop's decoded vh one off (its
    `dec a` a nop), or at_fast_negative's B left as P (its `ld b,0` two nops) each gives means other than
    intmath's."""
    bench = Z80Bench(options=KEPT_128K_OPTIONS)
    assert kept_means_cases_wrong(bench) == 0
    page = bench.sym("AT_SQ_PAGE")
    if broken == "dispatch":
        at = bench.sym("at_fast_dimension@dispatch") + 2           # jr nz <-> jr z
        bench.poke(at, [bench.peek(at)[0] ^ 0x08])
    elif broken == "checked":
        at = bench.sym("at_fast_checked")
        cp = next(a for a in range(at, at + 8) if bench.peek(a, 2) == bytes([0xFE, page - 2]))
        bench.poke(cp + 1, [page - 4])
    elif broken == "no borrow":
        at = bench.sym("at_kept_no_borrow")
        inc_h = next(a for a in range(at, at + 8) if bench.peek(a, 2) == bytes([0x24, 0x24]))
        bench.poke(inc_h, [0])
    elif broken == "decode":
        loop = bench.sym("attend_head@position")
        dec_a = next(a for a in range(loop, loop + 12) if bench.peek(a, 3) == bytes([0x0F, 0x3D, 0x57]))
        bench.poke(dec_a + 1, [0])
    else:
        at = bench.sym("at_fast_negative")
        assert bench.peek(at, 2) == bytes([0x06, 0])
        bench.poke(at, [0, 0])
    assert kept_means_cases_wrong(bench) > 0


def test_a_wide_heads_mark_sends_it_to_the_checked_fast_walk():
    """A head whose values hold one v beyond -256..255 (kept_means_case's case 5: its kept sums marked as
    forward.s marks them) is exact, and without the mark (its first top byte's bit 7 cleared, as if
    kv_wide_check had missed it) the kept walk reads the wide P as a page: wrong means."""
    from soulterm.zx.kernelbench import HEAD_KEPT, load_head

    bench = Z80Bench(options=KEPT_128K_OPTIONS)
    rng = np.random.default_rng(41)
    cases = [kept_means_case(rng, case) for case in range(48)]
    marked = [case for case in cases if wide_heads(case[5][:, case[2]], case[0])[0] and 2 * case[1] < case[0]]
    assert marked
    wrong = 0
    for count, _, head, q, keys, values in marked:
        want = intmath.attention_head(q, keys[:count, head], values[:count, head])[0]
        run_head(bench, q, keys, values, count, head)
        assert np.array_equal(bench.read_words(HEAD_OUT, 8), want)
        load_head(bench, q, keys, values, count, head)
        bench.poke(HEAD_KEPT + 2, [bench.peek(HEAD_KEPT + 2)[0] & 0x7F])
        bench.call("attend_head")
        wrong += not np.array_equal(bench.read_words(HEAD_OUT, 8), want)
    assert wrong > 0


def visits(bench, labels: list[str]):
    """Z80Bench.call single-stepped, counting each of `labels`' visits (a dict the bench's calls add to)."""
    places = {bench.sym(label): label for label in labels}
    counts = dict.fromkeys(labels, 0)
    plain_call = bench.call

    def counted_call(routine, max_t_states: int = 50_000_000, interrupts: bool = False) -> int:
        address = bench.sym(routine) if isinstance(routine, str) else routine
        cpu = bench.cpu
        bench.poke_word(bench.stack_top - 2, bench.trap)
        cpu.sp, cpu.pc = bench.stack_top - 2, address
        cpu.iff1 = cpu.iff2 = int(interrupts)
        while cpu.pc != bench.trap:
            if cpu.pc in places:
                counts[places[cpu.pc]] += 1
            cpu.ticks_to_stop = 1
            cpu.run()
        return 0

    bench.call = counted_call
    return counts, plain_call


PATHS = ["at_kept_dimension@position", "at_kept_no_borrow", "at_kept_far", "at_fast_dimension@position",
         "at_fast_negative", "at_fast_checked", "at_fast_wide_out", "kv_wide_check@head"]


def turn_values(engine: Engine, context) -> np.ndarray:
    """The values a fresh turn of `context` caches on the engine: [layer, position, dimension]."""
    state = engine.new_state()
    for token in context:
        engine.step(state, token)
    return state.values[:, :len(context)].reshape(spec.N_LAYERS, len(context), -1)


def test_a_wide_heads_turns_are_the_engines_on_every_path():
    """The 128K's forward pass (forward.s with player_kernel_options' AT_KEPT_MEANS: AT_PAGED_VALUES, as
    test_kernels_z80_scores' kept sums' turns) on wide_head_soul (head 3 wide, heads 0..2 narrow, v of both
    signs): two turns, the second from position 1 over the first's cache, every step against Engine.step
    (forward_turn: logits, both layers' keys and values read back through cached_values, the kept sums and
    each head's mark), single-stepped so that every path of the paged cache is seen to run: the kept walk's
    borrow, no-borrow and far ways, the fast walk and its negative way, the checked dispatch and the
    product loop, the marks."""
    from soulterm.zx.build import unit_gain_bits
    from soulterm.zx.kernelbench import SHORT_SHIFTS, player_kernel_options
    from soulterm.zx.soul_layout import soul_include

    soul, tokenizer = wide_head_soul(), Tokenizer.load(DEFAULT_TOKENIZER)
    options = player_kernel_options("128k", kept_means=True) + f"\nRN_UNIT_GAIN_BITS = {unit_gain_bits(soul, SHORT_SHIFTS)}"
    bench = Z80Bench('.include "forward.s"\n' + soul_include(soul), options=options)
    assert "AT_PAGED_VALUES" in bench.symbols
    counts, _ = visits(bench, PATHS)
    engine = Engine(soul)
    for line in ("hello", "do you like music"):
        context = tokenizer.encode_turn(line)
        values = turn_values(engine, context)
        assert wide_heads(values[0], len(context)).tolist() == [False, False, False, True]
        assert (values < 0).any() and ((values >= 0) & (values <= 255)).any()
        forward_turn(bench, engine, context)
    assert all(counts[label] > 0 for label in PATHS), counts


def test_a_record_holds_v_and_a_broken_gather_fails():
    """The shipped 128K player: a turn's position 1 recorded (record_values_gather: P back to vh) and
    copied into the next turn's cache (kv_values_kept_record stores it paged again), checked against the
    engine by forward_turn; with the gather's `dec a` a nop (vh one off in the record) the copied turn
    fails."""
    from soulterm.paths import DEFAULT_SOUL
    from soulterm.soul.soulfile import load_soul
    from soulterm.zx.kernelbench import RECORD_COPIED

    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    engine = Engine(soul)
    for broken in (False, True):
        bench = player_bench(soul, tokenizer, "128k")
        assert "AT_PAGED_VALUES" in bench.symbols and has_records(bench)
        if broken:
            at = bench.sym("record_values_gather")
            dec_a = next(a for a in range(at, at + 12) if bench.peek(a, 2) == bytes([0x0F, 0x3D]))
            bench.poke(dec_a + 1, [0])
        forward_turn(bench, engine, tokenizer.encode_turn("how are you"), records=True)
        if broken:
            with pytest.raises(AssertionError):
                forward_turn(bench, engine, tokenizer.encode_turn("how old are you"), records=True)
        else:
            rows, _ = forward_turn(bench, engine, tokenizer.encode_turn("how old are you"), records=True)
            assert rows[1][2] == RECORD_COPIED


def test_a_wide_head_left_unmarked_fails():
    """kv_wide_check's mark is what keeps a wide head off the kept walk: with its `set 7,(hl)` two nops a
    turn of wide_head_soul fails forward_turn's checks (the kept sums' marks, then the means)."""
    from soulterm.zx.build import unit_gain_bits
    from soulterm.zx.kernelbench import SHORT_SHIFTS, player_kernel_options
    from soulterm.zx.soul_layout import soul_include

    soul, tokenizer = wide_head_soul(), Tokenizer.load(DEFAULT_TOKENIZER)
    options = player_kernel_options("128k", kept_means=True) + f"\nRN_UNIT_GAIN_BITS = {unit_gain_bits(soul, SHORT_SHIFTS)}"
    bench = Z80Bench('.include "forward.s"\n' + soul_include(soul), options=options)
    at = bench.sym("kv_wide_check")
    mark = next(a for a in range(at, at + 40) if bench.peek(a, 2) == bytes([0xCB, 0xFE]))
    bench.poke(mark, [0, 0])
    with pytest.raises(AssertionError):
        forward_turn(bench, Engine(soul), tokenizer.encode_turn("do you like music"))


# Which dimensions of a head hold a wide v (of a nonzero weight) in the one-wide-dimension tests: the first, a middle
# pair with narrow ones between and after, the last alone, two at the ends, all eight.
WIDE_DIMENSION_SETS = ((0,), (2, 5), (7,), (0, 7), tuple(range(8)))


def one_wide_dimension_heads(seed: int = 32):
    """Heads (count, head, q, keys, values, wide_dimensions) on the kept benches' weighted_head, v in -256..255
    but in each of WIDE_DIMENSION_SETS' dimensions, where one or two positions of a nonzero weight hold a v beyond
    it (-257, 256, 300, -20000: both signs, vh of -2, 1 and beyond), some dimensions' other positions of weight 0
    wide too (never read); each set at counts 2, 13 and 20, weights of 0 in some."""
    from test_kernels_z80_scores import weighted_head

    rng, heads = np.random.default_rng(seed), []
    for dimensions in WIDE_DIMENSION_SETS:
        for count in (2, 13, 20):
            zeros = int(rng.integers(0, count // 2 + 1))
            head = int(rng.integers(0, 4))
            q, keys = weighted_head(rng, count, zeros, head)
            values = rng.integers(-256, 256, (20, 4, 8))
            weights = np.asarray(intmath.attention_head(q, keys[:count, head], values[:count, head])[1])
            weighed, unweighed = np.flatnonzero(weights), np.flatnonzero(weights == 0)
            for dimension in dimensions:
                for position in rng.choice(weighed, min(2, len(weighed)), replace=False):
                    values[position, head, dimension] = rng.choice([-257, 256, 300, -20000])
                if len(unweighed) and rng.integers(0, 2):
                    values[rng.choice(unweighed), head, dimension] = 9999
            heads.append((count, head, q, keys, values, dimensions))
    return heads


def test_only_a_dimension_with_a_wide_v_takes_the_product_loop():
    """Thirty-second round: a marked head's dimension with a v beyond -256..255 (of a nonzero weight) runs the
    product loop (attend_head@dimension_slow) alone; the head's other dimensions, before and after it, run the
    fast walk (at_fast_wide_out keeps the dimensions left, the product loop's end hands at_row back to the walk):
    every head's means are intmath's and the product loop runs once for each wide dimension, not from the first
    to the head's end. With the product loop's end's at_row one byte short (an `inc hl` a nop) the walk after it
    reads the wrong words: wrong means."""
    heads = one_wide_dimension_heads()
    for broken in (False, True):
        bench = Z80Bench(options=KEPT_128K_OPTIONS)
        if broken:
            at = bench.sym("attend_head@dimension_slow")
            end = bench.sym("attend_head@dimensions_left")
            inc_hl = next(a for a in range(end - 16, end) if bench.peek(a, 2) == bytes([0x23, 0x23]))
            bench.poke(inc_hl, [0])
            assert at < inc_hl
        counts, _ = visits(bench, ["attend_head@dimension_slow", "at_fast_dimension"])
        wrong = 0
        for count, head, q, keys, values, dimensions in heads:
            before = counts["attend_head@dimension_slow"]
            run_head(bench, q, keys, values, count, head)
            want = intmath.attention_head(q, keys[:count, head], values[:count, head])[0]
            wrong += not np.array_equal(bench.read_words(HEAD_OUT, 8), want)
            if not broken:
                assert counts["attend_head@dimension_slow"] - before == len(dimensions), (count, dimensions)
        assert (wrong > 0) == broken, wrong
    assert counts["at_fast_dimension"] > 0


def marked_options() -> str:
    """KEPT_128K_OPTIONS with AT_KEPT_MARKED (thirty-second round, zxwalk32: the shipped 128K's)."""
    from soulterm.zx.build import KEPT_MARKED_OPTION

    return KEPT_128K_OPTIONS + "\n" + KEPT_MARKED_OPTION


def marked_heads(seed: int = 33):
    """Heads (count, zeros, head, q, keys, values, wide_dimensions) on weighted_head: v in -256..255 (its edges
    in some) but in the wide dimensions, each of the eight alone and WIDE_DIMENSION_SETS' sets, at counts 1, 2,
    7, 13 and 20, weights of 0 under half the positions in most (the kept walk's heads) and half in some (the
    fast walk's); a wide dimension's v beyond -256..255 at one or two positions of nonzero weight (-257, 256,
    300, -20000, 32767, -32768), or in some only at positions of weight 0 (marked, never read)."""
    from test_kernels_z80_scores import weighted_head

    edges = np.array([-256, -255, -129, -128, -1, 0, 1, 127, 128, 254, 255])
    rng, heads = np.random.default_rng(seed), []
    for dimensions in tuple((d,) for d in range(8)) + WIDE_DIMENSION_SETS:
        for count in (1, 2, 7, 13, 20):
            zeros = count // 2 if rng.integers(0, 4) == 0 else int(rng.integers(0, (count + 1) // 2))
            head = int(rng.integers(0, 4))
            q, keys = weighted_head(rng, count, zeros, head)
            values = rng.choice(edges, (20, 4, 8)) if rng.integers(0, 3) == 0 else rng.integers(-256, 256, (20, 4, 8))
            weights = np.asarray(intmath.attention_head(q, keys[:count, head], values[:count, head])[1])
            weighed, unweighed = np.flatnonzero(weights), np.flatnonzero(weights == 0)
            for dimension in dimensions:
                if len(unweighed) and rng.integers(0, 4) == 0:
                    values[rng.choice(unweighed), head, dimension] = 9999
                else:
                    for position in rng.choice(weighed, min(int(rng.integers(1, 3)), len(weighed)), replace=False):
                        values[position, head, dimension] = rng.choice([-257, 256, 300, -20000, 32767, -32768])
            heads.append((count, zeros, head, q, keys, values, dimensions))
    return heads


MARKED_PATHS = ["at_kept_marked", "at_kept_dimension@next_row", "at_fast_dimension@next_dimension",
                "attend_head@dimension_slow", "at_kept_marked_back", "at_kept_marked_back_row"]


@pytest.mark.parametrize("broken", [None, "head mark", "dimension mark", "out's pointer"])
def test_a_marked_heads_narrow_dimensions_take_the_kept_walk(broken):
    """AT_KEPT_MARKED: a head with a v beyond -256..255 (its kept sums marked as kv_wide_check marks them: bit 7
    of the head's first top byte, bit 6 of each wide dimension's) whose weights of 0 are under half its
    positions walks each dimension without one on the kept walk (at_kept_dimension@next_row, from
    at_kept_marked_dimension) and each wide one on the fast walk (its product loop where a wide v has a
    nonzero weight), then the kept walk again; a head with half its weights 0 the fast walk throughout, as
    before. Every head's means are intmath's, at every wide dimension and count. With the head's mark left in
    the kept sum (`res 7,a` two nops), the dimension's mark not read (`bit 6,a` a `bit 5,a`) or out's pointer
    not handed back to HL' after a wide dimension (at_kept_marked_back's `exx` a nop) the means are wrong."""
    bench = Z80Bench(options=marked_options())
    if broken == "head mark":
        at = bench.sym("at_kept_marked_dimension@squares_high") - 2
        assert bench.peek(at, 2) == bytes([0xCB, 0xBF])
        bench.poke(at, [0, 0])
    elif broken == "dimension mark":
        at = next(a for a in range(bench.sym("at_kept_marked_dimension"), bench.sym("at_kept_marked_dimension@squares_high"))
                  if bench.peek(a, 2) == bytes([0xCB, 0x77]))
        bench.poke(at + 1, [0x6F])
    elif broken == "out's pointer":
        back, jump = bench.sym("at_kept_marked_back"), bytes([0xD9, 0xC3]) + bench.sym("at_kept_marked_dimension").to_bytes(2, "little")
        bench.poke(next(a for a in range(back, back + 32) if bench.peek(a, 4) == jump), [0])
    counts, _ = visits(bench, MARKED_PATHS)
    wrong, kept_heads = 0, 0
    for count, zeros, head, q, keys, values, dimensions in marked_heads():
        before = dict(counts)
        run_head(bench, q, keys, values, count, head)
        want = intmath.attention_head(q, keys[:count, head], values[:count, head])[0]
        wrong += not np.array_equal(bench.read_words(HEAD_OUT, 8), want)
        if broken:
            continue
        ran = {label: counts[label] - before[label] for label in MARKED_PATHS}
        if 2 * zeros < count:
            kept_heads += 1
            assert ran["at_kept_marked"] == 1, (count, zeros, dimensions, ran)
            assert ran["at_kept_dimension@next_row"] == 8 - len(dimensions), (count, zeros, dimensions, ran)
            assert ran["at_fast_dimension@next_dimension"] == len(dimensions), (count, zeros, dimensions, ran)
        else:
            assert ran["at_kept_marked"] == 0 and ran["at_kept_dimension@next_row"] == 0, (count, zeros, ran)
    assert (wrong > 0) == bool(broken), wrong
    if not broken:
        assert kept_heads > 40 and all(counts[label] > 0 for label in MARKED_PATHS), (kept_heads, counts)


def wide_dimensions_soul(rows=(25, 30)) -> Soul:
    """The shipped soul with each layer's value rows `rows` (dimensions 1 and 6 of head 3)
    WIDE_HEAD_SCALE times as large (clipped to int8): those dimensions' v go beyond -256..255 on everyday
    lines, head 3's other six and heads 0..2's stay in it."""
    from soulterm.paths import DEFAULT_SOUL
    from soulterm.soul.soulfile import load_soul

    arrays = {name: (tensor.values, tensor.shift) for name, tensor in load_soul(DEFAULT_SOUL).tensors.items()}
    for layer in range(spec.N_LAYERS):
        values, shift = arrays[f"l{layer}.v"]
        values = values.copy()
        values[list(rows)] = np.clip(values[list(rows)] * WIDE_HEAD_SCALE, -128, 127)
        arrays[f"l{layer}.v"] = (values, shift)
    return Soul.from_arrays(arrays)


@pytest.mark.parametrize("broken", [False, True])
def test_a_marked_heads_turns_are_the_engines(broken):
    """The 128K player built for wide_dimensions_soul (head 3's dimensions 1 and 6 wide, its others and heads
    0..2 narrow; its ladder takes AT_KEPT_MARKED as the shipped soul's): two turns, every step against
    Engine.step (forward_turn: the kept sums with both marks, the means), single-stepped so that a marked head
    is seen on the kept walk and its wide dimensions on the fast one. With kv_wide_check's `set 6,(hl)` two
    nops (the dimensions unmarked) the turn fails. (The kernels' bench of forward.s with this soul has no room
    for AT_KEPT_MARKED's code.)"""
    soul, tokenizer = wide_dimensions_soul(), Tokenizer.load(DEFAULT_TOKENIZER)
    bench = player_bench(soul, tokenizer, "128k")
    assert "AT_PAGED_VALUES" in bench.symbols and "AT_KEPT_MARKED" in bench.symbols
    engine = Engine(soul)
    if broken:
        at = bench.sym("kv_wide_check")
        mark = next(a for a in range(at, at + 40) if bench.peek(a, 2) == bytes([0xCB, 0xF6]))
        bench.poke(mark, [0, 0])
        with pytest.raises(AssertionError):
            forward_turn(bench, engine, tokenizer.encode_turn("do you like music"))
        return
    counts, _ = visits(bench, ["at_kept_marked", "at_kept_marked_back", "at_fast_checked"])
    for line in ("hello", "do you like music"):
        context = tokenizer.encode_turn(line)
        values = turn_values(engine, context)
        assert wide_heads(values[0], len(context)).tolist() == [False, False, False, True]
        forward_turn(bench, engine, context)
    assert all(count > 0 for count in counts.values()), counts
