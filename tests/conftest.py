"""Shared fixtures, above all the reference vectors (SPEC.md's test data), in two sets.

- "project": the shipped models/soul.bin with tests/reference/{replies,trace}.json,
  made by `python -m soulterm.soul.reference`; always present.
- "original": the original soul's vectors in ../shared/vectors (GPL test data
  that is never copied into this repository; SOULTERM_VECTORS overrides the
  folder). Tests that need it skip, with the reason, when it is absent.

`vectors_dir`, `vectors_soul`, `vectors_tokenizer`, `vectors_replies` and
`vectors_trace` run a test on both sets; `project_vectors` and
`original_vectors` pick one (a VectorSet, for tests where one soul is enough
or whose expected values belong to the original soul).
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pytest

from soulterm import paths
from soulterm.soul import reference

ROOT = Path(__file__).resolve().parent.parent
ORIGINAL_VECTORS_DIR = Path(os.environ.get("SOULTERM_VECTORS", ROOT.parent / "shared" / "vectors"))
VECTOR_SET_NAMES = ("project", "original")


@dataclass(frozen=True)
class VectorSet:
    """A soul, its tokenizer, and what every engine must produce from them."""
    name: str
    soul_path: Path
    tokenizer_path: Path
    replies_path: Path
    trace_path: Path

    @cached_property
    def soul(self):
        from soulterm.soul.soulfile import load_soul

        return load_soul(self.soul_path)

    @cached_property
    def tokenizer(self):
        from soulterm.soul.tokenizer import Tokenizer

        return Tokenizer.load(self.tokenizer_path)

    @cached_property
    def replies(self) -> list[dict]:
        return json.loads(self.replies_path.read_text())

    @cached_property
    def trace(self) -> dict:
        return json.loads(self.trace_path.read_text())

    def reply_to(self, text: str) -> str:
        return next(case["reply"] for case in self.replies if case["text"] == text)


PROJECT_VECTORS = VectorSet(
    "project", paths.DEFAULT_SOUL, paths.DEFAULT_TOKENIZER,
    paths.REFERENCE_DIR / reference.REPLIES_FILE, paths.REFERENCE_DIR / reference.TRACE_FILE)
ORIGINAL_VECTORS = VectorSet(
    "original", ORIGINAL_VECTORS_DIR / "soul.bin", ORIGINAL_VECTORS_DIR / "tokenizer.json",
    ORIGINAL_VECTORS_DIR / "replies.json", ORIGINAL_VECTORS_DIR / "trace.json")


def _available(vectors: VectorSet) -> VectorSet:
    if not vectors.soul_path.exists():
        pytest.skip(f"{vectors.name} vectors not found in {vectors.soul_path.parent} "
                    "(set SOULTERM_VECTORS to the shared/vectors folder)")
    return vectors


def pytest_terminal_summary(terminalreporter):
    """One line per distinct skip reason (not one per test): a bare clone skips dozens for one cause."""
    reasons: dict[str, int] = {}
    for report in terminalreporter.stats.get("skipped", []):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reason = reason.removeprefix("Skipped: ")
        reasons[reason] = reasons.get(reason, 0) + 1
    if reasons:
        terminalreporter.write_sep("-", "skipped")
        for reason, count in sorted(reasons.items(), key=lambda item: -item[1]):
            terminalreporter.write_line(f"{count} skipped: {reason}")


@pytest.fixture(autouse=True)
def _user_data_in_tmp(tmp_path_factory, monkeypatch):
    """No test (nor the commands it starts) writes into the real per-user data folder."""
    monkeypatch.setenv("SOULTERM_DATA_DIR", str(tmp_path_factory.getbasetemp() / "user-data"))


@pytest.fixture(scope="session")
def project_vectors() -> VectorSet:
    return _available(PROJECT_VECTORS)


@pytest.fixture(scope="session")
def original_vectors() -> VectorSet:
    return _available(ORIGINAL_VECTORS)


@pytest.fixture(scope="session", params=VECTOR_SET_NAMES)
def vector_set(request) -> VectorSet:
    return _available(PROJECT_VECTORS if request.param == "project" else ORIGINAL_VECTORS)


@pytest.fixture(scope="session")
def vectors_dir(vector_set, tmp_path_factory) -> Path:
    """The set as one folder in shared/vectors' layout: soul.bin, tokenizer.json, replies.json, trace.json."""
    folder = tmp_path_factory.mktemp(f"vectors-{vector_set.name}")
    for source, name in ((vector_set.soul_path, "soul.bin"), (vector_set.tokenizer_path, "tokenizer.json"),
                         (vector_set.replies_path, "replies.json"), (vector_set.trace_path, "trace.json")):
        shutil.copyfile(source, folder / name)
    return folder


@pytest.fixture(scope="session")
def vectors_soul(vector_set):
    return vector_set.soul


@pytest.fixture(scope="session")
def vectors_tokenizer(vector_set):
    return vector_set.tokenizer


@pytest.fixture(scope="session")
def vectors_replies(vector_set) -> list[dict]:
    return vector_set.replies


@pytest.fixture(scope="session")
def vectors_trace(vector_set) -> dict:
    return vector_set.trace


def random_soul(seed: int):
    """A valid soul with random int8 weights and realistic shifts (for property tests)."""
    import numpy as np

    from soulterm.soul import spec
    from soulterm.soul.soulfile import Soul

    rng = np.random.default_rng(seed)
    arrays = {}
    for t in spec.TENSORS:
        if t.kind == spec.KIND_BIAS:
            continue
        shift = int(rng.integers(4, 9))
        if t.name.endswith(("n1", "n2")) or t.name == "norm":
            values = rng.integers(40, 128, size=t.count)
        else:
            values = rng.integers(-127, 128, size=t.count)
        arrays[t.name] = (values, shift)
    for t in spec.TENSORS:
        if t.kind == spec.KIND_BIAS:
            weight_shift = arrays[t.name.replace("_b", "_w")][1]
            arrays[t.name] = (rng.integers(-3000, 3000, size=t.count), weight_shift)
    return Soul.from_arrays(arrays)


def play_zx_prompts(tape: bytes, prompts: list[str], banner: str):
    """Load a Spectrum player's tape, type `prompts` and "q", run it to the end and check
    its banner and that each prompt's reply is the integer engine's (the shipped soul);
    returns the machine and the screen's lines from the first prompt on."""
    from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
    from soulterm.soul.engine import Engine
    from soulterm.soul.soulfile import load_soul
    from soulterm.soul.tokenizer import Tokenizer
    from soulterm.zx import Spectrum

    engine, tokenizer = Engine(load_soul(DEFAULT_SOUL)), Tokenizer.load(DEFAULT_TOKENIZER)
    machine = Spectrum()
    machine.load_tap(tape)
    assert machine.run(max_cycles=600_000_000, until_idle=True) == "idle", machine.stop_message
    assert [line.rstrip() for line in machine.screen_lines()][0] == banner
    turns = []          # (each turn read as it ends: the 48K's window, 8 lines since the twenty-sixth round,
    for prompt in prompts + ["q"]:      # scrolls the ones before out)
        machine.type_line(prompt)
        if prompt == "q":
            assert machine.run(max_cycles=600_000_000) == "halted"
            assert not machine.crashed, machine.stop_message
        else:
            assert machine.run(max_cycles=600_000_000, until_idle=True) == "idle", machine.stop_message
        screen = [line.rstrip() for line in machine.screen_lines()]
        at = len(screen) - 1 - screen[::-1].index(f"you> {prompt}")
        turns += screen[at:at + 2] if prompt != "q" else screen[at:]
    for index, prompt in enumerate(prompts):
        assert turns[2 * index] == f"you> {prompt}"
        assert turns[2 * index + 1] == engine.reply(tokenizer, prompt).text
    return machine, turns


def step_z80_forward(forward, engine, positions: int):
    """Feed SEP, then the id 20, then whatever the soul chooses through a Z80 bench's
    forward_step (kernels/z80/forward.s), `positions` positions; after each, check its
    logits equal Engine.step's and yield (position, those logits, the engine's state)."""
    import numpy as np

    state = engine.new_state()
    token = 1
    for position in range(positions):
        want = engine.step(state, token)
        forward.poke(forward.sym("fw_token"), [token])
        forward.poke(forward.sym("fw_pos"), [position])
        forward.call("forward_step", max_t_states=30_000_000)
        assert np.array_equal(forward.read_words(forward.sym("fw_logits"), 128), want), position
        yield position, want, state
        token = engine.next_token(want) if position else 20
