"""The result of assembling: bytes, symbols, line map and an optional listing."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ListingLine:
    """One assembled source line, for the listing."""

    address: int
    data: bytes
    file: str
    line: int
    text: str


@dataclass
class Program:
    """Assembled machine code.

    origin:   lowest address emitted
    data:     bytes from origin to the highest emitted address (gaps zero-filled)
    symbols:  label and constant values (locals as "global@local", scoped as "scope.name")
    line_map: address of the first byte of each instruction/data line -> (file, line)
    chunks:   (start address, bytes) of each contiguous run actually emitted, in address order
    """

    origin: int
    data: bytes
    symbols: dict[str, int]
    line_map: dict[int, tuple[str, int]]
    chunks: list[tuple[int, bytes]]
    listing_lines: list[ListingLine] = field(default_factory=list, repr=False)

    @property
    def end(self) -> int:
        """One past the highest emitted address."""
        return self.origin + len(self.data)

    def listing(self) -> str:
        """Text listing: address, up to 8 bytes in hex, file:line and the source text."""
        rows = []
        for entry in self.listing_lines:
            hex_bytes = " ".join(f"{b:02X}" for b in entry.data[:8])
            if len(entry.data) > 8:
                hex_bytes += " ..."
            location = f"{entry.file}:{entry.line}"
            rows.append(f"{entry.address:04X}  {hex_bytes:<27} {location:<24} {entry.text.rstrip()}")
        return "\n".join(rows) + ("\n" if rows else "")
