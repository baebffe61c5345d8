"""Keys whose LUT weight a bound from their top bit planes proves 0, counted on the engine's reply steps.

attention's weight of key j is EXP_LUT[min(127, max f - f[j])] (f = q.k >> 14), and the LUT's only 0 is
at 127: a key whose score lies 127 or more below the head's max has weight 0, and its exact score is never
needed. pl_keys (kernels/z80/attention.s) scores each key by its planes (k + 1024, 11 of them, plane 10
complemented), ~1,275 T-states a key. This benchmark asks how many keys a bound from a key's top planes
would let pl_keys leave unscored, exactly for any soul:

- a key's planes r..10 give K_r = ((k + 1024) >> r) << r - 1024 (per dimension), and its low planes add
  0..2^r - 1 to each dimension, so q.K_r + sum(min(q, 0)) (2^r - 1) <= q.k <= q.K_r + sum(max(q, 0)) (2^r - 1);
- with lo[j] and hi[j] those bounds >> 14, max f >= max lo, so a key with max lo - hi[j] >= 127 has
  max f - f[j] >= 127: weight 0, whatever order the keys are scored in (no running max is needed).

For each prompt (TEXT, `--everyday`'s ten, or a prompts file's, each its own turn from a new context, as
the engine's reply), a reply step's mean over both layers' heads: the keys scored, those of weight 0 (the
most any bound could leave), and for r = 3..10 (11 - r top planes read first) the keys the bound proves 0.
Then what a two-pass pl_keys would net a step: the bound's pass over every key (11 - r planes, PLANE
T-states each, and TEST a key) against pl_keys' whole key (KEY) less a skipped key's own end (SKIPPED_END)
for each key proved 0. pl_keys' low-to-high form (R = (R >> 1) + P_b, the shifted-out bits dropped) cannot
hand a top planes' R on to the low planes' pass, so a key that is not proved 0 is scored again from plane 0;
the kept form (KEPT_BIT's comment) keeps the bits the top planes' shifts drop so that it can, and pays for
that on every key.
The T-state figures are pl_keys' (its header: 98 a plane; the thirtieth round's zxlong30: ~1,275 a key)
and the instructions a form would add (the constants below), not a built kernel's.

    python benchmarks/z80_key_bounds.py [TEXT | --everyday | --prompts FILE]
"""

from __future__ import annotations

import statistics

import numpy as np

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.player.bench import prompts_from_command_line
from soulterm.soul import intmath, spec
from soulterm.soul.engine import D, H, Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer

PLANES = 11                     # pl_store's planes of k + 1024 (a key in -1024..1023)
ZERO_GAP = len(spec.exp_lut()) - 1   # EXP_LUT's only 0 (127): max f - f at or past it is weight 0
LOW_PLANES = range(3, PLANES)   # r: the low planes the bound leaves unread
PLANE = 98                      # pl_keys' T-states a plane (attention.s's pl_keys header)
KEY = 1_275                     # pl_keys' T-states a key, all planes and its end (zxlong30's measure)
TEST = 13 + 13 + 4 + 7 + 10     # the bound pass a key: its R's high byte stored (ld (hl),c / inc l, 13 with
                                # the pointer's), the bound's compare against max lo (ld a,(nn) / sub c, 13;
                                # sbc or test, 4; jr, 7) and the pass's loop (10)
SKIPPED_END = 7 + 7 + 6 + 7 + 6 + 10   # a key proved 0 still writes a score far below the max for the
                                # weights' loop (ld (hl),n / inc l twice, then its loop's end)
# The kept form: the top planes' pass keeps the bits its shifts drop (rr b, as pl_keys before the
# eighteenth round: 106 a plane, not 98) and stores R and them (3 bytes a key), so that a key not proved 0
# runs only its low planes and adds them in: R = R_top + ((kept + floor(L / 2^r)) >> (10 - r)).
KEPT_BIT = 106 - 98             # a top plane's rr b
TOP_STORE = 3 * (7 + 4)         # R's two bytes and the kept byte stored (ld (hl),r / inc l)
TOP_RELOAD = 3 * (7 + 4)        # and read back by the low planes' pass
LOW_SHIFT = 16                  # the low planes' R shifted once more: floor(L / 2^r)
COMBINE_ADD = 30                # kept + floor(L / 2^r) in 17 bits, then R_top added
COMBINE_SHIFT = 18              # each of the 10 - r shifts of the 17-bit sum
PASS_LOOP = 10                  # the low planes' pass's own loop a key
END_REST = KEY - PLANES * PLANE # pl_keys' end a key: the final shifts, the max, the score


def top_plane_bounds(q, keys, low_planes: int):
    """(lo, hi): bounds on each key's f = q.k >> 14 from its planes low_planes and up only (module
    docstring). q: (8,) ints; keys: (n, 8) ints. The planes of k + 1024 (or k + 2048, a 12-plane key's)
    above low_planes < 11 are those of k's two's complement: the top part is (k >> r) << r either way."""
    low_max = (1 << low_planes) - 1
    partial = ((keys >> low_planes) << low_planes) @ q
    lo = (partial + int(np.minimum(q, 0).sum()) * low_max) >> spec.SCORE_SHIFT
    hi = (partial + int(np.maximum(q, 0).sum()) * low_max) >> spec.SCORE_SHIFT
    return lo, hi


def proved_zero(q, keys, low_planes: int):
    """A bool a key: its top planes prove its LUT weight 0 against the largest lower bound of the head's
    keys (the max f is at least that)."""
    lo, hi = top_plane_bounds(q, keys, low_planes)
    return lo.max() - hi >= ZERO_GAP


def norm_proved_zero(q, keys, f_max: int):
    """The norm bound's keys proved 0, even against the head's final max f (the most it could prove): q.k
    <= min(|q|_1 max|k|, max|q| |k|_1), each key's norms kept as it enters the cache."""
    magnitudes = np.abs(keys)
    bound = np.minimum(int(np.abs(q).sum()) * magnitudes.max(axis=1), int(np.abs(q).max()) * magnitudes.sum(axis=1))
    return f_max - (bound >> spec.SCORE_SHIFT) >= ZERO_GAP


def reply_step_counts(engine, tokenizer, prompt: str) -> tuple[int, dict]:
    """The reply steps of `prompt`'s turn and their counts over both layers' heads: keys, zero (weight
    0) and r (keys proved 0 with r low planes unread), each checked against the engine's weights."""
    reply = engine.reply(tokenizer, prompt)
    state, reference, tokens = engine.new_state(), engine.new_state(), reply.context + reply.ids
    counts = dict.fromkeys(["keys", "zero", "norm", *LOW_PLANES], 0)
    for index, token in enumerate(tokens):
        t = state.length
        h = intmath.sat16(engine.te_q88[token] + engine.pe_q88[t])
        reply_step = index >= len(reply.context)
        heads_weights = [None] * len(engine.layers)
        for li, layer in enumerate(engine.layers):
            xn = intmath.rmsnorm(h, layer.n1, layer.s_n1)
            q, k, v = layer.qkv_of(xn)
            state.keys[li, t], state.values[li, t] = k.reshape(H, D), v.reshape(H, D)
            heads_q, keys = q.reshape(H, D), state.keys[li, :t + 1]
            att, luts = [], []
            for head in range(H):
                out, weights = intmath.attention_head(heads_q[head], keys[:, head], state.values[li, :t + 1, head])
                att.append(out)
                luts.append(weights)
                if reply_step:
                    counts["keys"] += t + 1
                    counts["zero"] += int((weights == 0).sum())
                    f_max = int(((keys[:, head] @ heads_q[head]) >> spec.SCORE_SHIFT).max())
                    norm = norm_proved_zero(heads_q[head], keys[:, head], f_max)
                    assert not weights[norm].any(), "a key the norms prove 0 has a weight"
                    counts["norm"] += int(norm.sum())
                    for low_planes in LOW_PLANES:
                        proved = proved_zero(heads_q[head], keys[:, head], low_planes)
                        assert not weights[proved].any(), "a key proved 0 has a weight"
                        counts[low_planes] += int(proved.sum())
            h = layer.feed_forward(layer.attention_out(h, np.concatenate(att)))
            heads_weights[li] = np.stack(luts)
        state.tokens.append(token)
        engine.step(reference, token)
        assert all((mine == theirs).all() for mine, theirs in zip(heads_weights, reference.last.attention_lut)), \
            "the weights differ from the engine's step"
    return len(tokens) - len(reply.context), counts


def net_saving(keys: float, proved: float, low_planes: int) -> float:
    """A two-pass pl_keys' T-states saved a step (module docstring): positive pays."""
    return proved * (KEY - SKIPPED_END) - keys * ((PLANES - low_planes) * PLANE + TEST)


def kept_net_saving(keys: float, proved: float, low_planes: int) -> float:
    """The kept form's T-states saved a step (KEPT_BIT's comment): a key proved 0 leaves its low planes and
    its end, every other key pays the kept bits, the stores, the reloads and the combining."""
    top = PLANES - low_planes
    bound_pass = top * KEPT_BIT + TEST + TOP_STORE
    skipped = low_planes * PLANE + END_REST - SKIPPED_END - bound_pass
    scored = bound_pass + LOW_SHIFT + TOP_RELOAD + COMBINE_ADD + (top - 1) * COMBINE_SHIFT + PASS_LOOP
    return proved * skipped - (keys - proved) * scored


def ceiling(zero: float) -> float:
    """The most fewer keys scored could save a step: every key of weight 0 left unscored, for nothing."""
    return zero * (KEY - SKIPPED_END)


def main() -> None:
    prompts = prompts_from_command_line(__doc__.splitlines()[0])
    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    engine = Engine(soul)
    print(f"{'prompt':20} {'keys':>5} {'zero':>5} {'ceil':>7} {'norm':>5} " + " ".join(f"{'r' + str(r):>5}" for r in LOW_PLANES)
          + "  best net (r)")
    rows = []
    for prompt in prompts:
        steps, counts = reply_step_counts(engine, tokenizer, prompt)
        per = {what: count / steps for what, count in counts.items()}
        nets = {r: net_saving(per["keys"], per[r], r) for r in LOW_PLANES}
        best = max(nets, key=nets.get)
        rows.append((per, nets))
        print(f"{prompt[:20]:20} {per['keys']:>5.0f} {per['zero']:>5.1f} {ceiling(per['zero']):>7,.0f} {per['norm']:>5.1f} "
              + " ".join(f"{per[r]:>5.1f}" for r in LOW_PLANES) + f"  {nets[best]:>+8,.0f} ({best})")
    print(f"{len(prompts)} prompts, a reply step's means; medians: keys {statistics.median(p['keys'] for p, _ in rows):.0f}, "
          f"weight 0 {statistics.median(p['zero'] for p, _ in rows):.1f} (the ceiling "
          f"{ceiling(statistics.median(p['zero'] for p, _ in rows)):,.0f} a step), the norms' {statistics.median(p['norm'] for p, _ in rows):.1f}")
    for r in LOW_PLANES:
        print(f"r = {r} ({PLANES - r} top planes first): proved 0 median {statistics.median(p[r] for p, _ in rows):.1f}, "
              f"net a step median {statistics.median(n[r] for _, n in rows):+,.0f}, "
              f"best prompt {max(n[r] for _, n in rows):+,.0f}; the kept form's median "
              f"{statistics.median(kept_net_saving(p['keys'], p[r], r) for p, _ in rows):+,.0f}, best prompt "
              f"{max(kept_net_saving(p['keys'], p[r], r) for p, _ in rows):+,.0f}")


if __name__ == "__main__":
    main()
