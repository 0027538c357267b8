"""LoRA adapters, merging, a masked SFT loss and NF4 quantisation, written by hand.

    LoRALinear         y = base(x) + (alpha / r) * B A x, with the base layer frozen
    inject_lora        swap the named nn.Linear modules of a model for LoRALinear wrappers
    count_trainable    (trainable parameters, all parameters), as peft reports them
    merge_lora         fold every adapter back into a plain nn.Linear: W' = W + (alpha / r) B A
    masked_sft_loss    next-token cross-entropy, labels -100 ignored, mean over kept tokens
    sft_step           one plain-SGD step on the trainable parameters only
    nf4_quantize       4-bit NormalFloat block quantisation (QLoRA): codes + per-block absmax
    nf4_dequantize     codes and absmax back to float32 weights

The part below the line "Test hooks" is given: the tests reach your model through those small
functions (build a tiny Llama from a config dict and a seed, move a tensor to a device, read
parameters and gradients back as data). Do not change it.

What it does not do: dropout on the adapter input, bias adapters, double quantisation of the
absmax values, or 4-bit matmuls (dequantise, then multiply).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn
from transformers import LlamaConfig, LlamaForCausalLM

# The 16 NF4 levels of QLoRA (Dettmers et al., 2023), ascending: code k stands for NF4_LEVELS[k].
# Level 7 is exactly 0.0; levels 0 and 15 are exactly -1.0 and 1.0.
NF4_LEVELS: tuple[float, ...] = (
    -1.0,
    -0.6961928009986877,
    -0.5250730514526367,
    -0.39491748809814453,
    -0.28444138169288635,
    -0.18477343022823334,
    -0.09105003625154495,
    0.0,
    0.07958029955625534,
    0.16093020141124725,
    0.24611230194568634,
    0.33791524171829224,
    0.44070982933044434,
    0.5626170039176941,
    0.7229568362236023,
    1.0,
)

IGNORE_INDEX = -100  # label value that masked_sft_loss skips


# -----------------------------------------------------------------------------
# LoRA


class LoRALinear(nn.Module):
    """A frozen nn.Linear plus a trainable low-rank update: y = base(x) + (alpha / r) · x Aᵀ Bᵀ.

    Attributes (the tests read them by these names):
      base     the wrapped nn.Linear, kept as is; its weight (and bias) get requires_grad = False
      lora_A   nn.Parameter (r, in_features), random init (e.g. Kaiming-uniform, like peft)
      lora_B   nn.Parameter (out_features, r), zeros, so a fresh adapter leaves the output unchanged
      scaling  float, alpha / r
    lora_A and lora_B have the base weight's dtype and device. Raises ValueError if r < 1.
    """

    def __init__(self, base: nn.Linear, r: int, alpha: float) -> None:
        super().__init__()
        if r < 1:
            raise ValueError(f"LoRALinear: r must be >= 1, got {r}")
        self.base = base
        for p in self.base.parameters():
            p.requires_grad_(False)
        w = base.weight
        self.scaling = alpha / r
        self.lora_A = nn.Parameter(torch.empty(r, base.in_features, dtype=w.dtype, device=w.device))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, r, dtype=w.dtype, device=w.device))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))

    def forward(self, x: Tensor) -> Tensor:
        """x: (..., in_features) -> (..., out_features) = base(x) + scaling · (x Aᵀ) Bᵀ."""
        update = (x @ self.lora_A.T) @ self.lora_B.T  # (..., r) then (..., out)
        return self.base(x) + self.scaling * update


def inject_lora(model: nn.Module, targets: list[str], r: int, alpha: float) -> nn.Module:
    """Replace every targeted nn.Linear of `model` by LoRALinear(module, r, alpha), in place.

    A module named `name` (its dotted path in model.named_modules()) is targeted when
    `name == t` or `name.endswith("." + t)` for some t in `targets` (peft's rule for a list),
    and it is an nn.Linear. Afterwards ONLY the lora_A / lora_B parameters require gradients:
    every other parameter of the model gets requires_grad = False. Returns `model`.
    Raises ValueError if no nn.Linear matches any target.
    """
    for p in model.parameters():
        p.requires_grad_(False)
    chosen = [
        name
        for name, module in model.named_modules()
        if isinstance(module, nn.Linear) and any(name == t or name.endswith("." + t) for t in targets)
    ]
    if not chosen:
        raise ValueError(f"inject_lora: no nn.Linear module matches {targets}")
    for name in chosen:
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        parent.add_module(child, LoRALinear(parent.get_submodule(child), r, alpha))
    return model


def count_trainable(model: nn.Module) -> tuple[int, int]:
    """(number of parameters with requires_grad, number of all parameters), as Python ints.

    Counts scalars (numel), each parameter object once; after inject_lora "all" includes the
    adapters, as in peft's get_nb_trainable_parameters().
    """
    trainable = total = 0
    for p in model.parameters():
        total += p.numel()
        if p.requires_grad:
            trainable += p.numel()
    return trainable, total


def merge_lora(model: nn.Module) -> nn.Module:
    """Replace every LoRALinear in `model` by a plain nn.Linear, in place; returns `model`.

    The new layer has weight W + scaling · B A (W the base weight) and the base bias, on the
    base weight's device and dtype. No LoRALinear (and no lora_A / lora_B) remains, and the
    model's outputs are unchanged up to float rounding.
    """
    raise NotImplementedError


# -----------------------------------------------------------------------------
# supervised fine-tuning


def masked_sft_loss(logits: Tensor, labels: Tensor) -> Tensor:
    """Mean next-token cross-entropy over the kept labels (the Hugging Face causal-LM convention).

    logits: (B, T, V) float; labels: (B, T) int64, IGNORE_INDEX (-100) where no loss is taken
    (prompt tokens, padding). Position t predicts token t + 1: the pairs are
    (logits[:, t], labels[:, t + 1]) for t = 0 .. T - 2, and those whose label is -100 are dropped.
        loss = (1 / N) · Σ_kept −log softmax(logits[b, t])[labels[b, t + 1]],  N = number kept
    Computed in float32 (logits upcast); returns a 0-dim float32 tensor on the logits' device that
    keeps the autograd graph. Raises ValueError if no label is kept (N = 0).
    """
    pred = logits[:, :-1, :].float()  # (B, T-1, V)
    target = labels[:, 1:].to(pred.device)  # (B, T-1)
    keep = target != IGNORE_INDEX
    n_kept = int(keep.sum())
    if n_kept == 0:
        raise ValueError("masked_sft_loss: every label is -100, the mean is undefined")
    logp = torch.log_softmax(pred, dim=-1)
    safe = torch.where(keep, target, torch.zeros_like(target))
    nll = -logp.gather(-1, safe.unsqueeze(-1)).squeeze(-1)  # (B, T-1)
    return (nll * keep).sum() / n_kept


def sft_step(model: nn.Module, input_ids: Tensor, labels: Tensor, lr: float) -> float:
    """One plain-SGD step of supervised fine-tuning; returns the loss before the step (float).

    Moves input_ids and labels (B, T) to the device of the model's parameters, sets every
    parameter's .grad to None (each step uses only its own gradient), computes
    loss = masked_sft_loss(model(input_ids).logits, labels), calls loss.backward(), then for
    every parameter p with requires_grad: p ← p − lr · p.grad (under torch.no_grad()).
    The new gradients stay in p.grad afterwards, so that they can be inspected; parameters
    without requires_grad are left untouched and their .grad stays None.
    """
    raise NotImplementedError


# -----------------------------------------------------------------------------
# NF4 quantisation


def nf4_quantize(w: Tensor, block_size: int = 64) -> tuple[Tensor, Tensor]:
    """Block-wise 4-bit NormalFloat quantisation of `w` (any shape, float).

    Flatten w in row-major order (w.reshape(-1), as float32) and cut it into consecutive
    blocks of `block_size` values. For block b: absmax[b] = max |w| over the block (exact,
    float32), x = w / absmax[b] (x = 0 for a block of zeros), and each value gets the code
    k in 0..15 of the nearest level: argmin_k |x − NF4_LEVELS[k]| in float32; on an exact tie
    the lower code wins.
    Returns (codes: uint8 (w.numel(),), absmax: float32 (w.numel() // block_size,)), on w's
    device. Raises ValueError if block_size < 1 or w.numel() is not a multiple of block_size.
    """
    raise NotImplementedError


def nf4_dequantize(codes: Tensor, absmax: Tensor, shape: tuple[int, ...] | list[int], block_size: int = 64) -> Tensor:
    """The inverse map of nf4_quantize: w_hat = NF4_LEVELS[code] · absmax[block of the value].

    codes: uint8 (n,), absmax: float32 (n // block_size,). Returns float32 of `shape`
    (row-major, as nf4_quantize flattened it), on codes' device.
    """
    raise NotImplementedError


# -----------------------------------------------------------------------------
# Test hooks (given, do not change): the tests build and inspect your model through these.


def build_tiny_llama(config: dict, seed: int, device: str = "cpu") -> nn.Module:
    """A LlamaForCausalLM from a LlamaConfig(**config) with seeded, well-scaled float32 weights.

    Matrices N(0, 1/fan_in), the embedding N(0, 1), norm weights 1 + 0.2 N(0, 1), drawn on
    the CPU from torch.Generator().manual_seed(seed) in named_parameters() order, then moved to
    `device`. Eager attention, untied embeddings, eval mode (no dropout anywhere).
    """
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
    return model.to(device).eval()


def to_device(x: Tensor, device: str) -> Tensor:
    """x on `device` (the tests keep the result in the worker and pass it to your functions)."""
    return x.to(device)


def linear_from_weights(weight: Tensor, bias: Tensor | None, device: str = "cpu") -> nn.Linear:
    """An nn.Linear on `device` holding copies of weight (out, in) and bias (out,) or no bias."""
    layer = nn.Linear(weight.shape[1], weight.shape[0], bias=bias is not None, dtype=weight.dtype, device=device)
    with torch.no_grad():
        layer.weight.copy_(weight)
        if bias is not None:
            layer.bias.copy_(bias)
    return layer


def run_module(module: nn.Module, x: Tensor) -> Tensor:
    """module(x) without gradients, x moved to the module's device; a causal LM gives its logits."""
    device = next(module.parameters()).device
    with torch.no_grad():
        out = module(x.to(device))
    return out.logits if hasattr(out, "logits") else out


def parameters_of(module: nn.Module) -> dict[str, Tensor]:
    """{name: parameter values} for every entry of module.named_parameters()."""
    return {name: p.detach().clone() for name, p in module.named_parameters()}


def requires_grad_of(module: nn.Module) -> dict[str, bool]:
    """{name: p.requires_grad} for every entry of module.named_parameters()."""
    return {name: bool(p.requires_grad) for name, p in module.named_parameters()}


def grads_of(module: nn.Module) -> dict[str, Tensor | None]:
    """{name: p.grad (a copy) or None} for every entry of module.named_parameters()."""
    return {name: (None if p.grad is None else p.grad.detach().clone()) for name, p in module.named_parameters()}


def set_parameter(module: nn.Module, name: str, value: Tensor) -> None:
    """Copy `value` into the parameter `name` of module.named_parameters() (no gradient)."""
    param = dict(module.named_parameters())[name]
    with torch.no_grad():
        param.copy_(value.to(param.device, param.dtype))


def module_types(module: nn.Module) -> dict[str, str]:
    """{name: class name} for every entry of module.named_modules() ("" is the module itself)."""
    return {name: type(m).__name__ for name, m in module.named_modules()}
