"""The ZX Spectrum screen panel: 256x192 pixels and attributes inside the border.

Two ways to draw it, picked by the room the panel has:
  pixels  every pixel, two rows to a terminal cell ("▀", ula.half_block_rows)
          with a border around: needs 264 columns and 100 rows;
  text    one terminal cell per 8x8 character cell (32x24): the character
          the bitmap holds (soulterm's font or a block graphic, read back
          as Spectrum.screen_lines does; inverse when ink and paper are
          swapped), else the cell's pixels shrunk to a quadrant block; a
          cell whose ink is its paper as a blank (as the real screen shows it).
Both use the Spectrum palette, BRIGHT, and FLASH (ink and paper swap every
16 frames). The border colour fills the rest of the panel, so the colours
the soulplayer flashes while it thinks show all round the screen.

Given fewer rows than the text screen needs, the panel shows a window of
character rows that follows the print position (S-POSN), as the C64 panel
follows its cursor.

Keys (while the panel has the focus): letters, digits, space and the
symbols the ROM's key decoding gives through SYMBOL SHIFT are typed as
themselves (soulterm.zx.spectrum.keys_for), Enter is ENTER and Backspace or
Delete is DELETE (CAPS SHIFT+0). A key the Spectrum lacks comes back from
the machine as a one-line warning.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.strip import Strip

from soulterm.tui.widgets.machine_screen import MachineScreen
from soulterm.zx.font import FIRST_CODE, FONT
from soulterm.zx.rom import SYSVARS
from soulterm.zx.spectrum import hidden, read_cell
from soulterm.zx.ula import (ATTRIBUTES, BRIGHT_PALETTE, COLUMNS, HEIGHT, PALETTE, ROWS, SCREEN, WIDTH,
                             cell_colours, half_block_rows, pixel_address)

DISPLAY_BYTES = 0x1B00            # bitmap and attributes, $4000-$5AFF
PIXEL_MARGIN = 4                  # border cells each side in pixel mode (and 2 rows above and below)
PIXEL_SIZE = (WIDTH + 2 * PIXEL_MARGIN, HEIGHT // 2 + PIXEL_MARGIN)
_QUADRANTS = " ▝▘▀▗▐▚▜▖▞▌▛▄▟▙█"   # by bits: top right 1, top left 2, bottom right 4, bottom left 8
SPECIAL_KEYS = {"enter": "\r", "backspace": "\b", "delete": "\b"}
KEY_HELP = ("Spectrum keys: Enter ENTER · Backspace DELETE (CAPS SHIFT+0) · "
            "symbols through SYMBOL SHIFT: ! @ # $ % & ' ( ) _ < > ; \" ^ - + = : £ ? / * , . · F6 reset")


@dataclass(frozen=True)
class ZXFrame:
    """What the ULA shows at one moment."""

    display: bytes        # $4000-$5AFF: bitmap then attributes
    border: int
    flash_on: bool
    cursor_row: int = 0   # the upper screen's print line (S-POSN): a short panel follows it

    @classmethod
    def blank(cls) -> "ZXFrame":
        return cls(bytes(0x1800) + bytes([0x38]) * (COLUMNS * ROWS), 7, False)

    @classmethod
    def with_text(cls, lines: list[str], border: int = 1, attribute: int = 0x0F) -> "ZXFrame":
        """A frame showing plain text in soulterm's font (messages when no program runs):
        white ink on blue paper by default, in a blue border."""
        display = bytearray(0x1800) + bytearray([attribute]) * (COLUMNS * ROWS)
        for row, line in enumerate(lines[:ROWS]):
            for column, character in enumerate(line[:COLUMNS]):
                code = ord(character) if FIRST_CODE <= ord(character) < FIRST_CODE + len(FONT) // 8 else ord("?")
                glyph = FONT[(code - FIRST_CODE) * 8:(code - FIRST_CODE) * 8 + 8]
                for line_in_cell, byte in enumerate(glyph):
                    display[pixel_address(column, row * 8 + line_in_cell) - SCREEN] = byte
        return cls(bytes(display), border, False)

    def cell(self, column: int, row: int) -> bytes:
        return bytes(self.display[pixel_address(column, row * 8 + line) - SCREEN] for line in range(8))

    def attribute(self, column: int, row: int) -> int:
        return self.display[ATTRIBUTES - SCREEN + row * COLUMNS + column]


def quadrant(cell: bytes) -> str:
    """The 8x8 cell as one quadrant block: a quarter is set when most of its 16 pixels are."""
    bits = 0
    for half, left_bit, right_bit in ((cell[:4], 2, 1), (cell[4:], 8, 4)):
        if sum(bin(byte >> 4).count("1") for byte in half) > 8:
            bits |= left_bit
        if sum(bin(byte & 0x0F).count("1") for byte in half) > 8:
            bits |= right_bit
    return _QUADRANTS[bits]


@lru_cache(maxsize=None)
def _colour(index: int, bright: bool) -> Color:
    return Color.from_rgb(*(BRIGHT_PALETTE if bright else PALETTE)[index & 7])


@lru_cache(maxsize=None)
def _style(ink: int, paper: int, bright: bool) -> Style:
    return Style(color=_colour(ink, bright), bgcolor=_colour(paper, bright))


@lru_cache(maxsize=None)
def _rgb_style(top: tuple, bottom: tuple) -> Style:
    return Style(color=Color.from_rgb(*top), bgcolor=Color.from_rgb(*bottom))


def _border_style(colour: int) -> Style:
    return Style(bgcolor=_colour(colour, False))


def visible_rows(height: int, cursor_row: int) -> tuple[int, int, int]:
    """(border rows above, first character row, character rows shown) for a panel `height` tall."""
    if height >= ROWS:
        return (height - ROWS) // 2, 0, ROWS
    shown = max(1, height)
    first = min(max(0, cursor_row + 1 - shown), ROWS - shown)
    return 0, first, shown


class ZXScreen(MachineScreen):
    """The Spectrum's screen with its border; typing goes to the Spectrum when focused."""

    DEFAULT_CSS = """
    ZXScreen { width: 44; height: 27; }
    """
    KEY_HELP = KEY_HELP
    FRAME = ZXFrame

    @staticmethod
    def frame_of(machine) -> ZXFrame:
        """What the ULA shows now (the machine or its read-only stand-in)."""
        ram = machine.ram
        line = 24 - int(ram[SYSVARS["S_POSN"] + 1])
        return ZXFrame(bytes(ram[SCREEN:SCREEN + DISPLAY_BYTES]), int(machine.ula.border) & 7,
                       bool(machine.flash_on), max(0, min(ROWS - 1, line)))

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._pixels: tuple[ZXFrame, list] | None = None

    @property
    def pixel_mode(self) -> bool:
        return self.size.width >= PIXEL_SIZE[0] and self.size.height >= PIXEL_SIZE[1]

    # -- reading it ----------------------------------------------------------------

    def text_lines(self) -> list[str]:
        """The 24 character rows as a user would read them (a cell that is no character as ▒)."""
        frame = self._frame
        return ["".join((read_cell(frame.cell(column, row)) or ("▒",))[0] for column in range(COLUMNS))
                for row in range(ROWS)]

    def visible_text_lines(self) -> list[str]:
        """The character rows the panel shows at its current height."""
        if self.pixel_mode:
            return self.text_lines()
        _, first, shown = visible_rows(self.size.height, self._frame.cursor_row)
        return self.text_lines()[first:first + shown]

    # -- drawing ---------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        if self.pixel_mode:
            return self._pixel_line(y)
        frame = self._frame
        width = self.size.width
        border = _border_style(frame.border)
        above, first, shown = visible_rows(self.size.height, frame.cursor_row)
        row = first + y - above
        if y < above or row >= first + shown:
            return Strip([Segment(" " * width, border)], width)
        left = max(0, (width - COLUMNS) // 2)
        segments = [Segment(" " * left, border), *self._row_segments(row),
                    Segment(" " * max(0, width - left - COLUMNS), border)]
        return Strip(segments, width).crop(0, width)

    def _row_segments(self, row: int) -> list[Segment]:
        """The 32 cells of a character row; cached, since a border change alone repaints every line."""
        frame = self._frame
        cells = tuple(frame.cell(column, row) for column in range(COLUMNS))
        attributes = frame.display[ATTRIBUTES - SCREEN + row * COLUMNS:ATTRIBUTES - SCREEN + (row + 1) * COLUMNS]
        flashing = any(a & 0x80 for a in attributes)
        key = (cells, attributes, frame.flash_on and flashing)
        cached = self._row_cache.get(row)
        if cached is not None and cached[0] == key:
            return cached[1]
        segments = []
        for column, cell in enumerate(cells):
            ink, paper, bright = cell_colours(attributes[column], frame.flash_on)
            found = (" ", False) if hidden(attributes[column]) else read_cell(cell)
            if found is None:
                character = quadrant(cell)
            else:
                character, inverse = found
                if inverse:
                    ink, paper = paper, ink
            segments.append(Segment(character, _style(ink, paper, bright)))
        segments = list(Segment.simplify(segments))
        self._row_cache[row] = (key, segments)
        return segments

    def _pixel_line(self, y: int) -> Strip:
        frame = self._frame
        if self._pixels is None or self._pixels[0] != frame:
            memory = bytes(SCREEN) + frame.display
            self._pixels = (frame, half_block_rows(memory, frame.flash_on, frame.border, PIXEL_MARGIN))
        rows = self._pixels[1]
        width = self.size.width
        border = _border_style(frame.border)
        top = (self.size.height - len(rows)) // 2
        if not 0 <= y - top < len(rows):
            return Strip([Segment(" " * width, border)], width)
        left = (width - len(rows[0])) // 2
        segments = [Segment(" " * left, border)]
        segments.extend(Segment("▀", _rgb_style(top_rgb, bottom_rgb)) for top_rgb, bottom_rgb in rows[y - top])
        segments.append(Segment(" " * max(0, width - left - len(rows[0])), border))
        return Strip(list(Segment.simplify(segments)), width)

    # -- typing ----------------------------------------------------------------------

    def on_key(self, event: events.Key) -> None:
        text = SPECIAL_KEYS.get(event.key)
        if text is None and event.character and event.is_printable and len(event.character) == 1:
            text = event.character
        if text is not None:
            event.stop()
            event.prevent_default()
            self.post_message(self.Typed(text))
