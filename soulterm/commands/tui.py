"""`soulterm` / `soulterm tui`: open the C64 in the terminal and boot the soulplayer disk."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("disk", nargs="?", type=Path, default=None,
                        help="PRG or D64 to boot (default: the shipped disk/soulplayer.d64)")
    parser.add_argument("--map", type=Path, default=None, dest="map_path",
                        help="memory map JSON of the build (default: soulplayer.map.json beside the disk)")
    parser.add_argument("--paused", action="store_true",
                        help="start with the CPU paused (step it from the debugger)")
    parser.add_argument("--realtime", action="store_true",
                        help="start at the real C64 clock (1 MHz) instead of warp")
    parser.add_argument("--mute", action="store_true", help="start without sound")
    parser.add_argument("--same-process", action="store_true",
                        help="run the machine in a thread of the UI process instead of its own process")


def run(args: argparse.Namespace) -> int:
    from soulterm.cli import CommandError

    if not sys.stdout.isatty():
        raise CommandError("the TUI needs a terminal; use `soulterm run` or `soulterm chat` for scripts")
    if args.disk is not None and not args.disk.exists():
        raise CommandError(f"{args.disk}: no such file")
    from soulterm.paths import DEFAULT_D64, MAP_NAME

    disk = args.disk or DEFAULT_D64
    map_path = args.map_path or (disk.with_name(MAP_NAME) if disk.suffix.lower() == ".d64"
                                 else disk.with_suffix(".map.json"))
    sound = not args.mute
    options = dict(disk=disk, map_path=map_path, start_paused=args.paused, warp=not args.realtime)
    # The machine (and its audio) start before the app owns the terminal: SDL and
    # ALSA write to fd 2 while opening a sound device.
    if args.same_process:
        machine, error, notice = _make_machine(sound)
        host = None
    else:
        machine, host, error, notice = None, None, "", None
        try:
            from soulterm.tui.machine_process import ProcessHost

            host = ProcessHost(map_path=map_path, sound=sound, paused=args.paused, warp=not args.realtime)
            notice = host.sound_notice
        except Exception as exc:  # fall back to a thread: slower, but it works
            machine, error, notice = _make_machine(sound)
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


def _make_machine(sound: bool):
    """(machine, error, sound notice) for a machine in this process."""
    try:
        from soulterm.c64 import C64
    except ImportError as exc:
        return None, f"the emulator is not available: {exc}", None
    try:
        machine = C64(sound=sound)
    except Exception as exc:  # a broken install: say so in the app, do not crash
        return None, f"the emulator failed to start: {exc}", None
    return machine, "", getattr(machine, "sound_notice", None)
