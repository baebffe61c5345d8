"""The spelling rule on the Spectrum (kernels/z80/tokenizer.s, spell) against Tokenizer.prompt, bit for bit."""

from __future__ import annotations

import json
import random

import pytest

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.soul.corpus import read_corpus
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.spec import ALPHABET
from soulterm.soul.spelling import SHIPPED_SPELLING_CHARS, words_of_prompts
from soulterm.soul.tokenizer import Tokenizer
from soulterm.soul.wordings import noisy_wording, one_typo
from soulterm.zx import Spectrum
from soulterm.zx.build import BuildError, assemble_spectrum_player
from soulterm.zx.kernelbench import Z80_KERNELS_DIR, Z80Bench
from soulterm.zx.soul_layout import FIRST_SHARED_OPTION, word_list_bytes

BUDGET = SHIPPED_SPELLING_CHARS   # the shipped list; it fits the 48K Spectrum player with 33 bytes to spare (docs/spectrum.md)
LINE_MAX = 64           # tokenizer.s's TK_MAX: the player keeps 64 characters of a line
JUNK = "abcdefghijklmnopqrstuvwxyz'''   .,!?;:-ABCXYZ019~#"


@pytest.fixture(scope="module")
def prompts():
    return [e.prompt for e in read_corpus("models/corpus.txt").exchanges]


@pytest.fixture(scope="module")
def listed(prompts):
    return Tokenizer.load(DEFAULT_TOKENIZER).with_words(words_of_prompts(prompts, BUDGET))


@pytest.fixture(scope="module")
def bench(listed):
    return Z80Bench(tokenizer=listed)


def tokenize(bench, text: str) -> tuple[list[int], int]:
    """The ids tokenize leaves for text, and its T-states."""
    data = text.encode("ascii")
    bench.poke(0xA000, data)
    bench.poke_word(bench.sym("tk_line"), 0xA000)
    bench.poke(bench.sym("tk_len"), [len(data)])
    t_states = bench.call("tokenize")
    count = bench.peek(bench.sym("tk_count"))[0]
    return list(bench.peek(bench.sym("tk_ids"), count)), t_states


def junk_line(rng: random.Random) -> str:
    """Words of 1..20 characters of letters, apostrophes and marks, up to a full line."""
    words = ["".join(rng.choice(JUNK) for _ in range(rng.randint(1, 20)))
             for _ in range(rng.randint(1, 8))]
    return " ".join(words)[:LINE_MAX]


def typed_lines(prompts, count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    lines = []
    for case in range(count):
        prompt = rng.choice(prompts)
        kind = case % 4
        if kind == 0:
            line = one_typo(prompt, rng)
        elif kind == 1:
            line = noisy_wording(prompt, rng)
        elif kind == 2:
            line = junk_line(rng)
        else:                                       # a full line of typo'd prompts
            line = ""
            while len(line) < LINE_MAX:
                line += one_typo(rng.choice(prompts), rng) + " "
        lines.append(line[:LINE_MAX])
    return lines


def check_lines(bench, tokenizer, lines) -> None:
    for line in lines:
        got, _ = tokenize(bench, line)
        assert got == tokenizer.encode_prompt(line), (line, tokenizer.spelled(line))
        assert got[:tokenizer.prompt_ids] == tokenizer.prompt(line), line


def test_spell_reads_typed_prompts_as_the_tokenizer_does(bench, listed, prompts):
    lines = typed_lines(prompts, 400, seed=2026)
    kept = ["".join(ch for ch in line.lower() if ch in ALPHABET) for line in lines]
    assert sum(listed.spelled(line) != text for line, text in zip(lines, kept)) > 50   # many are corrected
    check_lines(bench, listed, lines)


@pytest.mark.slow
def test_spell_reads_many_more_typed_prompts_as_the_tokenizer_does(bench, listed, prompts):
    check_lines(bench, listed, typed_lines(prompts, 5000, seed=7))


def test_every_edit_the_first_listed_word_and_the_edges():
    words = ["sad", "sand", "sea", "angry", "you're", "abcdefghijklmno", "dont", "don't"]
    tokenizer = Tokenizer.load(DEFAULT_TOKENIZER).with_words(words)
    bench = Z80Bench(tokenizer=tokenizer)
    cases = ["sda", "saa", "sadn", "sea", "xyz", "sd", "so sda, and saa!", "nagry", "angyr", "agry",
             "anngry", "bangry", "angrys", "youre", "you'er", "your'e", "'sad", "sad'", "sa'd",
             "abcdefghijklmnop", "abcdefghijklmnopq", "abcdefghijklmn", "bcdefghijklmno",
             "abcdefghijklmnoz", "dont", "don't", "dnt", "SAD SDA Sda", "s-a-d sa.d", "sa d",
             "sad" * 21, "sda " * 16, "sda." * 16, "'''", "''''", "a'b", "...", ""]
    assert tokenizer.spelled("so sda, and saa!") == "so sad, sand sad!"
    check_lines(bench, tokenizer, [case[:LINE_MAX] for case in cases])


@pytest.mark.parametrize("words", [
    ["aaa", "aab"],                                        # two characters, each length a single 1
    ["abcdefghijklmno"],                                   # the longest alone: 12 0s and a 1, then the end's 13 0s
    ["qqq'", "zzzjjj", "xxx", "abcdefghijklmno", "pqrstuvwxyz'", "vvvkk", "eee"],  # all 27, rare ones first
])
def test_the_packing_edges(words):
    tokenizer = Tokenizer.load(DEFAULT_TOKENIZER).with_words(words)
    bench = Z80Bench(tokenizer=tokenizer)
    rng = random.Random(len(words))
    lines = [" ".join(words)]
    for _ in range(200):
        lines.append(" ".join(one_typo(rng.choice(words) + " " + rng.choice(words), rng).split())[:LINE_MAX])
    check_lines(bench, tokenizer, lines)


@pytest.mark.parametrize("words", [
    ["aaa", "aab", "abb", "bbb", "bab"],                   # shared, shared, own, shared: every bit both ways
    ["sad", "sand", "sea", "angry", "abcdefghijklmno", "aaa", "you're", "yyy", "don't", "dont"],
    ["qqq'", "zzzjjj", "xxx", "abcdefghijklmno", "pqrstuvwxyz'", "vvvkk", "eee"],  # none shared
])
def test_the_first_shared_packing_reads_as_the_tokenizer_does(words):
    """FIRST_SHARED_OPTION (the 48K player's): a word's first character the word before's in a bit."""
    tokenizer = Tokenizer.load(DEFAULT_TOKENIZER).with_words(words)
    bench = Z80Bench(tokenizer=tokenizer, options=FIRST_SHARED_OPTION)
    assert "SP_FIRST_SHARED" in bench.symbols
    rng = random.Random(len(words))
    lines = [" ".join(words)[:LINE_MAX]]
    for _ in range(200):
        lines.append(" ".join(one_typo(rng.choice(words) + " " + rng.choice(words), rng).split())[:LINE_MAX])
    check_lines(bench, tokenizer, lines)


def test_the_shipped_list_first_shared_reads_typed_prompts_as_the_tokenizer_does(listed, prompts):
    bench = Z80Bench(tokenizer=listed, options=FIRST_SHARED_OPTION)
    check_lines(bench, listed, typed_lines(prompts, 200, seed=30))
    assert word_list_bytes(listed, first_shared=True) < word_list_bytes(listed) - 50     # (825 against 879)


def test_without_a_word_list_the_tokenizer_has_no_spell_and_its_cycles():
    tokenizer = Tokenizer.load(DEFAULT_TOKENIZER).with_words([])
    bench = Z80Bench(tokenizer=tokenizer)
    assert "spell" not in bench.symbols
    ids, t_states = tokenize(bench, "hello")
    assert ids == tokenizer.encode("hello")
    assert f"(without a word list: {t_states:,})" in (Z80_KERNELS_DIR / "tokenizer.s").read_text()


def test_spell_t_states_are_the_headers(bench, listed):
    """The figures kernels/z80/tokenizer.s states for the list of BUDGET characters."""
    line = "hi how are you doing today? i'm so nagry and tierd of evrything!"
    assert len(line) == LINE_MAX
    header = (Z80_KERNELS_DIR / "tokenizer.s").read_text()
    assert f"BUDGET {BUDGET:,} characters ({len(listed.words)} words" in header
    for text in ("hello", "i'm so nagry", line, "xyzzy"):
        ids, t_states = tokenize(bench, text)
        assert ids == listed.encode_prompt(text)
        assert f"{t_states:,}" in header, (text, t_states)
    assert f"{bench.call('sp_decode'):,} of these (sp_decode)" in header


def test_the_player_answers_a_typo_as_the_engine_with_the_word_list(listed, tmp_path):
    text = "i'm so nagry"
    assert listed.spelled(text) == "i'm so angry"
    path = tmp_path / "tokenizer.json"
    listed.save(path)
    built = assemble_spectrum_player(DEFAULT_SOUL, path)
    regions = {r.name: r for r in built.regions}
    sym = built.program.symbols
    # (the list's top part where the code leaves room there: none on the shipped 48K since zxroom48d, its
    # characters' ids and last bits below $8000 hold it all)
    names = {r["name"] for r in json.loads(built.map_text)["regions"]}
    if sym["sp_words"] < sym["sp_words_end"]:
        words = regions["word list (spelling rule)"]
        assert (words.start, words.end) == (sym["sp_words"], sym["sp_words_end"])
        assert "word list (spelling rule)" in names
    low = regions["word list: its characters' ids and last bits"]
    assert (low.start, low.end) == (sym["sp_words_low"], sym["sp_words_low_end"]) and low.name in names
    machine = Spectrum()
    machine.load_tap(built.tape)
    machine.type_line(text)
    machine.type_line("q")
    assert machine.run(max_cycles=400_000_000) == "halted"
    assert not machine.crashed, machine.stop_message
    screen = [line.rstrip() for line in machine.screen_lines()]
    first = screen.index(f"you> {text}")
    assert screen[first + 1] == Engine(load_soul(DEFAULT_SOUL)).reply(listed, text).text


def test_a_word_list_too_large_fails_the_build_in_one_line(prompts, tmp_path):
    path = tmp_path / "tokenizer.json"
    Tokenizer.load(DEFAULT_TOKENIZER).with_words(words_of_prompts(prompts, 4649)).save(path)
    with pytest.raises(BuildError) as error:
        assemble_spectrum_player(DEFAULT_SOUL, path)
    message = str(error.value)
    assert "\n" not in message and "word list needs" in message and "free" in message
    assert "--spelling-chars" in message                    # what to do about it, in the CLI's words


def test_a_bad_soul_or_tokenizer_names_its_file_once(tmp_path):
    soul, tokenizer = tmp_path / "soul.bin", tmp_path / "tokenizer.json"
    soul.write_bytes(DEFAULT_SOUL.read_bytes()[:20000])
    with pytest.raises(BuildError) as error:
        assemble_spectrum_player(soul, DEFAULT_TOKENIZER)
    assert str(error.value).count(str(soul)) == 1, str(error.value)
    raw = json.loads(DEFAULT_TOKENIZER.read_text())
    tokenizer.write_text(json.dumps(dict(raw, words=raw["words"] + ["ang3y"])))
    with pytest.raises(BuildError) as error:
        assemble_spectrum_player(DEFAULT_SOUL, tokenizer)
    assert str(error.value).count(str(tokenizer)) == 1 and "'ang3y'" in str(error.value), str(error.value)


def test_the_player_without_a_word_list_still_gives_the_vectors_replies(vector_set, tmp_path):
    """A tokenizer without a word list (the original's is format 1): no spelling code, and
    every token's text printed from its merges; the replies are the engine's without the list."""
    unlisted = Tokenizer.load(vector_set.tokenizer_path).with_words([])
    path = tmp_path / "tokenizer.json"
    unlisted.save(path)
    built = assemble_spectrum_player(vector_set.soul_path, path)
    assert "spell" not in built.program.symbols
    engine = Engine(load_soul(vector_set.soul_path))
    cases = vector_set.replies[:4]
    machine = Spectrum()
    machine.load_tap(built.tape)
    for case in cases:          # (each turn read as it ends: the 48K's window may be 8 lines, CHAT_TOP_THIRD)
        machine.type_line(case["text"])
        assert machine.run(max_cycles=1_000_000_000, until_idle=True) == "idle", machine.stop_message
        screen = [line.rstrip() for line in machine.screen_lines()]
        typed = screen.index(f"you> {case['text']}")
        assert screen[typed + 1] == engine.reply(unlisted, case["text"]).text, case["text"]
    machine.type_line("q")
    assert machine.run(max_cycles=1_000_000_000) == "halted"
    assert not machine.crashed, machine.stop_message
