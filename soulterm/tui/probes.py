"""Snapshots of the transformer's inner values, taken at the kernels' own symbols.

Some values live in RAM only for a moment: the hidden state is overwritten
by every layer, a head's scores by the next head. The host therefore stops
the CPU (a breakpoint it keeps to itself) at a few routine entries named in
the build map and copies what the panels need, then lets it go on. Each
machine's kernels have their own names and memory layout; a ProbeLayout says,
per machine, which symbols to stop at for each moment and where each value
lives and how its bytes are laid out (Numbers), so one recorder serves both:

  moment       C64 (6502, kernels/)        Spectrum (Z80, kernels/z80/)
  position     forward_position/_prefill   forward_step/forward_prefill   a new position (its cycles begin)
  layer        fw_layer / fw_layer_kv      fw_layer_kv                    h = layer L's input; from L = 1
                                                                          on, z = the previous layer's FFN units
  output       forward_logits              argmax                         h / z after the last layer
  logits       argmax                      argmax                         the logits of the position, from
                                                                          the output h by the LogitLens (the
                                                                          kernels compute only the rows that
                                                                          may win exactly: forward.s)
  raw score    at_weights (every key j)    attend_head@summed (key j)     q.k in 40 bits
                                           or, with AT_PLANE_SCORES (the
                                           128K) or AT_FAST_SCORES (the
                                           48K), attend_head@means
  weights      at_weighted_sum             attend_head@means              q.k >> 14, the row's max, the
                                                                          exp-LUT weights and their sum

The 6502 keeps a vector's low bytes and high bytes 128 apart and a score's
five bytes in five planes; the Z80 keeps little-endian words and a score's
bytes together, and sums one key's q.k (at_sum40) at a time, so its raw
score is copied key by key. The numbers are the kernels' own: the 6502's
q.k >> 14 in 24 bits, the Z80's in 32 (the 128K's bit-plane heads' in 16 since the
thirty-third round, AT_SHORT_SCORES). The Z80's bit-plane scores (pl_keys,
AT_PLANE_SCORES) and its scores through the squares table (AT_FAST_SCORES,
since the twenty-first round) keep only q.k >> 14, so for a head that took them q.k is
computed here from the machine's own q (at_q) and cached keys (at_keys) at
attend_head@means, each key's checked against the kernel's f there (q.k >> 14
must be at_scores[j]: a key whose read does not match shows as None).

Between those stops the host samples the PC every SAMPLE_CYCLES (the C64's;
a faster clock scales it, as the host's slices); each sample
is put down to a kernel (soulterm.player.attribution, with the machine's
rules) and to the position being computed, and each position's exact cycle
count comes from the cycle counter at the position probes. All of it is
plain data (ProbeView), so the machine process can send it to the UI.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from soulterm.player.attribution import RULES, Attribution
from soulterm.tui.lens import LensUnavailable, LogitLens
from soulterm.soul.spec import CONTEXT, EMBED_DIM as E, FFN_DIM, HEAD_DIM, N_LAYERS, VOCAB_SIZE

SAMPLE_CYCLES = 4_999       # PC sample period on the C64 (odd: no beat with the kernels' even loop lengths)
BEFORE_FIRST = -1           # position key for what runs before a turn's first position (tokenizer)
VECTOR_HIGH = 128           # kernels/memory.inc: a 6502 vector's high bytes sit 128 after its low bytes


@dataclass(frozen=True)
class Numbers:
    """Where a run of integers lives in RAM: byte n (least significant first) of
    number i is at `planes[n]` (a symbol and an offset from it) + i * `stride`,
    kept shifted left by `shift` bits (read back exactly: the low bits are 0)."""

    planes: tuple[tuple[str, int], ...]
    stride: int
    signed: bool = True
    shift: int = 0

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(name for name, _ in self.planes))

    def read(self, ram, symbols: dict[str, int], count: int, first: int = 0) -> tuple[int, ...]:
        bases = [symbols[name] + offset for name, offset in self.planes]
        top = 1 << (8 * len(bases) - 1)
        out = []
        for i in range(first, first + count):
            value = 0
            for n, base in enumerate(bases):
                value |= ram[(base + i * self.stride) & 0xFFFF] << (8 * n)
            out.append((value - 2 * top if self.signed and value & top else value) >> self.shift)
        return tuple(out)

    def one(self, ram, symbols: dict[str, int]) -> int:
        return self.read(ram, symbols, 1)[0]


def _word(ram, address: int) -> int:
    return ram[address & 0xFFFF] | ram[(address + 1) & 0xFFFF] << 8


def _int16(word: int) -> int:
    return word - 0x10000 if word & 0x8000 else word


def split_vector(symbol: str) -> Numbers:
    """A 6502 vector of int16: low bytes at the symbol, high bytes VECTOR_HIGH later."""
    return Numbers(((symbol, 0), (symbol, VECTOR_HIGH)), 1)


def packed(symbol: str, width: int, signed: bool = True) -> Numbers:
    """Little-endian numbers of `width` bytes one after the other (the Z80's words)."""
    return Numbers(tuple((symbol, n) for n in range(width)), width, signed)


@dataclass(frozen=True)
class ProbeLayout:
    """What the probes stop at and read on one machine's kernels (see the module doc)."""

    position_entries: tuple[str, ...]   # a position starts
    layer_entries: tuple[str, ...]      # h = the input of layer `layer`
    output_entry: str                   # h = the last layer's output
    logits_entry: str                   # the logits are complete
    raw_entry: str                      # the q.k sums are complete (all keys, or key `raw_key`)
    weights_entry: str                  # the shifted scores, the max and the LUT weights are complete
    position: str                       # byte: the position being computed
    layer: str                          # byte: the layer being computed
    head: str                           # byte: the head being computed
    hidden: Numbers                     # EMBED_DIM int16
    ffn: Numbers                        # FFN_DIM int16, after ReLU
    logits: Numbers                     # VOCAB_SIZE int16
    raw: Numbers                        # q.k per key (40 bits)
    shifted: Numbers                    # q.k >> 14 per key
    best: Numbers                       # the largest shifted score
    weights: Numbers                    # the exp-LUT weight per key
    weight_sum: Numbers
    raw_key: tuple[str, str, str] | None = None   # one key at a time: j = (word at [0] - word at [1]) // the constant [2]
    # Where a build has one of the symbols raw_by_dot_in (kernels that keep only q.k >> 14), the
    # q.k that raw_entry did not copy are computed at weights_entry from the head's q (at the word
    # at raw_by_dot[0]) and key j (at the word at [1] + j * the constant [2]), int16 words in RAM.
    raw_by_dot: tuple[str, str, str] | None = None
    raw_by_dot_in: tuple[str, ...] = ()
    # Where a build has the symbol short_scores_in, a head whose q.k came by raw_by_dot keeps its
    # shifted scores as short_scores, the old dot's heads as `shifted` (the 128K's AT_SHORT_SCORES:
    # pl_keys' f as words, thirty-third round).
    short_scores: Numbers | None = None
    short_scores_in: str | None = None
    # Where a build has the symbol words_in, those heads keep f as `words` from key 0 on and max f as
    # `best_word` (the 48K's pl_keys, PL_PACKED, since the thirty-fifth round; its old dot 4 bytes).
    words: Numbers | None = None
    best_word: Numbers | None = None
    words_in: str | None = None
    # The id a position computes and the turn's context (bytes): a machine that copies
    # positions from records (the 128K's and the C64's position 1) keeps an earlier turn's numbers of a
    # position only where that turn computed the same id there. None, or not in the
    # symbols (a kernels' bench): kept as they are.
    token: str | None = None
    context: str | None = None

    @property
    def entry_symbols(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.position_entries + self.layer_entries + (
            self.output_entry, self.logits_entry, self.raw_entry, self.weights_entry)))

    @property
    def data_symbols(self) -> tuple[str, ...]:
        numbers = (self.hidden, self.ffn, self.logits, self.raw, self.shifted, self.best, self.weights,
                   self.weight_sum)
        key = (self.raw_key or ()) + (self.raw_by_dot or ())
        return tuple(dict.fromkeys((self.position, self.layer, self.head, *key,
                                    *(s for n in numbers for s in n.symbols))))


# The 48K's packed key planes (attention.s's PL_PACKED, planekeys48.s, thirty-fourth round): no key cache; the head's
# keys are its planes 0..11 from the word at pl_planes (PL_KEY_BYTES a key, plane 11 complemented) and 12..15 from the
# word at pl_high_planes (PL_HIGH_KEY_BYTES a key), and the old dot walks them rebuilt at pl_tables, 16 bytes apart
PACKED_PLANES = "PL_PACKED"
PACKED_ROWS = "pl_tables"


def _high_planes(ram, s) -> int:
    """The running head's planes 12..15 at position 0: the word at pl_high_planes, or where the player works it out
    only for the old dot (PL_HIGH_BY_HEAD, forward.s's fw_high_planes) from the layer and head."""
    if "pl_high_planes" in s:
        return _word(ram, s["pl_high_planes"])
    return s["kv_high_planes"] + (s["FW_HEADS"] * ram[s["fw_layer_index"]] + ram[s["fw_head"]]) * s["PL_HIGH_HEAD_BYTES"]


def _packed_key(ram, s, j: int) -> list[int]:
    """Key j of the running head from the 48K's packed planes (PACKED_PLANES): bit d of plane b is bit b of
    k[d] + 2048."""
    low = _word(ram, s["pl_planes"]) + j * s["PL_KEY_BYTES"]
    high = _high_planes(ram, s) + j * s["PL_HIGH_KEY_BYTES"]
    planes = [ram[low + b] for b in range(s["PL_KEY_BYTES"])] + [ram[high + b] for b in range(s["PL_HIGH_KEY_BYTES"])]
    planes[11] ^= 0xFF
    return [_int16((sum(((plane >> d) & 1) << b for b, plane in enumerate(planes)) - 2048) & 0xFFFF)
            for d in range(HEAD_DIM)]


# The Z80's head's weights (attention.s's at_lut): where a build has no at_lut (the 48K player's
# AT_LUT_IN_WEIGHTS, twenty-ninth round: each head's weights written in place in att_weights), the
# operand at WEIGHTS_POINTER + 1 holds the running head's (forward.s patches it in)
WEIGHTS_SYMBOL = "at_lut"
WEIGHTS_POINTER = "at_means_walk"


PROBE_LAYOUTS = {
    "c64": ProbeLayout(
        position_entries=("forward_position", "forward_prefill"), layer_entries=("fw_layer", "fw_layer_kv"),
        output_entry="forward_logits", logits_entry="argmax",
        raw_entry="at_weights", weights_entry="at_weighted_sum",
        position="at_t", layer="at_layer", head="at_head",
        hidden=split_vector("VEC_H"), ffn=split_vector("VEC_Z"), logits=split_vector("VEC_LOGITS"),
        raw=Numbers(tuple((f"SCORE_{n}", 0) for n in range(5)), 1, shift=1),   # 2*q.k, as summed
        shifted=Numbers(tuple((f"SHIFTED_{n}", 0) for n in range(3)), 1),
        best=Numbers((("at_max", 0), ("at_max", 1), ("at_max", 2)), 0),
        weights=Numbers((("SCORE_0", 0),), 1, signed=False),        # at_weights keeps w there
        weight_sum=packed("at_wsum", 2, signed=False),
        token="fw_token", context="CONTEXT_IDS",    # the first RUN computes six openers' position 1
    ),
    "zx": ProbeLayout(
        position_entries=("forward_step", "forward_prefill"), layer_entries=("fw_layer_kv",),
        output_entry="fw_next_token", logits_entry="fw_next_token",   # fw_h and fw_ffn stay put for the logits
                                        # (the argmax's entry until the 128K's logitplanes.s, which runs none)
        raw_entry="attend_head@summed", weights_entry="attend_head@means",
        position="fw_pos", layer="fw_layer_index", head="fw_head",
        hidden=packed("fw_h", 2), ffn=packed("fw_ffn", 2), logits=packed("fw_logits", 2),
        raw=Numbers(tuple(("at_sum40", n) for n in range(5)), 0),
        shifted=Numbers(tuple(("at_scores", n) for n in range(3)), 4),      # f's low three bytes of four (the 48K's
        best=Numbers(tuple(("at_max", n) for n in range(3)), 0),          # pl_keys stores no byte 3: |f| < 2^23 always)
        weights=packed(WEIGHTS_SYMBOL, 1, signed=False), weight_sum=packed("at_lut_sum", 2, signed=False),
        raw_key=("at_row", "at_keys", "AT_STRIDE"),                   # attention.s walks the keys so
        raw_by_dot=("at_q", "at_keys", "AT_STRIDE"),    # the plane heads and the fast ones (the old dot's: attend_head@summed)
        raw_by_dot_in=("pl_keys", "at_fast_total"),     # AT_PLANE_SCORES (the 128K), AT_FAST_SCORES (the 48K)
        short_scores=packed("pl_scores_end", 2), short_scores_in="AT_SHORT_SCORES",   # (the 128K's pl_keys since zxwalk33;
                                        # the last key's ends at pl_scores_end since zxwalk33b)
        words=packed("at_scores", 2), best_word=packed("at_max", 2), words_in=PACKED_PLANES,    # (the 48K's pl_keys)
        token="fw_token", context="ctx_ids",
    ),
}


@dataclass(frozen=True)
class ScoreSnapshot:
    """One head's scores at one position, as the CPU had them."""

    raw: tuple[int | None, ...] # q.k per key position j (40-bit, signed; None: raw_by_dot did not match f)
    shifted: tuple[int, ...]    # q.k >> 14, as the kernel keeps it (6502: 24-bit, Z80: 32-bit; 16 AT_SHORT_SCORES')
    best: int                   # the largest shifted score
    weights: tuple[int, ...]    # the exp-LUT weight of every key position
    weight_sum: int             # their sum
    raw_by_dot: bool = False    # raw computed from q and the keys in RAM (each checked against shifted)


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
    tokens: dict = field(default_factory=dict)                    # position -> the id computed there

    @property
    def available(self) -> bool:
        return not self.missing


class ProbeRecorder:
    """Lives in the machine's thread; `view()` may be called from any thread."""

    def __init__(self, symbols: dict[str, int], machine: str = "c64", lens_rows_apart=()) -> None:
        """`machine`: the kind whose kernels run ("c64" | "zx"), for its ProbeLayout;
        `lens_rows_apart`: the map's rows of out off the tape (the logit lens's)."""
        self.symbols = symbols
        self.machine = machine
        self.lens_rows_apart = lens_rows_apart
        self.layout = layout = PROBE_LAYOUTS[machine]
        self._lens: LogitLens | None = None     # read from RAM at the first logits
        missing = [n for n in layout.entry_symbols + layout.data_symbols if n not in symbols
                   and not (n == WEIGHTS_SYMBOL and WEIGHTS_POINTER in symbols)]
        self.entries: dict[int, list[str]] = {}      # address -> the moments there
        if not missing:
            for name in layout.entry_symbols:
                self.entries.setdefault(symbols[name], []).append(name)
        self.attribution = Attribution(symbols, RULES[machine])
        self._lock = threading.Lock()
        self._view = ProbeView(missing=tuple(missing))
        self._position_started: int | None = None
        self._prelude: dict[str, int] = {}      # samples while no position runs
        self._turn_over = True                  # the machine waited for a key: the next position starts a turn

    @property
    def addresses(self) -> frozenset[int]:
        return frozenset(self.entries)

    def clear(self) -> None:
        with self._lock:
            self._view = ProbeView(missing=self._view.missing)
            self._position_started = None
            self._prelude = {}
            self._turn_over = True

    # -- called by the machine thread -----------------------------------------

    def hit(self, pc: int, ram, cycles: int) -> None:
        """The CPU is at probe address `pc` (before that instruction runs)."""
        names = self.entries.get(pc)
        if names is None:
            return
        s, lay = self.symbols, self.layout
        with self._lock:
            t = ram[s[lay.position]]
            if t >= CONTEXT:
                return
            for name in names:
                self._moment(name, t, ram, cycles)

    def _moment(self, name: str, t: int, ram, cycles: int) -> None:
        s, lay = self.symbols, self.layout
        if name in lay.position_entries:
            self._start_position(t, cycles, ram)
        v = self._view
        if name in lay.layer_entries and lay.token in s:
            # The id is stored by now on both machines (the C64's routines store it first thing).
            v.tokens[t] = ram[s[lay.token]]
        if name in lay.layer_entries or name == lay.output_entry:
            stage = N_LAYERS if name == lay.output_entry else ram[s[lay.layer]]
            if stage > N_LAYERS:
                return
            v.hidden[(t, stage)] = lay.hidden.read(ram, s, E)
            if stage > 0:
                v.ffn[(t, stage - 1)] = lay.ffn.read(ram, s, FFN_DIM)
        if name == lay.logits_entry:
            v.logits[t] = self._logits(t, ram)
        if name == lay.raw_entry:
            key = (t, ram[s[lay.layer]], ram[s[lay.head]])
            if lay.raw_key is None:
                raw = lay.raw.read(ram, s, t + 1)
            else:   # one key's sum: key j follows the keys before it
                at, first, stride = lay.raw_key
                if PACKED_PLANES in s:      # (the 48K's old dot walks the keys pl_old_keys rebuilt in pl_tables)
                    j = (_word(ram, s[at]) - s[PACKED_ROWS]) // (2 * HEAD_DIM)
                else:
                    j = (_word(ram, s[at]) - _word(ram, s[first])) // s[stride]
                before = v.scores.get(key)
                earlier = before.raw if before else ()
                if not 0 <= j <= t or len(earlier) < j:
                    return                  # the probes came in after this head's first keys
                raw = earlier[:j] + (lay.raw.one(ram, s),)
            v.scores[key] = ScoreSnapshot(raw, (), 0, (), 0)
        if name == lay.weights_entry:
            key = (t, ram[s[lay.layer]], ram[s[lay.head]])
            before = v.scores.get(key)
            raw = before.raw if before else ()
            by_dot = len(raw) <= t and lay.raw_by_dot is not None and any(n in s for n in lay.raw_by_dot_in)
            short = by_dot and lay.short_scores is not None and lay.short_scores_in in s
            words = by_dot and lay.words is not None and lay.words_in in s
            if short:                   # (the head's t + 1 words end at the symbol)
                shifted = lay.short_scores.read(ram, s, t + 1, first=-(t + 1))
            elif words:
                shifted = lay.words.read(ram, s, t + 1)
            else:
                shifted = lay.shifted.read(ram, s, t + 1)
            if by_dot:
                raw = self._raw_by_dot(ram, shifted)
            if WEIGHTS_SYMBOL not in s and WEIGHTS_POINTER in s:     # (the 48K's weights by a pointer)
                s = {**s, WEIGHTS_SYMBOL: _word(ram, s[WEIGHTS_POINTER] + 1)}
            best = (lay.best_word if words else lay.best).one(ram, s)
            v.scores[key] = ScoreSnapshot(raw, shifted, best, lay.weights.read(ram, s, t + 1),
                                          lay.weight_sum.one(ram, s), by_dot)

    def _raw_by_dot(self, ram, shifted: tuple[int, ...]) -> tuple[int | None, ...]:
        """q.k for each key of the head, from its q and the cached keys in RAM (the layout's
        raw_by_dot); None for a key whose q.k >> 14 is not the kernel's own f (`shifted`)."""
        s = self.symbols
        q_at, keys_at, stride = self.layout.raw_by_dot
        words = lambda at, flip=0: [_int16(_word(ram, at + 2 * d) ^ flip) for d in range(HEAD_DIM)]   # noqa: E731
        q = words(_word(ram, s[q_at]))
        first = _word(ram, s[keys_at])
        flip = s.get("AT_KEYS_FLIPPED", 0)     # (AT_FAST_SCORES's cache keeps k ^ $8000)
        raw = []
        for j, f in enumerate(shifted):
            key = _packed_key(ram, s, j) if PACKED_PLANES in s else words(first + j * s[stride], flip)
            dot = sum(a * b for a, b in zip(q, key))
            raw.append(dot if dot >> 14 == f else None)
        return tuple(raw)

    def _logits(self, t: int, ram):
        """Position t's 128 logits, exact: the kernels keep only the rows that may win
        exactly (the others are bounds), so they come from the output h by the lens; the
        logits vector itself only in a build without the lens's symbols."""
        hidden = self._view.hidden.get((t, N_LAYERS))
        if hidden is not None and self._lens is None:
            try:
                self._lens = LogitLens.from_ram(ram, self.symbols, self.machine, self.lens_rows_apart)
            except LensUnavailable:
                pass
        if hidden is None or self._lens is None:
            return self.layout.logits.read(ram, self.symbols, VOCAB_SIZE)
        return tuple(int(x) for x in self._lens.logits(hidden))

    def _start_position(self, t: int, cycles: int, ram) -> None:
        v = self._view
        s, lay = self.symbols, self.layout
        if self._turn_over or t <= v.current or v.current < 0:
            # A new turn (the machine waited for a key since, or the cache starts again; its
            # first position need not be 0, which start-up computes once): what ran since the
            # machine last waited for a key (reading the line, the tokenizer) is its prelude.
            previous = v
            v = self._view = ProbeView(missing=v.missing, first_position=t,
                                       samples={BEFORE_FIRST: self._prelude})
            self._prelude = {}
            # Positions before t were computed earlier (start-up computes position 0, always
            # SEP, once) and stay in the cache: the panels keep showing what they held. Where
            # the machine says which id each position holds, only the positions an earlier
            # turn computed for the same id (a position 1 copied from its record may be
            # another id's in the view: the first RUN records six on the 128K and the C64).
            kept = set(range(t))
            if lay.token in s and lay.context in s:
                kept = {k for k in kept if k == 0 or previous.tokens.get(k) == ram[s[lay.context] + k]}
            v.hidden.update((k, x) for k, x in previous.hidden.items() if k[0] in kept)
            v.ffn.update((k, x) for k, x in previous.ffn.items() if k[0] in kept)
            v.logits.update((k, x) for k, x in previous.logits.items() if k in kept)
            v.scores.update((k, x) for k, x in previous.scores.items() if k[0] in kept)
            v.tokens.update((k, x) for k, x in previous.tokens.items() if k in kept)
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
                missing=v.missing, hidden=dict(v.hidden), ffn=dict(v.ffn), logits=dict(v.logits),
                scores=dict(v.scores), position_cycles=dict(v.position_cycles),
                samples={p: dict(c) for p, c in v.samples.items()}, current=v.current,
                first_position=v.first_position, tokens=dict(v.tokens))
