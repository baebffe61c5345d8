"""soulterm.zx: a headless ZX Spectrum 48K (the `z80` package's Z80 core, the ULA's screen,
border, beeper and keyboard, a high-level ROM, TAP tapes).

    from soulterm.zx import Spectrum, TapError
    m = Spectrum()
    m.load_file("disk/soulplayer.tap")
    m.type_line("hello")
    m.run(until_idle=True)
    print("\\n".join(m.screen_lines()))
"""

from .spectrum import Spectrum
from .tap import TapError

__all__ = ["Spectrum", "TapError"]
