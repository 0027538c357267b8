"""Hidden tests: load_tokens and get_batch, other files, sizes and dtypes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from autograder.harness import StudentError
from autograder.harness.expect import assert_equal


def _token_file(student, oracle, tokens, name):
    path = student.probe(oracle.write_tokens_probe, tokens, name)
    return student.call_handle("load_tokens", path, str(tokens.dtype))


@pytest.mark.points(3)
def test_get_batch_starts_uniform_within_five_sigma(student, oracle):
    """Over many calls every possible start is drawn within 5 standard deviations of its expected count,
    the first and last possible starts appear, and no start lies outside the valid range.

    Staff: 100 possible starts (n 108, T 8), 200 calls of batch 32."""
    n, T, B, calls = 108, 8, 32, 200
    data = _token_file(student, oracle, np.arange(n, dtype=np.uint16), "uniform.bin")
    counts = np.zeros(n, dtype=np.int64)
    for _ in range(calls):
        x, y = student.call("get_batch", data, B, T, "cpu")
        np.add.at(counts, x[:, 0].numpy(), 1)
    assert counts[n - T:].sum() == 0, "a start lies past n - T - 1"
    counts = counts[: n - T]
    p = 1 / (n - T)
    mean, sigma = B * calls * p, (B * calls * p * (1 - p)) ** 0.5
    assert counts[0] > 0 and counts[-1] > 0, "the first and the last possible start must both be drawn"
    assert np.all(np.abs(counts - mean) <= 5 * sigma), "the starts are not uniform (5 sigma)"


@pytest.mark.points(2)
def test_get_batch_windows_of_shuffled_tokens(student, oracle, device):
    """On distinct shuffled tokens each x row is the window at its start and y the window one token later."""
    tokens = np.random.default_rng(7).permutation(60000)[:3000].astype(np.uint16)
    where = {int(t): i for i, t in enumerate(tokens)}
    data = _token_file(student, oracle, tokens, "shuffled.bin")
    x, y = student.call("get_batch", data, 7, 13, device)
    assert x.dtype == torch.int64 and y.dtype == torch.int64 and tuple(x.shape) == tuple(y.shape) == (7, 13), \
        "x and y must be int64 (batch_size, context_length)"
    for b in range(7):
        s = where.get(int(x[b, 0]), -1)
        assert 0 <= s <= len(tokens) - 14, "a row does not start at a valid position of the data"
        assert_equal(x[b], torch.from_numpy(tokens[s:s + 13].astype(np.int64)), what="a row of x")
        assert_equal(y[b], torch.from_numpy(tokens[s + 1:s + 14].astype(np.int64)), what="a row of y")


@pytest.mark.points(1)
def test_get_batch_from_an_int32_file(student, oracle):
    """load_tokens honours the dtype argument (int32 ids beyond uint16) and get_batch returns them as int64."""
    tokens = (np.arange(40, dtype=np.int32) * 100003)
    data = _token_file(student, oracle, tokens, "wide.bin")
    x, y = student.call("get_batch", data, 3, 5, "cpu")
    s = x[:, 0] // 100003
    assert_equal(x, (s[:, None] + torch.arange(5)) * 100003, what="x from an int32 file")
    assert_equal(y, x + 100003, what="y from an int32 file")


@pytest.mark.points(1)
def test_get_batch_with_exactly_one_window(student, oracle):
    """With n == context_length + 1 the only start is 0: x is the first T tokens, y the last T."""
    tokens = np.array([5, 9, 2, 7, 1, 8], dtype=np.uint16)
    data = _token_file(student, oracle, tokens, "one.bin")
    x, y = student.call("get_batch", data, 4, 5, "cpu")
    assert_equal(x, torch.tensor([[5, 9, 2, 7, 1]] * 4), what="x")
    assert_equal(y, torch.tensor([[9, 2, 7, 1, 8]] * 4), what="y")


@pytest.mark.points(1)
def test_get_batch_too_little_data_raises(student, oracle):
    """Data shorter than context_length + 1 raises ValueError."""
    data = _token_file(student, oracle, np.arange(6, dtype=np.uint16), "short.bin")
    with pytest.raises(StudentError) as err:
        student.call("get_batch", data, 2, 6, "cpu")
    assert err.value.exc_type == "ValueError", "expected ValueError"


@pytest.mark.points(1)
def test_get_batch_puts_tensors_on_the_device_argument(student, oracle):
    """A device that does not exist makes get_batch raise: the tensors are moved to the device argument."""
    data = _token_file(student, oracle, np.arange(50, dtype=np.uint16), "dev.bin")
    with pytest.raises(StudentError) as err:
        student.call("get_batch", data, 2, 4, "cuda:99")
    assert err.value.category == "exception", "expected an exception from moving to the device"
