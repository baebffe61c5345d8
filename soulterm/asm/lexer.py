"""Splits one source line into tokens (numbers, strings, names, directives, operators)."""

from __future__ import annotations

import re

from .errors import LineError

# Token kinds.
NUM = "num"        # integer literal (decimal, $hex, %binary, 'c') -> int
FLOAT = "float"    # 1.5 -> float
STR = "str"        # "text" -> decoded str
IDENT = "ident"    # name, scope.name or label@local
LOCAL = "local"    # @name (local label, scoped to the last global label)
DIRECTIVE = "dir"  # .byte -> "byte" (lower case)
OP = "op"          # punctuation and operators

_TOKEN_RE = re.compile(r"""
   (?P<ws>[ \t\r\f\v]+)
  |(?P<comment>;.*)
  |(?P<float>\d+\.\d+(?:[eE][+-]?\d+)?)
  |(?P<dec>\d+(?![A-Za-z_]))
  |(?P<hex>\$[0-9A-Fa-f]+(?![G-Zg-z_]))
  |(?P<bin>%[01]+(?![2-9A-Za-z_]))
  |(?P<str>"(?:[^"\\]|\\.)*")
  |(?P<char>'(?:[^'\\]|\\.[^']*)')
  |(?P<dir>\.[A-Za-z_][A-Za-z0-9_]*)
  |(?P<local>@[A-Za-z0-9_]+)
  |(?P<shadow>[Aa][Ff]'(?![A-Za-z0-9_']))
  |(?P<ident>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*(?:@[A-Za-z0-9_]+)?)
  |(?P<op><<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^~!<>()=,:\#])
""", re.VERBOSE)

_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "0": "\0", "\\": "\\", '"': '"', "'": "'"}

# Tokens after which an operator (not an operand) is expected: decides whether
# `%` starts a binary literal or is the modulo operator.
_VALUE_END_KINDS = (NUM, FLOAT, STR, IDENT, LOCAL)


class Token:
    """One token: kind (see module constants) and value."""

    __slots__ = ("kind", "value")

    def __init__(self, kind: str, value):
        self.kind = kind
        self.value = value

    def is_op(self, text: str) -> bool:
        return self.kind == OP and self.value == text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Token) and self.kind == other.kind and self.value == other.value

    def __hash__(self) -> int:
        return hash((self.kind, self.value))

    def __repr__(self) -> str:
        return f"Token({self.kind}, {self.value!r})"

    def source(self) -> str:
        """The token written back as source text (for messages)."""
        if self.kind == STR:
            return '"' + self.value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if self.kind == LOCAL:
            return "@" + self.value
        if self.kind == DIRECTIVE:
            return "." + self.value
        return str(self.value)


def decode_escapes(body: str) -> str:
    """Decode backslash escapes of a string or character literal body."""
    if "\\" not in body:
        return body
    out = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        nxt = body[i + 1] if i + 1 < len(body) else ""
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        elif nxt == "x" and re.fullmatch(r"[0-9A-Fa-f]{2}", body[i + 2:i + 4] or ""):
            out.append(chr(int(body[i + 2:i + 4], 16)))
            i += 4
        else:
            raise LineError(f"unknown escape '\\{nxt}' in string")
    return "".join(out)


def _previous_is_value(tokens: list[Token]) -> bool:
    if not tokens:
        return False
    last = tokens[-1]
    if last.kind in _VALUE_END_KINDS or last.is_op(")"):
        return True
    if last.is_op("*"):
        # `*` is the current address when it stands where an operand belongs.
        return not _previous_is_value(tokens[:-1])
    return False


def tokenize(text: str) -> list[Token]:
    """Tokens of one source line (comment dropped). Raises LineError on bad characters."""
    tokens: list[Token] = []
    pos = 0
    end = len(text)
    match = _TOKEN_RE.match
    while pos < end:
        if text[pos] == "%" and _previous_is_value(tokens):
            tokens.append(Token(OP, "%"))
            pos += 1
            continue
        m = match(text, pos)
        if m is None:
            ch = text[pos]
            if ch == '"':
                raise LineError("unterminated string")
            if ch == "'":
                raise LineError("bad character literal (write one character between quotes, like 'a')")
            raise LineError(f"unexpected character {ch!r}")
        kind = m.lastgroup
        lexeme = m.group()
        pos = m.end()
        if kind == "ws":
            continue
        if kind == "comment":
            break
        if kind == "dec":
            tokens.append(Token(NUM, int(lexeme)))
        elif kind == "hex":
            tokens.append(Token(NUM, int(lexeme[1:], 16)))
        elif kind == "bin":
            tokens.append(Token(NUM, int(lexeme[1:], 2)))
        elif kind == "float":
            tokens.append(Token(FLOAT, float(lexeme)))
        elif kind == "str":
            tokens.append(Token(STR, decode_escapes(lexeme[1:-1])))
        elif kind == "char":
            value = decode_escapes(lexeme[1:-1])
            if len(value) != 1:
                raise LineError(f"bad character literal {lexeme}")
            if ord(value) > 127:
                raise LineError(f"character literal {lexeme} is not ASCII")
            tokens.append(Token(NUM, ord(value)))
        elif kind == "dir":
            tokens.append(Token(DIRECTIVE, lexeme[1:].lower()))
        elif kind == "local":
            tokens.append(Token(LOCAL, lexeme[1:]))
        elif kind in ("ident", "shadow"):  # shadow: the Z80's af' register pair
            tokens.append(Token(IDENT, lexeme))
        else:
            tokens.append(Token(OP, lexeme))
    return tokens
