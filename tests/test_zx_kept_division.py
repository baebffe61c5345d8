"""The 128K's kept walk's own division (attention.s's AT_KEPT_DIVISION, thirty-fourth round, zxdiv34): a copy of
at_fast_dimension's division (its two chains of non-restoring rounds) on from at_kept_dimension's last position,
no jp to it, each chain's end its own kept store (out's pointer in HL' stepped by inc l), M patched into it by the
weights' end and copied into the fast walk's by at_kept_marked for a marked head's wide dimensions, and no
AT_STORE_KEPT patch a head. With it the player places keptmarked.s (AT_KEPT_MARKED_APART) in the room below $C000.
On the bench with the shipped 128K's walk options (AT_KEPT_EVERY_HEAD's): the division is floor(n / M) at its
edges, every head's means and weights are intmath's with and without the option, each kept head is cheaper by
its dimensions' jps, and each broken piece fails."""

from __future__ import annotations

import numpy as np
import pytest

from test_kernels_z80_scores import fast_division_cases
from test_zx_kept_every_head import SHIPPED_WALK_OPTIONS, every_case
from test_zx_paged_values import marked_heads
from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.soul import intmath
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx.build import KEPT_DIVISION_OPTION, KEPT_EVERY_HEAD_OPTION, assemble_player
from soulterm.zx.kernelbench import HEAD_OUT, Z80Bench, run_head, wide_heads

EVERY_HEAD_OPTIONS = SHIPPED_WALK_OPTIONS + "\n" + KEPT_EVERY_HEAD_OPTION
DIVISION_OPTIONS = EVERY_HEAD_OPTIONS + "\n" + KEPT_DIVISION_OPTION


@pytest.fixture(scope="module")
def benches():
    """(the bench with AT_KEPT_DIVISION, the one without)."""
    return Z80Bench(options=DIVISION_OPTIONS), Z80Bench(options=EVERY_HEAD_OPTIONS)


def kept_divide(bench, n: int, m: int) -> int:
    """The kept walk's own division and store alone: out = floor(n / M) (M = 2 lut_sum, its -M and M patched as
    the weights' end patches them) from at_kept_dimension@positions_done with n in IXH:B:C and out's pointer in
    HL'; no dimension left after it (B' = 1), so that it leaves through attend_head@head_end's pops and ret."""
    cpu, top = bench.cpu, bench.stack_top
    bench.poke_word(bench.sym("AT_M_MINUS"), -m)
    bench.poke_word(bench.sym("AT_M_PLUS"), m)
    bench.poke(top - 6, bytes(4))                    # head_end's AF (P/V clear: ret po) and IY
    bench.poke_word(bench.sym("at_fast_sp"), top - 6)
    bench.write_words(HEAD_OUT, [0x5A5A])
    cpu.f = 0xFF                                     # (positions_done's rla sets the carry: n's sign)
    cpu.ix, cpu.bc, cpu.alt_hl, cpu.alt_bc = (n >> 16 & 0xFF) << 8, n & 0xFFFF, HEAD_OUT, 0x0100
    bench.call("at_kept_dimension@positions_done")
    assert bench.cpu.alt_hl == HEAD_OUT + 2          # (inc l twice: out's pointer on to the next dimension)
    return int(bench.read_words(HEAD_OUT, 1)[0])


def test_the_kept_division_is_floor_at_its_edges(benches):
    """floor(n / M) for every M from one weight of 255 to twenty and the quotient's ends in -256..255 (both
    chains' ends, so both stores), the copy's constants the ones the weights' end patches (AT_M_MINUS and
    AT_M_PLUS), not at_fast_dimension's."""
    bench, plain = benches
    assert bench.sym("AT_M_PLUS") == bench.sym("at_kept_dimension@divisor") + 4
    assert plain.sym("AT_M_PLUS") == plain.sym("AT_FAST_PLUS_M")
    rng, checked = np.random.default_rng(34), 0
    for n, m in fast_division_cases(rng):
        assert kept_divide(bench, n, m) == n // m, (n, m)
        checked += 1
    assert checked > 700


def test_every_head_matches_intmath_and_kept_heads_are_cheaper(benches):
    """The word scores' heads, the heads of many weights of 0 and the marked heads (their wide dimensions by the
    fast walk, whose division reads the M at_kept_marked copies into it): every head's means and weights are
    intmath's with and without the option, run one after another on each bench (a marked head's last wide
    dimension leaves at_fast_store in its fast form: the next head's kept stores are the copy's). An unmarked
    head is cheaper with it by more than its 8 dimensions' jp (10 T-states each)."""
    bench, plain = benches
    assert "AT_KEPT_DIVISION" in bench.symbols and "AT_KEPT_DIVISION" not in plain.symbols
    kinds, checked = set(), 0
    for count, zeros, head, q, keys, values in every_case():
        want, weights = intmath.attention_head(q, keys[:count, head], values[:count, head])
        t_division, t_plain = (run_head(each, q, keys, values, count, head) for each in benches)
        for each in benches:
            assert np.array_equal(each.read_words(HEAD_OUT, 8), want), (count, zeros, head)
            assert list(each.peek(each.sym("at_lut"), count)) == list(weights), (count, head)
        if wide_heads(values[:, head], count)[0]:
            kinds.add("marked")
        else:
            assert t_division < t_plain - 8 * 10, (count, zeros, t_division, t_plain)
            kinds.add("kept")
            checked += 1
    assert kinds == {"kept", "marked"} and checked >= 20, (kinds, checked)


def test_a_marked_head_after_a_wide_last_dimension_and_before_a_kept_one(benches):
    """A marked head whose last dimension (7) is wide ends in the fast store, no kept store's way put back; the
    kept head after it (no AT_STORE_KEPT patch a head) still stores through the copy, as intmath's."""
    bench, _ = benches
    ends = [h for h in marked_heads() if 7 in h[6]]
    assert ends
    plain_heads = [h for h in every_case() if h[1] is not None and not wide_heads(h[5][:, h[2]], h[0])[0]][:6]
    for marked, kept in zip(ends, plain_heads):
        for count, zeros, head, q, keys, values in (marked[:6], kept):
            run_head(bench, q, keys, values, count, head)
            want = intmath.attention_head(q, keys[:count, head], values[:count, head])[0]
            assert np.array_equal(bench.read_words(HEAD_OUT, 8), want), (count, zeros, head)


def broken_bench(broken: str) -> Z80Bench:
    """The option's bench with one piece broken (each asserted where it is before it is changed)."""
    bench = Z80Bench(options=DIVISION_OPTIONS)
    divisor = bench.sym("at_kept_dimension@divisor")
    if broken == "p chain's last add":               # (round 0: rla, adc hl,hl, add hl,de, then the rla)
        code = bench.peek(divisor, 200)
        at = divisor + code.index(bytes([0x17, 0xED, 0x6A, 0x19, 0x17]))
        bench.poke(at + 3, [0])
    elif broken == "store's sbc":
        at = bench.sym("AT_KEPT_N_NEXT") - 1 - 10    # (exx, ld (hl),a, inc l, sbc a,a, ... dec b, exx: 10 bytes, jp nz)
        assert bench.peek(at, 4) == bytes([0xD9, 0x77, 0x2C, 0x9F])
        bench.poke(at + 3, [0])
    elif broken == "store's inc l":
        at = bench.sym("AT_KEPT_P_NEXT") - 1 - 10
        assert bench.peek(at, 3) == bytes([0xD9, 0x77, 0x2C])
        bench.poke(at + 2, [0])
    elif broken == "store's next sums":            # (the N chain's store: DE' not stepped past the byte it read)
        at = bench.sym("AT_KEPT_N_NEXT") - 1 - 10
        assert bench.peek(at + 6, 4) == bytes([0x1A, 0x1C, 0x05, 0xD9])     # ld a,(de), inc e, dec b, exx
        bench.poke(at + 7, [0])
    elif broken == "marked's count":               # (at_kept_marked_dimension's B' for a kept dimension's store)
        start = bench.sym("at_kept_marked_dimension")
        at = start + bench.peek(start, 120).index(bytes([0xDD, 0x7D, 0xD9, 0x47, 0xD9, 0xDD, 0x2D]))
        bench.poke(at + 3, [0])
    elif broken in ("marked's M", "marked's way on"):
        start = bench.sym("at_kept_marked")
        code = bench.peek(start, 80)
        target = bench.sym("AT_FAST_PLUS_M") if broken == "marked's M" else bench.sym("AT_KEPT_P_NEXT")
        at = start + code.index(bytes([0x22, target & 255, target >> 8]))      # ld (nn),hl
        bench.poke(at, [0, 0, 0])
    else:
        raise ValueError(broken)
    return bench


@pytest.mark.parametrize("broken", ["p chain's last add", "store's sbc", "store's inc l", "store's next sums",
                                    "marked's M", "marked's way on", "marked's count"])
def test_a_broken_kept_division_fails(broken):
    """The copy's P chain's last add hl,de, a store's sbc a,a (the high byte), its first inc l (the low byte
    written over) or its inc e (DE', the kept sums' pointer, not stepped past the next dimension's first byte) as
    a nop, at_kept_marked's copy of M into the fast walk's division or its patch of the P chain's store's way on
    (to at_kept_marked_dimension) as three nops, or at_kept_marked_dimension's B' (the kept store's count) left
    unset: some head's means differ from intmath's (or, for the division's pieces, some edge's quotient from
    floor)."""
    bench = broken_bench(broken)
    wrong = 0
    if broken in ("p chain's last add", "store's sbc"):
        rng = np.random.default_rng(34)
        wrong += sum(kept_divide(bench, n, m) != n // m for n, m in fast_division_cases(rng))
    heads = [head[:6] for head in marked_heads()] if broken.startswith("marked") else every_case()
    for count, zeros, head, q, keys, values in heads:
        run_head(bench, q, keys, values, count, head)
        wrong += not np.array_equal(bench.read_words(HEAD_OUT, 8),
                                    intmath.attention_head(q, keys[:count, head], values[:count, head])[0])
    assert wrong > 0, broken


def test_the_player_takes_the_kept_division_with_keptmarked_apart():
    """The shipped 128K player assembles with AT_KEPT_DIVISION and AT_KEPT_MARKED_APART: keptmarked.s's routines
    in the room below $C000 (after fc1wide.s, before room_below_paged), fw_att within a page (the stores' inc l:
    forward.s asserts it), the copy right after the kept walk's last position."""
    program = assemble_player(load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER), True, "128k")
    symbols = program.symbols
    assert "AT_KEPT_DIVISION" in symbols and "AT_KEPT_MARKED_APART" in symbols
    assert symbols["at_kept_marked_dimension"] < symbols["at_kept_marked_back"] < symbols["room_below_paged"] < 0xC000
    assert symbols["at_kept_marked_dimension"] > symbols["at_short_weights"]
    assert symbols["fw_att"] >> 8 == (symbols["fw_att"] + 63) >> 8
    assert symbols["at_kept_dimension@divisor"] == symbols["at_kept_dimension@positions_done"] + 6   # (ld a,ixh, ld h,a, rla, ld l,b, ld a,c)
