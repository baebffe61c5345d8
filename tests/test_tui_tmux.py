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
import sys

import pytest

from soulterm.paths import DEFAULT_D64, DEFAULT_SOUL, DEFAULT_TOKENIZER
from tmux_server import TmuxServer

PROMPT = "you>"
BOOT_SECONDS = 60
REPLY_SECONDS = 240

pytestmark = [
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
    pytest.mark.skipif(not DEFAULT_D64.exists(), reason=f"{DEFAULT_D64} not built yet (soulterm build)"),
]


def expected_reply(text: str) -> str:
    from soulterm.soul.engine import Engine
    from soulterm.soul.soulfile import load_soul
    from soulterm.soul.tokenizer import Tokenizer

    engine = Engine(load_soul(DEFAULT_SOUL))
    return engine.reply(Tokenizer.load(DEFAULT_TOKENIZER), text).text


def test_soulterm_in_tmux_replies_like_the_integer_engine():
    reply = expected_reply("hello").strip()
    assert reply, "the shipped soul gives an empty reply to 'hello'"
    server = TmuxServer("soulterm-c64")
    env = dict(os.environ, SDL_AUDIODRIVER="dummy", TERM="xterm-256color")
    server.start(160, 50, f"{sys.executable} -m soulterm --mute", env)
    try:
        # The layout depends on the terminal's size (side panels collapse when it is small), so the
        # checks look for the soulplayer's text anywhere; tmux trims trailing spaces, so the prompt is
        # matched without its space.
        server.wait_for(lambda s: PROMPT in s, BOOT_SECONDS)
        server.send_keys("hellx", "BSpace", "o", "Enter")
        # The reply is done when the next prompt appears below the typed line.
        screen = server.wait_for(lambda s: s.count(PROMPT) >= 2, REPLY_SECONDS)
        after = screen.split(PROMPT + " hello", 1)[-1].split(PROMPT)[0]
        # The reply may wrap at 40 columns: compare without the line breaks and spaces.
        assert "".join(reply.lower().split()) in "".join(after.lower().split()), (reply, screen)
    finally:
        server.close()
