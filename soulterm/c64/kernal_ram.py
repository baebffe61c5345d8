"""The KERNAL's RAM locations, named once (the names of Commodore's KERNAL source).

kernal.py and screen_editor.py keep these up to date as the real KERNAL
does, so programs that peek them see what they expect.
"""

from __future__ import annotations

# -- zero page ------------------------------------------------------------------
STATUS = 0x90       # ST: I/O status of the last operation
STKEY = 0x91        # STOP key flag ($7F while RUN/STOP is down)
VERCK = 0x93        # 0 = LOAD, 1 = VERIFY
LDTND = 0x98        # number of open files
DFLTN = 0x99        # input device (0 keyboard, 3 screen)
DFLTO = 0x9A        # output device (3 screen)
MSGFLG = 0x9D       # KERNAL message switch (SETMSG)
TIME = 0xA0         # jiffy clock, 3 bytes, most significant first
EAL = 0xAE          # end address of the last LOAD, 2 bytes
FNLEN, LA, SA, FA = 0xB7, 0xB8, 0xB9, 0xBA      # file name length, logical, secondary, device
FNADR = 0xBB        # file name address, 2 bytes
MEMUSS = 0xC3       # LOAD address for secondary address 0, 2 bytes
NDX = 0xC6          # keys in the keyboard buffer
RVS = 0xC7          # reverse-video flag
LXSP = 0xC9         # row and column where line input started, 2 bytes
CRSW = 0xD0         # CHRIN is handing out a typed line
PNT = 0xD1          # address of the cursor's screen row, 2 bytes
PNTR = 0xD3         # cursor column
QTSW = 0xD4         # quote mode
TBLX = 0xD6         # cursor row
USER = 0xF3         # address of the cursor's colour RAM row, 2 bytes

# -- BASIC's pointers the KERNAL sets ------------------------------------------------
TXTTAB = 0x2B       # start of the BASIC program
MEMSIZ_BASIC = 0x37 # top of BASIC memory

# -- system area ----------------------------------------------------------------------
KEYD = 0x0277       # keyboard buffer, 10 bytes
MEMSTR = 0x0281     # bottom of memory (MEMBOT), 2 bytes
MEMSIZ = 0x0283     # top of memory (MEMTOP), 2 bytes
COLOR = 0x0286      # text colour
HIBASE = 0x0288     # page of the screen
XMAX = 0x0289       # keyboard buffer size
MODE = 0x0291       # shift+C= case switch: $80 locked
KEYBOARD_BUFFER_SIZE = 10

# -- RAM vectors (RESTOR sets them) --------------------------------------------------
CINV = 0x0314       # IRQ
CBINV = 0x0316      # BRK
NMINV = 0x0318      # NMI
IOPEN, ICLOSE, ICHKIN, ICKOUT, ICLRCH = 0x031A, 0x031C, 0x031E, 0x0320, 0x0322
IBASIN, IBSOUT, ISTOP, IGETIN, ICLALL = 0x0324, 0x0326, 0x0328, 0x032A, 0x032C
USRCMD, ILOAD, ISAVE = 0x032E, 0x0330, 0x0332
