"""`soulterm run`: run a PRG or D64 on the headless C64 and print its screen.

    soulterm run --type "hello" --until-idle          # the shipped soulplayer disk
    soulterm run my.d64 --type "hello" --until-idle
    soulterm run demo.prg --max-cycles 2000000 --json
    soulterm run disk/soulplayer.tap --type "hello" --json   (ZX Spectrum 48K)

Each `--type` is one line typed on the keyboard followed by RETURN (a-z
unshifted, A-Z shifted). `{restore}` and `{run/stop+restore}` in the text
press RESTORE, alone or with RUN/STOP held, once the keys typed before
them have been read (so `--type hello --type {run/stop+restore}` presses
it while the reply to "hello" is computed). The run stops when the program waits for input
with nothing left to type (`--until-idle`), returns to BASIC or ends in a
`JMP *` loop ('halted'), or after `--max-cycles` (default 30 million,
about 30 seconds of C64 time; on the Spectrum 105 million T-states, its 30
seconds). The screen is printed as 25 lines, or with
`--json` as one object with the screen, cycles, SID gate-on cycles, border
changes and the stop reason. A crash (BRK, JAM or undocumented opcode, a
jump into ROM where there is no routine) stops as 'halted', prints the
screen (with `--json`, an "error" member too), then the reason on stderr,
and exits with status 1.

A .tap runs on the ZX Spectrum 48K (soulterm.zx) the same way: cycles are
T-states, 24 lines of 32 characters, and "sid_gate_on" lists the T-states
where BEEPER calls began.
"""

from __future__ import annotations

import json
import sys

from soulterm import paths
from soulterm.cli import CommandError

DEFAULT_MAX_CYCLES = 30_000_000        # about 30 s of the C64's time (PAL, 985,248 Hz)
# The Spectrum's own 30 s (3.5 MHz): a reply token takes ~3.3M T-states, so
# the C64's figure would stop a reply of the shipped soul after a few tokens.
DEFAULT_MAX_T_STATES = 105_000_000


def _cycles(text: str) -> int:
    import argparse
    try:
        value = int(text.replace("_", ""), 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of cycles: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be a positive number of cycles")
    return value


def configure(parser) -> None:
    parser.add_argument("program", metavar="PROGRAM", nargs="?", default=None,
                        help="a .prg file, a .d64 disk image or a ZX Spectrum .tap (default: the shipped soulplayer disk)")
    parser.add_argument("--name", metavar="FILE",
                        help="which program to load from a .d64 (default: the first PRG; * and ? match)")
    parser.add_argument("--type", dest="lines", action="append", default=[], metavar="TEXT",
                        help="type TEXT and RETURN (repeatable, typed in order); "
                             "{restore} and {run/stop+restore} press those keys")
    parser.add_argument("--max-cycles", type=_cycles, default=None, metavar="N",
                        help=f"stop after N emulated cycles (default {DEFAULT_MAX_CYCLES:,}; "
                             f"on the Spectrum {DEFAULT_MAX_T_STATES:,} T-states)")
    parser.add_argument("--until-idle", action="store_true",
                        help="stop when the program waits for input and nothing is left to type")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object instead of the screen")
    parser.add_argument("--mute", action="store_true", help="no sound")


def run(args) -> int:
    if str(args.program).lower().endswith(".tap"):
        return _run_spectrum(args)
    from soulterm.c64 import C64, LoadError

    machine = C64(sound=not args.mute)
    try:
        if machine.sound_notice:
            print(f"soulterm run: {machine.sound_notice}", file=sys.stderr)
        try:
            machine.load_file(args.program or str(paths.DEFAULT_D64), name=args.name)
        except LoadError as exc:
            raise CommandError(str(exc)) from None
        for line in args.lines:
            try:
                machine.type_line(line)
            except ValueError as exc:
                raise CommandError(f"--type {line!r}: {exc}") from None
        budget = args.max_cycles or DEFAULT_MAX_CYCLES
        reason = machine.run(max_cycles=budget, until_idle=args.until_idle)
        _report(machine, reason, args.json)
        if machine.crashed:
            raise CommandError(f"the program crashed after {machine.cycles} cycles: {machine.stop_message}")
        return 0
    finally:
        machine.close()


def _run_spectrum(args) -> int:
    """A .tap on the ZX Spectrum: the same flow and report; cycles are T-states, beeps stand for SID notes."""
    from soulterm.zx import Spectrum, TapError

    if args.name:
        raise CommandError("--name picks a file from a .d64; a .tap is loaded as LOAD \"\" loads it")
    machine = Spectrum()
    try:
        machine.load_file(args.program)
    except TapError as exc:
        raise CommandError(str(exc)) from None
    for line in args.lines:
        try:
            machine.type_line(line)
        except ValueError as exc:
            raise CommandError(f"--type {line!r}: {exc}") from None
    reason = machine.run(max_cycles=args.max_cycles or DEFAULT_MAX_T_STATES, until_idle=args.until_idle)
    _report(machine, reason, args.json)
    if machine.crashed:
        raise CommandError(f"the program crashed after {machine.cycles} T-states: {machine.stop_message}")
    return 0


def _gate_on_cycles(machine) -> list[int]:
    if hasattr(machine, "sid"):
        return [cycle for _voice, cycle in machine.sid.gate_on_cycles]
    return [t_state for t_state, _hz, _seconds in machine.rom.beeps]  # the Spectrum's beeper


def _report(machine, reason, as_json: bool) -> None:
    screen = machine.screen_lines()
    if as_json:
        report = {
            "screen": screen,
            "cycles": machine.cycles,
            "sid_gate_on": _gate_on_cycles(machine),
            "border_changes": machine.border_changes,
            "stopped": str(reason),
        }
        if machine.crashed:
            report["error"] = machine.stop_message
        print(json.dumps(report, ensure_ascii=False))
    else:
        print("\n".join(screen))
