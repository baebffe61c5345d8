"""The two machines the app runs: a C64 (.prg, .d64) and a ZX Spectrum (.tap: a 48K, or a 128K for a tape that pages banks).

One record per machine says what differs outside the emulators themselves:
which files it loads, its shipped program and map, its clock (the host paces
real time with it), how to make one, how to build its soulplayer image (F3)
and which file Export (F4) copies, and what the user is told about it. The
file's suffix picks the machine, so booting or loading a .tap brings up the
Spectrum and a .prg or .d64 the C64.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from soulterm.paths import D64_NAME, DEFAULT_D64, DEFAULT_TAP, MAP_NAME, PRG_NAME, TAP_NAME, ZX_MAP_NAME, ZX_MAP_SUFFIX
from soulterm.zx.rom import CLOCK_HZ as ZX_CLOCK_HZ

PAL_CLOCK_HZ = 985_248               # the C64's clock (PAL)


@dataclass(frozen=True)
class MachineKind:
    name: str                 # "c64" | "zx": the --machine choice and the host's report
    title: str                # the screen's tab and the user's messages
    suffixes: tuple[str, ...]
    default_disk: Path
    clock_hz: int             # the real machine's clock: the host's real-time pace
    clock_label: str          # the status line's name for real-time speed
    image_name: str           # the image the build writes and Export copies (its suffix names it)
    medium: str               # what that image is, in the user's words
    built_files: tuple[str, ...]   # everything the build writes into its output folder
    cpu: str                  # the processor's name, as the model panels say whose numbers they show
    cycle_unit: str           # what its clock counts: "cycles", "T-states"
    clock_owner: str          # the machine a count of them is timed on, in words

    @property
    def image_label(self) -> str:
        """The image's kind as the footer and dialogs name it: "D64", "TAP"."""
        return Path(self.image_name).suffix.lstrip(".").upper()

    @property
    def built_kinds(self) -> str:
        """What the build writes, in words: "PRG, D64 and map"."""
        words = ["map" if name.endswith(".map.json") else Path(name).suffix.lstrip(".").upper()
                 for name in self.built_files]
        return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]

    def is_image(self, path: Path) -> bool:
        """A file of this machine's image kind (a .prg runs on the C64 but is not its image)."""
        return Path(path).suffix.lower() == Path(self.image_name).suffix

    def loads(self, path: Path) -> bool:
        return Path(path).suffix.lower() in self.suffixes

    def map_for(self, disk: Path) -> Path:
        """The build map that belongs to a program file."""
        disk = Path(disk)
        if self.name == "zx":
            return disk.with_name(disk.stem + ZX_MAP_SUFFIX)
        return disk.with_name(MAP_NAME) if disk.suffix.lower() == ".d64" else disk.with_suffix(".map.json")

    def make(self, sound: bool = False):
        """A new machine of this kind (sound through pygame when asked and possible)."""
        if self.name == "zx":
            from soulterm.zx import Spectrum

            return Spectrum(sound=sound)
        from soulterm.c64 import C64

        return C64(sound=sound)

    def build(self, soul: Path, tokenizer: Path, output: Path) -> Path:
        """Build this machine's soulplayer from a soul into `output` (the files of
        `built_files`); returns the image. Raises the builder's BuildError, one line."""
        if self.name == "zx":
            from soulterm.zx.build import build_spectrum_player

            return build_spectrum_player(soul, tokenizer, output)[0]
        from soulterm.player.build import build_player

        return build_player(soul, tokenizer, output).d64_path


C64_KIND = MachineKind("c64", "C64", (".prg", ".d64"), DEFAULT_D64, PAL_CLOCK_HZ, "1 MHz",
                       D64_NAME, "floppy", (PRG_NAME, D64_NAME, MAP_NAME), "6502", "cycles", "a PAL C64")
ZX_KIND = MachineKind("zx", "Spectrum", (".tap",), DEFAULT_TAP, ZX_CLOCK_HZ, "3.5 MHz",
                      TAP_NAME, "tape", (TAP_NAME, ZX_MAP_NAME), "Z80", "T-states", "a 3.5 MHz Spectrum")
KINDS = {kind.name: kind for kind in (C64_KIND, ZX_KIND)}
LOADABLE = tuple(suffix for kind in KINDS.values() for suffix in kind.suffixes)


def kind_for_path(path: Path) -> MachineKind:
    """The machine that loads this file (by its suffix; anything else is the C64's to refuse)."""
    return ZX_KIND if ZX_KIND.loads(path) else C64_KIND


def kind_of(machine) -> MachineKind:
    """The kind of a machine or of its read-only stand-in (the Z80 machines are Spectrums)."""
    return ZX_KIND if getattr(machine, "CPU", "") == "z80" else C64_KIND
