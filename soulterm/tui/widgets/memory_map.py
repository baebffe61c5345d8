"""The memory map panel: all 64 KB as 16 rows of 64 cells (64 bytes each).

Each cell is coloured by the kind of build-map region it lies in (code,
weights, tables, KV cache, ...), with a legend. Activity shows as fading
heat: shades for addresses the CPU was sampled executing or touching, in
red where RAM changed between frames (writes). The cell holding the PC is
marked; the line below the map names the routine the PC is in and the
regions being read and written most. Hovering a cell names its region.
"""

from __future__ import annotations

import numpy as np
from functools import lru_cache

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.strip import Strip
from textual.message import Message
from textual.widget import Widget

from soulterm.tui.buildmap import BuildMap
from soulterm.tui.heat import HeatTracker

CELL_BYTES = 64
COLUMNS = 64
ROWS = 16
ROW_LABEL = 6
HEAT_GLYPHS = "·░▒▓█"

KIND_COLOURS = {
    "code": "#3b5bdb",
    "weights": "#2b8a3e",
    "bias": "#5c940d",
    "table": "#862e9c",
    "tokenizer": "#a61e4d",
    "kv-cache": "#e67700",
    "activations": "#c92a2a",
    "attention": "#d6336c",
    "buffer": "#495057",
    "screen": "#1098ad",
    "io": "#5f3dc4",
}
FREE_COLOUR = "#1a1a1a"
_DIM = Style(dim=True)


@lru_cache(maxsize=None)
def _cell_style(kind: str | None, mark: str, hovered: bool) -> Style:
    background = KIND_COLOURS.get(kind, FREE_COLOUR) if kind else FREE_COLOUR
    colour = {"pc": "#ffffff", "write": "#ff6b6b", "read": "#f8f9fa"}[mark]
    return Style(color=colour, bgcolor=background, bold=mark == "pc", reverse=hovered)


class MachineSampled(Message):
    """A look at the machine for the memory map (posted by the app's refresh timer)."""

    def __init__(self, ram: bytes, heat_counts, cycles: int, pc: int, program: int) -> None:
        super().__init__()
        self.ram, self.heat_counts, self.cycles, self.pc = ram, heat_counts, cycles, pc
        self.program = program      # counts loads and resets: RAM from another program is no write


class MemoryMapPanel(Widget):
    """64 KB at a glance: regions, heat, and where the PC is."""

    DEFAULT_CSS = """
    MemoryMapPanel { height: 20; width: 90; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._map = BuildMap.empty()
        self._cell_kinds: list[str | None] = []
        self._access = np.zeros(COLUMNS * ROWS, dtype=np.float32)
        self._writes = np.zeros(COLUMNS * ROWS, dtype=np.float32)
        self._pc = 0
        self._hover: int | None = None
        self._shown = np.zeros(0)
        self._legend_cache: list[list[Segment]] | None = None
        self.heat = HeatTracker()
        self._program = 0
        self.set_map(self._map)

    def on_machine_sampled(self, message: MachineSampled) -> None:
        if message.program != self._program:
            self._program = message.program
            self.heat.forget_ram()
        self.heat.update(message.ram, message.heat_counts, message.cycles)
        self.show(self.heat.reads, self.heat.writes, message.pc)

    def set_map(self, build_map: BuildMap) -> None:
        self._map = build_map
        kinds = []
        for cell in range(COLUMNS * ROWS):
            region = build_map.region_covering(cell * CELL_BYTES, (cell + 1) * CELL_BYTES)
            kinds.append(region.kind if region else None)
        self._cell_kinds = kinds
        self._legend_cache = None
        self.refresh()

    def show(self, access: np.ndarray, writes: np.ndarray, pc: int) -> None:
        """New heat and PC; repaints only when a visible cell would change."""
        peak = max(1.0, float(access.max()))
        levels = np.maximum(np.minimum(writes, 1.0), access / peak)
        shown = np.where(levels > 0.02, np.minimum(len(HEAT_GLYPHS) - 1, (levels * len(HEAT_GLYPHS)).astype(int)), -1)
        shown = np.where(writes >= access / peak, shown + 10, shown)
        if pc == self._pc and np.array_equal(shown, self._shown):
            return
        self._shown = shown
        self._access = access.copy()
        self._writes = writes.copy()
        self._pc = pc
        self._update_info()
        self.refresh()

    def routine_text(self) -> str:
        region = self._map.region_at(self._pc)
        where = f" in {region.name}" if region else ""
        routine = self._map.describe(self._pc)
        routine = "" if routine.startswith("$") else f" {routine}"
        return f"PC ${self._pc:04X}{routine}{where}"

    def on_mouse_move(self, event: events.MouseMove) -> None:
        offset = event.get_content_offset(self)
        cell = self._cell_at(offset.x, offset.y) if offset is not None else None
        if cell != self._hover:
            self._hover = cell
            self._update_info()
            self.refresh()

    def on_leave(self) -> None:
        self._hover = None
        self._update_info()
        self.refresh()

    def _cell_at(self, x: int, y: int) -> int | None:
        row, col = y - 1, x - ROW_LABEL
        if 0 <= row < ROWS and 0 <= col < COLUMNS:
            return row * COLUMNS + col
        return None

    def render_line(self, y: int) -> Strip:
        """One line as segments with cached styles: this panel repaints often, and
        1024 coloured cells through rich Text would cost the emulator its CPU."""
        width = self.size.width
        if y == 0:
            header = " " * ROW_LABEL + "".join(f"+${col * CELL_BYTES:03X}".ljust(16) for col in range(0, COLUMNS, 16))
            return Strip([Segment(header, _DIM)]).crop_extend(0, width, None)
        row = y - 1
        if row < ROWS:
            return Strip(self._grid_row(row)).crop_extend(0, width, None)
        return Strip.blank(width)

    def info_text(self) -> str:
        """The line under the map (its border subtitle): the hovered cell's region, or
        the routine the PC is in and the regions being read and written most."""
        if self._hover is not None:
            address = self._hover * CELL_BYTES
            region = self._map.region_covering(address, address + CELL_BYTES)
            name = f"{region.name} ({region.kind}, ${region.start:04X}-${region.end - 1:04X})" if region else "unused"
            return f"${address:04X}: {name}"
        parts = [self.routine_text()]
        for label, heat in (("reading", self._access), ("writing", self._writes)):
            if heat.size and float(heat.max()) > 0.02:
                cell = int(heat.argmax())
                region = self._map.region_covering(cell * CELL_BYTES, (cell + 1) * CELL_BYTES)
                if region is not None:
                    parts.append(f"{label} {region.name}")
        return " · ".join(parts)

    def _update_info(self) -> None:
        self.border_subtitle = self.info_text()

    def _grid_row(self, row: int) -> list[Segment]:
        segments = [Segment(f"${row * COLUMNS * CELL_BYTES:04X} ", _DIM)]
        pc_cell = self._pc // CELL_BYTES
        peak = max(1.0, float(self._access.max()))
        run_style, run = None, []
        for col in range(COLUMNS):
            cell = row * COLUMNS + col
            kind = self._cell_kinds[cell]
            if cell == pc_cell:
                glyph, style = "◆", _cell_style(kind, "pc", False)
            else:
                write = float(self._writes[cell])
                access = float(self._access[cell]) / peak
                level = max(min(1.0, write), access)
                glyph = HEAT_GLYPHS[min(len(HEAT_GLYPHS) - 1, int(level * len(HEAT_GLYPHS)))] if level > 0.02 else " "
                mark = "write" if write >= access and write > 0.02 else "read"
                style = _cell_style(kind, mark, cell == self._hover)
            if style is not run_style and run:
                segments.append(Segment("".join(run), run_style))
                run = []
            run_style = style
            run.append(glyph)
        segments.append(Segment("".join(run), run_style))
        legend = self._legend_segments()
        if row < len(legend):
            segments.append(Segment("  "))
            segments.extend(legend[row])
        return segments

    def _legend_segments(self) -> list[list[Segment]]:
        if self._legend_cache is None:
            console = Console()
            self._legend_cache = [list(line.render(console)) for line in self._legend()]
        return self._legend_cache

    def render(self) -> Text:
        """The whole panel as text, info line last (for tests and screen readers)."""
        return Text("\n".join([*(self.render_line(y).text for y in range(ROWS + 1)), self.info_text()]))

    def _legend(self) -> list[Text]:
        present = [k for k in KIND_COLOURS if k in set(self._cell_kinds)]
        lines = []
        for kind in present:
            line = Text()
            line.append("  ", style=Style(bgcolor=KIND_COLOURS[kind]))
            line.append(f" {kind}")
            lines.append(line)
        line = Text()
        line.append("◆", style="bold")
        line.append(" PC  ")
        line.append("▓", style="#ff6b6b")
        line.append(" write")
        lines.append(line)
        return lines
