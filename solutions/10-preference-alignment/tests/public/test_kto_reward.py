"""Public tests: KTO losses with the batch KL reference point, the Bradley-Terry loss and a reward model."""

from __future__ import annotations

import math

import pytest
import torch

from autograder.harness.expect import assert_close


def _t(*values):
    return torch.tensor(values, dtype=torch.float64)


@pytest.mark.points(2)
def test_kto_matches_expected_values(student, oracle, device):
    """kto_loss on a mixed batch (beta 0.2, weights 1.0 / 1.5) gives the committed losses, rewards and z0 (float64, 1e-10)."""
    pol, ref = oracle.randn(6, seed=10, scale=2.0) - 8, oracle.randn(6, seed=11, scale=2.0) - 8
    desirable = torch.tensor([True, False, True, True, False, False])
    pol_kl, ref_kl = oracle.randn(6, seed=12, scale=2.0) - 8, oracle.randn(6, seed=13, scale=2.0) - 10
    want = oracle.expected("kto_beta0.2")
    losses, rewards, z0 = student.call("kto_loss", pol, ref, desirable, pol_kl, ref_kl, 0.2, 1.0, 1.5, device=device)
    assert_close(losses, torch.tensor(want["losses"], dtype=torch.float64), rel=1e-10, abs=1e-10)
    assert_close(rewards, torch.tensor(want["rewards"], dtype=torch.float64), rel=1e-10, abs=1e-10)
    assert_close(z0, torch.tensor(want["z0"], dtype=torch.float64), rel=1e-10, abs=1e-10)


@pytest.mark.points(1)
def test_kto_reference_point_is_clamped_at_zero(student, device):
    """With the policy equal to the reference and a negative batch KL estimate, z0 = 0 and every loss is weight * 1/2 (float64, 1e-12)."""
    logps = _t(-3.0, -5.0, -2.0)
    desirable = torch.tensor([True, False, True])
    losses, rewards, z0 = student.call("kto_loss", logps, logps, desirable, _t(-6.0, -4.0), _t(-5.0, -3.5),
                                       0.1, 2.0, 3.0, device=device)
    assert_close(z0, torch.tensor(0.0, dtype=torch.float64), abs=1e-12)
    assert_close(losses, _t(1.0, 1.5, 1.0), rel=1e-12, abs=1e-12)
    assert_close(rewards, torch.zeros(3, dtype=torch.float64), abs=1e-12)


@pytest.mark.points(1)
def test_bradley_terry_loss_by_hand(student, device):
    """bradley_terry_loss is the mean of -log sigmoid(r_c - r_r - margin): log 2 for equal rewards, and hand values with and without a margin (float64, 1e-12)."""
    r = _t(0.5, -1.0)
    assert_close(student.call("bradley_terry_loss", r, r, device=device), torch.tensor(math.log(2.0), dtype=torch.float64),
                 rel=1e-12, abs=1e-12)
    rc, rr = _t(2.0, 0.0), _t(1.0, 1.0)  # differences 1 and -1
    plain = (math.log1p(math.exp(-1.0)) + math.log1p(math.exp(1.0))) / 2
    assert_close(student.call("bradley_terry_loss", rc, rr, device=device), torch.tensor(plain, dtype=torch.float64),
                 rel=1e-12, abs=1e-12)
    with_margin = (math.log1p(math.exp(-0.5)) + math.log1p(math.exp(3.0))) / 2  # margins 0.5 and 2
    got = student.call("bradley_terry_loss", rc, rr, _t(0.5, 2.0), device=device)
    assert_close(got, torch.tensor(with_margin, dtype=torch.float64), rel=1e-12, abs=1e-12)


@pytest.mark.points(3)
@pytest.mark.limits(seconds=60)
def test_reward_model_learns_more_sevens_is_better(student, oracle, device):
    """A bag-of-tokens reward model trained on 200 pairs where more 7s is better ranks > 90 % of 300 held-out pairs correctly and lowers the training Bradley-Terry loss below log 2."""
    def sevens(seq):
        return seq.count(7)

    train = oracle.preference_pairs(200, (4, 12), 16, sevens, seed=20)
    test = oracle.preference_pairs(300, (4, 12), 16, sevens, seed=21)
    w = student.call("train_reward_model", *train, 16, 50, 0.1, 0, device=device)
    assert isinstance(w, torch.Tensor) and w.shape == (16,) and w.dtype == torch.float32, "w must be a (16,) float32 tensor"
    accuracy = (oracle.bag_rewards(w, test[0], test[1]) > oracle.bag_rewards(w, test[2], test[3])).double().mean()
    assert accuracy > 0.9, f"held-out accuracy {accuracy:.3f} <= 0.9"
    margin = oracle.bag_rewards(w, train[0], train[1]) - oracle.bag_rewards(w, train[2], train[3])
    loss = torch.nn.functional.softplus(-margin).mean()
    assert loss < math.log(2.0) - 0.1, f"training Bradley-Terry loss {loss:.3f} not below log 2 - 0.1"
