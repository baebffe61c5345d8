"""The shipped soulplayer as a real C64 runs it: RUN/STOP+RESTORE, RETURN after the input, keys while computing."""

from __future__ import annotations

import json
import random

import pytest

from soulterm.c64 import C64
from soulterm.paths import DEFAULT_MAP, DEFAULT_PRG

BASIC_POINTERS = range(0x2D, 0x33)      # VARTAB, ARYTAB, STREND: set past the stub on the way out


@pytest.fixture(scope="module")
def symbols():
    return json.loads(DEFAULT_MAP.read_text())["symbols"]


def started() -> tuple[C64, bytes]:
    """The shipped PRG at its prompt; zero page $02-$8F filled as BASIC would leave it."""
    m = C64()
    m.load_prg(DEFAULT_PRG.read_bytes())
    rng = random.Random(12)
    for address in range(0x02, 0x90):
        if address not in (0x2B, 0x2C) and address not in BASIC_POINTERS:
            m.ram[address] = rng.randrange(256)
    basic_zero_page = bytes(m.ram[0x02:0x90])
    assert m.run(max_cycles=10_000_000, until_idle=True) == "idle"
    return m, basic_zero_page


def assert_back_in_basic(m: C64, basic_zero_page: bytes) -> None:
    assert m.last_stop == "halted" and not m.crashed, m.stop_message
    lines = [line.rstrip() for line in m.screen_lines()]
    assert lines[0] == "READY." and not any(lines[1:])       # the KERNAL's warm start cleared the screen
    assert m.ram[0x01] == 0x37                              # BASIC, I/O and KERNAL banked in
    assert (m.ram[0x0318], m.ram[0x0319]) == (0x47, 0xFE)   # the KERNAL's NMI vector
    after = bytes(m.ram[0x02:0x90])
    assert [i + 2 for i, (a, b) in enumerate(zip(after, basic_zero_page))
            if a != b and i + 2 not in BASIC_POINTERS] == []


def test_run_stop_restore_at_the_prompt_leaves_to_basic():
    m, basic_zero_page = started()
    m.type_text("{run/stop+restore}")
    m.run(max_cycles=1_000_000, until_idle=True)
    assert_back_in_basic(m, basic_zero_page)


def test_run_stop_restore_while_computing_leaves_to_basic(symbols):
    m, basic_zero_page = started()
    m.type_line("hello")
    m.run(max_cycles=1_500_000)                             # well into the first token
    assert m.cpu.p & 0x04 and m.ram[0x01] == 0x34           # computing: interrupts off, KERNAL and I/O out
    assert m.ram[0xC6] == 0
    m.type_text("x")                                        # not scanned while it computes
    m.run(max_cycles=100_000)
    assert m.ram[0xC6] == 0 and m.kernal.pending_keys == [0x58]
    m.press_restore(run_stop=True)
    m.run(max_cycles=1_000_000)
    assert_back_in_basic(m, basic_zero_page)


def test_restore_alone_is_ignored_and_q_still_quits():
    m, _ = started()
    m.type_text("{restore}")
    m.run(max_cycles=100_000, until_idle=True)
    assert m.last_stop == "idle" and m.screen_lines()[-1].startswith("you>") or \
        any(line.startswith("you>") for line in m.screen_lines())
    m.type_line("q")
    assert m.run(max_cycles=1_000_000, until_idle=True) == "halted" and not m.crashed
    assert "bye." in "".join(m.screen_lines())
    assert (m.ram[0x0318], m.ram[0x0319]) == (0x47, 0xFE)   # the program put the vector back


def test_the_reply_starts_below_the_input_and_type_ahead_waits_for_the_prompt():
    m, _ = started()
    m.type_line("hello")
    m.run(max_cycles=1_500_000)
    m.type_line("q")                                        # typed while the reply is computed
    assert m.run(max_cycles=200_000_000, until_idle=True) == "halted"
    lines = [line.rstrip() for line in m.screen_lines()]
    row = lines.index("you> hello")
    reply = lines[row + 1]
    assert reply and not reply.startswith("you>")           # the program printed its own RETURN
    assert "you> q" in lines and "bye." in lines            # the type-ahead was read at the next prompt


def _reply_to(m: C64, prompt: str) -> str:
    m.type_line(prompt)
    assert m.run(max_cycles=200_000_000, until_idle=True) == "idle"
    lines = [line.rstrip() for line in m.screen_lines()]
    return lines[lines.index(f"you> {prompt}") + 1]


def test_run_stop_restore_while_the_openers_are_saved_leaves_them_to_the_next_run(symbols):
    """The first RUN after LOAD saves position 1 of each opener; cut short, it is done again."""
    saved = symbols["openers_saved"]
    m = C64()
    m.load_prg(DEFAULT_PRG.read_bytes())
    m.run(max_cycles=2_000_000)                             # past the tables, into the openers
    assert m.ram[saved] == 0 and m.cpu.p & 0x04 and m.ram[0x01] == 0x34
    m.press_restore(run_stop=True)
    assert m.run(max_cycles=1_000_000) == "halted" and not m.crashed
    assert m.ram[saved] == 0
    m.run_again()                                           # RUN: the BASIC stub's SYS
    assert str(m.run(max_cycles=10_000_000, until_idle=True)).endswith("idle"), m.stop_message
    assert m.ram[saved] == 1
    fresh, _ = started()
    assert _reply_to(m, "what is your name") == _reply_to(fresh, "what is your name")
