"""planes.s's matvec by bit planes of the weights (wp_tables, wp_rows; in neither player): bit-exact
against intmath.matvec and weight_planes' model for random matrices and vectors (the extremes
w = -128 / 127, x at the ends of what the tables take, all zeros, every shift it takes), for
"hello"'s real activations (layer 0's and layer 1's q, k and v on one build of the tables, at
every position of the turn), rows whose weights need 6, 7 or 8 planes with and without their classes
(a narrow row skips plane 6, twenty-sixth round), declining the calls it cannot take (sum |x| > 4095), the interrupt
state given back; a kernel with one instruction broken fails; and the header's T-states are what
the kernel takes."""

from __future__ import annotations

import re

import numpy as np
import pytest

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER, KERNELS_DIR
from soulterm.soul import intmath
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx import weight_planes
from soulterm.zx.kernelbench import Z80Bench, player_kernel_options
from soulterm.zx.soul_layout import plane_classes
from soulterm.zx.weight_planes import (LEAST_SHIFT, MOST_SHIFT, MOST_SUM, PLANES_SOURCE, mixed_plane_rows, planes_fit,
                                       planes_matvec, qkv_matrices, run_planes, turn_inputs)


@pytest.fixture(scope="module")
def bench():
    return Z80Bench(extra_source=PLANES_SOURCE, options=player_kernel_options("128k"))


def vector_with_sum(rng, total: int, low: int = -128, high: int = 128) -> np.ndarray:
    """weight_planes.vector_with_sum with this file's bounds (-128..127) unless told."""
    return weight_planes.vector_with_sum(rng, total, low, high)


def check(bench, w, x, shift: int, classes: bool = True) -> int:
    """One call through the kernel, against intmath and the model; returns its rows' T-states."""
    want = intmath.matvec(np.asarray(w), 0, np.asarray(x), post=shift)
    assert np.array_equal(planes_matvec(w, x, shift, classes), want)
    got, _, rows_t = run_planes(bench, w, x, shift, classes=classes)
    assert got is not None, "wp_tables declined a call it takes"
    assert np.array_equal(got, want), (shift, np.flatnonzero(got != want)[:8])
    return rows_t


def test_random_calls_are_bit_exact(bench):
    rng = np.random.default_rng(2516)
    for trial in range(40):
        rows = int(rng.integers(1, 48))
        w = rng.integers(-128, 128, (rows, 32))
        x = vector_with_sum(rng, int(rng.integers(1, MOST_SUM + 1)), -300, 300)
        check(bench, w, x, int(rng.integers(LEAST_SHIFT, MOST_SHIFT + 1)))


def test_rows_of_6_7_and_8_planes_are_bit_exact_with_and_without_classes(bench):
    """Twenty-sixth round (zxplanes128b): a row whose weights all lie in -64..63 (plane_classes' 1: the
    6- and 7-plane rows) reads plane 7 and skips plane 6 (P'_6 = S - P'_7); the others and any row
    without wp_classes run all 8 planes. Both bit-exact at every shift; a narrow row 158 T-states
    faster than without its class, a wide one as fast."""
    rng = np.random.default_rng(2626)
    for trial in range(30):
        rows = int(rng.integers(1, 48))
        w = mixed_plane_rows(rng, rows)
        x = vector_with_sum(rng, int(rng.integers(1, MOST_SUM + 1)), -300, 300)
        shift = int(rng.integers(LEAST_SHIFT, MOST_SHIFT + 1))
        narrow = sum(plane_classes(w))
        with_classes, without = check(bench, w, x, shift), check(bench, w, x, shift, classes=False)
        assert without - with_classes == 158 * narrow + 9, (rows, narrow, without - with_classes)   # (9: the set-up)
    assert list(plane_classes([[-64] * 32, [63] * 32, [-65] + [0] * 31, [0] * 31 + [64], [-32, 31] * 16])) == [1, 1, 0, 0, 1]


def test_rows_without_classes_are_bit_exact_and_22_t_states_a_row_faster(bench):
    """Twenty-eighth round (zxplanes28): WP_NO_CLASSES (the 48K's, which has no room for the class lists)
    leaves out the class read a row, the narrow path and the shift-4 loop: every row by its 8 planes in
    wp_row's loop, bit-exact at every shift, at shifts above 4 22 T-states a row and 147 a call faster than
    a call without wp_classes; wp_classes, the narrow path, the shift-4 loop and their patches gone. With
    its `jp nz,wp_row` as `jp z` (one row, then out) a call of 8 rows differs."""
    unclassed = Z80Bench(extra_source=PLANES_SOURCE, options=player_kernel_options("128k") + "\nWP_NO_CLASSES = 1")
    assert not {"wp_classes", "wp_row_sum", "wp_row_4", "wp_row_4_sum"} & set(unclassed.symbols)
    rng = np.random.default_rng(2828)
    for trial in range(20):
        rows = int(rng.integers(1, 48))
        w = mixed_plane_rows(rng, rows)
        x = vector_with_sum(rng, int(rng.integers(1, MOST_SUM + 1)), -300, 300)
        shift = int(rng.integers(LEAST_SHIFT, MOST_SHIFT + 1))
        without, lean = check(bench, w, x, shift, classes=False), check(unclassed, w, x, shift)
        assert shift == LEAST_SHIFT or without - lean == 22 * rows + 147, rows
    w, x = mixed_plane_rows(rng, 8), vector_with_sum(rng, 2000)
    want = intmath.matvec(w, 0, x, post=LEAST_SHIFT)
    loop = unclassed.sym("wp_chain_end")
    code = unclassed.peek(loop, 64)
    bench_jump = loop + code.index(bytes([0xC2]) + unclassed.sym("wp_row").to_bytes(2, "little"))
    try:
        unclassed.poke(bench_jump, bytes([0xCA]))
        assert not np.array_equal(run_planes(unclassed, w, x, LEAST_SHIFT)[0], want)
    finally:
        unclassed.poke(bench_jump, bytes([0xC2]))
    assert np.array_equal(run_planes(unclassed, w, x, LEAST_SHIFT)[0], want)


def test_a_call_at_shift_4_runs_the_loop_without_the_chain(bench):
    """Twenty-eighth round (zxplanes28): at shift 4 wp_rows runs wp_row_4's loop, whose row ends by
    add ix,de and stores IX (no ex de,hl, ld c,ixl, ld b,ixh, add hl,bc nor the chain's jp): a call's rows
    42 T-states a row (26, and the chain's one step of 16) and 73 a call faster than at shift 5, with
    and without classes, bit-exact both."""
    rng = np.random.default_rng(284)
    for rows in (1, 7, 32):
        w, x = mixed_plane_rows(rng, rows), vector_with_sum(rng, 1500)
        for classes in (True, False):
            at_5, at_4 = check(bench, w, x, 5, classes), check(bench, w, x, LEAST_SHIFT, classes)
            assert at_5 - at_4 == 42 * rows + 73, (rows, classes)


@pytest.mark.parametrize("shift", [LEAST_SHIFT, 5, 7, 11, MOST_SHIFT])
def test_the_extremes_are_bit_exact(bench, shift):
    """w all -128 or all 127 or alternating, x at the sum's end (4095) with one sign or both, a lone
    wide column (|x| = 4095), all-zero x and all-zero w."""
    rows = [np.full(32, -128), np.full(32, 127), np.tile([-128, 127], 16), np.zeros(32, int),
            np.arange(32) * 8 - 128]
    w = np.array(rows)
    lone = np.zeros(32, int)
    lone[31] = -MOST_SUM
    for x in (np.full(32, -127), np.full(32, 127), np.tile([-128, 127], 16), np.zeros(32, int), lone, -lone,
              np.r_[np.full(31, -128), [-127]]):
        assert planes_fit(x, shift)
        check(bench, w, x, shift)


def test_calls_it_cannot_take_are_declined(bench):
    """sum |x| over 4095 (every x -128: 4096), a wide x (|x| > 4095), -32768, a group whose sum wraps 16 bits
    to 0 (8 x 8192: the carry of S's add, twenty-sixth round): carry set, no rows run."""
    w = np.ones((4, 32), int)
    for x in (np.full(32, -128), np.r_[[5000], np.zeros(31, int)], np.r_[[-32768], np.zeros(31, int)],
              np.r_[np.zeros(31, int), [32767]], np.r_[np.full(8, 8192), np.zeros(24, int)],
              np.r_[np.zeros(8, int), np.full(8, -8192), np.zeros(16, int)]):
        assert not planes_fit(x, LEAST_SHIFT)
        got, table_t, rows_t = run_planes(bench, w, x, LEAST_SHIFT)
        assert got is None and rows_t == 0 and table_t > 0


def test_hello_activations_through_one_build_a_layer():
    """Layer 0's and layer 1's q, k and v at every position of "hello"'s turn on the shipped soul:
    one wp_tables a layer, three wp_rows on it, each equal to the engine's."""
    bench = Z80Bench(extra_source=PLANES_SOURCE, options=player_kernel_options("128k"))
    engine = Engine(load_soul(DEFAULT_SOUL))
    context = Tokenizer.load(DEFAULT_TOKENIZER).encode_turn("hello")
    calls = 0
    for position, name, x in turn_inputs(engine, context):
        if not name.endswith(".qkv"):
            continue
        layer = int(name[1])
        want = engine.layers[layer].qkv_of(x)
        bench.write_words(0x9F00, x)
        bench.poke_word(bench.sym("wp_x"), 0x9F00)
        bench.call("wp_tables")
        assert not bench.cpu.f & 1, (position, name)
        for index, (w, shift) in enumerate(qkv_matrices(engine, layer)):
            got, _, _ = run_planes(bench, w, x, shift, tables=False)
            assert np.array_equal(got, want[index]), (position, name, index)
            calls += 1
    assert calls >= 3 * 2 * 8


def test_a_broken_kernel_fails(bench):
    """Each of three single-instruction breaks in wp_row's loop (the low planes' first halving, its high byte's
    rra before ld d,a / rr e, as a nop, the top planes' first doubling add ix,ix as two nops, the end's add hl,bc of Q as a nop) makes
    a random call at shift 5 differ from intmath, and each of three in wp_row_4's (the same halving and
    doubling, its end's add ix,de as two nops) one at shift 4: the tests above can fail."""
    rng = np.random.default_rng(7)
    w = rng.integers(-128, 128, (8, 32))
    x = vector_with_sum(rng, 2000)
    for loop, end, shift, last in (("wp_row", "wp_chain_at", 5, bytes([0xDD, 0x4D, 0xDD, 0x44, 0x09])),
                                   ("wp_row_4", "wp_row_4_class", LEAST_SHIFT, bytes([0xDD, 0x19]))):
        want = intmath.matvec(w, 0, x, post=shift)
        start = bench.sym(loop)
        row = bench.peek(start, bench.sym(end) - start)
        breaks = ((row.index(bytes([0x1F, 0x57, 0xCB, 0x1B])), bytes([0x00])),
                  (row.index(bytes([0xDD, 0x29])), bytes([0x00, 0x00])),
                  (row.index(last) + len(last) - 1, bytes([0x00])) if loop == "wp_row" else
                  (row.index(last), bytes([0x00, 0x00])))
        try:
            for at, patch in breaks:
                bench.poke(start + at, patch)
                got, _, _ = run_planes(bench, w, x, shift)
                assert not np.array_equal(got, want), (loop, at)
                bench.poke(start, row)
            assert np.array_equal(run_planes(bench, w, x, shift)[0], want)
        finally:
            bench.poke(start, row)


def test_a_broken_narrow_path_fails(bench):
    """The narrow rows' path can fail too, in either loop (wp_row's at shift 5, wp_row_4's at shift 4): the
    classes' dispatch inverted (jp nc,wp_row as jp c), plane 6's masks not all passed over (a pop de as a
    nop), plane 7's first lookup dropped (add ix,bc as two nops) or S left out of Q (wp_tables's patch of
    it as nops, the immediate zero) each make a call differ."""
    rng = np.random.default_rng(26)
    w = mixed_plane_rows(rng, 24)
    assert 0 < sum(plane_classes(w)) < 24
    x = vector_with_sum(rng, 2000)
    patch_at = bench.sym("wp_tables")
    tables = bench.peek(patch_at, bench.sym("wp_row") - patch_at)
    for loop, shift in (("wp_row", 5), ("wp_row_4", LEAST_SHIFT)):
        want = intmath.matvec(w, 0, x, post=shift)
        start = bench.sym(f"{loop}_class")
        end = bench.sym("wp_rows_done" if loop == "wp_row" else "wp_row_4_done")
        code = bench.peek(start, end - start)
        row, total = bench.sym(loop), bench.sym(f"{loop}_sum")
        narrow = total - start          # (the narrow path's Q start, S + 2 K)
        sum_patch = tables.index(bytes([0x22]) + (total + 2).to_bytes(2, "little"))
        breaks = ((start + code.index(bytes([0xD2]) + row.to_bytes(2, "little")), bytes([0xDA])),
                  (start + code.index(bytes([0xD1, 0xD1]), narrow), bytes([0x00])),
                  (start + code.index(bytes([0xDD, 0x09]), narrow), bytes([0x00, 0x00])),
                  (patch_at + sum_patch, bytes(3)))
        try:
            for at, patch in breaks:
                bench.poke(at, patch)
                bench.poke_word(total + 2, 0)
                got, _, _ = run_planes(bench, w, x, shift)
                assert not np.array_equal(got, want), (loop, hex(at))
                bench.poke(start, code)
                bench.poke(patch_at, tables)
            assert np.array_equal(run_planes(bench, w, x, shift)[0], want)
        finally:
            bench.poke(start, code)
            bench.poke(patch_at, tables)


def header_text() -> str:
    lines = []
    for line in (KERNELS_DIR / "z80" / "planes.s").read_text().splitlines():
        if not line.startswith(";"):
            break
        lines.append(line.lstrip("; "))
    return " ".join(lines)


def test_the_header_states_what_the_kernel_takes(bench):
    """wp_tables on a fitting x; wp_rows for 32, 96 and 128 rows at shift 4 and 32 at shift 7; the
    bytes the file assembles to (code, the table pages apart)."""
    rng = np.random.default_rng(16)
    x = vector_with_sum(rng, 1660)
    text = header_text()
    _, table_t, _ = run_planes(bench, rng.integers(-128, 128, (1, 32)), x, LEAST_SHIFT)
    assert f"wp_tables {table_t:,}" in text
    for rows, shift in ((32, 4), (96, 4), (128, 4), (32, 7)):
        _, _, rows_t = run_planes(bench, rng.integers(-128, 128, (rows, 32)), x, shift, tables=False)
        assert f"{rows} rows {rows_t:,}" in text if shift == 4 else f"at shift 7 {rows_t:,}" in text, (rows, shift)
    code = bench.sym("wp_code_end") - bench.sym("wp_x")
    assert re.search(rf"; {code:,} in the bench without it: wp_rows", text)


@pytest.mark.parametrize("interrupts", [False, True])
def test_the_interrupt_state_is_given_back(bench, interrupts):
    """wp_tables (built or declined) and wp_rows run with interrupts off and leave them as they found them;
    IY too (wp_tables sums -N_g in it since the twenty-sixth round)."""
    rng = np.random.default_rng(3)
    w = rng.integers(-128, 128, (4, 32))
    for x in (vector_with_sum(rng, 1000), np.full(32, -128), np.r_[[5000], np.zeros(31, int)]):
        bench.write_words(0x9F00, x)
        bench.poke_word(bench.sym("wp_x"), 0x9F00)
        bench.cpu.iy = 0x5C3A
        bench.call("wp_tables", interrupts=interrupts)
        assert bench.cpu.iff1 == int(interrupts) and bench.cpu.iy == 0x5C3A
    bench.write_words(0x9F00, vector_with_sum(rng, 1000))
    bench.call("wp_tables")
    load_address = 0xA000
    bench.poke(load_address, b"\0" * 4 * 32)
    bench.poke_word(bench.sym("wp_w"), load_address)
    bench.poke_word(bench.sym("wp_out"), 0xA800)
    bench.poke(bench.sym("wp_rows_count"), [4])
    bench.poke(bench.sym("wp_shift"), [LEAST_SHIFT])
    bench.call("wp_rows", interrupts=interrupts)
    assert bench.cpu.iff1 == int(interrupts)
