"""The 48K Spectrum's contended memory, counted rather than emulated.

What a real 48K does: while the ULA reads the screen, a Z80 memory cycle
whose address lies in $4000-$7FFF waits. The first such T-state of a frame
is 14,335 T-states after the interrupt; each of the 192 screen lines
(224 T-states apart) has 128 T-states of it, in groups of eight that delay
a cycle beginning there by 6, 5, 4, 3, 2, 1, 0, 0 T-states.

Why it is not emulated: the `z80` package's Python machine (1.2) gives a
read or write callback only the address and takes only the byte back; it
has no hook that adds T-states to a memory, I/O or internal cycle, its
frame tick is read-only, and the cycles that put an address on the bus
without a memory request (the 1 to 5 extra T-states of `inc hl`, `jr`,
`ld a,(ix+d)`, `push`, ...) reach Python not at all. The C++ core inside
has such hooks; the wheel does not expose them. So the machine's and the
benches' T-states are those of uncontended memory.

What this module does instead: `ContendedAccessCounter` marks $4000-$7FFF
on a core and counts every memory cycle there (opcode fetches, operand and
data reads, writes) with the T-state it begins at, and adds up the wait
the ULA would give that cycle if the earlier ones had been delayed too
(`ula_delay`). Those waits are an estimate of the real machine's extra time
from memory cycles only: a program with no code and no hot data below
$8000 has none to miss.
"""

from __future__ import annotations

CONTENDED_START = 0x4000
CONTENDED_END = 0x8000          # the lower 16K of RAM shares its bus with the ULA
FRAME_T_STATES = 69_888         # 312 lines of 224 T-states
FIRST_CONTENDED_T_STATE = 14_335    # after the interrupt: the first screen line's first contended cycle
LINE_T_STATES = 224
CONTENDED_LINE_T_STATES = 128   # the line's 256 pixels: the ULA fetches them
CONTENDED_LINES = 192
DELAY_PATTERN = (6, 5, 4, 3, 2, 1, 0, 0)    # by the T-state within an 8 T-state group
CALLBACK_LAG = 2                # the core calls back 2 T-states into a memory cycle (tested)


def ula_delay(t_state: int) -> int:
    """T-states a memory cycle beginning `t_state` T-states after an interrupt
    waits when its address is contended."""
    since = t_state % FRAME_T_STATES - FIRST_CONTENDED_T_STATE
    if since < 0:
        return 0
    line, in_line = divmod(since, LINE_T_STATES)
    if line >= CONTENDED_LINES or in_line >= CONTENDED_LINE_T_STATES:
        return 0
    return DELAY_PATTERN[in_line % len(DELAY_PATTERN)]


_DELAYS = bytes(ula_delay(t) for t in range(FRAME_T_STATES))


class ContendedAccessCounter:
    """Counts a core's memory cycles in $4000-$7FFF and the ULA's wait for them (module doc).

    `clock()` must give the T-state the core has reached (the frame tick as
    the caller counts it, from any start); `frame_phase` is the T-state of
    the frame that start falls on. It takes the core's read and write
    callbacks: use it on a bare core (kernelbench), not on a Spectrum.
    """

    def __init__(self, cpu, clock, frame_phase: int = 0):
        self.cpu, self.clock, self.frame_phase = cpu, clock, frame_phase
        self.accesses = 0
        self.wait_states = 0
        self.by_address: dict[int, int] = {}
        self._memory = cpu.memory
        cpu.set_read_callback(self._read)
        cpu.set_write_callback(self._write)
        size = CONTENDED_END - CONTENDED_START
        cpu.mark_addrs(CONTENDED_START, size, cpu.READ_MARK | cpu.WRITE_MARK)

    def reset(self) -> None:
        self.accesses = self.wait_states = 0
        self.by_address.clear()

    def _count(self, address: int) -> None:
        self.accesses += 1
        self.by_address[address] = self.by_address.get(address, 0) + 1
        begins = self.clock() - CALLBACK_LAG + self.wait_states + self.frame_phase
        self.wait_states += _DELAYS[begins % FRAME_T_STATES]

    def _read(self, address: int) -> int:
        self._count(address)
        return self._memory[address]

    def _write(self, address: int, value: int) -> None:
        self._count(address)
        self._memory[address] = value
