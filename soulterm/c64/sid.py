"""The SID sound chip: register writes with their cycle times, and the gate.

Registers ($D400-$D41C, repeating every 32 bytes)
    voice n (n = 0, 1, 2) at $D400 + 7n: frequency lo/hi, pulse width lo/hi,
    control (bit 0 = gate), attack/decay, sustain/release;
    $D415-$D418 filter and volume; $D419-$D41C read-only (paddles, osc 3,
    envelope 3).

Emulates
    - every write is recorded as (cycle, register, value); a voice's gate
      going 0 -> 1 is listed in `gate_on_cycles` as (voice, cycle);
    - the cycle stamp is the machine's cycle count at the start of the
      instruction that wrote;
    - sound: when an `audio` backend is attached (audio.py), each write is
      passed on to reSIDfp clocked to its cycle, so timing is exact;
    - $D41B (oscillator 3) reads as a pseudo-random byte, refreshed between
      slices of instructions, which is what programs use it for.

Not implemented
    - paddles ($D419/$D41A read 0) and the envelope read-back ($D41C).
"""

from __future__ import annotations

from collections import deque

VOICE_CONTROL = (0x04, 0x0B, 0x12)      # control register of voices 0, 1, 2
GATE = 0x01
RECENT_WRITES = 4096                    # writes kept for the debugger


class SID:
    """SID register state and write log; the machine forwards writes to `write`."""

    def __init__(self, memory):
        self.memory = memory
        self.regs = bytearray(32)
        self.gate_on_cycles: list[tuple[int, int]] = []    # (voice, cycle) of each gate-on
        self.writes: deque[tuple[int, int, int]] = deque(maxlen=RECENT_WRITES)  # (cycle, reg, value)
        self.audio = None                   # audio.SidAudio, or None when silent
        self._noise = 0x7FFFF8              # 23-bit LFSR for $D41B

    def reset(self) -> None:
        self.regs = bytearray(32)
        self.gate_on_cycles.clear()
        self.writes.clear()
        if self.audio is not None:
            self.audio.reset()

    def write(self, reg: int, value: int, cycle: int) -> None:
        reg &= 0x1F
        if reg in VOICE_CONTROL and value & GATE and not self.regs[reg] & GATE:
            self.gate_on_cycles.append((VOICE_CONTROL.index(reg), cycle))
        self.regs[reg] = value
        self.writes.append((cycle, reg, value))
        if self.audio is not None and reg <= 0x18:
            self.audio.write(reg, value, cycle)

    def advance(self, cycle: int) -> None:
        """Refresh the read-only registers (oscillator 3 noise) and feed the audio."""
        lfsr = self._noise
        for _ in range(8):
            bit = ((lfsr >> 22) ^ (lfsr >> 17)) & 1
            lfsr = ((lfsr << 1) | bit) & 0x7FFFFF
        self._noise = lfsr
        self.memory.set_io_byte(0xD41B, lfsr & 0xFF)
        if self.audio is not None:
            self.audio.advance(cycle)

    def gate_is_on(self, voice: int) -> bool:
        return bool(self.regs[VOICE_CONTROL[voice]] & GATE)
