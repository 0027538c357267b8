"""Public tests: the LSTM cell and the stacked LSTM against torch.nn.LSTMCell / torch.nn.LSTM."""

from __future__ import annotations

import pytest
import torch
from torch.testing import assert_close


@pytest.mark.points(3)
def test_lstm_cell_matches_torch(student, oracle):
    """lstm_cell (B=3, D=5, H=4, float32) matches torch.nn.LSTMCell with copied weights within 1e-6."""
    W_ih, W_hh, b_ih, b_hh = oracle.cell_weights(5, 4, seed=1)
    x, h, c = oracle.randn(3, 5, seed=10), oracle.randn(3, 4, seed=11), oracle.randn(3, 4, seed=12)
    h_new, c_new = student.call("lstm:lstm_cell", x, h, c, W_ih, W_hh, b_ih, b_hh)
    h_exp, c_exp = oracle.torch_lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh)
    assert_close(c_new, c_exp, atol=1e-6, rtol=1e-5, msg=lambda m: f"c: {m}")
    assert_close(h_new, h_exp, atol=1e-6, rtol=1e-5, msg=lambda m: f"h: {m}")


@pytest.mark.points(1)
def test_lstm_cell_gate_order(student):
    """With only the forget gate's bias large (gate order i, f, g, o), the cell keeps its memory: c_new ~ c."""
    H = 3
    W_ih, W_hh = torch.zeros(4 * H, 2), torch.zeros(4 * H, H)
    b_ih = torch.zeros(4 * H)
    b_ih[H : 2 * H] = 30.0  # f -> sigmoid(30) ~ 1; i = o = sigmoid(0) = 0.5, g = tanh(0) = 0
    b_hh = torch.zeros(4 * H)
    c = torch.tensor([[0.5, -1.0, 2.0]])
    h_new, c_new = student.call("lstm:lstm_cell", torch.ones(1, 2), torch.zeros(1, H), c, W_ih, W_hh, b_ih, b_hh)
    assert_close(c_new, c, atol=1e-6, rtol=0)
    assert_close(h_new, 0.5 * torch.tanh(c), atol=1e-6, rtol=0)


@pytest.mark.points(3)
def test_lstm_sequence_matches_nn_lstm(student, oracle):
    """lstm over (B=2, T=6, D=5) with one layer (H=4) and a given (h0, c0) matches torch.nn.LSTM within 1e-6."""
    module, weights = oracle.make_lstm(5, 4, num_layers=1, seed=20)
    x = oracle.randn(2, 6, 5, seed=21)
    h0, c0 = oracle.randn(1, 2, 4, seed=22), oracle.randn(1, 2, 4, seed=23)
    out, (h_n, c_n) = student.call("lstm:lstm", x, weights, 1, (h0, c0))
    out_exp, (h_exp, c_exp) = oracle.torch_lstm(module, x, (h0, c0))
    assert_close(out, out_exp, atol=1e-6, rtol=1e-5, msg=lambda m: f"output: {m}")
    assert_close(h_n, h_exp, atol=1e-6, rtol=1e-5, msg=lambda m: f"h_n: {m}")
    assert_close(c_n, c_exp, atol=1e-6, rtol=1e-5, msg=lambda m: f"c_n: {m}")


@pytest.mark.points(2)
def test_lstm_two_layers_zero_state(student, oracle):
    """A 2-layer lstm (D=3, H=5) with state=None (zeros) matches torch.nn.LSTM within 1e-6."""
    module, weights = oracle.make_lstm(3, 5, num_layers=2, seed=30)
    x = oracle.randn(3, 4, 3, seed=31)
    out, (h_n, c_n) = student.call("lstm:lstm", x, weights, 2)
    out_exp, (h_exp, c_exp) = oracle.torch_lstm(module, x)
    assert_close(out, out_exp, atol=1e-6, rtol=1e-5, msg=lambda m: f"output: {m}")
    assert_close(h_n, h_exp, atol=1e-6, rtol=1e-5, msg=lambda m: f"h_n: {m}")
    assert_close(c_n, c_exp, atol=1e-6, rtol=1e-5, msg=lambda m: f"c_n: {m}")


@pytest.mark.points(1)
def test_lstm_is_written_from_scratch(student, oracle):
    """lstm runs, and lstm.py keeps the import policy: none of torch's LSTM modules or kernels (nn.LSTM, nn.LSTMCell, torch.lstm, _VF), no dynamic detours (the manifest's [[policy]] rule, checked before grading, zeroes this test on a violation)."""
    module, weights = oracle.make_lstm(2, 2, num_layers=1, seed=40)
    x = oracle.randn(1, 3, 2, seed=41)
    out, _ = student.call("lstm:lstm", x, weights, 1)
    assert_close(out, oracle.torch_lstm(module, x)[0], atol=1e-6, rtol=1e-5)
