"""benchmarks/z80_token.py on a 48K player whose ladder takes the spends named, not those that fit.

build.py's 48K ladder (spends_that_fit) takes each of SPENDS_48K in order where it still fits; to
measure what one spend buys, this runs z80_token.py (every step checked against the engine) with
the ladder's choice replaced by the spends named that are in its list, in its order (the build's
room is not checked: a set that does not fit the real 48K still runs on the bench's 64K; the shipped soul's build with
them says its bytes free first, thirty-sixth round).

    python benchmarks/zx48_forced_spends.py MV_HZ_ENDS AT_FAST_SUMS_JP ... -- [z80_token.py's arguments]

e.g. the thirtieth round's AT_FAST_RANGE_APART measured by leaving it out:
    python benchmarks/zx48_forced_spends.py MV_HZ_ENDS AT_FAST_SUMS_JP AT_FAST_DIMS_JP AT_FAST_H4_APART -- hello
The names may be any that build.spends_48k gives a rung (SPENDS_48K's, FIRST_SPENDS_48K's and LAST_SPENDS_48K's:
thirty-sixth round), e.g. the shipped 48K without EM_BIT_CHAIN:
    python benchmarks/zx48_forced_spends.py AT_TABLE_BY_DIMENSION WP_NARROW_MARK_OUT MV_HZ_ENDS AT_SKIP_LEADING_ZEROS \
        EM_ROW_MARKS NZ_SHORT_MADE KV_SCATTER_POPS -- hello
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import soulterm.zx.build as zx_build


def main() -> None:
    if "--" not in sys.argv:
        raise SystemExit(__doc__)
    split = sys.argv.index("--")
    forced = tuple(sys.argv[1:split])
    known = tuple(dict.fromkeys(zx_build.SPENDS_48K + zx_build.PLANES_SPENDS_48K))      # (spends_48k's names, every rung's)
    unknown = [name for name in forced if name not in known]
    if unknown:
        raise SystemExit(f"not among build.spends_48k's names: {', '.join(unknown)}")
    zx_build.spends_that_fit = lambda fits, spends=zx_build.SPENDS_48K: tuple(
        name for name in spends if name in forced)
    from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER

    built = zx_build.assemble_spectrum_player(DEFAULT_SOUL, DEFAULT_TOKENIZER)     # (its room, were it the 48K's)
    print(f"the shipped soul's 48K with these spends: {built.free_bytes:,} bytes free")
    token = Path(__file__).with_name("z80_token.py")
    sys.argv = [str(token)] + sys.argv[split + 1:]
    runpy.run_path(str(token), run_name="__main__")


if __name__ == "__main__":
    main()
