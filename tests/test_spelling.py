"""The tokenizer's spelling rule (docs/SPEC.md, tokenizer format 3), in Python."""

import json
import random

import pytest

from soulterm.soul.spelling import Speller, within_one_edit, word_list_problem, words_of_prompts
from soulterm.soul.tokenizer import Tokenizer, TokenizerError, base_vocab


def _brute_within_one(a: str, b: str) -> bool:
    """Every string one edit from a, generated, compared with b."""
    letters = "abcdefghijklmnopqrstuvwxyz'"
    edits = set()
    for i in range(len(a) + 1):
        for ch in letters:
            edits.add(a[:i] + ch + a[i:])
    for i in range(len(a)):
        edits.add(a[:i] + a[i + 1:])
        for ch in letters:
            edits.add(a[:i] + ch + a[i + 1:])
    for i in range(len(a) - 1):
        edits.add(a[:i] + a[i + 1] + a[i] + a[i + 2:])
    edits.discard(a)
    return b in edits


def test_within_one_edit_matches_every_generated_edit():
    rng = random.Random(5)
    words = ["sad", "angry", "hello", "you're", "abba", "aab", "ab"]
    for _ in range(3000):
        a = rng.choice(words)
        b = list(rng.choice(words + [a, a, a]))
        for _ in range(rng.randrange(3)):
            j = rng.randrange(len(b) + 1)
            op = rng.randrange(3)
            if op == 0:
                b.insert(j, rng.choice("abdnr'"))
            elif op == 1 and j < len(b):
                del b[j]
            elif j + 1 < len(b):
                b[j], b[j + 1] = b[j + 1], b[j]
        b = "".join(b)
        assert within_one_edit(b, a) == _brute_within_one(a, b), (b, a)


def test_first_listed_word_wins_and_listed_words_stay():
    speller = Speller(["sad", "sand", "sea"])
    assert speller.correct_word("sda") == "sad"          # swap
    assert speller.correct_word("saa") == "sad"          # "sea" is also one edit, but later
    assert speller.correct_word("sadn") == "sad"         # before "sand" in the list
    assert speller.correct_word("sea") == "sea"          # listed: never changed
    assert speller.correct_word("xyz") == "xyz"          # nothing near
    assert speller.correct_word("sd") == "sd"            # too short to be read as another word
    assert speller.correct("so sda, and saa!") == "so sad, sand sad!"    # "and" is one edit from "sand"


def test_tokenizer_corrects_prompts_not_replies():
    vocab = base_vocab()
    plain = Tokenizer(vocab, [])
    spelt = plain.with_words(["angry", "hello"])
    assert spelt.spelled("I'm SO nagry!") == "i'm so angry!"
    assert spelt.prompt("i'm so nagry") == plain.prompt("i'm so angry")
    assert spelt.encode("nagry") == plain.encode("nagry")     # encode() is plain BPE
    assert spelt.encode_turn("helo") == plain.encode_turn("hello")


def test_word_list_round_trips_and_bad_lists_are_refused(tmp_path):
    tok = Tokenizer(base_vocab(), []).with_words(["angry", "you're"])
    path = tmp_path / "tokenizer.json"
    tok.save(path)
    assert Tokenizer.load(path).words == ["angry", "you're"]
    assert "words" not in Tokenizer(base_vocab(), []).to_json()     # formats 1 and 2 unchanged
    for bad in (["ab"], ["a" * 16], ["caf\u00e9"], ["sad", "sad"], "sad", [3]):
        assert word_list_problem(bad)
        raw = dict(tok.to_json(), words=bad)
        path.write_text(json.dumps(raw))
        with pytest.raises(TokenizerError):
            Tokenizer.load(path)


def test_trainer_list_is_by_frequency_within_its_byte_budget():
    prompts = ["im so sad", "so sad today", "sad", "hello there", "there there"]
    assert words_of_prompts(prompts, 100) == ["sad", "there", "hello", "today"]
    assert words_of_prompts(prompts, 8) == ["sad", "there"]
