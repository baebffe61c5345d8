"""T-states of a few matvec calls on the 128K's options whose rows take the short row ends.

Each call runs twice on the same random weights and one-piece x (the second is timed: its
column pass as every call's): a plain 32x32 call at shift 4 (k and q), an adding one at shifts 6
and 4 (proj, fc2's second part), fc1's gated 64x32 call at shift 6 with mv_store_relu and every
row zeroed (a bias of -32768), and a coarse 128x32 one at shift 4 (the logits' bound).

    python benchmarks/z80_row_ends.py
"""

from __future__ import annotations

import numpy as np

from soulterm.zx.kernelbench import Z80Bench, player_kernel_options, run_matvec, set_matvec_store


def main() -> None:
    bench = Z80Bench(options=player_kernel_options("128k"))

    rng = np.random.default_rng(5)

    def t_states(store: str, rows: int, shift: int, coarse: int = 0, bias=None) -> int:
        w, x = rng.integers(-128, 128, (rows, 32)), rng.integers(-127, 129, 32)
        for _ in range(2):
            bench.poke(bench.sym("mv_coarse_on"), [coarse])
            set_matvec_store(bench, store)
            took = run_matvec(bench, w, x, bias, shift)[1]
        set_matvec_store(bench, "plain")
        bench.poke(bench.sym("mv_coarse_on"), [0])
        return took

    print(f"plain 32x32, shift 4: {t_states('plain', 32, 4):,}")
    print(f"adding 32x32, shift 6: {t_states('add', 32, 6):,}")
    print(f"adding 32x32, shift 4: {t_states('add', 32, 4):,}")
    gate = bench.symbols["MV_COARSE_GATE"]
    print(f"gated 64x32 with ReLU, shift 6, every row zeroed: {t_states('relu', 64, 6, gate, np.full(64, -32768)):,}")
    print(f"coarse 128x32, shift 4: {t_states('plain', 128, 4, 1):,}")


if __name__ == "__main__":
    main()
