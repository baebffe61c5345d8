"""On the Spectrum the probes copy the Z80's own numbers, and they equal the integer engine's.

Builds the Spectrum player from the shipped soul (the map must name the
probe points: attend_head@summed and @means), boots its tape on a
MachineHost the way the app does and types a short prompt. The host stops
at the Z80 kernels' symbols (ProbeLayout "zx") and copies fw_h, fw_ffn,
fw_logits, at_sum40, at_scores, at_max, at_lut and at_lut_sum out of
emulated RAM; every one is compared with the engine's value for the same
position, layer and head, as test_tui_probes.py does for the 6502. Then the
four model panels are fed that view and must show those numbers.
"""

from __future__ import annotations


import numpy as np
import pytest

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.player.attribution import RULES, Attribution
from soulterm.soul import spec
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.tui.buildmap import BuildMap
from soulterm.tui.lens import LensUnavailable, LogitLens
from soulterm.tui.probes import BEFORE_FIRST
from soulterm.zx import Spectrum
from soulterm.zx.build import assemble_spectrum_player, build_spectrum_player
from soulterm.zx.rom import CLOCK_HZ
from soulterm.zx.soul_layout import WORD_LIST_SYMBOLS

from test_tui_probes import engine_expectations, probe_one_reply

PROMPT = "hello"
REPLY_SECONDS = 120       # a hang guard only: the Z80's reply takes a few seconds


@pytest.fixture(scope="module")
def spectrum_build(tmp_path_factory):
    """(tape, map path) of the player built from the shipped soul."""
    tap_path, map_path, _built = build_spectrum_player(DEFAULT_SOUL, DEFAULT_TOKENIZER,
                                                       tmp_path_factory.mktemp("zx"))
    return tap_path, map_path


@pytest.fixture(scope="module")
def run(spectrum_build):
    """(probe view, RAM copy, map) after the reply to PROMPT, the first turn after boot."""
    tap_path, map_path = spectrum_build
    build_map = BuildMap.load(map_path)
    view, ram = probe_one_reply(Spectrum(), build_map, tap_path, PROMPT, REPLY_SECONDS)
    return view, ram, build_map


@pytest.fixture(scope="module")
def engine_run():
    engine = Engine(load_soul(DEFAULT_SOUL))
    reply = engine.reply(Tokenizer.load(DEFAULT_TOKENIZER), PROMPT)
    tokens = reply.context + reply.ids
    return reply, tokens, engine_expectations(engine, tokens), engine


def _computed(reply, tokens) -> list[int]:
    """The positions whose logits the player computed (the last prompt position on)."""
    return list(range(len(reply.context) - 1, len(tokens) - (0 if reply.ended else 1)))


def test_hidden_states_ffn_units_and_logits_are_the_z80s_and_equal_the_engine(run, engine_run):
    view, _ram, _map = run
    reply, tokens, expected, _engine = engine_run
    assert view.available, view.missing
    for t in range(len(reply.context)):            # every position: the embedding and layer 0
        np.testing.assert_array_equal(view.hidden[(t, 0)], expected["hidden"][(t, 0)], err_msg=f"embed {t}")
        np.testing.assert_array_equal(view.hidden[(t, 1)], expected["hidden"][(t, 1)], err_msg=f"layer 0 {t}")
        np.testing.assert_array_equal(view.ffn[(t, 0)], expected["ffn"][(t, 0)], err_msg=f"ffn 0 {t}")
    computed = _computed(reply, tokens)
    assert sorted(view.logits) == computed
    assert not [t for t in range(len(reply.context) - 1) if (t, spec.N_LAYERS) in view.hidden]   # prefilled
    for t in computed:
        np.testing.assert_array_equal(view.hidden[(t, 2)], expected["hidden"][(t, 2)], err_msg=f"layer 1 {t}")
        np.testing.assert_array_equal(view.ffn[(t, 1)], expected["ffn"][(t, 1)], err_msg=f"ffn 1 {t}")
        np.testing.assert_array_equal(view.logits[t], expected["logits"][t], err_msg=f"logits {t}")


def test_every_score_step_is_the_z80s_and_equals_the_engine(run, engine_run):
    view, _ram, _map = run
    reply, tokens, expected, _engine = engine_run
    prefilled = len(reply.context) - 1                # layer 0's heads only
    assert len(view.scores) == prefilled * spec.N_HEADS + len(_computed(reply, tokens)) * 2 * spec.N_HEADS
    for key, snapshot in view.scores.items():
        raw, shifted, lut = expected["scores"][key]
        assert list(snapshot.raw) == list(raw), key              # at_sum40, key by key
        assert list(snapshot.shifted) == list(shifted), key      # at_scores (32-bit)
        assert snapshot.best == max(shifted), key
        assert list(snapshot.weights) == list(lut), key          # at_lut
        assert snapshot.weight_sum == int(lut.sum()), key


def test_each_heads_weights_lie_in_its_row_of_att_weights(run, engine_run):
    """The attention panel's bytes (the map's attention.weights, forward.s's att_weights): after the reply every
    head's row holds its LUT weights of the last computed position, the engine's. In the 48K player each head's
    at_lut is that row itself (twenty-ninth round, zx48pos29: AT_LUT_IN_WEIGHTS, forward.s's fw_head_weights
    patches its address into attend_head, at_means_walk, no copy), whose place no kernel test sees: a wrong row
    fails here (fw_head_weights' `add a,l` left out, a row of 16: checked), the probes reading through the
    pointer and every reply step staying exact."""
    _view, ram, build_map = run
    reply, tokens, expected, _engine = engine_run
    t = _computed(reply, tokens)[-1]
    base = build_map.attention["weights"]
    assert "at_lut" not in build_map.symbols and "at_means_walk" in build_map.symbols     # (the 48K's form)
    for layer in range(spec.N_LAYERS):
        for head in range(spec.N_HEADS):
            row = base + (layer * spec.N_HEADS + head) * spec.CONTEXT
            lut = expected["scores"][(t, layer, head)][2]
            assert list(ram[row:row + t + 1]) == list(lut), (layer, head)


def test_the_logit_lens_from_the_spectrums_ram_equals_the_engine(run, engine_run):
    view, ram, build_map = run
    _reply, _tokens, expected, engine = engine_run
    rows_apart = build_map.lens_rows_apart      # (SOUL_OUT_CHOOSABLE: out's rows 0..2 are in the map, not RAM)
    assert len(rows_apart) == spec.FIRST_CHOOSABLE and "SOUL_OUT_CHOOSABLE" in build_map.symbols
    with pytest.raises(LensUnavailable):
        LogitLens.from_ram(ram, build_map.symbols, "zx")
    lens = LogitLens.from_ram(ram, build_map.symbols, "zx", rows_apart)
    as_shared = LogitLens.from_ram(np.frombuffer(bytes(ram), np.uint8), build_map.symbols, "zx", rows_apart)   # the machine process's RAM
    np.testing.assert_array_equal(as_shared.weights, lens.weights)
    np.testing.assert_array_equal(as_shared.gains, lens.gains)
    for (t, stage), hidden in view.hidden.items():
        np.testing.assert_array_equal(lens.logits(hidden), engine.logits_of(expected["hidden"][(t, stage)]))
    for t, logits in view.logits.items():
        np.testing.assert_array_equal(lens.logits(view.hidden[(t, spec.N_LAYERS)]), logits)


def test_t_states_per_position_and_the_samples_by_z80_kernel(run, engine_run):
    view, _ram, _map = run
    reply, tokens, _expected, _engine = engine_run
    # The first turn after boot computes position 0 (SEP) too; later turns keep it in the cache.
    assert view.first_position == 0
    assert sorted(view.position_cycles) == list(range(0, len(tokens) - (0 if reply.ended else 1)))
    prefill, full = view.position_cycles[1], view.position_cycles[len(reply.context)]
    assert 700_000 < prefill < full                # forward_prefill skips layer 1's attention, FFN, logits (791,580
                                                   # since the thirty-seventh round's merges, 800,000 the floor before;
                                                   # ~892,000 since zxsparse48's fc2 by matvec_nz on the 48K, ~973,000
                                                   # since the twenty-sixth round's planes; 1,000,000 the floor before)
    kernels = set().union(*(counts for counts in view.samples.values()))
    assert {"matvec q", "matvec k", "matvec v", "matvec o", "ffn", "logits", "rmsnorm", "embed"} <= kernels
    assert {f"attention L{layer}H{head}" for layer in range(2) for head in range(4)} <= kernels
    assert not kernels & {"helper", "other"}        # every helper's samples go to its caller
    assert "tokenizer" in view.samples[BEFORE_FIRST]


def test_a_z80_helper_is_put_down_to_the_routine_that_called_it(run):
    _view, ram, build_map = run
    s = build_map.symbols
    attribution = Attribution(s, RULES["zx"])
    memory = bytearray(ram)
    stack = 0xFF00
    # In mul16u (through mul16s_magnitude), called from attend_head's dot product with two words pushed before the call.
    call = next(a for a in range(s["attend_head@dot"], s["attend_head@max"])
                if memory[a] == 0xCD and memory[a + 1] | memory[a + 2] << 8 == s["mul16s_magnitude"])
    words = [0x1234, call + 3, 0x0002, 0x8000]       # mul16u's own push, the return, the caller's pushes
    for i, word in enumerate(words):
        memory[stack + 2 * i], memory[stack + 2 * i + 1] = word & 0xFF, word >> 8
    memory[s["fw_layer_index"]], memory[s["fw_head"]] = 1, 2
    assert attribution.kernel_of(s["mul16u"] + 3, stack, memory) == "attention L1H2"
    memory[s["fw_layer_index"]] = 0xFF                # no head running: the kind alone
    assert attribution.kernel_of(s["mul16u"] + 3, stack, memory) == "attention"
    memory[s["mv_w"]], memory[s["mv_w"] + 1] = s["soul_l1_proj"] & 0xFF, s["soul_l1_proj"] >> 8
    assert attribution.kernel_of(s["mv_row"], stack, memory) == "matvec o"
    assert attribution.kernel_of(0x0038, stack, memory) == "ROM"


# -- the panels show the Z80's numbers ----------------------------------------------------

def _panel(panel_class, run):
    from soulterm.tui.widgets.insight import ProbesObserved

    view, ram, build_map = run
    panel = panel_class()
    panel.on_probes_observed(ProbesObserved(view, build_map, bytearray(ram)))
    return panel, panel.render().plain


def test_next_token_panel_shows_the_z80s_logits(run, engine_run):
    from soulterm.tui.widgets.next_token import CANDIDATES, NextTokenPanel

    reply, tokens, expected, engine = engine_run
    panel, text = _panel(NextTokenPanel, run)
    last = _computed(reply, tokens)[-1]
    assert text.startswith(f"position {last} ") and "(following the Z80)" in text
    logits = expected["logits"][last]
    best = sorted(range(spec.FIRST_CHOOSABLE, spec.VOCAB_SIZE), key=lambda i: (-logits[i], i))[:CANDIDATES]
    rows = text.splitlines()[2:2 + CANDIDATES]
    assert [int(line[10:17]) for line in rows] == [int(logits[i]) for i in best]
    chosen = [line for line in rows if "◀ chosen" in line]
    assert len(chosen) == 1 and chosen[0].startswith(panel.token_text(engine.next_token(logits))[:9])


def test_inside_layer_panel_shows_the_z80s_units_and_lens(run, engine_run):
    from soulterm.tui.widgets.inside_layer import InsideLayerPanel

    reply, tokens, expected, engine = engine_run
    panel, text = _panel(InsideLayerPanel, run)
    last = _computed(reply, tokens)[-1]
    assert text.startswith(f"position {last}, ")
    for layer in range(spec.N_LAYERS):
        zeros = int((expected["ffn"][(last, layer)] == 0).sum())
        assert f"FFN {layer} " in text and f"  {zeros}/{spec.FFN_DIM} zero" in text
    for stage, name in enumerate(("embedding", "layer 0", "layer 1")):
        logits = engine.logits_of(expected["hidden"][(last, stage)])
        pick = engine.next_token(logits)
        line = next(line for line in text.splitlines() if line.startswith(name))
        assert f"   {panel.token_text(pick)[:10]:<10} {int(logits[pick]):>6}" in line


def test_score_panel_shows_the_z80s_steps_and_their_lines(run, engine_run):
    from soulterm.tui.widgets.score_steps import ScoreStepsPanel

    reply, tokens, expected, _engine = engine_run
    panel, _text = _panel(ScoreStepsPanel, run)
    last = _computed(reply, tokens)[-1]
    panel.action_head(5)                        # L1H1
    panel.action_key(-2)
    text = panel.render().plain
    raw, shifted, lut = expected["scores"][(last, 1, 1)]
    j = last - 2
    lines = text.splitlines()
    value = lambda step: next(line for line in lines if line.startswith(step))[11:27].strip()  # noqa: E731
    assert f"query position {last} " in text and f"key position {j} " in text
    assert value("q.k") == f"{int(raw[j]):,}" and value(">> 14") == f"{int(shifted[j]):,}"
    assert value("max") == f"{int(shifted.max()):,}" and value("weight") == str(int(lut[j]))
    assert value("normalised") == f"{lut[j] / lut.sum() * 100:.1f}%"
    # (the 48K's fast scores keep only f since the twenty-first round: their q.k from q and the keys in RAM)
    from soulterm.tui.widgets.score_steps import RAW_BY_DOT_NOTE
    q_k = next(line for line in lines if line.startswith("q.k"))
    assert RAW_BY_DOT_NOTE in q_k and "at_scores, 16 or 32 bits" in text, q_k
    # (the 48K's scores by packed key planes since the thirty-fourth round, zx48wire34: planekeys48.s's lines; the
    # squares table's before, AT_FAST_SCORES's, since the twentieth round)
    for source in ("(R >> 1) + P_b", "q.k >> 14", "max f so far"):
        assert any(line.lstrip().startswith("planekeys48.s:") and source in line for line in lines), source
    for source in ("difference", "add a,exp_lut", "call at_means_divide"):
        assert any(line.lstrip().startswith("attention.s:") and source in line for line in lines), source


def test_cycles_panel_counts_the_z80s_t_states(run):
    from soulterm.tui.widgets.cycles import CyclesPanel

    view = run[0]
    _panel_, text = _panel(CyclesPanel, run)
    last = max(view.position_cycles)
    total = view.position_cycles[last]
    assert text.startswith(f"position {last}: {total:,} T-states ({total / CLOCK_HZ:.2f} s on a 3.5 MHz Spectrum")
    turn = sum(view.position_cycles.values())
    assert f"reply so far: {turn:,} T-states over {len(view.position_cycles)} positions" in text
    assert f"({turn / CLOCK_HZ:.1f} s at 3.5 MHz)" in text
    shown = [int(line[40:50].replace(",", "")) for line in text.splitlines()[1:]
             if len(line) > 50 and line[15:16] in "█▏▎▍▌▋▊▉ " and line[40:50].strip().replace(",", "").isdigit()]
    assert len(shown) >= 8
    assert abs(sum(shown) - total) <= len(shown)    # rounding only
    assert "attention by head " in text and "L1H3" in text


def test_score_panel_names_the_line_each_player_computes_q_k_with():
    """The 128K player computes q.k by bit planes (AT_PLANE_SCORES), the 48K by packed key planes (PL_PACKED's
    planekeys48.s, thirty-fourth round, zx48wire34; through the squares table before, AT_FAST_SCORES, twentieth round;
    mul16s before that): the panel's q.k line follows the build it reads (the shipped maps)."""
    from pathlib import Path

    from soulterm.paths import DISK_DIR, TAP_NAME, TAP_NAME_128K, ZX_MAP_SUFFIX
    from soulterm.tui.widgets.score_steps import ScoreStepsPanel

    lines = {}
    for tape in (TAP_NAME, TAP_NAME_128K):
        panel = ScoreStepsPanel()
        panel._map = BuildMap.load(DISK_DIR / (Path(tape).stem + ZX_MAP_SUFFIX))
        lines[tape] = {step: panel._source(step) for step in ("q.k", "index", "weight")}
    assert lines[TAP_NAME]["q.k"].startswith("planekeys48.s:") and "(R >> 1) + P_b" in lines[TAP_NAME]["q.k"]
    assert lines[TAP_NAME_128K]["q.k"].startswith("attention.s:") and "(R >> 1) + P_b" in lines[TAP_NAME_128K]["q.k"]
    # the weights' index and exp_lut read: attend_head's loop on the 48K, at_short_weights' on the 128K (whose
    # attend_head@near is not in its build; its attend_head@weight is the old dot's heads' loop, seldom run)
    assert "difference" in lines[TAP_NAME]["index"] and "exp_lut" in lines[TAP_NAME]["weight"]
    for step, word in (("index", "max f - f"), ("weight", "ld h,exp_lut")):
        line = lines[TAP_NAME_128K][step]
        assert line.startswith("attention.s:") and word in line, (step, line)
        assert "patched" not in line, line              # (not the old dot's loop, whose max f is patched in)


def test_the_128k_players_logits_in_the_panels_are_the_engines_with_the_bound(tmp_path, engine_run):
    """The 128K player leaves bounds in fw_logits where a row cannot win (MV_COARSE; since the twenty-eighth
    round, SOUL_OUT_APART, no logits at all: logitplanes.s's row, or fw_out_exact's, is the token); the
    probes' logits of every computed position still equal the engine's (the lens, from fw_h),
    and the bound's work is counted as logits in the cycles panel. Its scores keep only f
    (AT_PLANE_SCORES): the probes' q.k, computed from q and the keys in its RAM, are the engine's."""
    reply, tokens, expected, _engine = engine_run
    tap_path, map_path, built = build_spectrum_player(DEFAULT_SOUL, DEFAULT_TOKENIZER, tmp_path, model="128k")
    # (since the twenty-eighth round, SOUL_OUT_APART: no bound; fw_logits is left as it was, the lens gives them)
    assert "fw_logits_bound" not in built.program.symbols and "SOUL_OUT_APART" in built.program.symbols
    view, ram = probe_one_reply(Spectrum(model="128k"), BuildMap.load(map_path), tap_path, PROMPT, REPLY_SECONDS)
    computed = _computed(reply, tokens)
    assert sorted(view.logits) == computed
    for t in computed:
        np.testing.assert_array_equal(view.logits[t], expected["logits"][t], err_msg=f"logits {t}")
    assert sum(s.raw_by_dot for s in view.scores.values()) >= len(view.scores) // 2
    for key, snapshot in view.scores.items():
        raw, shifted, lut = expected["scores"][key]
        assert list(snapshot.raw) == list(raw) and list(snapshot.shifted) == list(shifted), key
    from soulterm.tui.widgets.score_steps import RAW_BY_DOT_NOTE, ScoreStepsPanel

    last = computed[-1]
    layer, head = next((layer, head) for layer in range(spec.N_LAYERS) for head in range(spec.N_HEADS)
                       if view.scores[(last, layer, head)].raw_by_dot)
    panel, _text = _panel(ScoreStepsPanel, (view, ram, BuildMap.load(map_path)))
    panel.action_head(layer * spec.N_HEADS + head)
    text = panel.render().plain                 # key position: the query's own
    q_k = next(line for line in text.splitlines() if line.startswith("q.k"))
    assert q_k[11:27].strip() == f"{int(expected['scores'][(last, layer, head)][0][last]):,}"
    assert RAW_BY_DOT_NOTE in q_k, q_k
    attribution = Attribution(built.program.symbols, RULES["zx"])
    exact = attribution.routine_at(built.program.symbols["fw_out_exact"] + 3)     # (the rows lg_select leaves)
    assert exact == "fw_out_exact" and attribution.kind_of_routine(exact) == "logits"
    # every sample is some part of the model's: q, k and v on planes.s in bank 6 (FW_PLANES, twenty-fifth
    # round) count as their matrices (its routines lie among bank 0's tensors' labels at the same
    # addresses, which are never code), the key planes and kept values as attention, the records as control
    kernels = set().union(*view.samples.values())
    assert {"matvec q", "matvec k", "matvec v", "matvec o", "ffn", "logits"} <= kernels
    assert not kernels & {"helper", "other"}, view.samples
    s, memory = built.program.symbols, bytearray(ram)
    memory[s["mv_w"]], memory[s["mv_w"] + 1] = s["soul_l1_k"] & 0xFF, s["soul_l1_k"] >> 8
    for routine in ("wp_tables", "wp_rows"):
        assert attribution.routine_at(s[routine] + 3) == routine
        assert attribution.kernel_of(s[routine] + 3, 0xFF00, memory) == "matvec k"


def test_the_128k_cycles_panel_names_every_pc_of_planes_rows_wp_rows():
    """planes.s's code in bank 6 (wp_x to wp_code_end, imported into the map) shares its addresses with the word
    list (bank 4's, over wp_rows since zxplanes28's shift-4 loop reached past sp_words; bank 7's below its block since
    the thirty-sixth round, zx128fc1g36, over planes.s's code before wp_rows): the attribution passes the list's data
    labels over (Z80 rules' data_labels), so every PC there is planes.s's, matvec's work, not the tokenizer's.
    Without data_labels the PCs past sp_words would name the word list."""
    s = assemble_spectrum_player(DEFAULT_SOUL, DEFAULT_TOKENIZER, "128k").program.symbols
    # (since zxnarrow30, WP_NARROW_WORDS: planes_wide.s's narrow rows' routines follow, to wp_narrow_code_end, each
    # PC named by them)
    end = s["wp_narrow_code_end"]
    assert any(s["wp_x"] < s[name] < end for name in WORD_LIST_SYMBOLS)
    attribution = Attribution(s, RULES["zx"])
    assert not {attribution.routine_at(pc) for pc in range(s["wp_x"], end)} & set(WORD_LIST_SYMBOLS)
    assert {attribution.routine_at(pc) for pc in range(s["wp_rows"], s["wp_code_end"])} == {"wp_rows"}
    # (since zxgroup34b, WP_GROUP_FORMS: their orders and the moved groups' fix, 230 bytes, reach past bank 0's
    # logitplanes.s labels at the same addresses: the panel names the routines' starts, and the PCs before the first
    # of those labels, by them; a declined xn's path alone runs there)
    first_lg = min([end] + [a for n, a in s.items() if n.startswith("lg_") and s["wp_code_end"] <= a < end])
    names = {attribution.routine_at(pc) for pc in range(s["wp_code_end"], first_lg)}
    assert names == {"wp_wide_row_order", "wp_wide_narrow_fix"}
    assert attribution.routine_at(s["wp_wide_row_order"]) == "wp_wide_row_order"
    assert attribution.routine_at(s["wp_wide_narrow_fix"]) == "wp_wide_narrow_fix"
