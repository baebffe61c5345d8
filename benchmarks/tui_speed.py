"""The emulator's speed inside the TUI vs headless (the code is soulterm.tui.benchmark).

    python benchmarks/tui_speed.py [--disk PATH] [--seconds S] [--rounds N]    # = soulterm bench --tui
"""

import sys

from soulterm.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", "--tui", *sys.argv[1:]]))
