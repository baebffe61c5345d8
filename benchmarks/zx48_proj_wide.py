"""The 48K's proj with and without matvec.s's MV_WIDE_PM1, call by call (thirty-seventh round, zx48proj37).

Runs the engine through a turn ("hello" by default, or `--everyday`'s ten, or a prompts file's, each prompt's turn
from an empty context) and times each proj call the 48K player runs (layer 0's at every position, layer 1's at the
prompt's last position and the reply's: weight_planes.player_proj_calls) on the 48K's kernels' bench with the
player's matvec options (no sparse call, no coarse call: MV_COARSE_UNCALLED), adding into h as the player's
fw_dense_add does (mv_store_add), each checked against the engine: "walk" as main had it before (a narrow call's
wide columns' S(w) walked by each row, their high pieces on the squares), "forms" with MV_WIDE_PM1 (their high
pieces mv_hz_wide's forms, +-2(w + 128) into the slots' H:L, no walk and no h sum). Prints the mean T-states a call
by layer and by where it runs (a prompt position, a reply step), the wide columns a call, and how many calls run
narrow with the forms, narrow with none wide, and full (a wide column past h +-1, or more than a quarter wide).

    python benchmarks/zx48_proj_wide.py [TEXT | --everyday | --prompts FILE]
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
from soulterm.zx.kernelbench import WIDE_PM1_OPTION, Z80Bench, player_kernel_options, run_matvec, set_matvec_store
from soulterm.zx.soul_layout import matvec_bytes
from soulterm.zx.weight_planes import player_proj_calls

# (the 48K player's matvec options: fc2 by matvec_nz, no sparse call; fc1 by planes.s's tables, no coarse call)
OPTIONS_48K = player_kernel_options("48k", sparse=False) + "\nMV_COARSE_UNCALLED = 1"
BUFFERS = 0xA000                # run_matvec's layout: the matrix, x, (no bias,) out


def timed(bench: Z80Bench, w, x, shift: int) -> int:
    """proj's call as the player makes it (out += W x >> shift, saturated) on out = 0, checked; its T-states."""
    out_address = BUFFERS + len(matvec_bytes(w, None)) + 2 * len(x) + 2 * len(w)
    out_address += out_address & 1
    bench.write_words(out_address, np.zeros(len(w), dtype=np.int64))
    out, t_states = run_matvec(bench, w, x, None, shift, buffers=BUFFERS)
    assert np.array_equal(out, intmath.matvec(w, shift, x, None, post=0))
    return t_states


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_prompt_arguments(parser)
    prompts = chosen_prompts(parser.parse_args())
    engine, tokenizer = Engine(load_soul(DEFAULT_SOUL)), Tokenizer.load(DEFAULT_TOKENIZER)
    walk, forms = Z80Bench(options=OPTIONS_48K), Z80Bench(options=OPTIONS_48K + "\n" + WIDE_PM1_OPTION)
    for bench in (walk, forms):
        set_matvec_store(bench, "add")
    proj = [(engine.layers[layer].proj_t.T, engine.layers[layer].s_proj) for layer in range(2)]
    times, wide_counts, modes = collections.defaultdict(list), [], collections.Counter()
    for prompt in prompts:
        for _position, _name, x, layer, reply in player_proj_calls(engine, tokenizer.encode_turn(prompt)):
            if layer is None:
                continue
            w, shift = proj[layer]
            times[(layer, reply)].append((timed(walk, w, x, shift), timed(forms, w, x, shift)))
            wide = (x < -127) | (x > 128)
            wide_counts.append(int(wide.sum()))
            if not wide.any():
                modes["narrow, none wide"] += 1
            elif wide.sum() <= len(x) // 4 and ((x >= -383) & (x <= 384)).all():
                modes["narrow, the forms"] += 1
            else:
                modes["full"] += 1
    print(f"{len(prompts)} prompt(s); proj's mean T-states a call on the 48K's kernels' bench: walk -> forms (saved)")
    for (layer, reply), pairs in sorted(times.items()):
        before, after = np.mean(pairs, axis=0)
        where = "a reply step" if reply else "a prompt position"
        print(f"  l{layer} proj, {where:17} {len(pairs):4} calls  {before:9,.0f} -> {after:9,.0f}  ({before - after:7,.0f})")
    print(f"wide columns a call: mean {np.mean(wide_counts):.2f}, max {max(wide_counts)}; "
          + ", ".join(f"{name} {count}" for name, count in sorted(modes.items())))


if __name__ == "__main__":
    main()
