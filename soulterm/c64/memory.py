"""The C64's memory map: 64 KB RAM, the ROM and I/O areas, and the 6510 port.

Emulates
    - the processor port: $00 (data direction) and $01 (LORAM, HIRAM, CHAREN
      in bits 0-2) choose what the CPU sees at $A000-$BFFF (BASIC ROM or
      RAM), $D000-$DFFF (I/O, character ROM or RAM) and $E000-$FFFF
      (KERNAL ROM or RAM), following the PLA table with no cartridge;
    - writes to a ROM area while it is banked in go to the RAM underneath.

How it is fast
    `view` is the one bytearray the CPU reads from. It holds RAM wherever
    RAM is banked in and the ROM / I/O contents wherever those are. When
    $01 changes, whole areas are swapped: the RAM leaving view is saved in
    `hidden_ram` (a full 64 KB shadow; only banked-out areas are meaningful
    there), the I/O state leaving view in `io_state`. Reads therefore cost
    nothing extra; writes below `cpu.plain_below` go straight into `view`
    and only the rest reach `write` (see cpu.py).

The VIC-II and the debugger see RAM through `ram_at` / `ram_slice`, which
look under banked-in areas; `io_byte` / `set_io_byte` reach the chip
registers and colour RAM whether or not I/O is banked in.

Not implemented
    - cartridges (EXROM/GAME) and the Ultimax map;
    - the character ROM contents: soulterm ships no Commodore ROM, so the
      character ROM reads as zeros.
"""

from __future__ import annotations

BASIC_START, BASIC_END = 0xA000, 0xC000
IO_START, IO_END = 0xD000, 0xE000
KERNAL_START, KERNAL_END = 0xE000, 0x10000

RAM, ROM, IO = "ram", "rom", "io"

DEFAULT_DDR = 0x2F              # $00 after the KERNAL's reset
DEFAULT_PORT = 0x37             # $01: BASIC, I/O and KERNAL banked in


def banking(port_value: int, ddr: int = DEFAULT_DDR) -> tuple[str, str, str]:
    """What the CPU sees at ($A000, $D000, $E000) for a $01 value.

    Pins set as inputs by $00 read as 1 (pulled up), so only the output bits
    of $01 can bank anything out.
    """
    bits = (port_value | (~ddr & 0xFF)) & 0x07
    loram, hiram, charen = bits & 1, bits & 2, bits & 4
    basic = ROM if (loram and hiram) else RAM
    kernal = ROM if hiram else RAM
    if not (loram or hiram):
        middle = RAM
    else:
        middle = IO if charen else ROM
    return basic, middle, kernal


class Memory:
    """CPU view of memory plus everything banked out of it (see module doc)."""

    def __init__(self, basic_rom: bytes, kernal_rom: bytes, char_rom: bytes | None = None):
        if len(basic_rom) != 0x2000 or len(kernal_rom) != 0x2000:
            raise ValueError("BASIC and KERNAL images must be 8 KB each")
        self.view = bytearray(0x10000)          # what the CPU reads: RAM/ROM/I/O as banked
        self.hidden_ram = bytearray(0x10000)    # RAM under banked-in ROM / I/O areas
        self.io_state = bytearray(0x1000)       # $D000-$DFFF while I/O is banked out
        self.basic_rom = bytes(basic_rom)
        self.kernal_rom = bytes(kernal_rom)
        self.char_rom = bytes(char_rom or bytes(0x1000))
        self.areas = (RAM, RAM, RAM)            # ($A000, $D000, $E000), all RAM before reset
        self.plain_below = 0x10000              # first address whose writes need `write`
        self.io_write = None                    # (address, value) -> None, set by the wiring

    # -- banking ------------------------------------------------------------

    def reset(self) -> None:
        """Power on: RAM cleared, I/O state cleared, the 6510 port at its power-on value."""
        self.areas = (RAM, RAM, RAM)
        self.view[:] = bytes(0x10000)
        self.hidden_ram[:] = bytes(0x10000)
        self.io_state[:] = bytes(0x1000)
        self.set_port(DEFAULT_DDR, DEFAULT_PORT)

    def set_port(self, ddr: int, port: int) -> None:
        """Store $00/$01 and bank the areas they select into view."""
        self.view[0] = ddr & 0xFF
        self.view[1] = port & 0xFF
        self._bank(banking(port, ddr))

    def _bank(self, areas: tuple[str, str, str]) -> None:
        old = self.areas
        spans = ((BASIC_START, BASIC_END), (IO_START, IO_END), (KERNAL_START, KERNAL_END))
        for index, (start, end) in enumerate(spans):
            if old[index] != areas[index]:
                self._leave(start, end, old[index])
                self._enter(start, end, areas[index])
        self.areas = areas
        basic, middle, kernal = areas
        if basic != RAM:
            self.plain_below = BASIC_START
        elif middle != RAM:
            self.plain_below = IO_START
        elif kernal != RAM:
            self.plain_below = KERNAL_START
        else:
            self.plain_below = 0x10000

    def _leave(self, start: int, end: int, kind: str) -> None:
        if kind == RAM:
            self.hidden_ram[start:end] = self.view[start:end]
        elif kind == IO:
            self.io_state[:] = self.view[start:end]

    def _enter(self, start: int, end: int, kind: str) -> None:
        if kind == RAM:
            self.view[start:end] = self.hidden_ram[start:end]
        elif kind == IO:
            self.view[start:end] = self.io_state
        elif start == BASIC_START:
            self.view[start:end] = self.basic_rom
        elif start == KERNAL_START:
            self.view[start:end] = self.kernal_rom
        else:
            self.view[start:end] = self.char_rom

    def area_kind(self, addr: int) -> str:
        """RAM, ROM or IO: what the CPU sees at `addr` now."""
        if BASIC_START <= addr < BASIC_END:
            return self.areas[0]
        if IO_START <= addr < IO_END:
            return self.areas[1]
        if addr >= KERNAL_START:
            return self.areas[2]
        return RAM

    # -- the slow write path (port, ROM and I/O areas) ------------------------

    def write(self, addr: int, value: int) -> None:
        """A CPU write the fast path did not take."""
        if addr < 2:
            view = self.view
            if addr == 0:
                self.set_port(value, view[1])
            else:
                self.set_port(view[0], value)
            return
        kind = self.area_kind(addr)
        if kind == RAM:
            self.view[addr] = value
        elif kind == ROM:
            self.hidden_ram[addr] = value       # writes "through" ROM land in RAM
        else:
            self.io_write(addr, value)

    # -- access for the chips, the KERNAL and the debugger -------------------

    def ram_at(self, addr: int) -> int:
        """The RAM byte at `addr` (wrapping at 64K), even where ROM or I/O is banked over it."""
        addr &= 0xFFFF
        if self.area_kind(addr) == RAM:
            return self.view[addr]
        return self.hidden_ram[addr]

    def ram_slice(self, start: int, end: int) -> bytes:
        """RAM bytes start..end-1 (what the VIC-II sees; ROM/I/O ignored), wrapping at 64K."""
        length = max(0, end - start)
        start &= 0xFFFF
        end = start + min(length, 0x10000)
        if end > 0x10000:                      # a screen at $FE00 runs on into $0000, as on the hardware
            return self.ram_slice(start, 0x10000) + self.ram_slice(0, end - 0x10000)
        out = bytearray(self.view[start:end])
        spans = ((BASIC_START, BASIC_END), (IO_START, IO_END), (KERNAL_START, KERNAL_END))
        for index, (a, b) in enumerate(spans):
            if self.areas[index] != RAM and a < end and b > start:
                lo, hi = max(a, start), min(b, end)
                out[lo - start:hi - start] = self.hidden_ram[lo:hi]
        return bytes(out)

    def set_ram(self, addr: int, value: int) -> None:
        """Store one byte in RAM (the address wraps at 64K), under ROM/I/O if those are banked in."""
        addr &= 0xFFFF
        value &= 0xFF
        if self.area_kind(addr) == RAM:
            self.view[addr] = value
        else:
            self.hidden_ram[addr] = value

    def write_ram(self, addr: int, data: bytes) -> None:
        """Store `data` in RAM at `addr` (the loader's path; ROM/I/O untouched).

        Like the 6502's address counter, a block running past $FFFF wraps to $0000.
        """
        addr &= 0xFFFF
        end = addr + len(data)
        if end > 0x10000:
            split = 0x10000 - addr
            self.write_ram(addr, data[:split])
            self.write_ram(0, data[split:split + 0x10000])
            return
        bounds = (0, BASIC_START, BASIC_END, IO_START, IO_END, 0x10000)
        for lo, hi in zip(bounds, bounds[1:]):
            lo, hi = max(lo, addr), min(hi, end)
            if lo >= hi:
                continue
            target = self.view if self.area_kind(lo) == RAM else self.hidden_ram
            target[lo:hi] = data[lo - addr:hi - addr]
        if addr < 2:
            self.set_port(self.view[0], self.view[1])

    def io_byte(self, addr: int) -> int:
        """The I/O area's byte at `addr` ($D000-$DFFF) whether or not it is banked in."""
        if self.areas[1] == IO:
            return self.view[addr]
        return self.io_state[addr - IO_START]

    def io_bytes(self, start: int, end: int) -> bytes:
        if self.areas[1] == IO:
            return bytes(self.view[start:end])
        return bytes(self.io_state[start - IO_START:end - IO_START])

    def set_io_byte(self, addr: int, value: int) -> None:
        """Store into the I/O area (a chip's register as the CPU will read it back)."""
        if self.areas[1] == IO:
            self.view[addr] = value
        else:
            self.io_state[addr - IO_START] = value
