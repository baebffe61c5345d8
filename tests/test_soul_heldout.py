"""The held-out sets and the robustness figures of `soulterm eval`."""

from __future__ import annotations

import json
import random

import pytest

from soulterm.cli import main
from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.soul.corpus import read_corpus
from soulterm.soul.engine import Engine
from soulterm.soul.heldout import (HELDOUT_DIR, HELDOUT_FILES, OFF_TOPIC_INTENT, HeldoutError,
                                   read_heldout, score_wordings, typo_set)
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer


@pytest.fixture(scope="module")
def corpus():
    return read_corpus()


def normalised(text: str) -> str:
    return " ".join(text.lower().split())


def test_heldout_prompts_are_never_corpus_prompts(corpus):
    trained = {normalised(ex.prompt) for ex in corpus.exchanges}
    for filename in HELDOUT_FILES.values():
        wordings = read_heldout(HELDOUT_DIR / filename, corpus)
        assert len(wordings) >= 40, filename
        overlap = [w.prompt for w in wordings if normalised(w.prompt) in trained]
        assert overlap == [], filename


def test_every_heldout_reply_is_a_corpus_reply(corpus):
    replies = {ex.response.lower() for ex in corpus.exchanges}
    for filename in HELDOUT_FILES.values():
        for w in read_heldout(HELDOUT_DIR / filename, corpus):
            assert w.accepted and w.accepted <= replies, (filename, w.prompt)


def test_off_topic_prompts_accept_every_off_topic_reply(corpus):
    off_topic = corpus.intent_replies()[OFF_TOPIC_INTENT]
    assert 2 <= len(off_topic) <= 6
    for w in read_heldout(HELDOUT_DIR / HELDOUT_FILES["off-topic"], corpus):
        assert w.accepted == off_topic


def test_typo_set_is_seeded_and_one_slip_away(corpus):
    first, again, other = typo_set(corpus, 3), typo_set(corpus, 3), typo_set(corpus, 4)
    assert first == again != other
    prompts = {ex.prompt.lower() for ex in corpus.exchanges}
    assert len(first) > 0.9 * len(prompts)
    for w in random.Random(0).sample(first, 50):
        assert w.prompt not in prompts


def test_a_malformed_heldout_file_is_one_line(corpus, tmp_path):
    bad = tmp_path / "short.txt"
    bad.write_text("<SEP>hello<SEP>\n")
    with pytest.raises(HeldoutError, match="line 1"):
        read_heldout(bad, corpus)


def test_eval_reports_heldout_figures_as_json(capsys):
    rc = main(["eval", "--json"])
    assert rc == 0
    figures = json.loads(capsys.readouterr().out)
    assert set(figures["heldout"]) == {"short", "natural", "fresh", "typed typos", "off-topic",
                                      "one typo (seed 11)"}
    corpus = read_corpus()
    natural = read_heldout(HELDOUT_DIR / HELDOUT_FILES["natural"], corpus)
    score = score_wordings(Engine(load_soul(DEFAULT_SOUL)), Tokenizer.load(DEFAULT_TOKENIZER),
                           corpus, "natural", natural)
    assert figures["heldout"]["natural"] == score.to_json()


def test_eval_with_a_missing_heldout_folder_is_one_line(tmp_path, capsys):
    rc = main(["eval", "--heldout", str(tmp_path / "nothing")])
    assert rc != 0
    assert "no such folder" in capsys.readouterr().err


def test_eval_with_a_word_list_reads_misspelt_prompts_better(capsys):
    """--spelling-chars scores the corpus's own word list: with none the
    hand-typed misspellings fare worse than with one, and the corpus rate is
    the same (the list never rewrites a corpus prompt)."""
    figures = {}
    for chars in ("0", "1800"):
        assert main(["eval", "--json", "--spelling-chars", chars]) == 0
        figures[chars] = json.loads(capsys.readouterr().out)
    assert figures["0"]["listed_words"] == 0 and figures["1800"]["listed_words"] > 300
    assert figures["1800"]["valid_replies"] == figures["0"]["valid_replies"]
    typed = {chars: f["heldout"]["typed typos"]["right"] for chars, f in figures.items()}
    assert typed["1800"] > typed["0"]
    one_typo = {chars: f["heldout"]["one typo (seed 11)"]["right"] for chars, f in figures.items()}
    assert one_typo["1800"] > one_typo["0"]
