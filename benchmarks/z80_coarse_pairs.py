"""Would the coarse slots' pairs pay summed in A, S >> 9? (issue 16, nineteenth round)

The coarse slots (matvec.s's mv_coarse_slots and mv_gate_slots: the 128K's logits and
fc1's gate, the 48K's too) add the high byte of each S(w + l) into H:L, 86 T-states a
pair of columns (pop bc, then twice ld iyl,r / ld e,(iy+d) / add hl,de). A pair of the
same 13 bytes, pop bc / ld iyl,c / ld a,(iy+d1) / ld iyl,b / add a,(iy+d2) / ld e,a /
add hl,de, takes 79, if the two bytes cannot carry out of A:
- with a plane of S >> 9 (0..127) instead of S >> 8, each product then leaves out up
  to 511 of its doubled sum, not 255, and the bound's slack doubles: more logits rows
  and more fc1 rows past the gate are computed again;
- or S >> 8 as today where a pair's two bytes never reach 256 together (no slack
  change): counted here as the share of pairs, and of calls where every pair qualifies,
  by the truth and by three tests a kernel could make (pairs_fit).

On the integer engine's own inputs (the logits' at every position a reply reads, fc1's
at every position of both layers; z80_cheap_bounds.engine_vectors) for the prompts
given, this counts with the kernels' own rules:
- the logits (logitsraw.s, at soul_out_shift <= 7): each row's H:L = D >> b (D the
  doubled sum less each low piece's S mod 2^b), T the row of the largest, m = min(T's,
  RAW_TOP - 1) with RAW_TOP = 32768 >> (b - 1 - shift); when a row but T's reaches
  m - ((2^b - 1)(cols + 1) >> b), every row that reaches it is computed again
  (mv_exact_row), else none;
- fc1's gate (mv_gate, mv_hz_gate): a row is computed again (its low bytes summed)
  unless V = D >> b lies below Tv = floor((2^(shift+1) - (2^b - 1) cols) / 2^b);
each bound checked against the engine's exact outputs. Calls outside MV_COARSE's reach
(more than 6 wide columns, or an h other than +-1) run exact either way and are left out.

    python benchmarks/z80_coarse_pairs.py [--everyday] [--prompts FILE] [TEXT ...]
"""

from __future__ import annotations

import numpy as np

from soulterm.player.bench import prompts_from_command_line
from soulterm.soul import intmath, spec
from soulterm.soul.benchmark import shipped_engine
from z80_cheap_bounds import doubled_lower, engine_vectors

FIRST = spec.FIRST_CHOOSABLE
COLS = spec.EMBED_DIM
PAIR_SAVED = 86 - 79       # T-states a pair of columns
LOGITS_ROW_AGAIN = 3_939   # mv_exact_row's row (z80_group_bound.py, "hello", the 128K's kernels' bench)
GATE_ROW_AGAIN = 1_505     # a gated row's low bytes summed again: matvec.s's header, 64x32 at shift 6,
                           # every row summed again 216,784 less every row gated 120,487, a row


def coarse_call(x) -> bool:
    """MV_COARSE runs the call coarse: at most 6 wide columns, each with h = +-1."""
    h = (x + 127) >> 8
    return bool((np.abs(h) <= 1).all() and (h != 0).sum() <= 6)


def logits_rows_again(w, shift, x, bits) -> int:
    """Rows logitsraw.s computes again (mv_exact_row) with each product's low `bits` left out."""
    raw = doubled_lower(w, x, 0, bits) >> bits
    exact = intmath.sat16(intmath.shift_right(w @ x, shift))
    upper = intmath.sat16(((raw << bits) + ((1 << bits) - 1) * (COLS + 1)) >> (shift + 1))
    assert (upper >= exact).all() and (intmath.sat16((raw << bits) >> (shift + 1)) <= exact).all()
    t = int(np.argmax(raw[FIRST:])) + FIRST
    top = 32768 >> (bits - 1 - shift)
    if raw[t] <= -top:
        return len(raw) - FIRST                     # T's lower bound -32768: every row
    m = min(int(raw[t]), top - 1)
    slack = (((1 << bits) - 1) * (COLS + 1)) >> bits
    reaching = raw[FIRST:] >= m - slack
    t_logit_lower = intmath.sat16(np.array([m << bits >> (shift + 1)]))[0]
    assert (upper[FIRST:][~reaching] < t_logit_lower).all(), "a row left out must lie below T's logit"
    return int(reaching.sum()) if reaching.sum() > 1 else 0


def gate_rows_again(w, bias, x, shift, bits) -> int:
    """fc1 rows past the gate (computed again) with each product's low `bits` left out."""
    raw = doubled_lower(w, x, bias, bits) >> bits
    threshold = ((2 << shift) - ((1 << bits) - 1) * COLS) >> bits
    zeroed = raw < threshold
    exact = intmath.sat16((w @ x + bias) >> shift)
    assert (exact[zeroed] <= 0).all(), "the gate zeroed a positive row"
    return int((~zeroed).sum())


def fit_for_every_l(w):
    """The pairs that cannot carry whatever the input (l in -127..128): a mask the build could fix."""
    largest = np.maximum((w.max(axis=0) + 128) ** 2, (w.min(axis=0) - 127) ** 2) >> 8
    return largest[0::2] + largest[1::2] <= 255


def pairs_fit(w, x):
    """Each slot pair (columns 2k, 2k + 1) whose two S(w + l) >> 8 cannot carry out of A, by
    five tests: every row's sum below 256 (the truth, which a kernel cannot afford), the
    columns' largest S >> 8 over the build's per-column [min w, max w] summed below 256 (two
    table reads a column in the pass), the same from the ranges' two bytes a column
    (soul_layout.pair_bounds, whose clipped ends make it refuse a little more: the 128K's
    logits' walk since the twentieth round, a = l + 127, m = max(181 + least - a, 182 + a -
    (most + 1))), each column's l within the build's range where |w + l| <= 181 on every row
    (S >> 8 <= 127: two compares a column, fc1's walk), and the build's mask alone
    (fit_for_every_l: no test at run time). A pair with a wide column is counted as not
    fitting (its block reads the slot's old form)."""
    from soulterm.zx.soul_layout import pair_bounds

    h = (x + 127) >> 8
    low = x - 256 * h
    narrow = (h == 0)
    narrow_pairs = narrow[0::2] & narrow[1::2]
    high = (w + low[None, :]) ** 2 >> 8
    truth = (high[:, 0::2] + high[:, 1::2]).max(axis=0) <= 255
    column_max = np.maximum((w.max(axis=0) + low) ** 2, (w.min(axis=0) + low) ** 2) >> 8
    by_max = column_max[0::2] + column_max[1::2] <= 255
    least, width = np.frombuffer(pair_bounds(w), np.uint8).reshape(-1, 2)[::-1].T.astype(np.int64)
    least ^= 0x80
    most_past = least + width
    m = np.maximum(181 + least - (low + 127), 182 + (low + 127) - most_past)
    by_bytes = (m[0::2] ** 2 >> 8) + (m[1::2] ** 2 >> 8) <= 255
    in_range = (low >= -181 - w.min(axis=0)) & (low <= 181 - w.max(axis=0))
    by_range = in_range[0::2] & in_range[1::2]
    return [test & narrow_pairs for test in (truth, by_max, by_bytes, by_range, fit_for_every_l(w))]


def fit_line(w, calls) -> str:
    """The share of calls whose every pair fits, and of pairs that fit, by each test."""
    tests = [np.array(test) for test in zip(*(pairs_fit(w, x) for x in calls))]
    return "; ".join(f"{name}: calls {test.all(axis=1).mean():.3f}, pairs {test.mean():.4f}"
                     for name, test in zip(("every row", "columns' max", "by the ranges' bytes", "columns' range",
                                            "build's mask"), tests))


def main() -> None:
    prompts = prompts_from_command_line(__doc__.splitlines()[0])
    soul, engine, tokenizer = shipped_engine()
    logits_x, fc1_x = engine_vectors(engine, tokenizer, prompts)
    w, shift = soul["out"].values.astype(np.int64), soul["out"].shift
    calls = [x for x in logits_x if coarse_call(x)]
    again = {bits: [logits_rows_again(w, shift, x, bits) for x in calls] for bits in (8, 9)}
    print(f"{len(prompts)} prompts: {len(logits_x)} logits calls, {len(calls)} coarse (shift {shift})")
    for bits in (8, 9):
        rows = np.array(again[bits])
        print(f"  logits, S >> {bits}: rows again {rows.mean():.3f} a call (calls with any "
              f"{(rows > 0).mean():.3f}, most {rows.max()})")
    extra = np.mean(again[9]) - np.mean(again[8])
    first = np.mean(np.array(again[9]) > 0) - np.mean(np.array(again[8]) > 0)
    saved = 128 * COLS // 2 * PAIR_SAVED
    print(f"    S >> 9: {extra:+.3f} rows a call ({extra * LOGITS_ROW_AGAIN:+,.0f} T-states at "
          f"{LOGITS_ROW_AGAIN:,} a row), {first:+.3f} calls with a first row again (each a column "
          f"pass more), against -{saved:,} in the pairs a call")
    print(f"    S >> 8 pairs in A that cannot carry: {fit_line(w, calls)}")
    for index, layer in enumerate(engine.layers):
        w1, b1 = layer.fc1_t.T.astype(np.int64), layer.fc1_b.astype(np.int64)
        inputs = [x for x in fc1_x[index] if coarse_call(x)]
        counts = {bits: np.array([gate_rows_again(w1, b1, x, layer.s_fc1, bits) for x in inputs])
                  for bits in (8, 9)}
        print(f"  fc1 layer {index} (shift {layer.s_fc1}, {len(fc1_x[index])} calls, {len(inputs)} coarse): "
              f"rows past the gate S >> 8 {counts[8].mean():.2f}, S >> 9 {counts[9].mean():.2f} of "
              f"{w1.shape[0]} ({counts[9].mean() - counts[8].mean():+.2f}: "
              f"{(counts[9].mean() - counts[8].mean()) * GATE_ROW_AGAIN:+,.0f} T-states at {GATE_ROW_AGAIN:,} a row); "
              f"the pairs -{w1.shape[0] * COLS // 2 * PAIR_SAVED:,} a call")
        print(f"    S >> 8 pairs in A that cannot carry: {fit_line(w1, inputs)}")


if __name__ == "__main__":
    main()
