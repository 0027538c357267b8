"""The pieces of a language-model pre-training loop, written by hand around a tiny Hugging Face Llama.

    load_tokens            a tokenised corpus on disk, opened as a read-only np.memmap
    get_batch              random (x, y) windows of the corpus, y shifted by one token
    cross_entropy          the next-token loss from logits, numerically stable, with ignore_index
    lr_at                  linear warmup then cosine decay of the learning rate
    build_model            a LlamaForCausalLM built from a config dict and a seed
    accumulate_gradients   gradient accumulation normalised by the global token count
    Trainer                model + AdamW + schedule + batch RNG: train steps, overfitting one
                           batch, checkpoints that resume bit for bit in another process

The model is the only thing taken from transformers; the loss, the schedule, the batching,
the accumulation and the checkpoint are yours. No torch.nn.functional.cross_entropy / nll_loss /
log_softmax / logsumexp, no torch.optim.lr_scheduler, no transformers schedules or Trainer.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor
from transformers import LlamaConfig, LlamaForCausalLM

# -----------------------------------------------------------------------------
# data


def load_tokens(path: str, dtype: str = "uint16") -> np.ndarray:
    """Open a flat binary file of token ids (written with `array.astype(dtype).tofile(path)`)
    as a read-only `np.memmap` of that dtype, without reading it into memory.

    Returns a 1-D array-like of length file_size / itemsize.
    """
    ### BEGIN SOLUTION
    return np.memmap(path, dtype=np.dtype(dtype), mode="r")
    ### END SOLUTION


def get_batch(
    data: np.ndarray,
    batch_size: int,
    context_length: int,
    device: str,
    generator: torch.Generator | None = None,
) -> tuple[Tensor, Tensor]:
    """Sample `batch_size` windows of the 1-D token array `data` (an np.memmap or np.ndarray).

    With n = len(data) and T = context_length, each start s_b is drawn independently and
    uniformly from {0, 1, ..., n - T - 1} with `torch.randint(..., generator=generator)`
    (generator None: torch's global RNG). Then
        x[b] = data[s_b : s_b + T]        y[b] = data[s_b + 1 : s_b + T + 1]
    so y[b, t] is the token that follows x[b, t].
    Returns (x, y): int64 tensors of shape (batch_size, T) on `device`.
    Raises ValueError if n < T + 1 (not even one window fits).
    """
    ### BEGIN SOLUTION
    n = len(data)
    if n < context_length + 1:
        raise ValueError(f"get_batch: {n} tokens cannot hold a window of {context_length} + 1")
    starts = torch.randint(0, n - context_length, (batch_size,), generator=generator)  # (B,)
    # only the B windows are read from disk, not the whole memmap
    rows = np.stack([np.asarray(data[s : s + context_length + 1]) for s in starts.tolist()])
    both = torch.from_numpy(rows.astype(np.int64))  # (B, T + 1)
    return both[:, :-1].to(device), both[:, 1:].to(device)
    ### END SOLUTION


# -----------------------------------------------------------------------------
# loss and learning-rate schedule


def cross_entropy(logits: Tensor, targets: Tensor, ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    """Cross-entropy of integer targets under softmax(logits), with ignored positions.

    logits: (..., V) float; targets: (...) int64, each in [0, V) or equal to ignore_index.
    For every position i whose target is not ignore_index:
        loss_i = logsumexp(logits_i) - logits_i[target_i]
    computed stably: logsumexp(z) = m + log(sum(exp(z - m))) with m = max(z).
    reduction "mean": sum of loss_i / number of non-ignored positions; "sum": the sum.
    Returns a 0-dim tensor (float32 for float32/float16/bfloat16 logits), differentiable.
    Raises ValueError for another reduction. With every target ignored, "mean" is 0/0 (nan).
    """
    ### BEGIN SOLUTION
    if reduction not in ("mean", "sum"):
        raise ValueError(f"cross_entropy: reduction must be 'mean' or 'sum', got {reduction!r}")
    if logits.dtype in (torch.float16, torch.bfloat16):
        logits = logits.float()
    flat = logits.reshape(-1, logits.shape[-1])  # (N, V)
    tgt = targets.reshape(-1)  # (N,)
    keep = tgt != ignore_index
    flat, tgt = flat[keep], tgt[keep]  # (K, V), (K,)
    m = flat.amax(dim=-1, keepdim=True).detach()  # (K, 1); a constant shift, no gradient needed
    lse = (flat - m).exp().sum(dim=-1).log() + m.squeeze(-1)  # (K,)
    picked = flat.gather(1, tgt[:, None]).squeeze(1)  # (K,)
    total = (lse - picked).sum()
    if reduction == "sum":
        return total
    return total / keep.sum()
    ### END SOLUTION


def lr_at(step: int, max_lr: float, min_lr: float, warmup_steps: int, cosine_steps: int) -> float:
    """The learning rate of optimizer step `step` (0-based): linear warmup, cosine decay, floor.

        step < warmup_steps:                  max_lr * step / warmup_steps
        warmup_steps <= step <= cosine_steps: min_lr + (max_lr - min_lr) * (1 + cos(pi * p)) / 2,
                                              p = (step - warmup_steps) / (cosine_steps - warmup_steps)
        step > cosine_steps:                  min_lr
    Raises ValueError unless 0 <= warmup_steps < cosine_steps and step >= 0.
    """
    ### BEGIN SOLUTION
    if not 0 <= warmup_steps < cosine_steps:
        raise ValueError(f"lr_at: need 0 <= warmup_steps < cosine_steps, got {warmup_steps}, {cosine_steps}")
    if step < 0:
        raise ValueError(f"lr_at: step must be >= 0, got {step}")
    if step < warmup_steps:
        return max_lr * step / warmup_steps
    if step > cosine_steps:
        return min_lr
    progress = (step - warmup_steps) / (cosine_steps - warmup_steps)
    return min_lr + 0.5 * (1.0 + math.cos(math.pi * progress)) * (max_lr - min_lr)
    ### END SOLUTION


# -----------------------------------------------------------------------------
# model and gradient accumulation


def build_model(config: dict, seed: int, device: str) -> LlamaForCausalLM:
    """`torch.manual_seed(seed)`, then `LlamaForCausalLM(LlamaConfig(**config))`, moved to
    `device` and put in training mode. The tests build the same model on their side."""
    ### BEGIN SOLUTION
    torch.manual_seed(seed)
    model = LlamaForCausalLM(LlamaConfig(**config))
    return model.to(device).train()
    ### END SOLUTION


def accumulate_gradients(
    model: LlamaForCausalLM,
    micro_batches: list[tuple[Tensor, Tensor]],
    device: str,
    ignore_index: int = -100,
) -> float:
    """Forward and backward the micro-batches one at a time, adding into each parameter's .grad.

    micro_batches: [(x_k, y_k)], x_k (B_k, T_k) int64 input ids, y_k (B_k, T_k) int64 targets
    aligned with x_k (y_k[b, t] is the token after x_k[b, t]; ignore_index marks padding).
    Logits are `model(input_ids=x_k).logits`. With N the number of non-ignored targets over
    ALL micro-batches, micro-batch k contributes sum_k(loss_i) / N, so the accumulated gradient
    equals the gradient of the full batch's mean loss, however the tokens are split.
    Returns the full batch's mean loss as a float. Does not zero .grad first.
    Raises ValueError if N == 0.
    """
    ### BEGIN SOLUTION
    n_tokens = sum(int((y != ignore_index).sum()) for _, y in micro_batches)
    if n_tokens == 0:
        raise ValueError("accumulate_gradients: every target is ignore_index")
    total = 0.0
    for x, y in micro_batches:
        x, y = x.to(device), y.to(device)
        logits = model(input_ids=x).logits  # (B_k, T_k, V)
        # subtle: sum / global count, not the micro-batch mean: micro-batches hold different numbers of tokens
        loss = cross_entropy(logits, y, ignore_index, reduction="sum") / n_tokens
        loss.backward()
        total += loss.item()
    return total
    ### END SOLUTION


# -----------------------------------------------------------------------------
# the training loop and checkpoints


class Trainer:
    """A LlamaForCausalLM, its AdamW optimizer, the learning-rate schedule and the batch RNG.

    train_config keys: seed, batch_size, context_length, grad_accum_steps, max_lr, min_lr,
    warmup_steps, cosine_steps, weight_decay, beta1, beta2, eps, grad_clip (0: no clipping).
    Attributes the tests read: `model` (the LlamaForCausalLM) and `step` (updates done so far).
    """

    def __init__(self, model_config: dict, train_config: dict, device: str):
        """model = build_model(model_config, seed, device); AdamW over model.parameters() with
        lr=max_lr, betas=(beta1, beta2), eps, weight_decay; a CPU torch.Generator seeded with
        `seed` for get_batch; step = 0."""
        ### BEGIN SOLUTION
        self.config = dict(train_config)
        self.device = device
        c = self.config
        self.model = build_model(model_config, c["seed"], device)
        self.optimizer = torch.optim.AdamW(
            self.model.parameters(), lr=c["max_lr"], betas=(c["beta1"], c["beta2"]), eps=c["eps"],
            weight_decay=c["weight_decay"],
        )
        self.generator = torch.Generator().manual_seed(c["seed"])
        self.step = 0
        ### END SOLUTION

    def update(self, micro_batches: list[tuple[Tensor, Tensor]]) -> float:
        """One optimizer step: set every param group's lr to lr_at(self.step, ...), zero the
        gradients, accumulate_gradients over `micro_batches`, clip the global gradient norm to
        grad_clip if grad_clip > 0, optimizer.step(), self.step += 1. Returns the mean loss."""
        ### BEGIN SOLUTION
        c = self.config
        lr = lr_at(self.step, c["max_lr"], c["min_lr"], c["warmup_steps"], c["cosine_steps"])
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        self.optimizer.zero_grad(set_to_none=True)
        loss = accumulate_gradients(self.model, micro_batches, self.device)
        if c["grad_clip"] > 0:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), c["grad_clip"])
        self.optimizer.step()
        self.step += 1
        return loss
        ### END SOLUTION

    def train_step(self, data: np.ndarray) -> float:
        """Draw grad_accum_steps micro-batches with get_batch(data, batch_size, context_length,
        device, self.generator), then `update` with them. Returns the mean loss."""
        ### BEGIN SOLUTION
        c = self.config
        micro = [get_batch(data, c["batch_size"], c["context_length"], self.device, self.generator)
                 for _ in range(c["grad_accum_steps"])]
        return self.update(micro)
        ### END SOLUTION

    def fit_batch(self, x: Tensor, y: Tensor, steps: int) -> list[float]:
        """Overfit one batch: `steps` calls of update([(x, y)]). Returns the losses, one per step."""
        ### BEGIN SOLUTION
        x, y = x.to(self.device), y.to(self.device)
        return [self.update([(x, y)]) for _ in range(steps)]
        ### END SOLUTION

    def save_checkpoint(self, path: str) -> None:
        """Write everything `load_checkpoint` needs to continue bit for bit to `path` (torch.save):
        the model's and the optimizer's state_dicts, `step`, the batch generator's state, and
        torch's global RNG state (plus the CUDA RNG states when training on a GPU), which dropout draws from."""
        ### BEGIN SOLUTION
        state = {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "step": self.step,
            "generator": self.generator.get_state(),
            "torch_rng": torch.get_rng_state(),
            "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        }
        torch.save(state, path)
        ### END SOLUTION

    def load_checkpoint(self, path: str) -> int:
        """Restore what `save_checkpoint` wrote (into this Trainer, whatever seed it was built
        with), so that further steps equal those of the Trainer that saved. Returns `step`."""
        ### BEGIN SOLUTION
        state = torch.load(path, map_location="cpu", weights_only=True)
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.step = int(state["step"])
        self.generator.set_state(state["generator"])
        torch.set_rng_state(state["torch_rng"])
        if state["cuda_rng"]:
            torch.cuda.set_rng_state_all(state["cuda_rng"])
        return self.step
        ### END SOLUTION
