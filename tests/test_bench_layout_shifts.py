"""benchmarks/zx48_layout_shifts.py (zx48layout39b): the 48K's page-sensitive tables under a shift of the code before
attention.s. Its source must put the shift's bytes before attention.s and the rest of its room after forward.s (the
player's length kept) and leave exp_lut's option out for main's form; the room it leaves out (WP_TOPS_BYTES) must
move nothing before forward.s's end, so that shift 0 is the shipped layout; and a shift that moves att_weights must
leave exp_lut after the squares in its page, where main's form follows the code (python
benchmarks/zx48_layout_shifts.py: the whole page of shifts)."""

from __future__ import annotations

import sys

import soulterm.zx.build as zx_build
from soulterm.paths import CHECKOUT_DIR, DEFAULT_SOUL, DEFAULT_TOKENIZER

sys.path.insert(0, str(CHECKOUT_DIR / "benchmarks"))
import zx48_layout_shifts as layout_shifts  # noqa: E402  (a benchmark script, beside z80_profile.py)


def test_the_source_moves_the_shift_before_attention_and_the_rest_after_forward(monkeypatch):
    monkeypatch.setattr(layout_shifts, "source_of", lambda: (
        f'{layout_shifts.EXP_OPTION}\n.include "attention.s"\n.include "forward.s"\n'))
    shifted = layout_shifts.shifted_source(40, True)()
    assert shifted.index(".res 40") < shifted.index('.include "attention.s"') < shifted.index('.include "forward.s"')
    assert shifted.index('.include "forward.s"') < shifted.index(f".res {layout_shifts.ROOM - 40}")
    assert layout_shifts.EXP_OPTION in shifted.splitlines()
    assert layout_shifts.EXP_OPTION not in layout_shifts.shifted_source(40, False)().splitlines()


def test_shift_0_is_the_shipped_layout_and_exp_lut_stays_after_the_squares():
    fit = zx_build.spends_that_fit
    shipped = zx_build.assemble_spectrum_player(DEFAULT_SOUL, DEFAULT_TOKENIZER).program.symbols
    spends = tuple(name for name in layout_shifts.shipped_spends() if name != layout_shifts.LEFT_OUT)
    still = layout_shifts.layout(0, True, spends)
    assert (still["exp_lut"], still["att_weights"]) == (shipped["exp_lut"], shipped["att_weights"])
    assert still["exp_in_page"] and still["exp_lut"] == shipped["mv_sq_hi"] + 511
    # the first shift (by 16s) that moves att_weights out of its variables (after fw_h or fw_q); which one it is
    # follows the code's length (64 after the thirty-ninth round's merges, 100 on zx48layout39b's branch)
    shift, moved = next((shift, found) for shift in range(16, layout_shifts.ROOM, 16)
                        for found in [layout_shifts.layout(shift, True, spends)]
                        if found["weights_at"] != "in its variables")
    assert moved["exp_lut"] == still["exp_lut"] and moved["exp_in_page"]
    main = layout_shifts.layout(shift, False, spends)      # (main's: exp_lut just before attend_head, with the code)
    assert main["exp_lut"] + 83 == main["attend_head"] and main["exp_lut"] > moved["exp_lut"] + 0x0C00
    assert zx_build.player_source is layout_shifts.source_of and zx_build.spends_that_fit is fit     # (put back)
