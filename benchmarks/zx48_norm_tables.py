"""The 48K player's RMSNorms on the inputs they meet (thirty-eighth round, zx48norms38): each norm's T-states by
part, and the tables the 128K's norms use priced against them, as they would run from the screen's middle third.

The norms' inputs are captured from the engine (soulterm.soul.engine) as it answers PROMPT (each position's five
norms: layer 0's two, layer 1's two, the final one). Each runs on the kernels' bench with the 48K player's norm
options (RN_CLAMPED_UNIT, RN_SHORT_SHIFTS, RN_UNIT_GAIN_BITS = 6, RN_UNIT_SHIFT = 2, RN_UNIT_PUSHED: the shipped
soul's gains 64 and shift 8) and with the 128K player's (RN_FAST_SQUARES over attention.s's four pages of squares,
RN_SWAPPED_SQUARES, RN_UNIT_PRODUCTS: the tables of inv's multiples each unclamped norm makes, 512 bytes, and
RN_INVERSE_TABLE: the root and 2^19 // r from 570 bytes of constant tables), stepped an instruction at a time and
charged to its parts: the squares (rmsnorm's entry to @squared), the root (the clamp's test to the inverse: sra32,
isqrt24, or rn_root_from_table), the inverse's long division, the tables' making (RN_UNIT_PRODUCTS), the elements
(the rest: the unit loops and their set-up, mul16u). Every output is checked against intmath. Means over the
clamped norms (a root of 16 or less: no product) and the unclamped ones, and the counts of each. The forms: the
48K's main (mul16u's unit loop), the 48K's with the products' tables in the screen's middle third (this round's,
RN_UNIT_PRODUCTS = build.NORM_PRODUCTS_48K, RN_PRODUCTS_HIGH = 8) and the 128K's.

    python benchmarks/zx48_norm_tables.py [TEXT ... | --everyday | --prompts FILE]     (default "do you like music")
"""

from __future__ import annotations

import argparse
import collections

import numpy as np

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.player.bench import EVERYDAY_PROMPTS, prompts_in
from soulterm.soul import engine, intmath, spec
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx.build import NORM_PRODUCTS_48K, NORM_PRODUCTS_HIGH_48K, rn_table_lines
from soulterm.zx.kernelbench import (CLAMPED_UNIT_OPTION, FAST_MEANS_OPTION, FAST_SCORES_OPTION, FAST_SQUARES_OPTION,
                                     SHORT_SHIFTS_OPTION, Z80Bench, single_stepped)

NORM_OPTIONS = [CLAMPED_UNIT_OPTION, SHORT_SHIFTS_OPTION, "RN_UNIT_GAIN_BITS = 6", "RN_UNIT_SHIFT = 2"]
FORMS = {
    "48K, mul16u's loop (main)": ("", NORM_OPTIONS + ["RN_UNIT_PUSHED = 1"]),
    "48K, the products' tables": ("", NORM_OPTIONS + ["RN_UNIT_PUSHED = 1", f"RN_UNIT_PRODUCTS = ${NORM_PRODUCTS_48K:04X}",
                                                      f"RN_PRODUCTS_HIGH = {NORM_PRODUCTS_HIGH_48K}"]),
    "the 128K's forms (RN_FAST_SQUARES, RN_UNIT_PRODUCTS, RN_INVERSE_TABLE)": (
        "\n".join(rn_table_lines() + ["        rn_tables_routines", ""]), [FAST_SCORES_OPTION, FAST_MEANS_OPTION, FAST_SQUARES_OPTION] + NORM_OPTIONS
        + ["RN_SWAPPED_SQUARES = $E400", "RN_UNIT_PRODUCTS = $E800", "RN_INVERSE_TABLE = 64"]),
}
X_AT, OUT_AT, GAINS_AT = 0xA000, 0xA040, 0xA100     # (out right above x, as forward.s's fw_xn above fw_h)
GAIN_BITS, SHIFT = 6, 8


def norm_inputs(prompts: list[str]) -> list[np.ndarray]:
    """Every norm's input as the engine answers each prompt (five a position)."""
    soul = load_soul(DEFAULT_SOUL)
    tokenizer = Tokenizer.load(DEFAULT_TOKENIZER)
    seen = []
    plain = intmath.rmsnorm

    def spy(x, g, s_g):
        if x.ndim == 1:
            seen.append(np.array(x))
        return plain(x, g, s_g)
    engine.intmath.rmsnorm = spy
    try:
        for prompt in prompts:
            engine.Engine(soul).reply(tokenizer, prompt)
    finally:
        engine.intmath.rmsnorm = plain
    return seen


def bench_for(extra: str, options: list[str]) -> Z80Bench:
    """The kernels' bench with a form's options (the nibble-swapped squares made, as the 128K's start makes them)."""
    bench = Z80Bench(extra, options="\n".join(options))
    if "RN_SWAPPED_SQUARES" in bench.symbols:
        bench.call("rn_swap_squares")
    return bench


def routine_end(bench: Z80Bench, name: str) -> int:
    """The address of the first routine (a label without an @) after `name`'s."""
    start = bench.sym(name)
    return min(address for label, address in bench.symbols.items()
               if "@" not in label and label[:1].islower() and isinstance(address, int) and address > start)


def parts_of(bench: Z80Bench, x: np.ndarray) -> collections.Counter:
    """One norm of x stepped an instruction at a time, its T-states by part; checked against intmath."""
    sym = bench.sym
    bench.write_words(X_AT, x)
    bench.poke_word(sym("rn_x"), X_AT)
    bench.poke(GAINS_AT, bytes([1 << GAIN_BITS] * spec.EMBED_DIM))
    bench.poke_word(sym("rn_gain"), GAINS_AT)
    bench.poke(sym("rn_shift"), [SHIFT])
    bench.poke_word(sym("rn_out"), OUT_AT)
    root_end = sym("rmsnorm@inverse") if "rmsnorm@inverse" in bench.symbols else sym("rmsnorm@inv_ok")
    ranges = [("squares", sym("rmsnorm"), sym("rmsnorm@squared")), ("root", sym("rmsnorm@squared"), root_end),
              ("root", sym("sra32"), routine_end(bench, "sra32")), ("root", sym("isqrt24"), routine_end(bench, "isqrt24")),
              ("inverse", sym("rmsnorm@inverse"), sym("rmsnorm@clamp"))]
    if "rn_root_from_table" in bench.symbols:
        ranges.append(("root", sym("rn_root_from_table"), routine_end(bench, "rn_root_from_table")))
    if "rmsnorm@unit_products" in bench.symbols:
        ranges.append(("tables' making", sym("rmsnorm@unit_products"), sym("rmsnorm@multiples") + 2 * 4 + 3))
    parts = collections.Counter()

    def charge(pc, t_states):
        parts[next((name for name, start, end in ranges if start <= pc < end), "elements")] += t_states

    single_stepped(bench, "rmsnorm", charge)
    want = intmath.rmsnorm(x, np.full(spec.EMBED_DIM, 1 << GAIN_BITS), SHIFT)
    assert np.array_equal(bench.read_words(OUT_AT, spec.EMBED_DIM), want)
    return parts


def clamped(x: np.ndarray) -> bool:
    xs = x >> spec.RMS_PRE_SHIFT
    return intmath.isqrt(max(1, int(xs @ xs) // spec.EMBED_DIM)) <= 16


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prompts", nargs="*")
    parser.add_argument("--everyday", action="store_true", help="the ten everyday prompts (z80_token.py's)")
    parser.add_argument("--prompts", dest="prompts_file", metavar="FILE", help="a file's prompts, one a line")
    args = parser.parse_args()
    if args.everyday:
        args.prompts = list(EVERYDAY_PROMPTS)
    elif args.prompts_file:
        args.prompts = prompts_in(args.prompts_file)
    args.prompts = args.prompts or ["do you like music"]
    inputs = norm_inputs(args.prompts)
    kinds = {"clamped": [x for x in inputs if clamped(x)], "unclamped": [x for x in inputs if not clamped(x)]}
    named = ", ".join(args.prompts) if len(args.prompts) <= 3 else f"{len(args.prompts)} prompts"
    print(f"{len(inputs)} norms ({named}): {len(kinds['clamped'])} clamped, "
          f"{len(kinds['unclamped'])} unclamped")
    for name, (extra, options) in FORMS.items():
        bench = bench_for(extra, options)
        for kind, xs in kinds.items():
            if not xs:
                continue
            total = collections.Counter()
            for x in xs:
                total.update(parts_of(bench, x))
            mean = {part: t / len(xs) for part, t in total.items()}
            print(f"{name}, {kind}: {sum(mean.values()):,.0f} T-states a norm: "
                  + ", ".join(f"{part} {t:,.0f}" for part, t in sorted(mean.items(), key=lambda item: -item[1])))


if __name__ == "__main__":
    main()
