"""Loading a soul and its tokenizer for a subcommand, with one-line errors."""

from __future__ import annotations

from pathlib import Path

from soulterm import paths
from soulterm.errors import CommandError


def load_soul_and_tokenizer(soul_path: Path, tokenizer_path: Path):
    """Load both files or raise CommandError saying what is missing and how to get it."""
    from soulterm.soul.soulfile import SoulFormatError, load_soul
    from soulterm.soul.tokenizer import Tokenizer, TokenizerError

    def require(path: Path, what: str) -> None:
        if not path.exists():
            raise CommandError(
                f"{what} file {path} not found. Train one with `soulterm train` "
                f"(writes soul.bin and tokenizer.json into {paths.user_soul_dir()}) or pass --{what} PATH.")

    try:
        # The soul first: it is the file the user named; its tokenizer may only be assumed beside it.
        require(soul_path, "soul")
        soul = load_soul(soul_path)
        require(tokenizer_path, "tokenizer")
        tokenizer = Tokenizer.load(tokenizer_path)
    except (SoulFormatError, TokenizerError) as exc:
        raise CommandError(str(exc)) from None
    return soul, tokenizer
