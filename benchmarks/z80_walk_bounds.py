"""What two more of attention's steps could save a reply step at most, counted on the 128K player (thirty-third round, zxwalk33b).

Runs each prompt's turn (TEXT, `--everyday`'s ten or a prompts file's, in order on one player, as
z80_token.py; every step checked against the engine) and single-steps each forward_step (as
z80_context_costs.py), counting:

- pairs: the fast walk two positions a pass (as AT_KEPT_PAIRS did for the kept walk): a pair's first
  position (E even at at_fast_dimension@position) that stays in line (a weight above 0 and a v of 0..255,
  P = AT_SQ_PAGE - 2) would run no `jp nz` after its `dec e`, 10 T-states; its ways out of line (a weight
  of 0, a v below 0, a checked head's dispatch) would be copies that save nothing. Each dimension's walk
  would pay its entry into the pair, 7 (`cp n` over the odd count's `jr`, an even count) or 12 (that `jr`,
  an odd one), as at_kept_dimension@pair_entry. Bound: 10 firsts - 7 even walks - 12 odd walks.
- index: S(w) straight from the weight's index d (a table of S(exp_lut[d]) beside exp_lut's): every weight
  above 0 in at_short_weights (its @squared) would drop `ld l,a` and `ld a,l` (8 T-states, the table at
  any page's upper half and the next's) or also `ld h,AT_SQ_PAGE` for `inc h` (11, the table's halves in
  the two pages after exp_lut's, where attention's code lies now). Bounds: 8 and 11 a weight.

Prints a line a prompt (each figure a reply step's mean) and the medians.

    python benchmarks/z80_walk_bounds.py [TEXT | --everyday | --prompts FILE]
"""

from __future__ import annotations

import statistics

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.player.bench import prompts_from_command_line
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx.kernelbench import _CORE_FRAME, CALL_T_STATES, forward_turn, has_records, player_bench

PAIR_SAVES = 10                 # the `jp nz,@position` a pair's first position in line runs no more
EVEN_ENTRY, ODD_ENTRY = 7, 12   # a dimension's way into the pair: `cp n` over the jr, or the jr taken
INDEX_SAVES_ANY_PAGE = 8        # ld l,a and ld a,l
INDEX_SAVES_NEXT_PAGES = 11     # and ld h,AT_SQ_PAGE as inc h


def counted_step(bench, counts: dict) -> int:
    """forward_step single-stepped: the fast walk's positions and dimensions and at_short_weights' weights
    above 0 added to `counts`; returns its T-states as Z80Bench.call counts them."""
    cpu, memory = bench.cpu, bench.memory
    position, count = bench.sym("at_fast_dimension@position"), bench.sym("at_fast_dimension@count")
    squared = bench.sym("at_short_weights@squared")
    positive_page = ((bench.sym("at_sq_table") >> 8) + 2) - 2      # attention.s's AT_SQ_PAGE - 2: vh = 0
    bench.poke_word(bench.stack_top - 2, bench.trap)
    cpu.sp, cpu.pc = bench.stack_top - 2, bench.sym("forward_step")
    cpu.iff1 = cpu.iff2 = 0
    total = 0
    while cpu.pc != bench.trap:
        pc = cpu.pc
        if pc == position:
            de = cpu.de
            w, page = memory[de], memory[(cpu.sp + 1) & 0xFFFF]
            counts["positions"] += 1
            if de & 1 == 0 and w and page == positive_page:
                counts["firsts"] += 1
        elif pc == count:
            counts["odd walks" if memory[count + 1] & 1 else "even walks"] += 1
        elif pc == squared:
            counts["weights"] += 1
        before = cpu.frame_tick
        cpu.ticks_to_stop = 1
        cpu.run()
        total += (cpu.frame_tick - before) % _CORE_FRAME
    bench.t_states += total + CALL_T_STATES
    return total + 2 * CALL_T_STATES


def main() -> None:
    prompts = prompts_from_command_line(__doc__.splitlines()[0])
    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    bench = player_bench(soul, tokenizer, "128k")
    engine = Engine(soul)
    plain_call = bench.call
    rows = []
    print(f"{'prompt':24} {'a step':>10} {'fast':>5} {'firsts':>6} {'even':>4} {'odd':>4} {'pairs':>6} "
          f"{'w > 0':>5} {'index 8':>7} {'index 11':>8}")
    for prompt in prompts:
        counts = dict.fromkeys(("positions", "firsts", "even walks", "odd walks", "weights"), 0)
        steps = []

        def call(routine, max_t_states=50_000_000, interrupts=False):
            if routine != "forward_step":
                return plain_call(routine, max_t_states, interrupts)
            steps.append(counted_step(bench, counts))
            return steps[-1]

        bench.call = call
        forward_turn(bench, engine, tokenizer.encode_turn(prompt), records=has_records(bench))
        bench.call = plain_call
        n = len(steps)
        per = {what: c / n for what, c in counts.items()}
        pairs = PAIR_SAVES * per["firsts"] - EVEN_ENTRY * per["even walks"] - ODD_ENTRY * per["odd walks"]
        row = (sum(steps) / n, pairs, INDEX_SAVES_ANY_PAGE * per["weights"], INDEX_SAVES_NEXT_PAGES * per["weights"])
        rows.append(row)
        print(f"{prompt[:24]:24} {row[0]:>10,.0f} {per['positions']:>5.0f} {per['firsts']:>6.0f} "
              f"{per['even walks']:>4.0f} {per['odd walks']:>4.0f} {pairs:>6,.0f} {per['weights']:>5.0f} "
              f"{row[2]:>7,.0f} {row[3]:>8,.0f}")
    print(f"{len(prompts)} prompts (a reply step's mean): median {statistics.median(r[0] for r in rows):,.0f}; "
          f"the pairs' bound median {statistics.median(r[1] for r in rows):,.0f} (most {max(r[1] for r in rows):,.0f}), "
          f"the index's {statistics.median(r[2] for r in rows):,.0f} / {statistics.median(r[3] for r in rows):,.0f} "
          f"(most {max(r[3] for r in rows):,.0f})")


if __name__ == "__main__":
    main()
