"""Hidden tests: the LSTM cell and stacked LSTM on other shapes, dtypes, biases and gradients."""

from __future__ import annotations

import pytest
import torch
from torch.testing import assert_close

f64 = torch.float64


@pytest.mark.points(2)
def test_lstm_cell_float64(student, oracle):
    """lstm_cell in float64 (other sizes) matches torch.nn.LSTMCell within 1e-12 and returns float64.

    B=4, D=7, H=3."""
    W_ih, W_hh, b_ih, b_hh = oracle.cell_weights(7, 3, seed=101, dtype=f64)
    x, h, c = oracle.randn(4, 7, seed=102, dtype=f64), oracle.randn(4, 3, seed=103, dtype=f64), oracle.randn(4, 3, seed=104, dtype=f64)
    h_new, c_new = student.call("lstm:lstm_cell", x, h, c, W_ih, W_hh, b_ih, b_hh)
    h_exp, c_exp = oracle.torch_lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh)
    assert h_new.dtype == f64 and c_new.dtype == f64
    assert_close(c_new, c_exp, atol=1e-12, rtol=1e-10, msg="c_new differs from torch")
    assert_close(h_new, h_exp, atol=1e-12, rtol=1e-10, msg="h_new differs from torch")


@pytest.mark.points(2)
def test_lstm_cell_without_bias(student, oracle):
    """lstm_cell with b_ih = b_hh = None matches torch.nn.LSTMCell(bias=False).

    B=2, D=4, H=6."""
    W_ih, W_hh, _, _ = oracle.cell_weights(4, 6, seed=111, dtype=f64)
    x, h, c = oracle.randn(2, 4, seed=112, dtype=f64), oracle.randn(2, 6, seed=113, dtype=f64), oracle.randn(2, 6, seed=114, dtype=f64)
    h_new, c_new = student.call("lstm:lstm_cell", x, h, c, W_ih, W_hh, None, None)
    h_exp, c_exp = oracle.torch_lstm_cell(x, h, c, W_ih, W_hh)
    assert_close(c_new, c_exp, atol=1e-12, rtol=1e-10, msg="c_new differs from torch")
    assert_close(h_new, h_exp, atol=1e-12, rtol=1e-10, msg="h_new differs from torch")


@pytest.mark.points(1)
def test_lstm_cell_saturated_gates(student, oracle):
    """Large pre-activations saturate the gates; float32 output still matches torch within 1e-6.

    Weights x 8."""
    W_ih, W_hh, b_ih, b_hh = oracle.cell_weights(5, 5, seed=121, scale=4.0)
    x, h, c = oracle.randn(3, 5, seed=122, scale=2.0), oracle.randn(3, 5, seed=123), oracle.randn(3, 5, seed=124, scale=3.0)
    h_new, c_new = student.call("lstm:lstm_cell", x, h, c, W_ih, W_hh, b_ih, b_hh)
    h_exp, c_exp = oracle.torch_lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh)
    assert_close(c_new, c_exp, atol=1e-6, rtol=1e-5, msg="c_new differs from torch")
    assert_close(h_new, h_exp, atol=1e-6, rtol=1e-5, msg="h_new differs from torch")


@pytest.mark.points(2)
def test_lstm_three_layers_float64_with_state(student, oracle):
    """A deeper float64 lstm (more than two layers) with a random (h0, c0) matches torch.nn.LSTM within 1e-12.

    3 layers, D=4, H=3, B=2, T=5."""
    module, weights = oracle.make_lstm(4, 3, num_layers=3, seed=131, dtype=f64)
    x = oracle.randn(2, 5, 4, seed=132, dtype=f64)
    state = (oracle.randn(3, 2, 3, seed=133, dtype=f64), oracle.randn(3, 2, 3, seed=134, dtype=f64))
    out, (h_n, c_n) = student.call("lstm:lstm", x, weights, 3, state)
    out_exp, (h_exp, c_exp) = oracle.torch_lstm(module, x, state)
    assert_close(out, out_exp, atol=1e-12, rtol=1e-10, msg="output differs from torch")
    assert_close(h_n, h_exp, atol=1e-12, rtol=1e-10, msg="h_n differs from torch")
    assert_close(c_n, c_exp, atol=1e-12, rtol=1e-10, msg="c_n differs from torch")


@pytest.mark.points(1)
def test_lstm_float64_zero_state(student, oracle):
    """state=None gives zero states in the input's dtype: a float64 2-layer lstm with H != D matches torch."""
    module, weights = oracle.make_lstm(6, 2, num_layers=2, seed=141, dtype=f64)
    x = oracle.randn(3, 4, 6, seed=142, dtype=f64)
    out, (h_n, c_n) = student.call("lstm:lstm", x, weights, 2, None)
    out_exp, (h_exp, c_exp) = oracle.torch_lstm(module, x)
    assert out.dtype == f64 and h_n.dtype == f64 and c_n.dtype == f64
    assert_close(out, out_exp, atol=1e-12, rtol=1e-10, msg="output differs from torch")
    assert_close(h_n, h_exp, atol=1e-12, rtol=1e-10, msg="h_n differs from torch")
    assert_close(c_n, c_exp, atol=1e-12, rtol=1e-10, msg="c_n differs from torch")


@pytest.mark.points(1)
def test_lstm_single_step_single_batch(student, oracle):
    """T=1, B=1: the output equals h_n of the last layer, and both match torch.nn.LSTM."""
    module, weights = oracle.make_lstm(3, 4, num_layers=2, seed=151)
    x = oracle.randn(1, 1, 3, seed=152)
    out, (h_n, c_n) = student.call("lstm:lstm", x, weights, 2)
    out_exp, (h_exp, c_exp) = oracle.torch_lstm(module, x)
    assert out.shape == (1, 1, 4) and h_n.shape == (2, 1, 4) and c_n.shape == (2, 1, 4)
    assert_close(out, out_exp, atol=1e-6, rtol=1e-5, msg="output differs from torch")
    assert_close(h_n, h_exp, atol=1e-6, rtol=1e-5, msg="h_n differs from torch")
    assert_close(c_n, c_exp, atol=1e-6, rtol=1e-5, msg="c_n differs from torch")


@pytest.mark.points(1)
def test_lstm_without_bias(student, oracle):
    """An lstm whose state_dict has no bias keys (nn.LSTM(bias=False)) matches torch, float64."""
    module, weights = oracle.make_lstm(3, 3, num_layers=2, seed=161, dtype=f64, bias=False)
    x = oracle.randn(2, 3, 3, seed=162, dtype=f64)
    out, (h_n, c_n) = student.call("lstm:lstm", x, weights, 2)
    out_exp, (h_exp, c_exp) = oracle.torch_lstm(module, x)
    assert_close(out, out_exp, atol=1e-12, rtol=1e-10, msg="output differs from torch")
    assert_close(h_n, h_exp, atol=1e-12, rtol=1e-10, msg="h_n differs from torch")
    assert_close(c_n, c_exp, atol=1e-12, rtol=1e-10, msg="c_n differs from torch")


def _probe_lstm_grads(x, weights, num_layers, h0, c0):
    """Runs in the worker: backprop a fixed loss through the student's lstm."""
    import lstm
    import torch

    x = x.clone().requires_grad_(True)
    ws = {k: v.clone().requires_grad_(True) for k, v in weights.items()}
    h0 = h0.clone().requires_grad_(True)
    out, (h_n, c_n) = lstm.lstm(x, ws, num_layers, (h0, c0))
    loss = (out * torch.arange(out.numel(), dtype=out.dtype).reshape(out.shape).sin()).sum() + (c_n**2).sum()
    loss.backward()
    return {"x": x.grad, "h0": h0.grad, **{k: w.grad for k, w in ws.items()}}


@pytest.mark.points(2)
def test_lstm_is_differentiable(student, oracle):
    """Gradients of a fixed loss through the student's lstm (2 layers, float64) equal those through torch.nn.LSTM."""
    module, weights = oracle.make_lstm(3, 4, num_layers=2, seed=171, dtype=f64)
    x = oracle.randn(2, 5, 3, seed=172, dtype=f64)
    h0, c0 = oracle.randn(2, 2, 4, seed=173, dtype=f64), oracle.randn(2, 2, 4, seed=174, dtype=f64)
    got = student.probe(_probe_lstm_grads, x, weights, 2, h0, c0)

    xr, h0r = x.clone().requires_grad_(True), h0.clone().requires_grad_(True)
    out, (_, c_n) = module(xr, (h0r, c0))
    loss = (out * torch.arange(out.numel(), dtype=out.dtype).reshape(out.shape).sin()).sum() + (c_n**2).sum()
    loss.backward()
    expected = {"x": xr.grad, "h0": h0r.grad, **{k: p.grad for k, p in module.named_parameters()}}
    assert set(got) == set(expected)
    for name, grad in expected.items():
        assert got[name] is not None, f"no gradient reached {name}"
        assert_close(got[name], grad, atol=1e-10, rtol=1e-8, msg=f"the gradient of {name} differs from torch's")
