"""Shared helpers for the 11-architecture-variants tests: Hugging Face and torch oracles.

Everything here runs on the trusted side. The student's code is reached only through the
`student` fixture; these helpers build the expected values with torch and transformers 5.23:
`MixtralSparseMoeBlock` / `MixtralTopKRouter` / `MixtralExperts` and `load_balancing_loss_func`
(transformers.models.mixtral.modeling_mixtral), `MambaMixer`, `mamba_selective_scan` and
`mamba_selective_state_update` (transformers.models.mamba.modeling_mamba: the torch reference
path, which runs when mamba_ssm is not installed), `sliding_window_causal_mask_function`
(transformers.masking_utils) and torch's `scaled_dot_product_attention`.
Seeds are set inside each test; nothing is downloaded. Tests run with `--import-mode=importlib`,
so they reach these helpers through the `oracle` fixture (`oracle.randn(...)`).
"""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest
import torch
import torch.nn.functional as F
from transformers import MambaConfig, MixtralConfig
from transformers.masking_utils import sliding_window_causal_mask_function
from transformers.models.mamba.modeling_mamba import MambaMixer, mamba_selective_scan, mamba_selective_state_update
from transformers.models.mixtral.modeling_mixtral import MixtralSparseMoeBlock, load_balancing_loss_func

torch.set_num_threads(2)
logging.getLogger("transformers").setLevel(logging.ERROR)  # "falling back to the torch path" notices

# -----------------------------------------------------------------------------
# random inputs


def randn(*shape, seed: int, dtype=torch.float32, scale: float = 1.0) -> torch.Tensor:
    """A seeded normal tensor whose values are exact float32 numbers, in `dtype`.

    Drawn in float32 and then cast, so HF's `.float()` casts inside the Mamba oracles lose
    nothing and a float64 comparison can be tight.
    """
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(*shape, generator=g) * scale).to(dtype)


def assert_no_router_ties(logits: torch.Tensor, k: int, margin: float = 1e-3) -> None:
    """Test-setup check: every token's sorted router logits differ by more than `margin`.

    So the top-k set and its order do not hinge on float rounding (the handout promises no ties).
    """
    ordered = logits.double().reshape(-1, logits.shape[-1]).sort(dim=-1, descending=True).values
    gap = (ordered[:, :-1] - ordered[:, 1:]).min()
    assert gap > margin, "test setup: near-tie in the router logits; pick another seed"


# -----------------------------------------------------------------------------
# mixture of experts: HF Mixtral


def make_mixtral(seed: int, hidden: int = 16, inter: int = 24, n_experts: int = 4, k: int = 2, dtype=torch.float32):
    """A tiny MixtralSparseMoeBlock with random weights N(0, 1/fan_in) and the same weights as data.

    Returns (block, w) with w = {"w_router" (E, D), "w_gate" (E, F, D), "w_up" (E, F, D),
    "w_down" (E, D, F)}: HF stores gate and up fused as experts.gate_up_proj (E, 2F, D), gate first.
    """
    cfg = MixtralConfig(hidden_size=hidden, intermediate_size=inter, num_local_experts=n_experts,
                        num_experts_per_tok=k, router_jitter_noise=0.0)
    cfg._experts_implementation = "eager"
    torch.manual_seed(seed)
    block = MixtralSparseMoeBlock(cfg).eval()
    g = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        block.gate.weight.copy_(1.5 * torch.randn(n_experts, hidden, generator=g) / hidden**0.5)
        block.experts.gate_up_proj.copy_(torch.randn(n_experts, 2 * inter, hidden, generator=g) / hidden**0.5)
        block.experts.down_proj.copy_(torch.randn(n_experts, hidden, inter, generator=g) / inter**0.5)
    block = block.to(dtype)
    gate_up = block.experts.gate_up_proj.detach().clone()
    w = {
        "w_router": block.gate.weight.detach().clone(),
        "w_gate": gate_up[:, :inter].contiguous(),
        "w_up": gate_up[:, inter:].contiguous(),
        "w_down": block.experts.down_proj.detach().clone(),
    }
    return block, w


def hf_moe(block, x: torch.Tensor) -> torch.Tensor:
    """MixtralSparseMoeBlock(x) for x (B, T, D)."""
    with torch.no_grad():
        return block(x)


def hf_route(block, x: torch.Tensor):
    """MixtralTopKRouter on x (N, D): (router_logits (N, E), gates (N, k) float32, idx (N, k))."""
    with torch.no_grad():
        return block.gate(x)


def hf_dense_mixture(block, x: torch.Tensor) -> torch.Tensor:
    """sum_e softmax(router logits)_e * expert_e(x), through HF's MixtralExperts, for x (N, D)."""
    with torch.no_grad():
        logits = x @ block.gate.weight.T
        probs = torch.softmax(logits, dim=-1)
        n_experts = probs.shape[-1]
        every = torch.arange(n_experts).expand(x.shape[0], n_experts)
        return block.experts(x, every, probs)


def hf_one_expert(block, x: torch.Tensor, e: int) -> torch.Tensor:
    """Expert e alone (gate 1) through HF's MixtralExperts, for x (N, D)."""
    with torch.no_grad():
        idx = torch.full((x.shape[0], 1), e, dtype=torch.long)
        return block.experts(x, idx, torch.ones(x.shape[0], 1, dtype=x.dtype))


def hf_aux(router_logits: torch.Tensor, n_experts: int, k: int, mask: torch.Tensor | None = None) -> torch.Tensor:
    """transformers' load_balancing_loss_func for one layer's logits (N, E); mask (B, T) or None."""
    return load_balancing_loss_func((router_logits,), n_experts, k, mask)


# -----------------------------------------------------------------------------
# Mamba: HF's torch reference path


def scan_inputs(b: int, d: int, n: int, L: int, seed: int, dtype=torch.float64, extras: bool = True) -> dict:
    """Random inputs of a selective scan in mamba_ssm's layout (float32-exact values)."""
    inputs = {
        "u": randn(b, d, L, seed=seed, dtype=dtype),
        "delta": randn(b, d, L, seed=seed + 1, dtype=dtype, scale=0.5),
        "A": -randn(d, n, seed=seed + 2, dtype=torch.float32, scale=0.5).exp().to(dtype),
        "B": randn(b, n, L, seed=seed + 3, dtype=dtype),
        "C": randn(b, n, L, seed=seed + 4, dtype=dtype),
    }
    if extras:
        inputs["D"] = randn(d, seed=seed + 5, dtype=dtype)
        inputs["z"] = randn(b, d, L, seed=seed + 6, dtype=dtype)
        inputs["delta_bias"] = randn(d, seed=seed + 7, dtype=dtype, scale=0.5)
        inputs["delta_softplus"] = True
    return inputs


def hf_scan(u, delta, A, B, C, D=None, z=None, delta_bias=None, delta_softplus=False):
    """transformers' mamba_selective_scan (the sequential torch loop): (y (b, d, L), last state (b, d, n))."""
    return mamba_selective_scan(u, delta, A, B, C, D=D, z=z, delta_bias=delta_bias,
                                delta_softplus=delta_softplus, return_last_state=True)


def hf_state_update(state, x, dt, A, B, C, D=None, z=None, dt_bias=None, dt_softplus=False):
    """transformers' mamba_selective_state_update on a copy of `state`: (y (b, d), new state)."""
    new_state = state.clone()
    y = mamba_selective_state_update(new_state, x, dt, A, B, C, D=D, z=z, dt_bias=dt_bias, dt_softplus=dt_softplus)
    return y, new_state


MIXER_CONFIG_KEYS = ("hidden_size", "state_size", "intermediate_size", "conv_kernel", "time_step_rank",
                     "use_conv_bias", "use_bias")


def make_mamba(seed: int, dtype=torch.float32, **overrides):
    """A tiny HF MambaMixer with random, well-scaled weights.

    Returns (mixer, weights, config): weights is the mixer's state_dict, config the dict that
    mamba_mixer receives. Matrices N(0, 1/fan_in); A_log = log(1 .. n) + noise; dt_proj.bias
    keeps HF's init (softplus of it is a time step in [0.001, 0.1]).
    """
    kw = dict(hidden_size=16, state_size=4, intermediate_size=32, conv_kernel=4, time_step_rank=4,
              use_conv_bias=True, use_bias=False)
    kw.update(overrides)
    cfg = MambaConfig(**kw, num_hidden_layers=1)
    torch.manual_seed(seed)
    mixer = MambaMixer(cfg, layer_idx=0).eval()
    g = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for name, p in mixer.named_parameters():
            if name == "A_log":
                p.add_(0.1 * torch.randn(p.shape, generator=g))
            elif name == "dt_proj.bias":
                continue
            elif name == "conv1d.weight":
                p.copy_(torch.randn(p.shape, generator=g) / p.shape[-1] ** 0.5)
            elif p.ndim == 1:
                p.copy_(0.5 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(torch.randn(p.shape, generator=g) / p.shape[1] ** 0.5)
    mixer = mixer.to(dtype)
    weights = {k: v.detach().clone() for k, v in mixer.state_dict().items()}
    config = {k: kw[k] for k in MIXER_CONFIG_KEYS}
    return mixer, weights, config


def hf_mixer(mixer, x: torch.Tensor) -> torch.Tensor:
    """MambaMixer(x) without a cache, x (b, L, H)."""
    with torch.no_grad():
        return mixer(x)


# -----------------------------------------------------------------------------
# sliding-window attention


def hf_swa_mask(q_len: int, k_len: int, window: int) -> torch.Tensor:
    """HF's sliding-window causal mask (bool, True = attend) for queries at the last q_len of k_len positions."""
    fn = sliding_window_causal_mask_function(window)
    q_idx = torch.arange(q_len)[:, None] + (k_len - q_len)
    kv_idx = torch.arange(k_len)[None, :]
    return fn(0, 0, q_idx, kv_idx)


def sdpa(q, k, v, mask=None, is_causal=False):
    """torch's scaled_dot_product_attention (mask: bool, True = attend)."""
    return F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=is_causal)


# -----------------------------------------------------------------------------
# the fixture that hands the helpers to the tests


@pytest.fixture(scope="session")
def oracle() -> SimpleNamespace:
    """The helpers of this file as attributes, e.g. `oracle.make_mixtral(0)`."""
    return SimpleNamespace(
        randn=randn,
        assert_no_router_ties=assert_no_router_ties,
        make_mixtral=make_mixtral,
        hf_moe=hf_moe,
        hf_route=hf_route,
        hf_dense_mixture=hf_dense_mixture,
        hf_one_expert=hf_one_expert,
        hf_aux=hf_aux,
        scan_inputs=scan_inputs,
        hf_scan=hf_scan,
        hf_state_update=hf_state_update,
        make_mamba=make_mamba,
        hf_mixer=hf_mixer,
        hf_swa_mask=hf_swa_mask,
        sdpa=sdpa,
    )
