"""Loading a soul and its tokenizer for a subcommand, with one-line errors."""

from __future__ import annotations

from pathlib import Path

from soulterm import paths
from soulterm.errors import CommandError


def load_soul_and_tokenizer(soul_path: Path, tokenizer_path: Path):
    """Load both files or raise CommandError saying what is missing and how to get it."""
    from soulterm.soul.soulfile import SoulFormatError, load_soul
    from soulterm.soul.tokenizer import Tokenizer, TokenizerError

    for path, what in ((soul_path, "soul"), (tokenizer_path, "tokenizer")):
        if not path.exists():
            raise CommandError(
                f"{what} file {path} not found. Train one with `soulterm train` "
                f"(writes soul.bin and tokenizer.json into {paths.user_soul_dir()}) or pass --{what} PATH.")
    try:
        soul = load_soul(soul_path)
        tokenizer = Tokenizer.load(tokenizer_path)
    except (SoulFormatError, TokenizerError) as exc:
        raise CommandError(str(exc)) from None
    return soul, tokenizer
