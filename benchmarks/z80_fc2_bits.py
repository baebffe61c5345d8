"""fc2's calls by x's bits (nzmatvec.s's NZ_X_BITS, thirty-seventh round, zxfc2_37) against its pieces before them.

Runs the shipped soul's fc2 calls of each prompt's reply steps (the engine's z, both layers: z80_bank_costs's
engine_steps_fc2) through matvec_nz on the kernels' bench, each result checked against the integers, in both forms:
by the pieces (the players' before the round: the 128K's options with NZ_WIDE_X, the 48K's with NZ_SHORT_MADE) and
by x's bits (both players' since). Prints each form's T-states a reply step by layer and in all, the nonzero columns
and set bits of x a call, and what the bits' chain costs by the count (a unit 30 T-states a row, 34 in a 24-bit
level; a doubling 11 or 15 a level; its jp nz_end 10): the chain's share of the calls.

    python benchmarks/z80_fc2_bits.py [TEXT | --everyday | --prompts FILE] [--model 48k|128k]
"""

from __future__ import annotations

import argparse
import collections

import numpy as np

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.player.bench import add_prompt_arguments, chosen_prompts
from soulterm.soul.engine import Engine
from soulterm.soul.intmath import sat16, shift_right
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx.kernelbench import NZ_BENCH, Z80Bench, player_kernel_options, run_matvec_nz
from soulterm.zx.soul_layout import short_constants
from z80_bank_costs import engine_steps_fc2

ROWS = 32
UNIT, WIDE_UNIT, DOUBLING, WIDE_DOUBLING, JP = 30, 34, 11, 15, 10


def benches(model: str) -> dict:
    """The two forms' matvec_nz with `model`'s options (the 128K's NZ_WIDE_X, the 48K's NZ_SHORT_MADE)."""
    pieces = player_kernel_options(model, nz_x_bits=False, nz_short_made=model == "48k")
    pieces += "\nNZ_WIDE_X = 1" if model == "128k" else ""
    return {"pieces": Z80Bench(NZ_BENCH, options=pieces), "bits": Z80Bench(NZ_BENCH, options=player_kernel_options(model))}


def chain_count(z) -> int:
    """The bits' chain a call's rows run, by the count: units and doublings, 16-bit while X's high byte is below the
    level's bit (nzmatvec.s's nz_bits_prepare), the last doubling 24-bit, and its jp nz_end."""
    entries = []
    for x in (int(value) for value in z if value):
        entries += [x & 255] + [128, 128] * (x >> 8)
    total = sum(int(value) for value in z)
    top = max((entry.bit_length() for entry in entries), default=0)
    t_states = 0
    for level in range(top - 1, -1, -1):
        wide = total >> 8 >= 1 << level
        if level < top - 1:
            t_states += WIDE_DOUBLING if wide else DOUBLING
        t_states += sum(WIDE_UNIT if wide else UNIT for entry in entries if entry >> level & 1)
    return ROWS * (t_states + WIDE_DOUBLING + JP)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_prompt_arguments(parser)
    parser.add_argument("--model", choices=("48k", "128k"), default="128k", help="whose options (default 128k)")
    args = parser.parse_args()
    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    engine = Engine(soul)
    forms = benches(args.model)
    spent, counts = collections.Counter(), collections.Counter()
    steps = 0
    for prompt in chosen_prompts(args):
        for step in engine_steps_fc2(engine, tokenizer.encode_turn(prompt)):
            steps += 1
            for index, z in step:
                layer = engine.layers[index]
                w, bias = layer.fc2_t.T, layer.fc2_b
                short = args.model == "48k" and short_constants(w, bias)
                expected = sat16(shift_right(z @ layer.fc2_t + bias, layer.s_fc2))
                for name, bench in forms.items():
                    got, t_states = run_matvec_nz(bench, w, z, bias, layer.s_fc2, np.zeros(ROWS, np.int64),
                                                  short=short)
                    np.testing.assert_array_equal(got, expected)
                    spent[name, index] += t_states
                counts["calls"] += 1
                counts["nonzero"] += int(np.count_nonzero(z))
                counts["bits"] += sum(bin(int(x)).count("1") for x in z if x > 0)
                counts["chain"] += chain_count(z)
    print(f"{steps} reply steps, the {args.model}'s options; a call's nonzero x {counts['nonzero'] / counts['calls']:.2f}, "
          f"their set bits {counts['bits'] / counts['calls']:.2f}")
    print(f"{'form':8} {'layer 0':>9} {'layer 1':>9} {'a step':>9}")
    for name in forms:
        layers = [spent[name, index] / steps for index in (0, 1)]
        print(f"{name:8} {layers[0]:9,.0f} {layers[1]:9,.0f} {sum(layers):9,.0f}")
    bits = (spent["bits", 0] + spent["bits", 1]) / steps
    pieces = (spent["pieces", 0] + spent["pieces", 1]) / steps
    print(f"bits - pieces {bits - pieces:+,.0f} a reply step; the bits' chain by the count {counts['chain'] / steps:,.0f} "
          f"({counts['chain'] / steps / bits:.1%} of the bits' calls)")


if __name__ == "__main__":
    main()
