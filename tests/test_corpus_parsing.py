"""Corpus parsing and validation: line numbers, skipped lines, clear errors."""

from __future__ import annotations

import pytest

from soulterm.soul import spec
from soulterm.soul.corpus import (CorpusError, fit_exchanges, parse_corpus, read_corpus,
                                  require_usable)
from soulterm.soul.tokenizer import Tokenizer, base_vocab

CHARS = Tokenizer(base_vocab(), [])   # no merges: one id per character


def test_blank_and_comment_lines_are_ignored():
    corpus = parse_corpus("# a comment\n\n   \n<SEP>hi<SEP>hello<SEP>\n  # indented comment\n")
    assert [(e.line, e.prompt, e.response) for e in corpus.exchanges] == [(4, "hi", "hello")]
    assert corpus.issues == []


@pytest.mark.parametrize("line, words", [
    ("hi<SEP>hello<SEP>", "found 2"),
    ("<SEP>hi<SEP>hello", "found 2"),
    ("<SEP>hi<SEP>hello<SEP>more<SEP>", "found 4"),
    ("x<SEP>hi<SEP>hello<SEP>", "nothing before"),
    ("<SEP>hi<SEP>hello<SEP>x", "nothing before"),
    ("<SEP>  <SEP>hello<SEP>", "empty input"),
    ("<SEP>hi<SEP><SEP>", "empty response"),
    ("<SEP>hi 2 u<SEP>hello<SEP>", "input has characters"),
    ("<SEP>hi<SEP>caf\u00e9<SEP>", "response has characters"),
    ("just text", "found 0"),
])
def test_malformed_lines_are_reported_with_their_line_number(line, words):
    text = "<SEP>a<SEP>b<SEP>\n# comment\n" + line + "\n<SEP>c<SEP>d<SEP>\n"
    corpus = parse_corpus(text)
    assert [e.line for e in corpus.exchanges] == [1, 4]
    assert len(corpus.issues) == 1
    assert corpus.issues[0].line == 3
    assert words in corpus.issues[0].problem
    assert str(corpus.issues[0]).startswith("line 3: ")


def test_text_keeps_case_and_punctuation_from_the_alphabet():
    corpus = parse_corpus("<SEP> Hello, YOU! <SEP>what's up? -ok;:<SEP>\n")
    assert corpus.exchanges[0].prompt == "Hello, YOU!"
    assert corpus.exchanges[0].response == "what's up? -ok;:"


def test_exchange_fits_only_with_room_for_sep_sep_and_end():
    # no merges, so each character is one token: 1 + p + 1 + r + 1 <= 20
    fits = "<SEP>" + "a" * 8 + "<SEP>" + "b" * 9 + "<SEP>"         # 20 tokens
    too_long = "<SEP>" + "a" * 8 + "<SEP>" + "b" * 10 + "<SEP>"    # 21 tokens
    long_prompt = "<SEP>" + "a" * 17 + "<SEP>b<SEP>"                # 17 prompt ids > 16
    corpus = parse_corpus("\n".join([fits, too_long, long_prompt]))
    fitted, issues = fit_exchanges(corpus, CHARS)
    assert [e.line for e in fitted] == [1]
    assert len(fitted[0].sequence) == 20
    assert fitted[0].sequence[0] == spec.SEP and fitted[0].sequence[9] == spec.SEP
    assert fitted[0].sequence[-1] == spec.END
    assert [(i.line, i.problem) for i in issues] == [
        (2, "exchange is 21 tokens with SEP, SEP and END, the context holds 20"),
        (3, "input is 17 tokens, at most 16 fit"),
    ]


def test_no_usable_exchange_is_a_clear_error(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("# only junk\nhello there\n<SEP>x<SEP>\n")
    corpus = read_corpus(path)
    assert [i.line for i in corpus.issues] == [2, 3]
    with pytest.raises(CorpusError, match="no usable exchange"):
        require_usable([], corpus)


@pytest.mark.parametrize("make, message", [
    (lambda p: p / "missing.txt", "no such corpus file"),
    (lambda p: p, "is a directory"),
])
def test_unreadable_corpus_paths(tmp_path, make, message):
    with pytest.raises(CorpusError, match=message):
        read_corpus(make(tmp_path))


def test_binary_file_is_rejected(tmp_path):
    path = tmp_path / "soul.bin"
    path.write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(CorpusError, match="not UTF-8"):
        read_corpus(path)


def test_windows_line_endings_and_byte_order_mark_are_accepted(tmp_path):
    path = tmp_path / "win.txt"
    path.write_bytes("\ufeff<SEP>hi<SEP>hello<SEP>\r\n# note\r\n<SEP>bye<SEP>see you<SEP>\r\n".encode("utf-8"))
    corpus = read_corpus(path)
    assert [(e.line, e.prompt, e.response) for e in corpus.exchanges] == [
        (1, "hi", "hello"), (3, "bye", "see you")]
    assert corpus.issues == []
