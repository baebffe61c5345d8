"""Narrowed activations (soulterm/soul/narrowing.py): shifts move, int8 values stay."""

from __future__ import annotations

import numpy as np
import pytest

from soulterm.paths import DEFAULT_SOUL, DEFAULT_TOKENIZER
from soulterm.soul import intmath, spec
from soulterm.soul.engine import Engine
from soulterm.soul.narrowing import NarrowingError, main, narrow, narrow_as_far_as_fits
from soulterm.soul.reference import PROMPTS
from soulterm.soul.soulfile import Soul, load_soul
from soulterm.soul.tokenizer import Tokenizer


def arrays_of(soul: Soul) -> dict:
    return {name: (t.values, t.shift) for name, t in soul.tensors.items()}


@pytest.fixture(scope="module")
def shipped():
    return load_soul(DEFAULT_SOUL)


def test_only_shifts_move_and_the_fc_biases_divide(shipped):
    before = arrays_of(shipped)
    after = narrow(before, 1, 2)
    moved = {name: after[name][1] - before[name][1] for name in before}
    assert moved["norm"] == 1 and moved["out"] == -1
    for layer in ("l0", "l1"):
        assert [moved[f"{layer}.{part}"] for part in ("n1", "n2", "q", "k", "v", "proj")] == [1, 1, -1, -1, 1, -2]
        assert moved[f"{layer}.fc1_w"] == moved[f"{layer}.fc1_b"] == 1
        assert moved[f"{layer}.fc2_w"] == moved[f"{layer}.fc2_b"] == -2
        assert np.array_equal(after[f"{layer}.fc1_b"][0], np.round(before[f"{layer}.fc1_b"][0] / 2))
        assert np.array_equal(after[f"{layer}.fc2_b"][0], np.round(before[f"{layer}.fc2_b"][0] / 4))
    assert moved["te"] == moved["pe"] == 0
    for t in spec.TENSORS:
        if t.kind == spec.KIND_WEIGHT:          # every int8 value (and gain) as it was
            assert np.array_equal(after[t.name][0], before[t.name][0]), t.name


def test_a_norms_output_is_floored_by_the_norm_bits(shipped):
    rng = np.random.default_rng(5)
    gain = shipped["l0.n1"]
    narrowed_shift = narrow(arrays_of(shipped), 2, 0)["l0.n1"][1]
    for _ in range(50):
        x = rng.integers(-4000, 4000, size=spec.EMBED_DIM)
        wide = intmath.rmsnorm(x, gain.values, gain.shift)
        assert np.array_equal(intmath.rmsnorm(x, gain.values, narrowed_shift), wide >> 2)


def test_the_shipped_soul_narrowed_further_answers_nearly_alike(shipped):
    tokenizer = Tokenizer.load(DEFAULT_TOKENIZER)
    narrowed = Engine(Soul.from_arrays(narrow(arrays_of(shipped), 1, 1)))
    original = Engine(shipped)
    same = sum(narrowed.reply(tokenizer, p).text == original.reply(tokenizer, p).text for p in PROMPTS)
    assert same >= 0.85 * len(PROMPTS)
    # and the logits keep their scale: the last prompt position's, for every prompt
    for prompt in PROMPTS[:8]:
        context = tokenizer.encode_turn(prompt)
        a = original.forward_full(context)[-1].logits
        b = narrowed.forward_full(context)[-1].logits
        assert np.corrcoef(a, b)[0, 1] > 0.99, prompt


def test_the_shipped_soul_is_narrow(monkeypatch):
    """The norms' and the ReLU's outputs, which matvec reads, are mostly under 128 in size
    (matvec.s's 29-cycle slot); before narrowing, 41% and 67% were."""
    tokenizer = Tokenizer.load(DEFAULT_TOKENIZER)
    engine = Engine(load_soul(DEFAULT_SOUL))
    counts = {"rmsnorm": [0, 0], "relu": [0, 0]}
    for name, tally in counts.items():
        def counting(*args, plain=getattr(intmath, name), tally=tally):
            out = plain(*args)
            tally[0] += int(np.sum(np.abs(out) <= 127))
            tally[1] += np.size(out)
            return out
        monkeypatch.setattr(intmath, name, counting)
    for prompt in PROMPTS:
        engine.reply(tokenizer, prompt)
    for name, (small, total) in counts.items():
        assert total > 0 and small >= 0.9 * total, name


def test_too_many_bits_name_the_tensor_and_fitting_takes_fewer(shipped):
    arrays = arrays_of(shipped)
    with pytest.raises(NarrowingError, match="tensor .*: shift"):
        narrow(arrays, 9, 0)
    with pytest.raises(NarrowingError, match="0 or more"):
        narrow(arrays, -1, 0)
    fitted, norm_bits, activation_bits = narrow_as_far_as_fits(arrays, 9, 1)
    assert 0 < norm_bits < 9 and activation_bits == 1
    assert all(np.array_equal(fitted[k][0], v[0]) and fitted[k][1] == v[1]
               for k, v in narrow(arrays, norm_bits, 1).items())
    with pytest.raises(NarrowingError):
        narrow(arrays, norm_bits + 1, 1)
    same, n, a = narrow_as_far_as_fits(arrays, 0, 0)
    assert (n, a) == (0, 0) and all(same[k][1] == arrays[k][1] for k in arrays)


def test_the_command_writes_a_soul_and_refuses_bad_input_in_one_line(tmp_path, capsys):
    out = tmp_path / "narrow.bin"
    assert main([str(DEFAULT_SOUL), str(out), "--norm-bits", "1", "--activation-bits", "1"]) == 0
    assert load_soul(out)["norm"].shift == load_soul(DEFAULT_SOUL)["norm"].shift + 1
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"not a soul")
    assert main([str(bad), str(tmp_path / "x.bin")]) == 1
    assert main([str(DEFAULT_SOUL), str(tmp_path / "y.bin"), "--norm-bits", "12"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("narrowing: ") for line in err)
    assert not (tmp_path / "x.bin").exists() and not (tmp_path / "y.bin").exists()
