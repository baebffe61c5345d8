"""`soulterm bench`: measured speed of every part, printed as README-ready tables.

Wall-clock figures live here and in benchmarks/, never in tests. Cycle
counts from the emulator are exact and repeatable.
"""

from __future__ import annotations

import runpy
import sys

from soulterm import paths
from soulterm.cli import CommandError

SECTIONS = ("engine", "machine", "kernels", "program", "profile", "tui")


def configure(parser) -> None:
    for name in SECTIONS:
        parser.add_argument(f"--{name}", action="store_true", help=f"run the {name} benchmark")
    parser.add_argument("--soul", default=None, help="soul.bin for the engine and profile benchmarks")
    parser.add_argument("--tokenizer", default=None,
                        help="tokenizer.json for the engine and profile benchmarks")
    parser.add_argument("--prompt", action="append", default=None,
                        help="a prompt for --profile (repeatable; default: ten everyday prompts)")


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
    from pathlib import Path

    soul_path = Path(args.soul) if args.soul else paths.DEFAULT_SOUL
    tok_path = Path(args.tokenizer) if args.tokenizer else paths.DEFAULT_TOKENIZER
    soul, tokenizer = load_soul_and_tokenizer(soul_path, tok_path)
    return f"soul: {soul_path}\n\n" + engine_table(soul, tokenizer)


def _bench_script(name: str) -> str:
    script = paths.ROOT / "benchmarks" / f"{name}.py"
    if not script.exists():
        raise CommandError(f"benchmark script {script} is missing")
    namespace = runpy.run_path(str(script))
    return namespace["main"]() or ""


def _bench_machine(args) -> str:
    return _bench_script("machine_speed")


def _bench_profile(args) -> str:
    from soulterm.player.bench import EVERYDAY_PROMPTS, profile_table
    from soulterm.player.build import BuildError

    prompts = tuple(args.prompt) if args.prompt else EVERYDAY_PROMPTS
    try:
        # The shipped soul by default: its speed is what a user of the floppy sees.
        return profile_table(prompts, args.soul or paths.DEFAULT_SOUL,
                             args.tokenizer or paths.DEFAULT_TOKENIZER)
    except BuildError as exc:
        raise CommandError(str(exc)) from None


def _bench_tui(args) -> str:
    return _bench_script("tui_speed")


def _bench_kernels(args) -> str:
    from soulterm.player.bench import kernel_cycle_table

    return kernel_cycle_table()


def _bench_program(args) -> str:
    from soulterm.player.bench import program_cycle_table

    return program_cycle_table()


if __name__ == "__main__":
    sys.exit(run(None))
