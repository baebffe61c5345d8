"""fc1planes.s's rows by group form (FG_GROUP_FORMS, thirty-fifth round, zxfc1g35): what they save and what they cost.

A row of class c whose groups W (two or three) have weights one class narrower (-64..63, -32..31, -16..15) reads plane 7
for its other 4 - |W| groups alone, then the lower plane's words (W's plane-7 masks there) and T[W]'s, through a stub
by class and k and one shared block (fc1_planes.row_form, gate_items; planes.s's WP_GROUP_FORMS form). This script
prints, on the shipped soul:

  - each layer's rows by form (class, k) and the T-states the forms save a call by fc1_planes.form_saving;
  - on the kernels' bench, "hello"'s fc1 calls (every position of its turn, as the engine runs them; the means) with
    and without the flag: fg_tables (dearer by T[W]'s build) and fg_rows (cheaper by the forms' count), the net a
    call by layer, a reply step (both layers' fc1) and a prompt position (layer 0's);
  - the bytes: fc1planes.s's code and variables on the bench with and without (its parts: the stubs and block,
    fc1wide.s's fg_wide_form, T[W], its build), each layer's rows with and without, and what the 128K player has for
    them (`python -m soulterm build --machine zx128`'s build, which takes them since the thirty-sixth round: bank 4's
    room at run time below its block and past the keys' planes, and bank 0's room before fc1planes.s's copy), and the smallest
    variant's (class 1's forms alone, T[W] in the gap below $C000): its T-states and bank 4's bytes.

    python benchmarks/z80_fc1_group_forms.py
"""

from __future__ import annotations

import collections

import numpy as np

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx import build as zx_build
from soulterm.zx.fc1_planes import FG_SOURCE, form_saving, gate_bytes, row_form, rows_marks, run_gate
from soulterm.zx.kernelbench import Z80Bench, player_kernel_options
from soulterm.zx.weight_planes import turn_inputs

LAYERS = ("l0.fc1_w", "l1.fc1_w")


def bench(forms: bool) -> Z80Bench:
    return Z80Bench(extra_source=FG_SOURCE, options=player_kernel_options("128k", fc1_group_forms=forms))


def main() -> None:
    soul = load_soul(DEFAULT_SOUL)
    engine = Engine(soul)
    print("rows by form (class, k = 4 - |W|; k = 4 a class's own row) and the forms' saving a call (form_saving):")
    for name in LAYERS:
        rows = np.asarray(soul[name].values, dtype=np.int64)
        forms = collections.Counter((kind, 4 - bin(groups).count("1")) for kind, groups in map(row_form, rows))
        saved = sum(form_saving(*row_form(row)) for row in rows)
        print(f"  {name}: " + ", ".join(f"{form}: {count}" for form, count in sorted(forms.items()))
              + f"; {saved:,} T-states a call")

    benches = {forms: bench(forms) for forms in (False, True)}
    context = Tokenizer.load(DEFAULT_TOKENIZER).encode_turn("hello")
    times = {forms: {0: [], 1: []} for forms in benches}
    for _, name, x in turn_inputs(engine, context):
        if name.endswith("fc1_w"):
            parts = engine.layers[int(name[1])]
            for forms, on in benches.items():
                out, tables_t, rows_t = run_gate(on, parts.fc1_t.T, parts.fc1_b, x, int(parts.s_fc1))
                times[forms][int(name[1])].append((tables_t, rows_t))
    print('\n"hello"\'s fc1 calls on the kernels\' bench (means; fg_tables, fg_rows):')
    net = {}
    for layer in (0, 1):
        (tables_0, rows_0), (tables_1, rows_1) = (np.mean(times[forms][layer], axis=0) for forms in (False, True))
        net[layer] = (tables_0 + rows_0) - (tables_1 + rows_1)
        print(f"  layer {layer}: without {tables_0:,.1f} + {rows_0:,.1f}; with {tables_1:,.1f} + {rows_1:,.1f}: "
              f"{net[layer]:,.1f} fewer a call (T[W]'s build {tables_1 - tables_0:,.0f}, the rows {rows_0 - rows_1:,.1f})")
    print(f"  a reply step (both layers' fc1): {net[0] + net[1]:,.0f} fewer; a prompt position (layer 0's): {net[0]:,.0f}")

    plain, formed = benches[False], benches[True]
    size = {forms: on.sym("fg_code_end") - on.sym("fg_x") for forms, on in benches.items()}
    sym = formed.sym
    print(f"\nbytes: fc1planes.s's code and variables {size[False]:,} -> {size[True]:,} (+{size[True] - size[False]}): "
          f"the stubs and block {sym('fg_wide_form') - sym('fg_form_0_2')}, fg_wide_form (fc1wide.s's decoding) "
          f"{sym('fg_code_end') - sym('fg_wide_form')}, T[W] {2 * 16}, its build and fg_test_4 the rest "
          f"({size[True] - size[False] - (sym('fg_code_end') - sym('fg_form_0_2')) - 32})")
    shrink = {}
    for name in LAYERS:
        weights, bias = soul[name].values, soul[name.replace("_w", "_b")].values
        without = len(gate_bytes(weights, bias, 0x80))
        with_forms = len(gate_bytes(weights, bias, plain.sym("FG_PAGE"), rows_marks(formed.sym), formed.sym))
        shrink[name] = without - with_forms
        print(f"  {name}'s rows {without:,} -> {with_forms:,} bytes")
    built = zx_build.assemble_spectrum_player(DEFAULT_SOUL, DEFAULT_TOKENIZER, "128k")
    player = built.program.symbols
    (_, _, bank_4_origin), *_ = map(zx_build.tap.bank_block, built.banks)
    bank_4_room = zx_build.FC1_PLANES_TABLES - (player["kv_planes"] + 2 * player["PL_LAYER_BYTES"])
    bank_0_room = player["fg_x"] - player.get("lg_code_end", player["lg_masks_top_end"])
    need_4 = size[True] - size[False] - shrink["l1.fc1_w"]
    # the variant with class 1's forms alone and T[W] in the room below $C000 (at_sq_index's gap): its stubs, the block,
    # T[W]'s build and fg_wide_form in bank 4, less class 1's rows' shrink, plus bank 0's copy's padding
    ones = {name: [row for row in np.asarray(soul[name].values, dtype=np.int64) if row_form(row)[0] == 1] for name in LAYERS}
    rows_1 = {name: sum(form_saving(*row_form(row)) for row in rows) for name, rows in ones.items()}
    shrink_1 = {name: 2 * sum(bin(row_form(row)[1]).count("1") == 3 for row in rows) for name, rows in ones.items()}
    code_1 = (sym("fg_wide_form") - sym("fg_form_1_1")) + (sym("fg_code_end") - sym("fg_wide_form")) + (
        size[True] - size[False] - (sym("fg_code_end") - sym("fg_form_0_2")) - 32)
    pad_1 = max(0, shrink_1["l1.fc1_w"] - shrink_1["l0.fc1_w"] - bank_0_room)
    build_t = round(np.mean([t[0] for t in times[True][0]]) - np.mean([t[0] for t in times[False][0]]))
    print(f"class 1's forms alone (T[W] below $C000): the rows {rows_1['l0.fc1_w']:,} and {rows_1['l1.fc1_w']:,} a call, "
          f"{rows_1['l0.fc1_w'] + rows_1['l1.fc1_w'] - 2 * build_t:,} a reply step, {rows_1['l0.fc1_w'] - build_t:,} a prompt "
          f"position; bank 4: {code_1 - shrink_1['l1.fc1_w'] + pad_1} bytes ({code_1} of code, the rows "
          f"{shrink_1['l1.fc1_w']} fewer, {pad_1} of padding for bank 0's copy)")
    # (the player has them since the thirty-sixth round, zx128fc1g36: the word list in bank 7, bank 4's block raised)
    print(f"the 128K player: FG_GROUP_FORMS {'in' if 'FG_GROUP_FORMS' in player else 'out'} (the forms need {need_4} "
          f"bytes more in bank 4: fc1planes.s's growth less layer 1's rows' shrink); bank 4's room at run time "
          f"{bank_4_origin - zx_build.paging.PAGED_START} bytes below its block, {bank_4_room} past the keys' planes; "
          f"bank 0's room before fc1planes.s's copy {bank_0_room}")


if __name__ == "__main__":
    main()
