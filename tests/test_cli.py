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


def test_unknown_command_says_so(capsys):
    assert main(["chta"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("soulterm: unknown command 'chta'") and "chat" in err
    assert len(err.strip().splitlines()) == 1


def test_version(capsys):
    from soulterm import __version__

    try:
        main(["--version"])
    except SystemExit as exc:
        assert exc.code == 0
    else:
        raise AssertionError("--version did not exit")
    assert capsys.readouterr().out.strip() == f"soulterm {__version__}"


def test_bench_machine_takes_its_own_options(capsys):
    assert main(["bench", "--machine", "--cycles", "20000", "--repeat", "1"]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if "emulated MHz" in line]
    assert [line.split(":")[0] for line in lines] == ["bare py65 (bytearray)", "soulterm C64.run",
                                                      "soulterm run (command)"]


def test_benchmark_script_passes_its_arguments_on():
    from soulterm import paths

    result = subprocess.run([sys.executable, str(paths.CHECKOUT_DIR / "benchmarks" / "machine_speed.py"),
                             "--cycles", "20000", "--repeat", "1"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("emulated MHz") == 3


def test_bench_tui_with_a_missing_disk_is_one_line(tmp_path, capsys):
    assert main(["bench", "--tui", "--disk", str(tmp_path / "none.d64")]) == 1
    err = capsys.readouterr().err
    assert "none.d64: not found" in err and len(err.strip().splitlines()) == 1
