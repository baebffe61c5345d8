"""planes.s with WP_WORD_TABLES (twenty-ninth round, zxqkv128; in neither player): wp_tables' four tables as word
entries pushed down their pages by wordfill.s's macros (fc1planes.s's fill), the rows' masks as their entries'
addresses (soul_layout.plane_words, 64 bytes a row), each lookup a `pop hl`. Its tables hold the words
weight_planes.plane_tables models; its calls are bit-exact against intmath.matvec (random matrices and vectors,
rows of 6, 7 and 8 planes with and without their classes, the extremes, every shift it takes, "hello"'s real q,
k and v on one build a layer), it declines what the split form declines, gives the interrupt state and IY back,
and is cheaper than the split form (the build by >16,000 T-states, a row by >80); a kernel with one step of the
fill, one doubling or the narrow rows' skip broken fails."""

from __future__ import annotations

import re

import numpy as np
import pytest

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER, KERNELS_DIR
from soulterm.soul import intmath
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx.kernelbench import Z80Bench, player_kernel_options
from soulterm.zx.soul_layout import PLANE_ROW_BYTES, plane_bytes, plane_classes, plane_words
from soulterm.zx.weight_planes import (LEAST_SHIFT, MOST_SHIFT, MOST_SUM, PLANES_SOURCE, WORD_TABLES_SOURCE,
                                       mixed_plane_rows, plane_tables, planes_fit, qkv_matrices, run_planes,
                                       turn_inputs, vector_with_sum, word_tables_built)

X_AT = 0x9F00


@pytest.fixture(scope="module")
def words():
    return Z80Bench(extra_source=WORD_TABLES_SOURCE, options=player_kernel_options("128k"))


@pytest.fixture(scope="module")
def split():
    return Z80Bench(extra_source=PLANES_SOURCE, options=player_kernel_options("128k"))




def same(bench, w, x, shift: int, classes: bool = True) -> bool:
    got, _, _ = run_planes(bench, w, x, shift, classes=classes)
    return got is not None and np.array_equal(got, intmath.matvec(np.asarray(w), 0, np.asarray(x), post=shift))


def test_the_layout_holds_each_mask_as_its_entry_address():
    """plane_words: plane_bytes' masks in their order, each (2 m mod 256, page + 2 g + m >> 7)."""
    rng = np.random.default_rng(29)
    w = rng.integers(-128, 128, (3, 32))
    data, masks = plane_words(w, 0xC0), plane_bytes(w)
    assert len(data) == 2 * len(masks) == 3 * 2 * PLANE_ROW_BYTES
    for at, mask in enumerate(masks):
        low, page = data[2 * at], data[2 * at + 1]
        assert low == 2 * mask & 255 and (page - 0xC0) >> 1 in range(4) and (page & 1) == mask >> 7


def test_the_tables_hold_plane_tables_words(words):
    """Group g's entry m is the word at 2 m from page WP_PAGE + 2 g: plane_tables' E_g[m]."""
    rng = np.random.default_rng(2929)
    for total in (0, 1, 700, MOST_SUM):
        x = vector_with_sum(rng, total, -600, 600)
        carry, built = word_tables_built(words, x, X_AT)
        assert not carry
        tables, _, _ = plane_tables(x)
        for group in range(4):
            assert built[group] == tables[group], (total, group)


def test_random_and_mixed_calls_are_bit_exact(words):
    rng = np.random.default_rng(2916)
    for trial in range(50):
        rows = int(rng.integers(1, 48))
        w = mixed_plane_rows(rng, rows) if trial % 2 else rng.integers(-128, 128, (rows, 32))
        x = vector_with_sum(rng, int(rng.integers(1, MOST_SUM + 1)))
        shift = int(rng.integers(LEAST_SHIFT, MOST_SHIFT + 1))
        assert same(words, w, x, shift), trial
        assert same(words, w, x, shift, classes=False), trial


@pytest.mark.parametrize("shift", [LEAST_SHIFT, 5, 7, 11, MOST_SHIFT])
def test_the_extremes_are_bit_exact(words, shift):
    w = np.array([np.full(32, -128), np.full(32, 127), np.tile([-128, 127], 16), np.zeros(32, int),
                  np.arange(32) * 8 - 128, np.full(32, -64), np.full(32, 63)])
    lone = np.zeros(32, int)
    lone[31] = -MOST_SUM
    for x in (np.full(32, -127), np.full(32, 127), np.tile([-128, 127], 16), np.zeros(32, int), lone, -lone,
              np.r_[np.full(31, -128), [-127]]):
        assert planes_fit(x, shift)
        assert same(words, w, x, shift)


def test_calls_it_cannot_take_are_declined_and_the_state_given_back(words):
    """sum |x| over 4095, a wide x, -32768, a group whose sum wraps 16 bits: carry set, no rows; interrupts
    and IY as they were, built or declined."""
    w = np.ones((4, 32), int)
    for x in (np.full(32, -128), np.r_[[5000], np.zeros(31, int)], np.r_[[-32768], np.zeros(31, int)],
              np.r_[np.full(8, 8192), np.zeros(24, int)], np.r_[np.zeros(8, int), np.full(8, -8192), np.zeros(16, int)]):
        assert not planes_fit(x, LEAST_SHIFT)
        got, table_t, rows_t = run_planes(words, w, x, LEAST_SHIFT)
        assert got is None and rows_t == 0 and table_t > 0
    for interrupts in (False, True):
        for x in (np.full(32, 5), np.full(32, -128)):
            words.write_words(X_AT, x)
            words.poke_word(words.sym("wp_x"), X_AT)
            words.cpu.iy = 0x5C3A
            words.call("wp_tables", interrupts=interrupts)
            assert words.cpu.iff1 == int(interrupts) and words.cpu.iy == 0x5C3A


def test_hello_activations_through_one_build_a_layer(words):
    """Layer 0's and layer 1's q, k and v at every position of "hello"'s turn: one wp_tables a layer, three
    wp_rows on it, each equal to the engine's."""
    engine = Engine(load_soul(DEFAULT_SOUL))
    context = Tokenizer.load(DEFAULT_TOKENIZER).encode_turn("hello")
    calls = 0
    for position, name, x in turn_inputs(engine, context):
        if not name.endswith(".qkv"):
            continue
        layer = int(name[1])
        want = engine.layers[layer].qkv_of(x)
        words.write_words(X_AT, x)
        words.poke_word(words.sym("wp_x"), X_AT)
        words.call("wp_tables")
        assert not words.cpu.f & 1, (position, name)
        for index, (w, shift) in enumerate(qkv_matrices(engine, layer)):
            got, _, _ = run_planes(words, w, x, shift, tables=False)
            assert np.array_equal(got, want[index]), (position, name, index)
            calls += 1
    assert calls >= 3 * 2 * 8


def test_it_is_cheaper_than_the_split_tables(words, split):
    """On one x (sum |x| 1,660) and 32 rows: the build 14,000 to 15,000 T-states cheaper (55,228 -> 40,422 measured;
    17,000 to 18,000, ~58,200 -> ~40,600, before zx48fill37's popped x and short entry 0 in the split tables' build),
    a row 75 to 100 cheaper at shift 4 and at shift 7, wide or narrow (80 to 100 before zx48rows37's R start as an
    immediate of the split tables' first low lookup, 4 a row)."""
    rng = np.random.default_rng(16)
    x = vector_with_sum(rng, 1660)
    for w in (rng.integers(-128, 128, (32, 32)), rng.integers(-64, 64, (32, 32))):
        for shift in (LEAST_SHIFT, 7):
            (_, split_tables, split_rows), (_, word_tables, word_rows) = (run_planes(b, w, x, shift) for b in (split, words))
            assert 14_000 < split_tables - word_tables < 15_000
            assert 75 * 32 < split_rows - word_rows < 100 * 32, (shift, split_rows - word_rows)


def test_a_broken_kernel_fails(words):
    """One step of the fill's immediates (word_fill_steps' store of d2 into wp_step_d2a as nops), the top
    planes' first doubling (add ix,ix as two nops) and the narrow rows' skip of plane 6 (ld hl,8 as ld hl,6)
    each make a call differ from intmath: the tests above can fail."""
    rng = np.random.default_rng(7)
    w, x = mixed_plane_rows(rng, 16), vector_with_sum(rng, 2000)
    assert 0 < sum(plane_classes(w)) < 16
    start = words.sym("wp_tables")
    code = words.peek(start, words.sym("wp_code_end") - start)
    d2a = (words.sym("wp_step_d2a") + 1).to_bytes(2, "little")
    try:
        for loop, shift in (("wp_row", 5), ("wp_row_4", LEAST_SHIFT)):    # (each loop's own doubling and skip)
            row = words.sym(loop) - start
            breaks = ((code.index(bytes([0x22]) + d2a), bytes(3)),
                      (code.index(bytes([0xDD, 0x29]), row), bytes(2)),
                      (code.index(bytes([0x21, 8, 0, 0x39, 0xF9]), row) + 1, bytes([6])))
            assert same(words, w, x, shift)
            for at, patch in breaks:
                words.poke(start + at, patch)
                assert not same(words, w, x, shift), (loop, at)
                words.poke(start, code)
            assert same(words, w, x, shift)
    finally:
        words.poke(start, code)


def test_the_header_states_what_the_kernel_takes(words):
    """planes.s's WP_WORD_TABLES paragraph: wp_tables, wp_rows for 32, 96 and 128 rows at shift 4 and 32 at
    shift 7 (test_kernels_z80_matvec_planes.py's x and rows), and the bench's bytes."""
    text = " ".join(line.lstrip("; ") for line in (KERNELS_DIR / "z80" / "planes.s").read_text().splitlines()
                    if line.startswith(";")).split("WP_WORD_TABLES (twenty-ninth round", 1)[1]
    rng = np.random.default_rng(16)
    x = vector_with_sum(rng, 1660, -128, 128)
    _, table_t, _ = run_planes(words, rng.integers(-128, 128, (1, 32)), x, LEAST_SHIFT)
    assert f"wp_tables {table_t:,};" in text
    for rows, shift in ((32, 4), (96, 4), (128, 4), (32, 7)):
        _, _, rows_t = run_planes(words, rng.integers(-128, 128, (rows, 32)), x, shift, tables=False)
        assert f"{rows} rows {rows_t:,}" in text if shift == 4 else f"at shift 7 {rows_t:,}" in text, (rows, shift)
    code = words.sym("wp_code_end") - words.sym("wp_x")
    assert re.search(rf"{code:,} bytes in the bench \(wp_tables {words.sym('wp_rows') - words.sym('wp_tables')}, "
                     rf"wp_rows {words.sym('wp_code_end') - words.sym('wp_rows')};", text)
