"""The logit lens: what a layer's hidden state would pick if it were the last.

Reads the shipped output weights from the machine's RAM and applies the
model's last two steps, RMSNorm and the output matvec, to any hidden state
the probes snapshotted. On the C64 they are found through the descriptors
the kernels themselves use (`final_norm` and `logits_matvec` in forward.s);
on the Spectrum at the soul's labels (`soul_norm`, `soul_out`: soulterm.zx.
soul_layout), with the shifts the assembler put into forward.s's code (the
map's `soul_norm_shift`, `soul_out_shift`); the 48K leaves out's rows 0..2,
which no kernel reads, off the tape (SOUL_OUT_CHOOSABLE): its map holds them; its rows lie in planes.s's
layout since the twenty-seventh round (SOUL_OUT_PLANES). For the last layer's state the
result is exactly the logits the CPU computed (a test checks it, per machine).
"""

from __future__ import annotations

import numpy as np

from soulterm.soul.intmath import rmsnorm, sat16, shift_right
from soulterm.soul.spec import EMBED_DIM, FIRST_CHOOSABLE, VOCAB_SIZE
from soulterm.zx.soul_layout import PLANE_ROW_BYTES, matrix_row, matvec_size, plane_weights

NORM_DESCRIPTOR = "final_norm"        # norm_desc: .word gains, .byte shift, ...
MATVEC_DESCRIPTOR = "logits_matvec"   # matvec_desc: .word weights, .byte rows, cols, .word rowk, .byte shift
WEIGHT_BIAS = 128                     # the kernels store each weight byte as W+128 (both matvec.s)
ZX_GAINS, ZX_WEIGHTS = "soul_norm", "soul_out"          # the Spectrum's labels (soul_layout)
ZX_GAIN_SHIFT, ZX_SHIFT = "soul_norm_shift", "soul_out_shift"
ZX_ROWS_APART = "SOUL_OUT_CHOOSABLE"    # (the 48K's: out's rows 0..2 in the map, not in RAM)
ZX_OUT_PLANES = "SOUL_OUT_PLANES"       # (the 48K's since the twenty-seventh round: out's rows in planes.s's layout)
ZX_OUT_APART = "SOUL_OUT_APART"         # (the 128K's since the twenty-eighth round: out's planes in bank 6 alone)
ZX_NARROW_MARK = "WP_NARROW_MARK_OUT"     # (the 48K's since the thirty-fifth round: out's narrow rows marked in plane 6)


class LensUnavailable(Exception):
    """This build lacks the descriptors, or they do not describe the model's shape."""


class LogitLens:
    def __init__(self, gains: np.ndarray, gain_shift: int, weights: np.ndarray, shift: int) -> None:
        self.gains, self.gain_shift = gains, gain_shift
        self.weights, self.shift = weights, shift      # weights: (VOCAB_SIZE, EMBED_DIM) int8 values

    @classmethod
    def from_ram(cls, ram, symbols: dict[str, int], machine: str = "c64", rows_apart=()) -> "LogitLens":
        """`ram`: 64K as bytes, a bytearray or the machine process's numpy uint8 array
        (read as bytes first: a uint8 element shifted left by 8 would lose its bits).
        `rows_apart`: the map's lens_rows_apart, out's first rows where the build leaves
        them off the tape (the 48K's SOUL_OUT_CHOOSABLE)."""
        ram = bytes(ram)
        if machine == "zx":
            return cls._from_spectrum(ram, symbols, rows_apart)
        if NORM_DESCRIPTOR not in symbols or MATVEC_DESCRIPTOR not in symbols:
            raise LensUnavailable(f"not in this build: {NORM_DESCRIPTOR} / {MATVEC_DESCRIPTOR}")
        word = lambda a: ram[a] | ram[a + 1] << 8
        norm = symbols[NORM_DESCRIPTOR]
        gains_at, gain_shift = word(norm), ram[norm + 2]
        mv = symbols[MATVEC_DESCRIPTOR]
        weights_at, rows, cols, shift = word(mv), ram[mv + 2], ram[mv + 3], ram[mv + 6]
        if (rows, cols) != (VOCAB_SIZE, EMBED_DIM):
            raise LensUnavailable(f"{MATVEC_DESCRIPTOR} is {rows}x{cols}, not {VOCAB_SIZE}x{EMBED_DIM}")
        gains = np.frombuffer(bytes(ram[gains_at:gains_at + EMBED_DIM]), np.int8).astype(np.int64)
        columns = np.frombuffer(bytes(ram[weights_at:weights_at + rows * cols]), np.uint8).astype(np.int64)
        weights = (columns.reshape(cols, rows) - WEIGHT_BIAS).T      # column-major in RAM
        return cls(gains, gain_shift, weights, shift)

    @classmethod
    def _from_spectrum(cls, ram, symbols: dict[str, int], rows_apart=()) -> "LogitLens":
        names = (ZX_GAINS, ZX_WEIGHTS, ZX_GAIN_SHIFT, ZX_SHIFT)
        if not all(name in symbols for name in names):
            raise LensUnavailable(f"not in this build: {' / '.join(names)}")
        first = FIRST_CHOOSABLE if ZX_ROWS_APART in symbols else 0     # rows below it: from the map
        if ZX_OUT_APART in symbols:         # (the 128K's since the twenty-eighth round: every row from the map)
            first = VOCAB_SIZE
        if len(rows_apart) != first:
            raise LensUnavailable(f"the map holds {len(rows_apart)} of out's rows off the tape, not {first}")
        gains_at, weights_at = symbols[ZX_GAINS], symbols[ZX_WEIGHTS]
        gains = np.frombuffer(bytes(ram[gains_at:gains_at + EMBED_DIM]), np.int8).astype(np.int64)
        if ZX_OUT_PLANES in symbols:        # (rows first.. in planes.s's layout, 32 bytes a row)
            start = weights_at + first * PLANE_ROW_BYTES
            rows = np.asarray(plane_weights(bytes(ram[start:start + (VOCAB_SIZE - first) * PLANE_ROW_BYTES]),
                                            VOCAB_SIZE - first, marked=ZX_NARROW_MARK in symbols), dtype=np.int64)
        else:
            matrix = bytes(ram[weights_at:weights_at + matvec_size(VOCAB_SIZE, EMBED_DIM)])
            rows = np.frombuffer(b"".join(matrix_row(matrix, row, EMBED_DIM) for row in range(first, VOCAB_SIZE)),
                                 np.uint8).astype(np.int64).reshape(VOCAB_SIZE - first, EMBED_DIM) - WEIGHT_BIAS
        weights = np.concatenate([np.asarray(rows_apart, dtype=np.int64).reshape(first, EMBED_DIM), rows])
        return cls(gains, symbols[ZX_GAIN_SHIFT], weights, symbols[ZX_SHIFT])

    def logits(self, hidden) -> np.ndarray:
        """The logits `hidden` (EMBED_DIM int16) would give as the last layer's output."""
        xn = rmsnorm(np.asarray(hidden, dtype=np.int64), self.gains, self.gain_shift)
        return sat16(shift_right(xn @ self.weights.T, self.shift))
