"""`soulterm eval`: score a soul on a corpus with the integer engine.

Prints the valid-reply rate (distinct prompts whose whole greedy reply is one
of the corpus's responses for that prompt) and the teacher-forced token
accuracy, then how the soul does on wordings it never saw: the held-out sets
(short, natural, off-topic; models/heldout/ or --heldout DIR) and a seeded
one-typo set, each as right replies and whole replies. All computed with
exactly the C64's integer math. No torch.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from soulterm.cli import CommandError
from soulterm.commands.loading import load_soul_and_tokenizer
from soulterm.paths import DEFAULT_SOUL, tokenizer_beside


def configure(parser) -> None:
    parser.add_argument("corpus", nargs="?", metavar="CORPUS",
                        help="corpus file (default: the built-in models/corpus.txt)")
    parser.add_argument("--soul", default=str(DEFAULT_SOUL), metavar="PATH",
                        help="soul to score (default: the project's models/soul.bin)")
    parser.add_argument("--tokenizer", default=None, metavar="PATH",
                        help="its tokenizer (default: tokenizer.json beside the soul)")
    parser.add_argument("--failures", type=int, default=0, metavar="N",
                        help="also list up to N prompts whose reply is not valid")
    parser.add_argument("--heldout", default=None, metavar="DIR",
                        help="folder of held-out sets short.txt, natural.txt, offtopic.txt "
                             "(default: the project's models/heldout/)")
    parser.add_argument("--typo-seed", type=int, default=None, metavar="N",
                        help="seed of the generated one-typo set (default 11)")
    parser.add_argument("--spelling-chars", type=int, default=None, metavar="N",
                        help="score with the word list the trainer would make from the corpus "
                             "in N characters instead of the tokenizer's own (0: none)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")


def run(args) -> int:
    from soulterm.soul.corpus import CorpusError, fit_exchanges, read_corpus, require_usable
    from soulterm.soul.engine import Engine
    from soulterm.soul.evaluation import evaluate
    from soulterm.soul.heldout import TYPO_SEED, HeldoutError, heldout_scores
    from soulterm.soul.spelling import words_of_prompts

    if args.failures < 0:
        raise CommandError("--failures must be 0 or more")
    soul_path = Path(args.soul)
    tokenizer_path = Path(args.tokenizer) if args.tokenizer else tokenizer_beside(soul_path)
    soul, tokenizer = load_soul_and_tokenizer(soul_path, tokenizer_path)
    try:
        corpus = read_corpus(args.corpus)
    except CorpusError as exc:
        raise CommandError(str(exc)) from None
    if args.spelling_chars is not None:
        if args.spelling_chars < 0:
            raise CommandError("--spelling-chars must be 0 or more")
        tokenizer = tokenizer.with_words(words_of_prompts(
            [ex.prompt for ex in corpus.exchanges], args.spelling_chars))
    fitted, issues = fit_exchanges(corpus, tokenizer)
    for issue in corpus.issues + issues:
        print(f"warning: {corpus.path}: {issue} (skipped)", file=sys.stderr)
    try:
        require_usable(fitted, corpus)
    except CorpusError as exc:
        raise CommandError(str(exc)) from None

    if args.heldout is not None and not Path(args.heldout).is_dir():
        raise CommandError(f"--heldout {args.heldout}: no such folder")
    engine = Engine(soul)
    report = evaluate(engine, tokenizer, fitted)
    typo_seed = TYPO_SEED if args.typo_seed is None else args.typo_seed
    try:
        sets = heldout_scores(engine, tokenizer, corpus, args.heldout, typo_seed)
    except HeldoutError as exc:
        raise CommandError(str(exc)) from None
    if args.json:
        print(json.dumps({"soul": str(soul_path), "corpus": str(corpus.path),
                          "exchanges": len(fitted), "prompt_ids": tokenizer.prompt_ids,
                          "listed_words": len(tokenizer.words),
                          **report.to_json(),
                          "heldout": {s.name: s.to_json() for s in sets}}, indent=2))
        return 0
    print(f"soul {soul_path} on {corpus.path}: {len(fitted)} exchanges, "
          f"{report.prompts} distinct prompts (integer engine, as on the C64)")
    print(f"valid-reply rate: {100 * report.valid_rate:5.1f}%  "
          f"({report.valid_replies}/{report.prompts} prompts answered with one of their responses)")
    print(f"token accuracy:   {100 * report.token_accuracy:5.1f}%  "
          f"({report.correct_tokens}/{report.tokens} response tokens and ENDs, teacher forced)")
    spelling = (f"; {len(tokenizer.words)} listed words read misspelt ones" if tokenizer.words
                else "; no word list")
    print(f"unseen wordings (right: the reply meant for them; whole: any complete corpus reply; "
          f"a turn keeps {tokenizer.prompt_ids} prompt tokens{spelling}):")
    for s in sets:
        print(f"  {s.name + ':':20} right {100 * s.right_rate:5.1f}% ({s.right}/{s.total})   "
              f"whole {100 * s.whole_rate:5.1f}% ({s.whole}/{s.total})")
    failures = [r for r in report.results if not r.valid][: args.failures]
    if failures:
        print(f"first {len(failures)} invalid replies:")
        for r in failures:
            print(f"  {r.prompt!r} -> {r.reply!r}   (expected {' or '.join(map(repr, r.expected))})")
    for s in sets:
        wrong = [(p, reply) for p, reply, right in s.results if not right][: args.failures]
        if wrong:
            print(f"first {len(wrong)} wrong replies in {s.name}:")
            for prompt, reply in wrong:
                print(f"  {prompt!r} -> {reply!r}")
    return 0
