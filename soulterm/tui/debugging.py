"""Debugger helpers that only read the machine: the 6502 side lives in
soulterm.c64.disassembly (re-exported here for the panels); this module adds
the kernels/*.s source text beside each line."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from soulterm.c64.disassembly import (  # noqa: F401  (the panels' one import)
    FLAG_NAMES, OPCODE_JSR, OPCODE_RTI, OPCODE_RTS, OPCODE_TABLE, disassemble, disassemble_around,
    effective_address, flags_text, stack_bytes,
)


@lru_cache(maxsize=64)
def _source_lines(path: str, stamp: float) -> tuple[str, ...]:
    try:
        return tuple(Path(path).read_text(encoding="utf-8", errors="replace").splitlines())
    except OSError:
        return ()


def source_text(root: Path, file: str, line: int) -> str:
    """The text of `file`:`line` (1-based) under the repository root, or ""."""
    path = (root / file) if not Path(file).is_absolute() else Path(file)
    try:
        stamp = path.stat().st_mtime
    except OSError:
        return ""
    lines = _source_lines(str(path), stamp)
    return lines[line - 1] if 0 < line <= len(lines) else ""
