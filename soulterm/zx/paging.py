"""The 128K Spectrum's memory paging (port $7FFD): the one place its numbers live.

A 128K has eight 16K RAM banks. Bank 5 is always at $4000 (the screen) and
bank 2 at $8000; port $7FFD picks the bank at $C000 and more:
    bits 2-0  the bank at $C000 (0 after reset)
    bit 3     the shadow screen: the ULA shows bank 7 instead of bank 5
    bit 4     the ROM: 0 the 128 editor, 1 the 48 BASIC ROM
    bit 5     locks the port until the next reset
The port is decoded from A15 and A1 low (PAGING_PORT_MASK), so OUT 32765
($7FFD) reaches it. The 128 ROM keeps a copy of the last value in BANKM
($5B5C, 23388): a loader in 128 BASIC pokes it before the OUT, or the
editor pages its own choice back.
"""

from __future__ import annotations

PAGING_PORT = 0x7FFD             # 32765, as BASIC's OUT writes it
PAGING_PORT_MASK = 0x8002        # the address lines the 128K decodes: both low
BANKM = 0x5B5C                   # 23388: the 128 ROM's copy of the port
BANK_BITS = 0x07
SHADOW_SCREEN = 0x08
ROM_48 = 0x10                    # the 48 BASIC ROM (soulterm's high-level ROM stands for it)
LOCK = 0x20
BANK_SIZE = 0x4000
BANKS = 8
PAGED_START = 0xC000             # where the paged bank sits
FIXED_BANKS = {5: 0x4000, 2: 0x8000}    # bank -> the address it always sits at
CONTENDED_BANKS = (1, 3, 5, 7)   # the ULA delays these on a 128K (not emulated: contention.py counts the 48K's)
FRAME_T_STATES_128K = 70_908     # 311 lines of 228 T-states
# The 128 ROM's own RAM in the printer buffer: its bank-switching routines (SWAP at $5B00, which
# 128 BASIC calls the 48 BASIC ROM through and comes back by), BANKM and the stack TSTACK. A program
# that writes over it and returns to 128 BASIC hangs there (twenty-second round, on the real ROMs).
ROM_128_RAM = range(0x5B00, 0x5C00)


def is_paging_port(port: int) -> bool:
    """True for an OUT address the 128K's paging latch answers (A15 and A1 low)."""
    return not port & PAGING_PORT_MASK
