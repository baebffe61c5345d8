"""Layout assumptions of the kernels fail at assembly, not at run time."""

import shutil

import pytest

from soulterm.asm import AsmError, assemble
from soulterm.paths import KERNELS_DIR
from soulterm.player.harness import kernel_source
from soulterm.player.layout import SPEC_INCLUDE, spec_include, vocab_include
from soulterm.soul.tokenizer import Tokenizer, base_vocab


def _assemble_with(tmp_path, file: str, old: str, new: str):
    """Assemble the kernel bench's sources with one line of one kernel file changed."""
    kernels = tmp_path / "kernels"
    shutil.copytree(KERNELS_DIR, kernels)
    text = (kernels / file).read_text()
    assert old in text
    (kernels / file).write_text(text.replace(old, new))
    (kernels / SPEC_INCLUDE).write_text(spec_include())
    (kernels / "vocab.inc").write_text(vocab_include(Tokenizer(base_vocab(), [])))
    return assemble(kernel_source(), filename="<layout test>", include_paths=[str(kernels)])


def test_the_unchanged_sources_assemble(tmp_path):
    program = _assemble_with(tmp_path, "memory.inc", "VEC_HIGH        = 128", "VEC_HIGH        = 128")
    assert program.symbols["ATT_WEIGHTS_END"] - program.symbols["ATT_WEIGHTS"] == 160


@pytest.mark.parametrize("file, old, new, message", [
    ("memory.inc", "ATT_WEIGHTS     = $CF00", "ATT_WEIGHTS     = $CF80", "one page"),
    ("memory.inc", "KV_CACHE        = $B700", "KV_CACHE        = $B710", "activations"),
    ("memory.inc", "SCORE_3         = $CDC0", "SCORE_3         = $CDF0", "VEC_Z's page"),
    ("memory.inc", "SCORE_0         = $CD40", "SCORE_0         = $CD30", "overlap z"),
    ("memory.inc", "STARTUP_LIMIT   = VEC_H", "STARTUP_LIMIT   = $CC80", "live state"),
    ("memory.inc", "STARTUP_LIMIT   = VEC_H", "STARTUP_LIMIT   = $D100", "I/O area"),
    ("matvec.s", "MV_MAX_COLS     = FFN_DIM", "MV_MAX_COLS     = 128", "empty block by its entry's low byte"),
    ("memory.inc", "SQ_MID_ALIGNED  = IO_AREA", "SQ_MID_ALIGNED  = IO_AREA + 1", "page-aligned"),
    ("memory.inc", "SQ_MID_ALIGNED_END = SQ_MID_ALIGNED + 384", "SQ_MID_ALIGNED_END = SQ_MID_ALIGNED + 256",
     "within the copy"),
    ("memory.inc", "OPENER_KV_PAGES = MAX_OPENERS", "OPENER_KV_PAGES = MAX_OPENERS + 1", "below the quarter squares"),
])
def test_a_broken_layout_stops_the_assembler(tmp_path, file, old, new, message):
    with pytest.raises(AsmError, match=message):
        _assemble_with(tmp_path, file, old, new)


def test_spec_include_carries_the_shape_of_spec_py():
    from soulterm.soul import spec

    text = spec_include()
    for name in ("VOCAB_SIZE", "EMBED_DIM", "FFN_DIM", "CONTEXT", "N_HEADS", "HEAD_DIM"):
        assert f"{name:<24}= {getattr(spec, name)}\n" in text
