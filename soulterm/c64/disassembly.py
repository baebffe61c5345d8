"""Reading 6502 code without running it: disassembly, the data address an
instruction will touch, flags as letters, the stack's top bytes.

Everything here reads through a side-effect-free `peek`, so looking never
touches I/O. The UI reaches the CPU only through this module (it never
imports py65 itself).
"""

from __future__ import annotations

from py65.disassembler import Disassembler
from py65.utils.addressing import AddressParser

from soulterm.c64.cpu import CPU

OPCODE_JSR = 0x20
OPCODE_RTS = 0x60
OPCODE_RTI = 0x40
FLAG_NAMES = "NV-BDIZC"


# (mnemonic, addressing mode) per opcode: the machine's table, which names the KERNAL trap opcode.
OPCODE_TABLE = CPU.disassemble


class _DisassemblyView:
    """Enough of an MPU for py65's Disassembler, reading through the machine's
    side-effect-free peek so that disassembling never touches I/O."""

    ADDR_WIDTH, ADDR_FORMAT, BYTE_WIDTH, BYTE_FORMAT = 16, "%04X", 8, "%02X"
    addrMask, byteMask = 0xFFFF, 0xFF

    def __init__(self, mpu, peek) -> None:
        self.disassemble = mpu.disassemble
        self._peek = peek

    def ByteAt(self, address: int) -> int:  # noqa: N802 (py65's name)
        return self._peek(address & 0xFFFF)

    def WordAt(self, address: int) -> int:  # noqa: N802 (py65's name)
        return self._peek(address & 0xFFFF) | self._peek((address + 1) & 0xFFFF) << 8


def _labels(symbols: dict[str, int] | None) -> AddressParser:
    return AddressParser(labels=dict(symbols or {}))


def disassemble(mpu, peek, start: int, count: int, symbols=None) -> list[tuple[int, int, str]]:
    """`count` instructions from `start`: (address, length, text), operands named by `symbols`."""
    disassembler = Disassembler(_DisassemblyView(mpu, peek), _labels(symbols))
    rows, address = [], start & 0xFFFF
    for _ in range(count):
        length, text = disassembler.instruction_at(address)
        length = max(1, length)
        rows.append((address, length, text))
        address = (address + length) & 0xFFFF
    return rows


def disassemble_around(mpu, peek, pc: int, before: int, after: int, anchors=(), symbols=None) -> list[tuple[int, int, str]]:
    """Instructions around `pc`. Backwards decoding is ambiguous on the 6502, so
    start from the closest known instruction boundary (a line-map address) before
    pc and decode forward, keeping `before` rows above pc."""
    start = max(0, pc - 3 * before)
    boundaries = [a for a in anchors if start <= a <= pc]
    if boundaries:
        start = min(boundaries)
    rows = disassemble(mpu, peek, start, before + after + 3 * before, symbols)
    index = next((i for i, (a, _, _) in enumerate(rows) if a == pc), None)
    if index is None:  # decoding never landed on pc: show pc first
        return disassemble(mpu, peek, pc, before + after + 1, symbols)
    first = max(0, index - before)
    return rows[first:first + before + after + 1]


def flags_text(p: int) -> str:
    """Processor status as letters, upper case when set."""
    return "".join(name if p & (0x80 >> i) else "." for i, name in enumerate(FLAG_NAMES))


def stack_bytes(peek, sp: int, count: int = 8) -> list[tuple[int, int]]:
    """The top `count` bytes of the stack: (address, value), most recent first."""
    return [(0x100 + s, peek(0x100 + s)) for s in range(sp + 1, min(0x100, sp + 1 + count))]


def effective_address(mpu, peek, pc: int) -> int | None:
    """The data address the instruction at `pc` will touch, if it has one."""
    opcode = peek(pc)
    try:
        _mnemonic, mode = mpu.disassemble[opcode]
    except (IndexError, KeyError, TypeError):
        return None
    lo, hi = peek((pc + 1) & 0xFFFF), peek((pc + 2) & 0xFFFF)
    if mode == "zpg":
        return lo
    if mode == "zpx":
        return (lo + mpu.x) & 0xFF
    if mode == "zpy":
        return (lo + mpu.y) & 0xFF
    if mode == "abs":
        return lo | hi << 8
    if mode == "abx":
        return ((lo | hi << 8) + mpu.x) & 0xFFFF
    if mode == "aby":
        return ((lo | hi << 8) + mpu.y) & 0xFFFF
    if mode == "inx":
        z = (lo + mpu.x) & 0xFF
        return peek(z) | peek((z + 1) & 0xFF) << 8
    if mode == "iny":
        return ((peek(lo) | peek((lo + 1) & 0xFF) << 8) + mpu.y) & 0xFFFF
    return None
