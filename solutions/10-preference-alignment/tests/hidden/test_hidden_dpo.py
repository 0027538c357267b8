"""Hidden tests: DPO losses and rewards on random inputs, TRL checks for IPO and hinge, gradient signs."""

from __future__ import annotations

import math

import pytest
import torch

from autograder.harness import StudentError
from autograder.harness.expect import assert_close


def _inputs(oracle, n, seed, dtype=torch.float64):
    return [oracle.randn(n, seed=seed + i, dtype=dtype, scale=3.0) - 10 for i in range(4)]


@pytest.mark.points(3)
@pytest.mark.parametrize("loss_type", ["sigmoid", "ipo", "hinge"])
def test_hidden_dpo_closed_form_random(student, oracle, device, loss_type):
    """Per-pair losses and both implicit rewards equal the closed form on random log-probs, for several beta values (float64)."""
    pc, pr, rc, rr = _inputs(oracle, 9, seed=80)
    for beta in (0.05, 0.37, 2.5):
        losses, c, r = student.call("dpo_loss", pc, pr, rc, rr, beta, loss_type, device=device)
        want = oracle.dpo_closed_form(pc, pr, rc, rr, beta, loss_type)
        assert_close(losses, want[0], rel=1e-10, abs=1e-10)
        assert_close(c, want[1], rel=1e-10, abs=1e-10)
        assert_close(r, want[2], rel=1e-10, abs=1e-10)


@pytest.mark.points(1)
def test_hidden_dpo_default_arguments(student, oracle, device):
    """Without beta and loss_type, dpo_loss uses the defaults of the handout (sigmoid loss, its default beta)."""
    pc, pr, rc, rr = _inputs(oracle, 5, seed=84)
    losses, c, r = student.call("dpo_loss", pc, pr, rc, rr, device=device)
    want = oracle.dpo_closed_form(pc, pr, rc, rr, 0.1, "sigmoid")
    assert_close(losses, want[0], rel=1e-10, abs=1e-10)
    assert_close(c, want[1], rel=1e-10, abs=1e-10)


@pytest.mark.points(1)
def test_hidden_dpo_float32_and_extreme_margins(student, oracle, device):
    """Float32 inputs give float32 outputs, and the sigmoid loss stays finite and accurate for very large margins of either sign."""
    pc = torch.tensor([0.0, 0.0, -1.0], dtype=torch.float32)
    pr = torch.tensor([-2000.0, 2000.0, -1.0], dtype=torch.float32)
    zero = torch.zeros(3, dtype=torch.float32)
    losses, _, _ = student.call("dpo_loss", pc, pr, zero, zero, 1.0, "sigmoid", device=device)
    assert_close(losses, torch.tensor([0.0, 2000.0, math.log(2.0)], dtype=torch.float32), rel=1e-6, abs=1e-6)


@pytest.mark.points(2)
@pytest.mark.parametrize("loss_type,beta", [("ipo", 0.7), ("hinge", 0.15)])
def test_hidden_dpo_pipeline_matches_trl(student, oracle, device, loss_type, beta):
    """The DPO pipeline (sequence log-probs, then dpo_loss, then the mean) matches TRL DPOTrainer for this loss type; IPO uses the averaged log-probs."""
    ids, attn, resp = oracle.padded_batch([2, 4, 3, 1, 2, 5], [3, 2, 4, 2, 5, 1], 96, seed=86, side="right")
    expected = oracle.trl_dpo_loss(oracle.make_llama(3), oracle.make_llama(9), ids, attn, resp, beta, loss_type)
    average = loss_type == "ipo"
    pol = student.call("sequence_logprobs", oracle.llama_logits(oracle.make_llama(3), ids, attn), ids, resp,
                       average=average, device=device)
    ref = student.call("sequence_logprobs", oracle.llama_logits(oracle.make_llama(9), ids, attn), ids, resp,
                       average=average, device=device)
    losses, _, _ = student.call("dpo_loss", pol[:3], pol[3:], ref[:3], ref[3:], beta, loss_type, device=device)
    assert_close(losses.mean(), expected, rel=1e-5, abs=1e-5)


@pytest.mark.points(2)
def test_hidden_dpo_gradient_signs_and_beta(student, oracle, device):
    """Finite differences: each loss falls with the policy's chosen log-prob and rises with its rejected one; the reference moves it the other way."""
    pc, pr, rc, rr = [x[:4] for x in _inputs(oracle, 4, seed=88)]
    pc = pr - rr + rc  # h = 0 start: hinge is active, IPO below its target
    d = torch.full((4,), 1e-4, dtype=torch.float64)
    for loss_type in ("sigmoid", "ipo", "hinge"):
        for beta in (0.2, 1.3):
            base = student.call("dpo_loss", pc, pr, rc, rr, beta, loss_type, device=device)[0]
            moves = {"pc": (pc + d, pr, rc, rr, -1), "pr": (pc, pr + d, rc, rr, 1),
                     "rc": (pc, pr, rc + d, rr, 1), "rr": (pc, pr, rc, rr + d, -1)}
            for name, (a, b, c, e, sign) in moves.items():
                moved = student.call("dpo_loss", a, b, c, e, beta, loss_type, device=device)[0]
                assert bool(((moved - base) * sign > 0).all()), f"{loss_type}: wrong direction when {name} rises"


@pytest.mark.points(1)
def test_hidden_dpo_hinge_and_ipo_flat_regions(student, oracle, device):
    """Past the margin the hinge loss is zero, and IPO is zero exactly at its target margin."""
    pc, pr = torch.tensor([0.0, 0.0], dtype=torch.float64), torch.tensor([-12.0, -30.0], dtype=torch.float64)
    zero = torch.zeros(2, dtype=torch.float64)
    hinge, _, _ = student.call("dpo_loss", pc, pr, zero, zero, 0.25, "hinge", device=device)
    assert_close(hinge, zero, abs=1e-12)
    ipo, _, _ = student.call("dpo_loss", torch.tensor([0.0], dtype=torch.float64), torch.tensor([-2.5], dtype=torch.float64),
                             torch.zeros(1, dtype=torch.float64), torch.zeros(1, dtype=torch.float64), 0.2, "ipo",
                             device=device)
    assert_close(ipo, torch.zeros(1, dtype=torch.float64), abs=1e-12)


@pytest.mark.points(1)
def test_hidden_dpo_argument_errors(student, oracle, device):
    """Unknown loss types (including other cases of a valid name) and non-positive beta raise ValueError."""
    x = torch.tensor([-1.0], dtype=torch.float64)
    for beta, loss_type in ((0.1, "Sigmoid"), (0.1, "robust"), (-1e-9, "hinge"), (0.0, "ipo")):
        with pytest.raises(StudentError) as err:
            student.call("dpo_loss", x, x, x, x, beta, loss_type, device=device)
        assert err.value.exc_type == "ValueError", f"got {err.value.exc_type}"
