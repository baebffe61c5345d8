"""The probes' snapshots equal the integer engine's numbers, exactly.

Runs the soulplayer (built from the reference soul in shared/vectors) on a
MachineHost, the way the app does, for the prompt "hello". The host stops at
the kernels' symbols and copies hidden states, FFN units, logits and scores
out of emulated RAM; every one is compared with the integer engine's value
for the same position, layer and head. The logit lens, computed from RAM
hidden states with the output weights read from RAM, must equal the engine's
logits of that hidden state. The cycle counts are exact and must add up.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from soulterm.c64 import C64
from soulterm.soul import intmath, spec
from soulterm.soul.engine import Engine
from soulterm.soul.tokenizer import Tokenizer
from soulterm.tui.buildmap import BuildMap
from soulterm.tui.host import MachineHost
from soulterm.tui.lens import LogitLens
from soulterm.tui.probes import BEFORE_FIRST

PROMPT = "hello"
REPLY_SECONDS = 240       # a hang guard only: the reply takes a fraction of it


@pytest.fixture(scope="module")
def run(vectors_dir, tmp_path_factory):
    """(probe view, host RAM copy, map, engine reply) after one whole reply."""
    from soulterm.player.build import build_player

    out = tmp_path_factory.mktemp("disk")
    build_player(vectors_dir / "soul.bin", vectors_dir / "tokenizer.json", out)
    build_map = BuildMap.load(out / "soulplayer.map.json")
    view, ram = probe_one_reply(C64(), build_map, out / "soulplayer.d64", PROMPT, REPLY_SECONDS)
    return view, ram, build_map


def probe_one_reply(machine, build_map, image, prompt: str, seconds: float):
    """(probe view, RAM copy) after the machine boots `image` and replies to `prompt`."""
    host = MachineHost(machine, build_map)
    host.load(image)
    host.start()
    try:
        _wait(lambda: machine.waiting_for_input, seconds)
        host.type_text(prompt + "\r")
        _wait(lambda: not machine.waiting_for_input, seconds)
        _wait(lambda: machine.waiting_for_input, seconds)
        return host.observe_probes(), bytes(machine.ram)
    finally:
        host.stop()


def _wait(condition, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the soulplayer did not get there"
        time.sleep(0.02)


@pytest.fixture(scope="module")
def engine_run(vectors_soul, vectors_dir):
    """The engine's reply and, per position, what the probes should have seen."""
    engine = Engine(vectors_soul)
    reply = engine.reply(Tokenizer.load(vectors_dir / "tokenizer.json"), PROMPT)
    tokens = reply.context + reply.ids
    return reply, tokens, engine_expectations(engine, tokens), engine


def engine_expectations(engine: Engine, tokens) -> dict:
    """Per position, layer and head, the integer engine's numbers that the probes copy out of RAM."""
    expected = {"hidden": {}, "ffn": {}, "scores": {}, "logits": {}}
    state = engine.new_state()
    for t, token in enumerate(tokens[:spec.CONTEXT]):
        h = intmath.sat16(engine.te_q88[token] + engine.pe_q88[t])
        expected["hidden"][(t, 0)] = h
        for li, layer in enumerate(engine.layers):
            xn = intmath.rmsnorm(h, layer.n1, layer.s_n1)
            q, k, v = layer.qkv_of(xn)
            state.keys[li, t], state.values[li, t] = k.reshape(4, 8), v.reshape(4, 8)
            q = q.reshape(4, 8)
            heads = []
            for head in range(spec.N_HEADS):
                raw = (state.keys[li, :t + 1, head] * q[head]).sum(axis=1)
                out, lut = intmath.attention_head(q[head], state.keys[li, :t + 1, head], state.values[li, :t + 1, head])
                expected["scores"][(t, li, head)] = (raw, raw >> spec.SCORE_SHIFT, lut)
                heads.append(out)
            h_att = layer.attention_out(h, np.concatenate(heads))
            yn = intmath.rmsnorm(h_att, layer.n2, layer.s_n2)
            expected["ffn"][(t, li)] = intmath.relu(intmath.sat16(intmath.shift_right(
                yn @ layer.fc1_t + layer.fc1_b, layer.s_fc1)))
            h = layer.feed_forward(h_att)
            expected["hidden"][(t, li + 1)] = h
        expected["logits"][t] = engine.logits_of(h)
    return expected


def test_hidden_states_ffn_units_and_logits_equal_the_engine(run, engine_run):
    view, _ram, _map = run
    reply, tokens, expected, _engine = engine_run
    assert view.available
    last_prompt = len(reply.context) - 1
    # Every position: the embedding and layer 0's output; full positions: layer 1's too.
    for t in range(len(reply.context)):
        np.testing.assert_array_equal(view.hidden[(t, 0)], expected["hidden"][(t, 0)], err_msg=f"embed {t}")
        np.testing.assert_array_equal(view.hidden[(t, 1)], expected["hidden"][(t, 1)], err_msg=f"layer 0 {t}")
        np.testing.assert_array_equal(view.ffn[(t, 0)], expected["ffn"][(t, 0)], err_msg=f"ffn 0 {t}")
    computed = list(range(last_prompt, len(tokens) - (0 if reply.ended else 1)))
    assert sorted(view.logits) == computed            # the positions whose logits picked a token
    for t in computed:
        np.testing.assert_array_equal(view.hidden[(t, 2)], expected["hidden"][(t, 2)], err_msg=f"layer 1 {t}")
        np.testing.assert_array_equal(view.ffn[(t, 1)], expected["ffn"][(t, 1)], err_msg=f"ffn 1 {t}")
        np.testing.assert_array_equal(view.logits[t], expected["logits"][t], err_msg=f"logits {t}")


def test_every_score_step_equals_the_engine(run, engine_run):
    view, _ram, _map = run
    _reply, _tokens, expected, _engine = engine_run
    heads = spec.N_LAYERS * spec.N_HEADS
    assert len(view.scores) == len(expected["logits"]) * heads - (len(_reply.context) - 1) * spec.N_HEADS
    for key, snapshot in view.scores.items():
        raw, shifted, lut = expected["scores"][key]
        assert list(snapshot.raw) == list(raw), key
        assert list(snapshot.shifted) == list(shifted), key
        assert snapshot.best == max(shifted), key
        assert list(snapshot.weights) == list(lut), key
        assert snapshot.weight_sum == int(lut.sum()), key


def test_the_logit_lens_from_ram_equals_the_engine(run, engine_run):
    view, ram, build_map = run
    _reply, _tokens, expected, engine = engine_run
    lens = LogitLens.from_ram(ram, build_map.symbols)
    as_shared = LogitLens.from_ram(np.frombuffer(bytes(ram), np.uint8), build_map.symbols)   # the machine process's RAM
    np.testing.assert_array_equal(as_shared.weights, lens.weights)
    np.testing.assert_array_equal(as_shared.gains, lens.gains)
    for (t, stage), hidden in view.hidden.items():
        np.testing.assert_array_equal(lens.logits(hidden), engine.logits_of(expected["hidden"][(t, stage)]))
    for t, logits in view.logits.items():            # the last layer's lens is the logits themselves
        np.testing.assert_array_equal(lens.logits(view.hidden[(t, spec.N_LAYERS)]), logits)


def test_cycles_per_position_are_exact_and_samples_are_attributed(run, engine_run):
    view, _ram, _map = run
    reply, tokens, _expected, _engine = engine_run
    # Position 0 (always SEP) is computed once at start-up; a turn computes from position 1 on.
    assert view.first_position == 1
    assert sorted(view.position_cycles) == list(range(1, len(tokens) - (0 if reply.ended else 1)))
    # A prefilled position skips layer 1's attention, FFN and the logits: it costs less.
    prefill, full = view.position_cycles[1], view.position_cycles[len(reply.context)]
    assert 100_000 < prefill < full
    kernels = set().union(*(counts for counts in view.samples.values()))
    assert {"matvec q", "matvec k", "matvec v", "matvec o", "ffn", "logits", "rmsnorm"} <= kernels
    assert any(k.startswith("attention L1H") for k in kernels)
    assert "tokenizer" in view.samples.get(BEFORE_FIRST, {})


# -- the panels show those numbers ---------------------------------------------------------

def _panel(panel_class, run):
    from soulterm.tui.widgets.insight import ProbesObserved

    view, ram, build_map = run
    panel = panel_class()
    panel.on_probes_observed(ProbesObserved(view, build_map, bytearray(ram)))
    return panel, panel.render().plain


def test_next_token_panel_shows_the_engines_top_candidates(run, engine_run):
    from soulterm.tui.widgets.next_token import CANDIDATES, NextTokenPanel

    reply, tokens, expected, _engine = engine_run
    panel, text = _panel(NextTokenPanel, run)
    last = len(tokens) - (1 if reply.ended else 2)
    assert text.startswith(f"position {last} ")
    logits = expected["logits"][last]
    best = sorted(range(spec.FIRST_CHOOSABLE, spec.VOCAB_SIZE), key=lambda i: (-logits[i], i))[:CANDIDATES]
    rows = [line for line in text.splitlines()[2:2 + CANDIDATES]]
    assert [int(line[10:17]) for line in rows] == [int(logits[i]) for i in best]
    assert [line[:10].rstrip() for line in rows] == [panel.token_text(i)[:9] for i in best]
    chosen = [line for line in rows if "◀ chosen" in line]
    assert len(chosen) == 1 and chosen[0].startswith(panel.token_text(_engine.next_token(logits))[:9])
    assert "SEP→" in text                           # the prompt's own next tokens


def test_inside_layer_panel_shows_the_engines_units_and_lens(run, engine_run):
    from soulterm.tui.widgets.inside_layer import InsideLayerPanel

    reply, tokens, expected, engine = engine_run
    panel, text = _panel(InsideLayerPanel, run)
    last = len(tokens) - (1 if reply.ended else 2)
    for layer in range(spec.N_LAYERS):
        zeros = int((expected["ffn"][(last, layer)] == 0).sum())
        assert f"FFN {layer} " in text and f"  {zeros}/{spec.FFN_DIM} zero" in text
    for stage, name in enumerate(("embedding", "layer 0", "layer 1")):
        pick = engine.next_token(engine.logits_of(expected["hidden"][(last, stage)]))
        line = next(line for line in text.splitlines() if line.startswith(name))
        assert f"   {panel.token_text(pick)[:10]:<10} {int(engine.logits_of(expected['hidden'][(last, stage)])[pick]):>6}" in line


def test_inside_layer_panel_puts_the_ffn_counts_on_their_own_line_where_the_strip_leaves_no_room(run, engine_run):
    """At 80 columns (a 76-column panel) each FFN line's count goes under its strip instead of being cut off."""
    from soulterm.tui.widgets.inside_layer import InsideLayerPanel

    reply, tokens, expected, _engine = engine_run
    panel, wide = _panel(InsideLayerPanel, run)
    panel.available_width = lambda: 76
    narrow = panel.render().plain
    last = len(tokens) - (1 if reply.ended else 2)
    for layer in range(spec.N_LAYERS):
        zeros = int((expected["ffn"][(last, layer)] == 0).sum())
        count = f"{zeros}/{spec.FFN_DIM} zero"
        assert any(line.startswith(f"FFN {layer} ") and count in line for line in wide.splitlines())
        lines = narrow.splitlines()
        at = next(i for i, line in enumerate(lines) if line.startswith(f"FFN {layer} "))
        assert count not in lines[at] and lines[at + 1].strip().startswith(count)
    assert max(len(line) for line in narrow.splitlines() if line.startswith("FFN")) <= 76


def test_score_panel_shows_the_engines_steps(run, engine_run):
    from soulterm.tui.widgets.score_steps import ScoreStepsPanel

    reply, tokens, expected, _engine = engine_run
    panel, _text = _panel(ScoreStepsPanel, run)
    last = len(tokens) - (1 if reply.ended else 2)
    panel.action_head(6)                        # L1H2
    panel.action_key(-3)                        # three keys before the query position
    text = panel.render().plain
    raw, shifted, lut = expected["scores"][(last, 1, 2)]
    j = last - 3
    lines = text.splitlines()
    value = lambda step: next(line for line in lines if line.startswith(step))[11:27].strip()
    assert f"query position {last} " in text and f"key position {j} " in text
    assert value("q.k") == f"{int(raw[j]):,}" and value(">> 14") == f"{int(shifted[j]):,}"
    assert value("weight") == str(int(lut[j]))
    assert value("normalised") == f"{lut[j] / lut.sum() * 100:.1f}%"
    assert "attention.s:" in text and "exp_lut" in text


def test_cycles_panel_adds_up_to_the_exact_counts(run, engine_run):
    from soulterm.tui.widgets.cycles import CyclesPanel

    view = run[0]
    _panel_, text = _panel(CyclesPanel, run)
    last = max(view.position_cycles)
    assert text.startswith(f"position {last}: {view.position_cycles[last]:,} cycles")
    assert f"reply so far: {sum(view.position_cycles.values()):,} cycles over {len(view.position_cycles)}" in text
    shown = [int(line[40:50].replace(",", "")) for line in text.splitlines()[1:]
             if len(line) > 50 and line[15:16] in "█▏▎▍▌▋▊▉ " and line[40:50].strip().replace(",", "").isdigit()]
    assert len(shown) >= 8                                               # the kernels' rows
    assert abs(sum(shown) - view.position_cycles[last]) <= len(shown)   # rounding only


def test_cycles_panel_folds_attention_outside_a_head_into_the_attention_row():
    """at_key_sums runs while no head is on (NOW_HEAD idle): its samples join the heads' row."""
    from soulterm.tui.widgets.cycles import merge_heads

    rows = [("matvec q", 90, 9), ("attention L0H0", 50, 5), ("attention", 20, 2), ("attention L1H1", 30, 3)]
    assert merge_heads(rows) == [("attention", 100, 10), ("matvec q", 90, 9)]
    assert merge_heads([("attention", 20, 2), ("ffn", 10, 1)]) == [("attention", 20, 2), ("ffn", 10, 1)]


@pytest.mark.parametrize("prompt, kept", [("what is your name", False), ("i am sad", True)])
def test_the_c64s_copied_position_1_shows_only_its_own_ids_numbers(tmp_path, prompt, kept):
    """The first RUN computes position 1 for each opener, the last of them opener_ids[0]'s
    ("i"); a first turn that opens with another opener copies its record, and the view must
    not show "i"'s position 1 for it. A turn that opens with "i" keeps those numbers: they
    are its own, and equal the engine's."""
    from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
    from soulterm.player.build import build_player
    from soulterm.player.layout import opener_ids
    from soulterm.soul.soulfile import load_soul

    tokenizer = Tokenizer.load(DEFAULT_TOKENIZER)
    first_ids = opener_ids(tokenizer)
    assert tokenizer.encode_turn(prompt)[1] in first_ids
    assert (tokenizer.encode_turn(prompt)[1] == first_ids[0]) == kept
    build_player(DEFAULT_SOUL, DEFAULT_TOKENIZER, tmp_path)
    view, _ram = probe_one_reply(C64(), BuildMap.load(tmp_path / "soulplayer.map.json"),
                                 tmp_path / "soulplayer.d64", prompt, REPLY_SECONDS)
    engine = Engine(load_soul(DEFAULT_SOUL))
    reply = engine.reply(tokenizer, prompt)
    expected = engine_expectations(engine, reply.context + reply.ids)
    assert view.first_position == 2
    assert (1 in view.logits or any(t == 1 for t, _ in view.hidden)) == kept
    assert {t for t, _ in view.hidden} >= {0} | set(range(2, len(reply.context)))
    for key, hidden in view.hidden.items():
        np.testing.assert_array_equal(hidden, expected["hidden"][key], err_msg=str(key))
