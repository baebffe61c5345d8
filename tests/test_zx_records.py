"""The 128K player's records of position 1 (kernels/z80/records128.s): the first RUN records
the commonest openers, a line that opens with an id seen before in this LOAD copies its
record, and a record gives the very cache bytes computing the position gives."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import play_zx_prompts
from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.player.layout import opener_ids
from soulterm.soul import spec
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx import paging
from soulterm.zx.build import DATA_BANK, RECORD_BANKS, RECORD_OPENERS, assemble_spectrum_player
from soulterm.zx.kernelbench import (RECORD_COPIED, RECORDED, TurnCost, cache_at, forward_turn, kept_sums_agree, planes_at,
                                     player_bench, record_known, records_first_run,
                                     value_addresses)

GARBAGE = 0xA5


@pytest.fixture(scope="module")
def soul_and_tokenizer():
    return load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)


def position_bytes(bench, position: int) -> bytes:
    """Every byte a later position reads of `position`: both layers' keys, values and the keys'
    planes (AT_PLANE_SCORES's, in the data bank)."""
    kv = cache_at(bench, position).astype("<i2").tobytes()
    return kv + planes_at(bench, position, DATA_BANK)


def spoil_position_1(bench) -> None:
    """Position 1's bytes in the cache overwritten, so that a copy must bring every one back."""
    key_bytes, head_bytes = bench.sym("PL_KEY_BYTES"), bench.sym("PL_HEAD_BYTES")
    for layer in range(spec.N_LAYERS):
        bench.poke(bench.sym("kv_keys") + layer * bench.sym("KV_LAYER_BYTES") + bench.sym("KV_POSITION_BYTES"),
                   [GARBAGE] * bench.sym("KV_POSITION_BYTES"))
        for address in value_addresses(bench, layer, 1):     # (the 128K's values dimension-major)
            bench.poke(int(address), [GARBAGE] * 2)
    planes = bench.banks[DATA_BANK]
    for head in range(spec.N_LAYERS * spec.N_HEADS):
        at = bench.sym("kv_planes") - paging.PAGED_START + head * head_bytes + key_bytes
        planes[at:at + key_bytes] = bytes([GARBAGE] * key_bytes)


def computed_position_1(soul, tokenizer, token: int) -> bytes:
    """Position 1 of `token` computed on a fresh bench (forward_prefill at positions 0 and 1)."""
    bench = player_bench(soul, tokenizer, "128k")
    for position, id_ in enumerate((spec.SEP, token)):
        bench.poke(bench.sym("fw_token"), [id_])
        bench.poke(bench.sym("fw_pos"), [position])
        bench.call("forward_prefill", max_t_states=40_000_000)
    return position_bytes(bench, 1)


def test_the_first_run_records_the_openers_and_each_record_gives_the_computed_bytes(soul_and_tokenizer):
    soul, tokenizer = soul_and_tokenizer
    bench = player_bench(soul, tokenizer, "128k")
    bench.poke(bench.sym("record_known"), [1] * spec.VOCAB_SIZE)     # a stale table: the first RUN clears it
    t_states = records_first_run(bench)
    openers = opener_ids(tokenizer, RECORD_OPENERS)
    assert len(openers) == RECORD_OPENERS
    assert [i for i in range(spec.VOCAB_SIZE) if record_known(bench, i)] == sorted(openers)
    assert bench.peek(bench.sym("sep_cached"))[0] == 1
    # (3 s until the twenty-sixth round's out planes, FW_LOGIT_PLANES: ~926,000 more, 3.11 s; 7,895,837 measured
    # since the thirtieth round, zxmask30: the word masks made by the first wp_tables, +580,764)
    assert t_states < 3.5 * 3_500_000, "the first RUN must stay within a few seconds"
    # (since zxmask30 the first RUN's first wp_tables makes q, k and v's word masks from the tape's split masks)
    from soulterm.zx.build import PLANES_BANK, PLANES_MATRICES, PLANES_TABLES, planes_bank
    from soulterm.zx.soul_layout import plane_words
    # (since zxnext33, WP_NEXT_ROW_WORDS, each row's words after its code's address, a matrix's after wp_rows_end's)
    block = planes_bank(soul, qkv_apart=True, out_apart=True, logits=False, words=True).symbols
    assert block["wp_rows"] == bench.sym("wp_rows")

    def entries(index: int) -> tuple[int, int, int]:
        loop = ("wp_row_4", "wp_row_4_narrow") if block["WP_SHIFT_4_MATRICES"] >> index & 1 else ("wp_row", "wp_row_narrow")
        return tuple(block[label] for label in loop + ("wp_rows_end",))

    def group_forms(index: int):        # (since zxgroup34b, WP_GROUP_FORMS: a group row's stub, its exit, T[W])
        loop = "wp_row_4" if block["WP_SHIFT_4_MATRICES"] >> index & 1 else "wp_row"
        stubs = tuple(block[f"wp_group_{form}"] if form else 0
                      for form in ("wide_2", "wide_1", "", "narrow_2", "narrow_1", "narrow_0"))
        return stubs, (block[loop + "_planes_5"], block[loop + "_plane_4"]), block["wp_group_sums"]
    words = b"".join(plane_words(soul[name].values, PLANES_TABLES >> 8, narrow=True, entries=entries(index),
                                 group_forms=group_forms(index)) for index, name in enumerate(PLANES_MATRICES))
    at = bench.sym("wp_l0_q") - paging.PAGED_START
    assert bench.banks[PLANES_BANK][at:at + len(words)] == words
    assert records_first_run(bench) < 200, "a second RUN keeps the records"
    state = Engine(soul).new_state()
    Engine(soul).step(state, spec.SEP)
    for token in openers:
        spoil_position_1(bench)
        if "kv_kept_sums" in bench.symbols:     # (AT_KEPT_MEANS: kv_values_kept_record makes them again)
            bench.poke(bench.sym("kv_kept_sums"), [0xA5] * 192)
        bench.poke(bench.sym("fw_token"), [token])
        bench.poke(bench.sym("fw_pos"), [1])
        # the copy, both layers' pl_store (~27,000) and the kept sums as the values are stored
        # (kv_values_kept_record, ~7,400 more; record_kept's pass after the copy ~11,000 before zxkept2;
        # since zxvpage31's AT_PAGED_VALUES a word a pass and the words paged, ~3,700 more: 37,125..39,463 measured
        # on the openers, 36,000 here until then; two words a pass since zxroom31, 36,429..38,767 measured: 40,000
        # until then)
        assert bench.call("position_one") < 39_000
        assert position_bytes(bench, 1) == computed_position_1(soul, tokenizer, token), token
        engine_state = Engine(soul).new_state()
        for id_ in (spec.SEP, token):
            Engine(soul).step(engine_state, id_)
        cache = cache_at(bench, 1)
        assert np.array_equal(cache[:, 0], engine_state.keys[:, 1].reshape(spec.N_LAYERS, -1)), token
        assert np.array_equal(cache[:, 1], engine_state.values[:, 1].reshape(spec.N_LAYERS, -1)), token
        if "kv_kept_sums" in bench.symbols:     # each dimension's S(v) over positions 0 and 1
            got = bench.peek(bench.sym("kv_kept_sums"), 2 * 3 * spec.EMBED_DIM)
            assert all(kept_sums_agree(bench, got[3 * spec.EMBED_DIM * layer:3 * spec.EMBED_DIM * (layer + 1)],
                                       engine_state.values[layer, :2].reshape(2, -1), 2)
                       for layer in range(spec.N_LAYERS)), token


def test_a_line_opening_with_an_id_seen_before_copies_its_record(soul_and_tokenizer):
    soul, tokenizer = soul_and_tokenizer
    bench = player_bench(soul, tokenizer, "128k")
    records_first_run(bench)
    engine = Engine(soul)
    context = tokenizer.encode_turn("hello")
    assert context[1] not in opener_ids(tokenizer, RECORD_OPENERS) and not record_known(bench, context[1])
    rows, reply = forward_turn(bench, engine, context, records=True)     # checks every step and the cache
    assert rows[1][2] == RECORDED and record_known(bench, context[1])
    computed = position_bytes(bench, 1)
    first = TurnCost(rows, reply)
    spoil_position_1(bench)
    rows, again = forward_turn(bench, engine, context, records=True)
    assert rows[1][2] == RECORD_COPIED and again == reply
    assert position_bytes(bench, 1) == computed
    second = TurnCost(rows, again)
    # (the copy ~27,000, the kept sums of S(v) ~8,300 more as its values are stored since zxkept2: 33,930 -> 34,882 a
    # copy on the ten with the twenty-ninth round's S(v), zxatt128c, S(vl)'s before it; 38,544 on the ten since
    # zxvpage31's AT_PAGED_VALUES, its values stored a word a pass: 36,000 here until then; 37,848 since zxroom31's two
    # words a pass: 40,000 until then)
    assert second.copied == 1 and first.copied == 0 and second.copied_t_states < 39_000
    assert second.per_computed > second.per_position
    # a prefill position (~0.645M since the thirty-seventh round's fc2 by x's bits and heads, zxfc2_37 and zx128heads37:
    # the saving 647,195 measured, 650,000 here until then; ~0.65M since the thirty-fourth round's cheaper q, k, v fill and rows, fc1planes.s fill and
    # rows, walks, means, logits and fc2 scan: the saving 654,363 measured with all nine 128K merges, zxqkv34,
    # zxgroup34, zxwalk34, zxlogit34, zxchain34, zxkeys34, zxfc1rows34, zxdiv34 and zxgroup34b; 660,507 with the first
    # six, 655,000 here then; 660,000 here until then; ~0.67M since the thirty-third round's cheaper q, k, v rows, pl_keys' scores, fc1planes.s and
    # norms, zxrows33, zxwalk33, zxfc1p33, zxlogit33, zxnext33 and zxwalk33b: the saving 667,311 measured with all six
    # (667,247 with zxsmall33's S(w) by the weight's index, AT_SQUARES_BY_INDEX, too; 667,224 with
    # zxnzscan33's nz_short look-up as well), 667,383
    # with the first five, 671,585
    # with the first four, 674,949 with zxnext33 and zxrows33, 673,484 with the first three, 679,151 with zxrows33 alone, 677,564
    # with zxfc1p33 alone, 682,809 before them: 680,000 here until then; ~0.72M since the twenty-ninth round's word
    # tables in the 128K player, zxqkv128c: the saving 689,288 measured, 730,000 here until then; ~0.77M since the twenty-ninth round's cheaper fc1 gate and kept sums of
    # S(v), zxffn29 and zxatt128c: the saving 739,735 measured, 740,000 here until then; ~0.78M since the twenty-eighth round's layer 0 fc1 by fc1planes.s, zxfc1l0: 748,389 less the
    # copy measured, 760,000 here until then; ~0.80M since the twenty-seventh round's fc2 by its nonzero inputs, zxsparse:
    # 772,874 less the copy measured, 795,000 here until then; ~0.83M since the twenty-sixth round's narrow rows and cheaper builds, zxplanes128b: 804,635
    # measured, 810,000 here until then; ~0.85M since the twenty-fifth round's q, k, v by planes.s, FW_PLANES: 819,926
    # measured, 860,000 here until then; ~0.90M since the twenty-third round's zero pairs in fc2, MV_SPARSE_PAIR_SKIP: 870,660
    # measured; ~0.92M since the nineteenth round, 880,000 here until then) less the copy and its planes (~27,000)
    assert second.turn < first.turn - 640_000
    # the records lie in their banks, 32 ids a bank, and nowhere else
    assert set(bench.banks) >= {0, 4, RECORD_BANKS[context[1] // 32]}


def test_an_empty_lines_position_1_is_its_last_and_runs_forward_step(soul_and_tokenizer):
    soul, tokenizer = soul_and_tokenizer
    bench = player_bench(soul, tokenizer, "128k")
    records_first_run(bench)
    context = tokenizer.encode_turn("")
    assert context == [spec.SEP, spec.SEP]
    rows, _ = forward_turn(bench, Engine(soul), context, records=True)     # the logits checked
    assert rows[1][2] == "forward_step" and not record_known(bench, spec.SEP)


def test_the_128k_program_copies_a_record_in_a_second_turn_and_answers_as_the_engine():
    built = assemble_spectrum_player(DEFAULT_SOUL, DEFAULT_TOKENIZER, "128k")
    prompts = ["hello", "hello", "i am sad", "i like you"]     # a miss, its copy, an opener twice
    machine, _ = play_zx_prompts(built.tape, prompts, "soulplayer 128")
    known = machine.memory[built.program.symbols["record_known"]:][:spec.VOCAB_SIZE]
    tokenizer = Tokenizer.load(DEFAULT_TOKENIZER)
    hello = tokenizer.encode_turn("hello")[1]
    assert known[hello] and not known[spec.SEP]
    assert sum(1 for k in known if k) == RECORD_OPENERS + 1
    assert machine.paged_bank == 0


def test_the_probes_after_a_copied_position_1_show_no_other_ids_numbers(tmp_path, soul_and_tokenizer):
    """The first RUN computes position 1 for six openers, the last of them "a"'s; a first turn
    that opens with "i" copies its record. The probes' view of that turn starts at position
    2 and keeps position 0 (SEP) from the first RUN, not the other id's position 1."""
    from test_tui_probes import engine_expectations, probe_one_reply

    from soulterm.tui.buildmap import BuildMap
    from soulterm.zx import Spectrum
    from soulterm.zx.build import build_spectrum_player

    soul, tokenizer = soul_and_tokenizer
    prompt = "i am sad"
    openers = opener_ids(tokenizer, RECORD_OPENERS)
    assert tokenizer.encode_turn(prompt)[1] in openers[:-1]
    tap_path, map_path, _ = build_spectrum_player(DEFAULT_SOUL, DEFAULT_TOKENIZER, tmp_path, model="128k")
    view, _ram = probe_one_reply(Spectrum(model="128k"), BuildMap.load(map_path), tap_path, prompt, 120)
    engine = Engine(soul)
    reply = engine.reply(tokenizer, prompt)
    expected = engine_expectations(engine, reply.context + reply.ids)
    assert view.first_position == 2
    assert {t for t, _ in view.hidden} >= {0} | set(range(2, len(reply.context)))
    assert not any(t == 1 for t, _ in view.hidden) and 1 not in view.logits
    for key, hidden in view.hidden.items():
        np.testing.assert_array_equal(hidden, expected["hidden"][key], err_msg=str(key))
    for key, snapshot in view.scores.items():
        assert list(snapshot.weights) == list(expected["scores"][key][2]), key


def known_ids(machine, sym) -> bytes:
    """record_known from bank 0, where it lies ($C000 up): layer 1 pages bank 4 in over it, so the
    memory at its address is layer 1's while that runs (4,000,000 T-states into the first RUN may
    fall there or not as the kernels' speed moves)."""
    from soulterm.zx import paging

    return machine.bank(0)[sym["record_known"] - paging.PAGED_START:][:spec.VOCAB_SIZE]


def test_a_reset_in_the_first_run_leaves_it_to_start_again_after_the_next_load(soul_and_tokenizer):
    """The Spectrum's way out of a running program is a reset (the TUI's F6 resets and loads
    the tape again): the RAM and the banks are cleared and the next LOAD's first RUN
    records everything again; the player answers as the engine."""
    from soulterm.zx import Spectrum

    soul, tokenizer = soul_and_tokenizer
    built = assemble_spectrum_player(DEFAULT_SOUL, DEFAULT_TOKENIZER, "128k")
    sym = built.program.symbols
    machine = Spectrum(model="128k")
    machine.load_tap(built.tape)
    machine.run(max_cycles=5_000_000)           # the first RUN: the planes and position 0 done, openers under way
    known = known_ids(machine, sym)
    assert machine.memory[sym["sep_cached"]] == 0 and 0 < sum(1 for k in known if k) < RECORD_OPENERS
    machine.reset()
    assert not any(machine.bank(RECORD_BANKS[0]))
    machine.load_tap(built.tape)
    machine.type_line("i am sad")
    machine.run(max_cycles=60_000_000, until_idle=True)
    known = known_ids(machine, sym)
    assert machine.memory[sym["sep_cached"]] == 1 and sum(1 for k in known if k) == RECORD_OPENERS
    screen = [line.rstrip() for line in machine.screen_lines()]
    assert screen[screen.index("you> i am sad") + 1] == Engine(soul).reply(tokenizer, "i am sad").text


def test_a_copied_position_counts_in_the_turns_mean_and_not_in_the_computed_one():
    rows = [(0, 1, "forward_prefill", 900), (1, 13, RECORD_COPIED, 100), (2, 1, "forward_step", 300),
            (3, 72, "forward_step", 500)]
    cost = TurnCost(rows, reply=[72])
    assert (cost.turn, cost.positions, cost.copied, cost.copied_t_states) == (900, 3, 1, 100)
    assert cost.per_position == 300 and cost.per_computed == 400
    recorded = TurnCost([(1, 13, RECORDED, 1_000), (2, 1, "forward_step", 2_000)], reply=[])
    assert recorded.copied == 0 and recorded.per_computed == recorded.per_position == 1_500


# The ten everyday prompts typed in order into one 128K player (python benchmarks/z80_token.py
# --model 128k --everyday): median 1,898,041 T-states a position with the records measured
# (1,944,114 without), 0.9% margin.
EVERYDAY_RECORDS_MEDIAN_BUDGET = 1_915_000


def test_the_everyday_prompts_median_with_the_records_within_its_budget(soul_and_tokenizer):
    import statistics

    from soulterm.player.bench import EVERYDAY_PROMPTS

    soul, tokenizer = soul_and_tokenizer
    bench = player_bench(soul, tokenizer, "128k")
    records_first_run(bench)
    costs = [TurnCost(*forward_turn(bench, Engine(soul), tokenizer.encode_turn(prompt), records=True))
             for prompt in EVERYDAY_PROMPTS]
    assert sum(cost.copied for cost in costs) >= 3
    assert statistics.median(cost.per_position for cost in costs) <= EVERYDAY_RECORDS_MEDIAN_BUDGET
