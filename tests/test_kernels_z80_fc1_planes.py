"""fc1planes.s's ReLU gate by bit planes of the weights (fg_tables, fg_rows; on the kernels' bench, in
neither player): bit-exact against the engine's relu(matvec) and fc1_planes' model for random matrices,
biases and vectors (rows of every class, every shift it takes), the extremes (w = -128 / 127, biases at
the ends of int16, sum |x| exactly 2047 with one sign and both, all zeros), the shipped soul's real fc1
inputs of "hello" (both layers, every position of the turn), declining the calls it cannot take (sum |x|
> 2047, an x of -32768); the interrupt state and IY given back; a kernel with one instruction broken
fails; the fill's linked passes make every table entry (thirty-fourth round, zxgroup34), and a stub linked or stored
wrong fails; and the header's T-states and size are what the kernel takes."""

from __future__ import annotations

import re

import numpy as np
import pytest

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.soul import intmath
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx.fc1_planes import (FG_SOURCE, LEAST_SHIFT, MOST_SHIFT, MOST_SUM, gate_rows, row_class,
                                    run_gate, takes)
from soulterm.zx.kernelbench import Z80_KERNELS_DIR, KernelTimeout, Z80Bench, player_kernel_options
from soulterm.zx.weight_planes import turn_inputs, vector_with_sum


@pytest.fixture(scope="module")
def bench():
    return Z80Bench(extra_source=FG_SOURCE, options=player_kernel_options("128k"))


def relu_fc1(w, b, x, shift: int) -> np.ndarray:
    """The engine's fc1: relu(sat16((W x + b) >> shift))."""
    acc = np.asarray(w, dtype=np.int64) @ np.asarray(x, dtype=np.int64) + np.asarray(b, dtype=np.int64)
    return intmath.relu(intmath.sat16(intmath.shift_right(acc, shift)))




def mixed_rows(rng, rows: int) -> np.ndarray:
    """Rows of class 2 (-32..31), 1 (-64..63, the ends among them) and 0 (-128..127)."""
    ends = rng.choice([32, 64, 128], rows)
    w = np.array([rng.integers(-end, end, 32) for end in ends])
    w[ends == 64, 0] = -64
    w[ends == 64, 1] = 63
    return w


def check(bench, w, b, x, shift: int) -> list:
    """One call through the kernel, against the engine and the model; returns the rows' fates."""
    want = relu_fc1(w, b, x, shift)
    model, fates = gate_rows(w, b, x, shift)
    assert np.array_equal(model, want)
    got, _, _ = run_gate(bench, w, b, x, shift)
    assert got is not None, "fg_tables declined a call it takes"
    assert np.array_equal(got, want), (shift, np.flatnonzero(got != want)[:8])
    return fates


def test_random_calls_are_bit_exact(bench):
    rng = np.random.default_rng(2716)
    fates = set()
    for trial in range(40):
        rows = int(rng.integers(1, 65))
        w = mixed_rows(rng, rows)
        b = rng.integers(-12000, 6000, rows)
        x = vector_with_sum(rng, int(rng.integers(1, MOST_SUM + 1)))
        fates |= {fate[:1] for fate in check(bench, w, b, x, int(rng.integers(LEAST_SHIFT, MOST_SHIFT + 1)))}
    assert fates == {("zero",), ("sure",), ("exact",)}


def test_the_extremes(bench):
    """w at -128 and 127, biases at int16's ends (fg_sure's rows among them), sum |x| exactly 2047 with
    one sign and with both, zeros."""
    rng = np.random.default_rng(5)
    one_sign = np.full(32, 2047 // 32)
    one_sign[0] += 2047 - one_sign.sum()
    both = one_sign * np.where(np.arange(32) % 2, 1, -1)
    rows = np.array([np.full(32, -128), np.full(32, 127), np.where(np.arange(32) % 2, 127, -128),
                     np.where(np.arange(32) % 2, -128, 127), np.zeros(32, int), rng.integers(-128, 128, 32)])
    w = np.concatenate([rows, rows])
    b = np.array([-32768] * 6 + [32767] * 6)
    fates = set()
    for x in (one_sign, -one_sign, both, -both, np.zeros(32, int), np.r_[[2047], np.zeros(31, int)],
              np.r_[[-2047], np.zeros(31, int)]):
        assert int(np.abs(x).sum()) <= MOST_SUM
        for shift in (LEAST_SHIFT, 6, MOST_SHIFT):
            fates |= {fate[0] for fate in check(bench, w, b, x, shift)}
    assert fates == {"zero", "sure", "exact"}


def test_the_shipped_soul_s_fc1_calls_of_hello(bench):
    """Both layers' fc1 at every position of "hello"'s turn, as the engine runs them: equal to its outputs."""
    soul = load_soul(DEFAULT_SOUL)
    engine = Engine(soul)
    context = Tokenizer.load(DEFAULT_TOKENIZER).encode_turn("hello")
    calls = 0
    for _, name, x in turn_inputs(engine, context):
        if name.endswith("fc1_w"):
            parts = engine.layers[int(name[1])]
            assert takes(x, int(parts.s_fc1))
            check(bench, parts.fc1_t.T, parts.fc1_b, x, int(parts.s_fc1))
            calls += 1
    assert calls >= 16
    classes = [row_class(row) for layer in engine.layers for row in layer.fc1_t.T]
    assert {0, 1, 2} <= set(classes)


def test_the_calls_it_declines(bench):
    rng = np.random.default_rng(9)
    w = rng.integers(-128, 128, (4, 32))
    b = np.zeros(4, int)
    for x in (np.r_[[2048], np.zeros(31, int)], np.full(32, 64), np.r_[[-32768], np.zeros(31, int)],
              np.full(32, -32768), np.full(32, 32767)):
        assert not takes(x, 6)
        got, _, _ = run_gate(bench, w, b, x, 6)
        assert got is None


@pytest.mark.parametrize("interrupts", [False, True])
def test_the_interrupt_state_is_given_back(bench, interrupts):
    """fg_tables (built or declined) and fg_rows run with interrupts off and leave them as they found
    them; IY too (fg_tables sums -N_g in it)."""
    rng = np.random.default_rng(3)
    for x in (vector_with_sum(rng, 1000), np.full(32, -128), np.r_[[5000], np.zeros(31, int)]):
        bench.write_words(0x9F00, x)
        bench.poke_word(bench.sym("fg_x"), 0x9F00)
        bench.cpu.iy = 0x5C3A
        bench.call("fg_tables", interrupts=interrupts)
        assert bench.cpu.iff1 == int(interrupts) and bench.cpu.iy == 0x5C3A
    w = rng.integers(-128, 128, (4, 32))
    run_gate(bench, w, np.zeros(4, int), vector_with_sum(rng, 1000), 6)
    bench.call("fg_rows", interrupts=interrupts)
    assert bench.cpu.iff1 == int(interrupts)


def test_a_broken_kernel_fails(bench):
    """Each of six single-instruction breaks makes one of four random calls differ from the engine: the
    row start's K for class 1 (its add ix,bc as two nops: BC holds K1 through the rows since the thirty-fourth
    round) and for class 2 (K2 in DE', its exx / add ix,de / exx's add as two nops), a plane's doubling (the first
    add ix,ix after plane 7 as two nops), the end's sbc hl,de of U_0 as two nops, the end's bl + c2 + 2^shift (its add hl,de
    of the tail's bl as a nop: thirty-third round, zxfc1p33, the rows' start without the rounding's carry; since
    zxfc1rows34 the tail's bl and 0 popped into DE, added to c2 + 2^shift as a word), and the fill's
    first step add hl,bc as a nop."""
    rng = np.random.default_rng(11)
    calls = []
    for _ in range(4):
        w = mixed_rows(rng, 24)
        b = rng.integers(-12000, 6000, 24)
        calls.append((w, b, vector_with_sum(rng, 1800), int(rng.integers(LEAST_SHIFT, MOST_SHIFT + 1))))
    start, end = bench.sym("fg_tables"), bench.sym("fg_table_pages")
    code = bench.peek(start, end - start)
    full = bench.sym("fg_start_0") - start
    k1, k2 = bench.sym("fg_k1") - start, bench.sym("fg_k2") - start + 1     # (fg_k2: exx, then add ix,de)
    assert code[k1:k1 + 2] == bytes([0xDD, 0x09]) and code[k2:k2 + 2] == bytes([0xDD, 0x19])
    chain = bench.sym("fg_end_chain_at") - start
    fill = bench.sym("fg_fill") - start
    end_carry = bench.sym("fg_end_c2") - start
    assert code[end_carry] == 0x21 and code[end_carry + 3] == 0x19       # (ld hl,c2 + 2^shift / add hl,de)
    breaks = ((k1, bytes([0, 0])),
              (k2, bytes([0, 0])),
              (code.index(bytes([0xDD, 0x29]), full), bytes([0, 0])),
              (code.rindex(bytes([0xED, 0x52]), 0, chain), bytes([0, 0])),
              (end_carry + 3, bytes([0])),
              (fill, bytes([0])))
    try:
        for at, patch in breaks:
            bench.poke(start + at, patch)
            assert any(not np.array_equal(run_gate(bench, *call)[0], relu_fc1(*call)) for call in calls), at
            bench.poke(start, code)
        assert all(np.array_equal(run_gate(bench, *call)[0], relu_fc1(*call)) for call in calls)
    finally:
        bench.poke(start, code)


def test_the_tests_in_the_next_planes_doubling_and_fg_sure_can_fail(bench):
    """Twenty-ninth round (zxffn29): a row's test after planes 4..1 is the next plane's add ix,ix (its carry U's
    sign) and fg_sure starts from IX = 2 U_4 + 65536. Each break makes one of the calls differ from the engine:
    fg_sure's ccf as a nop (V's bit 15 wrong), the sure check's cp $F0 as cp $E0 (U_4 in -4096..-2049 wraps in
    planes 3..0), the doubling before plane 0 as two nops, fg_zero_3's skip a plane short (the next rows misread)."""
    rng = np.random.default_rng(2929)
    calls = []
    for _ in range(6):
        w = mixed_rows(rng, 32)
        calls.append((w, rng.integers(-12000, 6000, 32), vector_with_sum(rng, 1800), int(rng.integers(LEAST_SHIFT, MOST_SHIFT + 1))))
    w = np.concatenate([np.full((4, 32), 127), np.full((4, 32), -128), rng.integers(-128, 128, (8, 32))])
    b = np.linspace(-32768, 32767, 16).astype(int)
    for scale in (1, 2, 3, 4, 6, 8, 12, 16):
        x = np.full(32, 2047 // 32) * scale // 16
        calls += [(w, b, x, shift) for shift in (LEAST_SHIFT, MOST_SHIFT)]
    start, end = bench.sym("fg_tables"), bench.sym("fg_table_pages")
    code = bench.peek(start, end - start)
    sure = bench.sym("fg_sure") - start
    plane_4 = bench.sym("fg_plane_4") - start
    zero_3 = bench.sym("fg_zero_3") - start
    end_test = code.index(bytes([0xDD, 0x7C, 0x17]), plane_4)           # plane 0's ld a,ixh / rla
    breaks = ((code.index(bytes([0x3F]), sure), bytes([0])),
              (code.index(bytes([0xFE, 0xF0]), plane_4), bytes([0xFE, 0xE0])),
              (code.rindex(bytes([0xDD, 0x29]), plane_4, end_test), bytes([0, 0])),
              (zero_3, bytes([0x21, 2 * 8, 0])))
    def differs(call) -> bool:
        try:
            return not np.array_equal(run_gate(bench, *call)[0], relu_fc1(*call))
        except KernelTimeout:          # (rows misread can run off into data)
            return True

    assert not any(differs(call) for call in calls)
    try:
        for at, patch in breaks:
            bench.poke(start + at, patch)
            assert any(differs(call) for call in calls), at
            bench.poke(start, code)
    finally:
        bench.poke(start, code)


FILL_PASSES = 8                 # (a group's fill passes, a stub each: word_fill_rows_linked)
X_AT = 0x9F00


def built_tables(bench, x) -> list[np.ndarray] | None:
    """fg_tables on x: the 4 groups' 256 word entries as the kernel left them, or None where it declined."""
    bench.write_words(X_AT, np.asarray(x, dtype=np.int64))
    bench.poke_word(bench.sym("fg_x"), X_AT)
    bench.call("fg_tables")
    if bench.cpu.f & 1:
        return None
    page = bench.sym("FG_PAGE")
    return [bench.read_words((page + 2 * group) << 8, 256) for group in range(4)]


def subset_sum_tables(x) -> list[np.ndarray]:
    """E_g[m]: the sum of group g's x over m's bits (bit j: x_{8 g + j}) less the group's negative x's sum."""
    x = np.asarray(x, dtype=np.int64)
    bits = (np.arange(256)[:, None] >> np.arange(8)) & 1
    tables = []
    for group in range(4):
        xs = x[8 * group:8 * group + 8]
        tables.append(bits @ xs - xs[xs < 0].sum())
    return tables


def same_tables(got, want) -> bool:
    return got is not None and all(np.array_equal(np.asarray(g, dtype=np.int64) & 0xFFFF, w & 0xFFFF)
                                   for g, w in zip(got, want))


def test_the_linked_fill_makes_the_subset_sums(bench):
    """Thirty-fourth round (zxgroup34): the fill's 8 passes a group by word_fill_rows_linked's stubs, the Gray code
    storing the odd A' alone into them: every entry of the 4 tables is its subset sum, on random x, the extremes and
    one sign only; a call over FG_MOST_SUM still declines."""
    rng = np.random.default_rng(3441)
    vectors = [vector_with_sum(rng, total, -600, 600) for total in (1, 700, 1500, 1900)]     # (about the total)
    vectors += [np.full(32, -63), np.full(32, 63), np.tile([-64, 63], 16), np.zeros(32, int),
                np.r_[np.zeros(31, int), -MOST_SUM]]
    for x in vectors:
        assert np.abs(x).sum() <= MOST_SUM
        assert same_tables(built_tables(bench, x), subset_sum_tables(x)), x
    assert built_tables(bench, np.full(32, 128)) is None


def test_a_broken_link_or_stub_fails(bench):
    """A stub linking past the next pass (its ld ix two stubs on) leaves a group's rows unwritten; a Gray store to
    the wrong stub's immediate gives a pass another pass's A'. Each makes other tables."""
    rng = np.random.default_rng(3442)
    x = vector_with_sum(rng, 1800, -600, 600)
    want = subset_sum_tables(x)
    stubs, stub_bytes = bench.sym("fg_fill_stubs"), bench.sym("WORD_STUB_BYTES")
    code = bench.peek(stubs, FILL_PASSES * stub_bytes)
    assert code[0] == 0x21 and code[3:5] == bytes([0xDD, 0x21])       # (ld hl,nn / ld ix,nn)
    assert [int.from_bytes(code[k * stub_bytes + 5:k * stub_bytes + 7], "little") for k in range(FILL_PASSES - 1)] \
        == [stubs + stub_bytes * (k + 1) for k in range(FILL_PASSES - 1)]
    try:
        bench.poke(stubs + 5, (stubs + 2 * stub_bytes).to_bytes(2, "little"))
        assert not same_tables(built_tables(bench, x), want)
    finally:
        bench.poke(stubs, code)
    start = bench.sym("fg_tables")
    gray = bench.peek(start, stubs - start)
    at = gray.index(bytes([0x22]) + (stubs + 1).to_bytes(2, "little"))     # (A'[15]'s store into pass 0's stub)
    try:
        bench.poke(start + at + 1, (stubs + stub_bytes + 1).to_bytes(2, "little"))
        assert not same_tables(built_tables(bench, x), want)
    finally:
        bench.poke(start, gray)
    assert same_tables(built_tables(bench, x), want)


def header_text() -> str:
    lines = []
    for line in (Z80_KERNELS_DIR / "fc1planes.s").read_text().splitlines():
        if not line.startswith(";"):
            break
        lines.append(line.lstrip("; "))
    return " ".join(lines)


def test_the_header_states_what_the_kernel_takes(bench):
    """fg_tables and fg_rows on "hello"'s fc1 calls, by layer (the means), and the code's size (the
    table pages apart)."""
    soul = load_soul(DEFAULT_SOUL)
    engine = Engine(soul)
    context = Tokenizer.load(DEFAULT_TOKENIZER).encode_turn("hello")
    times = {0: [], 1: []}
    for _, name, x in turn_inputs(engine, context):
        if name.endswith("fc1_w"):
            parts = engine.layers[int(name[1])]
            _, tables_t, rows_t = run_gate(bench, parts.fc1_t.T, parts.fc1_b, x, int(parts.s_fc1))
            times[int(name[1])].append((tables_t, rows_t))
    text = header_text()
    for layer, pairs in times.items():
        tables_t, rows_t = np.mean(pairs, axis=0)
        assert f"layer {layer}'s fg_tables {tables_t:,.0f} and fg_rows {rows_t:,.0f}" in text, (layer, tables_t, rows_t)
    size = bench.sym("fg_table_pages") - bench.sym("fg_x")
    pad = bench.sym("fg_table_pages") - bench.sym("fg_code_end")
    assert re.search(rf"{size - pad:,} bytes of code and variables", text), size - pad
