"""The soul's byte-pair tokenizer (SPEC.md "Tokenizer"): encode, decode, train.

Ids 0..3 are the specials, 4..38 the alphabet, then one id per BPE merge
result, up to 128. Encoding lower-cases, drops characters outside the
alphabet, then applies every merge in the order it was learned.

A tokenizer may declare a prompt budget, "prompt_ids" (docs/SPEC.md,
tokenizer format 2): a conversation turn keeps only that many prompt ids, so
the reply always has room. Without the field (format 1, the original v3
souls) a turn keeps 16. It may also carry a word list, "words" (format 3):
a typed prompt's misspelt words are read as listed words before BPE
(spelling.py). Replies are never corrected: only prompts are.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from ..inputs import read_limited
from . import spec
from .atomic import write_text_atomic
from .spelling import Speller, word_list_problem

MAX_TOKENIZER_BYTES = 1024 * 1024      # a 128-token vocabulary and its merges take a few KB


class TokenizerError(ValueError):
    """A tokenizer.json that does not match SPEC.md."""


class Tokenizer:
    def __init__(self, vocab: dict[str, int], merges: list[tuple[str, str]],
                 prompt_ids: int = spec.MAX_INPUT_IDS, words=()):
        _validate(vocab, merges)
        if not (isinstance(prompt_ids, int) and 1 <= prompt_ids <= spec.MAX_INPUT_IDS):
            raise TokenizerError(f'"prompt_ids" must be 1..{spec.MAX_INPUT_IDS}, found {prompt_ids!r}')
        problem = word_list_problem(list(words))
        if problem:
            raise TokenizerError(problem)
        self.prompt_ids = prompt_ids
        self.words = list(words)
        self.speller = Speller(self.words)
        self.vocab = dict(vocab)
        self.merges = [tuple(m) for m in merges]
        self.id_to_token = [""] * spec.VOCAB_SIZE
        for text, idx in vocab.items():
            self.id_to_token[idx] = text
        # Merges whose parts and result are all in the vocabulary, as id triples.
        self._merge_ids = [
            (vocab[a], vocab[b], vocab[a + b])
            for a, b in self.merges
            if a in vocab and b in vocab and a + b in vocab
        ]
        self._char_ids = {ch: spec.FIRST_ALPHABET_ID + i for i, ch in enumerate(spec.ALPHABET)}

    # -- files -------------------------------------------------------------

    @classmethod
    def load(cls, path) -> "Tokenizer":
        path = Path(path)
        data = read_limited(path, MAX_TOKENIZER_BYTES, "tokenizer.json", TokenizerError)
        try:
            raw = json.loads(data.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise TokenizerError(f"{path}: not UTF-8 text (bad byte at offset {exc.start})") from None
        except json.JSONDecodeError as exc:
            raise TokenizerError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
        except RecursionError:
            raise TokenizerError(f"{path}: JSON nested too deeply to be a tokenizer") from None
        try:
            return cls.from_json(raw)
        except TokenizerError as exc:
            raise TokenizerError(f"{path}: {exc}") from None

    @classmethod
    def from_json(cls, raw) -> "Tokenizer":
        if not isinstance(raw, dict) or "vocab" not in raw or "merges" not in raw:
            raise TokenizerError('expected an object with "vocab" and "merges"')
        vocab, merges = raw["vocab"], raw["merges"]
        if not isinstance(vocab, dict) or not all(
                isinstance(k, str) and isinstance(v, int) for k, v in vocab.items()):
            raise TokenizerError('"vocab" must map token strings to integer ids')
        if not isinstance(merges, list) or not all(
                isinstance(m, list) and len(m) == 2 and all(isinstance(p, str) for p in m)
                for m in merges):
            raise TokenizerError('"merges" must be a list of [left, right] string pairs')
        if raw.get("vocab_size", spec.VOCAB_SIZE) != spec.VOCAB_SIZE:
            raise TokenizerError(f'"vocab_size" is {raw["vocab_size"]}, expected {spec.VOCAB_SIZE}')
        prompt_ids = raw.get("prompt_ids", spec.MAX_INPUT_IDS)
        if isinstance(prompt_ids, bool) or not isinstance(prompt_ids, int):
            raise TokenizerError(f'"prompt_ids" must be an integer, found {prompt_ids!r}')
        words = raw.get("words", [])
        problem = word_list_problem(words)
        if problem:
            raise TokenizerError(problem)
        return cls(vocab, [tuple(m) for m in merges], prompt_ids, words)

    def to_json(self) -> dict:
        ordered = dict(sorted(self.vocab.items(), key=lambda kv: kv[1]))
        raw = {"vocab": ordered, "merges": [list(m) for m in self.merges],
               "vocab_size": spec.VOCAB_SIZE}
        if self.prompt_ids != spec.MAX_INPUT_IDS:     # format 1 files stay byte-identical
            raw["prompt_ids"] = self.prompt_ids
        if self.words:                               # format 3
            raw["words"] = list(self.words)
        return raw

    def with_prompt_ids(self, prompt_ids: int) -> "Tokenizer":
        """The same vocabulary, merges and word list with another prompt budget."""
        return Tokenizer(self.vocab, self.merges, prompt_ids, self.words)

    def with_words(self, words) -> "Tokenizer":
        """The same vocabulary, merges and budget with another word list."""
        return Tokenizer(self.vocab, self.merges, self.prompt_ids, words)

    def save(self, path) -> None:
        write_text_atomic(path, json.dumps(self.to_json(), indent=2) + "\n")

    # -- encoding ----------------------------------------------------------

    def char_ids(self, text: str) -> list[int]:
        """Lower-case and map each alphabet character to its id; drop all others."""
        ids = self._char_ids
        return [ids[ch] for ch in text.lower() if ch in ids]

    def encode(self, text: str) -> list[int]:
        """All ids of text (not truncated)."""
        ids = self.char_ids(text)
        for left, right, merged in self._merge_ids:
            if len(ids) < 2:
                break
            ids = _apply_merge(ids, left, right, merged)
        return ids

    def spelled(self, text: str) -> str:
        """A prompt as the soul reads it: lower-cased, cut to the alphabet,
        its misspelt words replaced by listed words (spelling.py)."""
        kept = "".join(ch for ch in text.lower() if ch in self._char_ids)
        return self.speller.correct(kept)

    def encode_prompt(self, text: str) -> list[int]:
        """All ids of a typed prompt: its spelling corrected, then encoded."""
        return self.encode(self.spelled(text)) if self.words else self.encode(text)

    def prompt(self, text: str) -> list[int]:
        """The prompt ids a turn keeps: the first `prompt_ids` ids of the prompt."""
        return self.encode_prompt(text)[: self.prompt_ids]

    def encode_turn(self, text: str) -> list[int]:
        """The context of a conversation turn: [SEP] + the kept prompt ids + [SEP]."""
        return [spec.SEP] + self.prompt(text) + [spec.SEP]

    def token_text(self, idx: int) -> str:
        return "" if idx < len(spec.SPECIAL_TOKENS) else self.id_to_token[idx]

    def decode(self, ids) -> str:
        return "".join(self.token_text(int(i)) for i in ids)


def _apply_merge(ids: list[int], left: int, right: int, merged: int) -> list[int]:
    """Replace each adjacent (left, right), scanning left to right, without overlap."""
    out = []
    i, n = 0, len(ids)
    while i < n:
        if i + 1 < n and ids[i] == left and ids[i + 1] == right:
            out.append(merged)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


def _validate(vocab: dict[str, int], merges) -> None:
    for i, name in enumerate(spec.SPECIAL_TOKENS):
        if vocab.get(name) != i:
            raise TokenizerError(f"special token {name} must have id {i}")
    for i, ch in enumerate(spec.ALPHABET):
        if vocab.get(ch) != spec.FIRST_ALPHABET_ID + i:
            raise TokenizerError(
                f"alphabet character {ch!r} must have id {spec.FIRST_ALPHABET_ID + i}")
    ids = sorted(vocab.values())
    if ids != list(range(len(ids))) or len(ids) > spec.VOCAB_SIZE:
        raise TokenizerError(f"ids must be 0..{spec.VOCAB_SIZE - 1} without gaps or repeats")
    for text in vocab:
        if vocab[text] >= len(spec.SPECIAL_TOKENS) and (
                not text or any(ch not in spec.ALPHABET for ch in text)):
            raise TokenizerError(f"token {text!r} has characters outside the alphabet")


def base_vocab() -> dict[str, int]:
    vocab = {name: i for i, name in enumerate(spec.SPECIAL_TOKENS)}
    for i, ch in enumerate(spec.ALPHABET):
        vocab[ch] = spec.FIRST_ALPHABET_ID + i
    return vocab


def words_of(text: str) -> list[str]:
    """Text cut before each space: "so sad!" -> ["so", " sad!"]. Word BPE learns within these."""
    return re.findall(r" *[^ ]+| +", text)


def train_bpe(texts, vocab_size: int = spec.VOCAB_SIZE, within_words: bool = False) -> Tokenizer:
    """Learn BPE merges from texts until the vocabulary has vocab_size ids.

    Deterministic: the most frequent adjacent pair wins, ties go to the pair
    whose strings sort first. Sequences are merged exactly as encode() does.

    within_words: learn only inside `words_of` pieces, so every token is a
    piece of one word (a space only at its start). No merge can then join two
    words, and encode() gives a word the same ids wherever it stands (after a
    space): the merges are spent on whole common words, not on phrases.
    """
    vocab = base_vocab()
    id_to_text = {i: t for t, i in vocab.items()}
    char_tok = Tokenizer(vocab, [])
    counted = Counter(texts)
    if within_words:
        pieces: Counter = Counter()
        for text, n in counted.items():
            for word in words_of(text.lower()):
                pieces[word] += n
        counted = pieces
    seqs = [(char_tok.char_ids(t), n) for t, n in counted.items()]
    seqs = [(s, n) for s, n in seqs if len(s) >= 2]
    merges: list[tuple[str, str]] = []
    while len(vocab) < vocab_size:
        pairs: Counter = Counter()
        for seq, n in seqs:
            for pair in zip(seq, seq[1:]):
                pairs[pair] += n
        if not pairs:
            break
        best_count = max(pairs.values())
        if best_count < 2:
            break
        left, right = min((p for p, c in pairs.items() if c == best_count),
                          key=lambda p: (id_to_text[p[0]], id_to_text[p[1]]))
        a, b = id_to_text[left], id_to_text[right]
        merges.append((a, b))
        if a + b not in vocab:
            vocab[a + b] = len(vocab)
            id_to_text[vocab[a + b]] = a + b
        merged = vocab[a + b]
        seqs = [(_apply_merge(s, left, right, merged), n) for s, n in seqs]
        seqs = [(s, n) for s, n in seqs if len(s) >= 2]
    return Tokenizer(vocab, merges)
