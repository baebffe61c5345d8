"""The exporter's quantizer against SPEC.md, and the float model against the integer engine."""

from __future__ import annotations


import numpy as np
import pytest

torch = pytest.importorskip("torch")

from soulterm.soul import spec  # noqa: E402
from soulterm.soul.engine import Engine  # noqa: E402
from soulterm.soul.model import (NORM_SCALE, SoulModel, fake_quant_weight, quantize_bias,  # noqa: E402
                                 quantize_weight)
from soulterm.soul.soulfile import Soul  # noqa: E402



@pytest.mark.parametrize("max_abs, shift", [
    (1.0, 6),        # 127 / 1 = 127 -> log2 6.99
    (0.99, 7),       # 128.3 -> 7
    (127.0, 0),
    (128.0, -1),     # 0.99 -> log2 < 0
    (0.25, 8),       # 508 -> 8.99
    (1e-13, 0),      # all zero: SPEC says 0
])
def test_shift_is_floor_log2_of_127_over_max(max_abs, shift):
    _, s = quantize_weight(np.array([max_abs, -max_abs / 3]))
    assert s == shift


def test_rounding_is_half_to_even_and_stays_in_int8():
    # max 1.0 -> shift 6 -> scale 64. 0.5/64 steps land exactly on halves.
    w = np.array([1.0, 0.5 / 64, 1.5 / 64, 2.5 / 64, -0.5 / 64, -1.5 / 64])
    q, s = quantize_weight(w)
    assert s == 6
    assert q.tolist() == [64, 0, 2, 2, 0, -2]
    # the floor keeps max|w| * 2^s <= 127: 0.997 * 2^7 would be 127.6
    q, s = quantize_weight(np.array([127.6 / 128, -127.6 / 128]))
    assert s == 6 and q.tolist() == [64, -64]


def test_bias_is_in_the_accumulator_scale_of_its_matrix():
    b = np.array([0.5, -0.25, 1000.0, -1000.0, 1 / 1024])
    # s_w = 3: scale 2^(8+3) = 2048; 1/1024 * 2048 = 2
    assert quantize_bias(b, 3).tolist() == [1024, -512, 32767, -32768, 2]


def test_requantizing_the_reference_soul_gives_it_back(vectors_soul):
    """A soul made by an exporter (the original's or ours): dequantize, quantize again -> same bytes.

    Holds for every tensor whose largest |q| is 64..127 (the exporter's own output
    range); for a smaller largest |q| the shift was chosen on a larger float max."""
    soul = vectors_soul
    checked = 0
    for t in spec.TENSORS:
        tensor = soul[t.name]
        if t.kind == spec.KIND_BIAS:
            real = tensor.values / 2.0 ** (8 + tensor.shift)
            assert quantize_bias(real, tensor.shift).tolist() == tensor.values.tolist(), t.name
            continue
        if np.abs(tensor.values).max() < 64:
            continue
        q, s = quantize_weight(tensor.values / 2.0 ** tensor.shift)
        assert s == tensor.shift, t.name
        assert np.array_equal(q, tensor.values), t.name
        checked += 1
    assert checked >= 20


def test_fake_quant_forward_is_the_export_and_gradient_passes_straight_through():
    w = torch.randn(16, 8, dtype=torch.float64, requires_grad=True)
    fq = fake_quant_weight(w)
    q, s = quantize_weight(w.detach().numpy())
    assert np.array_equal(fq.detach().numpy(), q / 2.0 ** s)
    fq.sum().backward()
    assert torch.equal(w.grad, torch.ones_like(w))


def test_model_export_has_every_tensor_and_loads_as_a_soul():
    torch.manual_seed(0)
    model = SoulModel()
    arrays = model.export_arrays()
    soul = Soul.from_arrays(arrays)
    assert len(soul.to_bytes()) == spec.SOUL_FILE_BYTES
    for name, param in model.soul_parameters().items():
        values, shift = arrays[name]
        if spec.TENSOR_BY_NAME[name].kind == spec.KIND_WEIGHT:
            assert np.abs(values).max() <= 127
            expected, expected_shift = quantize_weight(param.detach().double().numpy())
            assert shift == expected_shift and np.array_equal(values, expected.reshape(values.shape))


def float_and_engine_logits(model, arrays, seed: int):
    """The float model's and the engine (on the exported arrays)'s logits, Q8.8, for six
    random [SEP]-led sequences of the whole context."""
    engine = Engine(Soul.from_arrays(arrays))
    tokens = np.random.default_rng(seed).integers(4, spec.VOCAB_SIZE, size=(6, spec.CONTEXT))
    tokens[:, 0] = spec.SEP
    with torch.no_grad():
        float_logits = model(torch.tensor(tokens)).numpy() * 256
    return float_logits, engine.batch_logits(tokens)


def test_float_model_tracks_the_integer_engine():
    """Same weights: the float model (exact attention) and the engine agree closely."""
    torch.manual_seed(3)
    model = SoulModel()
    model.exact_attention = True
    float_logits, int_logits = float_and_engine_logits(model, model.export_arrays(), seed=3)
    scale = np.abs(int_logits).mean()
    assert np.abs(float_logits - int_logits).mean() < 0.05 * scale
    agree = (float_logits[..., 3:].argmax(-1) == int_logits[..., 3:].argmax(-1)).mean()
    assert agree > 0.9


def test_fixed_norm_gains_export_the_scaled_matrices_and_track_the_engine():
    """fix_norm_gains(1.0): the norms export as exactly 1.0, the matrices they feed as
    NORM_SCALE (8) x their parameters, and the float model still computes what the engine does."""
    torch.manual_seed(5)
    model = SoulModel()
    with torch.no_grad():      # the used matrices as a fresh model's, so attention stays as soft
        for name, param in model.soul_parameters().items():
            if name.split(".")[-1] in ("q", "k", "v", "fc1_w", "out"):
                param /= 8.0
    model.fix_norm_gains(1.0)
    assert model.matrix_scale == NORM_SCALE == 8.0
    model.exact_attention = True
    arrays = model.export_arrays()
    for name, param in model.soul_parameters().items():
        values, shift = arrays[name]
        if name.split(".")[-1] in ("n1", "n2", "norm"):
            assert np.all(values == 1 << shift), name
        elif name.split(".")[-1] in ("q", "k", "v", "fc1_w", "out"):
            expected, expected_shift = quantize_weight(8.0 * param.detach().double().numpy())
            assert shift == expected_shift and np.array_equal(values, expected.reshape(values.shape)), name
    float_logits, int_logits = float_and_engine_logits(model, arrays, seed=5)
    assert np.abs(float_logits - int_logits).mean() < 0.05 * np.abs(int_logits).mean()
