"""Assembly errors: one `file:line: reason` diagnostic each, collected into AsmError."""

from __future__ import annotations


class Diagnostic:
    """One problem found in the source, at a file and line (line None: the file itself)."""

    __slots__ = ("file", "line", "reason")

    def __init__(self, file: str, line: int | None, reason: str):
        self.file = file
        self.line = line
        self.reason = reason

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.file}: {self.reason}"
        return f"{self.file}:{self.line}: {self.reason}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Diagnostic) and str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))

    def __repr__(self) -> str:
        return f"Diagnostic({str(self)!r})"


class AsmError(Exception):
    """Assembly failed. str(e) is one `file:line: reason` line per problem found.

    e.file, e.line and e.reason describe the first problem; e.diagnostics lists all.
    """

    def __init__(self, diagnostics: list[Diagnostic] | Diagnostic):
        if isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        if not diagnostics:
            raise ValueError("AsmError needs at least one diagnostic")
        self.diagnostics = list(diagnostics)
        first = self.diagnostics[0]
        self.file = first.file
        self.line = first.line
        self.reason = first.reason
        super().__init__("\n".join(str(d) for d in self.diagnostics))

    def __str__(self) -> str:
        return "\n".join(str(d) for d in self.diagnostics)


class LineError(Exception):
    """Raised inside the assembler for a problem on the statement being processed."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason
