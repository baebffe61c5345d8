"""Benchmark: the emulated C64's speed inside the TUI vs headless.

Measures, while the soulplayer computes a reply to "hello":
  1. headless: `C64.run` flat out (what `soulterm run` does);
  2. TUI at warp with every panel live (the app in Textual's headless
     driver at 160x50, which still lays out and renders every frame);
  3. TUI at 1 MHz: the emulated clock against the wall clock.

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

from soulterm.c64 import C64
from soulterm.paths import DEFAULT_D64
from soulterm.tui.host import PAL_CLOCK_HZ

BOOT_CYCLES = 3_000_000


def boot(disk: Path) -> C64:
    machine = C64()
    machine.load_file(str(disk))
    machine.run(max_cycles=BOOT_CYCLES, until_idle=True)
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

    map_path = disk.with_name("soulplayer.map.json")
    if process:
        host = ProcessHost(map_path=map_path, warp=warp)
        app = SoultermApp(host=host, disk=disk, map_path=map_path, warp=warp)
    else:
        host = None
        app = SoultermApp(machine=C64(), disk=disk, map_path=map_path, warp=warp)

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
    emit(f"TUI 1 MHz mode: {real / 1e6:.4f} MHz = {real / PAL_CLOCK_HZ - 1:+.2%} vs the PAL clock "
         f"{PAL_CLOCK_HZ / 1e6:.6f} MHz (target within 2%)")
