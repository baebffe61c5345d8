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
    clock derived from the cycle count), STOP (Z set while RUN/STOP is
    down in the keyboard matrix; clears the key buffer then), SCREEN,
    PLOT, IOBASE, the serial-bus calls (no devices: ST = $80), and the
    screen-editor internals $E544 (clear), $E566 (home), $E716 (print A).
    CHROUT, CHRIN, GETIN, OPEN, CLOSE, CHKIN, CHKOUT, CLRCHN, CLALL, STOP,
    LOAD and SAVE go through their RAM vectors ($031A-$0333) as on the C64,
    so a program can hook them.

RESTORE (the NMI)
    $FFFA points at $FE43 (SEI, JMP ($0318)); $0318 holds $FE47, which
    saves A/X/Y as the real handler does and asks the machine whether
    RUN/STOP is down (CIA1's keyboard matrix). If it is: RESTOR, IOINIT
    (CIAs, the 6510 port back to BASIC+KERNAL+I/O, SID volume 0), the
    screen initialised and cleared, then BASIC's warm start: READY. (and
    the machine halts, there being no BASIC). If not: registers restored,
    RTI ($FEBC). A program can put its own handler in $0318.

Keyboard
    Typed keys wait in `pending_keys` and enter the 10-key buffer ($0277,
    count $C6) when the KERNAL scans the keyboard: its interrupt handler,
    SCNKEY, and CHRIN/GETIN when they find the buffer empty. The machine
    also scans between slices while interrupts are enabled (the 60 Hz
    interrupt would), never while they are off: a program that computes
    with SEI sees no new keys, as on the C64. The keys are not lost,
    though (a kindness: a real key released before the next scan is):
    they arrive with the next scan.

Waiting for input
    CHRIN with no key typed, and GETIN finding the buffer empty twice in a
    row less than IDLE_POLL_CYCLES apart (a wait loop; a busy program that
    checks for a key now and then is not waiting), mark the machine as
    waiting for input; in run(until_idle=True)
    that stops the machine there (CHRIN resumes where it left off).
"""

from __future__ import annotations

from .cpu import TRAP_OPCODE, MachineStop
from .kernal_ram import (
    CBINV, CINV, COLOR, DFLTN, DFLTO, EAL, FA, FNADR, FNLEN, HIBASE, ICHKIN, ICKOUT, ICLALL, ICLOSE, ICLRCH,
    IBASIN, IBSOUT, IGETIN, ILOAD, IOPEN, ISAVE, ISTOP, KEYBOARD_BUFFER_SIZE, KEYD, LA, LDTND, MEMSIZ,
    MEMSIZ_BASIC, MEMSTR, MEMUSS, MODE, MSGFLG, NDX, NMINV, QTSW, RVS, SA, STATUS, TIME, TXTTAB,
    USRCMD, VERCK, XMAX,
)
from .cia import RUN_STOP
from .memory import DEFAULT_DDR, DEFAULT_PORT, ROM

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
    0xFFBD: ("SETNAM", 0xFDF9, False), 0xFFC0: ("OPEN", IOPEN, True),
    0xFFC3: ("CLOSE", ICLOSE, True), 0xFFC6: ("CHKIN", ICHKIN, True),
    0xFFC9: ("CHKOUT", ICKOUT, True), 0xFFCC: ("CLRCHN", ICLRCH, True),
    0xFFCF: ("CHRIN", IBASIN, True), 0xFFD2: ("CHROUT", IBSOUT, True),
    0xFFD5: ("LOAD", 0xF49E, False), 0xFFD8: ("SAVE", 0xF5DD, False),
    0xFFDB: ("SETTIM", 0xF6E4, False), 0xFFDE: ("RDTIM", 0xF6DD, False),
    0xFFE1: ("STOP", ISTOP, True), 0xFFE4: ("GETIN", IGETIN, True),
    0xFFE7: ("CLALL", ICLALL, True), 0xFFEA: ("UDTIM", 0xF69B, False),
    0xFFED: ("SCREEN", 0xE505, False), 0xFFF0: ("PLOT", 0xE50A, False),
    0xFFF3: ("IOBASE", 0xE500, False),
}
# Jump-table address by routine name (for debuggers and tests)
ENTRY = {name: address for address, (name, _target, _indirect) in JUMP_TABLE.items()}

IRQ_ENTRY = 0xFF48
IRQ_EXIT = 0xEA81
NMI_ENTRY = 0xFE43                  # SEI, JMP ($0318)
NMI_HANDLER = 0xFE47                # $0318's ROM target: save registers, then the RUN/STOP check
NMI_CHECK = 0xFE4C                  # (trapped)
NMI_EXIT = 0xFEBC                   # PREND: restore registers, RTI
RESET_ENTRY = 0xFCE2

# RAM vectors RESTOR sets: address -> routine in ROM
RAM_VECTORS = {
    CINV: 0xEA31, CBINV: 0xFE66, NMINV: NMI_HANDLER, IOPEN: 0xF34A, ICLOSE: 0xF291,
    ICHKIN: 0xF20E, ICKOUT: 0xF250, ICLRCH: 0xF333, IBASIN: 0xF157, IBSOUT: 0xF1CA,
    ISTOP: 0xF6ED, IGETIN: 0xF13E, ICLALL: 0xF32F, USRCMD: 0xFE66, ILOAD: 0xF4A5,
    ISAVE: 0xF5ED,
}
BASIC_VECTORS = {0x0300: 0xE38B, 0x0302: 0xA483, 0x0304: 0xA57C, 0x0306: 0xA71A,
                 0x0308: 0xA7E4, 0x030A: 0xAE86}

BASIC_COLD, BASIC_WARM = 0xE394, 0xE37B
READY_ENTRIES = (0xA474, 0xA483, BASIC_WARM, BASIC_COLD)
STROUT, LINPRT = 0xAB1E, 0xBDCD



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
    put(NMI_ENTRY, bytes([0x78, 0x6C, NMINV & 0xFF, NMINV >> 8]))        # SEI, JMP ($0318)
    put(NMI_HANDLER, bytes([0x48, 0x8A, 0x48, 0x98, 0x48]))              # PHA TXA PHA TYA PHA
    put(NMI_EXIT, bytes([0x68, 0xA8, 0x68, 0xAA, 0x68, 0x40]))           # PLA TAY PLA TAX PLA RTI
    for vector, target in ((0xFFFA, NMI_ENTRY), (0xFFFC, RESET_ENTRY), (0xFFFE, IRQ_ENTRY)):
        put(vector, bytes([target & 0xFF, target >> 8]))
    return bytes(rom)


def build_basic_rom() -> bytes:
    rom = bytearray([TRAP_OPCODE]) * 0x2000
    rom[0:4] = bytes([BASIC_COLD & 0xFF, BASIC_COLD >> 8, BASIC_WARM & 0xFF, BASIC_WARM >> 8])
    return bytes(rom)


class Kernal:
    """Trap handlers for the ROM routines.

    It works on the memory, the screen editor and the chips it is given,
    and asks the machine only two things, through callbacks: a file's
    bytes from the mounted disk (`find_file(name)`, None if absent) and
    whether a disk is mounted (`disk_present()`).
    """

    def __init__(self, memory, editor, vic, cia1, cia2, sid, *, find_file, disk_present):
        self.memory = memory
        self.editor = editor
        self.vic, self.cia1, self.cia2, self.sid = vic, cia1, cia2, sid
        self.find_file = find_file
        self.disk_present = disk_present
        self.cpu = None                     # set by attach()
        self.ram = memory.view
        self.waiting_for_input = False      # in CHRIN/GETIN with nothing to read
        self.stop_when_waiting = False      # GETIN stops the run (until_idle)
        self.pending_keys: list[int] = []   # typed keys not yet in the 10-key buffer
        self.empty_polls = 0                # consecutive GETINs that found nothing
        self.last_empty_poll = -IDLE_POLL_CYCLES    # cycle of the last one
        self.jiffy_base = 0                 # jiffy count at cycle `jiffy_cycle`
        self.jiffy_cycle = 0
        self.traps = self._trap_table()

    def attach(self, cpu) -> None:
        self.cpu = cpu

    def reset(self) -> None:
        """Power on: no keys, clock at 0, then what the KERNAL's reset does (vectors, bounds, I/O, screen)."""
        self.pending_keys.clear()
        self.empty_polls = 0
        self.last_empty_poll = -IDLE_POLL_CYCLES
        self.jiffy_base = self.jiffy_cycle = 0
        self.waiting_for_input = self.stop_when_waiting = False
        self.restore_vectors()
        self.set_memory_bounds()
        self.init_io()
        self.init_screen()

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
            IOPEN: self.open, ICLOSE: self.close, ICHKIN: self.chkin, ICKOUT: self.chkout,
            ICLRCH: self.clrchn, IBASIN: self.chrin, IBSOUT: self.chrout, ISTOP: self.stop,
            IGETIN: self.getin, ICLALL: self.clall, ILOAD: self.load, ISAVE: self.save,
        }
        for vector, handler in vectored.items():
            traps[RAM_VECTORS[vector]] = handler
        traps[0xEA31] = self.irq_default
        traps[0xEA7E] = self.irq_default
        traps[0xFE66] = self.brk
        traps[RESET_ENTRY] = self.reset_entry
        traps[NMI_CHECK] = self.nmi_check
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
        kind = self.memory.area_kind(address)
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
        """Move typed keys into the buffer while it has room, as the keyboard scan would.

        A RESTORE in the queue (a negative code) waits for the machine to press it.
        """
        if not self.pending_keys:
            return
        ram = self.ram
        room = min(ram[XMAX] or KEYBOARD_BUFFER_SIZE, KEYBOARD_BUFFER_SIZE) - ram[NDX]
        while room > 0 and self.pending_keys and self.pending_keys[0] >= 0:
            ram[KEYD + ram[NDX]] = self.pending_keys.pop(0)
            ram[NDX] += 1
            room -= 1

    @property
    def keys_left(self) -> bool:
        return bool(self.pending_keys) or self.ram[NDX] > 0

    def _wait_for_input(self, address: int) -> None:
        """Nothing to read: block at `address` (the CPU re-enters the routine on resume)."""
        self.waiting_for_input = True
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
            self._wait_for_input(RAM_VECTORS[IBASIN])
        self.waiting_for_input = False
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
                self.waiting_for_input = True
                if self.stop_when_waiting:
                    self.empty_polls = 1
                    self._wait_for_input(RAM_VECTORS[IGETIN])
            key = 0
        else:
            self.empty_polls = 0
            self.waiting_for_input = False
        self.cpu.a = key
        self.cpu.set_zero(key == 0)
        self._ok()

    def scnkey(self) -> None:
        self.feed_keyboard()
        self._return()

    @property
    def run_stop_down(self) -> bool:
        return RUN_STOP in self.cia1.keys_down

    def stop(self) -> None:
        if self.run_stop_down:
            self.ram[DFLTN], self.ram[DFLTO] = 0, 3     # CLRCHN, and the key buffer is emptied
            self.ram[NDX] = 0
            self.cpu.a = 0x7F
            self.cpu.set_zero(True)
        else:
            self.cpu.a = 0xFF
            self.cpu.set_zero(False)
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
        memory = self.memory
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
        ram[HIBASE] = 0x04                  # screen at $0400
        ram[COLOR] = 14                     # light blue text
        ram[XMAX] = KEYBOARD_BUFFER_SIZE
        ram[NDX] = 0
        ram[RVS] = 0
        ram[QTSW] = 0
        ram[MODE] = 0
        ram[DFLTN], ram[DFLTO] = 0, 3
        vic = self.vic
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
        """IOINIT: CIAs (60 Hz timer interrupt), the 6510 port, SID volume 0."""
        held = set(self.cia1.keys_down)     # the keyboard is hardware, not CIA state
        self.cia1.reset()
        self.cia2.reset()
        self.cia1.keys_down |= held
        self.cia1.scan_keyboard()
        cycle = self.cpu.processorCycles if self.cpu else 0
        self.cia1.write(0x04, CYCLES_PER_JIFFY & 0xFF, cycle)
        self.cia1.write(0x05, CYCLES_PER_JIFFY >> 8, cycle)
        self.cia1.write(0x0D, 0x81, cycle)
        self.cia1.write(0x0E, 0x11, cycle)
        if self.sid.regs[0x18]:
            self.sid.write(0x18, 0, cycle)      # volume 0 (already so at power-on: no write logged)
        self.memory.set_port(DEFAULT_DDR, DEFAULT_PORT)
        if self.cpu:
            self.cpu.plain_below = self.memory.plain_below

    def ramtas(self) -> None:
        ram = self.ram
        ram[2:0x0100] = bytes(0xFE)
        ram[0x0200:0x0400] = bytes(0x200)
        self.set_memory_bounds()
        ram[HIBASE] = 0x04
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
        memory = self.memory
        for offset in range(0x20):
            if cpu.p & 1:       # C set: copy the vectors out to the user's table
                memory.set_ram(table + offset, ram[CINV + offset])
            else:
                ram[CINV + offset] = memory.view[(table + offset) & 0xFFFF]
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
        self.ram[LDTND] = 0                 # no open files
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
        cpu.pc = ram[ILOAD] | (ram[ILOAD + 1] << 8)

    def load(self) -> None:
        """LOAD from the mounted disk: C clear and X/Y = end address + 1, or C set and A = error."""
        cpu, ram, memory = self.cpu, self.ram, self.memory
        name_at = ram[FNADR] | ram[FNADR + 1] << 8
        name = bytes(memory.view[(name_at + i) & 0xFFFF] for i in range(ram[FNLEN]))
        if not name:
            return self._fail(8)                            # MISSING FILE NAME
        if ram[FA] < 8:
            return self._fail(9)                            # ILLEGAL DEVICE NUMBER (tape)
        data = self.find_file(name)
        if data is None:
            mounted = self.disk_present()
            ram[STATUS] = 0x42 if mounted else 0x80
            return self._fail(4 if mounted else 5)
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
        self.cpu.pc = self.ram[ISAVE] | (self.ram[ISAVE + 1] << 8)

    def save(self) -> None:
        self._fail(5)                                       # DEVICE NOT PRESENT

    # -- the clock ----------------------------------------------------------------------

    def jiffies(self) -> int:
        cycles = self.cpu.processorCycles
        return (self.jiffy_base + (cycles - self.jiffy_cycle) // CYCLES_PER_JIFFY) % JIFFIES_PER_DAY

    def update_clock(self) -> None:
        """Write the jiffy clock into TIME ($A0-$A2, most significant first)."""
        value = self.jiffies()
        ram = self.ram
        ram[TIME], ram[TIME + 1], ram[TIME + 2] = value >> 16, (value >> 8) & 0xFF, value & 0xFF

    def set_clock(self, value: int) -> None:
        self.jiffy_base = value % JIFFIES_PER_DAY
        self.jiffy_cycle = self.cpu.processorCycles
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
        self.cia1.irq_pending = False
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

    def nmi_check(self) -> None:
        """$FE4C, inside the NMI handler: RUN/STOP+RESTORE warm-starts, RESTORE alone returns."""
        if not self.run_stop_down:
            self.cpu.pc = NMI_EXIT
            return
        self.warm_start()
        self.cpu.pc = BASIC_WARM

    def warm_start(self) -> None:
        """What RUN/STOP+RESTORE does before BASIC's warm start: RESTOR, IOINIT, the screen cleared."""
        self.restore_vectors()
        self.init_io()
        self.init_screen()
        self.waiting_for_input = False

    def reset_entry(self) -> None:
        raise MachineStop("halted", "the program reset the machine")

    def ready(self) -> None:
        """BASIC's READY: the program has returned to BASIC, so the machine halts."""
        self.show_ready()
        raise MachineStop("halted", "the program returned to BASIC")

    def show_ready(self) -> None:
        editor = self.editor
        if editor.column != 0:
            editor.put(0x0D)
        for char in b"READY.\r":
            editor.put(char)
