"""planes.s's thirty-first-round forms (zxrows31; the 128K player's, with WP_WORD_TABLES, in bank 6's room):
WP_NARROW_RUNS (wp_row_4's narrow rows in a copy of its loop that loops to itself), WP_FILL_PAIRS (wordfill.s's
rows two a pass, the second from the first's last entry), WP_CHAIN_A (wp_row's chain shifting the low byte in A) and
WP_SUMS_UNROLLED (wp_tables' sums of |x| without a djnz).
Bit-exact against intmath.matvec on random rows whose classes take every way between the loops (narrow after
narrow, wide after narrow, narrow after wide, a first and a last narrow row) at every shift, with and without
classes; the tables hold plane_tables' words; the T-states move by the counts the header states; the 48K's
assembly has none of them; a kernel with one patch of the new forms broken fails."""

from __future__ import annotations

import numpy as np
import pytest

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER, KERNELS_DIR
from soulterm.soul import intmath
from soulterm.soul.soulfile import load_soul
from soulterm.zx import build as zx_build
from soulterm.zx.kernelbench import Z80Bench, player_kernel_options
from soulterm.zx.soul_layout import plane_classes
from soulterm.zx.weight_planes import (LEAST_SHIFT, MOST_SHIFT, MOST_SUM, WORD_TABLES_SOURCE, mixed_plane_rows,
                                       plane_tables, planes_header_figures, run_planes, vector_with_sum,
                                       word_tables_built)

X_AT = 0x9F00
FLAGS = ("WP_NARROW_RUNS", "WP_FILL_PAIRS", "WP_CHAIN_A", "WP_SUMS_UNROLLED")
RUNS_SOURCE = "".join(f"{flag} = 1\n" for flag in FLAGS) + WORD_TABLES_SOURCE


@pytest.fixture(scope="module")
def runs():
    return Z80Bench(extra_source=RUNS_SOURCE, options=player_kernel_options("128k"))


@pytest.fixture(scope="module")
def words():
    return Z80Bench(extra_source=WORD_TABLES_SOURCE, options=player_kernel_options("128k"))




def rows_of_classes(rng, classes: list[int]) -> np.ndarray:
    """Rows whose plane_classes are `classes` (1: weights in -64..63, each range's end once; 0: a weight past it)."""
    w = mixed_plane_rows(rng, len(classes))
    for row, narrow in enumerate(classes):
        if narrow:
            w[row] = np.clip(w[row], -64, 63)
        else:
            w[row, rng.integers(32)] = int(rng.choice([-128, -65, 64, 127]))
    assert list(plane_classes(w)) == classes
    return w


def transitions(classes) -> dict[str, int]:
    pairs = list(zip(classes, classes[1:]))
    return {"nn": pairs.count((1, 1)), "nw": pairs.count((1, 0)), "wn": pairs.count((0, 1))}


def same(bench, w, x, shift: int, classes: bool = True) -> bool:
    got, _, _ = run_planes(bench, w, x, shift, classes=classes)
    return got is not None and np.array_equal(got, intmath.matvec(np.asarray(w), 0, np.asarray(x), post=shift))


def test_the_paired_fill_leaves_plane_tables_words(runs):
    """Every group's 256 entries, the second row of each pass from the first's last entry and B[15] - x_4."""
    rng = np.random.default_rng(3101)
    for total in (0, 1, 700, 2500, MOST_SUM):
        x = vector_with_sum(rng, total, -600, 600)
        carry, built = word_tables_built(runs, x, X_AT)
        assert not carry
        tables, _, _ = plane_tables(x)
        for group in range(4):
            assert built[group] == tables[group], (total, group)


def test_every_way_between_the_loops_is_bit_exact(runs):
    """Class sequences with each transition, a lone row of either class, at shift 4 (wp_row_4 and its narrow copy)
    and every other shift (wp_row's chain in A), with classes and without (every row wide)."""
    rng = np.random.default_rng(3102)
    fixed = [[1], [0], [1, 1, 1, 0, 0, 1, 0, 1, 1], [0, 1, 1, 0, 1, 0, 0, 1], [1, 0] * 6, [1] * 20 + [0]]
    seen = {"nn": 0, "nw": 0, "wn": 0}
    for trial in range(40):
        classes = fixed[trial] if trial < len(fixed) else [int(c) for c in rng.integers(0, 2, int(rng.integers(1, 40)))]
        w = rows_of_classes(rng, classes)
        for key, count in transitions(classes).items():
            seen[key] += count
        x = vector_with_sum(rng, int(rng.integers(1, MOST_SUM + 1)))
        for shift in (LEAST_SHIFT, int(rng.integers(LEAST_SHIFT + 1, MOST_SHIFT + 1))):
            assert same(runs, w, x, shift), (trial, shift)
            assert same(runs, w, x, shift, classes=False), (trial, shift)
    assert min(seen.values()) > 10


@pytest.mark.parametrize("shift", [LEAST_SHIFT, 5, 7, 12, MOST_SHIFT])
def test_the_extremes_are_bit_exact(runs, shift):
    w = np.array([np.full(32, -64), np.full(32, 63), np.full(32, -128), np.full(32, 127), np.full(32, -64),
                  np.tile([-64, 63], 16), np.zeros(32, int), np.tile([-128, 127], 16)])
    assert list(plane_classes(w)) == [1, 1, 0, 0, 1, 1, 1, 0]
    lone = np.zeros(32, int)
    lone[31] = -MOST_SUM
    for x in (np.full(32, -127), np.full(32, 127), np.tile([-128, 127], 16), np.zeros(32, int), lone, -lone):
        assert same(runs, w, x, shift)


def test_the_t_states_move_by_the_forms_counts(runs, words):
    """On the same x and rows: the build 1,495 fewer (a group's rows 355 fewer, 16 of word_fill_rows' 74, the last
    one's jr 5 less, against 8 passes of 103, less the second rows' 7 patches, 16 each, and K0's 84: 159 a group; the
    Gray code's 7 even A' unstored, 112; its sums' loop 106, ld b,8 and 7 djnz taken, one not; 4 groups, less the
    narrow copy's c_lo patch, 13); at shift 4 a narrow row after a narrow one 10 fewer, a wide one after a narrow one 10 more;
    at shift s > 4 every row 4 (s - 4) + 4 fewer (wp_row's chain in A)."""
    rng = np.random.default_rng(3103)
    x = vector_with_sum(rng, 1660)
    classes = [int(c) for c in rng.integers(0, 2, 48)]
    w = rows_of_classes(rng, classes)
    moves = transitions(classes)
    for shift in (LEAST_SHIFT, 5, 7, MOST_SHIFT):
        (_, base_tables, base_rows), (_, new_tables, new_rows) = (run_planes(b, w, x, shift) for b in (words, runs))
        assert base_tables - new_tables == 4 * (16 * 74 - 5 - 8 * 103 - 7 * 16 - 84 + 7 * 16 + 7 + 7 * 13 + 8) - 13 == 1_495
        want = 10 * (moves["nn"] - moves["nw"]) if shift == LEAST_SHIFT else len(w) * 4 * (shift - LEAST_SHIFT) - 4
        assert base_rows - new_rows == want, shift


def test_the_players_forms(runs):
    """planes_bank's word-table block (the 128K player's bank 6) assembles all four; the 48K player's planes.s
    WP_CHAIN_A alone (since the thirty-seventh round, zx48rows37: 14 bytes fewer and 4 T-states a bit of shift above 4
    a row), none of the others."""
    block = zx_build.planes_bank(load_soul(DEFAULT_SOUL), qkv_apart=True, out_apart=True, logits=False, words=True)
    assert all(block.symbols[flag] == 1 for flag in FLAGS)
    player_48k = zx_build.assemble_spectrum_player(DEFAULT_SOUL, DEFAULT_TOKENIZER, "48k").program.symbols
    assert "wp_rows" in player_48k and set(FLAGS) & set(player_48k) == {"WP_CHAIN_A"}
    assert "word_pair_k0" not in player_48k and "wp_row_4_narrow" not in player_48k


def test_a_broken_kernel_fails(runs):
    """The K0 patch (word_fill_steps' store into word_pair_k0), a second row's step (the store into word_pair_d2a),
    the narrow copy's R start (wp_tables' store into wp_row_4_narrow_c_lo) and the chain's rra (as rr l's half: a nop)
    each make a call differ from intmath: the tests above can fail."""
    rng = np.random.default_rng(3104)
    classes = [1, 1, 1, 0, 1, 1, 0, 0, 1, 1, 1, 1]
    w, x = rows_of_classes(rng, classes), vector_with_sum(rng, 2000)
    start = runs.sym("wp_tables")
    code = runs.peek(start, runs.sym("wp_code_end") - start)

    def store_of(label: str, offset: int) -> int:
        target = (runs.sym(label) + offset).to_bytes(2, "little")
        hits = [code.index(op + target) for op in (bytes([0x22]), bytes([0x32])) if op + target in code]
        assert len(hits) == 1, label
        return hits[0]
    chain = runs.sym("wp_chain_end") - 3 - start       # (the chain's last step: every shift above 4 runs it)
    # (each store's immediate is left stale, as a build on another x would: the call before wrote the right one)
    breaks = [(store_of("word_pair_k0", 1), bytes(3), LEAST_SHIFT, "word_pair_k0"),
              (store_of("word_pair_d2a", 1), bytes(3), 7, "word_pair_d2a"),
              (store_of("wp_row_4_narrow_c_lo", 1), bytes(3), LEAST_SHIFT, "wp_row_4_narrow_c_lo"),
              (chain + 2, bytes(1), 7, None)]
    assert code[chain:chain + 3] == bytes([0xCB, 0x2C, 0x1F])      # sra h / rra
    try:
        for at, patch, shift, immediate in breaks:
            assert same(runs, w, x, shift)
            runs.poke(start + at, patch)
            if immediate:
                runs.poke(runs.sym(immediate) + 1, bytes([0x35]))
            assert not same(runs, w, x, shift), at
            runs.poke(start, code)
    finally:
        runs.poke(start, code)


def test_the_header_states_the_forms_figures(runs):
    """planes.s's paragraph on them: wp_tables, 32 rows at shift 4 all narrow, 32 at shift 7 and the bench's bytes."""
    text = " ".join(line.lstrip("; ") for line in (KERNELS_DIR / "z80" / "planes.s").read_text().splitlines()
                    if line.startswith(";")).split("WP_NARROW_RUNS, WP_FILL_PAIRS and WP_CHAIN_A (thirty-first", 1)[1]
    for figure in planes_header_figures(runs):
        assert figure in text, figure
