"""Pilot tests of the soulterm app on the real emulated C64.

A small hand-assembled PRG stands in for the soulplayer so that these tests
do not depend on a build: it prints HELLO, then loops calling a subroutine
(`work`, which increments the border colour) and echoing typed keys. Its
memory map is written beside it in the soulterm-map-1 format. The app starts
paused (the machine only moves when a test steps or continues it), which
keeps Pilot responsive.
"""

from __future__ import annotations

import asyncio
import functools
import json
from pathlib import Path

import pytest

from soulterm.c64 import C64
from soulterm.tui.app import SoultermApp
from soulterm.tui.attention_recorder import HEADS
from soulterm.tui.screens.dialogs import ConfirmDialog, InputDialog
from soulterm.tui.widgets.attention import AttentionPanel
from soulterm.tui.widgets.c64_screen import C64Screen
from soulterm.tui.widgets.debugger import DebuggerPanel
from soulterm.tui.widgets.memory_map import MemoryMapPanel

SIZE = (160, 50)


def pilot(test):
    """Run an async Pilot test on a fresh event loop (no async pytest plugin needed)."""
    @functools.wraps(test)
    def run(*args, **kwargs):
        asyncio.run(test(*args, **kwargs))
    return run

# 10 SYS2061, then (addresses in the comments):
SOURCE = """\
main:   ldx #0          ; $080D
loop:   lda msg,x       ; $080F
        beq wait        ; $0812
        jsr $ffd2       ; $0814  CHROUT
        inx             ; $0817
        bne loop        ; $0818
wait:   jsr work        ; $081A
        jsr $ffe4       ; $081D  GETIN
        beq wait        ; $0820
        jsr $ffd2       ; $0822
        jmp wait        ; $0825
work:   inc $d020       ; $0828
        ldy #10         ; $082B
work.1: dey             ; $082D
        bne work.1      ; $082E
        rts             ; $0830
msg:    .text "HELLO",0 ; $0831
"""
CODE = bytes.fromhex(
    "A200 BD3108 F006 20D2FF E8 D0F5 202808 20E4FF F0F8 20D2FF 4C1A08"
    "EE20D0 A00A 88 D0FD 60".replace(" ", "")) + b"HELLO\x00"
STUB = bytes([0x0B, 0x08, 0x0A, 0x00, 0x9E]) + b"2061" + bytes([0, 0, 0])
LINE_ADDRESSES = [0x080D, 0x080F, 0x0812, 0x0814, 0x0817, 0x0818, 0x081A, 0x081D, 0x0820, 0x0822,
                  0x0825, 0x0828, 0x082B, 0x082D, 0x082E, 0x0830, 0x0831]
ATTENTION = {"weights": 0xC000, "context": 0xC0A0, "context_len": 0xC0B4, "position": 0xC0B5,
             "layer": 0xC0B6, "head": 0xC0B7}


@pytest.fixture()
def program(tmp_path: Path) -> Path:
    """The test PRG with its map and source; returns the PRG path."""
    prg = tmp_path / "test.prg"
    prg.write_bytes(bytes([0x01, 0x08]) + STUB + CODE)
    source = tmp_path / "test.s"
    source.write_text(SOURCE)
    build_map = {
        "format": "soulterm-map-1", "load_address": 0x0801, "end_address": 0x0837,
        "symbols": {"main": 0x080D, "loop": 0x080F, "wait": 0x081A, "work": 0x0828,
                    "work.1": 0x082D, "msg": 0x0831},
        "lines": [[a, str(source), i + 1] for i, a in enumerate(LINE_ADDRESSES)],
        "regions": [{"name": "code", "kind": "code", "start": 0x0801, "end": 0x0831},
                    {"name": "msg", "kind": "table", "start": 0x0831, "end": 0x0837},
                    {"name": "attention", "kind": "attention", "start": 0xC000, "end": 0xC0B8}],
        "attention": ATTENTION,
        "vocab": ["", "", "", "", " ", "hi", "there"] + [f"t{i}" for i in range(7, 128)],
    }
    (tmp_path / "test.map.json").write_text(json.dumps(build_map))
    return prg


def make_app(program: Path, **options) -> SoultermApp:
    return SoultermApp(machine=C64(), disk=program, map_path=program.with_suffix(".map.json"),
                       start_paused=True, **options)


async def wait_until(pilot, condition, timeout: float = 10.0) -> None:
    """Let the app and the machine thread run until `condition()` holds."""
    for _ in range(int(timeout / 0.02)):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("condition not reached in time")


async def press(pilot, app, *keys: str) -> None:
    """Press keys, then wait until the machine commands they queued have run
    (the app sends them off the UI thread)."""
    for key in keys:
        await pilot.press(key)
        await app.calls.settled()
    await pilot.pause()


async def answer(pilot, app, key: str, text: str) -> None:
    """Open a dialog with `key`, fill in `text` and submit it (filling the field
    directly: typing into Pilot costs a full repaint per key)."""
    await pilot.press(key)
    await wait_until(pilot, lambda: isinstance(app.screen, InputDialog))
    app.screen.query_one("#dialog-input").value = text
    await pilot.press("enter")
    await pilot.pause()
    await app.calls.settled()


def footer_labels(app) -> dict[str, str]:
    """Key -> label, as the footer of the main screen shows them."""
    from textual.widgets._footer import FooterKey

    return {key.key: key.description for key in app.screen_stack[0].query(FooterKey)}


async def footer_shows(pilot, app, key: str, label: str) -> dict[str, str]:
    """Wait until the footer (which composes its keys after a change) labels `key` so;
    returns all its labels."""
    await wait_until(pilot, lambda: footer_labels(app).get(key) == label)
    return footer_labels(app)


async def run_to(pilot, app, symbol: str) -> None:
    """Set a breakpoint at `symbol` through the dialog, continue, and wait for the stop."""
    await answer(pilot, app, "ctrl+b", symbol)
    await pilot.press("f9")
    await wait_until(pilot, lambda: app.host.paused and app.machine.cpu.pc == app.build_map.resolve(symbol))


@pilot
async def test_boots_paused_and_shows_the_program(program):
    app = make_app(program)
    async with app.run_test(size=SIZE) as pilot:
        assert app.host.paused
        assert app.machine.cpu.pc == 0x080D        # the SYS address of the stub
        assert "PAUSED" in app.query_one(DebuggerPanel).plain()
        assert app.focused is app.query_one(C64Screen)


@pilot
async def test_continue_runs_and_typing_goes_to_the_c64(program):
    app = make_app(program)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f9")                      # continue
        screen = app.query_one(C64Screen)
        await wait_until(pilot, lambda: any("HELLO" in line for line in screen.text_lines()))
        await pilot.press("h", "i")
        await wait_until(pilot, lambda: any("HELLOHI" in line for line in screen.text_lines()))
        # The border is $D020 live: the program increments it on every pass of `work`.
        await wait_until(pilot, lambda: screen.frame.border == app.machine.vic.border & 0x0F)


@pilot
async def test_backspace_is_del_on_the_c64(program):
    """hellx, Backspace, o types hello: the echoing program's CHROUT of DEL rubs out the x."""
    app = make_app(program)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f9")
        screen = app.query_one(C64Screen)
        await wait_until(pilot, lambda: any("HELLO" in line for line in screen.text_lines()))
        await pilot.press(*"hellx", "backspace", "o")
        await wait_until(pilot, lambda: any("HELLOHELLO" in line for line in screen.text_lines()))
        assert not any("X" in line for line in screen.text_lines())


@pilot
async def test_terminal_keys_press_the_c64_keys(program):
    app = make_app(program)
    async with app.run_test(size=SIZE) as pilot:
        typed: list[str] = []
        app.host.type_text = typed.append
        await pilot.press("insert", "home", "shift+home", "escape", "up", "down", "left", "right", "delete")
        await pilot.pause()
        # INST, HOME, CLR, RUN/STOP, the four cursor keys, DEL
        assert [ord(t) for t in typed] == [0x94, 0x13, 0x93, 0x03, 0x91, 0x11, 0x9D, 0x1D, 0x14]
        assert len(app.screen_stack) == 1                          # Esc opened or closed nothing


@pilot
async def test_screen_cells_use_colour_ram_background_and_reverse(program):
    app = make_app(program)
    async with app.run_test(size=SIZE) as pilot:
        await app.calls.settled()                  # the boot's load has run: RAM edits stay
        m = app.machine
        m.ram[0x0400] = 0x01          # 'A'
        m.ram[0x0401] = 0x81          # reverse 'A'
        m.vic.regs[0x21] = 0          # background black
        m.vic.regs[0x20] = 2          # border red
        colour_ram = m.vic.colour_ram()
        app.refresh_panels()
        await pilot.pause()
        frame = app.query_one(C64Screen).frame
        assert frame.codes[0] == 0x01 and frame.codes[1] == 0x81
        assert frame.background == 0 and frame.border == 2
        assert frame.colours[0] == colour_ram[0] & 0x0F
        from soulterm.tui.palette import rich_colour

        strip = app.query_one(C64Screen).render_line(1)
        segments = [s for s in strip if s.text.strip()]
        first, second = segments[0], segments[1]
        assert first.text.startswith("A") and first.style.bgcolor == rich_colour(0)
        assert first.style.color == rich_colour(colour_ram[0])
        assert second.text.startswith("A") and second.style.bgcolor == rich_colour(colour_ram[1])
        assert second.style.color == rich_colour(0)   # reverse video swaps
        border = app.query_one(C64Screen).render_line(0)
        assert list(border)[0].style.bgcolor == rich_colour(2)


@pilot
async def test_step_breakpoint_step_into_over_and_out(program):
    app = make_app(program)
    async with app.run_test(size=SIZE) as pilot:
        m = app.machine
        await press(pilot, app, "f10")                             # step: LDX #0
        assert m.cpu.pc == 0x080F and m.cpu.x == 0
        await run_to(pilot, app, "wait")
        assert 0x081A in app.host.breakpoints
        app.query_one(DebuggerPanel).focus()
        border_before, sp_before = m.vic.border, m.cpu.sp
        await pilot.press("o")                                     # step over JSR work
        await wait_until(pilot, lambda: app.host.paused and m.cpu.pc == 0x081D)
        assert m.vic.border == (border_before + 1) & 0xFF and m.cpu.sp == sp_before
        m.cpu.pc = 0x081A                                          # back to the JSR
        await press(pilot, app, "s")                               # step into it
        assert m.cpu.pc == 0x0828 and m.cpu.sp == (sp_before - 2) & 0xFF
        await press(pilot, app, "s", "s")                          # INC, LDY
        await pilot.press("u")                                     # step out
        await wait_until(pilot, lambda: app.host.paused and m.cpu.pc == 0x081D)
        assert m.cpu.sp == sp_before
        app.update_debugger()
        text = app.query_one(DebuggerPanel).plain()
        assert "▶081D 20 E4 FF JSR $FFE4" in text
        assert "test.s:8" in text and "jsr $ffe4" in text            # the source line beside it


@pilot
async def test_clear_breakpoint_and_run_to_next_kernel(program):
    app = make_app(program)
    async with app.run_test(size=SIZE) as pilot:
        m = app.machine
        await pilot.press("ctrl+n")                                # from `main`...
        await wait_until(pilot, lambda: app.host.paused and m.cpu.pc == 0x080F)   # ...to `loop`
        await pilot.press("ctrl+n")                                # through CHROUT...
        await wait_until(pilot, lambda: app.host.paused and m.cpu.pc == 0x081A)   # ...to `wait`
        await run_to(pilot, app, "work")
        await answer(pilot, app, "ctrl+b", "-work")
        assert app.host.breakpoints == set()


@pilot
async def test_hex_view_follows_a_symbol(program):
    app = make_app(program)
    async with app.run_test(size=SIZE) as pilot:
        await answer(pilot, app, "ctrl+g", "msg")
        assert app.hex_target == "msg"
        text = app.query_one(DebuggerPanel).plain()
        assert "memory at msg ($0831)" in text
        assert "0831  48 45 4C 4C 4F 00" in text
        await answer(pilot, app, "ctrl+g", "nosuch")
        assert app.hex_target == "msg"                             # rejected, unchanged


@pilot
async def test_memory_map_shows_regions_heat_and_routine(program):
    app = make_app(program)
    async with app.run_test(size=SIZE) as pilot:
        await run_to(pilot, app, "work")
        app.refresh_panels()
        await pilot.pause()                                         # the panel gets it as a message
        panel = app.query_one(MemoryMapPanel)
        assert panel.routine_text() == "PC $0828 work in code"
        assert app.host.heat[0x0828 // 64] > 0                     # sampled PC
        rendered = panel.render().plain
        assert "◆" in rendered and "code" in rendered and "attention" in rendered
        assert "PC $0828 work in code" in rendered
        assert "reading" in panel.border_subtitle                       # the busiest region, named
        # Offsets: border 1 + padding 1, row labels 6; row $0000 first.
        await pilot.hover(MemoryMapPanel, offset=(2 + 6 + 32, 1))          # cell 32 of row 0 = $0800
        assert panel.border_subtitle.startswith("$0800: code (code, $0801-$0830)")


@pilot
async def test_attention_panel_follows_emulated_memory(program):
    app = make_app(program)
    async with app.run_test(size=SIZE) as pilot:
        await app.calls.settled()                  # the boot's load has run: RAM edits stay
        m = app.machine
        a = ATTENTION
        m.ram[a["context"]:a["context"] + 3] = bytes([1, 5, 6])    # <SEP> hi there
        m.ram[a["context_len"]] = 3
        for k in range(HEADS):
            m.ram[a["weights"] + k * 20:a["weights"] + k * 20 + 3] = bytes([255, 0, 85])
        m.ram[a["position"]], m.ram[a["layer"]], m.ram[a["head"]] = 2, 1, 0   # L1H0 in progress
        await press(pilot, app, "f10")                             # a step samples the bytes
        app.refresh_panels()
        await pilot.pause()
        panel = app.query_one(AttentionPanel)
        text = panel.render().plain
        assert "position 2  computing L1H0" in text
        assert " 2 there" in text and " 1 hi" in text
        # Heads 0-3 of layer 0 are done for position 2: 255:0:85 normalised is 75/0/25 %.
        # Layer 1 is being computed: nothing is shown for it yet.
        lines = [line.rstrip() for line in text.splitlines()]
        assert lines[1].split() == ["token", *(f"L{k // 4}H{k % 4}" for k in range(8)), "0", "1", "2"]
        assert lines[2] == " 0 SEP      75   75   75   75"
        assert lines[3] == " 1 hi        0    0    0    0"
        # Row 2 carries the matrix row of L0H0 for position 2, beside the heads: labelled once.
        assert lines[4] == " 2 there    25   25   25   25 " + " " * 20 + " 75  0 25"
        assert text.count("there") == 1
        panel.focus()
        await pilot.press("right")
        assert panel.selected_head == 1
        await pilot.press("down")
        assert panel.selected_head == 5
        await pilot.press("3")
        assert panel.selected_head == 2
        region = panel.region
        await pilot.click(AttentionPanel, offset=(1 + 10 + 5 * 6 + 1, 2))  # the L1H2 column
        assert panel.selected_head == 6, region


@pilot
async def test_attention_matrix_fits_a_full_context_at_160_columns(program):
    from soulterm.soul.spec import CONTEXT

    app = make_app(program)
    async with app.run_test(size=(160, 50)) as pilot:
        await app.calls.settled()                  # the boot's load has run: RAM edits stay
        m, a = app.machine, ATTENTION
        m.ram[a["context"]:a["context"] + CONTEXT] = bytes([1] + [5, 6] * ((CONTEXT - 1) // 2) + [5] * ((CONTEXT - 1) % 2))
        m.ram[a["context_len"]] = CONTEXT
        m.ram[a["weights"]:a["weights"] + CONTEXT] = bytes([0] * (CONTEXT - 1) + [255])   # all on the last token
        m.ram[a["position"]], m.ram[a["layer"]], m.ram[a["head"]] = CONTEXT - 1, 0, 1   # L0H0 done
        await pilot.press("f10")
        app.refresh_panels()
        await pilot.pause()
        panel = app.query_one(AttentionPanel)
        lines = panel.render().plain.splitlines()
        assert len(lines) == 2 + CONTEXT
        assert lines[1].split()[-1] == str(CONTEXT - 1)              # the last column is numbered
        assert lines[-1].rstrip().endswith("99")                      # and the last row's weight shown
        assert max(len(line.rstrip()) for line in lines) <= panel.content_size.width


@pilot
async def test_reset_speed_and_mute(program):
    app = make_app(program)
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, app, "f10", "f10")
        await press(pilot, app, "f6")                              # reset boots the program again
        assert app.machine.cpu.pc == 0x080D
        assert app.host.warp
        await press(pilot, app, "f7")
        assert not app.host.warp
        await pilot.press("f8")                                    # no sound device in tests
        assert any("sound" in n.message for n in app._notifications)


@pilot
async def test_missing_disk_shows_a_message_and_build_is_offered(tmp_path):
    app = SoultermApp(machine=C64(), disk=tmp_path / "none.d64", start_paused=True)
    async with app.run_test(size=SIZE) as pilot:
        lines = app.query_one(C64Screen).text_lines()
        assert lines[0].startswith("NO DISK")
        assert any("F3" in line for line in lines)
        await pilot.press("f3")
        from soulterm.tui.screens.build import BuildScreen

        assert isinstance(app.screen, BuildScreen)
        app.screen.query_one("#soul").value = str(tmp_path / "missing.bin")
        await pilot.click("#build")
        await wait_until(pilot, lambda: "no such soul file" in str(app.screen.query_one("#build-summary").render()))


@pilot
async def test_corrupt_disk_is_a_message_not_a_crash(tmp_path):
    bad = tmp_path / "bad.d64"
    bad.write_bytes(b"not a disk")
    app = SoultermApp(machine=C64(), disk=bad, start_paused=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert any("bad.d64" in n.message for n in app._notifications)


@pilot
async def test_export_d64_asks_before_overwriting(tmp_path, program):
    disk = tmp_path / "soulplayer.d64"
    disk.write_bytes(bytes(range(256)) * 10)
    target = tmp_path / "out" / "copy.d64"
    target.parent.mkdir()
    target.write_bytes(b"old")
    app = SoultermApp(machine=C64(), disk=disk, start_paused=True)
    async with app.run_test(size=SIZE) as pilot:
        labels = await footer_shows(pilot, app, "f4", "Export D64")
        assert "Export TAP" not in labels.values()
        await answer(pilot, app, "f4", str(target.with_suffix(".tap")))   # a tape's name: refused
        await wait_until(pilot, lambda: any("is a .d64 file" in n.message for n in app._notifications))
        assert not target.with_suffix(".tap").exists()
        await answer(pilot, app, "f4", str(target))
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("n")
        await pilot.pause()
        assert target.read_bytes() == b"old"
        await answer(pilot, app, "f4", str(target))
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_until(pilot, lambda: target.read_bytes() == disk.read_bytes())


@pilot
async def test_load_rejects_a_wrong_file_and_loads_a_prg(tmp_path, program):
    app = make_app(program)
    async with app.run_test(size=SIZE) as pilot:
        await answer(pilot, app, "f5", str(tmp_path / "notes.txt"))
        assert any("not a .prg, .d64 or .tap" in n.message for n in app._notifications)
        await pilot.press("f10")
        await answer(pilot, app, "f5", str(program))
        await wait_until(pilot, lambda: app.machine.cpu.pc == 0x080D)


@pilot
async def test_train_without_torch_says_how_to_install(program, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real(name, *a))
    app = make_app(program)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        await pilot.pause()
        assert any("pip install 'soulterm[train]'" in n.message for n in app._notifications)


LAYOUT_SIZES = [(80, 24), (100, 30), (120, 40), (160, 50)]


@pytest.mark.parametrize("size", LAYOUT_SIZES)
@pilot
async def test_layout_fits_every_size(program, size):
    """The status line always shows; the whole screen where the rows allow; panels fill
    their area to the bottom (no blank bands); every panel is reachable."""
    from soulterm.tui.layout import choose_layout

    width, height = size
    app = make_app(program)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        footer_top = height - 1
        desk = app.query_one("#desk").region
        assert app.status_line.display and 1 <= app.status_line.region.height
        assert app.status_line.region.bottom <= footer_top
        screen = app.query_one(C64Screen)
        assert screen.region.height == min(27, height - 3)   # tab bar, status, footer at the least
        assert screen.region.width == 44 and screen.region.right <= width
        names = ["insight", "memory", "debugger"]     # insight: the model panels' tabs (attention first)
        if choose_layout(width, height).mode == "dashboard":
            for name in names:
                assert app.query_one(f"#{name}").display
            top_row = app.query_one("#machine").region
            assert app.query_one("#insight").region.bottom == top_row.bottom
            assert app.query_one("#attention").region.bottom == top_row.bottom
            assert app.query_one("#memory").region.bottom == app.query_one("#debugger").region.bottom == desk.bottom
            assert app.query_one("#memory").region.height == 20          # all 16 rows and the legend
            return
        seen = set()
        for _ in range(len(names) + 1):
            await pilot.press("f1")
            await pilot.pause()
            shown = [name for name in names if app.query_one(f"#{name}").display]
            assert len(shown) <= 1
            assert app.status_line.region.height >= 1                 # whatever the tab bar shows
            for name in shown:
                region = app.query_one(f"#{name}").region
                assert region.bottom == desk.bottom and region.right == width and region.height > 10
                seen.add(name)
        assert seen == set(names)


@pilot
async def test_a_short_screen_follows_the_cursor(program):
    app = make_app(program)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.calls.settled()                  # the boot's load has run: RAM edits stay
        screen = app.query_one(C64Screen)
        shown = screen.region.height
        assert shown < 25
        m = app.machine
        for row in range(25):                      # row numbers as screen codes: "00".."24"
            m.ram[0x0400 + row * 40:0x0400 + row * 40 + 2] = f"{row:02d}".encode()
        m.ram[0xD6] = 24                           # the cursor on the bottom row
        app.refresh_panels()
        await pilot.pause()
        lines = screen.visible_text_lines()
        assert len(lines) == shown and lines[-1].startswith("24") and lines[0].startswith(f"{25 - shown:02d}")
        assert screen.render_line(shown - 1).text.strip().startswith("24")
        m.ram[0xD6] = 2                            # back at the top: the top rows again
        app.refresh_panels()
        await pilot.pause()
        assert screen.visible_text_lines()[0].startswith("00")


@pilot
async def test_command_palette_offers_the_menu(program):
    app = make_app(program)
    async with app.run_test(size=SIZE) as pilot:
        from textual.command import CommandPalette
        from textual.widgets import Input

        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        app.screen.query_one(Input).value = "export d64"
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, InputDialog) or any(
            "nothing to export" in n.message for n in app._notifications))


@pilot
async def test_palette_lists_quit_once(program):
    from soulterm.tui.commands import MENU

    app = make_app(program)
    async with app.run_test(size=SIZE):
        titles = [command.title for command in app.get_system_commands(app.screen)] + [t for t, _, _ in MENU]
        assert sum("quit" in title.lower() for title in titles) == 1, titles


@pilot
async def test_a_bad_disk_in_load_leaves_the_running_machine_alone(tmp_path, program):
    app = make_app(program)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f9")
        screen = app.query_one(C64Screen)
        await wait_until(pilot, lambda: any("HELLO" in line for line in screen.text_lines()))
        await pilot.press("f9")
        await wait_until(pilot, lambda: app.host.paused)
        cycles = app.machine.cycles
        for name, data in (("bad.d64", b"not a disk"), ("empty.prg", b"\x01")):
            (tmp_path / name).write_bytes(data)
            await answer(pilot, app, "f5", str(tmp_path / name))
            assert any(name in n.message for n in app._notifications)
        assert app.machine.cycles == cycles                      # no reset happened
        assert any("HELLO" in line for line in screen.text_lines())
        assert app.disk == program


@pilot
async def test_a_rom_bank_switch_is_not_a_write(program):
    app = make_app(program)
    async with app.run_test(size=SIZE) as pilot:
        m = app.machine
        writes = lambda: app.memory_panel.heat.writes    # noqa: E731
        await app.calls.settled()                # the boot's load has run
        app.refresh_panels()
        await pilot.pause()
        m.memory.set_port(0x2F, 0x34)            # BASIC, I/O and KERNAL out: RAM shows there
        app.refresh_panels()
        await pilot.pause()
        assert not writes()[0xA000 // 64:].any()
        m.memory.set_port(0x2F, 0x37)
        m.ram[0x3000] ^= 0xFF                    # a real RAM write
        app.refresh_panels()
        await pilot.pause()
        assert writes()[0x3000 // 64] == 1.0 and not writes()[0xA000 // 64:].any()


@pilot
async def test_debugger_lines_fit_at_160_columns(program):
    app = make_app(program)
    async with app.run_test(size=(160, 50)) as pilot:
        await run_to(pilot, app, "wait")
        app.update_debugger()
        panel = app.query_one(DebuggerPanel)
        lines = panel.plain().splitlines()
        assert any("cycles" in line for line in lines) and any("test.s:7" in line for line in lines)
        assert max(len(line) for line in lines) <= panel.content_size.width, lines
