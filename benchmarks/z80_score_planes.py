"""A prototype of attention's scores by bit planes (issue 16), measured on the kernels' bench.

q.k = sum_b 2^b P_b with P_b = sum of the q[d] whose key word k[d] has bit b set.
Here the key is stored offset, k' = k + 2048 (0..4095 for k in -2048..2047: 12
planes, all added), so q.k = q.k' - 2048 sum q. Each P_b is two reads of a
head's tables of q's subset sums (dimensions 0-3 and 4-7, 16 words each,
built in Gray-code order), each key's planes are two index bytes a plane
(stored when the key enters the cache: pl_store, a transposing store), and
R = (R >> 1) + P_b runs from the lowest plane: |R| < 2 * 8 * 2048, 16 bits,
and the bits shifted out are q.k's low 11 bits (at_sum40, which the TUI's
probe reads, needs them exactly; f = q.k >> 14 = (R - sum q) >> 3).

pl_attend_head is attend_head with its scores from the planes (pl_prepare's
tables, pl_keys's keys' loop) and its weights and means as the 128K's
(AT_FAST_SCORES and AT_FAST_MEANS): the same contract, checked against intmath
and against attend_head's T-states on the same inputs. The heads are random
(q, k in -2047..2047, v in -256..255) or every head call the integer engine
makes in a turn (its q and keys as the Z80 gets them; the Z80's prefill
positions run fewer heads than the engine, so the turn's sums are a guide).

    python benchmarks/z80_score_planes.py [TEXT | --everyday | --prompts FILE]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from soulterm.player.bench import EVERYDAY_PROMPTS, prompts_in
from soulterm.soul import engine as engine_module
from soulterm.soul import intmath
from soulterm.soul.benchmark import add_soul_arguments, engine_and_tokenizer
from soulterm.zx.kernelbench import (FAST_MEANS_OPTION, FAST_SCORES_OPTION, HEAD_KEYS, HEAD_OUT, HEAD_Q,
                                     HEAD_VALUES, Z80Bench, load_head)

PLANES = 12                     # k' = k + 2048 in 0..4095
PLANE_BYTES = 2 * PLANES        # a key's head: two index bytes a plane
PL_CACHE = 0xD000               # the planes [head][position][PLANE_BYTES] on the bench
PL_HEAD_BYTES = 20 * PLANE_BYTES
PL_TABLE = 0xD800               # the head's tables: T_lo's words at 0..31, T_hi's at 32..63


def gray_steps():
    """(bit flipped, added?, the new index) for the Gray-code walk of 4 bits' subsets."""
    for step in range(1, 16):
        bit = (step & -step).bit_length() - 1
        index = step ^ (step >> 1)
        yield bit, bool(index >> bit & 1), index


def prepare_source() -> str:
    """pl_prepare: HL = q (8 words). C: every q in -2048..2047, the tables built and -sum q patched
    into pl_keys; NC: not. Interrupts off (SP holds q[1] and q[5] while the tables are built)."""
    lines = ["pl_prepare:", "        ld (pl_sp),sp", "        push hl", "        pop ix"]
    for group in (0, 1):
        base = PL_TABLE + 32 * group
        q = 8 * group           # the group's first q's offset in bytes
        lines += [f"        ld e,(ix+{q})", f"        ld d,(ix+{q + 1})",     # DE = q[4g]
                  "        ld a,d", "        add a,8", "        cp 16", "        jp nc,pl_too_wide",
                  f"        ld l,(ix+{q + 2})", f"        ld h,(ix+{q + 3})",  # SP = q[4g+1]
                  "        ld a,h", "        add a,8", "        cp 16", "        jp nc,pl_too_wide",
                  "        ld sp,hl",
                  f"        ld c,(ix+{q + 4})", f"        ld b,(ix+{q + 5})",  # BC = q[4g+2]
                  "        ld a,b", "        add a,8", "        cp 16", "        jp nc,pl_too_wide",
                  "        ld hl,0", f"        ld (${base:04X}),hl"]
        for bit, added, index in gray_steps():
            register = {0: "de", 1: "sp", 2: "bc", 3: "bc"}[bit]
            if bit == 3:        # q[4g+3] into BC, checked; q[4g+2] back after it
                lines += [f"        ld c,(ix+{q + 6})", f"        ld b,(ix+{q + 7})",
                          "        ld a,b", "        add a,8", "        cp 16", "        jp nc,pl_too_wide"]
            if bit == 2 and not added:
                lines += [f"        ld c,(ix+{q + 4})", f"        ld b,(ix+{q + 5})"]
            lines += [f"        add hl,{register}"] if added else ["        or a", f"        sbc hl,{register}"]
            lines += [f"        ld (${base + 2 * index:04X}),hl"]
    lines += [f"        ld hl,(${PL_TABLE + 30:04X})",      # -sum q = -(T_lo[15] + T_hi[15])
              f"        ld de,(${PL_TABLE + 62:04X})",
              "        add hl,de", "        ex de,hl", "        ld hl,0", "        or a", "        sbc hl,de",
              "        ld (pl_keys@sum_q + 1),hl",
              "        ld sp,(pl_sp)", "        scf", "        ret",
              "pl_too_wide:", "        ld sp,(pl_sp)", "        or a", "        ret"]
    return "\n".join(lines)


def add_plane(lines: list[str]) -> None:
    """R += P_b: T_lo[E / 2] + T_hi[(D - 32) / 2] (B = the tables' page), A the scratch."""
    for index in ("e", "d"):
        lines += [f"        ld c,{index}", "        ld a,(bc)", "        add a,l", "        ld l,a",
                  "        inc c", "        ld a,(bc)", "        adc a,h", "        ld h,a"]


def keys_source() -> str:
    """pl_keys: the head's scores f[j] into at_scores, at_max and at_sum40 (q.k, at @summed,
    with at_row = key j's row) from the planes at pl_planes, as attend_head's fast keys' loop."""
    lines = ["pl_keys:",
             "        ld (at_fast_sp),sp",
             "        ld a,(at_count)", "        add a,a", "        add a,a", "        add a,at_scores & 255",
             "        ld (@end + 1),a",
             "        xor a", "        ld (@max_0 + 1),a", "        ld (@max_1 + 1),a", "        dec a",
             "        ld (@max_2 + 1),a",
             "        ld hl,at_scores", "        ld (pl_score),hl",
             "        ld hl,(at_keys)", "        ld (at_row),hl",
             "        ld sp,(pl_planes)",
             f"        ld b,${PL_TABLE >> 8:02X}",
             "@key:",
             # plane 0: R = P_0
             "        pop de", "        ld c,e", "        ld a,(bc)", "        ld l,a", "        inc c",
             "        ld a,(bc)", "        ld h,a", "        ld c,d", "        ld a,(bc)", "        add a,l",
             "        ld l,a", "        inc c", "        ld a,(bc)", "        adc a,h", "        ld h,a"]
    for plane in range(1, PLANES):
        lines += ["        pop de", "        sra h", "        rr l", "        rra", "        ex af,af'"]
        add_plane(lines)
        lines += ["        ex af,af'"]
        if plane == 8:
            lines += ["        ld (at_sum40),a"]       # q.k's bits 0..7
    lines += ["@sum_q:", "        ld de,0",                 # (patched: -sum q)
              "        add hl,de",                          # H:L = q.k >> 11
              "        ld e,a",                             # q.k's bits 8..10 at 5..7
              "        ld a,h", "        rla", "        sbc a,a", "        ld c,a", "        ld d,a",
              "        ld (at_sum40+4),a",
              "        ld a,e"]
    lines += ["        add a,a", "        adc hl,hl", "        rl c"] * 3
    lines += ["        ld (at_sum40+1),hl", "        ld a,c", "        ld (at_sum40+3),a", "        ld a,l"]
    lines += ["        add a,a", "        rl h", "        rl c"] * 2          # f = D:C:H
    lines += ["@summed:",
              "        ld e,h",
              "        ld hl,(at_row)", "        ld a,l", "        add a,AT_STRIDE", "        ld l,a",
              "        jr nc,* + 3", "        inc h", "        ld (at_row),hl",
              "        ld hl,(pl_score)",
              "        ld (hl),e", "        inc l", "        ld (hl),c", "        inc l", "        ld (hl),d",
              "        inc l", "        ld (hl),d", "        inc l", "        ld (pl_score),hl",
              "        ld a,e", "@max_0:", "        sub 0", "        ld a,c", "@max_1:", "        sbc a,0",
              "        ld a,d", "@max_2:", "        sbc a,0", "        jp m,@smaller",
              "        ld a,e", "        ld (@max_0 + 1),a", "        ld a,c", "        ld (@max_1 + 1),a",
              "        ld a,d", "        ld (@max_2 + 1),a",
              "@smaller:",
              "        ld a,l",
              "@end:", "        cp 0",
              "        jp nz,@key",
              "        ld sp,(at_fast_sp)",
              "        ld a,(@max_0 + 1)", "        ld (at_max),a", "        ld a,(@max_1 + 1)",
              "        ld (at_max+1),a", "        ld a,(@max_2 + 1)", "        ld (at_max+2),a",
              "        ld (at_max+3),a",
              "        ret"]
    return "\n".join(lines)


def store_source() -> str:
    """pl_store: HL = a position's keys (4 heads x 8 words), DE = head 0's planes at that position
    (head h's PL_HEAD_BYTES * h on). C: every k in -2048..2047 (NC: not; the planes unfinished)."""
    lines = ["pl_store:", "        push hl", "        pop ix", "        ex de,hl", "        ld a,4",
             "        ld (pl_heads),a",
             "@head:"]
    groups = (("b", 0), ("c", 1), ("d", 2), ("e", 3))
    for group in (0, 1):
        if group:
            lines += ["        exx"]
        lines += [f"        ld {reg},(ix+{2 * (4 * group + dim)})" for reg, dim in groups]
        if group:
            lines += ["        exx"]

    def planes(count: int) -> None:
        for _ in range(count):
            for group in (0, 1):
                if group:
                    lines.append("        exx")
                lines.append("        ld a,1" if group else "        xor a")
                for reg in ("e", "d", "c", "b"):            # dimension 3 (7) first: bit 3 of the nibble
                    lines.extend([f"        srl {reg}", "        rla"])
                lines.append("        add a,a")             # a word's index: 2 n (+ 32 for T_hi)
                if group:
                    lines.append("        exx")
                lines.extend(["        ld (hl),a", "        inc hl"])
    planes(8)
    for group in (0, 1):                                    # the high bytes + 8: planes 8..11
        if group:
            lines += ["        exx"]
        for reg, dim in groups:
            lines += [f"        ld a,(ix+{2 * (4 * group + dim) + 1})", "        add a,8", "        cp 16",
                      "        jp nc,@wide", f"        ld {reg},a"]
        if group:
            lines += ["        exx"]
    planes(PLANES - 8)
    lines += [f"        ld de,{PL_HEAD_BYTES - PLANE_BYTES}", "        add hl,de",
              "        ld de,16", "        add ix,de",
              "        ld a,(pl_heads)", "        dec a", "        ld (pl_heads),a", "        jp nz,@head",
              "        scf", "        ret",
              "@wide:", "        or a", "        ret"]
    return "\n".join(lines)


def store_looped_source() -> str:
    """pl_store_looped: pl_store with its planes in a loop (one plane of both groups a pass,
    counted in IYH; IY kept), for the bytes the player would give it."""
    lines = ["pl_store_looped:", "        push iy", "        push hl", "        pop ix", "        ex de,hl",
             "        ld a,4", "        ld (pl_heads),a",
             "@head:"]
    groups = (("b", 0), ("c", 1), ("d", 2), ("e", 3))
    for group in (0, 1):
        lines += ["        exx"] * group
        lines += [f"        ld {reg},(ix+{2 * (4 * group + dim)})" for reg, dim in groups]
        lines += ["        exx"] * group
    lines += ["        ld a,8", "        call @planes"]
    for group in (0, 1):
        lines += ["        exx"] * group
        for reg, dim in groups:
            lines += [f"        ld a,(ix+{2 * (4 * group + dim) + 1})", "        add a,8", "        cp 16",
                      "        jr nc,@wide", f"        ld {reg},a"]
        lines += ["        exx"] * group
    lines += [f"        ld a,{PLANES - 8}", "        call @planes",
              f"        ld de,{PL_HEAD_BYTES - PLANE_BYTES}", "        add hl,de",
              "        ld de,16", "        add ix,de",
              "        ld a,(pl_heads)", "        dec a", "        ld (pl_heads),a", "        jp nz,@head",
              "        pop iy", "        scf", "        ret",
              "@wide:", "        pop iy", "        or a", "        ret",
              "@planes:", "        .byte $FD,$67           ; ld iyh,a",
              "@plane:"]
    for group in (0, 1):
        lines += ["        exx"] * group
        lines.append("        ld a,1" if group else "        xor a")
        for reg in ("e", "d", "c", "b"):
            lines += [f"        srl {reg}", "        rla"]
        lines.append("        add a,a")
        lines += ["        exx"] * group
        lines += ["        ld (hl),a", "        inc hl"]
    lines += ["        .byte $FD,$25           ; dec iyh", "        jr nz,@plane", "        ret",
              "pl_store_looped_end:"]
    return "\n".join(lines)


def attend_source() -> str:
    """pl_attend_head: attend_head with the scores from the planes (pl_planes: the head's key 0)."""
    return "\n".join([
        "pl_attend_head:",
        "        push iy", "        ld a,i", "        push af", "        di",
        "        ld hl,(at_q)", "        call pl_prepare",
        "        jp nc,pl_no_planes",
        "        call pl_keys",
        "        jp attend_head@weights",
        "pl_no_planes:",                    # the prototype's bench gives it q in range only
        "        halt",
    ])


def bench_source() -> str:
    return "\n".join(["pl_sp:          .word 0", "pl_score:       .word 0", "pl_planes:      .word 0",
                      "pl_heads:       .byte 0",
                      prepare_source(), keys_source(), store_source(), attend_source(),
                      store_looped_source()]) + "\n"


def planes_bench() -> Z80Bench:
    bench = Z80Bench(bench_source(), options=FAST_SCORES_OPTION + "\n" + FAST_MEANS_OPTION)
    assert bench.program.end <= PL_CACHE, f"the bench's program ends at ${bench.program.end:04X}"
    return bench


def store_planes(bench: Z80Bench, keys, count: int) -> int:
    """pl_store for positions 0..count-1 of keys (20 x 4 x 8); the last call's T-states."""
    t_states = 0
    for position in range(count):
        bench.cpu.hl, bench.cpu.de = HEAD_KEYS + 64 * position, PL_CACHE + PLANE_BYTES * position
        t_states = bench.call("pl_store")
        assert bench.cpu.f & 1, "a key beyond -2048..2047"
    return t_states


def run_both(bench: Z80Bench, q, keys, values, count: int) -> tuple[int, int, int]:
    """(attend_head's T-states, pl_attend_head's, pl_store's a position) on head 0, both checked."""
    want, _ = intmath.attention_head(q, keys[:count, 0], values[:count, 0])
    load_head(bench, q, keys, values, count, 0)
    fast = bench.call("attend_head")
    assert np.array_equal(bench.read_words(HEAD_OUT, 8), want)
    fast_scores = bytes(bench.memory[bench.sym("at_scores"):bench.sym("at_scores") + 4 * count])
    store = store_planes(bench, keys, count)
    bench.poke_word(bench.sym("pl_planes"), PL_CACHE)
    bench.write_words(HEAD_OUT, [0] * 8)
    planes = bench.call("pl_attend_head")
    assert np.array_equal(bench.read_words(HEAD_OUT, 8), want)
    assert bytes(bench.memory[bench.sym("at_scores"):bench.sym("at_scores") + 4 * count]) == fast_scores
    return fast, planes, store


def check_sum40(bench: Z80Bench, rng) -> None:
    """at_sum40 at pl_keys@summed is q.k in 40 bits, key by key (the TUI's probe), at the range's edges."""
    address = bench.sym("pl_keys@summed")
    for case in range(40):
        if case < 8:    # the extremes: every q and k at an edge
            q = np.full(8, (-2048, 2047)[case & 1])
            keys = np.full((20, 4, 8), (-2048, 2047)[case >> 1 & 1])
            keys[1] = (2047, -2048)[case >> 1 & 1]
        else:
            q, keys = rng.integers(-2048, 2048, 8), rng.integers(-2048, 2048, (20, 4, 8))
        count = 20
        load_head(bench, q, keys, np.zeros((20, 4, 8), dtype=np.int64), count, 0)
        store_planes(bench, keys, count)
        bench.poke_word(bench.sym("pl_planes"), PL_CACHE)
        bench.cpu.hl = HEAD_Q
        bench.call("pl_prepare")
        assert bench.cpu.f & 1
        seen = []
        bench.cpu.set_breakpoint(address)
        cpu = bench.cpu
        bench.poke_word(bench.stack_top - 2, bench.trap)
        cpu.sp, cpu.pc = bench.stack_top - 2, bench.sym("pl_keys")
        while cpu.pc != bench.trap:
            cpu.ticks_to_stop = 100_000
            cpu.run()
            if cpu.pc == address:
                raw = int.from_bytes(bytes(bench.memory[bench.sym("at_sum40"):bench.sym("at_sum40") + 5]),
                                     "little", signed=True)
                seen.append(raw)
                cpu.clear_breakpoint(address)
                cpu.ticks_to_stop = 1
                cpu.run()
                cpu.set_breakpoint(address)
        cpu.clear_breakpoint(address)
        want = [int(np.dot(q.astype(np.int64), keys[j, 0].astype(np.int64))) for j in range(count)]
        assert seen == want, (case, seen[:3], want[:3])


def random_heads(bench: Z80Bench) -> tuple[int, int]:
    rng = np.random.default_rng(2029)
    check_sum40(bench, rng)
    print("at_sum40 at pl_keys@summed: q.k exactly for 40 heads x 20 keys (8 at the range's edges)")
    for count in (1, 2, 4, 8, 12, 20):
        costs = []
        for _ in range(10):
            q, keys = rng.integers(-1900, 1900, 8), rng.integers(-1900, 1900, (20, 4, 8))
            values = rng.integers(-256, 256, (20, 4, 8))
            costs.append(run_both(bench, q, keys, values, count))
        fast, planes, store = np.mean(costs, axis=0)
        print(f"a head at {count:2} keys: attend_head {fast:8,.0f}  pl_attend_head {planes:8,.0f}  "
              f"({fast - planes:+7,.0f}; q, k in -1899..1899)")
    key_sums = load_head(bench, q, keys, values, 1, 0)
    keys_loop = []
    for count in (1, 20):       # pl_keys alone (its tables from pl_prepare), and a head's setup both ways
        load_head(bench, q, keys, values, count, 0, sums=False)
        store_planes(bench, keys, count)
        bench.poke_word(bench.sym("pl_planes"), PL_CACHE)
        bench.cpu.hl = HEAD_Q
        prepare = bench.call("pl_prepare")
        keys_loop.append(bench.call("pl_keys"))
    bench.cpu.hl = HEAD_Q
    squares_prepare = bench.call("at_fast_prepare")
    print(f"pl_keys {keys_loop[0]:,} T-states at 1 key, {keys_loop[1]:,} at 20 "
          f"({(keys_loop[1] - keys_loop[0]) / 19:,.0f} a key); pl_prepare {prepare:,} "
          f"(at_fast_prepare {squares_prepare:,})")
    print("bytes: " + ", ".join(f"{name} {bench.sym(end) - bench.sym(name)}" for name, end in (
        ("pl_prepare", "pl_keys"), ("pl_keys", "pl_store"), ("pl_store", "pl_attend_head"),
        ("pl_attend_head", "pl_no_planes"))) + " (pl_prepare with its way out)")
    print(f"pl_store {store:,.0f} T-states a position's 4 heads (at_key_sums {key_sums:,})")
    planes = bytes(bench.memory[PL_CACHE:PL_CACHE + 4 * PL_HEAD_BYTES])
    bench.poke(PL_CACHE, bytes(4 * PL_HEAD_BYTES))
    bench.cpu.hl, bench.cpu.de = HEAD_KEYS, PL_CACHE
    looped = bench.call("pl_store_looped")
    assert bench.cpu.f & 1
    for head in range(4):       # position 0's planes, as pl_store wrote them
        at = head * PL_HEAD_BYTES
        assert bytes(bench.memory[PL_CACHE + at:PL_CACHE + at + PLANE_BYTES]) == planes[at:at + PLANE_BYTES]
    print(f"pl_store_looped {looped:,} T-states a position's 4 heads, "
          f"{bench.sym('pl_store_looped_end') - bench.sym('pl_store_looped')} bytes")
    return round(store), key_sums


def recorded_heads(engine, tokenizer, prompts) -> list:
    """(q (4, 8), keys (t+1, 4, 8), values (t+1, 4, 8), weights) of every attention call of the
    turns, in order (as benchmarks/z80_attention_widths.py records them)."""
    calls, attend = [], engine_module._attend

    def recorded_attend(q, keys, values):
        out, weights = attend(q, keys, values)
        calls.append((q.copy(), keys.copy(), values.copy(), np.asarray(weights).copy()))
        return out, weights

    engine_module._attend = recorded_attend
    try:
        for prompt in prompts:
            engine.reply(tokenizer, prompt)
    finally:
        engine_module._attend = attend
    return calls


def turn_heads(bench: Z80Bench, args, store: int, key_sums: int) -> None:
    """Every head the Z80 runs in the turns (the prompt's positions but the last run layer 0's
    heads only, the others both layers'; position 0 is kept from the first turn), through
    attend_head and pl_attend_head; the mean a position of what the planes save, less the
    stores (two pl_store a position, with or without at_key_sums's two kept too)."""
    engine, tokenizer = engine_and_tokenizer(args)
    prompts = (EVERYDAY_PROMPTS if args.everyday else prompts_in(args.prompts) if args.prompts
               else (args.text,))
    by_count: dict[int, list] = {}
    outside, turn_means = 0, []
    for prompt in prompts:
        prompt_length = len(tokenizer.encode_turn(prompt))
        saved: dict[int, int] = {}
        for call, (q, k, v, _) in enumerate(recorded_heads(engine, tokenizer, (prompt,))):
            position, layer = k.shape[0] - 1, call % 2
            if position == 0 or (layer == 1 and position < prompt_length - 1):
                continue        # kept from the first turn, or a prefill position's layer 1 (not run)
            keys = np.zeros((20, 4, 8), dtype=np.int64)
            values = np.zeros((20, 4, 8), dtype=np.int64)
            for head in range(4):
                if np.abs(q[head]).max() > 2047 or np.abs(k[:, head]).max() > 2047:
                    outside += 1
                    continue
                keys[:position + 1, 0], values[:position + 1, 0] = k[:, head], v[:, head]
                fast, planes, _ = run_both(bench, q[head], keys, values, position + 1)
                by_count.setdefault(position + 1, []).append((fast, planes))
                saved[position] = saved.get(position, 0) + fast - planes
        turn_means.append(np.mean(list(saved.values())))
    for count in sorted(by_count):
        costs = np.array(by_count[count])
        print(f"{count:2} keys: {len(costs):4} heads, attend_head {costs[:, 0].mean():8,.0f}  "
              f"pl_attend_head {costs[:, 1].mean():8,.0f}  ({(costs[:, 0] - costs[:, 1]).mean():+7,.0f})")
    saved = np.median(turn_means)
    print(f"{len(prompts)} turn(s), the heads' T-states saved a position (median of the turns' means): "
          f"{saved:,.0f}; less two pl_store {saved - 2 * store:,.0f}, "
          f"with at_key_sums's two gone {saved - 2 * store + 2 * key_sums:,.0f}; "
          f"{outside} head(s) outside -2047..2047 left out")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("text", nargs="?", default=None)
    parser.add_argument("--everyday", action="store_true")
    parser.add_argument("--prompts", type=Path)
    add_soul_arguments(parser)
    args = parser.parse_args()
    bench = planes_bench()
    store, key_sums = random_heads(bench)
    if args.text is None:
        args.text = "hello"
    turn_heads(bench, args, store, key_sums)


if __name__ == "__main__":
    main()
