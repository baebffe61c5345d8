"""String encodings for .byte/.text (ASCII) and .petscii."""

from __future__ import annotations

from .errors import LineError

# ASCII characters whose PETSCII code differs and has no ASCII equivalent
# (backslash is the pound sign, ^ and _ are arrows, {|}~` are graphics).
_NO_PETSCII = set("\\^_`{|}~")


def ascii_bytes(text: str) -> bytes:
    """The ASCII bytes of a string; LineError for characters outside ASCII."""
    for ch in text:
        if ord(ch) > 127:
            raise LineError(f"character {ch!r} is not ASCII")
    return text.encode("ascii")


def petscii_bytes(text: str) -> bytes:
    """PETSCII (unshifted/shifted charset codes as the KERNAL prints them).

    a-z -> $41-$5A, A-Z -> $C1-$DA, digits, space, punctuation and RETURN
    ($0D) keep their ASCII codes. Other characters have no equal and are errors.
    """
    out = bytearray()
    for ch in text:
        code = ord(ch)
        if "a" <= ch <= "z":
            out.append(code - 0x20)
        elif "A" <= ch <= "Z":
            out.append(code + 0x80)
        elif (0x20 <= code <= 0x7E and ch not in _NO_PETSCII) or code == 0x0D:
            out.append(code)
        else:
            raise LineError(f"character {ch!r} has no PETSCII equivalent")
    return bytes(out)
