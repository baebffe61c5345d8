"""pl_keys' max test by f's high byte first, weighed on the engine's reply steps (thirty-fourth round, zxkeys34).

pl_keys (kernels/z80/attention.s) keeps the head's max f so far in IX and tests each key's f (C:A, 16 bits)
against it whole: `sub ixl / ld a,c / sbc a,ixh / jp m`, SIXTEEN_BIT T-states a key. A test of the high bytes
first (`ld a,c / sub ixh / jp m`) would take HIGH_BELOW where f's high byte lies below the max's, and HIGH_NOT_BELOW
where it does not (`jr nz` to a new max, else the low bytes by `ld a,(hl) / cp ixl / jr c`). It pays only if
enough keys' high bytes lie below the running max's: this counts them, key by key in pl_keys' order (key 0 sets
the max; each later key is tested against the max of the keys before it), over both layers' heads of every reply
step of each prompt's turn (TEXT, `--everyday`'s ten, or a prompts file's, each from a new context as the
engine's reply), every head's f checked against intmath.attention_head's weights. Prints a line a prompt and the
share over the set, with the T-states the high-first test would save a key (negative: it loses).

    python benchmarks/z80_max_tests.py [TEXT | --everyday | --prompts FILE]
"""

from __future__ import annotations

import numpy as np

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.player.bench import prompts_from_command_line
from soulterm.soul import intmath, spec
from soulterm.soul.engine import D, H, Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer

SIXTEEN_BIT = 8 + 4 + 8 + 10    # sub ixl, ld a,c, sbc a,ixh, jp m (not taken: the usual)
HIGH_BELOW = 4 + 8 + 10         # ld a,c, sub ixh, jp m taken
HIGH_NOT_BELOW = 4 + 8 + 10 + 7 + 7 + 8 + 12   # and jr nz not taken, ld a,(hl), cp ixl, jr c taken (equal bytes)


def high_bytes_below(f) -> tuple[int, int]:
    """(keys after key 0 whose f's high byte lies below the running max's, keys after key 0)."""
    f = np.asarray(f, dtype=np.int64)
    running = np.maximum.accumulate(f)[:-1]
    return int(((f[1:] >> 8) < (running >> 8)).sum()), len(f) - 1


def saved_a_key(below: int, tested: int) -> float:
    """What the high-first test would save a key against the 16-bit test (negative: it costs more)."""
    return SIXTEEN_BIT - (below * HIGH_BELOW + (tested - below) * HIGH_NOT_BELOW) / tested


def reply_step_counts(engine, tokenizer, prompt: str) -> tuple[int, int]:
    """(below, tested) over the reply steps of `prompt`'s turn, both layers' heads."""
    reply = engine.reply(tokenizer, prompt)
    state, below, tested = engine.new_state(), 0, 0
    for index, token in enumerate(reply.context + reply.ids):
        t = state.length
        h = intmath.sat16(engine.te_q88[token] + engine.pe_q88[t])
        for li, layer in enumerate(engine.layers):
            xn = intmath.rmsnorm(h, layer.n1, layer.s_n1)
            q, k, v = layer.qkv_of(xn)
            state.keys[li, t], state.values[li, t] = k.reshape(H, D), v.reshape(H, D)
            heads_q, att = q.reshape(H, D), []
            for head in range(H):
                keys, values = state.keys[li, :t + 1, head], state.values[li, :t + 1, head]
                out, weights = intmath.attention_head(heads_q[head], keys, values)
                att.append(out)
                if index >= len(reply.context):
                    f = (keys @ heads_q[head]) >> spec.SCORE_SHIFT
                    lut = np.asarray(spec.exp_lut())[np.minimum(127, f.max() - f)]
                    assert np.array_equal(lut, weights), "f differs from the engine's scores"
                    counted = high_bytes_below(f)
                    below, tested = below + counted[0], tested + counted[1]
            h = layer.feed_forward(layer.attention_out(h, np.concatenate(att)))
        state.tokens.append(token)
    return below, tested


def main() -> None:
    prompts = prompts_from_command_line(__doc__.splitlines()[0])
    engine, tokenizer = Engine(load_soul(DEFAULT_SOUL)), Tokenizer.load(DEFAULT_TOKENIZER)
    print(f"{'prompt':24} {'tested':>7} {'below':>7} {'share':>6} {'saved a key':>12}")
    all_below = all_tested = 0
    for prompt in prompts:
        below, tested = reply_step_counts(engine, tokenizer, prompt)
        all_below, all_tested = all_below + below, all_tested + tested
        print(f"{prompt[:24]:24} {tested:>7,} {below:>7,} {below / tested:>6.1%} {saved_a_key(below, tested):>+12.1f}")
    breakeven = (HIGH_NOT_BELOW - SIXTEEN_BIT) / (HIGH_NOT_BELOW - HIGH_BELOW)
    print(f"{len(prompts)} prompts: {all_below:,} of {all_tested:,} keys ({all_below / all_tested:.1%}) below the running "
          f"max's high byte; the high-first test {saved_a_key(all_below, all_tested):+.1f} T-states a key "
          f"(it pays from {breakeven:.1%} below)")


if __name__ == "__main__":
    main()
