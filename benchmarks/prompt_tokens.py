"""How many ids the everyday prompts take, and what a tokenizer weighted otherwise would give.

A generated token's cycles include its share of the prompt's positions
(benchmarks/position_cycles.py), so a prompt's length in ids matters. This
prints the mean ids of the ten everyday prompts (soulterm/player/bench.py),
the forty of benchmarks/everyday_more.txt and the corpus's prompts and
replies, with the shipped tokenizer and with BPE trained on the corpus's
distinct texts (each reply once, not once per paraphrase that shares it).
Lengths are `Tokenizer.encode` (the word list's spelling rule not applied).

    python benchmarks/prompt_tokens.py [--corpus PATH] [--tokenizer PATH]
"""

from __future__ import annotations

import argparse
from pathlib import Path
from statistics import mean

from soulterm.paths import CHECKOUT_DIR, DEFAULT_CORPUS, DEFAULT_TOKENIZER
from soulterm.player.bench import EVERYDAY_PROMPTS, prompts_in
from soulterm.soul.corpus import read_corpus
from soulterm.soul.tokenizer import Tokenizer, train_bpe

MORE_PROMPTS = CHECKOUT_DIR / "benchmarks" / "everyday_more.txt"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    parser.add_argument("--tokenizer", default=str(DEFAULT_TOKENIZER))
    args = parser.parse_args()
    corpus = read_corpus(Path(args.corpus))
    prompts = [ex.prompt for ex in corpus.exchanges]
    replies = [ex.response for ex in corpus.exchanges]
    more = list(prompts_in(MORE_PROMPTS))
    sets = {"ten everyday prompts": list(EVERYDAY_PROMPTS), "forty more (everyday_more.txt)": more,
            "corpus prompts": prompts, "corpus replies": replies}
    tokenizers = {"shipped": Tokenizer.load(Path(args.tokenizer)),
                  "BPE on distinct texts": train_bpe(sorted(set(prompts)) + sorted(set(replies)),
                                                     within_words=True)}
    print("| ids on average | " + " | ".join(tokenizers) + " |")
    print("|---|" + "---:|" * len(tokenizers))
    for name, texts in sets.items():
        cells = " | ".join(f"{mean(len(t.encode(text)) for text in texts):.2f}" for t in tokenizers.values())
        print(f"| {name} | {cells} |")


if __name__ == "__main__":
    main()
