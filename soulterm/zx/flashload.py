"""The tape deck of the real-ROM Spectrum (real_rom.py): a .tap played into the ROM's LD-BYTES.

Emulators "flash-load": when the Z80 reaches LD-BYTES ($0556 in the 48 BASIC
ROM and in the 128's ROM 1) the next block on the tape is taken whole and the
routine's result made at once, as its own loop would have made it bit by bit:

    entry   A = the flag byte wanted ($00 header, $FF data), IX = where to,
            DE = how many bytes, carry set = LOAD, clear = VERIFY
    the ROM's loop, one block as the tape carries it (tap.py: flag, data,
    checksum):
        flag byte   read first; not A: the block is passed over, nothing is
                    written, carry clear
        DE bytes    each written at IX (LOAD) or compared with it (VERIFY: the
                    first that differs ends it, carry clear), IX up, DE down
        one byte    more, the checksum: the parity (XOR of the flag, the bytes
                    and it) must be 0 (`ld a,h / cp 1`: carry set if so)
    A block longer than DE: the byte after the DE bytes stands for the
    checksum (the rest of the block passes by); shorter: its checksum is
    taken as a data byte and the edge never comes (carry clear, the bytes so
    far written). Either way the tape is at the next block.
    exit    through SA/LD-RET ($053F): the border back from BORDCR, EI, RET;
            A = the parity, carry set = success

A tape that has run out stops the machine (the ROM would wait for an edge
forever, or until BREAK). No T-states are counted for a load: it is instant,
as on any emulator's flash load (tap.load_seconds says how long a real one is).
"""

from __future__ import annotations

from dataclasses import dataclass

from .rom import SYSVARS

LD_BYTES = 0x0556
LD_BYTES_OPENING = bytes([0x14, 0x08, 0x15, 0xF3])   # inc d / ex af,af' / dec d / di: the ROM's own
CARRY, ZERO = 0x01, 0x40


class TapeEnded(Exception):
    """LD-BYTES was called with no block left on the tape."""


@dataclass
class RawBlock:
    """A tape block as recorded: flag, data and checksum byte, none of them checked."""

    flag: int
    data: bytes
    checksum: int


def raw_blocks(image: bytes) -> list[RawBlock]:
    """The blocks of a .tap image as the tape carries them (a bad checksum is the ROM's to find);
    ValueError for an image cut off in a block."""
    blocks, position = [], 0
    while position < len(image):
        length = int.from_bytes(image[position:position + 2], "little")
        body = image[position + 2:position + 2 + length]
        if length < 2 or len(body) < length:
            raise ValueError(f"tape block {len(blocks) + 1} is cut off or shorter than a flag and checksum")
        blocks.append(RawBlock(body[0], bytes(body[1:-1]), body[-1]))
        position += 2 + length
    return blocks


class TapeDeck:
    """A .tap in the deck, played a block a call of LD-BYTES (module doc)."""

    def __init__(self, image: bytes = b""):
        self.blocks = raw_blocks(image)
        self.position = 0                # the next block under the head
        self.loaded: list[tuple[int, int, int, bool]] = []   # (flag, IX, DE, success) a call

    def insert(self, image: bytes) -> None:
        self.blocks = raw_blocks(image)
        self.position = 0

    def ld_bytes(self, machine) -> None:
        """Run LD-BYTES on `machine` (its PC at LD_BYTES, the caller's return address on the stack)."""
        cpu, memory = machine.cpu, machine.memory
        if self.position >= len(self.blocks):
            raise TapeEnded("LD-BYTES waits for a tape block: the tape has ended")
        block = self.blocks[self.position]
        self.position += 1
        wanted, load = cpu.a, bool(cpu.f & CARRY)
        address, length = cpu.ix, cpu.de
        success, parity = False, 1
        if block.flag == wanted:
            carried = block.data + bytes([block.checksum])     # what follows the flag on the tape
            parity = block.flag
            done = 0
            matched = True
            for done in range(min(length, len(carried))):
                byte = carried[done]
                target = (address + done) & 0xFFFF
                if load:
                    machine.write_ram(target, byte)
                elif memory[target] != byte:
                    matched = False
                    break
                parity ^= byte
            else:
                done = min(length, len(carried))
            if matched and length < len(carried):
                parity ^= carried[length]          # the byte after DE bytes: the ROM's checksum
                success = parity == 0
            address, length = (address + done) & 0xFFFF, length - done
        self.loaded.append((wanted, cpu.ix, cpu.de, success))
        cpu.ix, cpu.de = address, length
        cpu.a = 0 if success else (parity or 1)
        cpu.f = CARRY if success else (ZERO if cpu.a == 1 else 0)
        # SA/LD-RET: the border back from BORDCR, interrupts on, return to the caller.
        machine.write_port(0xFE, machine.memory[SYSVARS["BORDCR"]] >> 3 & 7)
        cpu.iff1 = cpu.iff2 = 1
        machine.return_from_trap()
