"""planes.s's WP_WORDS_FROM_SPLIT (thirtieth round, zxmask30; the 128K player's): the tape carries q, k and v's masks
in plane_bytes' layout (6,144 bytes, the word masks' first half) and the first call of wp_tables runs
wp_expand_first, which makes soul_layout.plane_words' word masks (12,288 bytes) of them in place, from the last
down, then writes wp_interrupts_off back into wp_tables' call. On the kernels' bench (192 random rows of 6, 7 and
8 planes at wp_planes, the second half garbage): the first build leaves exactly plane_words there and builds the
tables as the word form does, nothing around the masks changes, the rows on them are bit-exact against
intmath.matvec, a later build costs what the word form's does and leaves the masks alone, the interrupt state and
IY come back (built or declined), the expansion costs what the header states; a kernel with the planes walked
from group 3 down's choice, the masks' top bits or the written-back call broken fails."""

from __future__ import annotations

import re

import numpy as np
import pytest

from soulterm.paths import KERNELS_DIR
from soulterm.soul import intmath
from soulterm.zx.kernelbench import Z80Bench, player_kernel_options
from soulterm.zx.soul_layout import plane_bytes, plane_classes, plane_words
from soulterm.zx.weight_planes import (CLASSES_AT, LEAST_SHIFT, MOST_SHIFT, MOST_SUM, WORD_TABLES_SOURCE, plane_tables,
                                       run_tables_and_rows)

MASKS_AT = 0xA000       # wp_planes on the bench (32-byte aligned, as planes_bank's)
ROWS = 192              # the 128K's six 32-row matrices
MASK_BYTES = ROWS * 32  # WP_SPLIT_BYTES
X_AT = 0x9F00
GUARD = bytes(range(1, 33))     # around the words: must stay
TABLES_AT = 0xD800      # wp_table_pages (an even page, as the player's $C000: wp_expand_first's pages)


@pytest.fixture(scope="module")
def bench():
    source = (f"WP_WORDS_FROM_SPLIT = 1\nWP_SPLIT_BYTES = {MASK_BYTES}\nwp_planes = ${MASKS_AT:04X}\n"
              f"wp_table_pages = ${TABLES_AT:04X}\n" + WORD_TABLES_SOURCE)
    return Z80Bench(extra_source=source, options=player_kernel_options("128k"))


@pytest.fixture(scope="module")
def words():
    return Z80Bench(extra_source=WORD_TABLES_SOURCE, options=player_kernel_options("128k"))


def mixed_rows(rng, rows: int = ROWS) -> np.ndarray:
    """Rows whose weights need 6 planes (-32..31), 7 (-64..63) or 8 (-128..127), each with an end of its range."""
    w = np.empty((rows, 32), int)
    for row in range(rows):
        low = int(rng.choice([-32, -64, -128]))
        w[row] = rng.integers(low, -low, 32)
        w[row, rng.integers(32)] = low if rng.integers(2) else -low - 1
    return w


def build(bench, x, interrupts: bool = False) -> int:
    """wp_tables on x (at X_AT); its T-states."""
    bench.write_words(X_AT, np.asarray(x, dtype=np.int64))
    bench.poke_word(bench.sym("wp_x"), X_AT)
    return bench.call("wp_tables", interrupts=interrupts)


def first_build(bench, w, x, interrupts: bool = False) -> int:
    """As the tape leaves bank 6: w's split masks at wp_planes, garbage where their words' second half goes, the
    guard around, wp_tables' call to wp_expand_first; then the first wp_tables on x. Its T-states."""
    bench.poke(MASKS_AT - len(GUARD), GUARD)
    bench.poke(MASKS_AT, plane_bytes(w))
    bench.poke(MASKS_AT + MASK_BYTES, bytes([0xA5]) * MASK_BYTES + GUARD)
    bench.poke_word(bench.sym("wp_tables") + 1, bench.sym("wp_expand_first"))
    return build(bench, x, interrupts)


def call_target(bench) -> int:
    return int.from_bytes(bench.peek(bench.sym("wp_tables") + 1, 2), "little")


def made_right(bench, w) -> bool:
    return (bench.peek(MASKS_AT, 2 * MASK_BYTES) == plane_words(w, bench.sym("WP_PAGE"))
            and bench.peek(MASKS_AT - len(GUARD), len(GUARD)) == GUARD
            and bench.peek(MASKS_AT + 2 * MASK_BYTES, len(GUARD)) == GUARD)


def test_the_first_build_makes_the_word_masks_in_place_and_its_tables(bench):
    rng = np.random.default_rng(30)
    for trial in range(3):
        w = mixed_rows(rng)
        x = rng.integers(-120, 120, 32)
        first_build(bench, w, x)
        assert not bench.cpu.f & 1 and made_right(bench, w), trial
        assert call_target(bench) == bench.sym("wp_interrupts_off")
        tables, _, _ = plane_tables(x)
        for group in range(4):
            got = bench.read_words((bench.sym("WP_PAGE") + 2 * group) << 8, 256)
            assert list(got) == tables[group], (trial, group)


def test_the_rows_on_the_made_words_are_bit_exact(bench):
    """Each of the six 32-row matrices on the made words, every class form, shifts across wp_rows' range."""
    rng = np.random.default_rng(3030)
    w = mixed_rows(rng)
    x = rng.integers(-100, 100, 32)
    first_build(bench, w, x)
    for matrix in range(ROWS // 32):
        rows = w[32 * matrix:32 * (matrix + 1)]
        shift = int(rng.integers(LEAST_SHIFT, MOST_SHIFT + 1))
        for classes in (True, False):
            def classes_in(bench, rows=rows, classes=classes):
                bench.poke(CLASSES_AT, plane_classes(rows))
                bench.poke_word(bench.sym("wp_classes"), CLASSES_AT if classes else 0)
            got, _, _ = run_tables_and_rows(bench, "wp", MASKS_AT + 2048 * matrix, X_AT, 32, x, shift, tables=False,
                                            before_rows=classes_in)
            assert np.array_equal(got, intmath.matvec(rows, 0, x, post=shift)), (matrix, classes)


def test_a_later_build_leaves_the_masks_and_costs_the_word_forms(bench, words):
    rng = np.random.default_rng(31)
    w = mixed_rows(rng)
    first_build(bench, w, rng.integers(-50, 50, 32))
    for total in (0, 700, MOST_SUM, MOST_SUM + 1):
        x = rng.integers(-300, 300, 32)
        x = x * total // max(1, int(np.abs(x).sum()))
        if total > MOST_SUM:
            x[0] += 1 if x[0] >= 0 else -1
        assert build(bench, x) == build(words, x), total
        assert made_right(bench, w) and bool(bench.cpu.f & 1) == (int(np.abs(x).sum()) > MOST_SUM)


def test_the_interrupt_state_and_iy_come_back_built_or_declined(bench):
    """The first build does wp_interrupts_off's work in its place: the state it found comes back at wp_tables'
    end, declined (sum |x| > 4,095: the masks made all the same) or built."""
    rng = np.random.default_rng(32)
    w = mixed_rows(rng)
    for interrupts in (False, True):
        for x in (np.full(32, 5), np.full(32, -128)):
            bench.cpu.iy = 0x5C3A
            first_build(bench, w, x, interrupts=interrupts)
            assert bench.cpu.iff1 == int(interrupts) and bench.cpu.iy == 0x5C3A
            assert bool(bench.cpu.f & 1) == (int(np.abs(x).sum()) > MOST_SUM) and made_right(bench, w)


def expansion_t_states(bench) -> int:
    """The first build's T-states less a later one's on the same x: wp_expand_first's, the call and return in."""
    rng = np.random.default_rng(33)
    w, x = mixed_rows(rng), rng.integers(-100, 100, 32)
    first = first_build(bench, w, x)
    return first - build(bench, x)


def test_the_header_states_the_expansions_t_states_and_bytes(bench):
    text = " ".join(line.lstrip("; ") for line in (KERNELS_DIR / "z80" / "planes.s").read_text().splitlines()
                    if line.startswith(";")).split("WP_WORDS_FROM_SPLIT (thirtieth round", 1)[1]
    cost = expansion_t_states(bench)
    assert 80 * MASK_BYTES < cost < 110 * MASK_BYTES
    assert f"wp_expand_first {cost:,} T-states" in text
    size = bench.sym("wp_expand_end") - bench.sym("wp_expand_first")
    assert re.search(rf"\b{size} bytes\b", text)


def test_a_broken_expansion_fails(bench):
    """The down planes' choice (jr z as two nops: every plane from group 3 down), the masks' top bits (rla as
    add a,a) and the written-back call (its ld (nn),hl as nops: a later build expands the words again) each leave
    other masks than plane_words'."""
    rng = np.random.default_rng(34)
    w, x = mixed_rows(rng), rng.integers(-100, 100, 32)
    start = bench.sym("wp_expand_first")
    code = bench.peek(start, bench.sym("wp_expand_end") - start)
    tables_call = (bench.sym("wp_tables") + 1).to_bytes(2, "little")
    breaks = ((code.index(bytes([0x28])), bytes(2)),                 # jr z,@mask
              (code.index(bytes([0x79, 0x17])) + 1, bytes([0x87])),     # ld a,c / rla -> add a,a
              (code.index(bytes([0x22]) + tables_call), bytes(3)))  # ld (wp_tables + 1),hl
    try:
        first_build(bench, w, x)
        build(bench, x)
        assert made_right(bench, w)
        for at, patch in breaks:
            bench.poke(start + at, patch)
            first_build(bench, w, x)
            build(bench, x)
            assert not made_right(bench, w), at
            bench.poke(start, code)
    finally:
        bench.poke(start, code)
