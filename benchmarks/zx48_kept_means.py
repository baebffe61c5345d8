"""The 48K's kept means (attention.s's AT_KEPT_MEANS with AT_TABLE_MEANS): their bytes and T-states.

The 128K's means walk each dimension off its sum of S(vl) kept as v enters the cache
(AT_KEPT_MEANS, twentieth round). Their 48K form (twenty-first round, docs/spectrum.md: "the
48K's means by the kept walk") keeps the 48K's table means' weights' loop and reads matvec's
squares table (no squares table of its own), every head on the kept walk, the value cache
dimension-major, each dimension divided by at_fast_dimension's division.

Prints the room: the 48K player's source (build.py's first rung, the shipped one) assembled 4K
lower, as benchmarks/zx48_fast_room.py does, without and with the form (its 192 bytes of kept
sums outside the program, `--kept-sums`): the hot part's bytes, the cold part's and the bytes
free with the word list (negative: the bytes missing). With `--turns`, the T-states a position
and a reply step on the kernels' bench (tests/test_zx_speed.py's bench_for's options, every
step checked against the engine) of "hello", the ten everyday prompts and the thirty held out
(medians), the shipped kernels against the form; with `--all` also, ignoring room, the 48K's
kernels with the 128K's means and their own squares table (AT_FAST_MEANS, with and without
AT_KEPT_MEANS; player_kernel_options gives them the 128K's RN_FAST_SQUARES too, and each also
runs without it).

    python benchmarks/zx48_kept_means.py [--kept-sums ADDRESS] [--turns [--all]]
"""

from __future__ import annotations

import argparse
import statistics

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx import build

LOWER = 0x1000          # the origin's move for the measure (benchmarks/zx48_fast_room.py's)


def room(soul, tokenizer, kept: bool, kept_sums: int) -> tuple[int, int, int]:
    """(the hot part's bytes, the cold part's, the bytes free with the word list)."""
    source = build.player_source(soul, tokenizer, False, coarse_top=True, pairs=True, unrolled=True,
                                 fast_scores=True, key_sums=build.KEY_SUMS_48K,
                                 fast_takebacks=build.FAST_TAKEBACKS_48K, kept_48k=kept)
    source = (source.replace(".cpu z80", f".cpu z80\nkv_kept_sums = ${kept_sums:04X}", 1)
              .replace(f".org ${build.ORIGIN:04X}", f".org ${build.ORIGIN - LOWER:04X}")
              .replace(f'.assert * <= ${build.UNCONTENDED:04X}, "the player', '.assert 1, "(measured lower)')
              .replace(f".res (* < ${build.UNCONTENDED:04X}) * (${build.UNCONTENDED:04X} - *)", ".res 0")
              .replace(f".assert mv_vars == ${build.UNCONTENDED:04X}", ".assert 1"))
    program = build._assemble(source)
    hot = program.end - program.symbols["mv_vars"]
    cold = build._cold_end(program.symbols) - (build.ORIGIN - LOWER)
    free = (build.TOP - build.UNCONTENDED - hot) + (build.UNCONTENDED - build.ORIGIN - cold)
    return hot, cold, free - build.word_list_bytes(tokenizer)


def turns(soul, tokenizer, every_form: bool) -> None:
    import sys

    from soulterm.player.bench import EVERYDAY_PROMPTS, prompts_in
    from soulterm.soul.engine import Engine
    from soulterm.zx.kernelbench import TurnCost, Z80Bench, forward_turn, player_kernel_options
    from soulterm.zx.soul_layout import soul_include

    sys.path.insert(0, "tests")
    from test_zx_speed import bench_for     # (the shipped 48K's kernels on the bench)

    shipped = bench_for(soul)
    extra = "".join(f"\n{name} = {shipped.symbols[name]}" for name in ("AT_DIVIDE_UNROLLED", "RN_UNIT_GAIN_BITS",
                                                                        "MV_LEAST_SHIFT") if name in shipped.symbols)

    def bench(fast_squares: bool = True, **means):
        options = player_kernel_options("48k", coarse_top=True, fast_scores=True,
                                        fast_takebacks=build.FAST_TAKEBACKS_48K, **means) + extra
        if not fast_squares:
            options = options.replace("RN_FAST_SQUARES = 1", "")
        return Z80Bench('.include "forward.s"\n' + soul_include(soul), options=options)

    forms = [("shipped (AT_TABLE_MEANS)", lambda: shipped), ("kept (the 48K's form)", lambda: bench(kept_means=True))]
    if every_form:
        for squares in (True, False):
            forms += [(f"the 128K's {name}{', no RN_FAST_SQUARES' * (not squares)}",
                       lambda kept=kept, squares=squares: bench(squares, fast_means=True, table_means=False,
                                                                kept_means=kept))
                      for name, kept in (("fast means", False), ("kept means", True))]

    sets = (("hello", ["hello"]), ("the ten", EVERYDAY_PROMPTS),
            ("the thirty held out", prompts_in("benchmarks/everyday_heldout.txt")))
    for name, make in forms:
        form = make()
        for set_name, prompts in sets:
            costs = []
            for prompt in prompts:
                rows, reply = forward_turn(form, Engine(soul), tokenizer.encode_turn(prompt))
                costs.append(TurnCost(rows, reply))
            print(f"{name}, {set_name}: median {statistics.median(c.per_position for c in costs):,.0f} T-states "
                  f"a position, {statistics.median(c.per_step for c in costs):,.0f} a reply step")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kept-sums", default="3F00", metavar="ADDRESS",
                        help="where the kept sums (192 bytes, run time only) lie, outside the program (hex; "
                             "default 3F00: only their code is counted)")
    parser.add_argument("--turns", action="store_true", help="the T-states on the kernels' bench instead")
    parser.add_argument("--all", action="store_true", help="with --turns: the 128K's means too, ignoring room")
    args = parser.parse_args()
    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    if args.turns:
        turns(soul, tokenizer, args.all)
        return
    for kept in (False, True):
        hot, cold, free = room(soul, tokenizer, kept, int(args.kept_sums, 16))
        print(f"{'the kept means' if kept else 'the shipped 48K'}: hot part {hot:,} bytes, cold part {cold:,}, "
              f"free with the word list {free:,}")


if __name__ == "__main__":
    main()
