"""T-states of the Z80 kernels other than matvec on the bare-Z80 bench (the figures in their headers).

Random inputs of full 16-bit range (seeded); each result is checked against
intmath. Prints RMSNorm (on random words and on residual-sized ones), one attention head at 1 and 20 positions
(and with the 48K's AT_TABLE_MEANS and AT_SHORT_EXP against without, v narrow and wide), mul16s,
div32s_floor, isqrt24 and argmax (means over the random cases), forward_step and
forward_prefill at position 0 with the shipped soul. `--fast-scores` prints
instead attention with AT_FAST_SCORES (its scores through the squares table)
against the old dot on q and k in -2048..2047 (the fast path's; random words
mostly take the old dot), its key sums and its forward_step / forward_prefill, and
the 48K's form (twentieth round) against the 48K's old dot.
`--plane-scores` prints attention with AT_PLANE_SCORES (its scores by bit planes, the
128K's) against AT_FAST_SCORES, both with AT_FAST_MEANS, on q and k in -2048..2047 and v
in -256..255, pl_store, the same with k in -1024..1023 (11 planes a key), and its
forward_step / forward_prefill.

`--kept-means` prints attention with AT_KEPT_MEANS (the 128K's means off each dimension's
kept sum of S(vl)) against AT_FAST_MEANS alone, both with AT_PLANE_SCORES, on q and k in -300..300
(most weights above 0, as the shipped soul's) and in -2048..2047 (most of them 0), and
kv_values_kept against kv_values_scatter (a position's 32 values of a layer). The kept bench
has the 128K's AT_PAGED_VALUES (thirty-first round); `--unpaged` leaves it out (its head before).

    python benchmarks/z80_kernels.py [--unrolled | --fast-scores | --plane-scores | --kept-means [--unpaged]]

`--unrolled` adds AT_DIVIDE_UNROLLED (the shipped 48K's unrolled division rounds) to the
AT_TABLE_MEANS heads.
"""

from __future__ import annotations

import sys

import numpy as np

from soulterm.paths import DEFAULT_SOUL
from soulterm.soul import intmath
from soulterm.soul.soulfile import load_soul
from soulterm.zx.kernelbench import (CLAMPED_UNIT_OPTION, FAST_MEANS_OPTION, FAST_PREPARE_LOOP_OPTION,
                                     FAST_SCORES_OPTION, FAST_SMALL_OPTION, FAST_SQUARES_OPTION, HEAD_OUT,
                                     KEPT_MEANS_OPTION, PLANE_SCORES_OPTION, SHORT_EXP_OPTION,
                                     SHORT_SHIFTS_OPTION, TABLE_MEANS_OPTION, Z80Bench, load_head, run_head)
from soulterm.zx.soul_layout import soul_include


def head_costs(rng, benches: dict, count: int, value_range: int, with_sums=()) -> tuple[dict, int]:
    """attend_head's T-states on each of `benches` (name: bench) over ten random heads of `count`
    positions, q and k in -2048..2047, v in -value_range..value_range - 1, each head's output
    checked against intmath; the benches named in `with_sums` get the key sums (store_keys), and
    the last such store's T-states come back with the costs."""
    costs, key_sums = {name: [] for name in benches}, 0
    for _ in range(10):
        q, keys = rng.integers(-2048, 2048, 8), rng.integers(-2048, 2048, (20, 4, 8))
        values = rng.integers(-value_range, value_range, (20, 4, 8))
        want, _ = intmath.attention_head(q, keys[:count, 0], values[:count, 0])
        for name, bench in benches.items():
            key_sums = load_head(bench, q, keys, values, count, 0, sums=name in with_sums) or key_sums
            costs[name].append(bench.call("attend_head"))
            assert np.array_equal(bench.read_words(HEAD_OUT, 8), want)
    return costs, key_sums


def fast_scores() -> None:
    """AT_FAST_SCORES's figures (attention.s's header): a head on the bench with and without it."""
    rng = np.random.default_rng(2028)
    fast, plain = Z80Bench(options=FAST_SCORES_OPTION), Z80Bench()
    for count in (1, 20):
        costs, key_sums = head_costs(rng, {"fast": fast, "plain": plain}, count, 2048, with_sums={"fast"})
        print(f"attend_head at {count:2}  {np.mean(costs['fast']):>10,.0f} T-states with AT_FAST_SCORES, "
              f"{np.mean(costs['plain']):,.0f} without (q, k, v in -2048..2047)")
    print(f"at_key_sums        {key_sums:>10,} T-states (a position's 4 heads)")
    # AT_FAST_MEANS (the 128K's): v in -256..255 (the shipped soul's), against AT_FAST_SCORES alone
    means = Z80Bench(options=FAST_SCORES_OPTION + "\n" + FAST_MEANS_OPTION)
    for count in (1, 20):
        costs, _ = head_costs(rng, {"means": means, "fast": fast}, count, 256, with_sums={"means", "fast"})
        print(f"attend_head at {count:2}  {np.mean(costs['means']):>10,.0f} T-states with AT_FAST_MEANS too, "
              f"{np.mean(costs['fast']):,.0f} with AT_FAST_SCORES alone (v in -256..255)")
    # the 48K's form (twentieth round): with its AT_TABLE_MEANS, AT_SHORT_EXP and unrolled division, the
    # pieces' loop and the dims' jr (AT_FAST_PREPARE_LOOP, AT_FAST_SMALL), against the 48K's attention without
    attention_48k = "\n".join([TABLE_MEANS_OPTION, SHORT_EXP_OPTION, "AT_DIVIDE_UNROLLED = 1"])
    small = Z80Bench(options="\n".join([FAST_SCORES_OPTION, FAST_PREPARE_LOOP_OPTION, FAST_SMALL_OPTION, attention_48k]))
    old_dot = Z80Bench(options=attention_48k)
    for count in (1, 20):
        costs, key_sums_48k = head_costs(rng, {"small": small, "old": old_dot}, count, 256, with_sums={"small"})
        print(f"attend_head at {count:2}  {np.mean(costs['small']):>10,.0f} T-states with the 48K's AT_FAST_SCORES "
              f"(its means, the loop, the jr), {np.mean(costs['old']):,.0f} with its old dot (v in -256..255)")
    print(f"at_key_sums        {key_sums_48k:>10,} T-states (a position's 4 heads, the 48K's form)")
    forward = Z80Bench('.include "forward.s"\n' + soul_include(load_soul(DEFAULT_SOUL)), options=FAST_SCORES_OPTION)
    for routine in ("forward_step", "forward_prefill"):
        forward.poke(forward.sym("fw_token"), [1])
        forward.poke(forward.sym("fw_pos"), [0])
        print(f"{routine:18} {forward.call(routine, max_t_states=40_000_000):>10,} T-states at position 0 "
              "with AT_FAST_SCORES")


def plane_scores() -> None:
    """AT_PLANE_SCORES's figures (attention.s's header): a head on the bench against AT_FAST_SCORES,
    both with AT_FAST_MEANS (the 128K's means), the store, and the forward pass."""
    rng = np.random.default_rng(2030)
    planes = Z80Bench(options=PLANE_SCORES_OPTION + "\n" + FAST_MEANS_OPTION.replace("$4C80", "$4A00"))
    squares = Z80Bench(options=FAST_SCORES_OPTION + "\n" + FAST_MEANS_OPTION)
    for count in (1, 20):
        costs = {"planes": [], "squares": []}
        for _ in range(10):
            q, keys = rng.integers(-2048, 2048, 8), rng.integers(-2048, 2048, (20, 4, 8))
            values = rng.integers(-256, 256, (20, 4, 8))
            want, _ = intmath.attention_head(q, keys[:count, 0], values[:count, 0])
            for name, bench in (("planes", planes), ("squares", squares)):
                stored = load_head(bench, q, keys, values, count, 0)
                if name == "planes":
                    store = stored
                costs[name].append(bench.call("attend_head"))
                assert np.array_equal(bench.read_words(HEAD_OUT, 8), want)
        print(f"attend_head at {count:2}  {np.mean(costs['planes']):>10,.0f} T-states with AT_PLANE_SCORES, "
              f"{np.mean(costs['squares']):,.0f} with AT_FAST_SCORES (both with AT_FAST_MEANS; q, k in "
              f"-2048..2047, v in -256..255)")
    print(f"pl_store           {store:>10,} T-states (a position's 4 heads)")
    narrow = np.random.default_rng(2031)        # every key in -1024..1023: 11 planes (85% of the shipped soul's)
    for count in (1, 20):
        costs = []
        for _ in range(10):
            q, keys = narrow.integers(-2048, 2048, 8), narrow.integers(-1024, 1024, (20, 4, 8))
            values = narrow.integers(-256, 256, (20, 4, 8))
            want, _ = intmath.attention_head(q, keys[:count, 0], values[:count, 0])
            store = load_head(planes, q, keys, values, count, 0)
            costs.append(planes.call("attend_head"))
            assert np.array_equal(planes.read_words(HEAD_OUT, 8), want)
        print(f"attend_head at {count:2}  {np.mean(costs):>10,.0f} T-states with AT_PLANE_SCORES, k in -1024..1023 "
              "(11 planes a key)")
    print(f"pl_store           {store:>10,} T-states (a position's 4 heads, k in -1024..1023)")
    forward = Z80Bench('.include "forward.s"\n' + soul_include(load_soul(DEFAULT_SOUL)), options=PLANE_SCORES_OPTION)
    for routine in ("forward_step", "forward_prefill"):
        forward.poke(forward.sym("fw_token"), [1])
        forward.poke(forward.sym("fw_pos"), [0])
        print(f"{routine:18} {forward.call(routine, max_t_states=40_000_000):>10,} T-states at position 0 "
              "with AT_PLANE_SCORES")


def kept_means() -> None:
    """AT_KEPT_MEANS's figures (attention.s's header): a head on the bench against AT_FAST_MEANS alone,
    both with AT_PLANE_SCORES, and the store of a position's values with the kept sums."""
    from soulterm.zx.build import PAGED_VALUES_OPTION

    planes = PLANE_SCORES_OPTION + "\n" + FAST_MEANS_OPTION.replace("$4C80", "$4A00")
    kept = planes + "\n" + KEPT_MEANS_OPTION + "\n" + PAGED_VALUES_OPTION * ("--unpaged" not in sys.argv[1:])
    benches = {"kept": Z80Bench(options=kept), "fast": Z80Bench(options=planes)}     # (the 128K's form: AT_PAGED_VALUES
                                                                                   # since the thirty-first round)
    for reach, what in ((300, "most weights above 0"), (2048, "most weights 0")):
        rng = np.random.default_rng(2040)
        for count in (1, 20):
            costs = {"kept": [], "fast": []}
            for _ in range(10):
                q, keys = rng.integers(-reach, reach + 1, 8), rng.integers(-reach, reach + 1, (20, 4, 8))
                values = rng.integers(-256, 256, (20, 4, 8))
                want, _ = intmath.attention_head(q, keys[:count, 0], values[:count, 0])
                for name, bench in benches.items():
                    costs[name].append(run_head(bench, q, keys, values, count, 0))
                    assert np.array_equal(bench.read_words(HEAD_OUT, 8), want)
            print(f"attend_head at {count:2}  {np.mean(costs['kept']):>10,.0f} T-states with AT_KEPT_MEANS, "
                  f"{np.mean(costs['fast']):,.0f} without (AT_PLANE_SCORES; q, k in -{reach}..{reach}: {what})")
    from soulterm.zx.build import unit_gain_bits
    from soulterm.zx.kernelbench import SHORT_SHIFTS, player_kernel_options

    soul = load_soul(DEFAULT_SOUL)          # (the 128K's kernels, as z80_profile.py's)
    bench = Z80Bench('.include "forward.s"\n' + soul_include(soul), options=player_kernel_options("128k", kept_means=True)
                     + f"\nRN_UNIT_GAIN_BITS = {unit_gain_bits(soul, SHORT_SHIFTS)}")
    bench.write_words(bench.sym("fw_att"), np.random.default_rng(2041).integers(-256, 256, 32))
    bench.poke(bench.sym("fw_layer_index"), [1])
    for position in (0, 1, 5):
        bench.poke(bench.sym("fw_pos"), [position])
        bench.cpu.hl, bench.cpu.de = bench.sym("kv_values") + 2 * (19 - position), bench.sym("fw_att")
        kept = bench.call("kv_values_kept")
        bench.cpu.hl, bench.cpu.de, bench.cpu.b = bench.sym("kv_values") + 2 * (19 - position), bench.sym("fw_att"), 32
        print(f"kv_values_kept     {kept:>10,} T-states at position {position} (kv_values_scatter "
              f"{bench.call('kv_values_scatter'):,}; a layer's 32 values)")


def main() -> None:
    if "--kept-means" in sys.argv[1:]:
        kept_means()
        return
    if "--fast-scores" in sys.argv[1:]:
        fast_scores()
        return
    if "--plane-scores" in sys.argv[1:]:
        plane_scores()
        return
    rng = np.random.default_rng(2026)
    bench = Z80Bench()
    cpu = bench.cpu
    for scale, what in ((32768, "random words"), (1024, "words below 1024, the residual's usual size")):
        costs = []
        for _ in range(20):
            x, gain = rng.integers(-scale, scale, 32), rng.integers(-128, 128, 32)
            bench.write_words(0xA000, x)
            bench.poke(0xA100, (gain & 0xFF).astype(np.uint8).tobytes())
            for name, address in (("rn_x", 0xA000), ("rn_gain", 0xA100), ("rn_out", 0xA200)):
                bench.poke_word(bench.sym(name), address)
            bench.poke(bench.sym("rn_shift"), [3])
            costs.append(bench.call("rmsnorm"))
            assert np.array_equal(bench.read_words(0xA200, 32), intmath.rmsnorm(x, gain, 3))
        print(f"rmsnorm            {np.mean(costs):>10,.0f} T-states (32 {what})")
    # the shipped souls' norms: every gain 2^6, with shift 6 (fixed gains) or 8 (narrowed, narrowing.py)
    for shift, what in ((6, "32 words below 1024, every gain 2^6 = fixed gains"),
                        (8, "the same, shift 8: a narrowed soul's norms")):
        fixed_rng, costs = np.random.default_rng(2027), []
        for _ in range(20):
            x, gain = fixed_rng.integers(-1024, 1024, 32), np.full(32, 64)
            bench.write_words(0xA000, x)
            bench.poke(0xA100, bytes(gain.astype(np.uint8)))
            for name, address in (("rn_x", 0xA000), ("rn_gain", 0xA100), ("rn_out", 0xA200)):
                bench.poke_word(bench.sym(name), address)     # (the general path walks them)
            bench.poke(bench.sym("rn_shift"), [shift])
            costs.append(bench.call("rmsnorm"))
            assert np.array_equal(bench.read_words(0xA200, 32), intmath.rmsnorm(x, gain, shift))
        print(f"rmsnorm            {np.mean(costs):>10,.0f} T-states ({what})")
    # a clamped inverse (a root of 16 or less: words below 256), narrowed gains; the 128K's own loop
    player_128k = "\n".join([CLAMPED_UNIT_OPTION, SHORT_SHIFTS_OPTION, FAST_SCORES_OPTION, FAST_MEANS_OPTION, FAST_SQUARES_OPTION])
    for option, what in (("", "words below 256, gains 2^6, shift 8: a clamped inverse"),
                         (CLAMPED_UNIT_OPTION, "the same with RN_CLAMPED_UNIT"),
                         (CLAMPED_UNIT_OPTION + "\n" + SHORT_SHIFTS_OPTION, "the same with RN_SHORT_SHIFTS too, the 48K's"),
                         (player_128k, "the same with RN_FAST_SQUARES too, the 128K's")):
        clamp_bench, clamp_rng, costs = Z80Bench(options=option), np.random.default_rng(2028), []
        for _ in range(20):
            x = clamp_rng.integers(-256, 256, 32)
            clamp_bench.write_words(0xA000, x)
            clamp_bench.poke(0xA100, bytes([64] * 32))
            for name, address in (("rn_x", 0xA000), ("rn_gain", 0xA100), ("rn_out", 0xA200)):
                clamp_bench.poke_word(clamp_bench.sym(name), address)
            clamp_bench.poke(clamp_bench.sym("rn_shift"), [8])
            costs.append(clamp_bench.call("rmsnorm"))
            assert np.array_equal(clamp_bench.read_words(0xA200, 32), intmath.rmsnorm(x, np.full(32, 64), 8))
        print(f"rmsnorm            {np.mean(costs):>10,.0f} T-states ({what})")
    for option, what in ((CLAMPED_UNIT_OPTION + "\n" + SHORT_SHIFTS_OPTION, "RN_CLAMPED_UNIT and RN_SHORT_SHIFTS, the 48K's"),
                         (player_128k, "RN_FAST_SQUARES, the 128K's")):
        fixed_rng, costs, squares = np.random.default_rng(2027), [], Z80Bench(options=option)
        for _ in range(20):                 # the narrowed norms' row above, on the players' rmsnorm
            x, gain = fixed_rng.integers(-1024, 1024, 32), np.full(32, 64)
            squares.write_words(0xA000, x)
            squares.poke(0xA100, bytes(gain.astype(np.uint8)))
            for name, address in (("rn_x", 0xA000), ("rn_gain", 0xA100), ("rn_out", 0xA200)):
                squares.poke_word(squares.sym(name), address)
            squares.poke(squares.sym("rn_shift"), [8])
            costs.append(squares.call("rmsnorm"))
            assert np.array_equal(squares.read_words(0xA200, 32), intmath.rmsnorm(x, gain, 8))
        print(f"rmsnorm            {np.mean(costs):>10,.0f} T-states (words below 1024, shift 8, with {what})")
    for count in (1, 20):
        costs = []
        for _ in range(10):
            q, keys, values = (rng.integers(-32768, 32768, shape) for shape in (8, (20, 4, 8), (20, 4, 8)))
            bench.write_words(0xA000, q)
            bench.write_words(0xB000, keys.reshape(-1))
            bench.write_words(0xC000, values.reshape(-1))
            for name, address in (("at_q", 0xA000), ("at_keys", 0xB000), ("at_values", 0xC000), ("at_out", 0xA100)):
                bench.poke_word(bench.sym(name), address)
            bench.poke(bench.sym("at_count"), [count])
            costs.append(bench.call("attend_head"))
            want, _ = intmath.attention_head(q, keys[:count, 0], values[:count, 0])
            assert np.array_equal(bench.read_words(0xA100, 8), want)
        print(f"attend_head at {count:2}  {np.mean(costs):>10,.0f} T-states")
    unrolled = "--unrolled" in sys.argv[1:]     # the shipped 48K's AT_DIVIDE_UNROLLED too
    table = Z80Bench(options=TABLE_MEANS_OPTION + "\n" + SHORT_EXP_OPTION
                     + ("\nAT_DIVIDE_UNROLLED = 1" if unrolled else ""))
    table_name = "AT_TABLE_MEANS, AT_SHORT_EXP and AT_DIVIDE_UNROLLED" if unrolled else "AT_TABLE_MEANS and AT_SHORT_EXP"
    for limit in (128, 32768):
        for count in (1, 20):
            costs = {"plain": [], "table": []}
            head_rng = np.random.default_rng(2030)
            for _ in range(10):
                q, keys = (head_rng.integers(-2048, 2048, shape) for shape in (8, (20, 4, 8)))
                values = head_rng.integers(-limit, limit, (20, 4, 8))
                for name, head_bench in (("plain", bench), ("table", table)):
                    head_bench.write_words(0xA000, q)
                    head_bench.write_words(0xB000, keys.reshape(-1))
                    head_bench.write_words(0xC000, values.reshape(-1))
                    for symbol, address in (("at_q", 0xA000), ("at_keys", 0xB000), ("at_values", 0xC000),
                                            ("at_out", 0xA100)):
                        head_bench.poke_word(head_bench.sym(symbol), address)
                    head_bench.poke(head_bench.sym("at_count"), [count])
                    costs[name].append(head_bench.call("attend_head"))
                    want, _ = intmath.attention_head(q, keys[:count, 0], values[:count, 0])
                    assert np.array_equal(head_bench.read_words(0xA100, 8), want)
            print(f"attend_head at {count:2}  {np.mean(costs['table']):>10,.0f} T-states with {table_name} "
                  f"(the 48K's), {np.mean(costs['plain']):,.0f} without (q, k in -2048..2047, "
                  f"v in -{limit}..{limit - 1})")
    costs = {"mul16s": [], "div32s_floor": [], "isqrt24": []}
    for _ in range(50):
        cpu.bc, cpu.de = (int(v) & 0xFFFF for v in rng.integers(-32768, 32768, 2))
        costs["mul16s"].append(bench.call("mul16s"))
        n, d = int(rng.integers(-2**31, 2**31)), int(rng.integers(1, 65536))
        cpu.de, cpu.hl, cpu.bc = (n >> 16) & 0xFFFF, n & 0xFFFF, d
        costs["div32s_floor"].append(bench.call("div32s_floor"))
        bench.poke(bench.sym("isq_m"), int(rng.integers(0, 2**24)).to_bytes(4, "little"))
        costs["isqrt24"].append(bench.call("isqrt24"))
    for name, values in costs.items():
        print(f"{name:18} {np.mean(values):>10,.0f} T-states (mean of 50)")
    argmax_rng, costs = np.random.default_rng(2029), []
    for _ in range(50):
        logits = argmax_rng.integers(-32768, 32768, 128)
        bench.write_words(0xA300, logits)
        bench.poke_word(bench.sym("am_logits"), 0xA300)
        costs.append(bench.call("argmax"))
        assert cpu.a == intmath.argmax_token(logits)
    print(f"{'argmax':18} {np.mean(costs):>10,.0f} T-states (mean of 50, random logits)")
    forward = Z80Bench('.include "forward.s"\n' + soul_include(load_soul(DEFAULT_SOUL)))
    for routine in ("forward_step", "forward_prefill"):
        forward.poke(forward.sym("fw_token"), [1])
        forward.poke(forward.sym("fw_pos"), [0])
        print(f"{routine:18} {forward.call(routine, max_t_states=40_000_000):>10,} T-states at position 0")


if __name__ == "__main__":
    main()
