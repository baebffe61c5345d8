"""Next token: the soul's top candidates after the logits kernel.

For the latest position whose logits the CPU computed (the probes compute
them exactly from its final hidden state with the LogitLens when `argmax`
starts: the kernels keep exact values only for the rows that may win), the 8 highest-scoring tokens among those the soulplayer may choose (ids
3..127), with their logit (Q8.8) and softmax share as a bar; the chosen one
(the kernels' argmax, the token that came next in the context) is marked. Below, for the prompt positions,
which token came next. Left/Right walk back through the turn's positions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rich.text import Text
from textual.binding import Binding

from soulterm.soul.spec import FIRST_CHOOSABLE
from soulterm.tui.probes import ProbeView
from soulterm.tui.widgets.insight import InsightPanel, bar

CANDIDATES = 8
Q88 = 256.0          # logits are Q8.8: the softmax takes logit / 256
BAR_WIDTH = 20


@dataclass(frozen=True)
class Candidate:
    token: int
    logit: int           # as the CPU computed it (Q8.8)
    share: float         # softmax probability over the choosable tokens
    chosen: bool


def candidates(logits, count: int = CANDIDATES) -> list[Candidate]:
    """The `count` best choosable tokens, best first (lowest id first on a tie, as argmax)."""
    values = np.asarray(logits, dtype=np.int64)
    ids = np.arange(FIRST_CHOOSABLE, len(values))
    choosable = values[FIRST_CHOOSABLE:]
    order = np.lexsort((ids, -choosable))[:count]
    scaled = choosable / Q88
    shares = np.exp(scaled - scaled.max())
    shares /= shares.sum()
    return [Candidate(int(ids[i]), int(choosable[i]), float(shares[i]), rank == 0)
            for rank, i in enumerate(order)]


class NextTokenPanel(InsightPanel):
    TITLE = "Next token"
    TAB = "Next token"
    EXPLANATION = ("The logits kernel scores every token; softmax turns scores into shares and "
                   "the soulplayer picks the highest (greedy). ←/→: earlier positions.")
    BINDINGS = InsightPanel.BINDINGS + [
        Binding("left", "position(-1)", "Earlier", show=False),
        Binding("right", "position(1)", "Later", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.back = 0            # positions back from the latest (0: follow the CPU)

    def action_position(self, delta: int) -> None:
        if self._view is None or not self._view.logits:
            return
        self.back = max(0, min(len(self._view.logits) - 1, self.back - delta))
        self.refresh()

    def shown_position(self, view: ProbeView) -> int | None:
        positions = sorted(view.logits)
        if not positions:
            return None
        return positions[max(0, len(positions) - 1 - self.back)]

    def render_view(self, view: ProbeView) -> Text:
        text = Text(no_wrap=True, overflow="crop")
        position = self.shown_position(view)
        context = self.context()
        if position is None:
            text.append("no logits yet this turn (they come after the prompt's last position)\n", style="dim")
        else:
            here = self.token_text(context[position]) if position < len(context) else "?"
            text.append(f"position {position} ", style="bold")
            text.append(f"after {here!s}", style="bold")
            text.append(f"   (following the {self.machine_kind().cpu})" if self.back == 0 else f"   ({self.back} back, → to follow)",
                        style="dim")
            text.append("\n")
            text.append(f"{'token':<10}{'logit':>7}{'  Q8.8':>8}  share\n", style="dim")
            came = context[position + 1] if position + 1 < len(context) else None
            for c in candidates(view.logits[position]):
                mark = c.token == came if came is not None else c.chosen
                style = "bold reverse" if mark else ""
                text.append(f"{self.token_text(c.token)[:9]:<10}", style=style)
                text.append(f"{c.logit:>7}{c.logit / 256:>8.2f}  ")
                text.append(bar(c.share, BAR_WIDTH), style="magenta")
                text.append(f" {c.share * 100:5.1f}%")
                text.append("  ◀ chosen\n" if mark else "\n", style="bold")
        # The turn's first argmax ends the prompt (position 0 keeps the logits start-up computed).
        chosen = [p for p in view.logits if p >= view.first_position]
        prompt_end = min(chosen) if chosen else len(context) - 1
        pairs = [(p, context[p], context[p + 1]) for p in range(min(prompt_end, len(context) - 1))]
        if pairs:
            text.append("\nprompt: the token that came next\n", style="dim")
            text.append("  ".join(f"{self.token_text(a)}→{self.token_text(b)}" for _, a, b in pairs))
        return text
