"""benchmarks/zx48_walk_forms.py (zx48walk38): the 48K's means' walk against its structural forms, counted on the
engine's weights. A head's census must split its weights into leading, inside and trailing 0s (the inside ones' runs),
1s and the rest; the counted change of this round's AT_ZEROS_UNCOUNTED must be its instructions' (12 T-states fewer a 0
walked, 62 a trailing 0, 21 more a key and head of weight 0); and the command line must print every form."""

from __future__ import annotations

import subprocess
import sys

from soulterm.paths import CHECKOUT_DIR

sys.path.insert(0, str(CHECKOUT_DIR / "benchmarks"))
import zx48_walk_forms as walk_forms  # noqa: E402  (a benchmark script, beside z80_profile.py)


def test_a_heads_census_splits_its_zeros():
    census = walk_forms.head_census([0, 0, 5, 0, 1, 0, 0, 255, 0])
    assert (census["leading 0s"], census["inside 0s"], census["inside runs"], census["trailing 0s"]) == (2, 3, 2, 1)
    assert (census["w = 1"], census["w >= 2"], census["positions"]) == (1, 2, 9)
    assert census["heads with leading 0s"] == census["heads with trailing 0s"] == 1
    alone = walk_forms.head_census([255])
    assert alone["leading 0s"] == alone["trailing 0s"] == 0 and alone["w >= 2"] == 1


def test_the_uncounted_zeros_change_is_their_instructions():
    census = walk_forms.head_census([0, 7, 0])          # (a leading 0 walked, a trailing one not)
    change = walk_forms.form_changes(census)["AT_ZEROS_UNCOUNTED (this round's, built)"]
    assert walk_forms.TODAY_ZERO == 62 and walk_forms.UNCOUNTED_ZERO == 50 and walk_forms.UNCOUNTED_WEIGHT == 21
    assert change == 8 * (50 - 62) - 8 * 62 + 2 * 21


def test_the_runs_change_against_the_stubs_is_their_instructions():
    census = walk_forms.head_census([9, 9, 1, 9])       # (two runs of w >= 2, of 2 and of 1)
    assert census["w >= 2 runs"] == 2 and census["w >= 2"] == 3
    changes = walk_forms.form_changes(census)
    assert walk_forms.GENERATED_TWO == 39 and walk_forms.RUNS_RUN == 39 and walk_forms.RUNS_POSITION == 25
    walked = 8 * (2 * 39 + 3 * 25 + 3 * walk_forms.RUNS_NEGATIVE_SHARE * 12 - 3 * 39)
    made = (2 * (walk_forms.RUNS_MAKE_FIRST + walk_forms.RUNS_MAKE_END) + walk_forms.RUNS_MAKE_OTHER
            - 3 * walk_forms.GENERATED_MAKE_TWO)
    assert changes["the generated walk by runs (built)"] - changes["the generated walk"] == walked + made


def test_the_command_line_prints_every_form():
    done = subprocess.run([sys.executable, str(CHECKOUT_DIR / "benchmarks" / "zx48_walk_forms.py"), "hello"],
                          capture_output=True, text=True, check=True, timeout=600)
    assert "4 reply steps" in done.stdout
    for form in ("AT_ZEROS_UNCOUNTED", "AT_SKIP_LEADING_ZEROS", "the threaded list", "the generated walk",
                 "the generated walk by runs", "the row of runs"):
        assert form in done.stdout, form
