"""Installed from a wheel, soulterm finds its shipped files inside the package and writes nothing there."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from soulterm import paths

from conftest import PROJECT_VECTORS


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The package as a wheel lays it out: setup.py's build step, into a folder outside the checkout."""
    lib = tmp_path_factory.mktemp("site-packages")
    subprocess.run([sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(lib)],
                   cwd=paths.CHECKOUT_DIR, check=True, capture_output=True, timeout=120)
    return lib


def _run(lib, cwd, *args, stdin=""):
    env = {**os.environ, "PYTHONPATH": str(lib)}
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_the_wheel_carries_the_shipped_folders(installed):
    data = installed / "soulterm" / "data"
    for folder in paths.SHIPPED_FOLDERS:
        source = sorted(p.relative_to(paths.ROOT / folder) for p in (paths.ROOT / folder).rglob("*")
                        if p.is_file() and "checkpoints" not in p.parts)
        copied = sorted(p.relative_to(data / folder) for p in (data / folder).rglob("*") if p.is_file())
        assert copied == source, folder
    assert (data / "models" / "soul.bin").read_bytes() == paths.DEFAULT_SOUL.read_bytes()


def test_installed_paths_and_chat_work_from_any_folder(installed, tmp_path):
    probe = _run(installed, tmp_path, "-c", "import json, soulterm.paths as p; "
                 "print(json.dumps([p.IS_CHECKOUT, str(p.ROOT), str(p.user_soul_dir())]))")
    assert probe.returncode == 0, probe.stderr
    is_checkout, root, soul_dir = json.loads(probe.stdout)
    assert not is_checkout and root == str(installed / "soulterm" / "data")
    assert not soul_dir.startswith(str(installed))          # user output never goes into the package
    chat = _run(installed, tmp_path, "-m", "soulterm", "chat", stdin="hello\n")
    assert chat.returncode == 0, chat.stderr
    assert chat.stdout == f"C64> {PROJECT_VECTORS.reply_to('hello')}\n"


def test_build_defaults_to_the_user_data_folder(installed, tmp_path):
    user = tmp_path / "user"
    env_run = _run(installed, tmp_path, "-c",
                   f"import os, sys; os.environ['SOULTERM_DATA_DIR'] = {str(user)!r}; "
                   "from soulterm.cli import main; sys.exit(main(['build', '--quiet']))")
    assert env_run.returncode == 0, env_run.stderr
    assert (user / "disk" / paths.D64_NAME).read_bytes() == paths.DEFAULT_D64.read_bytes()
    assert not list((installed / "soulterm" / "data" / "disk").glob("*.tmp*"))


def test_training_defaults_to_the_user_data_folder(monkeypatch, tmp_path):
    pytest.importorskip("torch")
    from soulterm.soul.trainer import TrainConfig

    monkeypatch.setenv("SOULTERM_DATA_DIR", str(tmp_path))
    assert TrainConfig().output == str(tmp_path / "soul")


def test_installed_run_boots_the_shipped_disk_by_default(installed, tmp_path):
    result = _run(installed, tmp_path, "-m", "soulterm", "run", "--type", "hello", "--until-idle", "--mute")
    assert result.returncode == 0, result.stderr
    screen = [line.strip() for line in result.stdout.splitlines()]
    assert "you> hello" in screen
    assert PROJECT_VECTORS.reply_to("hello") in screen
