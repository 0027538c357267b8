"""Hidden tests: routing, the mixture-of-experts layer and the load-balancing loss on other inputs."""

from __future__ import annotations

import pytest
import torch
from torch.testing import assert_close

from autograder.harness import StudentError


@pytest.mark.points(2)
def test_hidden_topk_route_batched_and_other_k(student, oracle):
    """topk_route on (B, T, D) inputs with top-1 and top-k > 2 routing matches HF's router, shapes (B, T, k)."""
    for k in (1, 3):
        block, w = oracle.make_mixtral(100 + k, hidden=12, inter=20, n_experts=5, k=k)
        x = oracle.randn(2, 4, 12, seed=101 + k)
        logits, gates_hf, idx_hf = oracle.hf_route(block, x.reshape(8, 12))
        oracle.assert_no_router_ties(logits, k)
        idx, gates = student.call("topk_route", x, w["w_router"], k)
        assert_close(idx, idx_hf.reshape(2, 4, k), rtol=0, atol=0, msg=lambda m: f"k={k}, indices: {m}")
        assert_close(gates, gates_hf.reshape(2, 4, k), atol=1e-6, rtol=1e-5, msg=lambda m: f"k={k}, gates: {m}")


@pytest.mark.points(1)
def test_hidden_topk_route_float64(student, oracle):
    """In float64 topk_route returns float64 gates that sum to 1 per token and match HF's router."""
    block, w = oracle.make_mixtral(110, n_experts=6, k=2)
    x = oracle.randn(9, 16, seed=111)
    logits, gates_hf, idx_hf = oracle.hf_route(block, x)
    oracle.assert_no_router_ties(logits, 2)
    idx, gates = student.call("topk_route", x.double(), w["w_router"].double(), 2)
    assert gates.dtype == torch.float64, f"gates dtype: got {gates.dtype}, expected torch.float64"
    assert_close(idx, idx_hf, rtol=0, atol=0, msg=lambda m: f"indices: {m}")
    assert_close(gates.sum(-1), torch.ones(9, dtype=torch.float64), atol=1e-12, rtol=0, msg=lambda m: f"gate sums: {m}")
    assert_close(gates, gates_hf.double(), atol=1e-6, rtol=1e-5, msg=lambda m: f"gates: {m}")


@pytest.mark.points(1)
def test_hidden_topk_route_rejects_bad_k(student, oracle):
    """topk_route raises ValueError for k = 0 and for k larger than the number of experts."""
    _, w = oracle.make_mixtral(120)
    x = oracle.randn(3, 16, seed=121)
    for k in (0, 5):
        with pytest.raises(StudentError) as info:
            student.call("topk_route", x, w["w_router"], k)
        assert info.value.exc_type == "ValueError", f"k={k}: expected ValueError, got {info.value.exc_type}"


@pytest.mark.points(3)
def test_hidden_moe_matches_mixtral_other_config(student, oracle):
    """moe equals HF's MixtralSparseMoeBlock for another size (more experts, larger k, other hidden sizes)."""
    block, w = oracle.make_mixtral(130, hidden=24, inter=40, n_experts=6, k=3)
    x = oracle.randn(3, 7, 24, seed=131)
    oracle.assert_no_router_ties(x @ w["w_router"].T, 3)
    y, _ = student.call("moe", x, w["w_router"], w["w_gate"], w["w_up"], w["w_down"], 3)
    assert_close(y, oracle.hf_moe(block, x), atol=1e-5, rtol=1e-4)


@pytest.mark.points(2)
def test_hidden_moe_top1_and_unused_experts(student, oracle):
    """Top-1 routing, and few tokens over many experts (most experts get no token), match HF's block."""
    block, w = oracle.make_mixtral(140, n_experts=4, k=1)
    x = oracle.randn(2, 5, 16, seed=141)
    oracle.assert_no_router_ties(x @ w["w_router"].T, 1)
    y, _ = student.call("moe", x, w["w_router"], w["w_gate"], w["w_up"], w["w_down"], 1)
    assert_close(y, oracle.hf_moe(block, x), atol=1e-5, rtol=1e-4, msg=lambda m: f"top-1: {m}")

    block, w = oracle.make_mixtral(142, n_experts=8, k=2)
    x = oracle.randn(1, 2, 16, seed=143)
    oracle.assert_no_router_ties(x @ w["w_router"].T, 2)
    y, _ = student.call("moe", x, w["w_router"], w["w_gate"], w["w_up"], w["w_down"], 2)
    assert_close(y, oracle.hf_moe(block, x), atol=1e-5, rtol=1e-4, msg=lambda m: f"unused experts: {m}")


@pytest.mark.points(2)
def test_hidden_moe_dense_mixture_other_size(student, oracle):
    """With k = E moe is the softmax-weighted sum of all experts, on a (B, T, D) input and another size."""
    block, w = oracle.make_mixtral(150, hidden=20, inter=12, n_experts=5, k=5)
    x = oracle.randn(2, 3, 20, seed=151)
    y, _ = student.call("moe", x, w["w_router"], w["w_gate"], w["w_up"], w["w_down"], 5)
    expected = oracle.hf_dense_mixture(block, x.reshape(6, 20)).reshape(2, 3, 20)
    assert_close(y, expected, atol=1e-5, rtol=1e-4)


@pytest.mark.points(2)
def test_hidden_moe_identical_experts_float64(student, oracle):
    """Identical experts give one expert's output for k > 2; in float64 the result is float64 and tight."""
    block, w = oracle.make_mixtral(160, n_experts=5, k=3, dtype=torch.float64)
    for name in ("w_gate", "w_up", "w_down"):
        w[name] = w[name][2:3].expand_as(w[name]).contiguous()
    x = oracle.randn(11, 16, seed=161, dtype=torch.float64)
    oracle.assert_no_router_ties(x @ w["w_router"].T, 3)
    y, _ = student.call("moe", x, w["w_router"], w["w_gate"], w["w_up"], w["w_down"], 3)
    assert_close(y, oracle.hf_one_expert(block, x, 2), atol=1e-10, rtol=1e-10)


@pytest.mark.points(2)
def test_hidden_load_balance_loss_more_experts(student, oracle):
    """load_balance_loss for more experts and tokens equals transformers' load_balancing_loss_func."""
    logits = oracle.randn(40, 8, seed=170, scale=1.5)
    oracle.assert_no_router_ties(logits, 2)
    loss = student.call("load_balance_loss", logits, 2)
    assert_close(loss, oracle.hf_aux(logits, 8, 2), atol=1e-6, rtol=1e-5)


@pytest.mark.points(2)
def test_hidden_load_balance_loss_3d_logits_and_mask(student, oracle):
    """(B, T, E) logits without a mask and with a padding mask (bool and 0/1 ints) match transformers."""
    logits = oracle.randn(3, 6, 5, seed=181, scale=2.0)
    oracle.assert_no_router_ties(logits, 1)
    g = torch.Generator().manual_seed(182)
    mask = torch.rand(3, 6, generator=g) < 0.6
    mask[:, 0] = True
    loss = student.call("load_balance_loss", logits, 1)
    assert_close(loss, oracle.hf_aux(logits.reshape(18, 5), 5, 1), atol=1e-6, rtol=1e-5,
                 msg=lambda msg: f"no mask: {msg}")
    expected = oracle.hf_aux(logits.reshape(18, 5), 5, 1, mask.long())
    for m in (mask, mask.long()):
        loss = student.call("load_balance_loss", logits, 1, m)
        assert_close(loss, expected, atol=1e-6, rtol=1e-5, msg=lambda msg: f"mask dtype {m.dtype}: {msg}")


@pytest.mark.points(1)
def test_hidden_load_balance_loss_float64_and_balanced(student, oracle):
    """The loss keeps float64, and perfectly balanced routing with uniform mean probabilities gives k."""
    logits = oracle.randn(16, 4, seed=190, dtype=torch.float64)
    oracle.assert_no_router_ties(logits, 2)
    loss = student.call("load_balance_loss", logits, 2)
    assert loss.dtype == torch.float64, f"dtype: got {loss.dtype}, expected torch.float64"
    assert_close(loss, oracle.hf_aux(logits, 4, 2).double(), atol=1e-6, rtol=1e-5)
    # every cyclic shift of one row: each expert is chosen equally often, mean probability 1/E
    row = torch.tensor([2.0, 1.0, 0.0, -1.5], dtype=torch.float64)
    balanced = torch.stack([row.roll(i) for i in range(4)])
    assert_close(student.call("load_balance_loss", balanced, 2), torch.tensor(2.0, dtype=torch.float64),
                 atol=1e-12, rtol=0, msg=lambda m: f"balanced routing: {m}")


@pytest.mark.points(1)
def test_hidden_moe_aux_other_config(student, oracle):
    """moe's aux loss for another number of experts and k equals transformers' load_balancing_loss_func."""
    _, w = oracle.make_mixtral(200, hidden=24, inter=40, n_experts=6, k=3)
    x = oracle.randn(2, 9, 24, seed=201)
    logits = x.reshape(18, 24) @ w["w_router"].T
    oracle.assert_no_router_ties(logits, 3)
    _, aux = student.call("moe", x, w["w_router"], w["w_gate"], w["w_up"], w["w_down"], 3)
    assert_close(aux, oracle.hf_aux(logits, 6, 3), atol=1e-6, rtol=1e-5)
