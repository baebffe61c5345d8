"""The panel tabs: switching, enlarging, explaining, and saying what a build lacks."""

from __future__ import annotations

from test_tui_app import SIZE, make_app, pilot, program, wait_until  # noqa: F401  (fixture)

from soulterm.tui.widgets.next_token import NextTokenPanel


@pilot
async def test_tabs_switch_enlarge_and_explain(program):
    app = make_app(program)
    async with app.run_test(size=SIZE) as pilot_:
        tabs = app.query_one("#insight")
        assert tabs.active == "tab-attention"
        await pilot_.press("ctrl+t")
        assert tabs.active == "tab-next-token"
        await pilot_.press("ctrl+o")                       # the tabs fill the screen...
        assert app.screen.maximized is tabs
        await pilot_.press("ctrl+o")                       # ...and go back
        assert app.screen.maximized is None
        panel = app.query_one(NextTokenPanel)
        panel.focus()
        await pilot_.press("question_mark")
        assert any(n.message == NextTokenPanel.EXPLANATION for n in app._notifications)
        assert panel.tooltip == NextTokenPanel.EXPLANATION
        # The test program's map has none of the kernels' symbols: the panel says so.
        await wait_until(pilot_, lambda: "not in this build: forward_position" in panel.render().plain)
        for _ in range(4):
            await pilot_.press("ctrl+t")
        assert tabs.active == "tab-attention"              # round the five tabs


@pilot
async def test_model_tabs_reachable_where_one_thing_shows(program):
    """80x24 shows one thing at a time: Ctrl+T first brings the Model panels into view
    (through the layout's tab bar), then cycles their tabs; Ctrl+O enlarges them."""
    from soulterm.tui.widgets.c64_screen import C64Screen

    app = make_app(program)
    async with app.run_test(size=(80, 24)) as pilot_:
        tabs = app.query_one("#insight")
        assert app.layout_mode == "single" and not tabs.display
        await pilot_.press("ctrl+t")
        await pilot_.pause()
        assert tabs.display and app.active_panel == "insight" and tabs.active == "tab-attention"
        assert not app.query_one(C64Screen).display
        await pilot_.press("ctrl+t")
        assert tabs.active == "tab-next-token"
        await pilot_.press("ctrl+o")
        assert app.screen.maximized is tabs


@pilot
async def test_the_c64_keeps_the_keys_beside_the_model_panels(program):
    """At 120x40 the Model tabs show beside the screen; the keys still go to the C64."""
    from soulterm.tui.widgets.c64_screen import C64Screen

    app = make_app(program)
    async with app.run_test(size=(120, 40)) as pilot_:
        await pilot_.pause(0.2)
        assert app.layout_mode == "beside" and app.query_one("#insight").display
        assert app.focused is app.query_one(C64Screen)
