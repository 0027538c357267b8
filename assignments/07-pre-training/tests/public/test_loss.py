"""Public tests: cross_entropy against torch.nn.functional.cross_entropy."""

from __future__ import annotations

import pytest
import torch

from autograder.harness.expect import assert_close


def _inputs(shape, V, seed, scale=1.0, ignore=-100, p_ignore=0.3):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(*shape, V, generator=g) * scale
    targets = torch.randint(0, V, shape, generator=g)
    targets[torch.rand(shape, generator=g) < p_ignore] = ignore
    targets.view(-1)[0] = 1  # at least one target counts
    return logits, targets


@pytest.mark.points(2)
def test_cross_entropy_matches_torch(student, oracle):
    """Mean and sum over non-ignored targets of (B, T, V) logits equal torch's (rel 1e-5)."""
    logits, targets = _inputs((3, 7), 19, seed=0)
    for reduction in ("mean", "sum"):
        got = student.call("cross_entropy", logits, targets, -100, reduction)
        want = oracle.F.cross_entropy(logits.reshape(-1, 19), targets.reshape(-1), ignore_index=-100, reduction=reduction)
        assert_close(got, want, rel=1e-5, abs=1e-6, what=f"cross_entropy(reduction={reduction!r})")


@pytest.mark.points(2)
def test_cross_entropy_is_stable_for_huge_logits(student, oracle):
    """Logits scaled by 1000 give a finite loss equal to torch's (rel 1e-5): no overflow in exp."""
    logits, targets = _inputs((4, 5), 11, seed=1, scale=1000.0)
    got = student.call("cross_entropy", logits, targets)
    want = oracle.F.cross_entropy(logits.reshape(-1, 11), targets.reshape(-1), ignore_index=-100)
    assert_close(got, want, rel=1e-5, abs=1e-4, what="cross_entropy of 1000x logits")


@pytest.mark.points(1)
def test_cross_entropy_custom_ignore_index(student, oracle):
    """ignore_index=0 skips the targets equal to 0 (and only those)."""
    logits, targets = _inputs((2, 9), 7, seed=2, ignore=0, p_ignore=0.4)
    got = student.call("cross_entropy", logits, targets, ignore_index=0)
    want = oracle.F.cross_entropy(logits.reshape(-1, 7), targets.reshape(-1), ignore_index=0)
    assert_close(got, want, rel=1e-5, abs=1e-6, what="cross_entropy with ignore_index=0")
