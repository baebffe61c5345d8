"""What the host and the debugger need to know about a machine's CPU, for the 6502 and the Z80.

Both sides only read: registers, memory through a side-effect-free `peek`,
and the instruction bytes. Each CPU gives

    registers(cpu)                one line: the registers and the flags
    stack_text(peek, sp)          the top of the stack, most recent first
    disassemble_around(...)       listing rows (address, length, text) around the PC
    effective_address(cpu, peek, pc)   the data address the instruction at pc reads
    call_length(peek, pc)         the length of a subroutine call at pc (None: not a call)
    returned(opcodes, sp, entry_sp)    did the instruction (its first two bytes) just
                                  leave the subroutine entered with entry_sp

`cpu_for(machine)` picks by the machine's `CPU` attribute ("z80"; the C64 has none).
"""

from __future__ import annotations

import re

from soulterm.c64 import disassembly

_HEX = re.compile(r"0x([0-9a-f]+)")


def _around(disassemble, pc: int, before: int, after: int, anchors, widest: int) -> list[tuple[int, int, str]]:
    """Rows around `pc`: decoding backwards is ambiguous, so decode forward from the
    closest known instruction boundary (a line-map address) before pc."""
    start = max(0, pc - widest * before)
    boundaries = [a for a in anchors if start <= a <= pc]
    if boundaries:
        start = min(boundaries)
    rows = disassemble(start, before + after + widest * before)
    index = next((i for i, (a, _, _) in enumerate(rows) if a == pc), None)
    if index is None:  # decoding never landed on pc: show pc first
        return disassemble(pc, before + after + 1)
    first = max(0, index - before)
    return rows[first:first + before + after + 1]


class MOS6502:
    name = "6502"

    @staticmethod
    def registers(cpu) -> str:
        return (f"A={cpu.a:02X} X={cpu.x:02X} Y={cpu.y:02X} SP={cpu.sp:02X} PC={cpu.pc:04X} "
                f"{disassembly.flags_text(cpu.p)}")

    @staticmethod
    def stack_text(peek, sp: int) -> str:
        return " ".join(f"{v:02X}" for _, v in disassembly.stack_bytes(peek, sp, 8))

    @staticmethod
    def disassemble_around(cpu, peek, pc, before, after, anchors=(), labels=None):
        return disassembly.disassemble_around(cpu, peek, pc, before, after, anchors, labels)

    @staticmethod
    def effective_address(cpu, peek, pc: int) -> int | None:
        return disassembly.effective_address(cpu, peek, pc)

    @staticmethod
    def call_length(peek, pc: int) -> int | None:
        return 3 if peek(pc) == disassembly.OPCODE_JSR else None

    @staticmethod
    def returned(opcodes: tuple[int, int], sp: int, entry_sp: int) -> bool:
        return sp > entry_sp + 1 and opcodes[0] == disassembly.OPCODE_RTS


class Z80:
    """Decoding by the `z80` package's disassembler (the machine's own core)."""

    name = "Z80"
    FLAGS = "SZ5H3PNC"
    CALLS = frozenset({0xCD, 0xC4, 0xCC, 0xD4, 0xDC, 0xE4, 0xEC, 0xF4, 0xFC})   # call nn, call cc,nn
    RESTARTS = frozenset(range(0xC7, 0x100, 8))                                 # rst n
    RETURNS = frozenset({0xC9, 0xC0, 0xC8, 0xD0, 0xD8, 0xE0, 0xE8, 0xF0, 0xF8})  # ret, ret cc
    ED_RETURNS = frozenset({0x45, 0x4D})                                         # retn, reti
    NOT_MEMORY = frozenset({"IN", "OUT", "JP"})      # their parenthesised operand is no data address
    _builder = None
    _decoded: dict = {}            # (address, bytes) -> (instruction, length): the host samples the same code
    DECODED_LIMIT = 1 << 16

    @classmethod
    def _decode(cls, peek, address: int):
        """(instruction, length) at `address`."""
        image = bytes(peek((address + i) & 0xFFFF) for i in range(4))
        found = cls._decoded.get((address, image))
        if found is None:
            if cls._builder is None:
                import z80

                cls._builder = z80.Z80InstrBuilder()
            if len(cls._decoded) >= cls.DECODED_LIMIT:
                cls._decoded.clear()
            found = cls._decoded[(address, image)] = cls._builder.build_instr(address, image)
        return found

    @classmethod
    def registers(cls, cpu) -> str:
        flags = "".join(name if cpu.f & (0x80 >> i) else "." for i, name in enumerate(cls.FLAGS))
        return (f"AF={cpu.af:04X} BC={cpu.bc:04X} DE={cpu.de:04X} HL={cpu.hl:04X} IX={cpu.ix:04X} "
                f"IY={cpu.iy:04X} SP={cpu.sp:04X} PC={cpu.pc:04X} {flags}")

    @staticmethod
    def stack_text(peek, sp: int) -> str:
        return " ".join(f"{peek((sp + 2 * i) & 0xFFFF) | peek((sp + 2 * i + 1) & 0xFFFF) << 8:04X}"
                        for i in range(4))

    @classmethod
    def disassemble(cls, peek, start: int, count: int, labels=None) -> list[tuple[int, int, str]]:
        names = {address: name for name, address in (labels or {}).items()}

        def operand(match: re.Match) -> str:
            value = int(match.group(1), 16)
            return names.get(value) or (f"${value:04X}" if value > 0xFF else f"${value:02X}")

        rows, address = [], start & 0xFFFF
        for _ in range(count):
            try:
                instruction, length = cls._decode(peek, address)
                # As the sources write it: "ld a,(ix+$05)", not "ld a, (ix + 0x5)".
                text = _HEX.sub(operand, str(instruction)).replace(", ", ",").replace(" + ", "+").replace(" - ", "-")
            except Exception:  # a byte sequence the decoder cannot name: show it as data
                length, text = 1, f".byte ${peek(address):02X}"
            rows.append((address, length, text))
            address = (address + length) & 0xFFFF
        return rows

    @classmethod
    def disassemble_around(cls, cpu, peek, pc, before, after, anchors=(), labels=None):
        return _around(lambda start, count: cls.disassemble(peek, start, count, labels),
                       pc, before, after, anchors, 4)

    @classmethod
    def effective_address(cls, cpu, peek, pc: int) -> int | None:
        """The address of a memory operand: (nn), (hl), (bc), (de), (ix+d), (iy+d); not a port
        (in, out) or a jump's target (jp (hl))."""
        try:
            instruction, _ = cls._decode(peek, pc)
        except Exception:
            return None
        if type(instruction).__name__ in cls.NOT_MEMORY:
            return None
        for op in getattr(instruction, "ops", ()):
            parts = getattr(op, "ops", None)
            if type(op).__name__ != "At" or not parts:
                continue
            base = parts[0]
            if type(base).__name__ == "Const":
                return base.value & 0xFFFF
            register = getattr(cpu, str(base), None)
            if register is None:
                return None
            offset = parts[1].value if len(parts) > 1 else 0
            return (register + offset) & 0xFFFF
        return None

    @classmethod
    def call_length(cls, peek, pc: int) -> int | None:
        opcode = peek(pc)
        if opcode in cls.CALLS:
            return 3
        return 1 if opcode in cls.RESTARTS else None

    @classmethod
    def returned(cls, opcodes: tuple[int, int], sp: int, entry_sp: int) -> bool:
        first, second = opcodes
        is_return = first in cls.RETURNS or (first == 0xED and second in cls.ED_RETURNS)
        return is_return and sp >= entry_sp + 2


def cpu_for(machine) -> type:
    """The CPU description for a machine (or its read-only stand-in)."""
    return Z80 if getattr(machine, "CPU", "") == "z80" else MOS6502
