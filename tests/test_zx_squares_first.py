"""What the 128K's first start makes that its tape leaves out (thirty-first round, zxtape31; kernels/z80/squaresfirst.s,
build.tape_main_block): the tape's main block leaves holes where matvec's squares table and bank 0's copy of
fc1planes.s lie, carries its last bytes in them and ends that much sooner; squares_first (on the tape in z) moves them
back, copies bank 4's fc1planes.s into bank 0 and patches its differing bytes, and writes the table before
rn_swap_squares reads it. After the tape's first start every bank's bytes are those a tape of the program's own bytes
leaves (the shipped soul and random ones), after a turn and a second start too; the start's call is rn_swap_squares'
again; the turns are the engine's; the header's bytes and T-states; a broken builder fails."""

from __future__ import annotations

import re

import pytest

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER, KERNELS_DIR
from soulterm.soul.soulfile import save_soul
from soulterm.zx import Spectrum, paging, tap
from soulterm.zx.build import (ORIGINS, SQUARES_BYTES, SQUARES_FIRST_HOME, SQUARES_FIRST_ROOM, assemble_spectrum_player, data_bank_block,
                               squares_first, tape_holes, tape_main_block, tape_moves)


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
STACK_DEAD = 128        # the stack's bytes below SP counted dead: deeper than the player's calls and an interrupt's push


def ram(machine) -> bytes:
    """All of the 128K's RAM (the eight banks), FRAMES as 0 and the STACK_DEAD bytes below SP as 0: the builder's
    longer start moves where the interrupts fall, and each leaves its PC below the stack (zxroom31's layout: an
    interrupt's return address 12 bytes below the prompt's SP)."""
    banks = [bytearray(machine.bank(bank)) for bank in range(8)]
    banks[5][FRAMES - 0x4000:FRAMES - 0x4000 + 3] = bytes(3)      # (bank 5: $4000-$7FFF)
    sp = machine.cpu.sp
    assert FRAMES + 3 <= sp - STACK_DEAD and sp <= ORIGINS["128k"]
    banks[5][sp - STACK_DEAD - 0x4000:sp - 0x4000] = bytes(STACK_DEAD)
    return b"".join(map(bytes, banks))


def at_the_prompt(machine) -> bool:
    """Whether the machine stopped with SP where the player's prompt keeps it (ram's reading); a broken start
    may stop elsewhere, a difference too (zxwalk32's layout: test_a_broken_builder_fails' high bytes' page step
    as a nop stops with SP at $AE5C and PC in the ROM, $0250)."""
    sp = machine.cpu.sp
    return FRAMES + 3 <= sp - STACK_DEAD and sp <= ORIGINS["128k"]


def test_the_tape_carries_the_runs_past_its_end_in_the_holes_and_is_shorter(built):
    program, sym = built.program, built.program.symbols
    data_bank = data_bank_block(built.banks)
    holes = tape_holes(program)
    assert holes == [(sym["mv_sq_lo"], SQUARES_BYTES), (sym["fg_x"], sym["fg_code_end"] - sym["fg_x"])]
    assert sym["mv_sq_hi"] + 511 - sym["mv_sq_lo"] == SQUARES_BYTES and sym["fg_x"] >= paging.PAGED_START
    block = main_block(built.tape)
    end = program.end - sum(length for _, length in holes)
    assert len(block) == end - program.origin == len(tape_main_block(program, data_bank))
    moved = 0
    for source, target, length in tape_moves(program):
        assert any(at <= source and source + length <= at + hole for at, hole in holes) and target >= end
        assert block[source - program.origin:][:length] == program.data[target - program.origin:][:length]
        moved += length
    assert moved == program.end - end - sum(max(0, at + hole - max(at, end)) for at, hole in holes)
    home = sym[SQUARES_FIRST_HOME] - program.origin
    builder = squares_first(program, data_bank)
    assert block[home:home + len(builder.data)] == builder.data and builder.origin == sym[SQUARES_FIRST_HOME]
    call = sym["start_squares_call"] - program.origin
    assert block[call:call + 3] == bytes([0xCD]) + builder.symbols["squares_first"].to_bytes(2, "little")
    in_hole = lambda at: any(0 <= at + program.origin - hole < length for hole, length in holes)  # noqa: E731
    assert all(in_hole(at) or home <= at < home + len(builder.data) or call < at < call + 3
               for at in range(len(block)) if block[at] != program.data[at])


def test_the_first_start_leaves_the_programs_bytes_and_a_later_start_keeps_them(built):
    program, sym = built.program, built.program.symbols
    machine, reference = first_start(built.tape), first_start(reference_tape(built))
    assert ram(machine) == ram(reference)
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
    holes = tape_holes(built.program)
    assert len(main_block(built.tape)) == len(built.program.data) - sum(length for _, length in holes)
    assert ram(first_start(built.tape)) == ram(first_start(reference_tape(built)))


def test_the_tapes_turns_are_the_engines(built):
    from conftest import play_zx_prompts

    play_zx_prompts(built.tape, ["hello", "how are you"], "soulplayer 128")


def test_the_header_states_the_builders_bytes_and_t_states(built):
    """On the player's bench (the tape's main block and banks): squares_first leaves the program's bytes in the holes
    and past the block's end; its T-states less rn_swap_squares' call alone are the header's."""
    from soulterm.zx.kernelbench import PLAYER_TRAP, Z80Bench

    program = built.program
    text = " ".join(line.lstrip("; ") for line in (KERNELS_DIR / "z80" / "squaresfirst.s").read_text().splitlines()
                    if line.startswith(";"))
    data_bank = data_bank_block(built.banks)
    builder = squares_first(program, data_bank)
    size = builder.symbols["squares_first_end"] - builder.symbols["squares_first"]
    assert re.search(rf"\b{size} bytes\b", text)
    bench = Z80Bench(program=program, stack_top=ORIGINS["128k"], trap=PLAYER_TRAP, banks=built.banks)
    block = tape_main_block(program, data_bank)
    bench.poke(program.origin, block + bytes(0x10000 - program.origin - len(block)))
    cost = bench.call(builder.symbols["squares_first"], max_t_states=2_000_000)
    assert bench.peek(program.origin, len(program.data)) != program.data        # (z: the builder)
    home, end = program.symbols[SQUARES_FIRST_HOME], program.end
    assert bench.peek(program.origin, home - program.origin) == program.data[:home - program.origin]
    assert bench.peek(home + SQUARES_FIRST_ROOM, end - home - SQUARES_FIRST_ROOM) == \
        program.data[home + SQUARES_FIRST_ROOM - program.origin:]
    cost -= bench.call(program.symbols["rn_swap_squares"])     # (where it jumps: the start's call's own work)
    assert f"{cost:,} T-states" in text


def test_a_broken_builder_fails(built):
    """The high bytes' page step (one inc d as a nop), the pad byte (xor a as scf: A keeps S(255)'s low byte, 1) and
    the bank copy's page (bank 4's out as bank 0's: bank 0's bytes copied onto themselves) each leave other bytes."""
    program, sym = built.program, built.program.symbols
    block = main_block(built.tape)
    reference = ram(first_start(reference_tape(built)))
    home = sym[SQUARES_FIRST_HOME] - program.origin
    builder = squares_first(program, data_bank_block(built.banks))
    data_page = bytes([0x3E, sym["ZX_PAGE_ROM_48"] | sym["ZX_DATA_BANK"], 0xED, 0x79])
    for pattern, patch in ((bytes([0x14, 0x14, 0x04]), bytes([0x00])), (bytes([0xAF, 0x32]), bytes([0x37])),
                           (data_page, bytes([0x3E, sym["ZX_PAGE_ROM_48"]]))):
        broken = bytearray(block)
        where = home + builder.data.index(pattern)
        broken[where:where + len(patch)] = patch
        machine = Spectrum()
        blocks = tap.decode_blocks(built.tape)[:-1] + [tap.Block(tap.DATA_FLAG, bytes(broken))]
        machine.load_tap(tap.encode_blocks(blocks))
        machine.run(max_cycles=100_000_000, until_idle=True)
        assert not at_the_prompt(machine) or ram(machine) != reference, pattern
