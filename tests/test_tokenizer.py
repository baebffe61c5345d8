"""The BPE tokenizer: SPEC encoding rules, files, and training."""

from __future__ import annotations

import json

import pytest

from soulterm.soul import spec
from soulterm.soul.tokenizer import Tokenizer, TokenizerError, base_vocab, train_bpe


def test_contexts_of_vectors(vectors_tokenizer, vectors_replies):
    for case in vectors_replies:
        assert vectors_tokenizer.encode_turn(case["text"]) == case["context"]
        assert vectors_tokenizer.decode(case["reply_ids"]) == case["reply"]


def test_empty_and_unknown_only(vectors_tokenizer):
    assert vectors_tokenizer.encode("") == []
    space = base_vocab()[" "]
    assert vectors_tokenizer.encode("1234 #@$%^&*()\u00e9\u00fc\u4e2d") == [space]  # only the space survives
    assert vectors_tokenizer.encode("123#@") == []
    assert vectors_tokenizer.encode_turn("42") == [spec.SEP, spec.SEP]


def test_upper_case_is_lowered(vectors_tokenizer):
    assert vectors_tokenizer.encode("HeLLo YOU") == vectors_tokenizer.encode("hello you")


def test_digits_and_symbols_dropped_between_letters(vectors_tokenizer):
    assert vectors_tokenizer.encode("he2l#lo") == vectors_tokenizer.encode("hello")


def test_long_text_keeps_first_16_ids(vectors_tokenizer):
    text = "you are wonderful and i love this little computer " * 20
    ids = vectors_tokenizer.encode(text)
    assert len(ids) > 16
    turn = vectors_tokenizer.encode_turn(text)
    assert turn == [spec.SEP] + ids[:16] + [spec.SEP]


def test_merges_apply_in_order_without_overlap():
    vocab = base_vocab()
    vocab["ab"] = 39
    vocab["bc"] = 40
    vocab["abc"] = 41
    vocab["aa"] = 42
    tok = Tokenizer(vocab, [("a", "b"), ("b", "c"), ("ab", "c"), ("a", "a")])
    a, b, c = 5, 6, 7
    # "abc": (a,b) is applied first, so (b,c) never sees its b; then (ab,c).
    assert tok.encode("abc") == [41]
    # "bcab": (a,b) -> ab; (b,c) -> bc; (ab,c) nothing.
    assert tok.encode("bcab") == [40, 39]
    # "aaa": left to right without overlap -> aa, a
    assert tok.encode("aaa") == [42, a]
    assert tok.decode(tok.encode("abcaaa")) == "abcaaa"
    # A merge whose result is not in the vocabulary is skipped.
    tok2 = Tokenizer(base_vocab(), [("a", "b")])
    assert tok2.encode("ab") == [a, b]


def test_every_merge_of_the_vectors_tokenizer_is_used_in_order(vectors_tokenizer):
    # Each merge's own text encodes to the merge's single id: proves merges are
    # applied in the order learned (a later merge builds on an earlier one).
    for left, right in vectors_tokenizer.merges:
        ids = vectors_tokenizer.encode(left + right)
        assert ids == [vectors_tokenizer.vocab[left + right]], (left, right, ids)


def test_specials_decode_to_nothing(vectors_tokenizer):
    he = vectors_tokenizer.encode("he")
    assert vectors_tokenizer.decode([0, 1, 2, 3, *he]) == "he"


def test_save_load_round_trip(tmp_path, vectors_tokenizer):
    vectors_tokenizer.save(tmp_path / "t.json")
    again = Tokenizer.load(tmp_path / "t.json")
    assert again.vocab == vectors_tokenizer.vocab
    assert again.merges == vectors_tokenizer.merges


@pytest.mark.parametrize("content, message", [
    ("{not json", "not valid JSON"),
    ("[]", "vocab"),
    ('{"vocab": {"<PAD>": 1}, "merges": []}', "special token <PAD>"),
    ('{"vocab": {}, "merges": [["a"]]}', "merges"),
])
def test_bad_tokenizer_files(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(TokenizerError, match=message):
        Tokenizer.load(path)


def test_missing_tokenizer_file(tmp_path):
    with pytest.raises(TokenizerError, match="no such file"):
        Tokenizer.load(tmp_path / "missing.json")


def test_gap_in_ids_rejected():
    vocab = base_vocab()
    vocab["zz"] = 50
    with pytest.raises(TokenizerError, match="without gaps"):
        Tokenizer(vocab, [])


def test_train_bpe_reaches_128_and_round_trips():
    texts = ["hello there friend", "how are you today", "i love my little computer",
             "you are wonderful", "the border blinks when i think", "good night friend"] * 3
    tok = train_bpe(texts + [f"{w} {w}s" for w in ("cat", "dog", "bird", "fish", "tree", "star")])
    assert len(tok.vocab) <= spec.VOCAB_SIZE
    assert len(tok.vocab) > 60
    for text in texts:
        ids = tok.encode(text)
        assert tok.decode(ids) == text
        assert len(ids) < len(text)  # merges actually compress
    json.dumps(tok.to_json())
    # Deterministic
    assert train_bpe(texts).merges == train_bpe(list(texts)).merges


def test_train_bpe_fills_vocabulary_on_varied_text():
    import random

    rng = random.Random(1)
    words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 7)))
             for _ in range(300)]
    texts = [" ".join(rng.choice(words) for _ in range(5)) for _ in range(400)]
    tok = train_bpe(texts)
    assert len(tok.vocab) == spec.VOCAB_SIZE
