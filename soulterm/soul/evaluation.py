"""Score a soul with the integer engine, i.e. with exactly what the C64 prints.

Two figures:

- **valid-reply rate**: the share of the corpus's distinct prompts whose whole
  greedy reply (up to END) is exactly one of the responses the corpus gives
  for that prompt (compared as the text the C64 shows);
- **token accuracy**: teacher-forced, the share of response tokens and ENDs
  whose argmax over ids 3..127 is the corpus's token.

Both use `Engine.batch_logits`, batched over all prompts at once, so scoring
a few hundred exchanges takes about a second. No torch here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import spec
from .corpus import EncodedExchange
from .engine import Engine


@dataclass
class PromptResult:
    """The integer engine's reply to one distinct prompt and whether it is valid."""

    prompt: str
    reply: str
    valid: bool
    expected: list[str]


@dataclass
class EvalReport:
    valid_replies: int
    prompts: int
    correct_tokens: int
    tokens: int
    results: list[PromptResult] = field(default_factory=list)

    @property
    def valid_rate(self) -> float:
        return self.valid_replies / self.prompts if self.prompts else 0.0

    @property
    def token_accuracy(self) -> float:
        return self.correct_tokens / self.tokens if self.tokens else 0.0

    @property
    def score(self) -> tuple[float, float]:
        """What 'best' means: valid-reply rate first, token accuracy on a tie."""
        return (self.valid_rate, self.token_accuracy)

    def summary(self) -> str:
        return (f"valid replies {self.valid_replies}/{self.prompts} ({100 * self.valid_rate:.1f}%), "
                f"token accuracy {self.correct_tokens}/{self.tokens} ({100 * self.token_accuracy:.1f}%)")

    def to_json(self) -> dict:
        return {"valid_replies": self.valid_replies, "prompts": self.prompts,
                "valid_rate": self.valid_rate, "correct_tokens": self.correct_tokens,
                "tokens": self.tokens, "token_accuracy": self.token_accuracy}


def greedy_replies(engine: Engine, contexts: list[list[int]]) -> list[list[int]]:
    """SPEC's conversation rule for many contexts at once: argmax over ids 3..127
    (lowest id on a tie) until END or until the context holds 20 tokens."""
    return batched_greedy(engine.batch_logits, contexts)


def batched_greedy(batch_logits, contexts: list[list[int]]) -> list[list[int]]:
    """Greedy decoding with one batched call per step.

    Rows are right-padded to the longest: attention is causal, so padding after
    a row's last token does not change that token's logits. batch_logits maps
    an int array (B, T) to logits (B, T, 128) (the engine's or the float model's).
    """
    sequences = [list(c) for c in contexts]
    replies: list[list[int]] = [[] for _ in contexts]
    active = [i for i, s in enumerate(sequences) if len(s) < spec.CONTEXT]
    while active:
        lengths = np.array([len(sequences[i]) for i in active])
        batch = np.full((len(active), lengths.max()), spec.PAD, dtype=np.int64)
        for row, i in enumerate(active):
            batch[row, : lengths[row]] = sequences[i]
        logits = np.asarray(batch_logits(batch))[np.arange(len(active)), lengths - 1]
        chosen = np.argmax(logits[:, spec.FIRST_CHOOSABLE:], axis=1) + spec.FIRST_CHOOSABLE
        still = []
        for i, token in zip(active, chosen.tolist()):
            if token == spec.END:
                continue
            sequences[i].append(token)
            replies[i].append(token)
            if len(sequences[i]) < spec.CONTEXT:
                still.append(i)
        active = still
    return replies


def token_accuracy(engine: Engine, exchanges: list[EncodedExchange]) -> tuple[int, int]:
    """(correct, total) teacher-forced predictions of response tokens and END."""
    correct = total = 0
    by_length: dict[int, list[list[int]]] = {}
    for ex in exchanges:
        seq = ex.sequence
        by_length.setdefault(len(seq), []).append(seq)
    for length, seqs in by_length.items():
        batch = np.array(seqs)
        logits = engine.batch_logits(batch[:, : min(length - 1, spec.CONTEXT)])
        predicted = np.argmax(logits[:, :, spec.FIRST_CHOOSABLE:], axis=2) + spec.FIRST_CHOOSABLE
        for row, seq in enumerate(seqs):
            first = seq.index(spec.SEP, 1)          # the second SEP predicts the reply's first token
            targets = np.array(seq[first + 1:])
            guesses = predicted[row, first: first + len(targets)]
            correct += int((guesses == targets).sum())
            total += len(targets)
    return correct, total


def prompt_groups(exchanges: list[EncodedExchange]) -> dict[tuple[int, ...], list[EncodedExchange]]:
    """Exchanges grouped by prompt ids (what the engine sees), in corpus order."""
    groups: dict[tuple[int, ...], list[EncodedExchange]] = {}
    for ex in exchanges:
        groups.setdefault(ex.prompt_ids, []).append(ex)
    return groups


def evaluate(engine: Engine, tokenizer, exchanges: list[EncodedExchange]) -> EvalReport:
    """Valid-reply rate over distinct prompts and teacher-forced token accuracy."""
    groups = prompt_groups(exchanges)
    prompts = list(groups)
    contexts = [[spec.SEP, *p, spec.SEP] for p in prompts]
    replies = greedy_replies(engine, contexts)
    results = []
    for prompt, reply in zip(prompts, replies):
        expected = [tokenizer.decode(ex.response_ids) for ex in groups[prompt]]
        text = tokenizer.decode(reply)
        results.append(PromptResult(tokenizer.decode(prompt), text, text in expected, expected))
    correct, total = token_accuracy(engine, exchanges)
    valid = sum(r.valid for r in results)
    return EvalReport(valid, len(results), correct, total, results)
