"""The machine in its own process (soulterm.tui.machine_process): commands go
over a pipe, the state comes back through shared memory. Uses the
hand-assembled test program of test_tui_app.py."""

from __future__ import annotations

import time

import pytest

from soulterm.tui.app import SoultermApp
from soulterm.tui.charset import decode_line
from soulterm.tui.machine_process import ProcessHost
from soulterm.tui.widgets.c64_screen import C64Screen

from test_tui_app import SIZE, pilot, program, wait_until  # noqa: F401  (fixture)


def _eventually(condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError("condition not reached in time")


@pytest.fixture()
def host(program):
    host = ProcessHost(map_path=program.with_suffix(".map.json"), paused=True)
    yield host
    host.stop()


def test_commands_and_shared_state(host, program):
    m = host.machine
    assert host.load(program) == 0x080D
    assert host.paused and m.cpu.pc == 0x080D
    host.step()
    assert m.cpu.pc == 0x080F and m.cpu.x == 0                     # LDX #0 ran in the child
    host.add_breakpoint(0x0828)
    assert host.breakpoints == {0x0828}
    host.resume()
    _eventually(lambda: host.paused and m.cpu.pc == 0x0828)
    assert any("breakpoint at $0828" in e.text for e in host.drain_events())
    screen = m.vic.screen_codes()
    assert any("HELLO" in decode_line(screen[r * 40:(r + 1) * 40], m.vic.lowercase) for r in range(25))
    assert m.peek(0x0831) == 0x48 and m.ram[0x0832] == 0x45       # "HE" of HELLO, via shared RAM
    assert host.remove_breakpoint(0x0828) and not host.breakpoints
    host.step_out()
    _eventually(lambda: host.paused and m.cpu.pc == 0x081D)
    host.set_warp(False)
    assert not host.warp
    with pytest.raises(ValueError):
        host.load(program.with_name("missing.prg"))                # the child's error, as one line


def test_stop_ends_the_process_and_frees_the_memory(program):
    host = ProcessHost(paused=True)
    name = host._shm.name
    process = host._process
    host.stop()
    assert not process.is_alive()
    from multiprocessing import shared_memory

    with pytest.raises(FileNotFoundError):
        shared_memory.SharedMemory(name=name)


@pilot
async def test_the_app_on_a_machine_process(program):
    host = ProcessHost(map_path=program.with_suffix(".map.json"), paused=True)
    app = SoultermApp(host=host, disk=program, map_path=program.with_suffix(".map.json"), start_paused=True)
    try:
        async with app.run_test(size=SIZE) as pilot_:
            await pilot_.press("f9")
            screen = app.query_one(C64Screen)
            await wait_until(pilot_, lambda: any("HELLO" in line for line in screen.text_lines()))
            await pilot_.press("o", "k")
            await wait_until(pilot_, lambda: any("HELLOOK" in line for line in screen.text_lines()))
            await pilot_.press("f9")
            await wait_until(pilot_, lambda: host.paused)
            app.update_debugger()
            assert "PAUSED" in app.debugger_panel.plain()
    finally:
        host.stop()
