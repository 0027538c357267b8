"""Shared helpers for the 05-transformer tests: tiny Hugging Face Llama oracles.

Everything here runs on the trusted side. The student's code is reached only through the
`student` fixture; these helpers build the expected values with torch and transformers.
Seeds are set inside each test; nothing is downloaded. Tests run with
`--import-mode=importlib`, so they reach these helpers through the `oracle` fixture
(`oracle.randn(...)`, `oracle.hf_attention(...)`) rather than `import conftest`.
"""

from __future__ import annotations

import ast
from types import SimpleNamespace

import pytest
import torch
from transformers import LlamaConfig, LlamaForCausalLM
from transformers.models.llama.modeling_llama import (
    LlamaAttention,
    LlamaRotaryEmbedding,
    apply_rotary_pos_emb,
)

torch.set_num_threads(2)

# the names of the config dict that lm_forward / generate receive
CONFIG_KEYS = (
    "vocab_size",
    "hidden_size",
    "intermediate_size",
    "num_hidden_layers",
    "num_attention_heads",
    "num_key_value_heads",
    "rope_theta",
    "rms_norm_eps",
)


# -----------------------------------------------------------------------------
# random inputs


def randn(*shape, seed: int, dtype=torch.float32, scale: float = 1.0) -> torch.Tensor:
    """A seeded standard-normal tensor (seed local to this call)."""
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(*shape, generator=g, dtype=torch.float64) * scale).to(dtype)


def random_keep_mask(shape, seed: int, p_keep: float = 0.6) -> torch.Tensor:
    """A random bool mask (True = attend) in which every row keeps at least one key."""
    g = torch.Generator().manual_seed(seed)
    mask = torch.rand(*shape, generator=g) < p_keep
    first = torch.zeros(shape, dtype=torch.bool)
    idx = torch.randint(shape[-1], (*shape[:-1], 1), generator=g)
    first.scatter_(-1, idx, True)
    return mask | first


def causal_keep_mask(q_len: int, k_len: int) -> torch.Tensor:
    """(q_len, k_len) bool, query i (at position i + k_len - q_len) sees keys 0 .. that position."""
    return torch.ones(q_len, k_len, dtype=torch.bool).tril(diagonal=k_len - q_len)


# -----------------------------------------------------------------------------
# RoPE oracles (HF rotate_half convention)


def hf_rope_float32(x: torch.Tensor, position_ids: torch.Tensor, theta: float) -> torch.Tensor:
    """HF LlamaRotaryEmbedding + apply_rotary_pos_emb; x (B, H, T, d) float32, position_ids (B, T)."""
    d = x.shape[-1]
    cfg = LlamaConfig(
        hidden_size=d, num_attention_heads=1, num_key_value_heads=1, head_dim=d,
        rope_parameters={"rope_type": "default", "rope_theta": float(theta)},
    )
    rotary = LlamaRotaryEmbedding(cfg)
    cos, sin = rotary(x, position_ids)  # (B, T, d)
    out, _ = apply_rotary_pos_emb(x, x, cos, sin, unsqueeze_dim=1)
    return out


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


# -----------------------------------------------------------------------------
# attention oracle: HF LlamaAttention with copied weights


def attention_weights(d_model: int, n_heads: int, n_kv_heads: int, head_dim: int, seed: int, dtype=torch.float64):
    """Random (wq, wk, wv, wo) in nn.Linear layout, scaled 1/sqrt(fan_in)."""
    s = d_model**-0.5
    wq = randn(n_heads * head_dim, d_model, seed=seed, dtype=dtype, scale=s)
    wk = randn(n_kv_heads * head_dim, d_model, seed=seed + 1, dtype=dtype, scale=s)
    wv = randn(n_kv_heads * head_dim, d_model, seed=seed + 2, dtype=dtype, scale=s)
    wo = randn(d_model, n_heads * head_dim, seed=seed + 3, dtype=dtype, scale=(n_heads * head_dim) ** -0.5)
    return wq, wk, wv, wo


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


# -----------------------------------------------------------------------------
# tiny Llama LM oracle


def make_llama(seed: int, **overrides):
    """A tiny LlamaForCausalLM with random, well-scaled weights.

    HF's default init (std 0.02, norm weights 1) gives nearly uniform logits; here matrices
    are N(0, 1/fan_in), the embedding N(0, 1) and norm weights 1 + 0.2 N(0, 1), so every
    part of the network changes the logits. Returns (model, weights, config) where weights
    is the model's state_dict (HF key names) and config the dict lm_forward receives.
    """
    kw = dict(
        vocab_size=256, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, rope_theta=10000.0, rms_norm_eps=1e-6,
        max_position_embeddings=128,
    )
    kw.update(overrides)
    theta = kw.pop("rope_theta")
    cfg = LlamaConfig(
        **kw, rope_parameters={"rope_type": "default", "rope_theta": float(theta)},
        attn_implementation="eager", tie_word_embeddings=False,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(cfg).eval()
    g = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.ndim == 1:
                p.copy_(1.0 + 0.2 * torch.randn(p.shape, generator=g))
            elif name.endswith("embed_tokens.weight"):
                p.copy_(torch.randn(p.shape, generator=g))
            else:
                p.copy_(torch.randn(p.shape, generator=g) / p.shape[1] ** 0.5)
    weights = {k: v.detach().clone() for k, v in model.state_dict().items()}
    config = {k: (theta if k == "rope_theta" else kw[k]) for k in CONFIG_KEYS}
    return model, weights, config


def hf_logits(model, input_ids: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return model(input_ids=input_ids, use_cache=False).logits


def hf_greedy(model, input_ids: torch.Tensor, max_new_tokens: int, min_margin: float = 1e-3) -> torch.Tensor:
    """Greedy ids by re-running HF on the whole sequence each step.

    Also checks that at every step the top-2 logit gap exceeds `min_margin`, so that the
    expected ids do not hinge on float rounding (a check on the test itself).
    """
    ids = input_ids
    for _ in range(max_new_tokens):
        last = hf_logits(model, ids)[:, -1, :]
        top2 = last.topk(2, dim=-1).values
        assert (top2[:, 0] - top2[:, 1]).min() > min_margin, "test setup: near-tie in greedy decoding"
        ids = torch.cat([ids, last.argmax(dim=-1, keepdim=True)], dim=1)
    return ids


def random_ids(batch: int, length: int, vocab: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randint(vocab, (batch, length), generator=g)


# -----------------------------------------------------------------------------
# source checks

# attribute / imported names that would do the assignment's work for the student
BANNED_NAMES = {
    "scaled_dot_product_attention",
    "multi_head_attention_forward",
    "MultiheadAttention",
    "rms_norm",
    "RMSNorm",
}
BANNED_MODULES = {"transformers", "flash_attn", "xformers"}


def banned_uses(source: str) -> list[str]:
    """Uses of torch's attention/RMSNorm as attributes (F.scaled_dot_product_attention) or imports.

    Defining your own function with one of these names is fine; reaching torch's is not.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        return [f"the file does not parse: {exc}"]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in BANNED_NAMES:
            found.append(f"line {node.lineno}: .{node.attr}")
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name in BANNED_NAMES:
                    found.append(f"line {node.lineno}: from {node.module} import {alias.name}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("getattr", "__import__", "eval", "exec"):
            found.append(f"line {node.lineno}: {node.func.id}(...)")
    return found


# -----------------------------------------------------------------------------
# the fixture that hands the helpers to the tests


@pytest.fixture(scope="session")
def oracle() -> SimpleNamespace:
    """The helpers of this file as attributes, e.g. `oracle.make_llama(0)`."""
    return SimpleNamespace(
        randn=randn,
        random_keep_mask=random_keep_mask,
        causal_keep_mask=causal_keep_mask,
        hf_rope_float32=hf_rope_float32,
        rope_cos_sin=rope_cos_sin,
        hf_rope_exact=hf_rope_exact,
        attention_weights=attention_weights,
        hf_attention=hf_attention,
        make_llama=make_llama,
        hf_logits=hf_logits,
        hf_greedy=hf_greedy,
        random_ids=random_ids,
        banned_uses=banned_uses,
        BANNED_MODULES=BANNED_MODULES,
    )
