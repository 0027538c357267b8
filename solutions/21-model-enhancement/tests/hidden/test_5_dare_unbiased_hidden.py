"""Hidden test: DARE's rescale makes the merge unbiased (last: it makes 200 calls)."""

from __future__ import annotations

import pytest
import torch


@pytest.mark.points(3)
@pytest.mark.limits(seconds=60)
def test_dare_unbiased_in_expectation(student, oracle):
    """Averaged over many seeds, dare_linear approaches the plain weighted sum (the rescale makes it unbiased).

    200 seeds, density 0.3, 2 tasks of 12 entries; every entry within 5 standard errors (+1e-6).
    """
    ts, w = oracle.tasks(2, 12, seed=350, dtype=torch.float64), torch.tensor([0.8, -1.3], dtype=torch.float64)
    density, n = 0.3, 200
    total = torch.zeros(12, dtype=torch.float64)
    for seed in range(n):
        out = student.call("dare_linear", ts, w, density, seed)
        assert isinstance(out, torch.Tensor) and out.shape == (12,), "dare_linear shape"
        total += out
    mean = total / n
    expected = sum(wi * t for wi, t in zip(w, ts))
    variance = sum((wi * t) ** 2 for wi, t in zip(w, ts)) * (1 - density) / density
    bound = 5 * torch.sqrt(variance / n) + 1e-6
    assert bool(((mean - expected).abs() <= bound).all()), "the DARE merge is biased: its mean over seeds is off"
