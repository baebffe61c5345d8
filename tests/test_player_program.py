"""The whole soulplayer PRG in soulterm's C64: replies, bad input, quitting.

Prompts are typed through the keyboard buffer and replies read back from the
screen and from the context in RAM. A reply costs ~20-40 million emulated
cycles, so the full replies.json check is marked slow (CI runs it, on both
vector sets). The program's own behaviour (bad input, quitting, banking) is
checked on the shipped soul alone.
"""

from __future__ import annotations

import json

import pytest

from soulterm.c64 import C64
from soulterm.player.build import build_player
from soulterm.soul import spec

TURN_CYCLES = 1_000_000_000


@pytest.fixture(scope="module")
def vectors_build(vectors_dir, tmp_path_factory):
    return build_player(vectors_dir / "soul.bin", vectors_dir / "tokenizer.json",
                        tmp_path_factory.mktemp("player"))


@pytest.fixture(scope="module")
def project_build(project_vectors, tmp_path_factory):
    return build_player(project_vectors.soul_path, project_vectors.tokenizer_path,
                        tmp_path_factory.mktemp("project-player"))


class Session:
    """One running soulplayer, typed at and read back."""

    def __init__(self, build):
        self.symbols = json.loads(build.map_path.read_text())["symbols"]
        self.machine = C64(sound=False)
        self.machine.reset()
        self.machine.load_prg(build.prg_path.read_bytes())
        self.zero_page_at_start = bytes(self.machine.ram[0x02:0x90])
        self.machine.run(max_cycles=10_000_000, until_idle=True)

    def say(self, text: str = None, petscii: bytes = None) -> list[int]:
        """Type a line; return the context ids in RAM after the reply."""
        if petscii is not None:
            self.machine.type_petscii(list(petscii) + [13])
        else:
            self.machine.type_line(text)
        reason = self.machine.run(max_cycles=TURN_CYCLES, until_idle=True)
        assert str(reason).endswith("idle"), reason
        ram = self.machine.ram
        length = ram[self.symbols["CONTEXT_LEN"]]
        return list(ram[self.symbols["CONTEXT_IDS"]:self.symbols["CONTEXT_IDS"] + length])

    def screen(self) -> str:
        return "\n".join(line.rstrip() for line in self.machine.screen_lines())

    def screen_text(self) -> str:
        """The screen as one string with line breaks removed (replies wrap at 40)."""
        return "".join(line.ljust(40) for line in self.machine.screen_lines())


def test_hello_reply_blips_and_flashes(vectors_build, vectors_replies, vector_set):
    hello = next(r for r in vectors_replies if r["text"] == "hello")
    session = Session(vectors_build)
    border = session.machine.vic.border
    assert "you>" in session.screen()
    flashes, blips = session.machine.border_changes, len(session.machine.sid.gate_on_cycles)
    start = session.machine.cycles
    assert session.say("hello") == hello["context"] + hello["reply_ids"]
    per_token = (session.machine.cycles - start) / len(hello["reply_ids"])
    if vector_set.name == "original":   # the README's budget: the whole turn over its 10 reply tokens
        # real PAL cycles, badline DMA included (1,507,306 at the last measurement)
        assert per_token <= 1_550_000, f"{per_token:,.0f} cycles per generated token"
    assert hello["reply"] in session.screen()
    assert session.machine.sid.gate_on_cycles[blips:] and \
        len(session.machine.sid.gate_on_cycles) - blips == len(hello["reply_ids"])
    assert session.machine.border_changes - flashes > 10
    assert session.machine.vic.border == border
    assert session.screen().rstrip().endswith("you>")


def test_bad_input_then_a_normal_prompt(project_build, project_vectors):
    vectors_replies, vectors_tokenizer = project_vectors.replies, project_vectors.tokenizer
    hello = next(r for r in vectors_replies if r["text"] == "hello")
    session = Session(project_build)
    empty = next(r for r in vectors_replies if r["text"] == "")
    assert session.say("") == empty["context"] + empty["reply_ids"]    # replied to, like the engine
    assert session.screen().rstrip().endswith("you>")
    symbols = "1234567890 +-*/=@#"                      # only ' ' and '-' are in the alphabet
    context = session.say(symbols)
    expected = vectors_tokenizer.encode_turn(symbols)
    assert expected == [spec.SEP] + vectors_tokenizer.encode(" -") + [spec.SEP]
    assert context[: len(expected)] == expected
    context = session.say("%%%")                           # nothing left: [SEP, SEP]
    assert context[:2] == [spec.SEP, spec.SEP]
    context = session.say("HELLO")                       # shifted letters are lower-cased
    assert context == hello["context"] + hello["reply_ids"]
    long_line = ("abc " * 20)[:80]
    context = session.say(long_line)                     # 80 characters: the prompt budget's ids kept
    budget = vectors_tokenizer.prompt_ids
    assert context[0] == spec.SEP and context[budget + 1] == spec.SEP and len(context) <= spec.CONTEXT
    kept = vectors_tokenizer.decode(context[1: budget + 1])   # the screen line holds what fits after "you> "
    assert len(kept) >= budget and set(kept) <= set("abc ")
    assert session.say("hello") == hello["context"] + hello["reply_ids"]


def test_q_alone_quits_and_restores_the_machine(project_build):
    session = Session(project_build)
    session.say("hi")                                    # the kernels use zero page...
    session.machine.type_line("q")
    session.machine.run(max_cycles=5_000_000, until_idle=True)
    assert "bye." in session.screen()
    assert session.machine.ram[0x01] & 0x07 == 0x07        # BASIC banked back in
    after = bytearray(session.machine.ram[0x02:0x90])
    for pointer in (0x2D, 0x2F, 0x31):                   # BASIC's program ends after the stub
        assert after[pointer - 2] | after[pointer - 1] << 8 == 0x080D
        after[pointer - 2:pointer] = session.zero_page_at_start[pointer - 2:pointer]
    assert bytes(after) == session.zero_page_at_start    # ...and give the rest back


@pytest.mark.parametrize("way_back", ["q", "{run/stop+restore}"])
def test_a_second_run_needs_no_start_up_part(project_build, way_back):
    """RUN again after `q` or RUN/STOP+RESTORE: the tables under the I/O area and the
    KERNAL are still there, the start-up part (banner, table builders) is not once a
    long word list puts it past PRG_LIMIT (position 0 writes the key sums over it).
    Here it is overwritten with BRKs: a second RUN that went into it would crash."""
    session = Session(project_build)
    machine, symbols = session.machine, session.symbols
    first = session.say("hello")
    machine.type_text(way_back + ("\r" if way_back == "q" else ""))
    assert machine.run(max_cycles=5_000_000, until_idle=True) == "halted" and not machine.crashed
    start_up_part = symbols["start_up_part"]
    machine.memory.write_ram(start_up_part, bytes(project_build.end_address - start_up_part))
    assert machine.run_again() == symbols["main"]
    assert str(machine.run(max_cycles=10_000_000, until_idle=True)).endswith("idle"), machine.stop_message
    assert session.screen().rstrip().endswith("you>")
    assert machine.vic.regs[0x18] & 0x02                    # lower case (RUN/STOP+RESTORE set upper)
    assert machine.sid.regs[0x18] & 0x0F == 0x0F            # the volume (RUN/STOP+RESTORE set 0)
    assert session.say("hello") == first


def test_kernal_is_back_in_at_the_prompt(project_build):
    """Replies run with the KERNAL banked out (squares under it); the prompt gets it back."""
    session = Session(project_build)
    squares, zero = session.symbols["SQ_MID"], session.symbols["SQ_RANGE"]
    assert session.machine.memory.ram_at(squares + zero) == 0        # 0*0, built at start-up
    assert session.machine.memory.ram_at(squares + zero + 16) == 1   # 16*16 >> 8
    assert session.machine.memory.ram_at(session.symbols["SQ_HI"]) == zero * zero >> 16
    session.say("hi")
    assert session.machine.ram[0x01] & 0x07 == 0x06                  # BASIC out, KERNAL in
    assert session.say("hello")                                      # typing still works


def test_the_aligned_middle_bytes_hold_the_squares_after_turns(project_build):
    """matvec's pass 2 reads SQ_MID_ALIGNED under the I/O area for inputs x >= 0: the
    start-up part copies it from the squares, and nothing writes over it, not the
    border step's VIC_BORDER ($D020, with I/O banked in), not the openers' records."""
    session = Session(project_build)
    memory, symbols = session.machine.memory, session.symbols
    aligned, end = symbols["SQ_MID_ALIGNED"], symbols["SQ_MID_ALIGNED_END"]
    small_mid = symbols["SQ_MID"] + symbols["SQ_RANGE"] - 128       # byte 1 of 0^2 at + 128
    want = bytes((j - 128) ** 2 >> 8 & 0xFF for j in range(end - aligned))
    assert memory.ram_slice(small_mid, small_mid + end - aligned) == want
    assert memory.ram_slice(aligned, end) == want
    session.say("hello")
    session.say("i am sad")
    assert memory.ram_slice(aligned, end) == want


@pytest.mark.slow
def test_every_reply_of_the_vectors(vectors_build, vectors_replies):
    session = Session(vectors_build)
    for entry in vectors_replies:
        context = session.say(entry["text"])
        assert context == entry["context"] + entry["reply_ids"], entry["text"]
        assert entry["reply"] in session.screen_text(), entry["text"]


def test_the_d64_loads_by_name_and_runs(project_build):
    machine = C64(sound=False)
    machine.reset()
    machine.load_file(project_build.d64_path, name="SOULPLAYER")
    machine.run(max_cycles=10_000_000, until_idle=True)
    screen = "\n".join(machine.screen_lines())
    assert "SOULPLAYER 64" in screen and "you>" in screen
    assert machine.waiting_for_input


def test_a_typo_is_read_as_the_engine_reads_it(tmp_path_factory):
    """With a word list (tokenizer format 3) the PRG spells a typed prompt before
    the merges, exactly as the integer engine's Engine.reply does."""
    from soulterm import paths
    from soulterm.c64.loader import Disk
    from soulterm.player.bench import spelling_tokenizer
    from soulterm.soul.engine import Engine
    from soulterm.soul.soulfile import load_soul

    tokenizer = spelling_tokenizer()            # a long list (SPELLING_BUDGET), beside the shipped soul
    folder = tmp_path_factory.mktemp("spelt-player")
    tokenizer.save(folder / "tokenizer.json")
    build = build_player(paths.DEFAULT_SOUL, folder / "tokenizer.json", folder)
    engine, session = Engine(load_soul(paths.DEFAULT_SOUL)), Session(build)
    for text, read in (("i'm so nagry, my frend", "i'm so angry, my friend"),      # two turns: the
                       ("tell me a joek", "tell me a joke")):                     # spelling's scratch
        assert tokenizer.spelled(text) == read                                    # is not the kernels'
        reply = engine.reply(tokenizer, text)
        assert reply.context != tokenizer.with_words([]).encode_turn(text)     # the words matter
        assert session.say(text) == reply.context + reply.ids
    # The longest list puts the start-up part past PRG_LIMIT: the key sums are written
    # over it, and a second RUN must do without it.
    machine, limit = session.machine, session.symbols["PRG_LIMIT"]
    assert build.end_address > limit
    assert Disk(build.d64_path).find("SOULPLAYER").data == build.prg_path.read_bytes()
    machine.type_line("q")
    assert machine.run(max_cycles=5_000_000, until_idle=True) == "halted" and not machine.crashed
    loaded = build.prg_path.read_bytes()[2 + limit - 0x0801:]
    assert bytes(machine.ram[limit:build.end_address]) != loaded
    machine.run_again()
    assert session.say(text) == reply.context + reply.ids


@pytest.mark.parametrize("dropped_merges", [0, 3])
def test_every_token_prints_its_text(project_vectors, tmp_path, dropped_merges):
    """print_token builds a merged token's text from its merge's parts; a token
    no merge makes (here: the last merges dropped from the file) is printed
    from its stored text."""
    from soulterm.player.build import assemble_player
    from soulterm.player.harness import KernelBench
    from soulterm.player.layout import petscii_of
    from soulterm.soul.tokenizer import Tokenizer

    full = project_vectors.tokenizer
    tokenizer = Tokenizer(full.vocab, full.merges[: len(full.merges) - dropped_merges], full.prompt_ids)
    tokenizer.save(tmp_path / "tokenizer.json")
    built = assemble_player(project_vectors.soul_path, tmp_path / "tokenizer.json")
    bench = KernelBench(image=built.prg[2:], origin=0x0801, symbols=built.symbols)
    printed_at, count_at, stub = 0xC100, 0xC0F0, 0xC000
    # CHROUT's address runs a stub that appends A to a buffer
    bench.poke(bench.sym("CHROUT"), [0x4C, stub & 0xFF, stub >> 8])
    bench.poke(stub, [0xAE, count_at & 0xFF, count_at >> 8, 0x9D, printed_at & 0xFF, printed_at >> 8,
                      0xEE, count_at & 0xFF, count_at >> 8, 0x60])     # ldx n; sta buf,x; inc n; rts
    for token in range(spec.VOCAB_SIZE):
        bench.memory[count_at] = 0
        bench.call("print_token", a=token)
        printed = bench.peek(printed_at, bench.memory[count_at])
        assert printed == bytes(petscii_of(tokenizer.token_text(token))), token
