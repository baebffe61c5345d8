"""The 6510 CPU: py65's 6502 core with the three changes a C64 needs.

Emulates
    - every documented 6502 instruction, with py65's exact cycle counts;
    - writes: the store and read-modify-write instructions check their
      address with one chained comparison; addresses 0/1 (the 6510's
      processor port) and everything at or above `plain_below` (ROM and
      I/O areas while they are banked in) go to the `bus_write` callback,
      the rest straight into the bytearray. Reads are never intercepted:
      the bytearray already holds what the CPU sees (see memory.py);
    - KERNAL traps: opcode $02 (a JAM on real hardware, so no working
      program executes it) calls `trap(address)`; the KERNAL module puts it
      at each routine's entry point, so no per-step PC check is needed;
    - undocumented opcodes and JAMs outside the trap table stop the machine
      with a MachineStop naming the opcode and address;
    - live I/O reads: absolute-mode loads and compares whose operand is in
      $D000-$DFFF call `io_read(address)` first, so a register that changes
      with time (raster line, timer) is current when polled. Other modes
      read the value refreshed between slices.

Not implemented
    - undocumented ("illegal") opcodes such as LAX or SAX: they stop the
      machine instead of running;
    - the port's unused bits 3-7 (datasette) and the RDY line: py65 counts
      the CPU's own cycles; the badline DMA the VIC steals is added between
      slices by the machine (c64.py, vic.py).
"""

from __future__ import annotations

from py65.devices.mpu6502 import MPU

TRAP_OPCODE = 0x02            # the KERNAL trap: JAM on a real 6510
JAM_OPCODES = frozenset((0x02, 0x12, 0x22, 0x32, 0x42, 0x52, 0x62, 0x72, 0x92, 0xB2, 0xD2, 0xF2))


class MachineStop(Exception):
    """Raised inside an instruction to end `C64.run`; `reason` is a StopReason value."""

    def __init__(self, reason: str, message: str = ""):
        super().__init__(message or reason)
        self.reason = reason
        self.message = message


def _undocumented(mpu: "CPU") -> None:
    address = (mpu.pc - 1) & 0xFFFF
    opcode = mpu.memory[address]
    kind = "JAM" if opcode in JAM_OPCODES else "undocumented"
    mpu.pc = address
    raise MachineStop("crashed", f"{kind} opcode ${opcode:02X} at ${address:04X}")


def _trap(mpu: "CPU") -> None:
    mpu.trap((mpu.pc - 1) & 0xFFFF)


# Absolute-mode reads (LDA LDX LDY CMP CPX CPY BIT AND ORA EOR abs): the ones
# programs poll I/O registers with, e.g. `LDA $D012 / CMP #n / BNE`.
ABSOLUTE_READS = (0xAD, 0xAE, 0xAC, 0xCD, 0xEC, 0xCC, 0x2C, 0x2D, 0x0D, 0x4D)


def _refreshing(instruction):
    """Wrap an absolute read so a read of $D000-$DFFF first refreshes that register."""
    def refreshed(mpu):
        high = mpu.memory[(mpu.pc + 1) & 0xFFFF]
        if 0xD0 <= high < 0xE0:
            mpu.io_read((high << 8) | mpu.memory[mpu.pc])
        instruction(mpu)
    refreshed.__name__ = instruction.__name__
    return refreshed


class CPU(MPU):
    """py65's MPU with C64 write decoding and KERNAL traps (see module doc)."""

    # Own copies of py65's class-level tables, so changing them leaves
    # plain py65 MPUs (used as independent references in tests) untouched.
    instruct = list(MPU.instruct)
    cycletime = list(MPU.cycletime)
    extracycles = list(MPU.extracycles)
    disassemble = list(MPU.disassemble)

    for _opcode in range(256):
        if instruct[_opcode] is MPU.inst_not_implemented:
            instruct[_opcode] = _undocumented
            disassemble[_opcode] = ("???", "imp")
    for _opcode in ABSOLUTE_READS:
        instruct[_opcode] = _refreshing(instruct[_opcode])
    instruct[TRAP_OPCODE] = _trap
    cycletime[TRAP_OPCODE] = 6          # a trapped routine costs what its RTS would
    disassemble[TRAP_OPCODE] = ("KERNAL", "imp")
    del _opcode

    def __init__(self, memory: bytearray, bus_write, trap, io_read=None):
        self.plain_below = 0x10000      # lowest address whose writes need bus_write
        self.bus_write = bus_write      # (address, value) for port, ROM and I/O writes
        self.io_read = io_read or (lambda address: None)   # (address) before an absolute I/O read
        self.trap = trap                # (address) for a $02 opcode
        super().__init__(memory=memory, pc=0)

    # -- stores -----------------------------------------------------------

    def opSTA(self, x):
        addr = x()
        if 1 < addr < self.plain_below:
            self.memory[addr] = self.a
        else:
            self.bus_write(addr, self.a)

    def opSTX(self, y):
        addr = y()
        if 1 < addr < self.plain_below:
            self.memory[addr] = self.x
        else:
            self.bus_write(addr, self.x)

    def opSTY(self, x):
        addr = x()
        if 1 < addr < self.plain_below:
            self.memory[addr] = self.y
        else:
            self.bus_write(addr, self.y)

    # -- read-modify-write (x is None for the accumulator forms) ----------

    def opASL(self, x):
        if x is None:
            value = self.a
        else:
            addr = x()
            value = self.memory[addr]
        result = (value << 1) & 0xFF
        self.p = (self.p & 0x7C) | (value >> 7) | (result & 0x80) | (0 if result else 0x02)
        if x is None:
            self.a = result
        elif 1 < addr < self.plain_below:
            self.memory[addr] = result
        else:
            self.bus_write(addr, result)

    def opLSR(self, x):
        if x is None:
            value = self.a
        else:
            addr = x()
            value = self.memory[addr]
        result = value >> 1
        self.p = (self.p & 0x7C) | (value & 1) | (0 if result else 0x02)
        if x is None:
            self.a = result
        elif 1 < addr < self.plain_below:
            self.memory[addr] = result
        else:
            self.bus_write(addr, result)

    def opROL(self, x):
        if x is None:
            value = self.a
        else:
            addr = x()
            value = self.memory[addr]
        result = ((value << 1) | (self.p & 1)) & 0xFF
        self.p = (self.p & 0x7C) | (value >> 7) | (result & 0x80) | (0 if result else 0x02)
        if x is None:
            self.a = result
        elif 1 < addr < self.plain_below:
            self.memory[addr] = result
        else:
            self.bus_write(addr, result)

    def opROR(self, x):
        if x is None:
            value = self.a
        else:
            addr = x()
            value = self.memory[addr]
        result = (value >> 1) | ((self.p & 1) << 7)
        self.p = (self.p & 0x7C) | (value & 1) | (result & 0x80) | (0 if result else 0x02)
        if x is None:
            self.a = result
        elif 1 < addr < self.plain_below:
            self.memory[addr] = result
        else:
            self.bus_write(addr, result)

    def opINCR(self, x):
        if x is None:
            value = self.a
        else:
            addr = x()
            value = self.memory[addr]
        result = (value + 1) & 0xFF
        self.p = (self.p & 0x7D) | (result & 0x80) | (0 if result else 0x02)
        if x is None:
            self.a = result
        elif 1 < addr < self.plain_below:
            self.memory[addr] = result
        else:
            self.bus_write(addr, result)

    def opDECR(self, x):
        if x is None:
            value = self.a
        else:
            addr = x()
            value = self.memory[addr]
        result = (value - 1) & 0xFF
        self.p = (self.p & 0x7D) | (result & 0x80) | (0 if result else 0x02)
        if x is None:
            self.a = result
        elif 1 < addr < self.plain_below:
            self.memory[addr] = result
        else:
            self.bus_write(addr, result)

    # -- helpers for the KERNAL -------------------------------------------

    def push(self, value: int) -> None:
        self.memory[0x100 + self.sp] = value & 0xFF
        self.sp = (self.sp - 1) & 0xFF

    def pull(self) -> int:
        self.sp = (self.sp + 1) & 0xFF
        return self.memory[0x100 + self.sp]

    def return_from_subroutine(self) -> None:
        """Do what RTS does: pull the return address and continue after it."""
        low = self.pull()
        high = self.pull()
        self.pc = ((high << 8) | low) + 1 & 0xFFFF

    def set_carry(self, on: bool) -> None:
        self.p = (self.p | 0x01) if on else (self.p & 0xFE)

    def set_zero(self, on: bool) -> None:
        self.p = (self.p | 0x02) if on else (self.p & 0xFD)
