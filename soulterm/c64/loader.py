"""Program files: PRG (2-byte load address + data), BASIC SYS stubs, and D64 floppy images.

- `parse_prg(data)` checks a PRG and splits it into load address and body;
- `sys_address(load, body)` finds the address of a BASIC `SYS nnnn` line
  in a program loaded at $0801, which is how RUN starts a machine-code
  program (there is no BASIC interpreter to run anything else);
- `Disk` reads a D64 image (floppy.py, every sector chain bounded):
  directory listing and files by name (with the DOS wildcards * and ?),
  each file read only when its `data` is first asked for.

Every problem is a LoadError with a one-line message.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..inputs import read_limited
from .floppy import IMAGE_SIZES, Floppy, FloppyError

BASIC_START = 0x0801
SYS_TOKEN = 0x9E
MAX_PRG_BYTES = 2 + 0x10000                     # load address + all of memory


class LoadError(Exception):
    """A program or disk that cannot be loaded; the message is one line for the user."""


def parse_prg(data: bytes, what: str = "program") -> tuple[int, bytes]:
    """(load address, body) of a PRG; LoadError if it cannot be one."""
    if len(data) < 3:
        raise LoadError(f"{what} is not a PRG: {len(data)} bytes, too short for a load address and code")
    load = data[0] | (data[1] << 8)
    body = bytes(data[2:])
    end = load + len(body)
    if end > 0x10000:
        raise LoadError(f"{what} is too big: {len(body)} bytes at ${load:04X} run past $FFFF")
    if load < 0x0200:
        raise LoadError(f"{what} is not a PRG: load address ${load:04X} is in the zero page / stack")
    return load, body


def sys_address(load: int, body: bytes) -> int | None:
    """Address in the first `SYS` of a BASIC program at $0801, None if it has none."""
    if load != BASIC_START:
        return None
    address = load
    for _line in range(16):                     # a stub is a line or two; stop early on junk
        offset = address - load
        if offset + 4 > len(body):
            return None
        link = body[offset] | (body[offset + 1] << 8)
        if link == 0:
            return None
        text = body[offset + 4:]
        end = text.find(0)
        line = text[: end if end >= 0 else len(text)]
        if SYS_TOKEN in line:
            rest = line[line.index(SYS_TOKEN) + 1:].lstrip(b" (")
            digits = bytearray()
            for char in rest:
                if 0x30 <= char <= 0x39:
                    digits.append(char)
                elif char != 0x20 or digits:
                    break
            if digits and int(digits) <= 0xFFFF:
                return int(digits)
            return None
        if link <= address:
            return None
        address = link
    return None


def petscii_name(name: str | bytes) -> bytes:
    """A file name as the 1541 stores it (unshifted letters = uppercase)."""
    if isinstance(name, bytes):
        return name
    try:
        return name.upper().encode("ascii")
    except UnicodeEncodeError:
        raise LoadError(f"file name {name!r} has characters a 1541 file name cannot hold") from None


def name_matches(pattern: bytes, name: bytes) -> bool:
    """CBM DOS matching: '?' any one character, '*' the rest of the name."""
    for index, char in enumerate(pattern):
        if char == 0x2A:                        # '*'
            return True
        if index >= len(name):
            return False
        if char != 0x3F and char != name[index]:   # '?'
            return False
    return len(pattern) == len(name)


@dataclass
class DiskFile:
    name: bytes             # PETSCII, as in the directory
    kind: str               # PRG, SEQ, USR, REL, DEL
    blocks: int
    disk: "Disk" = field(repr=False)
    start: tuple[int, int] = (0, 0)     # track, sector of the first block
    _data: bytes | None = field(default=None, repr=False)

    @property
    def display_name(self) -> str:
        return self.name.decode("ascii", errors="replace")

    @property
    def data(self) -> bytes:
        """The file's bytes (load address included), read on first use; LoadError if damaged."""
        if self._data is None:
            if self.kind == "REL":
                self._data = b""            # relative files hold records, never a program
            else:
                self._data = self.disk.read(self)
        return self._data


class Disk:
    """The directory of a D64 image; files are read when used (DiskFile.data)."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        if not self.path.exists():
            raise LoadError(f"no such file: {self.path}")
        image = read_limited(self.path, max(IMAGE_SIZES), "D64 disk image", LoadError)
        if len(image) not in IMAGE_SIZES:
            raise LoadError(f"{self.path.name} is not a D64 disk image "
                            f"({len(image)} bytes; a D64 has 174848)")
        self._floppy = Floppy(image)
        try:
            self.title = self._floppy.title
            self.files = [DiskFile(name, kind, blocks, self, (track, sector))
                          for name, kind, blocks, track, sector in self._floppy.entries()]
        except FloppyError as exc:
            raise LoadError(f"{self.path.name} is a damaged D64 image: {exc}") from None

    def read(self, file: DiskFile) -> bytes:
        try:
            return self._floppy.file_bytes(file.name, *file.start)
        except FloppyError as exc:
            raise LoadError(f"{self.path.name} is a damaged D64 image: {exc}") from None

    def find(self, name: str | bytes | None = None) -> DiskFile:
        """The first PRG, or the first file whose name matches `name`."""
        if name is None:
            for file in self.files:
                if file.kind == "PRG":
                    return file
            raise LoadError(f"{self.path.name} has no PRG file")
        pattern = petscii_name(name)
        for file in self.files:
            if name_matches(pattern, file.name):
                return file
        listing = ", ".join(f.display_name for f in self.files) or "the disk is empty"
        raise LoadError(f"no file named {pattern.decode('ascii', 'replace')!r} "
                        f"on {self.path.name} (files: {listing})")

    def directory(self) -> list[str]:
        """The listing as LOAD"$",8 would show it."""
        lines = [f'0 "{self.title.decode("ascii", "replace"):<16}"']
        for file in self.files:
            lines.append(f'{file.blocks:<4} "{file.display_name}"'.ljust(24) + file.kind)
        return lines
