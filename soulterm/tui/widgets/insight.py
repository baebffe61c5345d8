"""What the panels that look inside the transformer share.

Each such panel explains itself in one line (the hover tooltip, and `?`
while it has focus), and is fed by a `ProbesObserved` message: the probes'
latest view, the build map, and the live RAM (for what does not change
while the soulplayer runs, such as the tokens of the context).
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget

from soulterm.soul.spec import CONTEXT
from soulterm.tui.buildmap import BuildMap
from soulterm.tui.machines import KINDS, MachineKind
from soulterm.tui.probes import ProbeView

BAR_CELLS = " ▏▎▍▌▋▊▉█"      # eighths of a cell, for bars
SPARK_CELLS = "▁▂▃▄▅▆▇█"


def bar(fraction: float, width: int) -> str:
    """A horizontal bar `width` cells wide, `fraction` (0..1) of it filled, in eighths."""
    eighths = round(max(0.0, min(1.0, fraction)) * width * 8)
    full, part = divmod(eighths, 8)
    return ("█" * full + (BAR_CELLS[part] if part else "")).ljust(width)


def sparkline(values: list[float]) -> str:
    """One cell per value, its height relative to the largest."""
    top = max(values, default=0) or 1
    return "".join(SPARK_CELLS[min(7, int(v / top * 7.999))] if v > 0 else " " for v in values)


class ProbesObserved(Message):
    """New data for the panels (sent by the app after each probe observation)."""

    def __init__(self, view: ProbeView, build_map: BuildMap, ram) -> None:
        super().__init__()
        self.view = view
        self.build_map = build_map
        self.ram = ram          # the live 64 KB (bytearray or numpy view): read, never written


class InsightPanel(Widget, can_focus=True):
    """A panel that shows one aspect of the running model; subclasses render `_view`."""

    EXPLANATION = ""
    TITLE = ""          # the panel's border title
    TAB = ""            # its (short) tab label
    BINDINGS = [Binding("question_mark", "explain", "Explain", show=False)]

    DEFAULT_CSS = """
    InsightPanel { height: 1fr; padding: 0 1; text-wrap: nowrap; text-overflow: clip; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._view: ProbeView | None = None
        self._map: BuildMap = BuildMap.empty()
        self._ram = None
        self.tooltip = self.EXPLANATION
        self.border_title = self.TITLE
        self.border_subtitle = "? explains"

    def on_probes_observed(self, message: ProbesObserved) -> None:
        changed = message.view != self._view or message.build_map is not self._map
        self._view, self._ram = message.view, message.ram
        if message.build_map is not self._map:
            self._map = message.build_map
            self.map_changed()
        if changed:
            self.refresh()

    def map_changed(self) -> None:
        """A new build: drop what was derived from the old one."""

    def action_explain(self) -> None:
        self.notify(self.EXPLANATION, title=self.TITLE)

    def render(self) -> Text:
        view = self._view
        if view is None:
            return Text("waiting for the soulplayer to run...", style="dim")
        if view.missing:
            return Text(f"not in this build: {', '.join(view.missing[:4])}"
                        f"{' ...' if len(view.missing) > 4 else ''}", style="dim")
        return self.render_view(view)

    def render_view(self, view: ProbeView) -> Text:
        raise NotImplementedError

    def machine_kind(self) -> MachineKind:
        """The machine whose kernels the numbers come from (the build map's)."""
        return KINDS[self._map.machine]

    def token_text(self, token: int) -> str:
        """A token as shown in the panels: spaces visible, specials named."""
        if 0 <= token < len(self._map.vocab) and self._map.vocab[token]:
            return self._map.vocab[token].replace(" ", "\u2423")
        return {0: "PAD", 1: "SEP", 2: "UNK", 3: "END"}.get(token, f"#{token}")

    def context(self) -> tuple[int, ...]:
        """The context's token ids, from RAM through the map's attention block."""
        a = self._map.attention
        if a is None or self._ram is None:
            return ()
        length = min(CONTEXT, int(self._ram[a["context_len"]]))
        return tuple(int(t) for t in self._ram[a["context"]:a["context"] + length])
