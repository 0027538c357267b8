"""Hidden tests: rounding, absmax and zero-point quantization, dequantization (other shapes, bits, seeds)."""

from __future__ import annotations

import numpy as np
import pytest
from gguf.quants import np_roundf

from autograder.harness import StudentError
from autograder.harness.expect import assert_close, assert_equal

CASES = [  # (rows, cols, bits, per, group_size, dtype)
    (5, 24, 8, "tensor", 8, np.float64),
    (7, 32, 4, "row", 32, np.float32),
    (6, 48, 3, "group", 16, np.float64),
    (3, 64, 2, "group", 8, np.float64),
    (4, 40, 5, "group", 20, np.float32),
    (9, 12, 6, "row", 4, np.float64),
    (3, 5, 7, "group", 1, np.float64),
]


def _weight(seed, rows, cols, dtype):
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((rows, cols)) * rng.uniform(0.01, 10.0)
    w[0, : cols // 4] = 0.0  # a zero run: an all-zero group at the finer granularities
    w[-1, -1] *= 25.0  # an outlier
    return w.astype(dtype)


@pytest.mark.points(1)
def test_round_half_away_matches_ggml_rounding(student):
    """round_half_away_from_zero equals gguf-py's np_roundf (ggml's roundf) on ties, near-ties and large
    values, in float32 and float64, and keeps the dtype."""
    rng = np.random.default_rng(40)
    ints = rng.integers(-300, 300, 64).astype(np.float64)
    for dtype in (np.float32, np.float64):
        x = np.concatenate([ints + 0.5, ints - 0.5, rng.standard_normal(64) * 1e3,
                            [0.0, 2.0 ** 40 + 0.5, -(2.0 ** 22) - 0.5]]).astype(dtype)
        x = np.concatenate([x, np.nextafter(x, np.zeros_like(x)), np.nextafter(x, x * 2)]).astype(dtype)
        got = student.call("round_half_away_from_zero", x)
        assert isinstance(got, np.ndarray) and got.dtype == dtype, "the result does not keep the input dtype"
        assert_equal(got, np_roundf(x).astype(dtype), what="rounded values")


@pytest.mark.points(3)
def test_absmax_matches_the_oracle(student, oracle):
    """absmax_quantize gives the oracle's q (int8, exact) and scales at several shapes, bit widths and
    granularities, with all-zero groups and outliers."""
    for seed, (rows, cols, bits, per, gs, dtype) in enumerate(CASES):
        w = _weight(seed, rows, cols, dtype)
        q, scale = student.call("absmax_quantize", w, bits, per, gs)
        eq, es = oracle.absmax_oracle(w, bits, per, gs)
        assert isinstance(q, np.ndarray) and q.dtype == np.int8, "q is not an int8 array"
        assert_equal(q, eq, what=f"q ({per})")
        assert_close(scale, es, rel=1e-14, abs=0, what=f"scale ({per})")


@pytest.mark.points(3)
def test_zeropoint_matches_the_oracle(student, oracle):
    """zeropoint_quantize gives the oracle's q (uint8), scales and zero points (int64) at several shapes,
    bit widths and granularities, with all-zero groups, all-positive and all-negative groups."""
    for seed, (rows, cols, bits, per, gs, dtype) in enumerate(CASES):
        w = _weight(seed + 10, rows, cols, dtype)
        w[1] = np.abs(w[1])  # lo clamps to 0
        w[2 % rows] = -np.abs(w[2 % rows]) - 0.1  # hi clamps to 0
        q, scale, zero = student.call("zeropoint_quantize", w, bits, per, gs)
        eq, es, ez = oracle.zeropoint_oracle(w, bits, per, gs)
        assert isinstance(q, np.ndarray) and q.dtype == np.uint8, "q is not a uint8 array"
        assert isinstance(zero, np.ndarray) and zero.dtype == np.int64, "zero is not an int64 array"
        assert_equal(q, eq, what=f"q ({per})")
        assert_close(scale, es, rel=1e-14, abs=0, what=f"scale ({per})")
        assert_equal(zero, ez, what=f"zero ({per})")


@pytest.mark.points(2)
def test_dequantize_matches_the_oracle(student, oracle):
    """dequantize repeats per-tensor, per-row and per-group scales (and zero points) over their columns
    and returns float64 (q - zero) * scale."""
    rng = np.random.default_rng(41)
    q8 = rng.integers(-127, 128, (6, 24)).astype(np.int8)
    qu = rng.integers(0, 16, (6, 24)).astype(np.uint8)
    for shape in ((1, 1), (6, 1), (6, 3), (6, 8)):
        scale = rng.uniform(0.01, 2.0, shape)
        zero = rng.integers(0, 16, shape).astype(np.int64)
        got = student.call("dequantize", q8, scale)
        assert isinstance(got, np.ndarray) and got.dtype == np.float64, "dequantize does not return float64"
        assert_close(got, oracle.dequant_oracle(q8, scale), rel=1e-15, abs=0, what=f"w_hat with scale {shape}")
        assert_close(student.call("dequantize", qu, scale, zero), oracle.dequant_oracle(qu, scale, zero),
                     rel=1e-15, abs=1e-15, what=f"w_hat with scale and zero {shape}")


@pytest.mark.points(1)
def test_ties_round_half_to_even(student):
    """absmax and zero-point quantization round exact ties half to even, not away from zero.

    Scale 1 (absmax 127 at 8 bits; zero-point range 0..255), values k + 0.5."""
    w = np.array([[127.0, 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 100.5]])
    q, _ = student.call("absmax_quantize", w, 8, "row")
    assert_equal(q, np.array([[127, 0, 2, 2, 0, -2, -2, 100]], dtype=np.int8), what="absmax q")
    w = np.array([[255.0, 0.5, 1.5, 2.5, 3.5, 0.0, 200.5, 254.5]])
    q, _, zero = student.call("zeropoint_quantize", w, 8, "row")
    assert_equal(q, np.array([[255, 0, 2, 2, 4, 0, 200, 254]], dtype=np.uint8), what="q of zeropoint_quantize")
    assert_equal(zero, np.array([[0]]), what="zero")


@pytest.mark.points(2)
def test_error_bound_over_seeds(student):
    """The dequantization error stays within half a step for every bit width and granularity, over
    several seeds, and nothing is NaN."""
    for seed in range(4):
        rng = np.random.default_rng(100 + seed)
        w = rng.standard_normal((4, 32)) * 10.0 ** rng.uniform(-3, 3)
        bits = 2 + seed * 2
        for per in ("tensor", "row", "group"):
            q, scale = student.call("absmax_quantize", w, bits, per, 16)
            w_hat = student.call("dequantize", q, scale)
            step = np.repeat(np.broadcast_to(scale, (4, scale.shape[1])), 32 // scale.shape[1], axis=1)
            assert np.all(np.isfinite(w_hat)), "absmax: w_hat has a non-finite value"
            assert np.all(np.abs(w - w_hat) <= step / 2 * (1 + 1e-12)), f"absmax per {per}: error above scale / 2"
            q, scale, zero = student.call("zeropoint_quantize", w, bits, per, 16)
            w_hat = student.call("dequantize", q, scale, zero)
            step = np.repeat(np.broadcast_to(scale, (4, scale.shape[1])), 32 // scale.shape[1], axis=1)
            assert np.all(np.isfinite(w_hat)), "zero-point: w_hat has a non-finite value"
            assert np.all(np.abs(w - w_hat) <= step / 2 * (1 + 1e-12)), f"zero-point per {per}: error above scale / 2"


@pytest.mark.points(1)
def test_invalid_arguments_raise_value_error(student):
    """Both quantizers raise ValueError for a weight that is not 2-D, bits outside the allowed range,
    an unknown granularity and a group size that does not divide the columns."""
    w = np.ones((4, 12))
    bad = [((np.ones(12), 8, "tensor", 4), "a 1-D weight"), ((w, 1, "row", 4), "bits below the range"),
           ((w, 9, "row", 4), "bits above the range"), ((w, 8, "column", 4), "a bad per value"),
           ((w, 8, "group", 5), "a non-dividing group size"),
           ((w, 8, "group", 0), "a group size below one")]
    for name in ("absmax_quantize", "zeropoint_quantize"):
        for args, what in bad:
            with pytest.raises(StudentError) as info:
                student.call(name, *args)
            assert info.value.exc_type == "ValueError", f"{name} with {what} must raise ValueError"
