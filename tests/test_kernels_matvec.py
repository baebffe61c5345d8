"""matvec.s against the integer engine's intmath.matvec, on random and edge inputs."""

from __future__ import annotations

import numpy as np
import pytest

from soulterm.paths import KERNELS_DIR
from soulterm.player.harness import WEIGHTS_AT, KernelBench, edge_vector, run_matvec
from soulterm.soul import intmath

SHAPES = ((32, 32), (64, 32), (32, 64), (128, 32))


@pytest.fixture(scope="module")
def bench():
    return KernelBench()


def test_matvec_matches_intmath_on_200_random_cases(bench):
    rng = np.random.default_rng(2024)
    for case in range(200):
        rows, cols = SHAPES[case % 4] if case % 10 else (int(rng.integers(1, 129)), int(rng.integers(1, 65)))
        if rows not in (1, 2, 4, 8, 16, 32, 64, 128):
            rows = 32
        w = rng.integers(-127, 128, (rows, cols))
        if case % 7 == 0:
            w = rng.choice([-127, 127], (rows, cols))       # max-magnitude weights
        x = edge_vector(rng, cols, case % 6)
        bias = rng.integers(-32768, 32768, rows) if case % 3 == 0 else None
        shift = int(rng.integers(0, 16))
        got, _ = run_matvec(bench, w, x, bias, shift)
        want = intmath.matvec(w, shift, x, bias, post=0)
        assert np.array_equal(got, want), f"case {case}: {rows}x{cols} shift {shift}"


def mostly_small_case(rng, case: int):
    """A shape, weights (every 5th case only -128 and 127) and an input that is mostly
    small (|x| <= 127; every 3rd an edge vector; every 10th from case 2 a 32x64 with
    more wide columns than slots, so the column pass runs), for the coarse and ReLU modes."""
    rows, cols = SHAPES[case % 4]
    w = rng.integers(-128, 128, (rows, cols)) if case % 5 else rng.choice([-128, 127], (rows, cols))
    x = rng.integers(-127, 128, cols) if case % 3 else edge_vector(rng, cols, case % 6)
    if case % 10 == 2:
        x = np.where(np.arange(cols) < 40, rng.integers(2000, 30000, cols), rng.integers(-127, 128, cols))
    return rows, cols, w, x


def coarse_slack(cols: int, shift: int) -> int:
    """How far below its exact output a coarse row may lie (matvec.s: MV_COARSE)."""
    return (255 * cols + (2 << shift) - 1) >> (shift + 1)


def test_coarse_rows_are_lower_bounds_and_mv_exact_row_makes_them_exact(bench):
    rng = np.random.default_rng(77)
    sym = bench.sym
    coarse_calls = 0
    for case in range(60):
        rows, cols, w, x = mostly_small_case(rng, case)
        bias = rng.integers(-32768, 32768, rows) if case % 2 else None
        shift = int(rng.integers(0, 16))
        got, _ = run_matvec(bench, w, x, bias, shift, coarse=True)
        want = intmath.matvec(w, shift, x, bias, post=0)
        small = int((np.abs(x) <= 127).sum())
        if not bench.memory[sym("mv_flags")] & sym("MV_COARSE"):   # it stayed exact
            assert small < sym("MV_COARSE_MIN_SMALL"), f"case {case}: {small} small columns, not coarse"
            assert np.array_equal(got, want), f"case {case}: an exact call"
            continue
        coarse_calls += 1
        assert small >= sym("MV_COARSE_MIN_SMALL"), f"case {case}"
        slack = coarse_slack(cols, shift)
        assert (got <= want).all() and (got >= want - slack).all(), f"case {case}: {rows}x{cols} shift {shift}"
        if case % 10 == 2:
            assert bench.memory[sym("mv_flags")] & sym("MV_HAS_WIDE"), f"case {case}: no column pass"
        chosen = sorted(set(rng.integers(0, rows, 3).tolist()) | {0, rows - 1})
        for r in reversed(chosen) if case % 2 else chosen:
            bench.call("mv_exact_row", x=r)
        now = bench.read_vector(sym("VEC_LOGITS"), rows)
        expected = got.copy()
        expected[chosen] = want[chosen]
        assert np.array_equal(now, expected), f"case {case}: rows {chosen} again"
    assert coarse_calls >= 30


def test_relu_rows_store_zero_only_when_relu_makes_them_zero(bench):
    """MV_RELU: in a narrow call a row whose output is certainly <= 0 may store 0 instead;
    after ReLU the vector is intmath's, every other row is exact (a call that is not
    narrow, or has no small column, is exact). Biases put many sums near 0 (the gate's
    edge); shapes with the column pass, short slots, a few or no small columns, and
    shifts of every finish (pass 2's end straight into a left or low finish too)."""
    rng = np.random.default_rng(13)
    sym = bench.sym
    gated = relu_calls = narrow_calls = 0
    for case in range(90):
        rows, cols, w, x = mostly_small_case(rng, case)
        if case % 10 == 4:                 # a few small columns or none, the rest short (narrow)
            x = np.where(np.arange(cols) < case % 6, 5, 300)
        shift = int(rng.integers(0, 12 if case % 4 else 16))     # mostly shifts with a narrow finish
        near = rng.integers(-3 << (shift + 1), 3 << (shift + 1), rows)
        bias = np.clip(near - w @ x, -32768, 32767) if case % 2 else rng.integers(-32768, 32768, rows)
        got, _ = run_matvec(bench, w, x, bias, shift, relu=True)
        want = intmath.matvec(w, shift, x, bias, post=0)
        small = int((np.abs(x) <= 127).sum())
        narrow = bench.peek(sym("mv_finish_left_end@byte3"), 1)[0] == sym("OP_DEX")
        narrow_calls += narrow
        changed = got != want
        if not (narrow and small):
            assert not changed.any(), f"case {case}: {small} small columns, narrow {narrow}: exact"
        assert (got[changed] == 0).all() and (want[changed] < 0).all(), f"case {case}: {rows}x{cols} shift {shift}"
        assert np.array_equal(intmath.relu(got), intmath.relu(want)), f"case {case}"
        gated += int(changed.sum())
        relu_calls += bool(narrow and small)
        if case % 9 == 0:                  # the next call, without the flag, is exact again
            got, _ = run_matvec(bench, w, x, bias, shift)
            assert np.array_equal(got, want), f"case {case}: the call after"
    assert relu_calls >= 35 and gated >= 500 and narrow_calls < 90


def test_matvec_saturates_both_ways(bench):
    w = np.full((32, 32), 127)
    w[16:] = -127
    x = np.full(32, 32767)
    got, _ = run_matvec(bench, w, x, None, 0)
    assert list(got[:16]) == [32767] * 16 and list(got[16:]) == [-32768] * 16


def test_matvec_floors_negative_sums(bench):
    w = np.zeros((32, 32), dtype=np.int64)
    w[:, 0] = -1
    x = np.zeros(32, dtype=np.int64)
    x[0] = 3                                   # every row sums to -3; -3 >> 1 = -2
    got, _ = run_matvec(bench, w, x, None, 1)
    assert list(got) == [-2] * 32


def test_slot_and_wide_inputs_cost_what_the_header_says(bench):
    """Inputs in -127..127 (zero included) take the small passes' slots, up to 1663 a short
    slot, wider ones a wide slot."""
    w = np.ones((32, 32), dtype=np.int64)
    sym = bench.sym
    pass_entry = sym("mv_small_end") - 32 * sym("SMALL_SLOT_SIZE")
    cycles = {}
    for name, value in (("zero", 0), ("small", 5), ("edge", 1663), ("wide", 5000)):
        _, cycles[name] = run_matvec(bench, w, np.full(32, value), None, 7)
        entry = int.from_bytes(bench.peek(sym("mv_small"), 2), "little")
        assert (entry == pass_entry) == (name in ("zero", "small")), name
    assert max(cycles["small"], cycles["edge"]) < cycles["wide"]
    # Exact budgets (cycles are deterministic): per multiply-accumulate all in.
    assert max(cycles["small"], cycles["edge"]) / 1024 <= 55
    assert cycles["wide"] / 1024 <= 140


def test_slot_range_edges(bench):
    """The last inputs a slot takes and the first ones the wide pass takes, both signs."""
    rng = np.random.default_rng(7)
    edges = [-32768, -1665, -1664, -1663, -129, -128, -127, -1, 0, 1, 127, 128,
             1662, 1663, 1664, 1665, 32767, 896, -897]
    for case in range(12):
        rows, cols = SHAPES[case % 4]
        w = rng.integers(-128, 128, (rows, cols))
        x = rng.choice(edges, cols)
        bias = rng.integers(-32768, 32768, rows) if case % 2 else None
        got, _ = run_matvec(bench, w, x, bias, case % 16)
        assert np.array_equal(got, intmath.matvec(w, case % 16, x, bias, post=0)), f"case {case}"


def test_wide_slots_then_the_column_pass(bench):
    """The first MV_WIDE_SLOTS wide inputs take wide slots, the rest the column pass; k/v reuse
    the slots (their weights elsewhere) and walk again after a column pass."""
    rng = np.random.default_rng(11)
    slots = bench.sym("MV_WIDE_SLOTS")
    for wide in (11, slots - 1, slots, slots + 1, 32, 64):
        rows, cols = (32, 64) if wide > 32 else (64, 32)
        x = rng.integers(-300, 300, cols)
        picked = rng.choice(cols, min(wide, cols), replace=False)
        x[picked] = rng.choice([-1, 1], len(picked)) * rng.integers(1921, 32768, len(picked))
        for same_input in (False, True):
            w = rng.integers(-128, 128, (rows, cols))
            bias = rng.integers(-32768, 32768, rows)
            at = WEIGHTS_AT + (0x1000 - rows if same_input else 0)
            got, _ = run_matvec(bench, w, x, bias, 9, same_input=same_input, weights_at=at)
            assert np.array_equal(got, intmath.matvec(w, 9, x, bias, post=0)), f"{wide} wide"


def test_squares_table_holds_n_squared(bench):
    """mv_build_squares (run by the bench like the program at start-up) against n*n."""
    sym = bench.sym
    span = sym("SQ_RANGE")
    n = np.arange(-span, span)
    mid = np.frombuffer(bench.peek(sym("SQ_MID"), 2 * span), dtype=np.uint8)
    high = np.frombuffer(bench.peek(sym("SQ_HI"), 2 * span), dtype=np.uint8)
    low = np.frombuffer(bench.peek(sym("SQ_LO"), 512), dtype=np.uint8)
    assert np.array_equal(mid, (n * n >> 8) & 0xFF) and np.array_equal(high, n * n >> 16)
    assert np.array_equal(low, (np.arange(512) ** 2) & 0xFF)
    assert span >= 1792


def test_same_input_repatches_only_the_weights(bench):
    """q, k and v share xn: the second and third calls keep the table operands and move
    every slot's weight operand by the distance between the matrices (either way, the
    low byte too)."""
    rng = np.random.default_rng(99)
    for case in range(20):
        rows, cols = SHAPES[case % 4]
        x = edge_vector(rng, cols, case % 6)
        first = rng.integers(-127, 128, (rows, cols))
        places = [WEIGHTS_AT, WEIGHTS_AT + 0x1000 + (rows if rows * cols <= 2048 else 0)]
        if case % 2:
            places.reverse()
        run_matvec(bench, first, x, None, 7, weights_at=places[0])
        fresh_cycles = None
        for again in range(2):
            w = rng.integers(-127, 128, (rows, cols))
            bias = rng.integers(-32768, 32768, rows) if again else None
            shift = int(rng.integers(0, 16))
            at = places[1 - again]
            got, cycles = run_matvec(bench, w, x, bias, shift, same_input=True, weights_at=at)
            assert np.array_equal(got, intmath.matvec(w, shift, x, bias, post=0)), f"case {case}"
            if bias is None:
                _, fresh_cycles = run_matvec(bench, w, x, None, shift, weights_at=at)
                assert cycles <= fresh_cycles


@pytest.mark.parametrize("shift", range(0, 13))
def test_every_shift_of_the_fast_finish_saturates_and_rounds_like_intmath(bench, shift):
    """Shifts 7..11 (one whole byte and 0..4 bits of the doubled sum) take the fast chain,
    4..6 (5..7 bits) the fast left finish, 0..3 (1..4 bits, no whole byte) the low finish,
    12 the general one: rows
    near and past both int16 edges, sums whose low bits decide the floor, and the widest
    sums 64 columns make (x = -32768 with w = -128 and -127, both signs)."""
    rng = np.random.default_rng(shift)
    x = rng.choice([-1, 1], 64) * rng.integers(20000, 32768, 64)
    w = rng.integers(-127, 128, (32, 64))
    w[:8] = 127 * np.sign(x)          # sums far past +32767 after the shift
    w[8:16] = -127 * np.sign(x)       # and past -32768
    bias = rng.integers(-32768, 32768, 32)
    got, _ = run_matvec(bench, w, x, bias, shift)
    want = intmath.matvec(w, shift, x, bias, post=0)
    assert np.array_equal(got, want)
    assert (want == 32767).any() and (want == -32768).any()

    widest = np.full(64, -32768)
    w = np.zeros((32, 64), dtype=np.int64)
    w[:4], w[4:8], w[8:12], w[12:16] = -128, -127, 127, 1
    bias = np.resize([32767, -32768, 0, 1], 32)
    got, _ = run_matvec(bench, w, widest, bias, shift)
    assert np.array_equal(got, intmath.matvec(w, shift, widest, bias, post=0))

    # The sums at the int16 edges and one either side, whose shifted-out low bits
    # are all ones or all zeros: sum = 32767 * (the row's weights) + bias.
    edge, unit = 32768 << shift, 1 << shift
    targets = [edge - 1, edge, edge + 1, -edge - 1, -edge, -edge + 1,
               unit - 1, unit, -unit, -unit - 1, -1, 0, 1]
    w = np.zeros((16, 64), dtype=np.int64)
    bias = np.zeros(16, dtype=np.int64)
    for row, target in enumerate(targets):
        total = round(target / 32767)
        q, r = divmod(total, 64)
        w[row] = q + (np.arange(64) < r)
        bias[row] = target - 32767 * total
    x = np.full(64, 32767)
    assert np.abs(w).max() <= 127 and np.abs(bias).max() < 32768
    assert list(w @ x + bias)[:len(targets)] == targets
    got, _ = run_matvec(bench, w, x, bias, shift)
    want = intmath.matvec(w, shift, x, bias, post=0)
    assert np.array_equal(got, want)
    if shift == 0:                      # nothing shifted out: the sums themselves, clipped
        assert list(want[:len(targets)]) == [int(np.clip(t, -32768, 32767)) for t in targets]
    else:
        assert list(want[:6]) == [32767, 32767, 32767, -32768, -32768, -32768]
        assert list(want[6:len(targets)]) == [0, 1, -1, -2, -1, 0, 0]


def test_the_row_finishes_cost_what_the_header_says(bench):
    """Per row, in range: the fast chain 43 + 14n (8 + n bits), the left finish for 7 / 6 / 5
    bits, the low one for 4..1, the general one for 13, from mv_row_end on (short slots: a
    full call); a narrow call's rows with small columns only, from pass 2's end: a plain
    store for 8 bits, the left and low finishes without byte 3's test, and for 5..7 bits
    with a small enough sum of s(x) without the range test (free; the checked narrow left
    finish measured with short columns, whose extra JMP cancels out). Measured as the growth
    from 64 to 128 rows at each shift, against a hand count (the fast chain's 43 from
    mv_row_end; a narrow store's 16: 18, and the next row start's CLC left out)."""
    rng = np.random.default_rng(5)
    small = rng.integers(-100, 100, 32)
    wide_enough = small.copy()
    wide_enough[:8] = 1500                          # sum of s(x) over MV_NARROW_SQUARES: full
    over_free = rng.choice([-1, 1], 32) * 400       # narrow, but over every free bound

    def per_row(x, shift):
        run_matvec(bench, np.zeros((64, 32), dtype=np.int64), x, None, shift)    # the call's mode set
        cycles = [run_matvec(bench, np.zeros((rows, 32), dtype=np.int64), x, None, shift)[1]
                  for rows in (64, 128)]
        return (cycles[1] - cycles[0]) / 64

    def finishes(x, base, bits_list):
        at_8 = per_row(x, 7)
        return {bits: int(base + per_row(x, bits - 1) - at_8) for bits in bits_list}

    full = finishes(wide_enough, 43, (1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13))
    narrow = finishes(small, 16, (1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12))
    checked = finishes(over_free, 16, (5, 6, 7))
    lines = (KERNELS_DIR / "matvec.s").read_text().splitlines()
    text = " ".join(line.lstrip("; ") for line in lines[:lines.index("")])
    assert full[12] == 43 + 4 * 14 and "43 + 14n" in text
    assert f"{full[7]} / {full[6]} / {full[5]} for 7 / 6 / 5 bits" in text
    assert f"{full[4]} / {full[3]} / {full[2]} / {full[1]} for 4 / 3 / 2 / 1 bits" in text
    assert f"{full[13]} for 13 bits" in text
    assert max(full[5], full[6], full[7]) < full[13] / 2
    assert full[4] < full[13]
    assert (f"narrow: 16 for 8 bits, {narrow[9]} / {narrow[10]} / {narrow[11]} / {narrow[12]} for "
            f"9 / 10 / 11 / 12, {checked[7]} / {checked[6]} / {checked[5]} for 7 / 6 / 5, "
            f"{narrow[4]} / {narrow[3]} / {narrow[2]} / {narrow[1]} for 4 / 3 / 2 / 1") in text
    assert f"free: {narrow[7]} / {narrow[6]} / {narrow[5]} for 7 / 6 / 5" in text
    assert all(narrow[bits] < full[bits] for bits in (1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12))
    assert all(narrow[bits] < checked[bits] < full[bits] for bits in (5, 6, 7))


@pytest.mark.parametrize("beyond", [0, 1])
def test_narrow_calls_at_their_bound(bench, beyond):
    """sum s(x) up to MV_NARROW_SQUARES is narrow (no test of byte 3): the widest such sums,
    every weight -128 or 127 against x's sign and the extreme biases, still come out exact;
    one more and the call is full. The widest: as many short columns as there are short
    slots, at the largest magnitude that stays narrow, the other columns at 127."""
    sym = bench.sym
    short, cols = sym("MV_SHORT_SLOTS"), sym("MV_MAX_COLS")
    room = sym("MV_NARROW_SQUARES") - (cols - short) * 127 * 127
    magnitude = int(np.sqrt(room / short)) + beyond
    while short * magnitude * magnitude > room and not beyond:
        magnitude -= 1
    narrow = short * magnitude * magnitude <= room
    assert narrow == (beyond == 0) and 127 < magnitude < 1664
    rng = np.random.default_rng(magnitude)
    for case in range(12):
        x = rng.choice([-1, 1], cols) * np.where(np.arange(cols) < short, magnitude, 127)
        w = np.where(x > 0, -128, 127) * np.ones((32, 1), dtype=np.int64)
        w[case % 2::2] *= -1
        w = np.clip(w, -128, 127)
        bias = np.resize([-32768, 32767], 32)
        shift = (7, 6, 4, 3, 2, 0, 5, 1, 8, 9, 10, 11)[case]
        got, _ = run_matvec(bench, w, x, bias, shift)
        assert np.array_equal(got, intmath.matvec(w, shift, x, bias, post=0)), f"case {case}"
        test_opcode = bench.peek(sym("mv_finish_left_end@byte3"), 1)[0]
        assert test_opcode == (sym("OP_DEX") if narrow else sym("OP_LDA_ZP"))


@pytest.mark.parametrize("bits, free, checked", [(5, 55, 64), (6, 119, 120), (7, 279, 280)])
def test_free_left_finishes_at_their_bound(bench, bits, free, checked):
    """A narrow call with a left finish (5..7 bits) and sum s(x) <= 65536 * MV_FREE_UNITS_n
    stores its rows without the range test (mv_finish_free): at the widest such sums (64
    columns of |x| = free, or as many as there are short slots and the rest 127 when free
    is short, every weight -128 or 127 with x's sign or against it, the extreme biases)
    every output is still exact; one more in |x| and the rows take the checked finish,
    where for 5 bits they saturate (so a looser bound would store them wrong)."""
    sym = bench.sym
    units = sym(f"MV_FREE_UNITS_{bits}")

    def magnitudes(magnitude):
        short = (np.arange(64) < sym("MV_SHORT_SLOTS")) | (magnitude <= 127)
        return np.where(short, magnitude, 127)

    assert (magnitudes(free) ** 2).sum() <= 65536 * units < (magnitudes(checked) ** 2).sum()
    rng = np.random.default_rng(bits)
    for magnitude in (free, checked):
        for case in range(4):
            x = rng.choice([-1, 1], 64) * magnitudes(magnitude)
            w = np.where(x > 0, 127, -128) * np.ones((32, 1), dtype=np.int64)
            against = np.arange(32) % 2 == case % 2           # these rows' sums negative
            w[against] = np.where(x > 0, -128, 127)
            bias = np.where(against == (case < 2), -32768, 32767)  # with the sum, then against it
            got, _ = run_matvec(bench, w, x, bias, bits - 1)
            want = intmath.matvec(w, bits - 1, x, bias, post=0)
            assert np.array_equal(got, want), f"|x| = {magnitude}, case {case}"
            finish = int.from_bytes(bench.peek(sym("mv_row_end@finish") + 1, 2), "little")
            is_free = sym("mv_finish_free") <= finish < sym("mv_finish_free_end")
            assert is_free == (magnitude == free), f"|x| = {magnitude}, finish ${finish:04X}"
            if bits == 5 and magnitude == checked and case < 2:
                assert set(want.tolist()) == {32767, -32768}


def test_rows_without_small_columns(bench):
    """No input in -127..127: the rows skip both small passes (short, wide or both kinds;
    the last two calls short, at most MV_SHORT_SLOTS columns, and narrow)."""
    rng = np.random.default_rng(31)
    sym = bench.sym
    for case in range(8):
        rows, cols = SHAPES[case % 4] if case != 6 else (64, 32)
        magnitudes = rng.integers(128, 1664, cols) if case % 3 == 0 else rng.integers(128, 9000, cols)
        if case % 3 == 2:
            magnitudes = rng.integers(1921, 32768, cols)
        if case >= 6:
            magnitudes = rng.integers(128, 400, cols)
        x = rng.choice([-1, 1], cols) * magnitudes
        w = rng.integers(-128, 128, (rows, cols))
        bias = rng.integers(-32768, 32768, rows) if case % 2 else None
        got, _ = run_matvec(bench, w, x, bias, 8 + case % 5)
        assert np.array_equal(got, intmath.matvec(w, 8 + case % 5, x, bias, post=0)), f"case {case}"
        assert int.from_bytes(bench.peek(sym("mv_small"), 2), "little") == sym("mv_small_end")
        narrow = bench.peek(sym("mv_finish_left_end@byte3"), 1)[0] == sym("OP_DEX")
        assert narrow == (case >= 6), f"case {case}"


def test_pass_2_reads_the_aligned_middle_bytes_for_inputs_from_0_up():
    """A small input x >= 0's pass-2 slot reads SQ_MID_ALIGNED (memory.inc), x < 0's the
    squares: a wrong byte in the copy's top part (read only when x + w >= 128) changes a
    call with such x and w, not one with x < 0, and the same columns taking inputs of
    the other sign in turn (the slots' pages written again) stay exact."""
    bench = KernelBench()
    sym = bench.sym
    aligned = sym("SQ_MID_ALIGNED")
    want_copy = bytes((j - 128) ** 2 >> 8 & 0xFF for j in range(sym("SQ_MID_ALIGNED_END") - aligned))
    assert bench.peek(aligned, len(want_copy)) == want_copy
    rng = np.random.default_rng(14)
    w = rng.integers(-127, 128, (32, 32))
    for x in (rng.integers(0, 128, 32), rng.integers(-127, 0, 32), rng.integers(-127, 128, 32),
              rng.integers(0, 128, 32)):
        got, _ = run_matvec(bench, w, x, None, 7)
        assert np.array_equal(got, intmath.matvec(w, 7, x, None, post=0))
    bench.poke(aligned + 256, [b ^ 0x40 for b in want_copy[256:]])
    negative = rng.integers(-127, 0, 32)
    got, _ = run_matvec(bench, w, negative, None, 7)
    assert np.array_equal(got, intmath.matvec(w, 7, negative, None, post=0))
    high = rng.integers(64, 128, (32, 32))
    positive = rng.integers(64, 128, 32)
    got, _ = run_matvec(bench, high, positive, None, 7)
    assert not np.array_equal(got, intmath.matvec(high, 7, positive, None, post=0))
