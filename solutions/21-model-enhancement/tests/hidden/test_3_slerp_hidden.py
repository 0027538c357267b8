"""Hidden tests: SLERP against mergekit's form, dtypes, thresholds and degenerate inputs."""

from __future__ import annotations

import pytest
import torch

from autograder.harness.expect import assert_close, assert_equal


def tensor_of(out, like, what):
    assert isinstance(out, torch.Tensor), f"{what}: a tensor"
    assert out.shape == like.shape and out.dtype == like.dtype, f"{what}: v0's shape and dtype"


@pytest.mark.points(3)
def test_slerp_matches_mergekit_unequal_norms(student, oracle):
    """slerp of tensors with different norms equals mergekit's form (weights applied to the unnormalised tensors).

    shapes (7,), (3, 5), (2, 2, 4); norms scaled by 0.1 / 5; t in 0.1, 0.5, 0.9.
    """
    for i, shape in enumerate(((7,), (3, 5), (2, 2, 4))):
        v0 = 0.1 * oracle.randn(*shape, seed=100 + i, dtype=torch.float64)
        v1 = 5.0 * oracle.randn(*shape, seed=200 + i, dtype=torch.float64)
        for t in (0.1, 0.5, 0.9):
            out = student.call("slerp", t, v0, v1)
            tensor_of(out, v0, "slerp")
            assert_close(out, torch.from_numpy(oracle.mergekit_slerp(t, v0.numpy(), v1.numpy())),
                         rel=1e-9, abs=1e-12, what="slerp")


@pytest.mark.points(1)
def test_slerp_float32_keeps_dtype(student, oracle):
    """float32 inputs give a float32 result equal to the float64 computation within float32 precision.

    shape (4, 6), t 0.35.
    """
    v0, v1 = oracle.randn(4, 6, seed=110), oracle.randn(4, 6, seed=111)
    out = student.call("slerp", 0.35, v0, v1)
    tensor_of(out, v0, "slerp float32")
    expected = oracle.mergekit_slerp(0.35, v0.double().numpy(), v1.double().numpy())
    assert_close(out, torch.from_numpy(expected).float(), rel=1e-5, abs=1e-6, what="float32 slerp")


@pytest.mark.points(2)
def test_slerp_threshold_boundary(student, oracle):
    """Just above the dot threshold slerp is the lerp; just below, the spherical form; a custom threshold is honoured.

    v1 at angle 0.02 rad (cos 0.9998) and 0.04 rad (cos 0.9992) from v0 in a plane; threshold 0.999 and 0.99.
    """
    import math
    e0 = torch.zeros(6, dtype=torch.float64); e0[0] = 1.0
    e1 = torch.zeros(6, dtype=torch.float64); e1[1] = 1.0
    v0 = 2.0 * e0
    for angle, threshold in ((0.02, 0.9995), (0.04, 0.9995), (0.04, 0.999), (0.1, 0.99), (0.2, 0.99)):
        v1 = 3.0 * (math.cos(angle) * e0 + math.sin(angle) * e1)
        out = student.call("slerp", 0.3, v0, v1, threshold)
        assert_close(out, torch.from_numpy(oracle.mergekit_slerp(0.3, v0.numpy(), v1.numpy(), threshold)),
                     rel=1e-10, abs=1e-13, what="slerp near the threshold")


@pytest.mark.points(1)
def test_slerp_antiparallel_and_zero(student, oracle):
    """Anti-parallel inputs use the lerp (through zero); an all-zero input is left unnormalised as the handout states.

    v1 = -2 v0; v0 all zeros with t 0.4.
    """
    v0 = oracle.randn(3, 3, seed=120, dtype=torch.float64)
    out = student.call("slerp", 0.6, v0, -2.0 * v0)
    assert_close(out, torch.from_numpy(oracle.mergekit_slerp(0.6, v0.numpy(), -2.0 * v0.numpy())),
                 rel=1e-12, abs=1e-12, what="anti-parallel")
    zero = torch.zeros(3, 3, dtype=torch.float64)
    out = student.call("slerp", 0.4, zero, v0)
    assert_close(out, torch.from_numpy(oracle.mergekit_slerp(0.4, zero.numpy(), v0.numpy())),
                 rel=1e-12, abs=1e-12, what="zero tensor")


@pytest.mark.points(1)
def test_slerp_endpoints_float32_and_lerp_branch(student, oracle):
    """Endpoints are exact for float32 tensors and on the lerp branch.

    t 0 and 1 on random float32 (5, 2) and on nearly parallel float64 vectors.
    """
    v0, v1 = oracle.randn(5, 2, seed=130), oracle.randn(5, 2, seed=131)
    assert_equal(student.call("slerp", 0.0, v0, v1), v0, dtype=True, what="t=0")
    assert_equal(student.call("slerp", 1.0, v0, v1), v1, dtype=True, what="t=1")
    a = oracle.randn(8, seed=132, dtype=torch.float64)
    b = 1.5 * a + 1e-6 * oracle.randn(8, seed=133, dtype=torch.float64)
    assert_equal(student.call("slerp", 0.0, a, b), a, dtype=True, what="t=0 lerp")
    assert_equal(student.call("slerp", 1.0, a, b), b, dtype=True, what="t=1 lerp")


@pytest.mark.points(1)
def test_slerp_norm_at_eps_is_not_normalised(student, oracle):
    """A tensor whose norm equals eps exactly is left undivided (only norms strictly above eps are normalised).

    v0 = (1e-8, 0, 0, 0), whose float64 norm is exactly 1e-8; then the same as v1.
    """
    tiny = torch.tensor([1e-8, 0.0, 0.0, 0.0], dtype=torch.float64)
    other = torch.tensor([1.0, 0.3, -0.2, 0.1], dtype=torch.float64)
    for a, b in ((tiny, other), (other, tiny)):
        out = student.call("slerp", 0.5, a, b)
        assert_close(out, torch.from_numpy(oracle.mergekit_slerp(0.5, a.numpy(), b.numpy())),
                     rel=1e-9, abs=1e-15, what="slerp with a norm equal to eps")
