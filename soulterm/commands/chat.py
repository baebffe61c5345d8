"""`soulterm chat`: talk to a soul with the C64's integer math, instantly.

On a terminal it prompts `YOU> ` with line editing and history and answers
`C64> ...`; `q` or Ctrl-D quits. With stdin from a pipe or file it reads one
message per line and prints exactly one `C64> ` line per message, so scripts
can diff the output.
"""

from __future__ import annotations

import sys
from pathlib import Path

from soulterm import paths
from soulterm.cli import CommandError
from soulterm.commands.loading import load_soul_and_tokenizer

PROMPT = "YOU> "
HISTORY_NAME = "chat_history"   # in the per-user data folder
NOT_UTF8 = "\ufffd"             # what undecodable input bytes become


def configure(parser) -> None:
    parser.add_argument("--soul", type=Path, default=paths.DEFAULT_SOUL,
                        help="soul.bin to load (default: the shipped models/soul.bin)")
    parser.add_argument("--tokenizer", type=Path, default=None,
                        help="tokenizer.json to load (default: the one beside --soul)")
    parser.add_argument("--float", dest="float_checkpoint", type=Path, metavar="CHECKPOINT",
                        help="also show the float model's reply from a training checkpoint")


def run(args) -> int:
    from soulterm.soul.engine import Engine

    tokenizer_path = args.tokenizer or paths.tokenizer_beside(args.soul)
    soul, tokenizer = load_soul_and_tokenizer(args.soul, tokenizer_path)
    engine = Engine(soul)
    float_replier = _load_float(args.float_checkpoint) if args.float_checkpoint else None

    def answer(message: str) -> None:
        # The C64's screen editor drops a typed line's trailing spaces; so does chat,
        # so both answer a line the same (a line of spaces is an empty turn).
        message = message.rstrip(" ")
        print(f"C64> {engine.reply(tokenizer, message).text}", flush=True)
        if float_replier is not None:
            print(f"FLOAT> {float_replier.reply(message)}", flush=True)

    if sys.stdin.isatty():
        _converse(tokenizer, answer)
    else:
        _answer_each_line(answer)
    return 0


def _answer_each_line(answer) -> None:
    """Piped input: one reply line per input line; bytes that are not UTF-8 become U+FFFD (dropped)."""
    stream = getattr(sys.stdin, "buffer", sys.stdin)    # a text stream when a caller swapped stdin
    for number, raw in enumerate(stream, start=1):
        message = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
        message = message.rstrip("\r\n")
        if NOT_UTF8 in message:
            print(f"soulterm chat: line {number}: bytes that are not UTF-8 were ignored", file=sys.stderr)
        answer(message)


def _converse(tokenizer, answer) -> None:
    """A terminal: line editing and history (Up/Down, kept between sessions); q or Ctrl-D quits."""
    read_line = _line_reader()
    print("soulterm chat: the C64's integer math, instantly. Type a message; q or Ctrl-D quits.")
    while True:
        try:
            message = read_line()
        except KeyboardInterrupt:       # Ctrl-C drops the line being typed, as in a shell
            continue
        except EOFError:                # Ctrl-D: leave the cursor on a fresh line
            print()
            return
        message = _valid_text(message)
        if message.strip().lower() == "q":
            return
        _explain_input(tokenizer, message)
        answer(message)


def _line_reader():
    """prompt_toolkit's line editor when stdout is a terminal too, else plain input()."""
    if not sys.stdout.isatty():
        return lambda: input(PROMPT)
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory, InMemoryHistory

    class ValidTextHistory(FileHistory):
        """The terminal's undecodable bytes arrive as surrogates, which a UTF-8 file cannot hold."""

        def store_string(self, string: str) -> None:
            try:
                super().store_string(_valid_text(string))
            except OSError:
                pass                    # a full or read-only disk costs the history, not the chat

    history = InMemoryHistory()
    try:
        folder = paths.user_data_dir()
        folder.mkdir(parents=True, exist_ok=True)
        history_file = folder / HISTORY_NAME
        history_file.touch()
        history = ValidTextHistory(str(history_file))
    except OSError:
        pass                            # a read-only home: history for this session only
    session = PromptSession(history=history)
    return lambda: session.prompt(PROMPT)


def _valid_text(text: str) -> str:
    """Bytes that were not UTF-8 (kept as surrogates by the terminal decoder) become U+FFFD."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _explain_input(tokenizer, message: str) -> None:
    """On a terminal, say when part of the message was not read."""
    from soulterm.soul import spec

    if NOT_UTF8 in message:
        print("  (bytes that are not UTF-8 were ignored)")
    dropped = sorted({ch for ch in message.lower() if ch not in spec.ALPHABET and ch != NOT_UTF8})
    if dropped:
        print(f"  (not in the soul's alphabet, dropped: {' '.join(dropped)})")
    as_typed = "".join(ch for ch in message.lower() if ch in spec.ALPHABET)
    spelled = tokenizer.spelled(message)
    if spelled != as_typed:
        print(f"  (read as: {spelled!r})")
    ids = tokenizer.encode_prompt(message)
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
