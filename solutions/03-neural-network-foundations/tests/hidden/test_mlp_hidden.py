"""Hidden tests: softmax cross-entropy and the MLP backward pass on other shapes, dtypes and edge cases."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch.testing import assert_close

from autograder.harness import StudentError


def _mlp(student, oracle, args, activation, atol, rtol, credit=None):
    loss, grads = oracle.call_scalar(student, "mlp:mlp_forward_backward", *args, activation=activation)
    exp_loss, exp_grads = oracle.torch_mlp(*args, activation)
    bad = oracle.compare_grads(grads, exp_grads, atol=atol, rtol=rtol)
    if credit is not None:
        credit.set((len(oracle.GRAD_KEYS) - len(bad)) / len(oracle.GRAD_KEYS))
    assert isinstance(loss, torch.Tensor) and loss.shape == () and loss.dtype == exp_loss.dtype, "loss: 0-dim, x's dtype"
    assert_close(loss, exp_loss, atol=atol, rtol=rtol)
    assert not bad, "wrong gradients: " + "; ".join(bad)


@pytest.mark.points(4)
def test_mlp_tanh_other_shapes(student, oracle, credit):
    """tanh MLP with other (odd) sizes, float64: loss and all 8 gradient tensors match torch autograd within 1e-10 (partial credit per tensor).

    N=9, D=7, H=13, C=5."""
    args = oracle.mlp_weights(9, 7, 13, 5, seed=200, logit_scale=2.0)
    _mlp(student, oracle, args, "tanh", 1e-10, 1e-8, credit)


@pytest.mark.points(3)
def test_mlp_relu_with_exact_zeros(student, oracle):
    """ReLU MLP (float64) where some pre-activations are exactly 0 (gradient 0 there, like torch) and others negative: all gradients match torch."""
    x, y, W1, b1, W2, b2 = oracle.mlp_weights(8, 6, 10, 4, seed=210)
    W1[:, 3] = 0.0  # unit 3: h_pre == 0 exactly for every example
    b1[3] = 0.0
    W1[:, 7] = 0.0  # unit 7: h_pre == b1[7] > 0 everywhere
    b1[7] = 0.4
    x[2] = 0.0  # example 2: h_pre == b1 exactly
    b1[5] = 0.0  # so (2, 5) is exactly 0 too
    _mlp(student, oracle, (x, y, W1, b1, W2, b2), "relu", 1e-10, 1e-8)
    _, grads = oracle.call_scalar(student, "mlp:mlp_forward_backward", x, y, W1, b1, W2, b2, activation="relu")
    assert torch.all(grads["h_pre"][:, 3] == 0) and grads["h_pre"][2, 5] == 0


@pytest.mark.points(2)
def test_mlp_float32_larger(student, oracle):
    """tanh MLP in float32 on larger sizes: loss and gradients are float32 and match torch within 1e-5.

    N=16, D=10, H=32, C=10."""
    args = oracle.mlp_weights(16, 10, 32, 10, seed=220, dtype=torch.float32)
    _mlp(student, oracle, args, "tanh", 1e-5, 1e-4)


@pytest.mark.points(2)
def test_softmax_cross_entropy_extreme_logits(student, oracle):
    """softmax_cross_entropy on extreme logits (float64 and float32), including rows whose target holds the max and rows whose target holds the min, matches torch.

    Logits of +-1e4."""
    logits = torch.tensor([[1e4, -1e4, 0.0], [-1e4, 1e4, 5e3], [3e3, 3e3, -2e3], [1e4, 1e4 - 1.0, 1e4 - 2.0]],
                          dtype=torch.float64)
    targets = torch.tensor([0, 0, 1, 2])
    for dtype, tol in ((torch.float64, 1e-10), (torch.float32, 1e-4)):
        lg = logits.to(dtype)
        loss, dlogits = oracle.call_scalar(student, "mlp:softmax_cross_entropy", lg, targets)
        leaf = lg.clone().requires_grad_(True)
        exp_loss = F.cross_entropy(leaf, targets)
        exp_loss.backward()
        assert loss.dtype == dtype and dlogits.dtype == dtype
        assert_close(loss, exp_loss.detach(), atol=tol, rtol=tol)
        assert_close(dlogits, leaf.grad, atol=tol, rtol=tol)


@pytest.mark.points(2)
def test_mlp_single_example_and_absent_classes(student, oracle):
    """A single example, and a small batch in which most classes never appear as a label: gradients match torch (mean over N).

    N=1 with 12 classes; N=3 with 9 classes, 6 of them absent."""
    _mlp(student, oracle, oracle.mlp_weights(1, 4, 6, 12, seed=230), "tanh", 1e-10, 1e-8)
    x, y, W1, b1, W2, b2 = oracle.mlp_weights(3, 5, 4, 9, seed=231)
    y = torch.tensor([8, 0, 8])
    _mlp(student, oracle, (x, y, W1, b1, W2, b2), "relu", 1e-10, 1e-8)


@pytest.mark.points(1)
def test_mlp_unknown_activation_raises(student, oracle):
    """An activation other than "tanh" / "relu" (another function's name, or a wrong case) raises ValueError.

    "sigmoid", "Tanh"."""
    args = oracle.mlp_weights(2, 3, 4, 3, seed=240)
    for bad in ("sigmoid", "Tanh"):
        with pytest.raises(StudentError) as info:
            oracle.call_scalar(student, "mlp:mlp_forward_backward", *args, activation=bad)
        assert info.value.exc_type == "ValueError", f"activation={bad!r}: expected ValueError, got {info.value.exc_type}"


@pytest.mark.points(2)
def test_mlp_large_logits_stable(student, oracle):
    """Both activations with W2 scaled up so that the logits are large (float64): loss and gradients finite and equal to torch's.

    Logits reach ~1e3."""
    for activation, seed in (("tanh", 250), ("relu", 251)):
        args = oracle.mlp_weights(7, 5, 8, 6, seed=seed, logit_scale=800.0)
        _mlp(student, oracle, args, activation, 1e-9, 1e-8)
