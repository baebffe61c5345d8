"""The attention panel: what the transformer on the 6502 is looking at.

Left: the 8 heads (2 layers x 4) for the token being computed, one column
per head, one row per context token, each cell the head's weight on that
token as a percentage of the row (LUT weights normalised by their sum).
Heads the 6502 has not finished yet for this position show last position's
weights, dimmed. Right: for the selected head, the causal matrix of the
turn so far: row j is query position j (the token labelled on that row at
the left, so rows are labelled once), column i the weight it gave token i
(columns numbered like the rows). Where the panel is too narrow for the
matrix, it shows the heads alone and says so. Choose a head with
Left/Right or 1-8, a layer with Up/Down, or a click.
"""

from __future__ import annotations

from rich.color import Color
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from soulterm.soul.spec import N_HEADS, N_LAYERS
from soulterm.tui.attention_recorder import HEADS, AttentionView

LABEL_WIDTH = 10  # "18 " and 6 characters of the token, then a space before the numbers
HEAD_CELL = 5  # "L0H0" plus a space, so the head names stay apart
MATRIX_CELL = 3
GAP = 1  # the head cells end in a space already


def heat_style(weight: float, dim: bool = False) -> Style:
    """Dark blue (0) through magenta to yellow (1)."""
    w = float(min(1.0, max(0.0, weight)))
    if dim:
        w *= 0.4
    r = int(30 + 225 * min(1.0, w * 1.6))
    g = int(20 + 215 * max(0.0, w - 0.4) / 0.6)
    b = int(70 + 80 * (1 - w))
    fg = Color.parse("#000000") if w > 0.55 else Color.parse("#d0d0d0")
    return Style(bgcolor=Color.from_rgb(r, g, b), color=fg)


def label_for(token_text: str, width: int, prefix: str = "") -> str:
    """A token's text fitted to `width`, spaces made visible (many tokens start with one)."""
    shown = prefix + token_text.replace(" ", "\u2423")
    return shown[:width].ljust(width)


def head_name(index: int) -> str:
    return f"L{index // N_HEADS}H{index % N_HEADS}"


class AttentionObserved(Message):
    """The attention state for the panel (posted by the app's refresh timer)."""

    def __init__(self, view: AttentionView | None, labels: list[str]) -> None:
        super().__init__()
        self.view, self.labels = view, labels


class AttentionPanel(Widget, can_focus=True):
    """Live attention weights of all heads, and one head's causal matrix."""

    DEFAULT_CSS = """
    AttentionPanel { height: auto; min-height: 6; }
    """

    BINDINGS = [
        Binding("left", "head(-1)", "Prev head", show=False),
        Binding("right", "head(1)", "Next head", show=False),
        Binding("up", "layer(-1)", "Prev layer", show=False),
        Binding("down", "layer(1)", "Next layer", show=False),
    ] + [Binding(str(i + 1), f"select({i})", head_name(i), show=False) for i in range(HEADS)]

    selected_head: reactive[int] = reactive(0)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._view: AttentionView | None = None
        self._labels: list[str] = []
        self._message = "no build map: attention is shown once a built soulplayer runs"

    def on_attention_observed(self, message: AttentionObserved) -> None:
        self.show(message.view, message.labels, "")

    def show(self, view: AttentionView | None, labels: list[str], message: str = "") -> None:
        """New data from the machine; repaint only on change."""
        if message != self._message or labels != self._labels or not _same(view, self._view):
            rows_before = len(self._view.context) if self._view else -1
            self._view, self._labels, self._message = view, labels, message
            # A new layout only when the number of rows changes: layouts are expensive.
            self.refresh(layout=(len(view.context) if view else -1) != rows_before)

    def action_head(self, delta: int) -> None:
        layer, head = divmod(self.selected_head, N_HEADS)
        self.selected_head = layer * N_HEADS + (head + delta) % N_HEADS

    def action_layer(self, delta: int) -> None:
        layer, head = divmod(self.selected_head, N_HEADS)
        self.selected_head = ((layer + delta) % N_LAYERS) * N_HEADS + head

    def action_select(self, index: int) -> None:
        self.selected_head = index % HEADS

    def on_click(self, event: events.Click) -> None:
        self.focus()
        offset = event.get_content_offset(self)
        if offset is None:
            return
        column = (offset.x - LABEL_WIDTH) // HEAD_CELL
        if offset.x >= LABEL_WIDTH and 0 <= column < HEADS:
            self.selected_head = column

    def get_content_height(self, container, viewport, width: int) -> int:
        rows = len(self._context_tokens()) if self._view else 1
        return max(rows + 3, 4)

    def _context_tokens(self) -> tuple[int, ...]:
        return self._view.context if self._view else ()

    def matrix_width(self, tokens: int) -> int:
        return GAP + MATRIX_CELL * tokens

    def render(self) -> Text:
        view = self._view
        if view is None:
            return Text(self._message or "waiting for the first attention head...", style="dim")
        text = Text(no_wrap=True, overflow="crop")
        tokens = len(view.context)
        with_matrix = LABEL_WIDTH + HEAD_CELL * HEADS + self.matrix_width(tokens) <= self.size.width
        state = "no head running" if view.idle else f"computing {head_name(view.current_head)}"
        text.append(f"position {view.position}  {state}  ", style="bold")
        if with_matrix:
            text.append(f"matrix: {head_name(self.selected_head)} (\u2190\u2192 head, \u2191\u2193 layer, 1-8)\n", style="dim")
        else:
            text.append("· widen for the matrix\n", style="dim")
        # Header: head names, then the matrix's column numbers (the row numbers on the left).
        text.append("token".ljust(LABEL_WIDTH), style="dim")
        for k in range(HEADS):
            selected = k == self.selected_head
            text.append(head_name(k).ljust(HEAD_CELL), style="reverse bold" if selected else "bold")
        if with_matrix:
            text.append(" " * GAP)
            for column in range(tokens):
                text.append(f"{column:>2} ", style="bold")
        text.append("\n")
        matrix_rows = view.rows[self.selected_head]
        for j, token in enumerate(view.context):
            text.append(label_for(self._label(token), LABEL_WIDTH - 1, f"{j:>2} ") + " ")
            for k in range(HEADS):
                # This position's row when the head has finished it, else last position's, dimmed.
                row = view.rows[k].get(view.position)
                stale = row is None
                if stale:
                    row = view.rows[k].get(view.position - 1)
                if row is None or j >= len(row):
                    text.append(" " * HEAD_CELL)
                    continue
                text.append(f"{round(row[j] * 100):>{HEAD_CELL - 1}} ", style=heat_style(row[j], dim=stale))
            if with_matrix:
                text.append(" " * GAP)
                row = matrix_rows.get(j) if j >= view.first_position else None
                for column in range(tokens):
                    if row is None or column >= len(row):
                        text.append(" " * MATRIX_CELL)
                    else:
                        text.append(f"{min(99, round(row[column] * 100)):>2} ", style=heat_style(row[column]))
            text.append("\n")
        return text

    def _label(self, token: int) -> str:
        if 0 <= token < len(self._labels) and self._labels[token]:
            return self._labels[token]
        return {0: "PAD", 1: "SEP", 2: "UNK", 3: "END"}.get(token, f"#{token}")


def _same(a: AttentionView | None, b: AttentionView | None) -> bool:
    if a is None or b is None:
        return a is b
    return (a.position == b.position and a.current_head == b.current_head and a.context == b.context
            and a.fresh == b.fresh and [sorted(r) for r in a.rows] == [sorted(r) for r in b.rows])
