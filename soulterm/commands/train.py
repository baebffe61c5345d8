"""`soulterm train`: train a soul with quantization-aware training and export it.

A thin wrapper around `soulterm.soul.trainer.train`: parses options, draws a
progress line, prints each evaluation (float vs integer replies), and turns
Ctrl-C into "save a checkpoint and stop" (exit 130).
"""

from __future__ import annotations

import atexit
import signal
import sys
import time
from pathlib import Path

from soulterm import paths
from soulterm.cli import CommandError
from soulterm.soul.narrowing import ACTIVATION_BITS, MAX_SHIFT, NORM_BITS

INSTALL_HINT = ("training needs PyTorch, which is not installed: "
                "pip install 'soulterm[train]'  (or: pip install torch==2.13.0)")


def configure(parser) -> None:
    parser.add_argument("corpus", nargs="?", metavar="CORPUS",
                        help="corpus file, one <SEP>input<SEP>response<SEP> per line "
                             "(default: the built-in models/corpus.txt)")
    parser.add_argument("--epochs", type=int, default=None, metavar="N",
                        help="train until this many epochs in total (default 1200)")
    parser.add_argument("--output", default=None, metavar="DIR",
                        help="where soul.bin, tokenizer.json and checkpoints/ go (default: "
                             f"{paths.user_soul_dir()}; the shipped soul is replaced only "
                             "when this names its folder)")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto",
                        help="where to train: auto uses CUDA when present (default: auto)")
    parser.add_argument("--seed", type=int, default=1, metavar="N", help="random seed (default 1)")
    parser.add_argument("--fresh", action="store_true",
                        help="start over instead of resuming from the latest checkpoint")
    parser.add_argument("--eval-every", type=int, default=500, metavar="N",
                        help="score with the integer engine and checkpoint every N epochs (default 500)")
    parser.add_argument("--lr", type=float, default=None, metavar="RATE",
                        help="peak learning rate (default 0.004)")
    parser.add_argument("--wordings", type=int, default=None, metavar="N",
                        help="noisy wordings (typos, fillers, ...) drawn per prompt to train on; "
                             "0 trains on the corpus wordings only (default 32)")
    parser.add_argument("--spelling-chars", type=int, default=None, metavar="N",
                        help="characters of the word list that reads misspelt prompt words; "
                             "0: no list (default: what the C64 and Spectrum programs hold)")
    parser.add_argument("--norm-gain", type=float, default=None, metavar="G",
                        help="hold every RMSNorm gain at G instead of learning it, which keeps "
                             "the matmuls' inputs narrow (faster on the C64); "
                             "0: learned gains (default 1.0)")
    parser.add_argument("--norm-bits", type=int, default=None, metavar="N",
                        help="export the norms' outputs 2^N smaller, the matrices that read them "
                             f"shifting N less (faster on the C64; default {NORM_BITS}; 0: as trained)")
    parser.add_argument("--activation-bits", type=int, default=None, metavar="A",
                        help="export v's and fc1's outputs 2^A smaller, proj and fc2 shifting "
                             f"A less (faster on the C64; default {ACTIVATION_BITS}; 0: as trained)")
    parser.add_argument("--ffn-sparsity", type=float, default=None, metavar="L",
                        help="add L x the mean ReLU output to the loss, so that more of fc2's "
                             "inputs are 0 (faster on the C64; default 0: off)")
    parser.add_argument("--attention-sharpness", type=float, default=None, metavar="L",
                        help="add L x the mean entropy of the attention weights to the loss, so "
                             "that attention takes fewer positions (a study: slower on the "
                             "Spectrum, docs/soul.md; default 0: off)")


def run(args) -> int:
    try:
        import torch  # noqa: F401  (only checks that it is there)
    except (ImportError, OSError):      # OSError: a torch whose native libraries fail to load
        raise CommandError(INSTALL_HINT) from None
    from soulterm.soul.corpus import CorpusError
    from soulterm.soul.spelling import SHIPPED_SPELLING_CHARS
    from soulterm.soul.trainer import TrainConfig, TrainingError, train

    if args.output is None:
        args.output = TrainConfig().output
    config = TrainConfig(corpus=args.corpus, output=args.output, device=args.device,
                         seed=args.seed, fresh=args.fresh, eval_every=args.eval_every)
    if args.epochs is not None:
        config.epochs = args.epochs
    if args.lr is not None:
        if not args.lr > 0:
            raise CommandError("--lr must be positive")
        config.lr = args.lr
    if args.wordings is not None:
        if args.wordings < 0:
            raise CommandError("--wordings must be 0 or more")
        config.wordings = args.wordings
    if args.spelling_chars is not None:
        if args.spelling_chars < 0:
            raise CommandError("--spelling-chars must be 0 or more")
        if args.spelling_chars > SHIPPED_SPELLING_CHARS:
            print(f"note: a word list over {SHIPPED_SPELLING_CHARS:,} characters may not fit the "
                  "Spectrum player (soulterm build says so; the C64 holds more)", file=sys.stderr)
        config.spelling_chars = args.spelling_chars
    if args.norm_gain is not None:
        if not (args.norm_gain == 0 or 0.01 <= args.norm_gain <= 127):   # an int8 gain, shift 0..13
            raise CommandError("--norm-gain must be 0 (learned gains) or from 0.01 to 127")
        config.norm_gain = args.norm_gain
    for flag, value in (("--norm-bits", args.norm_bits), ("--activation-bits", args.activation_bits)):
        if value is not None and not 0 <= value <= MAX_SHIFT:
            raise CommandError(f"{flag} must be from 0 to {MAX_SHIFT}")
    if args.norm_bits is not None:
        config.narrow_norm_bits = args.norm_bits
    if args.activation_bits is not None:
        config.narrow_activation_bits = args.activation_bits
    if args.ffn_sparsity is not None:
        if not args.ffn_sparsity >= 0:
            raise CommandError("--ffn-sparsity must be 0 or more")
        config.ffn_sparsity = args.ffn_sparsity
    if args.attention_sharpness is not None:
        if not args.attention_sharpness >= 0:
            raise CommandError("--attention-sharpness must be 0 or more")
        config.attention_sharpness = args.attention_sharpness
    display = ProgressDisplay(sys.stdout, config.eval_every)
    stop = StopFlag()
    previous = signal.signal(signal.SIGINT, stop.request)
    try:
        result = train(config, progress=display, should_stop=stop)
    except (CorpusError, TrainingError) as exc:
        raise CommandError(str(exc)) from None
    except ValueError as exc:           # an unreadable checkpoint
        raise CommandError(str(exc)) from None
    except OSError as exc:
        raise CommandError(f"cannot write {exc.filename or args.output}: {exc.strerror}") from None
    except KeyboardInterrupt:           # a second Ctrl-C while a checkpoint was being written
        display.finish_line()
        print(f"soulterm train: stopped at once; the checkpoints already in "
              f"{Path(args.output) / 'checkpoints'} are complete (each is written whole or not at all)",
              file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGINT, previous)
        if stop.requested:
            # A second Ctrl-C that arrives while the process exits must not print a traceback.
            atexit.register(signal.signal, signal.SIGINT, signal.SIG_IGN)
    display.finish_line()
    best = result.best
    if result.stopped and result.checkpoint is None:
        print("soulterm train: interrupted before the first epoch; nothing saved", file=sys.stderr)
        return 130
    if result.stopped:
        print(f"soulterm train: interrupted at epoch {result.epoch}; checkpoint saved in "
              f"{result.checkpoint}. Run the same command again to resume.", file=sys.stderr)
        return 130
    print(f"done: {result.epoch} epochs ({result.train_seconds:.0f} s of training this run). "
          f"Best: epoch {result.best_epoch}, valid replies {100 * best.get('valid_rate', 0):.1f}%, "
          f"token accuracy {100 * best.get('token_accuracy', 0):.1f}% (integer engine).")
    for path in result.exported:
        print(f"wrote {path}")
    soul = Path(args.output) / paths.SOUL_NAME
    if soul.exists():
        print(f"talk to it: soulterm chat --soul {soul}\n"
              f"put it on a floppy: soulterm build --soul {soul}")
    return 0


class StopFlag:
    """SIGINT handler: the first Ctrl-C asks the trainer to checkpoint and stop."""

    def __init__(self):
        self.requested = False

    def request(self, signum, frame) -> None:
        if self.requested:           # a second Ctrl-C: stop now (files are still written atomically)
            raise KeyboardInterrupt
        self.requested = True
        print("\nstopping: saving a checkpoint (Ctrl-C again to quit at once)", file=sys.stderr, flush=True)

    def __call__(self) -> bool:
        return self.requested


def _duration(seconds: float) -> str:
    seconds = int(max(0, seconds))
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s"


class ProgressDisplay:
    """Prints trainer events: one updating line on a terminal, plain lines otherwise."""

    BAR = 24

    def __init__(self, stream, eval_every: int):
        self.stream = stream
        self.tty = stream.isatty()
        self.line_open = False
        self.last_plain = 0.0
        self.eval_every = eval_every

    def __call__(self, event) -> None:
        kind = getattr(event, "kind", "")
        if kind == "epoch":
            self._progress(event)
        elif kind == "eval":
            self._evaluation(event)
        elif kind == "message":
            self.finish_line()
            stream = sys.stderr if event.warning else self.stream
            print(("warning: " if event.warning else "") + event.text, file=stream, flush=True)

    def _progress(self, e) -> None:
        text = (f"epoch {e.epoch}/{e.epochs} loss {e.loss:.4f} lr {e.lr:.5f} "
                f"elapsed {_duration(e.elapsed_s)} ETA {_duration(e.eta_s)}")
        if self.tty:
            filled = int(self.BAR * e.epoch / e.epochs)
            bar = "#" * filled + "." * (self.BAR - filled)
            self.stream.write(f"\r[{bar}] {text}\x1b[K")
            self.stream.flush()
            self.line_open = True
        elif time.monotonic() - self.last_plain >= 10 or e.epoch == e.epochs:
            self.last_plain = time.monotonic()
            print(text, file=self.stream, flush=True)

    def _evaluation(self, e) -> None:
        self.finish_line()
        r = e.report
        mark = "  (best so far)" if e.is_best else ""
        print(f"epoch {e.epoch}: integer engine: valid replies {r.valid_replies}/{r.prompts} "
              f"({100 * r.valid_rate:.1f}%), token accuracy {100 * r.token_accuracy:.1f}%; "
              f"float model: valid replies {100 * e.float_valid_rate:.1f}%{mark}",
              file=self.stream)
        width = max((len(s.prompt) for s in e.samples), default=0)
        for s in e.samples:
            same = "=" if s.float_reply == s.int_reply else "!"
            print(f"  {s.prompt:<{width}}  float: {s.float_reply!r:<24} {same} c64: {s.int_reply!r}",
                  file=self.stream)
        print(f"  checkpoint: {e.checkpoint}", file=self.stream, flush=True)

    def finish_line(self) -> None:
        if self.line_open:
            self.stream.write("\n")
            self.stream.flush()
            self.line_open = False
