"""Check that a PRG or D64 can be loaded before the running machine is reset for it.

Loading resets the C64 first; a file that then fails to load would leave the
user with a blank machine and their conversation gone. This reads the file
the way `C64.load_file` does (the first PRG of a disk, its load address and
size) without touching any machine.
"""

from __future__ import annotations

from pathlib import Path

from soulterm.c64.loader import Disk, LoadError, parse_prg

MAX_PRG_READ = 0x10000 + 3   # a load address plus 64 KB, and one byte to notice more


def check_loadable(path: Path) -> None:
    """Raise LoadError (one line for the user) if `path` cannot be loaded and started."""
    if not path.exists():
        raise LoadError(f"no such file: {path}")
    if not path.is_file():
        raise LoadError(f"{path} is not a regular file")
    if path.suffix.lower() == ".d64":
        disk = Disk(path)
        file = disk.find(None)
        if file.kind != "PRG":
            raise LoadError(f"{file.display_name} on {path.name} is a {file.kind} file, not a program")
        parse_prg(file.data, f"{file.display_name} on {path.name}")
        return
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_PRG_READ)
    except OSError as exc:
        raise LoadError(f"cannot read {path}: {exc.strerror}") from None
    parse_prg(data, path.name)
