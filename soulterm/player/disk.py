"""Write a one-file D64 floppy image with the `d64` package, deterministically."""

from __future__ import annotations

import tempfile
from pathlib import Path

from d64 import DiskImage

DISK_ID = b"64"


def d64_image(name: str, prg: bytes) -> bytes:
    """The bytes of a fresh D64 named `name` holding `prg` (load address included) as PRG `name`."""
    with tempfile.TemporaryDirectory(prefix="soulterm-d64-") as folder:
        path = Path(folder) / "disk.d64"
        DiskImage.create("d64", path, name.encode(), DISK_ID)
        with DiskImage(path, mode="w") as image:
            with image.path(name.encode()).open("w", ftype="prg") as f:
                f.write(prg)
        return path.read_bytes()


def read_prg(path, name: str) -> bytes:
    """The bytes of PRG `name` on the D64 at `path` (load address included)."""
    with DiskImage(Path(path)) as image:
        with image.path(name.encode()).open() as f:
            return f.read()
