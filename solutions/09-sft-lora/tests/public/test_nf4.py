"""Public tests: NF4 block quantisation (properties, and committed codes: no library here computes NF4)."""

from __future__ import annotations

import pytest
import torch

from autograder.harness import StudentError
from autograder.harness.expect import assert_close, assert_equal

def _quantize(student, w, block, device):
    return student.call("nf4_quantize", student.call_handle("to_device", w, device), block)


@pytest.mark.points(2)
def test_codes_and_exact_absmax(student, oracle, device):
    """nf4_quantize returns uint8 codes in 0..15 (one per value) and the exact per-block absmax (float32)."""
    w = oracle.randn(16, 32, seed=1)
    codes, absmax = _quantize(student, w, 64, device)
    assert codes.dtype == torch.uint8, f"codes dtype {codes.dtype}, expected uint8"
    assert tuple(codes.shape) == (512,), f"codes shape {tuple(codes.shape)}, expected (512,)"
    assert int(codes.max()) <= 15, "codes must lie in 0..15"
    assert absmax.dtype == torch.float32, f"absmax dtype {absmax.dtype}, expected float32"
    assert_equal(absmax, w.reshape(-1, 64).abs().amax(dim=1), what="absmax")


@pytest.mark.points(2)
def test_codes_match_the_nearest_level(student, oracle, device):
    """Each code is the NF4 level nearest to w / absmax, and nf4_dequantize gives NF4_LEVELS[code] * absmax (1e-7)."""
    w = oracle.randn(8, 64, seed=2)
    codes, absmax = _quantize(student, w, 64, device)
    expected = torch.tensor(oracle.expected("nf4_codes_randn8x64_seed2_block64"), dtype=torch.uint8)
    assert_equal(codes, expected, what="codes")
    codes_dev = student.call_handle("to_device", codes, device)
    absmax_dev = student.call_handle("to_device", absmax, device)
    w_hat = student.call("nf4_dequantize", codes_dev, absmax_dev, [8, 64], 64)
    expected = torch.tensor(oracle.expected("nf4_dequantized_randn8x64_seed2_block64"))
    assert_close(w_hat, expected, rel=1e-6, abs=1e-7, what="dequantised weights")


@pytest.mark.points(2)
def test_error_no_worse_than_int4_rtn(student, oracle, device):
    """On Gaussian weights the NF4 round trip's mean squared error is no worse than int4 round-to-nearest's."""
    w = oracle.randn(64, 64, seed=3)
    codes, absmax = _quantize(student, w, 64, device)
    w_hat = student.call("nf4_dequantize", student.call_handle("to_device", codes, device),
                         student.call_handle("to_device", absmax, device), [64, 64], 64)
    assert tuple(w_hat.shape) == (64, 64), f"dequantised shape {tuple(w_hat.shape)}, expected (64, 64)"
    nf4 = float(((w_hat.double() - w.double()) ** 2).mean())
    assert nf4 <= oracle.int4_rtn_error(w, 64), f"NF4 error {nf4:.3g} is worse than int4 round-to-nearest"


@pytest.mark.points(1)
def test_size_not_a_multiple_of_block_raises(student, oracle, device):
    """nf4_quantize raises ValueError when w.numel() is not a multiple of block_size."""
    with pytest.raises(StudentError) as err:
        _quantize(student, oracle.randn(10, 10, seed=4), 64, device)
    assert err.value.exc_type == "ValueError", f"raised {err.value.exc_type}, expected ValueError"
