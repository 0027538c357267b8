"""Hidden tests: the selective scan, its chunked form, one step, the Mamba mixer, on other inputs."""

from __future__ import annotations

import pytest
import torch
from torch.testing import assert_close

from autograder.harness import StudentError

TIGHT = dict(atol=1e-10, rtol=1e-10)


def _check(y, h, y_hf, h_hf, what: str, **tol) -> None:
    tol = tol or TIGHT
    assert_close(y, y_hf, **tol, msg=lambda m: f"{what}, y: {m}")
    assert_close(h, h_hf, **tol, msg=lambda m: f"{what}, last state: {m}")


@pytest.mark.points(2)
def test_hidden_selective_scan_other_shape(student, oracle):
    """selective_scan with every option matches transformers' scan in float64 on another shape."""
    inputs = oracle.scan_inputs(3, 5, 7, 23, seed=300)
    y, h = student.call("selective_scan", **inputs)
    _check(y, h, *oracle.hf_scan(**inputs), "full options")


@pytest.mark.points(2)
def test_hidden_selective_scan_each_option_alone(student, oracle):
    """D alone, z alone, delta_bias without softplus, and softplus without delta_bias each match transformers."""
    base = oracle.scan_inputs(2, 4, 3, 9, seed=310)
    plain = {k: base[k] for k in ("u", "delta", "A", "B", "C")}
    plain["delta"] = plain["delta"].abs()
    for name, extra in (
        ("D", {"D": base["D"]}),
        ("z", {"z": base["z"]}),
        ("delta_bias", {"delta_bias": base["delta_bias"].abs()}),
        ("delta_softplus", {"delta_softplus": True}),
    ):
        inputs = {**plain, **extra}
        y, h = student.call("selective_scan", **inputs)
        _check(y, h, *oracle.hf_scan(**inputs), f"only {name}")


@pytest.mark.points(2)
def test_hidden_selective_scan_initial_state_continues(student, oracle):
    """Scanning a prefix, then the rest from the returned state (initial_state), equals one full scan."""
    inputs = oracle.scan_inputs(2, 5, 4, 16, seed=320)
    y_hf, h_hf = oracle.hf_scan(**inputs)
    seq = ("u", "delta", "z")
    first = {k: (v[..., :7] if k in seq or k in ("B", "C") else v) for k, v in inputs.items()}
    rest = {k: (v[..., 7:] if k in seq or k in ("B", "C") else v) for k, v in inputs.items()}
    y1, h1 = student.call("selective_scan", **first)
    y2, h2 = student.call("selective_scan", **rest, initial_state=h1)
    _check(torch.cat([y1, y2], dim=-1), h2, y_hf, h_hf, "prefix then rest")


@pytest.mark.points(3)
def test_hidden_chunked_scan_chunk_sizes(student, oracle):
    """chunked_scan equals the sequential scan in float64 for chunks of one step, a few steps, exactly L and more than L."""
    inputs = oracle.scan_inputs(2, 3, 5, 16, seed=330)
    y_hf, h_hf = oracle.hf_scan(**inputs)
    for chunk in (1, 3, 16, 40):
        y, h = student.call("chunked_scan", **inputs, chunk_size=chunk)
        _check(y, h, y_hf, h_hf, f"chunk_size {chunk}")


@pytest.mark.points(2)
def test_hidden_chunked_scan_initial_state_and_plain(student, oracle):
    """chunked_scan continues from initial_state, and without any option equals the bare recurrence."""
    inputs = oracle.scan_inputs(1, 4, 3, 12, seed=340)
    y_hf, h_hf = oracle.hf_scan(**inputs)
    seq = ("u", "delta", "z", "B", "C")
    first = {k: (v[..., :5] if k in seq else v) for k, v in inputs.items()}
    rest = {k: (v[..., 5:] if k in seq else v) for k, v in inputs.items()}
    y1, h1 = student.call("chunked_scan", **first, chunk_size=2)
    y2, h2 = student.call("chunked_scan", **rest, initial_state=h1, chunk_size=3)
    _check(torch.cat([y1, y2], dim=-1), h2, y_hf, h_hf, "prefix then rest")

    plain = oracle.scan_inputs(2, 3, 2, 7, seed=341, extras=False)
    plain["delta"] = plain["delta"].abs()
    y, h = student.call("chunked_scan", **plain, chunk_size=4)
    _check(y, h, *oracle.hf_scan(**plain), "no options")


@pytest.mark.points(2)
def test_hidden_chunked_scan_strong_decay_stays_finite(student, oracle):
    """With decays so strong that exp of a chunk's summed log-decays over- or underflows, chunked_scan stays finite and exact."""
    inputs = oracle.scan_inputs(1, 3, 4, 12, seed=350)
    inputs["A"] = inputs["A"] * 40.0  # delta * A down to about -100 per step: over 8 steps exp(+800) = inf
    inputs["delta_bias"] = inputs["delta_bias"].abs() + 2.0
    y_hf, h_hf = oracle.hf_scan(**inputs)
    y, h = student.call("chunked_scan", **inputs, chunk_size=8)
    assert torch.isfinite(y).all() and torch.isfinite(h).all(), "inf/nan in the output: mask s > t before exp"
    _check(y, h, y_hf, h_hf, "strong decay", atol=1e-9, rtol=1e-9)


@pytest.mark.points(1)
def test_hidden_chunked_scan_rejects_bad_chunk(student, oracle):
    """chunked_scan raises ValueError for a chunk size below 1 (zero and negative)."""
    inputs = oracle.scan_inputs(1, 2, 2, 4, seed=360)
    for chunk in (0, -3):
        with pytest.raises(StudentError) as info:
            student.call("chunked_scan", **inputs, chunk_size=chunk)
        assert info.value.exc_type == "ValueError", f"expected ValueError, got {info.value.exc_type}"


@pytest.mark.points(2)
def test_hidden_steps_equal_full_pass_other_shape(student, oracle):
    """Step-by-step decoding equals the full scan (float64), without D and z and with a delta bias."""
    inputs = oracle.scan_inputs(2, 5, 6, 9, seed=370)
    inputs.pop("D"), inputs.pop("z")
    y_hf, h_hf = oracle.hf_scan(**inputs)
    state = torch.zeros(2, 5, 6, dtype=torch.float64)
    for t in range(9):
        y, state = student.call(
            "selective_state_update", state, inputs["u"][..., t], inputs["delta"][..., t], inputs["A"],
            inputs["B"][..., t], inputs["C"][..., t], dt_bias=inputs["delta_bias"], dt_softplus=True,
        )
        assert_close(y, y_hf[..., t], **TIGHT, msg=lambda m: f"step {t}: {m}")
    assert_close(state, h_hf, **TIGHT, msg=lambda m: f"state after the last step: {m}")


@pytest.mark.points(1)
def test_hidden_state_update_plain(student, oracle):
    """selective_state_update without D, z, dt_bias or softplus matches transformers (float32)."""
    inputs = oracle.scan_inputs(3, 4, 5, 1, seed=380, dtype=torch.float32, extras=False)
    state = oracle.randn(3, 4, 5, seed=381)
    args = (state, inputs["u"][..., 0], inputs["delta"][..., 0].abs(), inputs["A"], inputs["B"][..., 0],
            inputs["C"][..., 0])
    y_hf, s_hf = oracle.hf_state_update(*args)
    y, s = student.call("selective_state_update", *args)
    assert_close(y, y_hf, atol=1e-5, rtol=1e-4, msg=lambda m: f"y: {m}")
    assert_close(s, s_hf, atol=1e-5, rtol=1e-4, msg=lambda m: f"new state: {m}")


@pytest.mark.points(3)
def test_hidden_mamba_mixer_other_config(student, oracle):
    """mamba_mixer matches HF's MambaMixer with biases, another conv kernel, time-step rank and sizes."""
    mixer, weights, config = oracle.make_mamba(390, hidden_size=12, state_size=6, intermediate_size=24,
                                               conv_kernel=3, time_step_rank=2, use_bias=True)
    x = oracle.randn(3, 13, 12, seed=391)
    out = student.call("mamba_mixer", x, weights, config)
    assert_close(out, oracle.hf_mixer(mixer, x), atol=1e-5, rtol=1e-4)


@pytest.mark.points(1)
def test_hidden_mamba_mixer_without_conv_bias(student, oracle):
    """mamba_mixer matches HF's MambaMixer when the convolution has no bias (use_conv_bias=False)."""
    mixer, weights, config = oracle.make_mamba(400, use_conv_bias=False, conv_kernel=2)
    x = oracle.randn(1, 6, 16, seed=401)
    out = student.call("mamba_mixer", x, weights, config)
    assert_close(out, oracle.hf_mixer(mixer, x), atol=1e-5, rtol=1e-4)


@pytest.mark.points(1)
def test_hidden_mamba_mixer_float64(student, oracle):
    """In float64 mamba_mixer returns float64 and matches HF's MambaMixer run in float64."""
    mixer, weights, config = oracle.make_mamba(410, dtype=torch.float64)
    x = oracle.randn(2, 5, 16, seed=411, dtype=torch.float64)
    out = student.call("mamba_mixer", x, weights, config)
    assert out.dtype == torch.float64, f"dtype: got {out.dtype}, expected torch.float64"
    assert_close(out, oracle.hf_mixer(mixer, x), atol=1e-6, rtol=1e-5)


@pytest.mark.points(1)
def test_hidden_state_update_with_skip_and_gate(student, oracle):
    """selective_state_update with the skip D, the gate z, dt_bias and softplus matches transformers (float32)."""
    inputs = oracle.scan_inputs(3, 5, 2, 1, seed=420, dtype=torch.float32)
    state = oracle.randn(3, 5, 2, seed=421)
    args = (state, inputs["u"][..., 0], inputs["delta"][..., 0], inputs["A"], inputs["B"][..., 0], inputs["C"][..., 0])
    for name, kw in (("D", dict(D=inputs["D"])), ("z", dict(z=inputs["z"][..., 0])),
                     ("all", dict(D=inputs["D"], z=inputs["z"][..., 0], dt_bias=inputs["delta_bias"], dt_softplus=True))):
        y_hf, s_hf = oracle.hf_state_update(*args, **kw)
        y, s = student.call("selective_state_update", *args, **kw)
        assert_close(y, y_hf, atol=1e-5, rtol=1e-4, msg=lambda m: f"{name}: y: {m}")
        assert_close(s, s_hf, atol=1e-5, rtol=1e-4, msg=lambda m: f"{name}: new state: {m}")
