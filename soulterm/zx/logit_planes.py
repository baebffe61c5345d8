"""The logits that may still be the largest, from the weights' top bit planes
(kernels/z80/logitplanes.s): its integer model and its bench.

`select_rows` follows lg_select step for step (the one-byte tables e_g = E_g >> s, every
row's Q_4 from planes 7..4, the threshold best - D_k + 1, then plane 3, 2, 1, 0 for the rows
left) so that a test can hold the kernel to the model and the model to the engine's argmax;
`run_select` calls the kernel on a Z80Bench that includes it (`SELECT_SOURCE`).
"""

from __future__ import annotations

import numpy as np

from .soul_layout import plane_bytes

SELECT_SOURCE = '.include "logitplanes.s"\n'   # Z80Bench's extra_source: logitplanes.s after the other kernels
MOST_SUM = 4095          # logitplanes.s's LG_MOST_SUM: sum |x| above it and a logit might saturate
COLS = 32
GROUPS, GROUP_COLS = 4, 8
ROW_BYTES = 32           # LG_ROW_BYTES: a row's masks (soul_layout.plane_bytes'; split_masks' two halves)
TOP_PLANES = 4           # every row takes planes 7..4
# the 128K player's forms of lg_select with LG_BANK_0 (build.py gives each): the row pass two rows a round
# (thirty-third round), each odd row's start from its table page, a negative x subtracted and the first list
# against the best row's own lower end (thirty-fourth: select_rows' best_lower)
BANK_0_OPTIONS = ("LG_ROWS_PAIRED", "LG_STARTS_IN_PAGE", "LG_NEGATIVES_SUBTRACTED", "LG_BEST_LOWER")
BANK_0_FORM = "".join(f"\n{name} = 1" for name in BANK_0_OPTIONS)    # (a Z80Bench's options' lines)


def takes(x) -> bool:
    """Whether lg_select takes x (else carry set): sum |x| <= MOST_SUM and no -32768."""
    x = np.asarray(x, dtype=np.int64)
    return len(x) == COLS and int(np.abs(x).sum()) <= MOST_SUM and not (x == -32768).any()


def select_tables(x):
    """(the four one-byte tables, s, S): e_g[m] = E_g[m] >> s, s the least with sum_g S_g >> s <= 255."""
    groups = np.asarray(x, dtype=np.int64).reshape(GROUPS, GROUP_COLS)
    sizes = np.abs(groups).sum(axis=1)
    scale = 0
    while (sizes >> scale).sum() > 255:
        scale += 1
    masks = np.arange(256)
    bits = (masks[:, None] >> np.arange(GROUP_COLS)[None, :]) & 1
    sums = (bits @ groups.T).T - np.minimum(groups, 0).sum(axis=1)[:, None]     # E_g: 0..S_g
    return sums >> scale, scale, int(sizes.sum())


def plane_sums(weights, tables) -> np.ndarray:
    """Each row's A_b (planes 7..0): its four masks' entries summed."""
    u = (np.asarray(weights, dtype=np.int64) + 128).reshape(len(weights), GROUPS, GROUP_COLS)
    sums = []
    for plane in range(7, -1, -1):
        masks = (((u >> plane) & 1) << np.arange(GROUP_COLS)).sum(axis=2)
        sums.append(tables[np.arange(GROUPS)[None, :], masks].sum(axis=1))
    return np.stack(sums, axis=1)


def ceil_shift(value: int, bits: int) -> int:
    return -(-value >> bits)


def threshold(best: int, level: int, scale: int, size: int, shift: int) -> int:
    """lg_threshold: max(0, best - D_k + 1), D_k = ceil((2^(8-k) - 1) S / 2^(s+8-k)) + ceil(4 (2^s -
    1)(2^k - 1) / 2^s) + t_k, t_k = 2^(shift + k - 8 - s) or 1: (W_k + 2^shift) / M bounded above."""
    exponent = shift + level - 8 - scale
    distance = (ceil_shift(((1 << (8 - level)) - 1) * size, scale + 8 - level)
                + ceil_shift(4 * ((1 << scale) - 1) * ((1 << level) - 1), scale)
                + (1 << exponent if exponent > 0 else 1))
    return max(0, best - distance + 1)


def best_lower_threshold(q4, planes, scale: int, size: int, shift: int) -> int:
    """lg_select's first list's least Q_4 with LG_BEST_LOWER (thirty-fourth round): max(0, floor((Q_8 - c) / 16)
    + 1), Q_8 = 16 Q_4 + 8 A_3 + 4 A_2 + 2 A_1 + A_0 the best row's (the last of the largest Q_4, as lg_row keeps
    it), c = 960 - (960 >> s) + ceil(15 S / 2^s) + 2^(shift - s). The best's sum is at least 2^s Q_8 + C (each
    entry's floor from below); a row's at most 2^(s+4) Q_4 + 960 (2^s - 1) + 15 S + C (planes 7..4's floors, planes
    3..0 at most S each): one below the least lies 2^shift or more below the best, its logit strictly smaller. The
    best's own Q_4 is never below it (its planes 3..0 add at most 15 S / 2^s < c)."""
    best = len(q4) - 1 - int(np.argmax(q4[::-1]))
    q8 = int(q4[best])
    for plane in range(TOP_PLANES, 8):
        q8 = 2 * q8 + int(planes[best, plane])
    below = 960 - (960 >> scale) + ceil_shift(15 * size, scale) + (1 << (shift - scale))
    return max(0, (q8 - below) // 16 + 1)


def select_rows(weights, x, shift: int, best_lower: bool = False):
    """lg_select's (rows left, each row's Q at its last plane) for `weights` (its rows numbered
    from 0); None where it declines x. `best_lower`: LG_BEST_LOWER's first list (best_lower_threshold)."""
    if not takes(x):
        return None
    tables, scale, size = select_tables(x)
    planes = plane_sums(weights, tables)
    q = (8 * planes[:, 0] + 4 * planes[:, 1] + 2 * planes[:, 2] + planes[:, 3]).astype(np.int64)
    level = TOP_PLANES
    if best_lower:
        least = best_lower_threshold(q, planes, scale, size, shift)
    else:
        least = threshold(int(q.max()), level, scale, size, shift)
    rows = [r for r in range(len(q)) if q[r] >= least]
    while len(rows) > 1 and level < 8:
        level += 1
        for r in rows:
            q[r] = 2 * q[r] + planes[r, level - 1]
        least = threshold(int(q[rows].max()), level, scale, size, shift)
        rows = [r for r in rows if q[r] >= least]
    return rows, q


def split_masks(weights) -> bytes:
    """lg_select's masks (lg_split's layout): every row's planes 7..4 (the first half of its
    plane_bytes row), then every row's planes 0..3 (the second half)."""
    masks = plane_bytes(weights)
    rows = [masks[at:at + ROW_BYTES] for at in range(0, len(masks), ROW_BYTES)]
    half = ROW_BYTES // 2
    return b"".join(row[:half] for row in rows) + b"".join(row[half:] for row in rows)


def place_masks(bench, weights, at: int) -> int:
    """split_masks(weights) at `at`, lg_top and lg_low set to its halves; returns its bytes."""
    masks = split_masks(weights)
    bench.poke(at, masks)
    bench.poke_word(bench.sym("lg_top"), at)
    bench.poke_word(bench.sym("lg_low"), at + len(masks) // 2)
    return len(masks)


def run_select(bench, weights, x, shift: int, buffers: int = 0xA000, tables_page: int = 0xE0):
    """The masks (split_masks') at `buffers`, then x, the sums and the list; lg_select. Returns (rows
    left or None where it declined, T-states)."""
    size = place_masks(bench, weights, buffers)
    rows = size // ROW_BYTES
    x_at = buffers + size
    sums_at = x_at + 2 * COLS
    list_at = sums_at + 2 * rows
    bench.write_words(x_at, np.asarray(x, dtype=np.int64))
    for name, value in (("lg_x", x_at), ("lg_sums", sums_at), ("lg_list", list_at)):
        bench.poke_word(bench.sym(name), value)
    bench.poke(bench.sym("lg_rows"), [rows])
    bench.poke(bench.sym("lg_shift"), [shift])
    bench.poke(bench.sym("lg_page"), [tables_page])
    t_states = bench.call("lg_select")
    if bench.cpu.f & 1:
        return None, t_states
    count = bench.peek(bench.sym("lg_count"))[0]
    return list(bench.peek(list_at, count)), t_states
