"""The machine in its own process, so the UI never competes with it for the GIL.

py65 and Textual in one Python share one interpreter lock: every frame the UI
draws is time the 6502 does not run. Here a child process owns the machine,
a C64 or a ZX Spectrum (and its sound: the SID or the beeper is played where
it runs) and a MachineHost thread; the UI process only reads and sends
commands:

  shared memory   64 KB RAM as the CPU sees it (the Spectrum's screen is in
                  it), the C64's screen codes and colour RAM, CPU registers
                  (6502 or Z80), VIC or ULA state, which machine it is,
                  cycle counter, speed, the memory-map heat counters and the
                  attention history, published by the child every few
                  milliseconds and after every command;
  a pipe          commands (type, pause, step..., load, reset, speed, mute)
                  and their replies, and the host's events.

`ProcessHost` implements the same protocol (host_protocol.Host), and its
`machine` is a read-only stand-in with the attributes the panels read of
either machine.
"""

from __future__ import annotations

import multiprocessing
import threading
from multiprocessing import shared_memory
from pathlib import Path

import numpy as np

from soulterm.c64.disassembly import OPCODE_TABLE
from soulterm.soul.spec import CONTEXT
from soulterm.tui.attention_recorder import HEADS, AttentionView
from soulterm.tui.buildmap import BuildMap
from soulterm.tui.host import HEAT_CELLS, HostEvent, MachineHost
from soulterm.tui.host_protocol import COMMANDS
from soulterm.tui.machines import KINDS

PUBLISH_SECONDS = 0.01
START_TIMEOUT = 30.0
CALL_TIMEOUT = 60.0

# Shared memory layout (byte offsets).
RAM, RAM_SIZE = 0, 0x10000
SCREEN = RAM + RAM_SIZE
COLOURS = SCREEN + 1000
REGS = 67584                      # int64[32], 8-aligned
REG_NAMES = ("cycles", "pc", "a", "x", "y", "sp", "p", "border", "background", "lowercase",
             "paused", "warp", "speed", "waiting", "attention", "position", "current", "first_position",
             "context_len", "has_view", "machine", "af", "bc", "de", "hl", "ix", "iy", "frames")
MACHINE_CODES = {"c64": 0, "zx": 1}     # the "machine" register
R = {name: i for i, name in enumerate(REG_NAMES)}
HEAT = REGS + 32 * 8              # float32[1024]
CONTEXT_IDS = HEAT + HEAT_CELLS * 4
ROWS = CONTEXT_IDS + 32          # float64[8, 20, 20], NaN where no row
TOTAL = ROWS + HEADS * CONTEXT * CONTEXT * 8


class _Views:
    """numpy views of one shared memory block."""

    def __init__(self, shm: shared_memory.SharedMemory) -> None:
        buf = shm.buf
        self.ram = np.ndarray(RAM_SIZE, np.uint8, buf, RAM)
        self.screen = np.ndarray(1000, np.uint8, buf, SCREEN)
        self.colours = np.ndarray(1000, np.uint8, buf, COLOURS)
        self.regs = np.ndarray(32, np.int64, buf, REGS)
        self.heat = np.ndarray(HEAT_CELLS, np.float32, buf, HEAT)
        self.context = np.ndarray(CONTEXT, np.uint8, buf, CONTEXT_IDS)
        self.rows = np.ndarray((HEADS, CONTEXT, CONTEXT), np.float64, buf, ROWS)


# -- the child ---------------------------------------------------------------------------

# What the child does for each command of the host protocol (host_protocol.COMMANDS):
# arguments and results cross the pipe as plain values (a map as its path).
CHILD_COMMANDS = {
    "pause": lambda host: host.pause(),
    "resume": lambda host: host.resume(),
    "set_warp": lambda host, warp: host.set_warp(bool(warp)),
    "set_muted": lambda host, muted: host.set_muted(bool(muted)),
    "type_text": lambda host, text: host.type_text(str(text)),
    "press_restore": lambda host, run_stop: host.press_restore(bool(run_stop)),
    "set_map": lambda host, path: host.set_map(BuildMap.load(path) if path else BuildMap.empty()),
    "load": lambda host, path: host.load(Path(path)),
    "reset": lambda host: host.reset(),
    "add_breakpoint": lambda host, address: host.add_breakpoint(int(address)),
    "remove_breakpoint": lambda host, address: host.remove_breakpoint(int(address)),
    "step": lambda host: host.step(),
    "step_over": lambda host: host.step_over(),
    "step_out": lambda host: host.step_out(),
    "run_to_next_kernel": lambda host: host.run_to_next_kernel(),
    "drain_events": lambda host: [(e.kind, e.text) for e in host.drain_events()],
    "observe_probes": lambda host: host.observe_probes(),
}
assert set(CHILD_COMMANDS) == set(COMMANDS), "the child must answer exactly the protocol's commands"


def _child_main(conn, shm_name: str, map_path: str | None, sound: bool, paused: bool, warp: bool,
                kind: str = "c64") -> None:
    shm = shared_memory.SharedMemory(name=shm_name)
    views = _Views(shm)
    try:
        machine = KINDS[kind].make(sound=sound)
    except Exception as exc:  # report, do not die silently
        conn.send(("error", f"the emulator failed to start: {exc}"))
        return
    build_map = BuildMap.empty()
    if map_path:
        try:
            build_map = BuildMap.load(map_path)
        except Exception:
            pass
    host = MachineHost(machine, build_map, paused=paused, warp=warp, sound=sound)
    publisher = _Publisher(host, views)
    conn.send(("ready", getattr(machine, "sound_notice", None)))
    host.start()
    publisher.start()
    try:
        while True:
            try:
                serial, name, args = conn.recv()
            except (EOFError, OSError):
                break
            if name == "stop":
                break
            try:
                command = CHILD_COMMANDS.get(name)
                if command is None:
                    raise ValueError(f"not a machine command: {name}")
                result = command(host, *args)
                publisher.publish()
                conn.send(("ok", serial, result))
            except Exception as exc:
                publisher.publish()
                conn.send(("error", serial, f"{exc.__class__.__name__}: {exc}" if not str(exc) else str(exc)))
    finally:
        publisher.stop()
        host.stop()
        if hasattr(host.machine, "close"):
            host.machine.close()
        del views
        shm.close()


class _Publisher:
    """Copies what the UI reads into shared memory: every few milliseconds from
    its own thread, and at once after every command."""

    def __init__(self, host: MachineHost, views: _Views) -> None:
        self.host, self.views = host, views
        self._lock = threading.Lock()
        self._quit = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="publisher", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._quit.set()
        self._thread.join(timeout=1)

    def _loop(self) -> None:
        while not self._quit.wait(PUBLISH_SECONDS):
            try:
                self.publish()
            except Exception:  # a torn read mid-reset: the next round gets it
                pass

    def publish(self) -> None:
        with self._lock:
            host, v = self.host, self.views
            with host.lock:          # a load may swap the machine: publish one of them whole
                m = host.machine
            v.ram[:] = np.frombuffer(bytes(m.ram), np.uint8)
            cpu = m.cpu
            regs = v.regs
            regs[R["cycles"]] = m.cycles
            regs[R["machine"]] = MACHINE_CODES[host.kind]
            regs[R["pc"]], regs[R["a"]], regs[R["sp"]] = cpu.pc, cpu.a, cpu.sp
            if host.kind == "zx":
                for name in ("af", "bc", "de", "hl", "ix", "iy"):
                    regs[R[name]] = getattr(cpu, name)
                regs[R["p"]] = cpu.f
                regs[R["border"]], regs[R["frames"]] = m.ula.border, m.frames
            else:
                vic = m.vic
                v.screen[:] = np.frombuffer(bytes(vic.screen_codes()), np.uint8)[:1000]
                v.colours[:] = np.frombuffer(bytes(vic.colour_ram()), np.uint8)[:1000]
                regs[R["x"]], regs[R["y"]], regs[R["p"]] = cpu.x, cpu.y, cpu.p
                regs[R["border"]], regs[R["background"]] = vic.border & 0x0F, vic.background & 0x0F
                regs[R["lowercase"]] = int(bool(vic.lowercase))
            regs[R["paused"]], regs[R["warp"]] = int(host.paused), int(host.warp)
            regs[R["speed"]] = int(host.speed_hz())
            regs[R["waiting"]] = int(bool(getattr(m, "waiting_for_input", False)))
            v.heat[:] = host.heat
            recorder = host.attention
            regs[R["attention"]] = int(recorder is not None)
            view = recorder.view() if recorder is not None else None
            regs[R["has_view"]] = int(view is not None)
            if view is not None:
                regs[R["position"]], regs[R["current"]] = view.position, view.current_head
                regs[R["first_position"]], regs[R["context_len"]] = view.first_position, len(view.context)
                v.context[:len(view.context)] = view.context
                rows = np.full((HEADS, CONTEXT, CONTEXT), np.nan)
                for k, by_position in enumerate(view.rows):
                    for position, row in by_position.items():
                        rows[k, position, :len(row)] = row
                v.rows[:] = rows


# -- the UI side ---------------------------------------------------------------------------

class _RemoteCPU:
    """The registers (6502 or Z80), read from shared memory; `disassemble` is the 6502's opcode table."""

    disassemble = OPCODE_TABLE

    def __init__(self, regs: np.ndarray) -> None:
        self._regs = regs

    pc = property(lambda self: int(self._regs[R["pc"]]))
    a = property(lambda self: int(self._regs[R["a"]]))
    x = property(lambda self: int(self._regs[R["x"]]))
    y = property(lambda self: int(self._regs[R["y"]]))
    sp = property(lambda self: int(self._regs[R["sp"]]))
    p = property(lambda self: int(self._regs[R["p"]]))
    f = p                                   # the Z80's flags travel in the 6502's P
    af = property(lambda self: int(self._regs[R["af"]]))
    bc = property(lambda self: int(self._regs[R["bc"]]))
    de = property(lambda self: int(self._regs[R["de"]]))
    hl = property(lambda self: int(self._regs[R["hl"]]))
    ix = property(lambda self: int(self._regs[R["ix"]]))
    iy = property(lambda self: int(self._regs[R["iy"]]))


class _RemoteVIC:
    def __init__(self, views: _Views) -> None:
        self._v = views

    def screen_codes(self) -> bytes:
        return self._v.screen.tobytes()

    def colour_ram(self) -> bytes:
        return self._v.colours.tobytes()

    border = property(lambda self: int(self._v.regs[R["border"]]))
    background = property(lambda self: int(self._v.regs[R["background"]]))
    lowercase = property(lambda self: bool(self._v.regs[R["lowercase"]]))


class _RemoteULA:
    def __init__(self, views: _Views) -> None:
        self._v = views

    border = property(lambda self: int(self._v.regs[R["border"]]))


class RemoteMachine:
    """What the panels read of the machine, from shared memory (read-only)."""

    def __init__(self, views: _Views) -> None:
        self._v = views
        self.cpu = _RemoteCPU(views.regs)
        self.vic = _RemoteVIC(views)
        self.ula = _RemoteULA(views)

    @property
    def CPU(self) -> str:    # noqa: N802 (the machines' own attribute name: cpus.cpu_for reads it)
        return "z80" if self._v.regs[R["machine"]] == MACHINE_CODES["zx"] else ""

    @property
    def flash_on(self) -> bool:
        from soulterm.zx.ula import FLASH_FRAMES

        return bool(int(self._v.regs[R["frames"]]) // FLASH_FRAMES % 2)

    @property
    def ram(self) -> np.ndarray:
        return self._v.ram

    def peek(self, address: int) -> int:
        return int(self._v.ram[address & 0xFFFF])

    read = peek

    @property
    def cycles(self) -> int:
        return int(self._v.regs[R["cycles"]])

    @property
    def waiting_for_input(self) -> bool:
        return bool(self._v.regs[R["waiting"]])


class _RemoteAttention:
    def __init__(self, views: _Views) -> None:
        self._v = views

    def view(self) -> AttentionView | None:
        v = self._v
        regs = v.regs
        if not regs[R["has_view"]]:
            return None
        rows_array = v.rows.copy()
        rows = tuple({p: rows_array[k, p, :p + 1] for p in range(CONTEXT) if not np.isnan(rows_array[k, p, 0])}
                     for k in range(HEADS))
        position = int(regs[R["position"]])
        length = int(regs[R["context_len"]])
        return AttentionView(
            context=tuple(int(t) for t in v.context[:length]), position=position,
            current_head=int(regs[R["current"]]),
            fresh=tuple(position in r for r in rows), rows=rows,
            first_position=int(regs[R["first_position"]]))

    def clear(self) -> None:
        pass


class ProcessHost:
    """The host protocol (host_protocol.Host), with the machine in a child process."""

    def __init__(self, build_map: BuildMap | None = None, *, map_path: Path | None = None,
                 sound: bool = False, paused: bool = False, warp: bool = True, kind: str = "c64") -> None:
        self.map = build_map or BuildMap.empty()
        self._map_path = map_path
        self.lock = threading.RLock()          # the panels take it; nothing to guard on this side
        self.breakpoints: set[int] = set()
        self.last_file: Path | None = None
        self._shm = shared_memory.SharedMemory(create=True, size=TOTAL)
        self._views = _Views(self._shm)
        self._views.regs[:] = 0
        self._views.regs[R["paused"]] = int(paused)
        self._views.regs[R["warp"]] = int(warp)
        self._views.regs[R["machine"]] = MACHINE_CODES[kind]
        self.machine = RemoteMachine(self._views)
        self.heat = self._views.heat
        context = multiprocessing.get_context("fork")
        self._conn, child_conn = context.Pipe()
        self._process = context.Process(
            target=_child_main, name="soulterm-c64", daemon=True,
            args=(child_conn, self._shm.name, str(map_path) if map_path and Path(map_path).exists() else None,
                  sound, paused, warp, kind))
        self._process.start()
        self._call_lock = threading.Lock()
        self._serial = 0
        if not self._conn.poll(START_TIMEOUT):
            self.stop()
            raise RuntimeError("the emulator process did not start")
        status, payload = self._conn.recv()
        if status != "ready":
            self.stop()
            raise RuntimeError(payload)
        self.sound_notice = payload

    # -- plumbing ----------------------------------------------------------------

    def _call(self, name: str, *args):
        """Send a command and wait for its answer. Every request carries a serial
        number and answers to earlier requests that timed out are skipped, so a
        late answer is never taken for the next command's."""
        with self._call_lock:
            if not self._process.is_alive():
                raise RuntimeError("the emulator process has stopped")
            self._serial += 1
            serial = self._serial
            self._conn.send((serial, name, args))
            while True:
                if not self._conn.poll(CALL_TIMEOUT):
                    raise RuntimeError(f"the emulator did not answer {name} within {CALL_TIMEOUT:.0f} s")
                status, answered, payload = self._conn.recv()
                if answered == serial:
                    break
        if status == "error":
            raise ValueError(payload)
        return payload

    def start(self) -> None:
        """The child starts running on its own."""

    def stop(self) -> None:
        try:
            # A command still waiting on the child holds the call lock: do not wait
            # for it to say goodbye, the child is terminated below if it lingers.
            if self._process.is_alive() and self._call_lock.acquire(timeout=1.0):
                try:
                    self._conn.send((0, "stop", ()))
                finally:
                    self._call_lock.release()
            self._process.join(timeout=3)
            if self._process.is_alive():
                self._process.terminate()
                self._process.join(timeout=2)
        except (OSError, ValueError, AssertionError):
            pass
        try:
            del self.machine, self.heat, self._views
            self._shm.close()
            self._shm.unlink()
        except (AttributeError, FileNotFoundError, BufferError):
            pass

    # -- MachineHost's interface ---------------------------------------------------

    @property
    def paused(self) -> bool:
        return bool(self._views.regs[R["paused"]])

    @property
    def warp(self) -> bool:
        return bool(self._views.regs[R["warp"]])

    @property
    def kind(self) -> str:
        code = int(self._views.regs[R["machine"]])
        return next(name for name, number in MACHINE_CODES.items() if number == code)

    @property
    def attention(self):
        return _RemoteAttention(self._views) if self._views.regs[R["attention"]] else None

    def speed_hz(self) -> float:
        return float(self._views.regs[R["speed"]])

    def drain_events(self) -> list[HostEvent]:
        return [HostEvent(kind, text) for kind, text in self._call("drain_events")]

    def pause(self) -> None:
        self._call("pause")

    def resume(self) -> None:
        self._call("resume")

    def set_warp(self, warp: bool) -> None:
        self._call("set_warp", warp)

    def set_muted(self, muted: bool) -> None:
        self._call("set_muted", muted)

    def type_text(self, text: str) -> None:
        self._call("type_text", text)

    def press_restore(self, run_stop: bool = True) -> None:
        self._call("press_restore", run_stop)

    def set_map(self, build_map: BuildMap) -> None:
        self.map = build_map
        self._call("set_map", str(build_map.path) if build_map.path else "")

    def load(self, path: Path) -> int:
        start = self._call("load", str(path))
        self.last_file = Path(path)
        return start

    def reset(self) -> None:
        self._call("reset")

    def add_breakpoint(self, address: int) -> None:
        self._call("add_breakpoint", address)
        self.breakpoints.add(address & 0xFFFF)

    def remove_breakpoint(self, address: int) -> bool:
        found = self._call("remove_breakpoint", address)
        self.breakpoints.discard(address)
        return found

    def step(self) -> None:
        self._call("step")

    def step_over(self) -> None:
        self._call("step_over")

    def step_out(self) -> None:
        self._call("step_out")

    def run_to_next_kernel(self) -> None:
        self._call("run_to_next_kernel")

    def observe_probes(self):
        return self._call("observe_probes")
