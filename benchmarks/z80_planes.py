"""planes.s (the matvec by bit planes of the weights) against today's 128K matvec, call by call.

Runs the engine through a turn ("hello" by default, or each of `--everyday`'s ten prompts, or a
prompts file's, each prompt's turn from an empty context) and,
for every position's matvec inputs, times on the 128K player's kernels (the kernels' bench,
player_kernel_options("128k"), with planes.s included; `--model 48k` the 48K's) the same call both ways, each checked
against the engine:
  - q, k and v of each layer on its xn: matvec, matvec_again, matvec_again (forward.s's
    fw_product_of_xn) against one wp_tables and three wp_rows;
  - q alone (a 32x32 call): matvec against wp_tables + wp_rows;
  - fc1 (64 rows on yn; planes.s has no bias, so its rows run without fc1's bias, and matvec's
    with it) and the logits (128 rows on the final xn, planes.s exact; the 128K player runs
    them through its coarse slots, z80_step_phases.py's "the logits' call");
  - proj (32 rows on the attention's output).
Prints the means a position and what one position would save with planes.s for both layers'
q, k and v (a prompt position and a reply step compute all six).

    python benchmarks/z80_planes.py [TEXT | --everyday | --prompts FILE] [--model 128k|48k]
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
from soulterm.zx.kernelbench import Z80Bench, player_kernel_options, run_matvec
from soulterm.zx.weight_planes import PLANES_SOURCE, planes_fit, qkv_matrices, run_planes, turn_inputs


def today(bench, w, x, shift: int, bias=None, again: bool = False) -> int:
    out, t_states = run_matvec(bench, w, x, bias, shift, routine="matvec_again" if again else "matvec")
    assert np.array_equal(out, intmath.matvec(w, 0, x, bias, post=shift))
    return t_states


def planes(bench, w, x, shift: int, tables: bool = True) -> int:
    out, table_t, rows_t = run_planes(bench, w, x, shift, tables=tables)
    assert out is not None and np.array_equal(out, intmath.matvec(w, 0, x, post=shift))
    return (table_t or 0) + rows_t


def measure(text_prompts, model: str = "128k") -> dict:
    soul = load_soul(DEFAULT_SOUL)
    engine, tokenizer = Engine(soul), Tokenizer.load(DEFAULT_TOKENIZER)
    bench = Z80Bench(extra_source=PLANES_SOURCE, options=player_kernel_options(model))
    sums, counts, declined = collections.Counter(), collections.Counter(), 0
    fc1 = [(soul[f"l{layer}.fc1_w"].values, soul[f"l{layer}.fc1_b"].values, engine.layers[layer].s_fc1)
           for layer in range(2)]
    proj = [(engine.layers[layer].proj_t.T, engine.layers[layer].s_proj) for layer in range(2)]
    for prompt in text_prompts:
        for position, name, x in turn_inputs(engine, tokenizer.encode_turn(prompt)):
            layer = int(name[1]) if name[0] == "l" else None
            kind = name.split(".")[-1]
            if kind == "qkv":
                matrices = qkv_matrices(engine, layer)
                if not all(planes_fit(x, shift) for _, shift in matrices):
                    declined += 1
                    continue
                old = [today(bench, w, x, shift, again=i > 0) for i, (w, shift) in enumerate(matrices)]
                new = [planes(bench, w, x, shift, tables=i == 0) for i, (w, shift) in enumerate(matrices)]
                kv_old = today(bench, matrices[1][0], x, matrices[1][1]) + today(bench, *matrices[2][:1], x,
                                                                                   matrices[2][1], again=True)
                kv_new = sum(planes(bench, w, x, shift, tables=i == 1) for i, (w, shift) in enumerate(matrices) if i)
                pairs = {f"l{layer} q, k, v (96 rows, one build)": (sum(old), sum(new)),
                         f"l{layer} k, v (64 rows, one build)": (kv_old, kv_new), "q alone (32x32)": (old[0], new[0])}
            elif kind == "fc1_w":
                w, bias, shift = fc1[layer]
                w = np.asarray(w)
                if not planes_fit(x, shift):
                    declined += 1
                    continue
                pairs = {"fc1 (64x32; planes without its bias)": (today(bench, w, x, shift, bias),
                                                                  planes(bench, w, x, shift))}
            elif kind == "proj":
                w, shift = proj[layer]
                if not planes_fit(x, shift):
                    declined += 1
                    continue
                pairs = {"proj (32x32 on att)": (today(bench, w, x, shift), planes(bench, w, x, shift))}
            elif name == "out":
                w, shift = engine.out_t.T, engine.s_out
                if not planes_fit(x, shift):
                    declined += 1
                    continue
                pairs = {"logits (128x32, exact both)": (today(bench, w, x, shift), planes(bench, w, x, shift))}
            else:
                continue
            for label, (old_t, new_t) in pairs.items():
                sums[label, "today"] += old_t
                sums[label, "planes"] += new_t
                counts[label] += 1
    return {"sums": sums, "counts": counts, "declined": declined}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_prompt_arguments(parser)
    parser.add_argument("--model", choices=("128k", "48k"), default="128k",
                        help="whose kernels today's calls run on (planes.s's own are the same on both)")
    args = parser.parse_args()
    found = measure(chosen_prompts(args), args.model)
    sums, counts = found["sums"], found["counts"]
    print(f"{'call (the mean a call, T-states)':44} {'calls':>5} {'today':>9} {'planes':>9} {'saved':>8}")
    for label in counts:
        old, new = sums[label, "today"] / counts[label], sums[label, "planes"] / counts[label]
        print(f"{label:44} {counts[label]:5} {old:9,.0f} {new:9,.0f} {old - new:8,.0f}")
    print(f"calls planes.s declines (sum |x| > 4095 or a shift below 4): {found['declined']}")
    saved = {label: (sums[label, "today"] - sums[label, "planes"]) / counts[label] for label in counts}
    step = saved["l0 q, k, v (96 rows, one build)"] + saved["l1 q, k, v (96 rows, one build)"]
    prefill = saved["l0 q, k, v (96 rows, one build)"] + saved["l1 k, v (64 rows, one build)"]
    print(f"with planes.s for layer 0's q, k, v and layer 1's: a reply step {step:,.0f} T-states less, "
          f"a prompt position (layer 1's k and v only) {prefill:,.0f} less (the bench's calls)")


if __name__ == "__main__":
    main()
