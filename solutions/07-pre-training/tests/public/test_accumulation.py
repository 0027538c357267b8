"""Public tests: build_model and gradient accumulation against one full-batch backward (torch autograd)."""

from __future__ import annotations

import pytest

from autograder.harness.expect import assert_close, assert_equal


@pytest.mark.points(1)
def test_build_model_is_the_seeded_hf_llama(student, oracle, device):
    """build_model(config, seed, device) has exactly the parameters of LlamaForCausalLM built after torch.manual_seed(seed)."""
    model = student.call_handle("build_model", oracle.LLAMA, 5, device)
    want = {n: p.detach() for n, p in oracle.llama(oracle.LLAMA, 5).named_parameters()}
    assert_equal(student.probe(oracle.params_probe, model), want, what="the parameters")


@pytest.mark.points(4)
def test_accumulated_gradient_equals_full_batch_gradient(student, oracle, device):
    """Two micro-batches with 11 and 3 real tokens: the accumulated gradient and the returned loss equal
    those of one backward through the full batch's mean loss (rel 1e-4, abs 1e-6)."""
    V = oracle.LLAMA["vocab_size"]
    mb1 = oracle.padded_batch([8, 3], 8, V, seed=10)   # 11 targets
    mb2 = oracle.padded_batch([2, 1], 8, V, seed=11)   # 3 targets
    model = student.call_handle("build_model", oracle.LLAMA, 7, device)
    loss = student.call("accumulate_gradients", model, [mb1, mb2], device)
    want_loss, want_grads = oracle.full_batch_grads(oracle.LLAMA, 7, [mb1, mb2])
    assert_close(loss, want_loss, rel=1e-5, what="the returned loss (the full batch's mean)")
    assert_close(student.probe(oracle.grads_probe, model), want_grads, rel=1e-4, abs=1e-6, what="the gradients")
