"""Which bank a 128K reply step runs with, and what second forms of its context's hot loops could save at most.

Runs each prompt's turn (TEXT, `--everyday`'s ten or a prompts file's, in order
on one player, as z80_token.py; every step checked against the engine) on the
128K player's own program and single-steps each forward_step (as
z80_step_phases.py), charging each instruction's T-states to the bank paged at
$C000 while it runs (port $7FFD's) and to its routine. Code in a bank's room
runs only while that bank is paged: the columns 0, 4, 6 and 7 say how much of a
step could reach code kept in bank 0's, 4's, 6's or 7's room at all.

Then the most two second forms of the loops that grow with the context could
save a step (bounds: each form's own costs below are its floor, counted from the
fewest instructions it could take, not a built kernel's):

- `keys1`: pl_keys by one table of q's 256 subset sums a head (all 8
  dimensions, a plane one lookup: ONE_TABLE_PLANE T-states against the two
  tables' PLANE), its fill at least FILL_ENTRY an entry (an add and a push, 255
  entries) in place of pl_prepare's whole measured work; summed over a step's
  pl_keys calls, each with the keys it scores (at_count) and its 12-plane keys.
- `nzprod`: fc2's l pieces by a product table a column (D(u) = S(w + l) - S(w),
  two reads a row: PRODUCT_PIECE against L_PIECE), its fill at least
  FILL_ENTRY an entry over the column's weights' range (u's least to most in
  the soul's matrix); summed over the engine's fc2 inputs of the same steps
  (the player's columns are the engine's: it is exact) whose column takes an l
  piece (x not 0, 256 or short_pieces'); by layer too (layer 1's fc2 runs
  with bank 4, layer 0's with bank 7), and layer 1's with SPLIT_FILL_ENTRY an
  entry (`l1@42`: a table whose low and high bytes lie a page apart, as the
  piece's (ix+d) and (iy+d) read them, and only in the columns whose range
  lets it pay; the pieces' IXH and IYH switches between tables and the
  squares still not counted).

Prints a line a prompt (a reply step's means) and the medians, then each
bank's routines over all the steps, fc2's columns' weight ranges and bank 4's
room for code.

    python benchmarks/z80_bank_costs.py [TEXT | --everyday | --prompts FILE]
"""

from __future__ import annotations

import collections
import statistics

import numpy as np

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.player.bench import prompts_from_command_line
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx.kernelbench import _CORE_FRAME, CALL_T_STATES, forward_turn, has_records, player_bench
from soulterm.zx.weight_planes import turn_steps
from z80_profile import routine_of

GOAL = 1_500_000                # T-states a token (issue 16)
BANKS = (0, 4, 6, 7)            # the 128K player's banks at $C000 (bank 0, DATA_BANK, PLANES_BANK, EMBED_BANK)
PLANE = 98                      # pl_keys' plane: pop de, sra c / rra, two tables' adds through A (attention.s)
ONE_TABLE_PLANE = 59            # one table's plane: half a pop de, sra c / rra, ld l / add a,(hl) / inc h /
                                # ld e,a / ld a,c / adc a,(hl) / ld c,a / dec h / ld a,e
KEY_PLANES = 11                 # an 11-plane key's planes (a 12-plane key one more)
FILL_ENTRY = 22                 # add hl,rr / push hl: the least a table's entry can take
SPLIT_FILL_ENTRY = 42           # a product table's entry as (ix+d) and (iy+d) read it, its bytes a page apart:
                                # ld (hl),a / inc h / ld (hl),b / dec h / inc l / add a,c / jr nc (inc b on a carry)
ONE_TABLE_ENTRIES = 255         # 256 subset sums, T[0] = 0
L_PIECE = 136                   # nzmatvec.s's l piece a row (pop de ... sbc a,b)
PRODUCT_PIECE = 79              # pop de, ld ixl,e / ld iyl,e, ld e,(ix+d) / ld d,(iy+d), add hl,de / adc a,b
NZ_SHORT_MOST = 16              # nzmatvec.s's short pieces: x in 1..16 (1..8 before the thirty-first round)
NZ_SHORT_NONE = (15,)           # but these (nz_short_places' length 0: their l pieces)
PL_PREPARE = ("pl_prepare", "pl_wide_q")


def banked_step(bench, spent: dict, routines: dict, keys: list) -> int:
    """forward_step single-stepped (as Z80Bench.call): T-states added to `spent[bank]` and
    `routines[bank][routine]`, each pl_keys call's (keys, 12-plane keys) appended to `keys`, pl_prepare's
    T-states to spent["prepare"]; returns its T-states as Z80Bench.call counts them."""
    cpu, name_of = bench.cpu, routine_of(bench)
    entry, twelve, count = bench.sym("pl_keys"), bench.sym("pl_keys@twelve"), bench.sym("at_count")
    bench.poke_word(bench.stack_top - 2, bench.trap)
    cpu.sp, cpu.pc = bench.stack_top - 2, bench.sym("forward_step")
    cpu.iff1 = cpu.iff2 = 0
    total = 0
    while cpu.pc != bench.trap:
        pc, bank = cpu.pc, bench.paged_bank
        if pc == entry:
            keys.append([bench.memory[count], 0])
        elif pc == twelve:
            keys[-1][1] += 1
        before = cpu.frame_tick
        cpu.ticks_to_stop = 1
        cpu.run()
        t_states = (cpu.frame_tick - before) % _CORE_FRAME
        total += t_states
        routine = name_of(pc)
        spent[bank] += t_states
        routines[bank][routine] += t_states
        if routine in PL_PREPARE:
            spent["prepare"] += t_states
    bench.t_states += total + CALL_T_STATES
    return total + 2 * CALL_T_STATES


def one_table_bound(keys: list, prepare: int) -> int:
    """`keys1` (module docstring): what pl_keys by one table a head saves at most over these calls."""
    planes = sum(count * KEY_PLANES + twelve for count, twelve in keys)
    return (PLANE - ONE_TABLE_PLANE) * planes + prepare - FILL_ENTRY * ONE_TABLE_ENTRIES * len(keys)


def column_ranges(soul) -> dict:
    """fc2's columns' weight ranges (most - least + 1) by layer, from the soul's matrices."""
    ranges = {}
    for layer in (0, 1):
        w = np.asarray(soul[f"l{layer}.fc2_w"].values, dtype=np.int64)
        ranges[layer] = (w.max(axis=0) - w.min(axis=0) + 1, w.shape[0])
    return ranges


def short_pieces(x) -> np.ndarray:
    """The columns nzmatvec.s gives a short piece: x in 1..NZ_SHORT_MOST but NZ_SHORT_NONE."""
    x = np.asarray(x, dtype=np.int64)
    return (x >= 1) & (x <= NZ_SHORT_MOST) & ~np.isin(x, NZ_SHORT_NONE)


def product_table_bound(x, ranges, rows: int, fill: int = FILL_ENTRY, chosen: bool = False) -> int:
    """`nzprod` (module docstring): what one fc2 call's l pieces by product tables save at most, each table's
    entry filled in `fill` T-states; `chosen`: only the columns where a table pays take one (the build knows
    each column's range)."""
    x = np.asarray(x, dtype=np.int64)
    l_piece = (x != 0) & (x != 256) & ~short_pieces(x)
    gains = rows * (L_PIECE - PRODUCT_PIECE) - fill * ranges
    return int(np.maximum(gains, 0)[l_piece].sum() if chosen else gains[l_piece].sum())


def engine_steps_fc2(engine, context: list) -> list:
    """The engine's fc2 inputs at the turn's forward_step positions (kernelbench.forward_turn's: the last
    prompt position and each reply position until END or a full context): a list a step of (layer, x)."""
    return [[(int(name[1]), x) for name, x, _ in inputs if name.endswith("fc2_w")]
            for position, _, inputs in turn_steps(engine, context) if position >= len(context) - 1]


def main() -> None:
    prompts = prompts_from_command_line(__doc__.splitlines()[0])
    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    bench = player_bench(soul, tokenizer, "128k")
    engine = Engine(soul)
    ranges = column_ranges(soul)
    plain_call = bench.call
    all_routines = {bank: collections.Counter() for bank in BANKS}
    rows, total_steps = [], 0
    print(f"{'prompt':20} {'a step':>10} {'over':>8} " + " ".join(f"{'bank ' + str(b):>8}" for b in BANKS)
          + f" {'pl_keys':>8} {'keys1':>7} {'nzprod':>7} {'(l0':>7} {'l1)':>7} {'l1@42':>7} {'nz':>4}")
    for prompt in prompts:
        spent = collections.Counter()
        routines = {bank: collections.Counter() for bank in BANKS}
        keys, steps = [], []

        def call(routine, max_t_states=50_000_000, interrupts=False):
            if routine != "forward_step":
                return plain_call(routine, max_t_states, interrupts)
            steps.append(banked_step(bench, spent, routines, keys))
            return steps[-1]

        bench.call = call
        context = tokenizer.encode_turn(prompt)
        forward_turn(bench, engine, context, records=has_records(bench))
        bench.call = plain_call
        n = len(steps)
        fc2 = engine_steps_fc2(engine, context)
        assert len(fc2) == n, "the engine's reply steps are the player's"
        nz_layers = [sum(product_table_bound(x, *ranges[layer]) for step in fc2 for at, x in step if at == layer)
                     for layer in (0, 1)]
        nz = sum(nz_layers)
        split = sum(product_table_bound(x, *ranges[1], SPLIT_FILL_ENTRY, chosen=True) for step in fc2 for at, x in step if at == 1)
        columns = sum(int(np.count_nonzero(x)) for step in fc2 for _, x in step)
        for bank in BANKS:
            all_routines[bank].update(routines[bank])
        total_steps += n
        step = sum(steps) / n
        keys_bound = one_table_bound(keys, spent["prepare"]) / n
        rows.append((step, keys_bound, nz / n, *(spent[b] / n for b in BANKS), *(t / n for t in nz_layers), split / n))
        print(f"{prompt[:20]:20} {step:>10,.0f} {step - GOAL:>+8,.0f} "
              + " ".join(f"{spent[b] / n:>8,.0f}" for b in BANKS)
              + f" {routines[4]['pl_keys'] / n:>8,.0f} {keys_bound:>+7,.0f} {nz / n:>+7,.0f} "
              f"{nz_layers[0] / n:>+7,.0f} {nz_layers[1] / n:>+7,.0f} {split / n:>+7,.0f} {columns / n:>4.1f}")
    median = [statistics.median(row[i] for row in rows) for i in range(len(rows[0]))]
    print(f"{len(prompts)} prompts (a reply step's means): median {median[0]:,.0f}, "
          f"{sum(row[0] > GOAL for row in rows)} over {GOAL:,}; by bank (medians) "
          + ", ".join(f"{b} {m:,.0f}" for b, m in zip(BANKS, median[3:3 + len(BANKS)]))
          + f"; keys1 {median[1]:+,.0f}, nzprod {median[2]:+,.0f} (layer 0's {median[-3]:+,.0f}, layer 1's "
          f"{median[-2]:+,.0f}; layer 1's at {SPLIT_FILL_ENTRY} an entry {median[-1]:+,.0f}) (medians); with both bounds "
          f"{sum(row[0] - max(0, row[1]) - max(0, row[2]) > GOAL for row in rows)} over")
    for bank in BANKS:
        top = ", ".join(f"{name} {t / total_steps:,.0f}" for name, t in all_routines[bank].most_common(8))
        print(f"  bank {bank} at $C000: {sum(all_routines[bank].values()) / total_steps:,.0f} a step ({top})")
    sym = bench.symbols
    keys_end = sym["kv_planes"] + 2 * sym["PL_LAYER_BYTES"]
    for layer in (0, 1):
        spans = ranges[layer][0]
        print(f"layer {layer}'s fc2 columns' weight ranges: median {np.median(spans):g}, {spans.min()}..{spans.max()}")
    print(f"bank 4's room for code at run time: ${keys_end:04X}-$F3FF, {0xF400 - keys_end} bytes (past the keys' "
          f"planes; fc1planes.s's tables, rmsnorm.s's squares and products fill $F400-$FFFF)")


if __name__ == "__main__":
    main()
