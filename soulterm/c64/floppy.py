"""Reading a D64 floppy image (1541 format) with every sector chain bounded.

The layout (a published fact of the 1541): 256-byte sectors, tracks 1-17
have 21 sectors, 18-24 have 19, 25-30 have 18, 31-40 have 17; a 35-track
image holds 683 sectors, a 40-track one 768, either optionally followed by
one error byte per sector. Track 18 sector 0 (the BAM) holds the disk name
at $90-$9F; the directory starts at track 18 sector 1. Every sector of a
chain starts with the (track, sector) of the next one; track 0 marks the
last sector, whose second byte is the offset of its last used byte.

A damaged disk may link a chain back to itself. Each chain is followed at
most once per sector (a chain can never be longer than the disk), so a
loop or a link off the disk is a FloppyError naming it, never a hang.
Files are read only when asked for.
"""

from __future__ import annotations

SECTOR_SIZE = 256
DIRECTORY_TRACK, BAM_SECTOR, FIRST_DIRECTORY_SECTOR = 18, 0, 1
ENTRY_SIZE, ENTRIES_PER_SECTOR = 32, 8
NAME_AT, NAME_LENGTH = 0x90, 16
PADDING = 0xA0                              # shifted space: pads names to 16 characters
FILE_KINDS = ("DEL", "SEQ", "PRG", "USR", "REL")


def sectors_on_track(track: int) -> int:
    if track <= 17:
        return 21
    if track <= 24:
        return 19
    if track <= 30:
        return 18
    return 17


def _track_offsets(tracks: int) -> list[int]:
    """Byte offset of each track's first sector; index 0 unused (tracks count from 1)."""
    offsets, offset = [0], 0
    for track in range(1, tracks + 1):
        offsets.append(offset)
        offset += sectors_on_track(track) * SECTOR_SIZE
    return offsets


SECTORS_35, SECTORS_40 = sum(map(sectors_on_track, range(1, 36))), sum(map(sectors_on_track, range(1, 41)))
IMAGE_SIZES = {                             # file size -> tracks
    SECTORS_35 * SECTOR_SIZE: 35, SECTORS_35 * (SECTOR_SIZE + 1): 35,
    SECTORS_40 * SECTOR_SIZE: 40, SECTORS_40 * (SECTOR_SIZE + 1): 40,
}


class FloppyError(Exception):
    """A damaged image; the message is one line saying where."""


class Floppy:
    """A D64 image held in memory: sectors, the disk name, the directory and file chains."""

    def __init__(self, image: bytes):
        if len(image) not in IMAGE_SIZES:
            raise FloppyError(f"{len(image)} bytes is not the size of a D64 image")
        self.image = bytes(image)
        self.tracks = IMAGE_SIZES[len(image)]
        self._offsets = _track_offsets(self.tracks)

    def sector(self, track: int, sector: int) -> bytes:
        if not 1 <= track <= self.tracks or not 0 <= sector < sectors_on_track(track):
            raise FloppyError(f"track {track} sector {sector} is not on a {self.tracks}-track disk")
        start = self._offsets[track] + sector * SECTOR_SIZE
        return self.image[start:start + SECTOR_SIZE]

    def chain(self, track: int, sector: int, what: str) -> list[bytes]:
        """The sectors of the chain starting at (track, sector), each visited once."""
        seen = set()
        sectors = []
        while True:
            if (track, sector) in seen:
                raise FloppyError(f"{what} loops back to track {track} sector {sector}")
            seen.add((track, sector))
            try:
                data = self.sector(track, sector)
            except FloppyError as exc:
                raise FloppyError(f"{what} links to {exc}") from None
            sectors.append(data)
            if data[0] == 0:
                return sectors
            track, sector = data[0], data[1]

    @property
    def title(self) -> bytes:
        bam = self.sector(DIRECTORY_TRACK, BAM_SECTOR)
        return bam[NAME_AT:NAME_AT + NAME_LENGTH].rstrip(bytes([PADDING]))

    def entries(self) -> list[tuple[bytes, str, int, int, int]]:
        """(name, kind, blocks, first track, first sector) of each file in the directory."""
        found = []
        for data in self.chain(DIRECTORY_TRACK, FIRST_DIRECTORY_SECTOR, "the directory's sector chain"):
            for offset in range(0, SECTOR_SIZE, ENTRY_SIZE):
                entry = data[offset:offset + ENTRY_SIZE]
                file_type = entry[2]
                if file_type == 0:                  # an unused or scratched slot
                    continue
                kind_index = file_type & 0x0F
                kind = FILE_KINDS[kind_index] if kind_index < len(FILE_KINDS) else "???"
                name = entry[5:5 + NAME_LENGTH].rstrip(bytes([PADDING]))
                blocks = entry[30] | (entry[31] << 8)
                found.append((name, kind, blocks, entry[3], entry[4]))
        return found

    def file_bytes(self, name: bytes, track: int, sector: int) -> bytes:
        """The contents of the file whose chain starts at (track, sector)."""
        what = f'the sector chain of "{name.decode("ascii", "replace")}"'
        out = bytearray()
        for data in self.chain(track, sector, what):
            if data[0] == 0:
                out += data[2:data[1] + 1]          # the second byte: offset of the last used byte
            else:
                out += data[2:]
        return bytes(out)
