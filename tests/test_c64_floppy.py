"""D64 images with damaged sector chains: every chain bounded, files read lazily, the fault named in one line."""

from __future__ import annotations

import pytest
from d64 import DiskImage

from soulterm.c64 import C64, LoadError
from soulterm.c64.floppy import SECTORS_35, Floppy, FloppyError, sectors_on_track
from soulterm.c64.loader import Disk

from test_c64_helpers import prg


def offset_of(track: int, sector: int) -> int:
    return (sum(sectors_on_track(t) for t in range(1, track)) + sector) * 256


def make_disk(path, files: dict[bytes, bytes]):
    DiskImage.create("d64", path, b"FLOPPY", b"64")
    with DiskImage(path, mode="w") as image:
        for name, data in files.items():
            with image.path(name).open("w", ftype="prg") as handle:
                handle.write(data)
    return path


def first_block(path, index: int = 0) -> tuple[int, int]:
    image = path.read_bytes()
    entry = offset_of(18, 1) + 2 + 32 * index
    return image[entry + 1], image[entry + 2]


def relink(path, track: int, sector: int, to: tuple[int, int]) -> None:
    image = bytearray(path.read_bytes())
    image[offset_of(track, sector):offset_of(track, sector) + 2] = bytes(to)
    path.write_bytes(bytes(image))


def test_geometry_is_683_sectors_on_35_tracks():
    assert SECTORS_35 == 683
    assert offset_of(18, 0) == 0x16500          # the BAM's well-known offset


def test_files_match_the_d64_package_byte_for_byte(tmp_path):
    big = bytes(range(256)) * 9 + b"tail"                    # several blocks and a partial last one
    path = make_disk(tmp_path / "d.d64", {b"ONE": prg("RTS"), b"TWO": big})
    disk = Disk(path)
    assert disk.title == b"FLOPPY"
    assert [f.display_name for f in disk.files] == ["ONE", "TWO"]
    assert disk.find("two").data == big
    assert disk.find("one").data == prg("RTS")


@pytest.mark.parametrize("loop", ["self", "pair"])
def test_looping_file_chain_is_a_one_line_error_not_a_hang(tmp_path, loop):
    path = make_disk(tmp_path / "loop.d64", {b"LOOPY": bytes(2000)})
    track, sector = first_block(path)
    if loop == "self":
        relink(path, track, sector, (track, sector))
    else:
        image = path.read_bytes()
        second = tuple(image[offset_of(track, sector):offset_of(track, sector) + 2])
        relink(path, *second, (track, sector))
    disk = Disk(path)                                        # opening reads no file: still fine
    with pytest.raises(LoadError, match=r'damaged D64 image: the sector chain of "LOOPY" loops back to track'):
        disk.find("LOOPY").data
    with pytest.raises(LoadError, match="loops back"):
        C64().load_file(path)


def test_self_linked_directory_is_a_one_line_error(tmp_path):
    path = make_disk(tmp_path / "dir.d64", {b"A": prg("RTS")})
    relink(path, 18, 1, (18, 1))
    with pytest.raises(LoadError, match=r"directory's sector chain loops back to track 18 sector 1"):
        Disk(path)


def test_link_off_the_disk_is_named(tmp_path):
    path = make_disk(tmp_path / "off.d64", {b"A": bytes(600)})
    track, sector = first_block(path)
    relink(path, track, sector, (36, 0))
    with pytest.raises(LoadError, match="links to track 36 sector 0 is not on a 35-track disk"):
        Disk(path).find("A").data


def test_a_damaged_file_does_not_stop_another_from_loading(tmp_path):
    path = make_disk(tmp_path / "two.d64", {b"BAD": bytes(600), b"GOOD": prg("RTS")})
    track, sector = first_block(path, 0)
    relink(path, track, sector, (track, sector))
    assert C64().load_file(path, name="GOOD") == 0xC000


def test_forty_track_images_are_read():
    image = bytearray(768 * 256)
    floppy = Floppy(bytes(image))
    assert floppy.tracks == 40
    with pytest.raises(FloppyError, match="40-track"):
        floppy.sector(41, 0)


def test_kernal_load_of_a_looping_file_fails_without_hanging(tmp_path):
    path = make_disk(tmp_path / "k.d64", {b"LOOPY": bytes(600)})
    track, sector = first_block(path)
    relink(path, track, sector, (track, sector))
    machine = C64()
    machine.mount(path)
    assert machine.disk_file(b"LOOPY") is None


def test_machine_process_answers_a_looping_disk_at_once(tmp_path):
    """The TUI's machine process (F5 or an argument) gets the one-line error, not a spin.

    A spinning child would end the call with the host's timeout instead of this message."""
    from soulterm.tui.machine_process import ProcessHost

    path = make_disk(tmp_path / "loop.d64", {b"LOOPY": bytes(2000)})
    relink(path, 18, 1, (18, 1))                                # the directory links to itself
    host = ProcessHost(paused=True)
    try:
        with pytest.raises(ValueError, match="directory's sector chain loops"):
            host.load(path)
    finally:
        host.stop()
