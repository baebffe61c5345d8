"""TAP tape images: reading, writing, and the BASIC loader a CODE block needs.

A .tap file is a sequence of blocks exactly as the Spectrum ROM saves them:
    2 bytes   block length N (little-endian): flag + data + checksum
    1 byte    flag: $00 header, $FF data
    N-2 bytes data
    1 byte    checksum: XOR of the flag and every data byte
A header's 17 data bytes: type (0 program, 1 number array, 2 character
array, 3 code), a 10-character name padded with spaces, the length of the
data block that follows, parameter 1 (program: autostart line, 32768 or
more for none; code: load address) and parameter 2 (program: length
without variables; code: 32768).

A BASIC line is stored as its number (2 bytes, big-endian), its length (2
bytes, little-endian, up to and including the final $0D), then the keyword
tokens and text; a number literal is its digits followed by $0E and the
5-byte form (small integers: 00, sign, low, high, 00).
"""

from __future__ import annotations

from dataclasses import dataclass

from . import paging

HEADER_FLAG, DATA_FLAG = 0x00, 0xFF
PROGRAM, NUMBER_ARRAY, CHARACTER_ARRAY, CODE = 0, 1, 2, 3
HEADER_LENGTH = 17
NAME_LENGTH = 10
NO_AUTOSTART = 0x8000
TYPE_NAMES = {PROGRAM: "Program", NUMBER_ARRAY: "Number array", CHARACTER_ARRAY: "Character array",
              CODE: "Bytes"}

# The keyword tokens a loader uses (the ROM's token table, codes $A5-$FF).
TOKENS = {"CODE": 0xAF, "VAL": 0xB0, "USR": 0xC0, "INK": 0xD9, "PAPER": 0xDA, "OUT": 0xDF, "BORDER": 0xE7,
          "LOAD": 0xEF, "POKE": 0xF4, "PRINT": 0xF5, "RANDOMIZE": 0xF9, "CLS": 0xFB, "CLEAR": 0xFD}
TOKEN_NAMES = {code: name for name, code in TOKENS.items()}
NUMBER_MARK = 0x0E       # precedes the hidden 5-byte form of a number literal
END_OF_LINE = 0x0D


class TapError(Exception):
    """A .tap file that cannot be read or loaded, with a one-line reason."""


@dataclass
class Block:
    """One tape block: its flag byte and data (checksum already verified or to be computed)."""

    flag: int
    data: bytes

    @property
    def is_header(self) -> bool:
        return self.flag == HEADER_FLAG and len(self.data) == HEADER_LENGTH


@dataclass
class Header:
    """A decoded 17-byte header block."""

    kind: int
    name: str
    length: int
    param1: int
    param2: int

    def to_bytes(self) -> bytes:
        name = self.name.encode("ascii")[:NAME_LENGTH].ljust(NAME_LENGTH, b" ")
        return (bytes([self.kind]) + name + self.length.to_bytes(2, "little")
                + self.param1.to_bytes(2, "little") + self.param2.to_bytes(2, "little"))

    @classmethod
    def from_bytes(cls, data: bytes) -> "Header":
        name = data[1:1 + NAME_LENGTH].decode("latin-1").rstrip(" ")
        return cls(data[0], name, int.from_bytes(data[11:13], "little"),
                   int.from_bytes(data[13:15], "little"), int.from_bytes(data[15:17], "little"))


def checksum(flag: int, data: bytes) -> int:
    value = flag
    for byte in data:
        value ^= byte
    return value


def encode_blocks(blocks: list[Block]) -> bytes:
    out = bytearray()
    for block in blocks:
        out += (len(block.data) + 2).to_bytes(2, "little")
        out.append(block.flag)
        out += block.data
        out.append(checksum(block.flag, block.data))
    return bytes(out)


def decode_blocks(image: bytes, source: str = "tape") -> list[Block]:
    """The blocks of a .tap image (TapError naming the block and the problem)."""
    blocks = []
    position = 0
    while position < len(image):
        number = len(blocks) + 1
        if position + 2 > len(image):
            raise TapError(f"{source}: block {number} is cut off in its length field")
        length = int.from_bytes(image[position:position + 2], "little")
        if length < 2:
            raise TapError(f"{source}: block {number} has length {length} (at least 2: flag and checksum)")
        body = image[position + 2:position + 2 + length]
        if len(body) < length:
            raise TapError(f"{source}: block {number} is cut off: {len(body)} of {length} bytes")
        flag, data, stored = body[0], bytes(body[1:-1]), body[-1]
        if checksum(flag, data) != stored:
            raise TapError(f"{source}: block {number} has a bad checksum "
                           f"(stored ${stored:02X}, computed ${checksum(flag, data):02X})")
        blocks.append(Block(flag, data))
        position += 2 + length
    if not blocks:
        raise TapError(f"{source}: no blocks (an empty tape)")
    return blocks


def basic_number(value: int) -> bytes:
    """A number literal as BASIC stores it: digits, $0E and the 5-byte small-integer form."""
    if not 0 <= value <= 0xFFFF:
        raise ValueError(f"{value} does not fit BASIC's small-integer form")
    return str(value).encode("ascii") + bytes([NUMBER_MARK, 0, 0, value & 0xFF, value >> 8, 0])


def basic_line(number: int, body: bytes) -> bytes:
    text = body + bytes([END_OF_LINE])
    return number.to_bytes(2, "big") + len(text).to_bytes(2, "little") + text


def _page_statements(bank: int) -> bytes:
    """POKE 23388,v: OUT 32765,v -- bank `bank` at $C000 with the 48 BASIC ROM, BANKM kept
    up to date as a loader in 128 BASIC must (paging.py)."""
    value = paging.ROM_48 | bank
    return (bytes([TOKENS["POKE"]]) + basic_number(paging.BANKM) + b"," + basic_number(value) + b":"
            + bytes([TOKENS["OUT"]]) + basic_number(paging.PAGING_PORT) + b"," + basic_number(value) + b":")


def loader_program(code_address: int, entry: int, clear: int | None = None, banks=()) -> bytes:
    """10 CLEAR c: LOAD ""CODE: RANDOMIZE USR entry -- the usual machine-code loader. With
    `banks` (128K bank numbers), each bank's CODE block first, loaded with that bank paged
    at $C000, then bank 0 back for the main block."""
    clear = code_address - 1 if clear is None else clear
    colon = b":"
    load = bytes([TOKENS["LOAD"]]) + b'""' + bytes([TOKENS["CODE"]]) + colon
    body = bytes([TOKENS["CLEAR"]]) + basic_number(clear) + colon
    for bank in banks:
        body += _page_statements(bank) + load
    if banks:
        body += _page_statements(0)
    body += load + bytes([TOKENS["RANDOMIZE"], TOKENS["USR"]]) + basic_number(entry)
    return basic_line(10, body)


def bank_block(entry) -> tuple[int, bytes, int]:
    """(bank, data, address) of a `banks` entry: (bank, data) at $C000, or (bank, data, address)."""
    bank, data, *address = entry
    return bank, data, address[0] if address else paging.PAGED_START


def write_tap(name: str, code: bytes, code_address: int, entry: int | None = None, banks=()) -> bytes:
    """A tape with an autostarting BASIC loader and one CODE block: LOAD "" runs it.
    `banks`: (bank, data) pairs for a 128K, each a CODE block loaded at $C000 with its
    bank paged there before the main block (loader_program), or (bank, data, address)
    for a block loaded at `address` within the bank's 16K (its header's address)."""
    if not name or len(name) > NAME_LENGTH or not name.isascii():
        raise ValueError(f"tape name {name!r} must be 1-{NAME_LENGTH} ASCII characters")
    if not code or code_address + len(code) > 0x10000:
        raise ValueError("the code block must be non-empty and end by $FFFF")
    banks = [bank_block(entry) for entry in banks]
    for bank, data, address in banks:
        if not 0 <= bank < paging.BANKS or bank in paging.FIXED_BANKS or not 0 < len(data) <= paging.BANK_SIZE:
            raise ValueError(f"bank {bank}: a pageable bank (not 2 or 5) of 1-{paging.BANK_SIZE} bytes")
        if not paging.PAGED_START <= address or address + len(data) > paging.PAGED_START + paging.BANK_SIZE:
            raise ValueError(f"bank {bank}'s block at ${address:04X} must lie within $C000-$FFFF")
    program = loader_program(code_address, code_address if entry is None else entry,
                             banks=[bank for bank, _, _ in banks])
    blocks = [Block(HEADER_FLAG, Header(PROGRAM, name, len(program), 10, len(program)).to_bytes()),
              Block(DATA_FLAG, program)]
    for bank, data, address in banks:
        bank_name = f"{name[:NAME_LENGTH - 2]}.{bank}"
        blocks += [Block(HEADER_FLAG, Header(CODE, bank_name, len(data), address, 0x8000).to_bytes()),
                   Block(DATA_FLAG, data)]
    blocks += [Block(HEADER_FLAG, Header(CODE, name, len(code), code_address, 0x8000).to_bytes()),
               Block(DATA_FLAG, code)]
    return encode_blocks(blocks)


# The ROM's SAVE timings, in T-states at 3.5 MHz (a block as a real tape carries it): a pilot
# tone (longer before a header), two sync pulses, then each bit as two pulses (a 1 twice a
# 0's length), most significant bit first; a tape leaves about a second between blocks.
PILOT_PULSE = 2168
HEADER_PILOT_PULSES = 8063
DATA_PILOT_PULSES = 3223
SYNC_PULSES = (667, 735)
ZERO_PULSE = 855
ONE_PULSE = 1710
BLOCK_GAP_SECONDS = 1.0
TAPE_CLOCK_HZ = 3_500_000


def block_seconds(block: Block) -> float:
    """How long a real Spectrum takes to LOAD `block` from tape (the ROM's timings above),
    the gap after it included."""
    carried = bytes([block.flag]) + block.data + bytes([checksum(block.flag, block.data)])
    ones = sum(bin(byte).count("1") for byte in carried)
    zeros = 8 * len(carried) - ones
    pilot = HEADER_PILOT_PULSES if block.flag < 0x80 else DATA_PILOT_PULSES
    t_states = pilot * PILOT_PULSE + sum(SYNC_PULSES) + 2 * (zeros * ZERO_PULSE + ones * ONE_PULSE)
    return t_states / TAPE_CLOCK_HZ + BLOCK_GAP_SECONDS


def load_seconds(image: bytes) -> float:
    """How long a real Spectrum takes to LOAD the whole tape `image` (block_seconds)."""
    return sum(block_seconds(block) for block in decode_blocks(image))


def loader_pages_banks(lines) -> bool:
    """True when a parsed loader (parse_basic) writes the 128K's paging port: a 128K tape."""
    return any(statement.keyword == "OUT" and paging.is_paging_port(statement.argument)
               for _, statements in lines for statement in statements)


def is_128k_tape(image: bytes) -> bool:
    """True for a tape whose first file is a BASIC loader that pages the 128K's banks (the
    Spectrum turns into a 128K loading it: Spectrum.load_tap); False for any other tape,
    or bytes that are no tape."""
    try:
        found = files(decode_blocks(image))
        return bool(found) and found[0].header.kind == PROGRAM and loader_pages_banks(parse_basic(found[0].data))
    except TapError:
        return False


@dataclass
class TapeFile:
    """A header and the data block that follows it."""

    header: Header
    data: bytes


def files(blocks: list[Block], source: str = "tape") -> list[TapeFile]:
    """Pair each header with its data block (TapError if a header has none or lengths differ)."""
    out = []
    index = 0
    while index < len(blocks):
        block = blocks[index]
        if not block.is_header:
            index += 1  # headerless data (a turbo or custom loader's block): not a file
            continue
        header = Header.from_bytes(block.data)
        if header.kind not in TYPE_NAMES:
            raise TapError(f"{source}: block {index + 1} is a header of unknown type {header.kind}")
        if index + 1 >= len(blocks) or blocks[index + 1].flag != DATA_FLAG:
            raise TapError(f"{source}: header '{header.name}' (block {index + 1}) has no data block after it")
        data = blocks[index + 1].data
        if len(data) != header.length:
            raise TapError(f"{source}: '{header.name}' is {len(data)} bytes but its header says {header.length}")
        out.append(TapeFile(header, data))
        index += 2
    return out


@dataclass
class Statement:
    """One statement of a BASIC line: keyword name and its argument (number or None)."""

    keyword: str
    argument: int | None
    value: int | None = None     # OUT and POKE: the byte written


def parse_basic(program: bytes) -> list[tuple[int, list[Statement]]]:
    """Lines of a tokenised BASIC program as (number, statements), for the loader subset.

    Understands CLEAR n, LOAD ""CODE [n], RANDOMIZE USR n, BORDER/PAPER/INK n,
    POKE a,v, OUT p,v, CLS and PRINT-free loaders; numbers as literals or VAL "n".
    Raises TapError on anything else (soulterm's ROM has no BASIC interpreter).
    """
    lines = []
    position = 0
    while position + 4 <= len(program):
        number = int.from_bytes(program[position:position + 2], "big")
        length = int.from_bytes(program[position + 2:position + 4], "little")
        text = program[position + 4:position + 4 + length]
        if len(text) != length or not text.endswith(bytes([END_OF_LINE])):
            raise TapError(f"BASIC line {number} is cut off")
        statements = []
        for part in _split_statements(text[:-1]):
            statements.append(_statement(number, part))
        lines.append((number, statements))
        position += 4 + length
    return lines


def _split_statements(text: bytes) -> list[bytes]:
    parts, current, quoted, skip = [], bytearray(), False, 0
    for byte in text:
        if skip:
            skip -= 1
            current.append(byte)
            continue
        if byte == NUMBER_MARK and not quoted:
            skip = 5
        elif byte == ord('"'):
            quoted = not quoted
        elif byte == ord(":") and not quoted:
            parts.append(bytes(current))
            current = bytearray()
            continue
        current.append(byte)
    parts.append(bytes(current))
    return [part for part in parts if part.strip(b" ")]


def _statement(line: int, part: bytes) -> Statement:
    part = part.strip(b" ")
    keyword = TOKEN_NAMES.get(part[0])
    rest = part[1:].strip(b" ")
    if keyword == "LOAD":
        if not rest.startswith(b'""') or not rest[2:].strip(b" ").startswith(bytes([TOKENS["CODE"]])):
            raise TapError(f"line {line}: only LOAD \"\" CODE is supported by soulterm's ROM")
        after = rest[2:].strip(b" ")[1:].strip(b" ")
        return Statement("LOAD CODE", _number(line, after) if after else None)
    if keyword == "RANDOMIZE" and rest[:1] == bytes([TOKENS["USR"]]):
        return Statement("USR", _number(line, rest[1:]))
    if keyword in ("CLEAR", "BORDER", "PAPER", "INK"):
        return Statement(keyword, _number(line, rest))
    if keyword == "CLS" and not rest:
        return Statement("CLS", None)
    if keyword in ("POKE", "OUT"):
        first, second = _operand_pair(line, rest)
        return Statement(keyword, _number(line, first), _number(line, second))
    shown = keyword or repr(part[:12])
    raise TapError(f"line {line}: {shown} is not a loader statement soulterm's ROM runs "
                   f"(CLEAR, LOAD \"\" CODE, RANDOMIZE USR, BORDER, PAPER, INK, POKE, OUT, CLS)")


def _operand_pair(line: int, text: bytes) -> tuple[bytes, bytes]:
    """`a,b` split at its comma (not one inside a number's hidden 5-byte form or quotes)."""
    quoted, skip = False, 0
    for index, byte in enumerate(text):
        if skip:
            skip -= 1
        elif byte == NUMBER_MARK and not quoted:
            skip = 5
        elif byte == ord('"'):
            quoted = not quoted
        elif byte == ord(",") and not quoted:
            return text[:index], text[index + 1:]
    raise TapError(f"line {line}: expected two numbers with a comma, found {text[:16]!r}")


def _number(line: int, text: bytes) -> int:
    text = text.strip(b" ")
    if text[:1] == bytes([TOKENS["VAL"]]):
        literal = text[1:].strip(b" ")
        if len(literal) >= 2 and literal[:1] == b'"' and literal[-1:] == b'"' and literal[1:-1].isdigit():
            return int(literal[1:-1])
    elif NUMBER_MARK in text:
        mark = text.index(NUMBER_MARK)
        form = text[mark + 1:mark + 6]
        if len(form) == 5 and form[0] == 0 and form[4] == 0 and form[1] in (0, 0xFF):
            value = form[2] | form[3] << 8
            return value - 0x10000 if form[1] == 0xFF else value
        digits = text[:mark].strip(b" ")
        if digits.isdigit():
            return int(digits)
    raise TapError(f"line {line}: expected a number, found {text[:16]!r}")
