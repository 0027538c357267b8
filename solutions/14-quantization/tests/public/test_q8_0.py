"""Public tests: ggml's Q8_0 blocks, byte for byte against gguf-py (gguf.quants)."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.harness.expect import assert_equal


@pytest.mark.points(3)
def test_q8_0_bytes_equal_gguf(student, oracle):
    """quantize_q8_0 of a random float32 (4, 64) tensor equals gguf.quants.quantize(x, Q8_0) byte for byte
    (uint8, shape (4, 68))."""
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((4, 64)) * 3.0).astype(np.float32)
    assert_equal(student.call("quantize_q8_0", x), oracle.q8_0(x), dtype=True, what="the Q8_0 bytes")


@pytest.mark.points(1)
def test_q8_0_ties_round_away_from_zero_and_zero_block(student, oracle):
    """A block whose absmax is 127 (d = 1) rounds x.5 away from zero (2.5 -> 3, -0.5 -> -1), and an
    all-zero block is d = 0 with q = 0; both equal gguf's bytes."""
    block = np.zeros(32, dtype=np.float32)
    block[:8] = [127.0, 2.5, -2.5, 0.5, -0.5, 1.5, -126.5, 3.4]
    x = np.stack([block, np.zeros(32, dtype=np.float32)])
    got = student.call("quantize_q8_0", x)
    assert_equal(got, oracle.q8_0(x), dtype=True, what="the Q8_0 bytes")
    assert_equal(got[0, 2:10].view(np.int8), np.array([127, 3, -3, 1, -1, 2, -127, 3], dtype=np.int8),
                 what="the int8 values of the first block")


@pytest.mark.points(2)
def test_q8_0_near_ties_follow_the_float32_product(student, oracle):
    """Values a hair away from x.5 steps round as ggml does, from the float32 product x * (1 / d):
    the bytes equal gguf's."""
    rng = np.random.default_rng(3)
    rows = []
    for _ in range(8):
        amax = np.float32(rng.uniform(0.5, 3.0))
        d = amax / np.float32(127)
        k = rng.integers(-126, 127, 31)
        near = ((k + 0.5) * np.float64(d)).astype(np.float32)
        near = np.nextafter(near, near + rng.choice([-1, 0, 1], size=31).astype(np.float32))
        rows.append(np.concatenate([[amax], near]).astype(np.float32))
    x = np.stack(rows)
    assert_equal(student.call("quantize_q8_0", x), oracle.q8_0(x), dtype=True, what="the Q8_0 bytes")


@pytest.mark.points(1)
def test_dequantize_q8_0_matches_gguf(student, oracle):
    """dequantize_q8_0 of gguf's Q8_0 bytes equals gguf.quants.dequantize (float32, exact)."""
    rng = np.random.default_rng(1)
    data = oracle.q8_0(rng.standard_normal((3, 96)).astype(np.float32))
    assert_equal(student.call("dequantize_q8_0", data), oracle.dequant_q8_0(data), dtype=True,
                 what="the dequantized values")
