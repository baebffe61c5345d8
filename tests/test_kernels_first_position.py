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


def _cache_and_sums(bench):
    sym = bench.sym
    cache = bytes(bench.memory[sym("KV_CACHE"):sym("KV_CACHE_END")])
    sums = bytes(bench.memory[sym("KEY_SUMS"):sym("KEY_SUMS") + 4 * sym("KS_ENTRIES")])
    return cache, sums


def test_an_openers_position_1_is_copied_exactly_and_others_are_computed():
    from soulterm.player.layout import OPENER_RECORDS, opener_ids
    from soulterm.soul.tokenizer import Tokenizer

    tok = Tokenizer.load(DEFAULT_TOKENIZER)
    openers = opener_ids(tok)
    assert 1 <= len(openers) <= OPENER_RECORDS and len(set(openers)) == len(openers)
    assert openers[0] == tok.encode("i")[0]         # the commonest first word's id leads
    built = assemble_player(DEFAULT_SOUL, DEFAULT_TOKENIZER)
    assert built.symbols["OPENERS"] == len(openers)
    bench = KernelBench(image=built.prg[2:], origin=0x0801, symbols=built.symbols)
    sym = bench.sym
    assert bench.memory[sym("openers_saved")] == 0
    bench.call("forward_first_save")
    bench.call("forward_openers_save", max_cycles=10_000_000)
    assert bench.memory[sym("openers_saved")] == 1 and bench.memory[sym("fw_keep")] == 0
    for token in openers:
        bench.call("forward_first")                 # what a turn does: position 0, then 1
        bench.memory[sym("at_t")] = 1
        bench.call("forward_prefill", a=token)
        computed = _cache_and_sums(bench)
        bench.memory[sym("KV_CACHE"):sym("KV_CACHE_END")] = bytes([0x5A]) * (sym("KV_CACHE_END") - sym("KV_CACHE"))
        bench.call("forward_first")
        bench.memory[sym("at_t")] = 1
        bench.memory[sym("CONTEXT_IDS") + 1] = token
        cycles = bench.call("forward_opener")
        assert bench.memory[sym("at_t")] == 2, tok.token_text(token)
        copied = _cache_and_sums(bench)
        assert copied[1] == computed[1]
        for base in ("KEY_LO", "KEY_HI"):       # positions 0 and 1 of every key column
            for c in range(spec.N_LAYERS * spec.EMBED_DIM):
                for p in (0, 1):
                    at = sym(base) + c * spec.CONTEXT + p - sym("KV_CACHE")
                    assert copied[0][at] == computed[0][at]
        for base in ("VALUE_LO", "VALUE_HI"):
            for layer in range(spec.N_LAYERS):
                row = sym(base) + layer * spec.CONTEXT * spec.EMBED_DIM - sym("KV_CACHE")
                span = slice(row, row + 2 * spec.EMBED_DIM)
                assert copied[0][span] == computed[0][span]
        assert cycles < 20_000, cycles          # against ~330,000 for the position itself
    other = next(i for i in range(spec.FIRST_ALPHABET_ID, spec.VOCAB_SIZE) if i not in openers)
    before = _cache_and_sums(bench)
    bench.memory[sym("at_t")] = 1
    bench.memory[sym("CONTEXT_IDS") + 1] = other
    bench.call("forward_opener")
    assert bench.memory[sym("at_t")] == 1 and _cache_and_sums(bench) == before


def test_no_opener_is_used_before_the_openers_are_saved():
    built = assemble_player(DEFAULT_SOUL, DEFAULT_TOKENIZER)
    bench = KernelBench(image=built.prg[2:], origin=0x0801, symbols=built.symbols)
    sym = bench.sym
    bench.memory[sym("at_t")] = 1
    bench.memory[sym("CONTEXT_IDS") + 1] = bench.memory[sym("opener_ids")]
    before = _cache_and_sums(bench)
    bench.call("forward_opener")
    assert bench.memory[sym("at_t")] == 1 and _cache_and_sums(bench) == before
