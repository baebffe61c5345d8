"""Would fc1's ReLU let a coarse matvec skip exact rows? (issue 13, kernels/forward.s)

fc1's outputs go through ReLU, z = relu(sat16((W yn + b) >> shift)): a row is 0
whenever its exact output is <= 0. MV_COARSE (matvec.s) gives every row a lower
bound lo_r with exact_r <= lo_r + slack, slack = (255 * small columns +
2^(shift+1) - 1) >> (shift + 1); a row with lo_r + slack <= 0 is certainly 0,
only the others need their exact value. For every fc1 call the ten everyday
prompts make (each position of each turn, both layers: the integer engine's
normalised inputs), this counts
- the rows ReLU makes 0, and those the coarse bound proves 0 (each proof checked);
and, on the kernel bench with the soul's own fc1 weights and a sample of those
inputs, the emulated cycles of
- today's exact call, the coarse call, and mv_exact_row for one row;
from which it prints what fc1 would cost
- with mv_exact_row for the rows left (the logits' way),
- at best with only pass 1 for the rows left: the exact call's pass-1 share
  (exact - coarse cycles, a row's part) per row left, nothing for storing,
  testing or finishing the coarse sums (a lower bound of any such design), and
- as built, MV_RELU (matvec.s): in a narrow call each row's pass 2 first,
  then a gate that stores 0 when the sum so far is below -256 * (cols + 1),
  or else pass 1 and the finish (its outputs checked: SPEC's after ReLU).
Then two ways to prove a row 0 before its pass 2 ends, each at its most
favourable (the rows they prove, checked; not built):
- pass 2 over the k columns of largest |x| only, the other 32 - k bounded by
  Cauchy-Schwarz with that call's own sum of w^2 over them;
- a pass cheaper than pass 2: s(w + x) >> b summed in one byte with no carry
  to count (b = 13 fits 32 columns), the dropped bits as slack.

    python benchmarks/relu_bound.py [--soul PATH] [--tokenizer PATH] [--sample N]
"""

from __future__ import annotations

import argparse

import numpy as np

from soulterm.player.bench import EVERYDAY_PROMPTS
from soulterm.player.harness import KernelBench, run_matvec
from soulterm.soul import intmath
from soulterm.soul.engine import Engine
from soulterm.soul.tokenizer import Tokenizer
from soulterm.soul.benchmark import add_soul_arguments, engine_and_tokenizer


def fc1_inputs(engine: Engine, tokenizer: Tokenizer) -> list[list[np.ndarray]]:
    """fc1's input yn of every call the ten turns make, per layer."""
    inputs = [[] for _ in engine.layers]
    for index, layer in enumerate(engine.layers):
        feed_forward = layer.feed_forward

        def recording(h, layer=layer, index=index, feed_forward=feed_forward):
            inputs[index].append(intmath.rmsnorm(h, layer.n2, layer.s_n2))
            return feed_forward(h)
        layer.feed_forward = recording
    for text in EVERYDAY_PROMPTS:
        engine.reply(tokenizer, text)
    return inputs


def coarse_rows(w, bias, x, mv_shift: int):
    """(exact outputs, coarse lower bounds, slack) of one call, as matvec.s computes them."""
    small = np.abs(x) <= 127
    low_bytes = ((((w + x) ** 2) & 255) * small).sum(axis=1)      # pass 1's part of 2S
    doubled = 2 * (w @ x + bias)
    exact = intmath.sat16(doubled >> (mv_shift + 1))
    lower = intmath.sat16((doubled - low_bytes) >> (mv_shift + 1))
    slack = (255 * int(small.sum()) + (2 << mv_shift) - 1) >> (mv_shift + 1)
    return exact, lower, slack


def split_bound_proofs(w, bias, x, mv_shift: int, k: int) -> int:
    """Rows proved 0 by the k largest |x| columns exactly and Cauchy-Schwarz on the rest."""
    order = np.argsort(-np.abs(x), kind="stable")
    first, rest = order[:k], order[k:]
    upper = w[:, first] @ x[first] + bias + np.sqrt((w[:, rest] ** 2).sum(axis=1) * float(x[rest] @ x[rest]))
    proved = upper < (1 << mv_shift)                # (W x + b) >> shift <= 0
    assert ((w @ x + bias)[proved] < (1 << mv_shift)).all(), "the split bound called a positive row 0"
    return int(proved.sum())


def shifted_square_proofs(w, bias, x, mv_shift: int, bits: int) -> int:
    """Rows proved 0 by sum_c (s(w + x) >> bits) alone: 2(Wx + b) = S - sum w^2 - sum x^2 + 2b."""
    squares = (w + x) ** 2
    upper_s = ((squares >> bits).sum(axis=1) << bits) + x.size * ((1 << bits) - 1)
    upper = upper_s - (w * w).sum(axis=1) - int(x @ x) + 2 * bias
    proved = upper < (2 << mv_shift)
    assert ((w @ x + bias)[proved] < (1 << mv_shift)).all(), "the shifted bound called a positive row 0"
    return int(proved.sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_soul_arguments(parser)
    parser.add_argument("--sample", type=int, default=40, help="fc1 calls per layer to emulate")
    args = parser.parse_args()
    soul_path = args.soul
    engine, tokenizer = engine_and_tokenizer(args)
    inputs = fc1_inputs(engine, tokenizer)
    bench = KernelBench()
    totals = dict(rows=0, zero=0, proved=0, today=0, coarse=0, exact_rows=0, pass1_only=0, relu=0)
    print(f"{soul_path}: fc1 calls per layer {len(inputs[0])}")
    for index, layer in enumerate(engine.layers):
        w, bias = layer.fc1_t.T.astype(np.int64), layer.fc1_b.astype(np.int64)
        mv_shift = layer.s_fc1           # forward.s: L*_FC1_W_SHIFT + 1, matvec's mv_shift
        rows = w.shape[0]
        zero = proved = 0
        for x in inputs[index]:
            exact, lower, slack = coarse_rows(w, bias, x, mv_shift)
            certain = lower + slack <= 0
            assert (exact[certain] <= 0).all(), "the bound called a positive row 0"
            zero += int((exact <= 0).sum())
            proved += int(certain.sum())
        calls = len(inputs[index])
        earlier = {f"pass 2 on the {k} largest |x|, Cauchy-Schwarz on the rest":
                   sum(split_bound_proofs(w, bias, x, mv_shift, k) for x in inputs[index]) for k in (8, 16, 24)}
        earlier.update({f"one byte of s(w + x) >> {b}, no carries":
                        sum(shifted_square_proofs(w, bias, x, mv_shift, b) for x in inputs[index])
                        for b in (11, 12, 13)})
        step = max(1, calls // args.sample)
        today = coarse = exact_row = survivors = sampled = relu = 0
        for x in inputs[index][::step]:
            out, cycles = run_matvec(bench, w, x, bias, mv_shift)
            assert np.array_equal(out, intmath.sat16((w @ x + bias) >> mv_shift)), "the exact call"
            lower, cycles_coarse = run_matvec(bench, w, x, bias, mv_shift, coarse=True)
            exact, want_lower, slack = coarse_rows(w, bias, x, mv_shift)
            if bench.memory[bench.sym("mv_flags")] & bench.sym("MV_COARSE"):
                assert np.array_equal(lower, want_lower), "the coarse call"
                left = np.nonzero(lower + slack > 0)[0]
            else:                                       # too few small columns: it stayed exact
                left = np.array([], dtype=int)
            exact_row += sum(bench.call("mv_exact_row", x=int(r)) for r in left)
            gated, cycles_relu = run_matvec(bench, w, x, bias, mv_shift, relu=True)
            assert np.array_equal(intmath.relu(gated), intmath.relu(out)), "the MV_RELU call"
            relu += cycles_relu
            today += cycles
            coarse += cycles_coarse
            survivors += len(left)
            sampled += 1
        pass1_share = (today - coarse) / (sampled * rows)      # pass 1 and its end, a row
        print(f"  layer {index} (mv_shift {mv_shift}): ReLU zeroes {zero / (calls * rows):.1%} of the rows, "
              f"the coarse bound proves {proved / (calls * rows):.1%}")
        print(f"    emulated, {sampled} calls: exact {today / sampled:,.0f} cycles a call, coarse "
              f"{coarse / sampled:,.0f}, + mv_exact_row for the {survivors / sampled:.1f} rows left "
              f"{exact_row / sampled:,.0f} ({exact_row / max(1, survivors):,.0f} a row) = "
              f"{(coarse + exact_row) / sampled:,.0f}; with pass 1 only for them at best "
              f"{(coarse + survivors * pass1_share) / sampled:,.0f} ({pass1_share:,.0f} a row); "
              f"MV_RELU as built {relu / sampled:,.0f}")
        for name, count in earlier.items():
            print(f"    proved 0 before pass 2 ends, {name}: {count / (calls * rows):.1%}")
        totals["rows"] += calls * rows
        totals["zero"] += zero
        totals["proved"] += proved
        for key, value in (("today", today), ("coarse", coarse), ("exact_rows", exact_row),
                           ("pass1_only", survivors * pass1_share), ("relu", relu)):
            totals[key] += value / sampled * calls
    calls = sum(len(layer) for layer in inputs)
    print(f"  both layers, {calls} calls: ReLU zeroes {totals['zero'] / totals['rows']:.1%}, proved "
          f"{totals['proved'] / totals['rows']:.1%}; cycles a call today {totals['today'] / calls:,.0f}, "
          f"coarse + mv_exact_row {(totals['coarse'] + totals['exact_rows']) / calls:,.0f}, "
          f"coarse + pass 1 only (best case) {(totals['coarse'] + totals['pass1_only']) / calls:,.0f}, "
          f"MV_RELU as built {totals['relu'] / calls:,.0f}")


if __name__ == "__main__":
    main()
