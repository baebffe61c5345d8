"""PETSCII, screen codes and the keyboard: the character tables the machine needs.

- `petscii_to_screen(code)`: what the KERNAL's screen editor stores in
  screen memory for a printable PETSCII code (None for control codes);
- `screen_to_petscii(code)`: the reverse, as the line editor reads a line
  back from the screen;
- `keys_for_text(text)`: the PETSCII codes a C64 keyboard produces when the
  text is typed (a-z unshifted, A-Z shifted, RETURN for "\\n" / "\\r", and
  the control keys in CONTROL_KEYS given as the character of their code);
- `screen_code_to_text(code, lowercase)`: readable Unicode for one cell,
  letters as plain ASCII so tests and terminals can read them.
"""

from __future__ import annotations

import cbmcodecs2  # noqa: F401  (registers the screencode_c64_* codecs)

RETURN = 0x0D
SHIFTED_SPACE = 0xA0


def petscii_to_screen(code: int) -> int | None:
    """Screen code for a printable PETSCII code, None for a control code."""
    if 0x20 <= code <= 0x3F:
        return code
    if 0x40 <= code <= 0x5F:
        return code - 0x40
    if 0x60 <= code <= 0x7F:
        return code - 0x20
    if 0xA0 <= code <= 0xBF:
        return code - 0x40
    if 0xC0 <= code <= 0xFE:
        return code - 0x80
    if code == 0xFF:
        return 0x5E                     # pi
    return None


def screen_to_petscii(code: int) -> int:
    """PETSCII for a screen code (reverse bit ignored), as the line editor reads it."""
    code &= 0x7F
    if code < 0x20:
        return code + 0x40
    if code < 0x40:
        return code
    if code < 0x60:
        return code + 0x80
    return code + 0x40


# Keys on the C64 keyboard that produce these characters (unshifted or shifted).
_SYMBOLS = " !\"#$%&'()*+,-./0123456789:;<=>?@[]"
_EXTRA_KEYS = {"£": 0x5C, "↑": 0x5E, "←": 0x5F, "π": 0xFF}
# Keys that type a control code rather than a character; a caller passes
# chr(code), e.g. "\x14" for DEL (the TUI maps Backspace to it).
CONTROL_KEYS = {
    "run/stop": 0x03, "home": 0x13, "clr": 0x93, "del": 0x14, "inst": 0x94,
    "cursor down": 0x11, "cursor up": 0x91, "cursor right": 0x1D, "cursor left": 0x9D,
}
_CONTROL_CODES = frozenset(CONTROL_KEYS.values())


def key_for_char(char: str) -> int | None:
    """PETSCII code the keyboard produces for one character, None if no key makes it."""
    if char in ("\n", "\r"):
        return RETURN
    if len(char) == 1 and ord(char) in _CONTROL_CODES:
        return ord(char)
    if "a" <= char <= "z":
        return ord(char) - 0x20         # unshifted letter: $41-$5A
    if "A" <= char <= "Z":
        return ord(char) + 0x80         # shifted letter: $C1-$DA
    if char in _SYMBOLS:
        return ord(char)
    return _EXTRA_KEYS.get(char)


def keys_for_text(text: str) -> list[int]:
    """PETSCII codes for typing `text`; ValueError names the first untypeable character."""
    codes = []
    for position, char in enumerate(text):
        code = key_for_char(char)
        if code is None:
            raise ValueError(f"character {char!r} at position {position + 1} "
                             "cannot be typed on a C64 keyboard")
        codes.append(code)
    return codes


def _readable_table(codec: str) -> list[str]:
    table = []
    for code in range(128):
        char = bytes([code]).decode(codec)
        if char == "\xa0":
            char = " "
        elif 0xE000 <= ord(char) <= 0xF8FF:
            char = "▒"                   # graphics with no Unicode equivalent
        table.append(char)
    return table


UPPER_GRAPHICS = _readable_table("screencode_c64_uc")   # $D018 bit 1 clear
LOWER_UPPER = _readable_table("screencode_c64_lc")      # $D018 bit 1 set


def screen_code_to_text(code: int, lowercase: bool) -> str:
    """Readable character for a screen code (reverse video shows as the plain glyph)."""
    return (LOWER_UPPER if lowercase else UPPER_GRAPHICS)[code & 0x7F]
