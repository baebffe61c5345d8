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
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

import soulterm
from soulterm.tui.machines import ZX_KIND

from test_tui_tmux import PROMPT, _wait_for, expected_reply

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
    session = f"soulterm-zx-{uuid.uuid4().hex[:8]}"
    root = Path(soulterm.__file__).resolve().parents[1]
    # This checkout's package, whatever the tmux server's environment holds.
    # It starts a second after the session, once the window is held at its size (below).
    command = (f"sleep 1; exec env PYTHONPATH={root} SDL_AUDIODRIVER=dummy TERM=xterm-256color "
               f"{sys.executable} -m soulterm --machine zx --mute")
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", str(width), "-y", str(height), command],
                   check=True, env=dict(os.environ))
    try:
        # Held at this size: a session made at the same time on the same tmux server (a parallel
        # test) sets the server's default size, which a new session's window may take instead.
        subprocess.run(["tmux", "set-option", "-t", session, "window-size", "manual"], check=True)
        subprocess.run(["tmux", "resize-window", "-t", session, "-x", str(width), "-y", str(height)], check=True)
        _wait_for(session, lambda s: PROMPT in s, BOOT_SECONDS)
        subprocess.run(["tmux", "send-keys", "-t", session, "hellx", "BSpace", "o", "Enter"], check=True)
        screen = _wait_for(session, lambda s: s.count(PROMPT) >= 2, REPLY_SECONDS)
        size = subprocess.run(["tmux", "display", "-p", "-t", session, "#{window_width}x#{window_height}"],
                              capture_output=True, text=True).stdout.strip()
        assert size == f"{width}x{height}", size
        return reply, _wait_for(session, then, SETTLE_SECONDS) if not then(screen) else screen
    finally:
        subprocess.run(["tmux", "send-keys", "-t", session, "C-q"], check=False)
        subprocess.run(["tmux", "kill-session", "-t", session], check=False, capture_output=True)


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
