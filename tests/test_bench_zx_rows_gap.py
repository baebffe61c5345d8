"""benchmarks/zx_rows_gap.py (zx48rows39): the 48K's and the 128K's rows by planes, instruction by instruction. Its
kinds must name the lookups' instructions, its charge must take every table read of q's, k's and v's rows and no other
code's (the lookups it counts are the soul's: 28 a narrow row, 32 a wide one, less the 128K's group forms' savings),
and fc1's rows must be charged on both players."""

from __future__ import annotations

import sys

import pytest

from soulterm.paths import CHECKOUT_DIR, DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer

sys.path.insert(0, str(CHECKOUT_DIR / "benchmarks"))
import zx_rows_gap as gap  # noqa: E402  (a benchmark script, beside z80_profile.py)

QKV, FC1 = "q, k and v", "fc1"


def test_the_kinds_name_the_lookups_instructions():
    assert gap.kind_of(bytes([0x4E, 0x24])) == gap.TABLE_READS         # ld c,(hl)
    assert gap.kind_of(bytes([0x24, 0x00])) == "page and entry steps"   # inc h
    assert gap.kind_of(bytes([0x6B, 0x00])) == "masks into L"           # ld l,e
    assert gap.kind_of(bytes([0xD1, 0x00])) == "pops"                   # pop de
    assert gap.kind_of(bytes([0xDD, 0x09])) == "sums"                   # add ix,bc
    assert gap.kind_of(bytes([0xCB, 0x1B])) == "sums"                   # rr e
    assert gap.kind_of(bytes([0xDD, 0x29])) == "doublings"              # add ix,ix
    assert gap.kind_of(bytes([0x09, 0x00])) == "sums"                   # add hl,bc, not add ix,bc's second step
    assert gap.kind_of(bytes([0xDD, 0x7C])) == gap.REST                 # ld a,ixh, not ld a,h
    assert gap.kind_of(bytes([0xC9, 0x00])) == gap.REST                 # ret


def test_the_parts_are_the_rows_alone():
    assert gap.part_of("wp_row_c_lo") == gap.part_of("wp_rows") == gap.part_of("wp_group_wide_2") == QKV
    assert gap.part_of("fg_plane_4") == gap.part_of("fg_form_k1") == gap.part_of("fg_zero_3") == FC1
    for fill_or_other in ("wp_group", "wp_fill_entries", "wp_tables", "fg_tables", "fg_step_d1c", "pl_store"):
        assert gap.part_of(fill_or_other) is None


@pytest.fixture(scope="module")
def soul_and_tokenizer():
    return load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)


@pytest.mark.parametrize("model", ["48k", "128k"])
def test_every_lookup_of_the_rows_is_charged(soul_and_tokenizer, model):
    soul, tokenizer = soul_and_tokenizer
    steps, t_states, visits, by_routine = gap.rows_profile(model, ["hi"], soul, tokenizer)
    reply = Engine(soul).reply(tokenizer, "hi")
    assert steps == len(reply.ids) + reply.ended > 1
    lookups = gap.lookups_48k(soul) - (model == "128k") * gap.group_form_lookups(soul)
    assert visits[QKV, gap.TABLE_READS] == 2 * lookups * steps
    assert gap.group_form_lookups(soul) > 0
    assert {gap.part_of(name) for name in by_routine} == {QKV, FC1}
    # (the 128K's word masks are their entries' addresses: no mask goes into L in its q, k and v rows)
    charged = [kind for kind in (*gap.LOOKUP_KINDS, gap.REST) if model == "48k" or kind != "masks into L"]
    for part in (QKV, FC1):
        assert all(t_states[part, kind] > 0 for kind in charged)
    assert (t_states[QKV, "masks into L"] > 0) == (model == "48k")
    assert sum(by_routine.values()) == sum(t_states.values())


def test_a_prefix_is_charged_with_its_instruction(soul_and_tokenizer):
    soul, tokenizer = soul_and_tokenizer
    _, t_states, visits, _ = gap.rows_profile("48k", ["hi"], soul, tokenizer)
    # (the 48K's q, k and v rows double by add ix,ix alone, 15 T-states: it steps as DD, then 29 a byte on, one visit)
    assert t_states[QKV, "doublings"] == 15 * visits[QKV, "doublings"] > 0
