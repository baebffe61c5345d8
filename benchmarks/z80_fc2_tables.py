"""fc2's l pieces by product tables a column, at their fills measured on the Z80 (thirty-first round, zxfc2t31).

nzmatvec.s's l piece adds S(w + l) - S(w) for each row of a nonzero column (x = 256 h + l): `pop de`, IXL and
IYL, four reads of the squares, the adds. A product table a column, T(u) = 2 (u - 128) l + 32768 over u (the
stored weight w + 128) from the column's least to its most weight, makes the piece two reads (the rows'
constant takes 32768 a table piece for the S(l) it takes now), its low and high bytes a page apart as (ix+d)
and (iy+d) read them. The table is filled for each call (l changes every position), so it pays in a column
only where the rows' savings outrun its fill: rows (L piece - product piece) > fill(range).

Here the pieces and the fills run on the Z80 core, each result checked exactly against the integers:

- `l piece` and `product piece`: one row's piece (after IX and IY are set), A:HL's sum checked;
- `split fill`: the loop that writes a table as the product piece reads it (`ld (hl),a / inc h / ld (hl),d /
  dec h / inc l / add a,c / jr nc / inc d / djnz`; `jr c / dec d` for l < 0), run over each column's own
  range with its own l, every entry checked; its set-up (the first value, a product, and the pointers) is
  not counted, in the table's favour;
- `push fill`: a word table by `push hl / add hl,bc / djnz` (its words' bytes side by side: not what (ix+d)
  and (iy+d) read with IXL = u, a floor for any looped fill), and the unrolled `add hl,bc / push hl` (22).

Then, over the engine's fc2 inputs (each prompt's forward_step positions, z80_bank_costs.engine_steps_fc2),
each l-piece column's gain at each fill (a call's: the prompt's positions, where layer 0's fc2 runs too, gain or
lose by the same columns' sums), `chosen`: only where it is positive (the build knows each column's range), and
with SWITCH more a row (a table's page in IXH and IYH, `ld ixh,n / ld iyh,n`, before its piece: the squares'
page and a table's cannot both be IX's). Prints a line a prompt (a step's means, by layer) and the medians,
then each layer's break-even range at each fill and the columns whose range lies under it.

    python benchmarks/z80_fc2_tables.py [TEXT | --everyday | --prompts FILE]
"""

from __future__ import annotations

import statistics

import numpy as np

from soulterm.asm import assemble
from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.player.bench import prompts_from_command_line
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx.kernelbench import Z80Bench
from z80_bank_costs import NZ_SHORT_MOST, engine_steps_fc2, short_pieces

SQUARES_LO = 0x9080             # S(n) for n in -255..255 at SQUARES_LO + 255 + n (squares.s's layout)
SQUARES_HI = SQUARES_LO + 512   # its high bytes
SQUARES_PAGE = SQUARES_LO + 128         # IX: page-aligned, IXL = u reads S(w + l) at (ix + l - 1)
TABLE = 0xA000                  # a product table: T(u)'s low byte at TABLE + u, its high byte a page on
PUSH_TABLE = 0xB200             # the push fill's words end here
WEIGHT = 0xB400                 # the piece's weight (SP pops it)
TABLE_BIAS = 32768              # T(u) = 2 w l + TABLE_BIAS: 0..65280, added unsigned as the l piece adds
SWITCH = 22                     # ld ixh,n / ld iyh,n: a table's page before its piece
UNROLLED_PUSH = 22              # add hl,bc / push hl: the least a table's entry can take

SOURCE = f"""
        .org $8000
; one row's l piece (nzmatvec.s's nz_l_piece after its pop de): A:HL += S(w + l) - S(w)
l_piece:
        ld (saved_sp),sp
        ld sp,${WEIGHT:04X}
l_piece_start:
        pop de
        .byte $DD,$6B           ; ld ixl,e
        .byte $FD,$6B           ; ld iyl,e
        ld e,(ix+0)             ; S(w + l): l - 1 (patched)
L_D1 = * - 1
        ld d,(iy+0)
L_D2 = * - 1
        add hl,de
        adc a,b
        ld e,(ix-1)
        ld d,(iy-1)
        sbc hl,de
        sbc a,b
l_piece_end:
        ld sp,(saved_sp)
        ret
; one row's product piece: A:HL += T(u)
product_piece:
        ld (saved_sp),sp
        ld sp,${WEIGHT:04X}
product_piece_start:
        pop de
        .byte $DD,$6B           ; ld ixl,e
        .byte $FD,$6B           ; ld iyl,e
        ld e,(ix+0)
        ld d,(iy+0)
        add hl,de
        adc a,b
product_piece_end:
        ld sp,(saved_sp)
        ret
; the split fill, 2 l in 2..254: B entries (0: 256) from HL (low bytes; high bytes a page on), D:A the first
fill_up:
        ld (hl),a
        inc h
        ld (hl),d
        dec h
        inc l
        add a,c
        jr nc,@same
        inc d
@same:
        djnz fill_up
        ret
; l in -127..-1: C = 256 + 2 l, no carry a borrow from D
fill_down:
        ld (hl),a
        inc h
        ld (hl),d
        dec h
        inc l
        add a,c
        jr c,@same
        dec d
@same:
        djnz fill_down
        ret
; the push fill: B words down from SP's place, HL the first value, BC' ... (DE the step)
push_fill:
        ld (saved_sp),sp
        ld sp,${PUSH_TABLE:04X}
@entry:
        push hl
        add hl,de
        djnz @entry
        ld sp,(saved_sp)
        ret
saved_sp:
        .word 0
"""


def squares_bytes() -> tuple[bytes, bytes]:
    n = np.arange(-255, 256)
    squares = n * n
    return bytes((squares & 255).tolist()), bytes((squares >> 8).tolist())


class TableBench:
    """The pieces and the fills on the Z80 core (SOURCE), each result checked against the integers."""

    def __init__(self):
        self.bench = Z80Bench(program=assemble(SOURCE, filename="<fc2 tables>", cpu="z80"))
        low, high = squares_bytes()
        self.bench.poke(SQUARES_LO, low)
        self.bench.poke(SQUARES_HI, high)
        self.frame = {name: self.bench.sym(f"{name}_end") - self.bench.sym(f"{name}_start")
                      for name in ("l_piece", "product_piece")}

    def _piece(self, routine: str, u: int) -> tuple[int, int]:
        """A:HL after `routine` from A:HL = $80:0000 with the weight u; its T-states less its frame's."""
        bench, cpu = self.bench, self.bench.cpu
        bench.poke(WEIGHT, [u, 0])
        cpu.a, cpu.hl, cpu.b = 0x80, 0, 0
        cpu.f = 0
        t_states = bench.call(routine)
        # the frame: ld (nn),sp 20, ld sp,nn 10, ld sp,(nn) 20, ret 10, and the call
        return (cpu.a << 16 | cpu.hl) - 0x800000, t_states - (20 + 10 + 20 + 10) - 17

    def l_piece(self, u: int, l: int) -> int:
        """nzmatvec.s's l piece's T-states a row, its sum checked: S(w + l) - S(w)."""
        self.bench.poke(self.bench.sym("L_D1"), [(l - 1) & 255])
        self.bench.poke(self.bench.sym("L_D2"), [(l - 1) & 255])
        self.bench.cpu.ix, self.bench.cpu.iy = SQUARES_PAGE, SQUARES_PAGE + 512
        got, t_states = self._piece("l_piece", u)
        w = u - 128
        assert got == (w + l) ** 2 - w * w, (u, l, got)
        return t_states

    def product_piece(self, u: int, l: int) -> int:
        """The product piece's T-states a row, the table (filled by `split_fill`) read: 2 w l + TABLE_BIAS."""
        self.bench.cpu.ix, self.bench.cpu.iy = TABLE, TABLE + 256
        got, t_states = self._piece("product_piece", u)
        assert got == 2 * (u - 128) * l + TABLE_BIAS, (u, l, got)
        return t_states

    def split_fill(self, least: int, most: int, l: int) -> int:
        """The split fill's T-states for u in least..most (l in -127..127, not 0), every entry checked."""
        assert -127 <= l <= 127 and l != 0 and 0 <= least <= most <= 255
        bench, cpu = self.bench, self.bench.cpu
        bench.poke(TABLE, bytes(512))
        first = 2 * (least - 128) * l + TABLE_BIAS
        cpu.hl, cpu.a, cpu.d = TABLE + least, first & 255, first >> 8
        cpu.b, cpu.c = (most - least + 1) & 255, (2 * l) & 255
        t_states = bench.call("fill_up" if l > 0 else "fill_down") - 17
        u = np.arange(least, most + 1)
        expected = 2 * (u - 128) * l + TABLE_BIAS
        got = np.frombuffer(bench.peek(TABLE + least, len(u)), np.uint8).astype(np.int64) \
            + 256 * np.frombuffer(bench.peek(TABLE + 256 + least, len(u)), np.uint8).astype(np.int64)
        np.testing.assert_array_equal(got, expected)
        return t_states

    def push_fill(self, entries: int, l: int) -> int:
        """The push fill's T-states for `entries` words (a looped floor), every word checked."""
        assert 1 <= entries <= 256
        bench, cpu = self.bench, self.bench.cpu
        first = 2 * (0 - 128) * l + TABLE_BIAS
        cpu.hl, cpu.de, cpu.b = first, (2 * l) & 0xFFFF, entries & 255
        t_states = bench.call("push_fill") - 17 - (20 + 10 + 20)
        words = np.frombuffer(bench.peek(PUSH_TABLE - 2 * entries, 2 * entries), "<u2").astype(np.int64)[::-1]
        np.testing.assert_array_equal(words, (first + 2 * l * np.arange(entries)) & 0xFFFF)
        return t_states


def l_piece_columns(x) -> np.ndarray:
    """The columns whose pieces are l pieces (nzmatvec.s: not x of 0, 256 or a short piece's)."""
    x = np.asarray(x, dtype=np.int64)
    return (x != 0) & (x != 256) & ~short_pieces(x)


def column_gains(x, ranges, rows: int, piece_saving: int, fill_entry: float, switch: int = 0) -> np.ndarray:
    """Each l-piece column's gain in one fc2 call (0 elsewhere): rows (piece_saving - switch) - its fill."""
    gains = rows * (piece_saving - switch) - fill_entry * np.asarray(ranges, dtype=np.float64)
    return np.where(l_piece_columns(x), gains, 0.0)


def chosen_gain(x, ranges, rows: int, piece_saving: int, fill_entry: float, switch: int = 0) -> float:
    """A call's gain with a table only in the columns where one pays."""
    return float(np.maximum(column_gains(x, ranges, rows, piece_saving, fill_entry, switch), 0).sum())


def break_even_range(rows: int, piece_saving: int, fill_entry: float, switch: int = 0) -> float:
    """The widest range a column's table pays in (its gain above 0 under it)."""
    return rows * (piece_saving - switch) / fill_entry


def measured_costs(soul, seed: int = 31) -> dict:
    """The pieces' and fills' T-states on the Z80 core: the pieces on random u and l, the split fill over
    every fc2 column's own range with a random l (a mean an entry), the push fill over 157 entries."""
    tables, rng = TableBench(), np.random.default_rng(seed)
    l_pieces, products, split, entries = set(), set(), 0, 0
    for layer in (0, 1):
        w = np.asarray(soul[f"l{layer}.fc2_w"].values, dtype=np.int64) + 128
        for column in range(w.shape[1]):
            l = int(rng.choice([v for v in range(-127, 128) if v not in range(0, NZ_SHORT_MOST + 1)]))
            least, most = int(w[:, column].min()), int(w[:, column].max())
            split += tables.split_fill(least, most, l)
            entries += most - least + 1
            for u in w[:: 7, column]:
                l_pieces.add(tables.l_piece(int(u), l))
                products.add(tables.product_piece(int(u), l))
    assert len(l_pieces) == 1 and len(products) == 1, "the pieces take the same T-states on every weight"
    push = tables.push_fill(157, 37) / 157
    return {"l piece": l_pieces.pop(), "product piece": products.pop(), "split fill": split / entries,
            "push fill": push, "unrolled push": UNROLLED_PUSH}


def main() -> None:
    prompts = prompts_from_command_line(__doc__.splitlines()[0])
    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    engine = Engine(soul)
    costs = measured_costs(soul)
    saving = costs["l piece"] - costs["product piece"]
    print(f"measured: l piece {costs['l piece']} a row, product piece {costs['product piece']} (saving {saving}); "
          f"split fill {costs['split fill']:.2f} an entry, push fill {costs['push fill']:.2f} (looped), "
          f"unrolled push {UNROLLED_PUSH}")
    w = {layer: np.asarray(soul[f"l{layer}.fc2_w"].values, dtype=np.int64) for layer in (0, 1)}
    ranges = {layer: w[layer].max(axis=0) - w[layer].min(axis=0) + 1 for layer in (0, 1)}
    rows = {layer: w[layer].shape[0] for layer in (0, 1)}
    forms = [("unrolled push", UNROLLED_PUSH, 0), ("split", costs["split fill"], 0),
             ("split+switch", costs["split fill"], SWITCH)]
    header = " ".join(f"{'l' + str(layer) + ' ' + name:>18}" for layer in (0, 1) for name, _, _ in forms)
    print(f"{'prompt':20} {'steps':>5} {'l0 cols':>7} {'l1 cols':>7} {header}")
    lines = []
    for prompt in prompts:
        steps = engine_steps_fc2(engine, tokenizer.encode_turn(prompt))
        n = len(steps)
        columns = [sum(int(l_piece_columns(x).sum()) for step in steps for at, x in step if at == layer) / n
                   for layer in (0, 1)]
        all_columns, chosen = [], []
        for layer in (0, 1):
            for _, fill, switch in forms:
                calls = [x for step in steps for at, x in step if at == layer]
                all_columns.append(sum(column_gains(x, ranges[layer], rows[layer], saving, fill, switch).sum()
                                       for x in calls) / n)
                chosen.append(sum(chosen_gain(x, ranges[layer], rows[layer], saving, fill, switch)
                                  for x in calls) / n)
        lines.append((columns, all_columns, chosen))
        print(f"{prompt[:20]:20} {n:>5} {columns[0]:>7.1f} {columns[1]:>7.1f} "
              + " ".join(f"{a:>+9,.0f}/{c:>+8,.0f}" for a, c in zip(all_columns, chosen)))
    if len(lines) > 1:
        print(f"{'medians':20} {'':>5} " + " ".join(f"{statistics.median(line[0][i] for line in lines):>7.1f}"
                                                    for i in (0, 1)) + " "
              + " ".join(f"{statistics.median(line[1][i] for line in lines):>+9,.0f}/"
                         f"{statistics.median(line[2][i] for line in lines):>+8,.0f}" for i in range(2 * len(forms))))
    print("(a step's means: every l-piece column with a table / only the columns where one pays; + saves)")
    for layer in (0, 1):
        for name, fill, switch in forms:
            limit = break_even_range(rows[layer], saving, fill, switch)
            paying = int((ranges[layer] < limit).sum())
            print(f"layer {layer}, {name} ({fill:.2f} an entry{', +' + str(switch) + ' a row' if switch else ''}): "
                  f"a table pays under a range of {limit:.1f}; {paying} of {len(ranges[layer])} columns "
                  f"(ranges {ranges[layer].min()}..{ranges[layer].max()}, median {np.median(ranges[layer]):g})")


if __name__ == "__main__":
    main()
