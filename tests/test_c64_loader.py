"""Loading programs: PRG files, BASIC SYS stubs, D64 images (made with the d64 package), errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from d64 import DiskImage

from soulterm.c64 import C64, LoadError

from test_c64_helpers import assemble, basic_stub, prg

SAY_HI = """
    LDA #$48
    JSR $FFD2
    LDA #$49
    JSR $FFD2
    RTS
"""


def make_d64(path: Path, files: dict[bytes, bytes], title: bytes = b"TEST DISK") -> Path:
    DiskImage.create("d64", path, title, b"64")
    with DiskImage(path, mode="w") as image:
        for name, data in files.items():
            with image.path(name).open("w", ftype="prg") as handle:
                handle.write(data)
    return path


def stub_program(source: str) -> bytes:
    """A PRG at $0801: `10 SYS nnnn` followed by the machine code it calls."""
    stub = basic_stub(2064)
    padding = 2064 - 0x0801 - len(stub)                     # the code starts exactly at 2064
    code = assemble(source, 2064)
    return bytes([0x01, 0x08]) + stub + bytes(padding) + code


def test_basic_sys_stub_is_found_and_started_as_run_would():
    m = C64()
    start = m.load_prg(stub_program(SAY_HI))
    assert start == 2064
    assert m.run(max_cycles=10_000) == "halted"
    assert any(line.startswith("HI") for line in m.screen_lines())
    end = 0x0801 + len(stub_program(SAY_HI)) - 2
    assert (m.ram[0x2D] | m.ram[0x2E] << 8) == end          # VARTAB after the program


def test_run_again_starts_the_program_in_memory_at_its_sys_line():
    m = C64()
    m.load_prg(stub_program(SAY_HI))
    assert m.run(max_cycles=10_000) == "halted"             # back at READY
    assert m.run_again() == 2064
    assert m.run(max_cycles=10_000) == "halted"
    assert sum(line.startswith("HI") for line in m.screen_lines()) == 2
    m.ram[0x0801:0x0803] = bytes(2)                         # NEW: no program line left
    with pytest.raises(LoadError, match="no SYS line"):
        m.run_again()


def test_machine_code_prg_starts_at_its_load_address(tmp_path):
    path = tmp_path / "hi.prg"
    path.write_bytes(prg(SAY_HI, 0xC000))
    m = C64()
    assert m.load_file(path) == 0xC000
    assert m.run(max_cycles=10_000) == "halted"


def test_d64_round_trip_first_prg_and_by_name(tmp_path):
    first = prg("LDA #$41\nJSR $FFD2\nRTS", 0xC000)
    second = prg("LDA #$42\nJSR $FFD2\nRTS", 0xC100)
    disk = make_d64(tmp_path / "two.d64", {b"FIRST": first, b"SOULPLAYER": second})
    m = C64()
    assert m.load_file(disk) == 0xC000
    assert bytes(m.ram[0xC000:0xC000 + len(first) - 2]) == first[2:]
    m = C64()
    assert m.load_file(disk, name="soulplayer") == 0xC100
    m = C64()
    assert m.load_file(disk, name="SOUL*") == 0xC100
    assert m.disk is not None and [f.display_name for f in m.disk.files] == ["FIRST", "SOULPLAYER"]
    assert m.disk.directory()[0].startswith('0 "TEST DISK')


def test_kernal_load_reads_from_the_mounted_disk(tmp_path):
    data = prg(".byte $11, $22, $33", 0x4000)
    loader = """
        LDA #$01
        LDX #$08
        LDY #$01            ; LOAD "DATA",8,1: to the file's own address
        JSR $FFBA
        LDA #$04
        LDX #<{name}
        LDY #$C0
        JSR $FFBD
        LDA #$00
        JSR $FFD5
        STX $FB
        STY $FC
        PHP
        PLA
        STA $FD
    end:
        JMP {end}
    name:
        .text "DATA"
    """
    where = assemble(loader.replace("#<{name}", "#$00"), 0xC000).index(b"DATA")
    code = assemble(loader.replace("#<{name}", f"#${where:02X}"), 0xC000)
    disk = make_d64(tmp_path / "d.d64", {b"LOADER": bytes([0, 0xC0]) + code, b"DATA": data})
    m = C64()
    m.load_file(disk)
    m.run(max_cycles=10_000)
    assert bytes(m.ram[0x4000:0x4003]) == bytes([0x11, 0x22, 0x33])
    assert (m.ram[0xFB], m.ram[0xFC]) == (0x03, 0x40)      # end address + 1
    assert not m.ram[0xFD] & 1                              # carry clear: success


def test_kernal_load_of_a_missing_file_sets_carry(tmp_path):
    source = """
        LDA #$01
        LDX #$08
        LDY #$01
        JSR $FFBA
        LDA #$04
        LDX #$NN
        LDY #$C0
        JSR $FFBD
        LDA #$00
        JSR $FFD5
        STA $FB
        PHP
        PLA
        STA $FD
    end:
        JMP {end}
        .text "NOPE"
    """
    where = assemble(source.replace("$NN", "$00"), 0xC000).index(b"NOPE")
    code = assemble(source.replace("$NN", f"${where:02X}"), 0xC000)
    disk = make_d64(tmp_path / "d.d64", {b"LOADER": bytes([0, 0xC0]) + code})
    m = C64()
    m.load_file(disk)
    m.run(max_cycles=10_000)
    assert m.ram[0xFD] & 1 and m.ram[0xFB] == 4               # FILE NOT FOUND


@pytest.mark.parametrize("data, message", [
    (b"\x01", "too short"),
    (b"\x00\xff" + bytes(300), "past $FFFF"),
    (b"\x10\x00\xea\xea", "zero page"),
])
def test_bad_prg_files_are_refused(data, message):
    with pytest.raises(LoadError, match=message.replace("$", r"\$")):
        C64().load_prg(data)


def test_basic_program_without_sys_is_refused():
    program = bytes([0x01, 0x08, 0x07, 0x08, 0x0A, 0x00, 0x99, 0x00, 0x00, 0x00])   # 10 PRINT
    with pytest.raises(LoadError, match="no BASIC interpreter"):
        C64().load_prg(program)


def test_missing_files_and_names_are_clear_errors(tmp_path):
    m = C64()
    with pytest.raises(LoadError, match="no such file"):
        m.load_file(tmp_path / "nothing.prg")
    disk = make_d64(tmp_path / "one.d64", {b"ONLY": prg("RTS")})
    with pytest.raises(LoadError, match="no file named 'OTHER'.*ONLY"):
        m.load_file(disk, name="other")
    with pytest.raises(LoadError, match="directory"):
        m.load_file(tmp_path)


def test_damaged_or_wrong_size_d64_is_refused(tmp_path):
    short = tmp_path / "short.d64"
    short.write_bytes(bytes(1000))
    with pytest.raises(LoadError, match="not a D64"):
        C64().load_file(short)
    zeros = tmp_path / "zeros.d64"
    zeros.write_bytes(bytes(174848))
    with pytest.raises(LoadError):
        C64().load_file(zeros)


def test_empty_disk_has_no_prg(tmp_path):
    empty = tmp_path / "empty.d64"
    DiskImage.create("d64", empty, b"EMPTY", b"00")
    with pytest.raises(LoadError, match="no PRG"):
        C64().load_file(empty)
