"""fc1planes.s's rows by their fates: how many of fc1's 64 rows its ReLU bound proves 0 after each plane.

For "hello" (or TEXT, or the ten everyday prompts, or a prompts file's, each its own turn), every fc1 call the
128K player makes (the engine's inputs: layer 0 at every position, layer 1 at the turn's reply steps, the last
prompt position's and each reply position's; the player keeps position 0 and may copy position 1 from its
record, whose calls are counted all the same) through fc1_planes.gate_rows, the kernel's model step for
step (checked against the engine's relu(matvec)). Prints, by layer and for a prompt position's and a reply
step's calls apart: the mean rows a call proved 0 after planes 4, 3, 2, 1 and 0, fg_sure's and those ended
exact; the rows not yet proved 0 after each of those planes; the rows whose U is >= 0 already after plane 5
(what a test there, 10 T-states a row, would prove a plane sooner); and the same fates with the exact rounding s = c1
+ bh + (c2 + bl >= 128) that fc1planes.s tested a row before the thirty-third round (zxfc1p33), against its s'
= c1 + 1 + bh now: the planes more that s' costs a call (a row proved a plane later, or not at all).

    python benchmarks/z80_fc1_fates.py [TEXT | --everyday | --prompts FILE]
"""

from __future__ import annotations

import collections

import numpy as np

from soulterm.player.bench import prompts_from_command_line
from soulterm.soul import intmath
from soulterm.soul.benchmark import shipped_engine
from soulterm.zx import fc1_planes
from soulterm.zx.weight_planes import turn_steps

FATES = (("zero", 4), ("zero", 3), ("zero", 2), ("zero", 1), ("zero", 0), ("sure",), ("exact",))


def player_fc1_inputs(engine, context) -> list:
    """(layer, x, reply step?) for each fc1 call of the 128K player's turn on `context`: layer 0 at every
    position, layer 1 at the forward_step positions (the last prompt position and each reply position)."""
    calls = []
    for position, _, inputs in turn_steps(engine, context):
        step = position >= len(context) - 1
        calls += [(int(name[1]), np.asarray(x, dtype=np.int64), step) for name, x, _ in inputs
                  if name.endswith("fc1_w") and (name.startswith("l0") or step)]
    return calls


def fates_rounded(weights, bias, x, shift: int, rounded_up: bool, early: list | None = None) -> list:
    """Each row's fate as gate_rows reaches it, with U's start from s' = c1 + 1 + bh (`rounded_up`, the kernel's
    since the thirty-third round) or from the exact s = c1 + bh + (c2 + bl >= 128); sums by gate_tables. `early`
    (a list) gets the rows whose U is already >= 0 after plane 5 (before plane 4's first test: a test there would
    prove them 0 a plane sooner)."""
    tables, total, negative = fc1_planes.gate_tables(x)
    r_part = 128 - (1 << shift) - (total - negative)
    c1, c2 = total + (r_part >> 7), r_part & 127
    fates = []
    for row, b in zip(np.asarray(weights, dtype=np.int64), np.asarray(bias, dtype=np.int64)):
        kind, b = fc1_planes.row_class(row), int(b)
        sums = {}
        for plane in range(8):
            bits = ((127 - row) >> plane) & 1
            sums[plane] = sum(tables[g][int((bits[start:start + cols] << np.arange(cols)).sum())]
                              for g, (start, cols) in enumerate(fc1_planes.group_columns()))
        s = c1 + (b >> 7) + (1 if rounded_up else int(c2 + (b & 127) >= 128))
        u = -s + sums[7]
        fate = ("exact",)
        for plane in (6, 5, 4, 3, 2, 1, 0):
            u = 2 * u + sums[plane]
            if plane == 5 and u >= 0 and early is not None:
                early.append(len(fates))
            if plane <= 4 and u >= 0:
                fate = ("zero", plane)
                break
            if plane == 4 and u < fc1_planes.SURE_BELOW:
                fate = ("sure",)
                break
        fates.append(fate)
    return fates


def planes_summed(weights, fates) -> int:
    """The planes fc1planes.s sums for these fates (a row's class leaves out planes 6, or 6 and 5)."""
    return sum(sum(plane >= fate[1] for plane in fc1_planes.row_planes(fc1_planes.row_class(row)))
               if fate[0] == "zero" else len(fc1_planes.row_planes(fc1_planes.row_class(row)))
               for row, fate in zip(np.asarray(weights), fates))


def main() -> None:
    prompts = prompts_from_command_line(__doc__.splitlines()[0])
    _, engine, tokenizer = shipped_engine()
    counts = collections.defaultdict(collections.Counter)
    calls, extra_planes, early = collections.Counter(), collections.Counter(), collections.Counter()
    for prompt in prompts:
        for layer, x, step in player_fc1_inputs(engine, tokenizer.encode_turn(prompt)):
            parts = engine.layers[layer]
            weights, bias, shift = parts.fc1_t.T, parts.fc1_b, int(parts.s_fc1)
            if not fc1_planes.takes(x, shift):
                continue
            key = (layer, "a reply step" if step else "a prompt position")
            model, fates = fc1_planes.gate_rows(weights, bias, x, shift)
            want = intmath.relu(intmath.sat16(intmath.shift_right(weights.astype(np.int64) @ x + bias, shift)))
            assert np.array_equal(model, want), (prompt, layer)
            proved_at_5: list = []
            assert fates_rounded(weights, bias, x, shift, True, proved_at_5) == fates, "the model's fates are s' = c1 + 1 + bh's"
            early[key] += len(proved_at_5)
            exact = fates_rounded(weights, bias, x, shift, False)
            calls[key] += 1
            counts[key].update(fates)
            extra_planes[key] += planes_summed(weights, fates) - planes_summed(weights, exact)
    for key in sorted(calls):
        n = calls[key]
        left, steps = 64.0, []
        for plane in (4, 3, 2, 1, 0):
            left -= counts[key][("zero", plane)] / n
            steps.append(f"{plane} {left:.1f}")
        print(f"layer {key[0]}, {key[1]} ({n} calls): proved 0 after planes 4..0 "
              + " / ".join(f"{counts[key][fate] / n:.2f}" for fate in FATES[:5])
              + f", fg_sure {counts[key][('sure',)] / n:.2f}, exact {counts[key][('exact',)] / n:.2f}; "
              f"not yet proved 0 after plane " + ", ".join(steps)
              + f"; s' = c1 + 1 + bh sums {extra_planes[key] / n:+.2f} planes a call over the exact s; "
              f"U >= 0 already after plane 5 {early[key] / n:.2f} rows a call")


if __name__ == "__main__":
    main()
