"""Public tests: top-k routing, the mixture-of-experts layer and the load-balancing loss."""

from __future__ import annotations

import pytest
import torch
from torch.testing import assert_close


@pytest.mark.points(2)
def test_topk_route_matches_mixtral_router(student, oracle):
    """topk_route returns the experts and renormalised gates of HF's MixtralTopKRouter (top-2 of 4 experts)."""
    block, w = oracle.make_mixtral(0)
    x = oracle.randn(10, 16, seed=1)
    logits, gates_hf, idx_hf = oracle.hf_route(block, x)
    oracle.assert_no_router_ties(logits, 2)
    idx, gates = student.call("topk_route", x, w["w_router"], 2)
    assert_close(idx, idx_hf, rtol=0, atol=0, msg=lambda m: f"expert indices (largest probability first): {m}")
    assert_close(gates, gates_hf, atol=1e-6, rtol=1e-5, msg=lambda m: f"gates: {m}")


@pytest.mark.points(4)
def test_moe_matches_mixtral_sparse_moe_block(student, oracle):
    """moe's output equals HF's MixtralSparseMoeBlock with the same weights (float32, top-2 of 4, within 1e-5)."""
    block, w = oracle.make_mixtral(2)
    x = oracle.randn(2, 6, 16, seed=3)
    oracle.assert_no_router_ties(x @ w["w_router"].T, 2)
    y, _ = student.call("moe", x, w["w_router"], w["w_gate"], w["w_up"], w["w_down"], 2)
    assert_close(y, oracle.hf_moe(block, x), atol=1e-5, rtol=1e-4)


@pytest.mark.points(2)
def test_moe_with_k_equal_to_e_is_the_dense_mixture(student, oracle):
    """With k = E every expert is used: moe equals sum_e softmax(logits)_e * expert_e(x)."""
    block, w = oracle.make_mixtral(4, n_experts=3, k=3)
    x = oracle.randn(7, 16, seed=5)
    y, _ = student.call("moe", x, w["w_router"], w["w_gate"], w["w_up"], w["w_down"], 3)
    assert_close(y, oracle.hf_dense_mixture(block, x), atol=1e-5, rtol=1e-4)


@pytest.mark.points(2)
def test_moe_with_identical_experts_is_one_expert(student, oracle):
    """When every expert has the same weights, moe returns that one expert's output (the gates sum to 1)."""
    block, w = oracle.make_mixtral(6)
    for name in ("w_gate", "w_up", "w_down"):
        w[name] = w[name][:1].expand_as(w[name]).contiguous()
    x = oracle.randn(2, 5, 16, seed=7)
    oracle.assert_no_router_ties(x @ w["w_router"].T, 2)
    y, _ = student.call("moe", x, w["w_router"], w["w_gate"], w["w_up"], w["w_down"], 2)
    expected = oracle.hf_one_expert(block, x.reshape(10, 16), 0).reshape(2, 5, 16)
    assert_close(y, expected, atol=1e-5, rtol=1e-4)


@pytest.mark.points(2)
def test_load_balance_loss_matches_transformers(student, oracle):
    """load_balance_loss equals transformers' load_balancing_loss_func (float32, within 1e-6)."""
    logits = oracle.randn(12, 4, seed=8, scale=2.0)
    oracle.assert_no_router_ties(logits, 2)
    loss = student.call("load_balance_loss", logits, 2)
    assert_close(loss, oracle.hf_aux(logits, 4, 2), atol=1e-6, rtol=1e-5)


@pytest.mark.points(2)
def test_load_balance_loss_with_padding_mask(student, oracle):
    """A padding mask leaves the padded tokens out, as transformers' attention_mask does."""
    logits = oracle.randn(2, 5, 6, seed=9, scale=2.0)
    oracle.assert_no_router_ties(logits, 3)
    mask = torch.tensor([[True, True, True, False, False], [True, True, True, True, True]])
    loss = student.call("load_balance_loss", logits, 3, mask)
    assert_close(loss, oracle.hf_aux(logits.reshape(10, 6), 6, 3, mask.long()), atol=1e-6, rtol=1e-5)


@pytest.mark.points(1)
def test_moe_returns_the_aux_loss(student, oracle):
    """moe's second result is the load-balancing loss of its router logits, as transformers computes it."""
    block, w = oracle.make_mixtral(10)
    x = oracle.randn(3, 4, 16, seed=11)
    logits = x.reshape(12, 16) @ w["w_router"].T
    oracle.assert_no_router_ties(logits, 2)
    _, aux = student.call("moe", x, w["w_router"], w["w_gate"], w["w_up"], w["w_down"], 2)
    assert_close(aux, oracle.hf_aux(logits, 4, 2), atol=1e-6, rtol=1e-5)
