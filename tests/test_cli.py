"""The `soulterm` dispatcher: subcommands, the default app, help."""

from __future__ import annotations

import subprocess
import sys

from soulterm.cli import SUBCOMMANDS, main


def test_a_disk_path_alone_opens_the_app(capsys):
    # Without a terminal the app refuses politely; that proves `tui` was chosen.
    assert main(["some.d64"]) == 1
    assert capsys.readouterr().err.startswith("soulterm tui:")


def test_help_lists_every_subcommand():
    out = subprocess.run([sys.executable, "-m", "soulterm", "--help"],
                         capture_output=True, text=True, timeout=60).stdout
    for name in SUBCOMMANDS:
        assert name in out


def test_unknown_option_of_a_subcommand_is_an_argparse_error(capsys):
    try:
        main(["chat", "--no-such-option"])
    except SystemExit as exc:
        assert exc.code == 2
    else:
        raise AssertionError("argparse accepted an unknown option")
