"""Packaging hook: the wheel carries models/, disk/ and kernels/ inside the package.

The top-level folders stay the source of truth; building a wheel copies them
into soulterm/data/ of the build (never of the checkout), where
soulterm.paths finds them once installed. An editable install needs no copy:
paths.py finds the checkout's folders beside the package.
"""

import runpy
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
# Read, not imported: the package itself need not be importable at build time.
SHIPPED_FOLDERS = runpy.run_path(str(HERE / "soulterm" / "paths.py"))["SHIPPED_FOLDERS"]
SKIPPED = shutil.ignore_patterns("checkpoints", "__pycache__", "*.pyc")


class BuildWithShippedFiles(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        data = Path(self.build_lib) / "soulterm" / "data"
        for folder in SHIPPED_FOLDERS:
            target = data / folder
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(HERE / folder, target, ignore=SKIPPED)


setup(cmdclass={"build_py": BuildWithShippedFiles})
