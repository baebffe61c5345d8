"""The project's reference vectors are current with models/ and well formed."""

from __future__ import annotations

from soulterm import paths
from soulterm.soul import reference, spec

from conftest import PROJECT_VECTORS


def test_reference_vectors_match_the_shipped_soul():
    rendered = reference.render(PROJECT_VECTORS.soul, PROJECT_VECTORS.tokenizer)
    for name, text in rendered.items():
        stored = (paths.REFERENCE_DIR / name).read_text()
        assert stored == text, (f"tests/reference/{name} is stale with models/: "
                                "run `python -m soulterm.soul.reference` and commit the result")


def test_reference_vectors_cover_the_edge_cases():
    # A typed line loses its trailing spaces in the C64's screen editor, so no prompt has one.
    assert all(text == text.rstrip(" ") for text in reference.PROMPTS)
    cases = {case["text"]: case for case in PROJECT_VECTORS.replies}
    assert cases[""]["context"] == [spec.SEP, spec.SEP]
    # The long prompt is cut to the tokenizer's prompt budget (docs/SPEC.md), never to a fixed 16.
    kept = PROJECT_VECTORS.tokenizer.prompt_ids + 2
    assert len(cases[reference.TRACE_PROMPT]["context"]) == kept
    trace = PROJECT_VECTORS.trace
    assert trace["tokens"][:kept] == cases[reference.TRACE_PROMPT]["context"]
    # ...so the trace goes on past the prompt into the reply.
    assert len(trace["positions"]) == len(trace["tokens"]) > kept


def test_generator_writes_both_files(tmp_path, capsys):
    assert reference.main(["--output", str(tmp_path)]) == 0
    for name in (reference.REPLIES_FILE, reference.TRACE_FILE):
        assert (tmp_path / name).read_text() == (paths.REFERENCE_DIR / name).read_text()
    assert reference.main(["--soul", str(tmp_path / "missing.bin"), "--output", str(tmp_path)]) == 1
    assert "not found" in capsys.readouterr().err
