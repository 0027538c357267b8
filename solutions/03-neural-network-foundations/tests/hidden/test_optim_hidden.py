"""Hidden tests: AdamW, clipping, loss scaling and the float32 loss with other settings and edge cases."""

from __future__ import annotations

import math

import pytest
import torch
from torch.testing import assert_close

from autograder.harness import StudentError
from autograder.harness import expect

FLOAT32_MAX = 3.4028234663852886e38


def _gen(seed: int):
    return torch.Generator().manual_seed(seed)


def _grad_seq(shapes: dict, steps: int, seed: int, dtype=torch.float64, scale: float = 1.0) -> list[dict]:
    return [
        {k: (torch.randn(shape, generator=_gen(seed + 1000 * t + i), dtype=torch.float64) * scale).to(dtype)
         for i, (k, shape) in enumerate(shapes.items())}
        for t in range(steps)
    ]


def _run_adamw(student, params, grad_seq, lrs, betas, eps, wd):
    state, out = {}, []
    for grads, lr in zip(grad_seq, lrs):
        params, state = student.call("optim:adamw_step", params, grads, state, lr, betas, eps, wd)
        out.append((params, state))
    return out


def _compare_adamw(got, expected, atol, rtol, check_state=True):
    for t, ((p, s), (ep, es)) in enumerate(zip(got, expected)):
        assert set(p) == set(ep), f"step {t + 1}: params must keep every name"
        for k in ep:
            assert_close(p[k], ep[k], atol=atol, rtol=rtol, msg=lambda m: f"step {t + 1}, {k}: {m}")
        if check_state:
            for k in es:
                assert s[k]["step"] == es[k]["step"], f"step {t + 1}, {k}: state step"
                assert_close(s[k]["exp_avg"], es[k]["exp_avg"], atol=atol, rtol=rtol)
                assert_close(s[k]["exp_avg_sq"], es[k]["exp_avg_sq"], atol=atol, rtol=rtol)


@pytest.mark.points(2)
def test_adamw_float32_cosine_schedule(student, oracle):
    """Many float32 AdamW steps with a cosine lr schedule and non-default betas and weight decay match torch.optim.AdamW within 1e-4, state included.

    150 steps, peak lr 3e-3, betas (0.9, 0.95), weight decay 0.1."""
    shapes = {"emb": (6, 4), "w": (4, 4), "b": (4,)}
    params = {k: oracle.randn(*s, seed=300 + i, dtype=torch.float32) for i, (k, s) in enumerate(shapes.items())}
    steps = 150
    grad_seq = _grad_seq(shapes, steps, seed=310, dtype=torch.float32)
    lrs = [3e-3 * 0.5 * (1 + math.cos(math.pi * t / steps)) for t in range(steps)]
    got = _run_adamw(student, params, grad_seq, lrs, (0.9, 0.95), 1e-8, 0.1)
    expected = oracle.torch_adamw(params, grad_seq, lrs, (0.9, 0.95), 1e-8, 0.1)
    assert all(got[-1][0][k].dtype == torch.float32 for k in shapes), "float32 params stay float32"
    _compare_adamw(got, expected, atol=1e-4, rtol=1e-4)


@pytest.mark.points(3)
def test_adamw_large_eps_strong_decay(student, oracle):
    """Many float64 steps with an eps larger than sqrt(v_hat) for these small gradients, small betas and strong weight decay match torch after every step within 1e-10.

    100 steps, eps 0.1, betas (0.5, 0.6), lr 0.05, weight decay 0.5."""
    shapes = {"a": (3, 5), "b": (2,)}
    params = {"a": oracle.randn(3, 5, seed=320), "b": oracle.randn(2, seed=321)}
    grad_seq = _grad_seq(shapes, 100, seed=322, scale=0.05)
    lrs = [0.05] * 100
    got = _run_adamw(student, params, grad_seq, lrs, (0.5, 0.6), 0.1, 0.5)
    expected = oracle.torch_adamw(params, grad_seq, lrs, (0.5, 0.6), 0.1, 0.5)
    _compare_adamw(got, expected, atol=1e-10, rtol=1e-10)


@pytest.mark.points(2)
def test_adamw_frozen_and_late_parameters(student, oracle):
    """A parameter whose grad is None on some steps, and one missing from grads for the first steps: unchanged while frozen, per-parameter step counts and values match torch.

    None every 3rd step; missing for the first 10 steps."""
    shapes = {"p": (4,), "q": (2, 3), "r": (3,)}
    params = {k: oracle.randn(*s, seed=330 + i) for i, (k, s) in enumerate(shapes.items())}
    grad_seq = _grad_seq(shapes, 30, seed=335)
    for t, grads in enumerate(grad_seq):
        if t % 3 == 1:
            grads["q"] = None
        if t < 10:
            del grads["r"]
    lrs = [2e-2] * 30
    got = _run_adamw(student, params, grad_seq, lrs, (0.9, 0.99), 1e-8, 0.05)
    expected = oracle.torch_adamw(params, grad_seq, lrs, (0.9, 0.99), 1e-8, 0.05)
    assert_close(got[1][0]["q"], got[0][0]["q"], atol=0.0, rtol=0.0, msg="a frozen parameter must not change")
    assert_close(got[9][0]["r"], params["r"], atol=0.0, rtol=0.0, msg="a parameter without a grad must not change")
    assert "r" not in got[9][1], "no state for a parameter that never had a gradient"
    assert got[-1][1]["q"]["step"] == 20 and got[-1][1]["r"]["step"] == 20 and got[-1][1]["p"]["step"] == 30
    _compare_adamw(got, expected, atol=1e-10, rtol=1e-10)


@pytest.mark.points(2)
def test_adamw_first_step_closed_form(student, oracle):
    """First step from empty state, no weight decay: bias correction makes the update lr * g / (|g| + eps), and the state is step 1, m = (1-b1) g, v = (1-b2) g^2."""
    p = torch.tensor([1.0, -2.0, 0.5, 3.0], dtype=torch.float64)
    g = torch.tensor([0.3, -4.0, 1e-3, 0.0], dtype=torch.float64)
    lr, eps = 0.1, 1e-3
    new, state = student.call("optim:adamw_step", {"p": p}, {"p": g}, {}, lr, (0.8, 0.9), eps, 0.0)
    assert_close(new["p"], p - lr * g / (g.abs() + eps), atol=1e-14, rtol=1e-12)
    assert state["p"]["step"] == 1
    assert_close(state["p"]["exp_avg"], 0.2 * g, atol=1e-15, rtol=1e-12)
    assert_close(state["p"]["exp_avg_sq"], 0.1 * g * g, atol=1e-15, rtol=1e-12)
    # with weight decay, the decay is lr * wd * p with the p from before the step
    new, _ = student.call("optim:adamw_step", {"p": p}, {"p": g}, {}, lr, (0.8, 0.9), eps, 0.3)
    assert_close(new["p"], p - lr * 0.3 * p - lr * g / (g.abs() + eps), atol=1e-14, rtol=1e-12)


@pytest.mark.points(2)
def test_clip_grad_norm_edge_cases(student, oracle):
    """All-zero grads (norm 0, no nan), max_norm far above or just above the norm (unchanged), a tiny norm where the 1e-6 eps matters, and float32 grads: all match clip_grad_norm_."""
    cases = [
        ([torch.zeros(3, 2, dtype=torch.float64), torch.zeros(4, dtype=torch.float64)], 1.0),
        ([oracle.randn(5, seed=340), oracle.randn(2, 2, seed=341)], 1e6),
        ([torch.tensor([0.6, 0.0], dtype=torch.float64), torch.tensor([0.0, 0.4], dtype=torch.float64)], 1.0),
        ([oracle.randn(3, seed=342, scale=4e-6), None, oracle.randn(2, seed=343, scale=4e-6)], 5e-6),
        ([oracle.randn(8, 3, seed=344, dtype=torch.float32), oracle.randn(5, seed=345, dtype=torch.float32)], 0.7),
    ]
    for grads, max_norm in cases:
        clipped, total = student.call("optim:clip_grad_norm", grads, max_norm)
        exp_clipped, exp_total = oracle.torch_clip(grads, max_norm)
        assert isinstance(total, float), "total_norm: a Python float"
        expect.assert_close(total, exp_total, rel=1e-6, abs=1e-300, what=f"max_norm={max_norm}: total norm")
        for c, e in zip(clipped, exp_clipped):
            if e is None:
                assert c is None
            else:
                assert c.dtype == e.dtype and torch.isfinite(c).all()
                tol = 1e-6 if e.dtype == torch.float32 else 1e-12
                assert_close(c, e, atol=tol * 1e-6, rtol=tol, msg=lambda m: f"max_norm={max_norm}: {m}")


@pytest.mark.points(1)
def test_clip_grad_norm_only_frozen(student, oracle):
    """A list of only None gradients gives back the Nones and total norm 0.0; an exact hand case scales by max_norm / (total_norm + 1e-6).

    Norms 3 and 4, max_norm 1: scale 1/(5 + 1e-6)."""
    clipped, total = student.call("optim:clip_grad_norm", [None, None], 1.0)
    assert clipped == [None, None] and total == 0.0
    grads = [torch.tensor([3.0], dtype=torch.float64), torch.tensor([0.0, 4.0], dtype=torch.float64)]
    clipped, total = student.call("optim:clip_grad_norm", grads, 1.0)
    expect.assert_close(total, 5.0, rel=1e-15)
    coef = 1.0 / (5.0 + 1e-6)
    assert_close(clipped[0], grads[0] * coef, atol=0.0, rtol=1e-14)
    assert_close(clipped[1], grads[1] * coef, atol=0.0, rtol=1e-14)


def _scaler_vs_gradscaler(student, oracle, settings, grad_seq, rtol):
    expected = oracle.gradscaler_run(grad_seq, **settings)
    scaler = student.new("optim:LossScaler", **settings)
    for t, (grads, (exp_scale, exp_tracker, exp_unscaled)) in enumerate(zip(grad_seq, expected)):
        out = scaler.call("step", grads)
        if exp_unscaled is None:
            assert out is None, f"step {t + 1}: a non-finite gradient, the step must be skipped (None)"
        else:
            assert out is not None, f"step {t + 1}: expected the unscaled gradients"
            for g, e in zip(out, exp_unscaled):
                assert g.dtype == e.dtype
                assert_close(g, e, atol=0.0, rtol=rtol, msg=lambda m: f"step {t + 1}: {m}")
        expect.assert_close(scaler.get("scale"), exp_scale, rel=rtol, what=f"scale after step {t + 1}")
        assert scaler.get("growth_tracker") == exp_tracker, f"growth_tracker after step {t + 1}"
    return scaler


@pytest.mark.points(3)
def test_loss_scaler_repeated_infs_and_nans(student, oracle):
    """Runs of inf, -inf and nan gradients between clean runs, with a short growth interval: skips, scales, trackers and unscaled grads match GradScaler.

    30 steps, init 2^16, interval 4."""
    settings = dict(init_scale=2.0**16, growth_factor=2.0, backoff_factor=0.5, growth_interval=4)
    bad = {5: float("inf"), 6: float("inf"), 7: float("nan"), 12: float("-inf"), 20: float("nan"), 21: float("inf"),
           22: float("inf"), 23: float("-inf")}
    grad_seq = []
    for t in range(30):
        g1 = oracle.randn(2, 3, seed=400 + t, dtype=torch.float32, scale=100.0)
        g2 = oracle.randn(5, seed=450 + t, dtype=torch.float32, scale=100.0)
        if t in bad:
            (g1 if t % 2 else g2).view(-1)[t % 2] = bad[t]
        grad_seq.append([g1, g2])
    scaler = _scaler_vs_gradscaler(student, oracle, settings, grad_seq, 1e-6)
    losses = torch.tensor([1.5, 0.25], dtype=torch.float32)
    assert_close(scaler.call("scale_loss", losses), losses * scaler.get("scale"))


@pytest.mark.points(2)
def test_loss_scaler_odd_factors_interval_one(student, oracle):
    """Unusual growth and backoff factors with interval 1 (grow after every clean step): matches GradScaler (float32 scale, 1e-5).

    growth 3, backoff 0.3, 14 steps."""
    settings = dict(init_scale=8.0, growth_factor=3.0, backoff_factor=0.3, growth_interval=1)
    grad_seq = []
    for t in range(14):
        g = oracle.randn(6, seed=500 + t, dtype=torch.float32)
        if t in (2, 3, 7, 11):
            g[t % 6] = float("inf")
        grad_seq.append([g])
    _scaler_vs_gradscaler(student, oracle, settings, grad_seq, 1e-5)


@pytest.mark.points(1)
def test_loss_scaler_float32_ceiling(student, oracle):
    """Starting one growth step below the float32 ceiling, growing after every clean step: the first clean step grows exactly to FLOAT32_MAX, later growths are skipped (tracker resets), as in GradScaler.

    init FLOAT32_MAX / 2, growth 2, interval 1."""
    settings = dict(init_scale=FLOAT32_MAX / 2, growth_factor=2.0, backoff_factor=0.5, growth_interval=1)
    grad_seq = [[torch.ones(3)] for _ in range(3)]
    scaler = _scaler_vs_gradscaler(student, oracle, settings, grad_seq, 1e-7)
    expect.assert_equal(scaler.get("scale"), FLOAT32_MAX)
    expect.assert_equal(scaler.get("growth_tracker"), 0)
    scaler.call("update", True)
    assert scaler.get("scale") == FLOAT32_MAX / 2


@pytest.mark.points(2)
def test_loss_scaler_settings(student, oracle):
    """The defaults are the handout's (scale 2**16, tracker 0); ValueError for growth_factor <= 1, backoff_factor outside (0, 1), growth_interval < 1; boundary values just inside are accepted."""
    scaler = student.new("optim:LossScaler")
    expect.assert_equal(scaler.get("scale"), 65536.0)
    expect.assert_equal(scaler.get("growth_tracker"), 0)
    for kwargs in (dict(growth_factor=1.0), dict(growth_factor=0.5), dict(backoff_factor=1.0),
                   dict(backoff_factor=0.0), dict(backoff_factor=1.5), dict(growth_interval=0)):
        with pytest.raises(StudentError) as info:
            student.new("optim:LossScaler", **kwargs)
        assert info.value.exc_type == "ValueError", f"{kwargs}: expected ValueError, got {info.value.exc_type}"
    scaler = student.new("optim:LossScaler", 2.0, 1.001, 0.999, 1)
    scaler.call("update", False)
    expect.assert_close(scaler.get("scale"), 2.002, rel=1e-12)
    scaler.call("update", True)
    expect.assert_close(scaler.get("scale"), 2.002 * 0.999, rel=1e-12)
    small = student.new("optim:LossScaler", 2.0, 2.0, 1e-3, 2)
    small.call("update", True)
    expect.assert_close(small.get("scale"), 2e-3, rel=1e-12)


@pytest.mark.points(2)
def test_mixed_precision_loss_fp16_and_sequences(student, oracle):
    """float16 logits with a sequence dimension, and float32 logits: a 0-dim float32 mean over all positions equal to float32 cross-entropy (1e-5).

    Logits (4, 7, 300), targets (4, 7)."""
    logits = oracle.randn(4, 7, 300, seed=600, dtype=torch.float16, scale=4.0)
    targets = oracle.randint(300, (4, 7), seed=601)
    loss = oracle.call_scalar(student, "optim:mixed_precision_loss", logits, targets)
    assert isinstance(loss, torch.Tensor) and loss.dtype == torch.float32 and loss.shape == ()
    assert_close(loss, oracle.torch_mixed_loss(logits, targets), atol=1e-5, rtol=1e-5)
    logits = oracle.randn(5, 11, seed=602, dtype=torch.float32)
    targets = oracle.randint(11, (5,), seed=603)
    loss = oracle.call_scalar(student, "optim:mixed_precision_loss", logits, targets)
    assert loss.dtype == torch.float32 and loss.shape == ()
    assert_close(loss, oracle.torch_mixed_loss(logits, targets), atol=1e-6, rtol=1e-6)


@pytest.mark.points(1)
def test_mixed_precision_loss_is_not_bf16_arithmetic(student, oracle):
    """bf16 logits over a large vocabulary with large values: the float32 loss matches the float32 reference within 1e-5 (a bf16 log-sum-exp would be off by ~1e-2).

    4096-way vocabulary, values near 200."""
    logits = (oracle.randn(8, 4096, seed=610, scale=2.0) + 200.0).to(torch.bfloat16)
    targets = oracle.randint(4096, (8,), seed=611)
    loss = oracle.call_scalar(student, "optim:mixed_precision_loss", logits, targets)
    expected = oracle.torch_mixed_loss(logits, targets)
    assert loss.dtype == torch.float32 and torch.isfinite(loss)
    assert_close(loss, expected, atol=1e-5, rtol=1e-5)
