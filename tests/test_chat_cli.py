"""`soulterm chat` driven as a user would: through a pipe and on a terminal."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time


def _chat(args, stdin_text):
    return subprocess.run([sys.executable, "-m", "soulterm", "chat", *args],
                          input=stdin_text, capture_output=True, text=True, timeout=120)


def test_pipe_reproduces_replies_json(vectors_dir, vectors_replies):
    args = ["--soul", str(vectors_dir / "soul.bin"), "--tokenizer", str(vectors_dir / "tokenizer.json")]
    messages = "".join(case["text"] + "\n" for case in vectors_replies)
    result = _chat(args, messages)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"C64> {case['reply']}" for case in vectors_replies]


def test_pipe_empty_and_garbage_lines(vectors_dir):
    args = ["--soul", str(vectors_dir / "soul.bin"), "--tokenizer", str(vectors_dir / "tokenizer.json")]
    result = _chat(args, "\n12345 ###\nhello\n")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    assert lines[2] == "C64> hello! you're wonderful!"
    assert all(line.startswith("C64> ") for line in lines)


def test_missing_soul_says_how_to_get_one(tmp_path):
    result = _chat(["--soul", str(tmp_path / "none.bin")], "hi\n")
    assert result.returncode == 1
    assert "soulterm train" in result.stderr
    assert "Traceback" not in result.stderr


def test_corrupt_soul_is_one_clear_line(tmp_path, vectors_dir):
    bad = tmp_path / "bad.bin"
    bad.write_bytes((vectors_dir / "soul.bin").read_bytes()[:1000])
    result = _chat(["--soul", str(bad), "--tokenizer", str(vectors_dir / "tokenizer.json")], "hi\n")
    assert result.returncode == 1
    assert "tensor te: file truncated" in result.stderr
    assert "Traceback" not in result.stderr


def test_terminal_prompt_and_quit(vectors_dir):
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(sys.executable, [sys.executable, "-m", "soulterm", "chat",
                                   "--soul", str(vectors_dir / "soul.bin"),
                                   "--tokenizer", str(vectors_dir / "tokenizer.json")])
    seen = b""

    def read_until(token: bytes, limit: float = 60) -> None:
        nonlocal seen
        deadline = time.monotonic() + limit
        while token not in seen and time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                try:
                    seen += os.read(fd, 4096)
                except OSError:
                    break
        assert token in seen, seen.decode(errors="replace")

    read_until(b"YOU> ")
    os.write(fd, b"HELLO9\r")
    read_until(b"C64> hello! you're wonderful!")
    assert b"dropped: 9" in seen
    os.write(fd, b"q\r")
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
