"""The 128K tape's bytes that a first start could make from fewer (docs/spectrum.md, "Thirty-first round: the
128K's tape, shorter").

Prints the 128K tape's blocks (bytes, seconds to LOAD by the ROM's timings: soulterm.zx.tap.block_seconds), then
each region of derived data the build lays out, its bytes and the LOAD seconds its own bytes take (each byte's
bits at the ROM's pulse lengths), and whether this tape already leaves it off: matvec's squares table and the
narrow rows' plane 6 split masks (made at the first start since zxtape31), the six class lists (derivable from full
masks only, so not beside the packed ones), rmsnorm.s's inverses and roots, the exp LUT, and bank 0's copy of
fc1planes.s (bank 4's code but for a few table-page bytes).

    python benchmarks/zx128_tape_derivable.py
"""

from __future__ import annotations

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.soul.soulfile import load_soul
from soulterm.zx import paging, tap
from soulterm.zx.build import (PLANES_MATRICES, SQUARES_BYTES, assemble_spectrum_player, data_bank_block, planes_bank,
                               squares_first)
from soulterm.zx.soul_layout import plane_bytes, plane_classes


def byte_seconds(data: bytes) -> float:
    """What `data` adds to a block's LOAD (tap.block_seconds less its pilot, sync and gap)."""
    ones = sum(bin(byte).count("1") for byte in data)
    zeros = 8 * len(data) - ones
    return 2 * (zeros * tap.ZERO_PULSE + ones * tap.ONE_PULSE) / tap.TAPE_CLOCK_HZ


def main() -> None:
    soul = load_soul(DEFAULT_SOUL)
    built = assemble_spectrum_player(DEFAULT_SOUL, DEFAULT_TOKENIZER, "128k")
    program, sym = built.program, built.program.symbols
    blocks = tap.decode_blocks(built.tape)
    print(f"the 128K tape: {len(built.tape):,} bytes, {tap.load_seconds(built.tape):,.1f} s to LOAD")
    for header, data in zip(blocks[0::2], blocks[1::2]):
        name = tap.Header.from_bytes(header.data).name
        print(f"  {name:<12} {len(data.data):>7,} bytes {tap.block_seconds(header) + tap.block_seconds(data):7.1f} s")

    def program_bytes(start: int, end: int) -> bytes:
        return program.data[start - program.origin:end - program.origin]

    data_bank = data_bank_block(built.banks)
    fc1_copy = program_bytes(sym["fg_x"], sym["fg_code_end"])
    fc1_bank_4 = data_bank[sym["fg_x"] - paging.PAGED_START:sym["fg_code_end"] - paging.PAGED_START]
    narrow_masks = b"".join(plane_bytes(soul[name].values)[32 * row + 4:32 * row + 8]
                            for name in PLANES_MATRICES for row, narrow in enumerate(plane_classes(soul[name].values))
                            if narrow)
    planes = planes_bank(soul, qkv_apart=True, out_apart=True, logits=False, words=True)
    classes = b"".join(plane_classes(soul[name].values) for name in PLANES_MATRICES)
    builder = squares_first(program, data_bank)
    rows = [
        ("matvec's squares table (squares.s)", program_bytes(sym["mv_sq_lo"], sym["mv_sq_lo"] + SQUARES_BYTES),
         f"off since zxtape31: squaresfirst.s, {builder.end - builder.origin} bytes in z for both"),
        ("narrow rows' plane 6 split masks", narrow_masks, "off since zxtape31: WP_NARROW_SPLIT"),
        ("q, k, v's class lists (bank 6)", classes,
         "kept: made from full masks only (a narrow row's plane 6 is off)" if "WP_NARROW_SPLIT" in planes.symbols
         else "derivable from the masks"),
        ("rmsnorm.s's inverses and roots", program_bytes(sym["rn_inverses"], sym["rn_roots_end"]),
         "kept: 2^19 // r and roots (a divider and a root's search)"),
        ("attention's exp LUT", program_bytes(sym["exp_lut"], sym["exp_lut_end"]), "kept: the LUT's exp and rounding"),
        ("bank 0's fc1planes.s copy", fc1_copy,
         f"off since zxtape31: bank 4's bytes copied, {sum(a != b for a, b in zip(fc1_copy, fc1_bank_4))} patched"),
    ]
    print(f"{'derived region':<38} {'bytes':>6} {'LOAD s':>7}  on this tape")
    for name, data, note in rows:
        print(f"{name:<38} {len(data):>6,} {byte_seconds(data):7.2f}  {note}")


if __name__ == "__main__":
    main()
