"""The 48K's attention scores by bit planes of the keys, weighed: the T-states and the bytes.

The 48K takes attention's scores through matvec's squares table (attention.s's AT_FAST_SCORES: four
table reads a dimension a key, each key's sums KS[j] in the screen's bottom third, its keys as words
in the key cache below $8000); the 128K by bit planes of the keys (AT_PLANE_SCORES: pl_store keeps each
key as 12 planes of k + 2048, or 11 of k + 1024 and a mark, two index bytes a plane a head; pl_prepare
makes two 16-entry tables of q's subset sums; pl_keys two reads a plane). This measures what the
planes would give the 48K and what they would take of its room, if they replaced the keys it stores
rather than came beside them (docs/spectrum.md, "Thirty-fourth round: the 48K's scores by key planes,
weighed"):

- T-states, measured: the turns of "hello" (or TEXT, the ten, a prompts file's) on both shipped
  players (kernelbench.player_bench, every step checked against the engine), each reply step and each
  prompt position past 0 single-stepped, the T-states of each form's own routines summed (SQUARES_ROUTINES
  on the 48K, PLANES_ROUTINES on the 128K: the keys' store, the head's preparation, the keys' loop), and
  the keys pl_keys ran (its @key entries) and those of 12 planes (@twelve). The keys, q and contexts are
  the engine's on both, so the 128K's figures are what its form costs on the same work.
- T-states, counted: the 48K cannot keep the 128K's form (two index bytes a plane: STORE_FORMS), only a
  byte a plane a head (both groups' 4-bit masks, 16 planes, PACKED_*), whose masks pl_keys must take apart
  (PACKED_PLANE against PLANE_128K, from the instructions listed below); its scores as the 48K's weights'
  loop reads them (4 bytes, SCORES_4_BYTES); every key in 12 planes (a packed byte has no free value for
  the 11-plane mark); pl_store's packed form (PACKED_STORE_HEAD a head).
- Bytes: each form's code as the shipped players assemble it (the listing's bytes of the lines under
  AT_FAST_SCORES and its take-backs in the 48K, under AT_PLANE_SCORES in the 128K, records128.s's and
  the data bank's paging left out), by routine; the storage each form needs (STORE_FORMS) against the
  48K's key cache and key sums; the packed pl_keys' and pl_store's bytes counted; the room left.

    python benchmarks/zx48_key_planes.py [TEXT | --everyday | --prompts FILE]
"""

from __future__ import annotations

import bisect
import collections
from pathlib import Path

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.player.bench import prompts_from_command_line
from soulterm.soul import spec
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.zx import build
from soulterm.zx.kernelbench import (_CORE_FRAME, SKIP_LEADING_ZEROS, Z80_KERNELS_DIR, forward_turn, has_records,
                                     player_bench)
from soulterm.zx.soul_layout import word_list_bytes

from z80_profile import routine_of

# each form's own routines (those the other form has not): the keys' store, the head's preparation, the loop
SQUARES_ROUTINES = ("at_dims", "at_dims_toggle", "at_dims_h4", "at_fast_prepare", "at_fast_total", "at_fast_wide_q",
                    "at_fast_too_wide", "at_key_sums", "fw_key_sums", "fw_sums_at")
PLANES_ROUTINES = ("pl_keys", "pl_prepare", "pl_wide_q", "pl_wide_held", "pl_store", "fw_key_planes",
                   "fw_planes_of_layer")
SQUARES_FLAGS = ("AT_FAST_SCORES", "AT_FAST_PREPARE_LOOP", "AT_FAST_SMALL", "AT_FAST_SUMS_JP", "AT_FAST_DIMS_JP",
                 "AT_FAST_RANGE_APART", "AT_FAST_H4_APART", "AT_FAST_MAX_PATCHED", "AT_FAST_PIECE_PAIRS",
                 "AT_FAST_SUMS_PAIRS")
PLANES_FLAGS = ("AT_PLANE_SCORES",)
NOT_THE_48KS = ("ZX_DATA_BANK",)        # (the 128K's paging inside AT_PLANE_SCORES's lines)
NOT_THE_48KS_FILES = ("records128.s",)  # (the 128K's position 1 records)

HEADS, HEAD_DIM = 4, spec.EMBED_DIM // 4
POSITION_LAYERS = spec.N_LAYERS * spec.CONTEXT
# Storage a position a layer (4 heads) of each form, bytes:
KEYS_AS_WORDS = 2 * spec.EMBED_DIM                      # the 48K's key cache (kv_keys)
KEY_SUMS = HEADS * 4                                    # AT_FAST_SCORES's KS, 4 bytes a head
INDEX_FORM = HEADS * 12 * 2                             # the 128K's pl_store: 12 planes, two index bytes each
PACKED_LOW = HEADS * 12                                 # packed: planes 0..11, a byte each (both groups' masks)
PACKED_HIGH = HEADS * 4                                 # packed: planes 12..15 (only the old dot's rebuild reads them)

# The packed form's pl_keys, counted. Tables (pl_prepare's, in two pages of the screen's middle third, free while
# the heads run: planes.s's tables are made again from the next xn): T_lo's entries at offsets n (0..15), T_hi's
# at 16 m (m 0..15; T[0] = 0 shared); T_lo's low bytes and T_hi's high bytes in page P, T_lo's high bytes and
# T_hi's low bytes in page P + 1, so that a plane's four reads take one `inc h` and one `dec h`. R in D:E, H = P,
# a plane's byte in C (then B: one `pop bc` two planes). (instruction, T-states, bytes):
PACKED_PLANE_CODE = (("sra d", 8, 2), ("rr e", 8, 2),                       # R >>= 1 (not plane 0's)
                     ("ld a,c", 4, 1), ("and $0F", 7, 2), ("ld l,a", 4, 1),  # L = n_lo
                     ("ld a,e", 4, 1), ("add a,(hl)", 7, 1), ("ld e,a", 4, 1),       # T_lo's low byte (P)
                     ("inc h", 4, 1), ("ld a,d", 4, 1), ("adc a,(hl)", 7, 1), ("ld d,a", 4, 1),  # its high (P + 1)
                     ("ld a,c", 4, 1), ("and $F0", 7, 2), ("ld l,a", 4, 1),  # L = 16 n_hi
                     ("ld a,e", 4, 1), ("add a,(hl)", 7, 1), ("ld e,a", 4, 1),       # T_hi's low byte (P + 1)
                     ("dec h", 4, 1), ("ld a,d", 4, 1), ("adc a,(hl)", 7, 1), ("ld d,a", 4, 1))  # its high (P)
POP_HALF = 10 / 2                                       # `pop bc`: two planes' bytes
PACKED_PLANE = sum(t for _, t, _ in PACKED_PLANE_CODE) + POP_HALF
PACKED_PLANE_BYTES = sum(b for _, _, b in PACKED_PLANE_CODE) + 0.5
# pl_keys' plane in the 128K (attention.s, its .repeat body: `pop de`, `sra c / rra`, two table adds)
PLANE_128K = 10 + 8 + 4 + 2 * (4 + 7 + 4 + 4 + 4 + 7 + 4 + 4)
PLANE_128K_BYTES = 1 + 2 + 1 + 2 * 8
# the 48K's weights' loop reads 4-byte scores at at_scores (pl_keys without AT_SHORT_SCORES): a key's
# `ld h,pl_tables >> 8`, `ld h,at_scores >> 8`, the sign's two bytes (`ld a,c / rla / sbc a,a / ld (hl),a /
# inc l / ld (hl),a / inc l`) and the end's test (`ld a,l / cp n`)
SCORES_4_BYTES = 7 + 7 + (4 + 4 + 4 + 7 + 4 + 7 + 4) + (4 + 7)
# pl_prepare's 30 entries a head in two pages: `ld a,l / ld (nn),a / ld a,h / ld (nn),a` (34 T-states, 8 bytes)
# where the 128K's store a word (`ld (nn),hl`, 16 and 3)
PREPARE_ENTRIES = 30
PREPARE_SPLIT_T = PREPARE_ENTRIES * (34 - 16)
PREPARE_SPLIT_BYTES = PREPARE_ENTRIES * (8 - 3)
# pl_store's packed form, a head: its 8 words' 16 bytes loaded (`ld r,(ix+d)`, 19; the high bytes + 8 for k +
# 2048: `add a,8` and the moves, 11), then 16 planes of 8 bits (`srl r / rla`, 12 each, half in the other set:
# 2 exx), each plane's byte stored (`ld (hl),a / inc hl`, 13; planes 12..15 through DE, the same)
PACKED_STORE_HEAD = 16 * 19 + 8 * 11 + 16 * (8 * 12 + 2 * 4 + 13) + 40
# its code unrolled over the 16 planes (8 `srl r / rla` of 3 bytes, 2 exx, the store's 2), the loads (16 x 3),
# the head's loop and the high planes' address (40)
PACKED_STORE_BYTES = 16 * (8 * 3 + 2 + 2) + 16 * 3 + 40
# The old dot's fallback (a q beyond the planes' sums, a key beyond -2048..2047): a key's 8 words rebuilt from its
# 16 planes into a scratch row (`ld a,(hl) / inc hl` a plane, then a dimension's bit `rrca / rr (ix+o+1) / rr
# (ix+o)`, 50), 2048 taken off each word; then the old dot as today. Counted; it runs on no prompt of the sets.
REBUILD_KEY_HEAD = 16 * (7 + 6 + HEAD_DIM * 50) + HEAD_DIM * 40
REBUILD_BYTES = 3 + HEAD_DIM * 7 + 20 + 30      # (a plane unrolled over the dimensions, the loops, the offset)


def _conditions(path: Path) -> dict[int, tuple]:
    """Source line -> the (name, on) of the .ifdef / .ifndef blocks it lies in (.if's as ("?", True))."""
    stack, out = [], {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        words = line.split(";")[0].split()
        head = words[0].lower() if words else ""
        if head in (".ifdef", ".ifndef"):
            stack.append((words[1], head == ".ifdef"))
        elif head == ".if":
            stack.append(("?", True))
        elif head == ".else":
            stack[-1] = (stack[-1][0], not stack[-1][1])
        elif head == ".endif":
            stack.pop()
        out[number] = tuple(stack)
    return out


def code_under(program, flags, left_out=()) -> collections.Counter:
    """The program's bytes from kernel lines inside an .ifdef of one of `flags` (and inside no .ifdef of
    `left_out`), by the code label at or below them (a macro's expansion is listed at its own lines)."""
    conditions: dict[str, dict] = {}
    labels = sorted((address, name) for name, address in program.symbols.items()
                    if "@" not in name and "." not in name and name[:1].islower()
                    and program.origin <= address < program.end)
    addresses = [address for address, _ in labels]
    out = collections.Counter()
    for row in program.listing_lines:
        name = row.file.rsplit("/", 1)[-1]
        if not row.data or "kernels/z80/" not in row.file or name in NOT_THE_48KS_FILES:
            continue
        if name not in conditions:
            conditions[name] = _conditions(Z80_KERNELS_DIR / name)
        inside = conditions[name].get(row.line, ())
        if any(flag in flags and on for flag, on in inside) and not any(
                flag in left_out and on for flag, on in inside):
            out[labels[bisect.bisect_right(addresses, row.address) - 1][1]] += len(row.data)
    return out


def measured(model: str, prompts: list[str], soul, tokenizer) -> dict:
    """Each reply step and prompt position past 0 single-stepped on `model`'s shipped player: the mean T-states a
    reply step and a computed position of the form's routines, the step's own, and pl_keys' key count."""
    bench = player_bench(soul, tokenizer, model)
    name_of, cpu = routine_of(bench), bench.cpu
    own = set(SQUARES_ROUTINES if model == "48k" else PLANES_ROUTINES) & set(bench.symbols)
    hits = {bench.symbols[label]: name for label, name in (("pl_keys@key", "@key"), ("pl_keys@twelve", "@twelve"),
                                                              ("pl_prepare", "@prepare")) if label in bench.symbols}
    sums = {"forward_step": [], "forward_prefill": []}
    plain_call = bench.call

    def call(routine, max_t_states=50_000_000, interrupts=False):
        if routine not in sums or (routine == "forward_prefill" and not bench.peek(bench.sym("fw_pos"))[0]):
            return plain_call(routine, max_t_states, interrupts)
        bench.poke_word(bench.stack_top - 2, bench.trap)
        cpu.sp, cpu.pc = bench.stack_top - 2, bench.sym(routine)
        cpu.iff1 = cpu.iff2 = 0
        counts = collections.Counter()
        while cpu.pc != bench.trap:
            pc, before = cpu.pc, cpu.frame_tick
            if pc in hits:
                counts[hits[pc]] += 1
            cpu.ticks_to_stop = 1
            cpu.run()
            t_states = (cpu.frame_tick - before) % _CORE_FRAME
            counts["all"] += t_states
            if name_of(pc) in own:
                counts[name_of(pc)] += t_states
        bench.t_states += counts["all"] + 17
        sums[routine].append(counts)
        return counts["all"] + 34

    bench.call = call
    engine = Engine(soul)
    for prompt in prompts:
        forward_turn(bench, engine, tokenizer.encode_turn(prompt), records=has_records(bench))
    out = {}
    for routine, rows in sums.items():
        total = collections.Counter()
        for row in rows:
            total.update(row)
        n = max(1, len(rows))
        out[routine] = {"count": len(rows), "all": total["all"] / n, "keys": total["@key"] / n,
                        "twelve": total["@twelve"] / n, "prepares": total["@prepare"] / n,
                        "routines": {name: total[name] / n for name in sorted(own) if total[name]}}
    return out


def packed_estimate(planes: dict) -> dict:
    """The packed form's T-states a call (reply step or position) from the 128K's measured ones: pl_keys with
    every key in 12 packed planes and 4-byte scores, pl_store in its packed form, pl_prepare's tables in two
    pages, the rest as measured."""
    keys, twelve = planes["keys"], planes["twelve"]
    planes_read = 11 * keys + twelve
    routines = planes["routines"]
    keys_now = routines.get("pl_keys", 0)
    keys_packed = keys_now + planes_read * (PACKED_PLANE - PLANE_128K) + (keys - twelve) * PACKED_PLANE \
        + keys * SCORES_4_BYTES
    store_packed = spec.N_LAYERS * HEADS * PACKED_STORE_HEAD    # (a computed position stores both layers' keys)
    others = sum(t for name, t in routines.items() if name not in ("pl_keys", "pl_store")) \
        + planes["prepares"] * PREPARE_SPLIT_T
    return {"pl_keys": keys_packed, "pl_store": store_packed, "others": others,
            "total": keys_packed + store_packed + others, "planes_read": planes_read}


def main() -> None:
    prompts = prompts_from_command_line(__doc__)
    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    print(f"{len(prompts)} prompt(s): {', '.join(prompts[:3])}{' ...' if len(prompts) > 3 else ''}")

    # --- T-states ---
    squares, planes = measured("48k", prompts, soul, tokenizer), measured("128k", prompts, soul, tokenizer)
    print(f"\ncounted: the packed form's plane {PACKED_PLANE:.0f} T-states against pl_keys' {PLANE_128K}; "
          f"4-byte scores +{SCORES_4_BYTES} a key; pl_store packed {PACKED_STORE_HEAD:,} a head; the fallback's "
          f"rebuild {REBUILD_KEY_HEAD:,} a key and head (on no prompt here)")
    for routine, title in (("forward_step", "a reply step"), ("forward_prefill", "a prompt position past 0")):
        fast, pl = squares[routine], planes[routine]
        packed = packed_estimate(pl)
        fast_total = sum(fast["routines"].values())
        pl_total = sum(pl["routines"].values())
        print(f"\n{title} (48K {fast['count']}, 128K {pl['count']} calls; 48K's all {fast['all']:,.0f}):")
        print(f"  48K squares (AT_FAST_SCORES), measured: {fast_total:>9,.0f}  (" + ", ".join(
            f"{n} {t:,.0f}" for n, t in sorted(fast["routines"].items(), key=lambda i: -i[1])) + ")")
        print(f"  128K planes (AT_PLANE_SCORES), measured: {pl_total:>8,.0f}  (" + ", ".join(
            f"{n} {t:,.0f}" for n, t in sorted(pl["routines"].items(), key=lambda i: -i[1]))
            + f"; {pl['keys']:.1f} keys and heads, {pl['twelve']:.1f} of 12 planes)")
        print(f"  the 128K's form on the 48K's work: {pl_total - fast_total:+,.0f} "
              f"({100 * (pl_total - fast_total) / fast['all']:+.2f}% of the 48K's)")
        print(f"  the packed form, counted: {packed['total']:>9,.0f}  (pl_keys {packed['pl_keys']:,.0f}, pl_store "
              f"{packed['pl_store']:,.0f}, the rest {packed['others']:,.0f}): {packed['total'] - fast_total:+,.0f} "
              f"({100 * (packed['total'] - fast_total) / fast['all']:+.2f}%)")

    # --- bytes ---
    built48 = build.assemble_spectrum_player(DEFAULT_SOUL, DEFAULT_TOKENIZER)
    p48, p128 = built48.program, build.assemble_player(soul, tokenizer, model="128k")
    fast_code = code_under(p48, SQUARES_FLAGS)
    plane_code = code_under(p128, PLANES_FLAGS, NOT_THE_48KS)
    print(f"\nbytes: the 48K's squares code, its lines {sum(fast_code.values()):,} (" + ", ".join(
        f"{n} {b}" for n, b in fast_code.most_common()) + ")")
    print(f"  the 128K's planes code, its lines {sum(plane_code.values()):,} (" + ", ".join(
        f"{n} {b}" for n, b in plane_code.most_common()) + f"), and its tables {2 * 2 * 16} (pl_tables)")
    rung = shipped_rung(soul, tokenizer)
    top, cold = room(soul, tokenizer, rung)
    plain = dict(rung, fast_scores=False, fast_takebacks=())
    plain_top, plain_cold = room(soul, tokenizer, plain)
    skip = dict(rung, fast_takebacks=tuple(name for name in rung["fast_takebacks"] if name != SKIP_LEADING_ZEROS))
    skip_top, skip_cold = room(soul, tokenizer, skip)
    words = word_list_bytes(tokenizer, first_shared=True)
    print(f"  the 48K's room, the word list ({words:,}) left out: shipped {top:,} at the top + {cold:,} below $8000 "
          f"({top + cold - words:,} free with the list; the build's {built48.free_bytes}); without the squares and "
          f"their take-backs {plain_top:,} + {plain_cold:,}: the squares take {plain_top - skip_top:,} above $8000, "
          f"{plain_cold - skip_cold:,} below; {SKIP_LEADING_ZEROS} (a take-back, kept by the planes) "
          f"{skip_top - top:+,} and {skip_cold - cold:+,}")
    keys_now = POSITION_LAYERS * (KEYS_AS_WORDS + KEY_SUMS)
    print(f"\nstorage, {POSITION_LAYERS} positions and layers: the 48K now {POSITION_LAYERS * KEYS_AS_WORDS:,} "
          f"(key cache, below $8000) + {POSITION_LAYERS * KEY_SUMS:,} (key sums, the screen's bottom third) = "
          f"{keys_now:,}")
    index_form = POSITION_LAYERS * INDEX_FORM
    print(f"  the 128K's form: {index_form:,} of planes + the words for the old dot "
          f"({POSITION_LAYERS * KEYS_AS_WORDS:,}) = {index_form + POSITION_LAYERS * KEYS_AS_WORDS:,}: "
          f"{index_form + POSITION_LAYERS * KEYS_AS_WORDS - keys_now:+,} against now")
    packed_low, packed_high = POSITION_LAYERS * PACKED_LOW, POSITION_LAYERS * PACKED_HIGH
    cold_freed = POSITION_LAYERS * KEYS_AS_WORDS - packed_low
    print(f"  packed: planes 0..11 {packed_low:,} (in the key cache's {POSITION_LAYERS * KEYS_AS_WORDS:,}: "
          f"{cold_freed:,} freed below $8000) + planes 12..15 {packed_high:,} (in the key sums' "
          f"{POSITION_LAYERS * KEY_SUMS:,}): {packed_low + packed_high - keys_now:+,} against now")
    keys_code = plane_code["pl_keys"] + 12 * (PACKED_PLANE_BYTES - PLANE_128K_BYTES)    # (12 packed planes for its 12)
    prepare_code = plane_code["pl_prepare"] + PREPARE_SPLIT_BYTES
    reused = sum(b for n, b in plane_code.items() if n not in ("pl_keys", "pl_store", "pl_prepare"))
    hot = keys_code + prepare_code + reused
    hot_room = plain_top - skip_top
    cold_room = cold_freed + plain_cold - skip_cold + built48.free_cold
    print(f"  packed code, counted: above $8000 pl_keys ~{keys_code:.0f}, pl_prepare ~{prepare_code} (its tables in "
          f"the middle third), the rest as the 128K's {reused:,}: ~{hot:.0f} in the squares' {hot_room:,} "
          f"({hot_room - hot:+,.0f}); below $8000 pl_store ~{PACKED_STORE_BYTES} (run twice a position) and the old "
          f"dot's rebuild ~{REBUILD_BYTES} (run on no prompt) in {cold_room:,} (the packed planes' {cold_freed:,}, the "
          f"squares' {plain_cold - skip_cold:,}, the {built48.free_cold} free): "
          f"{cold_room - PACKED_STORE_BYTES - REBUILD_BYTES:+,}")


def shipped_rung(soul, tokenizer) -> dict:
    """The option set build.py's 48K ladder chooses for the soul (assemble_player's _assemble_48k arguments)."""
    chosen = {}
    assemble_48k = build._assemble_48k

    def keep(*args, **kwargs):
        chosen.update(kwargs)
        return assemble_48k(*args, **kwargs)

    build._assemble_48k = keep
    try:
        build.assemble_player(soul, tokenizer)
    finally:
        build._assemble_48k = assemble_48k
    return chosen


def room(soul, tokenizer, rung: dict) -> tuple[int, int]:
    """(the bytes at the top of RAM, the bytes below $8000) the 48K's `rung` leaves without its word list."""
    bare = build._assemble(build.player_source(soul, tokenizer, False, key_sums=build.KEY_SUMS_48K, **rung))
    return build.TOP - bare.end, build.UNCONTENDED - build._cold_end(bare.symbols)


if __name__ == "__main__":
    main()
