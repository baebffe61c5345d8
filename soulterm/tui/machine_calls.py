"""The UI's queue of machine commands: one at a time, in order, off the UI thread.

A command may wait on the machine (the in-process host's lock is held for a
slice of cycles; the machine process answers over a pipe, and a load reads a
whole disk), so the UI never calls the host itself: it queues the command
here and gets the result back on its event loop. Only names in the host
protocol's COMMANDS table are accepted. Commands that only make sense once in
flight (load, reset, draining events) are coalesced: a second one while the
first is still queued is dropped, so a burst of F6 is one reset, not twenty.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable

from soulterm.tui.host_protocol import COMMANDS, Host

# Commands whose second copy adds nothing while the first is still waiting.
COALESCED = frozenset({"reset", "load", "drain_events", "observe_probes", "pause", "resume"})

Done = Callable[[object, BaseException | None], None]


class MachineCalls:
    """Serialises host commands on one worker thread; results come back on `loop`."""

    def __init__(self, host: Host, loop: asyncio.AbstractEventLoop) -> None:
        self.host = host
        self._loop = loop
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="machine-call")
        self._lock = threading.Lock()
        self._waiting: dict[str, int] = {}      # command name -> calls queued or running
        self._closed = False

    def send(self, name: str, *args, then: Done | None = None) -> bool:
        """Queue `name(*args)`; `then(result, error)` runs on the UI loop. False if dropped."""
        if name not in COMMANDS:
            raise ValueError(f"not a machine command: {name}")
        with self._lock:
            if self._closed or (name in COALESCED and self._waiting.get(name)):
                return False
            self._waiting[name] = self._waiting.get(name, 0) + 1
        future = self._executor.submit(self._call, name, args)
        future.add_done_callback(lambda f: self._finished(name, f, then))
        return True

    def _call(self, name: str, args: tuple):
        return getattr(self.host, name)(*args)   # `name` is checked against COMMANDS in send()

    def _finished(self, name: str, future: Future, then: Done | None) -> None:
        with self._lock:
            self._waiting[name] -= 1
        if then is None or self._closed:
            return
        error = future.exception()
        result = None if error is not None else future.result()
        try:
            self._loop.call_soon_threadsafe(then, result, error)
        except RuntimeError:  # the loop closed while the command ran (quitting)
            pass

    def waiting(self, name: str) -> int:
        """How many `name` commands are queued or running."""
        with self._lock:
            return self._waiting.get(name, 0)

    @property
    def pending(self) -> int:
        with self._lock:
            return sum(self._waiting.values())

    async def settled(self, timeout: float = 10.0) -> None:
        """Wait until every queued command has run and reported (tests, quitting)."""
        deadline = self._loop.time() + timeout
        while self.pending:
            if self._loop.time() > deadline:
                raise TimeoutError(f"{self.pending} machine commands still waiting")
            await asyncio.sleep(0.005)
        await asyncio.sleep(0)   # let the last `then` run

    def close(self) -> None:
        """Drop what is still queued; a running command finishes on its own."""
        with self._lock:
            self._closed = True
        self._executor.shutdown(wait=False, cancel_futures=True)
