"""Build the soulplayer: assemble kernels/ with a soul and a tokenizer.

`build_player(soul, tokenizer, output_dir)` writes soulplayer.prg (loads at
$0801 with a BASIC stub), soulplayer.d64 (disk SOULPLAYER, one PRG of the
same name) and soulplayer.map.json (symbols, line map, memory regions, the
live-state addresses and the vocabulary, docs/CONTRACTS.md). The same
inputs always give the same bytes.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from soulterm.asm import AsmError, assemble_file
from soulterm.paths import D64_NAME, KERNELS_DIR, MAIN_KERNEL, MAP_NAME, PRG_NAME
from soulterm.soul import spec
from soulterm.soul.atomic import write_set_atomic
from soulterm.soul.soulfile import SoulFormatError, load_soul
from soulterm.soul.tokenizer import Tokenizer, TokenizerError

from . import layout
from .disk import d64_image
from .mapformat import MAP_FORMAT, Region
from .profile import program_code

MAIN_SOURCE = MAIN_KERNEL
LOAD_ADDRESS = 0x0801
CODE_REGION = "program and kernels"   # the map region the profiler charges cycles to


class BuildError(Exception):
    """The soul, tokenizer or sources cannot become a soulplayer; one line says why."""


@dataclass
class Assembled:
    """The assembled program and everything the map needs."""

    prg: bytes
    symbols: dict
    lines: list
    regions: list[Region]
    vocab: list[str]
    free_bytes: int         # before PRG_LIMIT, after the resident part
    end_address: int        # the file's end: the start-up part's


@dataclass
class BuildResult:
    prg_path: Path
    d64_path: Path
    map_path: Path
    regions: list[Region] = field(default_factory=list)
    free_bytes: int = 0
    end_address: int = 0
    prg_size: int = 0

    def memory_map(self) -> str:
        """The memory map as a text table, with the free bytes."""
        rows = [f"{'start':>6} {'end':>6} {'bytes':>6}  {'kind':<11} region"]
        for r in sorted(self.regions, key=lambda r: (r.start, r.end)):
            rows.append(f"${r.start:04X}  ${r.end - 1:04X} {r.size:6d}  {r.kind:<11} {r.name}")
        rows.append(f"PRG ${LOAD_ADDRESS:04X}-${self.end_address - 1:04X} ({self.prg_size} bytes, "
                    f"the start-up part included); {self.free_bytes} bytes free after the resident part, "
                    "before the key sums, the matvec sums and the KV cache")
        return "\n".join(rows)


def assemble_player(soul_path, tokenizer_path) -> Assembled:
    """Assemble the soulplayer for one soul + tokenizer (no files written)."""
    try:
        soul = load_soul(soul_path)
    except FileNotFoundError:
        raise BuildError(f"soul not found: {soul_path}") from None
    except SoulFormatError as exc:
        raise BuildError(_naming(f"soul {soul_path}", exc, soul_path)) from None
    try:
        tok = Tokenizer.load(tokenizer_path)
    except FileNotFoundError:
        raise BuildError(f"tokenizer not found: {tokenizer_path}") from None
    except (TokenizerError, ValueError, KeyError, TypeError) as exc:
        raise BuildError(_naming(f"tokenizer {tokenizer_path}", exc, tokenizer_path)) from None
    try:
        soul_inc, blob, placements = layout.soul_include(soul)
        vocab_inc = layout.vocab_include(tok)
    except layout.LayoutError as exc:
        raise BuildError(str(exc)) from None
    try:
        prog = _assemble(soul_inc, blob, vocab_inc)
    except _NoRoom:
        if not tok.words:
            raise BuildError("the soul and tokenizer do not fit in memory: "
                             "the program would run into the key sums, the matvec sums and the KV cache") from None
        raise BuildError(str(_word_list_error(tok, soul_inc, blob, placements))) from None

    if prog.origin != LOAD_ADDRESS:
        raise BuildError(f"the program starts at ${prog.origin:04X}, not ${LOAD_ADDRESS:04X}")
    sym = prog.symbols
    end = prog.origin + len(prog.data)
    prg = bytes([LOAD_ADDRESS & 0xFF, LOAD_ADDRESS >> 8]) + bytes(prog.data)
    regions = _regions(sym, placements, end)
    vocab = [tok.token_text(i) if i < len(tok.id_to_token) else "" for i in range(spec.VOCAB_SIZE)]
    return Assembled(prg=prg, symbols=_public_symbols(sym), lines=_line_map(prog.line_map),
                     regions=regions, vocab=vocab, free_bytes=sym["PRG_LIMIT"] - sym["resident_end"],
                     end_address=end)


class _NoRoom(Exception):
    """The PRG would run past PRG_LIMIT (its resident part) or STARTUP_LIMIT (its start-up part)."""


def _assemble(soul_inc: str, blob: bytes, vocab_inc: str):
    """Assemble the program from its generated includes; _NoRoom when it does not fit."""
    with tempfile.TemporaryDirectory(prefix="soulplayer-") as tmp:
        gen = Path(tmp)
        (gen / "soul.inc").write_text(soul_inc)
        (gen / layout.WEIGHTS_FILE).write_bytes(blob)
        (gen / "vocab.inc").write_text(vocab_inc)
        (gen / layout.SPEC_INCLUDE).write_text(layout.spec_include())
        try:
            return assemble_file(str(KERNELS_DIR / MAIN_SOURCE),
                                 include_paths=[str(gen), str(KERNELS_DIR)])
        except AsmError as exc:
            text = str(exc).splitlines()[0] if str(exc) else "assembly failed"
            if "KV cache" in text:
                raise _NoRoom() from None
            raise BuildError(f"assembling the kernels failed: {text}") from None


def _word_list_error(tok: Tokenizer, soul_inc: str, blob: bytes, placements) -> layout.LayoutError:
    """Why the word list does not fit: its bytes against those free for it.

    The list ends vocab.inc, just before soul.inc. After the embeddings the
    gains fill the gap before the aligned matrices in GAIN_BYTES steps
    (layout.soul_include), so a list's bytes move the PRG's end on in those
    steps: the room is what an empty list leaves, to a whole step.
    """
    empty = tok.with_words([])
    try:
        prog = _assemble(soul_inc, blob, layout.vocab_include(empty))
    except _NoRoom:
        return layout.LayoutError("the soul and tokenizer do not fit in memory even without "
                                  "the spelling word list")
    sym = prog.symbols
    end = sym["resident_end"]               # the start-up part follows; it does not limit the list
    pe = next(p for p in placements if p.name == "pe")
    gains_at = sym[pe.label] + pe.size                 # where the gap-filling starts
    step = layout.GAIN_BYTES
    room = sym["PRG_LIMIT"] - end + (-gains_at) % step
    free = (sym["word_list_end"] - sym["word_list"]) + (gains_at + room) // step * step - gains_at
    needed = len(layout.word_list_include_bytes(tok))
    return layout.LayoutError(f"the spelling word list ({len(tok.words)} words) needs {needed:,} bytes; "
                              f"{free:,} are free for it: train with a smaller --spelling-chars "
                              "for a shorter list")


def build_player(soul_path, tokenizer_path, output_dir) -> BuildResult:
    """Assemble and write soulplayer.prg, .d64 and .map.json into output_dir."""
    built = assemble_player(soul_path, tokenizer_path)
    out = Path(output_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        prg_path, d64_path, map_path = out / PRG_NAME, out / D64_NAME, out / MAP_NAME
        # All three or none: a full disk must not leave a new PRG beside an old D64 and map.
        write_set_atomic({prg_path: built.prg,
                          d64_path: d64_image("SOULPLAYER", built.prg),
                          map_path: map_json(built).encode()},
                         mode=0o644)        # shipped files: readable by everyone
    except ValueError as exc:               # a NUL byte in the folder's name
        raise BuildError(f"cannot write to {str(out)!r}: {exc}") from None
    except OSError as exc:
        raise BuildError(f"cannot write to {out}: {exc.strerror or exc}") from None
    return BuildResult(prg_path, d64_path, map_path, built.regions, built.free_bytes,
                       built.end_address, len(built.prg) - 2)


def _naming(what: str, exc: Exception, path) -> str:
    """One line that names the file once: 'soul x.bin: tensor te: ...'."""
    text = str(exc)
    prefix = f"{path}: "
    if text.startswith(prefix):
        text = text[len(prefix):]
    return f"{what}: {text}"


def map_json(built: Assembled) -> str:
    sym = built.symbols
    doc = {
        "format": MAP_FORMAT,
        "load_address": LOAD_ADDRESS,
        "end_address": built.end_address,
        "symbols": sym,
        "lines": built.lines,
        "regions": [r.to_json() for r in built.regions],
        "attention": {
            "weights": sym["ATT_WEIGHTS"],
            "context": sym["CONTEXT_IDS"],
            "context_len": sym["CONTEXT_LEN"],
            "position": sym["NOW_POSITION"],
            "layer": sym["NOW_LAYER"],
            "head": sym["NOW_HEAD"],
        },
        "vocab": built.vocab,
    }
    return json.dumps(doc, separators=(",", ":")) + "\n"


def _public_symbols(symbols: dict) -> dict:
    """Labels and constants, without the per-token text labels; only values that fit an
    address (the map's readers take every symbol as one: a wider constant such as
    MV_NARROW_SQUARES is no place in memory)."""
    return {name: int(value) for name, value in sorted(symbols.items())
            if not name.startswith("token_") and isinstance(value, int) and 0 <= value <= 0xFFFF}


def _line_map(line_map: dict) -> list:
    """[address, "kernels/file.s", line] for lines of the kernel sources."""
    rows = []
    kernels = KERNELS_DIR.resolve()
    named: dict[str, str | None] = {}       # (each file resolved once: thousands of lines, a few files)
    for address in sorted(line_map):
        file, line = line_map[address]
        if file not in named:
            try:
                named[file] = f"kernels/{Path(file).resolve().relative_to(kernels).as_posix()}"
            except ValueError:
                named[file] = None      # generated soul.inc / vocab.inc
        if named[file] is not None:
            rows.append([address, named[file], line])
    return rows


def _regions(sym: dict, placements, end: int) -> list[Region]:
    code = program_code(sym)                # the range the profiler charges cycles to
    r = [
        Region("screen", "screen", 0x0400, 0x07E8),
        Region("BASIC stub", "code", sym["basic_stub"], sym["main"]),
        Region("entry and prompt texts", "code", sym["main"], sym["tables_end"]),
        Region(CODE_REGION, "code", code.code_start, code.code_end),
        Region("tokenizer character map", "tokenizer", sym["char_to_id"], sym["code_end"]),
        Region("tokenizer merges, alphabet and unmerged token texts", "tokenizer", sym["code_end"],
               sym["word_list"]),
        Region(f"spelling word list ({sym['WORD_COUNT']} words, nibble-coded)", "tokenizer",
               sym["word_list"], sym["word_list_end"]),
        Region("start-up part: banner and table builders (the first RUN after LOAD; past "
               f"${sym['PRG_LIMIT']:04X} the key sums and the cache take its RAM over)", "code",
               sym["start_up_part"], end),
    ]
    for p in placements:
        start = sym[p.label]
        r.append(Region(p.name, p.kind, start, start + p.size))
    r += [
        Region("attention key sums (attention.s)", "buffer", sym["KEY_SUMS"], sym["WIDE_SUM_0"]),
        Region("matvec sums of wide inputs", "buffer", sym["WIDE_SUM_0"], sym["WIDE_SUM_END"]),
        Region("spelling scratch: spelt ids and words (between replies)", "buffer",
               sym["SPELL_IDS"], sym["SPELL_BEST"] + sym["SPELL_WORD_MAX"]),
        Region("tokenizer's id marks (between replies)", "buffer",
               sym["TK_PRESENT"], sym["TK_PRESENT"] + spec.VOCAB_SIZE),
        Region("KV cache: keys (low bytes)", "kv-cache", sym["KEY_LO"], sym["KEY_HI"]),
        Region("KV cache: keys (high bytes)", "kv-cache", sym["KEY_HI"], sym["VALUE_LO"]),
        Region("KV cache: values (low bytes)", "kv-cache", sym["VALUE_LO"], sym["VALUE_HI"]),
        Region("KV cache: values (high bytes)", "kv-cache", sym["VALUE_HI"], sym["KV_CACHE_END"]),
    ]
    e = spec.EMBED_DIM
    vectors = (("h (hidden state)", "VEC_H", e), ("xn (normalised input)", "VEC_XN", e),
               ("q", "VEC_Q", e), ("attention output", "VEC_ATT", e),
               ("proj/fc2 output", "VEC_TMP", e), ("new key", "VEC_K", e),
               ("new value", "VEC_V", e), ("z (feed-forward)", "VEC_Z", spec.FFN_DIM),
               ("logits (exact in the rows logits_exact marks, bounds elsewhere)", "VEC_LOGITS",
                spec.VOCAB_SIZE))
    high = sym["VEC_HIGH"]
    for name, label, count in vectors:   # low bytes at +0, high bytes at +VEC_HIGH
        r.append(Region(f"{name}: low bytes", "activations", sym[label], sym[label] + count))
        r.append(Region(f"{name}: high bytes", "activations", sym[label] + high,
                        sym[label] + high + count))
    r += [
        Region("attention weights", "attention", sym["ATT_WEIGHTS"], sym["ATT_WEIGHTS_END"]),
        Region("context and live state", "attention", sym["CONTEXT_IDS"], sym["NOW_HEAD"] + 1),
        Region("attention scores (bytes 0-2)", "buffer", sym["SCORE_0"], sym["SCORE_2"] + spec.CONTEXT),
        Region("attention scores (bytes 3-4)", "buffer", sym["SCORE_3"], sym["SCORE_4"] + spec.CONTEXT),
        Region("line buffer (tokenised in place)", "buffer", sym["LINE_BUFFER"], sym["LINE_LEN"] + 1),
        Region("saved zero page", "buffer", sym["ZP_SAVE_AREA"],
               sym["ZP_SAVE_AREA"] + sym["ZP_SAVE_LAST"] - sym["ZP_SAVE_FIRST"] + 1),
        Region("I/O (VIC, SID, colour RAM, CIAs)", "io", 0xD000, 0xE000),
        Region(f"position 1's keys and values of {sym['OPENERS']} openers (saved at the first RUN "
               "after LOAD, under the I/O area)", "kv-cache", sym["OPENER_KV"], sym["OPENER_KV"] + 256 * sym["OPENERS"]),
        Region("squares' middle bytes for x >= 0, page-aligned (copied at start-up, under the I/O area)",
               "table", sym["SQ_MID_ALIGNED"], sym["SQ_MID_ALIGNED_END"]),
        Region("exp LUT (copied at start-up, under the I/O area)", "table", sym["EXP_LUT"], sym["EXP_LUT_END"]),
        Region("multiply tables (quarter squares, built at start-up, under the I/O area)", "table",
               sym["QS_TABLES"], sym["QS_TABLES_END"]),
        Region("squares table (built at start-up, under the KERNAL ROM)", "table",
               sym["SQ_LO"], sym["SQ_END"]),
        Region("position 0 (SEP) keys and values (saved at start-up, under the KERNAL ROM)",
               "kv-cache", sym["FIRST_KV"], sym["FIRST_KV_END"]),
        Region("fc2's sparse row constants (computed at start-up, under the KERNAL ROM)",
               "bias", sym["SPARSE_ROWK"], sym["SPARSE_ROWK_END"]),
    ]
    return r
