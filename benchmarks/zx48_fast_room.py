"""The room the 48K player's fast scores (attention.s's AT_FAST_SCORES) need, in bytes.

The 48K's program has two parts (soulterm/zx/build.py, player_source): the cold part below
$8000 and the hot part from $8000 (matvec's squares table at $8000, the kernels, the
activations, the value cache, the matrices, the word list's top part). The fast scores' code
and tables all lie in the hot part, so that is what they need room in. Their build does not
assemble while it runs past $FFFF, so this assembles the player's source (without its word
list) with its origin 4K lower and the $8000 asserts and padding left out: the hot part then
starts at a page below $8000 (its page alignments as at $8000) and its bytes are the
program's end less mv_vars. Prints, for each of build.py's 48K option sets, the hot part's
bytes without and with the fast scores (their key sums at `--key-sums`, an address outside
the program, or in the program: `--key-sums none`), what the fast scores add, and the bytes
free for them (the 48K's free bytes, below $8000 and at the top of RAM, with the word list, less
what they add: the room the build must find, at least the hot part's overrun of it above $8000);
then the kernel files' bytes that change.

`--turns` instead runs the player's own program (kernelbench.player_bench, as `python
benchmarks/z80_token.py`) on "hello", the ten everyday prompts and the thirty held out (each set
in order on one bench, every step checked against the engine; the medians), built by build.py's
ladder with room made as a layout could make it: the value cache (2,560 bytes of run-time data)
at VALUES_OUTSIDE and the key sums at KEY_SUMS_OUTSIDE, both outside the program (the screen's
RAM, free on the bench: a real 48K's ULA would add its wait to their reads); `--old-dot` keeps the
fast scores out of that ladder, for the same layout without them.

    python benchmarks/zx48_fast_room.py [--key-sums ADDRESS|none] [--soul SOUL.bin --tokenizer TOKENIZER.json]
    python benchmarks/zx48_fast_room.py --turns [--old-dot]
"""

from __future__ import annotations

import argparse

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.soul.soulfile import load_soul
from soulterm.soul.benchmark import add_soul_arguments, soul_files
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx import build
from soulterm.zx.soul_layout import word_list_bytes

LOWER = 0x1000          # the origin's move for the measure
VALUES_OUTSIDE = 0x5000         # --turns: the value cache, $5000-$59FF (below the logits' $5B00)
KEY_SUMS_OUTSIDE = 0x4000       # and the key sums, $4000-$427F


def turns(old_dot: bool) -> None:
    import statistics

    from soulterm.player.bench import EVERYDAY_PROMPTS, prompts_in
    from soulterm.soul.engine import Engine
    from soulterm.zx.kernelbench import TurnCost, forward_turn, player_bench

    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    source, fits = build.player_source, build.coarse_fits
    build.player_source = lambda *args, **kwargs: f"kv_values = ${VALUES_OUTSIDE:04X}\n" + source(*args, **kwargs)
    build.coarse_fits = lambda *args, fast_scores=False, **kwargs: (
        not (old_dot and fast_scores) and fits(*args, fast_scores=fast_scores, **kwargs))
    build.KEY_SUMS_48K = KEY_SUMS_OUTSIDE
    bench = player_bench(soul, tokenizer)
    options = [name for name in ("at_key_sums", "mv_even_skip", "mv_coarse_top", "AT_DIVIDE_UNROLLED")
               if name in bench.symbols]
    print(f"the 48K's program to ${bench.program.end - 1:04X}, with {', '.join(options)}")
    sets = (("hello", ["hello"]), ("the ten", EVERYDAY_PROMPTS),
            ("the thirty held out", prompts_in("benchmarks/everyday_heldout.txt")))
    for name, prompts in sets:
        costs = []
        for prompt in prompts:
            rows, reply = forward_turn(bench, Engine(soul), tokenizer.encode_turn(prompt))
            costs.append(TurnCost(rows, reply))
        print(f"{name}: median {statistics.median(c.per_position for c in costs):,.0f} T-states a position, "
              f"{statistics.median(c.per_step for c in costs):,.0f} a reply step")


def measured(soul, tokenizer, key_sums, fast_scores: bool, pairs: bool, coarse_top: bool, unrolled: bool):
    """(the program assembled lower, the hot part's bytes, the cold part's end where it belongs)."""
    source = build.player_source(soul, tokenizer, False, fast_scores=fast_scores, key_sums=key_sums, pairs=pairs,
                                 coarse_top=coarse_top, unrolled=unrolled)
    source = (source.replace(f".org ${build.ORIGIN:04X}", f".org ${build.ORIGIN - LOWER:04X}")
              .replace(f'.assert * <= ${build.UNCONTENDED:04X}, "the player', '.assert 1, "(measured lower)')
              .replace(f".res (* < ${build.UNCONTENDED:04X}) * (${build.UNCONTENDED:04X} - *)", ".res 0")
              .replace(f".assert mv_vars == ${build.UNCONTENDED:04X}", ".assert 1"))
    program = build._assemble(source)
    hot = program.end - program.symbols["mv_vars"]
    return program, hot, build._cold_end(program.symbols) + LOWER


def kernel_bytes(program) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for row in program.listing_lines:
        if "kernels/z80/" in row.file:
            name = row.file.rsplit("/", 1)[-1]
            sizes[name] = sizes.get(name, 0) + len(row.data)
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--key-sums", default="5000",
                        help="the key sums' address (hex), outside the program; 'none': in the program (forward.s's)")
    add_soul_arguments(parser)
    parser.add_argument("--turns", action="store_true", help="the player's turns with room made outside the program")
    parser.add_argument("--old-dot", action="store_true", help="with --turns: without the fast scores")
    args = parser.parse_args()
    if args.turns:
        turns(args.old_dot)
        return
    soul_path, tokenizer_path = soul_files(args)
    soul, tokenizer = load_soul(soul_path), Tokenizer.load(tokenizer_path)
    key_sums = None if args.key_sums == "none" else int(args.key_sums, 16)
    words = word_list_bytes(tokenizer) if tokenizer.words else 0
    where = "in the program" if key_sums is None else f"at ${key_sums:04X}"
    print(f"the key sums {where}; the word list {words:,} bytes")
    programs = []
    for pairs, coarse_top, unrolled in build.RUNGS_48K:
        old, old_hot, cold_end = measured(soul, tokenizer, key_sums, False, pairs, coarse_top, unrolled)
        fast, fast_hot, _ = measured(soul, tokenizer, key_sums, True, pairs, coarse_top, unrolled)
        free = 2 * build.UNCONTENDED - old_hot - cold_end - words
        print(f"pairs {pairs!s:5} coarse_top {coarse_top!s:5} unrolled {unrolled!s:5}: hot part {old_hot:,} -> "
              f"{fast_hot:,} bytes, the fast scores {fast_hot - old_hot:,} more; {free:,} free without them, "
              f"{free - (fast_hot - old_hot):,} with them (the hot part alone {fast_hot - build.UNCONTENDED:+,} "
              f"against $8000..$FFFF)")
        programs.append((old, fast))
    old, fast = programs[0]
    before, after = kernel_bytes(old), kernel_bytes(fast)
    for name in sorted(set(before) | set(after)):
        if before.get(name) != after.get(name):
            print(f"  {name:14} {before.get(name, 0):>6,} -> {after.get(name, 0):>6,}")


if __name__ == "__main__":
    main()
