"""How many of fc2's inputs are 0, and what matvec.s's sparse calls make of it (issue 13).

fc2's input is ReLU's output z (64 values). For every fc2 call the ten everyday prompts
make (the integer engine's turns, both layers, every position), this counts z's nonzero
values: the share of zeros, the mean and largest count a call and how many calls the
soulplayer makes sparse (forward.s: at most FW_SPARSE_MAX nonzero values). Then, on the
kernel bench with random weights, it times a 32x64 call with 0..32 nonzero inputs in
0..127, sparse (MV_SPARSE: two slots a nonzero input, none a zero one) and full.

    python benchmarks/fc2_sparsity.py [--soul PATH] [--tokenizer PATH] [--no-cycles]
"""

from __future__ import annotations

import argparse

import numpy as np

from soulterm.player.bench import EVERYDAY_PROMPTS
from soulterm.player.build import assemble_player
from soulterm.player.harness import KernelBench, run_matvec
from soulterm.soul import intmath
from soulterm.soul.engine import Engine, sat16, shift_right
from soulterm.soul.tokenizer import Tokenizer
from soulterm.soul.benchmark import add_soul_arguments, engine_and_tokenizer, soul_files


def fc2_inputs(engine: Engine, tokenizer: Tokenizer, prompts=EVERYDAY_PROMPTS) -> list[tuple[int, np.ndarray]]:
    """(layer, z) of every fc2 call of the prompts' turns (the ten's unless given), in order, on the engine."""
    calls = []
    for index, layer in enumerate(engine.layers):
        def recording(h, layer=layer, index=index):
            yn = intmath.rmsnorm(h, layer.n2, layer.s_n2)
            z = intmath.relu(sat16(shift_right(yn @ layer.fc1_t + layer.fc1_b, layer.s_fc1)))
            calls.append((index, z))
            return sat16(h + sat16(shift_right(z @ layer.fc2_t + layer.fc2_b, layer.s_fc2)))
        layer.feed_forward = recording
    for text in prompts:
        engine.reply(tokenizer, text)
    return calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_soul_arguments(parser)
    parser.add_argument("--no-cycles", action="store_true", help="leave out the kernel timings")
    args = parser.parse_args()
    _, tokenizer_path = soul_files(args)
    calls = fc2_inputs(*engine_and_tokenizer(args))
    limit = assemble_player(args.soul, tokenizer_path).symbols["FW_SPARSE_MAX"]
    nonzero = np.array([np.count_nonzero(z) for _, z in calls])
    print(f"soul {args.soul}: {len(calls)} fc2 calls in the ten turns")
    print(f"  zeros: {1 - nonzero.mean() / 64:.1%} of the inputs")
    for layer in sorted({index for index, _ in calls}):
        mine = np.array([np.count_nonzero(z) for index, z in calls if index == layer])
        print(f"  layer {layer}: {mine.mean():.1f} nonzero a call on average, at most {mine.max()}")
    print(f"  sparse calls (at most FW_SPARSE_MAX = {limit} nonzero): {(nonzero <= limit).mean():.1%}")
    if args.no_cycles:
        return
    bench = KernelBench()
    rng = np.random.default_rng(5)
    w = rng.integers(-128, 128, (32, 64))
    bias = rng.integers(-3000, 3000, 32)
    print("\n| nonzero inputs of 64 | sparse call | full call |")
    print("|---:|---:|---:|")
    for count in (0, 4, 8, 12, 16, 20, 24, 28, 30, 32):
        x = np.zeros(64, dtype=np.int64)
        x[rng.choice(64, count, replace=False)] = rng.integers(1, 128, count)
        sparse = run_matvec(bench, w, x, bias, 9, sparse=True)[1]
        full = run_matvec(bench, w, x, bias, 9)[1]
        print(f"| {count} | {sparse:,} | {full:,} |")


if __name__ == "__main__":
    main()
