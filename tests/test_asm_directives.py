"""Directives: .org/* =, .byte, .word, .text, .petscii, .res, .align, .include, .incbin, .assert,
and the Program outputs (origin, data, chunks, symbols, line map, listing)."""

from __future__ import annotations

from pathlib import Path

import pytest

from soulterm.asm import AsmError, assemble, assemble_file


def test_org_and_star_assignment_are_the_same():
    assert assemble(".org $0801\n nop\n").origin == 0x0801
    assert assemble("* = $0801\n nop\n").origin == 0x0801


def test_org_gap_is_zero_filled_and_chunks_record_what_was_emitted():
    prog = assemble("* = $1000\n .byte 1, 2\n .org $1005\n .byte 3\n")
    assert prog.origin == 0x1000
    assert prog.data == bytes([1, 2, 0, 0, 0, 3])
    assert prog.chunks == [(0x1000, bytes([1, 2])), (0x1005, bytes([3]))]


def test_org_back_into_free_space_is_allowed_and_chunks_sorted():
    prog = assemble("* = $2000\n .byte 2\n * = $1000\n .byte 1\n")
    assert prog.chunks == [(0x1000, b"\x01"), (0x2000, b"\x02")]
    assert prog.origin == 0x1000 and len(prog.data) == 0x1001


def test_default_origin_is_zero():
    prog = assemble(" lda #1\n")
    assert prog.origin == 0 and prog.data == bytes([0xA9, 1])


def test_byte_values_and_strings():
    prog = assemble("* = $1234\nlabel: .byte 1, $ff, -1, -128, <label, >label, \"Hi!\", 'z'\n")
    assert prog.data == bytes([1, 0xFF, 0xFF, 0x80, 0x34, 0x12]) + b"Hi!" + b"z"
    assert assemble(' .db "a\\"b\\\\", 0\n').data == b'a"b\\\x00'


def test_word_little_endian_and_negative():
    prog = assemble("* = $1000\nhere: .word here, $1234, -1, -32768, 65535\n")
    assert prog.data == bytes([0x00, 0x10, 0x34, 0x12, 0xFF, 0xFF, 0x00, 0x80, 0xFF, 0xFF])
    assert assemble(" .dw 1\n").data == bytes([1, 0])


def test_text_is_ascii():
    assert assemble(' .text "soul 64\\r", 0\n').data == b"soul 64\r\x00"


def test_petscii_conversion():
    # a-z -> $41-$5A, A-Z -> $C1-$DA, digits/punctuation unchanged (Commodore 64 PETSCII table)
    assert assemble(' .petscii "Hello, C64!", 13\n').data == \
        bytes([0xC8, 0x45, 0x4C, 0x4C, 0x4F, 0x2C, 0x20, 0xC3, 0x36, 0x34, 0x21, 0x0D])
    assert assemble(' .petscii "az AZ @[]"\n').data == bytes([0x41, 0x5A, 0x20, 0xC1, 0xDA, 0x20, 0x40, 0x5B, 0x5D])


def test_res_and_align():
    prog = assemble("* = $10fd\n .res 2\n .res 1, $ea\n .align 256, $ff\nend: .align 256\n")
    assert prog.data == bytes([0, 0, 0xEA])
    assert prog.symbols["end"] == 0x1100
    prog = assemble("* = $1001\n .align 4\n .byte 9\n .align 2, 7\n")
    assert prog.data == bytes([0, 0, 0, 9, 7])


def test_include_relative_to_including_file_then_include_paths(tmp_path: Path):
    (tmp_path / "src").mkdir()
    (tmp_path / "lib").mkdir()
    (tmp_path / "src" / "main.s").write_text('* = $c000\n .include "zp.inc"\n .include "util.inc"\n lda #ZP\n')
    (tmp_path / "src" / "zp.inc").write_text("ZP = $fb\n")
    (tmp_path / "lib" / "util.inc").write_text("util: rts\n")
    prog = assemble_file(tmp_path / "src" / "main.s", include_paths=[tmp_path / "lib"])
    assert prog.data == bytes([0x60, 0xA9, 0xFB])
    assert prog.symbols["util"] == 0xC000
    assert prog.line_map[0xC000] == (str(tmp_path / "lib" / "util.inc"), 1)
    assert prog.line_map[0xC001] == (str(tmp_path / "src" / "main.s"), 4)


def test_incbin_with_offset_and_length(tmp_path: Path):
    (tmp_path / "blob.bin").write_bytes(bytes(range(10)))
    (tmp_path / "main.s").write_text(
        '* = $2000\n .incbin "blob.bin"\n .incbin "blob.bin", 7\n .incbin "blob.bin", 2, 3\n')
    prog = assemble_file(tmp_path / "main.s")
    assert prog.data == bytes(range(10)) + bytes([7, 8, 9]) + bytes([2, 3, 4])


def test_assert_sees_labels_defined_later():
    assemble("* = $1000\n .assert end - start == 2, \"size\"\nstart: nop\n nop\nend:\n")
    with pytest.raises(AsmError) as info:
        assemble("* = $1000\n .assert end - start == 3, \"routine grew\"\nstart: nop\n nop\nend:\n")
    assert str(info.value) == "<text>:2: routine grew"


def test_symbols_and_line_map():
    prog = assemble("CONST = 7\n* = $0801\nmain: lda #CONST\n\n@loop: dex\n bne @loop\n .byte 1, 2\n")
    assert prog.symbols == {"CONST": 7, "main": 0x0801, "main@loop": 0x0803}
    assert prog.line_map == {0x0801: ("<text>", 3), 0x0803: ("<text>", 5), 0x0804: ("<text>", 6),
                             0x0806: ("<text>", 7)}


def test_defines_are_constants():
    prog = assemble(".if DEBUG\n .byte 1\n.else\n .byte 2\n.endif\n .byte LEVEL\n", defines={"DEBUG": 0, "LEVEL": 9})
    assert prog.data == bytes([2, 9])
    assert prog.symbols["LEVEL"] == 9


def test_listing_shows_address_bytes_and_source():
    listing = assemble("* = $c000\nstart: lda #$01 ; one\n rts\n").listing()
    lines = listing.splitlines()
    assert lines[0].startswith("C000  A9 01")
    assert lines[0].endswith("start: lda #$01 ; one")
    assert lines[1].startswith("C002  60")


def test_large_data_assembles(tmp_path: Path):
    rows = "\n".join(" .byte " + ", ".join(str((r * 16 + c) % 256) for c in range(16)) for r in range(2048))
    prog = assemble("* = $1000\n" + rows + "\n")
    assert len(prog.data) == 32768
    assert prog.data[:20] == bytes(range(20))
