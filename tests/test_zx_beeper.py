"""The beeper as sound: edges on port $FE bit 4 to a square wave at the mixer's rate (no sound card needed)."""

from types import SimpleNamespace

import numpy as np

from soulterm.asm import assemble
from soulterm.zx import Spectrum
from soulterm.zx.beeper import AMPLITUDE, CLOCK_HZ, FLUSH_T_STATES, BeeperAudio, open_beeper, sample_index, square_wave

RATE = 48_000


def rising_edges(samples: np.ndarray) -> np.ndarray:
    """Sample indices where the wave goes from silence to AMPLITUDE."""
    high = samples > 0
    return np.flatnonzero(high[1:] & ~high[:-1]) + 1


def test_a_kilohertz_tone_from_known_edges():
    # 1 kHz: an edge every 1,750 T-states (half of 3,500), for 0.1 s starting at T-state 0.
    edges = [1_750 * k for k in range(200)]
    samples = square_wave(edges, 0, 0, sample_index(CLOCK_HZ // 5), RATE)
    assert len(samples) == RATE // 5 and samples.dtype == np.int16
    assert set(np.unique(samples)) == {0, AMPLITUDE}
    rises = rising_edges(samples)
    assert len(rises) == 99                               # 100 periods; the first starts at sample 0
    assert np.all(np.diff(rises) == RATE // 1_000)        # 48 samples a period: 1,000 Hz
    high = np.flatnonzero(samples)
    assert high[0] == 0 and high[-1] == RATE // 10 - 25   # ends 0.1 s in (the last high half ends early)
    assert not samples[RATE // 10:].any()                 # silent after the tone
    assert samples[:RATE // 10].mean() == AMPLITUDE / 2   # a square wave: high half the time


def test_the_level_before_the_first_edge_and_an_edge_on_a_sample():
    assert list(square_wave([], 1, 0, 3, RATE)) == [AMPLITUDE] * 3
    # Sample 1 is taken at T-state 72.916..: an edge at 72 turns it, one at 73 does not.
    assert list(square_wave([72], 0, 0, 3, RATE)) == [0, AMPLITUDE, AMPLITUDE]
    assert list(square_wave([73], 0, 0, 3, RATE)) == [0, 0, AMPLITUDE]


def test_the_rom_beeper_makes_the_edges_of_its_tone():
    # 1 kHz (HL = 437500/1000 - 30.125 rounds to 407) for 101 cycles: DE = 100 (the real loop runs
    # DE + 1, ends with EI and puts the border to BORDCR's colour first: seen on the real ROM)
    program = assemble(" .org $8000\n di\n ld a,2\n out ($fe),a\n ld de,100\n ld hl,407\n call $03B5\n ret\n",
                       cpu="z80")
    machine = Spectrum()
    machine.load_code(0x8000, program.data)
    machine.run(max_cycles=1_000_000)
    (start, hertz, seconds), = machine.rom.beeps
    edges = machine.ula.beeper_edges
    assert len(edges) == 202 and edges[0] == start and machine.ula.beeper == 0   # ends where it began
    assert [colour for _, colour in machine.ula.border_changes] == [2, 7] and machine.cpu.iff1
    samples = square_wave(edges, 0, sample_index(start), sample_index(start + round(seconds * CLOCK_HZ)), RATE)
    rises = rising_edges(samples)
    measured = RATE * (len(rises) - 1) / (rises[-1] - rises[0])
    assert abs(measured - hertz) < 1 and round(hertz) == 1001
    assert abs(len(samples) / RATE - 101 / hertz) < 1 / RATE


class FakeMixer:
    """pygame's mixer as BeeperAudio uses it, recording what would be played."""

    def __init__(self):
        self.played: list[bytes] = []
        mixer = SimpleNamespace(Sound=lambda buffer: self.played.append(bytes(buffer)),
                                get_init=lambda: (RATE, -16, 1), quit=lambda: None)
        self.module = SimpleNamespace(mixer=mixer)
        self.channel = SimpleNamespace(get_busy=lambda: False, play=lambda sound: None, stop=lambda: None)


def test_the_audio_plays_each_flush_and_mute_silences_it():
    fake = FakeMixer()
    audio = BeeperAudio(fake.module, fake.channel)
    for k in range(200):
        audio.edge(1_750 * k)
    audio.advance(FLUSH_T_STATES - 1)
    assert fake.played == []                              # not yet 50 ms of Spectrum time
    audio.advance(CLOCK_HZ // 5)
    played = np.frombuffer(fake.played[0], dtype=np.int16)
    assert len(played) == RATE // 5 and len(rising_edges(played)) == 99
    audio.advance(CLOCK_HZ // 5 + FLUSH_T_STATES)         # silence is not sent
    assert len(fake.played) == 1
    audio.muted = True
    audio.edge(CLOCK_HZ)
    audio.advance(CLOCK_HZ + 2 * FLUSH_T_STATES)
    assert len(fake.played) == 1


def test_no_sound_device_is_one_line_and_a_silent_machine(monkeypatch):
    monkeypatch.setenv("SDL_AUDIODRIVER", "dummy")
    audio, notice = open_beeper()
    if audio is not None:
        audio.close()
    assert notice.startswith("sound off") and "\n" not in notice
    assert open_beeper(mute=True) == (None, None)
    machine = Spectrum(sound=True)
    try:
        machine.load_code(0x8000, assemble(" .org $8000\n ld de,10\n ld hl,407\n call $03B5\n ret\n",
                                           cpu="z80").data)
        assert machine.run(max_cycles=1_000_000) == "halted" and not machine.crashed
        assert machine.sound_notice.startswith("sound off")
        if machine.audio is not None:                 # the dummy driver's mixer: F8 mutes it
            machine.set_muted(True)
            assert machine.audio.muted
    finally:
        machine.close()
