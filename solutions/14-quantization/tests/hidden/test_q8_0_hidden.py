"""Hidden tests: Q8_0 bytes against gguf-py on other shapes, magnitudes and edge cases."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.harness import StudentError
from autograder.harness.expect import assert_equal


@pytest.mark.points(3)
def test_q8_0_random_shapes_and_magnitudes(student, oracle):
    """quantize_q8_0 equals gguf.quants.quantize byte for byte on tensors of one to three dims, float32
    and float64 input, over many orders of magnitude, and on a tensor with an empty leading axis
    (no blocks at all: the leading axes are still kept)."""
    rng = np.random.default_rng(50)
    cases = [rng.standard_normal(32).astype(np.float32),
             (rng.standard_normal((5, 256)) * 1e-3).astype(np.float32),
             rng.standard_normal((3, 2, 96)) * 1e3,
             (rng.laplace(size=(7, 64)) * 40).astype(np.float32),
             np.zeros((2, 0, 64), dtype=np.float32)]
    for x in cases:
        assert_equal(student.call("quantize_q8_0", x), oracle.q8_0(x), dtype=True, what=f"Q8_0 bytes of a {x.ndim}-D tensor")


@pytest.mark.points(2)
def test_q8_0_extreme_blocks(student, oracle):
    """Blocks whose float16 scale is subnormal, underflows to zero, is near the float16 maximum or
    overflows to infinity, a block of one outlier and negative zeros all equal gguf's bytes."""
    rng = np.random.default_rng(51)
    base = rng.standard_normal((8, 32)).astype(np.float32)
    scales = np.array([1e-6, 1e-9, 1e-12, 8.0e6, 9.0e6, 1e10, 1.0, 3.0], dtype=np.float32)
    x = base * scales[:, None]
    x[6] = 0.0
    x[6, 5] = -1e-3  # one outlier, the rest zeros
    x[7, ::2] = -0.0
    x = np.concatenate([x, (base[:1] / np.abs(base[:1]).max() * 127).astype(np.float32)])  # d exactly 1
    x[-1, 3] = np.float32(-2.5)
    assert_equal(student.call("quantize_q8_0", x.astype(np.float32)), oracle.q8_0(x), dtype=True,
                 what="Q8_0 bytes of extreme blocks")


@pytest.mark.points(2)
def test_q8_0_near_ties_hidden(student, oracle):
    """Values within one float32 step of a rounding boundary round as ggml's float32 x * (1 / d) does."""
    rng = np.random.default_rng(52)
    rows = []
    for _ in range(24):
        amax = np.float32(rng.uniform(0.01, 50.0)) * np.float32(rng.choice([-1, 1]))
        d = abs(amax) / np.float32(127)
        k = rng.integers(-126, 127, 31)
        near = ((k + 0.5) * np.float64(d)).astype(np.float32)
        near = np.nextafter(near, near + rng.choice([-2, -1, 0, 1, 2], size=31).astype(np.float32))
        rows.append(rng.permutation(np.concatenate([[amax], near]).astype(np.float32)))
    x = np.stack(rows).reshape(4, 6 * 32)
    assert_equal(student.call("quantize_q8_0", x), oracle.q8_0(x), dtype=True, what="Q8_0 bytes of near-tie blocks")
    # float64 input exactly on the float64 ties, converted to float32 first
    rows = []
    for _ in range(16):
        amax = np.float32(rng.uniform(0.01, 50.0))
        d = np.float64(amax / np.float32(127))
        k = rng.integers(-126, 127, 31)
        rows.append(np.concatenate([[np.float64(amax)], (k + 0.5) * d + rng.choice([-1, 0, 1], size=31) * d * 1e-9]))
    x = np.stack(rows)
    assert_equal(student.call("quantize_q8_0", x), oracle.q8_0(x), dtype=True,
                 what="Q8_0 bytes of float64 near-tie blocks")


@pytest.mark.points(1)
def test_q8_0_rejects_bad_lengths(student):
    """quantize_q8_0 raises ValueError when the last axis is not a whole number of blocks, and
    dequantize_q8_0 when its last axis is not a whole number of block records."""
    for x in (np.ones((2, 48), dtype=np.float32), np.ones(31, dtype=np.float32)):
        with pytest.raises(StudentError) as info:
            student.call("quantize_q8_0", x)
        assert info.value.exc_type == "ValueError", "a partial block must raise ValueError"
    with pytest.raises(StudentError) as info:
        student.call("dequantize_q8_0", np.zeros((2, 50), dtype=np.uint8))
    assert info.value.exc_type == "ValueError", "a partial block record must raise ValueError"


@pytest.mark.points(1)
def test_dequantize_q8_0_hidden(student, oracle):
    """dequantize_q8_0 equals gguf.quants.dequantize on data of several shapes, with zero blocks, and on
    data with an empty leading axis (no blocks at all: the leading axes are still kept)."""
    rng = np.random.default_rng(53)
    x = (rng.standard_normal((2, 3, 64)) * 7).astype(np.float32)
    x[1, 2, :32] = 0.0
    long = (rng.standard_normal(40 * 32) * 3).astype(np.float32)  # one row of many blocks
    empty = np.zeros((2, 0, 68), dtype=np.uint8)  # no blocks: the leading axes kept
    for data in (oracle.q8_0(x), oracle.q8_0(x.reshape(-1)), oracle.q8_0(long), empty):
        assert_equal(student.call("dequantize_q8_0", data), oracle.dequant_q8_0(data), dtype=True,
                     what="dequantized values")
