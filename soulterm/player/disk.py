"""Write a one-file D64 floppy image with the `d64` package, deterministically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from d64 import DiskImage

DISK_ID = b"64"


def write_d64(path, name: str, prg: bytes) -> None:
    """A fresh D64 named `name` holding `prg` (load address included) as PRG `name`."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        os.unlink(tmp)
        DiskImage.create("d64", Path(tmp), name.encode(), DISK_ID)
        with DiskImage(Path(tmp), mode="w") as image:
            with image.path(name.encode()).open("w", ftype="prg") as f:
                f.write(prg)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def read_prg(path, name: str) -> bytes:
    """The bytes of PRG `name` on the D64 at `path` (load address included)."""
    with DiskImage(Path(path)) as image:
        with image.path(name.encode()).open() as f:
            return f.read()
