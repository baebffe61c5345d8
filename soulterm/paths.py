"""Where the project's shipped files live: models/, disk/, kernels/.

The defaults of every command resolve against the project root (the folder
holding the soulterm package), so `soulterm chat` works from any directory.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODELS_DIR = ROOT / "models"
DISK_DIR = ROOT / "disk"
KERNELS_DIR = ROOT / "kernels"

DEFAULT_SOUL = MODELS_DIR / "soul.bin"
DEFAULT_TOKENIZER = MODELS_DIR / "tokenizer.json"
DEFAULT_CORPUS = MODELS_DIR / "corpus.txt"
DEFAULT_D64 = DISK_DIR / "soulplayer.d64"
DEFAULT_PRG = DISK_DIR / "soulplayer.prg"
DEFAULT_MAP = DISK_DIR / "soulplayer.map.json"
