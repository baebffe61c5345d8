"""Matvec's column pass, call by call: T-states of forward_step at one position in mv_prepare's
column pass (mv_prepare@pass up to mv_prepare@columns_done: x read, S(l) summed into Cl, the
slots' displacements written) and in mv_prepare in all, for each matvec / matvec_again call,
with the vector it reads (fw_xn: RMSNorm's output, fw_att: attention's, fw_ffn: fc1's).

    python benchmarks/z80_passes.py [TEXT] [--model 48k|128k]
"""

from __future__ import annotations

import argparse

from z80_profile import routine_of

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx.kernelbench import _CORE_FRAME, Z80Bench, forward_turn, player_kernel_options
from soulterm.zx.soul_layout import soul_include


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("text", nargs="?", default="hello")
    parser.add_argument("--model", choices=("48k", "128k"), default="128k", help="whose kernels (default: the 128K's)")
    args = parser.parse_args()
    soul = load_soul(DEFAULT_SOUL)
    bench = Z80Bench('.include "forward.s"\n' + soul_include(soul), options=player_kernel_options(args.model))
    rows, _ = forward_turn(bench, Engine(soul), Tokenizer.load(DEFAULT_TOKENIZER).encode_turn(args.text))
    position, token = next((p, t) for p, t, routine, _ in reversed(rows) if routine == "forward_step" and p)
    bench.poke(bench.sym("fw_token"), [token])
    bench.poke(bench.sym("fw_pos"), [position])
    cpu, name_of, sym = bench.cpu, routine_of(bench), bench.sym
    pass_start, pass_end = sym("mv_prepare@pass"), sym("mv_prepare@columns_done")
    entries = {sym("matvec"): "matvec", sym("matvec_again"): "matvec_again"}
    vectors = {sym(name): name for name in ("fw_xn", "fw_att", "fw_ffn", "fw_h", "fw_q") if name in bench.symbols}
    calls = []
    bench.poke_word(bench.stack_top - 2, bench.trap)     # (the bench's own: BENCH_STACK_TOP, BENCH_TRAP)
    cpu.sp, cpu.pc = bench.stack_top - 2, sym("forward_step")
    cpu.iff1 = cpu.iff2 = 0
    while cpu.pc != bench.trap:
        pc, before = cpu.pc, cpu.frame_tick
        if pc in entries:
            x = int.from_bytes(bench.peek(sym("mv_x"), 2), "little")
            calls.append([entries[pc], vectors.get(x, hex(x)), 0, 0])
        name = name_of(pc)
        cpu.ticks_to_stop = 1
        cpu.run()
        t_states = (cpu.frame_tick - before) % _CORE_FRAME
        if calls:
            calls[-1][2] += t_states if pass_start <= pc < pass_end else 0
            calls[-1][3] += t_states if name == "mv_prepare" else 0
    print(f"forward_step at position {position}: matvec's calls (the column pass / mv_prepare in all)")
    for entry, vector, in_pass, in_prepare in calls:
        print(f"  {entry:13} {vector:7} {in_pass:>8,} {in_prepare:>8,}")
    print(f"  {'all':21} {sum(c[2] for c in calls):>8,} {sum(c[3] for c in calls):>8,}")


if __name__ == "__main__":
    main()
