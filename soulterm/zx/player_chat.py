"""Chat with the soulplayer on a Spectrum, either ROM, and read each reply back from its screen.

Used by benchmarks/zx_real_rom.py and tests/test_zx_real_rom.py to run the
same turns on soulterm's high-level ROM (spectrum.Spectrum) and on the real
Sinclair ROMs (real_rom.RealROMSpectrum).

A turn: the line typed, then its T-states from the player's `reply` (the
line read, ENTER taken) to its next `read_line` (the reply printed, the
border back, "you> " printed): the same span on both machines, whatever
the keyboard's timing. The reply is read from the screen: the lines after
the typed line's echo up to the new "you>" prompt, the ROM's wraps at
column 32 joined.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from soulterm.c64.c64 import StopReason
from soulterm.paths import ZX_MAP_SUFFIX

from .ula import COLUMNS

PROMPT = "you> "
TURN_CYCLES = 600_000_000        # a turn's budget: a full context's reply is ~60M T-states


@dataclass
class Turn:
    prompt: str                  # as typed (DELETE as "\b")
    reply: str | None            # as read from the screen; None where the screen lost it
    t_states: int                # from `reply` to the next `read_line`


def shown(text: str) -> str:
    """A typed line as its echo shows it: each DELETE ("\\b") rubs out the character before it."""
    out: list[str] = []
    for character in text:
        if character == "\b":
            if out:
                out.pop()
        else:
            out.append(character)
    return "".join(out)


def lines_taken(text: str) -> int:
    """The screen lines a printed text takes (the ROM wraps past column 31; a full line and ENTER: one line)."""
    return max(1, -(-len(text) // COLUMNS))


def reply_on_screen(lines: list[str], prompt: str) -> str | None:
    """The reply after the last echo of `prompt` on the screen, the new prompt after it; None
    where either is not there (scrolled away, or the screen is not the player's)."""
    ends = [row for row, line in enumerate(lines) if line.rstrip() == PROMPT.rstrip()]
    if not ends:
        return None
    end = ends[-1]
    echo = PROMPT + shown(prompt)
    first = next((row for row in range(end - 1, -1, -1) if lines[row].startswith(PROMPT)), None)
    if first is None or "".join(lines[first:first + lines_taken(echo)]).rstrip() != echo.rstrip():
        return None
    body = lines[first + lines_taken(echo):end]
    return "".join(line.ljust(COLUMNS) for line in body).rstrip()


def player_symbols(tape_path) -> dict[str, int]:
    """The symbols of the map beside a built tape (`soulterm build` writes NAME-zx.map.json with NAME.tap)."""
    tape_path = os.fspath(tape_path)
    map_path = os.path.splitext(tape_path)[0] + ZX_MAP_SUFFIX
    with open(map_path, encoding="utf-8") as handle:
        return json.load(handle)["symbols"]


def chat_turn(machine, prompt: str, symbols: dict[str, int], max_cycles: int = TURN_CYCLES) -> Turn:
    """Type `prompt` and ENTER, run the reply, read it from the screen (module doc)."""
    machine.type_line(prompt)
    for mark in ("reply", "read_line"):
        if mark == "read_line":
            start = machine.cycles
        reason = machine.run(max_cycles=max_cycles, breakpoints=[symbols[mark]])
        if reason != StopReason.BREAKPOINT:
            raise RuntimeError(f"{prompt!r}: the player never reached {mark} ({reason}: "
                               f"{machine.stop_message or 'no message'})")
    t_states = machine.cycles - start
    reason = machine.run(max_cycles=max_cycles, until_idle=True)
    if reason != StopReason.IDLE:
        raise RuntimeError(f"{prompt!r}: the player did not wait for the next line ({reason}: "
                           f"{machine.stop_message or 'no message'})")
    return Turn(prompt, reply_on_screen(machine.screen_lines(), prompt), t_states)


STKEND = 0x5C65                  # the ROM's end of its workspace and calculator stack (a system variable)
MARK_BYTE = 0xA5                 # what basic_room_in_turns writes where it watches


@dataclass
class BasicRoom:
    workspace_end: int           # STKEND while the player waits for a line: BASIC's workspace below it
    stack_at_wait: int           # SP there
    deepest_write: int | None    # the lowest byte of [workspace_end, stack_at_wait) written in the turns, None: none
    replies: list                # the turns' replies as read from the screen


def basic_room_in_turns(machine, prompts, symbols: dict[str, int], kept: range = range(0)) -> BasicRoom:
    """How deep the machine stack reaches below BASIC's, in `prompts`' turns on a real ROM (the 48K's run-time
    variables lie between: build.py's RUN_VARIABLES_48K): with the player waiting for a line, [STKEND, SP) less
    `kept` (the variables themselves) marked, the turns run, then the lowest marked byte written."""
    workspace_end = machine.memory[STKEND] | machine.memory[STKEND + 1] << 8
    stack = machine.cpu.sp
    watched = [address for address in range(workspace_end, stack) if address not in kept]
    for address in watched:
        machine.memory[address] = MARK_BYTE
    replies = [chat_turn(machine, prompt, symbols).reply for prompt in prompts]
    written = [address for address in watched if machine.memory[address] != MARK_BYTE]
    return BasicRoom(workspace_end, stack, min(written) if written else None, replies)
