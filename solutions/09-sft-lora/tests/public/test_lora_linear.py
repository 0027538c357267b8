"""Public tests: LoRALinear on its own, against peft's LoRA layer."""

from __future__ import annotations

import pytest
import torch

from autograder.harness.expect import assert_close, assert_equal


@pytest.mark.points(2)
def test_fresh_adapter_keeps_base_output(student, oracle, device):
    """A fresh LoRALinear (B = 0) gives the base layer's output; A is (r, in), B is (out, r) and zero; the base is frozen."""
    W, b = oracle.randn(12, 10, seed=1), oracle.randn(12, seed=2)
    x = oracle.randn(3, 10, seed=3)
    base = student.call_handle("linear_from_weights", W, b, device)
    layer = student.new("LoRALinear", base, 4, 8.0)
    assert_close(student.call("run_module", layer, x), x @ W.T + b, rel=1e-5, abs=1e-5, what="output with B = 0")
    params = student.call("parameters_of", layer)
    assert tuple(params["lora_A"].shape) == (4, 10), f"lora_A has shape {tuple(params['lora_A'].shape)}, expected (4, 10)"
    assert_equal(params["lora_B"], torch.zeros(12, 4), what="lora_B at init")
    assert params["lora_A"].abs().max() > 0, "lora_A at init should be random, not zero"
    grads = student.call("requires_grad_of", layer)
    assert_equal(grads, {"lora_A": True, "lora_B": True, "base.weight": False, "base.bias": False},
                 what="requires_grad of the parameters")
    assert_close(layer.get("scaling"), 2.0, rel=1e-12, what="scaling = alpha / r")


@pytest.mark.points(3)
def test_forward_with_given_adapters_matches_peft(student, oracle, device):
    """With A and B copied in, LoRALinear gives base(x) + (alpha/r) B A x, equal to peft's LoRA layer (1e-5)."""
    r, alpha = 4, 8.0
    W, b = oracle.randn(12, 10, seed=11), oracle.randn(12, seed=12)
    A, B = oracle.randn(r, 10, seed=13, scale=0.5), oracle.randn(12, r, seed=14, scale=0.5)
    x = oracle.randn(2, 5, 10, seed=15)
    base = student.call_handle("linear_from_weights", W, b, device)
    layer = student.new("LoRALinear", base, r, alpha)
    student.call("set_parameter", layer, "lora_A", A)
    student.call("set_parameter", layer, "lora_B", B)
    with torch.no_grad():
        expected = oracle.peft_layer(W, b, r, alpha, A, B)(x)
    assert_close(student.call("run_module", layer, x), expected, rel=1e-5, abs=1e-5, what="LoRA output")
