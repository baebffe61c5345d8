"""The soul as Z80 assembly data: tensors, shifts and the per-layer descriptors forward.s reads.

`soul_include(soul)` returns source text for kernels/z80/forward.s to include:
every tensor as signed bytes (weights, row-major) or words (biases) under a
label soul_<name> (dots become underscores) - the matrices matvec reads in
its own layout under soul_<name> (`matvec_bytes`: each row's constant, then its
weights as w xor $80) - each shift as a constant
soul_<name>_shift, and for each layer a descriptor in the order of the FD_*
offsets that forward.s defines (an .assert there checks the size).
"""

from __future__ import annotations

import hashlib

from soulterm.soul import spec, spelling

MAX_SHIFT = 15   # the Z80 kernels shift right by 0..15 (and matvec by the shift + 1)
MATVEC_SLOTS = 32   # matvec.s's MV_MAX_COLS: a wider matrix runs in two parts, its weights laid out so


class LayoutError(ValueError):
    """A soul the Z80 kernels cannot run (a shift outside what they support)."""


def _label(name: str) -> str:
    return "soul_" + name.replace(".", "_")


def _data_lines(values, directive: str, per_line: int = 16) -> list[str]:
    flat = [int(v) for v in values.reshape(-1)]
    return [f"        .{directive} " + ",".join(str(v) for v in flat[i:i + per_line])
            for i in range(0, len(flat), per_line)]


def is_matvec_matrix(name: str) -> bool:
    """The matrices kernels/z80/matvec.s multiplies (every 2-D weight but the embeddings)."""
    t = spec.TENSOR_BY_NAME[name]
    return t.kind == spec.KIND_WEIGHT and t.cols > 1 and name not in ("te", "pe")


def row_constants(weights, bias=None):
    """Each row's constant as matvec.s adds it: -K[r] (K[r] = sum of its w*w), with `bias`
    -K[r] + 2 b[r], as Python ints."""
    import numpy as np

    w = np.asarray(weights, dtype=np.int64)
    k = (w * w).sum(axis=1)
    if bias is not None:
        k = k - 2 * np.asarray(bias, dtype=np.int64).reshape(-1)
    return [int(-v) for v in k]


def short_constants(weights, bias=None) -> bool:
    """Whether every row's constant lies in -65536..-1, its top byte $FF: the matrix may take
    matvec.s's 2-byte constants (MV_SHORT_K, matvec_bytes(short=True))."""
    return all(-65536 <= c <= -1 for c in row_constants(weights, bias))


def takes_short(name: str, soul) -> bool:
    """Whether matrix `name` of `soul` is laid out with 2-byte row constants where matvec.s has
    MV_SHORT_K (its constants, with its bias folded in where it has one, fit: short_constants; out,
    whose rows the logits' exact rows, logitsraw.s and the TUI's lens find at 3 + cols apart, never)."""
    bias = bias_of(name)
    return name != CHOOSABLE_ROWS_MATRIX and short_constants(soul.tensors[name].values,
                                                           soul.tensors[bias].values if bias else None)


def matvec_bytes(weights, bias=None, short: bool = False) -> bytes:
    """A matrix in matvec.s's layout: each row's constant in front of its weights.

    Row r's constant is -K[r] with K[r] = sum of its w*w, 3 bytes little-endian
    (mod 2^24: the row starts add it, with no `or a` before a `sbc`), or with
    `bias` (matvec.s's MV_BIAS_IN_K) -K[r] + 2 b[r], the doubled bias the row's
    sum needs, which the narrow and coarse row starts then need not add; each
    weight is stored as w xor $80 (= w + 128), its plane index. The row start pops
    the constant where SP is going anyway (the row before ended there) and is left
    on the row's weights. A matrix of more columns than MATVEC_SLOTS (fc2's 64)
    has its rows' constants and first cols - 32 columns (matvec's first part),
    row by row, before the last 32 columns of every row (the second part's, no
    constant), so that each part's rows follow one another with nothing to skip.
    With `short` (MV_SHORT_K, the 48K's: short_constants must hold) each constant is 2 bytes,
    its top byte, $FF, implied.
    """
    import numpy as np

    w = np.asarray(weights, dtype=np.int64)
    row_bytes = k_bytes(short)
    values = row_constants(w, bias)
    if short and not short_constants(w, bias):
        raise LayoutError("a matrix with a row constant outside -65536..-1 has 3-byte constants")
    constants = np.array([list((v & 0xFFFFFF).to_bytes(3, "little"))[:row_bytes] for v in values], dtype=np.int64)
    constants = constants.reshape(len(values), row_bytes)
    stored = (w & 0xFF) ^ 0x80
    if w.shape[1] <= MATVEC_SLOTS:
        parts = [np.concatenate([constants, stored], axis=1)]
    else:
        parts = [np.concatenate([constants, stored[:, :-MATVEC_SLOTS]], axis=1), stored[:, -MATVEC_SLOTS:]]
    return np.concatenate([part.reshape(-1) for part in parts]).astype(np.uint8).tobytes()


COARSE_MATRICES = ("out",)     # (and every layer's fc1_w): the calls matvec.s may run coarse

# SOUL_OUT_CHOOSABLE (the 48K's, twenty-second round): the logits' call runs rows
# FIRST_CHOOSABLE..127 only (forward.s's FW_FIRST_ROW), so the out matrix is assembled from
# that row on, its label where row 0 would lie; the TUI's logit lens reads rows 0..2 from
# the build's map (lens_rows_apart) instead of RAM.
CHOOSABLE_ROWS_MATRIX = "out"


PLANE_GROUPS = 4        # planes.s: a row's 32 columns as 4 groups of 8, one table of 256 subset sums each
PLANE_GROUP_COLS = 8
PLANE_ORDER = (7, 6, 5, 4, 0, 1, 2, 3)   # planes.s's row: the top half from plane 7 down, the low half from 0 up
PLANES_DOWN = (6, 4)    # planes.s walks these planes' tables from group 3 down: their masks groups 3..0


# SOUL_OUT_PLANES (the 48K's with SOUL_QKV_PLANES, twenty-seventh round, zxlogits48): out's rows
# FIRST_CHOOSABLE..127 in plane_bytes' layout alone, its label where row 0 would lie (forward.s's
# fw_out_logits: the logits' argmax by planes.s's wp_tops; rows 0..2 the lens's, in the map)

# SOUL_QKV_PLANES (the 48K's FW_PLANES, twenty-sixth round, zxplanes48): both layers' q, k and v in
# plane_bytes' layout alone (planes.s's wp_rows, or wp_rows_wide where wp_tables declines the xn), not
# matvec.s's; their descriptors' shift bytes without MV_SHORT_K's flag. SOUL_QKV_APART (the 128K's,
# twenty-seventh round, zxgate128b): no copy in the layer's bank at all, each label the matrix's planes
# in planes.s's bank (wp_l0_q...: planes_bank puts them on the tape; a declined xn runs wp_rows_wide there)
QKV_MATRICES = ("l0.q", "l0.k", "l0.v", "l1.q", "l1.k", "l1.v")


def plane_groups(plane: int) -> range:
    """The order of a plane's four masks in a row of plane_bytes (PLANES_DOWN's from group 3 down)."""
    return range(PLANE_GROUPS - 1, -1, -1) if plane in PLANES_DOWN else range(PLANE_GROUPS)


def plane_bytes(weights, narrow: bool = False, marked: bool = False, seven_down: bool = False) -> bytes:
    """kernels/z80/planes.s's layout of a 32-column matrix: each row as 8 planes of 4 bytes, in
    PLANE_ORDER (PLANES_DOWN's groups 3 to 0, the others' 0 to 3); plane b's byte for group g has bit j = bit b of u = w + 128 (w xor $80, as
    matvec_bytes stores it) for column 8 g + j. 32 bytes a row, the weights' own size. With `narrow`
    (WP_NARROW_SPLIT, thirty-first round, zxtape31: the 128K's tape) a narrow row (plane_classes 1) leaves plane
    6's 4 masks out (28 bytes: plane 6 is plane 7's complement there, and plane_words has no words for it). With
    `marked` (WP_NARROW_MARK, thirty-fifth round, zx48rows35: the 48K's) a narrow row's plane 6 group 3 byte (its
    byte NARROW_MARK_AT) is plane 7's group 3 byte (the one before it) instead of its complement: planes.s's wp_row
    reads that mark and passes plane 6 over (narrow_mark_take: no other row that wp_row reads has it). With
    `seven_down` (and `narrow`: WP_NARROW_BITS' rows, the 48K's since the thirty-seventh round, zx48rows37) a narrow row's
    plane 7 masks run from group 3 down, as wp_row_narrow walks them (from where the row before left H)."""
    w = [[int(v) for v in row] for row in weights]
    if any(len(row) != PLANE_GROUPS * PLANE_GROUP_COLS for row in w):
        raise LayoutError(f"planes.s takes {PLANE_GROUPS * PLANE_GROUP_COLS} columns")
    classes = plane_classes(w) if narrow or marked else bytes(len(w))
    out = bytearray()
    for row, narrow_row in zip(w, classes):
        u = [(v + 128) & 255 for v in row]
        for plane in PLANE_ORDER:
            if plane == 6 and narrow and narrow_row:
                continue
            down = seven_down and narrow and narrow_row and plane == 7
            for group in reversed(range(PLANE_GROUPS)) if down else plane_groups(plane):
                cols = u[PLANE_GROUP_COLS * group:PLANE_GROUP_COLS * (group + 1)]
                out.append(sum((v >> plane & 1) << j for j, v in enumerate(cols)))
        if marked and narrow_row:
            out[-PLANE_ROW_BYTES + NARROW_MARK_AT] = out[-PLANE_ROW_BYTES + NARROW_MARK_AT - 1]
    return bytes(out)


PLANE_ROW_BYTES = PLANE_GROUPS * len(PLANE_ORDER)     # a row of plane_bytes: 32
NARROW_BITS_A_BYTE = 7  # (WP_NARROW_BITS) rows a byte of narrow_bits: a 1 follows a byte's bits


def narrow_bits(weights) -> bytes:
    """planes.s's WP_NARROW_BITS (thirty-sixth round, zx48narrow36: the 48K's q, k and v): a matrix's rows' classes
    (plane_classes) as bits, NARROW_BITS_A_BYTE rows a byte from bit 7 down, each byte's bits followed by a 1 (wp_row's
    `sla c` leaves 0 when a byte's bits are used), then a 0 byte, the list's end. A narrow row (1) has no plane 6 bytes
    (narrow_rows_bytes)."""
    classes = plane_classes(weights)
    out = bytearray()
    for first in range(0, len(classes), NARROW_BITS_A_BYTE):
        bits = classes[first:first + NARROW_BITS_A_BYTE]
        out.append(sum(bit << (7 - i) for i, bit in enumerate(bits)) | 1 << (7 - len(bits)))
    return bytes(out + b"\0")


def narrow_rows_bytes(weights) -> bytes:
    """WP_NARROW_BITS' rows: plane_bytes(narrow=True, seven_down=True) (28 bytes a narrow row, its plane 7 down)."""
    return plane_bytes(weights, narrow=True, seven_down=True)


def narrow_bits_bytes(weights) -> bytes:
    """WP_NARROW_BITS' layout of a matrix: narrow_bits, then narrow_rows_bytes."""
    return narrow_bits(weights) + narrow_rows_bytes(weights)
NARROW_MARK_AT = PLANE_GROUPS   # (WP_NARROW_MARK) a row's plane 6 group 3 byte, after plane 7's group 3 byte


def narrow_marked(data: bytes, row: int) -> bool:
    """Whether a row of plane_bytes carries WP_NARROW_MARK's mark: its plane 6 group 3 byte equal to plane 7's."""
    at = row * PLANE_ROW_BYTES + NARROW_MARK_AT
    return data[at] == data[at - 1]


def narrow_mark_take(soul) -> bool:
    """Whether the 48K's WP_NARROW_MARK serves a soul (thirty-fifth round, zx48rows35): some row of q, k or v is
    narrow, and no other row that planes.s reads (q's, k's and v's wide rows, out's wide choosable rows: wp_tops and
    the logits' exact rows) has the mark by chance. Else every row is read by its 8 planes, as before."""
    marked = unmarked = 0
    for name in QKV_MATRICES + (CHOOSABLE_ROWS_MATRIX,):
        weights = soul.tensors[name].values
        data, classes = plane_bytes(weights), plane_classes(weights)
        first = spec.FIRST_CHOOSABLE if name == CHOOSABLE_ROWS_MATRIX else 0
        marked += sum(classes) * (name != CHOOSABLE_ROWS_MATRIX)
        unmarked += sum(narrow_marked(data, row) for row in range(first, len(weights)) if not classes[row])
    return marked > 0 and unmarked == 0


def narrow_mark_out_take(soul) -> bool:
    """Whether the 48K's WP_NARROW_MARK_OUT serves a soul (with WP_NARROW_BITS, thirty-sixth round, zx48narrow36: q, k
    and v carry no marks): some choosable row of out is narrow, and no wide one has the mark by chance (wp_tops would
    read it as narrow; fw_out_logits' exact rows unmark a marked row for wp_rows)."""
    weights = soul.tensors[CHOOSABLE_ROWS_MATRIX].values
    data, classes = plane_bytes(weights), plane_classes(weights)
    rows = range(spec.FIRST_CHOOSABLE, len(weights))
    return any(classes[row] for row in rows) and not any(narrow_marked(data, row) for row in rows if not classes[row])


def plane_words(weights, page: int, narrow: bool = False, entries: tuple[int, int, int] | None = None,
                group_forms: tuple[tuple[int, ...], tuple[int, int], int] | None = None) -> bytes:
    """planes.s's WP_WORD_TABLES layout (twenty-ninth round, zxqkv128): plane_bytes' masks in their order, each
    as its entry's address in word tables whose group g has its 256 words on pages `page` + 2 g and the next
    (fc1planes.s's form): 2 m mod 256, then `page` + 2 g + (m >> 7). 64 bytes a row. With `narrow`
    (WP_NARROW_WORDS, thirtieth round, zxnarrow30) a narrow row (plane_classes 1) leaves plane 6's 4 words out:
    56 bytes (wp_rows never reads them: P'_6 = S - P'_7). With `entries` (wide, narrow, end: WP_NEXT_ROW_WORDS,
    thirty-third round, zxnext33; `weights` one matrix) each row follows its code's address, wide or narrow by its
    class, and the last row the end's: 2 bytes more a row, and 2. With `group_forms` (stubs, exits, sums: WP_GROUP_FORMS,
    thirty-fourth round, zxgroup34b; with `entries`) a row whose plane_group_form has W: its entry the stub
    stubs[3 narrow + |W| - 2] (planes.s's wp_expand_stubs), plane 7's words for the groups outside W alone, then its
    lower plane's (6, or a narrow row's 5; a group in W: its plane-7 mask), the address of T[W] (sums + 2 (W - 1)) and
    its exit (exits[narrow]), then its other planes as before: 2 - |W| words more than without."""
    assert entries is None or narrow, "a row's entry by its class: the narrow layout's"
    assert group_forms is None or entries is not None, "a group row's stub is its entry"
    groups = [group for plane in PLANE_ORDER for group in plane_groups(plane)]
    planes = [plane for plane in PLANE_ORDER for _ in plane_groups(plane)]
    classes = plane_classes(weights) if narrow else bytes(len(weights))
    out = bytearray()
    if group_forms is not None:
        return _group_plane_words(weights, page, entries, group_forms)
    for at, mask in enumerate(plane_bytes(weights)):
        if entries is not None and at % PLANE_ROW_BYTES == 0:
            out += entries[classes[at // PLANE_ROW_BYTES]].to_bytes(2, "little")
        if planes[at % PLANE_ROW_BYTES] == 6 and classes[at // PLANE_ROW_BYTES]:
            continue
        out += bytes((2 * mask & 255, page + 2 * groups[at % PLANE_ROW_BYTES] + (mask >> 7)))
    if entries is not None:
        out += entries[2].to_bytes(2, "little")
    return bytes(out)


def _mask_word(page: int, group: int, mask: int) -> bytes:
    return bytes((2 * mask & 255, page + 2 * group + (mask >> 7)))


def _group_plane_words(weights, page: int, entries: tuple[int, int, int],
                       groups: tuple[tuple[int, ...], tuple[int, int], int]) -> bytes:
    """plane_words' `group_forms` layout (see there)."""
    stubs, exits, sums = groups
    out = bytearray()
    for row in weights:
        row = [int(v) for v in row]
        narrow, moved = plane_group_form(row)
        u = [(v + 128) & 255 for v in row]
        mask = lambda plane, group: sum((u[PLANE_GROUP_COLS * group + j] >> plane & 1) << j      # noqa: E731
                                        for j in range(PLANE_GROUP_COLS))
        planes = [plane for plane in PLANE_ORDER if not (narrow and plane == 6)]
        if not moved:
            out += entries[narrow].to_bytes(2, "little")
            for plane in planes:
                out += b"".join(_mask_word(page, g, mask(plane, g)) for g in plane_groups(plane))
            continue
        lower = 5 if narrow else 6
        out += stubs[3 * narrow + bin(moved).count("1") - 2].to_bytes(2, "little")
        for plane in planes:
            if plane == 7:
                out += b"".join(_mask_word(page, g, mask(7, g)) for g in plane_groups(7) if not moved >> g & 1)
                continue
            out += b"".join(_mask_word(page, g, mask(7 if moved >> g & 1 and plane == lower else plane, g))
                            for g in plane_groups(plane))
            if plane == lower:
                out += (sums + 2 * (moved - 1)).to_bytes(2, "little") + exits[narrow].to_bytes(2, "little")
    return bytes(out + entries[2].to_bytes(2, "little"))


PLANE_FIVE = range(-32, 32)     # a group's weights all here: its planes 6 and 5 both plane 7's complement


def plane_group_form(row) -> tuple[int, int]:
    """planes.s's WP_GROUP_FORMS (thirty-fourth round, zxgroup34b): (narrow, W) for a row, narrow its plane_classes
    bit and W the groups (a bit each) whose weights all lie in PLANE_NARROW (a wide row's) or PLANE_FIVE (a narrow
    row's), where there are two or more of them (else 0: the row as before)."""
    row = [int(v) for v in row]
    narrow = int(all(v in PLANE_NARROW for v in row))
    inside = PLANE_FIVE if narrow else PLANE_NARROW
    moved = sum(1 << g for g in range(PLANE_GROUPS)
                if all(v in inside for v in row[PLANE_GROUP_COLS * g:PLANE_GROUP_COLS * (g + 1)]))
    return narrow, moved if bin(moved).count("1") >= 2 else 0


def plane_group_classes(weights) -> bytes:
    """WP_GROUP_FORMS' class bytes (the tape's WP_SPLIT_CLASSES, wp_rows_wide's wp_classes): plane_classes' bit 0
    and W at bits 4..7."""
    return bytes(narrow | moved << 4 for narrow, moved in map(plane_group_form, weights))


def plane_group_word_bytes(weights) -> int:
    """The bytes plane_words' `group_forms` layout takes more than without it (2 - |W| words a group row: never above 0)."""
    return sum(2 * (2 - bin(moved).count("1")) for _, moved in map(plane_group_form, weights) if moved)


def plane_weights(data: bytes, rows: int, marked: bool = False) -> list[list[int]]:
    """plane_bytes' inverse: `rows` rows of int8 weights from their planes (the logit lens's, SOUL_OUT_PLANES);
    with `marked` (WP_NARROW_MARK's layout) a marked narrow row's plane 6 group 3 byte read as plane 7's complement."""
    weights = []
    for row in range(rows):
        u = [0] * (PLANE_GROUPS * PLANE_GROUP_COLS)
        row_bytes = bytearray(data[row * PLANE_ROW_BYTES:(row + 1) * PLANE_ROW_BYTES])
        if marked and narrow_marked(row_bytes, 0):
            row_bytes[NARROW_MARK_AT] ^= 0xFF
        masks = iter(row_bytes)
        for plane in PLANE_ORDER:
            for group in plane_groups(plane):
                mask = next(masks)
                for j in range(PLANE_GROUP_COLS):
                    u[PLANE_GROUP_COLS * group + j] |= (mask >> j & 1) << plane
        weights.append([v - 128 for v in u])
    return weights


PLANE_NARROW = range(-64, 64)   # a row's weights all here: plane 6 of u = w + 128 is plane 7's complement


def plane_classes(weights) -> bytes:
    """planes.s's wp_classes for a matrix: a byte a row, 1 where the row's weights all lie in PLANE_NARROW
    (wp_rows then reads plane 7 and skips plane 6: P'_6 = S - P'_7), else 0."""
    return bytes(int(all(int(v) in PLANE_NARROW for v in row)) for row in weights)


def lens_rows_apart(soul, rows: int = 0) -> list[list[int]]:
    """The out matrix's rows a SOUL_OUT_CHOOSABLE build leaves off the tape (0..FIRST_CHOOSABLE - 1),
    or its first `rows` (the 128K's SOUL_OUT_APART: all, no copy in the lens's bank 0), as int8
    weights: the map carries them for the logit lens."""
    import numpy as np

    rows = np.asarray(soul.tensors[CHOOSABLE_ROWS_MATRIX].values, dtype=np.int64)[:rows or spec.FIRST_CHOOSABLE]
    return [[int(w) for w in row] for row in rows]


def pair_bounds(weights) -> bytes:
    """The coarse slots' column ranges (matvec.s's MV_COARSE_PAIRS), the 128K's, 2 bytes a column
    just before the matrix, the last column first (matvec.s's mv_pairs_walk pops them from the
    last pair down): the least a = l + 127 (l = a narrow x, -127..128) for which |w + l| <= 181
    on every row of the column, so that S(w + l) >> 8 <= 127 and two such columns' high bytes
    sum in A without a carry, xor $80 (the walk subtracts it from l - 1, the slots' displacement,
    as it is), and the width of that range (the most + 1 less the least: a column is within it
    where a - least, a byte, is below the width; the most at 254 or less: l = 128 with a
    column's largest w below 54 is refused). The logits' walk also reads the columns' largest
    |w + l| from them (twentieth round): 181 + least - a below the range, 182 + a - least -
    width above it, each at least what it stands for (the clips at 0 and 255), telling the two
    by l's sign (int8 weights: the least at most 74, the most + 1 at least 182)."""
    import numpy as np

    w = np.asarray(weights, dtype=np.int64)
    least = np.clip(-54 - w.min(axis=0), 0, 255)
    most_past = np.clip(308 - w.max(axis=0), -1, 254) + 1
    assert least.max() < 128 <= most_past.min(), \
        "every column's range must hold a = 128 (l = 1): the logits' walk tells below it from above it by l's sign"
    return np.stack([least ^ 0x80, most_past - least], axis=1)[::-1].reshape(-1).astype(np.uint8).tobytes()


def k_bytes(short: bool = False) -> int:
    """The bytes of a row's constant in matvec.s's layout: 3, or 2 in the short form (MV_SHORT_K)."""
    return 2 if short else 3


def matvec_size(rows: int, cols: int, short: bool = False) -> int:
    """The bytes of a rows x cols matrix in matvec.s's layout (matvec_bytes): 3 + cols a row (2 + cols short)."""
    return rows * (k_bytes(short) + cols)


def matrix_row(data: bytes, row: int, cols: int) -> bytes:
    """Row `row`'s stored weights (w xor $80) in a matrix of at most MATVEC_SLOTS columns laid
    out by matvec_bytes (the TUI's lens reads the out matrix so)."""
    assert cols <= MATVEC_SLOTS
    start = row * (3 + cols) + 3
    return bytes(data[start:start + cols])


# Read one row a position (the logits have their own matrix, out): the Spectrum
# player keeps them below $8000, with the layer descriptors (read a word at a time).
EMBEDDINGS = ("te", "pe")
SOUL_PARTS = ("all", "embeddings", "matrices")


# The 48K player's packed tables (SOUL_PACKED, its option: docs/spectrum.md, "Sixteenth
# round"): te and pe a row of one width each, vecops.s's em_unpack; a value the width does not
# hold escaped (twenty-third round: each row's byte its bytes, 4 w + escapes).
PACK_GROUP = 32                  # values of one width: a row (two groups of 16 before the twenty-third round)
PACK_MARK_ROWS = 128             # a mark (the data's address) every this many rows (8 before the twenty-fourth round,
                                 # 16 before the nineteenth: vecops.s's EM_MARK_ROWS)
PACK_KEPT_MARK_ROWS = 8          # a mark every this many rows where the 48K's ladder keeps them (vecops.s's EM_ROW_MARKS:
                                 # its last rung, the room its spends leave, twenty-fifth round)
PACK_ONE_MARK = 128              # PACK_MARK_ROWS at this (a table's rows, te's): no marks, soul_<name>_marks its data
                                 # (em_unpack walks from row 0: twenty-fourth round, zxroom48b)
PACK_MAX_ESCAPES = 3             # a row's escaped values below 8 bits: its byte is 4 w + escapes, so w = the byte >> 2
                                 # (8 bits: 32 + its values of -128, each escaped, w = 8 from any byte of 32 on)
PACK_NIBBLE_BYTES = PACK_GROUP // 2   # (EM_NIBBLES, thirty-seventh round) a row's codes' top 4 bits, two a byte, first
PACK_NIBBLE_WIDTHS = range(4, 9)  # ... so that its widths are 4..8 (4 w + e bytes as before: 16 of nibbles, the rest
                                  # the codes' w - 4 low bits and the escapes' 8 after them, a stream)
PACKED_TABLES = EMBEDDINGS
# te's rows that no engine reads: the tokenizer never makes PAD or UNK, and a reply stops at END
# before feeding it (Engine.reply, soulplayer.s): packed_rows gives them no bytes (their byte 0)
NEVER_FED = {"te": (spec.PAD, spec.UNK, spec.END)}


def _escaped(row, width: int) -> int:
    """The values of `row` that `width` bits do not hold as codes 1..2^w - 1 (v + 2^(w-1);
    code 0 escapes: -2^(w-1) among them)."""
    return sum(1 for v in map(int, row) if not -(1 << (width - 1)) < v < 1 << (width - 1))


def packed_rows(values, never_fed=(), mark_rows: int = PACK_MARK_ROWS,
                nibbles: bool = False) -> tuple[bytes, list[int], bytes]:
    """A table of signed bytes as vecops.s's em_unpack reads it: a byte a row, its bytes
    4 w + e for its width w (1..8) and e escaped values (0..PACK_MAX_ESCAPES below 8 bits,
    each -128 at 8), the width that makes it fewest; the offset of every `mark_rows`-th
    row's data; and the data: each row's 32 values as codes of w bits, most significant first, v + 2^(w-1), or the
    code 0 and v's 8 bits for a value the code does not hold (-2^(w-1) and beyond). The
    rows `never_fed` take no bytes (their byte 0: the walk from a mark steps over them, and
    em_unpack never reads them). With `nibbles` (vecops.s's EM_NIBBLES, thirty-seventh round) the widths
    are 4..8 (PACK_NIBBLE_WIDTHS) and a row's bytes the same codes in two parts: PACK_NIBBLE_BYTES of their
    top 4 bits, two a byte (the even value's in the high nibble), then a stream of each code's w - 4 low bits,
    most significant first, an escaped value's 8 bits after its own, padded to a byte: 4 w + e bytes again."""
    import numpy as np

    rows = np.asarray(values, dtype=np.int64)
    assert rows.shape[1] == PACK_GROUP, rows.shape
    widths, marks, data = bytearray(), [], bytearray()
    for r, row in enumerate(rows):
        if r % mark_rows == 0:
            marks.append(len(data))
        if r in never_fed:
            widths.append(0)
            continue
        size, w = min((4 * w + _escaped(row, w), w) for w in (PACK_NIBBLE_WIDTHS if nibbles else range(1, 9))
                      if w == 8 or _escaped(row, w) <= PACK_MAX_ESCAPES)
        widths.append(size)
        codes = [int(v) + (1 << (w - 1)) if -(1 << (w - 1)) < v < 1 << (w - 1) else 0 for v in row]
        escapes = [format(int(v) & 255, "08b") if code == 0 else "" for v, code in zip(row, codes)]
        if nibbles:
            data += bytes((codes[i] >> (w - 4)) << 4 | codes[i + 1] >> (w - 4) for i in range(0, PACK_GROUP, 2))
            bits = "".join(format(code & ((1 << (w - 4)) - 1), f"0{w - 4}b")[:w - 4] + escape
                           for code, escape in zip(codes, escapes))
            assert len(bits) == 8 * (size - PACK_NIBBLE_BYTES)
        else:
            bits = "".join(format(code, f"0{w}b") + escape for code, escape in zip(codes, escapes))
            assert len(bits) == 8 * size
        data += bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8))
    return bytes(widths), marks, bytes(data)


def _packed_lines(name: str, values, mark_rows: int = PACK_MARK_ROWS, nibbles: bool = False) -> list[str]:
    """soul_<name> as packed_rows lays it out: the widths (soul_<name>, soul_<name>_widths),
    the marks as addresses (soul_<name>_marks, every `mark_rows` rows; at PACK_ONE_MARK none, the
    label the data's: em_unpack walks from row 0), the data; soul_<name>_end after it."""
    import numpy as np

    widths, marks, data = packed_rows(values, NEVER_FED.get(name, ()), mark_rows, nibbles)
    label = _label(name)
    return ([f'.assert EM_GROUP == {PACK_GROUP} && EM_MARK_ROWS == {mark_rows} '
             f'&& EM_MAX_ESCAPES == {PACK_MAX_ESCAPES} && EM_NIBBLE_BYTES == {PACK_NIBBLE_BYTES * nibbles}, '
             f'"vecops.s\'s em_unpack reads another packing than soul_layout.packed_rows writes"',
             f"{label}:", f"{label}_widths:"] + _data_lines(np.frombuffer(widths, np.uint8), "byte")
            + ([f"{label}_marks:"] + [f"        .word {label}_data + {m}" for m in marks]
               if mark_rows < PACK_ONE_MARK else [f"{label}_marks = {label}_data"])
            + [f"{label}_data:"] + _data_lines(np.frombuffer(data, np.uint8), "byte") + [f"{label}_end:"])


def is_gain(name: str) -> bool:
    """An RMSNorm's gains (l0.n1, ..., norm): read, never written."""
    t = spec.TENSOR_BY_NAME[name]
    return t.kind == spec.KIND_WEIGHT and t.cols == 1


# The biases a player with matvec.s's MV_FOLDED_BIAS leaves out (the 48K's, twenty-fifth round): fc1's,
# whose calls (never sparse) have them in their row constants alone (MV_BIAS_IN_K) and run narrow; the
# layer descriptors' bias word for them is then MV_BIAS_FOLDED (fc2's stay: a sparse call adds its vector)
FOLDED_BIASES = tuple(f"l{layer}.fc1_b" for layer in range(spec.N_LAYERS))
# the 128K player's tensors with no matvec copy in bank 0 under an option (twenty-eighth round, zxfc1l0): layer 0's
# fc1 by fc1planes.s (FW_FC1_PLANES_L0: its rows at the label, build.fc1_l0_rows_lines', the bias in them) and out by its planes alone
# (SOUL_OUT_APART: logitplanes.s's lg_masks in bank 6, on the tape); name -> (option, what its label names then)
APART_128K = {"l0.fc1_w": ("FW_FC1_PLANES_L0", None), "l0.fc1_b": ("FW_FC1_PLANES_L0", "0"),
              "out": ("SOUL_OUT_APART", "lg_masks"),
              # (twenty-ninth round, zxqkv128c: layer 0's proj and fc2 in bank 7, build.l0_bank_symbols' addresses)
              "l0.proj": ("SOUL_L0_BANK", None), "l0.fc2_w": ("SOUL_L0_BANK", None), "l0.fc2_b": ("SOUL_L0_BANK", None)}

# The 48K's cold part holds the matrices' biases too (read once a position: a word a row).
COLD_48K = EMBEDDINGS + tuple(t.name for t in spec.TENSORS if t.kind == spec.KIND_BIAS)


# soul_include's last texts, by the soul's tensors (a digest of their names, shifts and values) and its
# arguments: a build makes the same text for each of its ladder's assemblies, a test process for each build
SOUL_INCLUDES_KEPT = 16
_soul_includes: dict[tuple, str] = {}


def _soul_digest(soul) -> bytes:
    import numpy as np
    digest = hashlib.blake2b(digest_size=20)
    for name, tensor in soul.tensors.items():
        values = np.asarray(tensor.values)
        digest.update(repr((name, tensor.shift, values.dtype.str, values.shape)).encode())
        digest.update(values.tobytes())
    return digest.digest()


def soul_include(soul, part: str = "all", leave_out: str = "", cold=EMBEDDINGS) -> str:
    """The soul's source: "all", or the part the player keeps below $8000 ("embeddings":
    te, pe and the layer descriptors) or the rest ("matrices": what the products read),
    without the tensors whose names start with `leave_out` (the 128K player's bank
    holds those: `tensors_include`)."""
    key = (_soul_digest(soul), part, leave_out, tuple(cold))
    text = _soul_includes.get(key)
    if text is None:
        if len(_soul_includes) >= SOUL_INCLUDES_KEPT:
            _soul_includes.clear()
        text = _soul_includes[key] = _soul_include(soul, part, leave_out, cold)
    return text


def _soul_include(soul, part: str, leave_out: str, cold) -> str:
    assert part in SOUL_PARTS, part
    lines = ["; Generated by soulterm.zx.soul_layout from the soul: do not edit."]
    gains: dict[bytes, str] = {}        # a gain vector's values -> the first label that has them
    for name, tensor in soul.tensors.items():
        _check_shift(name, tensor)
        if part != "all" and (name in cold) != (part == "embeddings"):
            continue
        if leave_out and name.startswith(leave_out):
            continue
        if is_gain(name):
            key = _array(tensor.values).astype("int8").tobytes()
            if key in gains:            # SOUL_PACKED (the 48K's): equal gains stored once
                lines += [f"{_label(name)}_shift = {tensor.shift}", ".ifdef SOUL_PACKED",
                          f"{_label(name)} = {gains[key]}", ".else"]
                lines += _tensor_lines(name, tensor, soul)[1:] + [".endif"]
                continue
            gains[key] = _label(name)
        if name in APART_128K:          # (the 128K's, twenty-eighth round: no matvec copy where the option says)
            option, other = APART_128K[name]
            lines += [f".ifdef {option}", f"{_label(name)}_shift = {tensor.shift}",
                      *[f"{_label(name)} = {other}"] * (other is not None), ".else"]
            lines += ([".ifndef MV_FOLDED_BIAS", *_tensor_lines(name, tensor, soul), ".endif"] if name in FOLDED_BIASES
                      else _tensor_lines(name, tensor, soul)) + [".endif"]
            continue
        if name in FOLDED_BIASES:       # (matvec.s's MV_FOLDED_BIAS: in fc1's row constants alone)
            lines += [".ifndef MV_FOLDED_BIAS", *_tensor_lines(name, tensor, soul), ".endif"]
            continue
        lines += _tensor_lines(name, tensor, soul)
    for layer in range(spec.N_LAYERS if part != "matrices" else 0):
        p = f"l{layer}."
        label = lambda name: _label(p + name)  # noqa: E731

        def shift_byte(name: str) -> str:   # a product's shift + 1, MV_SHORT_FLAG for a short matrix
            if not takes_short(p + name, soul):
                return f"        .byte {label(name)}_shift + 1"
            flagged = (f".ifdef MV_SHORT_K\n        .byte {label(name)}_shift + 1 + MV_SHORT_FLAG\n.else\n"
                       f"        .byte {label(name)}_shift + 1\n.endif")
            if p + name not in QKV_MATRICES:
                return flagged
            return f".ifdef SOUL_QKV_PLANES\n        .byte {label(name)}_shift + 1\n.else\n{flagged}\n.endif"
        lines += [
            f"soul_layer{layer}:",
            f"        .word {label('n1')}",
            f"        .byte {label('n1')}_shift",
            *(f"        .word {label(m)}\n{shift_byte(m)}" for m in ("q", "k", "v", "proj")),
            f"        .word {label('n2')}",
            f"        .byte {label('n2')}_shift",
            f".ifdef MV_FOLDED_BIAS\n        .word {label('fc1_w')}, MV_BIAS_FOLDED\n.else\n"
            f"        .word {label('fc1_w')}, {label('fc1_b')}\n.endif",
            shift_byte("fc1_w"),
            f"        .word {label('fc2_w')}, {label('fc2_b')}",
            shift_byte("fc2_w"),
            f"        .word kv_keys + {layer} * KV_LAYER_BYTES, {'kv_values_layer_1' if layer else 'kv_values'}",
            f"        .assert * - soul_layer{layer} == FD_SIZE, \"layer descriptor does not match forward.s\"",
        ]
    return "\n".join(lines) + "\n"


def tensors_include(soul, prefix: str, leave_out=()) -> str:
    """The source of the tensors whose names start with `prefix` alone (as soul_include
    lays them out), e.g. "l1." for the 128K player's bank, but those named in `leave_out`."""
    lines = ["; Generated by soulterm.zx.soul_layout from the soul: do not edit."]
    for name, tensor in soul.tensors.items():
        _check_shift(name, tensor)
        if name.startswith(prefix) and name not in leave_out:
            lines += _tensor_lines(name, tensor, soul)
    return "\n".join(lines) + "\n"


def tensor_labels(prefix: str) -> list[str]:
    """The labels and constants tensors_include(soul, prefix) defines."""
    names = []
    for tensor in spec.TENSORS:
        if tensor.name.startswith(prefix):
            label = _label(tensor.name)
            names += [label + "_shift", label]
    return names


def _check_shift(name: str, tensor) -> None:
    if not 0 <= tensor.shift <= MAX_SHIFT:
        raise LayoutError(f"tensor {name} has shift {tensor.shift}; the Z80 kernels take 0..{MAX_SHIFT}")


def bias_of(name: str) -> str | None:
    """The bias tensor that goes with matrix `name` (fc1_w: fc1_b), or None."""
    if not name.endswith("_w"):
        return None
    bias = name[:-2] + "_b"
    return bias if bias in spec.TENSOR_BY_NAME else None


def _tensor_lines(name: str, tensor, soul) -> list[str]:
    """A tensor's shift constant and data: a matrix matvec reads in its layout, the rest plain.
    A matrix with a bias is there twice, the bias folded into its row constants for a player
    whose matvec has MV_BIAS_IN_K and plain for the other."""
    lines = [f"{_label(name)}_shift = {tensor.shift}"]
    if name in COARSE_MATRICES or name.endswith(".fc1_w"):
        bounds = pair_bounds(tensor.values)
        lines += [".ifdef MV_COARSE_PAIRS", f"{_label(name)}_pair_ranges:"]
        lines += _data_lines(_array(list(bounds)), "byte")
        lines += [f'        .assert {_label(name)} - {_label(name)}_pair_ranges == {len(bounds)}, '
                  f'"the column ranges of {name} must lie just before it (matvec.s\'s mv_pairs_prepare)"', ".endif"]
    if name == CHOOSABLE_ROWS_MATRIX:   # (SOUL_OUT_PLANES: rows FIRST_CHOOSABLE.. in plane_bytes' layout alone)
        skipped = spec.FIRST_CHOOSABLE * PLANE_ROW_BYTES
        lines += [".ifdef SOUL_OUT_PLANES", f"{_label(name)} = * - {skipped}", f"{_label(name)}_start:",
                  ".ifdef WP_NARROW_MARK_OUT"]
        lines += _data_lines(_array(list(plane_bytes(tensor.values, marked=True)[skipped:])), "byte") + [".else"]
        lines += _data_lines(_array(list(plane_bytes(tensor.values)[skipped:])), "byte") + [".endif"]
        lines += [f"{_label(name)}_end:", ".else"]
        return lines + _matvec_lines(name, tensor, soul) + [".endif"]
    if name in QKV_MATRICES:            # (SOUL_QKV_PLANES: plane_bytes' layout, ending at its _end label)
        lines += [".ifdef SOUL_QKV_APART", f"{_label(name)} = wp_{name.replace('.', '_')}     "
                  "; (the 128K's: its planes in planes.s's bank alone)", ".else"]
        lines += [".ifdef SOUL_QKV_PLANES", f"{_label(name)}:", ".ifdef WP_NARROW_BITS"]
        bits = narrow_bits(tensor.values)
        lines += _data_lines(_array(list(bits)), "byte")
        lines += [f'        .assert * - {_label(name)} == FW_CLASS_BYTES, "fw_projection: {name}\'s rows after its '
                  f'class bits"']
        lines += _data_lines(_array(list(narrow_rows_bytes(tensor.values))), "byte") + [".else", ".ifdef WP_NARROW_MARK"]
        lines += _data_lines(_array(list(plane_bytes(tensor.values, marked=True))), "byte") + [".else"]
        lines += _data_lines(_array(list(plane_bytes(tensor.values))), "byte") + [".endif", ".endif"]
        lines += [f"{_label(name)}_end:", ".else"]
        return lines + _matvec_lines(name, tensor, soul) + [".endif", ".endif"]
    if name.endswith(".fc1_w"):         # (FG_BYTE_MASKS, the 48K's since the thirty-sixth round: gate_bytes' byte rows)
        lines += [".ifdef FG_BYTE_MASKS", f"{_label(name)}:"] + fc1_byte_rows_lines(tensor.values,
                                                                               soul.tensors[bias_of(name)].values)
        return lines + [f"{_label(name)}_end:", ".else"] + _matvec_lines(name, tensor, soul) + [".endif"]
    if is_matvec_matrix(name):
        return lines + _matvec_lines(name, tensor, soul)
    return lines + _plain_lines(name, tensor)


def fc1_byte_rows_lines(weights, bias) -> list[str]:
    """fc1's rows in fc1_planes.gate_bytes' byte-mask layout (FG_BYTE_MASKS): each row its class's start (a word,
    fg_start_0, 1 or 2), then its bytes; the rows' end mark (fg_rows_done) last."""
    import numpy as np

    from .fc1_planes import END_BYTES, gate_bytes, row_bytes, row_class

    data = gate_bytes(weights, bias, 0, byte_masks=True)
    lines, at = [], 0
    for row in np.asarray(weights):
        kind = row_class(row)
        size = row_bytes(kind, byte_masks=True)
        assert data[at:at + 2] == bytes([kind, 0])
        lines += [f"        .word fg_start_{kind}", f"        .byte {', '.join(map(str, data[at + 2:at + size]))}"]
        at += size
    assert at + END_BYTES == len(data)
    return lines + ["        .word fg_rows_done      ; (the rows' end mark)"]


def _matvec_lines(name: str, tensor, soul) -> list[str]:
    """A matrix in matvec.s's layout (_tensor_lines's)."""
    lines = []
    bias = bias_of(name)
    bias_values = soul.tensors[bias].values if bias is not None else None
    form = f"{_label(name)}_kform"      # (MV_SHORT_K's) MV_SHORT_FLAG where the matrix is short, else 0
    short = None        # MV_SHORT_K's form (with MV_BIAS_IN_K: the folded constants), where it fits
    if takes_short(name, soul):
        short = matvec_bytes(tensor.values, bias_values, short=True)
        lines += [".ifdef MV_SHORT_K", f"{form} = MV_SHORT_FLAG", f"{_label(name)}:"]
        lines += _data_lines(_array(list(short)), "byte")
        lines += [f"{_label(name)}_end:", ".else"]
    else:
        lines += [".ifdef MV_SHORT_K", f"{form} = 0", ".endif"]
    if bias is not None:
        folded = matvec_bytes(tensor.values, bias_values)
        lines += [".ifdef MV_BIAS_IN_K", f"{_label(name)}:"]
        lines += _data_lines(_array(list(folded)), "byte")
        lines.append(".else")
    data = matvec_bytes(tensor.values)
    if name == CHOOSABLE_ROWS_MATRIX:    # SOUL_OUT_CHOOSABLE (the 48K's): rows 0..2 are the lens's alone
        skipped = spec.FIRST_CHOOSABLE * (3 + spec.TENSOR_BY_NAME[name].cols)
        lines += [".ifdef SOUL_OUT_CHOOSABLE", f"{_label(name)} = * - {skipped}",
                  f'        .assert FW_FIRST_ROW == {spec.FIRST_CHOOSABLE}, "SOUL_OUT_CHOOSABLE: the logits\' call '
                  'runs from the first choosable row"', ".ifdef MV_COARSE_PAIRS",
                  '        .assert 0, "SOUL_OUT_CHOOSABLE: the pairs\' ranges lie just before row 0"', ".endif",
                  f"{_label(name)}_start:"]
        lines += _data_lines(_array(list(data[skipped:])), "byte") + [".else"]
    lines.append(f"{_label(name)}:")
    lines += _data_lines(_array(list(data)), "byte")
    if bias is not None or name == CHOOSABLE_ROWS_MATRIX:
        lines.append(".endif")
    if short is not None:
        lines.append(".endif")
    return lines


def _plain_lines(name: str, tensor) -> list[str]:
    """A tensor that is no matvec matrix (_tensor_lines's)."""
    lines = []
    if name in PACKED_TABLES:           # SOUL_PACKED (the 48K's): packed_rows, em_unpack reads it
        lines.append(".ifdef SOUL_PACKED")
        for nibbles in (True, False):     # (EM_NIBBLES, a spend of the 48K's ladder: its rows in two parts)
            lines += [".ifdef EM_NIBBLES" if nibbles else ".else", ".ifdef EM_ROW_MARKS"]
            lines += _packed_lines(name, tensor.values, PACK_KEPT_MARK_ROWS, nibbles)
            lines += [".else"] + _packed_lines(name, tensor.values, PACK_MARK_ROWS, nibbles) + [".endif"]
        lines += [".endif", ".else"]
        lines += [f"{_label(name)}:"] + _data_lines(tensor.values, "byte") + [".endif"]
        return lines
    lines.append(f"{_label(name)}:")
    kind = "word" if tensor.kind == spec.KIND_BIAS else "byte"
    return lines + _data_lines(tensor.values, kind)


def vocab_constants(tokenizer) -> str:
    """The tokenizer's numbers, for the source before the kernels (tokenizer.s's
    `.if`s need SP_WORD_COUNT in the first pass)."""
    lines = [
        "; Generated by soulterm.zx.soul_layout from the tokenizer: do not edit.",
        f"TK_FIRST_ALPHABET_ID = {spec.FIRST_ALPHABET_ID}     ; ids of the alphabet's characters follow",
        f"TK_ALPHABET_SIZE = {len(spec.ALPHABET)}",
        f"tk_merge_count = {len(tokenizer.merges)}",
        f"TK_FIRST_MERGE_ID = {FIRST_MERGE_ID}     ; merge i makes id TK_FIRST_MERGE_ID + i (merges_include)",
        f"PROMPT_IDS = {tokenizer.prompt_ids}     ; a turn keeps the first this many prompt ids",
        f"SP_WORD_COUNT = {len(tokenizer.words)}     ; 0: no word list, no spelling rule",
        f"SP_LIST_CHARS = {sum(map(len, tokenizer.words))}     ; the listed words' characters",
        f"SP_MIN_CORRECTED = {spelling.MIN_CORRECTED}     ; soulterm.soul.spelling",
        f"SP_MIN_WORD = {spelling.MIN_WORD}",
        f"SP_MAX_WORD = {spelling.MAX_WORD}",
        f"SP_SHORT_BITS = {SHORT_BITS}",
        f"SP_SHORT_CODES = {SHORT_CODES}",
        f"SP_LONG_BITS = {LONG_BITS}",
        f"SP_FIRST_LETTER_ID = {tokenizer.vocab['a']}     ; a word is a run of a..z and the apostrophe",
        f"SP_LAST_LETTER_ID = {tokenizer.vocab['z']}",
        f"SP_APOSTROPHE_ID = {tokenizer.vocab[chr(39)]}",
    ]
    return "\n".join(lines) + "\n"


def alphabet_include(tokenizer) -> str:
    """tk_alphabet: the alphabet's characters in id order (the tokenizer's format gives
    character i the id TK_FIRST_ALPHABET_ID + i): tokenizer.s finds a lower-cased
    character's id there, soulplayer.s an alphabet id's character."""
    assert all(tokenizer.vocab[ch] == spec.FIRST_ALPHABET_ID + i for i, ch in enumerate(spec.ALPHABET))
    codes = [ord(ch) for ch in spec.ALPHABET]
    lines = ["; Generated by soulterm.zx.soul_layout from the tokenizer: do not edit.",
             "tk_alphabet:"] + _data_lines(_array(codes), "byte")
    return "\n".join(lines) + "\n"


def vocab_include(tokenizer, word_list: bool = True, first_shared: bool = False) -> str:
    """The tokenizer's data for tokenizer.s but its alphabet
    (`alphabet_include`) and numbers (`vocab_constants`): `merges_include`
    then `word_list_include` (packed with `first_shared`: FIRST_SHARED_OPTION's form).
    """
    return merges_include(tokenizer) + word_list_include(tokenizer, word_list, first_shared)


def merges_include(tokenizer) -> str:
    """tk_merges: tk_merge_count pairs (left id, right id); merge i makes id
    FIRST_MERGE_ID + i (the build stops with a LayoutError for a tokenizer whose
    merges make other ids). A token's text is its merge's two texts
    (soulplayer.s prints it so)."""
    lines = ["; Generated by soulterm.zx.soul_layout from the tokenizer: do not edit."]
    for i, (a, b) in enumerate(tokenizer.merges):
        if tokenizer.vocab[a + b] != FIRST_MERGE_ID + i:
            raise LayoutError(f"merge {i} ({a!r} + {b!r}) makes id {tokenizer.vocab[a + b]}: the Spectrum "
                              f"player takes tokenizers whose merge i makes id {FIRST_MERGE_ID} + i")
    lines.append("tk_merges:")
    lines += [f"        .byte {tokenizer.vocab[a]},{tokenizer.vocab[b]}" for a, b in tokenizer.merges] \
        or ["        ; (no merges)"]
    return "\n".join(lines) + "\n"


# The word list's labels (word_list_include's, word_list_parts'): data, which the 128K's bank 0 places at addresses
# bank 6's code shares (build.py moves them with the list; the cycles panel's attribution passes them over)
WORD_LIST_SYMBOLS = ("sp_words", "sp_char_ids", "sp_word_bits", "sp_word_bits_rest", "sp_words_end")


def word_list_include(tokenizer, word_list: bool = True, first_shared: bool = False) -> str:
    """sp_words .. sp_words_end: the spelling rule's word list (`word_list_data`:
    sp_char_ids, then sp_word_bits) in one piece, empty without `word_list` (the
    build measures the room the list has so)."""
    lines = ["; Generated by soulterm.zx.soul_layout from the tokenizer: do not edit."]
    lines.append("sp_words:")
    ranked, bits = word_list_data(tokenizer, first_shared) if tokenizer.words and word_list else (b"", b"")
    lines.append("sp_char_ids:     ; the characters' ids, the most frequent first")
    lines += _data_lines(_array(list(ranked)), "byte")
    lines.append("sp_word_bits:")
    lines += _data_lines(_array(list(bits)), "byte")
    lines.append("sp_word_bits_rest:     ; (none: sp_bits never reads here)")
    lines.append("sp_words_end:")
    return "\n".join(lines) + "\n"


def word_list_parts(tokenizer, top_bytes: int, word_list: bool = True,
                    first_shared: bool = False) -> tuple[str, str]:
    """The word list in two parts, (low, top): the top part sp_words .. sp_words_end
    holds the first `top_bytes` bytes of sp_word_bits, the low part sp_words_low ..
    sp_words_low_end sp_char_ids and the rest of the bits (sp_word_bits_rest), which
    tokenizer.s's sp_bits goes on to when its pointer wraps past $FFFF (the 48K
    player ends the top part there); packed with `first_shared`: FIRST_SHARED_OPTION's form."""
    ranked, bits = word_list_data(tokenizer, first_shared) if tokenizer.words and word_list else (b"", b"")
    top_bytes = min(top_bytes, len(bits))
    head = "; Generated by soulterm.zx.soul_layout from the tokenizer: do not edit."
    top = [head, "sp_words:"]
    top += (["sp_word_bits:"] + _data_lines(_array(list(bits[:top_bytes])), "byte")) if top_bytes else \
        ["sp_word_bits = sp_word_bits_rest"]
    top.append("sp_words_end:")
    low = [head, "sp_words_low:", "sp_char_ids:     ; the characters' ids, the most frequent first"]
    low += _data_lines(_array(list(ranked)), "byte")
    low.append("sp_word_bits_rest:     ; (sp_word_bits' bytes after the top part's)")
    low += _data_lines(_array(list(bits[top_bytes:])), "byte")
    low.append("sp_words_low_end:")
    return "\n".join(low) + "\n", "\n".join(top) + "\n"


FIRST_MERGE_ID = spec.FIRST_ALPHABET_ID + len(spec.ALPHABET)    # the id merge 0 makes

# The word list's packing (word_list_data). The list's characters are
# ranked by how often they occur in it; the SHORT_CODES most frequent take
# SHORT_BITS bits (their rank), the others SHORT_BITS bits of a prefix
# (SHORT_CODES..15) and LONG_BITS more: rank = SHORT_CODES + (prefix -
# SHORT_CODES) * 2**LONG_BITS + those bits. A word is its length - MIN_WORD
# as that many 0s and a 1 (twenty-third round: 2.1 bits a word on the shipped
# list, whose words are mostly 3 and 4 characters, against 3 bits of a fixed
# width: 37 bytes fewer), then its characters; after the last word, MAX_WORD -
# MIN_WORD + 1 0s (a length past MAX_WORD: the list's end, no count of its words).
# With FIRST_SHARED_OPTION (the 48K player's, thirtieth round, zx48pack30) a bit after the length says
# whether the word's first character is the word before's (then left out): 160 of the shipped list's
# 335 words do, 54 bytes fewer for 24 more of sp_decode (benchmarks/zx48_room_candidates.py).
SHORT_BITS = 4
SHORT_CODES = 12
LONG_BITS = 2


FIRST_SHARED_OPTION = "SP_FIRST_SHARED = 1     ; (tokenizer.s: a word's first character the word before's in a bit)"


def word_list_data(tokenizer, first_shared: bool = False) -> tuple[bytes, bytes]:
    """The tokenizer's word list as tokenizer.s reads it: the ids of its
    characters by rank, and the bit stream (most significant bit first, the
    last byte padded with zeros); with `first_shared`, FIRST_SHARED_OPTION's form."""
    counts: dict[str, int] = {}
    for ch in "".join(tokenizer.words):
        counts[ch] = counts.get(ch, 0) + 1
    ranked = sorted(counts, key=lambda ch: (-counts[ch], ch))
    assert len(ranked) <= SHORT_CODES + ((1 << SHORT_BITS) - SHORT_CODES << LONG_BITS)
    rank = {ch: r for r, ch in enumerate(ranked)}
    bits: list[int] = []

    def put(value: int, width: int) -> None:
        bits.extend((value >> (width - 1 - i)) & 1 for i in range(width))

    before = ""
    for word in tokenizer.words:
        put(1, len(word) - spelling.MIN_WORD + 1)     # (its length - MIN_WORD 0s, then a 1)
        shared = first_shared and before[:1] == word[:1]
        if first_shared:
            put(int(shared), 1)
        before = word
        for ch in word[shared:]:
            r = rank[ch]
            if r < SHORT_CODES:
                put(r, SHORT_BITS)
            else:
                put(SHORT_CODES + ((r - SHORT_CODES) >> LONG_BITS), SHORT_BITS)
                put((r - SHORT_CODES) & ((1 << LONG_BITS) - 1), LONG_BITS)
    put(0, spelling.MAX_WORD - spelling.MIN_WORD + 1)     # (the end)
    bits += [0] * (-len(bits) % 8)
    packed = bytes(int("".join(map(str, bits[i:i + 8])), 2) for i in range(0, len(bits), 8))
    return bytes(tokenizer.vocab[ch] for ch in ranked), packed


def word_list_bytes(tokenizer, first_shared: bool = False) -> int:
    """What the word list takes in the player."""
    return sum(map(len, word_list_data(tokenizer, first_shared)))


def _array(values):
    import numpy as np
    return np.asarray(values, dtype=np.int64)
