"""The Train and Build dialogs, driven with Pilot: input checks, a real (tiny)
training run in the background with its progress, and cancelling."""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

import pytest

from textual.widgets import Button, Label

from soulterm.tui.screens.build import BuildScreen
from soulterm.tui.screens.dialogs import InputDialog
from soulterm.tui.screens.train import EPOCHS_MAX_DIGITS, TrainScreen, cli_defaults

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
        assert any("whole number from 1" in n.message for n in app._notifications), [n.message for n in app._notifications]
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

        # The dialog is the screen before its buttons are mounted: wait for those too.
        await wait_until(pilot_, lambda: isinstance(app.screen, BuildScreen) and app.screen.query("#build"))
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


@pilot
async def test_epochs_field_takes_only_a_few_digits(program):
    """30 digits and a letter: Input(type="integer") froze the UI on exactly this."""
    app = make_app(program)
    async with app.run_test(size=SIZE) as pilot_:
        screen = await _open_train(pilot_, app)
        field = screen.query_one("#epochs")
        field.focus()
        field.value = ""
        field.insert_text_at_cursor("1" * 30 + "x")     # checked as a whole: refused at once
        assert field.value == ""
        await pilot_.press(*("1" * (EPOCHS_MAX_DIGITS + 1)), "x")
        assert field.value == "1" * EPOCHS_MAX_DIGITS


@pilot
async def test_train_defaults_are_the_clis(program):
    from soulterm.commands.train import configure

    parser = argparse.ArgumentParser()
    configure(parser)
    app = make_app(program)
    async with app.run_test(size=SIZE) as pilot_:
        screen = await _open_train(pilot_, app)
        epochs, eval_every, output = cli_defaults()
        assert screen.query_one("#epochs").value == str(epochs)
        from soulterm.soul.train_config import TrainConfig

        cli_output = parser.get_default("output") or TrainConfig().output   # what `soulterm train` uses
        assert parser.get_default("epochs") in (None, epochs)
        assert screen.query_one("#output").value == str(output) == cli_output


def test_the_train_dialogs_defaults_do_not_import_torch():
    """F2 opens at once: its defaults come from train_config.py, not the trainer,
    whose torch import takes seconds (and blocked the TUI while it ran)."""
    import subprocess
    import sys

    code = ("import sys; from soulterm.tui.screens.train import cli_defaults; cli_defaults(); "
            "print('torch' in sys.modules)")
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == "False"


@pilot
async def test_train_without_torch_names_the_extra(program, monkeypatch):
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real_find_spec(name, *a))
    app = make_app(program)
    async with app.run_test(size=SIZE) as pilot_:
        await pilot_.press("f2")
        await pilot_.pause()
        hints = [n for n in app._notifications if "pip install" in n.message]
        assert hints and "'soulterm[train]'" in hints[0].message and not hints[0].markup
        assert not isinstance(app.screen, TrainScreen)


@needs_torch
@pilot
async def test_closing_mid_training_saves_a_checkpoint_and_says_so(program, tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(CORPUS)
    app = make_app(program)
    notified = []           # every message, even one whose toast timed out on a loaded machine
    show = app.notify
    app.notify = lambda message, *args, **kwargs: (notified.append(str(message)), show(message, *args, **kwargs))[1]
    async with app.run_test(size=SIZE) as pilot_:
        screen = await _open_train(pilot_, app)
        screen.query_one("#corpus").value = str(corpus)
        screen.query_one("#epochs").value = "100000"
        screen.query_one("#output").value = str(tmp_path / "trained")
        screen.query_one("#start").press()
        await wait_until(pilot_, lambda: screen.query_one("#progress").progress >= 1, timeout=60)
        await pilot_.press("escape")
        await wait_until(pilot_, lambda: not isinstance(app.screen, TrainScreen), timeout=120)
        said = [m for m in notified if "training stopped at epoch" in m]
        assert said and "checkpoint saved in" in said[0], notified
        checkpoint = Path(said[0].split("checkpoint saved in ", 1)[1])
        assert checkpoint.is_dir() and checkpoint.is_relative_to(tmp_path / "trained")


@pilot
async def test_build_dialog_builds_on_the_first_enter(program, tmp_path, monkeypatch):
    from soulterm.tui.screens import build as build_screen

    calls = []
    monkeypatch.setattr(build_screen, "run_build", lambda *paths: calls.append(paths))
    app = make_app(program)
    async with app.run_test(size=SIZE) as pilot_:
        await pilot_.press("f3")
        await wait_until(pilot_, lambda: isinstance(app.screen, build_screen.BuildScreen))
        app.screen.query_one("#output").value = str(tmp_path / "out")
        await pilot_.press("enter")
        await wait_until(pilot_, lambda: calls, timeout=10)
        assert calls[0][2] == tmp_path / "out"


SMALL_TERMINAL = (80, 24)           # the smallest size docs/tui.md lays out


@pytest.mark.parametrize("key, dialog", [pytest.param("f2", TrainScreen, marks=needs_torch), ("f3", BuildScreen)])
@pilot
async def test_every_dialog_button_can_be_seen_and_clicked_at_80x24(program, key, dialog):
    """Train and Build are wider and taller than 80x24 at their full size: there they
    shrink, so their buttons stay on the screen (not cut off below or beside it)."""
    app = make_app(program)
    async with app.run_test(size=SMALL_TERMINAL) as pilot_:
        await pilot_.press(key)
        await wait_until(pilot_, lambda: isinstance(app.screen, dialog))
        await pilot_.pause()
        screen = app.screen
        frame = screen.query_one(".dialog")
        assert frame.region.right <= SMALL_TERMINAL[0], frame.region        # the right border shows
        def every_button_shows():
            for button in screen.query(Button):
                centre = button.region.center
                assert screen.get_widget_at(*centre)[0] is button, (button.id, button.region)

        every_button_shows()
        if dialog is BuildScreen:                       # a build's long summary scrolls inside
            screen.query_one("#build-summary").update("\n".join(f"region {n}" for n in range(40)))
            await pilot_.pause()
            every_button_shows()


@pilot
async def test_a_dialog_prompt_wraps_instead_of_being_cut(program):
    """Load's prompt is longer than its dialog is wide: it wraps, every word shows."""
    app = make_app(program)
    async with app.run_test(size=SIZE) as pilot_:
        await pilot_.press("f5")
        await wait_until(pilot_, lambda: isinstance(app.screen, InputDialog))
        await pilot_.pause()
        frame = app.screen.query_one(".dialog")
        prompt = app.screen.query(Label)[1]
        assert prompt.region.right <= frame.content_region.right, (prompt.region, frame.content_region)
        shown = " ".join(strip.text.strip() for strip in prompt.render_lines(prompt.region.reset_offset))
        assert shown.endswith("to reset and load:"), shown
