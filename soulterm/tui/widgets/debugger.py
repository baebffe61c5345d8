"""The debugger pane: disassembly around the PC beside its kernels/*.s line,
registers and flags, the cycle counter, the stack, breakpoints and a hex view
that follows a symbol. 6502 or Z80, as the machine is (cpus.py); on the
Spectrum the source lines are kernels/z80/*.s through its build map.

The pane only reads the machine (through its side-effect-free peek); the
commands (pause, step, breakpoints...) are app actions, bound here so that
they show in the footer while the pane has focus.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual.binding import Binding
from textual.widget import Widget

from soulterm.tui import debugging
from soulterm.tui.buildmap import BuildMap
from soulterm.tui.cpus import cpu_for

HEX_ROWS = 4
FIXED_ROWS = 3 + HEX_ROWS   # status, stack, hex title + hex rows
HEX_WIDTH = 8
_SPACES = re.compile(r"\s{2,}")


@dataclass
class DebuggerView:
    """Everything the pane shows, captured in one go."""

    text: Text
    pc: int


def capture(machine, build_map: BuildMap, breakpoints: set[int], hex_target: str, repo_root: Path,
            paused: bool, height: int = 24) -> Text:
    """Render the debugger's text from the machine's current state, fitting `height` lines."""
    listing = max(3, height - FIXED_ROWS)
    before = listing // 3
    cpu = machine.cpu
    rules = cpu_for(machine)
    peek = machine.peek
    pc = cpu.pc
    text = Text(no_wrap=True, overflow="crop")
    state = "PAUSED" if paused else "running"
    text.append(f"{state}  ", style="bold reverse" if paused else "bold")
    registers, _, flags = rules.registers(cpu).rpartition(" ")
    text.append(f"{registers} ")
    text.append(flags, style="bold")
    text.append(f"  cycles {machine.cycles:,}\n")
    text.append("stack ", style="dim")
    text.append(rules.stack_text(peek, cpu.sp) or "(empty)")
    if breakpoints:
        text.append("   breakpoints ", style="dim")
        text.append(", ".join(build_map.describe(a) for a in sorted(breakpoints)))
    text.append("\n")
    anchors = [a for a, _, _ in build_map.lines if pc - 48 <= a <= pc]
    rows = rules.disassemble_around(cpu, peek, pc, before, listing - before - 1, anchors,
                                    build_map.address_labels())
    raw_bytes = 4 if rules.name == "Z80" else 3       # the longest instruction's bytes
    labels = {a: n for n, a in build_map.symbols.items()}
    for address, length, instruction in rows:
        marker = "▶" if address == pc else ("●" if address in breakpoints else " ")
        style = "bold reverse" if address == pc else ("red" if address in breakpoints else "")
        label = labels.get(address, "")
        raw = " ".join(f"{peek((address + i) & 0xFFFF):02X}" for i in range(min(length, raw_bytes)))
        text.append(f"{marker}{address:04X} {raw:<{3 * raw_bytes - 1}} {instruction:<18}", style=style)
        source = build_map.source_line(address)
        if source is not None:
            file, number = source
            line = debugging.source_text(repo_root, file, number).rstrip()
            text.append(f" {Path(file).name}:{number:<4}", style="dim")
            # Indentation and column padding squeezed out, so the line fits beside the listing.
            text.append(_SPACES.sub("  ", line.strip()), style="cyan")
        elif label:
            text.append(f" {label}:", style="cyan")
        text.append("\n")
    try:
        base = build_map.resolve(hex_target) if hex_target else pc
        title = hex_target or "PC"
    except ValueError as exc:
        base, title = pc, f"PC ({exc})"
    text.append(f"memory at {title} (${base:04X})\n", style="bold")
    for row in range(HEX_ROWS):
        address = (base + row * HEX_WIDTH) & 0xFFFF
        values = [peek((address + i) & 0xFFFF) for i in range(HEX_WIDTH)]
        ascii_ = "".join(chr(v) if 32 <= v < 127 else "." for v in values)
        text.append(f"{address:04X}  {' '.join(f'{v:02X}' for v in values)}  {ascii_}\n")
    return text


class DebuggerPanel(Widget, can_focus=True):
    """Shows the CPU; its bindings drive the app's debugger actions."""

    DEFAULT_CSS = """
    DebuggerPanel { height: 1fr; }
    """

    BINDINGS = [
        Binding("space", "app.toggle_pause", "Pause/Continue"),
        Binding("s", "app.step", "Step"),
        Binding("o", "app.step_over", "Over"),
        Binding("u", "app.step_out", "Out"),
        Binding("n", "app.next_kernel", "Next kernel"),
        Binding("b", "app.breakpoint", "Breakpoint"),
        Binding("g", "app.hex_goto", "Hex view"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._text = Text("no machine", style="dim")

    def show(self, text: Text) -> None:
        if text.plain != self._text.plain:
            self._text = text
            self.refresh()

    def plain(self) -> str:
        return self._text.plain

    def render(self) -> Text:
        return self._text
