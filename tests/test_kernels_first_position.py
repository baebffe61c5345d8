"""Position 0 (always SEP) is computed once at start-up: each turn's copy equals computing it."""

from __future__ import annotations

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.player.build import assemble_player
from soulterm.player.harness import KernelBench
from soulterm.soul import spec


def test_forward_first_writes_what_forward_position_computes_for_sep():
    built = assemble_player(DEFAULT_SOUL, DEFAULT_TOKENIZER)
    bench = KernelBench(image=built.prg[2:], origin=0x0801, symbols=built.symbols)
    sym = bench.sym
    cache = slice(sym("KV_CACHE"), sym("KV_CACHE_END"))
    bench.memory[cache] = bytes(cache.stop - cache.start)
    sums = slice(sym("KEY_SUMS"), sym("KEY_SUMS") + 4 * sym("KS_ENTRIES"))
    bench.memory[sums] = bytes(sums.stop - sums.start)      # (the start-up part may lie there)
    bench.memory[sym("at_t")] = 0
    bench.call("forward_position", a=spec.SEP)
    computed = bytes(bench.memory[cache])
    assert computed != bytes(len(computed))
    computed_sums = bytes(bench.memory[sums])
    bench.memory[cache] = bytes(cache.stop - cache.start)
    bench.call("forward_first_save")                                   # what start-up does
    assert bytes(bench.memory[cache]) == computed
    bench.memory[cache] = bytes([0x5A]) * (cache.stop - cache.start)   # garbage to overwrite
    bench.memory[sums] = bytes(sums.stop - sums.start)
    cycles = bench.call("forward_first")
    assert bytes(bench.memory[sums]) == computed_sums                  # the keys' sums (attention.s)
    copied = bytes(bench.memory[cache])
    position_0 = set()
    for layer in range(spec.N_LAYERS):
        for d in range(spec.EMBED_DIM):
            key = (layer * spec.EMBED_DIM + d) * spec.CONTEXT
            value = layer * spec.CONTEXT * spec.EMBED_DIM + d
            for base, offset in ((sym("KEY_LO"), key), (sym("KEY_HI"), key),
                                 (sym("VALUE_LO"), value), (sym("VALUE_HI"), value)):
                i = base - cache.start + offset
                position_0.add(i)
                assert copied[i] == computed[i], f"layer {layer} dim {d} at ${base + offset:04X}"
    assert len(position_0) == spec.N_LAYERS * spec.EMBED_DIM * 4
    assert all(copied[i] == 0x5A for i in range(len(copied)) if i not in position_0)
    assert cycles < 15_000
