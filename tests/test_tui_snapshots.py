"""Snapshot tests (pytest-textual-snapshot) of the whole app at fixed sizes.

The app runs the hand-assembled test program from test_tui_app.py, paused,
so every frame is deterministic. Update the stored SVGs with
`pytest tests/test_tui_snapshots.py --snapshot-update` after a deliberate
change, and look at them (the report links each one) before committing.
"""

from __future__ import annotations

import json

import pytest

from soulterm.c64 import C64
from soulterm.tui.app import SoultermApp
from soulterm.tui.heat import HeatTracker

from test_tui_app import ATTENTION, CODE, LINE_ADDRESSES, SOURCE, STUB


@pytest.fixture()
def app(tmp_path):
    prg = tmp_path / "test.prg"
    prg.write_bytes(bytes([0x01, 0x08]) + STUB + CODE)
    (tmp_path / "test.s").write_text(SOURCE)
    (tmp_path / "test.map.json").write_text(json.dumps({
        "format": "soulterm-map-1", "load_address": 0x0801, "end_address": 0x0837,
        "symbols": {"main": 0x080D, "loop": 0x080F, "wait": 0x081A, "work": 0x0828, "msg": 0x0831},
        "lines": [[a, str(tmp_path / "test.s"), i + 1] for i, a in enumerate(LINE_ADDRESSES)],
        "regions": [{"name": "code", "kind": "code", "start": 0x0801, "end": 0x0831},
                    {"name": "weights", "kind": "weights", "start": 0x2000, "end": 0x8000},
                    {"name": "kv cache", "kind": "kv-cache", "start": 0xB000, "end": 0xC000},
                    {"name": "attention", "kind": "attention", "start": 0xC000, "end": 0xC0B8}],
        "attention": ATTENTION,
        "vocab": ["", "", "", "", " ", "hi", " there"] + [f"t{i}" for i in range(7, 128)],
    }))
    return SoultermApp(machine=C64(), disk=prg, map_path=tmp_path / "test.map.json", start_paused=True)


async def _settle(pilot) -> None:
    """Run to `work` (a deterministic stop), give the attention bytes something to
    show, and step so that every panel has content."""
    app = pilot.app
    await app.calls.settled()                # the boot's load has run
    app.host.add_breakpoint(0x0828)
    app.host.resume()
    for _ in range(500):
        if app.host.paused:
            break
        await pilot.pause(0.02)
    await app.calls.settled()
    ram = app.machine.ram
    ram[ATTENTION["context"]:ATTENTION["context"] + 3] = bytes([1, 5, 6])
    ram[ATTENTION["context_len"]] = 3
    for k in range(8):
        base = ATTENTION["weights"] + k * 20
        ram[base:base + 3] = bytes([255 - 20 * k, 40 + 10 * k, 85])
    ram[ATTENTION["position"]], ram[ATTENTION["layer"]], ram[ATTENTION["head"]] = 2, 1, 1
    # The memory map's heat from here on only (when the timer looked during the boot
    # varies): a fresh tracker, once the looks taken before the edits above are processed,
    # so the steps below are the only reads and writes it shows.
    await pilot.pause()
    await pilot.pause(0.3)
    await pilot.pause()
    heat = HeatTracker()
    heat.update(bytes(ram), app.host.heat, app.machine.cycles)
    app.memory_panel.heat = heat
    for _ in range(3):
        await pilot.press("f10")
        await app.calls.settled()
    app.refresh_panels()
    await pilot.pause(0.1)
    heat.update = lambda *look: None         # and held there: a busy machine's timing cannot move it
    app.clear_notifications()   # a toast times out on the wall clock: not in a snapshot
    await pilot.pause(0.1)


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (120, 40), (160, 50)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_layout(snap_compare, app, size):
    """The layout at each size layout.py distinguishes: single (80x24, a window of
    the screen), beside (100x30, 120x40) and the dashboard (160x50)."""
    assert snap_compare(app, terminal_size=size, run_before=_settle)


def test_short_terminal_memory_panel(snap_compare, app):
    """80x24 with the memory map chosen in the tab bar (F1 twice)."""
    async def settle_and_choose(pilot) -> None:
        await _settle(pilot)
        await pilot.press("f1", "f1")
        await pilot.pause(0.1)

    assert snap_compare(app, terminal_size=(80, 24), run_before=settle_and_choose)
