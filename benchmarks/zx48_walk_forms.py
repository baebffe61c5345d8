"""The 48K's means' walk (attention.s's AT_TABLE_BY_DIMENSION) against structural forms of it, counted on reply steps.

Today each dimension of a head walks every position from the first: `ld a,(de) / inc e / cp 1` and two `jr` tell w = 0,
w = 1 and w >= 2 apart, and each way ends with the count's `dec e / exx / jp nz`, so that a weight of 0 costs 62
T-states in each of the head's 8 dimensions. The forms weighed here (thirty-eighth round, zx48walk38) each make a head's
walk once, after its weights' loop, and follow it in every dimension:

- AT_ZEROS_UNCOUNTED (this round's, built): the weights' loop counts each 0 off the walk's count (`ld hl,nn / dec
  (hl)`, 21 a key and head of weight 0), @zero pops v past and jumps back with no count (50 a position-dimension for
  62), and the walk ends on the last nonzero weight (no visit to a trailing 0).
- AT_SKIP_LEADING_ZEROS (thirty-second round, vecops.s's at_leading_zeros, built): the walk from the head's first
  nonzero weight (45 T-states a leading 0 and 81 a head, once; 496 a leading 0 fewer in the walk).
- the threaded list: a row of [way, w] pairs in a page, each way ending on the list's dispatch (`ld a,(de) / inc e /
  ld l,a / ld h,n / ld a,(de) / inc e / jp (hl)`, 37); a run of k weights of 0 one entry, a way into a ladder of
  `pop hl` (10 k), the list ending on the dimension's end.
- the generated walk: straight code a head, `pop hl` for a weight of 0, w = 1's 2 v in line, w >= 2 a stub `ld de,next /
  ld a,w / jp way` whose way ends `exx / ex de,hl / jp (hl)` (SP walks v: no call can come back).
- the generated walk by runs (thirty-ninth round, zx48walkruns39b, built): as the generated walk, but each run of w >= 2
  one stub `ld a,w / ld de,data / jp @run_first` (its first w), the run's other weights a byte each and a 0 after them,
  read by the way (`exx / ld a,(de) / inc e / or a / jp nz`), which ends on the 0 with `ex de,hl / jp (hl)`.
- the row of runs: today's loop on a row of its own, a run of 0s as [0, 2k] stepping SP at once (79), the trailing
  0s left out of the count.

Each form's costs are counted from its instructions (the constants below, with the instructions in their comments);
the walk's bodies (w = 1's 2 v, at_table_position and its negative copy) are the same in every form and left out,
so the figures are the change against main's walk (5975c04), a reply step (both layers), and in the place of this
round's. The census is the engine's own weights (soulterm.soul.engine, attention_lut) on the set's reply steps, as
zx48_means_walk.py's; no Z80 runs.

    python benchmarks/zx48_walk_forms.py [TEXT | --everyday | --prompts FILE]
"""

from __future__ import annotations

import collections

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.player.bench import prompts_from_command_line
from soulterm.soul import spec
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx.kernelbench import reply_step_states

DIMS = spec.HEAD_DIM
# today's walk, the parts no form keeps (T-states): the dispatch ld a,(de) 7 / inc e 4 / cp 1 7
TODAY_DISPATCH = 7 + 4 + 7
# w = 0: jr c,@zero 12; pop hl 10 / exx 4 / dec e 4 / exx 4 / jp nz 10
TODAY_ZERO = TODAY_DISPATCH + 12 + 10 + 4 + 4 + 4 + 10
# w = 1: jr c 7 / jr z,@one 12, and its end's dec e 4 / jp nz 10 (its exx pair and 2 v's add stay in every form)
TODAY_ONE = TODAY_DISPATCH + 7 + 12 + 4 + 10
# w >= 2: jr c 7 / jr z 7, and @counted's dec e 4 / jp nz 10 (the exx back stays)
TODAY_TWO = TODAY_DISPATCH + 7 + 7 + 4 + 10
# a dimension's ld de,at_lut 10 and ld e,count 7
TODAY_DIMENSION = 10 + 7

# AT_ZEROS_UNCOUNTED: @zero's pop hl 10 / jp @position 10 after the dispatch and jr c; @far's ld hl,nn 10 / dec (hl) 11
UNCOUNTED_ZERO = TODAY_DISPATCH + 12 + 10 + 10
UNCOUNTED_WEIGHT = 10 + 11

# at_leading_zeros (vecops.s), once a head: cp (hl) 7 / jr nz 7 / inc l 4 / add ix,de 15 / jr 12 a leading 0; its
# ld hl,(nn) 16 / ld de,2 10 / xor a 4 / the last cp and jr nz 19 / ld (nn),hl 16 / ld a,c 4 / sub l 4 / ld (nn),a 13 /
# jp 10, attend_head's jp 10 for its ld (nn),a 13 and jr 12
LEADING_ZERO = 7 + 7 + 4 + 15 + 12
LEADING_HEAD = 16 + 10 + 4 + 19 + 16 + 4 + 4 + 13 + 10 + 10 - 13 - 12

# the threaded list: its dispatch
THREADED_DISPATCH = 7 + 4 + 4 + 7 + 7 + 4 + 4
THREADED_POP = 10               # pop hl, a weight of 0 in a run's ladder
# a dimension: ld de,list 10 and the end entry's dispatch
THREADED_DIMENSION = 10 + THREADED_DISPATCH
# the list made once a head from the weights' row (DE), in HL, B counting, C past the last run's entry:
# ld a,(de) 7 / inc e 4 / cp 1 7 / jr c 7, then w >= 2: jr z 7 / ld (hl),way 10 / inc l 4 / ld (hl),a 7 / inc l 4 /
# djnz 13; w = 1: jr z 12 / ld (hl),way 10 / jr 12 / the same four and djnz; w = 0 (jr c 12): ld a,l 4 / cp c 4 /
# jr nz 7, dec l / dec l / dec (hl) / inc l / inc l 27 / djnz 13 (a run's next 0), or jr nz 12 / ld (hl),way 10 /
# inc l / inc l 8 / ld c,l 4 / djnz 13 (a run's first)
THREADED_MAKE_TWO = 7 + 4 + 7 + 7 + 7 + 10 + 4 + 7 + 4 + 13
THREADED_MAKE_ONE = 7 + 4 + 7 + 7 + 12 + 10 + 12 + 4 + 7 + 4 + 13
THREADED_MAKE_ZERO = 7 + 4 + 7 + 12 + 4 + 4 + 7 + 27 + 13
THREADED_MAKE_RUN = 7 + 4 + 7 + 12 + 4 + 4 + 12 + 10 + 8 + 4 + 13
# a head: ld de,(at_means_walk + 1) 20 / ld hl,list 10 / ld c,0 7 / ld a,(at_count) 13 / ld b,a 4, the end entry 14
THREADED_HEAD = 20 + 10 + 7 + 13 + 4 + 14

# the generated walk: a 0's pop hl; w >= 2's stub ld de,nn 10 / ld a,n 7 / jp nn 10, its way's or a 4 (the carry clear
# for the table: zx48genwalk39 found it, zx48walkruns39b counts it) and end ex de,hl 4 / jp (hl) 4; w = 1's 2 v in
# line (no dispatch); a dimension's jp code 10 and the code's jp to its end 10
GENERATED_ZERO = 10
GENERATED_TWO = 10 + 7 + 10 + 4 + 4 + 4
GENERATED_DIMENSION = 10 + 10
# made once a head: the read and tests as the threaded list's (ld a,(de) / inc e / cp 1 / jr c / jr z, 32-37), then
# w = 0: ld (hl),$E1 10 / inc l 4 / djnz 13; w = 1: its 11 bytes, ld (hl),n 10 / inc l 4 each, djnz 13; w >= 2: its
# 8 bytes, ld (hl),n 10 / inc l 4 each, next's low byte ld c,a / ld a,l / add a,n 15, w's ld (hl),c 7 less 3, djnz 13
GENERATED_MAKE_ZERO = 7 + 4 + 7 + 12 + 10 + 4 + 13
GENERATED_MAKE_ONE = 7 + 4 + 7 + 7 + 12 + 11 * (10 + 4) + 13
GENERATED_MAKE_TWO = 7 + 4 + 7 + 7 + 7 + 8 * (10 + 4) + 15 - 3 + 13
GENERATED_HEAD = 20 + 10 + 13 + 4 + 3 * (10 + 4)

# the generated walk by runs: a run's stub ld a,n 7 / ld de,nn 10 / jp nn 10, @run_first's or a 4 and its end's ex de,hl
# 4 / jp (hl) 4 a run-dimension; a position's read ld a,(de) 7 / inc e 4 / or a 4 / jp nz 10 (the last one the 0's);
# a negative v's jr into the positive way's rest 12 (v's sign is not in the weights: taken as even, zx48genwalk39's
# profile of @two and @two_negative)
RUNS_RUN = 10 + 7 + 10 + 4 + 4 + 4
RUNS_POSITION = 7 + 4 + 4 + 10
RUNS_NEGATIVE_SHARE = 0.5
RUNS_NEGATIVE = 12
# made once a head: a run's first as the generated walk's w >= 2 with @make_run's dec c 4 / jr z 7 for its dec c /
# jr nz; its others ld a,(de) 7 / inc e 4 / cp 2 7 / jr c 7 / ld (hl),a 7 / inc l 4 / jr 12 / dec c 4 / jr z 7; its
# end cp 2 7 / jr c 12 / ld (hl),0 10 / inc l 4 / jr c 12 for the next weight's tests (cp 1 again), less that
# weight's read (7 + 4, done in the run's loop)
RUNS_MAKE_FIRST = GENERATED_MAKE_TWO - 13 + 4 + 7
RUNS_MAKE_OTHER = 7 + 4 + 7 + 7 + 7 + 4 + 12 + 4 + 7
RUNS_MAKE_END = 7 + 12 + 10 + 4 + 12 - 7 - 4

# the row of runs: today's loop on its own row, a run of 0s [0, 2k]: the dispatch, jr c 12, ld a,(de) 7 / inc e 4 /
# ld l,a 4 / ld h,0 7 / add hl,sp 11 / ld sp,hl 6 / jp @position 10 (no count); trailing 0s out of the count
RUN_SKIP = TODAY_DISPATCH + 12 + 7 + 4 + 4 + 7 + 11 + 6 + 10
# made once a head: ld a,(de) 7 / inc e 4 / or a 4 / jr z 7 / ld (hl),a 7 / inc l 4 / djnz 13 a weight above 0; a run's
# first 0 jr z 12 and its two bytes (ld (hl),0 10 / inc l 4 / ld (hl),2 10 / ld c,l 4 / inc l 4) and djnz, its next
# ones jr z 12 / ld a,l 4 / cp c 4 / jr nz 7 / inc (hl) twice 22 / djnz 13; the count's end 30 a head
RUN_MAKE_WEIGHT = 7 + 4 + 4 + 7 + 7 + 4 + 13
RUN_MAKE_FIRST = 7 + 4 + 4 + 12 + 10 + 4 + 10 + 4 + 4 + 13
RUN_MAKE_NEXT = 7 + 4 + 4 + 12 + 4 + 4 + 7 + 22 + 13
RUN_HEAD = 20 + 10 + 13 + 4 + 30


def head_census(weights) -> collections.Counter:
    """One head's weights (a reply step's row): its leading, inside and trailing 0s, the inside 0s' runs, w = 1
    and w >= 2."""
    census = collections.Counter(heads=1, positions=len(weights))
    lead = next((i for i, w in enumerate(weights) if w), len(weights))
    trail = next((i for i, w in enumerate(reversed(weights)) if w), len(weights)) if lead < len(weights) else 0
    census["leading 0s"] += lead
    census["trailing 0s"] += trail
    census["heads with leading 0s"] += lead > 0
    census["heads with trailing 0s"] += trail > 0
    run = False
    for w in weights[lead:len(weights) - trail]:
        census["inside 0s"] += w == 0
        census["inside runs"] += w == 0 and not run
        run = w == 0
    census["w >= 2 runs"] += sum(1 for j, w in enumerate(weights) if w >= 2 and (j == 0 or weights[j - 1] < 2))
    census["w = 1"] += sum(1 for w in weights if w == 1)
    census["w >= 2"] += sum(1 for w in weights if w >= 2)
    return census


def weights_census(prompts, tokenizer, engine) -> collections.Counter:
    """Every reply step's heads (both layers), summed; "steps" counts the reply steps."""
    census = collections.Counter()
    for position, state in reply_step_states(prompts, tokenizer, engine):
        census["steps"] += 1
        for layer in range(spec.N_LAYERS):
            for row in state.last.attention_lut[layer]:
                census += head_census([int(w) for w in row[:position + 1]])
    return census


def form_changes(census) -> dict:
    """Each form's change against today's walk, T-states over the census (negative: fewer)."""
    zeros = census["leading 0s"] + census["inside 0s"] + census["trailing 0s"]
    ones, twos, heads = census["w = 1"], census["w >= 2"], census["heads"]
    dimensions = heads * DIMS
    today = DIMS * (zeros * TODAY_ZERO + ones * TODAY_ONE + twos * TODAY_TWO) + dimensions * TODAY_DIMENSION
    # a head's runs of 0s: the leading run (where there is one), the inside ones and the trailing one
    leading_runs = census["heads with leading 0s"]
    runs = leading_runs + census["inside runs"] + census["heads with trailing 0s"]
    uncounted = (DIMS * (zeros - census["trailing 0s"]) * (UNCOUNTED_ZERO - TODAY_ZERO)
                 - DIMS * census["trailing 0s"] * TODAY_ZERO + zeros * UNCOUNTED_WEIGHT)
    leading = (-DIMS * census["leading 0s"] * TODAY_ZERO + census["leading 0s"] * LEADING_ZERO
               + heads * LEADING_HEAD)
    threaded = (DIMS * (runs * THREADED_DISPATCH + zeros * THREADED_POP + (ones + twos) * THREADED_DISPATCH)
                + dimensions * THREADED_DIMENSION + twos * THREADED_MAKE_TWO + ones * THREADED_MAKE_ONE
                + runs * THREADED_MAKE_RUN + (zeros - runs) * THREADED_MAKE_ZERO + heads * THREADED_HEAD) - today
    generated = (DIMS * (zeros * GENERATED_ZERO + twos * GENERATED_TWO) + dimensions * GENERATED_DIMENSION
                 + zeros * GENERATED_MAKE_ZERO + ones * GENERATED_MAKE_ONE + twos * GENERATED_MAKE_TWO
                 + heads * GENERATED_HEAD) - today
    two_runs = census["w >= 2 runs"]
    by_runs = (DIMS * (zeros * GENERATED_ZERO + two_runs * RUNS_RUN + twos * RUNS_POSITION
                       + twos * RUNS_NEGATIVE_SHARE * RUNS_NEGATIVE) + dimensions * GENERATED_DIMENSION
               + zeros * GENERATED_MAKE_ZERO + ones * GENERATED_MAKE_ONE + two_runs * (RUNS_MAKE_FIRST + RUNS_MAKE_END)
               + (twos - two_runs) * RUNS_MAKE_OTHER + heads * GENERATED_HEAD) - today
    inner_runs = leading_runs + census["inside runs"]
    run_row = (DIMS * (inner_runs * RUN_SKIP + ones * TODAY_ONE + twos * TODAY_TWO) + dimensions * TODAY_DIMENSION
               + (ones + twos) * RUN_MAKE_WEIGHT + inner_runs * RUN_MAKE_FIRST
               + (census["leading 0s"] + census["inside 0s"] - inner_runs) * RUN_MAKE_NEXT
               + census["trailing 0s"] * RUN_MAKE_WEIGHT + heads * RUN_HEAD) - today
    return {"AT_ZEROS_UNCOUNTED (this round's, built)": uncounted,
            "AT_SKIP_LEADING_ZEROS (at_leading_zeros, built)": leading, "the threaded list": threaded,
            "the generated walk": generated, "the generated walk by runs (built)": by_runs,
            "the row of runs": run_row}


def main() -> None:
    prompts = prompts_from_command_line(__doc__.splitlines()[0])
    engine, tokenizer = Engine(load_soul(DEFAULT_SOUL)), Tokenizer.load(DEFAULT_TOKENIZER)
    census = weights_census(prompts, tokenizer, engine)
    steps = census["steps"]
    print(f"{len(prompts)} turn(s), {steps} reply steps; a reply step's heads (both layers), the engine's weights:")
    for key in ("positions", "leading 0s", "inside 0s", "inside runs", "trailing 0s", "w = 1", "w >= 2",
                "w >= 2 runs"):
        print(f"  {key:14} {census[key] / steps:>7,.1f}  (x {DIMS} dimensions: "
              f"{DIMS * census[key] / steps:,.1f})")
    print("each form against main's walk, and in the place of this round's AT_ZEROS_UNCOUNTED, T-states a reply step"
          " (counted from its instructions; the bodies alike):")
    changes = form_changes(census)
    uncounted = changes["AT_ZEROS_UNCOUNTED (this round's, built)"]
    for form, change in changes.items():
        print(f"  {form:50} {change / steps:>+9,.0f} {(change - uncounted) / steps:>+9,.0f}")


if __name__ == "__main__":
    main()
