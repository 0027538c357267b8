"""Public tests: TIES and DARE merging against peft's merge_utils."""

from __future__ import annotations

import pytest
import torch

from autograder.harness.expect import assert_close, assert_equal

TOL = dict(rel=1e-5, abs=1e-6)


def check(out, expected, what):
    assert isinstance(out, torch.Tensor) and out.dtype == expected.dtype, f"{what}: a tensor of the tasks' dtype"
    assert_close(out, expected, what=what, **TOL)


@pytest.mark.points(2)
def test_magnitude_prune(student, oracle):
    """magnitude_prune keeps the int(density * numel) largest magnitudes, as peft's magnitude pruning."""
    x = oracle.randn(6, 5, seed=10)
    for density in (0.2, 0.5, 1.0):
        check(student.call("magnitude_prune", x, density), oracle.peft_magnitude_prune(x, density), f"density {density}")


@pytest.mark.points(2)
def test_sign_election_and_disjoint_merge(student, oracle):
    """majority_sign_mask (total and frequency) and disjoint_merge equal peft's."""
    stacked = torch.stack([oracle.peft_magnitude_prune(t, 0.5) for t in oracle.tasks(3, 4, 4, seed=11)])
    for method in ("total", "frequency"):
        mask = student.call("majority_sign_mask", stacked, method)
        assert_equal(mask, oracle.majority_sign_mask(stacked, method), dtype=True, what=f"{method} mask")
        assert mask.dtype == torch.bool, "the mask is a bool tensor"
    mask = oracle.majority_sign_mask(stacked, "total")
    check(student.call("disjoint_merge", stacked, mask), oracle.disjoint_merge(stacked, mask), "disjoint_merge")


@pytest.mark.points(1)
def test_task_arithmetic(student, oracle):
    """task_arithmetic is peft's weighted sum of the task tensors."""
    ts, w = oracle.tasks(3, 5, 2, seed=12), torch.tensor([0.5, -1.0, 2.0])
    check(student.call("task_arithmetic", ts, w), oracle.task_arithmetic(ts, w), "task_arithmetic")


@pytest.mark.points(3)
def test_ties_matches_peft(student, oracle):
    """ties (density 0.4, total and frequency election) equals peft.utils.merge_utils.ties."""
    ts, w = oracle.tasks(3, 6, 6, seed=13), torch.tensor([1.0, 0.6, 0.3])
    for method in ("total", "frequency"):
        check(student.call("ties", ts, w, 0.4, method), oracle.peft_ties(ts, w, 0.4, method), f"ties ({method})")


@pytest.mark.points(3)
def test_dare_matches_peft_under_the_same_seed(student, oracle):
    """dare_linear and dare_ties (density 0.5, seed 3) equal peft's after torch.manual_seed(3)."""
    ts, w = oracle.tasks(3, 4, 8, seed=14), torch.tensor([1.0, 0.5, 0.25])
    check(student.call("dare_linear", ts, w, 0.5, 3), oracle.peft_dare_linear(ts, w, 0.5, 3), "dare_linear")
    check(student.call("dare_ties", ts, w, 0.5, 3), oracle.peft_dare_ties(ts, w, 0.5, 3), "dare_ties")
