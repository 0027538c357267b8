"""Shared helpers for the 09-sft-lora tests: tiny Llama models and peft / transformers oracles.

Everything here runs on the trusted side. The student's code is reached only through the
`student` fixture; these helpers build the expected values with torch, transformers and peft
(peft is never importable by the student's code: it is not in the worker, and the import
policy bans it). Only library-backed oracles, data and loaders live here; the hand-written
NF4 oracle of the hidden tests is in tests/hidden/conftest.py.
Seeds are set inside each test; nothing is downloaded. Tests run with
`--import-mode=importlib`, so they reach these helpers through the `oracle` fixture.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from peft import LoraConfig, get_peft_model
from torch import nn
from transformers import LlamaConfig, LlamaForCausalLM
from transformers.loss.loss_utils import ForCausalLMLoss

from autograder.expected_values import expected_value

torch.set_num_threads(2)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def expected(name: str):
    """A committed expected value from fixtures/public/expected_values.json (see tools/)."""
    return expected_value(FIXTURES.parent, name)

# the public tiny Llama: 2 layers, 4 query heads sharing 2 kv heads
CONFIG = dict(
    vocab_size=128, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
    num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
)


# -----------------------------------------------------------------------------
# random data


def randn(*shape, seed: int, dtype=torch.float32, scale: float = 1.0) -> torch.Tensor:
    """A seeded standard-normal tensor (seed local to this call)."""
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(*shape, generator=g, dtype=torch.float64) * scale).to(dtype)


def random_ids(batch: int, length: int, vocab: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randint(vocab, (batch, length), generator=g)


def sft_labels(ids: torch.Tensor, prompt_lengths: list[int], pad_from: list[int] | None = None) -> torch.Tensor:
    """labels = ids with -100 on each row's prompt (first prompt_lengths[b] tokens) and from pad_from[b] on."""
    labels = ids.clone()
    for b, n in enumerate(prompt_lengths):
        labels[b, :n] = -100
        if pad_from is not None:
            labels[b, pad_from[b]:] = -100
    return labels


# -----------------------------------------------------------------------------
# the tiny Llama (the same recipe as the starter's build_tiny_llama)


def make_llama(config: dict, seed: int) -> LlamaForCausalLM:
    """LlamaForCausalLM(LlamaConfig(**config)) with the handout's seeded weights, float32, CPU, eval."""
    cfg = LlamaConfig(**config, attn_implementation="eager", tie_word_embeddings=False)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = LlamaForCausalLM(cfg)
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.ndim == 1:
                p.copy_(1.0 + 0.2 * torch.randn(p.shape, generator=g))
            elif name.endswith("embed_tokens.weight"):
                p.copy_(torch.randn(p.shape, generator=g))
            else:
                p.copy_(torch.randn(p.shape, generator=g) / p.shape[1] ** 0.5)
    return model.eval()


# -----------------------------------------------------------------------------
# peft oracles


def peft_model(model: nn.Module, targets: list[str], r: int, alpha: float):
    """peft.get_peft_model(model, LoraConfig(r, alpha, targets, no dropout, no bias))."""
    config = LoraConfig(r=r, lora_alpha=alpha, target_modules=list(targets), lora_dropout=0.0, bias="none")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return get_peft_model(model, config)


def student_name(peft_name: str) -> str:
    """peft's parameter name -> the handout's: base_model.model.X.lora_A.default.weight -> X.lora_A."""
    name = peft_name.removeprefix("base_model.model.")
    for part in ("lora_A", "lora_B"):
        name = name.replace(f".{part}.default.weight", f".{part}")
    return name.replace(".base_layer.", ".base.")


def random_adapters(peft, seed: int, scale: float = 0.3) -> dict[str, torch.Tensor]:
    """Fill every lora_A / lora_B of a peft model with seeded N(0, scale²) values.

    Returns {handout name: value} so that the same values can be copied into the student's model.
    """
    g = torch.Generator().manual_seed(seed)
    values = {}
    with torch.no_grad():
        for name, p in peft.named_parameters():
            if ".lora_A." in name or ".lora_B." in name:
                v = torch.randn(p.shape, generator=g) * scale
                p.copy_(v)
                values[student_name(name)] = v
    return values


def logits(model, ids: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return model(input_ids=ids).logits


def hf_causal_lm_loss(logits_: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """transformers' causal-LM loss (shift by one, ignore_index -100, mean over kept targets)."""
    return ForCausalLMLoss(logits_, labels, vocab_size=logits_.shape[-1])


def peft_layer(weight: torch.Tensor, bias: torch.Tensor | None, r: int, alpha: float, A, B):
    """A one-layer peft LoRA model around nn.Linear(weight, bias) with the given A and B."""
    base = nn.Linear(weight.shape[1], weight.shape[0], bias=bias is not None, dtype=weight.dtype)
    with torch.no_grad():
        base.weight.copy_(weight)
        if bias is not None:
            base.bias.copy_(bias)
    model = peft_model(nn.Sequential(base), ["0"], r, alpha)
    layer = model.base_model.model[0]
    with torch.no_grad():
        layer.lora_A["default"].weight.copy_(A)
        layer.lora_B["default"].weight.copy_(B)
    return model


def int4_rtn_error(w: torch.Tensor, block_size: int) -> float:
    """Mean squared error of symmetric int4 round-to-nearest with a per-block absmax scale.

    q = round(7 · w / absmax) in -7..7, w_hat = q · absmax / 7 (the baseline NF4 must not lose to).
    """
    blocks = w.reshape(-1, block_size).double()
    absmax = blocks.abs().amax(dim=1, keepdim=True).clamp_min(1e-30)
    w_hat = torch.round(blocks / absmax * 7).clamp(-7, 7) * absmax / 7
    return float(((w_hat - blocks) ** 2).mean())


@pytest.fixture(scope="session")
def oracle() -> SimpleNamespace:
    """The helpers of this file as attributes, e.g. `oracle.make_llama(oracle.CONFIG, 0)`."""
    return SimpleNamespace(
        CONFIG=CONFIG,
        expected=expected,
        randn=randn,
        random_ids=random_ids,
        sft_labels=sft_labels,
        make_llama=make_llama,
        peft_model=peft_model,
        student_name=student_name,
        random_adapters=random_adapters,
        logits=logits,
        hf_causal_lm_loss=hf_causal_lm_loss,
        peft_layer=peft_layer,
        int4_rtn_error=int4_rtn_error,
    )
