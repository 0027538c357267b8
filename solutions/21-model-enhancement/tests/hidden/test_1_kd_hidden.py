"""Hidden tests: the distillation loss on other shapes, temperatures and weights, in float64, and its gradient."""

from __future__ import annotations

import pytest
import torch

from autograder.harness import StudentError
from autograder.harness.expect import assert_close


def _probe_grads(s, t, y, temperature, alpha):  # runs in the worker
    import torch

    import model_enhancement

    s = s.clone().requires_grad_(True)
    t = t.clone().requires_grad_(True)
    loss = model_enhancement.kd_loss(s, t, y, temperature, alpha)
    loss.backward()
    t_grad = t.grad if t.grad is not None else torch.zeros_like(t)
    return loss.detach(), s.grad, t_grad


@pytest.mark.points(2)
def test_kd_loss_float64_other_settings(student, oracle):
    """kd_loss equals the torch form in float64 for other batch sizes, class counts, temperatures and weights, alpha 0 and 1 included.

    (1, 5), (8, 30), (3, 2); T 0.5 .. 10; alpha 0, 0.35, 1.
    """
    for i, (n, c, temperature, alpha) in enumerate(((1, 5, 0.5, 0.35), (8, 30, 10.0, 0.0), (3, 2, 3.0, 1.0),
                                                    (6, 11, 1.7, 0.6))):
        s = 3.0 * oracle.randn(n, c, seed=400 + i, dtype=torch.float64)
        t = 3.0 * oracle.randn(n, c, seed=500 + i, dtype=torch.float64)
        y = torch.randint(0, c, (n,), generator=torch.Generator().manual_seed(600 + i))
        out = student.call("kd_loss", s, t, y, temperature, alpha)
        assert isinstance(out, torch.Tensor) and out.shape == () and out.dtype == torch.float64, "0-d float64 tensor"
        assert_close(out, oracle.torch_kd_loss(s, t, y, temperature, alpha), rel=1e-9, abs=1e-12,
                     what=f"kd_loss case {i}")


@pytest.mark.points(1)
def test_kd_loss_defaults_and_identical_logits(student, oracle):
    """The default temperature and weight are the handout's, and a student equal to its teacher has no KL term.

    (4, 9) float32 logits.
    """
    s, t = oracle.randn(4, 9, seed=410), oracle.randn(4, 9, seed=411)
    y = torch.tensor([8, 0, 3, 3])
    assert_close(student.call("kd_loss", s, t, y), oracle.torch_kd_loss(s, t, y, 2.0, 0.5), rel=1e-5, abs=1e-6,
                 what="defaults")
    assert_close(student.call("kd_loss", s, s.clone(), y, 3.0, 1.0), torch.tensor(0.0), abs=1e-6, what="zero KL")


@pytest.mark.points(2)
def test_kd_loss_gradient(student, oracle):
    """The loss is differentiable: its gradient w.r.t. the student logits equals torch's, and the teacher gets none.

    (5, 7) float64, T 4, alpha 0.7.
    """
    s = oracle.randn(5, 7, seed=420, dtype=torch.float64)
    t = oracle.randn(5, 7, seed=421, dtype=torch.float64)
    y = torch.tensor([1, 6, 0, 0, 3])
    loss, s_grad, t_grad = student.probe(_probe_grads, s, t, y, 4.0, 0.7)
    s_ref = s.clone().requires_grad_(True)
    oracle.torch_kd_loss(s_ref, t, y, 4.0, 0.7).backward()
    assert_close(s_grad, s_ref.grad, rel=1e-8, abs=1e-12, what="student-logit gradient")
    assert_close(t_grad, torch.zeros_like(t), abs=0.0, what="gradient w.r.t. the teacher logits")


@pytest.mark.points(1)
def test_kd_loss_large_logits_stay_finite(student, oracle):
    """Logits in the hundreds give a finite loss equal to the torch form (a stable log-softmax).

    (3, 4) float32 logits times 300.
    """
    s, t = 300.0 * oracle.randn(3, 4, seed=430), 300.0 * oracle.randn(3, 4, seed=431)
    y = torch.tensor([0, 1, 2])
    out = student.call("kd_loss", s, t, y, 1.5, 0.5)
    assert bool(torch.isfinite(out)), "the loss must be finite"
    assert_close(out, oracle.torch_kd_loss(s, t, y, 1.5, 0.5), rel=1e-5, abs=1e-4, what="large logits")


@pytest.mark.points(1)
def test_kd_loss_argument_checks(student, oracle):
    """Non-positive temperatures and alpha outside the unit interval raise ValueError; alpha exactly 0 or 1 and small temperatures are accepted."""
    s, t = oracle.randn(2, 3, seed=440), oracle.randn(2, 3, seed=441)
    y = torch.tensor([2, 0])
    for temperature, alpha in ((-1.0, 0.5), (0.0, 0.5), (-0.5, 0.5), (1.0, 1.0001), (1.0, -0.1)):
        with pytest.raises(StudentError) as err:
            student.call("kd_loss", s, t, y, temperature, alpha)
        assert err.value.exc_type == "ValueError", "expected ValueError"
    for temperature, alpha in ((0.01, 0.0), (1.0, 1.0)):
        out = student.call("kd_loss", s, t, y, temperature, alpha)
        assert_close(out, oracle.torch_kd_loss(s, t, y, temperature, alpha), rel=1e-5, abs=1e-5, what="edge args")
