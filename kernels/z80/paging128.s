; paging128.s - the 128K player's bank switches (port $7FFD, soulterm/zx/paging.py).
; Needs ZX_DATA_BANK, ZX_PAGING_PORT and ZX_PAGE_ROM_48 (build.py defines them)
; and must lie below $C000: the instruction after the OUT is fetched from the
; new bank's 16K when it lies above.
; zx_page_data - the player's data bank at $C000: layer 1's tensors (forward.s)
;                and the word list (tokenizer.s's sp_decode) where it lies there (not with
;                SP_WORDS_BANK, the shipped 128K's since the thirty-sixth round: bank 7's).
; zx_page_top  - bank 0 back at $C000: the player's top 16K.
; Both keep the 48 BASIC ROM paged. Clobber A, BC. 38 T-states with the CALL.

zx_page_data:
        ld a,ZX_PAGE_ROM_48 | ZX_DATA_BANK
        jr zx_page
zx_page_top:
        ld a,ZX_PAGE_ROM_48
zx_page:
        ld bc,ZX_PAGING_PORT
        out (c),a
        ret
zx_page_end:
        .assert zx_page_end <= $C000, "the bank switches must lie below the bank they switch"
