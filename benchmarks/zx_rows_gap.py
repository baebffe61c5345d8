"""Where the 48K's rows by planes lose to the 128K's: q's, k's, v's and fc1's rows by instruction, on both players.

Runs each turn on each player's own program (kernelbench.player_bench, as z80_token.py; every step checked against
the engine) and single-steps each reply step (forward_step, kernelbench.single_stepped_turns), charging every
instruction of the rows' code (ROW_ROUTINES: planes.s's rows for q, k and v; FC1_ROW_ROUTINES: fc1planes.s's rows;
the tables' fill, wp_tables / fg_tables, is not the rows') to what it does, by its opcode (KINDS): the table reads,
the page and entry steps, the masks put in L, the pops (the 48K's byte masks two a pop, the 128K's entry addresses
one a pop), the sums (`add ix,bc` and the low planes' 8-bit adds and halvings), the doublings, and the rest (the
rows' starts, class tests, ends, shifts and stores). Prints, a reply step and a row (192 q, k and v rows and 128 fc1
rows a reply step), each player's figures and the 48K's less the 128K's.

    python benchmarks/zx_rows_gap.py [TEXT | --everyday | --prompts FILE]
"""

from __future__ import annotations

import argparse
import collections

import numpy as np

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.player.bench import add_prompt_arguments, chosen_prompts
from soulterm.soul import spec
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx import build as zx_build
from soulterm.zx.kernelbench import player_bench, single_stepped_turns
from soulterm.zx.soul_layout import plane_classes
from z80_group_narrow import JUMP, TABLE_BUILD, form_of, group_widths
from z80_profile import routine_of

# q, k and v's rows (planes.s; routine_of's names on either player: the 48K's wp_group is its fill's, not a row's)
ROW_PREFIXES = ("wp_row", "wp_chain", "wp_group_wide", "wp_group_narrow")
ROW_NAMES = ("wp_rows", "wp_group_0", "wp_group_1", "wp_group_2")
# fc1's rows (fc1planes.s: a row's start by class, its planes, the gate's tests, its end, the zero rows, group forms)
FC1_ROW_PREFIXES = ("fg_row", "fg_start", "fg_k", "fg_plane", "fg_test", "fg_last", "fg_zero", "fg_sure", "fg_end",
                    "fg_store", "fg_form")
QKV_ROWS = 3 * spec.N_LAYERS * spec.EMBED_DIM         # a reply step: q, k and v of both layers
FC1_ROWS = spec.N_LAYERS * spec.FFN_DIM
# what an instruction does, by its opcode (one byte, or a prefix and the next): the table reads (ld r,(hl), add and adc
# a,(hl)); the page and entry steps (inc and dec h, ld h,n, inc and dec l); the masks into L (ld l,r); the pops (pop bc,
# de, hl); the sums (add ix,bc and de, add hl,bc and de, the low planes' add a,e / ld e,a / adc a,d / ld d,a / rra /
# rr e); the doublings (add ix,ix, add hl,hl)
TABLE_READS = "table reads"
KINDS = {TABLE_READS: (0x46, 0x4E, 0x56, 0x5E, 0x66, 0x6E, 0x7E, 0x86, 0x8E),
         "page and entry steps": (0x24, 0x25, 0x26, 0x2C, 0x2D),
         "masks into L": (0x68, 0x69, 0x6A, 0x6B, 0x6C, 0x6F),
         "pops": (0xC1, 0xD1, 0xE1),
         "sums": (0xDD09, 0xDD19, 0x09, 0x19, 0x83, 0x5F, 0x8A, 0x57, 0x1F, 0xCB1B),
         "doublings": (0xDD29, 0x29)}
CLASS_BYTES = "wp_row_bits"      # (the 48K's: its ld c,(hl) reads the next 7 rows' class bits, not a table: the rest's)
LOOKUP_KINDS = (TABLE_READS, "page and entry steps", "masks into L", "pops", "sums")  # (a lookup's, a row end's add)
REST = "starts, class tests, ends, shifts, stores"
PREFIXES = (0xCB, 0xDD, 0xED, 0xFD)
INDEX_PREFIXES = (0xDD, 0xFD)


def kind_of(opcode: bytes) -> str:
    """The kind (KINDS, or REST) of the instruction whose first bytes are `opcode`."""
    code = opcode[0] << 8 | opcode[1] if opcode[0] in PREFIXES else opcode[0]
    return next((kind for kind, codes in KINDS.items() if code in codes), REST)


def part_of(name: str) -> str | None:
    """"q, k and v" or "fc1" for a row routine's name (routine_of's), else None."""
    if name in ROW_NAMES or name.startswith(ROW_PREFIXES):
        return "q, k and v"
    if name.startswith(FC1_ROW_PREFIXES):
        return "fc1"
    return None


def lookups_48k(soul) -> int:
    """The 48K's q, k and v lookups a reply step: 28 a narrow row (plane_classes: no plane 6), 32 a wide one."""
    return sum(32 - 4 * narrow for name in zx_build.PLANES_MATRICES
               for narrow in plane_classes(np.asarray(soul[name].values, dtype=np.int64)))


def group_form_lookups(soul) -> int:
    """The lookups the 128K's group forms (z80_group_narrow.py's form_of) save a reply step on the soul's q, k and v."""
    return sum(max(0, form_of(group_widths(row))[1]) for name in zx_build.PLANES_MATRICES
               for row in np.asarray(soul[name].values, dtype=np.int64))


def rows_profile(model: str, prompts, soul, tokenizer):
    """The reply steps single-stepped on `model`'s player; returns (steps, T-states by (part, kind), visits by
    (part, kind), T-states by routine)."""
    bench = player_bench(soul, tokenizer, model)
    routine_at = routine_of(bench)
    t_states, visits, by_routine = collections.Counter(), collections.Counter(), collections.Counter()
    last = [-2]         # the step before's address (a DD or FD prefix steps apart, then the rest a byte on)

    def charge(pc, spent):
        start = pc - 1 if pc == last[0] + 1 and bench.peek(last[0])[0] in INDEX_PREFIXES else pc
        last[0] = pc
        name = routine_at(start)
        part = part_of(name)
        if part is None:
            return
        kind = REST if name == CLASS_BYTES else kind_of(bench.peek(start, 2))
        t_states[part, kind] += spent
        visits[part, kind] += start == pc
        by_routine[name] += spent

    steps = single_stepped_turns(bench, prompts, tokenizer, Engine(soul), charge)
    return len(steps), t_states, visits, by_routine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_prompt_arguments(parser)
    args = parser.parse_args()
    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    prompts = chosen_prompts(args)
    profiles = {model: rows_profile(model, prompts, soul, tokenizer) for model in ("48k", "128k")}
    for model, (steps, t_states, visits, by_routine) in profiles.items():
        print(f"the {model} player, {len(prompts)} turn(s), {steps} reply steps; by routine, a reply step: "
              + ", ".join(f"{name} {spent / steps:,.0f}" for name, spent in by_routine.most_common()))
    for part, rows in (("q, k and v", QKV_ROWS), ("fc1", FC1_ROWS)):
        print(f"{part}'s rows ({rows} a reply step): T-states a reply step, 48K / 128K, then a row's, 48K / 128K / "
              "the 48K's more")
        kinds = (*KINDS, REST)
        totals = {model: 0.0 for model in profiles}
        for kind in (*kinds, "all"):
            step = {}
            for model, (steps, t_states, _, _) in profiles.items():
                step[model] = totals[model] if kind == "all" else t_states[part, kind] / steps
                totals[model] += step[model] if kind != "all" else 0
            print(f"  {kind:42} {step['48k']:>9,.0f} {step['128k']:>9,.0f}   {step['48k'] / rows:>7,.1f} "
                  f"{step['128k'] / rows:>7,.1f} {(step['48k'] - step['128k']) / rows:>+7,.1f}")
        reads = {model: visits[part, TABLE_READS] / steps for model, (steps, _, visits, _) in profiles.items()}
        print(f"  table reads a reply step (2 a lookup): 48K {reads['48k']:,.0f}, 128K {reads['128k']:,.0f}")
    steps, t_states, visits, _ = profiles["48k"]
    lookup = sum(t_states["q, k and v", kind] for kind in LOOKUP_KINDS) / (visits["q, k and v", TABLE_READS] / 2)
    saved = group_form_lookups(soul)
    print(f"the 48K's q, k and v lookups: {lookups_48k(soul):,} a reply step by the soul's classes, "
          f"{visits['q, k and v', TABLE_READS] / 2 / steps:,.0f} run; {lookup:.1f} T-states a lookup with its share "
          "of the pops and the row end's add")
    print(f"the 128K's group forms on the 48K's byte masks: {saved} lookups fewer a reply step, {saved * lookup:,.0f} "
          f"T-states at most, less a jump in and out a form row ({2 * JUMP}), its form's dispatch and the two builds' "
          f"T[W] ({2 * TABLE_BUILD:,}): a byte mask names no group, so each set W needs its own entry code")


if __name__ == "__main__":
    main()
