"""`soulterm build`: assemble the soulplayer PRG and D64 floppy from a soul.

    soulterm build                                  # models/ -> disk/
    soulterm build --soul my.bin --tokenizer my.json --output out/

Writes soulplayer.prg (LOAD"SOULPLAYER",8,1 then RUN), soulplayer.d64 and
soulplayer.map.json (symbols, line map, memory regions for the TUI), then
prints the memory map and the free bytes. The same inputs give the same bytes.

    soulterm build --machine zx                     # the ZX Spectrum 48K player

writes soulplayer.tap (LOAD "" runs it) and soulplayer-zx.map.json instead.
"""

from __future__ import annotations

from pathlib import Path

from soulterm import paths
from soulterm.cli import CommandError


def configure(parser) -> None:
    parser.add_argument("--soul", default=str(paths.DEFAULT_SOUL), metavar="PATH",
                        help="soul.bin to embed (default: models/soul.bin)")
    parser.add_argument("--tokenizer", default=str(paths.DEFAULT_TOKENIZER), metavar="PATH",
                        help="tokenizer.json (default: models/tokenizer.json)")
    parser.add_argument("--output", default=str(paths.DISK_DIR), metavar="DIR",
                        help="where the PRG, D64 and map go (default: disk/)")
    parser.add_argument("--quiet", action="store_true", help="do not print the memory map")
    parser.add_argument("--machine", choices=("c64", "zx"), default="c64",
                        help="c64: PRG + D64 (default); zx: a ZX Spectrum 48K .tap")


def run(args) -> int:
    if getattr(args, "machine", "c64") == "zx":
        return _run_spectrum(args)
    from soulterm.player.build import BuildError, build_player

    try:
        result = build_player(Path(args.soul), Path(args.tokenizer), Path(args.output))
    except BuildError as exc:
        raise CommandError(str(exc)) from None
    if not args.quiet:
        print(result.memory_map())
        print()
    print(f"wrote {result.prg_path} ({result.prg_size + 2} bytes), {result.d64_path}, {result.map_path}")
    return 0


def _run_spectrum(args) -> int:
    from soulterm.zx.build import BuildError, build_spectrum_player

    try:
        tap_path, map_path, built = build_spectrum_player(Path(args.soul), Path(args.tokenizer),
                                                          Path(args.output))
    except BuildError as exc:
        raise CommandError(str(exc)) from None
    if not args.quiet:
        for region in built.regions:
            print(f"${region.start:04X}-${region.end - 1:04X}  {region.size:6,}  {region.kind:11} {region.name}")
        print(f"free below UDG: {built.free_bytes:,} bytes")
        print()
    print(f"wrote {tap_path} ({len(built.tape)} bytes), {map_path}")
    return 0
