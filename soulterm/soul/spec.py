"""The numeric contract of a soul (shared/SPEC.md), as constants.

Every engine (the Python integer engine, the 6502 kernels, the trainer's
export) is built from these names so that the shape lives in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

VOCAB_SIZE = 128
EMBED_DIM = 32
N_LAYERS = 2
N_HEADS = 4
HEAD_DIM = 8
FFN_DIM = 64
CONTEXT = 20          # positions 0..19
MAX_INPUT_IDS = 16    # a turn keeps at most this many encoded ids

PAD, SEP, UNK, END = 0, 1, 2, 3
SPECIAL_TOKENS = ("<PAD>", "<SEP>", "<UNK>", "<END>")
FIRST_CHOOSABLE = END  # argmax runs over ids 3..127 (project rule)

ALPHABET = " abcdefghijklmnopqrstuvwxyz.'!?,;:-"
FIRST_ALPHABET_ID = 4

SCORE_SHIFT = 14       # attention scores >> 14 before the exp LUT
RMS_PRE_SHIFT = 4      # x >> 4 before squaring in RMSNorm
RMS_INV_NUMERATOR = 1 << 19

KIND_WEIGHT = 0
KIND_BIAS = 1
HEADER_BYTES = 6


@dataclass(frozen=True)
class TensorSpec:
    """One tensor of soul.bin: its name, kind and shape."""

    name: str
    kind: int
    rows: int
    cols: int = 1

    @property
    def count(self) -> int:
        return self.rows * self.cols

    @property
    def payload_bytes(self) -> int:
        return self.count * (1 if self.kind == KIND_WEIGHT else 2)


def _layer_tensors(layer: int) -> list[TensorSpec]:
    p = f"l{layer}."
    return [
        TensorSpec(p + "n1", KIND_WEIGHT, EMBED_DIM),
        TensorSpec(p + "q", KIND_WEIGHT, EMBED_DIM, EMBED_DIM),
        TensorSpec(p + "k", KIND_WEIGHT, EMBED_DIM, EMBED_DIM),
        TensorSpec(p + "v", KIND_WEIGHT, EMBED_DIM, EMBED_DIM),
        TensorSpec(p + "proj", KIND_WEIGHT, EMBED_DIM, EMBED_DIM),
        TensorSpec(p + "n2", KIND_WEIGHT, EMBED_DIM),
        TensorSpec(p + "fc1_w", KIND_WEIGHT, FFN_DIM, EMBED_DIM),
        TensorSpec(p + "fc1_b", KIND_BIAS, FFN_DIM),
        TensorSpec(p + "fc2_w", KIND_WEIGHT, EMBED_DIM, FFN_DIM),
        TensorSpec(p + "fc2_b", KIND_BIAS, EMBED_DIM),
    ]


TENSORS: tuple[TensorSpec, ...] = tuple(
    [TensorSpec("te", KIND_WEIGHT, VOCAB_SIZE, EMBED_DIM),
     TensorSpec("pe", KIND_WEIGHT, CONTEXT, EMBED_DIM)]
    + _layer_tensors(0)
    + _layer_tensors(1)
    + [TensorSpec("norm", KIND_WEIGHT, EMBED_DIM),
       TensorSpec("out", KIND_WEIGHT, VOCAB_SIZE, EMBED_DIM)]
)
TENSOR_BY_NAME = {t.name: t for t in TENSORS}

SOUL_FILE_BYTES = sum(HEADER_BYTES + t.payload_bytes for t in TENSORS)
assert SOUL_FILE_BYTES == 25904, SOUL_FILE_BYTES


def matmul_post(name: str) -> int:
    """A matrix's post shift (SPEC: W x + b >> s + post): 0 for the output matrix, else 1."""
    return 0 if name == "out" else 1


def exp_lut() -> list[int]:
    """The 128-entry attention exp table: LUT[i] ~ 255 * exp(-i/16)."""
    import math

    lut = [255]
    for i in range(1, 127):
        lut.append(min(255, max(1, round(255 * math.exp(-i / 16)))))
    lut.append(0)
    return lut
