"""benchmarks/z80_fc2_planes.py (zxfc2m33): fc2 by bit planes over z's nonzero inputs, weighed against the chain.
The fill and the rows run on the Z80 core and must give every subset sum and every row's u.z exactly, for any
weights (a random soul's too) and any groups; a lookup must cost its instructions; a broken lookup must fail the
check; the chain must be the shipped 128K's matvec_nz, exact; the weighing must decline what the planes cannot
take and gain in the hybrid only where a group is dense."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from soulterm.paths import CHECKOUT_DIR

from conftest import random_soul

sys.path.insert(0, str(CHECKOUT_DIR / "benchmarks"))
import z80_fc2_planes as planes  # noqa: E402  (a benchmark script, beside z80_profile.py)


@pytest.fixture(scope="module")
def bench():
    return planes.PlanesBench()


@pytest.fixture(scope="module")
def weigher():
    from soulterm.soul.engine import Engine

    return planes.Weigher(Engine(random_soul(33)))


def random_z(rng, counts) -> np.ndarray:
    """64 inputs with counts[g] nonzero values (1..503) at random places of group g."""
    z = np.zeros(planes.GROUPS * planes.GROUP, np.int64)
    for group, count in enumerate(counts):
        places = rng.choice(planes.GROUP, count, replace=False)
        z[planes.GROUP * group + places] = rng.integers(1, 504, count)
    return z


def test_the_fill_writes_every_subset_entry_and_costs_the_same_an_entry(bench):
    rng = np.random.default_rng(33)
    costs = {}
    for count in list(range(1, planes.GROUP + 1)) * 3:
        group = int(rng.integers(0, planes.GROUPS))
        counts = [0] * planes.GROUPS
        counts[group] = count
        t_states = bench.fill(random_z(rng, counts), group)        # (checks every entry of N's subsets)
        costs.setdefault(count, set()).add(t_states)
    assert all(len(seen) == 1 for seen in costs.values()), costs   # no branch but the loop's end
    cost = {count: min(seen) for count, seen in costs.items()}
    per_entry = [(cost[k + 1] - cost[k]) / (2 ** k) for k in range(1, planes.GROUP)]
    assert len(set(per_entry)) == 1 and 100 < per_entry[0] < 160


def test_the_rows_are_exact_for_any_weights_and_groups(bench):
    rng = np.random.default_rng(2033)
    soul = random_soul(7)
    for w in (np.asarray(soul["l0.fc2_w"].values), np.asarray(soul["l1.fc2_w"].values),
              np.full((32, 64), -128), np.full((32, 64), 127)):
        for counts in ([0] * 8, [1] + [0] * 7, [0] * 7 + [8], [8] * 8, [1, 0, 2, 0, 3, 0, 4, 0],
                       [0, 5, 0, 0, 6, 7, 0, 1], list(rng.integers(0, 9, 8))):
            z = random_z(rng, counts)
            if z.sum() > planes.MOST_Q_SUM:                         # the planes' limit: z scaled under it
                z = z * planes.MOST_Q_SUM // z.sum()
            for group in range(planes.GROUPS):
                if planes.group_masks(z)[group]:
                    bench.fill(z, group)
            bench.rows(w, z)                                        # (checks every row's 16 Q + L)


def test_a_lookup_costs_its_instructions(bench):
    """A second group in a pair adds exactly its lookups (the pair's pop is the first's): 8 planes x 32 rows."""
    w = np.asarray(random_soul(3)["l1.fc2_w"].values)
    z = np.zeros(64, np.int64)
    z[[0, 8]] = [300, 17]
    for group in (0, 1):
        bench.fill(z, group)
    one = bench.rows(w, z, [1, 0] + [0] * 6)
    two = bench.rows(w, z, [1, 1] + [0] * 6)
    assert two - one == 32 * planes.PLANES * planes.LOOKUP


def test_a_broken_lookup_fails(bench, monkeypatch):
    """A lookup whose high byte loses the low byte's carry (adc a,h an add a,h) fails the rows' check."""
    kept = planes.lookup_bytes
    monkeypatch.setattr(planes, "lookup_bytes",
                        lambda register_d, mask, group: kept(register_d, mask, group).replace(b"\x8c", b"\x84"))
    w = np.asarray(random_soul(5)["l0.fc2_w"].values)
    z = np.zeros(64, np.int64)
    z[:8] = [255, 200, 250, 230, 240, 3, 90, 255]
    bench.fill(z, 0)
    with pytest.raises(AssertionError):
        bench.rows(w, z)


def test_the_chain_is_the_shipped_128ks_and_exact(weigher, monkeypatch):
    """The bench's matvec_nz takes the 128K player's nzmatvec.s options by its pieces (its form until the thirty-
    seventh round's NZ_X_BITS: every NZ_ flag and small constant its own; the addresses and the chain's room, which
    no call here reaches, differ), and its calls are exact (chain_call checks the out words)."""
    from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
    from soulterm.soul.soulfile import load_soul
    from soulterm.soul.tokenizer import Tokenizer
    from soulterm.zx import build, kernelbench

    monkeypatch.setattr(kernelbench, "NZ_X_BITS_PLAYERS", False)     # (both players' form and the 128K's rungs' test)
    monkeypatch.setattr(build, "NZ_X_BITS_PLAYERS", False)
    shipped = build.assemble_player(load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER), model="128k").symbols
    options = {name: value for name, value in shipped.items() if name.startswith("NZ_") and value < 256}
    assert "NZ_WIDE_X" in options and "NZ_SHORT_PIECES" in options
    assert {name: weigher.chain.symbols.get(name) for name in options} == options
    rng = np.random.default_rng(12)
    for counts in ([1] + [0] * 7, [2, 3, 0, 1, 0, 0, 4, 1]):
        z = random_z(rng, counts)
        z[z > 384] = 503                                             # NZ_WIDE_X's x too
        planes.chain_call(weigher.chain, weigher.engine.layers[1], z)  # (checks the out words)


def test_the_weighing_declines_what_the_planes_cannot_take(weigher):
    z = np.zeros(64, np.int64)
    z[3] = -5
    assert weigher.call(0, z)["planes"] is None
    z[:] = 0
    z[:16] = planes.MOST_Q_SUM // 15
    assert weigher.call(0, z)["planes"] is None
    z[0] -= 1 + (z.sum() - planes.MOST_Q_SUM)                        # sum z at the limit: taken
    assert weigher.call(0, z)["planes"] is not None


def test_the_hybrid_gains_only_on_a_dense_group(weigher):
    """One nonzero column: the planes' 8 lookups a row lose to the chain's one piece, no hybrid gain; a group of
    6 wide inputs (l pieces): the planes' 8 lookups a row and 63 entries' fill win over 6 pieces a row; a group
    of 8 loses again by its 255 entries' measured fill, not at the fill's floor; the net is the gain less the
    merge."""
    z = np.zeros(64, np.int64)
    z[10] = 77
    sparse = weigher.call(1, z)
    assert sparse["planes"] > sparse["chain"] and sparse["hybrid"] == sparse["net"] == 0
    z[16:22] = [201, 99, 180, 57, 250, 133]
    dense = weigher.call(1, z)
    assert dense["hybrid"] > 0
    assert dense["net"] == max(0, dense["hybrid"] - 32 * planes.MERGE_ROW)
    assert dense["floor"] > dense["net"]
    z[22:24] = [77, 41]
    full = weigher.call(1, z)
    assert full["hybrid"] == 0 and full["floor"] > 0


def test_the_distribution_counts_groups():
    z = np.zeros(64, np.int64)
    z[[0, 1, 9, 63]] = 5
    assert list(planes.group_counts(z)) == [2, 1, 0, 0, 0, 0, 0, 1]
    assert planes.group_masks(z) == [3, 2, 0, 0, 0, 0, 0, 128]
    line = planes.distribution([z, np.zeros(64, np.int64)])
    assert "2 calls" in line and "nonzero a call 2.0 (most 4)" in line and "nonempty groups 1.50 (most 3)" in line
    assert "subset entries 2.5 (most 5)" in line


def test_the_benchmark_runs_a_prompt(monkeypatch, capsys):
    """The command line on one prompt: both layers' distributions, its line (the planes dearer than the chain),
    the floor by layer and the measured unit costs (a lookup LOOKUP and its half pop)."""
    monkeypatch.setattr(sys, "argv", ["z80_fc2_planes.py", "hi", "--groups"])
    planes.main()
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("layer 0, the reply steps' fc2:") and out[1].startswith("layer 1,")
    from soulterm.paths import DEFAULT_SOUL
    from soulterm.soul.soulfile import load_soul

    soul = load_soul(DEFAULT_SOUL)
    narrow = [int((np.abs(np.asarray(soul[f"l{i}.fc2_w"].values) + 0.5) <= 64).all(axis=1).sum()) for i in (0, 1)]
    assert out[2] == ("narrow rows (weights in -64..63: plane 6 the complement of plane 7): "
                      f"layer 0 {narrow[0]} of 32, layer 1 {narrow[1]} of 32")
    line = next(text for text in out if text.startswith("hi "))
    assert int(line.split()[6].replace(",", "").replace("+", "")) > 0       # planes - chain
    assert any(text.startswith("the floor by layer") for text in out)
    assert f"a lookup {planes.LOOKUP + 5:.1f} T-states" in out[-1] and "declined, counted as the chain's: 0" in out[-1]


def test_the_chains_columns_alone_add_up(weigher):
    """One nonzero column: the call is its column alone; columns far apart in each part: the rest is their skips
    (more than 0), and the columns alone are each call's own figure."""
    z = np.zeros(64, np.int64)
    z[5] = 77
    full, alone, columns = planes.columns_alone(weigher, 1, z)
    assert full == alone > 0 and columns == 1
    z[[20, 40, 60]] = [300, 9, 130]
    full, alone, columns = planes.columns_alone(weigher, 1, z)
    single = np.zeros(64, np.int64)
    single[40] = 9
    assert columns == 4 and full > alone
    assert planes.columns_alone(weigher, 1, single)[1] == planes.chain_call(
        weigher.chain, weigher.engine.layers[1], single) - weigher.zero_call(1)
