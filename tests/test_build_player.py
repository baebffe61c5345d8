"""`soulterm build`: PRG, D64 and map from a soul; determinism; clear errors."""

from __future__ import annotations

import json

import pytest

from soulterm import cli, paths
from soulterm.player.build import BuildError, build_player
from soulterm.player.disk import read_prg
from soulterm.soul import spec
from soulterm.soul.soulfile import Soul, save_soul

REQUIRED_KINDS = {"code", "weights", "bias", "table", "tokenizer", "kv-cache", "activations",
                  "attention", "buffer"}


@pytest.fixture(scope="module")
def built(vectors_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("build")
    return build_player(vectors_dir / "soul.bin", vectors_dir / "tokenizer.json", out)


def test_prg_loads_at_0801_with_a_sys_stub(built):
    prg = built.prg_path.read_bytes()
    assert prg[:2] == bytes([0x01, 0x08])
    stub = prg[2:14]
    assert stub[4] == 0x9E and stub[5:9] == b"2061" and stub[9] == 0
    doc = json.loads(built.map_path.read_text())
    assert doc["symbols"]["main"] == 2061
    assert doc["end_address"] == 0x0801 + len(prg) - 2
    assert doc["end_address"] <= 0xD000


def test_build_is_deterministic(built, vectors_dir, tmp_path):
    again = build_player(vectors_dir / "soul.bin", vectors_dir / "tokenizer.json", tmp_path)
    for a, b in ((built.prg_path, again.prg_path), (built.d64_path, again.d64_path),
                 (built.map_path, again.map_path)):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_d64_holds_the_same_prg(built):
    assert read_prg(built.d64_path, "SOULPLAYER") == built.prg_path.read_bytes()
    from d64 import DiskImage
    with DiskImage(built.d64_path) as image:
        assert image.name.rstrip(b"\xa0") == b"SOULPLAYER"


def test_map_follows_the_contract(built, vectors_tokenizer):
    doc = json.loads(built.map_path.read_text())
    assert doc["format"] == "soulterm-map-1" and doc["load_address"] == 0x0801
    assert REQUIRED_KINDS <= {r["kind"] for r in doc["regions"]}
    names = {r["name"] for r in doc["regions"]}
    assert {t.name for t in spec.TENSORS} <= names          # every tensor has a region
    assert doc["vocab"] == [vectors_tokenizer.token_text(i) for i in range(128)]
    att = doc["attention"]
    assert set(att) == {"weights", "context", "context_len", "position", "layer", "head"}
    for r in doc["regions"]:
        assert 0 <= r["start"] < r["end"] <= 0x10000
    for address, file, line in doc["lines"][:: max(1, len(doc["lines"]) // 200)]:
        source = paths.ROOT / file
        assert source.exists() and 1 <= line <= len(source.read_text().splitlines())
    assert doc["symbols"]["matvec"] in {a for a, _, _ in doc["lines"]}


def test_memory_map_text_shows_free_bytes(built):
    text = built.memory_map()
    assert "bytes free" in text and "l0.fc1_w" in text and "KV cache" in text
    assert built.free_bytes >= 0


def test_missing_and_corrupt_inputs_name_the_problem(vectors_dir, tmp_path):
    with pytest.raises(BuildError, match="not found|no such file"):
        build_player(tmp_path / "none.bin", vectors_dir / "tokenizer.json", tmp_path)
    bad = tmp_path / "short.bin"
    bad.write_bytes((vectors_dir / "soul.bin").read_bytes()[:1000])
    with pytest.raises(BuildError, match="tensor"):
        build_player(bad, vectors_dir / "tokenizer.json", tmp_path)
    broken = tmp_path / "tok.json"
    broken.write_text("{not json")
    with pytest.raises(BuildError, match="tokenizer"):
        build_player(vectors_dir / "soul.bin", broken, tmp_path)


def test_unsupported_shift_is_rejected_by_name(vectors_soul, vectors_dir, tmp_path):
    arrays = {name: (t.values, t.shift) for name, t in vectors_soul.tensors.items()}
    arrays["l1.v"] = (arrays["l1.v"][0] // 127, 20)            # s_w + 1 = 21: beyond 15
    path = tmp_path / "wide.bin"
    save_soul(Soul.from_arrays(arrays), path)
    with pytest.raises(BuildError, match="l1.v"):
        build_player(path, vectors_dir / "tokenizer.json", tmp_path / "out")


def test_cli_build_prints_map_and_errors_in_one_line(vectors_dir, tmp_path, capsys):
    rc = cli.main(["build", "--soul", str(vectors_dir / "soul.bin"),
                   "--tokenizer", str(vectors_dir / "tokenizer.json"), "--output", str(tmp_path)])
    out = capsys.readouterr().out
    assert rc == 0 and "bytes free" in out and (tmp_path / "soulplayer.d64").exists()
    rc = cli.main(["build", "--soul", str(tmp_path / "missing.bin"), "--output", str(tmp_path)])
    err = capsys.readouterr().err
    assert rc == 1 and len(err.strip().splitlines()) == 1 and "missing.bin" in err


def test_shipped_disk_is_up_to_date(tmp_path):
    """disk/ must be what `soulterm build --output disk` makes from models/ and kernels/ now."""
    if not paths.DEFAULT_SOUL.exists():
        pytest.skip("models/soul.bin is not there yet: nothing to ship")
    fresh = build_player(paths.DEFAULT_SOUL, paths.DEFAULT_TOKENIZER, tmp_path)
    for name in ("soulplayer.prg", "soulplayer.d64", "soulplayer.map.json"):
        shipped = paths.DISK_DIR / name
        assert shipped.exists(), f"disk/{name} is missing: run `soulterm build --output disk`"
        assert shipped.read_bytes() == (tmp_path / name).read_bytes(), \
            f"disk/{name} is out of date with models/ or kernels/: run `soulterm build --output disk`"


def test_full_disk_during_build_leaves_the_previous_set_intact(tmp_path, monkeypatch):
    import errno

    import soulterm.soul.atomic as atomic
    from conftest import random_soul

    out = tmp_path / "disk"
    first = build_player(paths.DEFAULT_SOUL, paths.DEFAULT_TOKENIZER, out)
    before = {p.name: p.read_bytes() for p in (first.prg_path, first.d64_path, first.map_path)}
    other_soul = tmp_path / "other.bin"
    save_soul(random_soul(3), other_soul)
    real_fsync, calls = atomic.os.fsync, []

    def fsync_then_full(fd):
        calls.append(fd)
        if len(calls) == 2:                     # the PRG is written, the D64 finds the disk full
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(atomic.os, "fsync", fsync_then_full)
    with pytest.raises(BuildError, match="No space left on device"):
        build_player(other_soul, paths.DEFAULT_TOKENIZER, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before     # same three files, no temporaries


def test_cli_build_takes_the_tokenizer_beside_the_soul(project_vectors, tmp_path, capsys):
    rc = cli.main(["build", "--soul", str(project_vectors.soul_path), "--output", str(tmp_path), "--quiet"])
    assert rc == 0, capsys.readouterr().err
    assert (tmp_path / "soulplayer.prg").read_bytes() == paths.DEFAULT_PRG.read_bytes()
    lone = tmp_path / "lone"
    lone.mkdir()
    (lone / "soul.bin").write_bytes(project_vectors.soul_path.read_bytes())
    assert cli.main(["build", "--soul", str(lone / "soul.bin"), "--output", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert str(lone / "tokenizer.json") in err and len(err.strip().splitlines()) == 1


def test_a_word_list_too_long_for_memory_fails_naming_its_bytes(tmp_path):
    """The whole corpus vocabulary (4,649 characters) does not fit beside the shipped soul."""
    from soulterm.player.layout import word_list_include_bytes
    from soulterm.soul.corpus import read_corpus
    from soulterm.soul.spelling import words_of_prompts
    from soulterm.soul.tokenizer import Tokenizer

    prompts = [e.prompt for e in read_corpus(paths.DEFAULT_CORPUS).exchanges]
    words = words_of_prompts(prompts, 100_000)
    tokenizer = Tokenizer.load(paths.DEFAULT_TOKENIZER).with_words(words)
    tokenizer.save(tmp_path / "tokenizer.json")
    with pytest.raises(BuildError) as caught:
        build_player(paths.DEFAULT_SOUL, tmp_path / "tokenizer.json", tmp_path / "out")
    message = str(caught.value)
    needed = len(word_list_include_bytes(tokenizer))
    assert len(message.splitlines()) == 1 and f"needs {needed:,} bytes" in message
    assert "--spelling-chars" in message                    # what to do about it
    free = int(message.split("; ")[1].split(" are free")[0].replace(",", ""))
    assert free < needed
    fits = Tokenizer.load(paths.DEFAULT_TOKENIZER).with_words(words[: len(words) // 3])
    fits.save(tmp_path / "fits.json")
    built = build_player(paths.DEFAULT_SOUL, tmp_path / "fits.json", tmp_path / "out")
    assert len(word_list_include_bytes(fits)) <= free
    listed = [r for r in json.loads(built.map_path.read_text())["regions"]
              if r["name"].startswith("spelling word list")]
    assert len(listed) == 1 and listed[0]["end"] - listed[0]["start"] == len(word_list_include_bytes(fits))
    assert f"({len(fits.words)} words" in listed[0]["name"]
    from soulterm.tui.buildmap import BuildMap

    seen = BuildMap.load(built.map_path).region_at(listed[0]["start"] + 5)    # the TUI's memory map
    assert seen is not None and seen.name == listed[0]["name"] and seen.kind == "tokenizer"


def test_a_norm_whose_gains_are_all_two_to_its_shift_is_flagged_for_rmsnorm():
    """layout.py's <NORM>_UNIT (rmsnorm's rn_unit_gains): set only when every gain is 2^shift."""
    from soulterm.player.layout import soul_include, unit_gains
    from soulterm.soul.soulfile import load_soul

    assert unit_gains([64] * spec.EMBED_DIM, 6) and unit_gains([1] * spec.EMBED_DIM, 0)
    assert not unit_gains([64] * (spec.EMBED_DIM - 1) + [-64], 6)
    assert not unit_gains([64] * spec.EMBED_DIM, 5)
    text = soul_include(load_soul(paths.DEFAULT_SOUL))[0]       # the shipped soul: fixed gains
    assert "L0_N1_UNIT = 1" in text and "NORM_UNIT = 1" in text
