"""The Z80 instruction table, cross-checked against an independent disassembler (the `z80` package's).

Every documented instruction form is written out as source, assembled on its
own, and the bytes disassembled again: the text must match what we wrote.
"""

import re

import pytest

from soulterm.asm import AsmError, assemble

z80 = pytest.importorskip("z80")

R8 = ["b", "c", "d", "e", "h", "l", "(hl)", "a"]
INDEXED = ["(ix+5)", "(iy-3)"]
PAIRS = ["bc", "de", "hl", "sp"]
CONDITIONS = ["nz", "z", "nc", "c", "po", "pe", "p", "m"]
IMPLIED = ["nop", "halt", "di", "ei", "exx", "daa", "cpl", "ccf", "scf", "rlca", "rla", "rrca", "rra",
           "neg", "reti", "retn", "rld", "rrd", "ldi", "ldir", "ldd", "lddr", "cpi", "cpir", "cpd",
           "cpdr", "ini", "inir", "ind", "indr", "outi", "otir", "outd", "otdr"]


def documented_forms() -> list[str]:
    forms = list(IMPLIED)
    for dst in R8:
        forms += [f"ld {dst},{src}" for src in R8 if not (dst == src == "(hl)")]
        forms.append(f"ld {dst},18")
    for reg in [r for r in R8 if r != "(hl)"]:
        for index in INDEXED:
            forms += [f"ld {reg},{index}", f"ld {index},{reg}"]
    forms += [f"ld {index},18" for index in INDEXED]
    forms += ["ld a,(bc)", "ld a,(de)", "ld a,(4660)", "ld (bc),a", "ld (de),a", "ld (4660),a",
              "ld a,i", "ld a,r", "ld i,a", "ld r,a", "ld sp,hl", "ld sp,ix", "ld sp,iy"]
    for pair in PAIRS + ["ix", "iy"]:
        forms += [f"ld {pair},4660", f"ld {pair},(4660)", f"ld (4660),{pair}"]
    for pair in ["bc", "de", "hl", "af", "ix", "iy"]:
        forms += [f"push {pair}", f"pop {pair}"]
    forms += ["ex de,hl", "ex af,af'", "ex (sp),hl", "ex (sp),ix", "ex (sp),iy"]
    for op in ["add a,", "adc a,", "sub ", "sbc a,", "and ", "xor ", "or ", "cp "]:
        forms += [op + src for src in R8 + INDEXED] + [op + "18"]
    for op in ["inc", "dec"]:
        forms += [f"{op} {r}" for r in R8 + INDEXED] + [f"{op} {p}" for p in PAIRS + ["ix", "iy"]]
    forms += [f"{op} hl,{p}" for op in ["add", "adc", "sbc"] for p in PAIRS]
    forms += [f"add {ix},{p}" for ix in ["ix", "iy"] for p in ["bc", "de", ix, "sp"]]
    for op in ["rlc", "rrc", "rl", "rr", "sla", "sra", "srl"]:
        forms += [f"{op} {r}" for r in R8 + INDEXED]
    for op in ["bit", "res", "set"]:
        forms += [f"{op} {bit},{r}" for bit in range(8) for r in R8 + INDEXED]
    forms += ["jp 4660", "jp (hl)", "jp (ix)", "jp (iy)", "jr *+5", "jr *-126", "djnz *+2", "call 4660",
              "ret"]
    forms += [f"jp {cc},4660" for cc in CONDITIONS] + [f"call {cc},4660" for cc in CONDITIONS]
    forms += [f"ret {cc}" for cc in CONDITIONS] + [f"jr {cc},*+9" for cc in CONDITIONS[:4]]
    forms += [f"rst {8 * n}" for n in range(8)] + ["im 0", "im 1", "im 2"]
    forms += ["in a,(254)", "out (254),a"]
    forms += [f"in {r},(c)" for r in R8 if r != "(hl)"] + [f"out (c),{r}" for r in R8 if r != "(hl)"]
    return forms


def normalise(text: str) -> str:
    """Compare texts without tags, spaces or number bases: 'ld Ra, N0x12' -> 'lda,18'."""
    text = re.sub(r"[A-Z]", "", text).replace(" ", "").replace("*", "$")
    text = re.sub(r"0x([0-9a-f]+)", lambda m: str(int(m.group(1), 16)), text)
    text = text.replace("$+0", "$").replace("rst", "rst ")
    return text


def test_every_documented_form_round_trips_through_the_z80_disassembler():
    forms = documented_forms()
    source = "".join(f" {form}\n" for form in forms)
    program = assemble(" .org $8000\n" + source, cpu="z80")
    machine = z80.Z80Machine()
    addresses = sorted(program.line_map)
    assert len(addresses) == len(forms)
    mismatches = []
    for index, address in enumerate(addresses):
        end = addresses[index + 1] if index + 1 < len(addresses) else program.end
        code = program.data[address - program.origin:end - program.origin]
        text, size = machine._disasm(code + bytes(4))
        form = forms[index].replace("rst ", "rst ")
        expected = normalise(form)
        if form.startswith("rst"):
            expected = "rst" + str(int(form.split()[1]))
        got = normalise(text).replace("rst ", "rst")
        if size != len(code) or got != expected:
            mismatches.append(f"{form}: {code.hex(' ')} disassembles as {text!r}")
    assert not mismatches, "\n".join(mismatches[:20])
    assert len(forms) > 650  # the documented set, with every register and bit spelled out


def test_opcode_bytes_of_well_known_instructions():
    program = assemble(" .cpu z80\n ld a,(ix+5)\n bit 3,(iy-2)\n ex af,af'\n ld (iy+1),7\n im 2\n",
                       cpu="6502")
    assert program.data == bytes.fromhex("dd7e05 fdcbfe5e 08 fd360107 ed5e")


def test_relative_jumps_and_labels_resolve_forwards_and_backwards():
    program = assemble(" .org $9000\nstart: jr end\n@loop: djnz @loop\n jp nz,start\nend: ret\n", cpu="z80")
    assert program.data == bytes.fromhex("1805 10fe c20090 c9")
    assert program.symbols["end"] == 0x9007
    assert program.line_map[0x9002] == ("<text>", 3)


def test_labels_named_like_conditions_are_addresses_where_one_belongs():
    program = assemble(" .org $9000\nm: djnz m\n jp p,m\n call m\n ld hl,m\n ret m\n", cpu="z80")
    assert program.data == bytes.fromhex("10fe f20090 cd0090 210090 f8")


def test_a_register_where_an_address_belongs_is_explained():
    with pytest.raises(AsmError, match="'l' is a register, not an address"):
        assemble(" jr l\n", cpu="z80")


def test_six502_default_is_unchanged_by_the_z80_table():
    # `and` and `inc` exist on both CPUs: the 6502 meaning holds unless .cpu z80 is in force.
    assert assemble(" and #3\n inc $10\n").data == bytes.fromhex("2903 e610")
    assert assemble(" .cpu z80\n and 3\n inc (hl)\n .cpu 6502\n and #3\n").data == bytes.fromhex("e603 34 2903")


@pytest.mark.parametrize("line, message", [
    ("ld (hl),(hl)", "'ld' has no form"),
    ("jr po,*", "'jr' takes a target"),
    ("ld a,ixh", "undocumented"),
    ("ld a,(ix+200)", "displacement 200 out of range"),
    ("bit 8,a", "bit number 8"),
    ("rst 3", "rst target $03"),
    ("im 3", "interrupt mode 3"),
    ("ld a,300", "value 300 out of range"),
    ("jr *+200", "relative jump out of range"),
    ("ld (ix+1),(iy+1)", "'ld' has no form"),
    ("ex hl,de", "'ex' takes"),
    ("push sp", "'push' takes"),
])
def test_impossible_instructions_are_reported_with_their_line(line, message):
    with pytest.raises(AsmError) as caught:
        assemble(" nop\n " + line + "\n", cpu="z80")
    assert caught.value.line == 2
    assert message in caught.value.reason


def test_unknown_cpu_is_a_clear_error():
    with pytest.raises(AsmError, match="unknown CPU '68000'"):
        assemble(" .cpu 68000\n")
