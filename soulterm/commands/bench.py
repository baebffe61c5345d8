"""`soulterm bench`: measured speed of every part, printed as README-ready tables.

Wall-clock figures live here and in benchmarks/, never in tests. Cycle
counts from the emulator are exact and repeatable.
"""

from __future__ import annotations

from pathlib import Path

from soulterm import paths
from soulterm.cli import CommandError

SECTIONS = ("engine", "machine", "kernels", "program", "profile", "tui")


def configure(parser) -> None:
    for name in SECTIONS:
        parser.add_argument(f"--{name}", action="store_true", help=f"run the {name} benchmark")
    parser.add_argument("--soul", default=None, help="soul.bin for the engine and profile benchmarks")
    parser.add_argument("--tokenizer", default=None,
                        help="tokenizer.json for the engine benchmark (default: the one beside --soul)")
    parser.add_argument("--prompt", action="append", default=None,
                        help="a prompt for --profile (repeatable; default: ten everyday prompts)")
    parser.add_argument("--prompts", type=Path, default=None, metavar="FILE",
                        help="prompts for --profile from a file, one a line (# comments and blank lines "
                             "skipped; with --prompt, those come after)")
    machine = parser.add_argument_group("--machine")
    machine.add_argument("--cycles", type=int, default=None, metavar="N",
                         help="emulated cycles per run (default 10,000,000)")
    machine.add_argument("--repeat", type=int, default=None, metavar="R", help="runs, best kept (default 5)")
    tui = parser.add_argument_group("--tui")
    tui.add_argument("--disk", type=Path, default=paths.DEFAULT_D64, metavar="PATH",
                     help="the D64 the soulplayer boots from (default: the shipped disk)")
    tui.add_argument("--seconds", type=float, default=None, metavar="S",
                     help="seconds per measurement (default 5)")
    tui.add_argument("--rounds", type=int, default=None, metavar="N",
                     help="alternating headless/TUI rounds, median reported (default 3)")


def run(args) -> int:
    chosen = [name for name in SECTIONS if getattr(args, name)] or ["engine", "machine", "kernels"]
    for name in chosen:
        print(f"## {name}\n", flush=True)
        print(globals()[f"_bench_{name}"](args), flush=True)
        print(flush=True)
    return 0


def _bench_engine(args) -> str:
    from soulterm.commands.loading import load_soul_and_tokenizer
    from soulterm.soul.benchmark import engine_table

    soul_path = Path(args.soul) if args.soul else paths.DEFAULT_SOUL
    tok_path = Path(args.tokenizer) if args.tokenizer else paths.tokenizer_beside(soul_path)
    soul, tokenizer = load_soul_and_tokenizer(soul_path, tok_path)
    return f"soul: {soul_path}\n\n" + engine_table(soul, tokenizer)


def _bench_machine(args) -> str:
    from soulterm.c64 import benchmark

    try:
        return benchmark.machine_speed_report(args.cycles or benchmark.DEFAULT_CYCLES,
                                              args.repeat or benchmark.DEFAULT_REPEAT)
    except ValueError as exc:
        raise CommandError(str(exc)) from None


def _bench_profile(args) -> str:
    from soulterm.player.bench import EVERYDAY_PROMPTS, profile_table
    from soulterm.player.build import BuildError

    prompts = _profile_prompts(args.prompts) + tuple(args.prompt or ())
    try:
        # The shipped soul by default: its speed is what a user of the floppy sees.
        soul = Path(args.soul) if args.soul else paths.DEFAULT_SOUL
        tokenizer = Path(args.tokenizer) if args.tokenizer else paths.tokenizer_beside(soul)
        return profile_table(prompts or EVERYDAY_PROMPTS, soul, tokenizer)
    except BuildError as exc:
        raise CommandError(str(exc)) from None


def _profile_prompts(path: Path | None) -> tuple[str, ...]:
    """The prompts of a --prompts file: one a line, # comments and blank lines skipped."""
    from soulterm.player.bench import prompts_in

    if path is None:
        return ()
    try:
        prompts = prompts_in(path)
    except FileNotFoundError:
        raise CommandError(f"prompts {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"prompts {path}: cannot read ({exc.__class__.__name__})") from None
    if not prompts:
        raise CommandError(f"prompts {path}: no prompts (one a line; # starts a comment)")
    return prompts


def _bench_tui(args) -> str:
    from soulterm.tui import benchmark

    try:
        benchmark.tui_speed_report(args.disk, args.seconds or benchmark.DEFAULT_SECONDS,
                                   args.rounds or benchmark.DEFAULT_ROUNDS,
                                   emit=lambda line: print(line, flush=True))
    except (OSError, ValueError) as exc:
        raise CommandError(str(exc)) from None
    return ""


def _bench_kernels(args) -> str:
    from soulterm.player.bench import kernel_cycle_table

    return kernel_cycle_table()


def _bench_program(args) -> str:
    from soulterm.player.bench import program_cycle_table

    return program_cycle_table()

