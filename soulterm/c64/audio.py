"""SID sound output: reSIDfp (pyresidfp) clocked by the machine, played with pygame's mixer.

`open_audio(mute=False)` returns (SidAudio or None, notice or None). It
never raises: with no sound device (CI, ssh) or a missing library it gives
None and a one-line notice, and the machine stays silent.

ALSA and SDL print to file descriptor 2, which corrupts a full-screen
terminal app, so the mixer is opened with fd 2 pointed at /dev/null; open
audio before the terminal UI starts.

Timing: every register write is handed to reSIDfp after clocking it up to
the write's cycle, so notes start and stop where the program put them.
Samples are queued on one mixer channel; if the emulator runs more than
`MAX_AHEAD_SECONDS` ahead of the speakers the oldest unplayed samples are
dropped, which keeps the sound with the picture.
"""

from __future__ import annotations

import contextlib
import datetime
import os

SAMPLE_RATE = 48000
PAL_CLOCK = 985248.0
MAX_AHEAD_SECONDS = 0.25
FLUSH_CYCLES = 985248 // 20            # hand samples to the mixer every 50 ms of C64 time


@contextlib.contextmanager
def _stderr_silenced():
    """Point fd 2 at /dev/null for the duration (SDL/ALSA chatter)."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class SidAudio:
    """One reSIDfp chip and one pygame mixer channel."""

    def __init__(self, pygame_module, sid_device, channel):
        self._pygame = pygame_module
        self._sid = sid_device
        self._channel = channel
        self._clocked = 0                   # machine cycle reSIDfp has been clocked to
        self._pending = bytearray()         # samples not yet handed to the mixer
        self._last_flush = 0
        self.muted = False
        mixer = pygame_module.mixer.get_init()
        self._channels = mixer[2] if mixer else 1   # the device may insist on stereo

    @property
    def clocked_to(self) -> int:
        """The machine cycle reSIDfp has produced sound up to."""
        return self._clocked

    def reset(self) -> None:
        self._sid.reset()
        self._pending.clear()

    def _clock_to(self, cycle: int) -> None:
        cycles = cycle - self._clocked
        if cycles <= 0:
            return
        if cycles > PAL_CLOCK:              # a long silent gap: skip, do not synthesise it
            self._clocked = cycle - int(PAL_CLOCK)
            cycles = int(PAL_CLOCK)
        duration = datetime.timedelta(seconds=cycles / PAL_CLOCK)
        samples = self._sid.clock(duration)
        self._clocked += int(duration.total_seconds() * PAL_CLOCK)
        if samples and not self.muted:
            import numpy
            frames = numpy.asarray(samples, dtype=numpy.int16)
            if self._channels > 1:
                frames = numpy.repeat(frames, self._channels)
            self._pending += frames.tobytes()

    def write(self, reg: int, value: int, cycle: int) -> None:
        from pyresidfp.registers import WritableRegister
        self._clock_to(cycle)
        self._sid.write_register(WritableRegister(reg), value & 0xFF)

    def advance(self, cycle: int) -> None:
        """Clock the chip to `cycle` and hand finished samples to the mixer."""
        self._clock_to(cycle)
        if cycle - self._last_flush < FLUSH_CYCLES:
            return
        self._last_flush = cycle
        if self._pending:
            play_on(self._pygame, self._channel, bytes(self._pending), self._channels)
            self._pending.clear()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._channel.stop()
            self._pygame.mixer.quit()


def open_audio(mute: bool = False) -> tuple[SidAudio | None, str | None]:
    """Open reSIDfp and the mixer; (None, notice) when sound is off or impossible."""
    if mute:
        return None, None
    try:
        import pyresidfp
        pygame, channel = open_mixer()
        sid = pyresidfp.SoundInterfaceDevice(clock_frequency=PAL_CLOCK, sampling_frequency=SAMPLE_RATE)
    except Exception as exc:  # no device, no driver, no library: silence, never a crash
        return None, sound_off(exc)
    return SidAudio(pygame, sid, channel), dummy_driver_notice()


def open_mixer():
    """(pygame, its mixer channel 0), opened at SAMPLE_RATE, 16-bit; raises when there is no device."""
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    with _stderr_silenced():
        import pygame
        pygame.mixer.pre_init(frequency=SAMPLE_RATE, size=-16, channels=1, buffer=1024)
        pygame.mixer.init()
        return pygame, pygame.mixer.Channel(0)


def sound_off(exc: BaseException) -> str:
    """The one line that says why there is no sound."""
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"sound off: {reason}"


def dummy_driver_notice() -> str | None:
    """A mixer on SDL's dummy driver plays to nowhere: say so (None when a real device plays)."""
    if os.environ.get("SDL_AUDIODRIVER") == "dummy":
        return "sound off: no sound device (SDL dummy driver)"
    return None


def play_on(pygame_module, channel, data: bytes, channels: int) -> None:
    """Queue 16-bit samples on `channel`, keeping the newest MAX_AHEAD_SECONDS; when the
    speakers are a whole slice behind, this one is dropped to stay in sync with the picture."""
    limit = int(MAX_AHEAD_SECONDS * SAMPLE_RATE) * 2 * channels
    sound = pygame_module.mixer.Sound(buffer=data[-limit:])
    if not channel.get_busy():
        channel.play(sound)
    elif channel.get_queue() is None:
        channel.queue(sound)
