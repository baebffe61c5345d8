"""The soulplayer's tapes on the real Sinclair ROMs (soulterm.zx.real_rom, twenty-second round).

The ROMs are not shipped: set SOULTERM_ZX_ROMS to a folder with 48.rom (and 128-0.rom and
128-1.rom for the 128K), e.g. SkoolKit's wheel's skoolkit/resources/. Each tape is built from
the source, loaded through the ROM's own loader (LOAD "" typed on the 48K, the 128K menu's
"Tape Loader"), and chatted with by keys held down in the matrix; every reply read from the
screen must be the integer engine's (Engine.reply, the shipped soul).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest

from soulterm.c64.c64 import StopReason
from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx.build import MIDDLE_ATTRIBUTES, assemble_spectrum_player
from soulterm.zx.player_chat import PROMPT, chat_turn, shown
from soulterm.zx.real_rom import LOAD_QUOTES, ROM_FILES, RealROMSpectrum, load_roms
from soulterm.zx.rom import SYSVARS
from soulterm.zx.ula import CAPS_SHIFT, COLUMNS, ENTER, SYMBOL_SHIFT

ROMS = os.environ.get("SOULTERM_ZX_ROMS", "")
WINDOW_LINES = 8                 # the 48K's chat: lines 0..7 (soulplayer.s's CHAT_TOP_THIRD, twenty-sixth round;
                                 # lines 0..15 since the twentieth round's SCREEN_THIRD before)
TURNS = ["hello", "how are you", "tell me a story about the sea and the sky and a small boat",
         "What's your name?", "ok", "helloo\b", "thanks", "i am sad", "good morning", "bye now",
         "how are you today my friend, ok" + "\b" * 6]        # (DELETE back over the echo's wrap)
BANNER = {"48k": "soulplayer 48", "128k": "soulplayer 128"}
RET_OPCODE = 0xC9                # the 48K's keep_printer_buffer where 128 BASIC does not run (soulplayer.s)
ROUTINES_128 = range(0x5B00, 0x5B58)     # 128 BASIC's code in the printer buffer: SWAP ... POUT2 (TARGET,
                                         # RETADDR, BANKM and the rest after it change as it runs)


def roms_for(model: str) -> list[bytes]:
    """The model's ROM images from SOULTERM_ZX_ROMS, or the test skipped saying why."""
    missing = [name for name in ROM_FILES[model] if not (Path(ROMS) / name).is_file()]
    if not ROMS or missing:
        pytest.skip(f"the real Sinclair ROMs are not shipped: set SOULTERM_ZX_ROMS to a folder with "
                    f"{', '.join(ROM_FILES[model])} (e.g. SkoolKit's wheel's skoolkit/resources/)"
                    + (f"; {ROMS or 'it'} lacks {', '.join(missing)}" if ROMS else ""))
    return load_roms(ROMS, model)


@functools.lru_cache(maxsize=None)
def built_player(model: str):
    """The player built from the source, once a model (a test process)."""
    return assemble_spectrum_player(DEFAULT_SOUL, DEFAULT_TOKENIZER, model)


def loaded_on_both(model: str):
    """(built, real, ours): the built player's tape loaded on the real ROMs and on soulterm's, each
    waiting for the first line."""
    from soulterm.zx import Spectrum

    built = built_player(model)
    real = RealROMSpectrum(roms_for(model), model)
    real.boot()
    real.load_tape(built.tape)
    ours = Spectrum(model=model)
    ours.load_tap(built.tape)
    assert ours.run(until_idle=True) == StopReason.IDLE
    return built, real, ours


@pytest.fixture(scope="module")
def engine_and_tokenizer():
    return Engine(load_soul(DEFAULT_SOUL)), Tokenizer.load(DEFAULT_TOKENIZER)


@pytest.fixture(scope="module", params=["48k", "128k"])
def loaded(request):
    """(model, the built player, a real-ROM Spectrum with its tape loaded and the player waiting)."""
    model = request.param
    roms = roms_for(model)
    built = built_player(model)
    machine = RealROMSpectrum(roms, model)
    machine.boot()
    machine.load_tape(built.tape)
    return model, built, machine


def transcript_lines(text: str) -> list[str]:
    return [text[i:i + COLUMNS] for i in range(0, max(len(text), 1), COLUMNS)]


def test_both_tapes_load_through_the_real_loader_and_chat_as_the_engine(loaded, engine_and_tokenizer):
    """The ROM's own LOAD "" (its LD-BYTES the one trap) loads every block, the BASIC loader's
    CLEAR leaves its LOAD room, and ten turns (one rubbed out with DELETE, capitals and
    symbols through the shifts) answer exactly as the engine, the chat scrolling: on the 48K
    within its window, lines 8..23 ink = paper and the ROM's own scroll never run (SCR-CT still
    CLS's 1: its first scroll would ask "scroll?"); on the 128K the ROM scrolls and never asks."""
    model, built, machine = loaded
    engine, tokenizer = engine_and_tokenizer
    assert machine.tape.position == len(machine.tape.blocks) and all(ok for *_, ok in machine.tape.loaded)
    lines = [line.rstrip() for line in machine.screen_lines()]
    assert lines[0] == BANNER[model] and lines[5] == PROMPT.rstrip()
    transcript = [line.rstrip() for line in machine.screen_lines()[:5]]
    for prompt in TURNS:
        turn = chat_turn(machine, prompt, built.program.symbols)
        expected = engine.reply(tokenizer, shown(prompt)).text
        assert turn.reply == expected.rstrip(), prompt
        transcript += transcript_lines(PROMPT + shown(prompt)) + transcript_lines(expected)
        screen = [line.rstrip() for line in machine.screen_lines()]
        if model == "48k":
            want = (transcript + [PROMPT.rstrip()])[-WINDOW_LINES:]
            want += [""] * (WINDOW_LINES - len(want))
            assert screen[:WINDOW_LINES] == [line.rstrip() for line in want], prompt
            assert screen[WINDOW_LINES:] == [""] * (24 - WINDOW_LINES)
            assert built.program.symbols["CHAT_LAST_LINE"] == WINDOW_LINES - 1
            assert all(a & 7 == a >> 3 & 7 for a in machine.memory[MIDDLE_ATTRIBUTES:0x5B00])
            assert machine.memory[SYSVARS["SCR_CT"]] == 1        # the ROM never scrolled the display
        else:                       # (the upper screen's 22 lines, the last one's prompt at line 21 once it scrolls)
            want = [line.rstrip() for line in transcript + [PROMPT]][-22:]
            assert screen[:len(want)] == want and screen[len(want):] == [""] * (24 - len(want)), prompt
        assert "scroll?" not in "".join(screen)
    assert len(transcript) > 24      # (enough to scroll either screen)


def basic_again(model: str, machine, start: int) -> None:
    """After "q": RANDOMIZE USR start typed into BASIC as a person types it (the 48K's keywords by
    their keys: T in K mode, then USR in E mode, CAPS + SYMBOL SHIFT then L; the 128K's menu first,
    "128 BASIC" by cursor down, then the words spelled out)."""
    if model == "48k":
        machine.press_keys([{"t"}, {CAPS_SHIFT, SYMBOL_SHIFT}, {"l"}])
        machine.type_text(f"{start}\r")
    else:
        machine.press_keys([{"r"}])               # the report away: the 128's menu
        assert machine.run(max_cycles=100_000_000, until_idle=True) == StopReason.IDLE
        assert "128 BASIC" in "".join(machine.screen_lines())
        machine.press_keys([{CAPS_SHIFT, "6"}, {ENTER}])
        assert machine.run(max_cycles=100_000_000, until_idle=True) == StopReason.IDLE
        machine.type_text(f"randomize usr {start}\r")
    assert machine.run(max_cycles=300_000_000, until_idle=True) == StopReason.IDLE


def test_q_goes_back_to_basic_and_a_second_randomize_usr_chats_exactly(loaded, engine_and_tokenizer):
    """ "q" returns to BASIC (its "0 OK"; the 128K's from the 128 ROM's bank switching at
    $5B00, which the 128K's logits no longer write over), and RANDOMIZE USR start typed there
    starts the player again, which answers as the engine (the 48K computing position 0 again)."""
    model, built, machine = loaded
    engine, tokenizer = engine_and_tokenizer
    assert chat_turn(machine, "hi", built.program.symbols).reply == engine.reply(tokenizer, "hi").text.rstrip()
    if model == "48k":                  # (no 128 BASIC: the printer buffer is the logits')
        assert machine.memory[built.program.symbols["keep_printer_buffer"]] == RET_OPCODE
    machine.type_line("q")
    assert machine.run(max_cycles=100_000_000, until_idle=True) == StopReason.IDLE
    screen = "".join(machine.screen_lines())
    assert "bye." in screen and "0 OK" in screen
    basic_again(model, machine, built.program.symbols["start"])
    assert [line.rstrip() for line in machine.screen_lines()].count(PROMPT.rstrip()) == 1
    for prompt in ("hello", "what is your name"):
        assert chat_turn(machine, prompt, built.program.symbols).reply == engine.reply(tokenizer, prompt).text.rstrip()


def test_the_loaders_room_is_what_the_real_rom_needs_and_no_more_than_the_origin_gives():
    """The real ROM's LOAD "" CODE after the loader's CLEAR: soulterm's ROM refuses a loader whose
    CLEAR leaves less than rom.LOAD_CODE_ROOM after it (tests/test_zx_tap.py); here the real one
    gives "4 Out of memory" one byte below that CLEAR and loads at it."""
    from soulterm.zx import tap
    from soulterm.zx.rom import LOAD_CODE_ROOM, PROGRAM_START

    roms = roms_for("48k")
    program = tap.loader_program(0x8000, 0x8000)
    least = PROGRAM_START + len(program) + LOAD_CODE_ROOM
    for clear, loads in ((least - 1, False), (least, True)):
        image = tap.write_tap("t", b"\xc9", 0x8000)          # (a RET: USR returns at once)
        blocks = tap.decode_blocks(image)
        body = tap.loader_program(0x8000, 0x8000, clear=clear)
        header = tap.Header.from_bytes(blocks[0].data)
        header.length = header.param2 = len(body)
        blocks[:2] = [tap.Block(tap.HEADER_FLAG, header.to_bytes()), tap.Block(tap.DATA_FLAG, body)]
        machine = RealROMSpectrum(roms, "48k")
        machine.boot()
        machine.load_tape(tap.encode_blocks(blocks))
        report = [line for line in machine.screen_lines() if line.strip()][-1]
        assert report.startswith("0 OK") if loads else report.startswith("4 Out of memory"), (clear, report)
        assert len(body) == len(program)


def test_the_48k_tape_on_a_128ks_48_basic_chats_and_quits(engine_and_tokenizer):
    """A 128K's menu, "48 BASIC", then LOAD "": the 48K player as on a 48K (the port locked: it keeps
    no page, keep_printer_buffer a RET), "q" back to its "0 OK". (From the menu's "Tape Loader":
    test_the_48k_tape_through_a_128ks_tape_loader_keeps_128_basics_page_and_quits_cleanly.)"""
    engine, tokenizer = engine_and_tokenizer
    roms = roms_for("128k")
    built = built_player("48k")
    machine = RealROMSpectrum(roms, "128k")
    machine.boot()
    machine.press_keys([{CAPS_SHIFT, "6"}] * 3 + [{ENTER}])     # the menu's fourth item
    assert machine.run(max_cycles=100_000_000, until_idle=True) == StopReason.IDLE
    assert "1982 Sinclair" in "".join(machine.screen_lines())
    machine.tape.insert(built.tape)
    machine.press_keys(LOAD_QUOTES)
    assert machine.run(max_cycles=300_000_000, until_idle=True) == StopReason.IDLE
    assert chat_turn(machine, "hello", built.program.symbols).reply == engine.reply(tokenizer, "hello").text.rstrip()
    assert machine.memory[built.program.symbols["keep_printer_buffer"]] == RET_OPCODE
    machine.type_line("q")
    assert machine.run(max_cycles=100_000_000, until_idle=True) == StopReason.IDLE
    assert "0 OK" in "".join(machine.screen_lines())


def test_the_48k_tape_through_a_128ks_tape_loader_keeps_128_basics_page_and_quits_cleanly(engine_and_tokenizer):
    """A 128K's menu, "Tape Loader": 128 BASIC runs the 48K player, whose logits lie in the printer
    buffer, where 128 BASIC keeps its paging routines and variables (SWAP at $5B00, BANKM, TSTACK)
    and its ROM 1's interrupt, with FLAGS bit 4, scans the keypad through $5B88..$5B8E every other
    frame. The player's start finds 128 BASIC and keeps that page in bank SAVED_BANK with the bit off
    (keep_printer_buffer); "q" brings both back: "0 OK", and RANDOMIZE USR start typed in 128 BASIC
    chats again, and quits again. Before the twenty-third round "q" hung there, and the keypad scan
    in logit 68's bytes made "nice to meet you" answer "nice to me det!" (docs/spectrum.md,
    "Twenty-third round: the 48K tape through a 128K's Tape Loader")."""
    from soulterm.zx import paging
    from soulterm.zx.rom import FLAGS_128_BASIC

    engine, tokenizer = engine_and_tokenizer
    built = built_player("48k")
    symbols = built.program.symbols
    machine = RealROMSpectrum(roms_for("128k"), "128k")
    machine.boot()
    machine.tape.insert(built.tape)
    machine.press_keys([{ENTER}])                   # the menu's first item
    assert machine.run(max_cycles=300_000_000, breakpoints=[symbols["start"]]) == StopReason.BREAKPOINT
    routines = bytes(machine.memory[ROUTINES_128.start:ROUTINES_128.stop])
    assert machine.memory[SYSVARS["FLAGS"]] & FLAGS_128_BASIC and machine.memory[paging.BANKM] == paging.ROM_48
    saved = symbols["SAVED_PAGE"] - paging.PAGED_START
    for turn, prompts in enumerate((["hello", "nice to meet you", "what is your name", "i am sad"],
                                    ["nice to meet you", "thanks"])):
        assert machine.run(max_cycles=300_000_000, until_idle=True) == StopReason.IDLE
        assert machine.bank(symbols["SAVED_BANK"])[saved:saved + len(routines)] == routines
        assert not machine.memory[SYSVARS["FLAGS"]] & FLAGS_128_BASIC and machine.paging == paging.ROM_48
        for prompt in prompts:
            reply = chat_turn(machine, prompt, symbols).reply
            assert reply == engine.reply(tokenizer, prompt).text.rstrip(), (turn, prompt)
        machine.type_line("q")
        assert machine.run(max_cycles=100_000_000, until_idle=True) == StopReason.IDLE
        assert machine.screen_lines()[23].rstrip() == ("0 OK, 10:3" if turn == 0 else "0 OK, 0:1")
        assert bytes(machine.memory[ROUTINES_128.start:ROUTINES_128.stop]) == routines
        assert machine.memory[SYSVARS["FLAGS"]] & FLAGS_128_BASIC
        if turn == 0:
            basic_again("128k", machine, symbols["start"])


@pytest.mark.parametrize("model", ["48k", "128k"])
def test_a_turns_border_and_beeper_are_the_same_on_soulterms_rom(model):
    """The border's colours over a turn (each position's, BORDCR's from each reply token's BEEPER
    and at the end) and the beeper's edges (2 (DE + 1) a blip: the real BEEPER's loop) as soulterm's
    ROM makes them; its T-states a little more (the ROM's interrupt and printing)."""
    built, real, ours = loaded_on_both(model)
    seen = []
    for machine in (real, ours):
        borders, edges = len(machine.ula.border_changes), len(machine.ula.beeper_edges)
        turn = chat_turn(machine, "how are you", built.program.symbols)
        seen.append(([colour for _, colour in machine.ula.border_changes[borders:]],
                     len(machine.ula.beeper_edges) - edges, turn.t_states))
    (real_borders, real_edges, real_t), (our_borders, our_edges, our_t) = seen
    assert real_borders == our_borders and 7 in real_borders and real_edges == our_edges > 0
    assert our_t < real_t < 1.01 * our_t


@pytest.mark.parametrize("model", ["48k", "128k"])
def test_the_loader_leaves_the_screen_and_print_position_as_soulterms_rom(model):
    """At RANDOMIZE USR: the screen (CLEAR's CLS, then LOAD's "Bytes: name" for each CODE block),
    S-POSN, DF-CC, SCR-CT (LD-LOOK-H's 3), BORDCR and ATTR-P as soulterm's loader leaves them."""
    from soulterm.zx import Spectrum

    roms = roms_for(model)
    built = built_player(model)
    start = built.program.symbols["start"]
    real = RealROMSpectrum(roms, model)
    real.boot()
    real.tape.insert(built.tape)
    real.press_keys([{ENTER}] if model == "128k" else LOAD_QUOTES)
    assert real.run(max_cycles=300_000_000, breakpoints=[start]) == StopReason.BREAKPOINT
    ours = Spectrum(model=model)
    assert ours.load_tap(built.tape) == start
    for name, size in (("S_POSN", 2), ("DF_CC", 2), ("SCR_CT", 1), ("BORDCR", 1), ("ATTR_P", 1)):
        address = SYSVARS[name]
        assert real.memory[address:address + size] == ours.memory[address:address + size], name
    assert real.screen_lines() == ours.screen_lines() and "Bytes: " in "".join(ours.screen_lines())


@pytest.mark.parametrize("model", ["48k", "128k"])
def test_q_leaves_the_screen_and_attributes_as_soulterms_rom(model, engine_and_tokenizer):
    """After a turn and "q": the screen's text and every attribute (the report's lower screen
    cleared with BORDCR's, "0 OK, 10:3" or the 128K's "10:14": its loader pages and loads three banks since
    the twenty-fifth round's planes.s, "10:11" with two before) as soulterm's ROM leaves them."""
    built, real, ours = loaded_on_both(model)
    for machine in (real, ours):
        chat_turn(machine, "hello", built.program.symbols)
        machine.type_line("q")
        machine.run(max_cycles=100_000_000, until_idle=True)
    assert real.screen_lines() == ours.screen_lines()
    assert real.screen_lines()[23].rstrip() == ("0 OK, 10:3" if model == "48k" else "0 OK, 10:14")
    assert real.memory[0x5800:0x5B00] == ours.memory[0x5800:0x5B00]


def test_the_48k_run_variables_lie_between_basics_workspace_and_the_stacks_deepest(engine_and_tokenizer):
    """The 48K player's run-time variables (build.py's RUN_VARIABLES_48K, thirty-fifth round: off the tape, below
    its program in BASIC's room) on the real 48 BASIC ROM, after LOAD "" and after "q" and RANDOMIZE USR typed:
    BASIC's workspace (the typed line's too) ends below them, and the machine stack, three turns long (one the
    window's longest), writes nothing as deep as them; every reply is the engine's (so nothing of BASIC's wrote
    them either). benchmarks/zx48_run_variables.py measures the 128K's paths too."""
    from soulterm.zx.build import RUN_VARIABLES_48K, RUN_VARIABLES_BYTES, RUN_VARIABLES_STACK_LOW
    from soulterm.zx.player_chat import basic_room_in_turns

    engine, tokenizer = engine_and_tokenizer
    built = built_player("48k")
    symbols = built.program.symbols
    assert symbols["RUN_VARIABLES"] == RUN_VARIABLES_48K and symbols["RUN_VARIABLES_BYTES"] == RUN_VARIABLES_BYTES
    assert RUN_VARIABLES_48K <= symbols["tk_len"] and symbols["wp_wide_sum"] + 4 <= RUN_VARIABLES_48K + RUN_VARIABLES_BYTES
    kept = range(RUN_VARIABLES_48K, RUN_VARIABLES_48K + RUN_VARIABLES_BYTES)
    machine = RealROMSpectrum(roms_for("48k"), "48k")
    machine.boot()
    machine.load_tape(built.tape)
    prompts = ("hello", "tell me a story about the sea and the sky and a small boat", "do you like music")
    for typed in (False, True):
        if typed:
            machine.type_line("q")
            assert machine.run(max_cycles=100_000_000, until_idle=True) == StopReason.IDLE
            basic_again("48k", machine, symbols["start"])
        room = basic_room_in_turns(machine, prompts, symbols, kept)
        assert room.replies == [engine.reply(tokenizer, prompt).text.rstrip() for prompt in prompts], typed
        assert room.workspace_end + 16 <= kept.start, typed
        assert room.deepest_write is not None and room.deepest_write >= RUN_VARIABLES_STACK_LOW > kept.stop, typed


def test_the_48k_scratch_variables_in_membot_carry_nothing_from_turn_to_turn(engine_and_tokenizer):
    """The 48K player's scratch variables (build.py's SCRATCH_VARIABLES_48K, thirty-seventh round: attention.s's
    pointers and head variables, matvec.s's mv_w and mv_x, off the tape in the ROM calculator's MEMBOT) on the real 48
    BASIC ROM: they lie in MEMBOT, and with MEMBOT filled with other bytes before every turn (as BASIC's calculator
    or PRINT's block graphics may leave it), after LOAD "" and after "q" and RANDOMIZE USR typed (BASIC's own use of
    it between), every reply is the engine's: nothing there is read before the turn writes it. (A variable set once
    by the start, as planes.s's wp_x, fails here: checked by hand.)"""
    import numpy as np

    from soulterm.zx.build import SCRATCH_VARIABLES_48K, SCRATCH_VARIABLES_BYTES

    membot = range(0x5C92, 0x5CB0)                  # the calculator's memory area, mem-0..mem-5
    engine, tokenizer = engine_and_tokenizer
    built = built_player("48k")
    symbols = built.program.symbols
    assert symbols["SCRATCH_VARIABLES"] == SCRATCH_VARIABLES_48K and symbols["SCRATCH_VARIABLES_BYTES"] == SCRATCH_VARIABLES_BYTES
    scratch = range(SCRATCH_VARIABLES_48K, SCRATCH_VARIABLES_48K + SCRATCH_VARIABLES_BYTES)
    assert scratch.start >= membot.start and scratch.stop <= membot.stop
    assert all(symbols[name] in scratch for name in ("at_q", "at_count", "at_max", "at_fast_sp", "pl_planes", "mv_x"))
    machine = RealROMSpectrum(roms_for("48k"), "48k")
    machine.boot()
    machine.load_tape(built.tape)
    rng = np.random.default_rng(37)
    prompts = ("hello", "do you like music")
    for typed in (False, True):
        if typed:
            machine.type_line("q")
            assert machine.run(max_cycles=100_000_000, until_idle=True) == StopReason.IDLE
            basic_again("48k", machine, symbols["start"])
        for prompt in prompts:
            machine.memory[scratch.start:scratch.stop] = bytes(rng.integers(0, 256, len(scratch)).tolist())
            assert chat_turn(machine, prompt, symbols).reply == engine.reply(tokenizer, prompt).text.rstrip(), (
                typed, prompt)
