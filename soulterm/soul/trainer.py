"""The quantization-aware trainer: corpus -> tokenizer -> float model -> soul.bin.

`train(config, progress=callback, should_stop=callable) -> TrainResult` is the
whole pipeline; `soulterm train` and the TUI's Train menu are thin wrappers.

1. Read the corpus, train the 128-id BPE tokenizer on it, drop (and report)
   exchanges that do not fit the 20-token context.
2. Train `SoulModel` (float, with the export's quantizers in its forward pass)
   on `[SEP] prompt [SEP] response [END]`, loss on the response and END only.
   The whole corpus is a few hundred short sequences: each epoch is one or a
   few large batches, no per-sequence Python work.
3. Every `eval_every` epochs: export the int8 soul in memory, score it with
   the integer engine (valid-reply rate, token accuracy), show float and
   integer replies to probe prompts, and write a checkpoint. The best
   checkpoint is the integer engine's best score, never the lowest loss.
4. At the end, the best checkpoint's soul.bin and tokenizer.json are copied
   into the output folder. Every file is written atomically.

A run resumes from the latest checkpoint in DIR/checkpoints/ unless `fresh`.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from . import spec
from .atomic import write_set_atomic, write_text_atomic
from .checkpoints import (CheckpointError, EpochSnapshot, interrupts_deferred, load_resume_state,
                          recover_interrupted_writes, restore_state, write_failure)
from .corpus import CorpusError, EncodedExchange, fit_exchanges, read_corpus, require_usable
from .engine import Engine
from .evaluation import EvalReport, evaluate, prompt_groups
from .heldout import Wording, score_wordings
from .wordings import TYPO_WEIGHTS, wordings
from .model import SoulModel, greedy_replies, sequence_batch, weighted_loss
from .narrowing import narrow_as_far_as_fits
from .soulfile import Soul, save_soul
from .spelling import words_of_prompts
from .tokenizer import Tokenizer, TokenizerError, train_bpe
from .train_config import TrainConfig

CHECKPOINTS = "checkpoints"
BEST_POINTER = "best.json"


class TrainingError(RuntimeError):
    """A failure the user can act on (bad device, incompatible checkpoint, ...)."""


# -- events for progress displays ------------------------------------------------

@dataclass
class Message:
    """A line of information (corpus report, resume notice, ...)."""

    text: str
    warning: bool = False      # a skipped corpus line and the like
    kind: str = "message"


@dataclass
class EpochProgress:
    epoch: int                 # epochs done
    epochs: int
    loss: float
    lr: float
    elapsed_s: float           # this run's training time so far
    eta_s: float
    kind: str = "epoch"


@dataclass
class Sample:
    prompt: str
    float_reply: str
    int_reply: str


@dataclass
class Evaluation:
    epoch: int
    epochs: int
    report: EvalReport         # the integer engine's score
    float_valid_rate: float    # the float model's valid-reply rate, for comparison
    samples: list[Sample]
    is_best: bool
    checkpoint: Path
    kind: str = "eval"


@dataclass
class TrainResult:
    epoch: int                     # epochs done
    stopped: bool                  # cancelled before the last epoch
    best_epoch: int
    best: dict                     # metrics of the best checkpoint
    checkpoint: Path | None        # the last checkpoint written (None: stopped before any)
    exported: list[Path] = field(default_factory=list)
    skipped: int = 0               # corpus lines skipped
    train_seconds: float = 0.0


ProgressCallback = Callable[[object], None]


# -- the run -----------------------------------------------------------------------

def train(config: TrainConfig, progress: ProgressCallback | None = None,
          should_stop: Callable[[], bool] | None = None) -> TrainResult:
    """Train (or resume) and export; see the module docstring.

    progress(event) is called from this thread with, in order: `Message`s
    (skipped corpus lines with warning=True, resume notice, corpus summary),
    one `EpochProgress` per epoch, and an `Evaluation` (integer score, the
    float model's valid-reply rate, float vs integer sample replies, the
    checkpoint written) every `eval_every` epochs and at the last one.
    should_stop() is polled before each epoch; when it returns True (or on
    KeyboardInterrupt) a checkpoint is saved and the result has stopped=True.
    Raises CorpusError or TrainingError with a one-line message.
    """
    emit = progress or (lambda event: None)
    stop = should_stop or (lambda: False)
    run = _Run(config, emit)
    return run.execute(stop)


class _Run:
    def __init__(self, config: TrainConfig, emit: ProgressCallback):
        self.config = config
        self.emit = emit
        self.output = Path(config.output)
        self.checkpoints = self.output / CHECKPOINTS
        self.device = _pick_device(config.device)
        if config.threads > 0:
            torch.set_num_threads(config.threads)

    # -- setup --

    def _prepare_corpus(self, tokenizer: Tokenizer | None):
        corpus = read_corpus(self.config.corpus)
        for issue in corpus.issues:
            self.emit(Message(f"{corpus.path}: {issue} (skipped)", warning=True))
        if not corpus.exchanges:
            require_usable([], corpus)
        if tokenizer is None:
            tokenizer = train_bpe(corpus.texts(), vocab_size=spec.VOCAB_SIZE,
                                  within_words=self.config.word_merges)
            tokenizer = tokenizer.with_prompt_ids(
                self.config.prompt_budget or prompt_budget(corpus, tokenizer))
            tokenizer = tokenizer.with_words(words_of_prompts(
                [ex.prompt for ex in corpus.exchanges], self.config.spelling_chars))
        fitted, issues = fit_exchanges(corpus, tokenizer)
        self.emit(Message(f"prompt budget: a turn keeps the first {tokenizer.prompt_ids} prompt "
                          f"tokens, so every reply fits"))
        if tokenizer.words:
            self.emit(Message(f"spelling: {len(tokenizer.words)} listed words "
                              f"({sum(map(len, tokenizer.words))} characters) read misspelt prompt words"))
        for issue in issues:
            self.emit(Message(f"{corpus.path}: {issue} (skipped)", warning=True))
        require_usable(fitted, corpus)
        skipped = len(corpus.issues) + len(issues)
        return corpus, tokenizer, fitted, skipped

    def execute(self, should_stop) -> TrainResult:
        cfg = self.config
        if cfg.epochs < 1:
            raise TrainingError("--epochs must be at least 1")
        if cfg.eval_every < 1:
            raise TrainingError("--eval-every must be at least 1")
        self.checkpoints.mkdir(parents=True, exist_ok=True)   # an unwritable DIR fails now, not later
        if cfg.fresh:
            _clear_checkpoints(self.checkpoints)
        for note in recover_interrupted_writes(self.checkpoints):
            self.emit(Message(f"{self.checkpoints}: {note}"))
        latest = _latest_checkpoint(self.checkpoints)
        saved = None
        tokenizer = None
        if latest is not None:
            try:
                saved = load_resume_state(latest, self.device)
            except CheckpointError as exc:
                raise TrainingError(str(exc)) from None
            try:
                tokenizer = Tokenizer.load(latest / "tokenizer.json")
            except TokenizerError as exc:
                raise TrainingError(f"cannot resume: {exc}; use --fresh to start over") from None
        corpus, tokenizer, fitted, skipped = self._prepare_corpus(tokenizer)
        fingerprint = _corpus_fingerprint(fitted)
        if saved is not None and saved.get("corpus_fingerprint") != fingerprint:
            raise TrainingError(f"the checkpoint in {latest} was trained on a different corpus "
                                "(or tokenizer); use --fresh to start over")
        saved_gain = saved.get("config", {}).get("norm_gain", 0.0) if saved is not None else None
        if saved_gain is not None and saved_gain != cfg.norm_gain:
            raise TrainingError(f"the checkpoint in {latest} was trained with --norm-gain {saved_gain:g}, "
                                f"not {cfg.norm_gain:g}; use --fresh to start over")

        self.tokenizer = tokenizer
        self.fitted = fitted
        self.corpus = corpus
        self.variants = _prompt_variants(corpus, fitted, tokenizer, cfg.wordings, cfg.seed,
                                         cfg.typo_weights)
        self.dev_set = _dev_wordings(corpus, fitted, cfg.dev_wordings, cfg.seed)
        groups = prompt_groups(fitted)
        self.probe_prompts = list(cfg.probes) or _default_probes(groups, tokenizer)
        self.prompt_contexts = [[spec.SEP, *p, spec.SEP] for p in groups]
        self.prompt_expected = [{tokenizer.decode(ex.response_ids) for ex in g} for g in groups.values()]
        self.fingerprint = fingerprint

        _seed_everything(cfg.seed)
        model = SoulModel().to(self.device)
        if cfg.norm_gain > 0:
            model.fix_norm_gains(cfg.norm_gain)
        decay, no_decay = _parameter_groups(model)
        optimizer = torch.optim.AdamW(
            [{"params": decay, "weight_decay": cfg.weight_decay},
             {"params": no_decay, "weight_decay": 0.0}], lr=cfg.lr, betas=(0.9, 0.98))
        start_epoch = 0
        self.best = None
        if saved is not None:
            try:
                restore_state(saved, model, optimizer, latest)
            except CheckpointError as exc:
                raise TrainingError(str(exc)) from None
            start_epoch = int(saved["epoch"])
            _restore_rng(saved.get("rng"))
            self.best = _read_best(self.checkpoints)
            self.emit(Message(f"resuming from {latest} (epoch {start_epoch}); use --fresh to start over"))
            if start_epoch >= cfg.epochs:
                self.emit(Message(f"already trained {start_epoch} epochs (--epochs {cfg.epochs}): "
                                  "exporting the best checkpoint; raise --epochs to train more"))
        self.emit(Message(
            f"corpus {corpus.path}: {len(fitted)} exchanges, {len(groups)} distinct prompts"
            + (f", {skipped} line(s) skipped" if skipped else "")
            + f"; training on {self.device.type}"))

        self.row_weights = _row_weights(fitted, cfg.alternate_weight)
        self.model, self.optimizer = model, optimizer
        epoch = start_epoch
        last_checkpoint = latest
        stopped = False
        started = time.monotonic()
        generator = torch.Generator()
        loss_value = float("nan")
        snapshot = None
        try:
            while epoch < cfg.epochs:
                if should_stop():
                    stopped = True
                    break
                snapshot = EpochSnapshot(epoch, model, optimizer)
                model.train()
                model.exact_attention = epoch >= int(cfg.exact_attention_from * cfg.epochs)
                lr = _learning_rate(cfg, epoch)
                for group in optimizer.param_groups:
                    group["lr"] = lr
                loss_value = self._epoch(epoch, generator)
                epoch += 1
                elapsed = time.monotonic() - started
                done = epoch - start_epoch
                eta = elapsed / done * (cfg.epochs - epoch)
                self.emit(EpochProgress(epoch, cfg.epochs, loss_value, lr, elapsed, eta))
                if epoch % cfg.eval_every == 0 or epoch == cfg.epochs:
                    last_checkpoint = self._evaluate_and_save(epoch, loss_value)
        except KeyboardInterrupt:
            stopped = True
            if snapshot is not None:        # abandon the partial epoch: the state is the last whole one
                with interrupts_deferred():
                    epoch = snapshot.restore(model, optimizer)
                written = _latest_checkpoint(self.checkpoints)
                if written is not None and _epoch_of(written) > epoch:   # it came just after a save
                    epoch, last_checkpoint = _epoch_of(written), written
        train_seconds = time.monotonic() - started
        if stopped and epoch > start_epoch and (last_checkpoint is None
                                                 or _epoch_of(last_checkpoint) != epoch):
            last_checkpoint = self._evaluate_and_save(epoch, loss_value)
        if last_checkpoint is None:          # stopped before the first epoch of a fresh run
            return TrainResult(epoch, True, 0, {}, None, [], skipped, train_seconds)
        exported = []
        if not stopped and self.best is not None:
            exported = self._export_best()
        best = self.best or {}
        return TrainResult(epoch, stopped, int(best.get("epoch", 0)), best, last_checkpoint,
                           exported, skipped, train_seconds)

    # -- one epoch --

    def _epoch(self, epoch, generator) -> float:
        cfg = self.config
        # seeded per epoch, so a resumed run shuffles exactly like an uninterrupted one
        generator.manual_seed(cfg.seed * 1_000_003 + epoch)
        prompts = _pick_wordings(self.fitted, self.variants, cfg.clean_share, generator)
        inputs, targets, weights, prompt_mask = _training_tensors(
            self.fitted, prompts, self.row_weights, self.device)
        n = inputs.shape[0]
        size = cfg.batch_size if 0 < cfg.batch_size < n else n
        order = torch.randperm(n, generator=generator).to(self.device) if size < n else None
        if cfg.prompt_noise > 0:
            noisy = (torch.rand(inputs.shape, generator=generator) < cfg.prompt_noise).to(self.device)
            noisy &= prompt_mask
            random_ids = torch.randint(spec.FIRST_ALPHABET_ID, spec.VOCAB_SIZE, inputs.shape,
                                       generator=generator).to(self.device)
            inputs = torch.where(noisy, random_ids, inputs)
        total, count = 0.0, 0
        self.model.range_limit = cfg.range_limit if cfg.range_penalty > 0 else None
        self.model.track_ffn = cfg.ffn_sparsity > 0
        self.model.track_attention = cfg.attention_sharpness > 0
        for start in range(0, n, size):
            rows = order[start: start + size] if order is not None else slice(None)
            logits = self.model(inputs[rows])
            loss = weighted_loss(logits, targets[rows], weights[rows], cfg.label_smoothing)
            if cfg.range_penalty > 0:
                loss = loss + cfg.range_penalty * self.model.range_excess
            if cfg.ffn_sparsity > 0:
                loss = loss + cfg.ffn_sparsity * self.model.ffn_activity
            if cfg.attention_sharpness > 0:
                loss = loss + cfg.attention_sharpness * self.model.attention_entropy
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
            self.optimizer.step()
            total += float(loss.detach())
            count += 1
        return total / count

    # -- evaluation and checkpoints --

    def export_soul(self) -> Soul:
        arrays, _, _ = narrow_as_far_as_fits(self.model.export_arrays(), self.config.narrow_norm_bits,
                                             self.config.narrow_activation_bits)
        return Soul.from_arrays(arrays)

    def _evaluate_and_save(self, epoch: int, loss: float) -> Path:
        soul = self.export_soul()
        engine = Engine(soul)
        report = evaluate(engine, self.tokenizer, self.fitted)
        dev = score_wordings(engine, self.tokenizer, self.corpus, "dev", self.dev_set)
        float_replies = greedy_replies(self.model, self.prompt_contexts, self.device)
        float_valid = sum(self.tokenizer.decode(r) in expected
                          for r, expected in zip(float_replies, self.prompt_expected))
        float_rate = float_valid / len(self.prompt_contexts)
        probe_contexts = [self.tokenizer.encode_turn(p) for p in self.probe_prompts]
        float_probe = greedy_replies(self.model, probe_contexts, self.device)
        samples = [Sample(p, self.tokenizer.decode(f), engine.reply(self.tokenizer, p).text)
                   for p, f in zip(self.probe_prompts, float_probe)]
        metrics = {"epoch": epoch, "loss": loss, **report.to_json(), "float_valid_rate": float_rate,
                   "dev_rate": dev.right_rate, "dev_whole_rate": dev.whole_rate,
                   "exact_attention": self.model.exact_attention}
        is_best = self.best is None or _score(metrics) > _score(self.best)
        with interrupts_deferred():         # a Ctrl-C waits until the checkpoint set is consistent
            path = self._write_checkpoint(epoch, soul, metrics)
            if is_best:
                self.best = {**metrics, "checkpoint": path.name}
                try:
                    write_text_atomic(self.checkpoints / BEST_POINTER, json.dumps(self.best, indent=2) + "\n")
                except OSError as exc:
                    raise TrainingError(str(write_failure(exc, self.checkpoints / BEST_POINTER, path))) from None
            _prune(self.checkpoints, self.config.keep_checkpoints, self.best)
        self.emit(Evaluation(epoch, self.config.epochs, report, float_rate, samples, is_best, path))
        return path

    def _write_checkpoint(self, epoch: int, soul: Soul, metrics: dict) -> Path:
        """DIR/checkpoints/epoch-NNNNN/: written in a temporary folder, then renamed."""
        self.checkpoints.mkdir(parents=True, exist_ok=True)
        final = self.checkpoints / f"epoch-{epoch:05d}"
        tmp = self.checkpoints / f".tmp-{final.name}-{os.getpid()}"
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir()
        try:
            state = {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                     "epoch": epoch, "config": _config_json(self.config),
                     "corpus_fingerprint": self.fingerprint, "rng": _rng_state(),
                     "exact_attention": self.model.exact_attention}
            torch.save(state, tmp / "model.pt")
            save_soul(soul, tmp / "soul.bin")
            self.tokenizer.save(tmp / "tokenizer.json")
            write_text_atomic(tmp / "config.json", json.dumps(_config_json(self.config), indent=2) + "\n")
            write_text_atomic(tmp / "metrics.json", json.dumps(metrics, indent=2) + "\n")
            if final.exists():
                old = self.checkpoints / f".old-{final.name}-{os.getpid()}"
                os.rename(final, old)
                os.rename(tmp, final)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.rename(tmp, final)
        except (OSError, RuntimeError) as exc:    # torch.save wraps a full disk in a RuntimeError
            shutil.rmtree(tmp, ignore_errors=True)
            raise TrainingError(str(write_failure(exc, final, _latest_checkpoint(self.checkpoints)))) from None
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return final

    def _export_best(self) -> list[Path]:
        source = self.checkpoints / self.best["checkpoint"]
        targets = [self.output / name for name in ("soul.bin", "tokenizer.json")]
        with interrupts_deferred():         # the soul and its tokenizer are replaced as a pair
            write_set_atomic({target: (source / target.name).read_bytes() for target in targets})
        return targets


# -- helpers --------------------------------------------------------------------------

def _pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise TrainingError("--device cuda: no CUDA device is available to torch here "
                            "(use --device cpu or auto)")
    if name not in ("cpu", "cuda"):
        raise TrainingError(f"--device {name}: expected auto, cpu or cuda")
    return torch.device(name)


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % (2 ** 32))
    torch.manual_seed(seed)


def _rng_state() -> dict:
    # Only torch's generator matters (shuffling is reseeded per epoch); kept loadable
    # with torch.load(weights_only=True), which refuses pickled numpy objects.
    return {"torch": torch.get_rng_state()}


def _restore_rng(state) -> None:
    if state and "torch" in state:
        torch.set_rng_state(state["torch"])


def _parameter_groups(model: SoulModel):
    """Matrices decay; gains, biases and embeddings do not."""
    decay, no_decay = [], []
    for name, p in model.soul_parameters().items():
        matrix = p.dim() == 2 and name not in ("te", "pe")
        (decay if matrix else no_decay).append(p)
    return decay, no_decay


def _learning_rate(cfg: TrainConfig, epoch: int) -> float:
    """Linear warm-up, then cosine decay from lr to min_lr over the run."""
    warmup = min(cfg.warmup_epochs, max(1, cfg.epochs // 10))   # short runs warm up briefly
    if epoch < warmup:
        return cfg.lr * (epoch + 1) / warmup
    span = max(1, cfg.epochs - warmup)
    progress = min(1.0, (epoch - warmup) / span)
    return cfg.min_lr + 0.5 * (cfg.lr - cfg.min_lr) * (1 + math.cos(math.pi * progress))


def prompt_budget(corpus, tokenizer: Tokenizer) -> int:
    """17 - the longest reply (at most 16): SEP, prompt, SEP, reply and END then
    always fit. Only exchanges that fit the context at all count."""
    fitted, _ = fit_exchanges(corpus, tokenizer.with_prompt_ids(spec.MAX_INPUT_IDS))
    longest = max((len(ex.response_ids) for ex in fitted), default=0)
    return max(1, min(spec.MAX_INPUT_IDS, spec.CONTEXT - 3 - longest))


def _row_weights(fitted: list[EncodedExchange], alternate_weight: float) -> list[float]:
    """1 for a prompt's first response, alternate_weight for the others."""
    seen: set[tuple[int, ...]] = set()
    out = []
    for ex in fitted:
        out.append(1.0 if ex.prompt_ids not in seen else alternate_weight)
        seen.add(ex.prompt_ids)
    return out


def _prompt_variants(corpus, fitted: list[EncodedExchange], tokenizer: Tokenizer, count: int,
                     seed: int, typo_weights=TYPO_WEIGHTS) -> list[list[tuple[int, ...]]]:
    """For each fitted exchange, up to `count` noisy wordings of its prompt as kept ids
    (cut to the budget, never longer than the reply leaves room for)."""
    rng = random.Random(seed * 7919 + 1)
    text_of = {ex.line: ex.prompt for ex in corpus.exchanges}
    cache: dict[str, list[tuple[int, ...]]] = {}
    out = []
    for ex in fitted:
        prompt = text_of[ex.line]
        if prompt not in cache:
            room = spec.CONTEXT - 3 - len(ex.response_ids)
            ids = [tuple(tokenizer.prompt(w)[:room]) for w in wordings(prompt, count, rng, typo_weights)]
            cache[prompt] = [v for v in dict.fromkeys(ids) if v and v != ex.prompt_ids]
        out.append(cache[prompt])
    return out


def _dev_wordings(corpus, fitted: list[EncodedExchange], count: int, seed: int) -> list[Wording]:
    """Generated wordings (another seed than training's) to choose the best checkpoint by."""
    rng = random.Random(seed * 104729 + 2)
    kept = {ex.line for ex in fitted}
    replies: dict[str, set[str]] = {}
    for ex in corpus.exchanges:
        if ex.line in kept:
            replies.setdefault(ex.prompt.lower(), set()).add(ex.response.lower())
    out = []
    for prompt, accepted in replies.items():
        out += [Wording(w, frozenset(accepted)) for w in wordings(prompt, count, rng)]
    return out


def _pick_wordings(fitted, variants, clean_share: float, generator) -> list[tuple[int, ...]]:
    """This epoch's prompt of every row: its corpus wording or one of its noisy ones."""
    n = len(fitted)
    coins = torch.rand(n, generator=generator).tolist()
    picks = torch.randint(0, 1 << 30, (n,), generator=generator).tolist()
    out = []
    for ex, pool, coin, pick in zip(fitted, variants, coins, picks):
        out.append(ex.prompt_ids if coin < clean_share or not pool else pool[pick % len(pool)])
    return out


def _training_tensors(fitted: list[EncodedExchange], prompts: list[tuple[int, ...]],
                      row_weights: list[float], device):
    """Inputs, targets, per-position loss weights (response tokens and END only)
    and the prompt positions, for the rows with these prompts."""
    sequences = [[spec.SEP, *p, spec.SEP, *ex.response_ids, spec.END] for ex, p in zip(fitted, prompts)]
    inputs, targets = sequence_batch(sequences, device)
    weights = torch.zeros(targets.shape, dtype=torch.float32)
    mask = torch.zeros(targets.shape, dtype=torch.bool)
    for i, (ex, p) in enumerate(zip(fitted, prompts)):
        start = len(p) + 1                  # position of the second SEP predicts the reply
        weights[i, start: start + len(ex.response_ids) + 1] = row_weights[i]
        mask[i, 1: 1 + len(p)] = True
    return inputs, targets, weights.to(device), mask.to(device)


def _default_probes(groups: dict, tokenizer, count: int = 4) -> list[str]:
    """Prompts spread evenly over the corpus, so the samples show different topics."""
    prompts = list(groups)
    step = max(1, len(prompts) // count)
    return [tokenizer.decode(p) for p in prompts[::step][:count]]


def _corpus_fingerprint(fitted: list[EncodedExchange]) -> str:
    digest = hashlib.sha256()
    for ex in fitted:
        digest.update(bytes(ex.sequence))
        digest.update(b"\n")
    return digest.hexdigest()


def _config_json(cfg: TrainConfig) -> dict:
    data = asdict(cfg)
    data["probes"] = list(cfg.probes)
    data["typo_weights"] = list(cfg.typo_weights)
    return data


CORPUS_FLOOR = 0.98     # a checkpoint below this corpus valid rate never beats one above it


def _score(metrics: dict) -> tuple:
    # Unseen wordings decide among checkpoints that still know their corpus;
    # later epochs win exact ties: they had more training at the same score.
    dev = metrics.get("dev_rate", 0.0)
    return (metrics["valid_rate"] >= CORPUS_FLOOR, dev + metrics["valid_rate"],
            metrics["token_accuracy"], metrics["epoch"])


def _epoch_of(path: Path) -> int:
    return int(path.name.split("-")[1])


def _checkpoint_dirs(checkpoints: Path) -> list[Path]:
    if not checkpoints.is_dir():
        return []
    found = []
    for path in checkpoints.glob("epoch-*"):
        try:
            _epoch_of(path)
        except (IndexError, ValueError):
            continue
        if (path / "model.pt").is_file():
            found.append(path)
    return sorted(found, key=_epoch_of)


def _latest_checkpoint(checkpoints: Path) -> Path | None:
    found = _checkpoint_dirs(checkpoints)
    return found[-1] if found else None


def _read_best(checkpoints: Path) -> dict | None:
    try:
        best = json.loads((checkpoints / BEST_POINTER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(best, dict) or not (checkpoints / str(best.get("checkpoint"))).is_dir():
        return None
    return best


def _clear_checkpoints(checkpoints: Path) -> None:
    """--fresh: remove this trainer's checkpoints (and nothing else) from the folder."""
    for path in _checkpoint_dirs(checkpoints):
        shutil.rmtree(path)
    for leftover in checkpoints.glob(".tmp-epoch-*") if checkpoints.is_dir() else []:
        shutil.rmtree(leftover, ignore_errors=True)
    (checkpoints / BEST_POINTER).unlink(missing_ok=True)


def _prune(checkpoints: Path, keep: int, best: dict | None) -> None:
    """Keep the newest `keep` checkpoints and the best one."""
    dirs = _checkpoint_dirs(checkpoints)
    protected = {best["checkpoint"]} if best else set()
    for path in dirs[:-keep] if keep > 0 else dirs:
        if path.name not in protected:
            shutil.rmtree(path, ignore_errors=True)


__all__ = ["TrainConfig", "TrainResult", "TrainingError", "CorpusError", "train",
           "Message", "EpochProgress", "Evaluation", "Sample"]
