"""Shared helpers for the machine's tests: a label-aware wrapper around py65's own assembler.

py65's Assembler (independent of soulterm's assembler) turns one statement
into bytes; `assemble` adds labels (`name:` lines, `{name}` in operands)
with two passes. Labels must resolve to addresses >= $0100 so that the
first pass, which uses the origin as a stand-in, picks the same sizes.
"""

from __future__ import annotations

from py65.assembler import Assembler
from py65.devices.mpu6502 import MPU

from soulterm.c64 import C64

_ASSEMBLER = Assembler(MPU())


def _pass(lines, origin, labels, final):
    address = origin
    code = bytearray()
    found = {}
    for raw in lines:
        line = raw.split(";")[0].strip()
        if not line:
            continue
        if line.endswith(":"):
            found[line[:-1]] = address
            continue
        if line.startswith(".byte"):
            data = bytes(int(v.strip().replace("$", "0x"), 0) for v in line[5:].split(","))
        elif line.startswith(".text"):
            data = line[5:].strip().strip('"').encode("ascii")
        else:
            text = line
            for name, value in labels.items():
                text = text.replace("{" + name + "}", f"${value:04X}")
            if "{" in text:
                if final:
                    raise ValueError(f"unknown label in {raw!r}")
                text = text[: text.index("{")] + f"${origin:04X}" + text[text.index("}") + 1:]
            data = _ASSEMBLER.assemble(text, address)
            if data is None:
                raise ValueError(f"py65 cannot assemble {raw!r}")
            data = bytes(data)
        code += data
        address += len(data)
    return bytes(code), found


def assemble(source: str, origin: int) -> bytes:
    """Machine code for `source` (one statement per line) placed at `origin`."""
    lines = source.splitlines()
    _code, labels = _pass(lines, origin, {}, final=False)
    code, _ = _pass(lines, origin, labels, final=True)
    return code


def prg(source: str, origin: int = 0xC000) -> bytes:
    """A PRG file (load address + code) for `source`."""
    return bytes([origin & 0xFF, origin >> 8]) + assemble(source, origin)


def started(source: str) -> C64:
    """A fresh C64 with `source` loaded at $C000 as a PRG, ready to run."""
    machine = C64()
    machine.load_prg(prg(source))
    return machine


def basic_stub(sys_address: int) -> bytes:
    """The bytes of `10 SYS nnnn` at $0801 (without load address), as a BASIC program stores it."""
    text = b"\x9e" + str(sys_address).encode("ascii")     # $9E is the SYS token
    line = bytes([10, 0]) + text + b"\x00"
    next_line = 0x0801 + 2 + len(line)
    return bytes([next_line & 0xFF, next_line >> 8]) + line + b"\x00\x00"


def test_assemble_resolves_forward_labels():
    code = assemble("""
        start:
            LDX #$00
            BEQ {done}
            JMP {start}
        done:
            RTS
    """, 0xC000)
    # LDX #0 (A2 00), BEQ +3 (F0 03), JMP $C000 (4C 00 C0), RTS (60)
    assert code == bytes([0xA2, 0x00, 0xF0, 0x03, 0x4C, 0x00, 0xC0, 0x60])


def test_basic_stub_layout():
    stub = basic_stub(2064)
    # link to $080B (10 bytes on), line 10, SYS token, "2064", end of line, end of program
    assert stub == bytes([0x0B, 0x08, 0x0A, 0x00, 0x9E]) + b"2064" + bytes([0, 0, 0])
