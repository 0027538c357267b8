"""Hidden tests: KTO on random batches, the Bradley-Terry loss, and a reward model on another preference."""

from __future__ import annotations

import math

import pytest
import torch

from autograder.harness.expect import assert_close


@pytest.mark.points(3)
def test_hidden_kto_closed_form_random(student, oracle, device):
    """KTO losses, rewards and the clamped batch-KL reference point equal the closed form for several beta values and class weights (float64)."""
    pol, ref = oracle.randn(11, seed=90, scale=3.0) - 6, oracle.randn(11, seed=91, scale=3.0) - 6
    desirable = oracle.randn(11, seed=92) > 0
    for beta, wd, wu, shift in ((0.1, 1.0, 1.0, 2.0), (0.6, 1.33, 0.75, 0.5), (2.0, 0.5, 2.0, -3.0)):
        pol_kl, ref_kl = oracle.randn(7, seed=93, scale=2.0) - 6, oracle.randn(7, seed=94, scale=2.0) - 6 - shift
        losses, rewards, z0 = student.call("kto_loss", pol, ref, desirable, pol_kl, ref_kl, beta, wd, wu, device=device)
        want = oracle.kto_closed_form(pol, ref, desirable, pol_kl, ref_kl, beta, wd, wu)
        assert_close(losses, want[0], rel=1e-10, abs=1e-10)
        assert_close(rewards, want[1], rel=1e-10, abs=1e-10)
        assert_close(z0, torch.tensor(want[2], dtype=torch.float64), rel=1e-10, abs=1e-10)


@pytest.mark.points(1)
def test_hidden_kto_defaults_and_float32(student, oracle, device):
    """With default beta and weights, float32 inputs give float32 losses equal to the closed form, for an all-desirable and an all-undesirable batch."""
    pol, ref = oracle.randn(5, seed=95, dtype=torch.float32) - 4, oracle.randn(5, seed=96, dtype=torch.float32) - 4
    pol_kl, ref_kl = oracle.randn(3, seed=97, dtype=torch.float32) - 4, oracle.randn(3, seed=98, dtype=torch.float32) - 5
    for flag in (True, False):
        desirable = torch.full((5,), flag)
        losses, rewards, z0 = student.call("kto_loss", pol, ref, desirable, pol_kl, ref_kl, device=device)
        want = oracle.kto_closed_form(pol, ref, desirable, pol_kl, ref_kl, 0.1)
        assert_close(losses, want[0].float(), rel=1e-5, abs=1e-6)
        assert_close(rewards, want[1].float(), rel=1e-5, abs=1e-6)


@pytest.mark.points(2)
def test_hidden_bradley_terry_random(student, oracle, device):
    """bradley_terry_loss equals the mean of -log sigmoid(r_c - r_r - margin) on random rewards, with and without margins, and stays finite for huge differences."""
    rc, rr = oracle.randn(13, seed=100, scale=4.0), oracle.randn(13, seed=101, scale=4.0)
    margin = oracle.randn(13, seed=102).abs()
    got = student.call("bradley_terry_loss", rc, rr, device=device)
    assert_close(got, torch.tensor(oracle.bt_closed_form(rc, rr), dtype=torch.float64), rel=1e-10, abs=1e-10)
    got = student.call("bradley_terry_loss", rc, rr, margin, device=device)
    assert_close(got, torch.tensor(oracle.bt_closed_form(rc, rr, margin), dtype=torch.float64), rel=1e-10, abs=1e-10)
    big = torch.tensor([-900.0, 900.0], dtype=torch.float32)
    got = student.call("bradley_terry_loss", big, torch.zeros(2, dtype=torch.float32), device=device)
    assert_close(got, torch.tensor(450.0, dtype=torch.float32), rel=1e-6, abs=1e-5)


@pytest.mark.points(3)
@pytest.mark.limits(seconds=60)
def test_hidden_reward_model_other_preference(student, oracle, device):
    """A reward model trained on another synthetic token preference, with padding ids outside the vocabulary, ranks over 90 percent of held-out pairs correctly."""
    def score(seq):
        return seq.count(11) + seq.count(3) - 2 * seq.count(5)

    train = list(oracle.preference_pairs(240, (3, 14), 24, score, seed=103, pad_id=-1))
    test = oracle.preference_pairs(300, (3, 14), 24, score, seed=104, pad_id=-1)
    w = student.call("train_reward_model", *train, 24, 50, 0.1, 1, device=device)
    assert isinstance(w, torch.Tensor) and w.shape == (24,) and w.dtype == torch.float32, "w must be (vocab,) float32"
    accuracy = (oracle.bag_rewards(w, test[0], test[1]) > oracle.bag_rewards(w, test[2], test[3])).double().mean()
    assert accuracy > 0.9, f"held-out accuracy {accuracy:.3f} <= 0.9"
    assert float(w[5]) < float(w[11]), "the disfavoured token should get a lower weight than a favoured one"
