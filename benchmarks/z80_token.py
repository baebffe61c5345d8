"""T-states per token of the forward pass on the Z80 (kernels/z80/forward.s), shipped soul.

Runs a turn ("hello" by default) position by position as the Spectrum
player does (kernels/z80/soulplayer.s, soulterm.zx.kernelbench.forward_turn):
position 0 (always SEP) is computed by the first turn only and its keys and
values stay in the cache; the other prompt positions but the last run
forward_prefill (what later positions need); the last prompt position and
every reply position run forward_step. Each step is checked against the
integer engine bit for bit. Prints each position's T-states, the turn (with
and without position 0) and the mean a position: the figure docs/spectrum.md
quotes as "a token".

    python benchmarks/z80_token.py [TEXT] [--soul SOUL.bin --tokenizer TOKENIZER.json]
"""

from __future__ import annotations

import argparse
import sys

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx.kernelbench import Z80Bench, forward_turn
from soulterm.zx.soul_layout import soul_include

CLOCK_HZ = 3_500_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("text", nargs="?", default="hello")
    parser.add_argument("--soul", default=DEFAULT_SOUL, help="a soul file (default: the shipped soul)")
    parser.add_argument("--tokenizer", default=DEFAULT_TOKENIZER, help="its tokenizer (default: the shipped one)")
    args = parser.parse_args()
    try:
        soul = load_soul(args.soul)
        tokenizer = Tokenizer.load(args.tokenizer)
    except (OSError, ValueError) as error:
        sys.exit(f"z80_token: {error}")
    text = args.text
    bench = Z80Bench('.include "forward.s"\n' + soul_include(soul))
    rows, reply = forward_turn(bench, Engine(soul), tokenizer.encode_turn(text))
    for position, token, routine, t_states in rows:
        note = "  (first turn only: kept in the cache after)" if position == 0 else ""
        print(f"position {position:2}  token {token:3}  {routine:15} {t_states:>10,} T-states{note}")
    turn = sum(t for position, _, _, t in rows if position)
    mean = turn / len(rows)
    print(f"turn {turn:,} T-states ({turn + rows[0][3]:,} in a first turn), {len(rows)} positions, "
          f"reply {tokenizer.decode(reply)!r}")
    print(f"mean {mean:,.0f} T-states a token (a position) = {mean / CLOCK_HZ:.2f} s on a 3.5 MHz Z80")


if __name__ == "__main__":
    main()
