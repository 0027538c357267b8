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
    raise NotImplementedError


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
    raise NotImplementedError


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
    raise NotImplementedError


def lr_at(step: int, max_lr: float, min_lr: float, warmup_steps: int, cosine_steps: int) -> float:
    """The learning rate of optimizer step `step` (0-based): linear warmup, cosine decay, floor.

        step < warmup_steps:                  max_lr * step / warmup_steps
        warmup_steps <= step <= cosine_steps: min_lr + (max_lr - min_lr) * (1 + cos(pi * p)) / 2,
                                              p = (step - warmup_steps) / (cosine_steps - warmup_steps)
        step > cosine_steps:                  min_lr
    Raises ValueError unless 0 <= warmup_steps < cosine_steps and step >= 0.
    """
    raise NotImplementedError


# -----------------------------------------------------------------------------
# model and gradient accumulation


def build_model(config: dict, seed: int, device: str) -> LlamaForCausalLM:
    """`torch.manual_seed(seed)`, then `LlamaForCausalLM(LlamaConfig(**config))`, moved to
    `device` and put in training mode. The tests build the same model on their side."""
    raise NotImplementedError


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
    raise NotImplementedError


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
        raise NotImplementedError

    def update(self, micro_batches: list[tuple[Tensor, Tensor]]) -> float:
        """One optimizer step: set every param group's lr to lr_at(self.step, ...), zero the
        gradients, accumulate_gradients over `micro_batches`, clip the global gradient norm to
        grad_clip if grad_clip > 0, optimizer.step(), self.step += 1. Returns the mean loss."""
        raise NotImplementedError

    def train_step(self, data: np.ndarray) -> float:
        """Draw grad_accum_steps micro-batches with get_batch(data, batch_size, context_length,
        device, self.generator), then `update` with them. Returns the mean loss."""
        raise NotImplementedError

    def fit_batch(self, x: Tensor, y: Tensor, steps: int) -> list[float]:
        """Overfit one batch: `steps` calls of update([(x, y)]). Returns the losses, one per step."""
        raise NotImplementedError

    def save_checkpoint(self, path: str) -> None:
        """Write everything `load_checkpoint` needs to continue bit for bit to `path` (torch.save):
        the model's and the optimizer's state_dicts, `step`, the batch generator's state, and
        torch's global RNG state (plus the CUDA RNG states when training on a GPU), which dropout draws from."""
        raise NotImplementedError

    def load_checkpoint(self, path: str) -> int:
        """Restore what `save_checkpoint` wrote (into this Trainer, whatever seed it was built
        with), so that further steps equal those of the Trainer that saved. Returns `step`."""
        raise NotImplementedError
