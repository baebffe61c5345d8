"""Program files: PRG (2-byte load address + data), BASIC SYS stubs, and D64 floppy images.

- `parse_prg(data)` checks a PRG and splits it into load address and body;
- `sys_address(load, body)` finds the address of a BASIC `SYS nnnn` line
  in a program loaded at $0801, which is how RUN starts a machine-code
  program (there is no BASIC interpreter to run anything else);
- `Disk` reads a D64 image with the `d64` package: directory listing and
  files by name (with the DOS wildcards * and ?).

Every problem is a LoadError with a one-line message.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

BASIC_START = 0x0801
SYS_TOKEN = 0x9E
D64_SIZES = (174848, 175531, 196608, 197376)    # 35/40 tracks, without/with error bytes


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
    data: bytes

    @property
    def display_name(self) -> str:
        return self.name.decode("ascii", errors="replace")


class Disk:
    """The files on a D64 image, read once when it is opened."""

    def __init__(self, path: str | os.PathLike):
        from pathlib import Path

        from d64 import DiskImage

        self.path = Path(path)
        if not self.path.is_file():
            raise LoadError(f"no such file: {self.path}")
        if self.path.stat().st_size not in D64_SIZES:
            raise LoadError(f"{self.path.name} is not a D64 disk image "
                            f"({self.path.stat().st_size} bytes; a D64 has 174848)")
        try:
            with DiskImage(self.path) as image:
                self.title = bytes(image.name).rstrip(b"\xa0")
                self.files = []
                for entry in image.iterdir():
                    kind = entry.entry.file_type
                    data = entry.open().read() if kind != "REL" else b""
                    self.files.append(DiskFile(bytes(entry.name), kind, entry.size_blocks, data))
        except LoadError:
            raise
        except Exception as exc:  # the d64 package raises many kinds on a damaged image
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
