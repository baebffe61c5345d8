"""`soulterm chat`: talk to a soul with the C64's integer math, instantly.

On a terminal it prompts `YOU> ` and answers `C64> ...`; `q` quits. With
stdin from a pipe or file it reads one message per line and prints exactly
one `C64> ` line per message, so scripts can diff the output.
"""

from __future__ import annotations

import sys
from pathlib import Path

from soulterm import paths
from soulterm.cli import CommandError
from soulterm.commands.loading import load_soul_and_tokenizer


def configure(parser) -> None:
    parser.add_argument("--soul", type=Path, default=paths.DEFAULT_SOUL,
                        help="soul.bin to load (default: models/soul.bin)")
    parser.add_argument("--tokenizer", type=Path, default=paths.DEFAULT_TOKENIZER,
                        help="tokenizer.json to load (default: models/tokenizer.json)")
    parser.add_argument("--float", dest="float_checkpoint", type=Path, metavar="CHECKPOINT",
                        help="also show the float model's reply from a training checkpoint")


def run(args) -> int:
    from soulterm.soul.engine import Engine

    soul, tokenizer = load_soul_and_tokenizer(args.soul, args.tokenizer)
    engine = Engine(soul)
    float_replier = _load_float(args.float_checkpoint) if args.float_checkpoint else None
    interactive = sys.stdin.isatty()
    if interactive:
        print("soulterm chat: the C64's integer math, instantly. Type a message; q quits.")
    while True:
        try:
            line = input("YOU> ") if interactive else sys.stdin.readline()
        except EOFError:
            break
        if not interactive and line == "":
            break
        message = line.rstrip("\r\n")
        if interactive and message.strip().lower() == "q":
            break
        if interactive:
            _explain_input(tokenizer, message)
        reply = engine.reply(tokenizer, message)
        print(f"C64> {reply.text}", flush=True)
        if float_replier is not None:
            print(f"FLOAT> {float_replier.reply(message)}", flush=True)
    return 0


def _explain_input(tokenizer, message: str) -> None:
    """On a terminal, say when part of the message was not read."""
    from soulterm.soul import spec

    dropped = sorted({ch for ch in message.lower() if ch not in spec.ALPHABET})
    if dropped:
        print(f"  (not in the soul's alphabet, dropped: {' '.join(dropped)})")
    ids = tokenizer.encode(message)
    budget = tokenizer.prompt_ids
    if len(ids) > budget:
        kept = tokenizer.decode(ids[:budget])
        print(f"  (only the first {budget} of {len(ids)} tokens fit: {kept!r})")


def _load_float(checkpoint: Path):
    if not checkpoint.exists():
        raise CommandError(f"checkpoint {checkpoint} not found")
    try:
        from soulterm.soul.model import load_float_replier
    except ImportError as exc:
        raise CommandError(
            f"--float needs PyTorch ({exc.name or exc}): pip install 'soulterm[train]' "
            "or pip install torch==2.13.0") from None
    try:
        return load_float_replier(checkpoint)
    except Exception as exc:  # a bad checkpoint must not end in a traceback
        raise CommandError(f"cannot load float checkpoint {checkpoint}: {exc}") from None
