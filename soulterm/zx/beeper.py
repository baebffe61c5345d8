"""The Spectrum's beeper as sound: port $FE bit 4 edges turned into a square wave, played with pygame.

The ULA records each change of bit 4 with its T-state (ula.py); the ROM's
BEEPER makes the same edges its OUT loop would (rom.py). `square_wave` turns
edges into 16-bit samples at the mixer's rate: sample n is taken at T-state
n * CLOCK_HZ / SAMPLE_RATE and is AMPLITUDE while the speaker level is 1,
silence while it is 0, so an idle beeper makes no sound.

`open_beeper(mute=False)` returns (BeeperAudio or None, notice or None) and
never raises: with no sound device it gives None and the one line
`sound off: ...`, as the C64's SID path does (soulterm.c64.audio, whose mixer
and queueing this shares). Samples go to the mixer every FLUSH_T_STATES of
emulated time; when the emulator runs ahead of the speakers (warp) the
oldest are dropped, so the sound stays with the picture.
"""

from __future__ import annotations

import numpy as np

from soulterm.c64.audio import SAMPLE_RATE, dummy_driver_notice, open_mixer, play_on, sound_off

from .rom import CLOCK_HZ
AMPLITUDE = 6_000                      # a quarter of full scale: the beeper is loud and square
FLUSH_T_STATES = CLOCK_HZ // 20        # hand samples to the mixer every 50 ms of Spectrum time
MAX_GAP_SAMPLES = SAMPLE_RATE          # a longer silence is skipped, not synthesised


def sample_index(t_state: int, rate: int = SAMPLE_RATE) -> int:
    """The first sample taken at or after `t_state`."""
    return -(-t_state * rate // CLOCK_HZ)


def square_wave(edges, level: int, first: int, end: int, rate: int = SAMPLE_RATE) -> np.ndarray:
    """Samples first..end-1 (int16): the level is `level` (0/1) before the first edge and
    flips at every edge (ascending T-states); an edge at a sample's own T-state counts."""
    if end <= first:
        return np.zeros(0, dtype=np.int16)
    times = np.arange(first, end, dtype=np.int64) * CLOCK_HZ / rate
    flips = np.searchsorted(np.asarray(edges, dtype=np.int64), times, side="right")
    return np.where((level + flips) & 1, AMPLITUDE, 0).astype(np.int16)


class BeeperAudio:
    """Collects beeper edges and plays them on one mixer channel."""

    def __init__(self, pygame_module, channel):
        self._pygame = pygame_module
        self._channel = channel
        mixer = pygame_module.mixer.get_init()
        self._channels = mixer[2] if mixer else 1   # the device may insist on stereo
        self.muted = False
        self.reset()

    def reset(self) -> None:
        self._edges: list[int] = []
        self._level = 0                 # speaker level at sample `_done`
        self._done = 0                  # samples synthesised so far (from T-state 0)
        self._last_flush = 0

    def edge(self, t_state: int) -> None:
        """Bit 4 of port $FE changed at `t_state` (T-states ascending)."""
        self._edges.append(t_state)

    def advance(self, t_state: int) -> None:
        """Synthesise up to `t_state` and, every FLUSH_T_STATES, hand the samples to the mixer."""
        if t_state - self._last_flush < FLUSH_T_STATES:
            return
        self._last_flush = t_state
        end = sample_index(t_state)
        first = max(self._done, end - MAX_GAP_SAMPLES)
        edges = self._edges
        samples = square_wave(edges, self._level, first, end)
        heard = int(np.searchsorted(np.asarray(edges, dtype=np.int64), (end - 1) * CLOCK_HZ / SAMPLE_RATE,
                                    side="right")) if edges else 0
        self._level = (self._level + heard) & 1
        del edges[:heard]
        self._done = end
        if self.muted or not samples.any():
            return
        if self._channels > 1:
            samples = np.repeat(samples, self._channels)
        play_on(self._pygame, self._channel, samples.tobytes(), self._channels)

    def close(self) -> None:
        try:
            self._channel.stop()
            self._pygame.mixer.quit()
        except Exception:  # the device went away: nothing left to release
            pass


def open_beeper(mute: bool = False) -> tuple[BeeperAudio | None, str | None]:
    """Open the mixer; (None, notice) when sound is off or impossible."""
    if mute:
        return None, None
    try:
        pygame, channel = open_mixer()
    except Exception as exc:  # no device, no driver, no library: silence, never a crash
        return None, sound_off(exc)
    return BeeperAudio(pygame, channel), dummy_driver_notice()
