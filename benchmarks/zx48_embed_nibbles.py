"""T-states of the 48K player's embedding with and without EM_NIBBLES (vecops.s's em_unpack, thirty-seventh round,
zx48embnorm37: te's and pe's rows as their codes' top 4 bits, two a byte, then a stream of their w - 4 low bits, in
place of a stream of all w bits), on the kernels' bench.

The shipped soul's te and pe packed as the 48K packs them (SOUL_PACKED, EM_ROW_MARKS, EMBED_TE_SHIFT): fw_embed for
every token the tokenizer can make at positions 0, 5, 13 and 19, each h checked against intmath, the mean; then
em_unpack's bytes and the packed tables' (the same: every row of the shipped soul takes a width of 4 or more), and
the rows' widths.

    python benchmarks/zx48_embed_nibbles.py
"""

from __future__ import annotations

from collections import Counter

from soulterm.paths import DEFAULT_SOUL
from soulterm.soul import spec
from soulterm.soul.soulfile import load_soul
from soulterm.zx.build import embed_shift_options
from soulterm.zx.kernelbench import NIBBLES_OPTION, ROW_MARKS_OPTION, SOUL_PACKED_OPTION, Z80Bench
from soulterm.zx.soul_layout import NEVER_FED, PACK_KEPT_MARK_ROWS, packed_rows, soul_include
from zx48_norm_pushed import embed_cost

EMBED_OPTIONS = ["EMBED_CHAINS_ONLY = 1", "VEC_FUSED_STORES = 1", SOUL_PACKED_OPTION, "EM_ROWS_BY_SP = 1",
                 ROW_MARKS_OPTION]
POSITIONS = (0, 5, 13, 19)


def main() -> None:
    soul = load_soul(DEFAULT_SOUL)
    source = '.include "forward.s"\n' + soul_include(soul)
    options = EMBED_OPTIONS + embed_shift_options(soul)
    forms = {"bits (no EM_NIBBLES)": Z80Bench(source, options="\n".join(options)),
             "EM_NIBBLES": Z80Bench(source, options="\n".join(options + [NIBBLES_OPTION]))}
    rows = soul["te"].values.reshape(-1, spec.EMBED_DIM).shape[0]
    tokens = [token for token in range(rows) if token not in NEVER_FED["te"]]
    pairs = [(token, position) for token in tokens for position in POSITIONS]
    means = {}
    for name, bench in forms.items():
        means[name] = sum(embed_cost(bench, soul, *pair) for pair in pairs) / len(pairs)
        unpack = bench.sym("em_unpack")
        ends = sorted(address for label, address in bench.program.symbols.items()
                      if not label.startswith("em_unpack") and address > unpack)
        print(f"fw_embed, {name}: {means[name]:,.1f} T-states (the mean of {len(pairs)} tokens and positions); "
              f"em_unpack {ends[0] - unpack} bytes")
    print(f"saved {means['bits (no EM_NIBBLES)'] - means['EM_NIBBLES']:,.1f} a position")
    for name in ("te", "pe"):
        values = soul[name].values.reshape(-1, spec.EMBED_DIM)
        sizes = [len(packed_rows(values, NEVER_FED.get(name, ()), PACK_KEPT_MARK_ROWS, nibbles)[2])
                 for nibbles in (False, True)]
        widths = Counter(min(size >> 2, 8) for size in packed_rows(values, NEVER_FED.get(name, ()), nibbles=True)[0]
                         if size)
        print(f"{name}: {sizes[0]:,} bytes of rows as bits, {sizes[1]:,} with EM_NIBBLES; its rows' widths "
              + ", ".join(f"{w}: {count}" for w, count in sorted(widths.items())))


if __name__ == "__main__":
    main()
