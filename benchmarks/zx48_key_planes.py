"""The 48K's attention scores by bit planes of the keys, weighed: the T-states and the bytes.

The 48K takes attention's scores through matvec's squares table (attention.s's AT_FAST_SCORES: four
table reads a dimension a key, each key's sums KS[j] in the screen's bottom third, its keys as words
in the key cache below $8000); the 128K by bit planes of the keys (AT_PLANE_SCORES: pl_store keeps each
key as 12 planes of k + 2048, or 11 of k + 1024 and a mark, two index bytes a plane a head; pl_prepare
makes two 16-entry tables of q's subset sums; pl_keys two reads a plane). The 48K has room for planes
only where they replace the keys it stores, and only a byte a plane a head: PL_PACKED (kernels/z80/
planekeys48.s), 16 planes so that every key stays exact. This measures what that form would give the
48K and what it would take of its room (docs/spectrum.md, "Thirty-fourth round: the 48K's scores by
packed key planes"):

- The packed kernels on the 48K's kernels' bench (their table means, every head checked against
  intmath): pl_keys a key and head and a head, pl_prepare a head (and with a wide q), pl_store a
  position's 4 heads, pl_rebuild_key a key's head; each routine's bytes.
- The players, measured: the turns of "hello" (or TEXT, the ten, a prompts file's) on both shipped
  players (kernelbench.player_bench, every step checked against the engine), each reply step and each
  prompt position past 1 single-stepped, the T-states of each form's own routines summed (SQUARES_ROUTINES
  on the 48K, PLANES_ROUTINES on the 128K), and what the 128K's ran: its keys and heads (pl_keys@key),
  heads (pl_prepare), wide q's (pl_wide_q) and stores (pl_store). The keys, q and contexts are the
  engine's on both, so the packed form's cost on the 48K's work is the kernels' figures times those counts
  (forward.s's share as the 128K's).
- Bytes: each form's code as the shipped players assemble it (the listing's bytes of the lines under
  AT_FAST_SCORES and its take-backs in the 48K, under AT_PLANE_SCORES in the 128K, records128.s's and
  the data bank's paging left out), by routine; the room the squares take (the shipped 48K rung assembled
  without them); the storage each form needs against the 48K's key cache and key sums; the room left.

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

HEADS = spec.N_HEADS
POSITION_LAYERS = spec.N_LAYERS * spec.CONTEXT
# Storage a position a layer (4 heads) of each form, bytes:
KEYS_AS_WORDS = 2 * spec.EMBED_DIM                      # the 48K's key cache (kv_keys)
KEY_SUMS = HEADS * 4                                    # AT_FAST_SCORES's KS, 4 bytes a head
INDEX_FORM = HEADS * 12 * 2                             # the 128K's pl_store: 12 planes, two index bytes each
PACKED_LOW = HEADS * 12                                 # packed: planes 0..11, a byte each (both groups' masks)
PACKED_HIGH = HEADS * 4                                 # packed: planes 12..15 (only the old dot's rebuild reads them)

PACKED_OPTION = "PL_PACKED = 1"         # attention.s's 48K form (kernels/z80/planekeys48.s)
PACKED_ROUTINES = ("pl_wide_q", "pl_prepare", "pl_keys", "pl_store", "pl_rebuild_key", "pl_store_high")
SPAN = 20                               # the keys of the bench's long head (its short one: 1)


def timed_head(bench, name_of, q, keys, count: int) -> tuple[collections.Counter, int]:
    """attend_head on a kernels' bench for head 0's first `count` keys (values 0): each routine's T-states (by
    `name_of`, z80_profile.routine_of's) and load_head's store; the head checked exact against intmath."""
    import numpy as np

    from soulterm.soul import intmath
    from soulterm.zx.kernelbench import HEAD_OUT, load_head

    cpu = bench.cpu
    values = np.zeros((SPAN, spec.N_HEADS, 8), dtype=np.int64)
    store = load_head(bench, q, keys, values, count, 0)
    bench.poke_word(bench.stack_top - 2, bench.trap)
    cpu.sp, cpu.pc = bench.stack_top - 2, bench.sym("attend_head")
    cpu.iff1 = cpu.iff2 = 0
    counts = collections.Counter()
    while cpu.pc != bench.trap:
        pc, before = cpu.pc, cpu.frame_tick
        cpu.ticks_to_stop = 1
        cpu.run()
        counts[name_of(pc)] += (cpu.frame_tick - before) % _CORE_FRAME
    want, _ = intmath.attention_head(q, keys[:count, 0], values[:count, 0])
    assert np.array_equal(bench.read_words(HEAD_OUT, 8), want), "the packed planes' head is not exact"
    return counts, store


def kernel_figures() -> dict:
    """PL_PACKED on the 48K's kernels' bench (their table means), each head exact against intmath: pl_keys a key
    and head and its rest a head (a head of 1 and of SPAN keys), pl_prepare a head, its wide q's way a head,
    pl_store a position's 4 heads, pl_rebuild_key a key's head; and each routine's bytes."""
    import numpy as np

    from soulterm.zx.kernelbench import HEAD_PLANES, HEAD_PLANES_HIGH, Z80Bench, player_kernel_options

    bench = Z80Bench(options=player_kernel_options("48k", plane_scores=True, fast_scores=False, bench=True)
                     + "\n" + PACKED_OPTION)
    name_of, cpu = routine_of(bench), bench.cpu

    def head(q, keys, count: int) -> tuple[collections.Counter, int]:
        return timed_head(bench, name_of, q, keys, count)

    rng = np.random.default_rng(34)
    q, keys = rng.integers(-2048, 2048, 8), rng.integers(-2048, 2048, (20, 4, 8))
    short, store = head(q, keys, 1)
    long, _ = head(q, keys, SPAN)
    wide, _ = head(np.array((2600, -1256, 900, 0, 0, 41, -3, 300)), keys, 1)
    per_key = (long["pl_keys"] - short["pl_keys"]) / (SPAN - 1)
    cpu.hl, cpu.de, cpu.ix = HEAD_PLANES, HEAD_PLANES_HIGH, 0xA600
    rebuild = bench.call("pl_rebuild_key")
    symbols = bench.symbols
    sizes = {name: symbols[after] - symbols[name] for name, after in zip(PACKED_ROUTINES, PACKED_ROUTINES[1:])}
    return {"key": per_key, "head": short["pl_keys"] - per_key, "prepare": short["pl_prepare"],
            "wide_q": wide["pl_wide_q"] + wide["pl_prepare"] - short["pl_prepare"], "store": store,
            "rebuild": rebuild, "sizes": sizes}


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
    """Each reply step and prompt position past 1 (the 128K copies position 1 from its records) single-stepped on
    `model`'s shipped player: the mean T-states a
    reply step and a computed position of the form's routines, the step's own, and pl_keys' key count."""
    bench = player_bench(soul, tokenizer, model)
    name_of, cpu = routine_of(bench), bench.cpu
    own = set(SQUARES_ROUTINES if model == "48k" else PLANES_ROUTINES) & set(bench.symbols)
    hits = {bench.symbols[label]: name for label, name in (("pl_keys@key", "@key"), ("pl_keys@twelve", "@twelve"),
                                                              ("pl_prepare", "@prepare"), ("pl_wide_q", "@wide_q"),
                                                              ("pl_store", "@store")) if label in bench.symbols}
    sums = {"forward_step": [], "forward_prefill": []}
    plain_call = bench.call

    def call(routine, max_t_states=50_000_000, interrupts=False):
        if routine not in sums or (routine == "forward_prefill" and bench.peek(bench.sym("fw_pos"))[0] < 2):
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
                        "wide_qs": total["@wide_q"] / n, "stores": total["@store"] / n,
                        "routines": {name: total[name] / n for name in sorted(own) if total[name]}}
    return out


def packed_estimate(planes: dict, kernels: dict) -> dict:
    """The packed form's T-states a call (reply step or position): the kernels' measured figures times what the
    128K's call ran (its keys and heads, wide q's heads and keys' stores), forward.s's share as the 128K's."""
    keys = planes["keys"] * kernels["key"] + planes["prepares"] * kernels["head"]
    prepare = planes["prepares"] * kernels["prepare"] + planes["wide_qs"] * (kernels["wide_q"] - kernels["prepare"])
    store = planes["stores"] * kernels["store"]
    glue = sum(t for name, t in planes["routines"].items() if name.startswith("fw_"))
    return {"pl_keys": keys, "pl_prepare": prepare, "pl_store": store, "glue": glue,
            "total": keys + prepare + store + glue}


def main() -> None:
    prompts = prompts_from_command_line(__doc__)
    # (the 48K weighed as it was: the squares' rung, below the packed planes' since zx48wire34, which wired them in;
    # benchmarks/z80_token.py measures the player that takes them)
    build.PACKED_KEYS_48K = False
    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    print(f"{len(prompts)} prompt(s): {', '.join(prompts[:3])}{' ...' if len(prompts) > 3 else ''}")

    # --- the packed kernels on the bench ---
    kernels = kernel_figures()
    print(f"PL_PACKED on the 48K's kernels' bench (every head exact): pl_keys {kernels['key']:,.1f} a key and head + "
          f"{kernels['head']:,.0f} a head; pl_prepare {kernels['prepare']:,} a head ({kernels['wide_q']:,} with a wide "
          f"q's tables by doubling); pl_store {kernels['store']:,} a position's 4 heads; pl_rebuild_key "
          f"{kernels['rebuild']:,} a key's head (the old dot's way, on no prompt here)")
    print("  bytes: " + ", ".join(f"{name} {size}" for name, size in kernels["sizes"].items())
          + f" ({sum(kernels['sizes'].values()):,}); its tables two pages (512) of the screen's middle third")

    # --- T-states ---
    squares, planes = measured("48k", prompts, soul, tokenizer), measured("128k", prompts, soul, tokenizer)
    for routine, title in (("forward_step", "a reply step"), ("forward_prefill", "a prompt position past 1")):
        fast, pl = squares[routine], planes[routine]
        packed = packed_estimate(pl, kernels)
        fast_total = sum(fast["routines"].values())
        pl_total = sum(pl["routines"].values())
        print(f"\n{title} (48K {fast['count']}, 128K {pl['count']} calls; the 48K's {fast['all']:,.0f} in all):")
        print(f"  48K squares (AT_FAST_SCORES), measured:  {fast_total:>9,.0f}  (" + ", ".join(
            f"{n} {t:,.0f}" for n, t in sorted(fast["routines"].items(), key=lambda i: -i[1])) + ")")
        print(f"  128K planes (AT_PLANE_SCORES), measured: {pl_total:>9,.0f}  (" + ", ".join(
            f"{n} {t:,.0f}" for n, t in sorted(pl["routines"].items(), key=lambda i: -i[1]))
            + f"; {pl['keys']:.1f} keys and heads, {pl['prepares']:.1f} heads, {pl['wide_qs']:.2f} wide q's, "
            f"{pl['stores']:.1f} stores)")
        print(f"  the 128K's form on the 48K's work: {pl_total - fast_total:+,.0f} "
              f"({100 * (pl_total - fast_total) / fast['all']:+.2f}% of the 48K's)")
        print(f"  the packed form (the kernels' figures x the 128K's counts): {packed['total']:>9,.0f}  (pl_keys "
              f"{packed['pl_keys']:,.0f}, pl_prepare {packed['pl_prepare']:,.0f}, pl_store {packed['pl_store']:,.0f}, "
              f"forward.s {packed['glue']:,.0f}): {packed['total'] - fast_total:+,.0f} "
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
    print(f"  the 48K's room, its word list ({words:,}) left out: shipped {top:,} at the top + {cold:,} below $8000 "
          f"({top + cold - words:,} free with the list; the build's {built48.free_bytes}); without the squares and "
          f"their take-backs {plain_top:,} + {plain_cold:,}: the squares take {plain_top - skip_top:,} above $8000 "
          f"and {plain_cold - skip_cold:,} below ({SKIP_LEADING_ZEROS}, a take-back the planes would keep: "
          f"{cold - skip_cold:+,} and {top - skip_top:+,})")
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
    sizes = kernels["sizes"]
    glue = sum(b for n, b in plane_code.items() if not n.startswith("pl_"))
    hot_room = plain_top - skip_top
    cold_room = cold_freed + plain_cold - skip_cold + built48.free_cold
    print(f"  room for the packed code: the squares' {hot_room:,} above $8000; below it the packed planes' "
          f"{cold_freed:,}, the squares' {plain_cold - skip_cold:,} and the {built48.free_cold} free: {cold_room:,}")
    # pl_store (run twice a position) and pl_rebuild_key (on no prompt) below $8000; pl_wide_q's way (a head with a
    # wide q, about one a turn) above, or below too
    for cold_names in (("pl_store", "pl_rebuild_key", "pl_store_high"),
                       ("pl_store", "pl_rebuild_key", "pl_store_high", "pl_wide_q")):
        cold_code = sum(sizes.get(name, 2) for name in cold_names)     # (pl_store_high: a word)
        hot = sum(sizes[name] for name in ("pl_wide_q", "pl_prepare", "pl_keys") if name not in cold_names) + glue
        print(f"  below $8000 {', '.join(cold_names)}: {cold_code:,} ({cold_room - cold_code:+,}); above it the rest "
              f"and forward.s's share as the 128K's ({glue}): {hot:,} ({hot_room - hot:+,}); in all "
              f"{hot_room - hot + cold_room - cold_code:+,}")


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
