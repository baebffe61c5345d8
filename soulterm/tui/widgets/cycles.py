"""Where the cycles go: per token, the CPU's cycles (the 6502's, the Z80's T-states) by kernel.

Each position's cycle count is exact (the cycle counter when the position
started and ended). How it splits between kernels comes from PC samples
taken every few thousand cycles, each put down to a kernel by the build
map's symbols and the machine's rules (soulterm.player.attribution: the
6502's and the Z80's routine names differ): a kernel's bar is its share of
the samples times the exact count. Also: totals for the reply, and the
cycles per token over the turn as a small plot.
"""

from __future__ import annotations

from rich.text import Text

from soulterm.tui.probes import BEFORE_FIRST, ProbeView
from soulterm.tui.widgets.insight import InsightPanel, bar, sparkline

BAR_WIDTH = 24
ROWS = 12


def estimated_cycles(total: int, samples: dict[str, int]) -> list[tuple[str, int, int]]:
    """(kernel, estimated cycles, samples), largest first, from one position's samples."""
    count = sum(samples.values())
    if not count:
        return []
    rows = [(kernel, round(total * n / count), n) for kernel, n in samples.items()]
    return sorted(rows, key=lambda r: (-r[1], r[0]))


def merge_heads(rows: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """The per-head attention rows as one "attention" row (the heads get their own line),
    with attention's work outside any head (the key sums of a new cache entry) in it."""
    parts = [r for r in rows if r[0] == "attention" or r[0].startswith("attention L")]
    if len(parts) < 2:
        return rows
    merged = ("attention", sum(r[1] for r in parts), sum(r[2] for r in parts))
    rest = [r for r in rows if r not in parts] + [merged]
    return sorted(rest, key=lambda r: (-r[1], r[0]))


class CyclesPanel(InsightPanel):
    TITLE = "Where the cycles go"
    TAB = "Cycles"
    EXPLANATION = ("Cycles per token (exact) split by kernel from PC samples: matvecs, attention "
                   "per head, RMSNorm, FFN, logits; below, the whole reply.")

    def render_view(self, view: ProbeView) -> Text:
        text = Text(no_wrap=True, overflow="crop")
        done = sorted(view.position_cycles)
        if not done:
            text.append("no position finished yet this turn", style="dim")
            return text
        kind = self.machine_kind()
        position = done[-1]
        total = view.position_cycles[position]
        rows = estimated_cycles(total, view.samples.get(position, {}))
        samples = sum(n for _, _, n in rows)
        text.append(f"position {position}: {total:,} {kind.cycle_unit}", style="bold")
        text.append(f" ({total / kind.clock_hz:.2f} s on {kind.clock_owner}, {samples} PC samples)\n", style="dim")
        heads = [(k.split()[-1], c) for k, c, _ in rows if k.startswith("attention L")]
        rows = merge_heads(rows)
        top = rows[0][1] if rows else 1
        for kernel, cycles, _ in rows[:ROWS]:
            text.append(f"{kernel:<15}", style="bold")
            text.append(bar(cycles / top, BAR_WIDTH), style="yellow")
            text.append(f" {cycles:>9,} {cycles / total * 100:5.1f}%\n")
        if len(rows) > ROWS:
            text.append(f"{len(rows) - ROWS} more kernels\n", style="dim")
        if heads:
            text.append("attention by head ", style="dim")
            text.append("  ".join(f"{name} {cycles // 1000}k" for name, cycles in sorted(heads)))
            text.append("\n")
        turn = sum(view.position_cycles.values())
        text.append(f"\nreply so far: {turn:,} {kind.cycle_unit} over {len(done)} positions", style="bold")
        text.append(f" ({turn / kind.clock_hz:.1f} s at {kind.clock_label})\n", style="dim")
        prelude = sum(view.samples.get(BEFORE_FIRST, {}).values())
        if prelude:
            text.append(f"before the first position (line, tokenizer): {prelude} samples\n", style="dim")
        per_token = [view.position_cycles[p] for p in done]
        text.append(f"{kind.cycle_unit}/token ", style="dim")
        text.append(sparkline(per_token), style="yellow")
        text.append(f"  {min(per_token):,}..{max(per_token):,}\n")
        return text
