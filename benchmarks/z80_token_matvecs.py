"""T-states of every matrix-vector product of one token on the Z80 (kernels/z80/matvec.s).

Runs the real matvec kernel on the bare-Z80 bench with the shipped soul's
matrices, shifts and biases, on vectors of one token's pass (the attention
step is left out, so proj gets the normalised input: the kernel's cost does
not depend on the values), checks each result against intmath bit for bit,
and prints the T-states per matrix and in total. Each product is a full
matvec call here; forward.s runs k, v and q of one xn through matvec_again
(the column patches kept), ~12,000 T-states less for each of those.

    python benchmarks/z80_token_matvecs.py
"""

from __future__ import annotations

import numpy as np

from soulterm.paths import DEFAULT_SOUL
from soulterm.soul import intmath
from soulterm.soul.soulfile import load_soul
from soulterm.zx.kernelbench import Z80Bench, run_matvec

CLOCK_HZ = 3_500_000


def main() -> None:
    soul = load_soul(DEFAULT_SOUL)
    bench = Z80Bench()
    h = intmath.embed(soul["te"].values[1], soul["te"].shift, soul["pe"].values[0], soul["pe"].shift)
    total = 0
    rows = []

    def product(name, x, post, bias_name=None):
        nonlocal total
        w = soul[name]
        bias = soul[bias_name].values if bias_name else None
        got, t_states = run_matvec(bench, w.values, x, bias, w.shift + post)
        want = intmath.matvec(w.values, w.shift, x, bias, post=post)
        assert np.array_equal(got, want), name
        total += t_states
        rows.append((name, w.values.shape, t_states))
        return got

    for layer in range(2):
        p = f"l{layer}."
        xn = intmath.rmsnorm(h, soul[p + "n1"].values, soul[p + "n1"].shift)
        for name in ("q", "k", "v"):
            product(p + name, xn, 1)
        h = intmath.sat16(h + product(p + "proj", xn, 1))
        yn = intmath.rmsnorm(h, soul[p + "n2"].values, soul[p + "n2"].shift)
        z = intmath.relu(product(p + "fc1_w", yn, 1, p + "fc1_b"))
        h = intmath.sat16(h + product(p + "fc2_w", z, 1, p + "fc2_b"))
    xn = intmath.rmsnorm(h, soul["norm"].values, soul["norm"].shift)
    product("out", xn, 0)
    for name, shape, t_states in rows:
        print(f"{name:10} {shape[0]:>3}x{shape[1]:<3} {t_states:>10,} T-states")
    print(f"{'total':18} {total:>10,} T-states = {total / CLOCK_HZ:.2f} s on a 3.5 MHz Z80")


if __name__ == "__main__":
    main()
