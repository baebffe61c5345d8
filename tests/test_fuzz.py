"""Fuzzing: generated bad input never hangs, never raises past its one-line error, never tears a file.

Each class below makes seeded random cases from a valid starting point and
checks the one promise that matters for it: the reader either accepts the
input and works, or raises its own one-line error; nothing else escapes,
and every case finishes inside CASE_TIMEOUT_S (SIGALRM; a hang fails).

Classes: corrupt souls, tokenizers, corpora, PRG files, D64 images (looping
and off-disk sector chains included), prompts, misbehaving 6502 programs
(random code, random KERNAL calls), odd command-line options, and signals
during training (two Ctrl-Cs at random moments, then a resume that must
equal an uninterrupted run). The TUI key storm lives with the TUI tests.

Environment:
    SOULTERM_FUZZ_CASES=N   run N cases per class instead of the quick default
                            (the long mode, e.g. 2000; the training class runs N // 100)
    SOULTERM_FUZZ_SEED=S    another seed (failures print the seed and case number)
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import signal
import string
import sys
from pathlib import Path

import pytest

from soulterm import cli, paths
from soulterm.c64 import C64, LoadError
from soulterm.c64.c64 import INTERNAL_ERROR
from soulterm.c64.loader import Disk
from soulterm.soul.corpus import CorpusError, fit_exchanges, parse_corpus
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import SoulFormatError, load_soul, parse_soul
from soulterm.soul.tokenizer import Tokenizer, TokenizerError

SEED = int(os.environ.get("SOULTERM_FUZZ_SEED", "1541"))
LONG_CASES = int(os.environ.get("SOULTERM_FUZZ_CASES", "0"))
CASE_TIMEOUT_S = 20                     # generous for a loaded 2-core CI machine; a hang is minutes
KERNAL_JUMP_TABLE = range(0xFF81, 0xFFF4, 3)


class CaseTimeout(BaseException):
    """A case ran past its deadline. BaseException: code under test that catches Exception cannot hide it."""


def case_count(quick: int) -> int:
    return LONG_CASES or quick


@contextlib.contextmanager
def deadline(seconds: float, what: str):
    """Fail the case (CaseTimeout) if it runs longer than `seconds`."""
    def expired(signum, frame):
        raise CaseTimeout(f"{what} did not finish in {seconds} s (a hang)")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_cases(name: str, quick: int, case) -> None:
    """Run `case(rng, index)` for each seeded case; report every failing one with its seed."""
    failures = []
    for index in range(case_count(quick)):
        rng = random.Random(f"{SEED}:{name}:{index}")
        try:
            with deadline(CASE_TIMEOUT_S, f"{name} case {index}"):
                case(rng, index)
        except (Exception, CaseTimeout) as exc:  # noqa: BLE001 - anything escaping is the finding
            failures.append(f"{name} case {index} (SOULTERM_FUZZ_SEED={SEED}): "
                            f"{type(exc).__name__}: {str(exc)[:200]}")
    assert not failures, "\n".join(failures[:20]) + f"\n({len(failures)} failing cases)"


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One random corruption: flipped bits, a cut, an extension, a splice, zeros or noise."""
    data = bytearray(data)
    kind = rng.choice(("flip", "flip", "truncate", "extend", "splice", "zero", "noise"))
    if not data or kind == "noise":
        return bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 300)))
    if kind == "flip":
        for _ in range(rng.randrange(1, 12)):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    elif kind == "truncate":
        del data[rng.randrange(len(data)):]
    elif kind == "extend":
        data += bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 64)))
    elif kind == "splice":
        start = rng.randrange(len(data))
        data[start:start + rng.randrange(1, 64)] = bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 64)))
    else:
        start = rng.randrange(len(data))
        data[start:start + rng.randrange(1, 256)] = bytes(min(256, len(data) - start))
    return bytes(data)


def run_machine(machine: C64, cycles: int) -> None:
    """Run; the program may crash, but soulterm's own code must not (no internal-error stop)."""
    machine.run(max_cycles=cycles)
    assert INTERNAL_ERROR not in machine.stop_message, machine.stop_message


def random_text(rng: random.Random, longest: int = 200) -> str:
    pools = (string.printable, "äöü€漢字🙂\u200b\ufeff\u0000\x1b\x7f", "<SEP>", "\r\n\t ")
    return "".join(rng.choice(rng.choice(pools)) for _ in range(rng.randrange(0, longest)))


@pytest.fixture(scope="module")
def shipped():
    soul = load_soul(paths.DEFAULT_SOUL)
    tokenizer = Tokenizer.load(paths.DEFAULT_TOKENIZER)
    return soul, tokenizer, Engine(soul)


# -- files the user hands over ----------------------------------------------------------

def test_corrupt_souls(shipped):
    original = paths.DEFAULT_SOUL.read_bytes()
    _soul, tokenizer, _engine = shipped

    def case(rng, index):
        try:
            soul = parse_soul(mutate(original, rng))
        except SoulFormatError as exc:
            assert "\n" not in str(exc)
            return
        reply = Engine(soul).reply(tokenizer, "hello")     # a soul that loads must answer
        assert isinstance(reply.text, str)

    run_cases("soul", 60, case)


def test_corrupt_tokenizers(tmp_path):
    original = paths.DEFAULT_TOKENIZER.read_bytes()
    structure = json.loads(original)

    def reshaped(rng):
        raw = json.loads(json.dumps(structure))
        target = rng.choice(("vocab", "merges", "vocab_size", "words", "root"))
        junk = rng.choice((None, 7, -1, 1e300, "x", [], {}, [[["deep"]]], "[" * 5, True))
        if target == "root":
            return json.dumps(junk).encode()
        if target == "words" and rng.random() < 0.7:     # the spelling list: one odd entry
            odd = rng.choice((junk, "ang3y", "Angry", "ab", "a" * rng.randrange(16, 40), "'''",
                              "an gry", rng.choice(raw["words"]), "\u00e9t\u00e9"))
            raw["words"].insert(rng.randrange(len(raw["words"]) + 1), odd)
            return json.dumps(raw).encode()
        if target == "vocab" and raw["vocab"] and rng.random() < 0.5:
            key = rng.choice(sorted(raw["vocab"]))
            raw["vocab"][key] = junk
        elif target == "merges" and raw["merges"] and rng.random() < 0.5:
            raw["merges"][rng.randrange(len(raw["merges"]))] = junk
        else:
            raw[target] = junk
        return json.dumps(raw).encode()

    def case(rng, index):
        path = tmp_path / f"tokenizer-{index}.json"
        choice = rng.random()
        if choice < 0.4:
            content = mutate(original, rng)
        elif choice < 0.8:
            content = reshaped(rng)
        else:
            depth = rng.randrange(1000, 200_000)
            content = b"[" * depth + b"]" * depth if rng.random() < 0.5 else b'{"a":' * depth
        path.write_bytes(content)
        try:
            tokenizer = Tokenizer.load(path)
        except TokenizerError as exc:
            assert "\n" not in str(exc)
            return
        ids = tokenizer.encode(random_text(rng))
        tokenizer.decode(ids)
        tokenizer.decode(tokenizer.encode_prompt(random_text(rng)))    # through the word list

    run_cases("tokenizer", 60, case)


def test_corrupt_corpora(shipped):
    _soul, tokenizer, _engine = shipped
    good = paths.DEFAULT_CORPUS.read_text(encoding="utf-8").splitlines()[:200]

    def case(rng, index):
        lines = rng.sample(good, min(len(good), rng.randrange(0, 30)))
        for _ in range(rng.randrange(0, 10)):
            lines.insert(rng.randrange(len(lines) + 1), random_text(rng, 400))
        text = "\n".join(lines)
        if rng.random() < 0.3:
            text = mutate(text.encode(), rng).decode("utf-8", errors="replace")
        try:
            corpus = parse_corpus(text, Path(f"fuzz-{index}.txt"))
        except CorpusError as exc:
            assert "\n" not in str(exc)
            return
        fit_exchanges(corpus, tokenizer)

    run_cases("corpus", 60, case)


def test_corrupt_prg_files(tmp_path):
    original = paths.DEFAULT_PRG.read_bytes()

    def case(rng, index):
        path = tmp_path / f"fuzz-{index}.prg"
        if rng.random() < 0.5:
            content = mutate(original, rng)
        else:                               # random code anywhere, up to the top of memory
            load = rng.choice((0x0801, 0xC000, rng.randrange(0x0200, 0x10000), 0xFFFF - rng.randrange(64)))
            body = bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 0x10000 - load + 2)))
            content = bytes([load & 0xFF, load >> 8]) + body
        path.write_bytes(content)
        machine = C64()
        try:
            machine.load_file(path)
        except LoadError as exc:
            assert "\n" not in str(exc)
            return
        run_machine(machine, 20_000)

    run_cases("prg", 40, case)


@pytest.fixture(scope="module")
def sample_disk(tmp_path_factory) -> bytes:
    from d64 import DiskImage

    path = tmp_path_factory.mktemp("disk") / "sample.d64"
    DiskImage.create("d64", path, b"FUZZ", b"64")
    with DiskImage(path, mode="w") as image:
        for name, size in ((b"FIRST", 300), (b"SECOND", 3000), (b"THIRD", 10)):
            with image.path(name).open("w", ftype="prg") as handle:
                handle.write(bytes([0x00, 0xC0]) + bytes(range(256)) * (size // 256) + b"\x60")
    return path.read_bytes()


def test_corrupt_d64_images(tmp_path, sample_disk):
    directory_track = sum(21 for _ in range(17)) * 256       # track 18 starts after 17 tracks of 21

    def case(rng, index):
        image = bytearray(sample_disk)
        kind = rng.choice(("links", "directory", "anything", "size"))
        if kind == "links":                 # sector links to themselves, each other, or off the disk
            for _ in range(rng.randrange(1, 6)):
                sector = rng.randrange(683)
                image[sector * 256] = rng.choice((0, 1, 17, 18, 35, 36, 40, 255, rng.randrange(256)))
                image[sector * 256 + 1] = rng.randrange(256)
        elif kind == "directory":
            for _ in range(rng.randrange(1, 40)):
                image[directory_track + rng.randrange(19 * 256)] = rng.getrandbits(8)
        elif kind == "anything":
            image = bytearray(mutate(bytes(image), rng))
        else:
            image = image[:rng.choice((0, 1000, 174847, 174849, 175531, 196608))]
            image += bytes(max(0, 196608 - len(image))) if len(image) == 196608 else b""
        path = tmp_path / f"fuzz-{index}.d64"
        path.write_bytes(bytes(image))
        try:
            disk = Disk(path)
            disk.directory()
            for file in disk.files:
                try:
                    file.data
                except LoadError as exc:
                    assert "\n" not in str(exc)
            machine = C64()
            machine.load_file(path)
            run_machine(machine, 10_000)
        except LoadError as exc:
            assert "\n" not in str(exc)

    run_cases("d64", 60, case)


def test_odd_prompts(shipped):
    _soul, tokenizer, engine = shipped

    def case(rng, index):
        prompt = random_text(rng, rng.choice((5, 50, 5000)))
        reply = engine.reply(tokenizer, prompt)
        assert isinstance(reply.text, str)

    run_cases("prompt", 40, case)


# -- programs that misbehave ------------------------------------------------------------

def test_random_6502_code():
    """Random bytes, or only documented opcodes (those run on: stores everywhere, banking, stack games)."""
    from py65.devices.mpu6502 import MPU

    documented = [op for op in range(256) if MPU.disassemble[op][0] != "???" and op != 0x00]

    def case(rng, index):
        load = rng.choice((0xC000, 0x1000, rng.randrange(0x0200, 0xFF00)))
        if rng.random() < 0.5:
            code = bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 256)))
        else:
            code = bytes(rng.choice(documented) if i % 3 == 0 else rng.getrandbits(8)
                         for i in range(rng.randrange(3, 768)))
        code = code[:0x10000 - load]
        machine = C64()
        machine.load_prg(bytes([load & 0xFF, load >> 8]) + code)
        run_machine(machine, 50_000)

    run_cases("6502", 60, case)


def test_random_kernal_calls():
    """LDA/LDX/LDY random, carry random, JSR to a random KERNAL entry, many times."""
    def case(rng, index):
        code = bytearray()
        for _ in range(rng.randrange(1, 12)):
            if rng.random() < 0.3:          # move the screen, the vectors, the memory bounds...
                code += bytes([0xA9, rng.getrandbits(8), 0x8D]) + rng.choice(
                    (0x0288, 0x0314, 0x0315, 0x00B7, 0x00BB, 0x00BC, 0x0001, 0x00AE, 0x00AF)).to_bytes(2, "little")
            code += bytes([0xA9, rng.getrandbits(8), 0xA2, rng.getrandbits(8), 0xA0, rng.getrandbits(8)])
            code += bytes([rng.choice((0x18, 0x38))])                       # CLC / SEC
            code += bytes([0x20]) + rng.choice(KERNAL_JUMP_TABLE).to_bytes(2, "little")
        end = 0xC000 + len(code)
        code += bytes([0x4C, end & 0xFF, end >> 8])                         # JMP * : done
        machine = C64()
        machine.load_prg(bytes([0x00, 0xC0]) + bytes(code))
        machine.type_text("hello\r")
        run_machine(machine, 200_000)
        machine.screen_lines()

    run_cases("kernal", 60, case)


# -- the command line ---------------------------------------------------------------------

def test_odd_command_line_options(tmp_path, monkeypatch):
    """In-process `soulterm ...` with odd paths and values: an exit status, never an exception."""
    (tmp_path / "dir").mkdir()
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 3)
    tiny = tmp_path / "tiny.txt"
    tiny.write_text("<SEP>hello<SEP>hi there!<SEP>\n")
    odd_paths = [str(p) for p in (tmp_path / "missing", tmp_path / "dir", fifo, junk, tiny)] + [
        "/dev/zero", "", "nul\x00byte", "-", str(paths.DEFAULT_PRG), str(paths.DEFAULT_D64)]
    odd_numbers = ["0", "-1", "1e9", "x", "99999999999999999999999", "", "nan"]
    out_dir = tmp_path / "built"

    def argv_for(rng):
        command = rng.choice(("chat", "eval", "run", "build", "train", "nonsense", "--bogus"))
        argv = [command]
        if command == "chat":
            argv += rng.sample(["--soul", rng.choice(odd_paths), "--tokenizer", rng.choice(odd_paths)], 2)
        elif command == "eval":
            argv += [rng.choice(odd_paths), "--soul", rng.choice(odd_paths + [str(paths.DEFAULT_SOUL)]),
                     "--failures", rng.choice(odd_numbers + ["2"])]
        elif command == "run":
            argv += [rng.choice(odd_paths), "--mute", "--max-cycles", rng.choice(odd_numbers + ["5000"]),
                     "--name", rng.choice(("*", "?", "SOULPLAYER", "é", ""))]
            if rng.random() < 0.5:
                argv += ["--type", random_text(rng, 20)]
        elif command == "build":                    # never with both inputs valid: keep it fast
            argv += ["--soul", rng.choice(odd_paths), "--tokenizer", rng.choice(odd_paths),
                     "--output", str(out_dir), "--quiet"]
        elif command == "train":                    # always an invalid value: never a real run
            argv += [rng.choice(odd_paths), "--epochs", rng.choice(("0", "-3")),
                     "--output", str(tmp_path / "trained"), "--lr", rng.choice(odd_numbers)]
        return argv

    def case(rng, index):
        argv = argv_for(rng)
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(mutate(b"hello\nbye\n", rng))))
        stdout, stderr = io.StringIO(), io.StringIO()
        try:
            with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                status = cli.main(argv)
        except SystemExit as exit_:             # argparse's usage error
            status = exit_.code
        assert status in (0, 1, 2, 130), f"{argv!r}: exit status {status!r}"
        assert "Traceback" not in stderr.getvalue(), argv
        if status == 1:
            assert stderr.getvalue().strip().count("\n") == 0 or argv[0] in ("eval", "train"), argv
        if out_dir.exists():                    # a build either wrote its whole set or nothing
            names = sorted(p.name for p in out_dir.iterdir())
            assert names in ([], ["soulplayer.d64", "soulplayer.map.json", "soulplayer.prg"]), names

    run_cases("cli", 60, case)


# -- signals during training ------------------------------------------------------------

def test_signals_during_training(tmp_path):
    """Two Ctrl-Cs at seeded random moments and gaps; the resume must equal a straight run."""
    torch = pytest.importorskip("torch")  # noqa: F841
    from soulterm.soul.trainer import train
    from test_train_checkpoints import config_for, final_soul, interrupt_twice

    train(config_for(tmp_path / "straight"))
    expected = final_soul(tmp_path / "straight")

    def case(rng, index):
        folder = tmp_path / f"stopped-{index}"
        done = interrupt_twice(folder, delay_s=rng.uniform(0.0, 1.5), gap_s=rng.uniform(0.0, 0.05))
        assert done.returncode in (0, 130), done.stderr[-500:]
        assert "Traceback" not in done.stderr, done.stderr[-800:]
        checkpoints = folder / "out" / "checkpoints"
        assert not list(checkpoints.glob(".tmp-*")), "a half-written checkpoint was left"
        train(config_for(folder))
        assert final_soul(folder) == expected, "the resumed soul differs from an uninterrupted one"

    name = "training-signals"
    count = max(1, LONG_CASES // 100) if LONG_CASES else 1
    failures = []
    for index in range(count):
        rng = random.Random(f"{SEED}:{name}:{index}")
        try:
            with deadline(180, f"{name} case {index}"):
                case(rng, index)
        except (Exception, CaseTimeout) as exc:  # noqa: BLE001
            failures.append(f"{name} case {index} (SOULTERM_FUZZ_SEED={SEED}): {type(exc).__name__}: {exc}")
    assert not failures, "\n".join(failures)
