"""What grows with the context in a reply step: the 128K player's per-key and per-position work, counted.

Runs each prompt's turn (TEXT, `--everyday`'s ten or a prompts file's, in order on
one player, as z80_token.py; every step checked against the engine) on the
player's own program and single-steps each forward_step (as z80_step_phases.py),
counting a step's visits to the places where attention's work grows with the
context and fc2's with z's nonzero count:

- keys: pl_keys@key (a head's key scored by bit planes, both layers' heads),
  twelve: pl_keys@twelve (a key of 12 planes);
- weights: the weights' loop (attend_head@weight; at_short_weights@weight for pl_keys' heads since
  the thirty-third round's AT_SHORT_SCORES), zeros: at_zero_weight (at_short_weights@zero);
- kept: the kept walk's positions and dimensions (at_kept_dimension@position, and @position_odd
  since the thirty-third round's AT_KEPT_PAIRS, whose copies of the ways out count as theirs),
  of which neg: v < 0 (at_kept_negative), above: v >= 0 with w - v >= 0
  (at_kept_above), far: v < 0 with w - v >= 256 (at_kept_far); with the
  thirty-first round's paged cache (AT_PAGED_VALUES, the 128K player's since
  zxvpage31) nob: w - vl >= 0 (at_kept_no_borrow, far's way too) in place of
  neg and above;
- fast: the fast walk's positions and dimensions (at_fast_dimension@position),
  chk: those of a head with a v beyond -256..255 (at_fast_checked, paged);
- nz: fc2's nonzero columns (nz_nonzero, both layers' calls);

and the T-states spent in pl_keys and in the two walks' routines. Then, for each
prompt, what two exact changes to the kept walk could save at most a step:
`wide` (the walk's test of a v beyond -256..255, `dec h / jr nz`, 11 T-states
at each v >= 0, gone where a flag says the layer's cache has no such v) and
`paged` (a value cache whose high byte is the squares' page for w - v, so that
neither the sign's dispatch, 22 T-states at a v >= 0 and 16 at a v < 0, nor the
page's load, 7 where w - v borrows, is run). Both are bounds: the flag's or the
encoding's own cost is not in them. `net` is `paged` less one such encoding's own
costs, counted (PAGED_FORM, below: the thirtieth round's zxvpage30): the cache's
high byte P = AT_SQ_PAGE - rlca(vh + 1), each store's work, a layer's flag of a
wide v, the walks' other paths and the fast walk's dispatch on P. The three are
the unpaged player's (counted from its neg and above): on a paged player they
print as 0. Prints a line a prompt and the medians;
then, from the integer engine's turns of the same prompts, what fewer planes or
cheaper pieces could rely on: how many bits each cached key needs (a key's four
heads' words each in -2^(n-1)..2^(n-1)-1: pl_store's 11 planes take n <= 11, 12
take n = 12), how many values lie beyond -256..255 (the kept walk's test) and how
many of fc2's nonzero inputs are 1 or 2.

    python benchmarks/z80_context_costs.py [TEXT | --everyday | --prompts FILE]
"""

from __future__ import annotations

import statistics
from collections import Counter

import numpy as np

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.player.bench import prompts_from_command_line
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx.kernelbench import CALL_T_STATES, forward_turn, has_records, player_bench, single_stepped
from z80_profile import routine_of

GOAL = 1_500_000                # T-states a token (issue 16)
COUNTED = {"keys": "pl_keys@key", "twelve": "pl_keys@twelve", "weights": "attend_head@weight",
           "zeros": "at_zero_weight", "kept": "at_kept_dimension@position", "neg": "at_kept_negative",
           "above": "at_kept_above", "far": "at_kept_far", "fast": "at_fast_dimension@position",
           "nz": "nz_nonzero", "fast_neg": "at_fast_negative", "fast_zero": "at_fast_zero",
           "heads": "at_weight_squares", "stores": "kv_values_kept",
           "no_borrow": "at_kept_no_borrow", "checked": "at_fast_checked"}    # (AT_PAGED_VALUES's, the 128K's
                                # since the thirty-first round: no at_kept_negative, at_kept_above; COUNTED's
                                # places the player lacks count 0)
# more places of COUNTED's kinds (the 128K's since the thirty-third round): the weights' loop of the scores as
# words (AT_SHORT_SCORES) and its weights of 0; the kept walk's pair's second position and its first's ways out
# of line (AT_KEPT_PAIRS)
ALSO_COUNTED = {"at_short_weights@weight": "weights", "at_short_weights@zero": "zeros",
                "at_kept_dimension@position_odd": "kept", "at_kept_no_borrow_even": "no_borrow",
                "at_kept_far_even": "far"}
WALK_ROUTINES = ("at_kept_dimension", "at_kept_negative", "at_kept_above", "at_kept_far", "at_kept_borrow",
                 "at_kept_no_borrow", "at_fast_dimension", "at_fast_negative", "at_fast_zero", "at_fast_checked",
                 "at_kept_borrow_even", "at_kept_no_borrow_even", "at_kept_far_even")
WIDE_TEST = 11                  # dec h (4), jr nz not taken (7): a kept position with v >= 0
DISPATCH_POSITIVE = 22          # inc h, jr z (not taken), dec h, jr nz: v >= 0
DISPATCH_NEGATIVE = 16          # inc h, jr z (taken): v < 0
PAGE_LOAD = 7                   # ld h,n where w - v borrows (either sign)

# PAGED_FORM (zxvpage30): the value cache's high byte P = AT_SQ_PAGE - X, X = rlca(vh + 1) (2 for vh = 0,
# 0 for vh = -1: P the walk's page for w - v below 0, AT_SQ_PAGE - 2 and AT_SQ_PAGE; a byte bijection, so a
# wide v's vh = rrca(AT_SQ_PAGE - P) - 1 for its readers). Each form's T-states against today's, per visit:
STORE_WORD = 65 - 26            # kv_kept_store_words a word: ld a,b / inc a / rlca / ld b,a (16), or ixl /
                                # ld ixl,a (16: X's bits but bit 1 are a wide v's), ld a,AT_SQ_PAGE / sub b /
                                # ld (hl),a (18), ld a,b / add a,AT_SQ_PAGE - 2 / ld b,a (15: S(v)'s page)
                                # against ld (hl),b (7) and ld a,b / add a,a / add a,AT_SQ_PAGE / ld b,a (19)
STORE_CALL = 11 + 8 + 7 + 7 + 7 + 7   # ld ixl,0, then ld a,ixl / and $FD / ld hl,flag / or (hl) / ld (hl),a: the
                                # layer's flag kept for the turn (a wide v stays in its cache)
HEAD_FLAG = 13 + 4 + 7          # at_weight_squares: ld a,(flag) / or a / jr nz (a layer with a wide v: neither
                                # walk, attend_head's product loop, not counted here)
ABOVE = 60 - 66                 # v >= 0, w - v >= 0: jr nc taken, bit 1,h / jr nz / inc h / inc h (P's bit 1 is
                                # vh's sign where AT_SQ_PAGE & 3 = 3: the 128K's $A3)
FAR = 72 - 49                   # v < 0, w - v >= 256: the same test's jr nz taken, and vl again for at_kept_far
                                # (L holds w - vl: ld h,l / ld a,(de) / sub l, 15)
FAST_POSITIVE = 15 - 19         # the fast walk's dispatch on P (bit 1 of P is vh's sign, as above):
FAST_NEGATIVE = 27 - 16         # bit 1,b / jr nz (and ld b,0 for at_fast_negative) against inc b / jr z / djnz


def counted_step(bench, counts: dict, spent: dict) -> int:
    """forward_step single-stepped (as Z80Bench.call): the visits to COUNTED's places added to
    `counts`, the T-states of pl_keys and the walks to `spent`; returns its T-states as
    Z80Bench.call counts them."""
    name_of = routine_of(bench)
    places = {bench.sym(label): what for what, label in COUNTED.items() if label in bench.symbols}
    places.update({bench.sym(label): what for label, what in ALSO_COUNTED.items() if label in bench.symbols})

    def charge(pc, t_states):
        if pc in places:
            counts[places[pc]] += 1
        routine = name_of(pc)
        if routine == "pl_keys":
            spent["pl_keys"] += t_states
        elif routine in WALK_ROUTINES:
            spent["walks"] += t_states

    total = single_stepped(bench, "forward_step", charge)
    bench.t_states += total + CALL_T_STATES
    return total + 2 * CALL_T_STATES


def bounds(counts: dict) -> tuple[int, int, int]:
    """The two kept-walk changes' most a step saves and PAGED_FORM's net saving (module docstring),
    from a step's counts."""
    positive = counts["kept"] - counts["neg"]
    positive_borrow = positive - counts["above"]
    negative_borrow = counts["neg"] - counts["far"]
    wide = WIDE_TEST * positive
    paged = (DISPATCH_POSITIVE * positive + DISPATCH_NEGATIVE * counts["neg"]
             + PAGE_LOAD * (positive_borrow + negative_borrow))
    fast_positive = counts["fast"] - counts["fast_zero"] - counts["fast_neg"]
    costs = (STORE_WORD * 32 * counts["stores"] + STORE_CALL * counts["stores"] + HEAD_FLAG * counts["heads"]
             + (DISPATCH_POSITIVE + ABOVE) * counts["above"] + (DISPATCH_NEGATIVE + FAR) * counts["far"]
             + FAST_POSITIVE * fast_positive + FAST_NEGATIVE * counts["fast_neg"])
    return wide, paged, paged - costs


def engine_operands(engine, tokenizer, prompts) -> str:
    """The keys' widths by layer, the values beyond -256..255 and the turns that hold one, fc2's nonzero
    inputs and those of 1 or 2 (module docstring), over the engine's turns of `prompts`."""
    widths = [Counter(), Counter()]
    wide_values, wide_turns, nonzero, small = 0, 0, 0, 0
    for prompt in prompts:
        reply = engine.reply(tokenizer, prompt)
        state, inputs = engine.new_state(), []
        for token in reply.context + reply.ids:
            engine.step(state, token, inputs)
        for layer in (0, 1):
            keys = state.keys[layer, :state.length]            # (positions, heads, dims)
            largest = np.maximum(keys.max(axis=-1), -keys.min(axis=-1) - 1)
            widths[layer].update(int(bits) + 1 for bits in np.ceil(np.log2(np.maximum(largest, 0) + 1)).ravel())
        values = state.values[:, :state.length]
        beyond = int(((values < -256) | (values > 255)).sum())
        wide_values += beyond
        wide_turns += beyond > 0
        for name, x, _ in inputs:
            if name.endswith("fc2_w"):
                nonzero += int(np.count_nonzero(x))
                small += int(((x == 1) | (x == 2)).sum())
    lines = [f"layer {layer}'s cached keys by the bits they need: "
             + ", ".join(f"{bits}: {count:,}" for bits, count in sorted(widths[layer].items())) for layer in (0, 1)]
    lines.append(f"values beyond -256..255: {wide_values} (in {wide_turns} of {len(prompts)} turns); fc2's nonzero "
                 f"inputs {nonzero:,}, of them 1 or 2: {small:,} ({small / max(1, nonzero):.1%})")
    return "\n".join(lines)


def main() -> None:
    prompts = prompts_from_command_line(__doc__.splitlines()[0])
    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    bench = player_bench(soul, tokenizer, "128k")
    engine = Engine(soul)
    plain_call = bench.call
    rows = []
    print(f"{'prompt':20} {'a step':>10} {'over':>8} {'keys':>5} {'12':>3} {'zeros':>5} {'kept':>5} {'neg':>4} "
          f"{'above':>5} {'far':>3} {'nob':>4} {'fast':>4} {'chk':>3} {'nz':>4} {'pl_keys':>8} {'walks':>7} {'wide':>6} "
          f"{'paged':>6} {'net':>6}")
    unpaged = "at_kept_negative" in bench.symbols     # (the bounds are the unpaged walk's)
    for prompt in prompts:
        counts = dict.fromkeys(COUNTED, 0)
        spent = {"pl_keys": 0, "walks": 0}
        steps = []

        def call(routine, max_t_states=50_000_000, interrupts=False):
            if routine != "forward_step":
                return plain_call(routine, max_t_states, interrupts)
            steps.append(counted_step(bench, counts, spent))
            return steps[-1]

        bench.call = call
        forward_turn(bench, engine, tokenizer.encode_turn(prompt), records=has_records(bench))
        bench.call = plain_call
        n = len(steps)
        step = sum(steps) / n
        per = {what: count / n for what, count in counts.items()}
        wide, paged, net = bounds(per) if unpaged else (0, 0, 0)
        rows.append((step, wide, paged, net))
        print(f"{prompt[:20]:20} {step:>10,.0f} {step - GOAL:>+8,.0f} {per['keys']:>5.0f} {per['twelve']:>3.0f} "
              f"{per['zeros']:>5.0f} {per['kept']:>5.0f} {per['neg']:>4.0f} {per['above']:>5.0f} {per['far']:>3.0f} "
              f"{per['no_borrow']:>4.0f} {per['fast']:>4.0f} {per['checked']:>3.0f} {per['nz']:>4.1f} "
              f"{spent['pl_keys'] / n:>8,.0f} {spent['walks'] / n:>7,.0f} "
              f"{wide:>6,.0f} {paged:>6,.0f} {net:>6,.0f}")
    over = [row for row in rows if row[0] > GOAL]
    print(f"{len(prompts)} prompts (each figure a reply step's mean): median {statistics.median(r[0] for r in rows):,.0f}; "
          f"{len(over)} over {GOAL:,}; with `wide`'s bound {sum(r[0] - r[1] > GOAL for r in rows)} over, "
          f"with `paged`'s {sum(r[0] - r[2] > GOAL for r in rows)}, with `net`'s {sum(r[0] - r[3] > GOAL for r in rows)}; "
          f"the medians {statistics.median(r[1] for r in rows):,.0f}, {statistics.median(r[2] for r in rows):,.0f} "
          f"and {statistics.median(r[3] for r in rows):,.0f}")
    print(engine_operands(engine, tokenizer, prompts))


if __name__ == "__main__":
    main()
