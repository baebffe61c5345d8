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
