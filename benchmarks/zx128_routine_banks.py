"""Which bank lies at $C000 while each routine of the 128K player's below $C000 runs (thirty-first round, zxroom31).

Runs the turns of "hello" (or the TEXTs given, in order on one player) on the 128K player's own program
(kernelbench.player_bench, every step checked against the engine, as z80_token.py), single-stepping each call the
bench makes and counting, for each routine whose code lies below $C000 (z80_profile.routine_of: the code label at or
below the PC), the instructions run with each bank paged. A routine seen with bank 0 alone may move to bank 0 above
$C000 (out of the room below it) where no path unseen here runs it with another bank: read its callers too.

    python benchmarks/zx128_routine_banks.py [TEXT ...]
"""

from __future__ import annotations

import argparse
import collections

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx import paging
from soulterm.zx.kernelbench import _CORE_FRAME, CALL_T_STATES, forward_turn, has_records, player_bench
from z80_profile import routine_of


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("texts", nargs="*", default=["hello"])
    args = parser.parse_args()
    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    bench = player_bench(soul, tokenizer, "128k")
    name_of = routine_of(bench)
    seen = collections.defaultdict(collections.Counter)

    def call(routine, max_t_states=50_000_000, interrupts=False):
        """Z80Bench.call single-stepped (interrupts off, as the bench's calls of the forward pass run)."""
        cpu = bench.cpu
        bench.poke_word(bench.stack_top - 2, bench.trap)
        cpu.sp, cpu.pc = bench.stack_top - 2, bench.sym(routine) if isinstance(routine, str) else routine
        cpu.iff1 = cpu.iff2 = 0
        total = 0
        while cpu.pc != bench.trap:
            if cpu.pc < paging.PAGED_START:
                seen[name_of(cpu.pc)][bench.paged_bank] += 1
            before = cpu.frame_tick
            cpu.ticks_to_stop = 1
            cpu.run()
            total += (cpu.frame_tick - before) % _CORE_FRAME
        bench.t_states += total + CALL_T_STATES
        return total + CALL_T_STATES

    bench.call = call
    engine = Engine(soul)
    for text in args.texts:
        forward_turn(bench, engine, tokenizer.encode_turn(text), records=has_records(bench))
    print(f"the 128K player, {len(args.texts)} turn(s): instructions run below $C000 by the bank at $C000")
    for name, banks in sorted(seen.items(), key=lambda item: bench.sym(item[0])):
        alone = " (bank 0 alone)" * (set(banks) == {0})
        print(f"  ${bench.sym(name):04X} {name:28} " + ", ".join(f"bank {bank}: {count:,}" for bank, count
                                                                   in sorted(banks.items())) + alone)


if __name__ == "__main__":
    main()
