"""Atomic file writes: a temporary file in the same folder, then a rename.

`write_set_atomic` does the same for files that belong together (a PRG, its
D64 and its map): every temporary is written first, the renames follow only
when all of them are complete, so a full disk leaves the old set untouched.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_bytes_atomic(path, data: bytes) -> None:
    """Write data to path so that readers see the old file or the new one, never half."""
    write_set_atomic({path: data})


def write_set_atomic(files: dict, mode: int | None = None) -> None:
    """Write every {path: bytes} to a temporary beside it, then rename them all.

    If any write fails (a full disk, a permission), every temporary is removed
    and no target has changed. `mode` overrides the umask-based permissions.
    """
    written = []
    try:
        for path, data in files.items():
            path = Path(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            written.append((tmp, path))
            os.fchmod(fd, 0o666 & ~_umask() if mode is None else mode)  # mkstemp makes 0600
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        for tmp, path in written:
            os.replace(tmp, path)           # a rename needs no space: after the writes it cannot run out
    except BaseException:
        for tmp, _path in written:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
        raise


def write_text_atomic(path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
