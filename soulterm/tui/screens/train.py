"""The Train dialog: train a soul in the background and watch it learn.

Runs `soulterm.soul.trainer.train` in a worker thread with a progress
callback (epoch progress -> progress bar and loss plot; evaluations -> the
float and int8 replies to probe prompts) and a stop flag the Cancel button
sets. Closing the dialog mid-run stops the run as Ctrl-C does in
`soulterm train`: the current epoch ends, a checkpoint is saved, the dialog
closes and says where the checkpoint went. When a run finishes, the dialog
offers to build and boot the result: dismissing with the output folder asks
the app to open the Build dialog on it. The defaults are the CLI's.
"""

from __future__ import annotations

import threading
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Log, ProgressBar, Sparkline

from soulterm.tui.screens.dialogs import SHORT_DIALOG_BREAKPOINTS

TORCH_HINT = "training needs PyTorch: pip install 'soulterm[train]'"
LOSS_POINTS = 120  # the plot keeps the latest points
READ_A_PATH_SECONDS = 15  # a closed run's summary names its checkpoint folder: time to read it
# Epochs: digits only, at most 7 (10 million epochs is years of training). Our own
# restriction: Input(type="integer")'s regular expression backtracks exponentially
# on a long run of digits followed by a letter and freezes the UI.
EPOCHS_RESTRICT = r"[0-9]*"
EPOCHS_MAX_DIGITS = 7


def cli_defaults() -> tuple[int, int, Path]:
    """(epochs, eval_every, output) as `soulterm train` with no options has them."""
    import argparse

    from soulterm.commands.train import configure

    parser = argparse.ArgumentParser(add_help=False)
    configure(parser)
    config_defaults = _train_config_defaults()
    epochs = parser.get_default("epochs") or config_defaults["epochs"]
    eval_every = parser.get_default("eval_every") or config_defaults["eval_every"]
    output = parser.get_default("output") or config_defaults["output"]
    return int(epochs), int(eval_every), Path(output)


def _train_config_defaults() -> dict:
    """TrainConfig's field defaults, read without importing torch (train_config.py)."""
    from soulterm.soul.train_config import TrainConfig

    config = TrainConfig()
    return {"epochs": config.epochs, "eval_every": config.eval_every, "output": config.output}


class TrainScreen(ModalScreen[Path | None]):
    """Corpus and epochs in, soul.bin + tokenizer.json out."""

    BINDINGS = [Binding("escape", "close", "Close")]
    VERTICAL_BREAKPOINTS = SHORT_DIALOG_BREAKPOINTS

    def __init__(self, output: Path | None = None) -> None:
        super().__init__()
        self._epochs, self._eval_every, default_output = cli_defaults()
        self._output = output or default_output
        self._stop = threading.Event()
        self._losses: list[float] = []
        self._result: Path | None = None
        self._training = False
        self._close_when_stopped = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide", id="train-dialog"):
            yield Label("Train a soul", classes="dialog-title")
            yield Label("Corpus file (empty: the built-in corpus)")
            yield Input("", placeholder="models/corpus.txt", id="corpus")
            with Horizontal(classes="form-row"):
                with Vertical():
                    yield Label("Epochs")
                    yield Input(str(self._epochs), id="epochs", restrict=EPOCHS_RESTRICT,
                                max_length=EPOCHS_MAX_DIGITS)
                with Vertical():
                    yield Label("Output folder")
                    yield Input(str(self._output), id="output")
            yield ProgressBar(total=100, show_eta=True, id="progress")
            yield Label("loss", id="loss-label")
            yield Sparkline([], id="loss")
            yield Log(id="samples", max_lines=400)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Start", variant="primary", id="start")
                yield Button("Cancel training", variant="warning", id="cancel", disabled=True)
                yield Button("Build and boot", variant="success", id="build", disabled=True)
                yield Button("Close", id="close")

    @on(Input.Submitted)
    @on(Button.Pressed, "#start")
    def start(self) -> None:
        if self._training:
            return
        try:
            epochs = int(self.query_one("#epochs", Input).value)
            if epochs <= 0:
                raise ValueError
        except ValueError:
            self.notify(f"epochs must be a whole number from 1 to {'9' * EPOCHS_MAX_DIGITS}", severity="error")
            return
        corpus = self.query_one("#corpus", Input).value.strip() or None
        if corpus is not None and not Path(corpus).is_file():
            self.notify(f"{corpus}: no such corpus file", severity="error", markup=False)
            return
        output = Path(self.query_one("#output", Input).value.strip() or str(self._output))
        self._training = True
        self._stop.clear()
        self._losses.clear()
        self.query_one("#start", Button).disabled = True
        self.query_one("#cancel", Button).disabled = False
        self.query_one("#build", Button).disabled = True
        self.query_one(Log).write_line(f"training {epochs} epochs into {output} ...")
        self._train(corpus, epochs, output)

    @on(Button.Pressed, "#cancel")
    def cancel(self) -> None:
        self._stop.set()
        self.query_one(Log).write_line("cancelling after this epoch ...")

    @work(thread=True, exclusive=True, group="train")
    def _train(self, corpus: str | None, epochs: int, output: Path) -> None:
        try:
            from soulterm.soul.trainer import TrainConfig, train
        except ImportError as exc:
            message = TORCH_HINT if "torch" in str(exc) else f"the trainer is unavailable: {exc}"
            self.app.call_from_thread(self._finished, None, message)
            return
        config = TrainConfig(corpus=corpus, epochs=epochs, output=str(output), eval_every=self._eval_every)
        try:
            result = train(config, progress=lambda event: self.app.call_from_thread(self._progress, event),
                           should_stop=self._stop.is_set)
        except Exception as exc:  # the trainer's errors are user-facing
            text = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
            self.app.call_from_thread(self._finished, None, f"training failed: {text}")
            return
        if result.stopped:
            saved = f"checkpoint saved in {result.checkpoint}" if result.checkpoint else "no epoch done, nothing saved"
            summary = f"training stopped at epoch {result.epoch}; {saved}"
        else:
            summary = f"training finished at epoch {result.epoch}; best epoch {result.best_epoch}"
        self.app.call_from_thread(self._finished, output, summary)

    def _progress(self, event: object) -> None:
        if not self.is_attached:  # closed while training wound down
            return
        kind = getattr(event, "kind", "")
        log = self.query_one(Log)
        if kind == "epoch":
            self.query_one(ProgressBar).update(total=event.epochs, progress=event.epoch)
            self._losses.append(float(event.loss))
            self.query_one(Sparkline).data = self._losses[-LOSS_POINTS:]
            self.query_one("#loss-label", Label).update(f"loss {event.loss:.4f}  (lr {event.lr:.2e})")
        elif kind == "eval":
            report = event.report
            score = getattr(report, "valid_rate", None)
            header = f"epoch {event.epoch}: int8 valid replies {score:.0%}" if isinstance(score, float) else f"epoch {event.epoch}"
            log.write_line(header + f", float {event.float_valid_rate:.0%}" + ("  (best)" if event.is_best else ""))
            for sample in event.samples:
                log.write_line(f"  {sample.prompt!r}: float {sample.float_reply!r} | int8 {sample.int_reply!r}")
        elif hasattr(event, "text"):
            log.write_line(str(event.text))

    def _finished(self, output: Path | None, message: str) -> None:
        self._training = False
        if not self.is_attached or self._close_when_stopped:
            # Closed mid-run: say what happened where the user now is.
            self.app.notify(message, title="Train", severity="error" if output is None else "information",
                            markup=False, timeout=READ_A_PATH_SECONDS)
            if self.is_attached:
                self.dismiss(None)
            return
        self.query_one("#start", Button).disabled = False
        self.query_one("#cancel", Button).disabled = True
        self.query_one(Log).write_line(message)
        if output is None:
            self.notify(message, severity="error", markup=False)
            return
        self._result = output
        self.query_one("#build", Button).disabled = not (output / "soul.bin").exists()

    @on(Button.Pressed, "#build")
    def build(self) -> None:
        self.dismiss(self._result)

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        """Mid-run: stop as Ctrl-C does (finish the epoch, save a checkpoint), then close.
        A second Close while the checkpoint is written closes at once; the run still
        saves it and the app says so."""
        if not self._training or self._close_when_stopped:
            self._stop.set()
            self.dismiss(None)
            return
        self._close_when_stopped = True
        self._stop.set()
        self.query_one("#cancel", Button).disabled = True
        self.query_one(Log).write_line("closing: finishing this epoch and saving a checkpoint ...")
