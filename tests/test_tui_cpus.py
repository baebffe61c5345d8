"""What the host and debugger know of the Z80 (soulterm.tui.cpus): decoding, operand addresses, calls, returns."""

from types import SimpleNamespace

import pytest

from soulterm.tui.cpus import MOS6502, Z80, cpu_for
from soulterm.zx import Spectrum


def peek_of(code: bytes, at: int = 0x8000):
    return lambda address: code[address - at] if at <= address < at + len(code) else 0


REGISTERS = SimpleNamespace(hl=0x1234, bc=0x4000, de=0x5000, ix=0x7000, iy=0x5C3A, c=0xFE)


@pytest.mark.parametrize("code, address", [
    ("7e", 0x1234),            # ld a,(hl)
    ("0a", 0x4000),            # ld a,(bc)
    ("dd7efb", 0x7000 - 5),    # ld a,(ix-5)
    ("fdcb016e", 0x5C3B),      # bit 5,(iy+1)
    ("3a0860", 0x6008),        # ld a,($6008)
    ("d3fe", None),            # out ($fe),a: a port
    ("ed78", None),            # in a,(c): a port
    ("e9", None),              # jp (hl): a jump, not a read
    ("3e05", None),            # ld a,5
])
def test_the_address_an_instruction_reads(code, address):
    assert Z80.effective_address(REGISTERS, peek_of(bytes.fromhex(code)), 0x8000) == address


def test_listing_text_is_the_sources_syntax_with_the_maps_names():
    rows = Z80.disassemble(peek_of(bytes.fromhex("dd7e05cd0080c9")), 0x8000, 3, {"here": 0x8000})
    assert rows == [(0x8000, 3, "ld a,(ix+$05)"), (0x8003, 3, "call here"), (0x8006, 1, "ret")]


def test_calls_and_returns_for_step_over_and_step_out():
    assert Z80.call_length(peek_of(bytes.fromhex("cd0080")), 0x8000) == 3      # call nn
    assert Z80.call_length(peek_of(bytes.fromhex("d7")), 0x8000) == 1          # rst $10
    assert Z80.call_length(peek_of(bytes.fromhex("c3")), 0x8000) is None       # jp nn
    assert Z80.returned((0xC9, 0), 0xFF02, 0xFF00)                             # ret popped the frame
    assert not Z80.returned((0xC8, 0), 0xFF00, 0xFF00)                         # ret z not taken
    assert not Z80.returned((0xE1, 0), 0xFF02, 0xFF00)                         # pop hl is no return
    assert Z80.returned((0xED, 0x4D), 0xFF02, 0xFF00)                          # reti


def test_the_machine_says_which_cpu():
    assert cpu_for(Spectrum()) is Z80 and cpu_for(SimpleNamespace()) is MOS6502
    registers = SimpleNamespace(af=0x00FF, bc=1, de=2, hl=3, ix=4, iy=5, sp=6, pc=7, f=0xFF)
    assert Z80.registers(registers).endswith("PC=0007 SZ5H3PNC")
