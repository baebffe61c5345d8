"""Lay a soul and a tokenizer out in C64 memory, as assembler include files.

soul.bin's order is a file format; the kernels want another layout:
matrices column-major with every byte stored as W+128 (the index form of the
multiply tables, see kernels/matvec.s), aligned so no column crosses a page;
after the matrices their row constants 2*bias - sum of w^2 (the biases live
only there: the map names them on their matrix's row constants); gains and
embeddings as plain int8. `soul_include` returns
the text of `soul.inc` (labels, shifts, `.incbin` lines) and the bytes of
the binary it includes; `vocab_include` returns `vocab.inc` (the merge
table, the alphabet's PETSCII, the texts of tokens no merge makes and the
spelling word list,
nibble-coded: `word_list_bytes`). Both are deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from soulterm.soul import spec, spelling
from soulterm.soul.soulfile import Soul
from soulterm.soul.tokenizer import Tokenizer

WEIGHTS_FILE = "soul_weights.bin"
SPEC_INCLUDE = "spec.inc"

# Shift ranges the kernels implement (matvec.s, rmsnorm.s, embed.s).
MATVEC_SHIFT_RANGE = (0, 15)   # s_w + post
GAIN_SHIFT_RANGE = (0, 15)
EMBED_SHIFT_RANGE = (0, 15)

MATRICES = [f"l{layer}.{name}" for layer in range(spec.N_LAYERS)
            for name in ("q", "k", "v", "proj", "fc1_w", "fc2_w")] + ["out"]
# A matrix's columns are `rows` bytes apart and must not cross a page: every
# row count divides 256, so aligning each matrix to the largest is enough.
MATRIX_ALIGN = max(spec.TENSOR_BY_NAME[name].rows for name in MATRICES)
GAINS = [f"l{layer}.{name}" for layer in range(spec.N_LAYERS) for name in ("n1", "n2")] + ["norm"]
GAIN_BYTES = spec.EMBED_DIM          # one int8 per dimension
BIAS_OF_MATRIX = {f"l{layer}.{name}_w": f"l{layer}.{name}_b"
                  for layer in range(spec.N_LAYERS) for name in ("fc1", "fc2")}
# The matrices whose input is ReLU's (fc2): matvec.s's MV_SPARSE calls give only their
# nonzero columns slots, at most SPARSE_SLOTS of them (its sub slots: spec.inc's
# MV_SPARSE_SLOTS), and read the sparse row constants that follow the matrix's own.
SPARSE_MATRICES = [f"l{layer}.fc2_w" for layer in range(spec.N_LAYERS)]
SPARSE_SLOTS = 32
# Position 1 of a prompt depends only on its first id, so the C64 saves it once a
# LOAD for the first ids of the commonest first words of what people type
# (forward.s, forward_openers_save): these, in the order of how often they open
# the prompts of the built-in corpus (models/corpus.txt), each word's first id
# taken once, the first OPENER_RECORDS of them (a page each under the I/O area).
OPENER_WORDS = ("i", "i'm", "what", "my", "how", "are", "so", "you", "do", "can", "tell", "good")
OPENER_RECORDS = 6


class LayoutError(ValueError):
    """A soul or tokenizer the soulplayer cannot hold; the message names what is wrong."""


@dataclass(frozen=True)
class TensorPlacement:
    """Where one tensor sits in the included binary, and how it is stored."""

    name: str          # soul.bin name, e.g. "l0.q"
    label: str         # assembler label, e.g. "l0_q"
    offset: int        # in the binary
    size: int
    kind: str          # "weights" | "bias"
    align: int         # alignment required in memory


def label_of(name: str) -> str:
    return name.replace(".", "_")


def _check_shift(name: str, shift: int, post: int, allowed: tuple[int, int], what: str) -> None:
    lo, hi = allowed
    if not lo <= shift + post <= hi:
        raise LayoutError(f"tensor {name}: {what} {shift + post} is outside the {lo}..{hi} "
                          "the 6502 kernels implement")


def _matrix_bytes(values: np.ndarray) -> bytes:
    """Column-major, each int8 stored as W+128 (for the kernels' Y index)."""
    return ((values.T.astype(np.int64) + 128) & 0xFF).astype(np.uint8).tobytes()


def _int8_bytes(values: np.ndarray) -> bytes:
    return (values.astype(np.int64) & 0xFF).astype(np.uint8).reshape(-1).tobytes()


def row_constants(values: np.ndarray, bias: np.ndarray | None = None, sparse: bool = False) -> bytes:
    """matvec.s's row constants of a matrix (rows, cols): 2*bias[r] - sum_c w[r][c]^2,
    or for its MV_SPARSE calls 2*bias[r] - 65535 * SPARSE_SLOTS (the sub slots take each
    nonzero column's w^2 off, and the passes' counts start at SPARSE_SLOTS).

    Signed 24-bit: the low bytes of all rows, then the middle bytes, then the high bytes
    + 128 (like the weights: the kernel adds them unsigned and takes 128 * 65536 off once).
    """
    w = np.asarray(values, dtype=np.int64)
    if sparse:
        k = np.full(w.shape[0], -65535 * SPARSE_SLOTS, dtype=np.int64)
    else:
        k = -(w * w).sum(axis=1)
    if bias is not None:
        k = k + 2 * np.asarray(bias, dtype=np.int64)
    if np.abs(k).max(initial=0) >= 1 << 23:
        raise LayoutError("a matrix is too large for the 24-bit row constants of the matvec kernel")
    k = (k + (128 << 16)) & 0xFFFFFF
    return b"".join(((k >> (8 * i)) & 0xFF).astype(np.uint8).tobytes() for i in range(3))


UNIT_GAINS_MAX_SHIFT = 7   # kernels/rmsnorm.s RN_UNIT_MAX_SHIFT: rn_scale_unit's shift chain


def unit_gains(gains, shift: int) -> int:
    """rmsnorm.s's rn_unit_gains for a norm: $80 + d when every gain is 2^(shift - d) with
    0 <= d <= 7 (an int8 gain, so shift - d <= 6: d = 0 for a fixed-gain soul's norm, 2 for
    a narrowed one, soulterm/soul/narrowing.py), which the kernel applies as y >> d with no
    gain step; else 0."""
    gains = np.asarray(gains)
    power = int(gains.flat[0]) if gains.size else 0
    if power <= 0 or power & (power - 1) or not np.all(gains == power):
        return 0
    d = shift - (power.bit_length() - 1)
    return 0x80 + d if 0 <= d <= UNIT_GAINS_MAX_SHIFT else 0


def soul_include(soul: Soul) -> tuple[str, bytes, list[TensorPlacement]]:
    """(soul.inc text, binary, placements) for one soul."""
    blob = bytearray()
    placements: list[TensorPlacement] = []
    consts: list[str] = []

    def place(name: str, data: bytes, kind: str, align: int) -> None:
        placements.append(TensorPlacement(name, label_of(name), len(blob), len(data), kind, align))
        blob.extend(data)

    for name in ("te", "pe"):
        t = soul[name]
        _check_shift(name, t.shift, 0, EMBED_SHIFT_RANGE, "embedding shift")
        consts.append(f"{name.upper()}_SHIFT = {t.shift}")
        place(name, _int8_bytes(t.values), "weights", 1)
    for name in GAINS:
        t = soul[name]
        _check_shift(name, t.shift, 0, GAIN_SHIFT_RANGE, "gain shift")
        consts.append(f"{label_of(name).upper()}_SHIFT = {t.shift}")
        # Every gain 2^shift scales by 1: rmsnorm's rn_scale_unit then takes the norm.
        consts.append(f"{label_of(name).upper()}_UNIT = {unit_gains(t.values, t.shift)}")
        place(name, _int8_bytes(t.values), "weights", 1)
    for name in MATRICES:
        t = soul[name]
        post = spec.matmul_post(name)
        _check_shift(name, t.shift, post, MATVEC_SHIFT_RANGE, "matvec shift (s_w + post)")
        consts.append(f"{label_of(name).upper()}_SHIFT = {t.shift}")
        place(name, _matrix_bytes(t.values), "weights", MATRIX_ALIGN)
    for name in MATRICES:
        bias_name = BIAS_OF_MATRIX.get(name)
        bias = soul[bias_name].values if bias_name else None
        what = f"{name} row constants" + (f" (with {bias_name})" if bias_name else "")
        placements.append(TensorPlacement(what, label_of(name) + "_rk", len(blob),
                                          3 * soul[name].values.shape[0], "bias", 1))
        blob.extend(row_constants(soul[name].values, bias))
        if name in SPARSE_MATRICES:     # right after the matrix's own (matvec.s: MV_SPARSE)
            placements.append(TensorPlacement(f"{name} sparse row constants", label_of(name) + "_rks",
                                              len(blob), 3 * soul[name].values.shape[0], "bias", 1))
            blob.extend(row_constants(soul[name].values, bias, sparse=True))
    lines = ["; soul.inc - generated by `soulterm build` from a soul.bin: do not edit.",
             "; Matrices are column-major with bytes W+128 (kernels/matvec.s), 128-aligned;",
             "; row constants (2*bias - sum of w^2) are 24-bit: low, middle, high bytes + 128;",
             "; gains and embeddings are int8.",
             "", *consts, ""]

    def emit(p: TensorPlacement) -> None:
        if p.align > 1:
            lines.append(f"        .align {p.align}")
        lines.append(f'{p.label}:')
        lines.append(f'        .incbin "{WEIGHTS_FILE}", {p.offset}, {p.size}')

    # The gains fill what they can of the gap before the aligned matrices (at
    # most GAIN_BYTES are lost there); the others follow the row constants.
    gains = [p for p in placements if p.name in GAINS]
    others = [p for p in placements if p.name not in GAINS]
    for p in others[:2]:                                # te, pe
        emit(p)
    lines.append(f"GAINS_BEFORE = ((-*) & {MATRIX_ALIGN - 1}) / {GAIN_BYTES}")
    for i, p in enumerate(gains):
        lines.append(f"        .if GAINS_BEFORE > {i}")
        emit(p)
        lines.append("        .endif")
    for p in others[2:]:                                # matrices, row constants
        emit(p)
    for i, p in enumerate(gains):
        lines.append(f"        .if GAINS_BEFORE <= {i}")
        emit(p)
        lines.append("        .endif")
    # The biases are not stored apart: the kernels read them folded into their
    # matrix's row constants, and the map shows them there (their 384 bytes
    # hold the spelling word list instead).
    for matrix, bias in BIAS_OF_MATRIX.items():
        constants = next(p for p in placements if p.label == label_of(matrix) + "_rk")
        placements.append(TensorPlacement(bias, constants.label, constants.offset, constants.size,
                                          "bias", 1))
    return "\n".join(lines) + "\n", bytes(blob), placements


def petscii_of(text: str) -> list[int]:
    """Token text as PETSCII for the lower-case character set (a-z -> $41-$5A)."""
    out = []
    for ch in text:
        if "a" <= ch <= "z":
            out.append(ord(ch) - ord("a") + 0x41)
        elif ch in spec.ALPHABET:
            out.append(ord(ch))
        else:
            raise LayoutError(f"token text {text!r} has {ch!r}, which is not in the alphabet")
    return out


def merge_table(tok: Tokenizer) -> list[tuple[int, int, int]]:
    """The merges the encoder applies, as ids, in order (SPEC: parts and result in the vocabulary)."""
    vocab = tok.vocab
    return [(vocab[a], vocab[b], vocab[a + b]) for a, b in tok.merges
            if a in vocab and b in vocab and a + b in vocab]


# The word list's nibble code (kernels/tokenizer.s, spell): the DIRECT_CODES
# commonest characters of the list are one nibble each, the others the
# escape nibble and then a second one. A word is a nibble of its length less
# MIN_WORD, then its characters; a length nibble of WORD_LIST_END ends the list.
NIBBLE_ESCAPE = 15
DIRECT_CODES = NIBBLE_ESCAPE
WORD_LIST_END = 15
assert spelling.MAX_WORD - spelling.MIN_WORD < WORD_LIST_END, "a word's length must fit its nibble"
assert len(spelling.WORD_CHARACTERS) <= DIRECT_CODES + 16, "every character needs a code"


def word_codes(words) -> str:
    """The word characters by code: the list's commonest first (ties in alphabet order)."""
    counts = {ch: 0 for ch in spelling.WORD_CHARACTERS}
    for word in words:
        for ch in word:
            counts[ch] += 1
    return "".join(sorted(spelling.WORD_CHARACTERS,
                          key=lambda ch: (-counts[ch], spelling.WORD_CHARACTERS.index(ch))))


def word_list_bytes(words) -> bytes:
    """The nibble stream of a word list, in list order (high nibble first)."""
    code_of = {ch: i for i, ch in enumerate(word_codes(words))}
    nibbles = []
    for word in words:
        nibbles.append(len(word) - spelling.MIN_WORD)
        for ch in word:
            code = code_of[ch]
            nibbles += [code] if code < DIRECT_CODES else [NIBBLE_ESCAPE, code - DIRECT_CODES]
    nibbles.append(WORD_LIST_END)
    if len(nibbles) % 2:
        nibbles.append(0)
    return bytes(nibbles[i] << 4 | nibbles[i + 1] for i in range(0, len(nibbles), 2))


def word_list_include_bytes(tok: Tokenizer) -> bytes:
    """What the word list puts in the PRG: the code table, then the nibble stream."""
    return bytes(_letter_ids(tok.words)) + word_list_bytes(tok.words)


def _letter_ids(words) -> list[int]:
    """The code table: code -> alphabet id (empty without words: nothing to decode)."""
    return [spec.FIRST_ALPHABET_ID + spec.ALPHABET.index(ch) for ch in word_codes(words)] if words else []


def word_list_lines(tok: Tokenizer) -> list[str]:
    """vocab.inc's spelling part: the rule's numbers (spelling.py), the code table, the list."""
    codes = word_codes(tok.words)
    data = word_list_bytes(tok.words)
    lines = ["; The spelling word list (tokenizer format 3), nibble-coded (soulterm/player/layout.py).",
             f"WORDS_LISTED = {int(bool(tok.words))}      ; 0: no word list, prompts are not spelt",
             f"WORD_COUNT = {len(tok.words)}",
             f"MIN_CORRECTED = {spelling.MIN_CORRECTED}      ; typed words shorter than this stay",
             f"MIN_WORD = {spelling.MIN_WORD}           ; listed words are MIN_WORD..MAX_WORD characters",
             f"MAX_WORD = {spelling.MAX_WORD}",
             f"WORD_ID_A = {spec.FIRST_ALPHABET_ID + spec.ALPHABET.index('a')}          ; the ids of a word's characters",
             f"WORD_ID_Z = {spec.FIRST_ALPHABET_ID + spec.ALPHABET.index('z')}",
             f"WORD_ID_APOSTROPHE = {spec.FIRST_ALPHABET_ID + spec.ALPHABET.index(chr(39))}",
             f"NIBBLE_ESCAPE = {NIBBLE_ESCAPE}      ; a character code >= this takes a second nibble",
             f"WORD_LIST_END = {WORD_LIST_END}      ; the length nibble that ends the list",
             "word_list:",
             "word_letters:                  ; code -> alphabet id",
             *(["        .byte " + ", ".join(f"${v:02X}" for v in _letter_ids(tok.words))
                + f"    ; {codes}"] if tok.words else []),
             f"word_nibbles:                  ; {len(tok.words)} words, {sum(map(len, tok.words))} characters"]
    for i in range(0, len(data), 16):
        lines.append("        .byte " + ", ".join(f"${v:02X}" for v in data[i:i + 16]))
    lines.append("word_list_end:")
    return lines


def opener_ids(tok: Tokenizer, count: int = OPENER_RECORDS) -> list[int]:
    """The ids whose position 1 the C64 keeps (OPENER_WORDS' first ids, each once): the first
    `count` of them (the C64 keeps OPENER_RECORDS; the Spectrum 128K's first RUN may make more)."""
    ids: list[int] = []
    for word in OPENER_WORDS:
        first = tok.encode(word)[0]
        if first not in ids and first >= spec.FIRST_ALPHABET_ID:
            ids.append(first)
    return ids[:count]


def vocab_include(tok: Tokenizer) -> str:
    """vocab.inc: MERGE_COUNT, the merge table, what the printer needs for every
    token's text, and the word list."""
    if len(tok.id_to_token) > spec.VOCAB_SIZE:
        raise LayoutError(f"tokenizer has {len(tok.id_to_token)} tokens; the soul has {spec.VOCAB_SIZE}")
    merges = merge_table(tok)
    lines = ["; vocab.inc - generated by `soulterm build` from a tokenizer.json: do not edit.",
             f"MERGE_COUNT = {len(merges)}",
             f"PROMPT_IDS = {tok.prompt_ids}      ; a turn keeps the first this many prompt ids (<= MAX_INPUT_IDS)", ""]

    def byte_rows(label: str, values: list[int]) -> None:
        lines.append(f"{label}:")
        for i in range(0, len(values), 16):
            lines.append("        .byte " + ", ".join(f"${v:02X}" for v in values[i:i + 16]))

    byte_rows("merge_left", [m[0] for m in merges])
    byte_rows("merge_right", [m[1] for m in merges])
    byte_rows("merge_result", [m[2] for m in merges])
    # No token texts where a merge makes the token: the printer prints the
    # merge's two parts (soulplayer.s, print_token). The alphabet's characters,
    # then the texts of any other token (id, text, 0; $FF ends them).
    lines.append(f"ALPHABET_END = {spec.FIRST_ALPHABET_ID + len(spec.ALPHABET)}      ; the first id after the alphabet")
    byte_rows("alphabet_petscii", petscii_of(spec.ALPHABET))
    made = {m[2] for m in merges}
    lines.append("token_texts:")
    for i in range(spec.FIRST_ALPHABET_ID + len(spec.ALPHABET), len(tok.id_to_token)):
        text = tok.token_text(i)
        if text and i not in made:
            lines.append(f"        .byte ${i:02X}, " + ", ".join(f"${c:02X}" for c in petscii_of(text) + [0])
                         + f"    ; {text!r}")
    lines.append("        .byte $FF")
    openers = opener_ids(tok)
    lines.append(f"OPENERS = {len(openers)}      ; opener_ids: " + ", ".join(repr(tok.token_text(i)) for i in openers))
    byte_rows("opener_ids", openers)
    lines += word_list_lines(tok)
    return "\n".join(lines) + "\n"


def spec_include() -> str:
    """spec.inc: the soul's shape and SPEC constants for the kernels, from soul/spec.py."""
    values = {
        "VOCAB_SIZE": spec.VOCAB_SIZE, "EMBED_DIM": spec.EMBED_DIM, "N_LAYERS": spec.N_LAYERS,
        "N_HEADS": spec.N_HEADS, "HEAD_DIM": spec.HEAD_DIM, "FFN_DIM": spec.FFN_DIM,
        "CONTEXT": spec.CONTEXT, "MAX_INPUT_IDS": spec.MAX_INPUT_IDS,
        "TOKEN_PAD": spec.PAD, "TOKEN_SEP": spec.SEP, "TOKEN_UNK": spec.UNK, "TOKEN_END": spec.END,
        "FIRST_CHOOSABLE": spec.FIRST_CHOOSABLE, "FIRST_ALPHABET_ID": spec.FIRST_ALPHABET_ID,
        "SCORE_SHIFT": spec.SCORE_SHIFT, "RMS_PRE_SHIFT": spec.RMS_PRE_SHIFT,
        "RMS_INV_NUMERATOR_LOG2": spec.RMS_INV_NUMERATOR.bit_length() - 1,
        "EMBED_DIM_LOG2": spec.EMBED_DIM.bit_length() - 1,
        "MV_SPARSE_SLOTS": SPARSE_SLOTS,      # the layout's sparse row constants count on it
        "MAX_OPENERS": OPENER_RECORDS,        # memory.inc's records for opener_ids
    }
    lines = ["; spec.inc - generated by `soulterm build` from soulterm/soul/spec.py: do not edit.",
             "; The soul's shape and the SPEC constants the kernels are written for."]
    lines += [f"{name:<24}= {value}" for name, value in values.items()]
    lines += ['        .assert 1 << EMBED_DIM_LOG2 == EMBED_DIM, "EMBED_DIM must be a power of two"',
              '        .assert N_HEADS * HEAD_DIM == EMBED_DIM, "heads must split the embedding"']
    return "\n".join(lines) + "\n"
