"""A tmux server of a test's own, for the tests that run soulterm in a real terminal.

Each server has its own socket (`tmux -L NAME`): two tests started at the same
moment by pytest-xdist's workers would otherwise both start tmux's default
server, and one `new-session` could fail while the other's server comes up; a
session made on a shared server can also take that server's default size.
"""

from __future__ import annotations

import subprocess
import time
import uuid


class TmuxServer:
    """One tmux server and its single session, gone (kill-server) when the test ends."""

    def __init__(self, name: str):
        self.socket = f"{name}-{uuid.uuid4().hex[:8]}"
        self.session = "soulterm"

    def tmux(self, *args: str, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run(["tmux", "-L", self.socket, *args], check=check, **kwargs)

    def start(self, width: int, height: int, command: str, env: dict[str, str]) -> None:
        """`command` in a width x height window. With no client attached, tmux may size a new window by
        its default-size (80x24) instead of -x/-y: the window is held at its size (window-size manual)
        and the command starts a second later, once it is."""
        self.tmux("new-session", "-d", "-s", self.session, "-x", str(width), "-y", str(height),
                  f"sleep 1; {command}", env=env)
        self.tmux("set-option", "-t", self.session, "window-size", "manual")
        self.tmux("resize-window", "-t", self.session, "-x", str(width), "-y", str(height))

    def send_keys(self, *keys: str, check: bool = True) -> None:
        self.tmux("send-keys", "-t", self.session, *keys, check=check)

    def capture(self) -> str:
        """The whole terminal as text (tmux trims trailing spaces)."""
        return self.tmux("capture-pane", "-p", "-t", self.session, check=False,
                         capture_output=True, text=True).stdout

    def wait_for(self, condition, seconds: float) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            screen = self.capture()
            if condition(screen):
                return screen
            time.sleep(0.5)
        raise AssertionError(f"timed out; the screen was:\n{self.capture()}")

    def window_size(self) -> str:
        return self.tmux("display", "-p", "-t", self.session, "#{window_width}x#{window_height}",
                         capture_output=True, text=True).stdout.strip()

    def close(self) -> None:
        """Quit soulterm (Ctrl+Q), then end the server and everything in it."""
        self.send_keys("C-q", check=False)
        time.sleep(0.5)
        self.tmux("kill-server", check=False, capture_output=True)
