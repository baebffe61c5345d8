"""The command palette provider: every menu action by name, fuzzy-matched.
(Quit is not here: Textual's own system commands list it.)"""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

# (title, action name on the app, help)
MENU = (
    ("Train a soul", "train", "train on a corpus in the background, then build and boot it"),
    ("Build the floppy", "build", "assemble the soulplayer PRG, D64 and memory map from models/"),
    ("Export D64", "export_d64", "copy the built floppy image to a path of your choice"),
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


class SoultermCommands(Provider):
    """Offers the app's menu actions in the command palette."""

    async def discover(self) -> Hits:
        for title, action, help_text in MENU:
            yield DiscoveryHit(title, partial(self.app.run_action, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, action, help_text in MENU:
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(self.app.run_action, action), help=help_text)
