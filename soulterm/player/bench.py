"""Exact cycle counts of the kernels and of the whole program, as markdown tables.

`kernel_cycle_table()` times each kernel on the bare-6502 bench (harness.py)
and one forward position at several context lengths; `program_cycle_table()`
runs the built PRG in soulterm's C64 and times a whole reply. Cycle counts
are deterministic: the same sources and soul always give the same numbers.
Both use the reference soul in ../shared/vectors (SOULTERM_VECTORS), or the
shipped soul in models/ when the vectors are not there.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from soulterm.paths import DEFAULT_CORPUS, DEFAULT_SOUL, DEFAULT_TOKENIZER, ROOT

from .build import assemble_player, build_player
from .harness import KernelBench, run_matvec

PAL_HZ = 985_248
CONTEXT_LENGTHS = (5, 10, 19)
BENCH_PROMPT = "hello"


def reference_files() -> tuple[Path, Path, Path | None]:
    """(soul, tokenizer, trace or None): the shared vectors if present, else models/."""
    vectors = Path(os.environ.get("SOULTERM_VECTORS", ROOT.parent / "shared" / "vectors"))
    if (vectors / "soul.bin").exists():
        return vectors / "soul.bin", vectors / "tokenizer.json", vectors / "trace.json"
    return DEFAULT_SOUL, DEFAULT_TOKENIZER, None


def program_bench(soul_path=None, tokenizer_path=None) -> KernelBench:
    """A bench holding the whole soulplayer image, for kernels and forward passes."""
    soul_default, tok_default, _ = reference_files()
    built = assemble_player(soul_path or soul_default, tokenizer_path or tok_default)
    return KernelBench(image=built.prg[2:], origin=0x0801, symbols=built.symbols)


def _matvec_cycles(bench: KernelBench, rows: int, cols: int, x, bias: bool, relu: bool = False) -> int:
    rng = np.random.default_rng(rows * 1000 + cols)
    w = rng.integers(-127, 128, (rows, cols))
    b = rng.integers(-32768, 32768, rows) if bias else None
    return run_matvec(bench, w, x, b, 7, relu=relu)[1]


def kernel_rows() -> list[tuple[str, str, int]]:
    """(kernel, case, cycles) for every kernel, measured on a fresh kernel bench."""
    bench = KernelBench()
    sym = bench.sym
    rng = np.random.default_rng(64)
    rows = []
    small = rng.integers(-256, 256, 64)
    wide = rng.integers(-32768, 32768, 64)
    for r, c, bias, name in ((32, 32, False, "q/k/v/proj 32x32"), (64, 32, True, "fc1 64x32 + bias"),
                             (32, 64, True, "fc2 32x64 + bias"), (128, 32, False, "logits 128x32")):
        rows.append(("matvec", f"{name}, inputs in -256..255", _matvec_cycles(bench, r, c, small[:c], bias)))
        rows.append(("matvec", f"{name}, 16-bit inputs", _matvec_cycles(bench, r, c, wide[:c], bias)))
    x = rng.integers(-3000, 3000, 32)
    bench.write_vector(sym("VEC_H"), x)
    bench.poke(0x4000, rng.integers(60, 127, 32))
    bench.poke_word(sym("rn_in"), sym("VEC_H"))
    bench.poke_word(sym("rn_out"), sym("VEC_XN"))
    bench.poke_word(sym("rn_gain"), 0x4000)
    bench.memory[sym("rn_shift")] = 6
    bench.memory[sym("rn_unit_gains")] = 0
    rows.append(("rmsnorm", "32 values in -3000..2999", bench.call("rmsnorm")))
    # A fixed-gain soul's norm (train --norm-gain): every gain 2^s_g, which
    # the program tells the kernel (layout.py's <NORM>_UNIT). Its own
    # generator, so the rows below keep their inputs.
    bench.write_vector(sym("VEC_H"), np.random.default_rng(6).integers(-700, 700, 32))
    bench.poke(0x4000, [1 << 6] * 32)
    bench.memory[sym("rn_unit_gains")] = 0x80
    rows.append(("rmsnorm", "32 values in -700..699, every gain 2^s_g", bench.call("rmsnorm")))
    bench.memory[sym("rn_shift")] = 8       # a narrowed soul's norm (narrowing.py): 64 with s_g = 8
    bench.memory[sym("rn_unit_gains")] = 0x82
    rows.append(("rmsnorm", "the same, every gain 2^(s_g - 2)", bench.call("rmsnorm")))
    # A root below 17 clamps inv (about half of the shipped soul's norms): no products.
    bench.write_vector(sym("VEC_H"), np.random.default_rng(6).integers(-300, 300, 32))
    rows.append(("rmsnorm", "32 values in -300..299 (inv clamped), every gain 2^(s_g - 2)",
                 bench.call("rmsnorm")))
    for t in (4, 9, 18):
        fill_attention(bench, rng, t, layer=0, head=0)
        rows.append(("attention_head", f"query position {t} ({t + 1} keys)", bench.call("attention_head")))
    for t in (4, 9, 18):        # every |q| <= 1663: the scores go through the squares table
        fill_attention(bench, rng, t, layer=0, head=0, q=rng.integers(-1600, 1600, 8))
        rows.append(("attention_head", f"query position {t} ({t + 1} keys), |q| < 1600",
                     bench.call("attention_head")))
    narrow = np.random.default_rng(7)       # a narrowed soul's v (|v| <= ~290): its own generator
    for t in (4, 9, 18):
        fill_attention(bench, narrow, t, layer=0, head=0, q=narrow.integers(-1600, 1600, 8),
                       keys=narrow.integers(-1600, 1600, (t + 1, 8)), values=narrow.integers(-300, 300, (t + 1, 8)))
        rows.append(("attention_head", f"query position {t} ({t + 1} keys), |q|, |k| < 1600, |v| < 300",
                     bench.call("attention_head")))
    bench.poke(0x4000, rng.integers(-127, 128, 64))
    bench.poke_word(sym("em_te"), 0x4000)
    bench.poke_word(sym("em_pe"), 0x4020)
    bench.memory[sym("em_te_shift")] = bench.memory[sym("em_pe_shift")] = 5
    rows.append(("embed", "shifts 5 and 5", bench.call("embed")))
    bench.write_vector(sym("VEC_H"), rng.integers(-20000, 20000, 32))
    bench.write_vector(sym("VEC_TMP"), rng.integers(-20000, 20000, 32))
    rows.append(("residual_add", "32 values", bench.call("residual_add")))
    bench.write_vector(sym("VEC_Z"), rng.integers(-1000, 1000, 64))
    rows.append(("relu_z", "64 values", bench.call("relu_z")))
    bench.write_vector(sym("VEC_LOGITS"), rng.integers(-5000, 5000, 128))
    # argmax reads the rows forward_logits marks in logits_exact: every choosable row (an
    # exact logits call), then one (a coarse call's usual count)
    bench.poke(sym("logits_exact"), [0xF8] + [0xFF] * 15)
    rows.append(("argmax", "ids 3..127, all marked", bench.call("argmax")))
    bench.poke(sym("logits_exact"), [0] * 9 + [0x10] + [0] * 6)
    rows.append(("argmax", "ids 3..127, one marked", bench.call("argmax")))
    # fc1 as forward.s calls it: MV_RELU, rows ReLU certainly makes 0 store 0 without pass 1
    # (last: the other rows' state stays as before).
    rows.append(("matvec", "fc1 64x32 + bias, inputs in -128..127, MV_RELU",
                 _matvec_cycles(bench, 64, 32, small[:32] // 2, True, relu=True)))
    rows.append(("matvec", "fc1 64x32 + bias, inputs in -128..127",
                 _matvec_cycles(bench, 64, 32, small[:32] // 2, True)))
    return rows


def fill_attention(bench: KernelBench, rng, t: int, layer: int, head: int,
                   q=None, keys=None, values=None):
    """Random (or given) q, keys and values for one head, written where attention_head reads them."""
    sym = bench.sym
    q = rng.integers(-3000, 3000, 8) if q is None else np.asarray(q)
    keys = rng.integers(-3000, 3000, (t + 1, 8)) if keys is None else np.asarray(keys)
    values = rng.integers(-3000, 3000, (t + 1, 8)) if values is None else np.asarray(values)
    qvec = np.zeros(32, dtype=np.int64)
    qvec[head * 8:head * 8 + 8] = q
    bench.write_vector(sym("VEC_Q"), qvec)
    for d in range(8):
        column = (layer * 32 + head * 8 + d) * 20
        k = keys[:, d] & 0xFFFF
        bench.poke(sym("KEY_LO") + column, k & 0xFF)
        bench.poke(sym("KEY_HI") + column, (k >> 8) ^ 0x80)
    for j in range(t + 1):
        row = (layer * 20 + j) * 32 + head * 8
        v = values[j] & 0xFFFF
        bench.poke(sym("VALUE_LO") + row, v & 0xFF)
        bench.poke(sym("VALUE_HI") + row, (v >> 8) ^ 0x80)
    bench.memory[sym("at_layer")] = layer
    for j in range(t + 1):                  # a key's sums enter the cache with it (at_key_sums)
        bench.memory[sym("at_t")] = j
        bench.call("at_key_sums")
    bench.memory[sym("at_t")] = t
    bench.memory[sym("at_head")] = head
    return q, keys, values


def context_tokens(length: int, conversation: list[int] | None = None) -> list[int]:
    """`length` tokens of a real conversation (default: the hello trace), repeated as needed."""
    if conversation is None:
        _, _, trace = reference_files()
        conversation = json.loads(Path(trace).read_text())["tokens"] if trace is not None else [1, 4, 5, 6, 7, 1]
    return [conversation[i % len(conversation)] for i in range(length)]


def forward_cycles(bench: KernelBench, length: int, conversation: list[int] | None = None) -> int:
    """Cycles of forward_step for the last position of a `length`-token context."""
    tokens = context_tokens(length, conversation)
    sym = bench.sym
    for t, tok in enumerate(tokens[:-1]):
        bench.memory[sym("at_t")] = t
        bench.call("forward_position", a=tok)
    bench.memory[sym("at_t")] = length - 1
    return bench.call("forward_step", a=tokens[-1])


def source_sizes(built) -> dict[str, int]:
    """Bytes of code and data each kernels/ source file puts in the PRG (from the line map):
    the resident part's, up to the generated vocab.inc and soul.inc, and the start-up part's."""
    sizes: dict[str, int] = {}
    rows = built.lines
    sym = built.symbols
    parts = ((0, sym["code_end"]), (sym["start_up_part"], built.end_address))
    for (address, file, _line), following in zip(rows, rows[1:] + [[0x10000, "", 0]]):
        for start, end in parts:
            if start <= address < end:
                sizes[file] = sizes.get(file, 0) + min(following[0], end) - address
    return sizes


# The spelling rule's figures (kernels/tokenizer.s): the shipped tokenizer
# with the corpus prompts' word list of SPELLING_BUDGET characters, a long
# one of 367 words, 1,513 characters: the most the C64 holds beside the
# shipped soul (`soulterm build` says when one does not fit).
SPELLING_BUDGET = 1515
SPELLING_LINES = ("hello", "i'm so nagry",
                  "hi soul, i am feeling so sda and lonley today, can you tell me a funy joke pleas")


def spelling_tokenizer(budget: int = SPELLING_BUDGET):
    """The shipped tokenizer with the word list the trainer makes for `budget` characters."""
    from soulterm.soul.corpus import read_corpus
    from soulterm.soul.spelling import words_of_prompts
    from soulterm.soul.tokenizer import Tokenizer

    prompts = [e.prompt for e in read_corpus(DEFAULT_CORPUS).exchanges]
    return Tokenizer.load(DEFAULT_TOKENIZER).with_words(words_of_prompts(prompts, budget))


def tokenizer_rows() -> list[tuple[str, str, int]]:
    """(word list, line, cycles) of `tokenize` for SPELLING_LINES: without a word list,
    with the shipped tokenizer's own list and with a long one (SPELLING_BUDGET)."""
    from soulterm.soul.tokenizer import Tokenizer

    from .layout import petscii_of

    spelt = spelling_tokenizer()
    shipped = Tokenizer.load(DEFAULT_TOKENIZER)
    lists = [("none", spelt.with_words([]))]
    if shipped.words:
        lists.append((f"shipped, {len(shipped.words)} words", shipped))
    lists.append((f"long, {len(spelt.words)} words", spelt))
    rows = []
    for name, tokenizer in lists:
        bench = KernelBench(tokenizer=tokenizer)
        for line in SPELLING_LINES:
            data = petscii_of(line)
            bench.poke(bench.sym("LINE_BUFFER"), data)
            bench.memory[bench.sym("tk_len")] = len(data)
            cycles = bench.call("tokenize")
            ids = list(bench.peek(bench.sym("TOKEN_BUFFER"), bench.memory[bench.sym("tk_count")]))
            if ids != tokenizer.prompt(line):
                raise AssertionError(f"tokenize gave {ids} for {line!r}, not {tokenizer.prompt(line)}")
            rows.append((name, line, cycles))
    return rows


def kernel_cycle_table() -> str:
    """Markdown: cycles per kernel call and per token (both layers + logits), bytes per file."""
    lines = ["| kernel | case | cycles |", "|---|---|---:|"]
    for kernel, case, cycles in kernel_rows():
        lines.append(f"| `{kernel}` | {case} | {cycles:,} |")
    bench = program_bench()
    for length in CONTEXT_LENGTHS:
        cycles = forward_cycles(bench, length)
        lines.append(f"| `forward_step` | one token at context length {length} "
                     f"(both layers + logits) | {cycles:,} |")
    for words, line, cycles in tokenizer_rows():
        lines.append(f"| `tokenize` | word list: {words}; {line!r} | {cycles:,} |")
    soul, tok, _ = reference_files()
    lines.append("")
    lines.append(f"Soul: `{soul}`. Exact emulated cycles (py65), JSR and RTS included. `tokenize`: "
                 f"the shipped tokenizer without a word list, with its own, and with a long one "
                 f"(the corpus prompts' words in {SPELLING_BUDGET:,} characters).")
    built = assemble_player(soul, tok)
    lines += ["", "| source | bytes in the PRG |", "|---|---:|"]
    for file, size in sorted(source_sizes(built).items()):
        lines.append(f"| `{file}` | {size:,} |")
    rest = built.end_address - 0x0801 - sum(source_sizes(built).values())
    lines.append("| vocabulary and word list (vocab.inc), weights, row constants and gains (soul.inc), "
                 f"padding | {rest:,} |")
    return "\n".join(lines)


def program_turn(prompt: str = BENCH_PROMPT, soul_path=None, tokenizer_path=None):
    """(cycles from RETURN to the next prompt, tokens generated, reply text) in the C64."""
    from soulterm.c64 import C64
    from soulterm.soul.tokenizer import Tokenizer

    soul_default, tok_default, _ = reference_files()
    soul_path, tokenizer_path = soul_path or soul_default, tokenizer_path or tok_default
    with tempfile.TemporaryDirectory(prefix="soulplayer-bench-") as out:
        result = build_player(soul_path, tokenizer_path, out)
        prg = result.prg_path.read_bytes()
        context_len_at = json_symbol(result.map_path, "CONTEXT_LEN")
    machine = C64(sound=False)
    machine.reset()
    machine.load_prg(prg)
    machine.run(max_cycles=10_000_000, until_idle=True)
    machine.type_line(prompt)
    start = machine.cycles
    machine.run(max_cycles=2_000_000_000, until_idle=True)
    cycles = machine.cycles - start
    tok = Tokenizer.load(tokenizer_path)
    context_len = machine.ram[context_len_at]
    generated = context_len - len(tok.encode_turn(prompt))
    return cycles, generated, machine


def json_symbol(map_path, name: str) -> int:
    return json.loads(Path(map_path).read_text())["symbols"][name]


def program_cycle_table() -> str:
    """Markdown: cycles per generated token for the hello turn, and PAL seconds."""
    cycles, generated, _ = program_turn()
    per_token = cycles / max(1, generated)
    soul, _, _ = reference_files()
    return "\n".join([
        "| turn | cycles (RETURN to next prompt) | tokens generated | cycles per token | PAL seconds per token |",
        "|---|---:|---:|---:|---:|",
        f"| `{BENCH_PROMPT}` | {cycles:,} | {generated} | {per_token:,.0f} | {per_token / PAL_HZ:.2f} |",
        "",
        f"Soul: `{soul}`. PAL C64: {PAL_HZ:,} cycles per second; the cycles are real PAL time, "
        "badline DMA included (docs/timing.md).",
    ])


# Everyday prompts for cycles per generated token: fixed, so figures compare across builds.
EVERYDAY_PROMPTS = ("hello", "hi", "how are you", "what is your name", "good morning",
                    "i am sad", "tell me a joke", "do you like music", "thank you", "bye")


def prompts_in(path: Path) -> tuple[str, ...]:
    """The prompts of a prompts file (benchmarks/everyday_more.txt, `bench --profile --prompts`):
    one a line, # comments and blank lines skipped. OSError or UnicodeDecodeError when it
    cannot be read."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#"))


def add_prompt_arguments(parser) -> None:
    """A benchmark's prompts (chosen_prompts): TEXT ..., --everyday and --prompts FILE."""
    parser.add_argument("text", nargs="*", help="prompts (default: hello)")
    parser.add_argument("--everyday", action="store_true", help="the ten everyday prompts")
    parser.add_argument("--prompts", help="a file of prompts, one a line (# comments)")


def chosen_prompts(args) -> list[str]:
    """The prompts add_prompt_arguments' arguments name: the TEXTs, then EVERYDAY_PROMPTS with
    --everyday, then the --prompts file's (prompts_in); "hello" where they name none."""
    prompts = list(args.text) + list(EVERYDAY_PROMPTS if args.everyday else ())
    prompts += list(prompts_in(args.prompts)) if args.prompts else []
    return prompts or ["hello"]


def prompts_from_command_line(description: str) -> list[str]:
    """The prompts of a benchmark whose only arguments are add_prompt_arguments' (chosen_prompts)."""
    parser = argparse.ArgumentParser(description=description)
    add_prompt_arguments(parser)
    return chosen_prompts(parser.parse_args())


DMA_ROW = "(VIC badline DMA: the 6502 stopped)"


@dataclass
class TurnProfile:
    """One prompt's turn in the C64: cycles from RETURN to the next prompt, per routine and file."""

    prompt: str
    cycles: int
    generated: int
    routines: dict
    files: dict
    context: list       # the token ids in the C64's context after the turn

    @property
    def per_token(self) -> float:
        return self.cycles / max(1, self.generated)


def profile_turns(prompts=EVERYDAY_PROMPTS, soul_path=None, tokenizer_path=None) -> list[TurnProfile]:
    """Each prompt typed into one running soulplayer, with exact cycles per routine."""
    from soulterm.c64 import C64
    from soulterm.soul.tokenizer import Tokenizer

    from .profile import by_file, by_routine, counting_pcs, program_code

    soul_default, tok_default, _ = reference_files()
    soul_path, tokenizer_path = soul_path or soul_default, tokenizer_path or tok_default
    built = assemble_player(soul_path, tokenizer_path)
    symbols = program_code(built.symbols)
    tok = Tokenizer.load(tokenizer_path)
    machine = C64(sound=False)
    machine.reset()
    machine.load_prg(built.prg)
    machine.run(max_cycles=10_000_000, until_idle=True)
    turns = []
    for prompt in prompts:
        machine.type_line(prompt)
        start = machine.cycles
        with counting_pcs(machine.cpu) as per_pc:
            machine.run(max_cycles=2_000_000_000, until_idle=True)
        length = machine.ram[built.symbols["CONTEXT_LEN"]]
        ids_at = built.symbols["CONTEXT_IDS"]
        turns.append(TurnProfile(prompt, machine.cycles - start, length - len(tok.encode_turn(prompt)),
                                 by_routine(per_pc, symbols), by_file(per_pc, symbols, built.lines),
                                 list(machine.ram[ids_at:ids_at + length])))
    return turns


def profile_table(prompts=EVERYDAY_PROMPTS, soul_path=None, tokenizer_path=None) -> str:
    """Markdown: cycles per generated token per prompt (median, max), then where they go."""
    turns = profile_turns(prompts, soul_path, tokenizer_path)
    soul = soul_path or reference_files()[0]
    per_token = [t.per_token for t in turns if t.generated]
    lines = ["| prompt | tokens generated | cycles (RETURN to next prompt) | cycles per token |",
             "|---|---:|---:|---:|"]
    lines += [f"| `{t.prompt}` | {t.generated} | {t.cycles:,} | {t.per_token:,.0f} |" for t in turns]
    lines += ["", f"Soul: `{soul}`. Median {np.median(per_token):,.0f}, max {max(per_token):,.0f} "
              f"cycles per generated token ({len(per_token)} prompts).", ""]
    total = sum(t.cycles for t in turns)
    # The VIC's badline DMA stops the 6502 between instructions: real time no routine ran in.
    dma = total - sum(sum(t.files.values()) for t in turns)
    for title, key, limit in (("source file", "files", None), ("routine", "routines", 25)):
        summed: dict[str, int] = {DMA_ROW: dma} if dma else {}
        for t in turns:
            for name, cycles in getattr(t, key).items():
                summed[name] = summed.get(name, 0) + cycles
        ranked = sorted(summed.items(), key=lambda item: -item[1])
        lines += [f"| {title} | cycles | share |", "|---|---:|---:|"]
        for name, cycles in ranked[:limit]:
            lines.append(f"| `{name}` | {cycles:,} | {100 * cycles / total:.1f}% |")
        if limit is not None and len(ranked) > limit:
            rest = sum(c for _, c in ranked[limit:])
            lines.append(f"| {len(ranked) - limit} others | {rest:,} | {100 * rest / total:.1f}% |")
        lines.append("")
    return "\n".join(lines)
