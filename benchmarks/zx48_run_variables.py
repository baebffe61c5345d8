"""Where the 48K player's run-time variables can lie below its program: BASIC's workspace and the machine stack
on the real Sinclair ROMs (thirty-fifth round, zx48room35: build.py's RUN_VARIABLES_48K).

    SOULTERM_ZX_ROMS=/tmp/zxroms python benchmarks/zx48_run_variables.py

The 48K tape is built from the source and loaded four ways (a 48K's LOAD "", then "q" and RANDOMIZE USR typed; a
128K's "Tape Loader", then "q" and RANDOMIZE USR typed in 128 BASIC); at each first line's wait it prints the end
of BASIC's workspace (STKEND), SP, and the lowest byte below SP that three turns write (player_chat.basic_room_in_turns),
against the variables' bytes (RUN_VARIABLES_48K, RUN_VARIABLES_BYTES) and the stack's deepest the build assumes.
"""

from __future__ import annotations

import os
import sys

from soulterm.c64.c64 import StopReason
from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.zx.build import (RUN_VARIABLES_48K, RUN_VARIABLES_BYTES, RUN_VARIABLES_STACK_LOW,
                               assemble_spectrum_player)
from soulterm.zx.player_chat import basic_room_in_turns
from soulterm.zx.real_rom import RealROMSpectrum, load_roms
from soulterm.zx.ula import CAPS_SHIFT, ENTER, SYMBOL_SHIFT

TURNS = ("hello", "tell me a story about the sea and the sky and a small boat", "do you like music")


def main() -> int:
    roms = os.environ.get("SOULTERM_ZX_ROMS")
    if not roms:
        print("set SOULTERM_ZX_ROMS to a folder with 48.rom, 128-0.rom and 128-1.rom", file=sys.stderr)
        return 2
    built = assemble_spectrum_player(DEFAULT_SOUL, DEFAULT_TOKENIZER, "48k")
    symbols = built.program.symbols
    kept = range(RUN_VARIABLES_48K, RUN_VARIABLES_48K + RUN_VARIABLES_BYTES)
    print(f"run-time variables ${kept.start:04X}-${kept.stop - 1:04X}; the stack's deepest assumed "
          f"${RUN_VARIABLES_STACK_LOW:04X}")

    def show(path, machine):
        room = basic_room_in_turns(machine, TURNS, symbols, kept)
        deepest = "none" if room.deepest_write is None else f"${room.deepest_write:04X}"
        print(f"{path:<34} workspace to ${room.workspace_end:04X}, SP ${room.stack_at_wait:04X}, deepest {deepest}")

    def typed_again(machine, model):
        machine.type_line("q")
        machine.run(max_cycles=100_000_000, until_idle=True)
        if model == "48k":
            machine.press_keys([{"t"}, {CAPS_SHIFT, SYMBOL_SHIFT}, {"l"}])
            machine.type_text(f"{symbols['start']}\r")
        else:
            machine.press_keys([{"r"}])
            machine.run(max_cycles=100_000_000, until_idle=True)
            machine.press_keys([{CAPS_SHIFT, "6"}, {ENTER}])
            machine.run(max_cycles=100_000_000, until_idle=True)
            machine.type_text(f"randomize usr {symbols['start']}\r")
        assert machine.run(max_cycles=300_000_000, until_idle=True) == StopReason.IDLE

    machine = RealROMSpectrum(load_roms(roms, "48k"), "48k")
    machine.boot()
    machine.load_tape(built.tape)
    show("48K: LOAD \"\"", machine)
    typed_again(machine, "48k")
    show("48K: RANDOMIZE USR typed", machine)
    machine = RealROMSpectrum(load_roms(roms, "128k"), "128k")
    machine.boot()
    machine.tape.insert(built.tape)
    machine.press_keys([{ENTER}])
    assert machine.run(max_cycles=300_000_000, until_idle=True) == StopReason.IDLE
    show("128K: Tape Loader", machine)
    typed_again(machine, "128k")
    show("128K: RANDOMIZE USR typed (128 BASIC)", machine)
    return 0


if __name__ == "__main__":
    sys.exit(main())
