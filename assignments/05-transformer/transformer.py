"""A Llama-style decoder transformer written from scratch with plain torch tensor ops.

Every function is a pure function of its inputs: the weights come in as arguments
(`nn.Linear` layout, `weight` of shape (out_features, in_features), so y = x @ W.T)
and the KV cache is plain data (dicts of tensors) that goes in and comes back out.

    scaled_dot_product_attention  softmax(q k^T / sqrt(d)) v, with a boolean mask
    apply_rope                    rotary position embedding, HF "rotate_half" pairing
    alibi_slopes, alibi_bias      ALiBi linear position biases
    rms_norm, swiglu              the two pieces of a Llama block besides attention
    grouped_query_attention       MHA / GQA / MQA self-attention with RoPE and a KV cache
    lm_forward, generate          a tiny decoder LM that loads a Hugging Face Llama state_dict

What it does not do: training, dropout, padding masks (all sequences in a batch have the
same length), sampling (decoding is greedy), or RoPE scaling variants. It does not call
torch.nn.functional.scaled_dot_product_attention or torch.nn.functional.rms_norm.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

# -----------------------------------------------------------------------------
# attention


def scaled_dot_product_attention(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | None = None) -> Tensor:
    """Attention(q, k, v) = softmax(q k^T / sqrt(d) + M) v.

    q: (..., T_q, d), k: (..., T_k, d), v: (..., T_k, d_v); leading dims broadcast.
    mask: bool, broadcastable to (..., T_q, T_k); True = attend, False = masked out
    (M is 0 where True, -inf where False). None means every query sees every key.
    Every query row must keep at least one key (fully masked rows are not defined).
    The softmax subtracts each row's max first, so huge scores do not overflow.
    Returns (..., T_q, d_v).
    """
    raise NotImplementedError


# -----------------------------------------------------------------------------
# position information: RoPE and ALiBi


def apply_rope(x: Tensor, positions: Tensor, theta: float = 10000.0) -> Tensor:
    """Rotary position embedding, Hugging Face / Llama "rotate_half" convention.

    x: (..., T, d) with d even. positions: integer tensor of shape (T,) or any shape that
    broadcasts against x.shape[:-1], e.g. (B, 1, T) for x of shape (B, H, T, d).
    Positions may be arbitrary (non-contiguous, unsorted, large).

    With half = d // 2 and i = 0 .. half-1, the pair (x[i], x[i + half]) is rotated by the
    angle p * theta^(-2i/d), where p is the token's position:
        out[i]        = x[i] cos(a) - x[i + half] sin(a)
        out[i + half] = x[i] sin(a) + x[i + half] cos(a)
    Angles are computed in x's dtype. Raises ValueError if d is odd. Returns x's shape.
    """
    raise NotImplementedError


def alibi_slopes(n_heads: int) -> Tensor:
    """ALiBi head slopes, float32 tensor of shape (n_heads,).

    n a power of two: slope of head h (h = 0 .. n-1) is 2^(-8 (h+1) / n),
    e.g. n = 8 gives 1/2, 1/4, ..., 1/256.
    Otherwise (the ALiBi paper's rule): with p the largest power of two below n, take the
    p slopes for p heads, then append the slopes for 2p heads at even indices 0, 2, 4, ...
    until there are n slopes (e.g. n = 6: 1/4, 1/16, 1/64, 1/256, then 1/2, 1/8).
    Raises ValueError if n_heads < 1.
    """
    raise NotImplementedError


def alibi_bias(n_heads: int, q_len: int, k_len: int) -> Tensor:
    """ALiBi additive attention bias, float32 tensor of shape (n_heads, q_len, k_len).

    The queries are the LAST q_len of the k_len positions (as in KV-cached decoding):
    query i sits at position i + (k_len - q_len), key j at position j, and
        bias[h, i, j] = slope_h * (j - (i + k_len - q_len))
    i.e. 0 on the (shifted) diagonal and -slope_h * distance for past keys. Future keys
    (j > i + k_len - q_len) get positive values: the bias does not mask, the caller adds
    a causal mask. Raises ValueError if k_len < q_len.
    """
    raise NotImplementedError


# -----------------------------------------------------------------------------
# the rest of a Llama block


def rms_norm(x: Tensor, weight: Tensor, eps: float = 1e-6) -> Tensor:
    """RMSNorm: y = x / sqrt(mean(x^2 over the last dim) + eps) * weight.

    x: (..., D), weight: (D,). Returns (..., D) in x's dtype.
    """
    raise NotImplementedError


def swiglu(x: Tensor, w_gate: Tensor, w_up: Tensor, w_down: Tensor) -> Tensor:
    """SwiGLU feed-forward: (silu(x W_gate^T) * (x W_up^T)) W_down^T, silu(z) = z sigmoid(z).

    x: (..., D), w_gate and w_up: (F, D), w_down: (D, F). Returns (..., D).
    """
    raise NotImplementedError


def grouped_query_attention(
    x: Tensor,
    wq: Tensor,
    wk: Tensor,
    wv: Tensor,
    wo: Tensor,
    n_heads: int,
    n_kv_heads: int,
    positions: Tensor,
    theta: float = 10000.0,
    kv_cache: dict[str, Tensor] | None = None,
) -> tuple[Tensor, dict[str, Tensor]]:
    """Causal self-attention with RoPE and n_kv_heads key/value heads (MHA, GQA or MQA).

    x: (B, T, D), the T new tokens. head_dim = wq.shape[0] // n_heads.
    wq: (n_heads * head_dim, D), wk and wv: (n_kv_heads * head_dim, D),
    wo: (D, n_heads * head_dim). positions: (T,) int64, the RoPE positions of the new tokens.
    Query head h uses key/value head h // (n_heads // n_kv_heads).
    RoPE (apply_rope, with theta) is applied to queries and keys, not to values.

    kv_cache: None, or {"k": (B, n_kv_heads, S, head_dim), "v": (B, n_kv_heads, S, head_dim)}
    holding the S earlier tokens' keys (after RoPE) and values. The new tokens attend to
    every cached token and causally to each other: new token t sees new tokens 0..t.
    Returns (out (B, T, D), new_cache), where new_cache holds the S + T keys and values in
    the same layout (the old ones first). Raises ValueError if n_kv_heads < 1 or does not
    divide n_heads.
    """
    raise NotImplementedError


# -----------------------------------------------------------------------------
# a tiny decoder LM with Hugging Face Llama weight names


def lm_forward(
    weights: dict[str, Tensor],
    input_ids: Tensor,
    config: dict,
    kv_cache: list[dict[str, Tensor]] | None = None,
) -> tuple[Tensor, list[dict[str, Tensor]]]:
    """Logits of a Llama-style decoder: embed -> L x [x + attn(norm(x)); x + mlp(norm(x))] -> norm -> lm_head.

    weights: a LlamaForCausalLM state_dict (keys listed in the README), e.g.
        "model.embed_tokens.weight" (V, D), "model.layers.{i}.self_attn.q_proj.weight",
        "model.layers.{i}.mlp.gate_proj.weight", "model.norm.weight", "lm_head.weight".
    input_ids: (B, T) int64. config: dict with vocab_size, hidden_size, intermediate_size,
    num_hidden_layers, num_attention_heads, num_key_value_heads, rope_theta, rms_norm_eps.
    kv_cache: None or the list (one dict per layer) returned by a previous call; the new
    tokens then get positions S .. S+T-1 where S is the number of cached tokens.
    Returns (logits (B, T, V), new_cache).
    """
    raise NotImplementedError


def generate(
    weights: dict[str, Tensor],
    input_ids: Tensor,
    config: dict,
    max_new_tokens: int,
    use_cache: bool = True,
) -> Tensor:
    """Greedy decoding: append argmax(logits of the last position) max_new_tokens times.

    Ties go to the lowest token id (what torch.argmax does). With use_cache=True the prompt
    is run once (prefill) and each later step feeds only the newest token plus the cache;
    with use_cache=False each step re-runs the whole sequence. Both give the same ids.
    input_ids: (B, T) int64. Returns (B, T + max_new_tokens) int64, the prompt first.
    """
    raise NotImplementedError
