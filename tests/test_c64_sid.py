"""SID register writes with their cycle stamps, gate-on detection, and sound that never crashes."""

from __future__ import annotations

from soulterm.c64 import C64
from soulterm.c64.audio import open_audio

from test_c64_helpers import prg

# Cycle counts from the 6502 data sheet: LDA #imm 2, STA abs 4, NOP 2.
GATES = """
    LDA #$21
    STA $D404           ; voice 0 gate on            starts at +2
    NOP
    NOP
    LDA #$20
    STA $D404           ; gate off                   starts at +12
    LDA #$41
    STA $D40B           ; voice 1 gate on            starts at +18
    STA $D40B           ; rewrite: still on, no new gate-on
    LDA #$11
    STA $D412           ; voice 2 gate on            starts at +28
    LDA #$21
    STA $D404           ; voice 0 again              starts at +34
    LDA #$0F
    STA $D418           ; volume
end:
    JMP {end}
"""


def test_gate_on_writes_are_stamped_with_their_cycle():
    m = C64()
    m.load_prg(prg(GATES))
    start = m.cycles
    m.run(max_cycles=1_000)
    assert m.sid.gate_on_cycles == [
        (0, start + 2), (1, start + 18), (2, start + 28), (0, start + 34)]


def test_every_write_is_logged_with_register_and_value():
    m = C64()
    m.load_prg(prg(GATES))
    start = m.cycles
    m.run(max_cycles=1_000)
    writes = [(cycle - start, reg, value) for cycle, reg, value in m.sid.writes]
    assert writes == [(2, 4, 0x21), (12, 4, 0x20), (18, 11, 0x41), (22, 11, 0x41),
                      (28, 18, 0x11), (34, 4, 0x21), (40, 0x18, 0x0F)]
    assert m.sid.gate_is_on(0) and m.sid.gate_is_on(1)


def test_sid_mirrors_every_32_bytes():
    m = C64()
    m.load_prg(prg("""
        LDA #$01
        STA $D424           ; $D404 mirrored
        JMP $C005
    """))
    m.run(max_cycles=100)
    assert m.sid.gate_on_cycles and m.sid.gate_on_cycles[0][0] == 0


def test_sound_with_no_device_is_silence_with_a_notice(monkeypatch):
    monkeypatch.setenv("SDL_AUDIODRIVER", "dummy")
    audio, notice = open_audio()
    try:
        assert notice and notice.startswith("sound off")
        assert "\n" not in notice
    finally:
        if audio is not None:
            audio.close()


def test_sound_on_machine_runs_and_renders_samples(monkeypatch):
    monkeypatch.setenv("SDL_AUDIODRIVER", "dummy")
    m = C64(sound=True)
    try:
        m.load_prg(prg(GATES))
        assert m.run(max_cycles=200_000) == "halted"
        assert len(m.sid.gate_on_cycles) == 4
        if m.sid.audio is not None:                 # reSIDfp was clocked up to the machine
            assert m.sid.audio.clocked_to >= m.cycles - 100
    finally:
        m.close()


def test_mute_opens_nothing():
    audio, notice = open_audio(mute=True)
    assert audio is None and notice is None
