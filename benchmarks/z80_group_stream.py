"""Narrowness by group as the row's own words steer it (128K, planes.s): zxqkv34's group forms in a layout that fits.

benchmarks/z80_group_narrow.py (zxqkv34) weighed the group forms: where an 8-column group's weights all lie in -64..63
its plane-6 mask is its plane-7 mask's complement (2 E_7 + E_6 = E_7 + S'_g), in -32..31 plane 5's too (at the
narrow row's plane-6 level, 2 E_7 + E_5 = E_7 + S'_g), so a row with n such groups reads plane 7 for its other 4 - n
groups alone and the n groups' E_7 one plane lower beside a lookup of T[W] (the sum of S'_g over the set W): 43 (n - 1)
T-states saved, less a jump in and one out. It left open how a row enters part-way and leaves the 5-lookup plane, and
what that costs bank 6 (284 bytes at run time). This script weighs one answer, in planes.s's word-table rows as they
run now (WP_WORD_TABLES, WP_NEXT_ROW_WORDS, WP_NEXT_BY_RET: a row's words are entries' addresses popped by SP, its first
word its code's address, reached by `ret`):

  - a word's group is in its address (page WP_PAGE + 2 g), so the order of a plane's words is free, and T[W] is one
    more word, the address of a 16-word table's entry W: the lookup code cannot tell them apart;
  - five stubs, one for each form and count k of plane-7 lookups (a wide row's n6 = 2, 3: k = 2, 1; a narrow row's
    n5 = 2, 3, 4: k = 2, 1, 0): `ld ix,<start>` (K', or a narrow row's S + 2 K' + 2 delta; patched by
    wp_low_constants) then `jp` to the shared block's k-th lookup from its plane's end;
  - one shared block: 2 lookups, `add ix,ix`, 5 lookups, `ret`: the row's next word is its exit, the place in its own
    loop (wp_row_4's or wp_row's) where a wide row's plane 5 starts (add ix,ix, plane 5) or where a narrow row's plane 4
    starts (add ix,ix, plane 4): no exit code, one word a row. The stubs cost `jp` 10 and the exit `ret` 10: the 20
    zxqkv34 counted (and a narrow row in wp_row's loop loses its `jp planes_5`, 10);
  - the words of such a row: its entry, 4 - n plane-7 words, 5 words, the exit, then its planes as now: 2 - n words
    more than now (a wide row's 33, a narrow one's 29), never more than nothing;
  - the tape's masks for such a row: plane 7's 4 - n, then 4 in the lower plane's place (the group's own mask, or its
    plane-7 mask where it lies in W), the class byte (WP_SPLIT_CLASSES) carrying W: n masks fewer a row.

It (1) runs the rows' words through a model of that code (stubs, block, exits, both loops' planes; IX 16 bits) against
intmath.matvec on random rows of every group mix and random x (the tables WP_LOW_START_IN_TABLE's, group 3 biased);
(2) counts on the shipped soul's six matrices (each once a reply step, all but layer 1's q a prompt position; the
loop by the soul's shift) the T-states a call saves, the T[W] builds and bank 6's bytes against its 284 bytes of room
at run time, and the tape's masks; (3) measures the same on the kernels' bench, where planes.s's WP_GROUP_FORMS builds
it (T[W] at wp_tables' end, the stubs and the block after wp_rows_end; tests/test_kernels_z80_group_forms.py), the
words written as matrix_bytes lays them out. No player takes the flag yet: the first RUN's wp_expand_first would have
to make these words from the tape, and planes_wide.s's wp_rows_wide (a declined xn) read them.

    python benchmarks/z80_group_stream.py
"""

from __future__ import annotations

import numpy as np

from soulterm.paths import DEFAULT_SOUL
from soulterm.soul import intmath
from soulterm.soul.soulfile import load_soul
from soulterm.zx import build as zx_build
from soulterm.zx.soul_layout import (plane_classes, plane_group_classes, plane_group_form, plane_group_word_bytes,
                                     plane_groups)
from soulterm.zx.weight_planes import (LEAST_SHIFT, low_start_in_table, plane_tables, planes_fit,
                                       start_in_table_tables, vector_with_sum)

from z80_group_narrow import COLS, GROUPS, group_widths, masks     # (the weighed form's row model)

# Z80 T-states of the row code's pieces (planes.s's wp_word_lookup and its neighbours)
LOOKUP = 10 + 7 + 4 + 7 + 15        # pop hl / ld c,(hl) / inc l / ld b,(hl) / add ix,bc
LD_IX = 14                          # ld ix,nn (a row's start, patched)
DOUBLE = 15                         # add ix,ix
JUMP = 10                           # jp nn, or ret
# bytes
LOOKUP_BYTES = 6
STUB_BYTES = 4 + 3                  # ld ix,nn / jp nn (the narrow k = 2 stub falls into the block: 4)
BLOCK_BYTES = 2 * LOOKUP_BYTES + 2 + 5 * LOOKUP_BYTES + 1
TABLE_BYTES = 2 * 15                # T[1..15] (T[0] is never read: W is never empty)
STUBS = 5                           # wide k = 2, 1; narrow k = 2, 1, 0
# T[W]'s build at wp_tables' end (planes.s, WP_GROUP_FORMS): S'_g = E_g[0] + E_g[255] from the tables (BC S'_0: 55,
# DE S'_1: 51, SP S'_2: 53), HL = S'_0 (8), then in Gray order 15 x ld (nn),hl (16), 6 add hl,rr (11), 7 sbc hl,rr
# (15), S'_3 added once from its two entries through SP (62), SP S'_2 again from T[4] (20) and back (20); and
# wp_low_constants' 5 patches of the stubs' starts (16 each)
TABLE_BUILD = 55 + 51 + 53 + 8 + 15 * 16 + 6 * 11 + 7 * 15 + 62 + 20 + 20 + 5 * 16
TABLE_BUILD_BYTES = 10 + 9 + 9 + 2 + 15 * 3 + 6 * 1 + 7 * 2 + 10 + 4 + 4 + 5 * 3
CODE_BYTES = (STUBS - 1) * STUB_BYTES + 4 + BLOCK_BYTES + TABLE_BYTES + TABLE_BUILD_BYTES
BANK_6_ROOM = 284


def row_form(row) -> tuple[str, int]:
    """The row's code: ("wide" | "narrow", W) (soul_layout.plane_group_form: W the groups moved, a bit each, at least two
    of them, else 0: the row as now)."""
    narrow, moved = plane_group_form(row)
    return ("narrow" if narrow else "wide", moved)


def row_words(row, use_forms: bool = True) -> list[tuple]:
    """A row's words as the code reads them: ("entry", form, k), ("table", g, mask), ("T", W), ("exit", label)."""
    m = masks(row)
    kind, moved = row_form(row) if use_forms else (("wide", 0) if any(w == 7 for w in group_widths(row))
                                                   else ("narrow", 0))
    low = [("table", g, m[b, g]) for b in (0, 1, 2, 3) for g in plane_groups(b)]
    if not moved:
        tops = (7, 6, 5, 4) if kind == "wide" else (7, 5, 4)
        return [("entry", kind, 4)] + [("table", g, m[b, g]) for b in tops for g in plane_groups(b)] + low
    kept = [g for g in range(GROUPS) if not moved >> g & 1]
    lower = 6 if kind == "wide" else 5
    words = [("entry", kind, len(kept))] + [("table", g, m[7, g]) for g in kept]
    words += [("table", g, m[7 if moved >> g & 1 else lower, g]) for g in plane_groups(lower)] + [("T", moved)]
    if kind == "wide":
        words += [("exit", "planes_5")] + [("table", g, m[b, g]) for b in (5, 4) for g in plane_groups(b)]
    else:
        words += [("exit", "plane_4")] + [("table", g, m[4, g]) for g in plane_groups(4)]
    return words + low


def row_class(row) -> int:
    """The row's class byte with WP_GROUP_FORMS (soul_layout.plane_group_classes')."""
    return plane_group_classes([row])[0]


def group_word_bytes(weights) -> int:
    """WP_GROUP_WORD_BYTES (soul_layout.plane_group_word_bytes)."""
    return plane_group_word_bytes(weights)


def word_bytes(words: list[tuple], page: int, sym, at_4: bool) -> bytes:
    """A row's words as planes.s reads them with WP_GROUP_FORMS (`sym` the bench's symbols; `at_4` the matrix runs
    wp_row_4's loop): a table word 2 m mod 256, then page + 2 g + (m >> 7); T[W] its entry's address; an entry or an
    exit its code's address."""
    loop = "wp_row_4" if at_4 else "wp_row"
    out = bytearray()
    for word in words:
        if word[0] == "table":
            out += bytes((2 * word[2] & 255, page + 2 * word[1] + (word[2] >> 7)))
            continue
        if word[0] == "T":
            address = sym("wp_group_sums") + 2 * (word[1] - 1)
        elif word[0] == "exit":
            address = sym(f"{loop}_{word[1]}")
        elif word[2] == 4:
            address = sym(loop + ("" if word[1] == "wide" else "_narrow"))
        else:
            address = sym(f"wp_group_{word[1]}_{word[2]}")
        out += address.to_bytes(2, "little")
    return bytes(out)


def matrix_bytes(weights, page: int, sym, at_4: bool, use_forms: bool = True) -> bytes:
    """A matrix's words (soul_layout.plane_words(narrow=True, entries=...)'s without the forms), wp_rows_end's last."""
    return b"".join(word_bytes(row_words(row, use_forms), page, sym, at_4) for row in weights) + \
        sym("wp_rows_end").to_bytes(2, "little")


def falls_in(kind: str, k: int) -> bool:
    """The stub placed just before the block (planes.s's wp_group_narrow_2, the shipped soul's commonest): no jp."""
    return (kind, k) == ("narrow", 2)


def run_row(words: list[tuple], tables, t_table: list[int], wide_start: int, narrow_start: int) -> tuple[int, int]:
    """The row's code on its words (IX 16 bits, R planes.s's right Horner from 0): (Q + R mod 2^16, T-states from its
    entry's code to its last top lookup, the part the forms change)."""
    stream = iter(words)

    def lookup() -> int:
        word = next(stream)
        assert word[0] in ("table", "T"), word
        return t_table[word[1]] if word[0] == "T" else tables[word[1]][word[2]]

    _, kind, k = next(stream)
    ix = wide_start if kind == "wide" else narrow_start
    t = LD_IX
    if k == 4:          # as now: plane 7, and a wide row's plane 6
        for _ in range(4):
            ix += lookup()
        t += 4 * LOOKUP
        if kind == "wide":
            ix = 2 * ix + sum(lookup() for _ in range(4))
            t += DOUBLE + 4 * LOOKUP
        rest = ("planes_5",)
    else:               # a stub's jp into the block: k lookups, add ix,ix, 5 lookups, ret to the exit word
        ix += sum(lookup() for _ in range(k))
        ix = 2 * ix + sum(lookup() for _ in range(5))
        t += JUMP * (not falls_in(kind, k)) + k * LOOKUP + DOUBLE + 5 * LOOKUP + JUMP
        exit_word = next(stream)
        assert exit_word[0] == "exit", exit_word
        rest = (exit_word[1],)
    if rest[0] == "planes_5":
        ix = 2 * ix + sum(lookup() for _ in range(4))
        t += DOUBLE + 4 * LOOKUP
    ix = 2 * ix + sum(lookup() for _ in range(4))       # plane 4
    t += DOUBLE + 4 * LOOKUP
    low = 0
    for _ in range(4):
        low = (low + sum(lookup() for _ in range(4))) >> 1
    assert next(stream, None) is None, "every word read"
    return (ix + low) & 0xFFFF, t


def call_tables(x) -> tuple[list[list[int]], list[int], int, int]:
    """wp_tables' build on x (WP_LOW_START_IN_TABLE) and T[W]: (tables, T, K', the narrow start)."""
    _, c_lo, c_hi = plane_tables(x)
    delta, top_start = low_start_in_table(c_lo, c_hi)
    tables = start_in_table_tables(x)
    sums = [sum(abs(int(v)) for v in x[COLS * g:COLS * (g + 1)]) + 2 * delta * (g == 3) for g in range(GROUPS)]
    t_table = [sum(sums[g] for g in range(GROUPS) if w >> g & 1) for w in range(16)]
    total = int(np.abs(x).sum())
    return tables, t_table, top_start, 2 * top_start + total + 2 * delta


def signed(word: int) -> int:
    return (word + 32768) % 65536 - 32768


def check_model(trials: int = 300, use_t: bool = True) -> int:
    """Every row's words through the code equal intmath.matvec at shift 4 (and at a random shift, the same word shifted
    right as wp_row's chain does); with `use_t` False the T[W] entries read 0 (a broken build, for the tests)."""
    rng = np.random.default_rng(3420)
    checked = 0
    for trial in range(trials):
        x = vector_with_sum(rng, int(rng.integers(1, 4096)), -400, 400)
        if not planes_fit(x, LEAST_SHIFT):
            continue
        tables, t_table, wide_start, narrow_start = call_tables(x)
        if not use_t:
            t_table = [0] * 16
        shift = int(rng.integers(LEAST_SHIFT, LEAST_SHIFT + 16))
        for _ in range(4):
            row = np.concatenate([rng.integers(-lim, lim, COLS) for lim in rng.choice([32, 64, 128], GROUPS)])
            value, _ = run_row(row_words(row), tables, t_table, wide_start, narrow_start)
            assert signed(value) == int(intmath.matvec(row[None, :], 0, x, post=LEAST_SHIFT)[0]), (trial, row)
            assert signed(value) >> (shift - LEAST_SHIFT) == int(intmath.matvec(row[None, :], 0, x, post=shift)[0])
            checked += 1
    return checked


def matrix_weighing(weights, at_shift_4: bool, x) -> dict[str, int]:
    """One matrix's call on x: T-states saved (the forms' rows against the same rows as now), rows by form, words and
    tape masks fewer."""
    tables, t_table, wide_start, narrow_start = call_tables(x)
    saved, forms, words_fewer, masks_fewer = 0, {}, 0, 0
    for row in weights:
        now = row_words(row, use_forms=False)
        new = row_words(row)
        value_now, t_now = run_row(now, tables, t_table, wide_start, narrow_start)
        value_new, t_new = run_row(new, tables, t_table, wide_start, narrow_start)
        assert value_now == value_new
        if new[0][0] == "entry" and new[0][2] < 4:
            kind, moved = row_form(row)
            if kind == "narrow" and not at_shift_4:
                t_now += JUMP               # (wp_row_narrow's jp wp_row_planes_5; wp_row_4_narrow is its own copy)
            n = bin(moved).count("1")
            key = f"{kind} n={n}"
            forms[key] = forms.get(key, 0) + 1
            masks_fewer += n
        saved += t_now - t_new
        words_fewer += len(now) - len(new)
    return {"saved": saved, "words_fewer": words_fewer, "masks_fewer": masks_fewer, **forms}


BENCH_FORMS = ("WP_WORDS_FROM_SPLIT", "WP_NARROW_WORDS", "WP_NARROW_SPLIT", "WP_NEXT_ROW_WORDS", "WP_NARROW_RUNS",
               "WP_FILL_PAIRS", "WP_CHAIN_A", "WP_SUMS_UNROLLED", "WP_LOW_START_IN_TABLE", "WP_FILL_LINKED",
               "WP_NEXT_BY_RET")       # (the 128K player's planes.s, build.planes_bank's)
BENCH_WORDS_AT, BENCH_X_AT, BENCH_TABLES_AT, BENCH_CLASSES_AT = 0xA000, 0x9F00, 0xD800, 0x9D00


def make_bench(groups: bool, loops: int = 0b001011, rows=None):
    """The kernels' bench with the 128K's planes.s forms (WP_SHIFT_4_MATRICES `loops`), WP_GROUP_FORMS where `groups`;
    with `rows` (six matrices of 32) the first RUN's sizes for them (wp_tables' first call then runs wp_expand_first:
    the caller writes their masks and classes), else wp_tables' first call straight to its work (the caller writes
    the words)."""
    from soulterm.zx.kernelbench import Z80Bench, player_kernel_options
    from soulterm.zx.weight_planes import WORD_TABLES_SOURCE

    flags = BENCH_FORMS + ("WP_GROUP_FORMS",) * groups
    source = ("".join(f"{flag} = 1\n" for flag in flags) + f"WP_SHIFT_4_MATRICES = {loops}\n"
              f"WP_SPLIT_BYTES = {6 * 32 * 32}\nWP_SPLIT_CLASSES = ${BENCH_CLASSES_AT:04X}\n"
              f"WP_NARROW_ROWS = {96 if rows is None else sum(plane_classes(rows))}\n"
              f"WP_GROUP_WORD_BYTES = {0 if rows is None else group_word_bytes(rows)}\n"
              f"wp_planes = ${BENCH_WORDS_AT:04X}\nwp_table_pages = ${BENCH_TABLES_AT:04X}\n" + WORD_TABLES_SOURCE +
              '.include "planes_wide.s"\n')
    bench = Z80Bench(extra_source=source, options=player_kernel_options("128k"))
    if rows is None:
        bench.poke_word(bench.sym("wp_tables") + 1, bench.sym("wp_interrupts_off"))
    return bench


def bench_build(bench, x) -> int:
    """wp_tables on x (at BENCH_X_AT): its T-states."""
    bench.write_words(BENCH_X_AT, np.asarray(x, dtype=np.int64))
    bench.poke_word(bench.sym("wp_x"), BENCH_X_AT)
    t_states = bench.call("wp_tables")
    assert not bench.cpu.f & 1, "built"
    return t_states


def bench_rows(bench, rows, x, shift: int, use_forms: bool = True, tables: bool = True):
    """wp_rows on `rows` laid out by matrix_bytes (wp_row_4's loop at shift 4, else wp_row's): (out, T-states)."""
    from soulterm.zx.weight_planes import run_tables_and_rows

    words = matrix_bytes(rows, bench.sym("WP_PAGE"), bench.sym, shift == LEAST_SHIFT, use_forms)
    bench.poke(BENCH_WORDS_AT, words)
    out, _, t_states = run_tables_and_rows(bench, "wp", BENCH_WORDS_AT, BENCH_X_AT, len(rows), x, shift, tables=tables)
    return out, t_states


def bench_figures(soul) -> dict[str, int]:
    """Measured on the kernels' bench: the six calls' T-states saved (each matrix at its own loop and soul shift,
    bit-exact both ways), wp_tables' extra T-states and planes.s's extra bytes (wp_x..wp_code_end)."""
    grouped, plain = make_bench(True), make_bench(False)
    x = vector_with_sum(np.random.default_rng(2), 1500, -300, 300)
    build = bench_build(grouped, x) - bench_build(plain, x)
    loops = zx_build.planes_shift_4_matrices(soul)
    saved = 0
    for index, name in enumerate(zx_build.PLANES_MATRICES):
        rows = np.asarray(soul[name].values, dtype=np.int64)
        shift = LEAST_SHIFT if loops >> index & 1 else soul[name].shift + 1
        new, t_new = bench_rows(grouped, rows, x, shift, tables=False)
        old, t_old = bench_rows(grouped, rows, x, shift, use_forms=False, tables=False)
        assert np.array_equal(new, old) and np.array_equal(new, intmath.matvec(rows, 0, x, post=shift)), name
        saved += t_old - t_new
    size = lambda bench: bench.sym("wp_code_end") - bench.sym("wp_x")     # noqa: E731
    return {"saved": saved, "build": build, "bytes": size(grouped) - size(plain)}     # (and T[W]'s pad byte, if any)


def main() -> None:
    print(f"model: {check_model():,} random rows' words through the stubs, the block and the exits bit-exact against "
          "intmath.matvec (shift 4 and a random shift)")
    soul = load_soul(DEFAULT_SOUL)
    shift_4 = zx_build.planes_shift_4_matrices(soul)
    x = vector_with_sum(np.random.default_rng(1), 1500, -300, 300)     # (the savings do not depend on x)
    step, position, words_fewer, masks_fewer = 0, 0, 0, 0
    forms: dict[str, int] = {}
    for index, name in enumerate(zx_build.PLANES_MATRICES):
        at_4 = bool(shift_4 >> index & 1)
        got = matrix_weighing(np.asarray(soul[name].values, dtype=np.int64), at_4, x)
        print(f"  {name} ({'wp_row_4' if at_4 else 'wp_row'}'s loop): {got['saved']:,} T-states fewer a call")
        step += got["saved"]
        position += got["saved"] * (name != "l1.q")
        words_fewer += got["words_fewer"]
        masks_fewer += got["masks_fewer"]
        for key, count in got.items():
            if key.startswith(("wide", "narrow")):
                forms[key] = forms.get(key, 0) + count
    print("  rows by form: " + ", ".join(f"{key} {count}" for key, count in sorted(forms.items())))
    print(f"a reply step: {step:,} fewer in the rows, {2 * TABLE_BUILD:,} more in two builds' T[W] and patches: "
          f"{step - 2 * TABLE_BUILD:,} net; a prompt position {position - 2 * TABLE_BUILD:,} net")
    print(f"bank 6: the words {2 * words_fewer:,} bytes fewer; planes.s {CODE_BYTES} bytes more (the stubs "
          f"{(STUBS - 1) * STUB_BYTES + 4}, the block {BLOCK_BYTES}, T[W] {TABLE_BYTES}, its build and the patches "
          f"{TABLE_BUILD_BYTES}): {CODE_BYTES - 2 * words_fewer:+,} bytes against the {BANK_6_ROOM} of room at run time")
    print(f"the tape: {masks_fewer:,} masks fewer where it carried the forms' masks (the moved groups' plane-7 masks)")
    measured = bench_figures(soul)
    print(f"the kernels' bench (planes.s with WP_GROUP_FORMS, the shipped soul's six matrices at their loops' shifts): "
          f"{measured['saved']:,} T-states fewer in the six calls, wp_tables {measured['build']:+,} a build, planes.s "
          f"{measured['bytes']:+,} bytes")


if __name__ == "__main__":
    main()
