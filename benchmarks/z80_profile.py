"""Where a position's T-states go on the Z80: a per-routine table from single-stepping forward.s.

Runs the turn of "hello" (or TEXT) as the player does (kernelbench.forward_turn,
checked against the engine), then steps one reply position (forward_step)
and one prompt position (forward_prefill) again instruction by instruction,
charging each instruction's T-states to the routine whose code holds its PC
(the nearest global label at or below it). Exact; a few seconds. Then
attention alone, in its two phases with the arithmetic helpers each calls:
the scores (q.k, f, max f and the LUT weights) and the means; and RMSNorm's
calls with theirs.
The kernels are the 48K player's (MV_SPARSE, MV_COARSE, MV_BIAS_IN_K, SOUL_PACKED, and since the
eighteenth round its MV_COARSE_TOP and AT_DIVIDE_UNROLLED) or with `--model 128k` the
128K player's (the low slots, MV_SPARSE, AT_PLANE_SCORES and MV_COARSE), as
z80_token.py's --kernel-bench has them, with RMSNorm's RN_UNIT_GAIN_BITS where the soul takes it
(build.unit_gain_bits); the 48K's kernels take attention's scores through the
squares table (AT_FAST_SCORES, the shipped 48K's since the twentieth round; its
key sums, at_key_sums, are charged to themselves), `--dot-scores` the old dot
instead (`--fast-scores` stays for old commands), `--product-means` leaves
out the 48K's means through matvec's squares table (AT_TABLE_MEANS), `--kept-means` gives the
48K's kernels AT_KEPT_MEANS's 48K form (twenty-first round: not in the player), and
`--soul` / `--tokenizer` run another soul.

    python benchmarks/z80_profile.py [TEXT] [--model 48k|128k] [--dot-scores] [--product-means] [--kept-means]
                                     [--soul SOUL.bin --tokenizer TOKENIZER.json]
"""

from __future__ import annotations

import argparse
import bisect
import collections

from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.benchmark import add_soul_arguments, soul_files
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx.build import FAST_TAKEBACKS_48K, least_shift, raw_rows_take, unit_gain_bits
from soulterm.zx.kernelbench import (_CORE_FRAME, SHORT_SHIFTS, Z80Bench, forward_turn,
                                     player_kernel_options)
from soulterm.player.attribution import Z80_RULES
from soulterm.zx.soul_layout import soul_include


# names of an instruction's patched operand (attention.s's at_kept: at_kept_dimension's), not routines
OPERAND_LABELS = {"at_kept"}


RUN_TIME_CODE = ("nz_chain",     # (nzmatvec.s's chain where a player puts it apart: the 48K's, zxsparse48)
                 "at_walk_code")  # (attention.s's walk written a head, AT_GENERATED_WALK: the 48K's, zx48genwalk39)


def routine_of(bench: Z80Bench):
    """PC -> the name of the code label at or below it (data labels, patched operands, the word list's
    labels, the TUI's data labels (attribution.Z80_RULES: the 128K's out planes among bank 6's code) and soul tensors left out; a table's end label, such as exp_lut_end, gives way to the code label at its
    address). Code written at run time outside the program (RUN_TIME_CODE: the 48K's nzmatvec.s chain in
    the screen) is named by its own label."""
    named = {}
    for value, name in sorted((value, name) for name, value in bench.symbols.items()
                              if isinstance(value, int) and "@" not in name and name[:1].islower()
                              and name not in OPERAND_LABELS and name not in Z80_RULES.data_labels
                              and not name.startswith(("soul_", "tk_"))
                              and (bench.program.origin <= value < bench.program.end or name in RUN_TIME_CODE)):
        if value not in named or named[value].endswith("_end"):
            named[value] = name
    labels = sorted(named.items())
    addresses = [address for address, _ in labels]
    return lambda pc: labels[max(0, bisect.bisect_right(addresses, pc) - 1)][1]


# attention.s's helpers (arith.s): charged to the attention phase that calls them
ARITHMETIC = {"mul16s", "mul16s_magnitude", "mul16u_smaller", "mul16u", "mul16s_sign", "neg32", "mul16s8u",
              "div32u", "div32u_rounds", "div32s_floor", "div32u_q16", "div32s_floor_q16",
              "sat32to16", "sra32", "cpl32", "div_negative_dividend",
              "at_fast_prepare", "at_dims", "at_fast_total",     # AT_FAST_SCORES's scores
              "at_fast_too_wide", "at_dims_toggle",
              "pl_prepare", "pl_keys",                       # AT_PLANE_SCORES's scores (the 128K's)
              "at_weight_squares", "at_fast_dimension",      # AT_FAST_MEANS's means
              "at_fast_negative", "at_fast_wide", "at_fast_zero", "at_fast_store",
              "at_kept_head", "at_kept_dimension", "at_kept_negative", "at_kept_below", "at_kept_wide",   # AT_KEPT_MEANS's
              "at_zero_weight",                                                          # (the weights' count of 0s)
              "at_kept_high", "at_wide_dimension",           # AT_KEPT_MEANS's 48K form's, the table means' wide v
              "at_means_divide", "at_means_udivide"}                 # AT_TABLE_MEANS's division


# rmsnorm.s's helpers (arith.s): charged to RMSNorm's phase
NORM_ARITHMETIC = {"mul16u", "mul16u_smaller", "mul16s", "mul16s_magnitude", "mul16s_sign", "neg32", "isqrt24",
                   "div32u", "div32u_rounds", "div32u_q16", "sra32"}


def profile_call(bench: Z80Bench, routine: str) -> tuple[collections.Counter, collections.Counter]:
    """T-states by routine, and attention's and RMSNorm's by (phase, routine): 'scores' from
    attend_head's entry, 'means' from attend_head@means, until a routine other
    than attend_head and its arithmetic runs; 'rmsnorm' from rmsnorm's entry until
    a routine other than rmsnorm and its arithmetic runs."""
    cpu, name_of = bench.cpu, routine_of(bench)
    counts, phases = collections.Counter(), collections.Counter()
    head, means, norm = bench.sym("attend_head"), bench.sym("attend_head@means"), bench.sym("rmsnorm")
    phase = None
    bench.poke_word(bench.stack_top - 2, bench.trap)     # (the bench's own: BENCH_STACK_TOP, BENCH_TRAP)
    cpu.sp, cpu.pc = bench.stack_top - 2, bench.sym(routine)
    cpu.iff1 = cpu.iff2 = 0
    while cpu.pc != bench.trap:
        pc, before = cpu.pc, cpu.frame_tick
        name = name_of(pc)
        if pc in (head, means, norm):
            phase = {head: "scores", means: "means", norm: "rmsnorm"}[pc]
        elif phase == "rmsnorm" and name != "rmsnorm" and name not in NORM_ARITHMETIC:
            phase = None
        elif phase != "rmsnorm" and name != "attend_head" and name not in ARITHMETIC:
            phase = None
        cpu.ticks_to_stop = 1
        cpu.run()
        t_states = (cpu.frame_tick - before) % _CORE_FRAME
        counts[name] += t_states
        if phase:
            phases[phase, name] += t_states
    return counts, phases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("text", nargs="?", default="hello")
    parser.add_argument("--model", choices=("48k", "128k"), default="48k", help="whose kernels (default: the 48K's)")
    parser.add_argument("--fast-scores", action="store_true",
                        help="the 48K's kernels with AT_FAST_SCORES (their default since the twentieth round)")
    parser.add_argument("--dot-scores", action="store_true",
                        help="the 48K's kernels with the old dot for the scores (before the twentieth round)")
    parser.add_argument("--product-means", action="store_true",
                        help="the 48K's kernels without AT_TABLE_MEANS (the means by mul16s8u, as before)")
    parser.add_argument("--kept-means", action="store_true",
                        help="the 48K's kernels with AT_KEPT_MEANS's 48K form (the kept walk through matvec's squares, "
                             "twenty-first round; the 128K's have it anyway)")
    add_soul_arguments(parser)
    args = parser.parse_args()
    text = args.text
    soul_path, tokenizer_path = soul_files(args)
    soul = load_soul(soul_path)
    fast_scores = args.model == "48k" and not args.dot_scores or args.fast_scores
    options = player_kernel_options(args.model, fast_scores=True if fast_scores else None,
                                    table_means=False if args.product_means else None,
                                    kept_means=args.model == "128k" or args.kept_means,     # (the shipped 128K's first rung's)
                                    coarse_top=args.model == "48k",     # (the shipped 48K's since the eighteenth round)
                                    raw_top=args.model == "48k" and raw_rows_take(soul),    # (its raw logits' rows since the twenty-second)
                                    fast_takebacks=FAST_TAKEBACKS_48K if fast_scores and args.model == "48k" else (),   # (its cuts taken back)
                                    short_ends=args.model == "48k")     # (its short row ends since the twenty-fourth round)
    gain_bits = unit_gain_bits(soul, SHORT_SHIFTS)
    if gain_bits is not None:       # as build.py chooses for the soul (both players)
        options += f"\nRN_UNIT_GAIN_BITS = {gain_bits}"
    if args.model == "48k":
        options += "\nAT_DIVIDE_UNROLLED = 1"    # (the shipped 48K's since the eighteenth round)
        if least_shift(soul) is not None:       # (the 48K's since the nineteenth, as build.py chooses)
            options += f"\nMV_LEAST_SHIFT = {least_shift(soul)}"
    bench = Z80Bench('.include "forward.s"\n' + soul_include(soul), options=options)
    kept = {}                   # AT_KEPT_MEANS's kept sums after each position, for a position run again
    keep = (lambda position: kept.update({position: bench.peek(bench.sym("kv_kept_sums"), 192)})) \
        if "kv_kept_sums" in bench.symbols else None
    rows, _ = forward_turn(bench, Engine(soul), Tokenizer.load(tokenizer_path).encode_turn(text), after_step=keep)
    for wanted in ("forward_step", "forward_prefill"):
        position, token = next((p, t) for p, t, routine, _ in reversed(rows) if routine == wanted and p)
        bench.poke(bench.sym("fw_token"), [token])
        bench.poke(bench.sym("fw_pos"), [position])
        if kept:                # (the sums as the position before left them: it adds its own)
            bench.poke(bench.sym("kv_kept_sums"), kept[position - 1])
        counts, phases = profile_call(bench, wanted)
        total = sum(counts.values())
        print(f"{wanted} at position {position}: {total:,} T-states")
        for name, t_states in counts.most_common(16):
            print(f"  {name:20} {t_states:>10,}  {100 * t_states / total:5.1f}%")
        for phase, title in (("scores", "attention's scores"), ("means", "attention's means"),
                             ("rmsnorm", "RMSNorm, its calls")):
            parts = {name: t for (p, name), t in phases.items() if p == phase}
            print(f"  {title}: {sum(parts.values()):,} T-states, "
                  f"{100 * sum(parts.values()) / total:.1f}% (" +
                  ", ".join(f"{name} {t:,}" for name, t in sorted(parts.items(), key=lambda item: -item[1])) + ")")
        if "kv_values_scatter" in counts:     # (the 128K's dimension-major value cache: v stored a word a dimension)
            print(f"  the values' store: kv_values_scatter {counts['kv_values_scatter']:,} T-states (both layers)")


if __name__ == "__main__":
    main()
