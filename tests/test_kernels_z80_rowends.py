"""matvec.s's short row ends (MV_LOW_HLA, the 128K's: mv_hz_store and its chains, mv_hz_add,
mv_hz_keep with mv_row_hz_resume, mv_hz_gate): the rows of a low or coarse call with no h sum
shift and store in the slots' register set. Each store a call can ask for (plain, adding to its
output as forward.s's residual adds do, ReLU as fc1's, gated or not) on x where most calls run
them (one piece, a few h = +-1 columns, 64 columns in two parts) and some do not (wider x,
shifts above 14), with outputs at the edges of the adds' saturation: intmath's every time."""

from __future__ import annotations

import numpy as np
import pytest

from soulterm.soul import intmath
from soulterm.zx.kernelbench import Z80Bench, player_kernel_options, set_matvec_store
from soulterm.zx.soul_layout import matvec_bytes

BUFFERS = 0xA000


@pytest.fixture(scope="module")
def bench():
    return Z80Bench(options=player_kernel_options("128k"))


def stored(store: str, product, out_before) -> np.ndarray:
    """What a call's store leaves in its output: the product, its saturating add to what was
    there (mv_store_add), or its ReLU."""
    return {"plain": product,
            "add": np.clip(out_before + product, -32768, 32767),
            "relu": np.maximum(product, 0)}[store]


def call(bench, w, x, bias, shift: int, out_before, routine: str = "matvec",
         out_address: int | None = None, carry_address: int | None = None) -> np.ndarray:
    """run_matvec's layout, with mv_out holding out_before first (mv_store_add adds to it);
    mv_out and mv_carry may be placed (at even addresses, as the short row ends need)."""
    rows, cols = w.shape
    matrix = matvec_bytes(w, bias)
    x_address = BUFFERS + len(matrix)
    bias_address = x_address + 2 * cols
    if out_address is None:
        out_address = bias_address + 2 * rows
        out_address += out_address & 1     # (the short row ends store at even addresses: mv_out, mv_carry)
    if carry_address is None:
        carry_address = out_address + 2 * rows
    bench.poke(BUFFERS, matrix)
    bench.write_words(x_address, x)
    if bias is not None:
        bench.write_words(bias_address, bias)
    bench.write_words(out_address, out_before)
    for name, value in (("mv_w", BUFFERS), ("mv_x", x_address), ("mv_out", out_address),
                        ("mv_bias", bias_address if bias is not None else 0),
                        ("mv_carry", carry_address)):
        bench.poke_word(bench.sym(name), value)
    bench.poke(bench.sym("mv_rows"), [rows])
    bench.poke(bench.sym("mv_cols"), [cols])
    bench.poke(bench.sym("mv_shift"), [shift])
    bench.call(routine)
    return bench.read_words(out_address, rows)


def assert_stored_noting_clips(bench, store: str, w, x, bias, shift: int, out_before, clipped: set,
                               label: str) -> None:
    """One call with `store` whose outputs must be intmath's stored that way (an AssertionError naming
    `label`, the call's shape and shift if not); `shift` goes into `clipped` where a row's sum passes 16 bits.
    The clip tests' body, on the 128K's options here and the 48K's (test_kernels_z80_rowends48.py)."""
    set_matvec_store(bench, store)
    got = call(bench, w, x, bias, shift, out_before)
    set_matvec_store(bench, "plain")
    product = intmath.matvec(w, shift, x, bias, post=0)
    if np.abs(product).max() >= 32767:
        clipped.add(shift)
    assert np.array_equal(got, stored(store, product, out_before)), f"{label}: {w.shape[0]}x{w.shape[1]} shift {shift}"


def low_x(rng, cols: int) -> np.ndarray:
    """One-piece x with a few h = +-1 columns (a low call's), now and then a wider one."""
    x = rng.integers(-127, 129, cols)
    for column in rng.choice(cols, int(rng.choice([0, 0, 1, 3, 8])), replace=False):
        x[column] = int(rng.choice([129, 200, 384, -128, -200, -383]))
    if rng.random() < 0.1:
        x[int(rng.integers(0, cols))] = int(rng.integers(-32768, 32768))
    return x


@pytest.mark.parametrize("store", ["plain", "add", "relu"])
def test_short_row_ends_store_as_intmath(bench, store):
    rng = np.random.default_rng({"plain": 1701, "add": 1702, "relu": 1703}[store])
    for case in range(40):
        cols = int(rng.choice([32, 32, 64, 64, 31, 16, 40]))
        rows = int(rng.integers(1, 70))
        w = rng.integers(-128, 128, (rows, cols))
        if case % 5 == 0:
            w = rng.choice([-128, 127], (rows, cols))   # (sums at the ends of the 24 bits' range)
        x = low_x(rng, cols)
        bias = rng.integers(-32768, 32768, rows) if case % 2 else None
        shift = int(rng.choice([0, 1, 3, 4, 4, 5, 6, 7, 7, 8, 9, 11, 14, 15, 20]))
        out_before = rng.integers(-32768, 32768, rows)
        out_before[rng.random(rows) < 0.3] = int(rng.choice([32767, -32768, 32000, -32000]))
        set_matvec_store(bench, store)
        got = call(bench, w, x, bias, shift, out_before)
        set_matvec_store(bench, "plain")
        product = intmath.matvec(w, shift, x, bias, post=0)
        want = stored(store, product, out_before)
        assert np.array_equal(got, want), f"case {case}: {rows}x{cols} shift {shift}"


@pytest.mark.parametrize("store", ["plain", "add", "relu"])
def test_matvec_again_short_look_stores_as_intmath(bench, store):
    """q, k and v of one xn: matvec_again after a call whose rows took the low copy's short ends
    (mv_hz_again) sets only the output and the shift's chain; other matrices, row counts, shifts
    (some above 7, where the ends are the slots' own) and biases, each call against intmath's."""
    rng = np.random.default_rng({"plain": 1711, "add": 1712, "relu": 1713}[store])
    looks = 0
    for case in range(30):
        narrow = case % 3 != 2             # (one-piece x: the rows start at mv_row_h_zero's copy)
        x = rng.integers(-127, 129, 32) if narrow else low_x(rng, 32)
        for again in range(3):
            rows = int(rng.integers(1, 70))
            w = rng.integers(-128, 128, (rows, 32))
            bias = rng.integers(-32768, 32768, rows) if rng.random() < 0.5 else None
            shift = int(rng.choice([0, 3, 4, 5, 6, 7, 7, 8, 9]))
            out_before = rng.integers(-32768, 32768, rows)
            looks += again > 0 and bench.peek(bench.sym("mv_hz_again"))[0] != 0
            set_matvec_store(bench, store)
            got = call(bench, w, x, bias, shift, out_before, "matvec_again" if again else "matvec")
            set_matvec_store(bench, "plain")
            product = intmath.matvec(w, shift, x, bias, post=0)
            want = stored(store, product, out_before)
            assert np.array_equal(got, want), f"case {case}, call {again}: {rows}x32 shift {shift}"
    assert (looks > 20) == (store != "relu"), looks   # (ReLU's rows keep the slots' own ends)


def test_gated_relu_rows_are_relu_of_intmath(bench):
    """fc1's call (MV_COARSE_GATE with mv_store_relu): mv_hz_gate stores 0 for a row it zeroes,
    the others go on to their low bytes; each row ReLU of intmath's, near the gate's threshold."""
    gate = bench.symbols["MV_COARSE_GATE"]
    rng = np.random.default_rng(1704)
    for case in range(40):
        cols = int(rng.choice([32, 32, 16, 30]))
        rows = int(rng.integers(1, 70))
        w = rng.integers(-128, 128, (rows, cols))
        x = low_x(rng, cols)
        shift = int(rng.choice([0, 3, 6, 6, 7, 8, 12, 21, 22, 23]))
        bias = np.clip(-(w @ x) + rng.integers(-(3 << shift), 3 << shift, rows), -32768, 32767)
        if case % 8 == 7:                   # (V at its ends: mv_hz_gate's V - Tv in 16 bits)
            w = rng.choice([-128, 127], (rows, cols))
            x = rng.choice([-127, 128], cols)
            bias = rng.choice([-32768, 32767, 0], rows)
        bench.poke(bench.sym("mv_coarse_on"), [gate])
        set_matvec_store(bench, "relu")
        got = call(bench, w, x, bias, shift, np.full(rows, 12345))
        set_matvec_store(bench, "plain")
        bench.poke(bench.sym("mv_coarse_on"), [0])
        assert np.array_equal(got, np.maximum(intmath.matvec(w, shift, x, bias, post=0), 0)), case


def sparse_x(rng, most: int) -> np.ndarray:
    """fc2's x as a sparse call takes it: two parts of 32, each with at most `most` nonzero
    one-piece values (ReLU leaves them positive; -127 and 128 at the pieces' ends too)."""
    x = np.zeros(64, dtype=np.int64)
    for start in (0, 32):
        nonzero = int(rng.integers(0, most + 1))
        columns = start + rng.choice(32, nonzero, replace=False)
        x[columns] = rng.choice([1, 128, -127, int(rng.integers(1, 129)), int(rng.integers(-127, 129))], nonzero)
    return x


@pytest.mark.parametrize("store", ["plain", "add", "relu"])
def test_sparse_short_row_ends_store_as_intmath(bench, store):
    """fc2's sparse calls (mv_row_hzs, with a bias mv_row_hzsb, mv_hzs_keep, mv_row_hzs_resume,
    mv_hzs_end): the main slots' A:HL straight into mv_carry and through mv_hz_left's chain,
    between dense calls on the main slots (wide x), whose mv_row_end mv_sparse_undo puts back."""
    rng = np.random.default_rng({"plain": 1711, "add": 1712, "relu": 1713}[store])
    most = bench.symbols["MV_SPARSE_MAX"]
    row_end = bench.sym("mv_row_end")
    short = 0
    for case in range(60):
        rows = int(rng.integers(1, 70))
        w = rng.integers(-128, 128, (rows, 64))
        if case % 5 == 0:
            w = rng.choice([-128, 127], (rows, 64))
        sparse = case % 3 != 2
        x = sparse_x(rng, most) if sparse else rng.integers(-32768, 32768, 64)
        bias = rng.integers(-32768, 32768, rows) if case % 2 else None
        shift = int(rng.choice([0, 1, 3, 4, 5, 6, 7, 7, 8, 9, 14]))
        out_before = rng.integers(-32768, 32768, rows)
        out_before[rng.random(rows) < 0.3] = int(rng.choice([32767, -32768, 32000, -32000]))
        set_matvec_store(bench, store)
        got = call(bench, w, x, bias, shift, out_before)
        set_matvec_store(bench, "plain")
        assert (bench.peek(bench.sym("mv_sparse_on"))[0] == 0xFF) == sparse, case
        if bench.peek(row_end)[0] == 0xC3:
            short += 1
            assert sparse and shift <= 7 and store != "relu", case
        product = intmath.matvec(w, shift, x, bias, post=0)
        want = stored(store, product, out_before)
        assert np.array_equal(got, want), f"case {case}: {rows}x64 shift {shift} sparse {sparse}"
    assert short == 0 if store == "relu" else short > 10, short


@pytest.mark.parametrize("store", ["plain", "add", "relu"])
def test_short_row_ends_store_words_across_a_page(bench, store):
    """The short row ends step a word's low byte with inc l (mv_out and mv_carry are even:
    forward.s's buffers assert it) and its high byte with inc hl: outputs and the first part's
    sums laid across a page boundary, every path (the low copy, a second part after mv_hz_keep
    and after mv_hzs_keep, the gate with ReLU), each word where intmath has it. It fails if the
    step from a row's word to the next stays on its page."""
    gate = bench.symbols["MV_COARSE_GATE"]
    rng = np.random.default_rng({"plain": 1721, "add": 1722, "relu": 1723}[store])
    page = 0xC000
    for case in range(24):
        rows = int(rng.integers(20, 70))
        kind = ("low", "parts", "sparse", "gated")[case % 4]
        if kind == "gated" and store != "relu":
            continue
        cols = 64 if kind in ("parts", "sparse") else 32
        w = rng.integers(-128, 128, (rows, cols))
        x = sparse_x(rng, bench.symbols["MV_SPARSE_MAX"]) if kind == "sparse" else rng.integers(-127, 129, cols)
        shift = int(rng.choice([4, 6, 7]))
        bias = rng.integers(-32768, 32768, rows) if case % 2 or kind == "gated" else None
        if kind == "gated":
            bias = np.clip(-(w @ x) + rng.integers(-(3 << shift), 3 << shift, rows), -32768, 32767)
            bench.poke(bench.sym("mv_coarse_on"), [gate])
        out_address = page - 2 * int(rng.integers(1, rows))
        carry_address = page + 0x200 - 4 * int(rng.integers(1, rows))   # (after the output)
        out_before = rng.integers(-32768, 32768, rows)
        set_matvec_store(bench, store)
        got = call(bench, w, x, bias, shift, out_before, out_address=out_address, carry_address=carry_address)
        set_matvec_store(bench, "plain")
        bench.poke(bench.sym("mv_coarse_on"), [0])
        product = intmath.matvec(w, shift, x, bias, post=0)
        assert np.array_equal(got, stored(store, product, out_before)), f"case {case}: {kind} {rows}x{cols} shift {shift}"


@pytest.mark.parametrize("store", ["plain", "add"])
def test_short_row_ends_clip_at_shifts_up_to_7(bench, store):
    """Rows whose V << (7 - shift) passes 16 bits (w, x and the bias of one sign, or of the
    other, in every column; x up to 384 in a second part) at shifts 0 to 7: each step of
    mv_hz_left's chain clips to 32767 or -32768 before the store or the add (mv_hz_store's jp
    to mv_hz_add), as intmath's sat16; mv_hz_add_steps' own steps (shift 7 - MV_HZ_ADD_STEPS
    on) on the sums they take, which pass 16 bits at shift 6 only where x is wider than these
    calls' (shift 4 with 3 steps: it fails if their clip went straight to mv_hz_add)."""
    rng = np.random.default_rng({"plain": 1731, "add": 1732}[store])
    clipped = set()
    for case in range(48):
        cols = int(rng.choice([32, 64]))
        rows = int(rng.integers(8, 40))
        x = rng.choice([-127, 128], cols) if case % 4 else rng.integers(-127, 129, cols)
        if cols == 64 and case % 3:
            x[32:] = rng.choice([-383, 384], 32)  # (a second part after mv_hz_keep: |x| <= 384)
        sign = rng.choice([-1, 1], (rows, 1))
        w = np.sign(x)[None, :] * rng.integers(120, 128, (rows, cols)) * sign
        if cols == 64 and case % 3:
            w = np.where(np.sign(x)[None, :] * sign > 0, 127, -128)
        bias = sign[:, 0] * rng.integers(30000, 32768, rows) if case % 2 else None
        shift = (case // 4 + case) % 8
        out_before = rng.integers(-32768, 32768, rows)
        assert_stored_noting_clips(bench, store, w, x, bias, shift, out_before, clipped, f"case {case}")
    assert clipped >= {0, 1, 2, 3, 4, 5, 6}, clipped
