"""Where the 128K's fc2 call (nzmatvec.s's matvec_nz) spends its T-states, instruction by instruction (thirty-fourth
round, zxchain34).

(The pieces' form: the 128K's until the thirty-seventh round's NZ_X_BITS; benchmarks/z80_fc2_bits.py weighs the
two.) Runs the shipped soul's fc2 calls of each prompt's reply steps (the engine's z, both layers: z80_bank_costs's
engine_steps_fc2) through the 128K's matvec_nz on the kernels' bench (the player's options and NZ_WIDE_X), single-
stepping it, each result checked against the integers. Each instruction's T-states go to a phase: the call's
preparing (its entry, the rows' pointers and constants), the scan of z's zero columns, the writing of a nonzero
column (nz_nonzero and what it calls, from the scan's jump to its way back; by the column's kind: a short piece, x
of 1..16 but 15, or an l piece, any other), the rows' start, the chain (by the segment of it the instruction lies
in: a column's skip over the zero columns before it or its piece, by kind; the parts' step; the jump to the end)
and the rows' ends (the bias, the shift, the store into out). Prints the phases a reply step (the means over the
prompts' reply steps), a nonzero column's writing and its rows by kind, and the chain's and the writing's
instructions that cost the most.

    python benchmarks/z80_fc2_profile.py [TEXT | --everyday | --prompts FILE] [--top N] [--phase PHASE] [--old-scan]
"""

from __future__ import annotations

import argparse
import collections

import numpy as np

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.player.bench import add_prompt_arguments, chosen_prompts
from soulterm.soul.engine import Engine
from soulterm.soul.intmath import sat16, shift_right
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx.kernelbench import _CORE_FRAME, CALL_T_STATES, NZ_BENCH, Z80Bench, player_kernel_options, \
    run_matvec_nz
from z80_bank_costs import engine_steps_fc2

SHORT_MOST = 16


def column_kind(x: int) -> str:
    """nzmatvec.s's piece for a nonzero x on the 128K: 'short' (nz_short's templates, 1..16 but 15) or 'l'."""
    return "short" if 1 <= x <= SHORT_MOST and x != 15 else "l"


class Profiler:
    """matvec_nz single-stepped on the 128K's kernels' bench: T-states by phase and by instruction."""

    def __init__(self, old_scan: bool = False):
        options = player_kernel_options("128k", nz_x_bits=False,       # (the pieces: the 128K's before NZ_X_BITS)
                                        **(dict(nz_scan_alt=False, nz_scan_page=False) if old_scan else {}))
        self.bench = Z80Bench(NZ_BENCH, options=options + "\nNZ_WIDE_X = 1")
        sym = self.bench.symbols
        self.sym = sym
        self.chain = range(sym["nz_chain"], sym["nz_chain_end"])
        self.rows_start = range(sym["nz_row"], sym["nz_chain"])
        self.ends = range(sym["nz_end"], sym["nz_done"])
        self.scan_loop = {sym["nz_scan"] + offset for offset in range(sym["nz_scan_next"] + 4 - sym["nz_scan"])}
        self.step_copy = sym["nz_copy_end"] - 2 * sym["NZ_STEP_BYTES"]
        named = {}      # (of two labels at one address, the one that does not end a table: nz_short, not its table's end)
        for name, address in sorted(sym.items(), key=lambda item: item[0].endswith("_end") and item[0] != "nz_end"):
            if not name.isupper() and "@" not in name and name.startswith(("nz_", "matvec_nz")):
                named.setdefault(address, name)
        self.labels = sorted(named.items())

    def label_of(self, pc: int) -> str:
        best = "?"
        for address, name in self.labels:
            if address > pc:
                break
            best = f"{name}+{pc - address}"
        return best

    def call(self, layer, z, phases: collections.Counter, instructions: collections.Counter,
             columns: collections.Counter) -> int:
        """One fc2 call: its T-states, each instruction's charged to `phases` and `instructions`; `columns` counts a
        kind's nonzero columns."""
        bench, cpu, sym = self.bench, self.bench.cpu, self.sym
        z = np.asarray(z, np.int64)
        order = [int(j) for j in np.flatnonzero(z)]
        kinds = [column_kind(int(z[j])) for j in order]
        for kind in kinds:
            columns[kind] += 1
        segments = []       # (chain address where a segment starts, its name), in the chain's order
        column = -1
        writing = None
        total = 0

        def stepped(routine):
            nonlocal column, writing, total
            address = sym[routine]
            bench.poke_word(bench.stack_top - 2, bench.trap)
            cpu.sp, cpu.pc = bench.stack_top - 2, address
            cpu.iff1 = cpu.iff2 = 0
            while cpu.pc != bench.trap:
                pc, before = cpu.pc, cpu.frame_tick
                if pc == sym["nz_nonzero"]:
                    column += 1
                    writing = kinds[column] if column < len(kinds) else "l"
                elif pc == sym["nz_scan_next"] and writing != "rows":
                    writing = None      # (the column written: the scan goes on)
                elif pc == sym["nz_h_known"]:
                    segments.append((cpu.de, f"skip {writing}"))
                elif pc == sym["NZ_AT"]:
                    segments.append((cpu.de, f"piece {writing}"))
                elif pc == self.step_copy:
                    segments.append((cpu.de, "parts' step"))
                elif pc == sym["nz_row"] and writing != "rows":
                    writing = "rows"
                    segments.append((self.chain_end(segments), "jp nz_end"))
                    segments.sort(key=lambda segment: segment[0])      # (stable: an empty skip before its piece)
                cpu.ticks_to_stop = 1
                cpu.run()
                spent = (cpu.frame_tick - before) % _CORE_FRAME
                total += spent
                phase = self.phase(pc, writing, segments)
                phases[phase] += spent
                # (the chain's by opcode byte, the rest by address; an index register's prefix is a step)
                instructions[phase, bench.memory[pc] if phase.startswith("chain") else pc] += spent
            return total + CALL_T_STATES

        bench.call, kept = stepped, bench.call
        try:
            w, bias = layer.fc2_t.T, layer.fc2_b
            out = np.zeros(len(bias), np.int64)
            got, t_states = run_matvec_nz(bench, w, z, bias, layer.s_fc2, out)
        finally:
            bench.call = kept
        expected = sat16(out + sat16(shift_right(z @ layer.fc2_t + bias, layer.s_fc2)))
        np.testing.assert_array_equal(got, expected)
        phases["the call"] += CALL_T_STATES
        return t_states

    def chain_end(self, segments) -> int:
        """Where this call's chain ends: its jp nz_end, the first after the last segment written."""
        sym, memory = self.sym, self.bench.memory
        start = max((address for address, _ in segments), default=sym["nz_chain"])
        return next(address for address in range(start, self.chain.stop - 2)
                    if memory[address] == 0xC3 and memory[address + 1] | memory[address + 2] << 8 == sym["nz_end"])

    def phase(self, pc: int, writing, segments) -> str:
        if pc in self.chain and writing == "rows":
            name = "?"
            for address, segment in segments:
                if address > pc:
                    break
                name = segment
            return f"chain: {name}"
        if pc in self.rows_start:
            return "rows: start"
        if pc in self.ends or self.sym.get("nz_saturate", -1) <= pc < self.sym.get("nz_right_end", -1) + 3:
            return "rows: end"
        if writing in ("short", "l"):
            return f"writing {writing}"
        if pc in self.scan_loop:
            return "scan"
        return "preparing"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_prompt_arguments(parser)
    parser.add_argument("--top", type=int, default=12, help="the costliest instructions to list (default 12)")
    parser.add_argument("--phase", help="every instruction of this phase, in the code's order (e.g. 'writing l')")
    parser.add_argument("--old-scan", action="store_true",
                        help="matvec_nz as before the thirty-fourth round (no NZ_SCAN_IN_ALT_SET, NZ_SCAN_IN_PAGE)")
    args = parser.parse_args()
    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    engine = Engine(soul)
    profiler = Profiler(args.old_scan)
    phases, instructions, columns = collections.Counter(), collections.Counter(), collections.Counter()
    steps = total = 0
    for prompt in chosen_prompts(args):
        for step in engine_steps_fc2(engine, tokenizer.encode_turn(prompt)):
            steps += 1
            for index, z in step:
                total += profiler.call(engine.layers[index], z, phases, instructions, columns)
    assert sum(phases.values()) == total
    print(f"{steps} reply steps; fc2 {total / steps:,.0f} T-states a reply step (both layers' calls); nonzero columns "
          f"a step: {columns['l'] / steps:.2f} l, {columns['short'] / steps:.2f} short")
    print(f"{'phase':28} {'a step':>9} {'share':>6}  {'a column (its kind)':>19}")
    for phase, spent in sorted(phases.items(), key=lambda item: -item[1]):
        kind = phase.split()[-1]
        per_column = f"{spent / columns[kind]:,.1f}" if kind in columns and columns[kind] else ""
        print(f"{phase:28} {spent / steps:9,.0f} {spent / total:6.1%}  {per_column:>19}")
    print(f"\nthe costliest instructions (a step; the chain's by opcode byte, the others' by label+offset):")
    def name(key):
        phase, where = key
        return f"{phase}: " + (f"opcode {where:02X}" if phase.startswith("chain") else profiler.label_of(where))

    for key, spent in instructions.most_common(args.top):
        print(f"  {name(key):44} {spent / steps:9,.0f}")
    if args.phase:
        print(f"\n{args.phase}'s instructions (a step; a prefix's step apart):")
        for key, spent in sorted(instructions.items()):
            if key[0] == args.phase:
                print(f"  {name(key):44} {spent / steps:9,.0f}")


if __name__ == "__main__":
    main()
