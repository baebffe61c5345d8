"""docs/spectrum-guide.md, the reader's guide to the Spectrum players, says only what the tree holds.

Every kernel file, benchmark script and source path it names exists; every flag it names is defined by a
kernel (`NAME =`, `.ifdef NAME`) or by the build code (soulterm/zx/*.py); each flag its option lists give a
player is one that player's build has; its memory maps' region names are the 48K's and the 128K's build maps'
own, in order, and its bank table the 128K's banks' (benchmarks/zx_memory_maps.py, whose output the guide
pastes); each section of docs/spectrum.md it sends a reader to is a heading there. docs/spectrum.md's top and
README.md's Spectrum section point to it. Each check also fails on a guide doctored to break it.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "spectrum-guide.md"
NOTEBOOK = ROOT / "docs" / "spectrum.md"
KERNELS = ROOT / "kernels" / "z80"
BENCHMARKS = ROOT / "benchmarks"
FLAG = re.compile(r"`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)`")
KERNEL_FILE = re.compile(r"\b([a-z][a-z0-9_]*\.s)\b")
SCRIPT = re.compile(r"\b((?:z80|zx|zx48|zx128)_[a-z0-9_]+\.py)\b")
PATH = re.compile(r"\b((?:soulterm|tests|benchmarks|kernels|docs|models)/[A-Za-z0-9_./*-]*[A-Za-z0-9_*])")
HISTORY = re.compile(r'^History: (.*)$', re.M)


def maps_script():
    spec = importlib.util.spec_from_file_location("zx_memory_maps", BENCHMARKS / "zx_memory_maps.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def guide_text() -> str:
    return GUIDE.read_text()


def missing_files(text: str) -> list[str]:
    """The kernel files, benchmark scripts and paths the text names that the tree lacks."""
    missing = [name for name in set(KERNEL_FILE.findall(text)) if not (KERNELS / name).is_file()]
    missing += [name for name in set(SCRIPT.findall(text)) if not (BENCHMARKS / name).is_file()]
    for path in set(PATH.findall(text)):
        if not (list(ROOT.glob(path)) if "*" in path else (ROOT / path).exists()):
            missing.append(path)
    return sorted(missing)


def defined_flags() -> set[str]:
    """The names a kernel or the build code defines or tests (`NAME =`, also after a string's \\n, or `.ifdef` /
    `.ifndef NAME`), and the environment variables (SOULTERM_*) the code or the tests read."""
    sources = [path.read_text() for path in KERNELS.glob("*.s")]
    sources += [path.read_text() for path in (ROOT / "soulterm" / "zx").glob("*.py")]
    names = set()
    for source in sources:
        names.update(re.findall(r"(?:(?<![A-Za-z0-9_])|(?<=\\n))([A-Z][A-Z0-9_]*)\s*=", source))
        names.update(re.findall(r"\.ifn?def\s+([A-Z][A-Z0-9_]*)", source))
    for path in [*(ROOT / "soulterm").rglob("*.py"), *(ROOT / "tests").glob("*.py")]:
        names.update(re.findall(r"[\"'](SOULTERM_[A-Z0-9_]+)[\"']", path.read_text()))
    return names


def undefined_flags(text: str, defined: set[str]) -> list[str]:
    return sorted(set(FLAG.findall(text)) - defined)


def block(text: str, part: str) -> str:
    """The guide's pasted output of `zx_memory_maps.py --part PART`."""
    found = re.search(rf"<!-- zx_memory_maps.py --part {part} -->\n(.*?)\n<!-- end {part} -->", text, re.S)
    assert found, f"the guide has no {part} block"
    return found.group(1)


def table_column(table: str, column: int) -> list[str]:
    """A Markdown table's cells of one column, its header and rule left out."""
    rows = [line for line in table.splitlines() if line.startswith("|")][2:]
    return [[cell.strip() for cell in row.strip().strip("|").split(" | ")][column] for row in rows]


def listed_options(text: str) -> dict[str, set[str]]:
    """The options block's flags by its line's title."""
    lines = block(text, "options").splitlines()
    return {line[2:line.index(":")]: set(FLAG.findall(line)) for line in lines if line.startswith("- ")}


def headings() -> list[str]:
    return [line.lstrip("#").strip() for line in NOTEBOOK.read_text().splitlines() if line.startswith("#")]


def unknown_history(text: str, titles: list[str]) -> list[str]:
    """The section titles the guide's History lines quote that no heading of docs/spectrum.md starts with."""
    quoted = [title for line in HISTORY.findall(text) for title in re.findall(r'"([^"]+)"', line)]
    assert quoted, "the guide sends a reader to no section"
    return [title for title in quoted if not any(heading.startswith(title) for heading in titles)]


@pytest.fixture(scope="module")
def builds():
    module = maps_script()
    return module, module.players()


def test_every_file_script_and_path_the_guide_names_exists():
    text = guide_text()
    assert missing_files(text) == []
    assert {"planes.s", "fc1planes.s", "nzmatvec.s", "logitplanes.s"} <= set(KERNEL_FILE.findall(text))
    doctored = text + "\nSee `kernels/z80/nosuch.s`, nosuchkernel.s and z80_nosuch.py.\n"
    assert missing_files(doctored) == ["kernels/z80/nosuch.s", "nosuch.s", "nosuchkernel.s", "z80_nosuch.py"]


def test_every_flag_the_guide_names_is_defined_by_the_kernels_or_the_build():
    text, defined = guide_text(), defined_flags()
    assert len(FLAG.findall(text)) > 100
    assert undefined_flags(text, defined) == []
    assert undefined_flags(text + "`AT_NO_SUCH_FORM` and `MV_SLOTS_BY_MAGIC`", defined) == ["AT_NO_SUCH_FORM",
                                                                                            "MV_SLOTS_BY_MAGIC"]


def test_the_memory_maps_are_the_builds_region_names_in_order(builds):
    module, players = builds
    text = guide_text()
    for part, model in (("maps48", "48k"), ("maps128", "128k")):
        wanted = [name for _, _, _, name in module.region_rows(players[model])]
        assert table_column(block(text, part), 3) == wanted, part
    wanted = [what for _, _, _, what in module.bank_rows(players["128k"])]
    assert table_column(block(text, "banks"), 3) == wanted
    doctored = text.replace("| KV cache: values of layer 0 |", "| KV cache: the values of layer 0 |", 1)   # (the 48K has
    # no key cache since zx48wire34's packed key planes)
    assert doctored != text
    assert table_column(block(doctored, "maps48"), 3) != [name for *_, name in module.region_rows(players["48k"])]


def misplaced_options(text: str, module, players) -> list[str]:
    """The flags the guide's option lists give a player (or bank 6) that its build does not have so."""
    listed = listed_options(text)
    ours, theirs = module.options(players["48k"]), module.options(players["128k"])
    planes = module.bank_blocks(players["128k"])[6].symbols
    want = {"both players": ours & theirs, "the 48K only": ours - theirs, "the 128K only (its main block)": theirs - ours,
            "the 128K's bank 6 (planes.s's own assembly)": {name for name, value in planes.items() if value == 1}}
    assert set(listed) == set(want) and all(listed.values()), "the four option lists"
    return sorted(f"{title}: {name}" for title, names in listed.items() for name in names - want[title])


def test_each_option_the_guide_gives_a_player_is_in_that_players_build(builds):
    module, players = builds
    text = guide_text()
    assert misplaced_options(text, module, players) == []
    doctored = text.replace("- the 48K only: ", "- the 48K only: `AT_PLANE_SCORES`, ", 1)
    assert misplaced_options(doctored, module, players) == ["the 48K only: AT_PLANE_SCORES"]


def test_the_history_lines_name_sections_of_docs_spectrum_md():
    text, titles = guide_text(), headings()
    assert unknown_history(text, titles) == []
    doctored = text + '\nHistory: "Thirty-third round: a section nobody wrote".\n'
    assert unknown_history(doctored, titles) == ["Thirty-third round: a section nobody wrote"]


def test_docs_spectrum_md_and_the_readme_point_to_the_guide():
    top = NOTEBOOK.read_text().split("\n## ", 1)[0]
    assert "(spectrum-guide.md)" in top.split("Status:", 1)[0]
    readme = (ROOT / "README.md").read_text()
    spectrum = readme.split("## The ZX Spectrum: ", 1)[1].split("\n## ", 1)[0]
    assert "(docs/spectrum-guide.md)" in spectrum
