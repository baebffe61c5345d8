"""fc1planes.s's FG_GROUP_FORMS (thirty-fifth round, zxfc1g35; the kernels' bench only: no player takes it, bank 4
lacks its room): a row of class c whose groups W (two or three) have weights one class narrower reads plane 7 for its
other groups alone, then the lower plane's words (W's plane-7 masks there) and T[W]'s, through a stub by class and k
and the shared block, leaving by its exit word. Bit-exact against the engine's fc1 on random rows of every form and
random x; T[W] the sums of S_g; the shipped soul's "hello" calls exact and cheaper by exactly the forms' count; a
broken T[W] or a stub's constant fails; fc1wide.s's fg_rows_wide (a declined x) exact through fg_wide_form, and for
biases of 128 or more (its 128 bh, fixed this round)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx.fc1_planes import (FG_SOURCE, FORM_RANGES, MOST_SUM, form_saving, gate_bytes, gate_items, row_class,
                                    row_form, rows_marks, run_gate)
from soulterm.zx.kernelbench import Z80_KERNELS_DIR, Z80Bench, player_kernel_options
from soulterm.zx.weight_planes import turn_inputs, vector_with_sum

from test_kernels_z80_fc1_planes import relu_fc1

WIDE_TABLES = 0xE000            # fg_rows_wide reads a mask's bit 7 from its page's bit 0: the tables on even pages
WIDE_MACROS = ("mask_bits_into_row", "wide_column_sums")     # (planes_wide.s's, which fc1wide.s expands)


def form_bench(forms: bool = True, wide: bool = False) -> Z80Bench:
    source = FG_SOURCE
    if wide:        # fc1wide.s after fc1planes.s, its forward.s names stood in for (fg_rows_wide is called alone)
        text = (Z80_KERNELS_DIR / "planes_wide.s").read_text()
        macros = [re.search(rf"^ *\.macro {name}\b.*?\.endmacro", text, re.S | re.M).group(0) for name in WIDE_MACROS]
        source = (f"fg_table_pages = ${WIDE_TABLES:04X}\n" + FG_SOURCE + "\n".join(macros)
                  + "\nfw_layer_index = 0\nsoul_l1_fc1_w = 0\nsoul_l1_fc1_w_shift = 0\nfw_xn = 0\nfw_ffn = 0\nFW_FFN = 64\n"
                  + '.include "fc1wide.s"\n')
    return Z80Bench(extra_source=source, options=player_kernel_options("128k", fc1_group_forms=forms))


@pytest.fixture(scope="module")
def bench():
    return form_bench()


def grouped_rows(rng, rows: int) -> np.ndarray:
    """Rows whose 4 groups each lie in -16..15, -32..31, -64..63 or -128..127 (every form and class)."""
    ends = (16, 32, 64, 128)
    return np.array([np.concatenate([rng.integers(-end, end, 8) for end in rng.choice(ends, 4)]) for _ in range(rows)])


def test_row_form_takes_the_groups_one_class_narrower():
    rng = np.random.default_rng(1)
    for row in grouped_rows(rng, 400):
        kind, groups = row_form(row)
        assert kind == row_class(row)
        low, high = FORM_RANGES[kind]
        narrow = [g for g in range(4) if low <= row[8 * g:8 * g + 8].min() and row[8 * g:8 * g + 8].max() <= high]
        assert groups == (sum(1 << g for g in narrow[:3]) if len(narrow) >= 2 else 0)


def test_random_rows_of_every_form_are_bit_exact(bench):
    rng = np.random.default_rng(2)
    forms = set()
    for trial in range(40):
        w = grouped_rows(rng, 40)
        b = rng.integers(-9000, 9000, len(w))
        x = vector_with_sum(rng, int(rng.integers(1, MOST_SUM + 1)))
        shift = int(rng.integers(4, 8))
        got, _, _ = run_gate(bench, w, b, x, shift)
        assert got is not None and np.array_equal(got, relu_fc1(w, b, x, shift)), trial
        forms |= {(row_form(row)[0], 4 - bin(row_form(row)[1]).count("1")) for row in w if row_form(row)[1]}
    assert forms == {(kind, k) for kind in range(3) for k in (1, 2)}


def test_the_extremes(bench):
    rng = np.random.default_rng(3)
    w = grouped_rows(rng, 48)
    w[::5, :8] = 15
    w[1::5, 8:16] = -16
    w[2::5, 16:24] = 31
    w[3::5, 24:] = -64
    for b in (np.full(len(w), 32767), np.full(len(w), -32768), rng.integers(-32768, 32768, len(w))):
        for x in (np.full(32, 63), np.full(32, -63), np.r_[[MOST_SUM], np.zeros(31, int)], np.r_[[-MOST_SUM], np.zeros(31, int)]):
            for shift in (4, 7):
                got, _, _ = run_gate(bench, w, b, x, shift)
                assert np.array_equal(got, relu_fc1(w, b, x, shift)), (shift, x[:2], b[:2])


def test_t_w_holds_the_groups_sums(bench):
    """After fg_tables, T[W] (|W| = 2, 3) is the sum of S_g = sum of the group's |x| over W."""
    rng = np.random.default_rng(4)
    for x in [vector_with_sum(rng, int(s)) for s in rng.integers(1, MOST_SUM + 1, 12)] + [np.r_[[MOST_SUM], np.zeros(31, int)]]:
        run_gate(bench, grouped_rows(rng, 2), [0, 0], x, 5)
        sums = [int(np.abs(x[8 * g:8 * g + 8]).sum()) for g in range(4)]
        table = bench.read_words(bench.sym("fg_group_sums"), 16)
        for groups in range(16):
            if bin(groups).count("1") in (2, 3):
                assert table[groups] == sum(s for g, s in enumerate(sums) if groups >> g & 1), groups


def test_without_the_flag_the_layout_is_as_before():
    rng = np.random.default_rng(5)
    w, b = grouped_rows(rng, 30), rng.integers(-9000, 9000, 30)
    plain = form_bench(forms=False)
    assert "fg_form_k1" not in plain.symbols and "FG_GROUP_FORMS" not in player_kernel_options("128k")
    assert all(isinstance(row[0], str) and row[0].startswith("fg_start_") for row in gate_items(w, b, 0x80)[:-1])
    x = vector_with_sum(rng, 1500)
    assert np.array_equal(run_gate(plain, w, b, x, 6)[0], relu_fc1(w, b, x, 6))


def test_the_shipped_soul_s_hello_calls_exact_and_cheaper_by_the_forms_count(bench):
    """Both layers' fc1 at every position of "hello"'s turn: exact, fg_rows cheaper than without the flag by exactly
    the forms' count (every row reads its planes 7..4), fg_tables dearer by T[W]'s build."""
    soul = load_soul(DEFAULT_SOUL)
    engine = Engine(soul)
    plain = form_bench(forms=False)
    context = Tokenizer.load(DEFAULT_TOKENIZER).encode_turn("hello")
    builds = set()
    for _, name, x in turn_inputs(engine, context):
        if not name.endswith("fc1_w"):
            continue
        parts = engine.layers[int(name[1])]
        w, b, shift = parts.fc1_t.T, parts.fc1_b, int(parts.s_fc1)
        got, tables_t, rows_t = run_gate(bench, w, b, x, shift)
        before, tables_before, rows_before = run_gate(plain, w, b, x, shift)
        assert np.array_equal(got, relu_fc1(w, b, x, shift)) and np.array_equal(before, got)
        assert rows_before - rows_t == sum(form_saving(*row_form(row)) for row in w) > 1000
        builds.add(tables_t - tables_before)
    assert builds == {577}


def test_a_broken_t_w_or_stub_fails(bench):
    rng = np.random.default_rng(6)
    w = grouped_rows(rng, 48)
    b = rng.integers(-9000, 9000, len(w))
    x = vector_with_sum(rng, 1800)
    want = relu_fc1(w, b, x, 6)
    assert np.array_equal(run_gate(bench, w, b, x, 6)[0], want)
    groups = {row_form(row)[1] for row in w} - {0}
    entry = bench.sym("fg_group_sums") + 2 * min(groups)
    build_store = bench.peek(bench.sym("fg_tables"), 2000).find(bytes([0x22, entry & 255, entry >> 8]))
    assert build_store > 0              # (ld (T[W]),hl in fg_tables' build: made a 3-byte no-op)
    at = bench.sym("fg_tables") + build_store
    bench.poke(at, [0, 0, 0])
    bench.write_words(entry, [0])
    assert not np.array_equal(run_gate(bench, w, b, x, 6)[0], want)
    bench.poke(at, [0x22, entry & 255, entry >> 8])
    assert np.array_equal(run_gate(bench, w, b, x, 6)[0], want)
    stub = bench.sym("fg_form_1_1") + 2            # add ix,bc (K1) -> add ix,de: a class 1 form's start wrong
    assert bench.peek(stub, 2) == bytes([0xDD, 0x09]) and any(row_form(row)[0] == 1 for row in w)
    bench.poke(stub + 1, [0x19])
    broken = [not np.array_equal(run_gate(bench, w[i:i + 1], b[i:i + 1], x, 6)[0], want[i:i + 1])
              for i in range(len(w)) if row_form(w[i])[0] == 1 and bin(row_form(w[i])[1]).count("1") == 3]
    bench.poke(stub + 1, [0x09])
    assert any(broken)


def wide_call(bench, w, b, x, shift: int) -> np.ndarray:
    """fg_rows_wide on the rows in gate_bytes' layout (the forms' where the bench has them), x's sum |x| any."""
    forms = "fg_form_k1" in bench.symbols
    data = gate_bytes(w, b, bench.sym("FG_PAGE"), rows_marks(bench.sym), bench.sym if forms else None)
    at = 0xA000
    bench.poke(at, data)
    bench.write_words(at + len(data), np.asarray(x, dtype=np.int64))
    bench.poke_word(bench.sym("fg_x"), at + len(data))
    bench.poke_word(bench.sym("fg_w"), at)
    bench.poke_word(bench.sym("fg_out"), at + len(data) + 64)
    bench.poke(bench.sym("fg_rows_count"), [len(w)])
    bench.poke(bench.sym("fg_shift"), [shift])
    bench.call("fg_rows_wide")
    return bench.read_words(at + len(data) + 64, len(w))


@pytest.mark.parametrize("forms", [False, True])
def test_fc1wide_takes_every_form_and_any_bias(forms):
    """fg_rows_wide (a declined x: sum |x| > 2,047) through fg_wide_form, and for biases of 128 or more: 128 bh was
    bh's bits 7..0 shifted with the sbc's borrow as its sign, set for any bh > 0 (no shipped fc1 bias is >= 128)."""
    bench = form_bench(forms, wide=True)
    assert bench.sym("FG_PAGE") % 2 == 0
    rng = np.random.default_rng(7)
    for trial in range(4):
        w = grouped_rows(rng, 24)
        b = rng.integers(-32768, 32768, len(w))
        b[:4] = (128, 255, 32767, 300)
        x = vector_with_sum(rng, int(rng.integers(MOST_SUM + 1, 9000)))
        shift = int(rng.integers(4, 8))
        assert np.array_equal(wide_call(bench, w, b, x, shift), relu_fc1(w, b, x, shift)), trial
