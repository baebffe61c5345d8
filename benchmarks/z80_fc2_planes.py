"""fc2 by bit planes of its weights over z's nonzero inputs only, weighed on the Z80 against matvec_nz's chain
(thirty-third round, zxfc2m33).

fc2's out = W z + b (32 rows, 64 columns, z = ReLU's output). nzmatvec.s's matvec_nz runs a chain over z's nonzero
columns: every row pays a piece a nonzero column (nz_short's 44..122 T-states for x of 1..16, the l piece's 136).
The form weighed here: the 64 inputs in 8 groups of 8 (columns 8g..8g+7); N_g the mask of group g's nonzero inputs;
a table of subset sums T_g[s] = sum of z_j over j in s, for the subsets s of N_g only (2^|N_g| entries, each filled
by one add from the entry without its lowest set bit; an empty group has none); u = w + 128 in bit planes, a row's
sum u.z = sum_p 2^p sum_g T_g[m_pg & N_g] (m_pg: bit p of the group's 8 u), and W z = u.z - 128 sum z. A row then
costs 8 planes x its nonempty groups' lookups, whatever the count of nonzeros in each group, where the chain costs a
piece a nonzero column.

Everything below runs on the Z80 core, each result checked exactly against the integers:

- `fill`: one group's table (its low bytes on a page, its high bytes on the next), s over N's subsets in
  increasing order (s' = ((s | ~N) + 1) & N), T[s] = T[s & (s - 1)] + z[s's lowest bit]; every entry checked.
- `rows`: the call's row code as a writer would make it for this z (generated here, one copy for all 32 rows): for
  each plane 7..0, each pair of groups `pop de` (their two masks; a run of empty pairs skipped by pops, or by
  `ex de,hl / ld hl,n / add hl,sp / ld sp,hl / ex de,hl` where that is shorter), each nonempty group's lookup
  `ld a,e|d / and N_g / ld c,a / ld b,page_g / ld a,(bc) / add a,l / ld l,a / inc b / ld a,(bc) / adc a,h / ld h,a`
  (56 T-states), `add hl,hl` between planes; the top four planes' Q (= 8 P7 + 4 P6 + 2 P5 + P4) and the low four's
  L stored as words (16 Q + L = u.z: exact for 15 sum z <= 65535, a call past it is the chain's). Every row's Q and L
  checked.
- `chain`: the 128K player's own matvec_nz (kernelbench.run_matvec_nz with its options and NZ_WIDE_X, the adding
  store), the call with the engine's z, exact.

A call's planes form is then counted as: the chain's call with z all 0 (its scan, its rows' starts, biases, shifts
and stores: what the planes' rows would still need; their 24-bit 16 Q + L before the shift is not counted) + each
nonempty group's fill + the rows + the row code's writing at ldir's 21 T-states a byte (no set-up): every term
in the planes' favour. `hybrid`: the most a call could gain by taking the planes only for the groups where they
win (each group's chain cost measured alone: the call with z outside the group zeroed, less the zero call; each
group's planes: its fill, its rows alone less the rows with no group, its code's writing), the rest by the chain
(a second pass over the rows not counted); `net`: the hybrid taken only in the calls where its gain
outruns MERGE_ROW a row (a run-time choice by the groups' counts), MERGE_ROW's merge counted; `floor`: the
net with each group's fill at FILL_FLOOR an entry, not the measured loop's.

Prints, by layer and prompt set, the nonzeros a group (a histogram), the nonempty groups and the subset entries a
call, and each layer's narrow rows (weights in -64..63, whose plane 6 would need no lookup); then a line a prompt (a reply step's means: both layers' fc2 by the chain, by the planes and the hybrid's
gain, and its net) and the medians; the per-lookup and per-entry T-states measured.

With `--columns`, each layer's reply-step calls are also split into the chain's columns alone (each nonzero
column's call by itself less the zero call: its 32 pieces and its writing) and the rest (the skips between
columns and the scan's differences): what any form that keeps the chain's pieces could still take.

    python benchmarks/z80_fc2_planes.py [TEXT | --everyday | --prompts FILE] [--groups] [--columns]
"""

from __future__ import annotations

import argparse
import statistics

import numpy as np

from soulterm.asm import assemble
from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.player.bench import add_prompt_arguments, chosen_prompts
from soulterm.soul.engine import Engine, sat16, shift_right
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx.kernelbench import NZ_BENCH, Z80Bench, player_kernel_options, run_matvec_nz
from z80_bank_costs import engine_steps_fc2

GROUPS, GROUP = 8, 8            # fc2's 64 inputs in 8 groups of 8 columns
PLANES = 8                      # u = w + 128's bits
TOP_PLANES = 4                  # Q's planes (7..4); L's are 3..0
Z_PAGE = 0x9000                 # z[bit]'s low bytes at Z_PAGE + bit (bit = 1, 2, 4, .. 128), high bytes a page on
TABLE_PAGE = 0xA000             # group g's table: low bytes at TABLE_PAGE + 512 g + s, high bytes 256 on
MASKS = 0xB000                  # the rows' masks: 64 bytes a row (planes 7..0, groups 0..7 in each)
RESULTS = 0xB800                # a row's Q and L as two words
ROW_CODE = 0x8400               # the call's row code
LOOKUP = 56                     # a lookup's T-states (the module docstring's 11 instructions)
LDIR_BYTE = 21                  # writing the row code: ldir's T-states a byte
MOST_Q_SUM = 65535 // 15        # sum z above it: Q or L would overflow a word
FILL_FLOOR = 22                 # a subset entry's least fill (an unrolled `add hl,rr / push hl`, z80_bank_costs')
MERGE_ROW = 60 + 35             # the hybrid's floor a row: 16 Q (`add hl,hl / adc a,a` four times) and the chain's
                                # piece adding the planes' 24-bit sum (`pop de / add hl,de / pop de / adc a,e`)

SOURCE = f"""
        .org $8000
; one group's table of subset sums: C = N (not 0), its complement patched at fill_not, N at fill_and;
; the table's page at fill_page (low bytes; high bytes the next page); z[bit] at Z_PAGE + bit
fill:
        ld hl,${TABLE_PAGE:04X}
fill_page = * - 1
        ld l,0
        ld (hl),l
        inc h
        ld (hl),l
        dec h
        ld d,${Z_PAGE >> 8:02X}
        ld c,0                  ; s
fill_next:
        ld a,c
        or 0                    ; ~N
fill_not = * - 1
        inc a
        and 0                   ; N
fill_and = * - 1
        ret z                   ; back to the empty set: every subset filled
        ld c,a                  ; s
        dec a
        and c                   ; s without its lowest bit: filled before s
        ld b,a
        xor c
        ld e,a                  ; DE: z[s's lowest bit]'s low byte
        ld l,b
        ld a,(de)
        add a,(hl)
        ld l,c
        ld (hl),a
        inc h
        inc d
        ld l,b
        ld a,(de)
        adc a,(hl)
        ld l,c
        ld (hl),a
        dec h
        dec d
        jp fill_next
; the rows: the call's row code at ROW_CODE, 32 rows (B'), SP on the masks, IX on the results
rows:
        ld (saved_sp),sp
        ld sp,${MASKS:04X}
        ld ix,${RESULTS:04X}
        exx
        ld b,32
        exx
        jp ${ROW_CODE:04X}
rows_done:
        ld sp,(saved_sp)
        ret
saved_sp:
        .word 0
"""


def group_counts(z) -> np.ndarray:
    """Each group's count of nonzero inputs."""
    return (np.asarray(z).reshape(GROUPS, GROUP) != 0).sum(axis=1)


def group_masks(z) -> list[int]:
    """N_g: bit k set where z[8 g + k] is not 0."""
    nonzero = np.asarray(z).reshape(GROUPS, GROUP) != 0
    return [int(sum(1 << k for k in range(GROUP) if nonzero[g, k])) for g in range(GROUPS)]


def plane_masks(w) -> bytes:
    """The rows' masks: a row's 64 bytes, planes 7..0, in each groups 0..7; bit k of (p, g) is bit p of
    u = w + 128 at column 8 g + k."""
    u = np.asarray(w, dtype=np.int64) + 128
    rows, cols = u.shape
    assert cols == GROUPS * GROUP
    out = bytearray()
    for r in range(rows):
        for p in range(PLANES - 1, -1, -1):
            bits = (u[r] >> p) & 1
            out += bytes(int(sum(int(bits[GROUP * g + k]) << k for k in range(GROUP))) for g in range(GROUPS))
    return bytes(out)


def lookup_bytes(register_d: bool, mask: int, group: int) -> bytes:
    """One group's lookup: its mask from E (or D), and N, the table's entry added to HL."""
    page = (TABLE_PAGE >> 8) + 2 * group
    return bytes([0x7A if register_d else 0x7B, 0xE6, mask, 0x4F, 0x06, page, 0x0A, 0x85, 0x6F, 0x04, 0x0A,
                  0x8C, 0x67])


def skip_bytes(count: int) -> bytes:
    """SP on by `count` mask bytes (HL kept): pops two at a time (10 T-states) and an inc sp, or the long skip."""
    pops = bytes([0xD1] * (count // 2) + [0x33] * (count % 2))
    pops_t = 10 * (count // 2) + 6 * (count % 2)
    if count >= 8 and pops_t > 35:
        return bytes([0xEB, 0x21, count & 255, count >> 8, 0x39, 0xF9, 0xEB])
    return pops


def row_code(masks: list[int], rows_done: int) -> bytes:
    """The row code for groups' masks N (a group of N 0 takes no lookup), looping on B' to rows_done."""
    code = bytearray([0x21, 0, 0])                                   # ld hl,0
    for plane in range(PLANES - 1, -1, -1):
        skipped = 0
        for pair in range(0, GROUPS, 2):
            if not masks[pair] and not masks[pair + 1]:
                skipped += 2
                continue
            code += skip_bytes(skipped)
            skipped = 0
            code.append(0xD1)                                        # pop de: E group 2k's mask, D 2k+1's
            for group in (pair, pair + 1):
                if masks[group]:
                    code += lookup_bytes(group == pair + 1, masks[group], group)
        code += skip_bytes(skipped)
        if plane == TOP_PLANES:
            code += bytes([0xDD, 0x75, 0, 0xDD, 0x74, 1, 0x21, 0, 0])  # ld (ix+0),l / ld (ix+1),h / ld hl,0
        elif plane:
            code.append(0x29)                                        # add hl,hl
    code += bytes([0xDD, 0x75, 2, 0xDD, 0x74, 3])                    # ld (ix+2),l / ld (ix+3),h
    code += bytes([0x11, 4, 0, 0xDD, 0x19])                          # ld de,4 / add ix,de
    code += bytes([0xD9, 0x05, 0xD9, 0xC2, ROW_CODE & 255, ROW_CODE >> 8])   # exx / dec b / exx / jp nz,row
    code += bytes([0xC3, rows_done & 255, rows_done >> 8])           # jp rows_done
    return bytes(code)


def written_bytes(masks: list[int]) -> int:
    """The bytes a writer would copy for these masks: the row code less its fixed frame (the code with no group)."""
    return len(row_code(masks, 0)) - len(row_code([0] * GROUPS, 0))


class PlanesBench:
    """The fill and the rows on the Z80 core (SOURCE, row_code), each result checked against the integers."""

    def __init__(self):
        self.bench = Z80Bench(program=assemble(SOURCE, filename="<fc2 planes>", cpu="z80"))
        self.masks_of = {}

    def fill(self, z, group: int) -> int:
        """Group `group`'s table for z (nonempty, z >= 0): its T-states, every entry of N's subsets checked."""
        bench, cpu = self.bench, self.bench.cpu
        values = np.asarray(z, dtype=np.int64)[GROUP * group:GROUP * (group + 1)]
        mask = group_masks(z)[group]
        assert mask and (values >= 0).all()
        low, high = bytearray(256), bytearray(256)
        for k in range(GROUP):
            low[1 << k], high[1 << k] = int(values[k]) & 255, int(values[k]) >> 8
        bench.poke(Z_PAGE, low)
        bench.poke(Z_PAGE + 256, high)
        page = TABLE_PAGE + 512 * group
        bench.poke(bench.sym("fill_page"), [page >> 8])
        bench.poke(bench.sym("fill_not"), [~mask & 255])
        bench.poke(bench.sym("fill_and"), [mask])
        t_states = bench.call("fill")
        for s in range(256):
            if s & ~mask:
                continue
            got = bench.memory[page + s] + 256 * bench.memory[page + 256 + s]
            assert got == sum(int(values[k]) for k in range(GROUP) if s >> k & 1), (group, mask, s, got)
        return t_states

    def rows(self, w, z, masks: list[int] | None = None) -> int:
        """The rows' T-states for z's groups (or `masks`: only those groups' lookups, z's entries zero
        elsewhere in the check), the tables filled; every row's 16 Q + L checked against u.z."""
        bench = self.bench
        key = id(w)
        if key not in self.masks_of:
            self.masks_of[key] = (w, plane_masks(w))
            bench.poke(MASKS, self.masks_of[key][1])
        elif bench.peek(MASKS, len(self.masks_of[key][1])) != self.masks_of[key][1]:
            bench.poke(MASKS, self.masks_of[key][1])
        masks = group_masks(z) if masks is None else masks
        bench.poke(ROW_CODE, row_code(masks, bench.sym("rows_done")))
        t_states = bench.call("rows")
        rows = np.asarray(w).shape[0]
        words = bench.read_words(RESULTS, 2 * rows) & 0xFFFF
        kept = np.zeros(GROUPS * GROUP, np.int64)
        for g in range(GROUPS):
            for k in range(GROUP):
                if masks[g] >> k & 1:
                    kept[GROUP * g + k] = z[GROUP * g + k]
        u = np.asarray(w, dtype=np.int64) + 128
        np.testing.assert_array_equal(16 * words[0::2] + words[1::2], u @ kept)
        return t_states


def chain_call(bench, layer, z) -> int:
    """The 128K's matvec_nz on fc2's call with z (the engine's weights, bias and shift): its T-states, exact."""
    w, bias = layer.fc2_t.T, layer.fc2_b
    out = np.zeros(len(bias), np.int64)
    got, t_states = run_matvec_nz(bench, w, z, bias, layer.s_fc2, out)
    expected = sat16(out + sat16(shift_right(np.asarray(z, np.int64) @ layer.fc2_t + bias, layer.s_fc2)))
    np.testing.assert_array_equal(got, expected)
    return t_states


class Weigher:
    """Both forms' T-states for fc2 calls, the chain's zero call once a layer."""

    def __init__(self, engine):
        self.engine = engine
        self.chain = Z80Bench(NZ_BENCH, options=player_kernel_options("128k", nz_x_bits=False) + "\nNZ_WIDE_X = 1")   # the 128K's pieces (its chain before NZ_X_BITS)
        self.planes = PlanesBench()
        self.zero = {}
        self.w = {index: np.ascontiguousarray(layer.fc2_t.T) for index, layer in enumerate(engine.layers)}

    def zero_call(self, index: int) -> int:
        if index not in self.zero:
            self.zero[index] = chain_call(self.chain, self.engine.layers[index], np.zeros(GROUPS * GROUP, np.int64))
        return self.zero[index]

    def call(self, index: int, z, groups: bool = True) -> dict:
        """One fc2 call: `chain`, `planes` (None where the planes decline: z < 0 or 15 sum z > 65535) and, with
        `groups`, `hybrid` (the most the groups where the planes win could gain)."""
        z = np.asarray(z, dtype=np.int64)
        layer, w = self.engine.layers[index], self.w[index]
        chain = chain_call(self.chain, layer, z)
        result = {"chain": chain, "planes": None, "hybrid": 0, "net": 0, "floor": 0}
        if (z < 0).any() or z.sum() > MOST_Q_SUM:
            return result
        masks = group_masks(z)
        fills = {g: self.planes.fill(z, g) for g in range(GROUPS) if masks[g]}
        rows = self.planes.rows(w, z)
        result["planes"] = self.zero_call(index) + sum(fills.values()) + rows + LDIR_BYTE * written_bytes(masks)
        if groups:
            frame, floor = self.planes.rows(w, z, [0] * GROUPS), 0
            for g in fills:
                alone = np.where(np.arange(GROUPS * GROUP) // GROUP == g, z, 0)
                chain_g = chain_call(self.chain, layer, alone) - self.zero_call(index)
                only = [masks[h] if h == g else 0 for h in range(GROUPS)]
                planes_g = fills[g] + self.planes.rows(w, z, only) - frame + LDIR_BYTE * written_bytes(only)
                result["hybrid"] += max(0, chain_g - planes_g)
                floor += max(0, chain_g - planes_g + fills[g] - FILL_FLOOR * (2 ** int(group_counts(z)[g]) - 1))
            result["net"] = max(0, result["hybrid"] - len(layer.fc2_b) * MERGE_ROW)
            result["floor"] = max(0, floor - len(layer.fc2_b) * MERGE_ROW)
        return result


def unit_costs(w, seed: int = 33) -> dict:
    """A lookup's T-states (one group of one nonzero in the rows, less the rows with none, over 32 rows and 8
    planes: the lookup and half a pop) and a fill's a subset entry (random groups of 1..8 nonzeros), measured."""
    planes, rng = PlanesBench(), np.random.default_rng(seed)
    z = np.zeros(GROUPS * GROUP, np.int64)
    frame = planes.rows(w, z, [0] * GROUPS)
    z[0] = 1
    planes.fill(z, 0)
    rows = len(np.asarray(w))
    lookup = (planes.rows(w, z) - frame) / (rows * PLANES)
    fill_t, entries = 0, 0
    for count in range(1, GROUP + 1):
        for _ in range(4):
            z = np.zeros(GROUPS * GROUP, np.int64)
            z[rng.choice(GROUP, count, replace=False)] = rng.integers(1, 504, count)
            fill_t += planes.fill(z, 0)
            entries += 2 ** count - 1
    return {"lookup": lookup, "fill entry": fill_t / entries}


def columns_alone(weigher, index: int, z) -> tuple[int, int, int]:
    """(the chain's call less the zero call, the sum of its nonzero columns' calls alone less the zero call each,
    the nonzero columns)."""
    z = np.asarray(z, dtype=np.int64)
    layer, zero = weigher.engine.layers[index], weigher.zero_call(index)
    alone = 0
    for column in np.flatnonzero(z):
        single = np.zeros_like(z)
        single[column] = z[column]
        alone += chain_call(weigher.chain, layer, single) - zero
    return chain_call(weigher.chain, layer, z) - zero, alone, int((z != 0).sum())


def distribution(calls) -> str:
    """Nonzeros a group (shares of 0..8), nonempty groups and subset entries (2^|N_g|, less the empty set) a call."""
    counts = np.array([group_counts(z) for z in calls])
    shares = np.bincount(counts.ravel(), minlength=GROUP + 1) / counts.size
    nonempty = (counts > 0).sum(axis=1)
    entries = ((2 ** counts) - 1).sum(axis=1)
    return (f"{len(calls):,} calls, nonzero a call {counts.sum(axis=1).mean():.1f} (most {counts.sum(axis=1).max()}), "
            f"nonempty groups {nonempty.mean():.2f} (most {nonempty.max()}), subset entries {entries.mean():.1f} "
            f"(most {entries.max()}); nonzeros a group 0..{GROUP}: "
            + " ".join(f"{share:.3f}" for share in shares))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_prompt_arguments(parser)
    parser.add_argument("--groups", action="store_true", help="also the hybrid's gain (each group measured alone)")
    parser.add_argument("--columns", action="store_true", help="also the chain's calls by their columns alone")
    args = parser.parse_args()
    prompts = chosen_prompts(args)
    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    engine = Engine(soul)
    weigher = Weigher(engine)
    steps_of = {prompt: engine_steps_fc2(engine, tokenizer.encode_turn(prompt)) for prompt in prompts}
    for index in range(len(engine.layers)):
        calls = [z for steps in steps_of.values() for step in steps for at, z in step if at == index]
        print(f"layer {index}, the reply steps' fc2: {distribution(calls)}")
    narrow = [int(((w >= -64) & (w <= 63)).all(axis=1).sum()) for w in weigher.w.values()]
    print("narrow rows (weights in -64..63: plane 6 the complement of plane 7): "
          + ", ".join(f"layer {index} {count} of {len(weigher.w[index])}" for index, count in enumerate(narrow)))
    print(f"{'prompt':24} {'steps':>5} {'l0 chain':>9} {'l0 planes':>9} {'l1 chain':>9} {'l1 planes':>9} "
          f"{'planes-chain':>12}" + (f" {'hybrid gain':>11} {'net':>6} {'floor':>6}" if args.groups else ""))
    lines, declined = [], 0
    for prompt, steps in steps_of.items():
        sums = {"chain": [0, 0], "planes": [0, 0], "hybrid": 0, "net": 0, "floor": 0, "floor by layer": [0, 0]}
        for step in steps:
            for index, z in step:
                got = weigher.call(index, z, groups=args.groups)
                sums["chain"][index] += got["chain"]
                if got["planes"] is None:
                    declined += 1
                sums["planes"][index] += got["chain"] if got["planes"] is None else got["planes"]
                sums["hybrid"] += got["hybrid"]
                sums["net"] += got["net"]
                sums["floor"] += got["floor"]
                sums["floor by layer"][index] += got["floor"]
        n = len(steps)
        line = [sums["chain"][0] / n, sums["planes"][0] / n, sums["chain"][1] / n, sums["planes"][1] / n]
        line.append(line[1] + line[3] - line[0] - line[2])
        line += [sums["hybrid"] / n, sums["net"] / n, sums["floor"] / n] + [v / n for v in sums["floor by layer"]]
        lines.append(line)
        print(f"{prompt[:24]:24} {n:>5} " + " ".join(f"{v:>9,.0f}" for v in line[:4]) + f" {line[4]:>+12,.0f}"
              + (f" {line[5]:>11,.0f} {line[6]:>6,.0f} {line[7]:>6,.0f}" if args.groups else ""))
    if len(lines) > 1:
        medians = [statistics.median(line[i] for line in lines) for i in range(8)]
        print(f"{'medians':24} {'':>5} " + " ".join(f"{v:>9,.0f}" for v in medians[:4]) + f" {medians[4]:>+12,.0f}"
              + (f" {medians[5]:>11,.0f} {medians[6]:>6,.0f} {medians[7]:>6,.0f}" if args.groups else ""))
    if args.groups:
        print("the floor by layer (layer 0's fc2 runs with bank 7 in, layer 1's with bank 4): medians "
              + ", ".join(f"{statistics.median(line[8 + i] for line in lines):,.0f}" for i in (0, 1))
              + "; most " + ", ".join(f"{max(line[8 + i] for line in lines):,.0f}" for i in (0, 1)))
    if args.columns:
        for index in range(len(engine.layers)):
            split = [columns_alone(weigher, index, z) for steps in steps_of.values() for step in steps
                     for at, z in step if at == index]
            full, alone, columns = (sum(part[i] for part in split) for i in range(3))
            print(f"layer {index}'s chain: {full / len(split):,.0f} a call above the zero call "
                  f"({weigher.zero_call(index):,}), its columns alone {alone / len(split):,.0f} "
                  f"({alone / max(1, columns) / len(weigher.w[index]):.1f} a column and row), the rest "
                  f"{(full - alone) / len(split):,.0f}")
    costs = unit_costs(weigher.w[1])
    print(f"(a reply step's means; the planes' calls declined, counted as the chain's: {declined}; measured: a "
          f"lookup {costs['lookup']:.1f} T-states with its half pop, a fill {costs['fill entry']:.1f} a subset entry; "
          f"the code's writing {LDIR_BYTE} a byte)")


if __name__ == "__main__":
    main()
