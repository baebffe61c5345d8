"""The Build dialog: soul.bin + tokenizer.json -> the soulplayer of the machine on show.

On the C64 the PRG, D64 and map (`soulterm.player.build`), on the Spectrum
the .tap and its map (`soulterm.zx.build`): the machine's record
(machines.py) says which. Runs the builder in a worker thread and then shows
the sizes of what it wrote and the memory map's regions. Dismisses with the
built image when the user chooses to boot it, else None.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, LoadingIndicator, Static

from soulterm.tui.buildmap import BuildMap, MapError
from soulterm.tui.machines import C64_KIND, MachineKind
from soulterm.tui.screens.dialogs import SHORT_DIALOG_BREAKPOINTS


def run_build(soul: Path, tokenizer: Path, output: Path, machine: MachineKind = C64_KIND) -> Path:
    """Call the machine's builder; returns the image, raises with a one-line reason on failure."""
    if not soul.is_file():
        raise ValueError(f"{soul}: no such soul file")
    if not tokenizer.is_file():
        raise ValueError(f"{tokenizer}: no such tokenizer file")
    try:
        return machine.build(soul, tokenizer, output)
    except ImportError as exc:
        raise ValueError(f"the builder is not available in this install ({exc})") from None


def build_summary(output: Path, machine: MachineKind = C64_KIND) -> Text:
    """Sizes of the built files and the map's regions, as a table of text."""
    text = Text()
    for name in machine.built_files:
        path = output / name
        size = f"{path.stat().st_size:,} bytes" if path.exists() else "missing"
        text.append(f"{name:<24}{size}\n")
    try:
        build_map = BuildMap.load(machine.map_for(output / machine.image_name))
    except MapError as exc:
        text.append(f"\n{exc}\n", style="red")
        return text
    text.append(f"\nprogram ${build_map.load_address:04X}-${build_map.end_address:04X} "
                f"({build_map.end_address - build_map.load_address:,} bytes)\n", style="bold")
    for region in build_map.regions:
        text.append(f"  ${region.start:04X}-${region.end - 1:04X}  {region.size:>6,}  {region.kind:<12}{region.name}\n")
    return text


class BuildScreen(ModalScreen[Path | None]):
    """Choose the soul and output folder, build the machine's image, look at the result, boot it."""

    BINDINGS = [Binding("escape", "close", "Close")]
    VERTICAL_BREAKPOINTS = SHORT_DIALOG_BREAKPOINTS

    def __init__(self, soul: Path, tokenizer: Path, output: Path, machine: MachineKind = C64_KIND) -> None:
        super().__init__()
        self._soul, self._tokenizer, self._output = soul, tokenizer, output
        self.machine = machine
        self._built: Path | None = None        # the image, once built

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(f"Build the {self.machine.title}'s soulplayer {self.machine.medium}", classes="dialog-title")
            yield Label("Soul (soul.bin)")
            yield Input(str(self._soul), id="soul")
            yield Label("Tokenizer (tokenizer.json)")
            yield Input(str(self._tokenizer), id="tokenizer")
            yield Label(f"Output folder ({self.machine.built_kinds} go here)")
            yield Input(str(self._output), id="output")
            yield LoadingIndicator(id="building")
            with VerticalScroll(id="build-result"):
                yield Static("", id="build-summary")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Build", variant="primary", id="build")
                yield Button("Boot it", variant="success", id="boot", disabled=True)
                yield Button("Close", id="close")

    def on_mount(self) -> None:
        self.query_one("#building").display = False

    @on(Input.Submitted)
    @on(Button.Pressed, "#build")
    def start_build(self) -> None:
        if self.query_one("#build", Button).disabled:   # already building
            return
        self.query_one("#build", Button).disabled = True
        self.query_one("#building").display = True
        self.query_one("#build-summary", Static).update("building...")
        self._build(Path(self.query_one("#soul", Input).value.strip()),
                    Path(self.query_one("#tokenizer", Input).value.strip()),
                    Path(self.query_one("#output", Input).value.strip() or "."))

    @work(thread=True, exclusive=True, group="build")
    def _build(self, soul: Path, tokenizer: Path, output: Path) -> None:
        try:
            run_build(soul, tokenizer, output, self.machine)
        except Exception as exc:  # the builder's own errors are user-facing
            message = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
            self.app.call_from_thread(self._finished, None, f"build failed: {message}")
            return
        self.app.call_from_thread(self._finished, output, "")

    def _finished(self, output: Path | None, error: str) -> None:
        if not self.is_attached:
            return
        self.query_one("#building").display = False
        self.query_one("#build", Button).disabled = False
        summary = self.query_one("#build-summary", Static)
        if output is None:
            summary.update(Text(error, style="bold red"))
            return
        image = output / self.machine.image_name
        self._built = image
        summary.update(build_summary(output, self.machine))
        self.query_one("#boot", Button).disabled = not image.exists()

    @on(Button.Pressed, "#boot")
    def boot(self) -> None:
        self.dismiss(self._built)

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)
