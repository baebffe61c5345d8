"""fc1's gate with a test inside the rows it sums again: how many would it stop early? (thirty-second round, zx48ffn32)

The 48K's fc1 runs as a coarse call (matvec.s, MV_COARSE with MV_GATE_SHORT): each row's doubled sum D
lacks every product's low byte of S(w + l), so a row whose D + 255 cols stays below 2^(shift+1) is 0
after ReLU and the others sum their low bytes again (43 T-states a product, mv_gate_slots). Many of
those turn out 0 too. A test after the first k columns' low bytes (D + their sum + 255 (cols - k) below
2^(shift+1): 0) would stop such a row there and save its last cols - k products. On the integer engine's
own fc1 inputs (every position of both layers, rmsnorm(h, n2) as z80_cheap_bounds.py records them) for
the prompts given, this prints a call's means: the rows summed again, the rows whose exact output is
positive, and for each k the rows a test there would stop, with the T-states a call it would save at
43 a product less ~40 a row that reaches the test (the test's own cost, an estimate).

    python benchmarks/zx48_gate_split.py [--everyday] [--prompts FILE] [TEXT ...]
"""

from __future__ import annotations

import numpy as np

from soulterm.player.bench import prompts_from_command_line
from soulterm.soul import intmath
from soulterm.soul.benchmark import shipped_engine
from soulterm.zx.kernelbench import coarse_doubled
from z80_cheap_bounds import engine_vectors

COLS = 32
COARSE_PRODUCT = 43             # T-states a product of the gate's slots (matvec.s)
TEST_ESTIMATE = 40              # T-states a row that reaches the test (estimate)
SPLITS = (8, 12, 16, 20, 24)


def main() -> None:
    prompts = prompts_from_command_line(__doc__.splitlines()[0])
    soul, engine, tokenizer = shipped_engine()
    _, fc1_inputs = engine_vectors(engine, tokenizer, prompts)
    print(f"{len(prompts)} prompts, {len(fc1_inputs[0])} fc1 calls a layer (means a call, of 64 rows)")
    for layer_index, inputs in enumerate(fc1_inputs):
        w = soul[f"l{layer_index}.fc1_w"].values.astype(np.int64)
        bias = soul[f"l{layer_index}.fc1_b"].values.astype(np.int64)
        shift = soul[f"l{layer_index}.fc1_w"].shift + 1
        limit = 1 << (shift + 1)        # doubled: the exact row is <= 0 below it
        again, positive = [], []
        stopped = {k: [] for k in SPLITS}
        for x in inputs:
            low = x - 256 * ((x + 127) >> 8)
            low_bytes = (w + low[None, :]) ** 2 % 256      # each product's low byte of S(w + l), the coarse sum's lack
            coarse = coarse_doubled(w, x, bias)
            summed_again = coarse + 255 * COLS >= limit
            again.append(summed_again.sum())
            positive.append((intmath.shift_right(w @ x + bias, shift) > 0).sum())
            for k in SPLITS:
                stopped[k].append((summed_again & (coarse + low_bytes[:, :k].sum(axis=1) + 255 * (COLS - k)
                                                   < limit)).sum())
        rows = float(np.mean(again))
        cells = []
        for k in SPLITS:
            saved = float(np.mean(stopped[k])) * (COLS - k) * COARSE_PRODUCT - rows * TEST_ESTIMATE
            cells.append(f"k = {k}: {np.mean(stopped[k]):4.2f} stopped, ~{saved:,.0f} T-states")
        print(f"layer {layer_index} (shift {shift}): summed again {rows:5.2f}, positive {np.mean(positive):5.2f}; "
              + "; ".join(cells))


if __name__ == "__main__":
    main()
