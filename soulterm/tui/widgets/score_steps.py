"""One attention score, step by step, as the CPU computed it.

Pick a head (1-8, or Up/Down for the layer) and a key position (Left/Right).
For the latest position that head ran at, the numbers from RAM, in the
order the kernel makes them: q.k as a 40-bit sum, the same >> 14 and the
row's largest, the exp-LUT index max - f clamped to 127, the LUT weight the
kernel stored, and the normalised weight (weight / row sum: the divide the
kernel does in its weighted mean). On the C64 the 40-bit sums are SCORE_0..4,
which hold 2*q.k (copied when `at_weights` starts) and f is kept in 24 bits (SHIFTED_0..2); the Z80 sums
one key at a time in at_sum40 (copied at attend_head@summed, key by key) and
keeps f in 32 bits (at_scores); its bit-plane scores (the 128K's pl_keys) and its
scores through the squares table (the 48K's AT_FAST_SCORES) keep only f, so there q.k is the head's q (at_q) times key j of the cache (at_keys),
read from RAM and shown only where its >> 14 is the kernel's f. Beside each
step, the attention.s line that did it, found through the build map's symbols
and line table.
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding

from soulterm.paths import ROOT as REPO_ROOT
from soulterm.soul.spec import N_HEADS, N_LAYERS
from soulterm.tui import debugging
from soulterm.tui.probes import ProbeView
from soulterm.tui.widgets.insight import InsightPanel

HEADS = N_LAYERS * N_HEADS
LUT_LAST = 127

# Per machine: step -> (the symbol its code starts at, a word of the line that does it), or
# several such pairs, the first whose symbol the build has winning (a build option's path first)
STEP_SOURCES = {
    "c64": {
        "q.k": ("at_fast_slots_end", "score ="),
        ">> 14": ("at_fast_slots_end", ">> 14"),
        "max": ("at_fast_slots_end", "sbc at_max"),
        "index": ("at_weights@weight", "M - f"),
        "weight": ("at_weights@near", "exp_lut"),
        "normalised": ("at_divide", "divisor"),
    },
    "zx": {
        "q.k": (("pl_keys@key", "(R >> 1) + P_b"),          # AT_PLANE_SCORES (the 128K player)
                ("attend_head@dims", "S(wl + qh)"),         # AT_FAST_SCORES (its before the sixteenth round)
                ("attend_head@dot", "mul16s")),
        ">> 14": (("pl_keys@sum_q", "sum >> 14"),            # AT_PLANE_SCORES
                  ("pl_keys@shift", "q.k >> 14"),            # PL_PACKED (the 48K player since zx48wire34)
                  ("attend_head@fast_shift", "sum >> 14"),   # AT_FAST_SCORES
                  ("attend_head@shift", "sum >> 14")),
        "max": (("pl_keys@summed", "max f so far"),          # AT_PLANE_SCORES
                ("attend_head@fast_summed", "max f so far"),  # AT_FAST_SCORES
                ("attend_head@max", "sign of")),
        "index": (("at_short_weights@weight", "max f - f"),   # AT_SHORT_SCORES (the 128K player's weights' loop)
                  ("attend_head@weight", "difference")),
        "weight": (("at_short_weights@weight", "(exp_lut"),      # (its exp_lut read: `ld h,exp_lut >> 8`)
                   ("attend_head@near", "exp_lut")),
        "normalised": (("attend_head@divide", "at_means_divide"),          # AT_TABLE_MEANS (the 48K player)
                       ("attend_head@dimension", "div32s_floor_q16")),
    },
}
# Per machine: what the q.k and >> 14 rows say about where their numbers are kept.
STEP_NOTES = {
    "c64": ("(40-bit)", "score f"),
    "zx": ("(40-bit at_sum40)", "score f (at_scores, 16 or 32 bits)"),
}
RAW_BY_DOT_NOTE = "(at_q . key j from RAM, >> 14 = f)"   # ScoreSnapshot.raw_by_dot
SOURCE_SEARCH_BYTES = 96      # how far past the symbol to look for that line


class ScoreStepsPanel(InsightPanel):
    TITLE = "One score, step by step"
    TAB = "Score"
    EXPLANATION = ("How one attention weight is made: q·k (40-bit), >> 14, distance to the row's max "
                   "as an exp-table index, the table's weight, divided by the row's sum.")
    BINDINGS = InsightPanel.BINDINGS + [
        Binding("left", "key(-1)", "Key -", show=False),
        Binding("right", "key(1)", "Key +", show=False),
        Binding("up", "layer(-1)", "Layer", show=False),
        Binding("down", "layer(1)", "Layer", show=False),
    ] + [Binding(str(i + 1), f"head({i})", f"L{i // N_HEADS}H{i % N_HEADS}", show=False) for i in range(HEADS)]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.head = 0
        self.key: int | None = None      # None: the query position itself (the diagonal)

    def action_head(self, index: int) -> None:
        self.head = index % HEADS
        self.refresh()

    def action_layer(self, delta: int) -> None:
        layer, head = divmod(self.head, N_HEADS)
        self.head = ((layer + delta) % N_LAYERS) * N_HEADS + head
        self.refresh()

    def action_key(self, delta: int) -> None:
        found = self._snapshot()
        if found is None:
            return
        t = found[0]
        current = t if self.key is None else min(self.key, t)
        self.key = max(0, min(t, current + delta))
        self.refresh()

    def _snapshot(self):
        view = self._view
        if view is None:
            return None
        layer, head = divmod(self.head, N_HEADS)
        positions = [t for (t, lay, hd), s in view.scores.items() if (lay, hd) == (layer, head) and s.weights]
        if not positions:
            return None
        t = max(positions)
        return t, view.scores[(t, layer, head)]

    def _source(self, step: str) -> str:
        """The attention.s line that does `step`: the first line after its symbol
        that contains its word (else the symbol's own line), as file:line and text."""
        sources = STEP_SOURCES[self._map.machine][step]
        if isinstance(sources[0], str):
            sources = (sources,)
        found_symbol = next(((self._map.symbols[symbol], word) for symbol, word in sources
                             if symbol in self._map.symbols), None)
        if found_symbol is None:
            return "(not in this build)"
        start, word = found_symbol
        found = None
        for address, file, line in self._map.lines:
            if start <= address < start + SOURCE_SEARCH_BYTES:
                source = debugging.source_text(REPO_ROOT, file, line)
                if found is None:
                    found = (file, line, source)
                if word in source:
                    found = (file, line, source)
                    break
        if found is None:
            return "(no source line in the map)"
        file, line, source = found
        return f"{file.rsplit('/', 1)[-1]}:{line}  {source.strip()}"

    def render_view(self, view: ProbeView) -> Text:
        text = Text(no_wrap=True, overflow="crop")
        layer, head = divmod(self.head, N_HEADS)
        text.append(f"L{layer}H{head}", style="bold reverse")
        text.append("  (1-8 head, ↑↓ layer, ←→ key position)\n", style="dim")
        found = self._snapshot()
        if found is None:
            text.append("this head has not run yet this turn", style="dim")
            return text
        t, s = found
        j = t if self.key is None else min(self.key, t)
        context = self.context()
        name = lambda p: self.token_text(context[p]) if p < len(context) else "?"
        text.append(f"query position {t} ({name(t)}) · key position {j} ({name(j)})\n", style="bold")
        shifted = s.shifted[j]
        index = min(LUT_LAST, s.best - shifted)
        share = s.weights[j] / s.weight_sum if s.weight_sum else 0.0
        raw_note, shifted_note = STEP_NOTES[self._map.machine]
        if s.raw_by_dot:
            raw_note = RAW_BY_DOT_NOTE
        if j < len(s.raw) and s.raw[j] is None:     # q and key j as read: their q.k >> 14 is not f
            q_k = ("no match", "(at_q . key j from RAM, >> 14 is not f)")
        elif j < len(s.raw):
            raw = s.raw[j]
            q_k = (f"{raw:,}", f"${raw & 0xFF_FFFF_FFFF:010X}  {raw_note}")
        else:           # the probes began after this head had summed key j
            q_k = ("not seen", "the probes came in after this sum")
        steps = (
            ("q.k", *q_k),
            (">> 14", f"{shifted:,}", shifted_note),
            ("max", f"{s.best:,}", "largest f of the row"),
            ("index", f"{index}", f"min(127, {s.best:,} - {shifted:,})"),
            ("weight", f"{s.weights[j]}", "exp_lut[index]"),
            ("normalised", f"{share * 100:.1f}%", f"{s.weights[j]} / {s.weight_sum} (row sum)"),
        )
        for step, value, note in steps:
            text.append(f"{step:<11}", style="bold")
            text.append(f"{value:>16}  ", style="yellow")
            text.append(f"{note}\n")
            text.append(f"{'':<11}{self._source(step)}\n", style="dim")
        return text
