"""How much of a reply step could a bound skip? The logits' margins and two candidate cuts, counted (issue 16).

A reply step's extra over a prompt position (python benchmarks/z80_step_phases.py) is layer 1's q,
heads, proj, fc1 and fc2, the final norm and the logits, of which only the argmax is read. On the
integer engine's own vectors (every position whose logits a reply reads: a prompt's last and each
generated token's) for the prompts given, this counts:

- the logits' coarse bound as the 128K runs it (logitsraw.s: rows as D >> 8, argmax T, threshold
  min(T, top) - slack, every row at or above it computed again unless T is alone; kernelbench's
  coarse_doubled and raw_slack): the rows computed again a call and the calls with any;
- how far apart the winner and the rest are: the winner's lead over the runner-up and over the
  median row, in logit units and in D >> 8 units (the raw bound's slack is raw_slack);
- skipping whole blocks of columns in the coarse pass: the columns in blocks of b (slot order),
  each call leaving out the k blocks of the least |x|^2 (k of 32 / b), each row's coarse sum over
  the rest bounded by Cauchy-Schwarz with the row's |w|_2 over the left-out blocks (a per-row,
  per-block table of sum w^2 the build could store: it is also what the row's K needs back):
  the rows whose upper bound reaches the winner's exact logit (computed again, the winner's
  included: at least one a call) and the calls where the best lower bound clears every other
  row's upper bound (none computed again);
- layer 1's feed-forward left out: the calls whose argmax stays the same when fc2's output is
  dropped (h = layer 1's attention residual), and the same for layer 1's whole work (h = layer
  0's output): what no bound on those parts could beat;
- layer 1's fc2 (its z, ReLU's output): the calls matvec runs sparse (MV_SPARSE: each part's 32
  columns in -127..128, at most MV_SPARSE_MAX = 11 nonzero), those that only a few columns of h = 1
  (z in 129..384) keep dense (forward.s's FW_WIDE_SPARSE runs them sparse, twenty-second round),
  and the rest (a part with more nonzero, or a z above 384).

    python benchmarks/z80_reply_bounds.py [--everyday] [--prompts FILE] [TEXT ...]
"""

from __future__ import annotations

import math

import numpy as np

from soulterm.player.bench import prompts_from_command_line
from soulterm.soul import intmath, spec
from soulterm.soul.corpus import read_corpus
from soulterm.soul.engine import Engine
from soulterm.soul.benchmark import shipped_engine
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx.kernelbench import RAW_MOST_SHIFT, coarse_doubled, raw_slack, runs_coarse

FIRST = spec.FIRST_CHOOSABLE
COLS = spec.EMBED_DIM
SPARSE_MAX = 11                 # matvec.s's MV_SPARSE_MAX: the nonzero columns a sparse part takes


def reply_read_states(engine: Engine, tokenizer: Tokenizer, prompts):
    """(h before layer 1's feed-forward, layer 0's output, the final h, layer 1's z) at every position
    whose logits a reply reads."""
    last = engine.layers[-1]
    original = last.feed_forward
    seen = {}

    def recording(h):
        seen["attention"] = h
        yn = intmath.rmsnorm(h, last.n2, last.s_n2)
        seen["z"] = intmath.relu(intmath.sat16(intmath.shift_right(yn @ last.fc1_t + last.fc1_b, last.s_fc1)))
        return original(h)

    last.feed_forward = recording
    states = []
    try:
        for prompt in prompts:
            state = engine.new_state()
            for token in tokenizer.encode_turn(prompt):
                engine.step(state, token)
            while True:
                trace = state.last
                states.append((seen["attention"], trace.hidden[0], trace.hidden[-1], seen["z"]))
                chosen = engine.next_token(trace.logits)
                if chosen == spec.END or state.length == spec.CONTEXT:
                    break
                engine.step(state, chosen)
    finally:
        last.feed_forward = original
    return states


def logits_of(engine: Engine, h) -> np.ndarray:
    return engine.logits_of(np.asarray(h, np.int64))


def raw_rows_again(w, xn, shift: int) -> int:
    """Rows logitsraw.s computes again (0 where T is alone), as kernelbench.bound_logits' raw rule."""
    rows = coarse_doubled(w, xn) >> 8
    clip = 32768 >> (7 - shift)
    best = int(rows[FIRST:].max())
    threshold = -32768 if best <= -clip else min(best, clip - 1) - raw_slack(len(xn))
    again = int((rows[FIRST:] >= threshold).sum())
    return again if again > 1 else 0


def block_skip(w, xn, shift: int, block: int, skipped: int, uniform: bool = False, fixed=None, l1: bool = False):
    """(rows computed again, whether none is) when the coarse pass leaves out the `skipped` blocks of
    the least |x|^2 (or the blocks `fixed`) and bounds each row's sum over them by Cauchy-Schwarz
    (with `uniform` the largest row's |w|_2 over them for every row: a constant a block; with `l1`
    the row's sum |w| over them times their max |x|). Each row's K over the left-out columns comes
    back as a byte of K >> 8 (one more unit of 256 in the slack)."""
    blocks = np.arange(COLS).reshape(-1, block)
    energy = [(xn[b] ** 2).sum() for b in blocks]
    chosen = fixed if fixed is not None else np.argsort(energy, kind="stable")[:skipped]
    left_out = np.concatenate([blocks[i] for i in chosen])
    kept = np.setdiff1d(np.arange(COLS), left_out)
    coarse = coarse_doubled(w[:, kept], xn[kept])               # 2 D over the kept, each low byte out
    x_norm = math.isqrt(int((xn[left_out] ** 2).sum())) + 1
    bound = np.array([2 * (math.isqrt(int((row[left_out] ** 2).sum())) + 1) * x_norm for row in w])
    if uniform:
        bound[:] = bound[FIRST:].max()
    if l1:
        bound = 2 * np.abs(w[:, left_out]).sum(axis=1) * int(np.abs(xn[left_out]).max())
    lower = coarse - bound
    upper = coarse + 255 * (len(kept) + 2) + bound
    exact = intmath.sat16(intmath.shift_right(w @ xn, shift))
    winner = intmath.argmax_token(exact)
    assert (lower >> (shift + 1) <= exact).all() and (upper >> (shift + 1) >= exact).all()
    upper_logit = np.clip(upper >> (shift + 1), -32768, 32767)
    again = int((upper_logit[FIRST:] >= exact[winner]).sum())
    best_lower = int(np.argmax(lower[FIRST:])) + FIRST
    others = np.delete(upper, [*range(FIRST), best_lower])
    alone = np.clip(lower[best_lower] >> (shift + 1), -32768, 32767) > np.clip(others.max() >> (shift + 1), -32768, 32767)
    return again, bool(alone)


def quartiles(values) -> str:
    values = np.asarray(values)
    return " / ".join(f"{int(np.percentile(values, p)):,}" for p in (0, 25, 50, 75, 100))


def main() -> None:
    prompts = prompts_from_command_line(__doc__.splitlines()[0])
    soul, engine, tokenizer = shipped_engine()
    out, shift = soul["out"].values.astype(np.int64), soul["out"].shift
    assert shift <= RAW_MOST_SHIFT
    states = reply_read_states(engine, tokenizer, prompts)
    inputs = [intmath.rmsnorm(np.asarray(h, np.int64), engine.norm, engine.s_norm).astype(np.int64)
              for _, _, h, _ in states]
    coarse_calls = [xn for xn in inputs if runs_coarse(xn)]
    print(f"{len(prompts)} prompt(s): {len(inputs)} logits calls ({len(coarse_calls)} coarse), out's shift {shift}")

    again = [raw_rows_again(out, xn, shift) for xn in coarse_calls]
    print(f"the coarse bound's rows computed again a call (of {spec.VOCAB_SIZE - FIRST}): mean {np.mean(again):.3f}, "
          f"calls with any {np.mean(np.array(again) > 0):.1%}")

    leads, median_leads, raw_leads = [], [], []
    for xn in inputs:
        exact = intmath.sat16(intmath.shift_right(out @ xn, shift))[FIRST:]
        ordered = np.sort(exact)[::-1]
        leads.append(ordered[0] - ordered[1])
        median_leads.append(ordered[0] - int(np.median(exact)))
        raw = np.sort(coarse_doubled(out, xn)[FIRST:] >> 8)[::-1]
        raw_leads.append(raw[0] - raw[1])
    print("the winner's lead (min / quartiles / max), logit units: over the runner-up "
          f"{quartiles(leads)}; over the median row {quartiles(median_leads)}")
    print(f"  in the raw rows' D >> 8 (the slack {raw_slack(COLS)}): over the runner-up {quartiles(raw_leads)}")

    print("the coarse pass without the k blocks of b columns of the least |x|^2, the rest by Cauchy-Schwarz:")
    for block in (4, 8):
        for skipped in range(1, COLS // block):
            counts = [block_skip(out, xn, shift, block, skipped) for xn in coarse_calls]
            rows, alone = np.array([c[0] for c in counts]), np.array([c[1] for c in counts])
            print(f"  b = {block}, k = {skipped} ({block * skipped:2} columns out): rows reaching the winner "
                  f"{rows.mean():6.2f} a call (most {rows.max()}), calls settled by the bounds alone {alone.mean():6.1%}")

    corpus = [exchange.prompt for exchange in read_corpus("models/corpus.txt").exchanges][::15]
    training = [intmath.rmsnorm(np.asarray(h, np.int64), engine.norm, engine.s_norm).astype(np.int64)
                for _, _, h, _ in reply_read_states(engine, tokenizer, corpus)]
    for block in (4, 8):
        energy = np.mean([[(x[b] ** 2).sum() for b in np.arange(COLS).reshape(-1, block)] for x in training], axis=0)
        least = np.argsort(energy, kind="stable")[:1]
        fixed = f"block {int(least[0])} fixed (the least mean |x|^2 over the corpus's every 15th prompt)"
        for name, options in (("the least |x|^2, one |w|_2 for every row", {"uniform": True}),
                              (fixed, {"fixed": least}), (fixed + ", each row's sum |w| x max |x|",
                                                          {"fixed": least, "l1": True})):
            counts = [block_skip(out, xn, shift, block, 1, **options) for xn in coarse_calls]
            rows, alone = np.array([c[0] for c in counts]), np.array([c[1] for c in counts])
            print(f"  b = {block}, k = 1, {name}: rows reaching the winner {rows.mean():6.2f} a call, "
                  f"settled by the bounds alone {alone.mean():6.1%}")

    same_no_ffn = same_no_layer = 0
    for (attention, layer0, h, _), xn in zip(states, inputs):
        winner = intmath.argmax_token(logits_of(engine, h))
        same_no_ffn += intmath.argmax_token(logits_of(engine, attention)) == winner
        same_no_layer += intmath.argmax_token(logits_of(engine, layer0)) == winner
    print(f"the argmax unchanged with layer 1's feed-forward left out: {same_no_ffn / len(states):.1%}; "
          f"with all of layer 1 left out: {same_no_layer / len(states):.1%}")

    kinds = {"sparse": 0, "dense for a few columns of h = 1 only": 0, "dense (more nonzero, or a z above 384)": 0}
    wide_counts = []
    for *_, z in states:
        over = any((part != 0).sum() > SPARSE_MAX for part in (z[:COLS], z[COLS:])) or (z > 384).any()
        wide = int((z > 128).sum())
        kind = list(kinds)[2 if over else 1 if wide else 0]
        kinds[kind] += 1
        wide_counts += [wide] * (kind == list(kinds)[1])
    print(f"layer 1's fc2 ({len(states)} calls): " + ", ".join(f"{name} {n / len(states):.1%}" for name, n in kinds.items())
          + f"; wide columns in the second kind: mean {np.mean(wide_counts or [0]):.2f}, most {max(wide_counts or [0])}")


if __name__ == "__main__":
    main()
