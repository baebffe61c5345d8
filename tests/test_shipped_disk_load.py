"""`LOAD"SOULPLAYER",8,1` then RUN, as on a real C64: the shipped floppy loads
through the KERNAL's LOAD from drive 8 and answers like the integer engine."""

from __future__ import annotations

from soulterm import paths
from soulterm.c64 import C64
from soulterm.c64.loader import parse_prg, sys_address
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer

from soulterm.asm import assemble

LOADER = """
    * = $C000
    LDA #$01
    LDX #$08
    LDY #$01            ; SETLFS 1,8,1: load to the file's own address
    JSR $FFBA
    LDA #$0A
    LDX #<name
    LDY #>name
    JSR $FFBD           ; SETNAM "SOULPLAYER"
    LDA #$00
    JSR $FFD5           ; LOAD
    BCS failed
    JMP START           ; RUN: the BASIC stub's SYS address
failed:
    BRK
name:
    .text "SOULPLAYER"
"""


def _loader(start: int) -> bytes:
    program = assemble(LOADER, defines={"START": start})
    return bytes([program.origin & 0xFF, program.origin >> 8]) + program.data


def test_load_soulplayer_8_1_then_run_answers(tmp_path):
    load, body = parse_prg(paths.DEFAULT_PRG.read_bytes())
    assert load == 0x0801
    start = sys_address(load, body)
    machine = C64()
    machine.mount(paths.DEFAULT_D64)
    machine.load_prg(_loader(start))
    machine.type_line("hello")
    reason = machine.run(max_cycles=80_000_000, until_idle=True)
    assert reason == "idle", machine.stop_message
    assert not machine.crashed          # the loader BRKs if LOAD reports an error
    screen = "\n".join(machine.screen_lines())
    want = Engine(load_soul(paths.DEFAULT_SOUL)).reply(
        Tokenizer.load(paths.DEFAULT_TOKENIZER), "hello").text
    assert want and f"you> hello\n{want}" in "\n".join(line.rstrip() for line in screen.splitlines())
