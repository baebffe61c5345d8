"""The TUI's view of a real soulplayer run matches the integer engine.

Builds the soulplayer from the shipped soul (one soul is enough), runs it on
the emulated C64 for the prompt "hello", and samples emulated memory the way
the app does (between slices of cycles). Every attention row the panel would
show must equal the integer engine's LUT weights for that position, layer
and head, normalised; and the screen, decoded by the TUI's own character
set, must show the engine's reply.
"""

from __future__ import annotations

import numpy as np
import pytest

from soulterm.c64 import C64
from soulterm.soul import spec
from soulterm.soul.engine import Engine
from soulterm.tui.attention_recorder import HEADS, AttentionRecorder
from soulterm.tui.buildmap import BuildMap
from soulterm.tui.charset import decode_line

SLICE_CYCLES = 5_000          # what the app's machine thread runs between samples
MAX_REPLY_CYCLES = 120_000_000


@pytest.fixture(scope="module")
def built(project_vectors, tmp_path_factory):
    from soulterm.player.build import build_player

    out = tmp_path_factory.mktemp("disk")
    build_player(project_vectors.soul_path, project_vectors.tokenizer_path, out)
    return out


def test_attention_rows_and_reply_match_the_integer_engine(built, project_vectors):
    build_map = BuildMap.load(built / "soulplayer.map.json")
    assert build_map.attention is not None
    machine = C64()
    machine.load_file(str(built / "soulplayer.d64"))
    assert str(machine.run(max_cycles=10_000_000, until_idle=True)) in ("idle", "StopReason.IDLE")
    machine.type_line("hello")
    recorder = AttentionRecorder(build_map.attention)
    spent = 0
    while spent < MAX_REPLY_CYCLES:
        before = machine.cycles
        reason = str(machine.run(max_cycles=SLICE_CYCLES, until_idle=True))
        spent += machine.cycles - before
        recorder.sample(machine.ram)
        if "idle" in reason.lower():
            break
    else:
        pytest.fail("no reply within the cycle budget")

    tokenizer = project_vectors.tokenizer
    engine = Engine(project_vectors.soul)
    reply = engine.reply(tokenizer, "hello")
    positions = reply.context + reply.ids
    traces = engine.forward_full(positions)
    view = recorder.view()
    assert view.idle
    assert list(view.context[:len(reply.context)]) == reply.context
    checked = 0
    for k in range(HEADS):
        layer, head = divmod(k, spec.N_HEADS)
        for position, row in view.rows[k].items():
            lut = traces[position].attention_lut[layer][head]
            np.testing.assert_array_equal(row, lut / lut.sum(), err_msg=f"L{layer}H{head} position {position}")
            checked += 1
    # Sampling every few thousand cycles sees every head the 6502 ran. Prompt positions
    # before the last are prefilled without layer 1's attention (kernels/forward.s:
    # only their keys and values are needed), so those rows do not exist; position 0
    # (always SEP) is not run at all: its keys and values come from the build.
    prefilled = range(len(reply.context) - 1)
    expected = {(k, p) for k in range(HEADS) for p in range(1, view.position + 1)
                if not (k >= spec.N_HEADS and p in prefilled)}
    recorded = {(k, p) for k in range(HEADS) for p in view.rows[k]}
    assert recorded == expected and checked == len(expected)

    lowercase = bool(machine.vic.lowercase)
    codes = bytes(machine.vic.screen_codes())
    screen = "".join(decode_line(codes[r * 40:(r + 1) * 40], lowercase) for r in range(25))
    assert "".join(reply.text.split()) in "".join(screen.split())
