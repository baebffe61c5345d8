"""The 48K's attention projection (proj) two ways, call by call (twenty-eighth round, zxproj48; zx48proj36).

Runs the engine through a turn ("hello" by default, or `--everyday`'s ten, or a prompts file's, each
prompt's turn from an empty context) and times each proj call the 48K player runs (layer 0's at every
position, layer 1's at the prompt's last position and the reply's: a prompt position's work runs layer 1's
norm, k and v only) on the 48K's kernels' bench (player_kernel_options("48k")), each checked against the
engine, in the shipped player's forms:
  - slots: matvec.s's slots as the shipped 48K has them (MV_HZ_ENDS: the short row ends, mv_hz_wide), the
    column pass, then the rows;
  - planes: planes.s as the shipped 48K has it for q, k and v (WP_NO_CLASSES, WP_NARROW_MARK: proj's narrow
    rows marked in their own plane 6 bytes): wp_tables on att, then wp_rows; and its two parts, tables and rows.
Neither adds into h here: the player's slots add as they store (mv_store_add); planes.s's rows store words, so
"+ add" is planes with a pass of vecops.s's vec_add_sat after (h += out, saturated: on the bench h = 0, as its
T-states change only where a word overflows). Prints, by layer and by where the call runs (a prompt position, a
reply step), the mean T-states of each, and for all calls sum |att| (planes.s declines above WP_MOST_SUM, 4,095),
att's wide columns (x outside -127..128), proj's narrow rows (weights in -64..63) and its distinct plane masks a
group (the entries a build for that matrix alone would need).

    python benchmarks/z80_proj48.py [TEXT | --everyday | --prompts FILE]
"""

from __future__ import annotations

import argparse
import collections

import numpy as np

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.player.bench import add_prompt_arguments, chosen_prompts
from soulterm.soul import intmath
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx.kernelbench import HZ_ENDS_OPTION, NARROW_MARK_OPTION, Z80Bench, player_kernel_options, run_matvec
from soulterm.zx.soul_layout import narrow_marked, plane_bytes, plane_classes
from soulterm.zx.weight_planes import PLANES_SOURCE, player_proj_calls, print_proj_table, run_planes

WAYS = ("slots", "planes", "+ add", "tables", "rows")


def distinct_masks(w) -> list[int]:
    """The plane masks (soul_layout.plane_bytes': bit b of a group's 8 u = w + 128) each group's lookups use."""
    u = (np.asarray(w, dtype=np.int64) + 128) & 255
    found = []
    for group in range(u.shape[1] // 8):
        masks = set()
        for plane in range(8):
            bits = (u[:, 8 * group:8 * group + 8] >> plane) & 1
            masks |= set((bits << np.arange(8)).sum(axis=1).tolist())
        found.append(len(masks))
    return found


def add_pass(bench, out, h_at: int = 0xB000) -> int:
    """vec_add_sat's T-states for h += out with h = 0 (at h_at, out after it), checked."""
    out_at = h_at + 2 * len(out)
    bench.write_words(h_at, np.zeros(len(out), dtype=np.int64))
    bench.write_words(out_at, out)
    bench.poke_word(bench.sym("va_a"), h_at)
    bench.poke_word(bench.sym("va_b"), out_at)
    bench.poke(bench.sym("va_n"), [len(out)])
    t_states = bench.call("vec_add_sat")
    assert np.array_equal(bench.read_words(h_at, len(out)), out)
    return t_states


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_prompt_arguments(parser)
    prompts = chosen_prompts(parser.parse_args())
    soul = load_soul(DEFAULT_SOUL)
    engine, tokenizer = Engine(soul), Tokenizer.load(DEFAULT_TOKENIZER)
    options = player_kernel_options("48k")
    slots = Z80Bench(options=options + "\n" + HZ_ENDS_OPTION)
    planes = Z80Bench(extra_source=PLANES_SOURCE, options=options + "\nWP_NO_CLASSES = 1\n" + NARROW_MARK_OPTION)
    proj = [(engine.layers[layer].proj_t.T, engine.layers[layer].s_proj) for layer in range(2)]
    for layer, (w, _shift) in enumerate(proj):     # (a wide row with the mark by chance would read as narrow)
        data, classes = plane_bytes(w), plane_classes(w)
        if any(narrow_marked(data, row) for row in range(len(w)) if not classes[row]):
            raise SystemExit(f"l{layer} proj: a wide row has the narrow mark by chance (WP_NARROW_MARK declines)")
    times, sums, wide = collections.defaultdict(list), [], []
    for prompt in prompts:
        context = tokenizer.encode_turn(prompt)
        for _position, _name, x, layer, reply in player_proj_calls(engine, context):
            if layer is None:
                continue
            w, shift = proj[layer]
            expected = intmath.matvec(w, 0, x, post=shift)
            out, slots_t = run_matvec(slots, w, x, None, shift, routine="matvec")
            assert np.array_equal(out, expected)
            out, table_t, rows_t = run_planes(planes, w, x, shift)
            assert out is not None and np.array_equal(out, expected)
            add_t = add_pass(planes, out)
            times[(layer, reply)].append((slots_t, table_t + rows_t, table_t + rows_t + add_t, table_t, rows_t))
            sums.append(int(np.abs(x).sum()))
            wide.append(int(((x < -127) | (x > 128)).sum()))
    print(f"{len(prompts)} prompt(s); the mean a call, T-states (the 48K's kernels' bench)")
    print_proj_table(times, WAYS, 11)
    print(f"sum |att|: max {max(sums):,}, median {int(np.median(sums)):,} (planes.s declines above 4,095); "
          f"wide columns a call: mean {np.mean(wide):.2f}, max {max(wide)}")
    for layer, (w, _shift) in enumerate(proj):
        print(f"l{layer} proj: {sum(plane_classes(w))} narrow rows of {len(w)}; "
              f"distinct plane masks a group {distinct_masks(w)} of 256")


if __name__ == "__main__":
    main()
