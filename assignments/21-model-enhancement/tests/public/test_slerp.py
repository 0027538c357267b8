"""Public tests: SLERP endpoints, the arc it follows, and the lerp fallback."""

from __future__ import annotations

import math

import pytest
import torch

from autograder.harness.expect import assert_close, assert_equal


@pytest.mark.points(1)
def test_endpoints_exact(student, oracle):
    """t = 0 returns v0 and t = 1 returns v1 exactly, with v0's shape and dtype."""
    v0, v1 = oracle.randn(3, 4, seed=1, dtype=torch.float64), oracle.randn(3, 4, seed=2, dtype=torch.float64)
    assert_equal(student.call("slerp", 0.0, v0, v1), v0, dtype=True, what="slerp(0, v0, v1)")
    assert_equal(student.call("slerp", 1.0, v0, v1), v1, dtype=True, what="slerp(1, v0, v1)")


@pytest.mark.points(2)
def test_unit_vectors_follow_the_great_circle(student, oracle):
    """On unit vectors the result has norm 1 and makes the angle t*theta with v0 and (1-t)*theta with v1."""
    v0, v1 = oracle.randn(10, seed=3, dtype=torch.float64), oracle.randn(10, seed=4, dtype=torch.float64)
    v0, v1 = v0 / v0.norm(), v1 / v1.norm()
    theta = math.acos(float(v0 @ v1))
    for t in (0.25, 0.5, 0.8):
        out = student.call("slerp", t, v0, v1)
        assert isinstance(out, torch.Tensor) and out.shape == v0.shape and out.dtype == torch.float64, "shape/dtype"
        assert_close(float(out.norm()), 1.0, rel=1e-9, what="norm of the interpolated unit vector")
        assert_close(math.acos(min(1.0, float(out @ v0))), t * theta, rel=1e-6, abs=1e-9, what="angle to v0")
        assert_close(math.acos(min(1.0, float(out @ v1))), (1 - t) * theta, rel=1e-6, abs=1e-9, what="angle to v1")


@pytest.mark.points(1)
def test_colinear_falls_back_to_lerp(student, oracle):
    """Parallel and anti-parallel inputs (|cos| above the threshold) give the linear interpolation."""
    v0 = oracle.randn(2, 5, seed=5, dtype=torch.float64)
    for v1 in (3.0 * v0, -0.5 * v0):
        out = student.call("slerp", 0.3, v0, v1)
        assert_close(out, torch.lerp(v0, v1, 0.3), rel=1e-12, abs=1e-12, what="lerp fallback")
