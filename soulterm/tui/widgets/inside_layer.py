"""Inside a layer: the FFN's 64 units, the residual stream, the logit lens.

For the latest position both layers ran for: each layer's 64 feed-forward
units after ReLU as a strip (height = activation, blank = zero) with how
many are zero (sparsity); the residual stream's size (RMS, in Q8.8 units)
after the embedding and after each layer; and the logit lens: the token
each of those hidden states would pick if it were the last layer's (RMSNorm
and the output matrix applied to it, with the weights read from RAM). The
numbers are the CPU's: the 6502's VEC_H and VEC_Z, the Z80's fw_h and fw_ffn.
"""

from __future__ import annotations

import numpy as np
from rich.text import Text

from soulterm.soul.intmath import argmax_token
from soulterm.soul.spec import FFN_DIM, N_LAYERS
from soulterm.tui.lens import LensUnavailable, LogitLens
from soulterm.tui.probes import ProbeView
from soulterm.tui.widgets.insight import InsightPanel, bar

STRIP = " ▁▂▃▄▅▆▇█"
BAR_WIDTH = 24


def unit_strip(units) -> str:
    """One cell per unit, its height relative to the layer's largest; zero is blank."""
    top = max(units, default=0) or 1
    return "".join(STRIP[max(1, round(u / top * 8))] if u > 0 else STRIP[0] for u in units)


def rms(hidden) -> float:
    """The hidden state's root mean square, in real units (Q8.8 / 256)."""
    h = np.asarray(hidden, dtype=np.float64) / 256.0
    return float(np.sqrt(np.mean(h * h)))


def stage_name(stage: int) -> str:
    return "embedding" if stage == 0 else f"layer {stage - 1}"


class InsideLayerPanel(InsightPanel):
    TITLE = "Inside a layer"
    TAB = "Layer"
    EXPLANATION = ("FFN units after ReLU (blank = zero), the residual stream's size after each "
                   "layer, and the logit lens: what each layer's hidden state would predict.")

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._lens: LogitLens | None = None
        self._lens_error = ""

    def map_changed(self) -> None:
        self._lens, self._lens_error = None, ""

    def lens(self) -> LogitLens | None:
        if self._lens is None and not self._lens_error and self._ram is not None:
            try:
                self._lens = LogitLens.from_ram(self._ram, self._map.symbols, self._map.machine,
                                                self._map.lens_rows_apart)
            except LensUnavailable as exc:
                self._lens_error = str(exc)
        return self._lens

    @staticmethod
    def shown_position(view: ProbeView) -> int | None:
        full = [t for (t, stage) in view.hidden if stage == N_LAYERS]
        return max(full) if full else None

    def available_width(self) -> int:
        """The columns the panel's text has (0 before it is laid out: nothing is wrapped then)."""
        return self.content_size.width

    def render_view(self, view: ProbeView) -> Text:
        text = Text(no_wrap=True, overflow="crop")
        position = self.shown_position(view)
        if position is None:
            text.append("no position has run both layers yet this turn", style="dim")
            return text
        context = self.context()
        here = self.token_text(context[position]) if position < len(context) else "?"
        text.append(f"position {position}, after {here}\n", style="bold")
        for layer in range(N_LAYERS):
            units = view.ffn.get((position, layer))
            if units is None:
                continue
            zeros = sum(1 for u in units if u == 0)
            label, strip = f"FFN {layer} ", unit_strip(units)
            stats = f"  {zeros}/{FFN_DIM} zero, max {max(units) / 256:.2f}"
            text.append(label, style="bold")
            text.append(strip, style="green")
            width = self.available_width()
            if width and len(label) + len(strip) + len(stats) > width:     # (80 columns: the count on its own line)
                stats = "\n" + " " * (len(label) - 2) + stats
            text.append(stats + "\n")
        stages = [s for s in range(N_LAYERS + 1) if (position, s) in view.hidden]
        sizes = {s: rms(view.hidden[(position, s)]) for s in stages}
        top = max(sizes.values(), default=1.0) or 1.0
        lens = self.lens()
        text.append("\nresidual stream (RMS)" + " " * (BAR_WIDTH - 10) + "logit lens\n", style="dim")
        final = argmax_token(view.logits[position]) if position in view.logits else None
        for s in stages:
            text.append(f"{stage_name(s):<10}", style="bold")
            text.append(bar(sizes[s] / top, BAR_WIDTH // 2), style="cyan")
            text.append(f" {sizes[s]:6.2f}   ")
            if lens is None:
                text.append(self._lens_error or "no lens", style="dim")
            else:
                logits = lens.logits(view.hidden[(position, s)])
                pick = argmax_token(logits)
                text.append(f"{self.token_text(pick)[:10]:<10}", style="bold" if pick == final else "")
                text.append(f" {int(logits[pick]):>6}")
                if s == N_LAYERS:
                    text.append("  = the logits", style="dim")
            text.append("\n")
        return text
