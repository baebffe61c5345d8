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
from soulterm.zx.kernelbench import KernelTimeout, Z80Bench, player_kernel_options
from soulterm.zx.soul_layout import plane_bytes, plane_classes, plane_words
from soulterm.zx.weight_planes import (CLASSES_AT, LEAST_SHIFT, MOST_SHIFT, MOST_SUM, WORD_TABLES_SOURCE,
                                       mixed_plane_rows, plane_tables, run_tables_and_rows, word_table)

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
        w = mixed_plane_rows(rng, ROWS)
        x = rng.integers(-120, 120, 32)
        first_build(bench, w, x)
        assert not bench.cpu.f & 1 and made_right(bench, w), trial
        assert call_target(bench) == bench.sym("wp_interrupts_off")
        tables, _, _ = plane_tables(x)
        for group in range(4):
            assert word_table(bench, group) == tables[group], (trial, group)


def test_the_rows_on_the_made_words_are_bit_exact(bench):
    """Each of the six 32-row matrices on the made words, every class form, shifts across wp_rows' range."""
    rng = np.random.default_rng(3030)
    w = mixed_plane_rows(rng, ROWS)
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
    w = mixed_plane_rows(rng, ROWS)
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
    w = mixed_plane_rows(rng, ROWS)
    for interrupts in (False, True):
        for x in (np.full(32, 5), np.full(32, -128)):
            bench.cpu.iy = 0x5C3A
            first_build(bench, w, x, interrupts=interrupts)
            assert bench.cpu.iff1 == int(interrupts) and bench.cpu.iy == 0x5C3A
            assert bool(bench.cpu.f & 1) == (int(np.abs(x).sum()) > MOST_SUM) and made_right(bench, w)


def expansion_t_states(bench) -> int:
    """The first build's T-states less a later one's on the same x: wp_expand_first's, the call and return in."""
    rng = np.random.default_rng(33)
    w, x = mixed_plane_rows(rng, ROWS), rng.integers(-100, 100, 32)
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
    w, x = mixed_plane_rows(rng, ROWS), rng.integers(-100, 100, 32)
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


# WP_NARROW_WORDS (thirtieth round, zxnarrow30; the 128K player's): a narrow row (plane_classes 1) gets no plane 6
# words, the expansion walking the rows' classes (WP_SPLIT_CLASSES, a byte a row); planes_wide.s's wp_rows_wide reads
# such rows through planes.s's wp_wide_row_order and wp_wide_narrow_fix. The bench's rows are fixed (WP_NARROW_ROWS
# is the layout's constant): random rows of 6, 7 and 8 planes, about a third narrow-free matrices' worth of each.
SPLIT_CLASSES_AT = 0x9D00       # (a page of its own: the 192 classes)
NARROW_W = mixed_plane_rows(np.random.default_rng(3031), ROWS)
NARROW_CLASSES = plane_classes(NARROW_W)
NARROW_WORDS_END = MASKS_AT + 2 * MASK_BYTES - 8 * sum(NARROW_CLASSES)
WIDE_ROW_AT = 0x9C00            # (below wp_planes: a row without a class, fw_out_wide's)


@pytest.fixture(scope="module")
def narrow_bench():
    source = (f"WP_WORDS_FROM_SPLIT = 1\nWP_NARROW_WORDS = 1\nWP_SPLIT_BYTES = {MASK_BYTES}\n"
              f"WP_NARROW_ROWS = {sum(NARROW_CLASSES)}\nWP_SPLIT_CLASSES = ${SPLIT_CLASSES_AT:04X}\n"
              f"wp_planes = ${MASKS_AT:04X}\nwp_table_pages = ${TABLES_AT:04X}\n" + WORD_TABLES_SOURCE
              + '.include "planes_wide.s"\n')
    return Z80Bench(extra_source=source, options=player_kernel_options("128k"))


def narrow_first_build(bench, x, classes: bytes = NARROW_CLASSES) -> int:
    """first_build with the rows' classes at WP_SPLIT_CLASSES."""
    bench.poke(SPLIT_CLASSES_AT, classes)
    return first_build(bench, NARROW_W, x)


def narrow_made_right(bench) -> bool:
    words = plane_words(NARROW_W, bench.sym("WP_PAGE"), narrow=True)
    return (len(words) == NARROW_WORDS_END - MASKS_AT and bench.peek(MASKS_AT, len(words)) == words
            and bench.peek(MASKS_AT - len(GUARD), len(GUARD)) == GUARD
            and bench.peek(MASKS_AT + 2 * MASK_BYTES, len(GUARD)) == GUARD)


def matrix_words_at(matrix: int) -> int:
    """Where matrix `matrix`'s (32 rows) words start: 64 bytes a row, 56 a narrow one."""
    return MASKS_AT + 2048 * matrix - 8 * sum(NARROW_CLASSES[:32 * matrix])


def test_the_narrow_rows_first_build_leaves_out_their_plane_6_words(narrow_bench):
    assert 0 < sum(NARROW_CLASSES) < ROWS
    rng = np.random.default_rng(3032)
    for trial in range(2):
        x = rng.integers(-120, 120, 32)
        narrow_first_build(narrow_bench, x)
        assert not narrow_bench.cpu.f & 1 and narrow_made_right(narrow_bench), trial
        assert call_target(narrow_bench) == narrow_bench.sym("wp_interrupts_off")
        build(narrow_bench, x)
        assert narrow_made_right(narrow_bench)


def test_the_narrow_rows_words_are_bit_exact_in_wp_rows_and_wp_rows_wide(narrow_bench):
    """Each matrix on the made words: wp_rows with its classes at every kind of shift, and wp_rows_wide (the path of a
    declined xn, here on sum |x| past 4,095 and below it) against intmath.matvec."""
    rng = np.random.default_rng(3033)
    x = rng.integers(-100, 100, 32)
    narrow_first_build(narrow_bench, x)
    big = rng.integers(-2000, 2000, 32)

    def wide_too(matrix, rows, shift):
        for vector in (x, big):
            classes_in(narrow_bench, rows)
            assert np.array_equal(run_wide(narrow_bench, matrix_words_at(matrix), vector, shift, 32),
                                  intmath.matvec(rows, 0, vector, post=shift)), matrix
            assert narrow_bench.peek(narrow_bench.sym("wp_classes"), 2) == (CLASSES_AT + 32).to_bytes(2, "little")
    each_matrix_bit_exact(narrow_bench, rng, x, then=wide_too)


def classes_in(bench, rows) -> None:
    """The rows' classes (plane_classes) at CLASSES_AT, and wp_classes on them."""
    bench.poke(CLASSES_AT, plane_classes(rows))
    bench.poke_word(bench.sym("wp_classes"), CLASSES_AT)


def each_matrix_bit_exact(bench, rng, x, then=None) -> None:
    """Each matrix on the made words: wp_rows with its classes at a shift drawn from `rng`, against intmath.matvec;
    then `then(matrix, rows, shift)` for more checks of the same matrix."""
    for matrix in range(ROWS // 32):
        rows = NARROW_W[32 * matrix:32 * (matrix + 1)]
        shift = int(rng.integers(LEAST_SHIFT, MOST_SHIFT + 1))
        got, _, _ = run_tables_and_rows(bench, "wp", matrix_words_at(matrix), X_AT, 32, x, shift,
                                        before_rows=lambda bench, rows=rows: classes_in(bench, rows))
        # (wp_rows_wide's u lie on the tables' first page)
        assert np.array_equal(got, intmath.matvec(rows, 0, x, post=shift)), matrix
        if then is not None:
            then(matrix, rows, shift)


def run_wide(bench, w_at: int, x, shift: int, rows: int) -> np.ndarray:
    """wp_rows_wide on `rows` rows of words at `w_at`, x at X_AT, out after it; wp_w steps past the rows."""
    bench.write_words(X_AT, np.asarray(x, dtype=np.int64))
    for name, value in (("wp_x", X_AT), ("wp_w", w_at), ("wp_out", X_AT + 64)):
        bench.poke_word(bench.sym(name), value)
    bench.poke(bench.sym("wp_rows_count"), [rows])
    bench.poke(bench.sym("wp_shift"), [shift])
    bench.call("wp_rows_wide", max_t_states=50_000_000)
    return bench.read_words(X_AT + 64, rows)


def test_a_row_below_wp_planes_has_no_class_in_wp_rows_wide(narrow_bench):
    """fw_out_wide's row (out's, in fw_att below wp_planes) keeps its 8 planes' words whatever wp_classes holds."""
    rng = np.random.default_rng(3034)
    rows = mixed_plane_rows(rng, 4)
    rows[0] = rng.integers(-64, 64, 32)         # (a narrow one too)
    narrow_bench.poke(WIDE_ROW_AT, plane_words(rows, narrow_bench.sym("WP_PAGE")))
    narrow_bench.poke(CLASSES_AT, bytes([1] * 4))
    narrow_bench.poke_word(narrow_bench.sym("wp_classes"), CLASSES_AT)
    x = rng.integers(-3000, 3000, 32)
    assert np.array_equal(run_wide(narrow_bench, WIDE_ROW_AT, x, 9, 4), intmath.matvec(rows, 0, x, post=9))


def test_a_broken_narrow_walk_fails(narrow_bench):
    """The expansion's narrow test (bit 0,(ix+0)'s jr z as nops: every row's plane 6 left out), its class walk (dec ix
    as nops: one class for all) and wp_wide_narrow_fix's complement (cpl as a nop) each fail."""
    rng = np.random.default_rng(3035)
    x = rng.integers(-100, 100, 32)
    start = narrow_bench.sym("wp_expand_first")
    code = narrow_bench.peek(start, narrow_bench.sym("wp_expand_end") - start)
    try:
        for at, patch in ((code.index(bytes([0xDD, 0xCB, 0x00, 0x46])) + 4, bytes(2)),    # bit 0,(ix+0) / jr z
                          (code.index(bytes([0xDD, 0x2B])), bytes(2))):                 # dec ix
            narrow_bench.poke(start + at, patch)
            narrow_first_build(narrow_bench, x)
            assert not narrow_made_right(narrow_bench), at
            narrow_bench.poke(start, code)
    finally:
        narrow_bench.poke(start, code)
    narrow_first_build(narrow_bench, x)
    fix = narrow_bench.sym("wp_wide_narrow_fix")
    fix += narrow_bench.peek(fix, 32).index(bytes([0x2F, 0xE6, 0x80]))      # cpl / and $80
    narrow_bench.poke(fix, [0x00])
    try:
        rows = NARROW_W[:32]
        assert sum(plane_classes(rows)) > 0
        narrow_bench.poke(CLASSES_AT, plane_classes(rows))
        narrow_bench.poke_word(narrow_bench.sym("wp_classes"), CLASSES_AT)
        assert not np.array_equal(run_wide(narrow_bench, MASKS_AT, x, 7, 32), intmath.matvec(rows, 0, x, post=7))
    finally:
        narrow_bench.poke(fix, [0x2F])


def assert_header_states_the_expansion(bench, first_build, section: str, seed: int) -> None:
    """planes.s's header, from `section` on, gives wp_expand_first's T-states (`first_build`'s first table build
    less a later one's, on one x) and bytes as `bench` measures them."""
    text = " ".join(line.lstrip("; ") for line in (KERNELS_DIR / "z80" / "planes.s").read_text().splitlines()
                    if line.startswith(";")).split(section, 1)[1]
    x = np.random.default_rng(seed).integers(-100, 100, 32)
    cost = first_build(bench, x) - build(bench, x)
    assert f"wp_expand_first {cost:,} T-states" in text
    size = bench.sym("wp_expand_end") - bench.sym("wp_expand_first")
    assert re.search(rf"\b{size} bytes\b", text)


def test_the_header_states_the_narrow_expansions_t_states_and_bytes(narrow_bench):
    assert_header_states_the_expansion(narrow_bench, narrow_first_build, "WP_NARROW_WORDS (thirtieth round", 3036)


# WP_NARROW_SPLIT (thirty-first round, zxtape31; the 128K player's): the tape leaves a narrow row's plane 6 masks out
# too (soul_layout.plane_bytes(narrow=True)); the expansion counts a mask's place in its row (B') and makes the same
# words as WP_NARROW_WORDS's from the full masks.
PACKED_MASKS = plane_bytes(NARROW_W, narrow=True)


def make_packed_bench() -> Z80Bench:
    source = (f"WP_WORDS_FROM_SPLIT = 1\nWP_NARROW_WORDS = 1\nWP_NARROW_SPLIT = 1\nWP_SPLIT_BYTES = {MASK_BYTES}\n"
              f"WP_NARROW_ROWS = {sum(NARROW_CLASSES)}\nWP_SPLIT_CLASSES = ${SPLIT_CLASSES_AT:04X}\n"
              f"wp_planes = ${MASKS_AT:04X}\nwp_table_pages = ${TABLES_AT:04X}\n" + WORD_TABLES_SOURCE
              + '.include "planes_wide.s"\n')
    return Z80Bench(extra_source=source, options=player_kernel_options("128k"))


@pytest.fixture(scope="module")
def packed_bench():
    return make_packed_bench()


def packed_first_build(bench, x, masks: bytes = PACKED_MASKS, classes: bytes = NARROW_CLASSES,
                       interrupts: bool = False) -> int:
    """As the tape leaves bank 6 with WP_NARROW_SPLIT: the packed masks at wp_planes, garbage up to the words' end,
    the guards around, the classes at WP_SPLIT_CLASSES; then the first wp_tables on x. Its T-states."""
    bench.poke(SPLIT_CLASSES_AT, classes)
    bench.poke(MASKS_AT - len(GUARD), GUARD)
    bench.poke(MASKS_AT, masks)
    bench.poke(MASKS_AT + len(masks), bytes([0x5A]) * (2 * MASK_BYTES - len(masks)) + GUARD)
    bench.poke_word(bench.sym("wp_tables") + 1, bench.sym("wp_expand_first"))
    return build(bench, x, interrupts)


def test_the_packed_masks_leave_out_the_narrow_rows_plane_6_alone():
    full = plane_bytes(NARROW_W)
    kept = bytes(mask for at, mask in enumerate(full)
                 if not (NARROW_CLASSES[at // 32] and 4 <= at % 32 < 8))     # (plane 6: a row's bytes 4..7)
    assert PACKED_MASKS == kept and len(PACKED_MASKS) == MASK_BYTES - 4 * sum(NARROW_CLASSES)


def test_the_packed_first_build_makes_the_narrow_words(packed_bench, narrow_bench):
    """The same words as WP_NARROW_WORDS's from the full masks, the tables as the word form's, the call written back;
    a later build leaves the words."""
    rng = np.random.default_rng(3131)
    for trial in range(2):
        x = rng.integers(-120, 120, 32)
        packed_first_build(packed_bench, x)
        assert not packed_bench.cpu.f & 1 and narrow_made_right(packed_bench), trial
        assert call_target(packed_bench) == packed_bench.sym("wp_interrupts_off")
        tables, _, _ = plane_tables(x)
        for group in range(4):
            assert word_table(packed_bench, group) == tables[group], (trial, group)
        build(packed_bench, x)
        assert narrow_made_right(packed_bench)


def test_the_packed_forms_rows_are_bit_exact(packed_bench):
    """Each matrix on the words made from the packed masks, wp_rows with its classes, against intmath.matvec."""
    rng = np.random.default_rng(3132)
    x = rng.integers(-100, 100, 32)
    packed_first_build(packed_bench, x)
    each_matrix_bit_exact(packed_bench, rng, x)


def test_the_packed_expansion_keeps_the_interrupt_state_and_iy(packed_bench):
    rng = np.random.default_rng(3133)
    for interrupts in (False, True):
        for x in (rng.integers(-20, 20, 32), np.full(32, -128)):
            packed_bench.cpu.iy = 0x5C3A
            packed_first_build(packed_bench, x, interrupts=interrupts)     # (its guards too: the test alone)
            assert packed_bench.cpu.iff1 == int(interrupts) and packed_bench.cpu.iy == 0x5C3A
            assert bool(packed_bench.cpu.f & 1) == (int(np.abs(x).sum()) > MOST_SUM) and narrow_made_right(packed_bench)


def test_a_broken_packed_walk_fails():
    """The narrow test (bit 0,(ix+0)'s jr nz as nops: no row skips plane 6), the row's plane count (ld b,8 as ld b,7)
    and the down planes' choice (and 5 as and 7) each leave other words, or run on past the masks' start (a
    timeout: each on a bench of its own, which a runaway walk's pushes may have written over)."""
    rng = np.random.default_rng(3134)
    x = rng.integers(-100, 100, 32)
    bench = make_packed_bench()
    packed_first_build(bench, x)
    assert narrow_made_right(bench)
    start = bench.sym("wp_expand_first")
    code = bench.peek(start, bench.sym("wp_expand_end") - start)
    breaks = ((code.index(bytes([0xDD, 0xCB, 0x00, 0x46])) + 4, bytes(2)),     # bit 0,(ix+0) / jr nz,@plane
              (code.index(bytes([0x06, 0x08])) + 1, bytes([7])),                # ld b,8
              (code.index(bytes([0xE6, 0x05])) + 1, bytes([7])))                # and 5
    for at, patch in breaks:
        bench = make_packed_bench()
        bench.poke(start + at, patch)
        try:
            packed_first_build(bench, x)
        except KernelTimeout:
            continue
        assert not narrow_made_right(bench), at


def test_the_header_states_the_packed_expansions_t_states_and_bytes(packed_bench):
    assert_header_states_the_expansion(packed_bench, packed_first_build, "WP_NARROW_SPLIT (thirty-first round", 3136)
