"""The machine host's one interface: both hosts implement it, only its commands
cross to the machine, and the UI reaches the CPU only through soulterm.c64."""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path

import pytest
from test_tui_app import program  # noqa: F401  (fixture)

import soulterm.tui
from soulterm.c64 import C64
from soulterm.tui.host import MachineHost
from soulterm.tui.host_protocol import COMMANDS, Host
from soulterm.tui.machine_calls import MachineCalls
from soulterm.tui.machine_process import CHILD_COMMANDS, ProcessHost
from soulterm.tui.probes import ProbeView


def test_both_hosts_implement_every_command():
    for host_class in (MachineHost, ProcessHost):
        missing = [name for name in COMMANDS if not callable(getattr(host_class, name, None))]
        assert missing == [], f"{host_class.__name__} lacks {missing}"
    assert isinstance(MachineHost(C64()), Host)
    assert set(CHILD_COMMANDS) == set(COMMANDS)


def test_the_child_answers_only_its_command_table(program):
    host = ProcessHost(map_path=program.with_suffix(".map.json"), paused=True)
    try:
        with pytest.raises(ValueError, match="not a machine command: stop_thread"):
            host._call("stop_thread")
        start = host.load(program)                     # and the pipe is still in step afterwards
        assert start == 0x080D and host.machine.cpu.pc == 0x080D
        view = host.observe_probes()                   # the probes' view crosses the pipe
        assert isinstance(view, ProbeView) and "forward_position" in view.missing
    finally:
        host.stop()


def test_the_command_queue_refuses_other_names_and_keeps_order():
    host = MachineHost(C64(), paused=True)
    results = []

    async def run() -> None:
        calls = MachineCalls(host, asyncio.get_running_loop())
        with pytest.raises(ValueError):
            calls.send("machine")
        calls.send("add_breakpoint", 0x1000, then=lambda r, e: results.append(("add", e)))
        calls.send("remove_breakpoint", 0x1000, then=lambda r, e: results.append(("remove", r)))
        calls.send("remove_breakpoint", 0x1000, then=lambda r, e: results.append(("again", r)))
        await calls.settled()
        calls.close()
    asyncio.run(run())
    assert results == [("add", None), ("remove", True), ("again", False)]


def test_the_ui_never_imports_py65():
    root = Path(soulterm.tui.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "py65"]
    assert offenders == []
