"""The 48K's page-sensitive tables under a shift of the code before attention.s (thirty-ninth round, zx48layout39b).

A merge that makes the kernels before attention.s longer or shorter moves what lies after them: exp_lut (attention.s's
first bytes, AT_EXP_FIRST, before zx48layout39b) and forward.s's att_weights (20-byte rows, none across a page). This
assembles the shipped soul's 48K with SHIFT bytes put in before attention.s and ROOM - SHIFT after forward.s (the
player's length kept; the ladder's choice fixed at the shipped one less WP_TOPS_BYTES, whose 754 bytes past forward.s
give the room and move nothing before it), for SHIFT in 0..255 (a page: a shorter code's shift is a longer one's less
256), with exp_lut after the squares (AT_EXP_AFTER_SQUARES, the player's since zx48layout39b) and without it (as
before), and prints exp_lut's place (in one page: attend_head@near's short form, else its crossing form, 2 bytes
more), att_weights' (forward.s's rule: in its variables, else after fw_h, else after fw_q, padded) and the bytes the
layout loses (the most free of every shift and form less this one's: a crossing's 2, a padding's); then how many shifts
lose any. Shift 0 is the shipped layout.

    python benchmarks/zx48_layout_shifts.py [--step N]
"""

from __future__ import annotations

import argparse

import soulterm.zx.build as zx_build
from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER

ROOM = 256                              # the bytes moved from after forward.s to before attention.s, SHIFT of them
LEFT_OUT = "WP_TOPS_BYTES"              # (its bytes lie past forward.s: the room's)
EXP_OPTION = "AT_EXP_AFTER_SQUARES = 1"
source_of = zx_build.player_source


def shifted_source(shift: int, exp_after_squares: bool):
    """player_source with `shift` bytes before attention.s, ROOM - shift after forward.s, and exp_lut's option or not."""
    def source(*args, **kwargs) -> str:
        text = source_of(*args, **kwargs)
        assert text.count('.include "attention.s"') == 1 and text.count('.include "forward.s"') == 1
        text = text.replace('.include "attention.s"', f'.res {shift}\n.include "attention.s"')
        text = text.replace('.include "forward.s"', f'.include "forward.s"\n.res {ROOM - shift}')
        return text if exp_after_squares else text.replace(EXP_OPTION, f"; {EXP_OPTION}")
    return source


def layout(shift: int, exp_after_squares: bool, spends: tuple) -> dict:
    """Where exp_lut and att_weights land, and the bytes free, with `shift` bytes more before attention.s."""
    fit = zx_build.spends_that_fit
    zx_build.player_source = shifted_source(shift, exp_after_squares)
    zx_build.spends_that_fit = lambda fits, listed=zx_build.SPENDS_48K: tuple(name for name in listed if name in spends)
    try:
        built = zx_build.assemble_spectrum_player(DEFAULT_SOUL, DEFAULT_TOKENIZER)
    finally:
        zx_build.player_source, zx_build.spends_that_fit = source_of, fit
    sym = built.program.symbols
    weights = ("in its variables" if sym["FW_WEIGHTS_HERE"] else "after fw_h" if sym["FW_WEIGHTS_AFTER_H"]
               else "after fw_q")
    return {"exp_lut": sym["exp_lut"], "exp_in_page": (sym["exp_lut"] & 255) + sym["AT_EXP_ONES"] <= 256,
            "attend_head": sym["attend_head"], "att_weights": sym["att_weights"], "weights_at": weights,
            "free": built.free_bytes}


def shipped_spends() -> tuple:
    """The spends of spends_48k's lists that the shipped soul's 48K takes."""
    symbols = zx_build.assemble_spectrum_player(DEFAULT_SOUL, DEFAULT_TOKENIZER).program.symbols
    names = dict.fromkeys(zx_build.PLANES_SPENDS_48K + zx_build.SPENDS_48K_PLANES)
    return tuple(name for name in names if name in symbols)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--step", type=int, default=8, help="the shifts' step (0..ROOM - 1)")
    args = parser.parse_args()
    spends = tuple(name for name in shipped_spends() if name != LEFT_OUT)
    print(f"the ladder's choice: {' '.join(spends)}; {ROOM} bytes moved before attention.s, SHIFT of them")
    rows = {shift: [layout(shift, after, spends) for after in (False, True)] for shift in range(0, ROOM, args.step)}
    best = max(found["free"] for row in rows.values() for found in row)
    print(f"{'shift':>5}  {'exp_lut (main)':>16}  {'att_weights (main)':>32}  {'lost':>4}  |  "
          f"{'exp_lut (squares)':>17}  {'att_weights':>26}  {'lost':>4}")
    for shift, row in rows.items():
        cells = []
        for after, found in enumerate(row):
            exp = f"${found['exp_lut']:04X} {'page' if found['exp_in_page'] else 'CROSS'}"
            weights = f"${found['att_weights']:04X} {found['weights_at']}"
            cells.append(f"{exp:>{16 + after}}  {weights:>{32 - 6 * after}}  {best - found['free']:>4}")
        print(f"{shift:>5}  " + "  |  ".join(cells))
    for after, name in ((0, "main's (exp_lut with attention.s)"), (1, "exp_lut after the squares")):
        lost = [best - row[after]["free"] for row in rows.values()]
        print(f"{name}: {sum(cost > 0 for cost in lost)} of {len(lost)} shifts lose bytes, "
              f"{sum(lost) / len(lost):.2f} a shift on average, at most {max(lost)}")


if __name__ == "__main__":
    main()
