"""`soulterm build`: assemble the soulplayer PRG and D64 floppy from a soul.

    soulterm build                                  # the shipped soul -> the per-user data folder
    soulterm build --soul my.bin --output out/      # tokenizer.json beside my.bin
    soulterm build --output disk                    # (in a checkout) refresh the shipped disk/

Writes soulplayer.prg (LOAD"SOULPLAYER",8,1 then RUN), soulplayer.d64 and
soulplayer.map.json (symbols, line map, memory regions for the TUI), then
prints the memory map and the free bytes. The same inputs give the same bytes.

    soulterm build --machine zx                     # the ZX Spectrum 48K player
    soulterm build --machine zx128                  # the 128K player (faster)

writes soulplayer.tap (LOAD "" runs it) and soulplayer-zx.map.json instead
(zx128: soulplayer128.tap and soulplayer128-zx.map.json).
"""

from __future__ import annotations

from pathlib import Path

from soulterm import paths
from soulterm.cli import CommandError


def configure(parser) -> None:
    parser.add_argument("--soul", default=str(paths.DEFAULT_SOUL), metavar="PATH",
                        help="soul.bin to embed (default: the shipped models/soul.bin)")
    parser.add_argument("--tokenizer", default=None, metavar="PATH",
                        help="tokenizer.json (default: the one beside --soul)")
    parser.add_argument("--output", default=None, metavar="DIR",
                        help=f"where the PRG, D64 and map go (default: {paths.user_disk_dir()})")
    parser.add_argument("--quiet", action="store_true", help="do not print the memory map")
    parser.add_argument("--machine", choices=("c64", "zx", "zx128"), default="c64",
                        help="c64: PRG + D64 (default); zx: a ZX Spectrum 48K .tap; zx128: a 128K .tap "
                             "(the word list in a bank, faster matrix products in its room)")


def run(args) -> int:
    soul = Path(args.soul)
    tokenizer = Path(args.tokenizer) if args.tokenizer else paths.tokenizer_beside(soul)
    output = Path(args.output) if args.output else paths.user_disk_dir()
    machine = getattr(args, "machine", "c64")
    if machine in ("zx", "zx128"):
        return _run_spectrum(soul, tokenizer, output, args.quiet, machine)
    from soulterm.player.build import BuildError, build_player

    try:
        result = build_player(soul, tokenizer, output)
    except BuildError as exc:
        raise CommandError(str(exc)) from None
    if not args.quiet:
        print(result.memory_map())
        print()
    print(f"wrote {result.prg_path} ({result.prg_size + 2} bytes), {result.d64_path}, {result.map_path}")
    print(f"boot it: soulterm {result.d64_path}")
    return 0


def _run_spectrum(soul: Path, tokenizer: Path, output: Path, quiet: bool, machine: str = "zx") -> int:
    from soulterm.zx.build import MODELS, BuildError, bank_contents, build_spectrum_player
    from soulterm.zx.tap import bank_block

    try:
        tap_path, map_path, built = build_spectrum_player(soul, tokenizer, output, MODELS[machine])
    except BuildError as exc:
        raise CommandError(str(exc)) from None
    if not quiet:
        for region in built.regions:
            print(f"${region.start:04X}-${region.end - 1:04X}  {region.size:6,}  {region.kind:11} {region.name}")
        print(f"free: {built.free_bytes:,} bytes ({built.free_top:,} at the top of RAM, "
              f"{built.free_cold:,} below $8000)")
        for bank, data, address in map(bank_block, built.banks):
            print(f"bank {bank} at ${address:04X}: {bank_contents(bank, built.program.symbols)}, {len(data):,} bytes")
        print()
    print(f"wrote {tap_path} ({len(built.tape)} bytes), {map_path}")
    if not built.coarse:
        print("note: this soul and word list leave the 48K no room for the coarse calls (the logits' "
              "bound, fc1's gate): it runs ~9% slower; a shorter --spelling-chars list makes room")
    elif MODELS[machine] == "48k" and not built.fast_scores and not built.weight_planes:
        print("note: the 48K has no room for attention's scores through the squares table (AT_FAST_SCORES, "
              "~4-7% fewer T-states a position): built with the old dot, as before")
    return 0
