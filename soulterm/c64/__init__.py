"""soulterm.c64: a headless Commodore 64 (py65 CPU, banked memory, VIC-II text mode,
SID with reSIDfp sound, CIAs, a high-level KERNAL, PRG/D64 loading).

    from soulterm.c64 import C64, StopReason, LoadError
    m = C64()
    m.load_file("disk/soulplayer.d64")
    m.type_line("hello")
    m.run(until_idle=True)
    print("\\n".join(m.screen_lines()))
"""

from .c64 import C64, StopReason
from .loader import Disk, LoadError

__all__ = ["C64", "StopReason", "LoadError", "Disk"]
