"""benchmarks/z80_bank_costs.py (zxhot31): a 128K reply step's T-states by the bank paged at $C000, and the
bounds of two second forms of the context's hot loops. The bank split must add up to the step and put each
routine where the player pages it (planes.s with bank 6, pl_keys with bank 4); the fc2 columns the product-table
bound counts must be the l pieces' (nzmatvec.s's short pieces and x of 0 or 256 left out); the engine's fc2
steps must be the player's forward_step positions."""

from __future__ import annotations

import collections
import sys

import numpy as np

from soulterm.paths import CHECKOUT_DIR, DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.soul import spec
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx.kernelbench import forward_turn, has_records, player_bench

from conftest import random_soul

sys.path.insert(0, str(CHECKOUT_DIR / "benchmarks"))
import z80_bank_costs as costs  # noqa: E402  (a benchmark script, beside z80_profile.py)


def test_the_product_bound_counts_the_l_pieces_columns_only():
    ranges = np.full(10, 10)
    gain = 32 * (costs.L_PIECE - costs.PRODUCT_PIECE) - costs.FILL_ENTRY * 10
    x = np.array([0, 256, 1, costs.NZ_SHORT_MOST, 0, 0, 0, 0, 0, 0])     # no l piece among them
    assert costs.product_table_bound(x, ranges, 32) == 0
    x = np.array([costs.NZ_SHORT_MOST + 1, -1, 300, 257, 0, 0, 0, 0, 0, 0])     # four l pieces
    assert costs.product_table_bound(x, ranges, 32) == 4 * gain
    split = 32 * (costs.L_PIECE - costs.PRODUCT_PIECE) - costs.SPLIT_FILL_ENTRY * 10
    assert costs.product_table_bound(x, ranges, 32, costs.SPLIT_FILL_ENTRY) == 4 * split
    wide = np.full(10, 100)             # no table pays over a range of 100 at either fill: chosen, none is taken
    assert costs.product_table_bound(x, wide, 32) < 0 and costs.product_table_bound(x, wide, 32, chosen=True) == 0
    ranges[0] = 100                     # one column's table left out of the chosen ones
    assert costs.product_table_bound(x, ranges, 32, chosen=True) == 3 * gain


def test_the_one_table_bound_follows_its_planes_and_fill():
    saving = costs.PLANE - costs.ONE_TABLE_PLANE
    fill = costs.FILL_ENTRY * costs.ONE_TABLE_ENTRIES
    assert costs.one_table_bound([[20, 0]], 0) == 20 * costs.KEY_PLANES * saving - fill
    assert costs.one_table_bound([[20, 3], [1, 0]], 1_000) == (21 * costs.KEY_PLANES + 3) * saving + 1_000 - 2 * fill


def test_the_engines_fc2_steps_are_the_players_forward_steps():
    soul = random_soul(7)
    engine, tokenizer = Engine(soul), Tokenizer.load(DEFAULT_TOKENIZER)
    for prompt in ("do you like music", "hello", "good morning"):
        context = tokenizer.encode_turn(prompt)
        steps = costs.engine_steps_fc2(engine, context)
        reply = engine.reply(tokenizer, prompt)
        # a step chose each reply id, and one more chose END unless the context filled first
        assert len(steps) == min(len(reply.ids) + 1, spec.CONTEXT - len(context) + 1)
        assert all(sorted(layer for layer, _ in step) == list(range(spec.N_LAYERS)) for step in steps)
        assert all(len(x) == soul[f"l{layer}.fc2_w"].values.shape[1] for step in steps for layer, x in step)


def test_the_bank_split_adds_up_and_puts_each_routine_in_its_bank():
    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    bench = player_bench(soul, tokenizer, "128k")
    plain_call = bench.call
    spent = collections.Counter()
    routines = {bank: collections.Counter() for bank in costs.BANKS}
    keys, steps = [], []

    def call(routine, max_t_states=50_000_000, interrupts=False):
        if routine != "forward_step":
            return plain_call(routine, max_t_states, interrupts)
        steps.append(costs.banked_step(bench, spent, routines, keys))
        return steps[-1]

    bench.call = call
    forward_turn(bench, Engine(soul), tokenizer.encode_turn("hello"), records=has_records(bench))
    assert steps and sum(spent[bank] for bank in costs.BANKS) == sum(steps) - 2 * len(steps) * costs.CALL_T_STATES
    assert routines[6]["wp_rows"] > 0 and routines[6]["wp_tables"] > 0
    assert all(routines[bank]["pl_keys"] == 0 for bank in costs.BANKS if bank != 4) and routines[4]["pl_keys"] > 0
    assert all(name.startswith(("wp_", "fw_", "zx_page")) for name in routines[6])   # (planes.s and its callers' glue)
    per_step = len(keys) // len(steps)
    assert per_step == spec.N_LAYERS * spec.N_HEADS and all(count >= 1 for count, _ in keys)
