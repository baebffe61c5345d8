"""Snapshots of the transformer's inner values, taken at the kernels' own symbols.

Some values live in RAM only for a moment: VEC_H is overwritten by every
layer, the 40-bit scores of a head by the next head. The host therefore stops
the CPU (a breakpoint it keeps to itself) at a few routine entries named in
the build map and copies what the panels need, then lets it go on:

  forward_position / forward_prefill   a new position starts (at_t): its cycles begin
  fw_layer / fw_layer_kv               VEC_H = the input of layer at_layer, and from
                                       layer 1 on VEC_Z = the previous layer's FFN units
  forward_logits                       VEC_H / VEC_Z after the last layer
  argmax                               VEC_LOGITS, the logits of position at_t
  at_weights                           SCORE_0..4: the 40-bit q.k of head at_head
  at_weighted_sum                      SCORE_2..4 = q.k >> 14, at_max, the LUT weights

Between those stops the host samples the PC every SAMPLE_CYCLES; each sample
is put down to a kernel (soulterm.player.attribution) and to the position
being computed, and each position's exact cycle count comes from the
cycle counter at the position probes. All of it is plain data (ProbeView),
so the machine process can send it to the UI.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field

from soulterm.player.attribution import Attribution
from soulterm.soul.spec import CONTEXT, EMBED_DIM as E, FFN_DIM, N_LAYERS, VOCAB_SIZE

SAMPLE_CYCLES = 4_999       # PC sample period (odd: no beat with the kernels' even loop lengths)
BEFORE_FIRST = -1           # position key for what runs before a turn's first position (tokenizer)

# Symbols the probes stop at, and the RAM they read; a build without one says so.
ENTRY_SYMBOLS = ("forward_position", "forward_prefill", "fw_layer", "fw_layer_kv", "forward_logits",
                 "argmax", "at_weights", "at_weighted_sum")
DATA_SYMBOLS = ("VEC_H", "VEC_Z", "VEC_LOGITS", "SCORE_0", "SCORE_1", "SCORE_2", "SCORE_3", "SCORE_4",
                "at_t", "at_layer", "at_head", "at_max", "at_wsum", "ATT_WEIGHTS", "exp_lut")
VECTOR_HIGH = 128           # kernels/memory.inc: a vector's high bytes sit 128 after its low bytes


@dataclass(frozen=True)
class ScoreSnapshot:
    """One head's scores at one position, as the 6502 had them."""

    raw: tuple[int, ...]        # q.k per key position j (40-bit, signed)
    shifted: tuple[int, ...]    # q.k >> 14 (24-bit, signed), as at_weights left it
    best: int                   # at_max: the largest shifted score
    weights: tuple[int, ...]    # the exp-LUT weight of every key position
    weight_sum: int             # at_wsum


@dataclass
class ProbeView:
    """What the probes have seen this turn (plain data: it crosses the process pipe)."""

    missing: tuple[str, ...] = ()                                # symbols this build lacks
    hidden: dict = field(default_factory=dict)                    # (position, stage) -> 32 ints; stage 0 = embed
    ffn: dict = field(default_factory=dict)                       # (position, layer) -> 64 ints after ReLU
    logits: dict = field(default_factory=dict)                    # position -> 128 ints
    scores: dict = field(default_factory=dict)                    # (position, layer, head) -> ScoreSnapshot
    position_cycles: dict = field(default_factory=dict)           # position -> exact cycles (finished ones)
    samples: dict = field(default_factory=dict)                   # position -> {kernel: PC samples}
    current: int = BEFORE_FIRST                                   # position being computed
    first_position: int = 0
    unavailable: str = ""                                         # why this machine has no probes at all

    @property
    def available(self) -> bool:
        return not self.missing and not self.unavailable


def read_vector(ram, address: int, length: int) -> tuple[int, ...]:
    """`length` int16 values of a kernels vector (low bytes at +i, high at +128+i)."""
    out = []
    for i in range(length):
        value = ram[address + i] | ram[address + VECTOR_HIGH + i] << 8
        out.append(value - 0x10000 if value & 0x8000 else value)
    return tuple(out)


def _signed(value: int, bits: int) -> int:
    return value - (1 << bits) if value & (1 << (bits - 1)) else value


class ProbeRecorder:
    """Lives in the machine's thread; `view()` may be called from any thread."""

    def __init__(self, symbols: dict[str, int], unavailable: str = "") -> None:
        """`unavailable`: one line saying why this machine's kernels cannot be probed (then none are)."""
        self.symbols = symbols
        missing = [n for n in ENTRY_SYMBOLS + DATA_SYMBOLS if n not in symbols]
        self.entries = {} if missing or unavailable else {symbols[n]: n for n in ENTRY_SYMBOLS}
        self.attribution = Attribution(symbols)
        self._lock = threading.Lock()
        self._view = ProbeView(missing=tuple(missing), unavailable=unavailable)
        self._position_started: int | None = None
        self._prelude: dict[str, int] = {}      # samples while no position runs
        self._turn_over = True                  # the machine waited for a key: the next position starts a turn

    @property
    def addresses(self) -> frozenset[int]:
        return frozenset(self.entries)

    def clear(self) -> None:
        with self._lock:
            self._view = ProbeView(missing=self._view.missing, unavailable=self._view.unavailable)
            self._position_started = None
            self._prelude = {}
            self._turn_over = True

    # -- called by the machine thread -----------------------------------------

    def hit(self, pc: int, ram, cycles: int) -> None:
        """The CPU is at probe address `pc` (before that instruction runs)."""
        name = self.entries.get(pc)
        if name is None:
            return
        s = self.symbols
        with self._lock:
            v = self._view
            t = ram[s["at_t"]]
            if t >= CONTEXT:
                return
            if name in ("forward_position", "forward_prefill"):
                self._start_position(t, cycles)
            elif name in ("fw_layer", "fw_layer_kv", "forward_logits"):
                stage = N_LAYERS if name == "forward_logits" else ram[s["at_layer"]]
                if stage > N_LAYERS:
                    return
                v.hidden[(t, stage)] = read_vector(ram, s["VEC_H"], E)
                if stage > 0:
                    v.ffn[(t, stage - 1)] = tuple(max(0, x) for x in read_vector(ram, s["VEC_Z"], FFN_DIM))
            elif name == "argmax":
                v.logits[t] = read_vector(ram, s["VEC_LOGITS"], VOCAB_SIZE)
            elif name == "at_weights":
                key = (t, ram[s["at_layer"]], ram[s["at_head"]])
                raw = tuple(_signed(sum(ram[s[f"SCORE_{n}"] + j] << (8 * n) for n in range(5)), 40)
                            for j in range(t + 1))
                v.scores[key] = ScoreSnapshot(raw, (), 0, (), 0)
            elif name == "at_weighted_sum":
                key = (t, ram[s["at_layer"]], ram[s["at_head"]])
                before = v.scores.get(key)
                shifted = tuple(_signed(sum(ram[s[f"SCORE_{n}"] + j] << (8 * (n - 2)) for n in (2, 3, 4)), 24)
                                for j in range(t + 1))
                best = _signed(ram[s["at_max"]] | ram[s["at_max"] + 1] << 8 | ram[s["at_max"] + 2] << 16, 24)
                weights = tuple(ram[s["SCORE_0"] + j] for j in range(t + 1))   # at_weights keeps w there
                v.scores[key] = ScoreSnapshot(before.raw if before else (), shifted, best, weights,
                                              ram[s["at_wsum"]] | ram[s["at_wsum"] + 1] << 8)

    def _start_position(self, t: int, cycles: int) -> None:
        v = self._view
        if self._turn_over or t <= v.current or v.current < 0:
            # A new turn (the machine waited for a key since, or the cache starts again; its
            # first position need not be 0, which start-up computes once): what ran since the
            # machine last waited for a key (reading the line, the tokenizer) is its prelude.
            previous = v
            v = self._view = ProbeView(missing=v.missing, unavailable=v.unavailable, first_position=t,
                                       samples={BEFORE_FIRST: self._prelude})
            self._prelude = {}
            # Positions before t were computed earlier (start-up computes position 0, always
            # SEP, once) and stay in the cache: the panels keep showing what they held.
            v.hidden.update((k, x) for k, x in previous.hidden.items() if k[0] < t)
            v.ffn.update((k, x) for k, x in previous.ffn.items() if k[0] < t)
            v.logits.update((k, x) for k, x in previous.logits.items() if k < t)
            v.scores.update((k, x) for k, x in previous.scores.items() if k[0] < t)
        elif self._position_started is not None:
            v.position_cycles[v.current] = cycles - self._position_started
        v.current = t
        self._position_started = cycles
        self._turn_over = False

    def finish(self, cycles: int) -> None:
        """The machine waits for a key: the turn's last position (if any) is over."""
        with self._lock:
            v = self._view
            if v.current >= 0 and self._position_started is not None:
                v.position_cycles[v.current] = cycles - self._position_started
            self._position_started = None
            self._prelude = {}
            self._turn_over = True

    def sample(self, pc: int, sp: int, ram) -> None:
        """A PC sample, put down to a kernel and the position being computed."""
        kernel = self.attribution.kernel_of(pc, sp, ram)
        with self._lock:
            if self._position_started is None:
                counts = self._prelude
            else:
                counts = self._view.samples.setdefault(self._view.current, {})
            counts[kernel] = counts.get(kernel, 0) + 1

    def view(self) -> ProbeView:
        """A copy safe to hand to another thread or process."""
        with self._lock:
            v = self._view
            return ProbeView(
                missing=v.missing, unavailable=v.unavailable, hidden=dict(v.hidden), ffn=dict(v.ffn), logits=dict(v.logits),
                scores=dict(v.scores), position_cycles=dict(v.position_cycles),
                samples={p: dict(c) for p, c in v.samples.items()}, current=v.current,
                first_position=v.first_position)
