"""Hidden-only oracles for the 07-pre-training tests (never released).

The learning-rate schedule in closed form (the handout's formula, cross-checked against
torch.optim.lr_scheduler.CosineAnnealingLR on the cosine segment by the tests), and a training-step
oracle: torch.optim.AdamW driven by that schedule on the full batch's mean loss
(torch.nn.functional.cross_entropy, autograd), with torch's clip_grad_norm_.

This `oracle` fixture extends the one of tests/conftest.py, so hidden tests call
`oracle.lr(...)` and `oracle.llama(...)` alike.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest
import torch


def lr(step: int, max_lr: float, min_lr: float, warmup: int, end: int) -> float:
    if step < warmup:
        return max_lr * step / warmup
    if step > end:
        return min_lr
    return min_lr + 0.5 * (1 + math.cos(math.pi * (step - warmup) / (end - warmup))) * (max_lr - min_lr)


def cosine_by_torch(max_lr: float, min_lr: float, warmup: int, end: int) -> list[float]:
    """lr of steps warmup .. end from torch's CosineAnnealingLR (T_max = end - warmup, eta_min = min_lr)."""
    p = torch.nn.Parameter(torch.zeros(()))
    opt = torch.optim.SGD([p], lr=max_lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=end - warmup, eta_min=min_lr)
    out = []
    for _ in range(end - warmup + 1):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out


def adamw_updates(base, model_config: dict, train: dict, batches_per_update) -> tuple[dict, list[float]]:
    """Parameters after one AdamW update per entry of `batches_per_update` (a list of micro-batch lists),
    lr of update k = lr(k, ...), full-batch mean loss, clip_grad_norm_ when grad_clip > 0; and the mean
    loss of each update (before its step)."""
    model = base.llama(model_config, train["seed"])
    opt = torch.optim.AdamW(model.parameters(), lr=train["max_lr"], betas=(train["beta1"], train["beta2"]),
                            eps=train["eps"], weight_decay=train["weight_decay"])
    losses = []
    for k, batches in enumerate(batches_per_update):
        for g in opt.param_groups:
            g["lr"] = lr(k, train["max_lr"], train["min_lr"], train["warmup_steps"], train["cosine_steps"])
        opt.zero_grad(set_to_none=True)
        loss = base.torch_loss(model, batches)
        losses.append(loss.item())
        loss.backward()
        if train["grad_clip"] > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), train["grad_clip"])
        opt.step()
    return {n: p.detach().clone() for n, p in model.named_parameters()}, losses


@pytest.fixture(scope="session")
def oracle(oracle):
    base = oracle
    return SimpleNamespace(**vars(base), lr=lr, cosine_by_torch=cosine_by_torch,
                           adamw_updates=lambda *a: adamw_updates(base, *a))
