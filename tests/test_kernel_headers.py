"""Every kernel header's cycles and bytes are what the kernels measure today.

A header states its kernel's bytes in the PRG ("Bytes: N") and the cycles of
the cases `soulterm bench --kernels` times; a change to a kernel that moves
either figure must update the header with it.
"""

from __future__ import annotations

import re

import pytest

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER, KERNELS_DIR
from soulterm.player.bench import kernel_rows, source_sizes, tokenizer_rows
from soulterm.player.build import assemble_player

FILE_OF_KERNEL = {"matvec": "matvec.s", "rmsnorm": "rmsnorm.s", "attention_head": "attention.s",
                  "embed": "embed.s", "residual_add": "vecops.s", "relu_z": "vecops.s",
                  "argmax": "vecops.s"}


def header(file: str) -> str:
    """The comment block a kernel file opens with, as one line of text."""
    lines = []
    for line in (KERNELS_DIR / file).read_text().splitlines():
        if not line.startswith(";"):
            break
        lines.append(line.lstrip("; "))
    return " ".join(lines)


@pytest.fixture(scope="module")
def sizes():
    return source_sizes(assemble_player(DEFAULT_SOUL, DEFAULT_TOKENIZER))


def test_every_header_states_the_bytes_its_file_puts_in_the_prg(sizes):
    checked = 0
    for file in sorted(KERNELS_DIR.glob("*.s")):
        match = re.search(r"Bytes: ([\d,]+)", header(file.name))
        if match is None:
            continue
        stated = int(match.group(1).replace(",", ""))
        assert stated == sizes[f"kernels/{file.name}"], f"{file.name}: header says {stated} bytes"
        checked += 1
    assert checked >= 8


def test_every_measured_kernel_figure_is_in_its_header():
    for kernel, case, cycles in kernel_rows():
        text = header(FILE_OF_KERNEL[kernel])
        assert f"{cycles:,}" in text, f"{kernel} ({case}): {cycles:,} cycles, not in its header"


def test_the_tokenizer_header_states_its_measured_cycles():
    """tokenize's figures without a word list, with the shipped one and with the largest (bench.tokenizer_rows)."""
    text = header("tokenizer.s")
    for words, line, cycles in tokenizer_rows():
        assert f"{cycles:,}" in text, f"tokenize ({words}, {line!r}): {cycles:,} cycles, not in its header"
