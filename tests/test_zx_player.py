"""The Spectrum soulplayer: the shipped tape is current, it answers as the integer engine, its map."""

from __future__ import annotations

import json

import pytest

from conftest import play_zx_prompts
from soulterm.cli import main
from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER, DISK_DIR
from soulterm.player.mapformat import MAP_FORMAT
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx.build import MAP_NAME, ORIGIN, TAP_NAME, assemble_spectrum_player


@pytest.fixture(scope="module")
def built():
    return assemble_spectrum_player(DEFAULT_SOUL, DEFAULT_TOKENIZER)


def test_the_shipped_tape_and_map_are_current(built):
    assert (DISK_DIR / TAP_NAME).read_bytes() == built.tape, "run: soulterm build --machine zx"
    assert (DISK_DIR / MAP_NAME).read_text() == built.map_text, "run: soulterm build --machine zx"


def test_the_player_answers_as_the_integer_engine_and_quits(built):
    engine = Engine(load_soul(DEFAULT_SOUL))
    tokenizer = Tokenizer.load(DEFAULT_TOKENIZER)
    prompts = ["hello", "What's up?", "hi how are you doing today"]   # the last is over the prompt budget
    assert len(tokenizer.encode(prompts[-1])) > tokenizer.prompt_ids
    machine, turns = play_zx_prompts(built.tape, prompts, "soulplayer 48")
    assert turns[2 * len(prompts):2 * len(prompts) + 2] == ["you> q", "bye."]
    assert len(machine.rom.beeps) == sum(len(engine.reply(tokenizer, p).ids) for p in prompts)


def test_the_map_has_the_c64_maps_format(built):
    doc = json.loads(built.map_text)
    assert doc["format"] == MAP_FORMAT and doc["machine"] == "zx-spectrum-48k"
    assert doc["load_address"] == ORIGIN and doc["end_address"] == built.program.end
    assert set(doc["attention"]) == {"weights", "context", "context_len", "position", "layer", "head"}
    assert doc["attention"]["weights"] == doc["symbols"]["att_weights"]
    assert len(doc["vocab"]) == 128 and doc["vocab"][4] == " "
    regions = doc["regions"]
    for before, after in zip(regions, regions[1:]):
        assert before["end"] <= after["start"], (before, after)
    assert regions[-1]["end"] == built.program.end
    assert {row[1] for row in doc["lines"]} >= {"kernels/z80/matvec.s", "kernels/z80/soulplayer.s"}


def test_build_command_writes_the_tape(tmp_path, capsys):
    assert main(["build", "--machine", "zx", "--output", str(tmp_path), "--quiet"]) == 0
    assert (tmp_path / TAP_NAME).read_bytes() == (DISK_DIR / TAP_NAME).read_bytes()
    assert "soulplayer.tap" in capsys.readouterr().out


def test_run_without_max_cycles_lets_a_typo_prompt_finish_its_reply(capsys):
    """The default budget is the Spectrum's 30 s, not the C64's 30M cycles (a few Z80 tokens)."""
    prompt = "i'm so nagry"
    assert main(["run", str(DISK_DIR / TAP_NAME), "--type", prompt, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    lines = [line.rstrip() for line in report["screen"] if line.strip()]
    expected = Engine(load_soul(DEFAULT_SOUL)).reply(Tokenizer.load(DEFAULT_TOKENIZER), prompt)
    assert lines[-3:] == [f"you> {prompt}", expected.text, "you>"]


def test_run_until_idle_stops_when_the_player_waits_for_the_next_line(capsys):
    assert main(["run", str(DISK_DIR / TAP_NAME), "--type", "hello", "--until-idle", "--json",
                 "--max-cycles", "300000000"]) == 0
    report = json.loads(capsys.readouterr().out)
    lines = [line.rstrip() for line in report["screen"] if line.strip()]
    expected = Engine(load_soul(DEFAULT_SOUL)).reply(Tokenizer.load(DEFAULT_TOKENIZER), "hello")
    assert report["stopped"] == "idle"
    assert lines[-3:] == ["you> hello", expected.text, "you>"]
    assert len(report["sid_gate_on"]) == len(expected.ids)      # one blip a reply token
    positions = len(expected.context) + len(expected.ids)
    assert report["cycles"] < 6_200_000 * positions   # the turn's budget, boot and typing included
