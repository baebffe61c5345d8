"""`python -m soulterm` is the same as the `soulterm` command."""

import sys

from soulterm.cli import main

sys.exit(main())
