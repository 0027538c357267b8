"""A half-finished attempt that does not even parse."""

import torch
from torch import Tensor


def topk_route(x: Tensor, w_router: Tensor, k: int) -> tuple[Tensor, Tensor]:
    logits = x @ w_router.T
    top, idx = logits.topk(k, dim=-1
    return idx, torch.softmax(top, dim=-1)


def swa_mask(q_len: int, k_len: int, window: int) -> Tensor:
    return torch.ones(q_len, k_len, dtype=torch.bool).tril().triu(-window)
