"""Follows the 6502's attention bookkeeping in emulated RAM.

The soulplayer keeps, at addresses named in the build map's `attention`
block, the LUT weights of every head for the position being computed, the
context tokens, and which position/layer/head it is on ($FF when idle).
Heads run in order (layer 0 heads 0-3, then layer 1), so from one look at
those bytes we know which heads already hold this position's weights and
which still hold the previous position's. The same bytes work for the C64's
6502 kernels and the Spectrum's Z80 kernels (their build maps name them). Sampling that often enough
rebuilds, per head, the causal matrix of the whole turn. A turn starts
again at a lower position, or with other tokens where the last one had
some: the C64 copies position 0, and position 1 after a common opener, into
each turn's cache instead of computing them, so its first computed position
may be 2, above the last one the start-up ran.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from soulterm.soul.spec import CONTEXT, N_HEADS, N_LAYERS

HEADS = N_LAYERS * N_HEADS
IDLE = 0xFF


@dataclass(frozen=True)
class AttentionView:
    """One consistent look at the attention state, for the panel."""

    context: tuple[int, ...]          # token ids of the context so far
    position: int                     # position being computed (or last computed when idle)
    current_head: int                 # layer*4+head being computed, HEADS when idle
    fresh: tuple[bool, ...]           # per head: a complete row for `position` is recorded
    rows: tuple[dict[int, np.ndarray], ...]  # per head: position -> normalised weights (pos+1,)
    first_position: int              # first position of this turn

    @property
    def idle(self) -> bool:
        return self.current_head >= HEADS


class AttentionRecorder:
    """Samples the attention bytes of a running machine and keeps per-head history.

    A head's row is recorded only when it is known to be complete for a known
    position: the head is behind the one being computed at the same position,
    or it was seen in progress and has since been left (the kernels may skip
    heads, e.g. layer 1 while prefilling all but the last prompt position, so
    "not yet reached" never means "holds the previous position")."""

    def __init__(self, addresses: dict[str, int]) -> None:
        self.addresses = addresses
        self._lock = threading.Lock()
        self._rows: list[dict[int, np.ndarray]] = [dict() for _ in range(HEADS)]
        self._raw: dict[tuple[int, int], bytes] = {}   # (head, position) -> the bytes its row came from
        self._in_progress: dict[int, int] = {}     # head -> position it was seen running at
        self._last_position = -1
        self._first_position = 0
        self._context: tuple[int, ...] = ()
        self._latest: tuple | None = None

    def sample(self, ram) -> None:
        """Called by the machine thread between slices; cheap (a few dozen reads)."""
        a = self.addresses
        position = ram[a["position"]]
        layer, head = ram[a["layer"]], ram[a["head"]]
        if position >= CONTEXT:
            return  # not started yet (or memory not initialised)
        idle = layer == IDLE or head == IDLE
        # A head index of N_HEADS (the Z80 kernels leave it there after a layer's last head):
        # that layer's heads are done and the next layer's not begun, none is running.
        current = HEADS if idle else min(HEADS, layer * N_HEADS + min(head, N_HEADS))
        running = not idle and head < N_HEADS and current < HEADS
        length = min(CONTEXT, ram[a["context_len"]])
        base = a["weights"]
        weights = np.frombuffer(bytes(ram[base:base + HEADS * CONTEXT]), dtype=np.uint8).reshape(HEADS, CONTEXT)
        context = tuple(ram[a["context"]:a["context"] + max(length, position + 1)])
        with self._lock:
            shared = min(len(context), len(self._context))
            if position < self._last_position or context[:shared] != self._context[:shared]:
                # a new turn restarted the KV cache
                self._rows = [dict() for _ in range(HEADS)]
                self._raw.clear()
                self._in_progress.clear()
                self._first_position = position
            if self._last_position < 0:
                self._first_position = position
            self._last_position = position
            self._context = context
            # Heads seen running earlier: finished if they are no longer running
            # and have not been started again for a later position.
            for k, started_at in list(self._in_progress.items()):
                if position == started_at and k == current:
                    continue
                del self._in_progress[k]
                if position == started_at or k > current:
                    self._record(k, started_at, weights)
            if not idle:
                for k in range(current):
                    self._record(k, position, weights)
            if running:
                self._in_progress[current] = position
            if idle and 0 < length <= position:
                # A finished turn leaves the position at the next free slot (the Z80 players do):
                # show the last computed position, not an empty row past the context's end.
                context, position = context[:length], length - 1
            self._latest = (context, position, current)

    def _record(self, head: int, position: int, weights: np.ndarray) -> None:
        if position < self._first_position:
            return
        raw = weights[head, :position + 1]
        key = raw.tobytes()
        if self._raw.get((head, position)) == key:
            return                     # recorded from these very bytes already (most samples)
        self._raw[(head, position)] = key
        row = raw.astype(np.float64)
        total = row.sum()
        if total > 0:
            self._rows[head][position] = row / total

    def view(self) -> AttentionView | None:
        """The latest sample with the turn's history, or None before the first head ran."""
        with self._lock:
            if self._latest is None:
                return None
            context, position, current = self._latest
            fresh = tuple(position in rows for rows in self._rows)
            return AttentionView(
                context=context, position=position, current_head=current,
                fresh=fresh, rows=tuple(dict(r) for r in self._rows),
                first_position=self._first_position,
            )

    def clear(self) -> None:
        with self._lock:
            self._rows = [dict() for _ in range(HEADS)]
            self._raw.clear()
            self._in_progress.clear()
            self._last_position = -1
            self._context = ()
            self._latest = None
