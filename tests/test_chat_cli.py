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


def test_pipe_empty_and_garbage_lines(vector_set):
    args = ["--soul", str(vector_set.soul_path), "--tokenizer", str(vector_set.tokenizer_path)]
    result = _chat(args, "\n12345 ###\nhello\n")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    assert lines[2] == f"C64> {vector_set.reply_to('hello')}"
    assert all(line.startswith("C64> ") for line in lines)


def test_empty_and_blank_lines_get_a_whole_reply_as_on_the_c64(project_vectors):
    from soulterm.soul.engine import Engine

    engine = Engine(project_vectors.soul)
    result = _chat([], "\n   \nhello  \n")        # the shipped soul, by default
    assert result.returncode == 0, result.stderr
    empty = engine.reply(project_vectors.tokenizer, "")
    assert empty.ended and empty.text          # the engine answers [SEP] [SEP] in full
    # Trailing spaces go, as the C64's screen editor drops them from a typed line.
    assert result.stdout.splitlines() == [f"C64> {empty.text}"] * 2 + [
        f"C64> {project_vectors.reply_to('hello')}"]


def test_non_utf8_input_is_one_line_of_warning(project_vectors):
    result = subprocess.run([sys.executable, "-m", "soulterm", "chat"], input=b"\xff\xfehello\x80\nhello\n",
                            capture_output=True, timeout=120)
    assert result.returncode == 0
    hello = f"C64> {project_vectors.reply_to('hello')}"
    assert result.stdout.decode().splitlines() == [hello, hello]
    assert result.stderr.decode().splitlines() == ["soulterm chat: line 1: bytes that are not UTF-8 were ignored"]


def test_tokenizer_defaults_to_the_one_beside_the_soul(vectors_dir, vector_set):
    result = _chat(["--soul", str(vectors_dir / "soul.bin")], "hello\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"C64> {vector_set.reply_to('hello')}"]


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


def _chat_on_a_terminal(vector_set):
    pid, fd = pty.fork()
    if pid == 0:
        # No cursor-position request: nothing on this pty would answer it.
        os.execvpe(sys.executable, [sys.executable, "-m", "soulterm", "chat",
                                    "--soul", str(vector_set.soul_path),
                                    "--tokenizer", str(vector_set.tokenizer_path)],
                   {**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1"})
    return pid, fd


def test_terminal_prompt_and_quit(vector_set):
    pid, fd = _chat_on_a_terminal(vector_set)
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

    hello = f"C64> {vector_set.reply_to('hello')}".encode()
    read_until(b"YOU>")                 # the line editor draws the space as a cursor move
    os.write(fd, b"HELLO9\r")
    read_until(hello)
    assert b"dropped: 9" in seen
    # Line editing: Backspace over a typo, then Up recalls the last line.
    seen = b""
    os.write(fd, b"hellx\x7fo\r")
    read_until(hello)
    seen = b""
    os.write(fd, b"\x1b[A\r")
    read_until(hello)
    os.write(fd, b"q\r")
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_terminal_ctrl_d_ends_on_a_fresh_line(project_vectors):
    pid, fd = _chat_on_a_terminal(project_vectors)
    seen = b""
    deadline = time.monotonic() + 60
    while b"YOU>" not in seen and time.monotonic() < deadline:
        if select.select([fd], [], [], 0.2)[0]:
            seen += os.read(fd, 4096)
    os.write(fd, b"\x04")
    while time.monotonic() < deadline:
        if select.select([fd], [], [], 0.2)[0]:
            try:
                chunk = os.read(fd, 4096)
            except OSError:             # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    after_prompt = seen.rsplit(b"YOU>", 1)[1]
    assert after_prompt.endswith(b"\n"), seen
    assert b"Traceback" not in seen


def test_terminal_non_utf8_bytes_are_ignored_with_a_note(project_vectors):
    pid, fd = _chat_on_a_terminal(project_vectors)
    hello = f"C64> {project_vectors.reply_to('hello')}".encode()
    seen = b""
    deadline = time.monotonic() + 60
    for typed, wanted in ((None, b"YOU>"), (b"hel\xff\xfelo\r", hello)):
        if typed:
            os.write(fd, typed)
        while wanted not in seen and time.monotonic() < deadline:
            if select.select([fd], [], [], 0.2)[0]:
                seen += os.read(fd, 4096)
        assert wanted in seen, seen.decode(errors="replace")
    os.write(fd, b"q\r")
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert b"bytes that are not UTF-8 were ignored" in seen
    assert b"Exception" not in seen and b"Traceback" not in seen


def test_a_misspelt_word_is_shown_as_the_soul_reads_it(capsys):
    from soulterm.commands.chat import _explain_input
    from soulterm.soul.tokenizer import Tokenizer, base_vocab

    tokenizer = Tokenizer(base_vocab(), []).with_words(["angry"])
    _explain_input(tokenizer, "I'm so NAGRY")
    assert "(read as: \"i'm so angry\")" in capsys.readouterr().out
    _explain_input(tokenizer, "i'm so angry")
    assert "read as" not in capsys.readouterr().out
