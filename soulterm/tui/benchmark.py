"""Benchmark: the emulated machine's speed inside the TUI vs headless.

Measures, while the soulplayer computes a reply to "hello":
  1. headless: `run` flat out (what `soulterm run` does);
  2. TUI at warp with every panel live (the app in Textual's headless
     driver at 160x50, which still lays out and renders every frame);
  3. TUI at the real clock (C64 1 MHz, Spectrum 3.5 MHz) against the wall clock.

A .d64 or .prg is measured on the C64, a .tap on the ZX Spectrum.

    soulterm bench --tui [--disk PATH] [--seconds S] [--rounds N]
    python benchmarks/tui_speed.py [--disk PATH] [--seconds S] [--rounds N]   # the same

The TUI runs the machine in its own process (as `soulterm` does); the
thread variant (`soulterm --same-process`) is measured for comparison.

Targets (the issue): warp >= 80% of headless; 1 MHz within 2% of real time.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path

from soulterm.paths import DEFAULT_D64
from soulterm.tui.machines import kind_for_path

BOOT_SECONDS = 3            # of the machine's own clock: the soulplayer is at its prompt by then


def boot(disk: Path):
    kind = kind_for_path(disk)
    machine = kind.make()
    machine.load_file(str(disk))
    machine.run(max_cycles=BOOT_SECONDS * kind.clock_hz, until_idle=True)
    machine.type_line("hello")
    return machine


def headless_hz(disk: Path, seconds: float) -> float:
    machine = boot(disk)
    start_cycles, start = machine.cycles, time.perf_counter()
    while time.perf_counter() - start < seconds:
        if str(machine.run(max_cycles=200_000, until_idle=True)) not in ("max-cycles", "StopReason.MAX_CYCLES"):
            machine.type_line("hello")
    return (machine.cycles - start_cycles) / (time.perf_counter() - start)


def tui_hz(disk: Path, seconds: float, warp: bool, process: bool) -> float:
    """Emulated Hz inside the app: the machine in its own process (the default) or a thread."""
    from soulterm.tui.app import SoultermApp
    from soulterm.tui.machine_process import ProcessHost

    kind = kind_for_path(disk)
    map_path = kind.map_for(disk)
    if process:
        host = ProcessHost(map_path=map_path, warp=warp, kind=kind.name)
        app = SoultermApp(host=host, disk=disk, map_path=map_path, warp=warp)
    else:
        host = None
        app = SoultermApp(machine=kind.make(), disk=disk, map_path=map_path, warp=warp)

    async def measure() -> float:
        async with app.run_test(size=(160, 50)) as pilot:
            deadline = time.perf_counter() + 30
            while not app.machine.waiting_for_input and time.perf_counter() < deadline:
                await pilot.pause(0.1)   # booting
            app.calls.send("type_text", "hello\r")   # as a typed key would: through the queue
            await pilot.pause(1.0)       # settle (real-time pacing starts)
            start_cycles, start = app.machine.cycles, time.perf_counter()
            while time.perf_counter() - start < seconds:
                await pilot.pause(0.1)
                if app.machine.waiting_for_input:
                    app.calls.send("type_text", "hello\r")   # as a typed key would: through the queue
            return (app.machine.cycles - start_cycles) / (time.perf_counter() - start)

    try:
        return asyncio.run(measure())
    finally:
        if host is not None:
            host.stop()


DEFAULT_SECONDS = 5.0
DEFAULT_ROUNDS = 3


def tui_speed_report(disk: Path = DEFAULT_D64, seconds: float = DEFAULT_SECONDS,
                     rounds: int = DEFAULT_ROUNDS, emit=print) -> None:
    """Measure and emit one line per round, then the summary lines (a run takes minutes)."""
    if not disk.exists():
        raise FileNotFoundError(f"{disk}: not found (`soulterm build --output DIR` makes one)")
    if seconds <= 0 or rounds < 1:
        raise ValueError("seconds must be positive and rounds at least 1")
    ratios = []
    for round_number in range(1, rounds + 1):
        base = headless_hz(disk, seconds)
        warp = tui_hz(disk, seconds, warp=True, process=True)
        ratios.append(warp / base)
        emit(f"round {round_number}: headless {base / 1e6:6.3f} MHz, TUI warp with every panel live "
             f"{warp / 1e6:6.3f} MHz = {warp / base:.0%}")
    emit(f"TUI warp / headless, median of {rounds}: {statistics.median(ratios):.0%} (target >= 80%)")
    threaded = tui_hz(disk, seconds, warp=True, process=False)
    base = headless_hz(disk, seconds)
    emit(f"for comparison, the machine in a thread of the UI process (--same-process): "
         f"{threaded / 1e6:.3f} MHz = {threaded / base:.0%} of headless {base / 1e6:.3f} MHz")
    real = tui_hz(disk, max(seconds, 8.0), warp=False, process=True)
    kind = kind_for_path(disk)
    emit(f"TUI {kind.clock_label} mode: {real / 1e6:.4f} MHz = {real / kind.clock_hz - 1:+.2%} vs the "
         f"{kind.title}'s clock {kind.clock_hz / 1e6:.6f} MHz (target within 2%)")
