"""What a soul's own numbers cost the 48K a reply step: the soul properties its kernels' T-states follow, counted and
priced (thirty-eighth round, zxsoul38: a soul trained to be cheap on the Z80).

Runs each prompt's turn on the 48K player's own program built for SOUL (kernelbench.player_bench, every step checked
against the engine, as z80_token.py) and single-steps each forward_step by phase (z80_step_phases.step_phases, both
layers apart). From the engine's own activations of the same steps it counts, a reply step and a layer, what the
phases' costs depend on (step_counts):

- fc2: the set bits of its x (ReLU's outputs: nzmatvec.s's NZ_X_BITS adds a row's weight once a set bit);
- fc1: the rows ReLU leaves at 0 (what fc1planes.s's gate can prove 0 and stop early on);
- the heads: the position-dimensions of attention weight 0, of 1 and of 2 or more (the means' walk takes a weight of
  0 in a few T-states, one of 2 or more by a product; their sum is the positions' work), the key-and-head pairs with
  a word beyond -1024..1023 but not -2048..2047 (planekeys48.s scores a narrow key one plane fewer), those beyond
  -2048..2047 ("far": one sets at_wide_planes, and every head of the turn then takes the old dot, each key's head
  rebuilt by pl_rebuild_key, ~7,800 T-states: a cliff, not a price, which `--routines` shows), the
  heads whose q's positive or negative words sum past 16,384 (the old dot too) and the head-dimensions with a v
  beyond -256..255 (the walk's slow dimension);
- proj: the attention means' words beyond -128..127 (matvec.s's wide columns).

Each phase's T-states a step are fitted by least squares on its counts (a constant, then T-states a unit; a count
that never varies over the steps gets no price, "constant"), and each price times its mean count is what that property
costs a step. Then the soul's static properties: q's, k's, v's and fc1's rows whose weights all lie in -64..63
(narrow: planes.s and fc1planes.s skip their plane 6, 4 bytes a row fewer on the 48K's tape and a plane's work less a
call) and -32..31 (fc1's class 2: planes 6 and 5), the bytes they leave off (bytes the 48K's ladder turns into speed),
and fc2's inputs at 0. A soul the 48K player does not build for
(an undertrained checkpoint's shifts, say) gets its counts alone, unpriced.

    python benchmarks/zx_soul_costs.py [TEXT | --everyday | --prompts FILE] [--soul SOUL.bin [--tokenizer TOKENIZER.json]]
                                       [--routines N]
"""

from __future__ import annotations

import argparse
import collections

import numpy as np

from soulterm.asm.errors import AsmError
from soulterm.player.bench import add_prompt_arguments, chosen_prompts
from soulterm.soul import spec
from soulterm.soul.benchmark import add_soul_arguments, soul_files
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx.fc1_planes import row_bytes, row_class
from soulterm.zx.kernelbench import forward_turn, has_records, player_bench
from soulterm.zx.soul_layout import PLANE_GROUPS, LayoutError, plane_classes
from soulterm.zx.weight_planes import turn_steps
from z80_step_phases import step_phases

NARROW_KEY = 1024           # planekeys48.s: a key with every word in -1024..1023 is scored one plane fewer
ONE_BYTE = 128              # matvec.s: an x in -128..127 is one byte
WIDE_WEIGHT = 2             # the means' walk: a weight of 2 or more is a product, 0 and 1 are not
PLANES_KEY = 2048           # planekeys48.s: a key beyond -2048..2047 (planes 12..15 not 0) is scored by the old dot
Q_SUM_LIMIT = 16384         # planekeys48.s's PL_SUM_LIMIT: a head whose q's positive or negative words sum past it too
WIDE_V = 256                # the means' walk: a dimension with a v beyond -256..255 takes @dimension_slow


def phase_counts(layer: int) -> dict:
    """Each phase of a reply step (step_phases' names, as their start) and the counts (step_counts' keys) its cost is
    fitted on."""
    return {f"layer {layer}'s fc2": (f"l{layer} fc2 x bits",),
            f"layer {layer}'s fc1": (f"l{layer} fc1 rows at 0",),
            f"layer {layer}'s heads": (f"l{layer} weights 0", f"l{layer} weights 1", f"l{layer} weights >= 2",
                                       f"l{layer} wide keys", f"l{layer} far keys", f"l{layer} big q heads",
                                       f"l{layer} wide v dims"),
            f"layer {layer}'s proj": (f"l{layer} wide means",)}


def step_counts(engine: Engine, context: list[int]) -> list[collections.Counter]:
    """The counts phase_counts names, one Counter a forward_step of the turn on `context` (its last prompt position
    and each reply position, until END or a full context: kernelbench.forward_turn's steps)."""
    steps = []
    for position, state, inputs in turn_steps(engine, context):
        if position >= len(context) - 1:
            counts = collections.Counter()
            by_name = {name: x for name, x, _ in inputs}
            for layer in range(spec.N_LAYERS):
                z = np.asarray(by_name[f"l{layer}.fc2_w"], dtype=np.int64)
                counts[f"l{layer} fc2 x bits"] = sum(bin(int(x)).count("1") for x in z)
                counts[f"l{layer} fc1 rows at 0"] = int(np.count_nonzero(z == 0))
                weights = state.last.attention_lut[layer]               # (heads, positions so far)
                counts[f"l{layer} weights 0"] = spec.HEAD_DIM * int(np.count_nonzero(weights == 0))
                counts[f"l{layer} weights 1"] = spec.HEAD_DIM * int(np.count_nonzero(weights == 1))
                counts[f"l{layer} weights >= 2"] = spec.HEAD_DIM * int(np.count_nonzero(weights >= WIDE_WEIGHT))
                keys = state.keys[layer, :position + 1]                 # (positions, heads, dims)
                far = ((keys < -PLANES_KEY) | (keys >= PLANES_KEY)).any(axis=2)
                counts[f"l{layer} wide keys"] = int(np.count_nonzero(
                    ((keys < -NARROW_KEY) | (keys >= NARROW_KEY)).any(axis=2) & ~far))
                counts[f"l{layer} far keys"] = int(np.count_nonzero(far))
                q = engine.layers[layer].qkv_of(by_name[f"l{layer}.qkv"])[0].reshape(spec.N_HEADS, spec.HEAD_DIM)
                counts[f"l{layer} big q heads"] = int(np.count_nonzero((np.where(q > 0, q, 0).sum(axis=1) >= Q_SUM_LIMIT)
                                                                       | (np.where(q < 0, q, 0).sum(axis=1) < -Q_SUM_LIMIT)))
                values = state.values[layer, :position + 1]             # (positions, heads, dims)
                counts[f"l{layer} wide v dims"] = int(np.count_nonzero(
                    ((values < -WIDE_V) | (values >= WIDE_V)).any(axis=0)))
                means = np.asarray(by_name[f"l{layer}.proj"])
                counts[f"l{layer} wide means"] = int(np.count_nonzero((means < -ONE_BYTE) | (means >= ONE_BYTE)))
            steps.append(counts)
    return steps


def fit_prices(costs: np.ndarray, counts: np.ndarray) -> tuple[float, list, float]:
    """Least squares of `costs` (a step each) on a constant and `counts`' columns: (the constant, each column's
    T-states a unit or None where the column never varies, R^2)."""
    varies = [bool(np.ptp(counts[:, column]) > 0) for column in range(counts.shape[1])]
    design = np.column_stack([np.ones(len(costs))] + [counts[:, c] for c in range(counts.shape[1]) if varies[c]])
    solution, *_ = np.linalg.lstsq(design, costs, rcond=None)
    spread = float(((costs - costs.mean()) ** 2).sum())
    r_squared = 1.0 - float(((costs - design @ solution) ** 2).sum()) / spread if spread else 1.0
    prices, taken = [], iter(solution[1:])
    for column in range(counts.shape[1]):
        prices.append(float(next(taken)) if varies[column] else None)
    return float(solution[0]), prices, r_squared


def static_counts(soul) -> list[str]:
    """The soul's narrow rows (q, k, v by plane_classes; fc1 by row_class) and what they leave off the 48K's tape."""
    lines = []
    saved = fc1_saved = 0
    for layer in range(spec.N_LAYERS):
        parts = []
        for name in ("q", "k", "v"):
            narrow = sum(plane_classes(soul[f"l{layer}.{name}"].values))
            saved += narrow * PLANE_GROUPS
            parts.append(f"{name} {narrow}/{spec.EMBED_DIM}")
        classes = collections.Counter(row_class(row) for row in soul[f"l{layer}.fc1_w"].values)
        fc1_saved += sum(count * (row_bytes(0, byte_masks=True) - row_bytes(kind, byte_masks=True))
                         for kind, count in classes.items())
        parts.append(f"fc1 {classes[1] + classes[2]}/{spec.FFN_DIM} ({classes[2]} within -32..31)")
        lines.append(f"layer {layer}: rows in -64..63: " + ", ".join(parts))
    lines.append(f"q, k and v's narrow rows leave {saved} bytes of plane 6 off the 48K's tape, fc1's {fc1_saved} "
                 f"of planes 6 and 5 (FW_FC1_BYTES' byte masks)")
    return lines


def print_counts(engine: Engine, tokenizer: Tokenizer, prompts: list[str], soul) -> None:
    """step_counts' means a reply step over `prompts`' turns, unpriced (a soul the 48K player cannot take)."""
    counts = [step for prompt in prompts for step in step_counts(engine, tokenizer.encode_turn(prompt))]
    print(f"{len(counts)} reply steps")
    for layer in range(spec.N_LAYERS):
        for start, names in phase_counts(layer).items():
            print(f"  {start:18} " + ", ".join(f"{name} {np.mean([step[name] for step in counts]):,.1f}"
                                                for name in names))
    for line in static_counts(soul):
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_prompt_arguments(parser)
    add_soul_arguments(parser)
    parser.add_argument("--routines", type=int, default=0, metavar="N",
                        help="each phase's N costliest routines a step too (default 0: none)")
    args = parser.parse_args()
    soul_path, tokenizer_path = soul_files(args)
    soul, tokenizer = load_soul(soul_path), Tokenizer.load(tokenizer_path)
    engine = Engine(soul)
    prompts = chosen_prompts(args)
    try:
        bench = player_bench(soul, tokenizer, "48k")
    except (AsmError, LayoutError) as error:
        print(f"{soul_path}: the 48K player does not build for this soul ({str(error).splitlines()[0]}): "
              f"the counts alone")
        print_counts(engine, tokenizer, prompts, soul)
        return
    phases: list[collections.Counter] = []
    routines: dict = collections.defaultdict(collections.Counter)
    plain_call = bench.call

    def call(routine, max_t_states=50_000_000, interrupts=False):
        if routine != "forward_step":
            return plain_call(routine, max_t_states, interrupts)
        phases.append(collections.Counter())
        return step_phases(bench, phases[-1], routines, layer_0=True)

    bench.call = call
    counts: list[collections.Counter] = []
    for prompt in prompts:
        context = tokenizer.encode_turn(prompt)
        forward_turn(bench, engine, context, records=has_records(bench))
        counts += step_counts(engine, context)
    assert len(counts) == len(phases), "the engine's steps are the player's"
    steps = len(phases)
    totals = np.array([sum(phase.values()) for phase in phases], dtype=float)
    print(f"{soul_path}: the 48K player, {steps} reply steps, {totals.mean():,.0f} T-states a step")
    for layer in range(spec.N_LAYERS):
        for start, names in phase_counts(layer).items():
            costs = np.array([sum(t for phase, t in step.items() if phase.startswith(start)) for step in phases],
                             dtype=float)
            table = np.array([[step[name] for name in names] for step in counts], dtype=float)
            constant, prices, r_squared = fit_prices(costs, table)
            parts = []
            for name, price, mean in zip(names, prices, table.mean(axis=0)):
                if price is None:
                    parts.append(f"{name} {mean:,.1f} (constant)")
                    continue
                parts.append(f"{name} {mean:,.1f} x {price:,.1f} = {price * mean:,.0f}")
            print(f"  {start:18} {costs.mean():>9,.0f} a step = {constant:,.0f} + " + " + ".join(parts)
                  + f"  (R^2 {r_squared:.2f})")
            if args.routines:
                by_routine = sum((t for phase, t in routines.items() if phase.startswith(start)), collections.Counter())
                print("    " + ", ".join(f"{name} {t / steps:,.0f}" for name, t in by_routine.most_common(args.routines)))
    fc2_inputs = np.array([[step[f"l{layer} fc1 rows at 0"] for layer in range(spec.N_LAYERS)] for step in counts])
    print(f"fc2's inputs at 0: {fc2_inputs.sum() / (fc2_inputs.size * spec.FFN_DIM):.1%}")
    for line in static_counts(soul):
        print(line)


if __name__ == "__main__":
    main()
