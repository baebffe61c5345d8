"""Source lines -> statements, and statements -> a tree of blocks (.if, .repeat, .macro, .scope).

The tree is built once per file (and once per macro expansion) and walked by
every assembler pass.
"""

from __future__ import annotations

from .errors import LineError
from .expressions import parse_expression
from .lexer import DIRECTIVE, IDENT, LOCAL, OP, STR, Token, tokenize
from .opcodes import OPCODES

CPUS = ("6502", "z80")  # instruction sets `.cpu` selects; the first is the default


class RawLine:
    """One source line: where it is, its text and its tokens (or the lexing error)."""

    __slots__ = ("file", "line", "text", "tokens", "error")

    def __init__(self, file: str, line: int, text: str, tokens: list[Token] | None, error: str | None = None):
        self.file = file
        self.line = line
        self.text = text
        self.tokens = tokens
        self.error = error


# A line's tokens and its statement's (label, kind, args) by its text: sources built many times
# with few lines changed (the Spectrum player's, a dozen builds a ladder) tokenize and parse each
# line once. Neither is ever changed once made (a macro's expansion makes new token lists), so
# lines of the same text share them; the caches start again past LINE_CACHE_SIZE lines.
LINE_CACHE_SIZE = 200_000
_line_tokens: dict[str, list] = {}
_line_statements: dict[str, tuple] = {}


def _tokens(line_text: str) -> list:
    tokens = _line_tokens.get(line_text)
    if tokens is None:
        if len(_line_tokens) >= LINE_CACHE_SIZE:
            _line_tokens.clear()
            _line_statements.clear()
        tokens = _line_tokens[line_text] = tokenize(line_text)
    return tokens


def read_lines(file: str, text: str) -> list[RawLine]:
    """Tokenize every line of a source text."""
    lines = []
    for number, line_text in enumerate(text.splitlines(), start=1):
        try:
            lines.append(RawLine(file, number, line_text, _tokens(line_text)))
        except LineError as exc:
            lines.append(RawLine(file, number, line_text, None, exc.reason))
    return lines


class Statement:
    """One executable line: optional label plus one action.

    kind: "none", "const", "org", "instr", "data", "res", "align", "include",
    "incbin", "assert", "error", "call" (macro invocation) or "bad" (syntax error,
    reported when the line is assembled).
    made: what the assembler makes of the line the same way in every pass (a Z80
    instruction's byte template, a .byte line of numbers' bytes), once; None until then,
    False for a data line whose bytes depend on symbols.
    """

    __slots__ = ("raw", "label", "kind", "args", "made")

    def __init__(self, raw: RawLine, label, kind: str, args=()):
        self.raw = raw
        self.label = label      # None, ("global", name) or ("local", name)
        self.kind = kind
        self.args = args
        self.made = None


class IfBlock:
    """.if/.ifdef/.ifndef with .elseif/.else branches: [(test, argument, body)], test in if/ifdef/ifndef/else."""

    __slots__ = ("raw", "branches")

    def __init__(self, raw: RawLine, branches):
        self.raw = raw
        self.branches = branches


class RepeatBlock:
    __slots__ = ("raw", "count", "var", "body", "body_lines", "defines_locals")

    def __init__(self, raw, count, var, body, body_lines):
        self.raw = raw
        self.count = count
        self.var = var
        self.body = body
        self.body_lines = body_lines
        self.defines_locals = bool(local_label_definitions(body_lines))


class MacroDefinition:
    __slots__ = ("raw", "name", "params", "body_lines")

    def __init__(self, raw, name, params, body_lines):
        self.raw = raw
        self.name = name
        self.params = params
        self.body_lines = body_lines


class ScopeBlock:
    __slots__ = ("raw", "name", "body")

    def __init__(self, raw, name, body):
        self.raw = raw
        self.name = name
        self.body = body


# Block directives: opener -> closer.
_BLOCKS = {"if": "endif", "ifdef": "endif", "ifndef": "endif", "repeat": "endrepeat",
           "macro": "endmacro", "scope": "endscope"}
_CLOSERS = {"endif", "endrepeat", "endmacro", "endscope"}
_BRANCHES = {"elseif", "else"}

DATA_DIRECTIVES = {"byte": "byte", "db": "byte", "word": "word", "dw": "word",
                   "text": "text", "petscii": "petscii"}


def split_commas(tokens: list[Token]) -> list[list[Token]]:
    """Split tokens at top-level commas (not inside parentheses)."""
    parts: list[list[Token]] = [[]]
    depth = 0
    for tok in tokens:
        if tok.kind == OP:
            if tok.value == "(":
                depth += 1
            elif tok.value == ")":
                depth -= 1
            elif tok.value == "," and depth == 0:
                parts.append([])
                continue
        parts[-1].append(tok)
    if parts == [[]]:
        return []
    return parts


def local_label_definitions(lines: list[RawLine]) -> set[str]:
    """Names of the local labels (@name:) defined at the start of these lines."""
    names = set()
    for raw in lines:
        toks = raw.tokens
        if toks and len(toks) >= 2 and toks[0].kind == LOCAL and toks[1].is_op(":"):
            names.add(toks[0].value)
    return names


def _block_directive(tokens: list[Token]) -> tuple[str | None, int]:
    """(directive name, index) if the line's action is a block directive."""
    start = 2 if len(tokens) >= 2 and tokens[0].kind in (IDENT, LOCAL) and tokens[1].is_op(":") else 0
    if len(tokens) > start and tokens[start].kind == DIRECTIVE:
        name = tokens[start].value
        if name in _BLOCKS or name in _CLOSERS or name in _BRANCHES:
            return name, start
    return None, 0


def build_tree(lines: list[RawLine]) -> list:
    """Statements and blocks of a list of lines; structure errors become "bad" statements."""
    nodes, _, _ = _build(lines, 0, None)
    return nodes


def _bad(raw: RawLine, reason: str) -> Statement:
    return Statement(raw, None, "bad", (reason,))


def _find_end(lines: list[RawLine], index: int, closer: str) -> int:
    """Index of the line closing the block opened just before `index` (len(lines) if none)."""
    stack = [closer]
    while index < len(lines):
        toks = lines[index].tokens
        if toks:
            name, _ = _block_directive(toks)
            if name in _BLOCKS:
                stack.append(_BLOCKS[name])
            elif name in _CLOSERS:
                if name == stack[-1]:
                    stack.pop()
                    if not stack:
                        return index
        index += 1
    return len(lines)


def _build(lines: list[RawLine], index: int, closer: str | None):
    """Build nodes from lines[index:] up to the closing directive; returns (nodes, next index, stop name)."""
    nodes: list = []
    while index < len(lines):
        raw = lines[index]
        index += 1
        if raw.tokens is None:
            nodes.append(_bad(raw, raw.error))
            continue
        name, start = _block_directive(raw.tokens)
        if name is None:
            nodes.append(_statement(raw))
            continue
        if start:
            # A label in front of a block directive labels the current address.
            nodes.append(parse_statement(RawLine(raw.file, raw.line, raw.text, raw.tokens[:2])))
        args = raw.tokens[start + 1:]
        if name in _CLOSERS or name in _BRANCHES:
            if closer is not None and (name == closer or (name in _BRANCHES and closer == "endif")):
                return nodes, index - 1, name
            nodes.append(_bad(raw, f"'.{name}' without a matching opening directive"))
            continue
        if name in ("if", "ifdef", "ifndef"):
            node, index = _if_block(lines, index, raw, name, args)
            nodes.append(node)
            continue
        body_closer = _BLOCKS[name]
        end = _find_end(lines, index, body_closer)
        if end == len(lines):
            nodes.append(_bad(raw, f"'.{name}' without '.{body_closer}'"))
            return nodes, len(lines), None
        body_lines = lines[index:end]
        index = end + 1
        try:
            if name == "macro":
                nodes.append(_macro(raw, args, body_lines))
            elif name == "repeat":
                nodes.append(_repeat(raw, args, body_lines))
            else:
                nodes.append(_scope(raw, args, body_lines))
        except LineError as exc:
            nodes.append(_bad(raw, exc.reason))
    return nodes, index, None


def _repeat(raw: RawLine, args: list[Token], body_lines: list[RawLine]) -> RepeatBlock:
    parts = split_commas(args)
    if len(parts) not in (1, 2):
        raise LineError("usage: .repeat count [, variable]")
    var = None
    if len(parts) == 2:
        if len(parts[1]) != 1 or parts[1][0].kind != IDENT:
            raise LineError("the .repeat variable must be a plain name")
        var = parts[1][0].value
    body, _, _ = _build(body_lines, 0, None)
    return RepeatBlock(raw, parse_expression(parts[0]), var, body, body_lines)


def _scope(raw: RawLine, args: list[Token], body_lines: list[RawLine]) -> ScopeBlock:
    if len(args) != 1 or args[0].kind != IDENT or "." in args[0].value or "@" in args[0].value:
        raise LineError("usage: .scope name")
    body, _, _ = _build(body_lines, 0, None)
    return ScopeBlock(raw, args[0].value, body)


def _if_block(lines, index, raw, name, args):
    """Parse an .if chain starting after its opening line; returns (IfBlock, next index)."""
    end = _find_end(lines, index, "endif")
    if end == len(lines):
        return _bad(raw, f"'.{name}' without '.endif'"), len(lines)
    inner = lines[index:end]
    branches = []
    test, argument, header = name, args, raw
    position = 0
    while True:
        body, position, stop = _build(inner, position, "endif")
        branches.append((header, test, _condition(test, argument), body))
        if stop is None:
            break
        header = inner[position]
        _, start = _block_directive(header.tokens)
        stop_args = header.tokens[start + 1:]
        position += 1
        if test == "else":
            branches.append((header, "bad", f"'.{stop}' after '.else'", []))
            break
        test, argument = ("if", stop_args) if stop == "elseif" else ("else", stop_args)
    return IfBlock(raw, branches), end + 1


def _condition(test: str, args: list[Token]):
    try:
        if test == "if":
            return parse_expression(args)
        if test in ("ifdef", "ifndef"):
            if len(args) != 1 or args[0].kind not in (IDENT, LOCAL):
                raise LineError(f"usage: .{test} NAME")
            return args[0]
        if args:
            raise LineError("'.else' takes no argument")
        return None
    except LineError as exc:
        return LineError(exc.reason)


def _macro(raw: RawLine, args: list[Token], body_lines: list[RawLine]) -> MacroDefinition:
    if not args or args[0].kind != IDENT or "." in args[0].value or "@" in args[0].value:
        raise LineError("usage: .macro name [param, ...]")
    name = args[0].value
    if name.lower() in OPCODES:
        raise LineError(f"macro name '{name}' is a 6502 mnemonic")
    params = []
    rest = args[1:]
    if rest and rest[0].is_op(","):
        rest = rest[1:]
    for part in split_commas(rest):
        if len(part) != 1 or part[0].kind != IDENT:
            raise LineError("macro parameters must be plain names separated by commas")
        if part[0].value in params:
            raise LineError(f"macro parameter '{part[0].value}' listed twice")
        params.append(part[0].value)
    return MacroDefinition(raw, name, params, body_lines)


def _statement(raw: RawLine) -> Statement:
    """parse_statement's, once for each line text read_lines tokenized (its tokens the cache's)."""
    if _line_tokens.get(raw.text) is not raw.tokens:
        return parse_statement(raw)
    parsed = _line_statements.get(raw.text)
    if parsed is None:
        statement = parse_statement(raw)
        _line_statements[raw.text] = (statement.label, statement.kind, statement.args)
        return statement
    return Statement(raw, *parsed)


def parse_statement(raw: RawLine) -> Statement:
    """Parse one non-block line into a Statement (syntax errors give a "bad" statement)."""
    toks = raw.tokens
    label = None
    pos = 0
    if len(toks) >= 2 and toks[0].kind in (IDENT, LOCAL) and toks[1].is_op(":"):
        label = ("local" if toks[0].kind == LOCAL else "global", toks[0].value)
        pos = 2
    rest = toks[pos:]
    try:
        if label is not None and toks[0].kind == IDENT and ("@" in toks[0].value):
            raise LineError(f"label name '{toks[0].value}' may not contain '@' (write @name for a local label)")
        if label is not None and toks[0].kind == IDENT and toks[0].value.lower() in ("a", "x", "y"):
            raise LineError(f"'{toks[0].value}' is a register name and cannot be a label")
        if not rest:
            return Statement(raw, label, "none")
        first = rest[0]
        if len(rest) >= 2 and rest[1].is_op("=") and (first.kind == IDENT or first.is_op("*")):
            if label is not None:
                raise LineError("a label and an assignment cannot share a line")
            if first.is_op("*"):
                return Statement(raw, None, "org", (parse_expression(rest[2:]),))
            if "@" in first.value or first.value.lower() in ("a", "x", "y"):
                raise LineError(f"'{first.value}' cannot be a constant name")
            return Statement(raw, None, "const", (first.value, parse_expression(rest[2:])))
        if first.kind == DIRECTIVE:
            return _directive(raw, label, first.value, rest[1:])
        if first.kind == IDENT:
            mnemonic = first.value.lower()
            if mnemonic in OPCODES:
                return Statement(raw, label, "instr", (mnemonic,) + parse_operand(mnemonic, rest[1:]))
            if "." in first.value or "@" in first.value:
                raise LineError(f"unknown mnemonic or macro '{first.value}'")
            return Statement(raw, label, "call", (first.value, split_commas(rest[1:])))
        raise LineError(f"expected a mnemonic, directive, macro or label, found {first.source()!r}")
    except LineError as exc:
        return Statement(raw, label, "bad", (exc.reason,))


def _is_register(tokens: list[Token], name: str) -> bool:
    return len(tokens) == 1 and tokens[0].kind == IDENT and tokens[0].value.lower() == name


def _matching_paren(tokens: list[Token], open_index: int) -> int:
    depth = 0
    for i in range(open_index, len(tokens)):
        if tokens[i].is_op("("):
            depth += 1
        elif tokens[i].is_op(")"):
            depth -= 1
            if depth == 0:
                return i
    raise LineError("missing ')' in operand")


def parse_operand(mnemonic: str, toks: list[Token]) -> tuple[str, object]:
    """(syntax, expression) of an instruction operand.

    syntax: imp (none), acc, imm, ind, indx, indy, plain, x, y
    """
    if not toks:
        return "imp", None
    if _is_register(toks, "a"):
        return "acc", None
    if toks[0].is_op("#"):
        return "imm", parse_expression(toks[1:])
    if toks[0].is_op("("):
        close = _matching_paren(toks, 0)
        inner = toks[1:close]
        after = toks[close + 1:]
        if not after:
            parts = split_commas(inner)
            if len(parts) == 2 and _is_register(parts[1], "x"):
                return "indx", parse_expression(parts[0])
            if len(parts) == 2 and _is_register(parts[1], "y"):
                raise LineError("there is no (zp,y) mode: write (zp),y")
            if len(parts) > 1:
                raise LineError("bad indirect operand")
            if mnemonic == "jmp":
                return "ind", parse_expression(inner)
        elif len(after) == 2 and after[0].is_op(",") and _is_register(after[1:], "y"):
            if len(split_commas(inner)) != 1:
                raise LineError("bad indirect operand: write (zp),y or (zp,x)")
            return "indy", parse_expression(inner)
        elif len(after) == 2 and after[0].is_op(",") and _is_register(after[1:], "x") \
                and len(split_commas(inner)) == 1 and mnemonic not in ("jmp",):
            # "(zp),x" does not exist; read it as an expression in parentheses, indexed by X.
            return "x", parse_expression(inner)
    parts = split_commas(toks)
    if len(parts) == 1:
        return "plain", parse_expression(parts[0])
    if len(parts) == 2:
        if _is_register(parts[1], "x"):
            return "x", parse_expression(parts[0])
        if _is_register(parts[1], "y"):
            return "y", parse_expression(parts[0])
        raise LineError(f"bad index register {' '.join(t.source() for t in parts[1])!r} (use x or y)")
    raise LineError("too many operands")


def _string_or_expression(part: list[Token]):
    if len(part) == 1 and part[0].kind == STR:
        return ("str", part[0].value)
    return ("expr", parse_expression(part))


def _one_string(args: list[Token], directive: str) -> str:
    if len(args) != 1 or args[0].kind != STR:
        raise LineError(f'usage: .{directive} "text"')
    return args[0].value


def _directive(raw: RawLine, label, name: str, args: list[Token]) -> Statement:
    parts = split_commas(args)
    if name in DATA_DIRECTIVES:
        if not parts or any(not part for part in parts):
            raise LineError(f".{name} needs a comma-separated list of values")
        return Statement(raw, label, "data", (DATA_DIRECTIVES[name], [_string_or_expression(p) for p in parts]))
    if name == "org":
        if len(parts) != 1:
            raise LineError("usage: .org address")
        return Statement(raw, label, "org", (parse_expression(parts[0]),))
    if name in ("res", "align"):
        if len(parts) not in (1, 2):
            raise LineError(f"usage: .{name} {'count' if name == 'res' else 'n'} [, fill]")
        fill = parse_expression(parts[1]) if len(parts) == 2 else ("n", 0)
        return Statement(raw, label, name, (parse_expression(parts[0]), fill))
    if name == "include":
        return Statement(raw, label, "include", (_one_string(args, name),))
    if name == "incbin":
        if not parts or len(parts) > 3 or len(parts[0]) != 1 or parts[0][0].kind != STR:
            raise LineError('usage: .incbin "file" [, offset [, length]]')
        offset = parse_expression(parts[1]) if len(parts) >= 2 else None
        length = parse_expression(parts[2]) if len(parts) == 3 else None
        return Statement(raw, label, "incbin", (parts[0][0].value, offset, length))
    if name == "assert":
        if len(parts) != 2 or len(parts[1]) != 1 or parts[1][0].kind != STR:
            raise LineError('usage: .assert expression, "message"')
        return Statement(raw, label, "assert", (parse_expression(parts[0]), parts[1][0].value))
    if name == "error":
        return Statement(raw, label, "error", (_one_string(args, name),))
    if name == "cpu":
        if len(args) != 1:
            raise LineError("usage: .cpu 6502 | z80")
        cpu = str(args[0].value).lower()
        if cpu not in CPUS:
            raise LineError(f"unknown CPU '{cpu}' (this assembler knows {' and '.join(CPUS)})")
        return Statement(raw, label, "cpu", (cpu,))
    raise LineError(f"unknown directive '.{name}'")
