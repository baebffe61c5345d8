"""T-states of the 48K player's RMSNorm with and without RN_UNIT_PUSHED (kernels/z80/rmsnorm.s, thirty-fifth round,
zx48fixed35: the unclamped unit loop reads x from its end and pushes each y into out from out's end, inv kept in BC,
a negative x floored by the product's low word with no neg32), and of fw_embed_rows with and without
EMBED_TE_SHIFT (embedrows.s's chains their shifts' lengths, no jr into them).

The 48K player's norm options (RN_CLAMPED_UNIT, RN_SHORT_SHIFTS, RN_UNIT_GAIN_BITS = 6, RN_UNIT_SHIFT = 2: the
shipped soul's gains 64 and shift 8) on the kernels' bench: a norm of 32 words whose root is 5 and 16 (clamped: no
product, the same loop in both) and 17, 40 and 150 (mul16u's unit loop), x at $A000 and out right above it at
$A040 (forward.s's fw_h and fw_xn), the mean of 20 draws each, every output checked against intmath; then the
kernel's bytes in each form. Then the embedding (te and pe at the shipped soul's shifts 3 and 4, packed as the
48K's) with and without EMBED_TE_SHIFT, each checked against intmath.

    python benchmarks/zx48_norm_pushed.py
"""

from __future__ import annotations

import numpy as np

from soulterm.paths import DEFAULT_SOUL
from soulterm.soul import intmath, spec
from soulterm.soul.soulfile import load_soul
from soulterm.zx.build import embed_shift_options
from soulterm.zx.kernelbench import CLAMPED_UNIT_OPTION, SHORT_SHIFTS_OPTION, Z80Bench
from soulterm.zx.soul_layout import soul_include

OPTIONS = [CLAMPED_UNIT_OPTION, SHORT_SHIFTS_OPTION, "RN_UNIT_GAIN_BITS = 6", "RN_UNIT_SHIFT = 2"]
GAIN_BITS, SHIFT = 6, 8
DRAWS = 20
X_AT, OUT_AT = 0xA000, 0xA040       # (out right above x, as fw_xn above fw_h)
EMBED_OPTIONS = "EMBED_CHAINS_ONLY = 1\nVEC_FUSED_STORES = 1\nSOUL_PACKED = 1\nEM_ROWS_BY_SP = 1\nEM_ROW_MARKS = 1"


def norm_cost(bench: Z80Bench, x: np.ndarray) -> int:
    """One rmsnorm call on x (at X_AT, gains at $A100, out at OUT_AT), checked against intmath; its T-states."""
    bench.write_words(X_AT, x)
    bench.poke_word(bench.sym("rn_x"), X_AT)
    bench.poke(0xA100, bytes([1 << GAIN_BITS] * 32))
    bench.poke_word(bench.sym("rn_gain"), 0xA100)
    bench.poke(bench.sym("rn_shift"), [SHIFT])
    bench.poke_word(bench.sym("rn_out"), OUT_AT)
    t_states = bench.call("rmsnorm")
    assert np.array_equal(bench.read_words(OUT_AT, 32), intmath.rmsnorm(x, np.full(32, 1 << GAIN_BITS), SHIFT))
    return t_states


def embed_cost(bench: Z80Bench, soul, token: int, position: int) -> int:
    """fw_embed of (token, position), checked against intmath; its T-states."""
    bench.poke(bench.sym("fw_token"), [token])
    bench.poke(bench.sym("fw_pos"), [position])
    t_states = bench.call("fw_embed")
    want = intmath.embed(soul["te"].values.reshape(-1, spec.EMBED_DIM)[token], soul["te"].shift,
                         soul["pe"].values.reshape(-1, spec.EMBED_DIM)[position], soul["pe"].shift)
    assert np.array_equal(bench.read_words(bench.sym("fw_h"), spec.EMBED_DIM), want), (token, position)
    return t_states


def main() -> None:
    forms = {"RN_UNIT_SHIFT (main)": Z80Bench(options="\n".join(OPTIONS)),
             "RN_UNIT_PUSHED": Z80Bench(options="\n".join(OPTIONS + ["RN_UNIT_PUSHED = 1"]))}
    print(f"{'root':>6}" + "".join(f"{name:>24}" for name in forms) + f"{'saved':>10}")
    for root in (5, 16, 17, 40, 150):
        rng = np.random.default_rng(root)
        draws = [16 * root * rng.choice([-1, 1], 32) + rng.integers(0, 16, 32) for _ in range(DRAWS)]
        means = [sum(norm_cost(bench, x) for x in draws) / DRAWS for bench in forms.values()]
        print(f"{root:>6}" + "".join(f"{mean:>24,.1f}" for mean in means) + f"{means[0] - means[1]:>10,.1f}")
    ends = [bench.program.end for bench in forms.values()]
    print(f"the bench's program (rmsnorm.s's code) {ends[0] - ends[1]} bytes shorter with RN_UNIT_PUSHED "
          "(the player's fw_norm_kept, 20 bytes below $8000, not on the bench)")

    soul = load_soul(DEFAULT_SOUL)
    source = '.include "forward.s"\n' + soul_include(soul)
    embeds = {"jr into the chains (main)": Z80Bench(source, options=EMBED_OPTIONS),
              "EMBED_TE_SHIFT": Z80Bench(source, options=EMBED_OPTIONS + "\n" + "\n".join(embed_shift_options(soul)))}
    pairs = [(token, position) for token in (spec.SEP, 40, 77, 120) for position in (0, 5, 13, 19)]
    means = [sum(embed_cost(bench, soul, *pair) for pair in pairs) / len(pairs) for bench in embeds.values()]
    for name, mean in zip(embeds, means):
        print(f"fw_embed, {name}: {mean:,.1f} T-states (the mean of {len(pairs)} tokens and positions)")
    print(f"saved {means[0] - means[1]:,.1f} a position")


if __name__ == "__main__":
    main()
