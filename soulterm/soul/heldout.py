"""How a soul does on wordings it never saw: held-out sets, typos, off-topic prompts.

A held-out file lists prompts under `# intent: NAME` headers, one per line
(blank lines and other comments ignored). A reply is *right* when it is one
of the corpus's responses for that intent, and *whole* when it is any
complete corpus response (not cut by the context, not a mix of two). The
off-topic file's intent is the corpus's `off-topic` intent.

The one-typo set is generated: every distinct corpus prompt with one seeded
slip (`wordings.one_typo`), expected to get its own intent's reply.

Scoring uses the integer engine, batched, i.e. exactly what the C64 prints.
No torch here; `soulterm eval` and the trainer both use it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

from ..paths import DEFAULT_CORPUS
from . import spec
from .corpus import Corpus, intent_of_comment
from .evaluation import batched_greedy
from .wordings import one_typo

HELDOUT_DIR = DEFAULT_CORPUS.parent / "heldout"
# name -> file in HELDOUT_DIR; the trainer never reads these.
HELDOUT_FILES = {"short": "short.txt", "natural": "natural.txt", "off-topic": "offtopic.txt"}
OFF_TOPIC_INTENT = "off-topic"
TYPO_SEED = 11
MAX_HELDOUT_BYTES = 1024 * 1024


class HeldoutError(ValueError):
    """A held-out file that cannot be read; the message names it."""


@dataclass(frozen=True)
class Wording:
    prompt: str
    intent: str


@dataclass
class SetScore:
    """One set's figures: right intent, whole reply, and the replies themselves."""

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


def read_heldout(path, default_intent: str = "") -> list[Wording]:
    """The prompts of a held-out file with their intents."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_HELDOUT_BYTES:
            raise HeldoutError(f"{path}: too large for a held-out set")
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise HeldoutError(f"{path}: no such held-out file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise HeldoutError(f"{path}: cannot read ({exc})") from None
    intent, out = default_intent, []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            intent = intent_of_comment(stripped, intent)
        elif stripped:
            out.append(Wording(stripped.lower(), intent))
    return out


def typo_set(corpus: Corpus, seed: int = TYPO_SEED) -> list[Wording]:
    """Each distinct corpus prompt with one slip (seeded); slips that give
    another corpus prompt, or no change, are left out."""
    rng = random.Random(seed)
    prompts = {ex.prompt.lower() for ex in corpus.exchanges}
    seen, out = set(), []
    for ex in corpus.exchanges:
        prompt = ex.prompt.lower()
        if prompt in seen:
            continue
        seen.add(prompt)
        slipped = one_typo(prompt, rng)
        if slipped not in prompts:
            out.append(Wording(slipped, ex.intent))
    return out


def score_wordings(engine, tokenizer, corpus: Corpus, name: str, items: list[Wording]) -> SetScore:
    """Reply to every wording with the integer engine and count right and whole replies."""
    by_intent = corpus.intent_replies()
    every = set().union(*by_intent.values()) if by_intent else set()
    contexts = [tokenizer.encode_turn(w.prompt) for w in items]
    replies = batched_greedy(engine.batch_logits, contexts) if contexts else []
    score = SetScore(name, total=len(items))
    for w, ids in zip(items, replies):
        text = tokenizer.decode(ids)
        right = text in by_intent.get(w.intent, ())
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
        default = OFF_TOPIC_INTENT if name == OFF_TOPIC_INTENT else ""
        scores.append(score_wordings(engine, tokenizer, corpus, name, read_heldout(path, default)))
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
