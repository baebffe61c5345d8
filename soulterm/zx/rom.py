"""soulterm's high-level 48K ROM: the routines a machine-code program calls, done in Python.

No Sinclair ROM is shipped. The 16K at $0000-$3FFF hold soulterm's own
character set at $3D00 (where the ROM keeps its own) and, at the real entry
points, traps: every ROM address is a CPU breakpoint, and when the Z80
reaches one of the routines below the routine runs here and returns as RET
would. Any other ROM address stops the machine as a crash.

    $0008  RST $08 ERROR-1    error report: the code is the byte after the RST
    $0010  RST $10 PRINT-A    print A on the current channel (S upper screen,
                              K lower screen, P printer): letters, digits and
                              symbols, ENTER, AT y,x, TAB n, INK/PAPER/FLASH/
                              BRIGHT/INVERSE/OVER n, cursor left, comma
                              (next half line), block graphics $80-$8F, user-
                              defined graphics $90-$A4 from UDG; the upper
                              screen scrolls at its bottom, counting SCR-CT down
                              as the real PO-SCR does (CLS leaves it 1): where it
                              runs out the real ROM asks "scroll?" and waits for
                              a key (N, SPACE or BREAK stop the program); here the
                              ask is counted (`scroll_asks`), SCR-CT set again as
                              the real one sets it, and the scroll goes on
    $0038  IM 1 interrupt     FRAMES+1 and the keyboard: the next typed key
                              into LAST-K with FLAGS bit 5 set (as KEYBOARD)
    $028E  KEY-SCAN           E = key value, D = shift value ($FF: none), Z set
    $03B5  BEEPER             DE = cycles, HL = timing: recorded as a beep
                              (frequency 437500/(HL+30.125) Hz) and made as
                              the real one's OUTs make it: its first OUT puts
                              the border to BORDCR's colour, its loop runs DE + 1
                              cycles (it tests DE after each), 2*(DE+1) beeper
                              edges 4*(HL+30.125) T-states apart, and it ends
                              with EI (as seen on the real ROM, twenty-second
                              round); the T-states it would take are counted
    $0D6B  CLS                clear the whole screen with ATTR-P, print at 0,0
    $1601  CHAN-OPEN          A = stream: 0/1 K, 2 S, 3 P
    $2D2B  STACK-BC           where USR returns: back to "BASIC", which prints
                              "0 OK" and the machine stops (halted)

System variables sit at their real addresses (SYSVARS) and hold what these
routines read and write; on a 128K FLAGS has bit 4 set (FLAGS_128_BASIC), as 128
BASIC has it where the 128's menu runs a tape. A trap costs the T-states of its RET (10) plus, for
BEEPER, the length of the beep; the interrupt routine costs nothing beyond
the Z80's acknowledge, so programs are measured as if the ROM were free.
"""

from __future__ import annotations

from .font import FONT
from .paging import BANKM, ROM_128_RAM
from .ula import COLUMNS, attribute_address, pixel_address

ROM_SIZE = 0x4000
CHARSET = 0x3D00                  # the character set's address in the ROM
CLOCK_HZ = 3_500_000

# Entry points (the real ROM's addresses).
ERROR_1, PRINT_A, MASK_INT, KEY_SCAN, BEEPER, CLS, CHAN_OPEN, STACK_BC = (
    0x0008, 0x0010, 0x0038, 0x028E, 0x03B5, 0x0D6B, 0x1601, 0x2D2B)
RET_T_STATES = 10

SYSVARS = {
    "KSTATE": 0x5C00, "LAST_K": 0x5C08, "REPDEL": 0x5C09, "REPPER": 0x5C0A, "CHARS": 0x5C36,
    "ERR_NR": 0x5C3A, "FLAGS": 0x5C3B, "TV_FLAG": 0x5C3C, "ERR_SP": 0x5C3D, "BORDCR": 0x5C48,
    "CURCHL": 0x5C51, "DF_SZ": 0x5C6B, "FRAMES": 0x5C78, "UDG": 0x5C7B, "DF_CC": 0x5C84,
    "S_POSN": 0x5C88, "S_POSNL": 0x5C8A, "SCR_CT": 0x5C8C, "ATTR_P": 0x5C8D, "MASK_P": 0x5C8E, "ATTR_T": 0x5C8F,
    "MASK_T": 0x5C90, "P_FLAG": 0x5C91, "RAMTOP": 0x5CB2, "P_RAMT": 0x5CB4,
}
KEY_READY = 0x20                  # FLAGS bit 5: a new key is in LAST-K
FLAGS_128_BASIC = 0x10            # FLAGS bit 4: set where 128 BASIC runs (a 128K: its ROM 1's interrupt
                                  # then scans the keypad through $5B88..$5B8E, and a report goes back to it)
PROGRAM_START = 0x5CCB            # PROG after NEW (23755): where a BASIC program loads
# LOAD "" CODE in a program that CLEARed RAMTOP low: the real ROM's TEST-ROOM wants STKEND + 80 below
# the machine stack with LOAD's 34 bytes of headers and two 5-byte zeros on the calculator's stack,
# else "4 Out of memory". Measured on the real 48 BASIC and 128 ROMs (docs/spectrum.md, "Twenty-second
# round"): the loader's CLEAR must be at least this far past the program's end.
LOAD_CODE_ROOM = 154
UPPER_LINES = 22                  # lines of the upper screen (24 minus DF-SZ)
SCROLLS_AFTER_ASKING = 22         # SCR-CT after "scroll?": 24 less the line count (DF-SZ) at the bottom
SCREEN_LINES = 24

# Control codes that take parameters: code -> number of parameter bytes.
_PARAMETERS = {16: 1, 17: 1, 18: 1, 19: 1, 20: 1, 21: 1, 22: 2, 23: 2}
ERROR_LETTERS = "0123456789ABCDEFGHIJKLMNOPQR"


def rom_image() -> bytearray:
    """The 16K ROM: RET at every entry point (so a disassembly reads sensibly) and the font."""
    image = bytearray(ROM_SIZE)
    for address in (ERROR_1, PRINT_A, MASK_INT, KEY_SCAN, BEEPER, CLS, CHAN_OPEN, STACK_BC):
        image[address] = 0xC9
    image[CHARSET:CHARSET + len(FONT)] = FONT
    return image


class MachineStop(Exception):
    """A ROM routine ends the run: the program returned to BASIC or reported an error."""

    def __init__(self, message: str, crashed: bool):
        super().__init__(message)
        self.crashed = crashed


class HighLevelROM:
    """The trapped routines. `machine` gives memory, the Z80 registers, keyboard and cycle count."""

    def __init__(self, machine):
        self.machine = machine
        self.channel = "S"
        self.pending: list[int] = []      # a control code waiting for its parameters
        self.printer: list[str] = []      # what was printed on channel P
        self.beeps: list[tuple[int, float, float]] = []   # (T-state, Hz, seconds)
        self.scroll_asks: list[int] = []  # T-states where the real ROM would ask "scroll?" (SCR-CT ran out)
        self.routines = {ERROR_1: self.error_1, PRINT_A: self.print_a, MASK_INT: self.interrupt,
                         KEY_SCAN: self.key_scan, BEEPER: self.beeper, CLS: self.cls,
                         CHAN_OPEN: self.chan_open, STACK_BC: self.stack_bc}

    # ----- memory helpers -----

    @property
    def memory(self):
        return self.machine.memory

    def peek16(self, address: int) -> int:
        return self.memory[address] | self.memory[(address + 1) & 0xFFFF] << 8

    def poke16(self, address: int, value: int) -> None:
        self.memory[address] = value & 0xFF
        self.memory[address + 1] = (value >> 8) & 0xFF

    def sysvar(self, name: str) -> int:
        return self.memory[SYSVARS[name]]

    def set_sysvar(self, name: str, value: int) -> None:
        self.memory[SYSVARS[name]] = value & 0xFF

    # ----- power-on -----

    def initialise(self, ramtop: int = 0xFF57) -> None:
        """System variables as after NEW, and a clear screen."""
        for name, value in (("LAST_K", 0), ("REPDEL", 35), ("REPPER", 5), ("ERR_NR", 0xFF),
                            ("FLAGS", 0x0C), ("TV_FLAG", 0), ("BORDCR", 0x38), ("DF_SZ", 2),
                            ("ATTR_P", 0x38), ("MASK_P", 0), ("ATTR_T", 0x38), ("MASK_T", 0), ("P_FLAG", 0)):
            self.set_sysvar(name, value)
        if self.machine.model == "128k":    # (128 BASIC, as the 128's menu and its Tape Loader leave it)
            self.set_sysvar("FLAGS", self.sysvar("FLAGS") | FLAGS_128_BASIC)
        self.poke16(SYSVARS["CHARS"], CHARSET - 0x100)
        self.poke16(SYSVARS["UDG"], 0xFF58)
        self.poke16(SYSVARS["RAMTOP"], ramtop)
        self.poke16(SYSVARS["P_RAMT"], 0xFFFF)
        self.memory[SYSVARS["FRAMES"]:SYSVARS["FRAMES"] + 3] = bytes(3)
        self.channel = "S"
        self.pending = []
        self.cls()

    def call(self, address: int) -> int:
        """Run the routine at `address` (a trap); returns the T-states it costs."""
        cost = self.routines[address]() or 0
        if address != STACK_BC:
            self.machine.return_from_trap()
        return RET_T_STATES + cost

    # ----- RST $10 -----

    def print_a(self):
        self.print_code(self.machine.cpu.a)

    def print_code(self, code: int) -> None:
        if self.pending:
            self.pending.append(code)
            if len(self.pending) > _PARAMETERS[self.pending[0]]:
                self.control(*self.pending)
                self.pending = []
            return
        if code in _PARAMETERS:
            self.pending = [code]
            return
        if self.channel == "P":
            self.printer.append("\n" if code == 13 else chr(code) if 32 <= code < 128 else "")
            return
        if code == 13:
            self.newline()
        elif code == 6:
            line, column = self.position()
            self.move(line, 16 if column < 16 else 32)
        elif code == 8:                 # PO-BACK-1 ($0A23), as the real one
            line, column = self.position()
            if column > 0:
                self.set_position(line, column - 1)
            elif self.channel == "S":   # column 0: the line above's column 31, but from line 1,
                if line == 1:           # where its test of 24 - line keeps it (the real ROM's own)
                    self.set_position(1, 0)
                else:
                    self.set_position(line - 1, COLUMNS - 1)
        elif code >= 32:
            self.put_character(code)

    def control(self, code: int, first: int, second: int | None = None) -> None:
        if code == 22:  # AT line, column
            if first >= (UPPER_LINES if self.channel == "S" else 2) or second > 31:
                raise MachineStop("5 Out of screen (PRINT AT outside the screen)", crashed=True)
            self.set_position(first, second)
        elif code == 23:  # TAB column (two bytes, column mod 32)
            line, column = self.position()
            target = (first | (second or 0) << 8) % 32
            self.move(line, target if target >= column else target + 32)
        else:
            self.colour(code, first)

    def colour(self, code: int, value: int) -> None:
        attribute, flags = self.sysvar("ATTR_T"), self.sysvar("P_FLAG")
        if code == 16 and value < 8:
            attribute = attribute & ~0x07 | value
        elif code == 17 and value < 8:
            attribute = attribute & ~0x38 | value << 3
        elif code == 18 and value < 2:
            attribute = attribute & ~0x80 | value << 7
        elif code == 19 and value < 2:
            attribute = attribute & ~0x40 | value << 6
        elif code == 20 and value < 2:
            flags = flags & ~0x04 | value << 2
        elif code == 21 and value < 2:
            flags = flags & ~0x01 | value
        elif value not in (8, 9):  # 8 (transparent) and 9 (contrast) are accepted and ignored
            raise MachineStop(f"K Invalid colour (control {code} with {value})", crashed=True)
        self.set_sysvar("ATTR_T", attribute)
        self.set_sysvar("P_FLAG", flags)

    def position(self) -> tuple[int, int]:
        """(line, column) of the print position of the current channel, from S-POSN / S-POSNL."""
        base = SYSVARS["S_POSN"] if self.channel == "S" else SYSVARS["S_POSNL"]
        column = 33 - self.memory[base]
        line = 24 - self.memory[base + 1]
        return line, column

    def set_position(self, line: int, column: int) -> None:
        base = SYSVARS["S_POSN"] if self.channel == "S" else SYSVARS["S_POSNL"]
        self.memory[base] = 33 - column
        self.memory[base + 1] = 24 - line
        if self.channel == "S":         # (line -1: cursor-left at 0,0 takes the real one above the screen)
            self.poke16(SYSVARS["DF_CC"], pixel_address(min(column, 31), max(0, min(line, 23)) * 8))

    def move(self, line: int, column: int) -> None:
        """Go to (line, column), wrapping past column 31 and scrolling past the last line."""
        line += column // COLUMNS
        column %= COLUMNS
        lines = UPPER_LINES if self.channel == "S" else 2
        while line >= lines:
            self.scroll()
            line -= 1
        self.set_position(line, column)

    def newline(self) -> None:
        line, _ = self.position()
        self.move(line + 1, 0)

    def screen_line(self, line: int) -> int:
        return line if self.channel == "S" else UPPER_LINES + line

    def put_character(self, code: int) -> None:
        line, column = self.position()
        if column >= COLUMNS:
            self.move(line, column)
            line, column = self.position()
        rows = self.glyph(code)
        flags = self.sysvar("P_FLAG")
        row_on_screen = self.screen_line(line)
        for index, byte in enumerate(rows):
            if flags & 0x04:
                byte ^= 0xFF
            address = pixel_address(column, row_on_screen * 8 + index)
            self.memory[address] = (self.memory[address] ^ byte) if flags & 0x01 else byte
        mask = self.sysvar("MASK_T")
        cell = attribute_address(column, row_on_screen)
        self.memory[cell] = (self.memory[cell] & mask) | (self.sysvar("ATTR_T") & ~mask & 0xFF)
        self.set_position(line, column + 1)

    def glyph(self, code: int) -> bytes:
        if code < 128:
            base = self.peek16(SYSVARS["CHARS"]) + code * 8
            return bytes(self.memory[(base + i) & 0xFFFF] for i in range(8))
        if code < 0x90:  # block graphics: bits 0-3 = top right, top left, bottom right, bottom left
            top = (0xF0 if code & 2 else 0) | (0x0F if code & 1 else 0)
            bottom = (0xF0 if code & 8 else 0) | (0x0F if code & 4 else 0)
            return bytes([top] * 4 + [bottom] * 4)
        if code <= 0xA4:
            base = self.peek16(SYSVARS["UDG"]) + (code - 0x90) * 8
            return bytes(self.memory[(base + i) & 0xFFFF] for i in range(8))
        return self.glyph(ord("?"))  # keyword tokens: soulterm's ROM has no keyword table

    def scroll(self) -> None:
        """Move the current channel's lines up one character line; clear the last with ATTR-P.
        The upper screen's scroll counts SCR-CT down first (module doc: "scroll?")."""
        if self.channel == "S":
            self.set_sysvar("SCR_CT", self.sysvar("SCR_CT") - 1)
            if self.sysvar("SCR_CT") == 0:
                self.scroll_asks.append(self.machine.cycles)
                self.set_sysvar("SCR_CT", SCROLLS_AFTER_ASKING)
        first = 0 if self.channel == "S" else UPPER_LINES
        lines = UPPER_LINES if self.channel == "S" else 2
        for line in range(first, first + lines - 1):
            for pixel_row in range(8):
                dst = pixel_address(0, line * 8 + pixel_row)
                src = pixel_address(0, (line + 1) * 8 + pixel_row)
                self.memory[dst:dst + COLUMNS] = self.memory[src:src + COLUMNS]
            dst = attribute_address(0, line)
            self.memory[dst:dst + COLUMNS] = self.memory[dst + COLUMNS:dst + 2 * COLUMNS]
        self.clear_line(first + lines - 1)

    def clear_line(self, line: int, attribute: int | None = None) -> None:
        """A line's bitmap cleared and its attributes set to `attribute` (ATTR-P's by default)."""
        for pixel_row in range(8):
            address = pixel_address(0, line * 8 + pixel_row)
            self.memory[address:address + COLUMNS] = bytes(COLUMNS)
        address = attribute_address(0, line)
        attribute = self.sysvar("ATTR_P") if attribute is None else attribute
        self.memory[address:address + COLUMNS] = bytes([attribute]) * COLUMNS

    # ----- other routines -----

    def cls(self):
        for line in range(SCREEN_LINES):
            self.clear_line(line)
        self.set_sysvar("SCR_CT", 1)     # (as the real CL-ALL: the first scroll after a CLS asks)
        self.set_sysvar("ATTR_T", self.sysvar("ATTR_P"))
        channel = self.channel
        for self.channel in ("K", "S"):
            self.set_position(0, 0)
        self.channel = channel

    def chan_open(self):
        stream = self.machine.cpu.a
        channels = {0: "K", 1: "K", 2: "S", 3: "P"}
        if stream not in channels:
            raise MachineStop(f"O Invalid stream (CHAN-OPEN with stream {stream})", crashed=True)
        self.channel = channels[stream]
        self.set_sysvar("ATTR_T", self.sysvar("ATTR_P"))

    def interrupt(self):
        frames = SYSVARS["FRAMES"]
        count = (int.from_bytes(self.memory[frames:frames + 3], "little") + 1) & 0xFFFFFF
        self.memory[frames:frames + 3] = count.to_bytes(3, "little")
        self.machine.keyboard_interrupt()
        cpu = self.machine.cpu
        cpu.iff1 = cpu.iff2 = 1  # the routine ends with EI; RET

    def key_scan(self):
        cpu = self.machine.cpu
        main, shift = self.machine.keyboard_scan()
        cpu.d, cpu.e = shift, main
        cpu.f |= 0x40  # Z: a valid key combination

    def beeper(self):
        cpu, ula = self.machine.cpu, self.machine.ula
        cycles, timing = cpu.de + 1, cpu.hl          # (DE + 1: the real loop tests DE after a cycle)
        frequency = 437500 / (timing + 30.125)
        seconds = cycles / frequency if frequency else 0.0
        start = self.machine.cycles
        self.beeps.append((start, frequency, seconds))
        ula.write_port(self.sysvar("BORDCR") >> 3 & 7 | ula.beeper, start)    # its first OUT: BORDCR's border
        half_period = 4 * (timing + 30.125)          # T-states between two OUTs of the loop
        for edge in range(2 * cycles):
            ula.toggle_beeper(start + round(edge * half_period))
        cpu.iff1 = cpu.iff2 = 1                      # (BE-END: EI)
        return round(seconds * CLOCK_HZ)

    def error_1(self):
        cpu = self.machine.cpu
        return_address = self.peek16(cpu.sp)
        code = self.memory[return_address]
        letter = ERROR_LETTERS[code + 1] if code + 1 < len(ERROR_LETTERS) else "?"
        raise MachineStop(f"error report {letter} (RST $08 with code {code} at ${return_address - 1:04X})",
                          crashed=True)

    def stack_bc(self):
        kept = self.machine.rom_128_ram
        if kept is not None and self.rom_128_ram_bytes() != kept:
            raise MachineStop("the program wrote over $5B00-$5BFF, where the 128 ROM keeps its bank "
                              "switching (SWAP, TSTACK): a real 128K's BASIC hangs coming back", crashed=True)
        self.channel = "K"              # the report, as the real one: the lower screen cleared
        for lower in (UPPER_LINES, UPPER_LINES + 1):    # with BORDCR's attribute (CLS-LOWER), printed in it
            self.clear_line(lower, self.sysvar("BORDCR"))
        self.set_sysvar("ATTR_T", self.sysvar("BORDCR"))
        self.set_position(1, 0)
        line, statement = self.machine.usr_statement
        for character in f"0 OK, {line}:{statement}":
            self.put_character(ord(character))
        raise MachineStop("the program returned to BASIC (0 OK)", crashed=False)

    def rom_128_ram_bytes(self) -> bytes:
        """The 128 ROM's RAM in the printer buffer (paging.ROM_128_RAM), BANKM left out (a program
        may page, and say so there)."""
        area = bytearray(self.memory[ROM_128_RAM.start:ROM_128_RAM.stop])
        area[BANKM - ROM_128_RAM.start] = 0
        return bytes(area)

    def tape_message(self, kind: str, name: str) -> None:
        """What LOAD prints for each header it finds (LD-LOOK-H, $0767): on the upper screen, SCR-CT
        3, ENTER, "Program: " or "Bytes: " and the name's 10 characters, ENTER."""
        self.channel = "S"
        self.set_sysvar("SCR_CT", 3)
        self.print_string(f"\n{kind}: {name[:10].ljust(10)}\n")

    def print_string(self, text: str) -> None:
        for character in text:
            self.print_code(13 if character == "\n" else ord(character))

