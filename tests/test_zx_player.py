"""The Spectrum soulplayer: the shipped tape is current, it answers as the integer engine, its map."""

from __future__ import annotations

import json

import pytest

from conftest import ORIGINAL_VECTORS, _available, play_zx_prompts
from soulterm.cli import main
from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER, DISK_DIR
from soulterm.player.mapformat import MAP_FORMAT
from soulterm.soul.engine import Engine
from soulterm.soul.soulfile import load_soul
from soulterm.soul.tokenizer import Tokenizer
from soulterm.soul import spec
from soulterm.zx.build import MAP_NAME, ORIGIN, TAP_NAME, assemble_spectrum_player
from soulterm.zx.kernelbench import RAW_MOST_SHIFT


@pytest.fixture(scope="module")
def built():
    return assemble_spectrum_player(DEFAULT_SOUL, DEFAULT_TOKENIZER)


@pytest.fixture(scope="module")
def unplaned():
    """The 48K the ladder builds where the planes' rung does not pay (planes_pay false, a soul of wide
    activations): the shipped one before the twenty-sixth round (zxplanes48), whose FW_PLANES leaves no room
    for MV_COARSE_TOP, the unrolled division, MV_PAIR_JPS_KEPT, MV_CT_RAW and most of SPENDS_48K."""
    import soulterm.zx.build as zx_build

    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(zx_build, "planes_pay", lambda *args: False)
        return assemble_spectrum_player(DEFAULT_SOUL, DEFAULT_TOKENIZER)


def no_planes(monkeypatch):
    """The ladder's rungs below the planes' (tests/test_zx_planes48.py tests that one): planes_pay false."""
    import soulterm.zx.build as zx_build

    monkeypatch.setattr(zx_build, "planes_pay", lambda *args: False)


def test_the_shipped_tape_and_map_are_current(built):
    assert (DISK_DIR / TAP_NAME).read_bytes() == built.tape, "run: soulterm build --machine zx"
    assert (DISK_DIR / MAP_NAME).read_text() == built.map_text, "run: soulterm build --machine zx"


def test_the_player_answers_as_the_integer_engine_and_quits(built):
    engine = Engine(load_soul(DEFAULT_SOUL))
    tokenizer = Tokenizer.load(DEFAULT_TOKENIZER)
    prompts = ["hello", "What's up?", "hi how are you doing today"]   # the last is over the prompt budget
    assert len(tokenizer.encode(prompts[-1])) > tokenizer.prompt_ids
    machine, turns = play_zx_prompts(built.tape, prompts, "soulplayer 48")
    assert turns[2 * len(prompts):2 * len(prompts) + 2] == ["you> q", "bye."]
    assert len(machine.rom.beeps) == sum(len(engine.reply(tokenizer, p).ids) for p in prompts)


def test_the_48k_runs_its_start_from_the_key_caches_last_positions(built):
    """soulplayer.s's start and banner run once: the 48K's tape loads them into layer 1's keys of
    the last positions (START_IN_KEY_CACHE, nineteenth round; three since the twenty-third round's
    test for 128 BASIC), where nothing else of the player lies and only a turn that reaches
    position 17 writes; the line and the tokenizer's
    memory stay below them; the map and the debugger's line map name them; the 128K keeps its
    start in its program. Since the thirty-fourth round (zx48wire34) the 48K keeps no key cache: its packed key
    planes 0..11 lie in that room, the start and banner in their last bytes (layer 1's head 3's planes of its last
    positions, past positions 0 and 1, which a turn keeps), and the line and the tokenizer's memory in the screen's
    middle third (PACKED_LINE_48K: free between a turn's prompt and its reply)."""
    from soulterm.zx.build import (KEY_CACHE_BYTES, PACKED_LINE_48K, PACKED_PLANES_BYTES, SCREEN_THIRD,
                                   START_OVERLAY_BYTES)

    sym = built.program.symbols
    assert "PL_PACKED" in sym and sym["kv_keys"] == sym["kv_planes"]
    end = sym["kv_planes"] + PACKED_PLANES_BYTES
    overlay = end - START_OVERLAY_BYTES
    assert overlay >= sym["kv_planes"] + 2 * sym["PL_LAYER_BYTES"] - sym["PL_HEAD_BYTES"] + 2 * sym["PL_KEY_BYTES"]
    assert sym["start_overlay"] == overlay and sym["start"] < sym["kv_keys"]      # (start: jp start_overlay, thirtieth round)
    assert built.program.data[sym["start"] - ORIGIN:sym["start"] - ORIGIN + 3] == bytes([0xC3, overlay & 0xFF, overlay >> 8])
    assert overlay < sym["banner_text"] < end <= sym["kv_keys"] + KEY_CACHE_BYTES
    assert built.program.data[overlay - ORIGIN:overlay - ORIGIN + 5] == bytes([0x3E, 0x01, 0x32, sym["start"] & 0xFF,
                                                                           sym["start"] >> 8])     # ld a,$01; ld (start),a
    assert sym["line_buffer"] == PACKED_LINE_48K and sym["TK_SCRATCH"] == sym["line_buffer"] + sym["TK_MAX"]
    assert sym["TK_SCRATCH"] + sym["TK_SCRATCH_BYTES"] <= SCREEN_THIRD and sym["line_buffer"] >= sym["pl_tables"] + 512
    assert sym["prompt"] < sym["kv_keys"]
    doc = json.loads(built.map_text)
    assert any(line[0] == overlay and line[1].endswith("soulplayer.s") for line in doc["lines"])
    named = [region for region in doc["regions"] if region["start"] <= overlay < region["end"]]
    assert [region["name"].startswith("attention's packed key planes, layer 1's head 3's last positions")
            for region in named] == [True]
    banked = assemble_spectrum_player(DEFAULT_SOUL, DEFAULT_TOKENIZER, "128k").program.symbols
    assert "start_overlay" not in banked and banked["start"] < banked["prompt"] < banked["kv_keys"]


def test_a_second_randomize_usr_after_q_starts_the_48k_again_though_a_turn_wrote_over_its_start(built):
    """A turn that reaches position 17 writes layer 1's keys there, where the 48K's start ran from
    (START_IN_KEY_CACHE): the shipped soul's replies end sooner, so the keys are written over here
    by hand between two lines. The overlay's first run makes start's jp to it a ld bc,nn (thirtieth
    round: no patch at q), so that RANDOMIZE USR start (the loader's line, typed again on a real 48K)
    runs on into restart, which clears the screen and chats again."""
    from soulterm.zx import Spectrum
    from soulterm.zx.build import START_OVERLAY_BYTES

    start, overlay = built.program.symbols["start"], built.program.symbols["start_overlay"]
    assert built.program.symbols["restart"] == start + 3
    engine, tokenizer = Engine(load_soul(DEFAULT_SOUL)), Tokenizer.load(DEFAULT_TOKENIZER)
    machine = Spectrum()
    machine.load_tap(built.tape)
    machine.type_line("hello")
    assert machine.run(max_cycles=600_000_000, until_idle=True) == "idle"
    assert bytes(machine.memory[start:start + 3]) == bytes([0x01, overlay & 0xFF, overlay >> 8])     # ld bc,start_overlay
    machine.memory[overlay:overlay + START_OVERLAY_BYTES] = bytes(range(START_OVERLAY_BYTES))   # a turn's keys
    machine.type_line("q")
    assert machine.run(max_cycles=600_000_000) == "halted" and not machine.crashed
    machine.stop_message = ""           # back in BASIC: RANDOMIZE USR start
    machine.call(start)
    machine.type_line("what is your name")
    machine.type_line("q")
    assert machine.run(max_cycles=600_000_000) == "halted" and not machine.crashed, machine.stop_message
    screen = [line.rstrip() for line in machine.screen_lines() if line.strip()]
    assert screen[:4] == ["you> what is your name", engine.reply(tokenizer, "what is your name").text,
                          "you> q", "bye."]


def test_the_48k_on_a_128k_in_128_basic_keeps_its_printer_buffer_page_in_a_bank_and_quits_cleanly(built):
    """The 48K's logits lie in the printer buffer, where 128 BASIC (a 128K's menu's Tape Loader) keeps
    its paging routines and variables: soulplayer.s's start finds 128 BASIC (FLAGS bit 4 and a port
    $7FFD that pages) and keep_printer_buffer puts that page in bank SAVED_BANK with the bit off
    while the player runs; q brings both back, so 128 BASIC comes back (soulterm's ROM stops a
    program that returns with the page changed as a crash: it did before the twenty-third round),
    and a second RANDOMIZE USR keeps the page again (docs/spectrum.md, "Twenty-third round: the 48K
    tape through a 128K's Tape Loader")."""
    from soulterm.zx import Spectrum, paging
    from soulterm.zx.rom import FLAGS_128_BASIC, SYSVARS

    sym = built.program.symbols
    saved = slice(sym["SAVED_PAGE"] - paging.PAGED_START, sym["SAVED_PAGE"] - paging.PAGED_START + 256)
    engine, tokenizer = Engine(load_soul(DEFAULT_SOUL)), Tokenizer.load(DEFAULT_TOKENIZER)
    machine = Spectrum(model="128k")
    page = bytes((7 * i + 3) & 0xFF for i in range(256))       # (128 BASIC's, as it might be)
    machine.memory[0x5B00:0x5C00] = page
    assert machine.memory[SYSVARS["FLAGS"]] & FLAGS_128_BASIC          # (soulterm's 128K: 128 BASIC's FLAGS)
    machine.load_tap(built.tape)
    for turn in range(2):
        assert machine.run(max_cycles=100_000_000, until_idle=True) == "idle"
        assert machine.bank(sym["SAVED_BANK"])[saved] == page and machine.paged_bank == 0
        assert not machine.memory[SYSVARS["FLAGS"]] & FLAGS_128_BASIC
        for prompt in ("hello", "what is your name"):
            machine.type_line(prompt)
            assert machine.run(max_cycles=600_000_000, until_idle=True) == "idle"
        machine.type_line("q")
        assert machine.run(max_cycles=100_000_000) == "halted" and not machine.crashed, machine.stop_message
        assert bytes(machine.memory[0x5B00:0x5C00]) == page and machine.memory[SYSVARS["FLAGS"]] & FLAGS_128_BASIC
        screen = [line.rstrip() for line in machine.screen_lines() if line.strip()]
        assert screen[-5:-2] == ["you> what is your name", engine.reply(tokenizer, "what is your name").text,
                                 "you> q"], screen
        machine.stop_message = ""           # back in 128 BASIC: RANDOMIZE USR start
        machine.call(sym["start"])


@pytest.mark.parametrize("model", ["48k", "128k"])
def test_the_48k_keeps_no_page_where_the_port_does_not_page_whatever_flags_bit_4_says(built, model):
    """A 48K (no port $7FFD) or a 128K in 48 BASIC (the port locked), FLAGS bit 4 set as a program may
    leave it (48 BASIC does not use it): the start's test writes bank SAVED_BANK's byte at SAVED_PAGE,
    finds bank 0's changed instead and puts it back, and keep_printer_buffer is a RET: the printer
    buffer is the logits', out's rows at SAVED_PAGE stay, the player answers as the engine and quits."""
    from soulterm.zx import Spectrum, paging
    from soulterm.zx.rom import FLAGS_128_BASIC, SYSVARS

    sym = built.program.symbols
    engine, tokenizer = Engine(load_soul(DEFAULT_SOUL)), Tokenizer.load(DEFAULT_TOKENIZER)
    machine = Spectrum(model=model)
    if model == "128k":
        machine.page(paging.ROM_48 | paging.LOCK)          # (48 BASIC from the 128's menu)
    machine.memory[SYSVARS["FLAGS"]] |= FLAGS_128_BASIC
    machine.load_tap(built.tape)
    tape_page = bytes(machine.memory[sym["SAVED_PAGE"]:sym["SAVED_PAGE"] + 256])
    assert machine.run(max_cycles=100_000_000, until_idle=True) == "idle"
    assert machine.memory[sym["keep_printer_buffer"]] == 0xC9 and machine.model == model      # RET
    assert bytes(machine.memory[sym["SAVED_PAGE"]:sym["SAVED_PAGE"] + 256]) == tape_page
    assert machine.memory[SYSVARS["FLAGS"]] & FLAGS_128_BASIC
    machine.type_line("nice to meet you")
    machine.type_line("q")
    assert machine.run(max_cycles=600_000_000) == "halted" and not machine.crashed, machine.stop_message
    screen = [line.rstrip() for line in machine.screen_lines() if line.strip()]
    assert screen[-5:-2] == ["you> nice to meet you", engine.reply(tokenizer, "nice to meet you").text, "you> q"]


def test_the_48k_leaves_out_matvecs_right_shift_only_when_no_product_shifts_past_seven(built, tmp_path):
    """The shipped soul's products shift by 4..7 (its matrices' shifts + 1, out's own): the 48K takes
    MV_LEAST_SHIFT = 4 (build.least_shift; matvec.s without mv_right_bytes and the right chain, the
    left chain 3 steps), the 128K keeps both chains. A soul with one product past 7 (l0.v's shift 7,
    or the vectors soul's) gets the right chain back."""
    from soulterm.soul import spec
    from soulterm.soul.soulfile import Soul, save_soul
    from soulterm.zx.build import least_shift

    shipped = load_soul(DEFAULT_SOUL)
    assert least_shift(shipped) == 4 and least_shift(load_soul(_available(ORIGINAL_VECTORS).soul_path)) is None
    assert built.program.symbols["MV_LEAST_SHIFT"] == 4 and "mv_right_bytes" not in built.program.symbols
    banked = assemble_spectrum_player(DEFAULT_SOUL, DEFAULT_TOKENIZER, "128k").program.symbols
    assert "MV_LEAST_SHIFT" not in banked and "mv_right_bytes" in banked
    arrays = {t.name: (shipped[t.name].values, shipped[t.name].shift) for t in spec.TENSORS}
    arrays["l0.v"] = (arrays["l0.v"][0], 7)
    path = tmp_path / "soul.bin"
    save_soul(Soul.from_arrays(arrays), path)
    assert least_shift(load_soul(path)) is None
    other = assemble_spectrum_player(path, DEFAULT_TOKENIZER).program.symbols
    assert "MV_LEAST_SHIFT" not in other and "mv_right_bytes" in other


def test_the_map_has_the_c64_maps_format(built):
    doc = json.loads(built.map_text)
    assert doc["format"] == MAP_FORMAT and doc["machine"] == "zx-spectrum-48k"
    assert doc["load_address"] == ORIGIN and doc["end_address"] == built.program.end
    assert set(doc["attention"]) == {"weights", "context", "context_len", "position", "layer", "head"}
    assert doc["attention"]["weights"] == doc["symbols"]["att_weights"]
    assert len(doc["vocab"]) == 128 and doc["vocab"][4] == " "
    regions = doc["regions"]
    for before, after in zip(regions, regions[1:]):
        assert before["end"] <= after["start"], (before, after)
    assert regions[-1]["end"] == built.program.end
    assert {row[1] for row in doc["lines"]} >= {"kernels/z80/matvec.s", "kernels/z80/soulplayer.s"}


def test_build_command_writes_the_tape(tmp_path, capsys):
    assert main(["build", "--machine", "zx", "--output", str(tmp_path), "--quiet"]) == 0
    assert (tmp_path / TAP_NAME).read_bytes() == (DISK_DIR / TAP_NAME).read_bytes()
    out = capsys.readouterr().out
    # (no note: the shipped 48K takes its ladder's first rung, the fast scores with every option)
    assert "soulplayer.tap" in out and "note:" not in out


def test_build_command_says_when_the_48k_has_no_room_for_the_coarse_calls(tmp_path, capsys, monkeypatch):
    import soulterm.zx.build as zx_build

    monkeypatch.setattr(zx_build, "coarse_fits", lambda *args, **kwargs: False)
    assert main(["build", "--machine", "zx", "--output", str(tmp_path), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "no room for the coarse calls" in out and "soulplayer.tap" in out
    assert (tmp_path / TAP_NAME).read_bytes() != (DISK_DIR / TAP_NAME).read_bytes()


def test_the_48k_takes_the_slot_pairs_before_the_logits_rows_own_end(built, unplaned, monkeypatch):
    """The shipped 48K has room for MV_PAIR_SLOTS, MV_COARSE_TOP and AT_DIVIDE_UNROLLED (since the
    eighteenth round's RN_UNIT_GAIN_BITS); a soul with room for less loses the unrolled division
    first, then MV_COARSE_TOP: one with room for one of the two gets the pairs (the larger gain),
    one with room for only the other gets it (coarse_fits says which fit)."""
    import soulterm.zx.build as zx_build

    def options(program):
        return tuple(name in program.symbols for name in ("mv_even_skip", "mv_coarse_top", "AT_DIVIDE_UNROLLED"))

    assert options(unplaned.program) == (True, True, True)
    # (the planes' rung, twenty-sixth round; its rungs have no MV_COARSE_TOP since SOUL_OUT_PLANES, twenty-seventh
    # round, zxlogits48, and the room the logits' planes leave holds the unrolled division)
    assert options(built.program) == (True, False, True)
    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    no_planes(monkeypatch)
    for fitting in ((True, True, False), (True, False, False), (False, True, False), (False, False, False)):
        monkeypatch.setattr(zx_build, "coarse_fits",
                            lambda *args, coarse_top=False, pairs=True, unrolled=False, fitting=fitting,
                            fast_scores=False, **kwargs: (pairs, coarse_top, unrolled) == fitting and not fast_scores)
        program = zx_build.assemble_player(soul, tokenizer, word_list=False)
        assert options(program) == fitting


def test_the_48k_takes_the_slot_pairs_only_for_a_soul_they_pay_for(built, monkeypatch):
    """pairs_pay (twenty-second round): the slot pairs (MV_PAIR_SLOTS) gain a narrow call's products and
    lose a full call's, so the 48K's ladder keeps their rungs only for a soul whose calls, on the engine's
    activations for a few fixed lines, run mostly narrow: the shipped soul's (all of them), not a random
    soul's (wide activations: mostly full calls), which gets the first rung without them where every
    rung fits."""
    import soulterm.zx.build as zx_build
    from conftest import random_soul

    shipped, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    assert zx_build.pairs_pay(shipped, tokenizer) and "mv_even_skip" in built.program.symbols
    for seed in range(3):
        soul = random_soul(seed)
        assert not zx_build.pairs_pay(soul, tokenizer), seed
        chosen = []
        monkeypatch.setattr(zx_build, "coarse_fits", lambda *args, **kwargs: True)
        monkeypatch.setattr(zx_build, "_assemble_48k", lambda *args, **kwargs: chosen.append(kwargs))
        zx_build.assemble_player(soul, tokenizer, word_list=False)
        rungs = zx_build.planes_rungs(zx_build.RUNGS_48K) if chosen[0]["planes_48k"] else zx_build.RUNGS_48K
        want = next(rung for rung in rungs if not rung[0])
        assert [(kwargs["pairs"], kwargs["coarse_top"], kwargs["unrolled"]) for kwargs in chosen] == [want]


def test_the_vectors_souls_48k_is_faster_without_the_slot_pairs(monkeypatch):
    """The vectors soul (another soul, of mostly full calls: ~6% of its products narrow) builds its 48K
    without the slot pairs, which it has the room for since the twenty-second round's zxroom48: its
    first positions of "hello" take fewer T-states than on the build with them (pairs_pay forced)."""
    import soulterm.zx.build as zx_build
    from soulterm.zx.kernelbench import player_bench

    vectors = _available(ORIGINAL_VECTORS)      # (skips without ../shared)
    soul, tokenizer = load_soul(vectors.soul_path), Tokenizer.load(vectors.tokenizer_path)
    assert not zx_build.pairs_pay(soul, tokenizer)
    context = tokenizer.encode_turn("hello")[:3]

    def prefill_t_states(bench):
        total = 0
        for position, token in enumerate(context):
            bench.poke(bench.sym("fw_token"), [token])
            bench.poke(bench.sym("fw_pos"), [position])
            total += bench.call("forward_prefill", max_t_states=40_000_000)
        return total

    chosen = player_bench(soul, tokenizer)
    assert "mv_even_skip" not in chosen.symbols
    monkeypatch.setattr(zx_build, "pairs_pay", lambda *args: True)
    paired = player_bench(soul, tokenizer)
    assert "mv_even_skip" in paired.symbols     # (the room for them: the rung a soul-blind ladder took)
    assert prefill_t_states(chosen) < prefill_t_states(paired)


def test_the_48k_tries_the_fast_scores_first_with_each_option_set(unplaned, monkeypatch):
    """build.py's 48K ladder (twentieth round): AT_FAST_SCORES with each of RUNGS_48K's option sets
    first (they gain more than the slot pairs: 3.5% of "hello" a position against 1.3%), then the
    sets without them; the first that coarse_fits takes is assembled with its key sums at
    KEY_SUMS_48K. The shipped 48K has them, their key sums in the screen's hidden third; with the
    key sums in the program instead (KEY_SUMS_48K None) the shipped soul and list left no room for
    them with the first set (twenty-first round: with the smallest set alone, AT_FAST_SCORES ~60 bytes
    shorter) until z moved into the third too (zxwide48: build.THIRD_FFN, 128 bytes more), and the
    ladder goes down where a set does not fit."""
    import soulterm.zx.build as zx_build

    sym = unplaned.program.symbols
    assert unplaned.fast_scores and sym["kv_key_sums"] == zx_build.THIRD_KEY_SUMS
    assert all(name in sym for name in ("mv_even_skip", "mv_coarse_top", "AT_DIVIDE_UNROLLED"))
    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    no_planes(monkeypatch)
    assert zx_build.coarse_fits(soul, tokenizer, True, coarse_top=False, pairs=False, fast_scores=True)
    monkeypatch.setattr(zx_build, "KEY_SUMS_48K", None)
    pairs, coarse_top, unrolled = zx_build.RUNGS_48K[0]
    assert zx_build.coarse_fits(soul, tokenizer, True, coarse_top=coarse_top, pairs=pairs, unrolled=unrolled,
                                fast_scores=True)
    for fitting in [(True, rung) for rung in zx_build.RUNGS_48K] + [(False, zx_build.RUNGS_48K[0])]:
        tried, chosen = [], []
        monkeypatch.setattr(zx_build, "KEY_SUMS_48K", 0x5000)

        def fits(*args, coarse_top=False, pairs=True, unrolled=False, fast_scores=False, fitting=fitting,
                 fast_takebacks=(), **kwargs):
            if (fast_takebacks or kwargs.get("jps_kept") or kwargs.get("raw_top") or kwargs.get("wide_sparse")
                    or kwargs.get("short_ends") or kwargs.get("row_marks")):
                return False            # (no room for the cuts taken back, nor MV_PAIR_JPS_KEPT, nor MV_CT_RAW,
                                        # nor FW_WIDE_SPARSE, nor MV_HZ_ENDS, nor te's and pe's marks: the next tests)
            tried.append((fast_scores, (pairs, coarse_top, unrolled)))
            return (fast_scores, (pairs, coarse_top, unrolled)) == fitting

        monkeypatch.setattr(zx_build, "coarse_fits", fits)
        monkeypatch.setattr(zx_build, "_assemble_48k", lambda *args, **kwargs: chosen.append(kwargs))
        zx_build.assemble_player(soul, tokenizer, word_list=False)
        order = [(True, rung) for rung in zx_build.RUNGS_48K] + [(False, rung) for rung in zx_build.RUNGS_48K]
        assert tried == order[:order.index(fitting) + 1]
        assert [(kwargs["fast_scores"], (kwargs["pairs"], kwargs["coarse_top"], kwargs["unrolled"]))
                for kwargs in chosen] == [fitting]
        assert [kwargs.get("fast_takebacks", ()) for kwargs in chosen] == [()]
    source = zx_build.player_source(soul, tokenizer, False, fast_scores=True, key_sums=0x5000)
    assert "kv_key_sums = $5000" in source and "the key sums (kv_key_sums) must lie in RAM outside" in source


def test_the_48k_takes_back_the_fast_scores_cuts_it_has_room_for(built, unplaned, monkeypatch):
    """build.py's SPENDS_48K: with the fast scores' rung, matvec.s's MV_HZ_ENDS (twenty-fourth round; first
    since zxends48b's mv_hz_wide, ~125 T-states a byte), each cut for room taken back (FAST_TAKEBACKS_48K,
    twentieth round) and forward.s's FW_WIDE_SPARSE (twenty-third round, after the first cut) in order of
    the T-states a byte each buys, where it still fits (coarse_fits), the rest skipped (all of them at once
    where all fit); the shipped 48K takes MV_HZ_ENDS, AT_FAST_SUMS_JP and FW_WIDE_SPARSE (back beside MV_HZ_ENDS'
    368 bytes since zxwide48: te and pe without marks, z in the screen's third) and, since zxroom48c (fc1's
    biases folded, MV_FOLDED_BIAS, the chat window in their room), every cut (the kernels' bench of
    tests/test_zx_speed.py takes every cut and MV_HZ_ENDS, no FW_WIDE_SPARSE)."""
    import soulterm.zx.build as zx_build
    from soulterm.zx.kernelbench import FAST_TAKEBACK_OPTIONS

    spends = zx_build.SPENDS_48K
    assert sorted(zx_build.FAST_TAKEBACKS_48K) == sorted(FAST_TAKEBACK_OPTIONS)
    assert spends == (zx_build.NARROW_MARKS_48K + (zx_build.HZ_ENDS_48K,) + zx_build.FAST_TAKEBACKS_48K[:1]
                      + (zx_build.WIDE_SPARSE_48K,) + zx_build.FAST_TAKEBACKS_48K[1:4]
                      + (zx_build.LEADING_ZEROS_48K, zx_build.ROW_MARKS_48K)
                      + zx_build.FAST_TAKEBACKS_48K[4:]      # (zx48att32: the leading 0s, the marks before the pairs;
                      + (zx_build.SHORT_MADE_48K,))          # zx48rows35: planes.s's narrow rows' marks first, on the
    # planes' rungs alone; zx48ffn35: NZ_SHORT_MADE with matvec_nz alone, last)
    spends = spends[len(zx_build.NARROW_MARKS_48K):]
    assert [name for name in spends if name in unplaned.program.symbols] == list(spends[:-1])
    assert "fw_wide_sparse" in unplaned.program.symbols and "mv_hz_wide" in unplaned.program.symbols
    assert "at_dims_h4" in unplaned.program.symbols and "at_fast_wide_q" in unplaned.program.symbols
    assert unplaned.program.symbols["AT_DIM_SIZE"] == 50      # (jp nc; 53 before the twenty-first round)
    # (the shipped 48K's planes' rung has the room for the first cut alone: twenty-sixth round; with attention's
    # output on the tables' first page for three, zxroom48d; with the logits by out's planes, zxlogits48, for
    # FW_WIDE_SPARSE and five of the cuts: all but MV_HZ_ENDS, AT_FAST_PIECE_PAIRS and AT_FAST_SUMS_PAIRS; with fc2 by
    # nzmatvec.s's matvec_nz, zxsparse48, five cuts, all but AT_FAST_MAX_PATCHED and AT_FAST_SUMS_PAIRS, and no
    # FW_WIDE_SPARSE: its sparse calls are gone; with zxnzrow's shorter matvec_nz AT_FAST_MAX_PATCHED too; with
    # zxatt48b's table means adding a weight of 1's 2 v whole, attention.s's @one, AT_FAST_MAX_PATCHED not again; with
    # zxplanes28's planes.s without classes, WP_NO_CLASSES, AT_FAST_MAX_PATCHED back: all but AT_FAST_SUMS_PAIRS; with
    # zxroom48e's room, MV_HZ_ENDS first with matvec_nz: MV_HZ_ENDS and AT_FAST_SUMS_JP, no other cut; with zx48pos29's
    # at_lut in att_weights, AT_LUT_IN_WEIGHTS, 21 bytes more: AT_FAST_DIMS_JP and AT_FAST_H4_APART too; with
    # zx48logits30's 34 bytes fewer in the logits and zx48room30's SHORT_FORMS and start's jp, 31 bytes more after
    # AT_ONE_OWN_END's 9: AT_FAST_RANGE_APART and AT_FAST_MAX_PATCHED too; with zx48pack30's word list, its first
    # characters shared, SP_FIRST_SHARED, 30 bytes more: AT_FAST_PIECE_PAIRS in AT_FAST_MAX_PATCHED's place; with
    # zx48ffn32's short gate, MV_GATE_SHORT, ~30 bytes fewer in matvec.s: AT_FAST_MAX_PATCHED back too; with
    # zx48att32's AT_SKIP_LEADING_ZEROS and EM_ROW_MARKS before them in SPENDS_48K, both in their place; with
    # zx48norm33's RN_UNIT_SHIFT, 21 bytes fewer in rmsnorm.s, AT_FAST_MAX_PATCHED back, AT_FAST_PIECE_PAIRS 27 short)
    # (since zx48wire34 the shipped 48K's scores by packed key planes: no cut of the squares' to take back; MV_HZ_ENDS,
    # AT_SKIP_LEADING_ZEROS and EM_ROW_MARKS; zx48ffn35's NZ_SHORT_MADE, 45 bytes, in the 28 zx48room35's run-time
    # variables freed besides the 26 left; since the thirty-sixth round's WP_TOPS_BYTES, tried before them, no MV_HZ_ENDS;
    # since zxfc2_37's fc2 by x's bits, 146 bytes freed and no NZ_SHORT_MADE: MV_HZ_ENDS, whose 368 bytes leave 1; since
    # zx48norms38's RMSNorm tables, ~150 bytes, no MV_HZ_ENDS again: AT_SKIP_LEADING_ZEROS and EM_ROW_MARKS, 111 left)
    assert [name for name in spends if name in built.program.symbols] == [zx_build.LEADING_ZEROS_48K,
                                                                          zx_build.ROW_MARKS_48K]
    assert built.program.symbols["SP_FIRST_SHARED"] == 1
    sym = built.program.symbols       # (and SHORT_FORMS' exp_lut before attend_head, in one page: its 8-bit index)
    assert sym["SHORT_FORMS"] == sym["AT_ONE_OWN_END"] == sym["AT_EXP_FIRST"] == 1
    # (zx48proj39: matvec.s's 84 bytes more move exp_lut from $9196 to $91EA, across a page, so attend_head@near takes
    # its crossing form, adc a,n / sub l / ld h,a for ld h,n: 2 bytes, 435 T-states a reply step of "do you like
    # music", 54 weights a step; the merge's layout decides where it lands; zx48colpairs39b's matvec.s 4 bytes fewer:
    # $91E6, still across)
    assert sym["exp_lut"] < sym["attend_head"] and ((sym["exp_lut"] & 255) + sym["AT_EXP_ONES"] <= 256
                                                    or sym["exp_lut"] == 0x91E6)
    assert "matvec_nz" in built.program.symbols and "fw_wide_sparse" not in built.program.symbols
    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    no_planes(monkeypatch)
    sizes = dict(zip(spends, (368, 3, 275, 16, 25, 21, 21, 57, 67, 21, 73)))     # (about their bytes)
    apart = (zx_build.WIDE_SPARSE_48K, zx_build.HZ_ENDS_48K, zx_build.ROW_MARKS_48K)     # (not fast_takebacks)
    for room, want in ((0, ()), (50, (spends[1],) + spends[3:5]), (90, (spends[1],) + spends[3:7]),
                       (170, (spends[1],) + spends[3:8] + spends[9:10]),
                       (300, spends[1:4]), (400, spends[:2] + spends[3:4]), (662, spends[:4]),
                       (947, spends[:-1])):   # (all at once where all fit; NZ_SHORT_MADE with matvec_nz alone)
        chosen = []
        monkeypatch.setattr(zx_build, "coarse_fits", lambda *args, fast_scores=False, fast_takebacks=(), room=room,
                            wide_sparse=False, short_ends=False, row_marks=False, **kwargs: fast_scores
                            and sum(sizes[name] for name in fast_takebacks) + sizes[zx_build.WIDE_SPARSE_48K]
                            * wide_sparse + sizes[zx_build.HZ_ENDS_48K] * short_ends
                            + sizes[zx_build.ROW_MARKS_48K] * row_marks <= room)
        monkeypatch.setattr(zx_build, "_assemble_48k", lambda *args, **kwargs: chosen.append(kwargs))
        zx_build.assemble_player(soul, tokenizer, word_list=False)
        assert [(kwargs["fast_takebacks"], kwargs["wide_sparse"], kwargs["short_ends"], kwargs.get("row_marks", False))
                for kwargs in chosen] == [
            (tuple(name for name in want if name not in apart), zx_build.WIDE_SPARSE_48K in want,
             zx_build.HZ_ENDS_48K in want, zx_build.ROW_MARKS_48K in want)], room


def test_the_48k_keeps_the_pairs_jps_where_they_fit(unplaned, monkeypatch):
    """MV_PAIR_JPS_KEPT (twenty-first round): a rung with the slot pairs takes it where it fits (coarse_fits),
    before the fast scores' cuts taken back (it buys more T-states a byte than any of them); the shipped
    48K has it with every cut taken back, a soul with no room for it the pairs as before."""
    import soulterm.zx.build as zx_build

    assert "mv_pairs_back" in unplaned.program.symbols and "mv_even_skip" in unplaned.program.symbols
    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    no_planes(monkeypatch)
    for room_for_it in (True, False):
        chosen = []
        monkeypatch.setattr(zx_build, "coarse_fits", lambda *args, jps_kept=False, fast_takebacks=(), fits=room_for_it,
                            **kwargs: (fits or not jps_kept) and not fast_takebacks)
        monkeypatch.setattr(zx_build, "_assemble_48k", lambda *args, **kwargs: chosen.append(kwargs))
        zx_build.assemble_player(soul, tokenizer, word_list=False)
        assert [(kwargs["pairs"], kwargs.get("jps_kept", False)) for kwargs in chosen] == [(True, room_for_it)]


def test_the_48k_takes_the_raw_logits_rows_where_they_fit(unplaned, monkeypatch):
    """MV_CT_RAW (twenty-second round): a rung with MV_COARSE_TOP takes the raw logits' rows (logitsraw.s's
    bound, the rows through mv_coarse_top's last doublings) where they fit, before the fast scores' cuts
    taken back, and only where out's shift is RAW_MOST_SHIFT or less (raw_rows_take); the shipped 48K has
    them, its out matrix from row 3 on (SOUL_OUT_CHOOSABLE) and the map holding rows 0..2 for the lens."""
    import soulterm.zx.build as zx_build

    built = unplaned
    sym = built.program.symbols
    assert sym["MV_CT_RAW"] == 1 and "am_rows" in sym and sym["fw_logits_bound"] < 0x8000    # (logitsraw.s's, cold)
    assert sym["mv_coarse_raw"] == sym["mv_coarse_top@store"] - 2
    assert sym["soul_out_start"] == sym["soul_out"] + 3 * (3 + spec.EMBED_DIM) == sym["soul_out_choosable"]
    region = next(r for r in built.regions if r.start == sym["soul_out_start"])
    assert region.name.startswith("out (rows 3..127") and region.end == sym["soul_out"] + 128 * (3 + spec.EMBED_DIM)
    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    assert json.loads(built.map_text)["lens_rows_apart"] == [[int(w) for w in row] for row in soul["out"].values[:3]]
    no_planes(monkeypatch)
    for room_for_it, shift in ((True, 4), (False, 4), (True, 6)):
        chosen = []
        monkeypatch.setattr(zx_build, "raw_rows_take", lambda soul, shift=shift: shift <= RAW_MOST_SHIFT)
        monkeypatch.setattr(zx_build, "coarse_fits", lambda *args, raw_top=False, fast_takebacks=(), fits=room_for_it,
                            **kwargs: (fits or not raw_top) and not fast_takebacks)
        monkeypatch.setattr(zx_build, "_assemble_48k", lambda *args, **kwargs: chosen.append(kwargs))
        zx_build.assemble_player(soul, tokenizer, word_list=False)
        assert [(kwargs["coarse_top"], kwargs.get("raw_top", False)) for kwargs in chosen] == [
            (True, room_for_it and shift <= RAW_MOST_SHIFT)], (room_for_it, shift)


def test_the_48k_takes_the_wide_sparse_fc2_where_it_fits(unplaned, monkeypatch):
    """FW_WIDE_SPARSE (the 128K's since the twenty-second round, the 48K's since the twenty-third): a
    rung takes it where it fits, before the fast scores' cuts taken back (~65 T-states a byte on
    "hello" against AT_FAST_SUMS_PAIRS's ~6); the shipped 48K had it in the room of MV_SHORT_K's
    2-byte row constants until zxends48b, whose MV_HZ_ENDS (first on the ladder) takes that room, and has
    it again since zxwide48 (te and pe without marks, z in the screen's third: build.THIRD_FFN)."""
    import soulterm.zx.build as zx_build

    sym = unplaned.program.symbols
    assert sym["FW_WIDE_SPARSE"] == 1 and sym["MV_SHORT_K"] == 1 and sym["MV_HZ_ENDS"] == 1
    assert sym["fw_ffn"] == zx_build.THIRD_FFN
    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    no_planes(monkeypatch)
    for room_for_it in (True, False):
        chosen = []
        monkeypatch.setattr(zx_build, "coarse_fits", lambda *args, wide_sparse=False, fast_takebacks=(),
                            fits=room_for_it, **kwargs: (fits or not wide_sparse) and not fast_takebacks)
        monkeypatch.setattr(zx_build, "_assemble_48k", lambda *args, **kwargs: chosen.append(kwargs))
        zx_build.assemble_player(soul, tokenizer, word_list=False)
        assert [kwargs.get("wide_sparse", False) for kwargs in chosen] == [room_for_it]


def test_run_without_max_cycles_lets_a_typo_prompt_finish_its_reply(capsys):
    """The default budget is the Spectrum's 30 s, not the C64's 30M cycles (a few Z80 tokens)."""
    prompt = "i'm so nagry"
    assert main(["run", str(DISK_DIR / TAP_NAME), "--type", prompt, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    lines = [line.rstrip() for line in report["screen"] if line.strip()]
    expected = Engine(load_soul(DEFAULT_SOUL)).reply(Tokenizer.load(DEFAULT_TOKENIZER), prompt)
    assert lines[-3:] == [f"you> {prompt}", expected.text, "you>"]


def test_run_until_idle_stops_when_the_player_waits_for_the_next_line(capsys):
    assert main(["run", str(DISK_DIR / TAP_NAME), "--type", "hello", "--until-idle", "--json",
                 "--max-cycles", "300000000"]) == 0
    report = json.loads(capsys.readouterr().out)
    lines = [line.rstrip() for line in report["screen"] if line.strip()]
    expected = Engine(load_soul(DEFAULT_SOUL)).reply(Tokenizer.load(DEFAULT_TOKENIZER), "hello")
    assert report["stopped"] == "idle"
    assert lines[-3:] == ["you> hello", expected.text, "you>"]
    assert len(report["sid_gate_on"]) == len(expected.ids)      # one blip a reply token
    positions = len(expected.context) + len(expected.ids)
    assert report["cycles"] < 6_200_000 * positions   # the turn's budget, boot and typing included


def test_the_48k_player_has_fc2_by_its_nonzero_inputs_and_splits_its_word_list(built, unplaned):
    sym = built.program.symbols
    # fc2 by nzmatvec.s's matvec_nz (zxsparse48), its chain on planes.s's tables: no sparse call left (no MV_SPARSE);
    # without the planes' rung matvec's sparse calls as before
    assert "matvec_nz" in sym and "mv_sparse_part" not in sym and sym["nz_chain"] == sym["wp_table_pages"]
    assert "mv_sparse_part" in unplaned.program.symbols and "matvec_nz" not in unplaned.program.symbols
    # the list's bits fill the top of RAM to $FFFF and go on at the cold part's end or, where the top
    # has room for them all (since the twentieth round's layer 1 values in the screen's third), lie
    # there whole: its characters' ids and last bits at the cold part's end
    assert sym["sp_words_end"] == built.program.end
    assert sym["sp_words_end"] == 0x10000 or sym["sp_word_bits_rest"] == sym["sp_words_low_end"]
    assert sym["sp_words_low"] < sym["sp_words_low_end"] <= 0x8000 and sym["sp_word_bits_rest"] <= sym["sp_words_low_end"]
    names = {region.name for region in built.regions}
    assert "word list: its characters' ids and last bits" in names
    # (the top's part where the code leaves room there: none since zxroom48d, the kernels to $FFFF)
    assert ("word list (spelling rule)" in names) == (sym["sp_words"] < sym["sp_words_end"])


def test_the_48k_player_has_the_coarse_calls_where_the_soul_leaves_room(built):
    """The shipped soul: MV_COARSE and MV_BIAS_IN_K, in the room SOUL_PACKED (te and pe packed,
    equal gains once) and vecops.s and the biases below $8000 make. The vectors soul has them
    too since the sixteenth round's vector steps (zxvec: no vec_add_sat, vec_relu or fw_tmp in
    the player) left it 109 bytes; with 326 bytes of kernels past $FFFF before, it had none. Since the thirty-sixth
    round (zx48fc1g36) the shipped soul's fc1s run by fc1planes.s's byte masks (FW_FC1_BYTES): MV_COARSE's layout
    with no coarse call left (MV_COARSE_UNCALLED: no mv_coarse_on); the vectors soul, off the planes' rungs, keeps it."""
    sym = built.program.symbols
    assert {"MV_COARSE", "MV_COARSE_UNCALLED", "FW_FC1_BYTES", "MV_BIAS_IN_K", "SOUL_PACKED", "em_unpack"} <= set(sym)
    assert "mv_coarse_on" not in sym
    assert sym["em_unpack"] < 0x8000 and sym["soul_l0_fc2_b"] < 0x8000 and sym["soul_norm"] == sym["soul_l0_n1"]
    assert sym["soul_te_end"] - sym["soul_te"] < 3000                # 4,096 unpacked
    vectors = _available(ORIGINAL_VECTORS)      # (skips without ../shared)
    other = assemble_spectrum_player(vectors.soul_path, vectors.tokenizer_path).program.symbols
    assert {"mv_coarse_on", "MV_BIAS_IN_K", "SOUL_PACKED", "em_unpack"} <= set(other)
    assert other["em_unpack"] < 0x8000 and other["soul_l0_fc1_b"] < 0x8000


def test_the_48k_folds_fc1s_biases_where_its_calls_are_narrow(built):
    """matvec.s's MV_FOLDED_BIAS (twenty-fifth round, build.folded_bias: the 48K's with MV_PAIR_SLOTS, taken
    for a soul whose calls are narrow): fc1's biases are left out (in its row constants alone), the layer
    descriptors' fc1 bias word is MV_BIAS_FOLDED and soulplayer.s's chat window lies in the cold part, in
    their room; the vectors soul, whose calls are mostly full (no pairs), keeps its fc1 biases below $8000
    and its chat window above, as before."""
    from soulterm.zx.build import UNCONTENDED
    from soulterm.zx.soul_layout import FOLDED_BIASES

    sym = built.program.symbols
    assert sym["MV_FOLDED_BIAS"] == 1 and sym["MV_PAIR_SLOTS"] == 1
    assert not any("soul_" + name.replace(".", "_") in sym for name in FOLDED_BIASES)
    data, origin = built.program.data, built.program.origin
    for layer in range(spec.N_LAYERS):      # (forward.s's FD_FC1: the matrix's word, then the bias's)
        fc1 = sym[f"soul_layer{layer}"] + sym["FD_FC1"] - origin
        assert data[fc1:fc1 + 4] == bytes([sym[f"soul_l{layer}_fc1_w"] & 255, sym[f"soul_l{layer}_fc1_w"] >> 8,
                                           sym["MV_BIAS_FOLDED"], 0])
    assert sym["chat_put"] < UNCONTENDED and sym["hide_third"] < UNCONTENDED
    assert not any(region.name.startswith(("l0.fc1_b", "l1.fc1_b")) for region in built.regions)
    vectors = _available(ORIGINAL_VECTORS)      # (skips without ../shared)
    other = assemble_spectrum_player(vectors.soul_path, vectors.tokenizer_path).program.symbols
    assert "MV_FOLDED_BIAS" not in other and "MV_PAIR_SLOTS" not in other
    assert other["soul_l0_fc1_b"] < UNCONTENDED and other["chat_put"] >= UNCONTENDED


def test_the_48k_keeps_te_and_pe_marks_in_the_room_its_spends_leave(built, monkeypatch):
    """vecops.s's EM_ROW_MARKS (twenty-fifth round): the ladder's last rung, te's and pe's marks every 8 rows
    (soul_layout.PACK_KEPT_MARK_ROWS: em_unpack's walk from them, ~1,450 T-states a position of "hello" for 57
    bytes), taken where the room is left after SPENDS_48K (coarse_fits), else none; the shipped 48K had them
    since fc1's biases folded (MV_FOLDED_BIAS) left the room, until the logits by out's planes (twenty-seventh
    round, zxlogits48) made room for FW_WIDE_SPARSE, which leaves too little for them; again since planes.s without
    classes (twenty-eighth round, zxplanes28, WP_NO_CLASSES) with zxatt48b's @one, where AT_FAST_SUMS_PAIRS does not fit;
    not since MV_HZ_ENDS comes first with matvec_nz (zxroom48e), whose 368 bytes leave 1. Since zx48att32 a spend of
    SPENDS_48K's itself (ROW_MARKS_48K, before AT_FAST_PIECE_PAIRS, which buys less: python
    benchmarks/zx48_forced_spends.py), and the last rung's only on a rung without the spends; the shipped 48K has them
    again, in AT_FAST_PIECE_PAIRS' room, and since the thirty-sixth round beside WP_TOPS_BYTES, without MV_HZ_ENDS;
    not since the thirty-seventh round's fc2 by x's bits (zxfc2_37) freed the room for MV_HZ_ENDS, which leaves 1; again
    since the thirty-eighth round's RMSNorm tables (zx48norms38) leave MV_HZ_ENDS no room."""
    import soulterm.zx.build as zx_build
    from soulterm.zx.soul_layout import PACK_KEPT_MARK_ROWS

    sym = built.program.symbols
    assert "EM_ROW_MARKS" in sym and PACK_KEPT_MARK_ROWS == 8
    assert "WP_TOPS_BYTES" in sym and "MV_HZ_ENDS" not in sym     # (the thirty-sixth round's logits; MV_HZ_ENDS out
                                                                  # for the norms' tables, zx48norms38)
    assert "AT_FAST_PIECE_PAIRS" not in sym
    takebacks = zx_build.FAST_TAKEBACKS_48K[:4] + (zx_build.LEADING_ZEROS_48K,) + zx_build.FAST_TAKEBACKS_48K[4:]
    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    for room_for_it in (True, False):
        chosen = []
        monkeypatch.setattr(zx_build, "coarse_fits", lambda *args, row_marks=False, fits=room_for_it,
                            **kwargs: fits or not row_marks)
        monkeypatch.setattr(zx_build, "_assemble_48k", lambda *args, **kwargs: chosen.append(kwargs))
        zx_build.assemble_player(soul, tokenizer, word_list=False)
        assert [(kwargs["packed_keys"], kwargs["fast_scores"], kwargs.get("row_marks", False), kwargs["fast_takebacks"])
                for kwargs in chosen] == [(True, False, room_for_it, zx_build.FIRST_SPENDS_48K     # (zx48wire34;
                                           + zx_build.LAST_SPENDS_48K       # zx48kept35's and zx48logit36's first,
                                           + (zx_build.LEADING_ZEROS_48K,))]    # then the thirty-seventh round's
        # EM_NIBBLES, AT_MEANS_CHAINS and KV_SCATTER_POPS (MV_HZ_ENDS between the last two: no cut of the squares'),
        # AT_SKIP_LEADING_ZEROS after them)
        chosen.clear()
        with monkeypatch.context() as squares:      # (the squares' rung, below the packed planes')
            squares.setattr(zx_build, "PACKED_KEYS_48K", False)
            zx_build.assemble_player(soul, tokenizer, word_list=False)
        assert [(kwargs["packed_keys"], kwargs["fast_scores"], kwargs.get("row_marks", False), kwargs["fast_takebacks"])
                for kwargs in chosen] == [(False, True, room_for_it, takebacks)]


def test_print_id_prints_every_tokens_text_from_the_alphabet_and_the_merges(built):
    """Each id 0..127 through soulplayer.s's print_id, against the tokenizer's own text."""
    from soulterm.asm import assemble
    from soulterm.zx import Spectrum

    tokenizer = Tokenizer.load(DEFAULT_TOKENIZER)
    for first in range(0, 128, 32):
        driver = assemble(f""".cpu z80
        .org $5B00                  ; (the printer buffer: the logits', free here)
        ld a,2
        call $1601                  ; CHAN-OPEN: the upper screen
        ld b,{first}
next:   push bc
        ld a,b
        call {built.program.symbols["print_id"]}
        ld a,'|'
        rst $10
        pop bc
        inc b
        ld a,b
        cp {first + 32}
        jr nz,next
        ret
""", cpu="z80")
        machine = Spectrum()
        machine.memory[ORIGIN:built.program.end] = built.program.data
        machine.cpu.sp = ORIGIN     # (the stack where the player's loader leaves it: RAMTOP's, $FF57 down, runs
        machine.load_code(0x5B00, driver.data)      # into the program's top, the chat's routines since zxbytes48)
        assert machine.run(max_cycles=5_000_000) == "halted", machine.stop_message
        printed = "".join(machine.screen_lines()[:22]).rstrip()     # (not the lower screen's "0 OK")
        texts = [tokenizer.decode([i]) if i >= 4 else "" for i in range(first, first + 32)]
        assert printed == "".join(text + "|" for text in texts), first


def test_a_tokenizer_whose_merges_make_ids_out_of_order_fails_the_build_in_one_line(tmp_path):
    """print_id and tokenize take merge i's id as TK_FIRST_MERGE_ID + i: the build checks it."""
    from soulterm.zx.build import BuildError

    shipped = Tokenizer.load(DEFAULT_TOKENIZER)
    first, second = ("".join(pair) for pair in shipped.merges[:2])
    vocab = dict(shipped.vocab, **{first: shipped.vocab[second], second: shipped.vocab[first]})
    path = tmp_path / "tokenizer.json"
    Tokenizer(vocab, shipped.merges, shipped.prompt_ids, shipped.words).save(path)
    for model in ("48k", "128k"):
        with pytest.raises(BuildError) as error:
            assemble_spectrum_player(DEFAULT_SOUL, path, model)
        message = str(error.value)
        assert "\n" not in message and f"merge 0 ({shipped.merges[0][0]!r} + {shipped.merges[0][1]!r})" in message


def test_a_word_list_split_short_of_ffff_stops_the_assembly():
    """sp_bits goes on below $8000 only when its pointer wraps past $FFFF: build.py's .assert."""
    from soulterm.asm import AsmError, assemble
    from soulterm.zx.build import player_source
    from soulterm.zx.kernelbench import Z80_KERNELS_DIR

    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    fitting = assemble_spectrum_player(DEFAULT_SOUL, DEFAULT_TOKENIZER).program
    top_bytes = fitting.end - fitting.symbols["sp_words"]
    with pytest.raises(AsmError, match="the word list's top part must end at \\$FFFF"):
        assemble(player_source(soul, tokenizer, top_bytes=top_bytes - 1), filename="<split>",
                 include_paths=[str(Z80_KERNELS_DIR)], cpu="z80")


def test_a_player_leaves_out_the_general_embed_only_when_the_chains_take_the_souls_shifts(built, tmp_path):
    """embedrows.s's add hl,hl chains take te's and pe's shifts in 1..8 (the shipped soul's 3 and 4):
    the player then has no vecops.s embed to fall back on (EMBED_CHAINS_ONLY, 179 bytes of room in
    the 48K); a soul with a shift of 0 gets it back (tests/test_kernels_z80.py runs that fallback).
    (That soul's 128K left 2 bytes below $8000 with its origin at $5D80: since the loader's room
    moved it to $5E80, twenty-second round, the 48K shows the fallback.)"""
    from conftest import random_soul
    from soulterm.soul import spec
    from soulterm.soul.soulfile import Soul, save_soul

    sym = built.program.symbols
    assert "EMBED_CHAINS_ONLY" in sym and not {"embed", "up_q88", "fw_embed_any", "add_sat16"} & set(sym)
    soul = random_soul(3)
    arrays = {t.name: (soul[t.name].values, soul[t.name].shift) for t in spec.TENSORS}
    arrays["te"] = (arrays["te"][0], 0)
    path = tmp_path / "soul.bin"
    save_soul(Soul.from_arrays(arrays), path)
    other = assemble_spectrum_player(path, DEFAULT_TOKENIZER, "48k").program.symbols
    assert "EMBED_CHAINS_ONLY" not in other and {"embed", "up_q88", "fw_embed_any"} <= set(other)


@pytest.mark.parametrize("change", ["off", pytest.param("mixed", marks=pytest.mark.slow),
                                    pytest.param("small", marks=pytest.mark.slow)])
def test_a_player_leaves_out_rmsnorms_general_path_only_when_every_gain_is_one_power_of_two(built, tmp_path, change):
    """The shipped soul's five norms are all 64 with shift 8 (a unit shift of 2, within the 48K's
    RN_SHORT_SHIFTS): both players take RN_UNIT_GAIN_BITS = 6, rmsnorm.s without its check of the
    gains and its general path (build.unit_gain_bits). One gain off a power of two, one norm's
    gains another power of two (32 with shift 7), or gains of 2^3 with shift 8 (a unit shift of 5,
    past the 2 shifts both players' unit loops unroll) give both the general path back."""
    from soulterm.soul import spec
    from soulterm.soul.soulfile import Soul, save_soul
    from soulterm.zx.build import unit_gain_bits

    shipped = load_soul(DEFAULT_SOUL)
    assert unit_gain_bits(shipped, 2) == 6 and unit_gain_bits(load_soul(_available(ORIGINAL_VECTORS).soul_path)) is None
    shipped_128k = assemble_spectrum_player(DEFAULT_SOUL, DEFAULT_TOKENIZER, "128k") if change == "off" else None
    for sym in (built.program.symbols, *([shipped_128k.program.symbols] if shipped_128k else [])):
        assert sym["RN_UNIT_GAIN_BITS"] == 6 and "rmsnorm@general" not in sym
    norms = ("l0.n1", "l0.n2", "l1.n1", "l1.n2", "norm")
    arrays = {t.name: (shipped[t.name].values.copy(), shipped[t.name].shift) for t in spec.TENSORS}
    off = dict(arrays, norm=(arrays["norm"][0].copy(), 8))
    off["norm"][0][5] = 63
    mixed = dict(arrays, norm=(arrays["norm"][0] // 2, 7))
    small = dict(arrays, **{name: (arrays[name][0] // 8, 8) for name in norms})
    # (each soul builds both players, ~20 s a build: the default run takes the first, `-m slow` the others)
    changed = {"off": off, "mixed": mixed, "small": small}[change]
    path = tmp_path / "soul.bin"
    save_soul(Soul.from_arrays(changed), path)
    for model in ("48k", "128k"):
        assert "rmsnorm@general" in assemble_spectrum_player(path, DEFAULT_TOKENIZER, model).program.symbols


def test_the_48k_takes_rmsnorms_unit_shift_only_where_every_norm_has_the_same(tmp_path):
    """RN_UNIT_SHIFT (the 48K's since the thirty-third round, zx48norm33: build.unit_norm_shift): the shipped soul's
    five norms (gains 64, shift 8) give the 48K n = 2, every norm's shift in rmsnorm.s's loops; a soul whose five
    norms all take shift 7 gives n = 1, and one whose final norm alone takes shift 7 (gains 64) none: the patched
    form (RN_UNIT_GAIN_BITS still 6). Since the thirty-fifth round n >= 1 takes RN_UNIT_PUSHED too (the unclamped
    loop's ys pushed; n = 1 runs it with no shift). Each player's own program runs "hello" exact against the engine."""
    from soulterm.soul import spec
    from soulterm.soul.soulfile import Soul, save_soul
    from soulterm.zx.kernelbench import forward_turn, player_bench

    shipped = load_soul(DEFAULT_SOUL)
    tokenizer = Tokenizer.load(DEFAULT_TOKENIZER)
    norms = ("l0.n1", "l0.n2", "l1.n1", "l1.n2", "norm")
    arrays = {t.name: (shipped[t.name].values.copy(), shipped[t.name].shift) for t in spec.TENSORS}
    all_seven = dict(arrays, **{name: (arrays[name][0], 7) for name in norms})
    one_seven = dict(arrays, norm=(arrays["norm"][0], 7))
    for name, changed, want in (("all seven", all_seven, 1), ("one seven", one_seven, None)):
        path = tmp_path / f"{name.replace(' ', '_')}.bin"
        save_soul(Soul.from_arrays(changed), path)
        soul = load_soul(path)
        bench = player_bench(soul, tokenizer)
        sym = bench.symbols
        assert sym["RN_UNIT_GAIN_BITS"] == 6 and sym.get("RN_UNIT_SHIFT") == want, name
        assert ("rmsnorm@clamped_jump" in sym) == (want is None) and "rmsnorm@unit_end" not in sym
        assert ("rn_table_loop" in sym) == (want is not None), name    # (RN_UNIT_PUSHED's unclamped norms by the
                                                                        # products' tables since zx48norms38)
        assert ("RN_UNIT_PUSHED" in sym) == (want is not None and want >= 1), name     # (thirty-fifth round)
        rows, reply = forward_turn(bench, Engine(soul), tokenizer.encode_turn("hello"))
        assert rows and reply is not None, name
    shipped_sym = assemble_spectrum_player(DEFAULT_SOUL, DEFAULT_TOKENIZER, "48k").program.symbols
    assert shipped_sym["RN_UNIT_SHIFT"] == 2 and shipped_sym["RN_UNIT_PUSHED"] == 1


def test_the_48k_takes_the_fast_scores_in_the_room_the_screen_third_leaves(monkeypatch):
    """The screen's hidden third holds layer 1's value cache (run-time data) and the key sums
    (KEY_SUMS_48K, twentieth round), which leaves the 48K's ladder room for its first rung, the fast
    scores with the slot pairs, MV_COARSE_TOP and the unrolled division (since the twenty-sixth round the
    planes' rung, zxplanes48: the fast scores and the slot pairs beside them); the player's own program
    (kernelbench.player_bench) runs "hello" exact against the engine, faster than the old dot's
    1,795,773 T-states a position there (1,734,003, benchmarks/z80_token.py)."""
    import soulterm.zx.build as zx_build
    from soulterm.asm import AsmError
    from soulterm.zx.kernelbench import TurnCost, forward_turn, player_bench

    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    monkeypatch.setattr(zx_build, "PACKED_KEYS_48K", False)     # (the packed key planes' rung above it: zx48wire34)
    bench = player_bench(soul, tokenizer)
    sym = bench.symbols
    assert "at_key_sums" in sym and "at_fast_prepare@piece" in sym and "PL_PACKED" not in sym
    assert sym["AT_DIM_SIZE"] == (50 if "AT_FAST_DIMS_JP" in sym else 48)     # (that cut not taken back beside the planes)
    assert sym["kv_key_sums"] == zx_build.THIRD_KEY_SUMS and sym["kv_values_layer_1"] == zx_build.THIRD_VALUES
    assert bench.program.origin == ORIGIN
    assert "mv_even_skip" in sym and "FW_PLANES" in sym     # (the planes' rung since the twenty-sixth round)
    rows, reply = forward_turn(bench, Engine(soul), tokenizer.encode_turn("hello"))
    assert reply and TurnCost(rows, reply).per_position < 0.98 * 1_795_773
    assert TurnCost(rows, reply).per_position < 1_734_003 - 3_000     # (the cuts taken back, twentieth round)
    monkeypatch.setattr(zx_build, "KEY_SUMS_48K", 0x5900)      # over the logits ($5B00): the build stops
    with pytest.raises(AsmError, match="the key sums"):
        zx_build.assemble_player(soul, tokenizer, word_list=False)


def test_delete_back_over_the_echos_wrap_rubs_out_the_line_above(built):
    """DELETE prints cursor left, space, cursor left (RST $10): past the echo's wrap the real ROM's
    cursor left goes to the line above's column 31 (twenty-second round: soulterm's ROM stayed at
    column 0 and the rubbed-out characters stayed on the screen); the reply is the engine's."""
    from soulterm.zx import Spectrum
    from soulterm.zx.player_chat import chat_turn, shown

    prompt = "how are you today my friend, ok" + "\b" * 6
    machine = Spectrum()
    machine.load_tap(built.tape)
    machine.run(until_idle=True)
    turn = chat_turn(machine, prompt, built.program.symbols)
    expected = Engine(load_soul(DEFAULT_SOUL)).reply(Tokenizer.load(DEFAULT_TOKENIZER), shown(prompt)).text
    assert turn.reply == expected.rstrip() and "friend" not in "".join(machine.screen_lines())


def test_the_48k_takes_its_scores_by_packed_key_planes_exact_and_faster_than_the_squares(monkeypatch):
    """attention.s's scores by packed key planes (PL_PACKED, planekeys48.s; thirty-fourth round, zx48wire34): the
    shipped 48K's rung above the squares' (AT_FAST_SCORES). No key cache: planes 0..11 in its room (kv_planes),
    12..15 in the key sums' (THIRD_KEY_SUMS), pl_prepare's pages in the screen's middle third; every step of "hello"
    exact against the engine, each key read back from its planes (kernelbench.cache_at), and fewer T-states a reply
    step than the squares' rung (1,665,590 -> 1,618,998, python benchmarks/z80_token.py). Every head made to take the
    old dot (pl_prepare declining, as for a q whose sums pass +-16,384) rebuilds its keys from the planes
    (pl_old_keys) and stays exact; with the rebuild's offset broken the turn's check fails."""
    import soulterm.zx.build as zx_build
    from soulterm.zx.kernelbench import TurnCost, forward_turn, player_bench

    soul, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    engine, context = Engine(soul), tokenizer.encode_turn("hello")
    packed = player_bench(soul, tokenizer)
    sym = packed.symbols
    assert "PL_PACKED" in sym and "at_key_sums" not in sym and "kv_key_sums" not in sym
    assert sym["kv_high_planes"] == zx_build.THIRD_KEY_SUMS and sym["pl_tables"] == zx_build.PACKED_TABLES_48K
    assert sym["fw_att"] + 64 <= sym["pl_tables"] and sym["pl_tables"] + 512 <= sym["line_buffer"] < zx_build.SCREEN_THIRD
    assert sym["kv_planes"] + zx_build.PACKED_PLANES_BYTES <= sym["kv_planes"] + zx_build.KEY_CACHE_BYTES <= 0x8000
    rows, reply = forward_turn(packed, engine, context)
    planes_cost = TurnCost(rows, reply)
    with monkeypatch.context() as squares_only:
        squares_only.setattr(zx_build, "PACKED_KEYS_48K", False)
        squares = player_bench(soul, tokenizer)
    assert "at_key_sums" in squares.symbols
    rows, again = forward_turn(squares, engine, context)
    assert again == reply and TurnCost(rows, again).per_step > planes_cost.per_step + 30_000
    declined = player_bench(soul, tokenizer)
    at = declined.sym("pl_prepare")
    declined.memory[at:at + 2] = bytes([0xB7, 0xC9])           # or a / ret: NC, the old dot
    rows, old_dot = forward_turn(declined, engine, context)
    assert old_dot == reply and TurnCost(rows, old_dot).per_step > planes_cost.per_step
    broken = player_bench(soul, tokenizer)
    broken.memory[at:at + 2] = bytes([0xB7, 0xC9])
    memory = bytes(broken.memory)
    offset = memory.index(bytes([0xD6, 0x08]), broken.sym("pl_rebuild_key"))   # sub 8: k = k' - 2048
    broken.memory[offset + 1] = 0x07
    with pytest.raises(AssertionError):
        forward_turn(broken, engine, context)


@pytest.mark.parametrize("matrix, factor", [("l1.k", 2), ("l1.q", 3)])
def test_the_48ks_packed_planes_stay_exact_with_wide_keys_and_wide_q(matrix, factor):
    """The shipped soul with layer 1's k (or q) weights scaled (clipped to int8: planes.s still takes them, the
    ladder still the packed planes' rung): keys beyond -2048..2047 (to 2,921 on "hello") are stored whole in all
    16 planes, set at_wide_planes (position 0's kept for position 1, fw_wide_at_0) and send layer 1's heads to the
    old dot on keys pl_old_keys rebuilds; q beyond -2048..2047 whose sums stay within +-16,384 (to 3,915 on "do you
    like music") takes pl_wide_q's tables by doubling. Every step exact against the engine, every key read back
    from its planes (kernelbench.cache_at)."""
    import numpy as np

    from soulterm.soul.soulfile import Soul
    from soulterm.zx.kernelbench import forward_turn, player_bench

    shipped, tokenizer = load_soul(DEFAULT_SOUL), Tokenizer.load(DEFAULT_TOKENIZER)
    arrays = {tensor.name: (shipped[tensor.name].values, shipped[tensor.name].shift) for tensor in spec.TENSORS}
    values, shift = arrays[matrix]
    arrays[matrix] = (np.clip(np.asarray(values) * factor, -127, 127), shift)
    soul = Soul.from_arrays(arrays)
    bench = player_bench(soul, tokenizer)
    assert "PL_PACKED" in bench.symbols
    engine = Engine(soul)
    for text in ("hello", "do you like music"):
        rows, reply = forward_turn(bench, engine, tokenizer.encode_turn(text))
        assert rows and reply
        wide = bench.peek(bench.sym("at_wide_planes"), 1)[0]
        q = np.asarray(bench.read_words(bench.sym("fw_q"), spec.EMBED_DIM))   # (layer 1's, the last position's)
        if matrix == "l1.k":
            assert wide and bench.peek(bench.sym("fw_wide_at_0"), 1)[0]
        else:
            heads = q.reshape(spec.N_HEADS, spec.HEAD_DIM)
            assert not wide and (text == "hello" or np.abs(q).max() > 2047)
            assert all(row[row > 0].sum() < 16384 and row[row < 0].sum() >= -16384 for row in heads)
