"""The documented Z80 instruction set: operand parsing and encoding for soulterm.asm.

Selected with `.cpu z80` in the source (or assemble(..., cpu="z80")). The
lexer, expressions, directives and line map are the 6502 assembler's; this
module only turns one instruction's tokens into a byte template.

Syntax (Zilog): `ld a,(ix+5)`, `jp nz,label`, `ex af,af'`, `out (c),a`.
An operand wholly inside parentheses is a memory operand: `ld a,(table)`
loads from `table`. The current address is `*` as in the 6502 sources.

Encoding follows the opcode-field decomposition of the Zilog manual:
  r   b=0 c=1 d=2 e=3 h=4 l=5 (hl)=6 a=7     (bits 5..3 or 2..0)
  rp  bc=0 de=1 hl=2 sp=3                    (bits 5..4; af for push/pop)
  cc  nz=0 z=1 nc=2 c=3 po=4 pe=5 p=6 m=7    (bits 5..3)
  DD/FD prefixes make hl mean ix/iy and (hl) mean (ix+d)/(iy+d).
Undocumented forms (ixh/ixl, sll, out (c),0) are rejected with a message.

A template is a list of items: an int (a byte), or (kind, expression) with
kind "byte" (n, -128..255), "word" (nn), "disp" (d, -128..127) or "rel"
(jr/djnz target, turned into an offset from the next instruction).
"""

from __future__ import annotations

from .errors import LineError
from .expressions import parse_expression
from .lexer import IDENT, Token

R8 = {"b": 0, "c": 1, "d": 2, "e": 3, "h": 4, "l": 5, "a": 7}
RP = {"bc": 0, "de": 1, "hl": 2, "sp": 3}
RP_PUSH = {"bc": 0, "de": 1, "hl": 2, "af": 3}
CONDITIONS = {"nz": 0, "z": 1, "nc": 2, "c": 3, "po": 4, "pe": 5, "p": 6, "m": 7}
INDEX_PREFIX = {"ix": 0xDD, "iy": 0xFD}
ALU = {"add": 0, "adc": 1, "sub": 2, "sbc": 3, "and": 4, "xor": 5, "or": 6, "cp": 7}
ROTATES = {"rlc": 0, "rrc": 1, "rl": 2, "rr": 3, "sla": 4, "sra": 5, "srl": 7}
BIT_OPS = {"bit": 1, "res": 2, "set": 3}

# Instructions without operands: mnemonic -> bytes.
IMPLIED = {
    "nop": (0x00,), "halt": (0x76,), "di": (0xF3,), "ei": (0xFB,), "exx": (0xD9,),
    "daa": (0x27,), "cpl": (0x2F,), "ccf": (0x3F,), "scf": (0x37,),
    "rlca": (0x07,), "rla": (0x17,), "rrca": (0x0F,), "rra": (0x1F,),
    "neg": (0xED, 0x44), "reti": (0xED, 0x4D), "retn": (0xED, 0x45),
    "rld": (0xED, 0x6F), "rrd": (0xED, 0x67),
    "ldi": (0xED, 0xA0), "ldir": (0xED, 0xB0), "ldd": (0xED, 0xA8), "lddr": (0xED, 0xB8),
    "cpi": (0xED, 0xA1), "cpir": (0xED, 0xB1), "cpd": (0xED, 0xA9), "cpdr": (0xED, 0xB9),
    "ini": (0xED, 0xA2), "inir": (0xED, 0xB2), "ind": (0xED, 0xAA), "indr": (0xED, 0xBA),
    "outi": (0xED, 0xA3), "otir": (0xED, 0xB3), "outd": (0xED, 0xAB), "otdr": (0xED, 0xBB),
}

MNEMONICS = frozenset(IMPLIED) | frozenset(ALU) | frozenset(ROTATES) | frozenset(BIT_OPS) | {
    "ld", "push", "pop", "ex", "inc", "dec", "jp", "jr", "djnz", "call", "ret", "rst",
    "in", "out", "im",
}

_UNDOCUMENTED = {"ixh", "ixl", "iyh", "iyl", "sll", "sl1"}


class Operand:
    """One parsed operand.

    kind: "r" (8-bit register, name), "rp" (register pair incl. ix/iy/af), "af'",
    "i"/"r_reg" (ld a,i / ld a,r), "ind" (bc)/(de)/(hl)/(sp)/(c), "idx" (ix/iy+d),
    "mem" ((expression)), "imm" (expression), "name" (a bare condition-capable word).
    """

    __slots__ = ("kind", "name", "expr")

    def __init__(self, kind: str, name: str = "", expr=None):
        self.kind = kind
        self.name = name
        self.expr = expr


def _word(tokens: list[Token]) -> str | None:
    if len(tokens) == 1 and tokens[0].kind == IDENT:
        return tokens[0].value.lower()
    return None


def _wrapped(tokens: list[Token]) -> bool:
    """True when the whole operand is one parenthesised group: (expr)."""
    if not tokens or not tokens[0].is_op("(") or not tokens[-1].is_op(")"):
        return False
    depth = 0
    for index, tok in enumerate(tokens):
        if tok.is_op("("):
            depth += 1
        elif tok.is_op(")"):
            depth -= 1
            if depth == 0 and index != len(tokens) - 1:
                return False
    return True


def parse_operand(tokens: list[Token]) -> Operand:
    word = _word(tokens)
    if word is not None:
        if word in _UNDOCUMENTED:
            raise LineError(f"'{word}' is an undocumented Z80 register (not supported)")
        if word in R8:
            return Operand("r", word)
        if word in ("bc", "de", "hl", "sp", "af", "ix", "iy"):
            return Operand("rp", word)
        if word == "af'":
            return Operand("af'", word)
        if word == "i":
            return Operand("i", word)
        if word == "r":
            return Operand("r_reg", word)
    if _wrapped(tokens):
        inner = tokens[1:-1]
        word = _word(inner)
        if word in ("bc", "de", "hl", "sp", "c"):
            return Operand("ind", word)
        if word in INDEX_PREFIX:
            return Operand("idx", word, ("n", 0))
        head = inner[0].value.lower() if inner and inner[0].kind == IDENT else None
        if head in INDEX_PREFIX and len(inner) > 1:
            if inner[1].is_op("+"):
                return Operand("idx", head, parse_expression(inner[2:]))
            if inner[1].is_op("-"):
                return Operand("idx", head, parse_expression(inner[1:]))
        if head in ("hl", "bc", "de", "sp") and len(inner) > 1:
            raise LineError(f"({head}) takes no offset (only (ix+d) and (iy+d) do)")
        return Operand("mem", "", parse_expression(inner))
    if word in CONDITIONS:  # a condition, or a symbol of that name where a value belongs
        return Operand("name", word, parse_expression(tokens))
    return Operand("imm", "", parse_expression(tokens))


def _split(tokens: list[Token]) -> list[list[Token]]:
    parts: list[list[Token]] = [[]]
    depth = 0
    for tok in tokens:
        if tok.is_op("("):
            depth += 1
        elif tok.is_op(")"):
            depth -= 1
        elif tok.is_op(",") and depth == 0:
            parts.append([])
            continue
        parts[-1].append(tok)
    if parts == [[]]:
        return []
    if any(not part for part in parts):
        raise LineError("empty operand")
    return parts


def encode(mnemonic: str, operand_tokens: list[Token]) -> list:
    """Byte template of one Z80 instruction (LineError if it does not exist)."""
    mnemonic = mnemonic.lower()
    if mnemonic in _UNDOCUMENTED:
        raise LineError(f"'{mnemonic}' is an undocumented Z80 instruction (not supported)")
    operands = [parse_operand(part) for part in _split(operand_tokens)]
    if mnemonic in IMPLIED:
        if operands:
            raise LineError(f"'{mnemonic}' takes no operand")
        return list(IMPLIED[mnemonic])
    # A condition name is a condition only as the first of two jp/jr/call operands or ret's one.
    keep = 1 if (mnemonic in ("jp", "jr", "call") and len(operands) == 2) or mnemonic == "ret" else 0
    operands = operands[:keep] + [Operand("imm", "", op.expr) if op.kind == "name" else op
                                  for op in operands[keep:]]
    if mnemonic in ("jp", "jr", "djnz", "call") and operands and operands[-1].kind in ("r", "rp"):
        raise LineError(f"'{operands[-1].name}' is a register, not an address "
                        f"(a label cannot have a register's name)")
    handler = _HANDLERS[mnemonic]
    return handler(mnemonic, operands)


def _bad(mnemonic: str, operands: list[Operand]) -> LineError:
    return LineError(f"'{mnemonic}' has no form with these operands")


def _reg_code(op: Operand) -> tuple[list, int, list] | None:
    """(prefix, r code, displacement items) for r, (hl) and (ix+d) operands."""
    if op.kind == "r":
        return [], R8[op.name], []
    if op.kind == "ind" and op.name == "hl":
        return [], 6, []
    if op.kind == "idx":
        return [INDEX_PREFIX[op.name]], 6, [("disp", op.expr)]
    return None


def _pair(op: Operand, table: dict) -> tuple[list, int] | None:
    """(prefix, rp code) for a register pair, ix/iy standing in for hl."""
    if op.kind != "rp":
        return None
    if op.name in INDEX_PREFIX:
        return [INDEX_PREFIX[op.name]], table["hl"]
    if op.name in table:
        return [], table[op.name]
    return None


def _ld(m, ops):
    if len(ops) != 2:
        raise LineError("'ld' takes two operands")
    dst, src = ops
    d, s = _reg_code(dst), _reg_code(src)
    if d and s:
        if d[1] == 6 and s[1] == 6:
            raise _bad(m, ops)
        if d[0] and s[0]:
            raise _bad(m, ops)
        return d[0] + s[0] + [0x40 | d[1] << 3 | s[1]] + d[2] + s[2]
    if d and src.kind == "imm":
        return d[0] + [0x06 | d[1] << 3] + d[2] + [("byte", src.expr)]
    if dst.kind == "r" and dst.name == "a":
        if src.kind == "ind" and src.name in ("bc", "de"):
            return [0x0A if src.name == "bc" else 0x1A]
        if src.kind == "mem":
            return [0x3A, ("word", src.expr)]
        if src.kind == "i":
            return [0xED, 0x57]
        if src.kind == "r_reg":
            return [0xED, 0x5F]
    if src.kind == "r" and src.name == "a":
        if dst.kind == "ind" and dst.name in ("bc", "de"):
            return [0x02 if dst.name == "bc" else 0x12]
        if dst.kind == "mem":
            return [0x32, ("word", dst.expr)]
        if dst.kind == "i":
            return [0xED, 0x47]
        if dst.kind == "r_reg":
            return [0xED, 0x4F]
    pair = _pair(dst, RP)
    if pair:
        prefix, code = pair
        if src.kind == "imm":
            return prefix + [0x01 | code << 4, ("word", src.expr)]
        if src.kind == "mem":
            if code == 2:
                return prefix + [0x2A, ("word", src.expr)]
            return [0xED, 0x4B | code << 4, ("word", src.expr)]
        if code == 3 and src.kind == "rp":
            source = _pair(src, RP)
            if source and source[1] == 2:
                return source[0] + [0xF9]
    if dst.kind == "mem":
        source = _pair(src, RP)
        if source:
            prefix, code = source
            if code == 2:
                return prefix + [0x22, ("word", dst.expr)]
            return [0xED, 0x43 | code << 4, ("word", dst.expr)]
    raise _bad(m, ops)


def _push_pop(m, ops):
    if len(ops) != 1:
        raise LineError(f"'{m}' takes one register pair")
    pair = _pair(ops[0], RP_PUSH)
    if not pair:
        raise LineError(f"'{m}' takes bc, de, hl, af, ix or iy")
    return pair[0] + [(0xC5 if m == "push" else 0xC1) | pair[1] << 4]


def _ex(m, ops):
    if len(ops) == 2:
        a, b = ops
        if a.kind == "rp" and a.name == "de" and b.kind == "rp" and b.name == "hl":
            return [0xEB]
        if a.kind == "rp" and a.name == "af" and b.kind == "af'":
            return [0x08]
        if a.kind == "ind" and a.name == "sp" and b.kind == "rp":
            pair = _pair(b, RP)
            if pair and pair[1] == 2:
                return pair[0] + [0xE3]
    raise LineError("'ex' takes de,hl or af,af' or (sp),hl/ix/iy")


def _alu(m, ops):
    if len(ops) == 2 and ops[0].kind == "r" and ops[0].name == "a":
        ops = ops[1:]
    elif len(ops) == 2:
        return _alu16(m, ops)
    if len(ops) != 1:
        raise _bad(m, ops)
    op = ops[0]
    code = ALU[m]
    reg = _reg_code(op)
    if reg:
        return reg[0] + [0x80 | code << 3 | reg[1]] + reg[2]
    if op.kind == "imm":
        return [0xC6 | code << 3, ("byte", op.expr)]
    raise _bad(m, ops)


def _alu16(m, ops):
    dst, src = ops
    if m not in ("add", "adc", "sbc") or dst.kind != "rp":
        raise _bad(m, ops)
    if dst.name == "hl":
        if src.kind != "rp" or src.name not in RP:
            raise _bad(m, ops)
        pair = RP[src.name]
        if m == "add":
            return [0x09 | pair << 4]
        return [0xED, (0x4A if m == "adc" else 0x42) | pair << 4]
    if dst.name in INDEX_PREFIX and m == "add" and src.kind == "rp":
        table = {"bc": 0, "de": 1, dst.name: 2, "sp": 3}
        if src.name in table:
            return [INDEX_PREFIX[dst.name], 0x09 | table[src.name] << 4]
    raise _bad(m, ops)


def _inc_dec(m, ops):
    if len(ops) != 1:
        raise LineError(f"'{m}' takes one operand")
    op = ops[0]
    reg = _reg_code(op)
    if reg:
        return reg[0] + [(0x04 if m == "inc" else 0x05) | reg[1] << 3] + reg[2]
    pair = _pair(op, RP)
    if pair:
        return pair[0] + [(0x03 if m == "inc" else 0x0B) | pair[1] << 4]
    raise _bad(m, ops)


def _rotate(m, ops):
    if len(ops) != 1:
        raise LineError(f"'{m}' takes one operand")
    reg = _reg_code(ops[0])
    if not reg:
        raise _bad(m, ops)
    return _cb(reg, ROTATES[m] << 3)


def _cb(reg, opcode_bits: int) -> list:
    prefix, code, disp = reg
    if prefix:  # DD CB d op: the displacement comes before the opcode
        return prefix + [0xCB] + disp + [opcode_bits | code]
    return [0xCB, opcode_bits | code]


def _bit(m, ops):
    if len(ops) != 2 or ops[0].kind != "imm":
        raise LineError(f"'{m}' takes a bit number and a register: {m} 3,a")
    reg = _reg_code(ops[1])
    if not reg:
        raise _bad(m, ops)
    return _cb(reg, BIT_OPS[m] << 6) + [("bit", ops[0].expr)]


def _condition(op: Operand) -> int | None:
    if op.kind in ("name", "r") and op.name in CONDITIONS:
        return CONDITIONS[op.name]
    return None


def _jp(m, ops):
    if len(ops) == 1:
        op = ops[0]
        if op.kind == "ind" and op.name == "hl":
            return [0xE9]
        if op.kind == "idx" and op.expr == ("n", 0):
            return [INDEX_PREFIX[op.name], 0xE9]
        if op.kind == "imm":
            return [0xC3, ("word", op.expr)]
    if len(ops) == 2 and _condition(ops[0]) is not None and ops[1].kind == "imm":
        return [0xC2 | _condition(ops[0]) << 3, ("word", ops[1].expr)]
    raise _bad(m, ops)


def _jr(m, ops):
    if len(ops) == 1 and ops[0].kind == "imm":
        return [0x18, ("rel", ops[0].expr)]
    if len(ops) == 2 and ops[1].kind == "imm":
        cc = _condition(ops[0])
        if cc is not None and cc < 4:
            return [0x20 | cc << 3, ("rel", ops[1].expr)]
    raise LineError("'jr' takes a target, optionally after nz, z, nc or c")


def _djnz(m, ops):
    if len(ops) == 1 and ops[0].kind == "imm":
        return [0x10, ("rel", ops[0].expr)]
    raise _bad(m, ops)


def _call(m, ops):
    if len(ops) == 1 and ops[0].kind == "imm":
        return [0xCD, ("word", ops[0].expr)]
    if len(ops) == 2 and _condition(ops[0]) is not None and ops[1].kind == "imm":
        return [0xC4 | _condition(ops[0]) << 3, ("word", ops[1].expr)]
    raise _bad(m, ops)


def _ret(m, ops):
    if not ops:
        return [0xC9]
    if len(ops) == 1 and _condition(ops[0]) is not None:
        return [0xC0 | _condition(ops[0]) << 3]
    raise _bad(m, ops)


def _rst(m, ops):
    if len(ops) == 1 and ops[0].kind == "imm":
        return [("rst", ops[0].expr)]
    raise LineError("'rst' takes one of $00, $08, ... $38")


def _im(m, ops):
    if len(ops) == 1 and ops[0].kind == "imm":
        return [0xED, ("im", ops[0].expr)]
    raise LineError("'im' takes 0, 1 or 2")


def _in(m, ops):
    if len(ops) == 2 and ops[0].kind == "r":
        if ops[0].name == "a" and ops[1].kind == "mem":
            return [0xDB, ("byte", ops[1].expr)]
        if ops[1].kind == "ind" and ops[1].name == "c":
            return [0xED, 0x40 | R8[ops[0].name] << 3]
    raise LineError("'in' takes a,(n) or r,(c)")


def _out(m, ops):
    if len(ops) == 2 and ops[1].kind == "r":
        if ops[1].name == "a" and ops[0].kind == "mem":
            return [0xD3, ("byte", ops[0].expr)]
        if ops[0].kind == "ind" and ops[0].name == "c":
            return [0xED, 0x41 | R8[ops[1].name] << 3]
    raise LineError("'out' takes (n),a or (c),r")


_HANDLERS = {"ld": _ld, "push": _push_pop, "pop": _push_pop, "ex": _ex, "inc": _inc_dec, "dec": _inc_dec,
             "jp": _jp, "jr": _jr, "djnz": _djnz, "call": _call, "ret": _ret, "rst": _rst, "im": _im,
             "in": _in, "out": _out}
_HANDLERS.update({name: _alu for name in ALU})
_HANDLERS.update({name: _rotate for name in ROTATES})
_HANDLERS.update({name: _bit for name in BIT_OPS})

# im 0/1/2 -> the second opcode byte after ED.
IM_CODES = {0: 0x46, 1: 0x56, 2: 0x5E}


def template_size(template: list) -> int:
    return sum(2 if isinstance(item, tuple) and item[0] == "word" else
               0 if isinstance(item, tuple) and item[0] == "bit" else 1 for item in template)


def resolve(template: list, value, pc: int, final: bool) -> bytes:
    """Bytes of a template. value(expr) gives an int or None (not known yet: 0 until the final pass)."""
    out = bytearray()
    size = template_size(template)
    for item in template:
        if isinstance(item, int):
            out.append(item)
            continue
        kind, expr = item
        number = value(expr)
        if kind == "rel":
            if number is None:
                out.append(0)
                continue
            distance = number - (pc + size)
            if not -128 <= distance <= 127:
                if final:
                    raise LineError(f"relative jump out of range: target ${number:04X} is {distance} bytes "
                                    f"away (jr/djnz reach -128..+127; use jp)")
                distance = 0
            out.append(distance & 0xFF)
            continue
        number = 0 if number is None else number
        if kind == "byte":
            if not -128 <= number <= 255:
                raise LineError(f"value {number} out of range -128..255")
            out.append(number & 0xFF)
        elif kind == "disp":
            if not -128 <= number <= 127:
                raise LineError(f"index displacement {number} out of range -128..127")
            out.append(number & 0xFF)
        elif kind == "word":
            if not -32768 <= number <= 0xFFFF:
                raise LineError(f"value {number} out of range -32768..65535")
            out += bytes((number & 0xFF, (number >> 8) & 0xFF))
        elif kind == "bit":
            if not 0 <= number <= 7:
                raise LineError(f"bit number {number} out of range 0..7")
            out[-1] |= number << 3
        elif kind == "rst":
            if number not in range(0, 0x40, 8):
                raise LineError(f"rst target ${number:02X} is not one of $00, $08, ... $38")
            out.append(0xC7 | number)
        elif kind == "im":
            if number not in IM_CODES:
                raise LineError(f"interrupt mode {number} is not 0, 1 or 2")
            out.append(IM_CODES[number])
    return bytes(out)
