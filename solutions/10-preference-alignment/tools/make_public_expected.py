"""Write fixtures/public/expected_values.json: the values public tests compare against that come
from the hidden-only oracles (tests/hidden/conftest.py). Staff-only: release does not ship tools/.

Run from the repository root after changing an oracle or a public test's inputs:
    .venv/bin/python solutions/10-preference-alignment/tools/make_public_expected.py
Each block rebuilds exactly the inputs of the public test it serves (same seeds, same calls).
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch

from autograder.expected_values import load_conftests, write_expected

TOPIC = Path(__file__).resolve().parents[1]


def main() -> int:
    pub, hid = load_conftests(TOPIC)
    values: dict = {}

    # test_kto_matches_expected_values: beta 0.2, weights 1.0 / 1.5
    pol, ref = pub.randn(6, seed=10, scale=2.0) - 8, pub.randn(6, seed=11, scale=2.0) - 8
    desirable = torch.tensor([True, False, True, True, False, False])
    pol_kl, ref_kl = pub.randn(6, seed=12, scale=2.0) - 8, pub.randn(6, seed=13, scale=2.0) - 10
    losses, rewards, z0 = hid.kto_closed_form(pol, ref, desirable, pol_kl, ref_kl, 0.2, 1.0, 1.5)
    assert z0 > 0, "the public KTO case should have a positive reference point"
    values["kto_beta0.2"] = {"losses": losses.tolist(), "rewards": rewards.tolist(), "z0": z0}

    # test_gae_matches_expected_values: 3 rollouts of 7 steps, gamma 0.9, lambda 0.8
    rewards, vals = pub.randn(3, 7, seed=30), pub.randn(3, 7, seed=31)
    dones = torch.zeros(3, 7, dtype=torch.bool)
    dones[0, 2] = dones[1, 6] = dones[2, 3] = dones[2, 4] = True
    adv, ret = hid.gae_loop(rewards, vals, dones, pub.randn(3, seed=32), 0.9, 0.8)
    values["gae_3x7"] = {"advantages": adv.tolist(), "returns": ret.tolist()}

    # test_ppo_masked_mean_matches_expected_values: eps 0.1, (4, 6) mask
    logp, old = pub.randn(4, 6, seed=40, scale=0.3), pub.randn(4, 6, seed=41, scale=0.3)
    mask = pub.randn(4, 6, seed=43) > -0.3
    loss, frac = hid.ppo_closed_form(logp, old, pub.randn(4, 6, seed=42), 0.1, mask)
    assert 0 < frac < 1, "the public PPO case should clip some terms and not others"
    values["ppo_masked"] = {"loss": loss, "clip_fraction": frac}

    # test_dpo_steps_match_expected_weights: 3 steps, beta 0.2, lr 0.5
    c_ids, _, c_mask = pub.padded_batch([2, 1, 3, 2], [2, 3, 2, 4], 10, seed=53, side="right")
    r_ids, _, r_mask = pub.padded_batch([2, 1, 3, 2], [3, 2, 3, 1], 10, seed=54, side="right")
    w, margins = hid.bigram_dpo_oracle(pub.randn(10, 10, seed=55), c_ids, c_mask, r_ids, r_mask, 0.2, 0.5, 3)
    values["bigram_dpo_3steps"] = {"weights": w.tolist(), "margins": margins}

    write_expected(TOPIC, values)
    return 0


if __name__ == "__main__":
    sys.exit(main())
