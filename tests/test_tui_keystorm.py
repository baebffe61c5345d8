"""Random key storms (seeded) leave the app answering: issue 15, item 9.

A storm mixes the command palette, dialogs (Ctrl+G, Ctrl+B, F5 and whatever
gets typed into them), stepping, PageUp, and bursts of F5/F6 load/reset,
against the machine in a thread and in its own process. Afterwards every
dialog closes with Escape, F5 opens the Load dialog, and the machine still
obeys: a reset brings the test program back to its first instruction. The
whole case runs under a timeout, so a hang fails instead of stalling.
"""

from __future__ import annotations

import asyncio
import random

import pytest
from test_tui_app import SIZE, make_app, pilot, program, wait_until  # noqa: F401  (fixture)

from soulterm.tui.app import SoultermApp
from soulterm.tui.machine_process import ProcessHost
from soulterm.tui.screens.dialogs import InputDialog

KEYS = ("ctrl+p", "escape", "ctrl+g", "ctrl+b", "f5", "f6", "f9", "f10", "f11", "f12", "ctrl+n",
        "pageup", "tab", "enter", "a", "1", "$", "f7")
BURST = ("f5", "f6") * 6 + ("enter", "f6", "f5", "escape")
STORM_KEYS = 40
CASE_SECONDS = 240         # a hang fails the case rather than the whole run (generous: CI machines are busy)
ANSWER_SECONDS = 10        # the bound: F5 must answer within this


def storm(seed: int) -> list[str]:
    rng = random.Random(seed)
    keys = [rng.choice(KEYS) for _ in range(STORM_KEYS)]
    keys[rng.randrange(len(keys)):0] = BURST      # the rapid load/reset burst, somewhere inside
    return keys


async def weather(app, pilot_, keys: list[str]) -> None:
    for key in keys:
        await pilot_.press(key)
    for _ in range(20):                                   # close whatever the storm left open
        if len(app.screen_stack) == 1:
            break
        await pilot_.press("escape")
        await pilot_.pause(0.05)
    assert len(app.screen_stack) == 1, f"dialogs left open: {app.screen_stack}"
    await app.calls.settled(timeout=ANSWER_SECONDS)
    await pilot_.press("f5")
    await wait_until(pilot_, lambda: isinstance(app.screen, InputDialog), timeout=ANSWER_SECONDS)
    await pilot_.press("escape")
    await wait_until(pilot_, lambda: len(app.screen_stack) == 1, timeout=ANSWER_SECONDS)
    await pilot_.press("f9")                              # whatever state it was in: make it run...
    await app.calls.settled(timeout=ANSWER_SECONDS)
    if not app.host.paused:
        await pilot_.press("f9")                          # ...then stop it
        await app.calls.settled(timeout=ANSWER_SECONDS)
    await wait_until(pilot_, lambda: app.host.paused, timeout=ANSWER_SECONDS)
    await pilot_.press("f6")                              # and a reset boots the program again
    await app.calls.settled(timeout=ANSWER_SECONDS)
    await wait_until(pilot_, lambda: app.machine.cpu.pc == 0x080D, timeout=ANSWER_SECONDS)


@pytest.mark.parametrize("seed", [2])
@pilot
async def test_key_storm_in_process(program, seed):
    app = make_app(program)
    async with app.run_test(size=SIZE) as pilot_:
        await asyncio.wait_for(weather(app, pilot_, storm(seed)), CASE_SECONDS)


@pilot
async def test_key_storm_with_the_machine_in_its_own_process(program):
    host = ProcessHost(map_path=program.with_suffix(".map.json"), paused=True)
    app = SoultermApp(host=host, disk=program, map_path=program.with_suffix(".map.json"), start_paused=True)
    try:
        async with app.run_test(size=SIZE) as pilot_:
            await asyncio.wait_for(weather(app, pilot_, storm(3)), CASE_SECONDS)
    finally:
        host.stop()


@pilot
async def test_a_slow_machine_command_does_not_block_the_ui(program):
    """A reset that takes as long as it likes (a big disk, a busy machine) runs
    off the UI thread: the UI opens the Load dialog while it is still running."""
    import threading

    app = make_app(program)
    async with app.run_test(size=SIZE) as pilot_:
        release = threading.Event()
        real_reset = app.host.reset

        def slow_reset() -> None:
            release.wait(CASE_SECONDS)
            real_reset()
        app.host.reset = slow_reset
        try:
            await pilot_.press("f6")
            await pilot_.press("f6", "f6")                   # a burst: coalesced, not queued three times
            await pilot_.press("f5")
            await wait_until(pilot_, lambda: isinstance(app.screen, InputDialog), timeout=ANSWER_SECONDS)
            assert not release.is_set() and app.calls.waiting("reset") == 1
        finally:
            release.set()
        await app.calls.settled(timeout=ANSWER_SECONDS)
        await pilot_.press("escape")
