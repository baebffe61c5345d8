"""benchmarks/z80_fc2_profile.py (zxchain34): the 128K's fc2 call single-stepped, its T-states by phase. The phases
must add up to the call's own T-states (kernelbench's run of the same call); a call with every x 0 writes nothing and
runs no chain piece; a column's pieces cost its rows (an l piece 136 T-states a row, x of 5's short piece 91); a call
that is not exact fails; the command line on a prompt."""

from __future__ import annotations

import collections
import sys

import numpy as np
import pytest

from soulterm.paths import CHECKOUT_DIR, DEFAULT_SOUL
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.zx.kernelbench import run_matvec_nz

sys.path.insert(0, str(CHECKOUT_DIR / "benchmarks"))
import z80_fc2_profile as profile  # noqa: E402  (a benchmark script, beside z80_profile.py)


@pytest.fixture(scope="module")
def subject():
    return profile.Profiler(), Engine(load_soul(DEFAULT_SOUL))


def run(profiler, layer, z):
    phases, instructions, columns = collections.Counter(), collections.Counter(), collections.Counter()
    t_states = profiler.call(layer, np.asarray(z, np.int64), phases, instructions, columns)
    return t_states, phases, instructions, columns


def test_the_phases_add_up_to_the_calls_t_states(subject):
    profiler, engine = subject
    layer = engine.layers[1]
    z = np.zeros(64, np.int64)
    z[[0, 1, 5, 20, 33, 40, 41, 63]] = [5, 300, 90, 12, 1, 77, 16, 200]
    t_states, phases, instructions, columns = run(profiler, layer, z)
    assert sum(phases.values()) == t_states == sum(instructions.values()) + phases["the call"]
    out = np.zeros(len(layer.fc2_b), np.int64)
    _, plain = run_matvec_nz(profiler.bench, layer.fc2_t.T, z, layer.fc2_b, layer.s_fc2, out)
    assert plain == t_states
    assert columns == {"short": 4, "l": 4}
    assert {"writing l", "writing short", "chain: piece l", "chain: piece short", "chain: parts' step", "scan",
            "rows: start", "rows: end", "preparing"} <= set(phases)


def test_a_zero_call_writes_nothing_and_a_column_costs_its_rows(subject):
    profiler, engine = subject
    layer = engine.layers[0]
    rows = len(layer.fc2_b)
    _, phases, _, columns = run(profiler, layer, np.zeros(64, np.int64))
    assert not columns and not any(phase.startswith(("writing", "chain: piece", "chain: skip")) for phase in phases)
    for value, kind, per_row in ((50, "l", 136), (5, "short", 91)):
        z = np.zeros(64, np.int64)
        z[7] = value
        _, phases, _, _ = run(profiler, layer, z)
        assert phases[f"chain: piece {kind}"] == rows * per_row
        assert phases[f"chain: skip {kind}"] == 0       # (the part's first nonzero column: its rows start on it)


def test_a_call_that_is_not_exact_fails(subject, monkeypatch):
    profiler, engine = subject
    monkeypatch.setattr(profile, "sat16", lambda values: np.asarray(values) + 1)
    with pytest.raises(AssertionError):
        run(profiler, engine.layers[1], np.arange(64) % 3)


def test_the_benchmark_runs_a_prompt(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["z80_fc2_profile.py", "hi", "--top", "3", "--phase", "writing l"])
    profile.main()
    out = capsys.readouterr().out.splitlines()
    assert "reply steps; fc2" in out[0] and out[1].split()[0] == "phase"
    assert any(line.startswith("  chain: piece l: opcode") for line in out)
    assert any(line.startswith("  writing l: nz_nonzero+") for line in out)
