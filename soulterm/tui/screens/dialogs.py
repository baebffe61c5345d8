"""Small modal dialogs: ask for one line of text, or confirm a choice."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

# The Build and Train dialogs are laid out for 30 rows or more; on a shorter
# terminal (80x24) the screen takes the class "-short" and soulterm.tcss drops
# their spacing, so their buttons stay on the screen.
SHORT_DIALOG_BREAKPOINTS = [(0, "-short"), (30, "-tall")]


class InputDialog(ModalScreen[str | None]):
    """Ask for one value (a path, a symbol); dismisses with the text or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, prompt: str, value: str = "", placeholder: str = "",
                 ok_label: str = "OK") -> None:
        super().__init__()
        self._title, self._prompt, self._value = title, prompt, value
        self._placeholder, self._ok_label = placeholder, ok_label

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self._title, classes="dialog-title")
            yield Label(self._prompt)
            yield Input(value=self._value, placeholder=self._placeholder, id="dialog-input")
            with Horizontal(classes="dialog-buttons"):
                yield Button(self._ok_label, variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def _accept(self) -> None:
        self.dismiss(self.query_one(Input).value.strip())

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmDialog(ModalScreen[bool]):
    """A yes/no question; dismisses with True for yes."""

    BINDINGS = [Binding("escape", "no", "No"), Binding("y", "yes", "Yes"), Binding("n", "no", "No")]

    def __init__(self, title: str, question: str, yes_label: str = "Yes", no_label: str = "No") -> None:
        super().__init__()
        self._title, self._question = title, question
        self._yes, self._no = yes_label, no_label

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self._title, classes="dialog-title")
            yield Label(self._question)
            with Horizontal(classes="dialog-buttons"):
                yield Button(self._yes, variant="primary", id="yes")
                yield Button(self._no, id="no")

    @on(Button.Pressed, "#yes")
    def action_yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def action_no(self) -> None:
        self.dismiss(False)
