"""Which layout fits a terminal size: one decision, made from the numbers here.

- dashboard: everything at once. The C64 screen (with its border) and the
  status line top left, the attention panel beside them; the memory map and
  the debugger below.
- beside: the C64 screen on the left, one panel at a time on the right,
  chosen with the tab bar above (or F1, which cycles them).
- single: too narrow for anything beside the screen: the tab bar chooses
  between the C64 screen and each panel, shown one at a time.

Rows: the C64 screen shows all 25 text rows and its border rows wherever
the terminal has them; with fewer, the screen widget shows a window of rows
that follows the cursor (see widgets/c64_screen.py). The header goes first
when rows are short, then the status line's second line; the status line
itself always shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from soulterm.tui.widgets.c64_screen import FULL_HEIGHT, FULL_WIDTH
from soulterm.tui.widgets.memory_map import LEGEND_LINES, ROWS

MACHINE_COLUMN = FULL_WIDTH + 2       # the screen plus a margin either side
PANEL_MIN_WIDTH = 50                  # the attention heads (9 + 8 x 5) and a border
MEMORY_MAP_WIDTH = 74                 # 6 address columns + 64 cells + padding and border
DASHBOARD_MIN_WIDTH = 150             # attention beside the screen, debugger beside the map
DASHBOARD_TOP_ROWS = FULL_HEIGHT + 2  # the screen and a two-line status
MEMORY_MAP_ROWS = ROWS + LEGEND_LINES + 2   # address rows, legend, border
STATUS_ROWS = 2
HEADER_ROWS = FOOTER_ROWS = TABS_ROWS = 1


@dataclass(frozen=True)
class Layout:
    mode: str             # "dashboard" | "beside" | "single"
    header: bool
    status_rows: int      # 2, or 1 when rows are short
    screen_rows: int      # rows the C64 screen widget gets (27 = all of it with border)


def choose_layout(width: int, height: int) -> Layout:
    dashboard_rows = DASHBOARD_TOP_ROWS + MEMORY_MAP_ROWS + FOOTER_ROWS
    if width >= DASHBOARD_MIN_WIDTH and height >= dashboard_rows:
        return Layout("dashboard", height >= dashboard_rows + HEADER_ROWS, STATUS_ROWS, FULL_HEIGHT)
    mode = "beside" if width >= MACHINE_COLUMN + PANEL_MIN_WIDTH else "single"
    chrome = TABS_ROWS + FOOTER_ROWS
    header = height >= chrome + HEADER_ROWS + FULL_HEIGHT + STATUS_ROWS
    status_rows = STATUS_ROWS if height >= chrome + FULL_HEIGHT + STATUS_ROWS else 1
    rows = height - chrome - status_rows - (HEADER_ROWS if header else 0)
    return Layout(mode, header, status_rows, max(1, min(FULL_HEIGHT, rows)))
