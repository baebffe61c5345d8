"""The 128K's squares table made by its first start (thirty-first round, zxtape31; kernels/z80/squaresfirst.s,
build.tape_main_block): the tape's main block carries the block's last 1,023 bytes in the table's place, ends 1,023
bytes sooner, and squares_first (on the tape in z) moves them back and writes the table before rn_swap_squares reads
it. After the tape's first start, the program's bytes stand where the tape left others, byte for byte, for the
shipped soul and random ones; the start's call is rn_swap_squares' again; a second start leaves them; the turns are
the engine's; the header's bytes and T-states; a broken builder fails."""

from __future__ import annotations

import re

import pytest

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER, KERNELS_DIR
from soulterm.soul.soulfile import save_soul
from soulterm.zx import Spectrum, paging, tap
from soulterm.zx.build import (ORIGINS, SQUARES_BYTES, SQUARES_FIRST_HOME, assemble_spectrum_player, squares_first,
                               tape_main_block)


@pytest.fixture(scope="module")
def built():
    return assemble_spectrum_player(DEFAULT_SOUL, DEFAULT_TOKENIZER, "128k")


def main_block(image: bytes) -> bytes:
    return tap.files(tap.decode_blocks(image))[-1].data


def first_start(image: bytes) -> Spectrum:
    """The tape loaded and its start run to the first prompt."""
    machine = Spectrum()
    machine.load_tap(image)
    assert machine.run(max_cycles=600_000_000, until_idle=True) == "idle", machine.stop_message
    return machine


def reference_tape(built) -> bytes:
    """The tape as before the round: the program's own bytes in the main block (no builder)."""
    program = built.program
    return tap.write_tap("soulpl128", program.data, ORIGINS["128k"], entry=program.symbols["start"], banks=built.banks)


FRAMES = 0x5C78         # the ROM's frame count (3 bytes): the builder's ~80,000 T-states take a frame or two longer


def ram(machine) -> bytes:
    """All of the 128K's RAM (the eight banks), FRAMES as 0."""
    banks = [bytearray(machine.bank(bank)) for bank in range(8)]
    banks[5][FRAMES - 0x4000:FRAMES - 0x4000 + 3] = bytes(3)      # (bank 5: $4000-$7FFF)
    return b"".join(map(bytes, banks))


def test_the_tape_carries_the_tail_in_the_tables_place_and_is_shorter(built):
    program, sym = built.program, built.program.symbols
    block = main_block(built.tape)
    assert len(block) == len(program.data) - SQUARES_BYTES == len(tape_main_block(program))
    table = sym["mv_sq_lo"] - program.origin
    assert block[table:table + SQUARES_BYTES] == program.data[-SQUARES_BYTES:]
    assert sym["mv_sq_hi"] + 511 - sym["mv_sq_lo"] == SQUARES_BYTES
    home = sym[SQUARES_FIRST_HOME] - program.origin
    builder = squares_first(program)
    assert block[home:home + len(builder.data)] == builder.data and builder.origin == sym[SQUARES_FIRST_HOME]
    call = sym["start_squares_call"] - program.origin
    assert block[call:call + 3] == bytes([0xCD]) + builder.symbols["squares_first"].to_bytes(2, "little")
    differ = [at for at in range(len(block)) if block[at] != program.data[at]]
    assert all(table <= at < table + SQUARES_BYTES or home <= at < home + len(builder.data) or call < at < call + 3
               for at in differ)


def test_the_first_start_leaves_the_programs_bytes_and_a_later_start_keeps_them(built):
    program, sym = built.program, built.program.symbols
    machine, reference = first_start(built.tape), first_start(reference_tape(built))
    assert ram(machine) == ram(reference)
    table = sym["mv_sq_lo"]
    assert bytes(machine.memory[table:table + SQUARES_BYTES]) == program.data[table - program.origin:][:SQUARES_BYTES]
    call = sym["start_squares_call"]
    assert bytes(machine.memory[call:call + 3]) == bytes([0xCD]) + sym["rn_swap_squares"].to_bytes(2, "little")
    machine.type_line("q")
    assert machine.run(max_cycles=600_000_000) == "halted" and not machine.crashed
    reference.type_line("q")
    assert reference.run(max_cycles=600_000_000) == "halted"
    for each in (machine, reference):     # (RANDOMIZE USR start again: the program's own call, no builder)
        each.stop_message = ""
        each.call(sym["start"])
        assert each.run(max_cycles=600_000_000, until_idle=True) == "idle", each.stop_message
        each.type_line("what is your name")
        assert each.run(max_cycles=600_000_000, until_idle=True) == "idle", each.stop_message
    assert ram(machine) == ram(reference)


@pytest.mark.parametrize("seed", [5, 31])
def test_a_random_souls_tape_makes_its_programs_bytes(seed, tmp_path):
    from conftest import random_soul

    path = tmp_path / "soul.bin"
    save_soul(random_soul(seed), path)
    built = assemble_spectrum_player(path, DEFAULT_TOKENIZER, "128k")
    assert len(main_block(built.tape)) == len(built.program.data) - SQUARES_BYTES
    assert ram(first_start(built.tape)) == ram(first_start(reference_tape(built)))


def test_the_tapes_turns_are_the_engines(built):
    from conftest import play_zx_prompts

    play_zx_prompts(built.tape, ["hello", "how are you"], "soulplayer 128")


def test_the_header_states_the_builders_bytes_and_t_states(built):
    program = built.program
    text = " ".join(line.lstrip("; ") for line in (KERNELS_DIR / "z80" / "squaresfirst.s").read_text().splitlines()
                    if line.startswith(";"))
    builder = squares_first(program)
    size = builder.symbols["squares_first_end"] - builder.symbols["squares_first"]
    assert re.search(rf"\b{size} bytes\b", text)
    from soulterm.zx.kernelbench import Z80Bench

    bench = Z80Bench(program=program, stack_top=ORIGINS["128k"], trap=0xFFF0)
    bench.poke(program.origin, tape_main_block(program))
    bench.poke(builder.origin, builder.data)
    cost = bench.call(builder.symbols["squares_first"], max_t_states=2_000_000)
    assert bench.peek(program.symbols["mv_sq_lo"], SQUARES_BYTES) == program.data[
        program.symbols["mv_sq_lo"] - program.origin:][:SQUARES_BYTES]
    cost -= bench.call(program.symbols["rn_swap_squares"])     # (where it jumps: the start's call's own work)
    assert f"{cost:,} T-states" in text


def test_a_broken_builder_fails(built):
    """The high bytes' page step (one inc d as a nop) and the pad byte left (xor a as ld a,$FF's first byte) each
    leave another table."""
    program, sym = built.program, built.program.symbols
    block = main_block(built.tape)
    home = sym[SQUARES_FIRST_HOME] - program.origin
    builder = squares_first(program)
    for pattern, patch in ((bytes([0x14, 0x14, 0x04]), bytes([0x00])), (bytes([0xAF, 0x32]), None)):
        broken = bytearray(block)
        where = home + builder.data.index(pattern)
        if patch is None:       # (xor a -> scf: A keeps the last low byte, S(255)'s, 1)
            broken[where] = 0x37
        else:
            broken[where:where + 1] = patch
        machine = Spectrum()
        fixed = tap.encode_blocks([tap.Block(b.flag, b.data) for b in tap.decode_blocks(built.tape)][:-1]
                                  + [tap.Block(tap.DATA_FLAG, bytes(broken))])
        machine.load_tap(fixed)
        machine.run(max_cycles=100_000_000, until_idle=True)
        table = sym["mv_sq_lo"]
        assert bytes(machine.memory[table:table + SQUARES_BYTES]) != program.data[table - program.origin:][:SQUARES_BYTES]
