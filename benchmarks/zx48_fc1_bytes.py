"""The 48K's fc1 by fc1planes.s's byte-mask form (FG_BYTE_MASKS) on planes.s's tables, on the kernels' bench.

The 48K player's fc1 calls (both layers; the turns of "hello", TEXT, the ten or a prompts file's, single-stepped on
the 48K player as it is built today, each timed from its call to its return: z80_fc1_planes.measured_fc1_calls),
each input then through planes.s's wp_tables and fc1planes.s's fg_rows with FG_BYTE_MASKS on the kernels' bench
(planes.s's 48K form, WP_NO_CLASSES; every output checked against the engine's relu(matvec) and fc1_planes'
model): T-states a call against today's, the rows' fates, and the byte-mask rows' bytes against the matvec rows'
(docs/spectrum.md, "Thirty-sixth round: the 48K's fc1 by planes.s's rows").

    python benchmarks/zx48_fc1_bytes.py [TEXT | --everyday | --prompts FILE]
"""

from __future__ import annotations

import numpy as np

from soulterm.player.bench import prompts_from_command_line
from soulterm.zx.fc1_planes import END_BYTES, row_bytes, row_class
from soulterm.zx.kernelbench import Z80Bench, player_kernel_options

from z80_fc1_planes import gated_calls_by_layer, measured_fc1_calls, rows_left_after_planes

BYTE_SOURCE = 'FG_BYTE_MASKS = 1\n.include "planes.s"\n.include "fc1planes.s"\n'
BYTE_OPTIONS = player_kernel_options("128k") + "\nWP_NO_CLASSES = 1"     # (planes.s's 48K form on the bench)
MATVEC_ROW_BYTES = 34       # a matvec row of fc1 in the 48K's map: its constant and 32 weights (2,176 a matrix)


def byte_bench() -> Z80Bench:
    return Z80Bench(extra_source=BYTE_SOURCE, options=BYTE_OPTIONS)


def main() -> None:
    prompts = prompts_from_command_line(__doc__.splitlines()[0])
    engine, calls = measured_fc1_calls(prompts, "48k")
    by_layer = gated_calls_by_layer(engine, calls, byte_bench(), lambda weights, fates: 0, byte_masks=True)
    gains = {}
    for layer in sorted(by_layer):
        rows = by_layer[layer]
        taken = [r for r in rows if r[1] is not None]
        today = np.mean([r[0] for r in rows])
        kernel = np.mean([r[0] if r[1] is None else r[1] + r[2] for r in rows])
        gains[layer] = kernel - today
        weights = engine.layers[layer].fc1_t.T
        size = sum(row_bytes(row_class(row), byte_masks=True) for row in weights) + END_BYTES
        print(f"layer {layer}: {len(rows)} calls ({len(rows) - len(taken)} declined); today (the coarse gate) "
              f"{today:,.0f} T-states a call; byte masks {kernel:,.0f} ({kernel - today:+,.0f}: wp_tables "
              f"{np.mean([r[1] for r in taken]):,.0f}, fg_rows {np.mean([r[2] for r in taken]):,.0f}); rows not proved "
              f"0 after plane " + ", ".join(rows_left_after_planes(taken))
              + f"; rows {size:,} bytes (matvec's {MATVEC_ROW_BYTES * len(weights):,})")
    print(f"a reply step (both layers' calls): {sum(gains.values()):+,.0f}; a prompt position (layer 0's): "
          f"{gains.get(0, 0):+,.0f}")


if __name__ == "__main__":
    main()
