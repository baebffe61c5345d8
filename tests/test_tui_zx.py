"""The ZX Spectrum in the app: a .tap boots it, its screen, keys, panels and the switch between machines.

A small Z80 program on a tape stands in for the soulplayer (the tests do not
depend on a build): it prints a greeting, a line in bright yellow on blue and
the sixteen block graphics, turns the border red, then echoes every key,
DELETE as "#". Its map is written beside it in the soulterm-map-1 format.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.color import Color

from soulterm.asm import assemble
from soulterm.tui.app import SoultermApp
from soulterm.tui.buildmap import BuildMap
from soulterm.tui.machines import ZX_KIND, kind_for_path
from soulterm.tui.screens.build import BuildScreen
from soulterm.tui.screens.dialogs import ConfirmDialog, InputDialog
from soulterm.tui.widgets.c64_screen import C64Screen
from soulterm.tui.widgets.zx_screen import PIXEL_SIZE, ZXFrame, ZXScreen, quadrant, visible_rows
from soulterm.zx import Spectrum, tap
from soulterm.zx.build import ORIGIN
from soulterm.zx.ula import BRIGHT_PALETTE, PALETTE, pixel_address

from test_tui_app import SIZE, answer, footer_shows, pilot, press, program, wait_until  # noqa: F401  (fixture)

SOURCE = """\
        .org $8000
start:  ld a,2
        call $1601          ; CHAN-OPEN 2: the upper screen
        ld hl,message
print:  ld a,(hl)
        cp $FF              ; the end (0 is a colour parameter here)
        jr z,ready
        call show
        inc hl
        jr print
ready:  ld a,2
        out ($fe),a         ; a red border
wait:   bit 5,(iy+1)        ; FLAGS: a key in LAST-K?
        jr z,wait
        res 5,(iy+1)
        ld a,($5C08)        ; LAST-K
        cp 12               ; DELETE
        jr nz,echo
        ld a,35             ; "#"
echo:   call show
        jr wait
show:   rst $10
        ret
message: .text "Hi there, Z80!", 13
        .byte 16, 6, 17, 1, 19, 1
        .text "bright"
        .byte 16, 0, 17, 7, 19, 0, 13
        .byte $80, $81, $82, $83, $84, $85, $86, $87, $88, $89, $8A, $8B, $8C, $8D, $8E, $8F, 13, $FF
"""


@pytest.fixture()
def tape(tmp_path: Path) -> Path:
    """The test program on a tape, with its map and source; returns the .tap path."""
    source = tmp_path / "echo.s"
    source.write_text(SOURCE)
    built = assemble(SOURCE, filename=str(source), cpu="z80")
    path = tmp_path / "echo.tap"
    path.write_bytes(tap.write_tap("echo", built.data, built.origin))
    (tmp_path / "echo-zx.map.json").write_text(json.dumps({
        "format": "soulterm-map-1", "machine": "zx-spectrum-48k",
        "load_address": built.origin, "end_address": built.end,
        "symbols": built.symbols,
        "lines": [[address, file, line] for address, (file, line) in sorted(built.line_map.items())],
        "regions": [{"name": "echo", "kind": "code", "start": built.origin, "end": built.end}],
        "vocab": [],
    }))
    return path


def spectrum_app(tape: Path, **options) -> SoultermApp:
    return SoultermApp(machine=Spectrum(), disk=tape, start_paused=True, **options)


async def run_to(pilot, app, symbol: str) -> None:
    await answer(pilot, app, "ctrl+b", symbol)
    await pilot.press("f9")
    await wait_until(pilot, lambda: app.host.paused and app.machine.cpu.pc == app.build_map.resolve(symbol))
    app.refresh_panels()
    await pilot.pause()


def test_the_file_picks_the_machine_and_its_map(tape):
    assert kind_for_path(tape) is ZX_KIND and kind_for_path(Path("x.d64")).name == "c64"
    assert ZX_KIND.map_for(Path("disk/soulplayer.tap")) == Path("disk/soulplayer-zx.map.json")
    assert BuildMap.load(ZX_KIND.map_for(tape)).machine == "zx"


@pilot
async def test_a_tape_boots_the_spectrum_screen_with_its_colours(tape):
    app = spectrum_app(tape)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.query_one(ZXScreen)
        assert not app.query(C64Screen) and app.focused is screen
        assert str(app.query_one("#show-screen").label) == "Spectrum"
        assert "SYMBOL SHIFT" in str(app.query_one("#key-help").render())
        await run_to(pilot, app, "wait")
        lines = screen.text_lines()      # (from line 2: the loader's "Bytes: demo" at line 1, as on the real ROM)
        assert lines[1].startswith("Bytes: ") and lines[2].startswith("Hi there, Z80!") and lines[3].startswith("bright")
        assert lines[4].startswith(" ▝▘▀▗▐▚▜▖▞▌▛▄▟▙█")              # the block graphics, read back
        above, _, _ = visible_rows(screen.size.height, 0)
        border = screen.render_line(0)
        assert border.text.strip() == "" and list(border)[0].style.bgcolor == Color.from_rgb(*PALETTE[2])
        cells = [s for s in screen.render_line(above + 3) if s.text.strip()]
        bright = cells[0].style
        assert bright.color == Color.from_rgb(*BRIGHT_PALETTE[6]) and bright.bgcolor == Color.from_rgb(*BRIGHT_PALETTE[1])


@pilot
async def test_keys_reach_the_spectrum_and_a_missing_key_is_one_line(tape):
    app = spectrum_app(tape)
    async with app.run_test(size=SIZE) as pilot:
        await run_to(pilot, app, "wait")
        await answer(pilot, app, "ctrl+b", "-wait")
        app.query_one(ZXScreen).focus()
        await press(pilot, app, "a", "B", "exclamation_mark", "backspace", "enter", "[")
        await pilot.press("f9")
        screen = app.query_one(ZXScreen)
        await wait_until(pilot, lambda: (app.refresh_panels() or True) and screen.text_lines()[5].startswith("aB!#"))
        warnings = [n.message for n in app._notifications if "no key for" in n.message]
        assert warnings == ["the Spectrum keyboard has no key for '['"]


@pilot
async def test_the_panels_follow_the_z80_through_the_map(tape):
    app = spectrum_app(tape)
    async with app.run_test(size=SIZE) as pilot:
        await run_to(pilot, app, "show")
        debugger = app.debugger_panel.plain()
        assert "PC=" in debugger and "IY=5C3A" in debugger                   # Z80 registers
        assert "▶" + f"{app.build_map.resolve('show'):04X} D7" in debugger   # rst $10 at the PC
        line = SOURCE.splitlines().index("show:   rst $10") + 1
        assert "rst $10" in debugger and f"echo.s:{line}" in debugger       # its source line
        show = app.build_map.resolve("show")
        await press(pilot, app, "f11")                                       # over the RST: the ROM prints
        await wait_until(pilot, lambda: app.host.paused and app.machine.cpu.pc == show + 1)
        await press(pilot, app, "f9")                                        # on to the next character
        await wait_until(pilot, lambda: app.host.paused and app.machine.cpu.pc == show)
        await press(pilot, app, "f10")                                       # into the ROM's entry
        assert app.machine.cpu.pc == 0x0010
        app.refresh_panels()
        assert app.memory_panel.routine_text() == "PC $0010 ROM"
        await press(pilot, app, "f10")                                       # the routine is one step
        assert app.machine.cpu.pc == show + 1
        await press(pilot, app, "f12")
        assert any("no RESTORE key" in n.message for n in app._notifications)
        await press(pilot, app, "ctrl+t")
        await press(pilot, app, "ctrl+t")                                    # the next-token tab
        # This program is no soulplayer: the panel names the Z80 kernels' symbols it lacks.
        await wait_until(pilot, lambda: "not in this build: forward_step" in str(app.insight_panels[0].render()))


@pilot
async def test_the_model_panels_show_the_z80s_numbers(tmp_path):
    """The soulplayer's own tape (built here: its map names the probe points) answers a line;
    each model panel then shows what the probes copied from the Z80's RAM."""
    from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
    from soulterm.soul.spec import FIRST_CHOOSABLE
    from soulterm.zx.build import build_spectrum_player

    player, _map_path, _built = build_spectrum_player(DEFAULT_SOUL, DEFAULT_TOKENIZER, tmp_path)
    app = spectrum_app(player)
    async with app.run_test(size=SIZE) as pilot:
        app.query_one(ZXScreen).focus()
        await press(pilot, app, "h", "i", "enter", "f9")

        def replied() -> bool:
            lines = [line.rstrip() for line in app.machine.screen_lines()]
            return "you> hi" in lines and "you>" in lines[lines.index("you> hi"):]
        await wait_until(pilot, replied, timeout=60)
        view = app.host.observe_probes()
        position = max(view.logits)
        shows = {"next-token": f"position {position} ", "inside-layer": "logit lens",
                 "cycles": "T-states", "score-steps": "at_scores, 16 or 32 bits"}   # (the fast heads: q.k from RAM)
        for panel in app.insight_panels:
            app.query_one("#insight").active = f"tab-{panel.id}"
            await wait_until(pilot, lambda: shows[panel.id] in str(panel.render()))
            assert "not on the Spectrum" not in str(panel.render())
        next_token = str(app.insight_panels[0].render()).splitlines()
        assert "(following the Z80)" in next_token[0]
        assert int(next_token[2][10:17]) == max(view.logits[position][FIRST_CHOOSABLE:])   # the Z80's best logit


@pilot
async def test_loading_a_tape_on_the_c64_swaps_the_machine_and_back(program, tape):
    app = SoultermApp(machine=None, disk=program, map_path=program.with_suffix(".map.json"), start_paused=True)
    from soulterm.c64 import C64

    app.machine = C64()
    async with app.run_test(size=SIZE) as pilot:
        assert app.query(C64Screen)
        await footer_shows(pilot, app, "f4", "Export D64")
        app.debugger_panel.focus()          # the swap moves no focus: the footer must follow anyway
        await answer(pilot, app, "f5", str(tape))
        await wait_until(pilot, lambda: (app.refresh_panels() or True) and bool(app.query(ZXScreen)))
        assert app.host.kind == "zx" and app.build_map.machine == "zx"
        assert str(app.query_one("#show-screen").label) == "Spectrum"
        await footer_shows(pilot, app, "f4", "Export TAP")
        await pilot.press("f4")                                 # the tape now, not the C64's floppy
        await wait_until(pilot, lambda: isinstance(app.screen, InputDialog))
        assert app.screen.query_one("#dialog-input").value.endswith("echo.tap")
        await pilot.press("escape")
        await answer(pilot, app, "f5", str(program))
        await wait_until(pilot, lambda: (app.refresh_panels() or True) and bool(app.query(C64Screen)))
        assert app.host.kind == "c64" and str(app.query_one("#show-screen").label) == "C64"
        await footer_shows(pilot, app, "f4", "Export D64")


def test_flash_swaps_ink_and_paper_and_a_strange_cell_is_a_quadrant():
    display = bytearray(ZXFrame.blank().display)
    display[0x1800] = 0x80 | 0x40 | 1 << 3 | 6         # cell (0,0): FLASH, BRIGHT, paper blue, ink yellow
    for line in range(4):                               # cell (1,0): the top half set, no glyph of the font
        display[pixel_address(1, line) - 0x4000] = 0xFF
    display[pixel_address(1, 5) - 0x4000] = 0x01
    widget = ZXScreen()
    for flash_on, ink, paper in ((False, 6, 1), (True, 1, 6)):
        widget._frame, widget._row_cache = ZXFrame(bytes(display), 0, flash_on), {}
        first = widget._row_segments(0)[0]
        assert first.style.color == Color.from_rgb(*BRIGHT_PALETTE[ink])
        assert first.style.bgcolor == Color.from_rgb(*BRIGHT_PALETTE[paper])
    assert quadrant(bytes([0xFF] * 4 + [0x01] + [0] * 3)) == "▀"
    assert quadrant(bytes([0xF0] * 8)) == "▌" and quadrant(bytes(8)) == " "


def test_a_short_panel_follows_the_print_line_and_a_huge_one_shows_pixels():
    assert visible_rows(26, 20) == (1, 0, 24)
    assert visible_rows(10, 15) == (0, 6, 10) and visible_rows(10, 3) == (0, 0, 10)
    assert PIXEL_SIZE == (264, 100)


@pilot
async def test_pixel_mode_draws_every_pixel_in_half_blocks(tape):
    app = spectrum_app(tape)
    async with app.run_test(size=(280, 120)) as pilot:
        screen = app.query_one(ZXScreen)
        screen.styles.width, screen.styles.height = PIXEL_SIZE
        await run_to(pilot, app, "wait")
        assert screen.pixel_mode
        middle = [s for s in screen.render_line(PIXEL_SIZE[1] // 2) if s.text and s.text == "▀" * len(s.text)]
        assert sum(len(s.text) for s in middle) == PIXEL_SIZE[0]        # 256 pixels and the border
        red = Color.from_rgb(*PALETTE[2])
        assert middle[0].style.color == middle[0].style.bgcolor == red and len(middle[0].text) == 4
        # Pixel rows 0 and 1 of "H" (the top left cell): paper, then ink in columns 1 and 6.
        top = [s for s in screen.render_line(2) if s.text and s.text == "▀" * len(s.text)]
        colours = [s.style.bgcolor for s in top for _ in s.text][4:12]
        white, black = Color.from_rgb(*PALETTE[7]), Color.from_rgb(*PALETTE[0])
        glyph_row = screen.frame.display[0x100]                            # pixel row 1 of cell (0, 0)
        assert colours == [black if glyph_row & (0x80 >> bit) else white for bit in range(8)]


def test_the_spectrum_in_its_own_process(tape):
    from soulterm.tui.machine_process import ProcessHost

    from test_tui_process import _eventually

    wait = assemble(SOURCE, cpu="z80").symbols["wait"]
    host = ProcessHost(map_path=ZX_KIND.map_for(tape), paused=True, kind="zx")
    try:
        m = host.machine
        assert host.kind == "zx" and m.CPU == "z80"
        assert host.load(tape) == 0x8000 and m.cpu.pc == 0x8000
        host.add_breakpoint(wait)                              # after the greeting
        host.resume()
        _eventually(lambda: host.paused and m.cpu.pc == wait)
        widget = ZXScreen()

        def greeted() -> bool:
            # RAM and registers are published one after the other: the next look has both.
            widget._frame = ZXScreen.frame_of(m)               # from the shared memory
            return widget.text_lines()[2].startswith("Hi there, Z80!")    # (line 1: "Bytes: ...")
        _eventually(greeted)
        assert widget.frame.border == 2 and m.cpu.iy == 0x5C3A
        host.remove_breakpoint(wait)
        host.type_text("zx")
        host.resume()

        def echoed() -> bool:
            widget._frame = ZXScreen.frame_of(m)
            return widget.text_lines()[5].startswith("zx") and widget.frame.cursor_row == 5
        _eventually(echoed)
        with pytest.raises(ValueError, match="no key for"):
            host.type_text("{")
    finally:
        host.stop()


@pilot
async def test_a_missing_tape_says_how_to_make_it(tmp_path):
    app = SoultermApp(machine=Spectrum(), disk=tmp_path / "soulplayer.tap", start_paused=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        lines = app.query_one(ZXScreen).text_lines()
        assert lines[0].startswith("NO TAPE") and any("build --machine zx" in line for line in lines)
        assert any("F3 (Build)" in line for line in lines)
        assert app.sub_title == "a transformer on a ZX Spectrum 48K"


@pilot
async def test_build_on_the_spectrum_builds_the_tape_and_boots_it(tape, tmp_path, monkeypatch):
    from soulterm.paths import DEFAULT_TAP, TAP_NAME, ZX_MAP_NAME

    data = tmp_path / "data"
    monkeypatch.setenv("SOULTERM_DATA_DIR", str(data))
    app = spectrum_app(tape)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await wait_until(pilot, lambda: isinstance(app.screen, BuildScreen) and app.screen.query("#build"))
        build = app.screen
        assert build.machine is ZX_KIND and build.query_one("#output").value == str(data / "disk")
        build.query_one("#build").press()
        await wait_until(pilot, lambda: not build.query_one("#boot").disabled, timeout=60)
        summary = str(build.query_one("#build-summary").render())
        assert TAP_NAME in summary and ZX_MAP_NAME in summary and f"program ${ORIGIN:04X}-" in summary
        assert "KV cache: values" in summary        # the Spectrum map's regions (no key cache since zx48wire34's planes)
        built = data / "disk" / TAP_NAME
        assert built.read_bytes() == DEFAULT_TAP.read_bytes()               # the shipped soul's tape
        build.query_one("#boot").press()
        await wait_until(pilot, lambda: app.disk == built and app.host.last_file == built)
        await app.calls.settled()
        assert app.build_map.path == data / "disk" / ZX_MAP_NAME and app.build_map.attention is not None
        assert app.machine.cpu.pc == app.build_map.resolve("start")        # booted: USR start
        assert (await footer_shows(pilot, app, "f4", "Export TAP"))["f3"] == "Build"


@pilot
async def test_a_bad_soul_fails_the_spectrum_build_in_one_line(tape, tmp_path):
    from soulterm.paths import DEFAULT_TOKENIZER

    soul = tmp_path / "bad" / "soul.bin"
    soul.parent.mkdir()
    soul.write_bytes(b"not a soul")
    (soul.parent / "tokenizer.json").write_bytes(DEFAULT_TOKENIZER.read_bytes())
    app = spectrum_app(tape)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await wait_until(pilot, lambda: isinstance(app.screen, BuildScreen) and app.screen.query("#build"))
        build = app.screen
        build.query_one("#soul").value = str(soul)
        build.query_one("#tokenizer").value = str(soul.parent / "tokenizer.json")
        build.query_one("#output").value = str(tmp_path / "out")
        build.query_one("#build").press()
        await wait_until(pilot, lambda: "build failed" in str(build.query_one("#build-summary").render()))
        error = str(build.query_one("#build-summary").render()).strip()
        assert error.startswith(f"build failed: soul {soul}") and "\n" not in error and "Traceback" not in error
        assert build.query_one("#boot").disabled and not (tmp_path / "out").exists()


@pilot
async def test_export_on_the_spectrum_copies_the_tape(tape, tmp_path):
    app = spectrum_app(tape)
    target = tmp_path / "out" / "copy.tap"
    async with app.run_test(size=SIZE) as pilot:
        labels = await footer_shows(pilot, app, "f4", "Export TAP")
        assert "Export D64" not in labels.values()
        await pilot.press("f4")
        await wait_until(pilot, lambda: isinstance(app.screen, InputDialog))
        assert str(app.screen.query_one(".dialog-title").render()) == "Export TAP"
        app.screen.query_one("#dialog-input").value = str(tmp_path / "out" / "copy.d64")
        await pilot.press("enter")                              # a floppy's name: refused, nothing written
        await wait_until(pilot, lambda: any("is a .tap file" in n.message for n in app._notifications))
        assert not (tmp_path / "out").exists()
        await answer(pilot, app, "f4", str(target))
        await wait_until(pilot, lambda: target.exists() and target.read_bytes() == tape.read_bytes())
        await answer(pilot, app, "f4", str(target.parent))      # a folder: the tape's own name in it
        await wait_until(pilot, lambda: (target.parent / tape.name).exists())
        target.write_bytes(b"old")
        await answer(pilot, app, "f4", str(target))
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("n")
        await pilot.pause()
        assert target.read_bytes() == b"old"


def test_a_swapped_in_machine_keeps_the_sound_setting(monkeypatch, tape, program):
    from soulterm.c64 import C64
    from soulterm.tui.host import MachineHost

    monkeypatch.setenv("SDL_AUDIODRIVER", "dummy")    # a mixer that plays to nowhere
    host = MachineHost(C64(sound=True), paused=True, sound=True)
    try:
        host.set_muted(True)
        host.load(tape)
        assert host.kind == "zx" and host.machine.audio is not None and host.machine.audio.muted
        host.set_muted(False)
        host.load(program)
        assert host.kind == "c64" and host.machine.sid.audio is not None and not host.machine.sid.audio.muted
    finally:
        host.machine.close()


@pytest.mark.parametrize("argv, message", [
    (["--machine", "zx", "disk/soulplayer.d64"], "a C64 file, not for --machine zx"),
    (["--machine", "c64", "disk/soulplayer.tap"], "a Spectrum file, not for --machine c64"),
    (["--machine", "zx"], "the TUI needs a terminal"),          # --machine's value is no command
    (["{notes}"], "not a .prg, .d64 or .tap file"),
])
def test_the_command_line_names_the_machine_or_says_what_is_wrong(tmp_path, capsys, argv, message):
    from soulterm.cli import main
    from soulterm.paths import ROOT

    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    argv = [str(ROOT / a) if a.startswith("disk/") else a.format(notes=notes) for a in argv]
    assert main(argv) == 1
    error = capsys.readouterr().err.strip()
    assert message in error and "\n" not in error


def test_the_palette_names_the_image_of_the_machine_on_show():
    from soulterm.tui.commands import menu
    from soulterm.tui.machines import C64_KIND

    spectrum, c64 = ({title: action for title, action, _ in menu(kind)} for kind in (ZX_KIND, C64_KIND))
    assert spectrum["Export TAP"] == c64["Export D64"] == "export"
    assert spectrum["Build the tape"] == c64["Build the floppy"] == "build"


@pilot
async def test_the_header_names_a_128k_for_the_128k_tape():
    from soulterm.paths import DEFAULT_TAP, DISK_DIR, TAP_NAME_128K

    app = SoultermApp(machine=Spectrum(), disk=DISK_DIR / TAP_NAME_128K, start_paused=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.sub_title == "a transformer on a ZX Spectrum 128K"
    app = SoultermApp(machine=Spectrum(), disk=DEFAULT_TAP, start_paused=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.sub_title == "a transformer on a ZX Spectrum 48K"
