"""The whole forward pass on the 6502 against the reference trace.json (project and original), exactly."""

from __future__ import annotations

import numpy as np
import pytest

from soulterm.player.bench import forward_cycles
from soulterm.player.build import assemble_player
from soulterm.player.harness import KernelBench, exact_logit_rows, logits_mismatch
from soulterm.player.layout import row_constants
from soulterm.soul import intmath


def fresh_bench(vectors_dir) -> KernelBench:
    built = assemble_player(vectors_dir / "soul.bin", vectors_dir / "tokenizer.json")
    return KernelBench(image=built.prg[2:], origin=0x0801, symbols=built.symbols)


@pytest.fixture(scope="module")
def bench(vectors_dir):
    return fresh_bench(vectors_dir)


def test_forward_reproduces_trace_at_every_position(bench, vectors_trace):
    sym = bench.sym
    for t, (token, want) in enumerate(zip(vectors_trace["tokens"], vectors_trace["positions"])):
        bench.memory[sym("at_t")] = t
        bench.call("forward_step", a=token)
        assert np.array_equal(bench.read_vector(sym("VEC_H"), 32), want["layer1"]), f"position {t}: h"
        wrong = logits_mismatch(bench.read_vector(sym("VEC_LOGITS"), 128), exact_logit_rows(bench),
                                want["logits"], sym("LOGITS_SLACK"))
        assert wrong is None, f"position {t}: {wrong}"
        assert bench.memory[sym("NOW_LAYER")] == 0xFF and bench.memory[sym("NOW_HEAD")] == 0xFF


# Measured on a fresh bench with each set's own turn: 1,462,016 (original soul) and 1,796,428
# (project soul: 55% of its matvec inputs are wide, against 23% in the original's;
# benchmarks/wide_activations.py).
# 1,233,674 and 971,474 measured (kernels/forward.s; the project soul narrowed, small
# products in two passes); 1,235,510 and 929,878 with the logits' argmax bound
# (forward_logits); 1,217,730 and 894,181 with matvec's narrow calls and fc1's ReLU gate;
# 1,201,281 and 869,986 with the tenth round's attention, RMSNorm and finishes; ~3% margin
# for kernel moves
CYCLE_BUDGET_AT_19 = {"original": 1_237_000, "project": 896_000}


def test_cycle_budget_per_token(vectors_dir, vector_set, vectors_trace):
    # A bench of its own (matvec re-patches only what changed since its last call, so a
    # bench other tests used first would count other cycles) and the set's own turn.
    cycles = forward_cycles(fresh_bench(vectors_dir), 19, vectors_trace["tokens"])
    assert cycles <= CYCLE_BUDGET_AT_19[vector_set.name], f"{cycles:,} cycles at context length 19"


def test_prefill_fills_the_same_cache_and_gives_the_same_logits(bench, vectors_trace):
    """forward_prefill skips layer 1's unused work; later positions must not notice."""
    sym = bench.sym
    tokens, positions = vectors_trace["tokens"], vectors_trace["positions"]
    cache = slice(sym("KV_CACHE"), sym("KV_CACHE_END"))
    # The bench is shared: both passes start from an empty cache, so positions
    # not yet written hold the same bytes whatever ran before.
    bench.memory[cache] = bytes(cache.stop - cache.start)
    full = []
    for t, token in enumerate(tokens[:6]):
        bench.memory[sym("at_t")] = t
        bench.call("forward_position", a=token)
        full.append(bytes(bench.memory[cache]))
    bench.memory[cache] = bytes(cache.stop - cache.start)
    for t, token in enumerate(tokens[:5]):
        bench.memory[sym("at_t")] = t
        bench.call("forward_prefill", a=token)
        assert bytes(bench.memory[cache]) == full[t], f"cache after prefill of position {t}"
    bench.memory[sym("at_t")] = 5
    bench.call("forward_step", a=tokens[5])
    wrong = logits_mismatch(bench.read_vector(sym("VEC_LOGITS"), 128), exact_logit_rows(bench),
                            positions[5]["logits"], sym("LOGITS_SLACK"))
    assert wrong is None, wrong


def adversarial_logits_cases(rng):
    """(name, weights (128, 32), xn): ties, saturation both ways, equal rows, extreme
    weights, a zero input, too few small columns for the bound, random ones."""
    cols = 32
    yield "zero input", rng.integers(-128, 128, (128, cols)), np.zeros(cols, dtype=np.int64)
    yield "every row equal", np.tile(rng.integers(-128, 128, cols), (128, 1)), rng.integers(-127, 128, cols)
    w = rng.integers(-20, 20, (128, cols))
    w[[9, 70, 71]] = w[100]                               # a three-way tie for the top
    w[100] += 1
    x = np.abs(rng.integers(1, 128, cols))
    w[100] -= 1
    yield "a tie at the top", w, x
    w = rng.integers(-128, 128, (128, cols))
    w[[5, 60, 127]] = 127                                 # three rows saturate at 32767
    yield "two or more at 32767", w, np.full(cols, 127)
    yield "every row at -32768", np.full((128, cols), 127), np.full(cols, -127)
    yield "every row at 32767", np.full((128, cols), -128), np.full(cols, -127)
    yield "extreme weights", rng.choice([-128, 127], (128, cols)), rng.choice([-127, 127, 0], cols)
    yield "few small columns", rng.integers(-128, 128, (128, cols)), rng.integers(-1600, 1600, cols)
    yield "wide inputs", rng.integers(-128, 128, (128, cols)), edge_like(rng, cols)
    for case in range(12):
        scale = int(rng.choice([8, 40, 127]))
        yield f"random {case}", rng.integers(-128, 128, (128, cols)), rng.integers(-scale, scale + 1, cols)


def edge_like(rng, n):
    return rng.choice([-32768, 32767, 0, 1, -1, 127, -127, 128, -128, 5000], n)


def test_logits_argmax_path_on_adversarial_matrices(vectors_dir):
    """forward_logits from VEC_XN with the logits' matrix replaced: exactly the rows that may
    win, bounds elsewhere, and the SPEC argmax, whatever the weights and input."""
    bench = fresh_bench(vectors_dir)
    sym = bench.sym
    shift = sym("OUT_SHIFT")
    rng = np.random.default_rng(13)
    exact_counts = []
    for name, w, x in adversarial_logits_cases(rng):
        bench.poke(sym("out"), (w.T.reshape(-1) + 128))
        bench.poke(sym("out_rk"), row_constants(w))
        bench.write_vector(sym("VEC_XN"), x)
        bench.call("forward_logits_of_xn")
        want = intmath.matvec(w, shift, x, None, post=0)
        got = bench.read_vector(sym("VEC_LOGITS"), 128)
        exact = exact_logit_rows(bench)
        wrong = logits_mismatch(got, exact, want, sym("LOGITS_SLACK"))
        assert wrong is None, f"{name}: {wrong}"
        bench.call("argmax")
        assert bench.mpu.a == intmath.argmax_token(want), name
        exact_counts.append(int(exact.sum()))
    assert min(exact_counts) == 1 and max(exact_counts) == 125     # both ends of the bound


def test_the_border_step_writes_the_vic_not_the_ram_under_it(bench):
    """fw_border banks I/O in for its write to VIC_BORDER: on the bench, as on the C64,
    it reaches no RAM ($D020 is SQ_MID_ALIGNED's byte, memory.inc), while the kernels'
    own writes there, with I/O banked out, do."""
    sym = bench.sym
    border = sym("VIC_BORDER")
    assert sym("SQ_MID_ALIGNED") <= border < sym("SQ_MID_ALIGNED_END")
    before = bench.peek(border)[0]
    bench.call("fw_border")
    assert bench.peek(border)[0] == before
    assert bench.memory[sym("CPU_PORT")] == sym("MEM_ALL_RAM")
    bench.memory[border] = before ^ 0xFF                    # I/O out: the RAM
    assert bench.peek(border)[0] == before ^ 0xFF
    bench.memory[border] = before
