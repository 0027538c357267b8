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
    ### BEGIN SOLUTION
    d = q.shape[-1]
    scores = q @ k.transpose(-2, -1) / math.sqrt(d)  # (..., T_q, T_k)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    # subtle: softmax(s) == softmax(s - c); shifting by the row max keeps exp() <= 1
    scores = scores - scores.amax(dim=-1, keepdim=True)
    weights = scores.exp()
    weights = weights / weights.sum(dim=-1, keepdim=True)  # (..., T_q, T_k), rows sum to 1
    return weights @ v  # (..., T_q, d_v)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    d = x.shape[-1]
    if d % 2 != 0:
        raise ValueError(f"apply_rope: the last dim of x must be even, got d={d}")
    half = d // 2
    inv_freq = theta ** (-2.0 * torch.arange(half, dtype=x.dtype) / d)  # (half,)
    angles = positions.to(x.dtype)[..., None] * inv_freq  # (..., T, half)
    cos, sin = angles.cos(), angles.sin()
    x1, x2 = x[..., :half], x[..., half:]  # (..., T, half) each
    return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1)  # (..., T, d)
    ### END SOLUTION


def alibi_slopes(n_heads: int) -> Tensor:
    """ALiBi head slopes, float32 tensor of shape (n_heads,).

    n a power of two: slope of head h (h = 0 .. n-1) is 2^(-8 (h+1) / n),
    e.g. n = 8 gives 1/2, 1/4, ..., 1/256.
    Otherwise (the ALiBi paper's rule): with p the largest power of two below n, take the
    p slopes for p heads, then append the slopes for 2p heads at even indices 0, 2, 4, ...
    until there are n slopes (e.g. n = 6: 1/4, 1/16, 1/64, 1/256, then 1/2, 1/8).
    Raises ValueError if n_heads < 1.
    """
    ### BEGIN SOLUTION
    if n_heads < 1:
        raise ValueError(f"alibi_slopes: n_heads must be >= 1, got {n_heads}")
    p = 2 ** math.floor(math.log2(n_heads))
    slopes = [2.0 ** (-8.0 * (h + 1) / p) for h in range(p)]
    extra = [2.0 ** (-8.0 * (h + 1) / (2 * p)) for h in range(2 * p)]
    slopes += extra[0::2][: n_heads - p]
    return torch.tensor(slopes, dtype=torch.float32)
    ### END SOLUTION


def alibi_bias(n_heads: int, q_len: int, k_len: int) -> Tensor:
    """ALiBi additive attention bias, float32 tensor of shape (n_heads, q_len, k_len).

    The queries are the LAST q_len of the k_len positions (as in KV-cached decoding):
    query i sits at position i + (k_len - q_len), key j at position j, and
        bias[h, i, j] = slope_h * (j - (i + k_len - q_len))
    i.e. 0 on the (shifted) diagonal and -slope_h * distance for past keys. Future keys
    (j > i + k_len - q_len) get positive values: the bias does not mask, the caller adds
    a causal mask. Raises ValueError if k_len < q_len.
    """
    ### BEGIN SOLUTION
    if k_len < q_len:
        raise ValueError(f"alibi_bias: k_len ({k_len}) must be >= q_len ({q_len})")
    q_pos = torch.arange(q_len, dtype=torch.float32) + (k_len - q_len)  # (q_len,)
    k_pos = torch.arange(k_len, dtype=torch.float32)  # (k_len,)
    rel = k_pos[None, :] - q_pos[:, None]  # (q_len, k_len), key minus query position
    return alibi_slopes(n_heads)[:, None, None] * rel  # (n_heads, q_len, k_len)
    ### END SOLUTION


# -----------------------------------------------------------------------------
# the rest of a Llama block


def rms_norm(x: Tensor, weight: Tensor, eps: float = 1e-6) -> Tensor:
    """RMSNorm: y = x / sqrt(mean(x^2 over the last dim) + eps) * weight.

    x: (..., D), weight: (D,). Returns (..., D) in x's dtype.
    """
    ### BEGIN SOLUTION
    rms_inv = torch.rsqrt(x.pow(2).mean(dim=-1, keepdim=True) + eps)  # (..., 1)
    return x * rms_inv * weight
    ### END SOLUTION


def swiglu(x: Tensor, w_gate: Tensor, w_up: Tensor, w_down: Tensor) -> Tensor:
    """SwiGLU feed-forward: (silu(x W_gate^T) * (x W_up^T)) W_down^T, silu(z) = z sigmoid(z).

    x: (..., D), w_gate and w_up: (F, D), w_down: (D, F). Returns (..., D).
    """
    ### BEGIN SOLUTION
    gate = x @ w_gate.T  # (..., F)
    up = x @ w_up.T  # (..., F)
    return (gate * torch.sigmoid(gate) * up) @ w_down.T  # (..., D)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    if n_kv_heads < 1 or n_heads % n_kv_heads != 0:
        raise ValueError(f"n_kv_heads ({n_kv_heads}) must divide n_heads ({n_heads})")
    B, T, _ = x.shape
    head_dim = wq.shape[0] // n_heads
    q = (x @ wq.T).view(B, T, n_heads, head_dim).transpose(1, 2)  # (B, H, T, hd)
    k = (x @ wk.T).view(B, T, n_kv_heads, head_dim).transpose(1, 2)  # (B, H_kv, T, hd)
    v = (x @ wv.T).view(B, T, n_kv_heads, head_dim).transpose(1, 2)  # (B, H_kv, T, hd)
    q = apply_rope(q, positions, theta)
    k = apply_rope(k, positions, theta)
    if kv_cache is not None:
        k = torch.cat([kv_cache["k"], k], dim=2)  # (B, H_kv, S + T, hd)
        v = torch.cat([kv_cache["v"], v], dim=2)
    new_cache = {"k": k, "v": v}

    # causal mask: new token t is token S + t overall, so it sees keys 0 .. S + t
    n_keys = k.shape[2]
    mask = torch.ones(T, n_keys, dtype=torch.bool).tril(diagonal=n_keys - T)  # (T, S + T)

    # each group of n_heads // n_kv_heads query heads shares one key/value head
    group = n_heads // n_kv_heads
    k = k.repeat_interleave(group, dim=1)  # (B, H, S + T, hd)
    v = v.repeat_interleave(group, dim=1)
    out = scaled_dot_product_attention(q, k, v, mask)  # (B, H, T, hd)
    out = out.transpose(1, 2).reshape(B, T, n_heads * head_dim)  # (B, T, H * hd)
    return out @ wo.T, new_cache  # (B, T, D)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    n_layers = config["num_hidden_layers"]
    n_heads, n_kv_heads = config["num_attention_heads"], config["num_key_value_heads"]
    theta, eps = config["rope_theta"], config["rms_norm_eps"]

    n_past = 0 if kv_cache is None else kv_cache[0]["k"].shape[2]
    positions = torch.arange(n_past, n_past + input_ids.shape[1])  # (T,)

    h = weights["model.embed_tokens.weight"][input_ids]  # (B, T, D)
    new_cache = []
    for i in range(n_layers):
        p = f"model.layers.{i}."
        attn_out, layer_cache = grouped_query_attention(
            rms_norm(h, weights[p + "input_layernorm.weight"], eps),
            weights[p + "self_attn.q_proj.weight"],
            weights[p + "self_attn.k_proj.weight"],
            weights[p + "self_attn.v_proj.weight"],
            weights[p + "self_attn.o_proj.weight"],
            n_heads,
            n_kv_heads,
            positions,
            theta,
            None if kv_cache is None else kv_cache[i],
        )
        new_cache.append(layer_cache)
        h = h + attn_out
        h = h + swiglu(
            rms_norm(h, weights[p + "post_attention_layernorm.weight"], eps),
            weights[p + "mlp.gate_proj.weight"],
            weights[p + "mlp.up_proj.weight"],
            weights[p + "mlp.down_proj.weight"],
        )
    h = rms_norm(h, weights["model.norm.weight"], eps)
    logits = h @ weights["lm_head.weight"].T  # (B, T, V)
    return logits, new_cache
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    ids = input_ids
    cache = None
    for _ in range(max_new_tokens):
        if use_cache:
            step_input = ids if cache is None else ids[:, -1:]  # prefill, then one token
            logits, cache = lm_forward(weights, step_input, config, cache)
        else:
            logits, _ = lm_forward(weights, ids, config)
        next_id = logits[:, -1, :].argmax(dim=-1, keepdim=True)  # (B, 1)
        ids = torch.cat([ids, next_id], dim=1)
    return ids
    ### END SOLUTION
