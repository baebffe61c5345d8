"""benchmarks/z80_context_costs.py's PAGED_FORM (zxvpage30): the value cache's high byte as the kept
walk's squares page, P = AT_SQ_PAGE - rlca(vh + 1). The form's store, as the benchmark's STORE_WORD
counts it, run on the Z80 core against today's store: its pages, its bijection, its wide flag and its
T-states; and the 128K player's AT_SQ_PAGE, whose low bits the form's bit-1 dispatch needs."""

from __future__ import annotations

import json
import sys

import pytest

from soulterm.asm import assemble
from soulterm.paths import CHECKOUT_DIR
from soulterm.zx.kernelbench import Z80Bench

sys.path.insert(0, str(CHECKOUT_DIR / "benchmarks"))
import z80_context_costs as costs  # noqa: E402  (a benchmark script, beside z80_profile.py)

SQ_PAGE = 0xA3                  # the shipped 128K's AT_SQ_PAGE (test_the_128ks_squares_page_suits_the_form; $A7 before zxcoarse32)
CACHE = 0x9000                  # where each store writes its word's high byte

# Each store: B = vh, C = vl, HL = the cache's high byte; B comes back as S(v)'s page
# (AT_SQ_PAGE + 2 vh for a v in -256..255). The form's also writes P and ORs X into IXL.
STORES = f"""
.cpu z80
.org $8000
today:
        ld (hl),b
        ld a,b
        add a,a
        add a,{SQ_PAGE}
        ld b,a
        ret
form:
        ld a,b
        inc a
        rlca                    ; X: 2 for vh = 0, 0 for vh = -1
        ld b,a
        .byte $DD,$B5           ; or ixl
        .byte $DD,$6F           ; ld ixl,a: the wide flag, X's bits but bit 1
        ld a,{SQ_PAGE}
        sub b
        ld (hl),a               ; P = AT_SQ_PAGE - X
        ld a,b
        add a,{SQ_PAGE} - 2
        ld b,a                  ; S(v)'s page: AT_SQ_PAGE - 2 + X
        ret
"""


@pytest.fixture(scope="module")
def bench():
    return Z80Bench(program=assemble(STORES, cpu="z80"), stack_top=0xF000)


def stored(bench, routine: str, vh: int) -> tuple[int, int, int, int]:
    """(the cache's byte, B, IXL, T-states) after `routine` with vh, IXL 0."""
    bench.cpu.b, bench.cpu.c, bench.cpu.hl = vh & 255, 0x5A, CACHE
    bench.cpu.ix = 0
    t_states = bench.call(routine)
    return bench.peek(CACHE)[0], bench.cpu.b, bench.cpu.ix & 255, t_states


def test_the_form_pages_a_narrow_v_as_the_walk_reads_it(bench):
    positive, negative = stored(bench, "form", 0), stored(bench, "form", -1)
    assert positive[:3] == (SQ_PAGE - 2, SQ_PAGE, 2)            # w - v below 0 on page AT_SQ_PAGE - 2
    assert negative[:3] == (SQ_PAGE, SQ_PAGE - 2, 0)            # w - vl below 0 is w - v - 256: AT_SQ_PAGE
    for vh in (0, -1):                                          # S(v)'s page as today's store reads it
        assert stored(bench, "form", vh)[1] == stored(bench, "today", vh)[1] == (SQ_PAGE + 2 * vh) & 255


def test_the_form_is_a_bijection_and_flags_every_wide_v(bench):
    pages = {}
    for vh in range(-128, 128):
        page, _, flag, _ = stored(bench, "form", vh)
        pages[page] = vh
        assert (flag & 0xFD != 0) == (vh not in (0, -1))
        x = (SQ_PAGE - page) & 255                              # a wide v's readers: vh = rrca(X) - 1
        assert (((x >> 1) | (x << 7)) - 1) & 255 == vh & 255
    assert len(pages) == 256


def test_the_bit_1_dispatch_tells_the_two_pages_apart():
    assert (SQ_PAGE - 2) & 2 == 0 and SQ_PAGE & 2 == 2


def test_store_word_is_the_forms_t_states_against_todays(bench):
    assert stored(bench, "form", 0)[3] - stored(bench, "today", 0)[3] == costs.STORE_WORD
    assert stored(bench, "form", -1)[3] - stored(bench, "today", -1)[3] == costs.STORE_WORD


def test_the_128ks_squares_page_suits_the_form():
    symbols = json.loads((CHECKOUT_DIR / "disk" / "soulplayer128-zx.map.json").read_text())["symbols"]
    assert symbols["AT_SQ_PAGE"] == SQ_PAGE and SQ_PAGE & 3 == 3


def test_the_net_is_the_bound_less_the_forms_costs():
    counts = dict.fromkeys(costs.COUNTED, 0)
    counts.update(kept=10, neg=4, above=3, far=1, stores=2, heads=8, fast=9, fast_zero=2, fast_neg=3)
    wide, paged, net = costs.bounds(counts)
    assert wide == costs.WIDE_TEST * 6
    assert paged == 22 * 6 + 16 * 4 + 7 * (3 + 3)
    assert paged - net == (costs.STORE_WORD * 64 + costs.STORE_CALL * 2 + costs.HEAD_FLAG * 8
                           + (22 + costs.ABOVE) * 3 + (16 + costs.FAR) + costs.FAST_POSITIVE * 4
                           + costs.FAST_NEGATIVE * 3)
