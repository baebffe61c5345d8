"""Every file the command line reads: regular files only, capped in size, one-line errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from soulterm.c64 import C64, LoadError
from soulterm.inputs import read_limited
from soulterm.soul.corpus import CorpusError, read_corpus
from soulterm.soul.soulfile import SoulFormatError, load_soul
from soulterm.soul.tokenizer import Tokenizer, TokenizerError

PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


def test_read_limited_refuses_devices_fifos_and_oversized_files(tmp_path, fifo):
    with pytest.raises(ValueError, match="not a regular file"):
        read_limited("/dev/zero", 100, "thing")
    with pytest.raises(ValueError, match="not a regular file"):
        read_limited(fifo, 100, "thing")               # would block forever if opened and read
    big = tmp_path / "big"
    big.write_bytes(bytes(101))
    with pytest.raises(ValueError, match="101 bytes is too large for a thing"):
        read_limited(big, 100, "thing")
    assert read_limited(big, 101, "thing") == bytes(101)


@pytest.mark.parametrize("loader,error", [
    (load_soul, SoulFormatError), (Tokenizer.load, TokenizerError), (read_corpus, CorpusError),
    (C64().load_file, LoadError),
], ids=["soul", "tokenizer", "corpus", "program"])
def test_each_reader_refuses_a_fifo_in_one_line(fifo, loader, error):
    with pytest.raises(error, match="not a regular file") as info:
        loader(fifo)
    assert "\n" not in str(info.value)


def test_d64_that_is_a_fifo_is_refused(tmp_path):
    path = tmp_path / "disk.d64"
    os.mkfifo(path)
    with pytest.raises(LoadError, match="not a regular file"):
        C64().load_file(path)


@pytest.mark.parametrize("content,reason", [
    (b"\xff\xfe{}", "not UTF-8"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    (b'{"vocab": ' + b"[" * 50 + b"]" * 50 + b', "merges": []}', "vocab"),
], ids=["not-utf8", "deeply-nested", "wrong-shape"])
def test_bad_tokenizer_json_is_one_line(tmp_path, content, reason):
    path = tmp_path / "tokenizer.json"
    path.write_bytes(content)
    with pytest.raises(TokenizerError, match=reason) as info:
        Tokenizer.load(path)
    assert "\n" not in str(info.value)


def test_chat_and_eval_refuse_dev_zero_with_one_line(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    for argv in (["chat", "--soul", "/dev/zero"], ["eval", "/dev/zero"]):
        done = subprocess.run([sys.executable, "-m", "soulterm", *argv], input=b"", capture_output=True,
                              timeout=60, env=env)
        assert done.returncode == 1
        assert done.stderr.decode().strip().count("\n") == 0
        assert "not a regular file" in done.stderr.decode()


def test_chat_drops_bytes_that_are_not_utf8_and_says_so():
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    done = subprocess.run([sys.executable, "-m", "soulterm", "chat"], input=b"hi\xff\xfe\nhello\n",
                          capture_output=True, timeout=60, env=env)
    assert done.returncode == 0
    assert done.stdout.decode().count("C64> ") == 2
    assert "not UTF-8" in done.stderr.decode()
