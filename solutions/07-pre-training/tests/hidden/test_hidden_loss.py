"""Hidden tests: cross_entropy against torch.nn.functional.cross_entropy, other shapes and extremes."""

from __future__ import annotations

import pytest
import torch

from autograder.harness import StudentError
from autograder.harness.expect import assert_close


def _inputs(shape, V, seed, scale=1.0, shift=0.0, ignore=-100, p_ignore=0.3, dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    logits = (torch.randn(*shape, V, generator=g) * scale + shift).to(dtype)
    targets = torch.randint(0, V, shape, generator=g)
    targets[torch.rand(shape, generator=g) < p_ignore] = ignore
    targets.view(-1)[-1] = V - 1
    return logits, targets


def _torch(oracle, logits, targets, ignore=-100, reduction="mean"):
    return oracle.F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), targets.reshape(-1),
                                  ignore_index=ignore, reduction=reduction)


@pytest.mark.points(2)
def test_cross_entropy_4d_logits_and_a_larger_vocabulary(student, oracle):
    """Logits with three leading dims and a vocabulary of hundreds: mean and sum equal torch's (rel 1e-5)."""
    logits, targets = _inputs((2, 3, 4), 257, seed=100)
    for reduction in ("mean", "sum"):
        got = student.call("cross_entropy", logits, targets, -100, reduction)
        assert_close(got, _torch(oracle, logits, targets, reduction=reduction), rel=1e-5, abs=1e-6, what=f"reduction {reduction}")


@pytest.mark.points(2)
def test_cross_entropy_extreme_logits(student, oracle):
    """Huge positive and huge negative logits give finite losses equal to torch's (rel 1e-5)."""
    for seed, scale, shift in ((101, 1e4, 0.0), (102, 10.0, -1e4), (103, 3000.0, 5e3)):
        logits, targets = _inputs((3, 6), 23, seed=seed, scale=scale, shift=shift)
        got = student.call("cross_entropy", logits, targets)
        assert_close(got, _torch(oracle, logits, targets), rel=1e-5, abs=1e-3, what="the loss of extreme logits")


@pytest.mark.points(1)
def test_cross_entropy_one_kept_target(student, oracle):
    """With every target ignored but one, the mean is that one position's loss."""
    logits, targets = _inputs((4, 5), 13, seed=104, p_ignore=1.1)
    got = student.call("cross_entropy", logits, targets)
    assert_close(got, _torch(oracle, logits, targets), rel=1e-5, abs=1e-6, what="the loss")


@pytest.mark.points(1)
def test_cross_entropy_two_dimensional_input(student, oracle):
    """(N, V) logits with (N,) targets and ignore_index=-1 match torch."""
    logits, targets = _inputs((17,), 9, seed=105, ignore=-1)
    got = student.call("cross_entropy", logits, targets, ignore_index=-1)
    assert_close(got, _torch(oracle, logits, targets, ignore=-1), rel=1e-5, abs=1e-6, what="the loss")


@pytest.mark.points(1)
def test_cross_entropy_half_precision_is_upcast(student, oracle):
    """float16 logits give a float32 loss computed in float32."""
    logits, targets = _inputs((3, 5), 31, seed=106, scale=4.0, dtype=torch.float16)
    got = student.call("cross_entropy", logits, targets)
    assert isinstance(got, torch.Tensor) and got.dtype == torch.float32 and got.dim() == 0, "a 0-dim float32 tensor"
    assert_close(got, _torch(oracle, logits, targets), rel=1e-5, abs=1e-5, what="the loss")


@pytest.mark.points(1)
def test_cross_entropy_unknown_reduction_raises(student, oracle):
    """A reduction other than mean or sum raises ValueError."""
    logits, targets = _inputs((2, 3), 5, seed=107)
    with pytest.raises(StudentError) as err:
        student.call("cross_entropy", logits, targets, -100, "none")
    assert err.value.exc_type == "ValueError", "expected ValueError"
