"""The Train dialog: train a soul in the background and watch it learn.

Runs `soulterm.soul.trainer.train` in a worker thread with a progress
callback (epoch progress -> progress bar and loss plot; evaluations -> the
float and int8 replies to probe prompts) and a stop flag the Cancel button
sets. When it finishes, it offers to build and boot the result: dismissing
with the output folder asks the app to open the Build dialog on it.
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

TORCH_HINT = "training needs PyTorch: pip install 'soulterm[train]'"
LOSS_POINTS = 120  # the plot keeps the latest points


class TrainScreen(ModalScreen[Path | None]):
    """Corpus and epochs in, soul.bin + tokenizer.json out."""

    BINDINGS = [Binding("escape", "close", "Close")]

    def __init__(self, output: Path) -> None:
        super().__init__()
        self._output = output
        self._stop = threading.Event()
        self._losses: list[float] = []
        self._result: Path | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide", id="train-dialog"):
            yield Label("Train a soul", classes="dialog-title")
            yield Label("Corpus file (empty: the built-in corpus)")
            yield Input("", placeholder="models/corpus.txt", id="corpus")
            with Horizontal(classes="form-row"):
                with Vertical():
                    yield Label("Epochs")
                    yield Input("2000", id="epochs", type="integer")
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

    @on(Button.Pressed, "#start")
    def start(self) -> None:
        try:
            epochs = int(self.query_one("#epochs", Input).value)
            if epochs <= 0:
                raise ValueError
        except ValueError:
            self.notify("epochs must be a positive whole number", severity="error")
            return
        corpus = self.query_one("#corpus", Input).value.strip() or None
        if corpus is not None and not Path(corpus).is_file():
            self.notify(f"{corpus}: no such corpus file", severity="error")
            return
        output = Path(self.query_one("#output", Input).value.strip() or str(self._output))
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
        config = TrainConfig(corpus=corpus, epochs=epochs, output=str(output),
                             eval_every=max(1, min(500, epochs // 4)))
        try:
            result = train(config, progress=lambda event: self.app.call_from_thread(self._progress, event),
                           should_stop=self._stop.is_set)
        except Exception as exc:  # the trainer's errors are user-facing
            text = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
            self.app.call_from_thread(self._finished, None, f"training failed: {text}")
            return
        summary = f"{'stopped' if result.stopped else 'finished'} at epoch {result.epoch}; best epoch {result.best_epoch}"
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
        if not self.is_attached:
            if output is None:
                self.app.notify(message, severity="error")
            return
        self.query_one("#start", Button).disabled = False
        self.query_one("#cancel", Button).disabled = True
        self.query_one(Log).write_line(message)
        if output is None:
            self.notify(message, severity="error")
            return
        self._result = output
        self.query_one("#build", Button).disabled = not (output / "soul.bin").exists()

    @on(Button.Pressed, "#build")
    def build(self) -> None:
        self.dismiss(self._result)

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self._stop.set()
        self.dismiss(None)
