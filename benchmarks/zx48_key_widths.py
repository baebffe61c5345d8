"""The 48K's pl_keys (kernels/z80/planekeys48.s) by its keys' widths: narrow keys (every word in -1024..1023) against
wide ones (some word beyond), on the kernels' bench, and how many of the keys a reply step scores are narrow.

pl_keys scores a head's keys from their packed planes 0..11 of k + 2048 (plane 11 kept complemented). Since the
thirty-fifth round (zx48keys35) a key whose planes 10 and (complemented) 11 are one byte, i.e. every word of it in
-1024..1023, takes plane 10 as its last (subtracted) plane and one shift more: one plane fewer. This measures:

- pl_keys a key and head on the 48K's kernels' bench, for heads of narrow keys, of wide keys (each with a word
  beyond -1024..1023) and of a mix, each head checked against intmath (the T-states of a head of SPAN keys less
  those of a head of 1, over SPAN - 1), and pl_keys' bytes; the same heads on the 128K's kernels' bench (its
  planes as two index bytes a plane, a narrow key 11 planes of k + 1024 and a mark; the bench's 4-byte scores, as
  the 48K's: the 128K player's AT_SHORT_SCORES is not on it), for where the packed form costs more;
- the engine's keys: of the key-and-head pairs the reply steps' scores take (both layers, every head, each step's
  keys so far), the share that is narrow, on "hello" (or TEXT, the ten, a prompts file's); and the share within
  -512..511, which a second level (planes 9, 10 and 11 one byte) would take.

    python benchmarks/zx48_key_widths.py [TEXT | --everyday | --prompts FILE]
"""

from __future__ import annotations

import numpy as np

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.player.bench import prompts_from_command_line
from soulterm.soul import spec
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx.kernelbench import Z80Bench, player_kernel_options

from z80_profile import routine_of
from zx48_key_planes import timed_head

PACKED_OPTION = "PL_PACKED = 1"         # attention.s's 48K form (kernels/z80/planekeys48.s)
SPAN = 20                               # the keys of the bench's long head (its short one: 1)
NARROW = 1024                           # a narrow key's words lie in -NARROW..NARROW - 1
NARROWER = 512                          # (a second level, weighed: planes 9, 10 and 11 one byte)


def bench_per_key(model: str = "48k") -> dict:
    """pl_keys' T-states a key and head on `model`'s kernels' bench (the 48K's with PL_PACKED) for narrow, wide and
    mixed keys, every head exact against intmath; and pl_keys' bytes (the 48K's)."""
    options = (player_kernel_options("48k", plane_scores=True, fast_scores=False, bench=True) + "\n" + PACKED_OPTION
               if model == "48k" else player_kernel_options("128k"))
    bench = Z80Bench(options=options)
    name_of = routine_of(bench)

    def pl_keys_t_states(q, keys, count: int) -> int:
        return timed_head(bench, name_of, q, keys, count)[0]["pl_keys"]

    rng = np.random.default_rng(35)
    q = rng.integers(-2048, 2048, 8)
    narrow = rng.integers(-NARROW, NARROW, (SPAN, spec.N_HEADS, 8))
    wide = narrow.copy()
    wide[:, :, 0] = rng.choice([-2048, -1025, 1024, 2047], (SPAN, spec.N_HEADS))   # (one word beyond: a wide key)
    mixed = np.where(rng.random((SPAN, 1, 1)) < 0.5, narrow, wide)
    figures = {}
    for name, keys in (("narrow", narrow), ("wide", wide), ("mixed", mixed)):
        short, long = pl_keys_t_states(q, keys, 1), pl_keys_t_states(q, keys, SPAN)
        figures[name] = (long - short) / (SPAN - 1)
    if model == "48k":
        figures["bytes"] = bench.symbols["pl_store"] - bench.symbols["pl_keys"]
    return figures


def narrow_share(prompts: list[str], limit: int = NARROW) -> tuple[int, int]:
    """(narrow, all) key-and-head pairs the reply steps of `prompts`' turns score, on the engine's keys (narrow: every
    word in -limit..limit - 1)."""
    engine, tokenizer = Engine(load_soul(DEFAULT_SOUL)), Tokenizer.load(DEFAULT_TOKENIZER)
    narrow = scored = 0
    for prompt in prompts:
        reply = engine.reply(tokenizer, prompt)
        state = engine.new_state()
        for index, token in enumerate(reply.context + reply.ids):
            engine.step(state, token)
            if index < len(reply.context):
                continue
            keys = state.keys[:, :state.length]         # [layer][position][head][dimension]
            fits = ((keys >= -limit) & (keys < limit)).all(axis=-1)
            narrow += int(fits.sum())
            scored += fits.size
    return narrow, scored


def main() -> None:
    prompts = prompts_from_command_line(__doc__)
    figures = bench_per_key()
    print("pl_keys on the 48K's kernels' bench (every head exact), T-states a key and head: "
          f"narrow {figures['narrow']:,.1f}, wide {figures['wide']:,.1f}, half and half {figures['mixed']:,.1f}; "
          f"pl_keys {figures['bytes']} bytes")
    figures_128k = bench_per_key("128k")
    print("the same heads on the 128K's kernels' bench (4-byte scores): "
          f"narrow {figures_128k['narrow']:,.1f}, wide {figures_128k['wide']:,.1f}, half and half "
          f"{figures_128k['mixed']:,.1f}")
    narrow, scored = narrow_share(prompts)
    share = narrow / scored
    print(f"{len(prompts)} prompt(s): {narrow:,} of the {scored:,} keys and heads the reply steps score are narrow "
          f"({share:.1%}); at the bench's figures a key and head costs "
          f"{share * figures['narrow'] + (1 - share) * figures['wide']:,.1f} on them")
    narrower, _ = narrow_share(prompts, NARROWER)
    print(f"  every word in -{NARROWER}..{NARROWER - 1} (a second level's keys): {narrower:,} ({narrower / scored:.1%})")


if __name__ == "__main__":
    main()
