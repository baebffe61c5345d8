"""TAP images: block framing, headers, checksums and the BASIC loader, checked against the format's rules.

The rules (the .tap format as documented for Spectrum emulators): each block is
a 2-byte little-endian length counting flag + data + checksum, a flag ($00
header, $FF data), the data, and the XOR of flag and data; a header holds 17
bytes: type, 10-character name padded with spaces, data length, parameter 1,
parameter 2.
"""

import pytest

from soulterm.zx import tap


def test_code_header_bytes_follow_the_format():
    header = tap.Header(tap.CODE, "soul", 0x1234, 0x8000, 0x8000).to_bytes()
    assert header == bytes([3]) + b"soul      " + bytes([0x34, 0x12, 0x00, 0x80, 0x00, 0x80])
    assert tap.Header.from_bytes(header) == tap.Header(tap.CODE, "soul", 0x1234, 0x8000, 0x8000)


def test_tape_is_a_program_header_loader_code_header_and_code():
    code = bytes(range(200))
    image = tap.write_tap("player", code, 0x8000)
    blocks = tap.decode_blocks(image)
    assert [b.flag for b in blocks] == [0x00, 0xFF, 0x00, 0xFF]
    assert [len(blocks[0].data), len(blocks[2].data), len(blocks[3].data)] == [17, 17, 200]
    # First block on the tape: length 19 = flag + 17 header bytes + checksum.
    assert image[:3] == bytes([19, 0, 0])
    program = tap.Header.from_bytes(blocks[0].data)
    assert (program.kind, program.name, program.param1) == (tap.PROGRAM, "player", 10)
    assert program.length == program.param2 == len(blocks[1].data)  # no variables after the program
    files = tap.files(blocks)
    assert files[1].header == tap.Header(tap.CODE, "player", 200, 0x8000, 0x8000)
    assert files[1].data == code


def test_every_block_ends_with_the_xor_of_flag_and_data():
    image = tap.write_tap("x", b"\x01\x02\x04", 0x9000)
    position = 0
    while position < len(image):
        length = int.from_bytes(image[position:position + 2], "little")
        body = image[position + 2:position + 2 + length]
        xor = 0
        for byte in body:
            xor ^= byte
        assert xor == 0  # flag ^ data ^ checksum
        position += 2 + length
    assert position == len(image)


def test_loader_line_is_tokenised_basic_with_hidden_numbers():
    line = tap.loader_program(0x8000, 0x8000)
    assert line[:2] == b"\x00\x0a"                         # line 10, big-endian
    assert int.from_bytes(line[2:4], "little") == len(line) - 4
    assert line[4] == 0xFD                                 # CLEAR
    assert b"32767\x0e\x00\x00\xff\x7f\x00" in line      # digits + 5-byte form
    assert bytes([0xEF]) + b'""' + bytes([0xAF]) in line  # LOAD "" CODE
    assert bytes([0xF9, 0xC0]) + b"32768\x0e\x00\x00\x00\x80\x00" in line  # RANDOMIZE USR 32768
    assert line.endswith(b"\x0d")
    statements = tap.parse_basic(line)[0][1]
    assert [(s.keyword, s.argument) for s in statements] == [("CLEAR", 32767), ("LOAD CODE", None),
                                                             ("USR", 32768)]


def test_val_string_numbers_in_a_loader_are_understood():
    body = bytes([0xFD, 0xB0]) + b'"24999"' + b":" + bytes([0xF9, 0xC0, 0xB0]) + b'"25000"'
    statements = tap.parse_basic(tap.basic_line(1, body))[0][1]
    assert [(s.keyword, s.argument) for s in statements] == [("CLEAR", 24999), ("USR", 25000)]


@pytest.mark.parametrize("mutate, message", [
    (lambda image: image[:-1] + bytes([image[-1] ^ 1]), "block 4 has a bad checksum"),
    (lambda image: image[:30], "block 2 is cut off: 7 of"),
    (lambda image: image + b"\x01", "block 5 is cut off in its length field"),
    (lambda image: b"", "no blocks"),
    (lambda image: b"\x01\x00\x00", "block 1 has length 1"),
])
def test_damaged_tapes_give_one_line_reasons(mutate, message):
    image = mutate(tap.write_tap("x", b"\xc9", 0x8000))
    with pytest.raises(tap.TapError, match=message.replace("(", r"\(")):
        tap.decode_blocks(image)


def test_header_without_its_data_block_is_reported():
    blocks = tap.decode_blocks(tap.write_tap("game", b"\xc9", 0x8000))[:3]
    with pytest.raises(tap.TapError, match="header 'game' .* has no data block"):
        tap.files(blocks)


def test_a_basic_program_that_is_not_a_loader_is_refused():
    line = tap.basic_line(10, bytes([0xF5]) + b'"hi"')  # PRINT "hi"
    with pytest.raises(tap.TapError, match="line 10: PRINT is not a loader statement"):
        tap.parse_basic(line)


def test_a_blocks_load_time_follows_the_roms_save_timings():
    # a data block of one zero byte carries $FF, $00 and the checksum $FF: 16 ones, 8 zeros
    block = tap.Block(tap.DATA_FLAG, b"\x00")
    t_states = 3223 * 2168 + 667 + 735 + 2 * (8 * 855 + 16 * 1710)
    assert tap.block_seconds(block) == pytest.approx(t_states / 3_500_000 + 1.0)
    header = tap.Block(tap.HEADER_FLAG, tap.Header(tap.CODE, "x", 1, 0xC000, 0x8000).to_bytes())
    assert tap.block_seconds(header) > tap.block_seconds(block) + 2      # the header's longer pilot
    image = tap.encode_blocks([header, block])
    assert tap.load_seconds(image) == pytest.approx(tap.block_seconds(header) + tap.block_seconds(block))


def test_a_loader_whose_clear_leaves_load_too_little_room_is_the_real_roms_out_of_memory():
    """LOAD "" CODE after CLEAR: the real ROM's TEST-ROOM wants rom.LOAD_CODE_ROOM bytes from the
    loader's end to RAMTOP (measured on the real 48 BASIC and 128 ROMs, tests/test_zx_real_rom.py),
    else "4 Out of memory" and nothing loads. Main's origin until the twenty-second round, $5D80
    (CLEAR 23935), was 10 bytes short for the 48K's loader; the build's origins leave it room."""
    from soulterm.zx import Spectrum
    from soulterm.zx.build import ORIGINS
    from soulterm.zx.rom import LOAD_CODE_ROOM, PROGRAM_START

    least = PROGRAM_START + len(tap.loader_program(ORIGINS["48k"], ORIGINS["48k"])) + LOAD_CODE_ROOM
    assert least == 23945
    for origin, loads in ((0x5D80, False), (least, False), (least + 1, True), (ORIGINS["48k"], True)):
        machine = Spectrum()
        image = tap.write_tap("room", bytes([0xC9]), origin)      # (CLEAR origin - 1)
        if loads:
            assert machine.load_tap(image) == origin and machine.memory[origin] == 0xC9
        else:
            with pytest.raises(tap.TapError, match="4 Out of memory"):
                machine.load_tap(image)
            assert machine.memory[origin] == 0
    banked = tap.loader_program(ORIGINS["128k"], ORIGINS["128k"], banks=(4, 6))
    assert ORIGINS["128k"] - 1 >= PROGRAM_START + len(banked) + LOAD_CODE_ROOM


def test_loading_prints_what_the_real_load_prints_and_clear_clears_the_screen():
    """As measured on the real ROMs at RANDOMIZE USR: the loader's CLEAR cleared the screen (its
    "Program: name" with it), each LOAD "" CODE printed ENTER, "Bytes: " and the header's 10-character
    name, ENTER on the upper screen, with SCR-CT 3 (LD-LOOK-H): the program starts at line 2."""
    from soulterm.zx import Spectrum
    from soulterm.zx.rom import SYSVARS

    machine = Spectrum()
    machine.load_tap(tap.write_tap("t", bytes([0xC9]), 0x8000))
    assert [line.rstrip() for line in machine.screen_lines()[:3]] == ["", "Bytes: t", ""]
    assert machine.memory[SYSVARS["S_POSN"]:SYSVARS["S_POSN"] + 2] == bytes([33, 22])
    assert machine.memory[SYSVARS["SCR_CT"]] == 3 and machine.rom.channel == "S"
    machine.run(max_cycles=1000)        # the RET: BASIC's report names the USR's line and statement, as the real one
    assert machine.screen_lines()[23].rstrip() == "0 OK, 10:3"
