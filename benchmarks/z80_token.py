"""T-states per token of the forward pass on the Z80 (kernels/z80/forward.s), shipped soul.

Runs a turn ("hello" by default) position by position as the Spectrum
player does (kernels/z80/soulplayer.s, soulterm.zx.kernelbench.forward_turn):
position 0 (always SEP) is computed by the first turn only and its keys and
values stay in the cache; the other prompt positions but the last run
forward_prefill (what later positions need); the last prompt position and
every reply position run forward_step. Each step is checked against the
integer engine bit for bit. Prints each position's T-states, the turn (with
and without position 0), the mean of the positions the turn computes (the
figure docs/spectrum.md quotes as "a position"; position 0 is kept from the
first turn, so it is neither in the turn's T-states nor in the count), the
mean reply step (forward_step, which picks a token) and the turn's
T-states over the reply's tokens (kernelbench.TurnCost).

It runs the player's own program at its own addresses (kernelbench.player_bench:
the build's layout, the stack below its origin, build.ORIGINS) and counts, a position, the memory
cycles in contended RAM ($4000-$7FFF) and the wait the 48K's ULA would add to
them (soulterm/zx/contention.py: the core cannot add them itself, so the
T-states above are a real 48K's without that wait). `--kernel-bench` runs
the player's kernels on the kernels' test bench instead (kernels at $6000,
as tests/test_zx_speed.py).

`--model 128k` runs the 128K player's program (`soulterm build --machine zx128`:
layer 1's tensors and the word list in a bank, matvec's low slots and
attention's scores through the squares table in the room they leave; with
`--kernel-bench`, its kernels). Both players have matvec's sparse calls
(MV_SPARSE, docs/spectrum.md, "Sparse fc2"); `--dense` leaves them out, on
the kernels' bench only (`--kernel-bench`), to measure what they save. On the
kernels' bench too, the 48K's kernels have the scores through the squares
table (AT_FAST_SCORES, docs/spectrum.md "Attention's scores through the squares
table"; with the 48K's means and its forms for room, "Twentieth round: the fast
scores in the 48K's options"), the first rung of the 48K's ladder (build.py), which
the shipped 48K takes since the twentieth round's screen third; `--dot-scores`
gives the 48K's kernels the old dot instead and leaves them out of the 128K's
(`--fast-scores`, the 48K's default now, stays for old commands); `--exact-logits` leaves the
argmax bound on matvec's coarse slots (MV_COARSE, docs/spectrum.md "The
logits' argmax bound on coarse slots", with fc1's ReLU gate on them,
"Thirteenth round") out of either player's kernels (both have it since the
sixteenth round, the 48K where the soul leaves room: a soul that does not,
the vectors soul among them, is built without it; `--coarse` is kept and
changes nothing). With the
bound, each step's logits are checked as it leaves them (kernelbench.bound_logits:
exact where a row may win) and its argmax as the engine's. `--product-means`
leaves the 48K's means through matvec's squares table (AT_TABLE_MEANS,
docs/spectrum.md "Fifteenth round") out of its kernels.

`--everyday` (the ten prompts of `soulterm bench --profile`) and `--prompts
FILE` run each prompt's turn, in order on one bench, and give the medians.

The 128K player keeps position 1 of each id it computes (kernels/z80/records128.s)
and records the commonest openers' at its first RUN: `--model 128k` runs that
first RUN first (its T-states printed) and each turn's position 1 as the player
does (forward_turn's records: copied from its id's record, or computed and
recorded). A copied position counts as a position with its copy's T-states in
"a position"; "a computed one" leaves copies out. `--no-records` runs every
position 1 (no first RUN), as before.

    python benchmarks/z80_token.py [TEXT | --everyday | --prompts FILE] [--soul SOUL.bin --tokenizer TOKENIZER.json] [--kernel-bench]
                                   [--model 48k|128k] [--dense] [--fast-scores | --dot-scores]
                                   [--coarse | --exact-logits] [--product-means] [--no-records]
"""

from __future__ import annotations

import argparse
import statistics
import sys

from soulterm.player.bench import EVERYDAY_PROMPTS, prompts_in
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.benchmark import add_soul_arguments, soul_files
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx.build import FAST_TAKEBACKS_48K
from soulterm.zx.contention import ContendedAccessCounter
from soulterm.zx.kernelbench import (TurnCost, Z80Bench, forward_turn, has_records, player_bench, player_kernel_options,
                                     record_known, records_first_run)
from soulterm.zx.soul_layout import soul_include

CLOCK_HZ = 3_500_000


# Options that choose kernels other than a player's: (their args, what they are, why the players differ).
BENCH_ONLY_OPTIONS = (
    (("coarse", "exact_logits"), "--coarse and --exact-logits run",
     "the players have MV_COARSE (the 48K where the soul leaves room)"),
    (("product_means",), "--product-means runs", "the 48K player has AT_TABLE_MEANS"),
    (("dense",), "--dense runs", "both players have matvec's sparse calls (MV_SPARSE)"),
    (("fast_scores", "dot_scores"), "--fast-scores and --dot-scores run",
     "the 128K player has its bit planes, the 48K AT_FAST_SCORES where build.py's ladder finds room (the shipped soul's)"),
)


def print_prompt_set(bench, engine, tokenizer, prompts, records: bool = False) -> None:
    """Each prompt's turn on one bench, in order (as typed into one player): its three means,
    then the median of each over the prompts. With `records` (the 128K player's position 1
    records) also the mean over the computed positions only and what position 1 was."""
    costs = []
    print(f"{'prompt':24} {'positions':>9} {'a position':>12} {'a reply step':>13} {'a reply token':>14}"
          + f" {'a computed one':>15}  position 1" * records)
    for prompt in prompts:
        rows, reply = forward_turn(bench, engine, tokenizer.encode_turn(prompt), records=records)
        cost = TurnCost(rows, reply)
        costs.append(cost)
        first = next((routine for position, _, routine, _ in rows if position == 1), "")
        print(f"{prompt[:24]:24} {cost.positions:>9} {cost.per_position:>12,.0f} {cost.per_step:>13,.0f} "
              f"{cost.per_reply_token:>14,.0f}" + f" {cost.per_computed:>15,.0f}  {first}" * records)
    print(f"median of {len(costs)} prompts: {statistics.median(c.per_position for c in costs):,.0f} T-states a position, "
          f"{statistics.median(c.per_step for c in costs):,.0f} a reply step, "
          f"{statistics.median(c.per_reply_token for c in costs):,.0f} the turn a reply token; "
          f"all positions together {sum(c.turn for c in costs) / sum(c.positions for c in costs):,.0f} a position")
    if records:
        computed = sum(c.positions - c.copied for c in costs)
        print(f"position 1 copied from its record in {sum(c.copied for c in costs)} of {len(costs)} turns "
              f"({sum(c.copied_t_states for c in costs) / max(1, sum(c.copied for c in costs)):,.0f} T-states a copy); "
              f"computed positions only: median {statistics.median(c.per_computed for c in costs):,.0f} a position, "
              f"all together {sum(c.turn - c.copied_t_states for c in costs) / computed:,.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("text", nargs="?", default="hello")
    parser.add_argument("--everyday", action="store_true",
                        help="the C64 profile's ten everyday prompts (soulterm bench --profile), each a turn: "
                             "a line each and the median")
    parser.add_argument("--prompts", metavar="FILE",
                        help="a prompts file (one a line, # comments), each a turn: a line each and the median")
    add_soul_arguments(parser)
    parser.add_argument("--kernel-bench", action="store_true",
                        help="the kernels' test bench (kernels at $6000) instead of the player's layout")
    parser.add_argument("--model", choices=("48k", "128k"), default="48k",
                        help="the 48K player (default) or the 128K player's program")
    parser.add_argument("--dense", action="store_true",
                        help="matvec without its sparse calls (MV_SPARSE), which both players have: "
                             "the kernels' bench only")
    parser.add_argument("--fast-scores", action="store_true",
                        help="the 48K's kernels with attention's scores through the squares table (AT_FAST_SCORES, "
                             "the shipped 48K's and the default since the twentieth round): the kernels' bench only")
    parser.add_argument("--dot-scores", action="store_true",
                        help="the 48K's kernels with the old dot, the 128K's without AT_FAST_SCORES: the kernels' "
                             "bench only")
    parser.add_argument("--coarse", action="store_true",
                        help="the kernels with the logits' argmax bound and fc1's gate (MV_COARSE, both "
                             "players' since the sixteenth round: no change): the kernels' bench only")
    parser.add_argument("--exact-logits", action="store_true",
                        help="the kernels without MV_COARSE (the bound and fc1's gate): the kernels' bench only")
    parser.add_argument("--product-means", action="store_true",
                        help="the 48K's kernels with attention's means by mul16s8u and div32s_floor_q16, without "
                             "AT_TABLE_MEANS (its means through matvec's squares table): the kernels' bench only")
    parser.add_argument("--no-records", action="store_true",
                        help="the 128K player without its position 1 records (records128.s): every position 1 "
                             "computed, no first RUN")
    args = parser.parse_args()
    for options, what, why in BENCH_ONLY_OPTIONS:
        if any(getattr(args, option) for option in options) and not args.kernel_bench:
            sys.exit(f"z80_token: {what} on the kernels' bench only (--kernel-bench): {why}")
    try:
        soul_path, tokenizer_path = soul_files(args)
        soul, tokenizer = load_soul(soul_path), Tokenizer.load(tokenizer_path)
    except (OSError, ValueError) as error:
        sys.exit(f"z80_token: {error}")
    text = args.text
    prompts = EVERYDAY_PROMPTS if args.everyday else ()
    if args.prompts:
        try:
            prompts = prompts + prompts_in(args.prompts)
        except (OSError, UnicodeDecodeError) as error:
            sys.exit(f"z80_token: {args.prompts}: {error}")
    if args.kernel_bench:
        options = player_kernel_options(
            args.model, sparse=not args.dense,
            fast_scores=False if args.dot_scores else (True if args.fast_scores or args.model == "48k" else None),
            coarse=False if args.exact_logits else (True if args.coarse else None),
            table_means=False if args.product_means else None,
            # (with the 48K's fast scores, the cuts for room the shipped 48K takes back)
            fast_takebacks=FAST_TAKEBACKS_48K if args.model == "48k" and not args.dot_scores else (),
            short_ends=args.model == "48k" and not args.exact_logits)     # (the shipped 48K's since the twenty-fourth round)
        bench = Z80Bench('.include "forward.s"\n' + soul_include(soul), options=options)
    else:
        bench = player_bench(soul, tokenizer, args.model)
    records = has_records(bench) and not args.no_records
    if records:
        first_run = records_first_run(bench)
        openers = [i for i in range(128) if record_known(bench, i)]
        print(f"first RUN: position 0 and {len(openers)} openers' position 1 recorded "
              f"({', '.join(repr(tokenizer.token_text(i)) for i in openers)}): {first_run:,} T-states "
              f"= {first_run / CLOCK_HZ:.2f} s at 3.5 MHz")
    if prompts:
        print_prompt_set(bench, Engine(soul), tokenizer, prompts, records)
        return
    counter = ContendedAccessCounter(bench.cpu, bench.clock)
    contention, before = [], (0, 0)

    def count_position(position: int) -> None:
        nonlocal before
        now = (counter.accesses, counter.wait_states)
        contention.append((now[0] - before[0], now[1] - before[1]))
        before = now

    rows, reply = forward_turn(bench, Engine(soul), tokenizer.encode_turn(text), after_step=count_position,
                               records=records)
    for (position, token, routine, t_states), (accesses, waits) in zip(rows, contention):
        note = "  (first turn only: kept in the cache after)" if position == 0 else ""
        print(f"position {position:2}  token {token:3}  {routine:15} {t_states:>10,} T-states, "
              f"{accesses:>9,} contended cycles, +{waits:,} wait{note}")
    cost = TurnCost(rows, reply)
    print(f"turn {cost.turn:,} T-states ({cost.turn + rows[0][3]:,} in a first turn), {cost.positions} positions "
          f"computed (position 0 kept), reply {tokenizer.decode(reply)!r} ({cost.reply_tokens} tokens)")
    print(f"mean {cost.per_position:,.0f} T-states a position = {cost.per_position / CLOCK_HZ:.2f} s on a 3.5 MHz Z80")
    if records:
        print(f"mean {cost.per_computed:,.0f} T-states a computed position ({cost.copied} copied from its record)")
    print(f"mean {cost.per_step:,.0f} T-states a reply step (forward_step, {len(cost.steps)}), "
          f"{cost.per_reply_token:,.0f} the turn a reply token")
    computed = [counts for (position, *_), counts in zip(rows, contention) if position]
    accesses = sum(a for a, _ in computed) / len(computed)
    waits = sum(w for _, w in computed) / len(computed)
    where = "the kernels' bench" if args.kernel_bench else "the player's layout"
    print(f"contended RAM ($4000-$7FFF, {where}): {accesses:,.0f} memory cycles a position, "
          f"a real 48K's ULA adds ~{waits:,.0f} T-states to them ({100 * waits / cost.per_position:.2f}%)")


if __name__ == "__main__":
    main()
