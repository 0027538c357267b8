"""Public tests: RoPE frequency scaling against transformers' ROPE_INIT_FUNCTIONS."""

from __future__ import annotations

import pytest
import torch

from autograder.harness.expect import assert_close

REL = 1e-5  # inv_freq (float32)
REL_AF = 1e-9  # attention factor (Python float)


def check(result, expected, what):
    inv_freq, attention_factor = result
    exp_inv, exp_af = expected
    assert isinstance(inv_freq, torch.Tensor) and inv_freq.dtype == torch.float32, f"{what}: inv_freq must be a float32 tensor"
    assert_close(inv_freq, exp_inv, rel=REL, abs=0.0, what=f"{what}: inv_freq")
    assert isinstance(attention_factor, float), f"{what}: the attention factor must be a Python float"
    assert_close(attention_factor, exp_af, rel=REL_AF, what=f"{what}: attention factor")


@pytest.mark.points(2)
def test_default_and_linear(student, oracle):
    """rope_default and rope_linear (dim 16, base 10000, factor 4) equal transformers' frequencies, attention factor 1."""
    check(student.call("rope_default", 16, 10000.0), oracle.hf_rope(16, 10000.0), "rope_default")
    check(student.call("rope_linear", 16, 10000.0, 4.0),
          oracle.hf_rope(16, 10000.0, {"rope_type": "linear", "factor": 4.0}), "rope_linear")


@pytest.mark.points(2)
def test_dynamic_ntk_below_and_above_the_original_context(student, oracle):
    """rope_dynamic_ntk equals transformers' "dynamic" for seq_len None, below the original context and 3x above it."""
    scaling = {"rope_type": "dynamic", "factor": 2.0, "original_max_position_embeddings": 64}
    for seq_len in (None, 32, 192):
        check(student.call("rope_dynamic_ntk", 16, 10000.0, 2.0, 64, seq_len),
              oracle.hf_rope(16, 10000.0, scaling, seq_len=seq_len), f"dynamic, seq_len={seq_len}")


@pytest.mark.points(2)
def test_llama3(student, oracle):
    """rope_llama3 (dim 64, base 500000, factor 8, low 1, high 4, original context 64) equals transformers' "llama3"."""
    scaling = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
               "original_max_position_embeddings": 64}
    check(student.call("rope_llama3", 64, 500000.0, 8.0, 1.0, 4.0, 64),
          oracle.hf_rope(64, 500000.0, scaling), "llama3")


@pytest.mark.points(3)
def test_yarn_defaults_and_mscale(student, oracle):
    """rope_yarn equals transformers' "yarn": default betas and attention factor, then mscale / mscale_all_dim."""
    scaling = {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 4096}
    check(student.call("rope_yarn", 64, 10000.0, 4.0, 4096), oracle.hf_rope(64, 10000.0, scaling), "yarn")
    scaling2 = dict(scaling, mscale=0.707, mscale_all_dim=1.0)
    check(student.call("rope_yarn", 64, 10000.0, 4.0, 4096, mscale=0.707, mscale_all_dim=1.0),
          oracle.hf_rope(64, 10000.0, scaling2), "yarn with mscale")


@pytest.mark.points(1)
def test_yarn_helpers_hand_worked(student):
    """yarn_get_mscale and yarn_correction_range on hand-worked values (dim 64, base 10000, context 4096)."""
    import math
    assert_close(student.call("yarn_get_mscale", 1.0), 1.0, rel=1e-12, what="get_mscale(1)")
    assert_close(student.call("yarn_get_mscale", math.e, 2.0), 1.2, rel=1e-12, what="get_mscale(e, 2)")
    # d(32) = 64 ln(4096 / 64pi) / (2 ln 10000) = 10.47..., d(1) = 22.513...
    low, high = student.call("yarn_correction_range", 32.0, 1.0, 64, 10000.0, 4096)
    assert (low, high) == (10, 23), "truncated correction range (floor(low), ceil(high))"
    low, high = student.call("yarn_correction_range", 32.0, 1.0, 64, 10000.0, 4096, False)
    assert_close([low, high], [10.47224, 22.51344], rel=1e-4, what="untruncated correction range")


@pytest.mark.points(2)
def test_rope_inv_freq_dispatches(student, oracle):
    """rope_inv_freq with transformers' rope_parameters dicts (None, linear, dynamic with seq_len, llama3, yarn)."""
    check(student.call("rope_inv_freq", 32, 10000.0), oracle.hf_rope(32, 10000.0), "no scaling")
    cases = [
        {"rope_type": "linear", "factor": 2.0},
        {"rope_type": "dynamic", "factor": 4.0, "original_max_position_embeddings": 128},
        {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
         "original_max_position_embeddings": 128},
        {"rope_type": "yarn", "factor": 8.0, "original_max_position_embeddings": 2048, "beta_fast": 16.0},
    ]
    for scaling in cases:
        seq_len = 300 if scaling["rope_type"] == "dynamic" else None
        check(student.call("rope_inv_freq", 32, 10000.0, scaling, seq_len),
              oracle.hf_rope(32, 10000.0, scaling, seq_len=seq_len), scaling["rope_type"])
