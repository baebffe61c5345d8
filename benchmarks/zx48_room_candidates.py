"""Where could the 48K player find ~140 bytes for the logits' one-byte form? (issue 16, thirtieth round, zx48pack30)

zx48logits30 measured a one-byte form of the 48K's logits (benchmarks/zx48_logit_bytes.py) that needs ~140 bytes
more than the 48K has; zx48room30 found the cold code has no more cheap squeezes. This weighs the bigger moves,
each on a fresh build of the shipped 48K player (`python -m soulterm build --machine zx`, its map and tape):

- the run-time-only areas below $5C00 (the screen's hidden thirds, the printer buffer): the map's regions there
  and the bytes no region holds;
- te and pe: today's packing (soul_layout.packed_rows, em_unpack's) against one Huffman code of their values
  (the data to the bit, each row to whole bytes, and the code's symbols at a byte each), before any decoder;
- the word list: its bits without and with FIRST_SHARED_OPTION (soul_layout.word_list_data: a bit says a word's
  first character is the word before's; the 48K player's since zx48pack30) against front coding (a word's first
  0..3 characters shared with the word before it, in 2 bits), in the list's own order and sorted (the list's order is the spelling rule's:
  "the first listed word within one edit", so a sorted list would change replies);
- the cold code and tables that run only at a turn's start (the alphabet, tokenizer.s, the merges) and the whole
  program-and-tokenizer block at $5DB0, as a decompressor's input: raw deflate (zlib -9) and a greedy LZ77
  (a flag bit, a literal's 8 bits or an offset and a length), both before the decompressor's own bytes;
- the squares table (squares.s: n*n for n = -255..255, 1,023 bytes), read by every product: its bytes stay
  taken whether loaded or made at the start; the low bytes' period (n*n mod 256 repeats every 128) is counted.

    python benchmarks/zx48_room_candidates.py
"""

from __future__ import annotations

import collections
import heapq
import json
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

import numpy as np

from soulterm.soul.benchmark import shipped_engine
from soulterm.zx import soul_layout
from soulterm.zx.build import ORIGINS

ORIGIN = ORIGINS["48k"]
SYSTEM_VARIABLES = 0x5C00
HIDDEN_START = 0x4800           # the screen's middle third: the first byte a region below $5C00 may hold at run time
FRONT_BITS = 2                  # front coding's count of characters shared with the word before (0..3)


def fresh_build() -> tuple[bytes, dict]:
    """The shipped 48K player's CODE block (from ORIGIN) and map, built now."""
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run([sys.executable, "-m", "soulterm", "build", "--machine", "zx", "--output", folder],
                       check=True, capture_output=True)
        tap = (Path(folder) / "soulplayer.tap").read_bytes()
        chart = json.loads((Path(folder) / "soulplayer-zx.map.json").read_text())
    blocks, at = [], 0
    while at < len(tap):
        length = tap[at] | tap[at + 1] << 8
        blocks.append(tap[at + 2:at + 2 + length])
        at += 2 + length
    return blocks[-1][1:-1], chart      # (the flag byte and the checksum off)


def low_areas(chart: dict) -> None:
    regions = sorted((r for r in chart["regions"] if HIDDEN_START <= r["start"] < SYSTEM_VARIABLES),
                     key=lambda r: r["start"])
    print("Below $5C00 (the map's regions from the screen's middle third on):")
    held = np.zeros(SYSTEM_VARIABLES - HIDDEN_START, bool)
    for region in regions:
        held[region["start"] - HIDDEN_START:region["end"] - HIDDEN_START] = True
        print(f"  ${region['start']:04X}-${region['end'] - 1:04X} {region['end'] - region['start']:6,}  {region['name']}")
    print(f"  bytes no region holds: {int((~held).sum())}")


def huffman_lengths(counts: collections.Counter) -> dict:
    heap = [(count, order, [symbol]) for order, (symbol, count) in enumerate(counts.items())]
    heapq.heapify(heap)
    lengths, order = collections.Counter(), len(heap)
    while len(heap) > 1:
        low, high = heapq.heappop(heap), heapq.heappop(heap)
        for symbol in low[2] + high[2]:
            lengths[symbol] += 1
        order += 1
        heapq.heappush(heap, (low[0] + high[0], order, low[2] + high[2]))
    return lengths


def embeddings(soul) -> None:
    rows, today = [], 0
    for name in soul_layout.EMBEDDINGS:
        values = np.asarray(soul.tensors[name].values)
        never_fed = soul_layout.NEVER_FED.get(name, ())
        widths, _, data = soul_layout.packed_rows(values, never_fed, soul_layout.PACK_ONE_MARK)
        today += len(widths) + len(data)
        rows += [row for r, row in enumerate(values) if r not in never_fed]
    counts = collections.Counter(np.concatenate(rows).tolist())
    lengths = huffman_lengths(counts)
    bits = sum(counts[v] * lengths[v] for v in counts)
    row_bytes = sum((sum(lengths[int(v)] for v in row) + 7) // 8 for row in rows)
    print(f"\nte and pe ({len(rows)} rows fed): today {today:,} bytes (a size byte a row and the rows)")
    print(f"  one Huffman code: {len(counts)} symbols, codes of up to {max(lengths.values())} bits; the data "
          f"{(bits + 7) // 8:,} bytes to the bit, {row_bytes:,} a row to whole bytes; + {len(rows)} size bytes "
          f"+ {len(counts)} symbols = {row_bytes + len(rows) + len(counts):,} "
          f"({today - row_bytes - len(rows) - len(counts):,} fewer than today, before the decoder)")


def character_bits(rank: int) -> int:
    return soul_layout.SHORT_BITS + (soul_layout.LONG_BITS if rank >= soul_layout.SHORT_CODES else 0)


def word_list(tokenizer) -> None:
    ranked, bits = soul_layout.word_list_data(tokenizer)
    shared_bits = soul_layout.word_list_data(tokenizer, first_shared=True)[1]
    words = list(tokenizer.words)
    counts = collections.Counter("".join(words))
    rank = {ch: r for r, ch in enumerate(sorted(counts, key=lambda ch: (-counts[ch], ch)))}
    print(f"\nThe word list ({len(words)} words): without FIRST_SHARED_OPTION {len(ranked) + len(bits):,} bytes "
          f"({len(ranked)} character ids, {len(bits):,} of bits); with FIRST_SHARED_OPTION "
          f"{len(ranked) + len(shared_bits):,}")
    for label, order in (("in the list's order", words), ("sorted (changes replies)", sorted(words))):
        total, before = 0, ""
        for word in order:
            shared = 0
            while shared < min(len(before), len(word), (1 << FRONT_BITS) - 1) and before[shared] == word[shared]:
                shared += 1
            total += FRONT_BITS + len(word) - 3 + 1 + sum(character_bits(rank[ch]) for ch in word[shared:])
            before = word
        print(f"  front coding, {label}: {len(ranked) + (total + 7) // 8:,} bytes")


def lz77_bytes(data: bytes, offset_bits: int, length_bits: int, least_match: int = 2) -> int:
    at, bits = 0, 0
    while at < len(data):
        best = 0
        for start in range(max(0, at - (1 << offset_bits)), at):
            length = 0
            while (at + length < len(data) and length < least_match + (1 << length_bits) - 1
                   and data[start + length] == data[at + length]):
                length += 1
            best = max(best, length)
        if best >= least_match and offset_bits + length_bits < 8 * best:
            bits += 1 + offset_bits + length_bits
            at += best
        else:
            bits += 9
            at += 1
    return (bits + 7) // 8


def cold_code(code: bytes, chart: dict) -> None:
    symbols = {}                # (a region's name to its first span: "program and tokenizer" names two)
    for region in chart["regions"]:
        symbols.setdefault(region["name"], (region["start"], region["end"]))
    lines = collections.defaultdict(list)
    for address, source, _ in chart["lines"]:
        lines[source].append(address)
    tokenizer_code = (min(lines["kernels/z80/tokenizer.s"]), max(lines["kernels/z80/tokenizer.s"]) + 1)
    pieces = {"the alphabet": symbols["tokenizer: alphabet"], "tokenizer.s": tokenizer_code,
              "the merges": symbols["tokenizer: merges"]}
    pieces["those three together"] = None
    pieces["program and tokenizer ($5DB0)"] = symbols["program and tokenizer"]
    print("\nCold code and tables as a decompressor's input (bytes before the decompressor's own):")
    for label, span in pieces.items():
        data = (b"".join(code[a - ORIGIN:b - ORIGIN] for a, b in (pieces["the alphabet"], tokenizer_code,
                                                                   pieces["the merges"]))
                if span is None else code[span[0] - ORIGIN:span[1] - ORIGIN])
        deflated = len(zlib.compress(data, 9)) - 6      # (zlib's header and check off: raw deflate)
        print(f"  {label:32s} {len(data):5,}  deflate {deflated:5,}  LZ77 8+4 bits {lz77_bytes(data, 8, 4):5,}"
              f"  LZ77 10+4 {lz77_bytes(data, 10, 4):5,}")


def squares(chart: dict) -> None:
    start, end = next((r["start"], r["end"]) for r in chart["regions"] if r["name"] == "squares (matvec)")
    low = [(n * n) & 255 for n in range(-255, 256)]
    print(f"\nThe squares table: ${start:04X}-${end - 1:04X}, {end - start:,} bytes, read by every product "
          f"(loaded or made at the start, its RAM stays taken); its low bytes repeat every 128: "
          f"{all(low[i] == low[i + 128] for i in range(len(low) - 128))}")


def main() -> None:
    soul, _, tokenizer = shipped_engine()
    code, chart = fresh_build()
    free = sum(r["end"] - r["start"] for r in chart["regions"] if r["name"].startswith("free"))
    print(f"The shipped 48K player: ${ORIGIN:04X}-$FFFF, {free} bytes free\n")
    low_areas(chart)
    embeddings(soul)
    word_list(tokenizer)
    cold_code(code, chart)
    squares(chart)


if __name__ == "__main__":
    main()
