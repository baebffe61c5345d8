"""The Spectrum as a person meets it: `soulterm --machine zx` in a real terminal (tmux).

At 80x24 and 160x50: waits for the soulplayer's "you>" prompt on the
Spectrum's screen, types `hellx`, Backspace (DELETE), `o` and Return, and
looks on the captured terminal for the reply the integer engine gives the
shipped soul for `hello`. Skipped, with the reason, where tmux or the built
tape is missing.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

import soulterm
from soulterm.tui.machines import ZX_KIND

from test_tui_tmux import PROMPT, expected_reply
from tmux_server import TmuxServer

BOOT_SECONDS = 60
REPLY_SECONDS = 120
SETTLE_SECONDS = 30      # (the panels' repaint after the reply: 10 s timed out once on a machine loaded at 5-6)

pytestmark = [
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
    pytest.mark.skipif(not ZX_KIND.default_disk.exists(), reason=f"{ZX_KIND.default_disk} not built yet "
                                                                 "(soulterm build --machine zx)"),
]


def _run_in_tmux(width: int, height: int, then=lambda screen: True) -> tuple[str, str]:
    """(expected reply, the terminal once the reply is done and `then(screen)` holds)."""
    reply = expected_reply("hello").strip()
    server = TmuxServer("soulterm-zx")
    root = Path(soulterm.__file__).resolve().parents[1]
    # This checkout's package, whatever the tmux server's environment holds.
    command = (f"exec env PYTHONPATH={root} SDL_AUDIODRIVER=dummy TERM=xterm-256color "
               f"{sys.executable} -m soulterm --machine zx --mute")
    server.start(width, height, command, dict(os.environ))
    try:
        server.wait_for(lambda s: PROMPT in s, BOOT_SECONDS)
        server.send_keys("hellx", "BSpace", "o", "Enter")
        screen = server.wait_for(lambda s: s.count(PROMPT) >= 2, REPLY_SECONDS)
        size = server.window_size()
        assert size == f"{width}x{height}", size
        return reply, server.wait_for(then, SETTLE_SECONDS) if not then(screen) else screen
    finally:
        server.close()


def _reply_shown(reply: str, screen: str) -> bool:
    after = screen.split(PROMPT + " hello", 1)[-1].split(PROMPT)[0]
    # The Spectrum wraps at 32 columns: compare without line breaks and spaces.
    return "".join(reply.lower().split()) in "".join(after.lower().split())


def test_the_spectrum_in_tmux_at_80x24_replies_like_the_integer_engine():
    reply, screen = _run_in_tmux(80, 24)
    assert "Spectrum" in screen.splitlines()[0]                # the tab bar names the machine
    assert _reply_shown(reply, screen), (reply, screen)


def test_the_spectrum_in_tmux_at_160x50_replies_with_every_panel_beside_it():
    # The debugger repaints every few frames while the machine runs: wait for its registers too.
    reply, screen = _run_in_tmux(160, 50, then=lambda s: "IY=5C3A" in s)
    assert _reply_shown(reply, screen), (reply, screen)
    assert "Attention" in screen and "Memory map" in screen
