"""benchmarks/zx48_fc1_planes.py (zx48fc1p31): the 48K's fc1 by fc1planes.s, weighed. Its counts must follow
the kernel's own layout and fates (gate_bytes, gate_rows), and its room the build's own count of the bytes
free, so that the bytes it says the 48K lacks are the build's."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from soulterm.paths import CHECKOUT_DIR, DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.soul.benchmark import shipped_engine
from soulterm.zx import build as zx_build
from soulterm.zx.fc1_planes import EDGE_BYTES, END_BYTES, gate_bytes, gate_rows, row_class, row_planes

sys.path.insert(0, str(CHECKOUT_DIR / "benchmarks"))
import zx48_fc1_planes as weighed  # noqa: E402  (a benchmark script, beside z80_fc1_planes.py)


def random_gate(seed: int):
    """A 64 x 32 matrix with rows of the three classes, a bias, an x that fc1planes.s takes and a shift."""
    rng = np.random.default_rng(seed)
    spans = rng.choice([128, 64, 32], size=64)
    weights = np.stack([rng.integers(-span, span, size=32) for span in spans])
    bias = rng.integers(-32768, 32768, size=64)
    x = rng.integers(-60, 61, size=32)
    return weights, bias, x, int(rng.integers(4, 8))


@pytest.mark.parametrize("seed", range(3))
def test_the_byte_masks_are_half_of_fc1planes_planes(seed):
    weights, bias, _, _ = random_gate(seed)
    planes = len(gate_bytes(weights, bias, 0x80)) - EDGE_BYTES * len(weights) - END_BYTES
    assert weighed.byte_mask_row_bytes(weights) == EDGE_BYTES * len(weights) + planes // 2     # (a byte, not an address's two)


def test_the_planes_a_row_sums_before_its_fate():
    assert [weighed.planes_run(kind, ("zero", 4)) for kind in (0, 1, 2)] == [4, 3, 2]     # 7, 6, 5, 4 / 7, 5, 4 / 7, 4
    assert [weighed.planes_run(kind, ("zero", 0)) for kind in (0, 1, 2)] == [8, 7, 6]
    assert [weighed.planes_run(kind, fate) for kind in (0, 1, 2) for fate in (("exact",), ("sure",))] == [8, 8, 7, 7, 6, 6]
    assert weighed.planes_run(1, ("zero", 2)) == 5


@pytest.mark.parametrize("seed", range(3))
def test_the_counted_form_adds_its_plane_cost_for_every_plane_the_model_sums(seed):
    weights, bias, x, shift = random_gate(seed)
    _, fates = gate_rows(weights, bias, x, shift)
    planes = sum(weighed.planes_run(row_class(row), fate) for row, fate in zip(weights, fates))
    assert 64 * 2 <= planes <= sum(len(row_planes(row_class(row))) for row in weights)
    assert weighed.split_extra(weights, fates) == weighed.SPLIT_FILL + 64 * weighed.SPLIT_ROW + planes * weighed.SPLIT_PLANE
    assert weighed.SPLIT_CODE_AT_LEAST == 14 * 7 + 39 + 84 - 49     # (15 expansions before the thirty-third round's class 1 fall-through)
    assert weighed.SPLIT_PLANE == 187 - 172 and weighed.SPLIT_FILL == 64 * (278 + 512 - 475)     # (its comments' sums)


def test_the_room_is_the_builds_own_count():
    soul, _, tokenizer = shipped_engine()
    rung = weighed.shipped_rung(soul, tokenizer)
    built = zx_build.assemble_spectrum_player(DEFAULT_SOUL, DEFAULT_TOKENIZER, "48k")
    kept = {name: value for name, value in rung.items() if name != "coarse"}
    assert weighed.free_bytes(soul, tokenizer, **kept) == built.free_bytes
    # (since the thirty-sixth round, zx48fc1g36, the shipped 48K's fc1s run by fc1planes.s's byte masks: no coarse code;
    # the benchmark weighs against the rung with the coarse gate, fc1_bytes off, as it was built then)
    assert "mv_coarse_slots" not in built.program.symbols and "FW_FC1_BYTES" in built.program.symbols
    gated = {**kept, "fc1_bytes": False}
    assert "mv_coarse_slots" in zx_build._assemble(zx_build.player_source(
        soul, tokenizer, False, key_sums=zx_build.KEY_SUMS_48K, **gated)).symbols
    without = zx_build._assemble(zx_build.player_source(soul, tokenizer, False, key_sums=zx_build.KEY_SUMS_48K,
                                                        **kept, coarse=False))
    assert "mv_coarse_slots" not in without.symbols and "mv_gate_slots" not in without.symbols
    assert weighed.free_bytes(soul, tokenizer, **kept, coarse=False) > weighed.free_bytes(soul, tokenizer, **gated) + 1_000
