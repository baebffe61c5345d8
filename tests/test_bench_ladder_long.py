"""benchmarks/zx48_ladder_long.py (zx48genwalk39): the 48K's ladder spends, each left out, measured on a short and on
long turns. Its reading of zx48_forced_spends.py's output must take the bytes free and the reply step (a turn's mean, a
set's median), what a byte buys must be the step's change over the spend's bytes, and the long measure the ten's
median's and the worst turn's together; the shipped choice must hold the generated walk, which build.py's last spends
rank last by that measure (python benchmarks/zx48_ladder_long.py: 46 T-states a byte)."""

from __future__ import annotations

import sys

import soulterm.zx.build as zx_build
from soulterm.paths import CHECKOUT_DIR

sys.path.insert(0, str(CHECKOUT_DIR / "benchmarks"))
import zx48_ladder_long as ladder_long  # noqa: E402  (a benchmark script, beside z80_profile.py)

TURN = """the shipped soul's 48K with these spends: 69 bytes free
mean 1,158,738 T-states a position = 0.33 s on a 3.5 MHz Z80
mean 1,418,167 T-states a reply step (forward_step, 4), 2,703,722 the turn a reply token
"""
SET = """the shipped soul's 48K with these spends: 127 bytes free
bye                              7    1,262,866     1,441,055      2,210,015
median of 10 prompts: 1,234,331 T-states a position, 1,489,357 a reply step, 2,617,854 the turn a reply token; all
"""


def test_a_runs_bytes_free_and_reply_step_are_read():
    assert ladder_long.read_run(TURN, "mean") == (69, 1_418_167)
    assert ladder_long.read_run(SET, "median") == (127, 1_489_357)
    assert {kind for _, kind in ladder_long.MEASURES.values()} == set(ladder_long.REPLY_STEP)


def test_a_byte_buys_the_steps_change_over_the_spends_bytes():
    assert ladder_long.per_byte(2_983, 58) == 2_983 / 58 and ladder_long.per_byte(100, 0) == 0.0
    row = {'"hello"': -39.0, "the ten's median": -5.0, '"do you like music"': 51.0}
    assert ladder_long.long_measure(row) == 46.0


def test_the_shipped_48k_takes_the_generated_walk_last_of_the_last_spends():
    shipped = ladder_long.shipped_spends()
    assert zx_build.GENERATED_WALK_48K in shipped and zx_build.LOW_START_48K in shipped
    assert zx_build.LAST_SPENDS_48K[-1] == zx_build.GENERATED_WALK_48K
    symbols = zx_build.assemble_spectrum_player(ladder_long.DEFAULT_SOUL, ladder_long.DEFAULT_TOKENIZER).program.symbols
    assert symbols["at_walk_code"] == zx_build.WALK_CODE_48K and symbols["AT_GENERATED_WALK"] == 1
