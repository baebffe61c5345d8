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
      of 63 cycles);
    - badline DMA: with the display enabled ($D011 bit 4), raster lines
      $30-$F7 whose low 3 bits equal YSCROLL ($D011 bits 0-2) are badlines,
      25 a frame. On each the VIC pulls BA low in cycle 12 and reads the 40
      character pointers in cycles 15-54; the 6510 stops at its first read
      cycle after BA falls and runs again in cycle 55. The CPU reads in
      almost every cycle (at most 3 writes in a row, only in BRK/IRQ/JSR
      pushes and read-modify-write ends), so soulterm takes the whole
      window, cycles 12-54, BADLINE_STOLEN = 43 cycles a badline: 1,075 of
      a frame's 19,656, leaving the CPU 18,581 (x1.0579 in real time; the
      real machine ran the soulplayer 1.0578-1.0602x soulterm's count
      before this was emulated). `cpu_time_to_real` does the accounting
      for a stretch of instructions after the fact, so the CPU loop pays
      nothing per instruction (c64.py calls it between slices and before
      raster reads).

Not implemented
    - bitmap, multicolour and extended-colour modes, sprites (and their
      DMA), smooth scrolling: a program may set them; the screen is still
      read as text. The badline condition uses DEN as it is at each
      badline (the real VIC latches it in line $30), and a write to $D011
      takes effect at the start of the instruction that makes it.
"""

from __future__ import annotations

CYCLES_PER_LINE = 63             # PAL
LINES_PER_FRAME = 312            # PAL
CYCLES_PER_FRAME = CYCLES_PER_LINE * LINES_PER_FRAME

FIRST_DMA_LINE, LAST_DMA_LINE = 0x30, 0xF7      # badlines can only fall in these lines
BADLINES_PER_FRAME = 25                         # one per 8 lines of the 200 above, for any YSCROLL
BADLINE_STALL_OFFSET = 11                       # cycle 12 of the line (line offsets count from 0)
BADLINE_STOLEN = 43                             # cycles 12-54: 3 BA lead-in + 40 character reads
STOLEN_PER_FRAME = BADLINES_PER_FRAME * BADLINE_STOLEN
DEN = 0x10                                      # $D011: display enable

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

    # -- badline DMA ------------------------------------------------------------

    @property
    def badlines_on(self) -> bool:
        return bool(self.regs[REG_CONTROL1] & DEN)

    def stolen_before(self, cycle: int) -> int:
        """Cycles the VIC has taken from the CPU from cycle 0 to `cycle`, with today's $D011."""
        if not self.regs[REG_CONTROL1] & DEN:
            return 0
        frames, offset = divmod(cycle, CYCLES_PER_FRAME)
        line, position = divmod(offset, CYCLES_PER_LINE)
        first = FIRST_DMA_LINE + (self.regs[REG_CONTROL1] & 7)
        whole = 0 if line <= first else min(BADLINES_PER_FRAME, (line - first + 7) >> 3)
        stolen = frames * STOLEN_PER_FRAME + whole * BADLINE_STOLEN
        if first <= line <= LAST_DMA_LINE and not (line - first) & 7:
            stolen += min(max(position - BADLINE_STALL_OFFSET, 0), BADLINE_STOLEN)
        return stolen

    def cpu_time_to_real(self, start: int, cpu_end: int) -> int:
        """The cycle at which a CPU that was at cycle `start` has run `cpu_end - start` cycles of its own.

        The least E with E - stolen(E) = cpu_end - stolen(start): the frame
        is a run of plain lines, 25 groups of a badline and 7 plain lines
        (461 CPU cycles in 504), and plain lines again, so E is found by
        division rather than by walking the lines.
        """
        if cpu_end <= start or not self.regs[REG_CONTROL1] & DEN:
            return cpu_end
        cpu_cycles = cpu_end - self.stolen_before(start)       # CPU cycles since cycle 0
        frames, wanted = divmod(cpu_cycles, CYCLES_PER_FRAME - STOLEN_PER_FRAME)
        before = (FIRST_DMA_LINE + (self.regs[REG_CONTROL1] & 7)) * CYCLES_PER_LINE
        group_real = 8 * CYCLES_PER_LINE
        group_cpu = group_real - BADLINE_STOLEN
        if wanted <= before:
            offset = wanted
        else:
            group, inside = divmod(wanted - before, group_cpu)
            if group >= BADLINES_PER_FRAME:
                offset = wanted + STOLEN_PER_FRAME
            else:
                offset = before + group * group_real + inside
                if inside > BADLINE_STALL_OFFSET:
                    offset += BADLINE_STOLEN
        return frames * CYCLES_PER_FRAME + offset

    def cpu_cycles_between(self, start: int, end: int) -> int:
        """How many cycles of [start, end) the CPU gets (the rest are badline DMA)."""
        return end - start - (self.stolen_before(end) - self.stolen_before(start))

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
