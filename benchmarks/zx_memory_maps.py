"""The Spectrum players' memory maps and options as Markdown tables: docs/spectrum-guide.md's "What runs where".

Builds both players from the shipped soul and tokenizer (soulterm.zx.build.assemble_spectrum_player, as
`python -m soulterm build --machine zx` and `--machine zx128` do) and prints:

- the 48K's map: every region of its .map.json (the 64K as the player has it), with its bytes and kind;
- the 128K's map with bank 0 at $C000 (its .map.json's regions);
- the 128K's other banks: what each block the tape loads holds (bank 4's, bank 6's and bank 7's, read from
  the symbols of their own assemblies: build.data_bank, build.planes_bank and build.embed_bank), and what the
  player makes there at run time, with the bytes left;
- the options each player is assembled with (the map's symbols whose value is 1, and bank 6's own).

The guide's tables are this script's output, pasted between its `<!-- zx_memory_maps.py -->` markers;
tests/test_docs_spectrum_guide.py checks that their region names are the builds' own.

    python benchmarks/zx_memory_maps.py [--part maps48 | maps128 | banks | options]
"""

from __future__ import annotations

import argparse
import re

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.soul import spec
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx import build, paging

FLAG = re.compile(r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)+")


def players():
    """The shipped 48K and 128K builds, by model."""
    return {model: build.assemble_spectrum_player(DEFAULT_SOUL, DEFAULT_TOKENIZER, model) for model in ("48k", "128k")}


def region_rows(player) -> list[tuple[int, int, str, str]]:
    """(start, end, kind, name) of each region of a build's map, in address order."""
    return [(region.start, region.end, region.kind, region.name) for region in player.regions]


def region_table(player) -> str:
    lines = ["| addresses | bytes | kind | region |", "|---|---:|---|---|"]
    lines += [f"| ${start:04X}-${end - 1:04X} | {end - start:,} | {kind} | {name} |"
              for start, end, kind, name in region_rows(player)]
    return "\n".join(lines)


def bank_blocks(player) -> dict[int, object]:
    """The 128K's bank blocks as assembled programs (their symbols), by bank."""
    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    sym = player.program.symbols
    apart, out_apart = "SOUL_QKV_APART" in sym, "SOUL_OUT_APART" in sym
    logits, words = "LG_BANK_0" not in sym, "WP_WORD_TABLES" in sym
    return {build.DATA_BANK: build.data_bank(soul, tokenizer, coarse_pairs="mv_pairs_in" in sym, qkv_apart=apart,
                                             fc1_planes="FW_FC1_PLANES" in sym, out_apart=out_apart, logits=logits,
                                             words=words, word_list="SP_WORDS_BANK" not in sym,
                                             fc1_forms="FG_GROUP_FORMS" in sym),
            build.PLANES_BANK: build.planes_bank(soul, apart, out_apart, logits=logits, words=words),
            build.EMBED_BANK: build.embed_bank(soul, player.program, tokenizer)}


def bank_rows(player) -> list[tuple[int, int, int, str]]:
    """(bank, start, end, what) for the 128K's banks other than 0: the tape's blocks' parts by their labels, then
    what the player makes at run time. Each part runs from its label to the next part's (the block's end last)."""
    sym = player.program.symbols
    blocks = bank_blocks(player)
    words = [("sp_words", "the word list (tokenizer.s's sp_decode)")]
    in_embed_bank = "SP_WORDS_BANK" in sym
    tape_parts = {
        build.DATA_BANK: [("soul_l1_n1", "l1.n1"), ("soul_l1_proj", "l1.proj (matvec's layout)"),
                          ("soul_l1_n2", "l1.n2"), ("soul_l1_fc2_w", "l1.fc2_w (matvec's layout)"),
                          ("soul_l1_fc2_b", "l1.fc2_b"), *words * (not in_embed_bank),
                          ("soul_l1_fc1_w", "l1.fc1_w and l1.fc1_b as fc1planes.s's rows (fc1_planes.gate_bytes)"),
                          ("fg_x", "fc1planes.s: variables and code (fg_x..fg_code_end)")],
        build.PLANES_BANK: [("wp_expand_first", "planes.s's wp_expand_first (run by the first wp_tables, then "
                                                "table space)"),
                            ("wp_x", "planes.s and wordfill.s: code and variables"),
                            ("wp_wide_row_order", "planes_wide.s's row order and narrow fix"),
                            ("wp_make_at", "the six matrices' descriptors (wp_matrices)"),
                            ("wp_class_lists", "the rows' class lists"),
                            ("wp_planes", "q, k, v of both layers: split masks on the tape (the first wp_tables "
                                          "makes word masks of them in place, up to planes_bank_end)")],
        build.EMBED_BANK: [*words * in_embed_bank, ("soul_l0_proj", "l0.proj (matvec's layout)"), ("soul_l0_fc2_w", "l0.fc2_w (matvec's layout)"),
                           ("soul_l0_fc2_b", "l0.fc2_b"), ("soul_te", "te"), ("soul_pe", "pe"),
                           ("fw_embed", "embedrows.s (fw_embed)")],
    }
    rows = []
    for bank, parts in tape_parts.items():
        block = blocks[bank]
        starts = [block.symbols[label] for label, _ in parts] + [block.end]
        assert starts == sorted(starts) and starts[0] == block.origin, f"bank {bank}'s parts in order from its start"
        rows += [(bank, start, end, f"tape: {what}") for (_, what), start, end in zip(parts, starts, starts[1:])]
    planes = blocks[build.PLANES_BANK].symbols
    top = paging.PAGED_START + paging.BANK_SIZE
    run_time = [
        (build.DATA_BANK, paging.PAGED_START, blocks[build.DATA_BANK].origin,
         "free at run time (below the block: fc1planes.s and the keys' planes end at its tables)"),
        (build.DATA_BANK, sym["kv_planes"], sym["kv_planes"] + 2 * sym["PL_LAYER_BYTES"],
         "run time: the keys' bit planes, both layers (attention.s's pl_store)"),
        (build.DATA_BANK, sym["kv_planes"] + 2 * sym["PL_LAYER_BYTES"], sym["fg_table_pages"], "free at run time"),
        (build.DATA_BANK, sym["fg_table_pages"], sym["fg_table_pages"] + 0x400,
         "run time: fc1planes.s's tables, groups 0 and 1"),
        (build.DATA_BANK, sym["RN_SWAPPED_SQUARES"], sym["RN_SWAPPED_SQUARES"] + build.RN_SWAPPED_BYTES,
         "run time: rmsnorm.s's squares by swapped nibbles (made at the start)"),
        (build.DATA_BANK, sym["fg_table_pages_high"], top,
         "run time: fc1planes.s's tables, groups 2 and 3 (its first 512 bytes rmsnorm.s's inv multiples "
         "while a norm runs)"),
        (build.PLANES_BANK, build.PLANES_TABLES, planes["wp_expand_first"],
         "run time: planes.s's tables (8 pages; wp_expand_first's bytes too, after the first RUN)"),
        (build.PLANES_BANK, planes["wp_expand_first"] + (blocks[build.PLANES_BANK].end - planes["wp_expand_first"]),
         planes["planes_bank_end"], "run time: the word masks' second half (wp_expand_first doubles the split masks "
                                     "in place, each row after its entry's word: WP_NEXT_ROW_WORDS)"),
        (build.PLANES_BANK, planes["planes_bank_end"], top,
         "past the word masks: no block of the build (planes.s's header counts bank 6's room as "
         f"${planes['planes_bank_end']:04X}-$FEFF)"),
        (build.EMBED_BANK, paging.PAGED_START, blocks[build.EMBED_BANK].origin, "free (contended)"),
        (build.EMBED_BANK, blocks[build.EMBED_BANK].end, build.EMBED_EDITOR_ROOM, "free (contended)"),
        (build.EMBED_BANK, build.EMBED_EDITOR_ROOM, top, "the 128 ROM's editor's (its menu after \"q\")"),
    ]
    rows += [row for row in run_time if row[2] > row[1]]
    for bank in build.RECORD_BANKS:
        rows.append((bank, paging.PAGED_START, top, f"run time: position 1's records, {spec.VOCAB_SIZE // 2} ids "
                     f"of 256 bytes (records128.s)"))
    return sorted(rows, key=lambda row: (row[0], row[1]))


def bank_table(player) -> str:
    lines = ["| bank | addresses | bytes | what |", "|---:|---|---:|---|"]
    lines += [f"| {bank} | ${start:04X}-${end - 1:04X} | {end - start:,} | {what} |"
              for bank, start, end, what in bank_rows(player)]
    return "\n".join(lines)


def options(player) -> set[str]:
    """The options a build's main program is assembled with: its symbols shaped like a flag whose value is 1."""
    return {name for name, value in player.program.symbols.items() if FLAG.fullmatch(name) and value == 1}


def options_text(builds) -> str:
    ours, theirs = options(builds["48k"]), options(builds["128k"])
    planes = bank_blocks(builds["128k"])[build.PLANES_BANK].symbols
    bank_6 = {name for name, value in planes.items() if FLAG.fullmatch(name) and value == 1} - theirs
    line = lambda title, names: f"- {title}: " + ", ".join(f"`{name}`" for name in sorted(names))  # noqa: E731
    return "\n".join([line("both players", ours & theirs), line("the 48K only", ours - theirs),
                      line("the 128K only (its main block)", theirs - ours),
                      line("the 128K's bank 6 (planes.s's own assembly)", bank_6 - ours)])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("maps48", "maps128", "banks", "options"))
    args = parser.parse_args(argv)
    builds = players()
    parts = {"maps48": lambda: region_table(builds["48k"]), "maps128": lambda: region_table(builds["128k"]),
             "banks": lambda: bank_table(builds["128k"]), "options": lambda: options_text(builds)}
    for name, make in parts.items():
        if args.part in (None, name):
            print(f"<!-- zx_memory_maps.py --part {name} -->\n{make()}\n<!-- end {name} -->\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
