"""Shared helpers for the 05-transformer tests: tiny Hugging Face Llama oracles.

Everything here runs on the trusted side. The student's code is reached only through the
`student` fixture; these helpers build the expected values with torch and transformers.
Only library-backed oracles, data and loaders live here: the oracles that need pieces of the
handout's own algorithms (the causal mask with its cache offset, float64 RoPE angles, the
greedy loop) are in tests/hidden/conftest.py, and the public tests read the values they
produced from fixtures/public/expected_values.json (`oracle.expected(...)`).
Seeds are set inside each test; nothing is downloaded. Tests run with
`--import-mode=importlib`, so they reach these helpers through the `oracle` fixture
(`oracle.randn(...)`, `oracle.make_llama(...)`) rather than `import conftest`.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from transformers import LlamaConfig, LlamaForCausalLM
from transformers.models.llama.modeling_llama import LlamaRotaryEmbedding, apply_rotary_pos_emb

from autograder.expected_values import expected_value

torch.set_num_threads(2)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def expected(name: str):
    """A committed expected value from fixtures/public/expected_values.json (see tools/)."""
    return expected_value(FIXTURES.parent, name)

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


# -----------------------------------------------------------------------------
# attention weights (the HF LlamaAttention oracle itself is hidden-only)


def attention_weights(d_model: int, n_heads: int, n_kv_heads: int, head_dim: int, seed: int, dtype=torch.float64):
    """Random (wq, wk, wv, wo) in nn.Linear layout, scaled 1/sqrt(fan_in)."""
    s = d_model**-0.5
    wq = randn(n_heads * head_dim, d_model, seed=seed, dtype=dtype, scale=s)
    wk = randn(n_kv_heads * head_dim, d_model, seed=seed + 1, dtype=dtype, scale=s)
    wv = randn(n_kv_heads * head_dim, d_model, seed=seed + 2, dtype=dtype, scale=s)
    wo = randn(d_model, n_heads * head_dim, seed=seed + 3, dtype=dtype, scale=(n_heads * head_dim) ** -0.5)
    return wq, wk, wv, wo


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


def random_ids(batch: int, length: int, vocab: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randint(vocab, (batch, length), generator=g)


# -----------------------------------------------------------------------------
# the fixture that hands the helpers to the tests


@pytest.fixture(scope="session")
def oracle() -> SimpleNamespace:
    """The helpers of this file as attributes, e.g. `oracle.make_llama(0)`."""
    return SimpleNamespace(
        randn=randn,
        random_keep_mask=random_keep_mask,
        expected=expected,
        hf_rope_float32=hf_rope_float32,
        attention_weights=attention_weights,
        make_llama=make_llama,
        hf_logits=hf_logits,
        random_ids=random_ids,
    )
