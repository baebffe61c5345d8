"""Atomic file writes: a temporary file in the same folder, then a rename.

`write_set_atomic` does the same for files that belong together (a PRG, its
D64 and its map): every temporary is written first, the renames follow only
when all of them are complete, so a full disk leaves the old set untouched.

A temporary's name carries its writer's process id (`.NAME.PID.XXXX.tmp`), so
the next write to the same target can remove the ones a killed writer
(SIGKILL, power loss) left behind, and never those of a writer still running.
"""

from __future__ import annotations

import glob
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
            remove_stale_temporaries(path)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp",
                                       dir=path.parent)
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


def remove_stale_temporaries(path) -> list[Path]:
    """Remove the temporaries of `path` whose writing process no longer exists; return them."""
    path = Path(path)
    prefix = f".{path.name}."
    removed = []
    for candidate in path.parent.glob(f"{glob.escape(prefix)}*.tmp"):
        writer = candidate.name[len(prefix):].split(".", 1)[0]
        if writer.isdigit() and not _process_exists(int(writer)):
            try:
                candidate.unlink()
                removed.append(candidate)
            except OSError:
                pass                         # another writer got there first, or it is not ours to remove
    return removed


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True                          # alive, another user's
    return True


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
