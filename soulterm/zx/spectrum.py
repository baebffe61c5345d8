"""The ZX Spectrum 48K and 128K: the one module that wires the Z80, memory, ULA and ROM together.

Wiring
    Z80 (the `z80` package's C++ core)  owns the 64K memory image; this
                        module reads and writes it as `memory`
    $0000-$3FFF ROM     soulterm's high-level ROM (rom.py): writes are ignored
                        (a write callback on every ROM address), every address
                        is a breakpoint, and the entry points run in Python
    $4000-$5AFF         the screen (ula.py draws it from memory on demand)
    $5B00-$FFFF         RAM: system variables at $5C00, BASIC, machine code
    even ports          the ULA: border, beeper, keyboard half-rows (ula.py)
    interrupt           once a frame (69,888 T-states; 70,908 on a 128K), IM 1 ->
                        $0038 (rom.py), delivered when interrupts are enabled
    port $7FFD          128K only (`model="128k"`, paging.py): the bank at $C000.
                        The core holds 64K, so a page change swaps the bank's
                        16K: the old one's bytes out of $C000, the new one's in
                        (~6 microseconds in Python, copying included)

Running
    `run()` lets the core run in slices that end at the next frame start
    (or the cycle budget); T-states are counted exactly from the core's
    frame tick, so `cycles` is the number of T-states the program took, ROM
    traps counted as rom.py says. A run stops at the first instruction
    boundary at or after the budget.

Stop reasons: those of the C64 (soulterm.c64.StopReason), with the same meaning.
    idle        the program polls the keyboard (reads FLAGS, calls KEY-SCAN or
                reads port $FE) during a frame with nothing typed or pending
    max-cycles  the budget is used up
    halted      the program returned to BASIC, or crashed (`crashed` True,
                `stop_message` says why): an error report (RST $08), a jump
                into the ROM where there is no routine
    breakpoint  the PC reached one of the given addresses
Sound: `Spectrum(sound=True)` plays the beeper through pygame (beeper.py);
with no sound device `sound_notice` says why in one line and it stays silent.

Models: `Spectrum(model="48k")` (the default) or "128k". Loading a tape
whose BASIC loader pages banks (an OUT to $7FFD, `tap.loader_pages_banks`)
turns the machine into a 128K, as an emulator's automatic model choice
would; any other tape runs on the model the machine was made as.

Not emulated: contended memory (the core cannot add wait states:
contention.py counts the 48K's instead), tape loading in real time (a .tap
is loaded at once, as with an emulator's "flash load"); on a 128K, the
shadow screen (bit 3 is kept in `paging`, but the ULA shows bank 5), the
128 editor ROM (bit 4 is kept; soulterm's ROM stands for the 48 BASIC ROM
either way), and bank 5 or 2 paged at $C000 as the same memory as at
$4000 or $8000 (it is a copy there, written back when paged out).
"""

from __future__ import annotations

import os

import z80

from soulterm.c64.c64 import StopReason

from . import paging, tap
from .beeper import open_beeper
from .font import FIRST_CODE, FONT
from .rom import (CLOCK_HZ, LOAD_CODE_ROOM, PROGRAM_START, ROM_SIZE, STACK_BC, SYSVARS, KEY_READY, HighLevelROM,
                  MachineStop, rom_image)
from .ula import (CAPS_SHIFT, COLUMNS, ENTER, FLASH_FRAMES, KEY_POSITION, ROWS, SPACE, SYMBOL_SHIFT, ULA,
                  attribute_address, cell_bytes)

T_STATES_PER_FRAME = 69_888      # 224 T-states a line, 312 lines
MODELS = {"48k": T_STATES_PER_FRAME, "128k": paging.FRAME_T_STATES_128K}   # model -> T-states a frame
INT_LENGTH = 32                  # the ULA holds /INT low this long: a late instruction boundary still takes it
RAM_START = 0x4000
_CORE_FRAME = 100_000            # the core's own frame counter wraps here (see _elapsed)
_BREAKPOINT = 1                  # the core's breakpoint address mark
_LONGEST_PREFIX_RUN = 16           # DD/FD prefixes run on in one go (a longer chain goes on next slice)

# What the ROM's keyboard routine puts in LAST-K for each key, and the keys that make it.
_SYMBOLS = {"!": "1", "@": "2", "#": "3", "$": "4", "%": "5", "&": "6", "'": "7", "(": "8", ")": "9",
            "_": "0", "<": "r", ">": "t", ";": "o", '"': "p", "^": "h", "-": "j", "+": "k", "=": "l",
            ":": "z", "£": "x", "?": "c", "/": "v", "*": "b", ",": "n", ".": "m"}
_QUADRANTS = " ▝▘▀▗▐▚▜▖▞▌▛▄▟▙█"   # indexed by block-graphic bits: TR=1, TL=2, BR=4, BL=8


def keys_for(character: str) -> tuple[int, frozenset[str]]:
    """(LAST-K code, keys held) for a typed character; ValueError for one the keyboard lacks."""
    if character in ("\r", "\n"):
        return 13, frozenset({ENTER})
    if character == " ":
        return 32, frozenset({SPACE})
    if character.isascii() and (character.islower() or character.isdigit()):
        return ord(character), frozenset({character})
    if character.isascii() and character.isupper():
        return ord(character), frozenset({CAPS_SHIFT, character.lower()})
    if character == "\b":
        return 12, frozenset({CAPS_SHIFT, "0"})  # DELETE
    if character in _SYMBOLS:
        code = 0x60 if character == "£" else ord(character)
        return code, frozenset({SYMBOL_SHIFT, _SYMBOLS[character]})
    raise ValueError(f"the Spectrum keyboard has no key for {character!r}")


class Spectrum:
    """A ZX Spectrum 48K or 128K with soulterm's high-level ROM (module doc)."""

    CPU = "z80"                  # which disassembler and debugger rules apply (soulterm.tui.cpus)
    CLOCK_HZ = CLOCK_HZ

    def __init__(self, sound: bool = False, model: str = "48k"):
        if model not in MODELS:
            raise ValueError(f"no Spectrum model {model!r} (there are {', '.join(MODELS)})")
        self.made_as = model             # the model a tape that pages no banks runs on
        self._set_model(model)
        self.cpu = z80.Z80Machine()
        self.memory = self.cpu.memory
        self.ula = ULA()
        self.audio = None
        self.sound_notice: str | None = None   # one line for the user when sound is off
        if sound:
            self.audio, self.sound_notice = open_beeper()
            if self.audio is not None:
                self.ula.listener = self.audio.edge
        self.rom = HighLevelROM(self)
        self.cpu.set_write_callback(self._rom_write)
        self.cpu.mark_addrs(0, ROM_SIZE, self.cpu.WRITE_MARK)
        self.cpu.set_read_callback(self._watched_read)
        self.cpu.mark_addrs(SYSVARS["FLAGS"], 1, self.cpu.READ_MARK)
        self.cpu.set_input_callback(self._port_in)
        self.cpu.set_output_callback(self._port_out)
        self.cpu.mark_addrs(0, ROM_SIZE, _BREAKPOINT)
        self.reset()

    # ----- wiring -----

    def _rom_write(self, address: int, value: int) -> None:
        pass  # the ROM is read-only

    def _watched_read(self, address: int) -> int:
        self._note_poll()
        return self.memory[address]

    def _note_poll(self) -> None:
        """A look at the keyboard: waiting for input if nothing is typed or pending."""
        if not self.typed and not self.memory[SYSVARS["FLAGS"]] & KEY_READY:
            self._keyboard_polls += 1

    def _port_in(self, port: int) -> int:
        if port & 1:
            return 0xFF  # nothing else on the bus (no Kempston joystick, no floating bus)
        self._note_poll()
        return self.ula.read_port(port)

    def _port_out(self, port: int, value: int) -> None:
        if not port & 1:
            self.ula.write_port(value, self.cycles)
        if self.banks is not None and paging.is_paging_port(port):
            self.page(value)

    # ----- 128K paging -----

    def _set_model(self, model: str) -> None:
        self.model = model
        self.frame_t_states = MODELS[model]
        self.banks = ([bytearray(paging.BANK_SIZE) for _ in range(paging.BANKS)]
                      if model == "128k" else None)     # a bank's bytes while it is paged out
        self.paging = 0                  # the last value written to $7FFD
        self.paged_bank = 0

    def page(self, value: int) -> None:
        """A write to port $7FFD (128K): swap the bank at $C000; ignored once bit 5 has locked it."""
        if self.paging & paging.LOCK:
            return
        self.paging = value & 0x3F           # (bits 6 and 7 are not latched)
        bank = value & paging.BANK_BITS
        if bank == self.paged_bank:
            return
        top = slice(paging.PAGED_START, paging.PAGED_START + paging.BANK_SIZE)
        self._bank_view(self.paged_bank)[:] = self.memory[top]
        self.memory[top] = bytes(self._bank_view(bank))
        self.paged_bank = bank

    def _bank_view(self, bank: int):
        """Where `bank`'s bytes are kept while it is not at $C000: its fixed place in the
        64K for banks 5 and 2, else its own buffer."""
        if bank in paging.FIXED_BANKS:
            start = paging.FIXED_BANKS[bank]
            return memoryview(self.memory)[start:start + paging.BANK_SIZE]
        return self.banks[bank]

    def bank(self, number: int) -> bytes:
        """A 128K bank's 16K as they are now, wherever it sits."""
        if number == self.paged_bank:
            return bytes(self.memory[paging.PAGED_START:paging.PAGED_START + paging.BANK_SIZE])
        return bytes(self._bank_view(number))

    # ----- state -----

    def reset(self) -> None:
        """Power on: clear RAM, the ROM and system variables, a clear screen, interrupts on."""
        self.memory[0:0x10000] = bytes(0x10000)
        self.memory[0:ROM_SIZE] = rom_image()
        self._set_model(self.model)
        self.ula.reset()
        self.cycles = 0
        self.frames = 0
        self.typed: list[int] = []
        self.typed_keys: list[frozenset[str]] = []
        self._keyboard_polls = 0
        self.waiting_for_input = False
        self._interrupt_until: int | None = None   # /INT is low until this T-state
        self.crashed = False
        self.stop_message = ""
        self.last_stop: StopReason | None = None
        self.rom_128_ram: bytes | None = None     # a 128K's in 128 BASIC (port unlocked) at the last USR (rom.stack_bc checks it)
        self.usr_statement = (0, 1)      # (line, statement) of the USR: the report's "0 OK, 10:3" (0:1: typed)
        self.rom.initialise()
        if self.audio is not None:
            self.audio.reset()
        ramtop = self.rom.peek16(SYSVARS["RAMTOP"])
        self.cpu.sp = ramtop + 1
        self.cpu.iy = SYSVARS["ERR_NR"]
        self.cpu.iff1 = self.cpu.iff2 = 1
        self.cpu.pc = STACK_BC  # idle in "BASIC" until something is loaded
        self.cpu.halted = 0

    def push(self, value: int) -> None:
        self.cpu.sp = (self.cpu.sp - 2) & 0xFFFF
        self.rom.poke16(self.cpu.sp, value)

    def return_from_trap(self) -> None:
        """RET: pop the PC."""
        self.cpu.pc = self.rom.peek16(self.cpu.sp)
        self.cpu.sp = (self.cpu.sp + 2) & 0xFFFF

    # ----- loading -----

    def load_code(self, address: int, code: bytes, entry: int | None = None) -> None:
        """Place machine code and call it as RANDOMIZE USR would (returning to BASIC)."""
        if address < RAM_START or address + len(code) > 0x10000:
            raise tap.TapError(f"code at ${address:04X}-${address + len(code) - 1:04X} is outside the RAM "
                               f"($4000-$FFFF)")
        self.memory[address:address + len(code)] = code
        self.call(address if entry is None else entry)

    def call(self, address: int) -> None:
        in_128_basic = self.model == "128k" and not self.paging & paging.LOCK    # (locked: 48 BASIC's printer buffer)
        self.rom_128_ram = self.rom.rom_128_ram_bytes() if in_128_basic else None
        self.push(STACK_BC)
        self.cpu.bc = address
        self.cpu.pc = address

    def load_file(self, path) -> int:
        """Load a .tap as LOAD "" would and start it; returns the address USR calls."""
        path = os.fspath(path)
        if not path.lower().endswith(".tap"):
            raise tap.TapError(f"{path}: the Spectrum loads .tap tape images")
        try:
            with open(path, "rb") as handle:
                image = handle.read(0x100000)
        except OSError as exc:
            raise tap.TapError(f"{path}: {exc.strerror or exc}") from None
        return self.load_tap(image, os.path.basename(path))

    def load_tap(self, image: bytes, source: str = "tape") -> int:
        files = tap.files(tap.decode_blocks(image, source), source)
        if not files:
            raise tap.TapError(f"{source}: no file with a standard header on the tape")
        first = files[0]
        if first.header.kind == tap.CODE:
            self.rom.tape_message("Bytes", first.header.name)
            self.load_code(first.header.param1, first.data)
            return first.header.param1
        if first.header.kind != tap.PROGRAM:
            raise tap.TapError(f"{source}: the first file '{first.header.name}' is not a program or code")
        code_files = [f for f in files[1:] if f.header.kind == tap.CODE]
        try:
            lines = tap.parse_basic(first.data)
        except tap.TapError as exc:
            raise tap.TapError(f"{source}: {exc}") from None
        model = "128k" if tap.loader_pages_banks(lines) else self.made_as
        if model != self.model:
            self.model = model
            self.reset()
        self.rom.tape_message("Program", first.header.name)
        return self._run_loader(lines, code_files, source, len(first.data))

    def _run_loader(self, lines, code_files, source: str, program_bytes: int) -> int:
        """Run the loader subset of BASIC (tap.parse_basic) up to its RANDOMIZE USR; a LOAD "" CODE
        after a CLEAR too close to the program's end is the real ROM's "4 Out of memory" (rom.LOAD_CODE_ROOM)."""
        ramtop = None
        for number, statements in lines:
            for index, statement in enumerate(statements, 1):
                keyword, value = statement.keyword, statement.argument
                if keyword == "CLEAR":
                    if not RAM_START <= value <= 0xFFFF:
                        raise tap.TapError(f"{source}: line {number}: CLEAR {value} is outside the RAM")
                    self.rom.poke16(SYSVARS["RAMTOP"], value)
                    self.cpu.sp = value + 1
                    ramtop = value
                    self.rom.cls()              # (the real CLEAR clears the screen: CLEAR-RUN calls CLS)
                elif keyword == "LOAD CODE":
                    if not code_files:
                        raise tap.TapError(f"{source}: line {number}: LOAD \"\" CODE but no CODE file follows")
                    least = PROGRAM_START + program_bytes + LOAD_CODE_ROOM
                    if ramtop is not None and ramtop < least:
                        raise tap.TapError(f"{source}: line {number}: 4 Out of memory: LOAD \"\" CODE after CLEAR "
                                           f"{ramtop} (the real ROM wants CLEAR {least} or more: the loader's "
                                           f"{program_bytes} bytes from {PROGRAM_START} and {LOAD_CODE_ROOM} for LOAD)")
                    code = code_files.pop(0)
                    self.rom.tape_message("Bytes", code.header.name)
                    address = code.header.param1 if value is None else value
                    if address < RAM_START or address + len(code.data) > 0x10000:
                        raise tap.TapError(f"{source}: '{code.header.name}' would load at ${address:04X}, "
                                           f"outside the RAM")
                    self.memory[address:address + len(code.data)] = code.data
                elif keyword == "USR":
                    self.usr_statement = (number, index)
                    self.call(value & 0xFFFF)
                    return value & 0xFFFF
                elif keyword == "BORDER":
                    self.ula.write_port(value & 7, self.cycles)
                    self.rom.set_sysvar("BORDCR", self.rom.sysvar("BORDCR") & ~0x38 | (value & 7) << 3)
                elif keyword in ("PAPER", "INK"):
                    shift = 3 if keyword == "PAPER" else 0
                    self.rom.set_sysvar("ATTR_P", self.rom.sysvar("ATTR_P") & ~(7 << shift) | (value & 7) << shift)
                elif keyword == "CLS":
                    self.rom.cls()
                elif keyword == "POKE":
                    if not RAM_START <= value <= 0xFFFF or not 0 <= statement.value <= 255:
                        raise tap.TapError(f"{source}: line {number}: POKE {value},{statement.value} "
                                           f"is not a byte into the RAM")
                    self.memory[value] = statement.value
                elif keyword == "OUT":
                    self._port_out(value & 0xFFFF, statement.value & 0xFF)
        raise tap.TapError(f"{source}: the BASIC loader never calls RANDOMIZE USR: nothing to run")

    # ----- keyboard -----

    def type_text(self, text: str) -> None:
        """Queue keys; the interrupt hands them to the program one at a time through LAST-K."""
        keys = [keys_for(character) for character in text]
        for code, held in keys:
            self.typed.append(code)
            self.typed_keys.append(held)
        self.waiting_for_input = False

    def type_line(self, text: str) -> None:
        self.type_text(text + "\r")

    def keyboard_interrupt(self) -> None:
        """The ROM's KEYBOARD, once a frame: the next typed key into LAST-K if the last was taken."""
        self.ula.pressed = set()
        if self.typed and not self.memory[SYSVARS["FLAGS"]] & KEY_READY:
            self.memory[SYSVARS["LAST_K"]] = self.typed.pop(0)
            self.memory[SYSVARS["FLAGS"]] |= KEY_READY
            self.ula.pressed = set(self.typed_keys.pop(0))

    def keyboard_scan(self) -> tuple[int, int]:
        """(main key value, shift value) as KEY-SCAN returns them, $FF for none."""
        self._note_poll()
        main = shift = 0xFF
        for key in self.ula.pressed:
            row, bit = KEY_POSITION[key]
            value = (4 - bit) * 8 + (7 - row)
            if key in (CAPS_SHIFT, SYMBOL_SHIFT):
                shift = value
            else:
                main = value
        return main, shift

    # ----- running -----

    def _elapsed(self, before: int) -> int:
        """T-states since the core's frame tick read `before` (slices are shorter than its wrap)."""
        return (self.cpu.frame_tick - before) % _CORE_FRAME

    def step(self) -> None:
        """Run one instruction (a ROM routine counts as one)."""
        self._slice(1, set())

    def _slice(self, ticks: int, breakpoints: set[int]) -> StopReason | None:
        cpu = self.cpu
        pc = cpu.pc
        if pc < ROM_SIZE or pc in breakpoints:
            if pc < ROM_SIZE:
                reason = self._trap(pc)
                if reason is None and cpu.pc in breakpoints:
                    return StopReason.BREAKPOINT   # the routine returned onto a breakpoint
                return reason
            self._step_past_mark(pc)       # resume from a breakpoint: one instruction past it
            return None
        return self._run_ticks(ticks, breakpoints)

    def _step_past_mark(self, pc: int) -> None:
        """One instruction from the marked address `pc`, its mark put back after."""
        cpu = self.cpu
        cpu.unmark_addr(pc, _BREAKPOINT)
        before = cpu.frame_tick
        cpu.ticks_to_stop = 1
        cpu.run()
        self._finish_prefixed()
        cpu.mark_addr(pc, _BREAKPOINT)
        self.cycles += self._elapsed(before)

    def _run_ticks(self, ticks: int, breakpoints: set[int]) -> StopReason | None:
        """Up to `ticks` T-states (at least one instruction), to a marked address or the end."""
        cpu = self.cpu
        before = cpu.frame_tick
        cpu.ticks_to_stop = max(1, ticks)
        cpu.run()
        self._finish_prefixed()
        self.cycles += self._elapsed(before)
        return StopReason.BREAKPOINT if cpu.pc in breakpoints else None

    def _finish_prefixed(self) -> None:
        """The core takes a DD/FD prefix as a step of its own: run on to the end of
        the instruction, so a step, a pause or a budget never leaves the PC inside
        one (the debugger would disassemble `bit 5,(iy+1)` from its second byte)."""
        cpu = self.cpu
        for _ in range(_LONGEST_PREFIX_RUN):
            if str(cpu.index_rp_kind) == "hl":     # no DD/FD prefix pending
                return
            cpu.ticks_to_stop = 1
            cpu.run()

    def _trap(self, pc: int) -> StopReason | None:
        routine = self.rom.routines.get(pc)
        if routine is None:
            self.crashed = True
            self.stop_message = (f"jump into the ROM at ${pc:04X}, where soulterm's ROM has no routine "
                                 f"(it has RST $08/$10, $0038, KEY-SCAN, BEEPER, CLS, CHAN-OPEN)")
            return StopReason.HALTED
        try:
            self.cycles += self.rom.call(pc)
        except MachineStop as stop:
            self.crashed = stop.crashed
            self.stop_message = str(stop)
            return StopReason.HALTED
        return None

    def _frame(self) -> None:
        """The frame start: the ULA raises /INT for INT_LENGTH T-states."""
        self.frames += 1
        self.waiting_for_input = self._keyboard_polls > 0 and not self.typed
        self._keyboard_polls = 0
        self._interrupt_until = self.frames * self.frame_t_states + INT_LENGTH

    def _take_interrupt(self) -> None:
        """Accept /INT at this instruction boundary if the Z80 can (not after EI or a prefix)."""
        cpu = self.cpu
        if self.cycles >= self._interrupt_until:
            self._interrupt_until = None  # missed, as on the real machine (interrupts off for too long)
        elif cpu.iff1 and not cpu.int_disabled:
            self._interrupt_until = None
            before = cpu.frame_tick
            cpu.on_handle_active_int()
            self.cycles += self._elapsed(before)

    def run(self, max_cycles: int | None = None, until_idle: bool = False, breakpoints=()) -> StopReason:
        """Run until a stop reason (module doc); returns it and remembers it in `last_stop`."""
        reason = self._run(max_cycles, until_idle, set(breakpoints))
        self.last_stop = reason
        return reason

    def _run(self, max_cycles, until_idle, breakpoints) -> StopReason:
        if self.crashed or self.stop_message:
            return StopReason.HALTED
        for address in breakpoints:
            self.cpu.mark_addr(address, _BREAKPOINT)
        limit = None if max_cycles is None else self.cycles + max_cycles
        try:
            while True:
                if self._interrupt_until is not None:
                    self._take_interrupt()
                next_frame = (self.frames + 1) * self.frame_t_states
                end = next_frame if limit is None else min(next_frame, limit)
                if self._interrupt_until is not None:
                    end = self.cycles + 1  # one instruction at a time while /INT waits
                reason = self._slice(end - self.cycles, breakpoints)
                if self.audio is not None:
                    self.audio.advance(self.cycles)
                if reason is not None:
                    return reason
                if self.cycles >= next_frame:
                    self._frame()
                    if self.waiting_for_input and (until_idle or limit is None):
                        return StopReason.IDLE
                if limit is not None and self.cycles >= limit:
                    return StopReason.MAX_CYCLES
        finally:
            for address in breakpoints:
                if address >= ROM_SIZE:
                    self.cpu.unmark_addr(address, _BREAKPOINT)

    # ----- observing -----

    @property
    def ram(self):
        """The 64K as the Z80 sees it (ROM included), as the C64's `ram` for the panels."""
        return self.memory

    def peek(self, address: int) -> int:
        return self.memory[address & 0xFFFF]

    read = peek

    def press_restore(self, run_stop: bool = True) -> None:
        """The C64's RUN/STOP+RESTORE: the Spectrum has no such key (a one-line error for the user)."""
        raise ValueError("the Spectrum has no RESTORE key: F6 resets it")

    def set_muted(self, muted: bool) -> None:
        """Silence the beeper (edges are still recorded)."""
        if self.audio is not None:
            self.audio.muted = muted

    @property
    def border_changes(self) -> int:
        return len(self.ula.border_changes)

    @property
    def flash_on(self) -> bool:
        return bool(self.frames // FLASH_FRAMES % 2)

    def screen_lines(self) -> list[str]:
        """The 24 character lines as 32-character strings, read back from the bitmap.

        A cell showing one of soulterm's glyphs (or its inverse) reads as that
        character, a block graphic as its Unicode quadrant, anything else as ▒;
        a cell whose ink is its paper shows nothing whatever its bitmap holds, so
        it reads as a space (the 48K player's bytes in the bottom third).
        """
        lines = []
        for row in range(ROWS):
            cells = (None if hidden(self.memory[attribute_address(column, row)])
                     else read_cell(cell_bytes(self.memory, column, row)) or ("▒", False)
                     for column in range(COLUMNS))
            lines.append("".join(cell[0] if cell else " " for cell in cells))
        return lines

    def close(self) -> None:
        """Release the sound device, if one was opened."""
        if self.audio is not None:
            self.audio.close()
            self.audio = None
            self.ula.listener = None


_GLYPHS: dict[bytes, str] = {}


def hidden(attribute: int) -> bool:
    """Whether a cell with this attribute shows no pixel: its ink the colour of its paper."""
    return attribute & 0x07 == attribute >> 3 & 0x07


def read_cell(cell: bytes) -> tuple[str, bool] | None:
    """(character, inverse) for the 8 bitmap bytes of a cell showing one of soulterm's
    glyphs or a block graphic, inverse when ink and paper are swapped; None for anything else."""
    glyphs = _glyph_table()
    character = glyphs.get(cell)
    if character is not None:
        return character, False
    character = glyphs.get(bytes(b ^ 0xFF for b in cell))
    return (character, True) if character is not None else None


def _glyph_table() -> dict[bytes, str]:
    if not _GLYPHS:
        for bits, character in enumerate(_QUADRANTS):
            top = (0xF0 if bits & 2 else 0) | (0x0F if bits & 1 else 0)
            bottom = (0xF0 if bits & 8 else 0) | (0x0F if bits & 4 else 0)
            _GLYPHS[bytes([top] * 4 + [bottom] * 4)] = character
        for index in range(len(FONT) // 8):
            code = FIRST_CODE + index
            character = {0x60: "£", 0x7F: "©"}.get(code, chr(code))
            _GLYPHS[bytes(FONT[index * 8:index * 8 + 8])] = character
    return _GLYPHS
