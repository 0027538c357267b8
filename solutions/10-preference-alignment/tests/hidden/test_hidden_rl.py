"""Hidden tests: GAE against a reverse loop, PPO's clipped loss on random inputs, bigram DPO steps."""

from __future__ import annotations

import math

import pytest
import torch

from autograder.harness.expect import assert_close


@pytest.mark.points(3)
def test_hidden_gae_matches_reverse_loop(student, oracle, device):
    """GAE advantages and returns equal a naive reverse loop on random rollouts with random episode ends, for several gamma and lambda, and on rollouts of one step."""
    rewards, values = oracle.randn(5, 13, seed=110), oracle.randn(5, 13, seed=111)
    dones = oracle.randn(5, 13, seed=112) > 0.8
    dones[4, -1] = True
    last = oracle.randn(5, seed=113)
    for gamma, lam in ((0.99, 0.95), (0.7, 0.3), (1.0, 1.0), (0.5, 0.0)):
        adv, ret = student.call("gae", rewards, values, dones, last, gamma, lam, device=device)
        want_adv, want_ret = oracle.gae_loop(rewards, values, dones, last, gamma, lam)
        assert_close(adv, want_adv, rel=1e-10, abs=1e-10)
        assert_close(ret, want_ret, rel=1e-10, abs=1e-10)
    # rollouts of a single step
    r1, v1, d1 = rewards[:, :1], values[:, :1], dones[:, :1]
    adv, ret = student.call("gae", r1, v1, d1, last, 0.9, 0.8, device=device)
    want_adv, want_ret = oracle.gae_loop(r1, v1, d1, last, 0.9, 0.8)
    assert_close(adv, want_adv, rel=1e-10, abs=1e-10)
    assert_close(ret, want_ret, rel=1e-10, abs=1e-10)


@pytest.mark.points(2)
def test_hidden_gae_episode_end_cuts_the_flow(student, oracle, device):
    """Changing rewards, values or the bootstrap value after an episode end leaves the advantages up to that end unchanged; default gamma and lambda follow the handout."""
    rewards, values = oracle.randn(2, 9, seed=114), oracle.randn(2, 9, seed=115)
    dones = torch.zeros(2, 9, dtype=torch.bool)
    dones[0, 3] = dones[1, 8] = True
    last = oracle.randn(2, seed=116)
    adv, _ = student.call("gae", rewards, values, dones, last, device=device)
    assert_close(adv, oracle.gae_loop(rewards, values, dones, last, 0.99, 0.95)[0], rel=1e-10, abs=1e-10)
    r2, v2 = rewards.clone(), values.clone()
    r2[0, 4:] += 5.0
    v2[0, 4:] -= 3.0
    adv2, _ = student.call("gae", r2, v2, dones, last + 100.0, device=device)
    assert_close(adv2[0, :4], adv[0, :4], rel=1e-12, abs=1e-12)
    assert_close(adv2[1], adv[1], rel=1e-12, abs=1e-12)


@pytest.mark.points(1)
def test_hidden_gae_float32(student, oracle, device):
    """Float32 rollouts give float32 advantages and returns close to the reverse loop."""
    rewards, values = oracle.randn(3, 6, seed=117, dtype=torch.float32), oracle.randn(3, 6, seed=118, dtype=torch.float32)
    dones = torch.zeros(3, 6, dtype=torch.bool)
    dones[1, 2] = True
    last = oracle.randn(3, seed=119, dtype=torch.float32)
    adv, ret = student.call("gae", rewards, values, dones, last, 0.9, 0.9, device=device)
    want_adv, want_ret = oracle.gae_loop(rewards, values, dones, last, 0.9, 0.9)
    assert_close(adv, want_adv.float(), rel=1e-5, abs=1e-5)
    assert_close(ret, want_ret.float(), rel=1e-5, abs=1e-5)


@pytest.mark.points(3)
def test_hidden_ppo_closed_form_random(student, oracle, device):
    """PPO's loss and clip fraction equal the closed form on random ratios and advantages, with and without a mask, for several clip ranges."""
    logp, old = oracle.randn(6, 10, seed=120, scale=0.4), oracle.randn(6, 10, seed=121, scale=0.4)
    adv = oracle.randn(6, 10, seed=122)
    mask = oracle.randn(6, 10, seed=123) > 0.2
    for eps in (0.05, 0.2, 0.35):
        for m in (None, mask):
            loss, frac = student.call("ppo_clip_loss", logp, old, adv, eps, m, device=device)
            want_loss, want_frac = oracle.ppo_closed_form(logp, old, adv, eps, m)
            assert_close(loss, torch.tensor(want_loss, dtype=torch.float64), rel=1e-10, abs=1e-10)
            assert_close(frac, torch.tensor(want_frac, dtype=torch.float64), rel=1e-10, abs=1e-10)


@pytest.mark.points(1)
def test_hidden_ppo_defaults_float32_and_flat_clipped_region(student, oracle, device):
    """With the default clip range, float32 inputs give float32 outputs; in a clipped term the loss does not change when logp moves."""
    adv = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float32)
    old = torch.zeros(3, dtype=torch.float32)
    logp = torch.tensor([math.log(1.6), math.log(0.3), 0.01], dtype=torch.float32)
    loss, frac = student.call("ppo_clip_loss", logp, old, adv, device=device)
    want_loss, want_frac = oracle.ppo_closed_form(logp, old, adv, 0.2)
    assert_close(loss, torch.tensor(want_loss, dtype=torch.float32), rel=1e-5, abs=1e-6)
    assert_close(frac, torch.tensor(want_frac, dtype=torch.float32), rel=1e-6, abs=1e-6)
    moved = logp + torch.tensor([0.05, -0.05, 0.0], dtype=torch.float32)
    loss2, _ = student.call("ppo_clip_loss", moved, old, adv, device=device)
    assert_close(loss2, loss, rel=1e-6, abs=1e-6)


@pytest.mark.points(3)
def test_hidden_bigram_dpo_matches_autograd(student, oracle, device):
    """A few DPO steps on a bigram policy give the weights and margins of an autograd oracle, for another batch, beta and learning rate; the margins rise."""
    c_ids, _, c_mask = oracle.padded_batch([1, 3, 2, 4, 2], [4, 2, 3, 1, 5], 15, seed=124, side="right")
    r_ids, _, r_mask = oracle.padded_batch([1, 3, 2, 4, 2], [2, 4, 2, 3, 1], 15, seed=125, side="right")
    weights = oracle.randn(15, 15, seed=126, scale=0.7)
    w, margins = student.call("dpo_train_bigram", weights, c_ids, c_mask, r_ids, r_mask, 0.3, 0.8, 4, device=device)
    want_w, want_m = oracle.bigram_dpo_oracle(weights, c_ids, c_mask, r_ids, r_mask, 0.3, 0.8, 4)
    assert_close(w, want_w, rel=1e-9, abs=1e-9)
    assert_close(torch.tensor(margins, dtype=torch.float64), torch.tensor(want_m, dtype=torch.float64), rel=1e-9, abs=1e-9)
    assert all(b > a for a, b in zip(margins, margins[1:])), "the margins should rise"


@pytest.mark.points(1)
def test_hidden_bigram_dpo_defaults_and_zero_steps(student, oracle, device):
    """Zero steps return the initial weights and one zero margin; the defaults follow the handout."""
    c_ids, _, c_mask = oracle.padded_batch([2, 2], [3, 2], 9, seed=127, side="right")
    r_ids, _, r_mask = oracle.padded_batch([2, 2], [2, 3], 9, seed=128, side="right")
    weights = oracle.randn(9, 9, seed=129)
    w, margins = student.call("dpo_train_bigram", weights, c_ids, c_mask, r_ids, r_mask, 0.2, 0.5, 0, device=device)
    assert_close(w, weights, abs=0.0)
    assert isinstance(margins, list) and len(margins) == 1 and abs(margins[0]) < 1e-12, f"got {margins}"
    w, margins = student.call("dpo_train_bigram", weights, c_ids, c_mask, r_ids, r_mask, device=device)
    want_w, want_m = oracle.bigram_dpo_oracle(weights, c_ids, c_mask, r_ids, r_mask, 0.1, 0.1, 5)
    assert_close(w, want_w, rel=1e-9, abs=1e-9)
    assert_close(torch.tensor(margins, dtype=torch.float64), torch.tensor(want_m, dtype=torch.float64), rel=1e-9, abs=1e-9)
