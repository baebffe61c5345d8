"""Keeping training checkpoints whole: interrupts, crashes and full disks.

The trainer's promise: Ctrl-C saves and exits, a resumed run equals an
uninterrupted one, and no checkpoint is ever half-written. What keeps it:

- `EpochSnapshot`: the model, optimizer and torch RNG as they were before an
  epoch. A KeyboardInterrupt that lands inside an epoch (a second Ctrl-C,
  or the first one without a handler) rolls back to it, so the partial
  epoch is abandoned and the checkpoint holds exactly the completed epochs.
- `interrupts_deferred()`: a checkpoint being written, pruned or exported is
  finished before a Ctrl-C takes effect (main thread only: signals are
  delivered there).
- `recover_interrupted_writes()`: a run killed while writing (SIGKILL, power)
  leaves `.tmp-epoch-*` and `.old-epoch-*` folders; the next start removes
  them, or puts an `.old-` one back when its replacement never arrived.
- `load_resume_state()` and `write_failure()`: one-line messages for a
  checkpoint that cannot be resumed and for a disk that fills up.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import threading
from pathlib import Path

import torch

TEMPORARY_PREFIX, REPLACED_PREFIX = ".tmp-", ".old-"        # + "epoch-NNNNN-PID"
RESUME_KEYS = ("model", "optimizer", "epoch")


class CheckpointError(ValueError):
    """A checkpoint that cannot be resumed or written; the message is one line."""


class EpochSnapshot:
    """An in-memory copy of everything one epoch changes (the model is small: ~25K weights)."""

    def __init__(self, epoch: int, model, optimizer):
        self.epoch = epoch
        self.model = {name: value.detach().clone() for name, value in model.state_dict().items()}
        self.optimizer = _clone(optimizer.state_dict())
        self.rng = torch.get_rng_state()

    def restore(self, model, optimizer) -> int:
        """Put the model, optimizer and RNG back; returns the epoch they belong to."""
        model.load_state_dict(self.model)
        optimizer.load_state_dict(_clone(self.optimizer))
        torch.set_rng_state(self.rng)
        return self.epoch


def _clone(value):
    if isinstance(value, torch.Tensor):
        return value.detach().clone()
    if isinstance(value, dict):
        return {key: _clone(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_clone(item) for item in value)
    return value


@contextlib.contextmanager
def interrupts_deferred():
    """Hold back SIGINT for the duration; deliver it (to the previous handler) afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield                                   # the TUI trains in a thread: no signals arrive there
        return
    pending = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: pending.append(frame))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if pending:
            if callable(previous):
                previous(signal.SIGINT, pending[0])
            elif previous == signal.SIG_DFL:
                raise KeyboardInterrupt


def recover_interrupted_writes(checkpoints: Path) -> list[str]:
    """Clean up after a run that died while writing; returns one line per thing done."""
    done = []
    if not checkpoints.is_dir():
        return done
    for leftover in sorted(checkpoints.glob(f"{REPLACED_PREFIX}epoch-*")):
        if _owner_alive(leftover):
            continue
        final = checkpoints / _checkpoint_name(leftover)
        if not final.exists() and (leftover / "model.pt").is_file():
            os.rename(leftover, final)          # its replacement was never renamed in: keep the old one
            done.append(f"restored {final.name}, whose replacement was never completed")
        else:
            shutil.rmtree(leftover, ignore_errors=True)
    for leftover in sorted(checkpoints.glob(f"{TEMPORARY_PREFIX}epoch-*")):
        if not _owner_alive(leftover):
            shutil.rmtree(leftover, ignore_errors=True)
            done.append(f"removed {leftover.name}, a checkpoint left half-written by a stopped run")
    for leftover in checkpoints.glob(".*.tmp"):     # an atomic file write that never got renamed
        if leftover.is_file():
            leftover.unlink(missing_ok=True)
    return done


def _checkpoint_name(leftover: Path) -> str:
    """`.tmp-epoch-00012-4242` -> `epoch-00012`."""
    body = leftover.name.split("-", 1)[1]
    return body.rsplit("-", 1)[0]


def _owner_alive(leftover: Path) -> bool:
    """True if the process that made `leftover` (its name ends in its PID) still runs."""
    try:
        pid = int(leftover.name.rsplit("-", 1)[1])
    except (IndexError, ValueError):
        return False
    if pid == os.getpid():
        return False                            # ours from an earlier run in this process
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True                             # someone else's live process
    return True


def load_resume_state(folder: Path, device) -> dict:
    """The saved state of checkpoint `folder`, checked to hold what a resume needs."""
    from .model import load_model_state

    try:
        saved = load_model_state(folder / "model.pt", device)
    except ValueError:
        raise CheckpointError(f"cannot resume from {folder}: its model.pt is not a readable soulterm "
                              "checkpoint (damaged, or from another program); use --fresh to start over") from None
    missing = [key for key in RESUME_KEYS if key not in saved]
    if missing:
        raise CheckpointError(f"cannot resume from {folder}: model.pt has no {' or '.join(missing)} state; "
                              "use --fresh to start over")
    if not (folder / "tokenizer.json").is_file():
        raise CheckpointError(f"cannot resume from {folder}: its tokenizer.json is missing; "
                              "use --fresh to start over")
    return saved


def restore_state(saved: dict, model, optimizer, folder: Path) -> None:
    """Load a checkpoint's weights and optimizer state, or say in one line why they do not fit."""
    try:
        model.load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CheckpointError(f"cannot resume from {folder}: its state does not fit this model ({first}); "
                              "use --fresh to start over") from None


def write_failure(exc: BaseException, target: Path, previous: Path | None) -> CheckpointError:
    """The one-line error for a checkpoint that could not be written (full disk, permissions)."""
    reason = getattr(exc, "strerror", None) or str(exc).strip().splitlines()[0] or type(exc).__name__
    kept = f"; the previous checkpoint {previous} is intact" if previous else "; no checkpoint was written"
    return CheckpointError(f"cannot write checkpoint {target}: {reason}{kept}")
