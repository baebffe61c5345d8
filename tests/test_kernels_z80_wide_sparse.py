"""forward.s's FW_WIDE_SPARSE (the 128K's; the 48K's since the twenty-third round, a take-back of its ladder):
layer 1's fc2 sparse past a few wide columns of z.

Where z's only bar to matvec's sparse call is a few columns of h = 1 (z in 129..384), fw_wide_sparse
moves each one's 256 w into a copy of fc2's bias and its z to z - 256, so that the call runs sparse
with the same sums (docs/spectrum.md, "Twenty-second round: a reply step's fc2 sparse past its wide
columns"). These call forward.s's fw_fc2 on the players' own programs (kernelbench.player_bench: the
kernels' bench with every tensor has no room for it), the 128K's with layer 1's bank paged in, the 48K's
with z across a page (forward.s finds a column by its offset mod 256), and check
h against the engine's, z and fc2's descriptor left as they were, and whether the call ran sparse
against wide_sparse_applies, a model of the kernel's choice, and matvec's own look at x (which
fw_wide_sparse skips where it has looked itself) put back after.
"""

from __future__ import annotations

import numpy as np
import pytest

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.soul import intmath, spec
from soulterm.soul.soulfile import Soul, load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx.kernelbench import Z80Bench, player_bench, player_kernel_options

LAYER = 1                       # forward.s's FW_WIDE_LAYER: the fc2 only reply steps run
SPARSE_MAX, WIDE_MOST, COLS = 11, 4, spec.FFN_DIM   # matvec.s's MV_SPARSE_MAX, forward.s's FW_WIDE_MOST


def bench_of(soul: Soul, model: str = "128k") -> Z80Bench:
    """The player's bench; the 128K's as before the twenty-seventh round (its fc2 through nzmatvec.s since
    then has no FW_WIDE_SPARSE: build.NZ_128K false here)."""
    import soulterm.zx.build as zx_build

    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(zx_build, "NZ_128K", False)
        bench = player_bench(soul, Tokenizer.load(DEFAULT_TOKENIZER), model)
    assert bench.sym("MV_SPARSE_MAX") == SPARSE_MAX and bench.sym("FW_WIDE_MOST") == WIDE_MOST
    return bench


def on_layer(bench, layer: int) -> None:
    """fw_layer and fw_layer_index at `layer`, its tensors' bank in (the 128K's layer 1's: the data bank)."""
    if "zx_page_data" in bench.symbols:
        bench.call("zx_page_data" if layer else "zx_page_top")
    bench.poke_word(bench.sym("fw_layer"), bench.sym(f"soul_layer{layer}"))
    bench.poke(bench.sym("fw_layer_index"), [layer])


@pytest.fixture(scope="module", params=["128k", "48k"])
def shipped(request):
    """The shipped player's bench (the 48K's takes FW_WIDE_SPARSE with MV_HZ_ENDS since zxwide48: z in the
    screen's third, te and pe without marks; since the twenty-sixth round's planes, zxplanes48, only the
    48K built without them, a soul the planes do not pay for, has the room: planes_pay false here; the
    128K's as before the twenty-seventh round, whose fc2 through nzmatvec.s's matvec_nz has no
    FW_WIDE_SPARSE: build.NZ_128K false here)."""
    import soulterm.zx.build as zx_build

    soul = load_soul(DEFAULT_SOUL)
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(zx_build, "planes_pay", lambda *args: False)
        bench = bench_of(soul, request.param)
    if request.param == "48k":      # (the shipped 48K's layout: z in the screen's third since zxwide48, at an odd
        assert bench.sym("fw_ffn") == zx_build.THIRD_FFN    # address before, across a page before the
                                                            # twenty-third round's merges, which fw_wide_sparse takes too)
    return soul, bench


def wide_sparse_applies(z, w, b) -> bool:
    """fw_wide_sparse's choice: every part at most SPARSE_MAX nonzero, no z above 384, 1..WIDE_MOST
    columns in 129..384, and b + 256 w within int16 after each such column (in the columns' order)."""
    z = np.asarray(z)
    if any((part != 0).sum() > SPARSE_MAX for part in (z[:COLS // 2], z[COLS // 2:])) or (z > 384).any():
        return False
    wide = np.flatnonzero(z > 128)
    if not 1 <= len(wide) <= WIDE_MOST:
        return False
    biased = np.asarray(b, dtype=np.int64).copy()
    for column in wide:
        biased += 256 * np.asarray(w)[:, column]
        if (biased < -32768).any() or (biased > 32767).any():
            return False
    return True


def fc2_of(bench, soul: Soul, h, z):
    """forward.s's fw_fc2 for LAYER on h and z: (h after, whether the call ran sparse); checks h
    against the engine's fc2 and z, the descriptor's bias pointer and fw_layer_index kept."""
    bias_pointer = bench.sym(f"soul_layer{LAYER}") + bench.sym("FD_FC2") + 2
    bias_before = bench.peek(bias_pointer, 2)
    on_layer(bench, LAYER)
    bench.write_words(bench.sym("fw_h"), h)
    bench.write_words(bench.sym("fw_ffn"), z)
    bench.call("fw_fc2")
    w, b = soul[f"l{LAYER}.fc2_w"].values, soul[f"l{LAYER}.fc2_b"].values
    shift = soul[f"l{LAYER}.fc2_w"].shift + 1
    expected = intmath.sat16(np.asarray(h) + intmath.sat16(intmath.shift_right(np.asarray(z) @ w.T + b, shift)))
    assert (bench.read_words(bench.sym("fw_h"), spec.EMBED_DIM) == expected).all()
    assert (bench.read_words(bench.sym("fw_ffn"), COLS) == np.asarray(z)).all(), "z not as it was"
    assert bench.peek(bias_pointer, 2) == bias_before, "fc2's bias pointer not put back"
    assert bench.peek(bench.sym("fw_layer_index"))[0] == LAYER
    look = bench.sym("MV_SPARSE_LOOK")
    assert bench.peek(look, 3) == bytes([0x3A]) + bench.sym("mv_cols").to_bytes(2, "little"), "matvec's look not put back"
    return bench.peek(bench.sym("mv_sparse_on"))[0] != 0


def z_with(rng, nonzero: dict, count: tuple = (3, 3)) -> np.ndarray:
    """z (ReLU's: never negative) with `count` small nonzero columns a part and the columns `nonzero` set."""
    z = np.zeros(COLS, dtype=np.int64)
    for part, n in enumerate(count):
        columns = rng.choice(np.arange(part * 32, part * 32 + 32), n, replace=False)
        z[columns] = rng.integers(1, 129, n)
    for column, value in nonzero.items():
        z[column] = value
    return z


def test_wide_columns_go_into_the_bias_and_the_call_runs_sparse(shipped):
    """Wide columns at every edge of h = 1 (129, 255, 256, 257, 383, 384) in the first and last columns of
    each part, one to FW_WIDE_MOST of them, each part at its MV_SPARSE_MAX: sparse, h exact; and the calls
    it leaves alone (no wide column, 385 and above, a fifth wide column, a part one past MV_SPARSE_MAX)
    as they were, h exact."""
    soul, bench = shipped
    w, b = soul[f"l{LAYER}.fc2_w"].values, soul[f"l{LAYER}.fc2_b"].values
    rng = np.random.default_rng(22)
    cases = [({0: 129}, (3, 3)), ({31: 384}, (0, 0)), ({32: 256}, (2, 5)), ({63: 255}, (10, 10)),
             ({0: 383, 63: 257}, (9, 9)), ({5: 200, 40: 300}, (9, 9)), ({1: 129, 30: 384, 33: 256, 62: 300}, (7, 7)),
             ({7: 384, 8: 129}, (0, 0)),
             ({}, (3, 3)), ({}, (11, 11)), ({3: 385}, (3, 3)), ({3: 511}, (2, 2)), ({3: 512}, (2, 2)),
             ({40: 30000}, (1, 1)), ({1: 129, 2: 130, 33: 131, 34: 132, 35: 133}, (3, 3)),
             ({0: 200}, (11, 0)), ({63: 200}, (0, 11)), ({60: 128}, (3, 3))]
    ran = []
    for nonzero, count in cases:
        z = z_with(rng, nonzero, count)
        for _ in range(2):
            h = rng.integers(-3000, 3001, spec.EMBED_DIM)
            sparse = fc2_of(bench, soul, h, z)
            if wide_sparse_applies(z, w, b) or max(count) <= SPARSE_MAX and not (z > 128).any():
                assert sparse, (nonzero, count)
            else:
                assert not sparse, (nonzero, count)
            ran.append(sparse)
    assert sum(ran) >= 16 and not all(ran)


def test_random_z_keeps_h_exact(shipped):
    """ReLU-like z with 0 to 14 nonzero columns a part, a few of them wide (up to 600): h exact every
    time, sparse exactly where the model says with a wide column."""
    soul, bench = shipped
    w, b = soul[f"l{LAYER}.fc2_w"].values, soul[f"l{LAYER}.fc2_b"].values
    rng = np.random.default_rng(16)
    for _ in range(40):
        z = z_with(rng, {}, tuple(int(n) for n in rng.integers(0, 15, 2)))
        nonzero = np.flatnonzero(z)
        if len(nonzero):
            z[rng.choice(nonzero, min(len(nonzero), int(rng.integers(1, 6))), replace=False)] = rng.integers(129, 600)
        h = rng.integers(-20000, 20001, spec.EMBED_DIM)
        sparse = fc2_of(bench, soul, h, z)
        if (z > 128).any():
            assert sparse == wide_sparse_applies(z, w, b)
        else:
            assert sparse == all((part != 0).sum() <= SPARSE_MAX for part in (z[:32], z[32:]))


def test_a_bias_past_int16_leaves_the_call_dense():
    """A soul whose layer-1 fc2 bias puts b + 256 w at 32767 and -32768 exactly in one column (sparse)
    and one past them in another (left dense, h still exact)."""
    base = load_soul(DEFAULT_SOUL)
    w = base[f"l{LAYER}.fc2_w"].values
    b = base[f"l{LAYER}.fc2_b"].values.copy()
    top = 0
    over, column = (int(c) for c in np.argsort(w[top], kind="stable")[-1:-3:-1])    # its largest w, the next
    bottom = int(np.argmin(w[:, column]))
    assert w[top, over] > w[top, column] > 0 > w[bottom, column]
    b[top] = 32767 - 256 * w[top, column]
    b[bottom] = -32768 - 256 * w[bottom, column]
    arrays = {name: (t.values, t.shift) for name, t in base.tensors.items()}
    arrays[f"l{LAYER}.fc2_b"] = (b, base[f"l{LAYER}.fc2_b"].shift)
    soul = Soul.from_arrays(arrays)
    bench = bench_of(soul)
    rng = np.random.default_rng(7)
    h = rng.integers(-3000, 3001, spec.EMBED_DIM)
    at_edge = z_with(rng, {column: 300}, (2, 2))
    past = z_with(rng, {over: 300}, (2, 2))
    assert wide_sparse_applies(at_edge, w, b) and not wide_sparse_applies(past, w, b)
    assert fc2_of(bench, soul, h, at_edge)
    assert not fc2_of(bench, soul, h, past)


def test_layer_0_is_left_alone(shipped):
    """Layer 0's fc2 (every position's) takes no wide column into its bias: dense with one; the 48K's
    kernel options have no FW_WIDE_SPARSE of their own (its ladder takes it where it fits)."""
    soul, bench = shipped
    rng = np.random.default_rng(3)
    z = z_with(rng, {4: 200}, (2, 2))
    on_layer(bench, 0)
    h = rng.integers(-3000, 3001, spec.EMBED_DIM)
    bench.write_words(bench.sym("fw_h"), h)
    bench.write_words(bench.sym("fw_ffn"), z)
    bench.call("fw_fc2")
    w, b = soul["l0.fc2_w"].values, soul["l0.fc2_b"].values
    expected = intmath.sat16(h + intmath.sat16(intmath.shift_right(z @ w.T + b, soul["l0.fc2_w"].shift + 1)))
    assert (bench.read_words(bench.sym("fw_h"), spec.EMBED_DIM) == expected).all()
    assert bench.peek(bench.sym("mv_sparse_on"))[0] == 0
    assert "FW_WIDE_SPARSE" not in player_kernel_options("48k") and "fw_wide_sparse" in bench.symbols
