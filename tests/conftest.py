"""Shared fixtures: the reference vectors in ../shared/vectors (SPEC.md's test data)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VECTORS_DIR = Path(os.environ.get("SOULTERM_VECTORS", ROOT.parent / "shared" / "vectors"))


@pytest.fixture(scope="session")
def vectors_dir() -> Path:
    if not (VECTORS_DIR / "soul.bin").exists():
        raise FileNotFoundError(
            f"reference vectors not found in {VECTORS_DIR}; set SOULTERM_VECTORS to shared/vectors")
    return VECTORS_DIR


@pytest.fixture(scope="session")
def vectors_soul(vectors_dir):
    from soulterm.soul.soulfile import load_soul

    return load_soul(vectors_dir / "soul.bin")


@pytest.fixture(scope="session")
def vectors_tokenizer(vectors_dir):
    from soulterm.soul.tokenizer import Tokenizer

    return Tokenizer.load(vectors_dir / "tokenizer.json")


@pytest.fixture(scope="session")
def vectors_replies(vectors_dir) -> list[dict]:
    return json.loads((vectors_dir / "replies.json").read_text())


@pytest.fixture(scope="session")
def vectors_trace(vectors_dir) -> dict:
    return json.loads((vectors_dir / "trace.json").read_text())


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
