"""fc1's ReLU gate by bit planes of the weights, measured: fc1planes.s against today's gated coarse call.

Runs the turns of "hello" (or TEXT, or the ten everyday prompts, or a prompts file's, in order on
one player) on the 128K player (kernelbench.player_bench, every step checked against the engine,
as z80_token.py), single-stepping every position to time each fc1 call (forward.s's
fw_dense_via with mv_store_relu: today's gated coarse call, MV_COARSE_GATE, from its call to its
return) and to read its input (fw_xn) and layer. Each input then runs through
kernels/z80/fc1planes.s on the kernels' bench (fc1_planes.run_gate: fg_tables and fg_rows, every
output checked against the engine's relu(matvec) and the model), in neither player
(docs/spectrum.md, "Twenty-seventh round: fc1's gate by bit planes"). Prints, by layer: the calls,
today's mean, the kernel's (its tables and its rows), the rows not yet proved 0 after each plane,
and the same gate counted on planes.s's tables (4 groups of 8 columns, 16-bit entries on two
pages: wp_tables 58,155 and its top planes' measured 786 / 628 a row, the rest counted).

    python benchmarks/z80_fc1_planes.py [TEXT | --everyday | --prompts FILE]
"""

from __future__ import annotations

import collections

import numpy as np

from soulterm.player.bench import prompts_from_command_line
from soulterm.soul import intmath
from soulterm.soul.benchmark import shipped_engine
from soulterm.zx.fc1_planes import FG_SOURCE, ZERO_AFTER, gate_rows, row_class, run_gate, takes
from soulterm.zx.kernelbench import (_CORE_FRAME, Z80Bench, forward_turn, has_records, player_bench,
                                     player_kernel_options)

# The gate on planes.s's tables, counted: wp_tables and the top planes measured (planes.s's header);
# a class 2 row, a plane further and the ends counted from fc1planes.s's steps with 4 lookups a plane
PLANES_S = {"tables": 58_155, "call": 1_500, "top": (786, 628, 510), "start": 110, "plane": 214,
            "test": 17, "sure": 25, "zero": 91, "exact": 160, "sure_rest": 1_100}


def counted_on_planes_s(weights, fates) -> int:
    cost = PLANES_S
    t = cost["tables"] + cost["call"]
    for row, fate in zip(np.asarray(weights), fates):
        t += cost["top"][row_class(row)] + cost["start"] + cost["test"]
        if fate == ("zero", 4):
            t += cost["zero"]
            continue
        t += cost["sure"]
        if fate == ("sure",):
            t += cost["sure_rest"]
            continue
        planes = 4 - (fate[1] if fate[0] == "zero" else 0)
        t += planes * (cost["plane"] + cost["test"]) + (cost["zero"] if fate[0] == "zero" else cost["exact"])
    return t


def measured_fc1_calls(prompts, model: str = "128k"):
    """Each fc1 call of the turns on the `model` player (both go through fw_dense_via's gated coarse call
    where fc1planes.s does not run: the 48K's both layers): (layer, x, T-states today)."""
    soul, engine, tokenizer = shipped_engine()
    bench = player_bench(soul, tokenizer, model)
    cpu, calls = bench.cpu, []
    fc1, layer_index, xn = bench.sym("fw_dense_via"), bench.sym("fw_layer_index"), bench.sym("fw_xn")
    store_op, relu = bench.sym("MV_STORE_OP") + 1, bench.sym("mv_store_relu")     # (proj and fc2 enter it too)
    plain_call = bench.call

    def stepped(routine, max_t_states=50_000_000, interrupts=False):
        if routine not in ("forward_step", "forward_prefill", "position_one"):
            return plain_call(routine, max_t_states, interrupts)
        bench.poke_word(bench.stack_top - 2, bench.trap)
        cpu.sp, cpu.pc = bench.stack_top - 2, bench.sym(routine)
        cpu.iff1 = cpu.iff2 = 0
        total, inside = 0, None
        while cpu.pc != bench.trap:
            if cpu.pc == fc1 and inside is None and bench.read_words(store_op, 1)[0] & 0xFFFF == relu:
                back = bench.read_words(cpu.sp, 1)[0] & 0xFFFF
                inside = [back, 17, bench.peek(layer_index)[0], bench.read_words(xn, 32), cpu.sp + 2]  # (its CALL)
            before = cpu.frame_tick
            cpu.ticks_to_stop = 1
            cpu.run()
            t_states = (cpu.frame_tick - before) % _CORE_FRAME
            total += t_states
            if inside is not None:
                inside[1] += t_states
                if cpu.pc == inside[0] and cpu.sp == inside[4]:     # (its RET)
                    calls.append((inside[2], inside[3], inside[1]))
                    inside = None
        bench.t_states += total
        return total + 34

    bench.call = stepped
    for prompt in prompts:
        forward_turn(bench, engine, tokenizer.encode_turn(prompt), records=has_records(bench))
    return engine, calls


def gated_calls_by_layer(engine, calls, bench, extra, byte_masks: bool = False) -> dict:
    """measured_fc1_calls' `calls` run through fc1planes.s's fg_gate on `bench` (`byte_masks`: its FG_BYTE_MASKS form's
    model), each checked against the engine:
    {layer: [(T-states today, fg_tables', fg_rows', the rows' fates, extra(weights, fates))]}; a call fg_gate
    declines keeps today's T-states alone (None, None, None, today)."""
    by_layer = collections.defaultdict(list)
    for layer, x, today in calls:
        parts = engine.layers[layer]
        weights, bias, shift = parts.fc1_t.T, parts.fc1_b, int(parts.s_fc1)
        if not takes(x, shift):
            by_layer[layer].append((today, None, None, None, today))
            continue
        want = intmath.relu(intmath.sat16(intmath.shift_right(weights.astype(np.int64) @ x + bias, shift)))
        model, fates = gate_rows(weights, bias, x, shift, byte_masks=byte_masks)
        got, tables_t, rows_t = run_gate(bench, weights, bias, x, shift)
        assert np.array_equal(model, want) and np.array_equal(got, want), (layer, x)
        by_layer[layer].append((today, tables_t, rows_t, fates, extra(weights, fates)))
    return by_layer


def rows_left_after_planes(taken) -> list[str]:
    """For each of ZERO_AFTER's planes, "plane rows": the mean rows of the `taken` calls not yet proved 0 there."""
    left, steps = 64.0, []
    for plane in ZERO_AFTER:
        left -= np.mean([sum(f == ("zero", plane) for f in call[3]) for call in taken])
        steps.append(f"{plane} {left:.1f}")
    return steps


def main() -> None:
    prompts = prompts_from_command_line(__doc__.splitlines()[0])
    engine, calls = measured_fc1_calls(prompts)
    bench = Z80Bench(extra_source=FG_SOURCE, options=player_kernel_options("128k"))
    by_layer = gated_calls_by_layer(engine, calls, bench, counted_on_planes_s)
    for layer in sorted(by_layer):
        rows = by_layer[layer]
        taken = [r for r in rows if r[1] is not None]
        today = np.mean([r[0] for r in rows])
        tables_t, rows_t = np.mean([r[1] for r in taken]), np.mean([r[2] for r in taken])
        kernel = np.mean([r[0] if r[1] is None else r[1] + r[2] for r in rows])
        steps = rows_left_after_planes(taken)
        sure = np.mean([sum(f == ("sure",) for f in r[3]) for r in taken])
        counted = np.mean([r[4] for r in rows])
        print(f"layer {layer}: {len(rows)} calls ({len(rows) - len(taken)} declined); "
              f"today {today:,.0f} T-states a call; "
              f"fc1planes.s {kernel:,.0f} ({kernel - today:+,.0f}: fg_tables {tables_t:,.0f}, fg_rows {rows_t:,.0f}); "
              f"rows not proved 0 after plane " + ", ".join(steps) + f" (fg_sure's {sure:.2f}); "
              f"on planes.s's tables (counted) {counted:,.0f} ({counted - today:+,.0f})")


if __name__ == "__main__":
    main()
