"""nzmatvec.s's matvec_nz (MV_NZ, twenty-seventh round): fc2 by its nonzero inputs only, a chain of
product pieces written per call for the nonzero columns; bit-exact against intmath (out += the
saturated, shifted W x + b, saturated), through matvec where the fast path declines the call."""

from __future__ import annotations

import numpy as np
import pytest

from soulterm.soul import intmath
from soulterm.zx.build import NZ_CHAIN_48K, NZ_CHAIN_BYTES_128K, NZ_CHAIN_BYTES_48K
from soulterm.zx.kernelbench import NZ_BENCH, Z80Bench, player_kernel_options, run_matvec_nz


def pieces_options(model: str, **options) -> str:
    """A player's options with matvec_nz's pieces (the chain's form before the thirty-seventh round's NZ_X_BITS):
    the tests of the pieces' own forms and costs."""
    return player_kernel_options(model, nz_x_bits=False, **options)


def player_48k_options(x_bits: bool = True) -> str:
    """The 48K player's (zxsparse48): matvec without MV_SPARSE (its fallback runs dense) and the chain apart from
    the rows' code, as on planes.s's tables in the screen (build.NZ_CHAIN_48K, all of the middle third); `x_bits`
    False: the pieces' form."""
    return "\n".join([player_kernel_options("48k", sparse=False, nz_x_bits=x_bits), f"NZ_CHAIN_AT = ${NZ_CHAIN_48K:04X}",
                      f"NZ_CHAIN_BYTES = {NZ_CHAIN_BYTES_48K}"])


@pytest.fixture(scope="module", params=["128k", "48k", "48k player", "128k pieces", "48k player pieces"])
def nz_bench(request):
    """matvec_nz with each player's matvec options (its fallback: the 48K's with MV_SHORT_K; the 48K player's
    without MV_SPARSE, its chain apart), by x's bits (NZ_X_BITS, the players' since the thirty-seventh round) and
    by the pieces before them."""
    model, _, form = request.param.partition(" pieces")
    if model == "48k player":
        return Z80Bench(NZ_BENCH, options=player_48k_options(x_bits=request.param == model))
    return Z80Bench(NZ_BENCH, options=player_kernel_options(model, nz_x_bits=request.param == model))


def expected(w, x, bias, shift, out):
    return intmath.sat16(np.asarray(out) + intmath.matvec(w, shift, np.asarray(x), bias, post=0))


def check(bench, w, x, bias, shift, out, short=False):
    got, t_states = run_matvec_nz(bench, w, x, bias, shift, out, short=short)
    np.testing.assert_array_equal(got, expected(w, x, bias, shift, out))
    return t_states


def random_call(rng, most_nonzero: int, most_x: int):
    """A random fc2-shaped call: w (32 x 64), x with 0..most_nonzero - 1 nonzero columns in 1..most_x - 1
    (ReLU's output), bias and out anywhere in int16."""
    w = rng.integers(-128, 128, (32, 64))
    bias = rng.integers(-32768, 32768, 32)
    out = rng.integers(-32768, 32768, 32)
    x = np.zeros(64, np.int64)
    count = int(rng.integers(0, most_nonzero))
    x[rng.choice(64, count, replace=False)] = rng.integers(1, most_x, count)
    return w, x, bias, out


def test_random_inputs_of_every_size_are_exact(nz_bench):
    rng = np.random.default_rng(2027)
    for trial in range(24):
        w, x, bias, out = random_call(rng, 26, [129, 256, 384, 1300][trial % 4])
        check(nz_bench, w, x, bias, [6, 4, 0, 7, 8, 9, 12, 15][trial % 8], out)


def test_extreme_inputs_are_exact(nz_bench):
    """All zero, one column, every column (matvec's fallback where the chain has no room), x = 1, 128,
    129, 255, 256, 383, 384 (the fast path's most), 385 and 32767 (matvec's), every column 384 with
    w = -128 (the 24-bit sums' extreme), 40 columns of 384; the bias and out at the int16 edges
    (saturation both ways)."""
    rng = np.random.default_rng(16)
    for values in ([], [1], [128], [129], [255], [256], [383], [384], [385], [511], [512], [32767],
                   [384, 1, 256], [200] * 24, [1] * 25, [384] * 40, [384] * 64, [100] * 64, [512, 768, 32000]):
        x = np.zeros(64, np.int64)
        x[rng.choice(64, len(values), replace=False)] = values
        for w_value in (127, -128, None):
            w = rng.integers(-128, 128, (32, 64)) if w_value is None else np.full((32, 64), w_value)
            for bias_value, out_value in ((32767, 32767), (-32768, -32768), (0, 0), (-32768, 32767)):
                bias = np.full(32, bias_value)
                out = np.full(32, out_value)
                for shift in (6, 4, 0, 15):
                    check(nz_bench, w, x, bias, shift, out)


def test_negative_inputs_are_exact():
    """x in -127..-1 runs the pieces' chain (h = 0, l = x: zxnz28's one check of x), -128 and below matvec; by x's
    bits (NZ_X_BITS) any x below 0 is matvec's: exact either way (fc2's z is ReLU's, never negative; any caller's)."""
    for options in (player_kernel_options("128k"), pieces_options("128k")):
        bench = Z80Bench(NZ_BENCH, options=options)
        rng = np.random.default_rng(27)
        for values in ([-1], [-127], [-128], [-129], [-32768], [-127, 1, 384, -5], [-100] * 30):
            x = np.zeros(64, np.int64)
            x[rng.choice(64, len(values), replace=False)] = values
            w, bias = rng.integers(-128, 128, (32, 64)), rng.integers(-3000, 3000, 32)
            check(bench, w, x, bias, 6, rng.integers(-3000, 3000, 32))


def test_the_columns_at_each_parts_ends_and_neighbours():
    """Skips of every length (dec sp after a pop, inc sp, pops, the long skip) at each part's first and
    last column, with fewer than 64 columns too (a first part of 1..31); by x's bits, each part's units by its
    own index register."""
    for options in (player_kernel_options("128k"), pieces_options("128k")):
        the_columns_at_each_parts_ends(Z80Bench(NZ_BENCH, options=options))


def the_columns_at_each_parts_ends(bench):
    rng = np.random.default_rng(7)
    for cols in (64, 33, 40, 63):
        w = rng.integers(-128, 128, (32, cols))
        bias = rng.integers(-3000, 3000, 32)
        out = rng.integers(-3000, 3000, 32)
        for picks in ([0], [cols - 33], [cols - 32], [cols - 1], [0, 1], [0, 1, 2, 3], [0, 2, 4],
                      [0, 9, 20], list(range(cols - 34, cols)) [:24], [cols - 33, cols - 32], [3, 10, 18, 27]):
            x = np.zeros(cols, np.int64)
            x[[p for p in picks if 0 <= p < cols]] = rng.integers(1, 400, len([p for p in picks if 0 <= p < cols]))
            check(bench, w, x, bias, 6, out)


def test_the_shipped_soul_turn_is_exact_and_cheaper_than_matvec():
    """The engine's own z for "hello"'s turn (both layers' fc2, every position), the 128K's and the
    48K's layouts (the 48K's short row constants where the matrix has them): exact, and each call
    cheaper than matvec's on the same bench."""
    from soulterm.soul.benchmark import shipped_engine
    from soulterm.zx.soul_layout import short_constants
    from soulterm.zx.weight_planes import turn_inputs

    _, engine, tokenizer = shipped_engine()
    for model, x_bits in [(model, x_bits) for model in ("128k", "48k", "48k player") for x_bits in (True, False)]:
        bench = Z80Bench(NZ_BENCH, options=player_48k_options(x_bits) if model == "48k player"
                         else player_kernel_options(model, nz_x_bits=x_bits))
        for position, name, x in turn_inputs(engine, tokenizer.encode_turn("hello")):
            if not name.endswith("fc2_w"):
                continue
            layer = engine.layers[int(name[1])]
            w, bias = layer.fc2_t.T, layer.fc2_b
            short = model != "128k" and short_constants(w, bias)
            out = np.zeros(32, np.int64)
            nz = check(bench, w, x, bias, layer.s_fc2, out, short=short)
            run_matvec_nz(bench, w, x, bias, layer.s_fc2, out, short=short, routine="matvec")    # (its slots set)
            _, dense_t = run_matvec_nz(bench, w, x, bias, layer.s_fc2, out, short=short, routine="matvec")
            assert nz < dense_t, (model, position, name, nz, dense_t)


def test_a_broken_piece_fails():
    """The test's check fails on a kernel whose l pieces lose their carry into A (adc a,b a nop)."""
    bench = Z80Bench(NZ_BENCH, options=pieces_options("128k"))
    rng = np.random.default_rng(3)
    w = rng.integers(-128, 128, (32, 64))
    x = np.zeros(64, np.int64)
    x[[1, 5, 9, 30, 40, 50]] = [120, 90, 128, 77, 100, 111]
    bias = np.zeros(32, np.int64)
    out = np.zeros(32, np.int64)
    check(bench, w, x, bias, 0, out)
    at = bench.sym("NZ_L_ADC")             # (the byte nz_nonzero pushes as the piece's adc a,b)
    assert bench.memory[at] == 0x88
    bench.poke(at, [0x00])
    with pytest.raises(AssertionError):
        check(bench, w, x, bias, 0, out)


def test_a_call_with_ten_nonzero_inputs_costs():
    """32 x 64, a bias, shift 6, 10 nonzero x in every third column, of 5 and 12 (the 128K's short pieces) and of
    50 (l pieces): the figures in nzmatvec.s's header (67,104 for x of 5 before the thirtieth round's short
    pieces; 67,344 since for an l piece's column, the short pieces' test 24 T-states a nonzero column; 54,134 for
    x of 5 and 67,344 for x of 12 before the thirty-first round's, whose nz_short writes `pop de / ld d,b` itself:
    6 T-states a short column fewer, and x of 12 a short piece; 54,074 and 60,034 before the thirty-third round's
    look-up of the short template by its table's low byte, 23 T-states a short column fewer; 53,844, 59,804, 67,344
    and 14,819 before the thirty-fourth round's scan in the other register set, NZ_SCAN_IN_ALT_SET: 28 T-states a
    nonzero column fewer, 15 more for a part's first, 421 fewer a call, the second part's row by the bits of
    mv_rows; 201 fewer a call with NZ_SCAN_IN_PAGE, the scan's steps inc l where x lies in one page, as here)."""
    bench = Z80Bench(NZ_BENCH, options=pieces_options("128k"))
    rng = np.random.default_rng(5)
    w = rng.integers(-128, 128, (32, 64))
    bias = rng.integers(-3000, 3000, 32)
    out = rng.integers(-3000, 3000, 32)
    x = np.zeros(64, np.int64)
    x[np.arange(10) * 3] = 5
    short_t_states = check(bench, w, x, bias, 6, out)
    x[np.arange(10) * 3] = 12
    twelve_t_states = check(bench, w, x, bias, 6, out)
    x[np.arange(10) * 3] = 50
    t_states = check(bench, w, x, bias, 6, out)
    x[:] = 0
    zero_t_states = check(bench, w, x, bias, 6, out)
    assert (short_t_states, twelve_t_states, t_states, zero_t_states) == (52_927, 58_887, 66_427, 14_197)


# nzmatvec.s's short pieces (NZ_SHORT_PIECES, the 128K's, thirtieth round; l = 9..16 since the thirty-first): T-states a
# row and piece bytes (`pop de / ld d,b` and the template), l = 1..16; l = 15 has none (None: its l piece)
SHORT_ROW_T_STATES = (44, 60, 75, 76, 91, 91, 106, 92, 107, 107, 122, 107, 122, 122, None, 108)
SHORT_PIECE_BYTES = (6, 10, 12, 14, 16, 16, 18, 18, 20, 20, 22, 20, 22, 22, None, 22)
SHORT_MOST = len(SHORT_ROW_T_STATES)


def made_row_t_states(l: int) -> int:
    """A row's T-states in a piece NZ_SHORT_MADE makes for l: `pop de / ld d,b` (14), a doubling a bit of l (`sla e /
    rl d`, 16) and an add a 1 (`add hl,de / adc a,b`, 15)."""
    return 14 + 16 * l.bit_length() + 15 * bin(l).count("1")


def test_the_48ks_made_pieces_are_exact_and_cost_their_bits():
    """NZ_SHORT_MADE (the 48K's spend, thirty-fifth round): x of 1..14 (h = 0) takes a piece nz_nonzero makes from l's
    bits, 15, 16 and 257..270 (h = 1) the l piece: exact in either part, beside other columns, at the weights',
    biases' and outputs' extremes and at every shift; a call of one column of l costs that of l = 1 plus 32 rows of
    the difference of its piece's T-states; each made piece is cheaper than the l piece a call; 45 bytes more than
    the 48K player's kernels without it. Fails with the rows' constant's 256 l left out or a doubling's rl d lost."""
    def options(made):
        return "\n".join([pieces_options("48k", sparse=False, nz_short_made=made), "SHORT_FORMS = 1",
                          f"NZ_CHAIN_AT = ${NZ_CHAIN_48K:04X}", f"NZ_CHAIN_BYTES = {NZ_CHAIN_BYTES_48K}"])

    bench, plain = Z80Bench(NZ_BENCH, options=options(True)), Z80Bench(NZ_BENCH, options=options(False))
    assert bench.sym("NZ_MADE_MOST") == 14
    assert (bench.sym("nz_prepare_end") - bench.sym("matvec_nz")) - (
        plain.sym("nz_prepare_end") - plain.sym("matvec_nz")) == 45
    rng = np.random.default_rng(35)
    for values in ([1], [2], [7], [13], [14], [15], [16], [257], [263], [270], [271], list(range(1, 18)),
                   [14] * 40, [1] * 64, [11, 13, 14] * 21, [1, 257, 8, 264, 100, 384, 2, 129, 16, 270, 15, 14]):
        for w_value in (127, -128, None):
            w = rng.integers(-128, 128, (32, 64)) if w_value is None else np.full((32, 64), w_value)
            x = np.zeros(64, np.int64)
            x[rng.choice(64, len(values), replace=False)] = values
            for bias_value in (32767, -32768, None):
                bias = rng.integers(-32768, 32768, 32) if bias_value is None else np.full(32, bias_value)
                for shift in (6, 4, 0, 15):
                    check(bench, w, x, bias, shift, rng.integers(-32768, 32768, 32))
    w = rng.integers(-128, 128, (32, 64))
    bias = rng.integers(-3000, 3000, 32)
    costs, plain_costs = [], []
    for l in range(1, 17):
        x = np.zeros(64, np.int64)
        x[5] = l
        costs.append(check(bench, w, x, bias, 6, np.zeros(32, np.int64)))
        plain_costs.append(check(plain, w, x, bias, 6, np.zeros(32, np.int64)))
    # (past the row: each doubling's copy by ldir 42 T-states more than an add's alone; l's bits 131 a doubling, 44
    # more with an add)
    writing = [131 * l.bit_length() + 44 * bin(l).count("1") for l in range(1, 15)]
    assert [cost - costs[0] for cost in costs[:14]] == [
        32 * (made_row_t_states(l) - made_row_t_states(1)) + writing[l - 1] - writing[0] for l in range(1, 15)]
    assert all(cost <= plain_cost for cost, plain_cost in zip(costs[:14], plain_costs))
    assert costs[0] < plain_costs[0] - 2_900                     # (l = 1: 45 T-states a row against 136)
    assert [cost - plain_cost for cost, plain_cost in zip(costs[14:], plain_costs[14:])] == [23, 23]  # (the test)
    start = bench.sym("nz_h_known@made_bytes~" + next(name.split("~")[1] for name in bench.symbols
                                                       if name.startswith("nz_h_known@made_bytes~")))
    assert bytes(bench.memory[start:start + 8]) == bytes([0xD1, 0x50, 0xCB, 0x23, 0xCB, 0x12, 0x19, 0x88])
    bench.poke(start + 5, [0x00])                                 # (rl d: its byte $12 as rlc b's $00)
    x = np.zeros(64, np.int64)
    x[3] = 12
    with pytest.raises(AssertionError):
        check(bench, np.full((32, 64), 127), x, bias, 6, np.zeros(32, np.int64))
    bench.poke(start + 5, [0x12])
    check(bench, np.full((32, 64), 127), x, bias, 6, np.zeros(32, np.int64))
    at = next(at for at in range(bench.sym("nz_h_known"), start) if bytes(bench.memory[at:at + 3]) == bytes(
        [0xE1, 0x68, 0x18]))                                      # (pop hl / ld l,b / jr: the constant's 256 l)
    bench.poke(at + 1, [0x6C])                                    # (ld l,h: HL = 257 l)
    with pytest.raises(AssertionError):
        check(bench, w, x, bias, 6, np.zeros(32, np.int64))


@pytest.mark.parametrize("most", [SHORT_MOST, 8])
def test_the_128ks_short_pieces_are_exact_and_cost_their_templates(most):
    """x of 1..16 but 15 (h = 0) takes a short piece, 15, 17, 257..272 (h = 1) the l piece: exact in either part,
    beside other columns, at the weights' and biases' extremes; a call of one column of l costs that of l = 1 plus 32
    rows of its template's T-states more and 21 (ldir) a byte more of its writing; l = 15 what l = 17 costs and the
    look-up of its template's length (0); the 48K's kernels have none. The same for NZ_SHORT_EIGHT's form (x of
    1..8 alone, the 128K's where 9..16's bytes do not fit: 9..16 take the l piece)."""
    bench = Z80Bench(NZ_BENCH, options=pieces_options("128k", nz_short=True if most == SHORT_MOST else most))
    assert bench.sym("NZ_SHORT_MOST") == most
    assert "nz_short" not in Z80Bench(NZ_BENCH, options=pieces_options("48k")).symbols
    rng = np.random.default_rng(30)
    for values in ([1], [2], [8], [9], [12], [15], [16], [17], [257], [264], [265], [271], [272], list(range(1, 18)),
                   [1, 2, 3, 4, 5, 6, 7, 8] * 5, list(range(9, 17)) * 4, [1, 257, 8, 264, 100, 384, 2, 129, 16, 272, 15]):
        for w_value in (127, -128, None):
            w = rng.integers(-128, 128, (32, 64)) if w_value is None else np.full((32, 64), w_value)
            x = np.zeros(64, np.int64)
            x[rng.choice(64, len(values), replace=False)] = values
            for bias_value in (32767, -32768, None):
                bias = rng.integers(-32768, 32768, 32) if bias_value is None else np.full(32, bias_value)
                check(bench, w, x, bias, [6, 4, 0, 15][len(values) % 4], rng.integers(-32768, 32768, 32))
    w = rng.integers(-128, 128, (32, 64))
    bias = rng.integers(-3000, 3000, 32)
    costs = []
    for l in range(1, SHORT_MOST + 2):
        x = np.zeros(64, np.int64)
        x[5] = l
        costs.append(check(bench, w, x, bias, 6, np.zeros(32, np.int64)))
    assert [cost - costs[0] for l, cost in enumerate(costs[:most], 1) if SHORT_ROW_T_STATES[l - 1]] == [
        32 * (t - SHORT_ROW_T_STATES[0]) + 21 * (n - SHORT_PIECE_BYTES[0])
        for t, n in zip(SHORT_ROW_T_STATES[:most], SHORT_PIECE_BYTES[:most]) if t]
    l_piece = costs[SHORT_MOST]
    assert all(cost < l_piece for l, cost in enumerate(costs[:most], 1) if l != 15)
    if most == SHORT_MOST:
        assert 0 < costs[15 - 1] - l_piece < 150      # (nz_short's look-up, then the l piece)
    else:                                               # (9..16: nz_short_test's compare, then the l piece)
        assert all(0 <= cost - l_piece < 150 for cost in costs[most:SHORT_MOST])


def short_bench_across_a_page(most: int = SHORT_MOST) -> Z80Bench:
    """The 128K's nz_short with its table (nz_short_places) moved to end 8 bytes into the next page: its general
    look-up (`ld hl,nz_short_places / add hl,bc` twice), not the one-page form's low byte alone."""
    options = pieces_options("128k", nz_short=True if most == SHORT_MOST else most)
    places = Z80Bench(NZ_BENCH, options=options).sym("nz_short_places")
    pad = (0x100 + 8 - 2 * most - places) % 0x100
    bench = Z80Bench(NZ_BENCH.replace("nz_row_routines", f".res {pad}\n        nz_row_routines"), options=options)
    places = bench.sym("nz_short_places")
    assert places >> 8 != (places + 2 * most - 1) >> 8
    return bench


@pytest.mark.parametrize("most", [SHORT_MOST, 8])
def test_the_short_look_up_in_one_page_saves_16_t_states_a_short_column(most):
    """nz_short's look-up where its table lies in one page (the player's and the bench's: thirty-third round) reads
    its entry by its low byte alone: each column of l in 1..most costs 16 T-states fewer than the general look-up's
    (a table across a page; both without the `ld b,0` before them, 7 more: 23 in all), which is exact too; the l
    piece's columns (17, and 15 where it has no template: the look-up of its length too) cost what they cost there."""
    one_page = Z80Bench(NZ_BENCH, options=pieces_options("128k", nz_short=True if most == SHORT_MOST else most))
    places = one_page.sym("nz_short_places")
    assert places >> 8 == (places + 2 * most - 1) >> 8
    across = short_bench_across_a_page(most)
    rng = np.random.default_rng(33)
    w = rng.integers(-128, 128, (32, 64))
    bias = rng.integers(-3000, 3000, 32)
    out = rng.integers(-32768, 32768, 32)
    for values in (list(range(1, 18)), [1, 257, 8, 264, 100, 384, 2, 129, 16, 272, 15]):
        x = np.zeros(64, np.int64)
        x[rng.choice(64, len(values), replace=False)] = values
        for bench in (one_page, across):
            check(bench, w, x, bias, 4, out)
    for l in range(1, SHORT_MOST + 2):
        x = np.zeros(64, np.int64)
        x[[5, 30]] = l
        saving = check(across, w, x, bias, 6, out) - check(one_page, w, x, bias, 6, out)
        looked_up = l <= most and l <= SHORT_MOST
        assert saving == (2 * 16 if looked_up else 0), (l, saving)


def test_a_broken_short_piece_fails():
    """nz_short's `ld d,b` as a nop (D then the next column's weight byte), each template's last byte (`adc a,b`) as
    a nop (no carry into A), the constant's 256 l left out (nz_short's `ld ixh,a` as two nops) and the h = 1
    test's `jp nz` as `jp z` (x of 257..272 in a short piece, whose piece of h reads a stale IXL): each fails against
    intmath."""
    rng = np.random.default_rng(31)
    w = rng.integers(-128, 128, (32, 64))
    bias = rng.integers(-3000, 3000, 32)
    out = np.zeros(32, np.int64)
    for l in range(1, SHORT_MOST + 1):
        if not SHORT_ROW_T_STATES[l - 1]:
            continue
        x = np.zeros(64, np.int64)
        x[[4, 20, 40]] = l
        for broken in ("ld d,b", "adc a,b"):
            bench = Z80Bench(NZ_BENCH, options=pieces_options("128k"))
            check(bench, w, x, bias, 0, out)
            if broken == "ld d,b":
                start = bench.sym("nz_short")
                at = start + bytes(bench.memory[start:bench.sym("nz_short_pieces")]).index(bytes([0x36, 0x50])) + 1
                assert bench.memory[at] == 0x50
            else:
                places = bench.sym("nz_short_places") + 2 * (l - 1)
                at = bench.sym("nz_short_pieces") + bench.memory[places] + bench.memory[places + 1] - 1
                assert bench.memory[at] == 0x88
            bench.poke(at, [0x00])
            with pytest.raises(AssertionError):
                check(bench, w, x, bias, 0, out)
    x = np.zeros(64, np.int64)
    x[[4, 20, 40]] = [3, 260, 7]
    for instruction, broken in ((bytes([0xDD, 0x67]), [0x00, 0x00]), (bytes([0xC2]), [0xCA])):
        bench = Z80Bench(NZ_BENCH, options=pieces_options("128k"))
        check(bench, w, x, bias, 0, out)
        start = bench.sym("nz_short")
        at = start + bytes(bench.memory[start:bench.sym("nz_short_pieces")]).index(instruction)
        bench.poke(at, broken)
        with pytest.raises(AssertionError):
            check(bench, w, x, bias, 0, out)


@pytest.mark.parametrize("scan_alt", [True, False])
def test_each_parts_rows_start_on_its_first_nonzero_column(scan_alt):
    """zxnz28's nz_first: a part's rows' pointer moves on to its first nonzero column, so no skip is written before
    it: a call whose nonzero columns lie 20 columns further into each part costs what the same gaps from each part's
    first column cost (the skip before them ~35 T-states a row and part before), exact either way; with nz_first
    broken the check fails (its add a,l an xor a: the pointer's low byte j, not its own plus j; with
    NZ_SCAN_IN_ALT_SET, the 128K's since the thirty-fourth round, its store of j for nz_row_pointers nops)."""
    bench = Z80Bench(NZ_BENCH, options=pieces_options("128k", nz_scan_alt=scan_alt))
    rng = np.random.default_rng(28)
    w = rng.integers(-128, 128, (32, 64))
    bias = rng.integers(-3000, 3000, 32)
    out = rng.integers(-3000, 3000, 32)
    costs = []
    for first in (0, 20):
        x = np.zeros(64, np.int64)
        x[[first, first + 5, first + 9, 32 + first, 32 + first + 1, 32 + first + 11]] = [7, 100, 128, 1, 60, 90]
        costs.append(check(bench, w, x, bias, 6, out))
    assert costs[0] == costs[1]
    if scan_alt:    # (the last call's j, 20, stays where nz_row_pointers reads it: the columns from 0 fail)
        at = bench.sym("nz_first") + 2      # (ld a,iyl, then ld (NZ_FIRST_J2),a)
        assert list(bench.memory[at:at + 3]) == [0x32, bench.sym("NZ_FIRST_J2") & 255, bench.sym("NZ_FIRST_J2") >> 8]
        bench.poke(at, [0x00, 0x00, 0x00])
        x = np.roll(x, -20)
    else:
        at = bench.sym("nz_first") + 3      # (ld a,iyl, exx, then add a,l)
        assert bench.memory[at] == 0x85
        bench.poke(at, [0xAF])
    with pytest.raises(AssertionError):
        check(bench, w, x, bias, 6, out)


@pytest.mark.parametrize("x_bits", [True, False])
def test_the_48k_players_chain_room_sends_only_the_calls_past_it_to_matvec(x_bits):
    """The 48K player's form (zxsparse48: the chain at NZ_CHAIN_AT, its room the screen's middle third): with
    matvec broken (its first byte a ret), 64 columns of 100 (1,472 bytes of pieces; by x's bits 64 entries and
    their units at 3 levels) still come out exact by the chain alone, and 64 of 384 (2,240 bytes, past the 2,048;
    by x's bits 192 entries, past the 85 a level's ldi's count allows) come out wrong: their call is matvec's."""
    bench = Z80Bench(NZ_BENCH, options=player_48k_options(x_bits))
    assert bench.sym("nz_chain") == NZ_CHAIN_48K and bench.sym("nz_chain_end") == NZ_CHAIN_48K + NZ_CHAIN_BYTES_48K
    rng = np.random.default_rng(48)
    w = rng.integers(-128, 128, (32, 64))
    bias = rng.integers(-3000, 3000, 32)
    out = rng.integers(-3000, 3000, 32)
    check(bench, w, np.full(64, 384), bias, 8, out)
    bench.poke(bench.sym("matvec"), [0xC9])
    check(bench, w, np.full(64, 100), bias, 8, out)
    with pytest.raises(AssertionError):
        check(bench, w, np.full(64, 384), bias, 8, out)


def test_the_48k_players_least_shift_form_is_exact():
    """With MV_LEAST_SHIFT (the shipped 48K's 4: every call's shift in 4..7, no right chain, the left chain's
    first 4 steps left out, zxsparse48) every shift it allows, fast path and fallback (x above 384, the
    chain's room overrun), exact; a shift of 8 goes to matvec (whose row ends then would not be exact either:
    the build asserts no matrix has one)."""
    bench = Z80Bench(NZ_BENCH, options=player_48k_options() + "\nMV_LEAST_SHIFT = 4")
    assert "nz_right" not in bench.symbols
    rng = np.random.default_rng(4)
    for trial in range(16):
        w, x, bias, out = random_call(rng, 30, [129, 385, 1300][trial % 3])
        check(bench, w, x, bias, 4 + trial % 4, out)
    for values in ([384] * 64, [100] * 64, [384, 1, 256], [32767]):
        x = np.zeros(64, np.int64)
        x[:len(values)] = values
        for shift in (4, 7):
            check(bench, np.full((32, 64), -128), x, np.full(32, 32767), shift, np.full(32, -32768))


def test_the_scan_in_the_other_set_saves_28_t_states_a_nonzero_column():
    """NZ_SCAN_IN_ALT_SET (the 128K's, thirty-fourth round): the scan's HL, B and C in the other register set, kept by
    exx's across a nonzero column's writing instead of `push bc / push hl` and their pops, and the rows' pointers
    worked out after the scan (nz_row_pointers, from nz_first's j of each part). Exact with and without it on random
    calls of every kind of column (l pieces, short pieces, l = 0 and h = 1, negative x, x past 384 through matvec);
    with it a call of 32 rows costs 421 T-states fewer (the second part's first row by the bits of mv_rows, 6 rounds
    and 307 T-states, not 32 rounds of 24: 460 fewer; the pointers' other work 39 more), 28 fewer a nonzero column of
    any kind and 15 fewer a part with one (nz_first's store of j for its add through HL'); with nz_nonzero's last exx
    a nop (the scan going on in the writing's set) the check fails."""
    benches = {alt: Z80Bench(NZ_BENCH, options=pieces_options("128k", nz_scan_alt=alt, nz_scan_page=False))
               for alt in (False, True)}
    assert "NZ_SCAN_IN_ALT_SET" in benches[True].symbols and "NZ_SCAN_IN_ALT_SET" not in benches[False].symbols
    rng = np.random.default_rng(34)
    for trial in range(16):
        w, x, bias, out = random_call(rng, 30, [17, 129, 300, 390][trial % 4])
        x[rng.choice(64, 2, replace=False)] = [-int(rng.integers(1, 128)), 256]
        for bench in benches.values():
            check(bench, w, x, bias, trial % 16, out)
    w = rng.integers(-128, 128, (32, 64))
    bias = rng.integers(-3000, 3000, 32)
    out = rng.integers(-3000, 3000, 32)
    for columns, parts in (([], 0), ([3], 1), ([40], 1), ([3, 9], 1), ([3, 9, 40], 2), ([0, 31, 32, 63], 2)):
        for value in (50, 5, 15, 256, 300, -5):
            x = np.zeros(64, np.int64)
            x[columns] = value
            old, new = (check(benches[alt], w, x, bias, 6, out) for alt in (False, True))
            assert new - old == -421 - 28 * len(columns) - 15 * parts, (columns, value, old, new)
    x = np.zeros(64, np.int64)
    x[[3, 40]] = [50, 400]                  # (matvec's: no pointers worked out before the scan declines the call)
    old, new = (check(benches[alt], w, x, bias, 6, out) for alt in (False, True))
    assert new < old
    bench = benches[True]
    at = bench.sym("NZ_DONE_JP") - 2        # (nz_nonzero's end: exx, then jp nz_scan_next, patched)
    assert bench.memory[at] == 0xD9 and bench.memory[at + 1] == 0xC3
    bench.poke(at, [0x00])
    x[[3, 40]] = [50, 90]
    with pytest.raises(AssertionError):
        check(bench, w, x, bias, 6, out)


def test_the_scans_steps_by_xs_place():
    """NZ_SCAN_IN_PAGE (the 128K's, thirty-fourth round): where x's 128 bytes lie in one page (its low byte 128 or
    less) the scan's two steps a column are inc l, patched once a call (55 T-states): 64 columns 256 T-states
    fewer, 201 net; x anywhere else keeps inc hl (55 T-states more a call). Exact either way, x across a page with
    nonzero columns on both sides of it included; with the steps forced to inc l for an x across a page, the call
    reads the page's start for x's end: it comes out wrong, or through matvec where those bytes are no x of the
    fast path."""
    from soulterm.zx.soul_layout import matvec_bytes
    benches = {page: Z80Bench(NZ_BENCH, options=pieces_options("128k", nz_scan_page=page))
               for page in (False, True)}
    rng = np.random.default_rng(3434)
    w = rng.integers(-128, 128, (32, 64))
    bias = rng.integers(-3000, 3000, 32)
    out = rng.integers(-3000, 3000, 32)
    before_page = 0xA900 - len(matvec_bytes(w, None))      # (run_matvec_nz's x right after the matrix)
    for x_low, in_page in ((0x00, True), (0x62, True), (0x80, True), (0x81, False), (0xC0, False), (0xFE, False)):
        for trial in range(4):
            x = np.zeros(64, np.int64)
            x[rng.choice(64, 12, replace=False)] = rng.integers(1, 300, 12)
            x[[0, 63]] = rng.integers(1, 300, 2)
            got = {}
            for page, bench in benches.items():
                got[page] = run_matvec_nz(bench, w, x, bias, 6, out, buffers=before_page + x_low)
                np.testing.assert_array_equal(got[page][0], expected(w, x, bias, 6, out))
            assert got[True][1] - got[False][1] == (-201 if in_page else 55), (x_low, got[True][1], got[False][1])
    bench = benches[True]
    at = bench.sym("nz_scan_x") + 2         # (ld a,l, then cp n's n)
    assert bench.memory[at] == 129
    bench.poke(at, [0xFF])                  # (inc l for x from any low byte but $FF)
    x = np.zeros(64, np.int64)
    x[[1, 60]] = [90, 120]
    _, fast_t = run_matvec_nz(benches[False], w, x, bias, 6, out, buffers=before_page + 0xC0)
    got, broken_t = run_matvec_nz(bench, w, x, bias, 6, out, buffers=before_page + 0xC0)
    assert not np.array_equal(got, expected(w, x, bias, 6, out)) or broken_t > fast_t + 10_000


@pytest.mark.parametrize("rows", [1, 2, 5, 31, 32, 33, 64, 100, 127])
def test_the_second_parts_row_by_the_bits_of_mv_rows(rows):
    """NZ_SCAN_IN_ALT_SET's nz_row_pointers finds the second part's first row as mv_w + rows * stride by the bits of
    mv_rows, lowest first (not a round a row): exact for any count of rows, with and without the form, nonzero
    columns in both parts (the second part's pointer popped from) and in the second alone."""
    benches = [Z80Bench(NZ_BENCH, options=pieces_options("128k", nz_scan_alt=alt)) for alt in (False, True)]
    rng = np.random.default_rng(rows)
    w = rng.integers(-128, 128, (rows, 64))
    bias = rng.integers(-32768, 32768, rows)
    out = rng.integers(-32768, 32768, rows)
    for columns in ([2, 17, 33, 50, 63], [40, 41, 60]):
        x = np.zeros(64, np.int64)
        x[columns] = rng.integers(1, 384, len(columns))
        for bench in benches:
            check(bench, w, x, bias, 6, out)


# NZ_X_BITS (both players' since the thirty-seventh round, zxfc2_37): the rows by x's bits, Horner's way
def x_bits_bench() -> Z80Bench:
    return Z80Bench(NZ_BENCH, options=player_kernel_options("128k"))


def wide_room_bench() -> Z80Bench:
    """The 128K's options in the 48K's room (NZ_CHAIN_BYTES_48K), inline: 85 entries (the 48K player's list, in one
    page, takes 64)."""
    return Z80Bench(NZ_BENCH, options=player_kernel_options("128k") + f"\nNZ_CHAIN_BYTES = {NZ_CHAIN_BYTES_48K}")


def test_x_bits_is_the_players_form():
    """Both players' options have NZ_X_BITS and none of the pieces' NZ_ options (nzmatvec.s leaves them out)."""
    for model in ("48k", "128k"):
        options = player_kernel_options(model, nz_short_made=True)
        assert "NZ_X_BITS = 1" in options.splitlines()
        assert not any(name in options for name in ("NZ_SHORT_PIECES", "NZ_SCAN_IN", "NZ_ROWS_BY_BITS", "NZ_SHORT_MADE"))
    assert "nz_nonzero" not in x_bits_bench().symbols


def header_calls_t_states(bench) -> list[int]:
    """The header's call's T-states (each exact) with x of 5 (2 set bits), 12 (2), 50 (3) and every x 0."""
    rng = np.random.default_rng(5)
    w = rng.integers(-128, 128, (32, 64))
    bias = rng.integers(-3000, 3000, 32)
    out = rng.integers(-3000, 3000, 32)
    x = np.zeros(64, np.int64)
    spent = []
    for value in (5, 12, 50, 0):
        x[np.arange(10) * 3] = value
        spent.append(check(bench, w, x, bias, 6, out))
    return spent


def test_x_bits_calls_cost():
    """The header's call (test_a_call_with_ten_nonzero_inputs_costs' by the pieces: 52,927, 58,887, 66,427 and 14,197)
    by x's bits, the 128K's options (39,261, 40,368, 53,058 and 13,918 before zx48room38's count of the list by `or h`
    and two rrca's, the second part's prefix by add a,$20 and three carries known clear: 72 to 90 fewer a call) and
    the 48K player's: its chain entered a byte on, the first unit `ld l,(ix+j)`
    (NZB_CHAIN_ENTRY: 11 a row fewer, 32 a call; the chain's tail copied by ldir, 35 more) and its list in one page
    (NZB_LIST_IN_PAGE: 8 fewer an entry a level steps over); 39,596, 40,703, 53,393 and 14,253 before; every x 0 runs
    the tail from its adc a,a."""
    assert header_calls_t_states(x_bits_bench()) == [39_180, 40_284, 52_968, 13_846]
    assert header_calls_t_states(Z80Bench(NZ_BENCH, options=player_48k_options())) == [39_183, 40_207, 52_811, 13_864]


def test_the_48k_players_first_unit_loads_l():
    """The 48K player's rows enter the chain at nz_chain + 1, where the writer leaves the top level's first unit as
    `ld l,(ix+j)` (A:HL is 0 at a row's start: no add); written back as `ld e,(ix+j)` (no unit adds it) the calls
    come out wrong, and a call with every x 0 after one with units, whose tail the rows enter at its adc a,a, stays
    exact. The 128K's inline chain runs from its start, as before."""
    assert Z80Bench(NZ_BENCH, options=player_kernel_options("128k")).sym("NZB_CHAIN_ENTRY") == 0
    bench = Z80Bench(NZ_BENCH, options=player_48k_options())
    assert bench.sym("NZB_CHAIN_ENTRY") == 1
    rng = np.random.default_rng(8)
    calls = []
    for _ in range(4):
        w, x, bias, out = random_call(rng, 20, 504)
        x[5] = 7                # (at least one unit)
        calls.append((w, x, bias, 6, out))
    zero = (w, np.zeros(64, np.int64), bias, 6, out)
    for w, x, bias, shift, out in calls + [zero] + calls[:1]:
        check(bench, w, x, bias, shift, out)
    chain = bench.sym("nz_chain")
    assert bench.memory[chain + 1] in (0xDD, 0xFD) and bench.memory[chain + 2] == 0x6E
    at = bench.sym("NZB_FIRST_OPCODE")
    assert bench.memory[at] == 0x6E
    bench.poke(at, [0x5E])
    wrong = 0
    for w, x, bias, shift, out in calls:
        got, _ = run_matvec_nz(bench, w, x, bias, shift, out)
        wrong += not np.array_equal(got, expected(w, x, bias, shift, out))
    assert wrong == len(calls)


def test_a_set_bit_costs_a_unit_a_row():
    """A set bit more costs its unit in each of the 32 rows, 30 T-states in a 16-bit level (X = 4 and 5 here) and 34
    in a 24-bit one (X of 510 and 511: level 0's sums may pass 16 bits), and the writing's pass 73 (75) more for an
    entry with the level's bit than without; a level more (x = 4 for 2) its doubling, 11 a row."""
    bench = x_bits_bench()
    rng = np.random.default_rng(5)
    w = rng.integers(-128, 128, (32, 64))
    bias = rng.integers(-3000, 3000, 32)
    out = rng.integers(-3000, 3000, 32)

    def cost(values: dict) -> int:
        x = np.zeros(64, np.int64)
        for column, value in values.items():
            x[column] = value
        return check(bench, w, x, bias, 6, out)

    assert cost({3: 2, 40: 3}) - cost({3: 2, 40: 2}) == 32 * 30 + 73
    assert cost({3: 254, 40: 3, 50: 254}) - cost({3: 254, 40: 2, 50: 254}) == 32 * 34 + 75
    level = cost({3: 4}) - cost({3: 2})
    assert 32 * 11 < level < 32 * 11 + 300      # (and the level's pass over the list)


@pytest.mark.parametrize("model", ["128k", "48k player"])
def test_the_x_bits_sums_at_the_16_bit_bound_are_exact(model):
    """Every weight 127 (u = 255, the largest sums) and x summing to just under and at each level's bound (X's high
    byte at the level's bit: 255 floor(X / bit) no longer fits HL), x past 255 (three entries), every part's column;
    the 128K's options and the 48K player's (its first unit `ld l,(ix+j)`)."""
    bench = x_bits_bench() if model == "128k" else Z80Bench(NZ_BENCH, options=player_48k_options())
    w = np.full((32, 64), 127)
    bias = np.zeros(32, np.int64)
    out = np.zeros(32, np.int64)
    for total in (255, 256, 511, 512, 1023, 1024, 4095, 4096, 16383, 16384, 32192):
        x = np.zeros(64, np.int64)
        left, column = total, 0
        while left:
            x[column] = min(left, 503)
            left -= x[column]
            column += 1
        for shift in (0, 6, 15):
            check(bench, w, x, bias, shift, out)
            check(bench, -w - 1, x, bias, shift, out)


def test_a_broken_x_bits_unit_or_bound_fails():
    """The test's checks fail on a writer whose 24-bit units lose their carry into A (adc a,b written as a nop), and
    on one that never leaves the 16-bit levels (inc hl never patched in: X's bound ignored): random calls of 40
    columns of x in 1..503 with w 127 (u = 255, the largest sums), each exact on the unbroken writer."""
    rng = np.random.default_rng(3)
    calls = []
    for _ in range(6):
        x = np.zeros(64, np.int64)
        x[rng.choice(64, 40, replace=False)] = rng.integers(1, 504, 40)
        calls.append((np.full((32, 64), 127), x, rng.integers(-3000, 3000, 32), rng.integers(-300, 300, 32)))
    for label, byte in (("NZB_UNIT_STEP", 0x88), ("NZB_WIDE_STEP", 0x23)):
        bench = wide_room_bench()       # (the room for 40 columns' units and their 85 entries)
        for w, x, bias, out in calls:
            check(bench, w, x, bias, 15, out)
        at = bench.sym(label) - (label == "NZB_UNIT_STEP")      # (the unit's adc a,b; the patch's inc hl)
        assert bench.memory[at] == byte
        bench.poke(at, [0x00])
        wrong = 0
        for w, x, bias, out in calls:
            got, _ = run_matvec_nz(bench, w, x, bias, 15, out)
            wrong += not np.array_equal(got, expected(w, x, bias, 15, out))
        assert wrong, label


def test_the_x_bits_list_takes_85_entries():
    """With matvec broken (its first byte a ret), in the 48K's room inline (1,984 bytes): 85 entries (21 x of 300,
    three each, and 22 of 1) come out exact by the chain alone, 86 go to matvec (ldi's count in C: 85 units a level at
    most) and come out wrong; in the 48K player's room (the screen's middle third, the list in the page below its end:
    NZB_LIST_IN_PAGE, zx48room38) 64 entries (14 x of 300 and 22 of 1) come out exact and 65 wrong; so does an x of 504
    (NZ_X_MOST 503) and one below 0; and the 128K's room (1,000 bytes, the list's 340 in it) sends the 85 to matvec
    too: its levels' units would reach the list."""
    rng = np.random.default_rng(85)
    w = rng.integers(-128, 128, (32, 64))
    bias = rng.integers(-3000, 3000, 32)
    out = rng.integers(-3000, 3000, 32)
    for bench, wide in ((wide_room_bench(), 21), (Z80Bench(NZ_BENCH, options=player_48k_options()), 14)):
        bench.poke(bench.sym("matvec"), [0xC9])
        x = np.zeros(64, np.int64)
        x[:wide], x[wide:wide + 22] = 300, 1
        check(bench, w, x, bias, 6, out)
        x[wide + 22] = 1
        with pytest.raises(AssertionError):
            check(bench, w, x, bias, 6, out)
    for value in (504, -1):
        x[:] = 0
        x[[3, 40]] = [7, value]
        with pytest.raises(AssertionError):
            check(bench, w, x, bias, 6, out)
    small = Z80Bench(NZ_BENCH, options=player_kernel_options("128k") + f"\nNZ_CHAIN_BYTES = {NZ_CHAIN_BYTES_128K}")
    small.poke(small.sym("matvec"), [0xC9])
    x[:] = 0
    x[:21], x[21:43] = 300, 1
    with pytest.raises(AssertionError):
        check(small, w, x, bias, 6, out)
    x[:21] = 200
    check(small, w, x, bias, 6, out)
