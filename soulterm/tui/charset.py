"""C64 screen codes to Unicode, for both character sets.

The VIC-II shows screen codes (what sits in screen RAM), which are not PETSCII
codes (what CHROUT receives). Each set maps 128 codes to glyphs; codes 128-255
are the same glyphs in reverse video. Letters, digits and punctuation map to
their ASCII look-alikes; PETSCII graphics to box-drawing, block elements and
"Symbols for Legacy Computing" via cbmcodecs2.
"""

from __future__ import annotations

import codecs

import cbmcodecs2  # noqa: F401  (registers the petscii_* codecs)

_FALLBACK = "▒"  # shown for a graphic with no Unicode counterpart


def screen_code_to_petscii(code: int) -> int:
    """The PETSCII code that CHROUT would print as screen code `code` (0-127)."""
    code &= 0x7F
    if code < 0x20:
        return code + 0x40      # @ A..Z [ £ ] ↑ ←
    if code < 0x40:
        return code             # space, digits, punctuation
    if code < 0x60:
        return code + 0x80      # graphics / upper-case letters in the lower-case set
    return code + 0x40          # the block graphics at $A0-$BF


# Graphics that cbmcodecs2 leaves out, by screen code, from "Symbols for
# Legacy Computing" (U+1FB00 block), which was made for exactly these glyphs.
_GRAPHIC_GAPS = {
    66: "\U0001fb72", 67: "\U0001fb78", 68: "\U0001fb77", 69: "\U0001fb76",
    70: "\U0001fb7a", 71: "\U0001fb71", 72: "\U0001fb74", 76: "\U0001fb7c",
    79: "\U0001fb7d", 80: "\U0001fb7e", 82: "\U0001fb7b", 84: "\U0001fb70",
    89: "\U0001fb75", 92: "\U0001fb8c", 96: " ", 104: "\U0001fb8f",
    106: "\U0001fb87", 118: "\U0001fb88", 119: "\U0001fb82", 120: "\U0001fb83",
    122: "\U0001fb7f", 95: "\U0001fb98", 94: "\U0001fb90",
}


def _build_table(codec: str) -> tuple[str, ...]:
    glyphs = []
    for code in range(128):
        petscii = screen_code_to_petscii(code)
        try:
            glyph = bytes([petscii]).decode(codec)
        except UnicodeDecodeError:
            glyph = ""
        if len(glyph) != 1 or not glyph.isprintable():
            glyph = _GRAPHIC_GAPS.get(code, _FALLBACK)
        glyphs.append(glyph)
    return tuple(glyphs)


UPPERCASE_GLYPHS = _build_table("petscii_c64en_uc")   # the power-on set
LOWERCASE_GLYPHS = _build_table("petscii_c64en_lc")   # after a case switch ($D018 bit 1)

def glyph(code: int, lowercase: bool) -> tuple[str, bool]:
    """(character, reverse) for one screen code."""
    table = LOWERCASE_GLYPHS if lowercase else UPPERCASE_GLYPHS
    return table[code & 0x7F], bool(code & 0x80)


def decode_line(codes: bytes | bytearray, lowercase: bool) -> str:
    """Plain text of a row of screen codes (reverse video ignored)."""
    table = LOWERCASE_GLYPHS if lowercase else UPPERCASE_GLYPHS
    return "".join(table[c & 0x7F] for c in codes)


codecs.lookup("petscii_c64en_uc")  # fail at import, not mid-render, if the codec is missing
