"""The 48K's heads on a reply step, line by line: where attend_head's own T-states, the means' walk and pl_keys go.

Runs each turn on the 48K player's own program (kernelbench.player_bench, as z80_token.py; every step
checked against the engine) and single-steps each reply step (forward_step), charging every
instruction of the heads' code (HEADS_ROUTINES: the scores, the weights, the means' walk and its
division) to its own address, so to its source line (the program's line map). Prints, a reply step
(both layers' heads):
- each routine's T-states as z80_step_phases.py names them (attend_head is the label range before
  at_means_walk, so it holds the weights' loop and the walk's out-of-line ways; at_walk_code the walk a head writes,
  AT_GENERATED_WALK's, whose lines the map leaves out);
- attend_head's own code by part (the label groups below), each with its visits and T-states a visit;
- the counts the parts scale with: heads, keys and heads (pl_keys' loop), position-dimensions (the
  walk's visits), dimensions (the means' stores);
- the LINES source lines that cost most, each with its visits and T-states a visit.

    python benchmarks/zx48_heads_lines.py [TEXT | --everyday | --prompts FILE] [--lines N]
"""

from __future__ import annotations

import argparse
import bisect
import collections

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.player.bench import add_prompt_arguments, chosen_prompts
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx.kernelbench import costliest_lines, player_bench, single_stepped_turns
from z80_profile import routine_of

# the heads' routines (the 48K player's, as routine_of names them): scores, weights, means, division
HEADS_ROUTINES = ("attend_head", "at_means_walk", "at_means_divide", "at_leading_zeros", "at_wide_dimension",
                  "at_walk_code", "pl_prepare", "pl_wide_q", "pl_keys", "pl_old_keys", "pl_rebuild_key")
# attend_head's own code (the label range before at_means_walk) by part: local labels at the part's start
ATTEND_PARTS = (("the head's start and pl_prepare's call", ("attend_head", "@old_dot")),
                ("the weights' loop's set-up", ("@weights", "@short_weights")),
                ("the weights' loop (a key and head)", ("@weight", "@max_low", "@max_high", "@score_high", "@near",
                                                       "@weighed", "@far_weighed", "@past", "@far")),
                ("the weights' end and the means' set-up", ("@weights_done", "@means")),
                ("the walk: w >= 2, v in -256..-1 (@negative)", ("@negative",)),
                ("the walk: w = 1 (@one)", ("@one",)),
                ("the walk: w = 0 (@zero)", ("@zero",)),
                ("the walk: w >= 2, v beyond -256..255 (@wide)", ("@wide",)),
                ("a dimension's SP (@dimension)", ("@dimension",)))
# the entries counted (a label's address reached): what each part scales with
COUNTED = {"attend_head": "heads", "pl_keys@key": "keys and heads", "attend_head@position": "position-dimensions",
           "attend_head@store": "dimensions"}


def heads_profile(bench, prompts, tokenizer, engine):
    """The reply steps single-stepped; returns (steps, T-states by address, visits by address, step T-states)."""
    routine_at = routine_of(bench)
    t_states, visits = collections.Counter(), collections.Counter()

    def charge(pc, spent):
        if routine_at(pc) in HEADS_ROUTINES:
            t_states[pc] += spent
            visits[pc] += 1

    step_totals = single_stepped_turns(bench, prompts, tokenizer, engine, charge)
    return len(step_totals), t_states, visits, step_totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_prompt_arguments(parser)
    parser.add_argument("--lines", type=int, default=30, help="the costliest source lines to print")
    args = parser.parse_args()
    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    prompts = chosen_prompts(args)
    bench = player_bench(soul, tokenizer, "48k")
    steps, t_states, visits, step_totals = heads_profile(bench, prompts, tokenizer, Engine(soul))
    routine_at = routine_of(bench)
    symbols = {name: value for name, value in bench.symbols.items() if isinstance(value, int)}
    print(f"the 48K player, {len(prompts)} turn(s), {steps} reply steps: {sum(step_totals) / steps:,.0f} T-states a "
          f"step; the heads' code {sum(t_states.values()) / steps:,.0f} a step (both layers)")
    by_routine = collections.Counter()
    for pc, spent in t_states.items():
        by_routine[routine_at(pc)] += spent
    print("by routine, a reply step (both layers):")
    for name, spent in by_routine.most_common():
        print(f"  {name:24} {spent / steps:>9,.0f}")
    counts = {meaning: visits[symbols[label]] / steps for label, meaning in COUNTED.items() if label in symbols}
    print("counts, a reply step (both layers): " + ", ".join(f"{meaning} {count:,.1f}" for meaning, count in
                                                            counts.items()))
    # attend_head's own code by part: each address charged to the part of the nearest label at or below it
    own = sorted((value, name) for name, value in symbols.items()
                 if (name == "attend_head" or name.startswith("attend_head@")) and value < symbols["at_means_walk"])
    starts = [value for value, _ in own]
    part_of_label = {("attend_head" + label if label.startswith("@") else label): part
                     for part, labels in ATTEND_PARTS for label in labels}
    parts, part_visits = collections.Counter(), collections.Counter()
    for pc, spent in t_states.items():
        if routine_at(pc) != "attend_head":
            continue
        label = own[bisect.bisect_right(starts, pc) - 1][1]
        part = part_of_label.get(label, label)
        parts[part] += spent
        part_visits[part] = max(part_visits[part], visits[pc])     # a part's visits: its busiest line's
    print(f"attend_head's own code by part, a reply step (both layers; {by_routine['attend_head'] / steps:,.0f} "
          "in all): T-states, visits, T-states a visit")
    for part, spent in parts.most_common():
        each = spent / part_visits[part] if part_visits[part] else 0
        print(f"  {part:48} {spent / steps:>9,.0f} {part_visits[part] / steps:>8,.1f} {each:>7,.1f}")
    print(f"the {args.lines} costliest lines of the heads' code, a reply step (both layers): T-states, visits, "
          "T-states a visit, where")
    for pc, spent, file, line, text in costliest_lines(bench.program, t_states, args.lines):
        label = own[bisect.bisect_right(starts, pc) - 1][1] if routine_at(pc) == "attend_head" else routine_at(pc)
        print(f"  {spent / steps:>7,.0f} {visits[pc] / steps:>7,.1f} {spent / visits[pc]:>5.1f}  "
              f"{label:26} {text:28} {file.split('/')[-1]}:{line}")


if __name__ == "__main__":
    main()
