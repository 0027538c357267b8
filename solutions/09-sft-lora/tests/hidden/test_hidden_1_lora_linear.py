"""Hidden tests: LoRALinear with other shapes, ranks, scalings, dtypes and without a bias."""

from __future__ import annotations

import pytest
import torch

from autograder.harness import StudentError
from autograder.harness.expect import assert_close, assert_equal


@pytest.mark.points(2)
def test_lora_linear_float64_no_bias_matches_peft(student, oracle, device):
    """LoRALinear around a float64 layer without bias, rank one and a non-integer scaling, matches peft on an input with two leading dims; A and B take the base dtype.

    r 1, alpha 2.5, (9, 7) layer, x (2, 3, 7)."""
    r, alpha = 1, 2.5
    W = oracle.randn(9, 7, seed=101, dtype=torch.float64)
    A = oracle.randn(r, 7, seed=102, dtype=torch.float64)
    B = oracle.randn(9, r, seed=103, dtype=torch.float64)
    x = oracle.randn(2, 3, 7, seed=104, dtype=torch.float64)
    base = student.call_handle("linear_from_weights", W, None, device)
    layer = student.new("LoRALinear", base, r, alpha)
    params = student.call("parameters_of", layer)
    assert params["lora_A"].dtype == torch.float64 and params["lora_B"].dtype == torch.float64, "A and B dtype"
    assert sorted(params) == ["base.weight", "lora_A", "lora_B"], "parameter names"
    student.call("set_parameter", layer, "lora_A", A)
    student.call("set_parameter", layer, "lora_B", B)
    with torch.no_grad():
        expected = oracle.peft_layer(W, None, r, alpha, A, B)(x)
    got = student.call("run_module", layer, x)
    assert got.dtype == torch.float64, f"output dtype {got.dtype}"
    assert_close(got, expected, rel=1e-10, abs=1e-10, what="LoRA output")


@pytest.mark.points(1)
def test_lora_linear_fresh_shapes_scaling_and_frozen_base(student, oracle, device):
    """A fresh LoRALinear of another rank and alpha has A (r, in) random, B (out, r) zero, scaling alpha / r, a frozen base and the base output.

    r 3, alpha 5, (6, 20) layer with bias."""
    W, b = oracle.randn(6, 20, seed=111), oracle.randn(6, seed=112)
    x = oracle.randn(4, 20, seed=113)
    layer = student.new("LoRALinear", student.call_handle("linear_from_weights", W, b, device), 3, 5.0)
    params = student.call("parameters_of", layer)
    assert tuple(params["lora_A"].shape) == (3, 20), "lora_A shape"
    assert params["lora_A"].abs().max() > 0, "lora_A random"
    assert_equal(params["lora_B"], torch.zeros(6, 3), what="lora_B at init")
    assert_close(layer.get("scaling"), 5.0 / 3, rel=1e-12, what="scaling")
    assert_equal(student.call("requires_grad_of", layer),
                 {"lora_A": True, "lora_B": True, "base.weight": False, "base.bias": False}, what="requires_grad")
    assert_close(student.call("run_module", layer, x), x @ W.T + b, rel=1e-5, abs=1e-5, what="output with B = 0")


@pytest.mark.points(1)
def test_lora_linear_rank_zero_raises(student, oracle, device):
    """LoRALinear raises ValueError for a rank below 1."""
    base = student.call_handle("linear_from_weights", oracle.randn(4, 4, seed=121), None, device)
    with pytest.raises(StudentError) as err:
        student.new("LoRALinear", base, 0, 8.0)
    assert err.value.exc_type == "ValueError", f"raised {err.value.exc_type}"
