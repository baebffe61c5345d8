"""The two CIA 6526 chips: CIA1 (keyboard matrix, timer A interrupt) and CIA2 (VIC bank).

Registers (each repeats every 16 bytes)
    CIA1 $DC00  port A: keyboard columns to scan (0 = selected)
         $DC01  port B: keyboard rows (0 = a key in a selected column is down)
         $DC04/$DC05 timer A latch lo/hi     $DC0D interrupt control
         $DC0E  control A (bit 0 start, bit 3 one-shot)
    CIA2 $DD00  port A bits 0-1: VIC bank, inverted (3 -> $0000, 0 -> $C000)

Emulates
    - the keyboard matrix: keys held in `keys_down` as (column, row) pairs
      show up in $DC01 for the columns selected in $DC00;
    - CIA1 timer A counting down at the CPU clock; each underflow, with its
      interrupt enabled in $DC0D, raises one IRQ, delivered by the machine
      between slices of instructions (the KERNAL sets it up for 60 Hz);
    - CIA2's VIC bank bits.

Not implemented
    - reads with side effects (reading $DC0D does not acknowledge: each
      underflow raises exactly one IRQ instead), timer B, the time-of-day
      clocks, serial and user ports, joysticks.
"""

from __future__ import annotations

PAL_JIFFY_LATCH = 0x4025            # the KERNAL's timer A value for 60 Hz on PAL
RUN_STOP = (7, 7)                   # (column, row) of RUN/STOP in the keyboard matrix


class CIA1:
    """Keyboard matrix and timer A of CIA1 at $DC00."""

    def __init__(self, memory):
        self.memory = memory
        self.regs = bytearray(16)
        self.keys_down: set[tuple[int, int]] = set()    # (column 0-7, row 0-7)
        self.timer_latch = 0xFFFF
        self.timer_running = False
        self.timer_one_shot = False
        self.irq_mask = 0                   # $DC0D enable bits
        self.irq_pending = False
        self._timer_start = 0               # cycle the timer was (re)loaded

    def reset(self) -> None:
        self.regs = bytearray(16)
        self.keys_down.clear()
        self.timer_latch = 0xFFFF
        self.timer_running = self.timer_one_shot = self.irq_pending = False
        self.irq_mask = 0
        self._timer_start = 0
        self.write(0x02, 0xFF, 0)           # port A: all outputs (keyboard columns)
        self.write(0x00, 0x7F, 0)

    def write(self, reg: int, value: int, cycle: int) -> None:
        reg &= 0x0F
        self.regs[reg] = value
        if reg == 0x04:
            self.timer_latch = (self.timer_latch & 0xFF00) | value
        elif reg == 0x05:
            self.timer_latch = (self.timer_latch & 0x00FF) | (value << 8)
            if not self.timer_running:
                self._timer_start = cycle
        elif reg == 0x0D:
            if value & 0x80:
                self.irq_mask |= value & 0x1F
            else:
                self.irq_mask &= ~value & 0x1F
        elif reg == 0x0E:
            if value & 0x01 and (not self.timer_running or value & 0x10):
                self._timer_start = cycle
            self.timer_running = bool(value & 0x01)
            self.timer_one_shot = bool(value & 0x08)
        self.memory.set_io_byte(0xDC00 + reg, value)
        if reg in (0x00, 0x02):
            self.scan_keyboard()

    def scan_keyboard(self) -> None:
        """Put the row bits for the selected columns into $DC01."""
        selected = ~self.regs[0x00] & self.regs[0x02] & 0xFF
        rows = 0xFF
        for column, row in self.keys_down:
            if selected & (1 << column):
                rows &= ~(1 << row)
        self.memory.set_io_byte(0xDC01, rows & 0xFF)

    def advance(self, cycle: int) -> bool:
        """Run timer A up to `cycle`; True when an underflow raised an interrupt."""
        if not self.timer_running:
            return False
        period = self.timer_latch + 1
        elapsed = cycle - self._timer_start
        underflows = elapsed // period
        value = period - 1 - elapsed % period
        self.memory.set_io_byte(0xDC04, value & 0xFF)
        self.memory.set_io_byte(0xDC05, value >> 8)
        if underflows <= 0:
            return False
        self._timer_start += underflows * period
        if self.timer_one_shot:
            self.timer_running = False
        if self.irq_mask & 0x01:
            self.irq_pending = True
            self.memory.set_io_byte(0xDC0D, 0x81)
            return True
        return False


class CIA2:
    """CIA2 at $DD00; only the VIC bank bits matter here."""

    def __init__(self, memory, vic):
        self.memory = memory
        self.vic = vic
        self.regs = bytearray(16)

    def reset(self) -> None:
        self.regs = bytearray(16)
        self.write(0x02, 0x3F, 0)
        self.write(0x00, 0x97, 0)

    def write(self, reg: int, value: int, cycle: int) -> None:
        reg &= 0x0F
        self.regs[reg] = value
        self.memory.set_io_byte(0xDD00 + reg, value)
        if reg in (0x00, 0x02):
            # pins set as inputs are pulled high, i.e. bank 0
            bits = (self.regs[0x00] | ~self.regs[0x02]) & 0x03
            self.vic.vic_bank = 3 - bits
