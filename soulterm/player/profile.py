"""Exact cycles per routine: every instruction's cycles charged to the code symbol holding its PC.

A build map's symbols name routines (`matvec`) and their local labels
(`matvec@row`); `CodeSymbols` keeps the code addresses and answers, for a PC,
the routine whose range holds it (from its address up to the next routine's).
`profile_cycles(cpu, symbols, run)` wraps the CPU's `step` while `run()`
executes and returns {routine: cycles}; cycles spent outside the program's
code (KERNAL, interrupts, BASIC) are counted under OUTSIDE. The same works
for soulterm's C64 (`machine.cpu`) and the bare kernel bench (`bench.mpu`),
because both run through `cpu.step`.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from contextlib import contextmanager

OUTSIDE = "(outside the program)"


class CodeSymbols:
    """The routines of a program: sorted start addresses within [code_start, code_end)."""

    def __init__(self, symbols: dict[str, int], code_start: int, code_end: int):
        starts: dict[int, str] = {}
        for name, address in symbols.items():
            if "@" in name or not code_start <= address < code_end:
                continue
            # Of several names at one address keep the first alphabetically, so the result is stable.
            if address not in starts or name < starts[address]:
                starts[address] = name
        self.code_start, self.code_end = code_start, code_end
        self.addresses = sorted(starts)
        self.names = [starts[a] for a in self.addresses]

    def routine_at(self, pc: int) -> str:
        if not self.code_start <= pc < self.code_end:
            return OUTSIDE
        i = bisect_right(self.addresses, pc) - 1
        return self.names[i] if i >= 0 else OUTSIDE


def program_code(symbols: dict[str, int]) -> CodeSymbols:
    """The soulplayer's routines: the build map's code region, `start` up to the tokenizer's tables."""
    return CodeSymbols(symbols, symbols["start"], symbols["char_to_id"])


@contextmanager
def counting_pcs(cpu):
    """Count cycles per PC while the block runs: yields the {pc: cycles} dict it fills."""
    per_pc: dict[int, int] = defaultdict(int)
    original = cpu.step

    def step():
        pc, before = cpu.pc, cpu.processorCycles
        try:
            return original()
        finally:
            per_pc[pc] += cpu.processorCycles - before

    cpu.step = step  # instance attribute: the run loops look `cpu.step` up when they start
    try:
        yield per_pc
    finally:
        del cpu.step


def by_routine(per_pc: dict[int, int], symbols: CodeSymbols) -> dict[str, int]:
    """{routine: cycles} from {pc: cycles}, largest first."""
    totals: dict[str, int] = defaultdict(int)
    for pc, cycles in per_pc.items():
        totals[symbols.routine_at(pc)] += cycles
    return dict(sorted(totals.items(), key=lambda item: -item[1]))


def by_file(per_pc: dict[int, int], symbols: CodeSymbols, lines: list) -> dict[str, int]:
    """{source file: cycles} from {pc: cycles} and a build's line map [[address, file, line], ...]."""
    line_starts = sorted((row[0], row[1]) for row in lines)
    addresses = [a for a, _ in line_starts]
    totals: dict[str, int] = defaultdict(int)
    for pc, cycles in per_pc.items():
        i = bisect_right(addresses, pc) - 1
        inside = i >= 0 and symbols.code_start <= pc < symbols.code_end
        totals[line_starts[i][1] if inside else OUTSIDE] += cycles
    return dict(sorted(totals.items(), key=lambda item: -item[1]))


def profile_cycles(cpu, symbols: CodeSymbols, run) -> dict[str, int]:
    """{routine: cycles} of everything `run()` executes on `cpu`."""
    with counting_pcs(cpu) as per_pc:
        run()
    return by_routine(per_pc, symbols)
