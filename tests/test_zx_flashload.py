"""The real-ROM Spectrum's tape deck (soulterm.zx.flashload): LD-BYTES's result made at once, as the
ROM's own loop would make it, and the typist's keys (soulterm.zx.typist). No ROM image is needed:
the machine runs nothing here but the trap (blank 16K images stand for the ROMs)."""

from __future__ import annotations

import pytest

from soulterm.zx import tap
from soulterm.zx.flashload import CARRY, LD_BYTES, TapeEnded, raw_blocks
from soulterm.zx.real_rom import RealROMSpectrum
from soulterm.zx.rom import ROM_SIZE, SYSVARS
from soulterm.zx.typist import HOLD_FRAMES, RELEASE_FRAMES, Typist

RETURN_TO = 0x8000


def machine_at_ld_bytes(image: bytes) -> RealROMSpectrum:
    machine = RealROMSpectrum([bytes(ROM_SIZE)])
    machine.tape.insert(image)
    machine.memory[SYSVARS["BORDCR"]] = 5 << 3       # (SA/LD-RET puts the border back from it)
    return machine


def ld_bytes(machine, flag: int, address: int, length: int, load: bool = True) -> tuple[bool, int]:
    """Call LD-BYTES as LD-BLOCK does; (carry: success, A)."""
    cpu = machine.cpu
    cpu.sp = 0xFF00
    machine.push(RETURN_TO)
    cpu.pc, cpu.a, cpu.f, cpu.ix, cpu.de = LD_BYTES, flag, CARRY if load else 0, address, length
    machine.tape.ld_bytes(machine)
    assert cpu.pc == RETURN_TO and cpu.sp == 0xFF00 and cpu.iff1 and machine.ula.border == 5
    return bool(cpu.f & CARRY), cpu.a


def test_a_block_loads_where_ix_says_and_the_tape_moves_on_a_block_a_call():
    image = tap.encode_blocks([tap.Block(0x00, bytes(range(17))), tap.Block(0xFF, b"hello")])
    machine = machine_at_ld_bytes(image)
    assert ld_bytes(machine, 0xFF, 0x9000, 17)[0] is False             # a header where data was wanted
    assert machine.memory[0x9000:0x9011] == bytes(17) and machine.tape.position == 1
    assert ld_bytes(machine, 0xFF, 0x9000, 5) == (True, 0)
    assert machine.memory[0x9000:0x9005] == b"hello" and machine.cpu.ix == 0x9005 and machine.cpu.de == 0
    with pytest.raises(TapeEnded):
        ld_bytes(machine, 0xFF, 0x9000, 5)


def test_verify_length_checksum_and_the_rom_are_the_roms_loops():
    image = tap.encode_blocks([tap.Block(0xFF, b"hello")] * 4)
    bad = bytearray(image)
    bad[-1] ^= 1                                                        # the last block's checksum
    machine = machine_at_ld_bytes(bytes(bad))
    machine.memory[0x9000:0x9005] = b"hellp"
    assert ld_bytes(machine, 0xFF, 0x9000, 5, load=False)[0] is False   # VERIFY: a byte differs
    assert machine.memory[0x9000:0x9005] == b"hellp"
    assert ld_bytes(machine, 0xFF, 0xC000, 4)[0] is False               # longer than DE: "o" taken as the checksum
    assert machine.memory[0xC000:0xC005] == b"hell\x00"
    assert ld_bytes(machine, 0xFF, 0xA000, 7)[0] is False               # shorter: its checksum loaded as data
    assert machine.memory[0xA000:0xA006] == b"hello" + bytes([tap.checksum(0xFF, b"hello")])
    assert ld_bytes(machine, 0xFF, 0xB000, 5)[0] is False               # the bad checksum
    assert machine.memory[0xB000:0xB005] == b"hello"
    assert ld_bytes(machine_at_ld_bytes(image), 0xFF, 0x3FFE, 5)[0] is True   # (the ROM's addresses keep theirs)
    assert [block.flag for block in raw_blocks(bytes(bad))] == [0xFF] * 4


def test_the_typist_holds_each_key_and_lets_go_long_enough_for_the_rom_to_free_its_set():
    typist = Typist()
    typist.press({"l"})
    typist.press({"l"})
    frames = [typist.next_frame() for _ in range(2 * (HOLD_FRAMES + RELEASE_FRAMES))]
    assert frames == ([frozenset({"l"})] * HOLD_FRAMES + [frozenset()] * RELEASE_FRAMES) * 2
    assert typist.idle and RELEASE_FRAMES > 5 and HOLD_FRAMES < 35       # (KSTATE's 5; REPDEL's 35)
