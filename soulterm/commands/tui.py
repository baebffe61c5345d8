"""`soulterm` / `soulterm tui`: open the C64 (or the ZX Spectrum) in the terminal and boot the soulplayer.

The file decides the machine: a .prg or .d64 boots on the C64, a .tap on the
Spectrum. `--machine zx` with no file boots the shipped tape
(disk/soulplayer.tap); with none at all it is the C64 and the shipped disk.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from soulterm.tui.machines import KINDS, LOADABLE, kind_for_path


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("disk", nargs="?", type=Path, default=None,
                        help="PRG or D64 to boot on the C64, or a TAP on the ZX Spectrum "
                             "(default: the shipped disk/soulplayer.d64, or disk/soulplayer.tap with --machine zx)")
    parser.add_argument("--machine", choices=sorted(KINDS), default=None,
                        help="c64 or zx (the ZX Spectrum 48K); default: as the file says, else c64")
    parser.add_argument("--map", type=Path, default=None, dest="map_path",
                        help="memory map JSON of the build (default: the build's map beside the file: "
                             "soulplayer.map.json, or soulplayer-zx.map.json for soulplayer.tap)")
    parser.add_argument("--paused", action="store_true",
                        help="start with the CPU paused (step it from the debugger)")
    parser.add_argument("--realtime", action="store_true",
                        help="start at the machine's real clock (C64 1 MHz, Spectrum 3.5 MHz) instead of warp")
    parser.add_argument("--mute", action="store_true", help="start without sound")
    parser.add_argument("--same-process", action="store_true",
                        help="run the machine in a thread of the UI process instead of its own process")


def run(args: argparse.Namespace) -> int:
    from soulterm.cli import CommandError

    if args.disk is not None and not args.disk.exists():
        raise CommandError(f"{args.disk}: no such file")
    if args.disk is not None and args.disk.suffix.lower() not in LOADABLE:
        raise CommandError(f"{args.disk}: not a .prg, .d64 or .tap file")
    kind = kind_for_path(args.disk) if args.disk is not None else KINDS[args.machine or "c64"]
    if args.machine is not None and kind.name != args.machine:
        raise CommandError(f"{args.disk}: a {kind.title} file, not for --machine {args.machine}")
    if not sys.stdout.isatty():
        raise CommandError("the TUI needs a terminal; use `soulterm run` or `soulterm chat` for scripts")
    disk = args.disk or kind.default_disk
    map_path = args.map_path or kind.map_for(disk)
    sound = not args.mute
    options = dict(disk=disk, map_path=map_path, start_paused=args.paused, warp=not args.realtime)
    # The machine (and its audio) start before the app owns the terminal: SDL and
    # ALSA write to fd 2 while opening a sound device.
    if args.same_process:
        machine, error, notice = _make_machine(kind, sound)
        host = None
    else:
        machine, host, error, notice = None, None, "", None
        try:
            from soulterm.tui.machine_process import ProcessHost

            host = ProcessHost(map_path=map_path, sound=sound, paused=args.paused, warp=not args.realtime,
                               kind=kind.name)
            notice = host.sound_notice
        except Exception as exc:  # fall back to a thread: slower, but it works
            machine, error, notice = _make_machine(kind, sound)
            print(f"soulterm: machine process unavailable ({exc}); running it in a thread", file=sys.stderr)
    from soulterm.tui.app import SoultermApp

    app = SoultermApp(machine=machine, host=host, machine_error=error,
                      sound=sound and (host is not None or machine is not None) and notice is None,
                      sound_notice=notice or "", **options)
    try:
        app.run()
    finally:
        if host is not None:
            host.stop()
    return app.return_code or 0


def _make_machine(kind, sound: bool):
    """(machine, error, sound notice) for a machine of `kind` (machines.py) in this process."""
    try:
        machine = kind.make(sound=sound)
    except ImportError as exc:
        return None, f"the emulator is not available: {exc}", None
    except Exception as exc:  # a broken install: say so in the app, do not crash
        return None, f"the emulator failed to start: {exc}", None
    return machine, "", getattr(machine, "sound_notice", None)
