"""The 48K player's chat in the screen's top two thirds and its data in the bottom third
(soulplayer.s's SCREEN_THIRD, twentieth round), since the twenty-sixth round (zxplanes48: FW_PLANES,
CHAT_TOP_THIRD) the chat in the top third and planes.s's tables in the middle third: the window
scrolls within lines 0..CHAT_LAST_LINE, the hidden thirds' attributes stay ink = paper, the replies
stay the integer engine's, a second RANDOMIZE USR after BASIC wrote over the third computes position
0 again, and a cell whose ink is its paper reads as blank."""

from __future__ import annotations

import json
import random

import pytest

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx import Spectrum
from soulterm.zx.build import (MIDDLE_ATTRIBUTES, PLANES_TABLES_48K, SCREEN_THIRD, SCREEN_THIRD_END, THIRD_ATTRIBUTES,
                               THIRD_FFN, THIRD_FREE, THIRD_KEY_SUMS, assemble_spectrum_player)
from soulterm.zx.rom import SYSVARS
from soulterm.zx.ula import COLUMNS, attribute_address, pixel_address

WINDOW_LINES = 8                # the chat's lines, 0..7 (CHAT_TOP_THIRD: the shipped 48K's since the twenty-sixth round)
BANNER = ["soulplayer 48", "a 2-layer transformer in Z80", "assembly. type a line and press",
          "enter; q alone quits.", ""]


@pytest.fixture(scope="module")
def built():
    built = assemble_spectrum_player(DEFAULT_SOUL, DEFAULT_TOKENIZER)
    assert built.program.symbols["CHAT_LAST_LINE"] == WINDOW_LINES - 1
    return built


@pytest.fixture(scope="module")
def engine_and_tokenizer():
    return Engine(load_soul(DEFAULT_SOUL)), Tokenizer.load(DEFAULT_TOKENIZER)


def shown(text: str) -> list[str]:
    """The screen lines a printed text takes: the ROM wraps past column 31 (a full line and ENTER: one line)."""
    return [text[i:i + COLUMNS] for i in range(0, max(len(text), 1), COLUMNS)]


def third_hidden(machine) -> bool:
    """The lines past the window (the middle and bottom thirds' attributes) ink = paper."""
    hidden = 0x5800 + 32 * WINDOW_LINES
    return all(a & 7 == a >> 3 & 7 for a in machine.memory[hidden:0x5B00])


def print_line(machine) -> int:
    return 24 - machine.memory[SYSVARS["S_POSN"] + 1]


def counting_scrolls(machine) -> list:
    """The ROM's own scrolls from now on (its scroll moves the whole upper screen, the third too)."""
    scrolls = []
    scroll = machine.rom.scroll
    machine.rom.scroll = lambda: scrolls.append(print_line(machine)) or scroll()
    return scrolls


def test_a_chat_longer_than_the_window_scrolls_within_lines_0_to_7(built, engine_and_tokenizer):
    """Eight turns, one typed line wrapped over three lines and one rubbed out with DELETE: the
    window shows the transcript's last 8 lines, the ROM never scrolls, lines 8..23 show
    nothing (their attributes ink = paper) while planes.s's tables and layer 1's values fill their
    bitmap, and every reply is the integer engine's."""
    engine, tokenizer = engine_and_tokenizer
    prompts = ["hello", "how are you", "tell me a story about the sea and the sky and a small boat",
               "what is your name", "ok", "helloo\b", "thanks", "bye now"]
    typed = [p.replace("o\b", "") for p in prompts]
    machine = Spectrum()
    machine.load_tap(built.tape)
    scrolls = counting_scrolls(machine)
    transcript = list(BANNER)
    for prompt, text in zip(prompts, typed):
        machine.type_line(prompt)
        assert machine.run(max_cycles=600_000_000, until_idle=True) == "idle", machine.stop_message
        transcript += shown(f"you> {text}") + shown(engine.reply(tokenizer, text).text)
        screen = [line.rstrip() for line in machine.screen_lines()]
        want = (transcript + ["you>"])[-WINDOW_LINES:]
        want += [""] * (WINDOW_LINES - len(want))
        assert screen[:WINDOW_LINES] == want
        assert screen[WINDOW_LINES:] == [""] * (24 - WINDOW_LINES)
        assert third_hidden(machine) and print_line(machine) == min(len(transcript), WINDOW_LINES - 1)
    assert len(transcript) > WINDOW_LINES + 4 and scrolls == []
    values = built.program.symbols["kv_values_layer_1"]
    assert values == SCREEN_THIRD and any(machine.memory[values:values + 1280])     # the bitmap holds the cache
    assert any(machine.memory[PLANES_TABLES_48K:SCREEN_THIRD])                      # and planes.s's tables


def test_a_second_randomize_usr_after_basic_wrote_over_the_third_computes_position_0_again(
        built, engine_and_tokenizer):
    """Back in BASIC the ROM's "0 OK", its editor and a scroll or CLS write the bottom third,
    layer 1's values of position 0 among them: restart (the second RANDOMIZE USR start) hides the
    third again and the next turn computes position 0 again, so its reply is the engine's."""
    engine, tokenizer = engine_and_tokenizer
    start = built.program.symbols["start"]
    machine = Spectrum()
    machine.load_tap(built.tape)
    machine.type_line("hello")
    machine.type_line("q")
    assert machine.run(max_cycles=600_000_000) == "halted" and not machine.crashed
    noise = random.Random(20)
    machine.memory[SCREEN_THIRD:SCREEN_THIRD_END] = bytes(noise.randrange(256) for _ in range(SCREEN_THIRD_END - SCREEN_THIRD))
    machine.memory[MIDDLE_ATTRIBUTES:0x5B00] = bytes([0x38]) * 512     # BASIC's ink 0 on paper 7
    machine.stop_message = ""
    machine.call(start)
    for prompt in ("what is your name", "hello"):
        machine.type_line(prompt)
    assert machine.run(max_cycles=600_000_000, until_idle=True) == "idle", machine.stop_message
    screen = [line.rstrip() for line in machine.screen_lines()]
    assert screen[:5] == ["you> what is your name", engine.reply(tokenizer, "what is your name").text,
                          "you> hello", engine.reply(tokenizer, "hello").text, "you>"]
    assert third_hidden(machine) and screen[WINDOW_LINES:] == [""] * (24 - WINDOW_LINES)
    state = engine.new_state()
    engine.step(state, 1)       # position 0, SEP: its values of layer 1 lie in the third again (at its start; each
    sep_values = state.values[1, 0].reshape(-1)     # dimension's first word since zx48kept35's AT_TABLE_BY_DIMENSION)
    sym = built.program.symbols
    step = sym["AT_DIMENSION_BYTES"] if "AT_VALUES_ASCENDING" in sym else 2
    assert sym["kv_values_layer_1"] == SCREEN_THIRD
    assert [int.from_bytes(machine.memory[SCREEN_THIRD + step * d:SCREEN_THIRD + step * d + 2], "little", signed=True)
            for d in range(len(sep_values))] == list(sep_values)


def test_screen_lines_show_a_cell_whose_ink_is_its_paper_as_blank():
    from soulterm.zx.font import FIRST_CODE, FONT

    machine = Spectrum()
    glyph = FONT[(ord("A") - FIRST_CODE) * 8:(ord("A") - FIRST_CODE) * 8 + 8]
    for column, rows, attribute in ((0, glyph, 0x38), (1, glyph, 0x3F), (2, bytes([0x5A] * 8), 0x38),
                                    (3, bytes([0x5A] * 8), 0x09), (4, glyph, 0x07)):
        for row, byte in enumerate(rows):
            machine.memory[pixel_address(column, 20 * 8 + row)] = byte
        machine.memory[attribute_address(column, 20)] = attribute
    assert machine.screen_lines()[20][:5] == "A ▒ A"


def test_the_map_names_the_thirds_regions_and_the_128k_keeps_its_screen(built):
    regions = {(r["start"], r["end"]): r["name"] for r in json.loads(built.map_text)["regions"]}
    sym = built.program.symbols
    assert sym["kv_values_layer_1"] == SCREEN_THIRD and sym["kv_values"] >= 0x8000
    assert regions[(SCREEN_THIRD, THIRD_KEY_SUMS)].startswith("KV cache: values of layer 1 (in the screen's bottom third")
    if sym.get("kv_high_planes") == THIRD_KEY_SUMS:   # (a 48K with the packed key planes, zx48wire34: planes 12..15)
        assert regions[(THIRD_KEY_SUMS, THIRD_FREE)].startswith("attention's packed key planes 12..15 (in the screen's")
        assert THIRD_FREE == THIRD_FFN and (THIRD_FREE, THIRD_FFN) not in regions
    elif sym.get("kv_key_sums") == THIRD_KEY_SUMS:    # (a 48K with attention's fast scores: their key sums there)
        assert regions[(THIRD_KEY_SUMS, THIRD_FREE)].startswith("attention's key sums (in the screen's bottom third")
        assert THIRD_FREE == THIRD_FFN and (THIRD_FREE, THIRD_FFN) not in regions    # (no free bytes left there)
    else:
        assert regions[(THIRD_KEY_SUMS, THIRD_FFN)].startswith("free (the screen's bottom third")
    assert sym["fw_ffn"] == THIRD_FFN           # (forward.s's z, zxwide48: 128 bytes above UNCONTENDED)
    assert regions[(THIRD_FFN, SCREEN_THIRD_END)].startswith("z (feed-forward) (in the screen's bottom third")
    assert regions[(sym["kv_values"], sym["fw_h"])] == "KV cache: values of layer 0"
    assert regions[(MIDDLE_ATTRIBUTES, 0x5B00)] == "screen: attributes of the middle and bottom thirds (ink = paper)"
    assert regions[(0x4000, PLANES_TABLES_48K)] == "screen: bitmap (the chat: lines 0..7)"
    # (attention's output on the first table page's first 64 bytes since zxroom48d)
    assert regions[(PLANES_TABLES_48K, PLANES_TABLES_48K + 64)].startswith("attention output (on planes.s's first table page")
    assert regions[(PLANES_TABLES_48K + 64, SCREEN_THIRD)].startswith("planes.s's tables (in the screen's middle third")
    assert sym["wp_table_pages"] == PLANES_TABLES_48K and THIRD_ATTRIBUTES == MIDDLE_ATTRIBUTES + 256
    banked = assemble_spectrum_player(DEFAULT_SOUL, DEFAULT_TOKENIZER, "128k")
    assert "SCREEN_THIRD" not in banked.program.symbols and "chat_put" not in banked.program.symbols
    assert {(r.start, r.end) for r in banked.regions} >= {(0x4000, 0x5800), (0x5800, 0x5B00)}
