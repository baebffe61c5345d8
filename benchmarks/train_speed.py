"""Benchmark: how fast the trainer runs on this machine.

Measures, on the built-in corpus (or the corpus given as the first argument):
the seconds per training epoch (batches of the trainer's default size,
forward + backward + AdamW step,
with and without the exact LUT attention), and the seconds one evaluation
takes (export + integer engine's valid-reply rate and token accuracy + the
float model's greedy replies). Prints a line per figure.

    python benchmarks/train_speed.py [CORPUS] [--epochs N]
"""

from __future__ import annotations

import argparse
import time

import torch

from soulterm.soul import spec
from soulterm.soul.corpus import fit_exchanges, read_corpus
from soulterm.soul.engine import Engine
from soulterm.soul.evaluation import evaluate, prompt_groups
from soulterm.soul.model import SoulModel, greedy_replies, weighted_loss
from soulterm.soul.soulfile import Soul
from soulterm.soul.tokenizer import train_bpe
from soulterm.soul.trainer import TrainConfig, _training_tensors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?")
    parser.add_argument("--epochs", type=int, default=50)
    args = parser.parse_args()
    torch.set_num_threads(TrainConfig().threads or torch.get_num_threads())
    corpus = read_corpus(args.corpus)
    tokenizer = train_bpe(corpus.texts())
    fitted, _ = fit_exchanges(corpus, tokenizer)
    inputs, targets, weights = _training_tensors(fitted, TrainConfig().alternate_weight, "cpu")
    torch.manual_seed(1)
    model = SoulModel()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    print(f"corpus: {len(fitted)} exchanges; torch threads: {torch.get_num_threads()}")
    for exact in (False, True):
        model.exact_attention = exact
        started = time.perf_counter()
        size = TrainConfig().batch_size or len(inputs)
        for _ in range(args.epochs):
            for start in range(0, len(inputs), size):
                rows = slice(start, start + size)
                loss = weighted_loss(model(inputs[rows]), targets[rows], weights[rows])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
        per_epoch = (time.perf_counter() - started) / args.epochs
        print(f"epoch ({'exact LUT' if exact else 'softmax'} attention): {1000 * per_epoch:.1f} ms")
    started = time.perf_counter()
    report = evaluate(Engine(Soul.from_arrays(model.export_arrays())), tokenizer, fitted)
    int_seconds = time.perf_counter() - started
    contexts = [[spec.SEP, *p, spec.SEP] for p in prompt_groups(fitted)]
    started = time.perf_counter()
    greedy_replies(model, contexts)
    float_seconds = time.perf_counter() - started
    print(f"integer evaluation ({report.prompts} prompts, {report.tokens} tokens): {int_seconds:.2f} s")
    print(f"float greedy replies ({len(contexts)} prompts): {float_seconds:.2f} s")


if __name__ == "__main__":
    main()
