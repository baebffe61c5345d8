"""The Train and Build dialogs, driven with Pilot: input checks, a real (tiny)
training run in the background with its progress, and cancelling."""

from __future__ import annotations

import importlib.util

import pytest

from soulterm.tui.screens.train import TrainScreen

from test_tui_app import SIZE, make_app, pilot, program, wait_until  # noqa: F401  (fixture)

needs_torch = pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")

CORPUS = "\n".join(f"<SEP>{a}<SEP>{b}<SEP>" for a, b in [
    ("hello", "hi there!"), ("how are you?", "i am fine."), ("bye", "see you soon."),
    ("who are you?", "a soul in a c64."), ("good night", "sleep well!"), ("thanks", "you are welcome."),
]) + "\n"


async def _open_train(pilot_, app) -> TrainScreen:
    await pilot_.press("f2")
    await wait_until(pilot_, lambda: isinstance(app.screen, TrainScreen))
    return app.screen


@needs_torch
@pilot
async def test_train_checks_its_inputs(program, tmp_path):
    app = make_app(program)
    async with app.run_test(size=SIZE) as pilot_:
        screen = await _open_train(pilot_, app)
        screen.query_one("#epochs").value = "0"
        screen.query_one("#start").press()
        await pilot_.pause()
        assert any("positive whole number" in n.message for n in app._notifications)
        screen.query_one("#epochs").value = "5"
        screen.query_one("#corpus").value = str(tmp_path / "missing.txt")
        screen.query_one("#start").press()
        await pilot_.pause()
        await pilot_.pause()
        assert any("no such corpus file" in n.message for n in app._notifications), [n.message for n in app._notifications]
        assert not screen.query_one("#start").disabled               # nothing started


@needs_torch
@pilot
async def test_train_runs_in_the_background_and_offers_to_build(program, tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(CORPUS)
    out = tmp_path / "trained"
    app = make_app(program)
    async with app.run_test(size=SIZE) as pilot_:
        screen = await _open_train(pilot_, app)
        screen.query_one("#corpus").value = str(corpus)
        screen.query_one("#epochs").value = "4"
        screen.query_one("#output").value = str(out)
        screen.query_one("#start").press()
        # A 4-epoch run can finish before the first check on a busy machine,
        # so "running" is seen either as the disabled Start or as the result.
        await wait_until(pilot_, lambda: screen.query_one("#start").disabled
                         or not screen.query_one("#build").disabled, timeout=30)
        await wait_until(pilot_, lambda: not screen.query_one("#build").disabled, timeout=60)
        assert not screen.query_one("#start").disabled and screen.query_one("#cancel").disabled
        progress = screen.query_one("#progress")
        assert progress.progress == progress.total == 4
        assert len(screen.query_one("#loss").data) == 4                # one loss point per epoch
        log = "\n".join(str(line) for line in screen.query_one("#samples").lines)
        assert "float" in log and "int8" in log                        # float vs int8 samples
        assert (out / "soul.bin").exists() and (out / "tokenizer.json").exists()
        # Build and boot: the Build dialog opens on the trained soul, builds, shows the result.
        screen.query_one("#build").press()
        from soulterm.tui.screens.build import BuildScreen

        await wait_until(pilot_, lambda: isinstance(app.screen, BuildScreen))
        build = app.screen
        assert build.query_one("#soul").value == str(out / "soul.bin")
        build.query_one("#build").press()
        await wait_until(pilot_, lambda: not build.query_one("#boot").disabled, timeout=60)
        summary = str(build.query_one("#build-summary").render())
        assert "soulplayer.d64" in summary and "bytes" in summary and "weights" in summary
        build.query_one("#boot").press()
        await wait_until(pilot_, lambda: app.disk == out / "disk" / "soulplayer.d64")
        assert app.build_map.attention is not None                     # the new map is loaded


@needs_torch
@pilot
async def test_train_can_be_cancelled(program, tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(CORPUS)
    app = make_app(program)
    async with app.run_test(size=SIZE) as pilot_:
        screen = await _open_train(pilot_, app)
        screen.query_one("#corpus").value = str(corpus)
        screen.query_one("#epochs").value = "100000"
        screen.query_one("#output").value = str(tmp_path / "trained")
        screen.query_one("#start").press()
        await pilot_.pause()
        await wait_until(pilot_, lambda: screen.query_one("#progress").progress >= 1, timeout=60)
        screen.query_one("#cancel").press()
        await wait_until(pilot_, lambda: not screen.query_one("#start").disabled, timeout=60)
        assert screen.query_one("#progress").progress < 100000
        log = "\n".join(str(line) for line in screen.query_one("#samples").lines)
        assert "stopped at epoch" in log
