"""The memory map panel: all 64 KB as 16 rows of 64 cells (64 bytes each).

Each cell is coloured by the kind of build-map region it lies in (code,
weights, tables, KV cache, ...), with a legend below the address rows.
Activity shows as fading heat: white shades where the CPU was sampled
executing or reading (the machine samples the PC and the operand address of
the instruction there, so the weights light up while matvec reads them),
yellow where RAM changed between frames (writes: RAM only, never I/O
registers or a ROM banked in or out). The cell holding the PC is marked;
the line below the map says where the PC is (a routine and region of the
program only while the PC is inside it, else KERNAL, BASIC, I/O or RAM; on
the Spectrum ROM or RAM) and
the regions being read and written most. Hovering a cell names its region.
"""

from __future__ import annotations

import numpy as np
from functools import lru_cache

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from soulterm.c64.memory import BASIC_END, BASIC_START, IO, IO_END, IO_START, KERNAL_START, ROM, banking
from soulterm.tui.buildmap import BuildMap
from soulterm.tui.heat import CELL_BYTES, HeatTracker, ram_cells  # noqa: F401 (ram_cells: the map's truth, re-exported)

COLUMNS = 64
ROWS = 16
ROW_LABEL = 6
HEADER_LINES = 0       # the column scale is in the border title (SCALE_TITLE): rows are scarce
LEGEND_LINES = 2       # what the legend takes at the panel's usual width (layout.py reserves it)
SCALE_TITLE = f"Memory map · {CELL_BYTES} bytes a cell, {COLUMNS * CELL_BYTES // 1024} KB a row"
HEAT_GLYPHS = "·░▒▓█"
READ_FULL = 2.0    # sampled reads that make a cell fully lit (a fixed scale: the busy code cell must not dim the rest)

# One hue family per kind, told apart at a glance (Tableau 10): one red, one pink, no more.
KIND_COLOURS = {
    "code": "#4e79a7",         # blue
    "weights": "#59a14f",      # green
    "bias": "#8cd17d",         # light green: weights' companions
    "table": "#b07aa1",        # purple
    "tokenizer": "#9c755f",    # brown
    "kv-cache": "#f28e2b",     # orange
    "activations": "#e15759",  # red
    "attention": "#ff9da7",    # pink
    "buffer": "#bab0ac",       # grey
    "screen": "#76b7b2",       # teal
    "io": "#a0cbe8",           # light blue
}
FREE_COLOUR = "#1a1a1a"
ZX_RAM_START = 0x4000
MARK_COLOURS = {"pc": "#ffffff", "read": "#ffffff", "write": "#ffe030"}
_DIM = Style(dim=True)


@lru_cache(maxsize=None)
def _cell_style(kind: str | None, mark: str, hovered: bool) -> Style:
    background = KIND_COLOURS.get(kind, FREE_COLOUR) if kind else FREE_COLOUR
    return Style(color=MARK_COLOURS[mark], bgcolor=background, bold=mark != "read", reverse=hovered)


def pc_location(build_map: BuildMap, pc: int, ddr: int, port: int) -> str:
    """Where the PC is, in words: the program's routine (and region) only while the PC
    is inside the program and RAM is banked in there; else the ROM or I/O it runs in
    (on the Spectrum, whose map says so, the ROM is always below $4000)."""
    if build_map.machine == "zx":
        if pc < ZX_RAM_START:
            return "ROM"
    else:
        basic, middle, kernal = banking(port, ddr)
        if BASIC_START <= pc < BASIC_END and basic == ROM:
            return "BASIC"
        if IO_START <= pc < IO_END and middle != "ram":
            return "I/O" if middle == IO else "character ROM"
        if pc >= KERNAL_START and kernal == ROM:
            return "KERNAL"
    if not build_map.load_address <= pc < build_map.end_address:
        return "RAM"
    routine = build_map.describe(pc)
    routine = "" if routine.startswith("$") else routine
    region = build_map.region_at(pc)
    return " ".join(part for part in (routine, f"in {region.name}" if region else "") if part) or "program"


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
        self._where = "RAM"
        self._hover: int | None = None
        self._shown = np.zeros(0)
        self._legend_cache: tuple[int, list[list[Segment]]] | None = None
        self._data_cells = np.zeros(COLUMNS * ROWS, dtype=bool)
        self.heat = HeatTracker()
        self._program = 0
        self.set_map(self._map)

    def on_machine_sampled(self, message: MachineSampled) -> None:
        if message.program != self._program:
            self._program = message.program
            self.heat.forget_ram()
        self.heat.update(message.ram, message.heat_counts, message.cycles)
        self.show(self.heat.reads, self.heat.writes, message.pc, message.ram[0], message.ram[1])

    def set_map(self, build_map: BuildMap) -> None:
        self._map = build_map
        self.heat.machine = build_map.machine
        kinds = []
        for cell in range(COLUMNS * ROWS):
            region = build_map.region_covering(cell * CELL_BYTES, (cell + 1) * CELL_BYTES)
            kinds.append(region.kind if region else None)
        self._cell_kinds = kinds
        self._data_cells = np.array([kind not in (None, "code") for kind in kinds])
        self._legend_cache = None
        self.refresh()

    def show(self, access: np.ndarray, writes: np.ndarray, pc: int, ddr: int = 0x2F, port: int = 0x37) -> None:
        """New heat, PC and banking ($00/$01); repaints only when a visible cell would change."""
        reads = np.minimum(access / READ_FULL, 1.0)
        levels = np.maximum(np.minimum(writes, 1.0), reads)
        shown = np.where(levels > 0.02, np.minimum(len(HEAT_GLYPHS) - 1, (levels * len(HEAT_GLYPHS)).astype(int)), -1)
        shown = np.where(writes >= reads, shown + 10, shown)
        where = pc_location(self._map, pc, ddr, port)
        if pc == self._pc and where == self._where and np.array_equal(shown, self._shown):
            return
        self._shown = shown
        self._access = access.copy()
        self._writes = writes.copy()
        self._pc = pc
        self._where = where
        self._update_info()
        self.refresh()

    def routine_text(self) -> str:
        return f"PC ${self._pc:04X} {self._where}"

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
        row, col = y - HEADER_LINES, x - ROW_LABEL
        if 0 <= row < ROWS and 0 <= col < COLUMNS:
            return row * COLUMNS + col
        return None

    def render_line(self, y: int) -> Strip:
        """One line as segments with cached styles: this panel repaints often, and
        1024 coloured cells through rich Text would cost the emulator its CPU."""
        width = self.size.width
        row = y - HEADER_LINES
        if row < ROWS:
            return Strip(self._grid_row(row)).crop_extend(0, width, None)
        legend = self._legend_lines(width)
        if row - ROWS < len(legend):
            return Strip(legend[row - ROWS]).crop_extend(0, width, None)
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
        # The code being run is always read; name the busiest data region instead where there is one.
        data = self._data_cells
        for label, heat in (("reading", self._access), ("writing", self._writes)):
            if heat.size and float(heat.max()) > 0.02:
                data_heat = np.where(data, heat, 0.0)
                cell = int(data_heat.argmax() if float(data_heat.max()) > 0.02 else heat.argmax())
                region = self._map.region_covering(cell * CELL_BYTES, (cell + 1) * CELL_BYTES)
                if region is not None:
                    parts.append(f"{label} {region.name}")
        return " · ".join(parts)

    def _update_info(self) -> None:
        self.border_subtitle = self.info_text()

    def _grid_row(self, row: int) -> list[Segment]:
        segments = [Segment(f"${row * COLUMNS * CELL_BYTES:04X} ", _DIM)]
        pc_cell = self._pc // CELL_BYTES
        run_style, run = None, []
        for col in range(COLUMNS):
            cell = row * COLUMNS + col
            kind = self._cell_kinds[cell]
            if cell == pc_cell:
                glyph, style = "◆", _cell_style(kind, "pc", False)
            else:
                write = float(self._writes[cell])
                access = min(1.0, float(self._access[cell]) / READ_FULL)
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
        return segments

    def _legend_lines(self, width: int) -> list[list[Segment]]:
        """The legend under the address rows, wrapped to the panel's width."""
        if self._legend_cache is None or self._legend_cache[0] != width:
            console = Console()
            lines, line = [], Text()
            for item in self._legend_items():
                if line.cell_len and line.cell_len + 1 + item.cell_len > width:
                    lines.append(line)
                    line = Text()
                if line.cell_len:
                    line.append(" ")
                line.append_text(item)
            lines.append(line)
            self._legend_cache = (width, [list(text.render(console)) for text in lines])
        return self._legend_cache[1]

    def legend_rows(self, width: int) -> int:
        return len(self._legend_lines(width))

    def render(self) -> Text:
        """The whole panel as text, info line last (for tests and screen readers)."""
        width = max(self.size.width, ROW_LABEL + COLUMNS)
        lines = HEADER_LINES + ROWS + self.legend_rows(width)
        return Text("\n".join([*(self.render_line(y).text for y in range(lines)), self.info_text()]))

    def _legend_items(self) -> list[Text]:
        present = [k for k in KIND_COLOURS if k in set(self._cell_kinds)]
        items = []
        for kind in present:
            items.append(Text.assemble((" ", Style(bgcolor=KIND_COLOURS[kind])), f" {kind}"))
        items.append(Text.assemble(("◆", "bold"), " PC"))
        items.append(Text.assemble(("▓", MARK_COLOURS["read"]), " read"))
        items.append(Text.assemble(("▓", MARK_COLOURS["write"]), " write"))
        return items
