"""The 48K's ladder spends, each left out of the shipped choice, measured on a short and on long turns.

build.py's 48K ladder (spends_48k, spends_that_fit) takes its spends in order where each still fits; the order was
ranked by what each buys on "hello" (a short turn), where the forms that pay on long turns lose a little. Issue 16's
goal is every prompt's reply step at or under 1.5M T-states, so the long turns matter most. This takes the shipped
soul's 48K's choice, leaves each of its spends out in turn (benchmarks/zx48_forced_spends.py: the ladder's choice
replaced by the rest, every step checked against the engine) and prints what each buys a byte on each measure: a
reply step of "hello", the ten everyday prompts' median reply step and a reply step of "do you like music" (the worst
of the 80 prompts since the thirty-fifth round). The long measure, the ten's median and the worst turn's together, is
the order build.LAST_SPENDS_48K follows (thirty-ninth round, zx48genwalk39).

    python benchmarks/zx48_ladder_long.py [SPEND ...]     (default: every spend of the shipped choice)
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import soulterm.zx.build as zx_build
from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER

FORCED = Path(__file__).with_name("zx48_forced_spends.py")
# the measures: z80_token.py's arguments and the line whose reply step each reads
MEASURES = {'"hello"': (["hello"], "mean"), "the ten's median": (["--everyday"], "median"),
            '"do you like music"': (["do you like music"], "mean")}
FREE = re.compile(r"with these spends: ([\d,]+) bytes free")
REPLY_STEP = {"mean": re.compile(r"^mean ([\d,]+) T-states a reply step", re.M),
              "median": re.compile(r"^median of \d+ prompts: [\d,]+ T-states a position, ([\d,]+) a reply step", re.M)}


def shipped_spends() -> tuple:
    """The spends of spends_48k's lists that the shipped soul's 48K takes, in the ladder's order."""
    symbols = zx_build.assemble_spectrum_player(DEFAULT_SOUL, DEFAULT_TOKENIZER).program.symbols
    names = dict.fromkeys(zx_build.PLANES_SPENDS_48K + zx_build.SPENDS_48K_PLANES)
    return tuple(name for name in names if name in symbols)


def read_run(output: str, kind: str) -> tuple:
    """(bytes free, T-states a reply step) from zx48_forced_spends.py's output."""
    return (int(FREE.search(output).group(1).replace(",", "")),
            int(REPLY_STEP[kind].search(output).group(1).replace(",", "")))


def forced_run(spends, arguments: list, kind: str) -> tuple:
    """zx48_forced_spends.py with `spends` on z80_token.py's `arguments`: (bytes free, a reply step)."""
    done = subprocess.run([sys.executable, str(FORCED), *spends, "--", *arguments], capture_output=True, text=True,
                          check=True)
    return read_run(done.stdout, kind)


def per_byte(change: int, spend_bytes: int) -> float:
    """T-states a reply step a byte buys (positive: the spend makes the step cheaper)."""
    return change / spend_bytes if spend_bytes else 0.0


def long_measure(row: dict) -> float:
    """The long turns' worth a byte: the ten's median's and the worst turn's, together."""
    return row["the ten's median"] + row['"do you like music"']


def main() -> None:
    shipped = shipped_spends()
    chosen = tuple(sys.argv[1:]) or shipped
    print(f"the shipped choice: {' '.join(shipped)}")
    full = {name: forced_run(shipped, arguments, kind) for name, (arguments, kind) in MEASURES.items()}
    free = next(iter(full.values()))[0]
    print(f"  {free:,} bytes free; a reply step: "
          + ", ".join(f"{name} {step:,}" for name, (_, step) in full.items()))
    rows = {}
    for spend in chosen:
        rest = tuple(name for name in shipped if name != spend)
        row = {}
        try:
            for name, (arguments, kind) in MEASURES.items():
                rest_free, step = forced_run(rest, arguments, kind)
                row["bytes"] = rest_free - free
                row[name] = per_byte(step - full[name][1], row["bytes"])
        except subprocess.CalledProcessError:
            print(f"  {spend:24} (the others need it: not left out)")
            continue
        if not row["bytes"]:
            print(f"  {spend:24} (taken by the rung whatever the forced spends: the room they leave)")
            continue
        rows[spend] = row
        print(f"  {spend:24} {row['bytes']:>4} bytes, a byte buys "
              + ", ".join(f"{name} {row[name]:,.0f}" for name in MEASURES))
    print("by the long measure (the ten's median and \"do you like music\" together, a byte):")
    for spend in sorted(rows, key=lambda spend: -long_measure(rows[spend])):
        print(f"  {spend:24} {long_measure(rows[spend]):>8,.0f}")


if __name__ == "__main__":
    main()
