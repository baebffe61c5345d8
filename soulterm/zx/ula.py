"""The ULA of the ZX Spectrum 48K: screen, border, beeper and keyboard on port $FE.

Emulated
    screen    256x192 pixels at $4000-$57FF in the ULA's interleaved order
              (thirds, then character rows, then pixel rows) and 32x24
              attributes at $5800-$5AFF: bit 7 flash, 6 bright, 5-3 paper,
              2-0 ink. Flash swaps ink and paper every 16 frames.
    port $FE  (any even port) written: bits 0-2 border colour, bit 4 the
              beeper (EAR), bit 3 MIC. Read: bits 0-4 the keys of the
              half-rows whose line in A8-A15 is low (0 = pressed), bit 6 EAR
              in (reads 1: no tape signal), bits 5 and 7 read 1.
Not emulated
    contended memory and I/O (the ULA's wait states on $4000-$7FFF: the
    core cannot add them; contention.py counts them in the benches), the
    floating bus, the border's exact timing within a frame (changes are
    recorded with their T-state instead), tape input.
"""

from __future__ import annotations

SCREEN = 0x4000          # bitmap, 6144 bytes
ATTRIBUTES = 0x5800      # 768 bytes, one per 8x8 cell
WIDTH, HEIGHT = 256, 192
COLUMNS, ROWS = 32, 24
FLASH_FRAMES = 16        # flash swaps ink and paper every 16 frames
BORDER_MASK = 0x07
BEEPER_BIT = 0x10

# The eight colours, normal and bright (8-bit RGB; normal is about 84% intensity).
PALETTE = [(0x00, 0x00, 0x00), (0x00, 0x00, 0xD7), (0xD7, 0x00, 0x00), (0xD7, 0x00, 0xD7),
           (0x00, 0xD7, 0x00), (0x00, 0xD7, 0xD7), (0xD7, 0xD7, 0x00), (0xD7, 0xD7, 0xD7)]
BRIGHT_PALETTE = [(0x00, 0x00, 0x00), (0x00, 0x00, 0xFF), (0xFF, 0x00, 0x00), (0xFF, 0x00, 0xFF),
                  (0x00, 0xFF, 0x00), (0x00, 0xFF, 0xFF), (0xFF, 0xFF, 0x00), (0xFF, 0xFF, 0xFF)]
COLOUR_NAMES = ("black", "blue", "red", "magenta", "green", "cyan", "yellow", "white")

# The keyboard: eight half-rows, selected by a low address line A8..A15, keys from bit 0.
CAPS_SHIFT, SYMBOL_SHIFT, ENTER, SPACE = "CAPS", "SYMBOL", "ENTER", "SPACE"
HALF_ROWS = (
    (CAPS_SHIFT, "z", "x", "c", "v"),     # A8  ($FEFE)
    ("a", "s", "d", "f", "g"),            # A9  ($FDFE)
    ("q", "w", "e", "r", "t"),            # A10 ($FBFE)
    ("1", "2", "3", "4", "5"),            # A11 ($F7FE)
    ("0", "9", "8", "7", "6"),            # A12 ($EFFE)
    ("p", "o", "i", "u", "y"),            # A13 ($DFFE)
    (ENTER, "l", "k", "j", "h"),          # A14 ($BFFE)
    (SPACE, SYMBOL_SHIFT, "m", "n", "b"),  # A15 ($7FFE)
)
KEY_POSITION = {key: (row, bit) for row, keys in enumerate(HALF_ROWS) for bit, key in enumerate(keys)}


def pixel_address(x_byte: int, y: int) -> int:
    """Address of the bitmap byte holding pixels 8*x_byte..8*x_byte+7 of pixel row y."""
    return SCREEN | (y & 0xC0) << 5 | (y & 0x07) << 8 | (y & 0x38) << 2 | x_byte


def attribute_address(column: int, row: int) -> int:
    return ATTRIBUTES + row * COLUMNS + column


def cell_colours(attribute: int, flash_on: bool) -> tuple[int, int, bool]:
    """(ink, paper, bright) of an attribute byte, ink and paper swapped in the flash phase."""
    ink, paper = attribute & 7, (attribute >> 3) & 7
    if attribute & 0x80 and flash_on:
        ink, paper = paper, ink
    return ink, paper, bool(attribute & 0x40)


class ULA:
    """Port $FE and the keyboard matrix; the screen is read from memory on demand."""

    def __init__(self):
        self.border = 7                  # white after power-on in the ROM
        self.beeper = 0                  # last level written to bit 4
        self.border_changes: list[tuple[int, int]] = []   # (T-state, colour)
        self.beeper_edges: list[int] = []                  # T-states where bit 4 changed
        self.pressed: set[str] = set()   # keys held down now (HALF_ROWS names)
        self.listener = None             # called with the T-state of each beeper edge (the sound)

    def reset(self) -> None:
        listener = self.listener
        self.__init__()
        self.listener = listener

    def write_port(self, value: int, t_state: int) -> None:
        """An OUT to an even port: border and beeper."""
        border = value & BORDER_MASK
        if border != self.border:
            self.border = border
            self.border_changes.append((t_state, border))
        if value & BEEPER_BIT != self.beeper:
            self.toggle_beeper(t_state)

    def toggle_beeper(self, t_state: int) -> None:
        """An edge on the beeper line: bit 4 flips."""
        self.beeper ^= BEEPER_BIT
        self.beeper_edges.append(t_state)
        if self.listener is not None:
            self.listener(t_state)

    def read_port(self, port: int) -> int:
        """An IN from an even port: the keys of the half-rows selected by the high byte."""
        value = 0xFF
        high = port >> 8
        for key in self.pressed:
            row, bit = KEY_POSITION[key]
            if not high & (1 << row):
                value &= ~(1 << bit)
        return value


def pixels(memory, flash_on: bool = False) -> list[list[tuple[int, int, int]]]:
    """The 256x192 screen as rows of RGB tuples."""
    out = []
    for y in range(HEIGHT):
        row = []
        attributes = memory[ATTRIBUTES + (y >> 3) * COLUMNS:ATTRIBUTES + (y >> 3) * COLUMNS + COLUMNS]
        for column in range(COLUMNS):
            ink, paper, bright = cell_colours(attributes[column], flash_on)
            palette = BRIGHT_PALETTE if bright else PALETTE
            byte = memory[pixel_address(column, y)]
            ink_rgb, paper_rgb = palette[ink], palette[paper]
            row.extend(ink_rgb if byte & (0x80 >> bit) else paper_rgb for bit in range(8))
        out.append(row)
    return out


def half_block_rows(memory, flash_on: bool = False, border: int | None = None, margin: int = 0):
    """The screen for a terminal: each row is a list of (top RGB, bottom RGB), one per column.

    One terminal cell shows one pixel column and two pixel rows with "▀"
    (foreground = top, background = bottom): 256 columns by 96 rows.
    `border` and `margin` add that many border-coloured cells (and rows) around it.
    """
    image = pixels(memory, flash_on)
    if border is not None and margin:
        colour = PALETTE[border & 7]
        width = WIDTH + 2 * margin
        image = ([[colour] * width for _ in range(2 * margin)]
                 + [[colour] * margin + row + [colour] * margin for row in image]
                 + [[colour] * width for _ in range(2 * margin)])
    return [list(zip(image[y], image[y + 1])) for y in range(0, len(image), 2)]


def half_block_text(memory, flash_on: bool = False, border: int | None = None, margin: int = 0):
    """The screen as rich Text lines of "▀" cells, ready for a Textual widget."""
    from rich.style import Style
    from rich.text import Text

    lines = []
    styles: dict = {}
    for row in half_block_rows(memory, flash_on, border, margin):
        line = Text()
        for top, bottom in row:
            style = styles.get((top, bottom))
            if style is None:
                style = styles[(top, bottom)] = Style(color=f"rgb{top}", bgcolor=f"rgb{bottom}")
            line.append("▀", style)
        lines.append(line)
    return lines


def cell_bytes(memory, column: int, row: int) -> bytes:
    """The 8 bitmap bytes of one character cell, top row first."""
    return bytes(memory[pixel_address(column, row * 8 + line)] for line in range(8))
