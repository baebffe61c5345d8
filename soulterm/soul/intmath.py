"""The integer operations of SPEC.md, as pure functions on numpy int64 arrays.

These are the reference every other engine is checked against: the KV-cached
engine, the batched evaluator, and each 6502 kernel. Every right shift is
arithmetic (numpy's >> on signed ints floors), every division floors.
"""

from __future__ import annotations

import math

import numpy as np

from . import spec

INT16_MIN, INT16_MAX = -32768, 32767
EXP_LUT = np.array(spec.exp_lut(), dtype=np.int64)


def sat16(v):
    """Clamp to the signed 16-bit range (Q8.8 activations)."""
    # np.minimum/np.maximum: np.clip's argument checks cost more than the work here.
    return np.minimum(np.maximum(v, INT16_MIN), INT16_MAX)


def shift_right(v, n: int):
    """Arithmetic shift right by n; a negative n shifts left (SPEC)."""
    return v >> n if n >= 0 else v << -n


def up(v, s: int):
    """Bring an int8 tensor value with shift s to Q8.8: v << (8 - s), or >> (s - 8)."""
    return shift_right(v, s - 8)


def embed(te_row, s_te: int, pe_row, s_pe: int):
    """Token embedding plus position embedding, in Q8.8."""
    return sat16(up(te_row, s_te) + up(pe_row, s_pe))


def matvec(w, s_w: int, x, bias=None, post: int = 1):
    """out[r] = sat16((sum_c W[r][c] * x[c] + b[r]) >> (s_w + post)).

    Works on one vector x (cols,) or a batch (..., cols).
    """
    acc = x @ w.T
    if bias is not None:
        acc = acc + bias
    return sat16(shift_right(acc, s_w + post))


def isqrt(m: int) -> int:
    """floor(sqrt(m)) for m >= 0, exact for any size."""
    return math.isqrt(int(m))


def rmsnorm(x, g, s_g: int):
    """SPEC RMSNorm of one vector (32,) or of rows (..., 32)."""
    xs = x >> spec.RMS_PRE_SHIFT
    if xs.ndim == 1:  # the engine's hot path: plain Python ints are faster than arrays
        m = max(1, int(xs @ xs) // spec.EMBED_DIM)
        inv = min(32767, spec.RMS_INV_NUMERATOR // max(1, isqrt(m)))
    else:
        m = np.maximum(1, (xs * xs).sum(axis=-1, keepdims=True) // spec.EMBED_DIM)
        inv = np.minimum(32767, spec.RMS_INV_NUMERATOR // np.maximum(1, _isqrt_array(m)))
    y = (x * inv) >> 15
    y = shift_right(y * g, s_g)
    return sat16(y)


def _isqrt_array(m):
    """floor(sqrt(m)) elementwise; corrects float rounding so it is exact."""
    r = np.floor(np.sqrt(m.astype(np.float64))).astype(np.int64)
    r = np.where(r * r > m, r - 1, r)
    r = np.where((r + 1) * (r + 1) <= m, r + 1, r)
    return r


def relu(v):
    return np.maximum(v, 0)


def attention_head(q, keys, values):
    """One head at one query position over keys/values of positions 0..t.

    q: (8,), keys/values: (t+1, 8). Returns (out (8,), lut_weights (t+1,)).
    """
    scores = keys @ q
    f = scores >> spec.SCORE_SHIFT
    lut_weights = EXP_LUT[np.minimum(127, f.max() - f)]
    out = sat16((lut_weights @ values) // lut_weights.sum())
    return out, lut_weights


def argmax_token(logits) -> int:
    """Next token: argmax over ids 3..127 (END and ordinary tokens), lowest id on a tie."""
    return int(np.argmax(logits[spec.FIRST_CHOOSABLE:])) + spec.FIRST_CHOOSABLE
