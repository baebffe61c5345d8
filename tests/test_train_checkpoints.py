"""Checkpoints stay whole: a Ctrl-C inside an epoch, SIGKILL leftovers, unresumable checkpoints, a full disk.

Two quick Ctrl-Cs to a real `soulterm train` process are in test_fuzz.py (signals during training),
which uses `interrupt_twice` from here.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from soulterm.cli import main  # noqa: E402
from soulterm.soul import trainer  # noqa: E402
from soulterm.soul.trainer import TrainConfig, TrainingError, train  # noqa: E402

from test_train_run import TINY  # noqa: E402

PROJECT = Path(__file__).resolve().parents[1]


def config_for(folder: Path, **overrides) -> TrainConfig:
    corpus = folder / "tiny.txt"
    if not corpus.exists():
        folder.mkdir(parents=True, exist_ok=True)
        corpus.write_text(TINY)
    settings = dict(corpus=str(corpus), output=str(folder / "out"), epochs=30, eval_every=10, seed=7)
    settings.update(overrides)
    return TrainConfig(**settings)


def interrupt_twice(folder: Path, delay_s: float, gap_s: float = 0.02) -> subprocess.CompletedProcess:
    """`soulterm train` in a child process, sent SIGINT twice, `gap_s` apart, `delay_s` into training."""
    config = config_for(folder)
    argv = [sys.executable, "-u", "-m", "soulterm", "train", config.corpus, "--epochs", str(config.epochs),
            "--eval-every", str(config.eval_every), "--seed", str(config.seed), "--output", config.output]
    child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(PROJECT)})
    for line in child.stdout:                           # "corpus ...: training on cpu" opens the epochs
        if line.startswith("corpus "):
            break
    time.sleep(delay_s)
    child.send_signal(signal.SIGINT)
    time.sleep(gap_s)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=120)
    return subprocess.CompletedProcess(argv, child.returncode, out, err)


def final_soul(folder: Path) -> bytes:
    return (folder / "out" / "checkpoints" / "epoch-00030" / "soul.bin").read_bytes()


def test_interrupt_inside_an_epoch_rolls_back_to_the_last_whole_one(tmp_path, monkeypatch):
    straight = tmp_path / "straight"
    train(config_for(straight, epochs=10, eval_every=5))
    real_epoch, calls = trainer._Run._epoch, []

    def epoch_interrupted_halfway(self, epoch, *args):
        calls.append(epoch)
        if epoch == 7:                                   # some batches ran, then Ctrl-C
            self.optimizer.step()
            raise KeyboardInterrupt
        return real_epoch(self, epoch, *args)

    monkeypatch.setattr(trainer._Run, "_epoch", epoch_interrupted_halfway)
    result = train(config_for(tmp_path / "b", epochs=10, eval_every=5))
    assert result.stopped and result.epoch == 7
    monkeypatch.undo()
    train(config_for(tmp_path / "b", epochs=10, eval_every=5))
    made = (tmp_path / "b" / "out" / "checkpoints" / "epoch-00010" / "soul.bin").read_bytes()
    assert made == (straight / "out" / "checkpoints" / "epoch-00010" / "soul.bin").read_bytes()


@pytest.fixture(scope="module")
def five_epochs(tmp_path_factory) -> Path:
    """A folder with tiny.txt and out/ after a 5-epoch run (copied by the tests that damage it)."""
    folder = tmp_path_factory.mktemp("five")
    train(config_for(folder, epochs=5, eval_every=5))
    return folder


def test_leftovers_of_a_killed_run_are_cleaned_on_the_next_start(five_epochs, tmp_path):
    shutil.copytree(five_epochs, tmp_path, dirs_exist_ok=True)
    config = config_for(tmp_path, epochs=5, eval_every=5)
    checkpoints = Path(config.output) / "checkpoints"
    dead_pid = 2 ** 22 + 12345                            # above Linux's pid_max default: never running
    half = checkpoints / f".tmp-epoch-00010-{dead_pid}"
    half.mkdir()
    (half / "model.pt").write_bytes(b"PK\x03\x04 half")
    (checkpoints / "epoch-00005").rename(checkpoints / f".old-epoch-00005-{dead_pid}")
    messages = []
    train(config_for(tmp_path, epochs=6, eval_every=5), progress=messages.append)
    assert not half.exists()
    assert (checkpoints / "epoch-00006" / "soul.bin").is_file()
    texts = [m.text for m in messages if m.kind == "message"]
    assert any("restored epoch-00005" in t for t in texts)
    assert any("resuming" in t and "epoch 5" in t for t in texts)   # the restored one was resumed


@pytest.mark.parametrize("damage,reason", [
    ("no-optimizer", "model.pt has no optimizer state"),
    ("no-tokenizer", "tokenizer.json is missing"),
    ("not-a-checkpoint", "not a readable soulterm checkpoint"),
])
def test_unresumable_checkpoint_is_a_one_line_error(five_epochs, tmp_path, capsys, damage, reason):
    shutil.copytree(five_epochs, tmp_path, dirs_exist_ok=True)
    config = config_for(tmp_path, epochs=5, eval_every=5)
    latest = Path(config.output) / "checkpoints" / "epoch-00005"
    if damage == "no-optimizer":
        saved = torch.load(latest / "model.pt", weights_only=True)
        del saved["optimizer"]
        torch.save(saved, latest / "model.pt")
    elif damage == "no-tokenizer":
        (latest / "tokenizer.json").unlink()
    else:
        (latest / "model.pt").write_bytes(b"garbage")
    rc = main(["train", config.corpus, "--epochs", "8", "--output", config.output])
    err = capsys.readouterr().err
    assert rc == 1
    assert reason in err and "--fresh" in err and "Traceback" not in err
    assert err.strip().count("\n") == 0


@pytest.mark.parametrize("failure", ["oserror", "torch-runtime-error"])
def test_full_disk_while_checkpointing_keeps_the_previous_checkpoint(tmp_path, monkeypatch, failure):
    config = config_for(tmp_path, epochs=10, eval_every=5)
    real_save, saves = torch.save, []

    def save_until_full(state, path, *args, **kwargs):
        saves.append(path)
        if len(saves) == 2:
            if failure == "oserror":
                raise OSError(errno.ENOSPC, "No space left on device")
            raise RuntimeError("[enforce fail at inline_container.cc:595] . unexpected pos 1216 vs 1152")
        return real_save(state, path, *args, **kwargs)

    monkeypatch.setattr(trainer.torch, "save", save_until_full)
    with pytest.raises(TrainingError, match=r"cannot write checkpoint .*epoch-00010.*previous checkpoint "
                                            r".*epoch-00005 is intact"):
        train(config)
    checkpoints = Path(config.output) / "checkpoints"
    assert sorted(p.name for p in checkpoints.iterdir() if p.is_dir()) == ["epoch-00005"]
    monkeypatch.undo()
    result = train(config)                              # and it resumes from there
    assert result.epoch == 10 and not result.stopped
