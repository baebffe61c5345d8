"""tokenizer.s against the Python tokenizer (SPEC encoding), PETSCII in, ids out."""

from __future__ import annotations

import random

import numpy as np
import pytest

from soulterm.player.harness import KernelBench
from soulterm.soul import spec

PUNCTUATION = ".'!?,;:-"
OTHERS = "0123456789@#$%&*()+=/\"<>"


def petscii(text: str) -> bytes:
    """What the keyboard puts in the line in lower-case mode."""
    out = []
    for ch in text:
        if "a" <= ch <= "z":
            out.append(ord(ch) - 0x20)            # $41-$5A
        elif "A" <= ch <= "Z":
            out.append(ord(ch) + 0x80)            # $C1-$DA (shifted)
        else:
            out.append(ord(ch))
    return bytes(out)


@pytest.fixture(scope="module")
def bench(vectors_tokenizer):
    return KernelBench(tokenizer=vectors_tokenizer)


def encode_on_6502(bench, text: str) -> list[int]:
    sym = bench.sym
    data = petscii(text)[: sym("LINE_MAX")]
    bench.poke(sym("LINE_BUFFER"), data)
    bench.memory[sym("tk_len")] = len(data)
    bench.call("tokenize")
    count = bench.memory[sym("tk_count")]
    return list(bench.peek(sym("TOKEN_BUFFER"), count))


def test_tokenizer_matches_python_on_200_random_lines(bench, vectors_tokenizer):
    rng = np.random.default_rng(31)
    words = ["hello", "you", "are", "the", "what", "love", "me", "i", "how", "do", "wonderful"]
    alphabet = spec.ALPHABET + "ABCDEFGHIJKLMNOPQRSTUVWXYZ" + OTHERS
    for case in range(200):
        if case % 2:
            text = " ".join(rng.choice(words, int(rng.integers(1, 12))))
            if case % 3 == 0:
                text = text.upper()
        else:
            text = "".join(rng.choice(list(alphabet), int(rng.integers(0, 81))))
        # Tokenizer.prompt: spelt (with a word list), encoded, cut to the prompt budget
        assert encode_on_6502(bench, text) == vectors_tokenizer.prompt(text), repr(text)


def test_tokenizer_prompts_of_the_vectors(bench, vectors_tokenizer, vectors_replies):
    for entry in vectors_replies:
        ids = encode_on_6502(bench, entry["text"][:80])
        assert [spec.SEP] + ids + [spec.SEP] == entry["context"], entry["text"]


def test_stale_marks_only_cost_time(bench, vectors_tokenizer):
    """tokenize marks the line's ids in TK_PRESENT under a new mark each line and skips a
    merge whose left id is unmarked; bytes left there (older lines, the wide sums' data)
    that equal the new mark only make merges look for their pairs: the same ids, more
    cycles."""
    sym = bench.sym
    text = "hello how are you doing today"
    data = petscii(text)
    want = vectors_tokenizer.prompt(text)
    cycles = {}
    for stale in (False, True):
        next_mark = (bench.memory[sym("tk_mark")] + 1) & 0xFF
        fill = next_mark if stale else (next_mark + 1) & 0xFF
        bench.poke(sym("TK_PRESENT"), [fill] * spec.VOCAB_SIZE)
        bench.poke(sym("LINE_BUFFER"), data)
        bench.memory[sym("tk_len")] = len(data)
        cycles[stale] = bench.call("tokenize")
        ids = list(bench.peek(sym("TOKEN_BUFFER"), bench.memory[sym("tk_count")]))
        assert ids == want, stale
        assert bench.memory[sym("tk_mark")] == next_mark
        assert all(bench.memory[sym("TK_PRESENT") + i] == next_mark for i in ids), stale
    assert cycles[True] > cycles[False]


def test_only_unknown_characters_give_no_ids(bench):
    assert encode_on_6502(bench, "1234 %%%"[0:4] + "@@") == []
    assert encode_on_6502(bench, "") == []


def test_a_declared_prompt_budget_cuts_the_line_like_python(vectors_tokenizer):
    """tokenizer.json "prompt_ids" (format 2): the 6502 keeps the same first N ids."""
    budgeted = vectors_tokenizer.with_prompt_ids(5)
    bench = KernelBench(tokenizer=budgeted)
    for text in ("hello", "how are you doing today my wonderful friend", "i love what you do"):
        ids = encode_on_6502(bench, text)
        assert ids == budgeted.prompt(text) == vectors_tokenizer.encode(text)[:5]
    assert len(encode_on_6502(bench, "how are you doing today my wonderful friend")) == 5


# --- the spelling rule (tokenizer format 3) ------------------------------------

@pytest.fixture(scope="module")
def corpus_prompts():
    from soulterm.paths import DEFAULT_CORPUS
    from soulterm.soul.corpus import read_corpus

    return [e.prompt for e in read_corpus(DEFAULT_CORPUS).exchanges]


@pytest.fixture(scope="module")
def spelt_tokenizer():
    """The shipped tokenizer with the largest word list the C64 holds beside the shipped soul."""
    from soulterm.player.bench import spelling_tokenizer

    return spelling_tokenizer()


@pytest.fixture(scope="module")
def spelt_bench(spelt_tokenizer):
    return KernelBench(tokenizer=spelt_tokenizer)


def junk_line(rng: random.Random) -> str:
    """Words of 1..20 characters, apostrophes, punctuation and other characters, up to 80."""
    pieces = []
    for _ in range(rng.randrange(1, 16)):
        word = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz'" + "etaoin" * 3)
                       for _ in range(rng.randrange(1, 21)))
        if rng.random() < 0.2:
            word = word.upper()
        pieces.append(word + rng.choice(["", "", " ", ".", "!", "?", ",", "-", "'", "3", "@"]))
    return " ".join(pieces)[: rng.choice([80, 80, rng.randrange(1, 81)])]


def assert_spelt_like_python(bench, tokenizer, text: str) -> None:
    want = tokenizer.prompt(petscii_text(text))
    assert encode_on_6502(bench, text) == want, (text, tokenizer.spelled(text))


def petscii_text(text: str) -> str:
    """The line as the 6502 keeps it (LINE_MAX characters)."""
    return text[:80]


def test_spelling_matches_python_on_prompts_with_typos(spelt_bench, spelt_tokenizer, corpus_prompts):
    from soulterm.soul.wordings import noisy_wording, one_typo

    rng = random.Random(64)
    for case in range(30):
        prompt = rng.choice(corpus_prompts)
        text = one_typo(prompt, rng) if case % 2 else noisy_wording(prompt, rng)
        assert_spelt_like_python(spelt_bench, spelt_tokenizer, text)


def test_spelling_matches_python_on_junk_lines(spelt_bench, spelt_tokenizer):
    rng = random.Random(65)
    for _ in range(12):
        assert_spelt_like_python(spelt_bench, spelt_tokenizer, junk_line(rng))


@pytest.mark.slow
def test_spelling_matches_python_on_many_lines(spelt_bench, spelt_tokenizer, corpus_prompts):
    from soulterm.soul.wordings import noisy_wording, one_typo

    rng = random.Random(66)
    for case in range(400):
        if case % 3 == 0:
            text = junk_line(rng)
        else:
            prompt = rng.choice(corpus_prompts)
            text = one_typo(prompt, rng) if case % 3 == 1 else noisy_wording(prompt, rng)
        assert_spelt_like_python(spelt_bench, spelt_tokenizer, text)


def test_spelling_edges_follow_the_rule():
    """Each kind of edit, list order, listed words, lengths at the limits, word boundaries."""
    from soulterm.soul.tokenizer import Tokenizer, base_vocab

    long_word = "abcdefghijklmno"                                # MAX_WORD characters
    words = ["sad", "sand", "sea", "angry", "you're", long_word, "ab'c"]
    tokenizer = Tokenizer(base_vocab(), []).with_words(words)
    bench = KernelBench(tokenizer=tokenizer)
    cases = {
        "sda": "sad", "saa": "sad", "sadn": "sad", "sea": "sea", "and": "sand",
        "nagry": "angry", "angy": "angry", "angrry": "angry", "agnry": "angry",
        "youre": "you're", "you'er": "you're", "xyz": "xyz", "sd": "sd",
        long_word + "p": long_word, "x" + long_word: long_word, long_word[:-1]: long_word,
        long_word + "pq": long_word + "pq", "ab'": "ab'c", "abc'": "ab'c", "'abc": "'abc",
    }
    for typed, read in cases.items():
        assert tokenizer.spelled(typed) == read, typed                # the rule, as Python has it
        assert encode_on_6502(bench, typed) == tokenizer.prompt(typed), typed
    line = "SDA,nagry!sd and-youre'sea 123 angyr"
    assert tokenizer.spelled(line) != line.lower()
    assert encode_on_6502(bench, line) == tokenizer.prompt(line)
    assert encode_on_6502(bench, ("sda " * 20)[:80]) == tokenizer.prompt("sda " * 20)


def test_a_line_whose_every_word_gains_a_character():
    """20 three-letter words in 80 characters become 20 four-letter ones: 100 ids before the merges."""
    from soulterm.soul.tokenizer import Tokenizer, base_vocab

    tokenizer = Tokenizer(base_vocab(), []).with_words(["sand"]).with_prompt_ids(spec.MAX_INPUT_IDS)
    bench = KernelBench(tokenizer=tokenizer)
    line = ("snd " * 20)[:79]
    assert len(tokenizer.spelled(line)) == 99
    assert encode_on_6502(bench, line) == tokenizer.prompt(line)


def test_the_word_list_nibbles_decode_back_to_the_list(spelt_tokenizer):
    """layout.word_list_bytes, read the way sp_look_up reads it."""
    from soulterm.player.layout import NIBBLE_ESCAPE, WORD_LIST_END, word_codes, word_list_bytes
    from soulterm.soul.spelling import MIN_WORD

    words = spelt_tokenizer.words
    nibbles = iter(n for byte in word_list_bytes(words) for n in (byte >> 4, byte & 15))
    codes, decoded = word_codes(words), []
    for length in nibbles:
        if length == WORD_LIST_END:
            break
        word = ""
        for _ in range(length + MIN_WORD):
            code = next(nibbles)
            word += codes[code if code < NIBBLE_ESCAPE else NIBBLE_ESCAPE + next(nibbles)]
        decoded.append(word)
    assert decoded == words
