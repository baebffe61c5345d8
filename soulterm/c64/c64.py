"""The Commodore 64: the one module that wires CPU, memory, chips and KERNAL together.

Wiring (address decoding lives here and in memory.py only)
    CPU (cpu.py)        reads `memory.view`; writes to $00/$01 and to banked-in
                        ROM / I/O areas come to `_bus_write`
    $00/$01             6510 port -> memory banking (memory.py)
    $D000-$D3FF         VIC-II registers (vic.py), every 64 bytes
    $D400-$D7FF         SID registers (sid.py), every 32 bytes, stamped with the cycle
    $D800-$DBFF         colour RAM (low nibble)
    $DC00 / $DD00       CIA1 keyboard + timer / CIA2 VIC bank (cia.py)
    $A000 / $E000 ROMs  soulterm's own BASIC stub and KERNAL (kernal.py): opcode
                        $02 traps into Python routines
    IRQ                 CIA1 timer A and the VIC raster interrupt, delivered
                        between slices of instructions
    NMI                 the RESTORE key (`press_restore`), delivered at the
                        next instruction boundary through $FFFA

Running
    `run()` steps py65 in slices: within a slice nothing but `cpu.step` runs;
    between slices the raster, timers, jiffy clock, SID audio and keyboard
    buffer catch up with the cycle count and interrupts are delivered. A
    slice never passes `max_cycles`, so the run stops at the first
    instruction boundary at or after it, exactly.

Time
    `cycles` is real PAL time, badline DMA included: py65 counts the CPU's
    own cycles, and `_account_dma` moves the count on by the cycles the
    VIC stole since it last ran (vic.py), between slices and before any
    I/O access whose answer depends on time. So raster, timers, the SID,
    the jiffy clock and every cycle figure see the real machine's clock.

Stop reasons (StopReason)
    idle        waiting for input with nothing left to type (until_idle), or
                waiting with no cycle budget given
    max-cycles  the budget is used up
    halted      the program returned to BASIC (READY. is printed), reset the
                machine, or ended in a `JMP *` loop with no interrupt handler;
                or it crashed (`crashed` is True): BRK, a JAM or undocumented
                opcode, or a jump into ROM where there is no routine.
                `stop_message` says which and where
    breakpoint  the PC reached one of the given addresses
"""

from __future__ import annotations

import enum
import os
import re
from itertools import repeat

from .audio import open_audio
from .cia import CIA1, CIA2, RUN_STOP
from .cpu import CPU, MachineStop
from .kernal import Kernal, build_basic_rom, build_kernal_rom
from .kernal_ram import NDX
from ..inputs import read_limited
from .loader import BASIC_START, MAX_PRG_BYTES, Disk, LoadError, parse_prg, sys_address
from .memory import Memory
from .petscii import keys_for_text, screen_code_to_text
from .screen_editor import ScreenEditor
from .sid import SID
from .vic import COLUMNS, ROWS, VIC

SLICE = 1000                    # instructions between device updates
RASTER_SLICE = 20               # ... while the raster interrupt is enabled (about one line)
MAX_INSTRUCTION_CYCLES = 7      # longest 6502 instruction, so a slice of n never passes n*7
READY_RETURN = 0xA474 - 1       # what SYS leaves on the stack: RTS lands on BASIC's READY
PROGRAM_STACK = 0xF6            # stack pointer a program started by RUN/SYS sees
BANNER = "\x93\r        **** SOULTERM 64 ****\r\r HIGH-LEVEL KERNAL, NO BASIC\r\rREADY.\r"
INTERNAL_ERROR = "internal error in soulterm's C64"      # a crash message that marks a soulterm bug
RUN_STOP_HOLD_CYCLES = 98_525   # how long RUN/STOP stays down for RUN/STOP+RESTORE: 0.1 s
# keys typed as {name} in type_text: the RESTORE key, alone or with RUN/STOP held
RESTORE, RUN_STOP_RESTORE = -1, -2
SPECIAL_KEYS = {"restore": RESTORE, "run/stop+restore": RUN_STOP_RESTORE}


class StopReason(str, enum.Enum):
    """Why `C64.run` returned; compares equal to its string value."""

    IDLE = "idle"
    MAX_CYCLES = "max-cycles"
    HALTED = "halted"
    BREAKPOINT = "breakpoint"

    def __str__(self) -> str:
        return self.value


class C64:
    """A headless C64; see docs/CONTRACTS.md for what other parts rely on."""

    def __init__(self, sound: bool = False):
        self.memory = Memory(build_basic_rom(), build_kernal_rom())
        self.vic = VIC(self.memory)
        self.sid = SID(self.memory)
        self.cia1 = CIA1(self.memory)
        self.cia2 = CIA2(self.memory, self.vic)
        self.editor = ScreenEditor(self.memory, self.vic)
        self.kernal = Kernal(self.memory, self.editor, self.vic, self.cia1, self.cia2, self.sid,
                             find_file=self.disk_file, disk_present=lambda: self.disk is not None)
        self.cpu = CPU(self.memory.view, self._bus_write, self.kernal.trap, self._io_read)
        self.kernal.attach(self.cpu)
        self.memory.io_write = self._io_write
        self.disk: Disk | None = None           # mounted D64, for the KERNAL's LOAD
        self.run_stop_release = None            # cycle at which a held RUN/STOP goes up
        self.halted = False                     # run() returns 'halted' until a program is loaded
        self.crashed = False                    # ... because the program crashed
        self.stop_message = ""                  # why the machine halted or crashed
        self.last_stop: StopReason | None = None
        self._dma_accounted = 0                 # real cycle up to which badline DMA is counted
        self.sound_notice: str | None = None    # one line for the user when sound is off
        if sound:
            self.sid.audio, self.sound_notice = open_audio()
        self.reset()

    # -- wiring -----------------------------------------------------------------

    def _bus_write(self, addr: int, value: int) -> None:
        self.memory.write(addr, value)
        self.cpu.plain_below = self.memory.plain_below      # $01 may have changed the map

    def _io_write(self, addr: int, value: int) -> None:
        if addr < 0xD800 or addr >= 0xDC00:
            self._account_dma()                             # chips see the real time; $D011 may change DEN
        cycle = self.cpu.processorCycles
        if addr < 0xD400:
            self.vic.write(addr & 0x3F, value)
        elif addr < 0xD800:
            self.sid.write(addr & 0x1F, value, cycle)
            self.memory.set_io_byte(addr, value)
        elif addr < 0xDC00:
            self.memory.set_io_byte(addr, value & 0x0F)
        elif addr < 0xDD00:
            self.cia1.write(addr & 0x0F, value, cycle)
        elif addr < 0xDE00:
            self.cia2.write(addr & 0x0F, value, cycle)
        else:
            self.memory.set_io_byte(addr, value)            # expansion port: nothing there

    def _io_read(self, addr: int) -> None:
        """Bring a time-dependent register up to date just before the CPU reads it."""
        if self.memory.areas[1] != "io":
            return
        if 0xD000 <= addr < 0xD400 and addr & 0x3F in (0x11, 0x12, 0x19):
            self._account_dma()
            self.vic.advance(self.cpu.processorCycles + 3)  # the read is the 4th cycle
        elif 0xDC00 <= addr < 0xDD00 and addr & 0x0F in (0x04, 0x05, 0x0D):
            self._account_dma()
            self.cia1.advance(self.cpu.processorCycles + 3)

    def _account_dma(self) -> None:
        """Add the cycles badline DMA took since the last call to the cycle count (vic.py)."""
        cpu = self.cpu
        now = cpu.processorCycles
        if now != self._dma_accounted:
            now = cpu.processorCycles = self.vic.cpu_time_to_real(self._dma_accounted, now)
            self._dma_accounted = now

    def _pass_time(self, cycle: int) -> None:
        """Let real time pass to `cycle` with the CPU waiting (no DMA to add)."""
        self._account_dma()
        if cycle > self.cpu.processorCycles:
            self.cpu.processorCycles = self._dma_accounted = cycle

    @property
    def waiting_for_input(self) -> bool:
        """In CHRIN/GETIN with nothing to read."""
        return self.kernal.waiting_for_input

    @waiting_for_input.setter
    def waiting_for_input(self, value: bool) -> None:
        self.kernal.waiting_for_input = value

    # -- power and programs --------------------------------------------------------

    def reset(self) -> None:
        """Power on: every chip's own reset, the KERNAL's start-up, banner shown, halted at READY."""
        self.memory.reset()
        cpu = self.cpu
        cpu.reset()
        self._dma_accounted = 0
        cpu.plain_below = self.memory.plain_below
        cpu.sp = 0xFF
        cpu.p |= 0x04                                       # interrupts off until a program runs
        self.vic.reset()
        self.sid.reset()
        self.cia1.reset()
        self.cia2.reset()
        self.editor.reset()
        self.run_stop_release = None
        self.kernal.reset()                                 # vectors, memory bounds, IOINIT, CINT
        for char in BANNER:
            self.editor.put(ord(char))
        self.vic.border_changes = 0
        cpu.pc = READY_RETURN + 1
        self.halted = True
        self.crashed = False
        self.stop_message = "no program is running"
        self.last_stop = None

    def load_prg(self, data: bytes, what: str = "program") -> int:
        """Load a PRG into RAM and start it as RUN would; returns the start address."""
        load, body = parse_prg(bytes(data), what)
        start = sys_address(load, body)
        if start is None:
            if load == 0x0801:
                raise LoadError(f"{what} is a BASIC program without a SYS line; "
                                "soulterm has no BASIC interpreter")
            start = load
        self.memory.write_ram(load, body)
        end = (load + len(body)) & 0xFFFF                    # a program ending at $FFFF leaves VARTAB $0000
        ram = self.memory.view
        ram[0x2D], ram[0x2E] = end & 0xFF, end >> 8          # VARTAB: end of program, as LOAD sets it
        ram[0xAE], ram[0xAF] = end & 0xFF, end >> 8
        self._start(start)
        return start

    def run_again(self) -> int:
        """RUN typed at READY: start the BASIC program in memory (from $0801 up to
        VARTAB, whatever the last program left there) at its SYS line, as LOAD and RUN
        did; returns the start address. LoadError when the program has no SYS line."""
        ram = self.memory.view
        end = ram[0x2D] | ram[0x2E] << 8                     # VARTAB: the program's end
        body = bytes(ram[BASIC_START:max(end, BASIC_START)])
        start = sys_address(BASIC_START, body)
        if start is None:
            raise LoadError("the BASIC program in memory has no SYS line; soulterm has no BASIC interpreter")
        self._start(start)
        return start

    def _start(self, address: int) -> None:
        cpu = self.cpu
        cpu.sp = PROGRAM_STACK
        cpu.push(READY_RETURN >> 8)
        cpu.push(READY_RETURN & 0xFF)
        cpu.a = cpu.x = cpu.y = 0
        cpu.p = 0x20                                         # interrupts on, as after RUN
        cpu.pc = address
        self.halted = False
        self.crashed = False
        self.stop_message = ""
        self.waiting_for_input = False
        self.kernal.empty_polls = 0

    def load_file(self, path, name: str | None = None) -> int:
        """Load and start a .prg, or a file from a .d64 (the first PRG, or `name`)."""
        path = os.fspath(path)
        if not os.path.exists(path):
            raise LoadError(f"no such file: {path}")
        if os.path.isdir(path):
            raise LoadError(f"{path} is a directory, not a program")
        if path.lower().endswith(".d64"):
            disk = Disk(path)
            file = disk.find(name)
            if file.kind != "PRG":
                raise LoadError(f"{file.display_name} on {disk.path.name} is a {file.kind} file, not a program")
            self.disk = disk
            return self.load_prg(file.data, f"{file.display_name} on {disk.path.name}")
        if name is not None:
            raise LoadError("a file name only chooses a program on a .d64 disk")
        data = read_limited(path, MAX_PRG_BYTES, "program", LoadError)
        return self.load_prg(data, os.path.basename(path))

    def mount(self, path) -> Disk:
        """Insert a D64 in drive 8 for the KERNAL's LOAD."""
        self.disk = Disk(path)
        return self.disk

    def disk_file(self, name: bytes) -> bytes | None:
        """A PRG's bytes from the mounted disk by name, None if absent (KERNAL LOAD)."""
        if self.disk is None:
            return None
        try:
            return self.disk.find(name).data
        except LoadError:
            return None

    # -- the keyboard -------------------------------------------------------------------

    def type_text(self, text: str) -> None:
        """Type `text` on the keyboard ("\\n" or "\\r" is RETURN); ValueError if a key does not exist.

        `{restore}` and `{run/stop+restore}` press RESTORE (alone, or while
        holding RUN/STOP) once the keys typed before them have been read.
        """
        codes = []
        for position, part in enumerate(re.split(r"(\{[^}]*\})", text)):
            if position % 2:
                name = part[1:-1].strip().lower()
                if name not in SPECIAL_KEYS:
                    raise ValueError(f"unknown key {part}: the keys in braces are "
                                     + " and ".join("{" + key + "}" for key in SPECIAL_KEYS))
                codes.append(SPECIAL_KEYS[name])
            else:
                codes.extend(keys_for_text(part))
        self.type_petscii(codes)

    def type_line(self, text: str) -> None:
        self.type_text(text + "\r")

    def type_petscii(self, codes) -> None:
        """Queue raw PETSCII key codes (cursor keys, colours, ...; RESTORE, RUN_STOP_RESTORE) to type."""
        self.kernal.pending_keys.extend(code if code < 0 else code & 0xFF for code in codes)
        if not self.cpu.p & 0x04:
            self.kernal.feed_keyboard()                     # the 60 Hz scan would pick them up
        self.waiting_for_input = False

    def press_restore(self, run_stop: bool = False) -> None:
        """Press RESTORE now (NMI at the next instruction), optionally with RUN/STOP held down.

        On a halted machine (at READY.) RUN/STOP+RESTORE does the KERNAL's
        warm start at once: I/O defaults, a cleared screen, READY.
        """
        if run_stop:
            self.cia1.keys_down.add(RUN_STOP)
            self.cia1.scan_keyboard()
            self.run_stop_release = self.cpu.processorCycles + RUN_STOP_HOLD_CYCLES
        if self.halted:
            if run_stop:
                self.kernal.warm_start()
                self.kernal.show_ready()
                self.crashed = False
                self.stop_message = "RUN/STOP+RESTORE: back at READY."
            return
        self.cpu.nmi()
        self.waiting_for_input = False

    def _restore_due(self) -> bool:
        """Press a typed RESTORE once every key typed before it has been read; True if pressed."""
        keys = self.kernal.pending_keys
        if keys and keys[0] < 0 and self.memory.view[NDX] == 0 and self.editor.line is None:
            self.press_restore(run_stop=keys.pop(0) == RUN_STOP_RESTORE)
            return True
        return False

    # -- running ----------------------------------------------------------------------

    @property
    def cycles(self) -> int:
        return self.cpu.processorCycles

    def run(self, max_cycles: int | None = None, until_idle: bool = False,
            breakpoints=()) -> StopReason:
        """Run until a stop reason (module doc); returns it and remembers it in `last_stop`."""
        reason = self._run(max_cycles, until_idle, breakpoints)
        self.last_stop = reason
        return reason

    def _run(self, max_cycles, until_idle, breakpoints) -> StopReason:
        if self.halted:
            return StopReason.HALTED
        cpu = self.cpu
        step = cpu.step
        target = None if max_cycles is None else cpu.processorCycles + max(0, int(max_cycles))
        self.kernal.stop_when_waiting = until_idle
        watch = frozenset(breakpoints)
        if until_idle and self.waiting_for_input and not self.kernal.keys_left:
            return StopReason.IDLE
        self._account_dma()
        while True:
            chunk = RASTER_SLICE if self.vic.regs[0x1A] & 1 else SLICE
            if target is not None:
                now = cpu.processorCycles
                if target <= now:
                    return StopReason.MAX_CYCLES
                own = self.vic.cpu_cycles_between(now, target)   # what DMA leaves the CPU
                chunk = max(1, min(chunk, own // MAX_INSTRUCTION_CYCLES))
            try:
                if watch:
                    for _ in repeat(None, chunk):
                        step()
                        if cpu.pc in watch:
                            self._tick()
                            return StopReason.BREAKPOINT
                else:
                    for _ in repeat(None, chunk):
                        step()
            except MachineStop as stop:
                if stop.reason == "waiting":
                    self.kernal.feed_keyboard()
                    if self._restore_due() or self.kernal.keys_left:
                        continue                    # more typed keys fitted into the buffer
                return self._stopped(stop, target, until_idle)
            except (IndexError, ValueError, KeyError, TypeError, OverflowError) as exc:
                # A KERNAL routine met a state it does not handle: stop this program, keep the
                # emulator alive, and say so (the fuzz tests assert this never happens).
                return self._stopped(MachineStop("crashed", f"{INTERNAL_ERROR} at ${cpu.pc:04X}: "
                                                 f"{type(exc).__name__}: {exc}"), target, until_idle)
            if self._tick():
                return StopReason.HALTED

    def _stopped(self, stop: MachineStop, target, until_idle) -> StopReason:
        if stop.reason == "waiting":
            if until_idle or target is None:
                self._tick()
                return StopReason.IDLE
            self._pass_time(target)
            self._tick()
            return StopReason.MAX_CYCLES
        self.halted = True
        self.crashed = stop.reason == "crashed"
        self.stop_message = stop.message
        return StopReason.HALTED

    def _tick(self) -> bool:
        """Bring the chips up to the current cycle and deliver interrupts; True if it halted."""
        cpu = self.cpu
        self._account_dma()
        cycle = cpu.processorCycles
        raster_irq = self.vic.advance(cycle)
        self.cia1.advance(cycle)
        self.sid.advance(cycle)
        kernal = self.kernal
        kernal.update_clock()
        if self.run_stop_release is not None and cycle >= self.run_stop_release:
            self.run_stop_release = None
            self.cia1.keys_down.discard(RUN_STOP)
            self.cia1.scan_keyboard()
        if kernal.pending_keys and self._restore_due():
            return False
        if not cpu.p & 0x04:
            kernal.feed_keyboard()                          # keys are scanned only with interrupts on
        if not cpu.p & 0x04 and (raster_irq or self.cia1.irq_pending):
            self.cia1.irq_pending = False
            cpu.irq()
            return False
        view = self.memory.view
        pc = cpu.pc
        if view[pc] == 0x4C and view[(pc + 1) & 0xFFFF] | (view[(pc + 2) & 0xFFFF] << 8) == pc:
            hooked = (view[0x0314] | (view[0x0315] << 8)) != 0xEA31 or self.vic.regs[0x1A] & 0x0F
            if cpu.p & 0x04 or not hooked:
                self.halted = True
                self.stop_message = f"the program ended in an endless loop (JMP ${pc:04X} to itself)"
                return True
        return False

    def step(self) -> StopReason:
        """Execute exactly one instruction (plus the device update after it)."""
        return self.run(max_cycles=1)

    # -- what the UI and tests observe ------------------------------------------------

    @property
    def ram(self) -> bytearray:
        """The live 64 KB the CPU sees: RAM, except where ROM/I-O is banked in ($01).

        The RAM hidden under banked-in areas is `memory.ram_at(addr)` /
        `memory.ram_slice(start, end)`.
        """
        return self.memory.view

    def read(self, addr: int) -> int:
        """What the CPU reads at `addr` now (RAM, ROM or I/O as banked), without side effects."""
        return self.memory.view[addr & 0xFFFF]

    peek = read

    @property
    def border_changes(self) -> int:
        return self.vic.border_changes

    @property
    def cursor(self) -> tuple[int, int]:
        """(row, column) of the screen editor's cursor."""
        return self.editor.row, self.editor.column

    def screen_lines(self) -> list[str]:
        """The 25 screen rows as 40-character strings (reverse video shown as the plain glyph)."""
        codes = self.vic.screen_codes()
        lowercase = self.vic.lowercase
        return ["".join(screen_code_to_text(code, lowercase) for code in codes[row * COLUMNS:(row + 1) * COLUMNS])
                for row in range(ROWS)]

    def set_muted(self, muted: bool) -> None:
        """Mute or unmute the SID's sound (writes are still recorded)."""
        if self.sid.audio is not None:
            self.sid.audio.muted = muted

    def close(self) -> None:
        if self.sid.audio is not None:
            self.sid.audio.close()
            self.sid.audio = None
