"""`soulterm run`: screen output, --type, --until-idle, --json, and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

from soulterm.cli import main

from test_c64_helpers import prg

GREET = """
    LDA #$93
    JSR $FFD2
again:
    LDA #$3F            ; '?'
    JSR $FFD2
    LDX #$00
read:
    JSR $FFCF           ; the whole line is typed (and echoed) before the first character returns
    STA $C200,X
    INX
    CMP #$0D
    BNE {read}
    LDY #$00
show:
    LDA $C200,Y         ; print it again, RETURN included
    JSR $FFD2
    INY
    DEX
    BNE {show}
    LDA #$21
    STA $D404
    INC $D020
    JMP {again}
"""


def write(tmp_path, source, name="p.prg"):
    path = tmp_path / name
    path.write_bytes(prg(source))
    return str(path)


def test_prints_the_screen_as_25_lines(tmp_path, capsys):
    path = write(tmp_path, "LDA #$41\nJSR $FFD2\nRTS")
    assert main(["run", path, "--mute"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 25 and all(len(line) == 40 for line in lines)
    assert any(line.startswith("A ") for line in lines)


def test_type_until_idle_and_json(tmp_path, capsys):
    path = write(tmp_path, GREET)
    assert main(["run", path, "--mute", "--json", "--until-idle", "--type", "hi", "--type", "yo"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) == {"screen", "cycles", "sid_gate_on", "border_changes", "stopped"}
    assert report["stopped"] == "idle"
    # CHRIN does not print the typed RETURN: the echo follows the input on its row
    assert [line.rstrip() for line in report["screen"][:3]] == ["?HIHI", "?YOYO", "?"]
    # one gate-on per line: the first write turns it on, the second finds it on already
    assert len(report["sid_gate_on"]) == 1
    assert report["border_changes"] == 2
    assert report["cycles"] > 0


def test_max_cycles_stop(tmp_path, capsys):
    path = write(tmp_path, "loop:\nINC $FB\nJMP {loop}")
    assert main(["run", path, "--mute", "--json", "--max-cycles", "8000"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["stopped"] == "max-cycles"
    # the first instruction boundary at or after 8000 (the badline at $33 shifted the loop's boundaries)
    assert 8000 <= report["cycles"] < 8000 + 5


def test_crash_prints_the_screen_then_a_one_line_error(tmp_path, capsys):
    path = write(tmp_path, ".byte $EA, $02")
    assert main(["run", path, "--mute"]) == 1
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 25
    assert captured.err.strip().count("\n") == 0
    assert "JAM opcode $02 at $C001" in captured.err


def test_bad_inputs_are_one_line_errors(tmp_path, capsys):
    assert main(["run", str(tmp_path / "missing.prg"), "--mute"]) == 1
    assert "no such file" in capsys.readouterr().err
    bad = tmp_path / "bad.prg"
    bad.write_bytes(b"\x01")
    assert main(["run", str(bad), "--mute"]) == 1
    assert "not a PRG" in capsys.readouterr().err
    path = write(tmp_path, "RTS")
    assert main(["run", path, "--mute", "--type", "tab\there"]) == 1
    assert "cannot be typed" in capsys.readouterr().err


def test_no_traceback_from_the_real_command(tmp_path):
    bad = tmp_path / "bad.d64"
    bad.write_bytes(bytes(174848))
    result = subprocess.run([sys.executable, "-m", "soulterm.cli", "run", str(bad), "--mute"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_crash_in_json_mode_is_halted_with_an_error_member(tmp_path, capsys):
    path = write(tmp_path, "JMP $E123")
    assert main(["run", path, "--mute", "--json"]) == 1
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["stopped"] == "halted"
    assert "$E123" in report["error"]
    assert "$E123" in captured.err


def test_sound_without_a_device_is_a_one_line_notice(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SDL_AUDIODRIVER", "dummy")
    path = write(tmp_path, "LDA #$21\nSTA $D404\nRTS")
    assert main(["run", path, "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["sid_gate_on"]
    assert captured.err.count("\n") == 1 and "sound off" in captured.err


def test_type_can_press_run_stop_restore_while_the_soulplayer_computes(capsys):
    from soulterm.paths import DISK_DIR
    disk = str(DISK_DIR / "soulplayer.d64")
    assert main(["run", disk, "--mute", "--json", "--until-idle",
                 "--type", "hello", "--type", "{run/stop+restore}"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["stopped"] == "halted" and "error" not in report
    assert report["screen"][0].rstrip() == "READY."


def test_an_unknown_key_in_braces_is_a_one_line_error(tmp_path, capsys):
    path = write(tmp_path, "RTS")
    assert main(["run", path, "--mute", "--type", "{shift+lock}"]) != 0
    err = capsys.readouterr().err.strip()
    assert "unknown key {shift+lock}" in err and len(err.splitlines()) == 1
