"""Expression parsing (C precedence) and evaluation for operands and directives.

An expression is parsed once into a small tree of tuples and evaluated each
pass against the symbol table:
  ("n", value)            literal (also the result of constant folding)
  ("sym", name)           symbol (global, scope.name or label@local)
  ("loc", name)           local label @name, resolved in the current scope
  ("pc",)                 * : the current address
  ("u", op, a)            unary - ~ ! < >
  ("b", op, a, b)         binary operator
  ("f", name, [args])     function call
"""

from __future__ import annotations

import math

from .errors import LineError
from .lexer import FLOAT, IDENT, LOCAL, NUM, OP, STR, Token

# Binary operators by precedence level, loosest first (as in C).
_LEVELS: list[tuple[str, ...]] = [
    ("||",), ("&&",), ("|",), ("^",), ("&",), ("==", "!="),
    ("<", "<=", ">", ">="), ("<<", ">>"), ("+", "-"), ("*", "/", "%"),
]
_UNARY = ("-", "~", "!", "<", ">", "+")

# Real sources nest a few levels; these bounds keep the recursive parser, fold and
# evaluate far from Python's recursion limit (a parenthesis costs ~12 frames).
MAX_NESTING = 40            # parentheses, unary operators and calls inside each other
MAX_TREE_DEPTH = 400        # operators chained in one expression (a+b+c+...)

_FUNCTION_ARITY = {
    "exp": 1, "round": 1, "floor": 1, "ceil": 1, "abs": 1,
    "min": 2, "max": 2, "clamp": 3,
}


class Unresolved(Exception):
    """A symbol has no value (yet): forward reference or undefined."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


class ExpressionParser:
    """Recursive-descent parser over a token list."""

    def __init__(self, tokens: list[Token]):
        self.tokens = tokens
        self.pos = 0
        self.nesting = 0

    def _nest(self) -> None:
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise LineError(f"expression nested more than {MAX_NESTING} levels deep")

    def peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def parse(self):
        node = self._binary(0)
        if self.pos != len(self.tokens):
            raise LineError(f"unexpected {self.tokens[self.pos].source()!r} in expression")
        return node

    def _binary(self, level: int):
        if level == len(_LEVELS):
            return self._unary()
        ops = _LEVELS[level]
        left = self._binary(level + 1)
        while True:
            tok = self.peek()
            if tok is None or tok.kind != OP or tok.value not in ops:
                return left
            self.pos += 1
            right = self._binary(level + 1)
            left = fold(("b", tok.value, left, right))

    def _unary(self):
        tok = self.peek()
        if tok is not None and tok.kind == OP and tok.value in _UNARY:
            self.pos += 1
            self._nest()
            operand = self._unary()
            self.nesting -= 1
            if tok.value == "+":
                return operand
            return fold(("u", tok.value, operand))
        return self._primary()

    def _primary(self):
        tok = self.peek()
        if tok is None:
            raise LineError("expression expected")
        self.pos += 1
        if tok.kind in (NUM, FLOAT):
            return ("n", tok.value)
        if tok.kind == IDENT:
            nxt = self.peek()
            if nxt is not None and nxt.is_op("(") and tok.value in _FUNCTION_ARITY:
                return self._call(tok.value)
            return ("sym", tok.value)
        if tok.kind == LOCAL:
            return ("loc", tok.value)
        if tok.is_op("*"):
            return ("pc",)
        if tok.is_op("("):
            self._nest()
            node = self._binary(0)
            closing = self.peek()
            if closing is None or not closing.is_op(")"):
                raise LineError("missing ')' in expression")
            self.pos += 1
            self.nesting -= 1
            return node
        if tok.kind == STR:
            if len(tok.value) == 1:
                return ("n", ord(tok.value))
            raise LineError(f"string {tok.source()} cannot be used as a number here")
        raise LineError(f"unexpected {tok.source()!r} in expression")

    def _call(self, name: str):
        self.pos += 1  # "("
        self._nest()
        args = []
        tok = self.peek()
        if tok is not None and tok.is_op(")"):
            self.pos += 1
        else:
            while True:
                args.append(self._binary(0))
                tok = self.peek()
                if tok is not None and tok.is_op(","):
                    self.pos += 1
                    continue
                if tok is not None and tok.is_op(")"):
                    self.pos += 1
                    break
                raise LineError(f"missing ')' after arguments of {name}()")
        self.nesting -= 1
        if len(args) != _FUNCTION_ARITY[name]:
            raise LineError(f"{name}() takes {_FUNCTION_ARITY[name]} argument(s), got {len(args)}")
        return fold(("f", name, args))


def parse_expression(tokens: list[Token]):
    """Parse a complete token list as one expression (LineError if it is not one)."""
    if not tokens:
        raise LineError("expression expected")
    if len(tokens) == 1 and tokens[0].kind == NUM:
        return ("n", tokens[0].value)
    tree = ExpressionParser(tokens).parse()
    if _depth(tree) > MAX_TREE_DEPTH:
        raise LineError(f"expression has more than {MAX_TREE_DEPTH} operators in a chain")
    return tree


def _depth(node) -> int:
    """Depth of an expression tree, without recursion (the tree may be deep)."""
    deepest = 0
    stack = [(node, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if item[0] in ("u", "b"):
            stack.extend((child, depth + 1) for child in item[2:])
        elif item[0] == "f":
            stack.extend((child, depth + 1) for child in item[2])
    return deepest


def fold(node):
    """Evaluate a node now if all its operands are literals (errors wait for evaluation)."""
    kind = node[0]
    if kind == "u":
        operands = (node[2],)
    elif kind == "b":
        operands = (node[2], node[3])
    else:
        operands = tuple(node[2])
    if all(op[0] == "n" for op in operands):
        try:
            return ("n", evaluate(node, None))
        except LineError:
            return node
    return node


def _need_int(value, op: str) -> int:
    if isinstance(value, float):
        raise LineError(f"operator '{op}' needs integers, got {value!r}")
    return value


def _binary(op: str, a, b):
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        if b == 0:
            raise LineError("division by zero")
        if isinstance(a, float) or isinstance(b, float):
            return a / b
        return a // b
    if op == "%":
        if b == 0:
            raise LineError("modulo by zero")
        return a % b
    if op == "<<" or op == ">>":
        a, b = _need_int(a, op), _need_int(b, op)
        if b < 0:
            raise LineError(f"negative shift count {b}")
        if b > 64:
            raise LineError(f"shift count {b} too large")
        return a << b if op == "<<" else a >> b
    if op == "&":
        return _need_int(a, op) & _need_int(b, op)
    if op == "|":
        return _need_int(a, op) | _need_int(b, op)
    if op == "^":
        return _need_int(a, op) ^ _need_int(b, op)
    if op == "==":
        return int(a == b)
    if op == "!=":
        return int(a != b)
    if op == "<":
        return int(a < b)
    if op == "<=":
        return int(a <= b)
    if op == ">":
        return int(a > b)
    if op == ">=":
        return int(a >= b)
    raise LineError(f"unknown operator {op!r}")  # pragma: no cover - parser never builds one


def _call(name: str, args):
    try:
        if name == "exp":
            return math.exp(args[0])
        if name == "round":
            return round(args[0])  # Python rounds half to even
        if name == "floor":
            return math.floor(args[0])
        if name == "ceil":
            return math.ceil(args[0])
        if name == "abs":
            return abs(args[0])
        if name == "min":
            return min(args[0], args[1])
        if name == "max":
            return max(args[0], args[1])
        if name == "clamp":
            low, high = args[1], args[2]
            if low > high:
                raise LineError(f"clamp() lower bound {low} is above upper bound {high}")
            return min(max(args[0], low), high)
    except OverflowError:
        raise LineError(f"{name}() result too large") from None
    raise LineError(f"unknown function {name}()")  # pragma: no cover


def evaluate(node, resolver):
    """Value (int or float) of an expression tree.

    resolver has symbol(name), local(name) and address(); it raises Unresolved for
    symbols without a value. Type and arithmetic problems raise LineError.
    """
    kind = node[0]
    if kind == "n":
        return node[1]
    if kind == "sym":
        return resolver.symbol(node[1])
    if kind == "loc":
        return resolver.local(node[1])
    if kind == "pc":
        return resolver.address()
    if kind == "b":
        op = node[1]
        if op == "&&":
            return int(bool(evaluate(node[2], resolver)) and bool(evaluate(node[3], resolver)))
        if op == "||":
            return int(bool(evaluate(node[2], resolver)) or bool(evaluate(node[3], resolver)))
        return _binary(op, evaluate(node[2], resolver), evaluate(node[3], resolver))
    if kind == "u":
        op = node[1]
        value = evaluate(node[2], resolver)
        if op == "-":
            return -value
        if op == "!":
            return int(not value)
        value = _need_int(value, op)
        if op == "~":
            return ~value
        if op == "<":
            return value & 0xFF
        return (value >> 8) & 0xFF  # ">"
    if kind == "f":
        return _call(node[1], [evaluate(arg, resolver) for arg in node[2]])
    raise LineError(f"bad expression node {kind!r}")  # pragma: no cover


def symbols_in(node) -> list[str]:
    """Names of the symbols an expression refers to (for messages)."""
    kind = node[0]
    if kind in ("sym", "loc"):
        return [("@" if kind == "loc" else "") + node[1]]
    if kind == "u":
        return symbols_in(node[2])
    if kind == "b":
        return symbols_in(node[2]) + symbols_in(node[3])
    if kind == "f":
        return [name for arg in node[2] for name in symbols_in(arg)]
    return []
