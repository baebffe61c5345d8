"""The shipped 48K player's code bytes by kernel file, and a file's by routine (thirty-sixth round, zx48proj36).

Assembles the 48K player as `soulterm build --machine zx` does (build.assemble_player, the shipped soul and
tokenizer) and counts the bytes each assembled line of kernels/z80/*.s emits: by file, then, for each file named
(matvec.s by default), by routine: the file's label (`name:` or `NAME = *` at a line's start, not an @local) at or
below a line's address in the player (a macro's or a .repeat's lines count where they are assembled, not where they
are written). What a change to a kernel's 48K form frees or costs, before and after (e.g. once neither proj nor fc1
calls matvec.s's slots).

    python benchmarks/zx48_code_bytes.py [FILE ...] [--routines N]
"""

from __future__ import annotations

import argparse
import bisect
import collections
import re
from pathlib import Path

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx import build

LABEL = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?::|\s*=\s*\*\s*(?:;|$))")   # name: or NAME = * (a place's name)


def routine_starts(path: Path, symbols: dict) -> tuple[list[int], list[str]]:
    """The addresses and names of a kernel file's labels that the player assembled, in address order."""
    names = {found.group(1) for text in path.read_text().splitlines() if (found := LABEL.match(text))}
    placed = sorted((symbols[name], name) for name in names if name in symbols)
    return [address for address, _ in placed], [name for _, name in placed]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", default=["matvec.s"], help="kernel files to split by routine")
    parser.add_argument("--routines", type=int, default=25, help="the costliest routines shown a file")
    args = parser.parse_args()
    program = build.assemble_player(load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER))
    by_file = collections.Counter()
    lines_of = collections.defaultdict(list)
    for line in program.listing_lines:
        if line.file.endswith(".s"):
            name = Path(line.file).name
            by_file[name] += len(line.data)
            lines_of[name].append((line.address, len(line.data), line.file))
    print(f"the 48K player's kernels: {sum(by_file.values()):,} bytes of code and tables assembled from kernels/z80")
    for name, size in by_file.most_common():
        print(f"{size:7,}  {name}")
    for name in args.files:
        if name not in lines_of:
            raise SystemExit(f"{name}: no line of it in the 48K player")
        starts, labels = routine_starts(Path(lines_of[name][0][2]), program.symbols)
        by_routine = collections.Counter()
        for address, size, _path in lines_of[name]:
            at = bisect.bisect_right(starts, address) - 1
            by_routine[labels[at] if at >= 0 else "(before the first label)"] += size
        print(f"\n{name}: {by_file[name]:,} bytes in {len(by_routine)} routines; the {args.routines} largest:")
        for routine, size in by_routine.most_common(args.routines):
            print(f"{size:7,}  {routine}")


if __name__ == "__main__":
    main()
