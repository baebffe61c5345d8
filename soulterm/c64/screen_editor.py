"""The KERNAL's screen editor: CHROUT's printing and CHRIN's line input, in Python.

It works on the RAM locations the real KERNAL uses, so programs that peek
them see what they expect:

    $D3 PNTR cursor column     $D6 TBLX cursor row      $D1/$D2 PNT line address
    $F3/$F4 USER colour line   $0286 COLOR text colour  $C7 RVS reverse flag
    $D4 QTSW quote mode        $0288 HIBASE screen page $D0 CRSW line pending
    $C9/$CA LXSP input start   $C6 NDX keys in buffer   $0277 KEYD key buffer

PETSCII controls: RETURN / shift-RETURN, CLR, HOME, cursor up/down/left/right,
DEL, INST, RVS on/off, the 16 colours, lowercase $0E / uppercase $8E, and
$08 / $09 (lock / unlock the shift+C= case switch). Inside quotes, control
codes print as reversed symbols, as on the real machine.

Lines: like the real editor, a line that runs past column 39 continues on
the next screen row and the two rows form one logical line of up to 80
characters; RETURN reads the whole logical line back from the screen
(from where input started, if that is on the same logical line; trailing
spaces dropped), and printing RETURN moves to the row after the logical
line.

CHRIN from the keyboard, as the real KERNAL (its CLP2): the RETURN that
ends a typed line is handed to the program but not printed while output
goes to the screen: the cursor stays right after the typed text, so what
the program prints next continues on that row. (With input from the
screen, device 3, or output elsewhere, the KERNAL prints it.)

Not implemented: insert-mode quoting after INST, the blinking cursor (the
UI draws the cursor at $D6/$D3), the STOP key.
"""

from __future__ import annotations

from .kernal_ram import (
    COLOR, CRSW, DFLTN, DFLTO, HIBASE, KEYD, LXSP, MODE, NDX, PNT, PNTR, QTSW, RVS, TBLX, USER,
)
from .petscii import RETURN, petscii_to_screen, screen_to_petscii

COLUMNS, ROWS = 40, 25
COLOUR_RAM = 0xD800
SPACE = 0x20


# PETSCII colour codes -> colour numbers 0-15
COLOUR_CODES = {
    0x90: 0, 0x05: 1, 0x1C: 2, 0x9F: 3, 0x9C: 4, 0x1E: 5, 0x1F: 6, 0x9E: 7,
    0x81: 8, 0x95: 9, 0x96: 10, 0x97: 11, 0x98: 12, 0x99: 13, 0x9A: 14, 0x9B: 15,
}


class ScreenEditor:
    """CHROUT and the CHRIN line editor over the machine's RAM (see module doc)."""

    def __init__(self, memory, vic):
        self.memory = memory
        self.ram = memory.view              # $0000-$9FFF is always RAM in view
        self.vic = vic
        self.continued = [False] * ROWS     # row r continues the logical line of row r-1
        self.line: list[int] | None = None  # PETSCII of the line being returned by CHRIN
        self.input_active = False           # CHRIN is collecting keys

    def reset(self) -> None:
        self.continued = [False] * ROWS
        self.line = None
        self.input_active = False

    # -- cursor and screen memory ------------------------------------------------

    @property
    def screen_base(self) -> int:
        return self.ram[HIBASE] << 8

    @property
    def row(self) -> int:
        return min(self.ram[TBLX], ROWS - 1)

    @property
    def column(self) -> int:
        return self.ram[PNTR] % COLUMNS

    def set_cursor(self, row: int, column: int) -> None:
        row = max(0, min(ROWS - 1, row))
        column = max(0, min(COLUMNS - 1, column))
        ram = self.ram
        ram[TBLX] = row
        ram[PNTR] = column
        line = (self.screen_base + row * COLUMNS) & 0xFFFF     # a screen at $FE00 wraps, as on the hardware
        ram[PNT], ram[PNT + 1] = line & 0xFF, line >> 8
        colour = COLOUR_RAM + row * COLUMNS
        ram[USER], ram[USER + 1] = colour & 0xFF, colour >> 8

    def _poke_cell(self, row: int, column: int, code: int, colour: int) -> None:
        offset = row * COLUMNS + column
        self.memory.set_ram(self.screen_base + offset, code)
        self.memory.set_io_byte(COLOUR_RAM + offset, colour & 0x0F)

    def _cell(self, row: int, column: int) -> int:
        return self.memory.ram_at(self.screen_base + row * COLUMNS + column)

    def clear(self) -> None:
        base = self.screen_base
        colour = self.ram[COLOR] & 0x0F
        for offset in range(COLUMNS * ROWS):
            self.memory.set_ram(base + offset, SPACE)
            self.memory.set_io_byte(COLOUR_RAM + offset, colour)
        self.continued = [False] * ROWS
        self.set_cursor(0, 0)

    def scroll_up(self) -> None:
        """Move every row up one; the bottom row becomes blank."""
        base = self.screen_base
        memory = self.memory
        screen = memory.ram_slice(base, base + COLUMNS * ROWS)
        colours = memory.io_bytes(COLOUR_RAM, COLOUR_RAM + COLUMNS * ROWS)
        moved = screen[COLUMNS:] + bytes([SPACE]) * COLUMNS
        moved_colours = colours[COLUMNS:] + bytes([self.ram[COLOR] & 0x0F]) * COLUMNS
        memory.write_ram(base, moved)
        for offset, value in enumerate(moved_colours):
            memory.set_io_byte(COLOUR_RAM + offset, value)
        self.continued = self.continued[1:] + [False]
        self.continued[0] = False
        if self.ram[LXSP] > 0:
            self.ram[LXSP] -= 1             # the line being typed moved up too

    def _next_row(self, continuing: bool) -> None:
        """Move to column 0 of the next row, scrolling at the bottom."""
        row = self.row + 1
        if row >= ROWS:
            self.scroll_up()
            row = ROWS - 1
        self.continued[row] = continuing
        self.set_cursor(row, 0)

    # -- CHROUT ---------------------------------------------------------------------

    def put(self, code: int) -> None:
        """Print one PETSCII code as CHROUT does."""
        ram = self.ram
        code &= 0xFF
        if code in (RETURN, 0x8D):
            ram[RVS] = 0
            ram[QTSW] = 0
            row = self.row                  # skip the rest of this logical line
            while row + 1 < ROWS and self.continued[row + 1]:
                row += 1
            self.set_cursor(row, 0)
            self._next_row(continuing=False)
            return
        screen_code = petscii_to_screen(code)
        if screen_code is None and ram[QTSW] and code != 0x14:
            # inside quotes a control code prints as its reversed symbol
            screen_code = (code | 0x80) if code < 0x20 else ((code - 0x40) | 0x80)
            self._print(screen_code)
            return
        if screen_code is not None:
            if code == 0x22:
                ram[QTSW] ^= 1
            if ram[RVS]:
                screen_code |= 0x80
            self._print(screen_code)
            return
        self._control(code)

    def _print(self, screen_code: int) -> None:
        row, column = self.row, self.column
        self._poke_cell(row, column, screen_code, self.ram[COLOR])
        if column == COLUMNS - 1:
            self._next_row(continuing=True)
        else:
            self.set_cursor(row, column + 1)

    def _control(self, code: int) -> None:
        ram = self.ram
        row, column = self.row, self.column
        if code in COLOUR_CODES:
            ram[COLOR] = COLOUR_CODES[code]
        elif code == 0x12:
            ram[RVS] = 1
        elif code == 0x92:
            ram[RVS] = 0
        elif code == 0x93:
            self.clear()
        elif code == 0x13:
            self.set_cursor(0, 0)
        elif code == 0x11:                          # cursor down
            if row == ROWS - 1:
                self.scroll_up()
                self.set_cursor(row, column)
            else:
                self.set_cursor(row + 1, column)
        elif code == 0x91:                          # cursor up
            self.set_cursor(row - 1, column)
        elif code == 0x1D:                          # cursor right
            if column == COLUMNS - 1:
                self._next_row(continuing=self.continued[min(row + 1, ROWS - 1)])
            else:
                self.set_cursor(row, column + 1)
        elif code == 0x9D:                          # cursor left
            if column > 0:
                self.set_cursor(row, column - 1)
            elif row > 0:
                self.set_cursor(row - 1, COLUMNS - 1)
        elif code == 0x14:                          # DEL: remove the character left of the cursor
            self._delete(row, column)
        elif code == 0x94:                          # INST: open a space at the cursor
            self._insert(row, column)
        elif code == 0x0E:
            self.vic.write(0x18, self.vic.regs[0x18] | 0x02)
        elif code == 0x8E:
            self.vic.write(0x18, self.vic.regs[0x18] & ~0x02)
        elif code == 0x08:
            ram[MODE] = 0x80
        elif code == 0x09:
            ram[MODE] = 0x00
        # any other control code does nothing, as on the C64

    def _delete(self, row: int, column: int) -> None:
        if column == 0:
            if row == 0:
                return
            row, column = row - 1, COLUMNS
        colour = self.ram[COLOR]
        for c in range(column - 1, COLUMNS - 1):
            self._poke_cell(row, c, self._cell(row, c + 1),
                            self.memory.io_byte(COLOUR_RAM + row * COLUMNS + c + 1))
        self._poke_cell(row, COLUMNS - 1, SPACE, colour)
        self.set_cursor(row, column - 1)

    def _insert(self, row: int, column: int) -> None:
        if self._cell(row, COLUMNS - 1) != SPACE:
            return                                  # line full: the C64 refuses too
        for c in range(COLUMNS - 1, column, -1):
            self._poke_cell(row, c, self._cell(row, c - 1),
                            self.memory.io_byte(COLOUR_RAM + row * COLUMNS + c - 1))
        self._poke_cell(row, column, SPACE, self.ram[COLOR])

    # -- the keyboard buffer ------------------------------------------------------

    def take_key(self) -> int | None:
        """Remove and return the first key in the buffer ($0277, count $C6)."""
        ram = self.ram
        count = ram[NDX]
        if count == 0:
            return None
        count = min(count, 10)
        key = ram[KEYD]
        ram[KEYD:KEYD + count - 1] = ram[KEYD + 1:KEYD + count]
        ram[NDX] = count - 1
        return key

    # -- CHRIN ----------------------------------------------------------------------

    def read_char(self) -> int | None:
        """CHRIN from the keyboard: the next character of the entered line, or None to wait.

        The first call starts line input: keys are echoed (cursor keys,
        DEL and colours work) until RETURN; then the logical line is read
        back from the screen and handed out one character per call, then
        $0D. The cursor waits after the line's text (module doc).
        """
        ram = self.ram
        if self.line is not None:
            if self.line:
                return self.line.pop(0)
            self.line = None
            ram[CRSW] = 0
            if ram[DFLTN] == 3 or ram[DFLTO] != 3:
                self.put(RETURN)
            return RETURN
        if not self.input_active:
            self.input_active = True
            ram[LXSP], ram[LXSP + 1] = self.row, self.column
        while True:
            key = self.take_key()
            if key is None:
                return None
            if key in (RETURN, 0x8D):
                break
            self.put(key)
        self.input_active = False
        ram[QTSW] = 0                       # RETURN ends quote mode (the KERNAL's LOOP3)
        self.line = self._read_logical_line()
        ram[CRSW] = 3
        return self.read_char()

    def _read_logical_line(self) -> list[int]:
        row = self.row
        # a logical line is at most two rows: this one and the one it continues or is continued by
        first = row - 1 if row > 0 and self.continued[row] else row
        last = row + 1 if first == row and row + 1 < ROWS and self.continued[row + 1] else row
        start_row, start_column = self.ram[LXSP], self.ram[LXSP + 1]
        if first <= start_row <= last:
            first, skip = start_row, start_column
        else:
            skip = 0
        codes = []
        for r in range(first, last + 1):
            for c in range(skip if r == first else 0, COLUMNS):
                codes.append(self._cell(r, c))
        while codes and codes[-1] == SPACE:
            codes.pop()
        end = skip + len(codes)             # the cursor waits after the text
        if end >= (last - first + 1) * COLUMNS:
            self.set_cursor(last, COLUMNS - 1)
            self._next_row(continuing=False)
        else:
            self.set_cursor(first + end // COLUMNS, end % COLUMNS)
        # the screen's pi reads back as $DE; the KERNAL hands it out as $FF, the code the key types
        return [0xFF if code == 0xDE else code for code in map(screen_to_petscii, codes)]
