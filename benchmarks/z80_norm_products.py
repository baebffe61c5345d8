"""T-states of the 128K player's unclamped RMSNorm (kernels/z80/rmsnorm.s, RN_UNIT_PRODUCTS).

A norm of 32 random words below 1,000 and below 3,000 (the residual's sizes; two words set
to +-640 keep the root above the clamp), the mean of 20 draws each, with the 128K player's
norm options (RN_FAST_SQUARES, RN_CLAMPED_UNIT, RN_SHORT_SHIFTS, RN_UNIT_GAIN_BITS = 6; the
products' tables at $E800 on the kernels' bench), gains 64 and shift 8 (the shipped soul's);
each output checked against intmath. Then the tables' making alone (rmsnorm@unit_products,
inv = 12,345: its T-states do not depend on inv).

    python benchmarks/z80_norm_products.py
"""

from __future__ import annotations

import numpy as np

from soulterm.soul import intmath
from soulterm.zx.kernelbench import (CLAMPED_UNIT_OPTION, FAST_MEANS_OPTION, FAST_SCORES_OPTION, FAST_SQUARES_OPTION,
                                     SHORT_SHIFTS_OPTION, Z80Bench)

OPTIONS = [FAST_SCORES_OPTION, FAST_MEANS_OPTION, FAST_SQUARES_OPTION, CLAMPED_UNIT_OPTION, SHORT_SHIFTS_OPTION,
           "RN_UNIT_GAIN_BITS = 6", "RN_UNIT_PRODUCTS = $E800"]


def norm_cost(bench: Z80Bench, x) -> int:
    """rmsnorm of x (gains 64, shift 8) on the bench, checked against intmath; its T-states."""
    bench.write_words(0xA000, x)
    bench.poke_word(bench.sym("rn_x"), 0xA000)
    bench.poke(0xA100, bytes([64] * 32))
    bench.poke_word(bench.sym("rn_gain"), 0xA100)
    bench.poke(bench.sym("rn_shift"), [8])
    bench.poke_word(bench.sym("rn_out"), 0xA200)
    cost = bench.call("rmsnorm")
    assert np.array_equal(bench.read_words(0xA200, 32), intmath.rmsnorm(x, np.full(32, 64), 8))
    return cost


def main() -> None:
    bench = Z80Bench("        rn_tables_routines", options="\n".join(OPTIONS))
    rng = np.random.default_rng(19)
    for top in (1000, 3000):
        costs = []
        for _ in range(20):
            x = rng.integers(-top, top, 32)
            x[:2] = (16 * 40, -16 * 40)
            costs.append(norm_cost(bench, x))
        print(f"words below {top:,}: {np.mean(costs):,.0f} T-states a norm (mean of {len(costs)})")
    bench.poke_word(bench.sym("rn_inv"), 12345)
    print(f"the products' tables made (rmsnorm@unit_products): {bench.call('rmsnorm@unit_products'):,} T-states")


if __name__ == "__main__":
    main()
