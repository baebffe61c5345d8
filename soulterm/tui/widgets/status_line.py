"""The status line under the C64 screen: speed mode, measured clock, cycles,
sound state, run state, and where the PC is."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget


class StatusLine(Widget):
    """One or two lines of machine status."""

    DEFAULT_CSS = """
    StatusLine { height: 2; width: 44; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._text = Text("")

    def show(self, *, warp: bool, speed_hz: float, cycles: int, muted: bool, sound: bool,
             paused: bool, where: str) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(" WARP " if warp else " 1 MHz ", style="bold reverse")
        text.append(f" {speed_hz / 1e6:5.2f} MHz  " if speed_hz else "  -.-- MHz  ")
        text.append("PAUSED " if paused else "running ", style="bold yellow" if paused else "green")
        text.append("♪ off" if muted or not sound else "♪ on", style="dim" if muted or not sound else "")
        text.append(f"\n cycles {cycles:,}  {where}")
        if text.plain != self._text.plain:
            self._text = text
            self.refresh()

    def render(self) -> Text:
        return self._text
