"""Narrow activations: carry a soul's activations 2^k smaller, the same int8 weights.

Issue 13: kernels/matvec.s multiplies an input |x| <= 127 in 29 cycles and a
wider one in ~37 (three table bytes instead of two). A soul with norm gains
of 1.0 hands q, k, v, fc1 and the logits inputs with an RMS of 256 (Q8.8),
and v's and fc1's outputs, read by proj and fc2, are as wide. Every tensor
has its own shift, so a power of two can move from an activation into the
matrix that reads it without touching any int8 value:

* norm bits n: every RMSNorm gain's shift grows by n, so a norm's output is
  2^n smaller (floored); q, k, v, fc1 and the output matrix shift n less,
  and fc1's bias, in the accumulator's units, is divided by 2^n (rounded
  half to even, as the exporter rounds);
* activation bits a: v and fc1 shift a more, so their outputs are 2^a
  smaller; proj and fc2 shift a less, and fc2's bias is divided by 2^a.

Every result then carries the same value with n (or a) fewer fraction bits;
the logits, the attention scores and the residual stream keep their scale.
The rewrite is exact bookkeeping of the contract (docs/SPEC.md): soul.bin
v3 is unchanged and every engine runs the narrowed soul bit for bit. What
it loses is those fraction bits, so a narrowed soul's figures come from
the integer engine like any other (`soulterm eval`); docs/soul.md gives
the shipped soul's before and after.

    python -m soulterm.soul.narrowing IN.bin OUT.bin [--norm-bits N] [--activation-bits A]
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from . import spec

NORM_BITS = 2             # the shipped soul's (docs/soul.md, "Seventh round")
ACTIVATION_BITS = 3
MAX_SHIFT = 15            # the kernels' matvec and RMSNorm shifts (s + post) are 0..15


class NarrowingError(ValueError):
    """A soul whose shifts cannot move by the bits asked for."""


def _shift_changes(norm_bits: int, activation_bits: int) -> dict[str, int]:
    """{tensor name: how much its shift grows} for every tensor the rewrite touches."""
    n, a = norm_bits, activation_bits
    changes = {"norm": n, "out": -n}
    for layer in range(spec.N_LAYERS):
        p = f"l{layer}."
        changes.update({p + "n1": n, p + "n2": n, p + "q": -n, p + "k": -n, p + "v": a - n,
                        p + "proj": -a, p + "fc1_w": a - n, p + "fc1_b": a - n,
                        p + "fc2_w": -a, p + "fc2_b": -a})
    return changes


def _bias_divisors(norm_bits: int, activation_bits: int) -> dict[str, int]:
    """{bias name: 2^bits} the bias divides by: its accumulator's input is that much smaller."""
    divisors = {}
    for layer in range(spec.N_LAYERS):
        divisors[f"l{layer}.fc1_b"] = 2 ** norm_bits
        divisors[f"l{layer}.fc2_b"] = 2 ** activation_bits
    return divisors


def narrow(arrays: dict, norm_bits: int = NORM_BITS,
           activation_bits: int = ACTIVATION_BITS) -> dict:
    """{name: (values, shift)} -> the same soul with narrowed activations (see the module).

    Raises NarrowingError, naming the tensor, when a shift would leave what the
    kernels take (a matrix's s + post or a gain's shift outside 0..15)."""
    if norm_bits < 0 or activation_bits < 0:
        raise NarrowingError("narrowing bits must be 0 or more")
    changes = _shift_changes(norm_bits, activation_bits)
    divisors = _bias_divisors(norm_bits, activation_bits)
    narrowed = dict(arrays)
    for name, change in changes.items():
        values, shift = arrays[name]
        new_shift = int(shift) + change
        kind = spec.TENSOR_BY_NAME[name].kind
        is_matrix = kind == spec.KIND_WEIGHT and name.split(".")[-1] not in ("n1", "n2", "norm")
        post = spec.matmul_post(name) if is_matrix else 0
        if not (0 <= new_shift and new_shift + post <= MAX_SHIFT):
            raise NarrowingError(f"tensor {name}: shift {shift} would become {new_shift}, "
                                 f"outside what the kernels take (0..{MAX_SHIFT - post})")
        if name in divisors:
            values = np.round(np.asarray(values, dtype=np.float64) / divisors[name]).astype(np.int64)
        narrowed[name] = (values, new_shift)
    return narrowed


def narrow_as_far_as_fits(arrays: dict, norm_bits: int = NORM_BITS,
                          activation_bits: int = ACTIVATION_BITS) -> tuple[dict, int, int]:
    """narrow() with the most bits up to those asked that every shift allows.

    Returns (arrays, norm bits used, activation bits used); (arrays, 0, 0)
    leaves the soul as it was."""
    for n in range(norm_bits, -1, -1):
        for a in range(activation_bits, -1, -1):
            try:
                return narrow(arrays, n, a), n, a
            except NarrowingError:
                continue
    return dict(arrays), 0, 0


def main(argv: list[str] | None = None) -> int:
    from .soulfile import Soul, SoulFormatError, load_soul, save_soul

    parser = argparse.ArgumentParser(description="narrow a soul's activations (docs/soul.md)")
    parser.add_argument("soul")
    parser.add_argument("output")
    parser.add_argument("--norm-bits", type=int, default=NORM_BITS)
    parser.add_argument("--activation-bits", type=int, default=ACTIVATION_BITS)
    args = parser.parse_args(argv)
    try:
        soul = load_soul(args.soul)
        arrays = {name: (t.values, t.shift) for name, t in soul.tensors.items()}
        save_soul(Soul.from_arrays(narrow(arrays, args.norm_bits, args.activation_bits)), args.output)
    except (OSError, SoulFormatError, NarrowingError) as error:
        print(f"narrowing: {error}", file=sys.stderr)
        return 1
    print(f"{args.output}: norm outputs 2^{args.norm_bits} and v/fc1 outputs "
          f"2^{args.activation_bits} smaller")
    return 0


if __name__ == "__main__":
    sys.exit(main())
