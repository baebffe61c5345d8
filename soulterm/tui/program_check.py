"""Check that a PRG, D64 or TAP can be loaded before the running machine is reset for it.

Loading resets the C64 first; a file that then fails to load would leave the
user with a blank machine and their conversation gone. This reads the file
the way `C64.load_file` does (the first PRG of a disk, its load address and
size) without touching any machine; a .tap is read as the Spectrum reads it
(its blocks and checksums, a program or code file first).
"""

from __future__ import annotations

from pathlib import Path

from soulterm.c64.loader import Disk, LoadError, parse_prg

MAX_PRG_READ = 0x10000 + 3   # a load address plus 64 KB, and one byte to notice more
MAX_TAP_READ = 0x100000      # as Spectrum.load_file reads


def check_loadable(path: Path) -> None:
    """Raise LoadError (one line for the user) if `path` cannot be loaded and started."""
    if not path.exists():
        raise LoadError(f"no such file: {path}")
    if not path.is_file():
        raise LoadError(f"{path} is not a regular file")
    if path.suffix.lower() == ".tap":
        _check_tape(path)
        return
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


def _check_tape(path: Path) -> None:
    from soulterm.zx import tap

    try:
        with open(path, "rb") as handle:
            image = handle.read(MAX_TAP_READ)
        files = tap.files(tap.decode_blocks(image, path.name), path.name)
    except OSError as exc:
        raise LoadError(f"cannot read {path}: {exc.strerror}") from None
    except tap.TapError as exc:
        raise LoadError(str(exc)) from None
    if not files or files[0].header.kind not in (tap.PROGRAM, tap.CODE):
        raise LoadError(f"{path.name}: no program or code file first on the tape")
