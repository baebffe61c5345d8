"""benchmarks/z80_fc2_bits.py (thirty-seventh round, zxfc2_37): fc2's calls by x's bits against the pieces, both
exact on the kernels' bench, and the bits' chain by the count."""

from __future__ import annotations

import sys

import numpy as np

from soulterm.paths import CHECKOUT_DIR

sys.path.insert(0, str(CHECKOUT_DIR / "benchmarks"))
import z80_fc2_bits as bits  # noqa: E402  (a benchmark script, beside z80_profile.py)


def test_the_count_of_a_chain():
    """Units a set bit (30 in a 16-bit level, 34 in a 24-bit one), a doubling a level after the top (11 or 15), the
    last doubling 15 and the jp 10, 32 rows; an x past 255 its low byte's entry and two of 128."""
    z = np.zeros(64, np.int64)
    assert bits.chain_count(z) == 32 * 25
    z[3] = 5                                    # (levels 2..0, X = 5: all 16-bit)
    assert bits.chain_count(z) == 32 * (30 + 11 + 11 + 30 + 25)
    z[3] = 300                                  # (entries 44, 128, 128: levels 7..0, X = 300: level 0 24-bit)
    units = 2 * 30 + 30 + 30 + 34 * 0           # (128 twice at level 7; 44 = 101100: levels 5, 3, 2)
    assert bits.chain_count(z) == 32 * (units + 30 + 6 * 11 + 15 + 25)


def test_the_benchmark_runs_a_prompt(monkeypatch, capsys):
    for model in ("128k", "48k"):
        monkeypatch.setattr(sys, "argv", ["z80_fc2_bits.py", "hi", "--model", model])
        bits.main()
        out = capsys.readouterr().out.splitlines()
        assert f"reply steps, the {model}'s options" in out[0]
        pieces, by_bits = (int(line.split()[-1].replace(",", "")) for line in out[2:4])
        assert out[2].startswith("pieces") and out[3].startswith("bits") and by_bits < pieces
        assert out[4].startswith("bits - pieces -") and "the bits' chain by the count" in out[4]
