"""soulterm.asm: a two-pass 6502 assembler for the transformer kernels (see docs/assembler.md).

    from soulterm.asm import assemble, assemble_file, AsmError, Program
    prog = assemble_file("kernels/main.s", defines={"DEBUG": 1}, include_paths=["kernels"])
"""

from .assembler import assemble, assemble_file
from .errors import AsmError, Diagnostic
from .program import Program

__all__ = ["assemble", "assemble_file", "AsmError", "Diagnostic", "Program"]
