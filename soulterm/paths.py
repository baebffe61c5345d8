"""Where things are: the shipped files (models/, disk/, kernels/) and the user's own.

The single place that knows. In a checkout (and an editable install) the
shipped files are the top-level folders beside the package, the source of
truth. A wheel carries copies of them inside the package, under
`soulterm/data/` (setup.py's build step puts them there), and they are
found there instead. Either way, every command's defaults resolve here, so
soulterm works from any directory.

What the user makes (trained souls, built disks, checkpoints) never goes
beside the shipped files: it goes where the user says, or into a per-user
data folder (platformdirs; SOULTERM_DATA_DIR overrides it).
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
CHECKOUT_DIR = PACKAGE_DIR.parent
BUNDLED_DIR = PACKAGE_DIR / "data"

# The top-level folders a wheel carries into BUNDLED_DIR.
SHIPPED_FOLDERS = ("models", "disk", "kernels")

MAIN_KERNEL = "soulplayer.s"
SOUL_NAME = "soul.bin"
TOKENIZER_NAME = "tokenizer.json"
CORPUS_NAME = "corpus.txt"
D64_NAME = "soulplayer.d64"
PRG_NAME = "soulplayer.prg"
MAP_NAME = "soulplayer.map.json"
TAP_NAME = "soulplayer.tap"                  # `soulterm build --machine zx` writes it...
TAP_NAME_128K = "soulplayer128.tap"          # (`--machine zx128`: the 128K player)
ZX_MAP_SUFFIX = "-zx.map.json"               # ...and its map beside it, named after the tape
ZX_MAP_NAME = Path(TAP_NAME).stem + ZX_MAP_SUFFIX


def _is_checkout(folder: Path) -> bool:
    return (folder / "pyproject.toml").is_file() and (folder / "kernels" / MAIN_KERNEL).is_file()


IS_CHECKOUT = _is_checkout(CHECKOUT_DIR)
# The folder holding models/, disk/ and kernels/ (the build map's source
# paths, "kernels/x.s", are relative to it).
ROOT = CHECKOUT_DIR if IS_CHECKOUT else BUNDLED_DIR
MODELS_DIR = ROOT / "models"
DISK_DIR = ROOT / "disk"
KERNELS_DIR = ROOT / "kernels"

DEFAULT_SOUL = MODELS_DIR / SOUL_NAME
DEFAULT_TOKENIZER = MODELS_DIR / TOKENIZER_NAME
DEFAULT_CORPUS = MODELS_DIR / CORPUS_NAME
DEFAULT_D64 = DISK_DIR / D64_NAME
DEFAULT_PRG = DISK_DIR / PRG_NAME
DEFAULT_MAP = DISK_DIR / MAP_NAME
DEFAULT_TAP = DISK_DIR / TAP_NAME

# Only in a checkout: the project's reference vectors (python -m soulterm.soul.reference).
REFERENCE_DIR = CHECKOUT_DIR / "tests" / "reference"


def user_data_dir() -> Path:
    """The per-user folder for what soulterm makes (~/.local/share/soulterm on Linux)."""
    override = os.environ.get("SOULTERM_DATA_DIR")
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("soulterm", appauthor=False))


def user_soul_dir() -> Path:
    """Default output of `soulterm train`: soul.bin, tokenizer.json, checkpoints/."""
    return user_data_dir() / "soul"


def user_disk_dir() -> Path:
    """Default output of `soulterm build`: the PRG, D64 and map."""
    return user_data_dir() / "disk"


def tokenizer_beside(soul: Path) -> Path:
    """The tokenizer that belongs to a soul: tokenizer.json in the same folder."""
    return Path(soul).with_name(TOKENIZER_NAME)
