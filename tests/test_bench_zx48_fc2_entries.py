"""benchmarks/zx48_fc2_entries.py (thirty-eighth round, zx48room38): the 48K player's fc2 calls, those matvec runs and
the most entries a call's list had, against its limit in one page."""

from __future__ import annotations

import sys

from soulterm.paths import CHECKOUT_DIR

sys.path.insert(0, str(CHECKOUT_DIR / "benchmarks"))
import zx48_fc2_entries as entries  # noqa: E402  (a benchmark script)


def test_a_turn_of_hi_runs_every_call_on_the_chain(monkeypatch, capsys):
    """fc2's calls (layer 0's at a prompt's position, both layers' at a reply's), none declined, each list within the
    48K's page (64 entries)."""
    monkeypatch.setattr(sys, "argv", ["zx48_fc2_entries.py", "hi"])
    entries.main()
    out = capsys.readouterr().out
    assert out.startswith("1 turns (48k): ") and ", 0 run by matvec, " in out
    assert out.rstrip().endswith("(the list's limit 64)")
    seen = entries.fc2_entries(["hi"])
    assert seen["calls"] > 0 and 0 < seen["most entries"] <= seen["limit"] == 64
