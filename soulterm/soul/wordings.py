"""How people really type a prompt: seeded typos, fillers and word-order noise.

The trainer draws noisy wordings of every corpus prompt from here, so the
soul learns that "im so sad lol" and "i'm sda" mean "i'm so sad"; `soulterm
eval` uses `one_typo` to build its seeded one-typo set. Everything takes a
`random.Random`, so a seed gives the same wordings on every machine.
No torch here.
"""

from __future__ import annotations

import random

from . import spec

LETTERS = "abcdefghijklmnopqrstuvwxyz"
# Keys next to each other on a QWERTY keyboard: most real typos hit a neighbour.
NEIGHBOURS = {
    "q": "wa", "w": "qes", "e": "wrd", "r": "etf", "t": "ryg", "y": "tuh", "u": "yij",
    "i": "uok", "o": "ipl", "p": "ol", "a": "qsz", "s": "adwx", "d": "sfe", "f": "dgr",
    "g": "fht", "h": "gjy", "j": "hku", "k": "jli", "l": "ko", "z": "xa", "x": "zcs",
    "c": "xvd", "v": "cbf", "b": "vng", "n": "bmh", "m": "nj",
}
# Words people add around what they mean; none of them changes the intent.
LEADING_FILLERS = ("hey", "hi", "so", "well", "um", "ok", "oh", "soul", "hey soul", "and", "but",
                   "honestly", "like", "please", "omg", "yo")
TRAILING_FILLERS = ("lol", "today", "please", "soul", "now", "haha", "right now", "again",
                    "though", "really", "friend", "ok", "pls", "tonight", "man")
INTENSIFIERS = ("really", "so", "very", "just", "kinda", "a bit", "super", "totally")
# Chances of 0, 1 and 2 typos in a noisy wording (the trainer may ask for others).
TYPO_WEIGHTS = (0.45, 0.4, 0.15)


def one_typo(text: str, rng: random.Random) -> str:
    """text with one slip in one word of 3+ letters: a neighbour key, a lost,
    doubled or extra letter, or two letters swapped. Unchanged if no such word."""
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if sum(ch in LETTERS for ch in w) >= 3]
    if not candidates:
        return text
    i = rng.choice(candidates)
    words[i] = _slip(words[i], rng)
    return " ".join(words)


def _slip(word: str, rng: random.Random) -> str:
    positions = [j for j, ch in enumerate(word) if ch in LETTERS]
    j = rng.choice(positions)
    kind = rng.randrange(5)
    ch = word[j]
    if kind == 0:                                   # a neighbouring key
        return word[:j] + rng.choice(NEIGHBOURS[ch]) + word[j + 1:]
    if kind == 1 and len(positions) > 3:            # a lost letter
        return word[:j] + word[j + 1:]
    if kind == 2:                                   # a doubled letter
        return word[:j] + ch + word[j:]
    if kind == 3 and j + 1 < len(word) and word[j + 1] in LETTERS and word[j + 1] != ch:
        return word[:j] + word[j + 1] + ch + word[j + 2:]     # two letters swapped
    return word[:j] + rng.choice(LETTERS) + word[j + 1:]     # any other letter


def noisy_wording(text: str, rng: random.Random, typo_weights=TYPO_WEIGHTS) -> str:
    """One way a person might type text: a few of the noises, each by chance."""
    words = text.lower().split()
    if not words:
        return text
    if rng.random() < 0.4:                          # apostrophes and final marks dropped
        words = [w.replace("'", "") for w in words]
    if rng.random() < 0.3:
        words[-1] = words[-1].rstrip("?!.,")
    if len(words) > 2 and rng.random() < 0.15:      # a word left out
        del words[rng.randrange(len(words))]
    if len(words) > 1 and rng.random() < 0.1:       # two words swapped
        j = rng.randrange(len(words) - 1)
        words[j], words[j + 1] = words[j + 1], words[j]
    if rng.random() < 0.15:
        j = rng.randrange(len(words))
        words.insert(j, rng.choice(INTENSIFIERS))
    if rng.random() < 0.3:
        words.insert(0, rng.choice(LEADING_FILLERS))
    if rng.random() < 0.3:
        words.append(rng.choice(TRAILING_FILLERS))
    out = " ".join(words)
    typos = rng.choices((0, 1, 2), weights=typo_weights)[0]
    for _ in range(typos):
        out = one_typo(out, rng)
    return out


def wordings(text: str, count: int, rng: random.Random, typo_weights=TYPO_WEIGHTS) -> list[str]:
    """Up to `count` distinct noisy wordings of text, never text itself."""
    seen, out = {text.lower()}, []
    for _ in range(count * 3):
        w = noisy_wording(text, rng, typo_weights)
        if w not in seen and any(ch in spec.ALPHABET[1:] for ch in w):
            seen.add(w)
            out.append(w)
            if len(out) == count:
                break
    return out
