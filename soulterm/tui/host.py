"""Runs the emulated machine (a C64 or a ZX Spectrum) beside the UI and takes the UI's commands.

The machine runs in a daemon thread in slices of a few thousand cycles, so
a command (a key, pause, a breakpoint) waits at most one slice. The UI only
reads: RAM, colour RAM, VIC registers and the CPU registers are read without
the lock (single bytearray reads are atomic under the GIL); anything that
changes the machine takes the lock. Between slices the thread samples the PC
and the address the next instruction touches (memory-map heat) and the
attention bytes (attention panel), so observation costs a few reads per
slice rather than a hook on every memory access.

Two speeds: warp (flat out) and real time (the machine's own clock: 1 MHz
PAL for the C64, 3.5 MHz for the Spectrum, paced against the wall clock). A
paused host never runs on its own, which is what the Pilot tests rely on:
they step the machine explicitly. What differs between the CPUs (calls,
returns, operand addresses) comes from cpus.py; loading a file of the other
machine (machines.py: a .tap is the Spectrum's) swaps the machine.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from soulterm.tui.attention_recorder import AttentionRecorder
from soulterm.tui.buildmap import BuildMap
from soulterm.tui.cpus import cpu_for
from soulterm.tui.machines import PAL_CLOCK_HZ, kind_for_path, kind_of  # noqa: F401 (PAL_CLOCK_HZ: the panels' import)
from soulterm.tui.probes import SAMPLE_CYCLES, ProbeRecorder, ProbeView
from soulterm.tui.program_check import check_loadable

HEAT_CELL_BYTES = 64          # the memory-map panel shows 1024 cells of 64 bytes
HEAT_CELLS = 0x10000 // HEAT_CELL_BYTES
WARP_SLICE_CYCLES = 5_000     # each slice ends in one read sample for the memory map: ~200 a second
REALTIME_SLICE_CYCLES = 2_000
# Slices are of the machine's own time: these are the C64's, a faster clock scales them
# (the Spectrum's 3.5 MHz: 17,760 and 7,104 T-states), so heat samples come as often per
# emulated second.
MAX_STEPS_PER_GOAL = 20_000_000  # a step-out that never returns gives up here


@dataclass(frozen=True)
class HostEvent:
    """Something the UI should tell the user about (breakpoint, goal reached, error)."""

    kind: str      # "stopped" | "error" | "info"
    text: str


class MachineHost:
    """Owns the machine's thread; every method is safe to call from the UI thread."""

    def __init__(self, machine, build_map: BuildMap | None = None, *, paused: bool = False,
                 warp: bool = True, sound: bool = False) -> None:
        self.machine = machine
        self.sound = sound            # a machine made when another kind is loaded gets sound too
        self.muted = False            # ... and the mute
        self._set_clock()
        self.map = build_map or BuildMap.empty()
        self.lock = threading.RLock()
        self.warp = warp
        self.breakpoints: set[int] = set()
        self.heat = np.zeros(HEAT_CELLS, dtype=np.float32)   # cumulative sample counts per cell
        self.events: deque[HostEvent] = deque(maxlen=50)
        self.attention = AttentionRecorder(self.map.attention) if self.map.attention else None
        self.probes = self._probe_recorder()
        self._next_sample = 0
        self.last_file: Path | None = None
        self._running = threading.Event()
        if not paused:
            self._running.set()
        self._wake = threading.Event()
        self._quit = threading.Event()
        self._goal: Callable[[], bool] | None = None
        self._goal_breakpoints: frozenset[int] = frozenset()
        self._goal_name = ""
        self._speed_window: deque[tuple[float, int]] = deque(maxlen=40)
        self._thread = threading.Thread(target=self._loop, name="c64", daemon=True)
        self._started = False
        self._halted = False

    # -- lifecycle ----------------------------------------------------------

    def start(self) -> None:
        if not self._started:
            self._started = True
            self._thread.start()

    def stop(self) -> None:
        self._quit.set()
        self._running.set()
        self._wake.set()
        if self._started:
            self._thread.join(timeout=2)

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def kind(self) -> str:
        """The machine's kind (machines.py): "c64" or "zx"."""
        return kind_of(self.machine).name

    # -- commands from the UI ---------------------------------------------

    def pause(self) -> None:
        self._running.clear()
        self._goal = None
        self._wake.set()

    def resume(self) -> None:
        with self.lock:
            self._goal = None
            self._goal_breakpoints = frozenset()
        self._go()

    def set_warp(self, warp: bool) -> None:
        self.warp = warp
        self._speed_window.clear()
        self._wake.set()

    def set_muted(self, muted: bool) -> None:
        """Silence the SID or the beeper (the chip keeps running, so unmuting is seamless);
        a machine swapped in later starts muted too."""
        self.muted = muted
        if hasattr(self.machine, "set_muted"):
            self.machine.set_muted(muted)
            return
        audio = find_audio(self.machine)
        if audio is not None:
            audio.muted = muted

    def type_text(self, text: str) -> None:
        """Queue keys; ValueError names a key the machine does not have."""
        with self.lock:
            self.machine.type_text(text)
        self._wake.set()

    def press_restore(self, run_stop: bool = True) -> None:
        """RESTORE (with RUN/STOP held: back to BASIC), now, ahead of any keys still to be typed."""
        with self.lock:
            self.machine.press_restore(run_stop)
        self._wake.set()

    def set_map(self, build_map: BuildMap) -> None:
        with self.lock:
            self.map = build_map
            self.attention = AttentionRecorder(build_map.attention) if build_map.attention else None
            self.probes = self._probe_recorder()

    def observe_probes(self) -> ProbeView:
        """What the probes saw this turn (a copy)."""
        return self.probes.view()

    def load(self, path: Path) -> int:
        """Check a PRG/D64, then reset and load it (raises LoadError). The check comes
        first: a file that cannot load must not wipe the running machine."""
        check_loadable(Path(path))
        with self.lock:
            kind = kind_for_path(Path(path))
            if kind != kind_of(self.machine):
                self._swap_machine(kind)
            self.machine.reset()
            start = self.machine.load_file(str(path))
            self.last_file = Path(path)
            if self.attention:
                self.attention.clear()
            self.probes.clear()
        self._restart_if_halted()
        return start

    def _swap_machine(self, kind) -> None:
        """A machine of another kind from now on (the lock is held). The old one's sound is
        released first: pygame has one mixer, and closing it would silence the new machine."""
        if hasattr(self.machine, "close"):
            self.machine.close()
        self.machine = kind.make(sound=self.sound)
        if self.muted:
            self.set_muted(True)
        self._set_clock()
        self._next_sample = 0
        self.breakpoints.clear()
        self.heat[:] = 0
        self._speed_window.clear()
        self.probes = self._probe_recorder()

    def _set_clock(self) -> None:
        """The CPU's rules and the slice lengths of this machine (see WARP_SLICE_CYCLES)."""
        self.cpu_rules = cpu_for(self.machine)
        self.clock_hz = kind_of(self.machine).clock_hz
        self.warp_slice = WARP_SLICE_CYCLES * self.clock_hz // PAL_CLOCK_HZ
        self.realtime_slice = REALTIME_SLICE_CYCLES * self.clock_hz // PAL_CLOCK_HZ
        # PC samples as often per emulated second too (the Spectrum's: every 17,759 T-states);
        # kept odd, so no kernel loop of an even length beats with it.
        self.sample_cycles = SAMPLE_CYCLES * self.clock_hz // PAL_CLOCK_HZ | 1

    def _probe_recorder(self) -> ProbeRecorder:
        return ProbeRecorder(self.map.symbols, self.kind, self.map.lens_rows_apart)     # the machine's own ProbeLayout

    def reset(self) -> None:
        """Power-cycle, and boot the last loaded program again if there is one."""
        if self.last_file is not None and self.last_file.exists():
            self.load(self.last_file)
            return
        with self.lock:
            self.machine.reset()
            if self.attention:
                self.attention.clear()
            self.probes.clear()
        self._restart_if_halted()

    def _restart_if_halted(self) -> None:
        """A halt (program ended, crash) paused the runner; a new program runs again."""
        if self._halted:
            self._halted = False
            self._running.set()
        self._wake.set()

    def add_breakpoint(self, address: int) -> None:
        with self.lock:
            self.breakpoints.add(address & 0xFFFF)

    def remove_breakpoint(self, address: int) -> bool:
        with self.lock:
            if address in self.breakpoints:
                self.breakpoints.discard(address)
                return True
            return False

    def step(self) -> None:
        """Execute one instruction (pauses first)."""
        self.pause()
        with self.lock:
            self.machine.step()
            self._observe()

    def step_over(self) -> None:
        """Like step, but a call (JSR; CALL or RST) runs its whole subroutine."""
        self.pause()
        with self.lock:
            m = self.machine
            pc = m.cpu.pc
            length = self.cpu_rules.call_length(m.peek, pc)
            if length is None:
                m.step()
                self._observe()
                return
            sp = m.cpu.sp
            after = (pc + length) & 0xFFFF
            self._set_goal("step over", lambda: m.cpu.pc == after and m.cpu.sp >= sp, frozenset({after}))
        self._go()

    def step_out(self) -> None:
        """Run until the current subroutine returns (an RTS or RET pops this frame)."""
        self.pause()
        with self.lock:
            m = self.machine
            entry_sp = m.cpu.sp
            rules = self.cpu_rules

            def returned() -> bool:
                return rules.returned(self._last_opcodes, m.cpu.sp, entry_sp)
            self._set_goal("step out", returned, None)
        self._go()

    def run_to_next_kernel(self) -> None:
        """Run until the PC enters any routine entry point of the build map."""
        self.pause()
        entries = self.map.kernel_entries()
        if not entries:
            self.events.append(HostEvent("error", "no build map loaded: no kernel symbols to run to"))
            return
        with self.lock:
            m = self.machine
            here = m.cpu.pc
            targets = frozenset(a for a in entries if a != here)
            self._set_goal("next kernel", lambda: m.cpu.pc in targets, targets)
        self._go()

    # -- observation --------------------------------------------------------

    def speed_hz(self) -> float:
        """Emulated cycles per wall-clock second over the last second or so."""
        window = list(self._speed_window)
        if len(window) < 2:
            return 0.0
        (t0, c0), (t1, c1) = window[0], window[-1]
        return (c1 - c0) / (t1 - t0) if t1 > t0 else 0.0

    def drain_events(self) -> list[HostEvent]:
        out = []
        while self.events:
            out.append(self.events.popleft())
        return out

    # -- the machine thread -------------------------------------------------

    _last_opcodes = (-1, -1)     # the first two bytes of the instruction stepped last

    def _set_goal(self, name: str, reached: Callable[[], bool], breakpoints: frozenset[int] | None) -> None:
        self._goal_name = name
        self._goal = reached
        self._goal_breakpoints = breakpoints if breakpoints is not None else frozenset()
        self._goal_steps = breakpoints is None  # no address to stop at: single-step
        self._steps_taken = 0

    def _go(self) -> None:
        with self.lock:
            m = self.machine
            if m.cpu.pc in self.breakpoints or m.cpu.pc in self._goal_breakpoints:
                self._last_opcodes = self._opcodes_at(m.cpu.pc)
                m.step()  # leave the breakpoint we are sitting on
                if self._goal is not None and self._goal():
                    self._finish_goal()
                    return
        self._running.set()
        self._wake.set()

    def _finish_goal(self) -> None:
        name = self._goal_name
        self._goal = None
        self._goal_breakpoints = frozenset()
        self._running.clear()
        self._observe()
        pc = self.machine.cpu.pc
        self.events.append(HostEvent("stopped", f"{name}: stopped at ${pc:04X} {self.map.describe(pc)}"))

    def _loop(self) -> None:
        pace_time, pace_cycles = time.perf_counter(), 0
        was_running = False
        while not self._quit.is_set():
            if not self._running.is_set():
                was_running = False
                self._running.wait(0.1)
                continue
            if not was_running:
                pace_time, pace_cycles = time.perf_counter(), self.machine.cycles
                was_running = True
            try:
                if self._goal is not None:
                    self._advance_goal()
                    continue
                budget = self.warp_slice
                if not self.warp:
                    now = time.perf_counter()
                    clock = self.clock_hz
                    budget = int(pace_cycles + (now - pace_time) * clock) - self.machine.cycles
                    if budget <= 0:
                        time.sleep(min(0.004, -budget / clock))
                        continue
                    if budget > clock // 2:  # fell behind half a second (stopped, starved): do not sprint
                        pace_time, pace_cycles = now, self.machine.cycles
                        budget = self.realtime_slice
                    budget = min(budget, self.realtime_slice)
                with self.lock:
                    m = self.machine
                    if self.probes.entries:   # a PC sample for the cycles panel is due
                        budget = min(budget, self._next_sample - m.cycles)
                    budget = max(1, budget)
                    probes = self.probes.addresses
                    stops = self.breakpoints | probes if probes else self.breakpoints
                    reason = _reason_text(m.run(max_cycles=budget, until_idle=True, breakpoints=stops))
                    if reason == "breakpoint" and m.cpu.pc in probes:
                        self.probes.hit(m.cpu.pc, m.ram, m.cycles)
                        if m.cpu.pc not in self.breakpoints:
                            reason = "probe"      # the host's own stop: carry on
                    elif reason == "idle":
                        self.probes.finish(m.cycles)
                    self._observe()
                self._speed_window.append((time.perf_counter(), self.machine.cycles))
                if reason == "breakpoint":
                    self._running.clear()
                    pc = self.machine.cpu.pc
                    self.events.append(HostEvent("stopped", f"breakpoint at ${pc:04X} {self.map.describe(pc)}"))
                elif reason == "halted":
                    self._running.clear()
                    self._halted = True
                    if self.last_file is not None:  # before the first load there is nothing to say
                        why = getattr(self.machine, "stop_message", "") or "the CPU halted"
                        self.events.append(HostEvent("stopped", why))
                elif reason == "idle":
                    # Waiting for a key: sleep until one is typed instead of spinning.
                    self._wake.clear()
                    self._wake.wait(0.05)
                    pace_time, pace_cycles = time.perf_counter(), self.machine.cycles
            except Exception as exc:  # a machine fault must not kill the UI
                self._running.clear()
                self.events.append(HostEvent("error", f"machine stopped: {exc.__class__.__name__}: {exc}"))

    def _advance_goal(self) -> None:
        with self.lock:
            goal = self._goal
            if goal is None:
                return
            m = self.machine
            if self._goal_steps:
                for _ in range(2000):
                    self._last_opcodes = self._opcodes_at(m.cpu.pc)
                    m.step()
                    self._steps_taken += 1
                    if goal():
                        self._finish_goal()
                        return
                if self._steps_taken > MAX_STEPS_PER_GOAL:
                    self._goal = None
                    self._running.clear()
                    self.events.append(HostEvent("error", f"{self._goal_name}: gave up after {MAX_STEPS_PER_GOAL} instructions"))
                self._observe()
                return
            probes = self.probes.addresses
            stops = self._goal_breakpoints | self.breakpoints | probes
            reason = _reason_text(m.run(max_cycles=max(1, min(self.warp_slice, self._next_sample - m.cycles)),
                                        breakpoints=stops))
            self._observe()
            pc = m.cpu.pc
            if reason == "breakpoint" and pc in probes:
                self.probes.hit(pc, m.ram, m.cycles)
                if pc not in self.breakpoints and pc not in self._goal_breakpoints:
                    return
            if reason == "breakpoint":
                if goal():
                    self._finish_goal()
                elif m.cpu.pc in self.breakpoints:
                    self._goal = None
                    self._running.clear()
                    pc = m.cpu.pc
                    self.events.append(HostEvent("stopped", f"breakpoint at ${pc:04X} {self.map.describe(pc)}"))
                else:  # the goal's address, but the wrong frame (recursion): go on past it
                    m.step()
            elif reason == "halted":
                self._goal = None
                self._running.clear()
                self.events.append(HostEvent("stopped", "the CPU halted"))
        self._speed_window.append((time.perf_counter(), self.machine.cycles))

    def _observe(self) -> None:
        """Cheap sampling after each slice: PC and operand address heat, attention bytes,
        and every `sample_cycles` a PC sample for the cycles panel."""
        m = self.machine
        pc = m.cpu.pc
        if m.cycles >= self._next_sample:
            self._next_sample = m.cycles + self.sample_cycles
            if self.probes.entries:
                self.probes.sample(pc, m.cpu.sp, m.ram)
        cell = pc // HEAT_CELL_BYTES
        self.heat[cell] += 1.0
        target = self.cpu_rules.effective_address(m.cpu, m.peek, pc)
        if target is not None:
            self.heat[target // HEAT_CELL_BYTES] += 1.0
        if self.attention is not None:
            self.attention.sample(m.ram)


    def _opcodes_at(self, pc: int) -> tuple[int, int]:
        peek = self.machine.peek
        return peek(pc), peek((pc + 1) & 0xFFFF)


def _reason_text(reason) -> str:
    """StopReason (enum or plain string) as its string value."""
    return str(getattr(reason, "value", reason))


def find_audio(machine):
    """The machine's SID audio output (an object with `.muted`), or None when silent."""
    for owner in (machine, getattr(machine, "sid", None)):
        for name in ("audio", "sound", "output"):
            candidate = getattr(owner, name, None)
            if candidate is not None and hasattr(candidate, "muted"):
                return candidate
    return None
