"""The build map's shared vocabulary: its format tag and its memory regions.

`soulterm build` writes the map (player/build.py) and the TUI reads it
(tui/buildmap.py); both take these names from here so the two sides of the
contract (docs/CONTRACTS.md, "The build map") cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

MAP_FORMAT = "soulterm-map-1"


@dataclass(frozen=True)
class Region:
    """A named memory range of the build: [start, end) and its kind (code, weights, ...)."""

    name: str
    kind: str
    start: int
    end: int          # exclusive

    @property
    def size(self) -> int:
        return self.end - self.start

    def to_json(self) -> dict:
        return {"name": self.name, "kind": self.kind, "start": self.start, "end": self.end}
