"""The 48K player's fc2 calls on a set of turns: how many, how many matvec_nz sends to matvec, and the most entries a
call's list had (thirty-eighth round, zx48room38: the list in one page, NZB_LIST_IN_PAGE, takes NZB_MOST_ENTRIES = 64).

Runs the turns of "hello" (or TEXT ..., `--everyday`: the ten everyday prompts, `--prompts FILE`) on the 48K
player's own program (kernelbench.player_bench), each step checked against the engine, counting the reads of
matvec_nz's first byte (a call: layer 0's at a prompt's position, both layers' at a reply's), of nz_fallback's (a
call matvec runs) and, at each level's pass, of NZB_COUNT's operand (the call's entries: an entry a nonzero x, three
an x past 255).

    python benchmarks/zx48_fc2_entries.py [TEXT ... | --everyday | --prompts FILE]
"""

from __future__ import annotations

import argparse

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.player.bench import add_prompt_arguments, chosen_prompts
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx.kernelbench import forward_turn, player_bench


def fc2_entries(prompts: list[str]) -> dict:
    """The 48K player's fc2 calls over `prompts`' turns: calls, fallbacks, the most entries and the limit."""
    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    bench = player_bench(soul, tokenizer, "48k")
    cpu, memory, symbols = bench.cpu, bench.cpu.memory, bench.program.symbols
    entry, fallback, count_operand = symbols["matvec_nz"], symbols["nz_fallback"], symbols["NZB_COUNT"]
    seen = {"calls": 0, "fallbacks": 0, "most entries": 0}

    def record(address: int) -> int:
        if address == entry:
            seen["calls"] += 1
        elif address == fallback:
            seen["fallbacks"] += 1
        elif address == count_operand:
            seen["most entries"] = max(seen["most entries"], memory[count_operand])
        return memory[address]

    cpu.set_read_callback(record)
    for address in (entry, fallback, count_operand):
        cpu.mark_addrs(address, 1, cpu.READ_MARK)
    for prompt in prompts:
        forward_turn(bench, Engine(soul), tokenizer.encode_turn(prompt))
    seen["limit"] = symbols["NZB_MOST_ENTRIES"]
    return seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_prompt_arguments(parser)
    prompts = chosen_prompts(parser.parse_args())
    seen = fc2_entries(prompts)
    print(f"{len(prompts)} turns (48k): {seen['calls']:,} fc2 calls, {seen['fallbacks']:,} run by matvec, "
          f"at most {seen['most entries']} entries a call (the list's limit {seen['limit']})")


if __name__ == "__main__":
    main()
