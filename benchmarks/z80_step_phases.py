"""Where a reply step's T-states go, against a prompt position's: forward_step by phase on the player.

Runs the turn of "hello" (or TEXT, or each of `--everyday`'s ten prompts, or a
prompts file's, in order on one player) on the Spectrum player's own program
(kernelbench.player_bench, as z80_token.py; every step checked against the
engine) and single-steps each forward_step, charging each instruction's
T-states to a phase and, within it, to the routine whose code holds its PC:
what a prompt position (forward_prefill) also does (layer 0, layer 1's norm,
keys and values), then what only a reply step does: layer 1's q, its four
heads, proj, its second norm, fc1 (the coarse gate) and fc2, the final norm,
and the logits (the coarse call, argmax, the bound's look or scan and any
exact rows). Prints the means over the steps, and the mean forward_prefill
of the same turns past the first turn's position 0 (run once a session) for
comparison. (docs/spectrum.md, "Twenty-first round: a reply step's logits".)
With `--layer-0` the prompt position's part is split too: layer 0's
embedding, norm, q, k and v, heads, proj, second norm, fc1 and fc2, then
layer 1's norm, keys and values (docs/spectrum-guide.md quotes it).

    python benchmarks/z80_step_phases.py [TEXT | --everyday | --prompts FILE] [--model 48k|128k] [--routines N]
                                         [--layer-0]
"""

from __future__ import annotations

import argparse
import collections

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.player.bench import EVERYDAY_PROMPTS, prompts_in
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx.kernelbench import _CORE_FRAME, CALL_T_STATES, forward_turn, has_records, player_bench
from z80_profile import routine_of

# forward_step's phases, each entered at the nth call (counted from the step's start) of a routine
PREFILL_PART = "layer 0, layer 1's norm, keys and values (a prompt position's work)"
PHASE_ENTRIES = (("fw_projection", 6, "layer 1's q"), ("fw_attend", 2, "layer 1's heads"),
                 ("fw_dense_add", 3, "layer 1's proj"), ("rmsnorm", 4, "layer 1's second norm"),
                 ("fw_dense_via", 5, "layer 1's fc1 (the coarse gate)"), ("fw_dense_add", 4, "layer 1's fc2"),
                 ("rmsnorm", 5, "the final norm"), ("fw_next_token", 1, "the logits' call"),
                 ("argmax", 1, "argmax"))
# (the 128K's FW_FC1_PLANES, twenty-seventh round: layer 1's fc1 by fc1planes.s, entered at fw_fc1_planes's
# second call, layer 0's its first; fw_dense_via's fifth call is then fc2's own)
FC1_PLANES_ENTRY = ("fw_fc1_planes", 2, "layer 1's fc1 (fc1planes.s)")
# with --layer-0, the prompt position's part by phase too: the step starts in the embedding
LAYER_0_START = "layer 0's embedding"
LAYER_0_ENTRIES = (("rmsnorm", 1, "layer 0's norm"), ("fw_projection", 1, "layer 0's k, v and q"),
                   ("fw_attend", 1, "layer 0's heads"), ("fw_dense_add", 1, "layer 0's proj"),
                   ("rmsnorm", 2, "layer 0's second norm"), ("fw_dense_via", 2, "layer 0's fc1"),
                   ("fw_dense_add", 2, "layer 0's fc2"), ("rmsnorm", 3, "layer 1's norm, keys and values"))
# (the 128K's FW_FC1_PLANES_L0: layer 0's fc1 by fc1planes.s's copy, entered at fw_fc1_planes's first call; the 48K's
# FW_FC1_BYTES the same, both layers' by fc1planes.s's byte masks)
FC1_PLANES_L0_ENTRY = ("fw_fc1_planes", 1, "layer 0's fc1 (fc1planes.s)")
LOOK = "the bound's look or scan"
EXACT = "the exact rows"


def step_phases(bench, counts: collections.Counter, routines: dict, layer_0: bool = False) -> int:
    """forward_step single-stepped (as Z80Bench.call), T-states added to `counts` by phase and to
    `routines[phase]` by routine (`layer_0`: layer 0's phases apart too); returns its T-states as
    Z80Bench.call counts them."""
    cpu, name_of = bench.cpu, routine_of(bench)
    entries = {}
    phase_entries = PHASE_ENTRIES
    both_by_planes = "FW_FC1_BYTES" in bench.symbols     # (the 48K's since the thirty-sixth round: both layers' fc1)
    if "FW_FC1_PLANES" in bench.symbols or both_by_planes:
        phase_entries = tuple(FC1_PLANES_ENTRY if routine == "fw_dense_via" else (routine, nth, phase)
                              for routine, nth, phase in PHASE_ENTRIES)
    if layer_0:
        phase_entries = tuple(FC1_PLANES_L0_ENTRY if routine == "fw_dense_via" and ("FW_FC1_PLANES_L0" in bench.symbols
                                                                                 or both_by_planes)
                              else (routine, nth, phase) for routine, nth, phase in LAYER_0_ENTRIES) + phase_entries
    for routine, nth, phase in phase_entries:
        if routine in bench.symbols:    # (the 48K's logits by out's planes since the twenty-seventh round: no argmax)
            entries.setdefault(bench.sym(routine), {})[nth] = phase
    argmax_phases = {"argmax", "am_rows"}
    exact = bench.symbols.get("mv_exact_row")
    bench.poke_word(bench.stack_top - 2, bench.trap)
    cpu.sp, cpu.pc = bench.stack_top - 2, bench.sym("forward_step")
    cpu.iff1 = cpu.iff2 = 0
    calls, phase, total = collections.Counter(), LAYER_0_START if layer_0 else PREFILL_PART, 0
    while cpu.pc != bench.trap:
        pc = cpu.pc
        if pc in entries:
            calls[pc] += 1
            phase = entries[pc].get(calls[pc], phase)
        if pc == exact:
            phase = EXACT
        before = cpu.frame_tick
        cpu.ticks_to_stop = 1
        cpu.run()
        t_states = (cpu.frame_tick - before) % _CORE_FRAME
        total += t_states
        counts[phase] += t_states
        routines[phase][name_of(pc)] += t_states
        if phase == "argmax" and name_of(cpu.pc) not in argmax_phases:
            phase = LOOK                # (argmax has returned: the bound's threshold, look and scan)
    bench.t_states += total + CALL_T_STATES
    return total + 2 * CALL_T_STATES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("text", nargs="?", default="hello")
    parser.add_argument("--everyday", action="store_true", help="the ten everyday prompts, in order")
    parser.add_argument("--prompts", metavar="FILE", help="a prompts file (one a line, # comments), in order")
    parser.add_argument("--model", choices=("48k", "128k"), default="48k")
    parser.add_argument("--routines", type=int, default=6, help="the routines shown a phase (default 6)")
    parser.add_argument("--layer-0", action="store_true", help="layer 0's phases apart too")
    args = parser.parse_args()
    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    prompts = list(EVERYDAY_PROMPTS) if args.everyday else [args.text]
    if args.prompts:
        prompts = prompts_in(args.prompts)
    bench = player_bench(soul, tokenizer, args.model)
    counts, routines = collections.Counter(), collections.defaultdict(collections.Counter)
    prefills, steps = [], 0
    plain_call = bench.call

    def call(routine, max_t_states=50_000_000, interrupts=False):
        nonlocal steps
        if routine != "forward_step":
            t_states = plain_call(routine, max_t_states, interrupts)
            if routine == "forward_prefill":
                prefills.append(t_states)   # (the first: position 0, once a session; left out below)
            return t_states
        steps += 1
        return step_phases(bench, counts, routines, args.layer_0)

    bench.call = call
    engine = Engine(soul)
    for prompt in prompts:
        forward_turn(bench, engine, tokenizer.encode_turn(prompt), records=has_records(bench))
    print(f"the {args.model} player, {len(prompts)} turn(s): {steps} reply steps, {sum(counts.values()) / steps:,.0f} "
          f"T-states a step; {len(prefills) - 1} forward_prefill past position 0, "
          f"{sum(prefills[1:]) / max(1, len(prefills) - 1):,.0f} each")
    # (position 0, SEP, runs once a session and stays cached; on the 128K's bench its call also runs planes.s's
    # one-off wp_expand_first, which the player's first RUN does: 1,315,124 against the player's 694,861)
    for phase, t_states in counts.items():
        top = ", ".join(f"{name} {t / steps:,.0f}" for name, t in routines[phase].most_common(args.routines))
        print(f"  {phase:68} {t_states / steps:>9,.0f}  ({top})")


if __name__ == "__main__":
    main()
