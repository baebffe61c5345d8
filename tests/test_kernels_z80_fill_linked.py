"""planes.s's WP_FILL_LINKED and WP_NEXT_BY_RET (thirty-fourth round, zxqkv34; the 128K player's, in bank 6).

WP_FILL_LINKED: wordfill.s's word_fill_rows_linked runs a group's 8 fill passes from stubs that hold each pass's A'[a]
(the Gray code stores it there) and link to the next (`jp (ix)`), not a loop reading a list, and the Gray code makes the odd A' alone: the tables
hold the same words (start_in_table_tables'), every row stays bit-exact against intmath.matvec, a build costs 410
T-states a group fewer (1,640), and a stub's link or its A' left wrong makes other tables. WP_NEXT_BY_RET: a row's next entry (the word
after its masks, WP_NEXT_ROW_WORDS) by `ret`: every matrix bit-exact, 4 T-states a row fewer and 4 a call. The header
states the figures; the players' forms: the 128K's bank 6 has both, the 48K's planes.s neither."""

from __future__ import annotations

import numpy as np
import pytest

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER, KERNELS_DIR
from soulterm.soul import intmath
from soulterm.soul.soulfile import load_soul
from soulterm.zx import build as zx_build
from soulterm.zx.kernelbench import Z80Bench, player_kernel_options
from soulterm.zx.soul_layout import plane_bytes, plane_classes, plane_words
from soulterm.zx.weight_planes import (LEAST_SHIFT, MOST_SHIFT, MOST_SUM, WORD_TABLES_SOURCE, mixed_plane_rows,
                                       planes_header_figures, run_planes, run_tables_and_rows, start_in_table_tables,
                                       vector_with_sum, word_tables_built)

X_AT = 0x9F00
FORMS = ("WP_NARROW_RUNS", "WP_FILL_PAIRS", "WP_CHAIN_A", "WP_SUMS_UNROLLED", "WP_LOW_START_IN_TABLE")
STUB_PASSES = 8                 # (a group's fill passes, a stub each)
GROUPS = 4

# WP_NEXT_BY_RET's bench: the shipped form's words (test_kernels_z80_next_rows.py's layout), 192 random rows
MASKS_AT, CLASSES_AT, SPLIT_CLASSES_AT, TABLES_AT = 0xA000, 0x9E00, 0x9D00, 0xD800
ROWS = 192
W = mixed_plane_rows(np.random.default_rng(3401), ROWS)
CLASSES = plane_classes(W)
SHIPPED_LOOPS = 0b001011        # (l0.q, l0.k and l1.q at shift 4)
NEXT_FORMS = ("WP_WORDS_FROM_SPLIT", "WP_NARROW_WORDS", "WP_NARROW_SPLIT", "WP_NEXT_ROW_WORDS") + FORMS


def flags_source(flags) -> str:
    return "".join(f"{flag} = 1\n" for flag in flags)


@pytest.fixture(scope="module")
def linked():
    return Z80Bench(extra_source=flags_source(FORMS + ("WP_FILL_LINKED",)) + WORD_TABLES_SOURCE,
                    options=player_kernel_options("128k"))


@pytest.fixture(scope="module")
def looped():
    return Z80Bench(extra_source=flags_source(FORMS) + WORD_TABLES_SOURCE, options=player_kernel_options("128k"))


def extreme_vectors() -> list[np.ndarray]:
    lone = np.zeros(32, int)
    lone[31] = -MOST_SUM
    return [np.full(32, -127), np.full(32, 127), np.tile([-128, 127], 16), np.zeros(32, int), lone, -lone]


def same(bench, w, x, shift: int) -> bool:
    got, _, _ = run_planes(bench, w, x, shift)
    return got is not None and np.array_equal(got, intmath.matvec(np.asarray(w), 0, np.asarray(x), post=shift))


def test_the_tables_hold_the_same_words(linked):
    rng = np.random.default_rng(3402)
    vectors = [vector_with_sum(rng, total, -600, 600) for total in (0, 1, 700, 2500, MOST_SUM)] + extreme_vectors()
    built_count = 0
    for x in vectors + [np.full(32, 128)]:     # (the last sum |x| 4,096: declined)
        carry, built = word_tables_built(linked, x, X_AT)
        assert carry == (int(np.abs(x).sum()) > MOST_SUM), x
        if not carry:
            assert built == start_in_table_tables(x), x
            built_count += 1
    assert built_count >= len(vectors) - 1


def test_random_rows_of_every_class_at_every_shift_are_bit_exact(linked):
    rng = np.random.default_rng(3403)
    for trial in range(30):
        w = mixed_plane_rows(rng, int(rng.integers(1, 40)))
        x = vector_with_sum(rng, int(rng.integers(1, MOST_SUM + 1)))
        for shift in (LEAST_SHIFT, int(rng.integers(LEAST_SHIFT + 1, MOST_SHIFT + 1))):
            assert same(linked, w, x, shift), (trial, shift)
    for x in extreme_vectors():
        assert same(linked, mixed_plane_rows(rng, 16), x, 7)


def test_a_build_costs_410_fewer_a_group(linked, looped):
    """The passes: a pass's overhead 42 T-states (ld hl,nn 10, ld ix,nn 14, jp 10, jp (ix) 8), the last's 32 (it falls
    into the pass), against 72 (ld l,(ix+0) / ld h,(ix+1) 38, dec ix twice 20, dec a / jp nz 14); no ld ix / ld a before
    the first (21): 8 x 72 + 21 - (7 x 42 + 32) = 271 a group. The Gray code: the odd A' alone, 5 adds (11) and 3
    subtractions (19) against 8 and 7, one ld bc,nn (10) against two, as many stores, and wp_gray_x's store of x_4
    (ld (nn),bc 20) gone: 139. 410 a group."""
    rng = np.random.default_rng(3404)
    w = mixed_plane_rows(rng, 8)
    for x in [vector_with_sum(rng, 1660), np.zeros(32, int), np.full(32, -127)]:
        (_, old_tables, old_rows), (_, new_tables, new_rows) = (run_planes(b, w, x, 7) for b in (looped, linked))
        passes = 8 * 72 + 21 - (7 * 42 + 32)
        gray = (8 - 5) * 11 + (7 - 3) * 19 + 10 + 20
        assert old_tables - new_tables == (passes + gray) * GROUPS == 1640
        assert old_rows == new_rows


def test_a_broken_link_or_stub_fails(linked):
    """A stub linking past the next pass (its ld ix two stubs on) leaves 2 of a group's rows unwritten; a Gray store
    to the wrong stub's immediate gives a pass another pass's A'. Each makes other tables."""
    rng = np.random.default_rng(3405)
    x = vector_with_sum(rng, 2000, -600, 600)
    stubs = linked.sym("wp_fill_stubs")
    stub_bytes = linked.sym("WORD_STUB_BYTES")
    code = linked.peek(stubs, STUB_PASSES * stub_bytes)
    assert code[0] == 0x21 and code[3:5] == bytes([0xDD, 0x21])       # (ld hl,nn / ld ix,nn)
    skip = (stubs + 2 * stub_bytes).to_bytes(2, "little")
    try:
        linked.poke(stubs + 5, skip)
        _, built = word_tables_built(linked, x, X_AT)
        assert built != start_in_table_tables(x)
    finally:
        linked.poke(stubs, code)
    start = linked.sym("wp_tables")
    gray = linked.peek(start, linked.sym("wp_fill_stubs") - start)
    target = (stubs + 1).to_bytes(2, "little")
    at = gray.index(bytes([0x22]) + target)         # (A'[15]'s store into pass 0's stub)
    try:
        linked.poke(start + at + 1, (stubs + stub_bytes + 1).to_bytes(2, "little"))
        _, built = word_tables_built(linked, x, X_AT)
        assert built != start_in_table_tables(x)
    finally:
        linked.poke(start, gray)
    _, built = word_tables_built(linked, x, X_AT)
    assert built == start_in_table_tables(x)


def next_bench(by_ret: bool) -> Z80Bench:
    flags = NEXT_FORMS + ("WP_FILL_LINKED",) + ("WP_NEXT_BY_RET",) * by_ret
    source = (flags_source(flags) + f"WP_SHIFT_4_MATRICES = {SHIPPED_LOOPS}\n"
              f"WP_SPLIT_BYTES = {ROWS * 32}\nWP_NARROW_ROWS = {sum(CLASSES)}\n"
              f"WP_SPLIT_CLASSES = ${SPLIT_CLASSES_AT:04X}\nwp_planes = ${MASKS_AT:04X}\n"
              f"wp_table_pages = ${TABLES_AT:04X}\n" + WORD_TABLES_SOURCE + '.include "planes_wide.s"\n')
    bench = Z80Bench(extra_source=source, options=player_kernel_options("128k"))
    bench.poke(SPLIT_CLASSES_AT, CLASSES)
    bench.poke(MASKS_AT, plane_bytes(W, narrow=True))
    bench.poke_word(bench.sym("wp_tables") + 1, bench.sym("wp_expand_first"))
    return bench


def matrix_calls(bench, x, shifts) -> list[tuple[np.ndarray, int]]:
    """Each matrix's wp_rows call on x (the first build made the words), at its loop's shift from `shifts`."""
    bench.write_words(X_AT, np.asarray(x, dtype=np.int64))
    bench.poke_word(bench.sym("wp_x"), X_AT)
    bench.call("wp_tables")
    assert not bench.cpu.f & 1
    calls, at, page = [], MASKS_AT, bench.sym("WP_PAGE")
    for matrix in range(ROWS // 32):
        rows = W[32 * matrix:32 * (matrix + 1)]
        at_4 = SHIPPED_LOOPS >> matrix & 1
        entries = (bench.sym("wp_row_4" if at_4 else "wp_row"), bench.sym("wp_row_4_narrow" if at_4 else "wp_row_narrow"),
                   bench.sym("wp_rows_end"))
        shift = LEAST_SHIFT if at_4 else shifts[matrix % len(shifts)]
        got, _, took = run_tables_and_rows(bench, "wp", at, X_AT, 32, x, shift, tables=False)
        assert np.array_equal(got, intmath.matvec(rows, 0, x, post=shift)), (matrix, shift)
        calls.append((got, took))
        at += len(plane_words(rows, page, narrow=True, entries=entries))
    return calls


def test_rows_by_ret_are_bit_exact_and_4_fewer_a_row_and_a_call():
    rng = np.random.default_rng(3406)
    by_ret, by_jump = next_bench(True), next_bench(False)
    for x, shifts in ((rng.integers(-100, 100, 32), (5, 7)), (np.tile([-128, 127], 16), (MOST_SHIFT, 9))):
        new, old = matrix_calls(by_ret, x, shifts), matrix_calls(by_jump, x, shifts)
        for (got, t_new), (want, t_old) in zip(new, old):
            assert np.array_equal(got, want)
            assert t_old - t_new == 4 * (32 + 1)


def test_the_header_states_the_figures(linked):
    text = " ".join(line.lstrip("; ") for line in (KERNELS_DIR / "z80" / "planes.s").read_text().splitlines()
                    if line.startswith(";")).split("WP_FILL_LINKED (thirty-fourth", 1)[1]
    for figure in planes_header_figures(linked):
        assert figure in text, figure
    shipped = zx_build.planes_bank(load_soul(DEFAULT_SOUL), qkv_apart=True, out_apart=True, logits=False, words=True)
    code = shipped.symbols["wp_code_end"] - shipped.symbols["wp_x"]
    room = 0xFF00 - shipped.symbols["planes_bank_end"]
    assert f"(1,707 -> {code:,}," in text and f"-> {room} (${shipped.symbols['planes_bank_end']:04X}-$FEFF)" in text


def test_the_players_forms():
    block = zx_build.planes_bank(load_soul(DEFAULT_SOUL), qkv_apart=True, out_apart=True, logits=False, words=True)
    assert block.symbols["WP_FILL_LINKED"] == 1 and block.symbols["WP_NEXT_BY_RET"] == 1
    player_48k = zx_build.assemble_spectrum_player(DEFAULT_SOUL, DEFAULT_TOKENIZER, "48k").program.symbols
    assert "wp_rows" in player_48k and "WP_FILL_LINKED" not in player_48k and "WP_NEXT_BY_RET" not in player_48k
    assert "wp_fill_stubs" not in player_48k
