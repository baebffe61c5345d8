"""tokenizer.s against the Python tokenizer (SPEC encoding), PETSCII in, ids out."""

from __future__ import annotations

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
        want = vectors_tokenizer.encode(text)[: vectors_tokenizer.prompt_ids]
        assert encode_on_6502(bench, text) == want, repr(text)


def test_tokenizer_prompts_of_the_vectors(bench, vectors_tokenizer, vectors_replies):
    for entry in vectors_replies:
        ids = encode_on_6502(bench, entry["text"][:80])
        assert [spec.SEP] + ids + [spec.SEP] == entry["context"], entry["text"]


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
