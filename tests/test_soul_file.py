"""soul.bin v3: round trip, and a clear error for every kind of corrupt file."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from soulterm.soul import spec
from soulterm.soul.soulfile import Soul, SoulFormatError, load_soul, parse_soul, save_soul

from conftest import random_soul


def _offset_of(name: str) -> int:
    offset = 0
    for t in spec.TENSORS:
        if t.name == name:
            return offset
        offset += spec.HEADER_BYTES + t.payload_bytes
    raise KeyError(name)


def test_vectors_soul_round_trips_byte_for_byte(vectors_dir, tmp_path):
    data = (vectors_dir / "soul.bin").read_bytes()
    assert len(data) == spec.SOUL_FILE_BYTES
    soul = parse_soul(data)
    assert soul["l0.fc1_b"].values.dtype == np.int64
    assert soul["l0.q"].values.shape == (32, 32)
    save_soul(soul, tmp_path / "copy.bin")
    assert (tmp_path / "copy.bin").read_bytes() == data


def test_random_soul_round_trip(tmp_path):
    soul = random_soul(3)
    save_soul(soul, tmp_path / "s.bin")
    again = load_soul(tmp_path / "s.bin")
    for name, tensor in soul.tensors.items():
        assert again[name].shift == tensor.shift
        assert again[name].values.tolist() == tensor.values.tolist()


def test_save_is_atomic_and_leaves_no_temp_files(tmp_path):
    target = tmp_path / "soul.bin"
    target.write_bytes(b"old")
    save_soul(random_soul(1), target)
    assert len(target.read_bytes()) == spec.SOUL_FILE_BYTES
    assert [p.name for p in tmp_path.iterdir()] == ["soul.bin"]


def test_truncated_file_names_the_tensor(vectors_dir):
    data = (vectors_dir / "soul.bin").read_bytes()
    cut = _offset_of("l1.fc1_w") + 10
    with pytest.raises(SoulFormatError, match=r"tensor l1\.fc1_w: file truncated"):
        parse_soul(data[:cut])
    with pytest.raises(SoulFormatError, match=r"tensor l0\.n1: file truncated"):
        parse_soul(data[: _offset_of("l0.n1") + 3])
    with pytest.raises(SoulFormatError, match="tensor te"):
        parse_soul(b"")


def test_oversized_file_is_rejected(vectors_dir):
    data = (vectors_dir / "soul.bin").read_bytes()
    with pytest.raises(SoulFormatError, match="3 unexpected bytes after the last tensor"):
        parse_soul(data + b"abc")


def test_wrong_kind_is_rejected(vectors_dir):
    data = bytearray((vectors_dir / "soul.bin").read_bytes())
    data[_offset_of("l0.fc2_b")] = 0
    with pytest.raises(SoulFormatError, match=r"tensor l0\.fc2_b: kind 0 .*expected 1"):
        parse_soul(bytes(data))
    data = bytearray((vectors_dir / "soul.bin").read_bytes())
    data[_offset_of("pe")] = 7
    with pytest.raises(SoulFormatError, match=r"tensor pe: kind 7 \(unknown\)"):
        parse_soul(bytes(data))


def test_wrong_shape_is_rejected(vectors_dir):
    data = bytearray((vectors_dir / "soul.bin").read_bytes())
    struct.pack_into("<HH", data, _offset_of("l1.q") + 1, 16, 64)
    with pytest.raises(SoulFormatError, match=r"tensor l1\.q: shape 16x64, expected 32x32"):
        parse_soul(bytes(data))


def test_bias_shift_must_match_its_matrix(vectors_dir):
    data = bytearray((vectors_dir / "soul.bin").read_bytes())
    data[_offset_of("l0.fc1_b") + 5] = (data[_offset_of("l0.fc1_b") + 5] + 1) & 0xFF
    with pytest.raises(SoulFormatError, match=r"l0\.fc1_b: shift"):
        parse_soul(bytes(data))


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(SoulFormatError, match="no such file"):
        load_soul(tmp_path / "nope.bin")
    with pytest.raises(SoulFormatError, match="is a directory"):
        load_soul(tmp_path)


def test_from_arrays_checks_ranges_and_names():
    good = {n: (t.values, t.shift) for n, t in random_soul(2).tensors.items()}
    bad = dict(good)
    bad["l0.q"] = (np.full((32, 32), 200), 6)
    with pytest.raises(SoulFormatError, match=r"l0\.q: values outside"):
        Soul.from_arrays(bad)
    bad = dict(good)
    del bad["norm"]
    with pytest.raises(SoulFormatError, match="missing"):
        Soul.from_arrays(bad)
    bad = dict(good)
    bad["out"] = (np.zeros(10, dtype=int), 3)
    with pytest.raises(SoulFormatError, match="out: expected 4096 values"):
        Soul.from_arrays(bad)
