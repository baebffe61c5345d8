"""How a soul does on wordings it never saw: held-out sets, typos, off-topic prompts.

A held-out file has the corpus format (`<SEP>prompt<SEP>reply<SEP>`, with
`# intent: NAME` comments); a prompt may be listed with several acceptable
replies. A reply is *right* when it is one of them (for a prompt under
`# intent: off-topic`: any of the corpus's off-topic replies), and *whole*
when it is any complete corpus response (not cut by the context, not a mix
of two). The trainer never reads these files.

The one-typo set is generated: every distinct corpus prompt with one seeded
slip (`wordings.one_typo`), expected to get one of its own replies.

Scoring uses the integer engine, batched, i.e. exactly what the C64 prints.
No torch here; `soulterm eval` and the trainer both use it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

from ..paths import DEFAULT_CORPUS
from . import spec
from .corpus import Corpus, CorpusError, read_corpus
from .evaluation import batched_greedy
from .wordings import one_typo

HELDOUT_DIR = DEFAULT_CORPUS.parent / "heldout"
# set name -> file in HELDOUT_DIR
HELDOUT_FILES = {"short": "short.txt", "natural": "natural.txt", "fresh": "fresh.txt",
                 "typed typos": "typos.txt",
                 "off-topic": "offtopic.txt"}
OFF_TOPIC_INTENT = "off-topic"
TYPO_SEED = 11


class HeldoutError(ValueError):
    """A held-out file that cannot be read; the message names it."""


@dataclass(frozen=True)
class Wording:
    prompt: str
    accepted: frozenset[str]


@dataclass
class SetScore:
    """One set's figures: right reply, whole reply, and the replies themselves."""

    name: str
    right: int = 0
    whole: int = 0
    total: int = 0
    results: list[tuple[str, str, bool]] = field(default_factory=list)   # prompt, reply, right

    @property
    def right_rate(self) -> float:
        return self.right / self.total if self.total else 0.0

    @property
    def whole_rate(self) -> float:
        return self.whole / self.total if self.total else 0.0

    def to_json(self) -> dict:
        return {"prompts": self.total, "right": self.right, "right_rate": self.right_rate,
                "whole": self.whole, "whole_rate": self.whole_rate}


def read_heldout(path, corpus: Corpus) -> list[Wording]:
    """The distinct prompts of a held-out file with the replies accepted for each."""
    try:
        held = read_corpus(path)
    except CorpusError as exc:
        raise HeldoutError(str(exc)) from None
    if held.issues:
        raise HeldoutError(f"{held.path}: {held.issues[0]}")
    off_topic = corpus.intent_replies().get(OFF_TOPIC_INTENT, set())
    accepted: dict[str, set[str]] = {}
    for ex in held.exchanges:
        replies = accepted.setdefault(ex.prompt.lower(), set())
        replies.add(ex.response.lower())
        if ex.intent == OFF_TOPIC_INTENT:
            replies |= off_topic
    return [Wording(p, frozenset(r)) for p, r in accepted.items()]


def typo_set(corpus: Corpus, seed: int = TYPO_SEED) -> list[Wording]:
    """Each distinct corpus prompt with one slip (seeded); slips that give
    another corpus prompt, or no change, are left out."""
    rng = random.Random(seed)
    replies: dict[str, set[str]] = {}
    for ex in corpus.exchanges:
        replies.setdefault(ex.prompt.lower(), set()).add(ex.response.lower())
    out = []
    for prompt, accepted in replies.items():
        slipped = one_typo(prompt, rng)
        if slipped not in replies:
            out.append(Wording(slipped, frozenset(accepted)))
    return out


def score_wordings(engine, tokenizer, corpus: Corpus, name: str, items: list[Wording]) -> SetScore:
    """Reply to every wording with the integer engine and count right and whole replies."""
    every = {ex.response.lower() for ex in corpus.exchanges}
    contexts = [tokenizer.encode_turn(w.prompt) for w in items]
    replies = batched_greedy(engine.batch_logits, contexts) if contexts else []
    score = SetScore(name, total=len(items))
    for w, ids in zip(items, replies):
        text = tokenizer.decode(ids)
        right = text in w.accepted
        score.right += right
        score.whole += text in every
        score.results.append((w.prompt, text, right))
    return score


def heldout_scores(engine, tokenizer, corpus: Corpus, folder=None,
                   typo_seed: int = TYPO_SEED) -> list[SetScore]:
    """The held-out sets of `folder` (default models/heldout/) that exist, then the typo set."""
    folder = Path(folder) if folder is not None else HELDOUT_DIR
    scores = []
    for name, filename in HELDOUT_FILES.items():
        path = folder / filename
        if not path.is_file():
            continue
        scores.append(score_wordings(engine, tokenizer, corpus, name, read_heldout(path, corpus)))
    scores.append(score_wordings(engine, tokenizer, corpus, f"one typo (seed {typo_seed})",
                                 typo_set(corpus, typo_seed)))
    return scores


def ended_rate(engine, tokenizer, prompts: list[str]) -> float:
    """Share of prompts whose reply ends with END before the context is full:
    a figure that needs no corpus, so it compares any two souls."""
    contexts = [tokenizer.encode_turn(p) for p in prompts]
    replies = batched_greedy(engine.batch_logits, contexts)
    ended = sum(len(c) + len(r) < spec.CONTEXT for c, r in zip(contexts, replies))
    return ended / len(prompts) if prompts else 0.0
