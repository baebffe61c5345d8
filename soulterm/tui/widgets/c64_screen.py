"""The C64 screen panel: 40x25 text cells inside a border painted in $D020.

Cells take their foreground from colour RAM and their background from
$D021; reverse video (screen codes >= 128) swaps the two. Glyphs come from
the upper-case or lower-case character set as $D018 selects. While the
panel has focus, printable keys and the keys a C64 has (SPECIAL_KEYS:
Backspace = DEL, Insert = INST, arrows = cursor keys, Home = HOME,
Shift+Home = CLR, Esc = RUN/STOP) are typed into the C64's keyboard buffer
(posted as a message; the app forwards them).

Given fewer rows than the 27 it needs, the panel drops the border rows and
then shows a window of text rows that follows the cursor ($D6), so the
prompt and the latest output stay in sight on a short terminal.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.strip import Strip

from soulterm.c64.petscii import CONTROL_KEYS
from soulterm.tui.charset import LOWERCASE_GLYPHS, UPPERCASE_GLYPHS
from soulterm.tui.palette import cell_style, rich_colour
from soulterm.tui.widgets.machine_screen import MachineScreen

COLUMNS, ROWS = 40, 25
CURSOR_ROW = 0xD6         # TBLX: the screen editor's cursor row, which a short screen follows
BORDER_X, BORDER_Y = 2, 1
FULL_WIDTH, FULL_HEIGHT = COLUMNS + 2 * BORDER_X, ROWS + 2 * BORDER_Y

# Terminal keys -> the C64 key they press (as the character of its PETSCII code).
# Delete is DEL too: the C64 has one key for both. RESTORE is not here (the app binds it).
_TERMINAL_TO_C64 = {
    "backspace": "del", "delete": "del", "insert": "inst", "home": "home", "shift+home": "clr",
    "escape": "run/stop", "up": "cursor up", "down": "cursor down", "left": "cursor left",
    "right": "cursor right",
}
SPECIAL_KEYS = {"enter": "\r", **{key: chr(CONTROL_KEYS[c64]) for key, c64 in _TERMINAL_TO_C64.items()}}
# The same mapping for people, shown under the screen where there is room.
KEY_HELP = ("C64 keys: Esc RUN/STOP · Backspace DEL · Insert INST · Home HOME · "
            "Shift+Home CLR · arrows move the cursor · F12 RUN/STOP+RESTORE")


def visible_rows(height: int, cursor_row: int) -> tuple[bool, int, int]:
    """(top border shown, first text row, text rows shown) for a panel `height` rows tall."""
    if height >= ROWS + 1:
        return True, 0, ROWS
    shown = max(1, height)
    first = min(max(0, cursor_row + 1 - shown), ROWS - shown)
    return False, first, shown


@dataclass(frozen=True)
class ScreenFrame:
    """What the VIC shows at one moment."""

    codes: bytes          # 1000 screen codes
    colours: bytes        # 1000 colour RAM nibbles
    border: int
    background: int
    lowercase: bool
    cursor_row: int = 0   # the screen editor's cursor row ($D6): a short panel follows it

    @classmethod
    def blank(cls) -> "ScreenFrame":
        return cls(bytes([0x20] * 1000), bytes([14] * 1000), 14, 6, False)

    @classmethod
    def with_text(cls, lines: list[str], border: int = 14, background: int = 6, colour: int = 1) -> "ScreenFrame":
        """A frame showing plain text (for messages when no machine is running)."""
        codes = bytearray([0x20] * 1000)
        for row, line in enumerate(lines[:ROWS]):
            for col, ch in enumerate(line[:COLUMNS]):
                codes[row * COLUMNS + col] = _ascii_to_screen_code(ch)
        return cls(bytes(codes), bytes([colour] * 1000), border, background, False)


def _ascii_to_screen_code(ch: str) -> int:
    o = ord(ch.upper()) if ch.isalpha() else ord(ch)
    if 0x40 <= o <= 0x5F:
        return o - 0x40
    if 0x20 <= o <= 0x3F:
        return o
    return 0x20


class C64Screen(MachineScreen):
    """The 40x25 screen with its border; typing goes to the C64 when focused."""

    DEFAULT_CSS = """
    C64Screen { width: 44; height: 27; }
    """
    KEY_HELP = KEY_HELP
    FRAME = ScreenFrame

    @staticmethod
    def frame_of(machine) -> "ScreenFrame":
        """What the VIC shows now (the machine or its read-only stand-in)."""
        vic = machine.vic
        return ScreenFrame(bytes(vic.screen_codes()), bytes(vic.colour_ram()), vic.border & 0x0F,
                           vic.background & 0x0F, bool(vic.lowercase), int(machine.ram[CURSOR_ROW]))

    def visible_text_lines(self) -> list[str]:
        """The text rows the panel shows at its current height (what the user sees)."""
        _, first, shown = visible_rows(self.size.height, self._frame.cursor_row)
        return self.text_lines()[first:first + shown]

    def text_lines(self) -> list[str]:
        """The screen as 25 plain strings (what a user would read)."""
        table = LOWERCASE_GLYPHS if self._frame.lowercase else UPPERCASE_GLYPHS
        codes = self._frame.codes
        return ["".join(table[c & 0x7F] for c in codes[r * COLUMNS:(r + 1) * COLUMNS]) for r in range(ROWS)]

    def render_line(self, y: int) -> Strip:
        frame = self._frame
        width = self.size.width
        border = Style(bgcolor=rich_colour(frame.border))
        top_border, first, shown = visible_rows(self.size.height, frame.cursor_row)
        row = y - BORDER_Y if top_border else first + y
        if row < 0 or row >= ROWS or row >= first + shown:
            return Strip([Segment(" " * width, border)], width)
        segments = [Segment(" " * BORDER_X, border)]
        segments.extend(self._row_segments(row))
        right = max(0, width - BORDER_X - COLUMNS)
        segments.append(Segment(" " * right, border))
        return Strip(segments, width)

    def _row_segments(self, row: int) -> list[Segment]:
        """The 40 cells of a row; cached, since the border flashing alone repaints every line."""
        frame = self._frame
        start = row * COLUMNS
        key = (frame.codes[start:start + COLUMNS], frame.colours[start:start + COLUMNS],
               frame.background, frame.lowercase)
        cached = self._row_cache.get(row)
        if cached is not None and cached[0] == key:
            return cached[1]
        table = LOWERCASE_GLYPHS if frame.lowercase else UPPERCASE_GLYPHS
        segments, run_style, run_text = [], None, []
        for col in range(COLUMNS):
            code = frame.codes[start + col]
            fg = frame.colours[start + col]
            style = cell_style(frame.background, fg) if code & 0x80 else cell_style(fg, frame.background)
            if style is not run_style and run_text:
                segments.append(Segment("".join(run_text), run_style))
                run_text = []
            run_style = style
            run_text.append(table[code & 0x7F])
        if run_text:
            segments.append(Segment("".join(run_text), run_style))
        self._row_cache[row] = (key, segments)
        return segments

    def on_key(self, event: events.Key) -> None:
        text = SPECIAL_KEYS.get(event.key)
        if text is None and event.character and event.is_printable and len(event.character) == 1:
            text = event.character
        if text is not None:
            event.stop()
            event.prevent_default()
            self.post_message(self.Typed(text))

