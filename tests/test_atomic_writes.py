"""Atomic writes: a set is replaced whole, and a killed writer's temporaries are cleaned."""

import os
import signal
import subprocess
import sys

import pytest

from soulterm.soul.atomic import write_bytes_atomic, write_set_atomic


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_killed_writers_temporaries_are_removed_by_the_next_write(tmp_path):
    target = tmp_path / "soulplayer.prg"
    stale = tmp_path / f".soulplayer.prg.{_dead_pid()}.abc123.tmp"
    stale.write_bytes(b"half a file")
    write_bytes_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["soulplayer.prg"]


def test_a_running_writers_temporary_and_other_targets_are_kept(tmp_path):
    live = tmp_path / f".soulplayer.prg.{os.getpid()}.xyz.tmp"       # a writer still at work
    other = tmp_path / f".soulplayer.d64.{_dead_pid()}.abc.tmp"       # another target's, left for its own write
    live.write_bytes(b"in progress")
    other.write_bytes(b"stale")
    write_bytes_atomic(tmp_path / "soulplayer.prg", b"new")
    assert live.exists() and other.exists()


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_during_a_set_write_leaves_the_old_set_and_the_next_write_cleans_up(tmp_path):
    prg, map_file = tmp_path / "a.prg", tmp_path / "a.map.json"
    write_set_atomic({prg: b"old prg", map_file: b"old map"})
    # A writer that stops for good after its first temporary is on disk.
    script = (
        "import os, signal, sys\n"
        "from soulterm.soul import atomic\n"
        "real_replace = os.replace\n"
        "def killed(*a): os.kill(os.getpid(), signal.SIGKILL)\n"
        "os.replace = killed\n"
        f"atomic.write_set_atomic({{{str(prg)!r}: b'new prg', {str(map_file)!r}: b'new map'}})\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert result.returncode == -signal.SIGKILL
    leftovers = [p for p in tmp_path.iterdir() if p.suffix == ".tmp"]
    assert len(leftovers) == 2
    assert prg.read_bytes() == b"old prg" and map_file.read_bytes() == b"old map"
    write_set_atomic({prg: b"newer prg", map_file: b"newer map"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.map.json", "a.prg"]
    assert prg.read_bytes() == b"newer prg"
