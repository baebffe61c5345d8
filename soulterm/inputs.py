"""Reading a user's input file safely: only regular files, never more than a limit.

`/dev/zero` as a soul, a FIFO as a corpus or a 10 GB file given by mistake
would otherwise read forever or exhaust memory. Every file the command line
reads (soul, tokenizer, corpus, PRG, D64, map) goes through `read_limited`,
which says what is wrong in one line through the caller's own error class.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


def read_limited(path, limit: int, what: str, error: type[Exception] = ValueError) -> bytes:
    """The bytes of regular file `path`, at most `limit` of them, else `error(one line)`."""
    path = Path(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except OSError as exc:
        raise error(f"{path}: cannot read ({exc.strerror})") from None
    except ValueError:                          # a NUL byte: no file can have that name
        raise error(f"{str(path)!r}: not a possible file name (it holds a NUL byte)") from None
    if stat.S_ISDIR(info.st_mode):
        raise error(f"{path}: is a directory, not a {what}")
    if not stat.S_ISREG(info.st_mode):
        raise error(f"{path}: not a regular file (a device, pipe or socket cannot be a {what})")
    if info.st_size > limit:
        raise error(f"{path}: {info.st_size} bytes is too large for a {what} (limit {limit} bytes)")
    try:
        # O_NONBLOCK: if the path was swapped for a FIFO since the stat, opening it must not block.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise error(f"{path}: not a regular file (a device, pipe or socket cannot be a {what})")
            data = handle.read(limit + 1)           # one more than allowed: a file that grew is caught
    except OSError as exc:
        raise error(f"{path}: cannot read ({exc.strerror})") from None
    if len(data) > limit:
        raise error(f"{path}: more than {limit} bytes is too large for a {what}")
    return data
