"""The VIC-II video chip, text mode: what the screen shows and its registers.

Registers ($D000-$D3FF, repeating every 64 bytes)
    $D011  control 1 (bit 7 = raster bit 8)     $D012  raster line / compare
    $D018  memory pointers: bits 4-7 screen at n*$400, bit 1 lowercase set
    $D019  interrupt flags (write 1s to clear)  $D01A  interrupt enable
    $D020  border colour                         $D021  background colour

Emulates
    - the 40x25 text screen: screen codes from the 1 KB that $D018 and
      CIA2's VIC bank ($DD00 bits 0-1) point at, colour RAM ($D800),
      border and background, both character sets, reverse video
      (codes >= 128);
    - the raster counter and the raster interrupt, advanced from the cycle
      count by the machine between slices of instructions (PAL: 312 lines
      of 63 cycles).

Not implemented
    - bitmap, multicolour and extended-colour modes, sprites, smooth
      scrolling, badline cycle stealing: a program may set them; the
      screen is still read as text.
"""

from __future__ import annotations

CYCLES_PER_LINE = 63             # PAL
LINES_PER_FRAME = 312            # PAL
CYCLES_PER_FRAME = CYCLES_PER_LINE * LINES_PER_FRAME

COLUMNS, ROWS = 40, 25

REG_CONTROL1 = 0x11
REG_RASTER = 0x12
REG_MEMORY = 0x18
REG_IRQ_FLAGS = 0x19
REG_IRQ_ENABLE = 0x1A
REG_BORDER = 0x20
REG_BACKGROUND = 0x21

# The 16 C64 colours as RGB hex (the widely used "Pepto" measurements).
PALETTE = (
    "#000000", "#FFFFFF", "#68372B", "#70A4B2", "#6F3D86", "#588D43", "#352879", "#B8C76F",
    "#6F4F25", "#433900", "#9A6759", "#444444", "#6C6C6C", "#9AD284", "#6C5EB5", "#959595",
)
COLOUR_NAMES = (
    "black", "white", "red", "cyan", "purple", "green", "blue", "yellow",
    "orange", "brown", "light red", "dark grey", "grey", "light green", "light blue", "light grey",
)


class VIC:
    """VIC-II text-mode state; the machine forwards register writes to `write`."""

    def __init__(self, memory):
        self.memory = memory                # memory.Memory: RAM and the I/O area
        self.regs = bytearray(64)           # last value written to each register
        self.raster_compare = 0             # line that raises the raster interrupt
        self.irq_flags = 0                  # $D019 bits 0-3 (bit 0 raster)
        self.border_changes = 0             # writes to $D020 that changed the colour
        self.vic_bank = 0                   # 0-3, from CIA2 $DD00 (bank n at n*$4000)
        self._last_line = 0                 # raster line at the last `advance`

    def reset(self) -> None:
        self.regs = bytearray(64)
        self.raster_compare = 0
        self.irq_flags = 0
        self.border_changes = 0
        self.vic_bank = 0
        self._last_line = 0
        for reg, value in ((REG_CONTROL1, 0x1B), (REG_MEMORY, 0x15),
                           (REG_BORDER, 14), (REG_BACKGROUND, 6)):
            self.write(reg, value)
        self.border_changes = 0

    # -- registers --------------------------------------------------------------

    def write(self, reg: int, value: int) -> None:
        reg &= 0x3F
        if reg == REG_BORDER and (value ^ self.regs[REG_BORDER]) & 0x0F:
            self.border_changes += 1
        self.regs[reg] = value
        if reg == REG_RASTER:
            self.raster_compare = (self.raster_compare & 0x100) | value
            return                                  # reads keep showing the beam
        if reg == REG_CONTROL1:
            self.raster_compare = (self.raster_compare & 0xFF) | ((value & 0x80) << 1)
        elif reg == REG_IRQ_FLAGS:
            self.irq_flags &= ~value & 0x0F
            value = self._irq_register()
        elif 0x20 <= reg <= 0x2E:
            value |= 0xF0                           # colour registers read back with high nibble set
        self.memory.set_io_byte(0xD000 + reg, value)

    def _irq_register(self) -> int:
        pending = self.irq_flags & self.regs[REG_IRQ_ENABLE] & 0x0F
        return self.irq_flags | 0x70 | (0x80 if pending else 0)

    def advance(self, cycles: int) -> bool:
        """Move the raster to where the beam is at `cycles`; True if an IRQ is pending."""
        line = (cycles % CYCLES_PER_FRAME) // CYCLES_PER_LINE
        previous = self._last_line
        self._last_line = line
        compare = self.raster_compare
        crossed = (previous < compare <= line) if line >= previous else (
            compare > previous or compare <= line)
        if crossed and line != previous:
            self.irq_flags |= 0x01
        memory = self.memory
        memory.set_io_byte(0xD012, line & 0xFF)
        control = (self.regs[REG_CONTROL1] & 0x7F) | ((line >> 1) & 0x80)
        memory.set_io_byte(0xD011, control)
        memory.set_io_byte(0xD019, self._irq_register())
        return bool(self.irq_flags & self.regs[REG_IRQ_ENABLE] & 0x0F)

    # -- what is on the screen -----------------------------------------------

    @property
    def border(self) -> int:
        return self.regs[REG_BORDER] & 0x0F

    @property
    def background(self) -> int:
        return self.regs[REG_BACKGROUND] & 0x0F

    @property
    def lowercase(self) -> bool:
        """True when the lower/upper-case character set is selected ($D018 bit 1)."""
        return bool(self.regs[REG_MEMORY] & 0x02)

    @property
    def screen_address(self) -> int:
        return self.vic_bank * 0x4000 + (self.regs[REG_MEMORY] >> 4) * 0x400

    def screen_codes(self) -> bytes:
        """The 1000 screen codes, row by row."""
        start = self.screen_address
        return self.memory.ram_slice(start, start + COLUMNS * ROWS)

    def colour_ram(self) -> bytes:
        """The 1000 colour RAM nibbles (0-15), row by row."""
        return bytes(b & 0x0F for b in self.memory.io_bytes(0xD800, 0xD800 + COLUMNS * ROWS))
