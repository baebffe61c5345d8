"""The player's code that a set of turns never runs: where a build could find room.

Runs the turns of "hello" (or TEXT, or `--everyday`: the ten everyday prompts) on the
Spectrum player's own program (kernelbench.player_bench, `--model 48k|128k`), each
checked against the engine, with every read of the program's bytes recorded (an
instruction's fetches are reads), and prints, file by file, the bytes of the lines of
code (a line of at most 64 bytes: no buffer or table) none of whose bytes was read,
and with `--lines FILE` those lines of the kernel FILE above $8000. A line the turns
never ran may still run for other inputs (a clip, a flagged column) or another soul
(a general path): which it is, is read from the code. soulplayer.s and tokenizer.s
run outside the forward pass: all of theirs counts as unrun here.

    python benchmarks/z80_unrun.py [TEXT | --everyday] [--model 48k|128k] [--lines matvec.s]
"""

from __future__ import annotations

import argparse
import collections
from pathlib import Path

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.player.bench import EVERYDAY_PROMPTS
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx.build import ORIGIN, UNCONTENDED
from soulterm.zx.kernelbench import forward_turn, player_bench

LONGEST_CODE_LINE = 64          # longer lines are .res buffers or tables


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("text", nargs="?", default="hello")
    parser.add_argument("--everyday", action="store_true", help="the ten everyday prompts after TEXT")
    parser.add_argument("--model", choices=("48k", "128k"), default="48k")
    parser.add_argument("--lines", metavar="FILE", help="list a kernel file's unrun lines above $8000")
    args = parser.parse_args()
    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    bench = player_bench(soul, tokenizer, args.model)
    cpu, memory, read = bench.cpu, bench.cpu.memory, set()

    def record(address: int) -> int:
        read.add(address)
        return memory[address]

    cpu.set_read_callback(record)
    cpu.mark_addrs(ORIGIN, 0x10000 - ORIGIN, cpu.READ_MARK)
    prompts = [args.text] + list(EVERYDAY_PROMPTS) * args.everyday
    for prompt in prompts:
        forward_turn(bench, Engine(soul), tokenizer.encode_turn(prompt))
    lines = sorted((address, where) for address, where in bench.program.line_map.items() if address < 0x10000)
    ends = [address for address, _ in lines[1:]] + [bench.program.end]
    unrun: collections.Counter = collections.Counter()
    listed = []
    for (address, (file, line)), end in zip(lines, ends):
        if "kernels/z80/" not in file or end - address > LONGEST_CODE_LINE:
            continue
        if not read.intersection(range(address, end)):
            name = Path(file).name
            unrun[name] += end - address
            listed.append((address, name, line, end - address))
    print(f"{len(prompts)} turns ({args.model}): the bytes of code never read, by file")
    for name, count in unrun.most_common():
        print(f"  {name:16} {count:>6,}")
    if args.lines:
        text = (Path(__file__).resolve().parent.parent / "kernels" / "z80" / args.lines).read_text().splitlines()
        for address, name, line, size in listed:
            if name == args.lines and address >= UNCONTENDED:
                print(f"${address:04X} {size:3} {line:5}  {text[line - 1]}")


if __name__ == "__main__":
    main()
