"""Snapshot tests (pytest-textual-snapshot) of the app running the Spectrum.

The test tape of test_tui_zx.py, paused at its key loop after the greeting,
so every frame is deterministic: the red border, the bright yellow on blue
line, the block graphics, the Z80 debugger with the tape's source lines, the
memory map with the Spectrum's ROM, screen and system variables. Update with
`pytest tests/test_tui_zx_snapshots.py --snapshot-update` after a deliberate
change, and look at them before committing.
"""

from __future__ import annotations

import pytest

from soulterm.tui.heat import HeatTracker

from test_tui_zx import spectrum_app, tape  # noqa: F401  (fixture)


async def _settle(pilot) -> None:
    """Run to `wait` (the key loop), then hold the memory map's heat where it is."""
    app = pilot.app
    await app.calls.settled()
    wait = app.build_map.resolve("wait")
    app.host.add_breakpoint(wait)
    app.host.resume()
    for _ in range(500):
        if app.host.paused and app.machine.cpu.pc == wait:
            break
        await pilot.pause(0.02)
    await app.calls.settled()
    heat = HeatTracker()
    heat.machine = "zx"
    heat.update(bytes(app.machine.ram), app.host.heat, app.machine.cycles)
    app.memory_panel.heat = heat
    heat.update = lambda *look: None          # the timer's looks must not move it
    app.refresh_panels()
    await pilot.pause(0.1)
    app.clear_notifications()
    await pilot.pause(0.1)


@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_spectrum_layout(snap_compare, tape, size):
    """The Spectrum's screen alone at 80x24 (single layout) and with every panel at 160x50."""
    assert snap_compare(spectrum_app(tape), terminal_size=size, run_before=_settle)
