"""The Spectrum on the real Sinclair ROMs: soulterm.zx.Spectrum with ROM images at $0000, no traps.

soulterm ships no Sinclair ROM (rom.py is a high-level stand-in). With the
ROM images (Amstrad allows their use with emulators; SkoolKit's wheel has
them in skoolkit/resources/, and so does any emulator) this machine runs
the ROMs' own code for everything:

    48K     48.rom at $0000-$3FFF; power on runs its RAM test, NEW and the
            copyright message, then its editor waits for a key
    128K    128-0.rom (the 128 editor and menu) or 128-1.rom (the 48 BASIC
            ROM) at $0000, as port $7FFD's bit 4 picks (paging.ROM_48)
    interrupt   once a frame, IM 1 -> $0038, the ROM's own: FRAMES and KEYBOARD
    keyboard    port $FE's half-rows from the keys a Typist (typist.py) holds
                down a few frames each, as a person types
    tape        LD-BYTES ($0556, wherever the 48 BASIC ROM is paged) is the
                one trap: the next block of the tape in the deck, at once
                (flashload.py); LOAD "" and the loader's LOAD "" CODE run the
                ROM's own code around it
    idle        a frame with nothing left to type in which one instruction
                read FLAGS IDLE_LOOP_READS times running: a key wait (the
                player's `bit 5,(iy+1)` loop, the ROM editor's, the 128
                menu's); printing (RST $10's PO-FETCH and PO-STORE take turns)
                and the interrupt read it from changing places

Every T-state of the ROM's code is counted (the interrupt's KEYBOARD, RST
$10's PRINT-OUT, BEEPER's loop), contended memory still not (as Spectrum).

    from soulterm.zx.real_rom import RealROMSpectrum, load_roms
    m = RealROMSpectrum(load_roms("/path/to/roms"), model="48k")
    m.boot()                         # to the editor's (48K) or the menu's (128K) key wait
    m.load_tape(open("disk/soulplayer.tap", "rb").read())   # LOAD "" typed, the tape run
    m.type_line("hello"); m.run(max_cycles=..., until_idle=True); m.screen_lines()
"""

from __future__ import annotations

import os

from soulterm.c64.c64 import StopReason

from . import paging
from .flashload import LD_BYTES, LD_BYTES_OPENING, TapeDeck, TapeEnded
from .rom import ROM_SIZE
from .spectrum import _BREAKPOINT, INT_LENGTH, Spectrum, keys_for, hidden
from .typist import Typist
from .ula import COLUMNS, ENTER, ROWS, SYMBOL_SHIFT, attribute_address, cell_bytes

ROM_FILES = {"48k": ("48.rom",), "128k": ("128-0.rom", "128-1.rom")}   # model -> its images, ROM 0 first
CHARSET = 0x3D00                 # the ROM's character set: codes 32..127, 8 bytes each
IDLE_LOOP_READS = 200            # reads of FLAGS by one instruction in a row that mean a key wait (module doc)
BOOT_CYCLES = 40_000_000         # power on to the editor's key wait: ~2.3 s on a 48K, ~4 s on a 128K

# LOAD "" as the 48 BASIC editor takes it: J in K mode is LOAD, SYMBOL SHIFT + P is ".
LOAD_QUOTES = [frozenset({"j"}), frozenset({SYMBOL_SHIFT, "p"}), frozenset({SYMBOL_SHIFT, "p"}),
               frozenset({ENTER})]
_QUADRANTS = " ▝▘▀▗▐▚▜▖▞▌▛▄▟▙█"   # block graphics $80-$8F, by bits: TR=1, TL=2, BR=4, BL=8


def load_roms(folder, model: str = "48k") -> list[bytes]:
    """The ROM images `model` needs from `folder` (ROM_FILES), each 16K; ValueError naming what is missing."""
    if model not in ROM_FILES:
        raise ValueError(f"no Spectrum model {model!r} (there are {', '.join(ROM_FILES)})")
    images = []
    for name in ROM_FILES[model]:
        path = os.path.join(os.fspath(folder), name)
        try:
            with open(path, "rb") as handle:
                image = handle.read()
        except OSError as exc:
            raise ValueError(f"{path}: {exc.strerror or exc}") from None
        if len(image) != ROM_SIZE:
            raise ValueError(f"{path}: {len(image)} bytes, a Spectrum ROM has {ROM_SIZE}")
        images.append(image)
    return images


class RealROMSpectrum(Spectrum):
    """A 48K or 128K running the given ROM images (module doc)."""

    def __init__(self, roms: list[bytes], model: str = "48k", sound: bool = False):
        if len(roms) != len(ROM_FILES.get(model, ())):
            raise ValueError(f"a {model} Spectrum needs {len(ROM_FILES.get(model, ()))} ROM images, "
                             f"not {len(roms)}")
        self.roms = [bytes(image) for image in roms]
        self.typist = Typist()
        self.tape = TapeDeck()
        self._flags_reader = -1          # the PC that read FLAGS last, how often in a row,
        self._reads_in_a_row = 0         # and whether that made a key wait this frame
        self._key_wait = False
        super().__init__(sound=sound, model=model)
        self.cpu.unmark_addrs(0, ROM_SIZE, _BREAKPOINT)   # no high-level traps ...
        self.cpu.mark_addr(LD_BYTES, _BREAKPOINT)         # ... but the tape's
        self._glyphs = _glyph_table(self.roms[-1][CHARSET:CHARSET + 96 * 8])

    # ----- power on -----

    def reset(self) -> None:
        """Power on: RAM cleared, the first ROM paged, the Z80 at $0000 with interrupts off."""
        self.memory[0:0x10000] = bytes(0x10000)
        self._set_model(self.model)
        self.rom_paged = 0
        self.memory[0:ROM_SIZE] = self.roms[0]
        self.ula.reset()
        self.cycles = 0
        self.frames = 0
        self.typed, self.typed_keys = [], []      # (Spectrum's queue: unused, the Typist types)
        self.typist = Typist()
        self.tape.position = 0
        self._keyboard_polls = 0
        self._key_wait = False
        self.waiting_for_input = False
        self._interrupt_until = None
        self.crashed = False
        self.stop_message = ""
        self.last_stop = None
        cpu = self.cpu
        cpu.pc, cpu.sp = 0, 0xFFFF
        cpu.iff1 = cpu.iff2 = 0
        cpu.halted = 0

    def boot(self, max_cycles: int = BOOT_CYCLES) -> None:
        """Run from power on to the first key wait (RuntimeError if it never comes)."""
        if self.run(max_cycles=max_cycles, until_idle=True) != StopReason.IDLE:
            raise RuntimeError(f"the {self.model} ROM never reached its key wait: {self.stop_message or 'no idle'}")

    # ----- memory and ports -----

    def write_ram(self, address: int, value: int) -> None:
        """A byte written as the Z80 would: the ROM's addresses ignore it."""
        if address >= ROM_SIZE:
            self.memory[address] = value

    def write_port(self, port: int, value: int) -> None:
        self._port_out(port, value)

    def _watched_read(self, address: int) -> int:
        pc = self.cpu.pc
        if pc == self._flags_reader:
            self._reads_in_a_row += 1
            if self._reads_in_a_row >= IDLE_LOOP_READS:
                self._key_wait = True
        else:
            self._flags_reader, self._reads_in_a_row = pc, 1
        return self.memory[address]

    def _port_in(self, port: int) -> int:
        if port & 1:
            return 0xFF
        return self.ula.read_port(port)

    def page(self, value: int) -> None:
        """A write to $7FFD: the bank at $C000 (Spectrum.page) and bit 4's ROM at $0000."""
        if self.paging & paging.LOCK:
            return
        super().page(value)
        rom = 1 if value & paging.ROM_48 else 0
        if rom != self.rom_paged:
            self.rom_paged = rom
            self.memory[0:ROM_SIZE] = self.roms[rom]

    # ----- keyboard -----

    def type_text(self, text: str) -> None:
        """Queue each character's keys (spectrum.keys_for) for the Typist to press."""
        for character in text:
            self.typist.press(keys_for(character)[1])
        self.waiting_for_input = False

    def press_keys(self, chords) -> None:
        """Queue key combinations as they are (sets of ula.HALF_ROWS names): keywords, menus."""
        for chord in chords:
            self.typist.press(chord)
        self.waiting_for_input = False

    def load_tape(self, image: bytes, max_cycles: int = 200_000_000) -> None:
        """The tape into the deck and LOAD "" typed (48K; a 128K's menu runs it from "Tape
        Loader": press_keys([{ENTER}])), run until the loaded program waits for a key."""
        self.tape.insert(image)
        self.press_keys([{ENTER}] if self.model == "128k" else LOAD_QUOTES)
        if self.run(max_cycles=max_cycles, until_idle=True) != StopReason.IDLE:
            raise RuntimeError(f"the tape never reached a key wait: {self.stop_message or 'no idle'}")

    # ----- running -----

    def _slice(self, ticks: int, breakpoints: set[int]) -> StopReason | None:
        cpu = self.cpu
        pc = cpu.pc
        if pc == LD_BYTES and self._ld_bytes_paged():
            try:
                self.tape.ld_bytes(self)
            except TapeEnded as ended:
                self.crashed = True
                self.stop_message = str(ended)
                return StopReason.HALTED
            return StopReason.BREAKPOINT if cpu.pc in breakpoints else None
        if pc in breakpoints or pc == LD_BYTES:
            self._step_past_mark(pc)       # one instruction past the mark
            return None
        return self._run_ticks(ticks, breakpoints)

    def _ld_bytes_paged(self) -> bool:
        return bytes(self.memory[LD_BYTES:LD_BYTES + len(LD_BYTES_OPENING)]) == LD_BYTES_OPENING

    def _frame(self) -> None:
        """The frame start: the Typist's keys into the matrix, /INT raised, idle judged."""
        self.frames += 1
        self.waiting_for_input = self._key_wait and self.typist.idle
        self._key_wait = False
        self.ula.pressed = set(self.typist.next_frame())
        self._interrupt_until = self.frames * self.frame_t_states + INT_LENGTH

    def _run(self, max_cycles, until_idle, breakpoints) -> StopReason:
        try:
            return super()._run(max_cycles, until_idle, breakpoints)
        finally:
            self.cpu.mark_addr(LD_BYTES, _BREAKPOINT)   # (Spectrum's run unmarks breakpoints in RAM only)

    # ----- observing -----

    def screen_lines(self) -> list[str]:
        """The 24 character lines, read back with the ROM's own character set (Spectrum.screen_lines)."""
        lines = []
        for row in range(ROWS):
            text = []
            for column in range(COLUMNS):
                if hidden(self.memory[attribute_address(column, row)]):
                    text.append(" ")
                    continue
                cell = cell_bytes(self.memory, column, row)
                text.append(self._glyphs.get(cell) or self._glyphs.get(bytes(b ^ 0xFF for b in cell), "▒"))
            lines.append("".join(text))
        return lines


def _glyph_table(charset: bytes) -> dict[bytes, str]:
    glyphs = {}
    for bits, character in enumerate(_QUADRANTS):
        top = (0xF0 if bits & 2 else 0) | (0x0F if bits & 1 else 0)
        bottom = (0xF0 if bits & 8 else 0) | (0x0F if bits & 4 else 0)
        glyphs[bytes([top] * 4 + [bottom] * 4)] = character
    for index in range(96):
        code = 32 + index
        glyphs.setdefault(bytes(charset[index * 8:index * 8 + 8]), {0x60: "£", 0x7F: "©"}.get(code, chr(code)))
    return glyphs
