"""Public tests: the selective scan (sequential and chunked), one decoding step, the Mamba mixer."""

from __future__ import annotations

import pytest
import torch
from torch.testing import assert_close


@pytest.mark.points(3)
def test_selective_scan_matches_transformers(student, oracle):
    """selective_scan (with D, z, delta_bias, softplus) matches transformers' mamba_selective_scan in float64 (1e-10)."""
    inputs = oracle.scan_inputs(2, 6, 4, 11, seed=1)
    y_hf, h_hf = oracle.hf_scan(**inputs)
    y, h = student.call("selective_scan", **inputs)
    assert_close(y, y_hf, atol=1e-10, rtol=1e-10, msg=lambda m: f"y: {m}")
    assert_close(h, h_hf, atol=1e-10, rtol=1e-10, msg=lambda m: f"last state: {m}")


@pytest.mark.points(1)
def test_selective_scan_plain(student, oracle):
    """Without D, z, delta_bias or softplus the scan is the bare recurrence (vs transformers, float64)."""
    inputs = oracle.scan_inputs(1, 3, 5, 8, seed=2, extras=False)
    inputs["delta"] = inputs["delta"].abs()
    y_hf, h_hf = oracle.hf_scan(**inputs)
    y, h = student.call("selective_scan", **inputs)
    assert_close(y, y_hf, atol=1e-10, rtol=1e-10, msg=lambda m: f"y: {m}")
    assert_close(h, h_hf, atol=1e-10, rtol=1e-10, msg=lambda m: f"last state: {m}")


@pytest.mark.points(3)
def test_chunked_scan_equals_the_sequential_loop(student, oracle):
    """chunked_scan (chunk 4, a sequence of 10: a short last chunk) equals the sequential scan in float64 (1e-10)."""
    inputs = oracle.scan_inputs(2, 5, 3, 10, seed=3)
    y_hf, h_hf = oracle.hf_scan(**inputs)
    y, h = student.call("chunked_scan", **inputs, chunk_size=4)
    assert_close(y, y_hf, atol=1e-10, rtol=1e-10, msg=lambda m: f"y: {m}")
    assert_close(h, h_hf, atol=1e-10, rtol=1e-10, msg=lambda m: f"last state: {m}")


@pytest.mark.points(2)
def test_state_update_matches_transformers(student, oracle):
    """selective_state_update from a random state matches transformers' mamba_selective_state_update (float32)."""
    inputs = oracle.scan_inputs(2, 6, 4, 1, seed=4, dtype=torch.float32)
    state = oracle.randn(2, 6, 4, seed=5)
    args = (state, inputs["u"][..., 0], inputs["delta"][..., 0], inputs["A"], inputs["B"][..., 0], inputs["C"][..., 0])
    kw = dict(D=inputs["D"], z=inputs["z"][..., 0], dt_bias=inputs["delta_bias"], dt_softplus=True)
    y_hf, s_hf = oracle.hf_state_update(*args, **kw)
    y, s = student.call("selective_state_update", *args, **kw)
    assert_close(y, y_hf, atol=1e-5, rtol=1e-4, msg=lambda m: f"y: {m}")
    assert_close(s, s_hf, atol=1e-5, rtol=1e-4, msg=lambda m: f"new state: {m}")


@pytest.mark.points(2)
def test_step_by_step_equals_the_full_pass(student, oracle):
    """Feeding the sequence one step at a time through selective_state_update gives the full scan (float64)."""
    inputs = oracle.scan_inputs(1, 4, 3, 6, seed=6)
    y_hf, h_hf = oracle.hf_scan(**inputs)
    state = torch.zeros(1, 4, 3, dtype=torch.float64)
    for t in range(6):
        y, state = student.call(
            "selective_state_update", state, inputs["u"][..., t], inputs["delta"][..., t], inputs["A"],
            inputs["B"][..., t], inputs["C"][..., t], inputs["D"], inputs["z"][..., t], inputs["delta_bias"], True,
        )
        assert_close(y, y_hf[..., t], atol=1e-10, rtol=1e-10, msg=lambda m: f"step {t}: {m}")
    assert_close(state, h_hf, atol=1e-10, rtol=1e-10, msg=lambda m: f"state after the last step: {m}")


@pytest.mark.points(4)
def test_mamba_mixer_matches_hf(student, oracle):
    """mamba_mixer equals HF's MambaMixer (torch path, no cache) with the same weights (float32, 1e-5)."""
    mixer, weights, config = oracle.make_mamba(7)
    x = oracle.randn(2, 9, 16, seed=8)
    out = student.call("mamba_mixer", x, weights, config)
    assert_close(out, oracle.hf_mixer(mixer, x), atol=1e-5, rtol=1e-4)
