"""The shipped disk/soulplayer.tap read the way a standard emulator's tape loader reads it.

An independent reading (nothing from soulterm.zx.tap): the .tap format as the
emulator documentation describes it (e.g. the TAP section of the Z80 emulator's
documentation and the World of Spectrum FAQ's "Spectrum tape interface"):

    block    length (2 bytes, little-endian: flag + data + checksum), flag
             ($00 header, $FF data), data, checksum = XOR of flag and data
    header   17 bytes: type (0 program, 1 number array, 2 character array,
             3 code), name (10 bytes, padded with spaces), length of the data
             block, parameter 1 (program: autostart line, 32768 or more for
             none; code: start address), parameter 2 (program: offset of the
             variables; code: 32768)
    BASIC    lines of: number (2 bytes big-endian), length (2 bytes
             little-endian, text + ENTER), tokenised text ending in $0D; a
             number in the text is its digits, $0E and five bytes (a small
             integer: 0, sign, value low, high, 0)
"""

import json

import pytest

from soulterm.paths import DISK_DIR

TAP = DISK_DIR / "soulplayer.tap"
MAP = DISK_DIR / "soulplayer-zx.map.json"
CLEAR, LOAD, CODE, RANDOMIZE, USR = 0xFD, 0xEF, 0xAF, 0xF9, 0xC0   # BASIC keyword tokens
NUMBER_MARK = 0x0E

pytestmark = pytest.mark.skipif(not TAP.exists(), reason="disk/soulplayer.tap not built")


def read_blocks(image: bytes) -> list[tuple[int, bytes]]:
    """(flag, data) of every block; asserts the framing and the checksum of each."""
    blocks, position = [], 0
    while position < len(image):
        assert position + 2 <= len(image), "a length word cut short"
        length = image[position] | image[position + 1] << 8
        assert length >= 2, f"block at {position}: length {length} leaves no room for flag and checksum"
        body = image[position + 2:position + 2 + length]
        assert len(body) == length, f"block at {position}: {length} bytes announced, {len(body)} present"
        flag, data, checksum = body[0], body[1:-1], body[-1]
        xor = flag
        for byte in data:
            xor ^= byte
        assert xor == checksum, f"block at {position}: checksum {checksum:#04x}, XOR gives {xor:#04x}"
        blocks.append((flag, bytes(data)))
        position += 2 + length
    return blocks


def read_header(data: bytes) -> dict:
    assert len(data) == 17
    word = lambda offset: data[offset] | data[offset + 1] << 8  # noqa: E731
    return {"type": data[0], "name": data[1:11].decode("ascii"), "length": word(11),
            "param1": word(13), "param2": word(15)}


def hidden_numbers(text: bytes) -> list[int]:
    """The five-byte small integers after each $0E, checked against the digits before them."""
    numbers, position = [], 0
    while True:
        mark = text.find(bytes([NUMBER_MARK]), position)
        if mark < 0:
            return numbers
        five = text[mark + 1:mark + 6]
        assert five[0] == 0 and five[1] in (0, 0xFF) and five[4] == 0, f"not a small integer: {five.hex()}"
        value = five[2] | five[3] << 8
        start = mark
        while start > 0 and chr(text[start - 1]).isdigit():
            start -= 1
        assert int(text[start:mark]) == value, "the digits and the hidden number differ"
        numbers.append(value)
        position = mark + 6


@pytest.fixture(scope="module")
def tape():
    return read_blocks(TAP.read_bytes())


def test_the_tape_is_a_program_and_a_code_file_each_a_header_then_its_data(tape):
    assert [flag for flag, _ in tape] == [0x00, 0xFF, 0x00, 0xFF]
    program, code = read_header(tape[0][1]), read_header(tape[2][1])
    assert program["type"] == 0 and code["type"] == 3
    assert program["length"] == len(tape[1][1]) and code["length"] == len(tape[3][1])
    for header in (program, code):
        assert len(header["name"]) == 10 and header["name"].rstrip(" ").isprintable()


def test_the_basic_loader_clears_loads_the_code_and_calls_it(tape):
    program = read_header(tape[0][1])
    basic = tape[1][1]
    assert program["param2"] == len(basic)          # no variables after the program
    number = basic[0] << 8 | basic[1]
    length = basic[2] | basic[3] << 8
    assert len(basic) == 4 + length and basic.endswith(b"\x0d")   # one line
    assert program["param1"] == number < 32768      # LOAD "" runs it (autostart)
    text = basic[4:]
    tokens = [byte for byte in text if byte in (CLEAR, LOAD, CODE, RANDOMIZE, USR)]
    assert tokens == [CLEAR, LOAD, CODE, RANDOMIZE, USR]
    assert bytes([LOAD]) + b'""' + bytes([CODE]) in text
    clear, usr = hidden_numbers(text)
    start = read_header(tape[2][1])["param1"]
    assert clear == start - 1                       # the machine stack sits below the code
    assert start <= usr < start + len(tape[3][1])   # USR calls into the loaded code


def test_the_code_file_is_what_the_build_map_describes(tape):
    code = read_header(tape[2][1])
    built = json.loads(MAP.read_text())
    assert code["param2"] == 32768
    assert code["param1"] == built["load_address"]
    assert code["param1"] + code["length"] == built["end_address"]
    usr = hidden_numbers(tape[1][1][4:])[1]
    assert usr == built["symbols"]["start"]
