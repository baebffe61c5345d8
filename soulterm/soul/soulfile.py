"""soul.bin v3: read, validate and write the int8 weights of a soul (SPEC.md).

The file is the tensors of spec.TENSORS in order, each a 6-byte header
(u8 kind, u16 rows, u16 cols, i8 shift, little-endian) and its payload:
int8 weights row-major, or little-endian int16 biases. The reader checks
every header against the table and names the tensor and the problem.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..inputs import read_limited
from . import spec
from .atomic import write_bytes_atomic

_HEADER = struct.Struct("<BHHb")
_BIAS_OF = {"l0.fc1_b": "l0.fc1_w", "l0.fc2_b": "l0.fc2_w",
            "l1.fc1_b": "l1.fc1_w", "l1.fc2_b": "l1.fc2_w"}
_KIND_NAMES = {spec.KIND_WEIGHT: "int8 weights", spec.KIND_BIAS: "int16 bias"}


class SoulFormatError(ValueError):
    """A soul file or array set that does not match SPEC.md."""


@dataclass(frozen=True)
class Tensor:
    """One tensor: int values (int8 range for weights, int16 for biases) and its shift."""

    name: str
    kind: int
    values: np.ndarray  # int64, (rows, cols) for matrices, (rows,) for vectors and biases
    shift: int


class Soul:
    """The 25,904-byte soul: every tensor of SPEC.md by name, in file order."""

    def __init__(self, tensors: dict[str, Tensor]):
        self.tensors = tensors

    def __getitem__(self, name: str) -> Tensor:
        return self.tensors[name]

    @classmethod
    def from_arrays(cls, arrays: dict) -> "Soul":
        """Build a soul from {name: (values, shift)}; checks names, shapes and ranges."""
        missing = [t.name for t in spec.TENSORS if t.name not in arrays]
        extra = sorted(set(arrays) - set(spec.TENSOR_BY_NAME))
        if missing or extra:
            raise SoulFormatError(f"tensor set mismatch: missing {missing}, unexpected {extra}")
        tensors = {}
        for t in spec.TENSORS:
            values, shift = arrays[t.name]
            values = np.asarray(values)
            if not np.issubdtype(values.dtype, np.integer):
                raise SoulFormatError(f"tensor {t.name}: values must be integers, got {values.dtype}")
            values = values.astype(np.int64)
            if values.size != t.count:
                raise SoulFormatError(f"tensor {t.name}: expected {t.count} values, got {values.size}")
            values = values.reshape(_shape(t))
            lo, hi = (-128, 127) if t.kind == spec.KIND_WEIGHT else (-32768, 32767)
            if values.min(initial=0) < lo or values.max(initial=0) > hi:
                raise SoulFormatError(f"tensor {t.name}: values outside {lo}..{hi}")
            if not -128 <= int(shift) <= 127:
                raise SoulFormatError(f"tensor {t.name}: shift {shift} does not fit in an i8")
            tensors[t.name] = Tensor(t.name, t.kind, values, int(shift))
        _check_bias_shifts(tensors)
        return cls(tensors)

    def to_bytes(self) -> bytes:
        out = bytearray()
        for t in spec.TENSORS:
            tensor = self.tensors[t.name]
            out += _HEADER.pack(t.kind, t.rows, t.cols, tensor.shift)
            dtype = "<i1" if t.kind == spec.KIND_WEIGHT else "<i2"
            out += tensor.values.reshape(-1).astype(dtype).tobytes()
        return bytes(out)


def _shape(t: spec.TensorSpec) -> tuple[int, ...]:
    return (t.rows, t.cols) if t.cols > 1 else (t.rows,)


def _check_bias_shifts(tensors: dict[str, Tensor]) -> None:
    for bias, weight in _BIAS_OF.items():
        if tensors[bias].shift != tensors[weight].shift:
            raise SoulFormatError(
                f"tensor {bias}: shift {tensors[bias].shift} differs from "
                f"{weight}'s shift {tensors[weight].shift} (a bias carries its matrix's shift)")


def parse_soul(data: bytes) -> Soul:
    """Parse soul.bin bytes, rejecting anything that is not exactly SPEC's v3 layout."""
    offset = 0
    tensors = {}
    for t in spec.TENSORS:
        if offset + spec.HEADER_BYTES > len(data):
            raise SoulFormatError(
                f"tensor {t.name}: file truncated at byte {len(data)} "
                f"(its header starts at byte {offset}; a soul is {spec.SOUL_FILE_BYTES} bytes)")
        kind, rows, cols, shift = _HEADER.unpack_from(data, offset)
        if kind != t.kind:
            raise SoulFormatError(
                f"tensor {t.name}: kind {kind} ({_KIND_NAMES.get(kind, 'unknown')}), "
                f"expected {t.kind} ({_KIND_NAMES[t.kind]})")
        if (rows, cols) != (t.rows, t.cols):
            raise SoulFormatError(
                f"tensor {t.name}: shape {rows}x{cols}, expected {t.rows}x{t.cols}")
        offset += spec.HEADER_BYTES
        end = offset + t.payload_bytes
        if end > len(data):
            raise SoulFormatError(
                f"tensor {t.name}: file truncated, {end - len(data)} bytes of its data missing "
                f"(a soul is {spec.SOUL_FILE_BYTES} bytes, this file is {len(data)})")
        dtype = "<i1" if t.kind == spec.KIND_WEIGHT else "<i2"
        values = np.frombuffer(data, dtype=dtype, count=t.count, offset=offset).astype(np.int64)
        tensors[t.name] = Tensor(t.name, t.kind, values.reshape(_shape(t)), shift)
        offset = end
    if offset != len(data):
        raise SoulFormatError(
            f"{len(data) - offset} unexpected bytes after the last tensor (out): "
            f"a soul is exactly {spec.SOUL_FILE_BYTES} bytes")
    _check_bias_shifts(tensors)
    return Soul(tensors)


def load_soul(path) -> Soul:
    path = Path(path)
    # A little more than a soul's size: a longer file still gets parse_soul's exact complaint.
    data = read_limited(path, 2 * spec.SOUL_FILE_BYTES, "soul.bin", SoulFormatError)
    try:
        return parse_soul(data)
    except SoulFormatError as exc:
        raise SoulFormatError(f"{path}: {exc}") from None


def save_soul(soul: Soul, path) -> None:
    write_bytes_atomic(path, soul.to_bytes())
