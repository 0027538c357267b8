"""Public tests: load_tokens and get_batch on a token file opened as a np.memmap."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from autograder.harness.expect import assert_equal


def _token_file(student, oracle, tokens: np.ndarray, name: str):
    path = student.probe(oracle.write_tokens_probe, tokens, name)
    return student.call_handle("load_tokens", path, str(tokens.dtype))


@pytest.mark.points(1)
def test_load_tokens_opens_the_file_as_a_memmap(student, oracle):
    """load_tokens returns a memmap (it has a filename) holding the file's uint16 tokens."""
    tokens = np.random.default_rng(0).integers(0, 60000, size=300).astype(np.uint16)
    data = _token_file(student, oracle, tokens, "public-load.bin")
    assert isinstance(data.get("filename"), str), "a np.memmap has a filename"
    assert_equal(data.call("tolist"), tokens.tolist(), what="the tokens read back")


@pytest.mark.points(2)
def test_get_batch_windows_shift_dtype_and_device(student, oracle, device):
    """x rows are windows of the data, y is x shifted by one token; int64, (B, T), on the device."""
    tokens = np.arange(200, dtype=np.uint16)
    data = _token_file(student, oracle, tokens, "public-batch.bin")
    batch = student.call_handle("get_batch", data, 5, 8, device)
    x, y = batch.call("__getitem__", 0), batch.call("__getitem__", 1)
    for name, t in (("x", x), ("y", y)):
        assert isinstance(t, torch.Tensor) and t.dtype == torch.int64, f"{name} must be an int64 tensor"
        assert tuple(t.shape) == (5, 8), f"{name} must have shape (batch_size, context_length)"
    starts = x[:, 0]
    assert int(starts.min()) >= 0 and int(starts.max()) <= 200 - 8 - 1, "a start lies outside 0 .. n - T - 1"
    assert_equal(x, starts[:, None] + torch.arange(8), what="x (rows must be consecutive tokens)")
    assert_equal(y, x + 1, what="y (must be x shifted by one token)")
    for i in (0, 1):
        is_cuda = batch.call_handle("__getitem__", i).get("is_cuda")
        assert is_cuda is (device == "cuda"), f"the tensors must be on the device argument ({device})"


@pytest.mark.points(2)
def test_get_batch_starts_are_uniform(student, oracle):
    """Over 2000 draws every possible start appears within 5 standard deviations of its expected count,
    and the first and the last possible starts both appear."""
    n, T, B, calls = 58, 8, 20, 100  # 50 possible starts
    data = _token_file(student, oracle, np.arange(n, dtype=np.uint16), "public-uniform.bin")
    counts = np.zeros(n - T, dtype=np.int64)
    for _ in range(calls):
        x, _ = student.call("get_batch", data, B, T, "cpu")
        starts = x[:, 0].numpy()
        assert starts.min() >= 0 and starts.max() <= n - T - 1, "a start lies outside 0 .. n - T - 1"
        np.add.at(counts, starts, 1)
    p = 1 / (n - T)
    mean, sigma = B * calls * p, (B * calls * p * (1 - p)) ** 0.5
    assert counts[0] > 0 and counts[-1] > 0, "the first and the last possible start must both be drawn"
    assert np.all(np.abs(counts - mean) <= 5 * sigma), "some start is drawn too often or too rarely for uniform sampling"
