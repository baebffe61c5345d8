"""logitplanes.s's lg_select (the logits that may still be the largest, from the weights' top bit
planes; the 128K player's since the twenty-sixth round, tests/test_zx_128k.py): its rows left equal logit_planes.select_rows' step for step on random
matrices and vectors (the extremes of what it takes, crafted ties), the true argmax (SPEC's: the
lowest id of the largest logit) is always among them and is the one row left where one is, it
declines what it cannot take, it gives the interrupt state back, "hello"'s reply steps end with
the engine's token alone; a kernel with one instruction broken fails; and its header's figures
are what it takes."""

from __future__ import annotations

import re

import numpy as np
import pytest

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER, KERNELS_DIR
from soulterm.soul import intmath, spec
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx import weight_planes
from soulterm.zx.kernelbench import Z80Bench, player_kernel_options
from soulterm.zx.logit_planes import (BANK_0_FORM, MOST_SUM, SELECT_SOURCE, best_lower_threshold, place_masks,
                                      plane_sums, run_select, select_rows, select_tables, split_masks, takes, threshold)
from soulterm.zx.soul_layout import plane_bytes

SHIFT = 4                # the shipped soul's logits' shift


def paired_bench(paired: bool = True) -> Z80Bench:
    options = player_kernel_options("128k") + BANK_0_FORM * paired     # (the shipped 128K's, LG_BANK_0's)
    bench = Z80Bench(extra_source=SELECT_SOURCE, options=options)
    bench.best_lower = paired       # (LG_BEST_LOWER's first list: select_rows' best_lower)
    return bench


def model_rows(bench, w, x, shift: int):
    """select_rows' rows left for the bench's form (None where it declines)."""
    chosen = select_rows(w, x, shift, bench.best_lower)
    return None if chosen is None else chosen[0]


@pytest.fixture(scope="module", params=["paired", "plain"])
def bench(request):
    """The kernel with LG_ROWS_PAIRED (the row pass and the first list two rows a round) and the thirty-fourth
    round's LG_STARTS_IN_PAGE and LG_NEGATIVES_SUBTRACTED (the shipped 128K's), and without them (a player with
    logitplanes.s in bank 6)."""
    return paired_bench(request.param == "paired")


@pytest.fixture(scope="module")
def paired():
    return paired_bench()


def vector_with_sum(rng, total: int, low: int = -200, high: int = 200) -> np.ndarray:
    """weight_planes.vector_with_sum with this file's bounds (-200..199) unless told."""
    return weight_planes.vector_with_sum(rng, total, low, high)


def argmax_row(w, x, shift: int) -> int:
    """SPEC's choice among the rows (all of them: the players give the kernel rows 3..127 alone):
    the lowest of the largest logits."""
    return int(np.argmax(intmath.matvec(np.asarray(w), 0, np.asarray(x), post=shift)))


def check(bench, w, x, shift: int = SHIFT) -> list[int]:
    rows = model_rows(bench, w, x, shift)
    got, _ = run_select(bench, w, x, shift)
    assert got == rows, (got, rows)
    assert argmax_row(w, x, shift) in got
    return got


def test_random_calls_equal_the_model_and_keep_the_argmax(bench):
    rng = np.random.default_rng(2616)
    alone = 0
    for trial in range(30):
        rows = int(rng.integers(1, 130))
        w = rng.integers(-128, 128, (rows, 32))
        x = vector_with_sum(rng, int(rng.integers(1, MOST_SUM + 1)))
        alone += len(check(bench, w, x, int(rng.integers(4, 9)))) == 1
    assert alone >= 8          # (random rows lie close: 12 of the 30 end with one row)


def test_a_clear_winner_is_the_one_row_left(bench):
    """A row that leads by much more than the planes' slack: it alone is left."""
    rng = np.random.default_rng(5)
    w = rng.integers(-40, 40, (125, 32))
    x = vector_with_sum(rng, 1600)
    w[77] = np.sign(x) * 120
    assert check(bench, w, x) == [77]


def test_ties_and_the_extremes(bench):
    """Equal rows (a tie: both left, the lowest first), w at -128 and 127, sum |x| exactly
    MOST_SUM with one sign or both, a lone wide column, all zeros."""
    rng = np.random.default_rng(9)
    w = rng.integers(-128, 128, (20, 32))
    w[4] = w[11] = np.full(32, 127)
    w[0] = np.full(32, -128)
    x = np.full(32, 127)
    x[0] = MOST_SUM - 31 * 127
    assert int(np.abs(x).sum()) == MOST_SUM and takes(x)
    assert check(bench, w, x) == [4, 11]
    for x in (-x, np.r_[np.full(16, 127), np.full(16, -127)], np.r_[[-MOST_SUM], np.zeros(31, int)],
              np.zeros(32, int)):
        check(bench, w, x)
    check(bench, np.zeros((5, 32), int), np.full(32, 100))


def test_calls_it_cannot_take_are_declined(bench):
    """sum |x| above MOST_SUM (one word, every word, or a sum that wraps 16 bits, of positive or negative
    words: a group's own |x| summing to 2^16 or past it, LG_NEGATIVES_SUBTRACTED's borrow), -32768, 32767."""
    w = np.ones((4, 32), int)
    wraps = np.r_[np.full(16, 4095), [116], np.zeros(15, int)]      # S = 65,636: 100 in 16 bits
    group_wraps = [np.r_[np.zeros(8, int), np.full(8, -value), np.zeros(16, int)] for value in (8192, 9000)]
    for x in (np.r_[[MOST_SUM + 1], np.zeros(31, int)], np.full(32, 128), wraps, -wraps, np.full(32, -3000),
              *group_wraps, np.r_[np.full(7, -8000), [9000], np.zeros(24, int)],
              np.r_[[-32768], np.zeros(31, int)], np.r_[np.zeros(31, int), [32767]]):
        assert not takes(x) and select_rows(w, x, SHIFT) is None
        assert run_select(bench, w, x, SHIFT)[0] is None


def test_the_scale_and_tables_are_the_model_s_for_every_size(bench):
    """lg_select's s (from S's high byte's bit length, s0 or s0 - 1) and its four tables (filled by
    steps from 255 down) equal select_tables' for random x of every size up to MOST_SUM, sparse ones
    included (s from 0 to 4)."""
    rng = np.random.default_rng(5)
    w = rng.integers(-128, 128, (2, 32))
    scales = set()
    for _ in range(300):
        x = vector_with_sum(rng, int(rng.integers(1, MOST_SUM + 1)), -400, 400)
        if rng.random() < 0.3:
            x[rng.random(32) < 0.7] = 0
        assert run_select(bench, w, x, SHIFT)[0] is not None
        tables, scale, _ = select_tables(x)
        assert bench.peek(bench.sym("lg_scale"), 1)[0] == scale
        assert list(bench.peek(0xE000, 1024)) == list(tables.reshape(-1)), scale
        scales.add(scale)
    assert scales == {0, 1, 2, 3, 4}


def split_on_the_bench(bench, w) -> bytes:
    bench.poke(0xA000, plane_bytes(w))
    bench.cpu.hl, bench.cpu.de, bench.cpu.b = 0xA000, 0xB800, len(w)
    bench.call("lg_split")
    return bytes(bench.peek(0xA000, 32 * len(w)))


def test_lg_split_makes_the_masks_halves():
    """The first RUN's lg_split turns out's rows in plane_bytes' layout into split_masks' halves (every
    row's planes 7..4, then every row's planes 0..3) for 1, 5 and 128 rows; with its last ldir as two
    nops (planes 0..3 left in the scratch) it fails."""
    bench = Z80Bench(extra_source=SELECT_SOURCE, options=player_kernel_options("128k"))
    rng = np.random.default_rng(21)
    for rows in (1, 5, 128):
        w = rng.integers(-128, 128, (rows, 32))
        assert split_on_the_bench(bench, w) == split_masks(w)
    start = bench.sym("lg_split")
    code = bytes(bench.peek(start, 64))
    at = start + code.rindex(bytes([0xED, 0xB0, 0xC9]))     # ldir / ret
    bench.poke(at, bytes([0x00, 0x00]))
    assert split_on_the_bench(bench, w) != split_masks(w)


def test_the_interrupt_state_is_given_back(bench):
    rng = np.random.default_rng(3)
    w = rng.integers(-128, 128, (8, 32))
    x = vector_with_sum(rng, 900)
    for interrupts in (False, True):
        top_rows = model_rows(bench, w, x, SHIFT)
        place_masks(bench, w, 0xA000)
        bench.write_words(0xB000, x)
        for name, value in (("lg_x", 0xB000), ("lg_sums", 0xB100), ("lg_list", 0xB200)):
            bench.poke_word(bench.sym(name), value)
        bench.poke(bench.sym("lg_rows"), [8])
        bench.poke(bench.sym("lg_shift"), [SHIFT])
        bench.poke(bench.sym("lg_page"), [0xE0])
        bench.cpu.iy = 0x5C3A
        bench.call("lg_select", interrupts=interrupts)
        assert bench.cpu.iff1 == bench.cpu.iff2 == int(interrupts)
        assert bench.cpu.iy == 0x5C3A
        count = bench.peek(bench.sym("lg_count"))[0]
        assert list(bench.peek(0xB200, count)) == top_rows


def hello_calls():
    """The logits' inputs of "hello"'s turn (every position a reply reads) and the engine's tokens."""
    engine = Engine(load_soul(DEFAULT_SOUL))
    tokenizer = Tokenizer.load(DEFAULT_TOKENIZER)
    state, calls = engine.new_state(), []
    logits = None
    for token in tokenizer.encode_turn("hello"):
        logits = engine.step(state, token)
    while True:
        x = intmath.rmsnorm(state.last.hidden[-1], engine.norm, engine.s_norm)
        chosen = engine.next_token(logits)
        calls.append((np.asarray(x, dtype=np.int64), chosen))
        if chosen == spec.END or state.length == spec.CONTEXT:
            return engine, calls
        logits = engine.step(state, chosen)


def test_hello_s_reply_steps_leave_the_engine_s_token_alone(bench):
    engine, calls = hello_calls()
    out = load_soul(DEFAULT_SOUL)["out"]
    w = out.values.astype(np.int64)[spec.FIRST_CHOOSABLE:]
    assert len(calls) == 4
    for x, token in calls:
        assert check(bench, w, x, out.shift) == [token - spec.FIRST_CHOOSABLE]


def test_a_broken_kernel_fails(paired):
    """Nine single-instruction breaks (the row pass's last doubling add hl,hl as a nop, in lg_row and
    in lg_row_odd each, two rows a round; the first list's jr c as jr nc, in both of its copies; the
    fill's first add hl,bc as a nop, the further planes' doubling of Q as a nop, the step to an even
    row's start, lg_fill_row_step's add hl,de, as a nop; LG_STARTS_IN_PAGE's: an odd row's start read
    a byte off, its first dec sp as a nop, and one group's stores left on the page before, the patch
    of row 9's page byte as a nop; LG_BEST_LOWER's c without 960 - (960 >> s) + ceil(15 S / 2^s), its add as a
    nop) each make a random call differ from the model, the first list's leaving the argmax out: the tests
    above can fail. (A break that lowers T' leaves the same row in the end: the next test holds it.)"""
    bench = paired      # (the shipped form's breaks and figures)
    rng = np.random.default_rng(12)
    calls = [(rng.integers(-128, 128, (125, 32)), vector_with_sum(rng, 1500)) for _ in range(4)]
    wants = [model_rows(bench, w, x, SHIFT) for w, x in calls]
    start = bench.sym("lg_select")
    code = bench.peek(start, bench.sym("lg_split") - start)    # (lg_best_lower's routine before lg_split here)
    fill = bench.sym("lg_fill_pairs") - start
    assert code[bench.sym("lg_fill_row_step") + 2 - start] == 0x19       # add hl,de
    assert code[bench.sym("lg_fill") - start:bench.sym("lg_fill") + 3 - start] == bytes([0x3B, 0x3B, 0xE1])
    best_lower = bench.sym("lg_best_lower") - start
    patch_9 = start + code.index(bytes([0x32]) + bench.sym("LG_START_PAGE_9").to_bytes(2, "little"))
    first_list = [at + 2 for at in range(len(code) - 2) if code[at:at + 3] == bytes([0xE1, 0x19, 0x38])]
    assert len(first_list) == 2         # (two rows a round: both copies broken)
    row_pass = [at + 2 for at in range(len(code) - 4) if code[at:at + 5] == bytes([0xD9, 0x4F, 0x29, 0x09, 0x7D])]
    assert len(row_pass) == 2           # (lg_row and lg_row_odd: each broken alone)
    breaks = (([row_pass[0]], bytes([0x00])), ([row_pass[1]], bytes([0x00])),
              (first_list, bytes([0x30])),
              ([fill + 1], bytes([0x00])),
              ([code.index(bytes([0x29, 0x4F, 0x09]))], bytes([0x00])),
              ([bench.sym("lg_fill_row_step") + 2 - start], bytes([0x00])),
              ([bench.sym("lg_fill") - start], bytes([0x00])),
              ([patch_9 - start + offset for offset in range(3)], bytes([0x00])),
              ([best_lower + code[best_lower:].index(bytes([0xD1, 0x19, 0xEB])) + 1], bytes([0x00])))
    try:
        for ats, patch in breaks:
            for at in ats:
                bench.poke(start + at, patch)
            got = [run_select(bench, w, x, SHIFT)[0] for w, x in calls]
            assert got != wants, ats
            if patch == bytes([0x30]):
                assert all(argmax_row(w, x, SHIFT) not in rows for (w, x), rows in zip(calls, got))
            bench.poke(start, code)
        assert [run_select(bench, w, x, SHIFT)[0] for w, x in calls] == wants
    finally:
        bench.poke(start, code)


def test_best_lower_s_first_list_leaves_hello_s_token_alone(paired):
    """LG_BEST_LOWER (thirty-fourth round): on "hello"'s four reply steps the first list, against the best row's
    own lower end, leaves the engine's token alone, with no further plane (lg_level still 4; against D_4 every
    call takes plane 3 at least, as the plain form's do); with the best's planes 3..0 summed without Horner's
    doubling (T' at 0: every row kept) the calls take further planes: this test fails for it."""
    _, calls = hello_calls()
    out = load_soul(DEFAULT_SOUL)["out"]
    w = out.values.astype(np.int64)[spec.FIRST_CHOOSABLE:]
    start = paired.sym("lg_best_lower")
    code = paired.peek(start, paired.sym("lg_split") - start)
    breaks = (code.index(bytes([0xD9, 0x4F, 0x29, 0x09, 0xD9])) + 2,)      # (lg_horner's add hl,hl)

    def levels() -> list[int]:
        found = []
        for x, token in calls:
            assert check(paired, w, x, out.shift) == [token - spec.FIRST_CHOOSABLE]
            found.append(paired.peek(paired.sym("lg_level"))[0])
        return found
    assert levels() == [4] * len(calls)
    plain = paired_bench(False)
    for x, token in calls:
        assert check(plain, w, x, out.shift) == [token - spec.FIRST_CHOOSABLE]
        assert plain.peek(plain.sym("lg_level"))[0] > 4
    for at in breaks:
        paired.poke(start + at, bytes([0x00]))
        try:
            assert levels() != [4] * len(calls), at
        finally:
            paired.poke(start, code)


def test_best_lower_s_threshold_keeps_every_largest_logit():
    """The model's T' (logit_planes.best_lower_threshold: LG_BEST_LOWER's first list) never drops a row whose logit
    is the largest (ties included) on random calls of every size and shift, nor the best row it is taken from; and
    it leaves fewer rows than T = best - D_4 + 1 on most of them (it is the tighter bound it is meant to be)."""
    rng = np.random.default_rng(3434)
    tighter = 0
    for trial in range(600):
        rows = int(rng.integers(2, 130))
        w = rng.integers(-128, 128, (rows, 32))
        w[rng.integers(0, rows, 3)] = w[0]                          # (ties)
        x = vector_with_sum(rng, int(rng.integers(1, MOST_SUM + 1)), -400, 400)
        shift = int(rng.integers(4, 16))
        tables, scale, size = select_tables(x)
        planes = plane_sums(w, tables)
        q4 = 8 * planes[:, 0] + 4 * planes[:, 1] + 2 * planes[:, 2] + planes[:, 3]
        least = best_lower_threshold(q4, planes, scale, size, shift)
        logits = intmath.matvec(w, 0, x, post=shift)
        assert all(q4[r] >= least for r in np.flatnonzero(logits == logits.max())), trial
        assert q4.max() >= least
        tighter += (q4 >= least).sum() < (q4 >= threshold(int(q4.max()), 4, scale, size, shift)).sum()
    assert tighter >= 300, tighter


def header_text() -> str:
    lines = []
    for line in (KERNELS_DIR / "z80" / "logitplanes.s").read_text().splitlines():
        if not line.startswith(";"):
            break
        lines.append(line.lstrip("; "))
    return " ".join(lines)


def test_the_header_states_what_the_kernel_takes(paired):
    """lg_select's T-states on "hello"'s four reply steps (the mean, and with one row: the tables and
    the list's steps) and the bytes the file assembles to (its tables' pages apart)."""
    bench = paired      # (the shipped form's breaks and figures)
    _, calls = hello_calls()
    out = load_soul(DEFAULT_SOUL)["out"]
    w = out.values.astype(np.int64)[spec.FIRST_CHOOSABLE:]
    text = header_text()
    times = [run_select(bench, w, x, out.shift)[1] for x, _ in calls]
    assert f"mean {round(np.mean(times)):,}" in text
    one_row = run_select(bench, w[:1], calls[0][0], out.shift)[1]
    assert f"one row {one_row:,}" in text
    size = sum(len(row.data) for row in bench.program.listing_lines if row.file.endswith("/logitplanes.s"))
    match = re.search(r"Its bytes: ([\d,]+)", text)
    assert match and int(match.group(1).replace(",", "")) == size


def row_logits(bench, w, x, shift: int, rows) -> tuple[list, list]:
    """lg_row_logit on each of `rows` of w (its plane_bytes row at the page after lg_page's, x at lg_x,
    lg_level 4 as lg_select leaves it): (HL as signed words or None where carry is set, T-states)."""
    masks = plane_bytes(np.asarray(w))
    x_at, page = 0xA000, 0xE0
    bench.write_words(x_at, np.asarray(x, dtype=np.int64))
    bench.poke_word(bench.sym("lg_x"), x_at)
    bench.poke(bench.sym("lg_page"), [page])
    bench.poke(bench.sym("lg_shift"), [shift])
    logits, times = [], []
    for r in rows:
        bench.poke((page + 1) * 256, masks[32 * r:32 * r + 32])
        times.append(bench.call("lg_row_logit"))
        hl = bench.cpu.hl
        logits.append(None if bench.cpu.f & 1 else hl - 65536 * (hl >= 32768))
    return logits, times


def test_a_row_s_logit_from_its_planes_is_exact(bench):
    """lg_row_logit (fw_out_exact's rows where lg_select leaves more than one): (w x) >> shift exact on
    random rows and vectors, the extremes lg_select takes among them (w -128 and 127, sum |x| 4,095,
    shifts 4..15), interrupts as found; C and nothing summed where lg_level is 0 (lg_decline's mark)."""
    rng = np.random.default_rng(2817)
    level = bench.sym("lg_level")
    bench.poke(level, [4])
    for trial in range(24):
        w = rng.integers(-128, 128, (4, 32))
        if trial % 3 == 0:
            w = rng.choice([-128, 127], (4, 32))
        x = vector_with_sum(rng, int(rng.integers(1, MOST_SUM + 1)), -400, 400)
        if trial % 4 == 0:
            x = rng.choice([-1, 1], 32) * (MOST_SUM // 32)
        shift = int(rng.integers(4, 16))
        got, _ = row_logits(bench, w, x, shift, range(4))
        assert got == [int(v) for v in intmath.shift_right(w @ x, shift)], trial
    bench.call("lg_row_logit", interrupts=True)
    assert bench.cpu.iff1 == 1 and bench.cpu.iff2 == 1
    bench.poke(level, [0])
    assert row_logits(bench, w, x, 4, [0])[0] == [None]


def test_a_broken_row_logit_fails(bench):
    """Two single-instruction breaks (plane 7's masks not inverted: lg_row_logit's dec a before
    LG_EXACT_FLIP's store made a nop; the Horner step's add hl,hl made a nop) each give a wrong logit."""
    rng = np.random.default_rng(28)
    w, x = rng.integers(-128, 128, (4, 32)), vector_with_sum(rng, 3000)
    bench.poke(bench.sym("lg_level"), [4])
    want = [int(v) for v in intmath.shift_right(w @ x, SHIFT)]
    start = bench.sym("lg_row_logit")
    code = bench.peek(start, bench.sym("lg_exact_order") - start)
    flip = code.index(bytes([0x3D, 0x32]))                                          # dec a / ld (nn),a
    acc = bench.sym("LG_EXACT_ACC").to_bytes(2, "little")      # (its operand, not any $2A byte: zxatt128c's layout)
    horner = code.index(bytes([0x2A]) + acc + bytes([0x29])) + 3                     # ld hl,(acc) / add hl,hl
    assert code[horner] == 0x29
    try:
        for at in (flip, horner):
            bench.poke(start + at, [0x00])
            assert row_logits(bench, w, x, SHIFT, range(4))[0] != want, at
            bench.poke(start, code)
        assert row_logits(bench, w, x, SHIFT, range(4))[0] == want
    finally:
        bench.poke(start, code)
