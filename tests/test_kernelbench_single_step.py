"""kernelbench.single_stepped, the profilers' one instruction at a time (benchmarks/zx48_heads_lines.py,
zx128_heads_lines.py, zx48_means_walk.py, z80_context_costs.py): the same result and T-states as a plain call,
every instruction charged once at its own address."""

from __future__ import annotations

import collections

from soulterm.zx.kernelbench import CALL_T_STATES, Z80Bench, costliest_lines, single_stepped


def test_single_stepped_charges_every_instruction_and_matches_a_plain_call():
    bench = Z80Bench()
    cpu = bench.cpu
    start, end = bench.sym("mul16u"), min(value for name, value in bench.symbols.items()
                                          if isinstance(value, int) and value > bench.sym("mul16u")
                                          and "@" not in name and name.islower())
    charged, visits = collections.Counter(), collections.Counter()

    def charge(pc, spent):
        charged[pc] += spent
        visits[pc] += 1

    for a, b in ((65535, 65535), (300, 7), (0, 1)):
        cpu.bc, cpu.de = a, b
        plain = bench.call("mul16u") - CALL_T_STATES         # (call counts its CALL)
        plain_product = cpu.de << 16 | cpu.hl
        cpu.bc, cpu.de = a, b
        charged.clear()
        visits.clear()
        total = single_stepped(bench, "mul16u", charge)
        assert cpu.de << 16 | cpu.hl == plain_product == a * b
        assert total == plain == sum(charged.values()), (a, b)
        assert min(visits) == start and max(visits) < end       # its own code alone, entered at its start
        assert all(spent >= 4 for spent in charged.values())     # (no instruction is under 4 T-states)


def test_costliest_lines_name_the_source_lines_the_t_states_went_to():
    """kernelbench.costliest_lines, the heads' profilers' table: the lines most costly first, each one of arith.s's
    (mul16u's file) with its code and no comment, their T-states those charged to them."""
    bench = Z80Bench()
    cpu = bench.cpu
    charged = collections.Counter()
    cpu.bc, cpu.de = 65535, 65535
    total = single_stepped(bench, "mul16u", lambda pc, spent: charged.update({pc: spent}))
    rows = costliest_lines(bench.program, charged, 5)
    assert len(rows) == 5
    spent = [row[1] for row in rows]
    assert spent == sorted(spent, reverse=True) and sum(spent) <= total
    assert all(file.endswith("arith.s") and line > 0 and text and ";" not in text for _, _, file, line, text in rows)
    assert all(charged[pc] <= cost for pc, cost, *_ in rows)
