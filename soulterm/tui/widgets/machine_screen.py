"""What the app needs of a machine's screen widget, whichever machine it shows.

`C64Screen` and `ZXScreen` are both a `MachineScreen`: the app gives one a
frame (`show(type(widget).frame_of(machine))`), and while it has the focus it
posts the keys typed for the machine as `Typed` messages (the app forwards
them to the host). `text_lines()` / `visible_text_lines()` are what a user
would read there, all of it and what the widget's height shows.
"""

from __future__ import annotations

from textual.message import Message
from textual.widget import Widget


class MachineScreen(Widget, can_focus=True):
    """A machine's screen; subclasses draw it and map the terminal's keys to the machine's."""

    KEY_HELP = ""             # the machine's keys, for people (shown under the screen where there is room)
    FRAME: type               # the subclass's frame type: a frozen dataclass with a blank() constructor

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._frame = self.FRAME.blank()
        self._row_cache: dict = {}          # row -> (what it showed, its segments), kept by the subclass

    @property
    def frame(self):
        return self._frame

    def show(self, frame) -> None:
        """Display a new frame; repaints only when something changed."""
        if frame != self._frame:
            self._frame = frame
            self.refresh()

    class Typed(Message):
        """Text the user typed for the machine (its control keys as characters: \\r, \\x14, \\b...)."""

        def __init__(self, text: str) -> None:
            self.text = text
            super().__init__()

    def on_click(self) -> None:
        self.focus()
