"""The build's memory map (disk/soulplayer.map.json) as the TUI uses it.

Loads and checks the `soulterm-map-1` format written by `soulterm build`
(docs/CONTRACTS.md) and answers the questions the panels ask: which region
holds an address, which routine the PC is in, which source line an address
came from, where the attention bookkeeping lives.
"""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass, field
from pathlib import Path

from soulterm.inputs import read_limited
from soulterm.player.mapformat import MAP_FORMAT, Region

MAX_MAP_BYTES = 64 * 1024 * 1024       # a map lists at most every address and source line of one 64 KB program

# Regions that are not in the build map but every machine of its kind has.
FIXED_REGIONS = {
    "c64": (
        ("zero page", "buffer", 0x0000, 0x0100),
        ("stack", "buffer", 0x0100, 0x0200),
        ("screen", "screen", 0x0400, 0x0800),
        ("I/O", "io", 0xD000, 0xE000),
        ("KERNAL (Python traps)", "code", 0xE000, 0x10000),
    ),
    "zx": (
        ("ROM (Python traps)", "code", 0x0000, 0x4000),
        ("screen: bitmap", "screen", 0x4000, 0x5800),
        ("screen: attributes", "screen", 0x5800, 0x5B00),
        ("printer buffer", "buffer", 0x5B00, 0x5C00),
        ("system variables", "buffer", 0x5C00, 0x5CB6),
        ("user-defined graphics", "buffer", 0xFF58, 0x10000),
    ),
}

ATTENTION_KEYS = ("weights", "context", "context_len", "position", "layer", "head")


class MapError(Exception):
    """The map file is missing or does not match the format; the message says what is wrong."""


@dataclass
class BuildMap:
    symbols: dict[str, int]
    regions: list[Region]
    lines: list[tuple[int, str, int]]
    attention: dict[str, int] | None
    vocab: list[str]
    load_address: int = 0
    end_address: int = 0
    machine: str = "c64"          # "c64" | "zx" (the map's "machine": zx-spectrum-48k is "zx")
    path: Path | None = None
    lens_rows_apart: list[list[int]] = field(default_factory=list)   # out's rows off the tape (the 48K's)
    _symbol_addrs: list[int] = field(default_factory=list, repr=False)
    _symbol_names: list[str] = field(default_factory=list, repr=False)
    _line_addrs: list[int] = field(default_factory=list, repr=False)
    _by_name: dict[str, int] = field(default_factory=dict, repr=False)
    _labels: dict[str, int] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        # Routines are looked up among code labels only: constants (EM_DIM = 32,
        # by convention in capitals) and zero-page names are not places the PC goes.
        ordered = sorted(((n, a) for n, a in self.symbols.items() if _is_label(n, a)),
                         key=lambda kv: (kv[1], kv[0]))
        self._symbol_addrs = [a for _, a in ordered]
        self._symbol_names = [n for n, _ in ordered]
        self.lines.sort()
        self._line_addrs = [a for a, _, _ in self.lines]
        self._by_name = {n.lower(): a for n, a in self.symbols.items()}
        present = {(r.start, r.end) for r in self.regions}
        for name, kind, start, end in FIXED_REGIONS[self.machine]:
            if not any(r.start < end and start < r.end for r in self.regions) and (start, end) not in present:
                self.regions.append(Region(name, kind, start, end))
        self.regions.sort(key=lambda r: (r.start, r.end))

    @classmethod
    def empty(cls, machine: str = "c64") -> "BuildMap":
        """A map with only the machine's fixed regions, for when no build exists yet."""
        return cls(symbols={}, regions=[], lines=[], attention=None, vocab=[], machine=machine)

    @classmethod
    def load(cls, path: str | Path) -> "BuildMap":
        path = Path(path)
        if not path.exists():
            raise MapError(f"{path}: no such file (run Build to make it)")
        raw = read_limited(path, MAX_MAP_BYTES, "build map", MapError)
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            raise MapError(f"{path}: not a readable JSON map ({exc.__class__.__name__}: {exc})") from None
        try:
            built = cls.from_dict(data)
        except MapError as exc:
            raise MapError(f"{path}: {exc}") from None
        built.path = path
        return built

    @classmethod
    def from_dict(cls, data: object) -> "BuildMap":
        if not isinstance(data, dict) or data.get("format") != MAP_FORMAT:
            raise MapError(f"not a {MAP_FORMAT} file")
        try:
            symbols = {str(k): _address(v) for k, v in dict(data.get("symbols", {})).items()}
            regions = [
                Region(str(r["name"]), str(r.get("kind", "buffer")), _address(r["start"]), _address(r["end"], 0x10000))
                for r in data.get("regions", [])
            ]
            lines = [(_address(a), str(f), int(n)) for a, f, n in data.get("lines", [])]
            attention = data.get("attention")
            if attention is not None:
                attention = {k: _address(attention[k]) for k in ATTENTION_KEYS}
            vocab = [str(v) for v in data.get("vocab", [])]
            lens_rows_apart = [[int(w) for w in row] for row in data.get("lens_rows_apart", [])]
        except (KeyError, TypeError, ValueError) as exc:
            raise MapError(f"malformed entry ({exc.__class__.__name__}: {exc})") from None
        return cls(
            symbols=symbols, regions=regions, lines=lines, attention=attention, vocab=vocab,
            load_address=_address(data.get("load_address", 0)),
            end_address=_address(data.get("end_address", 0), 0x10000),
            machine="zx" if str(data.get("machine", "")).startswith("zx") else "c64",
            lens_rows_apart=lens_rows_apart,
        )

    # -- look-ups ---------------------------------------------------------

    def region_at(self, address: int) -> Region | None:
        """The innermost (smallest) region holding `address`."""
        best = None
        for region in self.regions:
            if region.start <= address < region.end and (best is None or region.size < best.size):
                best = region
        return best

    def region_covering(self, start: int, end: int) -> Region | None:
        """The region covering most of [start, end) (the smaller one on a tie)."""
        best, best_key = None, None
        for region in self.regions:
            overlap = min(end, region.end) - max(start, region.start)
            if overlap > 0:
                key = (overlap, -region.size)
                if best_key is None or key > best_key:
                    best, best_key = region, key
        return best

    def routine_at(self, address: int) -> tuple[str, int] | None:
        """(symbol, offset) of the nearest symbol at or below `address`."""
        i = bisect.bisect_right(self._symbol_addrs, address) - 1
        if i < 0:
            return None
        return self._symbol_names[i], address - self._symbol_addrs[i]

    def describe(self, address: int) -> str:
        """"name+offset" for an address, or its hex when no symbol is near."""
        found = self.routine_at(address)
        if found is None or found[1] > 0x400:
            return f"${address:04X}"
        name, offset = found
        return name if offset == 0 else f"{name}+{offset}"

    def source_line(self, address: int) -> tuple[str, int] | None:
        """(file, line) of the source line that produced the byte at `address`."""
        i = bisect.bisect_right(self._line_addrs, address) - 1
        if i < 0:
            return None
        line_addr, file, number = self.lines[i]
        # Stay within the instruction's neighbourhood, not a far earlier line.
        if address - line_addr > 3:
            return None
        return file, number

    def resolve(self, text: str) -> int:
        """A breakpoint or hex-view target: a symbol name, $hex, 0xhex or decimal."""
        text = text.strip()
        if not text:
            raise ValueError("empty address")
        if text.lower() in self._by_name:
            return self._by_name[text.lower()]
        try:
            if text.startswith("$"):
                value = int(text[1:], 16)
            elif text.lower().startswith("0x"):
                value = int(text, 16)
            else:
                value = int(text, 10)
        except ValueError:
            raise ValueError(f"unknown symbol or address: {text}") from None
        if not 0 <= value <= 0xFFFF:
            raise ValueError(f"address out of range: {text}")
        return value

    def kernel_entries(self) -> dict[int, str]:
        """Addresses of routine entry points: top-level symbols inside code regions."""
        code = [r for r in self.regions if r.kind == "code"]
        entries = {}
        for name, address in self.symbols.items():
            if not _is_label(name, address) or any(c in name for c in "@.:") or name.startswith("_"):
                continue  # local labels and constants
            if code and not any(r.start <= address < r.end for r in code):
                continue  # data labels
            entries[address] = name
        return entries

    def address_labels(self) -> dict[str, int]:
        """Symbols that name places in memory (inside a region, outside zero page), for
        disassembly operands; constants such as HEAD_DIM = 8 would mislabel addresses."""
        if self._labels is None:
            built = [r for r in self.regions if r.kind not in ("io",) and r.start >= 0x0200]
            self._labels = {n: a for n, a in self.symbols.items()
                            if a >= 0x0200 and any(r.start <= a < r.end for r in built)}
        return self._labels

    def token_label(self, token_id: int) -> str:
        if 0 <= token_id < len(self.vocab):
            text = self.vocab[token_id]
            if text:
                return text
        specials = {0: "<PAD>", 1: "<SEP>", 2: "<UNK>", 3: "<END>"}
        return specials.get(token_id, f"#{token_id}")


def _is_label(name: str, address: int) -> bool:
    """A name for a place in code or data, not a constant or a zero-page variable."""
    return address >= 0x0200 and not (name.isupper() and any(c.isalpha() for c in name))


def _address(value: object, limit: int = 0xFFFF) -> int:
    number = int(value)  # type: ignore[arg-type]
    if not 0 <= number <= limit:
        raise ValueError(f"address {number} out of range")
    return number
