"""Snapshots of the inside-the-model panels at 160x50 (complete) and 120x40 (usable).

The panels are fed a fixed ProbeView (what the probes would have copied out
of RAM), so every frame is deterministic; the rest of the app is the paused
test program of test_tui_snapshots.py. Update with --snapshot-update after a
deliberate change, and look at the SVGs before committing.
"""

from __future__ import annotations

import pytest
from test_tui_snapshots import _settle, app  # noqa: F401  (fixture)

from soulterm.tui.probes import BEFORE_FIRST, ProbeView, ScoreSnapshot


def fixed_view() -> ProbeView:
    logits = [0] * 128
    for token, value in ((5, 900), (6, 640), (3, 600), (40, 120), (41, -30), (50, -200), (60, -256), (70, -300),
                         (80, -400)):
        logits[token] = value
    return ProbeView(
        hidden={(2, 0): tuple(range(-256, 256, 16)), (2, 1): tuple(range(-512, 512, 32)),
                (2, 2): tuple(range(-768, 768, 48))},
        ffn={(2, 0): tuple(max(0, (i * 37) % 700 - 300) for i in range(64)),
             (2, 1): tuple(max(0, (i * 53) % 900 - 500) for i in range(64))},
        logits={2: tuple(logits)},
        scores={(2, 0, 0): ScoreSnapshot(raw=(1_000_000, -2_500_000, 3_276_800), shifted=(61, -153, 200),
                                         best=200, weights=(13, 0, 255), weight_sum=268)},
        position_cycles={0: 664_379, 1: 675_463, 2: 1_368_818},
        samples={BEFORE_FIRST: {"tokenizer": 3}, 2: {"ffn": 72, "logits": 37, "rmsnorm": 32, "matvec q": 21,
                                                     "matvec k": 19, "matvec v": 18, "matvec o": 22,
                                                     "attention L0H0": 6, "attention L1H3": 5, "embed": 3}},
        current=2, first_position=0)


def _on_tab(tab: str):
    async def run_before(pilot) -> None:
        await _settle(pilot)
        app_ = pilot.app
        app_.host.observe_probes = fixed_view       # what a soulplayer run would have given
        app_.query_one("#insight").active = tab
        await pilot.pause(0.1)
        await app_.calls.settled()
        await pilot.pause(0.1)
    return run_before


@pytest.mark.parametrize("tab", ["tab-next-token", "tab-inside-layer", "tab-cycles", "tab-score-steps"])
def test_panel_complete_at_160x50(snap_compare, app, tab):
    assert snap_compare(app, terminal_size=(160, 50), run_before=_on_tab(tab))


@pytest.mark.parametrize("tab", ["tab-next-token", "tab-cycles"])
def test_panel_usable_at_120x40(snap_compare, app, tab):
    assert snap_compare(app, terminal_size=(120, 40), run_before=_on_tab(tab))
