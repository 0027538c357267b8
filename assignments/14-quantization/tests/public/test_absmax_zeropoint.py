"""Public tests: rounding, absmax and zero-point quantization per tensor / row / group, dequantization."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.harness.expect import assert_close, assert_equal


def _dtype(got, dtype, what):
    assert isinstance(got, np.ndarray) and got.dtype == dtype, f"{what} must be a numpy {np.dtype(dtype).name} array"


@pytest.mark.points(1)
def test_round_half_away_from_zero_ties(student):
    """round_half_away_from_zero sends ties away from zero (2.5 -> 3, -2.5 -> -3), keeps the dtype,
    and rounds the float32 just below 0.5 to 0."""
    x = np.array([0.5, 1.5, 2.5, -0.5, -2.5, 3.2, -3.7, 0.0], dtype=np.float64)
    got = student.call("round_half_away_from_zero", x)
    assert_equal(got, np.array([1.0, 2.0, 3.0, -1.0, -3.0, 3.0, -4.0, 0.0]), what="rounded float64 values")
    _dtype(got, np.float64, "the result for float64 input")
    below = np.array([np.nextafter(np.float32(0.5), np.float32(0)), -np.nextafter(np.float32(0.5), np.float32(0)),
                      np.float32(126.5), np.float32(-127.5)], dtype=np.float32)
    got = student.call("round_half_away_from_zero", below)
    assert_equal(got, np.array([0.0, -0.0, 127.0, -128.0], dtype=np.float32), what="rounded float32 values")
    _dtype(got, np.float32, "the result for float32 input")


W_ABSMAX = np.array([[14.0, 5.0, -3.0, 1.0], [-7.0, 3.5, 0.5, 2.5]])


@pytest.mark.points(2)
def test_absmax_hand_made_tensor(student):
    """absmax_quantize at 4 bits (qmax 7): exact integers per tensor, per row and per group of 2,
    ties rounded half to even; scales of shape (1, 1), (rows, 1), (rows, cols // 2)."""
    q, scale = student.call("absmax_quantize", W_ABSMAX, 4, "tensor")
    _dtype(q, np.int8, "q")
    assert_equal(q, np.array([[7, 2, -2, 0], [-4, 2, 0, 1]], dtype=np.int8), what="q per tensor")
    assert_close(scale, np.array([[2.0]]), rel=1e-15, what="the scale per tensor")
    q, scale = student.call("absmax_quantize", W_ABSMAX, 4, "row")
    assert_equal(q, np.array([[7, 2, -2, 0], [-7, 4, 0, 2]], dtype=np.int8), what="q per row")
    assert_close(scale, np.array([[2.0], [1.0]]), rel=1e-15, what="the scales per row")
    q, scale = student.call("absmax_quantize", W_ABSMAX, 4, "group", 2)
    assert_equal(q, np.array([[7, 2, -7, 2], [-7, 4, 1, 7]], dtype=np.int8), what="q per group")
    assert_close(scale, np.array([[2.0, 3 / 7], [1.0, 2.5 / 7]]), rel=1e-15, what="the scales per group")


W_ZEROPOINT = np.array([[-1.0, 0.0, 1.0, 2.0], [0.5, 2.5, 1.5, 3.0], [-3.0, -1.5, -0.5, 0.0], [0.0, 0.0, 0.0, 0.0]])


@pytest.mark.points(2)
def test_zeropoint_hand_made_tensor(student):
    """zeropoint_quantize at 2 bits (qmax 3): exact q, scale and zero per row (the range always holds 0,
    an all-zero row uses lo, hi = -1, 1) and per tensor (clipping at qmax); dtypes uint8, float64, int64."""
    q, scale, zero = student.call("zeropoint_quantize", W_ZEROPOINT, 2, "row")
    _dtype(q, np.uint8, "q")
    _dtype(zero, np.int64, "zero")
    _dtype(scale, np.float64, "scale")
    assert_equal(q, np.array([[0, 1, 2, 3], [0, 2, 2, 3], [0, 1, 3, 3], [2, 2, 2, 2]], dtype=np.uint8), what="q per row")
    assert_close(scale, np.array([[1.0], [1.0], [1.0], [2 / 3]]), rel=1e-15, what="the scales per row")
    assert_equal(zero, np.array([[1], [0], [3], [2]]), what="the zero points per row")
    q, scale, zero = student.call("zeropoint_quantize", W_ZEROPOINT, 2, "tensor")
    assert_equal(q, np.array([[2, 2, 2, 3], [2, 3, 3, 3], [0, 1, 2, 2], [2, 2, 2, 2]], dtype=np.uint8), what="q per tensor")
    assert_close(scale, np.array([[2.0]]), rel=1e-15, what="the scale per tensor")
    assert_equal(zero, np.array([[2]]), what="the zero point per tensor")


@pytest.mark.points(2)
def test_group_quantization_matches_committed_values(student, oracle):
    """absmax and zero-point quantization per group of 8 at 4 bits of a random (4, 16) weight, and
    their dequantization, equal the committed values (q exact, scales and w_hat rel 1e-12)."""
    case = oracle.expected("group_case")
    w = np.array(case["w"])
    q, scale = student.call("absmax_quantize", w, 4, "group", 8)
    assert_equal(q, np.array(case["absmax_q"], dtype=np.int8), what="absmax q")
    assert_close(scale, np.array(case["absmax_scale"]), rel=1e-12, what="absmax scales")
    assert_close(student.call("dequantize", q, scale), np.array(case["absmax_w_hat"]), rel=1e-12, abs=1e-12,
                 what="absmax w_hat")
    q, scale, zero = student.call("zeropoint_quantize", w, 4, "group", 8)
    assert_equal(q, np.array(case["zeropoint_q"], dtype=np.uint8), what="zero-point q")
    assert_close(scale, np.array(case["zeropoint_scale"]), rel=1e-12, what="zero-point scales")
    assert_equal(zero, np.array(case["zeropoint_zero"]), what="zero points")
    assert_close(student.call("dequantize", q, scale, zero), np.array(case["zeropoint_w_hat"]), rel=1e-12, abs=1e-12,
                 what="zero-point w_hat")


@pytest.mark.points(2)
def test_error_at_most_half_a_step_and_no_nan_on_zeros(student):
    """|w - dequantize(quantize(w))| <= scale / 2 for absmax and zero-point at every granularity;
    an all-zero weight gives finite scales, q = 0 (absmax) and w_hat = 0."""
    rng = np.random.default_rng(7)
    w = rng.standard_normal((6, 32)) * 2.0
    for per in ("tensor", "row", "group"):
        q, scale = student.call("absmax_quantize", w, 3, per, 8)
        w_hat = student.call("dequantize", q, scale)
        step = np.repeat(np.broadcast_to(scale, (6, scale.shape[1])), 32 // scale.shape[1], axis=1)
        assert np.all(np.abs(w - w_hat) <= step / 2 * (1 + 1e-12)), f"absmax per {per}: an error exceeds scale / 2"
        q, scale, zero = student.call("zeropoint_quantize", w, 3, per, 8)
        w_hat = student.call("dequantize", q, scale, zero)
        step = np.repeat(np.broadcast_to(scale, (6, scale.shape[1])), 32 // scale.shape[1], axis=1)
        assert np.all(np.abs(w - w_hat) <= step / 2 * (1 + 1e-12)), f"zero-point per {per}: an error exceeds scale / 2"
    zeros = np.zeros((3, 8))
    q, scale = student.call("absmax_quantize", zeros, 8, "row")
    assert_equal(q, np.zeros((3, 8), dtype=np.int8), what="absmax q of a zero weight")
    assert np.all(np.isfinite(scale)), "absmax: a zero weight gave a non-finite scale"
    assert_equal(student.call("dequantize", q, scale), np.zeros((3, 8)), what="absmax w_hat of a zero weight")
    q, scale, zero = student.call("zeropoint_quantize", zeros, 8, "row")
    assert np.all(np.isfinite(scale)) and np.all(scale > 0), "zero-point: a zero weight gave a bad scale"
    assert_equal(student.call("dequantize", q, scale, zero), np.zeros((3, 8)), what="zero-point w_hat of a zero weight")
