"""The matvec by bit planes of the weights (kernels/z80/planes.s): its integer model and its bench.

`planes_matvec` follows planes.s step for step (the tables E_g, the top planes' Q,
a narrow row's plane 6 as S - P'_7, the low planes' R, c_hi folded into both Horners' starts, the row's end) so that a test can hold both the
kernel and the model to intmath.matvec; `run_planes` calls the kernel on a Z80Bench
that includes it (`PLANES_SOURCE`). soul_layout.plane_bytes lays a matrix out.
"""

from __future__ import annotations

import numpy as np

from .soul_layout import (PLANE_GROUP_COLS, PLANE_GROUPS, PLANE_ORDER, narrow_bits, narrow_bits_bytes, plane_bytes, plane_classes, plane_groups,
                          plane_words)

PLANES_SOURCE = '.include "planes.s"\n'     # Z80Bench's extra_source: planes.s after the other kernels
WORD_TABLES_SOURCE = "WP_WORD_TABLES = 1\n" + PLANES_SOURCE   # the same with word tables (twenty-ninth round, zxqkv128)
MOST_SUM = 4095          # planes.s's WP_MOST_SUM: sum |x| above it and Q or R would overflow 16 bits
LEAST_SHIFT = 4          # WP_LEAST_SHIFT: the row's end shifts right by shift - 4, 0..15
MOST_SHIFT = LEAST_SHIFT + 15
COLS = PLANE_GROUPS * PLANE_GROUP_COLS
CLASSES_AT = 0x9E00      # run_planes' wp_classes on the bench: a page of its own (wp_rows steps with inc l)


def planes_fit(x, shift: int) -> bool:
    """Whether planes.s takes the call (else matvec.s's): 32 columns, sum |x| and shift in range."""
    x = np.asarray(x, dtype=np.int64)
    return len(x) == COLS and int(np.abs(x).sum()) <= MOST_SUM and LEAST_SHIFT <= shift <= MOST_SHIFT


def mixed_plane_rows(rng, rows: int) -> np.ndarray:
    """Test rows whose weights need 6 planes (-32..31), 7 (-64..63) or 8 (-128..127), each with an end of its range:
    the kernels' tests' mix of planes.s's row classes."""
    w = np.empty((rows, COLS), int)
    for row in range(rows):
        low = int(rng.choice([-32, -64, -128]))
        w[row] = rng.integers(low, -low, COLS)
        w[row, rng.integers(COLS)] = low if rng.integers(2) else -low - 1
    return w


def vector_with_sum(rng, total: int, low: int = -300, high: int = 300) -> np.ndarray:
    """The tests' input: 32 words drawn in low..high-1, scaled down so that sum |x| is at most `total`."""
    x = rng.integers(low, high, 32)
    size = int(np.abs(x).sum())
    return x * total // size if size > total else x


def plane_tables(x) -> tuple[list[list[int]], int, int]:
    """wp_tables' work: the four tables E_g[m] = sum of group g's x over m's bits - N_g, and
    (c_lo, c_hi) with 16 c_hi + c_lo = -128 S - N, S = sum |x|, N the sum of the negative x."""
    x = [int(v) for v in x]
    tables = []
    for group in range(PLANE_GROUPS):
        xs = x[PLANE_GROUP_COLS * group:PLANE_GROUP_COLS * (group + 1)]
        negative = sum(v for v in xs if v < 0)
        tables.append([sum(v for j, v in enumerate(xs) if m >> j & 1) - negative for m in range(256)])
    total_negative = sum(v for v in x if v < 0)
    constant = -128 * sum(abs(v) for v in x) - total_negative
    return tables, constant & 15, constant >> 4


def word_table(bench, group: int) -> list[int]:
    """Group GROUP's 256 subset sums as WP_WORD_TABLES' wp_tables leaves them: words on its two pages from WP_PAGE."""
    return list(bench.read_words((bench.sym("WP_PAGE") + 2 * group) << 8, 256))


def word_tables_built(bench, x, at: int) -> tuple[bool, list[list[int]]]:
    """WP_WORD_TABLES' wp_tables on the words x (written at `at`): its carry (set: nothing built, sum |x| too large)
    and the four groups' tables (word_table)."""
    bench.write_words(at, x)
    bench.poke_word(bench.sym("wp_x"), at)
    bench.call("wp_tables")
    return bool(bench.cpu.f & 1), [word_table(bench, group) for group in range(4)]


def low_start_in_table(c_lo: int, c_hi: int) -> tuple[int, int]:
    """planes.s's WP_LOW_START_IN_TABLE (thirty-third round, zxrows33): (delta, K') such that group 3's table E_3 + delta
    and Q's start K' stand for both Horners' starts, R's start 0: 128 K' + 255 delta = 16 c_hi + c_lo (each of a
    row's 8 planes reads group 3 once, 15 delta into Q and 15 into L, 16 Q + L the sum), delta = -(c_lo + 16 r) mod
    128 (0..127, r = c_hi & 7), so that R's start is 0 and no row loads one."""
    start = c_lo + 16 * (c_hi & 7)
    delta = -start & 127
    top = (c_hi >> 3) + (start + delta) // 128 - 2 * delta
    assert 128 * top + 255 * delta == 16 * c_hi + c_lo
    return delta, top


def start_in_table_tables(x) -> list[list[int]]:
    """WP_LOW_START_IN_TABLE's tables (the 128K player's since the thirty-third round): plane_tables' with group 3's
    entries low_start_in_table's delta more."""
    tables, c_lo, c_hi = plane_tables(x)
    delta, _ = low_start_in_table(c_lo, c_hi)
    return tables[:3] + [[entry + delta for entry in tables[3]]]


def planes_matvec(weights, x, shift: int, classes: bool = True, start_in_table: bool = False) -> np.ndarray:
    """planes.s's out for W x at `shift` (planes_fit must hold), by its own steps; with `classes`
    (wp_classes set: plane_classes) a narrow row's Q starts at S + P'_7 and plane 6 goes unread; with
    `start_in_table` (WP_LOW_START_IN_TABLE) group 3's table is biased by low_start_in_table's delta, Q starts at
    its K' and R at 0."""
    if not planes_fit(x, shift):
        raise ValueError("planes.s does not take this call")
    tables, c_lo, c_hi = plane_tables(x)
    total = int(np.abs(np.asarray(x, dtype=np.int64)).sum())
    delta, top_start, low_start = 0, c_hi >> 3, c_lo + 16 * (c_hi & 7)
    if start_in_table:
        delta, top_start = low_start_in_table(c_lo, c_hi)
        tables = start_in_table_tables(x)
        low_start = 0
    data = plane_bytes(weights)
    narrow = plane_classes(weights) if classes else bytes(len(data) // COLS)
    out = []
    for row in range(len(data) // COLS):
        masks = data[COLS * row:COLS * (row + 1)]
        sums = {}
        for i, plane in enumerate(PLANE_ORDER):
            if plane == 6 and narrow[row]:
                continue
            sums[plane] = sum(tables[g][masks[PLANE_GROUPS * i + k]] for k, g in enumerate(plane_groups(plane)))
        # Q from K = c_hi >> 3 and R from c_lo + 16 (c_hi & 7): c_hi folded into the Horners' starts
        # (start_in_table: P'_6 = S + 2 delta - P'_7, group 3's entries each delta more)
        top = top_start
        top = 2 * top + total + 2 * delta + sums[7] if narrow[row] else 2 * (top + sums[7]) + sums[6]
        for plane in (5, 4):
            top = 2 * top + sums[plane]
        low = low_start
        for plane in (0, 1, 2, 3):
            assert low + sums[plane] < 65536         # (DE in planes.s; IX's Q may wrap, the sum cannot)
            low = (low + sums[plane]) >> 1
        value = top + low                  # floor(W x / 16): |W x| <= 128 S < 2^19, 16 bits signed
        assert -32768 <= value < 32768
        out.append(value >> (shift - LEAST_SHIFT))
    return np.array(out, dtype=np.int64)


def load_planes(bench, weights, buffers: int = 0xA000) -> int:
    """W in plane_bytes' layout at `buffers`; returns the first free address after it."""
    data = plane_bytes(weights, marked="WP_NARROW_MARK" in bench.symbols)  # (the 48K's narrow rows' mark)
    if "WP_NARROW_BITS" in bench.symbols:       # (the 48K's since zx48narrow36: class bits, then the rows)
        data = narrow_bits_bytes(weights)
    if "WP_WORD_TABLES" in bench.symbols:       # (the masks as their entries' addresses: 64 bytes a row)
        data = plane_words(weights, bench.sym("WP_PAGE"))
    bench.poke(buffers, data)
    return buffers + len(data)


def run_planes(bench, weights, x, shift: int, buffers: int = 0xA000, tables: bool = True, classes: bool = True):
    """W at `buffers`, x and out after it; wp_tables (unless `tables` is False: the tables of the
    call before stand) then wp_rows, with W's plane_classes at CLASSES_AT (wp_classes 0 without
    `classes`: every row by its 8 planes). Returns (out, tables' T-states or None, rows' T-states);
    out is None where wp_tables declined the call (carry set)."""
    x_address = load_planes(bench, weights, buffers)
    w_address = buffers
    if "WP_NARROW_BITS" in bench.symbols:       # (the class bits at `buffers`, the rows after them)
        w_address += len(narrow_bits(weights))

    def classes_in(bench):
        if "WP_NARROW_BITS" in bench.symbols:
            bench.poke_word(bench.sym("wp_classes"), buffers)
            return
        if "wp_classes" not in bench.symbols:       # (WP_NO_CLASSES, the 48K's: every row by its 8 planes)
            return
        bench.poke(CLASSES_AT, plane_classes(weights))
        bench.poke_word(bench.sym("wp_classes"), CLASSES_AT if classes else 0)
    return run_tables_and_rows(bench, "wp", w_address, x_address, len(weights), x, shift, tables, classes_in)


def planes_header_figures(bench) -> list[str]:
    """What a planes.s header paragraph states of a bench's form, measured on it: wp_tables on an x of sum |x|
    1,660, 32 rows at shift 4 all narrow, 32 at shift 7 (random weights of seed 16) and the bench's bytes."""
    rng = np.random.default_rng(16)
    x = vector_with_sum(rng, 1660, -128, 128)
    _, table_t, _ = run_planes(bench, rng.integers(-128, 128, (1, 32)), x, LEAST_SHIFT)
    _, _, narrow_t = run_planes(bench, rng.integers(-64, 64, (32, 32)), x, LEAST_SHIFT, tables=False)
    _, _, seven_t = run_planes(bench, rng.integers(-128, 128, (32, 32)), x, 7, tables=False)
    return [f"wp_tables {table_t:,};", f"32 narrow rows at shift 4 {narrow_t:,}", f"32 rows at shift 7 {seven_t:,}",
            f"{bench.sym('wp_code_end') - bench.sym('wp_x'):,} bytes in the bench"]


def run_tables_and_rows(bench, prefix: str, w_address: int, x_address: int, rows: int, x, shift: int,
                        tables: bool = True, before_rows=None):
    """A plane kernel's call on the bench (planes.s's "wp", fc1planes.s's "fg": PREFIX_tables on x, then
    PREFIX_rows on the matrix at `w_address`): x at `x_address`, out after it; the tables left as the call
    before left them where `tables` is False; `before_rows(bench)` pokes what else the rows read. Returns
    (out, tables' T-states or None, rows' T-states); out is None where PREFIX_tables declined (carry set)."""
    out_address = x_address + 2 * COLS
    bench.write_words(x_address, np.asarray(x, dtype=np.int64))
    table_t = None
    if tables:
        bench.poke_word(bench.sym(f"{prefix}_x"), x_address)
        table_t = bench.call(f"{prefix}_tables")
        if bench.cpu.f & 1:
            return None, table_t, 0
    if before_rows is not None:
        before_rows(bench)
    bench.poke_word(bench.sym(f"{prefix}_w"), w_address)
    bench.poke_word(bench.sym(f"{prefix}_out"), out_address)
    bench.poke(bench.sym(f"{prefix}_rows_count"), [rows])
    bench.poke(bench.sym(f"{prefix}_shift"), [shift])
    rows_t = bench.call(f"{prefix}_rows")
    return bench.read_words(out_address, rows), table_t, rows_t


def turn_steps(engine, context: list[int]):
    """Each step of a turn as the engine runs it (the prompt, then its reply until END or a full context): yields
    (position, state, inputs) after the step, before the next token is chosen, so the state is the step's; inputs
    are Engine.step's (name, x, ...) ("l0.qkv", "out", ...)."""
    from soulterm.soul import spec

    state, tokens = engine.new_state(), list(context)
    for position in range(spec.CONTEXT):
        if position == len(tokens):
            break
        inputs: list = []
        logits = engine.step(state, tokens[position], inputs)
        yield position, state, inputs
        chosen = engine.next_token(logits)
        if position + 1 == len(tokens) and chosen != spec.END:
            tokens.append(chosen)


def turn_inputs(engine, context: list[int]) -> list[tuple[int, str, np.ndarray]]:
    """Every matvec input of a turn as the engine runs it (turn_steps): (position, name, x), name as Engine.step's
    inputs ("l0.qkv", "out", ...)."""
    return [(position, name, np.asarray(x, dtype=np.int64))
            for position, _, inputs in turn_steps(engine, context) for name, x, _ in inputs]


def player_proj_calls(engine, context: list[int]):
    """The proj calls a Spectrum player runs in a turn, from turn_inputs: (position, name, x, layer,
    reply) for layer 0's at every position and layer 1's at the prompt's last position and the reply's (a
    prompt position's work runs layer 1's norm, k and v only); the other inputs as turn_inputs gives them,
    layer None, for a caller that also looks at those."""
    for position, name, x in turn_inputs(engine, context):
        if not name.endswith(".proj"):
            yield position, name, x, None, False
            continue
        layer, reply = int(name[1]), position >= len(context) - 1
        if layer == 1 and not reply:
            continue
        yield position, name, x, layer, reply


def print_proj_table(times: dict, ways: tuple[str, ...], width: int) -> None:
    """player_proj_calls' calls' mean T-states each way, by layer and by where the call runs."""
    print(f"{'call':34} {'calls':>6} " + " ".join(f"{way:>{width}}" for way in ways))
    for (layer, reply), rows in sorted(times.items()):
        means = np.asarray(rows).mean(axis=0)
        where = "a reply step" if reply else "a prompt position"
        print(f"{f'l{layer} proj, {where}':34} {len(rows):6} " + " ".join(f"{int(m):{width},}" for m in means))


def qkv_matrices(engine, layer: int) -> list[tuple[np.ndarray, int]]:
    """Layer `layer`'s q, k and v as (W rows x 32, shift), the engine's own (qkv_t, qkv_shift)."""
    from soulterm.soul import spec

    parts = engine.layers[layer]
    width = spec.EMBED_DIM
    return [(parts.qkv_t[:, width * i:width * (i + 1)].T, int(parts.qkv_shift[width * i])) for i in range(3)]
