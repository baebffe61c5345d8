"""T-states of the 128K player's unclamped RMSNorm (kernels/z80/rmsnorm.s, RN_UNIT_PRODUCTS).

A norm of 32 random words below 1,000 and below 3,000 (the residual's sizes; two words set
to +-640 keep the root above the clamp), the mean of 20 draws each, with the 128K player's
norm options (RN_FAST_SQUARES, RN_CLAMPED_UNIT, RN_SHORT_SHIFTS, RN_UNIT_GAIN_BITS = 6; the
products' tables at $E800 on the kernels' bench), gains 64 and shift 8 (the shipped soul's);
each output checked against intmath. Then one norm of words below 1,000 stepped an
instruction at a time, its T-states charged to its parts: the squares (rmsnorm's entry to
@squared), the mean's shift (sra32), the root (isqrt24), the inverse's long division
(@inverse to @clamp), the tables' making (rmsnorm@unit_products to @multiples' end; their
T-states do not depend on inv), the elements (the rest: with RN_UNIT_PRODUCTS since the
nineteenth round, the loop's setup and rn_table_loop).

    python benchmarks/z80_norm_products.py
"""

from __future__ import annotations

import numpy as np

from soulterm.soul import intmath
import collections

from soulterm.zx.kernelbench import (CLAMPED_UNIT_OPTION, FAST_MEANS_OPTION, FAST_SCORES_OPTION, FAST_SQUARES_OPTION,
                                     SHORT_SHIFTS_OPTION, Z80Bench, single_stepped)

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


def norm_parts(bench: Z80Bench, x) -> collections.Counter:
    """One norm of x (gains 64, shift 8) stepped an instruction at a time: T-states by part."""
    sym = bench.sym
    bench.write_words(0xA000, x)
    bench.poke_word(sym("rn_x"), 0xA000)
    bench.poke(0xA100, bytes([64] * 32))
    bench.poke_word(sym("rn_gain"), 0xA100)
    bench.poke(sym("rn_shift"), [8])
    bench.poke_word(sym("rn_out"), 0xA200)
    ranges = (("squares", sym("rmsnorm"), sym("rmsnorm@squared")), ("mean's shift", sym("sra32"), sym("sra32") + 64),
              ("root", sym("isqrt24"), sym("isqrt24") + 64), ("inverse", sym("rmsnorm@inverse"), sym("rmsnorm@clamp")),
              ("tables' making", sym("rmsnorm@unit_products"), sym("rmsnorm@multiples") + 2 * 4 + 3))
    parts = collections.Counter()

    def charge(pc, t_states):
        parts[next((name for name, start, end in ranges if start <= pc < end), "elements and the rest")] += t_states

    single_stepped(bench, "rmsnorm", charge)
    assert np.array_equal(bench.read_words(0xA200, 32), intmath.rmsnorm(x, np.full(32, 64), 8))
    return parts


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
    x = rng.integers(-1000, 1000, 32)
    x[:2] = (16 * 40, -16 * 40)
    parts = norm_parts(bench, x)
    print(f"one norm of words below 1,000, stepped: {sum(parts.values()):,} T-states: "
          + ", ".join(f"{name} {t:,}" for name, t in parts.most_common()))


if __name__ == "__main__":
    main()
