"""A high-level KERNAL: the C64's jump table, done in Python (no Commodore ROM is shipped).

ROM images
    `build_kernal_rom()` makes the 8 KB at $E000-$FFFF: the standard jump
    table ($FF81-$FFF5, `JMP routine` or `JMP (RAM vector)` exactly where
    programs expect them), the hardware vectors at $FFFA-$FFFF, and real
    6502 code for the interrupt entry ($FF48: save registers, BRK check,
    JMP ($0314)) and exit ($EA81: restore registers, RTI). Every routine
    address holds the trap opcode $02 (cpu.py), as does every unused byte,
    so a jump into nothing stops with a clear message.
    `build_basic_rom()` makes $A000-$BFFF: the cold/warm start vectors,
    BASIC's READY entry points (which stop the machine as 'halted' after
    printing READY.), STROUT ($AB1E) and LINPRT ($BDCD); there is no BASIC
    interpreter.

Entry points (all return like RTS; C clear on success)
    CINT IOINIT RAMTAS RESTOR VECTOR SETMSG MEMTOP MEMBOT SCNKEY READST
    SETLFS SETNAM OPEN CLOSE CHKIN CHKOUT CLRCHN CLALL (no-ops that set the
    usual RAM locations: input is always the keyboard, output the screen),
    CHRIN (screen line editor), CHROUT, GETIN, LOAD (from the mounted
    disk), SAVE (C set, "device not present"), SETTIM RDTIM UDTIM (jiffy
    clock derived from the cycle count), STOP (never pressed), SCREEN,
    PLOT, IOBASE, the serial-bus calls (no devices: ST = $80), and the
    screen-editor internals $E544 (clear), $E566 (home), $E716 (print A).
    CHROUT, CHRIN, GETIN, OPEN, CLOSE, CHKIN, CHKOUT, CLRCHN, CLALL, STOP,
    LOAD and SAVE go through their RAM vectors ($031A-$0333) as on the C64,
    so a program can hook them.

Waiting for input
    CHRIN with no key typed, and GETIN finding the buffer empty twice in a
    row less than IDLE_POLL_CYCLES apart (a wait loop; a busy program that
    checks for a key now and then is not waiting), mark the machine as
    waiting for input; in run(until_idle=True)
    that stops the machine there (CHRIN resumes where it left off).
"""

from __future__ import annotations

from .cpu import TRAP_OPCODE, MachineStop
from .memory import ROM

CYCLES_PER_JIFFY = 16421            # PAL: 985248 Hz / 60
JIFFIES_PER_DAY = 5184000
IDLE_POLL_CYCLES = 20000            # empty GETINs closer than this (~1/50 s) mean "waiting for a key"

# Jump table: entry -> (name, target, indirect?)
JUMP_TABLE = {
    0xFF81: ("CINT", 0xFF5B, False), 0xFF84: ("IOINIT", 0xFDA3, False),
    0xFF87: ("RAMTAS", 0xFD50, False), 0xFF8A: ("RESTOR", 0xFD15, False),
    0xFF8D: ("VECTOR", 0xFD1A, False), 0xFF90: ("SETMSG", 0xFE18, False),
    0xFF93: ("SECOND", 0xEDB9, False), 0xFF96: ("TKSA", 0xEDC7, False),
    0xFF99: ("MEMTOP", 0xFE25, False), 0xFF9C: ("MEMBOT", 0xFE34, False),
    0xFF9F: ("SCNKEY", 0xEA87, False), 0xFFA2: ("SETTMO", 0xFE21, False),
    0xFFA5: ("ACPTR", 0xEE13, False), 0xFFA8: ("CIOUT", 0xEDDD, False),
    0xFFAB: ("UNTLK", 0xEDEF, False), 0xFFAE: ("UNLSN", 0xEDFE, False),
    0xFFB1: ("LISTEN", 0xED0C, False), 0xFFB4: ("TALK", 0xED09, False),
    0xFFB7: ("READST", 0xFE07, False), 0xFFBA: ("SETLFS", 0xFE00, False),
    0xFFBD: ("SETNAM", 0xFDF9, False), 0xFFC0: ("OPEN", 0x031A, True),
    0xFFC3: ("CLOSE", 0x031C, True), 0xFFC6: ("CHKIN", 0x031E, True),
    0xFFC9: ("CHKOUT", 0x0320, True), 0xFFCC: ("CLRCHN", 0x0322, True),
    0xFFCF: ("CHRIN", 0x0324, True), 0xFFD2: ("CHROUT", 0x0326, True),
    0xFFD5: ("LOAD", 0xF49E, False), 0xFFD8: ("SAVE", 0xF5DD, False),
    0xFFDB: ("SETTIM", 0xF6E4, False), 0xFFDE: ("RDTIM", 0xF6DD, False),
    0xFFE1: ("STOP", 0x0328, True), 0xFFE4: ("GETIN", 0x032A, True),
    0xFFE7: ("CLALL", 0x032C, True), 0xFFEA: ("UDTIM", 0xF69B, False),
    0xFFED: ("SCREEN", 0xE505, False), 0xFFF0: ("PLOT", 0xE50A, False),
    0xFFF3: ("IOBASE", 0xE500, False),
}
# Jump-table address by routine name (for debuggers and tests)
ENTRY = {name: address for address, (name, _target, _indirect) in JUMP_TABLE.items()}

# RAM vectors RESTOR sets: address -> routine in ROM
RAM_VECTORS = {
    0x0314: 0xEA31, 0x0316: 0xFE66, 0x0318: 0xFE47, 0x031A: 0xF34A, 0x031C: 0xF291,
    0x031E: 0xF20E, 0x0320: 0xF250, 0x0322: 0xF333, 0x0324: 0xF157, 0x0326: 0xF1CA,
    0x0328: 0xF6ED, 0x032A: 0xF13E, 0x032C: 0xF32F, 0x032E: 0xFE66, 0x0330: 0xF4A5,
    0x0332: 0xF5ED,
}
BASIC_VECTORS = {0x0300: 0xE38B, 0x0302: 0xA483, 0x0304: 0xA57C, 0x0306: 0xA71A,
                 0x0308: 0xA7E4, 0x030A: 0xAE86}

IRQ_ENTRY = 0xFF48
IRQ_EXIT = 0xEA81
NMI_ENTRY = 0xFE43
RESET_ENTRY = 0xFCE2
BASIC_COLD, BASIC_WARM = 0xE394, 0xE37B
READY_ENTRIES = (0xA474, 0xA483, BASIC_WARM, BASIC_COLD)
STROUT, LINPRT = 0xAB1E, 0xBDCD

# zero page and system area the routines keep up to date
STATUS, VERCK, FNLEN, LA, SA, FA, FNADR = 0x90, 0x93, 0xB7, 0xB8, 0xB9, 0xBA, 0xBB
DFLTN, DFLTO, MSGFLG, TIME = 0x99, 0x9A, 0x9D, 0xA0
MEMUSS, EAL = 0xC3, 0xAE
TXTTAB, MEMSIZ_BASIC = 0x2B, 0x37
MEMSTR, MEMSIZ = 0x0281, 0x0283


def build_kernal_rom() -> bytes:
    rom = bytearray([TRAP_OPCODE]) * 0x2000

    def put(address: int, data: bytes) -> None:
        rom[address - 0xE000:address - 0xE000 + len(data)] = data

    for entry, (_name, target, indirect) in JUMP_TABLE.items():
        put(entry, bytes([0x6C if indirect else 0x4C, target & 0xFF, target >> 8]))
    # IRQ/BRK entry: PHA TXA PHA TYA PHA TSX LDA $0104,X AND #$10 BEQ +3 JMP ($0316) JMP ($0314)
    put(IRQ_ENTRY, bytes([0x48, 0x8A, 0x48, 0x98, 0x48, 0xBA, 0xBD, 0x04, 0x01, 0x29, 0x10,
                          0xF0, 0x03, 0x6C, 0x16, 0x03, 0x6C, 0x14, 0x03]))
    # interrupt exit: PLA TAY PLA TAX PLA RTI
    put(IRQ_EXIT, bytes([0x68, 0xA8, 0x68, 0xAA, 0x68, 0x40]))
    put(NMI_ENTRY, bytes([0x40]))                       # no NMIs are raised: RTI
    put(0xFE47, bytes([0x40]))
    for vector, target in ((0xFFFA, NMI_ENTRY), (0xFFFC, RESET_ENTRY), (0xFFFE, IRQ_ENTRY)):
        put(vector, bytes([target & 0xFF, target >> 8]))
    return bytes(rom)


def build_basic_rom() -> bytes:
    rom = bytearray([TRAP_OPCODE]) * 0x2000
    rom[0:4] = bytes([BASIC_COLD & 0xFF, BASIC_COLD >> 8, BASIC_WARM & 0xFF, BASIC_WARM >> 8])
    return bytes(rom)


class Kernal:
    """Trap handlers for the ROM routines; `host` is the C64 that wires everything."""

    def __init__(self, host):
        self.host = host
        self.cpu = None                     # set by attach()
        self.editor = host.editor
        self.ram = host.memory.view
        self.pending_keys: list[int] = []   # typed keys not yet in the 10-key buffer
        self.empty_polls = 0                # consecutive GETINs that found nothing
        self.last_empty_poll = -IDLE_POLL_CYCLES    # cycle of the last one
        self.jiffy_base = 0                 # jiffy count at cycle `jiffy_cycle`
        self.jiffy_cycle = 0
        self.traps = self._trap_table()

    def attach(self, cpu) -> None:
        self.cpu = cpu

    def _trap_table(self) -> dict:
        named = {
            "CINT": self.cint, "IOINIT": self.ioinit, "RAMTAS": self.ramtas,
            "RESTOR": self.restor, "VECTOR": self.vector, "SETMSG": self.setmsg,
            "MEMTOP": self.memtop, "MEMBOT": self.membot, "SCNKEY": self.scnkey,
            "READST": self.readst, "SETLFS": self.setlfs, "SETNAM": self.setnam,
            "LOAD": self.load_entry, "SAVE": self.save_entry, "SETTIM": self.settim,
            "RDTIM": self.rdtim, "UDTIM": self.udtim, "SCREEN": self.screen,
            "PLOT": self.plot, "IOBASE": self.iobase,
        }
        for name in ("SECOND", "TKSA", "ACPTR", "CIOUT", "UNTLK", "UNLSN", "LISTEN", "TALK", "SETTMO"):
            named[name] = self.serial_bus
        traps = {}
        for _entry, (name, target, indirect) in JUMP_TABLE.items():
            if not indirect:
                traps[target] = named[name]
        vectored = {
            0x031A: self.open, 0x031C: self.close, 0x031E: self.chkin, 0x0320: self.chkout,
            0x0322: self.clrchn, 0x0324: self.chrin, 0x0326: self.chrout, 0x0328: self.stop,
            0x032A: self.getin, 0x032C: self.clall, 0x0330: self.load, 0x0332: self.save,
        }
        for vector, handler in vectored.items():
            traps[RAM_VECTORS[vector]] = handler
        traps[0xEA31] = self.irq_default
        traps[0xEA7E] = self.irq_default
        traps[0xFE66] = self.brk
        traps[RESET_ENTRY] = self.reset_entry
        traps[0xE544] = self.clear_screen
        traps[0xE566] = self.home
        traps[0xE716] = self.print_a
        for address in READY_ENTRIES:
            traps[address] = self.ready
        traps[STROUT] = self.strout
        traps[LINPRT] = self.linprt
        return traps

    # -- dispatch -------------------------------------------------------------------

    def trap(self, address: int) -> None:
        """Called by the CPU for opcode $02 at `address`."""
        handler = self.traps.get(address)
        kind = self.host.memory.area_kind(address)
        if handler is None or kind != ROM:
            self.cpu.pc = address
            if kind == ROM:
                area = "BASIC" if address < 0xC000 else "KERNAL"
                raise MachineStop("crashed", f"jumped to ${address:04X} in the {area} ROM, "
                                  "where soulterm's KERNAL has no routine")
            raise MachineStop("crashed", f"JAM opcode $02 at ${address:04X}")
        handler()

    def _return(self) -> None:
        self.cpu.return_from_subroutine()

    def _ok(self) -> None:
        self.cpu.set_carry(False)
        self._return()

    # -- keyboard ---------------------------------------------------------------------

    def feed_keyboard(self) -> None:
        """Move typed keys into the buffer while it has room, as the keyboard scan would."""
        if not self.pending_keys:
            return
        ram = self.ram
        room = min(ram[0x0289] or 10, 10) - ram[0xC6]
        while room > 0 and self.pending_keys:
            ram[0x0277 + ram[0xC6]] = self.pending_keys.pop(0)
            ram[0xC6] += 1
            room -= 1

    @property
    def keys_left(self) -> bool:
        return bool(self.pending_keys) or self.ram[0xC6] > 0

    def _wait_for_input(self, address: int) -> None:
        """Nothing to read: block at `address` (the CPU re-enters the routine on resume)."""
        self.host.waiting_for_input = True
        self.cpu.pc = address
        raise MachineStop("waiting")

    # -- screen I/O --------------------------------------------------------------------

    def chrout(self) -> None:
        self.empty_polls = 0
        if self.ram[DFLTO] == 3:
            self.editor.put(self.cpu.a)
        self._ok()

    def chrin(self) -> None:
        self.empty_polls = 0
        self.feed_keyboard()
        char = self.editor.read_char()
        if char is None:
            self._wait_for_input(RAM_VECTORS[0x0324])
        self.host.waiting_for_input = False
        self.cpu.a = char
        self.cpu.set_zero(char == 0)
        self._ok()

    def getin(self) -> None:
        self.feed_keyboard()
        key = self.editor.take_key()
        if key is None:
            now = self.cpu.processorCycles
            # a wait loop polls again soon; a busy program checking for a key now and then does not
            self.empty_polls = self.empty_polls + 1 if now - self.last_empty_poll < IDLE_POLL_CYCLES else 1
            self.last_empty_poll = now
            if self.empty_polls >= 2:
                self.host.waiting_for_input = True
                if self.host.stop_when_waiting:
                    self.empty_polls = 1
                    self._wait_for_input(RAM_VECTORS[0x032A])
            key = 0
        else:
            self.empty_polls = 0
            self.host.waiting_for_input = False
        self.cpu.a = key
        self.cpu.set_zero(key == 0)
        self._ok()

    def scnkey(self) -> None:
        self.feed_keyboard()
        self._return()

    def stop(self) -> None:
        self.cpu.set_zero(False)            # RUN/STOP is never down
        self.cpu.a = 0xFF
        self._ok()

    def screen(self) -> None:
        self.cpu.x, self.cpu.y = 40, 25
        self._return()

    def plot(self) -> None:
        cpu, editor = self.cpu, self.editor
        if cpu.p & 1:
            cpu.x, cpu.y = editor.row, editor.column
            self._return()
        else:
            editor.set_cursor(cpu.x, cpu.y)
            self._ok()

    def iobase(self) -> None:
        self.cpu.x, self.cpu.y = 0x00, 0xDC
        self._return()

    def clear_screen(self) -> None:
        self.editor.clear()
        self._return()

    def home(self) -> None:
        self.editor.set_cursor(0, 0)
        self._return()

    def print_a(self) -> None:
        self.editor.put(self.cpu.a)
        self._ok()

    def strout(self) -> None:
        address = self.cpu.a | (self.cpu.y << 8)
        memory = self.host.memory
        for offset in range(256):
            code = memory.view[(address + offset) & 0xFFFF]
            if code == 0:
                break
            self.editor.put(code)
        self._return()

    def linprt(self) -> None:
        for char in str(self.cpu.x | (self.cpu.a << 8)):
            self.editor.put(ord(char))
        self._return()

    # -- initialisation ---------------------------------------------------------------

    def cint(self) -> None:
        self.init_screen()
        self._return()

    def init_screen(self) -> None:
        ram = self.ram
        ram[0x0288] = 0x04                  # screen at $0400
        ram[0x0286] = 14                    # light blue text
        ram[0x0289] = 10                    # keyboard buffer size
        ram[0xC6] = 0
        ram[0xC7] = 0
        ram[0xD4] = 0
        ram[0x0291] = 0
        ram[DFLTN], ram[DFLTO] = 0, 3
        vic = self.host.vic
        vic.write(0x11, 0x1B)
        vic.write(0x18, 0x15)
        vic.write(0x20, 14)
        vic.write(0x21, 6)
        self.editor.line = None
        self.editor.input_active = False
        self.editor.clear()

    def ioinit(self) -> None:
        self.init_io()
        self._return()

    def init_io(self) -> None:
        host = self.host
        host.cia1.reset()
        host.cia2.reset()
        cycle = host.cpu.processorCycles if host.cpu else 0
        host.cia1.write(0x04, CYCLES_PER_JIFFY & 0xFF, cycle)
        host.cia1.write(0x05, CYCLES_PER_JIFFY >> 8, cycle)
        host.cia1.write(0x0D, 0x81, cycle)
        host.cia1.write(0x0E, 0x11, cycle)

    def ramtas(self) -> None:
        ram = self.ram
        ram[2:0x0100] = bytes(0xFE)
        ram[0x0200:0x0400] = bytes(0x200)
        self.set_memory_bounds()
        ram[0x0288] = 0x04
        self._return()

    def set_memory_bounds(self) -> None:
        ram = self.ram
        ram[MEMSTR], ram[MEMSTR + 1] = 0x00, 0x08
        ram[MEMSIZ], ram[MEMSIZ + 1] = 0x00, 0xA0
        ram[TXTTAB], ram[TXTTAB + 1] = 0x01, 0x08
        ram[MEMSIZ_BASIC], ram[MEMSIZ_BASIC + 1] = 0x00, 0xA0

    def restor(self) -> None:
        self.restore_vectors()
        self._return()

    def restore_vectors(self) -> None:
        ram = self.ram
        for vector, target in {**RAM_VECTORS, **BASIC_VECTORS}.items():
            ram[vector], ram[vector + 1] = target & 0xFF, target >> 8

    def vector(self) -> None:
        cpu, ram = self.cpu, self.ram
        table = cpu.x | (cpu.y << 8)
        memory = self.host.memory
        for offset in range(0x20):
            if cpu.p & 1:       # C set: copy the vectors out to the user's table
                memory.set_ram(table + offset, ram[0x0314 + offset])
            else:
                ram[0x0314 + offset] = memory.view[(table + offset) & 0xFFFF]
        self._return()

    def setmsg(self) -> None:
        self.ram[MSGFLG] = self.cpu.a
        self._return()

    def memtop(self) -> None:
        self._bound(MEMSIZ)

    def membot(self) -> None:
        self._bound(MEMSTR)

    def _bound(self, where: int) -> None:
        cpu, ram = self.cpu, self.ram
        if cpu.p & 1:
            cpu.x, cpu.y = ram[where], ram[where + 1]
        else:
            ram[where], ram[where + 1] = cpu.x, cpu.y
        self._return()

    # -- files and channels -----------------------------------------------------------

    def readst(self) -> None:
        self.cpu.a = self.ram[STATUS]
        self.cpu.set_zero(self.cpu.a == 0)
        self._return()

    def setlfs(self) -> None:
        cpu, ram = self.cpu, self.ram
        ram[LA], ram[FA], ram[SA] = cpu.a, cpu.x, cpu.y
        self._return()

    def setnam(self) -> None:
        cpu, ram = self.cpu, self.ram
        ram[FNLEN], ram[FNADR], ram[FNADR + 1] = cpu.a, cpu.x, cpu.y
        self._return()

    def open(self) -> None:
        self._ok()

    def close(self) -> None:
        self._ok()

    def chkin(self) -> None:
        self._ok()

    def chkout(self) -> None:
        self._ok()

    def clrchn(self) -> None:
        self.ram[DFLTN], self.ram[DFLTO] = 0, 3
        self._return()

    def clall(self) -> None:
        self.ram[0x98] = 0                  # no open files
        self.clrchn()

    def serial_bus(self) -> None:
        self.ram[STATUS] = 0x80             # device not present
        self.cpu.a = 0
        self._return()

    def load_entry(self) -> None:
        """$F49E: remember X/Y as the load address, then go through ILOAD ($0330)."""
        cpu, ram = self.cpu, self.ram
        ram[MEMUSS], ram[MEMUSS + 1] = cpu.x, cpu.y
        ram[VERCK] = cpu.a
        cpu.pc = ram[0x0330] | (ram[0x0331] << 8)

    def load(self) -> None:
        """LOAD from the mounted disk: C clear and X/Y = end address + 1, or C set and A = error."""
        cpu, ram, memory = self.cpu, self.ram, self.host.memory
        name_at = ram[FNADR] | ram[FNADR + 1] << 8
        name = bytes(memory.view[(name_at + i) & 0xFFFF] for i in range(ram[FNLEN]))
        if not name:
            return self._fail(8)                            # MISSING FILE NAME
        if ram[FA] < 8:
            return self._fail(9)                            # ILLEGAL DEVICE NUMBER (tape)
        data = self.host.disk_file(name)
        if data is None:
            ram[STATUS] = 0x80 if self.host.disk is None else 0x42
            return self._fail(5 if self.host.disk is None else 4)
        if len(data) < 2:
            return self._fail(4)
        start = data[0] | (data[1] << 8)
        if ram[SA] == 0:
            start = ram[MEMUSS] | (ram[MEMUSS + 1] << 8)
        body = data[2:]
        end = (start + len(body)) & 0xFFFF                  # the load pointer wraps at $FFFF, as on the hardware
        if ram[VERCK] == 0:
            memory.write_ram(start, body)
        ram[STATUS] = 0x40                                  # end of file
        ram[EAL], ram[EAL + 1] = end & 0xFF, end >> 8
        cpu.x, cpu.y = end & 0xFF, end >> 8
        self._ok()

    def _fail(self, error: int) -> None:
        self.cpu.a = error
        self.cpu.set_carry(True)
        self._return()

    def save_entry(self) -> None:
        self.cpu.pc = self.ram[0x0332] | (self.ram[0x0333] << 8)

    def save(self) -> None:
        self._fail(5)                                       # DEVICE NOT PRESENT

    # -- the clock ----------------------------------------------------------------------

    def jiffies(self) -> int:
        cycles = self.host.cpu.processorCycles
        return (self.jiffy_base + (cycles - self.jiffy_cycle) // CYCLES_PER_JIFFY) % JIFFIES_PER_DAY

    def update_clock(self) -> None:
        """Write the jiffy clock into TIME ($A0-$A2, most significant first)."""
        value = self.jiffies()
        ram = self.ram
        ram[TIME], ram[TIME + 1], ram[TIME + 2] = value >> 16, (value >> 8) & 0xFF, value & 0xFF

    def set_clock(self, value: int) -> None:
        self.jiffy_base = value % JIFFIES_PER_DAY
        self.jiffy_cycle = self.host.cpu.processorCycles
        self.update_clock()

    def settim(self) -> None:
        cpu = self.cpu
        self.set_clock((cpu.y << 16) | (cpu.x << 8) | cpu.a)
        self._return()

    def rdtim(self) -> None:
        value = self.jiffies()
        self.update_clock()
        self.cpu.a, self.cpu.x, self.cpu.y = value & 0xFF, (value >> 8) & 0xFF, value >> 16
        self._return()

    def udtim(self) -> None:
        self.jiffy_base += 1
        self.update_clock()
        self._return()

    # -- interrupts, BRK, reset, BASIC ----------------------------------------------

    def irq_default(self) -> None:
        """$EA31: the KERNAL's interrupt work (keyboard, clock), then the register restore."""
        self.feed_keyboard()
        self.update_clock()
        self.host.cia1.irq_pending = False
        self.cpu.pc = IRQ_EXIT

    def brk(self) -> None:
        cpu = self.cpu
        stack = 0x100 + ((cpu.sp + 5) & 0xFF)
        low = self.ram[stack]
        high = self.ram[0x100 + ((cpu.sp + 6) & 0xFF)]
        address = ((high << 8) | low) - 2 & 0xFFFF
        cpu.pc = address
        raise MachineStop("crashed", f"BRK at ${address:04X} (the program jumped into empty memory "
                          "or hit a breakpoint instruction)")

    def reset_entry(self) -> None:
        raise MachineStop("halted", "the program reset the machine")

    def ready(self) -> None:
        """BASIC's READY: the program has returned to BASIC, so the machine halts."""
        editor = self.editor
        if editor.column != 0:
            editor.put(0x0D)
        for char in b"READY.\r":
            editor.put(char)
        raise MachineStop("halted", "the program returned to BASIC")
