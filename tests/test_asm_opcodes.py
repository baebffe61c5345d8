"""Every official opcode and addressing mode, checked against py65's own 6502 tables,
assembler and disassembler (an independent reference)."""

from __future__ import annotations

import pytest
from py65.assembler import Assembler as Py65Assembler
from py65.devices.mpu6502 import MPU
from py65.disassembler import Disassembler

from soulterm.asm import assemble

_MPU = MPU()
# py65's table of the documented opcodes: (opcode, mnemonic, mode)
OFFICIAL = [(code, name.lower(), mode) for code, (name, mode) in enumerate(_MPU.disassemble) if name != "???"]

# One operand per py65 addressing mode, written in our syntax.
OPERANDS = {
    "imp": "", "acc": "a", "imm": "#$42", "zpg": "$42", "zpx": "$42,x", "zpy": "$42,y",
    "abs": "$1234", "abx": "$1234,x", "aby": "$1234,y", "ind": "($1234)",
    "inx": "($42,x)", "iny": "($42),y", "rel": "$1010",
}
ORIGIN = 0x1000


def _ours(line: str) -> bytes:
    return assemble(f"* = ${ORIGIN:04X}\n {line}\n").data


def test_py65_lists_all_151_official_opcodes():
    assert len(OFFICIAL) == 151


@pytest.mark.parametrize("code,mnemonic,mode", OFFICIAL, ids=[f"{m}-{mode}" for _, m, mode in OFFICIAL])
def test_opcode_matches_py65(code, mnemonic, mode):
    line = f"{mnemonic} {OPERANDS[mode]}".strip()
    ours = _ours(line)
    assert ours[0] == code
    # py65's assembler writes hex without '$' and upper case mnemonics.
    py65_line = f"{mnemonic.upper()} {OPERANDS[mode].upper()}".strip()
    reference = bytes(Py65Assembler(MPU()).assemble(py65_line, pc=ORIGIN))
    assert ours == reference
    # And the disassembler reads our bytes back as the same instruction.
    mpu = MPU()
    mpu.memory[ORIGIN:ORIGIN + len(ours)] = list(ours)
    length, text = Disassembler(mpu).instruction_at(ORIGIN)
    assert length == len(ours)
    assert text.split()[0] == mnemonic.upper()


def test_mnemonics_and_registers_are_case_insensitive():
    assert _ours("LDA ($42),Y") == _ours("lda ($42),y") == bytes([0xB1, 0x42])
    assert _ours("Asl A") == bytes([0x0A])


def test_accumulator_mode_written_either_way():
    for mnemonic, code in (("asl", 0x0A), ("lsr", 0x4A), ("rol", 0x2A), ("ror", 0x6A)):
        assert _ours(mnemonic) == _ours(f"{mnemonic} a") == bytes([code])


def test_zero_page_chosen_for_known_small_values():
    source = """
        * = $1000
zp = $fb
far = $1234
        lda zp
        lda zp,x
        ldx zp,y
        lda zp,y        ; no zero page,Y form for lda: absolute,Y
        lda far
        stx zp,y
    """
    assert assemble(source).data == bytes([0xA5, 0xFB, 0xB5, 0xFB, 0xB6, 0xFB, 0xB9, 0xFB, 0x00,
                                           0xAD, 0x34, 0x12, 0x96, 0xFB])


def test_forward_reference_keeps_absolute_size():
    source = """
        * = $1000
        lda later       ; unknown in pass 1: absolute
        lda later,x
        jmp done
later = $10
        lda later       ; known: zero page
done:   rts
    """
    prog = assemble(source)
    assert prog.data == bytes([0xAD, 0x10, 0x00, 0xBD, 0x10, 0x00, 0x4C, 0x0B, 0x10, 0xA5, 0x10, 0x60])
    assert prog.symbols["done"] == 0x100B


def test_forward_label_in_zero_page_stays_absolute():
    source = """
        * = $0010
        lda var
var:    .byte 0
    """
    assert assemble(source).data == bytes([0xAD, 0x13, 0x00, 0x00])


def test_branches_forward_and_backward():
    source = """
        * = $1000
top:    dex
        bne top
        beq ahead
        nop
ahead:  rts
    """
    assert assemble(source).data == bytes([0xCA, 0xD0, 0xFD, 0xF0, 0x01, 0xEA, 0x60])


def test_branch_reach_limits():
    # +127 and -128 are the farthest targets a branch can reach.
    forward = assemble("* = $1000\n bne t\n .res 127\nt: rts\n").data
    assert forward[:2] == bytes([0xD0, 0x7F])
    backward = assemble("* = $1000\nt: .res 126\n bne t\n").data
    assert backward[-2:] == bytes([0xD0, 0x80])


def test_program_round_trips_through_py65_disassembler():
    source = """
        * = $c000
start:  ldx #0
@loop:  lda table,x
        sta $0400,x
        inx
        cpx #4
        bne @loop
        jmp (vector)
vector: .word start
table:  .byte 1, 2, 3, 4
    """
    prog = assemble(source)
    mpu = MPU()
    mpu.memory[0xC000:0xC000 + len(prog.data)] = list(prog.data)
    dis = Disassembler(mpu)
    texts = []
    address = 0xC000
    while address < prog.symbols["vector"]:
        length, text = dis.instruction_at(address)
        texts.append(text)
        address += length
    # ldx#(2) lda abs,x(3) sta abs,x(3) inx(1) cpx#(2) bne(2) jmp()(3): vector at $C010, table $C012
    assert [t.upper() for t in texts] == ["LDX #$00", "LDA $C012,X", "STA $0400,X", "INX", "CPX #$04",
                                          "BNE $C002", "JMP ($C010)"]
