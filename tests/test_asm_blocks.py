"""Block constructs: .repeat, .macro, .if/.ifdef, .scope, and local label scoping."""

from __future__ import annotations

import math

from soulterm.asm import assemble


def test_repeat_generates_quarter_square_table():
    prog = assemble("* = $1000\nsqr: .repeat 512, i\n .byte <(i*i/4)\n .endrepeat\n")
    assert prog.data == bytes((i * i // 4) & 0xFF for i in range(512))


def test_repeat_generates_exp_lut():
    prog = assemble(" .repeat 20, i\n .byte clamp(round(255 * exp(-i / 4.0)), 0, 255)\n .endrepeat\n")
    assert list(prog.data) == [min(max(round(255 * math.exp(-i / 4.0)), 0), 255) for i in range(20)]


def test_nested_repeat_and_zero_count():
    prog = assemble(" .repeat 3, row\n .repeat 2, col\n .byte row * 16 + col\n .endrepeat\n .endrepeat\n"
                    " .repeat 0\n .byte $ff\n .endrepeat\n")
    assert prog.data == bytes([0x00, 0x01, 0x10, 0x11, 0x20, 0x21])


def test_repeat_without_variable_and_local_labels_per_iteration():
    prog = assemble("* = $1000\nmain:\n .repeat 2\n@wait: dex\n bne @wait\n .endrepeat\n")
    assert prog.data == bytes([0xCA, 0xD0, 0xFD, 0xCA, 0xD0, 0xFD])


def test_macro_with_parameters_and_unique_local_labels():
    source = """
        * = $1000
.macro inc16 addr
        inc addr
        bne @done
        inc addr+1
@done:
.endmacro
main:   inc16 $fb
        inc16 $1234
    """
    prog = assemble(source)
    assert prog.data == bytes([0xE6, 0xFB, 0xD0, 0x02, 0xE6, 0xFC,
                               0xEE, 0x34, 0x12, 0xD0, 0x03, 0xEE, 0x35, 0x12])
    locals_ = sorted(name for name in prog.symbols if name.startswith("main@done"))
    assert len(locals_) == 2
    assert sorted(prog.symbols[name] for name in locals_) == [0x1006, 0x100E]


def test_macro_arguments_may_contain_commas_in_parentheses_and_indirect_operands():
    source = """
.macro load reg_value, pointer
        lda #reg_value
        sta (pointer),y
.endmacro
        load max(1, 2), $fb
    """
    assert assemble(source).data == bytes([0xA9, 2, 0x91, 0xFB])


def test_macro_inside_repeat_sees_repeat_variable():
    source = """
.macro entry n
        .byte n * 2
.endmacro
        .repeat 3, i
        entry i
        .endrepeat
    """
    assert assemble(source).data == bytes([0, 2, 4])


def test_if_elseif_else():
    def pick(level):
        return assemble(f"L = {level}\n.if L == 1\n .byte 1\n.elseif L == 2\n .byte 2\n.else\n .byte 3\n.endif\n").data
    assert pick(1) == b"\x01" and pick(2) == b"\x02" and pick(7) == b"\x03"


def test_nested_if_and_inactive_branches_are_not_assembled():
    source = """
.if 1
  .if 0
        .byte 1
        .error "not assembled"
  .else
        .byte 2
  .endif
.else
        bogus instruction here
.endif
    """
    assert assemble(source).data == b"\x02"


def test_ifdef_and_ifndef_see_only_symbols_above():
    source = """
early = 1
.ifdef early
        .byte 1
.endif
.ifndef late
        .byte 2
.endif
.ifdef late
        .byte 3
.endif
late = 1
    """
    assert assemble(source).data == bytes([1, 2])


def test_ifndef_default_pattern_with_defines():
    source = ".ifndef SPEED\nSPEED = 1\n.endif\n .byte SPEED\n"
    assert assemble(source).data == b"\x01"
    assert assemble(source, defines={"SPEED": 5}).data == b"\x05"


def test_local_labels_are_scoped_to_the_last_global_label():
    source = """
        * = $1000
first:  nop
@loop:  bne @loop
second: nop
@loop:  bne @loop
        jmp first@loop
    """
    prog = assemble(source)
    assert prog.symbols["first@loop"] == 0x1001
    assert prog.symbols["second@loop"] == 0x1004
    assert prog.data[-3:] == bytes([0x4C, 0x01, 0x10])


def test_forward_local_label():
    prog = assemble("* = $1000\nmain: beq @out\n nop\n@out: rts\n")
    assert prog.data == bytes([0xF0, 0x01, 0xEA, 0x60])


def test_named_scopes():
    source = """
        * = $1000
.scope math
square: rts
.scope inner
deep:   rts
.endscope
        jsr inner.deep
        jsr square
.endscope
square: jsr math.square
        jsr math.inner.deep
    """
    prog = assemble(source)
    assert prog.symbols["math.square"] == 0x1000
    assert prog.symbols["math.inner.deep"] == 0x1001
    assert prog.symbols["square"] == 0x1008
    assert prog.data[2:8] == bytes([0x20, 0x01, 0x10, 0x20, 0x00, 0x10])
    assert prog.data[8:] == bytes([0x20, 0x00, 0x10, 0x20, 0x01, 0x10])


def test_constants_defined_from_later_labels():
    source = """
        * = $1000
SIZE = end - start
HALF = SIZE / 2
        lda #HALF
start:  .res 10
end:
    """
    assert assemble(source).data[:2] == bytes([0xA9, 5])
