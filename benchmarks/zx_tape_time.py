"""What the 128K player's tape costs to LOAD on a real Spectrum, and what records of position 1
on it would add (docs/spectrum.md, "Position 1's records").

The 128K player computes its records of position 1 (kernels/z80/records128.s): the
commonest openers' at its first RUN, every other id's the first time a line opens with
it. Shipping them on the tape instead would cost loading time: this prints the load time
(soulterm.zx.tap.load_seconds: the ROM's SAVE timings, ~1,365 bits a second for these
bytes, a second between blocks) of the tape as built, of the tape with every id's record
in its bank (banks 1, 3, 6, 7, 9,216 bytes each, loaded as bank 4's block), and of one
more CODE block holding only the first RUN's openers' records (the least any layout of
them could cost), and the first RUN's T-states that the tape would save.

    python benchmarks/zx_tape_time.py
"""

from __future__ import annotations

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.soul import spec
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx import tap
from soulterm.zx.build import (ORIGINS, RECORD_BANKS, TAPE_NAMES, assemble_spectrum_player, data_bank_block,
                               tape_main_block)
from soulterm.zx.kernelbench import player_bench, record_known, records_first_run

RECORDS_A_BANK = spec.VOCAB_SIZE // len(RECORD_BANKS)


def every_record(soul, tokenizer) -> tuple[dict, int, list[int]]:
    """Each record bank's bytes with every id's record (computed on the player's bench, as
    position_one records them), the first RUN's T-states and its openers."""
    bench = player_bench(soul, tokenizer, "128k")
    first_run = records_first_run(bench)
    openers = [i for i in range(spec.VOCAB_SIZE) if record_known(bench, i)]
    for token in range(spec.VOCAB_SIZE):
        bench.poke(bench.sym("fw_token"), [token])
        bench.poke(bench.sym("fw_pos"), [1])
        bench.call("position_one", max_t_states=40_000_000)
    record = bench.sym("RECORD_BYTES")
    banks = {}
    for bank in RECORD_BANKS:
        bench._port_out(0x7FFD, bank)           # the bank at $C000, to read it
        banks[bank] = bench.peek(0xC000, RECORDS_A_BANK * record)
    bench._port_out(0x7FFD, 0)
    return banks, first_run, openers


def main() -> None:
    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    built = assemble_spectrum_player(DEFAULT_SOUL, DEFAULT_TOKENIZER, "128k")
    banks, first_run, openers = every_record(soul, tokenizer)
    record = built.program.symbols["RECORD_BYTES"]
    name, entry = TAPE_NAMES["128k"], built.program.symbols["start"]
    shipped = tap.load_seconds(built.tape)
    every = tap.write_tap(name, tape_main_block(built.program, data_bank_block(built.banks)), ORIGINS["128k"], entry,
                          list(built.banks) + list(banks.items()))
    opener_bytes = b"".join(banks[RECORD_BANKS[i // RECORDS_A_BANK]][(i % RECORDS_A_BANK) * record:][:record]
                            for i in openers)
    opener_blocks = [tap.Block(tap.HEADER_FLAG, tap.Header(tap.CODE, "openers", len(opener_bytes), 0xC000,
                                                           0x8000).to_bytes()),
                     tap.Block(tap.DATA_FLAG, opener_bytes)]
    openers_seconds = sum(tap.block_seconds(block) for block in opener_blocks)
    print(f"the 128K tape as built: {len(built.tape):,} bytes, {shipped:,.1f} s to LOAD")
    print(f"with every id's record in banks {', '.join(map(str, RECORD_BANKS))} "
          f"({len(banks) * RECORDS_A_BANK * record:,} bytes more): {tap.load_seconds(every):,.1f} s "
          f"(+{tap.load_seconds(every) - shipped:,.1f} s)")
    print(f"one block of the first RUN's {len(openers)} openers' records ({len(opener_bytes):,} bytes): "
          f"+{openers_seconds:,.1f} s, where the first RUN computes them with position 0 in "
          f"{first_run:,} T-states ({first_run / tap.TAPE_CLOCK_HZ:.2f} s)")


if __name__ == "__main__":
    main()
