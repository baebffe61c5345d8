"""A person at the real-ROM Spectrum's keyboard (real_rom.py): keys held down in the matrix.

The real ROM reads the keyboard itself: KEYBOARD, from the frame interrupt,
scans port $FE's half-rows (KEY-SCAN) and keeps two KSTATE sets. A key seen
with a free set is a new key: into LAST-K, FLAGS bit 5 set. A set is freed
only after its key has been up for 5 interrupts (`dec (hl)` from 5), and a key
still held after REPDEL (35) frames repeats. So a typist holds each key for
HOLD_FRAMES frames (well short of the repeat) and lets go for RELEASE_FRAMES
(more than the 5 that free the set: two equal keys in a row are two keys).
The matrix changes only at a frame start, before the interrupt reads it.
"""

from __future__ import annotations

from collections import deque

HOLD_FRAMES = 4
RELEASE_FRAMES = 7


class Typist:
    """Chords (sets of ula.HALF_ROWS key names) held down one after another, a frame at a time."""

    def __init__(self):
        self.chords: deque[frozenset[str]] = deque()
        self.held: frozenset[str] = frozenset()
        self._frames_left = 0            # of the present hold or release

    def press(self, chord) -> None:
        """Queue one key or combination (CAPS SHIFT with a letter, SYMBOL SHIFT with P...)."""
        self.chords.append(frozenset(chord))

    @property
    def idle(self) -> bool:
        """Nothing held and nothing more to type (a key typed now still waits out the last release)."""
        return not self.chords and not self.held

    def next_frame(self) -> frozenset[str]:
        """The keys held down during the frame that starts now."""
        if self._frames_left:
            self._frames_left -= 1
        if self._frames_left == 0:
            if self.held:
                self.held = frozenset()
                self._frames_left = RELEASE_FRAMES
            elif self.chords:
                self.held = self.chords.popleft()
                self._frames_left = HOLD_FRAMES
        return self.held
