"""Memory-map heat: how recently each 64-byte cell was read or written.

Reads come from the host's sample counters (PC and operand address, which
only ever grow); writes from comparing RAM with the previous look. Both fade
with emulated time, not wall time, so a paused machine's map holds still.
"""

from __future__ import annotations

import numpy as np

from soulterm.tui.host import HEAT_CELLS, PAL_CLOCK_HZ

FADE = 0.8                          # per FADE_CYCLES: heat halves in about a quarter second
FADE_CYCLES = PAL_CLOCK_HZ // 12


class HeatTracker:
    def __init__(self) -> None:
        self.reads = np.zeros(HEAT_CELLS, dtype=np.float32)
        self.writes = np.zeros(HEAT_CELLS, dtype=np.float32)
        self._counts = np.zeros(HEAT_CELLS, dtype=np.float32)
        self._previous_ram: bytes | None = None
        self._faded_at = 0

    def forget_ram(self) -> None:
        """After a reset or load: the next look is not a write to every changed byte."""
        self._previous_ram = None
        self._faded_at = 0

    def update(self, ram: bytes, counts, cycles: int) -> None:
        """A new look: RAM now, the host's cumulative sample counts, the cycle counter.
        A look older than the last one (it waited in a queue) changes nothing."""
        counts = np.array(counts, dtype=np.float32)
        if cycles < self._faded_at or bool((counts < self._counts).any()):
            return
        fade = FADE ** (max(0, cycles - self._faded_at) / FADE_CYCLES)
        self._faded_at = cycles
        self.writes *= fade
        self.reads = self.reads * fade + np.maximum(0.0, counts - self._counts)
        self._counts = counts
        if self._previous_ram is not None:
            changed = np.frombuffer(ram, np.uint8) != np.frombuffer(self._previous_ram, np.uint8)
            self.writes[changed.reshape(HEAT_CELLS, -1).any(axis=1)] = 1.0
        self._previous_ram = ram
