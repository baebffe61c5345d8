"""The integer engine: the ground truth of what the C64 computes (SPEC.md).

`Engine.step` runs one new position through both layers with a KV cache and
records what the TUI shows (attention weights of every head, hidden states,
logits). `forward_full` recomputes every position from scratch; tests prove
the two agree. `batch_logits` runs many teacher-forced sequences at once for
the trainer's evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import intmath, spec
from .intmath import EXP_LUT, sat16, shift_right
from .soulfile import Soul

H, D, E = spec.N_HEADS, spec.HEAD_DIM, spec.EMBED_DIM


@dataclass
class PositionTrace:
    """Everything computed for one position (one token fed to the engine)."""

    position: int
    token: int
    embed: np.ndarray = None
    hidden: list = field(default_factory=list)          # per layer, (32,) after the layer
    attention_lut: list = field(default_factory=list)   # per layer, (4, t+1) LUT weights
    logits: np.ndarray = None

    @property
    def attention_norm(self) -> list:
        """Attention weights as the softmax they stand for: LUT weights / their sum."""
        return [lut / lut.sum(axis=-1, keepdims=True) for lut in self.attention_lut]


@dataclass
class EngineState:
    """The KV cache of one conversation turn plus the trace of its last position."""

    keys: np.ndarray      # (layers, 20, 4, 8)
    values: np.ndarray    # (layers, 20, 4, 8)
    tokens: list = field(default_factory=list)
    last: PositionTrace | None = None

    @property
    def length(self) -> int:
        return len(self.tokens)


@dataclass
class Reply:
    context: list
    ids: list
    text: str
    ended: bool  # True when the soul chose END, False when the context filled up


class _Layer:
    """One layer's tensors arranged for fast numpy: q|k|v stacked into one
    matrix, every matrix stored transposed so `x @ W_t` serves one vector and
    a batch of rows alike."""

    def __init__(self, soul: Soul, layer: int):
        t = lambda name: soul[f"l{layer}.{name}"]
        self.n1, self.s_n1 = t("n1").values, t("n1").shift
        self.n2, self.s_n2 = t("n2").values, t("n2").shift
        self.qkv_t = np.ascontiguousarray(
            np.concatenate([t("q").values, t("k").values, t("v").values]).T)
        self.qkv_shift = np.repeat([t("q").shift + 1, t("k").shift + 1, t("v").shift + 1], E)
        self.proj_t, self.s_proj = np.ascontiguousarray(t("proj").values.T), t("proj").shift + 1
        self.fc1_t, self.fc1_b = np.ascontiguousarray(t("fc1_w").values.T), t("fc1_b").values
        self.s_fc1 = t("fc1_w").shift + 1
        self.fc2_t, self.fc2_b = np.ascontiguousarray(t("fc2_w").values.T), t("fc2_b").values
        self.s_fc2 = t("fc2_w").shift + 1

    def qkv_of(self, xn):
        """q, k, v for rows xn (..., 32), each with its own shift."""
        acc = xn @ self.qkv_t
        if self.qkv_shift.min() >= 0:
            out = sat16(acc >> self.qkv_shift)
        else:
            out = sat16(np.stack([shift_right(acc[..., i], int(s))
                                  for i, s in enumerate(self.qkv_shift)], axis=-1))
        return out[..., :E], out[..., E:2 * E], out[..., 2 * E:]

    def attention_out(self, h, att):
        """Residual after the attention projection (post = 1)."""
        return sat16(h + sat16(shift_right(att @ self.proj_t, self.s_proj)))

    def ffn_inputs(self, h):
        """fc1's input (RMSNorm of h) and fc2's (ReLU of fc1 + bias)."""
        yn = intmath.rmsnorm(h, self.n2, self.s_n2)
        return yn, intmath.relu(sat16(shift_right(yn @ self.fc1_t + self.fc1_b, self.s_fc1)))

    def feed_forward(self, h):
        """Residual after RMSNorm, fc1 + bias, ReLU, fc2 + bias (post = 1)."""
        _, z = self.ffn_inputs(h)
        return sat16(h + sat16(shift_right(z @ self.fc2_t + self.fc2_b, self.s_fc2)))


class Engine:
    def __init__(self, soul: Soul):
        self.soul = soul
        self.te, self.s_te = soul["te"].values, soul["te"].shift
        self.pe, self.s_pe = soul["pe"].values, soul["pe"].shift
        # Both embeddings already brought to Q8.8: embed = sat16(te_q88 + pe_q88).
        self.te_q88 = intmath.up(self.te, self.s_te)
        self.pe_q88 = intmath.up(self.pe, self.s_pe)
        self.layers = [_Layer(soul, layer) for layer in range(spec.N_LAYERS)]
        self.norm, self.s_norm = soul["norm"].values, soul["norm"].shift
        self.out_t = np.ascontiguousarray(soul["out"].values.T)
        self.s_out = soul["out"].shift

    # -- one position at a time (KV cache) ------------------------------------

    def new_state(self) -> EngineState:
        shape = (spec.N_LAYERS, spec.CONTEXT, H, D)
        return EngineState(np.zeros(shape, np.int64), np.zeros(shape, np.int64))

    def step(self, state: EngineState, token: int, inputs: list | None = None) -> np.ndarray:
        """Feed one token at the next position; returns its logits (128,). With `inputs`, each
        matrix-vector product's input is appended to it (matvec_inputs)."""
        t = state.length
        if t >= spec.CONTEXT:
            raise ValueError(f"context is full ({spec.CONTEXT} tokens)")
        if not 0 <= token < spec.VOCAB_SIZE:
            raise ValueError(f"token id {token} outside 0..{spec.VOCAB_SIZE - 1}")
        trace = PositionTrace(position=t, token=token)
        h = sat16(self.te_q88[token] + self.pe_q88[t])
        trace.embed = h
        for li, layer in enumerate(self.layers):
            xn = intmath.rmsnorm(h, layer.n1, layer.s_n1)
            q, k, v = layer.qkv_of(xn)
            state.keys[li, t] = k.reshape(H, D)
            state.values[li, t] = v.reshape(H, D)
            att, lut = _attend(q.reshape(H, D), state.keys[li, :t + 1], state.values[li, :t + 1])
            trace.attention_lut.append(lut)
            attended = layer.attention_out(h, att)
            h = layer.feed_forward(attended)
            trace.hidden.append(h)
            if inputs is not None:
                yn, z = layer.ffn_inputs(attended)
                inputs += [(f"l{li}.qkv", xn, 3 * E), (f"l{li}.proj", att, E),
                           (f"l{li}.fc1_w", yn, len(layer.fc1_b)), (f"l{li}.fc2_w", z, E)]
        if inputs is not None:
            inputs.append(("out", intmath.rmsnorm(h, self.norm, self.s_norm), self.out_t.shape[1]))
        trace.logits = self.logits_of(h)
        state.tokens.append(token)
        state.last = trace
        return trace.logits

    def logits_of(self, h):
        xn = intmath.rmsnorm(h, self.norm, self.s_norm)
        return sat16(shift_right(xn @ self.out_t, self.s_out))  # post = 0

    @staticmethod
    def next_token(logits) -> int:
        return intmath.argmax_token(logits)

    def reply(self, tokenizer, text: str) -> Reply:
        """One conversation turn by SPEC's rules: greedy until END or a full context."""
        context = tokenizer.encode_turn(text)
        state = self.new_state()
        for tok in context:
            logits = self.step(state, tok)
        ids, ended = [], False
        while state.length < spec.CONTEXT:
            nxt = self.next_token(logits)
            if nxt == spec.END:
                ended = True
                break
            ids.append(nxt)
            logits = self.step(state, nxt)
        return Reply(context, ids, tokenizer.decode(ids), ended)

    def matvec_inputs(self, tokens) -> list[tuple[str, np.ndarray, int]]:
        """Each matrix-vector product's input as `step` computes it for `tokens` fed in
        order: (the matrix, x, its rows) for layer by layer's q|k|v, proj, fc1 and fc2,
        then out. For the players' builds, which choose kernels by their inputs' ranges."""
        calls = []
        state = self.new_state()
        for token in tokens:
            self.step(state, token, calls)
        return calls

    # -- everything again, from scratch -----------------------------------------

    def forward_full(self, tokens) -> list[PositionTrace]:
        """Recompute every position without a cache (the slow, obvious way)."""
        tokens = list(tokens)
        traces = [PositionTrace(position=t, token=tok) for t, tok in enumerate(tokens)]
        h = np.stack([intmath.embed(self.te[tok], self.s_te, self.pe[t], self.s_pe)
                      for t, tok in enumerate(tokens)])
        for tr, row in zip(traces, h):
            tr.embed = row
        for layer in self.layers:
            new_h = []
            xn = np.stack([intmath.rmsnorm(row, layer.n1, layer.s_n1) for row in h])
            q, k, v = layer.qkv_of(xn)
            for t in range(len(tokens)):
                heads, luts = [], []
                for hd in range(H):
                    sl = slice(hd * D, hd * D + D)
                    out, lut = intmath.attention_head(q[t, sl], k[:t + 1, sl], v[:t + 1, sl])
                    heads.append(out)
                    luts.append(lut)
                traces[t].attention_lut.append(np.stack(luts))
                new_h.append(layer.feed_forward(layer.attention_out(h[t], np.concatenate(heads))))
            h = np.stack(new_h)
            for tr, row in zip(traces, h):
                tr.hidden.append(row)
        for tr, row in zip(traces, h):
            tr.logits = self.logits_of(row)
        return traces

    # -- many sequences at once, teacher forced ---------------------------------

    def batch_logits(self, sequences) -> np.ndarray:
        """Logits at every position of every sequence: (B, T) ids -> (B, T, 128).

        Causal, so padding after a sequence's end does not change its earlier
        positions. Vectorised over the batch and the positions.
        """
        seq = np.asarray(sequences, dtype=np.int64)
        if seq.ndim != 2 or seq.shape[1] > spec.CONTEXT:
            raise ValueError(f"sequences must be (B, T<={spec.CONTEXT}), got {seq.shape}")
        B, T = seq.shape
        h = intmath.embed(self.te[seq], self.s_te, self.pe[:T][None], self.s_pe)
        causal = np.tril(np.ones((T, T), dtype=bool))
        for layer in self.layers:
            xn = intmath.rmsnorm(h, layer.n1, layer.s_n1)
            q, k, v = (a.reshape(B, T, H, D) for a in layer.qkv_of(xn))
            scores = np.einsum("bthd,bjhd->bhtj", q, k)
            f = scores >> spec.SCORE_SHIFT
            f = np.where(causal, f, np.iinfo(np.int64).min // 2)
            gap = np.minimum(127, f.max(axis=-1, keepdims=True) - f)
            w = np.where(causal, EXP_LUT[np.clip(gap, 0, 127)], 0)
            num = np.einsum("bhtj,bjhd->bthd", w, v)
            att = sat16(num // w.sum(axis=-1).transpose(0, 2, 1)[..., None])
            h = layer.feed_forward(layer.attention_out(h, att.reshape(B, T, E)))
        return self.logits_of(h)


def _attend(q, keys, values):
    """All heads at one query position. q: (4, 8); keys/values: (t+1, 4, 8)."""
    f = (keys * q).sum(axis=2).T >> spec.SCORE_SHIFT            # (4, t+1)
    lut = EXP_LUT[np.minimum(127, f.max(axis=1, keepdims=True) - f)]
    weighted = (lut.T[:, :, None] * values).sum(axis=0)           # (4, 8)
    out = sat16(weighted // lut.sum(axis=1, keepdims=True))
    return out.reshape(-1), lut
