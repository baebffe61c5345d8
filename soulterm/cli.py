"""The `soulterm` command line: the TUI by default, plus chat/train/eval/build/run/bench.

Each subcommand lives in its own module under soulterm/commands/ with two
functions, `configure(parser)` and `run(args) -> int`. They are imported only
when chosen, so `soulterm chat` never pays for Textual, and nothing but
training pays for torch.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from soulterm import __version__
from soulterm.errors import CommandError  # noqa: F401  (re-exported for subcommands)

# name -> (module, one-line help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "tui": ("soulterm.commands.tui", "open the C64 (or the ZX Spectrum) in the terminal (the default)"),
    "chat": ("soulterm.commands.chat", "chat with a soul using the C64's integer math, instantly"),
    "train": ("soulterm.commands.train", "train a soul (quantization-aware) and export soul.bin + tokenizer.json"),
    "eval": ("soulterm.commands.evaluate", "score a soul on a corpus: valid-reply rate and token accuracy"),
    "build": ("soulterm.commands.build", "assemble the soulplayer PRG and D64 floppy from a soul"),
    "run": ("soulterm.commands.run", "run a PRG or D64 on the headless C64 and print its screen"),
    "bench": ("soulterm.commands.bench", "measure engine speed, emulator speed and kernel cycle counts"),
}


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    parser = argparse.ArgumentParser(
        prog="soulterm",
        description="A Commodore 64 in your terminal, running a real transformer in 6502 assembly.",
        epilog="Without a command, `soulterm [PROGRAM]` opens the TUI (same as `soulterm tui`).",
    )
    parser.add_argument("--version", action="version", version=f"soulterm {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    parsers = {}
    for name, (_module, help_text) in SUBCOMMANDS.items():
        parsers[name] = sub.add_parser(name, help=help_text, description=help_text)
    return parser, parsers


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser, parsers = build_parser()
    # Only the chosen subcommand's module is imported to add its options.
    chosen = _first_word(argv)
    wants_help = chosen is None and any(a in ("-h", "--help", "--version") for a in argv)
    if chosen is not None and chosen not in SUBCOMMANDS and not _names_a_program(chosen):
        print(f"soulterm: unknown command '{chosen}' (commands: {', '.join(SUBCOMMANDS)}; "
              f"or give a .prg/.d64/.tap file to boot)", file=sys.stderr)
        return 2
    if chosen not in SUBCOMMANDS and not wants_help:
        # `soulterm`, `soulterm --mute` and `soulterm my.d64` all open the app.
        argv.insert(0, "tui")
        chosen = "tui"
    module = None
    if chosen in SUBCOMMANDS:
        module = importlib.import_module(SUBCOMMANDS[chosen][0])
        module.configure(parsers[chosen])
    args = parser.parse_args(argv)
    if module is None:
        parser.print_help()
        return 0
    try:
        return int(module.run(args) or 0)
    except CommandError as exc:
        print(f"soulterm {chosen}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"\nsoulterm {chosen}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`soulterm run ... | head`): not an error worth a traceback.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _names_a_program(word: str) -> bool:
    """`soulterm WORD` boots WORD when it is a file or looks like one, else it is a mistyped command."""
    return Path(word).suffix.lower() in (".prg", ".d64", ".tap") or Path(word).exists()


# The TUI's options that take a value: `soulterm --machine zx` opens the app, "zx" is no command.
_TUI_VALUE_OPTIONS = ("--machine", "--map")


def _first_word(argv: list[str]) -> str | None:
    """The first argument that is neither an option nor the value of one of the TUI's options."""
    words = iter(argv)
    for word in words:
        if word in _TUI_VALUE_OPTIONS:
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


if __name__ == "__main__":
    sys.exit(main())
