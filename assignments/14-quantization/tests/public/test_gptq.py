"""Public tests: GPTQ on a small linear layer against round-to-nearest on the same grid."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.harness.expect import assert_close


def gptq_case():
    """The layer of the committed case: W (16, 32), correlated calibration inputs X (128, 32)."""
    rng = np.random.default_rng(2024)
    W = rng.standard_normal((16, 32))
    A = rng.standard_normal((32, 32)) / np.sqrt(32) + 0.3 * np.eye(32)
    X = rng.standard_normal((128, 32)) @ A
    return W, X


def layer_error(X, W, W_hat) -> float:
    return float(np.linalg.norm(X @ W.T - X @ np.asarray(W_hat, dtype=np.float64).T))


@pytest.mark.points(3)
def test_gptq_beats_round_to_nearest(student, oracle):
    """GPTQ at 4 bits per row: the calibration error ||X W^T - X W_hat^T|| is lower than
    round-to-nearest's on the same grid (committed value), and W_hat is float64 of W's shape."""
    W, X = gptq_case()
    W_hat = student.call("gptq", W, X, 4, None, 0.01)
    assert isinstance(W_hat, np.ndarray) and W_hat.dtype == np.float64 and W_hat.shape == W.shape, \
        "gptq must return a float64 array of W's shape"
    rtn = oracle.expected("gptq_case")["rtn_error"]
    assert layer_error(X, W, W_hat) < rtn, "GPTQ's calibration error is not lower than round-to-nearest's"


@pytest.mark.points(2)
def test_gptq_stays_on_the_grid(student, oracle):
    """Every entry of GPTQ's W_hat (4 bits, groups of 8) is (q - zero) * scale with an integer q in
    0..15, for the zero-point scale and zero of the original W (committed values)."""
    W, X = gptq_case()
    case = oracle.expected("gptq_case")
    W_hat = student.call("gptq", W, X, 4, 8, 0.01)
    assert isinstance(W_hat, np.ndarray) and W_hat.shape == W.shape, "gptq must return an array of W's shape"
    scale = np.repeat(np.array(case["scale_g8"]), 8, axis=1)
    zero = np.repeat(np.array(case["zero_g8"]), 8, axis=1)
    q = W_hat / scale + zero
    assert np.all(np.abs(q - np.round(q)) < 1e-6), "an entry of W_hat is not on the quantization grid"
    assert np.all((np.round(q) >= 0) & (np.round(q) <= 15)), "an entry of W_hat is outside the 4-bit range"


@pytest.mark.points(2)
def test_gptq_matches_committed_values(student, oracle):
    """GPTQ at 4 bits with groups of 8 and at 3 bits per row equals the committed W_hat of the
    handout's algorithm (abs 1e-9)."""
    W, X = gptq_case()
    case = oracle.expected("gptq_case")
    assert_close(student.call("gptq", W, X, 4, 8, 0.01), np.array(case["w_hat_4_g8"]), rel=0, abs=1e-9,
                 what="W_hat (4 bits, groups of 8)")
    assert_close(student.call("gptq", W, X, 3, None, 0.01), np.array(case["w_hat_3_row"]), rel=0, abs=1e-9,
                 what="W_hat (3 bits, per row)")
