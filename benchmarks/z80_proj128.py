"""The 128K's attention projection (proj) four ways, call by call (twenty-ninth round, zxproj128b).

Runs the engine through a turn ("hello" by default, or `--everyday`'s ten, or a prompts file's, each
prompt's turn from an empty context) and times each proj call the 128K player runs (layer 0's at every
position, layer 1's at the prompt's last position and the reply's) on the 128K's kernels' bench
(player_kernel_options("128k")), each checked against the engine where it computes proj:
  - today: matvec.s's low slots (the call's column pass, then the rows: what the player runs);
  - planes.s as the 128K has it (q, k and v's: wp_tables on att, then wp_rows at proj's shift with the
    rows' classes, plane_classes);
  - fc1planes.s's cheaper build (fg_tables: word entries pushed down their pages, ~30 T-states an entry
    against wp_tables' 44), and fg_rows with a bias no row's top planes can prove 0, so that every row
    runs its 8 planes and the exact end: what a proj by fc1planes.s's layout would cost at most (its rows'
    tests after planes 4..0 included; a proj without them would save ~110 a row). Not proj's values
    (fc1's ReLU gate): timed only. fg_tables declines above FG_MOST_SUM (2,047), where today's runs.
Prints, by layer and by where the call runs, the mean T-states of each, and sum |att| (max, median, calls
over 2,047), att's wide columns (x outside -127..128) and proj's narrow rows (plane_classes). Then two counts
for what is left: the two table builds on every xn (q, k and v's input, each layer at every position: the
128K builds planes.s's tables twice a step), wp_tables against fg_tables (fg's word entries, a mask a 2-byte
address, pushed down their pages; fg declines above 2,047, wp above 4,095); and the logits' rows 3..127 that a
bound |w x| <= |w| |x| (Cauchy-Schwarz) cannot rule out against the best logit (the engine's, at each reply step).

    python benchmarks/z80_proj128.py [TEXT | --everyday | --prompts FILE]
"""

from __future__ import annotations

import argparse
import collections

import numpy as np

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.player.bench import add_prompt_arguments, chosen_prompts
from soulterm.soul import intmath, spec
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx import fc1_planes
from soulterm.zx.kernelbench import Z80Bench, player_kernel_options, run_matvec
from soulterm.zx.soul_layout import plane_classes
from soulterm.zx.weight_planes import PLANES_SOURCE, player_proj_calls, print_proj_table, run_planes

WAYS = ("today", "planes.s", "fg_tables", "fg_rows", "fg both")
NO_ROW_PROVED_ZERO = 32767       # fg_rows' bias: 2^15 - 1 above any proj row's W x >> 6's reach of 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_prompt_arguments(parser)
    prompts = chosen_prompts(parser.parse_args())
    soul = load_soul(DEFAULT_SOUL)
    engine, tokenizer = Engine(soul), Tokenizer.load(DEFAULT_TOKENIZER)
    options = player_kernel_options("128k")
    slots = Z80Bench(options=options)
    planes = Z80Bench(extra_source=PLANES_SOURCE, options=options)
    gate = Z80Bench(extra_source=fc1_planes.FG_SOURCE, options=options)
    proj = [(engine.layers[layer].proj_t.T, engine.layers[layer].s_proj) for layer in range(2)]
    times, sums, wide, declined = collections.defaultdict(list), [], [], 0
    builds, xn_sums, rows_kept = [], [], []
    out_rows = engine.out_t.T.astype(np.int64)[spec.FIRST_CHOOSABLE:]
    out_norms = (out_rows ** 2).sum(axis=1)
    for prompt in prompts:
        context = tokenizer.encode_turn(prompt)
        for position, name, x, layer, reply in player_proj_calls(engine, context):
            if name.endswith(".qkv"):
                xn_sums.append(int(np.abs(x).sum()))
                planes.write_words(0xA000, x)
                planes.poke_word(planes.sym("wp_x"), 0xA000)
                wp_t = planes.call("wp_tables")
                fg_t = None
                if fc1_planes.takes(x, fc1_planes.LEAST_SHIFT):
                    gate.write_words(0xA000, x)
                    gate.poke_word(gate.sym("fg_x"), 0xA000)
                    fg_t = gate.call("fg_tables")
                builds.append((wp_t, fg_t))
            if name == "out" and position >= len(context) - 1:
                dots = out_rows @ x
                best = int(dots.max())
                rows_kept.append(int((out_norms * int((x * x).sum()) >= best * best).sum()) if best > 0
                                 else len(out_rows))
            if layer is None:
                continue
            w, shift = proj[layer]
            expected = intmath.matvec(w, 0, x, post=shift)
            out, today = run_matvec(slots, w, x, None, shift, routine="matvec")
            assert np.array_equal(out, expected)
            out, table_t, rows_t = run_planes(planes, w, x, shift)
            assert out is not None and np.array_equal(out, expected)
            row = [today, table_t + rows_t]
            if fc1_planes.takes(x, shift):
                bias = np.full(len(w), NO_ROW_PROVED_ZERO, dtype=np.int64)
                _out, fg_tables_t, fg_rows_t = fc1_planes.run_gate(gate, w, bias, x, shift)
                row += [fg_tables_t, fg_rows_t, fg_tables_t + fg_rows_t]
            else:
                declined += 1
                row += [today, 0, today]     # (declined: today's call)
            times[(layer, reply)].append(row)
            sums.append(int(np.abs(x).sum()))
            wide.append(int(((x < -127) | (x > 128)).sum()))
    print(f"{len(prompts)} prompt(s); the mean a call, T-states (the 128K's kernels' bench)")
    print_proj_table(times, WAYS, 10)
    print(f"sum |att|: max {max(sums):,}, median {int(np.median(sums)):,}; calls over fg's 2,047: {declined} "
          f"of {len(sums)} (today's there); wide columns a call: mean {np.mean(wide):.2f}, max {max(wide)}")
    for layer, (w, _shift) in enumerate(proj):
        print(f"l{layer} proj: narrow rows (weights in -64..63) {sum(plane_classes(w))} of {len(w)}, "
              f"|w| <= 31: {np.mean(np.abs(w) <= 31):.0%}, w in {int(w.min())}..{int(w.max())}")
    both = [(wp_t, fg_t) for wp_t, fg_t in builds if fg_t is not None]
    print(f"xn's table builds: {len(builds)}, sum |xn| median {int(np.median(xn_sums)):,}, max {max(xn_sums):,}; "
          f"wp_tables mean {np.mean([b[0] for b in builds]):,.0f}; where fg takes xn ({len(both)}): wp_tables "
          f"{np.mean([b[0] for b in both]):,.0f}, fg_tables {np.mean([b[1] for b in both]):,.0f}")
    print(f"the logits' rows 3..127 a Cauchy-Schwarz bound keeps: mean {np.mean(rows_kept):.1f} of {len(out_rows)} "
          f"({len(rows_kept)} reply steps)")


if __name__ == "__main__":
    main()
