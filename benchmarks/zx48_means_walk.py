"""The 48K's attention means (AT_TABLE_MEANS) on a reply step: where attend_head's T-states go, and a kept walk weighed.

Runs each turn on the 48K player's own program (kernelbench.player_bench, as z80_token.py; every
step checked against the engine) and single-steps each forward_step, charging every instruction
in the heads' means code (attend_head, at_means_walk, at_means_divide, vecops.s's at_leading_zeros
and at_wide_dimension) to the nearest local label at or below its PC, and counting the walk's
position-dimensions by their way (attend_head@low_byte: a weight of 2 or more and v in 0..255;
@negative: v in -256..-1; @one: a weight of 1; @zero: a weight of 0; @wide: v beyond -256..255).
Prints the means over the reply steps (both layers), grouped: the weights' loop, the walk's ways
(with their T-states a position-dimension), each dimension's set-up and store, the division.

Then weighs the kept walk in the form the 48K's table allows (thirty-fifth round, docs/spectrum.md):
with w' = w - 128 and u = v + 128 (v in -128..127),
    2 w v = S(w') + S(u) - 16384 - S(w - u),   |w - u| <= 255 (matvec's squares, S(n), n = -255..255),
so a dimension starts at C + K[d] (C = sum_j S(w'_j) - 16384 (t + 1), the head's, from the weights'
loop; K[d] = sum_j S(v_j + 128), kept as each v enters) and each position, weights of 0 included,
takes one read of S(w - u) off. From the engine's own activations on the same turns: how often v
lies outside -128..127 (a head-dimension with one such v keeps today's walk), the position-dimensions
the kept walk would visit, and its T-states counted from the loop below (KEPT_POSITION: a cache
entry stored as X = $80FF - v, so that X + w is &S(w - u)'s low byte), against the measured walk.

    python benchmarks/zx48_means_walk.py [TEXT | --everyday | --prompts FILE]
"""

from __future__ import annotations

import bisect
import collections

import numpy as np

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.player.bench import prompts_from_command_line
from soulterm.soul import spec
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx.kernelbench import player_bench, reply_step_states, single_stepped_turns
from z80_profile import routine_of

# the means code's routines whose local labels are charged (the rest of a step is not counted here)
MEANS_ROUTINES = ("attend_head", "at_means_walk", "at_means_divide", "at_leading_zeros", "at_wide_dimension")
# the walk's ways, each entered once a position-dimension
WAYS = {"attend_head@low_byte": "w >= 2, v in 0..255", "attend_head@negative": "w >= 2, v in -256..-1",
        "attend_head@one": "w = 1", "attend_head@zero": "w = 0", "attend_head@wide": "v beyond -256..255"}
# the labels at and after at_means_walk (attend_head@lut_means) up to at_means_divide: the routine
# at_means_walk in the profiles; attend_head's other labels (the walk's ways out of line among them) are attend_head's
WALK_LABELS = {"attend_head@" + label for label in ("lut_means", "weight_squares", "weight_squares_high", "positions",
                                                     "position", "low_byte", "counted", "positions_done", "divisor",
                                                     "divide", "stack", "out", "store", "last", "head_end",
                                                     "subtract", "wrap")}
# how each label's T-states are grouped
GROUPS = (("the weights' loop", ("@weights", "@weight", "@max_low", "@max_high", "@near", "@weighed",
                                  "@far_weighed", "@past", "@far", "@weights_done")),
          ("the walk: a position's dispatch (@position)", ("@position",)),
          ("the walk: w >= 2, v in 0..255 (at_table_position)", ("@low_byte", "@counted")),
          ("the walk: w >= 2, v in -256..-1 (its own copy)", ("@negative",)),
          ("the walk: w = 1 (2 v whole)", ("@one",)),
          ("the walk: w = 0 (strided past)", ("@zero",)),
          ("a dimension's set-up, sum and store", ("@dimension", "at_means_walk", "@lut_means", "@weight_squares",
                                                   "@weight_squares_high", "@positions", "@positions_done",
                                                   "@divisor", "@stack", "@divide", "@out", "@store", "@last")),
          ("the division (at_means_divide)", ("at_means_divide",)),
          ("the leading 0s (at_leading_zeros)", ("at_leading_zeros",)),
          ("a wide v's product loop (at_wide_dimension)", ("at_wide_dimension",)))

# The kept walk's position, counted (T-states; dimension-major values as X = $80FF - v, SP pops them,
# DE the weights, IXL the positions left, IXH:B:C the sum):
#   ld a,(de) 7; inc e 4; pop hl 10; add a,l 4; ld l,a 4; jr nc,same 12 (7 + inc h 4 on a carry);
#   ld a,c 4; sub (hl) 7; ld c,a 4; inc h 4; inc h 4; ld a,b 4; sbc a,(hl) 7; ld b,a 4;
#   jr c,borrow 7 (out of line: dec ixh and the loop's end again, ~1 position in 9);
#   dec ixl 8; jp nz,position 10
KEPT_POSITION = 7 + 4 + 10 + 4 + 4 + 12 + 4 + 7 + 4 + 4 + 4 + 4 + 7 + 4 + 7 + 8 + 10
# the full form's position (v in -256..255, X = $817F - v): the far test (X + w at $827F or more: w - v >= 256)
# after the add, ld a,h 4; cp $82 7; jr z,high 7 (the page-$82 positions' ld a,l; cp $7F; jr nc,far more)
KEPT_FULL_POSITION = KEPT_POSITION + 4 + 7 + 7
# a dimension's start: C + K[d] in three bytes from the kept sums (ld a,(hl) / add a,n / inc l thrice, the
# pointer kept, SP and the count set): counted as the 128K's at_kept_dimension@next_dimension's with its pointer
KEPT_DIMENSION_START = 3 * (7 + 7 + 4 + 4) + 16 + 10 + 11 + 6 + 10 + 8
# a v's upkeep as it enters the cache (both layers, every position): X = $80FF - v stored dimension-major,
# its range tested, S(v + 128) read and added to K[d] in three bytes (counted from a sketch of kv_values_kept's
# loop: ld e,(hl) 7; inc hl 6; ld d,(hl) 7; inc hl 6; the range test (ld a,e; add a,128; ld a,d; adc a,0) 19
# and jr nz 7; X = $80FF - v (ld a,$FF; sub e; ld (ix),a; ld a,$80; sbc a,d; ld (ix+1),a) 52; &S(u) and its
# two bytes 30; the 3-byte add through (iy) 3 x 19; the pointers' steps 20)
KEPT_UPKEEP_WORD = 7 + 6 + 7 + 6 + 19 + 7 + 52 + 30 + 57 + 20


def means_profile(bench, prompts, tokenizer, engine):
    """The reply steps single-stepped; returns (steps, T-states by label, entries by label, step T-states)."""
    labels = sorted((value, name) for name, value in bench.symbols.items() if isinstance(value, int)
                    and name.split("@")[0] in MEANS_ROUTINES)
    starts = [value for value, _ in labels]
    routine_at = routine_of(bench)
    t_states, entries = collections.Counter(), collections.Counter()
    entry_points = {value: name for value, name in labels if name in WAYS}

    def charge(pc, spent):
        if pc in entry_points:
            entries[entry_points[pc]] += 1
        if routine_at(pc) in MEANS_ROUTINES:
            t_states[labels[bisect.bisect_right(starts, pc) - 1][1]] += spent

    step_totals = single_stepped_turns(bench, prompts, tokenizer, engine, charge)
    return len(step_totals), t_states, entries, step_totals


def activation_census(prompts, tokenizer, engine, leading=True, uncounted=False):
    """The engine's reply steps (the positions forward_step computes): per step and layer, the head-dimensions
    and position-dimensions by v's range, and the kept walk's visits. `leading`: the player's walk starts at each
    head's first nonzero weight (AT_SKIP_LEADING_ZEROS); `uncounted`: it ends on the last (AT_ZEROS_UNCOUNTED,
    thirty-eighth round)."""
    census = collections.Counter()
    for position, state in reply_step_states(prompts, tokenizer, engine):
        census["steps"] += 1
        for layer in range(spec.N_LAYERS):
            values = state.values[layer, :position + 1]             # (t + 1, heads, dims)
            lut = state.last.attention_lut[layer]                    # (heads, t + 1)
            narrow = (values >= -128) & (values <= 127)
            census["position-dimensions"] += values.size
            census["v outside -128..127"] += int((~narrow).sum())
            census["v outside -256..255"] += int(((values < -256) | (values > 255)).sum())
            dims_narrow = narrow.all(axis=0)                         # (heads, dims)
            census["head-dimensions"] += dims_narrow.size
            census["head-dimensions with a v outside -128..127"] += int((~dims_narrow).sum())
            census["kept walk's position-dimensions"] += int(dims_narrow.sum()) * (position + 1)
            weights = np.repeat(lut[:, :, None], spec.HEAD_DIM, axis=2).transpose(1, 0, 2)   # as values
            census["weight-0 position-dimensions"] += int((weights == 0).sum())
            census["w - v of 256 or more (the full form's far way)"] += int((weights - values >= 256).sum())
            first = np.argmax(lut > 0, axis=1) if leading else np.zeros(len(lut), dtype=int)  # the walk's first
            last = position - np.argmax(lut[:, ::-1] > 0, axis=1) if uncounted else np.full_like(first, position)
            places = np.arange(position + 1)[:, None, None]
            walked = np.repeat((places >= first[None, :, None]) & (places <= last[None, :, None]), spec.HEAD_DIM,
                               axis=2)
            # (today's walk leaves a dimension at its first v beyond -256..255 of a weight of 2 or more: @wide,
            # then vecops.s's product loop)
            stops = walked & (weights >= 2) & ((values < -256) | (values > 255))
            stopped = np.cumsum(stops, axis=0) - stops > 0              # past a dimension's @wide
            census["walked past the leading 0s"] += int((walked & ~stopped).sum())
            walked = walked & dims_narrow[None, :, :]
            for way, where in (("@zero", weights == 0), ("@one", weights == 1),
                               ("@low_byte", (weights >= 2) & (values >= 0)),
                               ("@negative", (weights >= 2) & (values < 0))):
                census["narrow " + way] += int((walked & where).sum())
    return census


def main() -> None:
    prompts = prompts_from_command_line(__doc__.splitlines()[0])
    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    engine = Engine(soul)
    bench = player_bench(soul, tokenizer, "48k")
    steps, t_states, entries, step_totals = means_profile(bench, prompts, tokenizer, engine)
    census = activation_census(prompts, tokenizer, engine, "AT_SKIP_LEADING_ZEROS" in bench.symbols,
                               "AT_ZEROS_UNCOUNTED" in bench.symbols)
    assert census["steps"] == steps, (census["steps"], steps)
    assert census["walked past the leading 0s"] == sum(entries[name] for name in WAYS), "the census is not the walk's"
    means_total = sum(t_states.values())
    print(f"the 48K player, {len(prompts)} turn(s), {steps} reply steps: {np.mean(step_totals):,.0f} T-states a step; "
          f"the heads' means code {means_total / steps:,.0f} a step (both layers)")
    short = {name: name.replace("attend_head", "") if name.startswith("attend_head@") else name.split("@")[0]
             for name in t_states}
    for group, members in GROUPS:
        total = sum(t for name, t in t_states.items() if short[name] in members)
        print(f"  {group:58} {total / steps:>9,.0f}")
    print("the walk's ways, a reply step (both layers): position-dimensions, T-states each (the way's own code,"
          " with its share of @position)")
    visits = sum(entries[name] for name in WAYS)
    dispatch = t_states["attend_head@position"]
    walked = dispatch
    for name, meaning in WAYS.items():
        own = t_states[name] + (t_states["attend_head@counted"] if name == "attend_head@low_byte" else 0)
        walked += own
        if entries[name]:
            print(f"  {name:24} {meaning:24} {entries[name] / steps:>8,.1f}  "
                  f"{(own + dispatch * entries[name] / visits) / entries[name]:>6.1f}")
    routine_totals = collections.Counter()
    for name, spent in t_states.items():
        routine_totals["at_means_walk" if name in WALK_LABELS else name.split("@")[0]] += spent
    print("  by routine, a layer (as z80_step_phases.py names them): " + ", ".join(
        f"{name} {spent / steps / spec.N_LAYERS:,.0f}" for name, spent in routine_totals.most_common()))
    print(f"  all the walk's positions: {visits / steps:,.1f} a step, {walked / steps:,.0f} T-states, "
          f"{walked / max(1, visits):.1f} each")
    print("the engine's activations on the same reply steps (both layers):")
    for key in ("position-dimensions", "v outside -128..127", "v outside -256..255", "weight-0 position-dimensions",
                "w - v of 256 or more (the full form's far way)",
                "head-dimensions", "head-dimensions with a v outside -128..127", "kept walk's position-dimensions"):
        print(f"  {key:48} {census[key] / steps:>9,.1f} a step  ({census[key]:,})")
    each = {name: (t_states[name] + (t_states["attend_head@counted"] if name == "attend_head@low_byte" else 0)
                   + dispatch * entries[name] / visits) / entries[name] for name in WAYS if entries[name]}
    kept_visits = census["kept walk's position-dimensions"] / steps
    narrow_share = 1 - census["head-dimensions with a v outside -128..127"] / census["head-dimensions"]
    kept_walk = kept_visits * KEPT_POSITION + narrow_share * census["head-dimensions"] / steps * KEPT_DIMENSION_START
    # (a head-dimension with a v outside -128..127 walks as today: its share of today's walk kept)
    today_kept_share = sum(census["narrow " + name.replace("attend_head", "")] * cost
                           for name, cost in each.items()) / steps
    upkeep = 2 * spec.N_HEADS * spec.HEAD_DIM * KEPT_UPKEEP_WORD
    print(f"the kept walk, counted: {KEPT_POSITION} T-states a position-dimension, {KEPT_DIMENSION_START} a "
          f"dimension's start, {KEPT_UPKEEP_WORD} a v's upkeep ({upkeep:,} a position, both layers)")
    print(f"  the narrow head-dimensions' walk today {today_kept_share:,.0f} -> kept {kept_walk:,.0f} a step: "
          f"{kept_walk - today_kept_share:+,.0f}; with the upkeep {kept_walk - today_kept_share + upkeep:+,.0f} "
          f"a reply step, the upkeep alone {upkeep:+,} a prompt position")
    print("  (today's walk on those head-dimensions: their positions past the leading 0s by way, from the engine, times"
          " each way's measured T-states above)")
    all_positions = census["position-dimensions"] / steps
    full_walk = all_positions * KEPT_FULL_POSITION + census["head-dimensions"] / steps * KEPT_DIMENSION_START
    print(f"the full form (every v in -256..255 kept, the far way's out-of-line work left out: a lower bound), "
          f"{KEPT_FULL_POSITION} a position-dimension: the walk today {walked / steps:,.0f} -> {full_walk:,.0f} a step: "
          f"{full_walk - walked / steps:+,.0f}; with the upkeep {full_walk - walked / steps + upkeep:+,.0f}")


if __name__ == "__main__":
    main()
