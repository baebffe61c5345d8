"""planes.s's WP_NEXT_ROW_WORDS (thirty-third round, zxnext33; the 128K player's, with WP_NARROW_SPLIT, WP_NARROW_RUNS
and the round's WP_LOW_START_IN_TABLE): each row's word masks follow the address of its own code (wp_row_4 or
wp_row_4_narrow in a matrix at shift 4, else wp_row or wp_row_narrow, by the row's class) and a matrix's last row
wp_rows_end's, so that a row ends `exx / pop hl / jp (hl)`; wp_expand_first makes the entries with the words, a
matrix's pair from WP_SHIFT_4_MATRICES. On the kernels' bench (192 random rows of 6, 7 and 8 planes, about a third
of them narrow, as test_kernels_z80_word_masks.py's, for two choices of the shift-4 matrices): the first build leaves
exactly soul_layout.plane_words(entries=...) there, nothing around it changes; wp_rows on each matrix is bit-exact
against intmath.matvec (at shift 4 where the matrix's words say so, at every other shift where not), and so is
planes_wide.s's wp_rows_wide over the entries; every row costs 22 T-states fewer than without the flag (32 where a
narrow row follows a wide one at shift 4, or a wide one a narrow one); the interrupt state and IY come back; the header
states the expansion's T-states and bytes; a kernel with the entries' class test or the matrices' loop bits broken
fails."""

from __future__ import annotations

import re

import numpy as np
import pytest

from soulterm.paths import KERNELS_DIR
from soulterm.soul import intmath
from soulterm.zx.kernelbench import Z80Bench, player_kernel_options
from soulterm.zx.soul_layout import plane_bytes, plane_classes, plane_words
from soulterm.zx.weight_planes import (LEAST_SHIFT, MOST_SHIFT, MOST_SUM, WORD_TABLES_SOURCE, mixed_plane_rows,
                                       run_tables_and_rows)

MASKS_AT = 0xA000       # wp_planes on the bench (32-byte aligned, as planes_bank's)
ROWS = 192              # the 128K's six 32-row matrices
MATRICES = ROWS // 32
MASK_BYTES = ROWS * 32  # WP_SPLIT_BYTES
X_AT = 0x9F00
CLASSES_AT = 0x9E00     # wp_classes for wp_rows_wide
SPLIT_CLASSES_AT = 0x9D00
TABLES_AT = 0xD800      # wp_table_pages (an even page)
GUARD = bytes(range(1, 33))
W = mixed_plane_rows(np.random.default_rng(3331), ROWS)
CLASSES = plane_classes(W)
PACKED = plane_bytes(W, narrow=True)
SHIPPED_LOOPS = 0b001011    # (the shipped soul's: l0.q, l0.k and l1.q at shift 4)
OTHER_LOOPS = 0b110100
FORMS = ("WP_WORDS_FROM_SPLIT", "WP_NARROW_WORDS", "WP_NARROW_SPLIT", "WP_NARROW_RUNS", "WP_FILL_PAIRS", "WP_CHAIN_A",
         "WP_SUMS_UNROLLED", "WP_LOW_START_IN_TABLE")


def make_bench(loops: int | None) -> Z80Bench:
    """The 128K's planes.s forms, with WP_NEXT_ROW_WORDS and `loops` as WP_SHIFT_4_MATRICES (None: without it)."""
    flags = FORMS + ("WP_NEXT_ROW_WORDS",) * (loops is not None)
    source = ("".join(f"{flag} = 1\n" for flag in flags) + f"WP_SHIFT_4_MATRICES = {loops or 0}\n"
              f"WP_SPLIT_BYTES = {MASK_BYTES}\nWP_NARROW_ROWS = {sum(CLASSES)}\n"
              f"WP_SPLIT_CLASSES = ${SPLIT_CLASSES_AT:04X}\nwp_planes = ${MASKS_AT:04X}\n"
              f"wp_table_pages = ${TABLES_AT:04X}\n" + WORD_TABLES_SOURCE + '.include "planes_wide.s"\n')
    return Z80Bench(extra_source=source, options=player_kernel_options("128k"))


@pytest.fixture(scope="module")
def shipped():
    return make_bench(SHIPPED_LOOPS)


@pytest.fixture(scope="module")
def other():
    return make_bench(OTHER_LOOPS)


@pytest.fixture(scope="module")
def without():
    return make_bench(None)


def entries(bench, matrix: int, loops: int) -> tuple[int, int, int]:
    at_4 = loops >> matrix & 1
    return (bench.sym("wp_row_4" if at_4 else "wp_row"), bench.sym("wp_row_4_narrow" if at_4 else "wp_row_narrow"),
            bench.sym("wp_rows_end"))


def expected_words(bench, loops: int | None) -> bytes:
    page = bench.sym("WP_PAGE")
    if loops is None:
        return plane_words(W, page, narrow=True)
    return b"".join(plane_words(W[32 * m:32 * (m + 1)], page, narrow=True, entries=entries(bench, m, loops))
                    for m in range(MATRICES))


def matrix_at(matrix: int, loops: int | None) -> int:
    """Where matrix `matrix`'s words start: 64 bytes a row, 56 a narrow one, and its 33 entries' 66 with the flag."""
    return MASKS_AT + sum(64 * 32 - 8 * sum(CLASSES[32 * m:32 * (m + 1)]) + 66 * (loops is not None)
                          for m in range(matrix))


def build(bench, x, interrupts: bool = False) -> int:
    bench.write_words(X_AT, np.asarray(x, dtype=np.int64))
    bench.poke_word(bench.sym("wp_x"), X_AT)
    return bench.call("wp_tables", interrupts=interrupts)


def first_build(bench, x, interrupts: bool = False) -> int:
    """As the tape leaves bank 6: the packed masks at wp_planes, garbage up to the words' end, the guards around,
    the classes at WP_SPLIT_CLASSES, wp_tables' call to wp_expand_first; then the first wp_tables on x."""
    bench.poke(SPLIT_CLASSES_AT, CLASSES)
    bench.poke(MASKS_AT - len(GUARD), GUARD)
    bench.poke(MASKS_AT, PACKED)
    room = 2 * MASK_BYTES + 2 * (ROWS + MATRICES)
    bench.poke(MASKS_AT + len(PACKED), bytes([0x5A]) * (room - len(PACKED)) + GUARD)
    bench.poke_word(bench.sym("wp_tables") + 1, bench.sym("wp_expand_first"))
    return build(bench, x, interrupts)


def made_right(bench, loops: int | None) -> bool:
    words = expected_words(bench, loops)
    room = 2 * MASK_BYTES + 2 * (ROWS + MATRICES) * (loops is not None)
    return (bench.peek(MASKS_AT, len(words)) == words and bench.peek(MASKS_AT - len(GUARD), len(GUARD)) == GUARD
            and bench.peek(MASKS_AT + room, len(GUARD)) == GUARD)


def rows_call(bench, matrix: int, loops: int | None, x, shift: int):
    """wp_rows on matrix `matrix` (tables already built on x); (out, T-states)."""
    rows = W[32 * matrix:32 * (matrix + 1)]

    def classes_in(bench):
        bench.poke(CLASSES_AT, plane_classes(rows))
        bench.poke_word(bench.sym("wp_classes"), CLASSES_AT)
    got, _, t_states = run_tables_and_rows(bench, "wp", matrix_at(matrix, loops), X_AT, 32, x, shift,
                                           tables=False, before_rows=classes_in)
    return got, t_states


def run_wide(bench, matrix: int, loops: int | None, x, shift: int) -> np.ndarray:
    bench.write_words(X_AT, np.asarray(x, dtype=np.int64))
    bench.poke(CLASSES_AT, plane_classes(W[32 * matrix:32 * (matrix + 1)]))
    for name, value in (("wp_x", X_AT), ("wp_w", matrix_at(matrix, loops)), ("wp_out", X_AT + 64),
                        ("wp_classes", CLASSES_AT)):
        bench.poke_word(bench.sym(name), value)
    bench.poke(bench.sym("wp_rows_count"), [32])
    bench.poke(bench.sym("wp_shift"), [shift])
    bench.call("wp_rows_wide", max_t_states=50_000_000)
    return bench.read_words(X_AT + 64, 32)


def shifts_for(rng, matrix: int, loops: int) -> list[int]:
    if loops >> matrix & 1:
        return [LEAST_SHIFT]
    return [int(rng.integers(LEAST_SHIFT + 1, MOST_SHIFT + 1)), LEAST_SHIFT + 1, MOST_SHIFT]


@pytest.mark.parametrize("loops", [SHIPPED_LOOPS, OTHER_LOOPS])
def test_the_first_build_makes_the_words_with_their_entries(loops, shipped, other):
    bench = shipped if loops == SHIPPED_LOOPS else other
    assert 0 < sum(CLASSES) < ROWS
    rng = np.random.default_rng(3332 + loops)
    for trial in range(2):
        x = rng.integers(-120, 120, 32)
        first_build(bench, x)
        assert not bench.cpu.f & 1 and made_right(bench, loops), trial
        assert int.from_bytes(bench.peek(bench.sym("wp_tables") + 1, 2), "little") == bench.sym("wp_interrupts_off")
        build(bench, x)
        assert made_right(bench, loops)


@pytest.mark.parametrize("loops", [SHIPPED_LOOPS, OTHER_LOOPS])
def test_every_matrix_is_bit_exact_in_wp_rows_and_wp_rows_wide(loops, shipped, other):
    """Each matrix at its loop's shifts (4 where its words lead to wp_row_4's loops; else 5, 19 and one between), every
    class of row; wp_rows_wide on the same words, on sum |x| below 4,095 and past it."""
    bench = shipped if loops == SHIPPED_LOOPS else other
    rng = np.random.default_rng(3340 + loops)
    for vector_trial in range(2):
        x = rng.integers(-100, 100, 32) if vector_trial == 0 else np.tile([-128, 127], 16)
        first_build(bench, x)
        for matrix in range(MATRICES):
            rows = W[32 * matrix:32 * (matrix + 1)]
            for shift in shifts_for(rng, matrix, loops):
                got, _ = rows_call(bench, matrix, loops, x, shift)
                assert np.array_equal(got, intmath.matvec(rows, 0, x, post=shift)), (matrix, shift)
    big = rng.integers(-2000, 2000, 32)
    for matrix in range(MATRICES):
        rows = W[32 * matrix:32 * (matrix + 1)]
        for vector in (x, big):
            assert np.array_equal(run_wide(bench, matrix, loops, vector, 9),
                                  intmath.matvec(rows, 0, vector, post=9)), matrix


def row_saving(classes: bytes, at_4: bool) -> int:
    """T-states a call saves by the entries beyond its fixed part: 22 a row (40 -> 18) after the first; 10 more where
    wp_row_4's loops change (a `jp` to the other loop's copy), and where its first row is narrow."""
    changes = sum(a != b for a, b in zip(classes, classes[1:])) + classes[0] if at_4 else 0
    return 22 * (len(classes) - 1) + 10 * changes


def test_each_row_costs_22_fewer_and_wp_rows_set_up_what_the_header_states(shipped, without):
    rng = np.random.default_rng(3350)
    x = rng.integers(-100, 100, 32)
    first_build(shipped, x)
    first_build(without, x)
    fixed = set()
    for matrix in range(MATRICES):
        for shift in shifts_for(rng, matrix, SHIPPED_LOOPS)[:1]:
            new, t_new = rows_call(shipped, matrix, SHIPPED_LOOPS, x, shift)
            old, t_old = rows_call(without, matrix, None, x, shift)
            assert np.array_equal(new, old)
            classes = plane_classes(W[32 * matrix:32 * (matrix + 1)])
            fixed.add((shift == LEAST_SHIFT, t_old - t_new - row_saving(classes, shift == LEAST_SHIFT)))
    text = header_text()
    by_loop = dict(fixed)
    assert len(by_loop) == len(fixed) == 2, fixed       # (one fixed saving a call for each loop)
    assert f"a call {by_loop[True]} fewer at shift 4 and {by_loop[False]} at another" in text


def header_text() -> str:
    return " ".join(line.lstrip("; ") for line in (KERNELS_DIR / "z80" / "planes.s").read_text().splitlines()
                    if line.startswith(";")).split("WP_NEXT_ROW_WORDS (thirty-third round", 1)[1]


def test_the_header_states_the_expansions_t_states_and_bytes(shipped):
    x = np.random.default_rng(3360).integers(-100, 100, 32)
    cost = first_build(shipped, x) - build(shipped, x)
    text = header_text()
    assert f"wp_expand_first {cost:,} T-states" in text
    size = shipped.sym("wp_expand_end") - shipped.sym("wp_expand_first")
    assert re.search(rf"\b{size} bytes\b", text)


def test_the_interrupt_state_and_iy_come_back(shipped):
    rng = np.random.default_rng(3370)
    for interrupts in (False, True):
        for x in (rng.integers(-20, 20, 32), np.full(32, -128)):
            shipped.cpu.iy = 0x5C3A
            first_build(shipped, x, interrupts=interrupts)
            assert shipped.cpu.iff1 == int(interrupts) and shipped.cpu.iy == 0x5C3A
            assert bool(shipped.cpu.f & 1) == (int(np.abs(x).sum()) > MOST_SUM) and made_right(shipped, SHIPPED_LOOPS)


def test_a_broken_entry_choice_fails():
    """The entries' class test (bit 0,(ix+0)'s jr z as nops: every row's entry the narrow one) and the matrices' loop
    bits (sla (hl) as two nops: every matrix's pair the first's) each leave other words."""
    x = np.random.default_rng(3380).integers(-100, 100, 32)
    bench = make_bench(SHIPPED_LOOPS)
    start = bench.sym("wp_expand_first")
    code = bench.peek(start, bench.sym("wp_expand_end") - start)
    class_test = code.index(bytes([0xD9, 0xDD, 0xCB, 0x00, 0x46])) + 5       # exx / bit 0,(ix+0) / jr z
    for at, patch in ((class_test, bytes(2)), (code.index(bytes([0xCB, 0x26])), bytes(2))):
        bench.poke(start + at, patch)
        first_build(bench, x)
        assert not made_right(bench, SHIPPED_LOOPS), at
        bench.poke(start, code)
    first_build(bench, x)
    assert made_right(bench, SHIPPED_LOOPS)
