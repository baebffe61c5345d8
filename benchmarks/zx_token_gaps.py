"""A reply token as a Spectrum user waits for it: the T-states from one token's blip to the next's.

benchmarks/z80_token.py times forward_step on the kernels' bench (the figure issue 16's goal is read against:
a turn's mean reply step). On the machine itself a reply token also pays the player's own work around the pass:
print_token (the token's text through RST $10, the chat's window) and its blip (BEEPER, ~3 ms), and the ROM's
frame interrupt, 50 a second. This runs the player as `soulterm run` does (a fresh build of the tape, soulterm's
high-level ROM, the frame interrupt on), types each prompt's turn in order, and notes the T-states at each entry
to forward_step and to print_token. For each turn it prints:

- steps: the reply steps as the machine runs them, from forward_step's entry to print_token's (the last, which
  picks END or fills the context, to the end of its turn's last one's own count is left out: no token follows it);
  their mean beside z80_token.py's bench figure is the interrupts' share;
- gaps: from one print_token's entry to the next (blip to blip, what a user hears), their mean and the largest;
- around: print_token's entry to the next forward_step's (the text, the blip), its mean.

Then the medians of the turns' means and the largest gap of the set, against 1.5M. Exact emulated T-states.

    python benchmarks/zx_token_gaps.py [TEXT | --everyday | --prompts FILE] [--model 48k|128k]
"""

from __future__ import annotations

import argparse
import statistics

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.player.bench import add_prompt_arguments, chosen_prompts
from soulterm.zx import Spectrum
from soulterm.zx.build import assemble_spectrum_player

GOAL = 1_500_000                # issue 16: T-states a token
TURN_LIMIT = 200_000_000        # T-states a turn may take at most (a long turn takes ~30M)


def turn_events(machine: Spectrum, prompt: str, step_entry: int, print_entry: int) -> list[tuple[str, int]]:
    """(kind, T-states) at each entry to forward_step ("step") and print_token ("print") in the turn of `prompt`."""
    machine.type_line(prompt)
    events = []
    while True:
        reason = machine.run(max_cycles=TURN_LIMIT, until_idle=True, breakpoints={step_entry, print_entry})
        if str(reason) != "breakpoint":
            break
        events.append(("step" if machine.cpu.pc == step_entry else "print", machine.cycles))
        machine.step()          # past the breakpoint's instruction
    if machine.crashed:
        raise SystemExit(f"the player crashed on {prompt!r}: {machine.stop_message}")
    return events


def turn_figures(events: list[tuple[str, int]]) -> dict:
    """A turn's steps (forward_step to print_token), gaps (print_token to print_token) and around (print_token to
    forward_step), each a list of T-states."""
    steps, gaps, around = [], [], []
    for (kind, at), (next_kind, next_at) in zip(events, events[1:]):
        if kind == "step" and next_kind == "print":
            steps.append(next_at - at)
        elif kind == "print" and next_kind == "step":
            around.append(next_at - at)
    prints = [at for kind, at in events if kind == "print"]
    gaps = [b - a for a, b in zip(prints, prints[1:])]
    return {"steps": steps, "gaps": gaps, "around": around}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_prompt_arguments(parser)
    parser.add_argument("--model", choices=("48k", "128k"), default="48k")
    args = parser.parse_args()
    built = assemble_spectrum_player(DEFAULT_SOUL, DEFAULT_TOKENIZER, args.model)
    symbols = built.program.symbols
    machine = Spectrum(model=args.model)
    machine.load_tap(built.tape)
    print(f"the {args.model} player (a fresh build), soulterm's ROM, frame interrupts on; T-states")
    print(f"{'prompt':<28} {'tokens':>6} {'steps mean':>11} {'gaps mean':>11} {'gap max':>11} {'around':>8}")
    means, gap_means, largest = [], [], 0
    for prompt in chosen_prompts(args):
        figures = turn_figures(turn_events(machine, prompt, symbols["forward_step"], symbols["print_token"]))
        steps, gaps, around = figures["steps"], figures["gaps"], figures["around"]
        step_mean = statistics.mean(steps) if steps else 0
        gap_mean = statistics.mean(gaps) if gaps else 0
        gap_max = max(gaps, default=0)
        around_mean = statistics.mean(around) if around else 0
        print(f"{prompt:<28} {len(around):>6} {step_mean:>11,.0f} {gap_mean:>11,.0f} {gap_max:>11,} {around_mean:>8,.0f}")
        means.append(step_mean)
        if gaps:
            gap_means.append(gap_mean)
        largest = max(largest, gap_max)
    print(f"medians: steps {statistics.median(means):,.0f}, gaps "
          f"{statistics.median(gap_means) if gap_means else 0:,.0f}; the largest gap {largest:,} "
          f"({largest - GOAL:+,} against {GOAL:,})")


if __name__ == "__main__":
    main()
