"""Public tests: DPO losses (sigmoid, IPO, hinge), their implicit rewards, and TRL's DPOTrainer."""

from __future__ import annotations

import math

import pytest
import torch

from autograder.harness import StudentError
from autograder.harness.expect import assert_close

LOSS_TYPES = ["sigmoid", "ipo", "hinge"]


def _t(*values):
    return torch.tensor(values, dtype=torch.float64)


@pytest.mark.points(2)
def test_dpo_policy_equal_to_reference(student, device):
    """When the policy equals the reference: sigmoid loss log 2, IPO (1/(2 beta))^2, hinge 1, and both rewards 0 (float64, 1e-12)."""
    logps = _t(-3.0, -7.5, -1.25)
    other = _t(-4.0, -2.0, -9.0)
    beta = 0.25
    expected = {"sigmoid": math.log(2.0), "ipo": (1 / (2 * beta)) ** 2, "hinge": 1.0}
    for loss_type, value in expected.items():
        losses, rc, rr = student.call("dpo_loss", logps, other, logps, other, beta, loss_type, device=device)
        assert_close(losses, torch.full((3,), value, dtype=torch.float64), rel=1e-12, abs=1e-12)
        assert_close(rc, torch.zeros(3, dtype=torch.float64), abs=1e-12)
        assert_close(rr, torch.zeros(3, dtype=torch.float64), abs=1e-12)


@pytest.mark.points(2)
def test_dpo_closed_forms_by_hand(student, device):
    """One pair with h = (pc - rc) - (pr - rr) = 2 gives -log sigmoid(2 beta), (2 - 1/(2 beta))^2 and max(0, 1 - 2 beta), and rewards beta (pc - rc), beta (pr - rr)."""
    pc, pr, rc, rr = _t(-1.0), _t(-4.0), _t(-2.5), _t(-3.5)  # chosen +1.5, rejected -0.5, h = 2
    for beta in (0.1, 0.5, 0.8):
        expected = {"sigmoid": math.log1p(math.exp(-2 * beta)), "ipo": (2 - 1 / (2 * beta)) ** 2,
                    "hinge": max(0.0, 1 - 2 * beta)}
        for loss_type, value in expected.items():
            losses, rc_, rr_ = student.call("dpo_loss", pc, pr, rc, rr, beta, loss_type, device=device)
            assert_close(losses, _t(value), rel=1e-12, abs=1e-12)
            assert_close(rc_, _t(1.5 * beta), rel=1e-12, abs=1e-12)
            assert_close(rr_, _t(-0.5 * beta), rel=1e-12, abs=1e-12)


@pytest.mark.points(1)
def test_dpo_loss_falls_as_chosen_logp_rises(student, device):
    """Raising the policy's chosen log-prob lowers each loss and raising its rejected log-prob raises it (finite differences, float64)."""
    pc, pr, rc, rr = _t(-2.0, -1.0), _t(-2.5, -3.0), _t(-2.2, -1.5), _t(-2.4, -2.0)
    step = _t(1e-3, 1e-3)
    for loss_type in LOSS_TYPES:
        base, _, _ = student.call("dpo_loss", pc, pr, rc, rr, 0.3, loss_type, device=device)
        up_c, _, _ = student.call("dpo_loss", pc + step, pr, rc, rr, 0.3, loss_type, device=device)
        up_r, _, _ = student.call("dpo_loss", pc, pr + step, rc, rr, 0.3, loss_type, device=device)
        assert bool((up_c < base).all()), f"{loss_type}: the loss should fall when the chosen log-prob rises"
        assert bool((up_r > base).all()), f"{loss_type}: the loss should rise when the rejected log-prob rises"


@pytest.mark.points(3)
def test_dpo_pipeline_matches_trl_dpotrainer(student, oracle, device):
    """Mean of dpo_loss (sigmoid, beta 0.3) on sequence_logprobs of a tiny Llama policy and reference equals TRL DPOTrainer.compute_loss on the same batch (1e-5)."""
    ids, attn, resp = oracle.padded_batch([3, 2, 4, 2], [2, 3, 1, 4], 96, seed=5, side="right")
    expected = oracle.trl_dpo_loss(oracle.make_llama(0), oracle.make_llama(5), ids, attn, resp, 0.3, "sigmoid")
    pol = student.call("sequence_logprobs", oracle.llama_logits(oracle.make_llama(0), ids, attn), ids, resp, device=device)
    ref = student.call("sequence_logprobs", oracle.llama_logits(oracle.make_llama(5), ids, attn), ids, resp, device=device)
    losses, _, _ = student.call("dpo_loss", pol[:2], pol[2:], ref[:2], ref[2:], 0.3, "sigmoid", device=device)
    assert_close(losses.mean(), expected, rel=1e-5, abs=1e-5)


@pytest.mark.points(1)
def test_dpo_rejects_unknown_loss_type_and_bad_beta(student, device):
    """An unknown loss_type or beta <= 0 raises ValueError."""
    x = _t(-1.0, -2.0)
    for beta, loss_type in ((0.1, "kto"), (0.0, "sigmoid"), (-0.5, "ipo")):
        with pytest.raises(StudentError) as err:
            student.call("dpo_loss", x, x, x, x, beta, loss_type, device=device)
        assert err.value.exc_type == "ValueError", f"beta={beta}, loss_type={loss_type!r}: got {err.value.exc_type}"
