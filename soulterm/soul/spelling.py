"""The tokenizer's spelling rule (docs/SPEC.md, tokenizer format 3).

A tokenizer may carry a word list. Before BPE, every word of a typed prompt
(a maximal run of letters and apostrophes) of at least MIN_CORRECTED
characters that is not in the list becomes the first listed word within one
edit of it: one character changed, one left out, one added, or two
neighbouring characters swapped. A word with no such listed word stays as it
is. So "i'm so nagry" reads as "i'm so angry" when "angry" is listed, on
every engine: this module, kernels/tokenizer.s and kernels/z80/tokenizer.s.
"""

from __future__ import annotations

import re

MIN_CORRECTED = 3        # typed words shorter than this are never changed
MIN_WORD = 3             # listed words are MIN_WORD..MAX_WORD characters
MAX_WORD = 15
# Characters of the shipped soul's list: what the C64 and the Spectrum programs
# both hold (docs/soul.md has the typo figures for other sizes).
SHIPPED_SPELLING_CHARS = 1365
WORD_CHARACTERS = "abcdefghijklmnopqrstuvwxyz'"
_WORD = re.compile(r"[a-z']+")


def within_one_edit(typed: str, listed: str) -> bool:
    """True when listed is typed with one character changed, added, left out,
    or two neighbouring characters swapped (never when they are equal)."""
    if typed == listed:
        return False
    lt, ll = len(typed), len(listed)
    if lt == ll:
        diff = [i for i in range(lt) if typed[i] != listed[i]]
        if len(diff) == 1:
            return True
        return (len(diff) == 2 and diff[1] == diff[0] + 1
                and typed[diff[0]] == listed[diff[1]] and typed[diff[1]] == listed[diff[0]])
    if abs(lt - ll) != 1:
        return False
    short, long_ = (typed, listed) if lt < ll else (listed, typed)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1:]


class Speller:
    """Applies one word list's rule to text already lower-cased and cut to the alphabet."""

    def __init__(self, words):
        self.words = list(words)
        self._known = set(self.words)
        self._by_length: dict[int, list[tuple[int, str]]] = {}
        for order, word in enumerate(self.words):
            self._by_length.setdefault(len(word), []).append((order, word))

    def correct_word(self, word: str) -> str:
        if len(word) < MIN_CORRECTED or word in self._known:
            return word
        candidates = [c for n in (len(word) - 1, len(word), len(word) + 1)
                      for c in self._by_length.get(n, ())]
        for _, listed in sorted(candidates):
            if within_one_edit(word, listed):
                return listed
        return word

    def correct(self, text: str) -> str:
        if not self.words:
            return text
        return _WORD.sub(lambda m: self.correct_word(m.group()), text)


def word_list_problem(words) -> str | None:
    """Why a "words" value breaks the format, or None when it is valid."""
    if not isinstance(words, list):
        return '"words" must be a list of strings'
    seen = set()
    for word in words:
        if not isinstance(word, str) or not (MIN_WORD <= len(word) <= MAX_WORD) \
                or any(ch not in WORD_CHARACTERS for ch in word):
            return (f'"words" entries must be {MIN_WORD}..{MAX_WORD} characters of '
                    f'a-z and \', found {word!r}')
        if word in seen:
            return f'"words" lists {word!r} twice'
        seen.add(word)
    return None


def words_of_prompts(prompts, max_chars: int) -> list[str]:
    """The trainer's word list, at most max_chars characters in all (what a
    machine stores), chosen from the prompts' words of MIN_WORD..MAX_WORD
    characters.

    Words one edit apart go in or out together (a connected group of such
    words): with "sad" listed and "sand" not, a prompt's own "sand" would be
    read as "sad", and the soul would read its corpus wrong. Groups are taken
    by their worth per character while they fit; a word is worth the typos it
    can catch, and a typo hits one of a prompt's words, so each distinct
    prompt gives each of its n words 1/n. The list is in frequency order
    (ties alphabetical): the first listed word within one edit wins, so the
    commoner of two near words does.
    """
    counts: dict[str, int] = {}
    worth: dict[str, float] = {}
    for prompt in sorted({p.lower() for p in prompts}):
        words = [w for w in _WORD.findall(prompt) if MIN_WORD <= len(w) <= MAX_WORD]
        for word in words:
            counts[word] = counts.get(word, 0) + 1
            worth[word] = worth.get(word, 0.0) + 1 / len(words)
    groups = _one_edit_groups(sorted(counts))
    groups.sort(key=lambda g: (-sum(worth[w] for w in g) / sum(map(len, g)), min(g)))
    chosen: set[str] = set()
    used = 0
    for group in groups:
        size = sum(map(len, group))
        if used + size <= max_chars:
            chosen.update(group)
            used += size
    return sorted(chosen, key=lambda w: (-counts[w], w))


def _one_edit_groups(words: list[str]) -> list[list[str]]:
    """words split into groups joined by one-edit links (connected components)."""
    leader = {w: w for w in words}

    def find(w):
        while leader[w] != w:
            leader[w] = leader[leader[w]]
            w = leader[w]
        return w

    by_length: dict[int, list[str]] = {}
    for w in words:
        by_length.setdefault(len(w), []).append(w)
    for w in words:
        for n in (len(w), len(w) + 1):
            for other in by_length.get(n, ()):
                if other > w or n > len(w):
                    if within_one_edit(w, other):
                        leader[find(w)] = find(other)
    groups: dict[str, list[str]] = {}
    for w in words:
        groups.setdefault(find(w), []).append(w)
    return list(groups.values())
