"""A bare-6502 test bench for the kernels: py65 with a flat 64 KB RAM (writes to
the I/O area while the processor port banks I/O in reach no RAM, as on a C64).

`KernelBench` assembles kernel sources (no C64, no KERNAL, no ROM banking),
loads them into a py65 MPU, builds matvec's squares table and their aligned
middle bytes the way the program does at start-up (mv_build_squares,
mv_build_mid_copy), and calls one routine at a time: it pushes the
address of a BRK "trap" as the return address, runs until the routine's RTS
lands there, and reports the exact number of cycles the call took. Inputs and
outputs are plain memory, so tests write arrays in, call, and read arrays out
in the kernels' own layouts (see kernels/memory.inc).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from py65.devices.mpu6502 import MPU

from soulterm.asm import assemble
from soulterm.c64.memory import DEFAULT_DDR, IO, IO_END, IO_START, banking
from soulterm.paths import KERNELS_DIR
from soulterm.soul import intmath, spec
from soulterm.soul.tokenizer import Tokenizer, base_vocab

from .layout import SPEC_INCLUDE, row_constants, spec_include, vocab_include

# Where the trap lives: a BRK at an address no kernel uses.
TRAP_ADDRESS = 0xFFF0
CODE_ORIGIN = 0x0900
CPU_PORT = 0x01                 # the 6510's port (c64.inc): what is banked in
# The kernels after matvec.s start at this page offset on the bench whatever
# matvec.s's size (padding up to it), so a change to matvec.s moves none of the
# others' page crossings, nor the figures their headers state.
AFTER_MATVEC_PAGE_OFFSET = 0x85
KERNEL_FILES = ("arith.s", "matvec.s", "rmsnorm.s", "attention.s", "vecops.s",
                "embed.s", "tokenizer.s")


class BenchMemory(bytearray):
    """Flat 64 KB RAM, but a write to $D000-$DFFF while the processor port ($00/$01)
    banks I/O in goes to the chips, not the RAM under them, as on the C64 (the
    banking rule is soulterm.c64.memory's). The bench models no chip: such a write
    is dropped (the border step's, fw_border), and reads see the RAM as ever."""

    __slots__ = ()

    def __setitem__(self, address, value):
        if (type(address) is int and IO_START <= address < IO_END
                and banking(self[CPU_PORT], self[0])[1] == IO):
            return
        bytearray.__setitem__(self, address, value)


class KernelTimeout(RuntimeError):
    """A routine did not return within its cycle allowance."""


def kernel_source(extra: str = "") -> str:
    """Assembly text of every kernel plus the multiply tables, at CODE_ORIGIN."""
    lines = [f'.include "{SPEC_INCLUDE}"', '.include "c64.inc"', '.include "zeropage.inc"',
             '.include "memory.inc"',
             f"* = ${CODE_ORIGIN:04X}"]
    for name in KERNEL_FILES:
        lines.append(f'.include "{name}"')
        if name == "matvec.s":
            lines.append(f".res (${AFTER_MATVEC_PAGE_OFFSET:02X} - *) & $FF, 0")
    lines += ['.include "tables.s"', '.include "vocab.inc"',
              "mv_build_mid_copy_routine", extra]     # (matvec.s: a start-up routine)
    return "\n".join(lines) + "\n"


class KernelBench:
    """One MPU with the kernels loaded; call routines and count their cycles."""

    def __init__(self, image: bytes | None = None, origin: int = CODE_ORIGIN,
                 symbols: dict | None = None, extra_source: str = "",
                 tokenizer: Tokenizer | None = None):
        """Assemble the kernels (with `tokenizer`'s merges, default none), or load `image`."""
        if image is None:
            tok = tokenizer or Tokenizer(base_vocab(), [])
            with tempfile.TemporaryDirectory(prefix="kernel-bench-") as gen:
                (Path(gen) / "vocab.inc").write_text(vocab_include(tok))
                (Path(gen) / SPEC_INCLUDE).write_text(spec_include())
                prog = assemble(kernel_source(extra_source), filename="<kernel bench>",
                                include_paths=[gen, str(KERNELS_DIR)])
            image, origin, symbols = prog.data, prog.origin, prog.symbols
        self.symbols = dict(symbols or {})
        self.memory = BenchMemory(65536)
        self.memory[origin:origin + len(image)] = image
        self.code_end = origin + len(image)
        self.memory[TRAP_ADDRESS] = 0x00  # BRK
        # The kernels run as the program runs them: RAM everywhere, I/O banked out.
        self.memory[0], self.memory[CPU_PORT] = DEFAULT_DDR, self.symbols["MEM_ALL_RAM"]
        self.mpu = MPU(memory=self.memory)
        if "mv_build_squares" in self.symbols:  # what the program does at start-up
            self.call("mv_build_squares")
        if "mv_build_mid_copy" in self.symbols:
            self.call("mv_build_mid_copy")
        if "qs_build" in self.symbols:
            self.call("qs_build")
        if "fw_build_sparse_rowk" in self.symbols:     # the player's: from the squares
            self.call("fw_build_sparse_rowk")
        if "exp_lut_image" in self.symbols:     # the player's exp table, under the I/O area
            image_at, lut_at = self.symbols["exp_lut_image"], self.symbols["EXP_LUT"]
            self.memory[lut_at:lut_at + 128] = self.memory[image_at:image_at + 128]

    # --- memory helpers -----------------------------------------------------
    def sym(self, name: str) -> int:
        return self.symbols[name]

    def poke(self, addr: int, data) -> None:
        data = bytes(int(b) & 0xFF for b in data)
        self.memory[addr:addr + len(data)] = data

    def poke_word(self, addr: int, value: int) -> None:
        self.memory[addr] = value & 0xFF
        self.memory[addr + 1] = (value >> 8) & 0xFF

    def peek(self, addr: int, count: int = 1) -> bytes:
        return bytes(self.memory[addr:addr + count])

    def write_vector(self, page: int, values) -> None:
        """int16 values into a page vector: low bytes at +i, high bytes at +128+i."""
        v = np.asarray(values, dtype=np.int64) & 0xFFFF
        for i, x in enumerate(v):
            self.memory[page + i] = int(x) & 0xFF
            self.memory[page + 128 + i] = int(x) >> 8

    def read_vector(self, page: int, count: int) -> np.ndarray:
        lo = np.frombuffer(self.peek(page, count), dtype=np.uint8).astype(np.int64)
        hi = np.frombuffer(self.peek(page + 128, count), dtype=np.uint8).astype(np.int64)
        v = lo | (hi << 8)
        return np.where(v >= 0x8000, v - 0x10000, v)

    def read_signed(self, addr: int, size: int) -> int:
        return int.from_bytes(self.peek(addr, size), "little", signed=True)

    # --- calling --------------------------------------------------------------
    def call(self, routine, a: int = 0, x: int = 0, y: int = 0,
             max_cycles: int = 20_000_000) -> int:
        """JSR to `routine` (name or address); return the cycles until its RTS."""
        address = self.sym(routine) if isinstance(routine, str) else routine
        mpu = self.mpu
        mpu.sp = 0xFF
        ret = TRAP_ADDRESS - 1  # RTS adds one
        self.memory[0x1FF] = ret >> 8
        self.memory[0x1FE] = ret & 0xFF
        mpu.sp = 0xFD
        mpu.pc = address
        mpu.a, mpu.x, mpu.y = a & 0xFF, x & 0xFF, y & 0xFF
        mpu.p = 0x24  # I set, unused bit set, decimal off
        start = mpu.processorCycles
        limit = start + max_cycles
        step = mpu.step
        while mpu.pc != TRAP_ADDRESS:
            step()
            if mpu.processorCycles > limit:
                raise KernelTimeout(f"${address:04X} ran past {max_cycles} cycles (pc ${mpu.pc:04X})")
        # The JSR a real caller executes costs 6 cycles; count it so a figure is a call's cost.
        return mpu.processorCycles - start + 6


# --- test support: inputs that matter, and a matvec call -----------------------

# Free RAM on the bare bench for test matrices, row constants and gains (the
# kernel image ends below $8000; the squares table and wide sums are at $E000-$F9FF).
WEIGHTS_AT = 0x8000
ROW_CONSTANTS_AT = 0xA000
GAINS_AT = 0xA200


def edge_vector(rng, n: int, kind: int) -> np.ndarray:
    """Inputs that cover the cases a kernel must get right: wide, small, edges, zeros."""
    if kind == 0:
        return rng.integers(-32768, 32768, n)
    if kind == 1:
        return rng.integers(-300, 300, n)
    if kind == 2:
        return rng.choice([-32768, 32767, 0, 1, -1, 255, 256, -256, -257, 127, -128], n)
    if kind == 3:
        return np.zeros(n, dtype=np.int64)
    if kind == 4:
        return np.where(rng.random(n) < 0.5, 0, rng.integers(0, 3000, n))
    return rng.integers(-4000, 4000, n)


def run_matvec(bench: "KernelBench", w, x, bias, shift: int,
               same_input: bool = False, weights_at: int = WEIGHTS_AT,
               coarse: bool = False, relu: bool = False, sparse: bool = False) -> tuple[np.ndarray, int]:
    """out, cycles of matvec on the bench for weights w (rows, cols), input x, bias or None.

    same_input: tell matvec that x and the row and column counts are the previous call's.
    coarse: MV_COARSE, lower bounds without pass 1 (matvec.s; it clears the flag when the
    call stayed exact).
    relu: MV_RELU, rows whose output is certainly <= 0 may hold 0 instead (matvec.s; it
    clears the flag when the call has too few small columns for it).
    sparse: MV_SPARSE, slots for the nonzero inputs only, with the sparse row constants
    (layout.row_constants(sparse=True)) after the matrix's own (matvec.s; with more than
    MV_SPARSE_SLOTS nonzero inputs it clears the flag and runs a full call).
    weights_at: where the weights go (a multiple of the row count, below ROW_CONSTANTS_AT).
    """
    rows, cols = w.shape
    sym = bench.sym
    if weights_at % rows or weights_at + w.size > ROW_CONSTANTS_AT:
        raise ValueError(f"weights at ${weights_at:04X} for a {rows}x{cols} matrix")
    bench.poke(weights_at, (np.asarray(w).T.reshape(-1) + 128))
    x_at, out_at = sym("VEC_XN"), sym("VEC_LOGITS")
    bench.write_vector(x_at, x)
    bench.poke_word(sym("mv_w"), weights_at)
    bench.memory[sym("mv_rows")] = rows
    bench.memory[sym("mv_cols")] = cols
    bench.poke_word(sym("mv_in"), x_at)
    bench.poke_word(sym("mv_out"), out_at)
    bench.poke(ROW_CONSTANTS_AT, row_constants(w, bias))
    bench.poke_word(sym("mv_rowk"), ROW_CONSTANTS_AT)
    if sparse:
        bench.poke(ROW_CONSTANTS_AT + 3 * rows, row_constants(w, bias, sparse=True))
        bench.poke_word(sym("mv_sparse_rowk"), ROW_CONSTANTS_AT + 3 * rows)
    bench.memory[sym("mv_shift")] = shift
    bench.memory[sym("mv_flags")] = ((sym("MV_SAME_INPUT") if same_input else 0)
                                     | (sym("MV_COARSE") if coarse else 0)
                                     | (sym("MV_RELU") if relu else 0)
                                     | (sym("MV_SPARSE") if sparse else 0))
    cycles = bench.call("matvec")
    return bench.read_vector(out_at, rows), cycles


# --- the logits forward_logits leaves (kernels/forward.s) ----------------------

def exact_logit_rows(bench: "KernelBench") -> np.ndarray:
    """Which VEC_LOGITS entries forward_logits computed exactly (its logits_exact bits), (128,) bool."""
    bits = np.frombuffer(bench.peek(bench.sym("logits_exact"), spec.VOCAB_SIZE // 8), dtype=np.uint8)
    return np.unpackbits(bits, bitorder="little").astype(bool)


def logits_mismatch(got, exact, want, slack: int) -> str | None:
    """What is wrong with forward_logits' VEC_LOGITS (`got`, rows `exact` marked exact)
    against the SPEC logits `want`, or None: the marked rows equal, the others lower
    bounds within `slack`, the SPEC argmax among the marked rows and argmax's pick."""
    got, want, exact = np.asarray(got), np.asarray(want), np.asarray(exact, dtype=bool)
    chosen = intmath.argmax_token(want)
    if exact[:spec.FIRST_CHOOSABLE].any():
        return "a row that is never chosen marked exact"
    if not exact[chosen]:
        return f"the SPEC argmax {chosen} is not among the exact rows {np.nonzero(exact)[0].tolist()}"
    wrong = np.nonzero(exact & (got != want))[0]
    if wrong.size:
        r = int(wrong[0])
        return f"exact row {r}: {int(got[r])}, SPEC {int(want[r])}"
    loose = np.nonzero(~exact & ((got > want) | (got < want - slack)))[0]
    if loose.size:
        r = int(loose[0])
        return f"row {r}: bound {int(got[r])} for SPEC {int(want[r])} (slack {slack})"
    if intmath.argmax_token(got) != chosen:
        return f"argmax over VEC_LOGITS {intmath.argmax_token(got)}, SPEC {chosen}"
    return None
