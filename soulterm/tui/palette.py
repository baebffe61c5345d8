"""The C64's 16-colour palette as terminal colours.

Values are the widely used "Pepto" measurements of a PAL VIC-II, which is
what most emulators show by default.
"""

from __future__ import annotations

from rich.color import Color
from rich.style import Style

C64_PALETTE_HEX: tuple[str, ...] = (
    "#000000",  # 0 black
    "#ffffff",  # 1 white
    "#68372b",  # 2 red
    "#70a4b2",  # 3 cyan
    "#6f3d86",  # 4 purple
    "#588d43",  # 5 green
    "#352879",  # 6 blue
    "#b8c76f",  # 7 yellow
    "#6f4f25",  # 8 orange
    "#433900",  # 9 brown
    "#9a6759",  # 10 light red
    "#444444",  # 11 dark grey
    "#6c6c6c",  # 12 grey
    "#9ad284",  # 13 light green
    "#6c5eb5",  # 14 light blue
    "#959595",  # 15 light grey
)

COLOUR_NAMES: tuple[str, ...] = (
    "black", "white", "red", "cyan", "purple", "green", "blue", "yellow",
    "orange", "brown", "light red", "dark grey", "grey", "light green",
    "light blue", "light grey",
)

_RICH_COLOURS = tuple(Color.parse(h) for h in C64_PALETTE_HEX)


def rich_colour(index: int) -> Color:
    """The rich Color for a C64 colour number (only the low nibble counts, as on the VIC)."""
    return _RICH_COLOURS[index & 0x0F]


_CELL_STYLES: dict[tuple[int, int], Style] = {}


def cell_style(foreground: int, background: int) -> Style:
    """A cached style for one screen cell: C64 foreground on C64 background."""
    key = (foreground & 0x0F, background & 0x0F)
    style = _CELL_STYLES.get(key)
    if style is None:
        style = Style(color=_RICH_COLOURS[key[0]], bgcolor=_RICH_COLOURS[key[1]])
        _CELL_STYLES[key] = style
    return style
