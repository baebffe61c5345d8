"""The 128K's q, k and v two ways, layer by layer and position by position (twenty-ninth round, zxqkv128).

Runs the engine through a turn ("hello" by default, or `--everyday`'s ten, or a prompts file's, each
prompt's turn from an empty context) and times on the 128K's kernels' bench (player_kernel_options("128k"))
what the 128K player runs of q, k and v at each position: a layer's one table build on its xn, then its
rows (layer 0's q, k and v at every position; layer 1's k and v at a prompt position, its q too at the
prompt's last position and the reply's), each call checked against the engine's q, k and v:
  - planes.s as the player has it (wp_tables' split tables, low bytes on one page and high on the next, 44
    T-states an entry; masks a byte each, plane_bytes);
  - planes.s with WP_WORD_TABLES: the tables as word entries pushed down their pages (wordfill.s, fc1planes.s's
    fill), each mask its entry's address (soul_layout.plane_words, 64 bytes a row), a lookup `pop hl`.
Prints the means a reply step and a prompt position (both layers' builds and rows), the calls wp_tables
declines (sum |xn| > 4,095: matvec.s's in the player, left out here) and sum |xn|'s largest.

    python benchmarks/z80_qkv_words.py [TEXT | --everyday | --prompts FILE]
"""

from __future__ import annotations

import numpy as np

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.player.bench import prompts_from_command_line
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx.kernelbench import Z80Bench, player_kernel_options
from soulterm.zx.weight_planes import PLANES_SOURCE, WORD_TABLES_SOURCE, qkv_matrices, run_planes, turn_inputs

X_AT = 0x9F00       # xn on the bench (run_planes' matrices from $A000)


def layer_qkv(bench, engine, layer: int, x, matrices: range) -> tuple[int, int] | None:
    """One layer's build and rows (`matrices`: 0 q, 1 k, 2 v) on `bench`, checked against the engine:
    (the build's T-states, the rows'), or None where wp_tables declines x."""
    bench.write_words(X_AT, x)
    bench.poke_word(bench.sym("wp_x"), X_AT)
    build = bench.call("wp_tables")
    if bench.cpu.f & 1:
        return None
    want, rows = engine.layers[layer].qkv_of(x), 0
    for index, (w, shift) in enumerate(qkv_matrices(engine, layer)):
        if index in matrices:
            got, _, rows_t = run_planes(bench, w, x, shift, tables=False)
            assert np.array_equal(got, want[index]), (layer, index)
            rows += rows_t
    return build, rows


def main() -> None:
    prompts = prompts_from_command_line(__doc__.splitlines()[0])
    engine, tokenizer = Engine(load_soul(DEFAULT_SOUL)), Tokenizer.load(DEFAULT_TOKENIZER)
    options = player_kernel_options("128k")
    benches = {"split (today)": Z80Bench(extra_source=PLANES_SOURCE, options=options),
               "words": Z80Bench(extra_source=WORD_TABLES_SOURCE, options=options)}
    steps = {name: {True: [], False: []} for name in benches}     # (reply) -> [(builds, rows)]
    declined, most = 0, 0
    for prompt in prompts:
        context = tokenizer.encode_turn(prompt)
        inputs = [(position, name, x) for position, name, x in turn_inputs(engine, context) if name.endswith(".qkv")]
        for position in sorted({position for position, _, _ in inputs}):
            reply = position >= len(context) - 1
            xs = {int(name[1]): x for at, name, x in inputs if at == position}
            most = max([most] + [int(np.abs(x).sum()) for x in xs.values()])
            for name, bench in benches.items():
                runs = [layer_qkv(bench, engine, layer, xs[layer], range(3) if layer == 0 or reply else range(1, 3))
                        for layer in (0, 1)]
                if None in runs:
                    declined += name == "words"
                    continue
                steps[name][reply].append((sum(r[0] for r in runs), sum(r[1] for r in runs)))
    print(f"{len(prompts)} prompt(s); q, k and v a position, the means (T-states, the 128K's kernels' bench); "
          f"positions wp_tables declines: {declined}; sum |xn| at most {most:,}")
    for reply, where in ((True, "a reply step"), (False, "a prompt position")):
        for name in benches:
            runs = np.asarray(steps[name][reply], dtype=float)
            if len(runs):
                print(f"{where:18} {name:14} ({len(runs):4}): builds {runs[:, 0].mean():9,.0f}  rows "
                      f"{runs[:, 1].mean():9,.0f}  both {runs.sum(axis=1).mean():9,.0f}")


if __name__ == "__main__":
    main()
