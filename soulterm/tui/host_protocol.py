"""The one interface the UI uses to drive a machine, whichever way it runs.

`MachineHost` (host.py) runs the machine (a C64 or a ZX Spectrum) in a
thread of the UI's process; `ProcessHost` (machine_process.py) runs it in a
child process. The UI only
types against `Host`. Commands that change the machine are named in
`COMMANDS`: the child process dispatches through that table (never by
`getattr` on a name that came over a pipe), and the UI's command queue
(machine_calls.py) accepts only those names.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from soulterm.tui.buildmap import BuildMap

# name -> what it does (the contract both hosts implement as methods of that name)
COMMANDS: dict[str, str] = {
    "pause": "stop the CPU",
    "resume": "let the CPU run",
    "set_warp": "warp (True) or the machine's own clock (False)",
    "set_muted": "silence the SID or the beeper (it keeps running)",
    "type_text": "queue keys; ValueError names a key the machine lacks",
    "press_restore": "RESTORE now (with RUN/STOP held when asked: back to BASIC); the Spectrum refuses",
    "set_map": "use another build map",
    "load": "check a PRG/D64/TAP, then reset and load it (a .tap on a Spectrum); returns its start address",
    "reset": "power-cycle, then boot the last loaded program again",
    "add_breakpoint": "stop when the PC reaches an address",
    "remove_breakpoint": "clear one; returns whether it was set",
    "step": "execute one instruction",
    "step_over": "step, running a JSR's whole subroutine",
    "step_out": "run until the current subroutine returns",
    "run_to_next_kernel": "run until the PC enters a kernel routine",
    "drain_events": "the host's news since the last call (stops, errors)",
    "observe_probes": "what the kernel probes saw this turn (probes.ProbeView)",
}


@runtime_checkable
class Host(Protocol):
    """What the UI reads and calls; every command above is a method here."""

    map: BuildMap
    machine: object              # the C64 or Spectrum, or a read-only stand-in with what panels read
    breakpoints: set[int]
    last_file: Path | None
    heat: np.ndarray             # cumulative PC/operand samples per 64-byte cell

    @property
    def paused(self) -> bool: ...

    @property
    def warp(self) -> bool: ...

    @property
    def kind(self) -> str: ...   # the machine's kind (machines.py): "c64" or "zx"

    @property
    def attention(self): ...     # an object with .view() -> AttentionView | None, or None

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def speed_hz(self) -> float: ...

    def pause(self) -> None: ...
    def resume(self) -> None: ...
    def set_warp(self, warp: bool) -> None: ...
    def set_muted(self, muted: bool) -> None: ...
    def type_text(self, text: str) -> None: ...
    def press_restore(self, run_stop: bool = True) -> None: ...
    def set_map(self, build_map: BuildMap) -> None: ...
    def load(self, path: Path) -> int: ...
    def reset(self) -> None: ...
    def add_breakpoint(self, address: int) -> None: ...
    def remove_breakpoint(self, address: int) -> bool: ...
    def step(self) -> None: ...
    def step_over(self) -> None: ...
    def step_out(self) -> None: ...
    def run_to_next_kernel(self) -> None: ...
    def drain_events(self) -> list: ...
    def observe_probes(self): ...  # -> probes.ProbeView
