"""The soulterm app: a C64 or a ZX Spectrum running the transformer, and panels that watch it.

Layout (layout.py decides which fits): on a big terminal, the machine's
screen (with its border) and a status line on the left, the model panels
beside it (#insight: attention, next token, a layer, cycles, one score, in
tabs; Ctrl+T the next, Ctrl+O enlarges), the memory map and the debugger
below; on smaller ones a tab bar (and F1) chooses the panel shown beside or
instead of the screen. Every panel sits directly in the #desk container and
is listed in PANELS, so a new panel is one entry there and one widget in
compose.

The machine kind comes from the file booted (machines.py: a .tap is the
Spectrum's, a .prg or .d64 the C64's); loading the other kind swaps the
machine and the screen widget (C64Screen or ZXScreen, both MachineScreen).
The machine runs in its own thread or process behind the host protocol
(host_protocol.py); every command to it goes through a queue off the UI
thread (machine_calls.py), so the UI never waits on the machine. A timer
samples it ~12 times a second and sends each panel its data as a message.
Menu actions are key bindings (shown in the footer) and command palette
entries; long work (train, build) runs in workers inside its dialog. Build
and Export act on the machine on show (its MachineKind says what it builds
and which image is exported); F4 has one binding per machine, and
check_action hides the other machine's, so the footer says "Export D64" or
"Export TAP".
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import numpy as np
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Container, Vertical
from textual.css.query import NoMatches
from textual.widgets import Footer, Header, Static, Tab, TabbedContent, Tabs, TabPane

from soulterm import paths
from soulterm.paths import DEFAULT_D64, DEFAULT_SOUL, DEFAULT_TOKENIZER, ROOT as REPO_ROOT
from soulterm.tui.buildmap import BuildMap, MapError
from soulterm.tui.commands import SoultermCommands
from soulterm.tui.host import MachineHost
from soulterm.tui.layout import choose_layout
from soulterm.tui.machine_calls import MachineCalls
from soulterm.tui.machines import KINDS, LOADABLE, ZX_KIND, MachineKind, kind_for_path
from soulterm.tui.screens.build import BuildScreen
from soulterm.tui.screens.dialogs import ConfirmDialog, InputDialog
from soulterm.tui.screens.train import TORCH_HINT, TrainScreen
from soulterm.tui.widgets.attention import AttentionObserved, AttentionPanel
from soulterm.tui.widgets.c64_screen import C64Screen, ScreenFrame
from soulterm.tui.widgets.cycles import CyclesPanel
from soulterm.tui.widgets.debugger import DebuggerPanel, capture
from soulterm.tui.widgets.inside_layer import InsideLayerPanel
from soulterm.tui.widgets.machine_screen import MachineScreen
from soulterm.tui.widgets.insight import InsightPanel, ProbesObserved
from soulterm.tui.widgets.memory_map import SCALE_TITLE, MachineSampled, MemoryMapPanel, pc_location
from soulterm.tui.widgets.next_token import NextTokenPanel
from soulterm.tui.widgets.score_steps import ScoreStepsPanel
from soulterm.tui.widgets.status_line import StatusLine
from soulterm.tui.widgets.zx_screen import ZXFrame, ZXScreen

DEFAULT_DISK = DEFAULT_D64
REFRESH_HZ = 12
DEBUGGER_EVERY = 4        # while running, the debugger repaints every 4th frame
MEMORY_EVERY = 2          # the memory map and attention every 2nd (alternating): they cost CPU
PROBES_EVERY = 3          # the inside-the-model panels ask the machine for its probes every 3rd frame
# (id, tab title) of everything the tab bar can show; "screen" is the machine itself (titled
# by its kind), a tab only where nothing fits beside it. "insight" holds the model panels, in tabs
# of their own.
PANELS = (("screen", "C64"), ("insight", "Model"), ("memory", "Memory map"), ("debugger", "Debugger"))
SCREENS = {"c64": C64Screen, "zx": ZXScreen}     # the screen widget of each machine kind
SUB_TITLES = {"c64": "a transformer on a Commodore 64", "zx": "a transformer on a ZX Spectrum 48K",
              "zx128": "a transformer on a ZX Spectrum 128K"}     # (a tape that pages banks makes it a 128K)


class SoultermApp(App):
    """A Commodore 64 (or a ZX Spectrum) in the terminal, running a transformer in assembly."""

    CSS_PATH = "soulterm.tcss"
    TITLE = "soulterm"
    SUB_TITLE = SUB_TITLES["c64"]
    COMMANDS = App.COMMANDS | {SoultermCommands}

    BINDINGS = [
        Binding("f1", "next_panel", "Panels"),
        Binding("f2", "train", "Train"),
        Binding("f3", "build", "Build"),
        # One per machine; check_action shows the one for the machine on show.
        *(Binding("f4", f"export('{kind.name}')", f"Export {kind.image_label}") for kind in KINDS.values()),
        Binding("f5", "load", "Load"),
        Binding("f6", "reset", "Reset"),
        Binding("f7", "speed", "Speed"),
        Binding("f8", "mute", "Mute"),
        Binding("f9", "toggle_pause", "Pause"),
        Binding("f10", "step", "Step"),
        Binding("f11", "step_over", "Over", show=False),
        Binding("shift+f11", "step_out", "Out", show=False),
        Binding("f12", "restore", "RUN/STOP+RESTORE", show=False),
        Binding("ctrl+n", "next_kernel", "Next kernel", show=False),
        Binding("ctrl+b", "breakpoint", "Breakpoint", show=False),
        Binding("ctrl+g", "hex_goto", "Hex view", show=False),
        Binding("ctrl+t", "next_model_tab", "Model tab"),
        Binding("ctrl+o", "enlarge_panel", "Enlarge", show=False),
        Binding("tab", "focus_next", "Next focus", show=False),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(self, *, machine=None, host=None, machine_error: str = "", disk: Path | None = None,
                 map_path: Path | None = None, start_paused: bool = False, warp: bool = True,
                 sound: bool = False, sound_notice: str = "") -> None:
        super().__init__()
        self.machine = machine
        self.machine_error = machine_error
        self.disk = Path(disk) if disk else DEFAULT_DISK
        self.kind = kind_for_path(self.disk)
        self.map_path = Path(map_path) if map_path else self.kind.map_for(self.disk)
        self.start_paused = start_paused
        self.sound = sound
        self.sound_notice = sound_notice
        self.muted = False
        self.build_map = BuildMap.empty()
        # A ready host (the machine in its own process) or None: one is made here
        # around `machine`, running in a thread of this process.
        self.host = host
        if host is not None:
            self.machine = host.machine
        self._warp = warp
        self._frame_count = 0
        self._following = False    # the screen widget is being swapped for another machine's
        self._program = 0          # counts loads and resets (the memory map's write heat restarts)
        self.hex_target = ""
        self.calls: MachineCalls | None = None   # machine commands, run off the UI thread
        self.active_panel = "screen"      # what the tab bar shows where not everything fits
        self.layout_mode = ""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """An export binding belongs to one machine: hidden (and off) while the other runs."""
        if action == "export" and parameters:
            return parameters[0] == self.kind.name
        return True

    def notify(self, message: str, *, markup: bool = False, **options) -> None:
        """Messages here carry paths and hints like 'soulterm[train]': plain text, not markup."""
        super().notify(message, markup=markup, **options)

    # -- layout --------------------------------------------------------------

    def compose(self) -> ComposeResult:
        # Kept as attributes: the refresh timer must reach them while a dialog is on top.
        self.machine_screen: MachineScreen = SCREENS[self.kind.name](id="screen")
        self.status_line = StatusLine(id="status")
        self.attention_panel = AttentionPanel(id="attention")
        self.insight_panels: list[InsightPanel] = [
            NextTokenPanel(id="next-token"), InsideLayerPanel(id="inside-layer"),
            CyclesPanel(id="cycles"), ScoreStepsPanel(id="score-steps")]
        self.memory_panel = MemoryMapPanel(id="memory")
        self.debugger_panel = DebuggerPanel(id="debugger")
        yield Header(show_clock=False)
        with Container(id="desk"):
            yield Tabs(*(Tab(title, id=f"show-{name}") for name, title in PANELS), id="panel-tabs")
            with Vertical(id="machine"):
                yield self.machine_screen
                yield self.status_line
                yield Static(self.machine_screen.KEY_HELP, id="key-help")
            with TabbedContent(id="insight"):
                with TabPane("Attention", id="tab-attention"):
                    yield self.attention_panel
                for panel in self.insight_panels:
                    with TabPane(panel.TAB, id=f"tab-{panel.id}"):
                        yield panel
            yield self.memory_panel
            yield self.debugger_panel
        yield Footer()

    def on_mount(self) -> None:
        self.attention_panel.border_title = "Attention"
        self.attention_panel.tooltip = ("Each head's weights over the context for the token being computed, "
                                        "and one head's matrix for the whole turn.")
        self.memory_panel.border_title = SCALE_TITLE
        self.debugger_panel.border_title = "Debugger"
        self._apply_size(self.size.width, self.size.height)
        self._name_machine()
        self.machine_screen.focus()
        if self.sound_notice:
            self.notify(self.sound_notice, title="Sound", severity="warning")
        if self.machine is None:
            self._show_message(["NO MACHINE", "", *_wrap(self.machine_error or "the emulator is unavailable", 40)])
            self.notify(self.machine_error or "the emulator is unavailable", severity="error")
            return
        if self.host is None:
            self.host = MachineHost(self.machine, self.build_map, paused=self.start_paused, warp=self._warp,
                                    sound=self.sound)
        self.calls = MachineCalls(self.host, asyncio.get_running_loop())
        self._load_map(quiet=True)
        self._boot(self.disk)
        self.host.start()
        self.set_interval(1 / REFRESH_HZ, self.refresh_panels)
        self.refresh_panels()

    def on_resize(self, event) -> None:
        self._apply_size(event.size.width, event.size.height)

    def _apply_size(self, width: int, height: int) -> None:
        """Fit the layout to the terminal (layout.py) and show the panels it has room for."""
        main = self.screen_stack[0] if self.screen_stack else self.screen  # not a dialog on top
        layout = choose_layout(width, height)
        self.layout_mode = layout.mode
        for mode in ("dashboard", "beside", "single"):
            main.set_class(layout.mode == mode, f"-{mode}")
        main.query_one(Header).display = layout.header
        self.status_line.styles.height = layout.status_rows
        self.machine_screen.styles.height = layout.screen_rows
        tabs = main.query_one("#panel-tabs", Tabs)
        if layout.mode == "beside" and self.active_panel == "screen":
            self.active_panel = "insight"         # the screen is always beside
        screen_tab = tabs.query_one("#show-screen", Tab)
        screen_tab.display = layout.mode == "single"
        if tabs.active != f"show-{self.active_panel}":
            tabs.active = f"show-{self.active_panel}"
        self._show_panels()

    def _show_panels(self) -> None:
        everything = self.layout_mode == "dashboard"
        main = self.screen_stack[0] if self.screen_stack else self.screen
        # Single layout with a panel chosen: the machine column shrinks to its status line,
        # which always shows.
        panel_chosen = self.layout_mode == "single" and self.active_panel != "screen"
        main.set_class(panel_chosen, "-panel-chosen")
        self.machine_screen.display = not panel_chosen
        main.query_one("#key-help").display = not panel_chosen
        for name, _ in PANELS[1:]:
            main.query_one(f"#{name}").display = everything or self.active_panel == name

    @on(Tabs.TabActivated, "#panel-tabs")
    def _tab_chosen(self, event: Tabs.TabActivated) -> None:
        name = event.tab.id.removeprefix("show-") if event.tab and event.tab.id else "insight"
        if name == self.active_panel:
            return
        self.active_panel = name
        self._show_panels()
        # Where the machine's screen stays in view and has the keys, it keeps them (typing goes on);
        # where the chosen panel replaces it, the panel takes the focus.
        if self.layout_mode == "single" or self.focused is not self.machine_screen:
            widget = self.machine_screen if name == "screen" else self.query_one(f"#{name}")
            if name == "insight":
                widget = self._active_model_panel() or widget
            if widget.focusable:
                widget.focus()
        self.refresh_panels()

    def action_next_panel(self) -> None:
        """F1: the next panel in the tab bar (on the dashboard: the next focusable panel)."""
        if self.layout_mode == "dashboard":
            self.action_focus_next()
            return
        names = [name for name, _ in PANELS if name != "screen" or self.layout_mode == "single"]
        following = names[(names.index(self.active_panel) + 1) % len(names)] if self.active_panel in names else names[0]
        self.query_one("#panel-tabs", Tabs).active = f"show-{following}"

    # -- machine plumbing -------------------------------------------------------

    def _load_map(self, quiet: bool = False) -> None:
        try:
            self.build_map = BuildMap.load(self.map_path)
        except MapError as exc:
            self.build_map = BuildMap.empty(kind_for_path(self.disk).name)
            if not quiet or self.disk.exists():
                self.notify(str(exc), title="Memory map", severity="warning")
        self.memory_panel.set_map(self.build_map)
        if self.calls is not None:
            self.calls.send("set_map", self.build_map, then=self._reported("Memory map"))

    def machine_command(self, name: str, *args, refresh: bool = True, then=None) -> bool:
        """Queue a machine command; its error becomes a notification, then the panels refresh
        (and `then()` runs, after a success)."""
        if not self._require_host():
            return False
        def done(_result, error) -> None:
            if error is not None:
                self.notify(_error_text(error), severity="error")
            elif then is not None:
                then()
            if refresh:
                self.refresh_panels()
        return self.calls.send(name, *args, then=done)

    def _reported(self, title: str):
        """A `then` for commands whose only news is an error."""
        def done(_result, error) -> None:
            if error is not None:
                self.notify(_error_text(error), title=title, severity="error")
        return done

    def _dialog_open(self) -> bool:
        """A dialog (or the command palette) is up: another one would stack on it."""
        return len(self.screen_stack) > 1

    def _boot(self, path: Path, then=None) -> bool:
        if not path.exists():
            if kind_for_path(path) is ZX_KIND:
                self._show_message(["NO TAPE", "", *_wrap(f"{path} is missing.", 32), "",
                                    "F3 (Build) makes it from", "models/, as does",
                                    "soulterm build --machine zx;", "F5 loads another."])
                self.notify(f"{path}: not found; Build (F3) makes it", title="Tape", severity="warning")
                return False
            self._show_message([
                "NO DISK", "", *_wrap(f"{path} is missing.", 40), "",
                "PRESS F3 (BUILD) TO ASSEMBLE THE", "SOULPLAYER FLOPPY FROM MODELS/,",
                "OR F5 TO LOAD A PRG, D64 OR TAP.",
            ])
            self.notify(f"{path}: not found; Build (F3) makes it", title="Disk", severity="warning")
            return False
        def loaded(_start, error) -> None:
            # The host checks the file before its reset (program_check.py): a bad one
            # leaves the running machine alone and comes back here as one line.
            if error is not None:
                self.notify(f"{path}: {_error_text(error)}", title="Load failed", severity="error")
                return
            self._program += 1
            if then is not None:
                then()
            self.refresh_panels()
        return self.calls.send("load", path, then=loaded)

    def _show_message(self, lines: list[str]) -> None:
        frames = {"c64": ScreenFrame.with_text, "zx": ZXFrame.with_text}
        self._message_frame = frames[self.kind.name](lines)
        self.machine_screen.show(self._message_frame)

    def _name_machine(self) -> None:
        """The screen's tab and the header say which machine runs (a 128K after a tape that pages banks)."""
        self.screen_stack[0].query_one("#show-screen", Tab).label = self.kind.title
        self.sub_title = SUB_TITLES["zx128" if self.kind is ZX_KIND and _is_128k_tape(self.disk) else self.kind.name]

    async def _follow_machine(self) -> None:
        """The host runs another kind of machine now (a .tap loaded on the C64, or the
        reverse): its screen widget, key help and tab title follow."""
        main = self.screen_stack[0]            # not a dialog that may be on top
        try:
            kind = KINDS[self.host.kind]
            old = self.machine_screen
            had_focus = self.focused is old
            await old.remove()
            self.kind = kind
            main.refresh_bindings()              # the footer's Export names this machine's image
            self.machine_screen = SCREENS[kind.name](id="screen")
            await main.query_one("#machine", Vertical).mount(self.machine_screen, before=0)
            main.query_one("#key-help", Static).update(self.machine_screen.KEY_HELP)
            self._name_machine()
            self._apply_size(self.size.width, self.size.height)
            if had_focus or self.focused is None:
                self.machine_screen.focus()
        finally:
            self._following = False
        self.refresh_panels()

    def refresh_panels(self) -> None:
        """Sample the machine and hand every panel its view (the refresh timer)."""
        host = self.host
        if host is None:
            return
        self.machine = m = host.machine      # a load of the other kind swaps it in the host
        if host.kind != self.kind.name:
            if not self._following:
                self._following = True
                self.run_worker(self._follow_machine(), group="follow-machine")
            return
        self._frame_count += 1
        if self.calls is not None:
            self.calls.send("drain_events", then=self._show_events)
        if host.last_file is not None:
            self.machine_screen.show(type(self.machine_screen).frame_of(m))
        pc = m.cpu.pc
        ddr, port = int(m.ram[0]), int(m.ram[1])
        memory = self.memory_panel
        if memory.display and (host.paused or self._frame_count % MEMORY_EVERY == 0):
            memory.post_message(MachineSampled(bytes(m.ram), np.array(host.heat), m.cycles, pc,
                                               self._program))
        self.status_line.show(
            warp=host.warp, speed_hz=host.speed_hz(), cycles=m.cycles, muted=self.muted, sound=self.sound,
            clock_label=self.kind.clock_label,
            paused=host.paused, waiting=bool(getattr(m, "waiting_for_input", False)),
            where=f"PC ${pc:04X} {pc_location(self.build_map, pc, ddr, port)}")
        attention = self.attention_panel
        if host.attention is not None and (host.paused or self._frame_count % MEMORY_EVERY == 1):
            attention.post_message(AttentionObserved(host.attention.view(), self.build_map.vocab))
        if host.paused or self._frame_count % DEBUGGER_EVERY == 0:
            self.update_debugger()
        if self._frame_count % PROBES_EVERY == 0:
            self.observe_probes()

    def _active_model_panel(self) -> InsightPanel | AttentionPanel | None:
        """The model panel whose tab is chosen in #insight."""
        active = self.screen_stack[0].query_one("#insight", TabbedContent).active
        panels = [self.attention_panel, *self.insight_panels]
        return next((p for p in panels if f"tab-{p.id}" == active), None)

    def _active_insight(self) -> InsightPanel | None:
        """The inside-the-model panel on show, if one is (none while the app is being torn down)."""
        try:
            if not self.screen_stack[0].query_one("#insight", TabbedContent).display:
                return None
        except (NoMatches, IndexError):
            return None
        panel = self._active_model_panel()
        return panel if isinstance(panel, InsightPanel) else None

    def observe_probes(self) -> None:
        """Ask the machine what its probes saw; the panel on show gets it as a message."""
        panel = self._active_insight()
        if panel is None or self.calls is None:
            return

        def observed(view, error) -> None:
            if error is None and view is not None:
                panel.post_message(ProbesObserved(view, self.build_map, self.machine.ram))
        self.calls.send("observe_probes", then=observed)

    @on(TabbedContent.TabActivated, "#insight")
    def _model_tab_chosen(self, _event) -> None:
        self.observe_probes()

    def action_next_model_tab(self) -> None:
        """Ctrl+T: the next model panel (attention, next token, a layer, cycles, one score),
        bringing the model panels into view where the layout shows one thing at a time."""
        if self.layout_mode != "dashboard" and self.active_panel != "insight":
            self.query_one("#panel-tabs", Tabs).active = "show-insight"
            return
        tabs = self.query_one("#insight", TabbedContent)
        panes = [pane.id for pane in tabs.query(TabPane)]
        if tabs.active in panes:
            tabs.active = panes[(panes.index(tabs.active) + 1) % len(panes)]

    def action_enlarge_panel(self) -> None:
        """Ctrl+O: the model panels fill the screen, or go back to their place."""
        screen = self.screen_stack[0]
        if screen.maximized is not None:
            screen.minimize()
            return
        if self.layout_mode != "dashboard" and self.active_panel != "insight":
            self.query_one("#panel-tabs", Tabs).active = "show-insight"
        screen.maximize(self.query_one("#insight", TabbedContent), container=False)

    def _show_events(self, events, error) -> None:
        for event in events or ():
            self.notify(event.text, severity="error" if event.kind == "error" else "information")

    def update_debugger(self) -> None:
        if self.host is None:
            return
        panel = self.debugger_panel
        if panel.display:
            # Read without the machine's lock: the UI never waits on the machine thread.
            text = capture(self.machine, self.build_map, set(self.host.breakpoints), self.hex_target,
                           REPO_ROOT, self.host.paused, panel.content_size.height)
            panel.show(text)

    @on(MachineScreen.Typed)
    def _typed(self, message: MachineScreen.Typed) -> None:
        if self.host is not None and self.calls is not None:
            def typed(_result, error) -> None:
                if error is not None:  # a key the machine's keyboard does not have
                    self.notify(_error_text(error), severity="warning")
            self.calls.send("type_text", message.text, then=typed)

    # -- debugger actions ---------------------------------------------------------

    def _require_host(self) -> bool:
        if self.host is None:
            self.notify(self.machine_error or "no machine", severity="error")
            return False
        return True

    def action_toggle_pause(self) -> None:
        if self._require_host():
            self.machine_command("resume" if self.host.paused else "pause")

    def action_step(self) -> None:
        self.machine_command("step")

    def action_step_over(self) -> None:
        self.machine_command("step_over")

    def action_step_out(self) -> None:
        self.machine_command("step_out")

    def action_restore(self) -> None:
        """F12: RUN/STOP+RESTORE, the C64's way back to BASIC."""
        self.machine_command("press_restore", True, then=lambda: self.notify("RUN/STOP+RESTORE"))

    def action_next_kernel(self) -> None:
        self.machine_command("run_to_next_kernel")

    @work
    async def action_breakpoint(self) -> None:
        if not self._require_host() or self._dialog_open():
            return
        answer = await self.push_screen_wait(InputDialog(
            "Breakpoint", "Symbol or $address (prefix with - to clear it):", placeholder="matvec"))
        if not answer:
            return
        remove = answer.startswith("-")
        try:
            address = self.build_map.resolve(answer.lstrip("-"))
        except ValueError as exc:
            self.notify(str(exc), severity="error")
            return
        name = self.build_map.describe(address)

        def done(found, error) -> None:
            if error is not None:
                self.notify(_error_text(error), severity="error")
            elif remove:
                self.notify(f"breakpoint cleared at ${address:04X} {name}" if found else f"no breakpoint at ${address:04X}")
            else:
                self.notify(f"breakpoint at ${address:04X} {name}")
            self.update_debugger()
        self.calls.send("remove_breakpoint" if remove else "add_breakpoint", address, then=done)

    @work
    async def action_hex_goto(self) -> None:
        if self._dialog_open():
            return
        answer = await self.push_screen_wait(InputDialog(
            "Hex view", "Follow a symbol or $address (empty: the PC):", self.hex_target, "kv_cache"))
        if answer is None:
            return
        if answer:
            try:
                self.build_map.resolve(answer)
            except ValueError as exc:
                self.notify(str(exc), severity="error")
                return
        self.hex_target = answer
        self.update_debugger()

    # -- menu actions -----------------------------------------------------------------

    def action_speed(self) -> None:
        if self._require_host():
            warp = not self.host.warp
            self.machine_command("set_warp", warp)
            self.notify("warp: as fast as this computer goes" if warp
                        else f"{self.kind.clock_label}: real {self.kind.title} speed")

    def action_mute(self) -> None:
        if not self.sound:
            self.notify(self.sound_notice or "sound is off (no audio device)", severity="warning")
            return
        self.muted = not self.muted
        if self.host is not None:
            self.machine_command("set_muted", self.muted, refresh=False)
        self.notify("sound muted" if self.muted else "sound on")

    def action_reset(self) -> None:
        if self._require_host():
            self._program += 1
            if self.machine_command("reset"):
                self.notify("reset")

    @work
    async def action_load(self) -> None:
        if not self._require_host() or self._dialog_open():
            return
        answer = await self.push_screen_wait(InputDialog(
            "Load", "Path of a .prg or .d64 (C64) or a .tap (Spectrum) to reset and load:", str(self.disk),
            ok_label="Load"))
        if not answer:
            return
        path = Path(answer).expanduser()
        if path.suffix.lower() not in LOADABLE:
            self.notify(f"{path}: not a .prg, .d64 or .tap file", severity="error")
            return
        def loaded() -> None:
            self.disk = path
            self.map_path = kind_for_path(path).map_for(path)
            self._load_map(quiet=True)
            self._name_machine()
            self.notify(f"loaded {path}")
        self._boot(path, then=loaded)

    @work
    async def action_export(self, machine: str = "") -> None:
        """F4: copy the image of the machine on show (`machine` names it in the bindings)
        to a path the user chooses: the C64's .d64, the Spectrum's .tap."""
        if self._dialog_open():
            return
        kind = KINDS[machine] if machine in KINDS else self.kind
        title = f"Export {kind.image_label}"
        # The image booted, else the shipped one (a .prg on the C64 is not its floppy).
        source = self.disk if kind.is_image(self.disk) else kind.default_disk
        if not source.exists():
            self.notify(f"{source}: nothing to export yet; Build (F3) makes it", title=title, severity="error")
            return
        answer = await self.push_screen_wait(InputDialog(
            title, f"Copy {source.name} to:", str(Path.cwd() / source.name), ok_label="Export"))
        if not answer:
            return
        target = Path(answer).expanduser()
        if target.is_dir():
            target = target / source.name
        if target.suffix.lower() in LOADABLE and not kind.is_image(target):
            self.notify(f"{target.name}: the {kind.title}'s {kind.medium} is a {Path(kind.image_name).suffix} file",
                        title=title, severity="error")
            return
        if target.resolve() == source.resolve():
            self.notify(f"that is the {kind.medium} itself; choose another path", severity="warning")
            return
        if target.exists():
            if not await self.push_screen_wait(ConfirmDialog(title, f"{target} exists. Overwrite it?")):
                return
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        except OSError as exc:
            self.notify(f"{target}: {exc.strerror or exc}", title="Export failed", severity="error")
            return
        self.notify(f"exported {target} ({target.stat().st_size:,} bytes)")

    @work
    async def action_build(self) -> None:
        if self._dialog_open():
            return
        await self._build_and_boot(DEFAULT_SOUL, DEFAULT_TOKENIZER, paths.user_disk_dir())

    async def _build_and_boot(self, soul: Path, tokenizer: Path, output: Path) -> None:
        """The Build dialog for the machine on show; boots the image it built, with its map."""
        kind: MachineKind = self.kind
        built = await self.push_screen_wait(BuildScreen(soul, tokenizer, output, kind))
        if built is None or self.host is None:
            return
        self.disk = built
        self.map_path = kind.map_for(built)
        self._load_map()

        def booted() -> None:
            self._name_machine()
            self.notify(f"booted {self.disk}")
        self._boot(self.disk, then=booted)

    @work
    async def action_train(self) -> None:
        import importlib.util

        if self._dialog_open():
            return
        if importlib.util.find_spec("torch") is None:
            self.notify(TORCH_HINT, title="Train", severity="error")
            return
        trained = await self.push_screen_wait(TrainScreen())
        if trained is not None:
            await self._build_and_boot(trained / "soul.bin", trained / "tokenizer.json", trained / "disk")

    async def action_quit(self) -> None:
        self._stop_machine()
        self.exit()

    def on_unmount(self) -> None:
        self._stop_machine()

    def _stop_machine(self) -> None:
        if self.calls is not None:
            self.calls.close()
        if self.host is not None:
            self.host.stop()


def _error_text(error: BaseException) -> str:
    """A command's failure as one line (the exception's message, else its class)."""
    return str(error) or error.__class__.__name__


def _wrap(text: str, width: int) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        while len(word) > width:
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:width])
            word = word[width:]
        if len(line) + len(word) + (1 if line else 0) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(line)
    return lines


def _is_128k_tape(path: Path) -> bool:
    """Whether `path` is a tape that makes the Spectrum a 128K (unreadable: no)."""
    from soulterm.zx.tap import is_128k_tape

    try:
        return path.suffix.lower() == ".tap" and is_128k_tape(path.read_bytes())
    except OSError:
        return False
