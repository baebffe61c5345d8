"""The status line under the machine's screen: speed mode, measured clock, cycles,
sound state, run state, and where the PC is.

The clock shows a measurement only while the CPU is really running: paused,
waiting for a key, or not yet measured all read "-.--", and a speed is never
negative (a reset restarts the cycle counter under the speed window)."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget


NO_SPEED = " -.--"


def speed_text(speed_hz: float, running: bool) -> str:
    """The measured clock in MHz, 5 characters wide."""
    if not running or not speed_hz > 0:
        return NO_SPEED
    mhz = speed_hz / 1e6
    return f"{mhz:5.2f}" if mhz >= 0.005 else "<0.01"


def run_state(paused: bool, waiting: bool) -> tuple[str, str]:
    """(text, style) of the run state."""
    if paused:
        return "PAUSED ", "bold yellow"
    if waiting:
        return "waiting for a key ", "cyan"
    return "running ", "green"


class StatusLine(Widget):
    """One or two lines of machine status."""

    DEFAULT_CSS = """
    StatusLine { height: 2; width: 44; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._text = Text("")

    def show(self, *, warp: bool, speed_hz: float, cycles: int, muted: bool, sound: bool,
             paused: bool, where: str, waiting: bool = False, clock_label: str = "1 MHz") -> None:
        """`clock_label`: the machine's real clock, shown when not in warp."""
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(" WARP " if warp else f" {clock_label} ", style="bold reverse")
        text.append(f" {speed_text(speed_hz, not paused and not waiting)} MHz  ")
        text.append(*run_state(paused, waiting))
        text.append("♪ off" if muted or not sound else "♪ on", style="dim" if muted or not sound else "")
        text.append(f"\n cycles {cycles:,}  {where}")
        if text.plain != self._text.plain:
            self._text = text
            self.refresh()

    def render(self) -> Text:
        return self._text
