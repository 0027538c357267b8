"""Three departures from the dense Llama block, written with plain torch tensor ops.

    topk_route, moe, load_balance_loss     a Mixtral-style sparse mixture of experts
    selective_scan, chunked_scan,          Mamba's selective state-space scan: the sequential
    selective_state_update, mamba_mixer    loop, a chunked form, one decoding step, the mixer
    swa_mask, sliding_window_attention,    sliding-window attention and a rolling KV cache
    RollingKVCache                         that keeps only the last `window` keys and values

Weights use the `nn.Linear` layout, shape (out_features, in_features), so y = x @ W.T.
Every function computes in its input's dtype and returns it. Nothing here calls torch's
scaled_dot_product_attention, and nothing imports transformers (the tests' oracle).

What it does not do: training, router noise, expert capacity / token dropping, GQA in the
sliding-window cache, or Mamba's fused kernels.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

# -----------------------------------------------------------------------------
# mixture of experts


def topk_route(x: Tensor, w_router: Tensor, k: int) -> tuple[Tensor, Tensor]:
    """Mixtral's top-k router: softmax over the router logits, keep the k largest, renormalise.

    x: (..., D), w_router: (E, D). logits = x @ w_router.T, p = softmax(logits) over the E experts.
    idx: (..., k) int64, the k experts with the largest p, in decreasing order of p.
    gates: (..., k) in x's dtype, gates[..., j] = p[idx[..., j]] / sum_j' p[idx[..., j']]
    (so every token's gates sum to 1). Raises ValueError unless 1 <= k <= E.
    """
    ### BEGIN SOLUTION
    n_experts = w_router.shape[0]
    if not 1 <= k <= n_experts:
        raise ValueError(f"topk_route: k must be in 1 .. {n_experts}, got {k}")
    probs = torch.softmax(x @ w_router.T, dim=-1)  # (..., E)
    top, idx = probs.topk(k, dim=-1)  # (..., k) each, largest first
    return idx, top / top.sum(dim=-1, keepdim=True)
    ### END SOLUTION


def moe(x: Tensor, w_router: Tensor, w_gate: Tensor, w_up: Tensor, w_down: Tensor, k: int) -> tuple[Tensor, Tensor]:
    """A sparse mixture of SwiGLU experts (Mixtral's `MixtralSparseMoeBlock`) and its auxiliary loss.

    x: (..., D); w_router: (E, D); w_gate, w_up: (E, F, D); w_down: (E, D, F).
    Expert e is the SwiGLU MLP  f_e(x) = (silu(x w_gate[e]^T) * (x w_up[e]^T)) w_down[e]^T.
    With (idx, gates) = topk_route(x, w_router, k):  y = sum_j gates[j] * f_{idx[j]}(x).
    aux = load_balance_loss(router logits of all the tokens, k).
    Returns (y of x's shape and dtype, aux a 0-dim tensor).
    """
    ### BEGIN SOLUTION
    shape = x.shape
    flat = x.reshape(-1, shape[-1])  # (N, D)
    idx, gates = topk_route(flat, w_router, k)  # (N, k) each
    y = torch.zeros_like(flat)
    for e in idx.unique().tolist():  # the experts that received at least one token
        token, slot = torch.where(idx == e)  # the tokens routed to expert e, and in which slot
        h = flat[token]  # (n_e, D)
        gate = h @ w_gate[e].T
        out = (F.silu(gate) * (h @ w_up[e].T)) @ w_down[e].T  # (n_e, D)
        y.index_add_(0, token, out * gates[token, slot, None])
    aux = load_balance_loss(flat @ w_router.T, k)
    return y.reshape(shape), aux
    ### END SOLUTION


def load_balance_loss(router_logits: Tensor, k: int, mask: Tensor | None = None) -> Tensor:
    """The Switch Transformer / Mixtral auxiliary load-balancing loss.

    router_logits: (..., E), one row per token. mask: None, or (...) bool / 0-1, True = a real
    token (masked-out tokens are left out of both averages). Over the N kept tokens:
        f_e = (1/N) * #{tokens whose top-k experts include e}      (sum_e f_e = k)
        P_e = (1/N) * sum_t softmax(router_logits[t])_e           (sum_e P_e = 1)
        loss = E * sum_e f_e * P_e
    Perfectly balanced routing gives k. Returns a 0-dim tensor in router_logits' dtype.
    """
    ### BEGIN SOLUTION
    n_experts = router_logits.shape[-1]
    probs = torch.softmax(router_logits, dim=-1)  # (..., E)
    chosen = probs.topk(k, dim=-1).indices  # (..., k)
    counts = torch.zeros_like(probs).scatter_(-1, chosen, 1.0)  # (..., E), 1 where e is in the top k
    if mask is None:
        weight = torch.ones(probs.shape[:-1], dtype=probs.dtype)  # (...)
    else:
        weight = mask.to(probs.dtype)  # (...)
    n_tokens = weight.sum()
    f = (counts * weight[..., None]).reshape(-1, n_experts).sum(dim=0) / n_tokens  # (E,)
    p = (probs * weight[..., None]).reshape(-1, n_experts).sum(dim=0) / n_tokens  # (E,)
    return n_experts * (f * p).sum()
    ### END SOLUTION


# -----------------------------------------------------------------------------
# Mamba's selective scan


### BEGIN SOLUTION
def _discretize(
    delta: Tensor, A: Tensor, B: Tensor, u: Tensor, delta_bias: Tensor | None, delta_softplus: bool
) -> tuple[Tensor, Tensor]:
    """Helper: (log_decay, drive), both (b, d, L, n): log_decay = delta * A, drive = delta * B * u."""
    if delta_bias is not None:
        delta = delta + delta_bias[:, None]
    if delta_softplus:
        delta = F.softplus(delta)
    log_decay = delta[..., None] * A[None, :, None, :]  # (b, d, L, n)
    drive = (delta * u)[..., None] * B.mT[:, None, :, :]  # (b, d, L, n)
    return log_decay, drive


def _finish(y: Tensor, u: Tensor, D: Tensor | None, z: Tensor | None) -> Tensor:
    """Helper: add the skip connection D * u, then gate by silu(z)."""
    if D is not None:
        y = y + D[:, None] * u
    if z is not None:
        y = y * F.silu(z)
    return y
### END SOLUTION


def selective_scan(
    u: Tensor,
    delta: Tensor,
    A: Tensor,
    B: Tensor,
    C: Tensor,
    D: Tensor | None = None,
    z: Tensor | None = None,
    delta_bias: Tensor | None = None,
    delta_softplus: bool = False,
    initial_state: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """Mamba's selective scan as a sequential loop over time (mamba_ssm's `selective_scan_ref`).

    u, delta: (b, d, L); A: (d, n); B, C: (b, n, L); D, delta_bias: (d,); z: (b, d, L);
    initial_state: (b, d, n), zeros when None.
    delta <- delta + delta_bias (if given), then softplus(delta) (if delta_softplus). For t = 0 .. L-1:
        h_t = exp(delta_t * A) * h_{t-1} + delta_t * B_t * u_t          h: (b, d, n)
        y_t = sum_n h_t * C_t  (+ D * u_t)                                y: (b, d)
    then y <- y * silu(z) if z is given. Returns (y (b, d, L), h_{L-1} (b, d, n)) in u's dtype.
    """
    ### BEGIN SOLUTION
    log_decay, drive = _discretize(delta, A, B, u, delta_bias, delta_softplus)
    b, d, L, n = drive.shape
    h = torch.zeros(b, d, n, dtype=u.dtype) if initial_state is None else initial_state
    ys = []
    for t in range(L):
        h = log_decay[:, :, t].exp() * h + drive[:, :, t]  # (b, d, n)
        ys.append((h * C[:, None, :, t]).sum(dim=-1))  # (b, d)
    y = torch.stack(ys, dim=-1)  # (b, d, L)
    return _finish(y, u, D, z), h
    ### END SOLUTION


def chunked_scan(
    u: Tensor,
    delta: Tensor,
    A: Tensor,
    B: Tensor,
    C: Tensor,
    D: Tensor | None = None,
    z: Tensor | None = None,
    delta_bias: Tensor | None = None,
    delta_softplus: bool = False,
    initial_state: Tensor | None = None,
    chunk_size: int = 16,
) -> tuple[Tensor, Tensor]:
    """The same scan, one chunk of `chunk_size` steps at a time, each chunk in parallel form.

    Same arguments and result as `selective_scan`. Inside a chunk starting from state h_0, with
    S_t = sum_{r <= t} delta_r * A (cumulative log-decays within the chunk):
        h_t = exp(S_t) * h_0 + sum_{s <= t} exp(S_t - S_s) * delta_s * B_s * u_s
    computed for all t of the chunk at once (no loop over t); the chunk's last state starts the
    next chunk. The last chunk may be shorter. Raises ValueError if chunk_size < 1.
    """
    ### BEGIN SOLUTION
    if chunk_size < 1:
        raise ValueError(f"chunked_scan: chunk_size must be >= 1, got {chunk_size}")
    log_decay, drive = _discretize(delta, A, B, u, delta_bias, delta_softplus)
    b, d, L, n = drive.shape
    h = torch.zeros(b, d, n, dtype=u.dtype) if initial_state is None else initial_state
    ys = []
    for start in range(0, L, chunk_size):
        a = log_decay[:, :, start : start + chunk_size]  # (b, d, c, n)
        x = drive[:, :, start : start + chunk_size]
        c = a.shape[2]
        S = a.cumsum(dim=2)  # (b, d, c, n)
        diff = S[:, :, :, None, :] - S[:, :, None, :, :]  # (b, d, t, s, n) = S_t - S_s
        # subtle: mask s > t before exp, where S_t - S_s > 0 could overflow
        keep = torch.ones((c, c), dtype=torch.bool).tril()[None, None, :, :, None]
        weights = diff.masked_fill(~keep, float("-inf")).exp()
        states = (weights * x[:, :, None, :, :]).sum(dim=3) + S.exp() * h[:, :, None, :]  # (b, d, c, n)
        ys.append((states * C[:, None, :, start : start + chunk_size].mT).sum(dim=-1))
        h = states[:, :, -1]
    y = torch.cat(ys, dim=-1)  # (b, d, L)
    return _finish(y, u, D, z), h
    ### END SOLUTION


def selective_state_update(
    state: Tensor,
    x: Tensor,
    dt: Tensor,
    A: Tensor,
    B: Tensor,
    C: Tensor,
    D: Tensor | None = None,
    z: Tensor | None = None,
    dt_bias: Tensor | None = None,
    dt_softplus: bool = False,
) -> tuple[Tensor, Tensor]:
    """One step of the recurrence, for decoding: the scan of a single time step from `state`.

    state: (b, d, n); x, dt, z: (b, d); A: (d, n); B, C: (b, n); D, dt_bias: (d,).
    Returns (y (b, d), new_state (b, d, n)); `state` itself is not modified.
    """
    ### BEGIN SOLUTION
    if dt_bias is not None:
        dt = dt + dt_bias
    if dt_softplus:
        dt = F.softplus(dt)
    new_state = (dt[..., None] * A).exp() * state + (dt * x)[..., None] * B[:, None, :]
    y = (new_state * C[:, None, :]).sum(dim=-1)  # (b, d)
    if D is not None:
        y = y + D * x
    if z is not None:
        y = y * F.silu(z)
    return y, new_state
    ### END SOLUTION


def mamba_mixer(hidden_states: Tensor, weights: dict[str, Tensor], config: dict) -> Tensor:
    """The Mamba mixer of Hugging Face's `MambaMixer` (no cache, no padding mask).

    hidden_states: (b, L, H). weights: the mixer's state_dict (see the handout for the shapes):
    in_proj.weight, conv1d.weight, conv1d.bias, x_proj.weight, dt_proj.weight, dt_proj.bias,
    A_log, D, out_proj.weight (and in_proj.bias, out_proj.bias when config["use_bias"]).
    config: hidden_size, state_size, intermediate_size, conv_kernel, time_step_rank,
    use_conv_bias, use_bias.
        x, z = split(hidden_states @ in_proj^T) into two halves of width intermediate_size
        x = silu(causal depthwise conv1d of x over time, kernel conv_kernel, + bias)
        dt, B, C = split(x @ x_proj^T) into time_step_rank, state_size, state_size
        y = selective_scan(x, dt @ dt_proj^T, -exp(A_log), B, C, D, z, dt_proj.bias, softplus)
        out = y @ out_proj^T
    Returns (b, L, H) in hidden_states' dtype.
    """
    ### BEGIN SOLUTION
    d_inner, n, rank = config["intermediate_size"], config["state_size"], config["time_step_rank"]
    K = config["conv_kernel"]
    L = hidden_states.shape[1]
    xz = hidden_states @ weights["in_proj.weight"].T  # (b, L, 2 d_inner)
    if config["use_bias"]:
        xz = xz + weights["in_proj.bias"]
    x, z = xz.mT.split(d_inner, dim=1)  # (b, d_inner, L) each
    bias = weights["conv1d.bias"] if config["use_conv_bias"] else None
    x = F.conv1d(x, weights["conv1d.weight"], bias, padding=K - 1, groups=d_inner)[..., :L]
    x = F.silu(x)  # (b, d_inner, L)
    x_dbl = x.mT @ weights["x_proj.weight"].T  # (b, L, rank + 2n)
    dt, B, C = x_dbl.split([rank, n, n], dim=-1)
    dt = (dt @ weights["dt_proj.weight"].T).mT  # (b, d_inner, L)
    A = -weights["A_log"].exp()  # (d_inner, n)
    y, _ = selective_scan(
        x, dt, A, B.mT, C.mT, weights["D"], z,
        delta_bias=weights["dt_proj.bias"], delta_softplus=True,
    )
    out = y.mT @ weights["out_proj.weight"].T  # (b, L, H)
    if config["use_bias"]:
        out = out + weights["out_proj.bias"]
    return out
    ### END SOLUTION


# -----------------------------------------------------------------------------
# sliding-window attention


def swa_mask(q_len: int, k_len: int, window: int) -> Tensor:
    """Sliding-window causal keep-mask, bool (q_len, k_len), True = attend.

    The queries are the LAST q_len of the k_len positions: query i sits at position
    p = i + k_len - q_len and attends to key j iff 0 <= p - j < window (itself and the
    window - 1 keys before it). Raises ValueError if window < 1 or k_len < q_len.
    """
    ### BEGIN SOLUTION
    if window < 1:
        raise ValueError(f"swa_mask: window must be >= 1, got {window}")
    if k_len < q_len:
        raise ValueError(f"swa_mask: k_len ({k_len}) must be >= q_len ({q_len})")
    pos = torch.arange(q_len)[:, None] + (k_len - q_len)  # (q_len, 1)
    dist = pos - torch.arange(k_len)[None, :]  # (q_len, k_len) = p - j
    return (dist >= 0) & (dist < window)
    ### END SOLUTION


def sliding_window_attention(q: Tensor, k: Tensor, v: Tensor, window: int) -> Tensor:
    """softmax(q k^T / sqrt(d) + M) v with M from swa_mask(T_q, T_k, window).

    q: (..., T_q, d), k: (..., T_k, d), v: (..., T_k, d_v), T_k >= T_q, leading dims broadcast.
    Returns (..., T_q, d_v) in q's dtype. Stable for large scores (subtract the row max).
    """
    ### BEGIN SOLUTION
    mask = swa_mask(q.shape[-2], k.shape[-2], window)
    scores = q @ k.mT / math.sqrt(q.shape[-1])  # (..., T_q, T_k)
    scores = scores.masked_fill(~mask, float("-inf"))
    scores = scores - scores.amax(dim=-1, keepdim=True)
    weights = scores.exp()
    return (weights / weights.sum(dim=-1, keepdim=True)) @ v
    ### END SOLUTION


class RollingKVCache:
    """A KV cache that keeps only the last `window` keys and values (Mistral's rolling buffer).

    After any sequence of `update` calls, `k` and `v` hold the keys/values of the last
    min(window, seen) tokens, oldest first, shape (..., min(window, seen), d); both are None
    before the first update. `seen` counts every token ever added.
    """

    def __init__(self, window: int) -> None:
        """Raises ValueError if window < 1."""
        ### BEGIN SOLUTION
        if window < 1:
            raise ValueError(f"RollingKVCache: window must be >= 1, got {window}")
        self.window = window
        self.k = None  # (..., min(window, seen), d) once tokens arrive
        self.v = None  # (..., min(window, seen), d_v)
        self.seen = 0
        ### END SOLUTION

    def update(self, k_new: Tensor, v_new: Tensor) -> tuple[Tensor, Tensor]:
        """Add T new tokens' k_new (..., T, d), v_new (..., T, d_v).

        Returns the context the new queries attend to: the cached keys/values followed by the
        new ones, (..., S + T, ·) with S the cache length before the call. Then keeps the last
        `window` of them.
        """
        ### BEGIN SOLUTION
        k_ctx = k_new if self.k is None else torch.cat([self.k, k_new], dim=-2)
        v_ctx = v_new if self.v is None else torch.cat([self.v, v_new], dim=-2)
        self.k, self.v = k_ctx[..., -self.window :, :], v_ctx[..., -self.window :, :]
        self.seen += k_new.shape[-2]
        return k_ctx, v_ctx
        ### END SOLUTION

    def attend(self, q: Tensor, k_new: Tensor, v_new: Tensor) -> Tensor:
        """Sliding-window attention of the T new tokens: q, k_new (..., T, d), v_new (..., T, d_v).

        update() with the new keys/values, then sliding_window_attention of q over the returned
        context with this cache's window. Returns (..., T, d_v): the same rows as full
        sliding-window attention over the whole sequence so far.
        """
        ### BEGIN SOLUTION
        k_ctx, v_ctx = self.update(k_new, v_new)
        return sliding_window_attention(q, k_ctx, v_ctx, self.window)
        ### END SOLUTION
