"""Memory-map heat: how recently each 64-byte cell was read or written.

Reads come from the host's sample counters (PC and operand address, which
only ever grow); writes from comparing RAM with the previous look, counted
only in cells where the CPU sees RAM both times (on the C64 a ROM banked in
or out, or an I/O register, changes what the CPU sees without a write to
RAM; the Spectrum's RAM is always $4000-$FFFF). Both fade with emulated
time, not wall time, so a paused machine's map holds still.
"""

from __future__ import annotations

import numpy as np

from soulterm.c64.memory import BASIC_END, BASIC_START, IO_END, IO_START, KERNAL_START, banking
from soulterm.tui.host import HEAT_CELL_BYTES, HEAT_CELLS, PAL_CLOCK_HZ
from soulterm.zx.rom import CLOCK_HZ as ZX_CLOCK_HZ

CELL_BYTES = HEAT_CELL_BYTES
FADE = 0.8                          # per FADE_CYCLES: heat halves in about a quarter second
FADE_CYCLES = PAL_CLOCK_HZ // 12
ZX_FADE_CYCLES = ZX_CLOCK_HZ // 12  # the same twelfth of a second of the Spectrum's time


ZX_RAM_CELLS = np.arange(HEAT_CELLS) >= 0x4000 // CELL_BYTES


def ram_cells(ddr: int, port: int) -> np.ndarray:
    """True for the heat cells where the CPU sees RAM under this banking (writes count there)."""
    cells = np.ones(HEAT_CELLS, dtype=bool)
    basic, middle, kernal = banking(port, ddr)
    for (start, end), kind in (((BASIC_START, BASIC_END), basic), ((IO_START, IO_END), middle),
                               ((KERNAL_START, 0x10000), kernal)):
        if kind != "ram":
            cells[start // CELL_BYTES:end // CELL_BYTES] = False
    return cells


class HeatTracker:
    def __init__(self) -> None:
        self.reads = np.zeros(HEAT_CELLS, dtype=np.float32)
        self.writes = np.zeros(HEAT_CELLS, dtype=np.float32)
        self._counts = np.zeros(HEAT_CELLS, dtype=np.float32)
        self._previous_ram: bytes | None = None
        self._faded_at = 0
        self.machine = "c64"                # the build map's machine: which cells are RAM

    def forget_ram(self) -> None:
        """After a reset or load: the next look is not a write to every changed byte."""
        self._previous_ram = None
        self._faded_at = 0

    def update(self, ram: bytes, counts, cycles: int) -> None:
        """A new look: RAM now (with $00/$01, the banking), the host's cumulative sample
        counts, the cycle counter. A look older than the last one (it waited in a queue)
        changes nothing."""
        counts = np.array(counts, dtype=np.float32)
        if cycles < self._faded_at or bool((counts < self._counts).any()):
            return
        period = ZX_FADE_CYCLES if self.machine == "zx" else FADE_CYCLES
        fade = FADE ** (max(0, cycles - self._faded_at) / period)
        self._faded_at = cycles
        self.writes *= fade
        self.reads = self.reads * fade + np.maximum(0.0, counts - self._counts)
        self._counts = counts
        previous = self._previous_ram
        if previous is not None:
            changed = np.frombuffer(ram, np.uint8) != np.frombuffer(previous, np.uint8)
            written = changed.reshape(HEAT_CELLS, -1).any(axis=1)
            if self.machine == "zx":
                written &= ZX_RAM_CELLS
            else:
                written &= ram_cells(ram[0], ram[1]) & ram_cells(previous[0], previous[1])
            self.writes[written] = 1.0
        self._previous_ram = ram
