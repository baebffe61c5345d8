"""The 48K's fc1 by fc1planes.s's ReLU gate, weighed: T-states a call and the bytes it would need.

The 48K runs both layers' fc1 through matvec.s's gated coarse call (mv_coarse_slots / mv_gate_slots),
the 128K through kernels/z80/fc1planes.s. This measures what the 128K's form would give the 48K and what
it would cost in the 48K's room (docs/spectrum.md, "Thirty-first round: the 48K's fc1 by fc1planes.s,
weighed"):

- T-states: the turns of "hello" (or TEXT, the ten, a prompts file's) on the shipped 48K player
  (kernelbench.player_bench, every step checked against the engine), each fc1 call timed from its call to
  its return with its input (z80_fc1_planes.measured_fc1_calls); each input then through fc1planes.s on
  the 48K kernels' bench (fc1_planes.run_gate, every output checked against the engine's relu(matvec) and
  the model), without a player's wrapper. Then the same gate counted for the only form whose rows are
  no longer than matvec's (a plane's 4 masks as bytes, the tables' low and high bytes on pages of their
  own, filled in two passes, a page each: SPLIT_*, counted from the instructions it would add, not built;
  its code counted at least, SPLIT_CODE_AT_LEAST).
- Bytes: fc1planes.s's code (the bench's fg_code_end - fg_x) and fc1wide.s's (the shipped 128K player's,
  fw_fc1_planes to its end), both layers' rows in fc1planes.s's layout (gate_bytes) and as byte masks
  against the 48K map's matvec rows, the room MV_COARSE leaves (the shipped 48K rung assembled without
  it) and what each of the ladder's spends takes (its rung assembled without that spend).

    python benchmarks/zx48_fc1_planes.py [TEXT | --everyday | --prompts FILE]
"""

from __future__ import annotations

import collections

import numpy as np

import soulterm.zx.build as zx_build
from soulterm import paths
from soulterm.player.bench import prompts_from_command_line
from soulterm.soul.benchmark import shipped_engine
from soulterm.zx.fc1_planes import EDGE_BYTES, FG_SOURCE, GROUP_COLS, gate_bytes, row_class, row_planes
from soulterm.zx.kernelbench import Z80_KERNELS_DIR, Z80Bench, player_kernel_options

from z80_fc1_planes import gated_calls_by_layer, measured_fc1_calls, rows_left_after_planes

FC1_MATRICES = ("l0.fc1_w", "l1.fc1_w")
BYTE_PLANE = len(GROUP_COLS)     # a plane's 4 masks as bytes (fc1planes.s's: 8, their entries' addresses)
# The byte-mask form, counted from the instructions it adds to fc1planes.s's (not built): a plane's 4
# lookups on tables split into a page of low bytes and one of high bytes, index m (`pop bc`, then per mask
# `ld l,c` or `ld l,b`, `ld e,(hl) / inc h / ld d,(hl) / add ix,de`, one `ld h,page` and 7 `inc h`):
# 187 against fc1planes.s's 172 (`pop hl / ld e,(hl) / inc l / ld d,(hl) / add ix,de`, 43 each)
SPLIT_PLANE = 2 * 10 + 4 * 4 + 7 + 7 * 4 + 4 * 7 + 4 * 7 + 4 * 15 - 4 * (10 + 7 + 4 + 7 + 15)
# C no longer free to keep c2 + bl through the planes (pop bc): in C' again, exx at a row's start and end
SPLIT_ROW = 2 * 4
# the fill: a row of 16 entries (b = 15..0 over x_0..x_3) as 8 pairs (b, b - 1), b odd, E[b - 1] = E[b] - x_0,
# pushed down each page from its end in two passes, a row at a time from A'[a] (fg_a, IX stepping down):
# the low bytes in A by 8-bit steps, B = x_0's low byte, C, D, E d1..d3's (a pair `ld h,a / sub b / ld
# l,a / push hl`, 23; a step `add a,r`, 4; the row's `ld a,(ix+0)`, 19), then the high bytes from HL =
# A'[a] by 16-bit steps (a pair `ld a,l / add a,c / ld a,h / adc a,b / ld d,h / ld e,a / push de`, 35,
# BC = -x_0; a step `ld de,d_t / add hl,de`, 21; the row's `ld l,(ix+0) / ld h,(ix+1)`, 38); each pass's
# loop `dec ix / dec ix / ld a,ixl / cp n / jr nz`, 47. fc1planes.s's row of 16 pushed entries: 475 (its
# header, with its loop). The steps a row: d1 4 times, d2 twice, d3 once (t, the lowest set bit of b - 1).
PAIRS_A_ROW, STEPS_A_ROW, ROW_LOOP = 8, 7, 10 + 10 + 8 + 7 + 12
SPLIT_LOW_ROW = PAIRS_A_ROW * (4 + 4 + 4 + 11) + STEPS_A_ROW * 4 + 19 + ROW_LOOP
SPLIT_HIGH_ROW = PAIRS_A_ROW * (4 + 4 + 4 + 4 + 4 + 4 + 11) + STEPS_A_ROW * (10 + 11) + 38 + ROW_LOOP
FILL_ROW = 475
SPLIT_FILL = sum(1 << cols for cols in GROUP_COLS) // 16 * (SPLIT_LOW_ROW + SPLIT_HIGH_ROW - FILL_ROW)
# and its code, at least (the bodies alone: no setup nor loop counted): each of fg_rows' expansions of a
# plane's sums 31 bytes, not 24 (`pop bc / ld l,c / ld h,n / ld e,(hl) / inc h / ld d,(hl) / add ix,de`, 9, then
# 7, 8, 7: fg_start_0's 2, fg_start_1's 2, fg_start_2's 1, fg_plane_4's 5, fg_sure's 4; 15 before the thirty-third
# round, fg_start_0 with its own plane 5), and the two passes' row
# bodies 8 * 4 + 7 and 8 * 7 + 7 * 4 bytes against word_fill_row's 49
def plane_sums_expansions() -> int:
    """fg_rows' expansions of a plane's sums in kernels/z80/fc1planes.s (fg_plane_sums, alone or in fg_plane and
    fg_tested_plane)."""
    text = (Z80_KERNELS_DIR / "fc1planes.s").read_text()
    body = text[text.index("\nfg_rows:"):]
    return sum(line.split(";")[0].split(":")[-1].split()[:1] in (["fg_plane_sums"], ["fg_plane"], ["fg_tested_plane"])
               for line in body.splitlines())


PLANE_SUMS_EXPANSIONS = plane_sums_expansions()
SPLIT_CODE_AT_LEAST = PLANE_SUMS_EXPANSIONS * (9 + 7 + 8 + 7 - 4 * 6) + (8 * 4 + 7) + (8 * 7 + 7 * 4) - 49


def planes_run(kind: int, fate: tuple) -> int:
    """The planes a row of class `kind` sums before its fate (gate_rows'): down to plane k where it is
    proved 0 after k, all of them where it ends exact or by fg_sure."""
    planes = row_planes(kind)
    return sum(plane >= fate[1] for plane in planes) if fate[0] == "zero" else len(planes)


def byte_mask_row_bytes(weights) -> int:
    """Rows of the byte-mask form: fc1planes.s's head and tail, and a byte a group's mask for each plane its
    class holds."""
    return sum(EDGE_BYTES + BYTE_PLANE * len(row_planes(row_class(row))) for row in np.asarray(weights))


def split_extra(weights, fates) -> int:
    """The byte-mask form's T-states over fc1planes.s's for one call with these fates."""
    kinds = [row_class(row) for row in np.asarray(weights)]
    return (SPLIT_FILL + SPLIT_ROW * len(kinds)
            + SPLIT_PLANE * sum(planes_run(kind, fate) for kind, fate in zip(kinds, fates)))


def shipped_rung(soul, tokenizer) -> dict:
    """The keyword arguments assemble_player's ladder gives _assemble_48k for this soul."""
    chosen = {}
    assemble_48k = zx_build._assemble_48k

    def spy(soul, tokenizer, word_list, **rung):
        chosen.update(rung)
        return assemble_48k(soul, tokenizer, word_list, **rung)

    zx_build._assemble_48k = spy
    try:
        zx_build.assemble_player(soul, tokenizer)
    finally:
        zx_build._assemble_48k = assemble_48k
    return chosen


def free_bytes(soul, tokenizer, **rung) -> int:
    """The 48K's bytes free with this rung (coarse_fits' count: the top and the cold part's end less the
    word list)."""
    bare = zx_build._assemble(zx_build.player_source(soul, tokenizer, False, key_sums=zx_build.KEY_SUMS_48K, **rung))
    return (zx_build.TOP - bare.end + zx_build.UNCONTENDED - zx_build._cold_end(bare.symbols)
            - zx_build.word_list_bytes(tokenizer, first_shared=True))


def room(soul, tokenizer) -> None:
    rung = shipped_rung(soul, tokenizer)
    # (the rung with the coarse gate, as the thirty-first round weighed it: since zx48fc1g36 the shipped 48K's fc1s
    # run by fc1planes.s's byte masks, benchmarks/zx48_fc1_bytes.py)
    kept = {name: value for name, value in rung.items() if name != "coarse"} | {"fc1_bytes": False}
    free = free_bytes(soul, tokenizer, **kept)
    print(f"the shipped 48K: {free:,} bytes free; the ladder's spends: {', '.join(rung['fast_takebacks'])}"
          f"{', MV_HZ_ENDS' * rung['short_ends']}")
    spends = {}
    for name in rung["fast_takebacks"]:
        spends[name] = free_bytes(soul, tokenizer, **{**kept, "fast_takebacks": tuple(
            other for other in rung["fast_takebacks"] if other != name)}) - free
    if rung["short_ends"]:
        spends["MV_HZ_ENDS"] = free_bytes(soul, tokenizer, **{**kept, "short_ends": False}) - free
    print("  each spend given back frees: " + ", ".join(f"{name} {size:,}" for name, size in spends.items())
          + f" ({sum(spends.values()):,} in all)")
    coarse = free_bytes(soul, tokenizer, **kept, coarse=False) - free
    print(f"  without MV_COARSE (no coarse call left: mv_coarse_*, mv_gate_* and what only they use): +{coarse:,}")

    bench = Z80Bench(extra_source=FG_SOURCE, options=player_kernel_options("48k"))
    code = bench.sym("fg_code_end") - bench.sym("fg_x")
    player128 = zx_build.assemble_player(soul, shipped_engine()[2], model="128k").symbols
    wide = player128["fg_wide_sum"] + 4 - player128["fw_fc1_planes"]
    print(f"fc1planes.s's code and variables {code:,} (its 8 table pages, 2,048, in the middle third at run time); "
          f"fc1wide.s (the calls fg_tables declines, exact) {wide:,}")
    layout = {region.name: region.end - region.start for region in zx_build.assemble_spectrum_player(
        paths.DEFAULT_SOUL, paths.DEFAULT_TOKENIZER, "48k").regions}
    matvec_rows = planes_rows = byte_rows = 0
    for name in FC1_MATRICES:
        weights, bias = soul[name].values, soul[zx_build.bias_of(name)].values
        planes = len(gate_bytes(weights, bias, 0x80))
        in_bytes = byte_mask_row_bytes(weights)
        classes = collections.Counter(row_class(row) for row in np.asarray(weights))
        print(f"  {name}: matvec rows {layout[name]:,} (the 48K map's), fc1planes.s's {planes:,}, byte masks "
              f"{in_bytes:,} (classes 0/1/2: {classes[0]} / {classes[1]} / {classes[2]} rows)")
        matvec_rows, planes_rows, byte_rows = matvec_rows + layout[name], planes_rows + planes, byte_rows + in_bytes
    for form, rows, more in (("fc1planes.s's rows", planes_rows, 0), ("byte masks", byte_rows, SPLIT_CODE_AT_LEAST)):
        needed = code + wide + more + rows - matvec_rows - coarse
        print(f"{form}: code {code + wide + more:,}{f' (at least: fc1planes.s and fc1wide.s +{more})' * bool(more)} + rows "
              f"{rows - matvec_rows:+,} - MV_COARSE's {coarse:,} = {needed:+,} bytes against the {free:,} free: "
              f"{needed - free:,} short, {needed - free - sum(spends.values()):,} with every spend given back")


def main() -> None:
    prompts = prompts_from_command_line(__doc__.splitlines()[0])
    engine, calls = measured_fc1_calls(prompts, "48k")
    bench = Z80Bench(extra_source=FG_SOURCE, options=player_kernel_options("48k"))
    by_layer = gated_calls_by_layer(engine, calls, bench, split_extra)
    gains, split_gains = {}, {}
    for layer in sorted(by_layer):
        rows = by_layer[layer]
        taken = [r for r in rows if r[1] is not None]
        today = np.mean([r[0] for r in rows])
        kernel = np.mean([r[0] if r[1] is None else r[1] + r[2] for r in rows])
        split = kernel + np.mean([0 if r[1] is None else r[4] for r in rows])
        steps = rows_left_after_planes(taken)
        gains[layer], split_gains[layer] = kernel - today, split - today
        print(f"layer {layer}: {len(rows)} calls ({len(rows) - len(taken)} declined); today (the coarse gate) "
              f"{today:,.0f} T-states a call; fc1planes.s {kernel:,.0f} ({kernel - today:+,.0f}: fg_tables "
              f"{np.mean([r[1] for r in taken]):,.0f}, fg_rows {np.mean([r[2] for r in taken]):,.0f}); byte masks "
              f"(counted) {split:,.0f} ({split - today:+,.0f}); rows not proved 0 after plane " + ", ".join(steps))
    print(f"a reply step (both layers' calls): fc1planes.s {sum(gains.values()):+,.0f}, byte masks "
          f"{sum(split_gains.values()):+,.0f}; a prompt position (layer 0's): {gains.get(0, 0):+,.0f}, "
          f"{split_gains.get(0, 0):+,.0f}")
    room(*shipped_engine()[::2])


if __name__ == "__main__":
    main()
