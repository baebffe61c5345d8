"""What one turn's positions cost on the C64, and so what a generated token pays for its prompt.

The soulplayer computes a turn's prompt positions (all but the last) with
forward_prefill (layer 0 and layer 1's keys and values) and the prompt's last
position and every generated token with forward_step (both layers and the
logits; the step after the last token finds END). So a reply of n tokens to a
prompt of p tokens costs (p - 1) prefills and n + 1 steps, and its cycles per
generated token are ((p - 1) * prefill + (n + 1) * step) / n: the shorter the
reply for its prompt, the more each token pays. For one turn (the integer
engine's reply), this runs every position on the player's own build
(`bench.program_bench`, exact emulated cycles, no badlines) both ways: its
forward_prefill, then the same position again as forward_step (which also
leaves the cache as the player has it).

    python benchmarks/position_cycles.py [TEXT] [--soul PATH] [--tokenizer PATH]
"""

from __future__ import annotations

import argparse

from soulterm.player.bench import program_bench
from soulterm.soul.benchmark import add_soul_arguments, engine_and_tokenizer, soul_files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("text", nargs="?", default="see you later")
    add_soul_arguments(parser)
    args = parser.parse_args()
    soul_path, tokenizer_path = soul_files(args)
    engine, tokenizer = engine_and_tokenizer(args)
    reply = engine.reply(tokenizer, args.text)
    bench = program_bench(soul_path, tokenizer_path)
    at_t = bench.sym("at_t")
    tokens = reply.context + reply.ids
    prompt_last = len(reply.context) - 1
    print(f"{args.text!r}: {prompt_last + 1} prompt positions, {len(reply.ids)} tokens generated "
          f"({reply.text!r}); cycles a position:")
    print("| position | token | forward_prefill | forward_step | the player runs |")
    print("|---:|---:|---:|---:|---|")
    turn = 0
    for t, token in enumerate(tokens):
        bench.memory[at_t] = t
        prefill = bench.call("forward_prefill", a=token)
        bench.memory[at_t] = t
        step = bench.call("forward_step", a=token)
        runs = "position 0: kept from start-up" if t == 0 else (
            "forward_prefill" if t < prompt_last else "forward_step")
        turn += 0 if t == 0 else prefill if t < prompt_last else step
        print(f"| {t} | {token} | {prefill:,} | {step:,} | {runs} |")
    generated = max(1, len(reply.ids))
    print(f"the turn's forward passes: {turn:,} cycles, {turn / generated:,.0f} a generated token")


if __name__ == "__main__":
    main()
