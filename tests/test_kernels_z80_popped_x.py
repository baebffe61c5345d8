"""planes.s's byte tables with x popped (thirty-seventh round, zx48fill37: every form without WP_WORD_TABLES, the 48K
player's): wp_tables' SP walks x for the sums and for each Gray code's four x, the twice-used x into SP and the
once-used one patched, so that the Gray codes flip bits 0 1 0 3 0 1 0 2 0 1 0 3 0 1 0. Every group's 256 entries on its
low and high pages equal weight_planes.plane_tables' for any x the build takes (both extremes of sum |x|, signs,
lone wide words), S and -N are left in wp_sum and wp_neg_sum (fc1planes.s's FG_BYTE_MASKS reads them), x's words are
never written (a declined call's rows read them after), a declined x leaves SP and x as they were, and a broken Gray
step or x load fails."""

from __future__ import annotations

import numpy as np
import pytest

from soulterm.zx.kernelbench import Z80Bench, player_kernel_options
from soulterm.zx.weight_planes import MOST_SUM, PLANES_SOURCE, plane_tables, vector_with_sum

OPTIONS_48K = player_kernel_options("128k") + "\nWP_NO_CLASSES = 1\nWP_CHAIN_A = 1\nWP_NARROW_BITS = 1"    # (planes.s's 48K form)
X_AT = 0x9F00


@pytest.fixture(scope="module")
def bench():
    return Z80Bench(extra_source=PLANES_SOURCE, options=OPTIONS_48K)


def build(bench, x) -> bool:
    """wp_tables on x at X_AT; its carry (set: declined). SP must come back where the call left it."""
    bench.write_words(X_AT, np.asarray(x, dtype=np.int64))
    bench.poke_word(bench.sym("wp_x"), X_AT)
    bench.call("wp_tables")
    assert bench.cpu.sp == bench.stack_top, "SP put back"
    return bool(bench.cpu.f & 1)


def built_tables(bench) -> list[list[int]]:
    """The four groups' entries as wp_tables leaves them: low bytes on page WP_PAGE + 2 g, high bytes on the next."""
    page = bench.sym("WP_PAGE")
    tables = []
    for group in range(4):
        low = bench.peek((page + 2 * group) << 8, 256)
        high = bench.peek((page + 2 * group + 1) << 8, 256)
        tables.append([low[m] | high[m] << 8 for m in range(256)])
    return tables


def test_the_tables_are_every_group_s_subset_sums_less_its_negatives(bench):
    assert "wp_fill_page" in bench.symbols and "WP_WORD_TABLES" not in bench.symbols
    rng = np.random.default_rng(3701)
    lone = np.zeros(32, int)
    lone[7] = -MOST_SUM
    xs = [vector_with_sum(rng, total, low, high) for total in (0, 1, 700, 1664, 2500, MOST_SUM)
          for low, high in ((-300, 300), (-300, 1), (0, 300), (-2000, 2000))]
    xs += [lone, -lone, np.roll(lone, 24), np.full(32, -127), np.full(32, 127), np.tile([-128, 127], 16)]
    for x in xs:
        if np.abs(x).sum() > MOST_SUM:      # (vector_with_sum's floor division can pass the sum it scales to)
            x = np.trunc(x * 0.99).astype(int)
        assert not build(bench, x), int(np.abs(x).sum())
        tables, _, _ = plane_tables(x)
        assert built_tables(bench) == tables, list(x)
        assert bench.read_words(X_AT, 32).tolist() == list(x), "x's words are read, never written"
        assert bench.read_words(bench.sym("wp_sum"), 1)[0] & 0xFFFF == int(np.abs(x).sum())
        assert bench.read_words(bench.sym("wp_neg_sum"), 1)[0] & 0xFFFF == -int(x[x < 0].sum())


def test_a_declined_x_is_left_as_it_was(bench):
    """sum |x| past 4,095 found at any group's end (the groups before it built), a wide word, -32768, a group whose S
    wraps 16 bits: carry set, SP put back, x's words unchanged."""
    for x in (np.full(32, -128), np.r_[np.zeros(24, int), [5000], np.zeros(7, int)], np.r_[[-32768], np.zeros(31, int)],
              np.r_[np.zeros(16, int), np.full(8, 8192), np.zeros(8, int)], np.r_[np.full(24, 100), np.full(8, 300)]):
        assert build(bench, x), list(x)
        assert bench.read_words(X_AT, 32).tolist() == list(x)


def test_a_broken_gray_step_or_x_load_fails(bench):
    """The B Gray code's x_0 reloaded into DE instead of BC (after its once-used x_2), and the A Gray code's x loads
    reading one word too far: the tables are wrong."""
    rng = np.random.default_rng(3702)
    x = vector_with_sum(rng, 1664)
    tables, _, _ = plane_tables(x)
    for address, byte in ((bench.sym("wp_b_again"), 0x11),              # ld bc,nn -> ld de,nn
                          (bench.sym("wp_group"), None)):
        if byte is None:            # ld hl,-8 before the A loads -> ld hl,-6
            at = next(a for a in range(address, address + 64) if bench.peek(a, 3) == b"\x21\xf8\xff")
            address, byte = at + 1, 0xFA
        saved = bench.peek(address)
        bench.poke(address, [byte])
        try:
            assert not build(bench, x)
            assert built_tables(bench) != tables, hex(address)
        finally:
            bench.poke(address, saved)
    assert not build(bench, x) and built_tables(bench) == tables
