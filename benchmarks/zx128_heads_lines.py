"""The 128K's heads on a reply step, line by line, and what bank 4's free room could buy there.

Runs each turn on the 128K player's own program (kernelbench.player_bench, as z80_token.py; every step checked
against the engine) and single-steps each reply step (forward_step), charging every instruction of the heads' code
(fw_attend, attend_head and the attention.s routines it runs: pl_prepare, pl_keys, at_short_weights, the kept walk,
its ways out of line and its division; pl_store, the keys' planes as each key enters the cache, counted apart) to
its address, so to its source line. Prints, a reply step (both layers' heads, the means over the steps):
- each routine's T-states;
- the counts the heads scale with: heads, keys and heads (pl_keys@key), 12-plane keys (pl_keys@twelve), the kept
  walk's position-dimensions (at_kept_dimension@position and @position_odd) and its dimensions;
- the LINES source lines that cost most, each with its visits and T-states a visit;
- the forms weighed for bank 4's room (its free bytes below its block, from the build), each net a reply step
  counted from the visits above and the constants below (instructions counted, not a built kernel's):
  the kept walk four positions a pass (AT_KEPT_PAIRS' loop test, `jp nz` 10 T-states, on every fourth position
  in place of every second; its bytes two more inline positions and two more sets of the pair's first position's
  ways out of line, measured from the build's symbols); a table of all 256 masks' sums a head for pl_keys (one
  read a plane: PLANE_256 against the plane's 98, a fill of FILL_256 an entry in place of pl_prepare's, and the
  512 bytes of its table, with the keys' planes as one byte a plane for a second form (KEY_BYTES_256 a key and
  head) where a step may choose either); the weights written in place (fw_attend's ldir, whose T-states are the
  most that can save).

    python benchmarks/zx128_heads_lines.py [TEXT | --everyday | --prompts FILE] [--lines N]
"""

from __future__ import annotations

import argparse
import collections

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.player.bench import add_prompt_arguments, chosen_prompts
from soulterm.soul import spec
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx import build
from soulterm.zx.kernelbench import costliest_lines, player_bench, single_stepped_turns
from z80_profile import routine_of

# the heads' routines on the 128K player (as routine_of names them); pl_store runs as a key enters the cache
HEADS_ROUTINES = ("fw_attend", "fw_planes_of_layer", "attend_head", "pl_prepare", "pl_wide_q", "pl_wide_held",
                  "pl_keys", "at_short_weights", "at_weight_squares", "at_kept_head", "at_kept_dimension",
                  "at_kept_far", "at_kept_far_even", "at_kept_borrow", "at_kept_borrow_even", "at_kept_no_borrow",
                  "at_kept_no_borrow_even", "at_kept_marked", "at_kept_marked_dimension", "at_fast_dimension",
                  "at_fast_checked", "at_fast_store", "at_zero_weight", "pl_store")
# the entries counted (a label's address reached): what the heads scale with
COUNTED = {"attend_head": "heads", "pl_keys@key": "keys and heads", "pl_keys@twelve": "12-plane keys",
           "at_kept_dimension@position": "kept positions (a pair's first)",
           "at_kept_dimension@position_odd": "kept positions (a pair's second)",
           "at_kept_dimension@positions_done": "kept dimensions"}
PLANE = 98                      # pl_keys' T-states a plane (two 16-entry tables' reads: attention.s's header)
PLANE_256 = 56                  # a plane on one table of 256 sums: pop, shift, one 16-bit add (thirty-fourth round)
FILL_256 = 22                   # an entry of that table at the least: add hl,rr / push hl
KEY_BYTES_256 = 12              # a key and head's planes as one byte a plane (the second form a step could choose)
LOOP_TEST = 10                  # the kept walk's `jp nz,at_kept_dimension@position`


def heads_profile(bench, prompts, tokenizer, engine):
    """The reply steps single-stepped; returns (steps, T-states by address, visits by address)."""
    routine_at = routine_of(bench)
    t_states, visits = collections.Counter(), collections.Counter()

    def charge(pc, spent):
        visits[pc] += 1
        if routine_at(pc) in HEADS_ROUTINES:
            t_states[pc] += spent

    steps = single_stepped_turns(bench, prompts, tokenizer, engine, charge)
    return len(steps), t_states, visits


def bank_4_free(soul, tokenizer, program) -> int:
    """Bank DATA_BANK's free bytes below its block (the player's banks as the loader pages them in)."""
    return next(bank[2] for bank in build.player_banks(soul, tokenizer, program, "128k")
                if bank[0] == build.DATA_BANK) - 0xC000


def kept_pair_bytes(symbols) -> tuple[int, int]:
    """(an inline position's bytes, the pair's first position's ways out of line) on the player."""
    inline = symbols["at_kept_dimension@position_odd"] - symbols["at_kept_dimension@position"]
    ways = (symbols["at_kept_far"] - symbols["at_kept_far_even"]
            + symbols["at_kept_borrow"] - symbols["at_kept_borrow_even"])
    return inline, ways


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_prompt_arguments(parser)
    parser.add_argument("--lines", type=int, default=30, help="the costliest source lines to print")
    args = parser.parse_args()
    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    prompts = chosen_prompts(args)
    bench = player_bench(soul, tokenizer, "128k")
    steps, t_states, visits = heads_profile(bench, prompts, tokenizer, Engine(soul))
    routine_at = routine_of(bench)
    symbols = {name: value for name, value in bench.symbols.items() if isinstance(value, int)}
    by_routine = collections.Counter()
    for pc, spent in t_states.items():
        by_routine[routine_at(pc)] += spent
    heads_code = sum(spent for name, spent in by_routine.items() if name != "pl_store")
    print(f"the 128K player, {len(prompts)} turn(s), {steps} reply steps: the heads' code {heads_code / steps:,.0f} "
          f"T-states a step (both layers), pl_store {by_routine['pl_store'] / steps:,.0f}")
    for name, spent in by_routine.most_common():
        print(f"  {name:26} {spent / steps:>9,.0f}")
    counts = {meaning: visits[symbols[label]] / steps for label, meaning in COUNTED.items() if label in symbols}
    print("counts, a reply step (both layers): " + ", ".join(f"{meaning} {count:,.1f}" for meaning, count in
                                                            counts.items()))
    print(f"the {args.lines} costliest lines of the heads' code, a reply step: T-states, visits, T-states a visit, "
          "where")
    for pc, spent, file, line, text in costliest_lines(bench.program, t_states, args.lines):
        print(f"  {spent / steps:>7,.0f} {visits[pc] / steps:>7,.1f} {spent / visits[pc]:>5.1f}  "
              f"{routine_at(pc):24} {text:30} {file.split('/')[-1]}:{line}")

    heads, keys = counts["heads"], counts["keys and heads"]
    twelve = counts.get("12-plane keys", 0.0)
    free = bank_4_free(soul, tokenizer, bench.program)
    print(f"weighed for bank {build.DATA_BANK}'s room ({free:,} bytes free below its block), a reply step's "
          "change in T-states (negative: faster):")
    jp_back = symbols["at_kept_dimension@position"]
    pair_tests = sum(visits[pc] for pc in t_states if routine_at(pc) == "at_kept_dimension" and
                     bench.peek(pc, 3) == bytes((0xC2, jp_back & 255, jp_back >> 8)))
    inline, ways = kept_pair_bytes(symbols)
    print(f"  the kept walk four positions a pass: its loop's `jp nz` {pair_tests / steps:,.1f} times a step, half of "
          f"them gone: {-LOOP_TEST * pair_tests / 2 / steps:+,.0f}, for {2 * (inline + ways)} bytes ({inline} an "
          f"inline position, {ways} its ways out of line) near the walk, below $C000")
    planes = keys * (symbols["PL_PLANES"] - 1) + twelve     # (an 11-plane key, or 12: a step's)
    prepare = by_routine["pl_prepare"] / steps / heads          # (pl_prepare a head)
    table_net = planes * (PLANE_256 - PLANE) + heads * (256 * FILL_256 - prepare)
    print(f"  pl_keys on one table of 256 sums a head: {planes:,.0f} planes a step at {PLANE_256 - PLANE:+} each, "
          f"the fill {256 * FILL_256 - prepare:+,.0f} a head against pl_prepare's: {table_net:+,.0f}; 512 bytes of "
          f"table, and {KEY_BYTES_256 * spec.CONTEXT * spec.N_HEADS * spec.N_LAYERS:,} more for the keys' second form "
          "where a step chooses")
    ldir = sum(spent for pc, spent in t_states.items() if routine_at(pc) == "fw_attend"
               and bench.peek(pc, 2) == bytes((0xED, 0xB0)))
    print(f"  the weights written in place (fw_attend's ldir after each head): at most {-ldir / steps:+,.0f}")


if __name__ == "__main__":
    main()
