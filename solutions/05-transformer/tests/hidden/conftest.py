"""Hidden-only oracles for the 05-transformer tests (never released).

The pieces of the handout's own algorithms that the oracles need around Hugging Face: the causal
keep-mask with the KV-cache offset, RoPE's cos/sin in the input's dtype (HF computes them in
float32 only), and the greedy decoding loop. They stay out of the released tests/conftest.py
(which keeps the library-backed oracles: torch, HF Llama modules); the public tests use values
these produced once instead (fixtures/public/expected_values.json, written by
tools/make_public_expected.py).

This `oracle` fixture extends the one of tests/conftest.py with these helpers, so hidden tests
call `oracle.hf_attention(...)` and `oracle.make_llama(...)` alike.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch
from transformers import LlamaConfig
from transformers.models.llama.modeling_llama import LlamaAttention, apply_rotary_pos_emb


def causal_keep_mask(q_len: int, k_len: int) -> torch.Tensor:
    """(q_len, k_len) bool, query i (at position i + k_len - q_len) sees keys 0 .. that position."""
    return torch.ones(q_len, k_len, dtype=torch.bool).tril(diagonal=k_len - q_len)


def rope_cos_sin(position_ids: torch.Tensor, d: int, theta: float, dtype=torch.float64):
    """HF's default RoPE cos/sin, (..., d) = cat(freqs, freqs), computed in `dtype` (HF uses float32)."""
    inv_freq = 1.0 / (theta ** (torch.arange(0, d, 2, dtype=dtype) / d))  # (d/2,)
    freqs = position_ids.to(dtype)[..., None] * inv_freq
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos(), emb.sin()


def hf_rope_exact(x: torch.Tensor, position_ids: torch.Tensor, theta: float, unsqueeze_dim: int) -> torch.Tensor:
    """HF apply_rotary_pos_emb with cos/sin computed in x's dtype (float64 stays float64)."""
    cos, sin = rope_cos_sin(position_ids, x.shape[-1], theta, dtype=x.dtype)
    out, _ = apply_rotary_pos_emb(x, x, cos, sin, unsqueeze_dim=unsqueeze_dim)
    return out


def hf_attention(x, wq, wk, wv, wo, n_heads, n_kv_heads, positions, theta):
    """Causal HF LlamaAttention (eager) on x (B, T, D) with RoPE positions (T,), in x's dtype."""
    B, T, D = x.shape
    head_dim = wq.shape[0] // n_heads
    cfg = LlamaConfig(
        hidden_size=D, num_attention_heads=n_heads, num_key_value_heads=n_kv_heads, head_dim=head_dim,
        rope_parameters={"rope_type": "default", "rope_theta": float(theta)}, attn_implementation="eager",
    )
    attn = LlamaAttention(cfg, layer_idx=0).to(x.dtype).eval()
    with torch.no_grad():
        for lin, w in ((attn.q_proj, wq), (attn.k_proj, wk), (attn.v_proj, wv), (attn.o_proj, wo)):
            lin.weight.copy_(w)
        cos, sin = rope_cos_sin(positions[None, :], head_dim, theta, dtype=x.dtype)  # (1, T, hd)
        mask = torch.zeros(T, T, dtype=x.dtype).masked_fill(~causal_keep_mask(T, T), float("-inf"))
        out, _ = attn(x, position_embeddings=(cos, sin), attention_mask=mask[None, None])
    return out


def hf_greedy(model, input_ids: torch.Tensor, max_new_tokens: int, min_margin: float = 1e-3) -> torch.Tensor:
    """Greedy ids by re-running HF on the whole sequence each step.

    Also checks that at every step the top-2 logit gap exceeds `min_margin`, so that the
    expected ids do not hinge on float rounding (a check on the test itself).
    """
    ids = input_ids
    for _ in range(max_new_tokens):
        with torch.no_grad():
            last = model(input_ids=ids, use_cache=False).logits[:, -1, :]
        top2 = last.topk(2, dim=-1).values
        assert (top2[:, 0] - top2[:, 1]).min() > min_margin, "test setup: near-tie in greedy decoding"
        ids = torch.cat([ids, last.argmax(dim=-1, keepdim=True)], dim=1)
    return ids


HIDDEN_HELPERS = dict(
    causal_keep_mask=causal_keep_mask,
    rope_cos_sin=rope_cos_sin,
    hf_rope_exact=hf_rope_exact,
    hf_attention=hf_attention,
    hf_greedy=hf_greedy,
)


@pytest.fixture(scope="session")
def oracle(oracle) -> SimpleNamespace:
    """tests/conftest.py's `oracle` plus the hidden-only helpers above."""
    return SimpleNamespace(**vars(oracle), **HIDDEN_HELPERS)
