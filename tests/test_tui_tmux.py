"""The scripted end-to-end run: `soulterm` in a real terminal (tmux).

Starts the app on the shipped disk, waits for the soulplayer's "you> "
prompt, types `hellx`, Backspace (the C64's DEL), `o` and Return, and
looks on the captured screen for the reply the integer engine
(soulterm.soul.engine, the ground truth) gives the shipped soul for `hello`. Skipped, with the reason, where tmux or the built disk is
missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid

import pytest

from soulterm.paths import DEFAULT_D64, DEFAULT_SOUL, DEFAULT_TOKENIZER

PROMPT = "you>"
BOOT_SECONDS = 60
REPLY_SECONDS = 240

pytestmark = [
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
    pytest.mark.skipif(not DEFAULT_D64.exists(), reason=f"{DEFAULT_D64} not built yet (soulterm build)"),
]


def _capture(session: str) -> str:
    """The whole terminal as text. The layout depends on the terminal's size
    (side panels collapse when it is small), so the checks below look for the
    soulplayer's text anywhere instead of at fixed cells; tmux trims trailing
    spaces, so the prompt is matched without its space."""
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", session],
                          capture_output=True, text=True).stdout


def _wait_for(session: str, condition, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        screen = _capture(session)
        if condition(screen):
            return screen
        time.sleep(0.5)
    raise AssertionError(f"timed out; the screen was:\n{_capture(session)}")


def expected_reply(text: str) -> str:
    from soulterm.soul.engine import Engine
    from soulterm.soul.soulfile import load_soul
    from soulterm.soul.tokenizer import Tokenizer

    engine = Engine(load_soul(DEFAULT_SOUL))
    return engine.reply(Tokenizer.load(DEFAULT_TOKENIZER), text).text


def test_soulterm_in_tmux_replies_like_the_integer_engine():
    reply = expected_reply("hello").strip()
    assert reply, "the shipped soul gives an empty reply to 'hello'"
    session = f"soulterm-test-{uuid.uuid4().hex[:8]}"
    env = dict(os.environ, SDL_AUDIODRIVER="dummy", TERM="xterm-256color")
    command = f"{sys.executable} -m soulterm --mute"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "160", "-y", "50", command],
                   check=True, env=env)
    try:
        _wait_for(session, lambda s: PROMPT in s, BOOT_SECONDS)
        subprocess.run(["tmux", "send-keys", "-t", session, "hellx", "BSpace", "o", "Enter"], check=True)
        # The reply is done when the next prompt appears below the typed line.
        screen = _wait_for(session, lambda s: s.count(PROMPT) >= 2, REPLY_SECONDS)
        after = screen.split(PROMPT + " hello", 1)[-1].split(PROMPT)[0]
        # The reply may wrap at 40 columns: compare without the line breaks and spaces.
        assert "".join(reply.lower().split()) in "".join(after.lower().split()), (reply, screen)
    finally:
        subprocess.run(["tmux", "send-keys", "-t", session, "C-q"], check=False)
        time.sleep(0.5)
        subprocess.run(["tmux", "kill-session", "-t", session], check=False, capture_output=True)
