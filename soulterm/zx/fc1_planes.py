"""fc1's ReLU gate by bit planes of the weights (kernels/z80/fc1planes.s): its integer model and its bench.

`gate_rows` follows fg_rows step for step (the four tables E_g of 8 columns, a word an entry,
u' = 127 - w in bit planes, U = -s' + E'_7 (s' = c1 + 1 + bh: s rounded up, no carry a row, since the
thirty-third round) then U = 2 U + E'_b, a row proved 0 where U >= 0 after planes 4..0, fg_sure's rows with U < -2048 after plane 4, the rest exact from U_0) so that a test can
hold the kernel to the model and both to the engine's relu(matvec); `run_gate` calls the kernel on a
Z80Bench that includes it (`FG_SOURCE`). In neither player (docs/spectrum.md, "Twenty-seventh round:
fc1's gate by bit planes").
"""

from __future__ import annotations

import numpy as np

from .weight_planes import run_tables_and_rows

FG_SOURCE = '.include "fc1planes.s"\n'     # Z80Bench's extra_source: fc1planes.s after the other kernels
MOST_SUM = 2047          # FG_MOST_SUM: sum |x| above it and U could wrap 16 bits
LEAST_SHIFT, MOST_SHIFT = 4, 7
COLS = 32
GROUP_COLS = (8, 8, 8, 8)
GROUP_PAGES = 2          # a group's 256 word entries: entry m at 2 m from its first page
PLANE_BYTES = 8          # a plane's 4 masks, each its entry's address (offset, page)
BYTE_PLANE_BYTES = 4     # FG_BYTE_MASKS' (the 48K's): a plane's 4 masks as bytes, on planes.s's tables
HEAD_BYTES = 4           # a row's class's start and -bh 2^class
TAIL_BYTES = 2           # bl and 0 after its planes (since the thirty-third round: the ends alone read bl)
EDGE_BYTES = HEAD_BYTES + TAIL_BYTES     # a row's bytes besides its planes
END_BYTES = 2            # the rows' end mark after the last row: fg_rows_done's address (since the thirty-third round)
SURE_BELOW = -2048       # after plane 4, U below it: positive, its planes 3..0 apart (fg_sure)
ZERO_AFTER = (4, 3, 2, 1, 0)     # the planes after which U >= 0 proves a row 0


def takes(x, shift: int) -> bool:
    """Whether fg_tables builds (sum |x| <= MOST_SUM) and fg_rows takes the shift."""
    x = np.asarray(x, dtype=np.int64)
    return len(x) == COLS and int(np.abs(x).sum()) <= MOST_SUM and LEAST_SHIFT <= shift <= MOST_SHIFT


def group_columns():
    start = 0
    for cols in GROUP_COLS:
        yield start, cols
        start += cols


def row_class(row) -> int:
    """0, or 1 where the row's weights all lie in -64..63 (plane 6 of u' is ~plane 7: left out), or 2 in
    -32..31 (planes 6 and 5 left out)."""
    low, high = int(np.min(row)), int(np.max(row))
    return 2 if low >= -32 and high <= 31 else 1 if low >= -64 and high <= 63 else 0


def row_planes(kind: int) -> tuple:
    """The planes a row of class `kind` holds, in order."""
    return (7,) + tuple(range(6 - kind, -1, -1))


def row_bytes(kind: int, byte_masks: bool = False) -> int:
    """A row's bytes in gate_bytes' layout, by its class (`byte_masks`: FG_BYTE_MASKS')."""
    return EDGE_BYTES + (BYTE_PLANE_BYTES if byte_masks else PLANE_BYTES) * len(row_planes(kind))


def plane_groups(kind: int, plane: int) -> tuple:
    """FG_BYTE_MASKS' order of a plane's 4 masks in a row of class `kind`: fg_sums_up's groups 0..3 for planes 5, 3,
    1 and plane 7 (class 1's excepted), fg_sums_down's 3..0 for the others (planes.s's pages walked without a reload)."""
    up = plane % 2 == 1 and not (plane == 7 and kind == 1)
    return (0, 1, 2, 3) if up else (3, 2, 1, 0)


def group_pages(page) -> tuple:
    """Each group's first table page: from one page, 2 a group (the bench's FG_PAGE), or the four given
    (the 128K player's, groups 2 and 3 on pages of their own: fg_table_pages_high)."""
    return tuple(page) if isinstance(page, (tuple, list)) else tuple(page + GROUP_PAGES * g for g in range(len(GROUP_COLS)))


def rows_marks(symbol) -> tuple:
    """gate_bytes' `starts` from an assembly's symbols (`symbol(name)`): fg_start_0, 1, 2 and fg_rows_done."""
    return tuple(symbol(f"fg_start_{kind}") for kind in range(3)) + (symbol("fg_rows_done"),)


# FG_GROUP_FORMS (thirty-fifth round, zxfc1g35): a row of class c whose groups W (two or three) have weights one class
# narrower (FORM_RANGES[c]) starts at the stub fg_form_c_k (k = 4 - |W|), reads plane 7 for its other groups, then the
# lower plane's words in group order (a group in W gives its plane-7 mask there) and T[W]'s (fg_group_sums + 2 W), then
# its exit word (FORM_EXITS[c], its class's next plane), then its planes as before
FORM_RANGES = ((-64, 63), (-32, 31), (-16, 15))
FORM_EXITS = ("fg_plane_5", "fg_plane_4", "fg_test_4")
FORM_SUMS = "fg_group_sums"
FORM_MOST_GROUPS = 3     # (the stubs take k = 1, 2; T[W] holds |W| = 2, 3)


def row_form(row) -> tuple[int, int]:
    """FG_GROUP_FORMS' (class, W) for a row: W the bit set of its groups whose weights lie in FORM_RANGES[class],
    the first FORM_MOST_GROUPS of them, or 0 (the class's own row) where fewer than 2."""
    row = np.asarray(row, dtype=np.int64)
    kind = row_class(row)
    low, high = FORM_RANGES[kind]
    narrow = [g for g, (start, cols) in enumerate(group_columns())
              if low <= int(row[start:start + cols].min()) and int(row[start:start + cols].max()) <= high]
    narrow = narrow[:FORM_MOST_GROUPS]
    return kind, sum(1 << g for g in narrow) if len(narrow) >= 2 else 0


def form_saving(kind: int, groups: int) -> int:
    """The T-states fg_rows saves on a row of form (kind, W) against its class's own start (every row reads its
    planes 7..4): the shared block's 43 (|W| - 1) lookups fewer, less the stub's jp and the block's ret (10 each;
    class 0's own start jumps too, its stub reads K0 from memory: 10 more; class 2's own start jumps; the class 1,
    k = 2 stub falls into the block)."""
    if not groups:
        return 0
    k = 4 - bin(groups).count("1")
    return 43 * (3 - k) - {0: 20, 1: 20 - 10 * (k == 2), 2: 10}[kind]


def gate_items(weights, bias, page, group_forms: bool = False, byte_masks: bool = False) -> list[list]:
    """gate_bytes' rows as items: bytes, or a symbol's name (an expression: a word of the assembly's), each row a
    list, the rows' end mark (fg_rows_done) last as a row of its own. With `group_forms`, FG_GROUP_FORMS' rows; with
    `byte_masks`, FG_BYTE_MASKS' (each mask m a byte, in plane_groups' order; `page` unread)."""
    w = np.asarray(weights, dtype=np.int64)
    rows = []
    for row, b in zip(w, np.asarray(bias, dtype=np.int64)):
        b = int(b)
        kind, groups = row_form(row) if group_forms else (row_class(row), 0)
        high = (-(b >> 7) << kind) & 0xFFFF
        complement = 127 - row

        def word(plane, g):
            start, cols = list(group_columns())[g]
            mask = int((((complement[start:start + cols] >> plane) & 1) << np.arange(cols)).sum())
            if byte_masks:
                return bytes([mask])
            return bytes([(2 * mask) & 255, group_pages(page)[g] + (mask >> 7)])

        planes = row_planes(kind)
        items = [f"fg_start_{kind}" if not groups else f"fg_form_{kind}_{4 - bin(groups).count('1')}",
                 bytes([high & 255, high >> 8])]
        if groups:
            items += [word(7, g) for g in range(len(GROUP_COLS)) if not groups >> g & 1]
            items.append(f"{FORM_SUMS} + {2 * groups}")
            items += [word(7 if groups >> g & 1 else planes[1], g) for g in range(len(GROUP_COLS))]
            items.append(FORM_EXITS[kind])
            planes = planes[2:]
        items += [word(plane, g) for plane in planes
                  for g in (plane_groups(kind, plane) if byte_masks else range(len(GROUP_COLS)))]
        items.append(bytes([b & 127, 0]))
        rows.append(items)
    return rows + [["fg_rows_done"]]


def items_bytes(items, symbol) -> bytes:
    """A row's (or rows') items as bytes, each name's word by `symbol(expression)`."""
    return b"".join(item if isinstance(item, bytes) else (symbol(item) & 0xFFFF).to_bytes(2, "little") for item in items)


def form_symbol(symbol):
    """`symbol` for gate_items' expressions: a name, or a name + an offset."""
    def value(expression: str) -> int:
        name, _, offset = expression.partition(" + ")
        return symbol(name) + int(offset or 0)
    return value


def gate_bytes(weights, bias, page, starts=(0, 1, 2, 3), symbol=None, byte_masks: bool = False) -> bytes:
    """fg_rows' layout for tables from `page` (FG_PAGE), the classes' starts at `starts` (fg_start_0,
    1, 2) and the rows' end mark (its fourth, fg_rows_done: a word after the last row, where fg_rows' next
    row's start would be, so that no count runs a row): a row is its class's start (a word), -bh 2^class (a word: b = 128 bh + bl), then its
    planes of u' = 127 - w from 7 down (row_planes), each the 4 groups' masks m as their entries'
    addresses, 2 m mod 256 and the page page + 2 g + (m >> 7), then bl and 0 (the ends' alone: no pop
    a row for them, thirty-third round). With `symbol` (an assembly's, name -> address: FG_GROUP_FORMS'), the group
    forms' rows (gate_items), their stubs, T[W] and exits by it. With `byte_masks` FG_BYTE_MASKS' rows: each mask m
    a byte (on planes.s's tables), a plane's in plane_groups' order."""
    marks = {f"fg_start_{kind}": starts[kind] for kind in range(3)} | {"fg_rows_done": starts[3]}
    value = form_symbol(lambda name: marks[name] if name in marks else symbol(name))
    return b"".join(items_bytes(row, value) for row in gate_items(weights, bias, page, group_forms=symbol is not None,
                                                                  byte_masks=byte_masks))


def gate_tables(x):
    """fg_tables' work: the 5 tables E_g[m] (the subset sums of group g's x less its negative sum),
    S and -N."""
    x = [int(v) for v in x]
    tables = []
    for start, cols in group_columns():
        xs = x[start:start + cols]
        negative = sum(v for v in xs if v < 0)
        tables.append([sum(v for j, v in enumerate(xs) if m >> j & 1) - negative for m in range(1 << cols)])
    return tables, sum(abs(v) for v in x), -sum(v for v in x if v < 0)


def gate_rows(weights, bias, x, shift: int, page: int = 0x80, byte_masks: bool = False):
    """fg_rows' outputs by its own steps, and each row's fate: ('zero', k) proved 0 after plane k,
    ('sure',) fg_sure's, ('exact',) ended from U_0. takes(x, shift) must hold. `byte_masks`: FG_BYTE_MASKS' rows."""
    if not takes(x, shift):
        raise ValueError("fc1planes.s does not take this call")
    tables, total, negative = gate_tables(x)
    power = 1 << shift
    r_part = 128 - power - (total - negative)            # R = 128 - 2^shift - P
    c1, c2 = total + (r_part >> 7), r_part & 127
    data = gate_bytes(weights, bias, page, byte_masks=byte_masks)
    plane_bytes = BYTE_PLANE_BYTES if byte_masks else PLANE_BYTES
    outputs, fates, at = [], [], 0

    def wrap(value):
        return (value + 32768) % 65536 - 32768

    for _ in range(len(weights)):
        kind = (0, 1, 2).index(int.from_bytes(data[at:at + 2], "little"))
        high = int.from_bytes(data[at + 2:at + 4], "little", signed=True)     # -bh 2^class
        planes = row_planes(kind)
        low = data[at + HEAD_BYTES + plane_bytes * len(planes)]               # bl, after the planes
        sums = {}
        for index, plane in enumerate(planes):
            where = data[at + HEAD_BYTES + plane_bytes * index:at + HEAD_BYTES + plane_bytes * (index + 1)]
            if byte_masks:
                sums[plane] = sum(tables[g][mask] for g, mask in zip(plane_groups(kind, plane), where))
            else:
                sums[plane] = sum(tables[g][((where[2 * g + 1] - page - GROUP_PAGES * g) << 7) | (where[2 * g] >> 1)]
                                  for g in range(len(GROUP_COLS)))
        at += row_bytes(kind, byte_masks)
        kept = c2 + low                                   # c2 + bl: the ends' (C = bl, c2 patched)
        start = -(c1 + 1)                                 # s' = c1 + 1 + bh: s rounded up whatever c2 + bl
        for _ in range(kind):                             # planes 6 (and 5) from plane 7: S - E'_7
            start = 2 * start + total
        u = wrap(start + high + sums[7])
        fate = None
        for plane in planes[1:]:
            u = wrap(2 * u + sums[plane])
            if plane <= 4 and u >= 0:
                fate = ("zero", plane)
                break
            if plane == 4 and u < SURE_BELOW:
                fate = ("sure",)
                low_sum = 0
                for rest in (3, 2, 1, 0):
                    low_sum = 2 * low_sum + sums[rest]
                w_part = (kept + power - 256) - low_sum     # 2^shift - r' - L, r' = 128 s' - T_r
                value = (-u + (w_part >> 4)) >> (shift - 4)
                break
        if fate is None:
            fate = ("exact",)
            value = max(0, (((kept + power - u) & 0xFFFF) >> shift) - (256 >> shift))    # (W + 128) >> shift
        elif fate[0] == "zero":
            value = 0
        outputs.append(value)
        fates.append(fate)
    return np.array(outputs, dtype=np.int64), fates


def byte_masks_in(bench) -> bool:
    """Whether the bench's fc1planes.s reads byte masks (FG_BYTE_MASKS: its tables planes.s's)."""
    return bench.symbols.get("fg_table_pages") == bench.symbols.get("wp_table_pages", -1)


def run_gate(bench, weights, bias, x, shift: int, buffers: int = 0xA000, tables: bool = True):
    """W at `buffers` (gate_bytes), x and out after it; fg_tables (unless `tables` is False) then fg_rows.
    Returns (out, tables' T-states or None, rows' T-states); out is None where fg_tables declined."""
    forms = "fg_form_k1" in bench.symbols     # (FG_GROUP_FORMS)
    data = gate_bytes(weights, bias, bench.sym("FG_PAGE"), rows_marks(bench.sym), bench.sym if forms else None,
                      byte_masks=byte_masks_in(bench))
    bench.poke(buffers, data)
    return run_tables_and_rows(bench, "fg", buffers, buffers + len(data), len(weights), x, shift, tables)
