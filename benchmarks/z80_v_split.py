"""v's rows split at their shift, weighed (128K, planes.s): what a wp_row_7 loop would save on the shipped soul.

At a products' shift s <= 7 floor(W x / 2^s) needs no chain: with WP_LOW_START_IN_TABLE's biased tables (group 3's
entries delta more) W x = sum_b 2^b P''_b + 128 K', so floor(W x / 2^s) = 2^(7-s) K' + sum_{b>=s} 2^(b-s) P''_b +
floor(sum_{b<s} 2^b P''_b / 2^s): the planes below s in the right Horner from R = 0, the planes from s up in IX from
K', and the row ends as wp_row_4's (add ix,de). At s = 7 (the soul's v: shift 6, products at 7) a wide row's Q is
K' + P''_7 alone (no doublings) and planes 0..6 run in the right Horner; a narrow row (P''_6 = S + 2 delta - P''_7)
is K' + floor(S / 2) + delta + floor((S mod 2 + P''_7 + R_6) / 2), its plane 7 the Horner's last step with S's
parity added first.

This script (1) checks that model bit-exact against intmath.matvec at shift 7 on random rows of every class and
random x (and that R's Horner stays in 16 bits); (2) measures, on the kernels' bench with the shipped soul's six
q, k, v matrices, each matrix's wp_rows call at shift 7 in wp_row's loop and at shift 4 in wp_row_4's loops, and
fits the difference, less the chain's set-up (counted), to a wide and a narrow row's (each row jumps to its own entry: no cost
where the class changes); (3) counts the split forms from those: a wide split row
is wp_row_4's wide row and 15 T-states (planes 6, 5 and 4 moved from the left Horner, add ix,ix and 4 lookups of
43, to the right one, 4 lookups of 44 and srl d / rr e), a narrow one wp_row_4's narrow row and NARROW_SHARED or
NARROW_OWN (below); and prints the saving a reply step (both layers' v) and the bytes the loop needs.

    python benchmarks/z80_v_split.py
"""

from __future__ import annotations

import numpy as np

from soulterm import paths
from soulterm.soul import intmath
from soulterm.soul.soulfile import load_soul
from soulterm.zx.build import PLANES_MATRICES
from soulterm.zx.kernelbench import Z80Bench, player_kernel_options
from soulterm.zx.soul_layout import plane_bytes, plane_classes, plane_words
from soulterm.zx.weight_planes import (WORD_TABLES_SOURCE, low_start_in_table, mixed_plane_rows, plane_tables,
                                       planes_fit, run_tables_and_rows, start_in_table_tables)
from soulterm.zx.soul_layout import PLANE_ORDER, plane_groups

SPLIT_SHIFT = 7
FORMS = ("WP_WORDS_FROM_SPLIT", "WP_NARROW_WORDS", "WP_NARROW_SPLIT", "WP_NARROW_RUNS", "WP_FILL_PAIRS", "WP_CHAIN_A",
         "WP_SUMS_UNROLLED", "WP_LOW_START_IN_TABLE", "WP_NEXT_ROW_WORDS")
MASKS_AT, X_AT, CLASSES_AT, SPLIT_CLASSES_AT, TABLES_AT = 0xA000, 0x9F00, 0x9E00, 0x9D00, 0xD800
# wp_rows' chain patch at a shift other than 4 (jr z not taken 7 for 12; ld c,a / add a,a / add a,c / ld c,a 16,
# ld b,0 7, ld hl,nn 10, or a 4, sbc hl,bc 15, ld (nn),hl 16): a row's count cannot tell it apart (wide + narrow = 32)
CHAIN_SET_UP = -5 + 16 + 7 + 10 + 4 + 15 + 16
# A split-7 wide row against wp_row_4's wide row: planes 6, 5, 4 each from (add ix,ix 15 + 4 x 43) to (4 x 44 + 16)
WIDE_MORE = 3 * ((4 * 44 + 16) - (15 + 4 * 43))
# A split-7 narrow row against wp_row_4_narrow's (both without their ends, the same 61 + 18): wp_row_4_narrow runs
# ld ix (14), plane 7 up (4 x 43), planes 5 and 4 (2 x 187), planes 0..3 low (28 + 3 x 44 + 16 + 3 x 192).
ROW_4_NARROW = 14 + 4 * 43 + 2 * (15 + 4 * 43) + (28 + 3 * 44 + 16) + 3 * (4 * 44 + 16)
# Sharing wide's code: ld ix,K' + a (14), ld de,64 p (10), plane 0's first lookup as an add (44), jp into the shared
# code after it (10), the rest of plane 0 (3 x 44 + 16), planes 1..5 (5 x 192), plane 7 as the last low plane (192).
NARROW_SHARED = 14 + 10 + 44 + 10 + (3 * 44 + 16) + 5 * (4 * 44 + 16) + (4 * 44 + 16) - ROW_4_NARROW
# Its own copy: ld ix (14), plane 0 loaded (28 + 3 x 44 + 16), planes 1..5, plane 7 low with a patched inc de (6).
NARROW_OWN = 14 + (28 + 3 * 44 + 16) + 5 * (4 * 44 + 16) + (4 * 44 + 6 + 16) - ROW_4_NARROW
# Bytes (counted from the instructions): ld ix,nn 4; a top lookup (pop hl, ld c,(hl), inc l, ld b,(hl), add ix,bc)
# 6; a low lookup 8 (4 where it loads DE); srl d / rr e 4; wp_row_4_end 11; exx / pop hl / jp (hl) 3.
WIDE_LOOP_BYTES = 4 + 4 * 6 + (4 + 3 * 8 + 4) + 6 * (4 * 8 + 4) + 11 + 3
NARROW_ENTRY_BYTES = 4 + 3 + 8 + 3
NARROW_OWN_BYTES = 4 + (4 + 3 * 8 + 4) + 5 * (4 * 8 + 4) + (4 * 8 + 1 + 4) + 11 + 3


def split_matvec(weights, x, parity: bool = True) -> list[int]:
    """The split form's out at shift 7, by its steps (tables biased by delta, R from 0, 16-bit R asserted); without
    `parity` a narrow row's last step leaves S's parity out (a broken form, for the tests)."""
    tables, c_lo, c_hi = plane_tables(x)
    delta, top_start = low_start_in_table(c_lo, c_hi)
    tables = start_in_table_tables(x)
    total = int(np.abs(np.asarray(x, dtype=np.int64)).sum())
    data, narrow = plane_bytes(weights), plane_classes(weights)
    out = []
    for row in range(len(weights)):
        masks = data[32 * row:32 * (row + 1)]
        sums = {plane: sum(tables[g][masks[4 * i + k]] for k, g in enumerate(plane_groups(plane)))
                for i, plane in enumerate(PLANE_ORDER)}
        low = 0
        for plane in range(6):
            assert low + sums[plane] < 65536
            low = (low + sums[plane]) >> 1
        if narrow[row]:
            top = top_start + total // 2 + delta
            last = low + total % 2 * parity + sums[7]
        else:
            top = top_start + sums[7]
            last = low + sums[6]
        assert last < 65536
        value = (top + (last >> 1) + 32768) % 65536 - 32768     # (IX + DE in 16 bits)
        out.append(value)
    return out


def check_model(trials: int = 300) -> int:
    rng = np.random.default_rng(733)
    calls = 0
    while calls < trials:
        rows = mixed_plane_rows(rng, 32)
        x = rng.integers(-int(rng.integers(1, 200)), int(rng.integers(1, 200)), 32)
        if calls % 50 == 0:
            x = np.where(np.arange(32) % 2, 127, -128) if calls % 100 == 0 else rng.integers(-128, 128, 32)
        if not planes_fit(x, SPLIT_SHIFT):
            continue
        got = split_matvec(rows, x)
        want = [int(v) for v in intmath.matvec(rows, 0, x, post=SPLIT_SHIFT)]
        assert got == want, calls
        calls += 1
    return calls


def bench_with(weights, loops: int) -> Z80Bench:
    classes = plane_classes(weights)
    source = ("".join(f"{flag} = 1\n" for flag in FORMS) + f"WP_SHIFT_4_MATRICES = {loops}\n"
              f"WP_SPLIT_BYTES = {32 * len(weights)}\nWP_NARROW_ROWS = {sum(classes)}\n"
              f"WP_SPLIT_CLASSES = ${SPLIT_CLASSES_AT:04X}\nwp_planes = ${MASKS_AT:04X}\n"
              f"wp_table_pages = ${TABLES_AT:04X}\n" + WORD_TABLES_SOURCE + '.include "planes_wide.s"\n')
    bench = Z80Bench(extra_source=source, options=player_kernel_options("128k"))
    bench.poke(SPLIT_CLASSES_AT, classes)
    bench.poke(MASKS_AT, plane_bytes(weights, narrow=True))
    bench.poke_word(bench.sym("wp_tables") + 1, bench.sym("wp_expand_first"))
    return bench


def call_times(weights, loops: int, shift: int, x) -> list[int]:
    """Each 32-row matrix's wp_rows T-states (bit-exact checked) after the first build on x."""
    bench = bench_with(weights, loops)
    bench.write_words(X_AT, np.asarray(x, dtype=np.int64))
    bench.poke_word(bench.sym("wp_x"), X_AT)
    bench.call("wp_tables")
    assert not bench.cpu.f & 1
    times, at, page = [], MASKS_AT, bench.sym("WP_PAGE")
    for matrix in range(len(weights) // 32):
        rows = weights[32 * matrix:32 * (matrix + 1)]
        at_4 = loops >> matrix & 1
        entries = (bench.sym("wp_row_4" if at_4 else "wp_row"), bench.sym("wp_row_4_narrow" if at_4 else "wp_row_narrow"),
                   bench.sym("wp_rows_end"))
        got, _, took = run_tables_and_rows(bench, "wp", at, X_AT, 32, x, shift, tables=False)
        assert np.array_equal(got, intmath.matvec(rows, 0, x, post=shift)), matrix
        times.append(took)
        at += len(plane_words(rows, page, narrow=True, entries=entries))
    return times


def row_costs(weights, shift: int, x) -> tuple[int, int]:
    """Measured: (a wide row's, a narrow row's) T-states more in wp_row's loop at `shift` than in wp_row_4's loops at
    shift 4, fitted exactly over the six matrices (the call's set-up CHAIN_SET_UP apart, as counted)."""
    chain = call_times(weights, 0, shift, x)                            # every matrix in wp_row's loop
    row_4 = call_times(weights, (1 << len(PLANES_MATRICES)) - 1, 4, x)  # every matrix in wp_row_4's loops
    equations, differences = [], []
    for index, name in enumerate(PLANES_MATRICES):
        classes = plane_classes(weights[32 * index:32 * (index + 1)])
        equations.append([32 - sum(classes), sum(classes)])
        differences.append(chain[index] - row_4[index] - CHAIN_SET_UP)
        print(f"  {name}: {sum(classes)} narrow rows; wp_rows at shift {shift} (wp_row's loop) {chain[index]:,}, "
              f"at shift 4 (wp_row_4's loops) {row_4[index]:,}")
    solution = np.linalg.lstsq(np.array(equations, float), np.array(differences, float), rcond=None)[0]
    wide, narrow = (int(round(v)) for v in solution)
    assert [w * wide + n * narrow for w, n in equations] == differences, differences
    print(f"  measured (an exact fit, the call's set-up {CHAIN_SET_UP} more as counted): a wide row {wide} T-states "
          f"more in wp_row's loop at shift {shift} than in wp_row_4's at 4, a narrow one {narrow}")
    return wide, narrow


def rows_at(soul, shift: int) -> tuple[list[str], int, int]:
    names = [name for name in PLANES_MATRICES if soul[name].shift + 1 == shift]
    narrow = sum(sum(plane_classes(soul[name].values)) for name in names)
    return names, 32 * len(names) - narrow, narrow


def main() -> None:
    print(f"the split model against intmath.matvec at shift {SPLIT_SHIFT}: {check_model():,} calls of 32 random rows, "
          "bit-exact")
    soul = load_soul(paths.DEFAULT_SOUL)
    weights = np.concatenate([np.asarray(soul[name].values, dtype=np.int64) for name in PLANES_MATRICES])
    x = np.random.default_rng(734).integers(-60, 60, 32)
    print(f"shift {SPLIT_SHIFT}:")
    wide, narrow = row_costs(weights, SPLIT_SHIFT, x)
    print(f"  counted: a split wide row wp_row_4's + {WIDE_MORE}: {wide - WIDE_MORE} fewer than now; a split narrow "
          f"row wp_row_4_narrow's + {NARROW_SHARED} sharing the wide code ({narrow - NARROW_SHARED} fewer than now), "
          f"+ {NARROW_OWN} with its own copy ({narrow - NARROW_OWN} fewer)")
    names, wide_rows, narrow_rows = rows_at(soul, SPLIT_SHIFT)
    wide_only = wide_rows * (wide - WIDE_MORE)
    shared = wide_only + narrow_rows * (narrow - NARROW_SHARED)
    own = wide_only + narrow_rows * (narrow - NARROW_OWN)
    print(f"  the shipped soul's matrices at shift {SPLIT_SHIFT}: {', '.join(names)}: {wide_rows} wide rows, "
          f"{narrow_rows} narrow (each matrix runs once a reply step and once a computed prompt position)")
    print(f"  a reply step: {wide_only:,} fewer with the wide rows split ({WIDE_LOOP_BYTES} bytes of loop; "
          f"{wide_only - 10 * wide_rows:,} in {WIDE_LOOP_BYTES - 11 + 3} with a jp to wp_row_4's end); {shared:,} with "
          f"the narrow ones sharing it ({WIDE_LOOP_BYTES + NARROW_ENTRY_BYTES} bytes); {own:,} with their own copy "
          f"({WIDE_LOOP_BYTES + NARROW_OWN_BYTES} bytes)")
    # A split at 5 (the soul's l1.k): plane 4 alone moves to the right Horner (+5), the chain's two steps go; a
    # narrow row's entry as wp_row_narrow's (plane 7 from S + 2 K', then a jp into the wide loop's plane 5: +10).
    names, wide_rows, narrow_rows = rows_at(soul, 5)
    print("shift 5:")
    wide, narrow = row_costs(weights, 5, x)
    moved = 4 * 44 + 16 - (15 + 4 * 43)
    split_5 = wide_rows * (wide - moved) + narrow_rows * (narrow - moved - 10)
    loop_bytes = 4 + 3 * 4 * 6 + 2 * 2 + (4 + 3 * 8 + 4) + 4 * (4 * 8 + 4) + 11 + 3 + (4 + 4 * 6 + 3)
    print(f"  counted: a split wide row {wide - moved} fewer, a narrow one {narrow - moved - 10}; the shipped soul's "
          f"{', '.join(names)}: {wide_rows} wide rows, {narrow_rows} narrow: {split_5:,} a reply step for a loop of "
          f"{loop_bytes} bytes")


if __name__ == "__main__":
    main()
