"""Shared helpers and oracles for the 21-model-enhancement tests (released to students: nothing hidden here).

Everything here runs on the trusted side; the student's code is reached only through the
`student` fixture and receives plain data (torch tensors, numbers, lists, dicts).

Oracles are the field's libraries, called as they are:
* RoPE: transformers' `modeling_rope_utils.ROPE_INIT_FUNCTIONS`, on a tiny `LlamaConfig` whose
  `rope_parameters` hold the scaling type and its numbers (`hf_rope`).
* TIES / DARE: peft's `peft.utils.merge_utils` (`ties`, `dare_linear`, `dare_ties`,
  `magnitude_based_pruning`, `calculate_majority_sign_mask`, `disjoint_merge`, `task_arithmetic`);
  DARE after `torch.manual_seed(seed)`, so the masks are the ones the handout's rule draws.
* Knowledge distillation: torch's `F.kl_div(..., reduction="batchmean")` and `F.cross_entropy`.
Tests run with `--import-mode=importlib`, so they reach these helpers through the `oracle` fixture.
"""

from __future__ import annotations

import importlib.util
import warnings
from functools import cache
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
import torch.nn.functional as F


def _load_merge_utils():
    """peft's peft/utils/merge_utils.py (it imports only torch), loaded by path: importing the
    peft package would pull in transformers and accelerate, which these tests do not need."""
    spec = importlib.util.find_spec("peft")
    path = Path(spec.origin).parent / "utils" / "merge_utils.py"
    module_spec = importlib.util.spec_from_file_location("peft_merge_utils", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


merge_utils = _load_merge_utils()


@cache
def _transformers():
    """(LlamaConfig, ROPE_INIT_FUNCTIONS), imported on first use (transformers is slow to import)."""
    from transformers import LlamaConfig
    from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS
    return LlamaConfig, ROPE_INIT_FUNCTIONS


def hf_rope(dim: int, base: float, scaling: dict | None = None, seq_len: int | None = None,
            max_position_embeddings: int | None = None) -> tuple[torch.Tensor, float]:
    """transformers' (inv_freq, attention_factor) for RoPE `scaling` (transformers' key names).

    "dynamic" reads the original context from the config's max_position_embeddings, so it is set
    to scaling["original_max_position_embeddings"] there (the student's function takes it as an
    argument); the unscaled frequencies are "linear" with factor 1.
    """
    params = dict(scaling or {"rope_type": "linear", "factor": 1.0})
    kind = params["rope_type"]
    original = params.get("original_max_position_embeddings")
    if kind == "dynamic":
        params.pop("original_max_position_embeddings")
        max_position_embeddings = original
    params["rope_theta"] = float(base)
    LlamaConfig, ROPE_INIT_FUNCTIONS = _transformers()
    config = LlamaConfig(vocab_size=32, hidden_size=2 * dim, intermediate_size=16, num_hidden_layers=1,
                         num_attention_heads=2, num_key_value_heads=2, head_dim=dim,
                         max_position_embeddings=max_position_embeddings or 4 * (original or 64),
                         rope_parameters=params)
    fn = ROPE_INIT_FUNCTIONS[kind]
    inv_freq, attention_factor = fn(config, "cpu", seq_len=seq_len) if seq_len is not None else fn(config, "cpu")
    return inv_freq, float(attention_factor)


def randn(*shape, seed: int, dtype=torch.float32) -> torch.Tensor:
    """A seeded standard normal tensor."""
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=g, dtype=dtype)


def tasks(n: int, *shape, seed: int, dtype=torch.float32) -> list[torch.Tensor]:
    """n seeded task vectors (deltas) of one shape."""
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(*shape, generator=g, dtype=dtype) for _ in range(n)]


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():  # peft warns on density >= 1
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def peft_magnitude_prune(tensor, density):
    return _quiet(merge_utils.prune, tensor, density, method="magnitude")


def peft_ties(task_list, weights, density, method="total"):
    return _quiet(merge_utils.ties, list(task_list), weights, density, majority_sign_method=method)


def peft_dare_linear(task_list, weights, density, seed):
    torch.manual_seed(seed)
    return _quiet(merge_utils.dare_linear, list(task_list), weights, density)


def peft_dare_ties(task_list, weights, density, seed, method="total"):
    torch.manual_seed(seed)
    return _quiet(merge_utils.dare_ties, list(task_list), weights, density, majority_sign_method=method)


def torch_kd_loss(s, t, y, temperature, alpha):
    """alpha * T^2 * KL(softmax(t/T) || softmax(s/T)) (batchmean) + (1 - alpha) * CE(s, y), in torch."""
    kl = F.kl_div(F.log_softmax(s / temperature, dim=-1), F.log_softmax(t / temperature, dim=-1),
                  reduction="batchmean", log_target=True)
    return alpha * temperature**2 * kl + (1 - alpha) * F.cross_entropy(s, y)


@pytest.fixture(scope="session")
def oracle() -> SimpleNamespace:
    """The helpers of this file as attributes, e.g. `oracle.hf_rope(64, 1e4, {...})`."""
    return SimpleNamespace(
        hf_rope=hf_rope, randn=randn, tasks=tasks,
        peft_magnitude_prune=peft_magnitude_prune, peft_ties=peft_ties,
        peft_dare_linear=peft_dare_linear, peft_dare_ties=peft_dare_ties,
        majority_sign_mask=merge_utils.calculate_majority_sign_mask,
        disjoint_merge=merge_utils.disjoint_merge, task_arithmetic=merge_utils.task_arithmetic,
        torch_kd_loss=torch_kd_loss,
    )
