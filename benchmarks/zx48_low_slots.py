"""The 48K's kernels with the 128K's low slots (matvec.s's MV_LOW_SLOTS), on the kernels' bench, room ignored.

The 48K player runs its narrow calls' one-piece products in mv_slots' pairs (MV_HLA_SLOTS with
MV_PAIR_SLOTS: 84 T-states a product, 79 in a pair of one-piece columns), the 128K in its low
slots (74), which the 48K has no room for. This runs the turn of "hello", the ten everyday prompts
and the thirty held out (each prompt a turn, every step checked against the engine; the medians
of the T-states a position) on the 48K's kernels as tests/test_zx_speed.py's bench_for has them
(`shipped`: MV_PAIR_SLOTS with MV_PAIR_JPS_KEPT since the twenty-first round; without the
twenty-fourth round's MV_HZ_ENDS, which bench_for has: the `hz-ends` variant), and with
- `checked`: MV_PAIR_JPS_KEPT left out (the pass checks each one-piece column's jp, as before it);
- `no-pairs`: MV_PAIR_SLOTS, MV_PAIR_REWALK and MV_PAIR_JPS_KEPT left out;
- `low`: MV_LOW_SLOTS instead of the pairs: with MV_COARSE and MV_BIAS_IN_K that is also the
  128K's MV_LOW_HLA (its rows' short ends, matvec_ends.s, and logitsraw.s's logits bound), which
  does not take MV_LEAST_SHIFT;
- `low-no-k`: MV_LOW_SLOTS without MV_BIAS_IN_K, so without MV_LOW_HLA (MV_LEAST_SHIFT kept);
- `hz-ends`: `shipped` with MV_HZ_ENDS (twenty-fourth round: MV_LOW_HLA's short row ends in mv_slots'
  form, for the narrow rows with no wide column);
and prints the bytes each variant's kernels take more than `shipped`'s (the kernel files' bytes by
the bench's listing). Every variant's bench puts the value cache and the logits below its code as
AT_FAST_MEANS's bench does (the 48K's kernels with the low slots otherwise run past $FFFF; where
the bench's code lies changes no T-state). `--profile`: forward_step at position 7 of "hello" as
z80_profile.py steps it, each variant against `shipped` by group (the products' slots, the column
passes and walks, the rows' starts and ends, the logits' bound, the rest).

    python benchmarks/zx48_low_slots.py [--variants shipped,checked,no-pairs,low,low-no-k,hz-ends] [--sets hello,ten,thirty] [--profile]
"""

from __future__ import annotations

import argparse
import collections
import statistics

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.player.bench import EVERYDAY_PROMPTS, prompts_in
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx.build import FAST_TAKEBACKS_48K, least_shift, unit_gain_bits
from soulterm.zx.kernelbench import (BIAS_IN_K_OPTION, HZ_ENDS_OPTION, LOW_SLOTS_OPTION, PAIR_JPS_KEPT_OPTION, PAIR_REWALK_OPTION,
                                     PAIR_SLOTS_OPTION, SHORT_SHIFTS, TurnCost, Z80Bench, forward_turn,
                                     player_kernel_options)
from soulterm.zx.soul_layout import soul_include

# the value cache, the logits and the code as on AT_FAST_MEANS's bench (kernelbench.FAST_MEANS_OPTION)
LOW_BENCH_PLACES = "kv_values = $4C80\nfw_logits = $5900\n.org $5A00"
PAIRS = (PAIR_SLOTS_OPTION, PAIR_REWALK_OPTION, PAIR_JPS_KEPT_OPTION)
VARIANTS = {        # name: (options left out, options added, MV_LEAST_SHIFT where the soul takes it)
    "shipped": ((), (), True),
    "checked": ((PAIR_JPS_KEPT_OPTION,), (), True),
    "no-pairs": (PAIRS, (), True),
    "low": (PAIRS, (LOW_SLOTS_OPTION,), False),
    "low-no-k": (PAIRS + (BIAS_IN_K_OPTION,), (LOW_SLOTS_OPTION,), True),
    "hz-ends": ((), (HZ_ENDS_OPTION,), True),
}
GROUPS = {          # z80_profile.py's routines by what they do (--profile)
    "slots": {"mv_slots", "mv_low_slots", "mv_low_wide", "mv_low_block_in", "mv_coarse_slots", "mv_gate_slots",
              "mv_coarse_wide"},
    "passes": {"mv_prepare", "mv_low_prepare", "mv_low_slot_at", "mv_low_fix_cl", "mv_hz_prepare",
               "mv_hzs_first_prepare", "mv_coarse_prepare", "mv_gate_prepare", "mv_gate_relu_prepare",
               "mv_sparse_walk", "mv_sparse_rewalk", "mv_rewalk_copy", "mv_rewalk_full", "mv_rewalk_odd",
               "mv_sparse_undo", "mv_even_skip", "mv_coarse_check", "mv_pairs_back", "mv_pair_jps", "mv_even_jp",
               "mv_rewalk_odd"},
    "logits": {"fw_logits_bound", "argmax", "am_rows"},
}


def variant_bench(soul, name: str) -> Z80Bench:
    left_out, added, least = VARIANTS[name]
    options = [line for line in player_kernel_options("48k", coarse_top=True, fast_scores=True,
                                                      fast_takebacks=FAST_TAKEBACKS_48K).split("\n")
               if line not in left_out]
    options += [*added, "AT_DIVIDE_UNROLLED = 1", LOW_BENCH_PLACES]
    gain_bits = unit_gain_bits(soul, SHORT_SHIFTS)
    if gain_bits is not None:
        options.append(f"RN_UNIT_GAIN_BITS = {gain_bits}")
    if least and least_shift(soul) is not None:
        options.append(f"MV_LEAST_SHIFT = {least_shift(soul)}")
    return Z80Bench('.include "forward.s"\n' + soul_include(soul), options="\n".join(options))


def kernel_bytes(bench: Z80Bench) -> dict[str, int]:
    sizes: dict[str, int] = collections.Counter()
    for row in bench.program.listing_lines:
        if "kernels/z80/" in row.file:
            sizes[row.file.rsplit("/", 1)[-1]] += len(row.data)
    return sizes


def group_of(routine: str) -> str:
    for group, routines in GROUPS.items():
        if routine in routines:
            return group
    return "rows" if routine.startswith(("mv_", "matvec")) else "the rest"


def position_seven(bench: Z80Bench, soul, tokenizer) -> collections.Counter:
    import z80_profile      # (benchmarks/, beside this script)

    rows, _ = forward_turn(bench, Engine(soul), tokenizer.encode_turn("hello"))
    position, token = next((p, t) for p, t, routine, _ in reversed(rows) if routine == "forward_step" and p)
    bench.poke(bench.sym("fw_token"), [token])
    bench.poke(bench.sym("fw_pos"), [position])
    counts, _ = z80_profile.profile_call(bench, "forward_step")
    groups = collections.Counter()
    for routine, t_states in counts.items():
        groups[group_of(routine)] += t_states
    return groups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--sets", default="hello,ten,thirty")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    sets = {"hello": ["hello"], "ten": list(EVERYDAY_PROMPTS),
            "thirty": prompts_in("benchmarks/everyday_heldout.txt")}
    names = args.variants.split(",")
    base_bytes, base_groups = None, None
    for name in ["shipped"] + [name for name in names if name != "shipped"]:
        bench = variant_bench(soul, name)
        sizes = kernel_bytes(bench)
        base_bytes = base_bytes or sizes
        more = {file: sizes[file] - base_bytes[file] for file in sorted(set(sizes) | set(base_bytes))
                if sizes[file] != base_bytes[file]}
        medians = []
        for set_name in args.sets.split(","):
            costs = [TurnCost(*forward_turn(bench, Engine(soul), tokenizer.encode_turn(prompt)))
                     for prompt in sets[set_name]]
            medians.append(f"{set_name} {statistics.median(cost.per_position for cost in costs):,.0f}")
        print(f"{name}: {', '.join(medians)} T-states a position; its kernels {sum(more.values()):+,} bytes "
              f"({', '.join(f'{file} {bytes_:+,}' for file, bytes_ in more.items()) or 'the same'})")
        if args.profile:
            groups = position_seven(bench, soul, tokenizer)
            base_groups = base_groups or groups
            print(f"  position 7 of \"hello\": {sum(groups.values()):,} T-states (" + ", ".join(
                f"{group} {groups[group]:,} {groups[group] - base_groups[group]:+,}"
                for group in ("slots", "passes", "rows", "logits", "the rest")) + ")")


if __name__ == "__main__":
    main()
