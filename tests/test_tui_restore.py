"""F12 in the app is RUN/STOP+RESTORE on the emulated C64."""

from __future__ import annotations

from soulterm.tui.widgets.c64_screen import C64Screen

from test_tui_app import SIZE, make_app, pilot, program, wait_until  # noqa: F401 (program: fixture)


@pilot
async def test_f12_presses_run_stop_restore(program):  # noqa: F811
    app = make_app(program)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f9")                      # continue
        screen = app.query_one(C64Screen)
        await wait_until(pilot, lambda: any("HELLO" in line for line in screen.text_lines()))
        await pilot.press("f12")                     # the KERNAL's NMI handler: warm start, READY.
        await wait_until(pilot, lambda: app.machine.halted and not app.machine.crashed)
        await wait_until(pilot, lambda: screen.text_lines()[0].rstrip() == "READY.")
        assert not any("HELLO" in line for line in screen.text_lines())
