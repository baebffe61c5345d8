"""benchmarks/z80_fc1_fates.py (zxfc1p33): fc1planes.s's rows by their fates. Its fates with s' = c1 + 1 + bh
must be the model's (fc1_planes.gate_rows, the kernel's step for step) for any rows, a row it counts as >= 0 after
plane 5 must be proved 0 after plane 4, the exact s must never prove a row later than s', the planes a fate sums must follow the row's class, and the command line must print each layer's
calls."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from soulterm.paths import CHECKOUT_DIR
from soulterm.zx.fc1_planes import gate_rows
from soulterm.zx.weight_planes import vector_with_sum

sys.path.insert(0, str(CHECKOUT_DIR / "benchmarks"))
import z80_fc1_fates as fates  # noqa: E402  (a benchmark script, beside z80_profile.py)


def random_gate(seed: int):
    """64 rows of the three classes, biases across most of int16, x of sum |x| 1,000..2,047, a shift of 4..7."""
    rng = np.random.default_rng(seed)
    ends = rng.choice([32, 64, 128], 64)
    weights = np.array([rng.integers(-end, end, 32) for end in ends])
    bias = rng.integers(-20000, 8000, 64)
    return weights, bias, vector_with_sum(rng, int(rng.integers(1000, 2048))), int(rng.integers(4, 8))


@pytest.mark.parametrize("seed", range(4))
def test_the_rounded_up_fates_are_the_models_and_the_exact_s_never_proves_later(seed):
    weights, bias, x, shift = random_gate(seed)
    _, model = gate_rows(weights, bias, x, shift)
    early: list = []
    rounded_up = fates.fates_rounded(weights, bias, x, shift, True, early)
    exact = fates.fates_rounded(weights, bias, x, shift, False)
    assert rounded_up == model
    assert all(model[row] == ("zero", 4) for row in early)      # (U >= 0 after plane 5: so after plane 4 too)
    order = {fate: at for at, fate in enumerate(fates.FATES)}      # (later planes, then sure and exact)
    assert all(order[e] <= order[r] or (e, r) == (("sure",), ("exact",)) for e, r in zip(exact, rounded_up))
    assert fates.planes_summed(weights, rounded_up) >= fates.planes_summed(weights, exact)


def test_the_planes_a_fate_sums_follow_the_rows_class():
    rows = np.array([[-128] + [0] * 31, [-64] + [0] * 31, [-32] + [0] * 31])     # classes 0, 1 and 2
    assert [fates.planes_summed(rows[k:k + 1], [("zero", 4)]) for k in range(3)] == [4, 3, 2]
    assert [fates.planes_summed(rows[k:k + 1], [("zero", 0)]) for k in range(3)] == [8, 7, 6]
    assert [fates.planes_summed(rows[k:k + 1], [("exact",)]) for k in range(3)] == [8, 7, 6]
    assert fates.planes_summed(rows, [("zero", 3), ("zero", 2), ("sure",)]) == 5 + 5 + 6


def test_the_command_line_on_one_prompt():
    run = subprocess.run([sys.executable, str(CHECKOUT_DIR / "benchmarks" / "z80_fc1_fates.py"), "hello"],
                         capture_output=True, text=True, check=True, cwd=CHECKOUT_DIR)
    lines = run.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "layer 0, a prompt position (4 calls)", "layer 0, a reply step (4 calls)", "layer 1, a reply step (4 calls)"]
    assert all("not yet proved 0 after plane 4" in line for line in lines)
