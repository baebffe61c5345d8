"""The 48K's logits' tops on one-byte tables (kernels/z80/logitbytes48.s and planes_wide.s's fw_out_bytes,
WP_TOPS_BYTES, thirty-sixth round): their integer model, and a 48K player's bench that has them.

`select_rows` follows wb_tops and fw_out_bytes step for step (the tables e_g = E_g >> s, s the least with
S >> s <= 255; every row's Q_4 from planes 7..4; the first list against the best Q_4 row's own lower end; the
rows kept's Q_8 and the second list) so that a test can hold the kernel to the model and the model to the
engine's argmax. `tops_bytes_bench` builds the shipped soul's 48K player with WP_TOPS_BYTES forced, for the
kernels' tests and benchmarks: the 48K has no room for it yet, so that build leaves out the word list (the
cold part's room) and MV_HZ_ENDS (above $8000): it runs on the bench's 64K, not on a real 48K.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from .kernelbench import player_bench
from .soul_layout import plane_bytes

MOST_SUM = 4095          # planes.s's WP_MOST_SUM: above it wb_tops declines x
GROUPS, GROUP_COLS = 4, 8
TOP_PLANES = 4
GIVEN_BACK = ("MV_HZ_ENDS",)     # the spend tops_bytes_bench's build leaves out for WP_TOPS_BYTES' room


def scale_of(x) -> tuple[int, int] | None:
    """(S, s) for wb_tops: S = sum |x|, s the least with S >> s <= 255; None where it declines x (S > 4,095)."""
    size = int(np.abs(np.asarray(x, dtype=np.int64)).sum())
    if size > MOST_SUM:
        return None
    scale = 0
    while size >> scale > 255:
        scale += 1
    return size, scale


def tables(x) -> np.ndarray:
    """The four tables (4 x 256): e_g[m] = E_g[m] >> s, E_g the subset sums less the group's negative x."""
    groups = np.asarray(x, dtype=np.int64).reshape(GROUPS, GROUP_COLS)
    bits = (np.arange(256)[:, None] >> np.arange(GROUP_COLS)[None, :]) & 1
    sums = (bits @ groups.T).T - np.minimum(groups, 0).sum(axis=1)[:, None]
    return sums >> scale_of(x)[1]


def plane_sums(weights, table: np.ndarray) -> np.ndarray:
    """Each row's A_b for planes 7..0 (columns 0..7): its four masks' entries summed."""
    u = (np.asarray(weights, dtype=np.int64) + 128).reshape(len(weights), GROUPS, GROUP_COLS)
    sums = []
    for plane in range(7, -1, -1):
        masks = (((u >> plane) & 1) << np.arange(GROUP_COLS)).sum(axis=2)
        sums.append(table[np.arange(GROUPS)[None, :], masks].sum(axis=1))
    return np.stack(sums, axis=1)


def horner(planes: np.ndarray, count: int) -> np.ndarray:
    """Q_k: the first `count` planes' sums by a left Horner (Q_4: 8 A_7 + 4 A_6 + 2 A_5 + A_4)."""
    q = np.zeros(len(planes), dtype=np.int64)
    for column in range(count):
        q = 2 * q + planes[:, column]
    return q


def first_least(q8_best: int, size: int, scale: int, shift: int) -> int:
    """fw_out_bytes' least Q_4 kept: max(0, floor((Q_8b - c) / 16) + 1), c = ceil(15 S / 2^s) + 960 - (960 >> s)
    + 2^(shift - s)."""
    c = -(-15 * size >> scale) + 960 - (960 >> scale) + (1 << (shift - scale))
    return 0 if q8_best < c else (q8_best - c) // 16 + 1


def second_least(best: int, scale: int, shift: int) -> int:
    """The least Q_8 + 1 left of the rows kept: max(1, best - D_8 + 1), best their largest Q_8 + 1 and
    D_8 = 1,020 - (1,020 >> s) + 2^(shift - s)."""
    return max(1, best - (1020 - (1020 >> scale) + (1 << (shift - scale))) + 1)


def select_rows(weights, x, shift: int) -> dict | None:
    """The model of wb_tops and fw_out_bytes on `weights` (the choosable rows, numbered from 0) and x: the
    tables, each row's Q_4, the rows of the first list, their Q_8 + 1 and the rows left; None where it declines."""
    scaled = scale_of(x)
    if scaled is None:
        return None
    size, scale = scaled
    table = tables(x)
    planes = plane_sums(weights, table)
    q4 = horner(planes, TOP_PLANES)
    best = len(q4) - 1 - int(np.argmax(q4[::-1]))        # (the last of the largest, as wb_tops keeps it)
    q8 = horner(planes, 8)
    least = first_least(int(q8[best]), size, scale, shift)
    kept = [row for row in range(len(q4)) if q4[row] >= least]
    words = {row: int(q8[row]) + 1 for row in kept}
    left = kept
    if len(kept) > 1:
        bound = second_least(max(words.values()), scale, shift)
        left = [row for row in kept if words[row] >= bound]
    return dict(size=size, scale=scale, tables=table, q4=q4, best=best, least=least, kept=kept, words=words,
                left=left)


@contextmanager
def _forced_tops_bytes(tops: bool = True):
    """build.spends_that_fit taking the ladder's own choice less GIVEN_BACK, and WP_TOPS_BYTES with `tops`."""
    from . import build as zx_build

    original = zx_build.spends_that_fit

    def forced(fits, spends=zx_build.SPENDS_48K):
        others = original(fits, tuple(name for name in spends if name != zx_build.TOPS_BYTES_48K))
        return tuple(name for name in others if name not in GIVEN_BACK) + (zx_build.TOPS_BYTES_48K,) * (
            tops and zx_build.TOPS_BYTES_48K in spends)

    zx_build.spends_that_fit = forced
    try:
        yield
    finally:
        zx_build.spends_that_fit = original


def tops_bytes_program(soul, tokenizer, tops: bool = True):
    """The 48K player's program with WP_TOPS_BYTES (no word list, GIVEN_BACK left out: see the module's doc);
    without `tops` the same build less WP_TOPS_BYTES (today's logits: the baseline its worth is measured against)."""
    from .build import assemble_player

    with _forced_tops_bytes(tops):
        return assemble_player(soul, tokenizer, word_list=False)


def tops_bytes_bench(soul, tokenizer, tops: bool = True):
    """kernelbench.player_bench on tops_bytes_program."""
    from . import build as zx_build

    program = tops_bytes_program(soul, tokenizer, tops)
    real = zx_build.assemble_player
    zx_build.assemble_player = lambda *args, **kwargs: program
    try:
        return player_bench(soul, tokenizer)
    finally:
        zx_build.assemble_player = real


def out_planes(weights) -> bytes:
    """Out's choosable rows as the player with WP_TOPS_BYTES lays them out: plane_bytes', unmarked."""
    return plane_bytes(weights)
