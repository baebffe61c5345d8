"""Wall-clock speed of the integer engine: single-stream and batched evaluation."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from soulterm import paths

from . import spec
from .engine import Engine
from .soulfile import load_soul
from .tokenizer import Tokenizer

PROMPTS = ("hello", "how are you", "i feel sad today", "tell me a joke",
           "what are you", "good night", "i love you", "thank you so much")


def add_soul_arguments(parser) -> None:
    """A benchmark script's --soul and --tokenizer (the shipped soul, the tokenizer beside a soul)."""
    parser.add_argument("--soul", type=Path, default=paths.DEFAULT_SOUL, help="soul.bin (default: the shipped soul)")
    parser.add_argument("--tokenizer", type=Path, default=None,
                        help="its tokenizer.json (default: the one beside the soul)")


def soul_files(args) -> tuple[Path, Path]:
    """(soul, tokenizer) from add_soul_arguments' options."""
    return args.soul, args.tokenizer or paths.tokenizer_beside(args.soul)


def engine_and_tokenizer(args) -> tuple[Engine, Tokenizer]:
    """The integer engine and the tokenizer of add_soul_arguments' options."""
    soul, tokenizer = soul_files(args)
    return Engine(load_soul(soul)), Tokenizer.load(tokenizer)


def shipped_engine():
    """(soul, engine, tokenizer) of the shipped soul: the bound-measuring benchmarks' subject."""
    soul = load_soul(paths.DEFAULT_SOUL)
    return soul, Engine(soul), Tokenizer.load(paths.DEFAULT_TOKENIZER)


def engine_speed(soul, tokenizer, seconds: float = 2.0) -> dict:
    """Tokens per second of Engine.reply (every position fed counts as a token)."""
    engine = Engine(soul)
    positions = generated = turns = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for prompt in PROMPTS:
            reply = engine.reply(tokenizer, prompt)
            positions += len(reply.context) + len(reply.ids)
            generated += len(reply.ids)
            turns += 1
    elapsed = time.perf_counter() - start
    return {"positions_per_s": positions / elapsed, "generated_per_s": generated / elapsed,
            "turns_per_s": turns / elapsed}


def batch_speed(soul, batch: int = 1000, repeats: int = 3) -> dict:
    """Teacher-forced positions scored per second by Engine.batch_logits."""
    engine = Engine(soul)
    rng = np.random.default_rng(0)
    seqs = rng.integers(4, spec.VOCAB_SIZE, size=(batch, spec.CONTEXT))
    engine.batch_logits(seqs[:8])  # warm up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        engine.batch_logits(seqs)
        best = min(best, time.perf_counter() - start)
    return {"positions": batch * spec.CONTEXT, "seconds": best,
            "positions_per_s": batch * spec.CONTEXT / best}


def engine_table(soul, tokenizer) -> str:
    single = engine_speed(soul, tokenizer)
    batched = batch_speed(soul)
    return "\n".join([
        "| integer engine | speed |",
        "|---|---|",
        f"| single stream, KV cache (positions fed) | {single['positions_per_s']:,.0f} tokens/s |",
        f"| single stream, generated tokens | {single['generated_per_s']:,.0f} tokens/s |",
        f"| batched teacher-forced ({batched['positions']:,} positions) | "
        f"{batched['seconds']:.2f} s ({batched['positions_per_s']:,.0f} positions/s) |",
    ])
