"""The multi-pass assembler: walks the statement tree, defines symbols, emits bytes.

Pass 1 fixes every instruction's size (zero-page form only when the operand's
value is already known there), which fixes every label. Further passes reuse
those sizes; an extra pass runs only while constants defined from forward
references are still unresolved. The final pass reports undefined symbols,
range errors and failed .assert lines, and builds the Program.
"""

from __future__ import annotations

import functools
import os

from .errors import AsmError, Diagnostic, LineError
from .expressions import Unresolved, evaluate
from .lexer import IDENT, LOCAL, Token
from .opcodes import OPCODES
from .program import ListingLine, Program
from .statements import (CPUS, IfBlock, MacroDefinition, RawLine, RepeatBlock, ScopeBlock, Statement,
                         build_tree, local_label_definitions, read_lines)
from .textcodec import ascii_bytes, petscii_bytes
from . import z80

MAX_ERRORS = 50
MAX_NESTING = 64          # macro expansions / includes inside each other
MAX_REPEAT = 65536        # iterations of one .repeat
MAX_ITERATIONS = 1_000_000  # .repeat iterations in one pass (stops runaway nesting)
MAX_EXPANSIONS = 50_000     # macro expansions (and .repeat bodies re-read for their local labels) in one pass
MAX_EXTRA_PASSES = 8      # passes to resolve chains of forward-referenced constants

_INDEXED_MODES = {"plain": ("zp", "abs"), "x": ("zpx", "absx"), "y": ("zpy", "absy")}
_MODE_NAMES = {"zp": "zero page", "abs": "absolute", "zpx": "zero page,X", "absx": "absolute,X",
               "zpy": "zero page,Y", "absy": "absolute,Y", "imm": "immediate", "ind": "indirect",
               "indx": "(zero page,X)", "indy": "(zero page),Y", "acc": "accumulator"}


@functools.lru_cache(maxsize=64)
def parsed_source(path: str, text: str) -> list:
    """A source file's statement tree. Assembling never changes a tree (both passes run the same
    one), so the same text gives one tree to every assembly: the Spectrum's ladder assembles the
    same kernels a dozen times a build, and tokenizing them was a third of each assembly."""
    return build_tree(read_lines(path, text))


class _ForwardReference(LineError):
    """A value needed in the first pass uses a symbol not defined above the line."""

    def __init__(self, name: str, what: str):
        super().__init__(f"'{name}' must be defined above this line ({what} needs its value in the first pass)")
        self.name = name


class SourceFiles:
    """Reads source and binary files once and resolves include paths."""

    def __init__(self, include_paths):
        self.include_paths = [str(p) for p in include_paths or ()]
        self._trees: dict[str, list] = {}
        self._binaries: dict[str, bytes] = {}

    def resolve(self, name: str, including_file: str) -> str:
        if os.path.isabs(name):
            if os.path.isfile(name):
                return name
            raise LineError(f"file '{name}' not found")
        base = "" if including_file.startswith("<") else os.path.dirname(including_file)
        directories = list(dict.fromkeys([base] + self.include_paths))
        for directory in directories:
            candidate = os.path.normpath(os.path.join(directory, name))
            if os.path.isfile(candidate):
                return candidate
        searched = ", ".join(d or "." for d in directories)
        raise LineError(f"file '{name}' not found (searched: {searched})")

    def tree(self, path: str) -> list:
        if path not in self._trees:
            try:
                with open(path, encoding="utf-8") as handle:
                    text = handle.read()
            except UnicodeDecodeError:
                raise LineError(f"cannot read '{path}': not UTF-8 text") from None
            except OSError as exc:
                raise LineError(f"cannot read '{path}': {exc.strerror or exc}") from None
            self._trees[path] = parsed_source(path, text)
        return self._trees[path]

    def binary(self, path: str) -> bytes:
        if path not in self._binaries:
            try:
                with open(path, "rb") as handle:
                    self._binaries[path] = handle.read()
            except OSError as exc:
                raise LineError(f"cannot read '{path}': {exc.strerror or exc}") from None
        return self._binaries[path]


class _Pass:
    """One walk over the program. Also the resolver that expressions evaluate against."""

    def __init__(self, files: SourceFiles, defines: dict, final: bool, report: bool,
                 previous: dict | None, decisions: dict, cpu: str = "6502"):
        self.files = files
        self.cpu = cpu                  # instruction set in force (.cpu switches it)
        self.final = final
        self.report = report            # collect diagnostics in this pass
        self.previous = previous or {}  # symbol values from the pass before
        self.decisions = decisions      # instruction number -> addressing mode (fixed in pass 1)
        self.symbols: dict[str, int | float] = {}
        self.where: dict[str, tuple[str, int | None]] = {}
        self.kinds: dict[str, str] = {}
        self.declared: set[str] = set()  # constants whose value may still be unknown
        self.macros: dict[str, MacroDefinition] = {}
        self.bindings: list[dict[str, int]] = []
        self.scope_prefixes = [""]
        self.current_global = ""
        self.context: list[str] = []     # macro expansions we are inside, for messages
        self.include_stack: list[str] = []
        self.strict_what: str | None = None
        self.instruction_number = 0
        self.expansions = 0
        self.work = 0                    # macro expansions so far
        self.iterations = 0              # .repeat iterations so far
        self.pc = 0
        self.chunks: list[list] = []     # [start, bytearray, RawLine of first line]
        self.line_map: dict[int, tuple[str, int]] = {}
        self.listing: list[ListingLine] = []
        self.errors: list[tuple[RawLine, LineError, str]] = []
        self.dropped = 0                 # errors beyond MAX_ERRORS, counted only
        for name, value in (defines or {}).items():
            self.symbols[name] = value
            self.kinds[name] = "const"
            self.where[name] = ("defines", None)

    # ----- resolver interface used by expressions.evaluate -----

    def symbol(self, name: str):
        for binding in reversed(self.bindings):
            if name in binding:
                return binding[name]
        strict = self.strict_what is not None
        for prefix in reversed(self.scope_prefixes):
            full = prefix + name
            if full in self.symbols:
                return self.symbols[full]
            if not strict and full in self.previous:
                return self.previous[full]
        if strict:
            raise _ForwardReference(name, self.strict_what)
        raise Unresolved(name)

    def local(self, name: str):
        full = f"{self.current_global}@{name}"
        if full in self.symbols:
            return self.symbols[full]
        if self.strict_what is not None:
            raise _ForwardReference("@" + name, self.strict_what)
        if full in self.previous:
            return self.previous[full]
        raise Unresolved(full)

    def address(self) -> int:
        return self.pc

    # ----- evaluation helpers -----

    def value(self, expr):
        """Value of an expression; None for a forward reference before the final pass."""
        try:
            return evaluate(expr, self)
        except Unresolved as exc:
            if self.final:
                raise LineError(f"undefined symbol '{exc.name}'") from None
            return None

    def known(self, expr, what: str):
        """Value that must be known now, from symbols defined above (sizes depend on it)."""
        self.strict_what = what
        try:
            return evaluate(expr, self)
        finally:
            self.strict_what = None

    @staticmethod
    def integer(value, what: str) -> int:
        if isinstance(value, float):
            raise LineError(f"{what} must be an integer, got {value!r} (use round(), floor() or ceil())")
        return value

    # ----- diagnostics -----

    def record(self, raw: RawLine, error: LineError) -> None:
        if not self.report:
            return
        if len(self.errors) >= MAX_ERRORS:
            self.dropped += 1
            return
        frames = list(reversed(self.context))
        if len(frames) > 4:  # deep (likely recursive) expansions: innermost three and the outermost
            frames = frames[:3] + [f"... {len(frames) - 4} more", frames[-1]]
        suffix = f" ({', '.join(frames)})" if frames else ""
        self.errors.append((raw, error, suffix))

    def diagnostics(self) -> list[Diagnostic]:
        out = []
        for raw, error, suffix in self.errors:
            reason = error.reason
            if isinstance(error, _ForwardReference):
                known_later = error.name in self.declared or error.name in self.symbols
                if not known_later and not error.name.startswith("@"):
                    reason = f"undefined symbol '{error.name}'"
            diagnostic = Diagnostic(raw.file, raw.line, reason + suffix)
            if diagnostic not in out:
                out.append(diagnostic)
        return out

    # ----- symbols -----

    def define(self, full: str, value, kind: str, raw: RawLine) -> None:
        if full in self.kinds:
            same_const = kind == "const" and self.kinds[full] == "const"
            old = self.symbols.get(full)
            if same_const and (old == value or ((old is None or value is None) and not self.final)):
                if value is not None:
                    self.symbols[full] = value
                return
            file, line = self.where[full]
            first = "by defines" if line is None else f"at {file}:{line}"
            raise LineError(f"duplicate symbol '{full}' (first defined {first})")
        self.kinds[full] = kind
        self.where[full] = (raw.file, raw.line)
        if value is None:
            self.declared.add(full)
        else:
            self.symbols[full] = value

    def define_label(self, label, raw: RawLine) -> None:
        kind, name = label
        if kind == "local":
            full = f"{self.current_global}@{name}"
        else:
            full = self.scope_prefixes[-1] + name
            self.current_global = full
        self.define(full, self.pc, "label", raw)

    def is_defined(self, token: Token) -> bool:
        if token.kind == LOCAL:
            return f"{self.current_global}@{token.value}" in self.kinds
        if any(token.value in binding for binding in self.bindings):
            return True
        return any(prefix + token.value in self.kinds for prefix in self.scope_prefixes)

    # ----- output -----

    def emit(self, raw: RawLine, data) -> None:
        if not data:
            return
        start = self.pc
        end = start + len(data)
        if end > 0x10000:
            raise LineError(f"code runs past $FFFF (to ${end - 1:X})")
        last = self.chunks[-1] if self.chunks else None
        if last is not None and last[0] + len(last[1]) == start:
            last[1].extend(data)
        else:
            self.chunks.append([start, bytearray(data), raw])
        self.pc = end
        if self.final:
            self.line_map[start] = (raw.file, raw.line)
            self.listing.append(ListingLine(start, bytes(data), raw.file, raw.line, raw.text))

    # ----- walking the tree -----

    def run(self, nodes: list) -> None:
        for node in nodes:
            kind = type(node)
            if kind is Statement:
                self.statement(node)
            elif kind is IfBlock:
                self.if_block(node)
            elif kind is RepeatBlock:
                self.repeat_block(node)
            elif kind is MacroDefinition:
                self.macro_definition(node)
            elif kind is ScopeBlock:
                self.scope_block(node)

    def statement(self, st: Statement) -> None:
        if st.label is not None:
            try:
                self.define_label(st.label, st.raw)
            except LineError as exc:
                self.record(st.raw, exc)
        try:
            if self.cpu == "z80" and self.z80_instruction(st):
                return
            getattr(self, "do_" + st.kind)(st)
        except LineError as exc:
            self.record(st.raw, exc)

    def z80_instruction(self, st: Statement) -> bool:
        """Assemble the line as a Z80 instruction if it is one (the parser only knows 6502 syntax)."""
        if st.kind not in ("instr", "call", "bad") or st.raw.tokens is None:
            return False
        tokens = st.raw.tokens[2:] if st.label is not None else st.raw.tokens
        if not tokens or tokens[0].kind != IDENT or tokens[0].value.lower() not in z80.MNEMONICS:
            return False
        if st.kind == "bad" and st.label is not None and st.label[0] == "global" \
                and ("@" in st.label[1] or st.label[1].lower() in ("a", "x", "y")):
            raise LineError(st.args[0])  # the label is bad, not a 6502 reading of the operand
        template = st.made
        if template is None:        # (the same tokens each pass: encoded once)
            template = st.made = z80.encode(tokens[0].value, tokens[1:])
        self.emit(st.raw, z80.resolve(template, self.value, self.pc, self.final))
        return True

    def do_cpu(self, st: Statement) -> None:
        self.cpu = st.args[0]

    def do_none(self, st: Statement) -> None:
        pass

    def do_bad(self, st: Statement) -> None:
        raise LineError(st.args[0])

    def do_error(self, st: Statement) -> None:
        raise LineError(st.args[0])

    def do_const(self, st: Statement) -> None:
        name, expr = st.args
        self.define(self.scope_prefixes[-1] + name, self.value(expr), "const", st.raw)

    def do_org(self, st: Statement) -> None:
        address = self.integer(self.known(st.args[0], ".org"), "the address")
        if not 0 <= address <= 0xFFFF:
            raise LineError(f"address {address} out of range $0000..$FFFF")
        self.pc = address

    def do_instr(self, st: Statement) -> None:
        mnemonic, syntax, expr = st.args
        modes = OPCODES[mnemonic]
        number = self.instruction_number
        self.instruction_number += 1
        if syntax == "imp" or syntax == "acc":
            mode = "imp" if syntax == "imp" and "imp" in modes else "acc"
            if mode not in modes:
                raise LineError(f"'{mnemonic}' needs an operand" if syntax == "imp"
                                else f"'{mnemonic}' has no accumulator mode")
            self.emit(st.raw, (modes[mode],))
            return
        value = self.value(expr)
        if value is not None:
            value = self.integer(value, "the operand")
        if "rel" in modes:
            if syntax != "plain":
                raise LineError(f"'{mnemonic}' takes a plain address (relative branch)")
            self.emit(st.raw, (modes["rel"], self.branch_offset(value)))
            return
        if syntax in _INDEXED_MODES:
            mode = self.decisions.get(number)
            if mode is None:
                mode = self.choose_size(mnemonic, syntax, value)
                self.decisions[number] = mode
        else:
            mode = syntax
            if mode not in modes:
                raise LineError(f"'{mnemonic}' has no {_MODE_NAMES[mode]} mode")
        if value is None:
            value = 0
        if mode == "imm":
            if not -128 <= value <= 255:
                raise LineError(f"immediate value {value} out of range -128..255")
            self.emit(st.raw, (modes[mode], value & 0xFF))
        elif mode in ("zp", "zpx", "zpy", "indx", "indy"):
            if not 0 <= value <= 0xFF:
                raise LineError(f"address {_hex(value)} does not fit in zero page "
                                f"('{mnemonic}' {_MODE_NAMES[mode]} needs $00..$FF)")
            self.emit(st.raw, (modes[mode], value))
        else:
            if not 0 <= value <= 0xFFFF:
                raise LineError(f"address {_hex(value)} out of range $0000..$FFFF")
            self.emit(st.raw, (modes[mode], value & 0xFF, value >> 8))

    def choose_size(self, mnemonic: str, syntax: str, value) -> str:
        modes = OPCODES[mnemonic]
        zp_mode, abs_mode = _INDEXED_MODES[syntax]
        if zp_mode not in modes and abs_mode not in modes:
            raise LineError(f"'{mnemonic}' has no {_MODE_NAMES[zp_mode]} or {_MODE_NAMES[abs_mode]} mode")
        if zp_mode in modes and value is not None and 0 <= value <= 0xFF:
            return zp_mode
        if abs_mode in modes:
            return abs_mode
        return zp_mode

    def branch_offset(self, target) -> int:
        if target is None:
            return 0
        distance = target - (self.pc + 2)
        if -128 <= distance <= 127:
            return distance & 0xFF
        if not self.final:
            return 0
        raise LineError(f"branch out of range: target {_hex(target)} is {distance} bytes away "
                        f"(a branch reaches -128..+127)")

    def do_data(self, st: Statement) -> None:
        if st.made:     # (a line of numbers only: the same bytes each pass; False: a line with symbols)
            self.emit(st.raw, st.made)
            return
        kind, items = st.args
        out = bytearray()
        for item_kind, item in items:
            if item_kind == "str":
                if kind == "word":
                    raise LineError(".word takes numbers, not strings")
                out += petscii_bytes(item) if kind == "petscii" else ascii_bytes(item)
                continue
            value = self.value(item)
            if value is None:
                value = 0
            value = self.integer(value, f"a .{kind} value")
            if kind == "word":
                if not -32768 <= value <= 0xFFFF:
                    raise LineError(f".word value {value} out of range -32768..65535")
                out += bytes((value & 0xFF, (value >> 8) & 0xFF))
            else:
                if not -128 <= value <= 0xFF:
                    raise LineError(f".{kind} value {value} out of range -128..255")
                out.append(value & 0xFF)
        if st.made is None:
            st.made = all(item_kind == "str" or item[0] == "n" for item_kind, item in items) and bytes(out)
        self.emit(st.raw, out)

    def fill_byte(self, expr, directive: str) -> int:
        fill = self.value(expr)
        fill = 0 if fill is None else self.integer(fill, "the fill value")
        if not -128 <= fill <= 0xFF:
            raise LineError(f"{directive} fill value {fill} out of range -128..255")
        return fill & 0xFF

    def do_res(self, st: Statement) -> None:
        count = self.integer(self.known(st.args[0], ".res"), "the .res count")
        if count < 0:
            raise LineError(f".res count {count} is negative")
        if self.pc + count > 0x10000:
            raise LineError(f".res {count} runs past $FFFF")
        self.emit(st.raw, bytes([self.fill_byte(st.args[1], ".res")]) * count)

    def do_align(self, st: Statement) -> None:
        boundary = self.integer(self.known(st.args[0], ".align"), "the .align boundary")
        if boundary < 1:
            raise LineError(f".align boundary {boundary} must be at least 1")
        padding = -self.pc % boundary
        if self.pc + padding > 0x10000:
            raise LineError(f".align {boundary} runs past $FFFF")
        self.emit(st.raw, bytes([self.fill_byte(st.args[1], ".align")]) * padding)

    def do_include(self, st: Statement) -> None:
        path = self.files.resolve(st.args[0], st.raw.file)
        if path in self.include_stack or path == os.path.normpath(st.raw.file):
            raise LineError(f"'{st.args[0]}' includes itself")
        if len(self.include_stack) + len(self.context) >= MAX_NESTING:
            raise LineError("includes nested too deeply")
        tree = self.files.tree(path)
        self.include_stack.append(path)
        try:
            self.run(tree)
        finally:
            self.include_stack.pop()

    def do_incbin(self, st: Statement) -> None:
        name, offset_expr, length_expr = st.args
        data = self.files.binary(self.files.resolve(name, st.raw.file))
        offset = 0
        if offset_expr is not None:
            offset = self.integer(self.known(offset_expr, ".incbin"), "the .incbin offset")
            if not 0 <= offset <= len(data):
                raise LineError(f".incbin offset {offset} outside '{name}' ({len(data)} bytes)")
        length = len(data) - offset
        if length_expr is not None:
            length = self.integer(self.known(length_expr, ".incbin"), "the .incbin length")
            if length < 0 or offset + length > len(data):
                raise LineError(f".incbin length {length} at offset {offset} runs past the end "
                                f"of '{name}' ({len(data)} bytes)")
        self.emit(st.raw, data[offset:offset + length])

    def do_assert(self, st: Statement) -> None:
        if not self.final:
            return
        if not self.value(st.args[0]):
            raise LineError(st.args[1])

    def do_call(self, st: Statement) -> None:
        name, arguments = st.args
        macro = self.macros.get(name)
        if macro is None:
            raise LineError(f"unknown mnemonic or macro '{name}'")
        if any(not argument for argument in arguments):
            raise LineError(f"empty argument in call of macro '{name}'")
        if len(arguments) != len(macro.params):
            raise LineError(f"macro '{name}' takes {len(macro.params)} argument(s), got {len(arguments)}")
        if len(self.context) + len(self.include_stack) >= MAX_NESTING:
            raise LineError(f"macro '{name}' expanded too deeply (does it call itself?)")
        self.count_expansion()
        tree = self.expand(macro.body_lines, dict(zip(macro.params, arguments)))
        self.context.append(f"in macro '{name}' called at {st.raw.file}:{st.raw.line}")
        try:
            self.run(tree)
        finally:
            self.context.pop()

    def count_expansion(self) -> None:
        self.work += 1
        if self.work > MAX_EXPANSIONS:
            raise LineError(f"more than {MAX_EXPANSIONS:,} macro expansions (runaway nesting?)")

    def expand(self, body_lines: list[RawLine], substitutions: dict[str, list[Token]]) -> list:
        """Body lines with parameters replaced and local labels made unique to this expansion."""
        self.expansions += 1
        suffix = f"~{self.expansions}"
        renamed = local_label_definitions(body_lines)
        lines = []
        for raw in body_lines:
            if raw.tokens is None:
                lines.append(raw)
                continue
            tokens = []
            for tok in raw.tokens:
                if tok.kind == IDENT and tok.value in substitutions:
                    tokens.extend(substitutions[tok.value])
                elif tok.kind == LOCAL and tok.value in renamed:
                    tokens.append(Token(LOCAL, tok.value + suffix))
                else:
                    tokens.append(tok)
            lines.append(RawLine(raw.file, raw.line, raw.text, tokens))
        return build_tree(lines)

    def macro_definition(self, node: MacroDefinition) -> None:
        if node.name in self.macros:
            first = self.macros[node.name].raw
            self.record(node.raw, LineError(
                f"duplicate macro '{node.name}' (first defined at {first.file}:{first.line})"))
            return
        self.macros[node.name] = node

    def if_block(self, node: IfBlock) -> None:
        for header, test, condition, _ in node.branches:
            if test == "bad":
                self.record(header, LineError(condition))
                return
        for header, test, condition, body in node.branches:
            try:
                if isinstance(condition, LineError):
                    raise condition
                if test == "else":
                    taken = True
                elif test == "if":
                    taken = bool(self.known(condition, ".if"))
                else:
                    taken = self.is_defined(condition) == (test == "ifdef")
            except LineError as exc:
                self.record(header, exc)
                return
            if taken:
                self.run(body)
                return

    def repeat_block(self, node: RepeatBlock) -> None:
        try:
            count = self.integer(self.known(node.count, ".repeat"), "the .repeat count")
            if not 0 <= count <= MAX_REPEAT:
                raise LineError(f".repeat count {count} out of range 0..{MAX_REPEAT}")
        except LineError as exc:
            self.record(node.raw, exc)
            return
        for index in range(count):
            if self.iterations >= MAX_ITERATIONS:
                if self.iterations == MAX_ITERATIONS:  # report once, at the innermost .repeat
                    self.iterations += 1
                    self.record(node.raw, LineError(
                        f"more than {MAX_ITERATIONS:,} .repeat iterations (runaway nesting?)"))
                return
            self.iterations += 1
            if node.var is not None:
                self.bindings.append({node.var: index})
            try:
                if node.defines_locals:
                    self.count_expansion()
                    self.run(self.expand(node.body_lines, {}))
                else:
                    self.run(node.body)
            except LineError as exc:
                self.record(node.raw, exc)
                return
            finally:
                if node.var is not None:
                    self.bindings.pop()

    def scope_block(self, node: ScopeBlock) -> None:
        prefix = self.scope_prefixes[-1] + node.name + "."
        saved_global = self.current_global
        self.scope_prefixes.append(prefix)
        self.current_global = prefix[:-1]
        try:
            self.run(node.body)
        finally:
            self.scope_prefixes.pop()
            self.current_global = saved_global

    # ----- result -----

    def program(self) -> Program:
        chunks = sorted(self.chunks, key=lambda chunk: chunk[0])
        merged: list[list] = []
        for start, data, raw in chunks:
            if merged:
                prev_start, prev_data, prev_raw = merged[-1]
                prev_end = prev_start + len(prev_data)
                if start < prev_end:
                    self.errors.append((raw, LineError(
                        f"bytes at {_hex(start)}..{_hex(start + len(data) - 1)} overlap bytes already "
                        f"placed at {_hex(prev_start)}..{_hex(prev_end - 1)} "
                        f"(from {prev_raw.file}:{prev_raw.line})"), ""))
                    continue
                if start == prev_end:
                    prev_data.extend(data)
                    continue
            merged.append([start, bytearray(data), raw])
        if not merged:
            origin, image = 0, b""
        else:
            origin = merged[0][0]
            end = merged[-1][0] + len(merged[-1][1])
            image = bytearray(end - origin)
            for start, data, _ in merged:
                image[start - origin:start - origin + len(data)] = data
        symbols = {name: value for name, value in self.symbols.items()
                   if isinstance(value, int) and not isinstance(value, bool)}
        return Program(origin=origin, data=bytes(image), symbols=symbols, line_map=dict(self.line_map),
                       chunks=[(start, bytes(data)) for start, data, _ in merged],
                       listing_lines=sorted(self.listing, key=lambda entry: entry.address))


def _hex(value: int) -> str:
    return f"${value:04X}" if value >= 0 else str(value)


def _check_defines(defines) -> dict:
    checked = {}
    for name, value in (defines or {}).items():
        if not isinstance(name, str) or not name or name[0].isdigit() \
                or not all(ch.isalnum() or ch in "_." for ch in name):
            raise AsmError(Diagnostic("defines", None, f"bad symbol name {name!r}"))
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise AsmError(Diagnostic("defines", None, f"value of {name} must be a number, got {value!r}"))
        checked[name] = value
    return checked


def assemble_tree(tree: list, files: SourceFiles, defines, cpu: str = "6502") -> Program:
    """Run the passes over a statement tree and return the Program (AsmError on problems)."""
    defines = _check_defines(defines)
    if cpu not in CPUS:
        raise AsmError(Diagnostic("<arguments>", None, f"unknown CPU {cpu!r} (this assembler knows "
                                                     f"{' and '.join(CPUS)})"))
    decisions: dict[int, str] = {}
    first = _Pass(files, defines, final=False, report=True, previous=None, decisions=decisions, cpu=cpu)
    first.run(tree)
    previous = first.symbols
    unresolved = first.declared - set(first.symbols)
    for _ in range(MAX_EXTRA_PASSES):
        if not unresolved:
            break
        extra = _Pass(files, defines, final=False, report=False, previous=previous, decisions=decisions, cpu=cpu)
        extra.run(tree)
        still = extra.declared - set(extra.symbols)
        previous = extra.symbols
        if still == unresolved:
            break
        unresolved = still
    final = _Pass(files, defines, final=True, report=True, previous=previous, decisions=decisions, cpu=cpu)
    final.run(tree)
    program = final.program()
    if first.errors or final.errors:
        # The final pass repeats the first pass's errors and adds undefined
        # symbols, ranges and asserts; keep any first-pass message it lacks.
        diagnostics = final.diagnostics()
        diagnostics += [d for d in first.diagnostics() if d not in diagnostics]
        hidden = final.dropped + max(0, len(diagnostics) - MAX_ERRORS)
        if hidden:
            diagnostics = diagnostics[:MAX_ERRORS]
            last = diagnostics.pop()
            diagnostics.append(Diagnostic(last.file, last.line,
                                          f"{last.reason} (too many errors: {hidden} more not shown)"))
        raise AsmError(diagnostics)
    return program


def assemble(text: str, filename: str = "<text>", defines=None, include_paths=None, cpu: str = "6502") -> Program:
    """Assemble source text. Includes are looked up next to `filename`, then in include_paths.

    cpu: the instruction set at the start ("6502" or "z80"); `.cpu` in the source switches it.
    """
    files = SourceFiles(include_paths)
    return assemble_tree(build_tree(read_lines(filename, text)), files, defines, cpu)


def assemble_file(path, defines=None, include_paths=None, cpu: str = "6502") -> Program:
    """Assemble a source file (AsmError `path: reason` if it cannot be read)."""
    path = str(path)
    files = SourceFiles(include_paths)
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        raise AsmError(Diagnostic(path, None, "file not found")) from None
    except UnicodeDecodeError:
        raise AsmError(Diagnostic(path, None, "not UTF-8 text")) from None
    except OSError as exc:
        raise AsmError(Diagnostic(path, None, f"cannot read: {exc.strerror or exc}")) from None
    return assemble_tree(build_tree(read_lines(path, text)), files, defines, cpu)
