"""Errors: every kind is reported as `file:line: reason`, also inside includes and macros."""

from __future__ import annotations

from pathlib import Path

import pytest

from soulterm.asm import AsmError, assemble, assemble_file


def error_of(source: str, **kwargs) -> str:
    with pytest.raises(AsmError) as info:
        assemble(source, filename="k.s", **kwargs)
    return str(info.value)


@pytest.mark.parametrize("source,expected", [
    ("* = $1000\n lad #1\n", "k.s:2: unknown mnemonic or macro 'lad'"),
    (" nop\n lda missing\n", "k.s:2: undefined symbol 'missing'"),
    ("main: nop\n bne @nowhere\n", "k.s:2: undefined symbol 'main@nowhere'"),
    ("x1: nop\nx1: nop\n", "k.s:2: duplicate symbol 'x1' (first defined at k.s:1)"),
    ("N = 1\nN = 2\n", "k.s:2: duplicate symbol 'N' (first defined at k.s:1)"),
    ("N = 1\nN: nop\n", "k.s:2: duplicate symbol 'N' (first defined at k.s:1)"),
    (" lda #256\n", "k.s:1: immediate value 256 out of range -128..255"),
    (" lda #-129\n", "k.s:1: immediate value -129 out of range -128..255"),
    (" .byte 1, 256\n", "k.s:1: .byte value 256 out of range -128..255"),
    (" .byte -129\n", "k.s:1: .byte value -129 out of range -128..255"),
    (" .word 65536\n", "k.s:1: .word value 65536 out of range -32768..65535"),
    (" lda ($100),y\n", "k.s:1: address $0100 does not fit in zero page ('lda' (zero page),Y needs $00..$FF)"),
    (" stx $1234,y\n", "k.s:1: address $1234 does not fit in zero page ('stx' zero page,Y needs $00..$FF)"),
    (" lda $10000\n", "k.s:1: address $10000 out of range $0000..$FFFF"),
    (" sta #1\n", "k.s:1: 'sta' has no immediate mode"),
    (" inx #1\n", "k.s:1: 'inx' has no immediate mode"),
    (" lda\n", "k.s:1: 'lda' needs an operand"),
    (" lda a\n", "k.s:1: 'lda' has no accumulator mode"),
    (" jmp $12,x\n", "k.s:1: 'jmp' has no zero page,X or absolute,X mode"),
    (" bne $10,x\n", "k.s:1: 'bne' takes a plain address (relative branch)"),
    (" lda (1,y)\n", "k.s:1: there is no (zp,y) mode: write (zp),y"),
    (" lda $10,z\n", "k.s:1: bad index register 'z' (use x or y)"),
    (" .bogus 1\n", "k.s:1: unknown directive '.bogus'"),
    (' .byte "abc\n', "k.s:1: unterminated string"),
    (" lda #1 ` \n", "k.s:1: unexpected character '`'"),
    (' .error "kernel too large"\n', "k.s:1: kernel too large"),
    (' .assert 1 == 2, "math is broken"\n', "k.s:1: math is broken"),
    (' .byte "\u00e9"\n', "k.s:1: character '\u00e9' is not ASCII"),
    (' .petscii "a_b"\n', "k.s:1: character '_' has no PETSCII equivalent"),
    (" .res N\nN = 4\n", "k.s:1: 'N' must be defined above this line (.res needs its value in the first pass)"),
    (" .res NEVER\n", "k.s:1: undefined symbol 'NEVER'"),
    (".if LATER\n.endif\nLATER = 1\n",
     "k.s:1: 'LATER' must be defined above this line (.if needs its value in the first pass)"),
    (" .repeat -1\n .endrepeat\n", "k.s:1: .repeat count -1 out of range 0..65536"),
    (" .align 0\n", "k.s:1: .align boundary 0 must be at least 1"),
    ("* = $fffe\n .word 1, 2\n", "k.s:2: code runs past $FFFF (to $10001)"),
    ("* = $1000\n .byte 1, 2\n* = $1001\n .byte 3\n",
     "k.s:4: bytes at $1001..$1001 overlap bytes already placed at $1000..$1001 (from k.s:2)"),
    (".if 1\n nop\n", "k.s:1: '.if' without '.endif'"),
    (" nop\n.endif\n", "k.s:2: '.endif' without a matching opening directive"),
    (".if 1\n.else\n.else\n.endif\n", "k.s:3: '.else' after '.else'"),
    (" .repeat 2\n nop\n", "k.s:1: '.repeat' without '.endrepeat'"),
    (".macro m\n nop\n", "k.s:1: '.macro' without '.endmacro'"),
    (".macro lda\n.endmacro\n", "k.s:1: macro name 'lda' is a 6502 mnemonic"),
    (".macro m\n.endmacro\n.macro m\n.endmacro\n", "k.s:3: duplicate macro 'm' (first defined at k.s:1)"),
    (".macro m a1, b1\n.endmacro\n m 1\n", "k.s:3: macro 'm' takes 2 argument(s), got 1"),
    (".macro m\n m\n.endmacro\n m\n",
     "k.s:2: macro 'm' expanded too deeply (does it call itself?) (" +
     ", ".join(["in macro 'm' called at k.s:2"] * 3 + ["... 60 more", "in macro 'm' called at k.s:4"]) + ")"),
    ("v: W = 1\n", "k.s:1: a label and an assignment cannot share a line"),
    (" .byte 1.5\n", "k.s:1: a .byte value must be an integer, got 1.5 (use round(), floor() or ceil())"),
])
def test_error_message(source, expected):
    assert error_of(source) == expected


def test_branch_out_of_range_names_the_distance():
    forward = error_of("* = $1000\n bne far\n .res 128\nfar: rts\n")
    assert forward == "k.s:2: branch out of range: target $1082 is 128 bytes away (a branch reaches -128..+127)"
    backward = error_of("* = $1000\nback: .res 127\n beq back\n")
    assert backward == "k.s:3: branch out of range: target $1000 is -129 bytes away (a branch reaches -128..+127)"


def test_several_errors_are_reported_together_in_source_order():
    message = error_of(" lda #300\n nop\n foo\n jmp nowhere\n")
    assert message.splitlines() == [
        "k.s:1: immediate value 300 out of range -128..255",
        "k.s:3: unknown mnemonic or macro 'foo'",
        "k.s:4: undefined symbol 'nowhere'",
    ]


def test_error_attributes():
    with pytest.raises(AsmError) as info:
        assemble(" nop\n nop\n bogus\n", filename="kernels/x.s")
    error = info.value
    assert (error.file, error.line, error.reason) == ("kernels/x.s", 3, "unknown mnemonic or macro 'bogus'")
    assert len(error.diagnostics) == 1


def test_error_inside_included_file_names_that_file(tmp_path: Path):
    (tmp_path / "main.s").write_text('* = $1000\n nop\n .include "helper.inc"\n')
    (tmp_path / "helper.inc").write_text("; helper\n lda #1\n bcc faraway\n")
    with pytest.raises(AsmError) as info:
        assemble_file(tmp_path / "main.s")
    assert str(info.value) == f"{tmp_path / 'helper.inc'}:3: undefined symbol 'faraway'"


def test_error_inside_macro_expansion_names_body_line_and_call(tmp_path: Path):
    (tmp_path / "main.s").write_text('.include "macros.inc"\n* = $1000\nmain: nop\n fill 300\n')
    (tmp_path / "macros.inc").write_text(".macro fill value\n lda #value\n.endmacro\n")
    with pytest.raises(AsmError) as info:
        assemble_file(tmp_path / "main.s")
    assert str(info.value) == (f"{tmp_path / 'macros.inc'}:2: immediate value 300 out of range -128..255 "
                               f"(in macro 'fill' called at {tmp_path / 'main.s'}:4)")


def test_missing_and_recursive_includes(tmp_path: Path):
    (tmp_path / "main.s").write_text(' .include "nothere.inc"\n')
    with pytest.raises(AsmError) as info:
        assemble_file(tmp_path / "main.s", include_paths=[tmp_path / "lib"])
    assert str(info.value) == (f"{tmp_path / 'main.s'}:1: file 'nothere.inc' not found "
                               f"(searched: {tmp_path}, {tmp_path / 'lib'})")
    (tmp_path / "loop.s").write_text(' .include "loop.s"\n')
    with pytest.raises(AsmError) as info:
        assemble_file(tmp_path / "loop.s")
    assert str(info.value) == f"{tmp_path / 'loop.s'}:1: 'loop.s' includes itself"


def test_incbin_errors(tmp_path: Path):
    (tmp_path / "four.bin").write_bytes(b"\x01\x02\x03\x04")
    (tmp_path / "a.s").write_text(' .incbin "four.bin", 5\n')
    (tmp_path / "b.s").write_text(' .incbin "four.bin", 2, 3\n')
    (tmp_path / "c.s").write_text(' .incbin "none.bin"\n')
    expected = {
        "a.s": "1: .incbin offset 5 outside 'four.bin' (4 bytes)",
        "b.s": "1: .incbin length 3 at offset 2 runs past the end of 'four.bin' (4 bytes)",
        "c.s": f"1: file 'none.bin' not found (searched: {tmp_path})",
    }
    for name, tail in expected.items():
        with pytest.raises(AsmError) as info:
            assemble_file(tmp_path / name)
        assert str(info.value) == f"{tmp_path / name}:{tail}"


def test_unreadable_main_file(tmp_path: Path):
    with pytest.raises(AsmError) as info:
        assemble_file(tmp_path / "absent.s")
    assert str(info.value) == f"{tmp_path / 'absent.s'}: file not found"
    (tmp_path / "binary.s").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(AsmError) as info:
        assemble_file(tmp_path / "binary.s")
    assert str(info.value) == f"{tmp_path / 'binary.s'}: not UTF-8 text"


def test_bad_defines():
    with pytest.raises(AsmError) as info:
        assemble("nop\n", defines={"SPEED": "fast"})
    assert str(info.value) == "defines: value of SPEED must be a number, got 'fast'"


def test_runaway_repeat_nesting_stops_with_a_message():
    message = error_of(" .repeat 65536\n .repeat 65536\n .endrepeat\n .endrepeat\n")
    assert message == "k.s:2: more than 1,000,000 .repeat iterations (runaway nesting?)"


def test_exponential_macro_recursion_stops():
    with pytest.raises(AsmError) as info:
        assemble(".macro b\n b\n b\n.endmacro\n b\n", filename="k.s")
    assert info.value.reason.startswith("macro 'b' expanded too deeply (does it call itself?)")


@pytest.mark.parametrize("expression,reason", [
    ("(" * 5000 + "1" + ")" * 5000, "nested more than"),
    ("-" * 5000 + "1", "nested more than"),
    ("< " * 3000 + "val", "nested more than"),
    ("min(" * 2000 + "1" + ",1)" * 2000, "nested more than"),
    ("+".join(["val"] * 5000), "operators in a chain"),
], ids=["parentheses", "unary-minus", "low-byte", "calls", "long-chain"])
def test_deeply_nested_expressions_are_a_line_error_not_a_recursion_error(expression, reason):
    message = error_of(f"val = 1\n    .byte {expression}\n")
    assert message.startswith("k.s:2: ") and reason in message
    assert "\n" not in message


def test_forty_nested_parentheses_still_assemble():
    program = assemble("    .byte " + "(" * 40 + "7" + ")" * 40 + "\n", filename="k.s")
    assert bytes(program.data) == b"\x07"
