"""Public tests: the knowledge-distillation loss against its torch form."""

from __future__ import annotations

import pytest
import torch

from autograder.harness.expect import assert_close


@pytest.mark.points(3)
def test_kd_loss_matches_torch(student, oracle):
    """kd_loss equals alpha*T^2*F.kl_div(batchmean) + (1-alpha)*F.cross_entropy for a few (T, alpha)."""
    s, t = oracle.randn(4, 6, seed=20), oracle.randn(4, 6, seed=21)
    y = torch.tensor([0, 5, 2, 2])
    for temperature, alpha in ((2.0, 0.5), (1.0, 0.9), (4.0, 0.2)):
        out = student.call("kd_loss", s, t, y, temperature, alpha)
        assert isinstance(out, torch.Tensor) and out.shape == () and out.dtype == torch.float32, "a 0-d float32 tensor"
        assert_close(out, oracle.torch_kd_loss(s, t, y, temperature, alpha), rel=1e-5, abs=1e-6,
                     what=f"kd_loss(T={temperature}, alpha={alpha})")


@pytest.mark.points(1)
def test_kd_loss_rejects_bad_arguments(student, oracle):
    """temperature <= 0 or alpha outside [0, 1] raise ValueError."""
    from autograder.harness import StudentError
    s, t = oracle.randn(2, 3, seed=22), oracle.randn(2, 3, seed=23)
    y = torch.tensor([0, 1])
    for temperature, alpha in ((0.0, 0.5), (2.0, 1.5), (2.0, -0.1)):
        with pytest.raises(StudentError) as err:
            student.call("kd_loss", s, t, y, temperature, alpha)
        assert err.value.exc_type == "ValueError", f"T={temperature}, alpha={alpha}: expected ValueError"
