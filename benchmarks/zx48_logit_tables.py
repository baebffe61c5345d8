"""The 48K's logits on one-byte tables (WP_TOPS_BYTES, thirty-sixth round, zx48logit36) against today's: a call and its bytes.

On the engine's own final xn of every reply step of the prompts (the shipped out matrix): fw_next_token's T-states
on the shipped 48K player (today's: planes.s's wp_tables and wp_tops, fw_out_logits' exact rows) and on a 48K player
built with WP_TOPS_BYTES (logit_bytes.tops_bytes_bench: no word list and MV_HZ_ENDS given back, for its room; the
forward pass is otherwise the shipped one), every token checked against the engine; wb_tops apart (the tables and
every row's Q_4), the rows the first list keeps and the rows left (logit_bytes.select_rows, the model the tests hold
the kernel to), and how many calls take the exact rows. Then the bytes: logitbytes48.s (above $8000) and
fw_out_logits with fw_out_bytes (below) against today's wp_tops and fw_out_logits.

    python benchmarks/zx48_logit_tables.py [--everyday | --prompts FILE | TEXT ...]

With `--token`, instead benchmarks/z80_token.py's figures (every step checked against the engine) on the player
built with WP_TOPS_BYTES, and with `--token --baseline` on the same build without it (the worth of the spend is
their difference: a position / a reply step):

    python benchmarks/zx48_logit_tables.py --token [--baseline] -- [z80_token.py's arguments]
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import numpy as np


def token_figures() -> None:
    """z80_token.py on tops_bytes_bench's build (with or without WP_TOPS_BYTES)."""
    import soulterm.zx.kernelbench as kernelbench
    from soulterm.zx import logit_bytes

    args = sys.argv[1:]
    split = args.index("--") if "--" in args else len(args)
    tops = "--baseline" not in args[:split]
    kernelbench.player_bench = lambda soul, tokenizer, model="48k": logit_bytes.tops_bytes_bench(soul, tokenizer, tops)
    sys.argv = [str(Path(__file__).with_name("z80_token.py"))] + args[split + 1:]
    runpy.run_path(sys.argv[0], run_name="__main__")


def main() -> None:
    from soulterm.player.bench import prompts_from_command_line
    from soulterm.soul import intmath, spec
    from soulterm.soul.benchmark import shipped_engine
    from soulterm.zx import logit_bytes
    from soulterm.zx.kernelbench import player_bench
    from soulterm.zx.soul_layout import plane_bytes
    from z80_logit_bounds import final_vectors

    prompts = prompts_from_command_line(__doc__.splitlines()[0])
    soul, engine, tokenizer = shipped_engine()
    first = spec.FIRST_CHOOSABLE
    out = soul["out"].values.astype(np.int64)
    shift = soul["out"].shift
    today = player_bench(soul, tokenizer)
    bench = logit_bytes.tops_bytes_bench(soul, tokenizer)
    today.poke(today.sym("soul_out_start"), plane_bytes(out[first:], marked="WP_NARROW_MARK_OUT" in today.symbols))
    bench.poke(bench.sym("soul_out_start"), logit_bytes.out_planes(out[first:]))
    calls = []
    for xn in final_vectors(engine, tokenizer, prompts).astype(np.int64):
        want = intmath.argmax_token(intmath.matvec(out, 0, xn, post=shift))
        row = {}
        for label, player in (("today", today), ("bytes", bench)):
            player.poke(player.sym("fw_xn"), [byte for v in xn for byte in (int(v) & 255, int(v) >> 8 & 255)])
            row[label] = player.call("fw_next_token", max_t_states=10_000_000)
            assert player.peek(player.sym("fw_next"))[0] == want, label
        sym = bench.symbols
        bench.poke_word(sym["wp_x"], sym["fw_xn"])
        bench.poke_word(sym["wp_w"], sym["soul_out_choosable"])
        bench.poke_word(sym["wp_out"], sym["fw_logits"] + 2 * first)
        bench.poke(sym["wp_rows_count"], [spec.VOCAB_SIZE - first])
        row["wb_tops"] = bench.call("wb_tops")
        model = logit_bytes.select_rows(out[first:], xn, shift)
        row["kept"] = len(model["kept"]) if model else spec.VOCAB_SIZE - first
        row["left"] = len(model["left"]) if model else spec.VOCAB_SIZE - first
        calls.append(row)
    mean = {key: float(np.mean([call[key] for call in calls])) for key in calls[0]}
    exact = sum(call["left"] > 1 for call in calls)
    print(f"{len(prompts)} prompt(s), {len(calls)} reply steps' logits calls; T-states a call (mean), every token checked:")
    print(f"  today (the shipped player's fw_next_token): {mean['today']:,.0f}")
    print(f"  WP_TOPS_BYTES: {mean['bytes']:,.0f} ({mean['bytes'] - mean['today']:+,.0f}); wb_tops {mean['wb_tops']:,.0f}")
    print(f"  rows kept by the first list {mean['kept']:.2f} a call (one in {sum(c['kept'] == 1 for c in calls)} calls),"
          f" left {mean['left']:.2f}; the exact rows in {exact} of {len(calls)} calls")
    sym, today_sym = bench.symbols, today.symbols
    tops = sym["wp_code_end"] - sym["wb_tops"]
    glue = sym["fw_out_logits_end"] - sym["fw_out_logits"]
    if "wp_tops" not in today_sym:      # (the shipped player takes WP_TOPS_BYTES since the thirty-sixth round's merge)
        print(f"bytes: logitbytes48.s {tops} (above $8000) and fw_out_logits {glue} (below); the shipped player has them")
    else:
        old_tops = today_sym["wp_code_end"] - today_sym["wp_tops"]
        old_glue = today_sym["fw_out_logits_end"] - today_sym["fw_out_logits"]
        print(f"bytes: logitbytes48.s {tops} (above $8000) and fw_out_logits {glue} (below) against wp_tops {old_tops} and"
              f" fw_out_logits {old_glue}: {tops + glue - old_tops - old_glue:+} in all ({tops - old_tops:+} above $8000,"
              f" {glue - old_glue:+} below), WP_NARROW_MARK_OUT's bytes apart")
    from soulterm.zx.build import _cold_end
    with_it, without = (logit_bytes.tops_bytes_program(soul, tokenizer, tops) for tops in (True, False))
    cold = _cold_end(with_it.symbols) - _cold_end(without.symbols)
    hot = with_it.end - without.end
    print(f"the spend (the same build with and without it, WP_NARROW_MARK_OUT's marks gone with it): {cold + hot:+} bytes"
          f" ({cold:+} below $8000, {hot:+} above)")


if __name__ == "__main__":
    if "--token" in sys.argv:
        sys.argv.remove("--token")
        token_figures()
    else:
        main()
