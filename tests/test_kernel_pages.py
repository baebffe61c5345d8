"""Hot loops whose place in the PRG keeps their branches within a page.

A taken 6502 branch costs a cycle more when its target lies on another page
than the instruction after it. These loops sit where they do (rather than
behind padding, which the resident PRG has no room for) so that none of
their branches crosses; a change to code before them that moves them across
a page boundary fails here instead of quietly costing cycles.
"""

from __future__ import annotations

import pytest

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.player.build import assemble_player

BRANCH_OPCODES = {0x10, 0x30, 0x50, 0x70, 0x90, 0xB0, 0xD0, 0xF0}

# (first label, last label, bytes after it): the branches from the first
# label up to that many bytes past the last.
HOT_LOOPS = [
    # every element of every norm: the read, the add, the carry into byte 1
    ("rn_mean_square@element", "rn_mean_square@not_small", 0),
    # every position of every head: a zero weight goes round without leaving
    ("at_weighted_sum@position", "at_weighted_sum@weighted", 0),
    # every dimension of every token: the embedding's left shifts
    ("embed@left", "embed@left_end", 0),
    # the small vector kernels, every element
    ("residual_add@element", "residual_add@overflow", 0),
    ("relu_z@element", "relu_z@negative", 9),
    ("argmax@group", "argmax@next_group", 3),
    # every column of every matvec walk: the BNE back to the next column (a
    # small column's other branches are not taken)
    ("mv_patch_columns@same_page", "mv_patch_columns@same_page", 5),
]


@pytest.fixture(scope="module")
def built():
    return assemble_player(DEFAULT_SOUL, DEFAULT_TOKENIZER)


def crossing_branches(built, start: int, end: int) -> list[str]:
    """Branches at instruction starts in [start, end) whose target is on another page."""
    load = built.prg[0] | built.prg[1] << 8
    code = built.prg[2:]
    crossings = []
    for address, file, line in built.lines:
        if not start <= address < end or code[address - load] not in BRANCH_OPCODES:
            continue
        offset = code[address - load + 1]
        after = address + 2
        target = after + (offset - 256 if offset > 127 else offset)
        if after >> 8 != target >> 8:
            crossings.append(f"{file}:{line} at ${address:04X} -> ${target:04X}")
    return crossings


@pytest.mark.parametrize("first, last, after", HOT_LOOPS)
def test_hot_loop_branches_stay_in_their_page(built, first, last, after):
    start, end = built.symbols[first], built.symbols[last] + after
    assert start < end
    assert crossing_branches(built, start, end) == []


def test_the_check_sees_a_crossing_branch(built):
    """The same check finds a branch known to cross (so the test above can fail)."""
    load = built.prg[0] | built.prg[1] << 8
    crossing = [address for address, _, _ in built.lines
                if built.prg[2 + address - load] in BRANCH_OPCODES
                and (address + 2) >> 8 != (address + 2 + (built.prg[3 + address - load] ^ 0x80) - 0x80) >> 8]
    assert crossing, "some branch in the PRG crosses a page"
    assert crossing_branches(built, crossing[0], crossing[0] + 1)
