"""End to end: train a tiny corpus, export, load, resume, stop, and score with the engine."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from soulterm.cli import main  # noqa: E402
from soulterm.soul.corpus import fit_exchanges, read_corpus  # noqa: E402
from soulterm.soul.engine import Engine  # noqa: E402
from soulterm.soul.evaluation import evaluate  # noqa: E402
from soulterm.soul.model import load_float_replier  # noqa: E402
from soulterm.soul.soulfile import load_soul  # noqa: E402
from soulterm.soul.tokenizer import Tokenizer  # noqa: E402
from soulterm.soul.trainer import TrainConfig, TrainingError, train  # noqa: E402

TINY = """# a tiny corpus for tests
<SEP>hello<SEP>hi there!<SEP>
<SEP>how are you<SEP>i am fine.<SEP>
<SEP>who are you<SEP>a small soul.<SEP>
<SEP>bye<SEP>see you!<SEP>
<SEP>bye<SEP>good bye.<SEP>
this line is broken
<SEP>story<SEP>once upon a time there was a tiny computer.<SEP>
<SEP>tell me a very long story about everything you know<SEP>no.<SEP>
"""


def tiny_config(tmp_path, **overrides) -> TrainConfig:
    corpus = tmp_path / "tiny.txt"
    if not corpus.exists():
        tmp_path.mkdir(parents=True, exist_ok=True)
        corpus.write_text(TINY)
    settings = dict(corpus=str(corpus), output=str(tmp_path / "out"), epochs=30, eval_every=10,
                    lr=0.01, seed=7, threads=1, wordings=0)
    settings.update(overrides)
    return TrainConfig(**settings)


def run_collecting(config, should_stop=None):
    events = []
    result = train(config, progress=events.append, should_stop=should_stop)
    return result, events


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One CLI run shared by the tests that only read its output."""
    tmp = tmp_path_factory.mktemp("trained")
    corpus = tmp / "tiny.txt"
    corpus.write_text(TINY)
    out = tmp / "out"
    rc = main(["train", str(corpus), "--epochs", "40", "--eval-every", "20", "--lr", "0.01",
               "--seed", "3", "--wordings", "0", "--output", str(out)])
    return rc, corpus, out


def test_cli_trains_and_exports_a_soul_the_engine_answers_with(trained, capsys):
    rc, corpus, out = trained
    assert rc == 0
    soul = load_soul(out / "soul.bin")
    tokenizer = Tokenizer.load(out / "tokenizer.json")
    reply = Engine(soul).reply(tokenizer, "hello")
    assert reply.text == "hi there!"
    checkpoints = out / "checkpoints"
    for name in ("epoch-00020", "epoch-00040"):
        for part in ("model.pt", "soul.bin", "tokenizer.json", "config.json", "metrics.json"):
            assert (checkpoints / name / part).is_file()
    assert not list(checkpoints.glob(".*")) or list(checkpoints.glob(".*")) == []
    assert not [p for p in checkpoints.iterdir() if p.name.startswith(".tmp")]
    best = json.loads((checkpoints / "best.json").read_text())
    assert (out / "soul.bin").read_bytes() == (checkpoints / best["checkpoint"] / "soul.bin").read_bytes()


def test_the_export_narrows_the_trained_models_activations(trained):
    """soul.bin is the checkpoint's model exported and then narrowed (narrowing.py)."""
    from soulterm.soul.narrowing import narrow_as_far_as_fits
    from soulterm.soul.soulfile import Soul

    _, _, out = trained
    best = json.loads((out / "checkpoints" / "best.json").read_text())
    model = load_float_replier(out / "checkpoints" / best["checkpoint"]).model
    config = TrainConfig()
    arrays, norm_bits, activation_bits = narrow_as_far_as_fits(
        model.export_arrays(), config.narrow_norm_bits, config.narrow_activation_bits)
    assert (norm_bits, activation_bits) != (0, 0)
    assert Soul.from_arrays(arrays).to_bytes() == (out / "soul.bin").read_bytes()


def test_export_load_engine_reproduces_the_trainers_evaluation(trained):
    _, corpus, out = trained
    for checkpoint in sorted((out / "checkpoints").glob("epoch-*")):
        metrics = json.loads((checkpoint / "metrics.json").read_text())
        tokenizer = Tokenizer.load(checkpoint / "tokenizer.json")
        fitted, _ = fit_exchanges(read_corpus(corpus), tokenizer)
        report = evaluate(Engine(load_soul(checkpoint / "soul.bin")), tokenizer, fitted)
        assert report.valid_replies == metrics["valid_replies"]
        assert report.correct_tokens == metrics["correct_tokens"]
        assert report.tokens == metrics["tokens"] == 4 * 1 + sum(
            len(tokenizer.encode(r)) for r in ["hi there!", "i am fine.", "a small soul.",
                                               "see you!", "good bye."]) + 1
    # the trained soul really learned the corpus (4 distinct prompts)
    assert metrics["valid_replies"] == 4


def test_corpus_problems_are_reported_with_line_numbers(trained, tmp_path, capsys):
    corpus = tmp_path / "c.txt"
    corpus.write_text(TINY)
    main(["train", str(corpus), "--epochs", "1", "--eval-every", "1", "--output", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert "line 7: expected <SEP>input<SEP>response<SEP>" in err
    assert "line 8: exchange is" in err and "context holds 20" in err
    assert "line 9: input is" in err and "at most 16 fit" in err


def test_eval_command_prints_both_figures(trained, capsys):
    _, corpus, out = trained
    capsys.readouterr()
    assert main(["eval", str(corpus), "--soul", str(out / "soul.bin")]) == 0
    text = capsys.readouterr().out
    assert "valid-reply rate: 100.0%  (4/4 prompts" in text
    assert "token accuracy:" in text


def test_float_replier_answers_like_the_trainers_float_model(trained):
    _, _, out = trained
    replier = load_float_replier(out)           # the output folder: its best checkpoint
    assert replier.reply("hello") == "hi there!"
    assert replier.reply("How Are You") == "i am fine."


def test_a_corpus_without_usable_lines_fails_cleanly(tmp_path, capsys):
    corpus = tmp_path / "bad.txt"
    corpus.write_text("# nothing\nhello\n<SEP>1 2 3<SEP>4<SEP>\n")
    assert main(["train", str(corpus), "--output", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert "line 2:" in err and "line 3:" in err
    assert err.strip().splitlines()[-1].startswith("soulterm train: ") and "no usable exchange" in err
    assert "Traceback" not in err


def test_missing_torch_says_how_to_install_it(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "torch", None)   # import torch -> ImportError
    assert main(["train", "--output", str(tmp_path)]) == 1
    assert "pip install 'soulterm[train]'" in capsys.readouterr().err


def test_stop_saves_a_checkpoint_and_resume_matches_an_uninterrupted_run(tmp_path):
    straight, _ = run_collecting(tiny_config(tmp_path / "a", eval_every=15))
    stopped_at = []

    def stop_after_12():
        return bool(stopped_at)

    def record(event):
        if event.kind == "epoch" and event.epoch == 12:
            stopped_at.append(event.epoch)

    config = tiny_config(tmp_path / "b", eval_every=15)
    result = train(config, progress=record, should_stop=stop_after_12)
    assert result.stopped and result.epoch == 12
    out = tmp_path / "b" / "out"
    assert (out / "checkpoints" / "epoch-00012" / "model.pt").is_file()
    assert not (out / "soul.bin").exists()          # an interrupted run exports nothing

    resumed, events = run_collecting(tiny_config(tmp_path / "b", eval_every=15))
    epochs = [e.epoch for e in events if e.kind == "epoch"]
    assert epochs[0] == 13 and epochs[-1] == 30
    assert any("resuming" in e.text and "epoch 12" in e.text for e in events if e.kind == "message")
    a = (tmp_path / "a" / "out" / "checkpoints" / "epoch-00030" / "soul.bin").read_bytes()
    b = (out / "checkpoints" / "epoch-00030" / "soul.bin").read_bytes()
    assert a == b


def test_fresh_starts_over_and_a_finished_run_is_not_repeated(tmp_path):
    run_collecting(tiny_config(tmp_path, epochs=10, eval_every=5))
    _, again = run_collecting(tiny_config(tmp_path, epochs=10, eval_every=5))
    assert [e for e in again if e.kind == "epoch"] == []
    _, fresh = run_collecting(tiny_config(tmp_path, epochs=5, eval_every=5, fresh=True))
    assert [e.epoch for e in fresh if e.kind == "epoch"][0] == 1
    names = sorted(p.name for p in (tmp_path / "out" / "checkpoints").glob("epoch-*"))
    assert names == ["epoch-00005"]


def test_resuming_on_another_corpus_is_refused(tmp_path):
    run_collecting(tiny_config(tmp_path, epochs=5, eval_every=5))
    (tmp_path / "tiny.txt").write_text(TINY + "<SEP>cats<SEP>meow.<SEP>\n")
    with pytest.raises(TrainingError, match="different corpus"):
        run_collecting(tiny_config(tmp_path, epochs=10, eval_every=5))


def test_best_is_chosen_by_the_integer_engine(tmp_path):
    _, events = run_collecting(tiny_config(tmp_path, epochs=30, eval_every=5))
    evals = [e for e in events if e.kind == "eval"]
    scores = [(e.report.valid_rate, e.report.token_accuracy, e.epoch) for e in evals]
    best = json.loads((tmp_path / "out" / "checkpoints" / "best.json").read_text())
    assert best["epoch"] == max(scores)[2]
    assert [e.is_best for e in evals].count(True) >= 1
    assert np.isfinite([e.loss for e in events if e.kind == "epoch"]).all()


def test_ctrl_c_saves_a_checkpoint_and_exits_130(tmp_path, monkeypatch, capsys):
    import os
    import signal

    from soulterm.commands import train as train_command

    original = train_command.ProgressDisplay.__call__

    def press_ctrl_c_at_epoch_6(self, event):
        original(self, event)
        if event.kind == "epoch" and event.epoch == 6:
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(train_command.ProgressDisplay, "__call__", press_ctrl_c_at_epoch_6)
    corpus = tmp_path / "tiny.txt"
    corpus.write_text(TINY)
    out = tmp_path / "out"
    # (the handler the run started with: Python's default_int_handler, or SIG_IGN where a shell started the tests
    # in the background)
    before = signal.getsignal(signal.SIGINT)
    rc = main(["train", str(corpus), "--epochs", "40", "--eval-every", "20", "--output", str(out)])
    err = capsys.readouterr().err
    assert rc == 130
    assert "interrupted at epoch 6" in err and "Traceback" not in err
    assert (out / "checkpoints" / "epoch-00006" / "soul.bin").is_file()
    assert signal.getsignal(signal.SIGINT) is before         # put back as it was


def test_progress_is_one_updating_line_on_a_terminal():
    import io

    from soulterm.commands.train import ProgressDisplay
    from soulterm.soul.trainer import EpochProgress, Message

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    screen = Terminal()
    display = ProgressDisplay(screen, eval_every=500)
    display(EpochProgress(1, 4, 2.5, 0.001, 1.0, 3.0))
    display(EpochProgress(2, 4, 1.5, 0.002, 2.0, 2.0))
    display(Message("note"))
    text = screen.getvalue()
    assert text.count("\r[") == 2 and "\n" in text
    assert "[############............] epoch 2/4 loss 1.5000" in text
    assert "ETA 0m02s" in text and text.endswith("note\n")


def test_prompt_noise_touches_only_prompt_tokens():
    from soulterm.soul.corpus import EncodedExchange
    from soulterm.soul.trainer import _training_tensors

    fitted = [EncodedExchange(1, (10, 11, 12), (20, 21)), EncodedExchange(2, (13,), (22, 23, 24, 25))]
    # the second row trains on a noisy wording of two ids instead of its corpus one
    prompts = [(10, 11, 12), (14, 15)]
    inputs, targets, weights, mask = _training_tensors(fitted, prompts, [1.0, 0.5], "cpu")
    assert inputs[mask].tolist() == [10, 11, 12, 14, 15]
    # the loss sees exactly the reply tokens and END, never a (possibly noisy) prompt token
    assert targets[weights > 0].tolist() == [20, 21, 3, 22, 23, 24, 25, 3]
    assert weights[1][weights[1] > 0].tolist() == [0.5] * 5


def test_noisy_wordings_are_seeded_and_never_the_corpus_wording():
    import random

    from soulterm.soul.wordings import one_typo, wordings

    first = wordings("i'm so sad", 8, random.Random(5))
    assert first == wordings("i'm so sad", 8, random.Random(5))
    assert len(first) == len(set(first)) >= 4 and "i'm so sad" not in first
    slipped = one_typo("tell me a story", random.Random(1))
    assert slipped != "tell me a story"
    assert sum(a != b for a, b in zip(slipped.split(), "tell me a story".split())) <= 1


def test_chat_float_shows_float_reply_beside_integer(trained, monkeypatch, capsys):
    import io

    _, _, out = trained
    replier = load_float_replier(out)
    monkeypatch.setattr(sys, "stdin", io.StringIO("hello\nwho are you\n"))
    rc = main(["chat", "--soul", str(out / "soul.bin"), "--tokenizer", str(out / "tokenizer.json"),
               "--float", str(out)])
    assert rc == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(">")[0] for line in lines] == ["C64", "FLOAT", "C64", "FLOAT"]
    assert lines[1] == f"FLOAT> {replier.reply('hello')}"
    assert lines[3] == f"FLOAT> {replier.reply('who are you')}"


def test_chat_float_with_missing_checkpoint_is_one_line(trained, tmp_path, capsys):
    _, _, out = trained
    rc = main(["chat", "--soul", str(out / "soul.bin"), "--tokenizer", str(out / "tokenizer.json"),
               "--float", str(tmp_path / "nothing")])
    assert rc == 1
    assert "not found" in capsys.readouterr().err


def test_range_excess_measures_normalised_activations_beyond_the_limit():
    """The activation-range penalty (issue 13) sees only what passes +-range_limit,
    and its gradient shrinks the norm gains that push activations there."""
    from soulterm.soul.model import SoulModel

    torch.manual_seed(0)
    model = SoulModel()
    tokens = torch.tensor([[1, 10, 11, 12, 1]])
    model.range_limit = 1000.0                  # nothing reaches it
    model(tokens)
    assert float(model.range_excess.detach()) == 0.0
    for layer in model.layers:
        layer.n1.data.fill_(8.0)                # |x / rms| * 8 passes 6 somewhere in every row
    model.range_limit = 6.0
    model(tokens)
    excess = model.range_excess
    assert float(excess.detach()) > 0
    excess.backward()
    assert all(float(layer.n1.grad.sum()) > 0 for layer in model.layers)



def _widest_normalised_activation(out) -> int:
    """The largest |RMSNorm output| the integer engine computes replying to the tiny prompts."""
    from soulterm.soul import intmath

    soul, tokenizer = load_soul(out / "soul.bin"), Tokenizer.load(out / "tokenizer.json")
    seen = []
    plain = intmath.rmsnorm

    def recording(x, g, s_g):
        y = plain(x, g, s_g)
        seen.append(int(np.abs(y).max()))
        return y

    intmath.rmsnorm = recording
    try:
        for prompt in ("hello", "how are you", "who are you", "bye", "story"):
            Engine(soul).reply(tokenizer, prompt)
    finally:
        intmath.rmsnorm = plain
    return max(seen)


def test_range_penalty_narrows_the_exported_soul(tmp_path):
    """Trained with a strong penalty, the soul's normalised activations stay narrower."""
    # learned gains (norm_gain 0): the penalty narrows them; fixed ones give it nothing to move
    run_collecting(tiny_config(tmp_path / "free", epochs=40, eval_every=40, norm_gain=0.0))
    run_collecting(tiny_config(tmp_path / "held", epochs=40, eval_every=40, norm_gain=0.0,
                               range_penalty=1.0, range_limit=2.0))
    held = _widest_normalised_activation(tmp_path / "held" / "out")
    assert held < _widest_normalised_activation(tmp_path / "free" / "out")


def test_fixed_norm_gains_keep_every_normalised_activation_within_the_short_range(tmp_path):
    """norm_gain (1.0 by default): the exported gains are exactly the fixed value, narrowed
    by the export's norm bits (narrowing.py: 2^-2 by default), and every RMSNorm output is
    within matvec.s's short slots (|x| <= 1,663: sqrt(32) = 1,448 in Q8.8, up to 1,550 with
    the integer square root's floor, before the narrowing's quarter)."""
    from soulterm.soul.train_config import TrainConfig

    config = TrainConfig()
    assert config.norm_gain == 1.0 and config.narrow_norm_bits == 2
    run_collecting(tiny_config(tmp_path / "fixed", epochs=40, eval_every=40))
    out = tmp_path / "fixed" / "out"
    soul = load_soul(out / "soul.bin")
    for name in ("l0.n1", "l0.n2", "l1.n1", "l1.n2", "norm"):
        values, shift = soul.tensors[name].values, soul.tensors[name].shift
        assert np.all(values << config.narrow_norm_bits == 1 << shift) and shift > 0, name
    assert _widest_normalised_activation(out) <= 1663 >> config.narrow_norm_bits


@pytest.mark.parametrize("gain", ["-1", "0.001", "500"])
def test_cli_refuses_a_norm_gain_no_int8_gain_holds(tmp_path, capsys, gain):
    rc = main(["train", "--norm-gain", gain, "--epochs", "1", "--output", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert rc != 0 and "--norm-gain" in err and "Traceback" not in err
    assert not (tmp_path / "out" / "soul.bin").exists()


def test_typo_weights_set_how_many_typos_a_wording_gets():
    import random

    from soulterm.soul import wordings

    known = {"tell", "me", "a", "story"}
    for words in (wordings.LEADING_FILLERS, wordings.TRAILING_FILLERS, wordings.INTENSIFIERS):
        known |= {part for w in words for part in w.split()}
    rng = random.Random(3)
    clean = [wordings.noisy_wording("tell me a story", rng, typo_weights=(1, 0, 0)) for _ in range(40)]
    assert all(set(w.split()) <= known for w in clean)
    slipped = [wordings.noisy_wording("tell me a story", rng, typo_weights=(0, 0, 1)) for _ in range(40)]
    assert all(not set(w.split()) <= known for w in slipped)


def test_exported_tokenizer_carries_the_corpus_word_list(trained):
    """The trainer lists the corpus prompts' words (tokenizer format 3), so a
    misspelt prompt reads as its corpus wording and gets the same reply."""
    from soulterm.soul.spelling import SHIPPED_SPELLING_CHARS

    rc, corpus, out = trained
    tokenizer = Tokenizer.load(out / "tokenizer.json")
    assert "hello" in tokenizer.words and "story" in tokenizer.words
    assert sum(map(len, tokenizer.words)) <= SHIPPED_SPELLING_CHARS
    assert tokenizer.prompt("hellp") == tokenizer.prompt("hello")
    engine = Engine(load_soul(out / "soul.bin"))
    assert engine.reply(tokenizer, "hlelo").text == engine.reply(tokenizer, "hello").text


def test_spelling_chars_zero_exports_no_word_list(tmp_path):
    result, _ = run_collecting(tiny_config(tmp_path, epochs=2, eval_every=2, spelling_chars=0))
    assert Tokenizer.load(tmp_path / "out" / "tokenizer.json").words == []


def test_cli_notes_a_word_list_the_spectrum_may_not_hold(tmp_path, capsys):
    """Over SHIPPED_SPELLING_CHARS characters the list may not fit the Spectrum: one note, then training."""
    from soulterm.soul.spelling import SHIPPED_SPELLING_CHARS

    tiny = tmp_path / "tiny.txt"
    tiny.write_text(TINY)
    rc = main(["train", str(tiny), "--epochs", "1", "--wordings", "0",
               "--spelling-chars", str(SHIPPED_SPELLING_CHARS + 1), "--output", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert rc == 0 and "may not fit the Spectrum" in err and (tmp_path / "out" / "soul.bin").exists()
    main(["train", str(tiny), "--epochs", "1", "--wordings", "0", "--fresh",
          "--spelling-chars", str(SHIPPED_SPELLING_CHARS), "--output", str(tmp_path / "out")])
    assert "may not fit" not in capsys.readouterr().err


def test_a_run_resumes_only_with_the_norm_gain_it_was_trained_with(tmp_path):
    run_collecting(tiny_config(tmp_path, epochs=2, eval_every=2))      # the default: 1.0
    with pytest.raises(TrainingError, match="--norm-gain 1, not 0.5"):
        run_collecting(tiny_config(tmp_path, epochs=4, eval_every=2, norm_gain=0.5))
    run_collecting(tiny_config(tmp_path, epochs=4, eval_every=2, norm_gain=0.5, fresh=True))


def _attention_entropy(out) -> float:
    """The mean entropy (nats) of the integer engine's attention weights, every head, layer and position, replying
    to the tiny prompts."""
    soul, tokenizer = load_soul(out / "soul.bin"), Tokenizer.load(out / "tokenizer.json")
    engine, entropies = Engine(soul), []
    for prompt in ("hello", "how are you", "who are you", "bye", "story"):
        state = engine.new_state()
        for token in tokenizer.encode_turn(prompt):
            engine.step(state, token)
            for lut in state.last.attention_lut:
                p = lut / lut.sum(axis=-1, keepdims=True)
                entropies += list(-np.where(p > 0, p * np.log(np.where(p > 0, p, 1)), 0).sum(axis=-1))
    return float(np.mean(entropies))


def test_attention_sharpness_leaves_the_exported_souls_attention_sharper(tmp_path):
    """attention_sharpness (off by default) adds the attention's mean entropy to the loss: trained with a strong one,
    the integer engine's attention weights are less spread over the positions."""
    from soulterm.soul.train_config import TrainConfig

    assert TrainConfig().attention_sharpness == 0.0
    run_collecting(tiny_config(tmp_path / "free", epochs=40, eval_every=40))
    run_collecting(tiny_config(tmp_path / "sharp", epochs=40, eval_every=40, attention_sharpness=1.0))
    assert _attention_entropy(tmp_path / "sharp" / "out") < 0.8 * _attention_entropy(tmp_path / "free" / "out")


def test_cli_refuses_a_negative_attention_sharpness(tmp_path, capsys):
    rc = main(["train", "--attention-sharpness", "-1", "--epochs", "1", "--output", str(tmp_path / "out")])
    assert rc != 0 and "--attention-sharpness must be 0 or more" in capsys.readouterr().err
