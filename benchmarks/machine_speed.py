"""Emulated MHz of bare py65 vs soulterm's C64 (the code is soulterm.c64.benchmark).

    python benchmarks/machine_speed.py [--cycles N] [--repeat R]    # = soulterm bench --machine
"""

import sys

from soulterm.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", "--machine", *sys.argv[1:]]))
