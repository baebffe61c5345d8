"""Expressions: literals, C precedence, Python-style division, functions, bytes of words."""

from __future__ import annotations

import math

import pytest

from soulterm.asm import AsmError, assemble


def value(expr: str, prelude: str = ""):
    return assemble(f"{prelude}\nRESULT = {expr}\n").symbols["RESULT"]


@pytest.mark.parametrize("expr,expected", [
    ("42", 42), ("$2a", 42), ("$FF", 255), ("%101010", 42), ("'a'", 97), ("'\\n'", 10),
    ("'\\''", 39), ("0", 0),
])
def test_literals(expr, expected):
    assert value(expr) == expected


# Expected values come from Python evaluating the same C-precedence expression.
@pytest.mark.parametrize("expr,python", [
    ("1 + 2 * 3", 1 + 2 * 3),
    ("(1 + 2) * 3", (1 + 2) * 3),
    ("10 - 2 - 3", 10 - 2 - 3),
    ("100 / 10 / 5", 100 // 10 // 5),
    ("1 << 4 + 1", 1 << (4 + 1)),           # + binds tighter than <<
    ("1 | 2 ^ 3 & 6", 1 | (2 ^ (3 & 6))),   # & then ^ then |
    ("$f0 | $0f & $3c", 0xF0 | (0x0F & 0x3C)),
    ("2 + 3 == 5", 1),
    ("1 < 2 == 1", 1),                       # relational binds tighter than equality
    ("3 < 4 & 0", 0),                        # & is looser than <
    ("0 || 2 && 3", 1),
    ("0 && 1 || 0", 0),
    ("!5", 0), ("!0", 1), ("~0", -1), ("-3 * -3", 9), ("- (2 + 3)", -5),
    ("7 % 3", 1), ("2 * 3 % 4", (2 * 3) % 4),
    ("256 >> 4", 16), ("5 != 5", 0), ("4 >= 4", 1), ("4 > 4", 0), ("3 <= 2", 0),
])
def test_precedence_matches_c(expr, python):
    assert value(expr) == python


def test_division_and_modulo_floor_like_python():
    assert value("-7 / 2") == -4
    assert value("-7 % 3") == 2
    assert value("7 / -2") == -4
    assert value("round(7.0 / 2 * 10)") == 35   # true division when a float is involved


def test_low_and_high_byte():
    assert value("<$1234") == 0x34
    assert value(">$1234") == 0x12
    assert value("<label", "* = $c0de\nlabel:") == 0xDE
    assert value(">label + 1", "* = $c0de\nlabel:") == 0xC1   # unary binds tighter than +
    assert value(">(label + $100)", "* = $c0de\nlabel:") == 0xC1


def test_current_address():
    prog = assemble("* = $2000\n nop\nHERE = *\n jmp *\n .word *, * + 2\n")
    assert prog.symbols["HERE"] == 0x2001
    assert prog.data == bytes([0xEA, 0x4C, 0x01, 0x20, 0x04, 0x20, 0x06, 0x20])


def test_functions():
    assert value("round(2.5)") == 2            # half to even
    assert value("round(3.5)") == 4
    assert value("round(-2.5)") == -2
    assert value("floor(-1.5)") == -2
    assert value("ceil(1.2)") == 2
    assert value("abs(-9)") == 9
    assert value("min(3, 8)") == 3 and value("max(3, 8)") == 8
    assert value("clamp(300, 0, 255)") == 255 and value("clamp(-4, 0, 255)") == 0
    assert value("clamp(17, 0, 255)") == 17
    assert value("round(exp(1.0) * 1000)") == round(math.e * 1000)
    assert value("floor(exp(-0.5) * 256)") == math.floor(math.exp(-0.5) * 256)


def test_float_constants_are_usable_but_data_must_be_integer():
    prog = assemble("SCALE = 2.5\n .byte round(SCALE * 4)\n")
    assert prog.data == bytes([10])
    assert "SCALE" not in prog.symbols   # symbol table holds integers only
    with pytest.raises(AsmError) as info:
        assemble("SCALE = 2.5\n .byte SCALE * 4\n")
    assert str(info.value) == "<text>:2: a .byte value must be an integer, got 10.0 (use round(), floor() or ceil())"


def test_binary_literal_versus_modulo():
    assert value("%11 + 1") == 4
    assert value("7 %11") == 7
    assert value("(9)%2") == 1
    assert assemble("lda #%1010\n").data == bytes([0xA9, 0x0A])


@pytest.mark.parametrize("expr,reason", [
    ("1 / 0", "division by zero"),
    ("1 % 0", "modulo by zero"),
    ("1.5 & 1", "operator '&' needs integers, got 1.5"),
    ("(1 + 2", "missing ')' in expression"),
    ("1 +", "expression expected"),
    ("min(1)", "min() takes 2 argument(s), got 1"),
    ("1 2", "unexpected '2' in expression"),
    ("clamp(1, 5, 2)", "clamp() lower bound 5 is above upper bound 2"),
])
def test_expression_errors(expr, reason):
    with pytest.raises(AsmError) as info:
        assemble(f"nop\nV = {expr}\n")
    assert str(info.value) == f"<text>:2: {reason}"


def test_symbols_are_case_sensitive():
    prog = assemble("Value = 1\nvalue = 2\n")
    assert prog.symbols["Value"] == 1 and prog.symbols["value"] == 2
