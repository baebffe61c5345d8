"""The 151 official NMOS 6502 opcodes, by mnemonic and addressing mode.

Addressing modes:
  imp  implied            rts
  acc  accumulator        asl a
  imm  immediate          lda #1
  zp   zero page          lda $12
  zpx  zero page,X        lda $12,x
  zpy  zero page,Y        ldx $12,y
  abs  absolute           lda $1234
  absx absolute,X         lda $1234,x
  absy absolute,Y         lda $1234,y
  ind  indirect (JMP)     jmp ($1234)
  indx (zero page,X)      lda ($12,x)
  indy (zero page),Y      lda ($12),y
  rel  relative (branch)  bne label
"""

from __future__ import annotations

# Instruction length in bytes for each addressing mode.
MODE_SIZE = {
    "imp": 1, "acc": 1, "imm": 2, "zp": 2, "zpx": 2, "zpy": 2,
    "abs": 3, "absx": 3, "absy": 3, "ind": 3, "indx": 2, "indy": 2, "rel": 2,
}

# The eight-mode pattern shared by the ALU group (ADC AND CMP EOR LDA ORA SBC).
_ALU_MODES = ("imm", "zp", "zpx", "abs", "absx", "absy", "indx", "indy")
# The five-mode pattern shared by the shift/rotate group.
_SHIFT_MODES = ("acc", "zp", "zpx", "abs", "absx")


def _group(modes: tuple[str, ...], codes: tuple[int, ...]) -> dict[str, int]:
    return dict(zip(modes, codes))


OPCODES: dict[str, dict[str, int]] = {
    "adc": _group(_ALU_MODES, (0x69, 0x65, 0x75, 0x6D, 0x7D, 0x79, 0x61, 0x71)),
    "and": _group(_ALU_MODES, (0x29, 0x25, 0x35, 0x2D, 0x3D, 0x39, 0x21, 0x31)),
    "cmp": _group(_ALU_MODES, (0xC9, 0xC5, 0xD5, 0xCD, 0xDD, 0xD9, 0xC1, 0xD1)),
    "eor": _group(_ALU_MODES, (0x49, 0x45, 0x55, 0x4D, 0x5D, 0x59, 0x41, 0x51)),
    "lda": _group(_ALU_MODES, (0xA9, 0xA5, 0xB5, 0xAD, 0xBD, 0xB9, 0xA1, 0xB1)),
    "ora": _group(_ALU_MODES, (0x09, 0x05, 0x15, 0x0D, 0x1D, 0x19, 0x01, 0x11)),
    "sbc": _group(_ALU_MODES, (0xE9, 0xE5, 0xF5, 0xED, 0xFD, 0xF9, 0xE1, 0xF1)),
    "sta": _group(("zp", "zpx", "abs", "absx", "absy", "indx", "indy"),
                  (0x85, 0x95, 0x8D, 0x9D, 0x99, 0x81, 0x91)),
    "asl": _group(_SHIFT_MODES, (0x0A, 0x06, 0x16, 0x0E, 0x1E)),
    "lsr": _group(_SHIFT_MODES, (0x4A, 0x46, 0x56, 0x4E, 0x5E)),
    "rol": _group(_SHIFT_MODES, (0x2A, 0x26, 0x36, 0x2E, 0x3E)),
    "ror": _group(_SHIFT_MODES, (0x6A, 0x66, 0x76, 0x6E, 0x7E)),
    "bcc": {"rel": 0x90}, "bcs": {"rel": 0xB0}, "beq": {"rel": 0xF0}, "bmi": {"rel": 0x30},
    "bne": {"rel": 0xD0}, "bpl": {"rel": 0x10}, "bvc": {"rel": 0x50}, "bvs": {"rel": 0x70},
    "bit": {"zp": 0x24, "abs": 0x2C},
    "cpx": {"imm": 0xE0, "zp": 0xE4, "abs": 0xEC},
    "cpy": {"imm": 0xC0, "zp": 0xC4, "abs": 0xCC},
    "dec": {"zp": 0xC6, "zpx": 0xD6, "abs": 0xCE, "absx": 0xDE},
    "inc": {"zp": 0xE6, "zpx": 0xF6, "abs": 0xEE, "absx": 0xFE},
    "jmp": {"abs": 0x4C, "ind": 0x6C},
    "jsr": {"abs": 0x20},
    "ldx": {"imm": 0xA2, "zp": 0xA6, "zpy": 0xB6, "abs": 0xAE, "absy": 0xBE},
    "ldy": {"imm": 0xA0, "zp": 0xA4, "zpx": 0xB4, "abs": 0xAC, "absx": 0xBC},
    "stx": {"zp": 0x86, "zpy": 0x96, "abs": 0x8E},
    "sty": {"zp": 0x84, "zpx": 0x94, "abs": 0x8C},
    "brk": {"imp": 0x00}, "nop": {"imp": 0xEA}, "rti": {"imp": 0x40}, "rts": {"imp": 0x60},
    "clc": {"imp": 0x18}, "cld": {"imp": 0xD8}, "cli": {"imp": 0x58}, "clv": {"imp": 0xB8},
    "sec": {"imp": 0x38}, "sed": {"imp": 0xF8}, "sei": {"imp": 0x78},
    "dex": {"imp": 0xCA}, "dey": {"imp": 0x88}, "inx": {"imp": 0xE8}, "iny": {"imp": 0xC8},
    "pha": {"imp": 0x48}, "php": {"imp": 0x08}, "pla": {"imp": 0x68}, "plp": {"imp": 0x28},
    "tax": {"imp": 0xAA}, "tay": {"imp": 0xA8}, "tsx": {"imp": 0xBA}, "txa": {"imp": 0x8A},
    "txs": {"imp": 0x9A}, "tya": {"imp": 0x98},
}
