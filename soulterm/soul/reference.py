"""The project's own reference vectors: replies and a layer trace of a soul.

They have the shape of SPEC.md's test vectors (`replies.json`, `trace.json`)
but come from the shipped soul, so the whole chain (integer engine, 6502
kernels, built PRG) can be checked on a clone that has nothing beside it.
Regenerate them whenever models/ changes:

    python -m soulterm.soul.reference            # models/ -> tests/reference/

A test fails while they are stale.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from soulterm import paths
from soulterm.soul import intmath, spec
from soulterm.soul.engine import Engine

# Everyday prompts, a few the corpus never saw, and the edge cases every
# engine must agree on: empty, extra spaces, upper case, characters outside
# the alphabet, and a message longer than the 16 tokens a turn keeps. None
# ends in a space: the C64's screen editor drops trailing spaces from a typed
# line (as the real KERNAL does), so the PRG could not be given one.
PROMPTS: tuple[str, ...] = (
    "hello",
    "hi",
    "how are you",
    "what is your name",
    "who am i",
    "are you a robot",
    "good morning",
    "nice weather",
    "i play drums",
    "tell me a joke",
    "i am sorry",
    "good luck",
    "hug me",
    "shut up",
    "what is death",
    "your music",
    "monday",
    "thanks",
    "bye",
    "do you like the sid chip",
    "",
    "  hi  there",
    "HELLO THERE",
    "hello 64 #@!",
    "!?,.;:-'",
    "zzzz qqqq xxxx",
    "tell me a story about the commodore sixty four and its sound chip please",
)
# The trace's prompt: longer than any prompt budget, so the turn keeps the most it can.
TRACE_PROMPT = PROMPTS[-1]
REPLIES_FILE = "replies.json"
TRACE_FILE = "trace.json"


def replies(engine: Engine, tokenizer, prompts=PROMPTS) -> list[dict]:
    """One entry per prompt, as in SPEC's replies.json."""
    out = []
    for text in prompts:
        reply = engine.reply(tokenizer, text)
        out.append({"text": text, "context": list(reply.context),
                    "reply_ids": list(reply.ids), "reply": reply.text})
    return out


def trace(engine: Engine, tokenizer, text: str = TRACE_PROMPT) -> dict:
    """Every position of one turn (context, then the reply): embed, both layers, logits.

    A turn that ends before the context is full goes on with the argmax token past
    END, so the trace covers every position up to spec.CONTEXT."""
    reply = engine.reply(tokenizer, text)
    tokens = list(reply.context) + list(reply.ids)
    state = engine.new_state()
    positions = []
    for index in range(spec.CONTEXT):
        if index == len(tokens):
            tokens.append(intmath.argmax_token(state.last.logits))
        engine.step(state, tokens[index])
        last = state.last
        positions.append({"embed": last.embed.tolist(), "layer0": last.hidden[0].tolist(),
                          "layer1": last.hidden[1].tolist(), "logits": last.logits.tolist()})
    return {"text": text, "tokens": tokens, "positions": positions}


def render(soul, tokenizer) -> dict[str, str]:
    """File name -> exact file text, so a test can compare bytes."""
    engine = Engine(soul)
    return {REPLIES_FILE: json.dumps(replies(engine, tokenizer), indent=1) + "\n",
            TRACE_FILE: json.dumps(trace(engine, tokenizer)) + "\n"}


def main(argv: list[str] | None = None) -> int:
    from soulterm.commands.loading import load_soul_and_tokenizer
    from soulterm.errors import CommandError

    parser = argparse.ArgumentParser(
        prog="python -m soulterm.soul.reference",
        description="Write replies.json and trace.json for a soul (the project's reference vectors).")
    parser.add_argument("--soul", type=Path, default=paths.DEFAULT_SOUL)
    parser.add_argument("--tokenizer", type=Path, default=None,
                        help="default: tokenizer.json beside --soul")
    parser.add_argument("--output", type=Path, default=paths.REFERENCE_DIR,
                        help="default: tests/reference/ of the checkout")
    args = parser.parse_args(argv)
    tokenizer_path = args.tokenizer or paths.tokenizer_beside(args.soul)
    try:
        soul, tokenizer = load_soul_and_tokenizer(args.soul, tokenizer_path)
        args.output.mkdir(parents=True, exist_ok=True)
        for name, text in render(soul, tokenizer).items():
            (args.output / name).write_text(text)
    except CommandError as exc:
        print(f"reference: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"reference: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"wrote {REPLIES_FILE} and {TRACE_FILE} in {args.output} from {args.soul}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
