"""The soulplayer's tapes on the real Sinclair ROMs: load, chat, compare with the integer engine.

Boots the ROM (soulterm.zx.real_rom: the 48K's 48.rom, or the 128K's
128-0.rom and 128-1.rom, from --roms DIR), loads the tape through the ROM's
own loader (LOAD "" typed on the 48K; ENTER on the 128K menu's "Tape
Loader"), types each prompt as a person would (each key held a few frames),
and reads each reply from the screen. Each reply is checked against
soulterm's Engine.reply for the shipped soul (the tokenizer's path the player
takes). Each turn's T-states (from the player's `reply` to its next
`read_line`: soulterm.zx.player_chat) are given on the real ROM and, for
comparison, on soulterm's high-level ROM (spectrum.Spectrum), where the ROM
costs only its RETs and BEEPER's length; contended memory counts on neither.

The ROMs are not shipped (Amstrad allows their use with emulators):
SkoolKit's wheel holds them in skoolkit/resources/ (48.rom, 128-0.rom,
128-1.rom), as does any Spectrum emulator.

    python benchmarks/zx_real_rom.py --roms DIR [--model 128k] [--tape PATH] [--everyday | --prompts FILE | PROMPT ...]

Without --tape the player is built from the source (the shipped soul and
tokenizer). Exit status 1 on any MISMATCH.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from soulterm.player.bench import add_prompt_arguments, chosen_prompts  # noqa: E402
from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER  # noqa: E402
from soulterm.soul.engine import Engine  # noqa: E402
from soulterm.soul.soulfile import load_soul  # noqa: E402
from soulterm.soul.tokenizer import Tokenizer  # noqa: E402
from soulterm.zx import Spectrum  # noqa: E402
from soulterm.zx.build import build_spectrum_player  # noqa: E402
from soulterm.zx.player_chat import chat_turn, player_symbols, shown  # noqa: E402
from soulterm.zx.real_rom import RealROMSpectrum, load_roms  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--roms", required=True, help="folder with 48.rom (and 128-0.rom, 128-1.rom for --model 128k)")
    parser.add_argument("--model", choices=("48k", "128k"), default="48k")
    parser.add_argument("--tape", help="a built tape (its map beside it); default: build the player now")
    add_prompt_arguments(parser)
    args = parser.parse_args(argv)
    try:
        prompts = chosen_prompts(args)
    except (OSError, ValueError) as error:
        sys.exit(f"zx_real_rom: {args.prompts}: {error}")
    try:
        roms = load_roms(args.roms, args.model)
    except ValueError as exc:
        print(f"zx_real_rom: {exc}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="zx_real_rom_") as scratch:
        if args.tape:
            tape_path = Path(args.tape)
        else:
            tape_path, _, _ = build_spectrum_player(DEFAULT_SOUL, DEFAULT_TOKENIZER, scratch, model=args.model)
        image, symbols = Path(tape_path).read_bytes(), player_symbols(tape_path)
    engine, tokenizer = Engine(load_soul(DEFAULT_SOUL)), Tokenizer.load(DEFAULT_TOKENIZER)

    began = time.time()
    real = RealROMSpectrum(roms, args.model)
    real.boot()
    real.load_tape(image)
    ours = Spectrum(model=args.model)
    ours.load_tap(image)
    ours.run(until_idle=True)
    print(f"{args.model} {tape_path.name} on the real ROMs ({args.roms}): loaded, {real.frames} frames from power on")
    print(f"{'prompt':<32} {'real ROM':>12} {'soulterm ROM':>13}  check")
    mismatches = 0
    for prompt in prompts:
        on_real, on_ours = chat_turn(real, prompt, symbols), chat_turn(ours, prompt, symbols)
        expected = engine.reply(tokenizer, shown(prompt)).text.rstrip()
        ok = on_real.reply == expected == on_ours.reply
        mismatches += not ok
        print(f"{shown(prompt)[:32]:<32} {on_real.t_states:>12,} {on_ours.t_states:>13,}  "
              f"{'OK' if ok else 'MISMATCH'}")
        if not ok:
            print(f"    engine {expected!r}\n    real   {on_real.reply!r}\n    ours   {on_ours.reply!r}")
    print(f"{len(prompts)} turns, {mismatches} mismatches ({time.time() - began:.1f} s)")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
