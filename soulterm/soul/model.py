"""The float model the trainer optimises: SPEC.md's transformer, quantization-aware.

Every operation mirrors the integer engine (shared/SPEC.md) in real units, so
that what the float model learns survives the export to int8 / Q8.8:

- weights pass through the exporter's own per-tensor quantizer (shift =
  floor(log2(127 / max|w|)), round half-even, clamp +-127) with a
  straight-through gradient; biases are rounded to their matmul's
  accumulator scale 2^-(8 + s_w);
- activations are floored to Q8.8 (1/256) and saturated to the int16 range;
- a post = 1 matmul is `(W x + b) / 2`, the output projection is `W x`;
- RMSNorm: the integer version computes x * (2^19 / (16 rms)) / 2^15 with the
  inverse capped at 32767, i.e. y = x / max(rms(x), 1);
- attention: (q . k in Q16) >> 14 = 4 q.k, and LUT[d] = 255 exp(-d/16), so the
  weights are softmax(q.k / 4). With `exact_attention` the forward pass also
  floors the scores, rounds the LUT weights to integers and zeroes d >= 127.

This module and the trainer are the only places that import torch.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

from soulterm.paths import tokenizer_beside

from . import spec

Q88 = 256.0                     # Q8.8: real value x 256
ACT_MAX = 32767 / Q88           # int16 saturation, in real units
ACT_MIN = -32768 / Q88


# -- quantizers (straight-through) ------------------------------------------

def weight_shift(max_abs: float) -> int:
    """SPEC's per-tensor shift: floor(log2(127 / max|w|)), 0 for an all-zero tensor."""
    if max_abs <= 1e-12:
        return 0
    return int(math.floor(math.log2(127.0 / max_abs)))


def quantize_weight(w: np.ndarray) -> tuple[np.ndarray, int]:
    """The exporter's quantizer (SPEC.md): int8 values and shift of a float tensor."""
    w = np.asarray(w, dtype=np.float64)
    shift = weight_shift(float(np.abs(w).max(initial=0.0)))
    q = np.clip(np.round(w * 2.0 ** shift), -127, 127).astype(np.int64)
    return q, shift


def quantize_bias(b: np.ndarray, weight_shift_: int) -> np.ndarray:
    """A bias in its matmul's accumulator units: round(b * 2^(8 + s_w)), int16-clamped."""
    b = np.asarray(b, dtype=np.float64)
    return np.clip(np.round(b * 2.0 ** (8 + weight_shift_)), -32768, 32767).astype(np.int64)


def _straight_through(x: torch.Tensor, quantized: torch.Tensor) -> torch.Tensor:
    """quantized in the forward pass, identity gradient in the backward pass."""
    return x + (quantized - x).detach()


def _tensor_shift(w: torch.Tensor) -> int:
    return weight_shift(float(w.detach().abs().max()))


def fake_quant_weight(w: torch.Tensor) -> torch.Tensor:
    scale = 2.0 ** _tensor_shift(w)
    # torch.round is round-half-to-even, like numpy's.
    return _straight_through(w, torch.clamp(torch.round(w * scale), -127, 127) / scale)


def fake_quant_bias(b: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    scale = 2.0 ** (8 + _tensor_shift(w))
    return _straight_through(b, torch.clamp(torch.round(b * scale), -32768, 32767) / scale)


class _Q88(torch.autograd.Function):
    """Floor to Q8.8 and saturate; the gradient passes straight through.

    A Function rather than x + (q - x).detach(): three in-place ops instead of
    six full-size temporaries, and this runs ~15 times per forward pass.
    """

    @staticmethod
    def forward(ctx, x):
        y = torch.floor(x * Q88)
        return y.mul_(1.0 / Q88).clamp_(ACT_MIN, ACT_MAX)

    @staticmethod
    def backward(ctx, grad):
        return grad


def q88(x: torch.Tensor) -> torch.Tensor:
    """Floor to Q8.8 and saturate like sat16 (floor: every integer shift rounds down)."""
    return _Q88.apply(x)


# -- the model ---------------------------------------------------------------

class Block(nn.Module):
    """One layer: pre-norm attention and pre-norm ReLU feed-forward, residual."""

    def __init__(self):
        super().__init__()
        d, f = spec.EMBED_DIM, spec.FFN_DIM
        self.n1 = nn.Parameter(torch.ones(d))
        self.q = nn.Parameter(torch.randn(d, d) / math.sqrt(d))
        self.k = nn.Parameter(torch.randn(d, d) / math.sqrt(d))
        self.v = nn.Parameter(torch.randn(d, d) / math.sqrt(d))
        self.proj = nn.Parameter(torch.randn(d, d) / math.sqrt(d))
        self.n2 = nn.Parameter(torch.ones(d))
        self.fc1_w = nn.Parameter(torch.randn(f, d) / math.sqrt(d))
        self.fc1_b = nn.Parameter(torch.zeros(f))
        self.fc2_w = nn.Parameter(torch.randn(d, f) / math.sqrt(f))
        self.fc2_b = nn.Parameter(torch.zeros(d))


class SoulModel(nn.Module):
    """SPEC.md's 2-layer decoder: 128 tokens, 32 wide, 4 heads x 8, FFN 64, 20 positions."""

    def __init__(self):
        super().__init__()
        self.te = nn.Parameter(torch.randn(spec.VOCAB_SIZE, spec.EMBED_DIM))
        self.pe = nn.Parameter(torch.randn(spec.CONTEXT, spec.EMBED_DIM) * 0.5)
        self.layers = nn.ModuleList(Block() for _ in range(spec.N_LAYERS))
        self.norm = nn.Parameter(torch.ones(spec.EMBED_DIM))
        self.out = nn.Parameter(torch.randn(spec.VOCAB_SIZE, spec.EMBED_DIM) / math.sqrt(spec.EMBED_DIM))
        self.exact_attention = False
        # Training only: when set, every forward pass sums in `range_excess` how far the
        # normalised activations that feed a matvec reach beyond +-range_limit (real
        # units), for the trainer's activation-range penalty (TrainConfig.range_penalty).
        self.range_limit: float | None = None
        self.range_excess = torch.zeros(())
        # Training only: when set, every forward pass sums in `ffn_activity` the mean ReLU
        # output of each layer (real units), for TrainConfig.ffn_sparsity's L1 penalty.
        self.track_ffn = False
        self.ffn_activity = torch.zeros(())
        # Training only: when set, every forward pass sums in `attention_entropy` the mean
        # entropy of each layer's attention weights, for TrainConfig.attention_sharpness.
        self.track_attention = False
        self.attention_entropy = torch.zeros(())
        # With fixed norm gains (fix_norm_gains), the matrices a norm feeds (q, k, v, fc1
        # and out) are used, and exported, as this multiple of their parameters: the
        # scale learned gains would give lives in the matrix, whose per-tensor shift
        # absorbs it, while weight decay and Adam's steps see the parameters at their
        # usual size.
        self.matrix_scale = 1.0

    def fix_norm_gains(self, value: float) -> None:
        """Hold every RMSNorm gain at `value` (not learned, TrainConfig.norm_gain) and use
        the matrices the norms feed as NORM_SCALE / value times their parameters."""
        for gain in self.norm_gains():
            with torch.no_grad():
                gain.fill_(value)
            gain.requires_grad_(False)
        self.matrix_scale = NORM_SCALE / value

    def _after_norm(self, name: str, weight: torch.Tensor) -> torch.Tensor:
        """The matrix as used: scaled when it takes a norm's output (matrix_scale)."""
        return weight * self.matrix_scale if name.split(".")[-1] in _NORM_FED else weight

    def norm_gains(self) -> list[nn.Parameter]:
        return [g for layer in self.layers for g in (layer.n1, layer.n2)] + [self.norm]

    # soul.bin name -> parameter, in file order
    def soul_parameters(self) -> dict[str, nn.Parameter]:
        named = {"te": self.te, "pe": self.pe}
        for i, layer in enumerate(self.layers):
            for part in ("n1", "q", "k", "v", "proj", "n2", "fc1_w", "fc1_b", "fc2_w", "fc2_b"):
                named[f"l{i}.{part}"] = getattr(layer, part)
        named["norm"] = self.norm
        named["out"] = self.out
        return named

    def export_arrays(self) -> dict[str, tuple[np.ndarray, int]]:
        """{soul tensor name: (int values, shift)} exactly as SPEC.md's exporter makes them."""
        params = {name: self._after_norm(name, p.detach()).cpu().double().numpy()
                  for name, p in self.soul_parameters().items()}
        arrays = {}
        for t in spec.TENSORS:
            if t.kind == spec.KIND_BIAS:
                continue
            arrays[t.name] = quantize_weight(params[t.name])
        for t in spec.TENSORS:
            if t.kind == spec.KIND_BIAS:
                weight_name = t.name.replace("_b", "_w")
                shift = arrays[weight_name][1]
                arrays[t.name] = (quantize_bias(params[t.name], shift), shift)
        return arrays

    # -- forward ---------------------------------------------------------------

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """tokens (B, T) with T <= 20 -> logits (B, T, 128) in real units (int16 / 256)."""
        _, length = tokens.shape
        self.range_excess = torch.zeros((), device=tokens.device)
        self.ffn_activity = torch.zeros((), device=tokens.device)
        self.attention_entropy = torch.zeros((), device=tokens.device)
        te, pe = fake_quant_weight(self.te), fake_quant_weight(self.pe)
        h = q88(te[tokens] + pe[:length])                        # (B, T, 32)
        for layer in self.layers:
            h = self._block(layer, h)
        xn = self._rmsnorm(h, self.norm)
        return q88(xn @ fake_quant_weight(self._after_norm("out", self.out)).T)   # post = 0

    def _block(self, layer: Block, h: torch.Tensor) -> torch.Tensor:
        xn = self._rmsnorm(h, layer.n1)
        q = _matvec(xn, self._after_norm("q", layer.q))
        k = _matvec(xn, self._after_norm("k", layer.k))
        v = _matvec(xn, self._after_norm("v", layer.v))
        att = self._attention(q, k, v)                           # (B, T, 32)
        h = q88(h + _matvec(att, layer.proj))
        yn = self._rmsnorm(h, layer.n2)
        z = torch.relu(_matvec(yn, self._after_norm("fc1_w", layer.fc1_w), layer.fc1_b))   # (B, T, 64)
        if self.track_ffn:
            self.ffn_activity = self.ffn_activity + z.mean()
        return q88(h + _matvec(z, layer.fc2_w, layer.fc2_b))

    def _rmsnorm(self, x: torch.Tensor, gain: nn.Parameter) -> torch.Tensor:
        rms = torch.sqrt((x * x).mean(dim=-1, keepdim=True) + 1e-12)   # eps: finite gradient at 0
        y = q88(x / torch.clamp(rms, min=1.0))                 # the 2^19/r inverse caps at 1
        out = q88(y * fake_quant_weight(gain))
        if self.range_limit is not None:
            # mean squared overshoot per activation (B, T, 32 -> scalar)
            self.range_excess = self.range_excess + torch.relu(out.abs() - self.range_limit).pow(2).mean()
        return out

    def _attention(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        batch, length, _ = q.shape
        heads, dim = spec.N_HEADS, spec.HEAD_DIM
        q = q.view(batch, length, heads, dim).transpose(1, 2)    # (B, H, T, 8)
        k = k.view(batch, length, heads, dim).transpose(1, 2)
        v = v.view(batch, length, heads, dim).transpose(1, 2)
        causal = torch.ones(length, length, dtype=torch.bool, device=q.device).tril()
        scores = (q @ k.transpose(-1, -2)) * 4.0                  # (B, H, T, T): (q.k * 2^16) >> 14
        if not self.exact_attention:
            scores = scores.masked_fill(~causal, float("-inf"))
            weights = torch.softmax(scores / 16.0, dim=-1)        # LUT[d] = 255 exp(-d / 16)
            self._track_entropy(weights)
            return q88((weights @ v).transpose(1, 2).reshape(batch, length, heads * dim))
        # As the integer engine: f = floor(score), w = LUT[min(127, max f - f)], floor division.
        f = _straight_through(scores, torch.floor(scores))
        f = f.masked_fill(~causal, float("-inf"))
        d = f.max(dim=-1, keepdim=True).values.detach() - f
        lut = 255.0 * torch.exp(-d / 16.0)                       # rounded: SPEC's exp table
        lut = _straight_through(lut, torch.clamp(torch.round(lut), 1.0, 255.0))
        lut = torch.where(d >= 127, torch.zeros_like(lut), lut)
        self._track_entropy(lut / lut.sum(dim=-1, keepdim=True))
        out = (lut @ v) / lut.sum(dim=-1, keepdim=True)
        return q88(out.transpose(1, 2).reshape(batch, length, heads * dim))

    def _track_entropy(self, weights: torch.Tensor) -> None:
        """Add the mean entropy of attention `weights` (B, H, T, T; each row sums to 1) to
        attention_entropy when track_attention is set."""
        if self.track_attention:
            terms = torch.where(weights > 0, weights * torch.log(weights.clamp(min=1e-30)), torch.zeros_like(weights))
            self.attention_entropy = self.attention_entropy - terms.sum(dim=-1).mean()


_NORM_FED = ("q", "k", "v", "fc1_w", "out")     # the matrices whose input is a norm's output
# With fixed norm gains, gain x matrix scale: about what learned gains grow to on the
# built-in corpus (10-16), so weight decay and Adam see the matrices' parameters at
# their usual size (docs/soul.md, fifth round).
NORM_SCALE = 8.0


def _matvec(x: torch.Tensor, w: torch.Tensor, b: nn.Parameter | None = None) -> torch.Tensor:
    """A post = 1 matmul: (W x + b) >> (s_w + 1), i.e. half of W x + b in real units."""
    acc = x @ fake_quant_weight(w).T
    if b is not None:
        acc = acc + fake_quant_bias(b, w)
    return q88(acc * 0.5)


# -- greedy replies with the float model -----------------------------------------

def greedy_replies(model: SoulModel, contexts: list[list[int]], device="cpu") -> list[list[int]]:
    """SPEC's conversation rule with the float model, batched: argmax over ids
    3..127 (lowest id on a tie) until END or until the context holds 20 tokens."""
    from .evaluation import batched_greedy

    was_training = model.training
    model.eval()

    @torch.no_grad()
    def batch_logits(batch: np.ndarray) -> np.ndarray:
        return model(torch.as_tensor(batch, device=device)).float().cpu().numpy()

    try:
        return batched_greedy(batch_logits, contexts)
    finally:
        model.train(was_training)


class FloatReplier:
    """The float model of a checkpoint, answering like `Engine.reply` does."""

    def __init__(self, model: SoulModel, tokenizer):
        self.model = model
        self.tokenizer = tokenizer

    def reply(self, text: str) -> str:
        context = self.tokenizer.encode_turn(text)
        return self.tokenizer.decode(greedy_replies(self.model, [context])[0])


def resolve_checkpoint(path) -> Path:
    """A checkpoint's model.pt from: the file itself, its folder, or a training output folder."""
    path = Path(path)
    if path.is_file():
        return path
    if (path / "model.pt").is_file():
        return path / "model.pt"
    checkpoints = path / "checkpoints" if (path / "checkpoints").is_dir() else path
    best = checkpoints / "best.json"
    if best.is_file():
        import json

        try:
            name = json.loads(best.read_text(encoding="utf-8"))["checkpoint"]
        except (OSError, ValueError, KeyError, TypeError):
            name = None
        if name and (checkpoints / name / "model.pt").is_file():
            return checkpoints / name / "model.pt"
    found = sorted(checkpoints.glob("epoch-*/model.pt"))
    if found:
        return found[-1]
    raise FileNotFoundError(f"{path}: no checkpoint (model.pt) found there")


def load_model_state(model_file: Path, device="cpu") -> dict:
    """The saved dictionary of a model.pt (weights, optimizer, config, epoch)."""
    try:
        # weights_only: a checkpoint is data; never run code from a downloaded file
        saved = torch.load(model_file, map_location=device, weights_only=True)
    except Exception as exc:   # torch raises many kinds for a file that is not a checkpoint
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(f"{model_file}: not a soulterm checkpoint ({first})") from None
    if not isinstance(saved, dict) or "model" not in saved or "epoch" not in saved:
        raise ValueError(f"{model_file}: not a soulterm checkpoint (no model weights and epoch)")
    return saved


def load_float_replier(checkpoint_path) -> FloatReplier:
    """Float model + tokenizer of a checkpoint, for `soulterm chat --float CHECKPOINT`.

    Raises FileNotFoundError or ValueError with a one-line message.
    """
    from .tokenizer import Tokenizer, TokenizerError

    model_file = resolve_checkpoint(checkpoint_path)
    saved = load_model_state(model_file)
    model = SoulModel()
    try:
        model.load_state_dict(saved["model"])
    except (KeyError, TypeError, RuntimeError) as exc:
        raise ValueError(f"{model_file}: weights do not match the soul's shape ({exc})") from None
    model.exact_attention = bool(saved.get("exact_attention", False))
    config = saved.get("config") if isinstance(saved.get("config"), dict) else {}
    if config.get("norm_gain", 0) > 0:
        model.fix_norm_gains(config["norm_gain"])
    try:
        tokenizer = Tokenizer.load(tokenizer_beside(model_file))
    except TokenizerError as exc:
        raise ValueError(str(exc)) from None
    return FloatReplier(model, tokenizer)


def sequence_batch(sequences: list[list[int]], device="cpu") -> tuple[torch.Tensor, torch.Tensor]:
    """Pad [SEP] p [SEP] r [END] sequences: inputs and targets (N, T), T = longest - 1, PAD = 0."""
    n = len(sequences)
    width = max(len(seq) for seq in sequences) - 1
    inputs = torch.zeros(n, width, dtype=torch.long)
    targets = torch.zeros(n, width, dtype=torch.long)
    for i, seq in enumerate(sequences):
        inputs[i, : len(seq) - 1] = torch.tensor(seq[:-1])
        targets[i, : len(seq) - 1] = torch.tensor(seq[1:])
    return inputs.to(device), targets.to(device)


def weighted_loss(logits: torch.Tensor, targets: torch.Tensor, weights: torch.Tensor,
                  label_smoothing: float = 0.0) -> torch.Tensor:
    """Weighted mean cross entropy over the choosable ids 3..127; weight 0 ignores a position."""
    mask = weights > 0
    picked = logits[..., spec.FIRST_CHOOSABLE:][mask]
    goal = targets[mask] - spec.FIRST_CHOOSABLE
    losses = F.cross_entropy(picked, goal, label_smoothing=label_smoothing, reduction="none")
    w = weights[mask]
    return (losses * w).sum() / w.sum()
