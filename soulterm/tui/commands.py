"""The command palette provider: every menu action by name, fuzzy-matched.
(Quit is not here: Textual's own system commands list it.) Build and Export
are named for the machine on show: "Export D64" on the C64, "Export TAP" on
the Spectrum."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from soulterm.tui.machines import MachineKind

# (title, action name on the app, help); {medium}, {image} and {files} are the machine's (menu())
MENU = (
    ("Train a soul", "train", "train on a corpus in the background, then build and boot it"),
    ("Build the {medium}", "build", "assemble the soulplayer {files} from models/"),
    ("Export {image}", "export", "copy the built {medium} image to a path of your choice"),
    ("Load PRG/D64/TAP", "load", "reset and load a program, floppy image or Spectrum tape"),
    ("Reset", "reset", "power-cycle the machine and boot the current disk or tape again"),
    ("Speed: toggle real clock / warp", "speed", "the machine's real speed or as fast as this computer goes"),
    ("Mute / unmute", "mute", "toggle the SID or beeper sound"),
    ("Pause / continue", "toggle_pause", "stop or resume the CPU"),
    ("Step into", "step", "execute one instruction"),
    ("Step over", "step_over", "execute one instruction, running a call's (JSR, CALL, RST) whole subroutine"),
    ("Step out", "step_out", "run until the current subroutine returns"),
    ("RUN/STOP+RESTORE", "restore", "C64: press RESTORE with RUN/STOP held: a program that allows it returns to BASIC"),
    ("Run to next kernel", "next_kernel", "run until the PC enters a kernel routine"),
    ("Breakpoint", "breakpoint", "set or clear a breakpoint by symbol or $address"),
    ("Hex view: follow symbol", "hex_goto", "show memory at a symbol or $address"),
)


def menu(kind: MachineKind) -> list[tuple[str, str, str]]:
    """MENU in the words of one machine."""
    words = {"medium": kind.medium, "image": kind.image_label, "files": kind.built_kinds}
    return [(title.format(**words), action, help_text.format(**words)) for title, action, help_text in MENU]


class SoultermCommands(Provider):
    """Offers the app's menu actions in the command palette."""

    async def discover(self) -> Hits:
        for title, action, help_text in menu(self.app.kind):
            yield DiscoveryHit(title, partial(self.app.run_action, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, action, help_text in menu(self.app.kind):
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(self.app.run_action, action), help=help_text)
