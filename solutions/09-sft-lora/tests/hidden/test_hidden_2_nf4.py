"""Hidden tests: NF4 on other shapes, block sizes, scales and edge cases, against a brute-force oracle."""

from __future__ import annotations

import pytest
import torch

from autograder.harness import StudentError
from autograder.harness.expect import assert_close, assert_equal


def _to(student, device, x):
    return student.call_handle("to_device", x, device)


@pytest.mark.points(2)
def test_codes_and_absmax_match_oracle_other_shapes(student, oracle, device):
    """Codes and absmax equal the brute-force nearest-level oracle for other shapes, block sizes and dtypes (exact).

    (24, 32) block 32 float32; (4, 8, 16) block 128 float64; (3, 40) block 8 scaled 0.02."""
    cases = [((24, 32), 32, torch.float32, 1.0), ((4, 8, 16), 128, torch.float64, 1.0), ((3, 40), 8, torch.float32, 0.02)]
    for k, (shape, block, dtype, scale) in enumerate(cases):
        w = oracle.randn(*shape, seed=401 + k, dtype=dtype, scale=scale)
        codes, absmax = student.call("nf4_quantize", _to(student, device, w), block)
        exp_codes, exp_absmax = oracle.nf4_reference(w, block)
        assert codes.dtype == torch.uint8, f"codes dtype {codes.dtype}"
        assert absmax.dtype == torch.float32, f"absmax dtype {absmax.dtype}"
        assert_equal(codes, exp_codes, what="codes")
        assert_equal(absmax, exp_absmax, what="absmax")


@pytest.mark.points(2)
def test_extremes_zero_block_and_exact_ties(student, oracle, device):
    """The block's largest |w| maps to the first or last code, a block of zeros gives the code of the zero level and a zero absmax (dequantised to zeros), and exact ties take the lower code."""
    levels = oracle.NF4_LEVELS
    w = oracle.randn(4, 16, seed=411)
    w[0, 3] = -5.0  # block 0: the minimum is the absmax -> code 0
    w[1, 7] = 4.0  # block 1: the maximum -> code 15
    w[2] = 0.0  # block 2: all zeros
    w[3] = 0.0
    w[3, 0] = 1.0  # block 3: absmax 1, then exact midpoints between level 7 (0.0) and its neighbours
    w[3, 1] = levels[8] / 2
    w[3, 2] = levels[6] / 2
    w[3, 3] = -1.0
    codes, absmax = student.call("nf4_quantize", _to(student, device, w), 16)
    assert_equal(absmax, torch.tensor([5.0, 4.0, 0.0, 1.0]), what="absmax")
    codes = codes.reshape(4, 16)
    assert int(codes[0, 3]) == 0 and int(codes[1, 7]) == 15, "the block extremes map to codes 0 and 15"
    assert_equal(codes[2], torch.full((16,), 7, dtype=torch.uint8), what="codes of a zero block")
    assert [int(c) for c in codes[3, :4]] == [15, 7, 6, 0], "ties go to the lower code"
    w_hat = student.call("nf4_dequantize", _to(student, device, codes.reshape(-1)), _to(student, device, absmax), [4, 16], 16)
    assert_equal(w_hat[2], torch.zeros(16), what="dequantised zero block")
    assert_equal(w_hat[0, 3], torch.tensor(-5.0), what="dequantised block minimum")


@pytest.mark.points(1)
def test_dequantize_matches_oracle_random_codes(student, oracle, device):
    """nf4_dequantize of arbitrary codes and absmax values equals NF4_LEVELS[code] * absmax in row-major blocks (1e-7)."""
    g = torch.Generator().manual_seed(421)
    codes = torch.randint(16, (96,), generator=g).to(torch.uint8)
    absmax = torch.rand(3, generator=g) * 3
    w_hat = student.call("nf4_dequantize", _to(student, device, codes), _to(student, device, absmax), [2, 6, 8], 32)
    assert w_hat.dtype == torch.float32, f"dtype {w_hat.dtype}"
    assert_close(w_hat, oracle.nf4_reference_dequantize(codes, absmax, (2, 6, 8), 32), rel=1e-6, abs=1e-7,
                 what="dequantised weights")


@pytest.mark.points(2)
def test_error_beats_int4_rtn_several_cases(student, oracle, device):
    """On Gaussian weights of several sizes, scales and block sizes, the NF4 quantise-dequantise error is no worse than int4 round-to-nearest's and the dequantised values equal the oracle's."""
    for k, (shape, block, scale) in enumerate((((32, 48), 64, 0.02), ((128,), 16, 1.0), ((16, 64), 256, 3.0))):
        w = oracle.randn(*shape, seed=431 + k, scale=scale)
        codes, absmax = student.call("nf4_quantize", _to(student, device, w), block)
        w_hat = student.call("nf4_dequantize", _to(student, device, codes), _to(student, device, absmax), list(shape), block)
        exp_codes, exp_absmax = oracle.nf4_reference(w, block)
        expected = oracle.nf4_reference_dequantize(exp_codes, exp_absmax, shape, block)
        assert_close(w_hat, expected, rel=1e-6, abs=1e-9, what="round trip")
        nf4 = float(((w_hat.double() - w.double()) ** 2).mean())
        assert nf4 <= oracle.int4_rtn_error(w, block), "NF4 error is worse than int4 round-to-nearest"


@pytest.mark.points(1)
def test_block_of_one_value(student, oracle, device):
    """A block size of one is valid: every absmax is |w| and every code is an end level or the zero level."""
    w = oracle.randn(3, 4, seed=451)
    w[1, 2] = 0.0
    codes, absmax = student.call("nf4_quantize", _to(student, device, w), 1)
    exp_codes, exp_absmax = oracle.nf4_reference(w, 1)
    assert_equal(codes, exp_codes, what="codes")
    assert_equal(absmax, exp_absmax, what="absmax")


@pytest.mark.points(1)
def test_bad_block_sizes_raise(student, oracle, device):
    """nf4_quantize raises ValueError for a block size that does not divide the number of values, and for a block size below 1."""
    w = _to(student, device, oracle.randn(6, 8, seed=441))
    for block in (5, 0):
        with pytest.raises(StudentError) as err:
            student.call("nf4_quantize", w, block)
        assert err.value.exc_type == "ValueError", f"raised {err.value.exc_type}"
