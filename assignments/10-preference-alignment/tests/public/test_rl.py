"""Public tests: GAE with episode ends, PPO's clipped objective, and a few DPO steps on a bigram policy."""

from __future__ import annotations

import math

import pytest
import torch

from autograder.harness.expect import assert_close


def _t(*values):
    return torch.tensor(values, dtype=torch.float64)


@pytest.mark.points(2)
def test_gae_matches_expected_values(student, oracle, device):
    """gae on 3 rollouts of 7 steps with episode ends (gamma 0.9, lambda 0.8) gives the committed advantages and returns (float64, 1e-10)."""
    rewards, values = oracle.randn(3, 7, seed=30), oracle.randn(3, 7, seed=31)
    dones = torch.zeros(3, 7, dtype=torch.bool)
    dones[0, 2] = dones[1, 6] = dones[2, 3] = dones[2, 4] = True
    last = oracle.randn(3, seed=32)
    want = oracle.expected("gae_3x7")
    adv, ret = student.call("gae", rewards, values, dones, last, 0.9, 0.8, device=device)
    assert_close(adv, torch.tensor(want["advantages"], dtype=torch.float64), rel=1e-10, abs=1e-10)
    assert_close(ret, torch.tensor(want["returns"], dtype=torch.float64), rel=1e-10, abs=1e-10)


@pytest.mark.points(2)
def test_gae_special_cases_of_lambda(student, device):
    """lambda = 0 gives the one-step TD errors; lambda = gamma = 1 without episode ends gives reward-to-go + last value - V_t (float64, 1e-12)."""
    rewards, values = _t(1.0, 0.0, 2.0, -1.0)[None], _t(0.5, 1.5, -0.5, 2.0)[None]
    last = _t(3.0)
    no_dones = torch.zeros(1, 4, dtype=torch.bool)
    adv, _ = student.call("gae", rewards, values, no_dones, last, 0.5, 0.0, device=device)
    # delta_t = r_t + 0.5 V_{t+1} - V_t
    assert_close(adv, _t(1.0 + 0.75 - 0.5, 0.0 - 0.25 - 1.5, 2.0 + 1.0 + 0.5, -1.0 + 1.5 - 2.0)[None], rel=1e-12, abs=1e-12)
    adv, ret = student.call("gae", rewards, values, no_dones, last, 1.0, 1.0, device=device)
    to_go = _t(2.0 + 3.0, 1.0 + 3.0, 1.0 + 3.0, -1.0 + 3.0)[None]
    assert_close(adv, to_go - values, rel=1e-12, abs=1e-12)
    assert_close(ret, to_go, rel=1e-12, abs=1e-12)


@pytest.mark.points(2)
def test_ppo_clip_cases_on_both_sides(student, device):
    """PPO's loss per term: A > 0 clips above 1 + eps, A < 0 clips below 1 - eps, the other side keeps ratio * A; clip_fraction counts the clipped terms (float64, 1e-12)."""
    eps = 0.2
    ratios = [1.5, 0.5, 0.5, 1.5, 1.1]
    adv = _t(2.0, 2.0, -1.0, -1.0, 3.0)
    logp, old = _t(*[math.log(r) for r in ratios]), torch.zeros(5, dtype=torch.float64)
    # terms max(-A r, -A clip(r)): -2.4 (clipped), -1.0, 0.8 (clipped), 1.5, -3.3
    loss, frac = student.call("ppo_clip_loss", logp, old, adv, eps, device=device)
    assert_close(loss, torch.tensor((-2.4 - 1.0 + 0.8 + 1.5 - 3.3) / 5, dtype=torch.float64), rel=1e-12, abs=1e-12)
    assert_close(frac, torch.tensor(2 / 5, dtype=torch.float64), rel=1e-12, abs=1e-12)


@pytest.mark.points(1)
def test_ppo_masked_mean_matches_expected_values(student, oracle, device):
    """ppo_clip_loss with a (4, 6) token mask gives the committed loss and clip fraction (float64, 1e-10)."""
    logp, old = oracle.randn(4, 6, seed=40, scale=0.3), oracle.randn(4, 6, seed=41, scale=0.3)
    adv = oracle.randn(4, 6, seed=42)
    mask = oracle.randn(4, 6, seed=43) > -0.3
    want = oracle.expected("ppo_masked")
    loss, frac = student.call("ppo_clip_loss", logp, old, adv, 0.1, mask, device=device)
    assert_close(loss, torch.tensor(want["loss"], dtype=torch.float64), rel=1e-10, abs=1e-10)
    assert_close(frac, torch.tensor(want["clip_fraction"], dtype=torch.float64), rel=1e-10, abs=1e-10)


@pytest.mark.points(2)
def test_dpo_steps_increase_the_reward_margin(student, oracle, device):
    """Five DPO steps on a bigram policy (beta 0.5, lr 1.0): margins start at 0 and rise at every step."""
    c_ids, _, c_mask = oracle.padded_batch([2, 3, 2], [3, 2, 4], 12, seed=50, side="right")
    r_ids, _, r_mask = oracle.padded_batch([2, 3, 2], [4, 3, 2], 12, seed=51, side="right")
    weights = oracle.randn(12, 12, seed=52)
    _, margins = student.call("dpo_train_bigram", weights, c_ids, c_mask, r_ids, r_mask, 0.5, 1.0, 5, device=device)
    assert isinstance(margins, list) and len(margins) == 6, "margins must be a list of steps + 1 floats"
    assert abs(margins[0]) < 1e-12, f"margins[0] should be 0, got {margins[0]}"
    assert all(b > a for a, b in zip(margins, margins[1:])), f"margins should rise at every step: {margins}"


@pytest.mark.points(2)
def test_dpo_steps_match_expected_weights(student, oracle, device):
    """Three DPO steps on a bigram policy (beta 0.2, lr 0.5) give the committed weights and margins (float64, 1e-9)."""
    c_ids, _, c_mask = oracle.padded_batch([2, 1, 3, 2], [2, 3, 2, 4], 10, seed=53, side="right")
    r_ids, _, r_mask = oracle.padded_batch([2, 1, 3, 2], [3, 2, 3, 1], 10, seed=54, side="right")
    weights = oracle.randn(10, 10, seed=55)
    want = oracle.expected("bigram_dpo_3steps")
    w, margins = student.call("dpo_train_bigram", weights, c_ids, c_mask, r_ids, r_mask, 0.2, 0.5, 3, device=device)
    assert_close(w, torch.tensor(want["weights"], dtype=torch.float64), rel=1e-9, abs=1e-9)
    assert_close(torch.tensor(margins, dtype=torch.float64), torch.tensor(want["margins"], dtype=torch.float64),
                 rel=1e-9, abs=1e-9)
