"""The 48K ladder's spends found by halves (build.spends_that_fit, twenty-fifth round: ~6 assemblies
for the shipped soul where trying each took 10) are the ones the one-by-one search took before it: the
same spends and the same tape, on a model of the spends' bytes and on real souls."""

from __future__ import annotations

import random

import pytest

from conftest import ORIGINAL_VECTORS, _available
from soulterm.asm import AsmError
from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER, DISK_DIR
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
import soulterm.zx.build as zx_build
from soulterm.zx.soul_layout import narrow_mark_out_take

SPEND_KEYS = ("fast_takebacks", "wide_sparse", "short_ends", "row_marks", "narrow_mark",
              "narrow_mark_out", "nz_short_made")    # (zx_build._spent_48k's)
# the spends whose code or data lie below UNCONTENDED, in the cold part (the others add code above it alone):
# te's and pe's marks, at_leading_zeros (vecops.s's, zx48att32: 2 bytes fewer above it, attention.s's jump),
# planes.s's narrow rows' mark (zx48rows35: planes_wide.s's fix in the cold part, wp_row's test above it), the
# table means by dimension (zx48kept35: soulplayer.s keeps layer 0's SEP values, 22 bytes below it, 1 above) and
# nzmatvec.s's made short pieces (zx48ffn35: in matvec_nz's once-a-call part); out's marks with WP_NARROW_BITS
# (zx48narrow36: the fix in wp_rows_wide and fw_out_logits' flip of a marked exact row, both below it); the logits'
# tops on one-byte tables (zx48logit36: planes_wide.s's fw_out_bytes in the cold part, logitbytes48.s above it)
BELOW_UNCONTENDED = (zx_build.ROW_MARKS_48K, zx_build.LEADING_ZEROS_48K, zx_build.NARROW_MARK_48K,
                     zx_build.TABLE_BY_DIMENSION_48K, zx_build.SHORT_MADE_48K, zx_build.NIBBLES_48K,
                     zx_build.NARROW_MARK_OUT_48K, zx_build.TOPS_BYTES_48K)


def one_by_one(fits, spends=zx_build.SPENDS_48K) -> tuple:
    """The search before the twenty-fifth round: each spend in order, taken where it still fits."""
    taken = ()
    for spend in spends:
        if fits(taken + (spend,)):
            taken += (spend,)
    return taken


def test_the_halves_take_the_spends_one_by_one_takes_for_any_bytes_and_room():
    """On a model of the spends' bytes (each its own, the room the rest): many random sizes and rooms,
    for SPENDS_48K and its shorter first runs."""
    draw = random.Random(25)
    for length in range(len(zx_build.SPENDS_48K) + 1):
        spends = zx_build.SPENDS_48K[:length]
        for _ in range(60):
            sizes = {name: draw.choice((1, 3, 16, 21, 25, 67, 73, 275, 368, draw.randrange(1, 400)))
                     for name in spends}
            for room in sorted({0, sum(sizes.values())} | {draw.randrange(0, sum(sizes.values()) + 2)
                                                            for _ in range(8)}):
                def fits(chosen, sizes=sizes, room=room):
                    return sum(sizes[name] for name in chosen) <= room

                assert zx_build.spends_that_fit(fits, spends) == one_by_one(fits, spends), (sizes, room)


def test_the_halves_ask_few_fits_where_most_spends_fit():
    """All at once where all fit (one assembly); a pattern of the first ten fitting and the last three not (the
    shipped soul's until zx48narrow36, the last four then, in 9; since zx48narrow36 SPENDS_48K has 13, WP_NARROW_MARK's
    place gone, and the shipped soul takes them all; the first eight before zx48rows35's WP_NARROW_MARK and
    WP_NARROW_MARK_OUT, the first six before zx48att32's two spends; the last three before zx48ffn35's NZ_SHORT_MADE)
    in 7, not the 14 of all at once and then one by one."""
    spends = zx_build.SPENDS_48K
    asked = []
    assert zx_build.spends_that_fit(lambda chosen: asked.append(chosen) or True, spends) == spends
    assert asked == [spends]
    asked.clear()
    assert zx_build.spends_that_fit(lambda chosen: asked.append(chosen) or set(chosen) <= set(spends[:10]),
                                    spends) == spends[:10]
    assert len(asked) == 7


@pytest.mark.parametrize("which", ["shipped", "shorter list", "vectors"])
def test_the_48k_takes_the_spends_and_makes_the_tape_the_one_by_one_search_did(which, monkeypatch):
    """The real ladder on three souls and lists: the shipped ones (every spend since zxroom48c's
    folded biases, at 8b84923 the last three skipped; since the twenty-sixth round's planes' rung,
    zxplanes48, only AT_FAST_SUMS_JP; since zxroom48d's attention output in the tables' pages AT_FAST_DIMS_JP and
    AT_FAST_H4_APART too, and the pairs' jps kept; since zxlogits48's logits by out's planes FW_WIDE_SPARSE,
    AT_FAST_RANGE_APART and AT_FAST_MAX_PATCHED too; since zxsparse48's fc2 by matvec_nz, whose rung comes
    first, no FW_WIDE_SPARSE, and AT_FAST_MAX_PATCHED skipped; since zxnzrow AT_FAST_MAX_PATCHED back; since zxatt48b's
    weights of 1 added whole skipped again, and back with zxplanes28's planes.s without classes: MV_HZ_ENDS and
    AT_FAST_SUMS_PAIRS skipped; since zx48logits30 AT_FAST_RANGE_APART back; since zx48pack30 AT_FAST_PIECE_PAIRS taken
    and AT_FAST_MAX_PATCHED skipped; since zx48ffn32's short gate AT_FAST_MAX_PATCHED back; since zx48att32
    AT_SKIP_LEADING_ZEROS and EM_ROW_MARKS taken in AT_FAST_PIECE_PAIRS' and AT_FAST_MAX_PATCHED's place; since zx48norm33's
    RN_UNIT_SHIFT AT_FAST_MAX_PATCHED back), the shipped soul with its word list ten
    words shorter (every spend but AT_FAST_SUMS_PAIRS since zx48pack30; since zx48att32 the shipped list's), the vectors soul (FW_WIDE_SPARSE skipped, the rest taken, until zxroom48e: since then FW_WIDE_SPARSE and the
    first two cuts taken, the other five skipped; since zx48pos29's at_lut in att_weights the first four, three
    skipped; the size model's tests above skip between taken ones on a bare clone): the spends assemble_player takes are what one
    by one on the same rung takes, and its tape the one built from those; the shipped tape is disk/'s.
    What makes the halves exact holds on the way: each spend one by one tries adds bytes, above
    UNCONTENDED and moving nothing below it, or (BELOW_UNCONTENDED's) in the cold part, the code above it
    no longer (a set that fits fits without any of its spends). MV_CT_RAW,
    which moves 216 bytes below UNCONTENDED and ends the code sooner, is no spend of theirs
    (assemble_player tries it on its own)."""
    if which == "vectors":
        vectors = _available(ORIGINAL_VECTORS)      # (skips without ../shared)
        soul, tokenizer = load_soul(vectors.soul_path), Tokenizer.load(vectors.tokenizer_path)
    else:
        soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
        if which == "shorter list":
            tokenizer = tokenizer.with_words(tokenizer.words[:-10])
    chosen = []
    assemble_48k = zx_build._assemble_48k
    with monkeypatch.context() as patched:
        patched.setattr(zx_build, "_assemble_48k", lambda *args, **kwargs: chosen.append(kwargs)
                        or assemble_48k(*args, **kwargs))
        program = zx_build.assemble_player(soul, tokenizer)
    [kwargs] = chosen
    rung = {key: value for key, value in kwargs.items() if key not in SPEND_KEYS}
    # (since zx48wire34 the packed key planes on the planes' rung, above the squares' fast scores)
    assert rung.get("packed_keys", False) == (which != "vectors") and rung["fast_scores"] == (which == "vectors")

    def ends(spends, **changed):
        """The bare program's end and the cold part's (coarse_fits's assembly, kept), None past $FFFF."""
        try:
            bare = zx_build._assemble(zx_build.player_source(soul, tokenizer, False, key_sums=zx_build.KEY_SUMS_48K,
                                                             **dict(rung, **changed), **zx_build._spent_48k(spends)))
        except AsmError:
            return None
        return bare.end, zx_build._cold_end(bare.symbols)

    def fits(spends):
        more, before = ends(spends), ends(spends[:-1])
        assert more is None or (more[0] - before[0] + more[1] - before[1] > 0 and more[1] >= before[1]
                                and (more[1] == before[1]) == (spends[-1] not in BELOW_UNCONTENDED)), spends
        return zx_build.coarse_fits(soul, tokenizer, True, **rung, **zx_build._spent_48k(spends))

    spends = zx_build.spends_48k(rung["fast_scores"], rung.get("planes_48k", False), rung.get("nz", False),
                                 rung.get("packed_keys", False),    # (FW_WIDE_SPARSE first on the planes, none with
                                 narrow_mark_out_take(soul))
    # matvec_nz; with the packed key planes no cut of the squares' to take back, AT_SKIP_LEADING_ZEROS kept)
    taken = one_by_one(fits, spends)
    assert {key: kwargs[key] for key in SPEND_KEYS} == zx_build._spent_48k(taken)
    skipped = [name for name in spends if name not in taken]
    on_planes = list(zx_build.FAST_TAKEBACKS_48K[1:])     # (since zxroom48e MV_HZ_ENDS first with matvec_nz, in the room
    # of mv_k_toggle's table, the ungated coarse call, matvec_again and fw_product_of_xn: it leaves AT_FAST_SUMS_JP's room
    # alone, the shorter list's AT_FAST_DIMS_JP's too; before it MV_HZ_ENDS and AT_FAST_SUMS_PAIRS were skipped)
    assert rung.get("nz", False) == (which != "vectors")        # (matvec_nz's rung first on the planes': zxsparse48)
    assert zx_build.WIDE_SPARSE_48K not in zx_build.spends_48k(True, True, True)
    assert zx_build.spends_48k(False, True, True, True) == (zx_build.TABLE_BY_DIMENSION_48K, zx_build.TOPS_BYTES_48K,
                                                          zx_build.LOW_START_48K, zx_build.NIBBLES_48K,
                                                          zx_build.MEANS_CHAINS_48K, zx_build.HZ_ENDS_48K,
                                                          zx_build.SCATTER_POPS_48K, zx_build.GENERATED_WALK_48K,
                                                          zx_build.LEADING_ZEROS_48K, zx_build.ROW_MARKS_48K)
    # (zx48genwalk39: the last spends by what a byte buys on the long turns, python benchmarks/zx48_ladder_long.py;
    # WP_LOW_START_IN_TABLE first, AT_GENERATED_WALK last)
    # (zx48lowstart38: WP_LOW_START_IN_TABLE last of the last spends, after KV_SCATTER_POPS: 19 bytes, ~200 T-states a
    # reply step a byte, displacing nothing where the room is short)
    # (the thirty-seventh round's merge: EM_NIBBLES (48 bytes, ~130 T-states a reply step a byte) and AT_MEANS_CHAINS (90,
    # ~97) before MV_HZ_ENDS (368, ~43, but with zxfc2_37's room worth more than the four small spends it leaves out),
    # the others after it: python benchmarks/zx48_forced_spends.py, "hello" 1,433,608 a reply step without MV_HZ_ENDS,
    # 1,427,918 with it and EM_BIT_CHAIN in the place EM_NIBBLES takes now)
    # (zxfc2_37: no NZ_SHORT_MADE with matvec_nz by x's bits, NZ_X_BITS, the players' form: its pieces are gone)
    # (NZ_SHORT_MADE, zx48ffn35: with matvec_nz alone, SPENDS_48K's last; the narrow marks on the planes' rungs alone;
    # zx48room35's EM_BIT_CHAIN and KV_SCATTER_POPS after them, on the packed key planes' rungs alone; zx48logit36's
    # WP_TOPS_BYTES second of the packed key planes' first spends, after AT_TABLE_BY_DIMENSION; zx48room37's
    # AT_MEANS_CHAINS and zx48embnorm37's EM_NIBBLES, in EM_BIT_CHAIN's place)
    assert zx_build.spends_48k(True, False) == zx_build.SPENDS_48K[len(zx_build.NARROW_MARKS_48K):-1] and sorted(zx_build.SPENDS_48K_PLANES) == sorted(
        zx_build.SPENDS_48K) and zx_build.spends_48k(False, True) == (
        zx_build.WIDE_SPARSE_48K, zx_build.HZ_ENDS_48K, zx_build.ROW_MARKS_48K)
    assert rung.get("planes_48k", False) == (which != "vectors")        # (the planes' rung: twenty-sixth round)
    # (since zx48pos29's at_lut in att_weights, AT_LUT_IN_WEIGHTS, 21 bytes more: the shipped soul takes AT_FAST_DIMS_JP
    # and AT_FAST_H4_APART, the shorter list AT_FAST_RANGE_APART, then no room for AT_FAST_H4_APART; the vectors
    # soul both; since zx48logits30's logits 34 bytes shorter and zx48room30's SHORT_FORMS, start's jp, TK_FIXED_LINE
    # and exp_lut's place, 49 bytes, less AT_ONE_OWN_END's 9: the shipped soul takes AT_FAST_RANGE_APART and
    # AT_FAST_MAX_PATCHED too, the shorter list every cut but AT_FAST_MAX_PATCHED and AT_FAST_SUMS_PAIRS; since
    # zx48pack30's word list with first characters shared, SP_FIRST_SHARED, 30 bytes more: the shipped soul
    # AT_FAST_PIECE_PAIRS in AT_FAST_MAX_PATCHED's place, the shorter list every cut but AT_FAST_SUMS_PAIRS)
    # (since zx48att32 AT_SKIP_LEADING_ZEROS and EM_ROW_MARKS come before AT_FAST_PIECE_PAIRS: the shipped soul and the
    # shorter list take both in AT_FAST_PIECE_PAIRS' room and the shorter list's AT_FAST_MAX_PATCHED's, the vectors soul
    # both and AT_FAST_MAX_PATCHED, not AT_FAST_PIECE_PAIRS; with zx48ffn32's short gate, MV_GATE_SHORT, 18 bytes fewer
    # in matvec.s: the shorter list AT_FAST_MAX_PATCHED back, the shipped soul 2 bytes short of it; with zx48norm33's
    # RN_UNIT_SHIFT, 21 bytes fewer in rmsnorm.s, the shipped soul AT_FAST_MAX_PATCHED too, both 27 short of
    # AT_FAST_PIECE_PAIRS)
    # (since zx48wire34 the shipped soul and the shorter list on the packed key planes' rung: MV_HZ_ENDS,
    # AT_SKIP_LEADING_ZEROS and EM_ROW_MARKS, all taken; before it the squares' cuts, on_planes[3::2] skipped; since
    # zx48rows35 WP_NARROW_MARK and WP_NARROW_MARK_OUT before them, since zx48kept35 AT_TABLE_BY_DIMENSION first, all
    # taken; zx48ffn35's NZ_SHORT_MADE, last of SPENDS_48K, 45 bytes, taken in the 28 that zx48room35's run-time
    # variables freed; its EM_BIT_CHAIN and KV_SCATTER_POPS, after it, skipped: 9 bytes were left on the shipped soul;
    # the shorter list, its word list shorter, takes the scatter in the room the chain does not fit; since zx48wide35's
    # wp_rows_wide 16 bytes shorter the shipped soul takes the scatter too, 2 bytes left, the chain 40 short)
    # (since zx48fc1g36's fc1s by fc1planes.s's byte masks, 89 bytes freed on the shipped soul, and zx48narrow36's q, k
    # and v rows without their narrow rows' plane 6 bytes, 319 more, both took every spend; zx48logit36's WP_TOPS_BYTES,
    # before SPENDS_48K's since the thirty-sixth round's merge, leaves no room for MV_HZ_ENDS: 120 bytes left; 64 since
    # zx48spend36 tightened logitbytes48.s and fw_out_bytes)
    # (since zxfc2_37's fc2 by x's bits, 146 bytes freed on the shipped soul, MV_HZ_ENDS fits after WP_TOPS_BYTES and
    # its 368 bytes leave no room for the four spends after it: 1 byte left)
    # (since the thirty-seventh round's merge EM_NIBBLES and AT_MEANS_CHAINS before MV_HZ_ENDS, the rest after it: the
    # shipped soul 13 bytes left, the shorter list takes KV_SCATTER_POPS too)
    # (since zx48norms38's RMSNorm tables, ~150 bytes, a fixed option: MV_HZ_ENDS skipped, the three after it taken,
    # 111 bytes left on the shipped soul; with zx48room38's 29 bytes and nzmatvec.s's first unit, 146 left: MV_HZ_ENDS
    # still does not fit)
    assert on_planes and skipped == {"shipped": [zx_build.HZ_ENDS_48K],
                       "shorter list": [zx_build.HZ_ENDS_48K],
                       "vectors": list(zx_build.FAST_TAKEBACKS_48K[4::2])}[which]     # (FW_WIDE_SPARSE, ~77 T-states a
    # byte, fits beside MV_HZ_ENDS since zxroom48e's mv_k_toggle table and takes the later cuts' room)
    assert zx_build._assemble_48k(soul, tokenizer, True, **rung, **zx_build._spent_48k(taken)).data == program.data
    if which == "shipped":
        built = zx_build.assemble_spectrum_player(DEFAULT_SOUL, DEFAULT_TOKENIZER)
        assert built.program.data == program.data
        assert built.tape == (DISK_DIR / zx_build.TAP_NAME).read_bytes(), "run: soulterm build --machine zx"
        # (MV_CT_RAW, no room for it beside the planes: on the rung below them, as before them)
        rung = dict(rung, planes_48k=False, coarse_top=True, unrolled=True)
        (end, cold_end), (raw_end, raw_cold_end) = ends((), raw_top=False), ends((), raw_top=True)
        assert raw_end < end and raw_cold_end > cold_end
