"""fc2's inputs on the benchmark prompts, and the calls nzmatvec.s's fast path sends to matvec (thirty-second round).

Runs the integer engine through the turns of the ten everyday prompts, the thirty held out and the forty more (or
TEXT, or a prompts file's), one conversation, and records every fc2 call's input z (both layers, every position):
by layer the calls, their nonzero columns (mean, 99th percentile, most: the chain's room, NZ_CHAIN_BYTES, takes ~40),
the nonzero values by range (1..16: nz_short's pieces; 17..32, 33..64, 65..128, 129..384; 385..503: NZ_WIDE_X's;
past 503: matvec's) and the largest. Then, with `--player`, the same turns on the 128K player (each prompt's turn
from an empty context, every step checked against the engine) counting the fc2 calls that enter nz_fallback (the
whole call through matvec), by prompt.

    python benchmarks/z80_fc2_inputs.py [TEXT | --prompts FILE] [--player]
"""

from __future__ import annotations

import argparse
import collections

import numpy as np

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.player.bench import EVERYDAY_PROMPTS, prompts_in
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from fc2_sparsity import fc2_inputs as recorded_fc2_inputs

RANGES = ((1, 16), (17, 32), (33, 64), (65, 128), (129, 384), (385, 503), (504, 32767))
SETS = ("benchmarks/everyday_heldout.txt", "benchmarks/everyday_more.txt")


def fc2_inputs(soul, tokenizer, prompts) -> list[tuple[int, np.ndarray]]:
    """(layer, z) of every fc2 call of the prompts' turns, in order, on one engine (fc2_sparsity's recording)."""
    return recorded_fc2_inputs(Engine(soul), tokenizer, prompts)


def player_fallbacks(soul, tokenizer, prompts) -> collections.Counter:
    """The fc2 calls that enter nz_fallback on the 128K player, by prompt (each turn from an empty context)."""
    from soulterm.zx.kernelbench import forward_turn, player_bench

    bench = player_bench(soul, tokenizer, "128k")
    cpu, memory = bench.cpu, bench.cpu.memory
    fallback, entered, prompt = bench.program.symbols["nz_fallback"], collections.Counter(), [""]

    def record(address: int) -> int:
        if address == fallback:
            entered[prompt[0]] += 1
        return memory[address]

    cpu.set_read_callback(record)
    cpu.mark_addrs(fallback, 1, cpu.READ_MARK)
    for text in prompts:
        prompt[0] = text
        forward_turn(bench, Engine(soul), tokenizer.encode_turn(text))
    return entered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("text", nargs="?")
    parser.add_argument("--prompts", metavar="FILE", help="a prompts file's turns instead of the three sets")
    parser.add_argument("--player", action="store_true", help="count the 128K player's calls through matvec")
    args = parser.parse_args()
    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    if args.text:
        prompts = [args.text]
    elif args.prompts:
        prompts = list(prompts_in(args.prompts))
    else:
        prompts = list(EVERYDAY_PROMPTS) + [text for name in SETS for text in prompts_in(name)]
    calls = fc2_inputs(soul, tokenizer, prompts)
    print(f"{len(prompts)} turns, {len(calls):,} fc2 calls")
    for layer in sorted({index for index, _ in calls}):
        inputs = np.array([z for index, z in calls if index == layer])
        nonzero = (inputs != 0).sum(axis=1)
        values = inputs[inputs != 0]
        shares = ", ".join(f"{low}..{high} {((values >= low) & (values <= high)).mean():.1%}" for low, high in RANGES)
        print(f"layer {layer}: {len(inputs):,} calls, nonzero columns mean {nonzero.mean():.1f}, "
              f"99th percentile {np.percentile(nonzero, 99):.0f}, most {nonzero.max()}; largest x {inputs.max()}")
        print(f"  nonzero x by range: {shares}")
        print(f"  calls with an x past 384: {int((inputs > 384).any(axis=1).sum())}, past 503: "
              f"{int((inputs > 503).any(axis=1).sum())}")
    if args.player:
        entered = player_fallbacks(soul, tokenizer, prompts)
        listed = ", ".join(f"{text!r} {count}" for text, count in entered.items()) or "none"
        print(f"the 128K player's fc2 calls through matvec (nz_fallback): {sum(entered.values())} ({listed})")


if __name__ == "__main__":
    main()
