"""fc2's chain by adjacent nonzero pairs, weighed (thirty-third round, zxnzpair33): what a pop that serves two columns
could save matvec_nz on the 128K, counted on the engine's z and measured on the Z80 core.

nzmatvec.s's chain pops a row's weights: `pop de` puts column j's u in E and column j+1's in D. Where z's columns j and
j+1 (in one part) are both nonzero, the chain today runs j's piece, then `dec sp / pop de` (16 T-states a row) to read
j+1's u again. The lead (zxfc2m33): keep D. Every 8-bit register of the rows is taken (A:HL the sum, B 0 for the adc's
and sbc's, C the rows left, DE the reads, IX and IY the squares' pages with u in their low halves, the alternate set the
parts' row pointers and stride, SP the weights), so the plan weighed frees C: the rows' end tests out's pointer
(`ld a,l / cp n / jp nz`, patched n) in place of `dec c / jp nz`; a pair's first piece `pop de / ld c,d`, its second
`ld e,c` (an l piece's may take `ld ixl,c / ld iyl,c` for its `ld ixl,e / ld iyl,e`: the best case), no `dec sp / pop de`.
(A' instead of C, `ex af,af' / ld a,d / ex af,af'` and back, is measured too: dearer than the pop it saves.)
The writer must know a pair before it writes the first column's piece (its `ld c,d`): a peek at x[j + 1] for every
nonzero column but a pair's second, and the two patched bytes a pair (the first's `ld c,d`, the second's `ld e,c`).

Measured here on the Z80 core (each fragment's sum checked against the integers): a pair's rows now and in each pair
form (an l or a short second), the rows' end both ways over 32 rows, the peek both ways and a pair's patches; then,
over the engine's fc2 inputs of each prompt's reply steps (both layers), the plan's bound a reply step: its pairs' rows
saved less the rows' end, the peeks and the patches (the writer's other changes not counted: in the plan's favour).
Also, on the 128K's own matvec_nz by its pieces (the shipped form until the thirty-seventh round's NZ_X_BITS), what an
adjacent pair costs against the same two columns two apart.

    python benchmarks/z80_fc2_pairs.py [TEXT | --everyday | --prompts FILE]
"""

from __future__ import annotations

import argparse
import statistics

import numpy as np

from soulterm.asm import assemble
from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.player.bench import add_prompt_arguments, chosen_prompts
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx.kernelbench import CALL_T_STATES, NZ_BENCH, Z80Bench, player_kernel_options
from z80_bank_costs import engine_steps_fc2
from z80_fc2_planes import chain_call

PART = 32                       # matvec's parts: columns 0..31 and 32..63, each row's two parts apart in memory
SHORT_MOST = 16                 # nz_short's x of 1..16 but 15 (h = 0): `pop de / ld d,b` and its template
SQUARES = 0xA000                # S(n) = n * n: its low byte at SQUARES + n + 127, its high byte 512 on (nzmatvec.s's)
WEIGHTS = 0x9000                # a row's two adjacent weights (u = w + 128)
RESULT = 0x9100                 # A:HL after a fragment
ROWS = 32                       # fc2's rows
JP, RET = 10, 10                # (taken off the peek's stub and the patches' call: the writer would run them inline)

L_PIECE_TAIL = """
        ld e,(ix+{d})
        ld d,(iy+{d})
        add hl,de
        adc a,b
        ld e,(ix-1)
        ld d,(iy-1)
        sbc hl,de
        sbc a,b
"""
SHORT_FIVE = """
        sla e
        rl d
        add hl,de
        adc a,b
        sla e
        rl d
        add hl,de
        adc a,b
        add hl,de
        adc a,b
"""                             # nz_short's l = 5 after `ld d,b`: 2u + 2 x 4u = 10 u
U_FROM_E = "        .byte $DD,$6B,$FD,$6B      ; ld ixl,e / ld iyl,e\n"
U_FROM_C = "        .byte $DD,$69,$FD,$69      ; ld ixl,c / ld iyl,c\n"


def fragment(name: str, body: str) -> str:
    return f"""
{name}:
        ld (saved_sp),sp
        ld sp,${WEIGHTS:04X}
        ld ix,${SQUARES:04X}
        ld iy,${SQUARES + 512:04X}
        ld hl,0
        ld a,$80
        ld b,0
{body}
        ld (${RESULT:04X}),hl
        ld (${RESULT + 2:04X}),a
        ld sp,(saved_sp)
        ret
"""


def source(l1: int, l2: int) -> str:
    first = L_PIECE_TAIL.format(d=l1 - 1)
    second = L_PIECE_TAIL.format(d=l2 - 1)
    parts = [
        fragment("frame", ""),
        fragment("one_l", "pop de\n" + U_FROM_E + first),
        fragment("one_short", "pop de\nld d,b\n" + SHORT_FIVE),
        fragment("now_l", "pop de\n" + U_FROM_E + first + "dec sp\npop de\n" + U_FROM_E + second),
        fragment("pair_l", "pop de\nld c,d\n" + U_FROM_E + first + "ld e,c\n" + U_FROM_E + second),
        fragment("pair_l_best", "pop de\nld c,d\n" + U_FROM_E + first + U_FROM_C + second),
        fragment("pair_l_alternate", "pop de\nex af,af'\nld a,d\nex af,af'\n" + U_FROM_E + first
                 + "ex af,af'\nld e,a\nex af,af'\n" + U_FROM_E + second),
        fragment("now_short", "pop de\n" + U_FROM_E + first + "dec sp\npop de\nld d,b\n" + SHORT_FIVE),
        fragment("pair_short", "pop de\nld c,d\n" + U_FROM_E + first + "ld e,c\nld d,b\n" + SHORT_FIVE),
    ]
    ends = f"""
end_by_c:                       ; the rows' end now: C the rows left
        ld hl,${RESULT:04X}
        ld c,{ROWS}
@row:
        inc hl
        inc hl
        dec c
        jp nz,@row
        ret
end_by_l:                       ; the plan's: out's pointer against its last row's (a patched operand)
        ld hl,${RESULT:04X}
@row:
        inc hl
        inc hl
        ld a,l
        cp ${(RESULT + 2 * ROWS) & 0xFF:02X}
        jp nz,@row
        ret
peek_single:                    ; the peek's stubs: x[j] at RESULT, x[j + 1] after it, 5 columns left
        ld hl,${RESULT + 1:04X}
        ld b,5
        jp peek
peek_stub:
        ld hl,${RESULT + 1:04X}
        ld b,5
        ret
peek:                           ; nz_nonzero's peek: HL on x[j]'s high byte, B the part's columns left from j
        ld a,b
        dec a
        jr z,@single            ; (j the part's last)
        inc hl
        ld a,(hl)
        inc hl
        or (hl)
        dec hl
        dec hl
        jr z,@single
        ld a,1                  ; (a pair: the flag its writing takes)
        ld (pair_flag),a
@single:
        ret
patches:                        ; a pair's: the first piece's place kept, its `ld c,d`, the second's `ld e,c`
        ld (pair_at),de
        ld hl,(pair_at)
        ld (hl),$4A
        ld (pair_at),de
        ld hl,(pair_at)
        ld (hl),$59
        ret
pair_flag:
        .byte 0
pair_at:
        .word 0
saved_sp:
        .word 0
"""
    return "        .org $8000\n" + "".join(parts) + ends


class Fragments:
    """The pair forms' rows, the rows' end, the peek and the patches on the Z80 core, sums checked."""

    def __init__(self, seed: int = 33):
        rng = np.random.default_rng(seed)
        self.bench = Z80Bench(program=assemble(source(37, -90), filename="<fc2 pairs>", cpu="z80"))
        squares = np.zeros(1024, np.int64)
        for n in range(-255, 256):
            squares[n + 127 + 128] = n * n     # (the region starts 128 below SQUARES)
        low = bytes(int(v) & 255 for v in squares[:512])
        high = bytes(int(v) >> 8 for v in squares[:512])
        self.bench.poke(SQUARES - 128, low[:512])
        self.bench.poke(SQUARES - 128 + 512, high[:512])
        self.rows = {}
        self.frame = self.bench.call("frame")
        self.bench.poke(WEIGHTS, [128 + 77, 128])
        self.one_l = self.bench.call("one_l") - self.frame
        assert self.bench.peek(RESULT, 3) == (0x800000 + 2 * 77 * 37 + 37 * 37).to_bytes(3, "little")
        self.one_short = self.bench.call("one_short") - self.frame
        assert self.bench.peek(RESULT, 3) == (0x800000 + 2 * (77 + 128) * 5).to_bytes(3, "little")
        for name, (l1, l2) in (("now_l", (37, -90)), ("pair_l", (37, -90)), ("pair_l_best", (37, -90)),
                               ("pair_l_alternate", (37, -90)),
                               ("now_short", (37, 5)), ("pair_short", (37, 5))):
            spent = []
            for _ in range(8):
                w1, w2 = (int(v) for v in rng.integers(-128, 128, 2))
                self.bench.poke(WEIGHTS, [w1 + 128, w2 + 128])
                spent.append(self.bench.call(name))
                got = self.bench.memory[RESULT] + 256 * self.bench.memory[RESULT + 1] \
                    + 65536 * self.bench.memory[RESULT + 2]
                second = 2 * (w2 + 128) * l2 if name.endswith("short") else 2 * w2 * l2 + l2 * l2
                expected = 0x800000 + 2 * w1 * l1 + l1 * l1 + second
                assert got == expected & 0xFFFFFF, (name, w1, w2, got, expected)
            assert len(set(spent)) == 1, (name, spent)
            self.rows[name] = spent[0]
        self.end_extra = (self.bench.call("end_by_l") - self.bench.call("end_by_c")) / ROWS
        self.peek_single, self.peek_pair = self._peek(0), self._peek(1)
        self.patches = self.bench.call("patches") - CALL_T_STATES - RET

    def _peek(self, next_x: int) -> int:
        """The peek's T-states with x[j] = 1 and x[j + 1] = next_x (its stub's own cost taken off)."""
        bench = self.bench
        bench.write_words(RESULT, np.array([1, next_x], np.int64))
        bench.poke(bench.sym("pair_flag"), [0])
        spent = bench.call("peek_single") - bench.call("peek_stub") - JP    # (the stub's jp; the rets pair off)
        assert bench.peek(bench.sym("pair_flag"))[0] == (1 if next_x else 0)
        return spent


def pairs_of(x) -> list[tuple[int, int]]:
    """z's adjacent nonzero pairs in one part, from the left (a pair's second is no first): (j, x[j + 1])."""
    x = [int(v) for v in np.asarray(x).ravel()]
    pairs, j = [], 0
    while j < len(x) - 1:
        if x[j] and x[j + 1] and (j + 1) % PART:
            pairs.append((j, x[j + 1]))
            j += 2
        else:
            j += 1
    return pairs


def is_short(x: int) -> bool:
    return 1 <= x <= SHORT_MOST and x != 15


def call_bound(fragments: Fragments, x, best: bool) -> tuple[float, float]:
    """(the pairs' rows saved alone: the ceiling, were a register free at no cost; the plan's bound, its costs
    taken off) in T-states."""
    pairs = pairs_of(x)
    now_l, now_short = fragments.rows["now_l"], fragments.rows["now_short"]
    pair_l = fragments.rows["pair_l_best" if best else "pair_l"]
    saved = sum(ROWS * ((now_short - fragments.rows["pair_short"]) if is_short(second) else (now_l - pair_l))
                for _, second in pairs)
    nonzero = int(np.count_nonzero(np.asarray(x)))
    peeks = nonzero - len(pairs)
    return saved, (saved - ROWS * fragments.end_extra - (peeks - len(pairs)) * fragments.peek_single
                        - len(pairs) * (fragments.peek_pair + fragments.patches))


def shipped_pair_cost(engine) -> dict:
    """On the 128K's matvec_nz by its pieces (layer 1's fc2), each call exact: x = 37 in columns 10 and 11 (adjacent), in
    10 and 12 (apart), in 10 alone, x = 5 in 10 alone (a short piece), and every x 0: their T-states."""
    bench = Z80Bench(NZ_BENCH, options=player_kernel_options("128k", nz_x_bits=False) + "\nNZ_WIDE_X = 1")   # (the pieces)
    layer = engine.layers[1]
    spent = {}
    for name, columns, value in (("adjacent", [10, 11], 37), ("apart", [10, 12], 37), ("alone", [10], 37),
                                 ("short alone", [10], 5), ("zero", [], 0)):
        x = np.zeros(64, np.int64)
        x[columns] = value
        spent[name] = chain_call(bench, layer, x)
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_prompt_arguments(parser)
    args = parser.parse_args()
    prompts = chosen_prompts(args)
    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    engine = Engine(soul)
    fragments = Fragments()
    rows = fragments.rows
    print(f"measured: a pair's row now {rows['now_l']} (an l second), {rows['now_short']} (a short second of x 5); "
          f"paired {rows['pair_l']} ({rows['pair_l_best']} with ld ixl,c / ld iyl,c; {rows['pair_l_alternate']} with u in A' "
          f"instead of C), {rows['pair_short']}; "
          f"the rows' end by L {fragments.end_extra:+.1f} a row; the peek {fragments.peek_single} (none) / "
          f"{fragments.peek_pair} (a pair); a pair's patches {fragments.patches}")
    shipped = shipped_pair_cost(engine)
    adjacent, apart, alone, zero = (shipped[name] for name in ("adjacent", "apart", "alone", "zero"))
    short = shipped["short alone"] - zero
    print(f"the 128K's pieces' matvec_nz, layer 1's fc2, x = 37 in columns 10 and 11: {adjacent:,} T-states; "
          f"in 10 and 12: {apart:,} ({adjacent - apart:+,}); in 10 alone {alone:,}, every x 0 {zero:,}: the column "
          f"{alone - zero:,}, its {ROWS} l pieces {ROWS * fragments.one_l:,} ({fragments.one_l} a row), its writing "
          f"and scan {alone - zero - ROWS * fragments.one_l:,}; x = 5 alone {short:,}, its short pieces "
          f"{ROWS * fragments.one_short:,} ({fragments.one_short} a row), its writing and scan "
          f"{short - ROWS * fragments.one_short:,}")
    print(f"{'prompt':24} {'steps':>5} {'calls':>5} {'nonzero':>7} {'pairs':>6} {'ceiling':>8} {'bound':>8} "
          f"{'best':>8}  (nonzero and pairs a call's means; the rest a reply step's saving, both layers)")
    lines, short_share = [], []
    for prompt in prompts:
        steps = engine_steps_fc2(engine, tokenizer.encode_turn(prompt))
        calls = [x for step in steps for _, x in step]
        nonzero = sum(int(np.count_nonzero(np.asarray(x))) for x in calls) / len(calls)
        short_share.append(sum(is_short(int(v)) for x in calls for v in np.asarray(x).ravel())
                           / max(1, len(calls) * nonzero))
        pairs = sum(len(pairs_of(x)) for x in calls) / len(calls)
        bound = sum(call_bound(fragments, x, False)[1] for x in calls) / len(steps)
        ceiling, best = (sum(values) / len(steps) for values in zip(*(call_bound(fragments, x, True) for x in calls)))
        lines.append((nonzero, pairs, ceiling, bound, best))
        print(f"{prompt[:24]:24} {len(steps):>5} {len(calls):>5} {nonzero:>7.2f} {pairs:>6.2f} {ceiling:>+8,.0f} "
              f"{bound:>+8,.0f} {best:>+8,.0f}")
    if len(lines) > 1:
        medians = [statistics.median(line[i] for line in lines) for i in range(5)]
        print(f"{'medians':24} {'':>5} {'':>5} {medians[0]:>7.2f} {medians[1]:>6.2f} "
              + " ".join(f"{v:>+8,.0f}" for v in medians[2:]))
    print(f"(of the nonzero inputs, short pieces' x of 1..{SHORT_MOST} but 15: {statistics.median(short_share):.1%}, "
          "the prompts' median)")


if __name__ == "__main__":
    main()
